/*-------------------------------------------------------------------------
 *
 * rules.c
 *	  PII tags, masking rules and masked roles: declaring them, logging every
 *	  change, and the backend-local cache the enforcement reads.
 *
 * Only superusers and members of dpq_admin change rules, and never while
 * masked themselves.  A rule is an SQL expression over the column, analysed
 * against the table when it is declared: it may use the table's columns and
 * only functions that cannot become a way to run someone's code with the
 * privileges of whoever reads the table (built-in functions that are not
 * volatile, and dpq's own mask functions).
 *
 * The cache holds, per relation, whether reading it must be masked (tags of
 * its own, or inherited from a parent: partitions and inheritance children
 * are masked as their parent is) and the analysed mask expressions; and
 * whether the current identity is masked.  It is dropped on relcache
 * invalidation of dpq's tables (which dpq's functions send when they change
 * a rule) or of the relation, and on role membership changes.
 *
 * IDENTIFICATION
 *	  src/masking/rules.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_func.h"
#include "rewrite/rewriteSupport.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/regproc.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "rewrite/prs2lock.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "dpq.h"
#include "masking.h"
#include "quality.h"

PG_FUNCTION_INFO_V1(dpq_tag_pii);
PG_FUNCTION_INFO_V1(dpq_untag_pii);
PG_FUNCTION_INFO_V1(dpq_mask_role);
PG_FUNCTION_INFO_V1(dpq_unmask_role);
PG_FUNCTION_INFO_V1(dpq_is_masked);

static const char *const categories[] = {
	"email", "phone", "name", "address", "ssn", "card", "iban", "ip",
	"birthdate", "financial", "health", "free_text", "other"
};

/* ------------------------------------------------------------------------
 * The cache
 * ------------------------------------------------------------------------
 */
typedef struct TagEntry
{
	Oid			relid;
	AttrNumber	attnum;
	char	   *column_name;
	char	   *mask_sql;
} TagEntry;

typedef struct MaskRelEntry
{
	Oid			relid;			/* hash key */
	bool		masked;			/* reading it must be masked */
	bool		derived;		/* a materialized view over masked data */
	bool		exprs_built;
	int			natts;
	Node	  **exprs;			/* per attnum - 1: mask or NULL */
} MaskRelEntry;

static MemoryContext cache_cxt = NULL;
static HTAB *rel_cache = NULL;
/* the last entry found: the planner and the executor check probe it twice */
static Oid	last_relid = InvalidOid;
static struct MaskRelEntry *last_entry = NULL;
static bool tags_loaded = false;
static List *all_tags = NIL;	/* TagEntry, every tagged column */
static List *masked_roles = NIL;	/* role OIDs */
static Oid	tags_relid = InvalidOid;
static Oid	roles_relid = InvalidOid;
static bool ext_checked = false;
static bool ext_present = false;
static Oid	guard_oid = InvalidOid;	/* dpq._guard, cached with the rest */

/* whether the identity is masked, for the (user, session user) pair */
static bool role_cached = false;
static Oid	role_cache_user = InvalidOid;
static Oid	role_cache_outer = InvalidOid;
static Oid	role_cache_session = InvalidOid;
static bool role_cache_masked = false;
static int	last_masked_state = -1;	/* -1 unknown, else 0 / 1 */
static int	masked_code_depth = 0;	/* functions owned by masked roles running */

/*
 * Invalidation can arrive while the cache is being built or read (opening
 * a relation accepts invalidation messages), so it never frees memory in
 * use: the whole cache moves to a retired context, freed at the end of the
 * transaction, and a fresh one is started.
 */
static MemoryContext retired_cxt = NULL;

static void
retire_cache(void)
{
	if (cache_cxt)
		MemoryContextSetParent(cache_cxt, retired_cxt);
	cache_cxt = AllocSetContextCreate(TopMemoryContext, "dpq masking rules",
									  ALLOCSET_SMALL_SIZES);
	rel_cache = NULL;
	last_relid = InvalidOid;
	last_entry = NULL;
	tags_loaded = false;
	all_tags = NIL;
	masked_roles = NIL;
	ext_checked = false;
	role_cached = false;
	guard_oid = InvalidOid;
}

static void
relcache_callback(Datum arg, Oid relid)
{
	/* "not installed" holds until some relation changes (CREATE EXTENSION) */
	if (!ext_present)
		ext_checked = false;
	if (!OidIsValid(relid) || relid == tags_relid || relid == roles_relid ||
		(rel_cache && hash_search(rel_cache, &relid, HASH_FIND, NULL)))
		retire_cache();
}

static void
role_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	role_cached = false;
}

static void
xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT ||
		event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE)
	{
		MemoryContextReset(retired_cxt);
		masked_code_depth = 0;
	}
}

void
dpq_masking_rules_init(void)
{
	retired_cxt = AllocSetContextCreate(TopMemoryContext, "dpq retired masking rules",
										ALLOCSET_SMALL_SIZES);
	retire_cache();
	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, role_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHOID, role_callback, (Datum) 0);
	RegisterXactCallback(xact_callback, NULL);
}

/* is dpq installed in this database?  (cached; reset with the cache) */
static bool
extension_present(void)
{
	if (!ext_checked)
	{
		Oid			nsp = get_namespace_oid(DPQ_SCHEMA, true);

		tags_relid = OidIsValid(nsp) ? get_relname_relid("pii_tags", nsp) : InvalidOid;
		roles_relid = OidIsValid(nsp) ? get_relname_relid("masked_role_list", nsp) : InvalidOid;
		ext_present = OidIsValid(tags_relid) && OidIsValid(roles_relid);
		ext_checked = true;
	}
	return ext_present;
}

/* read dpq's tag and role tables directly (no SPI: we are in the planner) */
static void
load_tags(void)
{
	MemoryContext old;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	Snapshot	snap;

	if (tags_loaded || !extension_present())
		return;
	old = MemoryContextSwitchTo(cache_cxt);
	all_tags = NIL;
	masked_roles = NIL;
	/*
	 * dpq's tables are ordinary tables: read their latest committed state
	 * (in parallel mode, which cannot take one, the transaction's snapshot)
	 */
	snap = RegisterSnapshot(IsInParallelMode() ? GetTransactionSnapshot()
							: GetLatestSnapshot());

	rel = table_open(tags_relid, AccessShareLock);
	scan = table_beginscan(rel, snap, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		TupleDesc	desc = RelationGetDescr(rel);
		TagEntry   *t = palloc0(sizeof(TagEntry));
		bool		isnull;

		/* relid, rel_name, attnum, column_name, category, mask, mask_sql */
		t->relid = DatumGetObjectId(heap_getattr(tup, 1, desc, &isnull));
		t->attnum = DatumGetInt16(heap_getattr(tup, 3, desc, &isnull));
		t->column_name = pstrdup(NameStr(*DatumGetName(heap_getattr(tup, 4, desc, &isnull))));
		t->mask_sql = TextDatumGetCString(heap_getattr(tup, 7, desc, &isnull));
		all_tags = lappend(all_tags, t);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);

	rel = table_open(roles_relid, AccessShareLock);
	scan = table_beginscan(rel, snap, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool		isnull;

		masked_roles = lappend_oid(masked_roles,
								   DatumGetObjectId(heap_getattr(tup, 1,
																 RelationGetDescr(rel),
																 &isnull)));
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	UnregisterSnapshot(snap);

	tags_loaded = true;
	MemoryContextSwitchTo(old);
}

/* parents of relid (partition parent or inheritance parents) */
static List *
parents_of(Oid relid)
{
	List	   *parents = NIL;
	Relation	inh = table_open(InheritsRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	ScanKeyInit(&key, Anum_pg_inherits_inhrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(inh, InheritsRelidSeqnoIndexId, true,
							  NULL, 1, &key);
	while ((tup = systable_getnext(scan)) != NULL)
		parents = lappend_oid(parents,
							  ((Form_pg_inherits) GETSTRUCT(tup))->inhparent);
	systable_endscan(scan);
	table_close(inh, AccessShareLock);
	return parents;
}

static bool
has_tag_for_column(List *tags, const char *column)
{
	ListCell   *lc;

	foreach(lc, tags)
		if (strcmp(((TagEntry *) lfirst(lc))->column_name, column) == 0)
			return true;
	return false;
}

/*
 * The tags that apply to relid: its own, and every ancestor's (partitions
 * and inheritance children are masked as their parents are), matched by
 * column name; a relation's own tag wins over an ancestor's for a column.
 * *from is relid when it has tags of its own, else the first ancestor.
 */
static List *
tags_for(Oid relid, Oid *from)
{
	List	   *result = NIL;
	ListCell   *lc;
	List	   *parents;

	check_stack_depth();
	foreach(lc, all_tags)
	{
		TagEntry   *t = lfirst(lc);

		if (t->relid == relid)
			result = lappend(result, t);
	}
	*from = relid;
	parents = parents_of(relid);
	foreach(lc, parents)
	{
		Oid			pfrom;
		List	   *p = tags_for(lfirst_oid(lc), &pfrom);
		ListCell   *lc2;

		if (p != NIL && result == NIL)
			*from = pfrom;
		foreach(lc2, p)
		{
			TagEntry   *t = lfirst(lc2);

			if (!has_tag_for_column(result, t->column_name))
				result = lappend(result, t);
		}
	}
	return result;
}

/*
 * Does a stored query (a view's or a materialized view's) read masked data?
 * Through views and other materialized views, transitively.  A function
 * that is not built in may read anything: the answer is then yes (fail
 * closed).
 */
static bool stored_query_reads_masked(Oid relid, int depth);

typedef struct DerivedContext
{
	Oid			self;			/* the view: its rule's OLD/NEW entries */
	int			depth;
	bool		found;
} DerivedContext;

static bool
user_function(Oid funcid, void *context)
{
	return funcid >= FirstNormalObjectId;
}

static bool
derived_walker(Node *node, DerivedContext *ctx)
{
	if (node == NULL || ctx->found)
		return ctx->found;
	if (IsA(node, Query))
	{
		Query	   *q = (Query *) node;
		ListCell   *lc;

		foreach(lc, q->rtable)
		{
			RangeTblEntry *rte = lfirst(lc);

			if (rte->rtekind != RTE_RELATION || rte->relid == ctx->self)
				continue;
			if (dpq_relation_has_masks(rte->relid) ||
				((rte->relkind == RELKIND_VIEW || rte->relkind == RELKIND_MATVIEW) &&
				 stored_query_reads_masked(rte->relid, ctx->depth + 1)))
			{
				ctx->found = true;
				return true;
			}
		}
		return query_tree_walker(q, derived_walker, ctx, 0);
	}
	if (check_functions_in_node(node, user_function, NULL))
	{
		ctx->found = true;
		return true;
	}
	return expression_tree_walker(node, derived_walker, ctx);
}

static bool
stored_query_reads_masked(Oid relid, int depth)
{
	Relation	rel;
	DerivedContext ctx = {relid, depth, false};
	int			i;

	check_stack_depth();
	if (depth > 32)
		return true;			/* absurdly deep: fail closed */
	rel = relation_open(relid, AccessShareLock);
	if (rel->rd_rules)
		for (i = 0; i < rel->rd_rules->numLocks && !ctx.found; i++)
		{
			RewriteRule *rule = rel->rd_rules->rules[i];
			ListCell   *lc;

			if (rule->event != CMD_SELECT)
				continue;
			foreach(lc, rule->actions)
				(void) derived_walker(lfirst(lc), &ctx);
		}
	relation_close(rel, AccessShareLock);
	return ctx.found;
}

static bool
matview_over_masked(Oid relid)
{
	return stored_query_reads_masked(relid, 0);
}

static MaskRelEntry *
rel_entry(Oid relid)
{
	MaskRelEntry *e;
	bool		found;
	Oid			from;
	char		relkind;

	if (rel_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(MaskRelEntry);
		ctl.hcxt = cache_cxt;
		rel_cache = hash_create("dpq masked relations", 64, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	if (relid == last_relid && last_entry != NULL)
		return last_entry;
	e = hash_search(rel_cache, &relid, HASH_FIND, NULL);
	if (e)
	{
		/* dynahash entries do not move; the cache is retired, never pruned */
		last_relid = relid;
		last_entry = e;
		return e;
	}

	load_tags();
	relkind = get_rel_relkind(relid);
	/* compute before inserting: matview_over_masked recurses */
	{
		bool		masked = false;
		bool		derived = false;

		if (relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE ||
			relkind == RELKIND_FOREIGN_TABLE || relkind == RELKIND_MATVIEW)
			masked = tags_for(relid, &from) != NIL;
		/*
		 * A materialized view owned by a masked role holds masked data: it
		 * is created and refreshed with its owner's identity.
		 */
		if (!masked && relkind == RELKIND_MATVIEW)
		{
			HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
			Oid			owner = InvalidOid;

			if (HeapTupleIsValid(tup))
			{
				owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
				ReleaseSysCache(tup);
			}
			derived = !dpq_role_oid_is_masked(owner) && matview_over_masked(relid);
		}
		e = hash_search(rel_cache, &relid, HASH_ENTER, &found);
		memset(((char *) e) + sizeof(Oid), 0, sizeof(MaskRelEntry) - sizeof(Oid));
		e->masked = masked;
		e->derived = derived;
	}
	return e;
}

bool
dpq_masking_active(void)
{
	return IsTransactionState() && extension_present();
}

bool
dpq_relation_has_masks(Oid relid)
{
	MaskRelEntry *e;

	if (!dpq_masking_active())
		return false;
	e = rel_entry(relid);
	return e->masked;
}

bool
dpq_relation_is_derived(Oid relid)
{
	if (!dpq_masking_active())
		return false;
	return rel_entry(relid)->derived;
}

/*
 * The current user, the outer user (SET ROLE; unchanged inside SECURITY
 * DEFINER functions) or the session user is, or is a member of, a masked
 * role.
 */
bool
dpq_role_is_masked(void)
{
	Oid			user = GetUserId();
	Oid			outer = GetOuterUserId();
	Oid			session = GetSessionUserId();
	ListCell   *lc;
	bool		masked = false;

	if (!dpq_masking_active())
		return false;
	/* inside a function owned by a masked role (see rewrite.c) */
	if (masked_code_depth > 0)
		masked = true;
	else if (role_cached && role_cache_user == user &&
			 role_cache_outer == outer && role_cache_session == session)
		masked = role_cache_masked;
	else
	{
		load_tags();
		foreach(lc, masked_roles)
		{
			Oid			role = lfirst_oid(lc);

			if (is_member_of_role_nosuper(user, role) ||
				is_member_of_role_nosuper(outer, role) ||
				is_member_of_role_nosuper(session, role))
			{
				masked = true;
				break;
			}
		}
		role_cached = true;
		role_cache_user = user;
		role_cache_outer = outer;
		role_cache_session = session;
		role_cache_masked = masked;
	}

	/*
	 * Cached plans are role-dependent only on the current user, which stays
	 * the owner inside SECURITY DEFINER functions: when the identity's
	 * masked state flips, plan everything again.  (A stale unmasked plan
	 * run by a masked identity is refused by the executor check anyway.)
	 */
	if (last_masked_state >= 0 && last_masked_state != (int) masked)
		ResetPlanCache();
	last_masked_state = masked;
	return masked;
}

/* entering (+1) / leaving (-1) code owned by a masked role */
void
dpq_masked_code_depth(int delta)
{
	masked_code_depth += delta;
	if (masked_code_depth < 0)
		masked_code_depth = 0;
}


/* is this role (or a role it is a member of) masked? */
bool
dpq_role_oid_is_masked(Oid role)
{
	ListCell   *lc;

	if (!OidIsValid(role) || !dpq_masking_active())
		return false;
	load_tags();
	foreach(lc, masked_roles)
		if (is_member_of_role_nosuper(role, lfirst_oid(lc)))
			return true;
	return false;
}

/*
 * The analysed mask of each column of relid (NULL for columns without one),
 * as expressions over Var(1, attnum): built once per relation.  Raises an
 * error when a rule cannot be analysed any more (fail closed).
 */
static bool use_internal_keyed(Node *node, void *context);

Node	  **
dpq_relation_masks(Oid relid, int *natts)
{
	MaskRelEntry *e = rel_entry(relid);
	Relation	rel;
	List	   *tags;
	ListCell   *lc;
	Oid			from;
	MemoryContext old;
	Node	  **exprs;
	TupleDesc	desc;

	if (e->exprs_built)
	{
		*natts = e->natts;
		return e->exprs;
	}
	rel = relation_open(relid, AccessShareLock);
	desc = RelationGetDescr(rel);
	tags = tags_for(relid, &from);

	old = MemoryContextSwitchTo(cache_cxt);
	exprs = palloc0(sizeof(Node *) * Max(desc->natts, 1));
	foreach(lc, tags)
	{
		TagEntry   *t = lfirst(lc);
		AttrNumber	attnum;
		Node	   *expr;
		Form_pg_attribute att;

		/* the column by name: the rule's own table or an inheriting one */
		attnum = get_attnum(relid, t->column_name);
		if (attnum == InvalidAttrNumber && t->relid == relid)
			attnum = t->attnum;
		if (attnum <= 0 || attnum > desc->natts ||
			TupleDescAttr(desc, attnum - 1)->attisdropped)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("masking rule for column \"%s\" of relation \"%s\" cannot be applied",
							t->column_name, RelationGetRelationName(rel)),
					 errdetail("The column does not exist in \"%s\".",
							   RelationGetRelationName(rel))));
		att = TupleDescAttr(desc, attnum - 1);

		/*
		 * Analysed with search_path pinned: the reader's own operators or
		 * functions must not capture the rule (the text names everything
		 * outside pg_catalog with its schema).
		 */
		{
			int			nestlevel = NewGUCNestLevel();

			dpq_pin_guc("search_path", "pg_catalog, pg_temp");
			expr = dpq_transform_expr(rel, t->mask_sql, "masking rule");
			AtEOXact_GUC(false, nestlevel);
		}
		(void) use_internal_keyed((Node *) expr, NULL);
		expr = coerce_to_target_type(NULL, expr, exprType(expr),
									 att->atttypid, att->atttypmod,
									 COERCION_EXPLICIT, COERCE_EXPLICIT_CAST, -1);
		if (expr == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("masking rule for column \"%s\" of relation \"%s\" does not return type %s",
							t->column_name, RelationGetRelationName(rel),
							format_type_be(att->atttypid))));
		exprs[attnum - 1] = expr;
	}
	MemoryContextSwitchTo(old);
	relation_close(rel, AccessShareLock);

	/* the entry may have been dropped by an invalidation meanwhile */
	e = rel_entry(relid);
	e->exprs = exprs;
	e->natts = desc->natts;
	e->exprs_built = true;
	*natts = e->natts;
	return e->exprs;
}

/*
 * In a rule, call dpq._mask_hash / dpq._mask_noise instead of the public
 * functions, which refuse masked identities (keyed.c).
 */
static bool
use_internal_keyed(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncExpr))
	{
		FuncExpr   *f = (FuncExpr *) node;
		char	   *name = get_func_name(f->funcid);

		if (name && get_func_namespace(f->funcid) == dpq_schema_oid() &&
			(strcmp(name, "mask_hash") == 0 || strcmp(name, "mask_noise") == 0))
		{
			List	   *iname = list_make2(makeString(DPQ_SCHEMA),
										   makeString(psprintf("_%s", name)));
			Oid			argtypes[FUNC_MAX_ARGS];
			int			nargs = 0;
			ListCell   *lc;
			Oid			internal;

			foreach(lc, f->args)
				argtypes[nargs++] = exprType(lfirst(lc));
			internal = LookupFuncName(iname, nargs, argtypes, true);
			if (!OidIsValid(internal))
				elog(ERROR, "internal keyed mask dpq._%s is missing", name);
			f->funcid = internal;
			f->location = DPQ_RULE_LOCATION;	/* see keyed.c */
		}
	}
	return expression_tree_walker(node, use_internal_keyed, context);
}

/* is this a column with a mask?  (for statistics views) */
bool
dpq_column_is_masked(Oid relid, AttrNumber attnum)
{
	int			natts;
	Node	  **exprs;

	if (!dpq_relation_has_masks(relid))
		return dpq_relation_is_derived(relid);
	exprs = dpq_relation_masks(relid, &natts);
	return attnum > 0 && attnum <= natts && exprs[attnum - 1] != NULL;
}

/* ------------------------------------------------------------------------
 * Declaring rules
 * ------------------------------------------------------------------------
 */

/* superusers and dpq_admin members, and never a masked identity */
static void
require_rule_admin(const char *what)
{
	if (dpq_role_is_masked())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to %s", what),
				 errdetail("The current or session role is masked."),
				 errhint("Masked roles cannot change masking rules.")));
	if (!dpq_is_admin(GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to %s", what),
				 errhint("Only superusers and members of dpq_admin can change masking rules.")));
}

/*
 * Built-in functions that run SQL given by name or text (so any user code):
 * query_to_xml, table_to_xml, cursor_to_xml, schema_/database_to_xml and
 * their *_xmlschema variants, ts_stat.
 */
static bool
runs_sql(const char *name)
{
	size_t		len = strlen(name);

	return strstr(name, "_to_xml") != NULL ||
		(len >= 9 && strcmp(name + len - 9, "xmlschema") == 0) ||
		strcmp(name, "ts_stat") == 0;
}

/* a function a rule may call: built in and not volatile, or dpq's mask_* */
static bool
unsafe_function(Oid funcid, void *context)
{
	HeapTuple	tup;
	Form_pg_proc proc;
	bool		unsafe;

	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	if (!HeapTupleIsValid(tup))
		return true;
	proc = (Form_pg_proc) GETSTRUCT(tup);
	if (proc->pronamespace == dpq_schema_oid())
		unsafe = strncmp(NameStr(proc->proname), "mask_", 5) != 0;
	else
		unsafe = funcid >= FirstNormalObjectId ||
			proc->provolatile == PROVOLATILE_VOLATILE ||
			runs_sql(NameStr(proc->proname));
	if (unsafe)
		*(Oid *) context = funcid;
	ReleaseSysCache(tup);
	return unsafe;
}

/* check every node of an expression, not only its top */
static bool
unsafe_walker(Node *node, Oid *bad)
{
	if (node == NULL)
		return false;
	if (check_functions_in_node(node, unsafe_function, bad))
		return true;
	/* a user domain's CHECK constraints may call anything */
	if (IsA(node, CoerceToDomain) &&
		get_typ_typrelid(((CoerceToDomain *) node)->resulttype) == InvalidOid &&
		((CoerceToDomain *) node)->resulttype >= FirstNormalObjectId)
	{
		*bad = InvalidOid;
		return true;
	}
	return expression_tree_walker(node, unsafe_walker, bad);
}

bool
dpq_rule_is_unsafe(Node *expr, Oid *bad)
{
	return unsafe_walker(expr, bad);
}

/* default rule of a category for a column of this type */
static char *
default_mask(const char *category, Form_pg_attribute att)
{
	Oid			type = getBaseType(att->atttypid);
	const char *col = quote_identifier(NameStr(att->attname));
	bool		texty = TypeCategory(type) == TYPCATEGORY_STRING;

	if (texty)
	{
		if (strcmp(category, "email") == 0)
			return psprintf("dpq.mask_email(%s)", col);
		if (strcmp(category, "phone") == 0)
			return psprintf("dpq.mask_phone(%s)", col);
		if (strcmp(category, "card") == 0)
			return psprintf("dpq.mask_card(%s)", col);
		if (strcmp(category, "name") == 0)
			return psprintf("dpq.mask_partial(%s, 1, 0)", col);
		if (strcmp(category, "ssn") == 0)
			return psprintf("dpq.mask_partial(%s, 0, 4)", col);
		if (strcmp(category, "iban") == 0)
			return psprintf("dpq.mask_partial(%s, 2, 4)", col);
		if (strcmp(category, "address") == 0 || strcmp(category, "ip") == 0)
			return psprintf("dpq.mask_partial(%s, 0, 0)", col);
	}
	if (strcmp(category, "ip") == 0 && (type == INETOID || type == CIDROID))
		return psprintf("dpq.mask_ip(%s)", col);
	if (strcmp(category, "birthdate") == 0 &&
		(type == DATEOID || type == TIMESTAMPOID || type == TIMESTAMPTZOID))
		return psprintf("dpq.mask_date(%s, 'year')", col);
	if (strcmp(category, "financial") == 0 &&
		(type == NUMERICOID || type == INT4OID || type == INT8OID || type == FLOAT8OID))
		return psprintf("dpq.mask_noise(%s, 0.1)", col);
	return psprintf("dpq.mask_redact(%s)", col);
}

/*
 * Analyse a rule against the table: it parses, uses this table's columns
 * and safe functions only, and returns the column's type (or one that
 * casts to it).  Returns the deparsed rule.
 */
static char *
validate_mask(Relation rel, Form_pg_attribute att, const char *mask)
{
	int			nestlevel;
	Node	   *expr;
	Oid			bad = InvalidOid;
	Oid			type;
	char	   *result;

	/* analysed with dpq's functions visible as "dpq.", whatever the path */
	expr = dpq_transform_expr(rel, mask, "mask");
	if (unsafe_walker(expr, &bad))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 OidIsValid(bad) ?
				 errmsg("mask for column \"%s\" calls function %s, which a masking rule may not use",
						NameStr(att->attname), format_procedure(bad)) :
				 errmsg("mask for column \"%s\" casts to a user-defined domain, which a masking rule may not use",
						NameStr(att->attname)),
				 errdetail("A rule runs with the privileges of whoever reads the table: it may call dpq's mask functions and built-in functions that are not volatile."),
				 errhint("Use dpq.mask_* functions, or built-in operators and functions.")));
	type = exprType(expr);
	if (!can_coerce_type(1, &type, &att->atttypid, COERCION_ASSIGNMENT))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("mask for column \"%s\" returns type %s, which does not cast to the column's type %s",
						NameStr(att->attname), format_type_be(type),
						format_type_be(att->atttypid))));
	nestlevel = NewGUCNestLevel();
	dpq_pin_guc("search_path", "pg_catalog, pg_temp");
	result = dpq_deparse_where(rel, expr);
	AtEOXact_GUC(false, nestlevel);
	return result;
}

/* append to the policy log (call as the catalog owner; caller = who acted) */
static void
log_change(const char *action, const char *object, const char *old_json,
		   const char *new_json, Oid caller)
{
	Oid			types[5] = {NAMEOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	NameData	who;

	namestrcpy(&who, GetUserNameFromId(caller, false));
	values[0] = NameGetDatum(&who);
	values[1] = CStringGetTextDatum(action);
	values[2] = CStringGetTextDatum(object);
	values[3] = old_json ? CStringGetTextDatum(old_json) : (Datum) 0;
	nulls[3] = old_json ? ' ' : 'n';
	values[4] = new_json ? CStringGetTextDatum(new_json) : (Datum) 0;
	nulls[4] = new_json ? ' ' : 'n';
	dpq_spi_exec("INSERT INTO dpq.policy_changes (changed_by, action, object,"
				 " old_value, new_value)"
				 " VALUES ($1, $2, $3, $4::pg_catalog.jsonb, $5::pg_catalog.jsonb)",
				 5, types, values, nulls, false, 0);
}

static char *
rule_json(const char *category, const char *mask)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"category\":");
	escape_json(&buf, category);
	appendStringInfoString(&buf, ",\"mask\":");
	escape_json(&buf, mask);
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/*
 * The fail-closed guard (see _guard in masking.sql): a restrictive policy on
 * the table and every partition / child, and a permissive pass-through
 * policy when dpq had to enable row-level security itself (so that the
 * other roles keep their access).  Run as the catalog owner.
 */
static void
ensure_guard(Oid relid)
{
	List	   *rels = find_all_inheritors(relid, AccessExclusiveLock, NULL);
	ListCell   *lc;
	Oid			types[1] = {OIDOID};

	foreach(lc, rels)
	{
		Oid			rel = lfirst_oid(lc);
		char	   *name = dpq_relation_name(rel);
		Datum		values[1];
		bool		isnull;
		bool		rls;
		bool		guarded;

		if (get_rel_relkind(rel) == RELKIND_FOREIGN_TABLE ||
			get_rel_relkind(rel) == RELKIND_MATVIEW)
			continue;			/* no row-level security there */
		values[0] = ObjectIdGetDatum(rel);
		dpq_spi_exec("SELECT c.relrowsecurity,"
					 " EXISTS (SELECT 1 FROM pg_catalog.pg_policy p"
					 "         WHERE p.polrelid = c.oid AND p.polname = 'dpq_guard')"
					 " FROM pg_catalog.pg_class c WHERE c.oid = $1",
					 1, types, values, NULL, false, 0);
		rls = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		guarded = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		if (!guarded)
			dpq_spi_exec(psprintf("CREATE POLICY dpq_guard ON %s AS RESTRICTIVE FOR ALL"
								  " TO PUBLIC USING (dpq._guard()) WITH CHECK (dpq._guard())",
								  name), 0, NULL, NULL, NULL, false, 0);
		if (!rls)
		{
			dpq_spi_exec(psprintf("CREATE POLICY dpq_open ON %s AS PERMISSIVE FOR ALL"
								  " TO PUBLIC USING (true) WITH CHECK (true)", name),
						 0, NULL, NULL, NULL, false, 0);
			dpq_spi_exec(psprintf("ALTER TABLE %s ENABLE ROW LEVEL SECURITY", name),
						 0, NULL, NULL, NULL, false, 0);
		}
	}
}

/* the last tag of a table is gone: undo what ensure_guard did */
static void
remove_guard(Oid relid)
{
	List	   *rels = find_all_inheritors(relid, AccessExclusiveLock, NULL);
	ListCell   *lc;
	Oid			types[1] = {OIDOID};

	foreach(lc, rels)
	{
		Oid			rel = lfirst_oid(lc);
		Oid			from;
		char	   *name = dpq_relation_name(rel);
		Datum		values[1];
		bool		isnull;

		if (tags_for(rel, &from) != NIL)
			continue;			/* still masked through a parent's tags */
		values[0] = ObjectIdGetDatum(rel);
		dpq_spi_exec("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_policy p"
					 "   WHERE p.polrelid = $1 AND p.polname = 'dpq_open'),"
					 " (SELECT count(*) FROM pg_catalog.pg_policy p"
					 "   WHERE p.polrelid = $1 AND p.polname NOT IN ('dpq_guard', 'dpq_open'))",
					 1, types, values, NULL, false, 0);
		if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
		{
			bool		others = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
															 SPI_tuptable->tupdesc, 2,
															 &isnull)) > 0;

			dpq_spi_exec(psprintf("DROP POLICY dpq_open ON %s", name),
						 0, NULL, NULL, NULL, false, 0);
			if (!others)
				dpq_spi_exec(psprintf("ALTER TABLE %s DISABLE ROW LEVEL SECURITY", name),
							 0, NULL, NULL, NULL, false, 0);
		}
		dpq_spi_exec(psprintf("DROP POLICY IF EXISTS dpq_guard ON %s", name),
					 0, NULL, NULL, NULL, false, 0);
	}
}

/* plans that read the relation (or its children) must be made again */
static void
invalidate_relation(Oid relid)
{
	List	   *rels = find_all_inheritors(relid, NoLock, NULL);
	ListCell   *lc;

	foreach(lc, rels)
		CacheInvalidateRelcacheByRelid(lfirst_oid(lc));
	if (extension_present())
		CacheInvalidateRelcacheByRelid(tags_relid);
}

Datum
dpq_tag_pii(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Relation	rel;
	Form_pg_attribute att = NULL;
	char	   *category;
	char	   *mask;
	char	   *mask_sql;
	char	   *relname;
	char	   *object;
	Oid			types[7] = {REGCLASSOID, TEXTOID, INT2OID, NAMEOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
	NameData	colname;
	DpqIdentity id;
	char	   *old_json = NULL;
	int			i;
	bool		known = false;
	TupleDesc	desc;

	dpq_require_arg(fcinfo, 0, "rel");
	dpq_require_arg(fcinfo, 1, "col");
	dpq_require_arg(fcinfo, 2, "category");
	require_rule_admin("tag PII columns");
	relid = PG_GETARG_OID(0);
	category = text_to_cstring(PG_GETARG_TEXT_PP(2));
	for (i = 0; i < lengthof(categories); i++)
		if (strcmp(categories[i], category) == 0)
			known = true;
	if (!known)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown PII category \"%s\"", category),
				 errhint("Categories: email, phone, name, address, ssn, card, iban, ip, birthdate, financial, health, free_text, other.")));

	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	rel = relation_open(relid, ShareUpdateExclusiveLock);
	if (rel->rd_rel->relkind != RELKIND_RELATION &&
		rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE &&
		rel->rd_rel->relkind != RELKIND_FOREIGN_TABLE &&
		rel->rd_rel->relkind != RELKIND_MATVIEW)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", RelationGetRelationName(rel)),
				 errdetail("PII tags go on tables, partitioned tables, foreign tables and materialized views; views over them are masked through them.")));
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot tag columns of temporary table \"%s\"",
						RelationGetRelationName(rel))));
	desc = RelationGetDescr(rel);
	for (i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped &&
			strcmp(NameStr(TupleDescAttr(desc, i)->attname),
				   NameStr(*PG_GETARG_NAME(1))) == 0)
			att = TupleDescAttr(desc, i);
	if (att == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						NameStr(*PG_GETARG_NAME(1)), RelationGetRelationName(rel))));

	mask = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	mask_sql = validate_mask(rel, att, mask ? mask : default_mask(category, att));

	relname = dpq_relation_name(relid);
	object = psprintf("%s.%s", relname, quote_identifier(NameStr(att->attname)));
	namestrcpy(&colname, NameStr(att->attname));
	values[0] = ObjectIdGetDatum(relid);
	values[1] = CStringGetTextDatum(relname);
	values[2] = Int16GetDatum(att->attnum);
	values[3] = NameGetDatum(&colname);
	values[4] = CStringGetTextDatum(category);
	values[5] = mask ? CStringGetTextDatum(mask) : (Datum) 0;
	nulls[5] = mask ? ' ' : 'n';
	values[6] = CStringGetTextDatum(mask_sql);
	/* keep the lock, but not the relation open: ensure_guard alters it */
	relation_close(rel, NoLock);

	dpq_spi_connect();
	dpq_become_catalog_owner(&id);
	dpq_spi_exec("SELECT category, mask_sql FROM dpq.pii_tags"
				 " WHERE relid = $1 AND attnum = $3 FOR UPDATE",
				 7, types, values, nulls, false, 0);
	if (SPI_processed > 0)
		old_json = rule_json(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1),
							 SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2));
	{
		NameData	who;
		Oid			t2[8];
		Datum		v2[8];
		char		n2[8];

		memcpy(t2, types, sizeof(types));
		memcpy(v2, values, sizeof(values));
		memcpy(n2, nulls, sizeof(nulls));
		namestrcpy(&who, GetUserNameFromId(id.save_userid, false));
		t2[7] = NAMEOID;
		v2[7] = NameGetDatum(&who);
		n2[7] = ' ';
		dpq_spi_exec("INSERT INTO dpq.pii_tags (relid, rel_name, attnum, column_name,"
					 " category, mask, mask_sql, tagged_by)"
					 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
					 " ON CONFLICT (relid, attnum) DO UPDATE SET rel_name = EXCLUDED.rel_name,"
					 "   column_name = EXCLUDED.column_name, category = EXCLUDED.category,"
					 "   mask = EXCLUDED.mask, mask_sql = EXCLUDED.mask_sql,"
					 "   tagged_at = pg_catalog.now(), tagged_by = EXCLUDED.tagged_by",
					 8, t2, v2, n2, false, 0);
	}
	{
		char	   *new_json = rule_json(category, mask_sql);

		if (old_json == NULL || strcmp(old_json, new_json) != 0)
			log_change(old_json ? "retag" : "tag", object, old_json, new_json,
					   id.save_userid);
	}
	ensure_guard(relid);
	dpq_restore_identity(&id);
	dpq_spi_finish();
	invalidate_relation(relid);
	PG_RETURN_VOID();
}

Datum
dpq_untag_pii(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Oid			types[2] = {REGCLASSOID, NAMEOID};
	Datum		values[2];
	DpqIdentity id;
	char	   *object;

	dpq_require_arg(fcinfo, 0, "rel");
	dpq_require_arg(fcinfo, 1, "col");
	require_rule_admin("untag PII columns");
	relid = PG_GETARG_OID(0);
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	LockRelationOid(relid, ShareUpdateExclusiveLock);
	values[0] = ObjectIdGetDatum(relid);
	values[1] = NameGetDatum(PG_GETARG_NAME(1));
	object = psprintf("%s.%s", dpq_relation_name(relid),
					  quote_identifier(NameStr(*PG_GETARG_NAME(1))));

	dpq_spi_connect();
	dpq_become_catalog_owner(&id);
	dpq_spi_exec("DELETE FROM dpq.pii_tags t USING pg_catalog.pg_attribute a"
				 " WHERE t.relid = $1 AND a.attrelid = t.relid AND a.attnum = t.attnum"
				 "   AND a.attname = $2"
				 " RETURNING t.category, t.mask_sql",
				 2, types, values, NULL, false, 0);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("column \"%s\" of relation %s is not tagged",
						NameStr(*PG_GETARG_NAME(1)), dpq_relation_name(relid))));
	log_change("untag", object,
			   rule_json(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1),
						 SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2)),
			   NULL, id.save_userid);
	/* see the delete: tags_for reads the cache, which the delete retired */
	CommandCounterIncrement();
	CacheInvalidateRelcacheByRelid(tags_relid);
	CommandCounterIncrement();
	remove_guard(relid);
	dpq_restore_identity(&id);
	dpq_spi_finish();
	invalidate_relation(relid);
	PG_RETURN_VOID();
}

/* every tagged relation: plans reading them depend on who is masked */
static void
invalidate_all_tagged(void)
{
	ListCell   *lc;

	load_tags();
	foreach(lc, all_tags)
	{
		TagEntry   *t = lfirst(lc);

		if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(t->relid)))
			invalidate_relation(t->relid);
	}
	if (extension_present())
		CacheInvalidateRelcacheByRelid(roles_relid);
}

static void
change_role(FunctionCallInfo fcinfo, bool mask)
{
	Oid			role;
	Oid			types[2] = {REGROLEOID, NAMEOID};
	Datum		values[2];
	NameData	who;
	DpqIdentity id;
	char	   *rolename;

	dpq_require_arg(fcinfo, 0, "role");
	require_rule_admin(mask ? "mask roles" : "unmask roles");
	role = PG_GETARG_OID(0);
	if (!SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(role)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role with OID %u does not exist", role)));
	rolename = GetUserNameFromId(role, false);
	if (mask && (role == BOOTSTRAP_SUPERUSERID ||
				 strcmp(rolename, DPQ_ADMIN_ROLE) == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("role \"%s\" cannot be masked", rolename),
				 errdetail("The bootstrap superuser and dpq_admin administer masking.")));
	namestrcpy(&who, GetUserNameFromId(GetUserId(), false));
	values[0] = ObjectIdGetDatum(role);
	values[1] = NameGetDatum(&who);

	dpq_spi_connect();
	dpq_become_catalog_owner(&id);
	if (mask)
		dpq_spi_exec("INSERT INTO dpq.masked_role_list (role, masked_by)"
					 " VALUES ($1, $2) ON CONFLICT (role) DO NOTHING",
					 2, types, values, NULL, false, 0);
	else
		dpq_spi_exec("DELETE FROM dpq.masked_role_list WHERE role = $1",
					 1, types, values, NULL, false, 0);
	if (SPI_processed > 0)
		log_change(mask ? "mask role" : "unmask role", quote_identifier(rolename),
				   mask ? NULL : "{\"masked\":true}",
				   mask ? "{\"masked\":true}" : NULL, id.save_userid);
	else if (!mask)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role \"%s\" is not masked", rolename)));
	dpq_restore_identity(&id);
	dpq_spi_finish();
	invalidate_all_tagged();
}

Datum
dpq_mask_role(PG_FUNCTION_ARGS)
{
	change_role(fcinfo, true);
	PG_RETURN_VOID();
}

Datum
dpq_unmask_role(PG_FUNCTION_ARGS)
{
	change_role(fcinfo, false);
	PG_RETURN_VOID();
}

Datum
dpq_is_masked(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(dpq_role_is_masked());
}

PG_FUNCTION_INFO_V1(dpq_guard);

/*
 * dpq._guard(): true.  The planner hook removes its calls; it only runs when
 * dpq is not preloaded (and then loading dpq fails first: fail closed).
 */
Datum
dpq_guard(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(true);
}

/* OID of dpq._guard (InvalidOid when dpq is not installed); cached */
Oid
dpq_guard_oid(void)
{
	if (!extension_present())
		return InvalidOid;
	if (!OidIsValid(guard_oid))
	{
		List	   *name = list_make2(makeString(DPQ_SCHEMA), makeString("_guard"));

		guard_oid = LookupFuncName(name, 0, NULL, true);
	}
	return guard_oid;
}

/*
 * Is masking in use in this database at all (a tag or a masked role)?  When
 * it is not, the hooks have nothing to do for any statement.
 */
bool
dpq_masking_in_use(void)
{
	if (!dpq_masking_active())
		return false;
	load_tags();
	return all_tags != NIL || masked_roles != NIL;
}

/* DPQ_REL_MASKED / DPQ_REL_DERIVED of a relation, in one cache probe */
int
dpq_relation_flags(Oid relid)
{
	MaskRelEntry *e;

	if (!dpq_masking_active())
		return 0;
	e = rel_entry(relid);
	return (e->masked ? DPQ_REL_MASKED : 0) | (e->derived ? DPQ_REL_DERIVED : 0);
}

/* owners of the tagged tables (for the DDL lockdown of masked owners) */
List *
dpq_masked_table_owners(void)
{
	List	   *owners = NIL;
	ListCell   *lc;

	load_tags();
	foreach(lc, all_tags)
	{
		TagEntry   *t = lfirst(lc);
		HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(t->relid));

		if (HeapTupleIsValid(tup))
		{
			owners = list_append_unique_oid(owners,
											((Form_pg_class) GETSTRUCT(tup))->relowner);
			ReleaseSysCache(tup);
		}
	}
	return owners;
}
