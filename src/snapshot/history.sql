------------------------------------------------------------------------------
-- Continuous history (src/snapshot/history.c, doc/history.md)
------------------------------------------------------------------------------
-- One row per tracked table: where its prior row versions go.  Relations by
-- OID (regclass: renames follow, pg_dump writes names), names as given at
-- tracking time beside them.  A dropped tracked table loses its row (its
-- history table stays); a history table cannot be dropped while its table
-- is tracked (event trigger below).
CREATE TABLE @extschema@.history_config (
	relid			regclass PRIMARY KEY,
	rel_name		text NOT NULL,
	history_relid	regclass NOT NULL UNIQUE,
	history_name	text NOT NULL,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	created_by		name NOT NULL
);

SELECT pg_catalog.pg_extension_config_dump('@extschema@.history_config', '');
REVOKE ALL ON @extschema@.history_config FROM PUBLIC;
GRANT SELECT ON @extschema@.history_config TO dpq_admin, dpq_auditor;

-- dpq_admin, dpq_auditor and superusers see every tracked table; other
-- roles those they may read.
CREATE VIEW @extschema@.tracked_tables WITH (security_barrier) AS
SELECT c.relid AS relation,
	   c.relid::text AS relation_name,
	   c.history_relid AS history_table,
	   c.history_relid::text AS history_name,
	   c.created_at, c.created_by
  FROM @extschema@.history_config c
 WHERE pg_catalog.pg_has_role('dpq_admin', 'USAGE')
	OR pg_catalog.pg_has_role('dpq_auditor', 'USAGE')
	OR COALESCE(pg_catalog.has_table_privilege(c.relid, 'SELECT'), false);

GRANT SELECT ON @extschema@.tracked_tables TO PUBLIC;

-- Not STRICT: a NULL argument gets a clear error.  The table's owner (or a
-- superuser) calls them; the DDL runs as the caller, the catalog is written
-- by the C code as its owner.
CREATE FUNCTION @extschema@.track_history(rel regclass, history_table text DEFAULT NULL)
RETURNS regclass
AS 'MODULE_PATHNAME', 'dpq_track_history'
LANGUAGE C VOLATILE;

CREATE FUNCTION @extschema@.untrack_history(rel regclass, drop_history boolean DEFAULT false)
RETURNS void
AS 'MODULE_PATHNAME', 'dpq_untrack_history'
LANGUAGE C VOLATILE;

-- The row trigger track_history installs (BEFORE INSERT OR UPDATE OR
-- DELETE, FOR EACH ROW).  Callable by anyone who may create a trigger on a
-- tracked table; it refuses tables that are not tracked.
CREATE FUNCTION @extschema@._history_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'dpq_history_trigger'
LANGUAGE C;

-- The query dpq.as_of runs for a tracked table ($1 = the time), NULL when
-- rel is not tracked.
CREATE FUNCTION @extschema@._history_as_of_query(rel regclass)
RETURNS text
AS 'MODULE_PATHNAME', 'dpq_history_as_of_query'
LANGUAGE C STABLE STRICT;

------------------------------------------------------------------------------
-- Keeping the catalog true on DROP (ALTER and TRUNCATE are handled in C, by
-- the ProcessUtility hook)
------------------------------------------------------------------------------
CREATE FUNCTION @extschema@._on_sql_drop_history()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	o record;
BEGIN
	IF NOT EXISTS (SELECT FROM @extschema@.history_config) THEN
		RETURN;
	END IF;

	-- what must stay while the table is tracked: its history table, the
	-- validity columns, the history's copy of every column, the trigger
	FOR o IN
		SELECT d.object_type, d.object_identity, d.address_names,
			   c.relid::pg_catalog.oid AS tracked, c.history_relid::pg_catalog.oid AS history,
			   d.objid = c.history_relid::pg_catalog.oid AS is_history
		  FROM pg_catalog.pg_event_trigger_dropped_objects() d
		  JOIN @extschema@.history_config c
			ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
		   AND (d.objid = c.relid::pg_catalog.oid OR d.objid = c.history_relid::pg_catalog.oid)
		 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger_dropped_objects() t
							WHERE t.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
							  AND t.objid = c.relid::pg_catalog.oid AND t.objsubid = 0)
	LOOP
		IF o.is_history AND o.object_type = 'table' THEN
			RAISE EXCEPTION 'cannot drop history table % while the history of % is kept',
				o.object_identity, o.tracked::pg_catalog.regclass
				USING ERRCODE = 'dependent_objects_still_exist',
					  HINT = 'Call dpq.untrack_history first (drop_history => true drops the history table).';
		ELSIF o.object_type = 'table column'
			  AND (o.address_names[3] = 'dpq_valid_from'
				   OR (o.is_history AND o.address_names[3] = 'dpq_valid_to')
				   OR (o.is_history AND EXISTS (
						SELECT FROM pg_catalog.pg_attribute a
						 WHERE a.attrelid = o.tracked AND a.attname = o.address_names[3]
						   AND NOT a.attisdropped AND a.attnum > 0))) THEN
			RAISE EXCEPTION 'cannot drop column % while the history of % is kept',
				o.object_identity, o.tracked::pg_catalog.regclass
				USING ERRCODE = 'dependent_objects_still_exist',
					  HINT = 'Call dpq.untrack_history first.';
		END IF;
	END LOOP;

	FOR o IN
		SELECT d.object_identity, c.relid
		  FROM pg_catalog.pg_event_trigger_dropped_objects() d
		  JOIN @extschema@.history_config c
			ON pg_catalog.to_regclass(pg_catalog.quote_ident(d.address_names[1]) || '.' ||
									  pg_catalog.quote_ident(d.address_names[2])) = c.relid
		 WHERE d.object_type = 'trigger' AND d.address_names[3] = 'zz_dpq_history'
	LOOP
		RAISE EXCEPTION 'cannot drop trigger % while the history of % is kept',
			o.object_identity, o.relid
			USING ERRCODE = 'dependent_objects_still_exist',
				  HINT = 'Call dpq.untrack_history instead.';
	END LOOP;

	-- a dropped tracked table: its history table stays, untracked
	DELETE FROM @extschema@.history_config c
	 USING pg_catalog.pg_event_trigger_dropped_objects() d
	 WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
	   AND d.objsubid = 0 AND d.objid = c.relid::pg_catalog.oid;
END
$$;
REVOKE ALL ON FUNCTION @extschema@._on_sql_drop_history() FROM PUBLIC;

CREATE EVENT TRIGGER dpq_sql_drop_history ON sql_drop
	EXECUTE FUNCTION @extschema@._on_sql_drop_history();
