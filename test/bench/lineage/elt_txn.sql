-- test/bench/lineage/elt_txn.sql: elt.sql's four statements in one transaction (a
-- dbt model run in a transaction): lineage buffers their edges and runs and
-- writes them once, before the commit.  Same variables as elt.sql.
\set o random(1, :norders - 9)
\set o2 :o + 9
\set c random(1, :ncustomers - 4)
\set c2 :c + 4
\set p random(1, :nproducts - 4)
\set p2 :p + 4
BEGIN;
INSERT INTO fct_order_lines (order_id, customer_id, region, product_id, category, amount, ordered_on)
SELECT o.order_id, o.customer_id, c.region, o.product_id, p.category, o.quantity * p.price, o.ordered_on
  FROM stg_orders o JOIN customers c ON c.id = o.customer_id JOIN products p ON p.id = o.product_id
 WHERE o.order_id BETWEEN :o AND :o2;
INSERT INTO customer_revenue (customer_id, region, orders, revenue, updated_at)
SELECT c.id, c.region, count(o.id), coalesce(sum(o.qty * p.price), 0), now()
  FROM customers c LEFT JOIN orders o ON o.customer_id = c.id LEFT JOIN products p ON p.id = o.product_id
 WHERE c.id BETWEEN :c AND :c2
 GROUP BY c.id, c.region
 ORDER BY c.id
ON CONFLICT (customer_id) DO UPDATE
   SET orders = EXCLUDED.orders, revenue = EXCLUDED.revenue, updated_at = EXCLUDED.updated_at;
INSERT INTO dim_products (product_id, name, category, price_band, price)
SELECT id, initcap(name), upper(category),
       CASE WHEN price < 20 THEN 'low' WHEN price < 100 THEN 'mid' ELSE 'high' END, price
  FROM products
 WHERE id BETWEEN :p AND :p2;
INSERT INTO order_status_daily (ordered_on, status, orders, amount)
SELECT o.ordered_at::date, o.status, count(*), sum(o.qty * p.price)
  FROM orders o JOIN products p ON p.id = o.product_id
 WHERE o.id BETWEEN :o AND :o2 AND o.status <> 'cancelled'
 GROUP BY 1, 2;
COMMIT;
