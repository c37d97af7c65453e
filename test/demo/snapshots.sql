-- test/demo/snapshots.sql: type-2 history of a dimension (dpq.snapshot)
\pset footer off
\echo
\echo '=== 8. Keep the history of shop.products: the first run loads every product ==='
SELECT * FROM dpq.snapshot('shop.products', 'shop.products_snap', '{product_id}',
                           check_cols => '{name,category,price}', hard_deletes => 'new_record');

SELECT now() AS before_changes \gset
\echo '--- a price change, a renamed product, a product withdrawn, a new one; then the next run'
BEGIN;
UPDATE shop.products SET price = price * 1.10 WHERE product_id IN (1, 2, 3);
UPDATE shop.products SET name = name || ' (2nd edition)' WHERE product_id = 4;
DELETE FROM shop.order_items WHERE product_id = 5;
DELETE FROM shop.products WHERE product_id = 5;
INSERT INTO shop.products (product_id, sku, name, category, price)
VALUES (1000, 'SKU-NEW-1000', 'Demo gadget', 'gadgets', 19.99);
COMMIT;
SELECT * FROM dpq.snapshot('shop.products_snap');
\echo '--- running it again changes nothing'
SELECT * FROM dpq.snapshot('shop.products_snap');

\echo '--- every version of products 1, 4 and 5 (the deletion version of 5 is marked)'
SELECT product_id, name, price, dpq_valid_to IS NULL AS current, dpq_is_deleted AS deleted
  FROM shop.products_snap WHERE product_id IN (1, 4, 5)
 ORDER BY product_id, dpq_valid_from;

\echo '--- the dimension as it was before the changes (dpq.as_of), and as it is'
SELECT product_id, name, price
  FROM dpq.as_of(NULL::shop.products_snap, :'before_changes')
 WHERE product_id IN (1, 4, 5, 1000) ORDER BY product_id;
SELECT product_id, name, price
  FROM dpq.as_of(NULL::shop.products_snap, now())
 WHERE product_id IN (1, 4, 5, 1000) ORDER BY product_id;

\echo '--- the runs'
SELECT target_name, first_run, inserted, updated, deleted, unchanged
  FROM dpq.snapshot_runs ORDER BY run_id;

\echo
\echo '=== 9. Or record every change as it happens: dpq.track_history ==='
SELECT dpq.track_history('shop.orders');
SELECT now() AS before_update \gset
UPDATE shop.orders SET status = 'returned' WHERE order_id = 1;
UPDATE shop.orders SET status = 'paid', amount = amount + 1 WHERE order_id = 2;
DELETE FROM shop.order_items WHERE order_id = 3;
DELETE FROM shop.orders WHERE order_id = 3;
\echo '--- the prior versions, in shop.orders_history'
SELECT order_id, status, amount, dpq_valid_to > dpq_valid_from AS interval_ok
  FROM shop.orders_history ORDER BY order_id;
\echo '--- orders 1-3 as they were before these statements, and now'
SELECT order_id, status, amount FROM dpq.as_of(NULL::shop.orders, :'before_update')
 WHERE order_id <= 3 ORDER BY order_id;
SELECT order_id, status, amount FROM shop.orders WHERE order_id <= 3 ORDER BY order_id;
