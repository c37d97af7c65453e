-- test/pgtap/snapshot_paths.sql: dpq.snapshot compares in memory (an array
-- indexed by the key for one integer key when the keys are dense, a hash
-- table otherwise: sparse integers, text, composite keys) or, past
-- dpq.snapshot_work_mem, with a join query.  The same changes through each
-- path must give the same history.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dpq;
DROP SCHEMA IF EXISTS tap_paths CASCADE;
CREATE SCHEMA tap_paths;
SET search_path = tap_paths, public;

SELECT plan(11);

CREATE TABLE src (id bigint PRIMARY KEY, tk text NOT NULL, a text, b int NOT NULL);
INSERT INTO src SELECT g::bigint * 1000003, 'k' || g, 'v' || g, g % 7 FROM generate_series(1, 3000) g;
CREATE TABLE dense (id int PRIMARY KEY, a text, b int);
INSERT INTO dense SELECT g, 'v' || g, g % 7 FROM generate_series(1, 3000) g;
CREATE TABLE log (step int, path text, counts text);

CREATE PROCEDURE rounds()
LANGUAGE plpgsql AS $$
DECLARE
	k int;
	mode text;
BEGIN
	FOR k IN 1..5 LOOP
		FOREACH mode IN ARRAY ARRAY['mem', 'join'] LOOP
			PERFORM set_config('dpq.snapshot_work_mem', CASE mode WHEN 'mem' THEN '1GB' ELSE '1MB' END, true);
			INSERT INTO log SELECT k, mode || '_sparse', s::text FROM dpq.snapshot('src', mode || '_sparse', '{id}', hard_deletes => 'invalidate') s;
			INSERT INTO log SELECT k, mode || '_text', s::text FROM dpq.snapshot('src', mode || '_text', '{tk}', hard_deletes => 'new_record') s;
			INSERT INTO log SELECT k, mode || '_comp', s::text FROM dpq.snapshot('src', mode || '_comp', '{b,tk}', hard_deletes => 'new_record') s;
			INSERT INTO log SELECT k, mode || '_dense', s::text FROM dpq.snapshot('dense', mode || '_dense', '{id}', 'check', hard_deletes => 'invalidate') s;
		END LOOP;
		UPDATE src SET a = a || 'x' WHERE id % (k + 3) = 0;
		DELETE FROM src WHERE id % 97 = k;
		INSERT INTO src SELECT g::bigint * 1000003, 'k' || g, 'n', 1 FROM generate_series(3000 + k * 100, 3000 + k * 100 + 50) g;
		UPDATE dense SET a = a || 'x' WHERE id % (k + 3) = 0;
		DELETE FROM dense WHERE id % 97 = k;
		INSERT INTO dense SELECT g, 'n', 1 FROM generate_series(3000 + k * 100, 3000 + k * 100 + 50) g;
		-- and some keys come back
		INSERT INTO dense SELECT g, 'back', 2 FROM generate_series(1, 300) g WHERE g % 97 = k - 1 ON CONFLICT DO NOTHING;
		COMMIT;
	END LOOP;
END
$$;
CALL rounds();

-- the two paths report the same counts at every step
SELECT is((SELECT count(*)::int FROM log m JOIN log j ON j.step = m.step AND j.path = 'join' || substr(m.path, 4)
			WHERE m.path LIKE 'mem%' AND m.counts = j.counts), 20, 'every run: the same counts in memory and by the join');
SELECT ok((SELECT count(*) FROM log WHERE path LIKE 'mem%' AND counts NOT LIKE '(0,0,0,%') >= 16, 'the runs had changes to find');

-- and keep the same history (valid_from/valid_to differ by transaction only: compare their order)
CREATE FUNCTION hist(rel regclass, keycols text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE format(
		'SELECT row(%s, a, b, dpq_valid_to IS NULL, rank() OVER (PARTITION BY %s ORDER BY dpq_valid_from))::text FROM %s',
		keycols, keycols, rel);
END
$$;
SELECT set_eq($$SELECT hist('mem_sparse', 'id')$$, $$SELECT hist('join_sparse', 'id')$$, 'sparse integer keys: the same history');
SELECT set_eq($$SELECT hist('mem_text', 'tk')$$, $$SELECT hist('join_text', 'tk')$$, 'text keys: the same history');
SELECT set_eq($$SELECT hist('mem_comp', 'b, tk')$$, $$SELECT hist('join_comp', 'b, tk')$$, 'composite keys: the same history');
SELECT set_eq($$SELECT hist('mem_dense', 'id')$$, $$SELECT hist('join_dense', 'id')$$, 'dense integer keys: the same history');

-- after one more run, the current versions are the source
SELECT is((SELECT s::text FROM dpq.snapshot('mem_sparse') s), (SELECT s::text FROM dpq.snapshot('join_sparse') s),
		  'one more run: the same counts');
SELECT set_eq($$SELECT id, a, b FROM mem_sparse WHERE dpq_valid_to IS NULL$$, $$SELECT id, a, b FROM src$$,
			  'sparse keys: the current versions are the source');
SELECT set_eq($$SELECT id, a, b FROM join_sparse WHERE dpq_valid_to IS NULL$$, $$SELECT id, a, b FROM src$$,
			  'join path: the current versions are the source');
-- a duplicate key is found by both
INSERT INTO src VALUES (1, 'k5', 'dup', 0);
SELECT throws_ok($$SELECT * FROM dpq.snapshot('mem_text')$$, '23505', NULL, 'in memory: a duplicate text key is refused');
SET dpq.snapshot_work_mem = '1MB';
SELECT throws_ok($$SELECT * FROM dpq.snapshot('join_text')$$, '23505', NULL, 'by the join: a duplicate text key is refused');
RESET dpq.snapshot_work_mem;

SELECT * FROM finish();
RESET search_path;
DROP SCHEMA tap_paths CASCADE;
