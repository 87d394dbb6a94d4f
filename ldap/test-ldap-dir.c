/* ldap/dir against a model.
 *
 * The fixed cases pin the examples of dir.h (pinyin, numbers, DNs,
 * attribute selection, photos, compare). The model run keeps its own
 * copy of two enterprises (deep unit trees, Chinese names with compound
 * surnames, names with multi-byte characters, numbers in many formats,
 * hidden people), edits the store at random, takes the snapshot after
 * every batch and compares the answer of random searches (random
 * filters of every kind, nested, random attributes, unknown ones; random
 * bases and scopes; limits and paging) with a brute-force evaluator
 * written here, which walks its own model and knows no index.
 *    OB_TEST_SEED=N replays one run (the failing seed is printed);
 *    OB_TEST_STEPS sets the batches per run; under OB_VALGRIND fewer. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dirfeed/feed.h"
#include "ldap/ber.h"
#include "ldap/dir.h"
#include "image/image.h"
#include "tests/lib/test.h"
#include "util/str.h"

/* ---- random ------------------------------------------------------------ */

static unsigned long long rng;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (unsigned)(rng % n) : 0;
}

/* ---- the model ---------------------------------------------------------- */

#define MU 40
#define MP 160

struct munit {
	int64_t id;
	int parent; /* index, -1: top level */
	char name[64];
	bool live;
};

struct mperson {
	int64_t id;
	char uid[40];
	int unit; /* -1: none */
	char family[64], given[64], display[160];
	char pf[64], pg[64], ini[16], fi[8], gi[8]; /* Chinese names */
	char work[2][48];
	int n_work;
	char cell[48], home[48], mail[64], title[64];
	bool hidden, live;
};

struct mtenant {
	int64_t id;
	char name[16], display[32];
	struct munit u[MU];
	int nu;
	struct mperson p[MP];
	int np;
	int next_uid;
};

static const struct {
	const char *han, *py, *ini;
} surnames[] =
	{
		{"张", "zhang", "z"},   {"王", "wang", "w"},
		{"李", "li", "l"},      {"欧阳", "ouyang", "oy"},
		{"司马", "sima", "sm"}, {"诸葛", "zhuge", "zg"},
		{"赵", "zhao", "z"},    {"陈", "chen", "c"},
		{"黄", "huang", "h"},
},
  givens[] = {
	  {"三", "san", "s"},  {"伟", "wei", "w"},  {"明", "ming", "m"},
	  {"小", "xiao", "x"}, {"华", "hua", "h"},  {"强", "qiang", "q"},
	  {"军", "jun", "j"},  {"芳", "fang", "f"}, {"杰", "jie", "j"},
};

static const char *const western[][2] = {
	{"Smith", "John"},     {"Müller", "Jürgen"}, {"O'Brien", "Zoë"},
	{"Lee", "Ann  Marie"}, {"Zhang", "Wei"},     {"Ng", "😀Bob"},
	{"Éclair", "Ça"},
};

static const char *const unit_names[] = {
	"Sales",    "Sales, East", "#1 Team", "A+B=C",   "研发部", "R&D",
	"Ünits\\x", "Ops",         "销售",    "Support", "Q;1",    "a<b>",
};

static void gen_number(char *out, size_t size, int kind)
{
	unsigned a = 1000 + rnd(9000), b = 1000 + rnd(9000);
	unsigned pick = kind >= 0 ? (unsigned)kind : rnd(8);

	switch (pick) {
	case 0:
		snprintf(out, size, "+86 139-%u-%u", a, b);
		break;
	case 1:
		snprintf(out, size, "139%u%u", a, b);
		break;
	case 2:
		snprintf(out, size, "(021) %u %u", a, b);
		break;
	case 3:
		snprintf(out, size, "021-%u-%u ext %u", a, b, rnd(900) + 100);
		break;
	case 4:
		snprintf(out, size, "+86 21 %u %u x %u", a, b, rnd(90) + 10);
		break;
	case 5:
		snprintf(out, size, "%u %u", a, b);
		break;
	case 6:
		snprintf(out, size, "%u", a);
		break;
	default:
		snprintf(out, size, "0086 21 %u%u", a, b % 1000);
		break;
	}
}

static void gen_names(struct mperson *p)
{
	memset(p->pf, 0, sizeof(p->pf));
	p->pg[0] = p->ini[0] = p->fi[0] = p->gi[0] = '\0';
	if (rnd(3) != 0) {
		int s = (int)rnd(sizeof(surnames) / sizeof(surnames[0]));
		int n = 1 + (int)rnd(2);
		snprintf(p->family, sizeof(p->family), "%s", surnames[s].han);
		snprintf(p->pf, sizeof(p->pf), "%s", surnames[s].py);
		snprintf(p->fi, sizeof(p->fi), "%s", surnames[s].ini);
		p->given[0] = '\0';
		for (int i = 0; i < n; i++) {
			int g = (int)rnd(sizeof(givens) / sizeof(givens[0]));
			strcat(p->given, givens[g].han);
			strcat(p->pg, givens[g].py);
			strcat(p->gi, givens[g].ini);
		}
		snprintf(p->display, sizeof(p->display), "%s%s", p->family,
			 p->given);
		snprintf(p->ini, sizeof(p->ini), "%s%s", p->fi, p->gi);
	} else {
		int w = (int)rnd(sizeof(western) / sizeof(western[0]));
		snprintf(p->family, sizeof(p->family), "%s", western[w][0]);
		snprintf(p->given, sizeof(p->given), "%s", western[w][1]);
		snprintf(p->display, sizeof(p->display), "%s %s", p->given,
			 p->family);
	}
}

static void gen_person(struct mtenant *t, struct mperson *p)
{
	memset(p, 0, sizeof(*p));
	if (rnd(10) == 0)
		snprintf(p->uid, sizeof(p->uid), "u%d, %s", t->next_uid++,
			 rnd(2) ? "x+y" : "#q");
	else
		snprintf(p->uid, sizeof(p->uid), "u%d", t->next_uid++);
	gen_names(p);
	p->unit = rnd(8) == 0 || t->nu == 0 ? -1 : (int)rnd((unsigned)t->nu);
	while (p->unit >= 0 && !t->u[p->unit].live)
		p->unit = t->u[p->unit].parent;
	p->n_work = (int)rnd(3);
	for (int i = 0; i < p->n_work; i++)
		gen_number(p->work[i], sizeof(p->work[i]), -1);
	if (rnd(2))
		gen_number(p->cell, sizeof(p->cell), rnd(2) ? 0 : 1);
	if (rnd(4) == 0)
		gen_number(p->home, sizeof(p->home), -1);
	if (rnd(2))
		snprintf(p->mail, sizeof(p->mail), "%s.%d@Example.COM",
			 p->pf[0] ? p->pf : "x", (int)rnd(100));
	if (rnd(2))
		snprintf(p->title, sizeof(p->title), "%s",
			 rnd(2) ? "Sales  Manager" : "工程师");
	p->hidden = rnd(12) == 0;
	p->live = true;
}

static int store_person(struct dstore *s, struct mtenant *t, struct mperson *m)
{
	struct dstore_person p = {0};
	struct dstore_phone ph[4];
	char *em[1];
	struct ob_err err;
	size_t n = 0;
	int rc;

	p.uid = m->uid;
	p.unit_id = m->unit >= 0 ? t->u[m->unit].id : 0;
	p.family = m->family;
	p.given = m->given;
	p.display = m->display;
	p.phonetic_family = m->pf[0] ? m->pf : NULL;
	p.phonetic_given = m->pg[0] ? m->pg : NULL;
	p.title = m->title[0] ? m->title : NULL;
	for (int i = 0; i < m->n_work; i++)
		ph[n++] = (struct dstore_phone){"work", m->work[i]};
	if (m->cell[0])
		ph[n++] = (struct dstore_phone){"cell", m->cell};
	if (m->home[0])
		ph[n++] = (struct dstore_phone){"home", m->home};
	p.phones = ph;
	p.n_phones = n;
	if (m->mail[0]) {
		em[0] = m->mail;
		p.emails = em;
		p.n_emails = 1;
	}
	p.hidden = m->hidden;
	rc = dstore_person_put(s, t->id, &p, NULL, &err);
	if (rc)
		printf("# put %s: %s (%s)\n", m->uid, err.msg, err.field);
	if (p.uid != m->uid)
		free(p.uid);
	if (rc == 0 && m->id == 0) {
		struct dstore_person g;
		if ((rc = dstore_person_get(s, t->id, m->uid, false, &g,
					    &err)) == 0) {
			m->id = g.id;
			dstore_person_deinit(&g);
		}
	}
	return rc;
}

static bool begin(struct dstore *s, struct mtenant *t)
{
	struct ob_err err;

	if (dstore_begin(s, t->id, "test", &err) != 0) {
		printf("# begin: %s\n", err.msg);
		return false;
	}
	return true;
}

static bool commit(struct dstore *s)
{
	struct ob_err err;

	if (dstore_commit(s, NULL, &err) != 0) {
		printf("# commit: %s\n", err.msg);
		return false;
	}
	return true;
}

static int add_unit(struct dstore *s, struct mtenant *t, int parent,
		    const char *name)
{
	struct ob_err err;
	struct munit *u = &t->u[t->nu];

	u->parent = parent;
	snprintf(u->name, sizeof(u->name), "%s", name);
	if (dstore_unit_add(s, t->id, parent >= 0 ? t->u[parent].id : 0, name,
			    0, &u->id, &err) != 0) {
		printf("# unit %s: %s\n", name, err.msg);
		return -1;
	}
	u->live = true;
	return t->nu++;
}

/* A unit name not used by a sibling. */
static void unit_name(struct mtenant *t, int parent, char *out, size_t size)
{
	for (int tries = 0;; tries++) {
		const char *b = unit_names[rnd(sizeof(unit_names) /
					       sizeof(unit_names[0]))];
		bool taken = false;
		if (tries > 3)
			snprintf(out, size, "%s %d", b, (int)rnd(100000));
		else
			snprintf(out, size, "%s", b);
		for (int i = 0; i < t->nu; i++)
			if (t->u[i].live && t->u[i].parent == parent &&
			    strcmp(t->u[i].name, out) == 0)
				taken = true;
		if (!taken)
			return;
	}
}

/* ---- the brute-force evaluator ---------------------------------------- */

/* the model's folding: ASCII case, runs of spaces as one, trimmed */
static void mfold(const char *in, char *out)
{
	size_t o = 0;
	bool sp = false;

	for (; *in; in++) {
		if (*in == ' ') {
			sp = o > 0;
			continue;
		}
		if (sp)
			out[o++] = ' ';
		sp = false;
		out[o++] = (char)(*in >= 'A' && *in <= 'Z' ? *in + 32 : *in);
	}
	out[o] = '\0';
}

/* the digits of a number before " ext " / " x " */
static void mdigits(const char *in, char *out, bool whole, char *ext)
{
	size_t o = 0;
	const char *cut = whole ? NULL : strstr(in, " ext ");

	if (!whole && cut == NULL)
		cut = strstr(in, " x ");
	if (ext) {
		ext[0] = '\0';
		if (cut)
			snprintf(ext, 16, "%s", strchr(cut + 1, ' ') + 1);
	}
	for (const char *p = in; *p && (cut == NULL || p < cut); p++)
		if (*p >= '0' && *p <= '9')
			out[o++] = *p;
	out[o] = '\0';
}

enum { MT_F, MT_T, MT_U };

struct ment {
	int kind; /* 0 base, 1 unit, 2 person */
	int idx;
};

#define MV 24
struct mvals {
	char v[MV][200];
	int n;
	bool num;
};

static void mv_add(struct mvals *m, const char *fold)
{
	if (m->n < MV && fold && *fold)
		snprintf(m->v[m->n++], sizeof(m->v[0]), "%s", fold);
}

static void mv_text(struct mvals *m, const char *raw)
{
	char f[200];

	if (raw && *raw) {
		mfold(raw, f);
		mv_add(m, f);
	}
}

static const char *const known[] = {"objectclass",
				    "cn",
				    "commonname",
				    "sn",
				    "surname",
				    "givenname",
				    "displayname",
				    "telephonenumber",
				    "mobile",
				    "homephone",
				    "facsimiletelephonenumber",
				    "ipphone",
				    "mail",
				    "o",
				    "ou",
				    "title",
				    "uid",
				    "orgbookpinyin",
				    "dc",
				    "l",
				    "street",
				    "st",
				    "postalcode",
				    "description",
				    "postaladdress",
				    "entrydn",
				    "modifytimestamp",
				    "hassubordinates",
				    "structuralobjectclass",
				    "gn",
				    "jpegphoto"};

/* -1: unknown; else whether the model has values (into m) */
static int mvalues(const struct mtenant *t, const struct ment *e,
		   const char *attr_in, struct mvals *m)
{
	char attr[64];
	bool ok = false;

	mfold(attr_in, attr);
	memset(m, 0, sizeof(*m) - sizeof(m->v) + 0);
	m->n = 0;
	m->num = false;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		ok |= strcmp(known[i], attr) == 0;
	if (!ok || strcmp(attr, "jpegphoto") == 0 ||
	    strcmp(attr, "entrydn") == 0 ||
	    strcmp(attr, "modifytimestamp") == 0)
		return -1; /* the generator never asks these */
	if (strcmp(attr, "objectclass") == 0) {
		static const char *const oc[3][5] = {
			{"top", "dcobject", "organization"},
			{"top", "organizationalunit"},
			{"top", "person", "organizationalperson",
			 "inetorgperson", "orgbookperson"}};
		for (int i = 0; i < 5; i++)
			mv_add(m, oc[e->kind][i]);
		return 0;
	}
	if (strcmp(attr, "o") == 0) {
		if (e->kind != 1)
			mv_text(m, t->display);
		return 0;
	}
	if (strcmp(attr, "dc") == 0) {
		if (e->kind == 0)
			mv_text(m, t->name);
		return 0;
	}
	if (strcmp(attr, "ou") == 0) {
		if (e->kind == 1)
			mv_text(m, t->u[e->idx].name);
		else if (e->kind == 2 && t->p[e->idx].unit >= 0)
			mv_text(m, t->u[t->p[e->idx].unit].name);
		return 0;
	}
	if (strcmp(attr, "hassubordinates") == 0 ||
	    strcmp(attr, "structuralobjectclass") == 0)
		return -1;
	if (e->kind != 2)
		return 0;
	const struct mperson *p = &t->p[e->idx];
	char sp[200], jn[200], d[64];
	snprintf(sp, sizeof(sp), "%s%s%s", p->pf,
		 p->pf[0] && p->pg[0] ? " " : "", p->pg);
	snprintf(jn, sizeof(jn), "%s%s", p->pf, p->pg);
	if (!strcmp(attr, "cn") || !strcmp(attr, "commonname") ||
	    !strcmp(attr, "displayname")) {
		mv_text(m, p->display);
		mv_add(m, sp);
		mv_add(m, jn);
		mv_add(m, p->ini);
	} else if (!strcmp(attr, "sn") || !strcmp(attr, "surname")) {
		mv_text(m, p->family);
		mv_add(m, p->pf);
		mv_add(m, p->fi);
	} else if (!strcmp(attr, "givenname") || !strcmp(attr, "gn")) {
		mv_text(m, p->given);
		mv_add(m, p->pg);
		mv_add(m, p->gi);
	} else if (!strcmp(attr, "orgbookpinyin")) {
		mv_add(m, sp);
		if (strcmp(sp, jn))
			mv_add(m, jn);
		mv_add(m, p->ini);
	} else if (!strcmp(attr, "telephonenumber")) {
		m->num = true;
		for (int i = 0; i < p->n_work; i++) {
			mdigits(p->work[i], d, false, NULL);
			snprintf(m->v[m->n++], sizeof(m->v[0]), "%s", d);
		}
	} else if (!strcmp(attr, "ipphone")) {
		char ext[16];
		m->num = true;
		for (int i = 0; i < p->n_work; i++) {
			mdigits(p->work[i], d, false, ext);
			mv_add(m, ext);
		}
	} else if (!strcmp(attr, "mobile") || !strcmp(attr, "homephone")) {
		const char *n = attr[0] == 'm' ? p->cell : p->home;
		m->num = true;
		if (*n) {
			mdigits(n, d, false, NULL);
			snprintf(m->v[m->n++], sizeof(m->v[0]), "%s", d);
		}
	} else if (!strcmp(attr, "facsimiletelephonenumber")) {
		m->num = true;
	} else if (!strcmp(attr, "mail")) {
		mv_text(m, p->mail);
	} else if (!strcmp(attr, "title")) {
		mv_text(m, p->title);
	} else if (!strcmp(attr, "uid")) {
		mv_text(m, p->uid);
	}
	return 0;
}

static bool mnum_eq(const char *a, const char *q)
{
	size_t al, ql;

	while (*a == '0')
		a++;
	while (*q == '0')
		q++;
	al = strlen(a);
	ql = strlen(q);
	if (al == ql)
		return strcmp(a, q) == 0;
	if (al < ql)
		return al >= 7 && strcmp(q + ql - al, a) == 0;
	return ql >= 7 && strcmp(a + al - ql, q) == 0;
}

/* substrings the plain way: initial, each any after the last, final at
 * the end, none overlapping */
static bool msubstr(const char *v, const char *const *pc, size_t n, bool ini,
		    bool fin)
{
	size_t vl = strlen(v), at = 0, first = 0, last = n;

	if (ini) {
		if (strncmp(v, pc[0], strlen(pc[0])) != 0)
			return false;
		at = strlen(pc[0]);
		first = 1;
	}
	if (fin) {
		size_t fl = strlen(pc[n - 1]);
		if (fl + at > vl || strcmp(v + vl - fl, pc[n - 1]) != 0)
			return false;
		vl -= fl;
		last = n - 1;
	}
	for (size_t i = first; i < last; i++) {
		char *w = strndup(v + at, vl - at);
		const char *h = *pc[i] ? strstr(w, pc[i]) : w;
		if (h == NULL) {
			free(w);
			return false;
		}
		at += (size_t)(h - w) + strlen(pc[i]);
		free(w);
	}
	return true;
}

static int meval(const struct mtenant *t, const struct ment *e,
		 const struct ldap_filter *f)
{
	struct mvals m;
	char q[256];
	int r, k;

	switch (f->kind) {
	case LDAP_F_AND:
		r = MT_T;
		for (size_t i = 0; i < f->n_sub; i++) {
			int s = meval(t, e, f->sub[i]);
			if (s == MT_F)
				return MT_F;
			if (s == MT_U)
				r = MT_U;
		}
		return r;
	case LDAP_F_OR:
		r = MT_F;
		for (size_t i = 0; i < f->n_sub; i++) {
			int s = meval(t, e, f->sub[i]);
			if (s == MT_T)
				return MT_T;
			if (s == MT_U)
				r = MT_U;
		}
		return r;
	case LDAP_F_NOT:
		r = meval(t, e, f->sub[0]);
		return r == MT_U ? MT_U : r == MT_T ? MT_F : MT_T;
	case LDAP_F_EXT:
		return MT_U;
	default:
		break;
	}
	k = mvalues(t, e, f->attr.p, &m);
	if (k < 0)
		return f->kind == LDAP_F_PRESENT ? MT_F : MT_U;
	if (f->kind == LDAP_F_PRESENT)
		return m.n > 0 ? MT_T : MT_F;
	if (f->kind == LDAP_F_SUBSTR) {
		char pcs[40][200];
		const char *pp[40];
		size_t n = 0;
		if (f->initial.p)
			snprintf(pcs[n++], 200, "%s", f->initial.p);
		for (size_t i = 0; i < f->n_any; i++)
			snprintf(pcs[n++], 200, "%s", f->any[i].p);
		if (f->final.p)
			snprintf(pcs[n++], 200, "%s", f->final.p);
		bool digit = false;
		for (size_t i = 0; i < n; i++) {
			char tmp[200];
			if (m.num)
				mdigits(pcs[i], tmp, true, NULL);
			else
				mfold(pcs[i], tmp);
			strcpy(pcs[i], tmp);
			pp[i] = pcs[i];
			digit |= tmp[0] != '\0';
		}
		if (m.num && !digit)
			return MT_F;
		for (int i = 0; i < m.n; i++)
			if (msubstr(m.v[i], pp, n, f->initial.p != NULL,
				    f->final.p != NULL))
				return MT_T;
		return MT_F;
	}
	if (m.num)
		mdigits(f->value.p, q, false, NULL);
	else
		mfold(f->value.p, q);
	if (m.num && f->kind == LDAP_F_EQ && q[0] == '\0')
		return MT_F;
	for (int i = 0; i < m.n; i++) {
		const char *v = m.v[i];
		bool hit = false;
		switch (f->kind) {
		case LDAP_F_EQ:
			hit = m.num ? mnum_eq(v, q) : strcmp(v, q) == 0;
			break;
		case LDAP_F_GE:
			hit = strcmp(v, q) >= 0;
			break;
		case LDAP_F_LE:
			hit = strcmp(v, q) <= 0;
			break;
		case LDAP_F_APPROX:
			hit = strstr(v, q) != NULL;
			break;
		default:
			break;
		}
		if (hit)
			return MT_T;
	}
	return MT_F;
}

/* ---- DNs as the model writes them -------------------------------------- */

static void mesc(const char *v, char *out)
{
	size_t n = strlen(v), o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if ((i == 0 && (c == ' ' || c == '#')) ||
		    (i == n - 1 && c == ' ') || strchr("\"+,;<>\\=", c))
			out[o++] = '\\';
		out[o++] = c;
	}
	out[o] = '\0';
}

static void munit_dn(const struct mtenant *t, int u, char *out, size_t size)
{
	char esc[200], rest[1024];

	if (u < 0) {
		snprintf(out, size, "dc=%s", t->name);
		return;
	}
	munit_dn(t, t->u[u].parent, rest, sizeof(rest));
	mesc(t->u[u].name, esc);
	snprintf(out, size, "ou=%s,%s", esc, rest);
}

static void ment_dn(const struct mtenant *t, const struct ment *e, char *out,
		    size_t size)
{
	char esc[200], rest[1024];

	if (e->kind == 0)
		munit_dn(t, -1, out, size);
	else if (e->kind == 1)
		munit_dn(t, e->idx, out, size);
	else {
		munit_dn(t, t->p[e->idx].unit, rest, sizeof(rest));
		mesc(t->p[e->idx].uid, esc);
		snprintf(out, size, "uid=%s,%s", esc, rest);
	}
}

static size_t ments(const struct mtenant *t, struct ment *out)
{
	size_t n = 0;

	out[n++] = (struct ment){0, 0};
	for (int i = 0; i < t->nu; i++)
		if (t->u[i].live)
			out[n++] = (struct ment){1, i};
	for (int i = 0; i < t->np; i++)
		if (t->p[i].live && !t->p[i].hidden)
			out[n++] = (struct ment){2, i};
	return n;
}

/* is e in scope of base b */
static bool mscope(const struct mtenant *t, const struct ment *b,
		   const struct ment *e, enum ldap_scope s)
{
	int up; /* e's parent unit, -2: e is the base entry */

	if (b->kind == e->kind && b->idx == e->idx)
		return s != LDAP_SCOPE_ONE;
	if (s == LDAP_SCOPE_BASE || b->kind == 2 || e->kind == 0)
		return false;
	up = e->kind == 1 ? t->u[e->idx].parent : t->p[e->idx].unit;
	if (s == LDAP_SCOPE_ONE)
		return b->kind == 0 ? up == -1 : up == b->idx;
	if (b->kind == 0)
		return true;
	for (; up >= 0; up = t->u[up].parent)
		if (up == b->idx)
			return true;
	return false;
}

/* ---- filters ------------------------------------------------------------ */

struct farena {
	struct ldap_filter f[400];
	struct ldap_filter *ptrs[400];
	struct ldap_val vals[400];
	char *strs[1200];
	size_t nf, np, nv, ns;
};

static char *fa_str(struct farena *a, const char *s)
{
	char *d = strdup(s);

	a->strs[a->ns++] = d;
	return d;
}

static struct ldap_val fa_val(struct farena *a, const char *s)
{
	struct ldap_val v = {fa_str(a, s), strlen(s)};

	return v;
}

static void fa_free(struct farena *a)
{
	for (size_t i = 0; i < a->ns; i++)
		free(a->strs[i]);
	a->ns = 0;
}

static const char *const pool[] = {"cn",
				   "CN",
				   "commonName",
				   "sn",
				   "givenName",
				   "displayName",
				   "telephoneNumber",
				   "mobile",
				   "homePhone",
				   "ipPhone",
				   "facsimileTelephoneNumber",
				   "mail",
				   "title",
				   "ou",
				   "o",
				   "uid",
				   "objectClass",
				   "orgbookPinyin",
				   "fooBar",
				   "dc",
				   "TelephoneNumber"};

/* An assertion value: from a random entry's values (raw or folded, cut),
 * or made up. */
static void gen_value(const struct mtenant *t, const struct ment *all,
		      size_t n_all, const char *attr, char *out, size_t size)
{
	const struct ment *e = &all[rnd((unsigned)n_all)];
	struct mvals m;
	static const char *const junk[] = {"zh", "a b", "ZHANG  S", "王",
					   "欧", "é",   "zz",       "  ",
					   "OU", "139"};

	if (rnd(6) == 0 || mvalues(t, e, attr, &m) < 0 || m.n == 0) {
		snprintf(out, size, "%s", junk[rnd(10)]);
		return;
	}
	const char *v = m.v[rnd((unsigned)m.n)];
	size_t len = strlen(v);
	if (m.num && len > 0) {
		switch (rnd(4)) {
		case 0: /* international form of a national number */
			snprintf(out, size, "+86 %s", v[0] == '0' ? v + 1 : v);
			return;
		case 1: /* a suffix */
			snprintf(out, size, "%s", v + rnd((unsigned)len));
			return;
		case 2: /* a prefix with dashes */
			snprintf(out, size, "%.*s-%s", (int)(len / 2), v,
				 v + len / 2);
			return;
		default:
			break;
		}
	}
	if (rnd(3) == 0) {
		/* a cut at a byte, maybe inside a UTF-8 sequence */
		size_t cut = 1 + rnd((unsigned)(len > 1 ? len - 1 : 1));
		snprintf(out, size, "%.*s", (int)cut, v);
	} else {
		snprintf(out, size, "%s", v);
	}
	if (rnd(3) == 0 && out[0] >= 'a' && out[0] <= 'z')
		out[0] = (char)(out[0] - 32);
}

static struct ldap_filter *gen_filter(struct farena *a, const struct mtenant *t,
				      const struct ment *all, size_t n_all,
				      int depth)
{
	struct ldap_filter *f = &a->f[a->nf++];
	unsigned k = depth >= 3 || a->nf > 300 ? 3 + rnd(7) : rnd(12);
	char v[256];

	memset(f, 0, sizeof(*f));
	if (k >= 10)
		k = rnd(3);
	if (k <= 2) {
		f->kind = k == 0 ? LDAP_F_AND : k == 1 ? LDAP_F_OR : LDAP_F_NOT;
		f->n_sub = k == 2 ? 1 : rnd(4);
		f->sub = &a->ptrs[a->np];
		a->np += f->n_sub;
		for (size_t i = 0; i < f->n_sub; i++)
			f->sub[i] = gen_filter(a, t, all, n_all, depth + 1);
		return f;
	}
	const char *attr = pool[rnd(sizeof(pool) / sizeof(pool[0]))];
	f->attr = fa_val(a, attr);
	switch (k) {
	case 3:
	case 4:
		f->kind = LDAP_F_EQ;
		break;
	case 5:
	case 6:
		f->kind = LDAP_F_SUBSTR;
		break;
	case 7:
		f->kind = rnd(2) ? LDAP_F_GE : LDAP_F_LE;
		break;
	case 8:
		f->kind = rnd(4) ? LDAP_F_PRESENT : LDAP_F_EXT;
		break;
	default:
		f->kind = LDAP_F_APPROX;
		break;
	}
	if (f->kind == LDAP_F_SUBSTR) {
		unsigned shape = rnd(4);
		gen_value(t, all, n_all, attr, v, sizeof(v));
		size_t len = strlen(v), cut = len / 2;
		if (shape == 0 || shape == 3)
			f->initial = fa_val(a, shape == 3 ? "" : v);
		if (shape == 1)
			f->final = fa_val(a, v);
		if (shape == 2 || shape == 3) {
			char x[256];
			snprintf(x, sizeof(x), "%.*s", (int)cut, v);
			f->any = &a->vals[a->nv];
			a->vals[a->nv++] = fa_val(a, x);
			a->vals[a->nv++] = fa_val(a, v + cut);
			f->n_any = 2;
			if (shape == 2)
				f->final = fa_val(a, rnd(2) ? "" : v + len);
		}
		if (!f->initial.p && !f->final.p && f->n_any == 0)
			f->initial = fa_val(a, v);
		return f;
	}
	if (f->kind != LDAP_F_PRESENT) {
		gen_value(t, all, n_all, attr, v, sizeof(v));
		f->value = fa_val(a, v);
	}
	return f;
}

/* ---- running searches --------------------------------------------------- */

/* The SearchResultEntry in b, as written by ldap_dir_put_entry through
 * proto.c's entry writer, rewritten in b as text: "dn: ...\n", then
 * "type: value\n" per value, "type:\n" for a type without values, and
 * "type:: <n bytes>" for a value holding a line break or a NUL. A PDU
 * that does not decode leaves "undecodable". */
static void ber_to_text(struct ob_buf *b)
{
	struct ob_buf t;
	struct ber_reader top, m, e, attrs, a, vals;
	struct ber_elem x, y;
	bool ok = false;

	ob_buf_init(&t, b->cap);
	ber_reader_init(&top, b->data, b->len);
	if (ber_expect(&top, BER_SEQUENCE, &x) == 0 &&
	    ber_enter(&top, &x, &m) == 0 &&
	    ber_expect(&m, BER_INTEGER, &x) == 0 &&
	    ber_expect(&m, BER_APP(4) | BER_CONSTRUCTED, &x) == 0 &&
	    ber_enter(&m, &x, &e) == 0 && ber_expect(&e, BER_OCTETS, &x) == 0 &&
	    ber_expect(&e, BER_SEQUENCE, &y) == 0 &&
	    ber_enter(&e, &y, &attrs) == 0) {
		ob_buf_add_str(&t, "dn: ");
		ob_buf_add(&t, x.p, x.len);
		ob_buf_add_char(&t, '\n');
		ok = true;
		while (ok && !ber_at_end(&attrs)) {
			struct ber_elem type, set, v;
			ok = ber_expect(&attrs, BER_SEQUENCE, &x) == 0 &&
			     ber_enter(&attrs, &x, &a) == 0 &&
			     ber_expect(&a, BER_OCTETS, &type) == 0 &&
			     ber_expect(&a, BER_SET, &set) == 0 &&
			     ber_enter(&a, &set, &vals) == 0;
			if (ok && ber_at_end(&vals))
				ob_buf_addf(&t, "%.*s:\n", (int)type.len,
					    (const char *)type.p);
			while (ok && !ber_at_end(&vals)) {
				ok = ber_expect(&vals, BER_OCTETS, &v) == 0;
				if (!ok)
					break;
				if (memchr(v.p, '\n', v.len) == NULL &&
				    memchr(v.p, '\0', v.len) == NULL)
					ob_buf_addf(&t, "%.*s: %.*s\n",
						    (int)type.len,
						    (const char *)type.p,
						    (int)v.len,
						    (const char *)v.p);
				else
					ob_buf_addf(&t, "%.*s:: <%zu bytes>\n",
						    (int)type.len,
						    (const char *)type.p,
						    v.len);
			}
		}
	}
	ob_buf_reset(b);
	ob_buf_add_str(b, ok ? ob_buf_str(&t) : "undecodable");
	ob_buf_deinit(&t);
}

/* The DN of the hit at pos through ldap_dir_put_entry. */
static bool dn_of(const struct ldap_dir *d, uint32_t pos, char *out,
		  size_t size)
{
	struct ob_buf b;
	struct ob_err err;
	struct ldap_val one = {"1.1", 3};
	bool ok;

	ob_buf_init(&b, 1 << 20);
	ok = ldap_dir_put_entry(d, pos, 1, &one, 1, false, NULL, &b, &err) == 0;
	ber_to_text(&b);
	ok = ok && strncmp(ob_buf_str(&b), "dn: ", 4) == 0;
	if (ok) {
		const char *s = ob_buf_str(&b) + 4;
		const char *nl = strchr(s, '\n');
		snprintf(out, size, "%.*s", (int)(nl - s), s);
		ok = nl[1] == '\0'; /* 1.1: no attributes */
	}
	ob_buf_deinit(&b);
	return ok;
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static long n_searches, n_nonempty, n_hits, n_sorted;

/* The model's sort key of attribute a (a name: its pinyin when Chinese,
 * else its folded text; else the least value), "" when absent. */
static void mkey(const struct mtenant *t, const struct ment *e, const char *a,
		 char *out, size_t size)
{
	struct mvals m;

	out[0] = '\0';
	if (e->kind == 2 &&
	    (!strcmp(a, "cn") || !strcmp(a, "sn") || !strcmp(a, "givenName"))) {
		const struct mperson *p = &t->p[e->idx];
		char f[200];
		if (a[0] == 'c') {
			if (p->pf[0])
				snprintf(out, size, "%s %s", p->pf, p->pg);
			else
				mfold(p->display, out);
			return;
		}
		const char *py = a[0] == 's' ? p->pf : p->pg;
		mfold(a[0] == 's' ? p->family : p->given, f);
		snprintf(out, size, "%s", py[0] ? py : f);
		return;
	}
	if (mvalues(t, e, a, &m) < 0)
		return;
	for (int i = 0; i < m.n; i++)
		if (out[0] == '\0' || strcmp(m.v[i], out) < 0)
			snprintf(out, size, "%s", m.v[i]);
}

/* A sorted search: the same hits, ordered by the model's keys, absent
 * last; a seek lands where the keys say. */
static bool check_sorted(const struct ldap_dir *d, const struct mtenant *t,
			 const struct ldap_search *q, const struct ldap_hits *h,
			 const struct ment *all, char (*dns)[1200],
			 size_t n_all)
{
	static const char *const sk[] = {"cn",   "sn",    "givenName",
					 "mail", "ou",    "telephoneNumber",
					 "uid",  "fooBar"};
	const char *ka = sk[rnd(8)];
	struct ldap_sort_key key = {.attr = {(char *)ka, strlen(ka)},
				    .reverse = rnd(2) != 0};
	struct ldap_sort sort = {.present = true, .keys = &key, .n_keys = 1};
	struct ldap_hits hs;
	enum ldap_rc rc;
	const char *m;
	struct ob_err err;
	char dn[1200], (*keys)[200];
	bool ok = true;

	if (ldap_dir_search(d, q, &sort, 0, 0, &hs, &rc, &m, &err) != 0 ||
	    hs.n != h->n)
		return false;
	keys = calloc(hs.n, sizeof(*keys));
	for (size_t i = 0; i < hs.n; i++) {
		size_t k;
		dn_of(d, hs.pos[i], dn, sizeof(dn));
		for (k = 0; k < n_all && strcmp(dns[k], dn) != 0; k++)
			;
		if (k == n_all) {
			ok = false;
			break;
		}
		mkey(t, &all[k], ka, keys[i], sizeof(keys[i]));
		if (i == 0)
			continue;
		const char *a = keys[i - 1], *b = keys[i];
		if (!*a && *b)
			ok = false; /* absent before present */
		else if (*a && *b &&
			 (key.reverse ? strcmp(a, b) < 0 : strcmp(a, b) > 0))
			ok = false;
		if (!ok) {
			printf("# sort by %s%s: \"%s\" before \"%s\"\n", ka,
			       key.reverse ? " reverse" : "", a, b);
			break;
		}
	}
	if (ok && hs.n > 0) {
		const char *v = keys[rnd((unsigned)hs.n)];
		size_t at = ldap_dir_seek(d, &hs, &sort, v, strlen(v));
		for (size_t i = 0; i < hs.n; i++) {
			int c = keys[i][0] ? strcmp(keys[i], v) : 1;
			bool after =
				!keys[i][0] || (key.reverse ? c <= 0 : c >= 0);
			if (after != (i >= at)) {
				printf("# seek %s \"%s\": %zu of %zu, "
				       "\"%s\" at %zu\n",
				       ka, v, at, hs.n, keys[i], i);
				ok = false;
				break;
			}
		}
	}
	n_sorted++;
	free(keys);
	ldap_hits_free(&hs);
	return ok;
}

static bool check_search(const struct ldap_dir *d, const struct mtenant *t,
			 const struct mtenant *other, unsigned long seed,
			 int step)
{
	static struct ment all[MU + MP + 1];
	size_t n_all = ments(t, all);
	struct farena *a = calloc(1, sizeof(*a));
	struct ldap_search q = {0};
	struct ldap_hits h;
	enum ldap_rc rc;
	const char *matched;
	struct ob_err err;
	char base[1200], dn[1200];
	bool ok = true;
	unsigned bk = rnd(20);
	const struct ment *be = &all[rnd((unsigned)n_all)];

	q.scope = (enum ldap_scope)rnd(3);
	if (rnd(3) == 0)
		be = &all[0];
	if (bk == 0) {
		struct ment oe = {0, 0};
		ment_dn(other, &oe, base, sizeof(base));
	} else {
		ment_dn(t, be, base, sizeof(base));
		if (bk == 1) {
			/* the same DN written another way */
			for (char *p = base; *p; p++)
				if (*p >= 'a' && *p <= 'z' && rnd(2))
					*p = (char)(*p - 32);
		}
	}
	q.base.p = base;
	q.base.len = strlen(base);
	q.filter = gen_filter(a, t, all, n_all, 0);
	if (ldap_dir_search(d, &q, NULL, 0, 0, &h, &rc, &matched, &err) != 0) {
		printf("# search: %s\n", err.msg);
		ok = false;
		goto out;
	}
	if (bk == 0) {
		if (rc != LDAP_RC_NO_SUCH_OBJECT || *matched || h.n) {
			printf("# seed %lu step %d: another tenant's base %s "
			       "answered rc %d matched \"%s\"\n",
			       seed, step, base, rc, matched);
			ok = false;
		}
		goto out_hits;
	}
	if (rc != LDAP_RC_SUCCESS) {
		printf("# seed %lu step %d: base %s: rc %d\n", seed, step, base,
		       rc);
		ok = false;
		goto out_hits;
	}
	/* the model's answer, as DNs */
	char **want = calloc(n_all, sizeof(char *)), **got;
	size_t nw = 0;
	for (size_t i = 0; i < n_all; i++)
		if (mscope(t, be, &all[i], q.scope) &&
		    meval(t, &all[i], q.filter) == MT_T) {
			ment_dn(t, &all[i], dn, sizeof(dn));
			want[nw++] = strdup(dn);
		}
	got = calloc(h.n + 1, sizeof(char *));
	for (size_t i = 0; i < h.n; i++) {
		if (!dn_of(d, h.pos[i], dn, sizeof(dn)))
			ok = false;
		got[i] = strdup(dn);
		if (i > 0 &&
		    ldap_dir_key(d, h.pos[i]) <= ldap_dir_key(d, h.pos[i - 1]))
			ok = false;
	}
	n_searches++;
	n_nonempty += h.n > 0;
	n_hits += (long)h.n;
	qsort(want, nw, sizeof(char *), strp_cmp);
	qsort(got, h.n, sizeof(char *), strp_cmp);
	if (ok && nw == h.n) {
		for (size_t i = 0; i < nw; i++)
			if (strcmp(want[i], got[i]) != 0)
				ok = false;
	} else {
		ok = false;
	}
	if (!ok) {
		printf("# seed %lu step %d: base %s scope %d: %zu hits, the "
		       "model %zu\n",
		       seed, step, base, q.scope, h.n, nw);
		for (size_t i = 0; i < nw && i < 5; i++)
			printf("#   want %s\n", want[i]);
		for (size_t i = 0; i < h.n && i < 5; i++)
			printf("#   got  %s\n", got[i]);
	}
	if (ok && rnd(3) == 0) {
		static char dns[MU + MP + 1][1200];
		for (size_t i = 0; i < n_all; i++)
			ment_dn(t, &all[i], dns[i], sizeof(dns[i]));
		if (!check_sorted(d, t, &q, &h, all, dns, n_all)) {
			printf("# seed %lu step %d: sorted search\n", seed,
			       step);
			ok = false;
		}
	}
	/* limits and paging: a prefix of the whole answer */
	if (ok && h.n > 0) {
		struct ldap_hits h2;
		size_t lim = 1 + rnd((unsigned)h.n);
		size_t from = rnd((unsigned)h.n);
		if (ldap_dir_search(d, &q, NULL, 0, lim, &h2, &rc, &matched,
				    &err) != 0 ||
		    h2.n != lim || h2.more != (lim < h.n) ||
		    memcmp(h2.pos, h.pos, lim * sizeof(uint32_t)) != 0) {
			printf("# seed %lu step %d: limit %zu of %zu\n", seed,
			       step, lim, h.n);
			ok = false;
		}
		ldap_hits_free(&h2);
		if (ldap_dir_search(d, &q, NULL, ldap_dir_key(d, h.pos[from]),
				    0, &h2, &rc, &matched, &err) != 0 ||
		    h2.n != h.n - from - 1 ||
		    (h2.n && memcmp(h2.pos, h.pos + from + 1,
				    h2.n * sizeof(uint32_t)) != 0)) {
			printf("# seed %lu step %d: after the key of hit %zu "
			       "of %zu\n",
			       seed, step, from, h.n);
			ok = false;
		}
		ldap_hits_free(&h2);
	}
	for (size_t i = 0; i < nw; i++)
		free(want[i]);
	for (size_t i = 0; i < h.n; i++)
		free(got[i]);
	free(want);
	free(got);
out_hits:
	ldap_hits_free(&h);
out:
	fa_free(a);
	free(a);
	return ok;
}

/* ---- model runs --------------------------------------------------------- */

static struct dstore *open_store(const char *name)
{
	static char path[512];
	struct dstore_options o = {0};
	struct dstore *s = NULL;
	struct ob_err err;

	snprintf(path, sizeof(path), "%s/%s.db", test_tmpdir(), name);
	remove(path);
	o.path = path;
	o.sync_normal = true;
	if (dstore_open(&o, &s, &err) < 0) {
		printf("# open: %s\n", err.msg);
		exit(99);
	}
	return s;
}

static bool make_tenant(struct dstore *s, struct mtenant *t, const char *name)
{
	struct ob_err err;
	char nm[80];

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->display, sizeof(t->display), "%s Corp", name);
	if (dstore_tenant_create(s, name, t->display, &t->id, &err) != 0)
		return false;
	if (!begin(s, t))
		return false;
	/* a chain seven deep, then random units */
	int parent = -1;
	for (int i = 0; i < 7; i++) {
		unit_name(t, parent, nm, sizeof(nm));
		parent = add_unit(s, t, parent, nm);
	}
	for (int i = 0; i < 8; i++) {
		int p = rnd(4) == 0 ? -1 : (int)rnd((unsigned)t->nu);
		unit_name(t, p, nm, sizeof(nm));
		add_unit(s, t, p, nm);
	}
	for (int i = 0; i < 40; i++) {
		gen_person(t, &t->p[t->np]);
		if (store_person(s, t, &t->p[t->np]) == 0)
			t->np++;
	}
	return commit(s);
}

/* One random edit of t, inside a transaction. */
static void edit(struct dstore *s, struct mtenant *t)
{
	struct ob_err err;
	unsigned k = rnd(10);
	struct mperson *p = t->np ? &t->p[rnd((unsigned)t->np)] : NULL;

	if ((k == 0 || p == NULL) && t->np < MP) {
		gen_person(t, &t->p[t->np]);
		if (store_person(s, t, &t->p[t->np]) == 0)
			t->np++;
		return;
	}
	if (!p->live)
		return;
	switch (k) {
	case 1: /* new names and numbers */
		gen_names(p);
		p->n_work = (int)rnd(3);
		for (int i = 0; i < p->n_work; i++)
			gen_number(p->work[i], sizeof(p->work[i]), -1);
		store_person(s, t, p);
		break;
	case 2: /* move */
		p->unit = t->nu && rnd(5) ? (int)rnd((unsigned)t->nu) : -1;
		while (p->unit >= 0 && !t->u[p->unit].live)
			p->unit = t->u[p->unit].parent;
		if (dstore_person_move(s, t->id, p->uid,
				       p->unit >= 0 ? t->u[p->unit].id : 0,
				       &err) != 0)
			printf("# move: %s\n", err.msg);
		break;
	case 3: /* hide or show */
		p->hidden = !p->hidden;
		store_person(s, t, p);
		break;
	case 4: /* delete */
		if (dstore_person_delete(s, t->id, p->uid, &err) == 0)
			p->live = false;
		break;
	case 5: { /* rename a unit */
		int u = (int)rnd((unsigned)t->nu);
		char nm[80];
		if (!t->u[u].live)
			break;
		unit_name(t, t->u[u].parent, nm, sizeof(nm));
		if (dstore_unit_rename(s, t->id, t->u[u].id, nm, &err) == 0)
			snprintf(t->u[u].name, sizeof(t->u[u].name), "%s", nm);
		break;
	}
	case 6: /* a new unit */
		if (t->nu < MU) {
			int par = (int)rnd((unsigned)t->nu);
			char nm[80];
			if (!t->u[par].live)
				break;
			unit_name(t, par, nm, sizeof(nm));
			add_unit(s, t, par, nm);
		}
		break;
	default: /* a title or a mobile */
		if (rnd(2))
			snprintf(p->title, sizeof(p->title), "T%u", rnd(50));
		else
			gen_number(p->cell, sizeof(p->cell), -1);
		store_person(s, t, p);
		break;
	}
}

static bool model_run(unsigned long seed, int steps)
{
	static struct mtenant t[2];
	struct dstore *s;
	struct ldap_dircache *c;
	struct ldap_dir_config cfg = {.max_photo = 65536, .idle_evict = 60};
	struct ob_err err;
	bool ok = true;

	rng = seed * 2654435761ull + 1;
	s = open_store("model");
	if (!make_tenant(s, &t[0], "acme") || !make_tenant(s, &t[1], "beta")) {
		dstore_close(&s);
		return false;
	}
	ldap_dircache_new(&cfg, &c, &err);
	for (int step = 0; ok && step < steps; step++) {
		int w = (int)rnd(2);
		int edits = (int)rnd(4);
		if (edits && begin(s, &t[w])) {
			for (int i = 0; i < edits; i++)
				edit(s, &t[w]);
			ok = commit(s);
		}
		if (step % 17 == 16) {
			/* a fresh cache now and then: the full load */
			ldap_dircache_free(&c);
			ldap_dircache_new(&cfg, &c, &err);
		}
		for (int k = 0; ok && k < 2; k++) {
			struct ldap_dir *d = NULL;
			struct dstore_tenant tt;
			if (ldap_dircache_get(c, s, t[k].id, "", &d, &err) !=
			    0) {
				printf("# get: %s\n", err.msg);
				ok = false;
				break;
			}
			dstore_tenant_get(s, t[k].id, &tt, &err);
			if (ldap_dir_revision(d) != tt.revision) {
				printf("# seed %lu step %d: snapshot at %lld, "
				       "store at %lld\n",
				       seed, step,
				       (long long)ldap_dir_revision(d),
				       (long long)tt.revision);
				ok = false;
			}
			for (int i = 0; ok && i < 12; i++)
				ok = check_search(d, &t[k], &t[1 - k], seed,
						  step);
			ldap_dir_release(&d);
		}
	}
	ldap_dircache_free(&c);
	dstore_close(&s);
	return ok;
}

/* ---- fixed cases -------------------------------------------------------- */

static struct ldap_filter F_eq(const char *a, const char *v)
{
	struct ldap_filter f = {.kind = LDAP_F_EQ};

	f.attr.p = (char *)a;
	f.attr.len = strlen(a);
	f.value.p = (char *)v;
	f.value.len = strlen(v);
	return f;
}

static struct ldap_filter F_sub(const char *a, const char *ini, const char *fin)
{
	struct ldap_filter f = {.kind = LDAP_F_SUBSTR};

	f.attr.p = (char *)a;
	f.attr.len = strlen(a);
	if (ini)
		f.initial = (struct ldap_val){(char *)ini, strlen(ini)};
	if (fin)
		f.final = (struct ldap_val){(char *)fin, strlen(fin)};
	return f;
}

/* The DNs found by f under base (sub), joined by "|". */
static const char *find(const struct ldap_dir *d, const char *base,
			struct ldap_filter *f, const struct ldap_sort *sort)
{
	static char out[4096];
	struct ldap_search q = {.scope = LDAP_SCOPE_SUB, .filter = f};
	struct ldap_hits h;
	enum ldap_rc rc;
	const char *m;
	struct ob_err err;
	char dn[1024];

	q.base.p = (char *)base;
	q.base.len = strlen(base);
	out[0] = '\0';
	if (ldap_dir_search(d, &q, sort, 0, 0, &h, &rc, &m, &err) != 0)
		return "error";
	if (rc != LDAP_RC_SUCCESS) {
		snprintf(out, sizeof(out), "rc %d matched %s", rc, m);
		return out;
	}
	for (size_t i = 0; i < h.n; i++) {
		dn_of(d, h.pos[i], dn, sizeof(dn));
		if (i)
			strcat(out, "|");
		strncat(out, dn, sizeof(out) - strlen(out) - 2);
	}
	ldap_hits_free(&h);
	return out;
}

static const char *entry_text(const struct ldap_dir *d, struct dstore *s,
			      const char *dn, const char *const *want,
			      size_t n_want, bool types_only)
{
	static char out[8192];
	struct ldap_val w[8];
	struct ldap_search q = {.scope = LDAP_SCOPE_BASE};
	struct ldap_filter all = {.kind = LDAP_F_AND};
	struct ldap_hits h;
	enum ldap_rc rc;
	const char *m;
	struct ob_err err;
	struct ob_buf b;

	q.base.p = (char *)dn;
	q.base.len = strlen(dn);
	q.filter = &all;
	for (size_t i = 0; i < n_want; i++)
		w[i] = (struct ldap_val){(char *)want[i], strlen(want[i])};
	if (ldap_dir_search(d, &q, NULL, 0, 0, &h, &rc, &m, &err) != 0 ||
	    h.n != 1)
		return "none";
	ob_buf_init(&b, 1 << 20);
	if (ldap_dir_put_entry(d, h.pos[0], 2, w, n_want, types_only, s, &b,
			       &err) != 0)
		snprintf(out, sizeof(out), "error %s", err.msg);
	else {
		ber_to_text(&b);
		snprintf(out, sizeof(out), "%s", ob_buf_str(&b));
	}
	ob_buf_deinit(&b);
	ldap_hits_free(&h);
	return out;
}

/* Threads asking the cache for the same enterprise at once, each on a
 * store connection of its own. */
struct racer {
	pthread_barrier_t *bar;
	struct ldap_dircache *c;
	const char *path;
	int64_t t;
	struct ldap_dir *d;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct dstore_options o = {.path = r->path, .sync_normal = true};
	struct dstore *s = NULL;
	struct ob_err err;

	if (dstore_open(&o, &s, &err) != 0)
		return NULL;
	pthread_barrier_wait(r->bar);
	if (ldap_dircache_get(r->c, s, r->t, "", &r->d, &err) != 0)
		r->d = NULL;
	dstore_close(&s);
	return NULL;
}

static void cache_cases(struct dstore *s, const char *path, int64_t t,
			struct ldap_dircache *c)
{
	struct ldap_dircache_stats st0, st;
	struct ob_err err;
	struct ldap_dir *d = NULL;
	int64_t u;

	test_begin("cache: threads at once after a change share one rebuild");
	test_assert_int(ldap_dircache_get(c, s, t, "", &d, &err), 0);
	ldap_dir_release(&d);
	ldap_dircache_stats(c, &st0);
	dstore_begin(s, t, "test", &err);
	dstore_unit_add(s, t, 0, "Race", 0, &u, &err);
	dstore_commit(s, NULL, &err);
	{
		pthread_barrier_t bar;
		pthread_t th[4];
		struct racer r[4];
		pthread_barrier_init(&bar, NULL, 4);
		for (int i = 0; i < 4; i++) {
			r[i] = (struct racer){&bar, c, path, t, NULL};
			pthread_create(&th[i], NULL, race, &r[i]);
		}
		for (int i = 0; i < 4; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&bar);
		for (int i = 0; i < 4; i++) {
			test_assert(r[i].d != NULL);
			test_assert(r[i].d == r[0].d);
		}
		for (int i = 0; i < 4; i++)
			ldap_dir_release(&r[i].d);
	}
	ldap_dircache_stats(c, &st);
	test_assert_int((long long)(st.delta - st0.delta), 1);
	test_assert_int((long long)(st.full - st0.full), 0);
	test_end();

	test_begin("cache: history pruned below the snapshot: a full load");
	dstore_begin(s, t, "test", &err);
	dstore_unit_rename(s, t, u, "Race 2", &err);
	dstore_commit(s, NULL, &err);
	dstore_begin(s, t, "prune", &err);
	test_assert_int(dstore_prune(s, t, (int64_t)time(NULL) + 400 * 86400,
				     NULL, &err),
			0);
	dstore_commit(s, NULL, &err);
	test_assert_int(ldap_dircache_get(c, s, t, "", &d, &err), 0);
	ldap_dircache_stats(c, &st0);
	test_assert_int((long long)(st0.full - st.full), 1);
	test_assert_int((long long)(st0.delta - st.delta), 0);
	struct ldap_filter f = F_eq("ou", "race 2");
	test_assert_str(find(d, "dc=acme", &f, NULL), "ou=Race 2,dc=acme");
	ldap_dir_release(&d);
	test_end();

	test_begin("cache: an idle snapshot is evicted");
	struct ldap_dir_config cfg = {.max_photo = 0, .idle_evict = 1};
	struct ldap_dircache *c2;
	int64_t t2;
	ldap_dircache_new(&cfg, &c2, &err);
	dstore_tenant_create(s, "beta", "Beta", &t2, &err);
	test_assert_int(ldap_dircache_get(c2, s, t, "", &d, &err), 0);
	ldap_dir_release(&d);
	ldap_dircache_stats(c2, &st);
	test_assert_int((long long)st.held, 1);
	sleep(2);
	test_assert_int(ldap_dircache_get(c2, s, t2, "", &d, &err), 0);
	ldap_dircache_stats(c2, &st);
	test_assert_int((long long)st.held, 1); /* acme's went */
	/* and beta's snapshot never answers for acme */
	f = F_eq("uid", "zs");
	test_assert_str(find(d, "dc=acme", &f, NULL), "rc 32 matched ");
	test_assert_str(ldap_dir_base(d), "dc=beta");
	ldap_dir_release(&d);
	ldap_dircache_free(&c2);
	test_end();
}

static unsigned char *slurp_file(const char *rel, size_t *len_r)
{
	FILE *f = fopen(test_srcpath(rel), "rb");
	unsigned char *b = malloc(1 << 20);
	size_t n = 0;

	if (f != NULL && b != NULL)
		n = fread(b, 1, 1 << 20, f);
	if (f != NULL)
		fclose(f);
	*len_r = n;
	return b;
}

/* jpegPhoto under a thumbnail edge: a PNG (stored, small) and a JPEG
 * turned by EXIF both come as upright JPEGs within the edge; with the
 * edge 0 only a stored JPEG within the cap goes. */
static void photos(void)
{
	struct dstore *s = open_store("photos");
	struct ldap_dircache *c;
	struct ldap_dir_config cfg = {
		.max_photo = 65536, .idle_evict = 60, .photo_edge = 8};
	struct ldap_dir *d = NULL;
	struct ob_err err;
	int64_t t;
	size_t plen = 0, jlen = 0;
	unsigned char *png = slurp_file("testdata/photos/alpha.png", &plen);
	unsigned char *jpg =
		slurp_file("testdata/photos/portrait-exif6.jpg", &jlen);
	struct dstore_person p1 = {.uid = "png",
				   .family = "Png",
				   .given = "A",
				   .photo = png,
				   .photo_len = plen};
	struct dstore_person p2 = {.uid = "jpg",
				   .family = "Jpg",
				   .given = "B",
				   .photo = jpg,
				   .photo_len = jlen};

	test_begin("jpegPhoto: a thumbnail, always JPEG, upright, in the edge");
	dstore_tenant_create(s, "acme", "Acme Inc", &t, &err);
	dstore_begin(s, t, "test", &err);
	test_assert_int(dstore_person_put(s, t, &p1, NULL, &err), 0);
	test_assert_int(dstore_person_put(s, t, &p2, NULL, &err), 0);
	dstore_commit(s, NULL, &err);
	for (int edge = 8; edge >= 0; edge -= 8) {
		cfg.photo_edge = (uint32_t)edge;
		test_assert_int(ldap_dircache_new(&cfg, &c, &err), 0);
		test_assert_int(ldap_dircache_get(c, s, t, "", &d, &err), 0);
		const char *uids[] = {"png", "jpg"};
		for (int i = 0; i < 2; i++) {
			struct ldap_search q = {0};
			struct ldap_filter all = {.kind = LDAP_F_PRESENT,
						  .attr = {"objectClass", 11}};
			struct ldap_val want = {"jpegPhoto", 9};
			struct ldap_hits h = {0};
			enum ldap_rc rc;
			const char *m;
			char dn[64];
			struct ob_buf b;
			struct ber_reader top, msg, e, attrs, a, vals;
			struct ber_elem x;
			struct img_info info = {0};
			bool found = false;

			snprintf(dn, sizeof(dn), "uid=%s,dc=acme", uids[i]);
			q.base = (struct ldap_val){dn, strlen(dn)};
			q.scope = LDAP_SCOPE_BASE;
			q.filter = &all;
			test_assert_int(ldap_dir_search(d, &q, NULL, 0, 0, &h,
							&rc, &m, &err),
					0);
			test_assert_int(h.n, 1);
			ob_buf_init(&b, 1 << 20);
			test_assert_int(ldap_dir_put_entry(d, h.pos[0], 2,
							   &want, 1, false, s,
							   &b, &err),
					0);
			ldap_hits_free(&h);
			ber_reader_init(&top, b.data, b.len);
			if (ber_expect(&top, BER_SEQUENCE, &x) == 0 &&
			    ber_enter(&top, &x, &msg) == 0 &&
			    ber_expect(&msg, BER_INTEGER, &x) == 0 &&
			    ber_expect(&msg, BER_APP(4) | BER_CONSTRUCTED,
				       &x) == 0 &&
			    ber_enter(&msg, &x, &e) == 0 &&
			    ber_expect(&e, BER_OCTETS, &x) == 0 &&
			    ber_expect(&e, BER_SEQUENCE, &x) == 0 &&
			    ber_enter(&e, &x, &attrs) == 0 &&
			    ber_expect(&attrs, BER_SEQUENCE, &x) == 0 &&
			    ber_enter(&attrs, &x, &a) == 0 &&
			    ber_expect(&a, BER_OCTETS, &x) == 0 &&
			    ber_expect(&a, BER_SET, &x) == 0 &&
			    ber_enter(&a, &x, &vals) == 0 &&
			    ber_expect(&vals, BER_OCTETS, &x) == 0) {
				found = true;
				test_assert_int(img_probe(x.p, x.len, NULL,
							  &info, &err),
						0);
			}
			if (edge == 0) {
				/* as stored: the JPEG within the cap, no PNG */
				test_assert_int(found, i == 1);
				test_assert(!found || x.len == jlen);
			} else {
				test_assert(found);
				test_assert_int(info.format, IMG_JPEG);
				test_assert(info.width <= 8 &&
					    info.height <= 8);
				test_assert_int(info.orientation, 1);
			}
			ob_buf_deinit(&b);
		}
		ldap_dir_release(&d);
		ldap_dircache_free(&c);
	}
	test_end();
	free(png);
	free(jpg);
	dstore_close(&s);
}

/* Initials follow an administrator's reading: 张乐 read "zhang yue" is
 * "zy" (the characters alone say "zl"), a joined reading is cut into
 * syllables, a reading that is no pinyin gives its words' initials, and
 * a hostile reading costs bounded work. */
static void readings(void)
{
	struct dstore *s = open_store("readings");
	struct ldap_dircache *c;
	struct ldap_dir_config cfg = {.max_photo = 0, .idle_evict = 60};
	struct ldap_dir *d = NULL;
	struct ob_err err;
	int64_t t;
	char hostile[200];
	struct dstore_person p[] = {
		{.uid = "zy",
		 .family = "张",
		 .given = "乐",
		 .phonetic_family = "zhang",
		 .phonetic_given = "yue"},
		{.uid = "oy",
		 .family = "欧阳",
		 .given = "明月",
		 .phonetic_family = "ouyang",
		 .phonetic_given = "ming yue"},
		{.uid = "en",
		 .family = "王",
		 .given = "小明",
		 .phonetic_family = "Wong",
		 .phonetic_given = "Siu Ming"},
		{.uid = "hx",
		 .family = "张",
		 .given = "三三三三三三三三三三三三三三",
		 .phonetic_family = "zhang",
		 .phonetic_given = hostile},
	};
	static const struct {
		const char *filter_init, *uid;
		bool found;
	} want[] = {
		{"zy", "zy", true},       {"zl", "zy", false},
		{"oymy", "oy", true},     {"oym", "oy", true},
		{"wsm", "en", true},      {"wxm", "en", false},
		{"zhangyue", "zy", true},
	};

	memset(hostile, 'a', sizeof(hostile) - 1);
	hostile[sizeof(hostile) - 1] = '\0';
	test_begin("initials of the stored reading, cut into syllables");
	dstore_tenant_create(s, "acme", "Acme Inc", &t, &err);
	dstore_begin(s, t, "test", &err);
	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		test_assert_int(dstore_person_put(s, t, &p[i], NULL, &err), 0);
	dstore_commit(s, NULL, &err);
	test_assert_int(ldap_dircache_new(&cfg, &c, &err), 0);
	uint64_t t0 = ob_now_us();
	test_assert_int(ldap_dircache_get(c, s, t, "", &d, &err), 0);
	test_assert(ob_now_us() - t0 < 2000000); /* the hostile reading */
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct ldap_val init = {(char *)want[i].filter_init,
					strlen(want[i].filter_init)};
		struct ldap_filter f = {.kind = LDAP_F_SUBSTR,
					.attr = {"cn", 2},
					.initial = init};
		struct ldap_search q = {.base = {"dc=acme", 7},
					.scope = LDAP_SCOPE_SUB,
					.filter = &f};
		struct ldap_hits h = {0};
		enum ldap_rc rc;
		const char *m;
		char dn[64];
		bool found = false;
		test_assert_int(
			ldap_dir_search(d, &q, NULL, 0, 0, &h, &rc, &m, &err),
			0);
		for (size_t j = 0; j < h.n; j++) {
			char got[128];
			snprintf(dn, sizeof(dn), "uid=%s,dc=acme", want[i].uid);
			if (dn_of(d, h.pos[j], got, sizeof(got)) &&
			    strcmp(got, dn) == 0)
				found = true;
		}
		if (found != want[i].found)
			printf("# (cn=%s*): %s %s\n", want[i].filter_init,
			       want[i].uid, found ? "found" : "missing");
		test_assert_int(found, want[i].found);
		ldap_hits_free(&h);
	}
	ldap_dir_release(&d);
	ldap_dircache_free(&c);
	dstore_close(&s);
	test_end();
}

static void fixed(void)
{
	struct dstore *s = open_store("fixed");
	struct ldap_dircache *c;
	struct ldap_dir_config cfg = {.max_photo = 1000, .idle_evict = 60};
	struct ldap_dir *d = NULL;
	struct ob_err err;
	int64_t t, u1, u2, u3;
	struct dstore_phone ph1[] = {{"work", "+86 21 6807 3439 ext 196"},
				     {"cell", "+86 139-1234 5678"}};
	struct dstore_phone ph2[] = {{"work", "021 6807 1111"}};
	unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J',  'F',
				'I',  'F',  0,    1,    1, 0,    0xFF, 0xD9};
	unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n',
			       0,    0,   0,   13,  'I',  'H',  'D',  'R'};
	struct dstore_person p1 = {.uid = "zs",
				   .family = "张",
				   .given = "三",
				   .phones = ph1,
				   .n_phones = 2,
				   .photo = jpeg,
				   .photo_len = sizeof(jpeg)};
	struct dstore_person p2 = {.uid = "oy, 1",
				   .family = "欧阳",
				   .given = "小明",
				   .phones = ph2,
				   .n_phones = 1,
				   .photo = png,
				   .photo_len = sizeof(png)};
	struct dstore_person p3 = {.uid = "js",
				   .family = "Smith",
				   .given = "John",
				   .title = "Boss",
				   .street = "1 Main St, Room $2 \\ B",
				   .locality = "Shanghai",
				   .country = "CN"};
	struct dstore_person p4 = {
		.uid = "hid", .family = "张", .given = "四", .hidden = true};

	dstore_tenant_create(s, "acme", "Acme Inc", &t, &err);
	dstore_begin(s, t, "test", &err);
	dstore_unit_add(s, t, 0, "R&D, Sales+", 0, &u1, &err);
	dstore_unit_add(s, t, u1, "研发部", 0, &u2, &err);
	dstore_unit_add(s, t, 0, "Ops", 0, &u3, &err);
	p1.unit_id = u2;
	p2.unit_id = u1;
	dstore_person_put(s, t, &p1, NULL, &err);
	dstore_person_put(s, t, &p2, NULL, &err);
	dstore_person_put(s, t, &p3, NULL, &err);
	dstore_person_put(s, t, &p4, NULL, &err);
	dstore_commit(s, NULL, &err);
	ldap_dircache_new(&cfg, &c, &err);

	test_begin("snapshot: the base, units nested, RFC 4514 escapes");
	test_assert_int(ldap_dircache_get(c, s, t, "", &d, &err), 0);
	test_assert_str(ldap_dir_base(d), "dc=acme");
	struct ldap_filter f = F_eq("uid", "zs");
	test_assert_str(find(d, "dc=acme", &f, NULL),
			"uid=zs,ou=研发部,ou=R&D\\, Sales\\+,dc=acme");
	f = F_eq("uid", "oy, 1");
	test_assert_str(find(d, "DC = ACME", &f, NULL),
			"uid=oy\\, 1,ou=R&D\\, Sales\\+,dc=acme");
	test_assert(ldap_dir_holds_dn(d, "ou=x, DC=Acme", 13));
	test_assert(!ldap_dir_holds_dn(d, "dc=beta", 7));
	test_assert(!ldap_dir_holds_dn(d, "dc=acme,dc=x", 12));
	f = F_eq("uid", "hid");
	test_assert_str(find(d, "dc=acme", &f, NULL), "");
	test_end();

	test_begin("bases: normalised, escaped in hex, unknown below, invalid");
	f = (struct ldap_filter){.kind = LDAP_F_AND};
	test_assert_str(find(d,
			     "uid=zs,ou=\\E7\\A0\\94\\E5\\8F\\91\\E9\\83\\A8,"
			     "OU=r&d\\2C sales\\2b, dc=acme",
			     &f, NULL),
			"uid=zs,ou=研发部,ou=R&D\\, Sales\\+,dc=acme");
	test_assert_str(find(d, "ou=nope,ou=Ops,dc=acme", &f, NULL),
			"rc 32 matched ou=Ops,dc=acme");
	test_assert_str(find(d, "ou=Ops,dc=beta", &f, NULL), "rc 32 matched ");
	test_assert_str(find(d, "ou=Ops,,dc=acme", &f, NULL), "rc 34 matched ");
	/* a value escaping a NUL names nothing here (no name holds one):
	 * not the name before the NUL */
	test_assert_str(find(d,
			     "uid=zs\\00x,ou=研发部,ou=R&D\\, Sales\\+,"
			     "dc=acme",
			     &f, NULL),
			"rc 32 matched ou=研发部,ou=R&D\\, Sales\\+,dc=acme");
	test_assert(!ldap_dir_holds_dn(d, "dc=acme\\00", 10));
	test_assert(!ldap_dir_holds_dn(d, "ou=x,dc=acme\\00.beta", 17));
	test_assert_int(
		ldap_dir_compare(d,
				 "uid=zs\\00,ou=研发部,ou=R&D\\, "
				 "Sales\\+,dc=acme",
				 strlen("uid=zs\\00,ou=研发部,ou=R&D\\, "
					"Sales\\+,dc=acme"),
				 "sn", "ZHANG", 5),
		LDAP_RC_NO_SUCH_OBJECT);
	test_end();

	test_begin("names: pinyin spaced, joined, initials; case; spaces");
	struct ldap_filter subs[2] = {F_sub("cn", "zh", NULL),
				      F_sub("sn", "zh", NULL)};
	struct ldap_filter *sp[2] = {&subs[0], &subs[1]};
	struct ldap_filter orf = {.kind = LDAP_F_OR, .sub = sp, .n_sub = 2};
	test_assert_str(find(d, "dc=acme", &orf, NULL),
			"uid=zs,ou=研发部,ou=R&D\\, Sales\\+,dc=acme");
	f = F_sub("cn", "ZS", NULL);
	test_assert_str(find(d, "dc=acme", &f, NULL),
			"uid=zs,ou=研发部,ou=R&D\\, Sales\\+,dc=acme");
	f = F_eq("cn", "zhang  SAN ");
	test_assert_str(find(d, "dc=acme", &f, NULL),
			"uid=zs,ou=研发部,ou=R&D\\, Sales\\+,dc=acme");
	f = F_sub("sn", "oy", NULL);
	test_assert_str(find(d, "dc=acme", &f, NULL),
			"uid=oy\\, 1,ou=R&D\\, Sales\\+,dc=acme");
	f = F_sub("displayName", "ouyangx", NULL);
	test_assert_str(find(d, "dc=acme", &f, NULL),
			"uid=oy\\, 1,ou=R&D\\, Sales\\+,dc=acme");
	f = F_sub("cn", NULL, "ohn smith");
	test_assert_str(find(d, "dc=acme", &f, NULL), "uid=js,dc=acme");
	test_end();

	test_begin("numbers: suffix, national = international, extension");
	f = F_sub("telephoneNumber", NULL, "3439");
	test_assert_str(find(d, "dc=acme", &f, NULL),
			"uid=zs,ou=研发部,ou=R&D\\, Sales\\+,dc=acme");
	f = F_sub("mobile", NULL, "5678");
	test_assert_str(find(d, "dc=acme", &f, NULL),
			"uid=zs,ou=研发部,ou=R&D\\, Sales\\+,dc=acme");
	f = F_eq("mobile", "139 1234 5678");
	test_assert_str(find(d, "dc=acme", &f, NULL),
			"uid=zs,ou=研发部,ou=R&D\\, Sales\\+,dc=acme");
	f = F_eq("telephoneNumber", "02168073439");
	test_assert_str(find(d, "dc=acme", &f, NULL),
			"uid=zs,ou=研发部,ou=R&D\\, Sales\\+,dc=acme");
	f = F_eq("telephoneNumber", "+862168071111");
	test_assert_str(find(d, "dc=acme", &f, NULL),
			"uid=oy\\, 1,ou=R&D\\, Sales\\+,dc=acme");
	f = F_eq("telephoneNumber", "8071111");
	test_assert_str(find(d, "dc=acme", &f, NULL),
			"uid=oy\\, 1,ou=R&D\\, Sales\\+,dc=acme");
	f = F_eq("telephoneNumber", "071111");
	test_assert_str(find(d, "dc=acme", &f, NULL), "");
	f = F_eq("mobile", "345678"); /* six digits: not the number */
	test_assert_str(find(d, "dc=acme", &f, NULL), "");
	f = F_eq("mobile", "2345678");
	test_assert_str(find(d, "dc=acme", &f, NULL),
			"uid=zs,ou=研发部,ou=R&D\\, Sales\\+,dc=acme");
	f = F_sub("telephoneNumber", "zh", NULL); /* Grandstream's template */
	test_assert_str(find(d, "dc=acme", &f, NULL), "");
	f = F_eq("ipPhone", "196");
	test_assert_str(find(d, "dc=acme", &f, NULL),
			"uid=zs,ou=研发部,ou=R&D\\, Sales\\+,dc=acme");
	test_end();

	test_begin("logic: unknown attributes are Undefined, NOT keeps it");
	f = F_eq("fooBar", "x");
	struct ldap_filter *fp = &f;
	struct ldap_filter notf = {.kind = LDAP_F_NOT, .sub = &fp, .n_sub = 1};
	test_assert_str(find(d, "uid=js,dc=acme", &notf, NULL), "");
	struct ldap_filter no = {.kind = LDAP_F_OR};
	test_assert_str(find(d, "uid=js,dc=acme", &no, NULL), "");
	f = F_eq("title", "x");
	test_assert_str(find(d, "uid=js,dc=acme", &notf, NULL),
			"uid=js,dc=acme");
	test_end();

	test_begin("sort by pinyin, reverse, absent last; VLV seek");
	struct ldap_sort_key key = {.attr = {"sn", 2}};
	struct ldap_sort sort = {.present = true, .keys = &key, .n_keys = 1};
	f = (struct ldap_filter){.kind = LDAP_F_AND};
	struct ldap_filter person = F_eq("objectClass", "PERSON");
	test_assert_str(find(d, "dc=acme", &person, &sort),
			"uid=oy\\, 1,ou=R&D\\, Sales\\+,dc=acme|uid=js,dc=acme|"
			"uid=zs,ou=研发部,ou=R&D\\, Sales\\+,dc=acme");
	key.reverse = true;
	test_assert_str(find(d, "dc=acme", &f, &sort),
			"uid=zs,ou=研发部,ou=R&D\\, Sales\\+,dc=acme|"
			"uid=js,dc=acme|uid=oy\\, 1,ou=R&D\\, Sales\\+,dc=acme|"
			"dc=acme|ou=R&D\\, Sales\\+,dc=acme|"
			"ou=研发部,ou=R&D\\, Sales\\+,dc=acme|ou=Ops,dc=acme");
	key.reverse = false;
	{
		struct ldap_search q = {.scope = LDAP_SCOPE_SUB,
					.filter = &person};
		struct ldap_hits h;
		enum ldap_rc rc;
		const char *m;
		q.base = (struct ldap_val){"dc=acme", 7};
		ldap_dir_search(d, &q, &sort, 0, 0, &h, &rc, &m, &err);
		test_assert_int(h.n, 3);
		test_assert_int(ldap_dir_seek(d, &h, &sort, "S", 1), 1);
		test_assert_int(ldap_dir_seek(d, &h, &sort, "zhang", 5), 2);
		test_assert_int(ldap_dir_seek(d, &h, &sort, "zz", 2), 3);
		test_assert_int(ldap_dir_seek(d, &h, &sort, "", 0), 0);
		ldap_hits_free(&h);
	}
	test_end();

	test_begin("entries: attributes asked, operational, photo JPEG only");
	const char *none[1] = {NULL};
	const char *t1 = entry_text(d, s,
				    "uid=zs,ou=研发部,ou=R&D\\, Sales\\+,"
				    "dc=acme",
				    none, 0, false);
	test_assert(strstr(t1, "cn: 张三\n") != NULL);
	test_assert(strstr(t1, "telephoneNumber: +86 21 6807 3439 ext 196\n"));
	test_assert(strstr(t1, "ipPhone: 196\n") != NULL);
	test_assert(strstr(t1, "orgbookPinyin: zhang san\n") != NULL);
	test_assert(strstr(t1, "orgbookPinyin: zhangsan\n") != NULL);
	test_assert(strstr(t1, "orgbookPinyin: zs\n") != NULL);
	test_assert(strstr(t1, "ou: 研发部\n") != NULL);
	test_assert(strstr(t1, "o: Acme Inc\n") != NULL);
	test_assert(strstr(t1, "objectClass: inetOrgPerson\n") != NULL);
	test_assert(strstr(t1, "jpegPhoto") == NULL);
	test_assert(strstr(t1, "entryDN") == NULL);
	const char *w1[] = {"CN", "jpegPhoto"};
	t1 = entry_text(d, s, "uid=zs,ou=研发部,ou=R&D\\, Sales\\+,dc=acme", w1,
			2, false);
	test_assert_str(t1, "dn: uid=zs,ou=研发部,ou=R&D\\, Sales\\+,dc=acme\n"
			    "cn: 张三\njpegPhoto:: <16 bytes>\n");
	t1 = entry_text(d, s, "uid=oy\\, 1,ou=R&D\\, Sales\\+,dc=acme", w1, 2,
			true);
	test_assert_str(t1, "dn: uid=oy\\, 1,ou=R&D\\, Sales\\+,dc=acme\n"
			    "cn:\n");
	const char *w5[] = {"postalAddress", "street", "l"};
	t1 = entry_text(d, s, "uid=js,dc=acme", w5, 3, false);
	test_assert_str(t1, "dn: uid=js,dc=acme\n"
			    "postalAddress: 1 Main St, Room \\242 \\5C "
			    "B$Shanghai$CN\n"
			    "street: 1 Main St, Room $2 \\ B\nl: Shanghai\n");
	const char *w2[] = {"+"};
	t1 = entry_text(d, s, "ou=Ops,dc=acme", w2, 1, false);
	test_assert_str(t1, "dn: ou=Ops,dc=acme\nentryDN: ou=Ops,dc=acme\n"
			    "hasSubordinates: FALSE\n"
			    "structuralObjectClass: organizationalUnit\n");
	const char *w3[] = {"1.1"};
	t1 = entry_text(d, s, "dc=acme", w3, 1, false);
	test_assert_str(t1, "dn: dc=acme\n");
	const char *w4[] = {"*"};
	t1 = entry_text(d, s, "dc=acme", w4, 1, false);
	test_assert_str(t1, "dn: dc=acme\nobjectClass: top\n"
			    "objectClass: dcObject\nobjectClass: organization\n"
			    "o: Acme Inc\ndc: acme\n");
	test_end();

	test_begin("hostile: random DNs, filters nested past the cap");
	{
		char junk[64];
		struct ldap_filter all = {.kind = LDAP_F_AND};
		struct ldap_search q = {.scope = LDAP_SCOPE_SUB,
					.filter = &all};
		struct ldap_hits h;
		enum ldap_rc rc;
		const char *m;
		static const char alpha[] = "dcou=uid,+\\#\" ;<>=0aF";
		int odd = 0;
		rng = 99;
		for (int i = 0; i < 3000; i++) {
			size_t n = rnd(sizeof(junk));
			for (size_t k = 0; k < n; k++)
				junk[k] = rnd(4) ? alpha[rnd(sizeof(alpha) - 1)]
						 : (char)rnd(256);
			odd += ldap_dir_holds_dn(d, junk, n);
			q.base = (struct ldap_val){junk, n};
			if (ldap_dir_search(d, &q, NULL, 0, 0, &h, &rc, &m,
					    &err) != 0 ||
			    (rc != LDAP_RC_SUCCESS && h.n != 0))
				odd += 1000;
			ldap_hits_free(&h);
		}
		test_assert(odd < 1000);
		static struct ldap_filter deep[300];
		static struct ldap_filter *dp[300];
		for (int i = 0; i < 300; i++) {
			deep[i] = (struct ldap_filter){.kind = LDAP_F_NOT};
			dp[i] = &deep[i + 1 < 300 ? i + 1 : i];
			deep[i].sub = &dp[i];
			deep[i].n_sub = i + 1 < 300 ? 1 : 0;
		}
		q.base = (struct ldap_val){"dc=acme", 7};
		q.filter = &deep[0];
		test_assert_int(
			ldap_dir_search(d, &q, NULL, 0, 0, &h, &rc, &m, &err),
			OB_E_INVAL);
		q.filter = &deep[200];
		test_assert_int(
			ldap_dir_search(d, &q, NULL, 0, 0, &h, &rc, &m, &err),
			0);
		test_assert_int(h.n,
				0); /* NOT ... of an empty NOT: Undefined */
		ldap_hits_free(&h);
	}
	test_end();

	test_begin("compare");
	const char *zs = "uid=zs,ou=研发部,ou=R&D\\, Sales\\+,dc=acme";
	test_assert_int(ldap_dir_compare(d, zs, strlen(zs), "sn", "ZHANG", 5),
			LDAP_RC_COMPARE_TRUE);
	test_assert_int(ldap_dir_compare(d, zs, strlen(zs), "sn", "li", 2),
			LDAP_RC_COMPARE_FALSE);
	test_assert_int(ldap_dir_compare(d, zs, strlen(zs), "foo", "li", 2),
			LDAP_RC_NO_SUCH_ATTRIBUTE);
	test_assert_int(ldap_dir_compare(d, "uid=x,dc=acme", 13, "sn", "li", 2),
			LDAP_RC_NO_SUCH_OBJECT);
	test_assert_int(
		ldap_dir_compare(d, "uid=x,,dc=acme", 14, "sn", "li", 2),
		LDAP_RC_INVALID_DN);
	test_assert_int(ldap_dir_compare(d, zs, strlen(zs), "mobile",
					 "+8613912345678", 14),
			LDAP_RC_COMPARE_TRUE);
	test_assert_int(ldap_dir_compare(d, zs, strlen(zs), "title", "x", 1),
			LDAP_RC_NO_SUCH_ATTRIBUTE);
	test_end();

	test_begin("cache: the same snapshot while nothing changed, the next "
		   "one after a change");
	struct ldap_dir *d2 = NULL;
	test_assert_int(ldap_dircache_get(c, s, t, "", &d2, &err), 0);
	test_assert(d2 == d);
	ldap_dir_release(&d2);
	dstore_begin(s, t, "test", &err);
	dstore_unit_rename(s, t, u2, "Dev", &err);
	dstore_commit(s, NULL, &err);
	test_assert_int(ldap_dircache_get(c, s, t, "", &d2, &err), 0);
	test_assert(d2 != d);
	f = F_eq("uid", "zs");
	test_assert_str(find(d2, "dc=acme", &f, NULL),
			"uid=zs,ou=Dev,ou=R&D\\, Sales\\+,dc=acme");
	/* the old one is still whole for its readers */
	test_assert_str(find(d, "dc=acme", &f, NULL),
			"uid=zs,ou=研发部,ou=R&D\\, Sales\\+,dc=acme");
	ldap_dir_release(&d2);
	test_assert_int(
		ldap_dircache_get(c, s, t, "o=Acme Inc,c=CN", &d2, &err), 0);
	test_assert_str(find(d2, "O=acme inc, C=cn", &f, NULL),
			"uid=zs,ou=Dev,ou=R&D\\, Sales\\+,o=Acme Inc,c=CN");
	ldap_dir_release(&d2);
	test_end();

	ldap_dir_release(&d);
	{
		char path[512];
		snprintf(path, sizeof(path), "%s/fixed.db", test_tmpdir());
		cache_cases(s, path, t, c);
	}
	ldap_dircache_free(&c);
	dstore_close(&s);
}

int main(void)
{
	const char *seed_env = getenv("OB_TEST_SEED");
	const char *steps_env = getenv("OB_TEST_STEPS");
	bool vg = getenv("OB_VALGRIND") != NULL;
	int steps = steps_env ? atoi(steps_env) : vg ? 10 : 40;
	unsigned long first = seed_env ? strtoul(seed_env, NULL, 10) : 4100;
	int runs = seed_env ? 1 : vg ? 1 : 4;

	fixed();
	photos();
	readings();
	test_begin("model: random directories and edits, every search as the "
		   "brute-force evaluator says");
	for (int r = 0; r < runs; r++) {
		unsigned long seed = first + (unsigned long)r;
		if (!model_run(seed, steps)) {
			test_fail(__FILE__, __LINE__,
				  "seed %lu: OB_TEST_SEED=%lu OB_TEST_STEPS=%d "
				  "ldap/test-ldap-dir",
				  seed, seed, steps);
			break;
		}
	}
	printf("# %ld searches compared, %ld with hits, %ld hits, %ld "
	       "sorted\n",
	       n_searches, n_nonempty, n_hits, n_sorted);
	test_end();
	return test_done();
}
