/* Import: rows -> validated people -> one transaction.
 *
 * Rows without a uid are matched to existing people by display name plus
 * first email (or, without email, first phone digits), case-insensitively;
 * unmatched ones get a new uid. All checks run before the transaction, so
 * the report can name every bad row; unit paths are created as needed
 * inside the transaction. Each row is merged over the stored person it
 * names (merge_row: the fields the file has, the rest as stored) and
 * compared field by field (dstore_person_diff), so a file that changes nothing
 * writes nothing whatever the order of its columns or phone types. */
#include "config.h"
#include "dircard/dircard.h"
#include "import/import.h"
#include "import/json.h"
#include "vcard/vcard.h"
#include "util/file.h"
#include "util/str.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum col {
	C_UID,
	C_FAMILY,
	C_GIVEN,
	C_DISPLAY,
	C_PFAMILY,
	C_PGIVEN,
	C_UNIT,
	C_TITLE,
	C_PWORK,
	C_PCELL,
	C_PHOME,
	C_PFAX,
	C_EMAIL,
	C_STREET,
	C_CITY,
	C_REGION,
	C_POSTCODE,
	C_COUNTRY,
	C_NOTE,
	C_HIDDEN,
	C_PHOTO,
	C_COUNT
};

/* column name, and the dirstore field name its errors carry */
static const char *const col_names[C_COUNT][2] = {
	{"uid", "uid"},
	{"family_name", "family_name"},
	{"given_name", "given_name"},
	{"display_name", "display_name"},
	{"phonetic_family", "phonetic_family"},
	{"phonetic_given", "phonetic_given"},
	{"unit", "unit"},
	{"title", "title"},
	{"phone_work", "phone"},
	{"phone_cell", "phone"},
	{"phone_home", "phone"},
	{"phone_fax", "phone"},
	{"email", "email"},
	{"street", "street"},
	{"city", "city"},
	{"region", "region"},
	{"postcode", "postcode"},
	{"country", "country"},
	{"note", "note"},
	{"hidden", "hidden"},
	{"photo", "photo"},
};

struct rec {
	long line;
	struct dstore_person p; /* the row's fields; absent ones empty */
	uint32_t present;       /* (1u << col) for each field the row has */
	char *unit_path;
	char *key; /* match key when no uid */
};

#define HAS(r, c) (((r)->present & (1u << (c))) != 0)
/* every field: JSON members and vCard properties set their own */
#define ALL_COLS ((1u << C_COUNT) - 1)

struct uid_line {
	char *uid;
	long line;
};

struct ex_list;

struct import {
	struct dstore *s;
	int64_t tenant;
	const struct imp_opts *o;
	struct imp_report *rep;
	int colmap[C_COUNT]; /* csv column index per field, -1 absent */
	size_t ncols;
	int pass;       /* 1: check every row, 2: apply (in the transaction) */
	struct rec cur; /* the row being read */
	struct uid_line *uids; /* pass 1: every uid with its line */
	size_t n_uids, uids_alloc;
	bool need_keys;      /* some rows have no uid */
	struct ex_list *ex;  /* pass 2: existing people (may be empty) */
	bool no_columns;     /* JSON and vCard rows have no column numbers */
	bool guarded;        /* CSV: cells may carry the formula guard */
	struct imp_csv *csv; /* CSV: the reader, for what was quoted */
	char **units;        /* unit paths to create even when empty (JSON) */
	size_t n_units;
	struct unkept {
		char what[96];
		size_t n;
	} * unkept; /* vCard: what no field keeps, pass 1 */
	size_t n_unkept;
};

void imp_report_init(struct imp_report *r)
{
	memset(r, 0, sizeof(*r));
	ob_buf_init(&r->errors, 1 << 20);
	ob_buf_init(&r->plan, 256u << 20);
	ob_buf_init(&r->unkept, 1 << 20);
}

void imp_report_deinit(struct imp_report *r)
{
	ob_buf_deinit(&r->errors);
	ob_buf_deinit(&r->plan);
	ob_buf_deinit(&r->unkept);
}

static void bad_row(struct import *im, long line, int col, const char *field,
		    const char *msg)
{
	size_t max = im->o->max_errors ? im->o->max_errors : 100;

	if (im->pass == 2)
		return; /* reported in pass 1 already */
	im->rep->bad_rows++;
	if (im->rep->bad_rows > max)
		return;
	if (im->no_columns)
		col = -1;
	if (col >= 0)
		ob_buf_addf(&im->rep->errors, "line %ld, column %d (%s): %s\n",
			    line, col + 1, field, msg);
	else if (field != NULL && field[0] != '\0')
		ob_buf_addf(&im->rep->errors, "line %ld (%s): %s\n", line,
			    field, msg);
	else
		ob_buf_addf(&im->rep->errors, "line %ld: %s\n", line, msg);
}

static void rec_free(struct rec *r)
{
	free(r->unit_path);
	free(r->key);
	dstore_person_deinit(&r->p);
	memset(r, 0, sizeof(*r));
}

static char *dup_trim(const char *v)
{
	size_t n = strlen(v);
	const char *t = ob_str_trim(v, &n);

	return n ? ob_strndup(t, n) : NULL;
}

static int read_header(struct import *im, char **f, size_t n, long line)
{
	bool named = false;

	for (int c = 0; c < C_COUNT; c++)
		im->colmap[c] = -1;
	for (size_t i = 0; i < n; i++) {
		char *name = dup_trim(f[i]);
		int found = -1;

		for (int c = 0; name && c < C_COUNT; c++) {
			if (ob_str_ieq(name, col_names[c][0]))
				found = c;
		}
		if (found < 0) {
			char msg[300];

			snprintf(msg, sizeof(msg),
				 "unknown column \"%.64s\" (see IMPORT.md)",
				 name ? name : "");
			bad_row(im, line, (int)i, "header", msg);
		} else if (im->colmap[found] >= 0) {
			bad_row(im, line, (int)i, "header", "duplicate column");
		} else {
			im->colmap[found] = (int)i;
		}
		free(name);
	}
	/* with a uid column a row may name a stored person and change only
	 * some fields; a new person without a name is then a bad row of its
	 * own ("a person needs a name") */
	named = im->colmap[C_DISPLAY] >= 0 || im->colmap[C_FAMILY] >= 0 ||
		im->colmap[C_GIVEN] >= 0 || im->colmap[C_UID] >= 0;
	if (!named)
		bad_row(im, line, -1, "header",
			"no name column (display_name, family_name or "
			"given_name) and no uid column");
	im->ncols = n;
	return im->rep->bad_rows ? OB_E_PARSE : 0;
}

static const char *cell(struct import *im, char **f, size_t n, enum col c)
{
	int i = im->colmap[c];

	return i >= 0 && (size_t)i < n ? f[i] : "";
}

/* A CSV cell's value: trimmed, then without the formula guard's
 * apostrophe (csv.h; after the trim, so "'\tx" reads back as "\tx").
 * malloc'd, NULL when empty. */
static char *cell_value(const char *v, bool guarded)
{
	char *t = dup_trim(v);

	if (t != NULL && guarded)
		(void)imp_csv_formula_unguard(t);
	return t;
}

/* The value of column c. An unquoted CSV cell is trimmed of spaces and
 * TABs at either end (spreadsheets and hand-written files pad cells); a
 * quoted one, a JSON string and a vCard value keep them (the CSV export
 * quotes a value that starts or ends with one), and only a value of
 * nothing but them is empty. Then the formula guard comes off, in CSV. */
static char *text(struct import *im, char **f, size_t n, enum col c)
{
	const char *v = cell(im, f, n, c);
	bool keep =
		im->csv != NULL
			? im->colmap[c] >= 0 &&
				  imp_csv_quoted(im->csv, (size_t)im->colmap[c])
			: !im->guarded;
	char *t;

	if (!keep)
		return cell_value(v, im->guarded);
	t = dup_trim(v);
	if (t == NULL)
		return NULL;
	free(t);
	t = ob_strndup(v, strlen(v));
	if (t != NULL && im->guarded)
		(void)imp_csv_formula_unguard(t);
	return t;
}

static int add_phones(struct rec *r, const char *type, const char *v)
{
	const char *p = v;

	while (*p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		const char *t = ob_str_trim(p, &len);
		struct dstore_phone *np;

		if (len > 0) {
			np = realloc(r->p.phones,
				     (r->p.n_phones + 1) * sizeof(*np));
			if (np == NULL)
				return OB_E_NOMEM;
			r->p.phones = np;
			np[r->p.n_phones].type = ob_strndup(type, strlen(type));
			np[r->p.n_phones].number = ob_strndup(t, len);
			r->p.n_phones++;
		}
		p = bar ? bar + 1 : p + strlen(p);
	}
	return 0;
}

static int add_emails(struct rec *r, const char *v)
{
	const char *p = v;

	while (*p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		const char *t = ob_str_trim(p, &len);
		char **ne;

		if (len > 0) {
			ne = realloc(r->p.emails,
				     (r->p.n_emails + 1) * sizeof(*ne));
			if (ne == NULL)
				return OB_E_NOMEM;
			r->p.emails = ne;
			ne[r->p.n_emails++] = ob_strndup(t, len);
		}
		p = bar ? bar + 1 : p + strlen(p);
	}
	return 0;
}

/* Phones of one type (type != NULL) or emails from a cell of values
 * separated by '|'; a CSV cell's formula guard comes off the whole cell,
 * where the export put it. */
static int add_cell(struct import *im, struct rec *r, const char *type,
		    const char *v)
{
	char *u = im->guarded ? cell_value(v, true) : NULL;
	int ret;

	if (u != NULL)
		v = u;
	ret = type != NULL ? add_phones(r, type, v) : add_emails(r, v);
	free(u);
	return ret;
}

static void lower_into(char *dst, size_t size, const char *src)
{
	size_t i = 0;

	for (; src && src[i] && i + 1 < size; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

static char *make_key(const struct dstore_person *p)
{
	char key[600];
	char name[256], second[256] = "";
	char disp[600];

	if (p->display && p->display[0])
		snprintf(disp, sizeof(disp), "%s", p->display);
	else
		snprintf(disp, sizeof(disp), "%s|%s",
			 p->family ? p->family : "", p->given ? p->given : "");
	lower_into(name, sizeof(name), disp);
	if (p->n_emails > 0) {
		lower_into(second, sizeof(second), p->emails[0]);
	} else if (p->n_phones > 0) {
		size_t j = 0;

		for (const char *q = p->phones[0].number; *q && j + 1 < 64; q++)
			if (isdigit((unsigned char)*q))
				second[j++] = *q;
		second[j] = '\0';
	}
	snprintf(key, sizeof(key), "%s\x1f%s", name, second);
	return ob_strndup(key, strlen(key));
}

/* Map a dirstore field name back to our column for error reports. */
static int column_of(struct import *im, const char *field)
{
	for (int c = 0; c < C_COUNT; c++) {
		if (strncmp(field, col_names[c][1], strlen(col_names[c][1])) ==
			    0 &&
		    im->colmap[c] >= 0)
			return im->colmap[c];
	}
	return -1;
}

static int load_photo(struct import *im, struct rec *r, const char *rel,
		      int col)
{
	char path[4096], msg[300];
	struct ob_buf b;
	struct ob_err err;

	if (im->o->no_photo_files) {
		bad_row(im, r->line, col, "photo",
			"photo files cannot be read from an upload: leave "
			"the photo column empty and set photos on the "
			"person's page");
		return 0;
	}
	if (strstr(rel, "..") != NULL || rel[0] == '/') {
		bad_row(im, r->line, col, "photo",
			"photo path must be relative, without \"..\"");
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s",
		 im->o->base_dir ? im->o->base_dir : ".", rel);
	ob_buf_init(&b, DSTORE_PHOTO_MAX_DEFAULT * 4);
	if (ob_file_read(path, &b, &err) < 0) {
		snprintf(msg, sizeof(msg), "%s", err.msg);
		bad_row(im, r->line, col, "photo", msg);
		ob_buf_deinit(&b);
		return 0;
	}
	r->p.photo = (unsigned char *)ob_buf_steal(&b, &r->p.photo_len);
	return r->p.photo ? 0 : OB_E_NOMEM;
}

char *imp_phonetic_of(const char *part, bool family)
{
	char buf[512];

	if (!dstore_phonetic_of(part, family, buf, sizeof(buf)))
		return NULL;
	return ob_strndup(buf, strlen(buf));
}

static bool unit_path_ok(const char *path)
{
	const char *p = path;

	if (*p == '\0' || *p == '/')
		return false;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		if (*p == '/' && *++p == '\0')
			return false;
	}
	return true;
}

static int read_row(struct import *im, char **f, size_t n, long line,
		    uint32_t present)
{
	static const enum col phone_cols[] = {C_PWORK, C_PCELL, C_PHOME,
					      C_PFAX};
	static const char *const phone_types[] = {"work", "cell", "home",
						  "fax"};
	struct rec *r;
	const char *h;
	int ret;

	if (n != im->ncols) {
		char msg[128];

		snprintf(msg, sizeof(msg), "%zu fields, the header has %zu", n,
			 im->ncols);
		bad_row(im, line, -1, "", msg);
		return 0;
	}
	r = &im->cur;
	rec_free(r);
	memset(r, 0, sizeof(*r));
	r->line = line;
	r->present = present;
	r->p.uid = text(im, f, n, C_UID);
	r->p.family = text(im, f, n, C_FAMILY);
	r->p.given = text(im, f, n, C_GIVEN);
	r->p.display = text(im, f, n, C_DISPLAY);
	r->p.phonetic_family = text(im, f, n, C_PFAMILY);
	r->p.phonetic_given = text(im, f, n, C_PGIVEN);
	r->p.title = text(im, f, n, C_TITLE);
	r->p.street = text(im, f, n, C_STREET);
	r->p.locality = text(im, f, n, C_CITY);
	r->p.region = text(im, f, n, C_REGION);
	r->p.postcode = text(im, f, n, C_POSTCODE);
	r->p.country = text(im, f, n, C_COUNTRY);
	r->p.note = text(im, f, n, C_NOTE);
	r->unit_path = text(im, f, n, C_UNIT);
	for (int i = 0; i < 4; i++) {
		if (add_cell(im, r, phone_types[i],
			     cell(im, f, n, phone_cols[i])) < 0)
			return OB_E_NOMEM;
	}
	if (add_cell(im, r, NULL, cell(im, f, n, C_EMAIL)) < 0)
		return OB_E_NOMEM;
	h = cell(im, f, n, C_HIDDEN);
	if (h[0] == '\0' || strcmp(h, "0") == 0 || ob_str_ieq(h, "no") ||
	    ob_str_ieq(h, "false")) {
		r->p.hidden = false;
	} else if (strcmp(h, "1") == 0 || ob_str_ieq(h, "yes") ||
		   ob_str_ieq(h, "true")) {
		r->p.hidden = true;
	} else {
		bad_row(im, line, im->colmap[C_HIDDEN], "hidden",
			"must be yes/no, true/false or 1/0");
	}
	if (r->unit_path != NULL && !unit_path_ok(r->unit_path))
		bad_row(im, line, im->colmap[C_UNIT], "unit",
			"bad unit path (empty segment, '.', '..' or a '/' at "
			"either end)");
	if (cell(im, f, n, C_PHOTO)[0] != '\0') {
		ret = load_photo(im, r, cell(im, f, n, C_PHOTO),
				 im->colmap[C_PHOTO]);
		if (ret < 0)
			return ret;
	}
	if (r->p.uid == NULL) {
		r->key = make_key(&r->p);
		if (r->key == NULL)
			return OB_E_NOMEM;
	}
	return 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Pass 1 keeps only each row's uid and line. */
static int note_row(struct import *im, struct rec *r)
{
	struct uid_line *u;

	if (r->p.uid == NULL) {
		im->need_keys = true;
		return 0;
	}
	if (im->n_uids == im->uids_alloc) {
		size_t na = im->uids_alloc ? im->uids_alloc * 2 : 1024;

		u = realloc(im->uids, na * sizeof(*u));
		if (u == NULL)
			return OB_E_NOMEM;
		im->uids = u;
		im->uids_alloc = na;
	}
	u = &im->uids[im->n_uids];
	u->uid = r->p.uid; /* taken over from the row */
	u->line = r->line;
	r->p.uid = NULL;
	im->n_uids++;
	return 0;
}

/* Duplicate uids inside the file are an error on the later row. */
static void check_duplicates(struct import *im)
{
	struct uid_line *v = im->uids;
	size_t k = im->n_uids;

	if (k > 1)
		qsort(v, k, sizeof(*v), cmp_str);
	for (size_t i = 1; i < k; i++) {
		if (strcmp(v[i].uid, v[i - 1].uid) == 0) {
			char msg[300];
			long first = v[i].line < v[i - 1].line ? v[i].line
							       : v[i - 1].line;
			long second = v[i].line < v[i - 1].line ? v[i - 1].line
								: v[i].line;

			snprintf(msg, sizeof(msg),
				 "uid %.200s is also on line %ld", v[i].uid,
				 first);
			bad_row(im, second, im->colmap[C_UID], "uid", msg);
		}
	}
}

/* Existing people, for matching rows without uid and for replace. */
struct existing {
	char *uid;
	char *display;
	char *key;
	bool seen;
};

struct ex_list {
	struct existing *v;
	size_t n, alloc;
	struct existing **by_key; /* sorted by key, built on demand */
	bool need_keys;           /* some rows have no uid */
};

static int collect_existing(const struct dstore_person *p, void *ctx)
{
	struct ex_list *l = ctx;
	bool need_key = l->need_keys;

	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 1024;
		struct existing *nv = realloc(l->v, na * sizeof(*nv));

		if (nv == NULL)
			return OB_E_NOMEM;
		l->v = nv;
		l->alloc = na;
	}
	l->v[l->n].uid = ob_strndup(p->uid, strlen(p->uid));
	l->v[l->n].display = ob_strndup(p->display, strlen(p->display));
	l->v[l->n].key = need_key ? make_key(p) : NULL;
	l->v[l->n].seen = false;
	if (l->v[l->n].uid == NULL || l->v[l->n].display == NULL ||
	    (need_key && l->v[l->n].key == NULL)) {
		free(l->v[l->n].uid);
		free(l->v[l->n].display);
		free(l->v[l->n].key);
		return OB_E_NOMEM;
	}
	l->n++;
	return 0;
}

static int cmp_ex_uid(const void *a, const void *b)
{
	return strcmp(((const struct existing *)a)->uid,
		      ((const struct existing *)b)->uid);
}

static struct existing *find_uid(struct ex_list *l, const char *uid)
{
	struct existing k = {.uid = (char *)uid};

	return l->n ? bsearch(&k, l->v, l->n, sizeof(k), cmp_ex_uid) : NULL;
}

static int cmp_ex_key(const void *a, const void *b)
{
	return strcmp((*(struct existing *const *)a)->key,
		      (*(struct existing *const *)b)->key);
}

static struct existing *find_key(struct ex_list *l, const char *key)
{
	struct existing k, *kp = &k, **hit;

	k.key = (char *)key;

	if (l->by_key == NULL) {
		l->by_key = malloc((l->n ? l->n : 1) * sizeof(*l->by_key));
		if (l->by_key == NULL)
			return NULL;
		for (size_t i = 0; i < l->n; i++)
			l->by_key[i] = &l->v[i];
		if (l->n > 1)
			qsort(l->by_key, l->n, sizeof(*l->by_key), cmp_ex_key);
	}
	hit = l->n ? bsearch(&kp, l->by_key, l->n, sizeof(kp), cmp_ex_key)
		   : NULL;
	return hit ? *hit : NULL;
}

/* ---- merge: the fields a file has over the person it names ------------- */

static const enum col type_cols[] = {C_PWORK, C_PCELL, C_PHOME, C_PFAX};
static const char *const type_names[] = {"work", "cell", "home", "fax"};

static int type_index(const char *type)
{
	for (int t = 0; t < 4; t++) {
		if (strcmp(type, type_names[t]) == 0)
			return t;
	}
	return 0; /* the store takes no other type */
}

static bool same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static int dup_into(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL || src[0] == '\0')
		return 0;
	*dst = ob_strndup(src, strlen(src));
	return *dst ? 0 : OB_E_NOMEM;
}

static int push_phone(struct dstore_person *m, const struct dstore_phone *ph)
{
	struct dstore_phone *np =
		realloc(m->phones, (m->n_phones + 1) * sizeof(*np));

	if (np == NULL)
		return OB_E_NOMEM;
	m->phones = np;
	np = &m->phones[m->n_phones];
	np->type = ob_strndup(ph->type, strlen(ph->type));
	np->number = ob_strndup(ph->number, strlen(ph->number));
	m->n_phones++;
	return np->type && np->number ? 0 : OB_E_NOMEM;
}

/* The row's phones of type t, in the row's order. */
static int push_row_phones(struct dstore_person *m, const struct rec *r, int t)
{
	for (size_t i = 0; i < r->p.n_phones; i++) {
		if (type_index(r->p.phones[i].type) == t &&
		    push_phone(m, &r->p.phones[i]) < 0)
			return OB_E_NOMEM;
	}
	return 0;
}

/* Phones: the types the row has (a CSV phone column, a JSON member; a
 * vCard's TEL has all four) come from the row, the others from old. The
 * row's phones of a type take the place of old's first phone of that type,
 * so a file that changes nothing keeps the order across types that the
 * CSV columns cannot show. */
/* The same number but for spaces at either end (which a file's cells
 * lose: a number typed as "+86 139 1234 5678 " stays as it is stored)? */
static bool same_number(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	a = ob_str_trim(a, &na);
	b = ob_str_trim(b, &nb);
	return na == nb && memcmp(a, b, na) == 0;
}

/* Are the row's phones of type t old's phones of that type, in order? */
static bool same_phones(const struct rec *r, const struct dstore_person *old,
			int t)
{
	size_t i = 0, k = 0;

	for (;;) {
		while (i < r->p.n_phones &&
		       type_index(r->p.phones[i].type) != t)
			i++;
		while (k < old->n_phones &&
		       type_index(old->phones[k].type) != t)
			k++;
		if (i == r->p.n_phones || k == old->n_phones)
			return i == r->p.n_phones && k == old->n_phones;
		if (!same_number(r->p.phones[i].number, old->phones[k].number))
			return false;
		i++;
		k++;
	}
}

static int merge_phones(struct dstore_person *m, const struct rec *r,
			const struct dstore_person *old)
{
	bool done[4] = {false, false, false, false};
	bool same[4] = {false, false, false, false};

	/* a type whose numbers the row repeats keeps old's places for them,
	 * even between phones of other types ("work, cell, work") */
	for (int t = 0; old != NULL && t < 4; t++)
		same[t] = HAS(r, type_cols[t]) && same_phones(r, old, t);
	for (size_t i = 0; old != NULL && i < old->n_phones; i++) {
		int t = type_index(old->phones[i].type);

		if (!HAS(r, type_cols[t]) || same[t]) {
			if (push_phone(m, &old->phones[i]) < 0)
				return OB_E_NOMEM;
		} else if (!done[t]) {
			if (push_row_phones(m, r, t) < 0)
				return OB_E_NOMEM;
			done[t] = true;
		}
	}
	for (int t = 0; t < 4; t++) {
		if (HAS(r, type_cols[t]) && !done[t] && !same[t] &&
		    push_row_phones(m, r, t) < 0)
			return OB_E_NOMEM;
	}
	return 0;
}

/* Was old's display name composed from its name parts (so it follows a
 * change of them) rather than set? */
static bool display_composed(const struct dstore_person *old)
{
	struct dstore_person t = *old;
	char buf[2 * DSTORE_NAME_MAX + 2];

	t.display = NULL;
	return old->display == NULL ||
	       strcmp(dstore_display_name(&t, buf, sizeof(buf)),
		      old->display) == 0;
}

/* The person a row makes (*m, the caller's: dstore_person_deinit): each
 * field the row has from the row (an empty value clears it), every other
 * field from old, the stored person (NULL for a new one). Phonetic names
 * the row lacks are kept while the name stays as it was, else read from
 * the name (as when the row's phonetic fields are both empty). */
static int merge_row(const struct rec *r, const struct dstore_person *old,
		     struct dstore_person *m)
{
	static const struct {
		enum col c;
		size_t off;
	} strs[] = {
		{C_FAMILY, offsetof(struct dstore_person, family)},
		{C_GIVEN, offsetof(struct dstore_person, given)},
		{C_TITLE, offsetof(struct dstore_person, title)},
		{C_STREET, offsetof(struct dstore_person, street)},
		{C_CITY, offsetof(struct dstore_person, locality)},
		{C_REGION, offsetof(struct dstore_person, region)},
		{C_POSTCODE, offsetof(struct dstore_person, postcode)},
		{C_COUNTRY, offsetof(struct dstore_person, country)},
		{C_NOTE, offsetof(struct dstore_person, note)},
	};
	const struct dstore_person *emails;
	bool keep;
	int ret = 0;

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]) && ret == 0;
	     i++) {
		const struct dstore_person *from =
			HAS(r, strs[i].c) ? &r->p : old;
		char **dst = (char **)((char *)m + strs[i].off);

		if (from != NULL)
			ret = dup_into(dst,
				       *(char *const *)((const char *)from +
							strs[i].off));
	}
	if (ret == 0)
		ret = dup_into(&m->uid, r->p.uid);
	if (ret == 0 && HAS(r, C_DISPLAY))
		ret = dup_into(&m->display, r->p.display);
	else if (ret == 0 && old != NULL && !display_composed(old))
		ret = dup_into(&m->display, old->display);
	keep = old != NULL && !HAS(r, C_PFAMILY) && !HAS(r, C_PGIVEN) &&
	       same_str(m->family, old->family) &&
	       same_str(m->given, old->given);
	if (ret == 0 && (keep || HAS(r, C_PFAMILY) || HAS(r, C_PGIVEN))) {
		const struct dstore_person *pf =
			HAS(r, C_PFAMILY) ? &r->p : old;
		const struct dstore_person *pg = HAS(r, C_PGIVEN) ? &r->p : old;

		ret = dup_into(&m->phonetic_family,
			       pf ? pf->phonetic_family : NULL);
		if (ret == 0)
			ret = dup_into(&m->phonetic_given,
				       pg ? pg->phonetic_given : NULL);
	}
	/* both phonetic columns empty: the name's reading, but a stored
	 * person without one whose name stays the same keeps none (so an
	 * export of a Chinese name stored without pinyin reads back as it
	 * is) */
	if (old != NULL && !keep && same_str(m->family, old->family) &&
	    same_str(m->given, old->given) &&
	    same_str(old->phonetic_family, NULL) &&
	    same_str(old->phonetic_given, NULL))
		keep = true;
	if (ret == 0 && !keep && m->phonetic_family == NULL &&
	    m->phonetic_given == NULL) {
		m->phonetic_family = imp_phonetic_of(m->family, true);
		m->phonetic_given = imp_phonetic_of(m->given, false);
	}
	if (ret == 0)
		ret = merge_phones(m, r, old);
	emails = HAS(r, C_EMAIL) ? &r->p : old;
	for (size_t i = 0; ret == 0 && emails != NULL && i < emails->n_emails;
	     i++) {
		char **ne = realloc(m->emails, (m->n_emails + 1) * sizeof(*ne));

		if (ne == NULL) {
			ret = OB_E_NOMEM;
			break;
		}
		m->emails = ne;
		ret = dup_into(&ne[m->n_emails], emails->emails[i]);
		m->n_emails += ret == 0;
	}
	m->unit_id = HAS(r, C_UNIT) ? r->p.unit_id : old ? old->unit_id : 0;
	m->hidden = HAS(r, C_HIDDEN) ? r->p.hidden : old ? old->hidden : false;
	{
		const struct dstore_person *ph = HAS(r, C_PHOTO) ? &r->p : old;

		if (ret == 0 && ph != NULL && ph->photo != NULL &&
		    ph->photo_len > 0) {
			m->photo = malloc(ph->photo_len);
			if (m->photo == NULL)
				ret = OB_E_NOMEM;
			else
				memcpy(m->photo, ph->photo, ph->photo_len);
			m->photo_len = m->photo ? ph->photo_len : 0;
		}
	}
	return ret;
}

/* The stored person of uid into *old (with its photo when with_photo):
 * 1 found, 0 not, or a store error. */
static int stored(struct import *im, const char *uid, bool with_photo,
		  struct dstore_person *old, struct ob_err *err)
{
	int ret;

	memset(old, 0, sizeof(*old));
	if (uid == NULL)
		return 0;
	ret = dstore_person_get(im->s, im->tenant, uid, with_photo, old, err);
	if (ret == OB_E_NOTFOUND)
		return 0;
	return ret < 0 ? ret : 1;
}

/* Pass 1: the person the row would make, checked as the store will. */
static int check_row(struct import *im, struct rec *r, struct ob_err *err)
{
	struct dstore_person old, m;
	struct ob_err e;
	int found, ret;

	found = stored(im, r->p.uid, false, &old, err);
	if (found < 0)
		return found;
	ret = merge_row(r, found ? &old : NULL, &m);
	if (ret < 0) {
		ret = ob_err_set(err, ret, "out of memory");
		goto out;
	}
	ret = dstore_person_check(im->s, &m, &e);
	if (ret == OB_E_NOMEM) {
		ret = ob_err_set(err, ret, "out of memory");
	} else if (ret < 0) {
		bad_row(im, r->line, column_of(im, e.field), e.field, e.msg);
		ret = 0;
	}
out:
	dstore_person_deinit(&old);
	dstore_person_deinit(&m);
	return ret;
}

/* Pass 2: one row into the open transaction, merged over the person it
 * names; a row that changes no field is not written at all. */
static int apply_row(struct import *im, struct rec *r, struct ob_err *err)
{
	struct imp_report *rep = im->rep;
	struct ex_list *ex = im->ex;
	enum dstore_put_result res = DSTORE_PUT_UNCHANGED;
	struct dstore_person old, m;
	struct existing *e = NULL;
	char nm[600];
	int found, ret;

	memset(&m, 0, sizeof(m));
	memset(&old, 0, sizeof(old));
	if (r->unit_path != NULL) {
		int64_t id;

		ret = dstore_unit_ensure_path(im->s, im->tenant, r->unit_path,
					      false, &id, err);
		if (ret == OB_E_NOTFOUND) {
			ret = dstore_unit_ensure_path(im->s, im->tenant,
						      r->unit_path, true, &id,
						      err);
		}
		if (ret < 0)
			goto out;
		r->p.unit_id = id;
	}
	if (r->p.uid == NULL && im->need_keys) {
		e = find_key(ex, r->key);
		if (e != NULL)
			r->p.uid = ob_strndup(e->uid, strlen(e->uid));
	}
	found = stored(im, r->p.uid, true, &old, err);
	ret = found < 0 ? found : merge_row(r, found ? &old : NULL, &m);
	if (ret == OB_E_NOMEM)
		ret = ob_err_set(err, ret, "out of memory");
	/* the unit as the file names it, for the plan's unit line */
	if (ret == 0 && m.unit_id != 0 && r->unit_path != NULL) {
		m.unit_path = ob_strndup(r->unit_path, strlen(r->unit_path));
		if (m.unit_path == NULL)
			ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
	}
	if (ret < 0)
		goto out;
	if (!found || dstore_person_diff(&old, &m, NULL, NULL) > 0) {
		ret = dstore_person_put(im->s, im->tenant, &m, &res, err);
		if (ret < 0)
			goto out;
	}
	if (e == NULL)
		e = find_uid(ex, m.uid);
	if (e != NULL)
		e->seen = true;
	if (res == DSTORE_PUT_ADDED) {
		rep->adds++;
		ob_buf_addf(&rep->plan, "add %s %s%s%s\n", m.uid,
			    dstore_display_name(&m, nm, sizeof(nm)),
			    r->unit_path ? " in " : "",
			    r->unit_path ? r->unit_path : "");
	} else if (res == DSTORE_PUT_MODIFIED) {
		rep->changes++;
		ob_buf_addf(&rep->plan, "change %s %s\n", m.uid,
			    old.display ? old.display : "");
		(void)dstore_person_diff(&old, &m, "    ", &rep->plan);
	} else {
		rep->unchanged++;
	}
out:
	if (ret < 0)
		ob_err_prefix(err, "line %ld: ", r->line);
	dstore_person_deinit(&old);
	dstore_person_deinit(&m);
	return ret;
}

/* The row just read goes to the pass's handler, then is freed. */
static int emit(struct import *im, struct ob_err *err)
{
	int ret;

	if (im->pass == 1) {
		im->rep->rows++;
		ret = check_row(im, &im->cur, err);
		if (ret == 0 && note_row(im, &im->cur) < 0)
			ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
	} else {
		ret = apply_row(im, &im->cur, err);
	}
	rec_free(&im->cur);
	return ret;
}

/* Replace: delete the existing people no row named. */
static int delete_unseen(struct import *im, struct ob_err *err)
{
	struct ex_list *ex = im->ex;
	int ret;

	for (size_t i = 0; i < ex->n; i++) {
		if (ex->v[i].seen)
			continue;
		ret = dstore_person_delete(im->s, im->tenant, ex->v[i].uid,
					   err);
		if (ret < 0)
			return ret;
		im->rep->deletes++;
		ob_buf_addf(&im->rep->plan, "delete %s %s\n", ex->v[i].uid,
			    ex->v[i].display);
	}
	return 0;
}

static int count_unit(const struct dstore_unit *u, void *ctx)
{
	(void)u;
	(*(size_t *)ctx)++;
	return 0;
}

static int guard(struct import *im, size_t existing, struct ob_err *err)
{
	double share = im->o->max_delete;
	size_t d = im->rep->deletes;

	if (!im->o->replace || im->o->force || d == 0)
		return 0;
	if (share <= 0)
		share = existing > 50 ? 0.2 : 0.8;
	if ((double)d > share * (double)existing)
		return ob_err_set(err, OB_E_LIMIT,
				  "refused: this replace would delete %zu of "
				  "%zu people (more than %.0f%%); check the "
				  "file, or pass --force",
				  d, existing, share * 100);
	return 0;
}

/* Reads every row of the input, calling emit() for each; run() calls it
 * twice (pass 1 checks, pass 2 applies), so rows are never all held in
 * memory. Returns 0 or a fatal error (bad rows are recorded, not fatal). */
typedef int row_source(struct import *im, void *ctx, struct ob_err *err);

/* Pass 1 over the input, duplicate uids, the bad-row verdict, then pass 2
 * inside one transaction (rolled back on error or dry run). */
static int run(struct import *im, row_source *rows, void *ctx,
	       struct ob_err *err)
{
	const struct imp_opts *o = im->o;
	struct imp_report *rep = im->rep;
	struct ex_list *ex = calloc(1, sizeof(*ex));
	struct dstore_iter_opts it = {.include_hidden = true};
	size_t units_before = 0;
	int ret;

	if (ex == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	im->ex = ex;
	im->pass = 1;
	ret = rows(im, ctx, err);
	if (ret < 0)
		goto out;
	check_duplicates(im);
	for (size_t i = 0; i < im->n_unkept; i++)
		ob_buf_addf(&rep->unkept, "%s: %zu card%s\n",
			    im->unkept[i].what, im->unkept[i].n,
			    im->unkept[i].n == 1 ? "" : "s");
	if (rep->bad_rows > 0) {
		size_t max = o->max_errors ? o->max_errors : 100;

		if (rep->bad_rows > max)
			ob_buf_addf(&rep->errors, "... and %zu more bad rows\n",
				    rep->bad_rows - max);
		ret = ob_err_set(err, OB_E_PARSE,
				 "%zu bad row%s; nothing was imported",
				 rep->bad_rows, rep->bad_rows == 1 ? "" : "s");
		goto out;
	}
	ret = dstore_begin(im->s, im->tenant, o->actor ? o->actor : "import",
			   err);
	/* what the import writes is kept for its undo, in its transaction */
	if (ret == 0 && !o->dry_run)
		ret = dstore_import_begin(im->s, im->tenant,
					  o->replace ? "replace" : "merge",
					  err);
	if (ret == 0)
		ret = dstore_unit_list(im->s, im->tenant, count_unit,
				       &units_before, err);
	if (ret < 0) {
		dstore_rollback(im->s);
		goto out;
	}
	for (size_t i = 0; i < im->n_units && ret == 0; i++) {
		int64_t id;

		ret = dstore_unit_ensure_path(im->s, im->tenant, im->units[i],
					      false, &id, err);
		if (ret == OB_E_NOTFOUND) {
			ret = dstore_unit_ensure_path(im->s, im->tenant,
						      im->units[i], true, &id,
						      err);
		}
	}
	ex->need_keys = im->need_keys;
	/* existing people are needed to match rows without uid and to find
	 * the people a replace deletes; a merge by uid needs none of them */
	if (ret == 0 && (o->replace || ex->need_keys))
		ret = dstore_person_iter(im->s, im->tenant, &it,
					 collect_existing, ex, err);
	if (ret == 0) {
		if (ex->n > 0)
			qsort(ex->v, ex->n, sizeof(*ex->v), cmp_ex_uid);
		im->pass = 2;
		ret = rows(im, ctx, err);
	}
	if (ret == 0 && o->replace)
		ret = delete_unseen(im, err);
	if (ret == 0)
		ret = dstore_unit_list(im->s, im->tenant, count_unit,
				       &rep->units_created, err);
	rep->units_created -=
		rep->units_created >= units_before ? units_before : 0;
	if (ret == 0)
		ret = guard(im, ex->n, err);
	if (ret < 0 || o->dry_run) {
		dstore_rollback(im->s);
		if (ret == 0) {
			struct dstore_tenant t;

			if (dstore_tenant_get(im->s, im->tenant, &t, err) == 0)
				rep->revision = t.revision;
		}
	} else {
		ret = dstore_commit(im->s, &rep->revision, err);
	}
out:
	for (size_t i = 0; i < ex->n; i++) {
		free(ex->v[i].uid);
		free(ex->v[i].display);
		free(ex->v[i].key);
	}
	free(ex->v);
	free(ex->by_key);
	free(ex);
	im->ex = NULL;
	return ret;
}

static void import_free(struct import *im)
{
	rec_free(&im->cur);
	for (size_t i = 0; i < im->n_uids; i++)
		free(im->uids[i].uid);
	free(im->uids);
	for (size_t i = 0; i < im->n_units; i++)
		free(im->units[i]);
	free(im->units);
	free(im->unkept);
}

/* A CSV file has the fields its header names. */
static uint32_t columns_present(const struct import *im)
{
	uint32_t m = 0;

	for (int c = 0; c < C_COUNT; c++)
		m |= im->colmap[c] >= 0 ? 1u << c : 0;
	return m;
}

/* The header's name of CSV column col (0-based), "csv" past the named
 * ones. */
static const char *column_name(struct import *im, int col)
{
	for (int c = 0; col >= 0 && c < C_COUNT; c++) {
		if (im->colmap[c] == col)
			return col_names[c][0];
	}
	return "csv";
}

struct csv_src {
	const char *data;
	size_t len;
};

static int csv_rows(struct import *im, void *ctx, struct ob_err *err)
{
	struct csv_src *src = ctx;
	struct imp_csv *csv = NULL;
	char **f;
	bool header = false;
	size_t n;
	long line;
	int ret, r;

	ret = imp_csv_open(src->data, src->len, im->o->encoding, NULL, &csv,
			   err);
	if (ret < 0)
		return ret;
	r = imp_csv_next(csv, &f, &n, &line, err);
	if (r == 0) {
		ret = ob_err_set(err, OB_E_PARSE,
				 "the file is empty (no header line)");
		goto out;
	}
	if (r > 0) {
		if (read_header(im, f, n, line) < 0)
			goto out; /* bad header: recorded as bad rows */
		header = true;
	}
	im->csv = csv;
	while (r > 0 && (r = imp_csv_next(csv, &f, &n, &line, err)) > 0) {
		ret = read_row(im, f, n, line, columns_present(im));
		if (ret == 1)
			ret = emit(im, err);
		else if (ret < 0)
			ret = ob_err_set(err, ret, "out of memory");
		if (ret < 0)
			goto out;
	}
	if (r == OB_E_NOMEM) {
		ret = r;
	} else if (r < 0) {
		/* a bad row naming line, column and the column's name; the
		 * rest of the file cannot be read reliably */
		char msg[OB_ERR_MSG_MAX];
		int col = (int)err->column - 1;

		snprintf(msg, sizeof(msg), "%s", err->msg);
		bad_row(im, err->line, col,
			header ? column_name(im, col) : "header", msg);
		if (im->pass == 2)
			ret = ob_err_set(err, OB_E_PARSE, "%s", msg);
	}
out:
	im->csv = NULL;
	imp_csv_free(&csv);
	return ret;
}

int imp_csv_import(struct dstore *s, int64_t tenant_id, const char *data,
		   size_t len, const struct imp_opts *o, struct imp_report *rep,
		   struct ob_err *err)
{
	struct import im = {.s = s,
			    .tenant = tenant_id,
			    .o = o,
			    .rep = rep,
			    .guarded = true};
	struct csv_src src = {data, len};
	int ret;

	ret = run(&im, csv_rows, &src, err);
	import_free(&im);
	return ret;
}

/* A JSON member as a cell: strings as they are, arrays of strings joined
 * with '|', booleans as yes/no. NULL (and a bad row) for anything else. */
static char *json_cell(struct import *im, const struct imp_json_value *v,
		       const char *name, int col)
{
	struct ob_buf b;

	ob_buf_init(&b, 1 << 20);
	if (v->type == IMP_JSON_STRING) {
		ob_buf_add_str(&b, v->str);
	} else if (v->type == IMP_JSON_BOOL) {
		ob_buf_add_str(&b, v->b ? "yes" : "no");
	} else if (v->type == IMP_JSON_NULL) {
		/* empty */
	} else if (v->type == IMP_JSON_ARRAY) {
		for (size_t i = 0; i < v->n; i++) {
			if (v->items[i]->type != IMP_JSON_STRING ||
			    strchr(v->items[i]->str, '|') != NULL) {
				bad_row(im, v->line, col, name,
					"must be a list of strings without "
					"'|'");
				ob_buf_deinit(&b);
				return NULL;
			}
			ob_buf_addf(&b, "%s%s", i ? "|" : "", v->items[i]->str);
		}
	} else {
		bad_row(im, v->line, col, name, "must be a string");
		ob_buf_deinit(&b);
		return NULL;
	}
	return ob_buf_steal(&b, NULL);
}

static int json_rows(struct import *im, void *ctx, struct ob_err *err)
{
	const struct imp_json_value *people = ctx;
	int ret = 0;

	for (size_t i = 0; i < people->n && ret >= 0; i++) {
		const struct imp_json_value *pv = people->items[i];
		char *cells[C_COUNT] = {0};
		uint32_t present = 0;
		bool ok = true;

		if (pv->type != IMP_JSON_OBJECT) {
			bad_row(im, pv->line, -1, "people",
				"each person must be an object");
			continue;
		}
		for (size_t k = 0; k < pv->n; k++) {
			int col = -1;

			for (int c = 0; c < C_COUNT; c++) {
				if (strcmp(pv->keys[k], col_names[c][0]) == 0)
					col = c;
			}
			if (col < 0) {
				char msg[200];

				snprintf(msg, sizeof(msg),
					 "unknown member \"%.64s\"",
					 pv->keys[k]);
				bad_row(im, pv->items[k]->line, -1, "person",
					msg);
				ok = false;
				continue;
			}
			free(cells[col]);
			present |= 1u << col;
			cells[col] =
				json_cell(im, pv->items[k], pv->keys[k], -1);
			ok &= cells[col] != NULL;
		}
		if (ok) {
			char *row[C_COUNT];

			for (int c = 0; c < C_COUNT; c++)
				row[c] = cells[c] ? cells[c] : "";
			ret = read_row(im, row, C_COUNT, pv->line, present);
			if (ret == 1)
				ret = emit(im, err);
			else if (ret < 0)
				ret = ob_err_set(err, ret, "out of memory");
		}
		for (int c = 0; c < C_COUNT; c++)
			free(cells[c]);
	}
	return ret < 0 ? ret : 0;
}

int imp_json_import(struct dstore *s, int64_t tenant_id, const char *data,
		    size_t len, const struct imp_opts *o,
		    struct imp_report *rep, struct ob_err *err)
{
	struct import im = {.s = s, .tenant = tenant_id, .o = o, .rep = rep};
	const struct imp_json_value *root, *people, *units;
	struct imp_json *json = NULL;
	int ret;

	ret = imp_json_parse(data, len, NULL, &json, err);
	if (ret < 0)
		return ret;
	root = imp_json_root(json);
	people = imp_json_get(root, "people");
	units = imp_json_get(root, "units");
	if (root->type != IMP_JSON_OBJECT || people == NULL ||
	    people->type != IMP_JSON_ARRAY) {
		ret = ob_err_set_at(err, OB_E_PARSE, root->line, 0, NULL,
				    "expected an object with a \"people\" "
				    "array (see IMPORT.md)");
		goto out;
	}
	for (size_t i = 0; i < root->n; i++) {
		if (strcmp(root->keys[i], "people") != 0 &&
		    strcmp(root->keys[i], "units") != 0)
			bad_row(&im, root->items[i]->line, -1, root->keys[i],
				"unknown member (people, units)");
	}
	if (units != NULL) {
		if (units->type != IMP_JSON_ARRAY) {
			bad_row(&im, units->line, -1, "units",
				"must be an array of unit paths");
		} else {
			im.units = calloc(units->n ? units->n : 1,
					  sizeof(*im.units));
			for (size_t i = 0; im.units && i < units->n; i++) {
				const struct imp_json_value *u =
					units->items[i];

				if (u->type != IMP_JSON_STRING ||
				    !unit_path_ok(u->str)) {
					bad_row(&im, u->line, -1, "units",
						"not a valid unit path");
					continue;
				}
				im.units[im.n_units++] =
					ob_strndup(u->str, strlen(u->str));
			}
		}
	}
	/* every person becomes a row with all columns, in column order */
	for (int c = 0; c < C_COUNT; c++)
		im.colmap[c] = c;
	im.ncols = C_COUNT;
	im.no_columns = true;
	ret = run(&im, json_rows, (void *)people, err);
out:
	import_free(&im);
	imp_json_free(&json);
	return ret;
}

/* Lines where cards start ("BEGIN:VCARD" at a line start), so errors about
 * a card's fields can name a line; NULL when none were found. */
static long *card_lines(const char *data, size_t len, size_t *n_r)
{
	long *v = NULL, line = 1;
	size_t n = 0, alloc = 0;

	for (size_t i = 0; i < len; i++) {
		if ((i == 0 || data[i - 1] == '\n') && len - i >= 11 &&
		    strncasecmp(data + i, "BEGIN:VCARD", 11) == 0) {
			if (n == alloc) {
				long *nv;

				alloc = alloc ? alloc * 2 : 256;
				nv = realloc(v, alloc * sizeof(*v));
				if (nv == NULL)
					break;
				v = nv;
			}
			v[n++] = line;
		}
		if (data[i] == '\n')
			line++;
	}
	*n_r = n;
	return v;
}

/* The numbers of one type joined by '|', as a CSV cell holds them. */
static char *join_phones(const struct dstore_person *p, const char *type)
{
	struct ob_buf b;

	ob_buf_init(&b, 1 << 16);
	for (size_t i = 0; i < p->n_phones; i++) {
		if (strcmp(p->phones[i].type, type) == 0)
			ob_buf_addf(&b, "%s%s", b.len ? "|" : "",
				    p->phones[i].number);
	}
	return ob_buf_steal(&b, NULL);
}

/* The fields a card has, by property (IMPORT.md: in a merge, a property
 * the card lacks leaves its fields as they are): N the name parts, FN the
 * display name, TEL every phone, ADR the whole address, ORG the unit when
 * it names one after the company. */
static uint32_t card_fields(const struct vcard *card,
			    const struct vcard_contact *c, bool has_unit)
{
	static const struct {
		const char *prop;
		uint32_t cols;
	} map[] = {
		{"N", 1u << C_FAMILY | 1u << C_GIVEN},
		{"X-PHONETIC-LAST-NAME", 1u << C_PFAMILY | 1u << C_PGIVEN},
		{"X-PHONETIC-FIRST-NAME", 1u << C_PFAMILY | 1u << C_PGIVEN},
		{"TITLE", 1u << C_TITLE},
		{"TEL",
		 1u << C_PWORK | 1u << C_PCELL | 1u << C_PHOME | 1u << C_PFAX},
		{"EMAIL", 1u << C_EMAIL},
		{"ADR", 1u << C_STREET | 1u << C_CITY | 1u << C_REGION |
				1u << C_POSTCODE | 1u << C_COUNTRY},
		{"NOTE", 1u << C_NOTE},
	};
	uint32_t m = 1u << C_UID;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (vcard_prop_get(card, map[i].prop, NULL) != NULL)
			m |= map[i].cols;
	}
	if (c->phonetic_family != NULL || c->phonetic_given != NULL)
		m |= 1u << C_PFAMILY | 1u << C_PGIVEN; /* 4.0 N;SORT-AS */
	if (vcard_prop_get(card, "FN", NULL) != NULL)
		m |= 1u << C_DISPLAY;
	if (has_unit)
		m |= 1u << C_UNIT;
	if (c->photo != NULL && c->photo_len > 0)
		m |= 1u << C_PHOTO;
	return m;
}

static const char *or_empty(const char *s)
{
	return s != NULL ? s : "";
}

/* One vCard as an import row: the person dcard_contact_to_person reads
 * from it (dircard.h: ORG's units after the company become the unit path,
 * OTHER phones count as work, box and extended address join the street),
 * its fields as the row's cells. */
static int read_contact(struct import *im, const struct vcard *card,
			const struct vcard_contact *c, long line)
{
	static const char *const phone_types[] = {"work", "cell", "home",
						  "fax"};
	static const enum col phone_cols[] = {C_PWORK, C_PCELL, C_PHOME,
					      C_PFAX};
	char *cells[C_COUNT] = {0};
	char *row[C_COUNT];
	struct dstore_person p;
	struct ob_buf emails;
	struct rec *r;
	struct ob_err err;
	int ret;

	ret = dcard_contact_to_person(c, &p);
	if (ret < 0)
		return ret;
	ob_buf_init(&emails, 1 << 16);
	for (size_t i = 0; i < p.n_emails; i++)
		ob_buf_addf(&emails, "%s%s", i ? "|" : "", p.emails[i]);
	cells[C_EMAIL] = ob_buf_steal(&emails, NULL);
	for (size_t i = 0; i < 4; i++)
		cells[phone_cols[i]] = join_phones(&p, phone_types[i]);
	for (int k = 0; k < C_COUNT; k++)
		row[k] = cells[k] ? cells[k] : "";
	row[C_UNIT] = (char *)or_empty(p.unit_path);
	row[C_STREET] = (char *)or_empty(p.street);
	row[C_UID] = (char *)or_empty(p.uid);
	row[C_FAMILY] = (char *)or_empty(p.family);
	row[C_GIVEN] = (char *)or_empty(p.given);
	row[C_DISPLAY] = (char *)or_empty(p.display);
	row[C_PFAMILY] = (char *)or_empty(p.phonetic_family);
	row[C_PGIVEN] = (char *)or_empty(p.phonetic_given);
	row[C_TITLE] = (char *)or_empty(p.title);
	row[C_CITY] = (char *)or_empty(p.locality);
	row[C_REGION] = (char *)or_empty(p.region);
	row[C_POSTCODE] = (char *)or_empty(p.postcode);
	row[C_COUNTRY] = (char *)or_empty(p.country);
	row[C_NOTE] = (char *)or_empty(p.note);
	ret = read_row(im, row, C_COUNT, line,
		       card_fields(card, c, row[C_UNIT][0] != '\0'));
	for (int k = 0; k < C_COUNT; k++)
		free(cells[k]);
	if (ret == 1 && p.photo != NULL) {
		/* the photo comes as bytes, not as a file */
		r = &im->cur;
		r->p.photo = p.photo;
		r->p.photo_len = p.photo_len;
		p.photo = NULL;
		p.photo_len = 0;
		if (dstore_person_check(im->s, &r->p, &err) < 0 &&
		    strcmp(err.field, "photo") == 0) {
			bad_row(im, line, -1, "PHOTO", err.msg);
			ret = 0;
		}
	}
	dstore_person_deinit(&p);
	return ret;
}

/* What the import will not keep, counted by property name for the
 * preview. */
static int count_unkept(struct import *im, const char *what)
{
	struct unkept *u;

	for (size_t i = 0; i < im->n_unkept; i++) {
		if (strcmp(im->unkept[i].what, what) == 0) {
			im->unkept[i].n++;
			return 0;
		}
	}
	if (im->n_unkept >= 200)
		what = "(other properties)"; /* bounded: a hostile file */
	for (size_t i = 0; i < im->n_unkept; i++) {
		if (strcmp(im->unkept[i].what, what) == 0) {
			im->unkept[i].n++;
			return 0;
		}
	}
	u = realloc(im->unkept, (im->n_unkept + 1) * sizeof(*u));
	if (u == NULL)
		return OB_E_NOMEM;
	im->unkept = u;
	u = &u[im->n_unkept++];
	snprintf(u->what, sizeof(u->what), "%s", what);
	u->n = 1;
	return 0;
}

/* An e-mail address has no type in the store: each TYPE of the card's
 * EMAILs but INTERNET (which says only that it is an e-mail address) is
 * listed, once per card ("EMAIL type WORK"), and so is a PREF parameter. */
static int note_email_types(struct import *im, const struct vcard *card)
{
	char seen[8][48];
	size_t n_seen = 0;
	int ret = 0;

	for (size_t i = 0; i < card->n_props && ret == 0; i++) {
		const struct vcard_prop *p = &card->props[i];

		if (strcmp(p->name, "EMAIL") != 0)
			continue;
		for (size_t k = 0; k < p->n_params && ret == 0; k++) {
			const struct vcard_param *pa = &p->params[k];
			bool type = strcmp(pa->name, "TYPE") == 0;

			for (size_t v = 0; v < (type ? pa->n_values : 1); v++) {
				char what[48];
				bool dup = false;

				if (type &&
				    ob_str_ieq(pa->values[v], "INTERNET"))
					continue;
				if (!type && strcmp(pa->name, "PREF") != 0)
					break;
				snprintf(what, sizeof(what), "EMAIL type %.30s",
					 type ? pa->values[v] : "PREF");
				for (char *q = what + 11; *q; q++)
					*q = (char)toupper((unsigned char)*q);
				for (size_t j = 0; j < n_seen; j++)
					dup |= strcmp(seen[j], what) == 0;
				if (dup)
					continue;
				if (n_seen < 8)
					memcpy(seen[n_seen++], what,
					       sizeof(what));
				ret = count_unkept(im, what);
				if (ret < 0)
					break;
			}
		}
	}
	return ret;
}

/* Pass 1: each property of card (or part of one) that no field keeps. Not
 * counted: VERSION, PRODID (the writing program) and REV (the store sets
 * the time of the last change), and CATEGORIES when it only repeats the
 * unit (the export writes it so). */
static int note_unkept(struct import *im, const struct vcard *card,
		       const struct vcard_contact *c)
{
	static const char *const one[] = {"UID",
					  "N",
					  "FN",
					  "TITLE",
					  "NOTE",
					  "ADR",
					  "ORG",
					  "PHOTO",
					  "X-PHONETIC-LAST-NAME",
					  "X-PHONETIC-FIRST-NAME"};
	static const char *const quiet[] = {"VERSION", "PRODID", "REV"};
	bool seen[sizeof(one) / sizeof(one[0])] = {false};
	char what[96];
	int ret = 0;

	for (size_t i = 0; i < card->n_props && ret == 0; i++) {
		const struct vcard_prop *p = &card->props[i];
		bool known = false;

		for (size_t k = 0; k < sizeof(quiet) / sizeof(quiet[0]); k++)
			known |= strcmp(p->name, quiet[k]) == 0;
		if (known)
			continue;
		for (size_t k = 0; k < sizeof(one) / sizeof(one[0]); k++) {
			if (strcmp(p->name, one[k]) != 0)
				continue;
			known = true;
			if (seen[k]) {
				snprintf(what, sizeof(what),
					 "%.64s (second and later)", p->name);
				ret = count_unkept(im, what);
			}
			seen[k] = true;
		}
		if (strcmp(p->name, "N") == 0 && !p->binary &&
		    (vcard_prop_value(p, 2)[0] || vcard_prop_value(p, 3)[0] ||
		     vcard_prop_value(p, 4)[0]) &&
		    ret == 0)
			ret = count_unkept(im, "N (middle names, prefix, "
					       "suffix)");
		if (strcmp(p->name, "PHOTO") == 0 && !p->binary && ret == 0)
			ret = count_unkept(im, "PHOTO (a link, not an image)");
		if (strcmp(p->name, "TEL") == 0 ||
		    strcmp(p->name, "EMAIL") == 0)
			known = true;
		if (strcmp(p->name, "CATEGORIES") == 0 && !p->binary &&
		    p->n_values == 1 && c->n_org > 1) {
			/* the unit path as the export writes it */
			struct ob_buf u;

			ob_buf_init(&u, 1 << 16);
			for (size_t k = 1; k < c->n_org; k++)
				ob_buf_addf(&u, "%s%s", k > 1 ? "/" : "",
					    c->org[k]);
			known = strcmp(ob_buf_str(&u), p->values[0]) == 0;
			ob_buf_deinit(&u);
		}
		if (!known && ret == 0) {
			snprintf(what, sizeof(what), "%.64s", p->name);
			ret = count_unkept(im, what);
		}
	}
	for (size_t i = 0; i < c->n_phones && ret == 0; i++) {
		if (c->phones[i].type == VCARD_PHONE_OTHER)
			ret = count_unkept(im, "TEL type (not work, cell, "
					       "home or fax: kept as work)");
	}
	if (ret == 0)
		ret = note_email_types(im, card);
	return ret;
}

struct vcf_src {
	const char *data;
	size_t len;
	long *lines; /* line of each card's BEGIN */
	size_t nlines;
};

static int vcf_rows(struct import *im, void *ctx, struct ob_err *err)
{
	struct vcf_src *src = ctx;
	struct vcard_parser *parser = NULL;
	size_t idx = 0;
	int ret = 0, r;

	if (vcard_parser_new(src->data, src->len, NULL, &parser) != 0)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	for (;;) {
		struct vcard *card = NULL;
		struct vcard_contact c;
		struct vcard_error verr;
		long line;

		r = vcard_parser_next(parser, &card, &verr);
		if (r == 0)
			break;
		line = idx < src->nlines ? src->lines[idx] : (long)idx + 1;
		idx++;
		if (r == VCARD_E_NOMEM) {
			ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
			break;
		}
		if (r < 0) {
			bad_row(im, verr.line ? (long)verr.line : line, -1,
				verr.prop[0] ? verr.prop : "vcard", verr.msg);
			continue;
		}
		if (vcard_contact_from_card(card, &c, &verr) != 0) {
			vcard_free(&card);
			ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
			break;
		}
		if (im->pass == 1)
			ret = note_unkept(im, card, &c);
		if (ret == 0)
			ret = read_contact(im, card, &c, line);
		vcard_free(&card);
		if (ret == 1)
			ret = emit(im, err);
		else if (ret < 0)
			ret = ob_err_set(err, ret, "out of memory");
		if (ret < 0)
			break;
	}
	vcard_parser_free(&parser);
	if (ret == 0 && idx == 0)
		ret = ob_err_set(err, OB_E_PARSE, "no vCard in the file");
	return ret;
}

int imp_vcf_import(struct dstore *s, int64_t tenant_id, const char *data,
		   size_t len, const struct imp_opts *o, struct imp_report *rep,
		   struct ob_err *err)
{
	struct import im = {.s = s, .tenant = tenant_id, .o = o, .rep = rep};
	struct vcf_src src = {data, len, NULL, 0};
	int ret;

	src.lines = card_lines(data, len, &src.nlines);
	for (int c = 0; c < C_COUNT; c++)
		im.colmap[c] = c;
	im.ncols = C_COUNT;
	im.no_columns = true;
	ret = run(&im, vcf_rows, &src, err);
	free(src.lines);
	import_free(&im);
	return ret;
}
