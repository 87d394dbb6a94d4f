/* The RespURI rule (see respuri.h). */
#include "config.h"
#include "agent/respuri.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/str.h"

struct origin {
	char scheme[16];
	char host[256];
	char port[8];
};

/* uri as it may be printed: control and non-ASCII bytes as '?', at most
 * 160 bytes then "...". A server chooses these bytes. */
static const char *shown(const char *uri, char *out, size_t size)
{
	size_t o = 0, max = size > 164 ? 160 : size - 4;

	for (const char *p = uri; *p != '\0'; p++) {
		if (o == max) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		unsigned char c = (unsigned char)*p;
		out[o++] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	out[o] = '\0';
	return out;
}

static bool part(CURLU *u, CURLUPart what, unsigned flags, char *out,
		 size_t size)
{
	char *v = NULL;

	if (curl_url_get(u, what, &v, flags) != CURLUE_OK)
		return false;
	bool fits = strlen(v) < size;
	if (fits)
		ob_strlcpy(out, v, size);
	curl_free(v);
	return fits;
}

/* Scheme, host and (default) port of u; false when one is missing. */
static bool origin_of(CURLU *u, struct origin *o)
{
	return part(u, CURLUPART_SCHEME, 0, o->scheme, sizeof(o->scheme)) &&
	       part(u, CURLUPART_HOST, 0, o->host, sizeof(o->host)) &&
	       part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT, o->port,
		    sizeof(o->port));
}

static bool web_scheme(const char *scheme)
{
	return ob_str_ieq(scheme, "http") || ob_str_ieq(scheme, "https");
}

int agent_respuri_check_server(const char *url, struct ob_err *err)
{
	CURLU *u = curl_url();
	struct origin o;
	char show[170];
	int ret = 0;

	if (u == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	if (strlen(url) > AGENT_URL_MAX ||
	    curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    !origin_of(u, &o) || !web_scheme(o.scheme))
		ret = ob_err_set(err, OB_E_INVAL,
				 "the server URL '%s' is not an http:// or "
				 "https:// URL",
				 shown(url, show, sizeof(show)));
	curl_url_cleanup(u);
	return ret;
}

int agent_respuri_resolve(const char *server, const char *base,
			  const char *resp, char *url_r, size_t size,
			  struct ob_err *err)
{
	struct origin want = {{0}, {0}, {0}}, got;
	char text[AGENT_URL_MAX + 1], show[170], *v = NULL;
	const char *why = NULL;
	size_t len = strlen(resp);
	const char *r = resp;
	CURLU *u = NULL;
	int ret = 0;

	/* XML white space around the element's text is not part of it */
	while (len > 0 && strchr(" \t\r\n", *r) != NULL) {
		r++;
		len--;
	}
	while (len > 0 && strchr(" \t\r\n", r[len - 1]) != NULL)
		len--;
	if (len > AGENT_URL_MAX) {
		why = "longer than the agent accepts";
		goto out;
	}
	memcpy(text, r, len);
	text[len] = '\0';
	u = curl_url();
	if (u == NULL) {
		ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
		goto out;
	}
	if (curl_url_set(u, CURLUPART_URL, server, 0) != CURLUE_OK ||
	    !origin_of(u, &want)) {
		ret = ob_err_set(err, OB_E_INVAL, "bad server URL");
		goto out;
	}
	/* resolve against the URL the reply came from: a relative reference
	 * keeps its origin by construction (RFC 3986 §5.2.2) */
	if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, text, 0) != CURLUE_OK ||
	    !origin_of(u, &got)) {
		why = "not a URL the agent can use";
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &v, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &v, 0) == CURLUE_OK) {
		why = "it carries user information";
		goto out;
	}
	if (!ob_str_ieq(got.scheme, want.scheme) ||
	    !ob_str_ieq(got.host, want.host) || strcmp(got.port, want.port)) {
		why = "not the configured server's scheme, host and port";
		goto out;
	}
	(void)curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	if (curl_url_get(u, CURLUPART_URL, &v, 0) != CURLUE_OK ||
	    strlen(v) > AGENT_URL_MAX || strlen(v) >= size) {
		why = "longer than the agent accepts";
		goto out;
	}
	ob_strlcpy(url_r, v, size);
out:
	if (why != NULL) {
		char sshow[170];
		ret = ob_err_set(err, OB_E_FAIL,
				 "refused the server's RespURI '%s': %s (%s)",
				 shown(resp, show, sizeof(show)), why,
				 shown(server, sshow, sizeof(sshow)));
	}
	curl_free(v);
	curl_url_cleanup(u);
	return ret;
}
