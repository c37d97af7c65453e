-- lineage_failures.sql: lineage never fails the user's statement (issue 5):
-- when dpq cannot write its catalog (a trigger or a constraint someone put
-- on it), the statement and its transaction commit, a WARNING says what was
-- not recorded, nothing half-written stays, and capture resumes once the
-- catalog is writable again.
--
-- Lineage is written at COMMIT: no wrapping transaction, every statement is
-- its own.  Everything lives in schema lt_fail, dropped at both ends.
\set ON_ERROR_STOP 1
SET client_min_messages = error;
SELECT NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pgtap') AS own_pgtap,
       NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'dpq') AS own_dpq \gset
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dpq;
DROP SCHEMA IF EXISTS lt_fail CASCADE;
CREATE SCHEMA lt_fail;
SET search_path = lt_fail, public;

SELECT plan(12);

CREATE TABLE src (id int, v text);
INSERT INTO src VALUES (1, 'a'), (2, 'b');
CREATE TABLE dst (id int, v text);
CREATE FUNCTION nruns() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM dpq.lineage_runs r
	 WHERE r.job_id IN (SELECT job_id FROM dpq.lineage_edge_store
						 WHERE target_relid = 'lt_fail.dst'::regclass)
$$;
CREATE FUNCTION njobs() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(DISTINCT job_id) FROM dpq.lineage_edge_store
	 WHERE target_relid = 'lt_fail.dst'::regclass
$$;
CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'lineage catalog refuses writes';
END
$$;

-- 1. a new job cannot be written: the statement commits, no job, no run
CREATE TRIGGER boom BEFORE INSERT ON dpq.lineage_jobs
	FOR EACH ROW EXECUTE FUNCTION boom();
SELECT lives_ok($$INSERT INTO lt_fail.dst SELECT id, v FROM lt_fail.src$$,
				'job write refused: the statement succeeds');
SELECT is((SELECT count(*) FROM dst), 2::bigint, 'job write refused: its rows are committed');
SELECT is(njobs(), 0::bigint, 'job write refused: no job, no edge');
SELECT is(nruns(), 0::bigint, 'job write refused: no run');
DROP TRIGGER boom ON dpq.lineage_jobs;

-- 2. runs cannot be written (a constraint the rows violate): the statement
--    commits; the job it wrote in the same attempt is rolled back too
ALTER TABLE dpq.lineage_runs ADD CONSTRAINT lt_fail_no CHECK (false) NOT VALID;
INSERT INTO dst SELECT id + 10, upper(v) FROM src;
SELECT is((SELECT count(*) FROM dst), 4::bigint, 'run write refused: the rows are committed');
SELECT is(nruns(), 0::bigint, 'run write refused: no run');
SELECT is(njobs(), 0::bigint, 'run write refused: the job written with it is rolled back too');
-- in an explicit transaction with other work, COMMIT still succeeds
BEGIN;
INSERT INTO dst SELECT id + 20, v FROM src;
UPDATE src SET v = v || '!';
COMMIT;
SELECT is((SELECT count(*) FROM dst), 6::bigint, 'run write refused: COMMIT of a bigger transaction succeeds');
SELECT is((SELECT count(*) FROM src WHERE v LIKE '%!'), 2::bigint, '... with all its work');
ALTER TABLE dpq.lineage_runs DROP CONSTRAINT lt_fail_no;

-- 3. the catalog writable again: the same statements are recorded (the
--    backend did not take the failed jobs as written)
INSERT INTO dst SELECT id, v FROM src;
INSERT INTO dst SELECT id + 10, upper(v) FROM src;
SELECT is(njobs(), 2::bigint, 'writable again: both jobs written');
SELECT is(nruns(), 2::bigint, 'writable again: one run each');
SELECT is((SELECT count(*) FROM dpq.lineage_edges WHERE target_relation = 'lt_fail.dst'),
		  4::bigint, 'writable again: the edges (id and v, each as identity and as transformation)');

SELECT * FROM finish();
DROP SCHEMA lt_fail CASCADE;
SELECT :'own_dpq' = 't' AS drop_dpq, :'own_pgtap' = 't' AS drop_pgtap \gset
\if :drop_dpq
DROP EXTENSION dpq;
\endif
\if :drop_pgtap
DROP EXTENSION pgtap;
\endif
