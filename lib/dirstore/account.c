/* Accounts: deployment-wide unique logins mapped to one enterprise,
 * yescrypt password hashes (libxcrypt), and the optional MD5 password
 * equivalent for syncml:auth-md5, sealed with AES-256-GCM under the store
 * key (a 0600 file beside the database), so a copied database alone does
 * not reveal it. */
#include "config.h"
#include "dirstore/internal.h"
#include "dirstore/websession.h"
#include "util/str.h"

#include <crypt.h>
#include <gnutls/crypto.h>
#include <pthread.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GCM_NONCE 12
#define GCM_TAG 16
#define MD5_SECRET_LEN 24 /* base64 of 16 bytes */

static int check_login(const char *login, struct ob_err *err)
{
	size_t n = strlen(login);
	int ret;

	if (n == 0 || n >= DSTORE_LOGIN_MAX)
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, "login",
				     "must be 1 to %d bytes",
				     DSTORE_LOGIN_MAX - 1);
	ret = ds_check_text(login, DSTORE_LOGIN_MAX, false, "login", err);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n; i++) {
		if (login[i] == ' ' || login[i] == ':')
			return ob_err_set_at(err, OB_E_INVAL, 0, 0, "login",
					     "spaces and ':' are not allowed");
	}
	return 0;
}

static int check_password(const char *pw, struct ob_err *err)
{
	size_t n = strlen(pw);

	if (n < 8)
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, "password",
				     "must be at least 8 characters");
	if (n > DSTORE_PASSWORD_MAX)
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, "password",
				     "longer than %d bytes",
				     DSTORE_PASSWORD_MAX);
	return 0;
}

/* yescrypt hash of pw into a malloc'd string. */
static int hash_password(const char *pw, char **hash_r, struct ob_err *err)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char *salt = NULL, *h;
	int ret = 0;

	*hash_r = NULL;
	if (cd == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	salt = crypt_gensalt_ra("$y$", 0, NULL, 0);
	if (salt == NULL) {
		ret = ob_err_set(err, OB_E_FAIL, "cannot make a password salt");
		goto out;
	}
	h = crypt_r(pw, salt, cd);
	if (h == NULL || h[0] == '*') {
		ret = ob_err_set(err, OB_E_FAIL, "cannot hash the password");
		goto out;
	}
	*hash_r = ob_strndup(h, strlen(h));
	if (*hash_r == NULL)
		ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
out:
	free(salt);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ret;
}

/* Constant-time check of pw against a stored yescrypt hash. */
static bool password_matches(const char *pw, const char *stored)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	const char *h;
	size_t n;
	unsigned char diff = 0;

	if (cd == NULL)
		return false;
	h = crypt_r(pw, stored, cd);
	n = strlen(stored);
	if (h == NULL || strlen(h) != n) {
		free(cd);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(h[i] ^ stored[i]);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return diff == 0;
}

static void b64_encode(const unsigned char *in, size_t len, char *out)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = tbl[(v >> 18) & 63];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? tbl[v & 63] : '=';
	}
	out[o] = '\0';
}

/* Sealed B64(MD5(login:password)): nonce || ciphertext || tag. */
static int seal_md5_secret(struct dstore *s, const char *login, const char *pw,
			   unsigned char *out, size_t *out_len,
			   struct ob_err *err)
{
	gnutls_aead_cipher_hd_t h;
	gnutls_datum_t key;
	const unsigned char *k;
	unsigned char md5[16];
	char secret[MD5_SECRET_LEN + 1];
	char *up;
	size_t n = strlen(login) + strlen(pw) + 2, clen;
	int ret;

	ret = ds_key(s, &k, err);
	if (ret < 0)
		return ret;
	up = malloc(n);
	if (up == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	snprintf(up, n, "%s:%s", login, pw);
	ret = gnutls_hash_fast(GNUTLS_DIG_MD5, up, n - 1, md5);
	explicit_bzero(up, n);
	free(up);
	if (ret < 0)
		return ob_err_set(err, OB_E_FAIL, "md5: %s",
				  gnutls_strerror(ret));
	b64_encode(md5, sizeof(md5), secret);
	if (ob_random_bytes(out, GCM_NONCE) < 0)
		return ob_err_set(err, OB_E_IO, "no randomness");
	key.data = (unsigned char *)k;
	key.size = 32;
	ret = gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_256_GCM, &key);
	if (ret < 0)
		return ob_err_set(err, OB_E_FAIL, "cipher: %s",
				  gnutls_strerror(ret));
	clen = MD5_SECRET_LEN + GCM_TAG;
	ret = gnutls_aead_cipher_encrypt(h, out, GCM_NONCE, NULL, 0, GCM_TAG,
					 secret, MD5_SECRET_LEN,
					 out + GCM_NONCE, &clen);
	gnutls_aead_cipher_deinit(h);
	explicit_bzero(secret, sizeof(secret));
	if (ret < 0)
		return ob_err_set(err, OB_E_FAIL, "encrypt: %s",
				  gnutls_strerror(ret));
	*out_len = GCM_NONCE + clen;
	return 0;
}

int dstore_password_prepare(struct dstore *s, int64_t tenant_id,
			    const char *login, const char *password,
			    struct dstore_password *pw_r, struct ob_err *err)
{
	struct dstore_tenant t;
	int ret;

	memset(pw_r, 0, sizeof(*pw_r));
	ret = check_password(password, err);
	if (ret == 0)
		ret = dstore_tenant_get(s, tenant_id, &t, err);
	if (ret == 0 && t.md5_auth)
		ret = seal_md5_secret(s, login, password, pw_r->sealed,
				      &pw_r->sealed_len, err);
	if (ret == 0)
		ret = hash_password(password, &pw_r->hash, err);
	if (ret < 0)
		dstore_password_deinit(pw_r);
	return ret;
}

void dstore_password_deinit(struct dstore_password *pw)
{
	if (pw->hash != NULL)
		explicit_bzero(pw->hash, strlen(pw->hash));
	free(pw->hash);
	explicit_bzero(pw, sizeof(*pw));
}

int dstore_account_create_prepared(struct dstore *s, int64_t tenant_id,
				   const char *login,
				   const struct dstore_password *pw,
				   enum dstore_role role, int64_t *id_r,
				   struct ob_err *err)
{
	static const char sql[] =
		"INSERT INTO account (tenant_id, login, pwhash, md5_secret, "
		"role, created) VALUES (?, ?, ?, ?, ?, ?)";
	struct ds_txn t = DS_TXN_OWN;
	struct db_stmt *st;
	int ret;

	OB_ASSERT(pw->hash != NULL);
	ret = check_login(login, err);
	if (ret < 0)
		return ret;
	while (ds_txn_stmt(s, &t, sql, &st, &ret, err)) {
		db_bind_int64(st, 1, tenant_id);
		db_bind_text(st, 2, login);
		db_bind_text(st, 3, pw->hash);
		if (pw->sealed_len > 0)
			db_bind_blob(st, 4, pw->sealed, pw->sealed_len);
		db_bind_int(st, 5, role);
		db_bind_int64(st, 6, ob_wall_s());
		ret = ds_exec_stmt(s, st, "create account", err);
		if (ret == OB_E_EXISTS)
			ret = ob_err_set_at(err, OB_E_EXISTS, 0, 0, "login",
					    "the login %s is taken", login);
		if (ret == 0 && id_r != NULL)
			*id_r = db_last_insert_id(s->db);
	}
	return ret;
}

int dstore_account_create(struct dstore *s, int64_t tenant_id,
			  const char *login, const char *password,
			  enum dstore_role role, int64_t *id_r,
			  struct ob_err *err)
{
	struct dstore_password pw;
	int ret = check_login(login, err);

	if (ret == 0)
		ret = dstore_password_prepare(s, tenant_id, login, password,
					      &pw, err);
	if (ret < 0)
		return ret;
	ret = dstore_account_create_prepared(s, tenant_id, login, &pw, role,
					     id_r, err);
	dstore_password_deinit(&pw);
	return ret;
}

int dstore_account_set_password(struct dstore *s, int64_t tenant_id,
				int64_t account_id, const char *password,
				struct ob_err *err)
{
	struct dstore_account a;
	struct dstore_password pw;
	int ret;

	ret = check_password(password, err);
	if (ret == 0)
		ret = dstore_account_get(s, tenant_id, account_id, &a, err);
	if (ret == OB_E_NOTFOUND)
		ret = ob_err_set(err, OB_E_NOTFOUND, "no such account");
	if (ret == 0)
		ret = dstore_password_prepare(s, tenant_id, a.login, password,
					      &pw, err);
	if (ret < 0)
		return ret;
	ret = ds_account_store_password(s, tenant_id, account_id, &pw, err);
	dstore_password_deinit(&pw);
	return ret;
}

int ds_account_store_password(struct dstore *s, int64_t tenant_id,
			      int64_t account_id,
			      const struct dstore_password *pw,
			      struct ob_err *err)
{
	static const char sql[] = "UPDATE account SET pwhash = ?, "
				  "md5_secret = ? WHERE id = ? AND "
				  "tenant_id = ?";
	static const char cancel[] =
		"DELETE FROM account_reset WHERE account_id = ?";
	struct ds_txn t = DS_TXN_OWN;
	struct db_stmt *st;
	int ret;

	while (ds_txn_stmt(s, &t, sql, &st, &ret, err)) {
		db_bind_text(st, 1, pw->hash);
		if (pw->sealed_len > 0)
			db_bind_blob(st, 2, pw->sealed, pw->sealed_len);
		db_bind_int64(st, 3, account_id);
		db_bind_int64(st, 4, tenant_id);
		ret = ds_exec_stmt(s, st, "set password", err);
		if (ret == 0 && db_changes(s->db) == 0)
			ret = ob_err_set(err, OB_E_NOTFOUND, "no such account");
		/* a new password ends any reset link of the account */
		if (ret == 0 && (st = ds_stmt(s, cancel, err)) == NULL)
			ret = err ? err->code : OB_E_FAIL;
		if (ret == 0) {
			db_bind_int64(st, 1, account_id);
			ret = ds_exec_stmt(s, st, "cancel reset link", err);
		}
		/* a new password signs the account out everywhere */
		if (ret == 0)
			ret = dstore_web_session_end_account(s, account_id,
							     err);
	}
	return ret;
}

int dstore_account_set_disabled(struct dstore *s, int64_t tenant_id,
				int64_t account_id, bool disabled,
				struct ob_err *err)
{
	static const char sql[] = "UPDATE account SET disabled = ? "
				  "WHERE id = ? AND tenant_id = ?";
	static const char cancel[] =
		"DELETE FROM account_reset WHERE account_id = ?";
	struct ds_txn t = DS_TXN_OWN;
	struct db_stmt *st;
	int ret;

	while (ds_txn_stmt(s, &t, sql, &st, &ret, err)) {
		db_bind_int(st, 1, disabled);
		db_bind_int64(st, 2, account_id);
		db_bind_int64(st, 3, tenant_id);
		ret = ds_exec_stmt(s, st, "disable account", err);
		if (ret == 0 && db_changes(s->db) == 0)
			ret = ob_err_set(err, OB_E_NOTFOUND, "no such account");
		/* a disabled account's reset link is void, also once
		 * enabled again */
		if (ret == 0 && disabled &&
		    (st = ds_stmt(s, cancel, err)) == NULL)
			ret = err ? err->code : OB_E_FAIL;
		if (ret == 0 && disabled) {
			db_bind_int64(st, 1, account_id);
			ret = ds_exec_stmt(s, st, "cancel reset link", err);
		}
	}
	return ret;
}

void ds_account_from_row(struct db_stmt *st, struct dstore_account *a)
{
	const char *uid = db_column_text(st, 8);
	const char *name = db_column_text(st, 9);

	memset(a, 0, sizeof(*a));
	a->id = db_column_int64(st, 0);
	a->tenant_id = db_column_int64(st, 1);
	ob_strlcpy(a->login, db_column_text(st, 2), sizeof(a->login));
	a->role = db_column_int(st, 3) == DSTORE_ROLE_ADMIN ? DSTORE_ROLE_ADMIN
							    : DSTORE_ROLE_USER;
	a->disabled = db_column_int(st, 4) != 0;
	a->created = db_column_int64(st, 5);
	a->last_login = db_column_int64(st, 7);
	ob_strlcpy(a->person_uid, uid ? uid : "", sizeof(a->person_uid));
	ob_strlcpy(a->person_name, name ? name : "", sizeof(a->person_name));
}

#define account_from_row ds_account_from_row
#define ACCOUNT_COLS DS_ACCOUNT_COLS
#define FROM_ACCOUNT DS_ACCOUNT_FROM

int dstore_account_find(struct dstore *s, const char *login,
			struct dstore_account *a_r, struct ob_err *err)
{
	static const char sql[] =
		"SELECT " ACCOUNT_COLS FROM_ACCOUNT "WHERE a.login = ?";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_text(st, 1, login);
	rc = db_step(st);
	if (rc == DB_ROW) {
		account_from_row(st, a_r);
		db_reset(st);
		return 0;
	}
	db_reset(st);
	if (rc == DB_DONE)
		return ob_err_set(err, OB_E_NOTFOUND, "no account %.128s",
				  login);
	return ds_sql_err(s, rc, "find account", err);
}

/* Passwords verified recently, for the whole process: every store handle
 * (a server has one per worker thread) shares them, so a client's next
 * request on another thread skips the slow hash too. A slot holds the
 * HMAC of login:password under a random process key and the stored hash
 * it matched; it is used only while the account's hash is unchanged, so a
 * new password or a disabled account takes effect at once. */
static struct {
	pthread_mutex_t mu;
	unsigned char key[32];
	bool key_set;
	struct verified slot[VERIFIED_SLOTS];
} cache = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* HMAC-SHA256 of "login\0password" under the process key; false when no
 * key could be made (then nothing is cached). Call with cache.mu held. */
static bool verify_mac(const char *login, const char *pw, unsigned char mac[32])
{
	size_t ll = strlen(login), pl = strlen(pw);
	unsigned char *buf;
	bool ok;

	if (!cache.key_set) {
		if (gnutls_rnd(GNUTLS_RND_KEY, cache.key, sizeof(cache.key)) !=
		    0)
			return false;
		cache.key_set = true;
	}
	buf = malloc(ll + pl + 1);
	if (buf == NULL)
		return false;
	memcpy(buf, login, ll);
	buf[ll] = '\0';
	memcpy(buf + ll + 1, pw, pl);
	ok = gnutls_hmac_fast(GNUTLS_MAC_SHA256, cache.key, sizeof(cache.key),
			      buf, ll + pl + 1, mac) == 0;
	explicit_bzero(buf, ll + pl + 1);
	free(buf);
	return ok;
}

static struct verified *cache_slot(const unsigned char mac[32])
{
	return &cache.slot[((unsigned)mac[0] << 8 | mac[1]) % VERIFIED_SLOTS];
}

/* Was login:password verified against `hash` within VERIFIED_TTL? *mac_r
 * and *have_mac_r are for cache_put after a slow check. */
static bool cache_hit(const char *login, const char *pw, const char *hash,
		      int64_t now, unsigned char mac[32], bool *have_mac_r)
{
	bool hit = false;

	pthread_mutex_lock(&cache.mu);
	*have_mac_r = verify_mac(login, pw, mac);
	if (*have_mac_r) {
		const struct verified *v = cache_slot(mac);
		hit = v->expires > now && memcmp(v->mac, mac, 32) == 0 &&
		      strcmp(v->pwhash, hash) == 0;
	}
	pthread_mutex_unlock(&cache.mu);
	return hit;
}

static void cache_put(const unsigned char mac[32], const char *hash,
		      int64_t now)
{
	if (strlen(hash) >= sizeof(cache.slot[0].pwhash))
		return;
	pthread_mutex_lock(&cache.mu);
	struct verified *v = cache_slot(mac);
	memcpy(v->mac, mac, 32);
	ob_strlcpy(v->pwhash, hash, sizeof(v->pwhash));
	v->expires = now + VERIFIED_TTL;
	pthread_mutex_unlock(&cache.mu);
}

int dstore_account_verify(struct dstore *s, const char *login,
			  const char *password, struct dstore_account *a_r,
			  struct ob_err *err)
{
	static const char sql[] =
		"SELECT " ACCOUNT_COLS FROM_ACCOUNT "WHERE a.login = ?";
	struct db_stmt *st = ds_stmt(s, sql, err);
	struct dstore_account a;
	char hash[256] = "";
	bool found = false, ok;
	int rc;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	if (strlen(password) > DSTORE_PASSWORD_MAX)
		return ob_err_set(err, OB_E_AUTH, "invalid login or password");
	db_bind_text(st, 1, login);
	rc = db_step(st);
	if (rc == DB_ROW) {
		account_from_row(st, &a);
		ob_strlcpy(hash, db_column_text(st, 6), sizeof(hash));
		found = true;
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return ds_sql_err(s, rc, "verify account", err);
	unsigned char mac[32];
	bool have_mac = false;
	int64_t now = ob_wall_s();
	if (found && cache_hit(login, password, hash, now, mac, &have_mac)) {
		/* Verified within VERIFIED_TTL against the same stored hash:
		 * skip the deliberately slow hash. */
		ok = true;
	} else if (found) {
		ok = password_matches(password, hash);
		if (ok && have_mac)
			cache_put(mac, hash, now);
	} else {
		/* hash anyway, so timing does not tell unknown logins apart */
		char *h = NULL;

		hash_password(password, &h, NULL);
		free(h);
		ok = false;
	}
	if (!found || !ok || a.disabled) {
		if (a_r != NULL) {
			memset(a_r, 0, sizeof(*a_r));
			if (found) {
				a_r->id = a.id;
				a_r->tenant_id = a.tenant_id;
				a_r->disabled = ok && a.disabled;
			}
		}
		return ob_err_set(err, OB_E_AUTH, "invalid login or password");
	}
	if (a_r != NULL)
		*a_r = a;
	return 0;
}

int dstore_account_md5_secret(struct dstore *s, int64_t tenant_id,
			      int64_t account_id, char secret_r[25],
			      struct ob_err *err)
{
	static const char sql[] = "SELECT md5_secret FROM account "
				  "WHERE id = ? AND tenant_id = ?";
	unsigned char sealed[GCM_NONCE + MD5_SECRET_LEN + GCM_TAG];
	gnutls_aead_cipher_hd_t h;
	gnutls_datum_t key;
	const unsigned char *k;
	struct db_stmt *st = ds_stmt(s, sql, err);
	size_t n = 0, plen;
	int ret;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, account_id);
	db_bind_int64(st, 2, tenant_id);
	if (db_step(st) == DB_ROW && db_column_bytes(st, 0) == sizeof(sealed)) {
		n = sizeof(sealed);
		memcpy(sealed, db_column_blob(st, 0), n);
	}
	db_reset(st);
	if (n == 0)
		return ob_err_set(err, OB_E_NOTFOUND,
				  "the account has no MD5 secret (MD5 auth off "
				  "or password set before it was enabled)");
	ret = ds_key(s, &k, err);
	if (ret < 0)
		return ret;
	key.data = (unsigned char *)k;
	key.size = 32;
	ret = gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_256_GCM, &key);
	if (ret < 0)
		return ob_err_set(err, OB_E_FAIL, "cipher: %s",
				  gnutls_strerror(ret));
	plen = MD5_SECRET_LEN;
	ret = gnutls_aead_cipher_decrypt(h, sealed, GCM_NONCE, NULL, 0, GCM_TAG,
					 sealed + GCM_NONCE, n - GCM_NONCE,
					 secret_r, &plen);
	gnutls_aead_cipher_deinit(h);
	if (ret < 0 || plen != MD5_SECRET_LEN)
		return ob_err_set(err, OB_E_AUTH,
				  "MD5 secret does not decrypt (wrong key "
				  "file?)");
	secret_r[MD5_SECRET_LEN] = '\0';
	return 0;
}

int dstore_account_list(struct dstore *s, int64_t tenant_id,
			int (*fn)(const struct dstore_account *a, void *ctx),
			void *ctx, struct ob_err *err)
{
	static const char sql[] = "SELECT " ACCOUNT_COLS FROM_ACCOUNT
				  "WHERE a.tenant_id = ? ORDER BY a.login";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc, ret = 0;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	while ((rc = db_step(st)) == DB_ROW) {
		struct dstore_account a;

		account_from_row(st, &a);
		ret = fn(&a, ctx);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != DB_DONE)
		ret = ds_sql_err(s, rc, "list accounts", err);
	db_reset(st);
	return ret;
}

int dstore_account_get(struct dstore *s, int64_t tenant_id, int64_t account_id,
		       struct dstore_account *a_r, struct ob_err *err)
{
	static const char sql[] = "SELECT " ACCOUNT_COLS FROM_ACCOUNT
				  "WHERE a.id = ? AND a.tenant_id = ?";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, account_id);
	db_bind_int64(st, 2, tenant_id);
	rc = db_step(st);
	if (rc == DB_ROW)
		account_from_row(st, a_r);
	db_reset(st);
	if (rc == DB_ROW)
		return 0;
	if (rc == DB_DONE)
		return ob_err_set(err, OB_E_NOTFOUND, "no such account");
	return ds_sql_err(s, rc, "get account", err);
}

/* The id of the tenant's person with this uid and the login of the
 * account linked to it ("" when none). */
static int find_link_target(struct dstore *s, int64_t tenant_id,
			    const char *uid, int64_t *person_r,
			    int64_t *holder_r, char holder[DSTORE_LOGIN_MAX],
			    struct ob_err *err)
{
	static const char sql[] =
		"SELECT p.id, a.id, a.login FROM person p LEFT JOIN account a "
		"ON a.person_id = p.id WHERE p.tenant_id = ? AND p.uid = ?";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc;

	holder[0] = '\0';
	*holder_r = 0;
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_text(st, 2, uid);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*person_r = db_column_int64(st, 0);
		*holder_r = db_column_int64(st, 1);
		if (!db_column_null(st, 2))
			ob_strlcpy(holder, db_column_text(st, 2),
				   DSTORE_LOGIN_MAX);
	}
	db_reset(st);
	if (rc == DB_ROW)
		return 0;
	if (rc == DB_DONE)
		return ob_err_set_at(err, OB_E_NOTFOUND, 0, 0, "uid",
				     "no person with uid \"%.200s\" in this "
				     "enterprise",
				     uid);
	return ds_sql_err(s, rc, "find person", err);
}

int dstore_account_link(struct dstore *s, int64_t tenant_id, int64_t account_id,
			const char *uid, struct ob_err *err)
{
	static const char sql[] = "UPDATE account SET person_id = ? WHERE "
				  "id = ? AND tenant_id = ?";
	char holder[DSTORE_LOGIN_MAX];
	int64_t person = 0, holder_id = 0;
	struct dstore_account a;
	struct db_stmt *st;
	struct ds_txn t = DS_TXN_OWN;
	int ret;

	ret = dstore_account_get(s, tenant_id, account_id, &a, err);
	if (ret < 0)
		return ret;
	if (uid != NULL && uid[0] != '\0') {
		if (strlen(uid) >= DSTORE_UID_MAX)
			return ob_err_set_at(err, OB_E_NOTFOUND, 0, 0, "uid",
					     "no person with uid \"%.64s…\" in "
					     "this enterprise",
					     uid);
		ret = find_link_target(s, tenant_id, uid, &person, &holder_id,
				       holder, err);
		if (ret == 0 && holder_id != 0 && holder_id != account_id)
			ret = ob_err_set_at(err, OB_E_EXISTS, 0, 0, "uid",
					    "%.200s is already linked to the "
					    "account %.128s",
					    uid, holder);
		if (ret < 0)
			return ret;
	}
	while (ds_txn_stmt(s, &t, sql, &st, &ret, err)) {
		if (person != 0)
			db_bind_int64(st, 1, person);
		db_bind_int64(st, 2, account_id);
		db_bind_int64(st, 3, tenant_id);
		ret = ds_exec_stmt(s, st, "link account", err);
		if (ret == OB_E_EXISTS) /* linked by another writer meanwhile */
			ret = ob_err_set_at(err, OB_E_EXISTS, 0, 0, "uid",
					    "%.200s is already linked to "
					    "another account",
					    uid);
		else if (ret == 0 && db_changes(s->db) == 0)
			ret = ob_err_set(err, OB_E_NOTFOUND, "no such account");
	}
	return ret;
}

int ds_account_person_gone(struct dstore *s, int64_t tenant_id,
			   int64_t person_id, const char *uid, const char *name,
			   struct ob_err *err)
{
	static const char find[] = "SELECT id, login FROM account WHERE "
				   "person_id = ? AND tenant_id = ?";
	static const char clear[] =
		"UPDATE account SET person_id = NULL WHERE id = ?";
	char login[DSTORE_LOGIN_MAX] = "", detail[600];
	struct db_stmt *st = ds_stmt(s, find, err);
	int64_t id = 0;
	int rc, ret;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, person_id);
	db_bind_int64(st, 2, tenant_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		id = db_column_int64(st, 0);
		ob_strlcpy(login, db_column_text(st, 1), sizeof(login));
	}
	db_reset(st);
	if (rc != DB_ROW)
		return rc == DB_DONE ? 0
				     : ds_sql_err(s, rc, "linked account", err);
	st = ds_stmt(s, clear, err);
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, id);
	ret = ds_exec_stmt(s, st, "unlink account", err);
	if (ret < 0)
		return ret;
	snprintf(detail, sizeof(detail), "person %.200s (%.256s) deleted", uid,
		 name ? name : "");
	return dstore_account_log_add(s, tenant_id, s->txn_time,
				      s->txn_actor[0] ? s->txn_actor : "store",
				      "unlink", login, detail, err);
}

int dstore_account_of_person(struct dstore *s, int64_t tenant_id,
			     const char *uid, struct dstore_account *a_r,
			     struct ob_err *err)
{
	static const char sql[] = "SELECT " ACCOUNT_COLS FROM_ACCOUNT
				  "WHERE a.tenant_id = ? AND p.uid = ?";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_text(st, 2, uid);
	rc = db_step(st);
	if (rc == DB_ROW)
		account_from_row(st, a_r);
	db_reset(st);
	if (rc == DB_ROW)
		return 0;
	if (rc == DB_DONE)
		return ob_err_set(err, OB_E_NOTFOUND,
				  "no account linked to %.200s", uid);
	return ds_sql_err(s, rc, "account of person", err);
}
