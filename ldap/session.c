/* ldap/session.c: one LDAP connection's protocol (see session.h). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ldap/proto.h"
#include "ldap/session.h"
#include "util/str.h"

#define NOTE_MAX 320
/* Paged-results cookie: version, mode, key or offset, entries sent so
 * far, the enterprise, a hash of the search (RFC 2696: the same search
 * each page). */
#define COOKIE_LEN 30
#define COOKIE_V 1
enum { COOKIE_KEY = 0, COOKIE_OFFSET = 1 };

struct ldap_session {
	struct ldap_session_config cfg;
	char peer[64];
	bool tls, loopback;
	bool bound;     /* a bind succeeded */
	bool anonymous; /* ... anonymously (or none was made) */
	int64_t tenant_id;
	char login[DSTORE_LOGIN_MAX];
	char base_setting[DSTORE_LDAP_BASE_MAX];
	char note[NOTE_MAX];
	bool warn;
};

int ldap_session_new(const struct ldap_session_config *cfg, const char *peer,
		     bool tls, bool loopback, struct ldap_session **s_r)
{
	struct ldap_session *s = calloc(1, sizeof(*s));

	*s_r = NULL;
	if (s == NULL)
		return OB_E_NOMEM;
	s->cfg = *cfg;
	ob_strlcpy(s->peer, peer != NULL ? peer : "", sizeof(s->peer));
	s->tls = tls;
	s->loopback = loopback;
	s->anonymous = true;
	*s_r = s;
	return 0;
}

void ldap_session_free(struct ldap_session **s)
{
	if (*s == NULL)
		return;
	explicit_bzero(*s, sizeof(**s));
	free(*s);
	*s = NULL;
}

void ldap_session_tls_started(struct ldap_session *s)
{
	s->tls = true;
}

bool ldap_session_bound(const struct ldap_session *s)
{
	return s->bound;
}

const char *ldap_session_note(const struct ldap_session *s, bool *warn_r)
{
	if (warn_r != NULL)
		*warn_r = s->warn;
	return s->note;
}

static void count(struct ldap_session *s, size_t field, uint64_t n)
{
	if (s->cfg.counters != NULL)
		__atomic_add_fetch(
			(uint64_t *)((char *)s->cfg.counters + field), n,
			__ATOMIC_RELAXED);
}

static void note(struct ldap_session *s, bool warn, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void note(struct ldap_session *s, bool warn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->note, sizeof(s->note), fmt, ap);
	va_end(ap);
	s->warn = warn;
}

/* A value for a log line: printable ASCII, at most 64 bytes. */
static void printable(const struct ldap_val *v, char *out, size_t size)
{
	size_t j = 0;

	for (size_t i = 0; v->p != NULL && i < v->len && j + 5 < size; i++) {
		unsigned char c = (unsigned char)v->p[i];
		if (c >= 0x20 && c < 0x7f && c != '"')
			out[j++] = (char)c;
		else
			j += (size_t)snprintf(out + j, size - j, "\\%02x", c);
		if (i == 63) {
			j += (size_t)snprintf(out + j, size - j, "...");
			break;
		}
	}
	out[j < size ? j : size - 1] = '\0';
}

static bool plain_refused(const struct ldap_session *s)
{
	return s->cfg.require_tls && !s->tls && !s->loopback;
}

/* ---- bind ------------------------------------------------------------ */

/* The login in a bind name: the whole name when it has no '=', else the
 * value of a first RDN uid= or cn= (RFC 4514 escapes undone). false when
 * the name is a DN of another shape. */
static bool login_of(const struct ldap_val *name, char *out, size_t size)
{
	const char *p = name->p, *end = name->p + name->len;
	size_t j = 0;

	if (memchr(p, '\0', name->len) != NULL)
		return false;
	if (memchr(p, '=', name->len) == NULL) {
		if (name->len >= size)
			return false;
		memcpy(out, p, name->len);
		out[name->len] = '\0';
		return true;
	}
	while (p < end && *p == ' ')
		p++;
	if (end - p > 4 && strncasecmp(p, "uid", 3) == 0 &&
	    (p[3] == '=' || p[3] == ' '))
		p += 3;
	else if (end - p > 3 && strncasecmp(p, "cn", 2) == 0 &&
		 (p[2] == '=' || p[2] == ' '))
		p += 2;
	else
		return false;
	while (p < end && *p == ' ')
		p++;
	if (p == end || *p++ != '=')
		return false;
	while (p < end && *p == ' ')
		p++;
	while (p < end && *p != ',' && *p != '+') {
		char c = *p++;
		if (c == '\\') {
			if (p == end)
				return false;
			if (p + 1 < end &&
			    strchr("0123456789abcdefABCDEF", *p) &&
			    strchr("0123456789abcdefABCDEF", p[1])) {
				char hex[3] = {p[0], p[1], '\0'};
				c = (char)strtol(hex, NULL, 16);
				p += 2;
			} else {
				c = *p++;
			}
		}
		if (j + 1 >= size)
			return false;
		out[j++] = c;
	}
	while (j > 0 && out[j - 1] == ' ')
		j--;
	out[j] = '\0';
	return j > 0;
}

static void do_bind(struct ldap_session *s, struct dstore *store,
		    const struct ldap_msg *m, struct ob_buf *out)
{
	const struct ldap_bind *b = &m->bind;
	char login[DSTORE_LOGIN_MAX], pw[DSTORE_PASSWORD_MAX];
	struct dstore_account acc;
	struct dstore_tenant t;
	struct ob_err err;
	enum ldap_rc rc = LDAP_RC_SUCCESS;
	const char *diag = NULL;
	int ret;

	count(s, offsetof(struct ldap_counters, binds), 1);
	/* a bind, even a failed one, drops the earlier identity */
	s->bound = false;
	s->anonymous = true;
	s->tenant_id = 0;
	*s->login = '\0';
	if (b->version != 3) {
		rc = LDAP_RC_PROTOCOL_ERROR;
		diag = "only LDAPv3 is served";
	} else if (!b->simple) {
		rc = LDAP_RC_AUTH_METHOD;
		diag = "only simple binds are served";
	} else if (b->name.len == 0 && b->password.len == 0) {
		if (plain_refused(s)) {
			rc = LDAP_RC_CONFIDENTIALITY;
			diag = "TLS is required (StartTLS or LDAPS)";
		} else {
			s->bound = true;
		}
		note(s, false, "bind anonymous rc=%d", (int)rc);
		ldap_put_result(out, m->id, LDAP_OP_BIND_RESP, rc, NULL, diag,
				NULL);
		return;
	} else if (b->password.len == 0) {
		rc = LDAP_RC_UNWILLING;
		diag = "a name without a password is not a login";
	} else if (plain_refused(s)) {
		rc = LDAP_RC_CONFIDENTIALITY;
		diag = "TLS is required (StartTLS or LDAPS)";
	} else if (!login_of(&b->name, login, sizeof(login)) ||
		   b->password.len >= sizeof(pw) ||
		   memchr(b->password.p, '\0', b->password.len) != NULL) {
		rc = LDAP_RC_INVALID_CREDENTIALS;
		diag = "wrong login or password";
	} else if (store == NULL) {
		rc = LDAP_RC_UNAVAILABLE;
		diag = "the directory is unavailable; try again";
	} else {
		memcpy(pw, b->password.p, b->password.len);
		pw[b->password.len] = '\0';
		ret = dstore_login(store, login, pw, s->peer, ob_wall_s(), &acc,
				   &err);
		explicit_bzero(pw, sizeof(pw));
		if (ret == 0)
			ret = dstore_tenant_get(store, acc.tenant_id, &t, &err);
		if (ret == 0) {
			s->bound = true;
			s->anonymous = false;
			s->tenant_id = acc.tenant_id;
			ob_strlcpy(s->login, acc.login, sizeof(s->login));
			ob_strlcpy(s->base_setting, t.ldap_base,
				   sizeof(s->base_setting));
		} else if (ret == OB_E_AUTH || ret == OB_E_LIMIT) {
			count(s, offsetof(struct ldap_counters, bind_failures),
			      1);
			rc = LDAP_RC_INVALID_CREDENTIALS;
			diag = "wrong login or password";
			note(s, true, "bind login=%s rc=49 (%s)", login,
			     ret == OB_E_LIMIT ? "throttled"
					       : "wrong login or password");
			ldap_put_result(out, m->id, LDAP_OP_BIND_RESP, rc, NULL,
					diag, NULL);
			return;
		} else {
			rc = LDAP_RC_UNAVAILABLE;
			diag = "the directory is unavailable; try again";
			note(s, true, "bind login=%s rc=52 (%s)", login,
			     err.msg);
			ldap_put_result(out, m->id, LDAP_OP_BIND_RESP, rc, NULL,
					diag, NULL);
			return;
		}
		note(s, false, "bind login=%s rc=0", s->login);
		ldap_put_result(out, m->id, LDAP_OP_BIND_RESP, rc, NULL, NULL,
				NULL);
		return;
	}
	char name[96];
	printable(&b->name, name, sizeof(name));
	note(s, rc != LDAP_RC_SUCCESS, "bind name=\"%s\" rc=%d (%s)", name,
	     (int)rc, diag != NULL ? diag : "");
	ldap_put_result(out, m->id, LDAP_OP_BIND_RESP, rc, NULL, diag, NULL);
}

/* ---- the snapshot a search reads -------------------------------------- */

struct anon_pick {
	struct ldap_session *s;
	struct dstore *store;
	const struct ldap_val *base;
	struct ldap_dir *found;
	int n_anon;
	int64_t only_id;
	char only_base[DSTORE_LDAP_BASE_MAX];
};

static int pick_anon(const struct dstore_tenant *t, void *ctx)
{
	struct anon_pick *a = ctx;
	struct ldap_dir *d = NULL;
	struct ob_err err;

	if (!t->ldap_anonymous || a->found != NULL)
		return 0;
	a->n_anon++;
	a->only_id = t->id;
	ob_strlcpy(a->only_base, t->ldap_base, sizeof(a->only_base));
	if (a->base->len == 0)
		return 0;
	if (ldap_dircache_get(a->s->cfg.cache, a->store, t->id, t->ldap_base,
			      &d, &err) != 0)
		return 0;
	if (ldap_dir_holds_dn(d, a->base->p, a->base->len))
		a->found = d;
	else
		ldap_dir_release(&d);
	return 0;
}

/* The snapshot holding base for this session: *d_r NULL when there is
 * none (noSuchObject). Returns 0 or an OB_E_* of the store. */
static int dir_for(struct ldap_session *s, struct dstore *store,
		   const struct ldap_val *base, struct ldap_dir **d_r,
		   struct ob_err *err)
{
	struct ldap_dir *d = NULL;
	int ret;

	*d_r = NULL;
	if (!s->anonymous) {
		ret = ldap_dircache_get(s->cfg.cache, store, s->tenant_id,
					s->base_setting, &d, err);
		if (ret != 0)
			return ret;
		if (base->len == 0 || ldap_dir_holds_dn(d, base->p, base->len))
			*d_r = d;
		else
			ldap_dir_release(&d);
		return 0;
	}
	struct anon_pick a = {.s = s, .store = store, .base = base};
	ret = dstore_tenant_list(store, pick_anon, &a, err);
	if (ret != 0) {
		ldap_dir_release(&a.found);
		return ret;
	}
	if (a.found == NULL && base->len == 0 && a.n_anon == 1)
		return ldap_dircache_get(s->cfg.cache, store, a.only_id,
					 a.only_base, d_r, err);
	*d_r = a.found;
	return 0;
}

/* ---- the root DSE ----------------------------------------------------- */

struct dse_ctx {
	struct ldap_session *s;
	struct dstore *store;
	struct ldap_val vals[64];
	char bases[64][DSTORE_LDAP_BASE_MAX + 8];
	size_t n;
};

static void dse_add_base(struct dse_ctx *c, int64_t tenant_id,
			 const char *setting)
{
	struct ldap_dir *d = NULL;
	struct ob_err err;

	if (c->n >= sizeof(c->vals) / sizeof(c->vals[0]))
		return;
	if (ldap_dircache_get(c->s->cfg.cache, c->store, tenant_id, setting, &d,
			      &err) != 0)
		return;
	ob_strlcpy(c->bases[c->n], ldap_dir_base(d), sizeof(c->bases[c->n]));
	ldap_dir_release(&d);
	c->vals[c->n].p = c->bases[c->n];
	c->vals[c->n].len = strlen(c->bases[c->n]);
	c->n++;
}

static int dse_anon(const struct dstore_tenant *t, void *ctx)
{
	if (t->ldap_anonymous)
		dse_add_base(ctx, t->id, t->ldap_base);
	return 0;
}

static bool wants(const struct ldap_search *q, const char *attr, bool user)
{
	if (q->n_attrs == 0)
		return user;
	for (size_t i = 0; i < q->n_attrs; i++) {
		const struct ldap_val *a = &q->attrs[i];
		if (a->len == 1 && *a->p == '*' && user)
			return true;
		if (a->len == 1 && *a->p == '+' && !user)
			return true;
		if (a->len == strlen(attr) &&
		    strncasecmp(a->p, attr, a->len) == 0)
			return true;
	}
	return false;
}

static int root_dse(struct ldap_session *s, struct dstore *store,
		    const struct ldap_msg *m, struct ob_buf *out)
{
	const struct ldap_search *q = &m->search;
	struct dse_ctx *c = calloc(1, sizeof(*c));
	struct ldap_entry_w w;
	struct ob_err err;
	static const struct ldap_val version[] = {{(char *)"3", 1}};
	static const struct ldap_val oc[] = {{(char *)"top", 3},
					     {(char *)"extensibleObject", 16}};
	static const struct ldap_val ctrls[] = {
		{(char *)LDAP_OID_PAGED, sizeof(LDAP_OID_PAGED) - 1},
		{(char *)LDAP_OID_SORT_REQ, sizeof(LDAP_OID_SORT_REQ) - 1},
		{(char *)LDAP_OID_VLV_REQ, sizeof(LDAP_OID_VLV_REQ) - 1},
	};
	struct ldap_val exts[2];
	size_t n_exts = 0;
	static const struct ldap_val vendor[] = {{(char *)"Orgbook", 7}};
	static const struct ldap_val vversion[] = {
		{(char *)PACKAGE_VERSION, sizeof(PACKAGE_VERSION) - 1}};

	if (c == NULL)
		return OB_E_NOMEM;
	c->s = s;
	c->store = store;
	if (store == NULL)
		; /* no bases to name */
	else if (!s->anonymous)
		dse_add_base(c, s->tenant_id, s->base_setting);
	else
		(void)dstore_tenant_list(store, dse_anon, c, &err);
	if (s->cfg.starttls && !s->tls) {
		exts[n_exts].p = (char *)LDAP_OID_STARTTLS;
		exts[n_exts++].len = sizeof(LDAP_OID_STARTTLS) - 1;
	}
	exts[n_exts].p = (char *)LDAP_OID_WHOAMI;
	exts[n_exts++].len = sizeof(LDAP_OID_WHOAMI) - 1;
	/* the root DSE's attributes are operational: only when asked by
	 * name or "+" (RFC 4512 §5.1), objectClass always as user */
	ldap_entry_begin(&w, out, m->id, "", 0);
	if (wants(q, "objectClass", true))
		ldap_entry_attr(&w, "objectClass", oc, 2, q->types_only);
	if (wants(q, "namingContexts", false) && c->n > 0)
		ldap_entry_attr(&w, "namingContexts", c->vals, c->n,
				q->types_only);
	if (wants(q, "supportedLDAPVersion", false))
		ldap_entry_attr(&w, "supportedLDAPVersion", version, 1,
				q->types_only);
	if (wants(q, "supportedControl", false))
		ldap_entry_attr(&w, "supportedControl", ctrls, 3,
				q->types_only);
	if (wants(q, "supportedExtension", false))
		ldap_entry_attr(&w, "supportedExtension", exts, n_exts,
				q->types_only);
	if (wants(q, "vendorName", false))
		ldap_entry_attr(&w, "vendorName", vendor, 1, q->types_only);
	if (wants(q, "vendorVersion", false))
		ldap_entry_attr(&w, "vendorVersion", vversion, 1,
				q->types_only);
	free(c);
	return ldap_entry_end(&w);
}

/* ---- search ----------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h;
}

static uint64_t hash_val(uint64_t h, const struct ldap_val *v)
{
	uint32_t len = v->p != NULL ? (uint32_t)v->len : 0xffffffffu;

	h = fnv(h, &len, sizeof(len));
	return v->p != NULL ? fnv(h, v->p, v->len) : h;
}

static uint64_t hash_filter(uint64_t h, const struct ldap_filter *f)
{
	unsigned k = (unsigned)f->kind;

	h = fnv(h, &k, sizeof(k));
	h = fnv(h, &f->n_sub, sizeof(f->n_sub));
	for (size_t i = 0; i < f->n_sub; i++)
		h = hash_filter(h, f->sub[i]);
	h = hash_val(h, &f->attr);
	h = hash_val(h, &f->value);
	h = hash_val(h, &f->initial);
	h = hash_val(h, &f->final);
	h = fnv(h, &f->n_any, sizeof(f->n_any));
	for (size_t i = 0; i < f->n_any; i++)
		h = hash_val(h, &f->any[i]);
	h = hash_val(h, &f->rule);
	return fnv(h, &f->dn_attrs, sizeof(f->dn_attrs));
}

static uint64_t hash_search(const struct ldap_msg *m)
{
	const struct ldap_search *q = &m->search;
	uint64_t h = 14695981039346656037ull;
	unsigned scope = (unsigned)q->scope;

	h = hash_val(h, &q->base);
	h = fnv(h, &scope, sizeof(scope));
	if (q->filter != NULL)
		h = hash_filter(h, q->filter);
	for (size_t i = 0; i < m->sort.n_keys; i++) {
		h = hash_val(h, &m->sort.keys[i].attr);
		h = fnv(h, &m->sort.keys[i].reverse, 1);
	}
	return h;
}

static void put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

struct cookie {
	int mode;
	uint64_t at; /* key or offset */
	uint32_t sent;
	int64_t tenant;
	uint64_t hash;
};

static void cookie_make(const struct cookie *c, unsigned char out[COOKIE_LEN])
{
	out[0] = COOKIE_V;
	out[1] = (unsigned char)c->mode;
	put_u64(out + 2, c->at);
	out[10] = (unsigned char)(c->sent >> 24);
	out[11] = (unsigned char)(c->sent >> 16);
	out[12] = (unsigned char)(c->sent >> 8);
	out[13] = (unsigned char)c->sent;
	put_u64(out + 14, (uint64_t)c->tenant);
	/* the search's hash fills the last 8 of the 30 octets */
	put_u64(out + 22, c->hash);
}

static bool cookie_read(const struct ldap_val *v, struct cookie *c)
{
	const unsigned char *p = (const unsigned char *)v->p;

	if (v->len != COOKIE_LEN || p[0] != COOKIE_V || p[1] > COOKIE_OFFSET)
		return false;
	c->mode = p[1];
	c->at = get_u64(p + 2);
	c->sent = (uint32_t)p[10] << 24 | (uint32_t)p[11] << 16 |
		  (uint32_t)p[12] << 8 | p[13];
	c->tenant = (int64_t)get_u64(p + 14);
	c->hash = get_u64(p + 22);
	return true;
}

struct search_run {
	struct ldap_session *s;
	struct dstore *store;
	const struct ldap_msg *m;
	struct ob_buf *out;
	int (*flush)(void *ctx, struct ob_buf *out);
	void *flush_ctx;
	uint64_t deadline_us; /* 0: none */
	size_t sent;
	bool gone; /* the client went away */
	bool timed_out;
};

/* Write the entries h->pos[from..to) and flush as the buffer fills.
 * false when the search must stop (client gone, time limit, full). */
static bool send_range(struct search_run *r, const struct ldap_dir *d,
		       const struct ldap_hits *h, size_t from, size_t to,
		       enum ldap_rc *rc_r)
{
	const struct ldap_search *q = &r->m->search;
	struct ob_err err;

	for (size_t i = from; i < to; i++) {
		if (r->deadline_us != 0 && (i & 63) == 0 &&
		    ob_now_us() > r->deadline_us) {
			r->timed_out = true;
			*rc_r = LDAP_RC_TIME_LIMIT;
			return false;
		}
		int ret = ldap_dir_put_entry(d, h->pos[i], r->m->id, q->attrs,
					     q->n_attrs, q->types_only,
					     r->store, r->out, &err);
		if (ret == OB_E_LIMIT && r->out->len > 0) {
			/* full: send what is there and try once more */
			if (r->flush(r->flush_ctx, r->out) != 0) {
				r->gone = true;
				return false;
			}
			ret = ldap_dir_put_entry(
				d, h->pos[i], r->m->id, q->attrs, q->n_attrs,
				q->types_only, r->store, r->out, &err);
		}
		if (ret != 0) {
			*rc_r = ret == OB_E_LIMIT ? LDAP_RC_ADMIN_LIMIT
						  : LDAP_RC_OTHER;
			return false;
		}
		r->sent++;
		if (r->out->len >= LDAP_SESSION_FLUSH &&
		    r->flush(r->flush_ctx, r->out) != 0) {
			r->gone = true;
			return false;
		}
	}
	return true;
}

static size_t min_limit(size_t a, size_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

static void done(struct search_run *r, enum ldap_rc rc, const char *matched,
		 const char *diag, const struct ob_buf *ctrls)
{
	ldap_put_result(r->out, r->m->id, LDAP_OP_SEARCH_DONE, rc, matched,
			diag, ctrls != NULL && ctrls->len > 0 ? ctrls : NULL);
}

/* The search proper on snapshot d: limits, sort, paging, VLV. */
static enum ldap_rc search_dir(struct search_run *r, const struct ldap_dir *d,
			       struct ob_buf *ctrls, const char **matched_r,
			       const char **diag_r)
{
	const struct ldap_msg *m = r->m;
	struct ldap_search qb = m->search;
	const struct ldap_search *q = &qb;
	size_t size = min_limit(q->size_limit, r->s->cfg.size_limit);
	const struct ldap_sort *sort = m->sort.present ? &m->sort : NULL;
	struct ldap_hits h = {0};
	enum ldap_rc rc = LDAP_RC_SUCCESS;
	struct ob_err err;
	struct cookie ck = {0}, next;
	int64_t after = 0;
	size_t limit = 0;

	*matched_r = NULL;
	*diag_r = NULL;
	if (m->vlv.present && sort == NULL) {
		ldap_put_ctrl_vlv(ctrls, 0, 0, LDAP_RC_SORT_CONTROL_MISSING,
				  NULL, 0);
		*diag_r = "VLV needs a sort control";
		return LDAP_RC_SORT_CONTROL_MISSING;
	}
	if (m->vlv.present && m->paged.present) {
		*diag_r = "VLV and paged results do not combine";
		return LDAP_RC_UNWILLING;
	}
	uint64_t qhash = hash_search(m);
	if (qb.base.len == 0) { /* one or sub below "": the own base */
		qb.base.p = (char *)ldap_dir_base(d);
		qb.base.len = strlen(qb.base.p);
	}
	if (m->paged.present && m->paged.cookie.len > 0) {
		if (!cookie_read(&m->paged.cookie, &ck) ||
		    ck.tenant != (r->s->anonymous ? 0 : r->s->tenant_id) ||
		    ck.hash != qhash ||
		    ck.mode != (sort != NULL ? COOKIE_OFFSET : COOKIE_KEY)) {
			*diag_r = "the paged results cookie is not of this "
				  "search";
			return LDAP_RC_UNWILLING;
		}
		if (m->paged.size == 0) /* the client abandons the pages */
			return LDAP_RC_SUCCESS;
		if (sort == NULL)
			after = (int64_t)ck.at;
	}
	if (sort == NULL && !m->vlv.present) {
		/* key order: stop at what the page or the size limit needs,
		 * plus one to know there is more */
		size_t left = size;
		if (size != 0 && m->paged.present) {
			if (ck.sent >= size)
				return LDAP_RC_SIZE_LIMIT;
			left = size - ck.sent;
		}
		limit = left;
		if (m->paged.present && m->paged.size > 0 &&
		    (limit == 0 || m->paged.size < limit))
			limit = m->paged.size;
	}
	enum ldap_rc drc;
	if (ldap_dir_search(d, q, sort, after, limit, &h, &drc, matched_r,
			    &err) != 0) {
		*diag_r = "out of memory";
		return LDAP_RC_BUSY;
	}
	if (drc != LDAP_RC_SUCCESS) {
		ldap_hits_free(&h);
		return drc;
	}
	size_t from = 0, to = h.n;
	if (m->vlv.present) {
		const struct ldap_vlv *v = &m->vlv;
		size_t target; /* 0-based */
		if (v->by_offset) {
			if (v->offset == 0) {
				ldap_put_ctrl_vlv(ctrls, 0, (uint32_t)h.n,
						  LDAP_RC_OFFSET_RANGE, NULL,
						  0);
				ldap_hits_free(&h);
				return LDAP_RC_OFFSET_RANGE;
			}
			if (v->content_count == 0 || v->content_count == h.n)
				target = v->offset - 1;
			else
				target = (size_t)((double)(v->offset - 1) *
						  (double)h.n /
						  (double)v->content_count);
			if (target >= h.n)
				target = h.n > 0 ? h.n - 1 : 0;
		} else {
			target = ldap_dir_seek(d, &h, sort, v->assertion.p,
					       v->assertion.len);
		}
		from = target > v->before ? target - v->before : 0;
		to = target + (size_t)v->after + 1;
		if (to > h.n)
			to = h.n;
		if (from > to)
			from = to;
		if (size != 0 && to - from > size) {
			to = from + size;
			rc = LDAP_RC_SIZE_LIMIT;
		}
		enum ldap_rc src = rc;
		if (!send_range(r, d, &h, from, to, &src))
			rc = src;
		ldap_put_ctrl_vlv(ctrls, h.n > 0 ? (uint32_t)(target + 1) : 0,
				  (uint32_t)h.n,
				  rc == LDAP_RC_SIZE_LIMIT ? LDAP_RC_SUCCESS
							   : rc,
				  NULL, 0);
	} else if (sort != NULL) {
		/* sorted: the whole list, then the page or the size limit */
		if (m->paged.present) {
			from = ck.at < h.n ? (size_t)ck.at : h.n;
			to = m->paged.size > 0 && from + m->paged.size < h.n
				     ? from + m->paged.size
				     : h.n;
		}
		if (size != 0 && ck.sent + (to - from) > size) {
			to = from + (size > ck.sent ? size - ck.sent : 0);
			rc = LDAP_RC_SIZE_LIMIT;
		}
		enum ldap_rc src = rc;
		if (!send_range(r, d, &h, from, to, &src))
			rc = src;
		ldap_put_ctrl_sort(ctrls, LDAP_RC_SUCCESS, NULL);
		if (m->paged.present) {
			unsigned char cbuf[COOKIE_LEN];
			bool more = to < h.n && rc == LDAP_RC_SUCCESS;
			next = (struct cookie){
				COOKIE_OFFSET, to,
				(uint32_t)(ck.sent + (to - from)),
				r->s->anonymous ? 0 : r->s->tenant_id, qhash};
			cookie_make(&next, cbuf);
			ldap_put_ctrl_paged(ctrls, (uint32_t)h.n, cbuf,
					    more ? COOKIE_LEN : 0);
		}
	} else {
		enum ldap_rc src = LDAP_RC_SUCCESS;
		bool page_full = m->paged.present && m->paged.size > 0 &&
				 h.more && limit == m->paged.size &&
				 (size == 0 || ck.sent + h.n < size);
		if (!send_range(r, d, &h, 0, h.n, &src))
			rc = src;
		else if (h.more && !page_full)
			rc = LDAP_RC_SIZE_LIMIT;
		if (m->paged.present) {
			unsigned char cbuf[COOKIE_LEN];
			bool more =
				page_full && rc == LDAP_RC_SUCCESS && h.n > 0;
			next = (struct cookie){
				COOKIE_KEY,
				h.n > 0 ? (uint64_t)ldap_dir_key(d,
								 h.pos[h.n - 1])
					: 0,
				(uint32_t)(ck.sent + h.n),
				r->s->anonymous ? 0 : r->s->tenant_id, qhash};
			cookie_make(&next, cbuf);
			ldap_put_ctrl_paged(ctrls, 0, cbuf,
					    more ? COOKIE_LEN : 0);
		}
	}
	ldap_hits_free(&h);
	return rc;
}

static void do_search(struct ldap_session *s, struct dstore *store,
		      const struct ldap_msg *m, struct ob_buf *out,
		      int (*flush)(void *ctx, struct ob_buf *out),
		      void *flush_ctx)
{
	const struct ldap_search *q = &m->search;
	struct search_run r = {s,         store, m, out,   flush,
			       flush_ctx, 0,     0, false, false};
	struct ob_buf ctrls;
	struct ldap_dir *d = NULL;
	struct ob_err err;
	const char *matched = NULL, *diag = NULL;
	enum ldap_rc rc;
	uint64_t t0 = ob_now_us();
	unsigned tl = q->time_limit;
	char base[96];

	printable(&q->base, base, sizeof(base));
	ob_buf_init(&ctrls, 4096);
	if (s->cfg.time_limit != 0 && (tl == 0 || tl > s->cfg.time_limit))
		tl = s->cfg.time_limit;
	if (tl != 0)
		r.deadline_us = t0 + (uint64_t)tl * 1000000u;
	if (ldap_msg_unknown_critical(m) != NULL) {
		rc = LDAP_RC_UNAVAILABLE_CRITICAL;
		diag = "a critical control is not supported";
	} else if (q->base.len == 0 && q->scope == LDAP_SCOPE_BASE) {
		rc = root_dse(s, store, m, out) == 0 ? LDAP_RC_SUCCESS
						     : LDAP_RC_OTHER;
		r.sent = 1;
	} else if (plain_refused(s)) {
		rc = LDAP_RC_CONFIDENTIALITY;
		diag = "TLS is required (StartTLS or LDAPS)";
	} else if (store == NULL) {
		rc = LDAP_RC_UNAVAILABLE;
		diag = "the directory is unavailable; try again";
	} else if (dir_for(s, store, &q->base, &d, &err) != 0) {
		rc = LDAP_RC_UNAVAILABLE;
		diag = "the directory is unavailable; try again";
		note(s, true, "search base=\"%s\" rc=52 (%s)", base, err.msg);
	} else if (d == NULL) {
		rc = LDAP_RC_NO_SUCH_OBJECT;
	} else {
		rc = search_dir(&r, d, &ctrls, &matched, &diag);
		if (rc == LDAP_RC_NO_SUCH_OBJECT && matched == NULL)
			matched = "";
	}
	if (r.gone) {
		ldap_dir_release(&d);
		ob_buf_deinit(&ctrls);
		note(s, false, "search base=\"%s\" cut: the client left", base);
		return;
	}
	done(&r, rc, matched, diag, &ctrls);
	count(s, offsetof(struct ldap_counters, searches), 1);
	count(s, offsetof(struct ldap_counters, entries), r.sent);
	if (!s->warn)
		note(s, false,
		     "search base=\"%s\" scope=%d entries=%zu rc=%d %.1f ms",
		     base, (int)q->scope, r.sent, (int)rc,
		     (double)(ob_now_us() - t0) / 1000.0);
	ldap_dir_release(&d);
	ob_buf_deinit(&ctrls);
}

/* ---- the rest --------------------------------------------------------- */

static void do_compare(struct ldap_session *s, struct dstore *store,
		       const struct ldap_msg *m, struct ob_buf *out)
{
	struct ldap_dir *d = NULL;
	struct ob_err err;
	enum ldap_rc rc;

	if (plain_refused(s))
		rc = LDAP_RC_CONFIDENTIALITY;
	else if (store == NULL ||
		 dir_for(s, store, &m->compare_dn, &d, &err) != 0)
		rc = LDAP_RC_UNAVAILABLE;
	else if (d == NULL || m->compare_dn.len == 0)
		rc = LDAP_RC_NO_SUCH_OBJECT;
	else
		rc = ldap_dir_compare(
			d, m->compare_dn.p, m->compare_dn.len,
			m->compare_attr.p != NULL ? m->compare_attr.p : "",
			m->compare_value.p != NULL ? m->compare_value.p : "",
			m->compare_value.len);
	ldap_dir_release(&d);
	note(s, false, "compare rc=%d", (int)rc);
	ldap_put_result(out, m->id, LDAP_OP_COMPARE_RESP, rc,
			rc == LDAP_RC_NO_SUCH_OBJECT ? "" : NULL, NULL, NULL);
}

static enum ldap_action do_extended(struct ldap_session *s,
				    const struct ldap_msg *m,
				    struct ob_buf *out)
{
	const char *oid = m->ext_oid.p != NULL ? m->ext_oid.p : "";

	if (strcmp(oid, LDAP_OID_STARTTLS) == 0) {
		if (!s->cfg.starttls) {
			ldap_put_extended(out, m->id, LDAP_RC_UNAVAILABLE,
					  "no certificate is configured", NULL,
					  NULL);
			note(s, false, "starttls rc=52 (no certificate)");
			return LDAP_GO_ON;
		}
		if (s->tls) {
			ldap_put_extended(out, m->id, LDAP_RC_OPERATIONS_ERROR,
					  "TLS is already on", NULL, NULL);
			return LDAP_GO_ON;
		}
		ldap_put_extended(out, m->id, LDAP_RC_SUCCESS, NULL,
				  LDAP_OID_STARTTLS, NULL);
		note(s, false, "starttls");
		return LDAP_STARTTLS;
	}
	if (strcmp(oid, LDAP_OID_WHOAMI) == 0) {
		char who[DSTORE_LOGIN_MAX + 3];
		struct ldap_val v = {who, 0};
		if (!s->anonymous)
			snprintf(who, sizeof(who), "u:%s", s->login);
		else
			*who = '\0';
		v.len = strlen(who);
		ldap_put_extended(out, m->id, LDAP_RC_SUCCESS, NULL, NULL, &v);
		return LDAP_GO_ON;
	}
	/* RFC 4511 §4.12: an unknown request name is a protocolError */
	ldap_put_extended(out, m->id, LDAP_RC_PROTOCOL_ERROR,
			  "unknown extended operation", NULL, NULL);
	return LDAP_GO_ON;
}

enum ldap_action ldap_session_pdu(struct ldap_session *s, struct dstore *store,
				  const unsigned char *pdu, size_t len,
				  struct ob_buf *out,
				  int (*flush)(void *ctx, struct ob_buf *out),
				  void *flush_ctx)
{
	struct ldap_msg *m = NULL;
	struct ob_err err;
	int32_t id = 0;
	enum ldap_action act = LDAP_GO_ON;
	int ret;

	*s->note = '\0';
	s->warn = false;
	ret = ldap_msg_decode(pdu, len, &m, &id, &err);
	if (ret != 0) {
		/* RFC 4511 §4.1.1: a PDU that cannot be parsed ends the
		 * connection with a Notice of Disconnection */
		ldap_put_disconnect(out,
				    ret == OB_E_NOMEM ? LDAP_RC_BUSY
						      : LDAP_RC_PROTOCOL_ERROR,
				    ret == OB_E_NOMEM ? "out of memory"
						      : err.msg);
		note(s, true, "protocol error (message %d): %s", (int)id,
		     ret == OB_E_NOMEM ? "out of memory" : err.msg);
		return LDAP_CLOSE;
	}
	if (m->id == 0 && m->op != LDAP_OP_UNBIND) {
		ldap_put_disconnect(out, LDAP_RC_PROTOCOL_ERROR,
				    "message id 0 is reserved");
		note(s, true, "protocol error: message id 0");
		ldap_msg_free(&m);
		return LDAP_CLOSE;
	}
	switch (m->op) {
	case LDAP_OP_BIND:
		do_bind(s, store, m, out);
		break;
	case LDAP_OP_UNBIND:
		act = LDAP_CLOSE;
		break;
	case LDAP_OP_SEARCH:
		do_search(s, store, m, out, flush, flush_ctx);
		break;
	case LDAP_OP_COMPARE:
		do_compare(s, store, m, out);
		break;
	case LDAP_OP_ABANDON:
		/* requests run one at a time: what it names has finished */
		break;
	case LDAP_OP_EXTENDED:
		act = do_extended(s, m, out);
		break;
	case LDAP_OP_MODIFY:
	case LDAP_OP_ADD:
	case LDAP_OP_DELETE:
	case LDAP_OP_MODDN:
		ldap_put_result(out, m->id, (enum ldap_op)(m->op + 1),
				LDAP_RC_UNWILLING, NULL,
				"the directory is read-only; edit it in "
				"Orgbook",
				NULL);
		note(s, false, "write refused (op %d)", (int)m->op);
		break;
	default:
		ldap_put_disconnect(out, LDAP_RC_PROTOCOL_ERROR,
				    "not a request");
		note(s, true, "protocol error: op %d is not a request",
		     (int)m->op);
		act = LDAP_CLOSE;
		break;
	}
	ldap_msg_free(&m);
	return act;
}
