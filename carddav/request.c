/* carddav/request.c: a WebDAV / CardDAV request body into struct
 * dav_request (see request.h), over lib/syncml's XML reader in its doc
 * mode (namespace URIs and attributes kept).
 *
 * The grammar is the DTDs of RFC 4918 14 (propfind, prop, allprop,
 * propname, include, propertyupdate), RFC 6578 6 (sync-collection,
 * sync-token, sync-level; DAV:limit from RFC 5323 5.17) and RFC 6352 10
 * (addressbook-multiget, addressbook-query, filter, prop-filter,
 * text-match, param-filter, is-not-defined, address-data), read with the
 * leniency real clients need:
 * - names are matched by namespace URI and local name; prefixes are
 *   whatever the client chose (D:, d:, A:, a default xmlns, C:, CARD:,
 *   card:, CR:) and may be declared on any element;
 * - elements we do not know are skipped wherever they appear (RFC 4918
 *   17), but an element of this grammar where the grammar does not allow
 *   it ("DAV:href: not allowed in DAV:propfind") is an error, so a body
 *   that means something else is never half-understood;
 * - an empty DAV:propfind element is read as allprop (as an empty body,
 *   RFC 4918 9.1); an empty DAV:sync-token is the initial sync; a missing
 *   DAV:sync-level is "1" (several clients omit it) and "infinity" is
 *   read as "infinite"; multiget and query without a prop choice ask for
 *   no property (mode PROP, n_props 0);
 * - DAV:prop children are property names whatever their content;
 *   CARDDAV:address-data among them also fills rq->address_data (the first
 *   one; it is in rq->props as well, like every other name asked for).
 *
 * Trimming writes a NUL into the tree's copy of the text (the tree is the
 * request's own). Never logs, never touches the store. */
#include "carddav/request.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syncml/tree.h"
#include "syncml/xml.h"
#include "util/str.h"

#define DAV_TREE_BYTES ((size_t)16 << 20)
#define DAV_PROPS 64
#define DAV_HREFS 100000
#define DAV_FILTERS 16

static const char *const ns_uris[] = {
	"DAV:",
	"urn:ietf:params:xml:ns:carddav",
	"http://calendarserver.org/ns/",
	"http://apple.com/ns/ical/",
	"",
};

/* How error messages name a namespace. */
static const char *const ns_labels[] = {
	"DAV:", "CARDDAV:", "CS:", "APPLE:", ""};

const char *dav_ns_uri(enum dav_ns ns)
{
	if ((unsigned)ns >= DAV_NS_OTHER)
		return "";
	return ns_uris[ns];
}

static enum dav_ns ns_of(const char *uri)
{
	for (unsigned i = 0; i < DAV_NS_OTHER; i++)
		if (strcmp(uri, ns_uris[i]) == 0)
			return (enum dav_ns)i;
	return DAV_NS_OTHER;
}

struct ctx {
	struct dav_request *rq;
	struct dav_limits lim; /* defaults filled in */
	struct ob_err *err;
	size_t props_cap, include_cap, hrefs_cap, filters_cap, ad_cap;
};

/* "DAV:sync-token", "CARDDAV:filter", "{urn:x}name" into buf. */
static const char *label(const struct sml_node *n, char *buf, size_t size)
{
	enum dav_ns ns = ns_of(n->ns_uri);
	if (ns != DAV_NS_OTHER)
		snprintf(buf, size, "%s%s", ns_labels[ns], n->name);
	else
		snprintf(buf, size, "{%s}%s", n->ns_uri, n->name);
	return buf;
}

/* Set err to "<element>: <message>" and return code. */
static int fail(struct ctx *c, const struct sml_node *n, int code,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(struct ctx *c, const struct sml_node *n, int code,
		const char *fmt, ...)
{
	char lab[160], msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ob_err_set(c->err, code, "%s: %s", label(n, lab, sizeof(lab)),
			  msg);
}

static bool is(const struct sml_node *n, enum dav_ns ns, const char *name)
{
	return !n->attr && strcmp(n->ns_uri, ns_uris[ns]) == 0 &&
	       strcmp(n->name, name) == 0;
}

/* Element children only (attribute nodes come first and are skipped). */
static struct sml_node *first_elem(const struct sml_node *n)
{
	struct sml_node *c = n->first;
	while (c != NULL && c->attr)
		c = c->next;
	return c;
}

static struct sml_node *next_elem(const struct sml_node *n)
{
	struct sml_node *c = n->next;
	while (c != NULL && c->attr)
		c = c->next;
	return c;
}

/* The elements of this grammar: one of them where the grammar does not
 * put it is an error, any other element is skipped. */
static bool known(const struct sml_node *n)
{
	static const char *const dav[] = {
		"prop",     "allprop",    "propname",        "include",
		"href",     "sync-token", "sync-level",      "limit",
		"nresults", "propfind",   "sync-collection", "propertyupdate",
	};
	static const char *const card[] = {
		"filter",
		"prop-filter",
		"param-filter",
		"text-match",
		"is-not-defined",
		"addressbook-query",
		"addressbook-multiget",
	};
	enum dav_ns ns = ns_of(n->ns_uri);
	if (ns == DAV_NS_DAV) {
		for (size_t i = 0; i < sizeof(dav) / sizeof(dav[0]); i++)
			if (strcmp(n->name, dav[i]) == 0)
				return true;
	} else if (ns == DAV_NS_CARDDAV) {
		for (size_t i = 0; i < sizeof(card) / sizeof(card[0]); i++)
			if (strcmp(n->name, card[i]) == 0)
				return true;
	}
	return false;
}

/* An element the context has no use for: an error when it is ours. */
static int other(struct ctx *c, const struct sml_node *child,
		 const struct sml_node *parent)
{
	char lab[160];

	if (!known(child))
		return 0;
	return fail(c, child, OB_E_PARSE, "not allowed in %s",
		    label(parent, lab, sizeof(lab)));
}

static bool ws(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* The node's text without surrounding whitespace, NUL-terminated in
 * place; *len_r its length. */
static const char *trimmed(struct sml_node *n, size_t *len_r)
{
	size_t b = 0, e = n->len;

	if (n->len == 0) {
		*len_r = 0;
		return "";
	}
	unsigned char *d = (unsigned char *)n->data; /* the tree's arena */
	while (b < e && ws(d[b]))
		b++;
	while (e > b && ws(d[e - 1]))
		e--;
	d[e] = '\0';
	*len_r = e - b;
	return (const char *)d + b;
}

/* Grow *arr (elements of size sz) to hold one more past *n. */
static int grow(struct ctx *c, void **arr, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap > 0 ? *cap * 2 : 8;
	void *p = realloc(*arr, ncap * sz);
	if (p == NULL)
		return ob_err_set(c->err, OB_E_NOMEM, "out of memory");
	*arr = p;
	*cap = ncap;
	return 0;
}

static int add_prop(struct ctx *c, const struct sml_node *list,
		    struct dav_prop **arr, size_t *n, size_t *cap,
		    const struct sml_node *e)
{
	if (*n >= c->lim.props)
		return fail(c, list, OB_E_LIMIT, "more than %zu properties",
			    c->lim.props);
	int ret = grow(c, (void **)arr, *n, cap, sizeof(**arr));
	if (ret != 0)
		return ret;
	(*arr)[*n] = (struct dav_prop){
		.ns = ns_of(e->ns_uri), .ns_uri = e->ns_uri, .name = e->name};
	(*n)++;
	return 0;
}

/* CARDDAV:address-data (RFC 6352 10.4): (allprop | prop*). */
static int address_data(struct ctx *c, const struct sml_node *n)
{
	struct dav_address_data *ad = &c->rq->address_data;
	const char *v;
	bool allprop = false;

	ad->asked = true;
	v = sml_node_attr(n, "", "content-type");
	ad->content_type = v != NULL ? v : "";
	v = sml_node_attr(n, "", "version");
	ad->version = v != NULL ? v : "";
	for (struct sml_node *e = first_elem(n); e != NULL; e = next_elem(e)) {
		if (is(e, DAV_NS_CARDDAV, "allprop")) {
			allprop = true;
		} else if (is(e, DAV_NS_CARDDAV, "prop")) {
			const char *name = sml_node_attr(e, "", "name");
			if (name == NULL || name[0] == '\0')
				return fail(c, e, OB_E_PARSE,
					    "name attribute missing");
			if (ad->n_props >= c->lim.props)
				return fail(c, n, OB_E_LIMIT,
					    "more than %zu properties",
					    c->lim.props);
			int ret = grow(c, (void **)&ad->props, ad->n_props,
				       &c->ad_cap, sizeof(*ad->props));
			if (ret != 0)
				return ret;
			ad->props[ad->n_props++] = name;
		}
	}
	if (allprop && ad->n_props > 0)
		return fail(c, n, OB_E_PARSE,
			    "CARDDAV:allprop with CARDDAV:prop");
	ad->allprop = ad->n_props == 0;
	return 0;
}

/* DAV:prop: every element child is a property name. */
static int prop_list(struct ctx *c, const struct sml_node *n)
{
	struct dav_request *rq = c->rq;

	for (struct sml_node *e = first_elem(n); e != NULL; e = next_elem(e)) {
		int ret = add_prop(c, n, &rq->props, &rq->n_props,
				   &c->props_cap, e);
		if (ret != 0)
			return ret;
		if (is(e, DAV_NS_CARDDAV, "address-data") &&
		    !rq->address_data.asked) {
			ret = address_data(c, e);
			if (ret != 0)
				return ret;
		}
	}
	return 0;
}

/* One of DAV:allprop, DAV:propname, DAV:prop under root: 1 when e was
 * one (read), 0 when not, or an error. */
static int prop_choice(struct ctx *c, const struct sml_node *root,
		       const struct sml_node *e, bool *seen)
{
	enum dav_propfind_mode mode;

	if (is(e, DAV_NS_DAV, "allprop"))
		mode = DAV_PROPFIND_ALLPROP;
	else if (is(e, DAV_NS_DAV, "propname"))
		mode = DAV_PROPFIND_PROPNAME;
	else if (is(e, DAV_NS_DAV, "prop"))
		mode = DAV_PROPFIND_PROP;
	else
		return 0;
	if (*seen)
		return fail(c, root, OB_E_PARSE,
			    "more than one of DAV:allprop, DAV:propname "
			    "and DAV:prop");
	*seen = true;
	c->rq->mode = mode;
	if (mode == DAV_PROPFIND_PROP) {
		int ret = prop_list(c, e);
		if (ret != 0)
			return ret;
	}
	return 1;
}

static int once(struct ctx *c, const struct sml_node *root,
		const struct sml_node *e, const struct sml_node *prev)
{
	char lab[160];

	if (prev == NULL)
		return 0;
	return fail(c, root, OB_E_PARSE, "more than one %s",
		    label(e, lab, sizeof(lab)));
}

static int propfind(struct ctx *c, const struct sml_node *root)
{
	struct dav_request *rq = c->rq;
	const struct sml_node *include = NULL;
	bool seen = false;
	int ret;

	rq->mode = DAV_PROPFIND_ALLPROP;
	for (struct sml_node *e = first_elem(root); e != NULL;
	     e = next_elem(e)) {
		ret = prop_choice(c, root, e, &seen);
		if (ret < 0)
			return ret;
		if (ret > 0)
			continue;
		if (is(e, DAV_NS_DAV, "include")) {
			if ((ret = once(c, root, e, include)) != 0)
				return ret;
			include = e;
			for (struct sml_node *p = first_elem(e); p != NULL;
			     p = next_elem(p)) {
				ret = add_prop(c, e, &rq->include,
					       &rq->n_include, &c->include_cap,
					       p);
				if (ret != 0)
					return ret;
			}
		} else if ((ret = other(c, e, root)) != 0) {
			return ret;
		}
	}
	if (include != NULL && rq->mode != DAV_PROPFIND_ALLPROP)
		return fail(c, include, OB_E_PARSE, "only with DAV:allprop");
	return 0;
}

/* DAV:limit (RFC 5323 5.17, in sync-collection) or CARDDAV:limit (RFC
 * 6352 10.6, in addressbook-query): nresults of the same namespace, a
 * positive number. */
static int limit(struct ctx *c, const struct sml_node *n)
{
	struct sml_node *nr = NULL;
	size_t len;
	int ret;
	enum dav_ns ns =
		is(n, DAV_NS_CARDDAV, "limit") ? DAV_NS_CARDDAV : DAV_NS_DAV;

	for (struct sml_node *e = first_elem(n); e != NULL; e = next_elem(e)) {
		if (is(e, ns, "nresults")) {
			if ((ret = once(c, n, e, nr)) != 0)
				return ret;
			nr = e;
		} else if ((ret = other(c, e, n)) != 0) {
			return ret;
		}
	}
	if (nr == NULL)
		return fail(c, n, OB_E_PARSE,
			    ns == DAV_NS_DAV ? "DAV:nresults missing"
					     : "CARDDAV:nresults missing");
	const char *s = trimmed(nr, &len);
	uint64_t v = 0;
	if (first_elem(nr) != NULL ||
	    ob_parse_u64(s, len, UINT64_MAX, &v) != 0 || v == 0)
		return fail(c, nr, OB_E_PARSE,
			    "\"%.40s\" is not a positive "
			    "number",
			    s);
	c->rq->nresults = v;
	return 0;
}

static int sync_collection(struct ctx *c, const struct sml_node *root)
{
	struct dav_request *rq = c->rq;
	struct sml_node *token = NULL, *level = NULL, *lim = NULL;
	bool seen = false;
	size_t len;
	int ret;

	rq->mode = DAV_PROPFIND_PROP;
	for (struct sml_node *e = first_elem(root); e != NULL;
	     e = next_elem(e)) {
		ret = prop_choice(c, root, e, &seen);
		if (ret < 0)
			return ret;
		if (ret > 0)
			continue;
		if (is(e, DAV_NS_DAV, "sync-token")) {
			if ((ret = once(c, root, e, token)) != 0)
				return ret;
			token = e;
		} else if (is(e, DAV_NS_DAV, "sync-level")) {
			if ((ret = once(c, root, e, level)) != 0)
				return ret;
			level = e;
		} else if (is(e, DAV_NS_DAV, "limit")) {
			if ((ret = once(c, root, e, lim)) != 0)
				return ret;
			lim = e;
			if ((ret = limit(c, e)) != 0)
				return ret;
		} else if ((ret = other(c, e, root)) != 0) {
			return ret;
		}
	}
	if (token == NULL)
		return fail(c, root, OB_E_PARSE, "DAV:sync-token missing");
	if (!seen)
		return fail(c, root, OB_E_PARSE, "DAV:prop missing");
	/* a token is a URI (RFC 6578 6.2): visible ASCII only */
	const char *t = trimmed(token, &len);
	bool ok = first_elem(token) == NULL;
	for (size_t i = 0; ok && i < len; i++)
		ok = (unsigned char)t[i] > 0x20 && (unsigned char)t[i] < 0x7f;
	if (!ok)
		return fail(c, token, OB_E_PARSE, "not a token");
	rq->sync_token = t;
	if (level != NULL) {
		const char *l = trimmed(level, &len);
		if (strcmp(l, "infinite") == 0 || strcmp(l, "infinity") == 0)
			rq->sync_level_infinite = true;
		else if (strcmp(l, "1") != 0 || first_elem(level) != NULL)
			return fail(c, level, OB_E_PARSE,
				    "\"%.40s\" is neither 1 nor infinite", l);
	}
	return 0;
}

static int multiget(struct ctx *c, const struct sml_node *root)
{
	struct dav_request *rq = c->rq;
	bool seen = false;
	size_t len;
	int ret;

	rq->mode = DAV_PROPFIND_PROP;
	for (struct sml_node *e = first_elem(root); e != NULL;
	     e = next_elem(e)) {
		ret = prop_choice(c, root, e, &seen);
		if (ret < 0)
			return ret;
		if (ret > 0)
			continue;
		if (is(e, DAV_NS_DAV, "href")) {
			if (rq->n_hrefs >= c->lim.hrefs)
				return fail(c, root, OB_E_LIMIT,
					    "more than %zu DAV:href",
					    c->lim.hrefs);
			const char *h = trimmed(e, &len);
			if (len == 0)
				return fail(c, e, OB_E_PARSE, "empty");
			ret = grow(c, (void **)&rq->hrefs, rq->n_hrefs,
				   &c->hrefs_cap, sizeof(*rq->hrefs));
			if (ret != 0)
				return ret;
			rq->hrefs[rq->n_hrefs++] = h;
		} else if ((ret = other(c, e, root)) != 0) {
			return ret;
		}
	}
	if (rq->n_hrefs == 0)
		return fail(c, root, OB_E_PARSE, "no DAV:href");
	return 0;
}

/* A test="anyof|allof" attribute: *all_of, or an error. */
static int test_attr(struct ctx *c, const struct sml_node *n, bool *all_of)
{
	const char *t = sml_node_attr(n, "", "test");

	*all_of = false;
	if (t == NULL || ob_str_ieq(t, "anyof"))
		return 0;
	if (ob_str_ieq(t, "allof")) {
		*all_of = true;
		return 0;
	}
	return fail(c, n, OB_E_PARSE, "test \"%.40s\" unknown", t);
}

static int text_match(struct ctx *c, const struct sml_node *n,
		      struct dav_text_match *m)
{
	const char *v;

	m->value = (const char *)n->data;
	if (memchr(n->data, '\0', n->len) != NULL)
		return fail(c, n, OB_E_PARSE, "not text");
	v = sml_node_attr(n, "", "collation");
	m->collation = v != NULL ? v : "";
	v = sml_node_attr(n, "", "match-type");
	if (v == NULL || ob_str_ieq(v, "contains"))
		m->match_type = DAV_MATCH_CONTAINS;
	else if (ob_str_ieq(v, "equals"))
		m->match_type = DAV_MATCH_EQUALS;
	else if (ob_str_ieq(v, "starts-with"))
		m->match_type = DAV_MATCH_STARTS_WITH;
	else if (ob_str_ieq(v, "ends-with"))
		m->match_type = DAV_MATCH_ENDS_WITH;
	else
		return fail(c, n, OB_E_PARSE, "match-type \"%.40s\" unknown",
			    v);
	v = sml_node_attr(n, "", "negate-condition");
	if (v != NULL && ob_str_ieq(v, "yes"))
		m->negate = true;
	else if (v != NULL && !ob_str_ieq(v, "no"))
		return fail(c, n, OB_E_PARSE,
			    "negate-condition \"%.40s\" is neither yes nor no",
			    v);
	return 0;
}

/* CARDDAV:prop-filter (RFC 6352 10.5.1):
 * (is-not-defined | (text-match*, param-filter*)). */
static int prop_filter(struct ctx *c, const struct sml_node *n,
		       struct dav_prop_filter *f)
{
	size_t cap = 0;
	int ret;

	f->name = sml_node_attr(n, "", "name");
	if (f->name == NULL || f->name[0] == '\0') {
		f->name = "";
		return fail(c, n, OB_E_PARSE, "name attribute missing");
	}
	if ((ret = test_attr(c, n, &f->all_of)) != 0)
		return ret;
	for (struct sml_node *e = first_elem(n); e != NULL; e = next_elem(e)) {
		if (is(e, DAV_NS_CARDDAV, "is-not-defined")) {
			f->is_not_defined = true;
		} else if (is(e, DAV_NS_CARDDAV, "text-match")) {
			if (f->n_matches >= c->lim.filters)
				return fail(c, n, OB_E_LIMIT,
					    "more than %zu text-matches",
					    c->lim.filters);
			ret = grow(c, (void **)&f->matches, f->n_matches, &cap,
				   sizeof(*f->matches));
			if (ret != 0)
				return ret;
			struct dav_text_match *m = &f->matches[f->n_matches++];
			memset(m, 0, sizeof(*m));
			if ((ret = text_match(c, e, m)) != 0)
				return ret;
		} else if (is(e, DAV_NS_CARDDAV, "param-filter")) {
			f->has_param_filter = true;
		} else if ((ret = other(c, e, n)) != 0) {
			return ret;
		}
	}
	if (f->is_not_defined && (f->n_matches > 0 || f->has_param_filter))
		return fail(c, n, OB_E_PARSE,
			    "CARDDAV:is-not-defined with other tests");
	return 0;
}

static int filter(struct ctx *c, const struct sml_node *n)
{
	struct dav_request *rq = c->rq;
	int ret;

	if ((ret = test_attr(c, n, &rq->filter_all_of)) != 0)
		return ret;
	for (struct sml_node *e = first_elem(n); e != NULL; e = next_elem(e)) {
		if (is(e, DAV_NS_CARDDAV, "prop-filter")) {
			if (rq->n_filters >= c->lim.filters)
				return fail(c, n, OB_E_LIMIT,
					    "more than %zu prop-filters",
					    c->lim.filters);
			ret = grow(c, (void **)&rq->filters, rq->n_filters,
				   &c->filters_cap, sizeof(*rq->filters));
			if (ret != 0)
				return ret;
			struct dav_prop_filter *f =
				&rq->filters[rq->n_filters++];
			memset(f, 0, sizeof(*f));
			if ((ret = prop_filter(c, e, f)) != 0)
				return ret;
		} else if ((ret = other(c, e, n)) != 0) {
			return ret;
		}
	}
	return 0;
}

static int query(struct ctx *c, const struct sml_node *root)
{
	struct sml_node *filt = NULL, *lim = NULL;
	bool seen = false;
	int ret;

	c->rq->mode = DAV_PROPFIND_PROP;
	for (struct sml_node *e = first_elem(root); e != NULL;
	     e = next_elem(e)) {
		ret = prop_choice(c, root, e, &seen);
		if (ret < 0)
			return ret;
		if (ret > 0)
			continue;
		if (is(e, DAV_NS_CARDDAV, "filter")) {
			if ((ret = once(c, root, e, filt)) != 0)
				return ret;
			filt = e;
			if ((ret = filter(c, e)) != 0)
				return ret;
		} else if (is(e, DAV_NS_CARDDAV, "limit") ||
			   is(e, DAV_NS_DAV, "limit")) {
			/* RFC 6352 8.6 names CARDDAV:limit; DAV:limit as
			 * in sync-collection is taken too */
			if ((ret = once(c, root, e, lim)) != 0)
				return ret;
			lim = e;
			if ((ret = limit(c, e)) != 0)
				return ret;
		} else if ((ret = other(c, e, root)) != 0) {
			return ret;
		}
	}
	if (filt == NULL)
		return fail(c, root, OB_E_PARSE, "CARDDAV:filter missing");
	return 0;
}

int dav_request_parse(const char *body, size_t len,
		      const struct dav_limits *lim, struct dav_request *rq,
		      struct ob_err *err)
{
	struct ctx c = {.rq = rq, .err = err};
	struct sml_limits tl = {0};
	size_t i;

	memset(rq, 0, sizeof(*rq));
	rq->root.ns_uri = rq->root.name = "";
	rq->sync_token = "";
	rq->address_data.content_type = rq->address_data.version = "";
	if (lim != NULL)
		c.lim = *lim;
	if (c.lim.tree_bytes == 0)
		c.lim.tree_bytes = DAV_TREE_BYTES;
	if (c.lim.props == 0)
		c.lim.props = DAV_PROPS;
	if (c.lim.hrefs == 0)
		c.lim.hrefs = DAV_HREFS;
	if (c.lim.filters == 0)
		c.lim.filters = DAV_FILTERS;
	for (i = 0; i < len && ws((unsigned char)body[i]); i++)
		;
	if (i == len) {
		rq->kind = DAV_BODY_EMPTY;
		return 0;
	}
	tl.tree_bytes = c.lim.tree_bytes;
	int ret = sml_xml_parse_doc(
		body, len, &tl, SML_XML_NS_URI | SML_XML_ATTRS, &rq->tree, err);
	if (ret != 0)
		return ret;
	const struct sml_node *root = sml_tree_root(rq->tree);
	rq->root = (struct dav_prop){.ns = ns_of(root->ns_uri),
				     .ns_uri = root->ns_uri,
				     .name = root->name};
	if (is(root, DAV_NS_DAV, "propfind")) {
		rq->kind = DAV_BODY_PROPFIND;
		return propfind(&c, root);
	}
	if (is(root, DAV_NS_DAV, "sync-collection")) {
		rq->kind = DAV_BODY_SYNC;
		return sync_collection(&c, root);
	}
	if (is(root, DAV_NS_CARDDAV, "addressbook-multiget")) {
		rq->kind = DAV_BODY_MULTIGET;
		return multiget(&c, root);
	}
	if (is(root, DAV_NS_CARDDAV, "addressbook-query")) {
		rq->kind = DAV_BODY_QUERY;
		return query(&c, root);
	}
	rq->kind = is(root, DAV_NS_DAV, "propertyupdate") ? DAV_BODY_PROPUPDATE
							  : DAV_BODY_OTHER;
	return 0;
}

void dav_request_deinit(struct dav_request *rq)
{
	if (rq == NULL)
		return;
	free(rq->props);
	free(rq->include);
	free(rq->hrefs);
	free(rq->address_data.props);
	for (size_t i = 0; i < rq->n_filters; i++)
		free(rq->filters[i].matches);
	free(rq->filters);
	sml_tree_free(&rq->tree);
	memset(rq, 0, sizeof(*rq));
}
