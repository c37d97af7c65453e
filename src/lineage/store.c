/*-------------------------------------------------------------------------
 *
 * store.c
 *	  Lineage: writing a transaction's runs, just before it commits.
 *
 * A run refers to its job.  A job is written once (dpq.lineage_jobs and its
 * edges in dpq.lineage_edge_store), the first time its shape commits
 * anywhere: INSERT ... ON CONFLICT on the shape makes concurrent first
 * writers agree, and each backend remembers the shapes it knows are
 * written.  That path uses SPI in a subtransaction (an error becomes a
 * WARNING and the runs of that job are not recorded).  The runs themselves
 * go to dpq.lineage_runs directly (heap insert and index maintenance, no
 * SPI, no parse or plan): one tuple per run.  When someone has added a
 * trigger, a CHECK constraint or an index to dpq.lineage_runs, the write
 * runs in a subtransaction: whatever fails is a WARNING, and the user's
 * transaction commits without its lineage.  Without them, the insert can
 * only fail where the commit itself would (a full disk), and needs no
 * subtransaction (nor a subtransaction id, a cost per commit).
 *
 * Nothing is written in a read-only transaction or during recovery (a
 * temporary table built by CREATE TABLE AS there has no lineage).
 *
 * IDENTIFICATION
 *	  src/lineage/store.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/table.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/xid8.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "dpq.h"
#include "lineage.h"

static const char *const source_types[] = {"relation", "file", "program", "stdin"};

typedef struct EnsureArg
{
	LinJob	   *job;
	Oid			roleid;
	int64		job_id;
} EnsureArg;

/* text datum or NULL */
static Datum
text_or_null(const char *s, char *nulls, int i)
{
	if (s == NULL)
	{
		nulls[i] = 'n';
		return (Datum) 0;
	}
	nulls[i] = ' ';
	return CStringGetTextDatum(s);
}

/* write a job and its edges unless its shape is there already */
static void
ensure_job(void *arg)
{
	EnsureArg  *ea = arg;
	LinJob	   *job = ea->job;
	DpqIdentity id;
	Oid			jtypes[4] = {INT8OID, TEXTOID, TEXTOID, TEXTOID};
	Datum		jvals[4];
	char		jnulls[5] = "    ";
	char	   *role = GetUserNameFromId(ea->roleid, true);
	bool		isnull;
	int			i;

	/* pre-commit: no statement is running, so no snapshot is set */
	PushActiveSnapshot(GetTransactionSnapshot());
	dpq_spi_connect();
	dpq_become_catalog_owner(&id);

	jvals[0] = Int64GetDatum((int64) job->shape);
	jvals[1] = CStringGetTextDatum(job->statement);
	jvals[2] = text_or_null(job->query, jnulls, 2);
	jvals[3] = text_or_null(role ? role : "", jnulls, 3);
	dpq_spi_exec("INSERT INTO dpq.lineage_jobs (shape, statement, query, first_role)"
				 " VALUES ($1, $2, $3, $4::pg_catalog.name)"
				 " ON CONFLICT (shape) WHERE NOT retired DO NOTHING"
				 " RETURNING job_id",
				 4, jtypes, jvals, jnulls, false, 0);
	if (SPI_processed == 1)
	{
		Oid			etypes[14] = {INT8OID, TEXTOID, OIDOID, TEXTOID, INT2OID, TEXTOID,
		OIDOID, TEXTOID, INT2OID, TEXTOID, TEXTOID, TEXTOID, BOOLOID, BOOLOID};

		ea->job_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
												 SPI_tuptable->tupdesc, 1, &isnull));
		for (i = 0; i < job->nedges; i++)
		{
			LinEdge    *e = &job->edges[i];
			char	  **nm = &job->names[i * 4];
			Datum		v[14];
			char		nulls[15] = "              ";
			bool		src_rel = OidIsValid(e->source_relid);
			bool		src_live = src_rel && get_rel_name(e->source_relid) != NULL;
			bool		tgt_live = get_rel_name(e->target_relid) != NULL;
			char	   *sname;
			char	   *tname;

			/* live names (renamed since the walk?), else the walked ones */
			sname = !src_rel ? job->source_name :
				src_live ? dpq_relation_name(e->source_relid) : nm[0];
			tname = tgt_live ? dpq_relation_name(e->target_relid) : nm[2];

			v[0] = Int64GetDatum(ea->job_id);
			v[1] = CStringGetTextDatum(source_types[src_rel ? LST_RELATION : job->source_type]);
			v[2] = ObjectIdGetDatum(e->source_relid);
			if (!src_live)
				nulls[2] = 'n';
			v[3] = text_or_null(sname ? sname : "?", nulls, 3);
			v[4] = Int16GetDatum(e->source_attnum);
			v[5] = text_or_null(src_live ? get_attname(e->source_relid, e->source_attnum, true) : nm[1],
								nulls, 5);
			v[6] = ObjectIdGetDatum(e->target_relid);
			if (!tgt_live)
				nulls[6] = 'n';
			v[7] = text_or_null(tname ? tname : "?", nulls, 7);
			v[8] = Int16GetDatum(e->target_attnum);
			if (e->target_attnum == 0)
				nulls[8] = 'n';
			v[9] = text_or_null(e->target_attnum == 0 ? NULL :
								tgt_live ? get_attname(e->target_relid, e->target_attnum, true) : nm[3],
								nulls, 9);
			v[10] = CStringGetTextDatum(LS_IS_DIRECT(e->subtype) ? "direct" : "indirect");
			v[11] = CStringGetTextDatum(dpq_lineage_subtype_name(e->subtype));
			v[12] = BoolGetDatum((e->levels & LIN_HOP) != 0);
			v[13] = BoolGetDatum((e->levels & LIN_BASE) != 0);
			dpq_spi_exec("INSERT INTO dpq.lineage_edge_store (job_id, source_type,"
						 " source_relid, source_name, source_attnum, source_column,"
						 " source_dropped, target_relid, target_name, target_attnum,"
						 " target_column, target_dropped, kind, subtype, hop, base)"
						 " VALUES ($1, $2, $3::pg_catalog.regclass, $4, $5, $6::pg_catalog.name,"
						 "  CASE WHEN $2 OPERATOR(pg_catalog.=) 'relation' AND $3 IS NULL"
						 "   THEN pg_catalog.now() END,"
						 "  $7::pg_catalog.regclass, $8, $9, $10::pg_catalog.name,"
						 "  CASE WHEN $7 IS NULL THEN pg_catalog.now() END,"
						 "  $11, $12, $13, $14)",
						 14, etypes, v, nulls, false, 0);
		}
	}
	else
	{
		Oid			stypes[1] = {INT8OID};

		dpq_spi_exec("SELECT job_id FROM dpq.lineage_jobs"
					 " WHERE shape OPERATOR(pg_catalog.=) $1 AND NOT retired",
					 1, stypes, jvals, NULL, false, 0);
		if (SPI_processed != 1)
			elog(ERROR, "lineage job of shape " INT64_FORMAT " not found",
				 (int64) job->shape);
		ea->job_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
												 SPI_tuptable->tupdesc, 1, &isnull));
	}
	dpq_restore_identity(&id);
	dpq_spi_finish();
	PopActiveSnapshot();
}

/* the job_id of a run's job: known, or written now; -1 on failure */
static int64
job_id_of(LinJob *job, Oid roleid)
{
	EnsureArg	ea;
	char	   *err;
	int64		job_id = dpq_lineage_known_job(job->shape);

	if (job_id != -1)
		return job_id;			/* committed, written in this xact, or failed */

	ea.job = job;
	ea.roleid = roleid;
	ea.job_id = -1;
	err = dpq_try(ensure_job, &ea, CurrentMemoryContext);
	if (err)
	{
		ereport(WARNING,
				(errmsg("dpq: lineage of statement %s was not recorded: %s",
						job->statement, err)));
		ea.job_id = -2;
	}
	dpq_lineage_job_written(job->shape, ea.job_id);
	return ea.job_id;
}

/*
 * A view's definition job is its lineage again (CREATE OR REPLACE VIEW
 * back to an earlier definition: the shape, and so the job, existed).
 */
static void
make_current(void *arg)
{
	int64		job_id = *(int64 *) arg;
	DpqIdentity id;
	Oid			types[1] = {INT8OID};
	Datum		values[1];

	values[0] = Int64GetDatum(job_id);
	PushActiveSnapshot(GetTransactionSnapshot());
	dpq_spi_connect();
	dpq_become_catalog_owner(&id);
	dpq_spi_exec("UPDATE dpq.lineage_jobs SET superseded = false"
				 " WHERE job_id OPERATOR(pg_catalog.=) $1 AND superseded",
				 1, types, values, NULL, false, 0);
	dpq_restore_identity(&id);
	dpq_spi_finish();
	PopActiveSnapshot();
}

static bool
is_view_definition(LinJob *job)
{
	return strcmp(job->statement, "CREATE VIEW") == 0 ||
		strcmp(job->statement, "CREATE OR REPLACE VIEW") == 0;
}

/*
 * Is dpq.lineage_runs as dpq made it (no trigger, no CHECK constraint, its
 * primary key as the only index)?  Then the insert below cannot fail on
 * anything but what would fail the commit anyway (a full disk).
 */
static const Oid runs_columns[] = {INT8OID, INT8OID, XID8OID, TIMESTAMPTZOID,
TIMESTAMPTZOID, NAMEOID, INT8OID};

/* the columns flush_runs fills, in its order? */
static bool
runs_table_has_columns(Relation rel)
{
	TupleDesc	td = RelationGetDescr(rel);
	int			i;

	if (td->natts != lengthof(runs_columns))
		return false;
	for (i = 0; i < td->natts; i++)
		if (TupleDescAttr(td, i)->attisdropped ||
			TupleDescAttr(td, i)->atttypid != runs_columns[i])
			return false;
	return true;
}

static int	runs_plain = -1;	/* unknown; reset by invalidation */

void
dpq_lineage_store_reset(void)
{
	runs_plain = -1;
}

static bool
runs_table_is_plain(void)
{
	if (runs_plain < 0)
	{
		Relation	rel = table_open(dpq_lineage_runs_relid, AccessShareLock);
		TupleConstr *constr = RelationGetDescr(rel)->constr;
		List	   *indexes = RelationGetIndexList(rel);

		runs_plain = runs_table_has_columns(rel) && rel->trigdesc == NULL &&
			(constr == NULL || constr->num_check == 0) &&
			indexes == NIL &&
			rel->rd_rel->relkind == RELKIND_RELATION &&
			!rel->rd_rel->relrowsecurity;
		list_free(indexes);
		table_close(rel, NoLock);
	}
	return runs_plain == 1;
}

/* one tuple's values for a run */
static void
run_values(LinRun *run, FullTransactionId fxid, NameData *role,
		   Datum *values, bool *isnull)
{
	memset(isnull, 0, sizeof(bool) * lengthof(runs_columns));
	values[0] = Int64GetDatum(nextval_internal(dpq_lineage_seq_relid, false));
	values[1] = Int64GetDatum(run->job_id);
	values[2] = FullTransactionIdGetDatum(fxid);
	values[3] = TimestampTzGetDatum(run->started_at);
	values[4] = TimestampTzGetDatum(run->ended_at);
	values[5] = NameGetDatum(role);
	values[6] = Int64GetDatum(run->rows);
	isnull[6] = run->rows < 0;
}

/* the role's name (the last one asked for is kept) */
static NameData *
role_name(Oid roleid)
{
	static Oid	last_role = InvalidOid;
	static NameData name;

	if (roleid != last_role)
	{
		char	   *n = GetUserNameFromId(roleid, true);

		MemSet(&name, 0, sizeof(name));
		namestrcpy(&name, n ? n : "");
		last_role = roleid;
	}
	return &name;
}

/* write the runs (and any new job) */
static void
flush_runs(void *arg)
{
	List	   *runs = arg;
	Relation	rel;
	EState	   *estate;
	ResultRelInfo *rri;
	TupleTableSlot *slot;
	ListCell   *lc;
	FullTransactionId fxid;
	bool		any = false;
	Datum		values[lengthof(runs_columns)];
	bool		isnull[lengthof(runs_columns)];

	/* the jobs first (SPI, each new one in a subtransaction of its own) */
	foreach(lc, runs)
	{
		LinRun	   *run = lfirst(lc);

		run->job_id = job_id_of(run->job, run->roleid);
		if (run->job_id >= 0)
		{
			any = true;
			if (is_view_definition(run->job))
			{
				char	   *err = dpq_try(make_current, &run->job_id, CurrentMemoryContext);

				if (err)
					ereport(WARNING,
							(errmsg("dpq: lineage of statement %s was not recorded: %s",
									run->job->statement, err)));
			}
		}
	}
	if (!any)
		return;

	/* then one tuple per run, without SPI */
	fxid = GetTopFullTransactionId();
	rel = table_open(dpq_lineage_runs_relid, RowExclusiveLock);
	if (runs_table_is_plain())
	{
		/* as dpq made it: nothing but the heap */
		foreach(lc, runs)
		{
			LinRun	   *run = lfirst(lc);
			HeapTuple	tup;

			if (run->job_id < 0)
				continue;
			run_values(run, fxid, role_name(run->roleid), values, isnull);
			tup = heap_form_tuple(RelationGetDescr(rel), values, isnull);
			simple_heap_insert(rel, tup);
			heap_freetuple(tup);
		}
		table_close(rel, NoLock);
		return;
	}
	if (!runs_table_has_columns(rel))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the columns of dpq.lineage_runs have been changed"),
				 errhint("Reinstall the extension with DROP EXTENSION dpq; CREATE EXTENSION dpq.")));
	estate = CreateExecutorState();
	rri = makeNode(ResultRelInfo);
	InitResultRelInfo(rri, rel, 0, NULL, 0);
	ExecOpenIndices(rri, false);
	estate->es_output_cid = GetCurrentCommandId(true);
	slot = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsVirtual);

	foreach(lc, runs)
	{
		LinRun	   *run = lfirst(lc);

		if (run->job_id < 0)
			continue;
		ExecClearTuple(slot);
		run_values(run, fxid, role_name(run->roleid), slot->tts_values, slot->tts_isnull);
		ExecStoreVirtualTuple(slot);
		ExecSimpleRelationInsert(rri, estate, slot);
		ResetPerTupleExprContext(estate);
	}

	ExecDropSingleTupleTableSlot(slot);
	ExecCloseIndices(rri);
	FreeExecutorState(estate);
	table_close(rel, NoLock);
}

/*
 * Pre-commit: the transaction's runs.  Whatever goes wrong (a constraint,
 * a trigger or a column someone added to the catalog) is a WARNING: the
 * user's transaction commits, without its lineage.
 */
void
dpq_lineage_flush(List *runs)
{
	int			pending = dpq_lineage_pending_count();
	char	   *err;

	if (RecoveryInProgress() || XactReadOnly ||
		!OidIsValid(dpq_lineage_runs_relid))
		return;

	/* the usual case needs no subtransaction of its own */
	if (runs_table_is_plain())
	{
		flush_runs(runs);
		return;
	}
	err = dpq_try(flush_runs, runs, CurrentMemoryContext);
	if (err)
	{
		/* jobs written in the rolled-back subtransaction are not written */
		dpq_lineage_pending_truncate(pending);
		ereport(WARNING,
				(errmsg("dpq: lineage of this transaction was not recorded: %s", err)));
	}
}
