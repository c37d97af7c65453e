-- test/bench/snapshot/report.sql: check the answers and print the results of
-- the snapshot benchmark.  Reads bench_timings, bench_counts, bench_fp,
-- bench_truth (part 1 only) and bench_trig, filled by run.sh; psql
-- variables :rounds, :rows, :nproc, :t_rows, :t_updates, :dpq_snap,
-- :dpq_hist, :periods.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\pset footer off
\pset null ''

CREATE TEMP TABLE problems (line text);
CREATE TEMP TABLE truth (strategy text, inserts bigint, updates bigint, deletes bigint, n_current bigint,
						 fp_current numeric, n_closed bigint, fp_closed numeric);
SELECT to_regclass('bench_truth') IS NOT NULL AS have_truth \gset
\if :have_truth
INSERT INTO truth SELECT * FROM bench_truth;
\endif

------------------------------------------------------------------------------
-- 1. Answers of part 1
------------------------------------------------------------------------------
-- what each run reports: the change set, or nothing on the re-run
INSERT INTO problems
SELECT format('WARNING: %s %s run (%s strategy, round %s) reports inserted %s, updated %s, deleted %s, unchanged %s; expected %s, %s, %s, %s',
			  c.system, c.phase, c.strategy, c.round, c.inserted, c.updated, c.deleted, coalesce(c.unchanged::text, '-'),
			  e.inserted, e.updated, e.deleted, e.unchanged)
  FROM bench_counts c
  JOIN truth t USING (strategy),
	   LATERAL (SELECT CASE c.phase WHEN 'change' THEN t.inserts ELSE 0 END AS inserted,
					   CASE c.phase WHEN 'change' THEN t.updates ELSE 0 END AS updated,
					   CASE c.phase WHEN 'change' THEN t.deletes ELSE 0 END AS deleted,
					   CASE c.phase WHEN 'change' THEN t.n_current - t.inserts - t.updates ELSE t.n_current END AS unchanged) e
 WHERE (c.inserted, c.updated, c.deleted) IS DISTINCT FROM (e.inserted, e.updated, e.deleted)
	OR (c.unchanged IS NOT NULL AND c.unchanged <> e.unchanged);
-- each target after each run: the current versions are dim's rows, the
-- closed ones the first state of the updated and deleted ids
INSERT INTO problems
SELECT format('WARNING: %s target (%s strategy) after the %s run of round %s: %s',
			  f.system, f.strategy, f.phase, f.round, concat_ws('; ',
				CASE WHEN f.n_current <> t.n_current THEN format('%s current versions, expected %s', f.n_current, t.n_current) END,
				CASE WHEN f.n_current = t.n_current AND f.fp_current <> t.fp_current THEN 'current versions differ from the source' END,
				CASE WHEN f.n_closed <> t.n_closed THEN format('%s closed versions, expected %s', f.n_closed, t.n_closed) END,
				CASE WHEN f.n_closed = t.n_closed AND f.fp_closed <> t.fp_closed THEN 'closed versions differ from the first state of the changed rows' END,
				CASE WHEN f.n_open_deleted <> 0 THEN format('%s deleted keys still current', f.n_open_deleted) END,
				CASE WHEN f.n_key_twice <> 0 THEN format('%s keys with more than one current version', f.n_key_twice) END))
  FROM bench_fp f
  JOIN truth t USING (strategy)
 WHERE (f.n_current, f.fp_current, f.n_closed, f.fp_closed, f.n_open_deleted, f.n_key_twice)
	   IS DISTINCT FROM (t.n_current, t.fp_current, t.n_closed, t.fp_closed, 0::bigint, 0::bigint);
-- dpq against dbt, run by run
INSERT INTO problems
SELECT format('WARNING: dpq and dbt targets differ (%s strategy, %s run of round %s): dpq %s current / %s closed, dbt %s / %s%s',
			  p.strategy, p.phase, p.round, p.n_current, p.n_closed, d.n_current, d.n_closed,
			  CASE WHEN (p.fp_current, p.fp_closed) IS DISTINCT FROM (d.fp_current, d.fp_closed) THEN ', contents differ' ELSE '' END)
  FROM bench_fp p
  JOIN bench_fp d USING (strategy, round, phase)
 WHERE p.system = 'dpq' AND d.system = 'dbt'
   AND (p.n_current, p.n_closed, p.fp_current, p.fp_closed) IS DISTINCT FROM (d.n_current, d.n_closed, d.fp_current, d.fp_closed);

\pset tuples_only on
\pset format unaligned
\if :have_truth
\echo
SELECT format('change set (%s strategy, the same for both): %s new ids, %s updated, %s deleted; after the change run %s current versions and %s closed ones',
			  strategy, inserts, updates, deletes, n_current, n_closed)
  FROM truth ORDER BY strategy;
\endif
SELECT line FROM problems ORDER BY line;
SELECT CASE WHEN count(*) = 0
			THEN format('answers: %s runs report the change set (or nothing to do), %s targets checked after every run hold exactly the expected versions%s',
						(SELECT count(*) FROM bench_counts), (SELECT count(*) FROM bench_fp),
						CASE WHEN :dpq_snap = 1 THEN ', dpq''s the same as dbt''s' ELSE '' END)
			ELSE format('WARNING: %s disagreement(s) listed above', count(*)) END
  FROM problems
HAVING (SELECT count(*) FROM bench_fp) > 0;
\pset tuples_only off
\pset format aligned

------------------------------------------------------------------------------
-- 2. Timings of part 1: medians over the timed rounds (round 0 is the
--    warm-up), ratios of medians, and in brackets the median of the ratios
--    within each round
------------------------------------------------------------------------------
CREATE TEMP TABLE snap AS
SELECT strategy, round, what, ms FROM bench_timings WHERE part = 'snap' AND round >= 1 AND what NOT LIKE '%build';

CREATE TEMP TABLE snap_med AS
SELECT strategy, what, count(*) AS n,
	   percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median, min(ms) AS min, max(ms) AS max
  FROM snap GROUP BY strategy, what;

CREATE TEMP TABLE snap_ratio AS
SELECT b.strategy, split_part(b.what, '_', 2) AS phase,
	   percentile_cont(0.5) WITHIN GROUP (ORDER BY b.ms / d.ms) AS median_of_ratios
  FROM snap b
  JOIN snap d ON d.strategy = b.strategy AND d.round = b.round
			 AND d.what = 'dpq_' || split_part(b.what, '_', 2)
 WHERE b.what LIKE 'dbt\_%'
 GROUP BY 1, 2;

SELECT count(*) > 0 AS have_snap FROM snap \gset
\if :have_snap
\echo
\echo '--- part 1: one snapshot run, ms: median of' :rounds 'rounds after 1 warm-up [min-max]; dbt / dpq: ratio of the medians [median of the per-round ratios]'
SELECT CASE s.strategy WHEN 'check' THEN 'check (6 columns)' ELSE 'timestamp (updated_at)' END AS strategy,
	   CASE p.phase WHEN 'change' THEN 'change run (1% upd, 0.1% del, 0.5% new)' ELSE 'no-change re-run' END AS run,
	   format('%s [%s-%s]', to_char(b.median, 'FM9999990'), to_char(b.min, 'FM9999990'), to_char(b.max, 'FM9999990')) AS "dbt ms",
	   format('%s [%s-%s]', to_char(d.median, 'FM9999990.0'), to_char(d.min, 'FM9999990.0'), to_char(d.max, 'FM9999990.0')) AS "dpq ms",
	   to_char(b.median / d.median, 'FM99990.0"x"') || coalesce(' [' || to_char(r.median_of_ratios, 'FM99990.0"x"') || ']', '')
		 AS "dbt / dpq",
	   CASE p.phase WHEN 'change' THEN '>= 6x' ELSE '>= 8x' END AS target,
	   CASE WHEN d.median IS NULL THEN ''
			WHEN b.median / d.median >= CASE p.phase WHEN 'change' THEN 6 ELSE 8 END THEN 'met' ELSE 'NOT met' END AS "met?"
  FROM (VALUES ('check', 1), ('timestamp', 2)) s(strategy, ord)
 CROSS JOIN (VALUES ('change', 1), ('nochange', 2)) p(phase, ord)
  JOIN snap_med b ON b.strategy = s.strategy AND b.what = 'dbt_' || p.phase
  LEFT JOIN snap_med d ON d.strategy = s.strategy AND d.what = 'dpq_' || p.phase
  LEFT JOIN snap_ratio r ON r.strategy = s.strategy AND r.phase = p.phase
 ORDER BY s.ord, p.ord;

\echo
\echo '--- part 1: first build of the snapshot (one run each, not a median)'
SELECT b.strategy, to_char(b.ms, 'FM9999990') AS "dbt create table as, ms",
	   to_char(d.ms, 'FM9999990') AS "dpq first dpq.snapshot, ms",
	   to_char(b.ms / d.ms, 'FM99990.0"x"') AS "dbt / dpq"
  FROM bench_timings b
  LEFT JOIN bench_timings d ON d.part = 'snap' AND d.strategy = b.strategy AND d.what = 'dpq_build'
 WHERE b.part = 'snap' AND b.what = 'dbt_build'
 ORDER BY b.strategy;

\echo
\echo '--- part 1: sizes after the last round'
SELECT c.relname AS "table", to_char(c.reltuples, 'FM999,999,999') AS "rows (estimate)",
	   pg_size_pretty(pg_table_size(c.oid)) AS heap, pg_size_pretty(pg_indexes_size(c.oid)) AS indexes,
	   coalesce((SELECT string_agg(regexp_replace(pg_get_indexdef(i.indexrelid), '^CREATE (UNIQUE )?INDEX \S+ ON \S+ USING btree ', '\1'),
								   ', ' ORDER BY i.indexrelid)
				   FROM pg_index i WHERE i.indrelid = c.oid), 'none') AS "indexes (btree)"
  FROM pg_class c
 WHERE c.relname IN ('dim', 'dbt_check', 'dbt_ts', 'dpq_check', 'dpq_ts') AND c.relkind = 'r'
 ORDER BY array_position(ARRAY['dim', 'dbt_check', 'dbt_ts', 'dpq_check', 'dpq_ts'], c.relname::text);
\endif

------------------------------------------------------------------------------
-- 3. Part 2: the history trigger
------------------------------------------------------------------------------
INSERT INTO problems
SELECT format('WARNING: trigger part, round %s: %s', t.round, concat_ws('; ',
		CASE WHEN t.variant <> 'plain' AND t.history_rows IS DISTINCT FROM t.updates
			 THEN format('%s history has %s rows after %s UPDATEs', t.variant, t.history_rows, t.updates) END,
		CASE WHEN (t.qty_sum, t.fp) IS DISTINCT FROM (p.qty_sum, p.fp)
			 THEN format('%s table differs from the plain one', t.variant) END))
  FROM bench_trig t
  JOIN bench_trig p ON p.round = t.round AND p.variant = 'plain'
 WHERE (t.variant <> 'plain' AND t.history_rows IS DISTINCT FROM t.updates)
	OR (t.qty_sum, t.fp) IS DISTINCT FROM (p.qty_sum, p.fp);

CREATE TEMP TABLE trig AS
SELECT strategy AS variant, round, ms AS us FROM bench_timings WHERE part = 'trig' AND round >= 1;
CREATE TEMP TABLE trig_med AS
SELECT variant, count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY us) AS median, min(us) AS min, max(us) AS max
  FROM trig GROUP BY variant;
-- overhead within each round (the three runs of a round are next to each other)
CREATE TEMP TABLE trig_round AS
SELECT t.variant, t.round, (t.us - p.us) / p.us AS overhead
  FROM trig t JOIN trig p ON p.round = t.round AND p.variant = 'plain'
 WHERE t.variant <> 'plain';

SELECT count(*) > 0 AS have_trig FROM trig \gset
\if :have_trig
\echo
\pset tuples_only on
\pset format unaligned
SELECT format('--- part 2: %s single-row UPDATEs per variant and round (each its own transaction; pgbench -c 1 -M prepared; %s interleaved chunks) of a %s-row table; time per UPDATE in us: median of %s rounds [min-max]; overhead: of the medians [median of the per-round overheads]',
			  to_char(:t_updates, 'FM999,999,999'), :t_chunks, to_char(:t_rows, 'FM999,999,999'), :rounds);
\pset tuples_only off
\pset format aligned
SELECT m.variant,
	   CASE m.variant WHEN 'plain' THEN 'no history' WHEN 'dpq' THEN 'dpq.track_history' ELSE 'periods: system_time period + system versioning' END AS "kept by",
	   format('%s [%s-%s]', to_char(m.median, 'FM9990.0'), to_char(m.min, 'FM9990.0'), to_char(m.max, 'FM9990.0')) AS "us per UPDATE",
	   to_char(1e6 / m.median, 'FM999,990') AS "UPDATEs/s",
	   CASE WHEN m.variant = 'plain' THEN ''
			ELSE to_char(100 * (m.median - p.median) / p.median, 'FMS990.0"%"')
				 || ' [' || to_char(100 * (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r.overhead)
											 FROM trig_round r WHERE r.variant = m.variant), 'FMS990.0"%"') || ']' END
		 AS "overhead vs plain",
	   CASE WHEN m.variant = 'plain' THEN '' ELSE to_char(m.median - p.median, 'FM990.0') END AS "us added"
  FROM trig_med m, trig_med p
 WHERE p.variant = 'plain'
 ORDER BY array_position(ARRAY['plain', 'dpq', 'periods'], m.variant);

\pset tuples_only on
\pset format unaligned
SELECT format('dpq''s overhead / periods'' overhead: %s [median of the per-round ratios %s] (target <= 0.5: %s)',
			  to_char((d.median - p.median) / (s.median - p.median), 'FM990.00'),
			  to_char((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY rd.overhead / rs.overhead)
						 FROM trig_round rd JOIN trig_round rs ON rs.round = rd.round AND rs.variant = 'periods'
						WHERE rd.variant = 'dpq'), 'FM990.00'),
			  CASE WHEN (d.median - p.median) / (s.median - p.median) <= 0.5 THEN 'met' ELSE 'NOT met' END)
  FROM trig_med p, trig_med d, trig_med s
 WHERE p.variant = 'plain' AND d.variant = 'dpq' AND s.variant = 'periods';
SELECT CASE WHEN count(*) = 0
			THEN format('answers: every tracked table''s history holds one row per UPDATE, and the tables hold the same values (%s runs)',
						(SELECT count(*) FROM bench_trig))
			ELSE format('WARNING: %s problem(s) in the trigger part:', count(*)) END
  FROM problems WHERE line LIKE 'WARNING: trigger part%';
SELECT line FROM problems WHERE line LIKE 'WARNING: trigger part%' ORDER BY line;
\pset tuples_only off
\pset format aligned
\endif

\pset tuples_only on
\pset format unaligned
\echo
SELECT format('machine: %s CPUs; %s; shared_buffers=%s, work_mem=%s, max_parallel_workers_per_gather=%s, jit=%s, fsync=%s',
			  :'nproc', split_part(version(), ' on ', 1), current_setting('shared_buffers'),
			  current_setting('work_mem'), current_setting('max_parallel_workers_per_gather'),
			  current_setting('jit'), current_setting('fsync'));
