-- test/bench/snapshot/setup.sql: the source dimension of the snapshot
-- benchmark and the driver's bookkeeping tables.  psql variable :rows = rows
-- in the dimension before the change set.
--
--   dim  id int PRIMARY KEY, six attribute columns of mixed types, each with
--        some NULLs (name text ~4%, qty int ~5%, price numeric(12,2) ~3%,
--        since date ~3%, active boolean ~3%, code varchar(16) ~2%), and
--        updated_at timestamptz NOT NULL between 31 and 1 days ago.
--
-- Values come from a multiplicative hash of the id (no random()), so every
-- run loads the same data.  The change set is changes.sql, applied by run.sh
-- after the snapshots are built.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE TABLE dim (
	id			int PRIMARY KEY,
	name		text,
	qty			int,
	price		numeric(12,2),
	since		date,
	active		boolean,
	code		varchar(16),
	updated_at	timestamptz NOT NULL
);

-- the row generator, shared with changes.sql (new ids) and trigger_setup.sql
CREATE FUNCTION dim_rows(first int, last int, base timestamptz)
RETURNS SETOF dim
LANGUAGE sql STABLE AS $$
SELECT g,
	   CASE WHEN h % 23 = 0 THEN NULL ELSE 'customer ' || (h % 100000) END,
	   CASE WHEN h % 19 = 1 THEN NULL ELSE ((h / 7) % 1000)::int END,
	   CASE WHEN h % 29 = 2 THEN NULL ELSE ((h / 11) % 1000000) / 100.0 END,
	   CASE WHEN h % 31 = 3 THEN NULL ELSE date '2000-01-01' + ((h / 13) % 9000)::int END,
	   CASE WHEN h % 37 = 4 THEN NULL ELSE (h / 17) % 3 <> 0 END,
	   CASE WHEN h % 41 = 5 THEN NULL ELSE upper(to_hex(h % 1048576)) END,
	   base - interval '1 day' - ((h / 3) % (30 * 86400)) * interval '1 second'
  FROM generate_series(first, last) g,
	   LATERAL (SELECT (g::bigint * 2654435761) % 4294967296 AS h) x
$$;

INSERT INTO dim SELECT * FROM dim_rows(1, :rows, now());
VACUUM ANALYZE dim;

-- bookkeeping of the driver (run.sh)
-- timings: part 'snap' (strategy, round, what = dbt_change, dpq_change,
-- dbt_nochange, dpq_nochange, dbt_build, dpq_build) or 'trig' (strategy =
-- variant, what = us_per_update)
CREATE TABLE bench_timings (part text, strategy text, round int, what text, ms float8);
-- what each run says it did: dpq's returned counts; dbt's staging table
-- counted by dbt_change_type (inserted = new keys = 'insert' rows that are
-- not new versions of an 'update')
CREATE TABLE bench_counts (strategy text, round int, phase text, system text,
						   inserted bigint, updated bigint, deleted bigint, unchanged bigint);
-- the target after each run: versions, and an order-independent hash of
-- the source columns (and, for the timestamp strategy, the validity times,
-- which both take from updated_at except for deletions)
CREATE TABLE bench_fp (strategy text, round int, phase text, system text,
					   n_current bigint, n_closed bigint, fp_current numeric, fp_closed numeric,
					   n_open_deleted bigint, n_key_twice bigint);
-- trigger part: each run's answers
CREATE TABLE bench_trig (variant text, round int, updates bigint, history_rows bigint,
						 qty_sum bigint, fp numeric);

\pset footer off
SELECT 'dim' AS "table", to_char(count(*), 'FM999,999,999') AS rows,
	   pg_size_pretty(pg_table_size('dim')) AS heap,
	   pg_size_pretty(pg_indexes_size('dim')) AS indexes,
	   round(100.0 * count(*) FILTER (WHERE name IS NULL) / count(*), 1) AS "name null %",
	   round(100.0 * count(*) FILTER (WHERE qty IS NULL) / count(*), 1) AS "qty null %",
	   round(100.0 * count(*) FILTER (WHERE price IS NULL) / count(*), 1) AS "price null %",
	   round(100.0 * count(*) FILTER (WHERE since IS NULL) / count(*), 1) AS "since null %",
	   round(100.0 * count(*) FILTER (WHERE active IS NULL) / count(*), 1) AS "active null %",
	   round(100.0 * count(*) FILTER (WHERE code IS NULL) / count(*), 1) AS "code null %"
  FROM dim;
