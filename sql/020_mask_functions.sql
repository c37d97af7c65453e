-- Mask functions (dpq.mask_*) and the masking key
-- (doc/masking-functions.md).  Every function: normal input, edge cases,
-- malformed input (a redacted value, never an error that quotes it), NULL.

SET datestyle = 'ISO, YMD';

-- Declared C, STRICT, PARALLEL SAFE; IMMUTABLE unless keyed (STABLE)
SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args,
       p.provolatile AS vol, p.proisstrict AS strict, p.proparallel AS par,
       l.lanname
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'dpq'::regnamespace
   AND p.proname IN ('mask_email', 'mask_partial', 'mask_hash', 'mask_phone',
                     'mask_card', 'mask_ip', 'mask_date', 'mask_noise',
                     'mask_redact')
 ORDER BY 1, 2;

------------------------------------------------------------------------------
-- The key
------------------------------------------------------------------------------
-- installed with a random 32-byte key
SELECT count(*) AS rows, min(octet_length(key)) AS key_bytes,
       bool_and(set_at IS NOT NULL AND set_by IS NOT NULL) AS recorded
  FROM dpq.mask_key;
-- a fixed key from here on, so that keyed outputs are reproducible
SELECT dpq.set_mask_key('dpq regression key 0123456789');
SELECT octet_length(key) AS key_bytes, set_by = current_user AS set_by_me,
       set_at BETWEEN now() - interval '1 hour' AND now() AS set_recently
  FROM dpq.mask_key;
-- too short, too long, NULL: refused, the value is never in the message
SELECT dpq.set_mask_key('short secret');
SELECT dpq.set_mask_key(repeat('k', 1025));
SELECT dpq.set_mask_key(NULL::text);
SELECT dpq.set_mask_key(NULL::bytea);
-- a literal resolves to the text version
SELECT dpq.set_mask_key('dpq regression key 0123456789');
-- not dumped (a dump must not carry the key), not readable by PUBLIC
SELECT 'dpq.mask_key'::regclass = ANY (extconfig) AS key_dumped
  FROM pg_extension WHERE extname = 'dpq';
SELECT c.relrowsecurity, c.relforcerowsecurity,
       (SELECT count(*) FROM aclexplode(c.relacl) a
         WHERE a.grantee <> c.relowner) AS grants_to_others
  FROM pg_class c WHERE c.oid = 'dpq.mask_key'::regclass;
SELECT p.oid::regprocedure AS function,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
  FROM pg_proc p
 WHERE p.pronamespace = 'dpq'::regnamespace
   AND p.proname IN ('set_mask_key', '_random_key', '_mask_key_changed')
 ORDER BY 1::text;
-- no statistics on the key column: ANALYZE would copy the key
ANALYZE dpq.mask_key;
SELECT a.attname
  FROM pg_statistic s
  JOIN pg_attribute a ON a.attrelid = s.starelid AND a.attnum = s.staattnum
 WHERE s.starelid = 'dpq.mask_key'::regclass
 ORDER BY 1;

------------------------------------------------------------------------------
-- mask_email
------------------------------------------------------------------------------
SELECT v, dpq.mask_email(v)
  FROM (VALUES ('john.doe@example.com'),
               ('JD@example.com'),            -- 1-2 characters: all masked
               ('j@example.com'),
               ('abc@example.com'),
               ('jörg.müßig@bücher.de'),      -- per character, not per byte
               ('日本語のアドレス@例え.jp'),
               ('"john@home"@example.com'),   -- the domain is after the last @
               ('user+tag@sub.example.co.uk'),
               ('root@localhost'),
               -- not addresses: redacted
               ('john.doe'),
               ('@example.com'),
               ('john@'),
               ('@'),
               (''),
               ('john doe@example.com'),
               (' john@example.com'),
               (E'john\t@example.com'),
               (E'john@example.com\n')) AS s(v);
SELECT dpq.mask_email(NULL) IS NULL AS null_in_null_out;
-- every length up to 24 and every position of '@', a control character, a
-- space, DEL or a non-ASCII character (mask_email reads 8 bytes at a time):
-- the same as a plain SQL statement of the rule
WITH v AS (
  SELECT left(repeat('abcdefghij', 3), n) AS base, n, p
    FROM generate_series(0, 24) n, generate_series(1, 25) p
), cand AS (
  SELECT overlay(base PLACING x FROM p FOR 1) AS v
    FROM v, (VALUES ('@'), (' '), (E'\t'), (E'\x7f'), (E'\x01'), ('é'), ('日')) c(x)
   WHERE p <= n
  UNION ALL
  SELECT overlay(overlay(base PLACING '@' FROM p FOR 1) PLACING x FROM q FOR 1)
    FROM v, generate_series(1, 24) q, (VALUES ('@'), ('é'), (' '), (E'\x7f')) c(x)
   WHERE p <= n AND q <= n AND q <> p
), ref AS (
  SELECT v, CASE
           WHEN v ~ '[\x01-\x20\x7f]' OR strpos(v, '@') = 0 THEN '[REDACTED]'
           ELSE (SELECT CASE WHEN at <= 1 OR at = char_length(v) THEN '[REDACTED]'
                             ELSE left(v, CASE WHEN at - 1 >= 3 THEN 1 ELSE 0 END)
                                  || repeat('*', at - 1 - CASE WHEN at - 1 >= 3 THEN 1 ELSE 0 END)
                                  || substr(v, at) END
                   FROM (SELECT char_length(v) - strpos(reverse(v), '@') + 1 AS at) a)
         END AS expected
    FROM cand
)
SELECT count(*) AS cases, count(*) FILTER (WHERE dpq.mask_email(v) IS DISTINCT FROM expected) AS wrong
  FROM ref;
-- very long local part
SELECT length(m) AS len, left(m, 3) AS head, right(m, 13) AS tail
  FROM (SELECT dpq.mask_email(repeat('é', 100000) || '@example.com') AS m) s;

------------------------------------------------------------------------------
-- mask_partial
------------------------------------------------------------------------------
SELECT v, kf, kl, dpq.mask_partial(v, kf, kl) AS masked
  FROM (VALUES ('4111111111111111', 0, 4),
               ('4111111111111111', 6, 4),
               ('Margaret', 1, 0),
               ('Margaret', 1, 1),
               ('Grüße aus Köln', 2, 3),   -- per character
               ('abc', 1, 1),
               -- keeping as many characters as the value has, or more:
               -- everything is masked, never the clear value
               ('abc', 2, 1),
               ('abc', 3, 0),
               ('abc', 0, 5),
               ('abc', 2147483647, 2147483647),
               -- negative counts count as 0
               ('abc', -1, 1),
               ('abc', -2147483648, -2147483648),
               ('', 0, 0),
               ('', 1, 1),
               ('x', 0, 0)) AS s(v, kf, kl);
-- pad: any text, repeated once per masked character (empty: removed)
SELECT dpq.mask_partial('Grüße', 1, 1, '•') AS bullet,
       dpq.mask_partial('Grüße', 1, 1, 'xy') AS two_chars,
       dpq.mask_partial('Grüße', 1, 1, '') AS empty_pad,
       dpq.mask_partial('Grüße', 1, 1, pad => '#') AS named;
-- NULL in any argument: NULL
SELECT dpq.mask_partial(NULL, 1, 1) IS NULL AS null_value,
       dpq.mask_partial('abc', NULL, 1) IS NULL AS null_keep,
       dpq.mask_partial('abc', 1, 1, NULL) IS NULL AS null_pad;
-- very long
SELECT length(m) AS len, left(m, 3) AS head, right(m, 3) AS tail
  FROM (SELECT dpq.mask_partial(repeat('abcdé', 200000), 2, 2) AS m) s;
-- a result past the 1 GB limit is an error that quotes nothing
SELECT dpq.mask_partial(repeat('a', 100000), 0, 0, repeat('x', 20000));

------------------------------------------------------------------------------
-- mask_hash: HMAC-SHA256, checked against values computed independently
-- (Python's hmac module) for the key set above
------------------------------------------------------------------------------
SELECT dpq.mask_hash('john.doe@example.com');
SELECT dpq.mask_hash('john.doe@example.com')
         = '2d613cb8ed623ff1dd7c4da6bd1197f618cee0e64a40b5610978eeb9f497eba5' AS ascii_ok,
       dpq.mask_hash('')
         = 'ccc7655e7be41757ac93120b49b77f8866adef0357e5c9fbd5abc4617746e1ff' AS empty_ok,
       dpq.mask_hash('Grüße')
         = '1cc47b4f02b9ff31e75aa8b8b889ae7ac892854ba9db3a833e13ceb7e6b1d3ba' AS utf8_ok,
       dpq.mask_hash(NULL) IS NULL AS null_in_null_out;
-- deterministic: joins on pseudonyms work
CREATE TABLE mf_people (id int, email text);
INSERT INTO mf_people
SELECT i, 'user' || i || '@example.com' FROM generate_series(1, 1000) i;
CREATE TABLE mf_orders AS
SELECT i AS order_id, 'user' || (i % 1000 + 1) || '@example.com' AS email
  FROM generate_series(1, 3000) i;
SELECT count(*) AS joined
  FROM (SELECT dpq.mask_hash(email) AS h FROM mf_people) p
  JOIN (SELECT dpq.mask_hash(email) AS h FROM mf_orders) o USING (h);
SELECT count(DISTINCT dpq.mask_hash(email)) AS distinct_pseudonyms,
       count(*) FILTER (WHERE dpq.mask_hash(email) !~ '^[0-9a-f]{64}$') AS not_hex
  FROM mf_people;
SELECT length(dpq.mask_hash(repeat('x', 10000000))) AS long_input;
-- stable across sessions
CREATE TABLE mf_pseudonyms AS
SELECT id, dpq.mask_hash(email) AS h FROM mf_people;
\c
SET datestyle = 'ISO, YMD';
SELECT count(*) AS same_after_reconnect
  FROM mf_pseudonyms s JOIN mf_people p USING (id)
 WHERE dpq.mask_hash(p.email) = s.h;
-- a new key gives new pseudonyms; the old key gives the old ones back
SELECT dpq.set_mask_key('another key, 24 bytes!!!');
SELECT count(*) AS unchanged
  FROM mf_pseudonyms s JOIN mf_people p USING (id)
 WHERE dpq.mask_hash(p.email) = s.h;
SELECT dpq.set_mask_key('\x000102030405060708090a0b0c0d0e0f10'::bytea);
SELECT dpq.mask_hash('john.doe@example.com')
         = '5e0023b1caca18313979b7deef74d254ebed518346ab9dd174f4be815b38cd0a' AS bytea_key_ok;
SELECT dpq.set_mask_key('dpq regression key 0123456789');
SELECT count(*) AS restored
  FROM mf_pseudonyms s JOIN mf_people p USING (id)
 WHERE dpq.mask_hash(p.email) = s.h;
-- a key change rolled back is undone for this session too
BEGIN;
SELECT dpq.set_mask_key('a key that will be rolled back');
SELECT dpq.mask_hash('john.doe@example.com')
         = '2d613cb8ed623ff1dd7c4da6bd1197f618cee0e64a40b5610978eeb9f497eba5' AS old_key_in_xact;
ROLLBACK;
SELECT dpq.mask_hash('john.doe@example.com')
         = '2d613cb8ed623ff1dd7c4da6bd1197f618cee0e64a40b5610978eeb9f497eba5' AS old_key_after_rollback;
-- direct changes of the row are seen too (the table's trigger)
UPDATE dpq.mask_key SET key = convert_to('another key, 24 bytes!!!', 'UTF8');
SELECT count(*) AS unchanged_after_update
  FROM mf_pseudonyms s JOIN mf_people p USING (id)
 WHERE dpq.mask_hash(p.email) = s.h;
DELETE FROM dpq.mask_key;
SELECT dpq.mask_hash('john.doe@example.com');
SELECT dpq.mask_noise(1, 0.1);
SELECT dpq.set_mask_key('dpq regression key 0123456789');
SELECT count(*) AS rows FROM dpq.mask_key;
SELECT dpq.mask_hash('john.doe@example.com')
         = '2d613cb8ed623ff1dd7c4da6bd1197f618cee0e64a40b5610978eeb9f497eba5' AS after_reset;

------------------------------------------------------------------------------
-- mask_phone
------------------------------------------------------------------------------
SELECT v, dpq.mask_phone(v)
  FROM (VALUES ('+33 6 12 34 56 78'),
               ('(555) 123-4567'),
               ('555.123.4567'),
               ('+1-202-555-0143'),
               ('+44 (0)20 7946 0958'),
               ('020/7946 0958'),
               ('0612345678'),
               ('12345678'),           -- 8-9 digits: last 3 kept
               ('123456'),             -- 6-7 digits: last 2 kept
               ('+12 345 678 901 234 567 890'), -- 20 digits
               -- not phone numbers: redacted
               ('12345'),              -- too few digits
               ('123456789012345678901'), -- too many
               ('555-1234 ext 22'),
               ('+33 6 12 34 56 78 (home)'),
               ('０６１２３４５６７８'), -- full-width digits
               ('call me'),
               (''),
               ('+')) AS s(v);
SELECT dpq.mask_phone(NULL) IS NULL AS null_in_null_out;

------------------------------------------------------------------------------
-- mask_card
------------------------------------------------------------------------------
CREATE FUNCTION mf_luhn_ok(text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN count(*) > 0 THEN
		   sum(CASE WHEN i % 2 = 0
					THEN (CASE WHEN d * 2 > 9 THEN d * 2 - 9 ELSE d * 2 END)
					ELSE d END) % 10 = 0 END
	  FROM regexp_split_to_table(reverse(regexp_replace($1, '[^0-9]', '', 'g')), '')
		   WITH ORDINALITY AS s(x, i),
		   LATERAL (SELECT x::int AS d) c
	 WHERE x <> ''
$$;
SELECT v, dpq.mask_card(v) AS masked, dpq.mask_card(v, luhn => true) AS luhn,
       mf_luhn_ok(dpq.mask_card(v, true)) AS luhn_ok
  FROM (VALUES ('4111 1111 1111 1111'),
               ('4111-1111-1111-1111'),
               ('4111111111111111'),
               ('5500 0000 0000 0004'),
               ('3782 822463 10005'),    -- 15 digits
               ('4222222222222'),        -- 13 digits
               ('6011000990139424'),
               ('4000056655665556'),
               ('1234567890123456789'),  -- 19 digits
               ('123456789012'),         -- 12 digits
               ('4111 1111 1111 1112'),  -- invalid check digit: masked anyway
               -- not card numbers: redacted
               ('12345678901'),          -- 11 digits
               ('12345678901234567890'), -- 20 digits
               ('4111.1111.1111.1111'),
               ('4111 1111 1111 111x'),
               ('card: 4111111111111111'),
               ('')) AS s(v);
-- every masked card number is Luhn-valid with luhn => true
SELECT count(*) FILTER (WHERE NOT mf_luhn_ok(dpq.mask_card(c, true))) AS not_luhn,
       count(*) FILTER (WHERE right(dpq.mask_card(c, true), 4) <> right(c, 4)) AS last4_changed,
       count(*) FILTER (WHERE dpq.mask_card(c) <> repeat('*', length(c) - 4) || right(c, 4)) AS bad_mask
  FROM (SELECT (4000000000000000 + i::bigint * 7919)::text AS c
          FROM generate_series(1, 10000) i) s;
SELECT dpq.mask_card(NULL) IS NULL AS null_value,
       dpq.mask_card('4111111111111111', NULL) IS NULL AS null_luhn;

------------------------------------------------------------------------------
-- mask_ip: /24 and /48 by default; never a longer netmask than the value's
------------------------------------------------------------------------------
SELECT v, dpq.mask_ip(v) AS masked, dpq.mask_ip(v, 16, 32) AS wider,
       dpq.mask_ip(v, 32, 128) AS full, dpq.mask_ip(v, -1, -1) AS clamped_low,
       dpq.mask_ip(v, 99, 999) AS clamped_high
  FROM (VALUES ('192.168.1.77'::inet),
               ('192.168.1.77/20'),
               ('10.1.2.3/8'),
               ('255.255.255.255'),
               ('0.0.0.0'),
               ('2001:db8:abcd:1234:5678::1'),
               ('2001:db8::/32'),
               ('::ffff:192.168.1.77'),
               ('::1')) AS s(v);
SELECT dpq.mask_ip('192.168.1.77/32'::cidr) AS from_cidr,
       dpq.mask_ip(NULL) IS NULL AS null_in_null_out,
       dpq.mask_ip('1.2.3.4', NULL) IS NULL AS null_prefix;

------------------------------------------------------------------------------
-- mask_date: date_trunc; timestamptz truncated in UTC whatever TimeZone
------------------------------------------------------------------------------
SELECT f, dpq.mask_date('1984-07-19'::date, f) AS d,
       dpq.mask_date('1984-07-19 13:14:15.123456'::timestamp, f) AS ts
  FROM unnest(ARRAY['millennium', 'century', 'decade', 'year', 'quarter',
                    'month', 'week', 'day', 'hour', 'minute', 'second',
                    'milliseconds', 'microseconds', 'YEAR', 'years', 'mon'])
       AS f;
SET timezone = 'UTC';
SELECT dpq.mask_date('1984-07-19 23:30:00+00'::timestamptz, 'day') AS utc_session;
SET timezone = 'Asia/Tokyo';
SELECT dpq.mask_date('1984-07-19 23:30:00+00'::timestamptz, 'day') AS tokyo_session,
       dpq.mask_date('1984-07-19 23:30:00+00'::timestamptz, 'day')
         = '1984-07-19 00:00:00+00' AS same_instant,
       date_trunc('day', '1984-07-19 23:30:00+00'::timestamptz) AS date_trunc_differs;
SET timezone = 'America/New_York';
SELECT dpq.mask_date('1984-07-19 23:30:00+00'::timestamptz, 'month')
         = '1984-07-01 00:00:00+00' AS month_in_utc;
RESET timezone;
-- infinities stay; values PostgreSQL cannot truncate are NULL, not errors
SELECT dpq.mask_date('infinity'::date, 'year') AS d_inf,
       dpq.mask_date('-infinity'::timestamp, 'year') AS ts_minf,
       dpq.mask_date('infinity'::timestamptz, 'day') AS tstz_inf,
       dpq.mask_date('4000-06-15 BC'::date, 'millennium') AS earliest,
       dpq.mask_date('4001-12-31 BC'::date, 'day') IS NULL AS too_early,
       dpq.mask_date('4713-01-01 BC'::timestamp, 'millennium') IS NULL AS in_4713_bc,
       dpq.mask_date('294276-12-31'::date, 'year') AS latest,
       dpq.mask_date('5874897-12-31'::date, 'year') IS NULL AS past_timestamps;
-- an unknown field is an error naming the field (never the value)
SELECT dpq.mask_date('1984-07-19'::date, 'fortnight');
SELECT dpq.mask_date('1984-07-19 13:14:15'::timestamptz, 'timezone');
SELECT dpq.mask_date(NULL::date, 'year') IS NULL AS null_value,
       dpq.mask_date('1984-07-19'::date, NULL) IS NULL AS null_field;

------------------------------------------------------------------------------
-- mask_noise: value * (1 + fraction * u), u in [-1, 1) from the key and value
------------------------------------------------------------------------------
SELECT v, dpq.mask_noise(v, 0.1) AS noisy, dpq.mask_noise(v, 0) AS no_noise
  FROM (VALUES (1234.56::numeric), (1234.560), (-1234.56), (0), (0.001),
               (1e-20), (123456789012345678901234567890.123)) AS s(v);
-- deterministic: repeating the query does not average the noise away
SELECT count(DISTINCT dpq.mask_noise(1234.56, 0.1)) AS distinct_values,
       avg(dpq.mask_noise(1234.56, 0.1)) = dpq.mask_noise(1234.56, 0.1) AS average_is_the_value
  FROM generate_series(1, 100);
-- within bounds, keeps the scale, centred
SELECT count(*) FILTER (WHERE abs(n - v) > 0.1 * abs(v) + 0.005) AS out_of_bounds,
       count(*) FILTER (WHERE n = v) AS unchanged,
       count(*) FILTER (WHERE scale(n) <> 2) AS scale_changed,
       round(avg((n - v) / v / 0.1), 2) AS mean_u,
       round(min((n - v) / v / 0.1), 2) AS min_u,
       round(max((n - v) / v / 0.1), 2) AS max_u
  FROM (SELECT v, dpq.mask_noise(v, 0.1) AS n
          FROM (SELECT (i * 12.34)::numeric(12,2) AS v
                  FROM generate_series(1, 10000) i) s) t;
-- equal numerics get the same noise whatever their display scale, and the
-- integer and float8 versions use the same u as numeric
SELECT dpq.mask_noise(1000, 0.1) AS int4, dpq.mask_noise(1000::bigint, 0.1) AS int8,
       dpq.mask_noise(1000::numeric, 0.1) AS numeric,
       dpq.mask_noise(1000.00, 0.1) AS numeric_2,
       dpq.mask_noise(1000::float8, 0.1) AS float8;
-- a new key gives new noise
SELECT dpq.set_mask_key('another key, 24 bytes!!!');
SELECT dpq.mask_noise(1234.56, 0.1) AS other_key;
SELECT dpq.set_mask_key('dpq regression key 0123456789');
-- never an error: integers clamp to their range (a fraction above 1 can
-- flip the sign), float8 overflow and non-finite values give NULL
SELECT dpq.mask_noise(2147483647, 10) AS int4_max, dpq.mask_noise(-2147483648, 10) AS int4_min,
       dpq.mask_noise(9223372036854775807, 10) AS int8_max,
       dpq.mask_noise(1e308::float8, 10) IS NULL AS float8_overflow,
       dpq.mask_noise('NaN'::numeric, 0.1) IS NULL AS nan,
       dpq.mask_noise('Infinity'::numeric, 0.1) IS NULL AS inf,
       dpq.mask_noise('-Infinity'::float8, 0.1) IS NULL AS float8_minf,
       dpq.mask_noise('NaN'::float8, 0.1) IS NULL AS float8_nan;
-- the fraction must be finite and >= 0 (the error quotes nothing)
SELECT dpq.mask_noise(1234.56, -0.1);
SELECT dpq.mask_noise(1234.56, 'NaN');
SELECT dpq.mask_noise(1234, 'Infinity');
SELECT dpq.mask_noise(NULL::numeric, 0.1) IS NULL AS null_value,
       dpq.mask_noise(1.5, NULL) IS NULL AS null_fraction;

------------------------------------------------------------------------------
-- mask_redact: NULL for every type
------------------------------------------------------------------------------
SELECT dpq.mask_redact('secret'::text) IS NULL AS text,
       dpq.mask_redact(42) IS NULL AS int,
       dpq.mask_redact(now()) IS NULL AS timestamptz,
       dpq.mask_redact('{"a": 1}'::jsonb) IS NULL AS jsonb,
       dpq.mask_redact(ARRAY[1, 2]) IS NULL AS int_array,
       dpq.mask_redact(ROW(1, 'x')::mf_people) IS NULL AS composite,
       dpq.mask_redact(NULL::text) IS NULL AS null_value,
       pg_typeof(dpq.mask_redact('x'::varchar)) AS keeps_type;
SELECT dpq.mask_redact('untyped');

------------------------------------------------------------------------------
-- Parallel workers read the key themselves
------------------------------------------------------------------------------
CREATE TABLE mf_big AS
SELECT i AS id, 'user' || i || '@example.com' AS email, (i * 1.5)::numeric(12,1) AS amount
  FROM generate_series(1, 20000) i;
ANALYZE mf_big;
CREATE TABLE mf_serial AS
SELECT id, dpq.mask_hash(email) AS h, dpq.mask_noise(amount, 0.2) AS n FROM mf_big;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT count(*) FILTER (WHERE dpq.mask_hash(b.email) = s.h
                          AND dpq.mask_noise(b.amount, 0.2) = s.n)
  FROM mf_big b JOIN mf_serial s USING (id);
SELECT count(*) FILTER (WHERE dpq.mask_hash(b.email) = s.h
                          AND dpq.mask_noise(b.amount, 0.2) = s.n) AS same_in_workers
  FROM mf_big b JOIN mf_serial s USING (id);
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;

------------------------------------------------------------------------------
-- Who can do what with the key
------------------------------------------------------------------------------
CREATE ROLE regress_mf_user;
CREATE ROLE regress_mf_reader IN ROLE pg_read_all_data;
\set VERBOSITY sqlstate
SET ROLE regress_mf_user;
-- the table is not readable
SELECT * FROM dpq.mask_key;
-- set_mask_key and _random_key are not executable
SELECT dpq.set_mask_key('0123456789abcdef0123');
SELECT dpq.set_mask_key('\x0123456789abcdef0123'::bytea);
SELECT dpq._random_key();
-- the mask functions work for everyone (dpq refuses keyed ones in the
-- statements of masked roles: see the masking tests)
SELECT left(dpq.mask_hash('john.doe@example.com'), 16) AS user_hash;
RESET ROLE;
-- even with EXECUTE granted, set_mask_key checks for a superuser itself
GRANT EXECUTE ON FUNCTION dpq.set_mask_key(text) TO regress_mf_user;
SET ROLE regress_mf_user;
SELECT dpq.set_mask_key('0123456789abcdef0123');
RESET ROLE;
\set VERBOSITY default
SET ROLE regress_mf_user;
SELECT dpq.set_mask_key('0123456789abcdef0123');
RESET ROLE;
-- a role that reads all data sees no row (row-level security, no policy)
SET ROLE regress_mf_reader;
SELECT count(*) AS rows_seen FROM dpq.mask_key;
SELECT count(*) AS stats_seen FROM pg_stats
 WHERE schemaname = 'dpq' AND tablename = 'mask_key' AND attname = 'key';
RESET ROLE;
SELECT left(dpq.mask_hash('john.doe@example.com'), 16) AS key_unchanged;
REVOKE EXECUTE ON FUNCTION dpq.set_mask_key(text) FROM regress_mf_user;
DROP ROLE regress_mf_user, regress_mf_reader;

DROP TABLE mf_people, mf_orders, mf_pseudonyms, mf_big, mf_serial;
DROP FUNCTION mf_luhn_ok(text);
