/*-------------------------------------------------------------------------
 *
 * rewrite.c
 *	  Query-time enforcement of masking.
 *
 * planner_hook sees every statement after the rewriter has expanded views
 * (so base tables under views, SECURITY DEFINER functions' queries, cursors,
 * prepared statements, plpgsql, COPY (query) and CREATE TABLE AS all pass
 * here).  For a masked identity, every range table entry that reads a
 * masked relation is replaced by a subquery
 *
 *	 SELECT mask(c1), c2, ..., FROM ONLY? rel AS <marker>
 *
 * whose output columns stand where the table's columns stood, so every Var
 * of the statement (select list, WHERE, JOIN, GROUP BY, ORDER BY, window,
 * RETURNING, whole-row references) now reads the masked value: filtering or
 * sorting on the clear value is impossible.  The subquery is simple, so the
 * planner pulls it up and the cost is that of the mask expressions alone.
 *
 * Defense in depth:
 * - ExecutorCheckPerms_hook sees the final range table of every statement
 *   (relations brought in by SQL-function inlining included, and COPY's
 *   direct path): a masked relation read by a masked identity outside
 *   dpq's subquery is an error, never clear data; any write to a masked
 *   relation by a masked identity is an error.
 * - Plans that read a masked relation depend on the role (dependsOnRole),
 *   so a cached plan is never reused by another identity.
 * - pg_statistic and pg_statistic_ext_data rows of masked columns are
 *   filtered for masked identities (pg_stats, pg_stats_ext).
 * - Keyed masks (mask_hash, mask_noise) are refused in a masked identity's
 *   own statements and DDL, so they cannot be used as an oracle.
 * - COPY table TO becomes COPY (SELECT ...) TO, which is masked.
 *
 * IDENTIFICATION
 *	  src/masking/rewrite.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/relation.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "access/genam.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "access/htup_details.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_statistic_ext.h"
#include "catalog/pg_statistic_ext_data.h"
#include "catalog/pg_type.h"
#include "commands/copy.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
#include "parser/parse_func.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "rewrite/rowsecurity.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "dpq.h"
#include "masking.h"

/*
 * The alias of the relation inside dpq's masking subquery.  Longer than
 * NAMEDATALEN - 1, so no alias a user writes (they are truncated to 63
 * bytes) can be equal to it: the marker cannot be forged.
 */
#define MASK_MARKER "dpq_masked_relation__this_alias_is_set_by_dpq_and_cannot_be_written_in_sql"

static planner_hook_type prev_planner = NULL;
static ExecutorCheckPerms_hook_type prev_check_perms = NULL;

typedef struct MaskContext
{
	bool		masked;			/* the identity is masked */
	bool		touched;		/* the statement reads a masked relation */
	Oid			guard;			/* dpq._guard */
} MaskContext;

static void mask_query(Query *query, MaskContext *ctx);

static bool
is_marker(Alias *alias)
{
	return alias != NULL && strcmp(alias->aliasname, MASK_MARKER) == 0;
}

/* ------------------------------------------------------------------------
 * Keyed masks as oracles
 * ------------------------------------------------------------------------
 */
static bool
keyed_function(Oid funcid)
{
	char	   *name;
	bool		result;

	if (get_func_namespace(funcid) != get_namespace_oid(DPQ_SCHEMA, true))
		return false;
	name = get_func_name(funcid);
	result = name && (strcmp(name, "mask_hash") == 0 ||
					  strcmp(name, "mask_noise") == 0 ||
					  strcmp(name, "_mask_hash") == 0 ||
					  strcmp(name, "_mask_noise") == 0);
	return result;
}

static bool
keyed_checker(Oid funcid, void *context)
{
	return keyed_function(funcid);
}

static bool
keyed_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, keyed_walker, context, 0);
	if (check_functions_in_node(node, keyed_checker, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("masked roles cannot call dpq's keyed mask functions"),
				 errdetail("dpq.mask_hash and dpq.mask_noise applied to chosen input would reveal masked values."),
				 errhint("Masked columns are already masked when you read them.")));
	return expression_tree_walker(node, keyed_walker, context);
}

/* ------------------------------------------------------------------------
 * The masking subquery
 * ------------------------------------------------------------------------
 */

/* system columns of a masked relation cannot be read through the subquery */
typedef struct SysColContext
{
	Index		rti;
	int			level;
} SysColContext;

static bool
syscol_walker(Node *node, SysColContext *ctx)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		Var		   *var = (Var *) node;

		if (var->varno == ctx->rti && var->varlevelsup == ctx->level &&
			var->varattno < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("masked roles cannot read system columns of a masked table")));
		return false;
	}
	if (IsA(node, Query))
	{
		bool		result;

		ctx->level++;
		result = query_tree_walker((Query *) node, syscol_walker, ctx, 0);
		ctx->level--;
		return result;
	}
	return expression_tree_walker(node, syscol_walker, ctx);
}

/* SELECT <masked columns> FROM rel AS <marker>, in place of the RTE */
static void
replace_with_masking_subquery(Query *query, Index rti, RangeTblEntry *rte)
{
	RangeTblEntry *inner = copyObject(rte);
	Query	   *sub = makeNode(Query);
	Relation	rel;
	TupleDesc	desc;
	Node	  **masks;
	int			natts;
	List	   *tlist = NIL;
	int			i;
	SysColContext scc = {rti, 0};

	(void) query_tree_walker(query, syscol_walker, &scc, 0);

	masks = dpq_relation_masks(rte->relid, &natts);
	rel = relation_open(rte->relid, NoLock);
	desc = RelationGetDescr(rel);

	/* partitions and children the planner expands take eref's name */
	inner->alias = makeAlias(MASK_MARKER, NIL);
	inner->eref = makeAlias(MASK_MARKER, copyObject(rte->eref->colnames));
	if (inner->securityQuals)
		ChangeVarNodes((Node *) inner->securityQuals, rti, 1, 0);
	if (inner->tablesample)
		ChangeVarNodes((Node *) inner->tablesample, rti, 1, 0);

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		Expr	   *expr;

		if (att->attisdropped)
			expr = (Expr *) makeNullConst(INT4OID, -1, InvalidOid);
		else if (i < natts && masks[i] != NULL)
			expr = (Expr *) copyObject(masks[i]);
		else
			expr = (Expr *) makeVar(1, att->attnum, att->atttypid,
									att->atttypmod, att->attcollation, 0);
		tlist = lappend(tlist, makeTargetEntry(expr, i + 1,
											   pstrdup(NameStr(att->attname)),
											   false));
	}
	relation_close(rel, NoLock);

	sub->commandType = CMD_SELECT;
	sub->querySource = QSRC_ORIGINAL;
	sub->canSetTag = true;
	sub->rtable = list_make1(inner);
	sub->jointree = makeFromExpr(list_make1(makeNode(RangeTblRef)), NULL);
	((RangeTblRef *) linitial(sub->jointree->fromlist))->rtindex = 1;
	sub->targetList = tlist;
	sub->hasRowSecurity = query->hasRowSecurity;

	/* the entry becomes the subquery; its columns keep their names */
	rte->rtekind = RTE_SUBQUERY;
	rte->subquery = sub;
	rte->security_barrier = false;
	rte->relid = InvalidOid;
	rte->relkind = 0;
	rte->rellockmode = 0;
	rte->tablesample = NULL;
	rte->inh = false;
	rte->requiredPerms = 0;
	rte->checkAsUser = InvalidOid;
	rte->selectedCols = NULL;
	rte->insertedCols = NULL;
	rte->updatedCols = NULL;
	rte->extraUpdatedCols = NULL;
	rte->securityQuals = NIL;
}

/* pg_statistic / pg_statistic_ext_data, without the rows of masked columns */
static void
replace_with_stats_filter(RangeTblEntry *rte, bool ext)
{
	RangeTblEntry *inner = copyObject(rte);
	Query	   *sub = makeNode(Query);
	Relation	rel = relation_open(rte->relid, NoLock);
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *tlist = NIL;
	List	   *fname;
	Oid			argtypes[2] = {OIDOID, INT2OID};
	Oid			fn;
	List	   *args;
	int			i;
	RangeTblRef *rtr = makeNode(RangeTblRef);

	if (ext)
	{
		fname = list_make2(makeString(DPQ_SCHEMA), makeString("_stat_ext_visible"));
		fn = LookupFuncName(fname, 1, argtypes, false);
		args = list_make1(makeVar(1, Anum_pg_statistic_ext_data_stxoid, OIDOID, -1,
								  InvalidOid, 0));
	}
	else
	{
		fname = list_make2(makeString(DPQ_SCHEMA), makeString("_stat_visible"));
		fn = LookupFuncName(fname, 2, argtypes, false);
		args = list_make2(makeVar(1, Anum_pg_statistic_starelid, OIDOID, -1,
								  InvalidOid, 0),
						  makeVar(1, Anum_pg_statistic_staattnum, INT2OID, -1,
								  InvalidOid, 0));
	}
	inner->alias = makeAlias(MASK_MARKER, NIL);
	inner->eref = makeAlias(MASK_MARKER, copyObject(rte->eref->colnames));
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		tlist = lappend(tlist,
						makeTargetEntry((Expr *) makeVar(1, att->attnum, att->atttypid,
														 att->atttypmod,
														 att->attcollation, 0),
										i + 1, pstrdup(NameStr(att->attname)),
										false));
	}
	relation_close(rel, NoLock);
	rtr->rtindex = 1;
	sub->commandType = CMD_SELECT;
	sub->querySource = QSRC_ORIGINAL;
	sub->canSetTag = true;
	sub->rtable = list_make1(inner);
	sub->jointree = makeFromExpr(list_make1(rtr),
								 (Node *) makeFuncExpr(fn, BOOLOID, args,
													   InvalidOid, InvalidOid,
													   COERCE_EXPLICIT_CALL));
	sub->targetList = tlist;

	rte->rtekind = RTE_SUBQUERY;
	rte->subquery = sub;
	rte->relid = InvalidOid;
	rte->relkind = 0;
	rte->rellockmode = 0;
	rte->inh = false;
	rte->requiredPerms = 0;
	rte->checkAsUser = InvalidOid;
	rte->selectedCols = NULL;
	rte->securityQuals = NIL;
}

static bool
mask_walker(Node *node, MaskContext *ctx)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		mask_query((Query *) node, ctx);
		return false;
	}
	return expression_tree_walker(node, mask_walker, ctx);
}

/* dpq's fail-closed guard, or a constant true (dpq's pass-through policy) */
static bool
guard_qual(Node *qual, Oid guard)
{
	if (qual == NULL)
		return false;
	if (IsA(qual, FuncExpr) && ((FuncExpr *) qual)->funcid == guard)
		return true;
	return false;
}

static bool
true_qual(Node *qual)
{
	return qual && IsA(qual, Const) && !((Const *) qual)->constisnull &&
		((Const *) qual)->consttype == BOOLOID &&
		DatumGetBool(((Const *) qual)->constvalue);
}

/* does the table carry dpq's pass-through policy dpq_open? */
static bool
has_open_policy(Oid relid)
{
	Relation	rel = relation_open(relid, NoLock);
	bool		found = false;
	ListCell   *lc;

	if (rel->rd_rsdesc)
		foreach(lc, rel->rd_rsdesc->policies)
			if (strcmp(((RowSecurityPolicy *) lfirst(lc))->policy_name, "dpq_open") == 0)
				found = true;
	relation_close(rel, NoLock);
	return found;
}

/*
 * Take dpq_open's "true" out of the permissive combination (an OR of the
 * permissive policies' quals): it is there only to keep access open when dpq
 * enabled row-level security; the owner's own permissive policies must keep
 * their meaning.  Returns the qual to keep, or NULL for none.
 */
static Node *
without_open_true(Node *qual)
{
	if (true_qual(qual))
		return NULL;
	if (IsA(qual, BoolExpr) && ((BoolExpr *) qual)->boolop == OR_EXPR)
	{
		BoolExpr   *b = (BoolExpr *) qual;
		List	   *args = NIL;
		ListCell   *lc;
		bool		removed = false;

		foreach(lc, b->args)
		{
			if (!removed && true_qual(lfirst(lc)))
				removed = true;
			else
				args = lappend(args, lfirst(lc));
		}
		if (list_length(args) == 1)
			return linitial(args);
		b->args = args;
	}
	return qual;
}

/*
 * Remove dpq's guard (and pass-through) policy quals: with dpq loaded they
 * are not needed, and leaving them would cost a call per row.
 */
static void
strip_guards(Query *query, Oid guard)
{
	ListCell   *lc;
	List	   *wcos = NIL;
	List	   *open_rels = NIL;
	bool		open;
	bool		open_done = false;

	foreach(lc, query->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);
		List	   *keep = NIL;
		ListCell   *lc2;
		bool		stripped = false;

		if (rte->rtekind != RTE_RELATION || rte->securityQuals == NIL)
			continue;
		foreach(lc2, rte->securityQuals)
		{
			Node	   *qual = lfirst(lc2);

			if (guard_qual(qual, guard))
				stripped = true;
			else
				keep = lappend(keep, qual);
		}
		if (!stripped)
			continue;
		rte->securityQuals = NIL;
		open = has_open_policy(rte->relid);
		foreach(lc2, keep)
		{
			Node	   *qual = lfirst(lc2);

			if (open && !open_done)
			{
				/* the permissive combination is the one qual with dpq_open's true */
				Node	   *rest = without_open_true(qual);

				if (rest != qual || true_qual(qual))
					open_done = true;
				qual = rest;
			}
			if (qual != NULL)
				rte->securityQuals = lappend(rte->securityQuals, qual);
		}
		if (open)
			open_rels = lappend_oid(open_rels, rte->relid);
		open_done = false;
	}
	/* INSERT / UPDATE checks: RLS gives the result relation WCOs only */
	if (query->withCheckOptions != NIL && query->resultRelation > 0)
	{
		RangeTblEntry *target = rt_fetch(query->resultRelation, query->rtable);

		if (target->rtekind == RTE_RELATION && has_open_policy(target->relid))
			open_rels = lappend_oid(open_rels, target->relid);
	}
	foreach(lc, query->withCheckOptions)
	{
		WithCheckOption *wco = lfirst(lc);

		if (guard_qual(wco->qual, guard) ||
			(wco->polname && strcmp(wco->polname, "dpq_open") == 0))
			continue;
		if (open_rels != NIL &&
			(wco->kind == WCO_RLS_INSERT_CHECK || wco->kind == WCO_RLS_UPDATE_CHECK))
		{
			wco->qual = without_open_true(wco->qual);
			if (wco->qual == NULL)
				continue;
		}
		wcos = lappend(wcos, wco);
	}
	query->withCheckOptions = wcos;
}

static void
mask_query(Query *query, MaskContext *ctx)
{
	ListCell   *lc;
	Index		rti = 0;
	int			flags;

	check_stack_depth();
	if (OidIsValid(ctx->guard))
		strip_guards(query, ctx->guard);

	foreach(lc, query->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);

		rti++;
		if (rte->rtekind != RTE_RELATION || is_marker(rte->alias))
			continue;
		if (ctx->masked && rte->relid == StatisticRelationId)
		{
			replace_with_stats_filter(rte, false);
			continue;
		}
		if (ctx->masked && rte->relid == StatisticExtDataRelationId)
		{
			replace_with_stats_filter(rte, true);
			continue;
		}
		flags = dpq_relation_flags(rte->relid);
		if (flags & DPQ_REL_DERIVED)
		{
			ctx->touched = true;
			if (ctx->masked || dpq_role_oid_is_masked(rte->checkAsUser))
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("masked roles cannot read materialized view \"%s\"",
								get_rel_name(rte->relid)),
						 errdetail("It was built from masked columns and holds their clear values."),
						 errhint("Tag its columns with dpq.tag_pii to let masked roles read it masked.")));
			continue;
		}
		if (!(flags & DPQ_REL_MASKED))
			continue;
		ctx->touched = true;

		/*
		 * Read with the privileges of a masked role (a view it owns, read
		 * by someone else): masked too, or a masked role could hand out
		 * clear data through its own views.
		 */
		if (!ctx->masked && !dpq_role_oid_is_masked(rte->checkAsUser))
			continue;
		if (rti == query->resultRelation ||
			(rte->requiredPerms & (ACL_INSERT | ACL_UPDATE | ACL_DELETE)) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("masked roles cannot write to table \"%s\"",
							get_rel_name(rte->relid)),
					 errdetail("The table has masked columns.")));
		if (get_parse_rowmark(query, rti) != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("masked roles cannot lock rows of table \"%s\"",
							get_rel_name(rte->relid)),
					 errdetail("The table has masked columns.")));
		replace_with_masking_subquery(query, rti, rte);
	}
	/* subqueries, CTEs, sublinks, and the subqueries made above (skipped) */
	if (query->hasSubLinks)
		(void) query_tree_walker(query, mask_walker, ctx, 0);
	else
	{
		/*
		 * Without sublinks (the parser and the rewriter set the flag, and
		 * the planner relies on it too) no expression holds a query: only
		 * the range table's subqueries and the CTEs remain.  This spares the
		 * common simple statement a walk of all its expressions.
		 */
		foreach(lc, query->rtable)
		{
			RangeTblEntry *rte = lfirst(lc);

			if (rte->rtekind == RTE_SUBQUERY && rte->subquery != NULL)
				mask_query(rte->subquery, ctx);
		}
		foreach(lc, query->cteList)
		{
			CommonTableExpr *cte = lfirst(lc);

			if (cte->ctequery && IsA(cte->ctequery, Query))
				mask_query((Query *) cte->ctequery, ctx);
		}
	}
}

static PlannedStmt *
dpq_planner(Query *parse, const char *query_string, int cursorOptions,
			ParamListInfo boundParams)
{
	MaskContext ctx = {false, false, InvalidOid};
	PlannedStmt *result;

	if (dpq_masking_in_use())
	{
		ctx.guard = dpq_guard_oid();
		ctx.masked = dpq_role_is_masked();
		if (ctx.masked)
			(void) keyed_walker((Node *) parse, NULL);
		mask_query(parse, &ctx);
	}
	if (prev_planner)
		result = prev_planner(parse, query_string, cursorOptions, boundParams);
	else
		result = standard_planner(parse, query_string, cursorOptions, boundParams);
	/* a plan that reads a masked relation must never serve another role */
	if (ctx.touched)
		result->dependsOnRole = true;
	return result;
}

/*
 * The final range table of every statement: a masked relation read by a
 * masked identity outside dpq's subquery (SQL-function inlining, a path
 * dpq does not know) is an error, and so is any write to one.
 */
static bool
dpq_check_perms(List *rangeTable, bool ereport_on_violation)
{
	ListCell   *lc;
	bool		masked;

	if (prev_check_perms && !prev_check_perms(rangeTable, ereport_on_violation))
		return false;
	/* a parallel worker runs its leader's plan, which was checked */
	if (IsParallelWorker() || !dpq_masking_in_use())
		return true;
	masked = dpq_role_is_masked();
	foreach(lc, rangeTable)
	{
		RangeTblEntry *rte = lfirst(lc);

		if (rte->rtekind != RTE_RELATION)
			continue;
		/* one cache probe per relation; roles only for masked relations */
		if (dpq_relation_flags(rte->relid) == 0)
			continue;
		if (!masked && !dpq_role_oid_is_masked(rte->checkAsUser))
			continue;
		if (rte->requiredPerms & (ACL_INSERT | ACL_UPDATE | ACL_DELETE))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("masked roles cannot write to table \"%s\"",
							get_rel_name(rte->relid)),
					 errdetail("The table has masked columns.")));
		if (!is_marker(rte->alias))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("masking could not be applied to a read of table \"%s\"",
							get_rel_name(rte->relid)),
					 errdetail("A masked role reads the table by a path dpq does not rewrite (for example a SQL function inlined by the planner)."),
					 errhint("Read the table directly or through a view.")));
	}
	return true;
}

/* ------------------------------------------------------------------------
 * Utility statements
 * ------------------------------------------------------------------------
 */
static bool
mentions_keyed_mask(const char *sql)
{
	const char *p;

	if (sql == NULL)
		return false;
	for (p = sql; *p; p++)
		if (pg_strncasecmp(p, "mask_hash", 9) == 0 ||
			pg_strncasecmp(p, "mask_noise", 10) == 0)
			return true;
	return false;
}

/* the relations a utility statement alters (or grants on) */
static List *
utility_relations(Node *parsetree)
{
	List	   *rels = NIL;
	ListCell   *lc;

	switch (nodeTag(parsetree))
	{
		case T_AlterTableStmt:
			rels = list_make1(((AlterTableStmt *) parsetree)->relation);
			foreach(lc, ((AlterTableStmt *) parsetree)->cmds)
			{
				AlterTableCmd *cmd = lfirst(lc);

				/* ATTACH / DETACH PARTITION name the partition too */
				if ((cmd->subtype == AT_AttachPartition ||
					 cmd->subtype == AT_DetachPartition) && cmd->def &&
					IsA(cmd->def, PartitionCmd))
					rels = lappend(rels, ((PartitionCmd *) cmd->def)->name);
			}
			break;
		case T_IndexStmt:
			rels = list_make1(((IndexStmt *) parsetree)->relation);
			break;
		case T_CreateTrigStmt:
			rels = list_make1(((CreateTrigStmt *) parsetree)->relation);
			break;
		case T_RuleStmt:
			rels = list_make1(((RuleStmt *) parsetree)->relation);
			break;
		case T_CreatePolicyStmt:
			rels = list_make1(((CreatePolicyStmt *) parsetree)->table);
			break;
		case T_AlterPolicyStmt:
			rels = list_make1(((AlterPolicyStmt *) parsetree)->table);
			break;
		case T_RenameStmt:
			if (((RenameStmt *) parsetree)->relation)
				rels = list_make1(((RenameStmt *) parsetree)->relation);
			break;
		case T_AlterObjectSchemaStmt:
			if (((AlterObjectSchemaStmt *) parsetree)->relation)
				rels = list_make1(((AlterObjectSchemaStmt *) parsetree)->relation);
			break;
		case T_AlterOwnerStmt:
			if (((AlterOwnerStmt *) parsetree)->relation)
				rels = list_make1(((AlterOwnerStmt *) parsetree)->relation);
			break;
		case T_ClusterStmt:
			if (((ClusterStmt *) parsetree)->relation)
				rels = list_make1(((ClusterStmt *) parsetree)->relation);
			break;
		case T_ReindexStmt:
			if (((ReindexStmt *) parsetree)->relation)
				rels = list_make1(((ReindexStmt *) parsetree)->relation);
			break;
		case T_TruncateStmt:
			rels = list_copy(((TruncateStmt *) parsetree)->relations);
			break;
		case T_CreateStatsStmt:
			foreach(lc, ((CreateStatsStmt *) parsetree)->relations)
				if (IsA(lfirst(lc), RangeVar))
					rels = lappend(rels, lfirst(lc));
			break;
		case T_GrantStmt:
			{
				GrantStmt  *g = (GrantStmt *) parsetree;

				if (g->targtype == ACL_TARGET_OBJECT && g->objtype == OBJECT_TABLE)
					rels = list_copy(g->objects);
				break;
			}
		case T_CreateStmt:
			/* CREATE TABLE ... PARTITION OF / INHERITS a masked table is fine */
			break;
		default:
			break;
	}
	return rels;
}

/* something (other than its own schema/owner/extension links) depends on it */
static bool
object_has_dependents(Oid funcid)
{
	Relation	dep;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	if (!OidIsValid(funcid))
		return false;
	dep = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(ProcedureRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(funcid));
	scan = systable_beginscan(dep, DependReferenceIndexId, true, NULL, 2, key);
	while ((tup = systable_getnext(scan)) != NULL)
	{
		Form_pg_depend d = (Form_pg_depend) GETSTRUCT(tup);

		if (d->deptype == DEPENDENCY_NORMAL || d->deptype == DEPENDENCY_AUTO)
		{
			found = true;
			break;
		}
	}
	systable_endscan(scan);
	table_close(dep, AccessShareLock);
	return found;
}

/* the routine a CREATE [OR REPLACE] FUNCTION names, if it exists */
static Oid
routine_oid(List *funcname, List *parameters)
{
	ObjectWithArgs *owa = makeNode(ObjectWithArgs);
	ListCell   *lc;

	owa->objname = funcname;
	foreach(lc, parameters)
	{
		FunctionParameter *p = lfirst(lc);

		if (p->mode == FUNC_PARAM_IN || p->mode == FUNC_PARAM_DEFAULT ||
			p->mode == FUNC_PARAM_INOUT || p->mode == FUNC_PARAM_VARIADIC)
			owa->objargs = lappend(owa->objargs, p->argType);
	}
	return LookupFuncWithArgs(OBJECT_ROUTINE, owa, true);
}

static bool
function_has_dependents(List *funcname, List *parameters)
{
	return object_has_dependents(routine_oid(funcname, parameters));
}

static bool
function_exists(List *funcname, List *parameters)
{
	return OidIsValid(routine_oid(funcname, parameters));
}

/* statements that change no object: allowed for every masked identity */
static bool
utility_allowed_for_owner_member(Node *parsetree)
{
	switch (nodeTag(parsetree))
	{
		case T_TransactionStmt:
		case T_VariableSetStmt:
		case T_VariableShowStmt:
		case T_DiscardStmt:
		case T_PrepareStmt:
		case T_ExecuteStmt:
		case T_DeallocateStmt:
		case T_DeclareCursorStmt:
		case T_FetchStmt:
		case T_ClosePortalStmt:
		case T_ListenStmt:
		case T_NotifyStmt:
		case T_UnlistenStmt:
		case T_ExplainStmt:
		case T_CopyStmt:
		case T_CallStmt:
		case T_DoStmt:
		case T_LockStmt:
		case T_CheckPointStmt:
		case T_VacuumStmt:
		case T_CreateTableAsStmt:
		case T_ConstraintsSetStmt:
		case T_LoadStmt:
			return true;
		default:
			return false;
	}
}

/* does the identity have the privileges of the owner of a masked table? */
static bool
has_owner_privileges(void)
{
	List	   *owners = dpq_masked_table_owners();
	ListCell   *lc;

	foreach(lc, owners)
		if (has_privs_of_role(GetUserId(), lfirst_oid(lc)))
			return true;	/* DDL runs with the current user's privileges */
	return false;
}

/* an A_Const string, as the grammar makes for SET name = 'value' */
static Node *
makeStringConst(char *str, int location)
{
	A_Const    *n = makeNode(A_Const);

	n->val.sval.type = T_String;
	n->val.sval.sval = str;
	n->location = location;
	return (Node *) n;
}

/* a partitioned / inheritance parent with a masked child */
static bool
has_masked_descendant(Oid relid)
{
	List	   *children;
	ListCell   *lc;

	if (!has_subclass(relid))
		return false;
	children = find_all_inheritors(relid, NoLock, NULL);
	foreach(lc, children)
		if (dpq_relation_has_masks(lfirst_oid(lc)))
			return true;
	return false;
}

/* COPY rel TO ... as COPY (SELECT cols FROM ONLY rel) TO ..., which is masked */
static void
copy_to_query(CopyStmt *stmt, Oid relid)
{
	SelectStmt *sel = makeNode(SelectStmt);
	RangeVar   *rv = copyObject(stmt->relation);
	List	   *cols = stmt->attlist;
	ListCell   *lc;

	if (cols == NIL)
	{
		Relation	rel = relation_open(relid, AccessShareLock);
		TupleDesc	desc = RelationGetDescr(rel);
		int			i;

		for (i = 0; i < desc->natts; i++)
			if (!TupleDescAttr(desc, i)->attisdropped &&
				!TupleDescAttr(desc, i)->attgenerated)
				cols = lappend(cols,
							   makeString(pstrdup(NameStr(TupleDescAttr(desc, i)->attname))));
		relation_close(rel, NoLock);
	}
	foreach(lc, cols)
	{
		ResTarget  *rt = makeNode(ResTarget);
		ColumnRef  *cr = makeNode(ColumnRef);

		cr->fields = list_make1(makeString(strVal(lfirst(lc))));
		cr->location = -1;
		rt->val = (Node *) cr;
		rt->location = -1;
		sel->targetList = lappend(sel->targetList, rt);
	}
	rv->inh = false;			/* COPY table copies that table only */
	sel->fromClause = list_make1(rv);
	stmt->query = (Node *) sel;
	stmt->relation = NULL;
	stmt->attlist = NIL;
}

/*
 * Called from dpq's ProcessUtility hook before the statement runs; may
 * replace *pstmt by a modified copy.
 */
void
dpq_masking_utility(PlannedStmt **pstmt, const char *queryString,
					bool *readOnlyTree)
{
	Node	   *parsetree = (*pstmt)->utilityStmt;

	if (!dpq_masking_in_use() || !dpq_role_is_masked())
		return;

	/*
	 * A masked identity always reads through row security: pg_dump's
	 * SET row_security = off would make every guarded table an error, and
	 * turning row security off can only be meant to read more than the
	 * policies allow.  So it becomes on (pg_dump then dumps masked data).
	 */
	if (IsA(parsetree, VariableSetStmt) &&
		((VariableSetStmt *) parsetree)->name &&
		strcmp(((VariableSetStmt *) parsetree)->name, "row_security") == 0 &&
		((VariableSetStmt *) parsetree)->kind == VAR_SET_VALUE)
	{
		VariableSetStmt *vs;

		if (*readOnlyTree)
		{
			*pstmt = copyObject(*pstmt);
			*readOnlyTree = false;
		}
		vs = (VariableSetStmt *) (*pstmt)->utilityStmt;
		vs->args = list_make1(makeStringConst("on", -1));
		return;
	}

	if (IsA(parsetree, CopyStmt))
	{
		CopyStmt   *stmt = (CopyStmt *) parsetree;
		Oid			relid;

		if (stmt->is_from || stmt->relation == NULL)
			return;			/* writes: refused in the executor check */
		relid = RangeVarGetRelid(stmt->relation, AccessShareLock, true);
		if (!OidIsValid(relid) ||
			(!dpq_relation_has_masks(relid) && !dpq_relation_is_derived(relid)))
			return;
		if (*readOnlyTree)
		{
			*pstmt = copyObject(*pstmt);
			*readOnlyTree = false;
		}
		copy_to_query((CopyStmt *) (*pstmt)->utilityStmt, relid);
		return;
	}

	/*
	 * A masked identity with the privileges of a masked table's owner could
	 * do anything the owner can (replace or recreate the functions the
	 * owner's indexes, triggers and policies call, ...): it may run no DDL.
	 */
	if (!utility_allowed_for_owner_member(parsetree) && has_owner_privileges())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("masked roles cannot run %s",
						GetCommandTagName(CreateCommandTag(parsetree))),
				 errdetail("The role has the privileges of the owner of a masked table."),
				 errhint("Do not mask a role that owns (or is a member of the owner of) masked tables; dpq.masking_audit() lists them.")));

	/* no masked identity replaces, alters or drops existing routines */
	if ((IsA(parsetree, CreateFunctionStmt) &&
		 ((CreateFunctionStmt *) parsetree)->replace &&
		 function_exists(((CreateFunctionStmt *) parsetree)->funcname,
						 ((CreateFunctionStmt *) parsetree)->parameters)) ||
		IsA(parsetree, AlterFunctionStmt) ||
		(IsA(parsetree, DropStmt) &&
		 (((DropStmt *) parsetree)->removeType == OBJECT_FUNCTION ||
		  ((DropStmt *) parsetree)->removeType == OBJECT_PROCEDURE ||
		  ((DropStmt *) parsetree)->removeType == OBJECT_ROUTINE)) ||
		(IsA(parsetree, RenameStmt) &&
		 (((RenameStmt *) parsetree)->renameType == OBJECT_FUNCTION ||
		  ((RenameStmt *) parsetree)->renameType == OBJECT_PROCEDURE ||
		  ((RenameStmt *) parsetree)->renameType == OBJECT_ROUTINE)) ||
		(IsA(parsetree, AlterObjectSchemaStmt) &&
		 (((AlterObjectSchemaStmt *) parsetree)->objectType == OBJECT_FUNCTION ||
		  ((AlterObjectSchemaStmt *) parsetree)->objectType == OBJECT_PROCEDURE ||
		  ((AlterObjectSchemaStmt *) parsetree)->objectType == OBJECT_ROUTINE)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("masked roles cannot run %s on an existing routine",
						GetCommandTagName(CreateCommandTag(parsetree))),
				 errdetail("Other roles' code may call it on clear values.")));

	/*
	 * DDL on a masked relation reads clear values outside any query (ALTER
	 * COLUMN TYPE ... USING, index builds, constraints and their error
	 * messages, generated columns, triggers, policies, rules), moves data
	 * out from under the rules (DETACH PARTITION, NO INHERIT), or hands
	 * clear access to another role (GRANT): refused for masked identities.
	 */
	{
		List	   *rels = utility_relations(parsetree);
		ListCell   *lc;

		foreach(lc, rels)
		{
			Oid			relid = RangeVarGetRelid((RangeVar *) lfirst(lc),
												 NoLock, true);

			if (OidIsValid(relid) &&
				(dpq_relation_has_masks(relid) || dpq_relation_is_derived(relid) ||
				 has_masked_descendant(relid)))
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("masked roles cannot run %s on table \"%s\"",
								GetCommandTagName(CreateCommandTag(parsetree)),
								get_rel_name(relid)),
						 errdetail("The table has masked columns.")));
		}
		/*
		 * Replacing or altering a function other objects depend on (a
		 * policy, trigger, index, default or domain over a masked table
		 * would run it on clear values), or altering a domain: refused.
		 */
		if ((IsA(parsetree, CreateFunctionStmt) &&
			 ((CreateFunctionStmt *) parsetree)->replace &&
			 function_has_dependents(((CreateFunctionStmt *) parsetree)->funcname,
									 ((CreateFunctionStmt *) parsetree)->parameters)) ||
			(IsA(parsetree, AlterFunctionStmt) &&
			 object_has_dependents(LookupFuncWithArgs(((AlterFunctionStmt *) parsetree)->objtype,
													  ((AlterFunctionStmt *) parsetree)->func,
													  true))) ||
			IsA(parsetree, AlterDomainStmt))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("masked roles cannot run %s on an object other objects depend on",
							GetCommandTagName(CreateCommandTag(parsetree))),
					 errdetail("Policies, triggers, indexes, defaults and domains would run the new code on clear values.")));
		/* redefining an existing view (the application may read it) or rules */
		if ((IsA(parsetree, ViewStmt) && ((ViewStmt *) parsetree)->replace &&
			 OidIsValid(RangeVarGetRelid(((ViewStmt *) parsetree)->view, NoLock, true))) ||
			IsA(parsetree, RuleStmt))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("masked roles cannot run %s",
							GetCommandTagName(CreateCommandTag(parsetree))),
					 errdetail("Its code would run on clear values for other roles.")));
		if (IsA(parsetree, GrantStmt) &&
			((GrantStmt *) parsetree)->targtype == ACL_TARGET_ALL_IN_SCHEMA)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("masked roles cannot grant privileges on all tables in a schema")));
	}

	/*
	 * DDL that would evaluate a keyed mask outside a query (index
	 * expressions, CHECK, DEFAULT, generated columns, trigger WHEN, function
	 * bodies): refused when a masked role writes it.
	 */
	if (!IsA(parsetree, ExplainStmt) && mentions_keyed_mask(queryString))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("masked roles cannot use dpq's keyed mask functions in DDL"),
				 errdetail("dpq.mask_hash and dpq.mask_noise applied to chosen input would reveal masked values.")));
}

/* ------------------------------------------------------------------------
 * Code owned by masked roles runs masked
 *
 * A function owned by a masked role (a trigger or default on its own table,
 * any invoker-rights function) runs with the privileges of whoever calls
 * it; if that is an unmasked role, the function could read clear values and
 * store them where its owner reads them.  While such a function runs, the
 * identity counts as masked.
 * ------------------------------------------------------------------------
 */
static needs_fmgr_hook_type prev_needs_fmgr = NULL;
static fmgr_hook_type prev_fmgr = NULL;

static bool
owned_by_masked_role(Oid fn_oid)
{
	HeapTuple	tup;
	Oid			owner;

	if (!dpq_masking_in_use())
		return false;
	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	if (!HeapTupleIsValid(tup))
		return false;
	owner = ((Form_pg_proc) GETSTRUCT(tup))->proowner;
	ReleaseSysCache(tup);
	return dpq_role_oid_is_masked(owner);
}

/*
 * A function "needs the hook" when it is owned by a masked role (it runs
 * masked, see dpq_fmgr), and, for a masked identity, when it is written in
 * SQL: the planner does not inline a function that needs the hook
 * (inline_function, inline_set_returning_function), so the function's
 * queries are planned on their own, through the planner hook, and read
 * masked values instead of reaching the executor check unmasked.  One
 * syscache lookup, and none when masking is not in use.
 */
static bool
dpq_needs_fmgr(Oid fn_oid)
{
	HeapTuple	tup;
	Form_pg_proc proc;
	bool		result;

	if (prev_needs_fmgr && prev_needs_fmgr(fn_oid))
		return true;
	if (!dpq_masking_in_use())
		return false;
	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	if (!HeapTupleIsValid(tup))
		return false;
	proc = (Form_pg_proc) GETSTRUCT(tup);
	result = dpq_role_oid_is_masked(proc->proowner) ||
		(proc->prolang == SQLlanguageId && dpq_role_is_masked());
	ReleaseSysCache(tup);
	return result;
}

/*
 * The hook runs for every function that goes through the security wrapper
 * (SECURITY DEFINER, SET options, or another extension's choice), so count
 * only the functions owned by masked roles; the owner is looked up again at
 * the end (a syscache hit) so that nothing needs to be kept per call.
 */
static void
dpq_fmgr(FmgrHookEventType event, FmgrInfo *flinfo, Datum *private)
{
	if (prev_fmgr)
		prev_fmgr(event, flinfo, private);
	if (!owned_by_masked_role(flinfo->fn_oid))
		return;
	switch (event)
	{
		case FHET_START:
			dpq_masked_code_depth(1);
			break;
		case FHET_END:
		case FHET_ABORT:
			dpq_masked_code_depth(-1);
			break;
	}
}

void
dpq_masking_hooks_init(void)
{
	prev_planner = planner_hook;
	planner_hook = dpq_planner;
	prev_check_perms = ExecutorCheckPerms_hook;
	ExecutorCheckPerms_hook = dpq_check_perms;
	prev_needs_fmgr = needs_fmgr_hook;
	needs_fmgr_hook = dpq_needs_fmgr;
	prev_fmgr = fmgr_hook;
	fmgr_hook = dpq_fmgr;
}

/* ------------------------------------------------------------------------
 * Statistics visibility (pg_stats, pg_stats_ext) for masked roles
 * ------------------------------------------------------------------------
 */
PG_FUNCTION_INFO_V1(dpq_stat_visible);
PG_FUNCTION_INFO_V1(dpq_stat_ext_visible);

Datum
dpq_stat_visible(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	AttrNumber	attnum = PG_GETARG_INT16(1);

	if (!dpq_role_is_masked())
		PG_RETURN_BOOL(true);
	/* an index's statistics (expression indexes) are of its table's data */
	if (get_rel_relkind(relid) == RELKIND_INDEX ||
		get_rel_relkind(relid) == RELKIND_PARTITIONED_INDEX)
	{
		Oid			table = IndexGetRelation(relid, true);

		PG_RETURN_BOOL(!OidIsValid(table) ||
					   (!dpq_relation_has_masks(table) &&
						!dpq_relation_is_derived(table)));
	}
	PG_RETURN_BOOL(!dpq_column_is_masked(relid, attnum));
}

Datum
dpq_stat_ext_visible(PG_FUNCTION_ARGS)
{
	Oid			stxoid = PG_GETARG_OID(0);
	Oid			relid;

	if (!dpq_role_is_masked())
		PG_RETURN_BOOL(true);
	/* a statistics object over a masked table: hidden as a whole */
	{
		HeapTuple	tup = SearchSysCache1(STATEXTOID, ObjectIdGetDatum(stxoid));

		if (!HeapTupleIsValid(tup))
			PG_RETURN_BOOL(true);
		relid = ((Form_pg_statistic_ext) GETSTRUCT(tup))->stxrelid;
		ReleaseSysCache(tup);
	}
	PG_RETURN_BOOL(!OidIsValid(relid) ||
				   (!dpq_relation_has_masks(relid) &&
					!dpq_relation_is_derived(relid)));
}
