/* Photo thumbnails kept in the store (dirstore.h, schema 16 -> 17): one
 * row per tenant, photo hash, edge and byte cap. The rows are a cache:
 * a wrong or missing one can only cost a decode, never show another
 * photo, because the key is the hash of the bytes the card would carry.
 * Never decodes or scales (lib/image does, called by lib/dircard). */
#include "config.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>

#include "dirstore/internal.h"
#include "util/str.h"

int dstore_thumb_key(const unsigned char *photo, size_t len,
		     char key_r[DSTORE_THUMB_KEY_LEN], struct ob_err *err)
{
	unsigned char d[32];

	key_r[0] = '\0';
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, photo, len, d) != 0)
		return ob_err_set(err, OB_E_FAIL, "hash failed");
	ob_hex_encode(d, sizeof(d), key_r);
	return 0;
}

int dstore_thumb_get(struct dstore *s, int64_t tenant_id, const char *key,
		     uint32_t edge, size_t max_bytes, unsigned char **data_r,
		     size_t *len_r, struct ob_err *err)
{
	static const char sql[] =
		"SELECT data FROM photo_thumb WHERE tenant_id = ? AND "
		"hash = ? AND edge = ? AND max_bytes = ?";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc, ret = 0;

	*data_r = NULL;
	*len_r = 0;
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_text(st, 2, key);
	db_bind_int64(st, 3, edge);
	db_bind_int64(st, 4, (int64_t)max_bytes);
	rc = db_step(st);
	if (rc == DB_ROW) {
		int n = db_column_bytes(st, 0);
		const void *b = db_column_blob(st, 0);
		if (n > 0 && b != NULL) {
			*data_r = malloc((size_t)n);
			if (*data_r == NULL)
				ret = ob_err_set(err, OB_E_NOMEM,
						 "out of memory");
			else {
				memcpy(*data_r, b, (size_t)n);
				*len_r = (size_t)n;
			}
		}
	} else if (rc == DB_DONE) {
		ret = ob_err_set(err, OB_E_NOTFOUND, "no thumbnail");
	} else {
		ret = ds_sql_err(s, rc, "thumbnail", err);
	}
	db_reset(st);
	return ret;
}

int dstore_thumb_put(struct dstore *s, int64_t tenant_id, int64_t person_id,
		     const char *key, uint32_t edge, size_t max_bytes,
		     const unsigned char *data, size_t len, int64_t now,
		     struct ob_err *err)
{
	static const char sql[] =
		"INSERT INTO photo_thumb (tenant_id, hash, edge, max_bytes, "
		"person_id, data, created) VALUES (?,?,?,?,?,?,?) "
		"ON CONFLICT DO NOTHING";
	static const unsigned char none[1] = {0};
	struct ds_txn t = DS_TXN_OWN;
	struct db_stmt *st;
	int ret;

	if (len > (size_t)INT32_MAX)
		return ob_err_set(err, OB_E_LIMIT, "thumbnail too large");
	while (ds_txn_stmt(s, &t, sql, &st, &ret, err)) {
		db_bind_int64(st, 1, tenant_id);
		db_bind_text(st, 2, key);
		db_bind_int64(st, 3, edge);
		db_bind_int64(st, 4, (int64_t)max_bytes);
		db_bind_int64(st, 5, person_id);
		/* an empty blob, not NULL (the column is NOT NULL) */
		db_bind_blob(st, 6, len > 0 ? data : none, (int)len);
		db_bind_int64(st, 7, now);
		ret = ds_exec_stmt(s, st, "store thumbnail", err);
	}
	return ret;
}

int dstore_thumb_prune(struct dstore *s, const struct dstore_thumb_size *keep,
		       size_t n_keep, int64_t *removed_r, struct ob_err *err)
{
	static const char orphans[] =
		"DELETE FROM photo_thumb WHERE person_id NOT IN "
		"(SELECT person_id FROM photo)";
	static const char sizes[] =
		"DELETE FROM photo_thumb WHERE NOT (edge = ? AND max_bytes = ?)"
		" AND NOT (edge = ? AND max_bytes = ?) AND NOT (edge = ? AND "
		"max_bytes = ?) AND NOT (edge = ? AND max_bytes = ?)";
	struct ds_txn t = DS_TXN_OWN;
	struct db_stmt *st;
	int64_t removed = 0;
	int ret;

	if (n_keep > 4)
		return ob_err_set(err, OB_E_INVAL, "at most 4 sizes to keep");
	/* rows of a person without a photo: the trigger removes them as the
	 * photo goes; this catches any a path around it left */
	while (ds_txn_stmt(s, &t, orphans, &st, &ret, err)) {
		removed = 0;
		ret = ds_exec_stmt(s, st, "prune thumbnails", err);
		if (ret == 0)
			removed += db_changes(s->db);
		if (ret == 0 && n_keep > 0) {
			st = ds_stmt(s, sizes, err);
			if (st == NULL) {
				ret = err ? err->code : OB_E_FAIL;
				continue;
			}
			for (size_t i = 0; i < 4; i++) {
				const struct dstore_thumb_size *k =
					&keep[i < n_keep ? i : 0];
				db_bind_int64(st, (int)(2 * i + 1), k->edge);
				db_bind_int64(st, (int)(2 * i + 2),
					      (int64_t)k->max_bytes);
			}
			ret = ds_exec_stmt(s, st, "prune thumbnails", err);
			if (ret == 0)
				removed += db_changes(s->db);
		}
	}
	if (removed_r != NULL)
		*removed_r = ret == 0 ? removed : 0;
	return ret;
}
