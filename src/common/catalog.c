/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Where dpq's catalog lives, who owns it, and identity switches.
 *
 * dpq's tables grant nothing to PUBLIC.  Its SQL-callable functions check
 * the caller's rights first and then touch the catalog as the catalog's
 * owner (the role that ran CREATE EXTENSION, a superuser).  User data is
 * read as the table's owner inside a security-restricted operation, the
 * way ANALYZE and REFRESH MATERIALIZED VIEW evaluate user code, so that
 * code stored in a test (a where_clause, a type's operators) never runs
 * with the privileges of whoever called run_tests.
 *
 * IDENTIFICATION
 *	  src/common/catalog.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "catalog/pg_type.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"

#include "dpq.h"

/* OID of schema dpq; raises a clear error when the extension is missing */
Oid
dpq_schema_oid(void)
{
	Oid			nsp = get_namespace_oid(DPQ_SCHEMA, true);

	if (!OidIsValid(nsp))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"dpq\" is not installed in this database"),
				 errhint("Run CREATE EXTENSION dpq.")));
	return nsp;
}

/* The catalog's owner: the owner of dpq.column_tests */
Oid
dpq_catalog_owner(void)
{
	Oid			relid = get_relname_relid("column_tests", dpq_schema_oid());
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("dpq catalog table \"dpq.column_tests\" is missing"),
				 errhint("Reinstall the extension with DROP EXTENSION dpq; CREATE EXTENSION dpq.")));
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Set a GUC for the current nest level (undone by AtEOXact_GUC on that
 * level, or by the abort of the (sub)transaction).
 */
void
dpq_pin_guc(const char *name, const char *value)
{
	(void) set_config_option(name, value, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

/*
 * Switch to the catalog owner.  Only dpq's own, schema-qualified SPI
 * statements run under this identity; search_path is pinned so that no
 * object of the caller's can be picked up.
 */
void
dpq_become_catalog_owner(DpqIdentity *id)
{
	Oid			owner = dpq_catalog_owner();

	GetUserIdAndSecContext(&id->save_userid, &id->save_sec_context);
	SetUserIdAndSecContext(owner,
						   id->save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	id->save_nestlevel = NewGUCNestLevel();
	dpq_pin_guc("search_path", "pg_catalog, pg_temp");
}

/*
 * Switch to a table's owner in a security-restricted operation, as ANALYZE
 * does before it evaluates index expressions.
 */
void
dpq_become_table_owner(DpqIdentity *id, Oid owner)
{
	GetUserIdAndSecContext(&id->save_userid, &id->save_sec_context);
	SetUserIdAndSecContext(owner,
						   id->save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	id->save_nestlevel = NewGUCNestLevel();
	dpq_pin_guc("search_path", "pg_catalog, pg_temp");
	/* dpq's stored values are ISO texts; sample values come out as ISO */
	dpq_pin_guc("datestyle", "ISO, YMD");
	dpq_pin_guc("intervalstyle", "postgres");
	/* compiling in every parallel worker costs more than it saves here */
	dpq_pin_guc("jit", "off");
}

void
dpq_restore_identity(DpqIdentity *id)
{
	AtEOXact_GUC(false, id->save_nestlevel);
	SetUserIdAndSecContext(id->save_userid, id->save_sec_context);
}

static bool
has_role_by_name(Oid roleid, const char *rolename)
{
	Oid			role = get_role_oid(rolename, true);

	if (superuser_arg(roleid))
		return true;
	return OidIsValid(role) && has_privs_of_role(roleid, role);
}

bool
dpq_is_admin(Oid roleid)
{
	return has_role_by_name(roleid, DPQ_ADMIN_ROLE);
}

bool
dpq_is_auditor(Oid roleid)
{
	return has_role_by_name(roleid, DPQ_AUDITOR_ROLE);
}

/* "schema.table", each part quoted as needed, for messages and SQL */
char *
dpq_relation_name(Oid relid)
{
	char	   *relname = get_rel_name(relid);
	char	   *nspname;

	if (relname == NULL)
		elog(ERROR, "cache lookup failed for relation %u", relid);
	nspname = get_namespace_name(get_rel_namespace(relid));
	return quote_qualified_identifier(nspname, relname);
}

/*
 * A type for generated DDL, schema-qualified, with its typmod: the same
 * whatever search_path says.
 */
char *
dpq_type_sql(Oid typid, int32 typmod)
{
	return format_type_extended(typid, typmod,
								FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY);
}

/* " COLLATE x" when a column's collation is not its type's default, or "" */
char *
dpq_collate_sql(Oid typid, Oid collation)
{
	if (!OidIsValid(collation) || collation == get_typcollation(typid))
		return "";
	return psprintf(" COLLATE %s", generate_collation_name(collation));
}

/*
 * Run fn(arg) in a subtransaction.  Returns NULL on success; on error the
 * subtransaction is rolled back and the error's message is returned,
 * allocated in errcxt (a cancel or shutdown is not swallowed).
 */
char *
dpq_try(void (*fn) (void *), void *arg, MemoryContext errcxt)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	char	   *volatile err = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN)
			PG_RE_THROW();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		err = MemoryContextStrdup(errcxt, edata->message);
		FreeErrorData(edata);
	}
	PG_END_TRY();
	return err;
}

/* an oid[] datum */
Datum
dpq_oid_array(List *oids)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(oids), 1));
	ListCell   *lc;
	int			i = 0;

	foreach(lc, oids)
		elems[i++] = ObjectIdGetDatum(lfirst_oid(lc));
	return PointerGetDatum(construct_array(elems, i, OIDOID, sizeof(Oid),
										   true, TYPALIGN_INT));
}

/* a NULL argument gets a clear error (dpq's functions are not STRICT) */
void
dpq_require_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"%s\" must not be null", name)));
}
