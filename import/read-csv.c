/* The CSV format (IMPORT.md): the header names the columns, in any order
 * and case; each record is a row with the fields its header has. The
 * parser is csv.c; a record it cannot read is a bad row naming its line,
 * column and the column's name, and ends the file. */
#include "config.h"
#include "import/core.h"
#include "import/csv.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_header(struct import *im, char **f, size_t n, long line)
{
	bool named = false;

	for (int c = 0; c < C_COUNT; c++)
		im->colmap[c] = -1;
	for (size_t i = 0; i < n; i++) {
		char *name = imp_dup_trim(f[i]);
		int found = -1;

		for (int c = 0; name && c < C_COUNT; c++) {
			if (ob_str_ieq(name, imp_col_names[c][0]))
				found = c;
		}
		if (found < 0) {
			char msg[300];

			snprintf(msg, sizeof(msg),
				 "unknown column \"%.64s\" (see IMPORT.md)",
				 name ? name : "");
			imp_bad_row(im, line, (int)i, "header", msg);
		} else if (im->colmap[found] >= 0) {
			imp_bad_row(im, line, (int)i, "header",
				    "duplicate column");
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
		imp_bad_row(im, line, -1, "header",
			    "no name column (display_name, family_name or "
			    "given_name) and no uid column");
	im->ncols = n;
	return im->rep->bad_rows ? OB_E_PARSE : 0;
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
			return imp_col_names[c][0];
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
		ret = imp_read_row(im, f, n, line, columns_present(im));
		if (ret == 1)
			ret = imp_emit(im, err);
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
		imp_bad_row(im, err->line, col,
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

	ret = imp_run(&im, csv_rows, &src, err);
	imp_free(&im);
	return ret;
}
