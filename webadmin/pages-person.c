/* The person page of the admin pages: the form that shows, adds and
 * edits one person (/person, /person/new), its save (/person/save) and
 * its confirmed delete (/person/delete). See web.h for the routes.
 *
 * The form: names, phonetic names, unit and title on the left; phones,
 * e-mails, address, note and photo on the right (one column on a phone,
 * admin.css). Phones and e-mails are rows named phone_type[i], phone[i]
 * and email[i] (i from 0, below PERSON_ROW_INDEX_MAX); the older
 * repeated names phone_type, phone and email are still read, in order.
 * Without JavaScript, "Add a phone" / "Add an e-mail" (name=add) and each
 * row's "Remove" (name=remove, value phone[i] or email[i]) post the form
 * back and get it again with that row added or removed, everything typed
 * kept and nothing written. An existing person shows its uid read-only,
 * its last change (when, who: the newest row of dstore_log_person) and a
 * link to its history (/audit?uid=).
 *
 * Promises: a save or a delete is one store transaction with the
 * administrator as actor; a refused save changes nothing and shows the
 * form again with what was typed and the error next to its field; more
 * rows than the store keeps (DSTORE_MULTI_MAX) are refused naming the
 * field, never cut. A form a browser cannot send (a one-valued field
 * twice, a row number given twice, malformed or out of range, old and
 * new row names mixed) is a 400 naming the field. Delete is a separate
 * form: the first POST shows a page that names the person, only its
 * confirm=1 POST deletes; a GET never deletes (web.c answers 405).
 * Never does: lists, searches or bulk work (pages-directory.c), the
 * photo bytes (wa_photo), or any SQL (lib/dirstore). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "import/import.h"
#include "webadmin/web-internal.h"

/* The enterprise's units in path order, for the unit choice. */
struct units {
	int64_t *id;
	char **path;
	size_t n, cap;
};

static int units_add(const struct dstore_unit *u, void *ctx)
{
	struct units *l = ctx;

	if (l->n == l->cap) {
		size_t nc = l->cap ? 2 * l->cap : 64;
		int64_t *ni = realloc(l->id, nc * sizeof(*ni));
		if (ni == NULL)
			return OB_E_NOMEM;
		l->id = ni;
		char **np = realloc(l->path, nc * sizeof(*np));
		if (np == NULL)
			return OB_E_NOMEM;
		l->path = np;
		l->cap = nc;
	}
	l->path[l->n] = ob_strndup(u->path, strlen(u->path));
	if (l->path[l->n] == NULL)
		return OB_E_NOMEM;
	l->id[l->n++] = u->id;
	return 0;
}

static void units_free(struct units *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->path[i]);
	free(l->id);
	free(l->path);
	memset(l, 0, sizeof(*l));
}

static int units_load(struct wa_ctx *c, struct units *l)
{
	struct ob_err err;

	memset(l, 0, sizeof(*l));
	return dstore_unit_list(c->store, c->ses.tenant_id, units_add, l, &err);
}

static const char *units_path(const struct units *l, int64_t id)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->id[i] == id)
			return l->path[i];
	return NULL;
}

static void unit_options(struct wa_ctx *c, const struct units *l,
			 int64_t selected)
{
	struct ob_buf *b = &c->rs->body;

	wa_rawf(b, "<option value=\"0\"%s>%s</option>",
		selected == 0 ? " selected" : "", WA_T(c, "(no unit)"));
	for (size_t i = 0; i < l->n; i++) {
		wa_rawf(b, "<option value=\"%lld\"%s>", (long long)l->id[i],
			l->id[i] == selected ? " selected" : "");
		wa_h(b, l->path[i]);
		wa_raw(b, "</option>");
	}
}

static char *dup0(const char *s)
{
	return s ? ob_strndup(s, strlen(s)) : NULL;
}

static const char *const phone_types[] = {"work", "cell", "home", "fax"};
static const char *const phone_labels[] = {WA_N("Work"), WA_N("Mobile"),
					   WA_N("Home"), WA_N("Fax")};

/* Row numbers a form may use: room for every value the store keeps and
 * as many empty rows again. */
#define PERSON_ROW_INDEX_MAX (4 * DSTORE_MULTI_MAX)
/* Empty rows shown after the filled ones. */
#define PERSON_ROWS_SPARE 2

/* The phone and e-mail rows of the form, in row order; the strings are
 * borrowed from the request's form or the person shown. */
struct rows {
	const char *ptype[PERSON_ROW_INDEX_MAX];
	const char *phone[PERSON_ROW_INDEX_MAX];
	size_t nphone;
	const char *email[PERSON_ROW_INDEX_MAX];
	size_t nemail;
};

static bool blank(const char *s)
{
	if (s == NULL)
		return true;
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0';
}

static size_t filled(const char *const *v, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += !blank(v[i]);
	return k;
}

static void rows_of_person(struct rows *r, const struct dstore_person *p)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < p->n_phones && i < PERSON_ROW_INDEX_MAX; i++) {
		r->ptype[i] = p->phones[i].type;
		r->phone[i] = p->phones[i].number;
	}
	r->nphone = p->n_phones < PERSON_ROW_INDEX_MAX ? p->n_phones
						       : PERSON_ROW_INDEX_MAX;
	for (size_t i = 0; i < p->n_emails && i < PERSON_ROW_INDEX_MAX; i++)
		r->email[i] = p->emails[i];
	r->nemail = p->n_emails < PERSON_ROW_INDEX_MAX ? p->n_emails
						       : PERSON_ROW_INDEX_MAX;
}

/* "phone[12]" with prefix "phone": 12; -1 when name is not prefix[...],
 * -2 when it is but the number is missing, malformed or out of range. */
static long row_index(const char *name, const char *prefix)
{
	size_t n = strlen(prefix), d = 0;
	long v = 0;

	if (strncmp(name, prefix, n) != 0 || name[n] != '[')
		return -1;
	for (name += n + 1; name[d] >= '0' && name[d] <= '9' && d < 4; d++)
		v = v * 10 + (name[d] - '0');
	if (d == 0 || d == 4 || name[d] != ']' || name[d + 1] != '\0' ||
	    (d > 1 && name[0] == '0') || v >= PERSON_ROW_INDEX_MAX)
		return -2;
	return v;
}

/* The fields a form gives once at most. */
static const char *const single_fields[] = {
	"uid",
	"new",
	"family_name",
	"given_name",
	"display_name",
	"phonetic_family",
	"phonetic_given",
	"title",
	"unit",
	"street",
	"city",
	"region",
	"postcode",
	"country",
	"note",
	"hidden",
	"photo_remove",
	"photo",
	"add",
	"remove",
	"confirm",
};

/* The rows of a posted form into r; OB_E_PARSE (the caller answers 400)
 * with err naming the field for what a browser never sends. */
static int rows_of_form(const struct wa_ctx *c, struct rows *r,
			struct ob_err *err)
{
	static const char *const kinds[] = {"phone_type", "phone", "email"};
	bool seen[3][PERSON_ROW_INDEX_MAX] = {{false}};
	const char **slot[3] = {r->ptype, r->phone, r->email};
	size_t top[3] = {0, 0, 0}, legacy[3] = {0, 0, 0};
	const struct wa_form *f = &c->form;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < f->n; i++) {
		const char *name = f->fields[i].name;

		for (size_t s = 0;
		     s < sizeof(single_fields) / sizeof(*single_fields); s++)
			if (strcmp(name, single_fields[s]) == 0 &&
			    wa_form_get_nth(f, name, 1) != NULL)
				return ob_err_set_at(err, OB_E_PARSE, 0, 0,
						     name,
						     "%s is given more than "
						     "once",
						     name);
		for (size_t k = 0; k < 3; k++) {
			long v = row_index(name, kinds[k]);
			if (strcmp(name, kinds[k]) == 0) {
				if (legacy[k] == PERSON_ROW_INDEX_MAX)
					return ob_err_set_at(
						err, OB_E_PARSE, 0, 0, name,
						"%s: more than %d rows", name,
						PERSON_ROW_INDEX_MAX);
				slot[k][legacy[k]++] = f->fields[i].value;
				continue;
			}
			if (v == -1)
				continue;
			if (v == -2) {
				/* the name as sent, cut and in plain ASCII:
				 * never half a UTF-8 sequence on the page */
				char shown[41];
				size_t j = 0;
				for (; j < 40 && name[j] != '\0'; j++)
					shown[j] =
						name[j] > 0x20 && name[j] < 0x7f
							? name[j]
							: '?';
				shown[j] = '\0';
				return ob_err_set_at(
					err, OB_E_PARSE, 0, 0, kinds[k],
					"%s: not a row number from 0 to %d",
					shown, PERSON_ROW_INDEX_MAX - 1);
			}
			if (seen[k][v])
				return ob_err_set_at(err, OB_E_PARSE, 0, 0,
						     kinds[k],
						     "%s[%ld] is given more "
						     "than once",
						     kinds[k], v);
			seen[k][v] = true;
			slot[k][v] = f->fields[i].value;
			if ((size_t)v + 1 > top[k])
				top[k] = (size_t)v + 1;
		}
	}
	if ((legacy[0] || legacy[1] || legacy[2]) &&
	    (top[0] || top[1] || top[2]))
		return ob_err_set_at(err, OB_E_PARSE, 0, 0, "phone",
				     "rows named phone, phone_type or email "
				     "and rows named with [i] are mixed");
	/* a row number not given (a row a script removed) is an empty
	 * row: "Remove" of row i removes exactly that row */
	r->nphone = legacy[0] || legacy[1]
			    ? (legacy[0] > legacy[1] ? legacy[0] : legacy[1])
			    : (top[0] > top[1] ? top[0] : top[1]);
	r->nemail = legacy[2] ? legacy[2] : top[2];
	return 0;
}

/* The error of a field for the form, NULL when it is not that field's. */
static const char *err_for(const struct ob_err *e, const char *field)
{
	size_t n = strlen(field);

	if (e == NULL || e->code == 0 || strncmp(e->field, field, n) != 0 ||
	    (e->field[n] != '\0' && e->field[n] != '['))
		return NULL;
	return e->msg;
}

/* The error of the k-th filled value (the store's "phone[k]", from 1). */
static const char *err_at(const struct ob_err *e, const char *field, size_t k)
{
	char want[48];

	snprintf(want, sizeof(want), "%s[%zu]", field, k);
	return e != NULL && e->code != 0 && strcmp(e->field, want) == 0 ? e->msg
									: NULL;
}

/* An error next to its field, in the page's language. */
static void field_error(struct wa_ctx *c, const char *msg)
{
	struct ob_buf *b = &c->rs->body;

	if (msg == NULL)
		return;
	wa_raw(b, "<span class=\"field-error\">");
	wa_h_msg(c, msg);
	wa_raw(b, "</span>");
}

/* A labelled text field; placeholder (translated already) and extra
 * attributes may be NULL. */
static void text_input(struct wa_ctx *c, const char *label, const char *name,
		       const char *value, const struct ob_err *e,
		       const char *placeholder, const char *extra)
{
	struct ob_buf *b = &c->rs->body;
	const char *msg = err_for(e, name);

	wa_rawf(b, "<label%s>", msg ? " class=\"invalid\"" : "");
	wa_raw(b, label);
	wa_rawf(b, " <input name=\"%s\" value=\"", name);
	wa_h(b, value);
	wa_raw(b, "\"");
	if (placeholder != NULL) {
		wa_raw(b, " placeholder=\"");
		wa_h(b, placeholder);
		wa_raw(b, "\"");
	}
	wa_rawf(b, "%s%s>", extra ? extra : "",
		msg ? " aria-invalid=\"true\"" : "");
	field_error(c, msg);
	wa_raw(b, "</label>");
}

/* How many rows to show: every row given (exact), else the rows and a
 * few empty ones up to what the store keeps; never none. */
static size_t rows_shown(size_t n, bool exact)
{
	size_t k = exact ? n : n + PERSON_ROWS_SPARE;

	if (!exact && k > DSTORE_MULTI_MAX)
		k = n > DSTORE_MULTI_MAX ? n : DSTORE_MULTI_MAX;
	if (k == 0)
		k = 1;
	return k > PERSON_ROW_INDEX_MAX ? PERSON_ROW_INDEX_MAX : k;
}

/* Drop the empty rows (after a refused save: the filled ones keep their
 * order, the empty ones come after them). */
static void rows_compact(struct rows *r)
{
	size_t k = 0;

	for (size_t i = 0; i < r->nphone; i++)
		if (!blank(r->phone[i])) {
			r->ptype[k] = r->ptype[i];
			r->phone[k++] = r->phone[i];
		}
	r->nphone = k;
	k = 0;
	for (size_t i = 0; i < r->nemail; i++)
		if (!blank(r->email[i]))
			r->email[k++] = r->email[i];
	r->nemail = k;
}

/* The parts phone_rows and email_rows share. The list's fieldset: its
 * legend with the store's cap, and an error of the whole list (field
 * "phone", not "phone[2]"). */
static void multi_open(struct wa_ctx *c, const char *cls, const char *legend,
		       const struct ob_err *e, const char *field)
{
	struct ob_buf *b = &c->rs->body;
	const char *all = err_for(e, field);

	wa_rawf(b, "<fieldset class=\"multi %s\"><legend>%s ", cls, legend);
	wa_raw(b, "<small class=\"count\">");
	wa_rawf(b, WA_T(c, "at most %d"), DSTORE_MULTI_MAX);
	wa_raw(b, "</small></legend>");
	if (all != NULL && strchr(e->field, '[') == NULL)
		field_error(c, all);
}

/* After a row's input: its Remove button up to the opening of its
 * aria-label, which the caller writes ("Remove phone 3"). */
static void row_remove(struct wa_ctx *c, const char *field, size_t i)
{
	wa_rawf(&c->rs->body,
		"\"><button type=\"submit\" class=\"remove\" name=\"remove\" "
		"value=\"%s[%zu]\" formnovalidate aria-label=\"",
		field, i);
}

/* The end of a row: the button's text, the row's error, and the list's
 * end with an Add button while there is room for another row. */
static void row_end(struct wa_ctx *c, const char *msg)
{
	wa_rawf(&c->rs->body, "\">%s</button>", WA_T(c, "Remove"));
	field_error(c, msg);
	wa_raw(&c->rs->body, "</div>");
}

static void multi_close(struct wa_ctx *c, size_t n, const char *field,
			const char *add)
{
	if (n < DSTORE_MULTI_MAX)
		wa_rawf(&c->rs->body,
			"<button type=\"submit\" class=\"add\" name=\"add\" "
			"value=\"%s\" formnovalidate>%s</button>",
			field, add);
	wa_raw(&c->rs->body, "</fieldset>");
}

static void phone_rows(struct wa_ctx *c, const struct rows *r, bool exact,
		       const struct ob_err *e)
{
	struct ob_buf *b = &c->rs->body;
	size_t n = rows_shown(r->nphone, exact), k = 0;

	multi_open(c, "phones", WA_T(c, "Phones"), e, "phone");
	for (size_t i = 0; i < n; i++) {
		const char *num = i < r->nphone ? r->phone[i] : NULL;
		const char *type = i < r->nphone ? r->ptype[i] : NULL;
		const char *msg = NULL;

		if (!blank(num))
			msg = err_at(e, "phone", ++k);
		wa_rawf(b,
			"<div class=\"row%s\"><select name=\"phone_type[%zu]\" "
			"aria-label=\"",
			msg ? " invalid" : "", i);
		wa_rawf(b, WA_T(c, "Type of phone %zu"), i + 1);
		wa_raw(b, "\">");
		for (size_t t = 0; t < 4; t++)
			wa_rawf(b, "<option value=\"%s\"%s>%s</option>",
				phone_types[t],
				type && strcmp(type, phone_types[t]) == 0
					? " selected"
					: "",
				wa_tr(c->lang, phone_labels[t]));
		wa_rawf(b,
			"</select><input name=\"phone[%zu]\" type=\"tel\" "
			"aria-label=\"",
			i);
		wa_rawf(b, WA_T(c, "Phone %zu"), i + 1);
		wa_rawf(b, "\"%s value=\"",
			msg ? " aria-invalid=\"true\"" : "");
		wa_h(b, num);
		row_remove(c, "phone", i);
		wa_rawf(b, WA_T(c, "Remove phone %zu"), i + 1);
		row_end(c, msg);
	}
	multi_close(c, n, "phone", WA_T(c, "Add a phone"));
}

static void email_rows(struct wa_ctx *c, const struct rows *r, bool exact,
		       const struct ob_err *e)
{
	struct ob_buf *b = &c->rs->body;
	size_t n = rows_shown(r->nemail, exact), k = 0;

	multi_open(c, "emails", WA_T(c, "Email"), e, "email");
	for (size_t i = 0; i < n; i++) {
		const char *v = i < r->nemail ? r->email[i] : NULL;
		const char *msg = blank(v) ? NULL : err_at(e, "email", ++k);

		wa_rawf(b,
			"<div class=\"row%s\"><input name=\"email[%zu]\" "
			"type=\"email\" aria-label=\"",
			msg ? " invalid" : "", i);
		wa_rawf(b, WA_T(c, "Email address %zu"), i + 1);
		wa_rawf(b, "\"%s value=\"",
			msg ? " aria-invalid=\"true\"" : "");
		wa_h(b, v);
		row_remove(c, "email", i);
		wa_rawf(b, WA_T(c, "Remove email address %zu"), i + 1);
		row_end(c, msg);
	}
	multi_close(c, n, "email", WA_T(c, "Add an e-mail"));
}

static int newest(const struct dstore_log_entry *e, void *ctx)
{
	struct wa_ctx *c = ctx;
	struct ob_buf *b = &c->rs->body;

	wa_raw(b, "<dd class=\"last-change\">");
	wa_when(c, e->time);
	wa_rawf(b, " %s <span class=\"actor\">", WA_T(c, "by"));
	wa_h(b, e->actor);
	wa_raw(b, "</span> <span class=\"count\">(");
	wa_audit_op(c, e->what, e->op);
	wa_raw(b, ", ");
	wa_rawf(b, WA_T(c, "revision %lld"), (long long)e->rev);
	wa_raw(b, ")</span></dd>");
	return 1;
}

/* uid, last change and the history link of an existing person. */
static void person_meta(struct wa_ctx *c, const struct dstore_person *p)
{
	struct ob_buf *b = &c->rs->body;
	struct ob_err err;
	int ret;

	wa_rawf(b, "<dl class=\"meta\"><dt>%s</dt>", WA_T(c, "Last change"));
	ret = dstore_log_person(c->store, c->ses.tenant_id, p->uid, 0, 1,
				newest, c, &err);
	if (ret != 1) {
		/* older than the audit log keeps */
		wa_raw(b, "<dd class=\"last-change\">");
		if (p->mtime > 0)
			wa_when(c, p->mtime);
		wa_rawf(b, " <span class=\"count\">(%s)</span></dd>",
			WA_T(c, "who: no longer in the audit log"));
	}
	wa_rawf(b, "<dt>%s</dt><dd><a class=\"history\" href=\"/audit?uid=",
		WA_T(c, "History"));
	wa_u(b, p->uid);
	wa_rawf(b, "\">%s</a></dd></dl>",
		WA_T(c, "Every change of this person"));
}

/* The form. rows: what to show in the phone and e-mail rows (exact: as
 * many as given, after an add or a remove). */
static void person_form(struct wa_ctx *c, const struct dstore_person *p,
			const struct rows *rows, bool exact, bool is_new,
			bool has_photo, const struct ob_err *e)
{
	struct ob_buf *b = &c->rs->body;
	const char *title = is_new               ? WA_T(c, "New person")
			    : !blank(p->display) ? p->display
						 : p->uid;
	struct units t;

	if (units_load(c, &t) != 0) {
		units_free(&t);
		wa_fail(c, 503, WA_T(c, "The directory is unavailable."));
		return;
	}
	wa_open(c, title, "units");
	wa_notice(c);
	wa_raw(b, "<div class=\"person-page\">");
	if (!is_new) {
		const char *up = units_path(&t, p->unit_id);
		wa_raw(b, "<nav class=\"crumbs\"><a href=\"/units\">");
		wa_h(b, c->tenant.display);
		wa_raw(b, "</a>");
		if (up != NULL) {
			wa_rawf(b, " / <a href=\"/units?id=%lld\">",
				(long long)p->unit_id);
			wa_h(b, up);
			wa_raw(b, "</a>");
		}
		wa_raw(b, "</nav>");
	}
	wa_raw(b, "<h1>");
	wa_h(b, title);
	wa_raw(b, "</h1>");
	if (e != NULL && e->code != 0) {
		wa_rawf(b, "<p class=\"error\" role=\"alert\">%s ",
			WA_T(c, "Not saved:"));
		wa_h_msg(c, e->msg);
		wa_raw(b, "</p>");
	}
	/* Save comes first in the form: Enter in a field saves, it never
	 * presses a row's Remove */
	wa_raw(b, "<form class=\"person\" method=\"post\" "
		  "action=\"/person/save\" enctype=\"multipart/form-data\">");
	wa_csrf_input(b, c->ses.csrf);
	if (is_new)
		wa_raw(b, "<input type=\"hidden\" name=\"new\" value=\"1\">");
	wa_rawf(b,
		"<p class=\"actions top\"><button type=\"submit\">%s"
		"</button>",
		WA_T(c, "Save"));
	if (!is_new) {
		wa_raw(b, " <a href=\"/person?uid=");
		wa_u(b, p->uid);
		wa_rawf(b, "\">%s</a>", WA_T(c, "Discard changes"));
	}
	wa_rawf(b,
		"</p><div class=\"cols\"><div class=\"col\">"
		"<fieldset><legend>%s</legend>",
		WA_T(c, "Name"));
	text_input(c, WA_T(c, "Family name"), "family_name", p->family, e, NULL,
		   NULL);
	text_input(c, WA_T(c, "Given name"), "given_name", p->given, e, NULL,
		   NULL);
	text_input(c, WA_T(c, "Display name"), "display_name", p->display, e,
		   WA_T(c, "from family and given name"), NULL);
	text_input(c, WA_T(c, "Phonetic family name"), "phonetic_family",
		   p->phonetic_family, e,
		   WA_T(c, "pinyin, filled in for Chinese names"), NULL);
	text_input(c, WA_T(c, "Phonetic given name"), "phonetic_given",
		   p->phonetic_given, e, NULL, NULL);
	wa_rawf(b, "</fieldset><fieldset><legend>%s</legend>", WA_T(c, "Work"));
	wa_rawf(b, "<label%s>%s <select name=\"unit\">",
		err_for(e, "unit") ? " class=\"invalid\"" : "",
		WA_T(c, "Unit"));
	unit_options(c, &t, p->unit_id);
	wa_raw(b, "</select>");
	field_error(c, err_for(e, "unit"));
	wa_raw(b, "</label>");
	text_input(c, WA_T(c, "Title"), "title", p->title, e, NULL, NULL);
	wa_rawf(b, "</fieldset><fieldset class=\"ident\"><legend>%s</legend>",
		WA_T(c, "Identity"));
	if (is_new)
		text_input(c, WA_T(c, "UID"), "uid", p->uid, e,
			   WA_T(c, "generated when empty"),
			   " autocomplete=\"off\"");
	else
		text_input(c, WA_T(c, "UID"), "uid", p->uid, e, NULL,
			   " readonly class=\"readonly\"");
	if (!is_new)
		person_meta(c, p);
	wa_rawf(b,
		"<label class=\"check\"><input type=\"checkbox\" "
		"name=\"hidden\" value=\"1\"%s> %s</label>",
		p->hidden ? " checked" : "",
		WA_T(c, "Hidden (kept in the directory, never sent to "
			"devices)"));
	wa_raw(b, "</fieldset></div><div class=\"col\">");
	phone_rows(c, rows, exact, e);
	email_rows(c, rows, exact, e);
	wa_rawf(b, "<fieldset><legend>%s</legend>", WA_T(c, "Address"));
	text_input(c, WA_T(c, "Street"), "street", p->street, e, NULL, NULL);
	text_input(c, WA_T(c, "City"), "city", p->locality, e, NULL, NULL);
	text_input(c, WA_T(c, "Region"), "region", p->region, e, NULL, NULL);
	text_input(c, WA_T(c, "Postcode"), "postcode", p->postcode, e, NULL,
		   NULL);
	text_input(c, WA_T(c, "Country"), "country", p->country, e, NULL, NULL);
	wa_rawf(b, "</fieldset><fieldset><legend>%s</legend>", WA_T(c, "More"));
	wa_rawf(b, "<label%s>%s <textarea name=\"note\" rows=\"3\">",
		err_for(e, "note") ? " class=\"invalid\"" : "",
		WA_T(c, "Note"));
	wa_h(b, p->note);
	wa_raw(b, "</textarea>");
	field_error(c, err_for(e, "note"));
	wa_raw(b, "</label>");
	if (has_photo && !is_new) {
		wa_rawf(b,
			"<figure class=\"photo\"><img alt=\"%s\" "
			"src=\"/photo?uid=",
			WA_T(c, "Photo"));
		wa_u(b, p->uid);
		wa_rawf(b,
			"\"><label class=\"check\"><input type=\"checkbox\" "
			"name=\"photo_remove\" value=\"1\"> %s</label>"
			"</figure>",
			WA_T(c, "Remove the photo"));
	}
	wa_rawf(b,
		"<label%s>%s <input type=\"file\" name=\"photo\" "
		"accept=\"image/jpeg,image/png\" data-max-bytes=\"%zu\">",
		err_for(e, "photo") ? " class=\"invalid\"" : "",
		WA_T(c, "Photo (JPEG or PNG; large pictures are shrunk before "
			"upload)"),
		c->cfg->max_photo);
	field_error(c, err_for(e, "photo"));
	wa_rawf(b,
		"</label></fieldset></div></div><p class=\"actions\"><button "
		"type=\"submit\">%s</button></p></form>",
		WA_T(c, "Save"));
	if (!is_new) {
		/* apart from Save: its own form, and a page that asks */
		wa_rawf(b,
			"<section class=\"danger-zone\" aria-label=\"%s\">"
			"<h2>%s</h2><p>%s</p>"
			"<form method=\"post\" action=\"/person/delete\">",
			WA_T(c, "Delete"), WA_T(c, "Delete"),
			WA_T(c, "The person leaves the directory and every "
				"device at its next sync."));
		wa_csrf_input(b, c->ses.csrf);
		wa_raw(b, "<input type=\"hidden\" name=\"uid\" value=\"");
		wa_h(b, p->uid);
		wa_rawf(b,
			"\"><button type=\"submit\" class=\"danger\">%s"
			"</button></form></section>",
			WA_T(c, "Delete person…"));
	}
	wa_raw(b, "</div>");
	wa_close(c);
	units_free(&t);
}

void wa_person_page(struct wa_ctx *c, bool is_new)
{
	struct dstore_person p = {0};
	struct rows rows;
	struct ob_err err;

	if (is_new) {
		p.unit_id = wa_arg_int(c, "unit", 0);
		rows_of_person(&rows, &p);
		person_form(c, &p, &rows, false, true, false, NULL);
		return;
	}
	const char *uid = wa_arg(c, "uid");
	if (uid == NULL || dstore_person_get(c->store, c->ses.tenant_id, uid,
					     true, &p, &err) != 0) {
		wa_fail(c, 404, WA_T(c, "No such person."));
		return;
	}
	rows_of_person(&rows, &p);
	person_form(c, &p, &rows, false, false, p.photo_len > 0, NULL);
	dstore_person_deinit(&p);
}

/* A trimmed copy of a field, NULL when absent or blank. */
static char *field_dup(const struct wa_ctx *c, const char *name)
{
	const char *v = wa_field(c, name);
	size_t n = v ? strlen(v) : 0;

	v = v ? ob_str_trim(v, &n) : NULL;
	return n ? ob_strndup(v, n) : NULL;
}

static char *trim_dup(const char *v)
{
	size_t n = v ? strlen(v) : 0;

	v = v ? ob_str_trim(v, &n) : NULL;
	return n ? ob_strndup(v, n) : NULL;
}

struct save_ctx {
	int64_t tenant_id;
	struct dstore_person *p;
	bool is_new;
};

static int person_save_txn(struct dstore *s, void *ctx, struct ob_err *err)
{
	struct save_ctx *x = ctx;

	/* a new person with a uid of its own must not take over another:
	 * checked in the transaction that writes it */
	if (x->is_new && x->p->uid != NULL) {
		struct dstore_person o;
		int ret = dstore_person_get(s, x->tenant_id, x->p->uid, false,
					    &o, err);
		if (ret == 0) {
			dstore_person_deinit(&o);
			return ob_err_set_at(err, OB_E_EXISTS, 0, 0, "uid",
					     "uid: another person already has "
					     "this uid");
		}
		if (ret != OB_E_NOTFOUND)
			return ret;
	}
	return dstore_person_put(s, x->tenant_id, x->p, NULL, err);
}

/* The rows after an "Add" or a "Remove" button: false when the button
 * names no row of the form (a 400). */
static bool rows_edit(struct rows *r, const char *add, const char *remove)
{
	long k;

	if (add != NULL) {
		if (strcmp(add, "phone") == 0 &&
		    r->nphone < PERSON_ROW_INDEX_MAX) {
			r->ptype[r->nphone] = NULL;
			r->phone[r->nphone++] = NULL;
			return true;
		}
		if (strcmp(add, "email") == 0 &&
		    r->nemail < PERSON_ROW_INDEX_MAX) {
			r->email[r->nemail++] = NULL;
			return true;
		}
		return false;
	}
	if ((k = row_index(remove, "phone")) >= 0 && (size_t)k < r->nphone) {
		memmove(&r->ptype[k], &r->ptype[k + 1],
			(r->nphone - (size_t)k - 1) * sizeof(*r->ptype));
		memmove(&r->phone[k], &r->phone[k + 1],
			(r->nphone - (size_t)k - 1) * sizeof(*r->phone));
		r->nphone--;
		return true;
	}
	if ((k = row_index(remove, "email")) >= 0 && (size_t)k < r->nemail) {
		memmove(&r->email[k], &r->email[k + 1],
			(r->nemail - (size_t)k - 1) * sizeof(*r->email));
		r->nemail--;
		return true;
	}
	return false;
}

void wa_person_save(struct wa_ctx *c)
{
	struct dstore_person p = {0}, old = {0};
	const struct wa_form_field *photo = wa_form_field(&c->form, "photo");
	const char *add = wa_field(c, "add"), *remove = wa_field(c, "remove");
	bool is_new = wa_field(c, "new") != NULL;
	struct save_ctx x = {c->ses.tenant_id, &p, is_new};
	struct ob_err err = {0};
	bool have_old = false;
	struct rows rows;
	int ret = 0;

	if (rows_of_form(c, &rows, &err) != 0) {
		wa_fail_msg(c, 400, err.msg);
		return;
	}
	p.uid = field_dup(c, "uid");
	if (p.uid != NULL && !is_new) {
		if (dstore_person_get(c->store, c->ses.tenant_id, p.uid, true,
				      &old, &err) != 0) {
			free(p.uid);
			wa_fail(c, 404, WA_T(c, "No such person."));
			return;
		}
		have_old = true;
	}
	is_new = is_new || p.uid == NULL;
	p.family = field_dup(c, "family_name");
	p.given = field_dup(c, "given_name");
	p.display = field_dup(c, "display_name");
	p.phonetic_family = field_dup(c, "phonetic_family");
	p.phonetic_given = field_dup(c, "phonetic_given");
	p.title = field_dup(c, "title");
	p.street = field_dup(c, "street");
	p.locality = field_dup(c, "city");
	p.region = field_dup(c, "region");
	p.postcode = field_dup(c, "postcode");
	p.country = field_dup(c, "country");
	p.note = field_dup(c, "note");
	p.hidden = wa_field(c, "hidden") != NULL;
	p.unit_id = wa_field_int(c, "unit", 0);
	if (add != NULL || remove != NULL) {
		/* a row added or removed: the same form again, nothing
		 * written (a photo chosen must be chosen again) */
		if (!rows_edit(&rows, add, remove ? remove : "")) {
			wa_fail(c, 400,
				WA_T(c, "The button names no row of "
					"this form."));
			goto out;
		}
		person_form(c, &p, &rows, true, is_new,
			    have_old && old.photo_len > 0, NULL);
		goto out;
	}
	size_t np = filled(rows.phone, rows.nphone);
	size_t ne = filled(rows.email, rows.nemail);
	if (np > DSTORE_MULTI_MAX || ne > DSTORE_MULTI_MAX) {
		bool ph = np > DSTORE_MULTI_MAX;
		ret = ob_err_set_at(
			&err, OB_E_LIMIT, 0, 0, ph ? "phone" : "email",
			"%s: %zu given, a person has at most %d; "
			"remove %zu and save again",
			ph ? "Phones" : "Email addresses", ph ? np : ne,
			DSTORE_MULTI_MAX, (ph ? np : ne) - DSTORE_MULTI_MAX);
	}
	if (ret == 0) {
		p.phones = calloc(np + 1, sizeof(*p.phones));
		p.emails = calloc(ne + 1, sizeof(*p.emails));
		if (p.phones == NULL || p.emails == NULL)
			ret = ob_err_set(&err, OB_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; ret == 0 && i < rows.nphone; i++) {
		if (blank(rows.phone[i]))
			continue;
		p.phones[p.n_phones].type =
			dup0(blank(rows.ptype[i]) ? "work" : rows.ptype[i]);
		p.phones[p.n_phones++].number = trim_dup(rows.phone[i]);
	}
	for (size_t i = 0; ret == 0 && i < rows.nemail; i++)
		if (!blank(rows.email[i]))
			p.emails[p.n_emails++] = trim_dup(rows.email[i]);
	/* the photo: a new upload, the old one kept, or removed */
	if (ret == 0 && photo != NULL && photo->len > 0) {
		if (photo->len > c->cfg->max_photo)
			ret = ob_err_set_at(&err, OB_E_LIMIT, 0, 0, "photo",
					    "the photo has %zu bytes; at most "
					    "%zu are allowed",
					    photo->len, c->cfg->max_photo);
		else if ((p.photo = malloc(photo->len)) == NULL)
			ret = ob_err_set(&err, OB_E_NOMEM, "out of memory");
		else {
			memcpy(p.photo, photo->value, photo->len);
			p.photo_len = photo->len;
		}
	} else if (ret == 0 && have_old &&
		   wa_field(c, "photo_remove") == NULL && old.photo_len > 0) {
		p.photo = old.photo;
		p.photo_len = old.photo_len;
		old.photo = NULL;
		old.photo_len = 0;
	}
	if (ret == 0)
		ret = wa_txn(c, person_save_txn, &x, &err);
	if (ret == OB_E_INVAL || ret == OB_E_LIMIT || ret == OB_E_NOTFOUND ||
	    ret == OB_E_EXISTS) {
		if (*err.field == '\0' && ret == OB_E_NOTFOUND)
			ob_strlcpy(err.field, "unit", sizeof(err.field));
		/* the form as typed; a generated uid is not kept */
		if (is_new && wa_field(c, "uid") != NULL &&
		    blank(wa_field(c, "uid"))) {
			free(p.uid);
			p.uid = NULL;
		}
		rows_compact(&rows);
		person_form(c, &p, &rows, false, is_new,
			    old.photo_len > 0 || p.photo_len > 0, &err);
		if (c->rs->status == 200)
			c->rs->status = ret == OB_E_EXISTS ? 409 : 422;
	} else if (ret != 0) {
		wa_fail_msg(c, 503, err.msg);
	} else {
		struct ob_buf u;
		ob_buf_init(&u, 1024);
		wa_u(&u, p.uid);
		wa_redirect(c, "/person?uid=%s&done=saved", ob_buf_str(&u));
		ob_buf_deinit(&u);
		snprintf(c->rs->log, sizeof(c->rs->log),
			 "admin saved person tenant=%lld",
			 (long long)c->ses.tenant_id);
	}
out:
	dstore_person_deinit(&p);
	if (have_old)
		dstore_person_deinit(&old);
}

struct del_ctx {
	int64_t tenant_id;
	const char *uid;
};

static int person_delete_txn(struct dstore *s, void *ctx, struct ob_err *err)
{
	struct del_ctx *x = ctx;
	return dstore_person_delete(s, x->tenant_id, x->uid, err);
}

/* "Delete NAME?": the page that names whom, and the POST that does it. */
static void delete_confirm(struct wa_ctx *c, const struct dstore_person *p)
{
	struct ob_buf *b = &c->rs->body;

	struct ob_buf name;

	ob_buf_init(&name, 6 * DSTORE_NAME_MAX);
	wa_h(&name, p->display);
	wa_open(c, WA_T(c, "Delete a person"), "units");
	wa_raw(b, "<div class=\"person-page\"><h1>");
	wa_rawf(b, WA_T(c, "Delete %s?"), ob_buf_str(&name));
	wa_raw(b, "</h1><p class=\"confirm-what\">");
	wa_h(b, p->display);
	wa_raw(b, " <span class=\"count\">");
	wa_h(b, p->uid);
	if (p->unit_path != NULL && *p->unit_path != '\0') {
		wa_raw(b, " · ");
		wa_h(b, p->unit_path);
	}
	wa_rawf(b,
		"</span></p><p>%s</p><form class=\"confirm-delete\" "
		"method=\"post\" action=\"/person/delete\">",
		WA_T(c,
		     "They leave the directory, and every device loses them "
		     "at its next sync. The audit log keeps what they were."));
	wa_csrf_input(b, c->ses.csrf);
	wa_raw(b, "<input type=\"hidden\" name=\"confirm\" value=\"1\">"
		  "<input type=\"hidden\" name=\"uid\" value=\"");
	wa_h(b, p->uid);
	wa_raw(b, "\"><p class=\"actions\"><button type=\"submit\" "
		  "class=\"danger\">");
	wa_rawf(b, WA_T(c, "Delete %s"), ob_buf_str(&name));
	wa_raw(b, "</button> <a href=\"/person?uid=");
	wa_u(b, p->uid);
	wa_rawf(b, "\">%s</a></p></form></div>", WA_T(c, "Cancel"));
	ob_buf_deinit(&name);
	wa_close(c);
}

void wa_person_delete(struct wa_ctx *c)
{
	struct del_ctx x = {c->ses.tenant_id, wa_field(c, "uid")};
	struct dstore_person p;
	struct ob_err err;
	int64_t unit = 0;
	int ret;

	if (x.uid == NULL || dstore_person_get(c->store, c->ses.tenant_id,
					       x.uid, false, &p, &err) != 0) {
		wa_fail(c, 404, WA_T(c, "No such person."));
		return;
	}
	if (wa_field(c, "confirm") == NULL ||
	    strcmp(wa_field(c, "confirm"), "1") != 0) {
		delete_confirm(c, &p);
		dstore_person_deinit(&p);
		return;
	}
	unit = p.unit_id;
	dstore_person_deinit(&p);
	ret = wa_txn(c, person_delete_txn, &x, &err);
	if (ret != 0) {
		wa_fail_msg(c, ret == OB_E_NOTFOUND ? 404 : 503, err.msg);
		return;
	}
	snprintf(c->rs->log, sizeof(c->rs->log),
		 "admin deleted person tenant=%lld",
		 (long long)c->ses.tenant_id);
	wa_redirect(c, "/units?id=%lld&done=deleted", (long long)unit);
}
