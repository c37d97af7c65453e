/*-------------------------------------------------------------------------
 *
 * scd2.c
 *	  SCD2 snapshots: dpq.snapshot() keeps type-2 history of a source
 *	  relation in a target table, the job of dbt snapshots.
 *
 * A run is one function call, so one transaction: all or nothing.  It
 *
 *	1. validates the arguments against the source (and the stored
 *	   configuration when the target exists), and locks the target in SHARE
 *	   ROW EXCLUSIVE mode, so that two runs on one target serialize;
 *	2. follows the source's schema: new columns are added to the target,
 *	   lossless widenings are followed, anything else is an error; PII tags
 *	   of the source are copied to the target;
 *	3. first run: checks that the key is unique and not NULL (no scan when a
 *	   unique index and NOT NULL constraints prove it), loads the source
 *	   with one INSERT ... SELECT, then builds the indexes;
 *	4. later runs: loads the current versions (key, start, stored row hash
 *	   or dpq_updated_at) into memory through a query (an array indexed by
 *	   the key for dense integer keys, else a hash table) and streams the
 *	   source past them (the row hash computed in C), keeping only the rows
 *	   that start a version; NULL and duplicate keys are found on the way.
 *	   Past dpq.snapshot_work_mem, one FULL JOIN query does the same;
 *	5. applies the changes in batches: current versions are closed by key
 *	   through their unique index, new versions inserted from arrays
 *	   (unnest), so nothing is scanned again;
 *	6. records the run in dpq.snapshot_run_log.
 *
 * The statements run as the caller (SELECT on the source, INSERT and
 * UPDATE on the target), with search_path pinned and every name and
 * operator schema-qualified; dpq's catalog is written as its owner.
 *
 * IDENTIFICATION
 *	  src/snapshot/scd2.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/visibilitymap.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "portability/instr_time.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/float.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "utils/varlena.h"

#include "dpq.h"
#include "masking.h"
#include "quality.h"

PG_FUNCTION_INFO_V1(dpq_snapshot);
PG_FUNCTION_INFO_V1(dpq_snapshot_rerun);
PG_FUNCTION_INFO_V1(dpq_row_hash);
PG_FUNCTION_INFO_V1(dpq_snapshot_keep);

/*
 * Source rows the difference query found unchanged: counted by
 * dpq._snapshot_keep in the query's filter (PARALLEL RESTRICTED, so in this
 * backend), which spares a second scan of the source for the count.
 */
static int64 unchanged_rows = 0;

/* rows of the difference applied per batch */
#define SNAP_BATCH			10000
/* offending keys named in an error */
#define SNAP_MAX_KEYS_SHOWN 5

typedef enum SnapDeletes
{
	DELETES_IGNORE,
	DELETES_INVALIDATE,
	DELETES_NEW_RECORD
} SnapDeletes;

/* what the difference says about a key */
typedef enum SnapAction
{
	ACTION_INSERT = 1,			/* new key (or back after invalidate) */
	ACTION_UPDATE = 2,			/* changed */
	ACTION_DELETE = 3,			/* gone from the source */
	ACTION_RESURRECT = 4		/* back after a deletion version */
} SnapAction;

/* a source column */
typedef struct SnapColumn
{
	char	   *name;
	Oid			type;
	int32		typmod;
	Oid			collation;
	bool		is_key;
	bool		compared;		/* part of the check strategy's hash */
} SnapColumn;

typedef struct SnapConfig
{
	/* from the arguments or dpq.snapshot_config */
	Oid			source;
	char	   *target_text;	/* as given (first call) */
	List	   *key;			/* char * */
	bool		timestamp;		/* strategy */
	List	   *check_cols;		/* char *, NIL: every non-key column */
	char	   *updated_at;
	SnapDeletes deletes;

	/* resolved */
	Oid			target;			/* InvalidOid before the first run */
	char	   *source_sql;		/* qualified, quoted */
	char	   *target_sql;
	Oid			target_nsp;		/* first run: where to create it */
	char	   *target_relname;
	List	   *columns;		/* SnapColumn *, source order */
	SnapColumn *updated_col;
	Oid			updated_type;	/* its base type */
	List	   *stored_hash_columns;	/* char *, from the catalog */
	List	   *hash_columns;	/* char *, "name type" now */
	bool		first_run;
} SnapConfig;

typedef struct SnapCounts
{
	int64		inserted;
	int64		updated;
	int64		deleted;
	int64		unchanged;
} SnapCounts;

static const char *const reserved_columns[] = {
	"dpq_valid_from", "dpq_valid_to", "dpq_scd_id", "dpq_updated_at",
	"dpq_is_deleted", "dpq_row_hash"
};

/* ------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------
 */


/* the text of a name[] or text[] argument as a list of strings */
static List *
name_array_list(ArrayType *arr, const char *argname)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	List	   *result = NIL;
	int			i;
	Oid			elemtype = ARR_ELEMTYPE(arr);
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", argname)));
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign,
					  &elems, &nulls, &n);
	for (i = 0; i < n; i++)
	{
		char	   *s;
		ListCell   *lc;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain NULL", argname)));
		if (elemtype == NAMEOID)
			s = pstrdup(NameStr(*DatumGetName(elems[i])));
		else
			s = TextDatumGetCString(elems[i]);
		if (s[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must not contain an empty name", argname)));
		foreach(lc, result)
			if (strcmp(lfirst(lc), s) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s names column \"%s\" twice", argname, s)));
		result = lappend(result, s);
	}
	return result;
}

static bool
list_has_string(List *list, const char *s)
{
	ListCell   *lc;

	foreach(lc, list)
		if (strcmp(lfirst(lc), s) == 0)
			return true;
	return false;
}

static bool
string_lists_equal(List *a, List *b)
{
	ListCell   *la,
			   *lb;

	if (list_length(a) != list_length(b))
		return false;
	forboth(la, a, lb, b)
		if (strcmp(lfirst(la), lfirst(lb)) != 0)
			return false;
	return true;
}

static char *
string_list_text(List *list)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, list)
	{
		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, lfirst(lc));
	}
	return buf.data;
}

/* a text[] Datum of the strings */
static Datum
string_list_array(List *list)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(list), 1));
	int			i = 0;
	ListCell   *lc;

	foreach(lc, list)
		elems[i++] = CStringGetTextDatum(lfirst(lc));
	return PointerGetDatum(construct_array(elems, i, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

static SnapColumn *
find_column(SnapConfig *cfg, const char *name)
{
	ListCell   *lc;

	foreach(lc, cfg->columns)
	{
		SnapColumn *c = lfirst(lc);

		if (strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

/* position (0-based) of a column among the source's columns */
static int
column_index(SnapConfig *cfg, const char *name)
{
	ListCell   *lc;
	int			i = 0;

	foreach(lc, cfg->columns)
	{
		if (strcmp(((SnapColumn *) lfirst(lc))->name, name) == 0)
			return i;
		i++;
	}
	elog(ERROR, "column \"%s\" not found", name);
	return -1;
}

/* the equality operator of a key type, as OPERATOR(schema.=) */
static char *
equality_operator(SnapColumn *c)
{
	TypeCacheEntry *tce = lookup_type_cache(c->type, TYPECACHE_EQ_OPR);
	HeapTuple	tup;
	char	   *result;

	if (!OidIsValid(tce->eq_opr) || !op_hashjoinable(tce->eq_opr, c->type))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("key column \"%s\" has type %s, which has no hashable equality operator",
						c->name, format_type_be(c->type)),
				 errhint("Use key columns of types that can be compared for equality, or a key expression in a view over the source.")));
	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(tce->eq_opr));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for operator %u", tce->eq_opr);
	result = psprintf("OPERATOR(%s.%s)",
					  quote_identifier(get_namespace_name(((Form_pg_operator) GETSTRUCT(tup))->oprnamespace)),
					  NameStr(((Form_pg_operator) GETSTRUCT(tup))->oprname));
	ReleaseSysCache(tup);
	return result;
}

/* "s.a OPERATOR(pg_catalog.=) t.a AND ..." */
static char *
key_join_condition(SnapConfig *cfg, const char *left, const char *right)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, cfg->key)
	{
		SnapColumn *c = find_column(cfg, lfirst(lc));
		const char *q = quote_identifier(c->name);

		if (buf.len > 0)
			appendStringInfoString(&buf, " AND ");
		appendStringInfo(&buf, "%s.%s %s %s.%s", left, q,
						 equality_operator(c), right, q);
	}
	return buf.data;
}

/* "p.a, p.b" of the key columns (prefix NULL: bare names) */
static char *
key_list(SnapConfig *cfg, const char *prefix)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, cfg->key)
	{
		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		if (prefix)
			appendStringInfo(&buf, "%s.", prefix);
		appendStringInfoString(&buf, quote_identifier(lfirst(lc)));
	}
	return buf.data;
}

/* the source's updated_at as timestamptz (naive values are UTC) */
static char *
updated_at_expr(SnapConfig *cfg, const char *prefix)
{
	const char *q = quote_identifier(cfg->updated_col->name);

	switch (cfg->updated_type)
	{
		case TIMESTAMPTZOID:
			return psprintf("%s.%s", prefix, q);
		case TIMESTAMPOID:
			return psprintf("pg_catalog.timezone('UTC'::pg_catalog.text, %s.%s)", prefix, q);
		default:
			return psprintf("pg_catalog.timezone('UTC'::pg_catalog.text, (%s.%s)::pg_catalog.timestamp)",
							prefix, q);
	}
}

/*
 * dpq._row_hash('{names}', cols...) over the compared columns, with the
 * column references prefixed (or bare).
 */
static char *
row_hash_expr(SnapConfig *cfg, const char *prefix)
{
	StringInfoData names;
	StringInfoData args;
	ListCell   *lc;

	initStringInfo(&names);
	initStringInfo(&args);
	foreach(lc, cfg->columns)
	{
		SnapColumn *c = lfirst(lc);
		const char *p;

		if (!c->compared)
			continue;
		/* an array element: in double quotes, \ and " escaped */
		appendStringInfoString(&names, names.len > 0 ? ",\"" : "\"");
		for (p = c->name; *p; p++)
		{
			if (*p == '\\' || *p == '"')
				appendStringInfoChar(&names, '\\');
			appendStringInfoChar(&names, *p);
		}
		appendStringInfoChar(&names, '"');
		appendStringInfo(&args, ", %s%s%s", prefix ? prefix : "", prefix ? "." : "",
						 quote_identifier(c->name));
	}
	if (args.len == 0)
		return pstrdup("0::pg_catalog.int8");
	return psprintf("%s._row_hash(%s::pg_catalog.text[]%s)",
					quote_identifier(DPQ_SCHEMA),
					quote_literal_cstr(psprintf("{%s}", names.data)), args.data);
}

/* ------------------------------------------------------------------------
 * Configuration
 * ------------------------------------------------------------------------
 */

/* read the source's columns and check the configuration against them */
static void
resolve_source(SnapConfig *cfg)
{
	Relation	rel;
	TupleDesc	desc;
	int			i;
	ListCell   *lc;
	char		relkind;

	relkind = get_rel_relkind(cfg->source);
	if (relkind == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("source relation with OID %u does not exist", cfg->source)));
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE &&
		relkind != RELKIND_VIEW && relkind != RELKIND_MATVIEW &&
		relkind != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("source \"%s\" is not a table, view, materialized view or foreign table",
						get_rel_name(cfg->source))));
	if (isAnyTempNamespace(get_rel_namespace(cfg->source)))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("source \"%s\" is a temporary table", get_rel_name(cfg->source)),
				 errdetail("A snapshot's source must outlive the session that creates it.")));
	cfg->source_sql = dpq_relation_name(cfg->source);

	rel = relation_open(cfg->source, AccessShareLock);
	desc = RelationGetDescr(rel);
	cfg->columns = NIL;
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		SnapColumn *c;
		int			r;

		if (att->attisdropped)
			continue;
		for (r = 0; r < lengthof(reserved_columns); r++)
			if (strcmp(NameStr(att->attname), reserved_columns[r]) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_COLUMN),
						 errmsg("source \"%s\" has a column named \"%s\", which dpq keeps for itself",
								RelationGetRelationName(rel), NameStr(att->attname)),
						 errhint("Snapshot a view over the source that renames the column.")));
		c = palloc0(sizeof(SnapColumn));
		c->name = pstrdup(NameStr(att->attname));
		c->type = att->atttypid;
		c->typmod = att->atttypmod;
		c->collation = att->attcollation;
		cfg->columns = lappend(cfg->columns, c);
	}
	relation_close(rel, AccessShareLock);

	foreach(lc, cfg->key)
	{
		SnapColumn *c = find_column(cfg, lfirst(lc));

		if (c == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("key column \"%s\" does not exist in source \"%s\"",
							(char *) lfirst(lc), get_rel_name(cfg->source))));
		c->is_key = true;
		(void) equality_operator(c);
	}
	foreach(lc, cfg->check_cols)
		if (find_column(cfg, lfirst(lc)) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("check column \"%s\" does not exist in source \"%s\"",
							(char *) lfirst(lc), get_rel_name(cfg->source))));
	cfg->updated_col = NULL;
	if (cfg->timestamp)
	{
		cfg->updated_col = find_column(cfg, cfg->updated_at);
		if (cfg->updated_col == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("updated_at column \"%s\" does not exist in source \"%s\"",
							cfg->updated_at, get_rel_name(cfg->source))));
		cfg->updated_type = getBaseType(cfg->updated_col->type);
		if (cfg->updated_type != TIMESTAMPTZOID &&
			cfg->updated_type != TIMESTAMPOID &&
			cfg->updated_type != DATEOID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("updated_at column \"%s\" has type %s", cfg->updated_at,
							format_type_be(cfg->updated_col->type)),
					 errdetail("The timestamp strategy needs a column of type timestamp with time zone, timestamp or date.")));
	}

	/* compared columns (check strategy) and their signature */
	cfg->hash_columns = NIL;
	if (!cfg->timestamp)
	{
		foreach(lc, cfg->columns)
		{
			SnapColumn *c = lfirst(lc);

			c->compared = cfg->check_cols != NIL ?
				list_has_string(cfg->check_cols, c->name) : !c->is_key;
			if (c->compared)
				cfg->hash_columns = lappend(cfg->hash_columns,
											psprintf("%s %s", c->name,
													 format_type_with_typemod(c->type, c->typmod)));
		}
	}
}

static SnapDeletes
parse_deletes(const char *s)
{
	if (strcmp(s, "ignore") == 0)
		return DELETES_IGNORE;
	if (strcmp(s, "invalidate") == 0)
		return DELETES_INVALIDATE;
	if (strcmp(s, "new_record") == 0)
		return DELETES_NEW_RECORD;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("hard_deletes must be 'ignore', 'invalidate' or 'new_record', not '%s'", s)));
	return DELETES_IGNORE;		/* keep the compiler quiet */
}

static const char *
deletes_name(SnapDeletes d)
{
	return d == DELETES_IGNORE ? "ignore" :
		d == DELETES_INVALIDATE ? "invalidate" : "new_record";
}

/* the stored configuration of a target, or false */
static bool
load_config(Oid target, SnapConfig *cfg)
{
	DpqIdentity id;
	Datum		arg = ObjectIdGetDatum(target);
	Oid			argtype = OIDOID;
	bool		found = false;
	MemoryContext cxt = CurrentMemoryContext;

	dpq_become_catalog_owner(&id);
	dpq_spi_connect();
	dpq_spi_exec("SELECT source_relid, source_name, unique_key::pg_catalog.text[], strategy,"
				 " check_cols::pg_catalog.text[], updated_at::pg_catalog.text, hard_deletes, hash_columns"
				 " FROM dpq.snapshot_config WHERE target_relid = $1::pg_catalog.oid",
				 1, &argtype, &arg, NULL, false, 1);	/* a fresh snapshot: see a
														 * concurrent first run */
	if (SPI_processed == 1)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		d;
		MemoryContext old = MemoryContextSwitchTo(cxt);

		found = true;
		d = SPI_getbinval(tup, desc, 1, &isnull);
		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("the source of snapshot \"%s\" was dropped", get_rel_name(target)),
					 errdetail("The source was \"%s\".", SPI_getvalue(tup, desc, 2)),
					 errhint("Drop the snapshot table and create it again from another source.")));
		cfg->source = DatumGetObjectId(d);
		cfg->key = name_array_list(DatumGetArrayTypeP(SPI_getbinval(tup, desc, 3, &isnull)), "unique_key");
		cfg->timestamp = strcmp(SPI_getvalue(tup, desc, 4), "timestamp") == 0;
		d = SPI_getbinval(tup, desc, 5, &isnull);
		cfg->check_cols = isnull ? NIL : name_array_list(DatumGetArrayTypeP(d), "check_cols");
		cfg->updated_at = SPI_getvalue(tup, desc, 6);
		cfg->deletes = parse_deletes(SPI_getvalue(tup, desc, 7));
		d = SPI_getbinval(tup, desc, 8, &isnull);
		cfg->stored_hash_columns = NIL;
		if (!isnull)
		{
			ArrayType  *arr = DatumGetArrayTypeP(d);

			if (ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr)) > 0)
				cfg->stored_hash_columns = name_array_list(arr, "hash_columns");
		}
		MemoryContextSwitchTo(old);
	}
	dpq_spi_finish();
	dpq_restore_identity(&id);
	return found;
}

static void
save_config(SnapConfig *cfg)
{
	DpqIdentity id;
	Oid			types[10] = {OIDOID, TEXTOID, OIDOID, TEXTOID, TEXTARRAYOID,
	TEXTOID, TEXTARRAYOID, TEXTOID, TEXTOID, NAMEOID};
	Datum		values[10];
	char		nulls[10] = "          ";
	NameData	caller;

	values[0] = ObjectIdGetDatum(cfg->target);
	values[1] = CStringGetTextDatum(cfg->target_sql);
	values[2] = ObjectIdGetDatum(cfg->source);
	values[3] = CStringGetTextDatum(cfg->source_sql);
	values[4] = string_list_array(cfg->key);
	values[5] = CStringGetTextDatum(cfg->timestamp ? "timestamp" : "check");
	if (cfg->check_cols != NIL)
		values[6] = string_list_array(cfg->check_cols);
	else
		nulls[6] = 'n';
	if (cfg->timestamp)
		values[7] = CStringGetTextDatum(cfg->updated_at);
	else
		nulls[7] = 'n';
	values[8] = CStringGetTextDatum(deletes_name(cfg->deletes));
	/* the current user, captured before switching to the catalog's owner */
	namestrcpy(&caller, GetUserNameFromId(GetUserId(), false));
	values[9] = NameGetDatum(&caller);

	dpq_become_catalog_owner(&id);
	dpq_spi_connect();
	dpq_spi_exec("INSERT INTO dpq.snapshot_config (target_relid, target_name, source_relid,"
				 " source_name, unique_key, strategy, check_cols, updated_at, hard_deletes,"
				 " created_by)"
				 " VALUES ($1, $2, $3, $4, $5::pg_catalog.name[], $6, $7::pg_catalog.name[],"
				 " $8::pg_catalog.name, $9, $10)",
				 10, types, values, nulls, false, 0);
	dpq_spi_finish();
	dpq_restore_identity(&id);
}

static void
save_hash_columns(SnapConfig *cfg)
{
	DpqIdentity id;
	Oid			types[2] = {OIDOID, TEXTARRAYOID};
	Datum		values[2];

	values[0] = ObjectIdGetDatum(cfg->target);
	values[1] = string_list_array(cfg->hash_columns);
	dpq_become_catalog_owner(&id);
	dpq_spi_connect();
	dpq_spi_exec("UPDATE dpq.snapshot_config SET hash_columns = $2"
				 " WHERE target_relid = $1::pg_catalog.oid",
				 2, types, values, NULL, false, 0);
	dpq_spi_finish();
	dpq_restore_identity(&id);
}

static void
log_run(SnapConfig *cfg, TimestampTz started, double ms, SnapCounts *n)
{
	DpqIdentity id;
	Oid			types[12] = {OIDOID, TEXTOID, TEXTOID, TEXTOID, BOOLOID,
	TIMESTAMPTZOID, FLOAT8OID, INT8OID, INT8OID, INT8OID, INT8OID, NAMEOID};
	Datum		values[12];
	NameData	caller;

	values[0] = ObjectIdGetDatum(cfg->target);
	values[1] = CStringGetTextDatum(cfg->target_sql);
	values[2] = CStringGetTextDatum(cfg->source_sql);
	values[3] = CStringGetTextDatum(cfg->timestamp ? "timestamp" : "check");
	values[4] = BoolGetDatum(cfg->first_run);
	values[5] = TimestampTzGetDatum(started);
	values[6] = Float8GetDatum(ms);
	values[7] = Int64GetDatum(n->inserted);
	values[8] = Int64GetDatum(n->updated);
	values[9] = Int64GetDatum(n->deleted);
	values[10] = Int64GetDatum(n->unchanged);
	namestrcpy(&caller, GetUserNameFromId(GetUserId(), false));
	values[11] = NameGetDatum(&caller);
	dpq_become_catalog_owner(&id);
	dpq_spi_connect();
	dpq_spi_exec("INSERT INTO dpq.snapshot_run_log (target_relid, target_name, source_name,"
				 " strategy, first_run, started_at, duration_ms, inserted, updated, deleted,"
				 " unchanged, run_by)"
				 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
				 12, types, values, NULL, false, 0);
	dpq_spi_finish();
	dpq_restore_identity(&id);
}

/* a configuration given again must be the stored one */
static void
check_same_config(SnapConfig *given, SnapConfig *stored, const char *target)
{
	const char *what = NULL;
	char	   *was = NULL;
	char	   *now = NULL;

	if (given->source != stored->source)
	{
		what = "source";
		was = get_rel_name(stored->source);
		now = get_rel_name(given->source);
	}
	else if (!string_lists_equal(given->key, stored->key))
	{
		what = "unique_key";
		was = string_list_text(stored->key);
		now = string_list_text(given->key);
	}
	else if (given->timestamp != stored->timestamp)
	{
		what = "strategy";
		was = stored->timestamp ? "timestamp" : "check";
		now = given->timestamp ? "timestamp" : "check";
	}
	else if (!string_lists_equal(given->check_cols, stored->check_cols))
	{
		what = "check_cols";
		was = stored->check_cols ? string_list_text(stored->check_cols) : "(all)";
		now = given->check_cols ? string_list_text(given->check_cols) : "(all)";
	}
	else if (given->timestamp && strcmp(given->updated_at, stored->updated_at) != 0)
	{
		what = "updated_at";
		was = stored->updated_at;
		now = given->updated_at;
	}
	else if (given->deletes != stored->deletes)
	{
		what = "hard_deletes";
		was = (char *) deletes_name(stored->deletes);
		now = (char *) deletes_name(given->deletes);
	}
	if (what)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("snapshot \"%s\" was created with another configuration", target),
				 errdetail("Its %s is %s, not %s.", what, was, now),
				 errhint("Run it with dpq.snapshot('%s'), or drop the table to start a new history.", target)));
}

/* ------------------------------------------------------------------------
 * Target table
 * ------------------------------------------------------------------------
 */

static void
exec_as_caller(const char *sql)
{
	dpq_spi_exec(sql, 0, NULL, NULL, NULL, false, 0);
}

/* a column's type for CREATE or ALTER TABLE, with its collation */
static char *
column_type_sql(SnapColumn *c)
{
	return psprintf("%s%s", dpq_type_sql(c->type, c->typmod),
					dpq_collate_sql(c->type, c->collation));
}

static void
create_target(SnapConfig *cfg)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE TABLE %s (", cfg->target_sql);
	foreach(lc, cfg->columns)
	{
		SnapColumn *c = lfirst(lc);

		appendStringInfo(&buf, "%s %s", quote_identifier(c->name), column_type_sql(c));
		appendStringInfoString(&buf, ", ");
	}
	appendStringInfoString(&buf,
						   "dpq_valid_from pg_catalog.timestamptz NOT NULL,"
						   " dpq_valid_to pg_catalog.timestamptz,"
						   " dpq_scd_id pg_catalog.int8 GENERATED ALWAYS AS IDENTITY,"
						   " dpq_updated_at pg_catalog.timestamptz NOT NULL");
	if (!cfg->timestamp)
		appendStringInfoString(&buf, ", dpq_row_hash pg_catalog.int8 NOT NULL");
	if (cfg->deletes == DELETES_NEW_RECORD)
		appendStringInfoString(&buf, ", dpq_is_deleted pg_catalog.bool NOT NULL DEFAULT false");
	appendStringInfoString(&buf, ", CHECK (dpq_valid_to IS NULL OR dpq_valid_to >= dpq_valid_from))");
	exec_as_caller(buf.data);
	CommandCounterIncrement();
	cfg->target = get_relname_relid(cfg->target_relname, cfg->target_nsp);
	if (!OidIsValid(cfg->target))
		elog(ERROR, "snapshot table \"%s\" was not created", cfg->target_sql);
}

/*
 * PII tags of the source's columns go to the snapshot table's columns of
 * the same name (masked the same way): a snapshot must not become a clear
 * copy that roles masked on the source can read.  Done as dpq's catalog
 * owner; only tags the table lacks.
 */
static void
copy_tags(SnapConfig *cfg)
{
	DpqIdentity id;
	Oid			types[2] = {OIDOID, OIDOID};
	Datum		values[2];

	/*
	 * A masked caller reads the source masked: its snapshot holds masked
	 * values (and a masked role may not tag).  The next unmasked run adds
	 * the tags before it writes clear values.
	 */
	if (dpq_role_is_masked())
		return;

	values[0] = ObjectIdGetDatum(cfg->source);
	values[1] = ObjectIdGetDatum(cfg->target);
	dpq_become_catalog_owner(&id);
	dpq_spi_exec("SELECT dpq.tag_pii($2, t.column_name, t.category,"
				 "  CASE WHEN t.mask IS NULL THEN NULL ELSE t.mask_sql END)"
				 " FROM dpq.pii_tags t"
				 " WHERE t.relid OPERATOR(pg_catalog.=) $1"
				 " AND EXISTS (SELECT FROM pg_catalog.pg_attribute a"
				 "  WHERE a.attrelid OPERATOR(pg_catalog.=) $2"
				 "  AND a.attname OPERATOR(pg_catalog.=) t.column_name AND NOT a.attisdropped)"
				 " AND NOT EXISTS (SELECT FROM dpq.pii_tags x"
				 "  WHERE x.relid OPERATOR(pg_catalog.=) $2"
				 "  AND x.column_name OPERATOR(pg_catalog.=) t.column_name)"
				 " ORDER BY t.attnum",
				 2, types, values, NULL, false, 0);
	dpq_restore_identity(&id);
}

/*
 * Only the timestamp strategy with hard_deletes = 'invalidate' can see a key
 * with closed versions and no current one whose new version could start
 * before the last one ended (with 'new_record' the deletion version stays
 * current; with 'ignore' nothing is closed without a successor; the check
 * strategy starts versions at now()).
 */
static bool
needs_last_to(SnapConfig *cfg)
{
	return cfg->timestamp && cfg->deletes == DELETES_INVALIDATE;
}

/* the indexes: after the first load, which is faster than maintaining them */
static void
index_target(SnapConfig *cfg)
{
	char	   *keys = key_list(cfg, NULL);

	/*
	 * The current versions' index also carries what a run compares, so that
	 * the planner can read them by an index-only scan where the visibility
	 * map allows.
	 */
	exec_as_caller(psprintf("CREATE UNIQUE INDEX ON %s (%s) INCLUDE (dpq_valid_from, %s%s)"
							" WHERE dpq_valid_to IS NULL",
							cfg->target_sql, keys,
							cfg->timestamp ? "dpq_updated_at" : "dpq_row_hash",
							cfg->deletes == DELETES_NEW_RECORD ? ", dpq_is_deleted" : ""));
	exec_as_caller(psprintf("CREATE UNIQUE INDEX ON %s (dpq_scd_id)", cfg->target_sql));
	/*
	 * timestamp with invalidate: a key can come back after its versions were
	 * closed, and its new version must not start before the last one ended
	 */
	if (needs_last_to(cfg))
		exec_as_caller(psprintf("CREATE INDEX ON %s (%s) WHERE dpq_valid_to IS NOT NULL",
								cfg->target_sql, keys));
}

static bool widens(Oid oldtype, int32 oldmod, Oid newtype, int32 newmod);

/* numeric's typmod: precision and (possibly negative) scale */
static void
numeric_typmod(int32 typmod, int *precision, int *scale)
{
	int32		tm = typmod - VARHDRSZ;

	*precision = (tm >> 16) & 0xffff;
	*scale = ((tm & 0x7ff) ^ 1024) - 1024;
}

/* does (newtype, newmod) hold every value of (oldtype, oldmod) unchanged? */
static bool
widens(Oid oldtype, int32 oldmod, Oid newtype, int32 newmod)
{
	static const Oid wider[][2] = {
		{INT2OID, INT4OID}, {INT2OID, INT8OID}, {INT4OID, INT8OID},
		{INT2OID, NUMERICOID}, {INT4OID, NUMERICOID}, {INT8OID, NUMERICOID},
		{FLOAT4OID, FLOAT8OID}, {VARCHAROID, TEXTOID}, {CIDROID, INETOID}
	};
	int			i;

	if (oldtype == newtype)
	{
		if (newmod == oldmod || newmod == -1)
			return true;
		if (oldmod == -1)
			return false;
		switch (oldtype)
		{
			case VARCHAROID:
			case BPCHAROID:
			case VARBITOID:
			case TIMESTAMPOID:
			case TIMESTAMPTZOID:
			case TIMEOID:
			case TIMETZOID:
				return newmod > oldmod;
			case NUMERICOID:
				{
					int			op,
								os,
								np,
								ns;

					numeric_typmod(oldmod, &op, &os);
					numeric_typmod(newmod, &np, &ns);
					return ns >= os && np - ns >= op - os;
				}
			default:
				return false;
		}
	}
	for (i = 0; i < lengthof(wider); i++)
		if (wider[i][0] == oldtype && wider[i][1] == newtype)
			return newtype != NUMERICOID || newmod == -1;
	return false;
}

/*
 * Follow the source's schema: add its new columns to the target, widen
 * widened types; columns dropped from the source stay (NULL from now on).
 */
static void
evolve_target(SnapConfig *cfg)
{
	Relation	rel = relation_open(cfg->target, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *alters = NIL;
	ListCell   *lc;
	bool		has_row_hash = false;
	bool		has_is_deleted = false;
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		if (strcmp(NameStr(att->attname), "dpq_row_hash") == 0)
			has_row_hash = true;
		if (strcmp(NameStr(att->attname), "dpq_is_deleted") == 0)
			has_is_deleted = true;
	}
	if ((!cfg->timestamp && !has_row_hash) ||
		(cfg->deletes == DELETES_NEW_RECORD && !has_is_deleted))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("snapshot table \"%s\" lacks dpq's columns", RelationGetRelationName(rel)),
				 errhint("Drop the table to start a new history.")));

	foreach(lc, cfg->columns)
	{
		SnapColumn *c = lfirst(lc);
		AttrNumber	attnum = InvalidAttrNumber;
		Form_pg_attribute att = NULL;

		for (i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute a = TupleDescAttr(desc, i);

			if (!a->attisdropped && strcmp(NameStr(a->attname), c->name) == 0)
			{
				attnum = a->attnum;
				att = a;
				break;
			}
		}
		if (attnum == InvalidAttrNumber)
		{
			alters = lappend(alters,
							 psprintf("ADD COLUMN %s %s", quote_identifier(c->name),
									  column_type_sql(c)));
			continue;
		}
		/* the same, or the target already holds every value of the new type */
		if ((att->atttypid == c->type && att->atttypmod == c->typmod) ||
			widens(c->type, c->typmod, att->atttypid, att->atttypmod))
			continue;
		/* a longer length, a larger precision, or a wider type */
		if (widens(att->atttypid, att->atttypmod, c->type, c->typmod))
		{
			alters = lappend(alters,
							 psprintf("ALTER COLUMN %s TYPE %s", quote_identifier(c->name),
									  format_type_with_typemod(c->type, c->typmod)));
			continue;
		}
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of source \"%s\" has type %s, but snapshot \"%s\" keeps it as %s",
						c->name, get_rel_name(cfg->source),
						format_type_with_typemod(c->type, c->typmod),
						RelationGetRelationName(rel),
						format_type_with_typemod(att->atttypid, att->atttypmod)),
				 errdetail("Only changes that keep every stored value are followed: a longer length, a larger precision or scale, or a wider type (smallint to integer to bigint to numeric, real to double precision, varchar to text, cidr to inet)."),
				 errhint("Cast the column back in a view over the source, or drop the snapshot table to start a new history.")));
	}
	relation_close(rel, AccessShareLock);

	if (alters != NIL)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfo(&buf, "ALTER TABLE %s ", cfg->target_sql);
		foreach(lc, alters)
		{
			if (lc != list_head(alters))
				appendStringInfoString(&buf, ", ");
			appendStringInfoString(&buf, lfirst(lc));
		}
		exec_as_caller(buf.data);
		CommandCounterIncrement();
	}
}

/* the target's non-dpq columns, quoted, comma-separated (prefix optional) */
static char *
target_columns(SnapConfig *cfg, const char *prefix)
{
	Relation	rel = relation_open(cfg->target, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || strncmp(NameStr(att->attname), "dpq_", 4) == 0)
			continue;
		appendStringInfo(&buf, "%s%s%s%s", buf.len > 0 ? ", " : "",
						 prefix ? prefix : "", prefix ? "." : "",
						 quote_identifier(NameStr(att->attname)));
	}
	relation_close(rel, AccessShareLock);
	return buf.data;
}

/* ------------------------------------------------------------------------
 * Key checks
 * ------------------------------------------------------------------------
 */

/* does a unique index with NOT NULL columns prove the key? */
static bool
key_proven(SnapConfig *cfg)
{
	Relation	rel;
	AttrNumber	attnums[INDEX_MAX_KEYS];
	int			nkeys = 0;
	ListCell   *lc;
	bool		proven = true;
	char		relkind = get_rel_relkind(cfg->source);

	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		return false;
	rel = table_open(cfg->source, AccessShareLock);
	/* every key column NOT NULL, and a unique index over key columns */
	foreach(lc, cfg->key)
	{
		attnums[nkeys] = get_attnum(cfg->source, lfirst(lc));
		if (attnums[nkeys] <= 0 || dpq_prove_not_null(rel, attnums[nkeys]) == NULL)
			proven = false;
		nkeys++;
	}
	if (proven)
		proven = dpq_prove_unique_key(rel, nkeys, attnums) != NULL;
	table_close(rel, AccessShareLock);
	return proven;
}

/* "(a, b)=(1, x), ..." of the key values in SPI's result */
static char *
keys_text(SnapConfig *cfg)
{
	StringInfoData buf;
	uint64		r;
	int			k;

	initStringInfo(&buf);
	for (r = 0; r < SPI_processed && r < SNAP_MAX_KEYS_SHOWN; r++)
	{
		if (r > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfo(&buf, "(%s)=(", string_list_text(cfg->key));
		for (k = 1; k <= list_length(cfg->key); k++)
		{
			char	   *v = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, k);

			appendStringInfo(&buf, "%s%s", k > 1 ? ", " : "", v ? v : "NULL");
		}
		appendStringInfoChar(&buf, ')');
	}
	return buf.data;
}

/*
 * The errors of bad keys and a NULL updated_at, found by a query (the first
 * run, the join path) or on the way (in memory); keys: up to
 * SNAP_MAX_KEYS_SHOWN of them; count: how many rows, or 0 when not counted
 */
static void
null_key_error(SnapConfig *cfg, int count, const char *keys)
{
	ereport(ERROR,
			(errcode(ERRCODE_NOT_NULL_VIOLATION),
			 count > 0 ?
			 errmsg("source \"%s\" has %d row%s with a NULL key", get_rel_name(cfg->source),
					count, count == 1 ? "" : "s") :
			 errmsg("source \"%s\" has rows with a NULL key", get_rel_name(cfg->source)),
			 errdetail("Keys: %s.", keys),
			 errhint("Every part of unique_key must be set; nothing was written.")));
}

static void
duplicate_key_error(SnapConfig *cfg, const char *keys)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNIQUE_VIOLATION),
			 errmsg("source \"%s\" has duplicate keys", get_rel_name(cfg->source)),
			 errdetail("Keys: %s.", keys),
			 errhint("unique_key must identify one row of the source; nothing was written.")));
}

static void
null_updated_at_error(SnapConfig *cfg, const char *keys)
{
	ereport(ERROR,
			(errcode(ERRCODE_NOT_NULL_VIOLATION),
			 errmsg("updated_at column \"%s\" of source \"%s\" is NULL in some rows",
					cfg->updated_col->name, get_rel_name(cfg->source)),
			 errdetail("Keys: %s.", keys),
			 errhint("The timestamp strategy needs updated_at in every row; nothing was written.")));
}

/*
 * The first run and the join path check the source's keys (and, first,
 * its updated_at) by queries; the in-memory path finds these on its way.
 */
static void
check_keys(SnapConfig *cfg, bool updated_at_too)
{
	char	   *keys = key_list(cfg, NULL);
	StringInfoData nullcond;
	ListCell   *lc;

	initStringInfo(&nullcond);
	foreach(lc, cfg->key)
		appendStringInfo(&nullcond, "%s%s IS NULL", nullcond.len ? " OR " : "",
						 quote_identifier(lfirst(lc)));

	if (!key_proven(cfg))
	{
		dpq_spi_exec(psprintf("SELECT %s FROM %s WHERE %s LIMIT %d",
							  keys, cfg->source_sql, nullcond.data, SNAP_MAX_KEYS_SHOWN),
					 0, NULL, NULL, NULL, false, 0);
		if (SPI_processed > 0)
			null_key_error(cfg, 0, keys_text(cfg));
		dpq_spi_exec(psprintf("SELECT %s FROM %s GROUP BY %s HAVING pg_catalog.count(*) > 1 LIMIT %d",
							  keys, cfg->source_sql, keys, SNAP_MAX_KEYS_SHOWN),
					 0, NULL, NULL, NULL, false, 0);
		if (SPI_processed > 0)
			duplicate_key_error(cfg, keys_text(cfg));
	}
	if (cfg->timestamp && updated_at_too)
	{
		dpq_spi_exec(psprintf("SELECT %s FROM %s WHERE %s IS NULL LIMIT %d",
							  keys, cfg->source_sql,
							  quote_identifier(cfg->updated_col->name), SNAP_MAX_KEYS_SHOWN),
					 0, NULL, NULL, NULL, false, 0);
		if (SPI_processed > 0)
			null_updated_at_error(cfg, keys_text(cfg));
	}
}

/* ------------------------------------------------------------------------
 * The first run: load every source row as a current version
 * ------------------------------------------------------------------------
 */
static void
first_load(SnapConfig *cfg, SnapCounts *n)
{
	StringInfoData cols;
	StringInfoData sql;
	ListCell   *lc;
	char	   *from;
	Oid			argtype = TIMESTAMPTZOID;
	Datum		now = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());

	initStringInfo(&cols);
	foreach(lc, cfg->columns)
		appendStringInfo(&cols, "%s%s", cols.len ? ", " : "",
						 quote_identifier(((SnapColumn *) lfirst(lc))->name));
	from = cfg->timestamp ? updated_at_expr(cfg, "s") : "$1";

	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "INSERT INTO %s (%s, dpq_valid_from, dpq_valid_to, dpq_updated_at%s)"
					 " SELECT %s, %s, NULL, %s%s%s FROM %s s",
					 cfg->target_sql, cols.data,
					 cfg->timestamp ? "" : ", dpq_row_hash",
					 cols.data, from, from,
					 cfg->timestamp ? "" : ", ",
					 cfg->timestamp ? "" : row_hash_expr(cfg, "s"),
					 cfg->source_sql);
	dpq_spi_exec(sql.data, cfg->timestamp ? 0 : 1, &argtype, &now, NULL, false, 0);
	n->inserted = SPI_processed;
	index_target(cfg);
	exec_as_caller(psprintf("ANALYZE %s", cfg->target_sql));
}

/* ------------------------------------------------------------------------
 * Later runs: the difference, applied in batches
 * ------------------------------------------------------------------------
 */

typedef struct SnapApply
{
	SnapConfig *cfg;
	int			ncols;			/* source columns */
	Oid		   *elemtypes;
	/* per batch */
	ArrayBuildState **values;	/* per source column: new versions */
	ArrayBuildState *new_from;
	ArrayBuildState *new_updated;
	ArrayBuildState *new_hash;
	int			ninsert;
	bool	   *as_text;		/* per source column: no array type, sent as text */
	FmgrInfo   *out;			/* their output functions */
	int			nkeys;
	Oid		   *keytypes;		/* the key columns' types, or text */
	int		   *keycols;		/* per key: index among the source columns */
	ArrayBuildState **close_keys;
	ArrayBuildState *close_to;
	ArrayBuildState *close_copy;	/* new_record: add a deletion version */
	int			nclose;
	ArrayBuildState **drop_keys;	/* versions made by this transaction */
	ArrayBuildState *drop_copy;
	int			ndrop;
	MemoryContext batch_cxt;
	SPIPlanPtr	insert_plan;
	SPIPlanPtr	close_plan;
	SPIPlanPtr	drop_plan;
} SnapApply;

static void
batch_reset(SnapApply *a)
{
	int			i;

	MemoryContextReset(a->batch_cxt);
	for (i = 0; i < a->ncols; i++)
		a->values[i] = initArrayResult(a->elemtypes[i], a->batch_cxt, false);
	a->new_from = initArrayResult(TIMESTAMPTZOID, a->batch_cxt, false);
	a->new_updated = initArrayResult(TIMESTAMPTZOID, a->batch_cxt, false);
	a->new_hash = initArrayResult(INT8OID, a->batch_cxt, false);
	for (i = 0; i < a->nkeys; i++)
	{
		a->close_keys[i] = initArrayResult(a->keytypes[i], a->batch_cxt, false);
		a->drop_keys[i] = initArrayResult(a->keytypes[i], a->batch_cxt, false);
	}
	a->close_to = initArrayResult(TIMESTAMPTZOID, a->batch_cxt, false);
	a->close_copy = initArrayResult(BOOLOID, a->batch_cxt, false);
	a->drop_copy = initArrayResult(BOOLOID, a->batch_cxt, false);
	a->ninsert = a->nclose = a->ndrop = 0;
}

/*
 * How a column's values travel to the statements that apply a batch: as an
 * array of the column's type, or, for types that have no array type (arrays
 * themselves), as text[] read back by the type's input function (in the
 * same session, with every setting that shapes the text unchanged, and
 * float digits forced exact).  In SQL: the parameter, unnested in the
 * select list (so that composite values stay one column), cast back if sent
 * as text.
 */
static char *
unnest_param(int paramno, SnapColumn *c, bool as_text)
{
	if (!as_text)
		return psprintf("pg_catalog.unnest($%d)", paramno);
	return psprintf("(pg_catalog.unnest($%d))::%s", paramno,
					dpq_type_sql(c->type, c->typmod));
}

static Datum
value_as_text(FmgrInfo *out, Datum v)
{
	int			save = extra_float_digits;
	char	   *str;

	extra_float_digits = 3;
	PG_TRY();
	{
		str = OutputFunctionCall(out, v);
	}
	PG_FINALLY();
	{
		extra_float_digits = save;
	}
	PG_END_TRY();
	return CStringGetTextDatum(str);
}

/*
 * "WITH c AS (<modify> RETURNING x.*, v.copy AS dpq_copy) INSERT deletion
 * versions FROM c WHERE dpq_copy" (new_record), or just the modification.
 */
static char *
close_sql(SnapConfig *cfg, bool drop)
{
	char	   *modify;
	StringInfoData rows;
	StringInfoData cond;
	ListCell   *lc;
	int			k = 0;
	int			nkeys = list_length(cfg->key);

	/* the keys ($1..$n), copy ($n+1), t ($n+2): through the current versions' index */
	initStringInfo(&rows);
	initStringInfo(&cond);
	foreach(lc, cfg->key)
	{
		SnapColumn *c = find_column(cfg, lfirst(lc));
		const char *q = quote_identifier(c->name);

		appendStringInfo(&rows, "%s AS k%d, ",
						 unnest_param(k + 1, c, !OidIsValid(get_array_type(c->type))), k + 1);
		appendStringInfo(&cond, "x.%s %s v.k%d AND ", q, equality_operator(c), k + 1);
		k++;
	}
	if (drop)
		modify = psprintf("DELETE FROM %s x USING (SELECT %spg_catalog.unnest($%d) AS dpq_copy) v"
						  " WHERE %sx.dpq_valid_to IS NULL",
						  cfg->target_sql, rows.data, nkeys + 1, cond.data);
	else
		modify = psprintf("UPDATE %s x SET dpq_valid_to = v.dpq_t"
						  " FROM (SELECT %spg_catalog.unnest($%d) AS dpq_copy, pg_catalog.unnest($%d) AS dpq_t) v"
						  " WHERE %sx.dpq_valid_to IS NULL",
						  cfg->target_sql, rows.data, nkeys + 1, nkeys + 2, cond.data);
	if (cfg->deletes != DELETES_NEW_RECORD)
		return modify;
	{
		char	   *cols = target_columns(cfg, NULL);
		char	   *ccols = target_columns(cfg, "c");
		const char *t = drop ? psprintf("$%d", nkeys + 2) : "c.dpq_valid_to";

		return psprintf("WITH c AS (%s RETURNING x.*, v.dpq_copy)"
						" INSERT INTO %s (%s, dpq_valid_from, dpq_valid_to, dpq_updated_at%s, dpq_is_deleted)"
						" SELECT %s, %s, NULL, %s%s, true FROM c WHERE c.dpq_copy",
						modify, cfg->target_sql, cols,
						cfg->timestamp ? "" : ", dpq_row_hash",
						ccols, t, t,
						cfg->timestamp ? "" : ", c.dpq_row_hash");
	}
}

/*
 * The statements that apply a batch are planned once, generically: the
 * arrays' sizes must not lead the planner to scan the target for a join.
 */
static void
prepare_apply(SnapApply *a)
{
	SnapConfig *cfg = a->cfg;
	StringInfoData sql;
	StringInfoData cols;
	StringInfoData ucols;
	StringInfoData vcols;
	ListCell   *lc;
	Oid		   *types;
	int			i = 0;
	Oid		   *close_types;
	Oid		   *drop_types;
	int			nkeys = list_length(cfg->key);
	int			k;

	a->ncols = list_length(cfg->columns);
	a->as_text = palloc0(sizeof(bool) * a->ncols);
	a->out = palloc0(sizeof(FmgrInfo) * a->ncols);
	a->elemtypes = palloc(sizeof(Oid) * a->ncols);
	a->values = palloc(sizeof(ArrayBuildState *) * a->ncols);
	types = palloc(sizeof(Oid) * (a->ncols + 3));
	initStringInfo(&cols);
	initStringInfo(&ucols);
	initStringInfo(&vcols);
	initStringInfo(&sql);
	foreach(lc, cfg->columns)
	{
		SnapColumn *c = lfirst(lc);
		Oid			arrtype = get_array_type(c->type);

		if (!OidIsValid(arrtype))
		{
			Oid			outfn;
			bool		varlena;

			a->as_text[i] = true;
			getTypeOutputInfo(c->type, &outfn, &varlena);
			fmgr_info(outfn, &a->out[i]);
			a->elemtypes[i] = TEXTOID;
			types[i] = TEXTARRAYOID;
		}
		else
		{
			a->elemtypes[i] = c->type;
			types[i] = arrtype;
		}
		appendStringInfo(&cols, "%s%s", i ? ", " : "", quote_identifier(c->name));
		appendStringInfo(&ucols, "%s AS v%d, ", unnest_param(i + 1, c, a->as_text[i]), i + 1);
		appendStringInfo(&vcols, "%su.v%d", i ? ", " : "", i + 1);
		i++;
	}
	types[i] = TIMESTAMPTZARRAYOID;
	types[i + 1] = TIMESTAMPTZARRAYOID;
	types[i + 2] = INT8ARRAYOID;
	appendStringInfo(&sql,
					 "INSERT INTO %s (%s, dpq_valid_from, dpq_valid_to, dpq_updated_at%s)"
					 " SELECT %s, u.f, NULL, u.u%s"
					 " FROM (SELECT %spg_catalog.unnest($%d) AS f, pg_catalog.unnest($%d) AS u,"
					 " pg_catalog.unnest($%d) AS h) u",
					 cfg->target_sql, cols.data,
					 cfg->timestamp ? "" : ", dpq_row_hash",
					 vcols.data,
					 cfg->timestamp ? "" : ", u.h",
					 ucols.data, i + 1, i + 2, i + 3);
	a->insert_plan = SPI_prepare_cursor(sql.data, i + 3, types, CURSOR_OPT_GENERIC_PLAN);
	if (a->insert_plan == NULL)
		elog(ERROR, "SPI_prepare failed (%s): %s", SPI_result_code_string(SPI_result), sql.data);
	a->nkeys = nkeys;
	a->keytypes = palloc(sizeof(Oid) * nkeys);
	a->keycols = palloc(sizeof(int) * nkeys);
	a->close_keys = palloc(sizeof(ArrayBuildState *) * nkeys);
	a->drop_keys = palloc(sizeof(ArrayBuildState *) * nkeys);
	close_types = palloc(sizeof(Oid) * (nkeys + 2));
	drop_types = palloc(sizeof(Oid) * (nkeys + 2));
	k = 0;
	foreach(lc, cfg->key)
	{
		SnapColumn *c = find_column(cfg, lfirst(lc));

		a->keycols[k] = column_index(cfg, c->name);
		a->keytypes[k] = a->elemtypes[a->keycols[k]];
		close_types[k] = drop_types[k] = types[a->keycols[k]];
		k++;
	}
	close_types[nkeys] = drop_types[nkeys] = BOOLARRAYOID;
	close_types[nkeys + 1] = TIMESTAMPTZARRAYOID;
	drop_types[nkeys + 1] = TIMESTAMPTZOID;
	a->close_plan = SPI_prepare_cursor(close_sql(cfg, false), nkeys + 2, close_types,
									   CURSOR_OPT_GENERIC_PLAN);
	if (a->close_plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	a->drop_plan = SPI_prepare_cursor(close_sql(cfg, true), nkeys + 2, drop_types,
									  CURSOR_OPT_GENERIC_PLAN);
	if (a->drop_plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	a->batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "dpq snapshot batch",
										 ALLOCSET_DEFAULT_SIZES);
	batch_reset(a);
}

static void
run_plan(SPIPlanPtr plan, Datum *values)
{
	int			rc = SPI_execute_plan(plan, values, NULL, false, 0);

	if (rc < 0)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(rc));
}

static void
flush_batch(SnapApply *a)
{
	Datum	   *args = palloc(sizeof(Datum) * (a->nkeys + 2));
	int			i;
	instr_time	t0,
				t1,
				t2,
				t3;

	INSTR_TIME_SET_CURRENT(t0);

	if (a->ndrop > 0)
	{
		for (i = 0; i < a->nkeys; i++)
			args[i] = makeArrayResult(a->drop_keys[i], a->batch_cxt);
		args[a->nkeys] = makeArrayResult(a->drop_copy, a->batch_cxt);
		args[a->nkeys + 1] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
		run_plan(a->drop_plan, args);
	}
	INSTR_TIME_SET_CURRENT(t1);
	if (a->nclose > 0)
	{
		for (i = 0; i < a->nkeys; i++)
			args[i] = makeArrayResult(a->close_keys[i], a->batch_cxt);
		args[a->nkeys] = makeArrayResult(a->close_copy, a->batch_cxt);
		args[a->nkeys + 1] = makeArrayResult(a->close_to, a->batch_cxt);
		run_plan(a->close_plan, args);
	}
	INSTR_TIME_SET_CURRENT(t2);
	if (a->ninsert > 0)
	{
		Datum	   *v = palloc(sizeof(Datum) * (a->ncols + 3));

		for (i = 0; i < a->ncols; i++)
			v[i] = makeArrayResult(a->values[i], a->batch_cxt);
		v[i] = makeArrayResult(a->new_from, a->batch_cxt);
		v[i + 1] = makeArrayResult(a->new_updated, a->batch_cxt);
		v[i + 2] = makeArrayResult(a->new_hash, a->batch_cxt);
		run_plan(a->insert_plan, v);
	}
	INSTR_TIME_SET_CURRENT(t3);
	if (a->ndrop + a->nclose + a->ninsert > 0)
	{
		INSTR_TIME_SUBTRACT(t3, t2);
		INSTR_TIME_SUBTRACT(t2, t1);
		INSTR_TIME_SUBTRACT(t1, t0);
		elog(DEBUG1, "dpq snapshot batch: %d replaced in %.1f ms, %d closed in %.1f ms, %d inserted in %.1f ms",
			 a->ndrop, INSTR_TIME_GET_MILLISEC(t1), a->nclose, INSTR_TIME_GET_MILLISEC(t2),
			 a->ninsert, INSTR_TIME_GET_MILLISEC(t3));
	}
	batch_reset(a);
}

/* the difference query */
static char *
diff_sql(SnapConfig *cfg)
{
	StringInfoData sql;
	StringInfoData scols;
	ListCell   *lc;
	const char *k1 = quote_identifier(linitial(cfg->key));
	bool		nr = cfg->deletes == DELETES_NEW_RECORD;
	char	   *last_to;

	initStringInfo(&scols);
	foreach(lc, cfg->columns)
	{
		SnapColumn *c = lfirst(lc);

		appendStringInfo(&scols, ", s.%s", quote_identifier(c->name));
	}
	/* the end of the key's last version, for keys without a current one */
	if (needs_last_to(cfg))
		last_to = psprintf("CASE WHEN t.present IS NULL THEN (SELECT pg_catalog.max(x.dpq_valid_to) FROM %s x WHERE %s AND x.dpq_valid_to IS NOT NULL) END",
						   cfg->target_sql, key_join_condition(cfg, "x", "s"));
	else
		last_to = "NULL::pg_catalog.timestamptz";

	/*
	 * The columns: action, cur_from, last_to, the row hash, updated_at,
	 * the source's columns, then the current version's key (for deletions)
	 */
	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "SELECT CASE WHEN t.present IS NULL THEN %d WHEN s.%s IS NULL THEN %d"
					 " WHEN t.del THEN %d ELSE %d END AS action,"
					 " t.cur_from, %s AS last_to, s.dpq_row_hash, s.dpq_updated_at%s, %s"
					 " FROM (SELECT s0.*, %s AS dpq_row_hash, %s AS dpq_updated_at FROM %s s0) s"
					 " FULL JOIN (SELECT %s, true AS present, dpq_valid_from AS cur_from,"
					 " %s AS cur_h, dpq_updated_at AS cur_u, %s AS del"
					 " FROM %s WHERE dpq_valid_to IS NULL) t ON %s"
					 " WHERE %s._snapshot_keep(t.present IS NULL",
					 ACTION_INSERT, k1, ACTION_DELETE, ACTION_RESURRECT, ACTION_UPDATE,
					 last_to, scols.data, key_list(cfg, "t"),
					 cfg->timestamp ? "0::pg_catalog.int8" : row_hash_expr(cfg, "s0"),
					 cfg->timestamp ? updated_at_expr(cfg, "s0") : "NULL::pg_catalog.timestamptz",
					 cfg->source_sql,
					 key_list(cfg, NULL),
					 cfg->timestamp ? "0::pg_catalog.int8" : "dpq_row_hash",
					 nr ? "dpq_is_deleted" : "false",
					 cfg->target_sql, key_join_condition(cfg, "s", "t"),
					 quote_identifier(DPQ_SCHEMA));
	if (cfg->deletes != DELETES_IGNORE)
		appendStringInfo(&sql, " OR (s.%s IS NULL AND NOT t.del)", k1);
	appendStringInfo(&sql, " OR (s.%s IS NOT NULL AND (t.del OR %s))", k1,
					 cfg->timestamp ? "s.dpq_updated_at > t.cur_u OR s.dpq_updated_at IS NULL"
					 : "s.dpq_row_hash OPERATOR(pg_catalog.<>) t.cur_h");
	appendStringInfoString(&sql, ", s.dpq_row_hash IS NOT NULL)");
	return sql.data;
}

static double get_target_rows(SnapConfig *cfg);
static bool mostly_all_visible(Oid relid);

/*
 * One change: decide when the new version starts and what becomes of the
 * current one, count it, and add it to the batch.  values/nulls are the
 * source row (for a new version), keys the key's values and cur_from the
 * start of its current version.
 */
static void
add_change(SnapApply *a, SnapCounts *n, int action, Datum *keys,
		   TimestampTz cur_from, bool has_last_to, TimestampTz last_to,
		   TimestampTz u, int64 h, Datum *values, bool *nulls)
{
	SnapConfig *cfg = a->cfg;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	TimestampTz from = now;
	bool		close;
	bool		insert;
	bool		copy = false;
	int			i;
	MemoryContext old;

	switch (action)
	{
		case ACTION_INSERT:
			from = cfg->timestamp ? u : now;
			/* never before the end of the key's last version */
			if (has_last_to && from < last_to)
				from = Max(now, last_to);
			close = false;
			insert = true;
			n->inserted++;
			break;
		case ACTION_UPDATE:
		case ACTION_RESURRECT:
			/*
			 * Never before the current version (or the deletion version)
			 * started: then at the run's time.
			 */
			from = cfg->timestamp && u > cur_from ? u : Max(now, cur_from);
			close = true;
			insert = true;
			if (action == ACTION_UPDATE)
				n->updated++;
			else
				n->inserted++;
			break;
		case ACTION_DELETE:
			from = Max(now, cur_from);
			close = true;
			insert = false;
			copy = cfg->deletes == DELETES_NEW_RECORD;
			n->deleted++;
			break;
		default:
			elog(ERROR, "unexpected snapshot action %d", action);
			return;
	}

	old = MemoryContextSwitchTo(a->batch_cxt);
	if (close)
	{
		/*
		 * A version that would end where it starts: made earlier in this
		 * transaction (it started at now()), it is removed rather than
		 * closed, and the version that follows (a new one, or the deletion
		 * version) takes its start; otherwise it started in the future
		 * (timestamp strategy), and is kept with the shortest interval.
		 */
		if (from <= cur_from && cur_from != now)
			from = cur_from + 1;
		if (from <= cur_from)
		{
			for (i = 0; i < a->nkeys; i++)
				accumArrayResult(a->drop_keys[i], a->as_text[a->keycols[i]] ? value_as_text(&a->out[a->keycols[i]], keys[i]) : keys[i],
								 false, a->keytypes[i], a->batch_cxt);
			accumArrayResult(a->drop_copy, BoolGetDatum(copy), false, BOOLOID, a->batch_cxt);
			a->ndrop++;
		}
		else
		{
			for (i = 0; i < a->nkeys; i++)
				accumArrayResult(a->close_keys[i], a->as_text[a->keycols[i]] ? value_as_text(&a->out[a->keycols[i]], keys[i]) : keys[i],
								 false, a->keytypes[i], a->batch_cxt);
			accumArrayResult(a->close_copy, BoolGetDatum(copy), false, BOOLOID, a->batch_cxt);
			accumArrayResult(a->close_to, TimestampTzGetDatum(from), false,
							 TIMESTAMPTZOID, a->batch_cxt);
			a->nclose++;
		}
	}
	if (insert)
	{
		for (i = 0; i < a->ncols; i++)
			accumArrayResult(a->values[i],
							 a->as_text[i] && !nulls[i] ? value_as_text(&a->out[i], values[i]) : values[i],
							 nulls[i], a->elemtypes[i], a->batch_cxt);
		accumArrayResult(a->new_from, TimestampTzGetDatum(from), false,
						 TIMESTAMPTZOID, a->batch_cxt);
		accumArrayResult(a->new_updated, TimestampTzGetDatum(cfg->timestamp ? u : now),
						 false, TIMESTAMPTZOID, a->batch_cxt);
		accumArrayResult(a->new_hash, Int64GetDatum(h), false, INT8OID, a->batch_cxt);
		a->ninsert++;
	}
	MemoryContextSwitchTo(old);
}

/* "(a, b)=(1, x)" of a row's key, from its source column values */
static char *
row_key_text(SnapConfig *cfg, Datum *values, bool *nulls)
{
	StringInfoData buf;
	ListCell   *lc;
	bool		first = true;

	initStringInfo(&buf);
	appendStringInfo(&buf, "(%s)=(", string_list_text(cfg->key));
	foreach(lc, cfg->key)
	{
		int			i = column_index(cfg, lfirst(lc));
		SnapColumn *c = list_nth(cfg->columns, i);

		if (!first)
			appendStringInfoString(&buf, ", ");
		first = false;
		if (nulls[i])
			appendStringInfoString(&buf, "NULL");
		else
		{
			Oid			outfn;
			bool		varlena;

			getTypeOutputInfo(c->type, &outfn, &varlena);
			appendStringInfoString(&buf, OidOutputFunctionCall(outfn, values[i]));
		}
	}
	appendStringInfoChar(&buf, ')');
	return buf.data;
}


/*
 * The difference by a join query (when the current versions would not fit
 * in dpq.snapshot_work_mem): a FULL JOIN of the source and the current
 * versions, read through a cursor.
 */
static void
apply_diff_join(SnapApply *a, SnapCounts *n)
{
	SnapConfig *cfg = a->cfg;
	Portal		portal;
	SPIPlanPtr	plan;
	char	   *sql = diff_sql(cfg);
	Datum	   *values = palloc(sizeof(Datum) * a->ncols);
	bool	   *nulls = palloc(sizeof(bool) * a->ncols);

	elog(DEBUG1, "dpq snapshot difference: %s", sql);
	plan = SPI_prepare(sql, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed (%s): %s", SPI_result_code_string(SPI_result), sql);
	unchanged_rows = 0;
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, false);
	for (;;)
	{
		uint64		r;

		SPI_cursor_fetch(portal, true, SNAP_BATCH);
		if (SPI_processed == 0)
			break;
		for (r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			int			action = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
			Datum		keys[INDEX_MAX_KEYS];
			TimestampTz cur_from = 0;
			bool		no_last_to;
			TimestampTz last_to;
			TimestampTz u = 0;
			int64		h = 0;
			int			i;

			if (action != ACTION_INSERT)
				cur_from = DatumGetTimestampTz(SPI_getbinval(tup, desc, 2, &isnull));
			last_to = DatumGetTimestampTz(SPI_getbinval(tup, desc, 3, &no_last_to));
			if (action != ACTION_DELETE)
			{
				for (i = 0; i < a->ncols; i++)
					values[i] = SPI_getbinval(tup, desc, 6 + i, &nulls[i]);
				h = DatumGetInt64(SPI_getbinval(tup, desc, 4, &isnull));
				if (cfg->timestamp)
				{
					u = DatumGetTimestampTz(SPI_getbinval(tup, desc, 5, &isnull));
					if (isnull)
						null_updated_at_error(cfg, row_key_text(cfg, values, nulls));
				}
			}
			/* the key: the source's, or (for a deletion) the current version's */
			for (i = 0; i < a->nkeys; i++)
				keys[i] = action == ACTION_DELETE ?
					SPI_getbinval(tup, desc, 6 + a->ncols + i, &isnull) :
					values[a->keycols[i]];
			add_change(a, n, action, keys, cur_from, !no_last_to, last_to, u, h,
					   values, nulls);
		}
		SPI_freetuptable(SPI_tuptable);
		flush_batch(a);
	}
	SPI_cursor_close(portal);
	n->unchanged = unchanged_rows;
}

/* ------------------------------------------------------------------------
 * The difference in memory: the current versions in a hash table, the
 * source streamed past it (both through the executor, so row-level
 * security, masking and views apply as in any query of the caller)
 * ------------------------------------------------------------------------
 */

/*
 * A key: its hash, its first column's value inline (no pointer to follow
 * for the common single-column key) and the other columns' values.
 */
typedef struct SnapKey
{
	uint32		hash;
	Datum		first;
	Datum	   *rest;
} SnapKey;

typedef struct SnapEntry
{
	SnapKey		key;
	char		status;			/* simplehash */
	bool		seen;			/* found in the source */
	bool		del;			/* a deletion version (new_record) */
	TimestampTz cur_from;
	int64		cur;			/* stored row hash, or dpq_updated_at */
} SnapEntry;

/* a stored key's values, in key order */
static inline void
entry_keys(SnapKey *k, int nkeys, Datum *out)
{
	int			i;

	out[0] = k->first;
	for (i = 1; i < nkeys; i++)
		out[i] = k->rest[i - 1];
}

/* the key columns' equality and hash functions */
typedef struct SnapKeyInfo
{
	int			nkeys;
	bool		first_bitwise;	/* first key: equal iff the same Datum */
	FmgrInfo   *eq;
	FmgrInfo   *hash;
	Oid		   *coll;
	int16	   *typlen;
	bool	   *typbyval;
} SnapKeyInfo;

static inline bool
snap_keys_equal(SnapKeyInfo *ki, SnapKey a, SnapKey b)
{
	int			i;

	if (a.hash != b.hash)
		return false;
	if (ki->first_bitwise)
	{
		if (a.first != b.first)
			return false;
	}
	else if (!DatumGetBool(FunctionCall2Coll(&ki->eq[0], ki->coll[0], a.first, b.first)))
		return false;
	for (i = 1; i < ki->nkeys; i++)
		if (!DatumGetBool(FunctionCall2Coll(&ki->eq[i], ki->coll[i],
											a.rest[i - 1], b.rest[i - 1])))
			return false;
	return true;
}

#define SH_PREFIX		snaph
#define SH_ELEMENT_TYPE SnapEntry
#define SH_KEY_TYPE		SnapKey
#define SH_KEY			key
#define SH_HASH_KEY(tb, k) ((k).hash)
#define SH_EQUAL(tb, a, b) snap_keys_equal((SnapKeyInfo *) (tb)->private_data, a, b)
#define SH_GET_HASH(tb, a) ((a)->key.hash)
#define SH_STORE_HASH
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct SnapReceiver
{
	DestReceiver pub;
	SnapApply  *apply;
	SnapKeyInfo *ki;
	snaph_hash *table;
	/*
	 * Dense integer keys: the current versions in an array, found through
	 * slots[key - min].  The source usually comes in about key order, so
	 * this is read nearly sequentially, where a hash table is read at random.
	 */
	Oid			int_key_type;	/* InvalidOid: not a single integer key */
	bool		dense;
	SnapEntry  *ents;
	int64		nents;
	int64		maxents;
	int64		min;
	int64		max;
	int32	   *slots;
	double		entry_bytes;	/* estimated memory per current version */
	bool		over;			/* past dpq.snapshot_work_mem: give up */
	MemoryContext arena;		/* key copies */
	bool		loading;		/* current versions, else the source */
	int		   *key_atts;		/* per key: attribute number in the slot */
	Datum	   *keybuf;
	/* the source pass */
	Tuplestorestate *changes;	/* source rows that make a new version */
	TupleDesc	change_desc;
	List	   *change_info;	/* SnapChange *, in the order of changes */
	int64		unchanged;
	int			nnull;
	StringInfoData null_keys;
	int			ndup;
	StringInfoData dup_keys;
	int			nnull_u;
	StringInfoData null_u_keys;
} SnapReceiver;

/* what the source pass found for a row kept in the tuplestore */
typedef struct SnapChange
{
	int			action;
	TimestampTz cur_from;
} SnapChange;

static uint32
snap_key_hash(SnapKeyInfo *ki, Datum *values)
{
	uint32		h = 0;
	int			i;

	for (i = 0; i < ki->nkeys; i++)
	{
		uint32		k = DatumGetUInt32(FunctionCall1Coll(&ki->hash[i], ki->coll[i], values[i]));

		h = i == 0 ? k : hash_combine(h, k);
	}
	return murmurhash32(h);
}

/* a key for a lookup: values[] must live as long as it is used */
static inline SnapKey
snap_key_make(SnapKeyInfo *ki, Datum *values)
{
	SnapKey		k;

	k.hash = snap_key_hash(ki, values);
	k.first = values[0];
	k.rest = values + 1;
	return k;
}

static SnapKey
snap_key_copy(SnapReceiver *r, SnapKey k)
{
	SnapKey		c;
	int			i;
	int			nkeys = r->ki->nkeys;
	MemoryContext old;

	if (nkeys == 1 && r->ki->typbyval[0])
		return k;				/* nothing to copy */
	old = MemoryContextSwitchTo(r->arena);

	c.hash = k.hash;
	c.first = datumCopy(k.first, r->ki->typbyval[0], r->ki->typlen[0]);
	c.rest = NULL;
	if (nkeys > 1)
	{
		c.rest = palloc(sizeof(Datum) * (nkeys - 1));
		for (i = 1; i < nkeys; i++)
			c.rest[i - 1] = datumCopy(k.rest[i - 1], r->ki->typbyval[i], r->ki->typlen[i]);
	}
	MemoryContextSwitchTo(old);
	return c;
}

static void
append_key(StringInfo buf, int *count, const char *key)
{
	if (*count < SNAP_MAX_KEYS_SHOWN)
		appendStringInfo(buf, "%s%s", buf->len > 0 ? ", " : "", key);
	(*count)++;
}

static inline int64
int_key(SnapReceiver *r, Datum d)
{
	switch (r->int_key_type)
	{
		case INT2OID:
			return DatumGetInt16(d);
		case INT8OID:
			return DatumGetInt64(d);
		default:
			return DatumGetInt32(d);	/* int4, date */
	}
}

static SnapEntry *
ents_append(SnapReceiver *r)
{
	if (r->nents == r->maxents)
	{
		r->maxents = Max(1024, r->maxents * 2);
		r->ents = r->ents == NULL ?
			MemoryContextAllocHuge(r->arena, sizeof(SnapEntry) * r->maxents) :
			repalloc_huge(r->ents, sizeof(SnapEntry) * r->maxents);
	}
	return &r->ents[r->nents++];
}

/* the entry of a key, a new one (found false) if there is none */
static SnapEntry *
snap_lookup(SnapReceiver *r, SnapKey k, bool *found)
{
	if (r->dense)
	{
		int64		v = int_key(r, k.first);

		if (v >= r->min && v <= r->max)
		{
			int32	   *slot = &r->slots[v - r->min];
			SnapEntry  *e;

			if (*slot >= 0)
			{
				*found = true;
				return &r->ents[*slot];
			}
			e = ents_append(r);
			*slot = (int32) (r->nents - 1);
			e->key = k;
			*found = false;
			return e;
		}
	}
	if (OidIsValid(r->int_key_type))
		k.hash = snap_key_hash(r->ki, &k.first);
	return snaph_insert(r->table, k, found);
}

/* after the current versions are loaded: slots, or all in the hash table */
static void
snap_index_entries(SnapReceiver *r)
{
	int64		i;

	if (!OidIsValid(r->int_key_type))
		return;
	if (r->nents > 0 && r->max - r->min < Min(8 * r->nents + 1024, PG_INT32_MAX / 2))
	{
		Size		n = (Size) (r->max - r->min + 1);

		r->slots = MemoryContextAllocHuge(r->arena, sizeof(int32) * n);
		memset(r->slots, 0xff, sizeof(int32) * n);	/* -1: empty */
		for (i = 0; i < r->nents; i++)
		{
			int32	   *slot = &r->slots[int_key(r, r->ents[i].key.first) - r->min];

			if (*slot >= 0)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("snapshot table has two current versions of a key"),
						 errhint("Its rows must only be changed by dpq.snapshot.")));
			*slot = (int32) i;
		}
		r->dense = true;
		return;
	}
	/* sparse keys: the hash table after all */
	for (i = 0; i < r->nents; i++)
	{
		bool		found;
		SnapEntry  *e;

		r->ents[i].key.hash = snap_key_hash(r->ki, &r->ents[i].key.first);
		e = snaph_insert(r->table, r->ents[i].key, &found);

		if (found)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("snapshot table has two current versions of a key"),
					 errhint("Its rows must only be changed by dpq.snapshot.")));
		/* everything but simplehash's own status */
		{
			char		status = e->status;

			*e = r->ents[i];
			e->status = status;
		}
	}
	r->nents = 0;
}

static bool
snap_receive(TupleTableSlot *slot, DestReceiver *self)
{
	SnapReceiver *r = (SnapReceiver *) self;
	SnapApply  *a = r->apply;
	SnapConfig *cfg = a->cfg;
	SnapKeyInfo *ki = r->ki;
	SnapKey		k;
	SnapEntry  *e;
	bool		found;
	int			i;

	slot_getallattrs(slot);
	for (i = 0; i < ki->nkeys; i++)
	{
		if (slot->tts_isnull[r->key_atts[i] - 1])
		{
			if (r->loading)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("snapshot table \"%s\" has a current version with a NULL key",
								get_rel_name(cfg->target)),
						 errhint("Its rows must only be changed by dpq.snapshot.")));
			append_key(&r->null_keys, &r->nnull,
					   row_key_text(cfg, slot->tts_values, slot->tts_isnull));
			return true;
		}
		r->keybuf[i] = slot->tts_values[r->key_atts[i] - 1];
	}
	/* integer keys are hashed only if they end up in the hash table */
	if (OidIsValid(r->int_key_type))
	{
		k.hash = 0;
		k.first = r->keybuf[0];
		k.rest = NULL;
	}
	else
		k = snap_key_make(ki, r->keybuf);

	if (r->loading)
	{
		/* key..., dpq_valid_from, row hash or dpq_updated_at, deleted */
		int			base = ki->nkeys;

		if (r->over)
			return true;
		if ((r->nents + r->table->members) * r->entry_bytes >
			(double) dpq_snapshot_work_mem * 1024.0)
		{
			r->over = true;
			return true;
		}

		if (OidIsValid(r->int_key_type))
		{
			/* collected in order; indexed by snap_index_entries */
			int64		v = int_key(r, k.first);

			e = ents_append(r);
			if (r->nents == 1 || v < r->min)
				r->min = v;
			if (r->nents == 1 || v > r->max)
				r->max = v;
			found = false;
		}
		else
			e = snaph_insert(r->table, k, &found);
		if (found)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("snapshot table \"%s\" has two current versions of a key",
							get_rel_name(cfg->target)),
					 errhint("Its rows must only be changed by dpq.snapshot.")));
		e->key = snap_key_copy(r, k);
		e->seen = false;
		e->cur_from = DatumGetTimestampTz(slot->tts_values[base]);
		e->cur = DatumGetInt64(slot->tts_values[base + 1]);
		e->del = DatumGetBool(slot->tts_values[base + 2]);
		return true;
	}

	/* the source: its columns, then the row hash or updated_at */
	{
		int			extra = a->ncols;
		int64		h = 0;
		TimestampTz u = 0;
		int			action;
		SnapChange *c;
		MemoryContext old;

		if (cfg->timestamp)
		{
			if (slot->tts_isnull[extra])
			{
				append_key(&r->null_u_keys, &r->nnull_u,
						   row_key_text(cfg, slot->tts_values, slot->tts_isnull));
				return true;
			}
			u = DatumGetTimestampTz(slot->tts_values[extra]);
		}
		else
			h = DatumGetInt64(slot->tts_values[extra]);

		e = snap_lookup(r, k, &found);
		if (!found)
		{
			e->key = snap_key_copy(r, e->key);
			e->seen = true;
			e->del = false;
			action = ACTION_INSERT;
		}
		else if (e->seen)
		{
			append_key(&r->dup_keys, &r->ndup,
					   row_key_text(cfg, slot->tts_values, slot->tts_isnull));
			return true;
		}
		else
		{
			e->seen = true;
			if (e->del)
				action = ACTION_RESURRECT;
			else if (cfg->timestamp ? u > (TimestampTz) e->cur : h != e->cur)
				action = ACTION_UPDATE;
			else
			{
				r->unchanged++;
				return true;
			}
		}
		if (r->nnull > 0 || r->ndup > 0 || r->nnull_u > 0)
			return true;		/* an error follows: keep nothing */
		tuplestore_puttupleslot(r->changes, slot);
		old = MemoryContextSwitchTo(r->arena);
		c = palloc(sizeof(SnapChange));
		c->action = action;
		c->cur_from = action != ACTION_INSERT ? e->cur_from : 0;
		r->change_info = lappend(r->change_info, c);
		MemoryContextSwitchTo(old);
	}
	return true;
}

static void
snap_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	SnapReceiver *r = (SnapReceiver *) self;

	/* the executor's memory goes with the query: keep a copy in ours */
	if (!r->loading && r->change_desc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(r->arena);

		r->change_desc = CreateTupleDescCopy(typeinfo);
		MemoryContextSwitchTo(old);
	}
}

static void
snap_noop(DestReceiver *self)
{
}

static void
run_into_receiver(const char *sql, SnapReceiver *r)
{
	SPIExecuteOptions opts = {0};
	int			rc;

	opts.dest = (DestReceiver *) r;
	elog(DEBUG1, "dpq snapshot: %s", sql);
	rc = SPI_execute_extended(sql, &opts);
	if (rc < 0)
		elog(ERROR, "SPI_execute_extended failed (%s): %s", SPI_result_code_string(rc), sql);
}

/*
 * For the timestamp strategy, the end of the last version of the keys that
 * have no current version (NULL when none), by the (key, dpq_valid_from)
 * index: one query per batch.
 */
static TimestampTz *
last_versions_end(SnapApply *a, Datum **keyvals, int nrows, bool **found)
{
	SnapConfig *cfg = a->cfg;
	int			nkeys = a->nkeys;
	Oid		   *types = palloc(sizeof(Oid) * nkeys);
	Datum	   *args = palloc(sizeof(Datum) * nkeys);
	StringInfoData sql;
	StringInfoData cols;
	StringInfoData cond;
	int			k;
	TimestampTz *result = palloc0(sizeof(TimestampTz) * nrows);
	uint64		r;

	*found = palloc0(sizeof(bool) * nrows);
	initStringInfo(&sql);
	initStringInfo(&cols);
	initStringInfo(&cond);
	for (k = 0; k < nkeys; k++)
	{
		int			col = a->keycols[k];
		SnapColumn *c = list_nth(cfg->columns, col);
		ArrayBuildState *st = initArrayResult(a->keytypes[k], CurrentMemoryContext, false);
		int			i;

		for (i = 0; i < nrows; i++)
			accumArrayResult(st,
							 a->as_text[col] ? value_as_text(&a->out[col], keyvals[i][k]) : keyvals[i][k],
							 false, a->keytypes[k], CurrentMemoryContext);
		args[k] = makeArrayResult(st, CurrentMemoryContext);
		types[k] = get_array_type(a->keytypes[k]);
		appendStringInfo(&cols, "%s AS k%d, ", unnest_param(k + 1, c, a->as_text[col]), k + 1);
		appendStringInfo(&cond, "%sx.%s %s v.k%d", k ? " AND " : "",
						 quote_identifier(c->name), equality_operator(c), k + 1);
	}
	appendStringInfo(&sql,
					 "SELECT v.n, (SELECT pg_catalog.max(x.dpq_valid_to) FROM %s x"
					 " WHERE %s AND x.dpq_valid_to IS NOT NULL)"
					 " FROM (SELECT %spg_catalog.generate_series(1, pg_catalog.cardinality($1)) AS n) v",
					 cfg->target_sql, cond.data, cols.data);
	dpq_spi_exec(sql.data, nkeys, types, args, NULL, false, 0);
	for (r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		int64		i = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull));
		Datum		d = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &isnull);

		if (!isnull && i >= 1 && i <= nrows)
		{
			result[i - 1] = DatumGetTimestampTz(d);
			(*found)[i - 1] = true;
		}
	}
	return result;
}

static bool
apply_diff_memory(SnapApply *a, SnapCounts *n, double entry_bytes)
{
	SnapConfig *cfg = a->cfg;
	SnapReceiver r = {0};
	SnapKeyInfo ki;
	ListCell   *lc;
	int			k = 0;
	StringInfoData sql;
	TupleTableSlot *slot;
	Datum	   *values = palloc(sizeof(Datum) * a->ncols);
	bool	   *nulls = palloc(sizeof(bool) * a->ncols);
	int			nkeys = list_length(cfg->key);
	snaph_iterator it;
	SnapEntry  *e;
	double		rows_estimate;
	Datum		keys[INDEX_MAX_KEYS];
	instr_time	t_start,
				t_loaded,
				t_compared;
	ListCell   *ci;
	MemoryContext chunk_cxt;

	/* key functions */
	ki.nkeys = nkeys;
	ki.eq = palloc0(sizeof(FmgrInfo) * nkeys);
	ki.hash = palloc0(sizeof(FmgrInfo) * nkeys);
	ki.coll = palloc(sizeof(Oid) * nkeys);
	ki.typlen = palloc(sizeof(int16) * nkeys);
	ki.typbyval = palloc(sizeof(bool) * nkeys);
	r.key_atts = palloc(sizeof(int) * nkeys);
	r.keybuf = palloc(sizeof(Datum) * nkeys);
	foreach(lc, cfg->key)
	{
		SnapColumn *c = find_column(cfg, lfirst(lc));
		TypeCacheEntry *tce = lookup_type_cache(c->type, TYPECACHE_EQ_OPR_FINFO |
												TYPECACHE_HASH_PROC_FINFO);

		if (!OidIsValid(tce->eq_opr_finfo.fn_oid) || !OidIsValid(tce->hash_proc_finfo.fn_oid))
			(void) equality_operator(c);	/* reports the error */
		fmgr_info_copy(&ki.eq[k], &tce->eq_opr_finfo, CurrentMemoryContext);
		fmgr_info_copy(&ki.hash[k], &tce->hash_proc_finfo, CurrentMemoryContext);
		ki.coll[k] = c->collation;
		get_typlenbyval(c->type, &ki.typlen[k], &ki.typbyval[k]);
		if (k == 0)
			ki.first_bitwise = tce->eq_opr_finfo.fn_oid == F_INT4EQ ||
				tce->eq_opr_finfo.fn_oid == F_INT8EQ ||
				tce->eq_opr_finfo.fn_oid == F_INT2EQ ||
				tce->eq_opr_finfo.fn_oid == F_OIDEQ ||
				tce->eq_opr_finfo.fn_oid == F_DATE_EQ;
		k++;
	}

	r.pub.receiveSlot = snap_receive;
	r.pub.rStartup = snap_startup;
	r.pub.rShutdown = snap_noop;
	r.pub.rDestroy = snap_noop;
	r.pub.mydest = DestNone;
	r.apply = a;
	r.ki = &ki;
	r.arena = AllocSetContextCreate(CurrentMemoryContext, "dpq snapshot keys",
									ALLOCSET_DEFAULT_SIZES);
	/* sized for the current versions, unless they go to the dense array */
	if (nkeys == 1)
	{
		Oid			t = getBaseType(((SnapColumn *) find_column(cfg, linitial(cfg->key)))->type);

		if (t == INT2OID || t == INT4OID || t == INT8OID || t == DATEOID)
			r.int_key_type = t;
	}
	rows_estimate = Min(get_target_rows(cfg) * 1.1, PG_INT32_MAX / 4);
	r.table = snaph_create(CurrentMemoryContext,
						   OidIsValid(r.int_key_type) ? 1024 : Max(1024, (uint32) rows_estimate),
						   &ki);
	if (OidIsValid(r.int_key_type) && rows_estimate > 1024)
	{
		r.maxents = (int64) rows_estimate;
		r.ents = MemoryContextAllocHuge(r.arena, sizeof(SnapEntry) * r.maxents);
	}
	initStringInfo(&r.null_keys);
	initStringInfo(&r.dup_keys);
	initStringInfo(&r.null_u_keys);

	/* 1. the current versions */
	for (k = 0; k < nkeys; k++)
		r.key_atts[k] = k + 1;
	r.loading = true;
	initStringInfo(&sql);
	/* the stored row hash, or dpq_updated_at (compared as int64) */
	appendStringInfo(&sql,
					 "SELECT %s, dpq_valid_from, %s, %s FROM %s WHERE dpq_valid_to IS NULL",
					 key_list(cfg, NULL),
					 cfg->timestamp ? "dpq_updated_at" : "dpq_row_hash",
					 cfg->deletes == DELETES_NEW_RECORD ? "dpq_is_deleted" : "false",
					 cfg->target_sql);
	r.entry_bytes = entry_bytes;
	INSTR_TIME_SET_CURRENT(t_start);
	if (mostly_all_visible(cfg->target))
	{
		/*
		 * The current versions' index carries every column this query
		 * reads: when the visibility map (read now, not pg_class's count,
		 * which a run's own changes make stale) covers nearly all the
		 * table, an index-only scan reads a third of what a sequential scan
		 * reads, in key order; the planner's cost for reading a whole
		 * index does not see that.
		 */
		int			level = NewGUCNestLevel();

		dpq_pin_guc("enable_seqscan", "off");
		dpq_pin_guc("enable_bitmapscan", "off");
		run_into_receiver(sql.data, &r);
		AtEOXact_GUC(true, level);
	}
	else
		run_into_receiver(sql.data, &r);
	INSTR_TIME_SET_CURRENT(t_loaded);
	if (r.over)
	{
		/* the estimate was wrong: compare with a join instead */
		snaph_destroy(r.table);
		MemoryContextDelete(r.arena);
		return false;
	}
	snap_index_entries(&r);

	/* 2. the source, streamed past them */
	r.loading = false;
	k = 0;
	foreach(lc, cfg->key)
		r.key_atts[k++] = column_index(cfg, lfirst(lc)) + 1;
	r.changes = tuplestore_begin_heap(false, false, work_mem);
	resetStringInfo(&sql);
	appendStringInfo(&sql, "SELECT s0.*, %s FROM %s s0",
					 cfg->timestamp ? updated_at_expr(cfg, "s0") : row_hash_expr(cfg, "s0"),
					 cfg->source_sql);
	run_into_receiver(sql.data, &r);
	INSTR_TIME_SET_CURRENT(t_compared);
	{
		instr_time	a1 = t_loaded,
					a2 = t_compared;

		INSTR_TIME_SUBTRACT(a1, t_start);
		INSTR_TIME_SUBTRACT(a2, t_loaded);
		elog(DEBUG1, "dpq snapshot: current versions loaded in %.1f ms (%s), source compared in %.1f ms",
			 INSTR_TIME_GET_MILLISEC(a1), r.dense ? "dense" : "hash", INSTR_TIME_GET_MILLISEC(a2));
	}

	if (r.nnull > 0)
		null_key_error(cfg, r.nnull, r.null_keys.data);
	if (r.ndup > 0)
		duplicate_key_error(cfg, r.dup_keys.data);
	if (r.nnull_u > 0)
		null_updated_at_error(cfg, r.null_u_keys.data);

	/* 3. apply, in batches: new and changed keys, then deleted ones */
	n->unchanged = r.unchanged;
	slot = MakeSingleTupleTableSlot(r.change_desc, &TTSOpsMinimalTuple);
	chunk_cxt = AllocSetContextCreate(CurrentMemoryContext, "dpq snapshot chunk",
									  ALLOCSET_DEFAULT_SIZES);
	ci = list_head(r.change_info);
	while (ci != NULL)
	{
		SnapChange *chunk[SNAP_BATCH];
		HeapTuple	rows[SNAP_BATCH];
		int			nrows = 0;
		TimestampTz *last_to = NULL;
		bool	   *has_last_to = NULL;
		MemoryContext old = MemoryContextSwitchTo(chunk_cxt);
		int			i;

		for (; ci != NULL && nrows < SNAP_BATCH; ci = lnext(r.change_info, ci))
		{
			if (!tuplestore_gettupleslot(r.changes, true, false, slot))
				elog(ERROR, "snapshot changes ended early");
			chunk[nrows] = lfirst(ci);
			rows[nrows] = ExecCopySlotHeapTuple(slot);
			nrows++;
		}
		/* where the new keys' earlier versions ended (see needs_last_to) */
		if (needs_last_to(cfg))
		{
			Datum	  **keyvals = palloc(sizeof(Datum *) * nrows);
			int		   *which = palloc(sizeof(int) * nrows);
			int			nnew = 0;

			for (i = 0; i < nrows; i++)
				if (chunk[i]->action == ACTION_INSERT)
				{
					int			j = 0;

					heap_deform_tuple(rows[i], r.change_desc, values, nulls);
					keyvals[nnew] = palloc(sizeof(Datum) * nkeys);
					foreach(lc, cfg->key)
						keyvals[nnew][j++] = values[column_index(cfg, lfirst(lc))];
					which[nnew++] = i;
				}
			if (nnew > 0)
			{
				TimestampTz *ends;
				bool	   *found;

				ends = last_versions_end(a, keyvals, nnew, &found);
				last_to = palloc0(sizeof(TimestampTz) * nrows);
				has_last_to = palloc0(sizeof(bool) * nrows);
				for (i = 0; i < nnew; i++)
				{
					last_to[which[i]] = ends[i];
					has_last_to[which[i]] = found[i];
				}
			}
		}
		for (i = 0; i < nrows; i++)
		{
			SnapChange *c = chunk[i];
			Datum		extra;
			bool		extra_null;

			heap_deform_tuple(rows[i], r.change_desc, values, nulls);
			extra = heap_getattr(rows[i], a->ncols + 1, r.change_desc, &extra_null);
			for (k = 0; k < nkeys; k++)
				keys[k] = values[a->keycols[k]];
			add_change(a, n, c->action, keys, c->cur_from,
					   has_last_to ? has_last_to[i] : false,
					   last_to ? last_to[i] : 0,
					   cfg->timestamp ? DatumGetTimestampTz(extra) : 0,
					   cfg->timestamp ? 0 : DatumGetInt64(extra),
					   values, nulls);
		}
		flush_batch(a);
		MemoryContextSwitchTo(old);
		MemoryContextReset(chunk_cxt);
	}
	ExecDropSingleTupleTableSlot(slot);
	tuplestore_end(r.changes);

	if (cfg->deletes != DELETES_IGNORE)
	{
		int			nbatch = 0;

		int64		i;

		/* dense keys: the array (new keys are marked seen) */
		for (i = 0; i < r.nents; i++)
		{
			e = &r.ents[i];
			if (e->seen || e->del)
				continue;
			entry_keys(&e->key, nkeys, keys);
			add_change(a, n, ACTION_DELETE, keys, e->cur_from,
					   false, 0, 0, 0, NULL, NULL);
			if (++nbatch >= SNAP_BATCH)
			{
				flush_batch(a);
				nbatch = 0;
			}
		}
		snaph_start_iterate(r.table, &it);
		while ((e = snaph_iterate(r.table, &it)) != NULL)
		{
			if (e->seen || e->del)
				continue;
			entry_keys(&e->key, nkeys, keys);
			add_change(a, n, ACTION_DELETE, keys, e->cur_from,
					   false, 0, 0, 0, NULL, NULL);
			if (++nbatch >= SNAP_BATCH)
			{
				flush_batch(a);
				nbatch = 0;
			}
		}
		flush_batch(a);
	}
	snaph_destroy(r.table);
	MemoryContextDelete(r.arena);
	return true;
}

/* the target's row estimate */
static double
get_target_rows(SnapConfig *cfg)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(cfg->target));
	double		rows = 0;

	if (HeapTupleIsValid(tup))
	{
		rows = ((Form_pg_class) GETSTRUCT(tup))->reltuples;
		ReleaseSysCache(tup);
	}
	return rows > 0 ? rows : 0;
}

/* are at least 95% of the table's pages all-visible, by its visibility map? */
static bool
mostly_all_visible(Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);
	BlockNumber nblocks = RelationGetNumberOfBlocks(rel);
	BlockNumber all_visible = 0;
	BlockNumber all_frozen = 0;

	if (nblocks > 0)
		visibilitymap_count(rel, &all_visible, &all_frozen);
	table_close(rel, AccessShareLock);
	return nblocks > 0 && all_visible >= 0.95 * nblocks;
}

/* in memory when the current versions fit dpq.snapshot_work_mem */
static void
apply_diff(SnapConfig *cfg, SnapCounts *n)
{
	SnapApply	a = {0};
	double		per_key = sizeof(SnapEntry) * 1.5 + 16 * list_length(cfg->key) + 64;

	a.cfg = cfg;
	prepare_apply(&a);
	if (get_target_rows(cfg) * per_key > (double) dpq_snapshot_work_mem * 1024.0 ||
		!apply_diff_memory(&a, n, per_key))
	{
		check_keys(cfg, false);
		apply_diff_join(&a, n);
	}
}

/* ------------------------------------------------------------------------
 * A run
 * ------------------------------------------------------------------------
 */

/* rehash current versions when the compared columns changed */
static void
refresh_hashes(SnapConfig *cfg)
{
	ListCell   *lc;
	bool		only_added = true;

	if (cfg->timestamp || string_lists_equal(cfg->hash_columns, cfg->stored_hash_columns))
		return;
	/* NULLs add nothing to a hash: new columns (NULL in the table) change none */
	foreach(lc, cfg->stored_hash_columns)
		if (!list_has_string(cfg->hash_columns, lfirst(lc)))
			only_added = false;
	if (!cfg->first_run && !only_added)
		exec_as_caller(psprintf("UPDATE %s SET dpq_row_hash = %s WHERE dpq_valid_to IS NULL",
								cfg->target_sql, row_hash_expr(cfg, NULL)));
	save_hash_columns(cfg);
}

/*
 * The run's lineage: each source column into its column of the target,
 * the compared columns into dpq_row_hash (check) or updated_at into the
 * validity columns (timestamp), the key as the join that matches source
 * rows with current versions.
 */
static void
record_lineage(SnapConfig *cfg, SnapCounts *n)
{
	int			max = list_length(cfg->columns) * 2 + 4;
	AttrNumber *src = palloc(sizeof(AttrNumber) * max);
	AttrNumber *tgt = palloc(sizeof(AttrNumber) * max);
	int		   *sub = palloc(sizeof(int) * max);
	int			k = 0;
	AttrNumber	hash_att = get_attnum(cfg->target, "dpq_row_hash");
	AttrNumber	from_att = get_attnum(cfg->target, "dpq_valid_from");
	AttrNumber	upd_att = get_attnum(cfg->target, "dpq_updated_at");
	ListCell   *lc;

	foreach(lc, cfg->columns)
	{
		SnapColumn *c = lfirst(lc);
		AttrNumber	s = get_attnum(cfg->source, c->name);
		AttrNumber	t = get_attnum(cfg->target, c->name);

		if (s <= 0 || t <= 0)
			continue;
		src[k] = s, tgt[k] = t, sub[k++] = DPQ_LINEAGE_IDENTITY;
		if (c->is_key)
			src[k] = s, tgt[k] = 0, sub[k++] = DPQ_LINEAGE_JOIN;
		if (!cfg->timestamp && c->compared && hash_att > 0)
			src[k] = s, tgt[k] = hash_att, sub[k++] = DPQ_LINEAGE_TRANSFORMATION;
	}
	if (cfg->timestamp && cfg->updated_col)
	{
		AttrNumber	s = get_attnum(cfg->source, cfg->updated_col->name);

		/*
		 * dpq_valid_from is computed (never before the key's last version);
		 * dpq_updated_at is a timestamptz copied as it is, a timestamp or a
		 * date converted
		 */
		if (s > 0 && from_att > 0)
			src[k] = s, tgt[k] = from_att, sub[k++] = DPQ_LINEAGE_TRANSFORMATION;
		if (s > 0 && upd_att > 0)
			src[k] = s, tgt[k] = upd_att,
				sub[k++] = cfg->updated_type == TIMESTAMPTZOID ?
				DPQ_LINEAGE_IDENTITY : DPQ_LINEAGE_TRANSFORMATION;
	}
	dpq_lineage_record("SNAPSHOT", cfg->source, cfg->target, k, src, tgt, sub,
					   n->inserted + n->updated + n->deleted);
}

/* the run itself: create or evolve the target, load or apply the difference */
static void
run_steps(SnapConfig *cfg, SnapCounts *n)
{
	dpq_spi_connect();

	resolve_source(cfg);
	if (!OidIsValid(cfg->target))
	{
		cfg->first_run = true;
		create_target(cfg);
		save_config(cfg);
		copy_tags(cfg);
	}
	else
	{
		cfg->target_sql = dpq_relation_name(cfg->target);
		if (pg_class_aclcheck(cfg->target, GetUserId(), ACL_INSERT) != ACLCHECK_OK ||
			pg_class_aclcheck(cfg->target, GetUserId(), ACL_UPDATE) != ACLCHECK_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied for table %s", get_rel_name(cfg->target)),
					 errdetail("Running a snapshot needs INSERT and UPDATE on its table.")));
		/* runs on one target wait for each other */
		LockRelationOid(cfg->target, ShareRowExclusiveLock);
		evolve_target(cfg);
		copy_tags(cfg);
	}
	if (cfg->first_run)
	{
		check_keys(cfg, true);
		first_load(cfg, n);
	}
	refresh_hashes(cfg);
	if (!cfg->first_run)
		apply_diff(cfg, n);

	/* while the configuration (in SPI's memory) is still there */
	record_lineage(cfg, n);
	dpq_spi_finish();
}


static Datum
run_snapshot(FunctionCallInfo fcinfo, SnapConfig *cfg)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	Tuplestorestate *store;
	MemoryContext oldcxt;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	SnapCounts	n = {0};
	TimestampTz started = GetCurrentTimestamp();
	instr_time	t0,
				t1;
	int			nestlevel;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		(rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("dpq.snapshot must be called in a context that accepts a set")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	INSTR_TIME_SET_CURRENT(t0);
	nestlevel = NewGUCNestLevel();
	dpq_pin_guc("search_path", "pg_catalog, pg_temp");
	/* the statements below are dpq's: the run is recorded as one (below) */
	dpq_lineage_suppress(1);
	PG_TRY();
	{
		run_steps(cfg, &n);
	}
	PG_FINALLY();
	{
		dpq_lineage_suppress(-1);
	}
	PG_END_TRY();
	AtEOXact_GUC(true, nestlevel);
	INSTR_TIME_SET_CURRENT(t1);
	INSTR_TIME_SUBTRACT(t1, t0);
	log_run(cfg, started, INSTR_TIME_GET_MILLISEC(t1), &n);

	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	store = tuplestore_begin_heap(true, false, work_mem);
	tupdesc = CreateTupleDescCopy(tupdesc);
	MemoryContextSwitchTo(oldcxt);
	values[0] = Int64GetDatum(n.inserted);
	values[1] = Int64GetDatum(n.updated);
	values[2] = Int64GetDatum(n.deleted);
	values[3] = Int64GetDatum(n.unchanged);
	tuplestore_putvalues(store, tupdesc, values, nulls);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = tupdesc;
	return (Datum) 0;
}


/*
 * dpq.snapshot(source, target, unique_key, strategy, check_cols,
 *				updated_at, hard_deletes)
 */
Datum
dpq_snapshot(PG_FUNCTION_ARGS)
{
	SnapConfig	cfg = {0};
	SnapConfig	stored = {0};
	char	   *strategy;
	RangeVar   *rv;
	List	   *names;

	dpq_require_arg(fcinfo, 0, "source");
	dpq_require_arg(fcinfo, 1, "target");
	dpq_require_arg(fcinfo, 2, "unique_key");
	dpq_require_arg(fcinfo, 3, "strategy");
	dpq_require_arg(fcinfo, 6, "hard_deletes");

	cfg.source = PG_GETARG_OID(0);
	cfg.target_text = text_to_cstring(PG_GETARG_TEXT_PP(1));
	cfg.key = name_array_list(PG_GETARG_ARRAYTYPE_P(2), "unique_key");
	if (cfg.key == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unique_key must name at least one column")));
	if (list_length(cfg.key) > INDEX_MAX_KEYS - 1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("unique_key cannot have more than %d columns", INDEX_MAX_KEYS - 1)));
	strategy = text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (strcmp(strategy, "check") == 0)
		cfg.timestamp = false;
	else if (strcmp(strategy, "timestamp") == 0)
		cfg.timestamp = true;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("strategy must be 'check' or 'timestamp', not '%s'", strategy)));
	if (!PG_ARGISNULL(4))
	{
		cfg.check_cols = name_array_list(PG_GETARG_ARRAYTYPE_P(4), "check_cols");
		if (cfg.timestamp)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("check_cols applies to the check strategy only")));
		if (cfg.check_cols == NIL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("check_cols must name at least one column, or be NULL for all")));
	}
	if (!PG_ARGISNULL(5))
	{
		cfg.updated_at = pstrdup(NameStr(*PG_GETARG_NAME(5)));
		if (!cfg.timestamp)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("updated_at applies to the timestamp strategy only"),
					 errhint("Pass strategy => 'timestamp'.")));
	}
	else if (cfg.timestamp)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the timestamp strategy needs updated_at"),
				 errhint("Name the source column that says when a row last changed.")));
	cfg.deletes = parse_deletes(text_to_cstring(PG_GETARG_TEXT_PP(6)));

	if (cfg.target_text[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target must name a table")));
	names = stringToQualifiedNameList(cfg.target_text);
	rv = makeRangeVarFromNameList(names);
	cfg.target = RangeVarGetRelid(rv, NoLock, true);
	if (!OidIsValid(cfg.target))
	{
		/* where CREATE TABLE would put it, before search_path is pinned */
		cfg.target_nsp = RangeVarGetCreationNamespace(rv);
		if (isAnyTempNamespace(cfg.target_nsp))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("a snapshot table cannot be temporary"),
					 errdetail("Its history would go with the session.")));

		/*
		 * Two first calls for one name: the second waits for the first to
		 * end, then runs against what it created (or creates it, if the
		 * first rolled back).
		 */
		(void) DirectFunctionCall2(pg_advisory_xact_lock_int4,
								   Int32GetDatum((int32) cfg.target_nsp),
								   Int32GetDatum((int32) hash_bytes((const unsigned char *) rv->relname,
																	strlen(rv->relname))));
		AcceptInvalidationMessages();
		cfg.target = get_relname_relid(rv->relname, cfg.target_nsp);
	}
	if (OidIsValid(cfg.target))
	{
		if (!load_config(cfg.target, &stored))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_TABLE),
					 errmsg("relation \"%s\" exists and is not a dpq snapshot", cfg.target_text),
					 errhint("Choose another target name, or drop the table.")));
		check_same_config(&cfg, &stored, cfg.target_text);
		cfg.stored_hash_columns = stored.stored_hash_columns;
	}
	else
	{
		cfg.target_relname = rv->relname;
		cfg.target_sql = quote_qualified_identifier(get_namespace_name(cfg.target_nsp),
													rv->relname);
	}
	return run_snapshot(fcinfo, &cfg);
}

/* dpq.snapshot(target): run again with the stored configuration */
Datum
dpq_snapshot_rerun(PG_FUNCTION_ARGS)
{
	SnapConfig	cfg = {0};
	Oid			target;

	dpq_require_arg(fcinfo, 0, "target");
	target = PG_GETARG_OID(0);
	if (get_rel_relkind(target) == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", target)));
	if (!load_config(target, &cfg))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a dpq snapshot", get_rel_name(target)),
				 errhint("Create it with dpq.snapshot(source, target, unique_key, ...).")));
	cfg.target = target;
	return run_snapshot(fcinfo, &cfg);
}

/* ------------------------------------------------------------------------
 * dpq._row_hash(names text[], VARIADIC "any") -> bigint
 *
 * Sum over the non-NULL arguments of mix(salt(name) ^ hash(value)): the
 * order of columns does not matter, and a NULL adds nothing (so a new
 * column that is NULL in every row changes no hash).  Values are hashed by
 * their type's extended hash function with their column's collation, so
 * values equal for the type's equality hash alike, as dbt's != compares
 * them; types without one by their binary (send) form.
 * ------------------------------------------------------------------------
 */
typedef struct RowHashArg
{
	uint64		salt;
	Oid			type;
	Oid			collation;
	int16		typlen;
	bool		typbyval;
	bool		fast_bytes;		/* hash the Datum (by-value types) */
	bool		text_bytes;		/* hash the text's bytes */
	bool		use_output;		/* hash the send function's bytes */
	FmgrInfo	hash;
	FmgrInfo	output;
} RowHashArg;

typedef struct RowHashCache
{
	int			nargs;
	RowHashArg	args[FLEXIBLE_ARRAY_MEMBER];
} RowHashCache;

static inline uint64
mix64(uint64 h)
{
	/* the murmur3 finaliser */
	h ^= h >> 33;
	h *= UINT64CONST(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64CONST(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

static RowHashCache *
row_hash_cache(FunctionCallInfo fcinfo)
{
	RowHashCache *cache = fcinfo->flinfo->fn_extra;
	int			nargs = PG_NARGS() - 1;
	ArrayType  *names;
	Datum	   *elems;
	bool	   *enulls;
	int			nelems;
	int			i;
	List	   *exprs = NIL;

	if (cache != NULL)
		return cache;
	if (get_fn_expr_variadic(fcinfo->flinfo))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("dpq._row_hash does not take a VARIADIC array")));
	names = PG_GETARG_ARRAYTYPE_P(0);
	deconstruct_array(names, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &nelems);
	if (nelems != nargs)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dpq._row_hash needs one name per value")));
	if (fcinfo->flinfo->fn_expr && IsA(fcinfo->flinfo->fn_expr, FuncExpr))
		exprs = ((FuncExpr *) fcinfo->flinfo->fn_expr)->args;

	cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
								   offsetof(RowHashCache, args) + sizeof(RowHashArg) * Max(nargs, 1));
	cache->nargs = nargs;
	for (i = 0; i < nargs; i++)
	{
		RowHashArg *a = &cache->args[i];
		text	   *name = DatumGetTextPP(elems[i]);
		TypeCacheEntry *tce;
		Oid			base;

		a->salt = mix64(hash_bytes_extended((const unsigned char *) VARDATA_ANY(name),
											VARSIZE_ANY_EXHDR(name), 0x5eed));
		a->type = get_fn_expr_argtype(fcinfo->flinfo, i + 1);
		if (!OidIsValid(a->type))
			elog(ERROR, "could not determine the type of argument %d", i + 1);
		a->collation = exprs && list_length(exprs) > i + 1 ?
			exprCollation(list_nth(exprs, i + 1)) : InvalidOid;
		base = getBaseType(a->type);
		get_typlenbyval(base, &a->typlen, &a->typbyval);
		/* by-value fixed-size types: their bytes are the value */
		if (a->typbyval && base != FLOAT4OID && base != FLOAT8OID)
		{
			a->fast_bytes = true;
			continue;
		}

		/*
		 * text and varchar under a deterministic collation: what
		 * hashtextextended computes (a hash of the bytes), without the call
		 * and the collation lookup per value
		 */
		if ((base == TEXTOID || base == VARCHAROID) && OidIsValid(a->collation) &&
			get_collation_isdeterministic(a->collation))
		{
			a->text_bytes = true;
			continue;
		}
		tce = lookup_type_cache(base, TYPECACHE_HASH_EXTENDED_PROC_FINFO);
		if (OidIsValid(tce->hash_extended_proc))
			fmgr_info_copy(&a->hash, &tce->hash_extended_proc_finfo, fcinfo->flinfo->fn_mcxt);
		else
		{
			/*
			 * No hash function (point, json, composites of such): the binary
			 * form, which no session setting changes (the text form would
			 * depend on extra_float_digits, TimeZone, DateStyle...)
			 */
			Oid			sendfn;
			bool		varlena;

			a->use_output = true;
			getTypeBinaryOutputInfo(a->type, &sendfn, &varlena);
			fmgr_info_cxt(sendfn, &a->output, fcinfo->flinfo->fn_mcxt);
		}
	}
	fcinfo->flinfo->fn_extra = cache;
	return cache;
}

Datum
dpq_row_hash(PG_FUNCTION_ARGS)
{
	RowHashCache *cache;
	uint64		sum = 0;
	int			i;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("dpq._row_hash needs the column names")));
	cache = row_hash_cache(fcinfo);
	for (i = 0; i < cache->nargs; i++)
	{
		RowHashArg *a = &cache->args[i];
		Datum		v;
		uint64		h;

		if (PG_ARGISNULL(i + 1))
			continue;
		v = PG_GETARG_DATUM(i + 1);
		if (a->fast_bytes)
			h = mix64((uint64) v ^ UINT64CONST(0x9e3779b97f4a7c15));
		else if (a->text_bytes)
		{
			text	   *t = DatumGetTextPP(v);

			h = hash_bytes_extended((const unsigned char *) VARDATA_ANY(t),
									VARSIZE_ANY_EXHDR(t), 0);
			if ((Pointer) t != DatumGetPointer(v))
				pfree(t);
		}
		else if (a->use_output)
		{
			bytea	   *b = SendFunctionCall(&a->output, v);

			h = hash_bytes_extended((const unsigned char *) VARDATA(b),
									VARSIZE(b) - VARHDRSZ, 0);
		}
		else
			h = DatumGetUInt64(FunctionCall2Coll(&a->hash, a->collation, v,
												 Int64GetDatum(0)));
		sum += mix64(h ^ a->salt);
	}
	PG_RETURN_INT64((int64) sum);
}

/*
 * dpq._snapshot_keep(changed bool, in_source bool) -> bool: changed, and
 * counts the rows of the source that are not (internal, for the difference
 * query's filter).
 */
Datum
dpq_snapshot_keep(PG_FUNCTION_ARGS)
{
	bool		changed = !PG_ARGISNULL(0) && PG_GETARG_BOOL(0);

	if (!changed && !PG_ARGISNULL(1) && PG_GETARG_BOOL(1))
		unchanged_rows++;
	PG_RETURN_BOOL(changed);
}
