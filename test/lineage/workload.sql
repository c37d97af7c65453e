-- test/lineage/workload.sql: a small warehouse load whose lineage test/run
-- exports with dpq.lineage_openlineage() (validated against the OpenLineage
-- JSON schemas by validate_openlineage.py) and dpq.lineage_dot() (rendered
-- with dot).  Run by psql in a fresh database, every statement its own
-- transaction (lineage is written at commit), with
--   -v csv=PATH   a file the server may write and read (COPY TO / FROM)
-- Roles (cluster-wide, dropped first): lx_reader reads the mart only,
-- lx_nobody nothing.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dpq;
DROP ROLE IF EXISTS lx_reader;
DROP ROLE IF EXISTS lx_nobody;
CREATE ROLE lx_reader;
CREATE ROLE lx_nobody;

CREATE SCHEMA lx_raw;
CREATE SCHEMA lx_stg;
CREATE SCHEMA lx_mart;
GRANT USAGE ON SCHEMA lx_raw, lx_stg, lx_mart TO lx_reader, lx_nobody;

CREATE TABLE lx_raw.customers (id int PRIMARY KEY, name text, email text, country text);
CREATE TABLE lx_raw.orders (id int PRIMARY KEY, customer_id int, amount numeric(10,2),
							status text, ordered_at date);
INSERT INTO lx_raw.customers VALUES (1, 'ann', 'ann@example.com', 'FR'), (2, 'bob', 'bob@example.com', 'DE');

-- sources of every kind: a file, a program, stdin
COPY (SELECT g, 1 + g % 2, g * 10.5, CASE WHEN g % 3 = 0 THEN 'void' ELSE 'ok' END,
			 date '2026-01-01' + g
		FROM generate_series(1, 20) g) TO :'csv' (FORMAT csv);
COPY lx_raw.orders FROM :'csv' (FORMAT csv);
COPY lx_raw.customers (id, name, country) FROM PROGRAM 'echo 3,cyd,IT' (FORMAT csv);
COPY lx_raw.customers (id, name, email) FROM stdin (FORMAT csv);
4,dee,dee@example.com
\.

-- a view, and statements that read it
CREATE VIEW lx_stg.orders_ok AS
SELECT o.id, o.customer_id, o.amount, o.ordered_at FROM lx_raw.orders o WHERE o.status = 'ok';

CREATE TABLE lx_mart.revenue AS
SELECT c.name AS customer, c.country, sum(o.amount) AS total, count(*) AS orders
  FROM lx_stg.orders_ok o JOIN lx_raw.customers c ON c.id = o.customer_id
 GROUP BY c.name, c.country;

CREATE TABLE lx_mart.ranked (customer text, total numeric, rank bigint, tier text);
INSERT INTO lx_mart.ranked
SELECT customer, total, rank() OVER (ORDER BY total DESC),
	   CASE WHEN total > 100 THEN 'gold' ELSE 'silver' END
  FROM lx_mart.revenue
 ORDER BY customer;

UPDATE lx_mart.ranked r SET tier = 'vip' FROM lx_mart.revenue v
 WHERE v.customer = r.customer AND v.orders > 5;

DELETE FROM lx_mart.ranked r USING lx_raw.customers c
 WHERE c.name = r.customer AND c.country = 'XX';

CREATE TABLE lx_mart.customer_dim (id int PRIMARY KEY, name text, email text);
MERGE INTO lx_mart.customer_dim d USING lx_raw.customers c ON d.id = c.id
 WHEN MATCHED THEN UPDATE SET name = c.name, email = c.email
 WHEN NOT MATCHED THEN INSERT VALUES (c.id, c.name, c.email);

-- a data-modifying CTE: two targets in one statement
CREATE TABLE lx_raw.orders_archive (LIKE lx_raw.orders);
WITH moved AS (DELETE FROM lx_raw.orders WHERE status = 'void' RETURNING *)
INSERT INTO lx_raw.orders_archive SELECT * FROM moved;

-- materialized views, SELECT INTO
CREATE MATERIALIZED VIEW lx_mart.daily AS
SELECT ordered_at, sum(amount) AS amount FROM lx_stg.orders_ok GROUP BY ordered_at;
REFRESH MATERIALIZED VIEW lx_mart.daily;
SELECT country, count(*) AS n INTO lx_mart.by_country FROM lx_raw.customers GROUP BY country;

-- names that need quoting everywhere
CREATE TABLE lx_mart."Odd ""name"" <&>|{}" ("Total|<x>" numeric, "new
line" text);
INSERT INTO lx_mart."Odd ""name"" <&>|{}" SELECT total, customer FROM lx_mart.revenue;

-- a table dropped after it was loaded, a column dropped after it was loaded
CREATE TABLE lx_stg.scratch (k int, v numeric);
INSERT INTO lx_stg.scratch SELECT id, amount FROM lx_raw.orders;
DROP TABLE lx_stg.scratch;
ALTER TABLE lx_mart.ranked DROP COLUMN tier;

GRANT SELECT ON ALL TABLES IN SCHEMA lx_mart TO lx_reader;
