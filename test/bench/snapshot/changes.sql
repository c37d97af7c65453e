-- test/bench/snapshot/changes.sql: the change set, applied to dim once the
-- snapshots of its first state are built.  psql variable :rows = rows loaded
-- by setup.sql.
--
--   updated  1%: ids with id % 100 = 7.  One attribute column each, chosen
--            by (id / 100) % 6: a NULL gets a value, one non-NULL value in
--            four becomes NULL ((id / 600) % 4 = 0), the others get a
--            different value; updated_at moves 12 hours later (still in the
--            past), so that both strategies see the change.
--   deleted  0.1%: ids with id % 1000 = 503 (never an updated id)
--   inserted 0.5%: new ids :rows + 1 .. :rows + :rows / 200, updated_at an
--            hour ago
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

UPDATE dim d SET
	name = CASE WHEN x.c <> 0 THEN d.name
				WHEN d.name IS NULL THEN 'renamed ' || d.id
				WHEN x.to_null THEN NULL
				ELSE d.name || ' (renamed)' END,
	qty = CASE WHEN x.c <> 1 THEN d.qty
			   WHEN d.qty IS NULL THEN d.id % 1000
			   WHEN x.to_null THEN NULL
			   ELSE d.qty + 1 END,
	price = CASE WHEN x.c <> 2 THEN d.price
				 WHEN d.price IS NULL THEN 9.99
				 WHEN x.to_null THEN NULL
				 ELSE d.price + 0.01 END,
	since = CASE WHEN x.c <> 3 THEN d.since
				 WHEN d.since IS NULL THEN date '2024-02-29'
				 WHEN x.to_null THEN NULL
				 ELSE d.since + 1 END,
	active = CASE WHEN x.c <> 4 THEN d.active
				  WHEN d.active IS NULL THEN true
				  WHEN x.to_null THEN NULL
				  ELSE NOT d.active END,
	code = CASE WHEN x.c <> 5 THEN d.code
				WHEN d.code IS NULL THEN 'NEW'
				WHEN x.to_null THEN NULL
				ELSE d.code || 'Z' END,
	updated_at = d.updated_at + interval '12 hours'
  FROM (SELECT id, (id / 100) % 6 AS c, (id / 600) % 4 = 0 AS to_null
		  FROM dim WHERE id % 100 = 7) x
 WHERE d.id = x.id;

DELETE FROM dim WHERE id % 1000 = 503;

INSERT INTO dim
SELECT id, name, qty, price, since, active, code, now() - interval '1 hour'
  FROM dim_rows(:rows + 1, :rows + greatest(1, :rows / 200), now());

VACUUM ANALYZE dim;
