/* Administrators' browser sessions and the import files they upload
 * between a preview and its apply.
 *
 * Promises: a session is found only by its random token, of which the
 * store keeps the SHA-256 alone; a session of a disabled account, or of
 * one no longer an administrator, does not load; an upload is seen only
 * by the account that made it, for an hour.
 * What it never does: set cookies, check CSRF tokens of requests (it only
 * keeps the session's), or log; nor does it touch directory data. */
#ifndef DSTORE_WEBSESSION_H
#define DSTORE_WEBSESSION_H

#include <stddef.h>
#include <stdint.h>

#include "dirstore/dirstore.h"
#include "util/err.h"

/* ---- administrators' browser sessions --------------------------------- */

#define DSTORE_WEB_TOKEN_MAX 65 /* 64 hex characters + NUL */

struct dstore_web_session {
	int64_t tenant_id, account_id;
	char login[DSTORE_LOGIN_MAX];
	char csrf[DSTORE_WEB_TOKEN_MAX]; /* the form token of this session */
	int64_t created, last_seen;      /* unix time */
};

/* Open a session for an account (own transaction unless one is open):
 * token_r gets the new random token for the cookie; only its SHA-256 is
 * stored. Sessions idle or older than the limits given to load are
 * deleted on the way. */
int dstore_web_session_create(struct dstore *store, int64_t account_id,
			      int64_t now, char token_r[DSTORE_WEB_TOKEN_MAX],
			      struct dstore_web_session *s_r,
			      struct ob_err *err);
/* The live session of a token: OB_E_NOTFOUND when unknown, idle for more
 * than idle_s, older than max_s, or when its account is disabled or no
 * longer an administrator. last_seen is refreshed (written at most once a
 * minute). */
int dstore_web_session_load(struct dstore *store, const char *token,
			    int64_t now, int64_t idle_s, int64_t max_s,
			    struct dstore_web_session *s_r, struct ob_err *err);
/* End a session (logout). Unknown tokens are not an error. */
int dstore_web_session_delete(struct dstore *store, const char *token,
			      struct ob_err *err);
/* An uploaded import file kept between its preview and its apply, for one
 * account; `meta` is the caller's text (format, options), at most 255
 * bytes. Uploads older than an hour are deleted on the way. */
int dstore_web_upload_put(struct dstore *store, int64_t tenant_id,
			  int64_t account_id, int64_t now, const void *data,
			  size_t len, const char *meta, int64_t *id_r,
			  struct ob_err *err);
/* *data_r is malloc'd (NUL-terminated, not counted); meta_r gets meta.
 * OB_E_NOTFOUND for another account's or an expired upload. */
int dstore_web_upload_get(struct dstore *store, int64_t tenant_id,
			  int64_t account_id, int64_t id, char **data_r,
			  size_t *len_r, char meta_r[256], struct ob_err *err);
int dstore_web_upload_delete(struct dstore *store, int64_t tenant_id,
			     int64_t account_id, int64_t id,
			     struct ob_err *err);
/* End every session of an account (password reset, disabling). */
int dstore_web_session_end_account(struct dstore *store, int64_t account_id,
				   struct ob_err *err);

#endif
