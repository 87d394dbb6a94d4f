/* The person page of the admin pages: the form that shows, adds and
 * edits one person (/person, /person/new), its save (/person/save) and
 * its delete (/person/delete). See web.h for the routes.
 *
 * Promises: a save or a delete is one store transaction with the
 * administrator as actor; a refused save changes nothing and shows the
 * form again with what was typed and the error next to its field.
 * Never does: lists, searches or bulk work (pages-directory.c), the
 * photo bytes (wa_photo), or any SQL (lib/dirstore). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "webadmin/import.h"
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

static void unit_options(struct ob_buf *b, const struct units *l,
			 int64_t selected)
{
	wa_rawf(b, "<option value=\"0\"%s>(no unit)</option>",
		selected == 0 ? " selected" : "");
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

/* The error of a field for the form, NULL when it is not that field's. */
static const char *err_for(const struct ob_err *e, const char *field)
{
	size_t n = strlen(field);

	if (e == NULL || e->code == 0 || strncmp(e->field, field, n) != 0 ||
	    (e->field[n] != '\0' && e->field[n] != '['))
		return NULL;
	return e->msg;
}

static void text_input(struct ob_buf *b, const char *label, const char *name,
		       const char *value, const struct ob_err *e,
		       const char *extra)
{
	const char *msg = err_for(e, name);

	wa_rawf(b, "<label%s>", msg ? " class=\"invalid\"" : "");
	wa_raw(b, label);
	wa_rawf(b, " <input name=\"%s\" value=\"", name);
	wa_h(b, value);
	wa_rawf(b, "\"%s%s>", extra ? extra : "",
		msg ? " aria-invalid=\"true\"" : "");
	if (msg) {
		wa_raw(b, "<span class=\"field-error\">");
		wa_h(b, msg);
		wa_raw(b, "</span>");
	}
	wa_raw(b, "</label>");
}

static void person_form(struct wa_ctx *c, const struct dstore_person *p,
			bool has_photo, const struct ob_err *e)
{
	struct ob_buf *b = &c->rs->body;
	bool is_new = p->uid == NULL || *p->uid == '\0';
	struct units t;

	if (units_load(c, &t) != 0) {
		units_free(&t);
		wa_fail(c, 503, "The directory is unavailable.");
		return;
	}
	wa_open(c, is_new ? "New person" : p->display, "units");
	wa_notice(c);
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
	wa_h(b, is_new ? "New person" : p->display);
	wa_raw(b, "</h1>");
	if (e != NULL && e->code != 0) {
		wa_raw(b, "<p class=\"error\" role=\"alert\">Not saved: ");
		wa_h(b, e->msg);
		wa_raw(b, "</p>");
	}
	wa_raw(b, "<form class=\"person\" method=\"post\" "
		  "action=\"/person/save\" enctype=\"multipart/form-data\">");
	wa_csrf_input(b, c->ses.csrf);
	wa_raw(b, "<input type=\"hidden\" name=\"uid\" value=\"");
	wa_h(b, p->uid);
	wa_raw(b, "\"><fieldset><legend>Name</legend>");
	text_input(b, "Family name", "family_name", p->family, e, NULL);
	text_input(b, "Given name", "given_name", p->given, e, NULL);
	text_input(b, "Display name", "display_name", p->display, e,
		   " placeholder=\"from family and given name\"");
	text_input(b, "Phonetic family name", "phonetic_family",
		   p->phonetic_family, e,
		   " placeholder=\"pinyin, filled in for Chinese names\"");
	text_input(b, "Phonetic given name", "phonetic_given",
		   p->phonetic_given, e, NULL);
	wa_raw(b, "</fieldset><fieldset><legend>Work</legend>");
	text_input(b, "Title", "title", p->title, e, NULL);
	wa_rawf(b, "<label%s>Unit <select name=\"unit\">",
		err_for(e, "unit") ? " class=\"invalid\"" : "");
	unit_options(b, &t, p->unit_id);
	wa_raw(b, "</select></label>");
	wa_raw(b, "</fieldset><fieldset class=\"multi\"><legend>Phones"
		  "</legend>");
	if (err_for(e, "phone")) {
		wa_raw(b, "<span class=\"field-error\">");
		wa_h(b, e->msg);
		wa_raw(b, "</span>");
	}
	for (size_t i = 0; i < p->n_phones + 2 && i < DSTORE_MULTI_MAX; i++) {
		const struct dstore_phone *ph =
			i < p->n_phones ? &p->phones[i] : NULL;
		wa_raw(b, "<div class=\"row\"><select name=\"phone_type\" "
			  "aria-label=\"Phone type\">");
		for (size_t k = 0; k < 4; k++)
			wa_rawf(b, "<option%s>%s</option>",
				ph && ph->type &&
						strcmp(ph->type,
						       phone_types[k]) == 0
					? " selected"
					: "",
				phone_types[k]);
		wa_raw(b, "</select><input name=\"phone\" type=\"tel\" "
			  "aria-label=\"Phone number\" value=\"");
		wa_h(b, ph ? ph->number : NULL);
		wa_raw(b, "\"></div>");
	}
	wa_raw(b, "</fieldset><fieldset class=\"multi\"><legend>Email"
		  "</legend>");
	if (err_for(e, "email")) {
		wa_raw(b, "<span class=\"field-error\">");
		wa_h(b, e->msg);
		wa_raw(b, "</span>");
	}
	for (size_t i = 0; i < p->n_emails + 1 && i < DSTORE_MULTI_MAX; i++) {
		wa_raw(b, "<input name=\"email\" type=\"email\" "
			  "aria-label=\"Email address\" value=\"");
		wa_h(b, i < p->n_emails ? p->emails[i] : NULL);
		wa_raw(b, "\">");
	}
	wa_raw(b, "</fieldset><fieldset><legend>Address</legend>");
	text_input(b, "Street", "street", p->street, e, NULL);
	text_input(b, "City", "city", p->locality, e, NULL);
	text_input(b, "Region", "region", p->region, e, NULL);
	text_input(b, "Postcode", "postcode", p->postcode, e, NULL);
	text_input(b, "Country", "country", p->country, e, NULL);
	wa_raw(b, "</fieldset><fieldset><legend>More</legend>");
	wa_rawf(b, "<label%s>Note <textarea name=\"note\" rows=\"3\">",
		err_for(e, "note") ? " class=\"invalid\"" : "");
	wa_h(b, p->note);
	wa_raw(b, "</textarea></label>");
	wa_rawf(b,
		"<label class=\"check\"><input type=\"checkbox\" "
		"name=\"hidden\" value=\"1\"%s> Hidden (kept in the "
		"directory, never sent to devices)</label>",
		p->hidden ? " checked" : "");
	if (has_photo && !is_new) {
		wa_raw(b, "<figure class=\"photo\"><img alt=\"Photo\" "
			  "src=\"/photo?uid=");
		wa_u(b, p->uid);
		wa_raw(b, "\"><label class=\"check\"><input type=\"checkbox\" "
			  "name=\"photo_remove\" value=\"1\"> Remove the "
			  "photo</label></figure>");
	}
	wa_rawf(b,
		"<label%s>Photo (JPEG or PNG; large pictures are "
		"shrunk before upload) <input type=\"file\" name=\"photo\" "
		"accept=\"image/jpeg,image/png\" data-max-bytes=\"%zu\">",
		err_for(e, "photo") ? " class=\"invalid\"" : "",
		c->cfg->max_photo);
	if (err_for(e, "photo")) {
		wa_raw(b, "<span class=\"field-error\">");
		wa_h(b, e->msg);
		wa_raw(b, "</span>");
	}
	wa_raw(b, "</label></fieldset><p class=\"actions\"><button "
		  "type=\"submit\">Save</button></p></form>");
	if (!is_new) {
		wa_raw(b, "<form method=\"post\" action=\"/person/delete\" "
			  "data-confirm=\"Delete this person?\">");
		wa_csrf_input(b, c->ses.csrf);
		wa_raw(b, "<input type=\"hidden\" name=\"uid\" value=\"");
		wa_h(b, p->uid);
		wa_raw(b, "\"><button type=\"submit\" class=\"danger\">Delete "
			  "person</button></form>");
	}
	wa_close(c);
	units_free(&t);
}

void wa_person_page(struct wa_ctx *c, bool is_new)
{
	struct dstore_person p = {0};
	struct ob_err err;
	bool photo;

	if (is_new) {
		p.unit_id = wa_arg_int(c, "unit", 0);
		person_form(c, &p, false, NULL);
		return;
	}
	const char *uid = wa_arg(c, "uid");
	if (uid == NULL || dstore_person_get(c->store, c->ses.tenant_id, uid,
					     true, &p, &err) != 0) {
		wa_fail(c, 404, "No such person.");
		return;
	}
	photo = p.photo_len > 0;
	person_form(c, &p, photo, NULL);
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

struct save_ctx {
	int64_t tenant_id;
	struct dstore_person *p;
};

static int person_save_txn(struct dstore *s, void *ctx, struct ob_err *err)
{
	struct save_ctx *x = ctx;
	return dstore_person_put(s, x->tenant_id, x->p, NULL, err);
}

void wa_person_save(struct wa_ctx *c)
{
	struct dstore_person p = {0}, old = {0};
	const struct wa_form_field *photo = wa_form_field(&c->form, "photo");
	struct save_ctx x = {c->ses.tenant_id, &p};
	struct ob_err err = {0};
	size_t np = 0, ne = 0;
	bool have_old = false;
	int ret = 0;

	p.uid = field_dup(c, "uid");
	if (p.uid != NULL) {
		if (dstore_person_get(c->store, c->ses.tenant_id, p.uid, true,
				      &old, &err) != 0) {
			free(p.uid);
			wa_fail(c, 404, "No such person.");
			return;
		}
		have_old = true;
	}
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
	p.phones = calloc(DSTORE_MULTI_MAX + 1, sizeof(*p.phones));
	p.emails = calloc(DSTORE_MULTI_MAX + 1, sizeof(*p.emails));
	if (p.phones == NULL || p.emails == NULL)
		ret = ob_err_set(&err, OB_E_NOMEM, "out of memory");
	for (size_t i = 0; ret == 0; i++) {
		const char *num = wa_form_get_nth(&c->form, "phone", i);
		const char *type = wa_form_get_nth(&c->form, "phone_type", i);
		if (num == NULL)
			break;
		while (*num == ' ')
			num++;
		if (*num == '\0')
			continue;
		if (np == DSTORE_MULTI_MAX) {
			ret = ob_err_set_at(&err, OB_E_LIMIT, 0, 0, "phone",
					    "at most %d phone numbers",
					    DSTORE_MULTI_MAX);
			break;
		}
		p.phones[np].type = dup0(type ? type : "work");
		p.phones[np].number = dup0(num);
		p.n_phones = ++np;
	}
	for (size_t i = 0; ret == 0; i++) {
		const char *m = wa_form_get_nth(&c->form, "email", i);
		if (m == NULL)
			break;
		while (*m == ' ')
			m++;
		if (*m == '\0')
			continue;
		if (ne == DSTORE_MULTI_MAX) {
			ret = ob_err_set_at(&err, OB_E_LIMIT, 0, 0, "email",
					    "at most %d email addresses",
					    DSTORE_MULTI_MAX);
			break;
		}
		p.emails[ne] = dup0(m);
		p.n_emails = ++ne;
	}
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
	if (ret == 0 && p.phonetic_family == NULL && p.phonetic_given == NULL) {
		p.phonetic_family = wa_phonetic_of(p.family, true);
		p.phonetic_given = wa_phonetic_of(p.given, false);
	}
	if (ret == 0)
		ret = wa_txn(c, person_save_txn, &x, &err);
	if (ret == OB_E_INVAL || ret == OB_E_LIMIT || ret == OB_E_NOTFOUND) {
		c->rs->status = 422;
		if (*err.field == '\0' && ret == OB_E_NOTFOUND)
			ob_strlcpy(err.field, "unit", sizeof(err.field));
		person_form(c, &p, old.photo_len > 0 || p.photo_len > 0, &err);
		if (c->rs->status == 200)
			c->rs->status = 422;
	} else if (ret != 0) {
		wa_fail(c, 503, err.msg);
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

void wa_person_delete(struct wa_ctx *c)
{
	struct del_ctx x = {c->ses.tenant_id, wa_field(c, "uid")};
	struct dstore_person p;
	struct ob_err err;
	int64_t unit = 0;
	int ret;

	if (x.uid == NULL || dstore_person_get(c->store, c->ses.tenant_id,
					       x.uid, false, &p, &err) != 0) {
		wa_fail(c, 404, "No such person.");
		return;
	}
	unit = p.unit_id;
	dstore_person_deinit(&p);
	ret = wa_txn(c, person_delete_txn, &x, &err);
	if (ret != 0) {
		wa_fail(c, ret == OB_E_NOTFOUND ? 404 : 503, err.msg);
		return;
	}
	wa_redirect(c, "/units?id=%lld&done=deleted", (long long)unit);
}
