/* Authentication of a SyncML message: syncml:auth-basic, syncml:auth-md5
 * with a per-device nonce, and HTTP Basic as a fallback (OMA DS Protocol
 * 1.2 §8, SyncML Representation 1.1 §5.1.3 Cred).
 *
 * The account decides the enterprise. Failures are throttled per login and
 * per client address (dirstore throttle rows, shared by all instances);
 * a throttled attempt is refused without checking the password. MD5 needs
 * the enterprise to have MD5 enabled (its password equivalent is kept
 * encrypted in the store). A never-issued (empty) nonce is not accepted:
 * the client gets a challenge with a fresh nonce and retries.
 *
 * Only the device's current nonce is ever accepted, and each check issues
 * a new one, so a nonce works once. A digest made with the right password
 * and one of the device's superseded nonces still kept (DSTORE_NONCE_KEEP
 * in all; a retried message, a lost challenge, a client killed mid-sync)
 * is refused like a wrong one (401, a Chal with the fresh nonce) but is
 * not counted as a failed login, against the login or the address: it
 * proves the password, and counting it locked out every user behind a
 * shared address. It is never accepted, so a captured message cannot be
 * replayed into a session. A digest valid for no kept nonce counts when
 * the device's nonce came from a challenge (the client was just told it);
 * when it came from the device's last good login (the nonce of its next
 * session, which a client restored from a backup, or killed before it
 * kept it, never had) the client is re-challenged and nothing is counted:
 * one free try per good login of the device's owner. Why a nonce was
 * issued is the low bit of its first byte. */
#ifndef SRV_AUTH_H
#define SRV_AUTH_H

#include <stdbool.h>

#include "dirstore/dirstore.h"
#include "dirstore/syncml-state.h"
#include "syncml/msg.h"
#include "syncml/writer.h"
#include "syncml-server/server.h"

enum srv_auth_result {
	SRV_AUTH_OK = 0,
	SRV_AUTH_MISSING = 1, /* no credentials: 407 */
	SRV_AUTH_BAD = 2,     /* wrong, unknown, disabled, throttled: 401 */
	SRV_AUTH_ERROR = 3,   /* store failure: 500 */
};

struct srv_auth {
	int64_t tenant_id, account_id;
	char login[DSTORE_LOGIN_MAX];
	bool md5;                          /* the challenge to send */
	bool throttled;                    /* refused unchecked: no nonce */
	char next_nonce[DSTORE_NONCE_MAX]; /* b64, "" when none */
	char why[384];                     /* for the log on failure */
	enum srv_login_reason reason;      /* for /metrics on failure */
};

/* Check the credentials of msg for its device. Fills a->md5/next_nonce
 * with the challenge to send back in every case but SRV_AUTH_ERROR (a new
 * nonce is stored for the device whenever MD5 is in play). */
enum srv_auth_result srv_auth_check(struct srv *srv, struct dstore *store,
				    const struct sml_msg *msg,
				    const char *http_auth, const char *addr,
				    struct srv_auth *a);

/* Check an HTTP "Authorization: Basic ..." header (the .vcf download):
 * the same password check and throttling as syncml:auth-basic.
 * SRV_AUTH_MISSING when there is no Basic header. */
enum srv_auth_result srv_auth_http_basic(struct dstore *store,
					 const char *header, const char *addr,
					 struct srv_auth *a);

/* The SyncHdr Status's Chal element for a->md5 / a->next_nonce. */
void srv_auth_write_chal(struct sml_writer *w, const struct srv_auth *a);

#endif
