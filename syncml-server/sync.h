/* The sync engine: what happens to a datastore from the client's Alert to
 * the commit of its anchors and id map (OMA DS Protocol 1.2 §6-§9).
 *
 * Anchors (OMA DS Protocol 1.2 §2.2): a two-way or one-way sync is fast only when the
 * client's Last equals the Next stored at the end of the last completed
 * session and the change log still reaches back to the device's revision;
 * otherwise Status 508 and the slow variant. Anchors and the map are
 * committed only by srv_sync_commit at the end of a session.
 *
 * The directory is authoritative ("enforce server"): client Adds are
 * acknowledged (201) and kept private on the device; a client Replace or
 * Delete of a directory person is acknowledged (200) and answered with the
 * directory's version of that person in the same session; nothing a
 * client sends changes the directory.
 *
 * The engine is four files, one per job (sync-shared.h): sync-alert.c,
 * sync-client.c, sync-outbox.c, sync-commit.c. */
#ifndef SRV_SYNC_H
#define SRV_SYNC_H

#include "dirstore/dirstore.h"
#include "syncml/msg.h"
#include "syncml-server/reply.h"
#include "syncml-server/server.h"
#include "syncml-server/session.h"

/* Everything one message's processing needs. */
struct srv_ctx {
	struct srv *srv;
	struct dstore *store;
	struct srv_state *st;
	const char *token;
	struct srv_reply *reply;
	const struct sml_msg *msg;
	struct ob_log_ctx log;
	struct dstore_tenant tenant;
	bool client_final;       /* the message carries Final */
	int store_failed;        /* the message's first store failure, or 0 */
	struct ob_err store_err; /* what it said */
};

/* Open a Status in the reply: CmdID, MsgRef, CmdRef, Cmd and the refs
 * given (NULL or "" for none). The caller writes the rest in the order of
 * the DTD (Cred?, Chal?, Data, Item*: the code before any Item) and closes
 * it; the caller also honours the message's NoResp. */
struct sml_writer *srv_status_open(struct srv_ctx *c, uint64_t cmd_ref,
				   const char *cmd_name, const char *target_ref,
				   const char *source_ref);
/* ret, as a store call returned it. A failure other than OB_E_NOTFOUND
 * is kept in c (the message's first) and the message is then rolled back
 * and answered as the store's failure (process(), finish_reply()): a
 * lookup that failed is never taken for a row that does not exist, which
 * would slow-sync a device, add a card twice or take a directory card
 * for the user's own. */
int srv_store_check(struct srv_ctx *c, int ret, const struct ob_err *err);
/* Status for a command (or the header when cmd_name is "SyncHdr"). */
void srv_status(struct srv_ctx *c, uint64_t cmd_ref, const char *cmd_name,
		const char *target_ref, const char *source_ref, int code);

/* Alert 200..205, and 225 (resume, not served: 509 and a two-way sync,
 * or 508 and a slow one when the anchors disagree). */
void srv_sync_alert(struct srv_ctx *c, const struct sml_node *alert, int code);
/* The client's Sync command and the items in it. */
void srv_sync_client(struct srv_ctx *c, const struct sml_node *sync);
/* A Map command. */
void srv_sync_map(struct srv_ctx *c, const struct sml_node *map);
/* A client Status for one of our sync commands (Alert, Add, ...). */
void srv_sync_status(struct srv_ctx *c, const struct sml_node *status);
/* Fill the reply with server items while they fit. Returns 0 or an
 * OB_E_* (store failure). */
int srv_sync_fill(struct srv_ctx *c);
/* Undo an item taken back from the reply. */
void srv_sync_unsend(struct srv_ctx *c, const struct srv_item *it);
/* Record the pending map changes of the items that stay in the reply. */
int srv_sync_record(struct srv_ctx *c);
/* End of session: store anchors, revision and map of every datastore. */
int srv_sync_commit(struct srv_ctx *c);
/* Resolve a datastore URI to a key and unit: OB_E_NOTFOUND when unknown. */
int srv_sync_resolve(struct srv_ctx *c, const char *uri, char *key,
		     size_t key_size, int64_t *unit_r);

#endif
