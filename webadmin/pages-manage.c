/* The management pages: import with preview, export, the audit log and
 * devices (accounts are pages-accounts.c). See web.h for the routes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "dirstore/syncml-state.h"
#include "dirstore/websession.h"
#include "util/str.h"
#include "import/csv.h"
#include "webadmin/export.h"
#include "import/import.h"
#include "webadmin/web-internal.h"

#define PLAN_LINES_MAX 500
#define AUDIT_PAGE 200

/* ---- import -------------------------------------------------------------- */

static void report_lines(struct wa_ctx *c, const char *text, const char *cls);

/* The enterprise's last import: what it did, and the button that undoes
 * it, or why it cannot be undone (only the check runs here: its cost
 * follows the changes since the import, not the import's size). */
static void last_import(struct wa_ctx *c)
{
	struct ob_buf *b = &c->rs->body;
	struct dstore_undo_report r;
	const struct dstore_import *im = &r.import;
	struct ob_err err = {0};
	int ret;

	dstore_undo_report_init(&r);
	ret = dstore_import_undo_check(c->store, c->ses.tenant_id, &r, &err);
	if (im->id == 0) {
		dstore_undo_report_deinit(&r);
		return;
	}
	wa_rawf(b, "<section class=\"last-import\"><h2>%s</h2><p>",
		WA_T(c, "Last import"));
	wa_rawf(b,
		strcmp(im->mode, "replace") == 0
			? WA_T(c, "replace import of revision %lld by ")
			: WA_T(c, "merge import of revision %lld by "),
		(long long)im->rev);
	wa_h(b, im->actor);
	wa_raw(b, WA_T(c, ", "));
	wa_when(c, im->time);
	wa_rawf(b,
		WA_T(c, ": %lld added, %lld changed, %lld deleted, %lld new "
			"units."),
		(long long)im->adds, (long long)im->changes,
		(long long)im->deletes, (long long)im->units_created);
	wa_raw(b, "</p>");
	if (im->undone_rev != 0) {
		wa_raw(b, "<p class=\"undone\">");
		wa_rawf(b, WA_T(c, "Undone in revision %lld by "),
			(long long)im->undone_rev);
		wa_h(b, im->undone_by);
		wa_raw(b, WA_T(c, ", "));
		wa_when(c, im->undone_time);
		wa_raw(b, WA_T(c, ". An undo is not undone: import the file "
				  "again to redo it."));
		wa_raw(b, "</p>");
	} else if (ret == 0) {
		wa_raw(b, "<form method=\"post\" action=\"/import/apply\">");
		wa_csrf_input(b, c->ses.csrf);
		wa_rawf(b,
			"<input type=\"hidden\" name=\"undo\" value=\"%lld\">"
			"<button type=\"submit\">%s</button> %s</form>",
			(long long)im->id, WA_T(c, "Undo this import"),
			WA_T(c,
			     "Puts the directory back as it was before it "
			     "(the people it added are deleted, the ones it "
			     "changed or deleted come back as they were), as "
			     "one new revision that devices get at their next "
			     "sync."));
	} else {
		wa_rawf(b, "<p class=\"error\">%s",
			WA_T(c, "It cannot be undone: "));
		wa_h_msg(c, err.msg);
		wa_raw(b, "</p>");
		if (r.blockers.len > 0)
			report_lines(c, ob_buf_str(&r.blockers),
				     "undo-blockers");
	}
	wa_raw(b, "</section>");
	dstore_undo_report_deinit(&r);
}

void wa_import_page(struct wa_ctx *c)
{
	struct ob_buf *b = &c->rs->body;

	wa_open(c, WA_T(c, "Import"), "import");
	wa_rawf(b, "<h1>%s</h1><p>%s</p>", WA_T(c, "Import people"),
		WA_T(c, "A CSV file (columns as in the import guide: uid, "
			"family_name, given_name, unit, title, phone_cell, "
			"email …), a JSON file (as the JSON export) or a .vcf "
			"file. You see what would change before anything is "
			"applied; a file with a bad row changes nothing."));
	wa_raw(b, "<form class=\"import\" method=\"post\" "
		  "action=\"/import/preview\" "
		  "enctype=\"multipart/form-data\">");
	wa_csrf_input(b, c->ses.csrf);
	wa_rawf(b,
		"<label>%s <input type=\"file\" name=\"file\" required "
		"accept=\".csv,.json,.vcf,text/csv,application/json,"
		"text/vcard\"></label>"
		"<label>%s <select name=\"format\"><option "
		"value=\"auto\">%s</option><option value=\"csv\">"
		"CSV</option><option value=\"json\">JSON</option>"
		"<option value=\"vcf\">vCard (.vcf)</option>"
		"</select></label>",
		WA_T(c, "File"), WA_T(c, "Format"), WA_T(c, "from the file"));
	wa_rawf(b,
		"<label>%s <select name=\"encoding\"><option "
		"value=\"auto\">%s</option><option "
		"value=\"utf-8\">UTF-8</option><option value=\"gb18030\">"
		"GB18030 / GBK</option></select></label>",
		WA_T(c, "Encoding"), WA_T(c, "detect (UTF-8 or GB18030)"));
	wa_rawf(b,
		"<fieldset><legend>%s</legend><label class=\"check\">"
		"<input type=\"radio\" name=\"mode\" value=\"merge\" checked>"
		" %s</label>"
		"<label class=\"check\"><input type=\"radio\" name=\"mode\" "
		"value=\"replace\"> %s</label></fieldset>"
		"<button type=\"submit\">%s</button></form>",
		WA_T(c, "Mode"),
		WA_T(c, "Merge: add and update the people in the file"),
		WA_T(c, "Replace: also delete everyone not in the file"),
		WA_T(c, "Preview"));
	last_import(c);
	wa_close(c);
}

struct import_meta {
	char format[8]; /* "csv", "json" or "vcf" */
	char encoding[16];
	bool replace;
};

static void meta_text(const struct import_meta *m, char out[256])
{
	snprintf(out, 256, "%s %s %s", m->format, m->encoding,
		 m->replace ? "replace" : "merge");
}

/* The next space-separated word of *t into out (size bytes); false when
 * there is none or it does not fit. */
static bool meta_word(const char **t, char *out, size_t size)
{
	size_t n = strcspn(*t, " ");

	if (n == 0 || n >= size)
		return false;
	memcpy(out, *t, n);
	out[n] = '\0';
	*t += n + ((*t)[n] == ' ');
	return true;
}

/* meta_text's "FORMAT ENCODING MODE" read back (the stored upload's). */
static bool meta_parse(const char *t, struct import_meta *m)
{
	char mode[16];

	memset(m, 0, sizeof(*m));
	if (!meta_word(&t, m->format, sizeof(m->format)) ||
	    !meta_word(&t, m->encoding, sizeof(m->encoding)) ||
	    !meta_word(&t, mode, sizeof(mode)) || *t != '\0')
		return false;
	m->replace = strcmp(mode, "replace") == 0;
	return true;
}

static int run_import(struct wa_ctx *c, const struct import_meta *m,
		      const char *data, size_t len, bool dry, bool force,
		      struct imp_report *rep, struct ob_err *err)
{
	char actor[DSTORE_LOGIN_MAX + 8];
	struct imp_opts o = {0};

	snprintf(actor, sizeof(actor), "web:%s", c->ses.login);
	if (imp_encoding_parse(m->encoding, &o.encoding) != 0)
		o.encoding = IMP_ENC_AUTO;
	o.replace = m->replace;
	o.dry_run = dry;
	o.force = force;
	o.actor = actor;
	o.no_photo_files = true; /* an upload has no files beside it */
	return imp_import(c->store, c->ses.tenant_id, m->format, data, len, &o,
			  rep, err);
}

/* The format of an upload the form leaves to "from the file": its name's
 * extension, else its first bytes (import.h). */
static const char *sniff_format(const struct wa_form_field *f)
{
	const char *by_name = imp_format_of_name(f->filename);

	return by_name ? by_name : imp_format_of_data(f->value, f->len);
}

/* One count of a list: "<li><b>12</b> added</li>", label in c->lang. */
static void count_item(struct wa_ctx *c, size_t n, const char *label)
{
	wa_rawf(&c->rs->body, "<li><b>%zu</b> %s</li>", n, label);
}

static void report_counts(struct wa_ctx *c, const struct imp_report *r,
			  bool done)
{
	wa_raw(&c->rs->body, "<ul class=\"plan-counts\">");
	count_item(c, r->rows, WA_T(c, "rows read"));
	count_item(c, r->adds, done ? WA_T(c, "added") : WA_T(c, "to add"));
	count_item(c, r->changes,
		   done ? WA_T(c, "changed") : WA_T(c, "to change"));
	count_item(c, r->deletes,
		   done ? WA_T(c, "deleted") : WA_T(c, "to delete"));
	count_item(c, r->unchanged, WA_T(c, "unchanged"));
	count_item(c, r->units_created, WA_T(c, "new units"));
	wa_raw(&c->rs->body, "</ul>");
}

/* The plan's lines ("add <uid> <name> in <unit>"), at most a few
 * hundred, each translated by the catalogue's patterns. */
static void report_lines(struct wa_ctx *c, const char *text, const char *cls)
{
	struct ob_buf *b = &c->rs->body;
	size_t n = 0;

	wa_rawf(b, "<ul class=\"%s\">", cls);
	while (text && *text && n < PLAN_LINES_MAX) {
		size_t len = strcspn(text, "\n");
		char *line = ob_strndup(text, len);
		wa_raw(b, "<li>");
		wa_h_msg(c, line);
		wa_raw(b, "</li>");
		free(line);
		n++;
		text += len;
		if (*text == '\n')
			text++;
	}
	if (text && *text)
		wa_raw(b, "<li>…</li>");
	wa_raw(b, "</ul>");
}

void wa_import_preview(struct wa_ctx *c)
{
	const struct wa_form_field *f = wa_form_field(&c->form, "file");
	const char *fmt = wa_field(c, "format"), *enc = wa_field(c, "encoding");
	struct ob_buf *b = &c->rs->body;
	struct imp_report rep;
	struct import_meta m = {0};
	char meta[256];
	struct ob_err err = {0};
	int64_t id = 0;
	int ret;

	if (f == NULL || f->len == 0) {
		wa_fail(c, 400, WA_T(c, "Choose a file to import."));
		return;
	}
	if (fmt != NULL &&
	    (strcmp(fmt, "csv") == 0 || strcmp(fmt, "json") == 0 ||
	     strcmp(fmt, "vcf") == 0))
		ob_strlcpy(m.format, fmt, sizeof(m.format));
	else
		ob_strlcpy(m.format, sniff_format(f), sizeof(m.format));
	ob_strlcpy(m.encoding,
		   enc && (strcmp(enc, "utf-8") == 0 ||
			   strcmp(enc, "gb18030") == 0)
			   ? enc
			   : "auto",
		   sizeof(m.encoding));
	m.replace = ob_str_ieq(wa_field(c, "mode") ? wa_field(c, "mode") : "",
			       "replace");
	imp_report_init(&rep);
	ret = run_import(c, &m, f->value, f->len, true, false, &rep, &err);
	meta_text(&m, meta);
	if ((ret == 0 || ret == OB_E_LIMIT) &&
	    dstore_web_upload_put(c->store, c->ses.tenant_id, c->ses.account_id,
				  c->rq->now, f->value, f->len, meta, &id,
				  &err) != 0)
		ret = OB_E_FAIL;
	if (ret != 0 && ret != OB_E_PARSE && ret != OB_E_LIMIT) {
		imp_report_deinit(&rep);
		wa_fail_msg(c, ret == OB_E_INVAL ? 422 : 503, err.msg);
		return;
	}
	wa_open(c, WA_T(c, "Import preview"), "import");
	wa_rawf(b, "<h1>%s", WA_T(c, "Import preview: "));
	wa_h(b, f->filename ? f->filename : WA_T(c, "upload"));
	wa_raw(b, "</h1>");
	if (ret == OB_E_PARSE && rep.bad_rows == 0) {
		/* the file as a whole (empty, no vCard in it): the reason as
		 * orgbook-admin prints it */
		char why[OB_ERR_MSG_MAX + 96];

		c->rs->status = 422;
		wa_rawf(b, "<p class=\"error\" role=\"alert\">%s",
			WA_T(c, "Nothing was applied: "));
		wa_h_msg(c, ob_err_describe(&err, why, sizeof(why)));
		wa_rawf(b, "%s</p>",
			WA_T(c, ". Fix the file and import it again."));
	} else if (ret == OB_E_PARSE) {
		c->rs->status = 422;
		wa_raw(b, "<p class=\"error\" role=\"alert\">");
		wa_rawf(b,
			rep.bad_rows == 1
				? WA_T(c, "%zu bad row: nothing was applied. "
					  "Fix the file and import it again.")
				: WA_T(c, "%zu bad rows: nothing was applied. "
					  "Fix the file and import it again."),
			rep.bad_rows);
		wa_raw(b, "</p>");
		report_lines(c, ob_buf_str(&rep.errors), "import-errors");
	} else {
		report_counts(c, &rep, false);
		if (ret == OB_E_LIMIT)
			wa_rawf(b, "<p class=\"error\" role=\"alert\">%s</p>",
				WA_T(c, "This replace would delete a large "
					"share of the directory. Check the "
					"plan; to go ahead, tick the "
					"confirmation below."));
		report_lines(c, ob_buf_str(&rep.plan), "plan");
		if (rep.unkept.len > 0) {
			wa_rawf(b, "<p>%s</p>",
				WA_T(c, "Not kept (Orgbook has no field for "
					"it):"));
			report_lines(c, ob_buf_str(&rep.unkept), "unkept");
		}
		wa_raw(b, "<form method=\"post\" action=\"/import/apply\">");
		wa_csrf_input(b, c->ses.csrf);
		wa_rawf(b,
			"<input type=\"hidden\" name=\"upload\" "
			"value=\"%lld\">",
			(long long)id);
		if (ret == OB_E_LIMIT) {
			wa_raw(b, "<label class=\"check\"><input "
				  "type=\"checkbox\" name=\"force\" "
				  "value=\"1\" required> ");
			wa_rawf(b, WA_T(c, "Yes, delete %zu people"),
				rep.deletes);
			wa_raw(b, "</label>");
		}
		wa_rawf(b,
			"<button type=\"submit\">%s</button> <a "
			"href=\"/import\">%s</a></form>",
			WA_T(c, "Apply"), WA_T(c, "Cancel"));
	}
	wa_close(c);
	imp_report_deinit(&rep);
}

struct undo_ctx {
	int64_t tenant, import_id;
	struct dstore_undo_report *r;
};

static int undo_txn(struct dstore *s, void *ctx, struct ob_err *err)
{
	struct undo_ctx *x = ctx;

	return dstore_import_undo(s, x->tenant, x->import_id, false, x->r, err);
}

/* The Undo button of the import page: the import it showed, undone in
 * one transaction, or the reason it was not. */
static void import_undo(struct wa_ctx *c)
{
	struct ob_buf *b = &c->rs->body;
	struct dstore_undo_report r;
	struct undo_ctx x = {c->ses.tenant_id, wa_field_int(c, "undo", 0), &r};
	struct ob_err err = {0};
	int ret;

	if (x.import_id <= 0) {
		wa_fail(c, 400, WA_T(c, "No import given."));
		return;
	}
	dstore_undo_report_init(&r);
	ret = wa_txn(c, undo_txn, &x, &err);
	wa_open(c, WA_T(c, "Import"), "import");
	if (ret == 0) {
		wa_rawf(b, "<h1>%s</h1><ul class=\"plan-counts\">",
			WA_T(c, "Import undone"));
		count_item(c, r.deletes, WA_T(c, "added by it, deleted"));
		count_item(c, r.restores, WA_T(c, "changed by it, restored"));
		count_item(c, r.returns, WA_T(c, "deleted by it, back"));
		count_item(c, r.units_removed, WA_T(c, "of its units removed"));
		count_item(c, r.units_kept,
			   WA_T(c, "of its units kept (not empty)"));
		wa_raw(b, "</ul><p>");
		wa_rawf(b,
			WA_T(c, "Directory revision %lld. Devices get these "
				"changes at their next sync."),
			(long long)r.import.undone_rev);
		wa_raw(b, "</p>");
		snprintf(c->rs->log, sizeof(c->rs->log),
			 "admin import undo tenant=%lld import_rev=%lld "
			 "rev=%lld",
			 (long long)c->ses.tenant_id, (long long)r.import.rev,
			 (long long)r.import.undone_rev);
	} else {
		c->rs->status = ret == OB_E_EXISTS || ret == OB_E_NOTFOUND ||
						ret == OB_E_GONE
					? 409
					: 503;
		wa_rawf(b, "<h1>%s</h1><p class=\"error\" role=\"alert\">%s",
			WA_T(c, "Import not undone"),
			WA_T(c, "Nothing was changed: "));
		wa_h_msg(c, err.msg);
		wa_raw(b, "</p>");
		if (r.blockers.len > 0)
			report_lines(c, ob_buf_str(&r.blockers),
				     "undo-blockers");
	}
	wa_rawf(b, "<p><a href=\"/import\">%s</a></p>",
		WA_T(c, "Back to the import page"));
	wa_close(c);
	dstore_undo_report_deinit(&r);
}

void wa_import_apply(struct wa_ctx *c)
{
	int64_t id = wa_field_int(c, "upload", 0);
	struct ob_buf *b = &c->rs->body;
	struct imp_report rep;
	struct import_meta m;
	char meta[256], *data = NULL;
	size_t len = 0;
	struct ob_err err = {0};
	int ret;

	if (wa_field(c, "undo") != NULL) {
		import_undo(c);
		return;
	}
	if (dstore_web_upload_get(c->store, c->ses.tenant_id, c->ses.account_id,
				  id, &data, &len, meta, &err) != 0 ||
	    !meta_parse(meta, &m)) {
		free(data);
		wa_fail(c, 410,
			WA_T(c, "This preview has expired; import the file "
				"again."));
		return;
	}
	imp_report_init(&rep);
	ret = run_import(c, &m, data, len, false, wa_field(c, "force") != NULL,
			 &rep, &err);
	free(data);
	if (ret == 0)
		(void)dstore_web_upload_delete(c->store, c->ses.tenant_id,
					       c->ses.account_id, id, &err);
	wa_open(c, WA_T(c, "Import"), "import");
	if (ret == 0) {
		wa_rawf(b, "<h1>%s</h1>", WA_T(c, "Import applied"));
		report_counts(c, &rep, true);
		wa_raw(b, "<p>");
		wa_rawf(b,
			WA_T(c, "Directory revision %lld. Devices get these "
				"changes at their next sync."),
			(long long)rep.revision);
		wa_raw(b, "</p>");
		if (rep.adds + rep.changes + rep.deletes + rep.units_created >
		    0) {
			char link[160];
			snprintf(link, sizeof(link),
				 "<a href=\"/import\">%s</a>",
				 WA_T(c, "Import page"));
			wa_raw(b, "<p>");
			wa_rawf(b,
				WA_T(c, "Until someone changes the same "
					"people, it can be undone on the %s."),
				link);
			wa_raw(b, "</p>");
		}
		snprintf(c->rs->log, sizeof(c->rs->log),
			 "admin import tenant=%lld adds=%zu changes=%zu "
			 "deletes=%zu",
			 (long long)c->ses.tenant_id, rep.adds, rep.changes,
			 rep.deletes);
	} else {
		c->rs->status =
			ret == OB_E_PARSE || ret == OB_E_LIMIT ? 422 : 503;
		wa_rawf(b, "<h1>%s</h1><p class=\"error\" role=\"alert\">%s",
			WA_T(c, "Import not applied"),
			WA_T(c, "Nothing was changed: "));
		wa_h_msg(c, err.msg);
		wa_raw(b, "</p>");
		report_lines(c, ob_buf_str(&rep.errors), "import-errors");
	}
	wa_rawf(b, "<p><a href=\"/units\">%s</a></p>",
		WA_T(c, "Back to the directory"));
	wa_close(c);
	imp_report_deinit(&rep);
}

/* ---- export -------------------------------------------------------------- */

static int add_unit_option(const struct dstore_unit *u, void *ctx)
{
	struct ob_buf *b = ctx;

	wa_rawf(b, "<option value=\"%lld\">", (long long)u->id);
	wa_h(b, u->path);
	wa_raw(b, "</option>");
	return 0;
}

void wa_export_page(struct wa_ctx *c)
{
	struct ob_buf *b = &c->rs->body;
	struct ob_err err;

	wa_open(c, WA_T(c, "Export"), "export");
	wa_rawf(b,
		"<h1>%s</h1><p>%s</p>"
		"<form method=\"get\" action=\"/export/file\">"
		"<label>%s <select name=\"unit\"><option value=\"0\">"
		"%s</option>",
		WA_T(c, "Export"),
		WA_T(c, "The whole directory or one unit with its sub-units. "
			"vCard files import into phones, Outlook, Gmail and "
			"iOS (hidden people are left out); CSV and JSON import "
			"back here, include hidden people and leave photos "
			"out (a re-import keeps the stored photos)."),
		WA_T(c, "Unit"), WA_T(c, "(everyone)"));
	(void)dstore_unit_list(c->store, c->ses.tenant_id, add_unit_option, b,
			       &err);
	wa_rawf(b,
		"</select></label><label>%s <select name=\"format\">"
		"<option value=\"vcf30\">%s</option>"
		"<option value=\"vcf21\">%s</option>"
		"<option value=\"vcf40\">vCard 4.0</option>"
		"<option value=\"csv\">CSV</option>"
		"<option value=\"json\">JSON</option></select></label>"
		"<label class=\"check\"><input type=\"checkbox\" "
		"name=\"photos\" value=\"1\" checked> %s"
		"</label><button type=\"submit\">%s</button></form>",
		WA_T(c, "Format"), WA_T(c, "vCard 3.0 (most programs)"),
		WA_T(c, "vCard 2.1 (older phones)"),
		WA_T(c, "With photos (vCard)"), WA_T(c, "Download"));
	wa_close(c);
}

void wa_export_file(struct wa_ctx *c)
{
	const char *fmt = wa_arg(c, "format");
	int64_t unit = wa_arg_int(c, "unit", 0);
	struct wa_web_response *rs = c->rs;
	struct dstore_unit u;
	struct ob_err err;

	if (fmt == NULL)
		fmt = "vcf30";
	if (unit != 0) {
		if (dstore_unit_get(c->store, c->ses.tenant_id, unit, &u,
				    &err) != 0) {
			wa_fail(c, 404, WA_T(c, "No such unit."));
			return;
		}
		dstore_unit_deinit(&u);
	}
	rs->tenant_id = c->ses.tenant_id;
	rs->unit_id = unit;
	rs->photos = wa_arg(c, "photos") == NULL ||
		     strcmp(wa_arg(c, "photos"), "0") != 0;
	if (strcmp(fmt, "csv") == 0 || strcmp(fmt, "json") == 0) {
		bool csv = fmt[0] == 'c';

		rs->stream = csv ? WA_STREAM_CSV : WA_STREAM_JSON;
		ob_strlcpy(rs->content_type,
			   csv ? "text/csv; charset=utf-8"
			       : "application/json; charset=utf-8",
			   sizeof(rs->content_type));
		snprintf(rs->disposition, sizeof(rs->disposition),
			 "attachment; filename=\"%s.%s\"", c->tenant.name, fmt);
		return;
	}
	if (strcmp(fmt, "vcf21") == 0)
		rs->version = VCARD_V21;
	else if (strcmp(fmt, "vcf40") == 0)
		rs->version = VCARD_V40;
	else if (strcmp(fmt, "vcf30") == 0)
		rs->version = VCARD_V30;
	else {
		wa_fail(c, 400,
			WA_T(c, "Format: vcf21, vcf30, vcf40, csv or json."));
		return;
	}
	rs->stream = WA_STREAM_VCF;
	ob_strlcpy(rs->content_type, "text/vcard; charset=utf-8",
		   sizeof(rs->content_type));
	snprintf(rs->disposition, sizeof(rs->disposition),
		 "attachment; filename=\"%s.vcf\"", c->tenant.name);
}

/* ---- audit log ----------------------------------------------------------- */

struct audit_ctx {
	struct wa_ctx *c;
	int64_t last_id;
	size_t n;
};

/* The store's change kinds (what, op), as the audit log names them. */
static const char *const audit_ops[] = {
	WA_N("person add"),    WA_N("person modify"), WA_N("person move"),
	WA_N("person delete"), WA_N("unit add"),      WA_N("unit modify"),
	WA_N("unit move"),     WA_N("unit delete"),   WA_N("import import"),
	WA_N("import undo"),
};

void wa_audit_op(struct wa_ctx *c, const char *what, const char *op)
{
	struct ob_buf *b = &c->rs->body;
	char k[64];

	snprintf(k, sizeof(k), "%s %s", what, op);
	for (size_t i = 0; i < sizeof(audit_ops) / sizeof(audit_ops[0]); i++)
		if (strcmp(k, audit_ops[i]) == 0) {
			wa_raw(b, wa_tr(c->lang, audit_ops[i]));
			return;
		}
	wa_h(b, what);
	wa_raw(b, " ");
	wa_h(b, op);
}

static int audit_row(const struct dstore_log_entry *e, void *ctx)
{
	struct audit_ctx *a = ctx;
	struct wa_ctx *c = a->c;
	struct ob_buf *b = &c->rs->body;

	wa_raw(b, "<tr>");
	wa_when_cell(c, e->time);
	wa_cell(b, e->actor);
	wa_raw(b, "<td>");
	wa_audit_op(c, e->what, e->op);
	wa_raw(b, "</td><td>");
	if (strcmp(e->what, "person") == 0 && strcmp(e->op, "delete") != 0) {
		wa_raw(b, "<a href=\"/person?uid=");
		wa_u(b, e->uid);
		wa_raw(b, "\">");
		wa_h(b, e->name[0] ? e->name : e->uid);
		wa_raw(b, "</a>");
	} else {
		wa_h(b, e->name[0] ? e->name : e->uid);
	}
	if (e->name[0] && e->uid[0]) {
		wa_raw(b, " <small>");
		wa_h(b, e->uid);
		wa_raw(b, "</small>");
	}
	/* a person's changed fields one per line */
	wa_raw(b, "</td><td>");
	for (const char *d = e->detail; *d != '\0';) {
		size_t len = strcspn(d, "\n");
		char *one = ob_strndup(d, len);

		wa_raw(b, "<div>");
		wa_h_msg(c, one ? one : "");
		wa_raw(b, "</div>");
		free(one);
		d += len + (d[len] == '\n');
	}
	if (strcmp(e->what, "import") == 0 && strcmp(e->op, "import") == 0)
		wa_rawf(b, "<div><a href=\"/import\">%s</a></div>",
			WA_T(c, "Undo on the Import page"));
	wa_rawf(b, "</td><td>%lld</td></tr>", (long long)e->rev);
	a->last_id = e->id;
	a->n++;
	return 0;
}

void wa_audit_page(struct wa_ctx *c)
{
	struct ob_buf *b = &c->rs->body;
	struct audit_ctx a = {.c = c};
	const char *uid = wa_arg(c, "uid");
	struct ob_err err;

	if (uid != NULL && *uid == '\0')
		uid = NULL;
	wa_open(c, uid ? WA_T(c, "History") : WA_T(c, "Audit log"), "audit");
	if (uid != NULL) {
		/* one person's history (the person page links here); the
		 * uid alone once they are deleted */
		struct dstore_person p;
		wa_rawf(b, "<h1>%s: ", WA_T(c, "History"));
		if (dstore_person_get(c->store, c->ses.tenant_id, uid, false,
				      &p, &err) == 0) {
			wa_h(b, p.display);
			wa_raw(b, " <small>");
			wa_h(b, uid);
			wa_raw(b, "</small>");
			dstore_person_deinit(&p);
		} else {
			wa_h(b, uid);
		}
		wa_raw(b, "</h1><p class=\"filter\"><a href=\"/person?uid=");
		wa_u(b, uid);
		wa_rawf(b, "\">%s</a> · <a href=\"/audit\">%s</a></p>",
			WA_T(c, "The person"), WA_T(c, "Every change"));
	} else {
		wa_rawf(b, "<h1>%s</h1><p>", WA_T(c, "Audit log"));
		wa_rawf(b,
			WA_T(c, "Every change to the directory, newest first, "
				"kept for %d days."),
			c->tenant.retention_days);
		wa_raw(b, "</p>");
	}
	wa_rawf(b,
		"<table class=\"audit\"><thead><tr><th>%s</th><th>%s"
		"</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
		"</tr></thead><tbody>",
		WA_T(c, "When"), WA_T(c, "Who"), WA_T(c, "What"),
		WA_T(c, "Person / unit"), WA_T(c, "Detail"),
		WA_T(c, "Revision"));
	if (uid == NULL)
		(void)dstore_log_recent(c->store, c->ses.tenant_id,
					wa_arg_int(c, "before", 0), AUDIT_PAGE,
					audit_row, &a, &err);
	else
		(void)dstore_log_person(c->store, c->ses.tenant_id, uid,
					wa_arg_int(c, "before", 0), AUDIT_PAGE,
					audit_row, &a, &err);
	wa_raw(b, "</tbody></table>");
	if (a.n == 0)
		wa_rawf(b, "<p class=\"empty\">%s</p>", WA_T(c, "No changes."));
	if (a.n == AUDIT_PAGE) {
		wa_rawf(b, "<p><a href=\"/audit?before=%lld",
			(long long)a.last_id);
		if (uid != NULL) {
			wa_raw(b, "&amp;uid=");
			wa_u(b, uid);
		}
		wa_rawf(b, "\">%s</a></p>", WA_T(c, "Older"));
	}
	wa_close(c);
}

/* ---- devices ------------------------------------------------------------- */

struct acct_list {
	struct dstore_account *a;
	size_t n, cap;
};

static int acct_add(const struct dstore_account *a, void *ctx)
{
	struct acct_list *l = ctx;

	if (l->n == l->cap) {
		size_t nc = l->cap ? 2 * l->cap : 32;
		struct dstore_account *na = realloc(l->a, nc * sizeof(*na));
		if (na == NULL)
			return OB_E_NOMEM;
		l->a = na;
		l->cap = nc;
	}
	l->a[l->n++] = *a;
	return 0;
}

/* The enterprise's accounts into *l (free l->a); false on a store
 * error (nothing to free then). */
static bool load_accounts(struct wa_ctx *c, struct acct_list *l)
{
	struct ob_err err;

	if (dstore_account_list(c->store, c->ses.tenant_id, acct_add, l,
				&err) == 0)
		return true;
	free(l->a);
	l->a = NULL;
	return false;
}

static const char *acct_login(const struct acct_list *l, int64_t id)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->a[i].id == id)
			return l->a[i].login;
	return "?";
}

struct dev_ctx {
	struct wa_ctx *c;
	struct acct_list *accts;
	size_t n;
};

static int device_row(const struct dstore_sync_state *st, void *ctx)
{
	struct dev_ctx *d = ctx;
	struct ob_buf *b = &d->c->rs->body;

	wa_raw(b, "<tr>");
	wa_cell(b, acct_login(d->accts, st->account_id));
	wa_cell(b, st->device);
	wa_cell(b, st->client_info);
	wa_cell(b, st->datastore);
	wa_when_cell(d->c, st->last_sync);
	wa_rawf(b, "<td>%lld", (long long)st->rev);
	if (st->rev < d->c->tenant.revision) {
		wa_raw(b, " <small>");
		wa_rawf(b, WA_T(d->c, "(%lld behind)"),
			(long long)(d->c->tenant.revision - st->rev));
		wa_raw(b, "</small>");
	}
	wa_raw(b, "</td>");
	wa_cell(b, st->server_last);
	wa_raw(b, "<td>");
	if (st->force_slow) {
		wa_raw(b, WA_T(d->c, "slow sync requested"));
	} else {
		wa_raw(b, "<form method=\"post\" action=\"/device/slow\">");
		wa_csrf_input(b, d->c->ses.csrf);
		wa_rawf(b,
			"<input type=\"hidden\" name=\"account\" "
			"value=\"%lld\"><input type=\"hidden\" "
			"name=\"device\" value=\"",
			(long long)st->account_id);
		wa_h(b, st->device);
		wa_rawf(b, "\"><button type=\"submit\">%s</button></form>",
			WA_T(d->c, "Force slow sync"));
	}
	wa_raw(b, "</td></tr>");
	d->n++;
	return 0;
}

void wa_devices_page(struct wa_ctx *c)
{
	struct ob_buf *b = &c->rs->body;
	struct acct_list l = {0};
	struct dev_ctx d = {c, &l, 0};
	struct ob_err err;

	if (!load_accounts(c, &l)) {
		wa_fail(c, 503, WA_T(c, "The directory is unavailable."));
		return;
	}
	wa_open(c, WA_T(c, "Devices"), "devices");
	wa_notice(c);
	wa_rawf(b, "<h1>%s</h1><p>", WA_T(c, "Devices"));
	wa_rawf(b,
		WA_T(c, "Every device that completed a sync, per datastore. "
			"The directory is at revision %lld."),
		(long long)c->tenant.revision);
	wa_rawf(b,
		"</p><table class=\"devices\"><thead><tr><th>%s</th>"
		"<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
		"<th>%s</th><th></th></tr></thead><tbody>",
		WA_T(c, "Account"), WA_T(c, "Device"), WA_T(c, "Client"),
		WA_T(c, "Datastore"), WA_T(c, "Last sync"), WA_T(c, "Revision"),
		WA_T(c, "Anchor"));
	(void)dstore_sync_list(c->store, c->ses.tenant_id, device_row, &d,
			       &err);
	wa_raw(b, "</tbody></table>");
	if (d.n == 0)
		wa_rawf(b, "<p class=\"empty\">%s</p>",
			WA_T(c, "No device has synced yet."));
	wa_close(c);
	free(l.a);
}

struct slow_ctx {
	int64_t tenant, account;
	const char *device;
};

static int slow_txn(struct dstore *s, void *ctx, struct ob_err *err)
{
	struct slow_ctx *x = ctx;
	return dstore_sync_force_slow(s, x->tenant, x->account, x->device, err);
}

void wa_device_slow(struct wa_ctx *c)
{
	struct slow_ctx x = {c->ses.tenant_id, wa_field_int(c, "account", 0),
			     wa_field(c, "device")};
	struct ob_err err;

	if (x.account == 0 || x.device == NULL) {
		wa_fail(c, 400, WA_T(c, "No device given."));
		return;
	}
	if (wa_txn(c, slow_txn, &x, &err) != 0) {
		wa_fail_msg(c, 503, err.msg);
		return;
	}
	wa_redirect(c, "/devices?done=slow");
}

/* ---- /connect: the addresses devices are given ------------------------- */

/* The base devices reach the sync listener at, into out: the operator's
 * public URL, else the scheme, the host the browser used (its name only:
 * the admin listener's port is not the devices') and the sync port. */
static void device_base(const struct wa_ctx *c, char *out, size_t size)
{
	const struct wa_web_config *cfg = c->cfg;
	char host[256] = "HOST";
	const char *h = c->rq->host;

	if (*cfg->public_url != '\0') {
		snprintf(out, size, "%s", cfg->public_url);
		size_t n = strlen(out);
		while (n > 0 && out[n - 1] == '/')
			out[--n] = '\0';
		return;
	}
	if (h != NULL && *h != '\0' && strlen(h) < sizeof(host)) {
		size_t n = *h == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":");
		bool ok = n > 0 && n <= strlen(h);
		for (size_t i = 0; ok && i < n; i++)
			ok = (h[i] >= 'a' && h[i] <= 'z') ||
			     (h[i] >= 'A' && h[i] <= 'Z') ||
			     (h[i] >= '0' && h[i] <= '9') ||
			     strchr(".-:[]", h[i]) != NULL;
		if (ok) {
			memcpy(host, h, n);
			host[n] = '\0';
		}
	}
	if (cfg->sync_port > 0)
		snprintf(out, size, "%s://%s:%d",
			 cfg->sync_tls ? "https" : "http", host,
			 cfg->sync_port);
	else
		snprintf(out, size, "%s://%s", cfg->sync_tls ? "https" : "http",
			 host);
}

static void connect_row(struct ob_buf *b, const char *what, const char *base,
			const char *path, const char *where)
{
	wa_raw(b, "<tr><th scope=\"row\">");
	wa_h(b, what);
	wa_raw(b, "</th><td><code>");
	wa_h(b, base);
	wa_h(b, path);
	wa_raw(b, "</code></td><td>");
	wa_h(b, where);
	wa_raw(b, "</td></tr>");
}

struct book_rows {
	const struct wa_ctx *c;
	const char *base;
};

static int connect_book(const struct dstore_unit *u, void *ctx)
{
	struct book_rows *r = ctx;
	const struct wa_ctx *c = r->c;
	int depth = 1;
	char path[64];

	for (const char *p = u->path; *p != '\0'; p++)
		depth += *p == '/';
	if (depth > c->cfg->carddav_depth)
		return 0;
	snprintf(path, sizeof(path), "/dav/books/u%lld/", (long long)u->id);
	connect_row(&c->rs->body, u->path, r->base, path,
		    WA_T(c, "CardDAV book of this unit and its sub-units"));
	return 0;
}

void wa_connect_page(struct wa_ctx *c)
{
	struct ob_buf *b = &c->rs->body;
	char base[300];
	struct ob_err err;

	device_base(c, base, sizeof(base));
	wa_open(c, WA_T(c, "Connect devices"), "connect");
	wa_rawf(b, "<h1>%s</h1><p>%s</p>", WA_T(c, "Connect devices"),
		WA_T(c, "Every device signs in with an account of this "
			"enterprise (its login and password); the account "
			"decides what it sees. Nothing here can change the "
			"directory: every address is read-only."));
	wa_rawf(b,
		"<table><thead><tr><th scope=\"col\">%s</th>"
		"<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr>"
		"</thead><tbody>",
		WA_T(c, "Device"), WA_T(c, "Address"),
		WA_T(c, "Where it goes"));
	connect_row(b, WA_T(c, "SyncML phones, SyncEvolution"), base, "/sync",
		    WA_T(c, "Server URL of the contacts sync; the datastore is "
			    "contacts, or contacts/UNIT for one unit"));
	connect_row(b, "orgbook-agent", base, "/sync",
		    WA_T(c, "orgbook-agent init --server ADDRESS"));
	if (c->cfg->carddav_depth >= 0) {
		connect_row(b,
			    WA_T(c, "iPhone, iPad, Mac, Android (DAVx5), "
				    "Thunderbird"),
			    base, "/",
			    WA_T(c, "A CardDAV account with this server: the "
				    "books are found by themselves"));
		connect_row(b, WA_T(c, "(everyone)"), base, "/dav/books/all/",
			    WA_T(c, "CardDAV book of the whole directory"));
		struct book_rows r = {c, base};
		(void)dstore_unit_list(c->store, c->ses.tenant_id, connect_book,
				       &r, &err);
	}
	static const struct {
		const char *vendor, *path, *where;
	} phones[] = {
		{"Yealink", "/phonebook/yealink.xml",
		 WA_N("remote_phonebook.data.1.url; for a search on the "
		      "server add ?q=#SEARCH")},
		{"Yealink", "/phonebook/yealink-menu.xml",
		 WA_N("remote_phonebook.data.N.url: one menu per unit")},
		{"Cisco", "/phonebook/cisco.xml",
		 WA_N("XML Directory Service URL, or directoryURL in "
		      "SEP<MAC>.cnf.xml")},
		{"Snom", "/phonebook/snom.xml",
		 WA_N("dkey_directory: url ADDRESS")},
		{"Grandstream", "/phonebook/grandstream",
		 WA_N("Phonebook XML server path (P331); the phone adds "
		      "/phonebook.xml")},
		{"Fanvil", "/phonebook/fanvil.xml",
		 WA_N("Phonebook, cloud phonebook: the address, login and "
		      "password")},
	};
	for (size_t i = 0; i < sizeof(phones) / sizeof(phones[0]); i++)
		connect_row(b, phones[i].vendor, base, phones[i].path,
			    WA_T(c, phones[i].where));
	wa_rawf(b, "</tbody></table><p>%s</p>",
		WA_T(c, "Desk phones without login fields take the account in "
			"the address: https://LOGIN:PASSWORD@HOST/... Add "
			"?unit=PATH to a phonebook address for one unit. Over "
			"plain HTTP only clients on this machine are served: "
			"set cert and key for HTTPS."));
	wa_close(c);
}
