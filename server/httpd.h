/* The HTTP layer of orgbook-server (libmicrohttpd, GnuTLS for HTTPS).
 *
 * Routes on the sync listener: POST /sync (SyncML, handed to session.c),
 * GET /export.vcf (the directory or a unit as a streamed .vcf, HTTP Basic
 * login, HTTPS required unless the client is on loopback). On the admin
 * listener: GET /healthz and GET /metrics (Prometheus text).
 *
 * Hardening (test-slow-senders.sh probes each): connection timeout, total and per-IP
 * connection limits, a per-connection memory limit, deadlines for headers
 * and bodies and a reserve of connection slots for whole requests
 * (connguard.h), a body cap (a Content-Length over it answered 413 before
 * the body is read, a chunked body cut when it reaches it; on the admin
 * listener WA_WEB_ANON_BODY_MAX without a signed-in session), a budget of
 * body bytes shared by all requests not yet authenticated (503 with
 * Retry-After when spent), duplicate Content-Length or Content-Length
 * with chunked refused, and a GnuTLS priority string of TLS 1.3 and
 * TLS 1.2 AEAD ciphers only (tls_legacy widens it for old phones). */
#ifndef SRV_HTTPD_H
#define SRV_HTTPD_H

#include "syncml-server/server.h"

struct srv_httpd;

/* Bind and start both listeners. *port_r / *admin_port_r get the ports
 * bound (useful with port 0). */
int srv_httpd_start(struct srv *srv, struct srv_httpd **h_r, int *port_r,
		    int *admin_port_r, struct ob_err *err);
/* Stop accepting, let requests in flight finish (up to timeout_s), stop. */
void srv_httpd_stop(struct srv_httpd **h, int timeout_s);

#endif
