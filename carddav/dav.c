/* The read-only CardDAV server (dav.h): URL layout, properties, the
 * three REPORTs, GET, and the refusal of every write.
 *
 * Specs: RFC 4918 (WebDAV: PROPFIND 9.1, multistatus 13, precondition
 * codes 16), RFC 3744 5.4 (current-user-privilege-set) and 7.1.1
 * (need-privileges), RFC 5397 (current-user-principal), RFC 6352
 * (CardDAV: 6.2 addressbook-home-set, 8.6 addressbook-query, 8.7
 * addressbook-multiget, 10.4 address-data, 10.5 filters), RFC 6578
 * (sync-collection, 3.6 truncation), RFC 6764 5 (well-known URI).
 *
 * Every answer is built in the response's capped buffer; a member list
 * that does not fit is 507 (the client asks again with DAV:limit). The
 * store is only read: people through lib/dirfeed (the view of a book, the
 * changes since a revision) and dstore_person_get. */
#include "config.h"

#include "carddav/dav.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carddav/request.h"
#include "dircard/dircard.h"
#include "dirfeed/feed.h"
#include "util/str.h"

#define TOKEN_PREFIX "urn:x-orgbook:sync:"
#define CONTEXT "/dav/"
#define PRINCIPAL "/dav/principal/"
#define HOME "/dav/books/"
#define ALLOW "OPTIONS, GET, HEAD, PROPFIND, REPORT"
#define VCARD_TYPE "text/vcard; charset=utf-8"

enum target_kind {
	T_NONE = 0,
	T_WELL_KNOWN,
	T_ROOT,
	T_PRINCIPAL,
	T_HOME,
	T_BOOK,
	T_CARD,
};

/* A book: the whole directory (unit 0) or a unit's subtree. */
struct book {
	int64_t unit_id;
	char name[32]; /* "all", "u12" */
	char *display; /* malloc'd */
};

/* What one request works on. */
struct ctx {
	struct dstore *store;
	const struct dav_config *cfg;
	const struct dav_http_request *rq;
	struct dav_http_response *rs;
	struct dstore_tenant tenant;
	enum target_kind kind;
	struct book book;
	char *uid;     /* T_CARD: decoded, malloc'd */
	uint32_t hash; /* what shapes every card (ETags, tokens) */
	struct vcard_dialect dialect; /* the client's quirks (quirk_of) */
	bool has_dialect;
	struct dav_request req;
	struct ob_buf *b; /* rs->body, or a multiget slot for a while */
	size_t members;
	bool store_failed; /* a store error: 503 */
	bool too_big;      /* the body cap was reached: 507 */
	struct dcard_buf card;
	/* dav_handle_stream: the body goes out in pieces of about
	 * cfg->max_response, between members */
	const struct dav_stream *st;
	bool started; /* st->start was called: the status is sent */
	bool gone;    /* st->start or st->out failed: stop */
	size_t sent;  /* body bytes handed to st->out */
};

/* Stop walking: the answer cannot grow (cap) or nobody takes it. */
static bool halted(const struct ctx *x)
{
	return x->too_big || x->gone;
}

/* Hand what is buffered to the stream, starting it first. */
static void stream_out(struct ctx *x)
{
	if (x->gone)
		return;
	if (!x->started) {
		x->started = true;
		x->rs->minimal_applied = x->rq->prefer_minimal;
		if (x->st->start(x->rs, x->st->ctx) != 0) {
			x->gone = true;
			return;
		}
	}
	if (x->b->len > 0 && x->st->out(x->b->data, x->b->len, x->st->ctx) != 0)
		x->gone = true;
	x->sent += x->b->len;
	ob_buf_reset(x->b);
}

/* A member of a multistatus is complete: when streaming and enough is
 * buffered, send it. Only between members, so that every decision that
 * changes the status (a bad token, a store error before the first
 * member, ...) is still made while nothing is sent. */
static void member_done(struct ctx *x)
{
	x->members++;
	if (x->st != NULL && x->b == &x->rs->body &&
	    x->b->len >= x->cfg->max_response)
		stream_out(x);
}

/* ---- output -------------------------------------------------------------- */

static void put(struct ctx *x, const char *s)
{
	if (ob_buf_add_str(x->b, s) != 0)
		x->too_big = true;
}

__attribute__((format(printf, 2, 3))) static void putf(struct ctx *x,
						       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (ob_buf_vaddf(x->b, fmt, ap) != 0)
		x->too_big = true;
	va_end(ap);
}

/* XML character data or attribute value: the five specials escaped, and
 * characters XML 1.0 cannot carry (C0 controls but tab, CR, LF) dropped;
 * the store keeps none, but a uid in an href comes from outside. */
static void esc_n(struct ctx *x, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep = NULL;
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&apos;";
			break;
		case '\r':
			rep = "&#13;"; /* kept through XML end-of-line rules */
			break;
		default:
			if (c < 0x20 && c != '\t' && c != '\n')
				rep = "";
		}
		if (rep == NULL)
			continue;
		if (ob_buf_add(x->b, s + start, i - start) != 0 ||
		    ob_buf_add_str(x->b, rep) != 0)
			x->too_big = true;
		start = i + 1;
	}
	if (ob_buf_add(x->b, s + start, n - start) != 0)
		x->too_big = true;
}

static void esc(struct ctx *x, const char *s)
{
	esc_n(x, s, strlen(s));
}

/* A path segment percent-encoded: unreserved characters (RFC 3986 2.3)
 * stay, every other byte becomes %XX, so a uid with '/', '%', '?' or
 * non-ASCII bytes still names one card. */
static void put_segment(struct ctx *x, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char buf[4];
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~' || c == '@') {
			if (ob_buf_add_char(x->b, (char)c) != 0)
				x->too_big = true;
			continue;
		}
		buf[0] = '%';
		buf[1] = hex[c >> 4];
		buf[2] = hex[c & 15];
		buf[3] = '\0';
		put(x, buf);
	}
}

static void put_book_href(struct ctx *x, const char *book)
{
	putf(x, "%s%s/", HOME, book);
}

static void put_card_href(struct ctx *x, const char *uid)
{
	put_book_href(x, x->book.name);
	put_segment(x, uid);
	put(x, ".vcf");
}

static void ms_open(struct ctx *x)
{
	put(x, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	       "<D:multistatus xmlns:D=\"DAV:\" "
	       "xmlns:C=\"urn:ietf:params:xml:ns:carddav\" "
	       "xmlns:CS=\"http://calendarserver.org/ns/\">\n");
}

static void ms_close(struct ctx *x)
{
	put(x, "</D:multistatus>\n");
}

/* The element name of prop p with its namespace: a prefix of the
 * multistatus root or a local declaration. */
static void prop_open_close(struct ctx *x, const struct dav_prop *p, bool empty)
{
	switch (p->ns) {
	case DAV_NS_DAV:
		putf(x, "<D:%s%s", p->name, empty ? "/>" : ">");
		return;
	case DAV_NS_CARDDAV:
		putf(x, "<C:%s%s", p->name, empty ? "/>" : ">");
		return;
	case DAV_NS_CS:
		putf(x, "<CS:%s%s", p->name, empty ? "/>" : ">");
		return;
	default:
		putf(x, "<X:%s xmlns:X=\"", p->name);
		esc(x, p->ns_uri);
		put(x, empty ? "\"/>" : "\">");
		return;
	}
}

static void prop_end(struct ctx *x, const struct dav_prop *p)
{
	switch (p->ns) {
	case DAV_NS_DAV:
		putf(x, "</D:%s>", p->name);
		return;
	case DAV_NS_CARDDAV:
		putf(x, "</C:%s>", p->name);
		return;
	case DAV_NS_CS:
		putf(x, "</CS:%s>", p->name);
		return;
	default:
		putf(x, "</X:%s>", p->name);
		return;
	}
}

static void status_line(struct ctx *x, int code)
{
	const char *text = code == 200   ? "OK"
			   : code == 404 ? "Not Found"
			   : code == 403 ? "Forbidden"
			   : code == 507 ? "Insufficient Storage"
					 : "Error";
	putf(x, "<D:status>HTTP/1.1 %d %s</D:status>", code, text);
}

/* ---- tokens and hashes ---------------------------------------------------- */

static uint32_t fnv(uint32_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

/* Clients whose store keeps fewer ORG components than a deep unit path
 * has, by User-Agent: their cards join the units from the fourth on with
 * '/' (vcard_dialect.org_max, as the SyncML server's quirk org4). The
 * Synthesis engine under SyncEvolution's CardDAV backend has the same
 * vCard profile as over SyncML: '<property name="ORG" values="4">';
 * given all five components it stored 'ORG:Acme 集团;研发中心;平台部;
 * 基础架构组' for unit 研发中心/平台部/基础架构组/数据库小组. README's
 * table of what clients store lists each row. */
static const char *const org4_agents[] = {
	"SyncEvolution",
};

static void quirk_of(struct ctx *x)
{
	const char *ua = x->rq->user_agent;
	memset(&x->dialect, 0, sizeof(x->dialect));
	if (ua == NULL)
		return;
	for (size_t i = 0; i < sizeof(org4_agents) / sizeof(*org4_agents); i++)
		if (strstr(ua, org4_agents[i]) != NULL) {
			x->dialect.org_max = 4;
			x->has_dialect = true;
		}
}

/* The hash in every ETag and token: what shapes the cards besides the
 * people (the company in ORG, the photo cap and thumbnail edge, the
 * client's dialect), so a change of any of them refetches everything. */
static void make_hash(struct ctx *x)
{
	char cap[64];
	uint32_t h = 2166136261u;
	h = fnv(h, x->tenant.display, strlen(x->tenant.display) + 1);
	snprintf(cap, sizeof(cap), "%zu/%u", x->cfg->max_photo,
		 x->dialect.org_max);
	h = fnv(h, cap, strlen(cap));
	/* the thumbnail edge shapes the photos (a separate field so the
	 * hashes of servers without thumbnails stay as they were) */
	if (x->cfg->photo_edge > 0)
		snprintf(cap, sizeof(cap), "/e%u",
			 (unsigned)x->cfg->photo_edge);
	else
		cap[0] = '\0';
	h = fnv(h, cap, strlen(cap));
	x->hash = h;
}

static void etag_of(const struct ctx *x, int64_t rev, char *out, size_t size)
{
	snprintf(out, size, "\"%lld-%08x\"", (long long)rev, x->hash);
}

struct token {
	int64_t r, c, p; /* see dav.h: complete up to r; ids <= c as of p */
};

static void put_token(struct ctx *x, const struct token *t)
{
	putf(x, "%s%lld:%s:%08x:%lld", TOKEN_PREFIX, (long long)x->tenant.id,
	     x->book.name, x->hash, (long long)t->r);
	if (t->c > 0)
		putf(x, ":%lld:%lld", (long long)t->c, (long long)t->p);
}

/* Read one ':'-ended decimal field at *s. */
static bool field_i64(const char **s, int64_t *v_r)
{
	const char *e = strchr(*s, ':');
	size_t n = e != NULL ? (size_t)(e - *s) : strlen(*s);
	if (ob_parse_i64(*s, n, 0, INT64_MAX, v_r) != 0)
		return false;
	*s += n + (e != NULL);
	return true;
}

/* Parse a token of this tenant, book and hash: false when it is not one
 * (the caller answers valid-sync-token). */
static bool parse_token(const struct ctx *x, const char *s, struct token *t)
{
	char head[96];
	int64_t tenant;
	size_t n;

	memset(t, 0, sizeof(*t));
	if (strncmp(s, TOKEN_PREFIX, strlen(TOKEN_PREFIX)) != 0)
		return false;
	s += strlen(TOKEN_PREFIX);
	if (!field_i64(&s, &tenant) || tenant != x->tenant.id)
		return false;
	snprintf(head, sizeof(head), "%s:%08x:", x->book.name, x->hash);
	n = strlen(head);
	if (strncmp(s, head, n) != 0)
		return false;
	s += n;
	if (!field_i64(&s, &t->r))
		return false;
	if (*s != '\0') {
		if (!field_i64(&s, &t->c) || !field_i64(&s, &t->p) ||
		    *s != '\0' || t->c == 0)
			return false;
	}
	/* a real token has no trailing ':' (field_i64 ate it) */
	return s[-1] != ':';
}

/* ---- targets --------------------------------------------------------------- */

static int unit_depth(const char *path)
{
	int d = 1;
	for (; *path != '\0'; path++)
		d += *path == '/';
	return d;
}

/* A book by its name; 0, OB_E_NOTFOUND, or a store error. */
static int resolve_book(struct ctx *x, const char *name, size_t n)
{
	struct dstore_unit u;
	struct ob_err err;
	int64_t id;

	if (n == 3 && memcmp(name, "all", 3) == 0) {
		x->book.unit_id = 0;
		ob_strlcpy(x->book.name, "all", sizeof(x->book.name));
		x->book.display = strdup(x->tenant.display);
		return x->book.display != NULL ? 0 : OB_E_NOMEM;
	}
	if (n < 2 || name[0] != 'u' || name[1] == '0' ||
	    ob_parse_i64(name + 1, n - 1, 1, INT64_MAX, &id) != 0)
		return OB_E_NOTFOUND;
	int ret = dstore_unit_get(x->store, x->tenant.id, id, &u, &err);
	if (ret != 0)
		return ret;
	if (unit_depth(u.path) > x->cfg->unit_depth) {
		dstore_unit_deinit(&u);
		return OB_E_NOTFOUND;
	}
	x->book.unit_id = id;
	snprintf(x->book.name, sizeof(x->book.name), "u%lld", (long long)id);
	size_t dl = strlen(x->tenant.display) + strlen(u.path) + 4;
	x->book.display = malloc(dl);
	if (x->book.display != NULL)
		snprintf(x->book.display, dl, "%s - %s", x->tenant.display,
			 u.path);
	dstore_unit_deinit(&u);
	return x->book.display != NULL ? 0 : OB_E_NOMEM;
}

bool dav_path_is_ours(const char *path)
{
	return strcmp(path, "/dav") == 0 || strncmp(path, "/dav/", 5) == 0 ||
	       strcmp(path, "/.well-known/carddav") == 0 ||
	       strcmp(path, "/.well-known/carddav/") == 0;
}

/* Which resource the path names; 0, OB_E_NOTFOUND or a store error. */
static int resolve(struct ctx *x)
{
	const char *p = x->rq->path;

	if (strncmp(p, "/.well-known/carddav", 20) == 0) {
		x->kind = T_WELL_KNOWN;
		return 0;
	}
	if (strcmp(p, "/dav") == 0 || strcmp(p, CONTEXT) == 0) {
		x->kind = T_ROOT;
		return 0;
	}
	if (strcmp(p, PRINCIPAL) == 0 || strcmp(p, "/dav/principal") == 0) {
		x->kind = T_PRINCIPAL;
		return 0;
	}
	if (strcmp(p, HOME) == 0 || strcmp(p, "/dav/books") == 0) {
		x->kind = T_HOME;
		return 0;
	}
	if (strncmp(p, HOME, strlen(HOME)) != 0)
		return OB_E_NOTFOUND;
	p += strlen(HOME);
	const char *slash = strchr(p, '/');
	size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);
	int ret = resolve_book(x, p, n);
	if (ret != 0)
		return ret;
	if (slash == NULL || slash[1] == '\0') {
		x->kind = T_BOOK;
		return 0;
	}
	/* the rest is the uid (MHD decoded the path; a '/' in a uid came
	 * as %2F and is part of it) and ".vcf" */
	const char *rest = slash + 1;
	size_t rl = strlen(rest);
	if (rl <= 4 || strcmp(rest + rl - 4, ".vcf") != 0 ||
	    rl - 4 >= DSTORE_UID_MAX)
		return OB_E_NOTFOUND;
	x->uid = ob_strndup(rest, rl - 4);
	if (x->uid == NULL)
		return OB_E_NOMEM;
	x->kind = T_CARD;
	return 0;
}

/* ---- cards -------------------------------------------------------------- */

/* Which version address-data asks for: 30 or 40; 0 for one we cannot
 * give (the handler answers supported-address-data). */
static int asked_version(const struct dav_address_data *ad)
{
	if (*ad->content_type != '\0' &&
	    !ob_str_ieq(ad->content_type, "text/vcard"))
		return 0;
	if (*ad->version == '\0' || strcmp(ad->version, "3.0") == 0)
		return 30;
	if (strcmp(ad->version, "4.0") == 0)
		return 40;
	return 0;
}

struct prop_bit {
	const char *name;
	uint32_t bit;
};

static const struct prop_bit prop_bits[] = {
	{"TITLE", DCARD_PROP_TITLE},
	{"ORG", DCARD_PROP_ORG},
	{"ADR", DCARD_PROP_ADR},
	{"NOTE", DCARD_PROP_NOTE},
	{"CATEGORIES", DCARD_PROP_CATEGORIES},
	{"X-PHONETIC-FIRST-NAME", DCARD_PROP_PHONETIC},
	{"X-PHONETIC-LAST-NAME", DCARD_PROP_PHONETIC},
	{"TEL", DCARD_PROP_TEL},
	{"EMAIL", DCARD_PROP_EMAIL},
};

/* Render p for address-data (or GET when ad is NULL) into x->card. */
static int render(struct ctx *x, const struct dstore_person *p,
		  const struct dav_address_data *ad, int version, size_t *len_r)
{
	struct dcard_render_opts o = {
		.version = version == 40 ? VCARD_V40 : VCARD_V30,
		.photo = x->cfg->max_photo > 0,
		.max_photo_bytes = x->cfg->max_photo,
		.photo_edge = x->cfg->photo_edge,
		.thumbs = x->store,
		.thumb_tenant = x->tenant.id,
		.dialect = x->has_dialect ? &x->dialect : NULL,
	};
	struct ob_err err;

	if (ad != NULL && !ad->allprop && ad->n_props > 0) {
		/* RFC 6352 10.4.2: only the properties named (N, FN, UID,
		 * VERSION and REV always, the card is not valid without
		 * the first ones) */
		o.trim = true;
		o.props = 0;
		o.photo = false;
		for (size_t i = 0; i < ad->n_props; i++) {
			if (ob_str_ieq(ad->props[i], "PHOTO"))
				o.photo = x->cfg->max_photo > 0;
			for (size_t k = 0;
			     k < sizeof(prop_bits) / sizeof(prop_bits[0]); k++)
				if (ob_str_ieq(ad->props[i], prop_bits[k].name))
					o.props |= prop_bits[k].bit;
		}
	}
	return dcard_render_person(p, x->tenant.display, &o, &x->card, len_r,
				   &err);
}

/* Close a member's response: its found properties (200), the ones it has
 * not (404, gathered in missing, left out under Prefer: return=minimal,
 * RFC 8144 2.1), and count it. Frees missing. */
static void end_response(struct ctx *x, struct ob_buf *missing)
{
	put(x, "</D:prop>");
	status_line(x, 200);
	put(x, "</D:propstat>");
	if (missing->len > 0 && !x->rq->minimal) {
		put(x, "<D:propstat><D:prop>");
		put(x, ob_buf_str(missing));
		put(x, "</D:prop>");
		status_line(x, 404);
		put(x, "</D:propstat>");
	}
	put(x, "</D:response>\n");
	ob_buf_deinit(missing);
	member_done(x);
}

/* The props of one card member into two buffers (found, missing). */
static void card_props(struct ctx *x, const struct dstore_person *p)
{
	const struct dav_request *rq = &x->req;
	struct ob_buf missing;
	struct ob_buf *saved = x->b;
	char etag[64];
	size_t len = 0;
	bool rendered = false;

	etag_of(x, p->rev, etag, sizeof(etag));
	ob_buf_init(&missing, 1u << 20);
	put(x, "<D:response><D:href>");
	put_card_href(x, p->uid);
	put(x, "</D:href><D:propstat><D:prop>");
	for (size_t i = 0;
	     i < rq->n_props || (rq->mode != DAV_PROPFIND_PROP && i < 4); i++) {
		struct dav_prop all[] = {
			{DAV_NS_DAV, "DAV:", "getetag"},
			{DAV_NS_DAV, "DAV:", "getcontenttype"},
			{DAV_NS_DAV, "DAV:", "resourcetype"},
			{DAV_NS_DAV, "DAV:", "getlastmodified"},
		};
		const struct dav_prop *pr =
			rq->mode == DAV_PROPFIND_PROP ? &rq->props[i] : &all[i];
		bool names = rq->mode == DAV_PROPFIND_PROPNAME;
		if (names) {
			prop_open_close(x, pr, true);
			continue;
		}
		if (pr->ns == DAV_NS_DAV && strcmp(pr->name, "getetag") == 0) {
			prop_open_close(x, pr, false);
			esc(x, etag);
			prop_end(x, pr);
		} else if (pr->ns == DAV_NS_DAV &&
			   strcmp(pr->name, "getcontenttype") == 0) {
			prop_open_close(x, pr, false);
			put(x, VCARD_TYPE);
			prop_end(x, pr);
		} else if (pr->ns == DAV_NS_DAV &&
			   strcmp(pr->name, "resourcetype") == 0) {
			prop_open_close(x, pr, true);
		} else if (pr->ns == DAV_NS_DAV &&
			   strcmp(pr->name, "getlastmodified") == 0) {
			char date[64];
			time_t t = (time_t)p->mtime;
			struct tm tm;
			gmtime_r(&t, &tm);
			strftime(date, sizeof(date),
				 "%a, %d %b %Y %H:%M:%S GMT", &tm);
			prop_open_close(x, pr, false);
			put(x, date);
			prop_end(x, pr);
		} else if (pr->ns == DAV_NS_CARDDAV &&
			   strcmp(pr->name, "address-data") == 0) {
			int v = asked_version(&rq->address_data);
			if (v == 0)
				v = 30; /* checked before; GET's default */
			if (render(x, p, &rq->address_data, v, &len) != 0) {
				x->b = &missing;
				prop_open_close(x, pr, true);
				x->b = saved;
				continue;
			}
			rendered = true;
			prop_open_close(x, pr, false);
			esc_n(x, x->card.data, len);
			prop_end(x, pr);
		} else if (pr->ns == DAV_NS_DAV &&
			   strcmp(pr->name, "getcontentlength") == 0) {
			if (!rendered && render(x, p, NULL, 30, &len) != 0)
				len = 0;
			prop_open_close(x, pr, false);
			putf(x, "%zu", len);
			prop_end(x, pr);
		} else {
			x->b = &missing;
			prop_open_close(x, pr, true);
			x->b = saved;
		}
	}
	end_response(x, &missing);
}

static void gone_member(struct ctx *x, const char *uid)
{
	put(x, "<D:response><D:href>");
	put_card_href(x, uid);
	put(x, "</D:href>");
	status_line(x, 404);
	put(x, "</D:response>\n");
	member_done(x);
}

/* ---- collection properties ----------------------------------------------- */

static void put_privileges(struct ctx *x)
{
	put(x, "<D:privilege><D:read/></D:privilege>"
	       "<D:privilege><D:read-current-user-privilege-set/>"
	       "</D:privilege>");
}

static void put_principal_href(struct ctx *x)
{
	put(x, "<D:href>" PRINCIPAL "</D:href>");
}

/* Write collection property pr of the resource kind into x->b; false when
 * it has none (the caller lists it as 404). */
static bool coll_prop(struct ctx *x, enum target_kind kind,
		      const struct book *bk, const struct dav_prop *pr,
		      int64_t rev)
{
	const char *n = pr->name;
	bool dav = pr->ns == DAV_NS_DAV, card = pr->ns == DAV_NS_CARDDAV;

	if (dav && strcmp(n, "resourcetype") == 0) {
		prop_open_close(x, pr, false);
		if (kind == T_PRINCIPAL)
			put(x, "<D:principal/>");
		put(x, "<D:collection/>");
		if (kind == T_BOOK)
			put(x, "<C:addressbook/>");
		prop_end(x, pr);
		return true;
	}
	if (dav && strcmp(n, "displayname") == 0) {
		prop_open_close(x, pr, false);
		esc(x, kind == T_BOOK        ? bk->display
		       : kind == T_PRINCIPAL ? x->rq->login
		       : kind == T_HOME      ? x->tenant.display
					     : "Orgbook");
		prop_end(x, pr);
		return true;
	}
	if (dav &&
	    (strcmp(n, "current-user-principal") == 0 ||
	     strcmp(n, "principal-URL") == 0 || strcmp(n, "owner") == 0)) {
		if (strcmp(n, "principal-URL") == 0 && kind != T_PRINCIPAL)
			return false;
		prop_open_close(x, pr, false);
		put_principal_href(x);
		prop_end(x, pr);
		return true;
	}
	if (dav && strcmp(n, "principal-collection-set") == 0) {
		prop_open_close(x, pr, false);
		put(x, "<D:href>" CONTEXT "</D:href>");
		prop_end(x, pr);
		return true;
	}
	if (dav && strcmp(n, "current-user-privilege-set") == 0) {
		prop_open_close(x, pr, false);
		put_privileges(x);
		prop_end(x, pr);
		return true;
	}
	if (card && strcmp(n, "addressbook-home-set") == 0 &&
	    kind == T_PRINCIPAL) {
		prop_open_close(x, pr, false);
		put(x, "<D:href>" HOME "</D:href>");
		prop_end(x, pr);
		return true;
	}
	if (kind != T_BOOK)
		return false;
	if (dav && strcmp(n, "supported-report-set") == 0) {
		prop_open_close(x, pr, false);
		put(x, "<D:supported-report><D:report><D:sync-collection/>"
		       "</D:report></D:supported-report>"
		       "<D:supported-report><D:report>"
		       "<C:addressbook-multiget/></D:report>"
		       "</D:supported-report>"
		       "<D:supported-report><D:report>"
		       "<C:addressbook-query/></D:report>"
		       "</D:supported-report>");
		prop_end(x, pr);
		return true;
	}
	if ((dav && strcmp(n, "sync-token") == 0) ||
	    (pr->ns == DAV_NS_CS && strcmp(n, "getctag") == 0)) {
		struct token t = {.r = rev};
		struct book saved = x->book;
		x->book = *bk;
		prop_open_close(x, pr, false);
		put_token(x, &t);
		prop_end(x, pr);
		x->book = saved;
		return true;
	}
	if (card && strcmp(n, "addressbook-description") == 0) {
		prop_open_close(x, pr, false);
		esc(x, bk->display);
		prop_end(x, pr);
		return true;
	}
	if (card && strcmp(n, "supported-address-data") == 0) {
		prop_open_close(x, pr, false);
		put(x, "<C:address-data-type content-type=\"text/vcard\" "
		       "version=\"3.0\"/><C:address-data-type "
		       "content-type=\"text/vcard\" version=\"4.0\"/>");
		prop_end(x, pr);
		return true;
	}
	if (card && strcmp(n, "max-resource-size") == 0) {
		prop_open_close(x, pr, false);
		putf(x, "%zu", x->cfg->max_photo * 2 + 65536);
		prop_end(x, pr);
		return true;
	}
	return false;
}

/* The names coll_prop knows for each kind (allprop and propname). */
static const struct dav_prop coll_names[] = {
	{DAV_NS_DAV, "DAV:", "resourcetype"},
	{DAV_NS_DAV, "DAV:", "displayname"},
	{DAV_NS_DAV, "DAV:", "current-user-principal"},
	{DAV_NS_DAV, "DAV:", "principal-URL"},
	{DAV_NS_DAV, "DAV:", "owner"},
	{DAV_NS_DAV, "DAV:", "current-user-privilege-set"},
	{DAV_NS_CARDDAV, "urn:ietf:params:xml:ns:carddav",
	 "addressbook-home-set"},
	{DAV_NS_DAV, "DAV:", "supported-report-set"},
	{DAV_NS_DAV, "DAV:", "sync-token"},
	{DAV_NS_CS, "http://calendarserver.org/ns/", "getctag"},
	{DAV_NS_CARDDAV, "urn:ietf:params:xml:ns:carddav",
	 "addressbook-description"},
	{DAV_NS_CARDDAV, "urn:ietf:params:xml:ns:carddav",
	 "supported-address-data"},
	{DAV_NS_CARDDAV, "urn:ietf:params:xml:ns:carddav", "max-resource-size"},
};
#define N_COLL_NAMES (sizeof(coll_names) / sizeof(coll_names[0]))

static void coll_response(struct ctx *x, enum target_kind kind,
			  const struct book *bk, int64_t rev)
{
	const struct dav_request *rq = &x->req;
	struct ob_buf missing;
	struct ob_buf *saved = x->b;

	ob_buf_init(&missing, 1u << 20);
	put(x, "<D:response><D:href>");
	switch (kind) {
	case T_ROOT:
		put(x, CONTEXT);
		break;
	case T_PRINCIPAL:
		put(x, PRINCIPAL);
		break;
	case T_HOME:
		put(x, HOME);
		break;
	default:
		put_book_href(x, bk->name);
	}
	put(x, "</D:href><D:propstat><D:prop>");
	size_t n = rq->mode == DAV_PROPFIND_PROP ? rq->n_props : N_COLL_NAMES;
	for (size_t i = 0; i < n; i++) {
		const struct dav_prop *pr = rq->mode == DAV_PROPFIND_PROP
						    ? &rq->props[i]
						    : &coll_names[i];
		if (rq->mode == DAV_PROPFIND_PROPNAME) {
			size_t before = x->b->len;
			if (coll_prop(x, kind, bk, pr, rev)) {
				x->b->len = before;
				x->b->data[before] = '\0';
				prop_open_close(x, pr, true);
			}
			continue;
		}
		if (coll_prop(x, kind, bk, pr, rev))
			continue;
		if (rq->mode == DAV_PROPFIND_PROP) {
			x->b = &missing;
			prop_open_close(x, pr, true);
			x->b = saved;
		}
	}
	end_response(x, &missing);
}

/* ---- walking a book -------------------------------------------------------- */

/* dfeed_list in pages of LIST_PAGE people (keyset on the person id):
 * inside the caller's read snapshot the pages are one consistent walk,
 * and a store that fetches a statement's whole result at once
 * (PostgreSQL's driver) holds one page, not the book. */
#define LIST_PAGE 1000

struct paged {
	int (*fn)(const struct dfeed_entry *e, void *arg);
	void *arg;
	int64_t last_id;
	size_t rows;
};

static int paged_one(const struct dfeed_entry *e, void *arg)
{
	struct paged *pg = arg;
	pg->last_id = e->person_id;
	pg->rows++;
	return pg->fn(e, pg->arg);
}

static int list_paged(struct ctx *x, const struct dfeed_view *v,
		      int64_t after_id, size_t limit, bool with_photo,
		      int (*fn)(const struct dfeed_entry *e, void *arg),
		      void *arg, struct ob_err *err)
{
	struct paged pg = {fn, arg, after_id, 0};
	size_t left = limit;

	for (;;) {
		size_t page = left > 0 && left < LIST_PAGE ? left : LIST_PAGE;
		pg.rows = 0;
		int ret = dfeed_list(x->store, v, pg.last_id, page, with_photo,
				     paged_one, &pg, err);
		if (ret != 0 || pg.rows < page)
			return ret;
		if (limit > 0 && (left -= page) == 0)
			return 0;
	}
}

static bool wants_photo(const struct ctx *x)
{
	return x->req.address_data.asked && x->cfg->max_photo > 0;
}

static int list_member(const struct dfeed_entry *e, void *arg)
{
	struct ctx *x = arg;
	card_props(x, e->person);
	return halted(x) ? 1 : 0;
}

struct book_list {
	struct ctx *x;
	int fail;
};

static int list_book(const struct dstore_unit *u, void *arg)
{
	struct book_list *l = arg;
	struct ctx *x = l->x;
	if (unit_depth(u->path) > x->cfg->unit_depth)
		return 0;
	struct book bk = {.unit_id = u->id};
	snprintf(bk.name, sizeof(bk.name), "u%lld", (long long)u->id);
	size_t dl = strlen(x->tenant.display) + strlen(u->path) + 4;
	bk.display = malloc(dl);
	if (bk.display == NULL) {
		l->fail = OB_E_NOMEM;
		return 1;
	}
	snprintf(bk.display, dl, "%s - %s", x->tenant.display, u->path);
	coll_response(x, T_BOOK, &bk, x->tenant.revision);
	free(bk.display);
	return halted(x) ? 1 : 0;
}

/* ---- methods -------------------------------------------------------------- */

static void text(struct dav_http_response *rs, int status, const char *msg)
{
	rs->status = status;
	ob_buf_reset(&rs->body);
	ob_buf_add_str(&rs->body, msg);
	ob_strlcpy(rs->content_type, "text/plain; charset=utf-8",
		   sizeof(rs->content_type));
}

/* A DAV:error body with one precondition element (RFC 4918 16). */
static void precondition(struct ctx *x, int status, const char *elem)
{
	x->rs->status = status;
	ob_buf_reset(x->b);
	put(x, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	       "<D:error xmlns:D=\"DAV:\" "
	       "xmlns:C=\"urn:ietf:params:xml:ns:carddav\">");
	put(x, elem);
	put(x, "</D:error>\n");
	ob_strlcpy(x->rs->content_type, "application/xml; charset=utf-8",
		   sizeof(x->rs->content_type));
}

static void refuse_write(struct ctx *x)
{
	const char *m = x->rq->method;
	const char *priv = strcmp(m, "PROPPATCH") == 0 ? "write-properties"
			   : strcmp(m, "ACL") == 0     ? "write-acl"
			   : strcmp(m, "DELETE") == 0 || strcmp(m, "MOVE") == 0
				   ? "unbind"
			   : strcmp(m, "MKCOL") == 0 ? "bind"
						     : "write-content";
	x->rs->status = 403;
	ob_buf_reset(x->b);
	put(x, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	       "<D:error xmlns:D=\"DAV:\"><D:need-privileges>"
	       "<D:resource><D:href>");
	esc(x, x->rq->path);
	putf(x,
	     "</D:href><D:privilege><D:%s/></D:privilege></D:resource>"
	     "</D:need-privileges></D:error>\n",
	     priv);
	ob_strlcpy(x->rs->content_type, "application/xml; charset=utf-8",
		   sizeof(x->rs->content_type));
}

static void store_error(struct ctx *x, int ret)
{
	(void)ret;
	x->store_failed = true;
}

static void do_propfind(struct ctx *x)
{
	const char *d = x->rq->depth;
	int depth = 1; /* RFC 4918 9.1: no Depth is infinity, refused */
	struct ob_err err;

	if (d == NULL || ob_str_ieq(d, "infinity")) {
		if (x->kind != T_CARD) {
			precondition(x, 403, "<D:propfind-finite-depth/>");
			return;
		}
		depth = 0;
	} else if (strcmp(d, "0") == 0) {
		depth = 0;
	} else if (strcmp(d, "1") != 0) {
		text(x->rs, 400, "Depth: 0, 1 or infinity\n");
		return;
	}
	if (x->req.kind != DAV_BODY_EMPTY && x->req.kind != DAV_BODY_PROPFIND) {
		text(x->rs, 400, "PROPFIND takes a DAV:propfind body\n");
		return;
	}
	if (x->req.address_data.asked &&
	    asked_version(&x->req.address_data) == 0) {
		precondition(x, 403, "<C:supported-address-data/>");
		return;
	}
	x->rs->status = 207;
	ms_open(x);
	if (x->kind == T_CARD) {
		struct dstore_person p;
		struct dfeed_view v = {x->tenant.id, x->book.unit_id};
		int in = dfeed_in_view(x->store, &v, x->uid, &err);
		if (in < 0) {
			store_error(x, in);
			return;
		}
		if (in == 0) {
			text(x->rs, 404, "no such card\n");
			return;
		}
		int ret = dstore_person_get(x->store, x->tenant.id, x->uid,
					    wants_photo(x), &p, &err);
		if (ret == OB_E_NOTFOUND) {
			text(x->rs, 404, "no such card\n");
			return;
		}
		if (ret != 0) {
			store_error(x, ret);
			return;
		}
		card_props(x, &p);
		dstore_person_deinit(&p);
		ms_close(x);
		return;
	}
	coll_response(x, x->kind, &x->book, x->tenant.revision);
	if (depth == 1) {
		if (x->kind == T_ROOT) {
			coll_response(x, T_PRINCIPAL, &x->book,
				      x->tenant.revision);
			coll_response(x, T_HOME, &x->book, x->tenant.revision);
		} else if (x->kind == T_HOME) {
			struct book all = {.unit_id = 0,
					   .display = x->tenant.display};
			ob_strlcpy(all.name, "all", sizeof(all.name));
			coll_response(x, T_BOOK, &all, x->tenant.revision);
			struct book_list l = {x, 0};
			int ret = dstore_unit_list(x->store, x->tenant.id,
						   list_book, &l, &err);
			if (l.fail != 0 || (ret < 0 && !halted(x))) {
				store_error(x, l.fail ? l.fail : ret);
				return;
			}
		} else if (x->kind == T_BOOK) {
			struct dfeed_view v = {x->tenant.id, x->book.unit_id};
			int ret = list_paged(x, &v, 0, 0, wants_photo(x),
					     list_member, x, &err);
			if (ret < 0) {
				store_error(x, ret);
				return;
			}
		}
	}
	ms_close(x);
}

/* ---- sync-collection ------------------------------------------------------- */

struct sync_walk {
	struct ctx *x;
	int64_t stop_after; /* pass 1: ids up to this; 0 = no bound */
	uint64_t limit;     /* members this pass may still send; 0 = any */
	uint64_t sent;
	int64_t last_id; /* the last person id sent */
	bool truncated;
	int error;
};

static int sync_member(struct sync_walk *w, const struct dfeed_entry *e)
{
	struct ctx *x = w->x;
	struct ob_err err;

	if (w->limit > 0 && w->sent >= w->limit) {
		w->truncated = true;
		return 1;
	}
	if (e->kind == DFEED_REMOVE) {
		gone_member(x, e->uid);
	} else if (e->person != NULL) {
		card_props(x, e->person);
	} else {
		struct dstore_person p;
		int ret = dstore_person_get(x->store, x->tenant.id, e->uid,
					    wants_photo(x), &p, &err);
		if (ret == OB_E_NOTFOUND) {
			gone_member(x, e->uid);
		} else if (ret != 0) {
			w->error = ret;
			return 1;
		} else {
			card_props(x, &p);
			dstore_person_deinit(&p);
		}
	}
	w->sent++;
	w->last_id = e->person_id;
	return halted(x) ? 1 : 0;
}

static int sync_pass1(const struct dfeed_entry *e, void *arg)
{
	struct sync_walk *w = arg;
	if (e->person_id > w->stop_after)
		return 1;
	return sync_member(w, e);
}

static int sync_pass2(const struct dfeed_entry *e, void *arg)
{
	return sync_member(arg, e);
}

static uint64_t min_limit(uint64_t a, uint64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

static void bad_token(struct ctx *x)
{
	const char *ua = x->rq->user_agent;
	/* Thunderbird refetches the whole book on 400 and fails on any other
	 * status (its CardDAVDirectory's sync-collection accepts 207 and
	 * 400 only): the same precondition, in the status it acts on. */
	bool tb = ua != NULL && strstr(ua, "Thunderbird/") != NULL;
	precondition(x, tb ? 400 : 403, "<D:valid-sync-token/>");
}

static void do_sync(struct ctx *x)
{
	struct dfeed_view v = {x->tenant.id, x->book.unit_id};
	struct token t, next;
	struct ob_err err;
	int64_t now = x->tenant.revision;
	int ret;

	if (x->kind != T_BOOK) {
		precondition(x, 403, "<D:supported-report/>");
		return;
	}
	if (*x->req.sync_token == '\0')
		memset(&t, 0, sizeof(t));
	else if (!parse_token(x, x->req.sync_token, &t) || t.r > now ||
		 t.p > now || (t.r > 0 && t.r < x->tenant.pruned_rev) ||
		 (t.c > 0 && t.p < x->tenant.pruned_rev)) {
		bad_token(x);
		return;
	}
	x->rs->status = 207;
	ms_open(x);
	struct sync_walk w = {.x = x};
	uint64_t limit = min_limit(x->req.nresults, x->cfg->max_results);
	int64_t upto;
	if (t.c > 0) {
		/* pass 1: what changed since P among the ids already sent */
		w.stop_after = t.c;
		ret = dfeed_changes(x->store, &v, t.p, 0, sync_pass1, &w, &upto,
				    &err);
		if (ret == OB_E_GONE) {
			bad_token(x);
			return;
		}
		if (ret < 0 || w.error != 0) {
			store_error(x, w.error != 0 ? w.error : ret);
			return;
		}
	}
	/* pass 2: the rest, listed (R 0) or changed since R */
	w.stop_after = 0;
	w.limit = limit > 0 ? w.sent + limit : 0;
	w.last_id = t.c;
	if (t.r == 0)
		ret = list_paged(x, &v, t.c, limit > 0 ? limit + 1 : 0,
				 wants_photo(x), sync_pass2, &w, &err);
	else if (t.r == now && t.c == 0)
		ret = 0; /* nothing changed: no walk at all */
	else
		ret = dfeed_changes(x->store, &v, t.r, t.c, sync_pass2, &w,
				    &upto, &err);
	if (ret == OB_E_GONE) {
		bad_token(x);
		return;
	}
	if (ret < 0 || w.error != 0) {
		store_error(x, w.error != 0 ? w.error : ret);
		return;
	}
	memset(&next, 0, sizeof(next));
	if (w.truncated) {
		next.r = t.r;
		next.c = w.last_id;
		next.p = now;
		put(x, "<D:response><D:href>");
		put_book_href(x, x->book.name);
		put(x, "</D:href>");
		status_line(x, 507);
		put(x, "<D:error><D:number-of-matches-within-limits/>"
		       "</D:error></D:response>\n");
	} else {
		next.r = now;
	}
	put(x, "<D:sync-token>");
	put_token(x, &next);
	put(x, "</D:sync-token>\n");
	ms_close(x);
}

/* ---- addressbook-multiget ------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The uid an href names in this book, decoded into out; false when it
 * names no card of the book. An absolute URL's scheme and host are
 * skipped (RFC 4918 8.3: hrefs may be absolute). */
static bool href_uid(const struct ctx *x, const char *href, char *out,
		     size_t size)
{
	char prefix[64];
	const char *p = href;

	if (strncmp(p, "http://", 7) == 0 || strncmp(p, "https://", 8) == 0) {
		p = strchr(p + 8 - (p[4] == ':'), '/');
		if (p == NULL)
			return false;
	}
	snprintf(prefix, sizeof(prefix), "%s%s/", HOME, x->book.name);
	size_t n = strlen(prefix);
	if (strncmp(p, prefix, n) != 0)
		return false;
	p += n;
	size_t o = 0;
	for (; *p != '\0'; p++) {
		char c = *p;
		if (c == '%') {
			int hi = hexval(p[1]), lo = hi >= 0 ? hexval(p[2]) : -1;
			if (lo < 0)
				return false;
			c = (char)(hi * 16 + lo);
			p += 2;
		} else if (c == '?' || c == '#') {
			return false;
		}
		/* a '/' is part of the uid: some clients (vdirsyncer) turn
		 * our %2F back into '/' before they send the href */
		if (c == '\0' || o + 1 >= size)
			return false;
		out[o++] = c;
	}
	if (o <= 4 || memcmp(out + o - 4, ".vcf", 4) != 0)
		return false;
	out[o - 4] = '\0';
	return true;
}

/* One batch of a multiget: the cards found, rendered into a buffer per
 * href (reused from batch to batch), then sent in the order asked. */
struct mg_batch {
	struct ctx *x;
	struct ob_buf slot[DSTORE_KNOWN_BATCH];
	bool found[DSTORE_KNOWN_BATCH];
	size_t slot_of[DSTORE_KNOWN_BATCH]; /* uids[k] is href slot_of[k] */
	char uid[DSTORE_KNOWN_BATCH][DSTORE_UID_MAX + 8];
	const char *uids[DSTORE_KNOWN_BATCH];
};

static int mg_found(size_t k, const struct dstore_person *p, void *arg)
{
	struct mg_batch *g = arg;
	struct ctx *x = g->x;
	size_t i = g->slot_of[k];
	struct ob_buf *saved = x->b;

	x->b = &g->slot[i];
	ob_buf_reset(x->b);
	card_props(x, p);
	x->b = saved;
	x->members--; /* counted when the slot is sent */
	g->found[i] = true;
	return halted(x) ? 1 : 0;
}

static void do_multiget(struct ctx *x)
{
	struct dstore_iter_opts o = {
		.unit_id = x->book.unit_id,
		.with_photo = wants_photo(x),
	};
	struct ob_err err;

	if (x->kind != T_BOOK) {
		precondition(x, 403, "<D:supported-report/>");
		return;
	}
	struct mg_batch *g = calloc(1, sizeof(*g));
	if (g == NULL) {
		store_error(x, OB_E_NOMEM);
		return;
	}
	g->x = x;
	for (size_t i = 0; i < DSTORE_KNOWN_BATCH; i++)
		ob_buf_init(&g->slot[i], x->b->cap);
	x->rs->status = 207;
	ms_open(x);
	for (size_t at = 0; at < x->req.n_hrefs && !halted(x);
	     at += DSTORE_KNOWN_BATCH) {
		size_t m = x->req.n_hrefs - at;
		size_t k = 0;
		if (m > DSTORE_KNOWN_BATCH)
			m = DSTORE_KNOWN_BATCH;
		for (size_t i = 0; i < m; i++) {
			g->found[i] = false;
			if (!href_uid(x, x->req.hrefs[at + i], g->uid[k],
				      sizeof(g->uid[k])))
				continue;
			g->uids[k] = g->uid[k];
			g->slot_of[k++] = i;
		}
		int ret =
			dstore_person_get_many(x->store, x->tenant.id, g->uids,
					       k, &o, mg_found, g, &err);
		if (ret < 0) {
			store_error(x, ret);
			break;
		}
		for (size_t i = 0; i < m && !halted(x); i++) {
			if (g->found[i]) {
				if (ob_buf_add(x->b, g->slot[i].data,
					       g->slot[i].len) != 0)
					x->too_big = true;
				member_done(x);
				continue;
			}
			/* the href as the client sent it (RFC 6352 8.7) */
			put(x, "<D:response><D:href>");
			esc(x, x->req.hrefs[at + i]);
			put(x, "</D:href>");
			status_line(x, 404);
			put(x, "</D:response>\n");
			member_done(x);
		}
	}
	for (size_t i = 0; i < DSTORE_KNOWN_BATCH; i++)
		ob_buf_deinit(&g->slot[i]);
	free(g);
	if (!x->store_failed)
		ms_close(x);
}

/* ---- addressbook-query ---------------------------------------------------- */

enum collation {
	COLL_UNICODE_CASEMAP, /* i;unicode-casemap: ASCII folded, the rest as
				 is (CJK has no case; see README) */
	COLL_ASCII_CASEMAP,
	COLL_OCTET,
};

static bool collation_of(const char *s, enum collation *c)
{
	if (*s == '\0' || strcmp(s, "i;unicode-casemap") == 0)
		*c = COLL_UNICODE_CASEMAP;
	else if (strcmp(s, "i;ascii-casemap") == 0)
		*c = COLL_ASCII_CASEMAP;
	else if (strcmp(s, "i;octet") == 0)
		*c = COLL_OCTET;
	else
		return false;
	return true;
}

static char fold(char c, enum collation coll)
{
	if (coll != COLL_OCTET && c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	return c;
}

static bool eq_at(const char *hay, const char *needle, size_t n,
		  enum collation coll)
{
	for (size_t i = 0; i < n; i++)
		if (fold(hay[i], coll) != fold(needle[i], coll))
			return false;
	return true;
}

static bool text_matches(const char *value, const struct dav_text_match *m)
{
	enum collation coll = COLL_UNICODE_CASEMAP;
	size_t vl = strlen(value), nl = strlen(m->value);
	bool hit = false;

	collation_of(m->collation, &coll);
	switch (m->match_type) {
	case DAV_MATCH_EQUALS:
		hit = vl == nl && eq_at(value, m->value, nl, coll);
		break;
	case DAV_MATCH_STARTS_WITH:
		hit = vl >= nl && eq_at(value, m->value, nl, coll);
		break;
	case DAV_MATCH_ENDS_WITH:
		hit = vl >= nl && eq_at(value + vl - nl, m->value, nl, coll);
		break;
	default:
		for (size_t i = 0; i + nl <= vl && !hit; i++)
			hit = eq_at(value + i, m->value, nl, coll);
	}
	return hit != m->negate;
}

/* The values the card of p has for a vCard property name; *n_r of them
 * into vals (borrowed from p or buf). */
static size_t values_of(const struct ctx *x, const struct dstore_person *p,
			const char *name, const char **vals, size_t max,
			char *buf, size_t size)
{
	size_t n = 0;
	if (ob_str_ieq(name, "FN")) {
		vals[n++] = dstore_display_name(p, buf, size);
	} else if (ob_str_ieq(name, "N")) {
		snprintf(buf, size, "%s;%s", p->family ? p->family : "",
			 p->given ? p->given : "");
		vals[n++] = buf;
	} else if (ob_str_ieq(name, "EMAIL")) {
		for (size_t i = 0; i < p->n_emails && n < max; i++)
			vals[n++] = p->emails[i];
	} else if (ob_str_ieq(name, "TEL")) {
		for (size_t i = 0; i < p->n_phones && n < max; i++)
			vals[n++] = p->phones[i].number;
	} else if (ob_str_ieq(name, "TITLE")) {
		if (p->title != NULL && *p->title != '\0')
			vals[n++] = p->title;
	} else if (ob_str_ieq(name, "UID")) {
		vals[n++] = p->uid;
	} else if (ob_str_ieq(name, "ORG")) {
		snprintf(buf, size, "%s;%s", x->tenant.display,
			 p->unit_path != NULL ? p->unit_path : "");
		for (char *s = strchr(buf, ';') + 1; *s != '\0'; s++)
			if (*s == '/')
				*s = ';';
		vals[n++] = buf;
	} else if (ob_str_ieq(name, "CATEGORIES")) {
		if (p->unit_path != NULL && *p->unit_path != '\0')
			vals[n++] = p->unit_path;
	} else if (ob_str_ieq(name, "NOTE")) {
		if (p->note != NULL && *p->note != '\0')
			vals[n++] = p->note;
	}
	return n;
}

static bool prop_filter_matches(const struct ctx *x,
				const struct dstore_person *p,
				const struct dav_prop_filter *f)
{
	const char *vals[DSTORE_MULTI_MAX + 1];
	char buf[1024];
	size_t n = values_of(x, p, f->name, vals, DSTORE_MULTI_MAX, buf,
			     sizeof(buf));

	if (f->is_not_defined)
		return n == 0;
	if (n == 0)
		return false;
	if (f->n_matches == 0)
		return true; /* defined is enough */
	/* RFC 6352 10.5.1: the text-matches combined by the filter's test;
	 * a text-match matches when any value of the property does */
	for (size_t i = 0; i < f->n_matches; i++) {
		bool any = false;
		for (size_t k = 0; k < n && !any; k++)
			any = text_matches(vals[k], &f->matches[i]);
		if (f->all_of && !any)
			return false;
		if (!f->all_of && any)
			return true;
	}
	return f->all_of;
}

static bool query_matches(const struct ctx *x, const struct dstore_person *p)
{
	const struct dav_request *rq = &x->req;
	if (rq->n_filters == 0)
		return true;
	for (size_t i = 0; i < rq->n_filters; i++) {
		bool m = prop_filter_matches(x, p, &rq->filters[i]);
		if (rq->filter_all_of && !m)
			return false;
		if (!rq->filter_all_of && m)
			return true;
	}
	return rq->filter_all_of;
}

struct query_walk {
	struct ctx *x;
	uint64_t limit, sent;
	bool truncated;
	int error;
};

static int query_member(const struct dfeed_entry *e, void *arg)
{
	struct query_walk *w = arg;
	struct ctx *x = w->x;
	struct ob_err err;

	if (!query_matches(x, e->person))
		return 0;
	if (w->limit > 0 && w->sent >= w->limit) {
		w->truncated = true;
		return 1;
	}
	if (wants_photo(x)) {
		/* listed without photos: fetch the few that match with it */
		struct dstore_person p;
		int ret = dstore_person_get(x->store, x->tenant.id, e->uid,
					    true, &p, &err);
		if (ret != 0 && ret != OB_E_NOTFOUND) {
			w->error = ret;
			return 1;
		}
		if (ret == 0) {
			card_props(x, &p);
			dstore_person_deinit(&p);
		}
	} else {
		card_props(x, e->person);
	}
	w->sent++;
	return halted(x) ? 1 : 0;
}

static void do_query(struct ctx *x)
{
	struct dfeed_view v = {x->tenant.id, x->book.unit_id};
	struct ob_err err;
	enum collation c;

	if (x->kind != T_BOOK) {
		precondition(x, 403, "<D:supported-report/>");
		return;
	}
	for (size_t i = 0; i < x->req.n_filters; i++) {
		const struct dav_prop_filter *f = &x->req.filters[i];
		if (f->has_param_filter) {
			precondition(x, 403, "<C:supported-filter/>");
			return;
		}
		for (size_t k = 0; k < f->n_matches; k++)
			if (!collation_of(f->matches[k].collation, &c)) {
				precondition(x, 403,
					     "<C:supported-collation/>");
				return;
			}
	}
	x->rs->status = 207;
	ms_open(x);
	struct query_walk w = {
		.x = x,
		.limit = min_limit(x->req.nresults, x->cfg->max_results),
	};
	int ret = list_paged(x, &v, 0, 0, false, query_member, &w, &err);
	if (ret < 0 || w.error != 0) {
		store_error(x, w.error != 0 ? w.error : ret);
		return;
	}
	if (w.truncated) {
		put(x, "<D:response><D:href>");
		put_book_href(x, x->book.name);
		put(x, "</D:href>");
		status_line(x, 507);
		put(x, "<D:error><D:number-of-matches-within-limits/>"
		       "</D:error></D:response>\n");
	}
	ms_close(x);
}

static void do_report(struct ctx *x)
{
	if (x->req.address_data.asked &&
	    asked_version(&x->req.address_data) == 0) {
		precondition(x, 403, "<C:supported-address-data/>");
		return;
	}
	switch (x->req.kind) {
	case DAV_BODY_SYNC:
		do_sync(x);
		return;
	case DAV_BODY_MULTIGET:
		do_multiget(x);
		return;
	case DAV_BODY_QUERY:
		do_query(x);
		return;
	case DAV_BODY_EMPTY:
		text(x->rs, 400, "REPORT needs a body\n");
		return;
	default:
		precondition(x, 403, "<D:supported-report/>");
		return;
	}
}

/* Does the If-None-Match header list etag (or "*")? */
static bool none_match(const char *header, const char *etag)
{
	if (header == NULL)
		return false;
	if (strcmp(header, "*") == 0)
		return true;
	return strstr(header, etag) != NULL;
}

static void do_get(struct ctx *x)
{
	struct dav_http_response *rs = x->rs;
	struct ob_err err;

	if (x->kind == T_BOOK) {
		rs->status = 200;
		rs->stream_vcf = true;
		rs->stream_unit_id = x->book.unit_id;
		return;
	}
	if (x->kind != T_CARD) {
		text(rs, 200,
		     "Orgbook CardDAV: add this server to your contacts "
		     "application as a CardDAV account.\n");
		return;
	}
	struct dfeed_view v = {x->tenant.id, x->book.unit_id};
	int in = dfeed_in_view(x->store, &v, x->uid, &err);
	if (in < 0) {
		store_error(x, in);
		return;
	}
	struct dstore_person p;
	int ret = in == 0 ? OB_E_NOTFOUND
			  : dstore_person_get(x->store, x->tenant.id, x->uid,
					      x->cfg->max_photo > 0, &p, &err);
	if (ret == OB_E_NOTFOUND) {
		text(rs, 404, "no such card\n");
		return;
	}
	if (ret != 0) {
		store_error(x, ret);
		return;
	}
	int version = x->rq->accept != NULL && strstr(x->rq->accept,
						      "version=4.0") != NULL
			      ? 40
			      : 30;
	etag_of(x, p.rev, rs->etag, sizeof(rs->etag));
	if (version == 40) {
		size_t l = strlen(rs->etag);
		if (l + 3 < sizeof(rs->etag))
			memcpy(rs->etag + l - 1, "-4\"", 4);
	}
	if (none_match(x->rq->if_none_match, rs->etag)) {
		rs->status = 304;
		dstore_person_deinit(&p);
		return;
	}
	size_t len;
	ret = render(x, &p, NULL, version, &len);
	dstore_person_deinit(&p);
	if (ret != 0) {
		text(rs, 500, "the card cannot be written\n");
		return;
	}
	rs->status = 200;
	if (ob_buf_add(&rs->body, x->card.data, len) != 0)
		x->too_big = true;
	ob_strlcpy(rs->content_type,
		   version == 40 ? "text/vcard; charset=utf-8; version=4.0"
				 : VCARD_TYPE,
		   sizeof(rs->content_type));
}

static bool is_write(const char *m)
{
	static const char *const writes[] = {
		"PUT",  "DELETE",     "MKCOL",  "PROPPATCH", "MOVE",
		"COPY", "LOCK",       "UNLOCK", "POST",      "PATCH",
		"ACL",  "MKCALENDAR", "BIND",   "UNBIND",    "REBIND",
	};
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
		if (strcmp(m, writes[i]) == 0)
			return true;
	return false;
}

/* Over the piece size a streamed answer may buffer: one member (a card
 * with the biggest photo, escaped) past it. */
#define STREAM_SLACK ((size_t)64 << 20)

void dav_handle(struct dstore *store, const struct dav_config *cfg,
		const struct dav_http_request *rq, struct dav_http_response *rs)
{
	dav_handle_stream(store, cfg, rq, rs, NULL);
}

void dav_handle_stream(struct dstore *store, const struct dav_config *cfg,
		       const struct dav_http_request *rq,
		       struct dav_http_response *rs,
		       const struct dav_stream *st)
{
	struct ctx x = {
		.store = store, .cfg = cfg, .rq = rq, .rs = rs, .st = st};
	struct ob_err err;
	int ret;

	memset(rs, 0, sizeof(*rs));
	size_t cap =
		cfg->max_response > 0 ? cfg->max_response : (size_t)256 << 20;
	ob_buf_init(&rs->body, st != NULL ? cap + STREAM_SLACK : cap);
	x.b = &rs->body;
	ob_strlcpy(rs->dav, "1, 3, addressbook", sizeof(rs->dav));
	ob_strlcpy(rs->allow, ALLOW, sizeof(rs->allow));
	ob_strlcpy(rs->content_type, "application/xml; charset=utf-8",
		   sizeof(rs->content_type));
	ret = dstore_tenant_get(store, rq->tenant_id, &x.tenant, &err);
	if (ret != 0) {
		store_error(&x, ret);
		goto out;
	}
	quirk_of(&x);
	make_hash(&x);
	if (is_write(rq->method) && dav_path_is_ours(rq->path)) {
		/* whatever the path names, also nothing (a MKCOL, a PUT of
		 * a new card): the book is read-only */
		refuse_write(&x);
		goto out;
	}
	ret = resolve(&x);
	if (ret == OB_E_NOTFOUND) {
		text(rs, 404, "not found\n");
		goto out;
	}
	if (ret != 0) {
		store_error(&x, ret);
		goto out;
	}
	if (x.kind == T_WELL_KNOWN) {
		rs->status = 301;
		ob_strlcpy(rs->location, CONTEXT, sizeof(rs->location));
		text(rs, 301, "moved to " CONTEXT "\n");
		goto out;
	}
	if (strcmp(rq->method, "OPTIONS") == 0) {
		rs->status = 200;
		goto out;
	}
	if (strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0) {
		do_get(&x);
		goto out;
	}
	if (strcmp(rq->method, "PROPFIND") != 0 &&
	    strcmp(rq->method, "REPORT") != 0) {
		text(rs, 405, "method not allowed\n");
		goto out;
	}
	/* The body is capped by the HTTP layer (max-body, or
	 * carddav-max-body once the login is checked); its tree and its
	 * hrefs grow with it: a multiget of a big book's every href */
	struct dav_limits lim = {
		.hrefs = DAV_MAX_HREFS,
		.tree_bytes =
			rq->body_len > ((size_t)4 << 20) ? rq->body_len * 4 : 0,
	};
	ret = dav_request_parse(rq->body, rq->body_len, &lim, &x.req, &err);
	if (ret == OB_E_NOMEM) {
		store_error(&x, ret);
		goto out;
	}
	if (ret != 0) {
		char msg[OB_ERR_MSG_MAX + 32];
		snprintf(msg, sizeof(msg), "bad request body: %s\n", err.msg);
		text(rs, ret == OB_E_LIMIT ? 413 : 400, msg);
		goto out;
	}
	if (strcmp(rq->method, "PROPFIND") == 0)
		do_propfind(&x);
	else
		do_report(&x);
	rs->minimal_applied = rq->prefer_minimal && rs->status == 207;
out:
	if (x.started) {
		/* the status went out: an answer that cannot be finished is
		 * cut, never passed off as complete */
		rs->cut = x.store_failed || x.too_big || x.gone ||
			  rs->status != 207;
		if (!rs->cut)
			stream_out(&x);
		rs->cut = rs->cut || x.gone;
		rs->streamed = true;
	} else if (x.store_failed) {
		text(rs, 503, "database unavailable\n");
	} else if (x.too_big) {
		rs->too_big = true;
		text(rs, 507,
		     "the answer is larger than the server sends at once; "
		     "ask with DAV:limit\n");
	}
	snprintf(rs->log, sizeof(rs->log),
		 "carddav %s %s depth=%s status=%d "
		 "members=%zu bytes=%zu%s",
		 rq->method, rq->path, rq->depth != NULL ? rq->depth : "-",
		 rs->status, x.members, x.sent + rs->body.len,
		 rs->cut     ? " cut"
		 : x.started ? " streamed"
			     : "");
	dav_request_deinit(&x.req);
	free(x.book.display);
	free(x.uid);
	free(x.card.data);
}

void dav_http_response_deinit(struct dav_http_response *rs)
{
	ob_buf_deinit(&rs->body);
}
