/*-------------------------------------------------------------------------
 *
 * export.c
 *	  What the lineage exports (src/lineage/export.sql) need from C.
 *
 * The OpenLineage export names datasets after the server they live on
 * (postgres://{host}:{port}, file://{host}).  The server knows no name
 * for itself: listen_addresses may be '*', inet_server_addr() is NULL over
 * a Unix socket, and clients reach it through names it never sees.  The
 * machine's host name is the best default there is; a superuser who wants
 * the name clients use sets dpq.lineage_namespace instead.
 *
 * IDENTIFICATION
 *	  src/lineage/export.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <unistd.h>

#include "fmgr.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(dpq_lineage_host);

/* POSIX guarantees host names of at most 255 bytes (HOST_NAME_MAX) */
#define DPQ_HOST_NAME_LEN	256

/*
 * dpq._lineage_host() -> text: this machine's host name (gethostname), or
 * 'localhost' when it has none.
 */
Datum
dpq_lineage_host(PG_FUNCTION_ARGS)
{
	char		host[DPQ_HOST_NAME_LEN + 1];

	if (gethostname(host, DPQ_HOST_NAME_LEN) != 0)
		host[0] = '\0';
	/* a name that filled the buffer is not terminated (POSIX) */
	host[DPQ_HOST_NAME_LEN] = '\0';
	if (host[0] == '\0')
		strcpy(host, "localhost");

	PG_RETURN_TEXT_P(cstring_to_text(host));
}
