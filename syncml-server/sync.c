/* The sync engine (see sync.h). */
#include "config.h"
#include "syncml-server/sync.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syncml-server/match.h"
#include "syncml/writer.h"
#include "util/str.h"
#include "vcard/vcard.h"
#include "webadmin/person-card.h"

#define ITEM_RESERVE 64 /* bytes kept free for closing tags */
#define PAGE 64         /* people read per store call */

/* ---- datastores -------------------------------------------------------- */

int srv_sync_resolve(struct srv_ctx *c, const char *uri, char *key,
		     size_t key_size, int64_t *unit_r)
{
	char norm[SRV_URI_MAX];
	struct ob_err err;

	sml_uri_normalize(uri, norm, sizeof(norm));
	*unit_r = 0;
	if (strcasecmp(norm, "contacts") == 0) {
		ob_strlcpy(key, "contacts", key_size);
		return 0;
	}
	if (strncasecmp(norm, "contacts/", 9) != 0 || norm[9] == '\0')
		return OB_E_NOTFOUND;
	int ret = dstore_unit_ensure_path(c->store, c->st->tenant_id, norm + 9,
					  false, unit_r, &err);
	if (ret != 0)
		return ret;
	snprintf(key, key_size, "contacts/%s", norm + 9);
	return 0;
}

static struct srv_ds *find_ds(struct srv_ctx *c, const char *uri, int *idx_r)
{
	char norm[SRV_URI_MAX], k[SRV_URI_MAX];

	sml_uri_normalize(uri, norm, sizeof(norm));
	for (int i = 0; i < c->st->n_ds; i++) {
		sml_uri_normalize(c->st->ds[i].uri, k, sizeof(k));
		if (strcasecmp(norm, k) == 0) {
			if (idx_r != NULL)
				*idx_r = i;
			return &c->st->ds[i];
		}
	}
	return NULL;
}

static void write_anchor_item(struct sml_writer *w, const char *next)
{
	sml_writer_open(w, "Item", NULL);
	sml_writer_open(w, "Data", NULL);
	sml_writer_open(w, "Anchor", "syncml:metinf");
	sml_writer_text(w, "Next", next);
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_close(w);
}

/* Status for an Alert, echoing the client's Next anchor. */
static void alert_status(struct srv_ctx *c, uint64_t cmd_ref,
			 const char *target, const char *source, int code,
			 const char *next)
{
	struct sml_writer *w = &c->reply->statuses;

	if (c->msg->hdr.no_resp)
		return;
	sml_writer_open(w, "Status", NULL);
	sml_writer_uint(w, "CmdID", srv_reply_next_cmd(c->reply));
	sml_writer_uint(w, "MsgRef", c->msg->hdr.msg_id);
	sml_writer_uint(w, "CmdRef", cmd_ref);
	sml_writer_text(w, "Cmd", "Alert");
	if (*target != '\0')
		sml_writer_text(w, "TargetRef", target);
	if (*source != '\0')
		sml_writer_text(w, "SourceRef", source);
	if (next != NULL && *next != '\0')
		write_anchor_item(w, next);
	sml_writer_uint(w, "Data", (uint64_t)code);
	sml_writer_close(w);
}

static void server_alert(struct srv_ctx *c, const struct srv_ds *ds)
{
	struct sml_writer *w = &c->reply->cmds;

	sml_writer_open(w, "Alert", NULL);
	sml_writer_uint(w, "CmdID", srv_reply_next_cmd(c->reply));
	sml_writer_uint(w, "Data", (uint64_t)ds->mode);
	sml_writer_open(w, "Item", NULL);
	sml_writer_open(w, "Target", NULL);
	sml_writer_text(w, "LocURI", ds->client_uri);
	sml_writer_close(w);
	sml_writer_open(w, "Source", NULL);
	sml_writer_text(w, "LocURI", ds->uri);
	sml_writer_close(w);
	sml_writer_open(w, "Meta", NULL);
	sml_writer_open(w, "Anchor", "syncml:metinf");
	if (*ds->server_last != '\0')
		sml_writer_text(w, "Last", ds->server_last);
	sml_writer_text(w, "Next", ds->server_next);
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_close(w);
}

static int slow_variant(int code)
{
	switch (code) {
	case SML_ALERT_TWO_WAY:
		return SML_ALERT_SLOW;
	case SML_ALERT_ONE_WAY_SERVER:
		return SML_ALERT_REFRESH_SERVER;
	default:
		return code;
	}
}

void srv_sync_alert(struct srv_ctx *c, const struct sml_node *alert, int code)
{
	const struct sml_node *item = sml_node_child(alert, "Item");
	uint64_t cmd_id = sml_cmd_id(alert);
	const char *target = sml_node_text(item, "Target/LocURI");
	const char *source = sml_node_text(item, "Source/LocURI");
	const char *last = sml_meta(item, alert, "Anchor/Last");
	const char *next = sml_meta(item, alert, "Anchor/Next");
	struct dstore_sync_state ss;
	struct ob_err err;
	struct srv_ds *ds;
	int idx;

	if (*target == '\0')
		target = source; /* Sony Ericsson C510 leaves Target empty */
	if (item == NULL || *source == '\0' || *next == '\0' ||
	    strlen(source) >= SRV_URI_MAX ||
	    strlen(next) >= DSTORE_ANCHOR_MAX ||
	    strlen(last) >= DSTORE_ANCHOR_MAX) {
		ob_log(OB_LOG_WARN, &c->log,
		       "alert without datastore or Next anchor, or too long");
		alert_status(c, cmd_id, target, source, SML_INCOMPLETE, NULL);
		return;
	}
	char key[SRV_URI_MAX];
	int64_t unit = 0;
	int ret = srv_sync_resolve(c, target, key, sizeof(key), &unit);
	if (ret != 0) {
		ob_log(OB_LOG_WARN, &c->log, "unknown datastore '%s'", target);
		alert_status(c, cmd_id, target, source,
			     ret == OB_E_NOTFOUND ? SML_NOT_FOUND
						  : srv_status_of(ret),
			     NULL);
		return;
	}
	if (code == SML_ALERT_ONE_WAY_CLIENT ||
	    code == SML_ALERT_REFRESH_CLIENT) {
		ob_log(OB_LOG_WARN, &c->log,
		       "client asked to write to the read-only directory "
		       "(alert %d)",
		       code);
		alert_status(c, cmd_id, target, source, SML_NOT_ALLOWED, NULL);
		return;
	}
	ds = find_ds(c, target, &idx);
	if (ds == NULL) {
		if (c->st->n_ds >= SRV_DS_MAX) {
			alert_status(c, cmd_id, target, source,
				     SML_NOT_SUPPORTED, NULL);
			return;
		}
		idx = c->st->n_ds++;
		ds = &c->st->ds[idx];
	} else {
		/* Alerted again (a retried package 1 after a challenge):
		 * start the datastore afresh. */
		(void)dstore_pending_drop(c->store, c->st->tenant_id, c->token,
					  idx, &err);
	}
	memset(ds, 0, sizeof(*ds));
	ob_strlcpy(ds->uri, target, sizeof(ds->uri));
	ob_strlcpy(ds->client_uri, source, sizeof(ds->client_uri));
	ob_strlcpy(ds->key, key, sizeof(ds->key));
	ob_strlcpy(ds->client_next, next, sizeof(ds->client_next));
	ds->unit_id = unit;
	ds->vcard = c->st->client.vcard != 0 ? c->st->client.vcard : 21;
	ds->snap_rev = c->tenant.revision;
	snprintf(ds->server_next, sizeof(ds->server_next),
		 "%" PRId64 ".%" PRId64, ds->snap_rev, ob_wall_s());

	bool have =
		dstore_sync_get(c->store, c->st->tenant_id, c->st->account_id,
				c->msg->hdr.source_uri, key, &ss, &err) == 0;
	if (have)
		ob_strlcpy(ds->server_last, ss.server_last,
			   sizeof(ds->server_last));
	int status = SML_OK;
	int mode = code == SML_ALERT_RESUME ? SML_ALERT_SLOW : code;
	if (code == SML_ALERT_RESUME)
		status = SML_REFRESH_REQUIRED; /* no suspend/resume */
	if (mode == SML_ALERT_TWO_WAY || mode == SML_ALERT_ONE_WAY_SERVER) {
		const char *why = NULL;
		if (!have || *ss.client_last == '\0')
			why = "no completed sync";
		else if (strcmp(ss.client_last, last) != 0)
			why = "anchor mismatch";
		else if (ss.force_slow)
			why = "resync requested";
		else if (ss.rev <= c->tenant.pruned_rev && ss.rev != 0 &&
			 c->tenant.pruned_rev > 0)
			why = "change history pruned";
		if (why != NULL) {
			ob_log(OB_LOG_INFO, &c->log,
			       "datastore %s: %s, slow sync (508)", key, why);
			status = SML_REFRESH_REQUIRED;
			mode = slow_variant(mode);
		} else {
			ds->since_rev = ss.rev;
		}
	}
	ds->mode = mode;
	alert_status(c, cmd_id, target, source, status, next);
	server_alert(c, ds);
}

/* ---- client items ------------------------------------------------------ */

/* Which directory person (guid) a client LUID stands for: this session's
 * matches first, then the committed map. */
static bool guid_of_luid(struct srv_ctx *c, int idx, const char *luid,
			 char *guid, size_t size)
{
	struct dstore_pending p;
	struct dstore_sync_state ss;
	struct ob_err err;
	const struct srv_ds *ds = &c->st->ds[idx];

	if (dstore_pending_find(c->store, c->st->tenant_id, c->token, idx, NULL,
				luid, &p, &err) == 0) {
		ob_strlcpy(guid, p.guid, size);
		return true;
	}
	if (dstore_sync_get(c->store, c->st->tenant_id, c->st->account_id,
			    c->msg->hdr.source_uri, ds->key, &ss, &err) != 0)
		return false;
	return dstore_map_find(c->store, c->st->tenant_id, ss.id, NULL, luid,
			       guid, size, NULL, 0, NULL, &err) == 0;
}

/* Is guid a visible person of the datastore's view? */
static bool in_view(struct srv_ctx *c, const struct srv_ds *ds,
		    const char *guid)
{
	struct dstore_person p;
	struct ob_err err;
	bool ok = false;

	if (dstore_person_get(c->store, c->st->tenant_id, guid, false, &p,
			      &err) != 0)
		return false;
	if (!p.hidden) {
		if (ds->unit_id == 0) {
			ok = true;
		} else {
			/* the unit or one below it */
			struct dstore_unit u;
			int64_t id = p.unit_id;
			for (int depth = 0;
			     id != 0 && depth <= DSTORE_UNIT_DEPTH_MAX;
			     depth++) {
				if (id == ds->unit_id) {
					ok = true;
					break;
				}
				if (dstore_unit_get(c->store, c->st->tenant_id,
						    id, &u, &err) != 0)
					break;
				id = u.parent_id;
				dstore_unit_deinit(&u);
			}
		}
	}
	dstore_person_deinit(&p);
	return ok;
}

static void item_status(struct srv_ctx *c, const struct sml_node *cmd,
			const char *luid, int code)
{
	srv_status(c, sml_cmd_id(cmd), cmd->name, NULL, luid, code);
}

#define CHUNKED_MAX (8u << 20) /* a client's large object, at most */

static void client_item_data(struct srv_ctx *c, int idx,
			     const struct sml_node *cmd, const char *luid,
			     const unsigned char *data, size_t dlen);

static void client_item(struct srv_ctx *c, int idx, const struct sml_node *cmd,
			const struct sml_node *item)
{
	const char *luid = sml_node_text(item, "Source/LocURI");
	struct ob_err err;

	if (*luid == '\0')
		luid = sml_node_text(item, "Target/LocURI");
	if (*luid == '\0' || strlen(luid) >= DSTORE_DEVICE_MAX) {
		item_status(c, cmd, luid, SML_INCOMPLETE);
		return;
	}
	const struct sml_node *dn = sml_node_child(item, "Data");
	const unsigned char *data = dn != NULL ? dn->data : NULL;
	size_t dlen = dn != NULL ? dn->len : 0;
	unsigned char *whole = NULL;
	if (sml_node_child(item, "MoreData") != NULL) {
		/* A chunk of a large object (OMA DS Protocol 1.2 §6.2): kept
		 * in the store until the last one, answered 213. */
		uint64_t size = 0;
		(void)sml_node_uint(item, "Meta/Size", UINT32_MAX, &size);
		if (size == 0)
			(void)sml_node_uint(cmd, "Meta/Size", UINT32_MAX,
					    &size);
		int ret = dstore_chunk_append(c->store, c->token, idx, luid,
					      (int64_t)size, data, dlen,
					      CHUNKED_MAX, &err);
		if (ret != 0)
			(void)dstore_chunk_drop(c->store, c->token, idx, &err);
		item_status(c, cmd, luid,
			    ret == 0            ? SML_CHUNK_ACCEPTED
			    : ret == OB_E_LIMIT ? SML_TOO_LARGE
						: SML_COMMAND_FAILED);
		return;
	}
	char cluid[DSTORE_DEVICE_MAX];
	int64_t csize = 0;
	size_t clen = 0;
	if (dstore_chunk_take(c->store, c->token, idx, cluid, &csize, &whole,
			      &clen, &err) == 0) {
		/* The last chunk: the object is what came before and this. */
		unsigned char *all = realloc(whole, clen + dlen + 1);
		if (all == NULL) {
			free(whole);
			item_status(c, cmd, luid, SML_COMMAND_FAILED);
			return;
		}
		if (dlen > 0)
			memcpy(all + clen, data, dlen);
		whole = all;
		clen += dlen;
		whole[clen] = '\0';
		/* A Size one byte over is tolerated (SCTS 1301 sends it), and
		 * so is one counting CR LF where XML delivered LF (XML's
		 * end-of-line rule applies inside CDATA too). */
		int64_t lfs = 0;
		for (size_t i = 0; i < clen; i++)
			lfs += whole[i] == '\n';
		int64_t got = (int64_t)clen;
		if (csize > 0 && got != csize && got + 1 != csize &&
		    got + lfs != csize && got + lfs + 1 != csize) {
			ob_log(OB_LOG_WARN, &c->log,
			       "large object %s: %zu bytes, Size said %lld",
			       luid, clen, (long long)csize);
			free(whole);
			item_status(c, cmd, luid, SML_SIZE_MISMATCH);
			return;
		}
		data = whole;
		dlen = clen;
	}
	client_item_data(c, idx, cmd, luid, data, dlen);
	free(whole);
}

/* ---- the slow sync's matching -------------------------------------------
 *
 * In a slow sync the client sends every card it holds, and the device must
 * end with the datastore's view exactly once. Each card is, in this order:
 *  1. ours by its LUID: mapped now (this session or the id map), or held
 *     under that LUID earlier and gone since (the map history, kept for
 *     the retention window: a device restored from an old backup);
 *  2. ours by the UID we put in it;
 *  3. a directory person by content (match.h: a name and a phone or
 *     e-mail in common), for a device whose LUIDs we never saw.
 * A card ours by LUID or UID is checked to still look like its person,
 * now or as it was before a change within the retention window
 * (srv_match_still, dstore_person_past), so that a user's card that took
 * over a LUID is never taken. The card is then matched (the server sends a Replace) when its
 * person is in the view and not matched to another card yet; deleted (the
 * server sends a Delete) when its person left the view (deleted, hidden,
 * moved out) or is on the device twice. A content match takes only a
 * person no other card matched, gives it up to a later card that is ours
 * by id (the user's own copy of a colleague is then kept as it is), and
 * deletes nothing but a departed person this device was sent. Anything
 * else is the user's own card: left alone. Otherwise the first card the
 * client sends wins a person: deterministic for a given client order. */

#define DELETE_KEY '\001' /* pending rows of the Deletes a slow sync sends */
/* The rev of a content match's pending row (a card matched by id takes
 * its person over; the Replace sent rewrites the row with the person's
 * own rev) */
#define BY_CONTENT (-1)

enum slow_verdict { SLOW_OWN, SLOW_MATCH, SLOW_DELETE };

/* The person guid as a matching key, live or departed; false when the
 * store has no trace of it. */
static bool person_key(struct srv_ctx *c, const char *guid,
		       struct srv_match_key *k)
{
	struct dstore_person p;
	struct ob_err err;

	if (dstore_person_get(c->store, c->st->tenant_id, guid, false, &p,
			      &err) != 0 &&
	    dstore_person_departed(c->store, c->st->tenant_id, guid, &p,
				   &err) != 0)
		return false;
	srv_match_key_person(&p, k);
	dstore_person_deinit(&p);
	return true;
}

/* Is guid matched to a card other than luid in this session (by id only
 * when firm: a content match gives way to a card that is ours by id)? */
static bool matched_elsewhere(struct srv_ctx *c, int idx, const char *guid,
			      const char *luid, bool firm)
{
	struct dstore_pending p;
	struct ob_err err;

	return dstore_pending_find(c->store, c->st->tenant_id, c->token, idx,
				   guid, NULL, &p, &err) == 0 &&
	       p.op == DSTORE_PENDING_MAP && strcmp(p.luid, luid) != 0 &&
	       (!firm || p.rev != BY_CONTENT);
}

static int past_still(const struct dstore_person *p, void *ctx)
{
	struct srv_match_key k;

	srv_match_key_person(p, &k);
	return srv_match_still(ctx, &k) ? 1 : 0;
}

/* Does the card still look like person guid, as it is or as it was
 * before a change within the retention window (a card restored from an
 * old backup holds the person as it was sent then)? */
static bool still_person(struct srv_ctx *c, const char *guid,
			 const struct srv_match_key *card)
{
	struct srv_match_key k;
	struct ob_err err;

	if (!person_key(c, guid, &k))
		return false;
	return srv_match_still(card, &k) ||
	       dstore_person_past(c->store, c->st->tenant_id, guid, past_still,
				  (void *)card, &err) == 1;
}

/* What to do with a card that is ours (guid by LUID or UID). */
static enum slow_verdict ours(struct srv_ctx *c, int idx, const char *guid,
			      const char *luid,
			      const struct srv_match_key *card)
{
	if (!still_person(c, guid, card))
		return SLOW_OWN;
	if (!in_view(c, &c->st->ds[idx], guid) ||
	    matched_elsewhere(c, idx, guid, luid, true))
		return SLOW_DELETE;
	return SLOW_MATCH;
}

/* The search of a card that is not ours by any id among the people of
 * its name (see by_content). */
struct content_search {
	struct srv_ctx *c;
	int idx;
	int64_t state_id;
	const char *luid;
	const struct srv_match_key *card;
	bool departed;
	bool unmapped; /* only people the device holds no card of */
	enum slow_verdict verdict;
	char *guid;
	size_t size;
};

static int content_candidate(const struct dstore_person *p, void *ctx)
{
	struct content_search *cs = ctx;
	struct srv_match_key k;
	struct ob_err err;

	srv_match_key_person(p, &k);
	if (!srv_match_content(cs->card, &k))
		return 0;
	bool view = !cs->departed &&
		    in_view(cs->c, &cs->c->st->ds[cs->idx], p->uid);
	if (view && matched_elsewhere(cs->c, cs->idx, p->uid, cs->luid, false))
		return 0; /* the next one of that name, if any */
	if (cs->unmapped &&
	    (!view || cs->state_id == 0 ||
	     dstore_map_find(cs->c->store, cs->c->st->tenant_id, cs->state_id,
			     p->uid, NULL, NULL, 0, NULL, 0, NULL, &err) == 0))
		return 0;
	/* a departed person only when this device was sent it */
	if (!view && (cs->state_id == 0 ||
		      dstore_map_ever(cs->c->store, cs->c->st->tenant_id,
				      cs->state_id, p->uid, &err) != 1))
		return 0;
	ob_strlcpy(cs->guid, p->uid, cs->size);
	cs->verdict = view ? SLOW_MATCH : SLOW_DELETE;
	return 1;
}

/* A card that is not ours by any id: a directory person by content?
 * Live people of its names first (in id order), then departed ones. */
static enum slow_verdict by_content(struct srv_ctx *c, int idx,
				    int64_t state_id, const char *luid,
				    const struct srv_match_key *card,
				    char *guid, size_t size)
{
	struct content_search cs = {c,     idx,   state_id, luid, card,
				    false, false, SLOW_OWN, guid, size};
	struct ob_err err;

	for (int departed = 0; departed < 2; departed++) {
		cs.departed = departed;
		for (size_t i = 0; i < card->n_names; i++)
			if (dstore_person_by_name(c->store, c->st->tenant_id,
						  card->names[i], departed,
						  content_candidate, &cs,
						  &err) == 1)
				return cs.verdict;
	}
	return SLOW_OWN;
}

/* The matching key of a client's card, and its UID (at most usize - 1
 * bytes, else "") when uid is not NULL; false when it is no card we can
 * read. */
static bool card_key(const unsigned char *data, size_t dlen,
		     struct srv_match_key *key, char *uid, size_t usize)
{
	struct vcard_limits lim = vcard_limits_default();
	struct vcard *card = NULL;
	struct vcard_contact ct;
	struct vcard_error verr;
	bool ok = data != NULL && dlen > 0 &&
		  vcard_parse((const char *)data, dlen, &lim, &card, &verr) ==
			  0 &&
		  vcard_contact_from_card(card, &ct, &verr) == 0;

	if (ok) {
		srv_match_key_card(&ct, key);
		if (uid != NULL)
			ob_strlcpy(uid,
				   ct.uid != NULL && strlen(ct.uid) < usize
					   ? ct.uid
					   : "",
				   usize);
	}
	vcard_free(&card);
	return ok;
}

/* A card a client adds in a two-way sync that is a directory person the
 * device holds no card of, by content: the server's own Add of an
 * interrupted session, whose Map never arrived (the client counts the
 * card as new since its last completed sync). It is mapped, and the
 * server sends the directory's version as a Replace instead of a second
 * Add. Returns 0 or an OB_E_* of the store. */
static int two_way_add(struct srv_ctx *c, int idx, const char *luid,
		       const unsigned char *data, size_t dlen)
{
	struct dstore_sync_state ss;
	struct srv_match_key key;
	struct ob_err err;
	char guid[DSTORE_DEVICE_MAX];
	struct content_search cs = {c,     idx,  0,        luid, &key,
				    false, true, SLOW_OWN, guid, sizeof(guid)};

	if (dstore_sync_get(c->store, c->st->tenant_id, c->st->account_id,
			    c->msg->hdr.source_uri, c->st->ds[idx].key, &ss,
			    &err) != 0)
		return 0;
	cs.state_id = ss.id;
	if (!card_key(data, dlen, &key, NULL, 0))
		return 0;
	for (size_t i = 0; i < key.n_names; i++)
		if (dstore_person_by_name(c->store, c->st->tenant_id,
					  key.names[i], false,
					  content_candidate, &cs, &err) == 1)
			break;
	if (cs.verdict != SLOW_MATCH)
		return 0;
	ob_log(OB_LOG_INFO, &c->log,
	       "client added card %s, directory person %s the device holds no "
	       "card of (by content): mapped, the directory's version is "
	       "sent back",
	       luid, guid);
	return dstore_pending_put(c->store, c->st->tenant_id, c->token, idx,
				  guid, luid, BY_CONTENT, DSTORE_PENDING_MAP,
				  true, &err);
}

/* A client card in a slow sync: matched, deleted or left alone (see
 * above). Returns 0 or an OB_E_* of the store. */
static int slow_item(struct srv_ctx *c, int idx, const char *luid,
		     const unsigned char *data, size_t dlen)
{
	struct srv_ds *ds = &c->st->ds[idx];
	struct dstore_sync_state ss;
	struct srv_match_key key;
	struct ob_err err;
	char guid[DSTORE_DEVICE_MAX];
	enum slow_verdict v = SLOW_OWN;
	int64_t state_id = 0;
	const char *how = "";

	char uid[DSTORE_DEVICE_MAX];
	if (!card_key(data, dlen, &key, uid, sizeof(uid)))
		return 0; /* not a card we can read: the user's own */
	if (dstore_sync_get(c->store, c->st->tenant_id, c->st->account_id,
			    c->msg->hdr.source_uri, ds->key, &ss, &err) == 0)
		state_id = ss.id;
	if (guid_of_luid(c, idx, luid, guid, sizeof(guid))) {
		if (guid[0] == DELETE_KEY)
			return 0; /* sent again: its Delete is decided */
		how = "id map";
		v = ours(c, idx, guid, luid, &key);
	}
	if (v == SLOW_OWN && *uid != '\0') {
		ob_strlcpy(guid, uid, sizeof(guid));
		how = "UID";
		v = ours(c, idx, guid, luid, &key);
	}
	if (v == SLOW_OWN && state_id != 0 &&
	    dstore_map_history(c->store, c->st->tenant_id, state_id, luid, guid,
			       sizeof(guid), &err) == 0) {
		how = "map history";
		v = ours(c, idx, guid, luid, &key);
	}
	if (v == SLOW_OWN) {
		how = "content";
		v = by_content(c, idx, state_id, luid, &key, guid,
			       sizeof(guid));
	}
	if (v == SLOW_MATCH) {
		int ret = dstore_pending_put(
			c->store, c->st->tenant_id, c->token, idx, guid, luid,
			strcmp(how, "content") == 0 ? BY_CONTENT : 0,
			DSTORE_PENDING_MAP, false, &err);
		if (ret == 0)
			ds->matched++;
		return ret;
	}
	if (v == SLOW_DELETE && strlen(luid) + 1 >= DSTORE_DEVICE_MAX) {
		ob_log(OB_LOG_WARN, &c->log,
		       "slow sync: card %.64s... is person %s, but its LUID is "
		       "too long to delete: left alone",
		       luid, guid);
		v = SLOW_OWN;
	}
	if (v == SLOW_DELETE) {
		char del[DSTORE_DEVICE_MAX];
		del[0] = DELETE_KEY;
		ob_strlcpy(del + 1, luid, sizeof(del) - 1);
		ob_log(OB_LOG_INFO, &c->log,
		       "slow sync: card %s is person %s (by %s), %s: deleted "
		       "on the device",
		       luid, guid, how,
		       in_view(c, ds, guid) ? "on the device twice"
					    : "no longer in the view");
		return dstore_pending_put(c->store, c->st->tenant_id, c->token,
					  idx, del, luid, 0, DSTORE_PENDING_DEL,
					  true, &err);
	}
	return 0;
}

/* A client item whose data is complete. */
static void client_item_data(struct srv_ctx *c, int idx,
			     const struct sml_node *cmd, const char *luid,
			     const unsigned char *data, size_t dlen)
{
	struct srv_ds *ds = &c->st->ds[idx];
	bool is_add = strcmp(cmd->name, "Add") == 0;
	bool is_del = strcmp(cmd->name, "Delete") == 0;
	char guid[DSTORE_DEVICE_MAX];
	struct ob_err err;

	ds->client_items++;
	if (ds->mode == SML_ALERT_REFRESH_SERVER ||
	    ds->mode == SML_ALERT_ONE_WAY_SERVER) {
		/* One-way from server: the client should send nothing. */
		item_status(c, cmd, luid, is_add ? SML_ITEM_ADDED : SML_OK);
		return;
	}
	if (ds->mode == SML_ALERT_SLOW) {
		if (is_del) {
			item_status(c, cmd, luid, SML_FORBIDDEN);
			return;
		}
		int ret = slow_item(c, idx, luid, data, dlen);
		item_status(c, cmd, luid,
			    ret != 0 ? SML_COMMAND_FAILED
			    : is_add ? SML_ITEM_ADDED
				     : SML_OK);
		return;
	}
	/* Two-way: directory items come back as the directory has them. */
	if (!is_add && guid_of_luid(c, idx, luid, guid, sizeof(guid))) {
		int ret = dstore_pending_put(
			c->store, c->st->tenant_id, c->token, idx, guid,
			is_del ? NULL : luid, 0,
			is_del ? DSTORE_PENDING_DEL : DSTORE_PENDING_MAP, true,
			&err);
		if (ret != 0) {
			item_status(c, cmd, luid, SML_COMMAND_FAILED);
			return;
		}
		ob_log(OB_LOG_INFO, &c->log,
		       "client %s of directory person %s: the directory's "
		       "version is sent back",
		       is_del ? "deleted" : "changed", guid);
	} else if (is_add && two_way_add(c, idx, luid, data, dlen) != 0) {
		item_status(c, cmd, luid, SML_COMMAND_FAILED);
		return;
	}
	item_status(c, cmd, luid, is_add ? SML_ITEM_ADDED : SML_OK);
}

void srv_sync_client(struct srv_ctx *c, const struct sml_node *sync)
{
	const char *target = sml_node_text(sync, "Target/LocURI");
	const char *source = sml_node_text(sync, "Source/LocURI");
	int idx;
	struct srv_ds *ds = find_ds(c, target, &idx);
	int code = SML_OK;

	if (ds == NULL)
		code = SML_NOT_FOUND;
	else if (ds->refused)
		code = SML_NOT_ALLOWED;
	srv_status(c, sml_cmd_id(sync), "Sync", target, source, code);
	for (const struct sml_node *cmd = sync->first; cmd != NULL;
	     cmd = cmd->next) {
		bool known = strcmp(cmd->name, "Add") == 0 ||
			     strcmp(cmd->name, "Replace") == 0 ||
			     strcmp(cmd->name, "Delete") == 0;
		if (!known && (strcmp(cmd->name, "Copy") == 0 ||
			       strcmp(cmd->name, "Move") == 0 ||
			       strcmp(cmd->name, "Atomic") == 0 ||
			       strcmp(cmd->name, "Sequence") == 0)) {
			srv_status(c, sml_cmd_id(cmd), cmd->name, NULL, NULL,
				   SML_NOT_SUPPORTED);
			continue;
		}
		if (!known)
			continue; /* CmdID, Target, Meta, NumberOfChanges */
		if (sml_cmd_id(cmd) == 0) {
			srv_status(c, 0, cmd->name, NULL, NULL,
				   SML_BAD_REQUEST);
			continue;
		}
		for (const struct sml_node *item = sml_node_child(cmd, "Item");
		     item != NULL; item = sml_node_next_same(item)) {
			if (code != SML_OK)
				item_status(
					c, cmd,
					sml_node_text(item, "Source/LocURI"),
					code);
			else
				client_item(c, idx, cmd, item);
		}
	}
}

/* Unknown ids of a Map named in its 404 Status, at most. */
#define MAP_UNKNOWN_LISTED 32

void srv_sync_map(struct srv_ctx *c, const struct sml_node *map)
{
	const char *target = sml_node_text(map, "Target/LocURI");
	const char *source = sml_node_text(map, "Source/LocURI");
	int idx, code = SML_OK;
	struct srv_ds *ds = find_ds(c, target, &idx);
	struct ob_err err;
	struct dstore_map_pair *pairs = NULL;
	size_t n = 0, cap = 0;

	if (ds == NULL) {
		srv_status(c, sml_cmd_id(map), "Map", target, source,
			   SML_NOT_FOUND);
		return;
	}
	/* Once the server sends its items, a Map answers Adds of this session,
	 * behind the cursor: all its items go into one row of the store,
	 * applied when the session completes, never looked up before. A Map
	 * that comes earlier (the Maps of an interrupted session, resent in
	 * package 3) decides what is still to be sent: one pending row per
	 * item, which the walk looks up. */
	bool early = !ds->sent_sync;
	struct sml_writer *w = &c->reply->statuses;
	size_t unknown = 0;
	for (const struct sml_node *mi = sml_node_child(map, "MapItem");
	     mi != NULL; mi = sml_node_next_same(mi)) {
		const char *guid = sml_node_text(mi, "Target/LocURI");
		const char *luid = sml_node_text(mi, "Source/LocURI");
		if (*guid == '\0' || *luid == '\0' ||
		    strlen(guid) >= DSTORE_DEVICE_MAX ||
		    strlen(luid) >= DSTORE_DEVICE_MAX) {
			code = SML_INCOMPLETE;
			continue;
		}
		/* Only ids we can have sent are mapped: a Map of made-up
		 * ids, or another enterprise's, writes nothing. */
		int known = dstore_person_known(c->store, c->st->tenant_id,
						guid, ds->snap_rev, &err);
		if (known < 0) {
			code = SML_COMMAND_FAILED;
			break;
		}
		if (known == 0) {
			if (unknown++ == 0 && !c->msg->hdr.no_resp) {
				sml_writer_open(w, "Status", NULL);
				sml_writer_uint(w, "CmdID",
						srv_reply_next_cmd(c->reply));
				sml_writer_uint(w, "MsgRef",
						c->msg->hdr.msg_id);
				sml_writer_uint(w, "CmdRef", sml_cmd_id(map));
				sml_writer_text(w, "Cmd", "Map");
			}
			if (unknown <= MAP_UNKNOWN_LISTED &&
			    !c->msg->hdr.no_resp)
				sml_writer_text(w, "SourceRef", luid);
			continue;
		}
		if (early) {
			if (dstore_pending_put(c->store, c->st->tenant_id,
					       c->token, idx, guid, luid,
					       ds->snap_rev, DSTORE_PENDING_MAP,
					       false, &err) != 0)
				code = SML_COMMAND_FAILED;
			else
				ds->matched++;
			continue;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct dstore_map_pair *np =
				realloc(pairs, nc * sizeof(*np));
			if (np == NULL) {
				code = SML_COMMAND_FAILED;
				break;
			}
			pairs = np;
			cap = nc;
		}
		pairs[n].guid = guid;
		pairs[n].luid = luid;
		n++;
	}
	if (unknown > 0 && !c->msg->hdr.no_resp) {
		sml_writer_uint(w, "Data", SML_NOT_FOUND);
		sml_writer_close(w);
	}
	if (unknown > 0)
		ob_log(OB_LOG_WARN, &c->log,
		       "Map of %zu ids that are no person of the enterprise: "
		       "ignored (404)",
		       unknown);
	if (code != SML_COMMAND_FAILED && n > 0 &&
	    dstore_pending_maps(c->store, c->st->tenant_id, c->token, idx,
				ds->snap_rev, pairs, n, &err) != 0)
		code = SML_COMMAND_FAILED;
	free(pairs);
	/* the status of the rest (404 went for the unknown ones) */
	if (unknown == 0 || n > 0 || code != SML_OK)
		srv_status(c, sml_cmd_id(map), "Map", target, source, code);
}

void srv_sync_status(struct srv_ctx *c, const struct sml_node *status)
{
	const char *cmd = sml_node_text(status, "Cmd");
	uint64_t code = 0;

	if (!sml_node_uint(status, "Data", 999, &code))
		return;
	if (strcmp(cmd, "Alert") == 0 && code == SML_REFRESH_REQUIRED) {
		/* The client's anchors disagree: slow sync that datastore. */
		const char *target = sml_node_text(status, "SourceRef");
		int idx;
		struct srv_ds *ds = find_ds(c, target, &idx);
		struct ob_err err;
		if (ds != NULL && ds->mode != SML_ALERT_SLOW &&
		    ds->mode != SML_ALERT_REFRESH_SERVER) {
			ds->mode = slow_variant(ds->mode);
			ds->since_rev = 0;
			(void)dstore_pending_drop(c->store, c->st->tenant_id,
						  c->token, idx, &err);
		}
		return;
	}
	if ((strcmp(cmd, "Add") == 0 || strcmp(cmd, "Replace") == 0 ||
	     strcmp(cmd, "Delete") == 0) &&
	    code >= 300 && code != 418) {
		/* An item failed on the device: finish, but sync that
		 * datastore slowly next time rather than lose it. */
		for (int i = 0; i < c->st->n_ds; i++)
			if (c->st->ds[i].sent_sync)
				c->st->ds[i].failed = true;
		ob_log(OB_LOG_WARN, &c->log, "client answered %s with %" PRIu64,
		       cmd, code);
	}
}

/* ---- server items ------------------------------------------------------ */

struct fill {
	struct srv_ctx *c;
	int idx;
	struct srv_ds *ds;
	int64_t state_id; /* committed sync state, 0 when none */
	bool full;        /* the message is full */
	bool trim;        /* render only what the client's CTCap lists */
	int error;
	char *vbuf;
	size_t vsize;
	struct sml_writer item; /* item_xml's scratch, reused */
};

/* What the device holds for guid: its LUID ("" when it has none), and
 * whether an Add of it went out earlier in this session. */
static void device_has(struct fill *f, const char *guid, char *luid,
		       size_t size, bool *sent_r)
{
	struct dstore_pending p;
	struct ob_err err;

	*luid = '\0';
	*sent_r = false;
	if (dstore_pending_find(f->c->store, f->c->st->tenant_id, f->c->token,
				f->idx, guid, NULL, &p, &err) == 0) {
		if (p.op == DSTORE_PENDING_MAP)
			ob_strlcpy(luid, p.luid, size);
		*sent_r = p.op == DSTORE_PENDING_SENT;
		return;
	}
	if (f->ds->mode == SML_ALERT_SLOW ||
	    f->ds->mode == SML_ALERT_REFRESH_SERVER || f->state_id == 0)
		return;
	(void)dstore_map_find(f->c->store, f->c->st->tenant_id, f->state_id,
			      guid, NULL, NULL, 0, luid, size, NULL, &err);
}

static int render_card(struct fill *f, const struct dstore_person *p,
		       bool photo, size_t *len_r)
{
	struct wa_card_scratch sc;
	struct vcard_contact ct;
	struct vcard_contact_options o = {0};
	struct vcard_error verr;
	int ret;

	memset(&sc, 0, sizeof(sc));
	ret = wa_person_to_contact(p, f->c->tenant.display, &sc, &ct);
	if (ret != 0)
		return ret;
	if (f->trim) {
		uint32_t has = f->c->st->client.props;
		if (!(has & SRV_PROP_TITLE))
			ct.title = NULL;
		if (!(has & SRV_PROP_ORG))
			ct.n_org = 0;
		if (!(has & SRV_PROP_ADR))
			memset(&ct.adr, 0, sizeof(ct.adr));
		if (!(has & SRV_PROP_NOTE))
			ct.note = NULL;
		if (!(has & SRV_PROP_CATEGORIES))
			ct.n_categories = 0;
		if (!(has & SRV_PROP_PHONETIC))
			ct.phonetic_family = ct.phonetic_given = NULL;
		if (!(has & SRV_PROP_TEL))
			ct.n_phones = 0;
		if (!(has & SRV_PROP_EMAIL))
			ct.n_emails = 0;
	}
	o.version = f->ds->vcard == 30 ? VCARD_V30 : VCARD_V21;
	o.include_photo = photo && f->c->srv->cfg.max_photo > 0 &&
			  !f->c->st->client.no_photo;
	o.max_photo_bytes = f->c->srv->cfg.max_photo;
	o.dialect = &f->c->st->client.dialect;
	for (;;) {
		ret = vcard_contact_write(&ct, &o, f->vbuf, f->vsize, len_r,
					  &verr);
		if (ret != VCARD_E_SPACE)
			break;
		char *nb = realloc(f->vbuf, *len_r + 1);
		if (nb == NULL) {
			ret = OB_E_NOMEM;
			break;
		}
		f->vbuf = nb;
		f->vsize = *len_r + 1;
	}
	wa_card_scratch_deinit(&sc);
	return ret == 0 ? 0 : ret == OB_E_NOMEM ? ret : OB_E_FAIL;
}

static char *item_xml(struct fill *f, enum srv_item_kind kind, const char *guid,
		      const char *luid, const char *card, size_t card_len,
		      size_t total, bool more, size_t *len_r)
{
	struct sml_writer *w = &f->item;
	const char *name = kind == SRV_ITEM_ADD       ? "Add"
			   : kind == SRV_ITEM_REPLACE ? "Replace"
						      : "Delete";

	sml_writer_reset(w);
	sml_writer_open(w, name, NULL);
	sml_writer_uint(w, "CmdID", srv_reply_next_cmd(f->c->reply));
	/* The content type is in the enclosing Sync's Meta. */
	sml_writer_open(w, "Item", NULL);
	if (total > 0) {
		/* First chunk of a large object: its whole size. */
		char size[24];
		snprintf(size, sizeof(size), "%zu", total);
		sml_writer_open(w, "Meta", NULL);
		sml_writer_text_ns(w, "Size", "syncml:metinf", size);
		sml_writer_close(w);
	}
	if (kind == SRV_ITEM_ADD) {
		sml_writer_open(w, "Source", NULL);
		sml_writer_text(w, "LocURI", guid);
		sml_writer_close(w);
	} else {
		sml_writer_open(w, "Target", NULL);
		sml_writer_text(w, "LocURI", luid);
		sml_writer_close(w);
	}
	if (kind != SRV_ITEM_DELETE)
		sml_writer_cdata(w, "Data", card, card_len);
	if (more)
		sml_writer_empty(w, "MoreData");
	sml_writer_close(w);
	sml_writer_close(w);
	size_t len;
	const char *xml = sml_writer_data(w, &len);
	char *x = NULL;
	if (sml_writer_error(w) == 0 && (x = malloc(len + 1)) != NULL) {
		memcpy(x, xml, len + 1);
		*len_r = len;
	}
	return x;
}

#define CHUNK_OVERHEAD 512 /* XML of a chunk's command around its data */

/* Bytes of item XML the message can still take. The first item is sized
 * against MaxMsgSize itself (the WBXML allowance is for many items). */
static size_t reply_room(const struct fill *f, bool first)
{
	const struct srv_reply *r = f->c->reply;
	size_t limit = first && f->c->st->max_msg < r->budget
			       ? (size_t)f->c->st->max_msg
			       : r->budget;
	size_t used = srv_reply_size(r) + ITEM_RESERVE;

	return limit > used ? limit - used : 0;
}

/* Where to cut card[0..len) at most max bytes in: never inside a UTF-8
 * sequence (each chunk is XML text) nor between CR and LF. */
static size_t safe_cut(const char *card, size_t len, size_t max)
{
	size_t n = max < len ? max : len;

	while (n > 1 && n < len &&
	       (((unsigned char)card[n] & 0xC0) == 0x80 ||
		(card[n - 1] == '\r' && card[n] == '\n')))
		n--;
	return n;
}

/* Offer one item to the message. Returns 1 when the message is full (the
 * item was not added), 2 when its first chunk was added and the message
 * is full, 0 when added or skipped, < 0 on error. */
static int offer(struct fill *f, enum srv_item_kind kind, const char *guid,
		 const char *luid, int64_t rev, int64_t cursor_before,
		 const struct dstore_person *have)
{
	struct srv_reply *r = f->c->reply;
	struct srv_item it;
	struct dstore_person p;
	struct ob_err err;
	size_t card_len = 0;
	int ret;

	memset(&it, 0, sizeof(it));
	it.ds = f->idx;
	it.kind = kind;
	it.cursor_before = cursor_before;
	ob_strlcpy(it.resend_before, f->ds->resend_after,
		   sizeof(it.resend_before));
	it.resends_done_before = f->ds->resends_done;
	it.server_done_before = f->ds->server_done;
	ob_strlcpy(it.guid, guid, sizeof(it.guid));
	ob_strlcpy(it.luid, luid, sizeof(it.luid));
	it.rev = rev;
	it.op = kind == SRV_ITEM_ADD       ? DSTORE_PENDING_SENT
		: kind == SRV_ITEM_REPLACE ? DSTORE_PENDING_MAP
					   : DSTORE_PENDING_DEL;
	bool first = r->n_items == 0;
	size_t room = reply_room(f, first);
	bool large = f->c->st->client.large_objs;
	bool photo = false;
	it.chunk_active_before = f->ds->chunk_active;
	it.chunk_off_before = f->ds->chunk_off;
	if (kind != SRV_ITEM_DELETE) {
		if (have != NULL) {
			p = *have; /* borrowed: not deinit'ed below */
		} else {
			ret = dstore_person_get(f->c->store,
						f->c->st->tenant_id, guid, true,
						&p, &err);
			if (ret == OB_E_NOTFOUND)
				return 0; /* deleted since: the next sync
					     removes it */
			if (ret != 0)
				return ret;
		}
		/* Never larger than the client's MaxObjSize; without large
		 * object support never larger than a message: drop the
		 * photo first. */
		uint64_t max_obj = f->c->st->max_obj;
		ret = render_card(f, &p, true, &card_len);
		photo = p.photo != NULL;
		if (ret == 0 && p.photo != NULL &&
		    ((max_obj > 0 && card_len > max_obj) ||
		     (!large && first && card_len + 300 > room))) {
			ret = render_card(f, &p, false, &card_len);
			photo = false;
		}
		if (have == NULL)
			dstore_person_deinit(&p);
		if (ret != 0)
			return ret;
	}
	it.xml = item_xml(f, kind, guid, luid, f->vbuf, card_len, 0, false,
			  &it.len);
	if (it.xml == NULL)
		return OB_E_NOMEM;
	if (it.len > room && !first) {
		free(it.xml);
		return 1;
	}
	if (it.len > room && large && kind != SRV_ITEM_DELETE) {
		/* A large object: send it in chunks, this message the first
		 * (OMA DS Protocol 1.2 §6.2, MoreData / 213). */
		struct srv_ds *ds = f->ds;
		free(it.xml);
		ds->chunk_active = true;
		ds->chunk_photo = photo;
		ds->chunk_kind = kind;
		ob_strlcpy(ds->chunk_guid, guid, sizeof(ds->chunk_guid));
		ob_strlcpy(ds->chunk_luid, luid, sizeof(ds->chunk_luid));
		ds->chunk_rev = rev;
		ds->chunk_total = (uint32_t)card_len;
		size_t piece = safe_cut(
			f->vbuf, card_len,
			room > CHUNK_OVERHEAD ? room - CHUNK_OVERHEAD : 256);
		it.xml = item_xml(f, kind, guid, luid, f->vbuf, piece, card_len,
				  true, &it.len);
		if (it.xml == NULL)
			return OB_E_NOMEM;
		ds->chunk_off = (uint32_t)piece;
		it.partial = true;
		ret = srv_reply_add_item(r, &it);
		return ret == 0 ? 2 : ret;
	}
	if (it.len > room && f->c->st->client.ctcap && !f->trim &&
	    kind != SRV_ITEM_DELETE) {
		/* Too big for the client: without what its CTCap does not
		 * list (it would drop those anyway), it may fit. */
		size_t was = it.len;
		free(it.xml);
		f->trim = true;
		ret = have != NULL ? 0
				   : dstore_person_get(f->c->store,
						       f->c->st->tenant_id,
						       guid, false, &p, &err);
		if (ret == 0) {
			ret = render_card(f, have != NULL ? have : &p, false,
					  &card_len);
			if (have == NULL)
				dstore_person_deinit(&p);
		}
		f->trim = false;
		if (ret != 0)
			return ret == OB_E_NOTFOUND ? 0 : ret;
		it.xml = item_xml(f, kind, guid, luid, f->vbuf, card_len, 0,
				  false, &it.len);
		if (it.xml == NULL)
			return OB_E_NOMEM;
		if (it.len <= room)
			ob_log(OB_LOG_DEBUG, &f->c->log,
			       "person %s sent with its CTCap's properties "
			       "only "
			       "(%zu bytes instead of %zu)",
			       guid, it.len, was);
	}
	if (it.len > room) {
		free(it.xml);
		/* Too big even alone in a message: skip it, loudly. */
		ob_log(OB_LOG_WARN, &f->c->log,
		       "person %s does not fit the client's MaxMsgSize "
		       "(%zu bytes, %zu free): not sent",
		       guid, it.len, room);
		f->ds->failed = true;
		return 0;
	}
	return srv_reply_add_item(r, &it);
}

/* Send the next chunk of the large object in progress. Returns 1 when
 * the message is full after it, 0 when the object is complete. */
static int continue_chunk(struct fill *f)
{
	struct srv_ds *ds = f->ds;
	struct srv_reply *r = f->c->reply;
	struct dstore_person p;
	struct srv_item it;
	struct ob_err err;
	size_t card_len = 0;
	int ret;

	ret = dstore_person_get(f->c->store, f->c->st->tenant_id,
				ds->chunk_guid, true, &p, &err);
	if (ret == 0) {
		ret = render_card(f, &p, ds->chunk_photo, &card_len);
		dstore_person_deinit(&p);
	}
	if (ret == 0 && card_len != ds->chunk_total)
		ret = OB_E_GONE;
	if (ret != 0) {
		/* Changed or gone in the middle: the client drops the
		 * partial item; resync this datastore next time. */
		ob_log(OB_LOG_WARN, &f->c->log,
		       "large object %s changed while being sent",
		       ds->chunk_guid);
		ds->chunk_active = false;
		ds->failed = true;
		return ret == OB_E_NOMEM ? ret : 0;
	}
	memset(&it, 0, sizeof(it));
	it.ds = f->idx;
	it.kind = (enum srv_item_kind)ds->chunk_kind;
	it.cursor_before = ds->cursor;
	ob_strlcpy(it.resend_before, ds->resend_after,
		   sizeof(it.resend_before));
	it.resends_done_before = ds->resends_done;
	it.server_done_before = ds->server_done;
	it.chunk_active_before = true;
	it.chunk_off_before = ds->chunk_off;
	ob_strlcpy(it.guid, ds->chunk_guid, sizeof(it.guid));
	ob_strlcpy(it.luid, ds->chunk_luid, sizeof(it.luid));
	it.rev = ds->chunk_rev;
	it.op = it.kind == SRV_ITEM_ADD ? DSTORE_PENDING_SENT
					: DSTORE_PENDING_MAP;
	size_t room = reply_room(f, r->n_items == 0);
	size_t rest = card_len - ds->chunk_off;
	bool last = rest + CHUNK_OVERHEAD <= room;
	size_t piece =
		last ? rest
		     : safe_cut(f->vbuf + ds->chunk_off, rest,
				room > CHUNK_OVERHEAD ? room - CHUNK_OVERHEAD
						      : 256);
	it.xml = item_xml(f, it.kind, it.guid, it.luid, f->vbuf + ds->chunk_off,
			  piece, 0, !last, &it.len);
	if (it.xml == NULL)
		return OB_E_NOMEM;
	it.partial = !last;
	ret = srv_reply_add_item(r, &it);
	if (ret != 0)
		return ret;
	ds->chunk_off += (uint32_t)piece;
	if (last)
		ds->chunk_active = false;
	return last ? 0 : 1;
}

/* What a walk callback returns after offer(): 1 stops the walk (message
 * full, or an error kept in f->error); the cursor moves past the person
 * once its item is in the message (or skipped). */
static int after_offer(struct fill *f, int ret, int64_t person_id)
{
	if (ret < 0)
		f->error = ret;
	else if (ret > 0)
		f->full = true;
	if (ret == 0 || ret == 2)
		f->ds->cursor = person_id;
	return ret != 0;
}

static int fill_change(const struct dstore_change *ch, void *ctx)
{
	struct fill *f = ctx;
	char luid[DSTORE_DEVICE_MAX];
	bool sent;
	int ret = 0;

	if (ch->person_id <= f->ds->cursor)
		return 0;
	int64_t before = f->ds->cursor;
	device_has(f, ch->uid, luid, sizeof(luid), &sent);
	if (ch->kind == DSTORE_CHANGE_REMOVE) {
		if (*luid != '\0')
			ret = offer(f, SRV_ITEM_DELETE, ch->uid, luid, ch->rev,
				    before, NULL);
	} else if (*luid != '\0') {
		ret = offer(f, SRV_ITEM_REPLACE, ch->uid, luid, ch->rev, before,
			    NULL);
	} else if (!sent) {
		ret = offer(f, SRV_ITEM_ADD, ch->uid, "", ch->rev, before,
			    NULL);
	}
	return after_offer(f, ret, ch->person_id);
}

static int fill_person(const struct dstore_person *p, void *ctx)
{
	struct fill *f = ctx;
	char luid[DSTORE_DEVICE_MAX];
	bool sent;
	int ret = 0;
	int64_t before = f->ds->cursor;

	/* In a slow sync only cards the client sent can be mapped; a
	 * refresh starts from nothing. */
	if (f->ds->matched > 0)
		device_has(f, p->uid, luid, sizeof(luid), &sent);
	else
		*luid = '\0', sent = false;
	if (*luid != '\0')
		ret = offer(f, SRV_ITEM_REPLACE, p->uid, luid, p->rev, before,
			    p);
	else if (!sent)
		ret = offer(f, SRV_ITEM_ADD, p->uid, "", p->rev, before, p);
	return after_offer(f, ret, p->id);
}

static int fill_resend(const struct dstore_pending *pd, void *ctx)
{
	struct fill *f = ctx;
	int ret;
	const char *before = f->ds->resend_after;
	char saved[DSTORE_DEVICE_MAX];

	ob_strlcpy(saved, before, sizeof(saved));
	if (pd->guid[0] == DELETE_KEY && pd->op == DSTORE_PENDING_DEL)
		ret = offer(f, SRV_ITEM_DELETE, pd->guid, pd->luid, 0,
			    f->ds->cursor, NULL);
	else if (!in_view(f->c, f->ds, pd->guid))
		ret = 0; /* gone from the view: the change log removes it */
	else if (pd->op == DSTORE_PENDING_MAP && *pd->luid != '\0')
		ret = offer(f, SRV_ITEM_REPLACE, pd->guid, pd->luid, pd->rev,
			    f->ds->cursor, NULL);
	else
		ret = offer(f, SRV_ITEM_ADD, pd->guid, "", pd->rev,
			    f->ds->cursor, NULL);
	if (ret == 1) {
		f->full = true;
		return 1;
	}
	if (ret < 0) {
		f->error = ret;
		return 1;
	}
	ob_strlcpy(f->ds->resend_after, pd->guid, sizeof(f->ds->resend_after));
	if (f->c->reply->n_items > 0)
		ob_strlcpy(f->c->reply->items[f->c->reply->n_items - 1]
				   .resend_before,
			   saved, DSTORE_DEVICE_MAX);
	if (ret == 2) {
		f->full = true;
		return 1;
	}
	return 0;
}

static int fill_ds(struct fill *f)
{
	struct srv_ctx *c = f->c;
	struct srv_ds *ds = f->ds;
	struct dstore_sync_state ss;
	struct ob_err err;
	int ret;

	f->state_id = 0;
	if (dstore_sync_get(c->store, c->st->tenant_id, c->st->account_id,
			    c->msg->hdr.source_uri, ds->key, &ss, &err) == 0)
		f->state_id = ss.id;
	if (ds->chunk_active) {
		ret = continue_chunk(f);
		if (ret < 0)
			return ret;
		if (ret == 1) {
			f->full = true;
			return 0;
		}
	}
	while (!ds->resends_done && !f->full) {
		size_t before = c->reply->n_items;
		char after[DSTORE_DEVICE_MAX];
		ob_strlcpy(after, ds->resend_after, sizeof(after));
		ret = dstore_pending_resends(c->store, c->st->tenant_id,
					     c->token, f->idx, after, PAGE,
					     fill_resend, f, &err);
		if (ret < 0 && f->error == 0)
			return ret;
		if (f->error != 0)
			return f->error;
		if (!f->full && strcmp(after, ds->resend_after) == 0 &&
		    c->reply->n_items == before)
			ds->resends_done = true;
	}
	if (f->full)
		return 0;
	if (ds->mode == SML_ALERT_SLOW ||
	    ds->mode == SML_ALERT_REFRESH_SERVER) {
		while (!f->full) {
			struct dstore_iter_opts o = {
				.unit_id = ds->unit_id,
				.after_id = ds->cursor,
				.limit = PAGE,
				.with_photo = c->srv->cfg.max_photo > 0 &&
					      !c->st->client.no_photo,
			};
			int64_t start = ds->cursor;
			ret = dstore_person_iter(c->store, c->st->tenant_id, &o,
						 fill_person, f, &err);
			if (ret < 0 && f->error == 0)
				return ret;
			if (f->error != 0)
				return f->error;
			if (!f->full && ds->cursor == start)
				break; /* no one left */
		}
	} else {
		int64_t upto;
		ret = dstore_changes_since(c->store, c->st->tenant_id,
					   ds->since_rev, ds->unit_id,
					   fill_change, f, &upto, &err);
		if (ret == OB_E_GONE) {
			/* Pruned between the alert and now: too late for a
			 * 508; finish and resync slowly next time. */
			ds->failed = true;
			ret = 0;
		}
		if (ret < 0 && f->error == 0)
			return ret;
		if (f->error != 0)
			return f->error;
	}
	if (!f->full)
		ds->server_done = true;
	return 0;
}

int srv_sync_fill(struct srv_ctx *c)
{
	struct fill f = {.c = c};
	int ret = 0;

	f.vsize = 8192;
	f.vbuf = malloc(f.vsize);
	if (f.vbuf == NULL)
		return OB_E_NOMEM;
	sml_writer_init(&f.item, 64u << 20);
	for (int i = 0; i < c->st->n_ds && ret == 0 && !f.full; i++) {
		struct srv_ds *ds = &c->st->ds[i];
		if (ds->refused || ds->server_done)
			continue;
		f.idx = i;
		f.ds = ds;
		ret = srv_reply_open_sync(c->reply, i, ds->client_uri, ds->uri,
					  ds->vcard == 30 ? "text/vcard"
							  : "text/x-vcard");
		if (ret == 0) {
			ds->sent_sync = true;
			ret = fill_ds(&f);
		}
	}
	free(f.vbuf);
	sml_writer_deinit(&f.item);
	return ret;
}

void srv_sync_unsend(struct srv_ctx *c, const struct srv_item *it)
{
	struct srv_ds *ds = &c->st->ds[it->ds];

	ds->cursor = it->cursor_before;
	ob_strlcpy(ds->resend_after, it->resend_before,
		   sizeof(ds->resend_after));
	ds->resends_done = it->resends_done_before;
	ds->server_done = it->server_done_before;
	ds->chunk_active = it->chunk_active_before;
	ds->chunk_off = it->chunk_off_before;
}

int srv_sync_record(struct srv_ctx *c)
{
	struct ob_err err;

	for (size_t i = 0; i < c->reply->n_items; i++) {
		const struct srv_item *it = &c->reply->items[i];
		struct srv_ds *ds = &c->st->ds[it->ds];
		bool full = ds->mode == SML_ALERT_SLOW ||
			    ds->mode == SML_ALERT_REFRESH_SERVER;
		if (it->partial)
			continue; /* recorded with its last chunk */
		/* A slow sync walks the directory once in id order: nothing
		 * can be offered twice, so its Adds need no "sent" row (the
		 * client's Map makes the row). */
		int ret = full && it->kind == SRV_ITEM_ADD
				  ? 0
				  : dstore_pending_put(
					    c->store, c->st->tenant_id,
					    c->token, it->ds, it->guid,
					    it->kind == SRV_ITEM_ADD ? NULL
								     : it->luid,
					    it->rev, it->op, false, &err);
		if (ret != 0)
			return ret;
		/* A resend went out: clear its flag by rewriting the row. */
		if (it->kind == SRV_ITEM_ADD)
			ds->adds++;
		else if (it->kind == SRV_ITEM_REPLACE)
			ds->replaces++;
		else
			ds->deletes++;
	}
	return 0;
}

int srv_sync_commit(struct srv_ctx *c)
{
	struct ob_err err;

	for (int i = 0; i < c->st->n_ds; i++) {
		struct srv_ds *ds = &c->st->ds[i];
		struct dstore_sync_state ss;
		bool replace = ds->mode == SML_ALERT_SLOW ||
			       ds->mode == SML_ALERT_REFRESH_SERVER;
		if (ds->refused)
			continue;
		if (dstore_sync_get(c->store, c->st->tenant_id,
				    c->st->account_id, c->msg->hdr.source_uri,
				    ds->key, &ss, &err) != 0) {
			memset(&ss, 0, sizeof(ss));
			ss.account_id = c->st->account_id;
			ob_strlcpy(ss.device, c->msg->hdr.source_uri,
				   sizeof(ss.device));
			ob_strlcpy(ss.datastore, ds->key, sizeof(ss.datastore));
		}
		if (!ds->failed) {
			ob_strlcpy(ss.client_last, ds->client_next,
				   sizeof(ss.client_last));
			ob_strlcpy(ss.server_last, ds->server_next,
				   sizeof(ss.server_last));
			ss.rev = ds->snap_rev;
			ss.force_slow = false;
		} else {
			ss.force_slow = true;
		}
		ss.last_sync = ob_wall_s();
		snprintf(ss.client_info, sizeof(ss.client_info), "%s %s %s",
			 c->st->client.man, c->st->client.mod,
			 c->st->client.swv);
		int ret =
			dstore_sync_put(c->store, c->st->tenant_id, &ss, &err);
		if (ret == 0)
			ret = dstore_pending_commit(c->store, c->st->tenant_id,
						    c->token, i, ss.id, replace,
						    &err);
		if (ret != 0) {
			ob_log(OB_LOG_ERROR, &c->log,
			       "cannot store sync state: %s", err.msg);
			return ret;
		}
	}
	return 0;
}
