/* Is this server able to do its work? What /healthz answers, and the
 * notes the session engine makes of store writes that failed or worked.
 *
 * Unhealthy while the database's file system has less than min-free-space
 * bytes free (statvfs of the database's folder), or after a write failed
 * with an I/O error (disk full, EIO) until a later write works: while so
 * flagged, each check tries one small write itself (dstore_write_probe),
 * so the server recovers by itself once space returns, with no sync
 * needed. It never deletes anything to make room. */
#ifndef SRV_HEALTH_H
#define SRV_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

#include "syncml-server/server.h"

/* A store write of the session engine ended with ret (0 or OB_E_*). */
void srv_health_note(struct srv *srv, int ret);
/* true when healthy; else why (a line for the response) is filled. */
bool srv_health_check(struct srv *srv, struct dstore *store, char *why,
		      size_t size);

#endif
