-- SCD2 snapshots (dpq.snapshot): the model in one walk-through
--
-- Check-strategy versions start at the run's transaction time, so they are
-- shown as "run N": remember_run(N) records now() of the statement that
-- runs a snapshot, and label() turns a time back into its run number (or
-- prints it, for the timestamp strategy's fixed times).
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- everything in a schema of its own (other tests leave tables behind)
CREATE SCHEMA scd;
SET search_path = scd, public;
CREATE TABLE runs (run int PRIMARY KEY, at timestamptz NOT NULL);
CREATE FUNCTION remember_run(n int) RETURNS void LANGUAGE sql
AS $$ INSERT INTO runs VALUES (n, now()) $$;
CREATE FUNCTION label(ts timestamptz) RETURNS text LANGUAGE sql STABLE
AS $$ SELECT CASE WHEN ts IS NULL THEN NULL
                  ELSE coalesce((SELECT 'run ' || string_agg(run::text, '+' ORDER BY run)
                                   FROM runs WHERE at = ts), ts::text) END $$;

------------------------------------------------------------------------------
-- 1. The check strategy: a version starts when a compared column changes
------------------------------------------------------------------------------
CREATE TABLE customers (id int PRIMARY KEY, name text, tier text, score int);
INSERT INTO customers VALUES
    (1, 'Ada', 'gold', NULL),
    (2, 'Bob', NULL, 5),
    (3, 'Cy', 'silver', 7);

-- the first call creates the target and loads every row as a current version
SELECT s.* FROM dpq.snapshot('customers', 'customers_snap', '{id}') s, remember_run(1);
-- the target: the source's columns (no constraints), then dpq's
SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull AS not_null
  FROM pg_attribute WHERE attrelid = 'customers_snap'::regclass AND attnum > 0 AND NOT attisdropped
 ORDER BY attnum;
-- the database itself forbids two current versions of a key
SELECT (SELECT string_agg(a.attname, ', ' ORDER BY k.n)
          FROM generate_series(0, i.indnkeyatts - 1) k(n)
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n]) AS unique_index_on,
       pg_get_expr(i.indpred, i.indrelid) AS predicate
  FROM pg_index i WHERE i.indrelid = 'customers_snap'::regclass AND i.indisunique ORDER BY 1;
SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'customers_snap'::regclass;
-- every version gets an id of its own; the configuration is kept
SELECT count(*) AS versions, count(DISTINCT dpq_scd_id) AS version_ids,
       count(*) FILTER (WHERE dpq_valid_to IS NULL) AS current
  FROM customers_snap;
SELECT target, target_name, source, source_name, unique_key, strategy, check_cols,
       updated_at, hard_deletes, created_by = current_user AS by_me
  FROM dpq.snapshots;

-- nothing changed: a run writes nothing and says so
SELECT s.* FROM dpq.snapshot('customers_snap') s, remember_run(2);
SELECT count(*) AS versions FROM customers_snap;

-- NULL -> value, value -> NULL and a plain change each start a version;
-- the old one ends where the new one starts
UPDATE customers SET score = 10 WHERE id = 1;      -- NULL -> 10
UPDATE customers SET tier = NULL WHERE id = 3;     -- silver -> NULL
UPDATE customers SET name = 'Bobby' WHERE id = 2;  -- Bob -> Bobby
SELECT s.* FROM dpq.snapshot('customers_snap') s, remember_run(3);
-- A -> B -> A: back to the first value is a third version, not the first
UPDATE customers SET name = 'Bob' WHERE id = 2;
SELECT s.* FROM dpq.snapshot('customers_snap') s, remember_run(4);
SELECT id, name, tier, score, label(dpq_valid_from) AS valid_from, label(dpq_valid_to) AS valid_to
  FROM customers_snap ORDER BY id, dpq_valid_from;
-- passing the same arguments again is just another run
SELECT s.* FROM dpq.snapshot('customers', 'customers_snap', '{id}') s, remember_run(5);

-- versions start at the transaction's start, now(), as does dpq_updated_at
BEGIN;
UPDATE customers SET score = 11 WHERE id = 3;
SELECT * FROM dpq.snapshot('customers_snap');
SELECT id, dpq_valid_from = now() AS from_now, dpq_updated_at = now() AS updated_now
  FROM customers_snap WHERE id = 3 AND dpq_valid_to IS NULL;
SELECT count(*) AS closed_now FROM customers_snap WHERE id = 3 AND dpq_valid_to = now();
COMMIT;

-- check_cols: only these columns start versions; the others are copied
-- into the new versions but do not count
CREATE TABLE prices (sku text PRIMARY KEY, price numeric(8,2), label text);
INSERT INTO prices VALUES ('A-1', 9.99, 'pen'), ('B-2', 5.00, 'ink');
SELECT s.* FROM dpq.snapshot('prices', 'prices_snap', '{sku}', check_cols => '{price}') s, remember_run(6);
UPDATE prices SET label = 'blue pen' WHERE sku = 'A-1';      -- not compared
UPDATE prices SET price = 4.50, label = 'ink!' WHERE sku = 'B-2';
SELECT s.* FROM dpq.snapshot('prices_snap') s, remember_run(7);
SELECT sku, price, label, label(dpq_valid_from) AS valid_from, label(dpq_valid_to) AS valid_to
  FROM prices_snap ORDER BY sku, dpq_valid_from;

------------------------------------------------------------------------------
-- 2. Hard deletes: ignore (default), invalidate, new_record
------------------------------------------------------------------------------
-- one source, three snapshots run in the same statement (so the same run
-- time): a key is deleted, the snapshots run again, it comes back, it is
-- deleted again
CREATE TABLE items (id int PRIMARY KEY, v text);
INSERT INTO items VALUES (1, 'one'), (2, 'two');
SELECT s.* FROM remember_run(10), (
    SELECT 'ignore' AS mode, * FROM dpq.snapshot('items', 'items_ignore', '{id}')
    UNION ALL
    SELECT 'invalidate', * FROM dpq.snapshot('items', 'items_invalidate', '{id}', hard_deletes => 'invalidate')
    UNION ALL
    SELECT 'new_record', * FROM dpq.snapshot('items', 'items_new_record', '{id}', hard_deletes => 'new_record')) s;
-- new_record adds dpq_is_deleted
SELECT attname FROM pg_attribute
 WHERE attrelid = 'items_new_record'::regclass AND attname LIKE 'dpq%' ORDER BY attnum;

CREATE FUNCTION run_items(n int)
RETURNS TABLE (mode text, inserted bigint, updated bigint, deleted bigint, unchanged bigint)
LANGUAGE sql AS $$
    SELECT remember_run(n);
    SELECT 'ignore', * FROM dpq.snapshot('items_ignore')
    UNION ALL SELECT 'invalidate', * FROM dpq.snapshot('items_invalidate')
    UNION ALL SELECT 'new_record', * FROM dpq.snapshot('items_new_record')
$$;
DELETE FROM items WHERE id = 2;
SELECT * FROM run_items(11);
-- still deleted: nothing is written (no second deletion version)
SELECT * FROM run_items(12);
-- it comes back (resurrections count as inserted)
INSERT INTO items VALUES (2, 'two');
SELECT * FROM run_items(13);
-- and goes again
DELETE FROM items WHERE id = 2;
SELECT * FROM run_items(14);
SELECT id, v, label(dpq_valid_from) AS valid_from, label(dpq_valid_to) AS valid_to
  FROM items_ignore ORDER BY id, dpq_valid_from;
SELECT id, v, label(dpq_valid_from) AS valid_from, label(dpq_valid_to) AS valid_to
  FROM items_invalidate ORDER BY id, dpq_valid_from;
SELECT id, v, dpq_is_deleted, label(dpq_valid_from) AS valid_from, label(dpq_valid_to) AS valid_to
  FROM items_new_record ORDER BY id, dpq_valid_from;

-- as_of: the versions valid at a time (deletion versions are not rows)
SELECT id, v FROM dpq.as_of(NULL::items_new_record, (SELECT at FROM runs WHERE run = 11)) ORDER BY id;
SELECT id, v FROM dpq.as_of(NULL::items_new_record, (SELECT at FROM runs WHERE run = 13)) ORDER BY id;
SELECT id, v FROM dpq.as_of(NULL::items_invalidate, (SELECT at FROM runs WHERE run = 12)) ORDER BY id;
SELECT id, v FROM dpq.as_of(NULL::items_ignore, (SELECT at FROM runs WHERE run = 14)) ORDER BY id;

------------------------------------------------------------------------------
-- 3. The timestamp strategy: a version starts when updated_at moves forward
------------------------------------------------------------------------------
CREATE TABLE orders (id int PRIMARY KEY, status text, changed timestamptz NOT NULL);
INSERT INTO orders VALUES
    (1, 'new', '2024-03-01 09:00+00'),
    (2, 'new', '2024-03-01 10:00+00');
SELECT * FROM dpq.snapshot('orders', 'orders_snap', '{id}', 'timestamp', updated_at => 'changed');
-- forward: a new version from the source's time, the old one closed there
UPDATE orders SET status = 'paid', changed = '2024-03-02 12:30+00' WHERE id = 1;
-- a change without a newer updated_at is not seen (equal, then older)
UPDATE orders SET status = 'lost' WHERE id = 2;
SELECT * FROM dpq.snapshot('orders_snap');
UPDATE orders SET status = 'found', changed = '2024-02-01 00:00+00' WHERE id = 2;
SELECT * FROM dpq.snapshot('orders_snap');
SELECT id, status, dpq_valid_from, dpq_valid_to, dpq_updated_at FROM orders_snap ORDER BY id, dpq_valid_from;
-- no dpq_row_hash with this strategy
SELECT count(*) AS row_hash_columns FROM pg_attribute
 WHERE attrelid = 'orders_snap'::regclass AND attname = 'dpq_row_hash';
-- as_of at the boundaries: valid_from belongs to the version, valid_to not
SELECT id, status FROM dpq.as_of(NULL::orders_snap, '2024-03-02 12:29:59.999999+00') ORDER BY id;
SELECT id, status FROM dpq.as_of(NULL::orders_snap, '2024-03-02 12:30+00') ORDER BY id;
SELECT id, status FROM dpq.as_of(NULL::orders_snap, '2024-03-01 09:00+00') ORDER BY id;
SELECT count(*) FROM dpq.as_of(NULL::orders_snap, '2024-03-01 08:59:59+00');

-- Nothing depends on TimeZone or DateStyle: updated_at without a time zone
-- is read as UTC, a date as midnight UTC; version ids do not change either
CREATE TABLE events (id int, day date, at timestamp, note text);
INSERT INTO events VALUES (1, '2024-05-01', '2024-05-01 08:00', 'a'), (2, '2024-05-02', '2024-05-02 23:30', 'b');
SELECT * FROM dpq.snapshot('events', 'events_at_utc', '{id}', 'timestamp', updated_at => 'at');
SELECT * FROM dpq.snapshot('events', 'events_day_utc', '{id}', 'timestamp', updated_at => 'day');
SELECT id, dpq_valid_from FROM events_at_utc ORDER BY id;
SELECT id, dpq_valid_from FROM events_day_utc ORDER BY id;
SET TimeZone = 'America/Los_Angeles';
SET DateStyle = 'SQL, DMY';
SELECT * FROM dpq.snapshot('events', 'events_at_la', '{id}', 'timestamp', updated_at => 'at');
SELECT * FROM dpq.snapshot('events', 'events_day_la', '{id}', 'timestamp', updated_at => 'day');
-- re-running the UTC ones here changes nothing
SELECT * FROM dpq.snapshot('events_at_utc');
SELECT * FROM dpq.snapshot('customers_snap');
RESET DateStyle;
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
SELECT count(*) AS same_versions FROM events_at_utc u JOIN events_at_la l
    USING (id, dpq_valid_from, dpq_updated_at, dpq_scd_id);
SELECT count(*) AS same_versions FROM events_day_utc u JOIN events_day_la l
    USING (id, dpq_valid_from, dpq_updated_at, dpq_scd_id);

------------------------------------------------------------------------------
-- 4. Composite keys; NULL and duplicate keys are errors that write nothing
------------------------------------------------------------------------------
CREATE TABLE stock (shop text, item int, qty int);
INSERT INTO stock VALUES ('north', 1, 10), ('south', 1, 3), ('north', 2, 0);
SELECT * FROM dpq.snapshot('stock', 'stock_snap', '{shop,item}');
UPDATE stock SET qty = 4 WHERE shop = 'south' AND item = 1;
SELECT * FROM dpq.snapshot('stock_snap');
SELECT shop, item, qty, dpq_valid_to IS NULL AS current FROM stock_snap ORDER BY shop, item, dpq_valid_from;
\set VERBOSITY default
INSERT INTO stock VALUES ('east', NULL, 1);
SELECT * FROM dpq.snapshot('stock_snap');
DELETE FROM stock WHERE shop = 'east';
INSERT INTO stock VALUES ('north', 2, 1);
SELECT * FROM dpq.snapshot('stock_snap');
-- a first call that fails creates nothing
SELECT * FROM dpq.snapshot('stock', 'stock_snap2', '{shop,item}');
\set VERBOSITY terse
SELECT to_regclass('stock_snap2') AS created;
SELECT count(*) AS versions FROM stock_snap;
SELECT count(*) AS runs FROM dpq.snapshot_runs WHERE target = 'stock_snap'::regclass;

------------------------------------------------------------------------------
-- 5. The source's schema changes
------------------------------------------------------------------------------
-- a new column is added to the target (older versions NULL); it is compared
-- from now on: all-NULL changes nothing, a value starts a version
ALTER TABLE customers ADD COLUMN email text;
SELECT s.* FROM dpq.snapshot('customers_snap') s, remember_run(20);
UPDATE customers SET email = 'ada@example.com' WHERE id = 1;
SELECT s.* FROM dpq.snapshot('customers_snap') s, remember_run(21);
-- a dropped column stays, NULL in new versions, and is no longer compared
ALTER TABLE customers DROP COLUMN score;
SELECT s.* FROM dpq.snapshot('customers_snap') s, remember_run(22);
UPDATE customers SET tier = 'bronze' WHERE id = 2;
SELECT s.* FROM dpq.snapshot('customers_snap') s, remember_run(23);
SELECT id, name, tier, score, email, label(dpq_valid_from) AS valid_from, label(dpq_valid_to) AS valid_to
  FROM customers_snap WHERE id IN (1, 2) ORDER BY id, dpq_valid_from;
-- widening is followed (integer to bigint); a narrower source type the
-- target already holds (text holds every varchar(40)) leaves the target as it
-- is; history is kept
ALTER TABLE customers ALTER COLUMN id TYPE bigint, ALTER COLUMN name TYPE varchar(40);
SELECT s.* FROM dpq.snapshot('customers_snap') s, remember_run(24);
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'customers_snap'::regclass AND attname IN ('id', 'name') ORDER BY attnum;
-- an incompatible change is an error
ALTER TABLE customers ALTER COLUMN tier TYPE int USING length(tier);
SELECT * FROM dpq.snapshot('customers_snap');
ALTER TABLE customers ALTER COLUMN tier TYPE text;

------------------------------------------------------------------------------
-- 6. Two runs in one transaction: the second replaces the version the first
--    made (no empty interval)
------------------------------------------------------------------------------
BEGIN;
UPDATE items SET v = 'uno' WHERE id = 1;
SELECT s.* FROM dpq.snapshot('items_ignore') s, remember_run(30);
UPDATE items SET v = 'eins' WHERE id = 1;
SELECT s.* FROM dpq.snapshot('items_ignore') s, remember_run(31);
COMMIT;
SELECT id, v, label(dpq_valid_from) AS valid_from, label(dpq_valid_to) AS valid_to
  FROM items_ignore WHERE id = 1 ORDER BY dpq_valid_from;

------------------------------------------------------------------------------
-- 7. The run log, and bad input
------------------------------------------------------------------------------
SELECT target_name, source_name, strategy, first_run, inserted, updated, deleted, unchanged,
       duration_ms >= 0 AS timed, run_by = current_user AS by_me
  FROM dpq.snapshot_runs WHERE target = 'customers_snap'::regclass ORDER BY run_id;
SELECT target_name, last_run_id = (SELECT max(run_id) FROM dpq.snapshot_runs r WHERE r.target = s.target) AS last_run_ok
  FROM dpq.snapshots s ORDER BY target_name;

\set VERBOSITY default
SELECT * FROM dpq.snapshot('customers', 'customers_snap', '{id}', hard_deletes => 'invalidate');
SELECT * FROM dpq.snapshot('customers', 'runs', '{id}');
SELECT * FROM dpq.snapshot('runs');
SELECT * FROM dpq.snapshot('no_such_table', 'x', '{id}');
SELECT * FROM dpq.snapshot('customers', 'x', '{nope}');
SELECT * FROM dpq.snapshot('customers', 'x', '{id}', strategy => 'timestamp');
SELECT * FROM dpq.snapshot('customers', 'x', '{id}', 'timestamp', updated_at => 'name');
SELECT * FROM dpq.snapshot('customers', 'x', '{id}', hard_deletes => 'purge');
SELECT * FROM dpq.snapshot('customers_snap', 'x', '{id}');
\set VERBOSITY terse
SELECT to_regclass('x') AS created;
SELECT count(*) AS snapshots FROM dpq.snapshots;

SET client_min_messages = warning;
DROP SCHEMA scd CASCADE;
RESET client_min_messages;
RESET search_path;
SELECT count(*) AS snapshots_left FROM dpq.snapshots;
