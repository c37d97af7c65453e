-- lineage_dbt.sql: lineage of a small dbt-style project (the jaffle shop),
-- run the way dbt runs it on PostgreSQL:
--   raw tables      raw_customers, raw_orders, raw_payments (loaded by
--                   INSERT ... VALUES: no lineage)
--   staging views   stg_customers, stg_orders, stg_payments (renames and
--                   casts)
--   marts (table)   orders (CASE pivot of payment methods), customers
--                   (aggregates of orders and payments joined), built as
--                   dbt does: CREATE TABLE x__dbt_tmp AS ...; rename; and on
--                   a second run swap with x__dbt_backup and drop it
--   incremental     fct_payments: INSERT ... SELECT ... WHERE NOT EXISTS
--                   ... ON CONFLICT DO UPDATE, run twice
-- Asserted: every model's hop edges (lineage_edges) and base edges
-- (lineage_base_edges, views expanded to raw tables), all derived by hand
-- from doc/lineage.md; the upstream of a mart column down to raw columns;
-- the downstream of a raw column; what the dbt swap leaves behind.
--
-- Lineage is written at COMMIT: no wrapping transaction here.  Everything
-- lives in schema lt_dbt, dropped at the start and at the end.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pgtap') AS own_pgtap,
       NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'dpq') AS own_dpq \gset
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dpq;
DROP SCHEMA IF EXISTS lt_dbt CASCADE;
CREATE SCHEMA lt_dbt;
SET search_path = lt_dbt, public;
SET statement_timeout = '60s';

SELECT plan(21);

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
CREATE FUNCTION runs(rel text) RETURNS bigint[]
LANGUAGE sql STABLE AS $f$
	SELECT array_agg(DISTINCT e.runs ORDER BY e.runs)
	  FROM dpq.lineage_edges e
	 WHERE e.target_relation = rel AND NOT e.target_dropped
$f$;

-- ===========================================================================
-- raw data (a loader's INSERT ... VALUES: no lineage)
-- ===========================================================================
CREATE TABLE raw_customers (id int PRIMARY KEY, first_name text, last_name text, email text);
CREATE TABLE raw_orders (id int PRIMARY KEY, user_id int, order_date text, status text);
CREATE TABLE raw_payments (id int PRIMARY KEY, order_id int, payment_method text, amount int);
INSERT INTO raw_customers VALUES (1, 'Michael', 'P.', 'michael@example.com'),
								 (2, 'Shawn', 'M.', 'shawn@example.com'),
								 (3, 'Kathleen', 'P.', 'kathleen@example.com');
INSERT INTO raw_orders VALUES (1, 1, '2018-01-01', 'returned'), (2, 3, '2018-01-02', 'completed'),
							  (3, 1, '2018-01-04', 'completed'), (4, 2, '2018-01-05', 'placed');
INSERT INTO raw_payments VALUES (1, 1, 'credit_card', 1000), (2, 2, 'credit_card', 2000),
								(3, 3, 'coupon', 100), (4, 3, 'credit_card', 200),
								(5, 4, 'bank_transfer', 2500);

-- ===========================================================================
-- staging views
-- ===========================================================================
CREATE VIEW stg_customers AS
SELECT id AS customer_id, first_name, last_name FROM raw_customers;
CREATE VIEW stg_orders AS
SELECT id AS order_id, user_id AS customer_id, order_date::date AS order_date, status FROM raw_orders;
CREATE VIEW stg_payments AS
SELECT id AS payment_id, order_id, payment_method, amount::numeric / 100 AS amount FROM raw_payments;

SELECT set_eq($q$SELECT * FROM edges('lt_dbt.stg_customers')
				 UNION ALL SELECT * FROM edges('lt_dbt.stg_orders')
				 UNION ALL SELECT * FROM edges('lt_dbt.stg_payments')$q$, $w$VALUES
	('lt_dbt.raw_customers', 'id',             'customer_id',    'direct', 'identity'),
	('lt_dbt.raw_customers', 'first_name',     'first_name',     'direct', 'identity'),
	('lt_dbt.raw_customers', 'last_name',      'last_name',      'direct', 'identity'),
	('lt_dbt.raw_orders',    'id',             'order_id',       'direct', 'identity'),
	('lt_dbt.raw_orders',    'user_id',        'customer_id',    'direct', 'identity'),
	('lt_dbt.raw_orders',    'order_date',     'order_date',     'direct', 'transformation'),
	('lt_dbt.raw_orders',    'status',         'status',         'direct', 'identity'),
	('lt_dbt.raw_payments',  'id',             'payment_id',     'direct', 'identity'),
	('lt_dbt.raw_payments',  'order_id',       'order_id',       'direct', 'identity'),
	('lt_dbt.raw_payments',  'payment_method', 'payment_method', 'direct', 'identity'),
	('lt_dbt.raw_payments',  'amount',         'amount',         'direct', 'transformation')$w$,
	'staging views: renames are identity, casts and arithmetic transformation');
SELECT set_eq($q$SELECT * FROM base_edges('lt_dbt.stg_customers')
				 UNION ALL SELECT * FROM base_edges('lt_dbt.stg_orders')
				 UNION ALL SELECT * FROM base_edges('lt_dbt.stg_payments')$q$,
			  $q$SELECT * FROM edges('lt_dbt.stg_customers')
				 UNION ALL SELECT * FROM edges('lt_dbt.stg_orders')
				 UNION ALL SELECT * FROM edges('lt_dbt.stg_payments')$q$,
			  'staging views read tables only: base edges = hop edges');

-- ===========================================================================
-- marts, first run (dbt: create x__dbt_tmp, rename it to x)
-- ===========================================================================
CREATE TABLE orders__dbt_tmp AS
WITH order_payments AS (
	SELECT order_id,
		   sum(CASE WHEN payment_method = 'credit_card' THEN amount ELSE 0 END) AS credit_card_amount,
		   sum(CASE WHEN payment_method = 'coupon' THEN amount ELSE 0 END) AS coupon_amount,
		   sum(CASE WHEN payment_method = 'bank_transfer' THEN amount ELSE 0 END) AS bank_transfer_amount,
		   sum(amount) AS total_amount
	  FROM stg_payments
	 GROUP BY order_id)
SELECT o.order_id, o.customer_id, o.order_date, o.status,
	   p.credit_card_amount, p.coupon_amount, p.bank_transfer_amount, p.total_amount AS amount
  FROM stg_orders o
  LEFT JOIN order_payments p ON o.order_id = p.order_id;
ALTER TABLE orders__dbt_tmp RENAME TO orders;

CREATE TABLE customers__dbt_tmp AS
WITH customer_orders AS (
	SELECT customer_id, min(order_date) AS first_order, max(order_date) AS most_recent_order,
		   count(order_id) AS number_of_orders
	  FROM stg_orders
	 GROUP BY customer_id),
customer_payments AS (
	SELECT o.customer_id, sum(p.amount) AS total_amount
	  FROM stg_payments p
	  JOIN stg_orders o ON p.order_id = o.order_id
	 GROUP BY o.customer_id)
SELECT c.customer_id, c.first_name, c.last_name, co.first_order, co.most_recent_order,
	   coalesce(co.number_of_orders, 0) AS number_of_orders,
	   cp.total_amount AS customer_lifetime_value
  FROM stg_customers c
  LEFT JOIN customer_orders co ON c.customer_id = co.customer_id
  LEFT JOIN customer_payments cp ON c.customer_id = cp.customer_id;
ALTER TABLE customers__dbt_tmp RENAME TO customers;

-- the incremental model, first run
CREATE TABLE fct_payments (payment_id int PRIMARY KEY, order_id int, customer_id int, amount numeric, paid_on date);
INSERT INTO fct_payments AS f (payment_id, order_id, customer_id, amount, paid_on)
SELECT p.payment_id, p.order_id, o.customer_id, p.amount, o.order_date
  FROM stg_payments p
  JOIN stg_orders o ON o.order_id = p.order_id
 WHERE NOT EXISTS (SELECT 1 FROM fct_payments f2 WHERE f2.payment_id = p.payment_id)
	ON CONFLICT (payment_id) DO UPDATE SET amount = EXCLUDED.amount;

-- ===========================================================================
-- new raw data, second run: the marts are rebuilt and swapped in, the
-- incremental model appends
-- ===========================================================================
INSERT INTO raw_orders VALUES (5, 3, '2018-01-07', 'shipped');
INSERT INTO raw_payments VALUES (6, 5, 'gift_card', 500);

BEGIN;
CREATE TABLE customers__dbt_tmp AS
WITH customer_orders AS (
	SELECT customer_id, min(order_date) AS first_order, max(order_date) AS most_recent_order,
		   count(order_id) AS number_of_orders
	  FROM stg_orders
	 GROUP BY customer_id),
customer_payments AS (
	SELECT o.customer_id, sum(p.amount) AS total_amount
	  FROM stg_payments p
	  JOIN stg_orders o ON p.order_id = o.order_id
	 GROUP BY o.customer_id)
SELECT c.customer_id, c.first_name, c.last_name, co.first_order, co.most_recent_order,
	   coalesce(co.number_of_orders, 0) AS number_of_orders,
	   cp.total_amount AS customer_lifetime_value
  FROM stg_customers c
  LEFT JOIN customer_orders co ON c.customer_id = co.customer_id
  LEFT JOIN customer_payments cp ON c.customer_id = cp.customer_id;
ALTER TABLE customers RENAME TO customers__dbt_backup;
ALTER TABLE customers__dbt_tmp RENAME TO customers;
COMMIT;
DROP TABLE customers__dbt_backup CASCADE;

INSERT INTO fct_payments AS f (payment_id, order_id, customer_id, amount, paid_on)
SELECT p.payment_id, p.order_id, o.customer_id, p.amount, o.order_date
  FROM stg_payments p
  JOIN stg_orders o ON o.order_id = p.order_id
 WHERE NOT EXISTS (SELECT 1 FROM fct_payments f2 WHERE f2.payment_id = p.payment_id)
	ON CONFLICT (payment_id) DO UPDATE SET amount = EXCLUDED.amount;

SELECT results_eq($q$SELECT customer_id, number_of_orders, customer_lifetime_value FROM customers ORDER BY 1$q$,
				  $w$VALUES (1, 2::bigint, 13::numeric), (2, 1, 25), (3, 2, 25)$w$,
				  'the customers mart, second run');
SELECT is((SELECT count(*) FROM fct_payments), 6::bigint, 'the incremental model appended the new payment');

-- ===========================================================================
-- the marts' edges
-- ===========================================================================
-- a CASE inside sum(): aggregation of amount, conditional on payment_method
SELECT set_eq($q$SELECT * FROM edges('lt_dbt.orders')$q$, $w$VALUES
	('lt_dbt.stg_orders',   'order_id',       'order_id',             'direct',   'identity'),
	('lt_dbt.stg_orders',   'customer_id',    'customer_id',          'direct',   'identity'),
	('lt_dbt.stg_orders',   'order_date',     'order_date',           'direct',   'identity'),
	('lt_dbt.stg_orders',   'status',         'status',               'direct',   'identity'),
	('lt_dbt.stg_payments', 'amount',         'credit_card_amount',   'direct',   'aggregation'),
	('lt_dbt.stg_payments', 'payment_method', 'credit_card_amount',   'indirect', 'conditional'),
	('lt_dbt.stg_payments', 'amount',         'coupon_amount',        'direct',   'aggregation'),
	('lt_dbt.stg_payments', 'payment_method', 'coupon_amount',        'indirect', 'conditional'),
	('lt_dbt.stg_payments', 'amount',         'bank_transfer_amount', 'direct',   'aggregation'),
	('lt_dbt.stg_payments', 'payment_method', 'bank_transfer_amount', 'indirect', 'conditional'),
	('lt_dbt.stg_payments', 'amount',         'amount',               'direct',   'aggregation'),
	('lt_dbt.stg_payments', 'order_id',       NULL,                   'indirect', 'group_by'),
	('lt_dbt.stg_orders',   'order_id',       NULL,                   'indirect', 'join'),
	('lt_dbt.stg_payments', 'order_id',       NULL,                   'indirect', 'join')$w$,
	'orders mart: hop edges name the staging views');
SELECT set_eq($q$SELECT * FROM base_edges('lt_dbt.orders')$q$, $w$VALUES
	('lt_dbt.raw_orders',   'id',             'order_id',             'direct',   'identity'),
	('lt_dbt.raw_orders',   'user_id',        'customer_id',          'direct',   'identity'),
	('lt_dbt.raw_orders',   'order_date',     'order_date',           'direct',   'transformation'),
	('lt_dbt.raw_orders',   'status',         'status',               'direct',   'identity'),
	('lt_dbt.raw_payments', 'amount',         'credit_card_amount',   'direct',   'aggregation'),
	('lt_dbt.raw_payments', 'payment_method', 'credit_card_amount',   'indirect', 'conditional'),
	('lt_dbt.raw_payments', 'amount',         'coupon_amount',        'direct',   'aggregation'),
	('lt_dbt.raw_payments', 'payment_method', 'coupon_amount',        'indirect', 'conditional'),
	('lt_dbt.raw_payments', 'amount',         'bank_transfer_amount', 'direct',   'aggregation'),
	('lt_dbt.raw_payments', 'payment_method', 'bank_transfer_amount', 'indirect', 'conditional'),
	('lt_dbt.raw_payments', 'amount',         'amount',               'direct',   'aggregation'),
	('lt_dbt.raw_payments', 'order_id',       NULL,                   'indirect', 'group_by'),
	('lt_dbt.raw_orders',   'id',             NULL,                   'indirect', 'join'),
	('lt_dbt.raw_payments', 'order_id',       NULL,                   'indirect', 'join')$w$,
	'orders mart: base edges reach the raw tables');
SELECT is(runs('lt_dbt.orders'), '{1}'::bigint[], 'orders mart: one run');

SELECT set_eq($q$SELECT * FROM edges('lt_dbt.customers')$q$, $w$VALUES
	('lt_dbt.stg_customers', 'customer_id', 'customer_id',             'direct',   'identity'),
	('lt_dbt.stg_customers', 'first_name',  'first_name',              'direct',   'identity'),
	('lt_dbt.stg_customers', 'last_name',   'last_name',               'direct',   'identity'),
	('lt_dbt.stg_orders',    'order_date',  'first_order',             'direct',   'aggregation'),
	('lt_dbt.stg_orders',    'order_date',  'most_recent_order',       'direct',   'aggregation'),
	('lt_dbt.stg_orders',    'order_id',    'number_of_orders',        'direct',   'aggregation'),
	('lt_dbt.stg_payments',  'amount',      'customer_lifetime_value', 'direct',   'aggregation'),
	('lt_dbt.stg_orders',    'customer_id', NULL,                      'indirect', 'group_by'),
	('lt_dbt.stg_payments',  'order_id',    NULL,                      'indirect', 'join'),
	('lt_dbt.stg_orders',    'order_id',    NULL,                      'indirect', 'join'),
	('lt_dbt.stg_customers', 'customer_id', NULL,                      'indirect', 'join'),
	('lt_dbt.stg_orders',    'customer_id', NULL,                      'indirect', 'join')$w$,
	'customers mart (after the swap): hop edges');
SELECT set_eq($q$SELECT * FROM base_edges('lt_dbt.customers')$q$, $w$VALUES
	('lt_dbt.raw_customers', 'id',         'customer_id',             'direct',   'identity'),
	('lt_dbt.raw_customers', 'first_name', 'first_name',              'direct',   'identity'),
	('lt_dbt.raw_customers', 'last_name',  'last_name',               'direct',   'identity'),
	('lt_dbt.raw_orders',    'order_date', 'first_order',             'direct',   'aggregation'),
	('lt_dbt.raw_orders',    'order_date', 'most_recent_order',       'direct',   'aggregation'),
	('lt_dbt.raw_orders',    'id',         'number_of_orders',        'direct',   'aggregation'),
	('lt_dbt.raw_payments',  'amount',     'customer_lifetime_value', 'direct',   'aggregation'),
	('lt_dbt.raw_orders',    'user_id',    NULL,                      'indirect', 'group_by'),
	('lt_dbt.raw_payments',  'order_id',   NULL,                      'indirect', 'join'),
	('lt_dbt.raw_orders',    'id',         NULL,                      'indirect', 'join'),
	('lt_dbt.raw_customers', 'id',         NULL,                      'indirect', 'join'),
	('lt_dbt.raw_orders',    'user_id',    NULL,                      'indirect', 'join')$w$,
	'customers mart: base edges');
SELECT is(runs('lt_dbt.customers'), '{1}'::bigint[], 'customers mart after the swap: the new table''s one run');
SELECT set_eq($q$SELECT source_relation, source_column::text, target_column::text, kind, subtype
				   FROM dpq.lineage_edges WHERE target_relation = 'lt_dbt.customers__dbt_backup' AND target_dropped$q$,
			  $q$SELECT * FROM edges('lt_dbt.customers')$q$,
			  'the first run''s customers: the same edges, under customers__dbt_backup, dropped');
SELECT is_empty($q$SELECT * FROM dpq.lineage_edges
					WHERE target_relation IN ('lt_dbt.customers__dbt_tmp', 'lt_dbt.orders__dbt_tmp')$q$,
				'nothing is left under the __dbt_tmp names');

-- the NOT EXISTS reads the model itself: a filter from its own column
SELECT set_eq($q$SELECT * FROM edges('lt_dbt.fct_payments')$q$, $w$VALUES
	('lt_dbt.stg_payments', 'payment_id',  'payment_id',  'direct',   'identity'),
	('lt_dbt.stg_payments', 'order_id',    'order_id',    'direct',   'identity'),
	('lt_dbt.stg_orders',   'customer_id', 'customer_id', 'direct',   'identity'),
	('lt_dbt.stg_payments', 'amount',      'amount',      'direct',   'identity'),
	('lt_dbt.stg_orders',   'order_date',  'paid_on',     'direct',   'identity'),
	('lt_dbt.stg_orders',   'order_id',    NULL,          'indirect', 'join'),
	('lt_dbt.stg_payments', 'order_id',    NULL,          'indirect', 'join'),
	('lt_dbt.fct_payments', 'payment_id',  NULL,          'indirect', 'filter'),
	('lt_dbt.stg_payments', 'payment_id',  NULL,          'indirect', 'filter')$w$,
	'incremental model: hop edges');
SELECT set_eq($q$SELECT * FROM base_edges('lt_dbt.fct_payments')$q$, $w$VALUES
	('lt_dbt.raw_payments', 'id',         'payment_id',  'direct',   'identity'),
	('lt_dbt.raw_payments', 'order_id',   'order_id',    'direct',   'identity'),
	('lt_dbt.raw_orders',   'user_id',    'customer_id', 'direct',   'identity'),
	('lt_dbt.raw_payments', 'amount',     'amount',      'direct',   'transformation'),
	('lt_dbt.raw_orders',   'order_date', 'paid_on',     'direct',   'transformation'),
	('lt_dbt.raw_orders',   'id',         NULL,          'indirect', 'join'),
	('lt_dbt.raw_payments', 'order_id',   NULL,          'indirect', 'join'),
	('lt_dbt.fct_payments', 'payment_id', NULL,          'indirect', 'filter'),
	('lt_dbt.raw_payments', 'id',         NULL,          'indirect', 'filter')$w$,
	'incremental model: base edges');
SELECT is(runs('lt_dbt.fct_payments'), '{2}'::bigint[], 'incremental model run twice: two runs');

-- ===========================================================================
-- the project as a whole
-- ===========================================================================
SELECT set_eq($q$SELECT DISTINCT target_relation FROM dpq.lineage_edges
				  WHERE (target_relation LIKE 'lt\_dbt.%' OR source_relation LIKE 'lt\_dbt.%')
					AND NOT target_dropped$q$,
			  $w$VALUES ('lt_dbt.stg_customers'), ('lt_dbt.stg_orders'), ('lt_dbt.stg_payments'),
						('lt_dbt.orders'), ('lt_dbt.customers'), ('lt_dbt.fct_payments')$w$,
			  'the models are the live targets');
SELECT is((SELECT count(*) FROM dpq.lineage_edges
			WHERE target_relation LIKE 'lt\_dbt.%' AND NOT target_dropped), 11 + 14 + 12 + 9::bigint,
		  'the project''s hop edges: 11 staging + 14 orders + 12 customers + 9 fct_payments');
SELECT is((SELECT count(*) FROM dpq.lineage_base_edges
			WHERE target_relation LIKE 'lt\_dbt.%' AND NOT target_dropped), 11 + 14 + 12 + 9::bigint,
		  'the project''s base edges: as many');

-- upstream of a mart column, through the staging views, down to raw columns
SELECT set_eq($q$SELECT w.depth, w.source_relation, w.source_column::text, w.target_relation,
						w.target_column::text, w.kind, w.subtype
				   FROM dpq.lineage_upstream('lt_dbt.customers', 'customer_lifetime_value') w$q$, $w$VALUES
	(1, 'lt_dbt.stg_payments',  'amount',      'lt_dbt.customers',     'customer_lifetime_value', 'direct',   'aggregation'),
	(1, 'lt_dbt.stg_orders',    'customer_id', 'lt_dbt.customers',     NULL,                      'indirect', 'group_by'),
	(1, 'lt_dbt.stg_payments',  'order_id',    'lt_dbt.customers',     NULL,                      'indirect', 'join'),
	(1, 'lt_dbt.stg_orders',    'order_id',    'lt_dbt.customers',     NULL,                      'indirect', 'join'),
	(1, 'lt_dbt.stg_customers', 'customer_id', 'lt_dbt.customers',     NULL,                      'indirect', 'join'),
	(1, 'lt_dbt.stg_orders',    'customer_id', 'lt_dbt.customers',     NULL,                      'indirect', 'join'),
	(2, 'lt_dbt.raw_payments',  'amount',      'lt_dbt.stg_payments',  'amount',                  'direct',   'transformation'),
	(2, 'lt_dbt.raw_payments',  'order_id',    'lt_dbt.stg_payments',  'order_id',                'direct',   'identity'),
	(2, 'lt_dbt.raw_orders',    'user_id',     'lt_dbt.stg_orders',    'customer_id',             'direct',   'identity'),
	(2, 'lt_dbt.raw_orders',    'id',          'lt_dbt.stg_orders',    'order_id',                'direct',   'identity'),
	(2, 'lt_dbt.raw_customers', 'id',          'lt_dbt.stg_customers', 'customer_id',             'direct',   'identity')$w$,
	'lineage_upstream(customers, customer_lifetime_value): staging views, then raw columns');
SELECT is((SELECT min(w.depth) FROM dpq.lineage_upstream('lt_dbt.customers', 'customer_lifetime_value') w
			WHERE w.source_relation LIKE 'lt\_dbt.raw\_%'), 2,
		  'the raw columns are two hops up');

-- downstream of a raw column: the dropped first-run customers is still in
-- the graph (its edges are kept, marked dropped)
SELECT set_eq($q$SELECT w.depth, w.source_relation, w.source_column::text, w.target_relation,
						w.target_column::text, w.kind, w.subtype
				   FROM dpq.lineage_downstream('lt_dbt.raw_customers', 'first_name') w$q$, $w$VALUES
	(1, 'lt_dbt.raw_customers', 'first_name', 'lt_dbt.stg_customers',         'first_name', 'direct', 'identity'),
	(2, 'lt_dbt.stg_customers', 'first_name', 'lt_dbt.customers',             'first_name', 'direct', 'identity'),
	(2, 'lt_dbt.stg_customers', 'first_name', 'lt_dbt.customers__dbt_backup', 'first_name', 'direct', 'identity')$w$,
	'lineage_downstream(raw_customers, first_name)');

-- ===========================================================================
-- The end: clean up
-- ===========================================================================
SELECT * FROM finish();
DROP SCHEMA lt_dbt CASCADE;
\if :own_dpq
DROP EXTENSION dpq CASCADE;
\endif
\if :own_pgtap
DROP EXTENSION pgtap;
\endif
