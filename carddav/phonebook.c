/* Desk-phone remote XML phonebooks (see phonebook.h).
 *
 * The people come from dstore_person_page (visible people only, the
 * store's name order, paging and search in SQL): a paging vendor reads
 * the one page it shows, the others read the view DSTORE_PAGE_MAX people
 * at a time. Each vendor is a table row of element names plus one
 * function that writes a person; nothing is kept between requests. */
#include "config.h"
#include "carddav/phonebook.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

static const char *const vendor_names[DAV_PB_VENDOR_COUNT] = {
	[DAV_PB_YEALINK] = "yealink",
	[DAV_PB_YEALINK_MENU] = "yealink-menu",
	[DAV_PB_CISCO] = "cisco",
	[DAV_PB_SNOM] = "snom",
	[DAV_PB_GRANDSTREAM] = "grandstream",
	[DAV_PB_FANVIL] = "fanvil",
};

int dav_pb_vendor_of(const char *name, enum dav_pb_vendor *v_r)
{
	for (int i = 0; i < DAV_PB_VENDOR_COUNT; i++)
		if (name != NULL && strcmp(name, vendor_names[i]) == 0) {
			*v_r = (enum dav_pb_vendor)i;
			return 0;
		}
	return OB_E_NOTFOUND;
}

const char *dav_pb_vendor_name(enum dav_pb_vendor v)
{
	return (unsigned)v < DAV_PB_VENDOR_COUNT ? vendor_names[v] : "?";
}

size_t dav_pb_page_size(enum dav_pb_vendor v)
{
	return v == DAV_PB_CISCO  ? DAV_PB_CISCO_PAGE
	       : v == DAV_PB_SNOM ? DAV_PB_SNOM_PAGE
				  : 0;
}

/* ---- text --------------------------------------------------------------- */

/* The length of the valid UTF-8 sequence at s[0..len) that XML 1.0 allows
 * (into *cp), or 0. */
static size_t utf8_char(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c;
	size_t n;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2;
		c = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3;
		c = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)))
		return 0; /* overlong or past Unicode */
	if ((c >= 0xD800 && c <= 0xDFFF) || c == 0xFFFE || c == 0xFFFF)
		return 0; /* not allowed in XML 1.0 */
	*cp = c;
	return n;
}

int dav_pb_xml_text(struct ob_buf *out, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0;
	int ret = 0;

	while (i < len && ret == 0) {
		uint32_t cp = 0;
		size_t n = utf8_char(u + i, len - i, &cp);
		const char *rep = NULL;

		if (n == 0)
			rep = "\xEF\xBF\xBD";
		else if (cp < 0x20 || cp == 0x7F)
			rep = " ";
		else if (cp == '&')
			rep = "&amp;";
		else if (cp == '<')
			rep = "&lt;";
		else if (cp == '>')
			rep = "&gt;";
		else if (cp == '"')
			rep = "&quot;";
		else if (cp == '\'')
			rep = "&apos;";
		if (rep == NULL) {
			i += n;
			run += n;
			continue;
		}
		if (run > 0)
			ret = ob_buf_add(out, s + i - run, run);
		run = 0;
		if (ret == 0)
			ret = ob_buf_add_str(out, rep);
		i += n == 0 ? 1 : n;
	}
	if (ret == 0 && run > 0)
		ret = ob_buf_add(out, s + i - run, run);
	return ret;
}

static int xml_str(struct ob_buf *out, const char *s)
{
	return s == NULL ? 0 : dav_pb_xml_text(out, s, strlen(s));
}

/* <tag>text</tag> */
static int element(struct ob_buf *out, const char *indent, const char *tag,
		   const char *text)
{
	int ret = ob_buf_addf(out, "%s<%s>", indent, tag);
	if (ret == 0)
		ret = xml_str(out, text);
	if (ret == 0)
		ret = ob_buf_addf(out, "</%s>\n", tag);
	return ret;
}

/* ---- numbers and names ---------------------------------------------- */

/* Does the extension start at s (after the main number)? */
static bool extension_at(const char *s)
{
	if (*s == '#' || *s == ';' || *s == ',')
		return true;
	if ((*s == 'x' || *s == 'X'))
		return true;
	return (s[0] == 'e' || s[0] == 'E') && (s[1] == 'x' || s[1] == 'X') &&
	       (s[2] == 't' || s[2] == 'T');
}

bool dav_pb_dial_number(const char *number, char *buf, size_t size)
{
	size_t n = 0, digits = 0;

	if (size == 0)
		return false;
	buf[0] = '\0';
	for (const char *s = number; s != NULL && *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9') {
			if (n + 1 >= size)
				break;
			buf[n++] = *s;
			digits++;
		} else if (*s == '+' && n == 0) {
			if (n + 1 >= size)
				break;
			buf[n++] = '+';
		} else if (digits > 0 && extension_at(s)) {
			break;
		}
		/* else a separator ( ) - . / space, or text around it */
	}
	buf[digits > 0 ? n : 0] = '\0';
	return digits > 0;
}

bool dav_pb_extension(const char *number, char *buf, size_t size)
{
	size_t n = 0, digits = 0;
	const char *s = number;

	if (size == 0)
		return false;
	buf[0] = '\0';
	for (; s != NULL && *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (digits > 0 && extension_at(s))
			break;
	}
	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s >= '0' && *s <= '9' && n + 1 < size)
			buf[n++] = *s;
	buf[n] = '\0';
	return n > 0;
}

int dav_pb_ext_of(const char *name, enum dav_pb_ext *e_r)
{
	static const char *const names[] = {"first", "main", "only"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (name != NULL && strcmp(name, names[i]) == 0) {
			*e_r = (enum dav_pb_ext)i;
			return 0;
		}
	return OB_E_INVAL;
}

/* Is the first character of s Han, kana or hangul (a name written
 * family first without a space)? */
static bool cjk_start(const char *s)
{
	uint32_t cp = 0;

	if (s == NULL || *s == '\0' ||
	    utf8_char((const unsigned char *)s, strlen(s), &cp) == 0)
		return false;
	return (cp >= 0x2E80 && cp <= 0x9FFF) ||
	       (cp >= 0xAC00 && cp <= 0xD7AF) ||
	       (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000);
}

static bool empty(const char *s)
{
	return s == NULL || *s == '\0';
}

/* The name the phone shows: see phonebook.h. */
static const char *shown_name(const struct dstore_person *p, char *buf,
			      size_t size)
{
	const char *f = p->family, *g = p->given;

	if (empty(f) && empty(g))
		return p->display != NULL ? p->display : "";
	if (empty(f) || empty(g))
		return empty(f) ? g : f;
	if (cjk_start(f) || cjk_start(g))
		snprintf(buf, size, "%s%s", f, g);
	else
		snprintf(buf, size, "%s %s", g, f);
	return buf;
}

/* The dialable numbers of a person in the order a phone should offer
 * them: work numbers (for one with an extension, the extension in its
 * place unless the policy is "main"), mobile, then the main numbers of
 * the extensions (policy "first": the switchboard, least direct), home. */
#define MAX_NUMS (DSTORE_MULTI_MAX * 2)
struct nums {
	size_t n;
	/* "ext", "work", "cell", "main" (of an extension), "home" */
	const char *type[MAX_NUMS];
	char num[MAX_NUMS][64];
};

static void numbers_of(const struct dstore_person *p, enum dav_pb_ext ext,
		       struct nums *ns)
{
	static const char *const pass[] = {"work", "cell", "main", "home"};
	char e[64];

	ns->n = 0;
	for (size_t t = 0; t < sizeof(pass) / sizeof(pass[0]); t++)
		for (size_t i = 0; i < p->n_phones && ns->n < MAX_NUMS; i++) {
			const char *number = p->phones[i].number;
			const char *type = p->phones[i].type;
			bool work = type != NULL && strcmp(type, "work") == 0;
			bool has_ext = work && ext != DAV_PB_EXT_MAIN &&
				       dav_pb_extension(number, e, sizeof(e));
			if (type == NULL)
				continue;
			if (t == 0 && has_ext) {
				ob_strlcpy(ns->num[ns->n], e,
					   sizeof(ns->num[0]));
				ns->type[ns->n++] = "ext";
				continue;
			}
			if (t == 2 && has_ext && ext == DAV_PB_EXT_FIRST &&
			    dav_pb_dial_number(number, ns->num[ns->n],
					       sizeof(ns->num[0]))) {
				ns->type[ns->n++] = "main";
				continue;
			}
			if (t == 2 || has_ext || strcmp(type, pass[t]) != 0)
				continue;
			if (dav_pb_dial_number(number, ns->num[ns->n],
					       sizeof(ns->num[0])))
				ns->type[ns->n++] = pass[t];
		}
}

/* ---- the document ------------------------------------------------------ */

struct render {
	enum dav_pb_vendor v;
	const struct dav_pb_opts *o;
	struct ob_buf *out;
	size_t count;
	bool menu_open;     /* yealink-menu: a Menu is open */
	char *menu_path;    /* and this is its name */
	size_t view_prefix; /* bytes of the view's unit path and '/' */
	/* a whole view read in id order, sorted here (see walk_all) */
	bool collect;
	struct item *items;
	size_t n_items, alloc_items;
};

static const char *type_label(const char *type)
{
	return strcmp(type, "ext") == 0    ? "Ext"
	       : strcmp(type, "work") == 0 ? "Work"
	       : strcmp(type, "main") == 0 ? "Work"
	       : strcmp(type, "cell") == 0 ? "Mobile"
					   : "Home";
}

static int entry_simple(struct render *r, const struct dstore_person *p,
			const char *name, const struct nums *ns)
{
	struct ob_buf *out = r->out;
	int ret = 0;

	if (r->v == DAV_PB_CISCO) {
		/* one Telephone per entry: the first number */
		ret = ob_buf_add_str(out, "<DirectoryEntry>\n");
		if (ret == 0)
			ret = element(out, " ", "Name", name);
		if (ret == 0)
			ret = element(out, " ", "Telephone", ns->num[0]);
		if (ret == 0)
			ret = ob_buf_add_str(out, "</DirectoryEntry>\n");
		return ret;
	}
	if (r->v == DAV_PB_SNOM) {
		for (size_t i = 0; i < ns->n && ret == 0; i++) {
			char label[DSTORE_NAME_MAX * 2 + 32];
			/* the second work number is "(Work 2)" */
			size_t same = 1;
			for (size_t j = 0; j < i; j++)
				same += strcmp(type_label(ns->type[j]),
					       type_label(ns->type[i])) == 0;
			if (ns->n > 1 && same > 1)
				snprintf(label, sizeof(label), "%s (%s %zu)",
					 name, type_label(ns->type[i]), same);
			else if (ns->n > 1)
				snprintf(label, sizeof(label), "%s (%s)", name,
					 type_label(ns->type[i]));
			else
				snprintf(label, sizeof(label), "%s", name);
			ret = ob_buf_add_str(out, "<DirectoryEntry>\n");
			if (ret == 0)
				ret = element(out, " ", "Name", label);
			if (ret == 0)
				ret = element(out, " ", "Telephone",
					      ns->num[i]);
			if (ret == 0)
				ret = ob_buf_add_str(out,
						     "</DirectoryEntry>\n");
		}
		return ret;
	}
	if (r->v == DAV_PB_YEALINK) {
		ret = ob_buf_add_str(out, "<DirectoryEntry>\n");
		if (ret == 0)
			ret = element(out, " ", "Name", name);
		for (size_t i = 0; i < ns->n && i < 3 && ret == 0; i++)
			ret = element(out, " ", "Telephone", ns->num[i]);
		if (ret == 0)
			ret = ob_buf_add_str(out, "</DirectoryEntry>\n");
		return ret;
	}
	/* Fanvil: one element per number, named by its type */
	ret = ob_buf_add_str(out, "<DirectoryEntry>\n");
	if (ret == 0)
		ret = element(out, " ", "Name", name);
	for (size_t i = 0; i < ns->n && ret == 0; i++)
		ret = element(out, " ",
			      strcmp(ns->type[i], "ext") == 0 ||
					      strcmp(ns->type[i], "work") == 0
				      ? "Telephone"
			      : strcmp(ns->type[i], "cell") == 0 ? "Mobile"
								 : "Other",
			      ns->num[i]);
	if (ret == 0)
		ret = ob_buf_add_str(out, "</DirectoryEntry>\n");
	(void)p;
	return ret;
}

static int entry_grandstream(struct render *r, const struct dstore_person *p,
			     const char *name, const struct nums *ns)
{
	struct ob_buf *out = r->out;
	/* the phone shows "FirstName LastName": a Chinese name whole in
	 * FirstName keeps its family-first order */
	bool parts = (!empty(p->family) || !empty(p->given)) &&
		     !cjk_start(p->family) && !cjk_start(p->given);
	int ret = ob_buf_add_str(out, "<Contact>\n");

	if (ret == 0)
		ret = element(out, " ", "LastName", parts ? p->family : "");
	if (ret == 0)
		ret = element(out, " ", "FirstName", parts ? p->given : name);
	for (size_t i = 0; i < ns->n && ret == 0; i++) {
		const char *t = strcmp(ns->type[i], "cell") == 0   ? "Cell"
				: strcmp(ns->type[i], "home") == 0 ? "Home"
								   : "Work";
		ret = ob_buf_addf(out, " <Phone type=\"%s\">\n", t);
		if (ret == 0)
			ret = element(out, "  ", "phonenumber", ns->num[i]);
		if (ret == 0)
			ret = ob_buf_add_str(out,
					     "  <accountindex>1"
					     "</accountindex>\n </Phone>\n");
	}
	if (ret == 0 && p->unit_id != 0)
		ret = ob_buf_addf(out,
				  " <Groups>\n  <groupid>%" PRId64
				  "</groupid>\n </Groups>\n",
				  p->unit_id);
	if (ret == 0)
		ret = ob_buf_add_str(out, "</Contact>\n");
	return ret;
}

/* The unit path of p below the view's unit (the whole path for the whole
 * directory). */
static const char *menu_name(const struct render *r,
			     const struct dstore_person *p)
{
	const char *path = p->unit_path != NULL ? p->unit_path : "";

	if (*path == '\0')
		return r->o->title != NULL && *r->o->title ? r->o->title : "-";
	if (r->view_prefix > 0 && strlen(path) >= r->view_prefix)
		return path + r->view_prefix;
	if (r->view_prefix > 0 && strrchr(path, '/') != NULL)
		return strrchr(path, '/') + 1; /* the view's own unit */
	return path;
}

/* Open the Menu named m unless it is the open one. */
static int open_menu(struct render *r, const char *m)
{
	struct ob_buf *out = r->out;
	int ret = 0;

	if (!r->menu_open || strcmp(r->menu_path, m) != 0) {
		if (r->menu_open)
			ret = ob_buf_add_str(out, "</Menu>\n");
		free(r->menu_path);
		r->menu_path = ob_strndup(m, strlen(m));
		if (r->menu_path == NULL)
			return OB_E_NOMEM;
		r->menu_open = true;
		if (ret == 0)
			ret = ob_buf_add_str(out, "<Menu Name=\"");
		if (ret == 0)
			ret = xml_str(out, m);
		if (ret == 0)
			ret = ob_buf_add_str(out, "\">\n");
	}
	return ret;
}

static int entry_yealink_menu(struct render *r, const struct dstore_person *p,
			      const char *name, const struct nums *ns)
{
	struct ob_buf *out = r->out;
	int ret = r->collect ? 0 : open_menu(r, menu_name(r, p));

	if (ret == 0)
		ret = ob_buf_add_str(out, " <Unit Name=\"");
	if (ret == 0)
		ret = xml_str(out, name);
	for (size_t i = 0; i < 3 && ret == 0; i++)
		ret = ob_buf_addf(out, "\" Phone%zu=\"%s", i + 1,
				  i < ns->n ? ns->num[i] : "");
	if (ret == 0)
		ret = ob_buf_add_str(out, "\"/>\n");
	return ret;
}

/* One rendered entry of a whole view and what it sorts by: the keys of
 * dstore_person_page (DSTORE_SORT_NAME: the reading of the family name,
 * then of the given name, ASCII case ignored, then the id; by unit path
 * first for DSTORE_SORT_UNIT), so that a whole document lists people in
 * the order its pages would. */
struct item {
	char *unit; /* the unit path ("" for none); yealink-menu only */
	char *menu; /* its Menu name */
	char *k1, *k2;
	int64_t id;
	size_t off, len; /* of the entry in the body */
};

static char *dup_or_empty(const char *s)
{
	return ob_strndup(s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

static int add_item(struct render *r, const struct dstore_person *p)
{
	struct item *it;

	if (r->n_items == r->alloc_items) {
		size_t n = r->alloc_items ? r->alloc_items * 2 : 256;
		it = realloc(r->items, n * sizeof(*it));
		if (it == NULL)
			return OB_E_NOMEM;
		r->items = it;
		r->alloc_items = n;
	}
	it = &r->items[r->n_items];
	memset(it, 0, sizeof(*it));
	it->id = p->id;
	it->k1 = dup_or_empty(!empty(p->phonetic_family) ? p->phonetic_family
			      : p->family != NULL        ? p->family
							 : p->display);
	it->k2 = dup_or_empty(!empty(p->phonetic_given) ? p->phonetic_given
							: p->given);
	if (r->v == DAV_PB_YEALINK_MENU) {
		it->unit = dup_or_empty(p->unit_path);
		it->menu = dup_or_empty(menu_name(r, p));
	}
	r->n_items++;
	if (it->k1 == NULL || it->k2 == NULL ||
	    (r->v == DAV_PB_YEALINK_MENU &&
	     (it->unit == NULL || it->menu == NULL)))
		return OB_E_NOMEM;
	return 0;
}

static void free_items(struct render *r)
{
	for (size_t i = 0; i < r->n_items; i++) {
		free(r->items[i].unit);
		free(r->items[i].menu);
		free(r->items[i].k1);
		free(r->items[i].k2);
	}
	free(r->items);
	r->items = NULL;
	r->n_items = r->alloc_items = 0;
}

/* SQLite's NOCASE: ASCII letters folded, other bytes as they are. */
static int nocase_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x | 0x20);
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y | 0x20);
		if (x != y || x == 0)
			return (int)x - (int)y;
	}
}

static int item_cmp(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	int c = 0;

	if (a->unit != NULL && b->unit != NULL)
		c = strcmp(a->unit, b->unit);
	if (c == 0)
		c = nocase_cmp(a->k1, b->k1);
	if (c == 0)
		c = nocase_cmp(a->k2, b->k2);
	if (c == 0)
		c = a->id < b->id ? -1 : a->id > b->id;
	return c;
}

static int on_person(const struct dstore_person *p,
		     const struct dstore_page_match *m, void *ctx)
{
	struct render *r = ctx;
	char buf[DSTORE_NAME_MAX * 2 + 2];
	struct nums ns;
	int ret;

	(void)m;
	numbers_of(p, r->o->ext, &ns);
	if (ns.n == 0)
		return 0;
	const char *name = shown_name(p, buf, sizeof(buf));
	size_t off = r->out->len;
	if (r->collect && (ret = add_item(r, p)) != 0)
		return ret;
	switch (r->v) {
	case DAV_PB_GRANDSTREAM:
		ret = entry_grandstream(r, p, name, &ns);
		break;
	case DAV_PB_YEALINK_MENU:
		ret = entry_yealink_menu(r, p, name, &ns);
		break;
	default:
		ret = entry_simple(r, p, name, &ns);
		break;
	}
	if (ret == 0 && r->collect) {
		r->items[r->n_items - 1].off = off;
		r->items[r->n_items - 1].len = r->out->len - off;
	}
	if (ret == 0)
		r->count++;
	return ret;
}

static int on_listed(const struct dstore_person *p, void *ctx)
{
	return on_person(p, NULL, ctx);
}

/* Prev/Next links of a paging vendor (none past the ends). */
static int soft_key(struct render *r, const char *label, int position,
		    const char *fixed_url, int64_t page)
{
	struct ob_buf *out = r->out;
	const char *q = r->o->link_query;
	int ret;

	if (r->v == DAV_PB_CISCO) {
		ret = ob_buf_add_str(out, "<SoftKeyItem>\n");
		if (ret == 0)
			ret = element(out, " ", "Name", label);
	} else {
		ret = ob_buf_add_str(out, "<SoftKeyItem>\n");
		if (ret == 0)
			ret = ob_buf_addf(out, " <Name>F%d</Name>\n", position);
		if (ret == 0)
			ret = element(out, " ", "Label", label);
	}
	if (ret == 0)
		ret = ob_buf_add_str(out, " <URL>");
	if (ret == 0)
		ret = xml_str(out, fixed_url ? fixed_url : r->o->base_url);
	if (ret == 0 && fixed_url == NULL) {
		char tail[64];
		snprintf(tail, sizeof(tail), "%spage=%" PRId64,
			 empty(q) ? "?" : "&", page);
		if (!empty(q)) {
			ret = ob_buf_add_char(out, '?');
			if (ret == 0)
				ret = xml_str(out, q);
		}
		if (ret == 0)
			ret = xml_str(out, tail);
	}
	if (ret == 0)
		ret = ob_buf_add_str(out, "</URL>\n");
	if (ret == 0 && r->v == DAV_PB_CISCO)
		ret = ob_buf_addf(out, " <Position>%d</Position>\n", position);
	if (ret == 0)
		ret = ob_buf_add_str(out, "</SoftKeyItem>\n");
	return ret;
}

struct units_ctx {
	struct ob_buf *out;
	const char *prefix; /* the view's path and '/', or NULL: all */
	int64_t view_unit;
};

static int on_unit(const struct dstore_unit *u, void *ctx)
{
	struct units_ctx *c = ctx;
	int ret;

	if (c->prefix != NULL && u->id != c->view_unit &&
	    strncmp(u->path, c->prefix, strlen(c->prefix)) != 0)
		return 0;
	ret = ob_buf_addf(c->out, "<pbgroup>\n <id>%" PRId64 "</id>\n", u->id);
	if (ret == 0)
		ret = element(c->out, " ", "name", u->path);
	if (ret == 0)
		ret = ob_buf_add_str(c->out, "</pbgroup>\n");
	return ret;
}

static const char *const roots[DAV_PB_VENDOR_COUNT] = {
	[DAV_PB_YEALINK] = "YealinkIPPhoneDirectory",
	[DAV_PB_YEALINK_MENU] = "YealinkIPPhoneBook",
	[DAV_PB_CISCO] = "CiscoIPPhoneDirectory",
	[DAV_PB_SNOM] = "SnomIPPhoneDirectory",
	[DAV_PB_GRANDSTREAM] = "AddressBook",
	[DAV_PB_FANVIL] = "FanvilIPPhoneDirectory",
};

/* Every person of the view, DSTORE_PAGE_MAX at a time. */
static int walk(struct dstore *store, struct render *r,
		struct dstore_page_query *q, int64_t *total_r,
		struct ob_err *err)
{
	int ret;

	q->limit = DSTORE_PAGE_MAX;
	q->offset = 0;
	do {
		ret = dstore_person_page(store, r->o->tenant_id, q, total_r,
					 on_person, r, err);
		q->offset += DSTORE_PAGE_MAX;
	} while (ret == 0 && q->offset < *total_r);
	return ret;
}

/* The whole view without a search: read in id order (dstore_person_iter,
 * one pass over the view in batches, no sort in SQL), each entry rendered
 * into a side buffer with its sort keys, then sorted here and copied out
 * in order: one sort instead of one per DSTORE_PAGE_MAX people. Memory:
 * the document twice. */
static int walk_all(struct dstore *store, struct render *r, int64_t *total_r,
		    struct ob_err *err)
{
	struct dstore_iter_opts io = {.unit_id = r->o->unit_id};
	struct ob_buf body, *out = r->out;
	int64_t total = 0;
	int ret;

	ob_buf_init(&body, out->cap);
	r->out = &body;
	r->collect = true;
	ret = dstore_person_count(store, r->o->tenant_id, r->o->unit_id, false,
				  &total, err);
	if (ret == 0)
		ret = dstore_person_iter(store, r->o->tenant_id, &io, on_listed,
					 r, err);
	r->out = out;
	r->collect = false;
	if (ret == 0 && r->n_items > 1)
		qsort(r->items, r->n_items, sizeof(r->items[0]), item_cmp);
	for (size_t i = 0; i < r->n_items && ret == 0; i++) {
		if (r->v == DAV_PB_YEALINK_MENU)
			ret = open_menu(r, r->items[i].menu);
		if (ret == 0)
			ret = ob_buf_add(out, body.data + r->items[i].off,
					 r->items[i].len);
	}
	*total_r = total;
	free_items(r);
	ob_buf_deinit(&body);
	return ret;
}

int dav_pb_render(struct dstore *store, enum dav_pb_vendor v,
		  const struct dav_pb_opts *o, struct ob_buf *out,
		  size_t *count_r, int64_t *total_r, struct ob_err *err)
{
	struct render r = {.v = v, .o = o, .out = out};
	struct dstore_page_query q = {0};
	struct dstore_unit u = {0};
	char prefix[DSTORE_NAME_MAX * 8];
	size_t per_page = dav_pb_page_size(v);
	const char *root;
	int64_t total = 0, pages = 0;
	bool have_unit = false;
	int ret = 0;

	if (count_r != NULL)
		*count_r = 0;
	if (total_r != NULL)
		*total_r = 0;
	OB_ASSERT((unsigned)v < DAV_PB_VENDOR_COUNT);
	root = roots[v];
	if (per_page > 0 && o->page < 1)
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, "page",
				     "page: 1 or more");
	if (o->search != NULL && strlen(o->search) >= DAV_PB_QUERY_MAX)
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, "q",
				     "search text: at most %d bytes",
				     DAV_PB_QUERY_MAX - 1);
	if (o->base_url != NULL && strlen(o->base_url) >= DAV_PB_BASE_MAX)
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, "base",
				     "base URL: at most %d bytes",
				     DAV_PB_BASE_MAX - 1);
	prefix[0] = '\0';
	if (o->unit_id != 0) {
		ret = dstore_unit_get(store, o->tenant_id, o->unit_id, &u, err);
		if (ret != 0)
			return ret;
		have_unit = true;
		snprintf(prefix, sizeof(prefix), "%s/", u.path);
		r.view_prefix = strlen(prefix);
	}
	q.unit_id = o->unit_id;
	q.search = o->search;
	q.visible_only = true;
	q.sort = v == DAV_PB_YEALINK_MENU ? DSTORE_SORT_UNIT : DSTORE_SORT_NAME;

	ret = ob_buf_addf(out,
			  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			  "<%s>\n",
			  root);
	if (ret == 0 && v != DAV_PB_GRANDSTREAM && v != DAV_PB_FANVIL)
		ret = element(out, "", "Title", o->title);
	if (ret != 0)
		goto out;
	if (v == DAV_PB_GRANDSTREAM) {
		struct units_ctx uc = {
			.out = out,
			.prefix = have_unit ? prefix : NULL,
			.view_unit = o->unit_id,
		};
		ret = ob_buf_add_str(out, "<version>1</version>\n");
		if (ret == 0)
			ret = dstore_unit_list(store, o->tenant_id, on_unit,
					       &uc, err);
		if (ret != 0)
			goto out;
	}
	if (per_page == 0) {
		ret = empty(o->search) ? walk_all(store, &r, &total, err)
				       : walk(store, &r, &q, &total, err);
		if (ret == 0 && r.menu_open)
			ret = ob_buf_add_str(out, "</Menu>\n");
		if (ret != 0)
			goto out;
	} else {
		struct ob_buf body;
		char prompt[96];

		/* the entries go after the Prompt, which needs the total */
		ob_buf_init(&body, out->cap);
		r.out = &body;
		q.limit = per_page;
		if (o->page > INT64_MAX / (int64_t)per_page) {
			q.offset = INT64_MAX / 2;
		} else {
			q.offset = (o->page - 1) * (int64_t)per_page;
		}
		ret = dstore_person_page(store, o->tenant_id, &q, &total,
					 on_person, &r, err);
		r.out = out;
		pages = (total + (int64_t)per_page - 1) / (int64_t)per_page;
		snprintf(prompt, sizeof(prompt), "%" PRId64 "/%" PRId64,
			 o->page > pages ? pages : o->page, pages);
		if (ret == 0)
			ret = element(out, "", "Prompt", prompt);
		if (ret == 0)
			ret = ob_buf_add(out, body.data ? body.data : "",
					 body.len);
		ob_buf_deinit(&body);
		if (ret == 0 && v == DAV_PB_CISCO)
			ret = soft_key(&r, "Dial", 1, "SoftKey:Dial", 0);
		if (ret == 0 && o->page > 1 && o->page <= pages)
			ret = soft_key(&r, "Prev", 2, NULL, o->page - 1);
		if (ret == 0 && v == DAV_PB_CISCO)
			ret = soft_key(&r, "Exit", 3, "SoftKey:Exit", 0);
		if (ret == 0 && o->page < pages)
			ret = soft_key(&r, "Next", 4, NULL, o->page + 1);
		if (ret != 0)
			goto out;
	}
	ret = ob_buf_addf(out, "</%s>\n", root);
out:
	if (ret == OB_E_LIMIT || ret == OB_E_NOMEM)
		ob_err_set(err, ret, "the phonebook outgrew %zu bytes",
			   out->cap);
	free(r.menu_path);
	free_items(&r);
	if (have_unit)
		dstore_unit_deinit(&u);
	if (count_r != NULL)
		*count_r = r.count;
	if (total_r != NULL)
		*total_r = total;
	return ret;
}

/* ---- the route ---------------------------------------------------------- */

/* s URL-encoded as a query value (RFC 3986 unreserved kept). */
static int url_enc(struct ob_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int ret = 0;

	for (const unsigned char *u = (const unsigned char *)s;
	     *u != '\0' && ret == 0; u++) {
		if ((*u >= 'A' && *u <= 'Z') || (*u >= 'a' && *u <= 'z') ||
		    (*u >= '0' && *u <= '9') || strchr("-._~", *u) != NULL)
			ret = ob_buf_add_char(out, (char)*u);
		else
			ret = ob_buf_addf(out, "%%%c%c", hex[*u >> 4],
					  hex[*u & 15]);
	}
	return ret;
}

/* A Host header we may write into a link: a name or address and a port. */
static bool host_ok(const char *h)
{
	size_t n = h != NULL ? strlen(h) : 0;

	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') ||
		      (h[i] >= 'A' && h[i] <= 'Z') ||
		      (h[i] >= '0' && h[i] <= '9') ||
		      strchr(".-:[]", h[i]) != NULL))
			return false;
	return true;
}

/* page: 1 to 999999999 in plain decimal, nothing else. */
static bool page_of(const char *s, int64_t *page_r)
{
	int64_t v = 0;
	size_t n = 0;

	*page_r = 1;
	if (s == NULL)
		return true;
	for (; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 9)
			return false;
		v = v * 10 + (s[n] - '0');
	}
	if (n == 0 || v < 1)
		return false;
	*page_r = v;
	return true;
}

static int status_text(struct ob_buf *out, int status, const char *msg)
{
	ob_buf_reset(out);
	ob_buf_add_str(out, msg);
	ob_buf_add_char(out, '\n');
	return status;
}

int dav_pb_serve(struct dstore *store, int64_t tenant_id,
		 const struct dav_pb_request *rq, struct ob_buf *out,
		 bool *xml_r)
{
	const char *path = rq->path, *unit = rq->unit, *q = rq->q;
	const char *host = rq->host;
	enum dav_pb_ext ext = rq->ext_default;
	static const char pfx[] = "/phonebook/";
	char vname[32], title[DSTORE_NAME_MAX * 2 + 8];
	struct dstore_tenant t;
	struct ob_buf base, link;
	struct ob_err err;
	enum dav_pb_vendor v;
	int64_t unit_id = 0, pg = 1;
	size_t n;
	int ret, status = 200;

	*xml_r = false;
	if (strncmp(path, pfx, sizeof(pfx) - 1) != 0)
		return status_text(out, 404, "not found");
	path += sizeof(pfx) - 1;
	n = strlen(path);
	if (strcmp(path, "grandstream/phonebook.xml") == 0)
		ob_strlcpy(vname, "grandstream", sizeof(vname));
	else if (n > 4 && n - 4 < sizeof(vname) &&
		 strcmp(path + n - 4, ".xml") == 0) {
		memcpy(vname, path, n - 4);
		vname[n - 4] = '\0';
	} else {
		return status_text(out, 404, "no such phonebook");
	}
	if (dav_pb_vendor_of(vname, &v) != 0)
		return status_text(out, 404,
				   "no such phonebook: yealink, yealink-menu, "
				   "cisco, snom, grandstream or fanvil");
	if (!page_of(rq->page, &pg))
		return status_text(out, 400, "page: 1 to 999999999");
	if (rq->ext != NULL && dav_pb_ext_of(rq->ext, &ext) != 0)
		return status_text(out, 400, "ext: first, main or only");
	if (q != NULL && strcmp(q, "#SEARCH") == 0)
		q = NULL; /* the phone's placeholder, not replaced */
	if (q != NULL && strlen(q) >= DAV_PB_QUERY_MAX)
		return status_text(out, 400, "q: at most 127 bytes");
	if (dav_pb_page_size(v) > 0 && !host_ok(host))
		return status_text(out, 400, "a bad or missing Host header");
	if (dstore_tenant_get(store, tenant_id, &t, &err) != 0)
		return status_text(out, 503, "database unavailable");
	if (unit != NULL && *unit != '\0') {
		ret = dstore_unit_ensure_path(store, tenant_id, unit, false,
					      &unit_id, &err);
		if (ret == OB_E_NOTFOUND || ret == OB_E_INVAL)
			return status_text(out, 404, "no such unit");
		if (ret != 0)
			return status_text(out, 503, "database unavailable");
		snprintf(title, sizeof(title), "%s %s", t.display, unit);
	} else {
		snprintf(title, sizeof(title), "%s", t.display);
	}
	ob_buf_init(&base, DAV_PB_BASE_MAX * 2);
	ob_buf_init(&link, DAV_PB_BASE_MAX * 2);
	ob_buf_addf(&base, "%s://%s/phonebook/%s.xml",
		    rq->scheme != NULL && strcmp(rq->scheme, "https") == 0
			    ? "https"
			    : "http",
		    host_ok(host) ? host : "localhost", vname);
	if (unit_id != 0) {
		ob_buf_add_str(&link, "unit=");
		url_enc(&link, unit);
	}
	if (q != NULL && *q != '\0') {
		ob_buf_add_str(&link, link.len ? "&q=" : "q=");
		url_enc(&link, q);
	}
	if (rq->ext != NULL) {
		ob_buf_add_str(&link, link.len ? "&ext=" : "ext=");
		url_enc(&link, rq->ext);
	}
	struct dav_pb_opts o = {
		.tenant_id = tenant_id,
		.unit_id = unit_id,
		.title = title,
		.search = q,
		.page = pg,
		.base_url = ob_buf_str(&base),
		.link_query = ob_buf_str(&link),
		.ext = ext,
	};
	ret = dav_pb_render(store, v, &o, out, NULL, NULL, &err);
	if (ret == 0)
		*xml_r = true;
	else if (ret == OB_E_INVAL)
		status = status_text(out, 400, err.msg);
	else if (ret == OB_E_NOTFOUND)
		status = status_text(out, 404, "no such unit");
	else if (ret == OB_E_LIMIT || ret == OB_E_NOMEM)
		status = status_text(out, 500, "the phonebook is too large");
	else
		status = status_text(out, 503, "database unavailable");
	ob_buf_deinit(&base);
	ob_buf_deinit(&link);
	return status;
}
