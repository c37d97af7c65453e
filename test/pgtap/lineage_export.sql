-- lineage_export.sql: dpq.lineage_openlineage (OpenLineage RunEvents) and
-- dpq.lineage_dot (Graphviz) over a small captured workload: the names,
-- namespaces, facets and values of the events, the escaping and the shape
-- of the graph, who sees what.  The events are validated against the
-- OpenLineage JSON schemas by test/lineage/validate_openlineage.py (a step
-- of test/run), and the graphs rendered with dot there; this file checks
-- what the schemas cannot: that the values are the right ones.
--
-- Lineage is written at COMMIT, so this file does not run in one
-- transaction: the workload's statements are their own transactions
-- (autocommit).  Everything lives in schema tap_lx and roles tap_lx_*,
-- dropped at the start (should an interrupted run have left them) and at
-- the end.  Events are those of the runs that ended after :t0, the time
-- the workload started, so that runs of other files never matter.
--
-- Roles:
--   tap_lx_writer  SELECT on tap_lx.src, INSERT on tap_lx.dst; ran one
--                  statement of the workload itself (job "writer")
--   tap_lx_none    nothing at all
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SELECT NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pgtap') AS own_pgtap,
       NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'dpq') AS own_dpq \gset
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dpq;
DROP SCHEMA IF EXISTS tap_lx CASCADE;
DO $$
DECLARE
	r text;
BEGIN
	FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE 'tap\_lx\_%' LOOP
		EXECUTE format('DROP OWNED BY %I CASCADE', r);
		EXECUTE format('DROP ROLE %I', r);
	END LOOP;
END $$;

SELECT clock_timestamp() AS t0,
	   current_setting('data_directory') || '/dpq_tap_lineage_export.csv' AS csv,
	   current_database() AS db,
	   dpq._lineage_host() AS host,
	   'postgres://' || dpq._lineage_host() || ':' || current_setting('port') AS ns,
	   'https://github.com/dpq/dpq/tree/' || (SELECT extversion FROM pg_extension WHERE extname = 'dpq')
		   AS producer \gset

-- ---------------------------------------------------------------------------
-- The workload: nine captured runs, one job each
-- ---------------------------------------------------------------------------
CREATE ROLE tap_lx_writer;
CREATE ROLE tap_lx_none;
CREATE SCHEMA tap_lx;
GRANT USAGE ON SCHEMA tap_lx TO tap_lx_writer, tap_lx_none;
CREATE TABLE tap_lx.src (id int PRIMARY KEY, name text, amount numeric, status text);
INSERT INTO tap_lx.src VALUES (1, 'a', 10, 'ok'), (2, 'b', 20, 'no'), (3, 'c', 30, 'ok');
CREATE TABLE tap_lx.dst (id int, label text, total numeric);
GRANT SELECT ON tap_lx.src TO tap_lx_writer;
GRANT INSERT ON tap_lx.dst TO tap_lx_writer;

-- 1. INSERT ... SELECT
INSERT INTO tap_lx.dst SELECT id, upper(name), amount * 2 FROM tap_lx.src WHERE status = 'ok';
-- 2. CREATE TABLE AS
CREATE TABLE tap_lx.agg AS SELECT name, sum(amount) AS s FROM tap_lx.src GROUP BY name;
-- 3. a view
CREATE VIEW tap_lx.v AS SELECT id, name FROM tap_lx.src WHERE amount > 5;
-- 4. from the view into a table whose names need quoting everywhere
CREATE TABLE tap_lx."Odd ""name"" <&>|{}" (id int, "Val|<x>" text);
INSERT INTO tap_lx."Odd ""name"" <&>|{}" SELECT id, name FROM tap_lx.v;
-- 5. COPY from a file (written by COPY TO, which is not captured)
COPY (SELECT 7, 'g', 70, 'ok') TO :'csv' (FORMAT csv);
COPY tap_lx.src FROM :'csv' (FORMAT csv);
-- 6. COPY from stdin
COPY tap_lx.src (id, name) FROM stdin (FORMAT csv);
8,h
\.
-- 7. MERGE
MERGE INTO tap_lx.dst d USING tap_lx.src s ON d.id = s.id
 WHEN MATCHED THEN UPDATE SET total = s.amount
 WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.name, s.amount);
-- 8. into a table dropped afterwards
CREATE TABLE tap_lx.gone (k int);
INSERT INTO tap_lx.gone SELECT id FROM tap_lx.src;
DROP TABLE tap_lx.gone;
-- 9. run by another role (the first to run it: it may read its text)
SET ROLE tap_lx_writer;
INSERT INTO tap_lx.dst (id, label) SELECT id, name FROM tap_lx.src WHERE id = 1;
RESET ROLE;
-- a relation without lineage
CREATE TABLE tap_lx.lonely (x int);
-- the workload's last run (pgTAP's own statements may be captured later)
SELECT max(run_id) AS last_run FROM dpq.lineage_runs \gset

SELECT plan(71);

CREATE TABLE tap_lx.ev AS
SELECT row_number() OVER () AS ord, e,
	   (e #>> '{run,facets,dpq_run,runId}')::bigint AS run_id,
	   e #>> '{job,facets,jobType,jobType}' AS stmt
  FROM dpq.lineage_openlineage(:'t0') e
 WHERE (e #>> '{run,facets,dpq_run,runId}')::bigint <= :last_run;

-- event n of the workload (1-9 above)
CREATE FUNCTION tap_lx.ev(n int) RETURNS jsonb LANGUAGE sql STABLE AS
$$ SELECT e FROM tap_lx.ev WHERE ord = n $$;
-- the datasets of a list of inputs or outputs, without their facets
CREATE FUNCTION tap_lx.names(ds jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS
$$ SELECT COALESCE(jsonb_agg(jsonb_build_object('namespace', d->>'namespace', 'name', d->>'name')), '[]')
	 FROM jsonb_array_elements(ds) d $$;
-- one InputField as dpq writes it
CREATE FUNCTION tap_lx.field(ns text, name text, field text, type text, subtype text)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS
$$ SELECT jsonb_build_object('namespace', ns, 'name', name, 'field', field, 'transformations',
							 jsonb_build_array(jsonb_build_object('type', type, 'subtype', subtype,
																  'masking', false))) $$;
-- the lines of a text
CREATE FUNCTION tap_lx.lines(t text) RETURNS SETOF text LANGUAGE sql IMMUTABLE AS
$$ SELECT regexp_split_to_table(t, E'\n') $$;

-- ===========================================================================
-- OpenLineage: the events
-- ===========================================================================
SELECT is((SELECT count(*)::int FROM tap_lx.ev), 9, 'one event per run of the workload');
SELECT is((SELECT count(*)::int FROM tap_lx.ev),
		  (SELECT count(*)::int FROM dpq.lineage_runs WHERE ended_at >= :'t0' AND run_id <= :last_run),
		  'as many events as runs that ended since t0');
SELECT is(ARRAY(SELECT run_id FROM tap_lx.ev ORDER BY ord),
		  ARRAY(SELECT run_id FROM dpq.lineage_runs WHERE ended_at >= :'t0' AND run_id <= :last_run
				 ORDER BY run_id),
		  'in run order, each carrying its run_id in the dpq_run facet');
SELECT is(ARRAY(SELECT stmt FROM tap_lx.ev ORDER BY ord),
		  ARRAY['INSERT', 'CREATE TABLE AS', 'CREATE VIEW', 'INSERT', 'COPY', 'COPY', 'MERGE',
				'INSERT', 'INSERT'],
		  'jobType.jobType: the statement');
SELECT is((SELECT count(*)::int FROM tap_lx.ev
			WHERE e->>'eventType' = 'COMPLETE'
			  AND e->>'schemaURL' = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent'
			  AND e->>'producer' = :'producer'),
		  9, 'eventType COMPLETE, the RunEvent schemaURL, producer https://github.com/dpq/dpq/tree/{version}');
SELECT is((SELECT count(*)::int FROM tap_lx.ev x
			WHERE NOT EXISTS (SELECT FROM jsonb_path_query(x.e, 'strict $.**._producer') p
							   WHERE p #>> '{}' <> :'producer')),
		  9, 'every facet has the event''s producer as _producer');
SELECT is((SELECT count(*)::int FROM tap_lx.ev x JOIN dpq.lineage_runs r USING (run_id)
			WHERE x.e->>'eventTime' = to_char(r.ended_at AT TIME ZONE 'UTC',
											  'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
			  AND x.e #>> '{run,facets,dpq_run,startedAt}'
				  = to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')),
		  9, 'eventTime: when the run ended (UTC, microseconds, +00:00); dpq_run.startedAt when it started');
SELECT is((SELECT count(*)::int FROM tap_lx.ev
			WHERE e #>> '{run,runId}' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'),
		  9, 'runId: a version 7 UUID');
SELECT is((SELECT count(DISTINCT e #>> '{run,runId}')::int FROM tap_lx.ev), 9, 'runIds are distinct');
SELECT is((SELECT count(*)::int FROM tap_lx.ev x JOIN dpq.lineage_runs r USING (run_id)
			WHERE substr(replace(x.e #>> '{run,runId}', '-', ''), 1, 12)
				  = lpad(to_hex(floor(extract(epoch FROM r.started_at) * 1000)::bigint), 12, '0')),
		  9, 'runId: its first 48 bits are the run''s start in milliseconds');
SELECT is(ARRAY(SELECT e #>> '{run,runId}' FROM dpq.lineage_openlineage(:'t0') e
				 WHERE (e #>> '{run,facets,dpq_run,runId}')::bigint <= :last_run),
		  ARRAY(SELECT e #>> '{run,runId}' FROM tap_lx.ev ORDER BY ord),
		  'runIds are the same at every export');
SELECT is((SELECT count(*)::int FROM tap_lx.ev x JOIN dpq.lineage_runs r USING (run_id)
			WHERE x.e #>> '{job,namespace}' = :'ns'
			  AND x.e #>> '{job,name}' = :'db' || '.dpq_job_' || r.job_id
			  AND (x.e #>> '{run,facets,dpq_run,jobId}')::bigint = r.job_id
			  AND x.e #>> '{run,facets,dpq_run,transactionId}' = r.xid::text
			  AND x.e #>> '{run,facets,dpq_run,role}' = r.run_by::text),
		  9, 'job: namespace postgres://{host}:{port}, name {database}.dpq_job_{job_id}; dpq_run: job, xid, role');
SELECT is((SELECT count(*)::int FROM tap_lx.ev x JOIN dpq.lineage_runs r USING (run_id)
			JOIN dpq.lineage_jobs j USING (job_id)
			WHERE x.e #>> '{job,facets,sql,query}' = j.query
			  AND x.e #>> '{job,facets,sql,dialect}' = 'postgres'),
		  9, 'sql facet: the job''s statement text (a superuser reads every one)');
SELECT is((SELECT (e #> '{run,facets,processing_engine}') - '_producer'::text - '_schemaURL'::text
			 FROM tap_lx.ev WHERE ord = 1),
		  jsonb_build_object('name', 'PostgreSQL', 'version', split_part(current_setting('server_version'), ' ', 1),
							 'openlineageAdapterVersion', (SELECT extversion FROM pg_extension WHERE extname = 'dpq')),
		  'processing_engine facet: PostgreSQL and its version, dpq''s version');
SELECT is((SELECT (e #> '{job,facets,jobType}') - '_producer'::text - '_schemaURL'::text
			 FROM tap_lx.ev WHERE ord = 1),
		  '{"processingType": "BATCH", "integration": "DPQ", "jobType": "INSERT"}'::jsonb,
		  'jobType facet');

-- 1. INSERT ... SELECT
SELECT is(tap_lx.names(tap_lx.ev(1)->'inputs'),
		  jsonb_build_array(jsonb_build_object('namespace', :'ns', 'name', :'db' || '.tap_lx.src')),
		  'INSERT: the input is {database}.tap_lx.src in postgres://{host}:{port}');
SELECT is(tap_lx.names(tap_lx.ev(1)->'outputs'),
		  jsonb_build_array(jsonb_build_object('namespace', :'ns', 'name', :'db' || '.tap_lx.dst')),
		  'INSERT: the output is {database}.tap_lx.dst');
SELECT is(tap_lx.ev(1) #> '{outputs,0,facets,columnLineage,fields}',
		  jsonb_build_object(
			'id', jsonb_build_object('inputFields', jsonb_build_array(
					tap_lx.field(:'ns', :'db' || '.tap_lx.src', 'id', 'DIRECT', 'IDENTITY'))),
			'label', jsonb_build_object('inputFields', jsonb_build_array(
					tap_lx.field(:'ns', :'db' || '.tap_lx.src', 'name', 'DIRECT', 'TRANSFORMATION'))),
			'total', jsonb_build_object('inputFields', jsonb_build_array(
					tap_lx.field(:'ns', :'db' || '.tap_lx.src', 'amount', 'DIRECT', 'TRANSFORMATION')))),
		  'INSERT: columnLineage.fields, one entry per target column');
SELECT is(tap_lx.ev(1) #> '{outputs,0,facets,columnLineage,dataset}',
		  jsonb_build_array(tap_lx.field(:'ns', :'db' || '.tap_lx.src', 'status', 'INDIRECT', 'FILTER')),
		  'INSERT: columnLineage.dataset, the dataset-level edges');
SELECT is(tap_lx.ev(1) #>> '{outputs,0,facets,columnLineage,_schemaURL}',
		  'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet',
		  'columnLineage: ColumnLineageDatasetFacet 1-2-0');
SELECT is(tap_lx.ev(1) #> '{outputs,0,outputFacets,outputStatistics,rowCount}', '2'::jsonb,
		  'INSERT: outputStatistics.rowCount, the rows inserted');
SELECT is(tap_lx.ev(1) #> '{outputs,0,facets,schema,fields}',
		  '[{"name": "id", "type": "integer"}, {"name": "label", "type": "text"},
			{"name": "total", "type": "numeric"}]'::jsonb,
		  'schema facet: the columns of the relation and their types');
SELECT is(tap_lx.ev(1) #> '{inputs,0,facets,schema,fields,2}', '{"name": "amount", "type": "numeric"}'::jsonb,
		  'inputs get the schema facet too');

-- 2. CREATE TABLE AS
SELECT is(tap_lx.ev(2) #> '{outputs,0,facets,columnLineage,fields,s,inputFields}',
		  jsonb_build_array(tap_lx.field(:'ns', :'db' || '.tap_lx.src', 'amount', 'DIRECT', 'AGGREGATION')),
		  'CREATE TABLE AS: sum(amount) is an AGGREGATION');
SELECT is(tap_lx.ev(2) #> '{outputs,0,facets,columnLineage,dataset}',
		  jsonb_build_array(tap_lx.field(:'ns', :'db' || '.tap_lx.src', 'name', 'INDIRECT', 'GROUP_BY')),
		  'CREATE TABLE AS: GROUP BY name is a dataset-level GROUP_BY');

-- 3. CREATE VIEW
SELECT is(tap_lx.names(tap_lx.ev(3)->'outputs'),
		  jsonb_build_array(jsonb_build_object('namespace', :'ns', 'name', :'db' || '.tap_lx.v')),
		  'CREATE VIEW: the view is the output');
SELECT ok(NOT tap_lx.ev(3) #> '{outputs,0}' ? 'outputFacets',
		  'CREATE VIEW: no row count, no outputStatistics');

-- 4. from the view into tap_lx."Odd ""name"" <&>|{}"
SELECT is(tap_lx.names(tap_lx.ev(4)->'inputs'),
		  jsonb_build_array(jsonb_build_object('namespace', :'ns', 'name', :'db' || '.tap_lx.v')),
		  'a view read by a statement is its input (hop edges)');
SELECT is(tap_lx.ev(4) #>> '{outputs,0,name}', :'db' || '.tap_lx.Odd "name" <&>|{}',
		  'names are unquoted: {database}.{schema}.{table} as they are');
SELECT is(tap_lx.ev(4) #> '{outputs,0,facets,columnLineage,fields,Val|<x>,inputFields}',
		  jsonb_build_array(tap_lx.field(:'ns', :'db' || '.tap_lx.v', 'name', 'DIRECT', 'IDENTITY')),
		  'column names are unquoted too');

-- 5. COPY FROM a file
SELECT is(tap_lx.names(tap_lx.ev(5)->'inputs'),
		  jsonb_build_array(jsonb_build_object('namespace', 'file://' || :'host', 'name', :'csv')),
		  'COPY FROM a file: the input is the path in file://{host}');
SELECT is(tap_lx.ev(5) #> '{outputs,0,facets,columnLineage,fields,amount,inputFields}',
		  jsonb_build_array(tap_lx.field('file://' || :'host', :'csv', 'amount', 'DIRECT', 'IDENTITY')),
		  'COPY FROM a file: its fields are named after the columns they load');
SELECT is(tap_lx.ev(5) #> '{inputs,0,facets}', '{}'::jsonb, 'a file has no schema facet');

-- 6. COPY FROM stdin
SELECT is(tap_lx.names(tap_lx.ev(6)->'inputs'),
		  jsonb_build_array(jsonb_build_object('namespace', 'stdin://' || :'host' || ':' || current_setting('port'),
											   'name', :'db')),
		  'COPY FROM stdin: the input is {database} in stdin://{host}:{port}');

-- 7. MERGE
SELECT is(tap_lx.ev(7) #>> '{outputs,0,name}', :'db' || '.tap_lx.dst', 'MERGE: the target is the output');
SELECT ok(tap_lx.ev(7) #> '{outputs,0,facets,columnLineage,dataset}'
			@> jsonb_build_array(tap_lx.field(:'ns', :'db' || '.tap_lx.src', 'id', 'INDIRECT', 'JOIN')),
		  'MERGE: ON s.id is a dataset-level JOIN');
SELECT ok(tap_lx.ev(7) #> '{outputs,0,facets,columnLineage,fields,total,inputFields}'
			@> jsonb_build_array(jsonb_build_object('namespace', :'ns', 'name', :'db' || '.tap_lx.src',
													'field', 'amount')),
		  'MERGE: total comes from src.amount');

-- 8. a dropped target
SELECT is(tap_lx.ev(8) #>> '{outputs,0,name}', :'db' || '.tap_lx.gone',
		  'a dropped table keeps its last name');
SELECT is(tap_lx.ev(8) #> '{outputs,0,facets,columnLineage,fields,k,inputFields}',
		  jsonb_build_array(tap_lx.field(:'ns', :'db' || '.tap_lx.src', 'id', 'DIRECT', 'IDENTITY')),
		  'a dropped table keeps its column lineage');
SELECT ok(NOT tap_lx.ev(8) #> '{outputs,0,facets}' ? 'schema', 'a dropped table has no schema facet');

-- since
SELECT is((SELECT count(*)::int FROM dpq.lineage_openlineage('infinity')), 0, 'since in the future: no event');
SELECT is((SELECT min((e #>> '{run,facets,dpq_run,runId}')::bigint)
			 FROM dpq.lineage_openlineage((SELECT ended_at FROM dpq.lineage_runs
										   WHERE run_id = (SELECT run_id FROM tap_lx.ev WHERE ord = 9))) e),
		  (SELECT run_id FROM tap_lx.ev WHERE ord = 9),
		  'since = a run''s end: that run is included, the runs before it are not');
SELECT cmp_ok((SELECT count(*)::int FROM dpq.lineage_openlineage()), '>=', 9, 'since NULL: every run');

-- renames: today's names
ALTER TABLE tap_lx.dst RENAME TO dst_renamed;
ALTER TABLE tap_lx.dst_renamed RENAME COLUMN label TO label2;
SELECT is((SELECT e #>> '{outputs,0,name}' FROM dpq.lineage_openlineage(:'t0') e LIMIT 1),
		  :'db' || '.tap_lx.dst_renamed', 'a renamed table: its name of today');
SELECT ok((SELECT e #> '{outputs,0,facets,columnLineage,fields}' ? 'label2'
			 FROM dpq.lineage_openlineage(:'t0') e LIMIT 1),
		  'a renamed column: its name of today');
ALTER TABLE tap_lx.dst_renamed RENAME COLUMN label2 TO label;
ALTER TABLE tap_lx.dst_renamed RENAME TO dst;

-- ===========================================================================
-- OpenLineage: who sees what
-- ===========================================================================
SET ROLE tap_lx_none;
SELECT is((SELECT count(*)::int FROM dpq.lineage_openlineage(:'t0')), 0,
		  'a role without privileges: no event');
SELECT is((SELECT count(*)::int FROM dpq._lineage_export_runs WHERE ended_at >= :'t0'), 0,
		  'a role without privileges: no run through the export''s view either');
RESET ROLE;
SET ROLE tap_lx_writer;
SELECT is(ARRAY(SELECT e #>> '{job,facets,jobType,jobType}' FROM dpq.lineage_openlineage(:'t0') e),
		  ARRAY['INSERT', 'COPY', 'COPY', 'MERGE', 'INSERT'],
		  'tap_lx_writer: the runs of the jobs with edges it sees (targets and sources it holds a privilege on)');
SELECT is(ARRAY(SELECT e #> '{job,facets}' ? 'sql' FROM dpq.lineage_openlineage(:'t0') e),
		  ARRAY[false, false, false, false, true],
		  'tap_lx_writer: the statement text of the job it ran first only');
SELECT is((SELECT e #>> '{job,facets,sql,query}' FROM dpq.lineage_openlineage(:'t0') e OFFSET 4),
		  'INSERT INTO tap_lx.dst (id, label) SELECT id, name FROM tap_lx.src WHERE id = 1',
		  'tap_lx_writer: its own statement, as it ran it');
RESET ROLE;

-- ===========================================================================
-- Graphviz
-- ===========================================================================
SELECT is((SELECT count(*)::int FROM tap_lx.lines(dpq.lineage_dot('tap_lx.lonely')) l WHERE l ~ '^\s+n\d+ \['),
		  1, 'a relation without lineage: a graph with its one node');
SELECT is((SELECT count(*)::int FROM tap_lx.lines(dpq.lineage_dot('tap_lx.lonely')) l WHERE l ~ '->'),
		  0, 'a relation without lineage: no edge');
SELECT matches(dpq.lineage_dot('tap_lx.dst'), '^digraph dpq_lineage \{\n.*\n\}\n$',
			   'a digraph, one statement a line');
SELECT ok(dpq.lineage_dot('tap_lx.dst') LIKE '%<b>tap_lx.src</b><br/><font point-size="9">table</font>%'
		  AND dpq.lineage_dot('tap_lx.dst') LIKE '%<b>tap_lx.dst</b>%',
		  'lineage_dot(rel): rel and the relations upstream');
SELECT ok(dpq.lineage_dot('tap_lx.dst') LIKE '%<b>' || :'csv' || '</b><br/><font point-size="9">file</font>%',
		  'lineage_dot(rel): all depths (the file loaded into a source of rel)');
SELECT ok(dpq.lineage_dot('tap_lx.dst') NOT LIKE '%tap_lx.agg%',
		  'lineage_dot(rel): not what is only connected to rel''s sources');
SELECT ok(dpq.lineage_dot('tap_lx.src') LIKE '%<b>tap_lx.agg</b>%'
		  AND dpq.lineage_dot('tap_lx.src') LIKE '%<b>tap_lx.gone</b><br/><font point-size="9">dropped</font>%',
		  'lineage_dot(rel): downstream too, dropped relations included');
SELECT is((SELECT count(*)::int FROM tap_lx.lines(dpq.lineage_dot('tap_lx.dst')) l
			WHERE l ~ '^\s+n\d+:c\d+:e -> n\d+:c\d+:w \[style=solid, .*label="[^"]*transformation[^"]*"\];$'),
		  2, 'column edges go from port to port, direct ones solid, labelled with the subtype');
SELECT ok(EXISTS (SELECT FROM tap_lx.lines(dpq.lineage_dot('tap_lx.dst')) l
				   WHERE l ~ '^\s+n\d+:c\d+:e -> n\d+:h \[style=dashed, .*label="filter"\];$'),
		  'dataset-level edges go to the relation (its title), indirect ones dashed');
SELECT ok(EXISTS (SELECT FROM tap_lx.lines(dpq.lineage_dot('tap_lx.dst')) l
				   WHERE l ~ 'label="identity, transformation"'),
		  'edges between the same columns of several jobs: one edge, every subtype in its label');
SELECT ok(dpq.lineage_dot('tap_lx.v') ~ 'style="dashed"><tr><td port="h" bgcolor="[^"]+"><b>tap_lx.v</b><br/><font point-size="9">view</font>',
		  'a view: its own colour, a dashed border, "view"');
SELECT ok(dpq.lineage_dot('tap_lx.src') LIKE '%<font point-size="9">stdin</font>%',
		  'stdin is a node of its own');
SELECT ok(strpos(dpq.lineage_dot('tap_lx."Odd ""name"" <&>|{}"'),
				 '<b>tap_lx.&quot;Odd &quot;&quot;name&quot;&quot; &lt;&amp;&gt;|{}&quot;</b>') > 0
		  AND strpos(dpq.lineage_dot('tap_lx."Odd ""name"" <&>|{}"'), '>Val|&lt;x&gt;</td>') > 0,
		  'names are escaped for HTML-like labels (&, <, >, ")');
SELECT ok(strpos(dpq.lineage_dot('tap_lx."Odd ""name"" <&>|{}"'), '<&>') = 0,
		  'no raw <&> left');
SELECT ok(dpq.lineage_dot('tap_lx."Odd ""name"" <&>|{}"')
			LIKE E'%label=<dpq lineage of tap_lx.&quot;Odd &quot;&quot;name&quot;&quot; &lt;&amp;&gt;|{}&quot;>%',
		  'the graph''s title names the relation, escaped');
SELECT throws_ok($$SELECT dpq.lineage_dot(4294967295::oid::regclass)$$, '42P01', NULL,
				 'an OID that is no relation: 42P01');
SET ROLE tap_lx_none;
SELECT is(dpq.lineage_dot(),
		  E'digraph dpq_lineage {\n\tgraph [rankdir=LR, fontname="Helvetica", labelloc=t, label=<dpq lineage>];\n'
		  || E'\tnode [shape=plain, fontname="Helvetica", fontsize=10];\n'
		  || E'\tedge [fontname="Helvetica", fontsize=9, arrowsize=0.7];\n}\n',
		  'nothing visible: an empty graph, not NULL');
SELECT ok(dpq.lineage_dot('tap_lx.dst') NOT LIKE '%->%',
		  'a role without privileges sees no edge around a relation either');
RESET ROLE;

-- ===========================================================================
-- The functions themselves
-- ===========================================================================
SELECT is(ARRAY(SELECT p.prosecdef FROM pg_proc p
				 WHERE p.oid IN ('dpq.lineage_openlineage(timestamptz)'::regprocedure,
								 'dpq.lineage_dot(regclass)'::regprocedure)),
		  ARRAY[false, false], 'both run as the caller (SECURITY INVOKER)');
SELECT is(ARRAY(SELECT array_to_string(p.proconfig, ',') FROM pg_proc p
				 WHERE p.oid IN ('dpq.lineage_openlineage(timestamptz)'::regprocedure,
								 'dpq.lineage_dot(regclass)'::regprocedure)),
		  ARRAY['search_path=pg_catalog, pg_temp', 'search_path=pg_catalog, pg_temp'],
		  'both pin search_path');
SELECT ok(has_function_privilege('tap_lx_none', 'dpq.lineage_openlineage(timestamptz)', 'EXECUTE')
		  AND has_function_privilege('tap_lx_none', 'dpq.lineage_dot(regclass)', 'EXECUTE'),
		  'anyone may call them (they show what dpq.lineage_edges shows the caller)');

-- ===========================================================================
-- The end: clean up (the roles are cluster-wide)
-- ===========================================================================
SELECT * FROM finish();
RESET ROLE;
DROP SCHEMA tap_lx CASCADE;
DO $$
DECLARE
	r text;
BEGIN
	FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE 'tap\_lx\_%' LOOP
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
