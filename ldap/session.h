/* ldap/session: one LDAP connection's protocol, from decoded requests to
 * encoded answers: bind (simple, with an Orgbook account; anonymous where
 * the enterprise allows it), search with its limits and controls, compare,
 * StartTLS and WhoAmI, abandon and unbind; every write answered
 * unwillingToPerform.
 *
 * Binding: the name may be a bare login or a DN whose first RDN is uid=
 * or cn= the login (desk phones send what the user typed). An empty name
 * and password is anonymous; a name with an empty password is refused
 * (RFC 4513 §5.1.2); SASL is authMethodNotSupported; LDAPv2 is
 * protocolError. Failed binds are throttled like every password login
 * (dstore_login: per login and per address, shared by all instances).
 * With require_tls, binds and searches over a plain connection from
 * anywhere but loopback get confidentialityRequired.
 *
 * Searching: a bound session sees its account's enterprise only; an
 * anonymous one the enterprises that allow anonymous binds, by base. A
 * base outside them is noSuchObject with no matched DN. An empty base
 * with scope base is the root DSE; with scope one or sub it means the
 * bound enterprise's base. The server's size and time limits cap the
 * client's. Paged results resume after the last entry's stable key (so
 * a page boundary survives edits between pages; the cookie also carries
 * the count sent, for the size limit across pages); sorted pages and VLV
 * windows are positions in the sorted list. Answers stream: out is
 * handed to flush whenever it holds LDAP_SESSION_FLUSH bytes or more.
 *
 * Never: touches a socket or TLS (the listener's, server/ldapd.c), keeps
 * anything between connections, logs (ldap_session_note says what to). */
#ifndef LDAP_SESSION_H
#define LDAP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirstore/dirstore.h"
#include "ldap/dir.h"
#include "util/buf.h"

#define LDAP_SESSION_FLUSH (64u * 1024)

/* Counters a listener may give its sessions (updated atomically; each
 * session adds what it did). */
struct ldap_counters {
	uint64_t binds, bind_failures, searches, entries;
};

struct ldap_session_config {
	size_t size_limit;   /* entries a search returns at most; 0: none */
	unsigned time_limit; /* seconds a search may run; 0: none */
	bool require_tls;    /* refuse plain binds/searches off loopback */
	bool starttls;       /* the listener can start TLS */
	struct ldap_dircache *cache;
	struct ldap_counters *counters; /* may be NULL */
};

struct ldap_session;

enum ldap_action {
	LDAP_GO_ON,    /* read the next request */
	LDAP_CLOSE,    /* send what out holds, then close */
	LDAP_STARTTLS, /* send what out holds, then start TLS */
};

/* peer: the client's address (throttling, logs); tls: the connection is
 * already TLS (LDAPS); loopback: the peer is this host. */
int ldap_session_new(const struct ldap_session_config *cfg, const char *peer,
		     bool tls, bool loopback, struct ldap_session **s_r);
void ldap_session_free(struct ldap_session **s);

/* One whole PDU (framed by ldap_pdu_length). store is borrowed for the
 * call (NULL: the store is unreachable, answered unavailable). flush
 * returns non-zero when the client is gone: the search stops. */
enum ldap_action ldap_session_pdu(struct ldap_session *s, struct dstore *store,
				  const unsigned char *pdu, size_t len,
				  struct ob_buf *out,
				  int (*flush)(void *ctx, struct ob_buf *out),
				  void *flush_ctx);

/* The TLS handshake after StartTLS worked. */
void ldap_session_tls_started(struct ldap_session *s);
/* Has a bind succeeded (with an account or anonymously)? */
bool ldap_session_bound(const struct ldap_session *s);

/* What the last request did, one line for the listener's log (never a
 * password): "bind login=alice rc=49 (wrong login or password)",
 * "search base=... scope=sub entries=12 rc=0 1.2 ms"; *warn_r: a failed
 * bind or a store failure (log it above info). "" when nothing to say. */
const char *ldap_session_note(const struct ldap_session *s, bool *warn_r);

#endif
