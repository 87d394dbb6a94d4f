/* What differs between two versions of a person, field by field, as the
 * audit log and the undo of an import show it: one "field: old -> new"
 * line per changed field, with the import's column names
 * (import/IMPORT.md), so that the log, the import preview and the undo
 * read alike. Values are quoted and cut; a photo is described by its
 * size, never by its bytes.
 * It does not decide what counts as a change of the stored row (that is
 * the etag in person.c): it only describes one. */
#include "config.h"
#include "dirstore/dirstore.h"
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VALUE_MAX 60 /* bytes of a value shown */

static const char *const type_names[4] = {"work", "cell", "home", "fax"};

static bool same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* A value as a line shows it: quoted, at most VALUE_MAX bytes of it (not
 * cut inside a UTF-8 sequence), line breaks as spaces; "(empty)". */
static void show_value(struct ob_buf *b, const char *v)
{
	size_t n = v ? strlen(v) : 0, full = n, start = b->len;

	if (n == 0) {
		ob_buf_add_str(b, "(empty)");
		return;
	}
	if (n > VALUE_MAX) {
		n = VALUE_MAX;
		while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
			n--;
	}
	ob_buf_addf(b, "\"%.*s%s\"", (int)n, v, n < full ? "…" : "");
	for (size_t i = start; b->data != NULL && i < b->len; i++) {
		if (b->data[i] == '\n' || b->data[i] == '\r' ||
		    b->data[i] == '\t')
			b->data[i] = ' ';
	}
}

static void line(struct ob_buf *b, const char *indent, const char *field,
		 const char *was, const char *now)
{
	ob_buf_addf(b, "%s%s: ", indent, field);
	show_value(b, was);
	ob_buf_add_str(b, " -> ");
	show_value(b, now);
	ob_buf_add_char(b, '\n');
}

/* Numbers of one phone type joined by '|' (all emails when t < 0),
 * malloc'd ("" when none); NULL when out of memory. */
static char *joined(const struct dstore_person *p, int t)
{
	struct ob_buf b;

	ob_buf_init(&b, 1 << 16);
	for (size_t i = 0; t >= 0 && i < p->n_phones; i++) {
		if (p->phones[i].type != NULL &&
		    strcmp(p->phones[i].type, type_names[t]) == 0)
			ob_buf_addf(&b, "%s%s", b.len ? "|" : "",
				    p->phones[i].number);
	}
	for (size_t i = 0; t < 0 && i < p->n_emails; i++)
		ob_buf_addf(&b, "%s%s", i ? "|" : "", p->emails[i]);
	return ob_buf_steal(&b, NULL);
}

static bool same_phones(const struct dstore_person *a,
			const struct dstore_person *z)
{
	if (a->n_phones != z->n_phones)
		return false;
	for (size_t i = 0; i < a->n_phones; i++) {
		if (!same_str(a->phones[i].type, z->phones[i].type) ||
		    !same_str(a->phones[i].number, z->phones[i].number))
			return false;
	}
	return true;
}

static bool same_emails(const struct dstore_person *a,
			const struct dstore_person *z)
{
	if (a->n_emails != z->n_emails)
		return false;
	for (size_t i = 0; i < a->n_emails; i++) {
		if (!same_str(a->emails[i], z->emails[i]))
			return false;
	}
	return true;
}

size_t dstore_person_diff(const struct dstore_person *old,
			  const struct dstore_person *now, const char *indent,
			  struct ob_buf *b)
{
	static const struct {
		const char *name;
		size_t off;
	} strs[] = {
		{"family_name", offsetof(struct dstore_person, family)},
		{"given_name", offsetof(struct dstore_person, given)},
		{"phonetic_family",
		 offsetof(struct dstore_person, phonetic_family)},
		{"phonetic_given",
		 offsetof(struct dstore_person, phonetic_given)},
		{"title", offsetof(struct dstore_person, title)},
		{"street", offsetof(struct dstore_person, street)},
		{"city", offsetof(struct dstore_person, locality)},
		{"region", offsetof(struct dstore_person, region)},
		{"postcode", offsetof(struct dstore_person, postcode)},
		{"country", offsetof(struct dstore_person, country)},
		{"note", offsetof(struct dstore_person, note)},
	};
	char b1[2 * DSTORE_NAME_MAX + 2], b2[2 * DSTORE_NAME_MAX + 2];
	const char *d_old = dstore_display_name(old, b1, sizeof(b1));
	const char *d_now = dstore_display_name(now, b2, sizeof(b2));
	size_t n = 0;

	if (indent == NULL)
		indent = "";
	if (!same_str(d_old, d_now)) {
		n++;
		if (b)
			line(b, indent, "display_name", d_old, d_now);
	}
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		const char *x =
			*(char *const *)((const char *)old + strs[i].off);
		const char *y =
			*(char *const *)((const char *)now + strs[i].off);

		if (!same_str(x, y)) {
			n++;
			if (b)
				line(b, indent, strs[i].name, x, y);
		}
	}
	if (old->unit_id != now->unit_id) {
		n++;
		if (b)
			line(b, indent, "unit",
			     old->unit_id ? old->unit_path : NULL,
			     now->unit_id ? now->unit_path : NULL);
	}
	if (!same_phones(old, now)) {
		size_t before = n;

		for (int t = 0; t < 4; t++) {
			char *was = joined(old, t), *is = joined(now, t);
			char field[16];

			if (!same_str(was, is)) {
				n++;
				snprintf(field, sizeof(field), "phone_%s",
					 type_names[t]);
				if (b)
					line(b, indent, field, was, is);
			}
			free(was);
			free(is);
		}
		if (n == before) {
			n++;
			if (b)
				ob_buf_addf(b,
					    "%sphones: the same numbers in "
					    "another order\n",
					    indent);
		}
	}
	if (!same_emails(old, now)) {
		char *was = joined(old, -1), *is = joined(now, -1);

		n++;
		if (b)
			line(b, indent, "email", was, is);
		free(was);
		free(is);
	}
	if (old->hidden != now->hidden) {
		n++;
		if (b)
			line(b, indent, "hidden", old->hidden ? "yes" : "no",
			     now->hidden ? "yes" : "no");
	}
	if (old->photo_len != now->photo_len ||
	    (now->photo_len > 0 &&
	     memcmp(old->photo, now->photo, now->photo_len) != 0)) {
		n++;
		if (b == NULL)
			;
		else if (old->photo_len == 0)
			ob_buf_addf(b, "%sphoto: added, %zu bytes\n", indent,
				    now->photo_len);
		else if (now->photo_len == 0)
			ob_buf_addf(b, "%sphoto: removed, %zu bytes\n", indent,
				    old->photo_len);
		else
			ob_buf_addf(b, "%sphoto: changed, %zu -> %zu bytes\n",
				    indent, old->photo_len, now->photo_len);
	}
	return n;
}
