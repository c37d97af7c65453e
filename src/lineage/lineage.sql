------------------------------------------------------------------------------
-- Lineage capture (src/lineage/*.c, doc/lineage.md)
------------------------------------------------------------------------------
-- The hooks turn each writing statement into a "job": its statement type,
-- its targets and its column edges, identified by a 64-bit hash of all that
-- (the shape).  A job is written once, the first time its shape commits;
-- after that every execution adds one row to lineage_runs, written directly
-- (no SPI) just before commit.

-- One row per distinct statement shape.  A job is retired when a relation it
-- names is dropped: a new statement that happens to hash the same (OID
-- reuse) then gets a job of its own.
CREATE TABLE @extschema@.lineage_jobs (
	job_id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	shape		bigint NOT NULL,
	statement	text NOT NULL,
	query		text,
	first_seen	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	first_role	name NOT NULL DEFAULT CURRENT_USER,
	retired		boolean NOT NULL DEFAULT false,
	-- a view's definition replaced by CREATE OR REPLACE VIEW: its edges are
	-- history, no longer the view's lineage
	superseded	boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX lineage_jobs_shape ON @extschema@.lineage_jobs (shape)
	WHERE NOT retired;

-- One row per edge of a job.  Relations by OID (regclass: renames follow,
-- pg_dump writes names) and columns by attnum, with the names they had when
-- the job was first written beside them; a drop sets the OID to NULL (for a
-- relation), the names to the last ones and the dropped time.
--   source_type: 'relation', or 'file' / 'program' / 'stdin' for COPY FROM
--   (source_name is then the path, the command, or 'stdin').
--   target_attnum NULL: a dataset-level (indirect) edge.
--   hop: the edge as the statement named its sources (a view is a source);
--   base: views expanded to the relations they read.  An edge that involves
--   no view is both.
CREATE TABLE @extschema@.lineage_edge_store (
	job_id			bigint NOT NULL REFERENCES @extschema@.lineage_jobs ON DELETE CASCADE,
	source_type		text NOT NULL DEFAULT 'relation'
		CHECK (source_type IN ('relation', 'file', 'program', 'stdin')),
	source_relid	regclass,
	source_name		text NOT NULL,
	source_attnum	smallint,
	source_column	name,
	source_dropped	timestamptz,
	target_relid	regclass,
	target_name		text NOT NULL,
	target_attnum	smallint,
	target_column	name,
	target_dropped	timestamptz,
	kind			text NOT NULL CHECK (kind IN ('direct', 'indirect')),
	subtype			text NOT NULL CHECK (subtype IN ('identity', 'transformation',
							'aggregation', 'join', 'filter', 'group_by', 'sort',
							'window', 'conditional')),
	hop				boolean NOT NULL,
	base			boolean NOT NULL,
	CHECK (hop OR base),
	CHECK (kind = 'indirect' OR target_attnum IS NOT NULL),
	CHECK ((kind = 'direct') = (subtype IN ('identity', 'transformation', 'aggregation')))
);
CREATE INDEX lineage_edge_store_job ON @extschema@.lineage_edge_store (job_id);
CREATE INDEX lineage_edge_store_source ON @extschema@.lineage_edge_store (source_relid);
CREATE INDEX lineage_edge_store_target ON @extschema@.lineage_edge_store (target_relid);

-- One row per captured run (statement execution that committed).  No index:
-- a run costs one heap tuple at commit and nothing else (the views read the
-- table whole; an index added by a DBA works, at a cost per run).
CREATE TABLE @extschema@.lineage_runs (
	run_id		bigint NOT NULL,
	job_id		bigint NOT NULL,
	xid			xid8 NOT NULL,
	started_at	timestamptz NOT NULL,
	ended_at	timestamptz NOT NULL,
	run_by		name NOT NULL,
	rows		bigint
);
-- each backend takes 32 numbers at a time: no shared sequence access per
-- run (run_id is unique, and increasing within a backend)
CREATE SEQUENCE @extschema@.lineage_run_seq CACHE 32;
-- read by the C code by name: keep these in step with src/lineage/store.c
COMMENT ON TABLE @extschema@.lineage_runs IS
	'dpq lineage: one row per committed run of a captured statement (written by dpq''s hooks)';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.lineage_jobs', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.lineage_edge_store', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.lineage_runs', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.lineage_run_seq', '');
REVOKE ALL ON @extschema@.lineage_jobs, @extschema@.lineage_edge_store,
	@extschema@.lineage_runs FROM PUBLIC;
REVOKE ALL ON SEQUENCE @extschema@.lineage_run_seq FROM PUBLIC;
GRANT SELECT ON @extschema@.lineage_jobs, @extschema@.lineage_edge_store,
	@extschema@.lineage_runs TO dpq_admin, dpq_auditor;

-- Every distinct edge with the names of today (or the last names of dropped
-- objects).  Superusers, dpq_admin and dpq_auditor see every edge; other
-- roles the edges whose target (and relation source) they hold a privilege
-- on.
CREATE VIEW @extschema@.lineage_graph WITH (security_barrier) AS
SELECT e.job_id,
	   e.source_type,
	   e.source_relid::pg_catalog.oid AS source_relid,
	   CASE WHEN sc.oid IS NULL THEN e.source_name
			ELSE pg_catalog.quote_ident(sn.nspname) OPERATOR(pg_catalog.||) '.'
				 OPERATOR(pg_catalog.||) pg_catalog.quote_ident(sc.relname) END AS source_relation,
	   CASE WHEN sa.attisdropped IS FALSE THEN sa.attname ELSE e.source_column END AS source_column,
	   e.target_relid::pg_catalog.oid AS target_relid,
	   CASE WHEN tc.oid IS NULL THEN e.target_name
			ELSE pg_catalog.quote_ident(tn.nspname) OPERATOR(pg_catalog.||) '.'
				 OPERATOR(pg_catalog.||) pg_catalog.quote_ident(tc.relname) END AS target_relation,
	   CASE WHEN ta.attisdropped IS FALSE THEN ta.attname ELSE e.target_column END AS target_column,
	   e.kind, e.subtype, e.hop, e.base,
	   -- a temporary table PostgreSQL dropped by itself (end of session,
	   -- ON COMMIT DROP) fires no event trigger: its row is just gone
	   e.source_dropped IS NOT NULL OR sa.attisdropped IS NOT FALSE AND e.source_type OPERATOR(pg_catalog.=) 'relation'
		   AS source_dropped,
	   e.target_dropped IS NOT NULL OR (e.target_attnum IS NULL AND tc.oid IS NULL)
		   OR (e.target_attnum IS NOT NULL AND ta.attisdropped IS NOT FALSE) AS target_dropped,
	   NOT j.superseded AS current
  FROM @extschema@.lineage_edge_store e
  JOIN @extschema@.lineage_jobs j ON j.job_id OPERATOR(pg_catalog.=) e.job_id
  LEFT JOIN pg_catalog.pg_class sc ON sc.oid OPERATOR(pg_catalog.=) e.source_relid::pg_catalog.oid
  LEFT JOIN pg_catalog.pg_namespace sn ON sn.oid OPERATOR(pg_catalog.=) sc.relnamespace
  LEFT JOIN pg_catalog.pg_attribute sa ON sa.attrelid OPERATOR(pg_catalog.=) e.source_relid::pg_catalog.oid
		AND sa.attnum OPERATOR(pg_catalog.=) e.source_attnum
  LEFT JOIN pg_catalog.pg_class tc ON tc.oid OPERATOR(pg_catalog.=) e.target_relid::pg_catalog.oid
  LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid OPERATOR(pg_catalog.=) tc.relnamespace
  LEFT JOIN pg_catalog.pg_attribute ta ON ta.attrelid OPERATOR(pg_catalog.=) e.target_relid::pg_catalog.oid
		AND ta.attnum OPERATOR(pg_catalog.=) e.target_attnum
 WHERE pg_catalog.pg_has_role('dpq_auditor', 'MEMBER')
	OR pg_catalog.pg_has_role('dpq_admin', 'MEMBER')
	OR (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) CURRENT_USER)
	OR (e.target_relid IS NOT NULL
		AND pg_catalog.has_table_privilege(e.target_relid::pg_catalog.oid,
			'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
		AND (e.source_type OPERATOR(pg_catalog.<>) 'relation'
			 OR (e.source_relid IS NOT NULL
				 AND pg_catalog.has_table_privilege(e.source_relid::pg_catalog.oid,
					'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'))));

-- Per-job run statistics.
CREATE VIEW @extschema@.lineage_job_runs AS
SELECT job_id,
	   pg_catalog.min(started_at) AS first_seen,
	   pg_catalog.max(ended_at) AS last_seen,
	   pg_catalog.count(*) AS runs,
	   pg_catalog.max(run_id) AS last_run,
	   (pg_catalog.array_agg(run_by ORDER BY ended_at DESC, run_id DESC))[1] AS last_role
  FROM @extschema@.lineage_runs
 GROUP BY job_id;

-- Distinct current edges per level ('hop', 'base') with their runs.
CREATE VIEW @extschema@._lineage_level_edges AS
SELECT g.level, g.source_relation, g.source_column, g.target_relation, g.target_column,
	   g.kind, g.subtype,
	   pg_catalog.min(r.first_seen) AS first_seen,
	   pg_catalog.max(r.last_seen) AS last_seen,
	   COALESCE(pg_catalog.sum(r.runs), 0)::bigint AS runs,
	   (pg_catalog.array_agg(r.last_role ORDER BY r.last_seen DESC NULLS LAST, r.last_run DESC))[1] AS last_role,
	   pg_catalog.bool_or(g.source_dropped) AS source_dropped,
	   pg_catalog.bool_or(g.target_dropped) AS target_dropped,
	   g.source_type
  FROM (SELECT 'hop' AS level, * FROM @extschema@.lineage_graph WHERE hop AND current
		UNION ALL
		SELECT 'base' AS level, * FROM @extschema@.lineage_graph WHERE base AND current) g
  LEFT JOIN @extschema@.lineage_job_runs r USING (job_id)
 GROUP BY g.level, g.source_type, g.source_relid, g.source_relation, g.source_column,
		  g.target_relid, g.target_relation, g.target_column, g.kind, g.subtype;

-- The edges as the statements named their sources (a view read by a
-- statement is a source; the view's own edges come from CREATE VIEW).
CREATE VIEW @extschema@.lineage_edges AS
SELECT source_relation, source_column, target_relation, target_column, kind, subtype,
	   first_seen, last_seen, runs, last_role, source_dropped, target_dropped, source_type
  FROM @extschema@._lineage_level_edges
 WHERE level = 'hop';

-- The same with views expanded to the relations they read.
CREATE VIEW @extschema@.lineage_base_edges AS
SELECT source_relation, source_column, target_relation, target_column, kind, subtype,
	   first_seen, last_seen, runs, last_role, source_dropped, target_dropped, source_type
  FROM @extschema@._lineage_level_edges
 WHERE level = 'base';

REVOKE ALL ON @extschema@.lineage_job_runs, @extschema@._lineage_level_edges FROM PUBLIC;
GRANT SELECT ON @extschema@.lineage_job_runs, @extschema@._lineage_level_edges
	TO dpq_admin, dpq_auditor;
GRANT SELECT ON @extschema@.lineage_graph, @extschema@.lineage_edges,
	@extschema@.lineage_base_edges TO PUBLIC;

------------------------------------------------------------------------------
-- Lineage: traversal
------------------------------------------------------------------------------
CREATE TYPE @extschema@.lineage_step AS (
	depth			int,
	source_relation	text,
	source_column	name,
	target_relation	text,
	target_column	name,
	kind			text,
	subtype			text
);

-- A node is a relation (by OID; a dropped relation or a COPY source by its
-- name) and a column, or the whole relation (column NULL).  Upstream of a
-- column: the edges into that column and the dataset-level edges into its
-- relation, then upstream of each source column.  Downstream of a column:
-- the edges out of it, then downstream of each target column, or of the
-- whole target for a dataset-level edge.  A node is visited once per path
-- (cycle-safe); each edge is reported once, at its smallest depth.
CREATE FUNCTION @extschema@._lineage_walk(rel regclass, col name, depth int, up boolean)
RETURNS SETOF @extschema@.lineage_step
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
WITH RECURSIVE e AS MATERIALIZED (
	SELECT DISTINCT
		   COALESCE(g.source_relid::text, g.source_type || ':' || g.source_relation) AS skey,
		   g.source_relation, g.source_column,
		   COALESCE(g.target_relid::text, 'relation:' || g.target_relation) AS tkey,
		   g.target_relation, g.target_column, g.kind, g.subtype
	  FROM @extschema@.lineage_graph g
	 WHERE g.hop AND g.current
), walk AS (
	SELECT 1 AS depth, e.*,
		   CASE WHEN up THEN e.skey ELSE e.tkey END AS nkey,
		   CASE WHEN col IS NULL THEN NULL
				WHEN up THEN e.source_column ELSE e.target_column END AS ncol,
		   ARRAY[rel::oid::text || '|' || COALESCE(col::text, '')] AS path
	  FROM e
	 WHERE CASE WHEN up THEN e.tkey = rel::oid::text
					AND (col IS NULL OR e.target_column IS NULL OR e.target_column = col)
				ELSE e.skey = rel::oid::text
					AND (col IS NULL OR e.source_column = col) END
	UNION ALL
	SELECT w.depth + 1, e.*,
		   CASE WHEN up THEN e.skey ELSE e.tkey END,
		   CASE WHEN up THEN (CASE WHEN w.ncol IS NULL THEN NULL ELSE e.source_column END)
				WHEN w.ncol IS NULL THEN NULL ELSE e.target_column END,
		   w.path || (w.nkey || '|' || COALESCE(w.ncol::text, ''))
	  FROM walk w
	  JOIN e ON CASE WHEN up THEN e.tkey = w.nkey
					 AND (w.ncol IS NULL OR e.target_column IS NULL OR e.target_column = w.ncol)
				ELSE e.skey = w.nkey
					 AND (w.ncol IS NULL OR e.source_column = w.ncol) END
	 WHERE (_lineage_walk.depth IS NULL OR w.depth < _lineage_walk.depth)
	   AND NOT (w.nkey || '|' || COALESCE(w.ncol::text, '')) = ANY (w.path)
)
SELECT min(w.depth)::int, w.source_relation, w.source_column, w.target_relation,
	   w.target_column, w.kind, w.subtype
  FROM walk w
 GROUP BY w.source_relation, w.source_column, w.target_relation, w.target_column,
		  w.kind, w.subtype, w.skey, w.tkey
 ORDER BY 1, 4, 5 NULLS FIRST, 2, 3, 6, 7
$$;

CREATE FUNCTION @extschema@._lineage_check(rel regclass, col name, depth int)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF rel IS NULL THEN
		RAISE EXCEPTION 'argument "rel" must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF col IS NOT NULL AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute
										WHERE attrelid = rel AND attname = col
										  AND attnum > 0 AND NOT attisdropped) THEN
		RAISE EXCEPTION 'column "%" of relation "%" does not exist', col, rel
			USING ERRCODE = 'undefined_column';
	END IF;
	IF depth IS NOT NULL AND depth < 1 THEN
		RAISE EXCEPTION 'depth must be at least 1, not %', depth
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass NULL for no limit.';
	END IF;
END
$$;

CREATE FUNCTION @extschema@.lineage_upstream(rel regclass, col name DEFAULT NULL,
											 depth int DEFAULT NULL)
RETURNS SETOF @extschema@.lineage_step
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM @extschema@._lineage_check(rel, col, depth);
	RETURN QUERY SELECT * FROM @extschema@._lineage_walk(rel, col, depth, true);
END
$$;

CREATE FUNCTION @extschema@.lineage_downstream(rel regclass, col name DEFAULT NULL,
											   depth int DEFAULT NULL)
RETURNS SETOF @extschema@.lineage_step
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM @extschema@._lineage_check(rel, col, depth);
	RETURN QUERY SELECT * FROM @extschema@._lineage_walk(rel, col, depth, false);
END
$$;

------------------------------------------------------------------------------
-- Lineage: keeping the catalog true across DDL
------------------------------------------------------------------------------
-- A drop keeps the edges with the last names and marks them dropped; the
-- jobs that name the relation are retired.
CREATE FUNCTION @extschema@._on_sql_drop_lineage()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	o record;
BEGIN
	FOR o IN SELECT objid, objsubid, object_identity, address_names
			   FROM pg_catalog.pg_event_trigger_dropped_objects()
			  WHERE classid = 'pg_catalog.pg_class'::pg_catalog.regclass
				AND object_type IN ('table', 'table column', 'materialized view',
									'foreign table', 'view')
	LOOP
		IF o.objsubid = 0 THEN
			UPDATE @extschema@.lineage_jobs SET retired = true
			 WHERE NOT retired AND job_id IN
				   (SELECT job_id FROM @extschema@.lineage_edge_store
					 WHERE source_relid = o.objid::pg_catalog.regclass
						OR target_relid = o.objid::pg_catalog.regclass);
			UPDATE @extschema@.lineage_edge_store
			   SET source_relid = NULL, source_name = o.object_identity,
				   source_dropped = COALESCE(source_dropped, pg_catalog.now())
			 WHERE source_relid = o.objid::pg_catalog.regclass;
			UPDATE @extschema@.lineage_edge_store
			   SET target_relid = NULL, target_name = o.object_identity,
				   target_dropped = COALESCE(target_dropped, pg_catalog.now())
			 WHERE target_relid = o.objid::pg_catalog.regclass;
		ELSE
			UPDATE @extschema@.lineage_edge_store
			   SET source_column = o.address_names[3],
				   source_dropped = COALESCE(source_dropped, pg_catalog.now())
			 WHERE source_relid = o.objid::pg_catalog.regclass
			   AND source_attnum = o.objsubid;
			UPDATE @extschema@.lineage_edge_store
			   SET target_column = o.address_names[3],
				   target_dropped = COALESCE(target_dropped, pg_catalog.now())
			 WHERE target_relid = o.objid::pg_catalog.regclass
			   AND target_attnum = o.objsubid;
		END IF;
	END LOOP;
END
$$;
REVOKE ALL ON FUNCTION @extschema@._on_sql_drop_lineage() FROM PUBLIC;

CREATE EVENT TRIGGER dpq_sql_drop_lineage ON sql_drop
	EXECUTE FUNCTION @extschema@._on_sql_drop_lineage();

-- Renames (of a relation, a column or a schema move) refresh the stored
-- names, so that a later drop keeps the names of the day.
CREATE FUNCTION @extschema@._on_ddl_end_lineage()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	rel pg_catalog.oid;
BEGIN
	FOR rel IN SELECT DISTINCT objid FROM pg_catalog.pg_event_trigger_ddl_commands()
				WHERE classid = 'pg_catalog.pg_class'::pg_catalog.regclass
	LOOP
		UPDATE @extschema@.lineage_edge_store e
		   SET source_name = pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname),
			   source_column = COALESCE((SELECT a.attname FROM pg_catalog.pg_attribute a
										  WHERE a.attrelid = rel AND a.attnum = e.source_attnum
											AND NOT a.attisdropped), e.source_column)
		  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		 WHERE c.oid = rel AND e.source_relid = rel::pg_catalog.regclass;
		UPDATE @extschema@.lineage_edge_store e
		   SET target_name = pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname),
			   target_column = COALESCE((SELECT a.attname FROM pg_catalog.pg_attribute a
										  WHERE a.attrelid = rel AND a.attnum = e.target_attnum
											AND NOT a.attisdropped), e.target_column)
		  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		 WHERE c.oid = rel AND e.target_relid = rel::pg_catalog.regclass;
	END LOOP;
END
$$;
REVOKE ALL ON FUNCTION @extschema@._on_ddl_end_lineage() FROM PUBLIC;

CREATE EVENT TRIGGER dpq_ddl_end_lineage ON ddl_command_end
	WHEN TAG IN ('ALTER TABLE', 'ALTER VIEW', 'ALTER MATERIALIZED VIEW',
				 'ALTER FOREIGN TABLE')
	EXECUTE FUNCTION @extschema@._on_ddl_end_lineage();
