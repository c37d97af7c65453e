/*-------------------------------------------------------------------------
 *
 * dpq.c
 *	  Module entry point: preload guard, GUCs and hook installation.
 *
 * dpq must be loaded through shared_preload_libraries: masking (and the
 * DDL tracking every capability relies on) must never be silently off, so
 * loading it any other way is an error.
 *
 * IDENTIFICATION
 *	  src/dpq.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "miscadmin.h"
#include "tcop/utility.h"
#include "utils/guc.h"

#include "dpq.h"
#include "masking.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

int			dpq_unique_work_mem = 1024 * 1024;	/* kB */
int			dpq_snapshot_work_mem = 512 * 1024;	/* kB */

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

static void dpq_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
							   bool readOnlyTree,
							   ProcessUtilityContext context,
							   ParamListInfo params,
							   QueryEnvironment *queryEnv,
							   DestReceiver *dest, QueryCompletion *qc);
static void quality_utility(PlannedStmt *pstmt, const char *queryString,
							bool readOnlyTree, ProcessUtilityContext context,
							ParamListInfo params, QueryEnvironment *queryEnv,
							DestReceiver *dest, QueryCompletion *qc);
static void lineage_utility(PlannedStmt *pstmt, const char *queryString,
							bool readOnlyTree, ProcessUtilityContext context,
							ParamListInfo params, QueryEnvironment *queryEnv,
							DestReceiver *dest, QueryCompletion *qc);

void
_PG_init(void)
{
	/* pg_upgrade's server must not be affected */
	if (IsBinaryUpgrade)
		return;

	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("dpq must be loaded via \"shared_preload_libraries\""),
				 errdetail("dpq installs hooks that must be active in every session from its start."),
				 errhint("Add dpq to the shared_preload_libraries configuration variable in postgresql.conf and restart the server.")));

	DefineCustomIntVariable("dpq.unique_work_mem",
							gettext_noop("Memory one unique column test may use for its fused scan."),
							gettext_noop("A unique test keeps 8 bytes per checked row; past this "
										 "limit it falls back to a GROUP BY query."),
							&dpq_unique_work_mem,
							1024 * 1024,
							1024,
							1024 * 1024,
							PGC_USERSET,
							GUC_UNIT_KB | GUC_NOT_IN_SAMPLE,
							NULL, NULL, NULL);

	DefineCustomIntVariable("dpq.snapshot_work_mem",
							gettext_noop("Memory one snapshot run may use to compare in memory."),
							gettext_noop("A run keeps the current versions of the target in a "
										 "hash table (about 64 bytes plus the key per version); "
										 "past this limit it compares with a join query instead."),
							&dpq_snapshot_work_mem,
							512 * 1024,
							1024,
							MAX_KILOBYTES,
							PGC_USERSET,
							GUC_UNIT_KB | GUC_NOT_IN_SAMPLE,
							NULL, NULL, NULL);

	dpq_lineage_init();

	MarkGUCPrefixReserved("dpq");

	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = dpq_ProcessUtility;
	dpq_masking_rules_init();
	dpq_masking_hooks_init();
	dpq_masking_functions_init();
	dpq_history_init();
}

static void
dpq_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
				   bool readOnlyTree, ProcessUtilityContext context,
				   ParamListInfo params, QueryEnvironment *queryEnv,
				   DestReceiver *dest, QueryCompletion *qc)
{
	/* masking first: it may turn COPY rel TO into COPY (SELECT ...) TO */
	dpq_masking_utility(&pstmt, queryString, &readOnlyTree);
	dpq_history_utility(pstmt, queryString, readOnlyTree, context, params,
						queryEnv, dest, qc, quality_utility);
}

/* the column tests' part, then the previous hook or the standard one */
static void
quality_utility(PlannedStmt *pstmt, const char *queryString,
				bool readOnlyTree, ProcessUtilityContext context,
				ParamListInfo params, QueryEnvironment *queryEnv,
				DestReceiver *dest, QueryCompletion *qc)
{
	dpq_quality_utility(pstmt, queryString, readOnlyTree, context, params,
						queryEnv, dest, qc, lineage_utility);
}

/* lineage's part (it runs the statement, then records what it did) */
static void
lineage_utility(PlannedStmt *pstmt, const char *queryString,
				bool readOnlyTree, ProcessUtilityContext context,
				ParamListInfo params, QueryEnvironment *queryEnv,
				DestReceiver *dest, QueryCompletion *qc)
{
	dpq_lineage_utility(pstmt, queryString, readOnlyTree, context, params,
						queryEnv, dest, qc,
						prev_ProcessUtility ? prev_ProcessUtility
						: standard_ProcessUtility);
}
