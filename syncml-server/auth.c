/* SyncML authentication (see auth.h). */
#include "config.h"
#include "dirstore/syncml-state.h"
#include "syncml-server/auth.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <string.h>

#include "syncml/writer.h"
#include "util/b64.h"
#include "util/str.h"

#define CRED_MAX 1024

/* A fresh nonce for the message's device, kept under the login it names
 * (the Cred's, else the Source LocName of a message without one). The low
 * bit of its first byte says why it was issued: 1 for a challenge (the
 * client was just told it), 0 after a login that succeeded (the nonce of
 * the device's next session, which a client restored from a backup or
 * killed before it stored it may never have had). */
#define NONCE_CHALLENGE 0x01

static int new_nonce(struct srv *srv, struct dstore *store,
		     const struct sml_msg *m, struct srv_auth *a,
		     bool challenge)
{
	const char *login = *a->login != '\0' ? a->login : m->hdr.source_name;
	unsigned char raw[12];
	struct ob_err err;

	if (gnutls_rnd(GNUTLS_RND_NONCE, raw, sizeof(raw)) != 0)
		return OB_E_FAIL;
	raw[0] = (unsigned char)((raw[0] & ~NONCE_CHALLENGE) |
				 (challenge ? NONCE_CHALLENGE : 0));
	ob_b64_encode(raw, sizeof(raw), a->next_nonce, sizeof(a->next_nonce));
	return dstore_nonce_set(store, m->hdr.source_uri, login, a->next_nonce,
				ob_wall_s(), (int)srv->cfg.nonces_per_login,
				&err);
}

/* user:password from base64 text into login/password buffers. */
static bool split_basic(const char *b64, size_t len, char *login,
			size_t login_size, char *pw, size_t pw_size)
{
	unsigned char raw[CRED_MAX];
	size_t n;

	if (ob_b64_decode(b64, len, raw, sizeof(raw) - 1, &n) != 0)
		return false;
	raw[n] = '\0';
	const char *colon = memchr(raw, ':', n);
	if (colon == NULL || memchr(raw, '\0', n) != NULL)
		return false;
	size_t ul = (size_t)(colon - (const char *)raw);
	bool ok = ul > 0 && ul < login_size && n - ul - 1 < pw_size;
	if (ok) {
		memcpy(login, raw, ul);
		login[ul] = '\0';
		memcpy(pw, colon + 1, n - ul - 1);
		pw[n - ul - 1] = '\0';
	}
	explicit_bzero(raw, sizeof(raw));
	return ok;
}

static enum srv_auth_result check_password(struct dstore *store,
					   const char *login, const char *pw,
					   const char *addr, struct srv_auth *a)
{
	struct dstore_account acc;
	struct ob_err err;
	int ret;

	memset(&acc, 0, sizeof(acc));
	ret = dstore_login(store, login, pw, addr, ob_wall_s(), &acc, &err);
	ob_strlcpy(a->login, login, sizeof(a->login));
	if (ret == OB_E_LIMIT || ret == OB_E_AUTH) {
		a->reason = ret == OB_E_LIMIT ? SRV_LOGIN_THROTTLED
			    : acc.id == 0     ? SRV_LOGIN_UNKNOWN_ACCOUNT
			    : acc.disabled    ? SRV_LOGIN_DISABLED
					      : SRV_LOGIN_BAD_PASSWORD;
		ob_strlcpy(a->why,
			   ret == OB_E_LIMIT ? "throttled"
					     : "wrong login or password",
			   sizeof(a->why));
		return SRV_AUTH_BAD;
	}
	if (ret != 0) {
		ob_strlcpy(a->why, err.msg, sizeof(a->why));
		return SRV_AUTH_ERROR;
	}
	a->tenant_id = acc.tenant_id;
	a->account_id = acc.id;
	return SRV_AUTH_OK;
}

/* Does the login's enterprise take MD5? */
static bool md5_allowed(struct dstore *store, const char *login,
			struct dstore_account *acc_r)
{
	struct dstore_tenant t;
	struct ob_err err;

	return *login != '\0' &&
	       dstore_account_find(store, login, acc_r, &err) == 0 &&
	       !acc_r->disabled &&
	       dstore_tenant_get(store, acc_r->tenant_id, &t, &err) == 0 &&
	       t.md5_auth;
}

/* want = b64(MD5(secret ":" nonce)), the nonce as sent (its base64 text
 * decoded to bytes). False when the stored nonce is not base64. */
static bool md5_digest(const char secret[25], const char *nonce, char want[64])
{
	unsigned char nraw[DSTORE_NONCE_MAX], buf[96], digest[16];
	size_t nlen;

	if (ob_b64_decode(nonce, strlen(nonce), nraw, sizeof(nraw), &nlen) != 0)
		return false;
	memcpy(buf, secret, 24);
	buf[24] = ':';
	memcpy(buf + 25, nraw, nlen);
	gnutls_hash_fast(GNUTLS_DIG_MD5, buf, 25 + nlen, digest);
	explicit_bzero(buf, sizeof(buf));
	ob_b64_encode(digest, sizeof(digest), want, 64);
	return true;
}

/* Was the digest g[0..glen) made with one of the device's superseded
 * nonces? */
static int digest_stale(struct dstore *store, const char *device,
			const char secret[25], const char *g, size_t glen,
			bool *stale_r)
{
	char old[DSTORE_NONCE_KEEP - 1][DSTORE_NONCE_MAX], want[64];
	struct ob_err err;
	int n;

	*stale_r = false;
	int ret = dstore_nonce_old(store, device, old, &n, &err);
	if (ret != 0)
		return ret;
	for (int i = 0; i < n && !*stale_r; i++)
		*stale_r = md5_digest(secret, old[i], want) &&
			   glen == strlen(want) && memcmp(g, want, glen) == 0;
	return 0;
}

/* Was the nonce (base64 text) issued by a challenge? */
static bool challenged(const char *nonce)
{
	unsigned char raw[DSTORE_NONCE_MAX];
	size_t n;

	return ob_b64_decode(nonce, strlen(nonce), raw, sizeof(raw), &n) != 0 ||
	       n == 0 || (raw[0] & NONCE_CHALLENGE) != 0;
}

static enum srv_auth_result check_md5(struct dstore *store,
				      const struct sml_msg *m,
				      const struct sml_node *data,
				      const char *format, const char *addr,
				      struct srv_auth *a)
{
	const char *login = m->hdr.source_name;
	struct dstore_account acc;
	char secret[25], nonce[DSTORE_NONCE_MAX], got[64], want[64];
	enum srv_auth_result r = SRV_AUTH_BAD;
	bool stale = false;
	struct ob_err err;

	ob_strlcpy(a->login, login, sizeof(a->login));
	if (!md5_allowed(store, login, &acc)) {
		/* Unknown login, disabled, or MD5 off for its enterprise. */
		a->md5 = false;
		dstore_login_failed(store, login, addr, ob_wall_s());
		a->reason = SRV_LOGIN_MD5_REFUSED;
		ob_strlcpy(a->why, "MD5 credentials not usable for this login",
			   sizeof(a->why));
		return SRV_AUTH_BAD;
	}
	if (dstore_login_throttled(store, login, addr, ob_wall_s()) != 0) {
		ob_strlcpy(a->why, "throttled", sizeof(a->why));
		a->reason = SRV_LOGIN_THROTTLED;
		a->throttled = true;
		return SRV_AUTH_BAD;
	}
	if (dstore_nonce_get(store, m->hdr.source_uri, nonce, &err) != 0)
		return SRV_AUTH_ERROR;
	if (*nonce == '\0') {
		ob_strlcpy(a->why, "no nonce issued yet", sizeof(a->why));
		a->reason = SRV_LOGIN_RECHALLENGED;
		return SRV_AUTH_BAD; /* not a failure: the client retries */
	}
	if (dstore_account_md5_secret(store, acc.tenant_id, acc.id, secret,
				      &err) != 0) {
		a->reason = SRV_LOGIN_MD5_REFUSED;
		/* err names the key file when it is the key that failed */
		snprintf(a->why, sizeof(a->why),
			 "no MD5 secret for the account: %s", err.msg);
		return SRV_AUTH_BAD;
	}
	/* Data = b64(MD5(b64(MD5(user:pw)) ":" nonce)) */
	if (!md5_digest(secret, nonce, want)) {
		r = SRV_AUTH_ERROR;
		goto out;
	}
	/* Binary digests arrive as 16 opaque bytes in WBXML. */
	if (data->len == 16 && (data->opaque || ob_str_ieq(format, "bin")))
		ob_b64_encode(data->data, 16, got, sizeof(got));
	else
		ob_strlcpy(got, (const char *)data->data, sizeof(got));
	size_t glen = strlen(got);
	const char *g = ob_str_trim(got, &glen);
	if (glen == strlen(want) && memcmp(g, want, glen) == 0) {
		dstore_login_succeeded(store, login);
		a->tenant_id = acc.tenant_id;
		a->account_id = acc.id;
		r = SRV_AUTH_OK;
		goto out;
	}
	if (digest_stale(store, m->hdr.source_uri, secret, g, glen, &stale) !=
	    0) {
		r = SRV_AUTH_ERROR;
		goto out;
	}
	if (stale) {
		/* The right password with a nonce we superseded: a retry or
		 * a lost challenge, not a guess. Re-challenged, not counted;
		 * never accepted, so a captured message cannot be replayed. */
		a->reason = SRV_LOGIN_RECHALLENGED;
		ob_strlcpy(a->why, "MD5 digest for a superseded nonce",
			   sizeof(a->why));
		goto out;
	}
	if (!challenged(nonce)) {
		/* The device's nonce was issued by its last good login, for
		 * its next session: a client restored from a backup, or
		 * killed before it kept that nonce, signs with one we no
		 * longer know. Re-challenged, not counted: the next digest
		 * must use the challenge's nonce, and a wrong one counts
		 * (one free try per good login of the device's owner). */
		a->reason = SRV_LOGIN_RECHALLENGED;
		ob_strlcpy(a->why,
			   "MD5 digest for a nonce the device may not "
			   "have had: re-challenged",
			   sizeof(a->why));
		goto out;
	}
	dstore_login_failed(store, login, addr, ob_wall_s());
	ob_strlcpy(a->why, "wrong MD5 digest", sizeof(a->why));
	a->reason = SRV_LOGIN_BAD_DIGEST;
out:
	explicit_bzero(secret, sizeof(secret));
	return r;
}

enum srv_auth_result srv_auth_http_basic(struct dstore *store,
					 const char *header, const char *addr,
					 struct srv_auth *a)
{
	char login[DSTORE_LOGIN_MAX], pw[DSTORE_PASSWORD_MAX];
	enum srv_auth_result r;

	memset(a, 0, sizeof(*a));
	if (header == NULL || strncasecmp(header, "Basic ", 6) != 0) {
		a->reason = SRV_LOGIN_NO_CREDENTIALS;
		return SRV_AUTH_MISSING;
	}
	if (!split_basic(header + 6, strlen(header + 6), login, sizeof(login),
			 pw, sizeof(pw))) {
		a->reason = SRV_LOGIN_MALFORMED;
		return SRV_AUTH_BAD;
	}
	r = check_password(store, login, pw, addr, a);
	explicit_bzero(pw, sizeof(pw));
	return r;
}

enum srv_auth_result srv_auth_check(struct srv *srv, struct dstore *store,
				    const struct sml_msg *m,
				    const char *http_auth, const char *addr,
				    struct srv_auth *a)
{
	const struct sml_node *cred = m->hdr.cred;
	char login[DSTORE_LOGIN_MAX], pw[DSTORE_PASSWORD_MAX];
	struct dstore_account acc;
	enum srv_auth_result r;

	memset(a, 0, sizeof(*a));
	const char *type = cred != NULL ? sml_meta(cred, NULL, "Type") : "";
	const char *format = cred != NULL ? sml_meta(cred, NULL, "Format") : "";
	const struct sml_node *data = sml_node_child(cred, "Data");

	a->md5 = ob_str_ieq(type, "syncml:auth-md5") ||
		 (cred == NULL && md5_allowed(store, m->hdr.source_name, &acc));
	if (cred != NULL &&
	    (data == NULL || data->len == 0 || data->len >= CRED_MAX)) {
		ob_strlcpy(a->why, "empty credentials", sizeof(a->why));
		a->reason = SRV_LOGIN_MALFORMED;
		r = SRV_AUTH_BAD;
	} else if (cred != NULL && a->md5) {
		r = check_md5(store, m, data, format, addr, a);
	} else if (cred != NULL) {
		if (*type != '\0' && !ob_str_ieq(type, "syncml:auth-basic")) {
			ob_strlcpy(a->why, "unknown credential type",
				   sizeof(a->why));
			a->reason = SRV_LOGIN_MALFORMED;
			r = SRV_AUTH_BAD;
		} else if (!split_basic((const char *)data->data, data->len,
					login, sizeof(login), pw, sizeof(pw))) {
			ob_strlcpy(a->why, "malformed basic credentials",
				   sizeof(a->why));
			a->reason = SRV_LOGIN_MALFORMED;
			r = SRV_AUTH_BAD;
		} else {
			r = check_password(store, login, pw, addr, a);
		}
	} else if (http_auth != NULL &&
		   strncasecmp(http_auth, "Basic ", 6) == 0) {
		bool md5 = a->md5;
		r = srv_auth_http_basic(store, http_auth, addr, a);
		a->md5 = md5;
		if (r == SRV_AUTH_BAD && *a->why == '\0')
			ob_strlcpy(a->why, "malformed HTTP Basic credentials",
				   sizeof(a->why));
	} else {
		ob_strlcpy(a->why, "no credentials", sizeof(a->why));
		a->reason = SRV_LOGIN_NO_CREDENTIALS;
		r = SRV_AUTH_MISSING;
	}
	explicit_bzero(pw, sizeof(pw));
	/* A throttled login gets no new nonce: its rows do not grow. */
	if (r != SRV_AUTH_ERROR && a->md5 && !a->throttled &&
	    new_nonce(srv, store, m, a, r != SRV_AUTH_OK) != 0)
		r = SRV_AUTH_ERROR;
	return r;
}

void srv_auth_write_chal(struct sml_writer *w, const struct srv_auth *a)
{
	sml_writer_open(w, "Chal", NULL);
	sml_writer_open(w, "Meta", NULL);
	sml_writer_text_ns(w, "Type", "syncml:metinf",
			   a->md5 ? "syncml:auth-md5" : "syncml:auth-basic");
	sml_writer_text_ns(w, "Format", "syncml:metinf", "b64");
	if (a->md5)
		sml_writer_text_ns(w, "NextNonce", "syncml:metinf",
				   a->next_nonce);
	sml_writer_close(w);
	sml_writer_close(w);
}
