/* The state of one SyncML session between messages, kept in the store
 * (dstore_session.state) so that any server instance continues it. Its
 * phase moves only through phase.h (the diagram is there).
 *
 * | package                 | function                      |
 * |-------------------------|-------------------------------|
 * | Alert 200..205          | sync-alert.c srv_sync_alert   |
 * | client Sync items       | sync-client.c srv_sync_client |
 * | server items per message| sync-outbox.c srv_sync_fill   |
 * | Map                     | sync-commit.c srv_sync_map    |
 * | final message after SEND| sync-commit.c srv_sync_commit |
 * Everything else (decode, lookup, auth, replay, reply assembly) is in
 * session.c. The struct is stored between messages in state.h's explicit,
 * versioned layout (never as its bytes); a state that layout refuses
 * starts the session over. */
#ifndef SRV_SESSION_H
#define SRV_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "dirstore/dirstore.h"
#include "dirstore/syncml-state.h"
#include "syncml-server/devinf.h"
#include "syncml-server/phase.h"

#define SRV_DS_MAX 4
#define SRV_URI_MAX 256

struct srv_ds {
	char uri[SRV_URI_MAX]; /* server datastore as the client wrote it */
	char client_uri[SRV_URI_MAX]; /* the client's datastore */
	char key[SRV_URI_MAX];        /* normalised: "contacts[/unit/path]" */
	int64_t unit_id;              /* 0 = whole directory */
	int mode;                     /* 200, 201, 204, 205 in effect */
	bool refused;                 /* alert refused: no sync follows */
	char client_next[DSTORE_ANCHOR_MAX];
	char server_last[DSTORE_ANCHOR_MAX];
	char server_next[DSTORE_ANCHOR_MAX];
	int64_t since_rev; /* fast sync: revision the device has */
	int64_t snap_rev;  /* the tenant's revision at the alert */
	bool failed;       /* an item failed: anchors not advanced */
	bool server_done;
	bool sent_sync; /* a Sync for it was sent in package 4 */
	int64_t cursor; /* last person id handled */
	char resend_after[DSTORE_DEVICE_MAX];
	bool resends_done;
	int vcard; /* 21 or 30 */
	uint32_t adds, replaces, deletes, client_items;
	uint32_t matched; /* slow sync: client cards matched to people */
	/* An item being sent in chunks (large object, MoreData). */
	bool chunk_active;
	bool chunk_photo; /* the card was rendered with its photo */
	int chunk_kind;   /* enum srv_item_kind */
	char chunk_guid[DSTORE_DEVICE_MAX];
	char chunk_luid[DSTORE_DEVICE_MAX];
	int64_t chunk_rev;
	uint32_t chunk_off, chunk_total; /* bytes of the card sent, in all */
};

struct srv_state {
	int version; /* 11 or 12 */
	bool wbxml;
	uint64_t max_msg, max_obj;
	uint64_t server_msg_id;
	bool authed;
	int64_t tenant_id, account_id;
	char login[DSTORE_LOGIN_MAX];
	struct srv_client_info client;
	int phase;
	int n_ds;
	struct srv_ds ds[SRV_DS_MAX];
	uint64_t started_ms;
	bool asked_devinf;
	/* WBXML bytes per 1,000 bytes of XML in the last reply (0 = none
	 * yet): how much XML the next reply may gather for MaxMsgSize */
	uint32_t wbxml_permille;
	/* FNV-1a of the message the stored reply answers: a retry is that
	 * message again byte for byte (a client restored from a backup may
	 * start anew with an old SessionID and MsgID 1) */
	uint64_t last_req_hash;
};

#endif
