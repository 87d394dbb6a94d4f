/* The one rule for a server's RespURI (SyncML RepPro 1.2 §5.1.1: the URI
 * the client must send its next message to): it is followed only when it
 * keeps the origin of the configured server, that is the same scheme,
 * host and port (RFC 6454 §4). Scheme and host compare ASCII
 * case-insensitively; a missing port is the scheme's default (80, 443),
 * so "http://h/sync" and "HTTP://H:80/x" are one origin. Host names are
 * compared as written, never resolved: "localhost" is not "127.0.0.1".
 * A relative reference is resolved against the URL of the request whose
 * reply carried it (RFC 3986 §5.1.3, §5.2) and then checked like any
 * other, so "/sync?s=1" is followed and "//other.example/sync" is not.
 * User information in a RespURI is refused (it would become HTTP
 * credentials); a fragment is dropped. Parsing is libcurl's own URL
 * parser, the one that later sends the request, so the URL that is
 * checked is the URL that is used. No I/O, no logging. */
#ifndef AGENT_RESPURI_H
#define AGENT_RESPURI_H

#include <stddef.h>

#include "util/err.h"

/* Longest URL the agent sends to (a RespURI beyond is refused). */
#define AGENT_URL_MAX 1024

/* Check that url is an absolute http:// or https:// URL the agent can use
 * as its server. OB_E_INVAL otherwise, err says why. */
int agent_respuri_check_server(const char *url, struct ob_err *err);

/* Resolve resp (the RespURI text as received; surrounding white space is
 * ignored) against base (the URL the reply came from) and check it
 * against server (the configured URL, whose origin base shares). On
 * success writes the absolute URL to use into url_r (NUL-terminated, at
 * most size bytes, size <= AGENT_URL_MAX + 1 is enough) and returns 0.
 * Returns OB_E_FAIL when the RespURI leaves the server's origin, or is
 * malformed, too long or carries user information: err names the URI
 * (control characters shown as '?') and the rule. OB_E_NOMEM. */
int agent_respuri_resolve(const char *server, const char *base,
			  const char *resp, char *url_r, size_t size,
			  struct ob_err *err);

#endif
