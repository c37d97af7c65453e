-- lineage_statements.sql: every statement type lineage capture knows
-- (doc/lineage.md, "What is captured"), each with the exact edges it must
-- record.  The expected edges were derived by hand from doc/lineage.md
-- before the capture existed; where the doc leaves a case open, the comment
-- says which reading was taken.
--
-- Lineage is written at COMMIT, so this file does not run in one
-- transaction: every statement below is its own transaction (autocommit).
-- Everything lives in schema lt_stmt, dropped at the start (should an
-- interrupted run have left it) and at the end; assertions only look at
-- edges whose target is in lt_stmt, so edges recorded by other files (and
-- by pgTAP's own temporary tables) never matter.
--
-- Helpers (schema lt_stmt):
--   edges(rel)       the hop edges (dpq.lineage_edges) into rel, as text;
--                    the cluster's data directory in a COPY source name
--                    reads 'PGDATA'
--   base_edges(rel)  the same from dpq.lineage_base_edges
--   runs(rel)        the distinct values of lineage_edges.runs of rel's edges
--
-- Source tables: src (id, a, b, c, flag), ref (id, k, w).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pgtap') AS own_pgtap,
       NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'dpq') AS own_dpq \gset
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dpq;
DROP SCHEMA IF EXISTS lt_stmt CASCADE;
CREATE SCHEMA lt_stmt;
SET search_path = lt_stmt, public;
SET statement_timeout = '60s';

SELECT plan(75);

CREATE FUNCTION edges(rel text)
RETURNS TABLE (source_relation text, source_column text, target_column text, kind text, subtype text)
LANGUAGE sql STABLE AS $f$
	SELECT replace(e.source_relation, current_setting('data_directory'), 'PGDATA'),
		   e.source_column::text, e.target_column::text, e.kind, e.subtype
	  FROM dpq.lineage_edges e
	 WHERE e.target_relation = rel AND NOT e.target_dropped
$f$;
CREATE FUNCTION base_edges(rel text)
RETURNS TABLE (source_relation text, source_column text, target_column text, kind text, subtype text)
LANGUAGE sql STABLE AS $f$
	SELECT replace(e.source_relation, current_setting('data_directory'), 'PGDATA'),
		   e.source_column::text, e.target_column::text, e.kind, e.subtype
	  FROM dpq.lineage_base_edges e
	 WHERE e.target_relation = rel AND NOT e.target_dropped
$f$;
CREATE FUNCTION runs(rel text) RETURNS bigint[]
LANGUAGE sql STABLE AS $f$
	SELECT array_agg(DISTINCT e.runs ORDER BY e.runs)
	  FROM dpq.lineage_edges e
	 WHERE e.target_relation = rel AND NOT e.target_dropped
$f$;

CREATE TABLE src (id int PRIMARY KEY, a int, b int, c text, flag boolean);
CREATE TABLE ref (id int PRIMARY KEY, k int, w text);
INSERT INTO src VALUES (1, 10, 5, 'x', true), (2, 20, -1, 'y', false), (3, 30, 7, 'z', true);
INSERT INTO ref VALUES (1, 10, 'r1'), (2, 20, 'r2'), (3, 99, 'r3');

SELECT is_empty($q$SELECT * FROM edges('lt_stmt.src') UNION ALL SELECT * FROM edges('lt_stmt.ref')$q$,
				'INSERT ... VALUES (constants only) records no edge');

-- ===========================================================================
-- INSERT ... SELECT
-- ===========================================================================
CREATE TABLE tgt_ins (id int, total int, label text, created timestamptz DEFAULT now());
INSERT INTO tgt_ins (id, total, label)
SELECT s.id, s.a + s.b, r.w
  FROM src s JOIN ref r ON r.id = s.id
 WHERE s.flag;
-- the JOIN ... ON and the one-relation WHERE decide the rows: dataset-level;
-- created (a default) reads nothing
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_ins')$q$, $w$VALUES
	('lt_stmt.src', 'id',   'id',    'direct',   'identity'),
	('lt_stmt.src', 'a',    'total', 'direct',   'transformation'),
	('lt_stmt.src', 'b',    'total', 'direct',   'transformation'),
	('lt_stmt.ref', 'w',    'label', 'direct',   'identity'),
	('lt_stmt.ref', 'id',   NULL,    'indirect', 'join'),
	('lt_stmt.src', 'id',   NULL,    'indirect', 'join'),
	('lt_stmt.src', 'flag', NULL,    'indirect', 'filter')$w$,
	'INSERT ... SELECT with a join and a filter');
SELECT is(runs('lt_stmt.tgt_ins'), '{1}'::bigint[], 'INSERT ... SELECT: one run');
SELECT set_eq($q$SELECT * FROM base_edges('lt_stmt.tgt_ins')$q$,
			  $q$SELECT * FROM edges('lt_stmt.tgt_ins')$q$,
			  'INSERT ... SELECT reading no view: base edges = hop edges');

-- ON CONFLICT DO UPDATE: EXCLUDED.x is the value the statement tried to
-- insert into x; t.n is the target's own column.  v gets src.a (inserted)
-- and src.b (EXCLUDED.n); note gets src.c as identity (inserted) and as
-- transformation (EXCLUDED.note || '!'): one direct edge, the strongest.
-- The arbiter (id) gives no edge: the doc lists none for it.
CREATE TABLE tgt_up (id int PRIMARY KEY, v int, n int, note text);
INSERT INTO tgt_up AS t (id, v, n, note)
SELECT id, a, b, c FROM src
	ON CONFLICT (id) DO UPDATE SET note = EXCLUDED.note || '!', n = t.n + 1, v = EXCLUDED.n;
INSERT INTO tgt_up AS t (id, v, n, note)
SELECT id, a, b, c FROM src
	ON CONFLICT (id) DO UPDATE SET note = EXCLUDED.note || '!', n = t.n + 1, v = EXCLUDED.n;
SELECT results_eq($q$SELECT id, v, n, note FROM tgt_up ORDER BY id$q$,
				  $w$VALUES (1, 5, 6, 'x!'), (2, -1, 0, 'y!'), (3, 7, 8, 'z!')$w$,
				  'ON CONFLICT DO UPDATE: the second run updated every row');
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_up')$q$, $w$VALUES
	('lt_stmt.src',    'id', 'id',   'direct', 'identity'),
	('lt_stmt.src',    'a',  'v',    'direct', 'identity'),
	('lt_stmt.src',    'b',  'v',    'direct', 'identity'),
	('lt_stmt.src',    'b',  'n',    'direct', 'identity'),
	('lt_stmt.tgt_up', 'n',  'n',    'direct', 'transformation'),
	('lt_stmt.src',    'c',  'note', 'direct', 'transformation')$w$,
	'INSERT ... ON CONFLICT DO UPDATE: EXCLUDED.x follows the value inserted into x');
SELECT is(runs('lt_stmt.tgt_up'), '{2}'::bigint[], 'ON CONFLICT DO UPDATE run twice: two runs');

-- DO UPDATE ... WHERE: the condition decides which value v gets
CREATE TABLE tgt_up2 (id int PRIMARY KEY, v int, n int);
INSERT INTO tgt_up2 AS t (id, v, n)
SELECT id, a, b FROM src
	ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v WHERE t.n < EXCLUDED.n;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_up2')$q$, $w$VALUES
	('lt_stmt.src',     'id', 'id', 'direct',   'identity'),
	('lt_stmt.src',     'a',  'v',  'direct',   'identity'),
	('lt_stmt.src',     'b',  'n',  'direct',   'identity'),
	('lt_stmt.tgt_up2', 'n',  'v',  'indirect', 'conditional'),
	('lt_stmt.src',     'b',  'v',  'indirect', 'conditional')$w$,
	'ON CONFLICT DO UPDATE ... WHERE: conditional edges on the columns it sets');

CREATE TABLE tgt_nothing (id int PRIMARY KEY, v int);
INSERT INTO tgt_nothing (id, v) SELECT id, a FROM src WHERE b > 0 ON CONFLICT DO NOTHING;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_nothing')$q$, $w$VALUES
	('lt_stmt.src', 'id', 'id', 'direct',   'identity'),
	('lt_stmt.src', 'a',  'v',  'direct',   'identity'),
	('lt_stmt.src', 'b',  NULL, 'indirect', 'filter')$w$,
	'INSERT ... ON CONFLICT DO NOTHING');

-- EXCLUDED.v of a column the INSERT does not set is its default: no edge
CREATE TABLE tgt_updef (id int PRIMARY KEY, v int DEFAULT 0);
INSERT INTO tgt_updef (id) SELECT id FROM src ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_updef')$q$, $w$VALUES
	('lt_stmt.src', 'id', 'id', 'direct', 'identity')$w$,
	'ON CONFLICT DO UPDATE SET v = EXCLUDED.v of a defaulted column: nothing for v');

-- a scalar sublink in VALUES reads a relation: not "constants only"
CREATE TABLE vals (n int, t text);
INSERT INTO vals VALUES (1, 'a'), (2, 'b');
INSERT INTO vals SELECT 3, 'c';
SELECT is_empty($q$SELECT * FROM edges('lt_stmt.vals')$q$,
				'INSERT ... VALUES and INSERT ... SELECT of constants record nothing');
CREATE TABLE vals2 (n int, t text);
INSERT INTO vals2 (n, t) VALUES ((SELECT max(a) FROM src), 'x');
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.vals2')$q$, $w$VALUES
	('lt_stmt.src', 'a', 'n', 'direct', 'aggregation')$w$,
	'INSERT ... VALUES with a scalar sublink records the sublink''s edges');

-- the column list decides which column gets what, not the order of the table
CREATE TABLE tgt_order (a int, b int);
INSERT INTO tgt_order (b, a) SELECT a, b FROM src;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_order')$q$, $w$VALUES
	('lt_stmt.src', 'a', 'b', 'direct', 'identity'),
	('lt_stmt.src', 'b', 'a', 'direct', 'identity')$w$,
	'INSERT (b, a) SELECT a, b: edges follow the column list');

CREATE TABLE tgt_table (LIKE src);
INSERT INTO tgt_table TABLE src;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_table')$q$, $w$VALUES
	('lt_stmt.src', 'id',   'id',   'direct', 'identity'),
	('lt_stmt.src', 'a',    'a',    'direct', 'identity'),
	('lt_stmt.src', 'b',    'b',    'direct', 'identity'),
	('lt_stmt.src', 'c',    'c',    'direct', 'identity'),
	('lt_stmt.src', 'flag', 'flag', 'direct', 'identity')$w$,
	'INSERT ... TABLE src: every column');

-- an INSERT ... SELECT that reads only the table it writes is a change of
-- one table, not a flow between datasets
CREATE TABLE tgt_selfins (id int, v int);
INSERT INTO tgt_selfins VALUES (1, 1);
INSERT INTO tgt_selfins SELECT id + 100, v FROM tgt_selfins;
SELECT is_empty($q$SELECT * FROM edges('lt_stmt.tgt_selfins')$q$,
				'INSERT INTO t SELECT ... FROM t records nothing');

-- a domain over int: an implicit coercion, identity
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TABLE tgt_domain (d posint);
INSERT INTO tgt_domain SELECT a FROM src;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_domain')$q$, $w$VALUES
	('lt_stmt.src', 'a', 'd', 'direct', 'identity')$w$,
	'INSERT into a domain column: identity');

-- quoted names are shown quoted, as regclass shows them
CREATE TABLE "Tgt Quoted" ("Col A" int);
INSERT INTO "Tgt Quoted" SELECT a FROM src;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt."Tgt Quoted"')$q$, $w$VALUES
	('lt_stmt.src', 'a', 'Col A', 'direct', 'identity')$w$,
	'a quoted table and column name');

-- a partitioned table is a dataset of its own: the parent is the target,
-- and the source when read; a partition written directly is its own target
CREATE TABLE tgt_part (id int, v int) PARTITION BY RANGE (id);
CREATE TABLE tgt_part_1 PARTITION OF tgt_part FOR VALUES FROM (0) TO (2);
CREATE TABLE tgt_part_2 PARTITION OF tgt_part FOR VALUES FROM (2) TO (1000);
INSERT INTO tgt_part SELECT id, a FROM src;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_part')$q$, $w$VALUES
	('lt_stmt.src', 'id', 'id', 'direct', 'identity'),
	('lt_stmt.src', 'a',  'v',  'direct', 'identity')$w$,
	'INSERT into a partitioned table: the parent is the target');
INSERT INTO tgt_part_2 SELECT id + 10, b FROM src;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_part_1') UNION ALL SELECT * FROM edges('lt_stmt.tgt_part_2')$q$, $w$VALUES
	('lt_stmt.src', 'id', 'id', 'direct', 'transformation'),
	('lt_stmt.src', 'b',  'v',  'direct', 'identity')$w$,
	'INSERT into a partition: the partition is the target (and the other partition has nothing)');
CREATE TABLE from_part AS SELECT id, v FROM tgt_part WHERE v > 0;
SELECT set_eq($q$SELECT * FROM base_edges('lt_stmt.from_part')$q$, $w$VALUES
	('lt_stmt.tgt_part', 'id', 'id', 'direct',   'identity'),
	('lt_stmt.tgt_part', 'v',  'v',  'direct',   'identity'),
	('lt_stmt.tgt_part', 'v',  NULL, 'indirect', 'filter')$w$,
	'reading a partitioned table: the parent is the source, also in base edges');

-- ===========================================================================
-- UPDATE
-- ===========================================================================
CREATE TABLE tgt_upd (id int, v int, w text);
INSERT INTO tgt_upd VALUES (1, 0, 'a'), (2, 0, 'b'), (3, 0, 'c');
UPDATE tgt_upd t SET v = s.a, w = t.w || r.w
  FROM src s JOIN ref r ON r.k = s.a
 WHERE t.id = s.id AND s.b > 0;
SELECT results_eq($q$SELECT id, v, w FROM tgt_upd ORDER BY id$q$,
				  $w$VALUES (1, 10, 'ar1'), (2, 0, 'b'), (3, 0, 'c')$w$,
				  'UPDATE ... FROM: the update did what it says');
-- t.id = s.id compares two relations: join; s.b > 0: filter
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_upd')$q$, $w$VALUES
	('lt_stmt.src',     'a',  'v',  'direct',   'identity'),
	('lt_stmt.tgt_upd', 'w',  'w',  'direct',   'transformation'),
	('lt_stmt.ref',     'w',  'w',  'direct',   'transformation'),
	('lt_stmt.ref',     'k',  NULL, 'indirect', 'join'),
	('lt_stmt.src',     'a',  NULL, 'indirect', 'join'),
	('lt_stmt.tgt_upd', 'id', NULL, 'indirect', 'join'),
	('lt_stmt.src',     'id', NULL, 'indirect', 'join'),
	('lt_stmt.src',     'b',  NULL, 'indirect', 'filter')$w$,
	'UPDATE ... FROM ... JOIN: SET sources, the target''s own columns, joins, filters');

CREATE TABLE tgt_updagg (id int, v int);
INSERT INTO tgt_updagg VALUES (1, 0), (10, 0);
UPDATE tgt_updagg SET v = t.total FROM (SELECT k, sum(id) AS total FROM ref GROUP BY k) t WHERE t.k = tgt_updagg.id;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_updagg')$q$, $w$VALUES
	('lt_stmt.ref',        'id', 'v',  'direct',   'aggregation'),
	('lt_stmt.ref',        'k',  NULL, 'indirect', 'group_by'),
	('lt_stmt.ref',        'k',  NULL, 'indirect', 'join'),
	('lt_stmt.tgt_updagg', 'id', NULL, 'indirect', 'join')$w$,
	'UPDATE ... FROM (an aggregating subquery)');

CREATE TABLE tgt_self (id int, v int);
INSERT INTO tgt_self VALUES (1, 1), (2, 2);
UPDATE tgt_self SET v = v + 1 WHERE id = 1;
SELECT is_empty($q$SELECT * FROM edges('lt_stmt.tgt_self')$q$,
				'UPDATE reading only the table it writes records nothing');

-- a correlated scalar sublink in SET: its comparison with the target's
-- column is a join, column-level (the sublink is in v's expression)
CREATE TABLE tgt_upd2 (id int, v int);
INSERT INTO tgt_upd2 VALUES (1, 0), (2, 0), (3, 0);
UPDATE tgt_upd2 SET v = (SELECT max(s.a) FROM src s WHERE s.id <= tgt_upd2.id) WHERE id > 1;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_upd2')$q$, $w$VALUES
	('lt_stmt.src',      'a',  'v',  'direct',   'aggregation'),
	('lt_stmt.src',      'id', 'v',  'indirect', 'join'),
	('lt_stmt.tgt_upd2', 'id', 'v',  'indirect', 'join'),
	('lt_stmt.tgt_upd2', 'id', NULL, 'indirect', 'filter')$w$,
	'UPDATE SET col = (correlated scalar sublink): it reads src, so its own columns count too');

-- UPDATE SET (x, y) = (SELECT ...): a sublink in both columns' expressions
-- (found by this corpus: recorded nothing; /tmp/lineage-bugs.md C4)
CREATE TABLE tgt_multi (id int, x int, y text);
INSERT INTO tgt_multi VALUES (1, 0, ''), (2, 0, '');
UPDATE tgt_multi SET (x, y) = (SELECT r.k, r.w FROM ref r WHERE r.id = tgt_multi.id AND r.k < 50 ORDER BY r.k LIMIT 1);
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_multi')$q$, $w$VALUES
	('lt_stmt.ref',       'k',  'x', 'direct',   'identity'),
	('lt_stmt.ref',       'w',  'y', 'direct',   'identity'),
	('lt_stmt.ref',       'id', 'x', 'indirect', 'join'),
	('lt_stmt.tgt_multi', 'id', 'x', 'indirect', 'join'),
	('lt_stmt.ref',       'k',  'x', 'indirect', 'filter'),
	('lt_stmt.ref',       'k',  'x', 'indirect', 'sort'),
	('lt_stmt.ref',       'id', 'y', 'indirect', 'join'),
	('lt_stmt.tgt_multi', 'id', 'y', 'indirect', 'join'),
	('lt_stmt.ref',       'k',  'y', 'indirect', 'filter'),
	('lt_stmt.ref',       'k',  'y', 'indirect', 'sort')$w$,
	'UPDATE SET (x, y) = (SELECT ...): the sublink''s edges on both columns');

-- ===========================================================================
-- DELETE: dataset-level indirect edges only
-- ===========================================================================
CREATE TABLE tgt_del (id int, v int);
INSERT INTO tgt_del VALUES (1, 1), (2, 2), (3, 3);
DELETE FROM tgt_del d USING src s WHERE d.id = s.id AND s.flag;
SELECT results_eq($q$SELECT id FROM tgt_del$q$, $w$VALUES (2)$w$, 'DELETE ... USING deleted 1 and 3');
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_del')$q$, $w$VALUES
	('lt_stmt.tgt_del', 'id',   NULL, 'indirect', 'join'),
	('lt_stmt.src',     'id',   NULL, 'indirect', 'join'),
	('lt_stmt.src',     'flag', NULL, 'indirect', 'filter')$w$,
	'DELETE ... USING: dataset-level join and filter edges');

CREATE TABLE tgt_del2 (id int, v int);
INSERT INTO tgt_del2 VALUES (1, 1), (2, 2), (3, 3);
DELETE FROM tgt_del2 WHERE id IN (SELECT id FROM src WHERE NOT flag);
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_del2')$q$, $w$VALUES
	('lt_stmt.tgt_del2', 'id',   NULL, 'indirect', 'filter'),
	('lt_stmt.src',      'id',   NULL, 'indirect', 'filter'),
	('lt_stmt.src',      'flag', NULL, 'indirect', 'filter')$w$,
	'DELETE ... WHERE x IN (SELECT ...): everything in the sublink is a filter');

-- ===========================================================================
-- MERGE
-- ===========================================================================
CREATE TABLE tgt_merge (id int PRIMARY KEY, v int, n int);
INSERT INTO tgt_merge VALUES (1, 1, 1), (2, 2, 2), (9, 9, 9);
MERGE INTO tgt_merge t USING src s ON t.id = s.id
 WHEN MATCHED AND s.flag THEN UPDATE SET v = s.a + t.v
 WHEN MATCHED THEN DELETE
 WHEN NOT MATCHED THEN INSERT (id, v, n) VALUES (s.id, s.a, s.b);
SELECT results_eq($q$SELECT id, v, n FROM tgt_merge ORDER BY id$q$,
				  $w$VALUES (1, 11, 1), (3, 30, 7), (9, 9, 9)$w$,
				  'MERGE: 1 updated, 2 deleted, 3 inserted');
-- v: src.a is transformation (UPDATE) and identity (INSERT): the strongest;
-- the UPDATE action's AND condition is conditional on the column it sets
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_merge')$q$, $w$VALUES
	('lt_stmt.tgt_merge', 'id',   NULL, 'indirect', 'join'),
	('lt_stmt.src',       'id',   NULL, 'indirect', 'join'),
	('lt_stmt.src',       'a',    'v',  'direct',   'transformation'),
	('lt_stmt.tgt_merge', 'v',    'v',  'direct',   'transformation'),
	('lt_stmt.src',       'flag', 'v',  'indirect', 'conditional'),
	('lt_stmt.src',       'id',   'id', 'direct',   'identity'),
	('lt_stmt.src',       'b',    'n',  'direct',   'identity')$w$,
	'MERGE: matched UPDATE with AND, matched DELETE, not matched INSERT');

-- a subquery source (its WHERE: dataset-level), a conditional DELETE and a
-- conditional INSERT.  The doc does not say where the AND condition of a
-- DELETE action goes (a DELETE sets no column): taken as dataset-level
-- conditional (asked in /tmp/lineage-bugs.md).
CREATE TABLE tgt_merge2 (id int PRIMARY KEY, v int);
INSERT INTO tgt_merge2 VALUES (2, 0), (3, 0);
MERGE INTO tgt_merge2 t
USING (SELECT id, a, b FROM src WHERE c IS NOT NULL) s ON t.id = s.id
 WHEN MATCHED AND s.b < 0 THEN DELETE
 WHEN NOT MATCHED AND s.a > 0 THEN INSERT (id, v) VALUES (s.id, s.a);
SELECT results_eq($q$SELECT id, v FROM tgt_merge2 ORDER BY id$q$,
				  $w$VALUES (1, 10), (3, 0)$w$,
				  'MERGE: 2 deleted, 1 inserted');
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_merge2')$q$, $w$VALUES
	('lt_stmt.tgt_merge2', 'id', NULL, 'indirect', 'join'),
	('lt_stmt.src',        'id', NULL, 'indirect', 'join'),
	('lt_stmt.src',        'c',  NULL, 'indirect', 'filter'),
	('lt_stmt.src',        'b',  NULL, 'indirect', 'conditional'),
	('lt_stmt.src',        'id', 'id', 'direct',   'identity'),
	('lt_stmt.src',        'a',  'v',  'direct',   'identity'),
	('lt_stmt.src',        'a',  'id', 'indirect', 'conditional'),
	('lt_stmt.src',        'a',  'v',  'indirect', 'conditional')$w$,
	'MERGE USING (subquery): conditional DELETE and conditional INSERT');

CREATE TABLE tgt_merge3 (id int PRIMARY KEY, v int);
WITH m AS (SELECT id, a * 2 AS a2 FROM src WHERE flag)
MERGE INTO tgt_merge3 t USING m ON t.id = m.id
 WHEN NOT MATCHED THEN INSERT VALUES (m.id, m.a2);
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_merge3')$q$, $w$VALUES
	('lt_stmt.tgt_merge3', 'id',   NULL, 'indirect', 'join'),
	('lt_stmt.src',        'id',   NULL, 'indirect', 'join'),
	('lt_stmt.src',        'flag', NULL, 'indirect', 'filter'),
	('lt_stmt.src',        'id',   'id', 'direct',   'identity'),
	('lt_stmt.src',        'a',    'v',  'direct',   'transformation')$w$,
	'WITH ... MERGE: the CTE is the source');

-- ===========================================================================
-- CREATE TABLE AS, SELECT INTO, materialized views
-- ===========================================================================
CREATE TABLE ctas AS SELECT id, a * 2 AS a2 FROM src WHERE flag;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.ctas')$q$, $w$VALUES
	('lt_stmt.src', 'id',   'id', 'direct',   'identity'),
	('lt_stmt.src', 'a',    'a2', 'direct',   'transformation'),
	('lt_stmt.src', 'flag', NULL, 'indirect', 'filter')$w$,
	'CREATE TABLE AS');
SELECT is(runs('lt_stmt.ctas'), '{1}'::bigint[], 'CREATE TABLE AS: one run');

CREATE TABLE ctas_names (x, y) AS SELECT a, b FROM src;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.ctas_names')$q$, $w$VALUES
	('lt_stmt.src', 'a', 'x', 'direct', 'identity'),
	('lt_stmt.src', 'b', 'y', 'direct', 'identity')$w$,
	'CREATE TABLE t (x, y) AS: the column names given');

-- CREATE TABLE AS EXECUTE: the prepared query is the query
-- (found by this corpus: recorded nothing; /tmp/lineage-bugs.md C2)
PREPARE lt_stmt_q AS SELECT id, a * 2 AS a2 FROM lt_stmt.src WHERE flag;
CREATE TABLE ctas_exec AS EXECUTE lt_stmt_q;
DEALLOCATE lt_stmt_q;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.ctas_exec')$q$, $w$VALUES
	('lt_stmt.src', 'id',   'id', 'direct',   'identity'),
	('lt_stmt.src', 'a',    'a2', 'direct',   'transformation'),
	('lt_stmt.src', 'flag', NULL, 'indirect', 'filter')$w$,
	'CREATE TABLE AS EXECUTE');

-- WITH NO DATA: the definition's lineage and a run whose rows are NULL
CREATE TABLE ctas_nodata AS SELECT id, a FROM src WHERE flag WITH NO DATA;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.ctas_nodata')$q$, $w$VALUES
	('lt_stmt.src', 'id',   'id', 'direct',   'identity'),
	('lt_stmt.src', 'a',    'a',  'direct',   'identity'),
	('lt_stmt.src', 'flag', NULL, 'indirect', 'filter')$w$,
	'CREATE TABLE AS ... WITH NO DATA: its edges');
SELECT results_eq($q$SELECT r.rows FROM dpq.lineage_runs r
					WHERE r.job_id IN (SELECT job_id FROM dpq.lineage_graph WHERE target_relation = 'lt_stmt.ctas_nodata')$q$,
				  $w$VALUES (NULL::bigint)$w$,
				  'CREATE TABLE AS ... WITH NO DATA: one run, rows NULL');

-- neither a STORED generated column nor a DEFAULT is an edge
CREATE TABLE tgt_gen (a int, g int GENERATED ALWAYS AS (a * 2) STORED, d int DEFAULT 7);
INSERT INTO tgt_gen (a) SELECT b FROM src;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_gen')$q$, $w$VALUES
	('lt_stmt.src', 'b', 'a', 'direct', 'identity')$w$,
	'a generated column and a default get no edge');

SELECT id, upper(c) AS uc INTO sel_into FROM src ORDER BY id;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.sel_into')$q$, $w$VALUES
	('lt_stmt.src', 'id', 'id', 'direct',   'identity'),
	('lt_stmt.src', 'c',  'uc', 'direct',   'transformation'),
	('lt_stmt.src', 'id', NULL, 'indirect', 'sort')$w$,
	'SELECT INTO');

-- count(*) reads no column: n has no edge
CREATE MATERIALIZED VIEW mv AS SELECT k, count(*) AS n, max(w) AS mw FROM ref GROUP BY k;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.mv')$q$, $w$VALUES
	('lt_stmt.ref', 'k', 'k',  'direct',   'identity'),
	('lt_stmt.ref', 'w', 'mw', 'direct',   'aggregation'),
	('lt_stmt.ref', 'k', NULL, 'indirect', 'group_by')$w$,
	'CREATE MATERIALIZED VIEW');
SELECT is(runs('lt_stmt.mv'), '{1}'::bigint[], 'CREATE MATERIALIZED VIEW: one run');
CREATE UNIQUE INDEX mv_k ON mv (k);
INSERT INTO ref VALUES (4, 40, 'r4');
REFRESH MATERIALIZED VIEW mv;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.mv')$q$, $w$VALUES
	('lt_stmt.ref', 'k', 'k',  'direct',   'identity'),
	('lt_stmt.ref', 'w', 'mw', 'direct',   'aggregation'),
	('lt_stmt.ref', 'k', NULL, 'indirect', 'group_by')$w$,
	'REFRESH MATERIALIZED VIEW: the same edges');
SELECT is(runs('lt_stmt.mv'), '{2}'::bigint[], 'REFRESH MATERIALIZED VIEW: one more run');
INSERT INTO ref VALUES (5, 50, 'r5');
UPDATE ref SET w = 'r1+' WHERE id = 1;
REFRESH MATERIALIZED VIEW CONCURRENTLY mv;
SELECT results_eq($q$SELECT k, n, mw FROM mv ORDER BY k$q$,
				  $w$VALUES (10, 1::bigint, 'r1+'), (20, 1, 'r2'), (40, 1, 'r4'), (50, 1, 'r5'), (99, 1, 'r3')$w$,
				  'REFRESH ... CONCURRENTLY refreshed');
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.mv')$q$, $w$VALUES
	('lt_stmt.ref', 'k', 'k',  'direct',   'identity'),
	('lt_stmt.ref', 'w', 'mw', 'direct',   'aggregation'),
	('lt_stmt.ref', 'k', NULL, 'indirect', 'group_by')$w$,
	'REFRESH MATERIALIZED VIEW CONCURRENTLY: the same edges, none from its temporary tables');
SELECT is(runs('lt_stmt.mv'), '{3}'::bigint[], 'REFRESH ... CONCURRENTLY: one more run');
-- what CONCURRENTLY runs inside (a diff table built from mv and the new
-- data, then DELETE / INSERT into mv from it) must not leak, dropped or not
SELECT is_empty($q$
	SELECT source_relation, source_column, target_relation, target_column
	  FROM dpq.lineage_edges
	 WHERE source_relation = 'lt_stmt.mv'
		OR (target_relation = 'lt_stmt.mv' AND NOT coalesce(source_relation ~ '^lt_stmt\.', false))
	UNION ALL
	SELECT source_relation, source_column, target_relation, target_column
	  FROM dpq.lineage_base_edges
	 WHERE source_relation = 'lt_stmt.mv'
		OR (target_relation = 'lt_stmt.mv' AND NOT coalesce(source_relation ~ '^lt_stmt\.', false))$q$,
	'REFRESH ... CONCURRENTLY: no edge to or from its internal temporary tables');

-- ===========================================================================
-- CREATE VIEW, CREATE OR REPLACE VIEW
-- ===========================================================================
CREATE VIEW v AS SELECT id, a FROM src WHERE flag;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.v')$q$, $w$VALUES
	('lt_stmt.src', 'id',   'id', 'direct',   'identity'),
	('lt_stmt.src', 'a',    'a',  'direct',   'identity'),
	('lt_stmt.src', 'flag', NULL, 'indirect', 'filter')$w$,
	'CREATE VIEW');
SELECT set_eq($q$SELECT * FROM base_edges('lt_stmt.v')$q$,
			  $q$SELECT * FROM edges('lt_stmt.v')$q$,
			  'CREATE VIEW over a table: base edges = hop edges');
-- the replacement is a job of its own; the old definition's edges are
-- superseded: they leave lineage_edges and lineage_base_edges and stay in
-- lineage_graph with current = false (doc/lineage.md, "Limits")
CREATE OR REPLACE VIEW v AS SELECT id, b AS a, c FROM src;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.v')$q$, $w$VALUES
	('lt_stmt.src', 'id', 'id', 'direct', 'identity'),
	('lt_stmt.src', 'b',  'a',  'direct', 'identity'),
	('lt_stmt.src', 'c',  'c',  'direct', 'identity')$w$,
	'CREATE OR REPLACE VIEW: only the new definition''s edges');
SELECT set_eq($q$SELECT * FROM base_edges('lt_stmt.v')$q$,
			  $q$SELECT * FROM edges('lt_stmt.v')$q$,
			  'CREATE OR REPLACE VIEW: base edges, the new definition''s too');
SELECT set_eq($q$SELECT source_column::text, target_column::text, kind, subtype FROM dpq.lineage_graph
				  WHERE target_relation = 'lt_stmt.v' AND NOT current$q$, $w$VALUES
	('id',   'id', 'direct',   'identity'),
	('a',    'a',  'direct',   'identity'),
	('flag', NULL, 'indirect', 'filter')$w$,
	'the old definition''s edges stay in lineage_graph, not current');

-- ===========================================================================
-- COPY ... FROM: the file or the command is a dataset of its own
-- ===========================================================================
SELECT current_setting('data_directory') || '/lt_stmt_copy.csv' AS copyfile,
	   'cat ' || current_setting('data_directory') || '/lt_stmt_copy.csv' AS copyprog,
	   'rm -f ' || current_setting('data_directory') || '/lt_stmt_copy.csv' AS rmprog \gset
SELECT count(*) AS runs_before FROM dpq.lineage_runs \gset
COPY (SELECT id, a, c FROM src ORDER BY id) TO :'copyfile' (FORMAT csv);
SELECT is((SELECT count(*) FROM dpq.lineage_runs), :runs_before::bigint,
		  'COPY (SELECT ...) TO a file records nothing');

CREATE TABLE tgt_copy (id int, a int, c text, extra int);
COPY tgt_copy (id, a, c) FROM :'copyfile' (FORMAT csv);
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_copy')$q$, $w$VALUES
	('PGDATA/lt_stmt_copy.csv', 'id', 'id', 'direct', 'identity'),
	('PGDATA/lt_stmt_copy.csv', 'a',  'a',  'direct', 'identity'),
	('PGDATA/lt_stmt_copy.csv', 'c',  'c',  'direct', 'identity')$w$,
	'COPY t (cols) FROM a file: one identity edge per column loaded');
SELECT results_eq($q$SELECT DISTINCT source_type FROM dpq.lineage_edges WHERE target_relation = 'lt_stmt.tgt_copy'$q$,
				  $w$VALUES ('file')$w$, 'COPY FROM a file: source_type file');

CREATE TABLE tgt_copy2 (id int, a int, c text);
COPY tgt_copy2 FROM :'copyfile' (FORMAT csv) WHERE a > 10;
SELECT results_eq($q$SELECT id FROM tgt_copy2 ORDER BY id$q$, $w$VALUES (2), (3)$w$, 'COPY ... WHERE loaded 2 rows');
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_copy2')$q$, $w$VALUES
	('PGDATA/lt_stmt_copy.csv', 'id', 'id', 'direct',   'identity'),
	('PGDATA/lt_stmt_copy.csv', 'a',  'a',  'direct',   'identity'),
	('PGDATA/lt_stmt_copy.csv', 'c',  'c',  'direct',   'identity'),
	('PGDATA/lt_stmt_copy.csv', 'a',  NULL, 'indirect', 'filter')$w$,
	'COPY t FROM a file WHERE ...: every column, and a dataset-level filter');

CREATE TABLE tgt_copy3 (id int, a int, c text);
COPY tgt_copy3 (id, a, c) FROM PROGRAM :'copyprog' (FORMAT csv);
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.tgt_copy3')$q$, $w$VALUES
	('cat PGDATA/lt_stmt_copy.csv', 'id', 'id', 'direct', 'identity'),
	('cat PGDATA/lt_stmt_copy.csv', 'a',  'a',  'direct', 'identity'),
	('cat PGDATA/lt_stmt_copy.csv', 'c',  'c',  'direct', 'identity')$w$,
	'COPY FROM PROGRAM: the command is the source');
SELECT results_eq($q$SELECT DISTINCT source_type FROM dpq.lineage_edges WHERE target_relation = 'lt_stmt.tgt_copy3'$q$,
				  $w$VALUES ('program')$w$, 'COPY FROM PROGRAM: source_type program');
-- (COPY FROM STDIN cannot be driven from a pgTAP file: see sql/040_lineage.sql)

-- ===========================================================================
-- data-modifying CTEs: each table written, per CTE; RETURNING t.x read by
-- the outer statement is a source t.x
-- ===========================================================================
CREATE TABLE cte_a (id int, v int);
CREATE TABLE cte_b (id int, v2 int);
WITH ins AS (INSERT INTO cte_a (id, v) SELECT id, a FROM src WHERE flag RETURNING id, v)
INSERT INTO cte_b (id, v2) SELECT id, v * 10 FROM ins;
SELECT results_eq($q$SELECT id, v2 FROM cte_b ORDER BY id$q$, $w$VALUES (1, 100), (3, 300)$w$,
				  'data-modifying CTE ran');
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.cte_a')$q$, $w$VALUES
	('lt_stmt.src', 'id',   'id', 'direct',   'identity'),
	('lt_stmt.src', 'a',    'v',  'direct',   'identity'),
	('lt_stmt.src', 'flag', NULL, 'indirect', 'filter')$w$,
	'WITH x AS (INSERT ... SELECT ...): the CTE''s own target');
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.cte_b')$q$, $w$VALUES
	('lt_stmt.cte_a', 'id', 'id', 'direct', 'identity'),
	('lt_stmt.cte_a', 'v',  'v2', 'direct', 'transformation')$w$,
	'... INSERT ... SELECT FROM x: its sources are the RETURNING columns of cte_a');

CREATE TABLE cte_c (id int, v int);
CREATE TABLE cte_d (id int, v int);
INSERT INTO cte_c VALUES (1, 0), (2, 0);
WITH up AS (UPDATE cte_c c SET v = s.a FROM src s WHERE c.id = s.id RETURNING c.id, c.v)
INSERT INTO cte_d (id, v) SELECT id, v FROM up;
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.cte_c')$q$, $w$VALUES
	('lt_stmt.src',   'a',  'v',  'direct',   'identity'),
	('lt_stmt.cte_c', 'id', NULL, 'indirect', 'join'),
	('lt_stmt.src',   'id', NULL, 'indirect', 'join')$w$,
	'WITH x AS (UPDATE ... FROM ...): the CTE''s own target');
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.cte_d')$q$, $w$VALUES
	('lt_stmt.cte_c', 'id', 'id', 'direct', 'identity'),
	('lt_stmt.cte_c', 'v',  'v',  'direct', 'identity')$w$,
	'... INSERT ... SELECT FROM x (an UPDATE ... RETURNING): sources cte_c.id, cte_c.v');

-- moving rows: the CTE reads only its own table, the outer INSERT writes
-- another one from its RETURNING (found by this corpus: recorded nothing;
-- /tmp/lineage-bugs.md C3).  Whether cte_e itself gets edges is left open.
CREATE TABLE cte_e (id int, v int);
CREATE TABLE cte_f (id int, v int);
INSERT INTO cte_e VALUES (1, 1), (2, 2);
WITH moved AS (DELETE FROM cte_e WHERE v > 1 RETURNING *)
INSERT INTO cte_f SELECT * FROM moved;
SELECT results_eq($q$SELECT id, v FROM cte_f$q$, $w$VALUES (2, 2)$w$, 'the row moved');
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.cte_f')$q$, $w$VALUES
	('lt_stmt.cte_e', 'id', 'id', 'direct', 'identity'),
	('lt_stmt.cte_e', 'v',  'v',  'direct', 'identity')$w$,
	'WITH x AS (DELETE ... RETURNING *) INSERT INTO other SELECT * FROM x: other <- the deleted table');

-- ===========================================================================
-- dpq.snapshot: one SNAPSHOT run per call, not its internal statements.
-- Each source column into its column; check strategy: the compared columns
-- (every non-key column by default) into dpq_row_hash; timestamp strategy:
-- updated_at into dpq_valid_from (computed: never before the end of the key's
-- history: transformation) and dpq_updated_at (a timestamptz copied as it is:
-- identity; a timestamp or date read as UTC would be a transformation); the source's
-- key as a dataset-level join.  (Whether the snapshot's own key should be a
-- join source too, as for MERGE ... ON, is asked in /tmp/lineage-bugs.md.)
-- ===========================================================================
CREATE TABLE snap_src (id int PRIMARY KEY, a int, c text, upd timestamptz);
INSERT INTO snap_src VALUES (1, 1, 'x', '2024-01-01'), (2, 2, 'y', '2024-01-01');
SELECT dpq.snapshot('lt_stmt.snap_src', 'lt_stmt.snap_chk', '{id}') \g /dev/null
UPDATE snap_src SET a = 10, upd = '2024-02-01' WHERE id = 1;
SELECT dpq.snapshot('lt_stmt.snap_chk') \g /dev/null
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.snap_chk')$q$, $w$VALUES
	('lt_stmt.snap_src', 'id',  'id',           'direct',   'identity'),
	('lt_stmt.snap_src', 'a',   'a',            'direct',   'identity'),
	('lt_stmt.snap_src', 'c',   'c',            'direct',   'identity'),
	('lt_stmt.snap_src', 'upd', 'upd',          'direct',   'identity'),
	('lt_stmt.snap_src', 'a',   'dpq_row_hash', 'direct',   'transformation'),
	('lt_stmt.snap_src', 'c',   'dpq_row_hash', 'direct',   'transformation'),
	('lt_stmt.snap_src', 'upd', 'dpq_row_hash', 'direct',   'transformation'),
	('lt_stmt.snap_src', 'id',  NULL,           'indirect', 'join')$w$,
	'dpq.snapshot, check strategy: the columns, the hash of the compared ones, the key');
SELECT results_eq($q$SELECT DISTINCT j.statement, e.runs FROM dpq.lineage_edges e
					 JOIN dpq.lineage_graph g ON g.target_relation = e.target_relation
					 JOIN dpq.lineage_jobs j ON j.job_id = g.job_id
					WHERE e.target_relation = 'lt_stmt.snap_chk'$q$,
				  $w$VALUES ('SNAPSHOT', 2::bigint)$w$,
				  'dpq.snapshot called twice: SNAPSHOT jobs only, two runs');

SELECT dpq.snapshot('lt_stmt.snap_src', 'lt_stmt.snap_cols', '{id}', check_cols => '{a}') \g /dev/null
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.snap_cols') WHERE target_column = 'dpq_row_hash'$q$, $w$VALUES
	('lt_stmt.snap_src', 'a', 'dpq_row_hash', 'direct', 'transformation')$w$,
	'dpq.snapshot with check_cols: only those into dpq_row_hash');

SELECT dpq.snapshot('lt_stmt.snap_src', 'lt_stmt.snap_ts', '{id}', strategy => 'timestamp', updated_at => 'upd') \g /dev/null
SELECT set_eq($q$SELECT * FROM edges('lt_stmt.snap_ts')$q$, $w$VALUES
	('lt_stmt.snap_src', 'id',  'id',             'direct',   'identity'),
	('lt_stmt.snap_src', 'a',   'a',              'direct',   'identity'),
	('lt_stmt.snap_src', 'c',   'c',              'direct',   'identity'),
	('lt_stmt.snap_src', 'upd', 'upd',            'direct',   'identity'),
	('lt_stmt.snap_src', 'upd', 'dpq_valid_from', 'direct',   'transformation'),
	('lt_stmt.snap_src', 'upd', 'dpq_updated_at', 'direct',   'identity'),
	('lt_stmt.snap_src', 'id',  NULL,             'indirect', 'join')$w$,
	'dpq.snapshot, timestamp strategy: updated_at into dpq_valid_from and dpq_updated_at');

-- ===========================================================================
-- the whole file: no edge of lt_stmt has a source outside lt_stmt but the
-- copy file and program, and every target of lt_stmt is one written above
-- (cte_e, whose edges are an open question, aside)
-- ===========================================================================
SELECT set_eq($q$SELECT DISTINCT target_relation FROM dpq.lineage_edges
				  WHERE (target_relation LIKE 'lt\_stmt.%' OR source_relation LIKE 'lt\_stmt.%')
					AND NOT target_dropped AND target_relation <> 'lt_stmt.cte_e'$q$,
			  $w$VALUES ('lt_stmt.tgt_ins'), ('lt_stmt.tgt_up'), ('lt_stmt.tgt_up2'), ('lt_stmt.tgt_nothing'),
						('lt_stmt.vals2'), ('lt_stmt.tgt_upd'), ('lt_stmt.tgt_upd2'), ('lt_stmt.tgt_del'),
						('lt_stmt.tgt_del2'), ('lt_stmt.tgt_merge'), ('lt_stmt.tgt_merge2'), ('lt_stmt.ctas'),
						('lt_stmt.sel_into'), ('lt_stmt.mv'), ('lt_stmt.v'), ('lt_stmt.tgt_copy'),
						('lt_stmt.tgt_copy2'), ('lt_stmt.tgt_copy3'), ('lt_stmt.cte_a'), ('lt_stmt.cte_b'),
						('lt_stmt.cte_c'), ('lt_stmt.cte_d'), ('lt_stmt.tgt_order'), ('lt_stmt.tgt_table'),
						('lt_stmt.tgt_domain'), ('lt_stmt."Tgt Quoted"'), ('lt_stmt.tgt_part'), ('lt_stmt.tgt_part_2'),
						('lt_stmt.from_part'), ('lt_stmt.tgt_multi'), ('lt_stmt.ctas_names'), ('lt_stmt.ctas_exec'),
						('lt_stmt.cte_f'), ('lt_stmt.tgt_updef'), ('lt_stmt.tgt_updagg'), ('lt_stmt.tgt_merge3'),
						('lt_stmt.ctas_nodata'), ('lt_stmt.tgt_gen'), ('lt_stmt.snap_chk'), ('lt_stmt.snap_cols'),
						('lt_stmt.snap_ts')$w$,
			  'the targets of lt_stmt are exactly the ones written by captured statements');
SELECT is_empty($q$SELECT DISTINCT source_relation FROM dpq.lineage_edges
					WHERE target_relation LIKE 'lt\_stmt.%' AND NOT target_dropped
					  AND NOT coalesce(source_relation LIKE 'lt\_stmt.%', false)
					  AND source_type = 'relation'$q$,
				'no relation outside lt_stmt is a source of lt_stmt');

-- ===========================================================================
-- The end: clean up
-- ===========================================================================
SELECT * FROM finish();
COPY (SELECT 1 WHERE false) TO PROGRAM :'rmprog';
DROP SCHEMA lt_stmt CASCADE;
\if :own_dpq
DROP EXTENSION dpq CASCADE;
\endif
\if :own_pgtap
DROP EXTENSION pgtap;
\endif
