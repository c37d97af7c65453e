/*-------------------------------------------------------------------------
 *
 * history.c
 *	  Continuous history: dpq.track_history / dpq.untrack_history, the row
 *	  trigger that keeps prior versions, and what keeps it true across DDL.
 *
 * A tracked table gets a column dpq_valid_from (when its current version
 * became valid: the start time of the transaction that wrote it) and a
 * history table with the same columns plus dpq_valid_to.  A BEFORE ROW
 * trigger (dpq._history_trigger, C) stamps dpq_valid_from on INSERT and
 * UPDATE and, on UPDATE and DELETE, writes the prior version into the
 * history table with dpq_valid_to = the changing transaction's start time,
 * once per row per transaction.  Intervals are half-open, [from, to), and
 * contiguous per row.
 *
 * The trigger does no SPI and no catalog lookup per row:
 *  - per relation the trigger fires on (a tracked table, or a partition of
 *    a tracked partitioned table), a cache entry holds the history table's
 *    OID and the column map (history columns matched to the relation's by
 *    name, so partitions with another column order or dropped columns work),
 *    built once and dropped by relcache invalidation of either table or of
 *    dpq.history_config;
 *  - per history table and transaction, the relation, its indexes and an
 *    executor state are opened once (owned by the top transaction's
 *    resource owner) and closed before commit; each version is inserted
 *    with ExecSimpleRelationInsert, which checks constraints, maintains
 *    every index (users may add their own) and fires the history table's
 *    own triggers.  Opened relations are closed before every utility
 *    statement (ALTER or DROP of the history table in the same transaction
 *    would otherwise find it "in use") and on subtransaction abort.
 *
 * The ProcessUtility part keeps the history table in step with ALTER TABLE
 * (new columns, type changes, renames, owner, persistence), refuses
 * changes to dpq's own columns, and copies the rows TRUNCATE is about to
 * remove into the history (TRUNCATE fires no row trigger).  Drops are
 * handled by an event trigger (history.sql).
 *
 * IDENTIFICATION
 *	  src/snapshot/history.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "catalog/heap.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/regproc.h"
#include "utils/resowner.h"
#include "utils/ruleutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "dpq.h"

PG_FUNCTION_INFO_V1(dpq_track_history);
PG_FUNCTION_INFO_V1(dpq_untrack_history);
PG_FUNCTION_INFO_V1(dpq_history_trigger);
PG_FUNCTION_INFO_V1(dpq_history_as_of_query);

#define VALID_FROM		"dpq_valid_from"
#define VALID_TO		"dpq_valid_to"
#define TRIGGER_NAME	"zz_dpq_history"
#define HISTORY_SUFFIX	"_history"

/* ------------------------------------------------------------------------
 * Caches
 * ------------------------------------------------------------------------
 */

/*
 * The history table opened for inserts, for the rest of the transaction.
 * Lives in TopTransactionContext; its relation and indexes are owned by
 * TopTransactionResourceOwner.
 */
typedef struct HistTarget
{
	Oid			histrelid;
	bool		stale;			/* relcache invalidation: reopen */
	bool		busy;			/* an insert is running */
	SubTransactionId busy_subid;	/* ... started in this subtransaction */
	Relation	rel;
	EState	   *estate;
	ResultRelInfo *rri;
	TupleTableSlot *slot;		/* virtual, history's descriptor */
} HistTarget;

/* per relation the trigger fires on */
typedef struct HistRel
{
	Oid			relid;			/* hash key */
	bool		valid;
	Oid			tracked;		/* relid, or its tracked partitioned ancestor */
	Oid			histrelid;
	AttrNumber	vf_attnum;		/* dpq_valid_from in relid */
	int			hist_natts;
	AttrNumber *map;			/* per history attno - 1: attno in relid, or 0 */
	AttrNumber	hist_vt;		/* dpq_valid_to in the history table */
	HistTarget *target;			/* valid while target_gen == targets_gen */
	uint64		target_gen;
} HistRel;

static bool initialized = false;
static MemoryContext cache_cxt = NULL;
static HTAB *histrel_cache = NULL;
static HistRel *last_hr = NULL;
static uint64 inval_count = 0;
static Oid	known_config_relid = InvalidOid;

static List *open_targets = NIL;	/* HistTarget *, in TopTransactionContext */
static uint64 targets_gen = 1;

/*
 * The last UPDATE seen on a partition: a row moved to another partition is
 * deleted from its old partition by the same command, firing our DELETE
 * trigger for the version the UPDATE already wrote.
 */
static Oid	moved_relid = InvalidOid;
static ItemPointerData moved_tid;
static CommandId moved_cid;
static LocalTransactionId moved_lxid;

static void close_target(HistTarget *t);

/*
 * Close the opened history tables (before commit, before any utility
 * statement, after a subtransaction abort), except one an insert is using.
 */
static void
close_all_targets(void)
{
	ListCell   *lc;

	if (open_targets == NIL)
		return;
	foreach(lc, open_targets)
	{
		HistTarget *t = lfirst(lc);

		if (t->busy)
			continue;
		close_target(t);
		open_targets = foreach_delete_current(open_targets, lc);
	}
	targets_gen++;
}

static void
forget_targets(void)
{
	open_targets = NIL;
	targets_gen++;
	moved_relid = InvalidOid;
}

static void
history_relcache_cb(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	HistRel    *e;
	ListCell   *lc;

	inval_count++;
	last_hr = NULL;
	if (histrel_cache != NULL)
	{
		bool		all = !OidIsValid(relid) || relid == known_config_relid;

		hash_seq_init(&status, histrel_cache);
		while ((e = hash_seq_search(&status)) != NULL)
		{
			if (all || e->relid == relid || e->histrelid == relid ||
				e->tracked == relid)
				e->valid = false;
		}
	}
	foreach(lc, open_targets)
	{
		HistTarget *t = lfirst(lc);

		if (!OidIsValid(relid) || t->histrelid == relid)
			t->stale = true;
	}
}

static void
history_xact_cb(XactEvent event, void *arg)
{
	ListCell   *lc;

	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			/* close them as their resource owner expects (no leak warning) */
			foreach(lc, open_targets)
				((HistTarget *) lfirst(lc))->busy = false;
			close_all_targets();
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			/* on abort, the resource owner releases them */
			forget_targets();
			break;
		default:
			break;
	}
}

static void
history_subxact_cb(SubXactEvent event, SubTransactionId mySubid,
				   SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;

	/*
	 * A history table created in the aborted subtransaction must not stay
	 * open: close them all, they are reopened on next use.  An insert that
	 * started in the aborted subtransaction (or a child) was unwound by the
	 * error; one that started before is still running (user code under it
	 * caught an error): leave that one alone.
	 */
	foreach(lc, open_targets)
	{
		HistTarget *t = lfirst(lc);

		if (t->busy && t->busy_subid >= mySubid)
			t->busy = false;
	}
	close_all_targets();
	moved_relid = InvalidOid;
}

void
dpq_history_init(void)
{
	HASHCTL		ctl;

	if (initialized)
		return;
	cache_cxt = AllocSetContextCreate(TopMemoryContext, "dpq history cache",
									  ALLOCSET_SMALL_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(HistRel);
	ctl.hcxt = cache_cxt;
	histrel_cache = hash_create("dpq history relations", 64, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	CacheRegisterRelcacheCallback(history_relcache_cb, (Datum) 0);
	RegisterXactCallback(history_xact_cb, NULL);
	RegisterSubXactCallback(history_subxact_cb, NULL);
	initialized = true;
}

/* ------------------------------------------------------------------------
 * dpq.history_config
 * ------------------------------------------------------------------------
 */
typedef struct HistConfig
{
	Oid			relid;
	Oid			histrelid;
} HistConfig;

/* OID of dpq.history_config, InvalidOid when dpq is not installed */
static Oid
config_relid(bool missing_ok)
{
	Oid			nsp = get_namespace_oid(DPQ_SCHEMA, true);
	Oid			relid = OidIsValid(nsp) ?
		get_relname_relid("history_config", nsp) : InvalidOid;

	if (!OidIsValid(relid) && !missing_ok)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("dpq catalog table \"dpq.history_config\" is missing"),
				 errhint("Install the extension with CREATE EXTENSION dpq.")));
	if (OidIsValid(relid))
		known_config_relid = relid;
	return relid;
}

/* every row: (tracked relation, history table); read directly, no SPI */
static List *
load_config(Oid cfgrelid)
{
	Relation	rel = table_open(cfgrelid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	Snapshot	snap = RegisterSnapshot(GetLatestSnapshot());
	TableScanDesc scan = table_beginscan(rel, snap, 0, NULL);
	HeapTuple	tup;
	List	   *result = NIL;

	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		HistConfig *c = palloc(sizeof(HistConfig));
		bool		isnull;

		/* relid, rel_name, history_relid, history_name, created_at, ... */
		c->relid = DatumGetObjectId(heap_getattr(tup, 1, desc, &isnull));
		c->histrelid = DatumGetObjectId(heap_getattr(tup, 3, desc, &isnull));
		result = lappend(result, c);
	}
	table_endscan(scan);
	UnregisterSnapshot(snap);
	table_close(rel, AccessShareLock);
	return result;
}

static HistConfig *
config_find(List *cfg, Oid relid)
{
	ListCell   *lc;

	foreach(lc, cfg)
	{
		HistConfig *c = lfirst(lc);

		if (c->relid == relid)
			return c;
	}
	return NULL;
}

static HistConfig *
config_find_history(List *cfg, Oid histrelid)
{
	ListCell   *lc;

	foreach(lc, cfg)
	{
		HistConfig *c = lfirst(lc);

		if (c->histrelid == histrelid)
			return c;
	}
	return NULL;
}

/* the configuration that covers relid: its own, or a partition ancestor's */
static HistConfig *
config_covering(List *cfg, Oid relid)
{
	HistConfig *c = config_find(cfg, relid);
	ListCell   *lc;

	if (c != NULL || !get_rel_relispartition(relid))
		return c;
	foreach(lc, get_partition_ancestors(relid))
	{
		c = config_find(cfg, lfirst_oid(lc));
		if (c != NULL)
			return c;
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------
 */
static AttrNumber
attnum_by_name(TupleDesc desc, const char *name)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return (AttrNumber) (i + 1);
	}
	return InvalidAttrNumber;
}

/* run DDL as the current user with search_path pinned (SPI connected) */
static void
run_ddl(const char *sql)
{
	int			nest = NewGUCNestLevel();

	dpq_pin_guc("search_path", "pg_catalog, pg_temp");
	dpq_spi_exec(sql, 0, NULL, NULL, NULL, false, 0);
	AtEOXact_GUC(false, nest);
}

/* ------------------------------------------------------------------------
 * The per-relation cache
 * ------------------------------------------------------------------------
 */
static void
build_histrel(HistRel *e, Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	HistConfig *c;
	Relation	hrel;
	TupleDesc	hdesc;
	AttrNumber	vf;
	AttrNumber	vt = InvalidAttrNumber;
	AttrNumber *map;
	int			i;

	c = config_covering(load_config(config_relid(false)), RelationGetRelid(rel));
	if (c == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" is not tracked by dpq",
						RelationGetRelationName(rel)),
				 errdetail("Trigger function dpq._history_trigger() only runs on tables set up by dpq.track_history."),
				 errhint("Call dpq.track_history for the table, or drop the trigger.")));

	vf = attnum_by_name(desc, VALID_FROM);
	if (vf == InvalidAttrNumber ||
		TupleDescAttr(desc, vf - 1)->atttypid != TIMESTAMPTZOID)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("tracked table \"%s\" has no timestamptz column \"%s\"",
						RelationGetRelationName(rel), VALID_FROM),
				 errhint("Call dpq.untrack_history and dpq.track_history again.")));

	hrel = try_table_open(c->histrelid, RowExclusiveLock);
	if (hrel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("history table of \"%s\" does not exist",
						RelationGetRelationName(rel)),
				 errhint("Call dpq.untrack_history and dpq.track_history again.")));
	if (hrel->rd_rel->relkind != RELKIND_RELATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("history table \"%s\" is not a plain table",
						RelationGetRelationName(hrel))));
	hdesc = RelationGetDescr(hrel);

	map = MemoryContextAllocZero(cache_cxt, sizeof(AttrNumber) * Max(hdesc->natts, 1));
	for (i = 0; i < hdesc->natts; i++)
	{
		Form_pg_attribute hatt = TupleDescAttr(hdesc, i);
		Form_pg_attribute att;
		AttrNumber	src;

		if (hatt->attisdropped)
			continue;
		if (strcmp(NameStr(hatt->attname), VALID_TO) == 0)
		{
			if (hatt->atttypid != TIMESTAMPTZOID)
				break;
			vt = i + 1;
			continue;
		}
		src = attnum_by_name(desc, NameStr(hatt->attname));
		if (src == InvalidAttrNumber)
			continue;			/* a column the table no longer has */
		att = TupleDescAttr(desc, src - 1);
		if (att->atttypid != hatt->atttypid ||
			(hatt->atttypmod != -1 && hatt->atttypmod != att->atttypmod))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of history table \"%s\" is of type %s, but in \"%s\" it is of type %s",
							NameStr(hatt->attname), RelationGetRelationName(hrel),
							format_type_with_typemod(hatt->atttypid, hatt->atttypmod),
							RelationGetRelationName(rel),
							format_type_with_typemod(att->atttypid, att->atttypmod)),
					 errhint("Give the history column the table's type with ALTER TABLE ... ALTER COLUMN ... TYPE.")));
		map[i] = src;
	}
	if (vt == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("history table \"%s\" has no timestamptz column \"%s\"",
						RelationGetRelationName(hrel), VALID_TO)));
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped &&
			attnum_by_name(hdesc, NameStr(att->attname)) == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("column \"%s\" of \"%s\" is missing from its history table \"%s\"",
							NameStr(att->attname), RelationGetRelationName(rel),
							RelationGetRelationName(hrel)),
					 errhint("Add the column to the history table, with the same type.")));
	}

	if (e->map != NULL)
		pfree(e->map);
	e->tracked = c->relid;
	e->histrelid = c->histrelid;
	e->vf_attnum = vf;
	e->hist_natts = hdesc->natts;
	e->map = map;
	e->hist_vt = vt;
	e->target = NULL;
	e->target_gen = 0;
	table_close(hrel, NoLock);
}

static HistRel *
get_histrel(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	HistRel    *e;
	bool		found;
	int			tries = 0;

	if (last_hr != NULL && last_hr->relid == relid && last_hr->valid)
		return last_hr;
	dpq_history_init();
	e = hash_search(histrel_cache, &relid, HASH_ENTER, &found);
	if (!found)
	{
		e->valid = false;
		e->tracked = InvalidOid;
		e->histrelid = InvalidOid;
		e->map = NULL;
		e->target = NULL;
		e->target_gen = 0;
	}
	while (!e->valid)
	{
		uint64		start = inval_count;

		build_histrel(e, rel);
		/* an invalidation that arrived while building: build again */
		if (inval_count == start || ++tries >= 5)
			e->valid = true;
	}
	last_hr = e;
	return e;
}

/* ------------------------------------------------------------------------
 * Writing versions
 * ------------------------------------------------------------------------
 */
static HistTarget *
open_target(Oid histrelid)
{
	ResourceOwner save_owner = CurrentResourceOwner;
	MemoryContext old;
	HistTarget *t;
	Relation	hrel;
	EState	   *estate;
	ResultRelInfo *rri;

	CurrentResourceOwner = TopTransactionResourceOwner;
	old = MemoryContextSwitchTo(TopTransactionContext);
	hrel = table_open(histrelid, RowExclusiveLock);
	estate = CreateExecutorState();
	MemoryContextSwitchTo(estate->es_query_cxt);
	rri = makeNode(ResultRelInfo);
	InitResultRelInfo(rri, hrel, 0, NULL, 0);
	ExecOpenIndices(rri, false);
	t = palloc0(sizeof(HistTarget));
	t->histrelid = histrelid;
	t->rel = hrel;
	t->estate = estate;
	t->rri = rri;
	t->slot = MakeSingleTupleTableSlot(CreateTupleDescCopy(RelationGetDescr(hrel)),
									   &TTSOpsVirtual);
	MemoryContextSwitchTo(TopTransactionContext);
	open_targets = lappend(open_targets, t);
	MemoryContextSwitchTo(old);
	CurrentResourceOwner = save_owner;
	return t;
}

static void
close_target(HistTarget *t)
{
	ResourceOwner save_owner = CurrentResourceOwner;

	CurrentResourceOwner = TopTransactionResourceOwner;
	ExecDropSingleTupleTableSlot(t->slot);
	ExecCloseIndices(t->rri);
	ExecCloseResultRelations(t->estate);	/* trigger targets, if any */
	ExecResetTupleTable(t->estate->es_tupleTable, false);
	table_close(t->rel, NoLock);
	FreeExecutorState(t->estate);
	CurrentResourceOwner = save_owner;
}

static HistTarget *
get_target(HistRel *hr)
{
	HistTarget *t = NULL;
	ListCell   *lc;

	if (hr->target != NULL && hr->target_gen == targets_gen && !hr->target->stale)
		return hr->target;

	foreach(lc, open_targets)
	{
		HistTarget *o = lfirst(lc);

		if (o->histrelid != hr->histrelid)
			continue;
		if (!o->stale)
		{
			t = o;
			break;
		}
		if (!o->busy)
		{
			/* out of date: close it (entries pointing to it see the new gen) */
			close_target(o);
			open_targets = foreach_delete_current(open_targets, lc);
			targets_gen++;
		}
	}
	if (t == NULL)
		t = open_target(hr->histrelid);
	if (t->slot->tts_tupleDescriptor->natts != hr->hist_natts)
		elog(ERROR, "history table %u changed while in use", hr->histrelid);
	hr->target = t;
	hr->target_gen = targets_gen;
	return t;
}

/* insert the version held in old, valid until to, into the history */
static void
write_version(HistRel *hr, TupleTableSlot *old, TimestampTz to)
{
	HistTarget *t = get_target(hr);
	TupleTableSlot *hs = t->slot;
	int			i;

	if (t->busy)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot write history table \"%s\" recursively",
						RelationGetRelationName(t->rel)),
				 errdetail("A trigger, constraint or index expression of the history table changed a table whose history goes to the same table.")));
	slot_getallattrs(old);
	ExecClearTuple(hs);
	for (i = 0; i < hr->hist_natts; i++)
	{
		AttrNumber	src = hr->map[i];

		if (src > 0)
		{
			hs->tts_values[i] = old->tts_values[src - 1];
			hs->tts_isnull[i] = old->tts_isnull[src - 1];
		}
		else
		{
			hs->tts_values[i] = (Datum) 0;
			hs->tts_isnull[i] = true;
		}
	}
	hs->tts_values[hr->hist_vt - 1] = TimestampTzGetDatum(to);
	hs->tts_isnull[hr->hist_vt - 1] = false;
	ExecStoreVirtualTuple(hs);

	t->busy = true;
	t->busy_subid = GetCurrentSubTransactionId();
	t->estate->es_output_cid = GetCurrentCommandId(true);
	ExecSimpleRelationInsert(t->rri, t->estate, hs);
	t->busy = false;
	ExecClearTuple(hs);
	ResetPerTupleExprContext(t->estate);
}

/* was this row version written by the current transaction? */
static bool
written_here(TupleTableSlot *slot)
{
	bool		isnull;
	Datum		xmin = slot_getsysattr(slot, MinTransactionIdAttributeNumber, &isnull);

	return !isnull && TransactionIdIsCurrentTransactionId(DatumGetTransactionId(xmin));
}

/*
 * The version in old is being replaced or deleted at time now (the
 * transaction's start).  Write it to the history unless this transaction
 * wrote it (one version per row per transaction); return when the next
 * version starts.
 */
static TimestampTz
record_old_version(HistRel *hr, Relation rel, TupleTableSlot *old,
				   TimestampTz now)
{
	bool		isnull;
	Datum		d = slot_getattr(old, hr->vf_attnum, &isnull);
	TimestampTz from;

	if (isnull)
		return now;				/* only if written with triggers disabled */
	from = DatumGetTimestampTz(d);
	if (from < now)
	{
		write_version(hr, old, now);
		return now;
	}
	if (written_here(old))
		return from;

	/*
	 * Written by a transaction that started after this one (and committed
	 * first, under READ COMMITTED).  Keep that version with the shortest
	 * interval after its start, so that intervals stay ordered and
	 * contiguous.
	 */
	if (TIMESTAMP_NOT_FINITE(from))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("a row of \"%s\" has %s = %s",
						RelationGetRelationName(rel), VALID_FROM,
						TIMESTAMP_IS_NOBEGIN(from) ? "-infinity" : "infinity"),
				 errhint("Set a finite %s with the table's triggers disabled.",
						 VALID_FROM)));
	write_version(hr, old, from + 1);
	return from + 1;
}

/* ------------------------------------------------------------------------
 * The trigger
 * ------------------------------------------------------------------------
 */
Datum
dpq_history_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td;
	Relation	rel;
	HistRel    *hr;
	TimestampTz now;
	TimestampTz from;
	TupleTableSlot *slot;
	HeapTuple	tuple;
	Datum		d;
	bool		isnull;
	int			col;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by trigger manager",
						"dpq._history_trigger")));
	td = (TriggerData *) fcinfo->context;
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired BEFORE ROW",
						"dpq._history_trigger")));
	rel = td->tg_relation;
	hr = get_histrel(rel);
	now = GetCurrentTransactionStartTimestamp();

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		from = now;
		slot = td->tg_trigslot;
		tuple = td->tg_trigtuple;
	}
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		from = record_old_version(hr, rel, td->tg_trigslot, now);
		if (rel->rd_rel->relispartition)
		{
			moved_relid = RelationGetRelid(rel);
			moved_tid = td->tg_trigslot->tts_tid;
			moved_cid = GetCurrentCommandId(false);
			moved_lxid = MyProc->lxid;
		}
		slot = td->tg_newslot;
		tuple = td->tg_newtuple;
	}
	else if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
	{
		/* the DELETE half of a row moved by an UPDATE: already written */
		if (moved_relid == RelationGetRelid(rel) &&
			moved_lxid == MyProc->lxid &&
			moved_cid == GetCurrentCommandId(false) &&
			ItemPointerEquals(&moved_tid, &td->tg_trigslot->tts_tid))
			moved_relid = InvalidOid;
		else
			(void) record_old_version(hr, rel, td->tg_trigslot, now);
		return PointerGetDatum(td->tg_trigtuple);
	}
	else
	{
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired for INSERT, UPDATE or DELETE",
						"dpq._history_trigger")));
		return (Datum) 0;		/* keep compiler quiet */
	}

	/* stamp the new version (a value the statement gave is overridden) */
	d = slot_getattr(slot, hr->vf_attnum, &isnull);
	if (!isnull && DatumGetTimestampTz(d) == from)
		return PointerGetDatum(tuple);
	col = hr->vf_attnum;
	d = TimestampTzGetDatum(from);
	isnull = false;
	return PointerGetDatum(heap_modify_tuple_by_cols(tuple, RelationGetDescr(rel),
													 1, &col, &d, &isnull));
}

/* ------------------------------------------------------------------------
 * track_history / untrack_history
 * ------------------------------------------------------------------------
 */

static Oid
get_rel_owner_checked(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/* the relation exists, is a table the caller owns; returns it, locked */
static Relation
open_tracked_candidate(Oid relid, const char *what)
{
	Relation	rel;
	char		relkind;
	Oid			owner;

	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	owner = get_rel_owner_checked(relid);
	if (!has_privs_of_role(GetUserId(), owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to %s history of table \"%s\"",
						what, get_rel_name(relid)),
				 errhint("Only the table's owner and superusers can %s its history.",
						 what)));
	LockRelationOid(relid, AccessExclusiveLock);
	rel = try_relation_open(relid, NoLock);
	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	relkind = rel->rd_rel->relkind;
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", RelationGetRelationName(rel)),
				 errdetail("History is kept for tables and partitioned tables."),
				 (relkind == RELKIND_VIEW || relkind == RELKIND_MATVIEW) ?
				 errhint("Keep the history of the tables the view reads.") : 0));
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot keep history of temporary table \"%s\"",
						RelationGetRelationName(rel)),
				 errdetail("dpq's catalog, where tracked tables are registered, outlives the session.")));
	if (IsCatalogRelation(rel) || IsCatalogNamespace(RelationGetNamespace(rel)) ||
		RelationGetNamespace(rel) == dpq_schema_oid())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("cannot keep history of system table \"%s\"",
						RelationGetRelationName(rel))));
	return rel;
}


/* the history table's name: given (maybe qualified), else <rel>_history */
static void
history_name(Relation rel, text *arg, Oid *nsp, char **relname)
{
	if (arg == NULL)
	{
		const char *base = RelationGetRelationName(rel);
		int			maxlen = NAMEDATALEN - 1 - strlen(HISTORY_SUFFIX);
		int			len = pg_mbcliplen(base, strlen(base), maxlen);

		*nsp = RelationGetNamespace(rel);
		*relname = psprintf("%.*s%s", len, base, HISTORY_SUFFIX);
	}
	else
	{
		/* quoted or not, as in SQL (too long a name is truncated) */
		List	   *names = stringToQualifiedNameList(text_to_cstring(arg));
		RangeVar   *rv = makeRangeVarFromNameList(names);

		if (rv->schemaname == NULL)
			*nsp = RelationGetNamespace(rel);
		else
		{
			if (rv->catalogname != NULL &&
				strcmp(rv->catalogname, get_database_name(MyDatabaseId)) != 0)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cross-database references are not implemented: %s",
								text_to_cstring(arg))));
			*nsp = LookupExplicitNamespace(rv->schemaname, false);
		}
		*relname = rv->relname;
	}
	if (isAnyTempNamespace(*nsp) || IsCatalogNamespace(*nsp) ||
		IsToastNamespace(*nsp) || *nsp == dpq_schema_oid())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("history table cannot be created in schema \"%s\"",
						get_namespace_name(*nsp)),
				 errhint("Choose a schema of your own.")));
}

/* the column list of the history table: the table's, then the validity */
static char *
history_columns_sql(TupleDesc desc)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		appendStringInfo(&buf, "%s %s%s, ", quote_identifier(NameStr(att->attname)),
						 dpq_type_sql(att->atttypid, att->atttypmod), dpq_collate_sql(att->atttypid, att->attcollation));
	}
	appendStringInfoString(&buf,
						   VALID_FROM " pg_catalog.timestamptz NOT NULL, "
						   VALID_TO " pg_catalog.timestamptz NOT NULL, "
						   "CONSTRAINT dpq_valid_interval CHECK ("
						   VALID_TO " OPERATOR(pg_catalog.>) " VALID_FROM ")");
	return buf.data;
}

Datum
dpq_track_history(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Oid			cfgrelid;
	Relation	rel;
	List	   *cfg;
	HistConfig *c;
	ListCell   *lc;
	Oid			nsp;
	char	   *hname;
	char	   *qrel;
	char	   *qhist;
	char	   *owner_name;
	char	   *columns;
	Oid			owner;
	Oid			histrelid;
	bool		unlogged;
	DpqIdentity id;
	Oid			types[5] = {REGCLASSOID, TEXTOID, REGCLASSOID, TEXTOID, NAMEOID};
	Datum		values[5];
	NameData	caller;

	dpq_require_arg(fcinfo, 0, "rel");
	relid = PG_GETARG_OID(0);
	cfgrelid = config_relid(false);
	rel = open_tracked_candidate(relid, "keep");

	cfg = load_config(cfgrelid);
	c = config_find(cfg, relid);
	if (c != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("history of table \"%s\" is already kept",
						RelationGetRelationName(rel)),
				 errdetail("Its history table is \"%s\".", get_rel_name(c->histrelid))));
	c = config_find_history(cfg, relid);
	if (c != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is the history table of \"%s\"",
						RelationGetRelationName(rel), get_rel_name(c->relid))));
	if (rel->rd_rel->relispartition)
	{
		c = config_covering(cfg, relid);
		if (c != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("history of table \"%s\" is already kept through its partitioned table \"%s\"",
							RelationGetRelationName(rel), get_rel_name(c->relid))));
		/* its columns are its parent's: dpq_valid_from cannot be added */
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot keep history of partition \"%s\" on its own",
						RelationGetRelationName(rel)),
				 errdetail("A partition has its partitioned table's columns only."),
				 errhint("Keep the history of its partitioned table \"%s\".",
						 get_rel_name(get_partition_parent(relid, true)))));
	}
	if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
	{
		foreach(lc, find_all_inheritors(relid, AccessExclusiveLock, NULL))
		{
			c = config_find(cfg, lfirst_oid(lc));
			if (c != NULL && c->relid != relid)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_OBJECT),
						 errmsg("history of partition \"%s\" of \"%s\" is already kept",
								get_rel_name(c->relid), RelationGetRelationName(rel)),
						 errhint("Call dpq.untrack_history for the partition first.")));
		}
	}
	if (attnum_by_name(RelationGetDescr(rel), VALID_FROM) != InvalidAttrNumber ||
		attnum_by_name(RelationGetDescr(rel), VALID_TO) != InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_COLUMN),
				 errmsg("table \"%s\" already has a column named \"%s\"",
						RelationGetRelationName(rel),
						attnum_by_name(RelationGetDescr(rel), VALID_FROM) != InvalidAttrNumber ?
						VALID_FROM : VALID_TO),
				 errdetail("dpq.track_history adds \"%s\" to the table and \"%s\" to its history table.",
						   VALID_FROM, VALID_TO),
				 errhint("Rename or drop the column first (dpq.untrack_history with drop_history => true drops the one it added).")));

	history_name(rel, PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1), &nsp, &hname);
	if (pg_namespace_aclcheck(nsp, GetUserId(), ACL_CREATE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for schema %s", get_namespace_name(nsp)),
				 errhint("The history table is created in schema \"%s\": you need CREATE on it.",
						 get_namespace_name(nsp))));
	if (OidIsValid(get_relname_relid(hname, nsp)))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation \"%s\" already exists",
						quote_qualified_identifier(get_namespace_name(nsp), hname)),
				 errhint("Pass another name as history_table.")));

	qrel = dpq_relation_name(relid);
	qhist = quote_qualified_identifier(get_namespace_name(nsp), hname);
	owner = rel->rd_rel->relowner;
	owner_name = GetUserNameFromId(owner, false);
	unlogged = rel->rd_rel->relpersistence == RELPERSISTENCE_UNLOGGED;
	columns = history_columns_sql(RelationGetDescr(rel));
	/* ALTER TABLE below must not find it open (the lock stays) */
	relation_close(rel, NoLock);

	dpq_spi_connect();
	/* as the caller: what the table's owner could do by hand */
	run_ddl(psprintf("CREATE %sTABLE %s (%s)", unlogged ? "UNLOGGED " : "", qhist,
					 columns));
	run_ddl(psprintf("ALTER TABLE %s ADD COLUMN " VALID_FROM
					 " pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now()", qrel));
	run_ddl(psprintf("CREATE INDEX ON %s (" VALID_TO ", " VALID_FROM ")", qhist));
	histrelid = get_relname_relid(hname, nsp);
	if (!OidIsValid(histrelid))
		elog(ERROR, "history table %s was not created", qhist);
	if (get_rel_owner_checked(histrelid) != owner)
		run_ddl(psprintf("ALTER TABLE %s OWNER TO %s", qhist,
						 quote_identifier(owner_name)));
	run_ddl(psprintf("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %s FROM %s", qhist,
					 quote_identifier(owner_name)));
	run_ddl(psprintf("COMMENT ON TABLE %s IS %s", qhist,
					 quote_literal_cstr(psprintf("Prior row versions of %s, kept by dpq.track_history", qrel))));
	run_ddl(psprintf("CREATE TRIGGER " TRIGGER_NAME
					 " BEFORE INSERT OR UPDATE OR DELETE ON %s"
					 " FOR EACH ROW EXECUTE FUNCTION dpq._history_trigger()", qrel));

	/* the catalog, as its owner */
	namestrcpy(&caller, GetUserNameFromId(GetUserId(), false));
	values[0] = ObjectIdGetDatum(relid);
	values[1] = CStringGetTextDatum(qrel);
	values[2] = ObjectIdGetDatum(histrelid);
	values[3] = CStringGetTextDatum(qhist);
	values[4] = NameGetDatum(&caller);
	dpq_become_catalog_owner(&id);
	dpq_spi_exec("INSERT INTO dpq.history_config"
				 " (relid, rel_name, history_relid, history_name, created_by)"
				 " VALUES ($1, $2, $3, $4, $5)",
				 5, types, values, NULL, false, 0);
	/* PII tags of the table go to its history too (masked the same way) */
	dpq_spi_exec("SELECT dpq.tag_pii($3, t.column_name, t.category,"
				 "  CASE WHEN t.mask IS NULL THEN NULL ELSE t.mask_sql END)"
				 " FROM dpq.pii_tags t WHERE t.relid OPERATOR(pg_catalog.=) $1"
				 " ORDER BY t.attnum",
				 3, types, values, NULL, false, 0);
	dpq_restore_identity(&id);
	dpq_spi_finish();

	CacheInvalidateRelcacheByRelid(cfgrelid);
	PG_RETURN_OID(histrelid);
}

Datum
dpq_untrack_history(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Oid			cfgrelid;
	bool		drop;
	Relation	rel;
	HistConfig *c;
	char	   *qrel;
	DpqIdentity id;
	Oid			types[1] = {REGCLASSOID};
	Datum		values[1];

	dpq_require_arg(fcinfo, 0, "rel");
	dpq_require_arg(fcinfo, 1, "drop_history");
	relid = PG_GETARG_OID(0);
	drop = PG_GETARG_BOOL(1);
	cfgrelid = config_relid(false);
	rel = open_tracked_candidate(relid, "stop keeping");
	c = config_find(load_config(cfgrelid), relid);
	if (c == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("history of table \"%s\" is not kept",
						RelationGetRelationName(rel)),
				 errhint("dpq.tracked_tables lists the tables whose history dpq keeps.")));
	qrel = dpq_relation_name(relid);
	relation_close(rel, NoLock);

	dpq_spi_connect();
	values[0] = ObjectIdGetDatum(relid);
	dpq_become_catalog_owner(&id);
	dpq_spi_exec("DELETE FROM dpq.history_config WHERE relid OPERATOR(pg_catalog.=) $1",
				 1, types, values, NULL, false, 0);
	dpq_restore_identity(&id);
	CommandCounterIncrement();
	CacheInvalidateRelcacheByRelid(cfgrelid);

	run_ddl(psprintf("DROP TRIGGER IF EXISTS " TRIGGER_NAME " ON %s", qrel));
	if (drop)
	{
		if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(c->histrelid)))
			run_ddl(psprintf("DROP TABLE %s", dpq_relation_name(c->histrelid)));
		run_ddl(psprintf("ALTER TABLE %s DROP COLUMN IF EXISTS " VALID_FROM, qrel));
	}
	dpq_spi_finish();
	PG_RETURN_VOID();
}

/* ------------------------------------------------------------------------
 * dpq.as_of support
 * ------------------------------------------------------------------------
 */

/*
 * The query dpq.as_of runs for a tracked table ($1: the time), or NULL when
 * the relation is not tracked.  Columns are the table's, in order; the
 * history's are matched by name.
 */
Datum
dpq_history_as_of_query(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Oid			cfgrelid = config_relid(true);
	HistConfig *c;
	Relation	rel;
	Relation	hrel;
	TupleDesc	desc;
	TupleDesc	hdesc;
	StringInfoData cur;
	StringInfoData hist;
	int			i;
	bool		first = true;
	char	   *result;

	if (!OidIsValid(cfgrelid))
		PG_RETURN_NULL();
	c = config_find(load_config(cfgrelid), relid);
	if (c == NULL)
		PG_RETURN_NULL();
	rel = try_relation_open(relid, AccessShareLock);
	hrel = try_relation_open(c->histrelid, AccessShareLock);
	if (rel == NULL || hrel == NULL)
		PG_RETURN_NULL();
	desc = RelationGetDescr(rel);
	hdesc = RelationGetDescr(hrel);

	initStringInfo(&cur);
	initStringInfo(&hist);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		AttrNumber	h;
		const char *name;

		if (att->attisdropped)
			continue;
		name = quote_identifier(NameStr(att->attname));
		if (!first)
		{
			appendStringInfoString(&cur, ", ");
			appendStringInfoString(&hist, ", ");
		}
		first = false;
		appendStringInfoString(&cur, name);
		h = attnum_by_name(hdesc, NameStr(att->attname));
		if (h == InvalidAttrNumber)
			appendStringInfo(&hist, "NULL::%s",
							 dpq_type_sql(att->atttypid, att->atttypmod));
		else if (TupleDescAttr(hdesc, h - 1)->atttypid != att->atttypid)
			appendStringInfo(&hist, "%s::%s", name,
							 dpq_type_sql(att->atttypid, att->atttypmod));
		else
			appendStringInfoString(&hist, name);
	}
	result = psprintf("SELECT %s FROM %s%s WHERE " VALID_FROM " OPERATOR(pg_catalog.<=) $1"
					  " UNION ALL"
					  " SELECT %s FROM %s WHERE " VALID_FROM " OPERATOR(pg_catalog.<=) $1"
					  " AND " VALID_TO " OPERATOR(pg_catalog.>) $1",
					  cur.data,
					  rel->rd_rel->relkind == RELKIND_RELATION ? "ONLY " : "",
					  dpq_relation_name(relid),
					  hist.data, dpq_relation_name(c->histrelid));
	relation_close(hrel, AccessShareLock);
	relation_close(rel, AccessShareLock);
	PG_RETURN_TEXT_P(cstring_to_text(result));
}

/* ------------------------------------------------------------------------
 * DDL: keeping the history table in step
 * ------------------------------------------------------------------------
 */
typedef struct SyncContext
{
	const char *rel;
	const char *hist;
} SyncContext;

static void
sync_error_context(void *arg)
{
	SyncContext *sc = arg;

	errcontext("keeping history table \"%s\" in step with \"%s\"", sc->hist, sc->rel);
}

/* run DDL on a history table, naming it in errors */
static void
history_ddl(Oid relid, Oid histrelid, const char *sql)
{
	ErrorContextCallback errcb;
	SyncContext sc;

	sc.rel = get_rel_name(relid);
	sc.hist = get_rel_name(histrelid);
	errcb.callback = sync_error_context;
	errcb.arg = &sc;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	dpq_spi_connect();
	run_ddl(sql);
	dpq_spi_finish();
	error_context_stack = errcb.previous;
}

/*
 * Give the history table every column of the tracked table, with its type
 * and collation, and the table's owner and persistence.
 */
static void
sync_history(Oid relid, Oid histrelid)
{
	Relation	rel = try_relation_open(relid, AccessShareLock);
	Relation	hrel = try_relation_open(histrelid, AccessShareLock);
	TupleDesc	desc;
	TupleDesc	hdesc;
	StringInfoData cmds;
	int			i;
	char	   *qhist;

	if (rel == NULL || hrel == NULL)
	{
		if (rel)
			relation_close(rel, AccessShareLock);
		if (hrel)
			relation_close(hrel, AccessShareLock);
		return;
	}
	desc = RelationGetDescr(rel);
	hdesc = RelationGetDescr(hrel);
	qhist = dpq_relation_name(histrelid);
	initStringInfo(&cmds);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		Form_pg_attribute hatt;
		AttrNumber	h;
		const char *name;

		if (att->attisdropped)
			continue;
		name = quote_identifier(NameStr(att->attname));
		h = attnum_by_name(hdesc, NameStr(att->attname));
		if (h == InvalidAttrNumber)
		{
			appendStringInfo(&cmds, "%sADD COLUMN %s %s%s", cmds.len ? ", " : "",
							 name, dpq_type_sql(att->atttypid, att->atttypmod),
							 dpq_collate_sql(att->atttypid, att->attcollation));
			continue;
		}
		hatt = TupleDescAttr(hdesc, h - 1);
		if (hatt->atttypid != att->atttypid || hatt->atttypmod != att->atttypmod ||
			hatt->attcollation != att->attcollation)
			appendStringInfo(&cmds, "%sALTER COLUMN %s TYPE %s%s USING %s::%s",
							 cmds.len ? ", " : "", name,
							 dpq_type_sql(att->atttypid, att->atttypmod), dpq_collate_sql(att->atttypid, att->attcollation),
							 name, dpq_type_sql(att->atttypid, att->atttypmod));
	}
	if (rel->rd_rel->relpersistence != hrel->rd_rel->relpersistence)
		appendStringInfo(&cmds, "%sSET %s", cmds.len ? ", " : "",
						 rel->rd_rel->relpersistence == RELPERSISTENCE_UNLOGGED ?
						 "UNLOGGED" : "LOGGED");
	if (rel->rd_rel->relowner != hrel->rd_rel->relowner)
		appendStringInfo(&cmds, "%sOWNER TO %s", cmds.len ? ", " : "",
						 quote_identifier(GetUserNameFromId(rel->rd_rel->relowner, false)));
	relation_close(hrel, AccessShareLock);
	relation_close(rel, AccessShareLock);
	if (cmds.len > 0)
		history_ddl(relid, histrelid, psprintf("ALTER TABLE %s %s", qhist, cmds.data));
}

static bool
is_validity_column(const char *name)
{
	return name != NULL &&
		(strcmp(name, VALID_FROM) == 0 || strcmp(name, VALID_TO) == 0);
}

static void
refuse_validity_change(const char *column, Oid relid, bool history,
					   const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("cannot %s column \"%s\" of %s \"%s\"", what, column,
					history ? "history table" : "tracked table", get_rel_name(relid)),
			 errdetail("dpq.track_history keeps row validity in it."),
			 errhint("Call dpq.untrack_history first.")));
}

/* relid and, when the statement recurses, its inheritors */
static List *
statement_relids(RangeVar *rv, Oid relid)
{
	if (rv->inh && get_rel_relkind(relid) != RELKIND_FOREIGN_TABLE)
		return find_all_inheritors(relid, NoLock, NULL);
	return list_make1_oid(relid);
}

/* tracked relations among relids (their configuration entries) */
static List *
tracked_among(List *cfg, List *relids)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, relids)
	{
		HistConfig *c = config_find(cfg, lfirst_oid(lc));

		if (c != NULL)
			result = lappend(result, c);
	}
	return result;
}

/*
 * ALTER TABLE: refuse changes to dpq's columns and partitions attached
 * twice; after it, bring the history tables of the tracked tables it
 * touched in step.
 */
static List *
check_alter_table(List *cfg, AlterTableStmt *stmt, Oid relid)
{
	List	   *relids = statement_relids(stmt->relation, relid);
	List	   *tracked = tracked_among(cfg, relids);
	HistConfig *hist = config_find_history(cfg, relid);
	ListCell   *lc;

	if (tracked == NIL && hist == NULL && !get_rel_relispartition(relid) &&
		get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE)
		return NIL;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		switch (cmd->subtype)
		{
			case AT_AlterColumnType:
				if ((tracked != NIL || hist != NULL) && is_validity_column(cmd->name))
					refuse_validity_change(cmd->name, relid, hist != NULL,
										   "change the type of");
				break;
			case AT_AddColumn:
				if (tracked != NIL && IsA(cmd->def, ColumnDef) &&
					is_validity_column(((ColumnDef *) cmd->def)->colname))
					ereport(ERROR,
							(errcode(ERRCODE_DUPLICATE_COLUMN),
							 errmsg("column name \"%s\" is reserved in tracked table \"%s\"",
									((ColumnDef *) cmd->def)->colname, get_rel_name(relid)),
							 errdetail("The history table of a tracked table has columns \"%s\" and \"%s\".",
									   VALID_FROM, VALID_TO)));
				break;
			case AT_AttachPartition:
				{
					PartitionCmd *pc = (PartitionCmd *) cmd->def;
					Oid			part = RangeVarGetRelid(pc->name, NoLock, true);

					if (OidIsValid(part) && config_find(cfg, part) != NULL &&
						config_covering(cfg, relid) != NULL)
						ereport(ERROR,
								(errcode(ERRCODE_DUPLICATE_OBJECT),
								 errmsg("cannot attach \"%s\": its history is kept, and so is the history of \"%s\"",
										get_rel_name(part), get_rel_name(relid)),
								 errhint("Call dpq.untrack_history for \"%s\" first.",
										 get_rel_name(part))));
				}
				break;
			default:
				break;
		}
	}
	return tracked;
}

static List *
check_rename(List *cfg, RenameStmt *stmt, Oid relid)
{
	List	   *relids = statement_relids(stmt->relation, relid);
	List	   *tracked = tracked_among(cfg, relids);
	HistConfig *hist = config_find_history(cfg, relid);
	bool		covered = config_covering(cfg, relid) != NULL;

	if (tracked == NIL && hist == NULL && !covered)
		return NIL;
	if (is_validity_column(stmt->subname))
		refuse_validity_change(stmt->subname, relid, hist != NULL, "rename");
	if ((tracked != NIL || covered) && is_validity_column(stmt->newname))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_COLUMN),
				 errmsg("column name \"%s\" is reserved in tracked table \"%s\"",
						stmt->newname, get_rel_name(relid))));
	return tracked;
}

/* rename the history's column too, then add what is still missing */
static void
apply_rename(List *tracked, RenameStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, tracked)
	{
		HistConfig *c = lfirst(lc);
		Relation	hrel = try_relation_open(c->histrelid, AccessShareLock);
		bool		rename;

		if (hrel == NULL)
			continue;
		rename = attnum_by_name(RelationGetDescr(hrel), stmt->subname) != InvalidAttrNumber &&
			attnum_by_name(RelationGetDescr(hrel), stmt->newname) == InvalidAttrNumber;
		relation_close(hrel, AccessShareLock);
		if (rename)
			history_ddl(c->relid, c->histrelid,
						psprintf("ALTER TABLE %s RENAME COLUMN %s TO %s",
								 dpq_relation_name(c->histrelid),
								 quote_identifier(stmt->subname),
								 quote_identifier(stmt->newname)));
		sync_history(c->relid, c->histrelid);
	}
}

/*
 * TRUNCATE removes rows without firing row triggers: copy the current
 * versions of tracked tables (and partitions of tracked tables) it is about
 * to remove into their history tables, closed at the transaction's start.
 */
static void
copy_before_truncate(List *cfg, TruncateStmt *stmt)
{
	List	   *relids = NIL;
	ListCell   *lc;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	MemoryContext rowcxt;
	EState	   *estate;

	foreach(lc, stmt->relations)
	{
		RangeVar   *rv = lfirst(lc);
		Oid			relid = RangeVarGetRelid(rv, NoLock, true);

		if (OidIsValid(relid))
			relids = list_concat_unique_oid(relids, statement_relids(rv, relid));
	}
	if (stmt->behavior == DROP_CASCADE)
	{
		for (;;)
		{
			List	   *more = list_difference_oid(heap_truncate_find_FKs(relids), relids);
			ListCell   *lc2;

			if (more == NIL)
				break;
			foreach(lc2, more)
				relids = list_concat_unique_oid(relids,
												find_all_inheritors(lfirst_oid(lc2), NoLock, NULL));
		}
	}

	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "dpq truncate copy",
								   ALLOCSET_DEFAULT_SIZES);
	/* AFTER triggers of history tables queue events: give them a query */
	AfterTriggerBeginQuery();
	foreach(lc, relids)
	{
		Oid			relid = lfirst_oid(lc);
		Relation	rel;
		HistRel    *hr;
		Snapshot	snap;
		TableScanDesc scan;
		TupleTableSlot *slot;

		if (get_rel_relkind(relid) != RELKIND_RELATION ||
			config_covering(cfg, relid) == NULL)
			continue;
		/* TRUNCATE will refuse: do not take its lock for it */
		if (pg_class_aclcheck(relid, GetUserId(), ACL_TRUNCATE) != ACLCHECK_OK)
			continue;
		rel = try_table_open(relid, AccessExclusiveLock);
		if (rel == NULL)
			continue;
		hr = get_histrel(rel);
		snap = RegisterSnapshot(GetLatestSnapshot());
		slot = table_slot_create(rel, NULL);
		scan = table_beginscan(rel, snap, 0, NULL);
		while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
		{
			MemoryContext old = MemoryContextSwitchTo(rowcxt);

			CHECK_FOR_INTERRUPTS();
			(void) record_old_version(hr, rel, slot, now);
			MemoryContextSwitchTo(old);
			MemoryContextReset(rowcxt);
		}
		table_endscan(scan);
		ExecDropSingleTupleTableSlot(slot);
		UnregisterSnapshot(snap);
		table_close(rel, NoLock);
	}
	estate = CreateExecutorState();
	AfterTriggerEndQuery(estate);
	ExecCloseResultRelations(estate);
	ExecResetTupleTable(estate->es_tupleTable, false);
	FreeExecutorState(estate);
	MemoryContextDelete(rowcxt);
}

void
dpq_history_utility(PlannedStmt *pstmt, const char *queryString,
					bool readOnlyTree, ProcessUtilityContext context,
					ParamListInfo params, QueryEnvironment *queryEnv,
					DestReceiver *dest, QueryCompletion *qc,
					ProcessUtility_hook_type next)
{
	Node	   *parsetree = pstmt->utilityStmt;
	Oid			cfgrelid;
	List	   *cfg;
	List	   *tracked = NIL;
	Oid			relid;
	ListCell   *lc;

	/* ALTER or DROP of a history table must not find it open */
	close_all_targets();

	if (!IsTransactionState() ||
		!(IsA(parsetree, AlterTableStmt) || IsA(parsetree, RenameStmt) ||
		  IsA(parsetree, TruncateStmt)) ||
		!OidIsValid(cfgrelid = config_relid(true)))
	{
		next(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		return;
	}
	cfg = load_config(cfgrelid);
	if (cfg == NIL)
	{
		next(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		return;
	}

	switch (nodeTag(parsetree))
	{
		case T_AlterTableStmt:
			{
				AlterTableStmt *stmt = (AlterTableStmt *) parsetree;

				relid = stmt->objtype == OBJECT_TABLE ?
					RangeVarGetRelid(stmt->relation, NoLock, true) : InvalidOid;
				if (OidIsValid(relid))
					tracked = check_alter_table(cfg, stmt, relid);
				next(pstmt, queryString, readOnlyTree, context, params, queryEnv,
					 dest, qc);
				if (tracked != NIL)
				{
					CommandCounterIncrement();
					foreach(lc, tracked)
					{
						HistConfig *c = lfirst(lc);

						sync_history(c->relid, c->histrelid);
					}
				}
			}
			break;
		case T_RenameStmt:
			{
				RenameStmt *stmt = (RenameStmt *) parsetree;

				relid = stmt->renameType == OBJECT_COLUMN && stmt->relation != NULL ?
					RangeVarGetRelid(stmt->relation, NoLock, true) : InvalidOid;
				if (OidIsValid(relid))
					tracked = check_rename(cfg, stmt, relid);
				next(pstmt, queryString, readOnlyTree, context, params, queryEnv,
					 dest, qc);
				if (tracked != NIL)
				{
					CommandCounterIncrement();
					apply_rename(tracked, stmt);
				}
			}
			break;
		case T_TruncateStmt:
			copy_before_truncate(cfg, (TruncateStmt *) parsetree);
			close_all_targets();
			next(pstmt, queryString, readOnlyTree, context, params, queryEnv,
				 dest, qc);
			break;
		default:
			next(pstmt, queryString, readOnlyTree, context, params, queryEnv,
				 dest, qc);
			break;
	}
}
