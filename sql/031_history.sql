-- Continuous history: dpq.track_history, the row trigger, dpq.as_of on it.
-- Every statement below runs in a transaction of its own (autocommit), so
-- each change gets its own start time; times are captured with \gset and
-- compared, never printed.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE SCHEMA hist;
CREATE TABLE hist.items (
    id      int PRIMARY KEY,
    name    text NOT NULL,
    price   numeric(8,2)
);
INSERT INTO hist.items VALUES (1, 'apple', 1.00), (2, 'pear', 2.00), (3, 'plum', 3.00);
SELECT now() AS t_before \gset

-- tracking adds dpq_valid_from (existing rows: the tracking time), creates
-- the history table next to the table, and the trigger
BEGIN;
SELECT dpq.track_history('hist.items');
SELECT now() AS t_track \gset
COMMIT;
\d hist.items
\d hist.items_history
SELECT relation, history_table, created_by = current_user AS by_me FROM dpq.tracked_tables;
SELECT count(*) AS rows_since_tracking FROM hist.items WHERE dpq_valid_from = :'t_track';
-- the owner may read the history but not write it by hand
SELECT a.privilege_type AS owner_privileges
  FROM pg_class c, aclexplode(c.relacl) a
 WHERE c.oid = 'hist.items_history'::regclass AND a.grantee = c.relowner
 ORDER BY 1;

-- an UPDATE writes the prior version, valid [tracking time, now)
BEGIN;
UPDATE hist.items SET price = 1.10 WHERE id = 1;
SELECT now() AS t1 \gset
COMMIT;
SELECT id, name, price, dpq_valid_from = :'t_track' AS from_tracking,
       dpq_valid_to = :'t1' AS to_t1
  FROM hist.items_history ORDER BY id, dpq_valid_to;
SELECT id, price, dpq_valid_from = :'t1' AS from_t1 FROM hist.items WHERE id = 1;

-- two updates in one transaction: one history row (one version per
-- transaction), and the value given for dpq_valid_from is overridden
BEGIN;
UPDATE hist.items SET price = 1.20 WHERE id = 1;
UPDATE hist.items SET price = 1.30, dpq_valid_from = '2000-01-01' WHERE id = 1;
SELECT now() AS t2 \gset
COMMIT;
SELECT id, price, dpq_valid_from = :'t1' AS from_t1
  FROM hist.items_history WHERE dpq_valid_to = :'t2';
SELECT id, price, dpq_valid_from = :'t2' AS from_t2 FROM hist.items WHERE id = 1;

-- DELETE keeps the deleted version; INSERT stamps the new row
BEGIN;
DELETE FROM hist.items WHERE id = 2;
INSERT INTO hist.items VALUES (4, 'fig', 4.00, '1999-01-01');
SELECT now() AS t3 \gset
COMMIT;
SELECT id, name, dpq_valid_to = :'t3' AS to_t3 FROM hist.items_history WHERE id = 2;
SELECT id, dpq_valid_from = :'t3' AS from_t3 FROM hist.items WHERE id = 4;

-- a row inserted and changed in the same transaction leaves no history
BEGIN;
INSERT INTO hist.items VALUES (5, 'kiwi', 5.00);
UPDATE hist.items SET price = 5.50 WHERE id = 5;
DELETE FROM hist.items WHERE id = 5;
COMMIT;
SELECT count(*) AS kiwi_versions FROM hist.items_history WHERE id = 5;

-- intervals are contiguous per row: each version ends where the next begins
SELECT h.id, h.price, h.dpq_valid_to = COALESCE(
         (SELECT min(n.dpq_valid_from) FROM hist.items_history n
           WHERE n.id = h.id AND n.dpq_valid_from > h.dpq_valid_from),
         (SELECT c.dpq_valid_from FROM hist.items c WHERE c.id = h.id),
         h.dpq_valid_to) AS contiguous
  FROM hist.items_history h ORDER BY h.id, h.dpq_valid_from;

-- as_of: before tracking (no version existed yet), at each change, now
SELECT * FROM dpq.as_of(NULL::hist.items, :'t_before') ORDER BY id;
SELECT id, name, price FROM dpq.as_of(NULL::hist.items, :'t_track') ORDER BY id;
SELECT id, name, price FROM dpq.as_of(NULL::hist.items, :'t1'::timestamptz - interval '1 microsecond') ORDER BY id;
SELECT id, name, price FROM dpq.as_of(NULL::hist.items, :'t1') ORDER BY id;
SELECT id, name, price FROM dpq.as_of(NULL::hist.items, :'t2') ORDER BY id;
SELECT id, name, price FROM dpq.as_of(NULL::hist.items, :'t3') ORDER BY id;
SELECT id, name, price FROM dpq.as_of(NULL::hist.items, now()) ORDER BY id;
SELECT dpq._history_as_of_query('hist.items');

-- COPY FROM fires the trigger per row
COPY hist.items (id, name, price) FROM stdin;
6	lime	0.50
7	date	7.00
\.
UPDATE hist.items SET price = 0.60 WHERE id = 6;
SELECT id, name, price FROM hist.items_history WHERE id IN (6, 7);

-- a version written by a transaction that started later (here: forged
-- with the trigger off) is kept with a one-microsecond interval
SET session_replication_role = replica;
UPDATE hist.items SET dpq_valid_from = '2100-01-01 00:00:00+00' WHERE id = 7;
RESET session_replication_role;
UPDATE hist.items SET price = 7.50 WHERE id = 7;
SELECT id, price, dpq_valid_from FROM hist.items WHERE id = 7;
SELECT id, price, dpq_valid_from, dpq_valid_to FROM hist.items_history WHERE id = 7;

-- a user's index on the history table is maintained
CREATE INDEX items_history_name ON hist.items_history (name);
UPDATE hist.items SET name = 'green apple' WHERE id = 1;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hist.items_history WHERE name = 'apple';
SELECT id, name, price FROM hist.items_history WHERE name = 'apple' ORDER BY price;
RESET enable_seqscan;

-- history rows roll back with the transaction, savepoints included
SELECT count(*) AS versions FROM hist.items_history \gset
BEGIN;
UPDATE hist.items SET price = price + 1;
ROLLBACK;
BEGIN;
UPDATE hist.items SET price = price + 1 WHERE id = 3;
SAVEPOINT s;
UPDATE hist.items SET price = price + 1 WHERE id = 4;
SELECT 1 / 0;
ROLLBACK TO s;
UPDATE hist.items SET price = price + 1 WHERE id = 6;
SELECT now() AS t_sp \gset
COMMIT;
SELECT count(*) - :versions AS new_versions,
       array_agg(id ORDER BY id) FILTER (WHERE dpq_valid_to = :'t_sp') AS ids
  FROM hist.items_history;

-- schema changes: new columns, type changes and renames reach the history
ALTER TABLE hist.items ADD COLUMN origin text DEFAULT 'local', ALTER COLUMN price TYPE numeric(10,2);
ALTER TABLE hist.items RENAME COLUMN name TO label;
\d hist.items_history
UPDATE hist.items SET origin = 'import' WHERE id = 3;
SELECT id, label, price, origin FROM hist.items_history WHERE id = 3 ORDER BY dpq_valid_to;
SELECT id, label, origin FROM dpq.as_of(NULL::hist.items, :'t_track') ORDER BY id;
-- dpq's columns cannot be changed while the table is tracked
\set VERBOSITY terse
ALTER TABLE hist.items RENAME COLUMN dpq_valid_from TO since;
ALTER TABLE hist.items ALTER COLUMN dpq_valid_from TYPE timestamp;
ALTER TABLE hist.items ADD COLUMN dpq_valid_to int;
ALTER TABLE hist.items DROP COLUMN dpq_valid_from;
ALTER TABLE hist.items_history DROP COLUMN label;
DROP TABLE hist.items_history;
DROP TRIGGER zz_dpq_history ON hist.items;
\set VERBOSITY default
-- a dropped column stays in the history
ALTER TABLE hist.items DROP COLUMN origin;
UPDATE hist.items SET price = 9.99 WHERE id = 3;
SELECT id, label, price, origin FROM hist.items_history WHERE id = 3 ORDER BY dpq_valid_to;

-- renaming the table keeps the tracking
ALTER TABLE hist.items RENAME TO goods;
UPDATE hist.goods SET price = 10.99 WHERE id = 3;
SELECT relation, history_table FROM dpq.tracked_tables;
SELECT count(*) AS plum_versions FROM hist.items_history WHERE id = 3;

-- TRUNCATE fires no row trigger: the rows it removes are copied first
SELECT count(*) AS current_rows FROM hist.goods \gset
SELECT count(*) AS versions FROM hist.items_history \gset
TRUNCATE hist.goods;
SELECT count(*) - :versions = :current_rows AS all_copied FROM hist.items_history;
SELECT count(*) AS rows_after_truncate FROM dpq.as_of(NULL::hist.goods, now());

-- partitioned tables: partitions with their own column order and dropped
-- columns, partitions created later, rows moving between partitions
CREATE TABLE hist.sales (id int, region text, amount int) PARTITION BY LIST (region);
CREATE TABLE hist.sales_eu PARTITION OF hist.sales FOR VALUES IN ('eu');
CREATE TABLE hist.sales_us (amount int, junk int, region text, id int);
ALTER TABLE hist.sales_us DROP COLUMN junk;
ALTER TABLE hist.sales ATTACH PARTITION hist.sales_us FOR VALUES IN ('us');
INSERT INTO hist.sales VALUES (1, 'eu', 10), (2, 'us', 20);
SELECT dpq.track_history('hist.sales', 'hist.sales_log');
CREATE TABLE hist.sales_asia PARTITION OF hist.sales FOR VALUES IN ('asia');
INSERT INTO hist.sales VALUES (3, 'asia', 30);
UPDATE hist.sales SET amount = amount + 1;
UPDATE hist.sales SET region = 'us' WHERE id = 1;
SELECT id, region, amount, tableoid::regclass FROM hist.sales ORDER BY id;
SELECT id, region, amount FROM hist.sales_log ORDER BY id, dpq_valid_to;
\set VERBOSITY terse
SELECT dpq.track_history('hist.sales_eu');
\set VERBOSITY default
TRUNCATE hist.sales_asia;
SELECT id, region, amount FROM hist.sales_log WHERE id = 3 ORDER BY dpq_valid_to;
SELECT id, region, amount FROM dpq.as_of(NULL::hist.sales, now()) ORDER BY id;

-- untrack: keeps the history table and the column, or drops both
SELECT dpq.untrack_history('hist.goods');
\d hist.goods
SELECT dpq.untrack_history('hist.sales', drop_history => true);
\d hist.sales
SELECT to_regclass('hist.sales_log') AS sales_log;
SELECT relation FROM dpq.tracked_tables;

-- dropping a tracked table forgets it; its history table stays
SELECT dpq.track_history('hist.sales');
DROP TABLE hist.sales;
SELECT count(*) AS tracked FROM dpq.tracked_tables;
SELECT to_regclass('hist.sales_history') AS history_stays;

DROP SCHEMA hist CASCADE;
