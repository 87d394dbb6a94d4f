/* The engine's outbox (sync-shared.h): the server's items of package 4,
 * as many as fit each message (MaxMsgSize, MaxObjSize, large objects in
 * chunks with MoreData, OMA DS Protocol 1.2 §6.2), from the change feed
 * (dirfeed/feed.h: its changes for a fast sync, its listing for a slow
 * one) and the resends a client's changes asked for; an item taken back
 * from a full reply, and the pending rows of the items that stay.
 *
 * Promises: cards in the client's vCard version and dialect, without the
 * photo when it would pass MaxObjSize, with only its CTCap's properties
 * when that makes it fit; a card too big even so is skipped with a
 * warning and the datastore marked failed, never cut. Never: commits
 * anchors or maps (sync-commit.c), reads client items. */
#include "config.h"
#include "dirstore/syncml-state.h"
#include "syncml-server/sync-shared.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dircard/dircard.h"
#include "dirfeed/feed.h"
#include "syncml/writer.h"
#include "util/str.h"
#include "vcard/vcard.h"

#define ITEM_RESERVE 64 /* bytes kept free for closing tags */
#define PAGE 64         /* people read per store call */

/* The CTCap bits (devinf.h) are the renderer's trim bits. */
_Static_assert((unsigned)SRV_PROP_TITLE == (unsigned)DCARD_PROP_TITLE,
	       "SRV_PROP_TITLE");
_Static_assert((unsigned)SRV_PROP_ORG == (unsigned)DCARD_PROP_ORG,
	       "SRV_PROP_ORG");
_Static_assert((unsigned)SRV_PROP_ADR == (unsigned)DCARD_PROP_ADR,
	       "SRV_PROP_ADR");
_Static_assert((unsigned)SRV_PROP_NOTE == (unsigned)DCARD_PROP_NOTE,
	       "SRV_PROP_NOTE");
_Static_assert((unsigned)SRV_PROP_CATEGORIES == (unsigned)DCARD_PROP_CATEGORIES,
	       "SRV_PROP_CATEGORIES");
_Static_assert((unsigned)SRV_PROP_PHONETIC == (unsigned)DCARD_PROP_PHONETIC,
	       "SRV_PROP_PHONETIC");
_Static_assert((unsigned)SRV_PROP_TEL == (unsigned)DCARD_PROP_TEL,
	       "SRV_PROP_TEL");
_Static_assert((unsigned)SRV_PROP_EMAIL == (unsigned)DCARD_PROP_EMAIL,
	       "SRV_PROP_EMAIL");

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
	if (srv_store_check(f->c,
			    dstore_pending_find(
				    f->c->store, f->c->st->tenant_id,
				    f->c->token, f->idx, guid, NULL, &p, &err),
			    &err) == 0) {
		if (p.op == DSTORE_PENDING_MAP)
			ob_strlcpy(luid, p.luid, size);
		*sent_r = p.op == DSTORE_PENDING_SENT;
		return;
	}
	if (f->ds->mode == SML_ALERT_SLOW ||
	    f->ds->mode == SML_ALERT_REFRESH_SERVER || f->state_id == 0)
		return;
	(void)srv_store_check(f->c,
			      dstore_map_find(f->c->store, f->c->st->tenant_id,
					      f->state_id, guid, NULL, NULL, 0,
					      luid, size, NULL, &err),
			      &err);
}

static int render_card(struct fill *f, const struct dstore_person *p,
		       bool photo, size_t *len_r)
{
	struct dcard_render_opts o = {0};
	struct dcard_buf b = {f->vbuf, f->vsize};
	struct ob_err err;
	int ret;

	o.trim = f->trim;
	o.props = f->c->st->client.props;
	o.version = f->ds->vcard == 30 ? VCARD_V30 : VCARD_V21;
	o.photo = photo && f->c->srv->cfg.max_photo > 0 &&
		  !f->c->st->client.no_photo;
	o.max_photo_bytes = f->c->srv->cfg.max_photo;
	o.photo_edge = f->c->srv->cfg.photo_edge;
	o.thumbs = f->c->store;
	o.thumb_tenant = f->c->st->tenant_id;
	o.dialect = &f->c->st->client.dialect;
	ret = dcard_render_person(p, f->c->tenant.display, &o, &b, len_r, &err);
	f->vbuf = b.data;
	f->vsize = b.size;
	return ret;
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

/* What offer() and continue_chunk() did with an item; they return one of
 * these, or a negative OB_E_* on error. */
enum offer_result {
	OFFER_TAKEN = 0,     /* in the message, or skipped for good */
	OFFER_FULL = 1,      /* not added: the message is full */
	OFFER_CHUNK_SENT = 2 /* a chunk of it added, the rest follows in the
				next message: this one is full */
};

/* The item's fields, with the datastore's position before it (what
 * srv_sync_unsend restores). */
static void item_init(struct fill *f, struct srv_item *it,
		      enum srv_item_kind kind, const char *guid,
		      const char *luid, int64_t rev, int64_t cursor_before)
{
	memset(it, 0, sizeof(*it));
	it->ds = f->idx;
	it->kind = kind;
	it->cursor_before = cursor_before;
	ob_strlcpy(it->resend_before, f->ds->resend_after,
		   sizeof(it->resend_before));
	it->resends_done_before = f->ds->resends_done;
	it->server_done_before = f->ds->server_done;
	ob_strlcpy(it->guid, guid, sizeof(it->guid));
	ob_strlcpy(it->luid, luid, sizeof(it->luid));
	it->rev = rev;
	it->op = kind == SRV_ITEM_ADD       ? DSTORE_PENDING_SENT
		 : kind == SRV_ITEM_REPLACE ? DSTORE_PENDING_MAP
					    : DSTORE_PENDING_DEL;
	it->chunk_active_before = f->ds->chunk_active;
	it->chunk_off_before = f->ds->chunk_off;
}

/* The card of guid (have, else read from the store) into f->vbuf. Never
 * larger than the client's MaxObjSize; without large object support never
 * larger than a message: the photo is dropped first. *gone_r when the
 * person was deleted since (the next sync removes it). */
static int render_offered(struct fill *f, const char *guid,
			  const struct dstore_person *have, bool first,
			  size_t room, size_t *card_len_r, bool *photo_r,
			  bool *gone_r)
{
	struct dstore_person p;
	struct ob_err err;
	bool large = f->c->st->client.large_objs;
	uint64_t max_obj = f->c->st->max_obj;
	int ret;

	*gone_r = false;
	if (have != NULL) {
		p = *have; /* borrowed: not deinit'ed below */
	} else {
		ret = dstore_person_get(f->c->store, f->c->st->tenant_id, guid,
					true, &p, &err);
		if (ret == OB_E_NOTFOUND) {
			*gone_r = true;
			return 0;
		}
		if (ret != 0)
			return ret;
	}
	ret = render_card(f, &p, true, card_len_r);
	*photo_r = p.photo != NULL;
	if (ret == 0 && p.photo != NULL &&
	    ((max_obj > 0 && *card_len_r > max_obj) ||
	     (!large && first && *card_len_r + 300 > room))) {
		ret = render_card(f, &p, false, card_len_r);
		*photo_r = false;
	}
	if (have == NULL)
		dstore_person_deinit(&p);
	return ret;
}

/* A large object: its first chunk goes in this message (OMA DS Protocol
 * 1.2 §6.2, MoreData / 213), the rest is the datastore's chunk_*. */
static int offer_first_chunk(struct fill *f, struct srv_item *it,
			     enum srv_item_kind kind, const char *guid,
			     const char *luid, int64_t rev, size_t card_len,
			     bool photo, size_t room)
{
	struct srv_ds *ds = f->ds;
	int ret;

	free(it->xml);
	ds->chunk_active = true;
	ds->chunk_photo = photo;
	ds->chunk_kind = kind;
	ob_strlcpy(ds->chunk_guid, guid, sizeof(ds->chunk_guid));
	ob_strlcpy(ds->chunk_luid, luid, sizeof(ds->chunk_luid));
	ds->chunk_rev = rev;
	ds->chunk_total = (uint32_t)card_len;
	size_t piece =
		safe_cut(f->vbuf, card_len,
			 room > CHUNK_OVERHEAD ? room - CHUNK_OVERHEAD : 256);
	it->xml = item_xml(f, kind, guid, luid, f->vbuf, piece, card_len, true,
			   &it->len);
	if (it->xml == NULL)
		return OB_E_NOMEM;
	ds->chunk_off = (uint32_t)piece;
	it->partial = true;
	ret = srv_reply_add_item(f->c->reply, it);
	return ret == 0 ? OFFER_CHUNK_SENT : ret;
}

/* Too big for the client: rendered again without what its CTCap does not
 * list (it would drop those anyway), it may fit. 0 with it->xml the new
 * item; OB_E_NOTFOUND when the person is gone; another OB_E_* on error. */
static int rerender_trimmed(struct fill *f, struct srv_item *it,
			    enum srv_item_kind kind, const char *guid,
			    const char *luid, const struct dstore_person *have,
			    size_t room)
{
	struct dstore_person p;
	struct ob_err err;
	size_t card_len = 0;
	size_t was = it->len;
	int ret;

	free(it->xml);
	it->xml = NULL;
	f->trim = true;
	ret = have != NULL ? 0
			   : dstore_person_get(f->c->store, f->c->st->tenant_id,
					       guid, false, &p, &err);
	if (ret == 0) {
		ret = render_card(f, have != NULL ? have : &p, false,
				  &card_len);
		if (have == NULL)
			dstore_person_deinit(&p);
	}
	f->trim = false;
	if (ret != 0)
		return ret;
	it->xml = item_xml(f, kind, guid, luid, f->vbuf, card_len, 0, false,
			   &it->len);
	if (it->xml == NULL)
		return OB_E_NOMEM;
	if (it->len <= room)
		ob_log(OB_LOG_DEBUG, &f->c->log,
		       "person %s sent with its CTCap's properties "
		       "only "
		       "(%zu bytes instead of %zu)",
		       guid, it->len, was);
	return 0;
}

/* Offer one item to the message: an enum offer_result, or < 0 on error. */
static int offer(struct fill *f, enum srv_item_kind kind, const char *guid,
		 const char *luid, int64_t rev, int64_t cursor_before,
		 const struct dstore_person *have)
{
	struct srv_reply *r = f->c->reply;
	struct srv_item it;
	size_t card_len = 0;
	bool photo = false, gone = false;
	int ret;

	item_init(f, &it, kind, guid, luid, rev, cursor_before);
	bool first = r->n_items == 0;
	size_t room = reply_room(f, first);
	bool large = f->c->st->client.large_objs;
	if (kind != SRV_ITEM_DELETE) {
		ret = render_offered(f, guid, have, first, room, &card_len,
				     &photo, &gone);
		if (gone)
			return OFFER_TAKEN;
		if (ret != 0)
			return ret;
	}
	it.xml = item_xml(f, kind, guid, luid, f->vbuf, card_len, 0, false,
			  &it.len);
	if (it.xml == NULL)
		return OB_E_NOMEM;
	if (it.len > room && !first) {
		free(it.xml);
		return OFFER_FULL;
	}
	if (it.len > room && large && kind != SRV_ITEM_DELETE)
		return offer_first_chunk(f, &it, kind, guid, luid, rev,
					 card_len, photo, room);
	if (it.len > room && f->c->st->client.ctcap && !f->trim &&
	    kind != SRV_ITEM_DELETE) {
		ret = rerender_trimmed(f, &it, kind, guid, luid, have, room);
		if (ret == OB_E_NOTFOUND)
			return OFFER_TAKEN;
		if (ret != 0)
			return ret;
	}
	if (it.len > room) {
		free(it.xml);
		/* Too big even alone in a message: skip it, loudly. */
		ob_log(OB_LOG_WARN, &f->c->log,
		       "person %s does not fit the client's MaxMsgSize "
		       "(%zu bytes, %zu free): not sent",
		       guid, it.len, room);
		f->ds->failed = true;
		return OFFER_TAKEN;
	}
	ret = srv_reply_add_item(r, &it);
	return ret == 0 ? OFFER_TAKEN : ret;
}

/* Send the next chunk of the large object in progress: OFFER_CHUNK_SENT
 * when more follows (the message is full), OFFER_TAKEN when the object is
 * complete (or given up, changed meanwhile), < 0 on error. */
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
		return ret == OB_E_NOMEM ? ret : OFFER_TAKEN;
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
	return last ? OFFER_TAKEN : OFFER_CHUNK_SENT;
}

/* What a walk callback returns after offer(): 1 stops the walk (message
 * full, or an error kept in f->error); the cursor moves past the person
 * once its item is in the message (or skipped). */
static int after_offer(struct fill *f, int ret, int64_t person_id)
{
	if (ret < 0)
		f->error = ret;
	else if (ret == OFFER_FULL || ret == OFFER_CHUNK_SENT)
		f->full = true;
	if (ret == OFFER_TAKEN || ret == OFFER_CHUNK_SENT)
		f->ds->cursor = person_id;
	return ret != OFFER_TAKEN;
}

static int fill_change(const struct dfeed_entry *ch, void *ctx)
{
	struct fill *f = ctx;
	char luid[DSTORE_DEVICE_MAX];
	bool sent;
	int ret = OFFER_TAKEN;
	int64_t before = f->ds->cursor;

	device_has(f, ch->uid, luid, sizeof(luid), &sent);
	if (ch->kind == DFEED_REMOVE) {
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

static int fill_person(const struct dfeed_entry *e, void *ctx)
{
	const struct dstore_person *p = e->person;
	struct fill *f = ctx;
	char luid[DSTORE_DEVICE_MAX];
	bool sent;
	int ret = OFFER_TAKEN;
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
	if (pd->guid[0] == SRV_SYNC_DELETE_KEY && pd->op == DSTORE_PENDING_DEL)
		ret = offer(f, SRV_ITEM_DELETE, pd->guid, pd->luid, 0,
			    f->ds->cursor, NULL);
	else if (!srv_sync_in_view(f->c, f->ds, pd->guid))
		ret = OFFER_TAKEN; /* gone from the view: the change log
				      removes it */
	else if (pd->op == DSTORE_PENDING_MAP && *pd->luid != '\0')
		ret = offer(f, SRV_ITEM_REPLACE, pd->guid, pd->luid, pd->rev,
			    f->ds->cursor, NULL);
	else
		ret = offer(f, SRV_ITEM_ADD, pd->guid, "", pd->rev,
			    f->ds->cursor, NULL);
	if (ret == OFFER_FULL) {
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
	if (ret == OFFER_CHUNK_SENT) {
		f->full = true;
		return 1;
	}
	return 0;
}

static int fill_ds(struct fill *f)
{
	struct srv_ctx *c = f->c;
	struct srv_ds *ds = f->ds;
	struct dfeed_view view = {c->st->tenant_id, ds->unit_id};
	struct dstore_sync_state ss;
	struct ob_err err;
	int ret;

	f->state_id = 0;
	ret = dstore_sync_get(c->store, c->st->tenant_id, c->st->account_id,
			      c->msg->hdr.source_uri, ds->key, &ss, &err);
	if (ret == 0)
		f->state_id = ss.id;
	else if (ret != OB_E_NOTFOUND)
		/* without it, every card would go as an Add */
		return srv_store_check(c, ret, &err);
	if (ds->chunk_active) {
		ret = continue_chunk(f);
		if (ret < 0)
			return ret;
		if (ret == OFFER_CHUNK_SENT) {
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
			int64_t start = ds->cursor;
			ret = dfeed_list(c->store, &view, ds->cursor, PAGE,
					 c->srv->cfg.max_photo > 0 &&
						 !c->st->client.no_photo,
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
		ret = dfeed_changes(c->store, &view, ds->since_rev, ds->cursor,
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
