/* The LDAP listener of orgbook-server: plain LDAP (with StartTLS when a
 * certificate is configured) and LDAPS on ports of their own, off unless
 * `ldap = yes`. The protocol is ldap/session.h's; this moves bytes.
 *
 * Promises:
 * - one thread per connection, at most ldap-max-connections of them and
 *   ldap-max-connections-per-ip from one address (a connection over
 *   either limit gets a Notice of Disconnection and is closed);
 * - a request must arrive whole within ldap-request-timeout once its
 *   first byte has, and be at most ldap-max-request bytes (16 KiB before
 *   a bind succeeds); a connection idle longer than ldap-idle-timeout is
 *   closed with a Notice of Disconnection; a client that stops reading
 *   is cut after the same request timeout;
 * - TLS with the same certificate and GnuTLS priorities as HTTPS
 *   (server/tls.h), the handshake under the request timeout;
 * - the store connections LDAP uses are a pool of ldap-store-connections,
 *   each borrowed for one request (not held by an idle connection);
 * - srv_ldapd_stop stops accepting, lets requests in flight finish (up
 *   to timeout_s), then closes every connection.
 * Never: decodes LDAP itself, logs a password. */
#ifndef SRV_LDAPD_H
#define SRV_LDAPD_H

#include "syncml-server/server.h"
#include "util/buf.h"

struct srv_ldapd;

/* Start the listeners when cfg.ldap is on (*l_r NULL and 0 when off).
 * *port_r / *ldaps_port_r get the bound ports (-1 when none). */
int srv_ldapd_start(struct srv *srv, struct srv_ldapd **l_r, int *port_r,
		    int *ldaps_port_r, struct ob_err *err);
void srv_ldapd_stop(struct srv_ldapd **l, int timeout_s);
/* Append the listener's counters to out in Prometheus text. */
void srv_ldapd_metrics(const struct srv_ldapd *l, struct ob_buf *out);

#endif
