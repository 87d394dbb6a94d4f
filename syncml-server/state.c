/* The session state's stored bytes, version 1 (see state.h). */
#include "config.h"

#include "syncml-server/state.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char state_magic[4] = {'O', 'B', 'S', 'T'};

/* ---- writing ------------------------------------------------------------ */

struct wr {
	unsigned char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct wr *w, const void *data, size_t n)
{
	if (w->oom)
		return;
	if (w->cap - w->len < n) {
		size_t cap = w->cap == 0 ? 1024 : w->cap;
		while (cap - w->len < n)
			cap *= 2;
		unsigned char *p = realloc(w->p, cap);
		if (p == NULL) {
			w->oom = true;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, data, n);
	w->len += n;
}

static void put_le(struct wr *w, uint64_t v, size_t n)
{
	unsigned char b[8];
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put(w, b, n);
}

static void put_u8(struct wr *w, unsigned v)
{
	put_le(w, v, 1);
}

static void put_bool(struct wr *w, bool v)
{
	put_le(w, v ? 1 : 0, 1);
}

static void put_u32(struct wr *w, uint32_t v)
{
	put_le(w, v, 4);
}

static void put_i32(struct wr *w, int v)
{
	put_le(w, (uint32_t)(int32_t)v, 4);
}

static void put_u64(struct wr *w, uint64_t v)
{
	put_le(w, v, 8);
}

static void put_i64(struct wr *w, int64_t v)
{
	put_le(w, (uint64_t)v, 8);
}

/* A NUL-terminated field of size bytes: its length (<= 65535) and bytes. */
static void put_str(struct wr *w, const char *s, size_t size)
{
	size_t n = strnlen(s, size);
	OB_ASSERT(n < size && n <= 0xffff);
	put_le(w, n, 2);
	put(w, s, n);
}

#define PUT_STR(w, field) put_str((w), (field), sizeof(field))

static void put_client(struct wr *w, const struct srv_client_info *ci)
{
	put_bool(w, ci->present);
	put_i32(w, ci->vcard);
	put_bool(w, ci->large_objs);
	put_bool(w, ci->no_photo);
	put_bool(w, ci->ctcap);
	put_u32(w, ci->props);
	put_u64(w, ci->max_guid);
	put_bool(w, ci->strtbl);
	PUT_STR(w, ci->man);
	PUT_STR(w, ci->mod);
	PUT_STR(w, ci->swv);
	put_bool(w, ci->dialect.no_fold);
	put_bool(w, ci->dialect.qp_unfolded);
	put_bool(w, ci->dialect.latin1);
	put_u32(w, ci->dialect.org_max);
	OB_ASSERT(ci->dialect.n_limits <= VCARD_DIALECT_LIMITS);
	put_u32(w, (uint32_t)ci->dialect.n_limits);
	for (size_t i = 0; i < ci->dialect.n_limits; i++) {
		PUT_STR(w, ci->dialect.limits[i].name);
		put_u32(w, ci->dialect.limits[i].max);
	}
}

static void put_ds(struct wr *w, const struct srv_ds *ds)
{
	PUT_STR(w, ds->uri);
	PUT_STR(w, ds->client_uri);
	PUT_STR(w, ds->key);
	put_i64(w, ds->unit_id);
	put_i32(w, ds->mode);
	put_bool(w, ds->refused);
	PUT_STR(w, ds->client_next);
	PUT_STR(w, ds->server_last);
	PUT_STR(w, ds->server_next);
	put_i64(w, ds->since_rev);
	put_i64(w, ds->snap_rev);
	put_bool(w, ds->failed);
	put_bool(w, ds->server_done);
	put_bool(w, ds->sent_sync);
	put_i64(w, ds->cursor);
	PUT_STR(w, ds->resend_after);
	put_bool(w, ds->resends_done);
	put_i32(w, ds->vcard);
	put_u32(w, ds->adds);
	put_u32(w, ds->replaces);
	put_u32(w, ds->deletes);
	put_u32(w, ds->client_items);
	put_u32(w, ds->matched);
	put_bool(w, ds->chunk_active);
	put_bool(w, ds->chunk_photo);
	put_i32(w, ds->chunk_kind);
	PUT_STR(w, ds->chunk_guid);
	PUT_STR(w, ds->chunk_luid);
	put_i64(w, ds->chunk_rev);
	put_u32(w, ds->chunk_off);
	put_u32(w, ds->chunk_total);
}

static void put_state(struct wr *w, const struct srv_state *st)
{
	put(w, state_magic, sizeof(state_magic));
	put_u8(w, SRV_STATE_VERSION);
	put_i32(w, st->version);
	put_bool(w, st->wbxml);
	put_u64(w, st->max_msg);
	put_u64(w, st->max_obj);
	put_u64(w, st->server_msg_id);
	put_bool(w, st->authed);
	put_i64(w, st->tenant_id);
	put_i64(w, st->account_id);
	PUT_STR(w, st->login);
	put_client(w, &st->client);
	put_i32(w, st->phase);
	put_u64(w, st->started_ms);
	put_bool(w, st->asked_devinf);
	put_u32(w, st->wbxml_permille);
	put_u64(w, st->last_req_hash);
	OB_ASSERT(st->n_ds >= 0 && st->n_ds <= SRV_DS_MAX);
	put_u8(w, (unsigned)st->n_ds);
	for (int i = 0; i < st->n_ds; i++)
		put_ds(w, &st->ds[i]);
}

int srv_state_encode(const struct srv_state *st, unsigned char **blob_r,
		     size_t *len_r, struct ob_err *err)
{
	struct wr w = {0};

	put_state(&w, st);
	if (w.oom) {
		free(w.p);
		return ob_err_set(err, OB_E_NOMEM,
				  "out of memory encoding the session state");
	}
	*blob_r = w.p;
	*len_r = w.len;
	return 0;
}

/* ---- reading ------------------------------------------------------------ */

/* The first failure is kept (field and offset); later reads do nothing. */
struct rd {
	const unsigned char *p;
	size_t len, off;
	bool bad;
	const char *field;
	size_t bad_off;
	const char *why;
};

static void fail(struct rd *r, const char *field, const char *why)
{
	if (r->bad)
		return;
	r->bad = true;
	r->field = field;
	r->bad_off = r->off;
	r->why = why;
}

static uint64_t get_le(struct rd *r, size_t n, const char *field)
{
	uint64_t v = 0;
	if (r->bad)
		return 0;
	if (r->len - r->off < n) {
		fail(r, field, "truncated");
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)r->p[r->off + i] << (8 * i);
	r->off += n;
	return v;
}

static bool get_bool(struct rd *r, const char *field)
{
	size_t at = r->off;
	uint64_t v = get_le(r, 1, field);
	if (v > 1) {
		r->off = at;
		fail(r, field, "a boolean that is not 0 or 1");
	}
	return v == 1;
}

static uint32_t get_u32(struct rd *r, const char *field)
{
	return (uint32_t)get_le(r, 4, field);
}

static int get_i32(struct rd *r, const char *field)
{
	return (int)(int32_t)(uint32_t)get_le(r, 4, field);
}

static uint64_t get_u64(struct rd *r, const char *field)
{
	return get_le(r, 8, field);
}

static int64_t get_i64(struct rd *r, const char *field)
{
	return (int64_t)get_le(r, 8, field);
}

static void get_str(struct rd *r, char *dst, size_t size, const char *field)
{
	size_t at = r->off;
	size_t n = (size_t)get_le(r, 2, field);
	if (r->bad)
		return;
	if (n >= size) {
		r->off = at;
		fail(r, field, "a string longer than its field");
		return;
	}
	if (r->len - r->off < n) {
		fail(r, field, "truncated");
		return;
	}
	if (memchr(r->p + r->off, '\0', n) != NULL) {
		fail(r, field, "a NUL inside a string");
		return;
	}
	memcpy(dst, r->p + r->off, n);
	dst[n] = '\0';
	r->off += n;
}

#define GET_STR(r, field) get_str((r), (field), sizeof(field), #field)

static void get_client(struct rd *r, struct srv_client_info *ci)
{
	ci->present = get_bool(r, "client.present");
	ci->vcard = get_i32(r, "client.vcard");
	ci->large_objs = get_bool(r, "client.large_objs");
	ci->no_photo = get_bool(r, "client.no_photo");
	ci->ctcap = get_bool(r, "client.ctcap");
	ci->props = get_u32(r, "client.props");
	ci->max_guid = get_u64(r, "client.max_guid");
	ci->strtbl = get_bool(r, "client.strtbl");
	GET_STR(r, ci->man);
	GET_STR(r, ci->mod);
	GET_STR(r, ci->swv);
	ci->dialect.no_fold = get_bool(r, "dialect.no_fold");
	ci->dialect.qp_unfolded = get_bool(r, "dialect.qp_unfolded");
	ci->dialect.latin1 = get_bool(r, "dialect.latin1");
	ci->dialect.org_max = get_u32(r, "dialect.org_max");
	size_t at = r->off;
	uint32_t n = get_u32(r, "dialect.n_limits");
	if (n > VCARD_DIALECT_LIMITS) {
		r->off = at;
		fail(r, "dialect.n_limits", "more limits than the dialect has");
		return;
	}
	ci->dialect.n_limits = n;
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		GET_STR(r, ci->dialect.limits[i].name);
		ci->dialect.limits[i].max = get_u32(r, "dialect.limits.max");
	}
}

static void get_ds(struct rd *r, struct srv_ds *ds)
{
	GET_STR(r, ds->uri);
	GET_STR(r, ds->client_uri);
	GET_STR(r, ds->key);
	ds->unit_id = get_i64(r, "ds.unit_id");
	ds->mode = get_i32(r, "ds.mode");
	ds->refused = get_bool(r, "ds.refused");
	GET_STR(r, ds->client_next);
	GET_STR(r, ds->server_last);
	GET_STR(r, ds->server_next);
	ds->since_rev = get_i64(r, "ds.since_rev");
	ds->snap_rev = get_i64(r, "ds.snap_rev");
	ds->failed = get_bool(r, "ds.failed");
	ds->server_done = get_bool(r, "ds.server_done");
	ds->sent_sync = get_bool(r, "ds.sent_sync");
	ds->cursor = get_i64(r, "ds.cursor");
	GET_STR(r, ds->resend_after);
	ds->resends_done = get_bool(r, "ds.resends_done");
	ds->vcard = get_i32(r, "ds.vcard");
	ds->adds = get_u32(r, "ds.adds");
	ds->replaces = get_u32(r, "ds.replaces");
	ds->deletes = get_u32(r, "ds.deletes");
	ds->client_items = get_u32(r, "ds.client_items");
	ds->matched = get_u32(r, "ds.matched");
	ds->chunk_active = get_bool(r, "ds.chunk_active");
	ds->chunk_photo = get_bool(r, "ds.chunk_photo");
	ds->chunk_kind = get_i32(r, "ds.chunk_kind");
	GET_STR(r, ds->chunk_guid);
	GET_STR(r, ds->chunk_luid);
	ds->chunk_rev = get_i64(r, "ds.chunk_rev");
	ds->chunk_off = get_u32(r, "ds.chunk_off");
	ds->chunk_total = get_u32(r, "ds.chunk_total");
}

static void get_state(struct rd *r, struct srv_state *st)
{
	st->version = get_i32(r, "version");
	st->wbxml = get_bool(r, "wbxml");
	st->max_msg = get_u64(r, "max_msg");
	st->max_obj = get_u64(r, "max_obj");
	st->server_msg_id = get_u64(r, "server_msg_id");
	st->authed = get_bool(r, "authed");
	st->tenant_id = get_i64(r, "tenant_id");
	st->account_id = get_i64(r, "account_id");
	GET_STR(r, st->login);
	get_client(r, &st->client);
	size_t at = r->off;
	st->phase = get_i32(r, "phase");
	if (!r->bad &&
	    (st->phase < SRV_PHASE_INIT || st->phase > SRV_PHASE_DONE)) {
		r->off = at;
		fail(r, "phase", "not a session phase");
	}
	st->started_ms = get_u64(r, "started_ms");
	st->asked_devinf = get_bool(r, "asked_devinf");
	st->wbxml_permille = get_u32(r, "wbxml_permille");
	st->last_req_hash = get_u64(r, "last_req_hash");
	at = r->off;
	uint64_t n = get_le(r, 1, "n_ds");
	if (n > SRV_DS_MAX) {
		r->off = at;
		fail(r, "n_ds", "more datastores than a session has");
		return;
	}
	st->n_ds = (int)n;
	for (int i = 0; i < st->n_ds && !r->bad; i++)
		get_ds(r, &st->ds[i]);
}

int srv_state_decode(const unsigned char *blob, size_t len,
		     struct srv_state *st_r, struct ob_err *err)
{
	struct rd r = {.p = blob, .len = len};

	memset(st_r, 0, sizeof(*st_r));
	if (len < sizeof(state_magic) + 1 ||
	    memcmp(blob, state_magic, sizeof(state_magic)) != 0)
		return ob_err_set(err, OB_E_VERSION,
				  "not a versioned session state (%zu bytes; "
				  "an older build's layout, or not a state)",
				  len);
	if (blob[sizeof(state_magic)] != SRV_STATE_VERSION)
		return ob_err_set(err, OB_E_VERSION,
				  "session state version %u, this build reads "
				  "version %d",
				  (unsigned)blob[sizeof(state_magic)],
				  SRV_STATE_VERSION);
	r.off = sizeof(state_magic) + 1;
	get_state(&r, st_r);
	if (!r.bad && r.off != r.len)
		fail(&r, "end", "bytes after the last field");
	if (r.bad) {
		memset(st_r, 0, sizeof(*st_r));
		return ob_err_set(err, OB_E_PARSE,
				  "damaged session state: %s at %s (byte %zu "
				  "of %zu)",
				  r.why, r.field, r.bad_off, len);
	}
	return 0;
}
