-- Lineage capture (doc/lineage.md): a walkthrough of every statement type,
-- each followed by the edges it recorded.  Lineage is written at COMMIT, so
-- every statement runs in a transaction of its own (autocommit) unless the
-- test opens one.  Edges are shown by a helper ordered by everything;
-- "(dataset)" in target_column is a dataset-level edge (the whole target).
-- The exact sets are also asserted in test/pgtap/lineage_*.sql.
CREATE SCHEMA lin;
SET search_path = lin, public;
CREATE FUNCTION lin.edges(rel text)
RETURNS TABLE (source text, source_column name, target_column text, kind text, subtype text)
LANGUAGE sql STABLE AS $$
	SELECT replace(e.source_relation, current_setting('data_directory'), '$PGDATA'),
		   e.source_column, coalesce(e.target_column::text, '(dataset)'), e.kind, e.subtype
	  FROM dpq.lineage_edges e
	 WHERE e.target_relation = rel AND NOT e.target_dropped
	 ORDER BY e.target_column NULLS LAST, 1, 2, 4, 5
$$;
CREATE FUNCTION lin.base(rel text)
RETURNS TABLE (source text, source_column name, target_column text, kind text, subtype text)
LANGUAGE sql STABLE AS $$
	SELECT e.source_relation, e.source_column, coalesce(e.target_column::text, '(dataset)'), e.kind, e.subtype
	  FROM dpq.lineage_base_edges e
	 WHERE e.target_relation = rel AND NOT e.target_dropped
	 ORDER BY e.target_column NULLS LAST, 1, 2, 4, 5
$$;
-- runs per target: one number per distinct value of lineage_edges.runs
CREATE FUNCTION lin.runs(rel text) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
	SELECT array_agg(DISTINCT e.runs ORDER BY e.runs) FROM dpq.lineage_edges e
	 WHERE e.target_relation = rel AND NOT e.target_dropped
$$;

SHOW dpq.lineage;

-- ---------------------------------------------------------------------------
-- sources: loaded by INSERT ... VALUES, which reads nothing and records nothing
-- ---------------------------------------------------------------------------
CREATE TABLE customers (id int PRIMARY KEY, name text, country text);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int, amount numeric, status text);
INSERT INTO customers VALUES (1, 'Ada', 'UK'), (2, 'Grace', 'US'), (3, 'Linus', 'FI');
INSERT INTO orders VALUES (10, 1, 100, 'paid'), (11, 1, 50, 'open'), (12, 2, 70, 'paid'),
						  (13, 3, 20, 'paid');
SELECT count(*) AS edges FROM dpq.lineage_edges WHERE target_relation LIKE 'lin.%';

-- a plain SELECT records nothing either
SELECT count(*) AS runs_before FROM dpq.lineage_runs \gset
SELECT c.name, sum(o.amount) FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.name ORDER BY 1;
SELECT count(*) - :runs_before AS new_runs FROM dpq.lineage_runs;

-- ---------------------------------------------------------------------------
-- INSERT ... SELECT: a join, a filter, a group
-- ---------------------------------------------------------------------------
CREATE TABLE paid_totals (customer_id int PRIMARY KEY, total numeric, orders bigint);
INSERT INTO paid_totals
SELECT c.id, sum(o.amount), count(*)
  FROM customers c JOIN orders o ON o.customer_id = c.id
 WHERE o.status = 'paid'
 GROUP BY c.id;
SELECT * FROM lin.edges('lin.paid_totals');

-- ON CONFLICT DO UPDATE: EXCLUDED.total is the value the statement tried to
-- insert into total (sum(o.amount)); paid_totals.total is the target's own
INSERT INTO paid_totals AS t
SELECT o.customer_id, sum(o.amount), count(*) FROM orders o WHERE o.status = 'open' GROUP BY o.customer_id
	ON CONFLICT (customer_id) DO UPDATE SET total = t.total + EXCLUDED.total;
SELECT * FROM paid_totals ORDER BY customer_id;
SELECT * FROM lin.edges('lin.paid_totals');

-- ON CONFLICT DO NOTHING
CREATE TABLE first_orders (customer_id int PRIMARY KEY, order_id int);
INSERT INTO first_orders SELECT customer_id, id FROM orders ORDER BY id ON CONFLICT DO NOTHING;
SELECT * FROM lin.edges('lin.first_orders');

-- ---------------------------------------------------------------------------
-- UPDATE ... FROM, DELETE ... USING
-- ---------------------------------------------------------------------------
CREATE TABLE customer_stats (id int, country text, last_amount numeric);
INSERT INTO customer_stats VALUES (1, NULL, 0), (2, NULL, 0), (3, NULL, 0);
UPDATE customer_stats s SET country = c.country, last_amount = s.last_amount + o.amount
  FROM customers c JOIN orders o ON o.customer_id = c.id
 WHERE s.id = c.id AND o.status = 'open';
SELECT * FROM customer_stats ORDER BY id;
SELECT * FROM lin.edges('lin.customer_stats');

-- an UPDATE that reads only its own table is a change, not a flow: nothing
UPDATE customer_stats SET last_amount = last_amount + 1 WHERE id = 3;
SELECT lin.runs('lin.customer_stats') AS runs;

-- DELETE: dataset-level edges only, from every column of the condition
DELETE FROM customer_stats s USING customers c WHERE s.id = c.id AND c.country = 'FI';
SELECT * FROM lin.edges('lin.customer_stats');

-- ---------------------------------------------------------------------------
-- MERGE: the join condition, every action, the action conditions
-- ---------------------------------------------------------------------------
CREATE TABLE order_book (id int PRIMARY KEY, amount numeric, status text);
INSERT INTO order_book VALUES (10, 0, 'new'), (11, 0, 'new'), (99, 0, 'new');
MERGE INTO order_book b
USING orders o ON b.id = o.id
 WHEN MATCHED AND o.status = 'paid' THEN UPDATE SET amount = o.amount, status = upper(o.status)
 WHEN MATCHED THEN DELETE
 WHEN NOT MATCHED AND o.amount > 30 THEN INSERT (id, amount, status) VALUES (o.id, o.amount, o.status);
SELECT * FROM order_book ORDER BY id;
SELECT * FROM lin.edges('lin.order_book');

-- ---------------------------------------------------------------------------
-- CREATE TABLE AS, SELECT INTO, materialized views
-- ---------------------------------------------------------------------------
CREATE TABLE big_orders AS SELECT id, amount * 1.2 AS gross FROM orders WHERE amount >= 50;
SELECT * FROM lin.edges('lin.big_orders');

SELECT id, upper(name) AS name INTO shouting FROM customers ORDER BY name;
SELECT * FROM lin.edges('lin.shouting');

CREATE MATERIALIZED VIEW by_status AS
SELECT status, count(*) AS n, sum(amount) AS amount FROM orders GROUP BY status;
CREATE UNIQUE INDEX ON by_status (status);
REFRESH MATERIALIZED VIEW by_status;
REFRESH MATERIALIZED VIEW CONCURRENTLY by_status;
-- the same edges, three runs (create, refresh, refresh concurrently); what
-- CONCURRENTLY runs internally is not captured
SELECT * FROM lin.edges('lin.by_status');
SELECT lin.runs('lin.by_status') AS runs;
SELECT count(*) AS edges_from_by_status FROM dpq.lineage_edges WHERE source_relation = 'lin.by_status';

-- ---------------------------------------------------------------------------
-- views: hop edges name the view, base edges expand it
-- ---------------------------------------------------------------------------
CREATE VIEW paid_orders AS SELECT id, customer_id, amount FROM orders WHERE status = 'paid';
SELECT * FROM lin.edges('lin.paid_orders');
CREATE VIEW paid_by_country AS
SELECT c.country, sum(p.amount) AS amount FROM paid_orders p JOIN customers c ON c.id = p.customer_id GROUP BY c.country;
SELECT * FROM lin.edges('lin.paid_by_country');
SELECT * FROM lin.base('lin.paid_by_country');
CREATE TABLE country_report AS SELECT country, amount FROM paid_by_country ORDER BY amount DESC;
SELECT * FROM lin.edges('lin.country_report');
SELECT * FROM lin.base('lin.country_report');

-- CREATE OR REPLACE VIEW records the new definition (a job of its own)
CREATE OR REPLACE VIEW paid_orders AS
SELECT id, customer_id, amount, amount * 0.2 AS tax FROM orders WHERE status = 'paid';
SELECT * FROM lin.edges('lin.paid_orders') WHERE target_column = 'tax';

-- ---------------------------------------------------------------------------
-- COPY ... FROM: the file, the command or stdin is a dataset of its own
-- ---------------------------------------------------------------------------
SELECT current_setting('data_directory') || '/lin_orders.csv' AS copyfile,
	   'cat ' || current_setting('data_directory') || '/lin_orders.csv' AS copyprog,
	   'rm -f ' || current_setting('data_directory') || '/lin_orders.csv' AS rmprog \gset
COPY (SELECT id, customer_id, amount, status FROM orders ORDER BY id) TO :'copyfile' (FORMAT csv);
CREATE TABLE orders_copy (LIKE orders);
COPY orders_copy FROM :'copyfile' (FORMAT csv) WHERE amount > 60;
SELECT * FROM lin.edges('lin.orders_copy');
CREATE TABLE orders_prog (LIKE orders);
COPY orders_prog (id, customer_id, amount, status) FROM PROGRAM :'copyprog' (FORMAT csv);
SELECT * FROM lin.edges('lin.orders_prog');
CREATE TABLE orders_stdin (id int, note text);
COPY orders_stdin FROM STDIN;
1	first
2	second
\.
SELECT * FROM lin.edges('lin.orders_stdin');
SELECT DISTINCT target_relation, source_type FROM dpq.lineage_edges
 WHERE target_relation IN ('lin.orders_copy', 'lin.orders_prog', 'lin.orders_stdin') ORDER BY 1;
COPY (SELECT 1 WHERE false) TO PROGRAM :'rmprog';

-- ---------------------------------------------------------------------------
-- a data-modifying CTE: each table written; the outer statement's source is
-- the RETURNING column of the table the CTE wrote
-- ---------------------------------------------------------------------------
CREATE TABLE archive (id int, amount numeric);
CREATE TABLE archive_log (id int, cents numeric);
WITH moved AS (
	INSERT INTO archive SELECT id, amount FROM orders WHERE status = 'open' RETURNING id, amount)
INSERT INTO archive_log SELECT id, amount * 100 FROM moved;
SELECT * FROM lin.edges('lin.archive');
SELECT * FROM lin.edges('lin.archive_log');

-- ---------------------------------------------------------------------------
-- what records nothing: EXPLAIN without ANALYZE, a rollback, a savepoint
-- rolled back; EXPLAIN ANALYZE runs the statement, so it records it
-- ---------------------------------------------------------------------------
CREATE TABLE scratch (id int);
SELECT count(*) AS runs_before FROM dpq.lineage_runs \gset
EXPLAIN (COSTS OFF) INSERT INTO scratch SELECT id FROM orders;
BEGIN;
INSERT INTO scratch SELECT id FROM orders;
ROLLBACK;
BEGIN;
SAVEPOINT a;
INSERT INTO scratch SELECT customer_id FROM orders;
ROLLBACK TO SAVEPOINT a;
COMMIT;
SELECT count(*) - :runs_before AS new_runs FROM dpq.lineage_runs;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) INSERT INTO scratch SELECT id FROM orders;
SELECT count(*) - :runs_before AS new_runs FROM dpq.lineage_runs;
SELECT * FROM lin.edges('lin.scratch');

-- ---------------------------------------------------------------------------
-- runs: a job is written once, each execution adds a run (cached plans too)
-- ---------------------------------------------------------------------------
CREATE TABLE snapshots (id int, amount numeric);
PREPARE snap AS INSERT INTO snapshots SELECT id, amount FROM orders;
EXECUTE snap;
EXECUTE snap;
EXECUTE snap;
DEALLOCATE snap;
CREATE FUNCTION take_snapshot() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO lin.snapshots SELECT id, amount FROM lin.orders;
END $$;
SELECT take_snapshot() FROM generate_series(1, 2);
SELECT source_column, target_column, runs FROM dpq.lineage_edges
 WHERE target_relation = 'lin.snapshots' ORDER BY 1;
SELECT count(*) AS jobs FROM dpq.lineage_jobs j
 WHERE EXISTS (SELECT FROM dpq.lineage_graph g WHERE g.job_id = j.job_id AND g.target_relation = 'lin.snapshots');

-- dpq.lineage = off (superuser only) records nothing
SET dpq.lineage = off;
SELECT take_snapshot();
INSERT INTO snapshots SELECT id, amount FROM orders;
RESET dpq.lineage;
SELECT DISTINCT runs FROM dpq.lineage_edges WHERE target_relation = 'lin.snapshots';

-- ---------------------------------------------------------------------------
-- renames and drops: lineage is keyed by OID and attnum
-- ---------------------------------------------------------------------------
ALTER TABLE big_orders RENAME TO large_orders;
ALTER TABLE large_orders RENAME COLUMN gross TO gross_amount;
SELECT * FROM lin.edges('lin.large_orders');
-- the dbt swap: build x__dbt_tmp, rename x away, rename the new one in, drop
BEGIN;
CREATE TABLE large_orders__dbt_tmp AS SELECT id, amount AS gross_amount FROM orders WHERE amount >= 70;
ALTER TABLE large_orders RENAME TO large_orders__dbt_backup;
ALTER TABLE large_orders__dbt_tmp RENAME TO large_orders;
COMMIT;
DROP TABLE large_orders__dbt_backup;
SELECT * FROM lin.edges('lin.large_orders');
SELECT target_relation, coalesce(target_column::text, '(dataset)') AS target_column, source_column, target_dropped
  FROM dpq.lineage_edges
 WHERE target_relation LIKE 'lin.large\_orders%' ORDER BY 1, lineage_edges.target_column NULLS LAST, 3;

-- ---------------------------------------------------------------------------
-- walking the graph (hop edges: the views are on the way)
-- ---------------------------------------------------------------------------
\pset null '(dataset)'
SELECT * FROM dpq.lineage_upstream('lin.country_report', 'amount');
SELECT * FROM dpq.lineage_upstream('lin.country_report', 'amount', depth => 1);
SELECT * FROM dpq.lineage_downstream('lin.customers', 'country');
\set VERBOSITY terse
SELECT * FROM dpq.lineage_upstream(NULL);
SELECT * FROM dpq.lineage_upstream('lin.orders', 'nope');
SELECT * FROM dpq.lineage_downstream('lin.orders', depth => 0);

\set VERBOSITY default
\pset null ''
SET client_min_messages = warning;
DROP SCHEMA lin CASCADE;
RESET client_min_messages;
