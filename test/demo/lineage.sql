-- test/demo/lineage.sql: column-level lineage of what the warehouse ran (doc/lineage.md)
--
-- Capture has been on since CREATE EXTENSION: the warehouse load and the
-- snapshots already left lineage.  Here a small dbt-style layer is built on
-- top of shop (a staging view, a mart built with CREATE TABLE AS, an
-- incremental INSERT ... ON CONFLICT, a MERGE) and the recorded graph is
-- read back.  Every statement is its own transaction: lineage is written
-- when a transaction commits.
\pset footer off
SELECT now() AS lineage_demo_start \gset

\echo
\echo '=== 10. Lineage was recorded all along: what the warehouse load and the snapshots wrote ==='
SELECT target_relation, sources, edges, runs
  FROM (SELECT target_relation,
			   string_agg(DISTINCT source_relation, ', ') AS sources,
			   count(*) AS edges, max(runs) AS runs
		  FROM dpq.lineage_edges
		 GROUP BY target_relation) t
 ORDER BY target_relation;

\echo
\echo '=== 11. A staging view and a mart (CREATE TABLE AS), an incremental model, a MERGE ==='
\echo '--- stg_orders: the orders without the planted defects, statuses lower-cased'
CREATE VIEW shop.stg_orders AS
SELECT order_id, customer_id, order_date, lower(status) AS status, amount
  FROM shop.orders
 WHERE amount BETWEEN 0 AND 10000;

\echo '--- customer_revenue: a mart built with CREATE TABLE AS'
CREATE TABLE shop.customer_revenue AS
SELECT c.customer_id, c.country,
	   count(*) AS orders,
	   sum(o.amount) AS revenue,
	   max(o.order_date) AS last_order
  FROM shop.customers c
  JOIN shop.stg_orders o ON o.customer_id = c.customer_id
 WHERE o.status <> 'cancelled'
 GROUP BY c.customer_id, c.country;

\echo '--- daily_revenue: the nightly job that failed, run as an incremental model (twice: two runs)'
INSERT INTO shop.daily_revenue (day, orders, revenue)
SELECT order_date, count(*), sum(amount)
  FROM shop.stg_orders
 WHERE order_date > current_date - 90
 GROUP BY order_date
ON CONFLICT (day) DO UPDATE
   SET orders = EXCLUDED.orders, revenue = EXCLUDED.revenue, computed_at = now();
INSERT INTO shop.daily_revenue (day, orders, revenue)
SELECT order_date, count(*), sum(amount)
  FROM shop.stg_orders
 WHERE order_date > current_date - 90
 GROUP BY order_date
ON CONFLICT (day) DO UPDATE
   SET orders = EXCLUDED.orders, revenue = EXCLUDED.revenue, computed_at = now();

\echo '--- product_sales: kept up to date with MERGE'
CREATE TABLE shop.product_sales (
	product_id	integer PRIMARY KEY,
	units		bigint NOT NULL,
	revenue		numeric(14,2) NOT NULL
);
MERGE INTO shop.product_sales t
USING (SELECT i.product_id, sum(i.quantity) AS units, sum(i.quantity * i.unit_price) AS revenue
		 FROM shop.order_items i
		 JOIN shop.stg_orders o ON o.order_id = i.order_id
		WHERE o.status IN ('paid', 'shipped', 'delivered')
		GROUP BY i.product_id) s
   ON t.product_id = s.product_id
 WHEN MATCHED THEN UPDATE SET units = s.units, revenue = s.revenue
 WHEN NOT MATCHED THEN INSERT (product_id, units, revenue) VALUES (s.product_id, s.units, s.revenue);

\echo
\echo '=== 12. The edges: SELECT * FROM dpq.lineage_edges (a view is a source, as the statement named it) ==='
\echo '--- customer_revenue; an empty target_column is a dataset-level edge (it decides which rows the mart has)'
SELECT source_relation, source_column, target_column, kind, subtype, runs
  FROM dpq.lineage_edges
 WHERE target_relation = 'shop.customer_revenue'
 ORDER BY target_column NULLS FIRST, source_relation, source_column, subtype;
\echo '--- the same with the view expanded to shop.orders: dpq.lineage_base_edges'
SELECT source_relation, source_column, target_column, kind, subtype
  FROM dpq.lineage_base_edges
 WHERE target_relation = 'shop.customer_revenue'
 ORDER BY target_column NULLS FIRST, source_relation, source_column, subtype;
\echo '--- product_sales (MERGE): the ON condition gives join edges (also from the target''s own key), UPDATE SET and INSERT VALUES the direct ones'
SELECT source_relation, source_column, target_column, kind, subtype, runs
  FROM dpq.lineage_edges
 WHERE target_relation = 'shop.product_sales'
 ORDER BY target_column NULLS FIRST, source_relation, source_column, subtype;

\echo
\echo '=== 13. Walk the graph: upstream of a column, downstream of a column ==='
\echo '--- where does customer_revenue.revenue come from?  dpq.lineage_upstream(''shop.customer_revenue'', ''revenue'')'
SELECT * FROM dpq.lineage_upstream('shop.customer_revenue', 'revenue');
\echo '--- what does shop.orders.amount feed?  dpq.lineage_downstream(''shop.orders'', ''amount'')'
SELECT * FROM dpq.lineage_downstream('shop.orders', 'amount');
\echo '--- the jobs and their runs (dpq_admin / dpq_auditor): one job per statement shape, one run per execution'
SELECT j.job_id, j.statement, r.runs,
	   regexp_replace(left(j.query, 60), '\s+', ' ', 'g') AS query
  FROM dpq.lineage_jobs j
  JOIN dpq.lineage_job_runs r USING (job_id)
 WHERE r.last_seen >= :'lineage_demo_start'
 ORDER BY j.job_id;
\echo '--- who sees what: analyst may read the shop tables of 6., not the new ones: it sees fewer edges'
SELECT count(*) AS edges_seen_by_owner FROM dpq.lineage_edges;
SET ROLE analyst;
SELECT count(*) AS edges_seen_by_analyst FROM dpq.lineage_edges;
RESET ROLE;

\echo
\echo '=== 14. Export: OpenLineage RunEvents and a Graphviz graph ==='
\echo '--- one RunEvent per run: dpq.lineage_openlineage(since)'
SELECT count(*) AS events_since_section_10 FROM dpq.lineage_openlineage(:'lineage_demo_start');
\echo '--- the event of the CREATE TABLE AS of customer_revenue (its first 60 lines)'
\pset format unaligned
\pset tuples_only on
SELECT string_agg(line, E'\n' ORDER BY n) || E'\n    ...'
  FROM (SELECT e FROM dpq.lineage_openlineage(:'lineage_demo_start') e
		 WHERE e->'outputs'->0->>'name' LIKE '%.shop.customer_revenue'
		 LIMIT 1) ev,
	   regexp_split_to_table(jsonb_pretty(ev.e), E'\n') WITH ORDINALITY AS l(line, n)
 WHERE n <= 60;
\echo '--- its columnLineage facet, for the column revenue'
SELECT jsonb_pretty(e->'outputs'->0->'facets'->'columnLineage'->'fields'->'revenue')
  FROM dpq.lineage_openlineage(:'lineage_demo_start') e
 WHERE e->'outputs'->0->>'name' LIKE '%.shop.customer_revenue'
 LIMIT 1;
\echo '--- dpq.lineage_dot(''shop.customer_revenue''): render with  psql -Atc "SELECT dpq.lineage_dot(''shop.customer_revenue'')" | dot -Tsvg > lineage.svg'
SELECT dpq.lineage_dot('shop.customer_revenue');
\pset format aligned
\pset tuples_only off
