/* One row of an import: cells (as a CSV record, a JSON person or a vCard
 * gives them, in the column order of IMPORT.md) into a struct rec. An
 * unquoted CSV cell is trimmed, the CSV formula guard comes off, phones
 * and emails split at '|', hidden read as yes/no, the unit path and the
 * photo file checked (the file read relative to the base directory, never
 * outside it). Also the list of bad rows. It does not look at the store:
 * whether a row is a valid person is apply.c's question. */
#include "config.h"
#include "import/core.h"
#include "import/csv.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* column name, and the dirstore field name its errors carry */
const char *const imp_col_names[C_COUNT][2] = {
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

void imp_bad_row(struct import *im, long line, int col, const char *field,
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

void imp_rec_free(struct rec *r)
{
	free(r->unit_path);
	free(r->key);
	dstore_person_deinit(&r->p);
	memset(r, 0, sizeof(*r));
}

char *imp_dup_trim(const char *v)
{
	size_t n = strlen(v);
	const char *t = ob_str_trim(v, &n);

	return n ? ob_strndup(t, n) : NULL;
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
	char *t = imp_dup_trim(v);

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
	t = imp_dup_trim(v);
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

static int load_photo(struct import *im, struct rec *r, const char *rel,
		      int col)
{
	char path[4096], msg[300];
	struct ob_buf b;
	struct ob_err err;

	if (im->o->no_photo_files) {
		imp_bad_row(im, r->line, col, "photo",
			    "photo files cannot be read from an upload: leave "
			    "the photo column empty and set photos on the "
			    "person's page");
		return 0;
	}
	if (strstr(rel, "..") != NULL || rel[0] == '/') {
		imp_bad_row(im, r->line, col, "photo",
			    "photo path must be relative, without \"..\"");
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s",
		 im->o->base_dir ? im->o->base_dir : ".", rel);
	ob_buf_init(&b, DSTORE_PHOTO_MAX_DEFAULT * 4);
	if (ob_file_read(path, &b, &err) < 0) {
		snprintf(msg, sizeof(msg), "%s", err.msg);
		imp_bad_row(im, r->line, col, "photo", msg);
		ob_buf_deinit(&b);
		return 0;
	}
	r->p.photo = (unsigned char *)ob_buf_steal(&b, &r->p.photo_len);
	return r->p.photo ? 0 : OB_E_NOMEM;
}

bool imp_unit_path_ok(const char *path)
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

int imp_read_row(struct import *im, char **f, size_t n, long line,
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
		imp_bad_row(im, line, -1, "", msg);
		return 0;
	}
	r = &im->cur;
	imp_rec_free(r);
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
		imp_bad_row(im, line, im->colmap[C_HIDDEN], "hidden",
			    "must be yes/no, true/false or 1/0");
	}
	if (r->unit_path != NULL && !imp_unit_path_ok(r->unit_path))
		imp_bad_row(
			im, line, im->colmap[C_UNIT], "unit",
			"bad unit path (empty segment, '.', '..' or a '/' at "
			"either end)");
	if (cell(im, f, n, C_PHOTO)[0] != '\0') {
		ret = load_photo(im, r, cell(im, f, n, C_PHOTO),
				 im->colmap[C_PHOTO]);
		if (ret < 0)
			return ret;
	}
	if (r->p.uid == NULL) {
		r->key = imp_make_key(&r->p);
		if (r->key == NULL)
			return OB_E_NOMEM;
	}
	return 1;
}
