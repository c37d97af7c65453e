/*-------------------------------------------------------------------------
 *
 * walk.c
 *	  Lineage: from an analysed Query to column edges.
 *
 * The parser has resolved every name (search_path, SELECT *, aliases,
 * USING columns), so the edges are exact.  A query is walked once into a
 * QResult: for each output column the set of source columns it depends on
 * (each with an edge subtype and the levels, hop and/or base, it belongs
 * to), and the dataset-level set: the columns that decide which rows the
 * query returns (join and filter conditions, GROUP BY, DISTINCT, ORDER BY).
 * A Var is resolved through the range table: a subquery, a CTE or a join
 * alias is replaced by the set of the column it names; a view gives a hop
 * dependency on the view's column and base dependencies on what the view's
 * own query computes for it (walked once per statement); a table gives a
 * dependency on itself at both levels.
 *
 * Subtypes compose along the way (doc/lineage.md): a direct use keeps the
 * strongest of identity < transformation < aggregation; a use inside a
 * condition turns every dependency into an indirect one of that kind.
 *
 * IDENTIFICATION
 *	  src/lineage/walk.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteHandler.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "dpq.h"
#include "lineage.h"

/* one dependency: a source column, how it is used, at which levels */
typedef struct Dep
{
	Oid			relid;
	AttrNumber	attnum;
	uint8		subtype;
	uint8		levels;
} Dep;

typedef struct DepSet
{
	int			n;
	int			cap;
	Dep		   *d;
} DepSet;

/* what a query computes */
typedef struct QResult
{
	int			ncols;			/* by resno - 1 */
	DepSet	   *cols;
	DepSet		dataset;
} QResult;

typedef struct WalkState WalkState;

/* one query level being walked */
typedef struct QState
{
	Query	   *query;
	struct QState *parent;
	QResult   **rte_results;	/* per rtindex - 1, for subqueries etc. */
	WalkState  *ws;
	/* INSERT ... ON CONFLICT: EXCLUDED.x is the value inserted into x */
	Index		excl_rti;
	DepSet	   *inserted;		/* by attnum - 1 */
	int			ninserted;
	/* UPDATE SET (a, b) = (SELECT ...): the sublinks, by subLinkId */
	List	   *multiexpr;		/* MultiExpr */
} QState;

typedef struct MultiExpr
{
	int			id;
	QResult    *result;
} MultiExpr;

/* a CTE being or having been walked */
typedef struct CteMemo
{
	CommonTableExpr *cte;
	QResult    *result;
	bool		busy;			/* walking it now (recursive reference) */
} CteMemo;

typedef struct ViewMemo
{
	Oid			relid;
	QResult    *result;			/* NULL while walking it */
} ViewMemo;

struct WalkState
{
	List	   *ctes;			/* CteMemo */
	List	   *views;			/* ViewMemo */
	int			depth;
};

#define MAX_VIEW_DEPTH 64

static void walk_expr(QState *qs, Node *node, int ctx, DepSet *out);
static QResult *walk_query(WalkState *ws, Query *q, QState *parent);

/* ---------------------------------------------------------------------
 * Dependency sets
 * ---------------------------------------------------------------------
 */
static void
dep_add(DepSet *s, Oid relid, AttrNumber attnum, int subtype, int levels)
{
	int			i;

	if (levels == 0)
		return;
	for (i = 0; i < s->n; i++)
	{
		Dep		   *d = &s->d[i];

		if (d->relid == relid && d->attnum == attnum && d->subtype == subtype)
		{
			d->levels |= levels;
			return;
		}
	}
	if (s->n == s->cap)
	{
		s->cap = s->cap ? s->cap * 2 : 8;
		s->d = s->d ? repalloc(s->d, sizeof(Dep) * s->cap)
			: palloc(sizeof(Dep) * s->cap);
	}
	s->d[s->n].relid = relid;
	s->d[s->n].attnum = attnum;
	s->d[s->n].subtype = subtype;
	s->d[s->n].levels = levels;
	s->n++;
}

/*
 * A dependency of subtype "inner" used in context "ctx": a condition makes
 * everything indirect of its kind; a direct use keeps the strongest direct
 * subtype and leaves indirect dependencies as they are.
 */
static int
compose(int ctx, int inner)
{
	if (!LS_IS_DIRECT(ctx))
		return ctx;
	if (!LS_IS_DIRECT(inner))
		return inner;
	return Max(ctx, inner);
}

/* add every dependency of "from" used in context ctx, keeping levels & mask */
static void
dep_add_set(DepSet *out, const DepSet *from, int ctx, int levelmask)
{
	int			i;

	for (i = 0; i < from->n; i++)
		dep_add(out, from->d[i].relid, from->d[i].attnum,
				compose(ctx, from->d[i].subtype),
				from->d[i].levels & levelmask);
}

/* the context of an argument of something that computes a new value */
static int
transformed(int ctx)
{
	return compose(ctx, LS_TRANSFORMATION);
}

/* the context of something that decides (CASE WHEN, FILTER, ...) */
static int
deciding(int ctx, int kind)
{
	return LS_IS_DIRECT(ctx) ? kind : ctx;
}

/* ---------------------------------------------------------------------
 * Relations
 * ---------------------------------------------------------------------
 */
static QResult *
view_result(WalkState *ws, Oid relid)
{
	ListCell   *lc;
	ViewMemo   *memo;
	Relation	rel;
	Query	   *vq;

	foreach(lc, ws->views)
	{
		memo = lfirst(lc);
		if (memo->relid == relid)
			return memo->result;	/* NULL: a cycle (refused by PostgreSQL) */
	}
	if (ws->depth >= MAX_VIEW_DEPTH)
		return NULL;
	memo = palloc0(sizeof(ViewMemo));
	memo->relid = relid;
	ws->views = lappend(ws->views, memo);

	rel = relation_open(relid, AccessShareLock);
	vq = copyObject(get_view_query(rel));
	relation_close(rel, NoLock);

	ws->depth++;
	memo->result = walk_query(ws, vq, NULL);
	ws->depth--;
	return memo->result;
}

static int
relation_natts(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	int			natts;

	if (!HeapTupleIsValid(tup))
		return 0;
	natts = ((Form_pg_class) GETSTRUCT(tup))->relnatts;
	ReleaseSysCache(tup);
	return natts;
}

static bool
attnum_is_dropped(Oid relid, AttrNumber attnum)
{
	HeapTuple	tup;
	bool		dropped;

	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attnum));
	if (!HeapTupleIsValid(tup))
		return true;
	dropped = ((Form_pg_attribute) GETSTRUCT(tup))->attisdropped;
	ReleaseSysCache(tup);
	return dropped;
}

/* column attnum (0: the whole row) of a relation named in a query */
static void
add_relation_column(WalkState *ws, Oid relid, char relkind, AttrNumber attnum,
					int ctx, DepSet *out)
{
	if (attnum < 0)
		return;					/* system columns carry no lineage */
	if (attnum == 0)
	{
		int			natts = relation_natts(relid);
		AttrNumber	a;

		for (a = 1; a <= natts; a++)
			if (!attnum_is_dropped(relid, a))
				add_relation_column(ws, relid, relkind, a, transformed(ctx), out);
		return;
	}
	if (relkind == RELKIND_VIEW)
	{
		QResult    *vr;

		dep_add(out, relid, attnum, compose(ctx, LS_IDENTITY), LIN_HOP);
		vr = view_result(ws, relid);
		if (vr && attnum <= vr->ncols)
			dep_add_set(out, &vr->cols[attnum - 1], ctx, LIN_BASE);
	}
	else
		dep_add(out, relid, attnum, compose(ctx, LS_IDENTITY), LIN_HOP | LIN_BASE);
}

/* column attno (0: every column) of a walked query */
static void
add_result_column(QResult *r, AttrNumber attno, int ctx, DepSet *out)
{
	if (r == NULL)
		return;
	if (attno == 0)
	{
		int			i;

		for (i = 0; i < r->ncols; i++)
			dep_add_set(out, &r->cols[i], transformed(ctx), LIN_HOP | LIN_BASE);
	}
	else if (attno > 0 && attno <= r->ncols)
		dep_add_set(out, &r->cols[attno - 1], ctx, LIN_HOP | LIN_BASE);
}

static QState *
new_qstate(WalkState *ws, Query *q, QState *parent)
{
	QState	   *qs = palloc0(sizeof(QState));

	qs->query = q;
	qs->parent = parent;
	qs->ws = ws;
	qs->rte_results = palloc0(sizeof(QResult *) * Max(list_length(q->rtable), 1));
	return qs;
}

/* the CTE a range table entry refers to, walked */
static QResult *
cte_result(QState *qs, RangeTblEntry *rte)
{
	QState	   *level = qs;
	Index		up;
	ListCell   *lc;
	CommonTableExpr *cte = NULL;
	CteMemo    *memo = NULL;
	WalkState  *ws = qs->ws;
	int			iter;

	for (up = 0; up < rte->ctelevelsup && level; up++)
		level = level->parent;
	if (level == NULL)
		return NULL;
	foreach(lc, level->query->cteList)
	{
		CommonTableExpr *c = lfirst(lc);

		if (strcmp(c->ctename, rte->ctename) == 0)
		{
			cte = c;
			break;
		}
	}
	if (cte == NULL || !IsA(cte->ctequery, Query))
		return NULL;
	foreach(lc, ws->ctes)
	{
		CteMemo    *m = lfirst(lc);

		if (m->cte == cte)
		{
			memo = m;
			break;
		}
	}
	if (memo)
		return memo->result;	/* done, or the partial result of a recursion */

	memo = palloc0(sizeof(CteMemo));
	memo->cte = cte;
	ws->ctes = lappend(ws->ctes, memo);
	memo->busy = true;
	memo->result = walk_query(ws, (Query *) cte->ctequery, level);

	/* a recursive CTE: walk again with what it gives until nothing grows */
	for (iter = 0; cte->cterecursive && iter < 16; iter++)
	{
		QResult    *prev = memo->result;
		QResult    *next = walk_query(ws, (Query *) cte->ctequery, level);
		bool		grew = next->dataset.n != prev->dataset.n;
		int			i;

		for (i = 0; i < next->ncols && !grew; i++)
			grew = i >= prev->ncols || next->cols[i].n != prev->cols[i].n;
		memo->result = next;
		if (!grew)
			break;
	}
	memo->busy = false;
	return memo->result;
}

/* the result of a subquery / function / values range table entry */
static QResult *
rte_result(QState *level, Index rti)
{
	RangeTblEntry *rte = rt_fetch(rti, level->query->rtable);
	QResult    *r;
	ListCell   *lc;

	if (level->rte_results[rti - 1])
		return level->rte_results[rti - 1];

	switch (rte->rtekind)
	{
		case RTE_SUBQUERY:
			r = walk_query(level->ws, rte->subquery, level);
			break;
		case RTE_CTE:
			r = cte_result(level, rte);
			break;
		case RTE_FUNCTION:
		case RTE_TABLEFUNC:
			{
				DepSet		all = {0};
				int			ncols = list_length(rte->eref->colnames);
				int			i;

				if (rte->rtekind == RTE_FUNCTION)
				{
					foreach(lc, rte->functions)
						walk_expr(level, ((RangeTblFunction *) lfirst(lc))->funcexpr,
								  LS_TRANSFORMATION, &all);
				}
				else
					walk_expr(level, (Node *) rte->tablefunc, LS_TRANSFORMATION, &all);
				r = palloc0(sizeof(QResult));
				r->ncols = ncols;
				r->cols = palloc0(sizeof(DepSet) * Max(ncols, 1));
				for (i = 0; i < ncols; i++)
					dep_add_set(&r->cols[i], &all, LS_IDENTITY, LIN_HOP | LIN_BASE);
				break;
			}
		case RTE_VALUES:
			{
				int			ncols = list_length(rte->eref->colnames);

				r = palloc0(sizeof(QResult));
				r->ncols = ncols;
				r->cols = palloc0(sizeof(DepSet) * Max(ncols, 1));
				foreach(lc, rte->values_lists)
				{
					List	   *row = lfirst(lc);
					ListCell   *lc2;
					int			i = 0;

					foreach(lc2, row)
					{
						if (i < ncols)
							walk_expr(level, lfirst(lc2), LS_IDENTITY, &r->cols[i]);
						i++;
					}
				}
				break;
			}
		default:
			r = NULL;
			break;
	}
	level->rte_results[rti - 1] = r;
	return r;
}

/* a Var: what it stands for */
static void
add_var(QState *qs, Var *var, int ctx, DepSet *out)
{
	QState	   *level = qs;
	Index		up;
	RangeTblEntry *rte;

	for (up = 0; up < var->varlevelsup && level; up++)
		level = level->parent;
	if (level == NULL || var->varno < 1 ||
		var->varno > list_length(level->query->rtable))
		return;

	if (var->varno == level->excl_rti && level->inserted)
	{
		if (var->varattno == 0)
		{
			int			i;

			for (i = 0; i < level->ninserted; i++)
				dep_add_set(out, &level->inserted[i], transformed(ctx), LIN_HOP | LIN_BASE);
		}
		else if (var->varattno > 0 && var->varattno <= level->ninserted)
			dep_add_set(out, &level->inserted[var->varattno - 1], ctx, LIN_HOP | LIN_BASE);
		return;
	}

	rte = rt_fetch(var->varno, level->query->rtable);
	switch (rte->rtekind)
	{
		case RTE_RELATION:
			add_relation_column(qs->ws, rte->relid, rte->relkind, var->varattno,
								ctx, out);
			break;
		case RTE_JOIN:
			if (var->varattno == 0)
			{
				ListCell   *lc;

				foreach(lc, rte->joinaliasvars)
					if (lfirst(lc))
						walk_expr(level, lfirst(lc), transformed(ctx), out);
			}
			else if (var->varattno <= list_length(rte->joinaliasvars))
			{
				Node	   *alias = list_nth(rte->joinaliasvars, var->varattno - 1);

				/* a FULL JOIN USING column is COALESCE(l, r): still a copy */
				if (alias && IsA(alias, CoalesceExpr))
					walk_expr(level, (Node *) ((CoalesceExpr *) alias)->args, ctx, out);
				else if (alias)
					walk_expr(level, alias, ctx, out);
			}
			break;
		case RTE_SUBQUERY:
		case RTE_CTE:
		case RTE_FUNCTION:
		case RTE_TABLEFUNC:
		case RTE_VALUES:
			add_result_column(rte_result(level, var->varno), var->varattno, ctx, out);
			break;
		default:
			break;
	}
}

/* ---------------------------------------------------------------------
 * Expressions
 * ---------------------------------------------------------------------
 */
typedef struct ExprWalk
{
	QState	   *qs;
	int			ctx;
	DepSet	   *out;
} ExprWalk;

static bool expr_walker(Node *node, ExprWalk *ew);

static void
walk_expr(QState *qs, Node *node, int ctx, DepSet *out)
{
	ExprWalk	ew;

	ew.qs = qs;
	ew.ctx = ctx;
	ew.out = out;
	(void) expr_walker(node, &ew);
}

/* walk node in another context, then come back */
static void
walk_in(ExprWalk *ew, Node *node, int ctx)
{
	walk_expr(ew->qs, node, ctx, ew->out);
}

/* the expressions GROUP BY, DISTINCT, ORDER BY or a window clause name */
static void
walk_sort_group(QState *qs, List *clauses, int ctx, DepSet *out)
{
	ListCell   *lc;

	foreach(lc, clauses)
		walk_expr(qs, (Node *) get_sortgroupclause_tle(lfirst(lc), qs->query->targetList)->expr,
				  ctx, out);
}

/* a sublink: its output, and what decides its rows */
static void
walk_sublink(ExprWalk *ew, SubLink *sl)
{
	QResult    *r;
	int			ctx = ew->ctx;

	if (!IsA(sl->subselect, Query))
		return;
	r = walk_query(ew->qs->ws, (Query *) sl->subselect, ew->qs);

	switch (sl->subLinkType)
	{
		case EXPR_SUBLINK:
		case ARRAY_SUBLINK:
		case MULTIEXPR_SUBLINK:
			{
				int			i;

				/* the value of the first (or each, MULTIEXPR) output column */
				for (i = 0; i < r->ncols; i++)
				{
					dep_add_set(ew->out, &r->cols[i],
								sl->subLinkType == ARRAY_SUBLINK ? transformed(ctx) : ctx,
								LIN_HOP | LIN_BASE);
					if (sl->subLinkType != MULTIEXPR_SUBLINK)
						break;
				}
				break;
			}
		case EXISTS_SUBLINK:
			break;
		default:
			{
				/* x op ANY/ALL (SELECT y ...): x and y are compared */
				int			i;

				walk_in(ew, sl->testexpr, transformed(ctx));
				for (i = 0; i < r->ncols; i++)
					dep_add_set(ew->out, &r->cols[i], transformed(ctx), LIN_HOP | LIN_BASE);
				break;
			}
	}
	/* the sublink's own conditions: indirect edges of this use */
	dep_add_set(ew->out, &r->dataset, ctx, LIN_HOP | LIN_BASE);
}

static bool
expr_walker(Node *node, ExprWalk *ew)
{
	int			ctx = ew->ctx;

	if (node == NULL)
		return false;

	switch (nodeTag(node))
	{
		case T_Var:
			add_var(ew->qs, (Var *) node, ctx, ew->out);
			return false;
		case T_Param:
			{
				Param	   *p = (Param *) node;
				ListCell   *lc;

				/* a column of UPDATE SET (a, b) = (SELECT ...) */
				if (p->paramkind != PARAM_MULTIEXPR)
					return false;
				foreach(lc, ew->qs->multiexpr)
				{
					MultiExpr  *me = lfirst(lc);

					if (me->id == (p->paramid >> 16))
					{
						add_result_column(me->result, p->paramid & 0xFFFF, ctx, ew->out);
						dep_add_set(ew->out, &me->result->dataset, ctx, LIN_HOP | LIN_BASE);
					}
				}
				return false;
			}
		case T_Const:
		case T_CaseTestExpr:
		case T_SQLValueFunction:
		case T_CurrentOfExpr:
		case T_NextValueExpr:
		case T_SetToDefault:
		case T_GroupingFunc:
			return false;
		case T_List:
		case T_TargetEntry:
		case T_RelabelType:
		case T_CollateExpr:
		case T_CoerceToDomain:
		case T_ConvertRowtypeExpr:
			/* the same value */
			return expression_tree_walker(node, expr_walker, ew);
		case T_FuncExpr:
			{
				FuncExpr   *f = (FuncExpr *) node;

				/* an implicit cast (int into bigint): the same value */
				if (f->funcformat == COERCE_IMPLICIT_CAST && f->args != NIL)
				{
					walk_in(ew, linitial(f->args), ctx);
					return false;
				}
				walk_in(ew, (Node *) f->args, transformed(ctx));
				return false;
			}
		case T_CoerceViaIO:
			{
				CoerceViaIO *c = (CoerceViaIO *) node;

				walk_in(ew, (Node *) c->arg,
						c->coerceformat == COERCE_IMPLICIT_CAST ? ctx : transformed(ctx));
				return false;
			}
		case T_ArrayCoerceExpr:
			{
				ArrayCoerceExpr *c = (ArrayCoerceExpr *) node;

				walk_in(ew, (Node *) c->arg,
						c->coerceformat == COERCE_IMPLICIT_CAST ? ctx : transformed(ctx));
				return false;
			}
		case T_Aggref:
			{
				Aggref	   *a = (Aggref *) node;
				int			agg = compose(ctx, LS_AGGREGATION);
				ListCell   *lc;

				foreach(lc, a->args)
				{
					TargetEntry *tle = lfirst(lc);

					/* ORDER BY arguments that are not aggregated */
					walk_in(ew, (Node *) tle->expr,
							tle->resjunk ? deciding(ctx, LS_SORT) : agg);
				}
				walk_in(ew, (Node *) a->aggdirectargs, transformed(ctx));
				walk_in(ew, (Node *) a->aggfilter, deciding(ctx, LS_CONDITIONAL));
				return false;
			}
		case T_WindowFunc:
			{
				WindowFunc *w = (WindowFunc *) node;
				ListCell   *lc;

				walk_in(ew, (Node *) w->args,
						w->winagg ? compose(ctx, LS_AGGREGATION) : transformed(ctx));
				walk_in(ew, (Node *) w->aggfilter, deciding(ctx, LS_CONDITIONAL));
				foreach(lc, ew->qs->query->windowClause)
				{
					WindowClause *wc = lfirst(lc);

					if (wc->winref != w->winref)
						continue;
					walk_sort_group(ew->qs, wc->partitionClause, deciding(ctx, LS_WINDOW), ew->out);
					walk_sort_group(ew->qs, wc->orderClause, deciding(ctx, LS_WINDOW), ew->out);
				}
				return false;
			}
		case T_CaseExpr:
			{
				CaseExpr   *c = (CaseExpr *) node;
				ListCell   *lc;

				walk_in(ew, (Node *) c->arg, deciding(ctx, LS_CONDITIONAL));
				foreach(lc, c->args)
				{
					CaseWhen   *w = lfirst(lc);

					walk_in(ew, (Node *) w->expr, deciding(ctx, LS_CONDITIONAL));
					walk_in(ew, (Node *) w->result, transformed(ctx));
				}
				walk_in(ew, (Node *) c->defresult, transformed(ctx));
				return false;
			}
		case T_SubLink:
			walk_sublink(ew, (SubLink *) node);
			return false;
		case T_Query:
			return false;
		default:
			/* operators, functions of every other kind: a new value */
			if (LS_IS_DIRECT(ctx) && ctx != LS_TRANSFORMATION &&
				ctx != LS_AGGREGATION)
			{
				walk_in(ew, node, LS_TRANSFORMATION);
				return false;
			}
			return expression_tree_walker(node, expr_walker, ew);
	}
}

/* ---------------------------------------------------------------------
 * Conditions and FROM items
 * ---------------------------------------------------------------------
 */
static bool
count_rels_walker(Node *node, Bitmapset **rels)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		Var		   *v = (Var *) node;

		/* an outer reference (correlation) counts as a relation of its own */
		*rels = bms_add_member(*rels, v->varno + v->varlevelsup * 1024);
		return false;
	}
	if (IsA(node, SubLink) || IsA(node, Query))
		return false;
	return expression_tree_walker(node, count_rels_walker, rels);
}

/* each conjunct: a join when it involves two relations, else a filter */
static void
walk_quals(QState *qs, Node *quals, DepSet *out, int single_kind)
{
	ListCell   *lc;

	if (quals == NULL)
		return;
	foreach(lc, make_ands_implicit((Expr *) quals))
	{
		Node	   *conj = lfirst(lc);
		Bitmapset  *rels = NULL;

		(void) count_rels_walker(conj, &rels);
		walk_expr(qs, conj, bms_num_members(rels) >= 2 ? LS_JOIN : single_kind, out);
		bms_free(rels);
	}
}

/* the FROM items' own row conditions, and the join conditions */
static void
walk_from(QState *qs, Node *node, DepSet *out)
{
	if (node == NULL)
		return;
	if (IsA(node, RangeTblRef))
	{
		Index		rti = ((RangeTblRef *) node)->rtindex;
		RangeTblEntry *rte = rt_fetch(rti, qs->query->rtable);

		if (rte->rtekind == RTE_RELATION && rte->relkind == RELKIND_VIEW)
		{
			QResult    *vr = view_result(qs->ws, rte->relid);

			if (vr)
				dep_add_set(out, &vr->dataset, LS_IDENTITY, LIN_BASE);
		}
		else if (rte->rtekind == RTE_SUBQUERY || rte->rtekind == RTE_CTE)
		{
			QResult    *r = rte_result(qs, rti);

			if (r)
				dep_add_set(out, &r->dataset, LS_IDENTITY, LIN_HOP | LIN_BASE);
		}
	}
	else if (IsA(node, JoinExpr))
	{
		JoinExpr   *j = (JoinExpr *) node;

		walk_from(qs, j->larg, out);
		walk_from(qs, j->rarg, out);
		walk_quals(qs, j->quals, out, LS_JOIN);
	}
	else if (IsA(node, FromExpr))
	{
		FromExpr   *f = (FromExpr *) node;
		ListCell   *lc;

		foreach(lc, f->fromlist)
			walk_from(qs, lfirst(lc), out);
		walk_quals(qs, f->quals, out, LS_FILTER);
	}
}

/* GROUP BY, DISTINCT, ORDER BY, HAVING of a query */
static void
walk_clauses(QState *qs, DepSet *out)
{
	Query	   *q = qs->query;

	walk_sort_group(qs, q->groupClause, LS_GROUP_BY, out);
	walk_sort_group(qs, q->distinctClause, LS_GROUP_BY, out);
	walk_sort_group(qs, q->sortClause, LS_SORT, out);
	walk_quals(qs, q->havingQual, out, LS_FILTER);
}

/* ---------------------------------------------------------------------
 * Queries
 * ---------------------------------------------------------------------
 */
static QResult *
new_result(int ncols)
{
	QResult    *r = palloc0(sizeof(QResult));

	r->ncols = ncols;
	r->cols = palloc0(sizeof(DepSet) * Max(ncols, 1));
	return r;
}

/* a set operation tree: per output column, and the rows' conditions */
static QResult *
walk_setop(QState *qs, Node *node, int ncols)
{
	QResult    *r = new_result(ncols);

	if (IsA(node, RangeTblRef))
	{
		QResult    *leaf = rte_result(qs, ((RangeTblRef *) node)->rtindex);
		int			i;

		if (leaf)
		{
			for (i = 0; i < ncols && i < leaf->ncols; i++)
				dep_add_set(&r->cols[i], &leaf->cols[i], LS_IDENTITY, LIN_HOP | LIN_BASE);
			dep_add_set(&r->dataset, &leaf->dataset, LS_IDENTITY, LIN_HOP | LIN_BASE);
		}
	}
	else if (IsA(node, SetOperationStmt))
	{
		SetOperationStmt *op = (SetOperationStmt *) node;
		QResult    *l = walk_setop(qs, op->larg, ncols);
		QResult    *rr = walk_setop(qs, op->rarg, ncols);
		int			i;

		for (i = 0; i < ncols; i++)
		{
			dep_add_set(&r->cols[i], &l->cols[i], LS_IDENTITY, LIN_HOP | LIN_BASE);
			if (op->op == SETOP_EXCEPT)
				dep_add_set(&r->dataset, &rr->cols[i], LS_FILTER, LIN_HOP | LIN_BASE);
			else
				dep_add_set(&r->cols[i], &rr->cols[i], LS_IDENTITY, LIN_HOP | LIN_BASE);
		}
		dep_add_set(&r->dataset, &l->dataset, LS_IDENTITY, LIN_HOP | LIN_BASE);
		dep_add_set(&r->dataset, &rr->dataset,
					op->op == SETOP_EXCEPT ? LS_FILTER : LS_IDENTITY,
					LIN_HOP | LIN_BASE);
	}
	return r;
}

/*
 * A query's output columns (its target list; for INSERT / UPDATE / DELETE /
 * MERGE inside a CTE, its RETURNING list) and dataset-level dependencies.
 */
static QResult *
walk_query(WalkState *ws, Query *q, QState *parent)
{
	QState	   *qs = new_qstate(ws, q, parent);
	List	   *tlist = q->commandType == CMD_SELECT ? q->targetList : q->returningList;
	QResult    *r = new_result(list_length(tlist));
	ListCell   *lc;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();

	if (q->commandType == CMD_SELECT && q->setOperations)
	{
		QResult    *so = walk_setop(qs, q->setOperations, r->ncols);
		int			i;

		for (i = 0; i < r->ncols; i++)
			dep_add_set(&r->cols[i], &so->cols[i], LS_IDENTITY, LIN_HOP | LIN_BASE);
		dep_add_set(&r->dataset, &so->dataset, LS_IDENTITY, LIN_HOP | LIN_BASE);
		/* ORDER BY names the output columns */
		foreach(lc, q->sortClause)
		{
			TargetEntry *tle = get_sortgroupclause_tle(lfirst(lc), q->targetList);

			if (tle->resno <= r->ncols)
				dep_add_set(&r->dataset, &so->cols[tle->resno - 1], LS_SORT,
							LIN_HOP | LIN_BASE);
		}
		return r;
	}

	foreach(lc, tlist)
	{
		TargetEntry *tle = lfirst(lc);

		if (!tle->resjunk && tle->resno >= 1 && tle->resno <= r->ncols)
			walk_expr(qs, (Node *) tle->expr, LS_IDENTITY, &r->cols[tle->resno - 1]);
	}
	if (q->commandType == CMD_SELECT)
	{
		walk_from(qs, (Node *) q->jointree, &r->dataset);
		walk_clauses(qs, &r->dataset);
	}
	return r;
}

/* ---------------------------------------------------------------------
 * Statements: targets and edges
 * ---------------------------------------------------------------------
 */

/* final edges: one direct edge per source column (the strongest) per level */
static void
emit_set(List **edges, Oid target, AttrNumber tattnum, const DepSet *s)
{
	int			i,
				j;

	for (i = 0; i < s->n; i++)
	{
		const Dep  *d = &s->d[i];
		int			levels = 0;
		int			lvl;

		if (tattnum == 0 && LS_IS_DIRECT(d->subtype))
			continue;			/* cannot happen: dataset sets are indirect */
		for (lvl = LIN_HOP; lvl <= LIN_BASE; lvl <<= 1)
		{
			bool		strongest = true;

			if (!(d->levels & lvl))
				continue;
			if (LS_IS_DIRECT(d->subtype))
				for (j = 0; j < s->n; j++)
				{
					const Dep  *o = &s->d[j];

					if (j != i && (o->levels & lvl) && LS_IS_DIRECT(o->subtype) &&
						o->relid == d->relid && o->attnum == d->attnum &&
						o->subtype > d->subtype)
						strongest = false;
				}
			if (strongest)
				levels |= lvl;
		}
		if (levels)
		{
			LinEdge    *e = palloc0(sizeof(LinEdge));

			e->source_relid = d->relid;
			e->source_attnum = d->attnum;
			e->target_relid = target;
			e->target_attnum = tattnum;
			e->subtype = d->subtype;
			e->levels = levels;
			*edges = lappend(*edges, e);
		}
	}
}

static void walk_statement(WalkState *ws, Query *q, QState *parent, List **edges);

/* the views a walk expanded (their definitions are part of the job) */
static List *
view_oids(WalkState *ws)
{
	List	   *oids = NIL;
	ListCell   *lc;

	foreach(lc, ws->views)
		oids = lappend_oid(oids, ((ViewMemo *) lfirst(lc))->relid);
	return oids;
}

/* the target columns of an INSERT / UPDATE / MERGE action's target list */
static void
walk_assignments(QState *qs, List *tlist, DepSet *cols, int ncols)
{
	ListCell   *lc;

	/* the sublinks of multiple-column assignments are junk entries */
	foreach(lc, tlist)
	{
		TargetEntry *tle = lfirst(lc);

		if (tle->resjunk && IsA(tle->expr, SubLink) &&
			((SubLink *) tle->expr)->subLinkType == MULTIEXPR_SUBLINK &&
			IsA(((SubLink *) tle->expr)->subselect, Query))
		{
			SubLink    *sl = (SubLink *) tle->expr;
			MultiExpr  *me = palloc(sizeof(MultiExpr));

			me->id = sl->subLinkId;
			me->result = walk_query(qs->ws, (Query *) sl->subselect, qs);
			qs->multiexpr = lappend(qs->multiexpr, me);
		}
	}
	foreach(lc, tlist)
	{
		TargetEntry *tle = lfirst(lc);

		if (!tle->resjunk && tle->resno >= 1 && tle->resno <= ncols)
			walk_expr(qs, (Node *) tle->expr, LS_IDENTITY, &cols[tle->resno - 1]);
	}
}

/* the same dependencies, as conditions, into each assigned column */
static void
walk_action_qual(QState *qs, Node *qual, List *tlist, DepSet *cols, int ncols,
				 DepSet *dataset)
{
	DepSet		cond = {0};
	ListCell   *lc;
	bool		any = false;

	if (qual == NULL)
		return;
	walk_expr(qs, qual, LS_CONDITIONAL, &cond);
	foreach(lc, tlist)
	{
		TargetEntry *tle = lfirst(lc);

		if (!tle->resjunk && tle->resno >= 1 && tle->resno <= ncols)
		{
			dep_add_set(&cols[tle->resno - 1], &cond, LS_IDENTITY, LIN_HOP | LIN_BASE);
			any = true;
		}
	}
	if (!any)
		dep_add_set(dataset, &cond, LS_IDENTITY, LIN_HOP | LIN_BASE);
}

/* INSERT, UPDATE, DELETE, MERGE */
static void
walk_dml(WalkState *ws, Query *q, QState *parent, List **edges)
{
	QState	   *qs = new_qstate(ws, q, parent);
	RangeTblEntry *target;
	int			ncols;
	DepSet	   *cols;
	DepSet		dataset = {0};
	int			i;
	ListCell   *lc;

	if (q->resultRelation < 1 || q->resultRelation > list_length(q->rtable))
		return;
	target = rt_fetch(q->resultRelation, q->rtable);
	if (target->rtekind != RTE_RELATION)
		return;
	ncols = relation_natts(target->relid);
	cols = palloc0(sizeof(DepSet) * Max(ncols, 1));

	switch (q->commandType)
	{
		case CMD_INSERT:
			walk_assignments(qs, q->targetList, cols, ncols);
			walk_from(qs, (Node *) q->jointree, &dataset);
			if (q->onConflict && q->onConflict->action == ONCONFLICT_UPDATE)
			{
				DepSet	   *set = palloc0(sizeof(DepSet) * Max(ncols, 1));

				/* EXCLUDED.x: what the statement tried to insert into x */
				qs->excl_rti = q->onConflict->exclRelIndex;
				qs->inserted = palloc0(sizeof(DepSet) * Max(ncols, 1));
				qs->ninserted = ncols;
				for (i = 0; i < ncols; i++)
					dep_add_set(&qs->inserted[i], &cols[i], LS_IDENTITY, LIN_HOP | LIN_BASE);
				walk_assignments(qs, q->onConflict->onConflictSet, set, ncols);
				walk_action_qual(qs, q->onConflict->onConflictWhere,
								 q->onConflict->onConflictSet, set, ncols, &dataset);
				for (i = 0; i < ncols; i++)
					dep_add_set(&cols[i], &set[i], LS_IDENTITY, LIN_HOP | LIN_BASE);
			}
			break;
		case CMD_UPDATE:
			walk_assignments(qs, q->targetList, cols, ncols);
			walk_from(qs, (Node *) q->jointree, &dataset);
			break;
		case CMD_DELETE:
			walk_from(qs, (Node *) q->jointree, &dataset);
			break;
		case CMD_MERGE:
			/* the source and ON condition (the target is not in the join tree) */
			walk_from(qs, (Node *) q->jointree, &dataset);
			foreach(lc, q->mergeActionList)
			{
				MergeAction *a = lfirst(lc);

				walk_assignments(qs, a->targetList, cols, ncols);
				walk_action_qual(qs, a->qual, a->targetList, cols, ncols, &dataset);
			}
			break;
		default:
			return;
	}

	for (i = 0; i < ncols; i++)
		emit_set(edges, target->relid, i + 1, &cols[i]);
	emit_set(edges, target->relid, 0, &dataset);

	/* data-modifying CTEs of this statement write too */
	foreach(lc, q->cteList)
	{
		CommonTableExpr *cte = lfirst(lc);

		if (IsA(cte->ctequery, Query) &&
			((Query *) cte->ctequery)->commandType != CMD_SELECT)
			walk_statement(ws, (Query *) cte->ctequery, qs, edges);
	}
}

static void
walk_statement(WalkState *ws, Query *q, QState *parent, List **edges)
{
	if (q->commandType == CMD_SELECT)
	{
		/* a SELECT writes only through data-modifying CTEs */
		QState	   *qs = new_qstate(ws, q, parent);
		ListCell   *lc;

		foreach(lc, q->cteList)
		{
			CommonTableExpr *cte = lfirst(lc);

			if (IsA(cte->ctequery, Query) &&
				((Query *) cte->ctequery)->commandType != CMD_SELECT)
				walk_statement(ws, (Query *) cte->ctequery, qs, edges);
		}
	}
	else
		walk_dml(ws, q, parent, edges);
}

/* the edges of a writing statement (List of LinEdge) */
List *
dpq_lineage_walk_query(Query *query, List **views)
{
	WalkState	ws = {0};
	List	   *edges = NIL;

	walk_statement(&ws, query, NULL, &edges);
	*views = view_oids(&ws);
	return edges;
}

/*
 * The edges of a query whose output becomes a relation's columns, in order
 * (CREATE TABLE AS, materialized views, views).
 */
List *
dpq_lineage_walk_select(Query *query, Oid target_relid, List **views)
{
	WalkState	ws = {0};
	List	   *edges = NIL;
	QResult    *r = walk_query(&ws, query, NULL);
	ListCell   *lc;
	AttrNumber	attnum = 0;

	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst(lc);

		if (tle->resjunk)
			continue;
		attnum++;
		if (tle->resno >= 1 && tle->resno <= r->ncols)
			emit_set(&edges, target_relid, attnum, &r->cols[tle->resno - 1]);
	}
	emit_set(&edges, target_relid, 0, &r->dataset);
	*views = view_oids(&ws);
	return edges;
}

/* the edges of a view's (or materialized view's) own query */
List *
dpq_lineage_walk_view(Oid viewid, List **views)
{
	Relation	rel = relation_open(viewid, AccessShareLock);
	Query	   *q = copyObject(get_view_query(rel));

	relation_close(rel, NoLock);
	return dpq_lineage_walk_select(q, viewid, views);
}

/*
 * Does the statement move data between relations?  Not when every edge
 * goes from a table into itself (UPDATE t SET n = n + 1 WHERE id = 3).
 */
bool
dpq_lineage_reads_other(List *edges)
{
	ListCell   *lc;

	foreach(lc, edges)
	{
		LinEdge    *e = lfirst(lc);

		if (e->source_relid != e->target_relid)
			return true;
	}
	return false;
}

static int
edge_cmp(const void *a, const void *b)
{
	const LinEdge *x = a;
	const LinEdge *y = b;

#define CMP(f) if (x->f != y->f) return x->f < y->f ? -1 : 1
	CMP(target_relid);
	CMP(target_attnum);
	CMP(source_relid);
	CMP(source_attnum);
	CMP(subtype);
	CMP(levels);
#undef CMP
	return 0;
}

/*
 * A job from edges: merged (same edge at both levels), sorted, hashed.
 * Edges onto dpq's own catalog are left out.
 */
LinJob *
dpq_lineage_make_job(MemoryContext cxt, const char *statement, List *edges,
					 List *views, const char *query, int query_location,
					 int query_len)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	LinJob	   *job = palloc0(sizeof(LinJob));
	Oid			dpq_nsp = get_namespace_oid(DPQ_SCHEMA, true);
	ListCell   *lc;
	int			n = 0,
				i;
	uint64		h;
	List	   *relids = NIL;

	job->statement = statement;
	job->edges = palloc0(sizeof(LinEdge) * Max(list_length(edges), 1));
	foreach(lc, edges)
	{
		LinEdge    *e = lfirst(lc);

		if (OidIsValid(dpq_nsp) && get_rel_namespace(e->target_relid) == dpq_nsp)
			continue;
		job->edges[n++] = *e;
	}
	qsort(job->edges, n, sizeof(LinEdge), edge_cmp);
	/* merge duplicates (the same edge reached twice) */
	if (n > 1)
	{
		int			w = 0;

		for (i = 1; i < n; i++)
		{
			LinEdge    *p = &job->edges[w];
			LinEdge    *e = &job->edges[i];

			if (p->target_relid == e->target_relid && p->target_attnum == e->target_attnum &&
				p->source_relid == e->source_relid && p->source_attnum == e->source_attnum &&
				p->subtype == e->subtype)
				p->levels |= e->levels;
			else
				job->edges[++w] = *e;
		}
		n = w + 1;
	}
	job->nedges = n;

	for (i = 0; i < n; i++)
	{
		if (OidIsValid(job->edges[i].source_relid))
			relids = list_append_unique_oid(relids, job->edges[i].source_relid);
		relids = list_append_unique_oid(relids, job->edges[i].target_relid);
	}
	foreach(lc, views)
		relids = list_append_unique_oid(relids, lfirst_oid(lc));
	job->nrelids = list_length(relids);
	job->relids = palloc(sizeof(Oid) * Max(job->nrelids, 1));
	i = 0;
	foreach(lc, relids)
		job->relids[i++] = lfirst_oid(lc);

	/* names as they are now (the relation may be dropped before commit) */
	job->names = palloc0(sizeof(char *) * 4 * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		LinEdge    *e = &job->edges[i];
		char	  **nm = &job->names[i * 4];

		if (OidIsValid(e->source_relid))
		{
			nm[0] = get_rel_name(e->source_relid) ? dpq_relation_name(e->source_relid) : NULL;
			nm[1] = get_attname(e->source_relid, e->source_attnum, true);
		}
		else					/* COPY: fields named after their columns */
			nm[1] = get_attname(e->target_relid, e->source_attnum, true);
		nm[2] = get_rel_name(e->target_relid) ? dpq_relation_name(e->target_relid) : NULL;
		if (e->target_attnum > 0)
			nm[3] = get_attname(e->target_relid, e->target_attnum, true);
	}

	h = hash_bytes_extended((const unsigned char *) statement, strlen(statement), 0);
	if (n > 0)
		h = hash_bytes_extended((const unsigned char *) job->edges,
								sizeof(LinEdge) * n, h);
	job->shape = h;

	if (query)
	{
		if (query_location >= 0 && query_location < (int) strlen(query))
		{
			query += query_location;
			if (query_len <= 0)
				query_len = strlen(query);
			job->query = pnstrdup(query, query_len);
		}
		else
			job->query = pstrdup(query);
	}
	MemoryContextSwitchTo(old);
	return job;
}

const char *
dpq_lineage_subtype_name(int subtype)
{
	static const char *const names[] = {
		"identity", "transformation", "aggregation", "join", "filter",
		"group_by", "sort", "window", "conditional"
	};

	if (subtype < 0 || subtype > LS_CONDITIONAL)
		return "transformation";
	return names[subtype];
}
