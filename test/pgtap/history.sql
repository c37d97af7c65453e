-- history.sql: continuous history (dpq.track_history / untrack_history, the
-- row trigger, dpq.as_of on tracked tables, DDL, permissions, bad input).
--
-- Everything runs in one transaction, so now() never moves: versions are
-- given a past start by updating dpq_valid_from with the table's triggers
-- off (session_replication_role = replica); the next change then closes
-- them at now().  Versions changed by other transactions (intervals of
-- separate transactions, the one-microsecond case) are in
-- sql/031_history.sql.
--
-- Roles (created here, rolled back with the rest):
--   tap_h_owner   owns tap_h.owned, may create in schema tap_h
--   tap_h_other   nothing at all
--   tap_h_reader  SELECT on tap_h.owned
--   tap_h_writer  UPDATE and SELECT on tap_h.owned
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dpq;
SELECT plan(131);

SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'UTC';

CREATE ROLE tap_h_owner;
CREATE ROLE tap_h_other;
CREATE ROLE tap_h_reader;
CREATE ROLE tap_h_writer;

CREATE FUNCTION tap_backdate(rel regclass, ts timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	SET LOCAL session_replication_role = replica;
	EXECUTE format('UPDATE %s SET dpq_valid_from = %L', rel, ts);
	SET LOCAL session_replication_role = origin;
END $$;
CREATE FUNCTION tap_explain(q text) RETURNS SETOF text
LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || q; END $$;
CREATE FUNCTION tap_nhist(rel regclass) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
	EXECUTE format('SELECT count(*) FROM %s', rel) INTO n;
	RETURN n;
END $$;

CREATE SCHEMA tap_h;
CREATE TABLE tap_h.t (id int PRIMARY KEY, v text);
INSERT INTO tap_h.t VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd');

-- ---------------------------------------------------------------------------
-- track_history: what it sets up
-- ---------------------------------------------------------------------------
SELECT is(dpq.track_history('tap_h.t')::text, 'tap_h.t_history',
		  'track_history returns the history table, <table>_history next to the table');
SELECT col_type_is('tap_h', 't', 'dpq_valid_from', 'timestamp with time zone',
				   'the table gets dpq_valid_from timestamptz');
SELECT col_not_null('tap_h', 't', 'dpq_valid_from', 'dpq_valid_from is NOT NULL');
SELECT col_default_is('tap_h', 't', 'dpq_valid_from', 'now()', 'dpq_valid_from defaults to now()');
SELECT is((SELECT count(*)::int FROM tap_h.t WHERE dpq_valid_from = now()), 4,
		  'existing rows start at the tracking transaction''s time');
SELECT is(ARRAY(SELECT attname::text FROM pg_attribute
				 WHERE attrelid = 'tap_h.t_history'::regclass AND attnum > 0 AND NOT attisdropped
				 ORDER BY attnum),
		  ARRAY['id', 'v', 'dpq_valid_from', 'dpq_valid_to'],
		  'history table: the table''s columns, dpq_valid_from, dpq_valid_to');
SELECT col_type_is('tap_h', 't_history', 'v', 'text', 'history columns keep their types');
SELECT is(ARRAY(SELECT attname::text FROM pg_attribute
				 WHERE attrelid = 'tap_h.t_history'::regclass AND attnum > 0 AND attnotnull ORDER BY attnum),
		  ARRAY['dpq_valid_from', 'dpq_valid_to'],
		  'only the validity columns of the history are NOT NULL');
SELECT ok(EXISTS (SELECT FROM pg_constraint WHERE conrelid = 'tap_h.t_history'::regclass
					AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%dpq_valid_to > dpq_valid_from%'),
		  'history table: CHECK (dpq_valid_to > dpq_valid_from)');
SELECT ok(EXISTS (SELECT FROM pg_index i WHERE i.indrelid = 'tap_h.t_history'::regclass
					AND pg_get_indexdef(i.indexrelid) LIKE '%(dpq_valid_to, dpq_valid_from)%'),
		  'history table: an index on (dpq_valid_to, dpq_valid_from)');
SELECT has_trigger('tap_h', 't', 'zz_dpq_history', 'the table gets the trigger');
SELECT is((SELECT tgtype::int FROM pg_trigger WHERE tgrelid = 'tap_h.t'::regclass AND tgname = 'zz_dpq_history'),
		  1 | 2 | 4 | 8 | 16, 'the trigger is BEFORE INSERT OR DELETE OR UPDATE, FOR EACH ROW');
SELECT is((SELECT history_table::text FROM dpq.tracked_tables WHERE relation = 'tap_h.t'::regclass),
		  'tap_h.t_history', 'dpq.tracked_tables lists it');
SELECT is((SELECT relacl::text FROM pg_class WHERE oid = 'tap_h.t_history'::regclass),
		  format('{%s=rxt/%s}', current_user, current_user),
		  'history table: the owner keeps SELECT, REFERENCES, TRIGGER only');

-- ---------------------------------------------------------------------------
-- the trigger
-- ---------------------------------------------------------------------------
SELECT tap_backdate('tap_h.t', '2024-01-01 00:00:00+00');
UPDATE tap_h.t SET v = 'a2' WHERE id = 1;
SELECT results_eq($$SELECT id, v, dpq_valid_from, dpq_valid_to FROM tap_h.t_history$$,
				  $$VALUES (1, 'a'::text, '2024-01-01 00:00:00+00'::timestamptz, now())$$,
				  'UPDATE: the prior version, valid [its start, now())');
SELECT is((SELECT dpq_valid_from FROM tap_h.t WHERE id = 1), now(),
		  'UPDATE: the new version starts now()');
UPDATE tap_h.t SET v = 'a3' WHERE id = 1;
UPDATE tap_h.t SET v = 'a4', dpq_valid_from = '2000-01-01' WHERE id = 1;
SELECT is(tap_nhist('tap_h.t_history'), 1::bigint,
		  'two more updates in the same transaction: still one version');
SELECT is((SELECT dpq_valid_from FROM tap_h.t WHERE id = 1), now(),
		  'UPDATE: a dpq_valid_from given by the statement is overridden');
DELETE FROM tap_h.t WHERE id = 2;
SELECT results_eq($$SELECT id, v, dpq_valid_from, dpq_valid_to FROM tap_h.t_history WHERE id = 2$$,
				  $$VALUES (2, 'b'::text, '2024-01-01 00:00:00+00'::timestamptz, now())$$,
				  'DELETE: the deleted version, valid [its start, now())');
INSERT INTO tap_h.t VALUES (5, 'e', '1999-01-01');
SELECT is((SELECT dpq_valid_from FROM tap_h.t WHERE id = 5), now(),
		  'INSERT: dpq_valid_from is now(), whatever the statement says');
UPDATE tap_h.t SET v = 'e2' WHERE id = 5;
DELETE FROM tap_h.t WHERE id = 5;
SELECT is((SELECT count(*)::int FROM tap_h.t_history WHERE id = 5), 0,
		  'a row inserted, updated and deleted in one transaction leaves no version');
SELECT is(tap_nhist('tap_h.t_history'), 2::bigint, 'two versions so far');
INSERT INTO tap_h.t VALUES (6, 'f') ON CONFLICT (id) DO NOTHING;
INSERT INTO tap_h.t VALUES (3, 'c?') ON CONFLICT (id) DO UPDATE SET v = 'c2';
SELECT results_eq($$SELECT id, v FROM tap_h.t_history WHERE id IN (3, 6)$$,
				  $$VALUES (3, 'c'::text)$$,
				  'INSERT ... ON CONFLICT DO UPDATE keeps the prior version');

-- as_of on the history
SELECT is((SELECT count(*)::int FROM dpq.as_of(NULL::tap_h.t, '2023-12-31')), 0,
		  'as_of before any version: no row');
SELECT results_eq($$SELECT id, v FROM dpq.as_of(NULL::tap_h.t, '2024-06-01') ORDER BY id$$,
				  $$VALUES (1, 'a'::text), (2, 'b'), (3, 'c'), (4, 'd')$$,
				  'as_of between the versions: the prior versions');
SELECT results_eq($$SELECT id, v FROM dpq.as_of(NULL::tap_h.t, now()) ORDER BY id$$,
				  $$VALUES (1, 'a4'::text), (3, 'c2'), (4, 'd'), (6, 'f')$$,
				  'as_of now(): the current rows (half-open: the old versions end at now())');
SELECT results_eq($$SELECT * FROM dpq.as_of(NULL::tap_h.t, now()) ORDER BY id$$,
				  $$SELECT * FROM tap_h.t ORDER BY id$$,
				  'as_of now() returns the table''s row type, dpq_valid_from included');
SELECT ok(dpq._history_as_of_query('tap_h.t') LIKE '%FROM ONLY tap_h.t WHERE%tap_h.t_history%',
		  '_history_as_of_query: the table UNION ALL its history');
SELECT is(dpq._history_as_of_query('pg_class'), NULL, '_history_as_of_query: NULL when not tracked');
SELECT is(dpq._history_as_of_query(NULL), NULL, '_history_as_of_query: NULL for NULL');

-- rollback: history rows go with the (sub)transaction
SELECT tap_backdate('tap_h.t', '2024-02-01 00:00:00+00');
SAVEPOINT s1;
UPDATE tap_h.t SET v = 'rolled back';
SELECT is(tap_nhist('tap_h.t_history'), 7::bigint, 'four versions written in a savepoint');
ROLLBACK TO s1;
SELECT is(tap_nhist('tap_h.t_history'), 3::bigint, 'ROLLBACK TO SAVEPOINT removes them');
SELECT throws_ok($$WITH u AS (UPDATE tap_h.t SET v = 'x' WHERE id = 4 RETURNING 1) SELECT 1 / 0 FROM u$$,
				 '22012', NULL, 'an error after a version was written');
SELECT is(tap_nhist('tap_h.t_history'), 3::bigint, 'the failed statement left no version');
UPDATE tap_h.t SET v = 'd2' WHERE id = 4;
SELECT is((SELECT v FROM tap_h.t_history WHERE id = 4 AND dpq_valid_from = '2024-02-01 00:00:00+00'), 'd',
		  'writing works again after the rollbacks');

-- every index of the history table is maintained, including users' own
CREATE UNIQUE INDEX tap_h_hist_key ON tap_h.t_history (id, dpq_valid_from);
CREATE INDEX tap_h_hist_expr ON tap_h.t_history (upper(v));
CREATE INDEX tap_h_hist_part ON tap_h.t_history (id) WHERE v = 'c2';
SELECT tap_backdate('tap_h.t', '2024-02-15 00:00:00+00');
UPDATE tap_h.t SET v = 'c3' WHERE id = 3;
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
SELECT ok(EXISTS (SELECT FROM tap_explain($$SELECT id FROM tap_h.t_history WHERE upper(v) = 'C2'$$) l
				   WHERE l LIKE '%Index%tap_h_hist_expr%'),
		  'an expression index on the history is used');
SELECT is((SELECT id FROM tap_h.t_history WHERE upper(v) = 'C2'), 3,
		  'the expression index has the version written after it was created');
SELECT is((SELECT count(*)::int FROM tap_h.t_history WHERE v = 'c2' AND id = 3), 1,
		  'the partial index has it too');
SELECT is((SELECT count(*)::int FROM tap_h.t_history WHERE id = 3 AND dpq_valid_from = '2024-02-15 00:00:00+00'), 1,
		  'and the unique index');
RESET enable_seqscan;
RESET enable_bitmapscan;
SELECT tap_backdate('tap_h.t', '2024-02-15 00:00:00+00');
SELECT throws_ok($$UPDATE tap_h.t SET v = 'c4' WHERE id = 3$$, '23505', NULL,
				 'a unique index of the history table is enforced');

-- ---------------------------------------------------------------------------
-- DDL
-- ---------------------------------------------------------------------------
ALTER TABLE tap_h.t ADD COLUMN w int DEFAULT 7;
SELECT col_type_is('tap_h', 't_history', 'w', 'integer', 'ADD COLUMN reaches the history table');
ALTER TABLE tap_h.t ALTER COLUMN w TYPE bigint;
SELECT col_type_is('tap_h', 't_history', 'w', 'bigint', 'ALTER COLUMN TYPE reaches the history table');
ALTER TABLE tap_h.t RENAME COLUMN v TO label;
SELECT has_column('tap_h', 't_history', 'label', 'RENAME COLUMN reaches the history table');
SELECT hasnt_column('tap_h', 't_history', 'v', 'the old name is gone from the history');
SELECT tap_backdate('tap_h.t', '2024-03-01 00:00:00+00');
UPDATE tap_h.t SET w = 8 WHERE id = 6;
SELECT results_eq($$SELECT id, label, w FROM tap_h.t_history WHERE id = 6$$,
				  $$VALUES (6, 'f'::text, 7::bigint)$$,
				  'versions after the changes carry the new and renamed columns');
ALTER TABLE tap_h.t OWNER TO tap_h_owner;
SELECT is((SELECT relowner::regrole::text FROM pg_class WHERE oid = 'tap_h.t_history'::regclass),
		  'tap_h_owner', 'OWNER TO reaches the history table');
ALTER TABLE tap_h.t OWNER TO CURRENT_USER;

SELECT throws_ok($$ALTER TABLE tap_h.t RENAME COLUMN dpq_valid_from TO since$$, '0A000', NULL,
				 'dpq_valid_from cannot be renamed');
SELECT throws_ok($$ALTER TABLE tap_h.t ALTER COLUMN dpq_valid_from TYPE timestamp$$, '0A000', NULL,
				 'dpq_valid_from cannot change type');
SELECT throws_ok($$ALTER TABLE tap_h.t_history RENAME COLUMN dpq_valid_to TO till$$, '0A000', NULL,
				 'the history''s dpq_valid_to cannot be renamed');
SELECT throws_ok($$ALTER TABLE tap_h.t ADD COLUMN dpq_valid_to int$$, '42701', NULL,
				 'a tracked table cannot get a column dpq_valid_to');
SELECT throws_ok($$ALTER TABLE tap_h.t RENAME COLUMN label TO dpq_valid_to$$, '42701', NULL,
				 'nor rename one to it');
SELECT throws_ok($$ALTER TABLE tap_h.t DROP COLUMN dpq_valid_from$$, '2BP01', NULL,
				 'dpq_valid_from cannot be dropped');
SELECT throws_ok($$ALTER TABLE tap_h.t_history DROP COLUMN dpq_valid_to$$, '2BP01', NULL,
				 'the history''s dpq_valid_to cannot be dropped');
SELECT throws_ok($$ALTER TABLE tap_h.t_history DROP COLUMN label$$, '2BP01', NULL,
				 'a history column the table still has cannot be dropped');
SELECT throws_ok($$DROP TABLE tap_h.t_history$$, '2BP01', NULL,
				 'the history table cannot be dropped while tracked');
SELECT throws_ok($$DROP TRIGGER zz_dpq_history ON tap_h.t$$, '2BP01', NULL,
				 'the trigger cannot be dropped while tracked');
ALTER TABLE tap_h.t DROP COLUMN w;
SELECT has_column('tap_h', 't_history', 'w', 'a column dropped from the table stays in the history');

ALTER TABLE tap_h.t RENAME TO t2;
SELECT is((SELECT history_table::text FROM dpq.tracked_tables WHERE relation = 'tap_h.t2'::regclass),
		  'tap_h.t_history', 'a renamed table stays tracked');
UPDATE tap_h.t2 SET label = 'd3' WHERE id = 4;
SELECT is((SELECT label FROM tap_h.t_history WHERE id = 4 AND dpq_valid_from = '2024-03-01 00:00:00+00'), 'd2',
		  'and its trigger still writes');

-- TRUNCATE copies the rows it removes
SELECT tap_backdate('tap_h.t2', '2024-04-01 00:00:00+00');
CREATE TABLE tap_h.child (id int REFERENCES tap_h.t2 (id), x int);
INSERT INTO tap_h.child VALUES (1, 1), (3, 3);
SELECT is(dpq.track_history('tap_h.child')::text, 'tap_h.child_history', 'a second table tracked');
SELECT tap_backdate('tap_h.child', '2024-04-01 00:00:00+00');
TRUNCATE tap_h.t2 CASCADE;
SELECT is((SELECT count(*)::int FROM tap_h.t_history WHERE dpq_valid_from = '2024-04-01 00:00:00+00'), 4,
		  'TRUNCATE: every removed row is kept, closed at now()');
SELECT is((SELECT count(*)::int FROM tap_h.child_history), 2,
		  'TRUNCATE ... CASCADE: so are the rows of the tables it reaches');
SELECT results_eq($$SELECT id FROM dpq.as_of(NULL::tap_h.t2, '2024-05-01')
					  WHERE dpq_valid_from = '2024-04-01 00:00:00+00' ORDER BY id$$,
				  $$VALUES (1), (3), (4), (6)$$,
				  'as_of before the TRUNCATE still sees them');

-- ---------------------------------------------------------------------------
-- partitioned tables and inheritance
-- ---------------------------------------------------------------------------
CREATE TABLE tap_h.p (id int, region text, amount int) PARTITION BY LIST (region);
CREATE TABLE tap_h.p_eu PARTITION OF tap_h.p FOR VALUES IN ('eu');
CREATE TABLE tap_h.p_us (amount int, junk int, region text, id int);
ALTER TABLE tap_h.p_us DROP COLUMN junk;
ALTER TABLE tap_h.p ATTACH PARTITION tap_h.p_us FOR VALUES IN ('us');
INSERT INTO tap_h.p VALUES (1, 'eu', 10), (2, 'us', 20);
SELECT is(dpq.track_history('tap_h.p')::text, 'tap_h.p_history', 'a partitioned table can be tracked');
SELECT has_trigger('tap_h', 'p_us', 'zz_dpq_history', 'its partitions get the trigger');
CREATE TABLE tap_h.p_asia PARTITION OF tap_h.p FOR VALUES IN ('asia');
SELECT has_trigger('tap_h', 'p_asia', 'zz_dpq_history', 'so do partitions created later');
INSERT INTO tap_h.p VALUES (3, 'asia', 30);
SELECT tap_backdate('tap_h.p', '2024-01-01 00:00:00+00');
UPDATE tap_h.p SET amount = amount + 1 WHERE id IN (2, 3);
SELECT results_eq($$SELECT id, region, amount FROM tap_h.p_history ORDER BY id$$,
				  $$VALUES (2, 'us'::text, 20), (3, 'asia', 30)$$,
				  'partitions with another column order write the right values');
UPDATE tap_h.p SET region = 'us' WHERE id = 1;
SELECT results_eq($$SELECT id, region, amount FROM tap_h.p_history WHERE id = 1$$,
				  $$VALUES (1, 'eu'::text, 10)$$,
				  'a row moved to another partition: one version, not two');
SELECT results_eq($$SELECT id, region, dpq_valid_from FROM tap_h.p WHERE id = 1$$,
				  $$VALUES (1, 'us'::text, now())$$,
				  'the moved row starts now()');
SELECT results_eq($$SELECT id, region, amount FROM dpq.as_of(NULL::tap_h.p, '2024-06-01') ORDER BY id$$,
				  $$VALUES (1, 'eu'::text, 10), (2, 'us', 20), (3, 'asia', 30)$$,
				  'as_of on a partitioned table');
SELECT throws_ok($$SELECT dpq.track_history('tap_h.p_eu')$$, '42710', NULL,
				 'a partition of a tracked table cannot be tracked on its own');
CREATE TABLE tap_h.q (id int, region text) PARTITION BY LIST (region);
CREATE TABLE tap_h.q_eu PARTITION OF tap_h.q FOR VALUES IN ('eu');
SELECT throws_ok($$SELECT dpq.track_history('tap_h.q_eu')$$, '42809', NULL,
				 'a partition cannot be tracked on its own');
CREATE TABLE tap_h.q_us (id int, region text);
SELECT is(dpq.track_history('tap_h.q_us')::text, 'tap_h.q_us_history', 'a table to attach, tracked');
SELECT dpq.track_history('tap_h.q');
SELECT throws_ok($$ALTER TABLE tap_h.q ATTACH PARTITION tap_h.q_us FOR VALUES IN ('us')$$, '42710', NULL,
				 'a tracked table cannot be attached to a tracked table');

CREATE TABLE tap_h.par (id int);
CREATE TABLE tap_h.chi () INHERITS (tap_h.par);
SELECT dpq.track_history('tap_h.par');
INSERT INTO tap_h.chi VALUES (1);
INSERT INTO tap_h.par VALUES (2);
SELECT results_eq($$SELECT id FROM dpq.as_of(NULL::tap_h.par, now())$$, $$VALUES (2)$$,
				  'inheritance: as_of on the parent covers its own rows only');

-- ---------------------------------------------------------------------------
-- untrack, drop
-- ---------------------------------------------------------------------------
SELECT lives_ok($$SELECT dpq.untrack_history('tap_h.t2')$$, 'untrack_history');
SELECT hasnt_trigger('tap_h', 't2', 'zz_dpq_history', 'untrack removes the trigger');
SELECT has_column('tap_h', 't2', 'dpq_valid_from', 'and keeps dpq_valid_from');
SELECT has_table('tap_h', 't_history', 'and keeps the history table');
SELECT is((SELECT count(*)::int FROM dpq.tracked_tables WHERE relation = 'tap_h.t2'::regclass), 0,
		  'and forgets the table');
SELECT is(dpq._history_as_of_query('tap_h.t2'), NULL, 'as_of no longer knows it');
SELECT throws_ok($$SELECT dpq.track_history('tap_h.t2')$$, '42701', NULL,
				 'tracking again needs the column gone');
SELECT lives_ok($$DROP TABLE tap_h.t_history$$, 'the history table can be dropped once untracked');
SELECT lives_ok($$SELECT dpq.untrack_history('tap_h.child', drop_history => true)$$,
				'untrack_history with drop_history');
SELECT hasnt_table('tap_h', 'child_history', 'drop_history drops the history table');
SELECT hasnt_column('tap_h', 'child', 'dpq_valid_from', 'and the column');
SELECT is(dpq.track_history('tap_h.child')::text, 'tap_h.child_history', 'then it can be tracked again');
DROP TABLE tap_h.child;
SELECT is((SELECT count(*)::int FROM dpq.history_config WHERE rel_name = 'tap_h.child'), 0,
		  'a dropped table is forgotten');
SELECT has_table('tap_h', 'child_history', 'its history table stays');

-- ---------------------------------------------------------------------------
-- who may do what
-- ---------------------------------------------------------------------------
GRANT USAGE ON SCHEMA tap_h TO PUBLIC;
CREATE TABLE tap_h.owned (id int, v text);
INSERT INTO tap_h.owned VALUES (1, 'a');
ALTER TABLE tap_h.owned OWNER TO tap_h_owner;
GRANT SELECT ON tap_h.owned TO tap_h_reader;
GRANT SELECT, UPDATE ON tap_h.owned TO tap_h_writer;
SET LOCAL ROLE tap_h_other;
SELECT throws_ok($$SELECT dpq.track_history('tap_h.owned')$$, '42501', NULL,
				 'only the owner may track a table');
SET LOCAL ROLE tap_h_owner;
SELECT throws_ok($$SELECT dpq.track_history('tap_h.owned')$$, '42501', NULL,
				 'the owner needs CREATE on the history table''s schema');
RESET ROLE;
GRANT CREATE ON SCHEMA tap_h TO tap_h_owner;
SET LOCAL ROLE tap_h_owner;
SELECT is(dpq.track_history('tap_h.owned')::text, 'tap_h.owned_history', 'the owner tracks it');
SELECT is((SELECT relowner::regrole::text FROM pg_class WHERE oid = 'tap_h.owned_history'::regclass),
		  'tap_h_owner', 'the history table belongs to the table''s owner');
SELECT throws_ok($$INSERT INTO tap_h.owned_history VALUES (9, 'x', now() - interval '1 day', now())$$,
				 '42501', NULL, 'the owner cannot write the history by hand');
SET LOCAL ROLE tap_h_other;
SELECT throws_ok($$SELECT dpq.untrack_history('tap_h.owned')$$, '42501', NULL,
				 'only the owner may untrack it');
SELECT is((SELECT count(*)::int FROM dpq.tracked_tables WHERE relation = 'tap_h.owned'::regclass), 0,
		  'dpq.tracked_tables hides tables a role cannot read');
SET LOCAL ROLE tap_h_reader;
SELECT is((SELECT count(*)::int FROM dpq.tracked_tables WHERE relation = 'tap_h.owned'::regclass), 1,
		  'and shows those it can');
RESET ROLE;
SELECT tap_backdate('tap_h.owned', '2024-01-01 00:00:00+00');
SET LOCAL ROLE tap_h_writer;
UPDATE tap_h.owned SET v = 'b';
RESET ROLE;
SELECT is((SELECT count(*)::int FROM tap_h.owned_history), 1,
		  'a role without rights on the history table still writes versions through the trigger');
SET LOCAL ROLE tap_h_writer;
SELECT throws_ok($$SELECT * FROM dpq.as_of(NULL::tap_h.owned, now())$$, '42501', NULL,
				 'as_of reads the history with the caller''s rights');
RESET ROLE;

-- PII tags of the table are copied to the history table
CREATE TABLE tap_h.pii (id int, email text);
SELECT dpq.tag_pii('tap_h.pii', 'email', 'email');
SELECT dpq.track_history('tap_h.pii');
SELECT is((SELECT category FROM dpq.pii_columns WHERE relation = 'tap_h.pii_history'::regclass AND column_name = 'email'),
		  'email', 'the history of a tagged column is tagged the same way');

-- ---------------------------------------------------------------------------
-- bad input: clear errors, nothing changed
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE tap_before AS SELECT count(*) AS n FROM dpq.history_config;
CREATE TABLE tap_h.plain (id int);
CREATE TABLE tap_h.plain_history (id int);
CREATE TABLE tap_h.has_from (id int, dpq_valid_from timestamptz);
CREATE TABLE tap_h.has_to (id int, dpq_valid_to timestamptz);
CREATE VIEW tap_h.v AS SELECT 1 AS x;
CREATE MATERIALIZED VIEW tap_h.mv AS SELECT 1 AS x;
CREATE SEQUENCE tap_h.seq;
CREATE TEMP TABLE tap_temp (id int);
SELECT throws_ok($$SELECT dpq.track_history(NULL)$$, '22004', NULL, 'rel NULL: 22004');
SELECT throws_ok($$SELECT dpq.untrack_history(NULL)$$, '22004', NULL, 'untrack rel NULL: 22004');
SELECT throws_ok($$SELECT dpq.untrack_history('tap_h.owned', NULL)$$, '22004', NULL, 'drop_history NULL: 22004');
SELECT throws_ok($$SELECT dpq.track_history(4294967295::oid::regclass)$$, '42P01', NULL, 'unknown OID: 42P01');
SELECT throws_ok($$SELECT dpq.untrack_history(4294967295::oid::regclass)$$, '42P01', NULL, 'untrack unknown OID: 42P01');
SELECT throws_ok($$SELECT dpq.track_history('tap_h.v')$$, '42809', NULL, 'a view: 42809');
SELECT throws_ok($$SELECT dpq.track_history('tap_h.mv')$$, '42809', NULL, 'a materialized view: 42809');
SELECT throws_ok($$SELECT dpq.track_history('tap_h.seq')$$, '42809', NULL, 'a sequence: 42809');
SELECT throws_ok($$SELECT dpq.track_history('tap_temp')$$, '0A000', NULL, 'a temporary table: 0A000');
SELECT throws_ok($$SELECT dpq.track_history('pg_catalog.pg_class')$$, '42501', NULL, 'a system catalog: 42501');
SELECT throws_ok($$SELECT dpq.track_history('dpq.history_config')$$, '42501', NULL, 'dpq''s own table: 42501');
SELECT throws_ok($$SELECT dpq.track_history('tap_h.owned')$$, '42710', NULL, 'already tracked: 42710');
SELECT throws_ok($$SELECT dpq.track_history('tap_h.owned_history')$$, '42809', NULL, 'a history table: 42809');
SELECT throws_ok($$SELECT dpq.track_history('tap_h.has_from')$$, '42701', NULL, 'a column dpq_valid_from: 42701');
SELECT throws_ok($$SELECT dpq.track_history('tap_h.has_to')$$, '42701', NULL, 'a column dpq_valid_to: 42701');
SELECT throws_ok($$SELECT dpq.track_history('tap_h.plain')$$, '42P07', NULL, 'default history name taken: 42P07');
SELECT throws_ok($$SELECT dpq.track_history('tap_h.plain', 'tap_h.owned')$$, '42P07', NULL, 'given history name taken: 42P07');
SELECT throws_ok($$SELECT dpq.track_history('tap_h.plain', 'no_such_schema.h')$$, '3F000', NULL, 'unknown schema: 3F000');
SELECT throws_ok($$SELECT dpq.track_history('tap_h.plain', 'dpq.h')$$, '22023', NULL, 'history in schema dpq: 22023');
SELECT throws_ok($$SELECT dpq.track_history('tap_h.plain', 'pg_catalog.h')$$, '22023', NULL, 'history in pg_catalog: 22023');
SELECT throws_ok($$SELECT dpq.track_history('tap_h.plain', 'pg_temp.h')$$, '22023', NULL, 'history in pg_temp: 22023');
SELECT throws_ok($$SELECT dpq.track_history('tap_h.plain', '')$$, '42602', NULL, 'empty history name: 42602');
SELECT throws_ok($$SELECT dpq.track_history('tap_h.plain', 'a.b.c.d')$$, '42601', NULL, 'four-part history name: 42601');
SELECT throws_ok($$SELECT dpq.track_history('tap_h.plain', 'other_db.tap_h.h')$$, '0A000', NULL, 'another database: 0A000');
SELECT throws_ok($$SELECT dpq.untrack_history('tap_h.plain')$$, '55000', NULL, 'untrack a table not tracked: 55000');
SELECT throws_ok($$SELECT dpq._history_trigger()$$, '39P01', NULL, 'the trigger function called directly: 39P01');
CREATE TRIGGER tap_bad BEFORE INSERT ON tap_h.plain FOR EACH ROW EXECUTE FUNCTION dpq._history_trigger();
SELECT throws_ok($$INSERT INTO tap_h.plain VALUES (1)$$, '55000', NULL, 'the trigger on a table not tracked: 55000');
DROP TRIGGER tap_bad ON tap_h.plain;
CREATE TRIGGER tap_bad AFTER INSERT ON tap_h.owned FOR EACH ROW EXECUTE FUNCTION dpq._history_trigger();
SELECT throws_ok($$INSERT INTO tap_h.owned VALUES (2, 'x')$$, '39P01', NULL, 'the trigger fired AFTER: 39P01');
SELECT is((SELECT n FROM tap_before), (SELECT count(*) FROM dpq.history_config), 'failed calls changed nothing');
SELECT lives_ok($$SELECT dpq.track_history('tap_h.plain', '"Plain History"')$$, 'a quoted history name');
SELECT has_table('tap_h', 'Plain History', 'is created as given');

SELECT * FROM finish();
ROLLBACK;
