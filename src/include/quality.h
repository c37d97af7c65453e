/*-------------------------------------------------------------------------
 *
 * quality.h
 *	  Declarative column tests: shared definitions.
 *
 * IDENTIFICATION
 *	  src/include/quality.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DPQ_QUALITY_H
#define DPQ_QUALITY_H

#include "nodes/pg_list.h"
#include "utils/rel.h"

typedef enum DpqTestKind
{
	DPQ_TEST_NOT_NULL,
	DPQ_TEST_UNIQUE,
	DPQ_TEST_RANGE,
	DPQ_TEST_FRESH,
	DPQ_TEST_VALUES,
	DPQ_TEST_ROW_COUNT
} DpqTestKind;

/* a declared test and, once run, its result */
typedef struct DpqTest
{
	/* declaration (from dpq.column_tests) */
	int64		test_id;
	Oid			relid;
	char	   *rel_name;
	AttrNumber	attnum;			/* 0: row_count; -1: column dropped */
	char	   *column_name;
	DpqTestKind kind;
	bool		warn;			/* severity 'warn' */
	char	   *where_clause;	/* canonical text or NULL */
	double		max_failing;
	char	   *min;			/* range: bound texts; row_count: numbers */
	char	   *max;
	bool		inclusive;
	char	   *within;			/* fresh: interval text */
	List	   *allowed;		/* values: list of C strings */

	/* resolved at run time */
	char	   *colsql;			/* quoted current column name */
	Oid			basetype;		/* column's base type */
	Oid			collation;
	char	   *checksql;		/* range/values: boolean check expression */

	/* result */
	const char *status;
	bool		done;
	bool		error;
	bool		failing_null;
	bool		checked_null;
	int64		failing;
	int64		checked;
	char	   *proof;
	char	   *detail;
	double		duration_ms;
	/* fresh: latest value and threshold, for the status and the detail */
	bool		fresh_hasmax;
	Datum		fresh_max;
} DpqTest;

extern const char *dpq_test_kind_name(DpqTestKind kind);
extern DpqTestKind dpq_test_kind_from_name(const char *name);

/* declare.c */
extern Node *dpq_transform_where(Relation rel, const char *where,
								 const char *what);
extern Node *dpq_transform_expr(Relation rel, const char *text,
								const char *what);
extern char *dpq_deparse_where(Relation rel, Node *expr);
extern char *dpq_range_check_sql(DpqTest *t, Relation rel);
extern char *dpq_values_check_sql(DpqTest *t, Relation rel);
extern char *dpq_literal_sql(const char *value, Oid basetype);
extern char *dpq_values_array_sql(DpqTest *t);

/* proof.c */
extern char *dpq_prove_not_null(Relation rel, AttrNumber attnum);
extern char *dpq_prove_unique(Relation rel, AttrNumber attnum);
extern char *dpq_prove_unique_key(Relation rel, int nkeys,
								  const AttrNumber *attnums);
extern char *dpq_prove_by_check(Relation rel, const char *checksql);
extern Oid	dpq_fresh_index(Relation rel, AttrNumber attnum);

/* scan.c: result of the fused scan for one test, decoded */
typedef struct DpqScanResult
{
	int64		checked;
	int64		failed;
	List	   *samples;		/* C strings */
	bool		hasmax;
	int64		maxraw;
	int64		ndup;
	bool		overflow;		/* unique: keys did not fit, use GROUP BY */
	bool		hashed;			/* unique: duplicates found by hash only */
	int64	   *candidates;		/* unique, hashed: hashes of duplicates */
	int			ncandidates;
	bool		too_many_candidates;
} DpqScanResult;

extern DpqScanResult *dpq_scan_decode(bytea *result, int ntests);

#endif							/* DPQ_QUALITY_H */
