/* The agent's SyncML client: one session against a SyncML DS 1.1/1.2
 * server over HTTP(S) (libcurl), XML or WBXML, basic or MD5 auth, that
 * brings the local store up to date.
 *
 *   pkg 1: Alert (200 with the stored Last anchor, 201 when there is none
 *          or a slow sync is asked for, 205 for refresh), DevInf
 *   pkg 2: 401/407 + challenge -> pkg 1 again once; server Alert (508 ->
 *          the server's slow variant is followed)
 *   pkg 3: an empty Sync (the local copy is read-only)
 *   pkg 4: the server's items, message by message (222 for more), each
 *          message's items applied in one local transaction; Adds get a
 *          local id and go in a Map with the next message
 *   pkg 5/6: statuses and Map, Final; then the anchors are stored.
 *
 * A slow sync or refresh marks every received person with a new
 * generation and, only when the session completes, deletes those the
 * server did not send. Killed at any point, the next run repeats the
 * session: items are keyed by server id, so nothing is duplicated. Reply
 * bodies are capped while they are read (chunked ones included). */
#ifndef AGENT_SYNC_H
#define AGENT_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/store.h"
#include "util/err.h"

enum agent_mode {
	AGENT_SYNC_AUTO = 0, /* two-way when possible, else slow */
	AGENT_SYNC_SLOW = 1,
	AGENT_SYNC_REFRESH = 2,
};

struct agent_sync_opts {
	const char *url, *user, *password;
	const char *datastore; /* "contacts" or "contacts/<unit path>" */
	bool wbxml, md5;
	int version;         /* 11 or 12 */
	size_t max_msg;      /* our MaxMsgSize */
	size_t max_reply;    /* cap on a reply body we accept */
	const char *ca_file; /* NULL = the system's */
	const char *pin;     /* "sha256//BASE64" of the server's public key,
				or NULL; without ca_file it replaces CA trust */
	long timeout_s;      /* whole request */
	enum agent_mode mode;
	const char *device; /* our device id */
	/* called after every message: items done so far, total if known */
	void (*progress)(long done, long total, void *ctx);
	void *progress_ctx;
};

/* The largest item the agent stores, in bytes (all chunks of a large
 * object together); also the MaxObjSize it announces. The vCard parser's
 * own limits (vcard_limits_default: 1 MiB a card, 256 KiB a photo, 256
 * properties) still apply below it. */
#define AGENT_MAX_ITEM (1u << 20)

/* Why an item the server sent was not stored. Each one is answered with
 * an error status for its command, so the server knows it was not
 * delivered (orgbook-server then keeps its anchors and syncs slowly next
 * time), and the agent's own Last anchor is cleared: the next session is
 * a slow sync that asks for the item again. The other items of the same
 * message are stored. */
enum agent_refusal {
	AGENT_REFUSED_MALFORMED = 0, /* not a vCard we read: 415 */
	AGENT_REFUSED_TOO_LARGE,     /* over AGENT_MAX_ITEM bytes: 413 */
	AGENT_REFUSED_LIMIT,         /* over a vCard parser limit: 413 */
	AGENT_REFUSED_NO_ID,         /* no usable server or local id: 412/404 */
	AGENT_REFUSED_N
};

struct agent_refused {
	long count;
	/* the first one: "server id ID, line N, PROP: why" (control
	 * characters shown as '?') */
	char first[400];
};

struct agent_sync_result {
	int alert; /* the sync type the server ran: 200, 201, 205 */
	long adds, replaces, deletes, removed; /* removed: swept after slow */
	long messages;
	uint64_t bytes_in, bytes_out;
	long refused_total; /* sum of refused[].count */
	struct agent_refused refused[AGENT_REFUSED_N];
};

/* Run one session. Errors: OB_E_INVAL (url is not http:// or https://),
 * OB_E_AUTH (credentials refused), OB_E_IO (network, TLS, HTTP status,
 * redirects included: none is followed), OB_E_PARSE (malformed reply),
 * OB_E_LIMIT (reply over max_reply), OB_E_FAIL (a SyncML error status
 * from the server, or a RespURI that leaves url's origin (respuri.h),
 * refused before anything of its reply is applied; err names it). libcurl
 * speaks only url's scheme. The local copy keeps everything it had on any
 * error except for items the server sent and we acknowledged. A session
 * that completes with refused items returns 0 with r->refused_total > 0. */
int agent_sync(struct agent_store *store, const struct agent_sync_opts *o,
	       struct agent_sync_result *r, struct ob_err *err);

#endif
