-- lineage_runs.sql: when lineage capture records a run and when it does
-- not, and how recorded lineage follows the catalog (doc/lineage.md, issue
-- 5): plain SELECT, EXPLAIN with and without ANALYZE, rolled-back
-- transactions, savepoints and failed statements, PL/pgSQL and prepared
-- statements (cached plans), SET dpq.lineage (superuser only), renames,
-- drops and the dbt "__dbt_tmp / __dbt_backup" swap; lineage_upstream and
-- lineage_downstream (table and column mode, depth, a cycle, bad input).
--
-- Lineage is written at COMMIT: no wrapping transaction here, every
-- statement is its own transaction unless a test opens one.  Everything
-- lives in schema lt_runs and role lt_runs_user, dropped at the start and
-- at the end.
--
-- Helpers (schema lt_runs):
--   edges(rel)       hop edges into rel (live targets only), as text
--   dropped(rel)     the same for edges whose target was dropped, with the
--                    two dropped flags
--   runs(rel)        the distinct values of lineage_edges.runs of rel's edges
--   nruns(rel)       rows of dpq.lineage_runs for jobs writing rel
--   up(...), down(...)   lineage_upstream / lineage_downstream as text
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pgtap') AS own_pgtap,
       NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'dpq') AS own_dpq \gset
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dpq;
DROP SCHEMA IF EXISTS lt_runs CASCADE;
DROP ROLE IF EXISTS lt_runs_user;
CREATE SCHEMA lt_runs;
CREATE ROLE lt_runs_user;
SET search_path = lt_runs, public;
SET statement_timeout = '60s';

SELECT plan(76);

CREATE FUNCTION edges(rel text)
RETURNS TABLE (source_relation text, source_column text, target_column text, kind text, subtype text)
LANGUAGE sql STABLE AS $f$
	SELECT e.source_relation, e.source_column::text, e.target_column::text, e.kind, e.subtype
	  FROM dpq.lineage_edges e
	 WHERE e.target_relation = rel AND NOT e.target_dropped
$f$;
CREATE FUNCTION dropped(rel text)
RETURNS TABLE (source_relation text, source_column text, target_column text, kind text, subtype text,
			   source_dropped boolean, target_dropped boolean)
LANGUAGE sql STABLE AS $f$
	SELECT e.source_relation, e.source_column::text, e.target_column::text, e.kind, e.subtype,
		   e.source_dropped, e.target_dropped
	  FROM dpq.lineage_edges e
	 WHERE e.target_relation = rel AND e.target_dropped
$f$;
CREATE FUNCTION runs(rel text) RETURNS bigint[]
LANGUAGE sql STABLE AS $f$
	SELECT array_agg(DISTINCT e.runs ORDER BY e.runs)
	  FROM dpq.lineage_edges e
	 WHERE e.target_relation = rel AND NOT e.target_dropped
$f$;
CREATE FUNCTION nruns(rel text) RETURNS bigint
LANGUAGE sql STABLE AS $f$
	SELECT count(*) FROM dpq.lineage_runs r
	 WHERE r.job_id IN (SELECT g.job_id FROM dpq.lineage_graph g
						 WHERE g.target_relation = rel AND NOT g.target_dropped)
$f$;
CREATE FUNCTION up(rel regclass, col name DEFAULT NULL, depth int DEFAULT NULL)
RETURNS TABLE (depth int, source_relation text, source_column text, target_relation text,
			   target_column text, kind text, subtype text)
LANGUAGE sql STABLE AS $f$
	SELECT w.depth, w.source_relation, w.source_column::text, w.target_relation,
		   w.target_column::text, w.kind, w.subtype
	  FROM dpq.lineage_upstream(rel, col, depth) w
$f$;
CREATE FUNCTION down(rel regclass, col name DEFAULT NULL, depth int DEFAULT NULL)
RETURNS TABLE (depth int, source_relation text, source_column text, target_relation text,
			   target_column text, kind text, subtype text)
LANGUAGE sql STABLE AS $f$
	SELECT w.depth, w.source_relation, w.source_column::text, w.target_relation,
		   w.target_column::text, w.kind, w.subtype
	  FROM dpq.lineage_downstream(rel, col, depth) w
$f$;

CREATE TABLE s (id int PRIMARY KEY, a int, b int);
INSERT INTO s VALUES (1, 10, 100), (2, 20, 200), (3, 30, 300);

-- ===========================================================================
-- what records nothing: plain SELECT, EXPLAIN without ANALYZE, rollback
-- (between the two counts only the statements under test run)
-- ===========================================================================
SELECT is(current_setting('dpq.lineage'), 'on', 'dpq.lineage is on by default');

SELECT count(*) AS runs_before, (SELECT count(*) FROM dpq.lineage_jobs) AS jobs_before
  FROM dpq.lineage_runs \gset
SELECT id, a FROM s WHERE a > 10 ORDER BY b \g /dev/null
SELECT s.id, x.n FROM s, LATERAL (SELECT count(*) AS n FROM s s2 WHERE s2.a < s.a) x \g /dev/null
SELECT is((SELECT count(*) FROM dpq.lineage_runs), :runs_before::bigint, 'plain SELECT: no run');
SELECT is((SELECT count(*) FROM dpq.lineage_jobs), :jobs_before::bigint, 'plain SELECT: no job');

CREATE TABLE ex (id int, a int);
EXPLAIN INSERT INTO ex SELECT id, a FROM s \g /dev/null
EXPLAIN (VERBOSE, COSTS OFF) INSERT INTO ex SELECT id, a FROM s \g /dev/null
SELECT is_empty($q$SELECT * FROM edges('lt_runs.ex')$q$, 'EXPLAIN INSERT ... SELECT (no ANALYZE): nothing');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) INSERT INTO ex SELECT id, a FROM s \g /dev/null
SELECT set_eq($q$SELECT * FROM edges('lt_runs.ex')$q$, $w$VALUES
	('lt_runs.s', 'id', 'id', 'direct', 'identity'),
	('lt_runs.s', 'a',  'a',  'direct', 'identity')$w$,
	'EXPLAIN ANALYZE INSERT ... SELECT ran it: its edges');
SELECT is(runs('lt_runs.ex'), '{1}'::bigint[], 'EXPLAIN ANALYZE: one run');
EXPLAIN (COSTS OFF) CREATE TABLE ex_ctas0 AS SELECT id, a FROM s \g /dev/null
SELECT is_empty($q$SELECT * FROM edges('lt_runs.ex_ctas0')$q$, 'EXPLAIN CREATE TABLE AS (no ANALYZE, no table): nothing');
-- (found by this corpus: recorded nothing; /tmp/lineage-bugs.md C5)
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) CREATE TABLE ex_ctas AS SELECT id, a FROM s \g /dev/null
SELECT set_eq($q$SELECT * FROM edges('lt_runs.ex_ctas')$q$, $w$VALUES
	('lt_runs.s', 'id', 'id', 'direct', 'identity'),
	('lt_runs.s', 'a',  'a',  'direct', 'identity')$w$,
	'EXPLAIN ANALYZE CREATE TABLE AS created and filled the table: its edges');

SELECT count(*) AS runs_before FROM dpq.lineage_runs \gset
SELECT * FROM s WHERE id = 1 FOR UPDATE \g /dev/null
BEGIN;
DECLARE lt_runs_c CURSOR FOR SELECT id, a FROM s ORDER BY b;
FETCH 2 FROM lt_runs_c \g /dev/null
CLOSE lt_runs_c;
COMMIT;
SELECT is((SELECT count(*) FROM dpq.lineage_runs), :runs_before::bigint,
		  'SELECT ... FOR UPDATE and a cursor: no run');

CREATE TABLE rb (id int, a int);
SELECT count(*) AS runs_before FROM dpq.lineage_runs \gset
BEGIN;
INSERT INTO rb SELECT id, a FROM s;
INSERT INTO rb SELECT id, b FROM s;
ROLLBACK;
SELECT is((SELECT count(*) FROM dpq.lineage_runs), :runs_before::bigint, 'rolled-back transaction: no run');
SELECT is_empty($q$SELECT * FROM edges('lt_runs.rb')$q$, 'rolled-back transaction: no edge');

CREATE TABLE sp_gone (id int, a int);
CREATE TABLE sp_kept (id int, a int);
SELECT count(*) AS runs_before FROM dpq.lineage_runs \gset
BEGIN;
SAVEPOINT sp;
INSERT INTO sp_gone SELECT id, a FROM s;
ROLLBACK TO SAVEPOINT sp;
INSERT INTO sp_kept SELECT id, b FROM s;
SAVEPOINT sp2;
INSERT INTO sp_gone SELECT id, b FROM s;
ROLLBACK TO SAVEPOINT sp2;
COMMIT;
SELECT is((SELECT count(*) FROM dpq.lineage_runs), :runs_before::bigint + 1,
		  'ROLLBACK TO SAVEPOINT: only the statement kept records a run');
SELECT is_empty($q$SELECT * FROM edges('lt_runs.sp_gone')$q$, 'ROLLBACK TO SAVEPOINT: no edge');
SELECT set_eq($q$SELECT * FROM edges('lt_runs.sp_kept')$q$, $w$VALUES
	('lt_runs.s', 'id', 'id', 'direct', 'identity'),
	('lt_runs.s', 'b',  'a',  'direct', 'identity')$w$,
	'the statement after the rolled-back savepoint is recorded');

-- a statement that fails inside a subtransaction (pgTAP's throws_ok) while
-- the enclosing statement commits
CREATE TABLE failed (id int, a int);
SELECT throws_ok($q$INSERT INTO lt_runs.failed SELECT id / 0, a FROM lt_runs.s$q$, '22012', NULL,
				 'the failing INSERT ... SELECT fails');
SELECT is_empty($q$SELECT * FROM edges('lt_runs.failed')$q$, 'a failed statement records nothing');
SELECT is(nruns('lt_runs.failed'), 0::bigint, 'a failed statement: no run');

-- an exception block rolls back the statements it ran, the good one too
CREATE TABLE exc_a (id int);
CREATE TABLE exc_b (id int);
DO $$
BEGIN
	BEGIN
		INSERT INTO lt_runs.exc_a SELECT id FROM lt_runs.s;
		INSERT INTO lt_runs.exc_b SELECT id / 0 FROM lt_runs.s;
	EXCEPTION WHEN division_by_zero THEN NULL;
	END;
END $$;
SELECT is_empty($q$SELECT * FROM edges('lt_runs.exc_a') UNION ALL SELECT * FROM edges('lt_runs.exc_b')$q$,
				'statements rolled back by a PL/pgSQL exception block record nothing');

-- lineage never fails the user's statement: a read-only transaction may
-- write a temporary table (what it records, if anything, is not asserted)
CREATE TEMP TABLE ro_tmp (id int, a int);
BEGIN READ ONLY;
INSERT INTO ro_tmp SELECT id, a FROM s;
COMMIT;
SELECT is((SELECT count(*) FROM ro_tmp), 3::bigint,
		  'INSERT ... SELECT into a temporary table in a READ ONLY transaction commits');

-- ===========================================================================
-- cached plans: PL/pgSQL and prepared statements
-- ===========================================================================
CREATE TABLE fx (id int, a int);
CREATE FUNCTION fill() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO lt_runs.fx (id, a) SELECT id, a FROM lt_runs.s;
END $$;
SELECT fill() \g /dev/null
SELECT fill() \g /dev/null
SELECT fill() \g /dev/null
SELECT set_eq($q$SELECT * FROM edges('lt_runs.fx')$q$, $w$VALUES
	('lt_runs.s', 'id', 'id', 'direct', 'identity'),
	('lt_runs.s', 'a',  'a',  'direct', 'identity')$w$,
	'a statement in a PL/pgSQL function: its edges');
SELECT is(runs('lt_runs.fx'), '{3}'::bigint[], 'PL/pgSQL function called 3 times: runs = 3');
SELECT is(nruns('lt_runs.fx'), 3::bigint, 'PL/pgSQL function called 3 times: 3 rows in lineage_runs');
SELECT fill() FROM generate_series(1, 2) \g /dev/null
SELECT is(runs('lt_runs.fx'), '{5}'::bigint[], 'called twice more in one statement: runs = 5');
SELECT is((SELECT count(DISTINCT xid) FROM dpq.lineage_runs r
			WHERE r.job_id IN (SELECT job_id FROM dpq.lineage_graph WHERE target_relation = 'lt_runs.fx')),
		  4::bigint, 'the 5 runs were in 4 transactions');

CREATE TABLE px (id int, a int);
PREPARE lt_runs_p AS INSERT INTO lt_runs.px (id, a) SELECT id, a FROM lt_runs.s;
EXECUTE lt_runs_p;
EXECUTE lt_runs_p;
EXECUTE lt_runs_p;
DEALLOCATE lt_runs_p;
SELECT set_eq($q$SELECT * FROM edges('lt_runs.px')$q$, $w$VALUES
	('lt_runs.s', 'id', 'id', 'direct', 'identity'),
	('lt_runs.s', 'a',  'a',  'direct', 'identity')$w$,
	'a prepared INSERT ... SELECT: its edges');
SELECT is(runs('lt_runs.px'), '{3}'::bigint[], 'prepared statement EXECUTEd 3 times: runs = 3');
SELECT is(nruns('lt_runs.px'), 3::bigint, 'prepared statement EXECUTEd 3 times: 3 rows in lineage_runs');

-- with a parameter, past the plan cache's switch to a generic plan (after 5
-- custom plans)
CREATE TABLE pq (id int, a int);
PREPARE lt_runs_q(int) AS INSERT INTO lt_runs.pq SELECT id, a FROM lt_runs.s WHERE a > $1;
EXECUTE lt_runs_q(0);
EXECUTE lt_runs_q(10);
EXECUTE lt_runs_q(20);
EXECUTE lt_runs_q(0);
EXECUTE lt_runs_q(10);
EXECUTE lt_runs_q(20);
EXECUTE lt_runs_q(30);
DEALLOCATE lt_runs_q;
SELECT set_eq($q$SELECT * FROM edges('lt_runs.pq')$q$, $w$VALUES
	('lt_runs.s', 'id', 'id', 'direct',   'identity'),
	('lt_runs.s', 'a',  'a',  'direct',   'identity'),
	('lt_runs.s', 'a',  NULL, 'indirect', 'filter')$w$,
	'a prepared statement with a parameter: its edges');
SELECT is(runs('lt_runs.pq'), '{7}'::bigint[], 'custom and generic plans: 7 runs');

CREATE TABLE loop_t (id int);
DO $$ BEGIN FOR i IN 1..3 LOOP INSERT INTO lt_runs.loop_t SELECT id FROM lt_runs.s; END LOOP; END $$;
SELECT is(runs('lt_runs.loop_t'), '{3}'::bigint[], 'a statement in a DO loop of 3: 3 runs');
CREATE TABLE dyn_t (id int);
DO $$
BEGIN
	EXECUTE 'INSERT INTO lt_runs.dyn_t SELECT id FROM lt_runs.s';
	EXECUTE 'INSERT INTO lt_runs.dyn_t SELECT id FROM lt_runs.s';
END $$;
SELECT is(runs('lt_runs.dyn_t'), '{2}'::bigint[], 'dynamic SQL (EXECUTE) twice: 2 runs');

-- a statement in a SQL function, in a trigger (once per row), in a
-- procedure that commits and then rolls back
CREATE TABLE sqlf (id int);
CREATE FUNCTION fill_sql() RETURNS void LANGUAGE sql AS $$ INSERT INTO lt_runs.sqlf SELECT id FROM lt_runs.s $$;
SELECT fill_sql() \g /dev/null
SELECT fill_sql() \g /dev/null
SELECT is(runs('lt_runs.sqlf'), '{2}'::bigint[], 'a SQL function called twice: 2 runs');

CREATE TABLE trg_t (id int);
CREATE TABLE trg_audit (id int, a int);
CREATE FUNCTION trg_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO lt_runs.trg_audit SELECT NEW.id, s.a FROM lt_runs.s WHERE s.id = NEW.id;
	RETURN NEW;
END $$;
CREATE TRIGGER trg AFTER INSERT ON trg_t FOR EACH ROW EXECUTE FUNCTION trg_fn();
INSERT INTO trg_t VALUES (1), (2), (3);
SELECT set_eq($q$SELECT * FROM edges('lt_runs.trg_audit')$q$, $w$VALUES
	('lt_runs.s', 'a',  'a',  'direct',   'identity'),
	('lt_runs.s', 'id', NULL, 'indirect', 'filter')$w$,
	'a statement in a row trigger: its edges (NEW.id is no relation)');
SELECT is(runs('lt_runs.trg_audit'), '{3}'::bigint[], 'a row trigger fired 3 times: 3 runs');
SELECT is_empty($q$SELECT * FROM edges('lt_runs.trg_t')$q$, 'the INSERT ... VALUES that fired it: nothing');

CREATE TABLE proc_kept (id int);
CREATE TABLE proc_gone (id int);
CREATE PROCEDURE proc() LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO lt_runs.proc_kept SELECT id FROM lt_runs.s;
	COMMIT;
	INSERT INTO lt_runs.proc_gone SELECT id FROM lt_runs.s;
	ROLLBACK;
END $$;
CALL proc();
SELECT is(runs('lt_runs.proc_kept'), '{1}'::bigint[], 'a procedure: the statement it committed is recorded');
SELECT is_empty($q$SELECT * FROM edges('lt_runs.proc_gone')$q$, 'a procedure: the statement it rolled back is not');

-- parallel workers record nothing: the leader records the statement once
SET force_parallel_mode = on;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
CREATE TABLE par_ctas AS SELECT id, a FROM s WHERE b > 0;
RESET force_parallel_mode;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SELECT is(nruns('lt_runs.par_ctas'), 1::bigint, 'CREATE TABLE AS under force_parallel_mode: one run');

-- ===========================================================================
-- dpq.lineage: off for a superuser; not settable by others
-- ===========================================================================
CREATE TABLE off (id int, a int);
SET dpq.lineage = off;
INSERT INTO off SELECT id, a FROM s;
CREATE TABLE off_ctas AS SELECT id, a FROM s;
SELECT fill() \g /dev/null
RESET dpq.lineage;
SELECT is_empty($q$SELECT * FROM edges('lt_runs.off') UNION ALL SELECT * FROM edges('lt_runs.off_ctas')$q$,
				'SET dpq.lineage = off: nothing recorded');
SELECT is(runs('lt_runs.fx'), '{5}'::bigint[], 'SET dpq.lineage = off: no run of a cached plan either');
INSERT INTO off SELECT id, a FROM s;
SELECT is(runs('lt_runs.off'), '{1}'::bigint[], 'after RESET dpq.lineage: recorded again (one run)');

SET ROLE lt_runs_user;
SELECT throws_ok($q$SET dpq.lineage = off$q$, '42501', NULL, 'a non-superuser cannot SET dpq.lineage');
SELECT throws_ok($q$SELECT set_config('dpq.lineage', 'off', false)$q$, '42501', NULL,
				 'nor set_config(''dpq.lineage'', ...)');
RESET ROLE;

-- a role without any privilege on dpq's catalog still gets its lineage
-- recorded, as the role that ran it
GRANT USAGE ON SCHEMA lt_runs TO lt_runs_user;
GRANT SELECT ON s TO lt_runs_user;
CREATE TABLE by_user (id int, a int);
GRANT INSERT ON by_user TO lt_runs_user;
SET ROLE lt_runs_user;
INSERT INTO lt_runs.by_user SELECT id, a FROM lt_runs.s;
RESET ROLE;
SELECT set_eq($q$SELECT source_relation, source_column::text, target_column::text, runs, last_role::text
				   FROM dpq.lineage_edges WHERE target_relation = 'lt_runs.by_user'$q$, $w$VALUES
	('lt_runs.s', 'id', 'id', 1::bigint, 'lt_runs_user'),
	('lt_runs.s', 'a',  'a',  1::bigint, 'lt_runs_user')$w$,
	'a non-superuser''s INSERT ... SELECT is recorded, last_role is that role');

-- ===========================================================================
-- renames, drops and the dbt swap: lineage is keyed by OID and attnum
-- ===========================================================================
CREATE TABLE ren AS SELECT id, a FROM s;
ALTER TABLE ren RENAME TO ren2;
ALTER TABLE ren2 RENAME COLUMN a TO a_renamed;
SELECT set_eq($q$SELECT * FROM edges('lt_runs.ren2')$q$, $w$VALUES
	('lt_runs.s', 'id', 'id',        'direct', 'identity'),
	('lt_runs.s', 'a',  'a_renamed', 'direct', 'identity')$w$,
	'a renamed table (and column) keeps its edges, under the new names');
SELECT is_empty($q$SELECT * FROM dpq.lineage_edges WHERE target_relation = 'lt_runs.ren'$q$,
				'nothing is left under the old name');

CREATE TABLE src2 (id int, v int);
CREATE TABLE dep AS SELECT id, v FROM src2;
ALTER TABLE src2 RENAME TO src2_new;
ALTER TABLE src2_new RENAME COLUMN v TO v_new;
SELECT set_eq($q$SELECT * FROM edges('lt_runs.dep')$q$, $w$VALUES
	('lt_runs.src2_new', 'id',    'id', 'direct', 'identity'),
	('lt_runs.src2_new', 'v_new', 'v',  'direct', 'identity')$w$,
	'a renamed source: the edges show its new names');

CREATE TABLE gone AS SELECT id, a FROM s;
ALTER TABLE gone RENAME TO gone_last;
DROP TABLE gone_last;
SELECT set_eq($q$SELECT * FROM dropped('lt_runs.gone_last')$q$, $w$VALUES
	('lt_runs.s', 'id', 'id', 'direct', 'identity', false, true),
	('lt_runs.s', 'a',  'a',  'direct', 'identity', false, true)$w$,
	'a dropped table: its edges keep its last name, target_dropped');
SELECT is_empty($q$SELECT * FROM dpq.lineage_edges WHERE target_relation IN ('lt_runs.gone', 'lt_runs.gone_last') AND NOT target_dropped$q$,
				'a dropped table has no live edge');

CREATE TABLE src3 (id int, v int);
CREATE TABLE from3 AS SELECT id, v * 2 AS v2 FROM src3;
ALTER TABLE src3 RENAME TO src3_last;
DROP TABLE src3_last;
SELECT set_eq($q$SELECT source_relation, source_column::text, target_column::text, kind, subtype,
						source_dropped, target_dropped
				   FROM dpq.lineage_edges WHERE target_relation = 'lt_runs.from3'$q$, $w$VALUES
	('lt_runs.src3_last', 'id', 'id', 'direct', 'identity',       true, false),
	('lt_runs.src3_last', 'v',  'v2', 'direct', 'transformation', true, false)$w$,
	'a dropped source: its last name, source_dropped');

-- created and dropped in the transaction that wrote it: recorded as dropped
BEGIN;
CREATE TABLE gone_tx AS SELECT id, a FROM s;
DROP TABLE gone_tx;
COMMIT;
SELECT set_eq($q$SELECT * FROM dropped('lt_runs.gone_tx')$q$, $w$VALUES
	('lt_runs.s', 'id', 'id', 'direct', 'identity', false, true),
	('lt_runs.s', 'a',  'a',  'direct', 'identity', false, true)$w$,
	'a table created and dropped in one transaction: its edges, dropped, under its name');
CREATE TABLE src_tx (id int);
CREATE TABLE from_tx (id int);
BEGIN;
INSERT INTO from_tx SELECT id FROM src_tx;
DROP TABLE src_tx;
COMMIT;
SELECT set_eq($q$SELECT source_relation, source_column::text, target_column::text, source_dropped, target_dropped
				   FROM dpq.lineage_edges WHERE target_relation = 'lt_runs.from_tx'$q$, $w$VALUES
	('lt_runs.src_tx', 'id', 'id', true, false)$w$,
	'a source dropped after the statement, in the same transaction: source_dropped');

-- a dropped column keeps its last name, its edges are marked dropped
CREATE TABLE colgone AS SELECT id, a, b FROM s;
ALTER TABLE colgone RENAME COLUMN b TO b_last;
ALTER TABLE colgone DROP COLUMN b_last;
SELECT set_eq($q$SELECT source_relation, source_column::text, target_column::text, kind, subtype, target_dropped
				   FROM dpq.lineage_edges WHERE target_relation = 'lt_runs.colgone'$q$, $w$VALUES
	('lt_runs.s', 'id', 'id',     'direct', 'identity', false),
	('lt_runs.s', 'a',  'a',      'direct', 'identity', false),
	('lt_runs.s', 'b',  'b_last', 'direct', 'identity', true)$w$,
	'a dropped column: its edge keeps the column''s last name, marked dropped');

-- the dbt table materialization, run again over an existing model:
-- build m__dbt_tmp, swap it in, drop the old one (dbt does the first three
-- in one transaction)
CREATE TABLE m AS SELECT id, a FROM s;
BEGIN;
CREATE TABLE m__dbt_tmp AS SELECT id, b AS a, a + b AS ab FROM s;
ALTER TABLE m RENAME TO m__dbt_backup;
ALTER TABLE m__dbt_tmp RENAME TO m;
COMMIT;
DROP TABLE m__dbt_backup;
SELECT set_eq($q$SELECT * FROM edges('lt_runs.m')$q$, $w$VALUES
	('lt_runs.s', 'id', 'id', 'direct', 'identity'),
	('lt_runs.s', 'b',  'a',  'direct', 'identity'),
	('lt_runs.s', 'a',  'ab', 'direct', 'transformation'),
	('lt_runs.s', 'b',  'ab', 'direct', 'transformation')$w$,
	'dbt swap: m shows the edges of the new table');
SELECT is(runs('lt_runs.m'), '{1}'::bigint[], 'dbt swap: the new m has one run');
SELECT set_eq($q$SELECT * FROM dropped('lt_runs.m__dbt_backup')$q$, $w$VALUES
	('lt_runs.s', 'id', 'id', 'direct', 'identity', false, true),
	('lt_runs.s', 'a',  'a',  'direct', 'identity', false, true)$w$,
	'dbt swap: the old m''s edges are under m__dbt_backup, dropped');
SELECT is_empty($q$SELECT * FROM dpq.lineage_edges WHERE target_relation = 'lt_runs.m__dbt_tmp'$q$,
				'dbt swap: nothing under m__dbt_tmp');
SELECT is_empty($q$SELECT * FROM dpq.lineage_edges WHERE target_relation = 'lt_runs.m' AND target_dropped$q$,
				'dbt swap: nothing dropped under m');

-- ===========================================================================
-- lineage_upstream / lineage_downstream
-- ===========================================================================
-- a chain t1 -> t2 -> t3
CREATE TABLE t1 (id int, v int);
CREATE TABLE t2 (id int, v int);
INSERT INTO t2 SELECT id, v FROM t1 WHERE v > 0;
CREATE TABLE t3 AS SELECT id, v * 2 AS v2 FROM t2;
SELECT set_eq($q$SELECT * FROM up('lt_runs.t3')$q$, $w$VALUES
	(1, 'lt_runs.t2', 'id', 'lt_runs.t3', 'id', 'direct',   'identity'),
	(1, 'lt_runs.t2', 'v',  'lt_runs.t3', 'v2', 'direct',   'transformation'),
	(2, 'lt_runs.t1', 'id', 'lt_runs.t2', 'id', 'direct',   'identity'),
	(2, 'lt_runs.t1', 'v',  'lt_runs.t2', 'v',  'direct',   'identity'),
	(2, 'lt_runs.t1', 'v',  'lt_runs.t2', NULL, 'indirect', 'filter')$w$,
	'lineage_upstream(t3): table mode');
SELECT set_eq($q$SELECT * FROM up('lt_runs.t3', 'v2')$q$, $w$VALUES
	(1, 'lt_runs.t2', 'v', 'lt_runs.t3', 'v2', 'direct',   'transformation'),
	(2, 'lt_runs.t1', 'v', 'lt_runs.t2', 'v',  'direct',   'identity'),
	(2, 'lt_runs.t1', 'v', 'lt_runs.t2', NULL, 'indirect', 'filter')$w$,
	'lineage_upstream(t3, v2): column mode (with the dataset-level edges on the way)');
SELECT set_eq($q$SELECT * FROM up('lt_runs.t3', NULL, 1)$q$, $w$VALUES
	(1, 'lt_runs.t2', 'id', 'lt_runs.t3', 'id', 'direct', 'identity'),
	(1, 'lt_runs.t2', 'v',  'lt_runs.t3', 'v2', 'direct', 'transformation')$w$,
	'lineage_upstream(t3, depth => 1)');
SELECT set_eq($q$SELECT * FROM down('lt_runs.t1')$q$, $w$VALUES
	(1, 'lt_runs.t1', 'id', 'lt_runs.t2', 'id', 'direct',   'identity'),
	(1, 'lt_runs.t1', 'v',  'lt_runs.t2', 'v',  'direct',   'identity'),
	(1, 'lt_runs.t1', 'v',  'lt_runs.t2', NULL, 'indirect', 'filter'),
	(2, 'lt_runs.t2', 'id', 'lt_runs.t3', 'id', 'direct',   'identity'),
	(2, 'lt_runs.t2', 'v',  'lt_runs.t3', 'v2', 'direct',   'transformation')$w$,
	'lineage_downstream(t1): table mode');
SELECT set_eq($q$SELECT * FROM down('lt_runs.t1', 'id')$q$, $w$VALUES
	(1, 'lt_runs.t1', 'id', 'lt_runs.t2', 'id', 'direct', 'identity'),
	(2, 'lt_runs.t2', 'id', 'lt_runs.t3', 'id', 'direct', 'identity')$w$,
	'lineage_downstream(t1, id): column mode');
SELECT set_eq($q$SELECT * FROM down('lt_runs.t1', 'v')$q$, $w$VALUES
	(1, 'lt_runs.t1', 'v',  'lt_runs.t2', 'v',  'direct',   'identity'),
	(1, 'lt_runs.t1', 'v',  'lt_runs.t2', NULL, 'indirect', 'filter'),
	(2, 'lt_runs.t2', 'v',  'lt_runs.t3', 'v2', 'direct',   'transformation'),
	(2, 'lt_runs.t2', 'id', 'lt_runs.t3', 'id', 'direct',   'identity')$w$,
	'lineage_downstream(t1, v): a filter edge reaches every column of t2');

-- a cycle: ca <- cb <- ca
CREATE TABLE ca (id int, v int);
CREATE TABLE cb (id int, v int);
INSERT INTO ca SELECT id, v FROM cb;
INSERT INTO cb SELECT id, v FROM ca;
SELECT set_eq($q$SELECT * FROM up('lt_runs.ca')$q$, $w$VALUES
	(1, 'lt_runs.cb', 'id', 'lt_runs.ca', 'id', 'direct', 'identity'),
	(1, 'lt_runs.cb', 'v',  'lt_runs.ca', 'v',  'direct', 'identity'),
	(2, 'lt_runs.ca', 'id', 'lt_runs.cb', 'id', 'direct', 'identity'),
	(2, 'lt_runs.ca', 'v',  'lt_runs.cb', 'v',  'direct', 'identity')$w$,
	'lineage_upstream on a cycle terminates, each edge once at its smallest depth');
SELECT set_eq($q$SELECT * FROM down('lt_runs.ca', 'v')$q$, $w$VALUES
	(1, 'lt_runs.ca', 'v', 'lt_runs.cb', 'v', 'direct', 'identity'),
	(2, 'lt_runs.cb', 'v', 'lt_runs.ca', 'v', 'direct', 'identity')$w$,
	'lineage_downstream on a cycle (column mode) terminates');
SELECT set_eq($q$SELECT * FROM up('lt_runs.ca', NULL, 1)$q$, $w$VALUES
	(1, 'lt_runs.cb', 'id', 'lt_runs.ca', 'id', 'direct', 'identity'),
	(1, 'lt_runs.cb', 'v',  'lt_runs.ca', 'v',  'direct', 'identity')$w$,
	'lineage_upstream on a cycle with depth 1');
SELECT is_empty($q$SELECT * FROM up('lt_runs.s', 'a')$q$, 'lineage_upstream of a column nothing writes: empty');
SELECT is_empty($q$SELECT * FROM down('lt_runs.t3')$q$, 'lineage_downstream of a table nothing reads: empty');

-- bad input
SELECT throws_ok($q$SELECT * FROM dpq.lineage_upstream(NULL)$q$, '22004', NULL,
				 'lineage_upstream(NULL): 22004');
SELECT throws_ok($q$SELECT * FROM dpq.lineage_downstream(NULL, 'v')$q$, '22004', NULL,
				 'lineage_downstream(NULL, col): 22004');
SELECT throws_ok($q$SELECT * FROM dpq.lineage_upstream('lt_runs.ca', 'no_such_column')$q$, '42703', NULL,
				 'lineage_upstream with an unknown column: 42703');
SELECT throws_ok($q$SELECT * FROM dpq.lineage_downstream('lt_runs.ca', 'no_such_column')$q$, '42703', NULL,
				 'lineage_downstream with an unknown column: 42703');
SELECT throws_ok($q$SELECT * FROM dpq.lineage_upstream('lt_runs.ca', NULL, 0)$q$, '22023', NULL,
				 'lineage_upstream with depth 0: 22023');
SELECT throws_ok($q$SELECT * FROM dpq.lineage_downstream('lt_runs.ca', 'v', -1)$q$, '22023', NULL,
				 'lineage_downstream with a negative depth: 22023');
SELECT throws_ok($q$SELECT * FROM dpq.lineage_upstream('lt_runs.no_such_table')$q$, '42P01', NULL,
				 'lineage_upstream of an unknown table: 42P01');

-- ===========================================================================
-- The end: clean up
-- ===========================================================================
SELECT * FROM finish();
DROP SCHEMA lt_runs CASCADE;
DROP ROLE lt_runs_user;
\if :own_dpq
DROP EXTENSION dpq CASCADE;
\endif
\if :own_pgtap
DROP EXTENSION pgtap;
\endif
