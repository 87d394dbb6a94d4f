/* The agent's SyncML client session (see sync.h). */
#include "config.h"
#include "agent/sync.h"

#include <curl/curl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/respuri.h"
#include "syncml/encode.h"
#include "syncml/msg.h"
#include "syncml/wbxml.h"
#include "syncml/writer.h"
#include "syncml/xml.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/str.h"

struct session {
	struct agent_store *store;
	const struct agent_sync_opts *o;
	struct agent_sync_result *r;
	struct ob_err *err;
	CURL *curl;
	char url[AGENT_URL_MAX + 1]; /* RespURI once given (respuri.h) */
	char session_id[8];
	uint64_t msg_id, cmd_id;
	struct ob_buf reply;
	bool too_big;
	struct sml_msg m;
	char nonce[128];
	struct ob_buf maps;  /* MapItems for the next message */
	struct ob_buf chunk; /* a large object being received */
	char chunk_guid[256];
	/* a large object refused for its size: its later chunks are answered
	 * 413 and counted once */
	char skip_guid[256];
	long total; /* NumberOfChanges when the server gave it */
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct session *s = ctx;
	if (ob_buf_add(&s->reply, p, size * n) != 0) {
		s->too_big = true;
		return 0; /* stops the transfer */
	}
	return size * n;
}

/* The arena cap for one decoded reply. The server must keep a reply
 * within the MaxMsgSize we announced (post() refuses one over it), so the
 * cap follows from that size times the worst expansion a legitimate
 * message has in our tree (lib/syncml/tree.c), per input byte:
 *  - an empty element is a 1-byte WBXML token that becomes a node of
 *    sizeof(struct sml_node) + its name, 96 arena bytes on LP64;
 *  - a string-table reference (STR_T + a 1-2 byte index) becomes a whole
 *    vCard line, ~200 bytes for 2-3 input bytes.
 * Both are about 100x; text grows in place, so many pieces in one Data
 * cost no more than their sum. A hostile reply can do worse (a 2-byte
 * reference to a string as long as the table), so the cap also has a
 * fixed ceiling: AGENT_TREE_CEILING, 256 MiB, which no sane MaxMsgSize
 * needs (the default 1 MiB gives 101 MiB). */
#define AGENT_TREE_PER_BYTE 100
#define AGENT_TREE_CEILING ((size_t)256 << 20)

static size_t reply_tree_cap(size_t max_msg)
{
	if (max_msg > (AGENT_TREE_CEILING - (1u << 20)) / AGENT_TREE_PER_BYTE)
		return AGENT_TREE_CEILING;
	return max_msg * AGENT_TREE_PER_BYTE + (1u << 20);
}

static int post(struct session *s, const char *xml, size_t len)
{
	struct ob_buf wb;
	struct curl_slist *h = NULL;
	const char *data = xml;
	size_t dlen = len;
	int ret;

	ob_buf_init(&wb, 64u << 20);
	if (s->o->wbxml) {
		ret = sml_wbxml_encode(xml, len, 0, &wb, s->err);
		if (ret != 0) {
			ob_buf_deinit(&wb);
			return ret;
		}
		data = wb.data;
		dlen = wb.len;
	}
	h = curl_slist_append(h, s->o->wbxml ? "Content-Type: "
					       "application/vnd.syncml+wbxml"
					     : "Content-Type: "
					       "application/vnd.syncml+xml");
	ob_buf_reset(&s->reply);
	s->too_big = false;
	curl_easy_setopt(s->curl, CURLOPT_URL, s->url);
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, data);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE, (long)dlen);
	CURLcode rc = curl_easy_perform(s->curl);
	long code = 0;
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	ob_buf_deinit(&wb);
	s->r->bytes_out += dlen;
	s->r->bytes_in += s->reply.len;
	s->r->messages++;
	if (s->too_big)
		return ob_err_set(s->err, OB_E_LIMIT,
				  "the server's reply is larger than %zu bytes",
				  s->o->max_reply);
	if (rc != CURLE_OK)
		return ob_err_set(s->err, OB_E_IO, "%s: %s", s->url,
				  curl_easy_strerror(rc));
	if (code != 200)
		return ob_err_set(s->err, OB_E_IO, "%s: HTTP status %ld",
				  s->url, code);
	if (s->reply.len > s->o->max_msg)
		return ob_err_set(s->err, OB_E_FAIL,
				  "the server's reply of %zu bytes is over the "
				  "MaxMsgSize of %zu we sent",
				  s->reply.len, s->o->max_msg);
	struct sml_tree *t = NULL;
	struct sml_limits lim = {.tree_bytes = reply_tree_cap(s->o->max_msg),
				 .nodes = 2000000};
	sml_msg_deinit(&s->m);
	ret = s->o->wbxml ? sml_wbxml_decode((unsigned char *)s->reply.data,
					     s->reply.len, &lim, &t, s->err)
			  : sml_xml_parse(s->reply.data ? s->reply.data : "",
					  s->reply.len, &lim, &t, s->err);
	if (ret == 0)
		ret = sml_msg_read(&t, &s->m, s->err);
	sml_tree_free(&t);
	if (ret != 0) {
		ob_err_prefix(s->err, "the server's reply: ");
		return OB_E_PARSE;
	}
	/* Checked before anything of this reply is applied: a refused
	 * RespURI ends the session with the store as the last message left
	 * it, and no byte goes to the other address. */
	const char *resp = sml_node_text(
		sml_node_child(sml_tree_root(s->m.tree), "SyncHdr"), "RespURI");
	if (*resp != '\0') {
		char next[sizeof(s->url)];
		ret = agent_respuri_resolve(s->o->url, s->url, resp, next,
					    sizeof(next), s->err);
		if (ret != 0)
			return ret;
		ob_strlcpy(s->url, next, sizeof(s->url));
	}
	return 0;
}

static const char *ver(const struct session *s)
{
	return s->o->version == 11 ? "1.1" : "1.2";
}

static void begin(struct session *s, struct sml_writer *w, bool cred)
{
	char max[32];

	s->msg_id++;
	s->cmd_id = 0;
	sml_writer_init(w, 64u << 20);
	sml_writer_open(w, "SyncML",
			s->o->version == 11 ? "SYNCML:SYNCML1.1"
					    : "SYNCML:SYNCML1.2");
	sml_writer_open(w, "SyncHdr", NULL);
	sml_writer_text(w, "VerDTD", ver(s));
	sml_writer_text(w, "VerProto",
			s->o->version == 11 ? "SyncML/1.1" : "SyncML/1.2");
	sml_writer_text(w, "SessionID", s->session_id);
	sml_writer_uint(w, "MsgID", s->msg_id);
	sml_writer_open(w, "Target", NULL);
	sml_writer_text(w, "LocURI", s->o->url);
	sml_writer_close(w);
	sml_writer_open(w, "Source", NULL);
	sml_writer_text(w, "LocURI", s->o->device);
	sml_writer_text(w, "LocName", s->o->user);
	sml_writer_close(w);
	if (cred) {
		char b64[512], raw[512];
		const char *type = "syncml:auth-basic";
		if (s->o->md5) {
			/* b64(md5(b64(md5(user:pw)) ":" nonce)) */
			unsigned char d[16], nb[96], buf[200];
			size_t nl = 0;
			snprintf(raw, sizeof(raw), "%s:%s", s->o->user,
				 s->o->password);
			gnutls_hash_fast(GNUTLS_DIG_MD5, raw, strlen(raw), d);
			ob_b64_encode(d, 16, b64, sizeof(b64));
			if (ob_b64_decode(s->nonce, strlen(s->nonce), nb,
					  sizeof(nb), &nl) != 0)
				nl = 0;
			memcpy(buf, b64, 24);
			buf[24] = ':';
			memcpy(buf + 25, nb, nl);
			gnutls_hash_fast(GNUTLS_DIG_MD5, buf, 25 + nl, d);
			ob_b64_encode(d, 16, b64, sizeof(b64));
			type = "syncml:auth-md5";
		} else {
			snprintf(raw, sizeof(raw), "%s:%s", s->o->user,
				 s->o->password);
			ob_b64_encode((unsigned char *)raw, strlen(raw), b64,
				      sizeof(b64));
		}
		explicit_bzero(raw, sizeof(raw));
		sml_writer_open(w, "Cred", NULL);
		sml_writer_open(w, "Meta", NULL);
		sml_writer_text_ns(w, "Type", "syncml:metinf", type);
		sml_writer_text_ns(w, "Format", "syncml:metinf", "b64");
		sml_writer_close(w);
		sml_writer_text(w, "Data", b64);
		sml_writer_close(w);
		explicit_bzero(b64, sizeof(b64));
	}
	snprintf(max, sizeof(max), "%zu", s->o->max_msg);
	sml_writer_open(w, "Meta", NULL);
	sml_writer_text_ns(w, "MaxMsgSize", "syncml:metinf", max);
	snprintf(max, sizeof(max), "%u", AGENT_MAX_ITEM);
	sml_writer_text_ns(w, "MaxObjSize", "syncml:metinf", max);
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_open(w, "SyncBody", NULL);
}

static int finish(struct session *s, struct sml_writer *w, bool final)
{
	size_t len;
	if (final)
		sml_writer_empty(w, "Final");
	sml_writer_close(w);
	sml_writer_close(w);
	int ret = sml_writer_error(w);
	const char *x = sml_writer_data(w, &len);
	if (ret == 0)
		ret = post(s, x, len);
	else
		ob_err_set(s->err, ret, "message too large");
	sml_writer_deinit(w);
	return ret;
}

static void status(struct session *s, struct sml_writer *w, const char *ref,
		   const char *cmd, int code, const char *tref,
		   const char *sref)
{
	sml_writer_open(w, "Status", NULL);
	sml_writer_uint(w, "CmdID", ++s->cmd_id);
	sml_writer_text(
		w, "MsgRef",
		sml_node_text(sml_tree_root(s->m.tree), "SyncHdr/MsgID"));
	sml_writer_text(w, "CmdRef", ref);
	sml_writer_text(w, "Cmd", cmd);
	if (tref != NULL && *tref)
		sml_writer_text(w, "TargetRef", tref);
	if (sref != NULL && *sref)
		sml_writer_text(w, "SourceRef", sref);
	sml_writer_uint(w, "Data", (uint64_t)code);
	sml_writer_close(w);
}

static void devinf(struct session *s, struct sml_writer *w)
{
	char uri[32];
	snprintf(uri, sizeof(uri), "./devinf%s",
		 s->o->version == 11 ? "11" : "12");
	sml_writer_open(w, "Put", NULL);
	sml_writer_uint(w, "CmdID", ++s->cmd_id);
	sml_writer_open(w, "Meta", NULL);
	sml_writer_text_ns(w, "Type", "syncml:metinf",
			   "application/vnd.syncml-devinf+xml");
	sml_writer_close(w);
	sml_writer_open(w, "Item", NULL);
	sml_writer_open(w, "Source", NULL);
	sml_writer_text(w, "LocURI", uri);
	sml_writer_close(w);
	sml_writer_open(w, "Data", NULL);
	sml_writer_open(w, "DevInf", "syncml:devinf");
	sml_writer_text(w, "VerDTD", ver(s));
	sml_writer_text(w, "Man", "Orgbook");
	sml_writer_text(w, "Mod", "orgbook-agent");
	sml_writer_text(w, "SwV", PACKAGE_VERSION);
	sml_writer_text(w, "DevID", s->o->device);
	sml_writer_text(w, "DevTyp", "workstation");
	sml_writer_empty(w, "UTC");
	sml_writer_empty(w, "SupportLargeObjs");
	sml_writer_empty(w, "SupportNumberOfChanges");
	sml_writer_open(w, "DataStore", NULL);
	sml_writer_text(w, "SourceRef", "./contacts");
	sml_writer_uint(w, "MaxGUIDSize", 32);
	sml_writer_open(w, "Rx-Pref", NULL);
	sml_writer_text(w, "CTType", "text/vcard");
	sml_writer_text(w, "VerCT", "3.0");
	sml_writer_close(w);
	sml_writer_open(w, "Rx", NULL);
	sml_writer_text(w, "CTType", "text/x-vcard");
	sml_writer_text(w, "VerCT", "2.1");
	sml_writer_close(w);
	sml_writer_open(w, "Tx-Pref", NULL);
	sml_writer_text(w, "CTType", "text/vcard");
	sml_writer_text(w, "VerCT", "3.0");
	sml_writer_close(w);
	sml_writer_open(w, "SyncCap", NULL);
	for (int t = 1; t <= 6; t++) {
		char v[4];
		snprintf(v, sizeof(v), "%d", t);
		sml_writer_text(w, "SyncType", v);
	}
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_close(w);
}

/* The code of the server's status for our command `cmd`, 0 if none. */
static int status_of(struct session *s, const char *cmd)
{
	for (const struct sml_node *n = s->m.body->first; n != NULL;
	     n = n->next) {
		uint64_t v;
		if (strcmp(n->name, "Status") == 0 &&
		    strcmp(sml_node_text(n, "Cmd"), cmd) == 0 &&
		    sml_node_uint(n, "Data", 999, &v))
			return (int)v;
	}
	return 0;
}

/* Count a refused item; the first of each reason keeps its detail. */
static void refuse(struct session *s, enum agent_refusal why, const char *guid,
		   const char *detail)
{
	struct agent_refused *r = &s->r->refused[why];

	s->r->refused_total++;
	if (r->count++ > 0)
		return;
	snprintf(r->first, sizeof(r->first), "server id %.200s%s%.180s",
		 *guid ? guid : "(none)", *detail ? ", " : "", detail);
	/* server-chosen bytes go to a terminal */
	for (char *p = r->first; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

/* An unfinished large object is given up (another item came, or the
 * session ended): it was answered 213 chunk by chunk, never stored. */
static void drop_chunks(struct session *s)
{
	if (s->chunk_guid[0] != '\0')
		refuse(s, AGENT_REFUSED_MALFORMED, s->chunk_guid,
		       "a large object whose last chunk never came");
	ob_buf_reset(&s->chunk);
	s->chunk_guid[0] = '\0';
}

/* Apply one server item; writes its status (and a map entry). An item
 * that cannot be stored is refused with an error status and counted
 * (agent_refusal); a store error ends the session. */
static int apply_item(struct session *s, struct sml_writer *w,
		      const struct sml_node *cmd, const struct sml_node *item)
{
	const char *ref = sml_node_text(cmd, "CmdID");
	const char *guid = sml_node_text(item, "Source/LocURI");
	const char *target = sml_node_text(item, "Target/LocURI");
	const struct sml_node *data = sml_node_child(item, "Data");
	bool add = strcmp(cmd->name, "Add") == 0;
	bool del = strcmp(cmd->name, "Delete") == 0;
	bool more = sml_node_child(item, "MoreData") != NULL;
	size_t dlen = data != NULL ? data->len : 0;
	char g[256], why[200];
	int64_t luid = 0;
	uint64_t v;
	int ret;

	if (del) {
		if (!sml_node_uint(item, "Target/LocURI", INT64_MAX, &v) ||
		    agent_store_guid(s->store, (int64_t)v, g, sizeof(g),
				     s->err) != 0) {
			status(s, w, ref, "Delete", 211, target, NULL);
			return 0;
		}
		ret = agent_store_delete(s->store, (int64_t)v, s->err);
		if (ret != 0)
			return ret;
		s->r->deletes++;
		status(s, w, ref, "Delete", 200, target, NULL);
		return 0;
	}
	/* the server id of a Replace is that of our local id */
	if (!add) {
		if (!sml_node_uint(item, "Target/LocURI", INT64_MAX, &v) ||
		    agent_store_guid(s->store, (int64_t)v, g, sizeof(g),
				     s->err) != 0) {
			snprintf(why, sizeof(why),
				 "a Replace of local id '%.100s', which we do "
				 "not have",
				 target);
			refuse(s, AGENT_REFUSED_NO_ID, guid, why);
			status(s, w, ref, cmd->name, 404, target, NULL);
			return 0;
		}
		guid = g;
	}
	if (*guid == '\0' || strlen(guid) >= sizeof(s->chunk_guid)) {
		refuse(s, AGENT_REFUSED_NO_ID, guid,
		       *guid ? "longer than 255 bytes"
			     : "an Add without a server id");
		status(s, w, ref, cmd->name, 412, target, guid);
		return 0;
	}
	/* the rest of a large object already refused for its size */
	if (s->skip_guid[0] != '\0' && strcmp(guid, s->skip_guid) == 0) {
		if (!more)
			s->skip_guid[0] = '\0';
		status(s, w, ref, cmd->name, 413, target, guid);
		return 0;
	}
	s->skip_guid[0] = '\0';
	if (s->chunk_guid[0] != '\0' && strcmp(guid, s->chunk_guid) != 0)
		drop_chunks(s);
	if (s->chunk.len + dlen > AGENT_MAX_ITEM ||
	    (dlen > 0 && ob_buf_add(&s->chunk, data->data, dlen) != 0)) {
		snprintf(why, sizeof(why), "%s%zu bytes",
			 more ? "at least " : "", s->chunk.len + dlen);
		refuse(s, AGENT_REFUSED_TOO_LARGE, guid, why);
		ob_buf_reset(&s->chunk);
		s->chunk_guid[0] = '\0';
		if (more)
			ob_strlcpy(s->skip_guid, guid, sizeof(s->skip_guid));
		ret = agent_store_keep(s->store, guid, s->err);
		if (ret != 0)
			return ret;
		status(s, w, ref, cmd->name, 413, target, guid);
		return 0;
	}
	if (more) {
		ob_strlcpy(s->chunk_guid, guid, sizeof(s->chunk_guid));
		status(s, w, ref, cmd->name, 213, target, guid);
		return 0;
	}
	ret = agent_store_put(s->store, guid,
			      s->chunk.data ? s->chunk.data : "", s->chunk.len,
			      &luid, s->err);
	ob_buf_reset(&s->chunk);
	s->chunk_guid[0] = '\0';
	if (ret == OB_E_PARSE || ret == OB_E_LIMIT) {
		/* refused, the session goes on; a copy we had stays */
		int code = ret == OB_E_PARSE ? 415 : 413;
		refuse(s,
		       ret == OB_E_PARSE ? AGENT_REFUSED_MALFORMED
					 : AGENT_REFUSED_LIMIT,
		       guid, s->err->msg);
		ret = agent_store_keep(s->store, guid, s->err);
		if (ret != 0)
			return ret;
		status(s, w, ref, cmd->name, code, target, guid);
		return 0;
	}
	if (ret != 0)
		return ret;
	if (add) {
		s->r->adds++;
		status(s, w, ref, "Add", 201, NULL, guid);
		/* the server's id goes back escaped, whatever it holds */
		ob_buf_add_str(&s->maps, "<MapItem><Target><LocURI>");
		sml_xml_escape(&s->maps, guid, strlen(guid));
		ob_buf_addf(&s->maps,
			    "</LocURI></Target><Source><LocURI>%" PRId64
			    "</LocURI></Source></MapItem>",
			    luid);
	} else {
		s->r->replaces++;
		status(s, w, ref, cmd->name, 200, target, NULL);
	}
	return 0;
}

/* Statuses (and applied items) for the server's last message. */
static int answer(struct session *s, struct sml_writer *w)
{
	int ret = 0;

	status(s, w, "0", "SyncHdr", 200, NULL, NULL);
	for (const struct sml_node *n = s->m.body->first; n != NULL && ret == 0;
	     n = n->next) {
		if (strcmp(n->name, "Alert") == 0 ||
		    strcmp(n->name, "Get") == 0 ||
		    strcmp(n->name, "Results") == 0) {
			status(s, w, sml_node_text(n, "CmdID"), n->name, 200,
			       NULL, NULL);
			continue;
		}
		if (strcmp(n->name, "Sync") != 0)
			continue;
		uint64_t v;
		if (sml_node_uint(n, "NumberOfChanges", 10000000, &v))
			s->total = (long)v;
		status(s, w, sml_node_text(n, "CmdID"), "Sync", 200,
		       sml_node_text(n, "Target/LocURI"),
		       sml_node_text(n, "Source/LocURI"));
		for (const struct sml_node *c = n->first; c != NULL && ret == 0;
		     c = c->next) {
			if (strcmp(c->name, "Add") != 0 &&
			    strcmp(c->name, "Replace") != 0 &&
			    strcmp(c->name, "Delete") != 0)
				continue;
			for (const struct sml_node *i =
				     sml_node_child(c, "Item");
			     i != NULL && ret == 0; i = sml_node_next_same(i))
				ret = apply_item(s, w, c, i);
		}
	}
	if (ret == 0 && s->maps.len > 0) {
		sml_writer_open(w, "Map", NULL);
		sml_writer_uint(w, "CmdID", ++s->cmd_id);
		sml_writer_open(w, "Target", NULL);
		sml_writer_text(w, "LocURI", s->o->datastore);
		sml_writer_close(w);
		sml_writer_open(w, "Source", NULL);
		sml_writer_text(w, "LocURI", "./contacts");
		sml_writer_close(w);
		sml_writer_raw(w, s->maps.data, s->maps.len);
		sml_writer_close(w);
		ob_buf_reset(&s->maps);
	}
	return ret;
}

static void progress(struct session *s)
{
	if (s->o->progress != NULL)
		s->o->progress(s->r->adds + s->r->replaces + s->r->deletes,
			       s->total, s->o->progress_ctx);
}

struct sender {
	struct session *s;
	struct sml_writer *w;
	int ret;
};

static void *send_thread(void *arg)
{
	struct sender *x = arg;

	x->ret = finish(x->s, x->w, false);
	return NULL;
}

/* finish() of the next request on a thread of its own while the store's
 * transaction commits here. The session (curl, reply, message, s->err)
 * belongs to the thread until it is joined; the commit uses its own err. */
static int commit_while_sending(struct session *s, struct sml_writer *w)
{
	struct sender x = {.s = s, .w = w};
	struct ob_err cerr;
	pthread_t th;
	int ret;

	if (pthread_create(&th, NULL, send_thread, &x) != 0) {
		/* no thread: one after the other */
		ret = agent_store_commit(s->store, s->err);
		if (ret != 0) {
			sml_writer_deinit(w);
			return ret;
		}
		return finish(s, w, false);
	}
	ret = agent_store_commit(s->store, &cerr);
	pthread_join(th, NULL);
	if (ret != 0) {
		*s->err = cerr;
		return ret;
	}
	return x.ret;
}

static int run(struct session *s)
{
	struct sml_writer w;
	char last[64], next[64], server_last[64];
	int ret, alert;

	/* a store that cannot be read fails the sync: read as "" its anchor
	 * would turn a fast sync into a slow one */
	if ((ret = agent_store_get(s->store, "last", last, sizeof(last),
				   s->err)) != 0 ||
	    (ret = agent_store_get(s->store, "nonce", s->nonce,
				   sizeof(s->nonce), s->err)) != 0)
		return ret;
	/* A new SessionID for every session (RepPro 1.2 §5.1.1): with the
	 * same one, a server takes our first message for a retry of the last
	 * session's and answers from that one (its RespURI, its anchors). */
	char sid[16];
	uint64_t prev = 0;
	if ((ret = agent_store_get(s->store, "session", sid, sizeof(sid),
				   s->err)) != 0)
		return ret;
	if (ob_parse_u64(sid, strlen(sid), 9999, &prev) != 0)
		prev = 0;
	snprintf(s->session_id, sizeof(s->session_id), "%" PRIu64,
		 prev % 9999 + 1);
	ret = agent_store_set(s->store, "session", s->session_id, s->err);
	if (ret != 0)
		return ret;
	snprintf(next, sizeof(next), "%" PRId64, ob_wall_s());
	if (strcmp(next, last) == 0)
		snprintf(next, sizeof(next), "%" PRId64 "a", ob_wall_s());
	alert = s->o->mode == AGENT_SYNC_REFRESH                 ? 205
		: s->o->mode == AGENT_SYNC_SLOW || *last == '\0' ? 201
								 : 200;
	/* package 1, again after a challenge */
	for (int attempt = 0;; attempt++) {
		begin(s, &w, true);
		devinf(s, &w);
		sml_writer_open(&w, "Alert", NULL);
		sml_writer_uint(&w, "CmdID", ++s->cmd_id);
		sml_writer_uint(&w, "Data", (uint64_t)alert);
		sml_writer_open(&w, "Item", NULL);
		sml_writer_open(&w, "Target", NULL);
		sml_writer_text(&w, "LocURI", s->o->datastore);
		sml_writer_close(&w);
		sml_writer_open(&w, "Source", NULL);
		sml_writer_text(&w, "LocURI", "./contacts");
		sml_writer_close(&w);
		sml_writer_open(&w, "Meta", NULL);
		sml_writer_open(&w, "Anchor", "syncml:metinf");
		if (alert == 200)
			sml_writer_text(&w, "Last", last);
		sml_writer_text(&w, "Next", next);
		sml_writer_close(&w);
		sml_writer_close(&w);
		sml_writer_close(&w);
		sml_writer_close(&w);
		ret = finish(s, &w, true);
		if (ret != 0)
			return ret;
		int hdr = status_of(s, "SyncHdr");
		const char *nn = sml_meta(
			sml_node_child(sml_node_child(s->m.body, "Status"),
				       "Chal"),
			NULL, "NextNonce");
		if (*nn != '\0' && strlen(nn) < sizeof(s->nonce)) {
			struct ob_err e2;

			ob_strlcpy(s->nonce, nn, sizeof(s->nonce));
			/* not kept: the next session is challenged afresh */
			(void)agent_store_set(s->store, "nonce", s->nonce, &e2);
		}
		if ((hdr == 401 || hdr == 407) && attempt == 0 && s->o->md5 &&
		    *nn != '\0')
			continue;
		if (hdr == 401 || hdr == 407)
			return ob_err_set(s->err, OB_E_AUTH,
					  "the server refused the login "
					  "(status %d)",
					  hdr);
		if (hdr != 200 && hdr != 212)
			return ob_err_set(s->err, OB_E_FAIL,
					  "the server answered status %d", hdr);
		break;
	}
	int ast = status_of(s, "Alert");
	if (ast == 404)
		return ob_err_set(s->err, OB_E_NOTFOUND,
				  "the server has no datastore '%s'",
				  s->o->datastore);
	if (ast != 200 && ast != 508)
		return ob_err_set(s->err, OB_E_FAIL,
				  "the server refused the sync (status %d)",
				  ast);
	const struct sml_node *sa = sml_node_child(s->m.body, "Alert");
	uint64_t mode = 0;
	if (sa == NULL || !sml_node_uint(sa, "Data", 999, &mode))
		return ob_err_set(s->err, OB_E_PARSE,
				  "the server sent no Alert for the datastore");
	s->r->alert = (int)mode;
	ob_strlcpy(server_last,
		   sml_meta(sml_node_child(sa, "Item"), sa, "Anchor/Next"),
		   sizeof(server_last));
	bool full = mode == 201 || mode == 205;
	int64_t gen = ob_wall_s();
	agent_store_mark(s->store, gen);

	/* package 3: nothing of ours to send */
	begin(s, &w, false);
	answer(s, &w);
	sml_writer_open(&w, "Sync", NULL);
	sml_writer_uint(&w, "CmdID", ++s->cmd_id);
	sml_writer_open(&w, "Target", NULL);
	sml_writer_text(&w, "LocURI", s->o->datastore);
	sml_writer_close(&w);
	sml_writer_open(&w, "Source", NULL);
	sml_writer_text(&w, "LocURI", "./contacts");
	sml_writer_close(&w);
	sml_writer_close(&w);
	if ((ret = finish(s, &w, true)) != 0)
		return ret;
	int sst = status_of(s, "Sync");
	if (sst != 0 && sst != 200)
		return ob_err_set(s->err, OB_E_FAIL,
				  "the server refused our Sync (status %d)",
				  sst);
	/* packages 4 to 6 */
	for (;;) {
		bool final = s->m.final;
		ret = agent_store_begin(s->store, s->err);
		if (ret != 0)
			return ret;
		begin(s, &w, false);
		ret = answer(s, &w);
		if (ret != 0) {
			agent_store_rollback(s->store);
			sml_writer_deinit(&w);
			return ret;
		}
		if (!final) {
			sml_writer_open(&w, "Alert", NULL);
			sml_writer_uint(&w, "CmdID", ++s->cmd_id);
			sml_writer_uint(&w, "Data", 222);
			sml_writer_close(&w);
		}
		if (final) {
			/* The last items are ours before the server hears of
			 * them (it completes the session on this message). */
			ret = agent_store_commit(s->store, s->err);
			if (ret != 0) {
				sml_writer_deinit(&w);
				return ret;
			}
			progress(s);
			if ((ret = finish(s, &w, final)) != 0)
				return ret;
			break;
		}
		/* Ask for the next message while this one's transaction
		 * commits: the server works while we write. Safe, because
		 * the server stores nothing of the session before its final
		 * message, and a retried message updates the same rows. */
		ret = commit_while_sending(s, &w);
		if (ret != 0)
			return ret;
		progress(s);
	}
	int ms = status_of(s, "Map");
	if (ms != 0 && ms != 200)
		return ob_err_set(s->err, OB_E_FAIL,
				  "the server refused our Map (status %d)", ms);
	drop_chunks(s);
	/* complete: sweep and anchors in one transaction. With refused items
	 * the session is not taken as delivered: no Last anchor, so the
	 * next session is slow and brings them again (the server was told
	 * by their statuses, and orgbook-server syncs slowly anyway). */
	ret = agent_store_begin(s->store, s->err);
	if (ret == 0 && full)
		ret = agent_store_sweep(s->store, gen, &s->r->removed, s->err);
	char when[32];
	snprintf(when, sizeof(when), "%" PRId64, ob_wall_s());
	if (ret == 0)
		ret = agent_store_set(s->store, "last",
				      s->r->refused_total > 0 ? "" : next,
				      s->err);
	if (ret == 0)
		ret = agent_store_set(s->store, "server_last", server_last,
				      s->err);
	if (ret == 0)
		ret = agent_store_set(s->store, "last_sync", when, s->err);
	if (ret == 0)
		ret = agent_store_commit(s->store, s->err);
	else
		agent_store_rollback(s->store);
	return ret;
}

int agent_sync(struct agent_store *store, const struct agent_sync_opts *o,
	       struct agent_sync_result *r, struct ob_err *err)
{
	struct session s;
	int ret;

	memset(&s, 0, sizeof(s));
	memset(r, 0, sizeof(*r));
	if ((ret = agent_respuri_check_server(o->url, err)) != 0)
		return ret;
	s.store = store;
	s.o = o;
	s.r = r;
	s.err = err;
	ob_strlcpy(s.url, o->url, sizeof(s.url));
	s.total = -1;
	ob_buf_init(&s.reply, o->max_reply);
	ob_buf_init(&s.maps, 64u << 20);
	ob_buf_init(&s.chunk, AGENT_MAX_ITEM);
	s.curl = curl_easy_init();
	if (s.curl == NULL)
		return ob_err_set(err, OB_E_NOMEM, "cannot start libcurl");
	curl_easy_setopt(s.curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(s.curl, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(s.curl, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(s.curl, CURLOPT_TIMEOUT,
			 o->timeout_s > 0 ? o->timeout_s : 300L);
	curl_easy_setopt(s.curl, CURLOPT_NOSIGNAL, 1L);
	/* Only the configured server's scheme, whatever a URL says, and no
	 * redirects: a 3xx is an error like any other status but 200. */
	bool tls = strncasecmp(o->url, "https:", 6) == 0;
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(s.curl, CURLOPT_PROTOCOLS_STR, tls ? "https" : "http");
	curl_easy_setopt(s.curl, CURLOPT_REDIR_PROTOCOLS_STR,
			 tls ? "https" : "http");
#else
	curl_easy_setopt(s.curl, CURLOPT_PROTOCOLS,
			 tls ? (long)CURLPROTO_HTTPS : (long)CURLPROTO_HTTP);
	curl_easy_setopt(s.curl, CURLOPT_REDIR_PROTOCOLS,
			 tls ? (long)CURLPROTO_HTTPS : (long)CURLPROTO_HTTP);
#endif
	curl_easy_setopt(s.curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(s.curl, CURLOPT_USERAGENT,
			 "orgbook-agent/" PACKAGE_VERSION);
	if (o->ca_file != NULL)
		curl_easy_setopt(s.curl, CURLOPT_CAINFO, o->ca_file);
	if (o->pin != NULL) {
		curl_easy_setopt(s.curl, CURLOPT_PINNEDPUBLICKEY, o->pin);
		/* Without a CA file the pinned key is the trust (a server with
		 * a self-signed certificate): libcurl still refuses any other
		 * key, whatever the certificate says. */
		if (o->ca_file == NULL) {
			curl_easy_setopt(s.curl, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(s.curl, CURLOPT_SSL_VERIFYHOST, 0L);
		}
	}
	ret = run(&s);
	curl_easy_cleanup(s.curl);
	ob_buf_deinit(&s.reply);
	ob_buf_deinit(&s.maps);
	ob_buf_deinit(&s.chunk);
	sml_msg_deinit(&s.m);
	return ret;
}
