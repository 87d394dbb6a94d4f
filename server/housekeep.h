/* The server's housekeeping thread: every housekeeping-interval seconds it
 * deletes the SyncML sessions past their idle expiry or whole lifetime
 * (with their pending map changes, chunks and Map batches) and the MD5
 * nonces unused for nonce-ttl seconds, and the photo thumbnails of sizes
 * other than photo-size/max-photo and carddav-photo-size/carddav-max-photo
 * (dstore_thumb_prune), through its own store connection. It never
 * touches a live session, the directory or the change log (the retention
 * window is orgbook-admin prune's). Several instances on one database may
 * each run it: the deletes are idempotent (instances configured with
 * other photo sizes remove each other's thumbnails, which are then made
 * again: give them the same). */
#ifndef SRV_HOUSEKEEP_H
#define SRV_HOUSEKEEP_H

#include "syncml-server/server.h"

struct srv_housekeep;

/* Start the thread (its first sweep runs at once). NULL when the thread
 * cannot be created (logged). */
struct srv_housekeep *srv_housekeep_start(struct srv *srv);
/* One sweep in the calling thread: 0 or the store's OB_E_* (logged). */
int srv_housekeep_sweep(struct srv *srv, struct dstore *store, int64_t now);
/* Stop and join the thread; accepts NULL, sets *hk to NULL. */
void srv_housekeep_stop(struct srv_housekeep **hk);

#endif
