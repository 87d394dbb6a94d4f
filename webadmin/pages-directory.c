/* The directory pages: the org tree and units, people (view, edit, move,
 * delete, photo), and search. See web.h for the routes. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "webadmin/import.h"
#include "webadmin/web-internal.h"

#define PEOPLE_PAGE 1000
#define SEARCH_MAX 200

/* ---- the unit tree ------------------------------------------------------- */

struct tunit {
	int64_t id, parent;
	char *name, *path;
	int64_t people, total;
	int depth;
	size_t parent_idx; /* index of the parent unit, SIZE_MAX at the top */
};

struct tree {
	struct tunit *u;
	size_t n, cap;
	bool oom;
};

static int tree_add(const struct dstore_unit *du, void *ctx)
{
	struct tree *t = ctx;

	if (t->n == t->cap) {
		size_t nc = t->cap ? 2 * t->cap : 64;
		struct tunit *nu = realloc(t->u, nc * sizeof(*nu));
		if (nu == NULL) {
			t->oom = true;
			return OB_E_NOMEM;
		}
		t->u = nu;
		t->cap = nc;
	}
	struct tunit *u = &t->u[t->n];
	u->id = du->id;
	u->parent = du->parent_id;
	u->name = ob_strndup(du->name, strlen(du->name));
	u->path = ob_strndup(du->path, strlen(du->path));
	u->people = u->total = du->people;
	u->parent_idx = SIZE_MAX;
	u->depth = 0;
	for (const char *p = du->path; *p; p++)
		u->depth += *p == '/';
	if (u->name == NULL || u->path == NULL) {
		free(u->name);
		free(u->path);
		t->oom = true;
		return OB_E_NOMEM;
	}
	t->n++;
	return 0;
}

static void tree_free(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->u[i].name);
		free(t->u[i].path);
	}
	free(t->u);
	memset(t, 0, sizeof(*t));
}

static struct tunit *tree_find(struct tree *t, int64_t id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->u[i].id == id)
			return &t->u[i];
	return NULL;
}

/* Load every unit (path order) and sum people over subtrees. */
static int tree_load(struct wa_ctx *c, struct tree *t)
{
	struct ob_err err;
	int ret;

	memset(t, 0, sizeof(*t));
	ret = dstore_unit_list(c->store, c->ses.tenant_id, tree_add, t, &err);
	if (ret != 0)
		return ret;
	/* in path order a unit's parent is the last unit seen one level up:
	 * add totals upwards from the end, keeping the open ancestors on a
	 * stack by depth */
	size_t open[DSTORE_UNIT_DEPTH_MAX + 1];
	for (size_t i = 0; i < t->n; i++) {
		int d = t->u[i].depth;
		if (d > DSTORE_UNIT_DEPTH_MAX)
			continue;
		open[d] = i;
		t->u[i].parent_idx = d > 0 ? open[d - 1] : SIZE_MAX;
	}
	for (size_t i = t->n; i-- > 0;)
		if (t->u[i].parent_idx != SIZE_MAX)
			t->u[t->u[i].parent_idx].total += t->u[i].total;
	return 0;
}

/* Is a an ancestor of (or the same unit as) b? */
static bool contains(const struct tunit *a, const struct tunit *b)
{
	size_t n = strlen(a->path);
	return b != NULL && strncmp(a->path, b->path, n) == 0 &&
	       (b->path[n] == '\0' || b->path[n] == '/');
}

static void tree_html(struct ob_buf *b, struct tree *t, const struct tunit *sel)
{
	int open = 0;

	wa_raw(b, "<ul class=\"tree\">");
	for (size_t i = 0; i < t->n; i++) {
		const struct tunit *u = &t->u[i];
		bool kids = i + 1 < t->n && t->u[i + 1].depth > u->depth;
		bool expand = sel ? contains(u, sel) : u->depth == 0;

		wa_raw(b, "<li>");
		if (kids)
			wa_rawf(b, "<details%s><summary>",
				expand ? " open" : "");
		wa_rawf(b, "<a href=\"/units?id=%lld\"%s>", (long long)u->id,
			u == sel ? " aria-current=\"true\"" : "");
		wa_h(b, u->name);
		wa_rawf(b, "</a> <span class=\"count\">%lld</span>",
			(long long)u->total);
		if (kids) {
			wa_raw(b, "</summary><ul>");
			open++;
			continue;
		}
		wa_raw(b, "</li>");
		/* close the levels the next unit climbs out of */
		int next = i + 1 < t->n ? t->u[i + 1].depth : 0;
		for (int d = u->depth; d > next && open > 0; d--, open--)
			wa_raw(b, "</ul></details></li>");
	}
	while (open-- > 0)
		wa_raw(b, "</ul></details></li>");
	wa_raw(b, "</ul>");
}

/* <option>s of every unit, for move targets; `skip` leaves out a unit and
 * its subtree (a unit cannot move into itself). */
static void unit_options(struct ob_buf *b, struct tree *t, int64_t selected,
			 const struct tunit *skip, const char *none_label)
{
	wa_rawf(b, "<option value=\"0\"%s>", selected == 0 ? " selected" : "");
	wa_raw(b, none_label);
	wa_raw(b, "</option>");
	for (size_t i = 0; i < t->n; i++) {
		if (skip != NULL && contains(skip, &t->u[i]))
			continue;
		wa_rawf(b, "<option value=\"%lld\"%s>", (long long)t->u[i].id,
			t->u[i].id == selected ? " selected" : "");
		wa_h(b, t->u[i].path);
		wa_raw(b, "</option>");
	}
}

/* ---- people lists -------------------------------------------------------- */

struct plist {
	struct dstore_person *p;
	size_t n, cap;
	bool more, oom;
};

static char *dup0(const char *s)
{
	return s ? ob_strndup(s, strlen(s)) : NULL;
}

/* A shallow copy of what a list row shows (name, title, first phone and
 * email, unit path, hidden). */
static int plist_add(const struct dstore_person *p, void *ctx)
{
	struct plist *l = ctx;
	struct dstore_person *q;

	if (l->n == PEOPLE_PAGE) {
		l->more = true;
		return 1;
	}
	if (l->n == l->cap) {
		size_t nc = l->cap ? 2 * l->cap : 64;
		struct dstore_person *np = realloc(l->p, nc * sizeof(*np));
		if (np == NULL) {
			l->oom = true;
			return OB_E_NOMEM;
		}
		l->p = np;
		l->cap = nc;
	}
	q = &l->p[l->n++];
	memset(q, 0, sizeof(*q));
	q->uid = dup0(p->uid);
	q->display = dup0(p->display);
	q->title = dup0(p->title);
	q->unit_path = dup0(p->unit_path);
	q->hidden = p->hidden;
	q->unit_id = p->unit_id;
	q->phonetic_family = dup0(p->phonetic_family);
	q->phonetic_given = dup0(p->phonetic_given);
	if (p->n_phones > 0) {
		q->phones = calloc(1, sizeof(*q->phones));
		if (q->phones != NULL) {
			q->n_phones = 1;
			q->phones[0].type = dup0(p->phones[0].type);
			q->phones[0].number = dup0(p->phones[0].number);
		}
	}
	if (p->n_emails > 0) {
		q->emails = calloc(1, sizeof(*q->emails));
		if (q->emails != NULL) {
			q->n_emails = 1;
			q->emails[0] = dup0(p->emails[0]);
		}
	}
	return 0;
}

static void plist_free(struct plist *l)
{
	for (size_t i = 0; i < l->n; i++)
		dstore_person_deinit(&l->p[i]);
	free(l->p);
	memset(l, 0, sizeof(*l));
}

/* Sort key: the reading when there is one (pinyin for Chinese names),
 * else the display name. */
static const char *sort_key(const struct dstore_person *p, char *buf,
			    size_t size)
{
	if (p->phonetic_family || p->phonetic_given) {
		snprintf(buf, size, "%s%s",
			 p->phonetic_family ? p->phonetic_family : "",
			 p->phonetic_given ? p->phonetic_given : "");
		for (char *q = buf; *q; q++)
			if (*q >= 'A' && *q <= 'Z')
				*q = (char)(*q | 0x20);
		return buf;
	}
	snprintf(buf, size, "%s", p->display ? p->display : "");
	for (char *q = buf; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q | 0x20);
	return buf;
}

static int by_name(const void *a, const void *b)
{
	char ka[512], kb[512];
	int r = strcmp(sort_key(a, ka, sizeof(ka)),
		       sort_key(b, kb, sizeof(kb)));
	return r ? r
		 : strcmp(((const struct dstore_person *)a)->uid,
			  ((const struct dstore_person *)b)->uid);
}

static void people_table(struct ob_buf *b, struct plist *l, bool with_unit)
{
	if (l->n == 0) {
		wa_raw(b, "<p class=\"empty\">No people here.</p>");
		return;
	}
	qsort(l->p, l->n, sizeof(*l->p), by_name);
	wa_raw(b, "<table class=\"people\"><thead><tr><th>Name</th>"
		  "<th>Title</th>");
	if (with_unit)
		wa_raw(b, "<th>Unit</th>");
	wa_raw(b, "<th>Phone</th><th>Email</th></tr></thead><tbody>");
	for (size_t i = 0; i < l->n; i++) {
		const struct dstore_person *p = &l->p[i];
		wa_raw(b, "<tr><td><a href=\"/person?uid=");
		wa_u(b, p->uid);
		wa_raw(b, "\">");
		wa_h(b, p->display);
		wa_raw(b, "</a>");
		if (p->hidden)
			wa_raw(b, " <span class=\"tag\">hidden</span>");
		wa_raw(b, "</td><td>");
		wa_h(b, p->title);
		if (with_unit) {
			wa_raw(b, "</td><td>");
			wa_h(b, p->unit_path);
		}
		wa_raw(b, "</td><td>");
		if (p->n_phones > 0)
			wa_h(b, p->phones[0].number);
		wa_raw(b, "</td><td>");
		if (p->n_emails > 0)
			wa_h(b, p->emails[0]);
		wa_raw(b, "</td></tr>");
	}
	wa_raw(b, "</tbody></table>");
	if (l->more)
		wa_rawf(b,
			"<p class=\"more\">Showing the first %d; use the "
			"search to find others.</p>",
			PEOPLE_PAGE);
}

/* ---- /units -------------------------------------------------------------- */

static void export_links(struct ob_buf *b, int64_t unit)
{
	static const char *const f[][2] = {{"vcf30", "vCard 3.0"},
					   {"vcf21", "vCard 2.1"},
					   {"vcf40", "vCard 4.0"},
					   {"csv", "CSV"}};
	wa_raw(b, "<p class=\"export\">Export: ");
	for (size_t i = 0; i < 4; i++)
		wa_rawf(b,
			"<a href=\"/export/file?format=%s&amp;unit=%lld\">"
			"%s</a> ",
			f[i][0], (long long)unit, f[i][1]);
	wa_raw(b, "</p>");
}

void wa_units_page(struct wa_ctx *c)
{
	int64_t id = wa_arg_int(c, "id", 0);
	struct ob_buf *b = &c->rs->body;
	struct dstore_iter_opts o = {0};
	struct plist people = {0};
	struct tunit *sel = NULL;
	struct tree t;
	struct ob_err err;

	if (tree_load(c, &t) != 0) {
		tree_free(&t);
		wa_fail(c, 503, "The directory is unavailable.");
		return;
	}
	if (id != 0 && (sel = tree_find(&t, id)) == NULL) {
		tree_free(&t);
		wa_fail(c, 404, "No such unit.");
		return;
	}
	o.unit_id = id;
	o.direct = true;
	o.include_hidden = true;
	if (dstore_person_iter(c->store, c->ses.tenant_id, &o, plist_add,
			       &people, &err) < 0 ||
	    people.oom) {
		plist_free(&people);
		tree_free(&t);
		wa_fail(c, 503, "The directory is unavailable.");
		return;
	}
	wa_open(c, sel ? sel->name : "Directory", "units");
	wa_notice(c);
	wa_raw(b, "<div class=\"split\"><aside class=\"treebox\">"
		  "<a href=\"/units\"");
	wa_raw(b, sel ? ">" : " aria-current=\"true\">");
	wa_h(b, c->tenant.display);
	wa_raw(b, "</a>");
	tree_html(b, &t, sel);
	wa_raw(b, "</aside><section class=\"unit\">");
	if (sel) {
		wa_raw(b, "<nav class=\"crumbs\" aria-label=\"Unit path\">"
			  "<a href=\"/units\">");
		wa_h(b, c->tenant.display);
		wa_raw(b, "</a>");
		for (size_t i = 0; i < t.n; i++)
			if (contains(&t.u[i], sel) && &t.u[i] != sel) {
				wa_rawf(b, " / <a href=\"/units?id=%lld\">",
					(long long)t.u[i].id);
				wa_h(b, t.u[i].name);
				wa_raw(b, "</a>");
			}
		wa_raw(b, "</nav><h1>");
		wa_h(b, sel->name);
		wa_rawf(b,
			"</h1><p class=\"counts\">%lld in this unit and "
			"its sub-units, %zu%s directly in it.</p>",
			(long long)sel->total, people.n,
			people.more ? "+" : "");
	} else {
		int64_t all = 0;
		(void)dstore_person_count(c->store, c->ses.tenant_id, 0, true,
					  &all, &err);
		wa_raw(b, "<h1>");
		wa_h(b, c->tenant.display);
		wa_rawf(b,
			"</h1><p class=\"counts\">%lld people in %zu "
			"units.</p>",
			(long long)all, t.n);
	}
	/* actions */
	wa_rawf(b,
		"<p class=\"actions\"><a class=\"button\" "
		"href=\"/person/new?unit=%lld\">Add a person</a></p>",
		(long long)id);
	wa_raw(b, "<details class=\"panel\"><summary>Add a sub-unit</summary>"
		  "<form method=\"post\" action=\"/unit/add\">");
	wa_csrf_input(b, c->ses.csrf);
	wa_rawf(b,
		"<input type=\"hidden\" name=\"parent\" value=\"%lld\">"
		"<label>Name <input name=\"name\" required "
		"maxlength=\"255\"></label><button type=\"submit\">Add "
		"unit</button></form></details>",
		(long long)id);
	if (sel) {
		wa_raw(b, "<details class=\"panel\"><summary>Rename</summary>"
			  "<form method=\"post\" action=\"/unit/rename\">");
		wa_csrf_input(b, c->ses.csrf);
		wa_rawf(b,
			"<input type=\"hidden\" name=\"id\" value=\"%lld\">"
			"<label>New name <input name=\"name\" required "
			"maxlength=\"255\" value=\"",
			(long long)id);
		wa_h(b, sel->name);
		wa_raw(b, "\"></label><button type=\"submit\">Rename"
			  "</button></form></details>"
			  "<details class=\"panel\"><summary>Move</summary>"
			  "<form method=\"post\" action=\"/unit/move\">");
		wa_csrf_input(b, c->ses.csrf);
		wa_rawf(b,
			"<input type=\"hidden\" name=\"id\" value=\"%lld\">"
			"<label>Under <select name=\"parent\">",
			(long long)id);
		unit_options(b, &t, sel->parent, sel, "(top level)");
		wa_raw(b, "</select></label><button type=\"submit\">Move"
			  "</button></form></details>");
		wa_raw(b, "<form class=\"inline\" method=\"post\" "
			  "action=\"/unit/delete\" data-confirm=\"Delete this "
			  "unit?\">");
		wa_csrf_input(b, c->ses.csrf);
		wa_rawf(b,
			"<input type=\"hidden\" name=\"id\" value=\"%lld\">"
			"<button type=\"submit\" class=\"danger\"%s>Delete "
			"unit</button>%s</form>",
			(long long)id, sel->total > 0 ? " disabled" : "",
			sel->total > 0 ? " <small>Only an empty unit can be "
					 "deleted.</small>"
				       : "");
	}
	export_links(b, id);
	/* sub-units */
	bool any = false;
	for (size_t i = 0; i < t.n; i++) {
		if (t.u[i].parent != id)
			continue;
		if (!any)
			wa_raw(b, "<h2>Sub-units</h2><ul class=\"subunits\">");
		any = true;
		wa_rawf(b, "<li><a href=\"/units?id=%lld\">",
			(long long)t.u[i].id);
		wa_h(b, t.u[i].name);
		wa_rawf(b, "</a> <span class=\"count\">%lld</span></li>",
			(long long)t.u[i].total);
	}
	if (any)
		wa_raw(b, "</ul>");
	wa_raw(b, "<h2>People</h2>");
	people_table(b, &people, false);
	wa_raw(b, "</section></div>");
	wa_close(c);
	plist_free(&people);
	tree_free(&t);
}

/* ---- unit actions -------------------------------------------------------- */

struct unit_op {
	const char *what, *name;
	int64_t tenant, id, parent;
};

static int unit_txn(struct dstore *s, void *ctx, struct ob_err *err)
{
	struct unit_op *u = ctx;

	if (strcmp(u->what, "add") == 0)
		return dstore_unit_add(s, u->tenant, u->parent, u->name, 0,
				       &u->id, err);
	if (strcmp(u->what, "rename") == 0)
		return dstore_unit_rename(s, u->tenant, u->id, u->name, err);
	if (strcmp(u->what, "move") == 0)
		return dstore_unit_move(s, u->tenant, u->id, u->parent, err);
	return dstore_unit_delete(s, u->tenant, u->id, err);
}

void wa_unit_action(struct wa_ctx *c, const char *what)
{
	struct unit_op u = {
		.what = what,
		.name = wa_field(c, "name"),
		.id = wa_field_int(c, "id", 0),
		.parent = wa_field_int(c, "parent", 0),
		.tenant = c->ses.tenant_id,
	};
	struct ob_err err;
	int ret;

	if ((strcmp(what, "add") == 0 || strcmp(what, "rename") == 0) &&
	    u.name == NULL) {
		wa_fail(c, 400, "A unit needs a name.");
		return;
	}
	if (strcmp(what, "add") != 0 && u.id == 0) {
		wa_fail(c, 400, "No unit given.");
		return;
	}
	ret = wa_txn(c, unit_txn, &u, &err);
	if (ret == OB_E_NOTFOUND) {
		wa_fail(c, 404, "No such unit.");
		return;
	}
	if (ret == OB_E_EXISTS && strcmp(what, "delete") == 0) {
		wa_fail(c, 409,
			"Only an empty unit can be deleted: move or "
			"delete its people and sub-units first.");
		return;
	}
	if (ret == OB_E_EXISTS) {
		wa_fail(c, 409, "A unit of that name is already there.");
		return;
	}
	if (ret != 0) {
		wa_fail(c, ret == OB_E_INVAL || ret == OB_E_LIMIT ? 422 : 503,
			err.msg);
		return;
	}
	if (strcmp(what, "delete") == 0)
		wa_redirect(c, "/units?done=unit-deleted");
	else
		wa_redirect(c, "/units?id=%lld&done=unit-%s", (long long)u.id,
			    strcmp(what, "add") == 0    ? "added"
			    : strcmp(what, "move") == 0 ? "moved"
							: "renamed");
}

/* ---- a person ------------------------------------------------------------ */

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
	struct tree t;

	if (tree_load(c, &t) != 0) {
		tree_free(&t);
		wa_fail(c, 503, "The directory is unavailable.");
		return;
	}
	wa_open(c, is_new ? "New person" : p->display, "units");
	wa_notice(c);
	if (!is_new) {
		struct tunit *u = tree_find(&t, p->unit_id);
		wa_raw(b, "<nav class=\"crumbs\"><a href=\"/units\">");
		wa_h(b, c->tenant.display);
		wa_raw(b, "</a>");
		if (u != NULL) {
			wa_rawf(b, " / <a href=\"/units?id=%lld\">",
				(long long)u->id);
			wa_h(b, u->path);
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
	unit_options(b, &t, p->unit_id, NULL, "(no unit)");
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
	tree_free(&t);
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

void wa_photo(struct wa_ctx *c)
{
	const char *uid = wa_arg(c, "uid");
	struct dstore_person p;
	struct ob_err err;

	if (uid == NULL || dstore_person_get(c->store, c->ses.tenant_id, uid,
					     true, &p, &err) != 0) {
		wa_fail(c, 404, "No such person.");
		return;
	}
	if (p.photo_len < 4) {
		dstore_person_deinit(&p);
		wa_fail(c, 404, "No photo.");
		return;
	}
	ob_strlcpy(c->rs->content_type,
		   p.photo[0] == 0x89 ? "image/png" : "image/jpeg",
		   sizeof(c->rs->content_type));
	(void)ob_buf_add(&c->rs->body, p.photo, p.photo_len);
	dstore_person_deinit(&p);
}

/* ---- search -------------------------------------------------------------- */

void wa_search_page(struct wa_ctx *c)
{
	const char *q = wa_arg(c, "q");
	struct ob_buf *b = &c->rs->body;
	struct plist l = {0};
	struct ob_err err;
	int ret = 0;

	if (q != NULL && *q != '\0')
		ret = dstore_person_search(c->store, c->ses.tenant_id, q,
					   SEARCH_MAX, plist_add, &l, &err);
	wa_open(c, "Search", "search");
	wa_raw(b, "<h1>Search people</h1><form class=\"search\" "
		  "method=\"get\" action=\"/search\" role=\"search\">"
		  "<input name=\"q\" type=\"search\" autofocus "
		  "aria-label=\"Name, pinyin, phone, email or title\" "
		  "placeholder=\"Name, pinyin (zs, zhangsan), phone, email, "
		  "title\" value=\"");
	wa_h(b, q);
	wa_raw(b, "\"><button type=\"submit\">Search</button></form>");
	if (ret < 0 && ret != OB_E_INVAL) {
		wa_raw(b, "<p class=\"error\">");
		wa_h(b, err.msg);
		wa_raw(b, "</p>");
	} else if (q != NULL && *q != '\0') {
		wa_rawf(b, "<p class=\"counts\">%zu found.</p>", l.n);
		people_table(b, &l, true);
	}
	wa_close(c);
	plist_free(&l);
}
