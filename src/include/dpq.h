/*-------------------------------------------------------------------------
 *
 * dpq.h
 *	  Declarations shared by every part of dpq.
 *
 * IDENTIFICATION
 *	  src/include/dpq.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DPQ_H
#define DPQ_H

#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"

#define DPQ_SCHEMA		"dpq"
#define DPQ_ADMIN_ROLE	"dpq_admin"
#define DPQ_AUDITOR_ROLE "dpq_auditor"

/* GUCs (src/dpq.c) */
extern int	dpq_unique_work_mem;
extern int	dpq_snapshot_work_mem;

/*
 * Identity switches (src/common/catalog.c).
 *
 * dpq's catalog tables grant nothing to PUBLIC; dpq's functions check the
 * caller's rights themselves and then read and write the catalog as its
 * owner.  User data is read as the owner of the table, in a security
 * restricted operation, the way ANALYZE evaluates index expressions.
 */
typedef struct DpqIdentity
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
} DpqIdentity;

extern Oid	dpq_schema_oid(void);
extern Oid	dpq_catalog_owner(void);
extern void dpq_become_catalog_owner(DpqIdentity *id);
extern void dpq_become_table_owner(DpqIdentity *id, Oid owner);
extern void dpq_restore_identity(DpqIdentity *id);
extern bool dpq_is_admin(Oid roleid);
extern bool dpq_is_auditor(Oid roleid);
extern char *dpq_relation_name(Oid relid);
extern char *dpq_type_sql(Oid typid, int32 typmod);
extern char *dpq_collate_sql(Oid typid, Oid collation);
extern void dpq_pin_guc(const char *name, const char *value);
extern char *dpq_try(void (*fn) (void *), void *arg, MemoryContext errcxt);
extern Datum dpq_oid_array(List *oids);
extern void dpq_require_arg(FunctionCallInfo fcinfo, int argno,
							const char *name);

/* SPI helpers (src/common/spi.c) */
extern void dpq_spi_connect(void);
extern void dpq_spi_finish(void);
extern int	dpq_spi_exec(const char *sql, int nargs, Oid *argtypes,
						 Datum *values, const char *nulls, bool read_only,
						 long count);

/* column tests: utility hook part (src/quality/ddl.c) */
extern void dpq_quality_utility(PlannedStmt *pstmt, const char *queryString,
								bool readOnlyTree,
								ProcessUtilityContext context,
								ParamListInfo params,
								QueryEnvironment *queryEnv,
								DestReceiver *dest, QueryCompletion *qc,
								ProcessUtility_hook_type next);

/* continuous history (src/snapshot/history.c) */
extern void dpq_history_init(void);
extern void dpq_history_utility(PlannedStmt *pstmt, const char *queryString,
								bool readOnlyTree,
								ProcessUtilityContext context,
								ParamListInfo params,
								QueryEnvironment *queryEnv,
								DestReceiver *dest, QueryCompletion *qc,
								ProcessUtility_hook_type next);

/* lineage capture (src/lineage/capture.c) */
extern bool dpq_lineage_enabled;
extern char *dpq_lineage_namespace;
extern void dpq_lineage_init(void);
extern void dpq_lineage_utility(PlannedStmt *pstmt, const char *queryString,
								bool readOnlyTree,
								ProcessUtilityContext context,
								ParamListInfo params,
								QueryEnvironment *queryEnv,
								DestReceiver *dest, QueryCompletion *qc,
								ProcessUtility_hook_type next);
/* subtypes for dpq_lineage_record (the values of LinSubtype) */
#define DPQ_LINEAGE_IDENTITY		0
#define DPQ_LINEAGE_TRANSFORMATION	1
#define DPQ_LINEAGE_JOIN			3
extern void dpq_lineage_suppress(int delta);
extern void dpq_lineage_record(const char *statement, Oid source, Oid target,
							   int nedges, const AttrNumber *source_attnums,
							   const AttrNumber *target_attnums,
							   const int *subtypes, int64 rows);

#endif							/* DPQ_H */
