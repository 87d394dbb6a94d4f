/* Pages of people for the administrators' directory view: a unit's whole
 * subtree (or only the people directly in it), or the matches of a search
 * inside it, sorted by name, title or unit, counted and paged in SQL.
 *
 * A page is the count of the view (an index count) and the ids of the
 * page (the view's WHERE, the chosen ORDER BY ending in the person id,
 * LIMIT/OFFSET); a page past the middle is asked for in the reverse order
 * from the end, so that SQLite's sorter keeps at most half the view. A
 * search counts its matches in the same scan (count(*) OVER ()). Only the
 * page's rows are then read, by id. Nothing here holds the directory in
 * memory.
 *
 * The search rules are dstore_person_search's (person.c), in one C
 * function (ds_page_match) registered on the connection on first use; it
 * also says which field matched, so the view can show the phone number or
 * e-mail address that was found. No index and no schema change: measured
 * in bench/bench-directory.c. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dirstore/internal.h"
#include "pinyin/pinyin.h"
#include "util/buf.h"
#include "util/str.h"

/* The reading people sort by: pinyin where there is one, else the name
 * parts, family first ("zhang", "wei"; "Müller", "Anna"); the display name
 * when there are no parts. Two plain keys compared without ASCII case,
 * so that sorting 100,000 people costs little more than reading them. */
/* A text compared without ASCII case in ORDER BY: SQLite's NOCASE
 * collation, PostgreSQL's lower() (in a C database it folds ASCII letters
 * only, as NOCASE does): what goes before and after the expression. */
static const char *const nocase_of[DB_DIALECT_COUNT][2] = {
	[DB_DIALECT_SQLITE] = {"", " COLLATE NOCASE"},
	[DB_DIALECT_PGSQL] = {"lower(", ")"},
};

static void add_nocase(struct ob_buf *b, enum db_dialect dl, const char *expr,
		       const char *dir)
{
	ob_buf_add_str(b, nocase_of[dl][0]);
	ob_buf_add_str(b, expr);
	ob_buf_add_str(b, nocase_of[dl][1]);
	ob_buf_add_str(b, dir);
}

/* The name key above, each part in direction dir ("" or " DESC"). */
static void add_name_key(struct ob_buf *b, enum db_dialect dl, const char *dir)
{
	add_nocase(b, dl,
		   "coalesce(nullif(p.phonetic_family, ''), p.family, "
		   "p.display)",
		   dir);
	ob_buf_add_str(b, ", ");
	add_nocase(b, dl, "coalesce(nullif(p.phonetic_given, ''), p.given, '')",
		   dir);
}

/* Every person of the view matching the search text: ds_page_match (the
 * rules of dstore_person_search in one C function, so that a scan of
 * 100,000 people stays cheap) with ?2 the text, ?3 its letters (pinyin)
 * or '', ?4 its digits (phone) or ''. */
#define SEARCH_WHERE                                                           \
	" AND ds_page_match(?2, ?3, ?4, p.display, p.family, p.given, "        \
	"p.title, p.emails, p.phonetic_family, p.phonetic_given, p.phones) "   \
	"> 0"

#define ROW_COLS                                                               \
	"p.id, p.uid, coalesce(p.unit_id, 0), p.family, p.given, p.display, "  \
	"p.phonetic_family, p.phonetic_given, p.title, p.phones, p.emails, "   \
	"p.hidden, p.mtime, p.rev, coalesce(u.path, '')"

/* What a search text is looked for as (see dstore_person_search). */
struct needle {
	const char *text;              /* as typed */
	char letters[DSTORE_NAME_MAX]; /* lowercased, when letters only */
	char digits[64];               /* when it looks like a number */
};

static int needle_init(struct needle *n, const char *q, struct ob_err *err)
{
	size_t nl = 0, nd = 0, qlen = strlen(q);
	bool only_letters = qlen > 0, phone_like = qlen > 0;

	memset(n, 0, sizeof(*n));
	n->text = q;
	if (qlen >= DSTORE_NAME_MAX)
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, "q",
				     "search text: 1 to %d bytes",
				     DSTORE_NAME_MAX - 1);
	for (size_t i = 0; i < qlen; i++) {
		char c = q[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			n->letters[nl++] = (char)(c | 0x20);
		else if (c != ' ')
			only_letters = false;
		if (c >= '0' && c <= '9' && nd + 1 < sizeof(n->digits))
			n->digits[nd++] = c;
		else if (!strchr(" +-()./", c))
			phone_like = false;
	}
	n->letters[only_letters ? nl : 0] = '\0';
	n->digits[phone_like && nd >= 3 ? nd : 0] = '\0';
	return 0;
}

/* Does hay hold needle, ASCII letters in any case (SQLite's LIKE)? */
static bool ci_has(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (hay == NULL)
		return false;
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] &&
		       ((hay[i] |
			 (hay[i] >= 'A' && hay[i] <= 'Z' ? 0x20 : 0)) ==
			(needle[i] |
			 (needle[i] >= 'A' && needle[i] <= 'Z' ? 0x20 : 0))))
			i++;
		if (i == n)
			return true;
	}
	return n == 0;
}

static bool has_joined(const char *a, const char *sep, const char *b,
		       const char *needle)
{
	char buf[3 * DSTORE_NAME_MAX];

	snprintf(buf, sizeof(buf), "%s%s%s", a ? a : "", sep, b ? b : "");
	return ci_has(buf, needle);
}

/* The fields a search looks at, as stored: emails one a line, phones
 * "type<TAB>number" lines. */
struct fields {
	const char *display, *family, *given, *title, *emails;
	const char *pf, *pg, *phones;
};

/* The first field the search matches (enum dstore_match order), 0 for
 * none. For a phone, *line_r gets the start of its line in phones; for
 * pinyin initials, ini gets them. */
static int match_code(const char *q, const char *letters, const char *digits,
		      const struct fields *f, const char **line_r, char *ini,
		      size_t ini_size)
{
	size_t ln = strlen(letters);

	if (ci_has(f->display, q) || has_joined(f->family, "", f->given, q) ||
	    has_joined(f->given, " ", f->family, q))
		return DSTORE_MATCH_NAME;
	if (ln > 0) {
		const char *parts[2] = {f->pf, f->pg};
		size_t k = 0;
		bool prefix = true;
		for (int i = 0; i < 2 && prefix && k < ln; i++)
			for (const char *c = parts[i]; c && *c && k < ln; c++) {
				char l = (char)(*c >= 'A' && *c <= 'Z'
							? *c | 0x20
							: *c);
				if (l == ' ')
					continue;
				if (l != letters[k++]) {
					prefix = false;
					break;
				}
			}
		if (prefix && k == ln)
			return DSTORE_MATCH_PINYIN;
		if (f->display != NULL &&
		    pinyin_text(f->display, strlen(f->display), true, NULL, 0,
				ini, ini_size) != -1 &&
		    strncmp(ini, letters, ln) == 0)
			return DSTORE_MATCH_INITIALS;
	}
	if (digits[0] != '\0' && f->phones != NULL) {
		const char *line = f->phones;
		while (*line != '\0') {
			char d[128];
			size_t k = 0;
			const char *c = line;
			for (; *c && *c != '\n'; c++)
				if (*c >= '0' && *c <= '9' && k + 1 < sizeof(d))
					d[k++] = *c;
			d[k] = '\0';
			if (strstr(d, digits) != NULL) {
				*line_r = line;
				return DSTORE_MATCH_PHONE;
			}
			line = *c ? c + 1 : c;
		}
	}
	if (ci_has(f->emails, q))
		return DSTORE_MATCH_EMAIL;
	if (ci_has(f->title, q))
		return DSTORE_MATCH_TITLE;
	return DSTORE_MATCH_NONE;
}

/* ds_page_match(q, letters, digits, display, family, given, title,
 * emails, phonetic_family, phonetic_given, phones) (db.h): match_code. */
int ds_fn_page_match(const char *const a[11])
{
	const char *line = NULL;
	char ini[128];

	if (a[0] == NULL || a[1] == NULL || a[2] == NULL)
		return 0;
	struct fields f = {a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10]};
	return match_code(a[0], a[1], a[2], &f, &line, ini, sizeof(ini));
}

/* What a page's person matched, for the view (lent from p or scratch). */
static void match_of(const struct needle *n, const struct dstore_person *p,
		     const char *phones, const char *emails,
		     struct dstore_page_match *m, char *scratch, size_t size)
{
	struct fields f = {p->display,        p->family, p->given,
			   p->title,          emails,    p->phonetic_family,
			   p->phonetic_given, phones};
	const char *line = NULL;
	int code;

	memset(m, 0, sizeof(*m));
	code = match_code(n->text, n->letters, n->digits, &f, &line, scratch,
			  size);
	m->field = (enum dstore_match)code;
	switch (m->field) {
	case DSTORE_MATCH_NAME:
		m->value = p->display;
		break;
	case DSTORE_MATCH_PINYIN:
		snprintf(scratch, size, "%s%s%s",
			 p->phonetic_family ? p->phonetic_family : "",
			 p->phonetic_family && p->phonetic_given ? " " : "",
			 p->phonetic_given ? p->phonetic_given : "");
		m->value = scratch;
		break;
	case DSTORE_MATCH_INITIALS:
		m->value = scratch;
		break;
	case DSTORE_MATCH_PHONE:
		/* the phone of that line: lines and p->phones go in step */
		for (size_t i = 0; i < p->n_phones; i++) {
			const char *c = phones;
			for (size_t k = 0; k < i && c; k++) {
				c = strchr(c, '\n');
				c = c ? c + 1 : NULL;
			}
			if (c == line) {
				m->value = p->phones[i].number;
				m->phone_type = p->phones[i].type;
			}
		}
		if (m->value == NULL)
			m->field = DSTORE_MATCH_NONE;
		break;
	case DSTORE_MATCH_EMAIL:
		for (size_t i = 0; i < p->n_emails && !m->value; i++)
			if (ci_has(p->emails[i], n->text))
				m->value = p->emails[i];
		if (m->value == NULL)
			m->value = emails;
		break;
	case DSTORE_MATCH_TITLE:
		m->value = p->title;
		break;
	case DSTORE_MATCH_NONE:
		break;
	}
}

/* The SQL of a page's ids (with the search's count of matches: one scan)
 * or of the view's count, in the query's order or (rev) the reverse. */
static void build_sql(struct ob_buf *b, enum db_dialect dl,
		      const struct dstore_page_query *q, bool scoped,
		      bool search, bool count, bool rev)
{
	const char *d = q->desc != rev ? " DESC" : "";

	if (count)
		ob_buf_add_str(b, "SELECT count(*) FROM person p");
	else if (search)
		ob_buf_add_str(b,
			       "SELECT p.id, count(*) OVER () FROM person p");
	else
		ob_buf_add_str(b, "SELECT p.id FROM person p");
	if (!count && q->sort == DSTORE_SORT_UNIT)
		ob_buf_add_str(b, " LEFT JOIN unit u ON u.id = p.unit_id");
	/* the whole enterprise is read in table order ("+": not through an
	 * index and a lookup per person); a unit through its people */
	if (q->direct)
		ob_buf_add_str(b,
			       " WHERE p.tenant_id = ?1 AND "
			       "p.unit_id IS NOT DISTINCT FROM nullif(?6, 0)");
	else if (scoped)
		ob_buf_add_str(b,
			       " WHERE p.tenant_id = ?1 AND p.unit_id IN "
			       "(SELECT id FROM unit WHERE tenant_id = ?1 "
			       "AND idpath >= ?5 AND idpath < ?5 || '\177')");
	else
		ob_buf_add_str(b, count ? " WHERE p.tenant_id = ?1"
					: " WHERE +p.tenant_id = ?1");
	if (q->visible_only)
		ob_buf_add_str(b, " AND p.hidden = 0");
	if (search)
		ob_buf_add_str(b, SEARCH_WHERE);
	if (count)
		return;
	ob_buf_add_str(b, " ORDER BY ");
	if (q->sort == DSTORE_SORT_TITLE) {
		ob_buf_addf(b, "p.title IS NULL%s, ", d);
		add_nocase(b, dl, "p.title", d);
		ob_buf_add_str(b, ", ");
	} else if (q->sort == DSTORE_SORT_UNIT)
		ob_buf_addf(b, "coalesce(u.path, '')%s, ", d);
	add_name_key(b, dl, d);
	ob_buf_addf(b, ", p.id%s LIMIT ?7 OFFSET ?8", d);
}

static int prepare(struct dstore *s, int64_t tenant_id,
		   const struct dstore_page_query *q, const char *idpath,
		   const struct needle *n, bool count, bool rev,
		   struct db_stmt **st_r, struct ob_err *err)
{
	struct ob_buf sql;
	int rc;

	*st_r = NULL;
	ob_buf_init(&sql, 1u << 16);
	build_sql(&sql, db_dialect(s->db), q, idpath != NULL, n != NULL, count,
		  rev);
	if (sql.data == NULL) {
		ob_buf_deinit(&sql);
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	}
	rc = db_prepare(s->db, ob_buf_str(&sql), 0, st_r);
	ob_buf_deinit(&sql);
	if (rc != 0)
		return ds_sql_err(s, rc, "page of people", err);
	db_bind_int64(*st_r, 1, tenant_id);
	if (n != NULL) {
		db_bind_text(*st_r, 2, n->text);
		db_bind_text(*st_r, 3, n->letters);
		db_bind_text(*st_r, 4, n->digits);
	}
	if (idpath != NULL && !q->direct)
		db_bind_text(*st_r, 5, idpath);
	if (q->direct)
		db_bind_int64(*st_r, 6, q->unit_id);
	return 0;
}

/* phones ("type<TAB>number" lines) or emails (one a line) of a column. */
static int split_lines(const char *text, bool phones, struct dstore_person *p)
{
	const char *t = text;

	while (t != NULL && *t != '\0') {
		const char *nl = strchr(t, '\n'), *tab;
		if (nl == NULL)
			break;
		if (phones) {
			struct dstore_phone *np;
			tab = memchr(t, '\t', (size_t)(nl - t));
			if (tab == NULL)
				break;
			np = realloc(p->phones,
				     (p->n_phones + 1) * sizeof(*np));
			if (np == NULL)
				return OB_E_NOMEM;
			p->phones = np;
			np[p->n_phones].type = ob_strndup(t, (size_t)(tab - t));
			np[p->n_phones].number =
				ob_strndup(tab + 1, (size_t)(nl - tab - 1));
			p->n_phones++;
			if (np[p->n_phones - 1].type == NULL ||
			    np[p->n_phones - 1].number == NULL)
				return OB_E_NOMEM;
		} else {
			char **ne = realloc(p->emails,
					    (p->n_emails + 1) * sizeof(*ne));
			if (ne == NULL)
				return OB_E_NOMEM;
			p->emails = ne;
			ne[p->n_emails] = ob_strndup(t, (size_t)(nl - t));
			if (ne[p->n_emails++] == NULL)
				return OB_E_NOMEM;
		}
		t = nl + 1;
	}
	return 0;
}

/* One person of the page by id into *p (the caller deinits it), and the
 * phones and emails columns as stored (the caller frees them). */
static int read_row(struct dstore *s, int64_t tenant_id, int64_t id,
		    struct dstore_person *p, char **phones_r, char **emails_r,
		    struct ob_err *err)
{
	static const char sql[] =
		"SELECT " ROW_COLS " FROM person p LEFT JOIN unit u ON "
		"u.id = p.unit_id WHERE p.id = ?1 AND p.tenant_id = ?2";
	char **strs[] = {&p->uid,     &p->family,          &p->given,
			 &p->display, &p->phonetic_family, &p->phonetic_given,
			 &p->title};
	struct db_stmt *st = ds_stmt(s, sql, err);
	bool oom = false;
	int rc;

	memset(p, 0, sizeof(*p));
	*phones_r = *emails_r = NULL;
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, tenant_id);
	rc = db_step(st);
	if (rc != DB_ROW) {
		db_reset(st);
		return rc == DB_DONE
			       ? ob_err_set(err, OB_E_NOTFOUND,
					    "no person %lld", (long long)id)
			       : ds_sql_err(s, rc, "page of people", err);
	}
	p->id = db_column_int64(st, 0);
	p->unit_id = db_column_int64(st, 2);
	for (int i = 0; i < 7; i++)
		*strs[i] = ds_col_dup(st, i == 0 ? 1 : i + 2, &oom);
	*phones_r = ds_col_dup(st, 9, &oom);
	*emails_r = ds_col_dup(st, 10, &oom);
	if (!oom && (split_lines(*phones_r, true, p) != 0 ||
		     split_lines(*emails_r, false, p) != 0))
		oom = true;
	p->hidden = db_column_int(st, 11) != 0;
	p->mtime = db_column_int64(st, 12);
	p->rev = db_column_int64(st, 13);
	p->unit_path = ds_col_dup(st, 14, &oom);
	db_reset(st);
	if (oom) {
		dstore_person_deinit(p);
		free(*phones_r);
		free(*emails_r);
		*phones_r = *emails_r = NULL;
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	}
	return 0;
}

/* The view's count into *total_r. */
static int count_view(struct dstore *s, int64_t tenant_id,
		      const struct dstore_page_query *q, const char *idpath,
		      const struct needle *n, int64_t *total_r,
		      struct ob_err *err)
{
	struct db_stmt *st;
	int rc, ret = prepare(s, tenant_id, q, idpath, n, true, false, &st,
			      err);

	if (ret != 0)
		return ret;
	rc = db_step(st);
	if (rc == DB_ROW)
		*total_r = db_column_int64(st, 0);
	else
		ret = ds_sql_err(s, rc, "count a page's view", err);
	db_finalize(st);
	return ret;
}

/* Sorted by unit without a search: the view's units in path order with
 * their people counts (an index count grouped by unit), and only the
 * units the page falls in read, each sorted by name; the view is never
 * sorted as a whole. */
static int unit_block_ids(struct dstore *s, int64_t tenant_id,
			  const struct dstore_page_query *q, const char *idpath,
			  int64_t *ids, size_t *nids_r, int64_t *total_r,
			  struct ob_err *err)
{
	const char *d = q->desc ? " DESC" : "";
	int64_t skip = q->offset, limit = (int64_t)q->limit;
	struct db_stmt *blocks = NULL, *st = NULL;
	struct ob_buf sql;
	int rc, ret = 0;

	*nids_r = 0;
	ob_buf_init(&sql, 1u << 16);
	ob_buf_add_str(&sql, "SELECT p.unit_id, count(*) FROM person p LEFT "
			     "JOIN unit u ON u.id = p.unit_id WHERE "
			     "p.tenant_id = ?1");
	if (idpath != NULL)
		ob_buf_add_str(&sql,
			       " AND p.unit_id IN (SELECT id FROM unit "
			       "WHERE tenant_id = ?1 AND idpath >= ?2 AND "
			       "idpath < ?2 || '\177')");
	if (q->visible_only)
		ob_buf_add_str(&sql, " AND p.hidden = 0");
	ob_buf_addf(&sql,
		    " GROUP BY p.unit_id ORDER BY coalesce(max(u.path), '')%s",
		    d);
	rc = sql.data ? db_prepare(s->db, ob_buf_str(&sql), 0, &blocks)
		      : OB_E_NOMEM;
	ob_buf_reset(&sql);
	ob_buf_add_str(&sql,
		       "SELECT p.id FROM person p WHERE p.tenant_id = ?1 AND "
		       "p.unit_id IS NOT DISTINCT FROM ?2");
	if (q->visible_only)
		ob_buf_add_str(&sql, " AND p.hidden = 0");
	ob_buf_add_str(&sql, " ORDER BY ");
	add_name_key(&sql, db_dialect(s->db), d);
	ob_buf_addf(&sql, ", p.id%s LIMIT ?3 OFFSET ?4", d);
	if (rc == 0)
		rc = sql.data ? db_prepare(s->db, ob_buf_str(&sql), 0, &st)
			      : OB_E_NOMEM;
	ob_buf_deinit(&sql);
	if (rc != 0) {
		ret = ds_sql_err(s, rc, "page of people by unit", err);
		goto out;
	}
	db_bind_int64(blocks, 1, tenant_id);
	if (idpath != NULL)
		db_bind_text(blocks, 2, idpath);
	while ((rc = db_step(blocks)) == DB_ROW) {
		int64_t n = db_column_int64(blocks, 1);
		*total_r += n;
		if (skip >= n || (int64_t)*nids_r == limit) {
			skip -= skip >= n ? n : 0;
			continue;
		}
		db_reset(st);
		db_bind_int64(st, 1, tenant_id);
		if (db_column_null(blocks, 0))
			db_bind_null(st, 2);
		else
			db_bind_int64(st, 2, db_column_int64(blocks, 0));
		db_bind_int64(st, 3, limit - (int64_t)*nids_r);
		db_bind_int64(st, 4, skip);
		skip = 0;
		int rc2;
		while ((rc2 = db_step(st)) == DB_ROW &&
		       (int64_t)*nids_r < limit)
			ids[(*nids_r)++] = db_column_int64(st, 0);
		if (rc2 != DB_ROW && rc2 != DB_DONE) {
			ret = ds_sql_err(s, rc2, "page of people by unit", err);
			goto out;
		}
	}
	if (rc != DB_DONE)
		ret = ds_sql_err(s, rc, "units of a page", err);
out:
	db_finalize(blocks);
	db_finalize(st);
	return ret;
}

int dstore_person_page(struct dstore *s, int64_t tenant_id,
		       const struct dstore_page_query *pq, int64_t *total_r,
		       int (*fn)(const struct dstore_person *p,
				 const struct dstore_page_match *m, void *ctx),
		       void *ctx, struct ob_err *err)
{
	struct dstore_page_query q = *pq;
	bool search = q.search != NULL && q.search[0] != '\0';
	struct needle n = {0};
	int64_t ids[DSTORE_PAGE_MAX], offset = q.offset, limit;
	struct db_stmt *st = NULL;
	char *idpath = NULL;
	bool rev = false;
	size_t nids = 0;
	int rc, ret = 0;

	*total_r = 0;
	if (q.limit == 0 || q.limit > DSTORE_PAGE_MAX || q.offset < 0 ||
	    (unsigned)q.sort > DSTORE_SORT_UNIT)
		return ob_err_set(err, OB_E_INVAL,
				  "a page is 1 to %d people from offset 0 on",
				  DSTORE_PAGE_MAX);
	limit = (int64_t)q.limit;
	if (search && (ret = needle_init(&n, q.search, err)) != 0)
		goto out;
	if (q.unit_id != 0 &&
	    (ret = ds_unit_idpath(s, tenant_id, q.unit_id, &idpath, err)) != 0)
		goto out;
	if (!search && !q.direct && q.sort == DSTORE_SORT_UNIT) {
		ret = unit_block_ids(s, tenant_id, &q, idpath, ids, &nids,
				     total_r, err);
		if (ret != 0)
			goto out;
		goto rows;
	}
	if (!search) {
		/* an index count; a page past the middle is read from the
		 * end in the reverse order (SQLite's sorter keeps offset +
		 * limit rows) */
		ret = count_view(s, tenant_id, &q, idpath, NULL, total_r, err);
		if (ret != 0 || offset >= *total_r)
			goto out;
		if (offset > *total_r / 2) {
			rev = true;
			offset = *total_r - q.offset - limit;
			if (offset < 0) {
				limit += offset;
				offset = 0;
			}
		}
	}
	ret = prepare(s, tenant_id, &q, idpath, search ? &n : NULL, false, rev,
		      &st, err);
	if (ret != 0)
		goto out;
	db_bind_int64(st, 7, limit);
	db_bind_int64(st, 8, offset);
	while ((rc = db_step(st)) == DB_ROW && nids < q.limit) {
		ids[nids++] = db_column_int64(st, 0);
		if (search)
			*total_r = db_column_int64(st, 1);
	}
	if (rc != DB_DONE && rc != DB_ROW) {
		ret = ds_sql_err(s, rc, "page of people", err);
		goto out;
	}
	db_finalize(st);
	st = NULL;
	/* a search page past its end: the matches are counted apart */
	if (search && nids == 0 && offset > 0 &&
	    (ret = count_view(s, tenant_id, &q, idpath, &n, total_r, err)) != 0)
		goto out;
rows:
	for (size_t i = 0; rev && i < nids / 2; i++) {
		int64_t t = ids[i];
		ids[i] = ids[nids - 1 - i];
		ids[nids - 1 - i] = t;
	}
	for (size_t i = 0; i < nids && ret == 0; i++) {
		struct dstore_person p;
		struct dstore_page_match m = {0};
		char scratch[4 * DSTORE_NAME_MAX], *phones, *emails;

		ret = read_row(s, tenant_id, ids[i], &p, &phones, &emails, err);
		if (ret != 0)
			break;
		if (search)
			match_of(&n, &p, phones, emails, &m, scratch,
				 sizeof(scratch));
		ret = fn(&p, &m, ctx);
		dstore_person_deinit(&p);
		free(phones);
		free(emails);
	}
out:
	db_finalize(st);
	free(idpath);
	return ret;
}

int dstore_person_set_hidden(struct dstore *s, int64_t tenant_id,
			     const char *uid, bool hidden, struct ob_err *err)
{
	struct dstore_person p;
	int ret = ds_need_txn(s, tenant_id, err);

	if (ret == 0)
		ret = dstore_person_get(s, tenant_id, uid, true, &p, err);
	if (ret < 0)
		return ret;
	if (p.hidden != hidden) {
		p.hidden = hidden;
		ret = dstore_person_put(s, tenant_id, &p, NULL, err);
	}
	dstore_person_deinit(&p);
	return ret;
}

/* ---- the unit tree of a view ------------------------------------------- */

struct tnode {
	struct dstore_unit u;
	size_t first_child, next_sibling; /* indexes, SIZE_MAX for none */
};

static int by_id(const void *a, const void *b)
{
	int64_t x = ((const struct tnode *)a)->u.id;
	int64_t y = ((const struct tnode *)b)->u.id;
	return x < y ? -1 : x > y;
}

/* Siblings in dstore_unit_list's order: sort, then name byte by byte. */
static int by_parent_sort_name(const void *a, const void *b)
{
	const struct dstore_unit *x = &((const struct tnode *)a)->u;
	const struct dstore_unit *y = &((const struct tnode *)b)->u;

	if (x->parent_id != y->parent_id)
		return x->parent_id < y->parent_id ? -1 : 1;
	if (x->sort != y->sort)
		return x->sort < y->sort ? -1 : 1;
	return strcmp(x->name, y->name);
}

struct idx {
	int64_t id;
	size_t at;
};

static int idx_cmp(const void *a, const void *b)
{
	int64_t x = ((const struct idx *)a)->id,
		y = ((const struct idx *)b)->id;
	return x < y ? -1 : x > y;
}

static struct tnode *find_node(struct tnode *v, size_t n, int64_t id)
{
	struct tnode key = {.u.id = id};
	return bsearch(&key, v, n, sizeof(*v), by_id);
}

int dstore_unit_tree(struct dstore *s, int64_t tenant_id,
		     int (*fn)(const struct dstore_unit *u, void *ctx),
		     void *ctx, struct ob_err *err)
{
	static const char units_sql[] =
		"SELECT id, coalesce(parent_id, 0), name, path, sort FROM unit "
		"WHERE tenant_id = ?1";
	static const char counts_sql[] =
		"SELECT unit_id, count(*) FROM person WHERE tenant_id = ?1 AND "
		"unit_id IS NOT NULL GROUP BY unit_id";
	struct tnode *v = NULL;
	struct idx *ids = NULL;
	size_t n = 0, cap = 0, top = SIZE_MAX;
	size_t stack[DSTORE_UNIT_DEPTH_MAX + 2];
	bool oom = false;
	struct db_stmt *st;
	int rc, ret = 0;

	st = ds_stmt(s, units_sql, err);
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			size_t nc = cap ? 2 * cap : 64;
			struct tnode *nv = realloc(v, nc * sizeof(*nv));
			if (nv == NULL) {
				oom = true;
				break;
			}
			v = nv;
			cap = nc;
		}
		struct tnode *t = &v[n++];
		memset(t, 0, sizeof(*t));
		t->u.id = db_column_int64(st, 0);
		t->u.parent_id = db_column_int64(st, 1);
		t->u.name = ds_col_dup(st, 2, &oom);
		t->u.path = ds_col_dup(st, 3, &oom);
		t->u.sort = db_column_int(st, 4);
		t->first_child = t->next_sibling = SIZE_MAX;
		if (oom)
			break;
	}
	db_reset(st);
	if (oom) {
		ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
		goto out;
	}
	if (rc != DB_DONE) {
		ret = ds_sql_err(s, rc, "list units", err);
		goto out;
	}
	if (n == 0)
		goto out;
	qsort(v, n, sizeof(*v), by_id);
	st = ds_stmt(s, counts_sql, err);
	if (st == NULL) {
		ret = err ? err->code : OB_E_FAIL;
		goto out;
	}
	db_bind_int64(st, 1, tenant_id);
	while ((rc = db_step(st)) == DB_ROW) {
		struct tnode *t = find_node(v, n, db_column_int64(st, 0));
		if (t != NULL)
			t->u.people = db_column_int64(st, 1);
	}
	db_reset(st);
	if (rc != DB_DONE) {
		ret = ds_sql_err(s, rc, "count people per unit", err);
		goto out;
	}
	/* link siblings in order (backwards, so each list comes out in
	 * order), finding parents through ids sorted by id; then walk depth
	 * first */
	qsort(v, n, sizeof(*v), by_parent_sort_name);
	ids = malloc(n * sizeof(*ids));
	if (ids == NULL) {
		ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		ids[i] = (struct idx){v[i].u.id, i};
	qsort(ids, n, sizeof(*ids), idx_cmp);
	for (size_t i = n; i-- > 0;) {
		size_t *head = &top;
		if (v[i].u.parent_id != 0) {
			struct idx key = {v[i].u.parent_id, 0};
			struct idx *pi =
				bsearch(&key, ids, n, sizeof(*ids), idx_cmp);
			if (pi == NULL)
				continue; /* an orphan: not in the walk */
			head = &v[pi->at].first_child;
		}
		v[i].next_sibling = *head;
		*head = i;
	}
	size_t depth = 0;
	stack[0] = top;
	while (ret == 0) {
		size_t i = stack[depth];
		if (i == SIZE_MAX) {
			if (depth == 0)
				break;
			depth--;
			stack[depth] = v[stack[depth]].next_sibling;
			continue;
		}
		ret = fn(&v[i].u, ctx);
		if (ret == 0 && v[i].first_child != SIZE_MAX &&
		    depth + 1 < sizeof(stack) / sizeof(stack[0])) {
			stack[++depth] = v[i].first_child;
		} else {
			stack[depth] = v[i].next_sibling;
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		dstore_unit_deinit(&v[i].u);
	free(v);
	free(ids);
	return ret;
}
