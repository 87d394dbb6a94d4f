/* The CSV and JSON exports (export.h); the .vcf export is lib/dircard's
 * (dircard/export.h). */
#include "config.h"
#include "import/csv.h"
#include "webadmin/export.h"
#include "webadmin/web.h"

#include <stdlib.h>
#include <string.h>

int wa_web_stream(struct dstore *s, enum wa_stream kind, int64_t tenant_id,
		  int64_t unit_id,
		  int (*out)(const char *data, size_t len, void *ctx),
		  void *ctx, size_t *count_r, struct ob_err *err)
{
	if (kind == WA_STREAM_CSV)
		return wa_export_csv(s, tenant_id, unit_id, out, ctx, count_r,
				     err);
	if (kind == WA_STREAM_JSON)
		return wa_export_json(s, tenant_id, unit_id, out, ctx, count_r,
				      err);
	return ob_err_set(err, OB_E_INVAL, "not a CSV or JSON export");
}

/* ---- CSV ----------------------------------------------------------------- */

static const char *const csv_header =
	"uid,family_name,given_name,display_name,phonetic_family,"
	"phonetic_given,unit,title,phone_work,phone_cell,phone_home,"
	"phone_fax,email,street,city,region,postcode,country,note,hidden\r\n";

/* One CSV field: quoted when it holds a delimiter, quote or line break;
 * a value a spreadsheet would take for a formula gets the guard's
 * apostrophe (csv.h), whatever the column. Phone numbers such as
 * "+86 139 1234 5678" stay as they are: a sign and a digit followed by
 * nothing but phone characters cannot call a function. */
static void csv_field(struct ob_buf *b, const char *v, bool last)
{
	bool guard = v != NULL && imp_csv_formula_guarded(v);
	size_t n = v != NULL ? strlen(v) : 0;

	/* quoted too when the cell starts or ends with a space or TAB, which
	 * the import keeps only inside quotes (a guarded cell starts with
	 * the apostrophe) */
	if (v != NULL &&
	    (strpbrk(v, ",;\"\r\n") != NULL ||
	     (n > 0 && ((!guard && (v[0] == ' ' || v[0] == '\t')) ||
			v[n - 1] == ' ' || v[n - 1] == '\t')))) {
		(void)ob_buf_add_char(b, '"');
		if (guard)
			(void)ob_buf_add_char(b, '\'');
		for (const char *p = v; *p; p++) {
			if (*p == '"')
				(void)ob_buf_add_char(b, '"');
			(void)ob_buf_add_char(b, *p);
		}
		(void)ob_buf_add_char(b, '"');
	} else if (v != NULL) {
		if (guard)
			(void)ob_buf_add_char(b, '\'');
		(void)ob_buf_add_str(b, v);
	}
	(void)ob_buf_add_str(b, last ? "\r\n" : ",");
}

static void csv_phones(struct ob_buf *b, const struct dstore_person *p,
		       const char *type)
{
	struct ob_buf v;
	bool any = false;

	ob_buf_init(&v, 1 << 16);
	for (size_t i = 0; i < p->n_phones; i++)
		if (strcmp(p->phones[i].type, type) == 0) {
			(void)ob_buf_addf(&v, "%s%s", any ? "|" : "",
					  p->phones[i].number);
			any = true;
		}
	csv_field(b, ob_buf_str(&v), false);
	ob_buf_deinit(&v);
}

struct csv_ctx {
	struct ob_buf line;
	int (*out)(const char *data, size_t len, void *ctx);
	void *out_ctx;
	size_t count;
};

static int csv_one(const struct dstore_person *p, void *vctx)
{
	struct csv_ctx *x = vctx;
	struct ob_buf *b = &x->line;
	struct ob_buf mails;

	ob_buf_reset(b);
	csv_field(b, p->uid, false);
	csv_field(b, p->family, false);
	csv_field(b, p->given, false);
	csv_field(b, p->display, false);
	csv_field(b, p->phonetic_family, false);
	csv_field(b, p->phonetic_given, false);
	csv_field(b, p->unit_path, false);
	csv_field(b, p->title, false);
	csv_phones(b, p, "work");
	csv_phones(b, p, "cell");
	csv_phones(b, p, "home");
	csv_phones(b, p, "fax");
	ob_buf_init(&mails, 1 << 16);
	for (size_t i = 0; i < p->n_emails; i++)
		(void)ob_buf_addf(&mails, "%s%s", i ? "|" : "", p->emails[i]);
	csv_field(b, ob_buf_str(&mails), false);
	ob_buf_deinit(&mails);
	csv_field(b, p->street, false);
	csv_field(b, p->locality, false);
	csv_field(b, p->region, false);
	csv_field(b, p->postcode, false);
	csv_field(b, p->country, false);
	csv_field(b, p->note, false);
	csv_field(b, p->hidden ? "yes" : "no", true);
	if (b->data == NULL)
		return OB_E_NOMEM;
	x->count++;
	return x->out(b->data, b->len, x->out_ctx);
}

int wa_export_csv(struct dstore *s, int64_t tenant_id, int64_t unit_id,
		  int (*out)(const char *data, size_t len, void *ctx),
		  void *ctx, size_t *count_r, struct ob_err *err)
{
	struct dstore_iter_opts it = {0};
	struct csv_ctx x = {.out = out, .out_ctx = ctx};
	int ret;

	ob_buf_init(&x.line, 1u << 20);
	/* a UTF-8 BOM so spreadsheet programs read Chinese names right */
	ret = out("\xEF\xBB\xBF", 3, ctx);
	if (ret == 0)
		ret = out(csv_header, strlen(csv_header), ctx);
	it.unit_id = unit_id;
	it.include_hidden = true;
	if (ret == 0)
		ret = dstore_person_iter(s, tenant_id, &it, csv_one, &x, err);
	ob_buf_deinit(&x.line);
	if (count_r != NULL)
		*count_r = x.count;
	return ret;
}

/* ---- JSON ---------------------------------------------------------------- */

/* A JSON string (RFC 8259 7): '"', '\' and control characters escaped,
 * everything else as the UTF-8 the store holds. */
static void json_str(struct ob_buf *b, const char *v)
{
	(void)ob_buf_add_char(b, '"');
	for (const char *p = v ? v : ""; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '"' || ch == '\\') {
			(void)ob_buf_add_char(b, '\\');
			(void)ob_buf_add_char(b, (char)ch);
		} else if (ch == '\n') {
			(void)ob_buf_add_str(b, "\\n");
		} else if (ch == '\t') {
			(void)ob_buf_add_str(b, "\\t");
		} else if (ch < 0x20 || ch == 0x7f) {
			(void)ob_buf_addf(b, "\\u%04x", ch);
		} else {
			(void)ob_buf_add_char(b, (char)ch);
		}
	}
	(void)ob_buf_add_char(b, '"');
}

static void json_member(struct ob_buf *b, const char *name, const char *v)
{
	(void)ob_buf_addf(b, ", \"%s\": ", name);
	json_str(b, v);
}

static void json_phones(struct ob_buf *b, const struct dstore_person *p,
			const char *type)
{
	bool any = false;

	(void)ob_buf_addf(b, ", \"phone_%s\": [", type);
	for (size_t i = 0; i < p->n_phones; i++) {
		if (strcmp(p->phones[i].type, type) != 0)
			continue;
		if (any)
			(void)ob_buf_add_str(b, ", ");
		json_str(b, p->phones[i].number);
		any = true;
	}
	(void)ob_buf_add_char(b, ']');
}

struct json_ctx {
	struct ob_buf line;
	int (*out)(const char *data, size_t len, void *ctx);
	void *out_ctx;
	size_t count;
	const char *under; /* units: the exported unit's path, NULL = all */
	size_t n_units;
	int ret;
};

static int json_one(const struct dstore_person *p, void *vctx)
{
	struct json_ctx *x = vctx;
	struct ob_buf *b = &x->line;

	ob_buf_reset(b);
	(void)ob_buf_add_str(b, x->count ? ",\n    {\"uid\": "
					 : "\n    {\"uid\": ");
	json_str(b, p->uid);
	json_member(b, "family_name", p->family);
	json_member(b, "given_name", p->given);
	json_member(b, "display_name", p->display);
	json_member(b, "phonetic_family", p->phonetic_family);
	json_member(b, "phonetic_given", p->phonetic_given);
	json_member(b, "unit", p->unit_path);
	json_member(b, "title", p->title);
	json_phones(b, p, "work");
	json_phones(b, p, "cell");
	json_phones(b, p, "home");
	json_phones(b, p, "fax");
	(void)ob_buf_add_str(b, ", \"email\": [");
	for (size_t i = 0; i < p->n_emails; i++) {
		if (i)
			(void)ob_buf_add_str(b, ", ");
		json_str(b, p->emails[i]);
	}
	(void)ob_buf_add_char(b, ']');
	json_member(b, "street", p->street);
	json_member(b, "city", p->locality);
	json_member(b, "region", p->region);
	json_member(b, "postcode", p->postcode);
	json_member(b, "country", p->country);
	json_member(b, "note", p->note);
	(void)ob_buf_addf(b, ", \"hidden\": %s}", p->hidden ? "true" : "false");
	if (b->data == NULL)
		return OB_E_NOMEM;
	x->count++;
	return x->out(b->data, b->len, x->out_ctx);
}

/* Units of the view (the unit and those below it), even empty ones. */
static int json_unit(const struct dstore_unit *u, void *vctx)
{
	struct json_ctx *x = vctx;
	struct ob_buf *b = &x->line;
	size_t n = x->under ? strlen(x->under) : 0;

	if (x->under != NULL && !(strncmp(u->path, x->under, n) == 0 &&
				  (u->path[n] == '\0' || u->path[n] == '/')))
		return 0;
	ob_buf_reset(b);
	(void)ob_buf_add_str(b, x->n_units ? ",\n    " : "\n    ");
	json_str(b, u->path);
	if (b->data == NULL)
		return OB_E_NOMEM;
	x->n_units++;
	return x->out(b->data, b->len, x->out_ctx);
}

int wa_export_json(struct dstore *s, int64_t tenant_id, int64_t unit_id,
		   int (*out)(const char *data, size_t len, void *ctx),
		   void *ctx, size_t *count_r, struct ob_err *err)
{
	struct dstore_iter_opts it = {0};
	struct json_ctx x = {.out = out, .out_ctx = ctx};
	struct dstore_unit u = {0};
	int ret = 0;

	if (unit_id != 0) {
		ret = dstore_unit_get(s, tenant_id, unit_id, &u, err);
		if (ret < 0)
			return ret;
		x.under = u.path;
	}
	ob_buf_init(&x.line, 1u << 20);
	ret = out("{\n  \"units\": [", 14, ctx);
	if (ret == 0)
		ret = dstore_unit_list(s, tenant_id, json_unit, &x, err);
	if (ret == 0)
		ret = out("\n  ],\n  \"people\": [", 19, ctx);
	it.unit_id = unit_id;
	it.include_hidden = true;
	if (ret == 0)
		ret = dstore_person_iter(s, tenant_id, &it, json_one, &x, err);
	if (ret == 0)
		ret = out("\n  ]\n}\n", 7, ctx);
	ob_buf_deinit(&x.line);
	if (unit_id != 0)
		dstore_unit_deinit(&u);
	if (count_r != NULL)
		*count_r = x.count;
	return ret;
}
