-- snapshot.sql: dpq.snapshot, SCD2 snapshots (issue "SCD2 snapshot
-- helpers"): every behaviour and every bad input, invariants checked on
-- random change sequences against a model in plain SQL, permissions,
-- search_path hijacking, sources of every kind, batching.
--
-- Unlike the other files this one is not one transaction: check-strategy
-- versions start at the transaction's start, so a history needs several
-- transactions (each statement below is one; the random rounds run in
-- procedures that commit between rounds).  Everything lives in schemas
-- tap_snap* and roles tap_snap_*, dropped at the end (and at the start,
-- should an interrupted run have left them behind).
--
-- Helpers (schema tap_snap):
--   run(target)             a run: '(inserted,updated,deleted,unchanged)' or
--                           'ERROR sqlstate: message' (never raises)
--   q(sql)                  the first value of sql as text, or its error
--   snap_first(source, target, key, ...)   the same with the long form
--   err(sql)                'sqlstate|message|detail' of sql, or 'no error'
--   fp(target)              fingerprint: rows, columns, configuration, runs
--   violations(target)      what breaks the SCD2 invariants, one row each
--   viol(targets[])         the same for some targets (by name) as one text
--   unique_indexes(target)  its unique indexes: 'key columns|predicate; ...'
--   hist(target, cols, filter)   the versions as text, key by key, times as
--                           labels of remembered transaction times (mark())
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SELECT NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pgtap') AS own_pgtap,
       NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'dpq') AS own_dpq \gset
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dpq;
DROP SCHEMA IF EXISTS tap_snap, tap_snap_other, tap_snap_evil, tap_snap_own CASCADE;
DO $$
DECLARE
	r text;
BEGIN
	FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE 'tap\_snap\_%' LOOP
		EXECUTE format('DROP OWNED BY %I CASCADE', r);
		EXECUTE format('DROP ROLE %I', r);
	END LOOP;
END $$;
CREATE SCHEMA tap_snap;
CREATE SCHEMA tap_snap_other;
GRANT USAGE ON SCHEMA tap_snap, tap_snap_other TO PUBLIC;
SET search_path = tap_snap, public;

SELECT plan(333);

CREATE FUNCTION run(t regclass) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	SELECT row(s.inserted, s.updated, s.deleted, s.unchanged)::text INTO r FROM dpq.snapshot(t) s;
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;

-- the same by name: a target that does not exist is an error result too
CREATE FUNCTION run(t text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	IF to_regclass(t) IS NULL THEN
		RETURN 'ERROR 42P01: no relation ' || t;
	END IF;
	RETURN tap_snap.run(to_regclass(t));
END $$;

-- the first value of a query as text, or its error (for targets a bug may
-- have kept from being made)
CREATE FUNCTION q(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	EXECUTE sql INTO r;
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE FUNCTION snap_first(src regclass, tgt text, k name[], strategy text DEFAULT 'check',
						   check_cols name[] DEFAULT NULL, updated_at name DEFAULT NULL,
						   hard_deletes text DEFAULT 'ignore') RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	SELECT row(s.inserted, s.updated, s.deleted, s.unchanged)::text INTO r
	  FROM dpq.snapshot(src, tgt, k, strategy, check_cols, updated_at, hard_deletes) s;
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE FUNCTION err(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	st text;
	msg text;
	det text;
BEGIN
	EXECUTE sql;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
	RETURN st || '|' || msg || '|' || coalesce(det, '');
END $$;

-- rows (in a stable order), columns, configuration and run count of a target
CREATE FUNCTION fp(t regclass) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	EXECUTE format('SELECT count(*) || '':'' || coalesce(md5(string_agg(x::text, '','' ORDER BY x::text)), '''') FROM %s x', t)
	   INTO r;
	RETURN r
		|| ':' || (SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ',' ORDER BY attnum)
					 FROM pg_attribute WHERE attrelid = t AND attnum > 0 AND NOT attisdropped)
		|| ':' || coalesce((SELECT row(c.*)::text FROM dpq.snapshot_config c WHERE c.target_relid = t), 'no config')
		|| ':' || (SELECT count(*) FROM dpq.snapshot_run_log l WHERE l.target_relid = t);
END $$;

-- the SCD2 invariants of a target, per key: at most one current version and
-- it is the last; versions do not overlap; no gap between them (but after an
-- invalidated deletion); no empty version; no two deletion versions in a row
CREATE FUNCTION violations(t regclass) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	keys text;
	mode text;
	del text;
BEGIN
	SELECT string_agg(quote_ident(k), ', ' ORDER BY o), max(c.hard_deletes)
	  INTO keys, mode
	  FROM dpq.snapshot_config c, unnest(c.unique_key) WITH ORDINALITY u(k, o)
	 WHERE c.target_relid = t;
	IF keys IS NULL THEN
		RETURN NEXT coalesce(t::text || ' is not a snapshot', 'no such relation');
		RETURN;
	END IF;
	del := CASE WHEN mode = 'new_record' THEN 'dpq_is_deleted' ELSE 'false' END;
	RETURN QUERY EXECUTE format($q$
		WITH v AS (
			SELECT row(%1$s)::text AS key, dpq_valid_from AS f, dpq_valid_to AS t, %3$s AS del,
				   lead(dpq_valid_from) OVER w AS next_f, lead(%3$s) OVER w AS next_del
			  FROM %2$s WINDOW w AS (PARTITION BY %1$s ORDER BY dpq_valid_from, dpq_valid_to NULLS LAST))
		SELECT key || ': two current versions' FROM v WHERE t IS NULL GROUP BY key HAVING count(*) > 1
		UNION ALL
		SELECT key || ': the current version from ' || f || ' is not the last' FROM v WHERE t IS NULL AND next_f IS NOT NULL
		UNION ALL
		SELECT key || ': the version from ' || f || ' overlaps the next' FROM v WHERE next_f < t
		UNION ALL
		SELECT key || ': a gap after the version from ' || f FROM v WHERE next_f > t AND %4$L <> 'invalidate'
		UNION ALL
		SELECT key || ': the version from ' || f || ' is empty' FROM v WHERE t <= f
		UNION ALL
		SELECT key || ': two deletion versions in a row from ' || f FROM v WHERE del AND next_del
		$q$, keys, t, del, mode);
END $$;

-- the violations of some targets (by name) as one text, NULL when none
CREATE FUNCTION viol(names text[], allow_empty boolean DEFAULT false) RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(n || ': ' || v, '; ' ORDER BY n, v)
	  FROM unnest(names) n, LATERAL tap_snap.violations(to_regclass(n)) v
	 WHERE NOT (allow_empty AND v ~ 'is empty') $$;

-- a target's unique indexes as 'key columns|predicate' (included columns left out)
CREATE FUNCTION unique_indexes(t regclass) RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(key || '|' || coalesce(pred, ''), '; ' ORDER BY key)
	  FROM (SELECT (SELECT string_agg(a.attname, ', ' ORDER BY k.n)
					  FROM generate_series(0, i.indnkeyatts - 1) k(n)
					  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n]) AS key,
				   pg_get_expr(i.indpred, i.indrelid) AS pred
			  FROM pg_index i WHERE i.indrelid = t AND i.indisunique) x $$;

-- remembered transaction times: mark('x') in a statement records its now()
CREATE TABLE marks (label text PRIMARY KEY, at timestamptz NOT NULL);
CREATE FUNCTION mark(l text) RETURNS void LANGUAGE sql AS $$ INSERT INTO tap_snap.marks VALUES (l, now()) $$;
CREATE FUNCTION lbl(ts timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN ts IS NULL THEN '-'
				ELSE coalesce((SELECT string_agg(label, '=' ORDER BY label) FROM tap_snap.marks WHERE at = ts), ts::text) END $$;
-- the versions of the keys whose text (row(key...)::text) is in keys:
-- "key values [from, to) deleted" in order
CREATE FUNCTION hist(tname text, cols text, keyfilter text DEFAULT 'true') RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	t regclass := to_regclass(tname);
	r text;
	keys text;
	del text;
BEGIN
	IF t IS NULL THEN
		RETURN 'no relation ' || tname;
	END IF;
	SELECT string_agg(quote_ident(k), ', ' ORDER BY o) INTO keys
	  FROM dpq.snapshot_config c, unnest(c.unique_key) WITH ORDINALITY u(k, o) WHERE c.target_relid = t;
	del := CASE WHEN EXISTS (SELECT FROM pg_attribute WHERE attrelid = t AND attname = 'dpq_is_deleted')
				THEN 'CASE WHEN dpq_is_deleted THEN '' deleted'' ELSE '''' END' ELSE '''''' END;
	EXECUTE format('SELECT string_agg(row(%s)::text || '' ['' || tap_snap.lbl(dpq_valid_from) || '', '' || tap_snap.lbl(dpq_valid_to) || '')'' || %s, ''; '' ORDER BY %s, dpq_valid_from, dpq_valid_to NULLS LAST) FROM %s WHERE %s',
				   cols, del, coalesce(keys, cols), t, keyfilter) INTO r;
	RETURN r;
END $$;

-- ===========================================================================
-- 1. The first call creates the target
-- ===========================================================================
CREATE TABLE cust (id int PRIMARY KEY, name varchar(20) COLLATE "C" NOT NULL, tier text,
				   score numeric(6,2) CHECK (score >= 0), seen timestamptz DEFAULT now());
INSERT INTO cust VALUES (1, 'Ada', 'gold', 1.5, '2024-01-01 10:00+00'),
						(2, 'Bob', NULL, NULL, NULL),
						(3, 'Cy', 'silver', 3, '2024-01-03 10:00+00');
SELECT is((SELECT snap_first('cust', 'cust_snap', '{id}') FROM mark('c1')),
		  '(3,0,0,0)', 'first call: every source row is a new current version');
SELECT is((SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod)
							 || CASE WHEN attnotnull THEN ' not null' ELSE '' END
							 || CASE WHEN atthasdef THEN ' default' ELSE '' END, ', ' ORDER BY attnum)
			 FROM pg_attribute WHERE attrelid = 'cust_snap'::regclass AND attnum > 0 AND NOT attisdropped
			  AND attname NOT LIKE 'dpq%'),
		  'id integer, name character varying(20), tier text, score numeric(6,2), seen timestamp with time zone',
		  'the target has the source columns (type and typmod; no NOT NULL, no default)');
SELECT is((SELECT string_agg(attname || CASE WHEN attname = 'dpq_scd_id' THEN '' ELSE ' ' || format_type(atttypid, atttypmod) END
							 || CASE WHEN attnotnull THEN ' not null' ELSE '' END, ', ' ORDER BY attnum)
			 FROM pg_attribute WHERE attrelid = 'cust_snap'::regclass AND attnum > 5 AND NOT attisdropped),
		  'dpq_valid_from timestamp with time zone not null, dpq_valid_to timestamp with time zone, '
		  'dpq_scd_id not null, dpq_updated_at timestamp with time zone not null, dpq_row_hash bigint not null',
		  'then dpq''s columns (dpq_row_hash: the check strategy''s hash)');
SELECT is((SELECT c.collname::text FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation
			WHERE a.attrelid = 'cust_snap'::regclass AND a.attname = 'name'), 'C',
		  'a column keeps its collation');
SELECT is((SELECT string_agg(pg_get_constraintdef(oid), '; ') FROM pg_constraint WHERE conrelid = 'cust_snap'::regclass),
		  'CHECK (((dpq_valid_to IS NULL) OR (dpq_valid_to >= dpq_valid_from)))',
		  'no constraint of the source is copied; one CHECK keeps valid_to >= valid_from');
SELECT is(unique_indexes('cust_snap'), 'dpq_scd_id|; id|(dpq_valid_to IS NULL)',
		  'unique indexes: on the key among current versions, and on dpq_scd_id');
SELECT is((SELECT count(DISTINCT dpq_scd_id)::int FROM cust_snap), 3, 'every version has a dpq_scd_id of its own');
SELECT is((SELECT count(*)::int FROM cust_snap
			WHERE dpq_valid_from = (SELECT at FROM marks WHERE label = 'c1') AND dpq_valid_to IS NULL
			  AND dpq_updated_at = dpq_valid_from),
		  3, 'check strategy: first versions start at the run''s transaction time, as does dpq_updated_at');
SELECT is((SELECT row(source = 'cust'::regclass, source_name, unique_key, strategy, check_cols, updated_at, hard_deletes,
					  created_by = current_user, target_name)::text
			 FROM dpq.snapshots WHERE target = 'cust_snap'::regclass),
		  '(t,cust,{id},check,,,ignore,t,cust_snap)', 'the configuration is kept in dpq.snapshots');
SELECT is((SELECT row(first_run, inserted, updated, deleted, unchanged, strategy, run_by = current_user, duration_ms >= 0)::text
			 FROM dpq.snapshot_runs WHERE target = 'cust_snap'::regclass),
		  '(t,3,0,0,0,check,t,t)', 'the first run is logged in dpq.snapshot_runs');
SELECT is((SELECT last_run_id FROM dpq.snapshots WHERE target = 'cust_snap'::regclass),
		  (SELECT max(run_id) FROM dpq.snapshot_runs WHERE target = 'cust_snap'::regclass),
		  'dpq.snapshots.last_run_id is the latest run');

-- where the target goes: like CREATE TABLE (search_path, or qualified; quoted names)
SELECT is(snap_first('cust', 'tap_snap_other.cust_snap', '{id}'), '(3,0,0,0)', 'a schema-qualified target');
SELECT is((SELECT relnamespace::regnamespace::text FROM pg_class WHERE oid = 'tap_snap_other.cust_snap'::regclass),
		  'tap_snap_other', 'a schema-qualified target is created in that schema');
SELECT is(snap_first('cust', '"Cust Snap"', '{id}'), '(3,0,0,0)', 'a quoted target name');
SELECT is((SELECT relname::text FROM pg_class WHERE oid = 'tap_snap."Cust Snap"'::regclass), 'Cust Snap',
		  'a quoted target name is taken as written, in the first schema of search_path');
SELECT is(run('tap_snap."Cust Snap"'), '(0,0,0,3)', 'dpq.snapshot(target) runs it again');

-- ===========================================================================
-- 2. The check strategy
-- ===========================================================================
SELECT is(run('cust_snap'), '(0,0,0,3)', 'no source change: a run returns zeros and 3 unchanged');
SELECT is((SELECT fp('cust_snap')), (SELECT fp('cust_snap')), 'fp is stable');
CREATE TEMP TABLE before AS SELECT 'cust_snap' AS t, fp('cust_snap') AS fp;
BEGIN;
SELECT is(run('cust_snap'), '(0,0,0,3)', 'idempotent: the same zeros again');
SELECT is((SELECT count(*)::int FROM cust_snap WHERE xmin = pg_current_xact_id()::xid), 0,
		  'idempotent: a run without source changes writes no row');
COMMIT;
SELECT is(split_part(fp('cust_snap'), ':', 2), split_part((SELECT fp FROM before), ':', 2),
		  'idempotent: the versions are untouched');

UPDATE cust SET score = 2 WHERE id = 2;             -- NULL -> value
UPDATE cust SET tier = NULL WHERE id = 3;           -- value -> NULL
UPDATE cust SET name = 'Ann' WHERE id = 1;          -- A -> B
SELECT is((SELECT run('cust_snap') FROM mark('c2')), '(0,3,0,0)', 'three changed keys: updated 3');
UPDATE cust SET name = 'Ada' WHERE id = 1;          -- B -> A
UPDATE cust SET score = NULL WHERE id = 2;          -- value -> NULL
SELECT is((SELECT run('cust_snap') FROM mark('c3')), '(0,2,0,1)', 'back to earlier values: updated 2, unchanged 1');
SELECT is(hist('cust_snap', 'id, name, tier, score'),
		  '(1,Ada,gold,1.50) [c1, c2); (1,Ann,gold,1.50) [c2, c3); (1,Ada,gold,1.50) [c3, -); '
		  '(2,Bob,,) [c1, c2); (2,Bob,,2.00) [c2, c3); (2,Bob,,) [c3, -); '
		  '(3,Cy,silver,3.00) [c1, c2); (3,Cy,,3.00) [c2, -)',
		  'NULL -> value, value -> NULL and A -> B -> A each start a version; versions are contiguous');
SELECT is((SELECT count(DISTINCT dpq_scd_id)::int FROM cust_snap), (SELECT count(*)::int FROM cust_snap),
		  'every version has its own dpq_scd_id');
SELECT throws_ok($$UPDATE tap_snap.cust_snap SET dpq_valid_to = NULL WHERE id = 1 AND dpq_valid_to IS NOT NULL$$, '23505', NULL,
				 'the database itself forbids a second current version of a key');
UPDATE cust SET seen = '2024-02-01 00:00+00' WHERE id = 1;
SELECT is(run('cust_snap'), '(0,1,0,2)', 'check_cols NULL compares every non-key column (a timestamp too)');

BEGIN;
UPDATE cust SET tier = 'gold' WHERE id = 3;
SELECT is(run('cust_snap'), '(0,1,0,2)', 'a change inside a transaction');
SELECT is((SELECT row(dpq_valid_from = now(), dpq_updated_at = now())::text FROM cust_snap WHERE id = 3 AND dpq_valid_to IS NULL),
		  '(t,t)', 'the new version starts at now(), the transaction''s start; dpq_updated_at is now()');
SELECT is((SELECT count(*)::int FROM cust_snap WHERE id = 3 AND dpq_valid_to = now()), 1,
		  'the previous version ends at now()');
COMMIT;

-- passing the same arguments again is another run
SELECT is(snap_first('cust', 'cust_snap', '{id}'), '(0,0,0,3)', 'the long form with the stored configuration runs again');
SELECT is(snap_first('tap_snap.cust', 'tap_snap.cust_snap', ARRAY['id']::name[], 'check', NULL, NULL, 'ignore'),
		  '(0,0,0,3)', 'the same configuration spelt out in full runs again');

-- check_cols
CREATE TABLE price (sku text PRIMARY KEY, price numeric, label text, stock int);
INSERT INTO price VALUES ('a', 1, 'pen', 5), ('b', 2, 'ink', 7);
SELECT is((SELECT snap_first('price', 'price_snap', '{sku}', check_cols => '{price,stock}') FROM mark('p1')),
		  '(2,0,0,0)', 'check_cols: first call');
UPDATE price SET label = 'blue pen' WHERE sku = 'a';
SELECT is(run('price_snap'), '(0,0,0,2)', 'check_cols: a change in another column starts no version');
UPDATE price SET stock = 6, label = 'black ink' WHERE sku = 'b';
SELECT is((SELECT run('price_snap') FROM mark('p2')), '(0,1,0,1)', 'check_cols: a change in a checked column starts one');
SELECT is(hist('price_snap', 'sku, price, label, stock'),
		  '(a,1,pen,5) [p1, -); (b,2,ink,7) [p1, p2); (b,2,"black ink",6) [p2, -)',
		  'check_cols: unchecked columns keep their old value until a checked one changes, then are copied');

-- comparison details: NULL-safe, per column, by the type's equality
CREATE TABLE vals (id int PRIMARY KEY, a int, b int, f float8, n numeric, t text, c text COLLATE "C");
INSERT INTO vals VALUES (1, 1, 2, 0, 1.0, 'x', 'x'), (2, NULL, 1, 'NaN', 2, 'y', 'y');
SELECT is(snap_first('vals', 'vals_snap', '{id}'), '(2,0,0,0)', 'vals: first call');
UPDATE vals SET a = 2, b = 1 WHERE id = 1;
SELECT is(run('vals_snap'), '(0,1,0,1)', 'values swapped between two columns are a change');
UPDATE vals SET a = 1, b = NULL WHERE id = 2;
SELECT is(run('vals_snap'), '(0,1,0,1)', 'a value moving to another column (NULL moving back) is a change');
UPDATE vals SET f = '-0', n = 1.00 WHERE id = 1;
UPDATE vals SET f = 'NaN' WHERE id = 2;
SELECT is(run('vals_snap'), '(0,0,0,2)', 'values equal by the type''s equality (-0 = 0, 1.0 = 1.00, NaN = NaN) are no change');
UPDATE vals SET t = 'x ' WHERE id = 1;
SELECT is(run('vals_snap'), '(0,1,0,1)', 'a trailing space is a change');
UPDATE vals SET t = 'X ' WHERE id = 1;
SELECT is(run('vals_snap'), '(0,1,0,1)', 'a change of case is a change');
SELECT is(viol('{vals_snap}'), NULL, 'vals: the invariants hold');

-- many column types: no change is no change (in any session setting), each
-- change is a change
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TABLE types (id int PRIMARY KEY, i2 smallint, i8 bigint, f4 real, f8 float8, n numeric(10,3), b bool,
					t text, vc varchar(5), bp char(3), by bytea, d date, ts timestamp(0), tz timestamptz,
					iv interval, u uuid, jb jsonb, js json, ip inet, mo mood, dm posint,
					tr tstzrange, vb varbit(8), mn money, xm xml, tv tsvector, tt time(2), ttz timetz);
INSERT INTO types VALUES (1, 1, 2, 1.5, 2.123456789012345, 3.141, true, 'text', 'vc', 'bp', '\x0102',
						  '2024-01-01', '2024-01-01 10:00', '2024-01-01 10:00+00', '1 day 2 hours',
						  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2]}', '{"b": 1}', '10.0.0.1/32',
						  'ok', 5, '[2024-01-01 00:00+00,2024-02-01 00:00+00)', B'1010', 12.34, '<a>1</a>', 'a fat cat',
						  '10:00:00.12', '10:00+02');
SELECT is(snap_first('types', 'types_snap', '{id}'), '(1,0,0,0)', 'types: first call');
SELECT is(run('types_snap'), '(0,0,0,1)', 'types: no change');
SET TimeZone = 'Asia/Kolkata';
SET DateStyle = 'SQL, DMY';
SET IntervalStyle = 'sql_standard';
SET extra_float_digits = -10;
SET bytea_output = 'escape';
SELECT is(run('types_snap'), '(0,0,0,1)', 'types: no change seen under other TimeZone, DateStyle, IntervalStyle, extra_float_digits, bytea_output');
RESET TimeZone;
RESET DateStyle;
RESET IntervalStyle;
RESET extra_float_digits;
RESET bytea_output;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
CREATE TABLE type_changes (col text, expr text);
INSERT INTO type_changes VALUES
	('i2', '2'), ('i8', '3'), ('f4', '1.25'), ('f8', '2.5'), ('n', '3.142'), ('b', 'false'), ('t', '''Text'''),
	('vc', '''vc2'''), ('bp', '''bq'''), ('by', '''\x0103'''), ('d', '''2024-01-02'''), ('ts', '''2024-01-01 10:00:01'''),
	('tz', '''2024-01-01 10:00:00.000001+00'''), ('iv', '''1 day 3 hours'''), ('u', 'gen_random_uuid()'),
	('jb', '''{"a": [2, 1]}'''), ('js', '''{"b":1}'''), ('ip', '''10.0.0.2/32'''),
	('mo', '''happy'''), ('dm', '6'), ('tr', '''[2024-01-01 00:00+00,2024-02-02 00:00+00)'''), ('vb', 'B''1011'''),
	('mn', '12.35'), ('xm', '''<a>2</a>'''), ('tv', '''a fat rat'''), ('tt', '''10:00:00.13'''), ('ttz', '''10:00+03''');
CREATE FUNCTION change_each_type() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	r record;
	got text;
	bad text := '';
BEGIN
	FOR r IN SELECT * FROM tap_snap.type_changes LOOP
		EXECUTE format('UPDATE tap_snap.types SET %I = %s', r.col, r.expr);
		got := tap_snap.run('tap_snap.types_snap');
		IF got <> '(0,1,0,0)' THEN
			bad := bad || r.col || ': ' || got || '; ';
		END IF;
	END LOOP;
	RETURN bad;
END $$;
SELECT is(change_each_type(), '', 'types: a change of any one column starts a version (one transaction, so each replaces the last)');
SELECT is((SELECT count(*)::int FROM types_snap), 2, 'types: changes within one transaction leave one closed and one current version');
SELECT is((SELECT row(id, i2, i8, f4, f8, n, b, t, vc, bp, by, d, ts, tz, iv, u, jb, js, ip, mo, dm, tr, vb, mn, xm, tv, tt, ttz)::text
			 FROM types_snap WHERE dpq_valid_to IS NULL),
		  (SELECT row(t.*)::text FROM types t), 'types: the current version holds the source''s values');

-- types whose values need care: bit(n), point (no hash function: compared by
-- text), arrays, composite values
CREATE TABLE bits (id int PRIMARY KEY, b bit(4), n int);
INSERT INTO bits VALUES (1, B'1010', 1);
SELECT is(snap_first('bits', 'bits_snap', '{id}'), '(1,0,0,0)', 'bit(4) column: first call');
UPDATE bits SET n = 2;
SELECT is(run('bits_snap'), '(0,1,0,0)', 'bit(4) column: a change starts a version');
CREATE TABLE chars (id int PRIMARY KEY, c char(3), n int);
INSERT INTO chars VALUES (1, 'ab', 1);
SELECT is(snap_first('chars', 'chars_snap', '{id}'), '(1,0,0,0)', 'char(3) column: first call');
UPDATE chars SET c = 'xyz', n = 2;
SELECT is(run('chars_snap'), '(0,1,0,0)', 'char(3) column: a change starts a version');
SELECT is((SELECT c::text FROM chars_snap WHERE dpq_valid_to IS NULL), 'xyz', 'char(3) column: the new version keeps the whole value');
CREATE TABLE pts (id int PRIMARY KEY, p point, bx box);
INSERT INTO pts VALUES (1, '(1.123456789012345,2)', '((0,0),(1.000000000000001,1))');
SELECT is(snap_first('pts', 'pts_snap', '{id}'), '(1,0,0,0)', 'point column: first call');
SET extra_float_digits = -10;
SELECT is(run('pts_snap'), '(0,0,0,1)', 'point and box columns: no change seen with extra_float_digits = -10');
RESET extra_float_digits;
SELECT is(run('pts_snap'), '(0,0,0,1)', 'point and box columns: no change seen back with the default extra_float_digits');
CREATE TYPE pair AS (t timestamptz, j json);
CREATE TABLE arr (id int PRIMARY KEY, tags text[], nums int[]);
INSERT INTO arr VALUES (1, '{a,b}', '{1,2}'), (2, NULL, '{}');
SELECT is(snap_first('arr', 'arr_snap', '{id}'), '(2,0,0,0)', 'array columns: first call');
SELECT is(run('arr_snap'), '(0,0,0,2)', 'array columns: a run again');
UPDATE arr SET tags = '{a,c}' WHERE id = 1;
SELECT is(run('arr_snap'), '(0,1,0,1)', 'array columns: a changed array starts a version');
CREATE TABLE comp (id int PRIMARY KEY, p pair);
INSERT INTO comp VALUES (1, row('2024-01-01 10:00+00', '{"x": 1}'));
SELECT is(snap_first('comp', 'comp_snap', '{id}'), '(1,0,0,0)', 'composite column: first call');
SELECT is(run('comp_snap'), '(0,0,0,1)', 'composite column: a run again');
SET TimeZone = 'Asia/Tokyo';
SELECT is(run('comp_snap'), '(0,0,0,1)', 'composite column (with json, so no hash function): no change seen under another TimeZone');
SET TimeZone = 'UTC';
UPDATE comp SET p = row('2024-01-01 10:00+00', '{"x": 2}');
SELECT is(run('comp_snap'), '(0,1,0,0)', 'composite column: a changed value starts a version');

-- ===========================================================================
-- 3. The timestamp strategy
-- ===========================================================================
CREATE TABLE ord (id int PRIMARY KEY, status text, changed timestamptz);
INSERT INTO ord VALUES (1, 'new', '2024-03-01 09:00+00'), (2, 'new', '2024-03-01 10:00+00');
SELECT is(snap_first('ord', 'ord_snap', '{id}', 'timestamp', updated_at => 'changed'), '(2,0,0,0)', 'timestamp: first call');
SELECT is(hist('ord_snap', 'id, status'),
		  '(1,new) [2024-03-01 09:00:00+00, -); (2,new) [2024-03-01 10:00:00+00, -)',
		  'timestamp: first versions start at the source''s updated_at');
SELECT is((SELECT count(*)::int FROM pg_attribute WHERE attrelid = 'ord_snap'::regclass AND attname = 'dpq_row_hash'), 0,
		  'timestamp: no dpq_row_hash');
UPDATE ord SET status = 'paid', changed = '2024-03-02 12:00+00' WHERE id = 1;
UPDATE ord SET status = 'lost' WHERE id = 2;
SELECT is(run('ord_snap'), '(0,1,0,1)', 'timestamp: updated_at moving forward is a change; equal updated_at is none (whatever else changed)');
UPDATE ord SET status = 'found', changed = '2024-02-01 00:00+00' WHERE id = 2;
SELECT is(run('ord_snap'), '(0,0,0,2)', 'timestamp: an older updated_at changes nothing');
SELECT is(hist('ord_snap', 'id, status'),
		  '(1,new) [2024-03-01 09:00:00+00, 2024-03-02 12:00:00+00); (1,paid) [2024-03-02 12:00:00+00, -); '
		  '(2,new) [2024-03-01 10:00:00+00, -)',
		  'timestamp: the new version starts at updated_at, the previous one ends there');
SELECT is((SELECT string_agg(dpq_updated_at::text, ',' ORDER BY dpq_valid_from) FROM ord_snap WHERE id = 1),
		  '2024-03-01 09:00:00+00,2024-03-02 12:00:00+00', 'timestamp: dpq_updated_at is the source''s updated_at');
INSERT INTO ord VALUES (3, 'new', '2024-03-05 00:00+00');
SELECT is(run('ord_snap'), '(1,0,0,2)', 'timestamp: a new key');
SELECT is((SELECT dpq_valid_from::text FROM ord_snap WHERE id = 3), '2024-03-05 00:00:00+00',
		  'timestamp: a new key''s version starts at its updated_at');
-- NULL updated_at: an error naming keys; nothing written
UPDATE ord SET changed = NULL, status = 'x' WHERE id IN (1, 3);
TRUNCATE before;
INSERT INTO before VALUES ('ord_snap', fp('ord_snap'));
SELECT matches(err($$SELECT * FROM dpq.snapshot('tap_snap.ord_snap')$$), '^23502\|.*changed.*\|.*\(id\)=\(1\).*\(id\)=\(3\)',
			   'timestamp: a NULL updated_at is 23502 naming the column and the keys');
SELECT is(fp('ord_snap'), (SELECT fp FROM before WHERE t = 'ord_snap'), 'timestamp: after the NULL updated_at error nothing changed');
SELECT matches(snap_first('ord', 'ord_snap2', '{id}', 'timestamp', updated_at => 'changed'), '^ERROR 23502',
			   'timestamp: first call with a NULL updated_at: 23502');
SELECT ok(to_regclass('tap_snap.ord_snap2') IS NULL, 'timestamp: the failed first call created no table');
UPDATE ord SET changed = '2024-03-06 00:00+00', status = 'paid' WHERE id IN (1, 3);

-- timestamp without time zone (read as UTC) and date (midnight UTC), in any TimeZone
CREATE TABLE ev (id int PRIMARY KEY, day date, at timestamp, note text);
INSERT INTO ev VALUES (1, '2024-05-01', '2024-05-01 08:00', 'a'), (2, '2024-05-02', '2024-05-02 23:30', 'b');
SET TimeZone = 'America/Los_Angeles';
SELECT is(snap_first('ev', 'ev_at', '{id}', 'timestamp', updated_at => 'at'), '(2,0,0,0)', 'timestamp without time zone updated_at: first call');
SELECT is(snap_first('ev', 'ev_day', '{id}', 'timestamp', updated_at => 'day'), '(2,0,0,0)', 'date updated_at: first call');
SET TimeZone = 'UTC';
SELECT is(q($$SELECT string_agg(dpq_valid_from::text, ',' ORDER BY id) FROM tap_snap.ev_at$$),
		  '2024-05-01 08:00:00+00,2024-05-02 23:30:00+00', 'a timestamp without time zone is read as UTC (whatever the TimeZone)');
SELECT is(q($$SELECT string_agg(dpq_valid_from::text, ',' ORDER BY id) FROM tap_snap.ev_day$$),
		  '2024-05-01 00:00:00+00,2024-05-02 00:00:00+00', 'a date is midnight UTC (whatever the TimeZone)');
SET TimeZone = 'Pacific/Auckland';
SET DateStyle = 'German';
SELECT is(run('ev_at'), '(0,0,0,2)', 'timestamp without time zone: no change seen under another TimeZone and DateStyle');
SELECT is(run('ev_day'), '(0,0,0,2)', 'date: no change seen under another TimeZone and DateStyle');
UPDATE ev SET at = '2024-05-03 00:00', day = '2024-05-03', note = 'c' WHERE id = 1;
SELECT is(run('ev_at'), '(0,1,0,1)', 'timestamp without time zone: a newer value is a change');
SELECT is(run('ev_day'), '(0,1,0,1)', 'date: a newer value is a change');
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SELECT is(hist('ev_at', 'id, note', 'id = 1'), '(1,a) [2024-05-01 08:00:00+00, 2024-05-03 00:00:00+00); (1,c) [2024-05-03 00:00:00+00, -)',
		  'timestamp without time zone: versions at the UTC times');
SELECT is(hist('ev_day', 'id, note', 'id = 1'), '(1,a) [2024-05-01 00:00:00+00, 2024-05-03 00:00:00+00); (1,c) [2024-05-03 00:00:00+00, -)',
		  'date: versions at midnight UTC');
-- the version ids do not depend on the session either
-- the same snapshot made in two sessions' settings: the same versions, ids included
CREATE TABLE tzs (id int, k text, d date, v text, changed timestamptz NOT NULL);
INSERT INTO tzs VALUES (1, 'é', '2024-01-01', 'a', '2024-05-01 08:00+00'), (2, 'k', '2024-12-31', 'b', '2024-05-02 23:30+00');
SELECT is(snap_first('tzs', 'tzs_utc', '{id,k,d}', 'timestamp', updated_at => 'changed'), '(2,0,0,0)', 'a snapshot made in UTC, ISO');
SET TimeZone = 'Asia/Kathmandu';
SET DateStyle = 'Postgres, DMY';
SET client_encoding = 'LATIN1';
SELECT is(snap_first('tzs', 'tzs_ktm', '{id,k,d}', 'timestamp', updated_at => 'changed'), '(2,0,0,0)',
		  'the same snapshot made in Asia/Kathmandu, Postgres DMY, LATIN1');
SELECT is(run('tzs_utc'), '(0,0,0,2)', 'the first one run there changes nothing');
RESET client_encoding;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SELECT is((SELECT count(*)::int FROM tzs_utc JOIN tzs_ktm USING (id, k, d, dpq_valid_from, dpq_updated_at, dpq_scd_id)), 2,
		  'the same versions, dpq_scd_id included, whatever TimeZone, DateStyle or client_encoding');

-- ===========================================================================
-- 4. Hard deletes
-- ===========================================================================
-- check strategy, one source, three targets run in the same statement: a
-- key is deleted, the snapshots run again, it comes back, it goes again
CREATE TABLE it (id int PRIMARY KEY, v text);
INSERT INTO it VALUES (1, 'one'), (2, 'two'), (3, 'three');
CREATE FUNCTION run3(l text) RETURNS text LANGUAGE sql AS $$
	SELECT tap_snap.mark(l);
	SELECT tap_snap.run('tap_snap.it_ignore') || tap_snap.run('tap_snap.it_invalidate') || tap_snap.run('tap_snap.it_new_record')
$$;
SELECT is((SELECT snap_first('it', 'it_ignore', '{id}') || snap_first('it', 'it_invalidate', '{id}', hard_deletes => 'invalidate')
				  || snap_first('it', 'it_new_record', '{id}', hard_deletes => 'new_record') FROM mark('d1')),
		  '(3,0,0,0)(3,0,0,0)(3,0,0,0)', 'hard deletes: three first calls');
SELECT is((SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || CASE WHEN attnotnull THEN ' not null' ELSE '' END
							 || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), ''), ', ')
			 FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
			WHERE attrelid = 'it_new_record'::regclass AND attname = 'dpq_is_deleted'),
		  'dpq_is_deleted boolean not null default false', 'new_record: the target has dpq_is_deleted boolean NOT NULL DEFAULT false');
SELECT is((SELECT count(*)::int FROM pg_attribute WHERE attrelid IN ('it_ignore'::regclass, 'it_invalidate'::regclass)
			  AND attname = 'dpq_is_deleted'), 0, 'ignore, invalidate: no dpq_is_deleted');
DELETE FROM it WHERE id = 2;
SELECT is(run3('d2'), '(0,0,0,2)(0,0,1,2)(0,0,1,2)', 'a deleted key: ignore counts nothing, invalidate and new_record count a deletion');
SELECT is(run3('d3'), '(0,0,0,2)(0,0,0,2)(0,0,0,2)', 'run again while the key is gone: nothing written');
INSERT INTO it VALUES (2, 'two');
SELECT is(run3('d4'), '(0,0,0,3)(1,0,0,2)(1,0,0,2)', 'the key comes back: ignore sees no change, the others count an insertion');
DELETE FROM it WHERE id = 2;
SELECT is(run3('d5'), '(0,0,0,2)(0,0,1,2)(0,0,1,2)', 'deleted again');
SELECT is(run3('d6'), '(0,0,0,2)(0,0,0,2)(0,0,0,2)', 'and a run again');
INSERT INTO it VALUES (2, 'deux');
SELECT is(run3('d7'), '(0,1,0,2)(1,0,0,2)(1,0,0,2)', 'back with another value: ignore counts an update');
SELECT is(hist('it_ignore', 'id, v', 'id = 2'), '(2,two) [d1, d7); (2,deux) [d7, -)',
		  'ignore: the version stays current while the key is gone');
SELECT is(hist('it_invalidate', 'id, v', 'id = 2'), '(2,two) [d1, d2); (2,two) [d4, d5); (2,deux) [d7, -)',
		  'invalidate: the version is closed at the run; the key''s return starts a new one');
SELECT is(hist('it_new_record', 'id, v', 'id = 2'),
		  '(2,two) [d1, d2); (2,two) [d2, d4) deleted; (2,two) [d4, d5); (2,two) [d5, d7) deleted; (2,deux) [d7, -)',
		  'new_record: close, add a deletion version (a copy); the return closes it; no redundant deletion rows');
SELECT is(viol('{it_ignore,it_invalidate,it_new_record}'), NULL, 'hard deletes: the invariants hold');
SELECT is((SELECT string_agg(row(deleted, inserted)::text, ',' ORDER BY run_id) FROM dpq.snapshot_runs WHERE target = 'it_new_record'::regclass),
		  '(0,3),(1,0),(0,0),(0,1),(1,0),(0,0),(0,1)', 'new_record: the counts are logged');

-- timestamp strategy deletions: at now(), or at the version's start when that is later
CREATE TABLE tsd (id int PRIMARY KEY, v text, changed timestamptz NOT NULL);
INSERT INTO tsd VALUES (1, 'a', '2024-01-01'), (2, 'b', '2024-01-01'), (3, 'c', '2999-01-01');
SELECT is(snap_first('tsd', 'tsd_inv', '{id}', 'timestamp', updated_at => 'changed', hard_deletes => 'invalidate')
		  || snap_first('tsd', 'tsd_nr', '{id}', 'timestamp', updated_at => 'changed', hard_deletes => 'new_record'),
		  '(3,0,0,0)(3,0,0,0)', 'timestamp deletions: first calls');
DELETE FROM tsd WHERE id IN (1, 2);
SELECT is(run('tsd_inv') || run('tsd_nr'), '(0,0,2,1)(0,0,2,1)', 'timestamp: deletions counted');
SELECT is(run('tsd_inv') || run('tsd_nr'), '(0,0,0,1)(0,0,0,1)', 'timestamp: run again while gone: nothing');
-- back with an updated_at older than the deletion: the version starts at now()
INSERT INTO tsd VALUES (1, 'a2', '2024-06-01');
-- back with an updated_at later than the deletion: it starts then
INSERT INTO tsd VALUES (2, 'b2', now() + interval '1 hour');
BEGIN;
SELECT is(run('tsd_inv') || run('tsd_nr'), '(2,0,0,1)(2,0,0,1)', 'timestamp: two keys come back');
SELECT is((SELECT string_agg(row(id, dpq_valid_from = now())::text, ',' ORDER BY id) FROM tsd_inv WHERE dpq_valid_to IS NULL AND id IN (1, 2)),
		  '(1,t),(2,f)', 'invalidate: an older updated_at starts the version at now(), a later one at updated_at');
SELECT is((SELECT string_agg(row(id, dpq_valid_from = now())::text, ',' ORDER BY id) FROM tsd_nr WHERE dpq_valid_to IS NULL AND id IN (1, 2)),
		  '(1,t),(2,f)', 'new_record: an older updated_at starts the version at now(), a later one at updated_at');
SELECT is((SELECT count(*)::int FROM tsd_nr WHERE id = 2 AND dpq_is_deleted AND dpq_valid_to = (SELECT changed FROM tsd WHERE id = 2)), 1,
		  'new_record: the deletion version ends where the returning version starts');
COMMIT;
-- the key whose version starts in the future (2999) goes: its version is
-- kept, closed 1 microsecond after its start (never an empty interval)
DELETE FROM tsd WHERE id = 3;
SELECT is(run('tsd_inv'), '(0,0,1,2)', 'invalidate: a key whose version starts in the future is deleted');
SELECT is((SELECT string_agg((dpq_valid_to - dpq_valid_from)::text, ',') FROM tsd_inv WHERE id = 3), '00:00:00.000001',
		  'invalidate: its version is kept, 1 microsecond long');
SELECT is(run('tsd_nr'), '(0,0,1,2)', 'new_record: a key whose version starts in the future is deleted');
SELECT is((SELECT string_agg(dpq_is_deleted::text, ',') FROM tsd_nr WHERE id = 3 AND dpq_valid_to IS NULL), 'true',
		  'new_record: its current version is a deletion version');
INSERT INTO tsd VALUES (3, 'c2', '2024-01-01');
SELECT is(run('tsd_inv'), '(1,0,0,2)', 'invalidate: the key comes back with an older updated_at');
SELECT is((SELECT count(*)::int FROM tsd_inv WHERE id = 3 AND dpq_valid_to IS NULL AND v = 'c2'), 1,
		  'invalidate: it has a current version again');
SELECT is(viol('{tsd_inv,tsd_nr}', true), NULL,
		  'timestamp deletions: the invariants hold (but the documented empty versions)');

-- an update after a return that started at now(): the new version must not
-- start before the current one (nor lose it)
CREATE TABLE tsr (id int PRIMARY KEY, v text, changed timestamptz NOT NULL);
INSERT INTO tsr VALUES (1, 'a', '2020-01-01');
SELECT is(snap_first('tsr', 'tsr_inv', '{id}', 'timestamp', updated_at => 'changed', hard_deletes => 'invalidate')
		  || snap_first('tsr', 'tsr_nr', '{id}', 'timestamp', updated_at => 'changed', hard_deletes => 'new_record'),
		  '(1,0,0,0)(1,0,0,0)', 'timestamp return-then-update: first calls');
DELETE FROM tsr;
SELECT is(run('tsr_inv') || run('tsr_nr'), '(0,0,1,0)(0,0,1,0)', 'timestamp return-then-update: deleted');
INSERT INTO tsr VALUES (1, 'b', '2020-06-01');
SELECT is(run('tsr_inv') || run('tsr_nr'), '(1,0,0,0)(1,0,0,0)', 'timestamp return-then-update: back (version from now())');
UPDATE tsr SET v = 'c', changed = '2021-01-01';
SELECT is(run('tsr_inv') || run('tsr_nr'), '(0,1,0,0)(0,1,0,0)', 'timestamp return-then-update: updated with an updated_at between');
SELECT is((SELECT count(*)::int FROM tsr_inv) || ',' || (SELECT count(*)::int FROM tsr_nr), '3,4',
		  'timestamp return-then-update: no version is lost');
SELECT is(viol('{tsr_inv,tsr_nr}'), NULL,
		  'timestamp return-then-update: versions do not overlap');

-- ===========================================================================
-- 5. Two runs in one transaction
-- ===========================================================================
CREATE TABLE tx (id int PRIMARY KEY, v text);
INSERT INTO tx VALUES (1, 'a'), (2, 'b');
SELECT is((SELECT snap_first('tx', 'tx_ignore', '{id}') || snap_first('tx', 'tx_inv', '{id}', hard_deletes => 'invalidate')
				  || snap_first('tx', 'tx_nr', '{id}', hard_deletes => 'new_record') FROM mark('x1')),
		  '(2,0,0,0)(2,0,0,0)(2,0,0,0)', 'same transaction: first calls');
CREATE FUNCTION run_tx() RETURNS text LANGUAGE sql AS $$
	SELECT tap_snap.run('tap_snap.tx_ignore') || tap_snap.run('tap_snap.tx_inv') || tap_snap.run('tap_snap.tx_nr') $$;
BEGIN;
SELECT mark('x2');
UPDATE tx SET v = 'a1' WHERE id = 1;
SELECT is(run_tx(), '(0,1,0,1)(0,1,0,1)(0,1,0,1)', 'same transaction: a change');
UPDATE tx SET v = 'a2' WHERE id = 1;
SELECT is(run_tx(), '(0,1,0,1)(0,1,0,1)(0,1,0,1)', 'same transaction: a second change of the same key');
COMMIT;
SELECT is(hist('tx_ignore', 'id, v', 'id = 1') || ' | ' || hist('tx_nr', 'id, v', 'id = 1'),
		  '(1,a) [x1, x2); (1,a2) [x2, -) | (1,a) [x1, x2); (1,a2) [x2, -)',
		  'same transaction: the second run replaced the version the first made (no empty interval)');
BEGIN;
SELECT mark('x3');
INSERT INTO tx VALUES (3, 'c');
SELECT is(run_tx(), '(1,0,0,2)(1,0,0,2)(1,0,0,2)', 'same transaction: a new key');
DELETE FROM tx WHERE id = 3;
SELECT is(run_tx(), '(0,0,0,2)(0,0,1,2)(0,0,1,2)', 'same transaction: the new key deleted again');
INSERT INTO tx VALUES (3, 'c2');
SELECT is(run_tx(), '(0,1,0,2)(1,0,0,2)(1,0,0,2)', 'same transaction: and back');
COMMIT;
SELECT is(viol('{tx_ignore,tx_inv,tx_nr}'), NULL,
		  'same transaction: insert, delete, insert leaves no empty or overlapping version');
SELECT is((SELECT count(*)::int FROM tx_inv WHERE id = 3 AND dpq_valid_to IS NULL AND v = 'c2')
		  + (SELECT count(*)::int FROM tx_nr WHERE id = 3 AND dpq_valid_to IS NULL AND v = 'c2' AND NOT dpq_is_deleted), 2,
		  'same transaction: the last value is the current version');

-- ===========================================================================
-- 6. Keys
-- ===========================================================================
CREATE TABLE stock (shop text, item int, qty int);
INSERT INTO stock VALUES ('n', 1, 10), ('s', 1, 3), ('n', 2, 0);
SELECT is(snap_first('stock', 'stock_snap', '{shop,item}', hard_deletes => 'new_record'), '(3,0,0,0)', 'composite key: first call');
UPDATE stock SET qty = 4 WHERE shop = 's';
DELETE FROM stock WHERE shop = 'n' AND item = 2;
INSERT INTO stock VALUES ('s', 2, 1);
SELECT is(run('stock_snap'), '(1,1,1,1)', 'composite key: a new, a changed, a deleted and an unchanged key');
SELECT is((SELECT string_agg(row(shop, item, qty)::text, ',' ORDER BY shop, item) FROM stock_snap WHERE dpq_valid_to IS NULL AND NOT dpq_is_deleted),
		  '(n,1,10),(s,1,4),(s,2,1)', 'composite key: the current versions are the source');
SELECT is(unique_indexes('stock_snap'), 'dpq_scd_id|; shop, item|(dpq_valid_to IS NULL)',
		  'composite key: the unique index among current versions covers every key column');
TRUNCATE before;
INSERT INTO before VALUES ('stock_snap', fp('stock_snap'));
INSERT INTO stock VALUES ('e', NULL, 1), (NULL, 7, 1), (NULL, NULL, 1), ('f', NULL, 1), ('g', NULL, 1), ('h', NULL, 1), ('i', NULL, 1);
SELECT matches(err($$SELECT * FROM dpq.snapshot('tap_snap.stock_snap')$$), '^23502\|',
			   'a NULL key part: 23502 not_null_violation');
SELECT matches(err($$SELECT * FROM dpq.snapshot('tap_snap.stock_snap')$$), '\|[^|]*\(shop, item\)=\(e, NULL\)',
			   'a NULL key part: the detail names the key like (shop, item)=(e, NULL)');
SELECT is((SELECT count(*)::int FROM regexp_matches(split_part(err($$SELECT * FROM dpq.snapshot('tap_snap.stock_snap')$$), '|', 3), '\)=\(', 'g')),
		  5, 'a NULL key part: the detail names 5 of the 7 offending keys');
SELECT is(fp('stock_snap'), (SELECT fp FROM before), 'a NULL key part: nothing written, no run logged');
DELETE FROM stock WHERE shop IS NULL OR item IS NULL;
INSERT INTO stock VALUES ('s', 2, 5), ('n', 1, 11), ('n', 1, 12);
SELECT matches(err($$SELECT * FROM dpq.snapshot('tap_snap.stock_snap')$$), '^23505\|.*\|.*\(shop, item\)=\((s, 2|n, 1)\).*\(shop, item\)=\((s, 2|n, 1)\)',
			   'duplicate keys: 23505 unique_violation naming the keys');
SELECT is(fp('stock_snap'), (SELECT fp FROM before), 'duplicate keys: nothing written, no run logged');
SELECT matches(snap_first('stock', 'stock_snap2', '{shop,item}'), '^ERROR 23505', 'duplicate keys on a first call: 23505');
SELECT ok(to_regclass('tap_snap.stock_snap2') IS NULL AND NOT EXISTS (SELECT FROM dpq.snapshot_run_log WHERE target_name LIKE '%stock_snap2%'),
		  'duplicate keys on a first call: no table created, no run logged');
DELETE FROM stock WHERE (shop, item, qty) IN (('s', 2, 5), ('n', 1, 12));

-- no scan to check the key when a unique index and NOT NULL prove it
CREATE TABLE proven (id int PRIMARY KEY, v text);
CREATE TABLE unproven (id int, v text);
INSERT INTO proven SELECT g, 'v' FROM generate_series(1, 100) g;
INSERT INTO unproven SELECT g, 'v' FROM generate_series(1, 100) g;
SELECT is(snap_first('proven', 'proven_snap', '{id}') || snap_first('unproven', 'unproven_snap', '{id}'),
		  '(100,0,0,0)(100,0,0,0)', 'key proof: first calls');
CREATE FUNCTION scans_of_run(src regclass, tgt regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	n0 bigint;
	n1 bigint;
BEGIN
	SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) INTO n0 FROM pg_stat_xact_user_tables WHERE relid = src;
	PERFORM tap_snap.run(tgt);
	SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) INTO n1 FROM pg_stat_xact_user_tables WHERE relid = src;
	RETURN n1 - n0;
END $$;
SELECT is(scans_of_run('proven', 'proven_snap'), 1::bigint, 'a primary key proves the key: the source is read once');

-- keys of text with collations
CREATE TABLE ck (k text COLLATE "C", v int);
INSERT INTO ck VALUES ('a', 1), ('B', 2), ('é', 3);
SELECT is(snap_first('ck', 'ck_snap', '{k}'), '(3,0,0,0)', 'text key with collation "C"');
SELECT is((SELECT collname::text FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation
			WHERE attrelid = 'ck_snap'::regclass AND attname = 'k'), 'C', 'the key keeps its collation in the target');
UPDATE ck SET v = 4 WHERE k = 'é';
INSERT INTO ck VALUES ('b', 5);
SELECT is(run('ck_snap'), '(1,1,0,2)', 'text key: "b" and "B" are different keys; a non-ASCII key matches itself');
CREATE COLLATION tap_snap.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE cik (k text COLLATE tap_snap.ci, v int);
INSERT INTO cik VALUES ('Abc', 1), ('x', 2);
SELECT is(snap_first('cik', 'cik_snap', '{k}'), '(2,0,0,0)', 'text key with a case-insensitive (nondeterministic) collation');
UPDATE cik SET k = 'ABC' WHERE k = 'abc';
SELECT is(run('cik_snap'), '(0,0,0,2)', 'case-insensitive key: a key changing case only is the same key');
INSERT INTO cik VALUES ('aBC', 3);
SELECT matches(run('cik_snap'), '^ERROR 23505', 'case-insensitive key: "ABC" and "aBC" are duplicates by the key''s collation');
DELETE FROM cik WHERE k = 'aBC' AND v = 3;
-- a key type without hashable equality
CREATE TABLE jk (k json, v int);
SELECT matches(snap_first('jk', 'jk_snap', '{k}'), '^ERROR 42883', 'a key of type json (no hashable equality): 42883');
SELECT ok(to_regclass('tap_snap.jk_snap') IS NULL, 'a key of type json: no table created');

-- ===========================================================================
-- 7. The source's schema changes
-- ===========================================================================
CREATE TABLE evo (id int PRIMARY KEY, a text, b int, s varchar(10), n numeric(8,3));
INSERT INTO evo VALUES (1, 'x', 1, 'abc', 1.234), (2, 'y', 2, 'def', 2.5);
SELECT is((SELECT snap_first('evo', 'evo_snap', '{id}') || snap_first('evo', 'evo_cc', '{id}', check_cols => '{a}') FROM mark('e1')),
		  '(2,0,0,0)(2,0,0,0)', 'schema evolution: first calls');
ALTER TABLE evo ADD COLUMN c text;
SELECT is(run('evo_snap') || run('evo_cc'), '(0,0,0,2)(0,0,0,2)', 'a new source column, NULL everywhere: no change');
SELECT is((SELECT count(*)::int FROM evo_snap WHERE c IS NULL), 2, 'the new column is added to the target, NULL in older versions');
UPDATE evo SET c = 'new' WHERE id = 1;
SELECT is((SELECT run('evo_snap') || run('evo_cc') FROM mark('e2')), '(0,1,0,1)(0,0,0,2)',
		  'a value in the new column: a change with check_cols NULL, none with check_cols set');
UPDATE evo SET a = 'x2' WHERE id = 1;
SELECT is((SELECT run('evo_cc') || run('evo_snap') FROM mark('e3')), '(0,1,0,1)(0,1,0,1)',
		  'check_cols set: the new column is copied when a checked one changes');
SELECT is(hist('evo_cc', 'id, a, c', 'id = 1'), '(1,x,) [e1, e3); (1,x2,new) [e3, -)', 'check_cols set: history');
ALTER TABLE evo DROP COLUMN b;
SELECT is(run('evo_snap') || run('evo_cc'), '(0,0,0,2)(0,0,0,2)', 'a dropped source column: no spurious version');
SELECT is((SELECT count(*)::int FROM pg_attribute WHERE attrelid = 'evo_snap'::regclass AND attname = 'b' AND NOT attisdropped), 1,
		  'a dropped source column stays in the target');
UPDATE evo SET a = 'y2' WHERE id = 2;
SELECT is(run('evo_snap'), '(0,1,0,1)', 'a change after the drop');
SELECT is((SELECT string_agg(coalesce(b::text, 'NULL'), ',' ORDER BY dpq_valid_from) FROM evo_snap WHERE id = 2), '2,NULL',
		  'the dropped column is NULL in new versions, kept in old ones');
ALTER TABLE evo ALTER COLUMN id TYPE bigint, ALTER COLUMN s TYPE varchar(20), ALTER COLUMN a TYPE varchar(30);
SELECT is(run('evo_snap'), '(0,0,0,2)', 'widened types: no change');
SELECT is((SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum) FROM pg_attribute
			WHERE attrelid = 'evo_snap'::regclass AND attname IN ('id', 'a', 's')),
		  'id bigint, a text, s character varying(20)',
		  'widened types are followed in the target (text stays text: it holds every varchar(30))');
ALTER TABLE evo ALTER COLUMN s TYPE text;
SELECT is(run('evo_snap'), '(0,0,0,2)', 'varchar to text: followed');
SELECT is((SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'evo_snap'::regclass AND attname = 's'), 'text',
		  'varchar to text in the target');
ALTER TABLE evo ALTER COLUMN c TYPE varchar(5);
SELECT is(run('evo_snap'), '(0,0,0,2)', 'a target column wider than the source''s is kept');
ALTER TABLE evo RENAME COLUMN c TO c2;
SELECT is(run('evo_snap'), '(0,1,0,1)', 'a renamed column is a new column: where it has a value, a new version');
SELECT is((SELECT row(c, c2)::text FROM evo_snap WHERE id = 1 AND dpq_valid_to IS NULL), '(,new)',
		  'a renamed column: the old name stays (NULL from now on), the new one is added');
-- narrowing and incompatible changes are errors that change nothing
CREATE TABLE narrow (id int PRIMARY KEY, n numeric(8,3), s varchar(10), i bigint, m int);
INSERT INTO narrow VALUES (1, 1.234, 'abcdefgh', 1, 1);
SELECT is(snap_first('narrow', 'narrow_snap', '{id}'), '(1,0,0,0)', 'narrow: first call');
TRUNCATE before;
INSERT INTO before VALUES ('narrow_snap', fp('narrow_snap'));
ALTER TABLE narrow ALTER COLUMN n TYPE numeric(8,1);
SELECT matches(run('narrow_snap'), '^ERROR 42804', 'a narrower numeric scale is not followed: 42804 (history is never rounded)');
SELECT is(fp('narrow_snap'), (SELECT fp FROM before), 'a narrower numeric scale: nothing changed');
ALTER TABLE narrow ALTER COLUMN n TYPE numeric(8,3);
TRUNCATE before;
INSERT INTO before VALUES ('narrow_snap', fp('narrow_snap'));
ALTER TABLE narrow ALTER COLUMN s TYPE varchar(8);
-- the target's varchar(10) holds every varchar(8): kept (n changed: 1.234 was rounded above)
SELECT is(run('narrow_snap'), '(0,1,0,0)', 'a shorter varchar in the source: the run goes on');
SELECT is((SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'narrow_snap'::regclass AND attname = 's'),
		  'character varying(10)', 'a shorter varchar: the target keeps its wider column');
TRUNCATE before;
INSERT INTO before VALUES ('narrow_snap', fp('narrow_snap'));
ALTER TABLE narrow ALTER COLUMN s TYPE varchar(10);
TRUNCATE before;
INSERT INTO before VALUES ('narrow_snap', fp('narrow_snap'));
ALTER TABLE narrow ALTER COLUMN i TYPE int;
SELECT matches(run('narrow_snap'), '^(ERROR 42804|\(0,0,0,1\))', 'bigint to integer: an error, or kept as bigint');
SELECT is(split_part(fp('narrow_snap'), ':', 3), split_part((SELECT fp FROM before), ':', 3), 'bigint to integer: the target is not narrowed');
ALTER TABLE narrow ALTER COLUMN i TYPE bigint;
TRUNCATE before;
INSERT INTO before VALUES ('narrow_snap', fp('narrow_snap'));
ALTER TABLE narrow ALTER COLUMN m TYPE text;
SELECT matches(err($$SELECT * FROM dpq.snapshot('tap_snap.narrow_snap')$$), '^42804\|.*"m".*',
			   'an incompatible type change (integer to text): 42804 naming the column');
SELECT is(fp('narrow_snap'), (SELECT fp FROM before), 'an incompatible type change: nothing changed');
ALTER TABLE narrow ALTER COLUMN m TYPE int USING m::int;
SELECT is(run('narrow_snap'), '(0,0,0,1)', 'narrow: back to the first types, no change');
SELECT matches(run('evo_cc'), '^\(', 'check_cols set: still runs after the rename of an unchecked column');
ALTER TABLE evo RENAME COLUMN a TO a2;
SELECT matches(run('evo_cc'), '^ERROR 42703', 'a check column renamed away: 42703');
ALTER TABLE evo RENAME COLUMN a2 TO a;
ALTER TABLE evo RENAME COLUMN id TO ident;
SELECT matches(run('evo_snap'), '^ERROR 42703', 'the key column renamed away: 42703');
ALTER TABLE evo RENAME COLUMN ident TO id;
ALTER TABLE ord RENAME COLUMN changed TO changed2;
SELECT matches(run('ord_snap'), '^ERROR 42703', 'the updated_at column renamed away: 42703');
ALTER TABLE ord RENAME COLUMN changed2 TO changed;

-- ===========================================================================
-- 8. Bad input: a clear error, nothing changed
-- ===========================================================================
CREATE TABLE bad (id int, k2 int, v text, at timestamptz, n int, j json, dpq int);
INSERT INTO bad VALUES (1, 1, 'a', now(), 1, '{}', 1);
CREATE TABLE resv (id int, dpq_valid_from int);
CREATE TABLE not_a_snapshot (id int);
CREATE SEQUENCE seq;
CREATE TABLE before_all (configs bigint, runs bigint, rels bigint);
INSERT INTO before_all SELECT (SELECT count(*) FROM dpq.snapshot_config), (SELECT count(*) FROM dpq.snapshot_run_log),
							  (SELECT count(*) FROM pg_class WHERE relnamespace = 'tap_snap'::regnamespace);
SELECT throws_ok($$SELECT * FROM dpq.snapshot(NULL, 'x', '{id}')$$, '22004', NULL, 'NULL source: 22004');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', NULL, '{id}')$$, '22004', NULL, 'NULL target: 22004');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', NULL)$$, '22004', NULL, 'NULL unique_key: 22004');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{id}', NULL)$$, '22004', NULL, 'NULL strategy: 22004');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{id}', hard_deletes => NULL)$$, '22004', NULL, 'NULL hard_deletes: 22004');
SELECT throws_ok($$SELECT * FROM dpq.snapshot(NULL::regclass)$$, '22004', NULL, 'dpq.snapshot(NULL): 22004');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{id,NULL}')$$, '22004', NULL, 'a NULL in unique_key: 22004');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('tap_snap_no_such_table', 'x', '{id}')$$, '42P01', NULL, 'unknown source: 42P01');
SELECT throws_ok($$SELECT * FROM dpq.snapshot(4294967295::oid::regclass, 'x', '{id}')$$, '42P01', NULL, 'unknown source OID: 42P01');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('seq', 'x', '{last_value}')$$, '42809', NULL, 'a sequence as source: 42809');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{nope}')$$, '42703', NULL, 'key not in the source: 42703');
SELECT throws_like($$SELECT * FROM dpq.snapshot('bad', 'x', '{nope}')$$, '%nope%', 'key not in the source: the message names it');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{id,nope}')$$, '42703', NULL, 'a key part not in the source: 42703');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{id}', check_cols => '{v,nope}')$$, '42703', NULL, 'check_cols not in the source: 42703');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{id}', 'timestamp', updated_at => 'nope')$$, '42703', NULL, 'updated_at not in the source: 42703');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{id}', 'timestamp', updated_at => 'n')$$, '42804', NULL, 'updated_at of type integer: 42804');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{id}', 'timestamp', updated_at => 'v')$$, '42804', NULL, 'updated_at of type text: 42804');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{id}', 'snapshot')$$, '22023', NULL, 'an unknown strategy: 22023');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{id}', 'Check')$$, '22023', NULL, 'strategy is case-sensitive: 22023');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{id}', hard_deletes => 'delete')$$, '22023', NULL, 'an unknown hard_deletes: 22023');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{id}', 'timestamp')$$, '22023', NULL, 'timestamp without updated_at: 22023');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{id}', updated_at => 'at')$$, '22023', NULL, 'updated_at with the check strategy: 22023');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{id}', 'timestamp', check_cols => '{v}', updated_at => 'at')$$, '22023', NULL,
				 'check_cols with the timestamp strategy: 22023');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{}')$$, '22023', NULL, 'an empty unique_key: 22023');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{id}', check_cols => '{}')$$, '22023', NULL, 'an empty check_cols: 22023');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{id,id}')$$, '22023', NULL, 'a key column twice: 22023');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{id}', check_cols => '{v,v}')$$, '22023', NULL, 'a check column twice: 22023');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', '', '{id}')$$, '22023', NULL, 'an empty target name: 22023');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'tap_snap_no_schema.x', '{id}')$$, '3F000', NULL, 'a target in an unknown schema: 3F000');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'not_a_snapshot', '{id}')$$, '42P07', NULL, 'a target that exists and is not a snapshot: 42P07');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('not_a_snapshot')$$, '42809', NULL, 'dpq.snapshot(target) of a table that is not a snapshot: 42809');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('seq')$$, '42809', NULL, 'dpq.snapshot(target) of a sequence: 42809');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('resv', 'x', '{id}')$$, '42701', NULL, 'a source column named dpq_valid_from: 42701');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('cust_snap', 'x', '{id}')$$, '42701', NULL, 'a snapshot as source (dpq''s column names): 42701');
SELECT lives_ok($$SELECT * FROM dpq.snapshot('bad', 'bad_snap', '{id}')$$, 'a column named just "dpq" is fine');
SELECT throws_ok($$SELECT * FROM dpq.snapshot('bad', 'x', '{j}')$$, '42883', NULL, 'a json key: 42883');
SELECT is((SELECT row((SELECT count(*) FROM dpq.snapshot_config) - configs, (SELECT count(*) FROM dpq.snapshot_run_log) - runs,
					  (SELECT count(*) FROM pg_class WHERE relnamespace = 'tap_snap'::regnamespace
						  AND oid <> 'bad_snap'::regclass
						  AND oid NOT IN (SELECT objid FROM pg_depend WHERE classid = 'pg_class'::regclass
											 AND refobjid = 'bad_snap'::regclass)) - rels)::text
			 FROM before_all),
		  '(1,1,0)', 'bad input: no table, configuration or run was made, but bad_snap''s');
SELECT ok(to_regclass('tap_snap.x') IS NULL, 'bad input: no target x');

-- another configuration for an existing target: 22023 naming the setting
TRUNCATE before;
INSERT INTO before VALUES ('it_new_record', fp('it_new_record'));
SELECT matches(err($$SELECT * FROM dpq.snapshot('tap_snap.tx', 'tap_snap.it_new_record', '{id}', hard_deletes => 'new_record')$$),
			   '^22023\|snapshot "tap_snap.it_new_record" was created with another configuration\|.*source', 'another source: 22023, detail names source');
SELECT matches(err($$SELECT * FROM dpq.snapshot('tap_snap.it', 'tap_snap.it_new_record', '{v}', hard_deletes => 'new_record')$$),
			   '^22023\|.*\|.*unique_key', 'another unique_key: 22023, detail names unique_key');
SELECT matches(err($$SELECT * FROM dpq.snapshot('tap_snap.it', 'tap_snap.it_new_record', '{id}', check_cols => '{v}', hard_deletes => 'new_record')$$),
			   '^22023\|.*\|.*check_cols', 'other check_cols: 22023, detail names check_cols');
SELECT matches(err($$SELECT * FROM dpq.snapshot('tap_snap.it', 'tap_snap.it_new_record', '{id}')$$),
			   '^22023\|.*\|.*hard_deletes', 'another hard_deletes: 22023, detail names hard_deletes');
SELECT matches(err($$SELECT * FROM dpq.snapshot('tap_snap.tsd', 'tap_snap.tsd_nr', '{id}', hard_deletes => 'new_record')$$),
			   '^22023\|.*\|.*strategy', 'another strategy: 22023, detail names strategy');
ALTER TABLE tsd ADD COLUMN changed2 timestamptz;
SELECT matches(err($$SELECT * FROM dpq.snapshot('tap_snap.tsd', 'tap_snap.tsd_nr', '{id}', 'timestamp', updated_at => 'changed2', hard_deletes => 'new_record')$$),
			   '^22023\|.*\|.*updated_at', 'another updated_at: 22023, detail names updated_at');
SELECT is(fp('it_new_record'), (SELECT fp FROM before), 'another configuration: nothing changed');

-- the source dropped
CREATE TABLE gone (id int PRIMARY KEY, v text);
INSERT INTO gone VALUES (1, 'a');
SELECT is(snap_first('gone', 'gone_snap', '{id}'), '(1,0,0,0)', 'a snapshot whose source will be dropped');
DROP TABLE gone;
SELECT matches(run('gone_snap'), '^ERROR ', 'the source dropped: a run is an error');
SELECT matches(run('gone_snap'), 'gone', 'the source dropped: the error names the source');
SELECT is((SELECT row(source, source_name)::text FROM dpq.snapshots WHERE target = 'gone_snap'::regclass), '(,tap_snap.gone)',
		  'the source dropped: dpq.snapshots shows no source, and its last name');
-- the target renamed, then dropped
ALTER TABLE gone_snap RENAME TO gone_snap2;
SELECT is((SELECT target_name FROM dpq.snapshots WHERE target = 'gone_snap2'::regclass), 'gone_snap2', 'a renamed target is followed');
CREATE TEMP TABLE gone_oid AS SELECT 'gone_snap2'::regclass::oid AS oid;
DROP TABLE gone_snap2;
SELECT is((SELECT count(*)::int FROM dpq.snapshots WHERE target::oid = (SELECT oid FROM gone_oid)), 0,
		  'a dropped target leaves dpq.snapshots');
SELECT is((SELECT string_agg(DISTINCT target_name, ',') FROM dpq.snapshot_runs WHERE run_id IN
			(SELECT run_id FROM dpq.snapshot_run_log WHERE target_name = 'tap_snap.gone_snap')), 'tap_snap.gone_snap',
		  'a dropped target''s runs keep its name');

-- ===========================================================================
-- 9. as_of
-- ===========================================================================
SELECT is((SELECT string_agg(id || ':' || v, ',' ORDER BY id) FROM dpq.as_of(NULL::it_new_record, (SELECT at FROM marks WHERE label = 'd3'))),
		  '1:one,3:three', 'as_of: the versions valid at a time; a deletion version is not a row');
SELECT is((SELECT string_agg(id || ':' || v, ',' ORDER BY id) FROM dpq.as_of(NULL::it_new_record, (SELECT at FROM marks WHERE label = 'd4'))),
		  '1:one,2:two,3:three', 'as_of: at valid_from the version is valid');
SELECT is((SELECT string_agg(id || ':' || v, ',' ORDER BY id) FROM dpq.as_of(NULL::it_invalidate, (SELECT at FROM marks WHERE label = 'd2'))),
		  '1:one,3:three', 'as_of: at valid_to it is not');
SELECT is((SELECT string_agg(id || ':' || v, ',' ORDER BY id) FROM dpq.as_of(NULL::it_ignore, now())),
		  '1:one,2:deux,3:three', 'as_of now(): the current versions');
SELECT is((SELECT count(*)::int FROM dpq.as_of(NULL::it_ignore, (SELECT at FROM marks WHERE label = 'd1') - interval '1 microsecond')),
		  0, 'as_of before the first run: nothing');
SELECT is((SELECT count(*)::int FROM dpq.as_of(NULL::tap_snap_other.cust_snap, now())), 3, 'as_of: a target in another schema');
SELECT is((SELECT string_agg(dpq_scd_id::text, ',' ORDER BY id) FROM dpq.as_of(NULL::ord_snap, '2024-03-02 12:00+00')),
		  (SELECT string_agg(dpq_scd_id::text, ',' ORDER BY id) FROM ord_snap WHERE dpq_valid_from <= '2024-03-02 12:00+00'
			 AND coalesce(dpq_valid_to, 'infinity') > '2024-03-02 12:00+00'),
		  'as_of returns whole versions (dpq columns included)');
SELECT throws_ok($$SELECT * FROM dpq.as_of(NULL::tap_snap.it_ignore, NULL)$$, '22004', NULL, 'as_of at NULL: 22004');
SELECT throws_ok($$SELECT * FROM dpq.as_of(1, now())$$, '42809', NULL, 'as_of of a non-row type: 42809');
SELECT throws_ok($$SELECT * FROM dpq.as_of(NULL::tap_snap.not_a_snapshot, now())$$, '42809', NULL, 'as_of of a table that is not a snapshot: 42809');

-- ===========================================================================
-- 10. All or nothing
-- ===========================================================================
CREATE TABLE aon (id int PRIMARY KEY, v text);
INSERT INTO aon SELECT g, 'v' || g FROM generate_series(1, 25000) g;
SELECT is(snap_first('aon', 'aon_snap', '{id}', hard_deletes => 'new_record'), '(25000,0,0,0)', 'all or nothing: first call');
ALTER TABLE aon_snap ADD CONSTRAINT boom CHECK (v IS DISTINCT FROM 'boom');
UPDATE aon SET v = 'w' || id;
UPDATE aon SET v = 'boom' WHERE id = 24000;
DELETE FROM aon WHERE id <= 100;
TRUNCATE before;
INSERT INTO before VALUES ('aon_snap', fp('aon_snap'));
SELECT matches(run('aon_snap'), '^ERROR 23514', 'all or nothing: a failure in the last batch is an error');
SELECT is(fp('aon_snap'), (SELECT fp FROM before), 'all or nothing: nothing of the earlier batches is left, no run logged');
ALTER TABLE aon_snap DROP CONSTRAINT boom;
BEGIN;
SELECT is(snap_first('aon', 'aon_rolled_back', '{id}'), '(24900,0,0,0)', 'a first call in a transaction');
ROLLBACK;
SELECT ok(to_regclass('tap_snap.aon_rolled_back') IS NULL
		  AND NOT EXISTS (SELECT FROM dpq.snapshot_config WHERE target_name LIKE '%aon_rolled_back%')
		  AND NOT EXISTS (SELECT FROM dpq.snapshot_run_log WHERE target_name LIKE '%aon_rolled_back%'),
		  'the caller''s rollback takes the table, the configuration and the run away');

-- ===========================================================================
-- 11. Batches (10,000 changes each) and both ways of comparing
-- ===========================================================================
CREATE TABLE big (id int, grp int, v text, PRIMARY KEY (grp, id));
INSERT INTO big SELECT g, g % 7, 'v' || g FROM generate_series(1, 20000) g;
SELECT is(snap_first('big', 'big_mem', '{grp,id}', hard_deletes => 'new_record')
		  || snap_first('big', 'big_join', '{grp,id}', hard_deletes => 'new_record'),
		  '(20000,0,0,0)(20000,0,0,0)', 'batches: first calls, 20,000 rows');
UPDATE big SET v = 'w' || id WHERE id <= 12000;
DELETE FROM big WHERE id > 17000;
INSERT INTO big SELECT g, g % 7, 'n' || g FROM generate_series(20001, 22500) g;
CREATE FUNCTION run_big() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	r := tap_snap.run('tap_snap.big_mem');
	IF current_setting('dpq.snapshot_work_mem', true) IS NOT NULL THEN
		PERFORM set_config('dpq.snapshot_work_mem', '1MB', true);
	END IF;
	RETURN r || tap_snap.run('tap_snap.big_join');
END $$;
SELECT is(run_big(), '(2500,12000,3000,5000)(2500,12000,3000,5000)',
		  'batches: 2,500 new, 12,000 changed, 3,000 deleted, 5,000 unchanged (in memory, and by a join)');
SELECT is((SELECT count(*)::int FROM ((SELECT id, grp, v, dpq_valid_from, dpq_valid_to, dpq_is_deleted FROM big_mem
									   EXCEPT SELECT id, grp, v, dpq_valid_from, dpq_valid_to, dpq_is_deleted FROM big_join)
									  UNION ALL
									  (SELECT id, grp, v, dpq_valid_from, dpq_valid_to, dpq_is_deleted FROM big_join
									   EXCEPT SELECT id, grp, v, dpq_valid_from, dpq_valid_to, dpq_is_deleted FROM big_mem)) d),
		  0, 'batches: both ways give the same versions');
SELECT is((SELECT count(*)::int FROM big_mem), 20000 + 12000 + 3000 + 2500, 'batches: every version is there');
SELECT is((SELECT count(*)::int FROM ((SELECT id, grp, v FROM big_mem WHERE dpq_valid_to IS NULL AND NOT dpq_is_deleted)
									  EXCEPT (SELECT id, grp, v FROM big)) d), 0, 'batches: the current versions are the source');
SELECT is(viol('{big_mem,big_join}'), NULL,
		  'batches: the invariants hold');
SELECT is(run_big(), '(0,0,0,19500)(0,0,0,19500)', 'batches: a run again changes nothing');

-- ===========================================================================
-- 12. Permissions: the statements run as the caller
-- ===========================================================================
CREATE ROLE tap_snap_w;			-- SELECT on the source; SELECT, INSERT, UPDATE on the target
CREATE ROLE tap_snap_r;			-- SELECT on both
CREATE ROLE tap_snap_ins;		-- SELECT on the source; SELECT, INSERT on the target
CREATE ROLE tap_snap_nosrc;		-- SELECT, INSERT, UPDATE on the target only
CREATE ROLE tap_snap_nocreate;	-- SELECT on the source, CREATE on no schema
CREATE ROLE tap_snap_own;		-- owns schema tap_snap_own
CREATE ROLE tap_snap_aud IN ROLE dpq_auditor;
CREATE ROLE tap_snap_adm IN ROLE dpq_admin;
CREATE SCHEMA tap_snap_own AUTHORIZATION tap_snap_own;
CREATE TABLE perm (id int PRIMARY KEY, v text);
INSERT INTO perm VALUES (1, 'a'), (2, 'b');
SELECT is(snap_first('perm', 'perm_snap', '{id}'), '(2,0,0,0)', 'permissions: a snapshot made by a superuser');
GRANT SELECT ON perm TO tap_snap_w, tap_snap_r, tap_snap_ins, tap_snap_nocreate, tap_snap_own, tap_snap_adm;
GRANT SELECT, INSERT, UPDATE ON perm_snap TO tap_snap_w, tap_snap_nosrc;
GRANT SELECT ON perm_snap TO tap_snap_r;
GRANT SELECT, INSERT ON perm_snap TO tap_snap_ins;
UPDATE perm SET v = 'a2' WHERE id = 1;
TRUNCATE before;
INSERT INTO before VALUES ('perm_snap', fp('perm_snap'));
SET ROLE tap_snap_r;
SELECT matches(run('tap_snap.perm_snap'), '^ERROR 42501', 'SELECT on the target is not enough to run it: 42501');
SELECT matches(snap_first('tap_snap.perm', 'tap_snap.perm_snap', '{id}'), '^ERROR 42501', 'nor with the long form: 42501');
RESET ROLE;
SET ROLE tap_snap_ins;
SELECT matches(run('tap_snap.perm_snap'), '^ERROR 42501', 'INSERT without UPDATE on the target: 42501');
RESET ROLE;
SET ROLE tap_snap_adm;
SELECT matches(run('tap_snap.perm_snap'), '^ERROR 42501', 'dpq_admin gives no right to write a target: 42501');
RESET ROLE;
SET ROLE tap_snap_nosrc;
SELECT matches(run('tap_snap.perm_snap'), '^ERROR 42501', 'without SELECT on the source: 42501');
RESET ROLE;
SELECT is(fp('perm_snap'), (SELECT fp FROM before), 'permissions: the refused runs changed nothing and logged nothing');
SET ROLE tap_snap_w;
SELECT is(run('tap_snap.perm_snap'), '(0,1,0,1)', 'SELECT on the source and INSERT, UPDATE (and SELECT) on the target are enough');
RESET ROLE;
SELECT is((SELECT run_by::text FROM dpq.snapshot_runs WHERE target = 'perm_snap'::regclass ORDER BY run_id DESC LIMIT 1), 'tap_snap_w',
		  'the run is logged with the role that ran it');
SET ROLE tap_snap_nocreate;
SELECT matches(snap_first('tap_snap.perm', 'tap_snap.perm_x', '{id}'), '^ERROR 42501', 'a first call without CREATE on the schema: 42501');
RESET ROLE;
SELECT ok(to_regclass('tap_snap.perm_x') IS NULL AND NOT EXISTS (SELECT FROM dpq.snapshot_config WHERE target_name LIKE '%perm_x%'),
		  'without CREATE: no table, no configuration');
SET ROLE tap_snap_own;
SELECT is(snap_first('tap_snap.perm', 'tap_snap_own.perm_own', '{id}'), '(2,0,0,0)', 'a first call with CREATE on the schema');
RESET ROLE;
SELECT is((SELECT row(relowner::regrole, (SELECT created_by FROM dpq.snapshots WHERE target = c.oid))::text
			 FROM pg_class c WHERE oid = 'tap_snap_own.perm_own'::regclass), '(tap_snap_own,tap_snap_own)',
		  'the caller owns the target and is recorded as its creator');
-- who sees what
SET ROLE tap_snap_r;
SELECT is((SELECT string_agg(target_name, ',') FROM dpq.snapshots), 'perm_snap',
		  'dpq.snapshots: a role sees the snapshots whose target it can read');
SELECT is((SELECT string_agg(DISTINCT target_name, ',') FROM dpq.snapshot_runs), 'perm_snap',
		  'dpq.snapshot_runs: a role sees the runs of the targets it can read');
SELECT throws_ok($$SELECT * FROM dpq.snapshot_config$$, '42501', NULL, 'the configuration table is not readable by everyone');
SELECT throws_ok($$SELECT * FROM dpq.snapshot_run_log$$, '42501', NULL, 'the run log table is not readable by everyone');
RESET ROLE;
REVOKE SELECT ON perm_snap FROM tap_snap_w;
SET ROLE tap_snap_w;
SELECT is((SELECT count(*)::int FROM dpq.snapshots), 0, 'without SELECT on the target: no dpq.snapshots row');
SELECT is((SELECT string_agg(target_name || ':' || run_by, ',') FROM dpq.snapshot_runs), 'perm_snap:tap_snap_w',
		  'dpq.snapshot_runs: a role sees its own runs');
RESET ROLE;
SET ROLE tap_snap_aud;
SELECT is((SELECT count(*) FROM dpq.snapshots), (SELECT count(*) FROM dpq.snapshot_config), 'dpq_auditor sees every snapshot');
SELECT is((SELECT count(*) FROM dpq.snapshot_runs), (SELECT count(*) FROM dpq.snapshot_run_log), 'dpq_auditor sees every run');
SELECT throws_ok($$INSERT INTO dpq.snapshot_run_log (target_name, source_name, strategy, first_run, started_at, duration_ms,
				   inserted, updated, deleted, unchanged, run_by) VALUES ('x', 'x', 'check', true, now(), 0, 0, 0, 0, 0, 'x')$$,
				 '42501', NULL, 'dpq_auditor cannot write the run log');
RESET ROLE;
SET ROLE tap_snap_adm;
SELECT is((SELECT count(*) FROM dpq.snapshots), (SELECT count(*) FROM dpq.snapshot_config), 'dpq_admin sees every snapshot');
SELECT throws_ok($$UPDATE dpq.snapshot_config SET hard_deletes = 'ignore'$$, '42501', NULL, 'dpq_admin cannot write the configuration');
RESET ROLE;

-- masking (doc/masking.md): a masked role copies what it sees, masked
-- values; a snapshot of a tagged table is tagged the same way (at every
-- run), so that it is no clear copy for masked roles, who cannot write it
CREATE TABLE pii (id int PRIMARY KEY, email text, note text, phone text);
INSERT INTO pii VALUES (1, 'alice.martin@example.com', 'x', '+33 6 12 34 56 78'), (2, 'bob@example.org', 'y', '+1 555 0100');
CREATE VIEW pii_view AS SELECT id, email, note FROM pii;
CREATE ROLE tap_snap_masked;
GRANT SELECT ON pii, pii_view TO tap_snap_masked;
GRANT CREATE, USAGE ON SCHEMA tap_snap_own TO tap_snap_masked;
DO $$ BEGIN PERFORM dpq.tag_pii('tap_snap.pii', 'email', 'email'); PERFORM dpq.mask_role('tap_snap_masked'); END $$;
SET ROLE tap_snap_masked;
CREATE TEMP TABLE pii_seen AS SELECT id, email FROM tap_snap.pii;
SELECT is(snap_first('tap_snap.pii_view', 'tap_snap_own.pii_snap', '{id}'), '(2,0,0,0)',
		  'a masked role makes a snapshot of a view over a masked column');
RESET ROLE;
SELECT is(q($$SELECT string_agg(email, ',' ORDER BY id) FROM tap_snap_own.pii_snap$$), (SELECT string_agg(email, ',' ORDER BY id) FROM pii_seen),
		  'a masked role''s snapshot holds the masked values it sees');
SELECT is(q($$SELECT count(*) FROM tap_snap_own.pii_snap WHERE email LIKE '%alice.martin%' OR email LIKE '%bob@%'$$), '0',
		  'a masked role''s snapshot holds no clear value');
UPDATE pii SET note = 'z' WHERE id = 2;
SET ROLE tap_snap_masked;
SELECT is(run('tap_snap_own.pii_snap'), '(0,1,0,1)', 'a masked role runs its snapshot again: masked values are stable');
SELECT is(snap_first('tap_snap.pii', 'tap_snap_own.pii_table_snap', '{id}'), '(2,0,0,0)',
		  'a masked role snapshots a tagged table: it reads it masked');
RESET ROLE;
SELECT is(q($$SELECT count(*) FROM tap_snap_own.pii_table_snap WHERE email LIKE '%alice.martin%' OR email LIKE '%bob@%'$$), '0',
		  'the masked role''s snapshot of the tagged table holds no clear value (no tags copied: its values are masked)');
SELECT is(snap_first('pii', 'pii_clear', '{id}'), '(2,0,0,0)', 'an unmasked role''s snapshot of a tagged table');
SELECT is((SELECT string_agg(column_name || ':' || category, ',') FROM dpq.pii_columns WHERE relation = 'pii_clear'::regclass),
		  'email:email', 'the snapshot''s columns get the source''s tags');
GRANT SELECT ON pii_clear TO tap_snap_masked;
SET ROLE tap_snap_masked;
SELECT is((SELECT string_agg(email, ',' ORDER BY id) FROM tap_snap.pii_clear), (SELECT string_agg(email, ',' ORDER BY id) FROM pii_seen),
		  'a masked role reads that snapshot masked, as it reads the source');
RESET ROLE;
DO $$ BEGIN PERFORM dpq.tag_pii('tap_snap.pii', 'phone', 'phone'); END $$;
SELECT is(run('pii_clear'), '(0,0,0,2)', 'a run after a new tag');
SELECT is((SELECT string_agg(column_name || ':' || category, ',' ORDER BY column_name) FROM dpq.pii_columns WHERE relation = 'pii_clear'::regclass),
		  'email:email,phone:phone', 'tags added to the source later follow at the next run');
DO $$
DECLARE
	r record;
BEGIN
	PERFORM dpq.unmask_role('tap_snap_masked');
	FOR r IN SELECT relation, column_name FROM dpq.pii_columns
			  WHERE relation::regclass::oid IN (SELECT oid FROM pg_class WHERE relnamespace IN
												 ('tap_snap'::regnamespace, 'tap_snap_own'::regnamespace)) LOOP
		PERFORM dpq.untag_pii(r.relation, r.column_name);
	END LOOP;
END $$;

-- ===========================================================================
-- 13. search_path: a caller's operators and functions named like
--     pg_catalog's are never used
-- ===========================================================================
CREATE SCHEMA tap_snap_evil;
GRANT USAGE ON SCHEMA tap_snap_evil TO PUBLIC;
CREATE TABLE tap_snap_evil.calls (what text);
GRANT INSERT ON tap_snap_evil.calls TO PUBLIC;
CREATE FUNCTION tap_snap_evil.note(what text) RETURNS void LANGUAGE sql AS $$ INSERT INTO tap_snap_evil.calls VALUES (what) $$;
CREATE FUNCTION tap_snap_evil.int4eq(a int, b int) RETURNS boolean LANGUAGE plpgsql AS
	$$ BEGIN PERFORM tap_snap_evil.note('int4 ='); RETURN a OPERATOR(pg_catalog.=) b; END $$;
CREATE OPERATOR tap_snap_evil.= (LEFTARG = int, RIGHTARG = int, FUNCTION = tap_snap_evil.int4eq);
CREATE FUNCTION tap_snap_evil.texteq(a text, b text) RETURNS boolean LANGUAGE plpgsql AS
	$$ BEGIN PERFORM tap_snap_evil.note('text ='); RETURN a OPERATOR(pg_catalog.=) b; END $$;
CREATE OPERATOR tap_snap_evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = tap_snap_evil.texteq);
CREATE FUNCTION tap_snap_evil.int8ne(a bigint, b bigint) RETURNS boolean LANGUAGE plpgsql AS
	$$ BEGIN PERFORM tap_snap_evil.note('int8 <>'); RETURN a OPERATOR(pg_catalog.<>) b; END $$;
CREATE OPERATOR tap_snap_evil.<> (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = tap_snap_evil.int8ne);
CREATE FUNCTION tap_snap_evil.tsgt(a timestamptz, b timestamptz) RETURNS boolean LANGUAGE plpgsql AS
	$$ BEGIN PERFORM tap_snap_evil.note('timestamptz >'); RETURN a OPERATOR(pg_catalog.>) b; END $$;
CREATE OPERATOR tap_snap_evil.> (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = tap_snap_evil.tsgt);
CREATE FUNCTION tap_snap_evil.tideq(a tid, b tid) RETURNS boolean LANGUAGE plpgsql AS
	$$ BEGIN PERFORM tap_snap_evil.note('tid ='); RETURN a OPERATOR(pg_catalog.=) b; END $$;
CREATE OPERATOR tap_snap_evil.= (LEFTARG = tid, RIGHTARG = tid, FUNCTION = tap_snap_evil.tideq);
CREATE FUNCTION tap_snap_evil.unnest(a anyarray) RETURNS SETOF anyelement LANGUAGE plpgsql AS
	$$ BEGIN PERFORM tap_snap_evil.note('unnest'); RETURN QUERY SELECT pg_catalog.unnest(a); END $$;
CREATE FUNCTION tap_snap_evil.now() RETURNS timestamptz LANGUAGE plpgsql AS
	$$ BEGIN PERFORM tap_snap_evil.note('now'); RETURN pg_catalog.now(); END $$;
CREATE FUNCTION tap_snap_evil.timezone(z text, t timestamp) RETURNS timestamptz LANGUAGE plpgsql AS
	$$ BEGIN PERFORM tap_snap_evil.note('timezone'); RETURN pg_catalog.timezone(z, t); END $$;
CREATE FUNCTION tap_snap_evil.maxsf(s timestamptz, v timestamptz) RETURNS timestamptz LANGUAGE plpgsql AS
	$$ BEGIN PERFORM tap_snap_evil.note('max'); RETURN pg_catalog.greatest(s, v); END $$;
CREATE AGGREGATE tap_snap_evil.max(timestamptz) (SFUNC = tap_snap_evil.maxsf, STYPE = timestamptz);
CREATE FUNCTION tap_snap_evil.countsf(s bigint) RETURNS bigint LANGUAGE plpgsql AS
	$$ BEGIN PERFORM tap_snap_evil.note('count'); RETURN s OPERATOR(pg_catalog.+) 1; END $$;
CREATE AGGREGATE tap_snap_evil.count(*) (SFUNC = tap_snap_evil.countsf, STYPE = bigint, INITCOND = '0');
CREATE FUNCTION tap_snap_evil.row_to_json(r record) RETURNS json LANGUAGE plpgsql AS
	$$ BEGIN PERFORM tap_snap_evil.note('row_to_json'); RETURN pg_catalog.row_to_json(r); END $$;
-- run with the evil schema first in search_path
CREATE FUNCTION hijacked(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	saved text := current_setting('search_path');
	r text;
BEGIN
	PERFORM set_config('search_path', 'tap_snap_evil, pg_catalog, tap_snap, public', true);
	EXECUTE sql INTO r;
	PERFORM set_config('search_path', saved, true);
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	PERFORM set_config('search_path', saved, true);
	RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT is(hijacked($$SELECT 1 = 1$$), 'true', 'search_path: the test''s own = ...');
SELECT is((SELECT count(*)::int FROM tap_snap_evil.calls), 1, '... is captured by the evil schema');
TRUNCATE tap_snap_evil.calls;
CREATE TABLE hj (id int, k text, v text, changed timestamptz, local timestamp, PRIMARY KEY (id, k));
INSERT INTO hj VALUES (1, 'a', 'x', '2024-01-01', '2024-01-01'), (2, 'b', 'y', '2024-01-01', '2024-01-01'),
					  (3, 'c', 'z', '2024-01-01', '2024-01-01');
CREATE TABLE hj_nopk (id int, k text, v text, changed timestamptz, local timestamp);
INSERT INTO hj_nopk SELECT * FROM hj;
SELECT is(hijacked($$SELECT row(s.*)::text FROM dpq.snapshot('hj', 'tap_snap.hj_check', '{id,k}', hard_deletes => 'new_record') s$$)
		  || hijacked($$SELECT row(s.*)::text FROM dpq.snapshot('hj', 'tap_snap.hj_ts', '{id,k}', 'timestamp', updated_at => 'changed', hard_deletes => 'invalidate') s$$)
		  || hijacked($$SELECT row(s.*)::text FROM dpq.snapshot('hj_nopk', 'tap_snap.hj_nopk_snap', '{id,k}') s$$),
		  '(3,0,0,0)(3,0,0,0)(3,0,0,0)', 'search_path hijack: first calls work');
SELECT is(hijacked($$SELECT row(s.*)::text FROM dpq.snapshot('hj', 'tap_snap.hj_local', '{id,k}', 'timestamp', updated_at => 'local', hard_deletes => 'new_record') s$$),
		  '(3,0,0,0)', 'search_path hijack: first call with a timestamp without time zone');
UPDATE hj SET v = 'x2', changed = '2024-02-01', local = '2024-02-01' WHERE id = 1;
DELETE FROM hj WHERE id = 2;
INSERT INTO hj VALUES (4, 'd', 'w', '2024-01-05', '2024-01-05');
UPDATE hj_nopk SET v = 'x2' WHERE id = 1;
SELECT is(hijacked($$SELECT row(s.*)::text FROM dpq.snapshot('tap_snap.hj_check') s$$)
		  || hijacked($$SELECT row(s.*)::text FROM dpq.snapshot('tap_snap.hj_ts') s$$)
		  || hijacked($$SELECT row(s.*)::text FROM dpq.snapshot('tap_snap.hj_nopk_snap') s$$),
		  '(1,1,1,1)(1,1,1,1)(0,1,0,2)', 'search_path hijack: runs with changes work');
SELECT is(hijacked($$SELECT row(s.*)::text FROM dpq.snapshot('tap_snap.hj_local') s$$), '(1,1,1,1)',
		  'search_path hijack: a run with a timestamp without time zone');
INSERT INTO hj VALUES (2, 'b', 'y', '2024-01-01', '2024-01-01');
SELECT is(hijacked($$SELECT row(s.*)::text FROM dpq.snapshot('tap_snap.hj_check') s$$)
		  || hijacked($$SELECT row(s.*)::text FROM dpq.snapshot('tap_snap.hj_ts') s$$),
		  '(1,0,0,3)(1,0,0,3)', 'search_path hijack: a key comes back');
SELECT is(hijacked($$SELECT pg_catalog.count(*)::text FROM dpq.as_of(NULL::tap_snap.hj_check, pg_catalog.now())$$), '4',
		  'search_path hijack: as_of works');
SELECT is((SELECT string_agg(DISTINCT what, ', ') FROM tap_snap_evil.calls), NULL,
		  'search_path hijack: no operator or function of the caller''s schema was called');

-- ===========================================================================
-- 14. Sources of every kind
-- ===========================================================================
-- a view (rows filtered out of it are deletions)
CREATE TABLE vbase (id int PRIMARY KEY, v text, keep boolean);
INSERT INTO vbase VALUES (1, 'a', true), (2, 'b', true), (3, 'c', false);
CREATE TABLE vextra (id int, v text);
CREATE VIEW vsrc AS SELECT id, upper(v) AS v FROM vbase WHERE keep UNION ALL SELECT id, v FROM vextra;
SELECT is(snap_first('vsrc', 'vsrc_snap', '{id}', hard_deletes => 'invalidate'), '(2,0,0,0)', 'a view as source');
UPDATE vbase SET keep = NOT keep;
UPDATE vbase SET v = 'cc' WHERE id = 3;
SELECT is(run('vsrc_snap'), '(1,0,2,0)', 'a view: rows leaving it are deletions, rows entering it new keys');
SELECT is((SELECT string_agg(id || v, ',' ORDER BY id) FROM vsrc_snap WHERE dpq_valid_to IS NULL), '3CC', 'a view: current versions');
INSERT INTO vbase VALUES (4, 'd', true);
INSERT INTO vextra VALUES (4, 'D');
SELECT matches(err($$SELECT * FROM dpq.snapshot('tap_snap.vsrc_snap')$$), '^23505\|.*\|.*\(id\)=\(4\)', 'a view with duplicate keys: 23505');
DELETE FROM vextra;
-- a partitioned table (a row moving between partitions is the same key)
CREATE TABLE part (id int, region text, v text, PRIMARY KEY (region, id)) PARTITION BY LIST (region);
CREATE TABLE part_n PARTITION OF part FOR VALUES IN ('n');
CREATE TABLE part_s PARTITION OF part FOR VALUES IN ('s');
INSERT INTO part VALUES (1, 'n', 'a'), (2, 's', 'b'), (3, 's', 'c');
SELECT is(snap_first('part', 'part_snap', '{id}', hard_deletes => 'new_record'), '(3,0,0,0)', 'a partitioned table as source');
UPDATE part SET region = 'n' WHERE id = 2;
DELETE FROM part WHERE id = 3;
SELECT is(run('part_snap'), '(0,1,1,1)', 'a partitioned table: a row moved to another partition is a change of its key''s version');
SELECT is(snap_first('part_s', 'part_s_snap', '{id}'), '(0,0,0,0)', 'a partition as source (empty now)');
-- a materialized view
CREATE MATERIALIZED VIEW mv AS SELECT id, v FROM vbase;
SELECT is(snap_first('mv', 'mv_snap', '{id}'), '(4,0,0,0)', 'a materialized view as source');
UPDATE vbase SET v = 'z' WHERE id = 1;
REFRESH MATERIALIZED VIEW mv;
SELECT is(run('mv_snap'), '(0,1,0,3)', 'a materialized view: changes after a refresh');
-- inheritance: the parent's rows include the children's
CREATE TABLE inh (id int, v text);
CREATE TABLE inh_child () INHERITS (inh);
INSERT INTO inh VALUES (1, 'a');
INSERT INTO inh_child VALUES (2, 'b');
SELECT is(snap_first('inh', 'inh_snap', '{id}'), '(2,0,0,0)', 'an inheritance parent as source reads its children');
-- names that need quoting everywhere
CREATE SCHEMA "Tap Snap Odd";
CREATE TABLE "Tap Snap Odd"."Src ""Q""" ("Id" int, "the value" text, "x""y" int, "select" text, PRIMARY KEY ("Id"));
INSERT INTO "Tap Snap Odd"."Src ""Q""" VALUES (1, 'a', 1, 's'), (2, 'b', 2, 't');
SELECT is(snap_first('"Tap Snap Odd"."Src ""Q"""', '"Tap Snap Odd"."Snap ""Q"""', '{Id}', check_cols => ARRAY['the value', 'x"y']::name[], hard_deletes => 'new_record'),
		  '(2,0,0,0)', 'names that need quoting: first call');
UPDATE "Tap Snap Odd"."Src ""Q""" SET "the value" = 'a2', "select" = 'u' WHERE "Id" = 1;
DELETE FROM "Tap Snap Odd"."Src ""Q""" WHERE "Id" = 2;
SELECT is(run('"Tap Snap Odd"."Snap ""Q"""'), '(0,1,1,0)', 'names that need quoting: a run');
SELECT is(q($$SELECT count(*) FROM dpq.as_of(NULL::"Tap Snap Odd"."Snap ""Q""", now())$$), '1', 'names that need quoting: as_of');
SELECT is(viol(ARRAY['"Tap Snap Odd"."Snap ""Q"""']), NULL, 'names that need quoting: the invariants hold');
DROP SCHEMA "Tap Snap Odd" CASCADE;

-- ===========================================================================
-- 15. Random change sequences against a model in plain SQL
-- ===========================================================================
-- Each variant: a source, three targets (one per hard_deletes mode) and a
-- model of each target's versions kept by the plain SQL below.  Round 0
-- makes the targets; every later round, in its own transaction, deletes,
-- updates (NULLs included, values going back and forth) and inserts rows at
-- random, then runs each target and steps its model.  After every round: the
-- run's counts equal the model's, the versions equal the model's, the
-- invariants hold.
--   rc  check strategy, composite key, compared in memory
--   rj  the same with 9,000 more (unchanging) keys and dpq.snapshot_work_mem
--       at its minimum, so that the difference is computed by a join
--   rt  timestamp strategy: updated_at moves forward, stays or goes back
CREATE TABLE rlog (variant text, round int, target text, got text, want text, diff bigint, bad bigint);

CREATE TABLE rc (k1 int, k2 text, a int, b text, PRIMARY KEY (k1, k2));
CREATE TABLE rj (k1 int, k2 text, a int, b text, PRIMARY KEY (k1, k2));
INSERT INTO rj SELECT g, 'pad', g % 3, 'p' FROM generate_series(1000, 9999) g;
CREATE TABLE rc_model (target text, k1 int, k2 text, a int, b text, vf timestamptz, vt timestamptz, del boolean);
CREATE INDEX ON rc_model (target, k1, k2) WHERE vt IS NULL;

CREATE FUNCTION rc_mutate(src regclass, nkeys int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('DELETE FROM %s WHERE k1 <= %s AND random() < 0.15', src, nkeys);
	EXECUTE format($q$UPDATE %s
						 SET a = CASE WHEN random() < 0.5 THEN a ELSE (ARRAY[NULL, 1, 2])[1 + floor(random() * 3)::int] END,
							 b = CASE WHEN random() < 0.5 THEN b ELSE (ARRAY[NULL, 'p', 'q'])[1 + floor(random() * 3)::int] END
					   WHERE k1 <= %s AND random() < 0.4$q$, src, nkeys);
	EXECUTE format($q$INSERT INTO %1$s
		SELECT g.k1, u.k2, (ARRAY[NULL, 1, 2])[1 + floor(random() * 3)::int], (ARRAY[NULL, 'p', 'q'])[1 + floor(random() * 3)::int]
		  FROM generate_series(1, %2$s) g(k1), unnest('{x,y}'::text[]) u(k2)
		 WHERE random() < 0.3 AND NOT EXISTS (SELECT FROM %1$s r WHERE r.k1 = g.k1 AND r.k2 = u.k2)$q$, src, nkeys);
END $$;

-- the model of a check-strategy target: what a run must do, in plain SQL;
-- returns the counts the run must return
CREATE FUNCTION rc_step(src regclass, tgt text, mode text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	t timestamptz := now();
	r text;
BEGIN
	DROP TABLE IF EXISTS pg_temp.cls;
	EXECUTE format($q$CREATE TEMP TABLE cls AS
		SELECT coalesce(s.k1, c.k1) AS k1, coalesce(s.k2, c.k2) AS k2, s.a, s.b,
			   CASE WHEN c.k1 IS NULL THEN 'new'
					WHEN s.k1 IS NULL THEN CASE WHEN c.del THEN 'none' ELSE 'gone' END
					WHEN c.del THEN 'back'
					WHEN (s.a, s.b) IS DISTINCT FROM (c.a, c.b) THEN 'changed'
					ELSE 'same' END AS what
		  FROM %s s
		  FULL JOIN (SELECT * FROM tap_snap.rc_model WHERE target = %L AND vt IS NULL) c
			ON s.k1 = c.k1 AND s.k2 = c.k2$q$, src, tgt);
	ANALYZE pg_temp.cls;
	ANALYZE tap_snap.rc_model;
	UPDATE tap_snap.rc_model m SET vt = t FROM pg_temp.cls c
	 WHERE m.target = tgt AND m.vt IS NULL AND m.k1 = c.k1 AND m.k2 = c.k2
	   AND (c.what IN ('changed', 'back') OR (c.what = 'gone' AND mode <> 'ignore'));
	IF mode = 'new_record' THEN
		INSERT INTO tap_snap.rc_model
		SELECT tgt, m.k1, m.k2, m.a, m.b, t, NULL, true
		  FROM tap_snap.rc_model m JOIN pg_temp.cls c ON m.k1 = c.k1 AND m.k2 = c.k2
		 WHERE m.target = tgt AND m.vt = t AND NOT m.del AND c.what = 'gone';
	END IF;
	INSERT INTO tap_snap.rc_model
	SELECT tgt, k1, k2, a, b, t, NULL, false FROM pg_temp.cls WHERE what IN ('new', 'changed', 'back');
	SELECT row(count(*) FILTER (WHERE what IN ('new', 'back')), count(*) FILTER (WHERE what = 'changed'),
			   CASE WHEN mode = 'ignore' THEN 0 ELSE count(*) FILTER (WHERE what = 'gone') END,
			   count(*) FILTER (WHERE what = 'same'))::text
	  INTO r FROM pg_temp.cls;
	RETURN r;
END $$;

CREATE FUNCTION rc_diff(tgt regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	del text := CASE WHEN EXISTS (SELECT FROM pg_attribute WHERE attrelid = tgt AND attname = 'dpq_is_deleted')
					 THEN 'dpq_is_deleted' ELSE 'false' END;
	n bigint;
BEGIN
	EXECUTE format($q$SELECT count(*) FROM (
		(SELECT k1, k2, a, b, dpq_valid_from, dpq_valid_to, %1$s FROM %2$s
		 EXCEPT ALL SELECT k1, k2, a, b, vf, vt, del FROM tap_snap.rc_model WHERE target = %3$L)
		UNION ALL
		(SELECT k1, k2, a, b, vf, vt, del FROM tap_snap.rc_model WHERE target = %3$L
		 EXCEPT ALL SELECT k1, k2, a, b, dpq_valid_from, dpq_valid_to, %1$s FROM %2$s)) d$q$,
		del, tgt, 'tap_snap.' || (SELECT relname FROM pg_class WHERE oid = tgt)) INTO n;
	RETURN n;
END $$;

CREATE PROCEDURE rc_rounds(variant text, src regclass, nkeys int, rounds int, small_memory boolean) LANGUAGE plpgsql AS $$
DECLARE
	m text;
	tgt text;
	got text;
	want text;
BEGIN
	PERFORM setseed(0.25);
	IF small_memory AND current_setting('dpq.snapshot_work_mem', true) IS NOT NULL THEN
		PERFORM set_config('dpq.snapshot_work_mem', '1MB', false);
	END IF;
	FOR r IN 0 .. rounds LOOP
		IF r > 0 THEN
			PERFORM tap_snap.rc_mutate(src, nkeys);
		END IF;
		FOREACH m IN ARRAY ARRAY['ignore', 'invalidate', 'new_record'] LOOP
			tgt := 'tap_snap.' || variant || '_' || m;
			IF r = 0 THEN
				got := tap_snap.snap_first(src, tgt, '{k1,k2}', hard_deletes => m);
			ELSE
				got := tap_snap.run(to_regclass(tgt));
			END IF;
			want := tap_snap.rc_step(src, tgt, m);
			INSERT INTO tap_snap.rlog VALUES (variant, r, tgt, got, want,
				CASE WHEN got LIKE 'ERROR%' THEN -1 ELSE tap_snap.rc_diff(to_regclass(tgt)) END,
				CASE WHEN got LIKE 'ERROR%' THEN -1 ELSE (SELECT count(*) FROM tap_snap.violations(to_regclass(tgt))) END);
		END LOOP;
		COMMIT;
	END LOOP;
	IF small_memory AND current_setting('dpq.snapshot_work_mem', true) IS NOT NULL THEN
		EXECUTE 'RESET dpq.snapshot_work_mem';
	END IF;
END $$;

CREATE TABLE rt (k int PRIMARY KEY, a int, changed timestamptz NOT NULL);
CREATE TABLE rt_model (target text, k int, a int, changed timestamptz, vf timestamptz, vt timestamptz, upd timestamptz, del boolean);
CREATE INDEX ON rt_model (target, k);

CREATE FUNCTION rt_mutate(r int) RETURNS void LANGUAGE sql AS $$
	DELETE FROM tap_snap.rt WHERE random() < 0.15;
	UPDATE tap_snap.rt
	   SET a = floor(random() * 3)::int,
		   changed = changed + CASE WHEN random() < 0.6 THEN (1 + floor(random() * 3)) * interval '1 day'
									WHEN random() < 0.5 THEN interval '0'
									ELSE interval '-1 day' END
	 WHERE random() < 0.4;
	INSERT INTO tap_snap.rt
	SELECT g, floor(random() * 3)::int, '2024-01-01'::timestamptz + (r * 2 + floor(random() * 5) - 2) * interval '1 day'
	  FROM generate_series(1, 10) g
	 WHERE random() < 0.3 AND NOT EXISTS (SELECT FROM tap_snap.rt x WHERE x.k = g);
$$;

-- the model of a timestamp-strategy target.  A version starts at updated_at,
-- but never before the key's previous version started or ended: then at
-- now() (or where that version started or ended, if later)
CREATE FUNCTION rt_step(tgt text, mode text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	t timestamptz := now();
	r text;
BEGIN
	DROP TABLE IF EXISTS pg_temp.cls;
	CREATE TEMP TABLE cls AS
	SELECT coalesce(s.k, c.k) AS k, s.a, s.changed, c.vf AS cur_vf,
		   (SELECT max(x.vt) FROM tap_snap.rt_model x WHERE x.target = tgt AND x.k = s.k) AS last_to,
		   CASE WHEN c.k IS NULL THEN 'new'
				WHEN s.k IS NULL THEN CASE WHEN c.del THEN 'none' ELSE 'gone' END
				WHEN c.del THEN 'back'
				WHEN s.changed > c.upd THEN 'changed'
				ELSE 'same' END AS what,
		   NULL::timestamptz AS f
	  FROM tap_snap.rt s
	  FULL JOIN (SELECT * FROM tap_snap.rt_model WHERE target = tgt AND vt IS NULL) c ON s.k = c.k;
	ANALYZE pg_temp.cls;
	ANALYZE tap_snap.rt_model;
	UPDATE pg_temp.cls SET f = CASE what
		WHEN 'new' THEN CASE WHEN last_to > changed THEN greatest(t, last_to) ELSE changed END
		WHEN 'changed' THEN CASE WHEN changed > cur_vf THEN changed ELSE greatest(t, cur_vf) END
		WHEN 'back' THEN CASE WHEN changed > cur_vf THEN changed ELSE greatest(t, cur_vf) END
		WHEN 'gone' THEN greatest(t, cur_vf) END;
	UPDATE tap_snap.rt_model m SET vt = c.f FROM pg_temp.cls c
	 WHERE m.target = tgt AND m.vt IS NULL AND m.k = c.k
	   AND (c.what IN ('changed', 'back') OR (c.what = 'gone' AND mode <> 'ignore'));
	IF mode = 'new_record' THEN
		INSERT INTO tap_snap.rt_model
		SELECT tgt, m.k, m.a, m.changed, c.f, NULL, c.f, true
		  FROM tap_snap.rt_model m JOIN pg_temp.cls c ON m.k = c.k
		 WHERE m.target = tgt AND m.vt = c.f AND NOT m.del AND c.what = 'gone';
	END IF;
	INSERT INTO tap_snap.rt_model
	SELECT tgt, k, a, changed, f, NULL, changed, false FROM pg_temp.cls WHERE what IN ('new', 'changed', 'back');
	SELECT row(count(*) FILTER (WHERE what IN ('new', 'back')), count(*) FILTER (WHERE what = 'changed'),
			   CASE WHEN mode = 'ignore' THEN 0 ELSE count(*) FILTER (WHERE what = 'gone') END,
			   count(*) FILTER (WHERE what = 'same'))::text
	  INTO r FROM pg_temp.cls;
	RETURN r;
END $$;

CREATE FUNCTION rt_diff(tgt regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	del text := CASE WHEN EXISTS (SELECT FROM pg_attribute WHERE attrelid = tgt AND attname = 'dpq_is_deleted')
					 THEN 'dpq_is_deleted' ELSE 'false' END;
	n bigint;
BEGIN
	EXECUTE format($q$SELECT count(*) FROM (
		(SELECT k, a, changed, dpq_valid_from, dpq_valid_to, CASE WHEN %1$s THEN NULL ELSE dpq_updated_at END, %1$s FROM %2$s
		 EXCEPT ALL SELECT k, a, changed, vf, vt, CASE WHEN del THEN NULL ELSE upd END, del FROM tap_snap.rt_model WHERE target = %3$L)
		UNION ALL
		(SELECT k, a, changed, vf, vt, CASE WHEN del THEN NULL ELSE upd END, del FROM tap_snap.rt_model WHERE target = %3$L
		 EXCEPT ALL SELECT k, a, changed, dpq_valid_from, dpq_valid_to, CASE WHEN %1$s THEN NULL ELSE dpq_updated_at END, %1$s FROM %2$s)) d$q$,
		del, tgt, 'tap_snap.' || (SELECT relname FROM pg_class WHERE oid = tgt)) INTO n;
	RETURN n;
END $$;

CREATE PROCEDURE rt_rounds(rounds int) LANGUAGE plpgsql AS $$
DECLARE
	m text;
	tgt text;
	got text;
	want text;
BEGIN
	PERFORM setseed(0.75);
	FOR r IN 0 .. rounds LOOP
		PERFORM tap_snap.rt_mutate(r);
		FOREACH m IN ARRAY ARRAY['ignore', 'invalidate', 'new_record'] LOOP
			tgt := 'tap_snap.rt_' || m;
			IF r = 0 THEN
				got := tap_snap.snap_first('tap_snap.rt', tgt, '{k}', 'timestamp', updated_at => 'changed', hard_deletes => m);
			ELSE
				got := tap_snap.run(to_regclass(tgt));
			END IF;
			want := tap_snap.rt_step(tgt, m);
			INSERT INTO tap_snap.rlog VALUES ('rt', r, tgt, got, want,
				CASE WHEN got LIKE 'ERROR%' THEN -1 ELSE tap_snap.rt_diff(to_regclass(tgt)) END,
				CASE WHEN got LIKE 'ERROR%' THEN -1 ELSE (SELECT count(*) FROM tap_snap.violations(to_regclass(tgt))) END);
		END LOOP;
		COMMIT;
	END LOOP;
END $$;

CALL rc_rounds('rc', 'rc', 6, 25, false);
CALL rc_rounds('rj', 'rj', 6, 25, true);
CALL rt_rounds(25);

CREATE FUNCTION rsum(v text, i int) RETURNS bigint LANGUAGE sql AS $$
	SELECT sum((string_to_array(trim(both '()' from want), ','))[i]::bigint) FROM tap_snap.rlog WHERE variant = v AND round > 0 $$;
SELECT ok(rsum('rc', 1) > 0 AND rsum('rc', 2) > 0 AND rsum('rc', 3) > 0 AND rsum('rc', 4) > 0
		  AND EXISTS (SELECT FROM rc_model WHERE del AND vt IS NOT NULL),
		  'rc: the rounds made new, changed, deleted, unchanged and returning keys');
SELECT is((SELECT string_agg(format('%s round %s: got %s, want %s', target, round, got, want), '; ' ORDER BY round, target)
			 FROM (SELECT * FROM rlog WHERE variant = 'rc' AND got IS DISTINCT FROM want ORDER BY round, target LIMIT 4) x), NULL,
		  'rc: every run returns the model''s counts');
SELECT is((SELECT string_agg(format('%s round %s', target, round), ', ' ORDER BY round, target)
			 FROM (SELECT * FROM rlog WHERE variant = 'rc' AND diff <> 0 ORDER BY round, target LIMIT 4) x), NULL,
		  'rc: after every round the versions are the model''s');
SELECT is((SELECT string_agg(format('%s round %s', target, round), ', ' ORDER BY round, target)
			 FROM (SELECT * FROM rlog WHERE variant = 'rc' AND bad <> 0 ORDER BY round, target LIMIT 4) x), NULL,
		  'rc: after every round the invariants hold');
SELECT is((SELECT count(*)::int FROM ((SELECT k1, k2, a, b FROM rc_invalidate WHERE dpq_valid_to IS NULL
									   UNION ALL SELECT k1, k2, a, b FROM rc_new_record WHERE dpq_valid_to IS NULL AND NOT dpq_is_deleted)
									  EXCEPT ALL (SELECT k1, k2, a, b FROM rc UNION ALL SELECT k1, k2, a, b FROM rc)) d)
		  + (SELECT count(*)::int FROM (SELECT k1, k2, a, b FROM rc EXCEPT SELECT k1, k2, a, b FROM rc_ignore WHERE dpq_valid_to IS NULL) d),
		  0, 'rc: the current versions are the source (ignore: and the keys gone from it)');
SELECT ok(rsum('rj', 1) > 0 AND rsum('rj', 2) > 0 AND rsum('rj', 3) > 0,
		  'rj: the rounds made new, changed and deleted keys');
SELECT is((SELECT string_agg(format('%s round %s: got %s, want %s', target, round, got, want), '; ' ORDER BY round, target)
			 FROM (SELECT * FROM rlog WHERE variant = 'rj' AND got IS DISTINCT FROM want ORDER BY round, target LIMIT 4) x), NULL,
		  'rj (join): every run returns the model''s counts');
SELECT is((SELECT string_agg(format('%s round %s', target, round), ', ' ORDER BY round, target)
			 FROM (SELECT * FROM rlog WHERE variant = 'rj' AND diff <> 0 ORDER BY round, target LIMIT 4) x), NULL,
		  'rj (join): after every round the versions are the model''s');
SELECT is((SELECT string_agg(format('%s round %s', target, round), ', ' ORDER BY round, target)
			 FROM (SELECT * FROM rlog WHERE variant = 'rj' AND bad <> 0 ORDER BY round, target LIMIT 4) x), NULL,
		  'rj (join): after every round the invariants hold');
SELECT ok(rsum('rt', 1) > 0 AND rsum('rt', 2) > 0 AND rsum('rt', 3) > 0 AND rsum('rt', 4) > 0
		  AND EXISTS (SELECT FROM rt_model WHERE del AND vt IS NOT NULL),
		  'rt: the rounds made new, changed, deleted, unchanged and returning keys');
SELECT is((SELECT string_agg(format('%s round %s: got %s, want %s', target, round, got, want), '; ' ORDER BY round, target)
			 FROM (SELECT * FROM rlog WHERE variant = 'rt' AND got IS DISTINCT FROM want ORDER BY round, target LIMIT 4) x), NULL,
		  'rt (timestamp): every run returns the model''s counts');
SELECT is((SELECT string_agg(format('%s round %s', target, round), ', ' ORDER BY round, target)
			 FROM (SELECT * FROM rlog WHERE variant = 'rt' AND diff <> 0 ORDER BY round, target LIMIT 4) x), NULL,
		  'rt (timestamp): after every round the versions are the model''s');
SELECT is((SELECT string_agg(format('%s round %s', target, round), ', ' ORDER BY round, target)
			 FROM (SELECT * FROM rlog WHERE variant = 'rt' AND bad <> 0 ORDER BY round, target LIMIT 4) x), NULL,
		  'rt (timestamp): after every round the invariants hold');

-- every snapshot made in this file keeps the invariants (documented empty
-- versions aside: deletions of versions starting in the future)
SELECT is((SELECT string_agg(t || ': ' || n || ' problems, e.g. ' || e, '; ' ORDER BY t)
			 FROM (SELECT r.oid::regclass::text AS t, count(*) AS n, min(v) AS e
					 FROM dpq.snapshot_config c
					 JOIN pg_class r ON r.oid = c.target_relid::oid
					 CROSS JOIN LATERAL violations(r.oid::regclass) v
					WHERE r.relnamespace IN ('tap_snap'::regnamespace, 'tap_snap_other'::regnamespace, 'tap_snap_own'::regnamespace)
					  AND NOT (r.oid IN ('tsd_inv'::regclass, 'tsd_nr'::regclass) AND v ~ 'is empty')
					GROUP BY 1) x), NULL,
		  'every snapshot of this file: the invariants hold');

-- ===========================================================================
-- The end: clean up (the roles are cluster-wide)
-- ===========================================================================
SELECT * FROM finish();
RESET ROLE;
SET search_path = public;
DROP SCHEMA tap_snap, tap_snap_other, tap_snap_evil, tap_snap_own CASCADE;
DO $$
DECLARE
	r text;
BEGIN
	FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE 'tap\_snap\_%' LOOP
		EXECUTE format('DROP OWNED BY %I CASCADE', r);
		EXECUTE format('DROP ROLE %I', r);
	END LOOP;
END $$;
\if :own_dpq
DROP EXTENSION dpq CASCADE;
\endif
\if :own_pgtap
DROP EXTENSION pgtap;
\endif
