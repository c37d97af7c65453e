-- lineage_constructs.sql: what lineage capture finds inside a statement
-- (doc/lineage.md, "Edges"): CTEs (also recursive), subqueries, sublinks,
-- set operations, joins, aggregates, FILTER, window functions, CASE,
-- COALESCE, whole-row references, functions, casts, ORDER BY, DISTINCT,
-- and views: hop edges (the view as the statement named it) and base edges
-- (views expanded), nested views, materialized views (not expanded), and
-- lineage_upstream / lineage_downstream through views.
--
-- Each construct writes a table of its own (CREATE TABLE AS, mostly), so
-- an assertion compares the edges into that one table with a list derived
-- by hand from doc/lineage.md before the capture existed.
--
-- Lineage is written at COMMIT: no wrapping transaction here, every
-- statement is its own (autocommit).  Everything lives in schema lt_con,
-- dropped at the start and at the end.
--
-- Source tables (schema lt_con):
--   s (id, a, b, c, g, d)    r (id, s_id, x, y)    u (id, rid, w)
--   h (id, parent, name)     p (k, pa)             q (k, qb)
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pgtap') AS own_pgtap,
       NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'dpq') AS own_dpq \gset
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dpq;
DROP SCHEMA IF EXISTS lt_con CASCADE;
CREATE SCHEMA lt_con;
SET search_path = lt_con, public;
SET statement_timeout = '60s';

SELECT plan(66);

CREATE FUNCTION edges(rel text)
RETURNS TABLE (source_relation text, source_column text, target_column text, kind text, subtype text)
LANGUAGE sql STABLE AS $f$
	SELECT e.source_relation, e.source_column::text, e.target_column::text, e.kind, e.subtype
	  FROM dpq.lineage_edges e
	 WHERE e.target_relation = rel AND NOT e.target_dropped
$f$;
CREATE FUNCTION base_edges(rel text)
RETURNS TABLE (source_relation text, source_column text, target_column text, kind text, subtype text)
LANGUAGE sql STABLE AS $f$
	SELECT e.source_relation, e.source_column::text, e.target_column::text, e.kind, e.subtype
	  FROM dpq.lineage_base_edges e
	 WHERE e.target_relation = rel AND NOT e.target_dropped
$f$;
-- a walk as text columns
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

CREATE TABLE s (id int PRIMARY KEY, a int, b int, c text, g int, d date);
CREATE TABLE r (id int PRIMARY KEY, s_id int, x int, y text);
CREATE TABLE u (id int PRIMARY KEY, rid int, w text);
CREATE TABLE h (id int PRIMARY KEY, parent int, name text);
CREATE TABLE p (k int, pa int);
CREATE TABLE q (k int, qb int);
INSERT INTO s VALUES (1, 1, 2, 'a', 1, '2024-01-01'), (2, 3, 4, 'b', 1, '2024-01-02'),
					 (3, 5, 6, 'c', 2, '2024-01-03'), (4, 7, 8, 'x', 0, '2024-01-04');
INSERT INTO r VALUES (1, 1, 10, 'a'), (2, 1, 20, 'k'), (3, 2, -5, 'z'), (4, 3, 7, NULL);
INSERT INTO u VALUES (1, 1, 'u1'), (2, 3, 'u3');
INSERT INTO h VALUES (1, NULL, 'root'), (2, 1, 'kid'), (3, 2, 'grandkid');
INSERT INTO p VALUES (1, 10), (2, 20);
INSERT INTO q VALUES (2, 200), (3, 300);

-- ===========================================================================
-- CTEs
-- ===========================================================================
-- the outer WHERE uses ab in a condition: ab's edges (s.a, s.b) become
-- filter edges; the CTE's own WHERE becomes a dataset-level edge
CREATE TABLE k_cte AS
WITH w AS (SELECT id, a + b AS ab FROM s WHERE g > 0)
SELECT id, ab FROM w WHERE ab > 4;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_cte')$q$, $w$VALUES
	('lt_con.s', 'id', 'id', 'direct',   'identity'),
	('lt_con.s', 'a',  'ab', 'direct',   'transformation'),
	('lt_con.s', 'b',  'ab', 'direct',   'transformation'),
	('lt_con.s', 'g',  NULL, 'indirect', 'filter'),
	('lt_con.s', 'a',  NULL, 'indirect', 'filter'),
	('lt_con.s', 'b',  NULL, 'indirect', 'filter')$w$,
	'CTE: composed through, its WHERE dataset-level, an outer condition on it a filter');

CREATE TABLE k_cte2 AS
WITH w AS (SELECT id, a FROM s WHERE g > 0)
SELECT w1.id, w2.a FROM w w1 JOIN w w2 ON w2.id = w1.id + 1;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_cte2')$q$, $w$VALUES
	('lt_con.s', 'id', 'id', 'direct',   'identity'),
	('lt_con.s', 'a',  'a',  'direct',   'identity'),
	('lt_con.s', 'g',  NULL, 'indirect', 'filter'),
	('lt_con.s', 'id', NULL, 'indirect', 'join')$w$,
	'CTE referenced twice: expanded where referenced');

CREATE TABLE k_cte_unused AS WITH unused AS (SELECT * FROM r) SELECT id FROM s;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_cte_unused')$q$, $w$VALUES
	('lt_con.s', 'id', 'id', 'direct', 'identity')$w$,
	'a CTE never referenced contributes nothing');

-- recursive: path is h.name in the first branch (identity) and
-- tree.path || '/' || h.name in the second (transformation): the strongest;
-- depth is a constant plus itself: no edge at all
CREATE TABLE k_rec AS
WITH RECURSIVE tree (id, path, depth) AS (
	SELECT id, name, 0 FROM h WHERE parent IS NULL
	UNION ALL
	SELECT h.id, tree.path || '/' || h.name, tree.depth + 1
	  FROM h JOIN tree ON h.parent = tree.id)
SELECT id, path, depth FROM tree;
SELECT results_eq($q$SELECT id, path, depth FROM k_rec ORDER BY id$q$,
				  $w$VALUES (1, 'root', 0), (2, 'root/kid', 1), (3, 'root/kid/grandkid', 2)$w$,
				  'recursive CTE ran');
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_rec')$q$, $w$VALUES
	('lt_con.h', 'id',     'id',   'direct',   'identity'),
	('lt_con.h', 'name',   'path', 'direct',   'transformation'),
	('lt_con.h', 'parent', NULL,   'indirect', 'filter'),
	('lt_con.h', 'parent', NULL,   'indirect', 'join'),
	('lt_con.h', 'id',     NULL,   'indirect', 'join')$w$,
	'recursive CTE: edges until they stop growing');

-- ===========================================================================
-- subqueries and sublinks
-- ===========================================================================
CREATE TABLE k_sub AS
SELECT q.id, q.total * 2 AS dbl
  FROM (SELECT s_id AS id, sum(x) AS total FROM r WHERE y <> 'z' GROUP BY s_id) q
 WHERE q.total > 5;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_sub')$q$, $w$VALUES
	('lt_con.r', 's_id', 'id',  'direct',   'identity'),
	('lt_con.r', 'x',    'dbl', 'direct',   'aggregation'),
	('lt_con.r', 'y',    NULL,  'indirect', 'filter'),
	('lt_con.r', 's_id', NULL,  'indirect', 'group_by'),
	('lt_con.r', 'x',    NULL,  'indirect', 'filter')$w$,
	'subquery in FROM: aggregation stays the strongest; its WHERE and GROUP BY dataset-level');

-- the sublink's dataset-level edges (its correlated join) become
-- column-level indirect edges of mx
CREATE TABLE k_scalar AS
SELECT s.id, (SELECT max(r.x) FROM r WHERE r.s_id = s.id) AS mx FROM s;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_scalar')$q$, $w$VALUES
	('lt_con.s', 'id',   'id', 'direct',   'identity'),
	('lt_con.r', 'x',    'mx', 'direct',   'aggregation'),
	('lt_con.r', 's_id', 'mx', 'indirect', 'join'),
	('lt_con.s', 'id',   'mx', 'indirect', 'join')$w$,
	'scalar sublink in the select list');

CREATE TABLE k_exists AS
SELECT s.id, s.a FROM s
 WHERE EXISTS (SELECT 1 FROM r WHERE r.s_id = s.id AND r.x > 0)
   AND s.b IN (SELECT r2.s_id FROM r r2 WHERE r2.y = 'k');
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_exists')$q$, $w$VALUES
	('lt_con.s', 'id',   'id', 'direct',   'identity'),
	('lt_con.s', 'a',    'a',  'direct',   'identity'),
	('lt_con.r', 's_id', NULL, 'indirect', 'filter'),
	('lt_con.s', 'id',   NULL, 'indirect', 'filter'),
	('lt_con.r', 'x',    NULL, 'indirect', 'filter'),
	('lt_con.s', 'b',    NULL, 'indirect', 'filter'),
	('lt_con.r', 'y',    NULL, 'indirect', 'filter')$w$,
	'EXISTS and IN sublinks in WHERE: everything in them is a filter (no join)');

CREATE TABLE k_cmp AS
SELECT r.id FROM r WHERE r.x > (SELECT avg(r2.x) FROM r r2 WHERE r2.s_id = r.s_id);
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_cmp')$q$, $w$VALUES
	('lt_con.r', 'id',   'id', 'direct',   'identity'),
	('lt_con.r', 'x',    NULL, 'indirect', 'filter'),
	('lt_con.r', 's_id', NULL, 'indirect', 'filter')$w$,
	'x > (SELECT ...) in WHERE: a filter');

CREATE TABLE k_cmp2 AS SELECT id FROM s WHERE a > (SELECT avg(x) FROM r) - 10;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_cmp2')$q$, $w$VALUES
	('lt_con.s', 'id', 'id', 'direct',   'identity'),
	('lt_con.s', 'a',  NULL, 'indirect', 'filter'),
	('lt_con.r', 'x',  NULL, 'indirect', 'filter')$w$,
	'an uncorrelated scalar sublink in WHERE: filter');

-- EXISTS in the select list is a column's expression: its join edges are
-- that column's
CREATE TABLE k_exists_col AS SELECT id, EXISTS (SELECT 1 FROM r WHERE r.s_id = s.id) AS has_r FROM s;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_exists_col')$q$, $w$VALUES
	('lt_con.s', 'id',   'id',    'direct',   'identity'),
	('lt_con.r', 's_id', 'has_r', 'indirect', 'join'),
	('lt_con.s', 'id',   'has_r', 'indirect', 'join')$w$,
	'EXISTS in the select list: column-level');

-- LATERAL: the subquery's correlated WHERE is a join of the statement
CREATE TABLE k_lateral AS
SELECT s.id, l.m FROM s, LATERAL (SELECT max(r.x) AS m FROM r WHERE r.s_id = s.id) l;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_lateral')$q$, $w$VALUES
	('lt_con.s', 'id',   'id', 'direct',   'identity'),
	('lt_con.r', 'x',    'm',  'direct',   'aggregation'),
	('lt_con.r', 's_id', NULL, 'indirect', 'join'),
	('lt_con.s', 'id',   NULL, 'indirect', 'join')$w$,
	'LATERAL subquery');

CREATE TABLE k_unnest AS SELECT s.id, u.x FROM s, unnest(ARRAY[s.a, s.b]) u(x);
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_unnest')$q$, $w$VALUES
	('lt_con.s', 'id', 'id', 'direct', 'identity'),
	('lt_con.s', 'a',  'x',  'direct', 'transformation'),
	('lt_con.s', 'b',  'x',  'direct', 'transformation')$w$,
	'a set-returning function over columns in FROM');

-- a VALUES list is no relation: only s's side of the join is an edge
CREATE TABLE k_values AS
SELECT s.id, v.label FROM s JOIN (VALUES (1, 'one'), (2, 'two')) v(k, label) ON v.k = s.id;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_values')$q$, $w$VALUES
	('lt_con.s', 'id', 'id', 'direct',   'identity'),
	('lt_con.s', 'id', NULL, 'indirect', 'join')$w$,
	'a join with a VALUES list');

-- ===========================================================================
-- set operations
-- ===========================================================================
CREATE TABLE k_union AS SELECT id, a FROM s WHERE g = 1 UNION SELECT s_id, x FROM r;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_union')$q$, $w$VALUES
	('lt_con.s', 'id',   'id', 'direct',   'identity'),
	('lt_con.r', 's_id', 'id', 'direct',   'identity'),
	('lt_con.s', 'a',    'a',  'direct',   'identity'),
	('lt_con.r', 'x',    'a',  'direct',   'identity'),
	('lt_con.s', 'g',    NULL, 'indirect', 'filter')$w$,
	'UNION: every branch; a branch''s WHERE dataset-level; no group_by for the implicit DISTINCT');

CREATE TABLE k_union_all AS SELECT id, a FROM s UNION ALL SELECT s_id, x FROM r WHERE y IS NOT NULL;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_union_all')$q$, $w$VALUES
	('lt_con.s', 'id',   'id', 'direct',   'identity'),
	('lt_con.r', 's_id', 'id', 'direct',   'identity'),
	('lt_con.s', 'a',    'a',  'direct',   'identity'),
	('lt_con.r', 'x',    'a',  'direct',   'identity'),
	('lt_con.r', 'y',    NULL, 'indirect', 'filter')$w$,
	'UNION ALL');

CREATE TABLE k_intersect AS SELECT id, a FROM s INTERSECT SELECT s_id, x FROM r;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_intersect')$q$, $w$VALUES
	('lt_con.s', 'id',   'id', 'direct', 'identity'),
	('lt_con.r', 's_id', 'id', 'direct', 'identity'),
	('lt_con.s', 'a',    'a',  'direct', 'identity'),
	('lt_con.r', 'x',    'a',  'direct', 'identity')$w$,
	'INTERSECT: every branch');

CREATE TABLE k_except AS SELECT id, a FROM s EXCEPT SELECT s_id, x FROM r WHERE y = 'z';
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_except')$q$, $w$VALUES
	('lt_con.s', 'id',   'id', 'direct',   'identity'),
	('lt_con.s', 'a',    'a',  'direct',   'identity'),
	('lt_con.r', 's_id', NULL, 'indirect', 'filter'),
	('lt_con.r', 'x',    NULL, 'indirect', 'filter'),
	('lt_con.r', 'y',    NULL, 'indirect', 'filter')$w$,
	'EXCEPT: the left branch gives the values, the right one dataset-level filters');

-- ===========================================================================
-- joins
-- ===========================================================================
CREATE TABLE k_join AS
SELECT s.id, r.x, u.w
  FROM s JOIN r ON r.s_id = s.id LEFT JOIN u ON u.rid = r.id
 WHERE s.g > 0;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_join')$q$, $w$VALUES
	('lt_con.s', 'id',   'id', 'direct',   'identity'),
	('lt_con.r', 'x',    'x',  'direct',   'identity'),
	('lt_con.u', 'w',    'w',  'direct',   'identity'),
	('lt_con.r', 's_id', NULL, 'indirect', 'join'),
	('lt_con.s', 'id',   NULL, 'indirect', 'join'),
	('lt_con.u', 'rid',  NULL, 'indirect', 'join'),
	('lt_con.r', 'id',   NULL, 'indirect', 'join'),
	('lt_con.s', 'g',    NULL, 'indirect', 'filter')$w$,
	'inner and left join ON, a WHERE filter');

CREATE TABLE k_where_join AS SELECT s.id, r.x FROM s, r WHERE r.s_id = s.id AND r.x > 0;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_where_join')$q$, $w$VALUES
	('lt_con.s', 'id',   'id', 'direct',   'identity'),
	('lt_con.r', 'x',    'x',  'direct',   'identity'),
	('lt_con.r', 's_id', NULL, 'indirect', 'join'),
	('lt_con.s', 'id',   NULL, 'indirect', 'join'),
	('lt_con.r', 'x',    NULL, 'indirect', 'filter')$w$,
	'a WHERE conjunct comparing two relations is a join, one relation a filter');

-- JOIN ... USING: the merged column of an inner join is the left input's
CREATE TABLE k_using AS SELECT k, pa, qb FROM p JOIN q USING (k);
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_using')$q$, $w$VALUES
	('lt_con.p', 'k',  'k',  'direct',   'identity'),
	('lt_con.p', 'pa', 'pa', 'direct',   'identity'),
	('lt_con.q', 'qb', 'qb', 'direct',   'identity'),
	('lt_con.p', 'k',  NULL, 'indirect', 'join'),
	('lt_con.q', 'k',  NULL, 'indirect', 'join')$w$,
	'JOIN ... USING');

CREATE TABLE k_full AS SELECT k, pa, qb FROM p FULL JOIN q USING (k);
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_full')$q$, $w$VALUES
	('lt_con.p', 'k',  'k',  'direct',   'identity'),
	('lt_con.q', 'k',  'k',  'direct',   'identity'),
	('lt_con.p', 'pa', 'pa', 'direct',   'identity'),
	('lt_con.q', 'qb', 'qb', 'direct',   'identity'),
	('lt_con.p', 'k',  NULL, 'indirect', 'join'),
	('lt_con.q', 'k',  NULL, 'indirect', 'join')$w$,
	'FULL JOIN ... USING: the merged column is an identity of both sides');

CREATE TABLE k_rowcmp AS SELECT s.c FROM s JOIN r ON (s.id, s.a) = (r.s_id, r.x);
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_rowcmp')$q$, $w$VALUES
	('lt_con.s', 'c',    'c',  'direct',   'identity'),
	('lt_con.s', 'id',   NULL, 'indirect', 'join'),
	('lt_con.s', 'a',    NULL, 'indirect', 'join'),
	('lt_con.r', 's_id', NULL, 'indirect', 'join'),
	('lt_con.r', 'x',    NULL, 'indirect', 'join')$w$,
	'a row comparison in JOIN ... ON');

-- ===========================================================================
-- aggregates, FILTER, window functions
-- ===========================================================================
-- count(*) reads no column: n gets no edge
CREATE TABLE k_agg AS
SELECT s_id, count(*) AS n, sum(x) AS sx, avg(x + id) AS ax
  FROM r WHERE y IS NOT NULL
 GROUP BY s_id HAVING max(x) > 3;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_agg')$q$, $w$VALUES
	('lt_con.r', 's_id', 's_id', 'direct',   'identity'),
	('lt_con.r', 'x',    'sx',   'direct',   'aggregation'),
	('lt_con.r', 'x',    'ax',   'direct',   'aggregation'),
	('lt_con.r', 'id',   'ax',   'direct',   'aggregation'),
	('lt_con.r', 'y',    NULL,   'indirect', 'filter'),
	('lt_con.r', 's_id', NULL,   'indirect', 'group_by'),
	('lt_con.r', 'x',    NULL,   'indirect', 'filter')$w$,
	'aggregates, GROUP BY, HAVING');

CREATE TABLE k_agg2 AS SELECT sum(a) AS total, count(DISTINCT b) AS nb FROM s HAVING max(g) > 0;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_agg2')$q$, $w$VALUES
	('lt_con.s', 'a', 'total', 'direct',   'aggregation'),
	('lt_con.s', 'b', 'nb',    'direct',   'aggregation'),
	('lt_con.s', 'g', NULL,    'indirect', 'filter')$w$,
	'count(DISTINCT x) is an aggregation (no group_by); HAVING without GROUP BY');

CREATE TABLE k_gsets AS SELECT g, c, sum(a) AS sa FROM s GROUP BY GROUPING SETS ((g), (c));
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_gsets')$q$, $w$VALUES
	('lt_con.s', 'g', 'g',  'direct',   'identity'),
	('lt_con.s', 'c', 'c',  'direct',   'identity'),
	('lt_con.s', 'a', 'sa', 'direct',   'aggregation'),
	('lt_con.s', 'g', NULL, 'indirect', 'group_by'),
	('lt_con.s', 'c', NULL, 'indirect', 'group_by')$w$,
	'GROUPING SETS');

CREATE TABLE k_gexpr AS SELECT a + b AS ab, count(*) AS n FROM s GROUP BY a + b;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_gexpr')$q$, $w$VALUES
	('lt_con.s', 'a', 'ab', 'direct',   'transformation'),
	('lt_con.s', 'b', 'ab', 'direct',   'transformation'),
	('lt_con.s', 'a', NULL, 'indirect', 'group_by'),
	('lt_con.s', 'b', NULL, 'indirect', 'group_by')$w$,
	'GROUP BY an expression');

CREATE TABLE k_filter AS
SELECT s_id, sum(x) FILTER (WHERE y = 'a') AS sa, count(*) FILTER (WHERE x > 0) AS np
  FROM r GROUP BY s_id;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_filter')$q$, $w$VALUES
	('lt_con.r', 's_id', 's_id', 'direct',   'identity'),
	('lt_con.r', 'x',    'sa',   'direct',   'aggregation'),
	('lt_con.r', 'y',    'sa',   'indirect', 'conditional'),
	('lt_con.r', 'x',    'np',   'indirect', 'conditional'),
	('lt_con.r', 's_id', NULL,   'indirect', 'group_by')$w$,
	'aggregate FILTER (WHERE ...): conditional on that column');

-- an aggregate's own ORDER BY: a column-level sort edge of that column
CREATE TABLE k_aggsort AS SELECT g, string_agg(c, ',' ORDER BY a) AS cs FROM s GROUP BY g;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_aggsort')$q$, $w$VALUES
	('lt_con.s', 'g', 'g',  'direct',   'identity'),
	('lt_con.s', 'c', 'cs', 'direct',   'aggregation'),
	('lt_con.s', 'a', 'cs', 'indirect', 'sort'),
	('lt_con.s', 'g', NULL, 'indirect', 'group_by')$w$,
	'string_agg(x, '','' ORDER BY y): y is a column-level sort');

CREATE TABLE k_win AS
SELECT id,
	   sum(a) OVER (PARTITION BY g ORDER BY d) AS run,
	   lag(b) OVER (ORDER BY id) AS prev,
	   row_number() OVER (PARTITION BY g ORDER BY id DESC) AS rn
  FROM s ORDER BY id;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_win')$q$, $w$VALUES
	('lt_con.s', 'id', 'id',   'direct',   'identity'),
	('lt_con.s', 'a',  'run',  'direct',   'aggregation'),
	('lt_con.s', 'g',  'run',  'indirect', 'window'),
	('lt_con.s', 'd',  'run',  'indirect', 'window'),
	('lt_con.s', 'b',  'prev', 'direct',   'transformation'),
	('lt_con.s', 'id', 'prev', 'indirect', 'window'),
	('lt_con.s', 'g',  'rn',   'indirect', 'window'),
	('lt_con.s', 'id', 'rn',   'indirect', 'window'),
	('lt_con.s', 'id', NULL,   'indirect', 'sort')$w$,
	'window functions: aggregates over a window, lag, row_number; PARTITION BY / ORDER BY');

CREATE TABLE k_win_named AS SELECT sum(a) OVER w AS sa, rank() OVER w2 AS rk FROM s
WINDOW w AS (PARTITION BY g), w2 AS (w ORDER BY b);
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_win_named')$q$, $w$VALUES
	('lt_con.s', 'a', 'sa', 'direct',   'aggregation'),
	('lt_con.s', 'g', 'sa', 'indirect', 'window'),
	('lt_con.s', 'g', 'rk', 'indirect', 'window'),
	('lt_con.s', 'b', 'rk', 'indirect', 'window')$w$,
	'named windows (and one built on another)');

-- the usual dedupe: keep the latest row per key; rn's window edges decide
-- the rows, so they become filters
CREATE TABLE k_dedupe AS
SELECT id, a FROM (SELECT id, a, row_number() OVER (PARTITION BY g ORDER BY b DESC) AS rn FROM s) x
 WHERE rn = 1;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_dedupe')$q$, $w$VALUES
	('lt_con.s', 'id', 'id', 'direct',   'identity'),
	('lt_con.s', 'a',  'a',  'direct',   'identity'),
	('lt_con.s', 'g',  NULL, 'indirect', 'filter'),
	('lt_con.s', 'b',  NULL, 'indirect', 'filter')$w$,
	'WHERE row_number() ... = 1 over a subquery: the window''s columns filter');

-- ===========================================================================
-- expressions
-- ===========================================================================
CREATE TABLE k_case AS
SELECT id, CASE WHEN g > 0 THEN a ELSE b END AS ab, CASE c WHEN 'x' THEN 1 ELSE 0 END AS isx FROM s;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_case')$q$, $w$VALUES
	('lt_con.s', 'id', 'id',  'direct',   'identity'),
	('lt_con.s', 'a',  'ab',  'direct',   'transformation'),
	('lt_con.s', 'b',  'ab',  'direct',   'transformation'),
	('lt_con.s', 'g',  'ab',  'indirect', 'conditional'),
	('lt_con.s', 'c',  'isx', 'indirect', 'conditional')$w$,
	'CASE: results transformation, conditions and the CASE operand conditional');

CREATE TABLE k_case_where AS SELECT id FROM s WHERE CASE WHEN g = 1 THEN a ELSE b END > 2;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_case_where')$q$, $w$VALUES
	('lt_con.s', 'id', 'id', 'direct',   'identity'),
	('lt_con.s', 'g',  NULL, 'indirect', 'filter'),
	('lt_con.s', 'a',  NULL, 'indirect', 'filter'),
	('lt_con.s', 'b',  NULL, 'indirect', 'filter')$w$,
	'CASE inside WHERE: everything in it is a filter');

CREATE TABLE k_coal AS SELECT id, coalesce(a, b, 0) AS ab, nullif(c, 'x') AS nc FROM s;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_coal')$q$, $w$VALUES
	('lt_con.s', 'id', 'id', 'direct', 'identity'),
	('lt_con.s', 'a',  'ab', 'direct', 'transformation'),
	('lt_con.s', 'b',  'ab', 'direct', 'transformation'),
	('lt_con.s', 'c',  'nc', 'direct', 'transformation')$w$,
	'COALESCE, NULLIF');

-- p.* in the select list is expanded into plain columns; a whole row as a
-- value is a transformation of every column
CREATE TABLE k_row AS SELECT row_to_json(p) AS j, to_jsonb(p.*) AS jb, p.* FROM p;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_row')$q$, $w$VALUES
	('lt_con.p', 'k',  'j',  'direct', 'transformation'),
	('lt_con.p', 'pa', 'j',  'direct', 'transformation'),
	('lt_con.p', 'k',  'jb', 'direct', 'transformation'),
	('lt_con.p', 'pa', 'jb', 'direct', 'transformation'),
	('lt_con.p', 'k',  'k',  'direct', 'identity'),
	('lt_con.p', 'pa', 'pa', 'direct', 'identity')$w$,
	'whole-row references: row_to_json(t), to_jsonb(t.*); t.* expanded');

CREATE TABLE k_row2 AS SELECT row_to_json(x) AS j FROM (SELECT k, pa + 1 AS pa1 FROM p WHERE pa > 0) x;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_row2')$q$, $w$VALUES
	('lt_con.p', 'k',  'j',  'direct',   'transformation'),
	('lt_con.p', 'pa', 'j',  'direct',   'transformation'),
	('lt_con.p', 'pa', NULL, 'indirect', 'filter')$w$,
	'the whole row of a subquery: every column of it');

CREATE TABLE k_fun AS SELECT id, upper(c) AS uc, length(c) + a AS la, now() AS ts, 42 AS const FROM s;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_fun')$q$, $w$VALUES
	('lt_con.s', 'id', 'id', 'direct', 'identity'),
	('lt_con.s', 'c',  'uc', 'direct', 'transformation'),
	('lt_con.s', 'c',  'la', 'direct', 'transformation'),
	('lt_con.s', 'a',  'la', 'direct', 'transformation')$w$,
	'functions and operators; now() and constants read nothing');

-- implicit casts (int -> bigint, text -> varchar(20)) and COLLATE keep
-- identity; explicit casts are transformations
CREATE TABLE k_cast (big bigint, txt text, num numeric, vc varchar(20), cl text);
INSERT INTO k_cast SELECT a, a::text, b::numeric, c, c COLLATE "C" FROM s;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_cast')$q$, $w$VALUES
	('lt_con.s', 'a', 'big', 'direct', 'identity'),
	('lt_con.s', 'a', 'txt', 'direct', 'transformation'),
	('lt_con.s', 'b', 'num', 'direct', 'transformation'),
	('lt_con.s', 'c', 'vc',  'direct', 'identity'),
	('lt_con.s', 'c', 'cl',  'direct', 'identity')$w$,
	'implicit casts and COLLATE: identity; explicit casts: transformation');

CREATE TABLE k_order AS SELECT id, a FROM s ORDER BY b DESC, id;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_order')$q$, $w$VALUES
	('lt_con.s', 'id', 'id', 'direct',   'identity'),
	('lt_con.s', 'a',  'a',  'direct',   'identity'),
	('lt_con.s', 'b',  NULL, 'indirect', 'sort'),
	('lt_con.s', 'id', NULL, 'indirect', 'sort')$w$,
	'ORDER BY: dataset-level sort');

CREATE TABLE k_topn AS SELECT sum(a) AS top2 FROM (SELECT a FROM s ORDER BY b DESC LIMIT 2) t;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_topn')$q$, $w$VALUES
	('lt_con.s', 'a', 'top2', 'direct',   'aggregation'),
	('lt_con.s', 'b', NULL,   'indirect', 'sort')$w$,
	'ORDER BY ... LIMIT in a subquery: its sort decides the rows');

CREATE TABLE k_distinct AS SELECT DISTINCT g, c FROM s;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_distinct')$q$, $w$VALUES
	('lt_con.s', 'g', 'g',  'direct',   'identity'),
	('lt_con.s', 'c', 'c',  'direct',   'identity'),
	('lt_con.s', 'g', NULL, 'indirect', 'group_by'),
	('lt_con.s', 'c', NULL, 'indirect', 'group_by')$w$,
	'DISTINCT: group_by');

CREATE TABLE k_distinct_on AS SELECT DISTINCT ON (g) g, a FROM s ORDER BY g, d DESC;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_distinct_on')$q$, $w$VALUES
	('lt_con.s', 'g', 'g',  'direct',   'identity'),
	('lt_con.s', 'a', 'a',  'direct',   'identity'),
	('lt_con.s', 'g', NULL, 'indirect', 'group_by'),
	('lt_con.s', 'g', NULL, 'indirect', 'sort'),
	('lt_con.s', 'd', NULL, 'indirect', 'sort')$w$,
	'DISTINCT ON: group_by, and sort');

-- ===========================================================================
-- hop and base: views, nested views, materialized views
-- ===========================================================================
CREATE VIEW v1 AS SELECT id, a + 1 AS a1, c FROM s WHERE g > 0;
CREATE VIEW v2 AS SELECT id, upper(c) AS uc, a1 FROM v1 WHERE a1 < 100;
CREATE TABLE k_view AS SELECT id, a1, uc FROM v2 WHERE id > 1;

SELECT set_eq($q$SELECT * FROM edges('lt_con.v1')$q$, $w$VALUES
	('lt_con.s', 'id', 'id', 'direct',   'identity'),
	('lt_con.s', 'a',  'a1', 'direct',   'transformation'),
	('lt_con.s', 'c',  'c',  'direct',   'identity'),
	('lt_con.s', 'g',  NULL, 'indirect', 'filter')$w$,
	'CREATE VIEW v1 (over a table)');
SELECT set_eq($q$SELECT * FROM base_edges('lt_con.v1')$q$,
			  $q$SELECT * FROM edges('lt_con.v1')$q$,
			  'v1 reads no view: base edges = hop edges');
SELECT set_eq($q$SELECT * FROM edges('lt_con.v2')$q$, $w$VALUES
	('lt_con.v1', 'id', 'id', 'direct',   'identity'),
	('lt_con.v1', 'c',  'uc', 'direct',   'transformation'),
	('lt_con.v1', 'a1', 'a1', 'direct',   'identity'),
	('lt_con.v1', 'a1', NULL, 'indirect', 'filter')$w$,
	'CREATE VIEW v2 (over v1): hop edges name v1');
SELECT set_eq($q$SELECT * FROM base_edges('lt_con.v2')$q$, $w$VALUES
	('lt_con.s', 'id', 'id', 'direct',   'identity'),
	('lt_con.s', 'c',  'uc', 'direct',   'transformation'),
	('lt_con.s', 'a',  'a1', 'direct',   'transformation'),
	('lt_con.s', 'a',  NULL, 'indirect', 'filter'),
	('lt_con.s', 'g',  NULL, 'indirect', 'filter')$w$,
	'v2 base edges: v1 expanded to s, its WHERE included');
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_view')$q$, $w$VALUES
	('lt_con.v2', 'id', 'id', 'direct',   'identity'),
	('lt_con.v2', 'a1', 'a1', 'direct',   'identity'),
	('lt_con.v2', 'uc', 'uc', 'direct',   'identity'),
	('lt_con.v2', 'id', NULL, 'indirect', 'filter')$w$,
	'reading a nested view: hop edges name the view the statement named');
SELECT set_eq($q$SELECT * FROM base_edges('lt_con.k_view')$q$, $w$VALUES
	('lt_con.s', 'id', 'id', 'direct',   'identity'),
	('lt_con.s', 'a',  'a1', 'direct',   'transformation'),
	('lt_con.s', 'c',  'uc', 'direct',   'transformation'),
	('lt_con.s', 'id', NULL, 'indirect', 'filter'),
	('lt_con.s', 'a',  NULL, 'indirect', 'filter'),
	('lt_con.s', 'g',  NULL, 'indirect', 'filter')$w$,
	'reading a nested view: base edges expand both views, with both views'' WHERE');

CREATE TABLE k_view_agg AS SELECT c, sum(a1) AS total FROM v1 GROUP BY c;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_view_agg')$q$, $w$VALUES
	('lt_con.v1', 'c',  'c',     'direct',   'identity'),
	('lt_con.v1', 'a1', 'total', 'direct',   'aggregation'),
	('lt_con.v1', 'c',  NULL,    'indirect', 'group_by')$w$,
	'aggregate over a view: hop');
SELECT set_eq($q$SELECT * FROM base_edges('lt_con.k_view_agg')$q$, $w$VALUES
	('lt_con.s', 'c', 'c',     'direct',   'identity'),
	('lt_con.s', 'a', 'total', 'direct',   'aggregation'),
	('lt_con.s', 'c', NULL,    'indirect', 'group_by'),
	('lt_con.s', 'g', NULL,    'indirect', 'filter')$w$,
	'aggregate over a view: base (transformation then aggregation: aggregation)');

-- a view column in a join condition: its inner edges become join edges
CREATE TABLE k_view_join AS SELECT r.x, v1.c FROM r JOIN v1 ON v1.a1 = r.id;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_view_join')$q$, $w$VALUES
	('lt_con.r',  'x',  'x',  'direct',   'identity'),
	('lt_con.v1', 'c',  'c',  'direct',   'identity'),
	('lt_con.v1', 'a1', NULL, 'indirect', 'join'),
	('lt_con.r',  'id', NULL, 'indirect', 'join')$w$,
	'a view joined with a table: hop');
SELECT set_eq($q$SELECT * FROM base_edges('lt_con.k_view_join')$q$, $w$VALUES
	('lt_con.r', 'x',  'x',  'direct',   'identity'),
	('lt_con.s', 'c',  'c',  'direct',   'identity'),
	('lt_con.s', 'a',  NULL, 'indirect', 'join'),
	('lt_con.r', 'id', NULL, 'indirect', 'join'),
	('lt_con.s', 'g',  NULL, 'indirect', 'filter')$w$,
	'a view joined with a table: base');

CREATE MATERIALIZED VIEW mv AS SELECT g, sum(a) AS sa FROM s GROUP BY g;
CREATE TABLE k_mv AS SELECT g, sa FROM mv WHERE sa > 0;
SELECT set_eq($q$SELECT * FROM base_edges('lt_con.k_mv')$q$, $w$VALUES
	('lt_con.mv', 'g',  'g',  'direct',   'identity'),
	('lt_con.mv', 'sa', 'sa', 'direct',   'identity'),
	('lt_con.mv', 'sa', NULL, 'indirect', 'filter')$w$,
	'a materialized view is a dataset of its own: not expanded in base edges');
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_mv')$q$,
			  $q$SELECT * FROM base_edges('lt_con.k_mv')$q$,
			  'reading a materialized view: hop = base');

-- a view with a set operation, a view read twice, a view in a sublink, a
-- recursive view, a view over a materialized view over a view
CREATE VIEW vu AS SELECT id AS k, a AS val FROM s WHERE g = 1 UNION ALL SELECT s_id, x FROM r;
CREATE TABLE k_vu AS SELECT x1.k, x2.val FROM vu x1 JOIN vu x2 ON x2.k = x1.k + 1;
SELECT set_eq($q$SELECT * FROM edges('lt_con.k_vu')$q$, $w$VALUES
	('lt_con.vu', 'k',   'k',   'direct',   'identity'),
	('lt_con.vu', 'val', 'val', 'direct',   'identity'),
	('lt_con.vu', 'k',   NULL,  'indirect', 'join')$w$,
	'a UNION ALL view joined with itself: hop');
SELECT set_eq($q$SELECT * FROM base_edges('lt_con.k_vu')$q$, $w$VALUES
	('lt_con.s', 'id',   'k',   'direct',   'identity'),
	('lt_con.r', 's_id', 'k',   'direct',   'identity'),
	('lt_con.s', 'a',    'val', 'direct',   'identity'),
	('lt_con.r', 'x',    'val', 'direct',   'identity'),
	('lt_con.s', 'id',   NULL,  'indirect', 'join'),
	('lt_con.r', 's_id', NULL,  'indirect', 'join'),
	('lt_con.s', 'g',    NULL,  'indirect', 'filter')$w$,
	'a UNION ALL view joined with itself: base (every branch, the branch''s WHERE)');

CREATE TABLE k_vexists AS SELECT r.id FROM r WHERE EXISTS (SELECT 1 FROM v1 WHERE v1.id = r.s_id);
SELECT set_eq($q$SELECT * FROM base_edges('lt_con.k_vexists')$q$, $w$VALUES
	('lt_con.r', 'id',   'id', 'direct',   'identity'),
	('lt_con.r', 's_id', NULL, 'indirect', 'filter'),
	('lt_con.s', 'id',   NULL, 'indirect', 'filter'),
	('lt_con.s', 'g',    NULL, 'indirect', 'filter')$w$,
	'a view inside EXISTS: base edges, all filters (the view''s WHERE too)');

CREATE RECURSIVE VIEW vrec (id, root) AS
	SELECT id, id FROM h WHERE parent IS NULL
	UNION ALL
	SELECT h.id, vrec.root FROM h JOIN vrec ON h.parent = vrec.id;
SELECT set_eq($q$SELECT * FROM edges('lt_con.vrec')$q$, $w$VALUES
	('lt_con.h', 'id',     'id',   'direct',   'identity'),
	('lt_con.h', 'id',     'root', 'direct',   'identity'),
	('lt_con.h', 'parent', NULL,   'indirect', 'filter'),
	('lt_con.h', 'parent', NULL,   'indirect', 'join'),
	('lt_con.h', 'id',     NULL,   'indirect', 'join')$w$,
	'CREATE RECURSIVE VIEW');

CREATE MATERIALIZED VIEW mvu AS SELECT k, val FROM vu;
CREATE VIEW vmvu AS SELECT k, val + 1 AS v1 FROM mvu;
CREATE TABLE k_vmvu AS SELECT k, v1 FROM vmvu;
SELECT set_eq($q$SELECT * FROM base_edges('lt_con.k_vmvu')$q$, $w$VALUES
	('lt_con.mvu', 'k',   'k',  'direct', 'identity'),
	('lt_con.mvu', 'val', 'v1', 'direct', 'transformation')$w$,
	'base edges stop at a materialized view');
SELECT set_eq($q$SELECT * FROM base_edges('lt_con.mvu')$q$, $w$VALUES
	('lt_con.s', 'id',   'k',   'direct',   'identity'),
	('lt_con.r', 's_id', 'k',   'direct',   'identity'),
	('lt_con.s', 'a',    'val', 'direct',   'identity'),
	('lt_con.r', 'x',    'val', 'direct',   'identity'),
	('lt_con.s', 'g',    NULL,  'indirect', 'filter')$w$,
	'... and the materialized view''s own base edges expand the view it reads');

-- ===========================================================================
-- walking through views (hop edges: the views are on the way)
-- ===========================================================================
SELECT set_eq($q$SELECT * FROM up('lt_con.k_view', 'uc')$q$, $w$VALUES
	(1, 'lt_con.v2', 'uc', 'lt_con.k_view', 'uc', 'direct',   'identity'),
	(1, 'lt_con.v2', 'id', 'lt_con.k_view', NULL, 'indirect', 'filter'),
	(2, 'lt_con.v1', 'c',  'lt_con.v2',     'uc', 'direct',   'transformation'),
	(2, 'lt_con.v1', 'a1', 'lt_con.v2',     NULL, 'indirect', 'filter'),
	(2, 'lt_con.v1', 'id', 'lt_con.v2',     'id', 'direct',   'identity'),
	(3, 'lt_con.s',  'c',  'lt_con.v1',     'c',  'direct',   'identity'),
	(3, 'lt_con.s',  'g',  'lt_con.v1',     NULL, 'indirect', 'filter'),
	(3, 'lt_con.s',  'a',  'lt_con.v1',     'a1', 'direct',   'transformation'),
	(3, 'lt_con.s',  'id', 'lt_con.v1',     'id', 'direct',   'identity')$w$,
	'lineage_upstream(k_view, uc): through v2 and v1 down to s');
SELECT set_eq($q$SELECT * FROM up('lt_con.k_view', 'uc', 2)$q$, $w$VALUES
	(1, 'lt_con.v2', 'uc', 'lt_con.k_view', 'uc', 'direct',   'identity'),
	(1, 'lt_con.v2', 'id', 'lt_con.k_view', NULL, 'indirect', 'filter'),
	(2, 'lt_con.v1', 'c',  'lt_con.v2',     'uc', 'direct',   'transformation'),
	(2, 'lt_con.v1', 'a1', 'lt_con.v2',     NULL, 'indirect', 'filter'),
	(2, 'lt_con.v1', 'id', 'lt_con.v2',     'id', 'direct',   'identity')$w$,
	'lineage_upstream(k_view, uc, depth 2)');
SELECT set_eq($q$SELECT * FROM down('lt_con.v1', 'a1')$q$, $w$VALUES
	(1, 'lt_con.v1', 'a1', 'lt_con.v2',          'a1',    'direct',   'identity'),
	(1, 'lt_con.v1', 'a1', 'lt_con.v2',          NULL,    'indirect', 'filter'),
	(1, 'lt_con.v1', 'a1', 'lt_con.k_view_agg',  'total', 'direct',   'aggregation'),
	(1, 'lt_con.v1', 'a1', 'lt_con.k_view_join', NULL,    'indirect', 'join'),
	(2, 'lt_con.v2', 'a1', 'lt_con.k_view',      'a1',    'direct',   'identity'),
	(2, 'lt_con.v2', 'id', 'lt_con.k_view',      'id',    'direct',   'identity'),
	(2, 'lt_con.v2', 'uc', 'lt_con.k_view',      'uc',    'direct',   'identity'),
	(2, 'lt_con.v2', 'id', 'lt_con.k_view',      NULL,    'indirect', 'filter')$w$,
	'lineage_downstream(v1, a1): a dataset-level edge continues from the whole target');
SELECT set_eq($q$SELECT * FROM down('lt_con.v2')$q$, $w$VALUES
	(1, 'lt_con.v2', 'a1', 'lt_con.k_view', 'a1', 'direct',   'identity'),
	(1, 'lt_con.v2', 'id', 'lt_con.k_view', 'id', 'direct',   'identity'),
	(1, 'lt_con.v2', 'uc', 'lt_con.k_view', 'uc', 'direct',   'identity'),
	(1, 'lt_con.v2', 'id', 'lt_con.k_view', NULL, 'indirect', 'filter')$w$,
	'lineage_downstream(v2): table mode');

-- ===========================================================================
-- the whole file: the targets in lt_con are the ones written above
-- ===========================================================================
SELECT set_eq($q$SELECT DISTINCT target_relation FROM dpq.lineage_edges
				  WHERE (target_relation LIKE 'lt\_con.%' OR source_relation LIKE 'lt\_con.%')
					AND NOT target_dropped$q$,
			  $w$VALUES ('lt_con.k_cte'), ('lt_con.k_cte2'), ('lt_con.k_rec'), ('lt_con.k_sub'),
						('lt_con.k_scalar'), ('lt_con.k_exists'), ('lt_con.k_cmp'), ('lt_con.k_union'),
						('lt_con.k_union_all'), ('lt_con.k_intersect'), ('lt_con.k_except'),
						('lt_con.k_join'), ('lt_con.k_where_join'), ('lt_con.k_using'), ('lt_con.k_full'),
						('lt_con.k_agg'), ('lt_con.k_gsets'), ('lt_con.k_filter'), ('lt_con.k_win'),
						('lt_con.k_case'), ('lt_con.k_coal'), ('lt_con.k_row'), ('lt_con.k_row2'),
						('lt_con.k_fun'), ('lt_con.k_cast'), ('lt_con.k_order'), ('lt_con.k_distinct'),
						('lt_con.k_distinct_on'), ('lt_con.v1'), ('lt_con.v2'), ('lt_con.k_view'),
						('lt_con.k_view_agg'), ('lt_con.k_view_join'), ('lt_con.mv'), ('lt_con.k_mv'),
						('lt_con.k_cmp2'), ('lt_con.k_exists_col'), ('lt_con.k_lateral'), ('lt_con.k_unnest'),
						('lt_con.k_values'), ('lt_con.k_rowcmp'), ('lt_con.k_gexpr'), ('lt_con.k_win_named'),
						('lt_con.k_case_where'), ('lt_con.k_topn'), ('lt_con.vu'), ('lt_con.k_vu'),
						('lt_con.k_vexists'), ('lt_con.vrec'), ('lt_con.mvu'), ('lt_con.vmvu'), ('lt_con.k_vmvu'),
						('lt_con.k_cte_unused'), ('lt_con.k_agg2'), ('lt_con.k_dedupe'), ('lt_con.k_aggsort')$w$,
			  'every target of lt_con is one written by a captured statement');

-- ===========================================================================
-- The end: clean up
-- ===========================================================================
SELECT * FROM finish();
DROP SCHEMA lt_con CASCADE;
\if :own_dpq
DROP EXTENSION dpq CASCADE;
\endif
\if :own_pgtap
DROP EXTENSION pgtap;
\endif
