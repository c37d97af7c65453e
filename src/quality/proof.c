/*-------------------------------------------------------------------------
 *
 * proof.c
 *	  Deciding tests from the catalog, without reading a row.
 *
 * - not_null: the column's NOT NULL (attnotnull), on every inheritance
 *   child too; or a validated CHECK constraint that implies it.
 * - unique: a valid, immediate, non-partial unique index (or primary key
 *   or unique constraint) on exactly that column, with the type's default
 *   operator class and the column's collation.  On a table with
 *   inheritance children only a partitioned index covers the children.
 * - range and values: validated CHECK constraints that imply the test's
 *   check expression, decided by the planner's predicate_implied_by (weak
 *   implication: a CHECK passes when it is not false, and so does a test
 *   on a NULL).
 * - fresh: not a proof, but a btree index led by the column turns max(col)
 *   into an index probe.
 * Foreign tables prove nothing: their constraints are not enforced.
 *
 * IDENTIFICATION
 *	  src/quality/proof.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/pg_am.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "dpq.h"
#include "quality.h"

/*
 * Constraints of a foreign table are not enforced, nor are a parent's
 * constraints on its foreign partitions or children: no proof then.
 */
static bool
proofs_possible(Relation rel)
{
	List	   *children;
	ListCell   *lc;

	if (rel->rd_rel->relkind == RELKIND_FOREIGN_TABLE)
		return false;
	if (!rel->rd_rel->relhassubclass)
		return true;
	children = find_all_inheritors(RelationGetRelid(rel), NoLock, NULL);
	foreach(lc, children)
		if (get_rel_relkind(lfirst_oid(lc)) == RELKIND_FOREIGN_TABLE)
			return false;
	return true;
}

/* every inheritance child (not partitions: they cannot drop NOT NULL) */
static bool
children_not_null(Relation rel, AttrNumber attnum)
{
	const char *attname = NameStr(TupleDescAttr(RelationGetDescr(rel),
												attnum - 1)->attname);
	List	   *children;
	ListCell   *lc;

	if (!rel->rd_rel->relhassubclass)
		return true;
	children = find_all_inheritors(RelationGetRelid(rel), NoLock, NULL);
	foreach(lc, children)
	{
		Oid			child = lfirst_oid(lc);
		AttrNumber	childatt;
		HeapTuple	tup;
		bool		notnull;

		if (child == RelationGetRelid(rel))
			continue;
		if (get_rel_relkind(child) == RELKIND_FOREIGN_TABLE)
			return false;
		childatt = get_attnum(child, attname);
		if (childatt == InvalidAttrNumber)
			return false;
		tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(child),
							  Int16GetDatum(childatt));
		if (!HeapTupleIsValid(tup))
			return false;
		notnull = ((Form_pg_attribute) GETSTRUCT(tup))->attnotnull;
		ReleaseSysCache(tup);
		if (!notnull)
			return false;
	}
	return true;
}

char *
dpq_prove_not_null(Relation rel, AttrNumber attnum)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);

	if (!proofs_possible(rel))
		return NULL;
	if (att->attnotnull && children_not_null(rel, attnum))
		return psprintf("NOT NULL constraint on column \"%s\"",
						NameStr(att->attname));
	return dpq_prove_by_check(rel,
							  psprintf("(%s IS NOT NULL)",
									   quote_identifier(NameStr(att->attname))));
}

char *
dpq_prove_unique(Relation rel, AttrNumber attnum)
{
	return dpq_prove_unique_key(rel, 1, &attnum);
}

/*
 * A unique index proves a key (one or more columns) unique when every one
 * of its columns is a key column, with the column's default equality
 * (default opclass, the column's collation): no predicate, no expression,
 * valid, not deferred, and no inheritance child it would not cover.
 */
char *
dpq_prove_unique_key(Relation rel, int nkeys, const AttrNumber *attnums)
{
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *indexes;
	ListCell   *lc;
	char	   *result = NULL;

	if (!proofs_possible(rel))
		return NULL;
	/* an index on an inheritance parent does not cover its children */
	if (rel->rd_rel->relkind == RELKIND_RELATION && rel->rd_rel->relhassubclass)
		return NULL;

	indexes = RelationGetIndexList(rel);
	foreach(lc, indexes)
	{
		Oid			indexoid = lfirst_oid(lc);
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
		Form_pg_index idx;
		bool		isnull;
		Datum		d;
		oidvector  *indclass;
		oidvector  *indcoll;
		bool		ok;
		int			i;

		if (!HeapTupleIsValid(tup))
			continue;
		idx = (Form_pg_index) GETSTRUCT(tup);
		ok = idx->indisunique && idx->indisvalid && idx->indimmediate &&
			idx->indnkeyatts >= 1 &&
			heap_attisnull(tup, Anum_pg_index_indpred, NULL) &&
			heap_attisnull(tup, Anum_pg_index_indexprs, NULL);
		if (ok)
		{
			/* the key's equality: default opclass, same collation */
			d = SysCacheGetAttr(INDEXRELID, tup, Anum_pg_index_indclass, &isnull);
			indclass = (oidvector *) DatumGetPointer(d);
			d = SysCacheGetAttr(INDEXRELID, tup, Anum_pg_index_indcollation, &isnull);
			indcoll = (oidvector *) DatumGetPointer(d);
			for (i = 0; ok && i < idx->indnkeyatts; i++)
			{
				AttrNumber	att = idx->indkey.values[i];
				Form_pg_attribute a;
				int			k;

				ok = false;
				for (k = 0; k < nkeys; k++)
					if (attnums[k] == att)
						ok = true;
				if (!ok || att <= 0)
				{
					ok = false;
					break;
				}
				a = TupleDescAttr(desc, att - 1);
				ok = indclass->values[i] == GetDefaultOpClass(a->atttypid, BTREE_AM_OID) &&
					indcoll->values[i] == a->attcollation;
			}
		}
		if (ok)
		{
			Oid			conoid = get_index_constraint(indexoid);

			if (idx->indisprimary)
				result = psprintf("primary key \"%s\"", get_rel_name(indexoid));
			else if (OidIsValid(conoid))
				result = psprintf("unique constraint \"%s\"", get_rel_name(indexoid));
			else
				result = psprintf("unique index \"%s\"", get_rel_name(indexoid));
		}
		ReleaseSysCache(tup);
		if (result)
			break;
	}
	list_free(indexes);
	return result;
}

/* validated CHECK constraints usable as facts about every row */
typedef struct CheckFact
{
	char	   *name;
	List	   *clauses;		/* implicit-AND list, planner-preprocessed */
} CheckFact;

static List *
check_facts(Relation rel)
{
	List	   *facts = NIL;
	Relation	conrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	bool		has_children = rel->rd_rel->relhassubclass;

	conrel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(RelationGetRelid(rel)));
	scan = systable_beginscan(conrel, ConstraintRelidTypidNameIndexId, true,
							  NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		Datum		d;
		bool		isnull;
		Node	   *expr;
		CheckFact  *fact;

		if (con->contype != CONSTRAINT_CHECK || !con->convalidated)
			continue;
		/* a NO INHERIT check says nothing about the children we also scan */
		if (con->connoinherit && has_children)
			continue;
		d = heap_getattr(tup, Anum_pg_constraint_conbin,
						 RelationGetDescr(conrel), &isnull);
		if (isnull)
			continue;
		expr = stringToNode(TextDatumGetCString(d));
		expr = eval_const_expressions(NULL, expr);
		expr = (Node *) canonicalize_qual((Expr *) expr, true);

		fact = palloc(sizeof(CheckFact));
		fact->name = pstrdup(NameStr(con->conname));
		fact->clauses = make_ands_implicit((Expr *) expr);
		facts = lappend(facts, fact);
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
	return facts;
}

/*
 * Is the boolean expression checksql (over rel's columns) implied by the
 * validated CHECK constraints?  Returns the proof text or NULL.
 */
char *
dpq_prove_by_check(Relation rel, const char *checksql)
{
	List	   *facts;
	List	   *all = NIL;
	List	   *predicate;
	Node	   *expr;
	ListCell   *lc;
	StringInfoData names;

	if (!proofs_possible(rel))
		return NULL;
	facts = check_facts(rel);
	if (facts == NIL)
		return NULL;

	expr = dpq_transform_where(rel, checksql, "check expression");
	expr = eval_const_expressions(NULL, expr);
	expr = (Node *) canonicalize_qual((Expr *) expr, false);
	predicate = make_ands_implicit((Expr *) expr);

	/* one constraint alone, named */
	foreach(lc, facts)
	{
		CheckFact  *fact = lfirst(lc);

		if (predicate_implied_by(predicate, fact->clauses, true))
			return psprintf("CHECK constraint \"%s\"", fact->name);
		all = list_concat(all, fact->clauses);
	}
	/* or several together: keep only those the proof needs */
	if (list_length(facts) < 2 || !predicate_implied_by(predicate, all, true))
		return NULL;
	{
		List	   *needed = list_copy(facts);
		int			i = 0;

		while (i < list_length(needed))
		{
			List	   *without = NIL;
			ListCell   *lc2;
			int			j = 0;

			foreach(lc2, needed)
			{
				if (j++ != i)
					without = list_concat(without,
										  list_copy(((CheckFact *) lfirst(lc2))->clauses));
			}
			if (without != NIL && predicate_implied_by(predicate, without, true))
				needed = list_delete_nth_cell(needed, i);
			else
				i++;
		}
		initStringInfo(&names);
		appendStringInfoString(&names, "CHECK constraints ");
		foreach(lc, needed)
		{
			CheckFact  *fact = lfirst(lc);

			if (lc != list_head(needed))
				appendStringInfoString(&names, ", ");
			appendStringInfo(&names, "\"%s\"", fact->name);
		}
	}
	return names.data;
}

static bool
index_is_btree(Oid indexoid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(indexoid));
	bool		result;

	if (!HeapTupleIsValid(tup))
		return false;
	result = ((Form_pg_class) GETSTRUCT(tup))->relam == BTREE_AM_OID;
	ReleaseSysCache(tup);
	return result;
}

/* a valid, non-partial btree index whose first key is the column */
Oid
dpq_fresh_index(Relation rel, AttrNumber attnum)
{
	List	   *indexes;
	ListCell   *lc;
	Oid			result = InvalidOid;

	if (rel->rd_rel->relkind == RELKIND_FOREIGN_TABLE ||
		(rel->rd_rel->relkind == RELKIND_RELATION && rel->rd_rel->relhassubclass))
		return InvalidOid;
	indexes = RelationGetIndexList(rel);
	foreach(lc, indexes)
	{
		Oid			indexoid = lfirst_oid(lc);
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
		Form_pg_index idx;

		if (!HeapTupleIsValid(tup))
			continue;
		idx = (Form_pg_index) GETSTRUCT(tup);
		if (idx->indisvalid && idx->indkey.values[0] == attnum &&
			heap_attisnull(tup, Anum_pg_index_indpred, NULL) &&
			index_is_btree(indexoid))
			result = indexoid;
		ReleaseSysCache(tup);
		if (OidIsValid(result))
			break;
	}
	list_free(indexes);
	return result;
}
