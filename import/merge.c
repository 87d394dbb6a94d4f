/* Merge: the person a row makes. Each field the row has comes from the
 * row (an empty value clears it), every other one from the stored
 * person, so a file with some columns changes only those. Phones keep
 * their stored order across types when the row repeats them; phonetic
 * names the row lacks are kept while the name stays, else read from the
 * name (imp_phonetic_of). No store access and no I/O. */
#include "config.h"
#include "import/core.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>

char *imp_phonetic_of(const char *part, bool family)
{
	char buf[512];

	if (!dstore_phonetic_of(part, family, buf, sizeof(buf)))
		return NULL;
	return ob_strndup(buf, strlen(buf));
}

/* ---- merge: the fields a file has over the person it names ------------- */

static const enum col type_cols[] = {C_PWORK, C_PCELL, C_PHOME, C_PFAX};

static const char *const type_names[] = {"work", "cell", "home", "fax"};

static int type_index(const char *type)
{
	for (int t = 0; t < 4; t++) {
		if (strcmp(type, type_names[t]) == 0)
			return t;
	}
	return 0; /* the store takes no other type */
}

static bool same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static int dup_into(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL || src[0] == '\0')
		return 0;
	*dst = ob_strndup(src, strlen(src));
	return *dst ? 0 : OB_E_NOMEM;
}

static int push_phone(struct dstore_person *m, const struct dstore_phone *ph)
{
	struct dstore_phone *np =
		realloc(m->phones, (m->n_phones + 1) * sizeof(*np));

	if (np == NULL)
		return OB_E_NOMEM;
	m->phones = np;
	np = &m->phones[m->n_phones];
	np->type = ob_strndup(ph->type, strlen(ph->type));
	np->number = ob_strndup(ph->number, strlen(ph->number));
	m->n_phones++;
	return np->type && np->number ? 0 : OB_E_NOMEM;
}

/* The row's phones of type t, in the row's order. */
static int push_row_phones(struct dstore_person *m, const struct rec *r, int t)
{
	for (size_t i = 0; i < r->p.n_phones; i++) {
		if (type_index(r->p.phones[i].type) == t &&
		    push_phone(m, &r->p.phones[i]) < 0)
			return OB_E_NOMEM;
	}
	return 0;
}

/* Phones: the types the row has (a CSV phone column, a JSON member; a
 * vCard's TEL has all four) come from the row, the others from old. The
 * row's phones of a type take the place of old's first phone of that type,
 * so a file that changes nothing keeps the order across types that the
 * CSV columns cannot show. */
/* The same number but for spaces at either end (which a file's cells
 * lose: a number typed as "+86 139 1234 5678 " stays as it is stored)? */
static bool same_number(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	a = ob_str_trim(a, &na);
	b = ob_str_trim(b, &nb);
	return na == nb && memcmp(a, b, na) == 0;
}

/* Are the row's phones of type t old's phones of that type, in order? */
static bool same_phones(const struct rec *r, const struct dstore_person *old,
			int t)
{
	size_t i = 0, k = 0;

	for (;;) {
		while (i < r->p.n_phones &&
		       type_index(r->p.phones[i].type) != t)
			i++;
		while (k < old->n_phones &&
		       type_index(old->phones[k].type) != t)
			k++;
		if (i == r->p.n_phones || k == old->n_phones)
			return i == r->p.n_phones && k == old->n_phones;
		if (!same_number(r->p.phones[i].number, old->phones[k].number))
			return false;
		i++;
		k++;
	}
}

static int merge_phones(struct dstore_person *m, const struct rec *r,
			const struct dstore_person *old)
{
	bool done[4] = {false, false, false, false};
	bool same[4] = {false, false, false, false};

	/* a type whose numbers the row repeats keeps old's places for them,
	 * even between phones of other types ("work, cell, work") */
	for (int t = 0; old != NULL && t < 4; t++)
		same[t] = HAS(r, type_cols[t]) && same_phones(r, old, t);
	for (size_t i = 0; old != NULL && i < old->n_phones; i++) {
		int t = type_index(old->phones[i].type);

		if (!HAS(r, type_cols[t]) || same[t]) {
			if (push_phone(m, &old->phones[i]) < 0)
				return OB_E_NOMEM;
		} else if (!done[t]) {
			if (push_row_phones(m, r, t) < 0)
				return OB_E_NOMEM;
			done[t] = true;
		}
	}
	for (int t = 0; t < 4; t++) {
		if (HAS(r, type_cols[t]) && !done[t] && !same[t] &&
		    push_row_phones(m, r, t) < 0)
			return OB_E_NOMEM;
	}
	return 0;
}

/* Was old's display name composed from its name parts (so it follows a
 * change of them) rather than set? */
static bool display_composed(const struct dstore_person *old)
{
	struct dstore_person t = *old;
	char buf[2 * DSTORE_NAME_MAX + 2];

	t.display = NULL;
	return old->display == NULL ||
	       strcmp(dstore_display_name(&t, buf, sizeof(buf)),
		      old->display) == 0;
}

/* The text fields, the uid and the display name: from the row when it
 * has them, else from old. A display name old composed from its name
 * parts is left to follow them. */
static int merge_strings(const struct rec *r, const struct dstore_person *old,
			 struct dstore_person *m)
{
	static const struct {
		enum col c;
		size_t off;
	} strs[] = {
		{C_FAMILY, offsetof(struct dstore_person, family)},
		{C_GIVEN, offsetof(struct dstore_person, given)},
		{C_TITLE, offsetof(struct dstore_person, title)},
		{C_STREET, offsetof(struct dstore_person, street)},
		{C_CITY, offsetof(struct dstore_person, locality)},
		{C_REGION, offsetof(struct dstore_person, region)},
		{C_POSTCODE, offsetof(struct dstore_person, postcode)},
		{C_COUNTRY, offsetof(struct dstore_person, country)},
		{C_NOTE, offsetof(struct dstore_person, note)},
	};
	int ret = 0;

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]) && ret == 0;
	     i++) {
		const struct dstore_person *from =
			HAS(r, strs[i].c) ? &r->p : old;
		char **dst = (char **)((char *)m + strs[i].off);

		if (from != NULL)
			ret = dup_into(dst,
				       *(char *const *)((const char *)from +
							strs[i].off));
	}
	if (ret == 0)
		ret = dup_into(&m->uid, r->p.uid);
	if (ret == 0 && HAS(r, C_DISPLAY))
		ret = dup_into(&m->display, r->p.display);
	else if (ret == 0 && old != NULL && !display_composed(old))
		ret = dup_into(&m->display, old->display);
	return ret;
}

/* Phonetic names (m's name parts already merged): the row's when it has
 * a phonetic column, old's while the name stays as it was, else the
 * name's reading. */
static int merge_phonetic(const struct rec *r, const struct dstore_person *old,
			  struct dstore_person *m)
{
	bool keep = old != NULL && !HAS(r, C_PFAMILY) && !HAS(r, C_PGIVEN) &&
		    same_str(m->family, old->family) &&
		    same_str(m->given, old->given);
	int ret = 0;

	if (keep || HAS(r, C_PFAMILY) || HAS(r, C_PGIVEN)) {
		const struct dstore_person *pf =
			HAS(r, C_PFAMILY) ? &r->p : old;
		const struct dstore_person *pg = HAS(r, C_PGIVEN) ? &r->p : old;

		ret = dup_into(&m->phonetic_family,
			       pf ? pf->phonetic_family : NULL);
		if (ret == 0)
			ret = dup_into(&m->phonetic_given,
				       pg ? pg->phonetic_given : NULL);
	}
	/* both phonetic columns empty: the name's reading, but a stored
	 * person without one whose name stays the same keeps none (so an
	 * export of a Chinese name stored without pinyin reads back as it
	 * is) */
	if (old != NULL && !keep && same_str(m->family, old->family) &&
	    same_str(m->given, old->given) &&
	    same_str(old->phonetic_family, NULL) &&
	    same_str(old->phonetic_given, NULL))
		keep = true;
	if (ret == 0 && !keep && m->phonetic_family == NULL &&
	    m->phonetic_given == NULL) {
		m->phonetic_family = imp_phonetic_of(m->family, true);
		m->phonetic_given = imp_phonetic_of(m->given, false);
	}
	return ret;
}

static int copy_emails(struct dstore_person *m,
		       const struct dstore_person *from)
{
	int ret = 0;

	for (size_t i = 0; ret == 0 && from != NULL && i < from->n_emails;
	     i++) {
		char **ne = realloc(m->emails, (m->n_emails + 1) * sizeof(*ne));

		if (ne == NULL)
			return OB_E_NOMEM;
		m->emails = ne;
		ret = dup_into(&ne[m->n_emails], from->emails[i]);
		m->n_emails += ret == 0;
	}
	return ret;
}

static int copy_photo(struct dstore_person *m, const struct dstore_person *from)
{
	if (from == NULL || from->photo == NULL || from->photo_len == 0)
		return 0;
	m->photo = malloc(from->photo_len);
	if (m->photo == NULL)
		return OB_E_NOMEM;
	memcpy(m->photo, from->photo, from->photo_len);
	m->photo_len = from->photo_len;
	return 0;
}

/* The person a row makes (*m, the caller's: dstore_person_deinit): each
 * field the row has from the row (an empty value clears it), every other
 * field from old, the stored person (NULL for a new one). Phonetic names
 * the row lacks are kept while the name stays as it was, else read from
 * the name (as when the row's phonetic fields are both empty). */
int imp_merge_row(const struct rec *r, const struct dstore_person *old,
		  struct dstore_person *m)
{
	int ret;

	memset(m, 0, sizeof(*m));
	ret = merge_strings(r, old, m);
	if (ret == 0)
		ret = merge_phonetic(r, old, m);
	if (ret == 0)
		ret = merge_phones(m, r, old);
	if (ret == 0)
		ret = copy_emails(m, HAS(r, C_EMAIL) ? &r->p : old);
	m->unit_id = HAS(r, C_UNIT) ? r->p.unit_id : old ? old->unit_id : 0;
	m->hidden = HAS(r, C_HIDDEN) ? r->p.hidden : old ? old->hidden : false;
	if (ret == 0)
		ret = copy_photo(m, HAS(r, C_PHOTO) ? &r->p : old);
	return ret;
}
