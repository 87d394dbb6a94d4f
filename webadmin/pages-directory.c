/* The directory pages: the org tree and units, the people of a view, a
 * person's photo, search and bulk actions (a person's own page is
 * pages-person.c). See web.h for the routes. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dircard/dircard.h"
#include "util/str.h"
#include "vcard/vcard.h"
#include "import/import.h"
#include "webadmin/web-internal.h"

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
	ret = dstore_unit_tree(c->store, c->ses.tenant_id, tree_add, t, &err);
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

/* ---- the directory view: a page of people -------------------------------- */

/* A view of the directory, from the query string: a unit's whole subtree
 * (or only the people directly in it), maybe narrowed by a search, in one
 * order, one page of it. Paging and counting happen in the store
 * (dstore_person_page): nothing here grows with the directory but the
 * unit tree. */
#define PER_PAGE_DEFAULT 50
#define BULK_MAX DSTORE_PAGE_MAX

static const int per_choices[] = {50, 100, 200};
static const char *const sort_names[] = {"name", "title", "unit"};
/* their labels in the sort bar (translated where shown) */
static const char *const sort_labels[] = {WA_N("name"), WA_N("title"),
					  WA_N("unit")};

struct view {
	int64_t unit; /* 0 = the enterprise */
	bool direct;
	char q[1024]; /* trimmed search text, "" = none */
	enum dstore_page_sort sort;
	bool desc;
	int64_t page; /* from 1 */
	int64_t per;
};

static void view_from_args(const struct wa_ctx *c, struct view *v)
{
	const char *s = wa_arg(c, "sort"), *q = wa_arg(c, "q");
	size_t n = q ? strlen(q) : 0;

	memset(v, 0, sizeof(*v));
	v->unit = wa_arg_int(c, "id", 0);
	v->direct = wa_arg_int(c, "direct", 0) == 1;
	q = q ? ob_str_trim(q, &n) : NULL;
	if (q != NULL && n > 0)
		ob_strlcpy(v->q, q,
			   n + 1 < sizeof(v->q) ? n + 1 : sizeof(v->q));
	for (size_t i = 0; s && i < sizeof(sort_names) / sizeof(*sort_names);
	     i++)
		if (strcmp(s, sort_names[i]) == 0)
			v->sort = (enum dstore_page_sort)i;
	v->desc = wa_arg_int(c, "desc", 0) == 1;
	v->page = wa_arg_int(c, "page", 1);
	if (v->page < 1)
		v->page = 1;
	v->per = PER_PAGE_DEFAULT;
	for (size_t i = 0; i < sizeof(per_choices) / sizeof(*per_choices); i++)
		if (wa_arg_int(c, "per", 0) == per_choices[i])
			v->per = per_choices[i];
}

/* The view's query string but the page (amp: "&amp;" in markup, "&" in a
 * Location); only percent-encoded values and literals. */
static void view_query(struct ob_buf *b, const struct view *v, const char *amp)
{
	wa_rawf(b, "id=%lld", (long long)v->unit);
	if (v->direct)
		wa_rawf(b, "%sdirect=1", amp);
	if (v->q[0] != '\0') {
		wa_rawf(b, "%sq=", amp);
		wa_u(b, v->q);
	}
	if (v->sort != DSTORE_SORT_NAME)
		wa_rawf(b, "%ssort=%s", amp, sort_names[v->sort]);
	if (v->desc)
		wa_rawf(b, "%sdesc=1", amp);
	if (v->per != PER_PAGE_DEFAULT)
		wa_rawf(b, "%sper=%lld", amp, (long long)v->per);
}

/* href="..." of the view at another page. */
static void view_href(struct ob_buf *b, const struct view *v, int64_t page)
{
	wa_raw(b, " href=\"/units?");
	view_query(b, v, "&amp;");
	if (page > 1)
		wa_rawf(b, "&amp;page=%lld", (long long)page);
	wa_raw(b, "\"");
}

/* text escaped into t (reset first), for a translated format. */
static const char *esc(struct ob_buf *t, const char *text)
{
	ob_buf_reset(t);
	wa_h(t, text);
	return t->data != NULL ? ob_buf_str(t) : "";
}

static const char *match_label(const struct dstore_page_match *m)
{
	const char *t = m->phone_type ? m->phone_type : "";

	switch (m->field) {
	case DSTORE_MATCH_NAME:
		return WA_N("name");
	case DSTORE_MATCH_PINYIN:
		return WA_N("pinyin");
	case DSTORE_MATCH_INITIALS:
		return WA_N("pinyin initials");
	case DSTORE_MATCH_PHONE:
		return strcmp(t, "cell") == 0   ? WA_N("mobile")
		       : strcmp(t, "home") == 0 ? WA_N("home phone")
		       : strcmp(t, "fax") == 0  ? WA_N("fax")
						: WA_N("work phone");
	case DSTORE_MATCH_EMAIL:
		return WA_N("e-mail");
	case DSTORE_MATCH_TITLE:
		return WA_N("title");
	case DSTORE_MATCH_NONE:
		break;
	}
	return "";
}

struct rows_ctx {
	struct wa_ctx *c; /* for the labels' language */
	struct ob_buf rows;
	bool search;
	size_t n;
};

/* One row of the people table (a card on a phone). */
static int row_html(const struct dstore_person *p,
		    const struct dstore_page_match *m, void *ctx)
{
	struct rows_ctx *x = ctx;
	struct ob_buf *b = &x->rows;
	struct wa_ctx *c = x->c;

	x->n++;
	wa_raw(b, "<tr><td class=\"pick\"><input type=\"checkbox\" "
		  "name=\"uid\" value=\"");
	wa_h(b, p->uid);
	wa_raw(b, "\" aria-label=\"");
	wa_raw(b, WA_T(c, "Select "));
	wa_h(b, p->display);
	wa_rawf(b,
		"\"></td><td class=\"name\" data-label=\"%s\"><a "
		"href=\"/person?uid=",
		WA_T(c, "Name"));
	wa_u(b, p->uid);
	wa_raw(b, "\">");
	wa_h(b, p->display);
	wa_raw(b, "</a>");
	if (p->hidden)
		wa_rawf(b, " <span class=\"tag\">%s</span>", WA_T(c, "hidden"));
	wa_rawf(b, "</td><td data-label=\"%s\">", WA_T(c, "Title"));
	wa_h(b, p->title);
	wa_rawf(b, "</td><td data-label=\"%s\">", WA_T(c, "Unit"));
	if (p->unit_id != 0) {
		wa_rawf(b, "<a href=\"/units?id=%lld\">",
			(long long)p->unit_id);
		wa_h(b, p->unit_path);
		wa_raw(b, "</a>");
	}
	wa_rawf(b, "</td><td data-label=\"%s\">", WA_T(c, "Phone"));
	if (p->n_phones > 0)
		wa_h(b, p->phones[0].number);
	wa_rawf(b, "</td><td data-label=\"%s\">", WA_T(c, "Email"));
	if (p->n_emails > 0)
		wa_h(b, p->emails[0]);
	wa_raw(b, "</td>");
	if (x->search) {
		wa_rawf(b, "<td class=\"match\" data-label=\"%s\">",
			WA_T(c, "Matched"));
		if (m->field != DSTORE_MATCH_NONE) {
			wa_rawf(b, "<span class=\"field\">%s</span> ",
				wa_tr(c->lang, match_label(m)));
			if (m->field != DSTORE_MATCH_NAME) {
				wa_raw(b, "<mark>");
				wa_h(b, m->value);
				wa_raw(b, "</mark>");
			}
		}
		wa_raw(b, "</td>");
	}
	wa_raw(b, "</tr>");
	return 0;
}

/* A column head that sorts by it (again: the other way round). */
static void sort_head(struct ob_buf *b, const struct view *v,
		      enum dstore_page_sort s, const char *label)
{
	struct view o = *v;

	o.sort = s;
	o.desc = v->sort == s && !v->desc;
	wa_raw(b, "<th");
	if (v->sort == s)
		wa_raw(b, v->desc ? " aria-sort=\"descending\""
				  : " aria-sort=\"ascending\"");
	wa_raw(b, "><a class=\"sort\"");
	view_href(b, &o, 1);
	wa_raw(b, ">");
	wa_raw(b, label);
	if (v->sort == s)
		wa_raw(b, v->desc ? " ▼" : " ▲");
	wa_raw(b, "</a></th>");
}

static void view_page_href(struct ob_buf *b, const void *v, int64_t n)
{
	view_href(b, v, n);
}

/* The page links (html.h) and a page number box. */
static void pager(struct wa_ctx *c, const struct view *v, int64_t pages)
{
	struct ob_buf *b = &c->rs->body;

	if (pages <= 1)
		return;
	wa_rawf(b, "<nav class=\"pager\" aria-label=\"%s\">", WA_T(c, "Pages"));
	wa_page_links_in(b, c->lang, v->page, pages, view_page_href, v);
	/* any page of a long view, without following links */
	wa_rawf(b,
		"<form class=\"goto\" method=\"get\" action=\"/units\">"
		"<input type=\"hidden\" name=\"id\" value=\"%lld\">",
		(long long)v->unit);
	if (v->direct)
		wa_raw(b,
		       "<input type=\"hidden\" name=\"direct\" value=\"1\">");
	if (v->q[0] != '\0') {
		wa_raw(b, "<input type=\"hidden\" name=\"q\" value=\"");
		wa_h(b, v->q);
		wa_raw(b, "\">");
	}
	if (v->sort != DSTORE_SORT_NAME)
		wa_rawf(b, "<input type=\"hidden\" name=\"sort\" value=\"%s\">",
			sort_names[v->sort]);
	if (v->desc)
		wa_raw(b, "<input type=\"hidden\" name=\"desc\" value=\"1\">");
	if (v->per != PER_PAGE_DEFAULT)
		wa_rawf(b,
			"<input type=\"hidden\" name=\"per\" value=\"%lld\">",
			(long long)v->per);
	wa_rawf(b,
		"<label>%s <input name=\"page\" type=\"number\" min=\"1\" "
		"max=\"%lld\" value=\"%lld\"></label> ",
		WA_T(c, "Page"), (long long)pages, (long long)v->page);
	wa_rawf(b, WA_T(c, "of %lld"), (long long)pages);
	wa_rawf(b, " <button type=\"submit\">%s</button></form></nav>",
		WA_T(c, "Go"));
}

static void export_links(struct wa_ctx *c, int64_t unit)
{
	struct ob_buf *b = &c->rs->body;

	static const char *const f[][2] = {{"vcf30", "vCard 3.0"},
					   {"vcf21", "vCard 2.1"},
					   {"vcf40", "vCard 4.0"},
					   {"csv", "CSV"}};
	wa_rawf(b, "<p class=\"export\">%s", WA_T(c, "Export: "));
	for (size_t i = 0; i < 4; i++)
		wa_rawf(b,
			"<a href=\"/export/file?format=%s&amp;unit=%lld\">"
			"%s</a> ",
			f[i][0], (long long)unit, f[i][1]);
	wa_raw(b, "</p>");
}

/* The notice after a bulk action (?done=bulk-...&n=N). */
static void bulk_notice(struct wa_ctx *c)
{
	static const char *const done[] = {"bulk-moved", "bulk-hidden",
					   "bulk-unhidden", "bulk-deleted"};
	const char *k = wa_arg(c, "done");
	int64_t n = wa_arg_int(c, "n", 0);
	char ns[48];

	for (size_t i = 0; k && i < sizeof(done) / sizeof(done[0]); i++)
		if (strcmp(k, done[i]) == 0) {
			bool one = n == 1;
			wa_raw(&c->rs->body,
			       "<p class=\"notice\" role=\"status\">");
			wa_rawf(&c->rs->body,
				i == 0   ? (one ? WA_T(c, "Moved %s person.")
						: WA_T(c, "Moved %s people."))
				: i == 1 ? (one ? WA_T(c, "Hid %s person.")
						: WA_T(c, "Hid %s people."))
				: i == 2
					? (one ? WA_T(c, "Unhid %s person.")
					       : WA_T(c, "Unhid %s people."))
					: (one ? WA_T(c, "Deleted %s person.")
					       : WA_T(c, "Deleted %s people.")),
				wa_num_str(n, ns));
			wa_raw(&c->rs->body, "</p>");
		}
}

/* The search box, the subtree / directly-here switch and the people:
 * "Showing 1–50 of 1,234", the table inside the bulk form, the pages. */
static void people_view(struct wa_ctx *c, struct tree *t,
			const struct tunit *sel, const struct view *v,
			int64_t all, struct rows_ctx *x, int64_t total, int ret,
			const struct ob_err *err)
{
	struct ob_buf *b = &c->rs->body;
	int64_t direct_n = sel ? sel->people : all;
	int64_t sub_n = sel ? sel->total : all;
	int64_t pages = (total + v->per - 1) / v->per;
	struct view o = *v;
	char n1[48], n2[48], n3[48];
	struct ob_buf qb;

	if (sel == NULL)
		for (size_t i = 0; i < t->n; i++)
			if (t->u[i].depth == 0)
				direct_n -= t->u[i].total;
	wa_rawf(b,
		"<h2 id=\"people\">%s</h2><form class=\"search\" "
		"method=\"get\" action=\"/units\" role=\"search\">",
		WA_T(c, "People"));
	wa_rawf(b, "<input type=\"hidden\" name=\"id\" value=\"%lld\">",
		(long long)v->unit);
	if (v->direct)
		wa_raw(b,
		       "<input type=\"hidden\" name=\"direct\" value=\"1\">");
	wa_rawf(b,
		"<input name=\"q\" type=\"search\" aria-label=\"%s\" "
		"placeholder=\"%s\" value=\"",
		WA_T(c, "Search by name, pinyin, phone, email or title"),
		WA_T(c, "Name, pinyin (zs, zhangsan), phone, email, title"));
	wa_h(b, v->q);
	wa_rawf(b, "\"><button type=\"submit\">%s</button>", WA_T(c, "Search"));
	if (v->q[0] != '\0') {
		o = *v;
		o.q[0] = '\0';
		wa_raw(b, "<a class=\"clear\"");
		view_href(b, &o, 1);
		wa_rawf(b, ">%s</a>", WA_T(c, "Clear"));
	}
	wa_rawf(b, "</form><p class=\"filter\">%s", WA_T(c, "Show: "));
	o = *v;
	o.direct = false;
	wa_raw(b, "<a");
	view_href(b, &o, 1);
	wa_raw(b, v->direct ? ">" : " aria-current=\"true\">");
	wa_raw(b, sel ? WA_T(c, "Whole subtree") : WA_T(c, "Everyone"));
	wa_raw(b, " <span class=\"count\">");
	wa_num(b, sub_n);
	wa_raw(b, "</span></a> · <a");
	o.direct = true;
	view_href(b, &o, 1);
	wa_raw(b, v->direct ? " aria-current=\"true\">" : ">");
	wa_raw(b, sel ? WA_T(c, "Directly here") : WA_T(c, "In no unit"));
	wa_raw(b, " <span class=\"count\">");
	wa_num(b, direct_n);
	wa_raw(b, "</span></a></p>");
	if (ret == OB_E_INVAL) {
		wa_raw(b, "<p class=\"error\" role=\"alert\">");
		wa_h_msg(c, err->msg);
		wa_raw(b, "</p>");
		return;
	}
	ob_buf_init(&qb, sizeof(v->q) * 6 + 16);
	wa_raw(b, "<p class=\"counts showing\" role=\"status\">");
	if (total == 0) {
		if (v->q[0])
			wa_rawf(b, WA_T(c, "No one matches “%s”."),
				esc(&qb, v->q));
		else
			wa_raw(b, WA_T(c, "No people here."));
		wa_raw(b, "</p>");
		ob_buf_deinit(&qb);
		return;
	}
	if (x->n == 0) {
		wa_rawf(b, WA_T(c, "Page %lld is past the end: %s people, "),
			(long long)v->page, wa_num_str(total, n1));
		wa_raw(b, "<a");
		view_href(b, v, pages);
		wa_raw(b, ">");
		wa_rawf(b, WA_T(c, "page %lld"), (long long)pages);
		wa_rawf(b, "</a>%s</p>", WA_T(c, " is the last."));
		ob_buf_deinit(&qb);
		return;
	}
	snprintf(n3, sizeof(n3), "<span class=\"total\">%s</span>",
		 wa_num_str(total, n1));
	wa_rawf(b, WA_T(c, "Showing %s–%s of %s"),
		wa_num_str((v->page - 1) * v->per + 1, n1),
		wa_num_str((v->page - 1) * v->per + (int64_t)x->n, n2), n3);
	if (v->q[0])
		wa_rawf(b,
			total == 1 ? WA_T(c, " match for “%s”")
				   : WA_T(c, " matches for “%s”"),
			esc(&qb, v->q));
	ob_buf_deinit(&qb);
	wa_rawf(b, "</p><p class=\"per\">%s", WA_T(c, "Per page:"));
	for (size_t i = 0; i < sizeof(per_choices) / sizeof(*per_choices);
	     i++) {
		o = *v;
		o.per = per_choices[i];
		if (o.per == v->per) {
			wa_rawf(b, " <span aria-current=\"true\">%d</span>",
				per_choices[i]);
			continue;
		}
		wa_raw(b, " <a");
		view_href(b, &o, 1);
		wa_rawf(b, ">%d</a>", per_choices[i]);
	}
	wa_raw(b, "</p>");
	/* on a phone the table is cards without its head: sort links here */
	wa_rawf(b, "<p class=\"sortbar\">%s", WA_T(c, "Sort:"));
	for (int s = 0; s < 3; s++) {
		o = *v;
		o.sort = (enum dstore_page_sort)s;
		o.desc = v->sort == o.sort && !v->desc;
		wa_raw(b, " <a");
		view_href(b, &o, 1);
		wa_rawf(b, ">%s%s</a>", wa_tr(c->lang, sort_labels[s]),
			v->sort == o.sort ? (v->desc ? " ▼" : " ▲") : "");
	}
	wa_raw(b, "</p>");
	pager(c, v, pages);
	/* the bulk form holds the table's checkboxes */
	wa_raw(b, "<form id=\"bulk\" class=\"bulk\" method=\"post\" "
		  "action=\"/people/bulk\">");
	wa_csrf_input(b, c->ses.csrf);
	wa_raw(b, "<input type=\"hidden\" name=\"back\" value=\"");
	view_query(b, v, "&amp;");
	wa_rawf(b, "&amp;page=%lld\">", (long long)v->page);
	wa_rawf(b,
		"<div class=\"bulkbar\"><label class=\"check\"><input "
		"type=\"checkbox\" class=\"pick-all\"> %s"
		"</label> <span class=\"picked\" aria-live=\"polite\">"
		"</span><span class=\"group\"><button type=\"submit\" "
		"name=\"action\" value=\"move\">%s</button> <select "
		"name=\"unit\" aria-label=\"%s\">",
		WA_T(c, "All on this page"), WA_T(c, "Move to"),
		WA_T(c, "Move the checked people to"));
	unit_options(b, t, v->unit, NULL, WA_T(c, "(no unit)"));
	wa_rawf(b,
		"</select></span><span class=\"group\"><button "
		"type=\"submit\" name=\"action\" value=\"hide\">%s</button> "
		"<button type=\"submit\" name=\"action\" value=\"unhide\">"
		"%s</button> <button type=\"submit\" name=\"action\" "
		"value=\"export\">%s</button> <button "
		"type=\"submit\" name=\"action\" value=\"delete\" "
		"class=\"danger\">%s</button></span></div>",
		WA_T(c, "Hide"), WA_T(c, "Unhide"), WA_T(c, "Export .vcf"),
		WA_T(c, "Delete…"));
	wa_rawf(b,
		"<div class=\"tablebox\"><table class=\"people\"><thead><tr>"
		"<th class=\"pick\"><span class=\"sr\">%s</span></th>",
		WA_T(c, "Select"));
	sort_head(b, v, DSTORE_SORT_NAME, WA_T(c, "Name"));
	sort_head(b, v, DSTORE_SORT_TITLE, WA_T(c, "Title"));
	sort_head(b, v, DSTORE_SORT_UNIT, WA_T(c, "Unit"));
	wa_rawf(b, "<th>%s</th><th>%s</th>", WA_T(c, "Phone"),
		WA_T(c, "Email"));
	if (x->search)
		wa_rawf(b, "<th>%s</th>", WA_T(c, "Matched"));
	wa_raw(b, "</tr></thead><tbody>");
	(void)ob_buf_add(b, x->rows.data, x->rows.len);
	wa_raw(b, "</tbody></table></div></form>");
	pager(c, v, pages);
}

void wa_units_page(struct wa_ctx *c)
{
	struct ob_buf *b = &c->rs->body;
	struct dstore_page_query pq = {0};
	struct rows_ctx x = {0};
	struct tunit *sel = NULL;
	struct ob_err err = {0};
	struct view v;
	struct tree t;
	int64_t id, total = 0, all = 0;
	char n1[48], n2[48];
	int ret;

	view_from_args(c, &v);
	id = v.unit;
	if (tree_load(c, &t) != 0) {
		tree_free(&t);
		wa_fail(c, 503, WA_T(c, "The directory is unavailable."));
		return;
	}
	if (id != 0 && (sel = tree_find(&t, id)) == NULL) {
		tree_free(&t);
		wa_fail(c, 404, WA_T(c, "No such unit."));
		return;
	}
	pq.unit_id = id;
	pq.direct = v.direct;
	pq.search = v.q;
	pq.sort = v.sort;
	pq.desc = v.desc;
	pq.limit = (size_t)v.per;
	pq.offset = (v.page - 1) * v.per;
	if (v.page > INT64_MAX / v.per)
		pq.offset = INT64_MAX - v.per;
	x.c = c;
	x.search = v.q[0] != '\0';
	ob_buf_init(&x.rows, WA_BODY_MAX);
	ret = dstore_person_page(c->store, c->ses.tenant_id, &pq, &total,
				 row_html, &x, &err);
	if (ret == 0 || ret == OB_E_INVAL)
		ret = dstore_person_count(c->store, c->ses.tenant_id, 0, true,
					  &all, &err) == 0
			      ? ret
			      : OB_E_FAIL;
	if (ret != 0 && ret != OB_E_INVAL) {
		ob_buf_deinit(&x.rows);
		tree_free(&t);
		wa_fail(c, 503, WA_T(c, "The directory is unavailable."));
		return;
	}
	wa_open(c, sel ? sel->name : WA_T(c, "Directory"), "units");
	wa_notice(c);
	bulk_notice(c);
	wa_raw(b, "<div class=\"split\"><aside class=\"treebox\">"
		  "<a href=\"/units\"");
	wa_raw(b, sel ? ">" : " aria-current=\"true\">");
	wa_h(b, c->tenant.display);
	wa_raw(b, "</a>");
	tree_html(b, &t, sel);
	wa_raw(b, "</aside><section class=\"unit\">");
	if (sel) {
		wa_rawf(b,
			"<nav class=\"crumbs\" aria-label=\"%s\">"
			"<a href=\"/units\">",
			WA_T(c, "Unit path"));
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
		wa_raw(b, "</h1><p class=\"counts\">");
		wa_rawf(b,
			WA_T(c, "%s in this unit and its sub-units, %s "
				"directly in it."),
			wa_num_str(sel->total, n1),
			wa_num_str(sel->people, n2));
		wa_raw(b, "</p>");
	} else {
		wa_raw(b, "<h1>");
		wa_h(b, c->tenant.display);
		wa_raw(b, "</h1><p class=\"counts\">");
		wa_rawf(b, WA_T(c, "%s people in %zu units."),
			wa_num_str(all, n1), t.n);
		wa_raw(b, "</p>");
	}
	/* actions */
	wa_rawf(b,
		"<p class=\"actions\"><a class=\"button\" "
		"href=\"/person/new?unit=%lld\">%s</a></p>",
		(long long)id, WA_T(c, "Add a person"));
	wa_rawf(b,
		"<details class=\"panel\"><summary>%s</summary>"
		"<form method=\"post\" action=\"/unit/add\">",
		WA_T(c, "Add a sub-unit"));
	wa_csrf_input(b, c->ses.csrf);
	wa_rawf(b,
		"<input type=\"hidden\" name=\"parent\" value=\"%lld\">"
		"<label>%s <input name=\"name\" required "
		"maxlength=\"255\"></label><button type=\"submit\">%s"
		"</button></form></details>",
		(long long)id, WA_T(c, "Unit name"), WA_T(c, "Add unit"));
	if (sel) {
		wa_rawf(b,
			"<details class=\"panel\"><summary>%s</summary>"
			"<form method=\"post\" action=\"/unit/rename\">",
			WA_T(c, "Rename"));
		wa_csrf_input(b, c->ses.csrf);
		wa_rawf(b,
			"<input type=\"hidden\" name=\"id\" value=\"%lld\">"
			"<label>%s <input name=\"name\" required "
			"maxlength=\"255\" value=\"",
			(long long)id, WA_T(c, "New name"));
		wa_h(b, sel->name);
		wa_rawf(b,
			"\"></label><button type=\"submit\">%s"
			"</button></form></details>"
			"<details class=\"panel\"><summary>%s</summary>"
			"<form method=\"post\" action=\"/unit/move\">",
			WA_T(c, "Rename"), WA_T(c, "Move"));
		wa_csrf_input(b, c->ses.csrf);
		wa_rawf(b,
			"<input type=\"hidden\" name=\"id\" value=\"%lld\">"
			"<label>%s <select name=\"parent\">",
			(long long)id, WA_T(c, "Under"));
		unit_options(b, &t, sel->parent, sel, WA_T(c, "(top level)"));
		wa_rawf(b,
			"</select></label><button type=\"submit\">%s"
			"</button></form></details>",
			WA_T(c, "Move"));
		wa_rawf(b,
			"<form class=\"inline\" method=\"post\" "
			"action=\"/unit/delete\" data-confirm=\"%s\">",
			WA_T(c, "Delete this unit?"));
		wa_csrf_input(b, c->ses.csrf);
		wa_rawf(b,
			"<input type=\"hidden\" name=\"id\" value=\"%lld\">"
			"<button type=\"submit\" class=\"danger\"%s>%s"
			"</button>",
			(long long)id, sel->total > 0 ? " disabled" : "",
			WA_T(c, "Delete unit"));
		if (sel->total > 0)
			wa_rawf(b, " <small>%s</small>",
				WA_T(c, "Only an empty unit can be deleted."));
		wa_raw(b, "</form>");
	}
	export_links(c, id);
	/* sub-units */
	bool any = false;
	for (size_t i = 0; i < t.n; i++) {
		if (t.u[i].parent != id)
			continue;
		if (!any)
			wa_rawf(b, "<h2>%s</h2><ul class=\"subunits\">",
				WA_T(c, "Sub-units"));
		any = true;
		wa_rawf(b, "<li><a href=\"/units?id=%lld\">",
			(long long)t.u[i].id);
		wa_h(b, t.u[i].name);
		wa_raw(b, "</a> <span class=\"count\">");
		wa_num(b, t.u[i].total);
		wa_raw(b, "</span></li>");
	}
	if (any)
		wa_raw(b, "</ul>");
	people_view(c, &t, sel, &v, all, &x, total, ret, &err);
	wa_raw(b, "</section></div>");
	wa_close(c);
	ob_buf_deinit(&x.rows);
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
		wa_fail(c, 400, WA_T(c, "A unit needs a name."));
		return;
	}
	if (strcmp(what, "add") != 0 && u.id == 0) {
		wa_fail(c, 400, WA_T(c, "No unit given."));
		return;
	}
	ret = wa_txn(c, unit_txn, &u, &err);
	if (ret == OB_E_NOTFOUND) {
		wa_fail(c, 404, WA_T(c, "No such unit."));
		return;
	}
	if (ret == OB_E_EXISTS && strcmp(what, "delete") == 0) {
		wa_fail(c, 409,
			WA_T(c, "Only an empty unit can be deleted: move or "
				"delete its people and sub-units first."));
		return;
	}
	if (ret == OB_E_EXISTS) {
		wa_fail(c, 409,
			WA_T(c, "A unit of that name is already there."));
		return;
	}
	if (ret != 0) {
		wa_fail_msg(c,
			    ret == OB_E_INVAL || ret == OB_E_LIMIT ? 422 : 503,
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

/* ---- a person's photo ------------------------------------------------- */

void wa_photo(struct wa_ctx *c)
{
	const char *uid = wa_arg(c, "uid");
	struct dstore_person p;
	struct ob_err err;
	int ret = uid == NULL ? OB_E_NOTFOUND
			      : dstore_person_get(c->store, c->ses.tenant_id,
						  uid, true, &p, &err);

	if (ret == OB_E_NOTFOUND) {
		wa_fail(c, 404, WA_T(c, "No such person."));
		return;
	}
	if (ret != 0) {
		wa_fail(c, 503, WA_T(c, "The directory is unavailable."));
		return;
	}
	if (p.photo_len < 4) {
		dstore_person_deinit(&p);
		wa_fail(c, 404, WA_T(c, "No photo."));
		return;
	}
	ob_strlcpy(c->rs->content_type,
		   p.photo[0] == 0x89 ? "image/png" : "image/jpeg",
		   sizeof(c->rs->content_type));
	(void)ob_buf_add(&c->rs->body, p.photo, p.photo_len);
	dstore_person_deinit(&p);
}

/* ---- search ------------------------------------------------------------ */

/* The search lives in the directory view: /search?q= is the view of the
 * whole enterprise with that search (old links and bookmarks). */
void wa_search_page(struct wa_ctx *c)
{
	wa_units_page(c);
}

/* ---- bulk actions on checked people --------------------------------------- */

struct bulk_op {
	int64_t tenant, unit;
	const char *action;
	const char **uids;
	size_t n;
};

/* The whole selection as one transaction: one revision, all or nothing. */
static int bulk_txn(struct dstore *s, void *ctx, struct ob_err *err)
{
	struct bulk_op *o = ctx;
	int ret = 0;

	for (size_t i = 0; i < o->n && ret == 0; i++) {
		if (strcmp(o->action, "move") == 0)
			ret = dstore_person_move(s, o->tenant, o->uids[i],
						 o->unit, err);
		else if (strcmp(o->action, "hide") == 0)
			ret = dstore_person_set_hidden(s, o->tenant, o->uids[i],
						       true, err);
		else if (strcmp(o->action, "unhide") == 0)
			ret = dstore_person_set_hidden(s, o->tenant, o->uids[i],
						       false, err);
		else
			ret = dstore_person_delete(s, o->tenant, o->uids[i],
						   err);
	}
	return ret;
}

/* The view to go back to: a query string this page made (view_query), so
 * only the characters of percent-encoded values, '=' and '&'. */
static const char *back_of(const struct wa_ctx *c)
{
	const char *b = wa_field(c, "back");

	if (b == NULL || *b == '\0' || strlen(b) > 400 ||
	    b[strspn(b, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789-_.~%&=")] != '\0')
		return "id=0";
	return b;
}

/* The share of the enterprise a bulk delete may take without a second
 * confirmation: the import's mass-delete guard (import/IMPORT.md). */
static bool over_guard(size_t n, int64_t existing)
{
	double share = existing > 50 ? 0.2 : 0.8;

	return (double)n > share * (double)existing;
}

/* "Delete these N people?" with their names; the form posts them again
 * with confirm=1 (and force=1 past the mass-delete guard). */
static void delete_confirm(struct wa_ctx *c, const char **uids, size_t n,
			   int64_t existing, bool guard)
{
	struct ob_buf *b = &c->rs->body;
	const char *back = back_of(c);
	struct ob_err err;
	char ns[48], es[48];

	wa_open(c, WA_T(c, "Delete people"), "units");
	if (guard)
		c->rs->status = 409;
	wa_raw(b, "<h1>");
	wa_rawf(b,
		n == 1 ? WA_T(c, "Delete %s person?")
		       : WA_T(c, "Delete %s people?"),
		wa_num_str((int64_t)n, ns));
	wa_rawf(b, "</h1><p>%s</p>",
		WA_T(c, "They leave the directory, and every device loses "
			"them at its next sync."));
	if (guard) {
		wa_raw(b, "<p class=\"error\" role=\"alert\">");
		wa_rawf(b,
			WA_T(c, "This would delete %s of %s people (more than "
				"%d%%): tick the confirmation to go ahead."),
			wa_num_str((int64_t)n, ns), wa_num_str(existing, es),
			existing > 50 ? 20 : 80);
		wa_raw(b, "</p>");
	}
	wa_raw(b, "<ul class=\"confirm-list\">");
	for (size_t i = 0; i < n; i++) {
		struct dstore_person p;
		wa_raw(b, "<li>");
		if (dstore_person_get(c->store, c->ses.tenant_id, uids[i],
				      false, &p, &err) == 0) {
			wa_h(b, p.display);
			if (p.unit_path && *p.unit_path) {
				wa_raw(b, " <span class=\"count\">");
				wa_h(b, p.unit_path);
				wa_raw(b, "</span>");
			}
			dstore_person_deinit(&p);
		} else {
			wa_h(b, uids[i]);
			wa_rawf(b, " <span class=\"tag\">%s</span>",
				WA_T(c, "gone"));
		}
		wa_raw(b, "</li>");
	}
	wa_raw(b, "</ul><form method=\"post\" action=\"/people/bulk\">");
	wa_csrf_input(b, c->ses.csrf);
	wa_raw(b, "<input type=\"hidden\" name=\"confirm\" value=\"1\">"
		  "<input type=\"hidden\" name=\"back\" value=\"");
	wa_h(b, back);
	wa_raw(b, "\">");
	for (size_t i = 0; i < n; i++) {
		wa_raw(b, "<input type=\"hidden\" name=\"uid\" value=\"");
		wa_h(b, uids[i]);
		wa_raw(b, "\">");
	}
	if (guard) {
		wa_raw(b, "<label class=\"check\"><input type=\"checkbox\" "
			  "name=\"force\" value=\"1\" required> ");
		wa_rawf(b, WA_T(c, "Yes, delete %s people"),
			wa_num_str((int64_t)n, ns));
		wa_raw(b, "</label>");
	}
	wa_raw(b, "<p class=\"actions\"><button type=\"submit\" "
		  "name=\"action\" value=\"delete\" class=\"danger\">");
	wa_rawf(b,
		n == 1 ? WA_T(c, "Delete %s person")
		       : WA_T(c, "Delete %s people"),
		wa_num_str((int64_t)n, ns));
	wa_raw(b, "</button> <a href=\"/units?");
	wa_h(b, back);
	wa_rawf(b, "\">%s</a></p></form>", WA_T(c, "Cancel"));
	wa_close(c);
}

/* The checked people as one .vcf (vCard 3.0 with photos), hidden ones
 * too: the administrator chose them. */
static void export_selection(struct wa_ctx *c, const char **uids, size_t n)
{
	struct dcard_render_opts opt = {.version = VCARD_V30, .photo = true};
	struct ob_buf *b = &c->rs->body;
	struct dcard_buf buf = {NULL, 0};
	struct ob_err err;
	size_t len = 0;
	int ret = 0;

	ob_buf_reset(b);
	for (size_t i = 0; i < n && ret == 0; i++) {
		struct dstore_person p;

		ret = dstore_person_get(c->store, c->ses.tenant_id, uids[i],
					true, &p, &err);
		if (ret != 0)
			break;
		ret = dcard_render_person(&p, c->tenant.display, &opt, &buf,
					  &len, &err);
		if (ret == 0 && ob_buf_add(b, buf.data, len) != 0)
			ret = OB_E_LIMIT;
		dstore_person_deinit(&p);
	}
	free(buf.data);
	if (ret == OB_E_NOTFOUND) {
		wa_fail(c, 404,
			WA_T(c, "One of the checked people is gone; reload the "
				"page and check again."));
		return;
	}
	if (ret == OB_E_LIMIT) {
		wa_fail(c, 413,
			WA_T(c, "The selection is too large to export at "
				"once; check fewer people."));
		return;
	}
	if (ret != 0) {
		wa_fail(c, 503, WA_T(c, "The directory is unavailable."));
		return;
	}
	ob_strlcpy(c->rs->content_type, "text/vcard; charset=utf-8",
		   sizeof(c->rs->content_type));
	ob_strlcpy(c->rs->disposition,
		   "attachment; filename=\"orgbook-selection.vcf\"",
		   sizeof(c->rs->disposition));
	snprintf(c->rs->log, sizeof(c->rs->log),
		 "admin exported %zu people tenant=%lld", n,
		 (long long)c->ses.tenant_id);
}

void wa_people_bulk(struct wa_ctx *c)
{
	static const char *const done[][2] = {{"move", "bulk-moved"},
					      {"hide", "bulk-hidden"},
					      {"unhide", "bulk-unhidden"},
					      {"delete", "bulk-deleted"},
					      {"export", ""}};
	const char *action = wa_field(c, "action"), *key = NULL;
	struct bulk_op o = {.tenant = c->ses.tenant_id};
	const char *uids[BULK_MAX];
	struct ob_err err = {0};
	size_t n = 0;
	int ret;

	for (size_t i = 0; action && i < sizeof(done) / sizeof(done[0]); i++)
		if (strcmp(action, done[i][0]) == 0)
			key = done[i][1];
	if (key == NULL) {
		wa_fail(c, 400,
			WA_T(c, "Choose what to do with the checked people."));
		return;
	}
	for (size_t i = 0;; i++) {
		const char *u = wa_form_get_nth(&c->form, "uid", i);
		bool dup = false;
		if (u == NULL)
			break;
		for (size_t k = 0; k < n && !dup; k++)
			dup = strcmp(uids[k], u) == 0;
		if (dup || *u == '\0')
			continue;
		if (n == BULK_MAX) {
			wa_fail(c, 413, WA_T(c, "At most 500 people at once."));
			return;
		}
		uids[n++] = u;
	}
	if (n == 0) {
		wa_fail(c, 422, WA_T(c, "Check at least one person first."));
		return;
	}
	if (strcmp(action, "export") == 0) {
		export_selection(c, uids, n);
		return;
	}
	o.action = action;
	o.uids = uids;
	o.n = n;
	o.unit = wa_field_int(c, "unit", 0);
	if (strcmp(action, "move") == 0 && o.unit != 0) {
		struct dstore_unit u;
		if (dstore_unit_get(c->store, c->ses.tenant_id, o.unit, &u,
				    &err) != 0) {
			wa_fail(c, 404, WA_T(c, "No such unit."));
			return;
		}
		dstore_unit_deinit(&u);
	}
	if (strcmp(action, "delete") == 0) {
		int64_t existing = 0;
		bool guard;
		if (dstore_person_count(c->store, c->ses.tenant_id, 0, true,
					&existing, &err) != 0) {
			wa_fail(c, 503,
				WA_T(c, "The directory is unavailable."));
			return;
		}
		guard = over_guard(n, existing);
		if (wa_field(c, "confirm") == NULL ||
		    (guard && wa_field(c, "force") == NULL)) {
			delete_confirm(c, uids, n, existing, guard);
			return;
		}
	}
	ret = wa_txn(c, bulk_txn, &o, &err);
	if (ret == OB_E_NOTFOUND) {
		wa_fail(c, 404,
			WA_T(c, "One of the checked people is gone; nothing "
				"was changed. Reload the page and check "
				"again."));
		return;
	}
	if (ret != 0) {
		wa_fail_msg(c,
			    ret == OB_E_INVAL || ret == OB_E_LIMIT ? 422 : 503,
			    err.msg);
		return;
	}
	snprintf(c->rs->log, sizeof(c->rs->log),
		 "admin bulk %s of %zu people tenant=%lld", action, n,
		 (long long)c->ses.tenant_id);
	wa_redirect(c, "/units?%s&done=%s&n=%zu#people", back_of(c), key, n);
}
