/*-------------------------------------------------------------------------
 *
 * capture.c
 *	  Lineage: the hooks that see what the database runs.
 *
 *  - post_parse_analyze_hook: a writing statement (INSERT, UPDATE, DELETE,
 *    MERGE, a SELECT with data-modifying CTEs) is walked into a job (its
 *    edges, walk.c) once per query id and kept in a backend-local cache.
 *    Plain SELECTs return at the first test, and so do statements that read
 *    nothing but their target (INSERT ... VALUES, UPDATE t SET ... WHERE on
 *    t alone).  A writing statement without a query id (no
 *    pg_stat_statements, compute_query_id = auto) gets one here, from
 *    PostgreSQL's own jumble: literals and parameters do not change it.
 *  - ExecutorEnd_hook: the statement ran (not EXPLAIN without ANALYZE, not a
 *    parallel worker): one run is buffered for the transaction.  Cached
 *    plans (PL/pgSQL, prepared statements) are found by their query id, so
 *    every execution counts.
 *  - ProcessUtility: CREATE TABLE AS / SELECT INTO / CREATE MATERIALIZED
 *    VIEW, REFRESH MATERIALIZED VIEW (whose internal statements are not
 *    captured), CREATE [OR REPLACE] VIEW and COPY FROM are walked after they
 *    succeed.
 *  - At pre-commit the buffered runs are written (store.c); runs of a
 *    subtransaction that aborts are dropped with it, and nothing is written
 *    for a transaction that aborts.
 *
 * Lineage must never fail the user's statement: walking happens in a
 * subtransaction whose errors become a WARNING.  No shared lock is taken
 * per statement: the cache is backend-local, and the catalog is read and
 * written once per transaction.
 *
 * A cached job is marked stale when a relation it names changes (relcache
 * invalidation): PostgreSQL then analyses the statement again before using
 * its plan, and the hook walks it again.
 *
 * IDENTIFICATION
 *	  src/lineage/capture.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/relation.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "commands/prepare.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "parser/analyze.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/queryjumble.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "dpq.h"
#include "lineage.h"

bool		dpq_lineage_enabled = true;
char	   *dpq_lineage_namespace = NULL;

/* catalog relations, found once per database (reset by invalidation) */
Oid			dpq_lineage_runs_relid = InvalidOid;
Oid			dpq_lineage_seq_relid = InvalidOid;
static Oid	jobs_relid = InvalidOid;
static bool ext_checked = false;
static bool ext_present = false;

/* query id -> job (NULL: the statement records no lineage) */
typedef struct JobEntry
{
	uint64		queryid;
	LinJob	   *job;
	MemoryContext cxt;			/* the job's memory */
	bool		stale;
} JobEntry;

/* shape -> job_id of a committed job */
typedef struct ShapeEntry
{
	uint64		shape;
	int64		job_id;
} ShapeEntry;

static HTAB *job_cache = NULL;
static HTAB *shape_cache = NULL;
static MemoryContext lineage_cxt = NULL;
static MemoryContext retired_cxt = NULL;	/* freed at the end of the xact */

static List *xact_runs = NIL;	/* LinRun, in TopTransactionContext */
static List *pending_shapes = NIL;	/* ShapeEntry written this xact */
static int	suppress = 0;		/* inside REFRESH, or dpq writing lineage */

static post_parse_analyze_hook_type prev_post_parse_analyze = NULL;
static ExecutorEnd_hook_type prev_ExecutorEnd = NULL;

/* ---------------------------------------------------------------------
 * Catalog presence and caches
 * ---------------------------------------------------------------------
 */
static bool
lineage_present(void)
{
	if (!ext_checked)
	{
		Oid			nsp = get_namespace_oid(DPQ_SCHEMA, true);

		jobs_relid = OidIsValid(nsp) ? get_relname_relid("lineage_jobs", nsp) : InvalidOid;
		dpq_lineage_runs_relid = OidIsValid(nsp) ? get_relname_relid("lineage_runs", nsp) : InvalidOid;
		dpq_lineage_seq_relid = OidIsValid(nsp) ? get_relname_relid("lineage_run_seq", nsp) : InvalidOid;
		ext_present = OidIsValid(jobs_relid) && OidIsValid(dpq_lineage_runs_relid) &&
			OidIsValid(dpq_lineage_seq_relid);
		ext_checked = true;
	}
	return ext_present && !creating_extension;
}

static void
forget_shapes(void)
{
	HASH_SEQ_STATUS st;
	ShapeEntry *se;

	if (shape_cache == NULL)
		return;
	hash_seq_init(&st, shape_cache);
	while ((se = hash_seq_search(&st)) != NULL)
		hash_search(shape_cache, &se->shape, HASH_REMOVE, NULL);
}

static void
relcache_callback(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS st;
	JobEntry   *je;

	if (!ext_present || !OidIsValid(relid) || relid == jobs_relid ||
		relid == dpq_lineage_runs_relid)
	{
		/* CREATE / DROP EXTENSION, or the catalog itself changed */
		if (!OidIsValid(relid) || relid == jobs_relid)
			forget_shapes();
		if (!OidIsValid(relid) || relid == dpq_lineage_runs_relid)
			dpq_lineage_store_reset();
		ext_checked = false;
	}
	if (job_cache == NULL)
		return;
	hash_seq_init(&st, job_cache);
	while ((je = hash_seq_search(&st)) != NULL)
	{
		int			i;

		if (!OidIsValid(relid))
		{
			je->stale = true;
			continue;
		}
		/* a statement that read nothing (or only its target) stays so */
		if (je->stale || je->job == NULL)
			continue;
		for (i = 0; i < je->job->nrelids; i++)
			if (je->job->relids[i] == relid)
			{
				je->stale = true;
				break;
			}
	}
}

/*
 * Too many statement shapes: forget those that record nothing or are stale
 * (walked again if they come back).  Jobs in use stay.
 */
#define MAX_CACHED_QUERIES 10000

static void
trim_cache(void)
{
	HASH_SEQ_STATUS st;
	JobEntry   *je;

	hash_seq_init(&st, job_cache);
	while ((je = hash_seq_search(&st)) != NULL)
	{
		if (je->job != NULL && !je->stale)
			continue;
		if (je->cxt)
			MemoryContextSetParent(je->cxt, retired_cxt);
		hash_search(job_cache, &je->queryid, HASH_REMOVE, NULL);
	}
}

static void
init_caches(void)
{
	HASHCTL		ctl;

	lineage_cxt = AllocSetContextCreate(TopMemoryContext, "dpq lineage",
										ALLOCSET_DEFAULT_SIZES);
	retired_cxt = AllocSetContextCreate(TopMemoryContext, "dpq lineage retired",
										ALLOCSET_SMALL_SIZES);
	ctl.keysize = sizeof(uint64);
	ctl.entrysize = sizeof(JobEntry);
	ctl.hcxt = lineage_cxt;
	job_cache = hash_create("dpq lineage jobs", 256, &ctl,
							HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.entrysize = sizeof(ShapeEntry);
	shape_cache = hash_create("dpq lineage shapes", 256, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/*
 * The job_id of a shape known to be committed or written in this
 * transaction; -2 when writing it failed in this transaction; else -1.
 */
int64
dpq_lineage_known_job(uint64 shape)
{
	ShapeEntry *se = hash_search(shape_cache, &shape, HASH_FIND, NULL);
	ListCell   *lc;

	if (se)
		return se->job_id;
	foreach(lc, pending_shapes)
	{
		se = lfirst(lc);
		if (se->shape == shape)
			return se->job_id;
	}
	return -1;
}

/* a job written in this transaction: known once the transaction commits */
void
dpq_lineage_job_written(uint64 shape, int64 job_id)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	ShapeEntry *se = palloc(sizeof(ShapeEntry));

	se->shape = shape;
	se->job_id = job_id;
	pending_shapes = lappend(pending_shapes, se);
	MemoryContextSwitchTo(old);
}

int
dpq_lineage_pending_count(void)
{
	return list_length(pending_shapes);
}

void
dpq_lineage_pending_truncate(int n)
{
	pending_shapes = list_truncate(pending_shapes, n);
}

/* ---------------------------------------------------------------------
 * Runs
 * ---------------------------------------------------------------------
 */
static void
add_run(LinJob *job, int64 rows)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	LinRun	   *run = palloc(sizeof(LinRun));

	run->job = job;
	run->started_at = GetCurrentStatementStartTimestamp();
	run->ended_at = GetCurrentTimestamp();
	run->roleid = GetUserId();
	run->rows = rows;
	run->nest_level = GetCurrentTransactionNestLevel();
	xact_runs = lappend(xact_runs, run);
	MemoryContextSwitchTo(old);
}

static void
xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (xact_runs != NIL)
			{
				List	   *runs = xact_runs;

				xact_runs = NIL;
				suppress++;
				PG_TRY();
				{
					dpq_lineage_flush(runs);
				}
				PG_FINALLY();
				{
					suppress--;
				}
				PG_END_TRY();
			}
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PREPARE:
			{
				ListCell   *lc;

				foreach(lc, pending_shapes)
				{
					ShapeEntry *se = lfirst(lc);
					ShapeEntry *ne;

					if (se->job_id < 0)
						continue;
					ne = hash_search(shape_cache, &se->shape, HASH_ENTER, NULL);
					ne->job_id = se->job_id;
				}
			}
			/* FALLTHROUGH */
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			xact_runs = NIL;
			pending_shapes = NIL;
			suppress = 0;
			MemoryContextReset(retired_cxt);
			break;
		default:
			break;
	}
}

static void
subxact_callback(SubXactEvent event, SubTransactionId mySubid,
				 SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();
	ListCell   *lc;

	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		foreach(lc, xact_runs)
		{
			LinRun	   *run = lfirst(lc);

			if (run->nest_level >= level)
				xact_runs = foreach_delete_current(xact_runs, lc);
		}
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		foreach(lc, xact_runs)
		{
			LinRun	   *run = lfirst(lc);

			if (run->nest_level >= level)
				run->nest_level = level - 1;
		}
	}
}

/* ---------------------------------------------------------------------
 * Walking, in a subtransaction
 * ---------------------------------------------------------------------
 */
typedef struct WalkArg
{
	Query	   *query;			/* a writing statement, or */
	Oid			viewid;			/* a view / materialized view, or */
	Oid			target;			/* CREATE TABLE AS target of query */
	const char *statement;
	const char *text;
	int			location;
	int			len;
	MemoryContext cxt;			/* where the job goes */
	LinJob	   *job;			/* result: NULL when no lineage */
	bool		failed;			/* the walk raised an error */
	/* COPY FROM */
	CopyStmt   *copy;
} WalkArg;

static List *copy_edges(WalkArg *wa, uint8 *source_type, char **source_name);

static void
walk_one(void *arg)
{
	WalkArg    *wa = arg;
	MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "dpq lineage walk",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(tmp);
	List	   *edges;
	List	   *views = NIL;
	uint8		source_type = LST_RELATION;
	char	   *source_name = NULL;

	if (wa->copy)
		edges = copy_edges(wa, &source_type, &source_name);
	else if (OidIsValid(wa->viewid))
		edges = dpq_lineage_walk_view(wa->viewid, &views);
	else if (OidIsValid(wa->target))
		edges = dpq_lineage_walk_select(wa->query, wa->target, &views);
	else
		edges = dpq_lineage_walk_query(wa->query, &views);

	wa->job = NULL;
	if (edges != NIL && dpq_lineage_reads_other(edges))
	{
		LinJob	   *job = dpq_lineage_make_job(wa->cxt, wa->statement, edges, views,
											   wa->text, wa->location, wa->len);

		if (job->nedges > 0)
		{
			if (source_name)
			{
				job->source_type = source_type;
				job->source_name = MemoryContextStrdup(wa->cxt, source_name);
				job->shape = hash_bytes_extended((const unsigned char *) source_name,
												 strlen(source_name),
												 job->shape + source_type);
			}
			wa->job = job;
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
}

/* walk; on error a WARNING and no job */
static LinJob *
walk_safely(WalkArg *wa)
{
	char	   *err = dpq_try(walk_one, wa, CurrentMemoryContext);

	if (err)
	{
		ereport(WARNING,
				(errmsg("dpq: lineage of this statement was not recorded: %s", err)));
		wa->failed = true;
		return NULL;
	}
	return wa->job;
}

static const char *
dml_statement(Query *q)
{
	switch (q->commandType)
	{
		case CMD_INSERT:
			return "INSERT";
		case CMD_UPDATE:
			return "UPDATE";
		case CMD_DELETE:
			return "DELETE";
		case CMD_MERGE:
			return "MERGE";
		default:
			return "SELECT";
	}
}

/*
 * INSERT ... VALUES, UPDATE / DELETE of one table without FROM, USING,
 * sublinks or CTEs: nothing but the target is read, so no lineage, and no
 * need to identify the statement (TPC-B's statements all stop here).
 */
static bool
reads_only_target(Query *query)
{
	ListCell   *lc;
	int			rti = 0;

	if (query->commandType == CMD_SELECT || query->commandType == CMD_MERGE ||
		query->hasSubLinks || query->cteList != NIL)
		return false;
	foreach(lc, query->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);

		rti++;
		if (rti == query->resultRelation ||
			(query->onConflict && rti == query->onConflict->exclRelIndex) ||
			rte->rtekind == RTE_VALUES || rte->rtekind == RTE_RESULT)
			continue;
		return false;
	}
	return true;
}

/*
 * Identify a writing statement by PostgreSQL's query jumble (the query id
 * pg_stat_statements uses: literals and parameters left out), computed here
 * for writing statements only, so that plain SELECTs pay nothing.
 * JumbleQuery expects query ids to be enabled: they are, for this call.
 */
static void
set_query_id(Query *query, const char *text)
{
	int			saved = compute_query_id;

	compute_query_id = COMPUTE_QUERY_ID_ON;
	PG_TRY();
	{
#if PG_VERSION_NUM >= 160000
		(void) JumbleQuery(query);
#else
		(void) JumbleQuery(query, text);
#endif
	}
	PG_FINALLY();
	{
		compute_query_id = saved;
	}
	PG_END_TRY();
}

static void
lineage_post_parse_analyze(ParseState *pstate, Query *query, JumbleState *jstate)
{
	JobEntry   *je;
	bool		found;
	WalkArg		wa = {0};
	MemoryContext cxt;

	if (prev_post_parse_analyze)
		prev_post_parse_analyze(pstate, query, jstate);

	/* plain SELECTs and utility statements return here */
	if (query->commandType == CMD_SELECT ? !query->hasModifyingCTE
		: (query->commandType == CMD_UTILITY || query->commandType == CMD_NOTHING))
		return;
	if (!dpq_lineage_enabled || suppress > 0 || IsInParallelMode() ||
		reads_only_target(query) || !lineage_present())
		return;

	if (query->queryId == UINT64CONST(0))
		set_query_id(query, pstate->p_sourcetext);
	if (query->queryId != UINT64CONST(0))
	{
		je = hash_search(job_cache, &query->queryId, HASH_FIND, NULL);
		if (je && !je->stale)
			return;
	}

	cxt = AllocSetContextCreate(lineage_cxt, "dpq lineage job", ALLOCSET_SMALL_SIZES);
	wa.query = query;
	wa.statement = dml_statement(query);
	wa.text = pstate->p_sourcetext;
	wa.location = query->stmt_location;
	wa.len = query->stmt_len;
	wa.cxt = cxt;
	if (walk_safely(&wa) == NULL)
	{
		MemoryContextDelete(cxt);
		cxt = NULL;
		/* nothing to remember; after an error, try again next time */
		if (query->queryId == UINT64CONST(0) || wa.failed)
			return;
	}
	else if (query->queryId == UINT64CONST(0))
		query->queryId = wa.job->shape ? wa.job->shape : UINT64CONST(1);

	if (hash_get_num_entries(job_cache) >= MAX_CACHED_QUERIES)
		trim_cache();
	je = hash_search(job_cache, &query->queryId, HASH_ENTER, &found);
	if (found && je->cxt)
		MemoryContextSetParent(je->cxt, retired_cxt);	/* a run may use it */
	je->job = wa.job;
	je->cxt = cxt;
	je->stale = false;
}

static void
lineage_ExecutorEnd(QueryDesc *queryDesc)
{
	PlannedStmt *ps = queryDesc->plannedstmt;

	if (dpq_lineage_enabled && suppress == 0 && queryDesc->already_executed &&
		ps->queryId != UINT64CONST(0) &&
		(ps->commandType != CMD_SELECT || ps->hasModifyingCTE) &&
		queryDesc->estate != NULL &&
		!(queryDesc->estate->es_top_eflags & EXEC_FLAG_EXPLAIN_ONLY) &&
		!IsParallelWorker())
	{
		JobEntry   *je = hash_search(job_cache, &ps->queryId, HASH_FIND, NULL);

		if (je && je->job)
			add_run(je->job, (int64) queryDesc->estate->es_processed);
	}

	if (prev_ExecutorEnd)
		prev_ExecutorEnd(queryDesc);
	else
		standard_ExecutorEnd(queryDesc);
}

/* ---------------------------------------------------------------------
 * Utility statements
 * ---------------------------------------------------------------------
 */

/* COPY t (cols) FROM source [WHERE ...]: fields named after their columns */
static bool
column_refs_walker(Node *node, List **names)
{
	if (node == NULL)
		return false;
	if (IsA(node, ColumnRef))
	{
		ColumnRef  *cr = (ColumnRef *) node;
		Node	   *last = llast(cr->fields);

		if (IsA(last, String))
			*names = lappend(*names, strVal(last));
		return false;
	}
	return raw_expression_tree_walker(node, column_refs_walker, (void *) names);
}

static List *
copy_edges(WalkArg *wa, uint8 *source_type, char **source_name)
{
	CopyStmt   *stmt = wa->copy;
	Oid			relid = wa->target;
	List	   *edges = NIL;
	List	   *attnums = NIL;
	List	   *wherecols = NIL;
	ListCell   *lc;

	if (stmt->attlist != NIL)
	{
		foreach(lc, stmt->attlist)
		{
			AttrNumber	a = get_attnum(relid, strVal(lfirst(lc)));

			if (a > 0)
				attnums = lappend_int(attnums, a);
		}
	}
	else
	{
		Relation	rel = relation_open(relid, AccessShareLock);
		TupleDesc	td = RelationGetDescr(rel);
		int			i;

		for (i = 0; i < td->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(td, i);

			if (!att->attisdropped && !att->attgenerated)
				attnums = lappend_int(attnums, att->attnum);
		}
		relation_close(rel, NoLock);
	}
	foreach(lc, attnums)
	{
		LinEdge    *e = palloc0(sizeof(LinEdge));

		e->source_relid = InvalidOid;
		e->source_attnum = lfirst_int(lc);
		e->target_relid = relid;
		e->target_attnum = lfirst_int(lc);
		e->subtype = LS_IDENTITY;
		e->levels = LIN_HOP | LIN_BASE;
		edges = lappend(edges, e);
	}
	(void) column_refs_walker(stmt->whereClause, &wherecols);
	foreach(lc, wherecols)
	{
		AttrNumber	a = get_attnum(relid, (char *) lfirst(lc));
		LinEdge    *e;

		if (a <= 0)
			continue;
		e = palloc0(sizeof(LinEdge));
		e->source_relid = InvalidOid;
		e->source_attnum = a;
		e->target_relid = relid;
		e->target_attnum = 0;
		e->subtype = LS_FILTER;
		e->levels = LIN_HOP | LIN_BASE;
		edges = lappend(edges, e);
	}
	if (stmt->filename == NULL)
	{
		*source_type = LST_STDIN;
		*source_name = "stdin";
	}
	else
	{
		*source_type = stmt->is_program ? LST_PROGRAM : LST_FILE;
		*source_name = stmt->filename;
	}
	return edges;
}

/* EXPLAIN (ANALYZE) CREATE TABLE AS / SELECT INTO / CREATE MATERIALIZED VIEW */
static bool
explain_analyze_ctas(ExplainStmt *stmt)
{
	ListCell   *lc;
	bool		analyze = false;

	if (!IsA(stmt->query, Query) ||
		((Query *) stmt->query)->commandType != CMD_UTILITY ||
		!IsA(((Query *) stmt->query)->utilityStmt, CreateTableAsStmt))
		return false;
	foreach(lc, stmt->options)
	{
		DefElem    *opt = lfirst(lc);

		if (strcmp(opt->defname, "analyze") == 0)
			analyze = opt->arg == NULL || defGetBoolean(opt);
	}
	return analyze;
}

/* the query of a prepared SELECT (as analysed and rewritten), or NULL */
static Query *
prepared_query(ExecuteStmt *exec)
{
	PreparedStatement *ps = FetchPreparedStatement(exec->name, false);
	Query	   *q;

	if (ps == NULL || ps->plansource->query_list == NIL)
		return NULL;
	q = linitial_node(Query, ps->plansource->query_list);
	if (q->commandType != CMD_SELECT || q->utilityStmt != NULL)
		return NULL;
	return copyObject(q);
}

/* CREATE OR REPLACE VIEW: the jobs of the view's earlier definitions */
static void
supersede_definitions(void *arg)
{
	Oid			viewid = *(Oid *) arg;
	DpqIdentity id;
	Oid			types[1] = {OIDOID};
	Datum		values[1];

	values[0] = ObjectIdGetDatum(viewid);
	dpq_spi_connect();
	dpq_become_catalog_owner(&id);
	dpq_spi_exec("UPDATE dpq.lineage_jobs SET superseded = true"
				 " WHERE NOT superseded"
				 "   AND statement IN ('CREATE VIEW', 'CREATE OR REPLACE VIEW')"
				 "   AND job_id IN (SELECT job_id FROM dpq.lineage_edge_store"
				 "                   WHERE target_relid OPERATOR(pg_catalog.=)"
				 "                         $1::pg_catalog.regclass)",
				 1, types, values, NULL, false, 0);
	dpq_restore_identity(&id);
	dpq_spi_finish();
}

/* a utility statement's job, walked now, kept for this transaction */
static void
record_utility(WalkArg *wa, int64 rows)
{
	LinJob	   *job;

	wa->cxt = TopTransactionContext;
	job = walk_safely(wa);
	if (job)
		add_run(job, rows);
}

static void
run_suppressed(PlannedStmt *pstmt, const char *queryString,
			   bool readOnlyTree, ProcessUtilityContext context,
			   ParamListInfo params, QueryEnvironment *queryEnv,
			   DestReceiver *dest, QueryCompletion *qc,
			   ProcessUtility_hook_type next)
{
	suppress++;
	PG_TRY();
	{
		next(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		suppress--;
	}
	PG_END_TRY();
}

void
dpq_lineage_utility(PlannedStmt *pstmt, const char *queryString,
					bool readOnlyTree, ProcessUtilityContext context,
					ParamListInfo params, QueryEnvironment *queryEnv,
					DestReceiver *dest, QueryCompletion *qc,
					ProcessUtility_hook_type next)
{
	Node	   *parsetree = pstmt->utilityStmt;
	WalkArg		wa = {0};
	int64		rows;

	/* EXPLAIN ANALYZE CREATE TABLE AS creates and fills the table too */
	if (IsA(parsetree, ExplainStmt) && explain_analyze_ctas((ExplainStmt *) parsetree))
		parsetree = ((Query *) ((ExplainStmt *) parsetree)->query)->utilityStmt;

	if (!dpq_lineage_enabled || suppress > 0 || IsInParallelMode() ||
		!(IsA(parsetree, CreateTableAsStmt) || IsA(parsetree, ViewStmt) ||
		  IsA(parsetree, RefreshMatViewStmt) ||
		  (IsA(parsetree, CopyStmt) && ((CopyStmt *) parsetree)->is_from &&
		   ((CopyStmt *) parsetree)->relation != NULL)) ||
		!IsTransactionState() || !lineage_present())
	{
		next(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		return;
	}

	wa.text = queryString;
	wa.location = pstmt->stmt_location;
	wa.len = pstmt->stmt_len;

	if (IsA(parsetree, RefreshMatViewStmt))
	{
		RefreshMatViewStmt *stmt = (RefreshMatViewStmt *) parsetree;

		/* CONCURRENTLY runs statements of its own: not the user's */
		run_suppressed(pstmt, queryString, readOnlyTree, context, params,
					   queryEnv, dest, qc, next);
		if (stmt->skipData)
			return;
		wa.viewid = RangeVarGetRelid(stmt->relation, NoLock, true);
		wa.statement = "REFRESH MATERIALIZED VIEW";
		rows = qc ? (int64) qc->nprocessed : -1;
	}
	else
	{
		Oid			before = InvalidOid;
		Query	   *ctas_query = NULL;

		if (IsA(parsetree, CreateTableAsStmt) &&
			((CreateTableAsStmt *) parsetree)->into != NULL)
		{
			CreateTableAsStmt *stmt = (CreateTableAsStmt *) parsetree;

			/* CREATE TABLE IF NOT EXISTS ... AS on an existing table: nothing */
			before = RangeVarGetRelid(stmt->into->rel, NoLock, true);
			/* the rewriter expands views in place: keep the query as named */
			if (IsA(stmt->query, Query) &&
				((Query *) stmt->query)->commandType == CMD_SELECT)
				ctas_query = copyObject((Query *) stmt->query);
		}

		next(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		rows = qc ? (int64) qc->nprocessed : -1;

		/* CREATE TABLE AS EXECUTE: the prepared query (views expanded) */
		if (IsA(parsetree, CreateTableAsStmt) &&
			IsA(((CreateTableAsStmt *) parsetree)->query, Query) &&
			((Query *) ((CreateTableAsStmt *) parsetree)->query)->utilityStmt &&
			IsA(((Query *) ((CreateTableAsStmt *) parsetree)->query)->utilityStmt, ExecuteStmt))
			ctas_query = prepared_query((ExecuteStmt *) ((Query *) ((CreateTableAsStmt *) parsetree)->query)->utilityStmt);

		if (IsA(parsetree, CreateTableAsStmt))
		{
			CreateTableAsStmt *stmt = (CreateTableAsStmt *) parsetree;

			if (ctas_query == NULL)
				return;
			wa.query = ctas_query;
			wa.target = RangeVarGetRelid(stmt->into->rel, NoLock, true);
			if (OidIsValid(before) && before == wa.target)
				return;
			wa.statement = stmt->is_select_into ? "SELECT INTO" :
				stmt->objtype == OBJECT_MATVIEW ? "CREATE MATERIALIZED VIEW" :
				"CREATE TABLE AS";
			if (stmt->into->skipData)
				rows = -1;
		}
		else if (IsA(parsetree, ViewStmt))
		{
			ViewStmt   *stmt = (ViewStmt *) parsetree;
			char	   *err;

			wa.viewid = RangeVarGetRelid(stmt->view, NoLock, true);
			wa.statement = stmt->replace ? "CREATE OR REPLACE VIEW" : "CREATE VIEW";
			rows = -1;
			/* the view's earlier definitions are no longer its lineage */
			if (OidIsValid(wa.viewid) &&
				(err = dpq_try(supersede_definitions, &wa.viewid, CurrentMemoryContext)) != NULL)
				ereport(WARNING,
						(errmsg("dpq: lineage of this statement was not recorded: %s", err)));
		}
		else
		{
			CopyStmt   *stmt = (CopyStmt *) parsetree;

			wa.copy = stmt;
			wa.target = RangeVarGetRelid(stmt->relation, NoLock, true);
			wa.statement = "COPY";
		}
	}
	if (!OidIsValid(wa.viewid) && !OidIsValid(wa.target))
		return;
	record_utility(&wa, rows);
}

/* ---------------------------------------------------------------------
 * Runs that dpq's own functions report (dpq.snapshot)
 * ---------------------------------------------------------------------
 */

/* stop (delta 1) or resume (delta -1) capturing the statements dpq runs */
void
dpq_lineage_suppress(int delta)
{
	suppress += delta;
	if (suppress < 0)
		suppress = 0;
}

typedef struct RecordArg
{
	const char *statement;
	Oid			source;
	Oid			target;
	int			nedges;
	const AttrNumber *source_attnums;
	const AttrNumber *target_attnums;
	const int  *subtypes;
	LinJob	   *job;
} RecordArg;

static void
record_one(void *arg)
{
	RecordArg  *ra = arg;
	List	   *edges = NIL;
	int			i;

	for (i = 0; i < ra->nedges; i++)
	{
		LinEdge    *e = palloc0(sizeof(LinEdge));

		e->source_relid = ra->source;
		e->source_attnum = ra->source_attnums[i];
		e->target_relid = ra->target;
		e->target_attnum = ra->target_attnums[i];
		e->subtype = ra->subtypes[i];
		e->levels = LIN_HOP | LIN_BASE;
		edges = lappend(edges, e);
	}
	ra->job = dpq_lineage_make_job(TopTransactionContext, ra->statement, edges,
								   NIL, debug_query_string, -1, 0);
}

/*
 * A run of one of dpq's functions that moved data from source to target:
 * edges given as attnum pairs (target 0: dataset-level) with subtypes
 * (LinSubtype values).
 */
void
dpq_lineage_record(const char *statement, Oid source, Oid target, int nedges,
				   const AttrNumber *source_attnums,
				   const AttrNumber *target_attnums, const int *subtypes,
				   int64 rows)
{
	RecordArg	ra = {statement, source, target, nedges, source_attnums,
	target_attnums, subtypes, NULL};
	char	   *err;

	if (!dpq_lineage_enabled || nedges == 0 || IsInParallelMode() ||
		!lineage_present())
		return;
	err = dpq_try(record_one, &ra, CurrentMemoryContext);
	if (err)
		ereport(WARNING,
				(errmsg("dpq: lineage of %s was not recorded: %s", statement, err)));
	else if (ra.job && ra.job->nedges > 0)
		add_run(ra.job, rows);
}

/* ---------------------------------------------------------------------
 * Set-up
 * ---------------------------------------------------------------------
 */
void
dpq_lineage_init(void)
{
	DefineCustomBoolVariable("dpq.lineage",
							 gettext_noop("Records the lineage of writing statements."),
							 gettext_noop("When on, the column lineage of INSERT ... SELECT, "
										  "UPDATE, DELETE, MERGE, CREATE TABLE AS, views, "
										  "materialized views and COPY FROM is recorded at commit."),
							 &dpq_lineage_enabled,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("dpq.lineage_namespace",
							   gettext_noop("OpenLineage namespace of this server's datasets."),
							   gettext_noop("Empty: postgres://{host}:{port}, host being the "
											"server's host name."),
							   &dpq_lineage_namespace,
							   "",
							   PGC_SUSET,
							   0,
							   NULL, NULL, NULL);

	init_caches();
	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
	RegisterXactCallback(xact_callback, NULL);
	RegisterSubXactCallback(subxact_callback, NULL);

	prev_post_parse_analyze = post_parse_analyze_hook;
	post_parse_analyze_hook = lineage_post_parse_analyze;
	prev_ExecutorEnd = ExecutorEnd_hook;
	ExecutorEnd_hook = lineage_ExecutorEnd;
}
