/* The engine's client items (sync-shared.h): the Add, Replace and Delete
 * in the client's Sync (package 3), chunked client objects, and the slow
 * sync's matching of the cards a device holds to directory people (the
 * order of the rules is below, at "the slow sync's matching").
 *
 * Promises: every item gets a Status; nothing a client sends changes the
 * directory (enforce server, sync.h): a Replace or Delete of a directory
 * person is answered with the directory's version, through pending rows
 * the outbox sends. Never: writes the reply's items (sync-outbox.c), or
 * the map and anchors (sync-commit.c). */
#include "config.h"
#include "dirstore/syncml-state.h"
#include "syncml-server/sync-shared.h"

#include <stdlib.h>
#include <string.h>

#include "dirfeed/feed.h"
#include "syncml-server/match.h"
#include "util/str.h"
#include "vcard/vcard.h"

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

	if (srv_store_check(c,
			    dstore_pending_find(c->store, c->st->tenant_id,
						c->token, idx, NULL, luid, &p,
						&err),
			    &err) == 0) {
		ob_strlcpy(guid, p.guid, size);
		return true;
	}
	if (srv_store_check(c,
			    dstore_sync_get(c->store, c->st->tenant_id,
					    c->st->account_id,
					    c->msg->hdr.source_uri, ds->key,
					    &ss, &err),
			    &err) != 0)
		return false;
	return srv_store_check(c,
			       dstore_map_find(c->store, c->st->tenant_id,
					       ss.id, NULL, luid, guid, size,
					       NULL, 0, NULL, &err),
			       &err) == 0;
}

/* Is guid a visible person of the datastore's view? */
bool srv_sync_in_view(struct srv_ctx *c, const struct srv_ds *ds,
		      const char *guid)
{
	struct dfeed_view v = {c->st->tenant_id, ds->unit_id};
	struct ob_err err;

	return srv_store_check(c, dfeed_in_view(c->store, &v, guid, &err),
			       &err) == 1;
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
 *     the retention window: a device restored from an old backup; every
 *     person it held, latest first, as a restored client reuses LUIDs);
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

	if (srv_store_check(c,
			    dstore_person_get(c->store, c->st->tenant_id, guid,
					      false, &p, &err),
			    &err) != 0 &&
	    srv_store_check(c,
			    dstore_person_departed(c->store, c->st->tenant_id,
						   guid, &p, &err),
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

	return srv_store_check(c,
			       dstore_pending_find(c->store, c->st->tenant_id,
						   c->token, idx, guid, NULL,
						   &p, &err),
			       &err) == 0 &&
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
	       srv_store_check(c,
			       dstore_person_past(c->store, c->st->tenant_id,
						  guid, past_still,
						  (void *)card, &err),
			       &err) == 1;
}

/* What to do with a card that is ours (guid by LUID or UID). */
static enum slow_verdict ours(struct srv_ctx *c, int idx, const char *guid,
			      const char *luid,
			      const struct srv_match_key *card)
{
	if (!still_person(c, guid, card))
		return SLOW_OWN;
	if (!srv_sync_in_view(c, &c->st->ds[idx], guid) ||
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
		    srv_sync_in_view(cs->c, &cs->c->st->ds[cs->idx], p->uid);
	if (view && matched_elsewhere(cs->c, cs->idx, p->uid, cs->luid, false))
		return 0; /* the next one of that name, if any */
	if (cs->unmapped &&
	    (!view || cs->state_id == 0 ||
	     srv_store_check(cs->c,
			     dstore_map_find(cs->c->store, cs->c->st->tenant_id,
					     cs->state_id, p->uid, NULL, NULL,
					     0, NULL, 0, NULL, &err),
			     &err) == 0))
		return 0;
	/* a departed person only when this device was sent it */
	if (!view &&
	    (cs->state_id == 0 ||
	     srv_store_check(cs->c,
			     dstore_map_ever(cs->c->store, cs->c->st->tenant_id,
					     cs->state_id, p->uid, &err),
			     &err) != 1))
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
			if (srv_store_check(c,
					    dstore_person_by_name(
						    c->store, c->st->tenant_id,
						    card->names[i], departed,
						    content_candidate, &cs,
						    &err),
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

	if (srv_store_check(c,
			    dstore_sync_get(c->store, c->st->tenant_id,
					    c->st->account_id,
					    c->msg->hdr.source_uri,
					    c->st->ds[idx].key, &ss, &err),
			    &err) != 0)
		return 0;
	cs.state_id = ss.id;
	if (!card_key(data, dlen, &key, NULL, 0))
		return 0;
	for (size_t i = 0; i < key.n_names; i++)
		if (srv_store_check(
			    c,
			    dstore_person_by_name(c->store, c->st->tenant_id,
						  key.names[i], false,
						  content_candidate, &cs, &err),
			    &err) == 1)
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
	if (srv_store_check(c,
			    dstore_sync_get(c->store, c->st->tenant_id,
					    c->st->account_id,
					    c->msg->hdr.source_uri, ds->key,
					    &ss, &err),
			    &err) == 0)
		state_id = ss.id;
	if (guid_of_luid(c, idx, luid, guid, sizeof(guid))) {
		if (guid[0] == SRV_SYNC_DELETE_KEY)
			return 0; /* sent again: its Delete is decided */
		how = "id map";
		v = ours(c, idx, guid, luid, &key);
	}
	if (v == SLOW_OWN && *uid != '\0') {
		ob_strlcpy(guid, uid, sizeof(guid));
		how = "UID";
		v = ours(c, idx, guid, luid, &key);
	}
	char(*held)[DSTORE_DEVICE_MAX] = NULL;
	size_t n_held = 0;
	if (v == SLOW_OWN && state_id != 0 &&
	    srv_store_check(c,
			    dstore_map_history(c->store, c->st->tenant_id,
					       state_id, luid, &held, &n_held,
					       &err),
			    &err) == 0) {
		how = "map history";
		/* latest first: the person the card still looks like */
		for (size_t i = 0; i < n_held && v == SLOW_OWN; i++) {
			ob_strlcpy(guid, held[i], sizeof(guid));
			v = ours(c, idx, guid, luid, &key);
		}
	}
	free(held);
	if (v == SLOW_OWN) {
		how = "content";
		v = by_content(c, idx, state_id, luid, &key, guid,
			       sizeof(guid));
	}
	if (v == SLOW_OWN)
		ob_log(OB_LOG_DEBUG, &c->log,
		       "slow sync: card %s left as the user's own: no person "
		       "it looks like by id map or UID, among the %zu earlier "
		       "holders of its LUID, or by content",
		       luid, n_held);
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
		del[0] = SRV_SYNC_DELETE_KEY;
		ob_strlcpy(del + 1, luid, sizeof(del) - 1);
		ob_log(OB_LOG_INFO, &c->log,
		       "slow sync: card %s is person %s (by %s), %s: deleted "
		       "on the device",
		       luid, guid, how,
		       srv_sync_in_view(c, ds, guid) ? "on the device twice"
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
	struct srv_ds *ds = srv_sync_find_ds(c, target, &idx);
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
