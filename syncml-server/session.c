/* One SyncML message from bytes to reply: decode, find or start the
 * session, replay a retried message, authenticate, run the commands, build
 * the reply within MaxMsgSize, store the session (see session.h for the
 * state machine and server.h for the contract with the HTTP layer).
 *
 * Sessions are found by the RespURI token, else by (device, SessionID)
 * (SyncML RepPro 1.2 §5.1.1). A message whose MsgID equals the last one answered gets
 * the stored reply byte for byte; nothing is executed again. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dirstore/syncml-state.h"
#include "syncml-server/auth.h"
#include "syncml-server/devinf.h"
#include "syncml-server/health.h"
#include "syncml-server/session.h"
#include "syncml-server/state.h"
#include "syncml-server/status.h"
#include "syncml-server/sync.h"
#include "syncml/encode.h"
#include "syncml/msg.h"
#include "syncml/wbxml.h"
#include "syncml/xml.h"
#include "util/str.h"

#define XML_TYPE "application/vnd.syncml+xml"
#define WBXML_TYPE "application/vnd.syncml+wbxml"
#define DEVINF_TYPE "application/vnd.syncml-devinf+xml"
#define MSG_MIN 2048           /* smallest MaxMsgSize we try to honour */
#define DEVINF_CTCAP_MIN 16384 /* MaxMsgSize that has room for CTCap */
#define RETRY_KEEP 600         /* seconds a finished session answers retries */
#define MSG_TRIES 4            /* runs of a message that lost a conflict */
#define DEVICE_WAIT_MS 5000    /* longest wait for the same device's request */

void srv_response_deinit(struct srv_response *rs)
{
	free(rs->body);
	memset(rs, 0, sizeof(*rs));
}

static void http_error(struct srv_response *rs, int status, const char *text)
{
	size_t n = strlen(text);

	rs->http_status = status;
	rs->body = malloc(n + 1);
	if (rs->body != NULL) {
		memcpy(rs->body, text, n + 1);
		rs->len = n;
	}
	ob_strlcpy(rs->content_type, "text/plain; charset=utf-8",
		   sizeof(rs->content_type));
}

struct sml_writer *srv_status_open(struct srv_ctx *c, uint64_t cmd_ref,
				   const char *cmd_name, const char *target_ref,
				   const char *source_ref)
{
	struct sml_writer *w = &c->reply->statuses;

	sml_writer_open(w, "Status", NULL);
	sml_writer_uint(w, "CmdID", srv_reply_next_cmd(c->reply));
	sml_writer_uint(w, "MsgRef", c->msg->hdr.msg_id);
	sml_writer_uint(w, "CmdRef", cmd_ref);
	sml_writer_text(w, "Cmd", cmd_name);
	if (target_ref != NULL && *target_ref != '\0')
		sml_writer_text(w, "TargetRef", target_ref);
	if (source_ref != NULL && *source_ref != '\0')
		sml_writer_text(w, "SourceRef", source_ref);
	return w;
}

int srv_store_check(struct srv_ctx *c, int ret, const struct ob_err *err)
{
	if (ret < 0 && ret != OB_E_NOTFOUND && c->store_failed == 0) {
		c->store_failed = ret;
		c->store_err = *err;
	}
	return ret;
}

void srv_status(struct srv_ctx *c, uint64_t cmd_ref, const char *cmd_name,
		const char *target_ref, const char *source_ref, int code)
{
	if (c->msg->hdr.no_resp)
		return;
	struct sml_writer *w =
		srv_status_open(c, cmd_ref, cmd_name, target_ref, source_ref);
	sml_writer_uint(w, "Data", (uint64_t)code);
	sml_writer_close(w);
}

/* ---- reply header ------------------------------------------------------ */

static void write_header(struct srv_ctx *c, const char *resp_uri)
{
	struct sml_writer *w = &c->reply->hdr;
	bool v12 = c->st->version == 12;

	sml_writer_open(w, "SyncML",
			v12 ? "SYNCML:SYNCML1.2" : "SYNCML:SYNCML1.1");
	sml_writer_open(w, "SyncHdr", NULL);
	sml_writer_text(w, "VerDTD", v12 ? "1.2" : "1.1");
	sml_writer_text(w, "VerProto", v12 ? "SyncML/1.2" : "SyncML/1.1");
	sml_writer_text(w, "SessionID", c->msg->hdr.session_id);
	sml_writer_uint(w, "MsgID", c->st->server_msg_id);
	sml_writer_open(w, "Target", NULL);
	sml_writer_text(w, "LocURI", c->msg->hdr.source_uri);
	sml_writer_close(w);
	sml_writer_open(w, "Source", NULL);
	sml_writer_text(w, "LocURI", c->msg->hdr.target_uri);
	sml_writer_close(w);
	if (resp_uri != NULL)
		sml_writer_text(w, "RespURI", resp_uri);
	/* What we accept; no more than the client accepts, so that our
	 * statuses for a full message of its items fit its limit too. */
	char max[24];
	snprintf(max, sizeof(max), "%" PRIu64, c->st->max_msg);
	sml_writer_open(w, "Meta", NULL);
	sml_writer_text_ns(w, "MaxMsgSize", "syncml:metinf", max);
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_open(w, "SyncBody", NULL);
	/* The open SyncML and SyncBody are closed by srv_reply_assemble. */
	w->depth = 0;
}

static void header_status(struct srv_ctx *c, int code,
			  const struct srv_auth *chal)
{
	struct sml_writer *w;

	if (c->msg->hdr.no_resp && chal == NULL)
		return;
	w = srv_status_open(c, 0, "SyncHdr", c->msg->hdr.target_uri,
			    c->msg->hdr.source_uri);
	if (chal != NULL)
		srv_auth_write_chal(w, chal);
	sml_writer_uint(w, "Data", (uint64_t)code);
	sml_writer_close(w);
}

/* ---- commands ---------------------------------------------------------- */

static const char *devinf_uri(const struct srv_ctx *c)
{
	return c->st->version == 12 ? "./devinf12" : "./devinf11";
}

/* The client's DevInf, in a Put or in the Results of our Get (name is
 * the command's, for its Status). It decides the vCard version of every
 * datastore that has not sent an item yet: a DevInf that comes after the
 * Alert (SyncEvolution sends it in Results with its Sync once a challenge
 * made it resend package 1 without the Put) still counts. */
static void cmd_devinf(struct srv_ctx *c, const struct sml_node *cmd,
		       const char *name)
{
	const struct sml_node *item = sml_node_child(cmd, "Item");
	const char *src = sml_node_text(item, "Source/LocURI");
	const char *store0 = c->st->n_ds > 0 ? c->st->ds[0].client_uri : NULL;

	srv_devinf_read(sml_node_child(item, "Data"), store0, &c->st->client);
	for (int i = 0; i < c->st->n_ds && c->st->client.vcard != 0; i++) {
		struct srv_ds *ds = &c->st->ds[i];
		if (!ds->sent_sync && !ds->chunk_active)
			ds->vcard = c->st->client.vcard;
	}
	if (c->st->client.present) {
		char q[64];
		srv_client_quirks(&c->st->client, q, sizeof(q));
		ob_log(OB_LOG_DEBUG, &c->log,
		       "client %s %s %s, vCard %d, quirks %s",
		       c->st->client.man, c->st->client.mod, c->st->client.swv,
		       c->st->client.vcard, q);
	}
	srv_status(c, sml_cmd_id(cmd), name, NULL, src, SML_OK);
}

static void cmd_get(struct srv_ctx *c, const struct sml_node *cmd)
{
	const struct sml_node *item = sml_node_child(cmd, "Item");
	const char *target = sml_node_text(item, "Target/LocURI");
	struct sml_writer *w = &c->reply->cmds;
	const char *stores[SRV_DS_MAX + 1];
	int n = 0;

	if (strncmp(target, "./devinf1", 9) != 0 &&
	    strncmp(target, "devinf1", 7) != 0) {
		srv_status(c, sml_cmd_id(cmd), "Get", target, NULL,
			   SML_NOT_FOUND);
		return;
	}
	srv_status(c, sml_cmd_id(cmd), "Get", target, NULL, SML_OK);
	/* DataStore SourceRef must be the path the client alerted. */
	for (int i = 0; i < c->st->n_ds; i++)
		stores[n++] = c->st->ds[i].uri;
	if (n == 0)
		stores[n++] = "contacts";
	sml_writer_open(w, "Results", NULL);
	sml_writer_uint(w, "CmdID", srv_reply_next_cmd(c->reply));
	sml_writer_uint(w, "MsgRef", c->msg->hdr.msg_id);
	sml_writer_uint(w, "CmdRef", sml_cmd_id(cmd));
	sml_writer_open(w, "Meta", NULL);
	sml_writer_text_ns(w, "Type", "syncml:metinf", DEVINF_TYPE);
	sml_writer_close(w);
	sml_writer_open(w, "Item", NULL);
	sml_writer_open(w, "Source", NULL);
	sml_writer_text(w, "LocURI", devinf_uri(c));
	sml_writer_close(w);
	sml_writer_open(w, "Data", NULL);
	/* CTCap is optional; leave it out where it would not fit. */
	srv_devinf_write(w, c->st->version == 12 ? SML_VER_12 : SML_VER_11,
			 stores, n, c->st->max_msg >= DEVINF_CTCAP_MIN);
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_close(w);
}

static void ask_devinf(struct srv_ctx *c)
{
	struct sml_writer *w = &c->reply->cmds;

	sml_writer_open(w, "Get", NULL);
	sml_writer_uint(w, "CmdID", srv_reply_next_cmd(c->reply));
	sml_writer_open(w, "Meta", NULL);
	sml_writer_text_ns(w, "Type", "syncml:metinf", DEVINF_TYPE);
	sml_writer_close(w);
	sml_writer_open(w, "Item", NULL);
	sml_writer_open(w, "Target", NULL);
	sml_writer_text(w, "LocURI", devinf_uri(c));
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_close(w);
	c->st->asked_devinf = true;
}

static void cmd_alert(struct srv_ctx *c, const struct sml_node *cmd)
{
	uint64_t code;

	if (!sml_node_uint(cmd, "Data", 999, &code)) {
		srv_status(c, sml_cmd_id(cmd), "Alert", NULL, NULL,
			   SML_BAD_REQUEST);
		return;
	}
	switch (code) {
	case SML_ALERT_TWO_WAY:
	case SML_ALERT_SLOW:
	case SML_ALERT_ONE_WAY_CLIENT:
	case SML_ALERT_REFRESH_CLIENT:
	case SML_ALERT_ONE_WAY_SERVER:
	case SML_ALERT_REFRESH_SERVER:
	case SML_ALERT_RESUME:
		if (c->st->phase != SRV_PHASE_INIT) {
			srv_status(c, sml_cmd_id(cmd), "Alert", NULL, NULL,
				   SML_FORBIDDEN);
			return;
		}
		srv_sync_alert(c, cmd, (int)code);
		return;
	case SML_ALERT_NO_END_OF_DATA:
		/* the client gave up a large object: forget its chunks */
		for (int i = 0; i < c->st->n_ds; i++) {
			struct ob_err err;
			(void)dstore_chunk_drop(c->store, c->token, i, &err);
		}
		srv_status(c, sml_cmd_id(cmd), "Alert", NULL, NULL, SML_OK);
		return;
	case SML_ALERT_NEXT_MESSAGE:
	case SML_ALERT_RESULT:
		srv_status(c, sml_cmd_id(cmd), "Alert", NULL, NULL, SML_OK);
		return;
	default:
		srv_status(c, sml_cmd_id(cmd), "Alert", NULL, NULL,
			   SML_NOT_SUPPORTED);
		return;
	}
}

static void run_commands(struct srv_ctx *c)
{
	for (const struct sml_node *cmd = c->msg->body->first; cmd != NULL;
	     cmd = cmd->next) {
		const char *n = cmd->name;
		if (strcmp(n, "Final") == 0)
			continue;
		if (strcmp(n, "Status") == 0) {
			srv_sync_status(c, cmd);
			continue;
		}
		if (sml_cmd_id(cmd) == 0) {
			srv_status(c, 0, n, NULL, NULL, SML_BAD_REQUEST);
			continue;
		}
		if (strcmp(n, "Alert") == 0)
			cmd_alert(c, cmd);
		else if (strcmp(n, "Put") == 0 || strcmp(n, "Results") == 0)
			cmd_devinf(c, cmd, n);
		else if (strcmp(n, "Get") == 0)
			cmd_get(c, cmd);
		else if (strcmp(n, "Sync") == 0)
			srv_sync_client(c, cmd);
		else if (strcmp(n, "Map") == 0)
			srv_sync_map(c, cmd);
		else
			srv_status(c, sml_cmd_id(cmd), n, NULL, NULL,
				   SML_NOT_SUPPORTED);
	}
}

/* ---- encoding ---------------------------------------------------------- */

static bool media_is(const char *ct, const char *type)
{
	size_t n = strlen(type);
	if (ct == NULL || strncasecmp(ct, type, n) != 0)
		return false;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

/* Whether this client's WBXML gets a string table (server.h). */
static unsigned strtbl_flag(const struct srv_ctx *c)
{
	enum srv_strtbl m = c->srv->cfg.strtbl;

	return m == SRV_STRTBL_YES ||
			       (m == SRV_STRTBL_AUTO && c->st->client.strtbl)
		       ? SML_WBXML_STRTBL
		       : 0;
}

/* Encode the reply and take items back until it fits max_msg. */
static int encode_reply(struct srv_ctx *c, struct ob_buf *out,
			struct ob_err *err)
{
	for (;;) {
		struct ob_buf xml;
		int ret;

		ob_buf_reset(out);
		if (c->st->wbxml) {
			ob_buf_init(&xml, 256u << 20);
			ret = srv_reply_assemble(c->reply, &xml);
			if (ret == 0)
				ret = sml_wbxml_encode(xml.data, xml.len,
						       strtbl_flag(c), out,
						       err);
			/* the ratio of a reply of items (a reply of
			 * commands alone shrinks far more) */
			if (ret == 0 && xml.len > 0 && c->reply->n_items > 0)
				c->st->wbxml_permille =
					(uint32_t)((uint64_t)out->len * 1000 /
							   xml.len +
						   1);
			ob_buf_deinit(&xml);
		} else {
			ret = srv_reply_assemble(c->reply, out);
		}
		if (ret != 0)
			return ret;
		if (out->len <= c->st->max_msg || c->reply->n_items == 0)
			return 0;
		/* Take back the share of items the reply is over by (and
		 * one more), then try again. */
		size_t drop = (size_t)((uint64_t)c->reply->n_items *
				       (out->len - c->st->max_msg) / out->len) +
			      1;
		while (drop-- > 0 && c->reply->n_items > 0) {
			struct srv_item it;
			srv_reply_pop_item(c->reply, &it);
			srv_sync_unsend(c, &it);
			c->reply->final = false;
		}
	}
}

/* Bytes of XML a reply may gather: MaxMsgSize itself for XML; for WBXML,
 * as much as the last reply's encoding shrank to 95 % of MaxMsgSize (a
 * tenth more before the first, at most four times as much). */
static uint64_t reply_budget(const struct srv_state *st)
{
	uint64_t b;

	if (!st->wbxml)
		return st->max_msg;
	if (st->wbxml_permille == 0)
		return st->max_msg * 11 / 10;
	b = st->max_msg * 950 / st->wbxml_permille;
	if (b < st->max_msg)
		b = st->max_msg;
	return b > st->max_msg * 4 ? st->max_msg * 4 : b;
}

/* ---- the handler ------------------------------------------------------- */

struct prior_auth {
	bool done;
	enum srv_auth_result ar;
	struct srv_auth a;
};

struct handler {
	struct srv *srv;
	const struct srv_request *rq;
	struct srv_response *rs;
	struct dstore *store;
	struct sml_msg msg;
	struct dstore_session sess;
	struct srv_state st;
	struct srv_reply reply;
	struct srv_ctx c;
	bool txn;
	bool unstored; /* not authenticated: the reply is not kept */
	bool fresh;    /* a new session, stored for the first time */
	/* its credentials were accepted for the session's first time: the
	 * account's last sign-in is written in this message's transaction
	 * (once per session, never per message) */
	bool signed_in;
	/* a retryable conflict (OB_E_BUSY: a serialization failure or
	 * deadlock) ended the message: nothing of it was committed */
	bool busy;
	/* on a rerun, the first try's authentication: its nonce was
	 * consumed, so the credentials are not checked again */
	const struct prior_auth *prior;
};

/* FNV-1a of a request's body */
static uint64_t body_hash(const struct srv_request *rq)
{
	uint64_t h = 14695981039346656037u;

	for (size_t i = 0; i < rq->len; i++) {
		h ^= (unsigned char)rq->body[i];
		h *= 1099511628211u;
	}
	return h;
}

#define TREE_PER_BYTE 100 /* decoded tree bytes per message byte, at most */
#define TREE_MAX (64u << 20)

static int decode(struct handler *h, bool wbxml, struct ob_err *err)
{
	/* WBXML is dense: through its string table a message may take many
	 * times its bytes as a tree (real ones ~25x, one string referenced
	 * by every item ~80x). The ratio stops only bombs; the ceiling
	 * bounds one request's memory whatever its size. */
	size_t cap = h->rq->len * TREE_PER_BYTE + (1u << 20);
	struct sml_limits lim = {.tree_bytes = cap < TREE_MAX ? cap : TREE_MAX};
	struct sml_tree *tree = NULL;
	int ret;

	if (wbxml)
		ret = sml_wbxml_decode((const unsigned char *)h->rq->body,
				       h->rq->len, &lim, &tree, err);
	else
		ret = sml_xml_parse(h->rq->body, h->rq->len, &lim, &tree, err);
	if (ret != 0)
		return ret;
	return sml_msg_read(&tree, &h->msg, err);
}

static void new_session(struct handler *h)
{
	memset(&h->sess, 0, sizeof(h->sess));
	(void)ob_random_hex(h->sess.token, 16);
	ob_strlcpy(h->sess.device, h->msg.hdr.source_uri,
		   sizeof(h->sess.device));
	ob_strlcpy(h->sess.session_id, h->msg.hdr.session_id,
		   sizeof(h->sess.session_id));
	h->sess.created = ob_wall_s();
	memset(&h->st, 0, sizeof(h->st));
	h->st.started_ms = ob_now_ms();
}

static void log_done(struct handler *h)
{
	struct srv_ctx *c = &h->c;
	for (int i = 0; i < h->st.n_ds; i++) {
		const struct srv_ds *ds = &h->st.ds[i];
		const char *mode = ds->mode == SML_ALERT_SLOW ? "slow"
				   : ds->mode == SML_ALERT_REFRESH_SERVER
					   ? "refresh-from-server"
				   : ds->mode == SML_ALERT_ONE_WAY_SERVER
					   ? "one-way-from-server"
					   : "two-way";
		if (ds->refused)
			continue;
		ob_log(OB_LOG_INFO, &c->log,
		       "sync done tenant=%s datastore=%s mode=%s adds=%u "
		       "replaces=%u deletes=%u client_items=%u%s encoding=%s "
		       "vcard=%s ms=%" PRIu64,
		       c->tenant.name, ds->key, mode, ds->adds, ds->replaces,
		       ds->deletes, ds->client_items,
		       ds->failed ? " failed=1" : "",
		       !h->st.wbxml          ? "xml"
		       : strtbl_flag(c) != 0 ? "wbxml+table"
					     : "wbxml",
		       ds->vcard == 30 ? "3.0" : "2.1",
		       ob_now_ms() - h->st.started_ms);
		srv_metrics_sync(h->srv,
				 ds->mode == SML_ALERT_SLOW ? SRV_MODE_SLOW
				 : ds->mode == SML_ALERT_REFRESH_SERVER
					 ? SRV_MODE_REFRESH
				 : ds->mode == SML_ALERT_ONE_WAY_SERVER
					 ? SRV_MODE_ONE_WAY
					 : SRV_MODE_FAST,
				 ob_now_ms() - h->st.started_ms);
		__atomic_add_fetch(
			ds->mode == SML_ALERT_SLOW ||
					ds->mode == SML_ALERT_REFRESH_SERVER
				? &h->srv->metrics.slow_syncs
				: &h->srv->metrics.fast_syncs,
			1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&h->srv->metrics.items_sent,
				   (uint64_t)ds->adds + ds->replaces +
					   ds->deletes,
				   __ATOMIC_RELAXED);
	}
	__atomic_add_fetch(&h->srv->metrics.sessions_done, 1, __ATOMIC_RELAXED);
}

/* Run the authenticated part of a message inside the tenant's
 * transaction. Returns 0 or an OB_E_* for a store failure, said in *err. */
static int process(struct handler *h, struct ob_err *err)
{
	struct srv_ctx *c = &h->c;
	int ret;

	ret = dstore_tenant_get(h->store, h->st.tenant_id, &c->tenant, err);
	if (ret != 0)
		return ret;
	run_commands(c);
	if (c->store_failed != 0) {
		*err = c->store_err;
		return c->store_failed;
	}
	int was = h->st.phase;
	h->st.phase = srv_phase_after_commands(was, c->client_final);
	if (was == SRV_PHASE_INIT && h->st.phase == SRV_PHASE_SYNC) {
		/* package 2 is complete */
		if (!h->st.client.present && !h->st.asked_devinf)
			ask_devinf(c);
		h->reply.final = true;
		return 0;
	}
	if (h->st.phase == SRV_PHASE_SEND) {
		ret = srv_sync_fill(c);
		if (c->store_failed != 0) {
			*err = c->store_err;
			return c->store_failed;
		}
		if (ret != 0)
			return ob_err_set(err, ret,
					  "filling the reply's Sync: %s",
					  ob_err_code_str(ret));
		bool done = true;
		for (int i = 0; i < h->st.n_ds; i++)
			if (!h->st.ds[i].refused && !h->st.ds[i].server_done)
				done = false;
		h->reply.final = done;
		return 0;
	}
	if (h->st.phase == SRV_PHASE_MAP && c->client_final) {
		h->reply.final = true;
		return 0;
	}
	if (!c->client_final && h->st.phase != SRV_PHASE_SEND) {
		/* Nothing to send until the client's package is complete. */
		struct sml_writer *w = &h->reply.cmds;
		sml_writer_open(w, "Alert", NULL);
		sml_writer_uint(w, "CmdID", srv_reply_next_cmd(&h->reply));
		sml_writer_uint(w, "Data", SML_ALERT_NEXT_MESSAGE);
		sml_writer_open(w, "Item", NULL);
		sml_writer_open(w, "Target", NULL);
		sml_writer_text(w, "LocURI", h->msg.hdr.source_uri);
		sml_writer_close(w);
		sml_writer_open(w, "Source", NULL);
		sml_writer_text(w, "LocURI", h->msg.hdr.target_uri);
		sml_writer_close(w);
		sml_writer_close(w);
		sml_writer_close(w);
	}
	return 0;
}

static void unavailable(struct handler *h);

/* The session row after a reply: the message id, the request's hash for
 * a resend, the expiry (idle, never past the session's lifetime), the
 * serialized state; then the bound on an account's live sessions (a new
 * session ends its oldest beyond the limit). Inside the message's
 * transaction. */
static int save_session(struct handler *h, struct ob_err *err)
{
	int ret;

	h->sess.last_msg_id = (int64_t)h->msg.hdr.msg_id;
	h->st.last_req_hash = body_hash(h->rq);
	h->sess.tenant_id = h->st.tenant_id;
	h->sess.account_id = h->st.account_id;
	h->sess.completed = h->st.phase == SRV_PHASE_DONE;
	/* idle expiry, never past the session's whole lifetime */
	int64_t now = ob_wall_s();
	int64_t end = h->sess.created + (int64_t)h->srv->cfg.session_max_age;
	h->sess.expires = now + (h->st.phase == SRV_PHASE_DONE
					 ? RETRY_KEEP
					 : (int64_t)h->srv->cfg.session_ttl);
	if (h->sess.expires > end)
		h->sess.expires = end;
	free(h->sess.state);
	h->sess.state = NULL;
	h->sess.state_len = 0;
	ret = srv_state_encode(&h->st, &h->sess.state, &h->sess.state_len, err);
	if (ret == 0)
		ret = dstore_session_save(h->store, &h->sess, err);
	/* An account's live sessions are bounded: a new one ends
	 * its oldest beyond the limit. */
	int gone = 0;
	if (ret == 0 && h->fresh)
		ret = dstore_session_limit(
			h->store, h->sess.account_id, h->sess.token,
			(int)h->srv->cfg.sessions_per_account, &gone, err);
	if (gone > 0) {
		__atomic_add_fetch(
			&h->srv->metrics.sessions_incomplete[SRV_END_EVICTED],
			(uint64_t)gone, __ATOMIC_RELAXED);
		ob_log(OB_LOG_WARN, &h->c.log,
		       "account '%s' has over %u sessions: ended the "
		       "%d oldest without completing (reason=evicted)",
		       h->st.login, h->srv->cfg.sessions_per_account, gone);
	}
	return ret;
}

static void finish_reply(struct handler *h, struct ob_err *err)
{
	struct srv_ctx *c = &h->c;
	struct ob_buf out;
	int ret;

	ob_buf_init(&out, 256u << 20);
	ret = encode_reply(c, &out, err);
	if (ret == 0 && h->txn && h->reply.n_items > 0)
		ret = srv_sync_record(c);
	/* The session completes when the client's final message comes
	 * after our final package 4. */
	bool completing = ret == 0 && h->txn && h->st.phase == SRV_PHASE_MAP &&
			  c->client_final;
	if (completing)
		ret = srv_sync_commit(c);
	if (ret != 0 && c->store_failed == ret)
		*err = c->store_err;
	if (ret == 0 && c->store_failed != 0) {
		*err = c->store_err;
		ret = c->store_failed;
	}
	if (ret == 0)
		h->st.phase =
			srv_phase_after_reply(h->st.phase, c->client_final,
					      h->reply.final, completing);
	if (ret == 0) {
		free(h->sess.reply);
		h->sess.reply_len = out.len;
		h->sess.reply = (unsigned char *)ob_buf_steal(&out, NULL);
		ob_strlcpy(h->sess.reply_type,
			   h->st.wbxml ? WBXML_TYPE : XML_TYPE,
			   sizeof(h->sess.reply_type));
	}
	/* Unauthenticated: the reply is the response, no row is written. */
	if (ret == 0 && !h->unstored)
		ret = save_session(h, err);
	if (ret == 0 && h->txn) {
		ret = dstore_commit(h->store, NULL, err);
		h->txn = false;
	}
	if (h->txn) {
		dstore_rollback(h->store);
		h->txn = false;
	}
	ob_buf_deinit(&out);
	if (!h->unstored)
		srv_health_note(h->srv, ret);
	if (ret == OB_E_IO && !h->unstored) {
		ob_log(OB_LOG_ERROR, &c->log,
		       "cannot store the session (answered 503): %s", err->msg);
		unavailable(h);
		return;
	}
	h->busy = ret == OB_E_BUSY;
	if (ret != 0) {
		ob_log(OB_LOG_ERROR, &c->log, "cannot finish the reply: %s",
		       err->msg);
		http_error(h->rs, srv_http_status_of(ret),
			   ret == OB_E_BUSY ? "server busy, retry\n"
					    : "server error\n");
		return;
	}
	if (completing)
		log_done(h);
	/* The stored reply is the response: hand the buffer over. */
	h->rs->http_status = 200;
	h->rs->body = h->sess.reply;
	h->rs->len = h->sess.reply_len;
	h->sess.reply = NULL;
	ob_strlcpy(h->rs->content_type, h->sess.reply_type,
		   sizeof(h->rs->content_type));
}

/* The store cannot take this message (disk full, an I/O error): the
 * client gets a SyncML 503 it understands instead of an HTTP error, no
 * session is stored, and it syncs again later from where its last
 * completed sync left it. */
static void unavailable(struct handler *h)
{
	struct ob_err err;

	__atomic_add_fetch(&h->srv->metrics.store_unavailable, 1,
			   __ATOMIC_RELAXED);
	if (h->txn) {
		dstore_rollback(h->store);
		h->txn = false;
	}
	srv_reply_deinit(&h->reply);
	srv_reply_init(&h->reply, reply_budget(&h->st));
	h->unstored = true;
	write_header(&h->c, NULL);
	header_status(&h->c, SML_SERVICE_UNAVAILABLE, NULL);
	h->reply.final = true;
	ob_err_clear(&err);
	finish_reply(h, &err);
}

/* Let go of the session loaded: the message starts one of its own. */
static int forget(struct handler *h)
{
	dstore_session_deinit(&h->sess);
	return OB_E_NOTFOUND;
}

/* The loaded session's state (state.h). One this build cannot read (of
 * an unknown version, an older build's layout, or damaged) is refused:
 * the message then starts a session of its own, as for no session. */
static bool state_load(struct handler *h)
{
	struct ob_err err;
	int ret;

	ob_err_clear(&err);
	if (h->sess.state == NULL)
		ret = ob_err_set(&err, OB_E_PARSE, "no session state stored");
	else
		ret = srv_state_decode(h->sess.state, h->sess.state_len, &h->st,
				       &err);
	if (ret != 0)
		ob_log(OB_LOG_WARN, &h->c.log,
		       "session of device '%s' SessionID '%s' not continued, "
		       "its stored state refused: %s",
		       h->sess.device, h->sess.session_id, err.msg);
	return ret == 0;
}

/* The session loaded belongs to this message's device and SessionID. */
static bool session_matches(struct handler *h)
{
	return strcmp(h->sess.device, h->msg.hdr.source_uri) == 0 &&
	       strcmp(h->sess.session_id, h->msg.hdr.session_id) == 0 &&
	       state_load(h) && h->st.authed;
}

/* The message repeats the last one answered, byte for byte: it gets the
 * stored reply. */
static bool is_retry(const struct handler *h)
{
	return (uint64_t)h->sess.last_msg_id == h->msg.hdr.msg_id &&
	       h->sess.reply != NULL && h->st.last_req_hash == body_hash(h->rq);
}

/* The message goes on with the session loaded (a retry, or a later MsgID
 * of a session not yet done); otherwise it starts a new one. */
static bool continues(const struct handler *h)
{
	return is_retry(h) ||
	       ((uint64_t)h->sess.last_msg_id < h->msg.hdr.msg_id &&
		h->st.phase != SRV_PHASE_DONE);
}

/* The message opens a sync (an Alert 200-205 or a resume) while the
 * session is past package 1: the client started over under a SessionID it
 * used before (restored from a backup, its counter wrapped, killed and
 * begun again). Joined to the old session, its Alert would be refused.
 * A retry of the session's package 1 (the same MsgID, byte for byte) is
 * not a new start: it gets the stored reply. */
static bool starts_over(const struct handler *h)
{
	if (h->st.phase == SRV_PHASE_INIT || is_retry(h))
		return false;
	for (const struct sml_node *cmd = h->msg.body->first; cmd != NULL;
	     cmd = cmd->next) {
		uint64_t code;

		if (strcmp(cmd->name, "Alert") == 0 &&
		    sml_node_uint(cmd, "Data", 999, &code) &&
		    ((code >= SML_ALERT_TWO_WAY &&
		      code <= SML_ALERT_REFRESH_SERVER) ||
		     code == SML_ALERT_RESUME))
			return true;
	}
	return false;
}

/* A message named a live session (device and SessionID) without its token
 * and without valid credentials of its account: it starts a session of its
 * own instead, and the attempt is logged and counted. */
static void refuse_continuation(struct handler *h, const struct srv_request *rq,
				enum srv_auth_result ar)
{
	__atomic_add_fetch(&h->srv->metrics.sessions_refused, 1,
			   __ATOMIC_RELAXED);
	ob_log(OB_LOG_WARN, &h->c.log,
	       "refused to continue the session of device '%s' SessionID "
	       "'%s': %s",
	       h->msg.hdr.source_uri, h->msg.hdr.session_id,
	       rq->token != NULL        ? "wrong session token"
	       : ar == SRV_AUTH_MISSING ? "no session token, no credentials"
	       : ar == SRV_AUTH_OK      ? "credentials of another account"
					: "no session token, bad credentials");
}

/* The request's media type and its decoded message. false when an HTTP
 * error was answered; *ret_r is OB_E_VERSION for a SyncML version we do
 * not speak (answered in SyncML, with 513). */
static bool read_message(struct handler *h, bool *wbxml_r, int *ret_r)
{
	const struct srv_request *rq = h->rq;
	char msg[OB_ERR_MSG_MAX + 32];
	struct ob_err err;
	int ret;

	ob_err_clear(&err);
	if (media_is(rq->content_type, XML_TYPE)) {
		*wbxml_r = false;
	} else if (media_is(rq->content_type, WBXML_TYPE)) {
		*wbxml_r = true;
	} else {
		http_error(h->rs, 415,
			   "expected application/vnd.syncml+xml or "
			   "application/vnd.syncml+wbxml\n");
		return false;
	}
	ob_log_ctx_add(&h->c.log, "addr", rq->remote_addr);
	ret = decode(h, *wbxml_r, &err);
	if (ret == OB_E_LIMIT) {
		ob_log(OB_LOG_WARN, &h->c.log, "SyncML message too large: %s",
		       err.msg);
		snprintf(msg, sizeof(msg), "SyncML message too large: %s\n",
			 err.msg);
		http_error(h->rs, 413, msg);
		return false;
	}
	if (ret != 0 && ret != OB_E_VERSION) {
		ob_log(OB_LOG_WARN, &h->c.log, "bad SyncML message: %s",
		       err.msg);
		snprintf(msg, sizeof(msg), "malformed SyncML message: %s\n",
			 err.msg);
		http_error(h->rs, 400, msg);
		return false;
	}
	*ret_r = ret;
	return true;
}

/* The stored session this message continues, loaded into h->sess and
 * h->st: 0, OB_E_NOTFOUND when it continues none, another code when the
 * store failed. It continues only for a message that proves it belongs
 * there: the session's RespURI token (with its device and SessionID), or
 * else valid credentials of the session's own account. Knowing a device
 * id and a SessionID proves nothing: both are guessable, and device ids
 * are shown to administrators. Credentials checked here are left in *a,
 * *ar_r and *auth_done_r. */
/* The credentials' verdict: checked on the first try, the first try's
 * on a rerun. */
static void authenticate(struct handler *h, struct srv_auth *a,
			 enum srv_auth_result *ar_r)
{
	if (h->prior != NULL && h->prior->done) {
		*a = h->prior->a;
		*ar_r = h->prior->ar;
		return;
	}
	*ar_r = srv_auth_check(h->srv, h->store, &h->msg, h->rq->http_auth,
			       h->rq->remote_addr, a);
}

static int find_session(struct handler *h, struct srv_auth *a,
			enum srv_auth_result *ar_r, bool *auth_done_r)
{
	const struct srv_request *rq = h->rq;
	struct ob_err err;
	int found = OB_E_NOTFOUND;

	ob_err_clear(&err);
	if (rq->token != NULL) {
		found = dstore_session_load(h->store, rq->token, NULL, NULL,
					    ob_wall_s(), &h->sess, &err);
		if (found == 0 && !session_matches(h))
			found = forget(h);
	}
	if (found != OB_E_NOTFOUND)
		return found;
	found = dstore_session_load(h->store, NULL, h->msg.hdr.source_uri,
				    h->msg.hdr.session_id, ob_wall_s(),
				    &h->sess, &err);
	/* not its session, or a fresh start of the same device and SessionID
	 * (a lower MsgID, or a sync opened anew) */
	if (found == 0 &&
	    (!session_matches(h) || !continues(h) || starts_over(h)))
		found = forget(h);
	if (found != 0)
		return found;
	/* Not proven by a token: the credentials decide. */
	authenticate(h, a, ar_r);
	*auth_done_r = true;
	if (*ar_r == SRV_AUTH_ERROR)
		return found; /* answered 503 by the caller */
	if (*ar_r != SRV_AUTH_OK || a->account_id != h->st.account_id ||
	    a->tenant_id != h->st.tenant_id) {
		refuse_continuation(h, rq, *ar_r);
		found = forget(h);
	}
	return found;
}

/* A retry of the last message answered: the stored reply, byte for
 * byte; nothing is executed again. */
static void resend_reply(struct handler *h)
{
	struct srv_response *rs = h->rs;

	ob_log(OB_LOG_INFO, &h->c.log,
	       "MsgID %" PRIu64 " again: resending the reply",
	       h->msg.hdr.msg_id);
	rs->http_status = 200;
	rs->body = h->sess.reply;
	rs->len = h->sess.reply_len;
	h->sess.reply = NULL;
	ob_strlcpy(rs->content_type, h->sess.reply_type,
		   sizeof(rs->content_type));
}

/* What this message says of the session's limits and encoding, and the
 * context the commands run in. */
static void start_message(struct handler *h, bool wbxml)
{
	struct srv_ctx *c = &h->c;

	char tag[17];
	srv_session_tag(h->sess.token, tag);
	ob_log_ctx_add(&h->c.log, "session", tag);
	h->st.wbxml = wbxml;
	h->st.version = h->msg.hdr.version == SML_VER_11 ? 11 : 12;
	if (h->msg.hdr.max_msg_size > 0)
		h->st.max_msg = h->msg.hdr.max_msg_size;
	if (h->st.max_msg == 0 || h->st.max_msg > h->srv->cfg.max_msg)
		h->st.max_msg = h->srv->cfg.max_msg;
	if (h->st.max_msg < MSG_MIN)
		h->st.max_msg = MSG_MIN;
	if (h->msg.hdr.max_obj_size > 0)
		h->st.max_obj = h->msg.hdr.max_obj_size;
	h->st.server_msg_id++;

	c->srv = h->srv;
	c->store = h->store;
	c->st = &h->st;
	c->token = h->sess.token;
	c->reply = &h->reply;
	c->msg = &h->msg;
	c->client_final = h->msg.final;
	/* Room for the reply: WBXML is smaller than our XML, so let the
	 * XML run longer and take items back after encoding if needed. */
	srv_reply_init(&h->reply, reply_budget(&h->st));
}

/* A refused message's commands, each answered with the header's code
 * (what the Synthesis engine's own server does): none is executed. A
 * client that starts over keeps waiting for a Status of every command it
 * sent; one left unanswered is matched by its MsgID and CmdID to a
 * command of the next message (SyncEvolution resends package 1 as MsgID
 * 1 with other CmdIDs once the Put is dropped), so that our 508 for its
 * resumed Alert reached its Get, it never left the resume and sent none
 * of its cards, and every card came back twice. Commands inside a Sync,
 * Atomic or Sequence are answered too; a command with NoResp is not. */
static void refuse_commands(struct srv_ctx *c, const struct sml_node *parent,
			    int code)
{
	for (const struct sml_node *cmd = parent->first; cmd != NULL;
	     cmd = cmd->next) {
		const char *n = cmd->name;

		/* elements without a CmdID (Final, Target, Meta...) are
		 * no commands; a Status is never answered */
		if (strcmp(n, "Status") == 0 || sml_cmd_id(cmd) == 0 ||
		    sml_node_child(cmd, "NoResp") != NULL)
			continue;
		srv_status(c, sml_cmd_id(cmd), n, NULL, NULL, code);
		if (strcmp(n, "Sync") == 0 || strcmp(n, "Atomic") == 0 ||
		    strcmp(n, "Sequence") == 0)
			refuse_commands(c, cmd, code);
	}
}

/* The SyncHdr's Status: 212 for a login, 200 for a session going on, or
 * 401/407 for a login refused (then the reply is finished: nothing is
 * executed and nothing stored, every command gets the same code, the
 * client starts over). true when the commands are to run. */
static bool sign_in(struct handler *h, const struct srv_auth *a,
		    enum srv_auth_result ar, bool auth_done)
{
	struct srv_ctx *c = &h->c;
	struct ob_err err;

	ob_err_clear(&err);
	if (!h->st.authed) {
		if (ar != SRV_AUTH_OK) {
			__atomic_add_fetch(&h->srv->metrics.auth_failures, 1,
					   __ATOMIC_RELAXED);
			srv_metrics_login_failed(h->srv, a->reason);
			ob_log(OB_LOG_WARN, &h->c.log,
			       "authentication failed for '%s': %s; session "
			       "refused (reason=%s)",
			       a->login, a->why,
			       srv_login_reason_name(a->reason));
			int code = ar == SRV_AUTH_MISSING ? SML_MISSING_CRED
							  : SML_INVALID_CRED;
			header_status(c, code, a);
			refuse_commands(c, c->msg->body, code);
			h->reply.final = true;
			finish_reply(h, &err);
			return false;
		}
		h->st.authed = true;
		h->signed_in = true;
		h->st.tenant_id = a->tenant_id;
		h->st.account_id = a->account_id;
		ob_strlcpy(h->st.login, a->login, sizeof(h->st.login));
		header_status(c, SML_AUTH_ACCEPTED, a->md5 ? a : NULL);
	} else if (auth_done) {
		/* continued by its credentials: a new MD5 nonce was issued */
		header_status(c, SML_AUTH_ACCEPTED, a->md5 ? a : NULL);
	} else {
		header_status(c, SML_OK, NULL);
	}
	ob_log_ctx_add(&h->c.log, "login", h->st.login);
	return true;
}

/* The commands, in one store transaction, and the reply. */
static void run_message(struct handler *h)
{
	struct ob_err err;
	int ret;

	ob_err_clear(&err);
	for (int tries = 0;; tries++) {
		ret = dstore_begin(h->store, h->st.tenant_id, h->st.login,
				   &err);
		if (ret != OB_E_BUSY || tries >= 3)
			break;
	}
	if (ret == OB_E_IO) {
		srv_health_note(h->srv, ret);
		ob_log(OB_LOG_ERROR, &h->c.log, "store: %s (answered 503)",
		       err.msg);
		unavailable(h);
		return;
	}
	if (ret != 0) {
		h->busy = ret == OB_E_BUSY;
		http_error(h->rs, srv_http_status_of(ret),
			   "database unavailable\n");
		return;
	}
	h->txn = true;
	if (h->signed_in &&
	    dstore_login_record(h->store, h->st.tenant_id, h->st.account_id,
				ob_wall_s(), &err) != 0)
		ob_log(OB_LOG_WARN, &h->c.log, "last sign-in not recorded: %s",
		       err.msg);
	ret = process(h, &err);
	if (ret == OB_E_IO) {
		srv_health_note(h->srv, ret);
		ob_log(OB_LOG_ERROR, &h->c.log,
		       "processing failed (answered 503): %s", err.msg);
		unavailable(h);
		return;
	}
	if (ret != 0) {
		ob_log(OB_LOG_ERROR, &h->c.log, "processing failed: %s",
		       err.msg);
		dstore_rollback(h->store);
		h->txn = false;
		h->busy = ret == OB_E_BUSY;
		http_error(h->rs, srv_http_status_of(ret), "server error\n");
		return;
	}
	finish_reply(h, &err);
}

/* One try at a message; true when a retryable conflict ended it (rs
 * then holds the error answer, prior the try's authentication). */
static bool handle_once(struct srv *srv, const struct srv_request *rq,
			struct srv_response *rs, struct prior_auth *prior)
{
	struct handler *h = calloc(1, sizeof(*h));
	bool busy;
	struct srv_auth a;
	enum srv_auth_result ar = SRV_AUTH_MISSING;
	struct ob_err err;
	bool wbxml, auth_done = false;
	int ret = 0, found;

	memset(rs, 0, sizeof(*rs));
	if (h == NULL) {
		http_error(rs, 503, "out of memory\n");
		return false;
	}
	h->prior = prior;
	h->srv = srv;
	h->rq = rq;
	h->rs = rs;
	ob_err_clear(&err);
	memset(&a, 0, sizeof(a));
	if (!read_message(h, &wbxml, &ret))
		goto out;
	ob_log_ctx_add(&h->c.log, "device", h->msg.hdr.source_uri);
	/* A message without a Target is taken as sent to where it was
	 * posted: our reply's Source says so. */
	if (*h->msg.hdr.target_uri == '\0')
		h->msg.hdr.target_uri = rq->base_url;
	h->store = srv_store(srv);
	if (h->store == NULL) {
		http_error(rs, 503, "database unavailable\n");
		goto out;
	}
	/* The same device's messages one at a time, on every instance:
	 * its session is read before the message's transaction. */
	int locked = dstore_device_lock(h->store, h->msg.hdr.source_uri,
					DEVICE_WAIT_MS, &err);
	if (locked != 0) {
		if (locked == OB_E_BUSY)
			__atomic_add_fetch(&srv->metrics.device_busy, 1,
					   __ATOMIC_RELAXED);
		ob_log(OB_LOG_WARN, &h->c.log, "answered 503: %s", err.msg);
		http_error(rs, 503,
			   locked == OB_E_BUSY ? "device busy, retry\n"
					       : "database unavailable\n");
		goto out;
	}
	found = find_session(h, &a, &ar, &auth_done);
	if (ar == SRV_AUTH_ERROR) {
		ob_log(OB_LOG_ERROR, &h->c.log, "authentication: %s", a.why);
		http_error(rs, 503, "database unavailable\n");
		goto out;
	}
	if (found == 0 && is_retry(h)) {
		resend_reply(h);
		goto out;
	}
	if (found == 0 && !continues(h))
		found = forget(h); /* a lower MsgID starts afresh */
	if (found != 0) {
		if (found != OB_E_NOTFOUND) {
			http_error(rs, 503, "database unavailable\n");
			goto out;
		}
		new_session(h);
		h->fresh = true;
	}
	start_message(h, wbxml);
	/* Authenticate before anything is written: a message that is not
	 * authenticated gets no session token and leaves no stored session. */
	if (ret != OB_E_VERSION && !h->st.authed && !auth_done) {
		authenticate(h, &a, &ar);
		auth_done = true;
	}
	if (ar == SRV_AUTH_ERROR) {
		ob_log(OB_LOG_ERROR, &h->c.log,
		       "authentication (answered 503): %s", a.why);
		unavailable(h);
		goto out;
	}
	h->unstored =
		ret == OB_E_VERSION || (!h->st.authed && ar != SRV_AUTH_OK);
	char resp_uri[512];
	snprintf(resp_uri, sizeof(resp_uri), "%s?s=%s", rq->base_url,
		 h->sess.token);
	write_header(&h->c, h->unstored ? NULL : resp_uri);
	if (ret == OB_E_VERSION) {
		header_status(&h->c, SML_PROTOCOL_UNSUPPORTED, NULL);
		h->reply.final = true;
		finish_reply(h, &err);
		goto out;
	}
	if (sign_in(h, &a, ar, auth_done))
		run_message(h);
out:
	if (auth_done && !prior->done) {
		prior->done = true;
		prior->ar = ar;
		prior->a = a;
	}
	if (h->txn)
		dstore_rollback(h->store);
	dstore_device_unlock(h->store);
	busy = h->busy;
	srv_reply_deinit(&h->reply);
	dstore_session_deinit(&h->sess);
	sml_msg_deinit(&h->msg);
	free(h);
	return busy;
}

/* A message whose transaction lost a conflict to another (PostgreSQL's
 * serialization failures and deadlocks, at any statement or at COMMIT)
 * is run again from the start: nothing of it was committed. The reruns
 * take the first try's authentication, whose nonce is spent. */
void srv_sync_handle(struct srv *srv, const struct srv_request *rq,
		     struct srv_response *rs)
{
	struct prior_auth prior;

	memset(&prior, 0, sizeof(prior));
	for (unsigned tries = 1;; tries++) {
		bool busy = handle_once(srv, rq, rs, &prior);

		if (!busy || tries >= MSG_TRIES)
			break;
		ob_log(OB_LOG_WARN, NULL,
		       "a conflict with another transaction ended a message "
		       "(try %u of %d): running it again",
		       tries, MSG_TRIES);
		free(rs->body);
		memset(rs, 0, sizeof(*rs));
		/* 10-40 ms, doubling: the other transaction finishes */
		long ms = (long)(10 + ob_now_ms() % 30) << (tries - 1);
		struct timespec nap = {0, ms * 1000000L};
		nanosleep(&nap, NULL);
	}
	explicit_bzero(&prior, sizeof(prior));
	if (rs->http_status != 200)
		__atomic_add_fetch(&srv->metrics.errors, 1, __ATOMIC_RELAXED);
}
