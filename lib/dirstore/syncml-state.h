/* The state SyncML leaves in the store between messages: each device's
 * sync state per datastore (anchors, the revision it has), its id map
 * (server id <-> client LUID, with the history of what it held), the
 * SyncML session itself (the last reply, the engine's opaque state), the
 * map changes a session has not committed yet, the MoreData chunks of a
 * large object, and the MD5 nonces devices must use next.
 *
 * Promises: it lives in the database, so any server process can continue
 * any session; id-map and pending writes join the tenant's open
 * transaction, so a session's map changes commit with its anchors or not
 * at all; sessions, chunks and nonces write in the open transaction when
 * there is one, else in their own.
 * What it never does: parse or build SyncML (it stores the reply and the
 * engine's state as opaque bytes, anchors and LUIDs as opaque strings),
 * decide sync modes, or log. Its vocabulary (anchors, LUIDs, MoreData) is
 * SyncML's; the directory itself (dirstore/dirstore.h) knows none of it. */
#ifndef DSTORE_SYNCML_STATE_H
#define DSTORE_SYNCML_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirstore/dirstore.h"
#include "util/err.h"

/* ---- devices and sync state ------------------------------------------ */

#define DSTORE_ANCHOR_MAX 64

struct dstore_sync_state {
	int64_t id; /* 0 until stored */
	int64_t account_id;
	char device[DSTORE_DEVICE_MAX];    /* SyncML Source LocURI */
	char datastore[DSTORE_DEVICE_MAX]; /* server datastore URI */
	char client_last[DSTORE_ANCHOR_MAX];
	char server_last[DSTORE_ANCHOR_MAX];
	int64_t rev;       /* directory revision the device has */
	bool force_slow;   /* next sync must be slow (admin request) */
	int64_t last_sync; /* unix time of the last completed session */
	char client_info[DSTORE_NAME_MAX]; /* "Man Mod SwV" from DevInf */
};

/* Load the state of (account, device, datastore). OB_E_NOTFOUND when the
 * device never completed a sync of that datastore. */
int dstore_sync_get(struct dstore *store, int64_t tenant_id, int64_t account_id,
		    const char *device, const char *datastore,
		    struct dstore_sync_state *st_r, struct ob_err *err);
/* Store the state (insert or update; st->id is set). Transaction needed:
 * commit it together with the session's map changes. */
int dstore_sync_put(struct dstore *store, int64_t tenant_id,
		    struct dstore_sync_state *st, struct ob_err *err);
/* Ask every datastore of a device (or of all devices when device is NULL)
 * of the account to slow-sync next time (transaction needed). */
int dstore_sync_force_slow(struct dstore *store, int64_t tenant_id,
			   int64_t account_id, const char *device,
			   struct ob_err *err);
int dstore_sync_list(struct dstore *store, int64_t tenant_id,
		     int (*fn)(const struct dstore_sync_state *st, void *ctx),
		     void *ctx, struct ob_err *err);

/* Whether a device that last synced at revision rev must slow-sync
 * because the changes after it are no longer all kept: pruning deleted
 * every change up to pruned_rev, so a device at pruned_rev or later still
 * gets exactly its changes. Revision 0 (a device that got nothing yet) is
 * never too old. The one rule of the SyncML alert and dstore_device_list. */
static inline bool dstore_rev_pruned(int64_t rev, int64_t pruned_rev)
{
	return pruned_rev > 0 && rev != 0 && rev < pruned_rev;
}

/* One datastore of one device as an operator sees it: its sync state,
 * the account's login, how many items its id map holds, whether a
 * session of the device is under way (unexpired and not completed at
 * `now`), and whether its revision is past the change-log retention
 * (dstore_rev_pruned: its next two-way sync is a slow one). */
struct dstore_device_info {
	struct dstore_sync_state st;
	char login[DSTORE_LOGIN_MAX];
	int64_t items;
	bool live_session;
	bool too_old;
};
/* Visit the tenant's device datastores ordered by device, datastore and
 * account: of one account only when account_id is not 0, of one device
 * only when device is not NULL (none visited is not an error). fn's
 * non-zero return stops the walk and is returned. Reads only. */
int dstore_device_list(struct dstore *store, int64_t tenant_id,
		       int64_t account_id, const char *device, int64_t now,
		       int (*fn)(const struct dstore_device_info *d, void *ctx),
		       void *ctx, struct ob_err *err);
/* Forget a device's sync state in the tenant (every datastore and
 * account, with their id maps), so that its next sync is a slow one;
 * *count_r (may be NULL) gets how many datastores went. OB_E_NOTFOUND
 * when the tenant has no state for it. Transaction needed. */
int dstore_device_forget(struct dstore *store, int64_t tenant_id,
			 const char *device, int *count_r, struct ob_err *err);

/* The id map of one sync state: server id (person uid) <-> client LUID,
 * with the revision of the version the client confirmed. Writes need a
 * transaction. */
int dstore_map_put(struct dstore *store, int64_t tenant_id, int64_t state_id,
		   const char *guid, const char *luid, int64_t rev,
		   struct ob_err *err);
int dstore_map_delete(struct dstore *store, int64_t tenant_id, int64_t state_id,
		      const char *guid, struct ob_err *err);
int dstore_map_clear(struct dstore *store, int64_t tenant_id, int64_t state_id,
		     struct ob_err *err);
/* Look up by guid or by luid (exactly one of them non-NULL); the found
 * values are copied into the caller's buffers. The first lookup by luid
 * of a state inside a write transaction builds that state's LUID index
 * (kept up to date from then on); outside one, it reads the state's map
 * through. */
int dstore_map_find(struct dstore *store, int64_t tenant_id, int64_t state_id,
		    const char *guid, const char *luid, char *guid_r,
		    size_t guid_size, char *luid_r, size_t luid_size,
		    int64_t *rev_r, struct ob_err *err);
/* What the device of state_id held under luid and holds no more (the
 * person was deleted from it, got another LUID, or a slow sync dropped
 * it), within the retention window: every guid, latest first, into
 * *guids_r (allocated, free() it; *n_r gets how many; a client that reuses
 * LUIDs after restores held many people under one LUID, and any of them
 * may be the card it sends back), or OB_E_NOTFOUND when none. Kept by the
 * store itself whenever a map row goes or changes its LUID. */
int dstore_map_history(struct dstore *store, int64_t tenant_id,
		       int64_t state_id, const char *luid,
		       char (**guids_r)[DSTORE_DEVICE_MAX], size_t *n_r,
		       struct ob_err *err);
/* Was guid ever sent to the device of state_id (mapped now, or within the
 * retention window)? 1, 0 or an OB_E_*. */
int dstore_map_ever(struct dstore *store, int64_t tenant_id, int64_t state_id,
		    const char *guid, struct ob_err *err);
int dstore_map_iter(struct dstore *store, int64_t tenant_id, int64_t state_id,
		    int (*fn)(const char *guid, const char *luid, int64_t rev,
			      void *ctx),
		    void *ctx, struct ob_err *err);

/* ---- SyncML sessions ------------------------------------------------- */

/* A SyncML session between messages: everything a server instance needs
 * to continue it, so any instance can take the next message. Sessions are
 * found by their token (from RespURI) or by (device, SessionID); they are
 * not tenant data until authenticated (tenant_id 0). Writes run in the
 * open transaction when there is one, else in their own. */
#define DSTORE_TOKEN_MAX 65
#define DSTORE_SESSION_ID_MAX 65

struct dstore_session {
	char token[DSTORE_TOKEN_MAX];
	char device[DSTORE_DEVICE_MAX];
	char session_id[DSTORE_SESSION_ID_MAX];
	int64_t tenant_id, account_id; /* 0 until authenticated */
	int64_t last_msg_id;           /* the client MsgID last answered */
	unsigned char *reply;          /* that answer, byte for byte */
	size_t reply_len;
	char reply_type[64];
	unsigned char *state; /* the server's opaque session state */
	size_t state_len;
	int64_t created, expires; /* unix time */
	bool completed;           /* the sync ran to its end */
};

/* Load a live (unexpired at `now`) session by token (when token is not
 * NULL) or else by (device, session_id), newest first. *s_r owns its
 * buffers (dstore_session_deinit). OB_E_NOTFOUND when none. */
int dstore_session_load(struct dstore *store, const char *token,
			const char *device, const char *session_id, int64_t now,
			struct dstore_session *s_r, struct ob_err *err);
/* Insert or replace by token. */
int dstore_session_save(struct dstore *store, const struct dstore_session *r,
			struct ob_err *err);
/* Delete a session and its pending map changes. */
int dstore_session_delete(struct dstore *store, const char *token,
			  struct ob_err *err);
/* Delete every session that expired before now; *count_r (may be NULL)
 * gets how many. Before, incomplete (may be NULL) is called for each of
 * them that never completed, with its ids, times and last_msg_id (no
 * reply or state). */
int dstore_session_expire(struct dstore *store, int64_t now,
			  void (*incomplete)(const struct dstore_session *s,
					     void *ctx),
			  void *ctx, int *count_r, struct ob_err *err);
/* Keep at most `max` (>= 1) sessions of an account: the oldest others are
 * deleted with their pending changes; keep_token is never deleted. *count_r
 * (may be NULL) gets how many went. */
int dstore_session_limit(struct dstore *store, int64_t account_id,
			 const char *keep_token, int max, int *count_r,
			 struct ob_err *err);
void dstore_session_deinit(struct dstore_session *s);

/* One device's requests one at a time: every thread and, on
 * PostgreSQL, every server process sharing the database waits for the
 * connection holding device (an advisory lock there; a connection that
 * dies gives it back). Waits up to wait_ms, then OB_E_BUSY. A connection
 * holds one device at a time; unlock releases it (a no-op when none is
 * held), and so does dstore_close. */
int dstore_device_lock(struct dstore *s, const char *device, unsigned wait_ms,
		       struct ob_err *err);
void dstore_device_unlock(struct dstore *s);

/* Map changes of a session not yet committed, per datastore index `ds`
 * and server id (guid); the latest operation for a guid wins. */
enum dstore_pending_op {
	DSTORE_PENDING_MAP = 1,  /* client has guid as luid (rev) */
	DSTORE_PENDING_SENT = 2, /* an Add was sent; luid not known yet */
	DSTORE_PENDING_DEL = 3,  /* client no longer has guid */
};

struct dstore_pending {
	char guid[DSTORE_DEVICE_MAX];
	char luid[DSTORE_DEVICE_MAX]; /* "" when unknown */
	int64_t rev;
	enum dstore_pending_op op;
	bool resend; /* send the server's version again this session */
};

/* Record an operation (transaction of the tenant needed). luid may be
 * NULL. resend is kept when already set. */
int dstore_pending_put(struct dstore *store, int64_t tenant_id,
		       const char *token, int ds, const char *guid,
		       const char *luid, int64_t rev, enum dstore_pending_op op,
		       bool resend, struct ob_err *err);
/* Look up by guid or by luid (exactly one non-NULL). OB_E_NOTFOUND. */
int dstore_pending_find(struct dstore *store, int64_t tenant_id,
			const char *token, int ds, const char *guid,
			const char *luid, struct dstore_pending *p_r,
			struct ob_err *err);
/* Visit the guids marked for resending, ordered by guid, after `after`
 * (keyset pagination; "" = from the start), at most `limit`. */
int dstore_pending_resends(struct dstore *store, int64_t tenant_id,
			   const char *token, int ds, const char *after,
			   size_t limit,
			   int (*fn)(const struct dstore_pending *p, void *ctx),
			   void *ctx, struct ob_err *err);
/* A client's Map items (guid, luid pairs of at most DSTORE_DEVICE_MAX - 1
 * bytes) kept as one row, for dstore_pending_commit: they are applied
 * after the pending rows, so a map wins over an earlier operation on its
 * guid (transaction of the tenant needed). OB_E_INVAL for an empty or
 * too long id. They are not seen by dstore_pending_find: a Map answers an
 * Add already sent. */
struct dstore_map_pair {
	const char *guid, *luid;
};
int dstore_pending_maps(struct dstore *store, int64_t tenant_id,
			const char *token, int ds, int64_t rev,
			const struct dstore_map_pair *pairs, size_t n,
			struct ob_err *err);
/* Apply a session's pending changes and Map items of datastore ds to the
 * id map of state_id (clearing the map first when `replace`), then drop
 * them (transaction of the tenant needed). */
int dstore_pending_commit(struct dstore *store, int64_t tenant_id,
			  const char *token, int ds, int64_t state_id,
			  bool replace, struct ob_err *err);
/* Drop a datastore's pending changes and Map items (e.g. a slow sync
 * restarted). */
int dstore_pending_drop(struct dstore *store, int64_t tenant_id,
			const char *token, int ds, struct ob_err *err);

/* A large object a client sends in chunks (MoreData), per session and
 * datastore: append a chunk (size is the whole object's declared size,
 * taken from the first chunk), take the whole (the row is deleted; *data_r
 * is malloc'd), or drop it. OB_E_NOTFOUND from take when none; OB_E_LIMIT
 * from append past max bytes. */
int dstore_chunk_append(struct dstore *store, const char *token, int ds,
			const char *luid, int64_t size, const void *data,
			size_t len, size_t max, struct ob_err *err);
int dstore_chunk_take(struct dstore *store, const char *token, int ds,
		      char luid_r[DSTORE_DEVICE_MAX], int64_t *size_r,
		      unsigned char **data_r, size_t *len_r,
		      struct ob_err *err);
int dstore_chunk_drop(struct dstore *store, const char *token, int ds,
		      struct ob_err *err);

/* ---- MD5 nonces of SyncML devices ---------------------------------- */

#define DSTORE_NONCE_MAX 64
/* Nonces kept per device: the current one and the newest superseded. */
#define DSTORE_NONCE_KEEP 4

/* The nonce a device must use next ("" when none was issued). */
int dstore_nonce_get(struct dstore *store, const char *device,
		     char nonce_r[DSTORE_NONCE_MAX], struct ob_err *err);
/* The device's superseded nonces still kept, newest first, into
 * old_r[0..*count_r) (at most DSTORE_NONCE_KEEP - 1; *count_r = 0 when
 * none). They are never valid for a login: they only tell a stale digest
 * from a wrong one. */
int dstore_nonce_old(struct dstore *store, const char *device,
		     char old_r[DSTORE_NONCE_KEEP - 1][DSTORE_NONCE_MAX],
		     int *count_r, struct ob_err *err);
/* Issue a device's next nonce for a login. The one it replaces is kept
 * as superseded, with its issue time, and the device keeps at most
 * DSTORE_NONCE_KEEP nonces in all (the oldest go). A login keeps the
 * nonces of at most `per_login` devices (the least recently issued go,
 * with their superseded ones). */
int dstore_nonce_set(struct dstore *store, const char *device,
		     const char *login, const char *nonce, int64_t now,
		     int per_login, struct ob_err *err);
/* Forget nonces, current or superseded, issued before `before`;
 * *count_r (may be NULL) gets how many current ones went. A device whose
 * current nonce went is challenged afresh. */
int dstore_nonce_expire(struct dstore *store, int64_t before, int *count_r,
			struct ob_err *err);

/* ---- figures for /metrics (stats.c) ---------------------------------- */

struct dstore_stats {
	int64_t live_sessions; /* not completed, not expired */
	int64_t devices_24h;   /* devices with a sync completed in 24 h */
	/* devices whose last completed sync is older than their
	 * enterprise's retention window: slow next time */
	int64_t devices_outside_retention;
	int64_t db_bytes; /* the database's size as the engine counts it */
};

/* The figures at unix time now; a few indexed counts, no transaction. */
int dstore_stats_get(struct dstore *store, int64_t now, struct dstore_stats *r,
		     struct ob_err *err);

#endif
