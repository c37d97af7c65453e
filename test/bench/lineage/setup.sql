-- test/bench/lineage/setup.sql: the ELT workload's tables, a small dbt-style
-- project.  Run by run.sh in its own cluster's database (dpq installed);
-- psql variables :customers, :products, :orders (row counts).
--
-- Sources (as a loader leaves them): customers, products, orders.
-- Staging: stg_orders, a view that renames and casts (as a dbt staging model
-- materialized as a view), so that lineage has a view to expand.
-- Marts, filled by the INSERT ... SELECT statements of elt.sql / elt_txn.sql:
--   fct_order_lines     order lines with the customer's region and the amount
--                       (joins through the staging view)
--   customer_revenue    an incremental model: revenue per customer, upserted
--                       (INSERT ... SELECT ... ON CONFLICT DO UPDATE)
--   dim_products        a dimension with a CASE and functions
--   order_status_daily  an aggregate by day and status
-- run.sh truncates the marts before every run so that they do not grow from
-- run to run.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE TABLE customers (
	id			int PRIMARY KEY,
	name		text NOT NULL,
	email		text,
	region		text NOT NULL,
	segment		text NOT NULL,
	signed_up	date NOT NULL
);
CREATE TABLE products (
	id			int PRIMARY KEY,
	name		text NOT NULL,
	category	text NOT NULL,
	price		numeric(10,2) NOT NULL
);
CREATE TABLE orders (
	id			int PRIMARY KEY,
	customer_id	int NOT NULL REFERENCES customers,
	product_id	int NOT NULL REFERENCES products,
	qty			int NOT NULL,
	status		text NOT NULL,
	ordered_at	timestamptz NOT NULL
);
CREATE INDEX orders_customer_id ON orders (customer_id);

INSERT INTO customers
SELECT i, 'customer ' || i, 'c' || i || '@example.com',
	   (ARRAY['north', 'south', 'east', 'west', 'centre'])[1 + i % 5],
	   (ARRAY['consumer', 'corporate', 'home office'])[1 + i % 3],
	   date '2020-01-01' + i % 1500
  FROM generate_series(1, :customers) i;
INSERT INTO products
SELECT i, 'product ' || i,
	   (ARRAY['books', 'garden', 'kitchen', 'toys', 'tools', 'music'])[1 + i % 6],
	   round((1 + (i * 7919) % 25000) / 100.0, 2)
  FROM generate_series(1, :products) i;
INSERT INTO orders
SELECT i, 1 + (i * 7919) % :customers, 1 + (i * 104729) % :products, 1 + i % 7,
	   (ARRAY['placed', 'shipped', 'delivered', 'returned', 'cancelled'])[1 + (i * 31) % 5],
	   timestamptz '2026-01-01 00:00+00' + (i % 300) * interval '1 day' + (i % 86400) * interval '1 second'
  FROM generate_series(1, :orders) i;

-- staging model (a view)
CREATE VIEW stg_orders AS
SELECT id AS order_id, customer_id, product_id, qty AS quantity,
	   lower(status) AS status, ordered_at::date AS ordered_on
  FROM orders;

-- marts
CREATE TABLE fct_order_lines (
	order_id	int NOT NULL,
	customer_id	int NOT NULL,
	region		text NOT NULL,
	product_id	int NOT NULL,
	category	text NOT NULL,
	amount		numeric(12,2) NOT NULL,
	ordered_on	date NOT NULL
);
CREATE TABLE customer_revenue (
	customer_id	int PRIMARY KEY,
	region		text NOT NULL,
	orders		int NOT NULL,
	revenue		numeric(14,2) NOT NULL,
	updated_at	timestamptz NOT NULL
);
CREATE TABLE dim_products (
	product_id	int NOT NULL,
	name		text NOT NULL,
	category	text NOT NULL,
	price_band	text NOT NULL,
	price		numeric(10,2) NOT NULL
);
CREATE TABLE order_status_daily (
	ordered_on	date NOT NULL,
	status		text NOT NULL,
	orders		int NOT NULL,
	amount		numeric(14,2) NOT NULL
);

VACUUM (FREEZE, ANALYZE) customers, products, orders;
ANALYZE fct_order_lines, customer_revenue, dim_products, order_status_daily;
