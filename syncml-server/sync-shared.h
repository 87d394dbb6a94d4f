/* What the engine's four files share, and nobody else: the engine is
 * sync.h's interface, split by job (OMA DS Protocol 1.2 §5-§9):
 *
 *   sync-alert.c   the client's Alerts, the mode each datastore syncs in
 *                  (anchors, 508, slow variants) and the client's Status
 *                  for our commands
 *   sync-client.c  the items of the client's Sync, and the slow sync's
 *                  matching of a device's cards to directory people
 *   sync-outbox.c  the server's items per message (fast feed, slow walk,
 *                  resends, chunks), taken back or recorded as pending
 *   sync-commit.c  the client's Map, and the session's commit of anchors,
 *                  revision and id map
 *
 * Promises: the helpers below are pure lookups; none writes the reply.
 * Never included outside those four files. */
#ifndef SRV_SYNC_SHARED_H
#define SRV_SYNC_SHARED_H

#include <stdbool.h>

#include "syncml-server/sync.h"

/* The guid of the pending rows of the Deletes a slow sync sends starts
 * with this byte (never the first byte of a person's uid). */
#define SRV_SYNC_DELETE_KEY '\001'

/* The alerted datastore of uri (normalised), its index in *idx_r; NULL
 * when the session has none. Borrowed from c->st. */
struct srv_ds *srv_sync_find_ds(struct srv_ctx *c, const char *uri, int *idx_r);

/* Is guid a visible person of the datastore's view (the whole directory,
 * or the unit and those below it)? A store failure reads as false. */
bool srv_sync_in_view(struct srv_ctx *c, const struct srv_ds *ds,
		      const char *guid);

#endif
