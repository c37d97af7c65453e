------------------------------------------------------------------------------
-- Lineage: exports (src/lineage/export.c, doc/lineage.md)
------------------------------------------------------------------------------
-- lineage_openlineage: one OpenLineage RunEvent per captured run.
-- lineage_dot: the hop graph (or the part of it connected to a relation) as
-- a Graphviz digraph.
--
-- Both run as the caller and read the edges through dpq.lineage_graph, so
-- they show exactly the edges dpq.lineage_edges shows the caller.  The runs
-- and jobs (not readable by PUBLIC) come through _lineage_export_runs, a
-- security-barrier view that keeps the runs of the jobs with at least one
-- hop edge the caller sees, and the statement text of a job only for roles
-- that may read dpq.lineage_jobs or that ran the job first (a job is a
-- statement shape: the text stored is the first run's, literals included).

-- This machine's host name (gethostname).
CREATE FUNCTION @extschema@._lineage_host()
RETURNS text
AS 'MODULE_PATHNAME', 'dpq_lineage_host'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

-- The OpenLineage namespace of this server's relations, and what the
-- namespaces of files, programs and stdin are derived from:
--   namespace  dpq.lineage_namespace when set, else postgres://{host}:{port}
--   authority  what follows "scheme://" in it ({host}:{port})
--   host       the authority without its port
CREATE FUNCTION @extschema@._lineage_namespace(OUT namespace text, OUT authority text,
											   OUT host text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT n.ns, a.auth,
	   COALESCE(NULLIF(regexp_replace(a.auth, '^([^@]*@)?(.*?)(:[0-9]*)?$', '\2'), ''),
				@extschema@._lineage_host())
  FROM (SELECT COALESCE(NULLIF(current_setting('dpq.lineage_namespace', true), ''),
						'postgres://' || @extschema@._lineage_host() || ':'
						|| current_setting('port')) AS ns) n
 CROSS JOIN LATERAL
	   (SELECT COALESCE(NULLIF(substring(n.ns FROM '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)'), ''),
						@extschema@._lineage_host() || ':' || current_setting('port')) AS auth) a
$$;

-- The runs the caller may see (see the top of this file).  targets: how
-- many relations the job writes (all of them, seen or not), so that the
-- row count of a run is only given to a job's one target.
CREATE VIEW @extschema@._lineage_export_runs WITH (security_barrier) AS
SELECT r.run_id, r.job_id, r.xid, r.started_at, r.ended_at, r.run_by, r.rows,
	   j.statement,
	   CASE WHEN pg_catalog.has_table_privilege('@extschema@.lineage_jobs', 'SELECT')
				 OR j.first_role OPERATOR(pg_catalog.=) CURRENT_USER
			THEN j.query END AS query,
	   t.targets
  FROM @extschema@.lineage_runs r
  JOIN @extschema@.lineage_jobs j ON j.job_id OPERATOR(pg_catalog.=) r.job_id
  JOIN (SELECT s.job_id,
			   pg_catalog.count(DISTINCT COALESCE(s.target_relid::pg_catalog.oid::pg_catalog.text,
												  s.target_name)) AS targets
		  FROM @extschema@.lineage_edge_store s
		 WHERE s.hop
		 GROUP BY s.job_id) t ON t.job_id OPERATOR(pg_catalog.=) r.job_id
 WHERE r.job_id IN (SELECT g.job_id FROM @extschema@.lineage_graph g WHERE g.hop);
GRANT SELECT ON @extschema@._lineage_export_runs TO PUBLIC;

-- OpenLineage (spec 2-0-2) RunEvents, one per run that ended at or after
-- since (every run when since is NULL), in run order.  Naming:
--   producer   https://github.com/dpq/dpq/tree/{dpq version}
--   runId      a UUID (version 7 layout: the run's start in milliseconds,
--              then bits of md5(system identifier / database OID / run_id)),
--              the same at every export, distinct across clusters
--   job        namespace: the relations' namespace; name:
--              {database}.dpq_job_{job_id}
--   relation   namespace postgres://{host}:{port}; name
--              {database}.{schema}.{relation}, unquoted, today's names (the
--              last names of a dropped relation)
--   file       file://{host}, the path as COPY named it
--   program    program://{host}, the command
--   stdin      stdin://{host}:{port}, the database name
CREATE FUNCTION @extschema@.lineage_openlineage(since timestamptz DEFAULT NULL)
RETURNS SETOF jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
WITH c AS MATERIALIZED (
	SELECT n.namespace AS ns, n.authority, n.host, current_database() AS db,
		   'https://github.com/dpq/dpq/tree/' || x.extversion AS producer,
		   x.extversion,
		   split_part(current_setting('server_version'), ' ', 1) AS pg_version,
		   md5(s.system_identifier::text || '/' || d.oid::text) AS seed
	  FROM @extschema@._lineage_namespace() n
	 CROSS JOIN pg_control_system() s
	 JOIN pg_database d ON d.datname = current_database()
	 JOIN pg_extension x ON x.extname = 'dpq'
), runs AS MATERIALIZED (
	SELECT r.*
	  FROM @extschema@._lineage_export_runs r
	 WHERE since IS NULL OR r.ended_at >= since
), e AS MATERIALIZED (
	-- the hop edges of those runs' jobs, with OpenLineage dataset names
	SELECT DISTINCT g.job_id, g.kind, g.subtype,
		   CASE g.source_type WHEN 'relation' THEN c.ns
							  WHEN 'file' THEN 'file://' || c.host
							  WHEN 'program' THEN 'program://' || c.host
							  ELSE 'stdin://' || c.authority END AS s_ns,
		   CASE WHEN g.source_type = 'relation'
				THEN c.db || '.' || array_to_string(parse_ident(g.source_relation, false), '.')
				WHEN g.source_type = 'stdin' THEN c.db
				ELSE g.source_relation END AS s_name,
		   g.source_relid AS s_relid,
		   g.source_column::text AS s_col,
		   c.ns AS t_ns,
		   c.db || '.' || array_to_string(parse_ident(g.target_relation, false), '.') AS t_name,
		   g.target_relid AS t_relid,
		   g.target_column::text AS t_col
	  FROM @extschema@.lineage_graph g
	 CROSS JOIN c
	 WHERE g.hop
	   AND g.job_id IN (SELECT job_id FROM runs)
), ds AS (
	-- every dataset named, with its schema facet when it is a live relation
	SELECT d.ns, d.name,
		   CASE WHEN sch.fields IS NULL THEN '{}'::jsonb
				ELSE jsonb_build_object('schema', jsonb_build_object(
						'_producer', c.producer,
						'_schemaURL', 'https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
						'fields', sch.fields)) END AS facets
	  FROM (SELECT x.ns, x.name, max(x.relid) AS relid   -- a live one before a dropped one
			  FROM (SELECT s_ns AS ns, s_name AS name, s_relid AS relid FROM e
					UNION
					SELECT t_ns, t_name, t_relid FROM e) x
			 GROUP BY x.ns, x.name) d
	 CROSS JOIN c
	  LEFT JOIN LATERAL (
			SELECT jsonb_agg(jsonb_build_object('name', a.attname,
												'type', format_type(a.atttypid, a.atttypmod))
							 ORDER BY a.attnum) AS fields
			  FROM pg_attribute a
			 WHERE a.attrelid = d.relid AND a.attnum > 0 AND NOT a.attisdropped) sch
		 ON d.relid IS NOT NULL
), inputs AS (
	SELECT i.job_id,
		   jsonb_agg(jsonb_build_object('namespace', i.s_ns, 'name', i.s_name, 'facets', ds.facets)
					 ORDER BY i.s_ns, i.s_name) AS inputs
	  FROM (SELECT DISTINCT job_id, s_ns, s_name FROM e) i
	  JOIN ds ON ds.ns = i.s_ns AND ds.name = i.s_name
	 GROUP BY i.job_id
), input_fields AS (
	-- one InputField per (target column or the whole target, source field)
	SELECT job_id, t_ns, t_name, t_col,
		   jsonb_build_object('namespace', s_ns, 'name', s_name, 'field', s_col,
							  'transformations',
							  jsonb_agg(jsonb_build_object('type', upper(kind),
														   'subtype', upper(subtype),
														   'masking', false)
										ORDER BY kind, subtype)) AS input_field,
		   s_ns, s_name, s_col
	  FROM e
	 WHERE s_col IS NOT NULL
	 GROUP BY job_id, t_ns, t_name, t_col, s_ns, s_name, s_col
), fields AS (
	SELECT job_id, t_ns, t_name,
		   jsonb_object_agg(t_col, jsonb_build_object('inputFields', input_fields)) AS fields
	  FROM (SELECT job_id, t_ns, t_name, t_col,
				   jsonb_agg(input_field ORDER BY s_ns, s_name, s_col) AS input_fields
			  FROM input_fields
			 WHERE t_col IS NOT NULL
			 GROUP BY job_id, t_ns, t_name, t_col) f
	 GROUP BY job_id, t_ns, t_name
), dataset_fields AS (
	SELECT job_id, t_ns, t_name,
		   jsonb_agg(input_field ORDER BY s_ns, s_name, s_col) AS dataset
	  FROM input_fields
	 WHERE t_col IS NULL
	 GROUP BY job_id, t_ns, t_name
), outputs AS (
	SELECT o.job_id,
		   jsonb_agg(jsonb_build_object(
					'namespace', o.t_ns, 'name', o.t_name,
					'facets', ds.facets || jsonb_build_object('columnLineage', jsonb_build_object(
						'_producer', c.producer,
						'_schemaURL', 'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet',
						'fields', COALESCE(f.fields, '{}'::jsonb),
						'dataset', COALESCE(df.dataset, '[]'::jsonb))))
					 ORDER BY o.t_ns, o.t_name) AS outputs
	  FROM (SELECT DISTINCT job_id, t_ns, t_name FROM e) o
	 CROSS JOIN c
	  JOIN ds ON ds.ns = o.t_ns AND ds.name = o.t_name
	  LEFT JOIN fields f USING (job_id, t_ns, t_name)
	  LEFT JOIN dataset_fields df USING (job_id, t_ns, t_name)
	 GROUP BY o.job_id
)
SELECT jsonb_build_object(
		'eventType', 'COMPLETE',
		'eventTime', to_char(r.ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
		'producer', c.producer,
		'schemaURL', 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
		'run', jsonb_build_object(
			'runId', (SELECT substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 1, 3)
							 || '-' || substr('89ab', ('x' || substr(h, 4, 1))::bit(4)::int % 4 + 1, 1)
							 || substr(h, 5, 3) || '-' || substr(h, 8, 12)
						FROM (SELECT lpad(to_hex(floor(extract(epoch FROM r.started_at) * 1000)::bigint),
										  12, '0') AS t,
									 md5(c.seed || '/' || r.run_id::text) AS h) u),
			'facets', jsonb_build_object(
				'processing_engine', jsonb_build_object(
					'_producer', c.producer,
					'_schemaURL', 'https://openlineage.io/spec/facets/1-1-1/ProcessingEngineRunFacet.json#/$defs/ProcessingEngineRunFacet',
					'name', 'PostgreSQL',
					'version', c.pg_version,
					'openlineageAdapterVersion', c.extversion),
				'dpq_run', jsonb_build_object(
					'_producer', c.producer,
					'_schemaURL', 'https://github.com/dpq/dpq/blob/' || c.extversion
								  || '/doc/openlineage/DpqRunFacet.json#/$defs/DpqRunFacet',
					'runId', r.run_id,
					'jobId', r.job_id,
					'transactionId', r.xid::text,
					'startedAt', to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
					'role', r.run_by::text)
				|| CASE WHEN r.rows IS NULL THEN '{}'::jsonb
						ELSE jsonb_build_object('rows', r.rows) END)),
		'job', jsonb_build_object(
			'namespace', c.ns,
			'name', c.db || '.dpq_job_' || r.job_id,
			'facets', jsonb_build_object(
				'jobType', jsonb_build_object(
					'_producer', c.producer,
					'_schemaURL', 'https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet',
					'processingType', 'BATCH',
					'integration', 'DPQ',
					'jobType', r.statement))
			|| CASE WHEN r.query IS NULL THEN '{}'::jsonb
					ELSE jsonb_build_object('sql', jsonb_build_object(
						'_producer', c.producer,
						'_schemaURL', 'https://openlineage.io/spec/facets/1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet',
						'query', r.query,
						'dialect', 'postgres')) END),
		'inputs', COALESCE(i.inputs, '[]'::jsonb),
		'outputs', CASE WHEN r.rows IS NOT NULL AND r.targets = 1 AND jsonb_array_length(o.outputs) = 1
						THEN jsonb_build_array(o.outputs->0 || jsonb_build_object(
								'outputFacets', jsonb_build_object(
									'outputStatistics', jsonb_build_object(
										'_producer', c.producer,
										'_schemaURL', 'https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet',
										'rowCount', r.rows))))
						ELSE COALESCE(o.outputs, '[]'::jsonb) END)
  FROM runs r
 CROSS JOIN c
  LEFT JOIN inputs i ON i.job_id = r.job_id
  LEFT JOIN outputs o ON o.job_id = r.job_id
 ORDER BY r.run_id
$$;

------------------------------------------------------------------------------
-- Graphviz
------------------------------------------------------------------------------
-- Text for an HTML-like label: &, <, > and " as entities, control
-- characters (a quoted identifier may hold a newline) as spaces.
CREATE FUNCTION @extschema@._lineage_dot_html(s text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT regexp_replace(replace(replace(replace(replace(s, '&', '&amp;'), '<', '&lt;'),
										  '>', '&gt;'), '"', '&quot;'),
					  '[[:cntrl:]]', ' ', 'g')
$$;

-- The hop graph as a Graphviz digraph (dot -Tsvg): one node per relation or
-- COPY source, listing the columns that take part in the edges drawn;
-- column edges from column to column, dataset-level edges from the source
-- column to the target's title; direct edges solid, indirect dashed, each
-- labelled with its subtypes.  rel NULL: every hop edge; else the edges
-- lineage_upstream(rel) and lineage_downstream(rel) return (all depths).
CREATE FUNCTION @extschema@.lineage_dot(rel regclass DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	steps @extschema@.lineage_step[];
	relname text;
	nodes text;
	edges text;
BEGIN
	IF rel IS NOT NULL THEN
		SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) INTO relname
		  FROM pg_catalog.pg_class c
		  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		 WHERE c.oid = rel;
		IF relname IS NULL THEN
			RAISE EXCEPTION 'relation with OID % does not exist', rel::oid
				USING ERRCODE = 'undefined_table';
		END IF;
		steps := ARRAY(SELECT u FROM @extschema@.lineage_upstream(rel) u
					   UNION
					   SELECT d FROM @extschema@.lineage_downstream(rel) d);
	END IF;

	WITH e AS MATERIALIZED (
		-- the edges to draw, with a key per node as _lineage_walk has them
		SELECT DISTINCT
			   COALESCE(g.source_relid::text, g.source_type || ':' || g.source_relation) AS skey,
			   g.source_type, g.source_relid, g.source_relation, g.source_column, g.source_dropped,
			   COALESCE(g.target_relid::text, 'relation:' || g.target_relation) AS tkey,
			   g.target_relid, g.target_relation, g.target_column, g.target_dropped,
			   g.kind, g.subtype
		  FROM @extschema@.lineage_graph g
		 WHERE g.hop
		   AND (rel IS NULL
				OR EXISTS (SELECT FROM unnest(steps) s
							WHERE s.source_relation = g.source_relation
							  AND s.source_column IS NOT DISTINCT FROM g.source_column
							  AND s.target_relation = g.target_relation
							  AND s.target_column IS NOT DISTINCT FROM g.target_column
							  AND s.kind = g.kind AND s.subtype = g.subtype))
	), ends AS (
		-- a COPY source's fields are named after the columns they load:
		-- list them in that order (ord)
		SELECT e.skey AS key, e.source_type AS type, e.source_relid AS relid,
			   e.source_relation AS name, e.source_column AS col, e.source_dropped AS dropped,
			   CASE WHEN e.source_type <> 'relation' THEN ta.attnum END AS ord
		  FROM e
		  LEFT JOIN pg_catalog.pg_attribute ta
				 ON ta.attrelid = e.target_relid AND ta.attname = e.target_column
		UNION
		SELECT tkey, 'relation', target_relid, target_relation, target_column, target_dropped, NULL
		  FROM e
		UNION
		-- the relation asked about, even when nothing is connected to it
		SELECT rel::oid::text, 'relation', rel::oid, relname, NULL, false, NULL
		 WHERE rel IS NOT NULL
	), n AS (
		SELECT x.key, min(x.type) AS type, min(x.relid) AS relid, min(x.name) AS name,
			   row_number() OVER (ORDER BY min(x.name), x.key) AS num
		  FROM ends x
		 GROUP BY x.key
	), cols AS (
		-- a column dropped from a relation that is still there is greyed
		SELECT x.key, x.col, x.dropped AND x.relid IS NOT NULL AS dropped,
			   row_number() OVER (PARTITION BY x.key
								  ORDER BY COALESCE(a.attnum, x.ord) NULLS LAST, x.col) AS num
		  FROM (SELECT key, relid, col, bool_and(dropped) AS dropped, min(ord) AS ord
				  FROM ends WHERE col IS NOT NULL
				 GROUP BY key, relid, col) x
		  LEFT JOIN pg_catalog.pg_attribute a
				 ON a.attrelid = x.relid AND a.attname = x.col AND NOT a.attisdropped
	), nk AS (
		SELECT n.*,
			   CASE WHEN n.type <> 'relation' THEN n.type
					WHEN n.relid IS NULL THEN 'dropped'
					ELSE CASE c.relkind WHEN 'r' THEN 'table'
										WHEN 'p' THEN 'partitioned table'
										WHEN 'v' THEN 'view'
										WHEN 'm' THEN 'materialized view'
										WHEN 'f' THEN 'foreign table'
										ELSE 'relation' END END AS kind
		  FROM n
		  LEFT JOIN pg_catalog.pg_class c ON c.oid = n.relid
	), lines AS (
		SELECT sn.num AS snum, tn.num AS tnum, sc.num AS sport, tc.num AS tport, x.kind,
			   format(E'\tn%s:%s -> n%s:%s [style=%s, color="%s", fontcolor="%s", label="%s"];\n',
					  sn.num, COALESCE('c' || sc.num || ':e', 'h'),
					  tn.num, COALESCE('c' || tc.num || ':w', 'h'),
					  CASE WHEN x.kind = 'direct' THEN 'solid' ELSE 'dashed' END,
					  CASE WHEN x.kind = 'direct' THEN '#1f4e79' ELSE '#7f7f7f' END,
					  CASE WHEN x.kind = 'direct' THEN '#1f4e79' ELSE '#7f7f7f' END,
					  x.subtypes) AS line
		  FROM (SELECT skey, source_column, tkey, target_column, kind,
					   string_agg(DISTINCT subtype, ', ') AS subtypes
				  FROM e
				 GROUP BY skey, source_column, tkey, target_column, kind) x
		  JOIN n sn ON sn.key = x.skey
		  JOIN n tn ON tn.key = x.tkey
		  LEFT JOIN cols sc ON sc.key = x.skey AND sc.col = x.source_column
		  LEFT JOIN cols tc ON tc.key = x.tkey AND tc.col = x.target_column
	)
	SELECT (SELECT string_agg(
				format(E'\tn%s [label=<<table border="%s" cellborder="1" cellspacing="0" cellpadding="4"%s>'
					   || '<tr><td port="h" bgcolor="%s"><b>%s</b><br/><font point-size="9">%s</font></td></tr>'
					   || E'%s</table>>];\n',
					   nk.num,
					   CASE WHEN nk.kind IN ('table', 'partitioned table', 'materialized view', 'foreign table', 'relation') THEN 0 ELSE 1 END,
					   CASE nk.kind WHEN 'view' THEN ' style="dashed"'
									WHEN 'dropped' THEN ' style="dotted"'
									WHEN 'file' THEN ' style="rounded"'
									WHEN 'program' THEN ' style="rounded"'
									WHEN 'stdin' THEN ' style="rounded"'
									ELSE '' END,
					   CASE nk.kind WHEN 'table' THEN '#cfe2f3'
									WHEN 'partitioned table' THEN '#cfe2f3'
									WHEN 'view' THEN '#d9ead3'
									WHEN 'materialized view' THEN '#fff2cc'
									WHEN 'foreign table' THEN '#d9d2e9'
									WHEN 'dropped' THEN '#eeeeee'
									ELSE '#fce5cd' END,
					   @extschema@._lineage_dot_html(nk.name),
					   nk.kind,
					   COALESCE((SELECT string_agg(format(CASE WHEN cl.dropped
														  THEN '<tr><td port="c%s" align="left"><font color="#888888"><s>%s</s> (dropped)</font></td></tr>'
														  ELSE '<tr><td port="c%s" align="left">%s</td></tr>' END,
														  cl.num, @extschema@._lineage_dot_html(cl.col)),
												   '' ORDER BY cl.num)
								   FROM cols cl WHERE cl.key = nk.key), '')),
				'' ORDER BY nk.num)
			  FROM nk),
		   (SELECT string_agg(l.line, '' ORDER BY l.snum, l.tnum, l.sport NULLS FIRST,
											   l.tport NULLS FIRST, l.kind)
			  FROM lines l)
	  INTO nodes, edges;

	RETURN E'digraph dpq_lineage {\n'
		|| format(E'\tgraph [rankdir=LR, fontname="Helvetica", labelloc=t, label=<%s>];\n',
				  CASE WHEN rel IS NULL THEN 'dpq lineage'
					   ELSE 'dpq lineage of ' || @extschema@._lineage_dot_html(relname) END)
		|| E'\tnode [shape=plain, fontname="Helvetica", fontsize=10];\n'
		|| E'\tedge [fontname="Helvetica", fontsize=9, arrowsize=0.7];\n'
		|| COALESCE(nodes, '')
		|| COALESCE(edges, '')
		|| E'}\n';
END
$$;
