------------------------------------------------------------------------------
-- SCD2 snapshots (src/snapshot/scd2.c, doc/snapshots.md)
------------------------------------------------------------------------------
-- One row per snapshot target: its configuration.  Relations by OID
-- (regclass: renames follow), names kept beside them.  A dropped target
-- loses its row (the runs keep its name); a dropped source leaves
-- source_relid NULL and the snapshot cannot run again.
CREATE TABLE @extschema@.snapshot_config (
	target_relid	regclass PRIMARY KEY,
	target_name		text NOT NULL,
	source_relid	regclass,
	source_name		text NOT NULL,
	unique_key		name[] NOT NULL CHECK (cardinality(unique_key) > 0),
	strategy		text NOT NULL CHECK (strategy IN ('check', 'timestamp')),
	check_cols		name[],
	updated_at		name,
	hard_deletes	text NOT NULL CHECK (hard_deletes IN ('ignore', 'invalidate', 'new_record')),
	-- the columns (name and type) the stored row hashes of current versions
	-- cover; when the compared set changes they are computed again
	hash_columns	text[] NOT NULL DEFAULT '{}',
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	created_by		name NOT NULL DEFAULT CURRENT_USER,
	CHECK ((strategy = 'timestamp') = (updated_at IS NOT NULL)),
	CHECK (strategy = 'check' OR check_cols IS NULL)
);

-- One row per run.
CREATE TABLE @extschema@.snapshot_run_log (
	run_id			bigserial PRIMARY KEY,
	target_relid	regclass,
	target_name		text NOT NULL,
	source_name		text NOT NULL,
	strategy		text NOT NULL,
	first_run		boolean NOT NULL,
	started_at		timestamptz NOT NULL,
	duration_ms		float8 NOT NULL,
	inserted		bigint NOT NULL,
	updated			bigint NOT NULL,
	deleted			bigint NOT NULL,
	unchanged		bigint NOT NULL,
	run_by			name NOT NULL
);
CREATE INDEX snapshot_run_log_target ON @extschema@.snapshot_run_log (target_relid);

SELECT pg_catalog.pg_extension_config_dump('@extschema@.snapshot_config', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.snapshot_run_log', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.snapshot_run_log_run_id_seq', '');
REVOKE ALL ON @extschema@.snapshot_config, @extschema@.snapshot_run_log FROM PUBLIC;
REVOKE ALL ON SEQUENCE @extschema@.snapshot_run_log_run_id_seq FROM PUBLIC;
GRANT SELECT ON @extschema@.snapshot_config, @extschema@.snapshot_run_log TO dpq_admin, dpq_auditor;

-- Views: dpq_admin, dpq_auditor and superusers see every snapshot; other
-- roles those whose target they may read.
CREATE VIEW @extschema@.snapshots WITH (security_barrier) AS
SELECT c.target_relid AS target,
	   c.target_relid::text AS target_name,
	   c.source_relid AS source,
	   COALESCE(c.source_relid::text, c.source_name) AS source_name,
	   c.unique_key, c.strategy, c.check_cols, c.updated_at, c.hard_deletes,
	   c.created_at, c.created_by,
	   r.started_at AS last_run_at,
	   r.run_id AS last_run_id
  FROM @extschema@.snapshot_config c
  LEFT JOIN LATERAL (SELECT l.run_id, l.started_at
					   FROM @extschema@.snapshot_run_log l
					  WHERE l.target_relid = c.target_relid
					  ORDER BY l.run_id DESC LIMIT 1) r ON true
 WHERE pg_catalog.pg_has_role('dpq_admin', 'USAGE')
	OR pg_catalog.pg_has_role('dpq_auditor', 'USAGE')
	OR COALESCE(pg_catalog.has_table_privilege(c.target_relid, 'SELECT'), false);

CREATE VIEW @extschema@.snapshot_runs WITH (security_barrier) AS
SELECT l.run_id,
	   l.target_relid AS target,
	   COALESCE(l.target_relid::text, l.target_name) AS target_name,
	   l.source_name, l.strategy, l.first_run,
	   l.started_at, l.duration_ms,
	   l.inserted, l.updated, l.deleted, l.unchanged,
	   l.run_by
  FROM @extschema@.snapshot_run_log l
 WHERE pg_catalog.pg_has_role('dpq_admin', 'USAGE')
	OR pg_catalog.pg_has_role('dpq_auditor', 'USAGE')
	OR (l.target_relid IS NOT NULL
		AND COALESCE(pg_catalog.has_table_privilege(l.target_relid, 'SELECT'), false))
	OR l.run_by = CURRENT_USER;

GRANT SELECT ON @extschema@.snapshots, @extschema@.snapshot_runs TO PUBLIC;

-- Not STRICT: a NULL argument gets a clear error.  The statements run as
-- the caller (who needs SELECT on the source, and INSERT and UPDATE on the
-- target, or CREATE on its schema the first time); the catalog is written
-- by the C code as its owner.
CREATE FUNCTION @extschema@.snapshot(source regclass, target text, unique_key name[],
									 strategy text DEFAULT 'check',
									 check_cols name[] DEFAULT NULL,
									 updated_at name DEFAULT NULL,
									 hard_deletes text DEFAULT 'ignore')
RETURNS TABLE (inserted bigint, updated bigint, deleted bigint, unchanged bigint)
AS 'MODULE_PATHNAME', 'dpq_snapshot'
LANGUAGE C VOLATILE ROWS 1;

CREATE FUNCTION @extschema@.snapshot(target regclass)
RETURNS TABLE (inserted bigint, updated bigint, deleted bigint, unchanged bigint)
AS 'MODULE_PATHNAME', 'dpq_snapshot_rerun'
LANGUAGE C VOLATILE ROWS 1;

-- Internal: the stored hash of a row's compared columns (names, then the
-- values in the same order; NULLs do not count, so a new all-NULL column
-- changes nothing).
CREATE FUNCTION @extschema@._row_hash(text[], VARIADIC "any")
RETURNS bigint
AS 'MODULE_PATHNAME', 'dpq_row_hash'
LANGUAGE C STABLE PARALLEL SAFE;

-- Internal: a snapshot's hard_deletes, or NULL when rel is not a snapshot
-- (dpq's catalog grants nothing to PUBLIC; as_of reads the data as the caller).
CREATE FUNCTION @extschema@._snapshot_deletes(rel regclass)
RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT c.hard_deletes FROM @extschema@.snapshot_config c WHERE c.target_relid = rel
$$;

-- Versions valid at a time: of a snapshot target (deletion versions of
-- hard_deletes = 'new_record' excluded: the key did not exist then), or of
-- a table kept by dpq.track_history (its history and its current rows).
CREATE FUNCTION @extschema@.as_of(target anyelement, at timestamptz)
RETURNS SETOF anyelement
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	rel regclass;
	deletes text;
	q text;
BEGIN
	IF at IS NULL THEN
		RAISE EXCEPTION 'at must not be NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the time at which the versions must be valid.';
	END IF;
	SELECT t.typrelid INTO rel FROM pg_catalog.pg_type t
	 WHERE t.oid = pg_catalog.pg_typeof(target) AND t.typrelid <> 0;
	IF rel IS NULL THEN
		RAISE EXCEPTION 'type % is not the row type of a table', pg_catalog.pg_typeof(target)
			USING ERRCODE = 'wrong_object_type',
				  HINT = 'Pass NULL cast to the snapshot table, for example dpq.as_of(NULL::dim_snap, now()).';
	END IF;
	deletes := @extschema@._snapshot_deletes(rel);
	IF deletes IS NOT NULL THEN
		q := pg_catalog.format('SELECT * FROM %s WHERE dpq_valid_from <= $1 AND (dpq_valid_to IS NULL OR dpq_valid_to > $1)%s',
							   rel, CASE WHEN deletes = 'new_record' THEN ' AND NOT dpq_is_deleted' ELSE '' END);
	ELSE
		q := @extschema@._history_as_of_query(rel);
	END IF;
	IF q IS NULL THEN
		RAISE EXCEPTION '"%" is neither a dpq snapshot nor a table whose history dpq keeps', rel
			USING ERRCODE = 'wrong_object_type',
				  HINT = 'Create a snapshot with dpq.snapshot or keep history with dpq.track_history.';
	END IF;
	RETURN QUERY EXECUTE q USING at;
END
$$;

-- Internal: the difference query's filter; counts the unchanged source rows
-- (PARALLEL RESTRICTED: the count is kept in the backend that runs the run).
CREATE FUNCTION @extschema@._snapshot_keep(changed boolean, in_source boolean)
RETURNS boolean
AS 'MODULE_PATHNAME', 'dpq_snapshot_keep'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

-- Keeping the catalog true on DROP: a dropped target takes its
-- configuration with it (its runs keep its name); a dropped source leaves the
-- snapshot unable to run (source_relid NULL, its last name kept).
CREATE FUNCTION @extschema@._on_sql_drop_snapshot()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	o record;
BEGIN
	FOR o IN SELECT objid, object_identity
			   FROM pg_catalog.pg_event_trigger_dropped_objects()
			  WHERE classid = 'pg_catalog.pg_class'::pg_catalog.regclass
				AND objsubid = 0
				AND object_type IN ('table', 'view', 'materialized view', 'foreign table')
	LOOP
		UPDATE @extschema@.snapshot_run_log
		   SET target_relid = NULL
		 WHERE target_relid = o.objid::pg_catalog.regclass;
		DELETE FROM @extschema@.snapshot_config
		 WHERE target_relid = o.objid::pg_catalog.regclass;
		UPDATE @extschema@.snapshot_config
		   SET source_relid = NULL, source_name = o.object_identity
		 WHERE source_relid = o.objid::pg_catalog.regclass;
	END LOOP;
END
$$;
REVOKE ALL ON FUNCTION @extschema@._on_sql_drop_snapshot() FROM PUBLIC;

CREATE EVENT TRIGGER dpq_sql_drop_snapshot ON sql_drop
	EXECUTE FUNCTION @extschema@._on_sql_drop_snapshot();
