/* Fuzz target: the CardDAV request-body reader (carddav/request.c) and,
 * under it, lib/syncml's XML doc mode, as the server runs them on every
 * PROPFIND and REPORT body. Tight caps so the limit paths are reached.
 * Oracles beyond "no crash, leak or read past the input" (ASan): a
 * refused body always says why; an accepted one keeps every cap, every
 * string is non-NULL, hrefs are non-empty and trimmed, a filter has a
 * name, and nresults is never 0 when a DAV:limit was read. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carddav/request.h"
#include "syncml/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s)
{
	if (s == NULL)
		abort();
	(void)strlen(s);
}

static void check_props(const struct dav_prop *p, size_t n, size_t cap)
{
	if (n > cap)
		abort();
	for (size_t i = 0; i < n; i++) {
		check_str(p[i].ns_uri);
		check_str(p[i].name);
		if (p[i].name[0] == '\0' || p[i].ns > DAV_NS_OTHER ||
		    (p[i].ns != DAV_NS_OTHER &&
		     strcmp(p[i].ns_uri, dav_ns_uri(p[i].ns)) != 0))
			abort();
	}
}

static bool ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dav_limits lim = {
		.tree_bytes = 1u << 18, .props = 8, .hrefs = 16, .filters = 4};
	struct dav_request rq;
	struct ob_err err = {0};
	static int inited;

	if (!inited) {
		sml_xml_init();
		inited = 1;
	}
	if (size > 65536)
		return 0;
	int ret = dav_request_parse((const char *)data, size, &lim, &rq, &err);
	if (ret != 0) {
		if (err.msg[0] == '\0' ||
		    (ret != OB_E_PARSE && ret != OB_E_LIMIT &&
		     ret != OB_E_NOMEM))
			abort();
		dav_request_deinit(&rq);
		return 0;
	}
	if (rq.kind > DAV_BODY_OTHER || rq.mode > DAV_PROPFIND_PROP)
		abort();
	if (rq.kind != DAV_BODY_EMPTY) {
		check_props(&rq.root, 1, 1);
		if (rq.tree == NULL)
			abort();
	}
	check_props(rq.props, rq.n_props, lim.props);
	check_props(rq.include, rq.n_include, lim.props);
	check_str(rq.sync_token);
	check_str(rq.address_data.content_type);
	check_str(rq.address_data.version);
	if (rq.address_data.n_props > lim.props)
		abort();
	for (size_t i = 0; i < rq.address_data.n_props; i++)
		check_str(rq.address_data.props[i]);
	if (rq.n_hrefs > lim.hrefs ||
	    (rq.kind == DAV_BODY_MULTIGET && rq.n_hrefs == 0))
		abort();
	for (size_t i = 0; i < rq.n_hrefs; i++) {
		size_t l = strlen(rq.hrefs[i]);
		if (l == 0 || ws(rq.hrefs[i][0]) || ws(rq.hrefs[i][l - 1]))
			abort();
	}
	if (rq.n_filters > lim.filters)
		abort();
	for (size_t i = 0; i < rq.n_filters; i++) {
		const struct dav_prop_filter *f = &rq.filters[i];
		check_str(f->name);
		if (f->name[0] == '\0' || f->n_matches > lim.filters ||
		    (f->is_not_defined && f->n_matches > 0))
			abort();
		for (size_t j = 0; j < f->n_matches; j++) {
			check_str(f->matches[j].value);
			check_str(f->matches[j].collation);
			if (f->matches[j].match_type > DAV_MATCH_ENDS_WITH)
				abort();
		}
	}
	dav_request_deinit(&rq);
	if (rq.tree != NULL || rq.props != NULL)
		abort();
	return 0;
}
