/*-------------------------------------------------------------------------
 *
 * lineage.h
 *	  Lineage capture: declarations shared by the files of src/lineage.
 *
 * IDENTIFICATION
 *	  src/lineage/lineage.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DPQ_LINEAGE_H
#define DPQ_LINEAGE_H

#include "dpq.h"
#include "nodes/parsenodes.h"
#include "utils/timestamp.h"

/* edge subtypes; the first three are direct, the others indirect */
typedef enum LinSubtype
{
	LS_IDENTITY = 0,
	LS_TRANSFORMATION,
	LS_AGGREGATION,
	LS_JOIN,
	LS_FILTER,
	LS_GROUP_BY,
	LS_SORT,
	LS_WINDOW,
	LS_CONDITIONAL
} LinSubtype;

#define LS_IS_DIRECT(s)	((s) <= LS_AGGREGATION)

StaticAssertDecl(LS_IDENTITY == DPQ_LINEAGE_IDENTITY &&
				 LS_TRANSFORMATION == DPQ_LINEAGE_TRANSFORMATION &&
				 LS_JOIN == DPQ_LINEAGE_JOIN,
				 "dpq.h's lineage subtypes must match LinSubtype");

/* levels an edge belongs to */
#define LIN_HOP		0x01		/* sources as the statement named them */
#define LIN_BASE	0x02		/* views expanded */

/* where a source comes from (dpq.lineage_edge_store.source_type) */
typedef enum LinSourceType
{
	LST_RELATION = 0,
	LST_FILE,
	LST_PROGRAM,
	LST_STDIN
} LinSourceType;

/* one edge of a job */
typedef struct LinEdge
{
	Oid			source_relid;	/* InvalidOid for COPY sources */
	AttrNumber	source_attnum;
	Oid			target_relid;
	AttrNumber	target_attnum;	/* 0: dataset-level */
	uint8		subtype;		/* LinSubtype */
	uint8		levels;			/* LIN_HOP | LIN_BASE */
} LinEdge;

/* what one writing statement did: built once per statement shape */
typedef struct LinJob
{
	uint64		shape;			/* hash of everything below */
	const char *statement;		/* "INSERT", "CREATE VIEW", ... (static) */
	int			nedges;
	LinEdge    *edges;
	/* COPY FROM: the source dataset (source_relid InvalidOid in edges) */
	uint8		source_type;	/* LinSourceType */
	char	   *source_name;	/* path, command or "stdin" */
	char	  **names;			/* per edge: source relation, source column,
								 * target relation, target column (NULL when
								 * none), as they were when walked */
	char	   *query;			/* statement text */
	int			nrelids;		/* relations named, views expanded (for
								 * invalidation) */
	Oid		   *relids;
} LinJob;

/* walk.c */
extern List *dpq_lineage_walk_query(Query *query, List **views);
extern List *dpq_lineage_walk_select(Query *query, Oid target_relid,
									 List **views);
extern List *dpq_lineage_walk_view(Oid viewid, List **views);
extern bool dpq_lineage_reads_other(List *edges);
extern LinJob *dpq_lineage_make_job(MemoryContext cxt, const char *statement,
									List *edges, List *views, const char *query,
									int query_location, int query_len);

/* store.c */
extern void dpq_lineage_flush(List *runs);
extern void dpq_lineage_store_reset(void);

/* capture.c */
extern Oid	dpq_lineage_runs_relid;
extern Oid	dpq_lineage_seq_relid;
extern int64 dpq_lineage_known_job(uint64 shape);
extern void dpq_lineage_job_written(uint64 shape, int64 job_id);
extern int	dpq_lineage_pending_count(void);
extern void dpq_lineage_pending_truncate(int n);

/* a committed-to-be run, buffered per transaction (capture.c) */
typedef struct LinRun
{
	LinJob	   *job;
	TimestampTz started_at;
	TimestampTz ended_at;
	Oid			roleid;
	int64		rows;			/* -1: unknown */
	int			nest_level;		/* subtransaction level that ran it */
	int64		job_id;			/* set when written */
} LinRun;

extern const char *dpq_lineage_subtype_name(int subtype);

#endif							/* DPQ_LINEAGE_H */
