/* The JSON format (IMPORT.md): {"units": [...], "people": [{...}]}, each
 * person with the CSV column names as members, which are the fields the
 * row has. Strings as they are, arrays of strings joined with '|',
 * booleans as yes/no. The parser is json.c. */
#include "config.h"
#include "import/core.h"
#include "import/json.h"
#include "util/buf.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
				imp_bad_row(im, v->line, col, name,
					    "must be a list of strings without "
					    "'|'");
				ob_buf_deinit(&b);
				return NULL;
			}
			ob_buf_addf(&b, "%s%s", i ? "|" : "", v->items[i]->str);
		}
	} else {
		imp_bad_row(im, v->line, col, name, "must be a string");
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
			imp_bad_row(im, pv->line, -1, "people",
				    "each person must be an object");
			continue;
		}
		for (size_t k = 0; k < pv->n; k++) {
			int col = -1;

			for (int c = 0; c < C_COUNT; c++) {
				if (strcmp(pv->keys[k], imp_col_names[c][0]) ==
				    0)
					col = c;
			}
			if (col < 0) {
				char msg[200];

				snprintf(msg, sizeof(msg),
					 "unknown member \"%.64s\"",
					 pv->keys[k]);
				imp_bad_row(im, pv->items[k]->line, -1,
					    "person", msg);
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
			ret = imp_read_row(im, row, C_COUNT, pv->line, present);
			if (ret == 1)
				ret = imp_emit(im, err);
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
			imp_bad_row(&im, root->items[i]->line, -1,
				    root->keys[i],
				    "unknown member (people, units)");
	}
	if (units != NULL) {
		if (units->type != IMP_JSON_ARRAY) {
			imp_bad_row(&im, units->line, -1, "units",
				    "must be an array of unit paths");
		} else {
			im.units = calloc(units->n ? units->n : 1,
					  sizeof(*im.units));
			for (size_t i = 0; im.units && i < units->n; i++) {
				const struct imp_json_value *u =
					units->items[i];

				if (u->type != IMP_JSON_STRING ||
				    !imp_unit_path_ok(u->str)) {
					imp_bad_row(&im, u->line, -1, "units",
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
	ret = imp_run(&im, json_rows, (void *)people, err);
out:
	imp_free(&im);
	imp_json_free(&json);
	return ret;
}
