/* carddav/request.h: the body of a WebDAV / CardDAV request read into a
 * plain struct, so the handler (dav.c) never sees XML. Read-only server:
 * PROPFIND (RFC 4918 9.1), REPORT sync-collection (RFC 6578 3.2),
 * addressbook-multiget (RFC 6352 8.7) and addressbook-query (RFC 6352
 * 8.6, with DAV:limit nresults 8.6.1), and PROPPATCH's propertyupdate
 * only recognised (it is refused with 403 by the handler).
 *
 * Reading: lib/syncml's XML reader (libxml2 SAX2, network off, no DTD,
 * entity declarations refused) with namespace URIs and attributes kept;
 * element names are matched by namespace URI and local name, never by
 * prefix. Unknown elements are skipped where RFC 4918 says to ignore
 * them (17: "unknown XML elements ... MUST be ignored"); a known element
 * in a wrong place, a missing required element or a bad value is
 * OB_E_PARSE with err naming the element ("DAV:sync-token: not a
 * token", "CARDDAV:text-match: match-type \"fuzzy\" unknown").
 *
 * Limits (dav_limits): body bytes are capped by the caller (the HTTP
 * layer); the tree by the limits passed on; properties per request,
 * hrefs per multiget, prop-filters and text-matches per query are
 * capped, and exceeding one is OB_E_LIMIT with a message.
 *
 * Memory: every string in struct dav_request points into the parsed tree
 * (or is a static ""), which the request owns; arrays are malloc'd by
 * dav_request_parse; everything is freed by dav_request_deinit. Strings
 * are NUL-terminated; text is as sent (XML entities decoded), without
 * leading/trailing whitespace trimmed except where noted.
 *
 * Never: touches the store, knows the URL layout or the method's
 * semantics beyond which body shapes it allows, writes XML, logs. */
#ifndef DAV_REQUEST_H
#define DAV_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct sml_tree;

/* Namespaces the server answers in. */
enum dav_ns {
	DAV_NS_DAV = 0,     /* DAV: */
	DAV_NS_CARDDAV = 1, /* urn:ietf:params:xml:ns:carddav */
	DAV_NS_CS = 2,      /* http://calendarserver.org/ns/ (getctag) */
	DAV_NS_APPLE = 3,   /* http://apple.com/ns/ical/ */
	DAV_NS_OTHER = 4,   /* any other: ns_uri says which */
};

/* One property name asked for. ns_uri is the namespace URI as sent
 * (for every ns, so a 404 propstat can echo it; "" for no namespace). */
struct dav_prop {
	enum dav_ns ns;
	const char *ns_uri;
	const char *name; /* local name, e.g. "getetag" */
};

/* CARDDAV:address-data in a prop list (RFC 6352 10.4): which vCard
 * version and which vCard properties the client wants in the card. */
struct dav_address_data {
	bool asked;               /* address-data is among the props */
	const char *content_type; /* attribute, "" when absent
				     (the RFC default text/vcard) */
	const char *version;      /* attribute, "" when absent (3.0) */
	bool allprop;             /* CARDDAV:allprop or no prop child */
	size_t n_props;
	const char **props; /* CARDDAV:prop name="..." values, e.g. "FN" */
};

enum dav_propfind_mode {
	DAV_PROPFIND_ALLPROP = 0, /* also an empty body (RFC 4918 9.1) */
	DAV_PROPFIND_PROPNAME = 1,
	DAV_PROPFIND_PROP = 2,
};

enum dav_match_type {
	DAV_MATCH_CONTAINS = 0, /* RFC 6352 10.5.4 default */
	DAV_MATCH_EQUALS = 1,
	DAV_MATCH_STARTS_WITH = 2,
	DAV_MATCH_ENDS_WITH = 3,
};

/* CARDDAV:text-match (10.5.4). collation is the attribute as sent, ""
 * when absent (i;unicode-casemap, the default); the handler refuses a
 * collation it does not support (supported-collation precondition). */
struct dav_text_match {
	const char *value; /* the text, surrounding whitespace kept */
	const char *collation;
	enum dav_match_type match_type;
	bool negate; /* negate-condition="yes" */
};

/* CARDDAV:prop-filter (10.5.1). */
struct dav_prop_filter {
	const char *name; /* vCard property name as sent, e.g. "EMAIL" */
	bool all_of;      /* test="allof" (default anyof) */
	bool is_not_defined;
	size_t n_matches;
	struct dav_text_match *matches;
	/* param-filter is not supported: has_param_filter tells the handler
	 * to refuse the query (CARDDAV:supported-filter, 403) */
	bool has_param_filter;
};

enum dav_body_kind {
	DAV_BODY_EMPTY = 0,      /* no body (or only whitespace) */
	DAV_BODY_PROPFIND = 1,   /* DAV:propfind */
	DAV_BODY_SYNC = 2,       /* DAV:sync-collection */
	DAV_BODY_MULTIGET = 3,   /* CARDDAV:addressbook-multiget */
	DAV_BODY_QUERY = 4,      /* CARDDAV:addressbook-query */
	DAV_BODY_PROPUPDATE = 5, /* DAV:propertyupdate */
	DAV_BODY_OTHER = 6,      /* well-formed, another root element:
				    root says which (an unsupported REPORT,
				    e.g. DAV:expand-property) */
};

struct dav_request {
	enum dav_body_kind kind;
	struct dav_prop root; /* the root element's name (every kind but
				 EMPTY) */

	/* PROPFIND, and the DAV:prop of the REPORTs */
	enum dav_propfind_mode mode; /* REPORTs: PROP or ALLPROP when they
					carry DAV:allprop (PROPNAME for
					DAV:propname; PROP with no props
					when a multiget or query has no
					prop element) */
	size_t n_props;
	struct dav_prop *props; /* in the order sent, duplicates kept;
				   CARDDAV:address-data is one of them
				   when asked (and fills address_data,
				   the first one only) */
	struct dav_address_data address_data;
	/* DAV:include of an allprop PROPFIND (RFC 4918 14.8) */
	size_t n_include;
	struct dav_prop *include;

	/* sync-collection */
	const char *sync_token;   /* "" for an initial sync; trimmed */
	bool sync_level_infinite; /* DAV:sync-level "infinite" (else "1");
				    required by RFC 6578, a missing one is
				    taken as "1" (several clients omit it) */

	/* sync-collection and addressbook-query: DAV:limit/DAV:nresults,
	 * 0 when absent; a non-number or 0 is OB_E_PARSE */
	uint64_t nresults;

	/* addressbook-multiget: DAV:href values, trimmed, as sent
	 * (percent-encoding kept; the handler decodes) */
	size_t n_hrefs;
	const char **hrefs;

	/* addressbook-query: CARDDAV:filter */
	bool filter_all_of; /* filter test="allof" (default anyof) */
	size_t n_filters;
	struct dav_prop_filter *filters;

	struct sml_tree *tree; /* owns every string above */
};

struct dav_limits {
	size_t tree_bytes; /* 0: 16 MiB */
	size_t props;      /* per prop list; 0: 64 */
	size_t hrefs;      /* per multiget; 0: 100000 */
	size_t filters;    /* prop-filters, and text-matches per filter;
			      0: 16 */
};

/* Read body[0..len) into *rq (zeroed first; dav_request_deinit it in
 * every case, also after a failure). len 0 or a body of only whitespace
 * is DAV_BODY_EMPTY. Returns 0; OB_E_PARSE (malformed XML, a known
 * element misplaced, a bad attribute or value; err names the element
 * and, for malformed XML, line and column); OB_E_LIMIT (a cap above);
 * OB_E_NOMEM. */
int dav_request_parse(const char *body, size_t len,
		      const struct dav_limits *lim, struct dav_request *rq,
		      struct ob_err *err);
void dav_request_deinit(struct dav_request *rq);

/* The namespace URI of ns ("DAV:", ...; "" for DAV_NS_OTHER). */
const char *dav_ns_uri(enum dav_ns ns);

#endif
