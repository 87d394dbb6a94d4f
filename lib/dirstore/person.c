/* People: validation, storage and iteration. Multi-valued fields are kept
 * as lines ("type\tnumber\n" for phones, "addr\n" for emails), which is
 * safe because control characters are refused in those fields. Each row
 * carries an etag (SHA-256 of its content) so a put that changes nothing
 * writes and logs nothing. Photos live in their own table so scans of the
 * people table stay small. */
#include "config.h"
#include "dirstore/internal.h"
#include "pinyin/pinyin.h"
#include "util/buf.h"
#include "util/str.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const phone_types[] = {"work", "cell", "home", "fax"};

static int check_phone(const struct dstore_phone *ph, size_t i,
		       struct ob_err *err)
{
	char field[32];
	size_t digits = 0;
	bool type_ok = false;

	snprintf(field, sizeof(field), "phone[%zu]", i + 1);
	for (size_t t = 0; t < 4; t++)
		type_ok |= ph->type != NULL &&
			   strcmp(ph->type, phone_types[t]) == 0;
	if (!type_ok)
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, field,
				     "type must be work, cell, home or fax");
	if (ph->number == NULL || strlen(ph->number) > 64)
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, field,
				     "number missing or longer than 64");
	for (const char *p = ph->number; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			digits++;
		} else if (!strchr("+-() ./#*,;xXeEtT", *p)) {
			return ob_err_set_at(err, OB_E_INVAL, 0, 0, field,
					     "'%c' is not allowed in a phone "
					     "number",
					     (unsigned char)*p >= 0x20 &&
							     (unsigned char)*p <
								     0x7f
						     ? *p
						     : '?');
		}
	}
	if (digits < 3)
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, field,
				     "a phone number needs at least 3 digits");
	return 0;
}

static int check_email(const char *e, size_t i, struct ob_err *err)
{
	char field[32];
	const char *at;
	int ret;

	snprintf(field, sizeof(field), "email[%zu]", i + 1);
	ret = ds_check_text(e, 254, false, field, err);
	if (ret < 0)
		return ret;
	/* legal in RFC 5321's local part, but it separates addresses in the
	 * import's and export's CSV cells: one stored could not come back */
	if (e != NULL && strchr(e, '|') != NULL)
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, field,
				     "\"%.64s\": '|' is not allowed in an "
				     "email address",
				     e);
	at = e ? strchr(e, '@') : NULL;
	if (at == NULL || at == e || at[1] == '\0' || strchr(at + 1, '@') ||
	    strchr(e, ' ') || !strchr(at + 1, '.'))
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, field,
				     "\"%.64s\" is not an email address",
				     e ? e : "");
	return 0;
}

static bool is_image(const unsigned char *p, size_t n)
{
	static const unsigned char png[8] = {0x89, 'P',  'N',  'G',
					     0x0d, 0x0a, 0x1a, 0x0a};

	return (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) ||
	       (n >= 8 && memcmp(p, png, 8) == 0);
}

static int validate(struct dstore *s, const struct dstore_person *p,
		    struct ob_err *err)
{
	static const struct {
		size_t off;
		const char *name;
		size_t max;
	} fields[] = {
		{offsetof(struct dstore_person, uid), "uid", 200},
		{offsetof(struct dstore_person, family), "family_name",
		 DSTORE_NAME_MAX},
		{offsetof(struct dstore_person, given), "given_name",
		 DSTORE_NAME_MAX},
		{offsetof(struct dstore_person, display), "display_name",
		 DSTORE_NAME_MAX},
		{offsetof(struct dstore_person, phonetic_family),
		 "phonetic_family", DSTORE_NAME_MAX},
		{offsetof(struct dstore_person, phonetic_given),
		 "phonetic_given", DSTORE_NAME_MAX},
		{offsetof(struct dstore_person, title), "title",
		 DSTORE_NAME_MAX},
		{offsetof(struct dstore_person, street), "street",
		 DSTORE_NAME_MAX},
		{offsetof(struct dstore_person, locality), "city",
		 DSTORE_NAME_MAX},
		{offsetof(struct dstore_person, region), "region",
		 DSTORE_NAME_MAX},
		{offsetof(struct dstore_person, postcode), "postcode", 32},
		{offsetof(struct dstore_person, country), "country",
		 DSTORE_NAME_MAX},
	};
	int ret;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *v =
			*(char *const *)((const char *)p + fields[i].off);

		ret = ds_check_text(v, fields[i].max, false, fields[i].name,
				    err);
		if (ret < 0)
			return ret;
	}
	ret = ds_check_text(p->note, DSTORE_NOTE_MAX, true, "note", err);
	if (ret < 0)
		return ret;
	if ((p->display == NULL || p->display[0] == '\0') &&
	    (p->family == NULL || p->family[0] == '\0') &&
	    (p->given == NULL || p->given[0] == '\0'))
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, "display_name",
				     "a person needs a name");
	if (p->n_phones > DSTORE_MULTI_MAX || p->n_emails > DSTORE_MULTI_MAX)
		return ob_err_set_at(err, OB_E_LIMIT, 0, 0,
				     p->n_phones > DSTORE_MULTI_MAX ? "phone"
								    : "email",
				     "more than %d values", DSTORE_MULTI_MAX);
	for (size_t i = 0; i < p->n_phones; i++) {
		ret = check_phone(&p->phones[i], i, err);
		if (ret < 0)
			return ret;
	}
	for (size_t i = 0; i < p->n_emails; i++) {
		ret = check_email(p->emails[i], i, err);
		if (ret < 0)
			return ret;
	}
	if (p->photo != NULL && p->photo_len > 0) {
		if (p->photo_len > s->photo_max)
			return ob_err_set_at(err, OB_E_LIMIT, 0, 0, "photo",
					     "photo of %zu bytes is over the "
					     "cap of %zu bytes",
					     p->photo_len, s->photo_max);
		if (!is_image(p->photo, p->photo_len))
			return ob_err_set_at(err, OB_E_INVAL, 0, 0, "photo",
					     "photo is neither JPEG nor PNG");
	}
	return 0;
}

int dstore_person_check(struct dstore *s, const struct dstore_person *p,
			struct ob_err *err)
{
	return validate(s, p, err);
}

static int encode_lists(const struct dstore_person *p, struct ob_buf *phones,
			struct ob_buf *emails)
{
	for (size_t i = 0; i < p->n_phones; i++) {
		if (ob_buf_addf(phones, "%s\t%s\n", p->phones[i].type,
				p->phones[i].number) < 0)
			return OB_E_NOMEM;
	}
	for (size_t i = 0; i < p->n_emails; i++) {
		if (ob_buf_addf(emails, "%s\n", p->emails[i]) < 0)
			return OB_E_NOMEM;
	}
	return 0;
}

/* SHA-256 over every stored field, with separators that cannot occur. */
static int compute_etag(const struct dstore_person *p, int64_t unit_id,
			const char *phones, const char *emails, char out[65])
{
	const char *vals[] = {
		p->family,         p->given,    p->display, p->phonetic_family,
		p->phonetic_given, p->title,    phones,     emails,
		p->street,         p->locality, p->region,  p->postcode,
		p->country,        p->note};
	gnutls_hash_hd_t h;
	unsigned char d[32];
	char num[48];

	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		return OB_E_FAIL;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		if (vals[i] != NULL)
			gnutls_hash(h, vals[i], strlen(vals[i]));
		gnutls_hash(h, "\x1f", 1);
	}
	snprintf(num, sizeof(num), "%lld/%d/", (long long)unit_id, p->hidden);
	gnutls_hash(h, num, strlen(num));
	if (p->photo != NULL && p->photo_len > 0)
		gnutls_hash(h, p->photo, p->photo_len);
	gnutls_hash_deinit(h, d);
	ob_hex_encode(d, sizeof(d), out);
	return 0;
}

struct existing {
	int64_t id, unit_id;
	bool hidden;
	char etag[65];
	char *idpath;
	char *display;
};

static int find_existing(struct dstore *s, int64_t tenant_id, const char *uid,
			 struct existing *ex, struct ob_err *err)
{
	static const char sql[] =
		"SELECT p.id, coalesce(p.unit_id, 0), p.hidden, p.etag, "
		"coalesce(u.idpath, '/'), p.display FROM person p LEFT JOIN "
		"unit u ON "
		"u.id = p.unit_id WHERE p.tenant_id = ? AND p.uid = ?";
	struct db_stmt *st = ds_stmt(s, sql, err);
	bool oom = false;
	int rc;

	memset(ex, 0, sizeof(*ex));
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_text(st, 2, uid);
	rc = db_step(st);
	if (rc == DB_ROW) {
		ex->id = db_column_int64(st, 0);
		ex->unit_id = db_column_int64(st, 1);
		ex->hidden = db_column_int(st, 2) != 0;
		ob_strlcpy(ex->etag, db_column_text(st, 3), sizeof(ex->etag));
		ex->idpath = ds_col_dup(st, 4, &oom);
		ex->display = ds_col_dup(st, 5, &oom);
	}
	db_reset(st);
	if (oom)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	if (rc != DB_ROW && rc != DB_DONE)
		return ds_sql_err(s, rc, "find person", err);
	return rc == DB_ROW ? 1 : 0;
}

static int write_photo(struct dstore *s, int64_t person_id,
		       const struct dstore_person *p, struct ob_err *err)
{
	static const char del[] = "DELETE FROM photo WHERE person_id = ?";
	static const char ins[] = "INSERT INTO photo (person_id, data) "
				  "VALUES (?, ?)";
	struct db_stmt *st = ds_stmt(s, del, err);
	int ret;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, person_id);
	ret = ds_exec_stmt(s, st, "photo", err);
	if (ret < 0 || p->photo == NULL || p->photo_len == 0)
		return ret;
	st = ds_stmt(s, ins, err);
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, person_id);
	db_bind_blob(st, 2, p->photo, (int)p->photo_len);
	return ds_exec_stmt(s, st, "photo", err);
}

const char *dstore_display_name(const struct dstore_person *p, char *buf,
				size_t size)
{
	const char *fam = p->family ? p->family : "";
	const char *giv = p->given ? p->given : "";
	bool ascii = true;

	if (p->display != NULL && p->display[0] != '\0')
		return p->display;
	for (const char *q = fam; *q; q++)
		ascii &= (unsigned char)*q < 0x80;
	if (!ascii) /* Chinese, Japanese, Korean: family name first */
		snprintf(buf, size, "%s%s", fam, giv);
	else
		snprintf(buf, size, "%s%s%s", giv, giv[0] && fam[0] ? " " : "",
			 fam);
	return buf;
}

/* The change log row of a person put (ex: what it replaces, NULL for an
 * add; p->id set): its display name and, for a change, the changed
 * fields (detail). */
static int log_put(struct dstore *s, const struct dstore_person *p,
		   const struct existing *ex, const char *new_idpath,
		   const char *display, const char *detail, struct ob_err *err)
{
	struct ds_change_row row = {0};

	row.what = "person";
	row.op = ex == NULL                  ? "add"
		 : ex->unit_id != p->unit_id ? "move"
					     : "modify";
	row.person_id = ex != NULL ? ex->id : p->id;
	row.uid = p->uid;
	row.old_idpath = ex != NULL ? ex->idpath : NULL;
	row.new_idpath = new_idpath;
	row.old_visible = ex != NULL && !ex->hidden;
	row.new_visible = !p->hidden;
	row.name = display;
	row.detail = detail;
	return ds_log_change(s, &row, err);
}

/* The fields a put of p changes in the stored person, for its change log
 * row: dstore_person_diff's lines (without the last line break) into
 * *detail_r, malloc'd. Runs before the update. */
static int modify_detail(struct dstore *s, int64_t tenant_id,
			 const struct dstore_person *p, char **detail_r,
			 struct ob_err *err)
{
	struct dstore_person old, now = *p;
	char *path = NULL;
	struct ob_buf b;
	int ret;

	*detail_r = NULL;
	ret = dstore_person_get(s, tenant_id, p->uid, true, &old, err);
	if (ret < 0)
		return ret;
	ret = ds_unit_path(s, tenant_id, p->unit_id, &path, err);
	if (ret == 0) {
		now.unit_path = path;
		ob_buf_init(&b, 1 << 16);
		(void)dstore_person_diff(&old, &now, "", &b);
		if (b.len > 0 && b.data[b.len - 1] == '\n')
			b.data[--b.len] = '\0';
		*detail_r = ob_buf_steal(&b, NULL);
		if (*detail_r == NULL)
			ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
	}
	free(path);
	dstore_person_deinit(&old);
	return ret;
}

/* The names, phones and e-mails a person put replaces, copied into its
 * change log row (log_id) when any of them changes: a card a device
 * restored from an old backup holds is still recognised as that person's
 * for the retention window (dstore_person_past). Runs before the update. */
static int keep_past(struct dstore *s, int64_t person_id, int64_t log_id,
		     const struct dstore_person *p, const char *display,
		     const char *phones, const char *emails, struct ob_err *err)
{
	static const char sql[] =
		"UPDATE change_log SET (gone_family, gone_given, gone_display, "
		"gone_phones, gone_emails) = (SELECT family, given, display, "
		"phones, emails FROM person WHERE id = ?1) WHERE id = ?2 AND "
		"EXISTS (SELECT 1 FROM person WHERE id = ?1 AND (family IS "
		"DISTINCT FROM "
		"?3 OR given IS DISTINCT FROM ?4 OR display IS DISTINCT FROM "
		"?5 OR phones IS DISTINCT FROM "
		"?6 "
		"OR emails IS DISTINCT FROM ?7))";
	struct db_stmt *st = ds_stmt(s, sql, err);

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, person_id);
	db_bind_int64(st, 2, log_id);
	ds_bind_text(st, 3, p->family);
	ds_bind_text(st, 4, p->given);
	ds_bind_text(st, 5, display);
	ds_bind_text(st, 6, phones);
	ds_bind_text(st, 7, emails);
	return ds_exec_stmt(s, st, "keep past", err);
}

/* The pinyin reading of a part of a Chinese name (family or given, which
 * the reading of a family name's characters depends on) into out; false
 * when the part is no Chinese name (no Han character) or has no reading. */
bool dstore_phonetic_of(const char *part, bool family, char *out, size_t size)
{
	bool han = false;

	if (size > 0)
		out[0] = '\0';
	if (part == NULL || size == 0)
		return false;
	for (const unsigned char *q = (const unsigned char *)part; *q; q++)
		han |= *q >= 0xE3 && *q <= 0xE9; /* U+3000..U+9FFF lead bytes */
	return han &&
	       pinyin_text(part, strlen(part), family, out, size, NULL, 0) >=
		       0 &&
	       out[0] != '\0';
}

static bool empty_str(const char *x)
{
	return x == NULL || *x == '\0';
}

static bool equal_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* A put with neither phonetic name gets the readings of its Chinese
 * names, into fam and giv (*set_r), unless the person is stored with the
 * same names and no reading: then it keeps none, so that a person kept
 * without pinyin (an export read back) stays so. */
static int default_phonetic(struct dstore *s, int64_t tenant_id,
			    const struct dstore_person *p, char *fam, char *giv,
			    size_t size, bool *set_r, struct ob_err *err)
{
	static const char sql[] =
		"SELECT family, given, phonetic_family, phonetic_given FROM "
		"person WHERE tenant_id = ? AND uid = ?";
	int rc;

	*set_r = false;
	if (!empty_str(p->phonetic_family) || !empty_str(p->phonetic_given))
		return 0;
	bool f = dstore_phonetic_of(p->family, true, fam, size);
	bool g = dstore_phonetic_of(p->given, false, giv, size);
	if (!f && !g)
		return 0;
	if (p->uid != NULL && *p->uid != '\0') {
		struct db_stmt *st = ds_stmt(s, sql, err);
		if (st == NULL)
			return err ? err->code : OB_E_FAIL;
		db_bind_int64(st, 1, tenant_id);
		db_bind_text(st, 2, p->uid);
		rc = db_step(st);
		bool keep_none = rc == DB_ROW &&
				 equal_str(db_column_text(st, 0), p->family) &&
				 equal_str(db_column_text(st, 1), p->given) &&
				 db_column_null(st, 2) && db_column_null(st, 3);
		db_reset(st);
		if (rc != DB_ROW && rc != DB_DONE)
			return ds_sql_err(s, rc, "person's reading", err);
		if (keep_none)
			return 0;
	}
	*set_r = true;
	return 0;
}

int dstore_person_put(struct dstore *s, int64_t tenant_id,
		      struct dstore_person *p, enum dstore_put_result *result_r,
		      struct ob_err *err)
{
	return ds_person_put_at(s, tenant_id, p, 0, result_r, err);
}

int ds_person_put_at(struct dstore *s, int64_t tenant_id,
		     struct dstore_person *p, int64_t want_id,
		     enum dstore_put_result *result_r, struct ob_err *err)
{
	static const char ins[] =
		"INSERT INTO person (id, tenant_id, uid, unit_id, family, "
		"given, display, phonetic_family, phonetic_given, title, "
		"phones, emails, street, locality, region, postcode, country, "
		"note, has_photo, hidden, etag, mtime, rev) VALUES "
		/* never an id given before (schema step 9 -> 10), but for
		 * the one a deleted person had when an undo brings it back */
		"(coalesce(?23, max(coalesce((SELECT max(id) FROM person), 0), "
		"(SELECT last FROM person_seq)) + 1),"
		"?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,"
		"?18,?19,?20,?21,?22)";
	static const char upd[] =
		"UPDATE person SET unit_id=?3, family=?4, given=?5, "
		"display=?6, phonetic_family=?7, phonetic_given=?8, title=?9, "
		"phones=?10, emails=?11, street=?12, locality=?13, region=?14, "
		"postcode=?15, country=?16, note=?17, has_photo=?18, "
		"hidden=?19, etag=?20, mtime=?21, rev=?22 "
		"WHERE tenant_id=?1 AND uid=?2";
	struct ob_buf phones, emails;
	struct existing ex = {0};
	char etag[65], uidbuf[32], dispbuf[2 * DSTORE_NAME_MAX + 2];
	char fam[DSTORE_NAME_MAX], giv[DSTORE_NAME_MAX];
	char *new_idpath = NULL, *detail = NULL;
	char *had_fam = p->phonetic_family, *had_giv = p->phonetic_given;
	bool reading = false;
	struct db_stmt *st;
	int found, ret;

	ob_buf_init(&phones, 1 << 16);
	ob_buf_init(&emails, 1 << 16);
	ret = ds_need_txn(s, tenant_id, err);
	if (ret == 0)
		ret = validate(s, p, err);
	if (ret == 0)
		ret = default_phonetic(s, tenant_id, p, fam, giv, sizeof(fam),
				       &reading, err);
	if (ret < 0)
		goto out;
	if (reading) {
		/* lent for this put only: the caller's pointers come back */
		p->phonetic_family = fam[0] ? fam : NULL;
		p->phonetic_given = giv[0] ? giv : NULL;
	}
	if (p->unit_id != 0) {
		ret = ds_unit_idpath(s, tenant_id, p->unit_id, &new_idpath,
				     err);
	} else {
		new_idpath = ob_strndup("/", 1);
		ret = new_idpath ? 0 : ob_err_set(err, OB_E_NOMEM, "oom");
	}
	if (ret < 0)
		goto out;
	if (p->uid == NULL || p->uid[0] == '\0') {
		char hex[25];

		if (ob_random_hex(hex, 12) < 0) {
			ret = ob_err_set(err, OB_E_IO, "no randomness");
			goto out;
		}
		snprintf(uidbuf, sizeof(uidbuf), "ob-%s", hex);
		free(p->uid);
		p->uid = ob_strndup(uidbuf, strlen(uidbuf));
		if (p->uid == NULL) {
			ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
			goto out;
		}
	}
	if (encode_lists(p, &phones, &emails) < 0 ||
	    compute_etag(p, p->unit_id, ob_buf_str(&phones),
			 ob_buf_str(&emails), etag) < 0) {
		ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
		goto out;
	}
	found = find_existing(s, tenant_id, p->uid, &ex, err);
	if (found < 0) {
		ret = found;
		goto out;
	}
	if (found && strcmp(ex.etag, etag) == 0) {
		if (result_r != NULL)
			*result_r = DSTORE_PUT_UNCHANGED;
		p->id = ex.id;
		goto out; /* nothing changed */
	}
	const char *display = dstore_display_name(p, dispbuf, sizeof(dispbuf));
	if (found) {
		/* logged before the update, which keeps what it replaces */
		ret = ds_undo_person(s, tenant_id, p->uid, ex.id, true, err);
		if (ret == 0)
			ret = modify_detail(s, tenant_id, p, &detail, err);
		if (ret == 0)
			ret = log_put(s, p, &ex, new_idpath, display, detail,
				      err);
		if (ret == 0)
			ret = keep_past(s, ex.id, db_last_insert_id(s->db), p,
					display, ob_buf_str(&phones),
					ob_buf_str(&emails), err);
		if (ret < 0)
			goto out;
	}
	st = ds_stmt(s, found ? upd : ins, err);
	if (st == NULL) {
		ret = err ? err->code : OB_E_FAIL;
		goto out;
	}
	db_bind_int64(st, 1, tenant_id);
	db_bind_text(st, 2, p->uid);
	if (p->unit_id != 0)
		db_bind_int64(st, 3, p->unit_id);
	ds_bind_text(st, 4, p->family);
	ds_bind_text(st, 5, p->given);
	db_bind_text(st, 6, display);
	ds_bind_text(st, 7, p->phonetic_family);
	ds_bind_text(st, 8, p->phonetic_given);
	ds_bind_text(st, 9, p->title);
	ds_bind_text(st, 10, ob_buf_str(&phones));
	ds_bind_text(st, 11, ob_buf_str(&emails));
	ds_bind_text(st, 12, p->street);
	ds_bind_text(st, 13, p->locality);
	ds_bind_text(st, 14, p->region);
	ds_bind_text(st, 15, p->postcode);
	ds_bind_text(st, 16, p->country);
	ds_bind_text(st, 17, p->note);
	db_bind_int(st, 18, p->photo != NULL && p->photo_len > 0);
	db_bind_int(st, 19, p->hidden);
	db_bind_text(st, 20, etag);
	db_bind_int64(st, 21, s->txn_time);
	db_bind_int64(st, 22, s->txn_rev);
	if (!found && want_id > 0)
		db_bind_int64(st, 23, want_id);
	ret = ds_exec_stmt(s, st, found ? "update person" : "add person", err);
	if (ret < 0)
		goto out;
	p->id = found ? ex.id : db_last_insert_id(s->db);
	p->rev = s->txn_rev;
	p->mtime = s->txn_time;
	ret = write_photo(s, p->id, p, err);
	if (ret < 0)
		goto out;
	if (!found)
		ret = log_put(s, p, NULL, new_idpath, display, NULL, err);
	if (ret == 0 && !found)
		ret = ds_undo_person(s, tenant_id, p->uid, p->id, false, err);
	if (ret == 0 && result_r != NULL)
		*result_r = found ? DSTORE_PUT_MODIFIED : DSTORE_PUT_ADDED;
out:
	p->phonetic_family = had_fam;
	p->phonetic_given = had_giv;
	free(ex.idpath);
	free(ex.display);
	free(detail);
	free(new_idpath);
	ob_buf_deinit(&phones);
	ob_buf_deinit(&emails);
	return ret;
}

#define PERSON_COLS                                                            \
	"p.id, p.uid, coalesce(p.unit_id, 0), p.family, p.given, p.display, "  \
	"p.phonetic_family, p.phonetic_given, p.title, p.phones, p.emails, "   \
	"p.street, p.locality, p.region, p.postcode, p.country, p.note, "      \
	"p.hidden, p.mtime, p.rev, coalesce(u.path, ''), p.has_photo"

/* A person's string members, in the order PERSON_COLS reads them. */
#define PERSON_STRS(p)                                                         \
	{                                                                      \
		&(p)->uid, &(p)->family, &(p)->given, &(p)->display,           \
			&(p)->phonetic_family, &(p)->phonetic_given,           \
			&(p)->title, &(p)->street, &(p)->locality,             \
			&(p)->region, &(p)->postcode, &(p)->country,           \
			&(p)->note, &(p)->unit_path                            \
	}

/* One block, reused from row to row, holding everything of the person an
 * iterator lends its callback: strings, phone and email arrays, photo. A
 * row costs no allocation once the block is large enough. */
struct row_block {
	char *mem;
	size_t size;
};

static size_t count_lines(const char *t, size_t len)
{
	const char *q = t, *end = t + len;
	size_t n = 0;

	while ((q = memchr(q, '\n', (size_t)(end - q))) != NULL) {
		n++;
		q++;
	}
	return n;
}

/* A row of PERSON_COLS into b: p borrows b (and is not to be deinit'ed).
 * phones and emails hold one "type<TAB>number" or address per line; a
 * damaged line ends the list. */
static int person_from_row_lent(struct dstore *s, struct db_stmt *st,
				bool with_photo, struct row_block *b,
				struct dstore_person *p, struct ob_err *err)
{
	static const char photo_sql[] =
		"SELECT data FROM photo WHERE person_id = ?";
	static const int cols[] = {1,  3,  4,  5,  6,  7,  8,
				   11, 12, 13, 14, 15, 16, 20};
	enum { N_COLS = sizeof(cols) / sizeof(cols[0]) };
	char **fields[N_COLS] = PERSON_STRS(p);
	const char *text[N_COLS];
	size_t len[N_COLS];
	const char *ph_text = db_column_text(st, 9);
	size_t ph_len = (size_t)db_column_bytes(st, 9);
	const char *em_text = db_column_text(st, 10);
	size_t em_len = (size_t)db_column_bytes(st, 10);
	size_t n_ph = ph_text ? count_lines(ph_text, ph_len) : 0;
	size_t n_em = em_text ? count_lines(em_text, em_len) : 0;
	struct db_stmt *ph = NULL;
	const void *photo = NULL;
	bool has_photo = false;
	size_t photo_len = 0, need, off;

	memset(p, 0, sizeof(*p));
	p->id = db_column_int64(st, 0);
	p->unit_id = db_column_int64(st, 2);
	p->hidden = db_column_int(st, 17) != 0;
	p->mtime = db_column_int64(st, 18);
	p->rev = db_column_int64(st, 19);
	need = n_ph * sizeof(*p->phones) + n_em * sizeof(*p->emails) + ph_len +
	       1 + em_len + 1;
	for (int i = 0; i < N_COLS; i++) {
		text[i] = db_column_text(st, cols[i]);
		len[i] = (size_t)db_column_bytes(st, cols[i]);
		need += text[i] != NULL ? len[i] + 1 : 0;
	}
	if (with_photo && db_column_int(st, 21)) {
		ph = ds_stmt(s, photo_sql, err);
		if (ph == NULL)
			return err ? err->code : OB_E_FAIL;
		db_bind_int64(ph, 1, p->id);
		if (db_step(ph) == DB_ROW) {
			has_photo = true;
			photo = db_column_blob(ph, 0);
			photo_len = (size_t)db_column_bytes(ph, 0);
			need += photo_len + 1;
		}
	}
	if (need > b->size) {
		size_t n = b->size * 2 > need ? b->size * 2 : need + 4096;
		char *m = realloc(b->mem, n);
		if (m == NULL) {
			if (ph != NULL)
				db_reset(ph);
			return ob_err_set(err, OB_E_NOMEM, "out of memory");
		}
		b->mem = m;
		b->size = n;
	}
	/* the arrays first: the block is malloc-aligned */
	p->phones = n_ph ? (struct dstore_phone *)(void *)b->mem : NULL;
	off = n_ph * sizeof(*p->phones);
	p->emails = n_em ? (char **)(void *)(b->mem + off) : NULL;
	off += n_em * sizeof(*p->emails);
	if (has_photo) {
		p->photo = (unsigned char *)b->mem + off;
		if (photo_len > 0)
			memcpy(p->photo, photo, photo_len);
		p->photo_len = photo_len;
		off += photo_len + 1;
	}
	if (ph != NULL)
		db_reset(ph);
	for (int i = 0; i < N_COLS; i++) {
		if (text[i] == NULL)
			continue;
		*fields[i] = b->mem + off;
		memcpy(b->mem + off, text[i], len[i]);
		b->mem[off + len[i]] = '\0';
		off += len[i] + 1;
	}
	if (n_ph > 0) {
		char *t = b->mem + off;
		memcpy(t, ph_text, ph_len + 1);
		off += ph_len + 1;
		while (*t != '\0' && p->n_phones < n_ph) {
			char *tab = strchr(t, '\t'), *nl = strchr(t, '\n');
			if (tab == NULL || nl == NULL || tab > nl)
				break;
			*tab = *nl = '\0';
			p->phones[p->n_phones].type = t;
			p->phones[p->n_phones++].number = tab + 1;
			t = nl + 1;
		}
	}
	if (n_em > 0) {
		char *t = b->mem + off;
		memcpy(t, em_text, em_len + 1);
		while (*t != '\0' && p->n_emails < n_em) {
			char *nl = strchr(t, '\n');
			if (nl == NULL)
				break;
			*nl = '\0';
			p->emails[p->n_emails++] = t;
			t = nl + 1;
		}
	}
	return 0;
}

/* A lent person (person_from_row_lent) copied into p, which owns every
 * part (dstore_person_deinit). */
static int person_own(const struct dstore_person *l, struct dstore_person *p,
		      struct ob_err *err)
{
	char *const *from[] = PERSON_STRS(l);
	char **to[] = PERSON_STRS(p);
	bool oom = false;

	memset(p, 0, sizeof(*p));
	p->id = l->id;
	p->unit_id = l->unit_id;
	p->hidden = l->hidden;
	p->mtime = l->mtime;
	p->rev = l->rev;
	for (size_t i = 0; i < sizeof(to) / sizeof(to[0]); i++)
		if (*from[i] != NULL &&
		    (*to[i] = ob_strndup(*from[i], strlen(*from[i]))) == NULL)
			oom = true;
	if (l->n_phones > 0 &&
	    (p->phones = calloc(l->n_phones, sizeof(*p->phones))) == NULL)
		oom = true;
	for (size_t i = 0; !oom && i < l->n_phones; i++) {
		struct dstore_phone *ph = &p->phones[p->n_phones++];
		ph->type = ob_strndup(l->phones[i].type,
				      strlen(l->phones[i].type));
		ph->number = ob_strndup(l->phones[i].number,
					strlen(l->phones[i].number));
		oom = ph->type == NULL || ph->number == NULL;
	}
	if (l->n_emails > 0 &&
	    (p->emails = calloc(l->n_emails, sizeof(*p->emails))) == NULL)
		oom = true;
	for (size_t i = 0; !oom && i < l->n_emails; i++) {
		p->emails[p->n_emails] =
			ob_strndup(l->emails[i], strlen(l->emails[i]));
		oom = p->emails[p->n_emails++] == NULL;
	}
	if (!oom && l->photo != NULL) {
		p->photo = malloc(l->photo_len ? l->photo_len : 1);
		if (p->photo == NULL)
			oom = true;
		else if (l->photo_len > 0)
			memcpy(p->photo, l->photo, l->photo_len);
		p->photo_len = p->photo ? l->photo_len : 0;
	}
	if (oom) {
		dstore_person_deinit(p);
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	}
	return 0;
}

int ds_person_from_stmt(struct dstore *s, struct db_stmt *st,
			struct dstore_person *p_r, struct ob_err *err)
{
	struct row_block b = {0};
	struct dstore_person lent;
	int ret = person_from_row_lent(s, st, false, &b, &lent, err);

	if (ret == 0)
		ret = person_own(&lent, p_r, err);
	free(b.mem);
	return ret;
}

void dstore_person_deinit(struct dstore_person *p)
{
	char **strs[] = PERSON_STRS(p);

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	for (size_t i = 0; i < p->n_phones; i++) {
		free(p->phones[i].type);
		free(p->phones[i].number);
	}
	free(p->phones);
	for (size_t i = 0; i < p->n_emails; i++)
		free(p->emails[i]);
	free(p->emails);
	free(p->photo);
	memset(p, 0, sizeof(*p));
}

/* 1 when the statement (tenant, uid[, since]) has a row, 0 when not. */
static int exists(struct dstore *s, const char *sql, int64_t tenant_id,
		  const char *uid, int64_t since, struct ob_err *err)
{
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc, ret;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_text(st, 2, uid);
	if (since >= 0)
		db_bind_int64(st, 3, since);
	rc = db_step(st);
	ret = rc == DB_ROW    ? 1
	      : rc == DB_DONE ? 0
			      : ds_sql_err(s, rc, "person lookup", err);
	db_reset(st);
	return ret;
}

int dstore_person_known(struct dstore *s, int64_t tenant_id, const char *uid,
			int64_t since, struct ob_err *err)
{
	/* the uid index alone answers the first (the common case) */
	static const char person[] =
		"SELECT 1 FROM person WHERE tenant_id = ?1 AND uid = ?2";
	static const char logged[] =
		"SELECT 1 FROM change_log WHERE tenant_id = ?1 AND rev > ?3 "
		"AND uid = ?2 LIMIT 1";
	int ret = exists(s, person, tenant_id, uid, -1, err);

	if (ret == 0)
		ret = exists(s, logged, tenant_id, uid, since < 0 ? 0 : since,
			     err);
	return ret;
}

#define KNOWN_UID "?,"
#define KNOWN_UID8                                                             \
	KNOWN_UID KNOWN_UID KNOWN_UID KNOWN_UID KNOWN_UID KNOWN_UID KNOWN_UID  \
		KNOWN_UID
#define KNOWN_UID64                                                            \
	KNOWN_UID8 KNOWN_UID8 KNOWN_UID8 KNOWN_UID8 KNOWN_UID8 KNOWN_UID8      \
		KNOWN_UID8 KNOWN_UID8

int dstore_person_known_many(struct dstore *s, int64_t tenant_id,
			     const char *const *uids, size_t n, int64_t since,
			     int *known, struct ob_err *err)
{
	/* ?2 .. ?65 the uids of one batch, NULL where the batch is short
	 * (uid IN (..., NULL) matches no row for it); the "?," list ends
	 * in a NULL that takes the last comma */
	_Static_assert(DSTORE_KNOWN_BATCH == 64, "KNOWN_UID64");
	static const char sql[] = "SELECT uid FROM person WHERE tenant_id = ?1 "
				  "AND uid IN (" KNOWN_UID64 "NULL)";
	static const char logged[] =
		"SELECT 1 FROM change_log WHERE tenant_id = ?1 AND rev > ?3 "
		"AND uid = ?2 LIMIT 1";
	int ret = 0, rc;

	for (size_t at = 0; at < n && ret == 0; at += DSTORE_KNOWN_BATCH) {
		size_t m = n - at < DSTORE_KNOWN_BATCH ? n - at
						       : DSTORE_KNOWN_BATCH;
		struct db_stmt *st = ds_stmt(s, sql, err);

		if (st == NULL)
			return err ? err->code : OB_E_FAIL;
		db_bind_int64(st, 1, tenant_id);
		for (size_t i = 0; i < m; i++) {
			known[at + i] = 0;
			db_bind_text(st, 2 + (int)i, uids[at + i]);
		}
		while ((rc = db_step(st)) == DB_ROW) {
			const char *uid = db_column_text(st, 0);

			for (size_t i = 0; uid != NULL && i < m; i++)
				if (strcmp(uids[at + i], uid) == 0)
					known[at + i] = 1;
		}
		if (rc != DB_DONE)
			ret = ds_sql_err(s, rc, "person lookup", err);
		db_reset(st);
		for (size_t i = 0; i < m && ret == 0; i++) {
			if (known[at + i])
				continue;
			ret = exists(s, logged, tenant_id, uids[at + i],
				     since < 0 ? 0 : since, err);
			if (ret > 0) {
				known[at + i] = 1;
				ret = 0;
			}
		}
	}
	return ret < 0 ? ret : 0;
}

/* The one row of sql (PERSON_COLS, bound to tenant_id and uid) as a
 * person of the caller's; OB_E_NOTFOUND (err not set) when none. */
static int one_person(struct dstore *s, const char *sql, int64_t tenant_id,
		      const char *uid, bool with_photo,
		      struct dstore_person *p_r, struct ob_err *err)
{
	struct db_stmt *st = ds_stmt(s, sql, err);
	struct row_block b = {0};
	struct dstore_person lent;
	int rc, ret;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_text(st, 2, uid);
	rc = db_step(st);
	if (rc != DB_ROW) {
		db_reset(st);
		return rc == DB_DONE ? OB_E_NOTFOUND
				     : ds_sql_err(s, rc, "get person", err);
	}
	ret = person_from_row_lent(s, st, with_photo, &b, &lent, err);
	if (ret == 0)
		ret = person_own(&lent, p_r, err);
	db_reset(st);
	free(b.mem);
	return ret;
}

int dstore_person_get(struct dstore *s, int64_t tenant_id, const char *uid,
		      bool with_photo, struct dstore_person *p_r,
		      struct ob_err *err)
{
	static const char sql[] = "SELECT " PERSON_COLS " FROM person p "
				  "LEFT JOIN unit u ON u.id = p.unit_id "
				  "WHERE p.tenant_id = ? AND p.uid = ?";
	int ret = one_person(s, sql, tenant_id, uid, with_photo, p_r, err);

	if (ret == OB_E_NOTFOUND)
		return ob_err_set_at(err, OB_E_NOTFOUND, 0, 0, "uid",
				     "no person with uid %.200s", uid);
	return ret;
}

/* The names, phones and e-mails of a person about to be deleted, copied
 * into its change log row (log_id): what a device restored from an old
 * backup still holds is recognised by them for the retention window. */
static int keep_departed(struct dstore *s, int64_t person_id, int64_t log_id,
			 struct ob_err *err)
{
	static const char sql[] =
		"UPDATE change_log SET (gone_family, gone_given, gone_display, "
		"gone_phones, gone_emails) = (SELECT family, given, display, "
		"phones, emails FROM person WHERE id = ?1) WHERE id = ?2";
	struct db_stmt *st = ds_stmt(s, sql, err);

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, person_id);
	db_bind_int64(st, 2, log_id);
	return ds_exec_stmt(s, st, "keep departed", err);
}

/* A deleted person's change log row shaped as PERSON_COLS, so that the
 * person decoder reads it (hidden, no unit); a WHERE clause follows. */
#define DEPARTED_COLS                                                          \
	"SELECT 0, uid, 0, gone_family, gone_given, gone_display, NULL, "      \
	"NULL, NULL, gone_phones, gone_emails, NULL, NULL, NULL, NULL, NULL, " \
	"NULL, 1, time, rev, '', 0 FROM change_log WHERE gone_display IS NOT " \
	"NULL AND "
/* ... of a deletion only (a modify's row keeps the person's past too) */
#define DEPARTED_DELETE "op = 'delete' AND "

int dstore_person_departed(struct dstore *s, int64_t tenant_id, const char *uid,
			   struct dstore_person *p_r, struct ob_err *err)
{
	static const char sql[] = DEPARTED_COLS DEPARTED_DELETE
		"tenant_id = ? AND uid = ? ORDER BY id DESC LIMIT 1";
	int ret = one_person(s, sql, tenant_id, uid, false, p_r, err);

	if (ret == OB_E_NOTFOUND)
		return ob_err_set(err, OB_E_NOTFOUND,
				  "no deleted person %.200s", uid);
	return ret;
}

int dstore_person_delete(struct dstore *s, int64_t tenant_id, const char *uid,
			 struct ob_err *err)
{
	static const char del[] = "DELETE FROM person WHERE tenant_id = ? "
				  "AND id = ?";
	struct ds_change_row row = {0};
	struct existing ex;
	struct db_stmt *st;
	int found, ret;

	ret = ds_need_txn(s, tenant_id, err);
	if (ret < 0)
		return ret;
	found = find_existing(s, tenant_id, uid, &ex, err);
	if (found <= 0) {
		free(ex.idpath);
		free(ex.display);
		return found < 0
			       ? found
			       : ob_err_set_at(err, OB_E_NOTFOUND, 0, 0, "uid",
					       "no person with uid %.200s",
					       uid);
	}
	row.what = "person";
	row.op = "delete";
	row.person_id = ex.id;
	row.uid = uid;
	row.old_idpath = ex.idpath;
	row.old_visible = !ex.hidden;
	row.new_visible = false;
	row.name = ex.display;
	ret = ds_undo_person(s, tenant_id, uid, ex.id, true, err);
	if (ret == 0)
		ret = ds_log_change(s, &row, err);
	if (ret == 0)
		ret = ds_account_person_gone(s, tenant_id, ex.id, uid,
					     ex.display, err);
	if (ret == 0)
		ret = keep_departed(s, ex.id, db_last_insert_id(s->db), err);
	if (ret < 0)
		goto out;
	st = ds_stmt(s, del, err);
	if (st == NULL) {
		ret = err ? err->code : OB_E_FAIL;
		goto out;
	}
	db_bind_int64(st, 1, tenant_id);
	db_bind_int64(st, 2, ex.id);
	ret = ds_exec_stmt(s, st, "delete person", err);
out:
	free(ex.idpath);
	free(ex.display);
	return ret;
}

int dstore_person_move(struct dstore *s, int64_t tenant_id, const char *uid,
		       int64_t unit_id, struct ob_err *err)
{
	struct dstore_person p;
	int ret = ds_need_txn(s, tenant_id, err);

	if (ret == 0)
		ret = dstore_person_get(s, tenant_id, uid, true, &p, err);
	if (ret < 0)
		return ret;
	p.unit_id = unit_id;
	ret = dstore_person_put(s, tenant_id, &p, NULL, err);
	dstore_person_deinit(&p);
	return ret;
}

/* Step a bound query of PERSON_COLS, handing each person to fn (borrowed
 * for the call); fn's non-zero return stops and is returned. Resets st. */
static int visit_rows(struct dstore *s, struct db_stmt *st, bool with_photo,
		      int (*fn)(const struct dstore_person *p, void *ctx),
		      void *ctx, const char *what, struct ob_err *err)
{
	struct row_block b = {0};
	int rc, ret = 0;

	while ((rc = db_step(st)) == DB_ROW) {
		struct dstore_person p;

		ret = person_from_row_lent(s, st, with_photo, &b, &p, err);
		if (ret < 0)
			break;
		ret = fn(&p, ctx);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != DB_DONE)
		ret = ds_sql_err(s, rc, what, err);
	db_reset(st);
	free(b.mem);
	return ret;
}

int dstore_person_iter(struct dstore *s, int64_t tenant_id,
		       const struct dstore_iter_opts *o,
		       int (*fn)(const struct dstore_person *p, void *ctx),
		       void *ctx, struct ob_err *err)
{
	/* "+p.tenant_id" keeps SQLite's planner on the rowid range (id >
	 * ?2, in id order): through the tenant index every page would scan
	 * and sort the whole tenant. PostgreSQL's planner has no such habit
	 * and cannot estimate an expression, so "+" would have it sort the
	 * whole rest of the tenant for every page: one text per dialect. */
#define ITER_ALL(T)                                                            \
	"SELECT " PERSON_COLS " FROM person p LEFT JOIN unit u ON "            \
	"u.id = p.unit_id WHERE " T "p.tenant_id = ?1 AND p.id > ?2 AND "      \
	"(?3 <> 0 OR p.hidden = 0) ORDER BY p.id LIMIT ?4"
#define ITER_SUB(T)                                                            \
	"SELECT " PERSON_COLS " FROM person p JOIN unit u ON "                 \
	"u.id = p.unit_id WHERE " T "p.tenant_id = ?1 AND p.id > ?2 AND "      \
	"(?3 <> 0 OR p.hidden = 0) AND u.tenant_id = ?1 AND u.idpath "         \
	">= ?5 "                                                               \
	"AND u.idpath < ?5 || '\177' ORDER BY p.id LIMIT ?4"
	static const char *const all_of[DB_DIALECT_COUNT] = {
		[DB_DIALECT_SQLITE] = ITER_ALL("+"),
		[DB_DIALECT_PGSQL] = ITER_ALL(""),
	};
	static const char *const sub_of[DB_DIALECT_COUNT] = {
		[DB_DIALECT_SQLITE] = ITER_SUB("+"),
		[DB_DIALECT_PGSQL] = ITER_SUB(""),
	};
	const char *all = all_of[db_dialect(s->db)];
	const char *sub = sub_of[db_dialect(s->db)];
	static const char direct[] =
		"SELECT " PERSON_COLS " FROM person p LEFT JOIN unit u ON "
		"u.id = p.unit_id WHERE p.tenant_id = ?1 AND "
		"p.unit_id IS nullif(?6, 0) AND p.id > ?2 AND "
		"(?3 <> 0 OR p.hidden = 0) ORDER BY p.id LIMIT ?4";
	char *idpath = NULL;
	struct db_stmt *st;
	int ret = 0;

	if (o->unit_id != 0 && !o->direct) {
		ret = ds_unit_idpath(s, tenant_id, o->unit_id, &idpath, err);
		if (ret < 0)
			return ret;
	}
	st = ds_stmt(s, o->direct ? direct : idpath ? sub : all, err);
	if (st == NULL) {
		free(idpath);
		return err ? err->code : OB_E_FAIL;
	}
	db_bind_int64(st, 1, tenant_id);
	db_bind_int64(st, 2, o->after_id);
	db_bind_int(st, 3, o->include_hidden);
	db_bind_int64(st, 4, o->limit ? (int64_t)o->limit : INT64_MAX);
	if (idpath != NULL)
		db_bind_text(st, 5, idpath);
	if (o->direct)
		db_bind_int64(st, 6, o->unit_id);
	ret = visit_rows(s, st, o->with_photo, fn, ctx, "iterate people", err);
	free(idpath);
	return ret;
}

int dstore_person_get_many(struct dstore *s, int64_t tenant_id,
			   const char *const *uids, size_t n,
			   const struct dstore_iter_opts *o,
			   int (*fn)(size_t i, const struct dstore_person *p,
				     void *ctx),
			   void *ctx, struct ob_err *err)
{
	/* the uids of one batch after the other parameters (?3 .. ?66, or
	 * ?4 .. ?67 after the view's unit idpath), NULL where the batch is
	 * short, as in dstore_person_known_many */
	_Static_assert(DSTORE_KNOWN_BATCH == 64, "KNOWN_UID64");
	static const char all[] =
		"SELECT " PERSON_COLS " FROM person p LEFT JOIN unit u ON "
		"u.id = p.unit_id WHERE p.tenant_id = ?1 AND "
		"(?2 <> 0 OR p.hidden = 0) AND p.uid IN (" KNOWN_UID64 "NULL)";
	static const char sub[] =
		"SELECT " PERSON_COLS " FROM person p JOIN unit u ON "
		"u.id = p.unit_id WHERE p.tenant_id = ?1 AND "
		"(?2 <> 0 OR p.hidden = 0) AND u.tenant_id = ?1 AND "
		"u.idpath >= ?3 AND u.idpath < ?3 || '\177' AND "
		"p.uid IN (" KNOWN_UID64 "NULL)";
	struct row_block b = {0};
	char *idpath = NULL;
	int ret = 0, rc = DB_DONE;

	if (o->unit_id != 0) {
		ret = ds_unit_idpath(s, tenant_id, o->unit_id, &idpath, err);
		if (ret < 0)
			return ret;
	}
	for (size_t at = 0; at < n && ret == 0; at += DSTORE_KNOWN_BATCH) {
		size_t m = n - at < DSTORE_KNOWN_BATCH ? n - at
						       : DSTORE_KNOWN_BATCH;
		struct db_stmt *st = ds_stmt(s, idpath ? sub : all, err);

		if (st == NULL) {
			ret = err ? err->code : OB_E_FAIL;
			break;
		}
		db_bind_int64(st, 1, tenant_id);
		db_bind_int(st, 2, o->include_hidden);
		if (idpath != NULL)
			db_bind_text(st, 3, idpath);
		int first = idpath != NULL ? 4 : 3;
		for (size_t i = 0; i < DSTORE_KNOWN_BATCH; i++) {
			if (i < m)
				db_bind_text(st, first + (int)i, uids[at + i]);
			else
				db_bind_null(st, first + (int)i);
		}
		while (ret == 0 && (rc = db_step(st)) == DB_ROW) {
			struct dstore_person p;

			ret = person_from_row_lent(s, st, o->with_photo, &b, &p,
						   err);
			for (size_t i = 0; ret == 0 && i < m; i++)
				if (strcmp(uids[at + i], p.uid) == 0)
					ret = fn(at + i, &p, ctx);
		}
		if (ret == 0 && rc != DB_DONE)
			ret = ds_sql_err(s, rc, "get people", err);
		db_reset(st);
	}
	free(b.mem);
	free(idpath);
	return ret;
}

int dstore_person_count(struct dstore *s, int64_t tenant_id, int64_t unit_id,
			bool include_hidden, int64_t *count_r,
			struct ob_err *err)
{
	static const char all[] = "SELECT count(*) FROM person WHERE "
				  "tenant_id = ?1 AND (?2 <> 0 OR hidden = 0)";
	static const char sub[] =
		"SELECT count(*) FROM person p JOIN unit u ON u.id = p.unit_id "
		"WHERE p.tenant_id = ?1 AND (?2 <> 0 OR p.hidden = 0) AND "
		"u.tenant_id = ?1 AND u.idpath >= ?3 AND u.idpath < ?3 || "
		"'\177'";
	char *idpath = NULL;
	struct db_stmt *st;
	int rc, ret;

	if (unit_id != 0) {
		ret = ds_unit_idpath(s, tenant_id, unit_id, &idpath, err);
		if (ret < 0)
			return ret;
	}
	st = ds_stmt(s, idpath ? sub : all, err);
	if (st == NULL) {
		free(idpath);
		return err ? err->code : OB_E_FAIL;
	}
	db_bind_int64(st, 1, tenant_id);
	db_bind_int(st, 2, include_hidden);
	if (idpath != NULL)
		db_bind_text(st, 3, idpath);
	rc = db_step(st);
	ret = rc == DB_ROW ? 0 : ds_sql_err(s, rc, "count people", err);
	if (rc == DB_ROW)
		*count_r = db_column_int64(st, 0);
	db_reset(st);
	free(idpath);
	return ret;
}

/* ---- search (the admin pages' people search) --------------------------- */

/* ds_initials(display) (db.h): pinyin initials of a name ("zs" for 张三),
 * lowercased letters for Latin names' words. */
void ds_fn_initials(const char *text, char *out, size_t size)
{
	if (pinyin_text(text, strlen(text), true, NULL, 0, out, size) == -1)
		out[0] = '\0';
}

/* ds_digits(text) (db.h): the digits of a text, in order ("+86 10 1234" ->
 * "86101234"); line breaks kept so numbers stay apart. out has room for
 * len bytes; returns how many were written. */
size_t ds_fn_digits(const char *text, size_t len, char *out)
{
	size_t k = 0;

	for (size_t i = 0; i < len; i++)
		if ((text[i] >= '0' && text[i] <= '9') || text[i] == '\n')
			out[k++] = text[i];
	return k;
}

/* LIKE pattern "%q%" (or "q%") with the wildcards of q escaped by '\'. */
static char *like_pattern(const char *q, bool prefix_only)
{
	size_t n = strlen(q), k = 0;
	char *p = malloc(2 * n + 3);

	if (p == NULL)
		return NULL;
	if (!prefix_only)
		p[k++] = '%';
	for (size_t i = 0; i < n; i++) {
		if (q[i] == '%' || q[i] == '_' || q[i] == '\\')
			p[k++] = '\\';
		p[k++] = q[i];
	}
	p[k++] = '%';
	p[k] = '\0';
	return p;
}

int dstore_person_search(struct dstore *s, int64_t tenant_id, const char *query,
			 size_t limit,
			 int (*fn)(const struct dstore_person *p, void *ctx),
			 void *ctx, struct ob_err *err)
{
	/* Every match is a scan of the tenant's people: fine for the
	 * administrators' pages (tens of ms at 100,000), and it needs no
	 * index kept in step with every write. */
	/* SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE does so (in
	 * a C database, for ASCII letters only). The display name sorts
	 * as bytes in both (BINARY, and the C collation). */
#define SEARCH_SQL(LIKE)                                                       \
	"SELECT " PERSON_COLS " FROM person p LEFT JOIN unit u ON "            \
	"u.id = p.unit_id WHERE p.tenant_id = ?1 AND ("                        \
	"p.display " LIKE " ?2 ESCAPE '\\' OR "                                \
	"coalesce(p.family, '') || coalesce(p.given, '') " LIKE " ?2 "         \
	"ESCAPE '\\' OR coalesce(p.given, '') || ' ' || "                      \
	"coalesce(p.family, '') " LIKE " ?2 ESCAPE '\\' OR "                   \
	"p.title " LIKE " ?2 ESCAPE '\\' OR p.emails " LIKE " ?2 ESCAPE '\\' " \
	"OR "                                                                  \
	"(?3 != '' AND (replace(lower(coalesce(p.phonetic_family, '') "        \
	"|| coalesce(p.phonetic_given, '')), ' ', '') " LIKE " ?3 OR "         \
	"ds_initials(p.display) " LIKE " ?3)) OR "                             \
	"(?4 != '' AND ds_digits(p.phones) " LIKE " ?4)) "                     \
	"ORDER BY p.display, p.id LIMIT ?5"
	static const char *const sql_of[DB_DIALECT_COUNT] = {
		[DB_DIALECT_SQLITE] = SEARCH_SQL("LIKE"),
		[DB_DIALECT_PGSQL] = SEARCH_SQL("ILIKE"),
	};
	const char *sql = sql_of[db_dialect(s->db)];
	char letters[DSTORE_NAME_MAX] = "", digits[64] = "";
	size_t nl = 0, nd = 0, qlen = strlen(query);
	bool only_letters = qlen > 0, phone_like = qlen > 0;
	char *any = NULL, *pfx = NULL, *dig = NULL;
	struct db_stmt *st;
	int ret = 0;

	if (qlen == 0 || qlen >= DSTORE_NAME_MAX)
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, "q",
				     "search text: 1 to %d bytes",
				     DSTORE_NAME_MAX - 1);
	for (size_t i = 0; i < qlen; i++) {
		char c = query[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			letters[nl++] = (char)(c | 0x20);
		else if (c != ' ')
			only_letters = false;
		if (c >= '0' && c <= '9' && nd + 1 < sizeof(digits))
			digits[nd++] = c;
		else if (!strchr(" +-()./", c))
			phone_like = false;
	}
	letters[only_letters ? nl : 0] = '\0';
	digits[phone_like && nd >= 3 ? nd : 0] = '\0';
	any = like_pattern(query, false);
	pfx = like_pattern(letters, true);
	dig = like_pattern(digits, false);
	st = ds_stmt(s, sql, err);
	if (any == NULL || pfx == NULL || dig == NULL || st == NULL) {
		ret = st == NULL ? (err ? err->code : OB_E_FAIL)
				 : ob_err_set(err, OB_E_NOMEM, "out of memory");
		goto out;
	}
	db_bind_int64(st, 1, tenant_id);
	db_bind_text(st, 2, any);
	db_bind_text(st, 3, letters[0] ? pfx : "");
	db_bind_text(st, 4, digits[0] ? dig : "");
	db_bind_int64(st, 5, limit ? (int64_t)limit : INT64_MAX);
	ret = visit_rows(s, st, false, fn, ctx, "search people", err);
out:
	free(any);
	free(pfx);
	free(dig);
	return ret;
}

int dstore_person_by_name(struct dstore *s, int64_t tenant_id, const char *name,
			  bool departed,
			  int (*fn)(const struct dstore_person *p, void *ctx),
			  void *ctx, struct ob_err *err)
{
	/* one text per dialect: the name key is spelt per engine (internal.h) */
#define BY_NAME_LIVE(KEY)                                                      \
	"SELECT " PERSON_COLS " FROM person p LEFT JOIN unit u ON u.id = "     \
	"p.unit_id WHERE p.tenant_id = ?1 AND " KEY("p.display") " = " KEY(    \
		"?2") " ORDER BY p.id LIMIT ?3"
#define BY_NAME_GONE(KEY)                                                      \
	DEPARTED_COLS DEPARTED_DELETE "tenant_id = ?1 AND " KEY(               \
		"gone_display") " = " KEY("?2") " ORDER BY id DESC LIMIT ?3"
	static const char *const live_of[DB_DIALECT_COUNT] = {
		[DB_DIALECT_SQLITE] = BY_NAME_LIVE(DS_NAME_KEY),
		[DB_DIALECT_PGSQL] = BY_NAME_LIVE(DS_NAME_KEY_PG),
	};
	static const char *const gone_of[DB_DIALECT_COUNT] = {
		[DB_DIALECT_SQLITE] = BY_NAME_GONE(DS_NAME_KEY),
		[DB_DIALECT_PGSQL] = BY_NAME_GONE(DS_NAME_KEY_PG),
	};
	enum db_dialect dl = db_dialect(s->db);
	struct db_stmt *st =
		ds_stmt(s, departed ? gone_of[dl] : live_of[dl], err);

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_text(st, 2, name);
	db_bind_int64(st, 3, DSTORE_BY_NAME_MAX);
	return visit_rows(s, st, false, fn, ctx, "people by name", err);
}

int dstore_person_past(struct dstore *s, int64_t tenant_id, const char *uid,
		       int (*fn)(const struct dstore_person *p, void *ctx),
		       void *ctx, struct ob_err *err)
{
	static const char sql[] =
		DEPARTED_COLS "tenant_id = ?1 AND uid = ?2 ORDER BY id DESC";
	struct db_stmt *st = ds_stmt(s, sql, err);

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_text(st, 2, uid);
	return visit_rows(s, st, false, fn, ctx, "past of a person", err);
}
