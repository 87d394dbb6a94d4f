/* The .vcf format: any number of vCards (2.1, 3.0, 4.0), each a row
 * with the fields its properties name (IMPORT.md: a property the card
 * lacks leaves its fields as they are). The card becomes a person
 * through dcard_contact_to_person (the mapping the export and the sync
 * server use); what no field keeps is counted by property for the
 * preview. A card that cannot be parsed is a bad row named by its line
 * and property. */
#include "config.h"
#include "dircard/dircard.h"
#include "import/core.h"
#include "util/buf.h"
#include "util/str.h"
#include "vcard/vcard.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Lines where cards start ("BEGIN:VCARD" at a line start), so errors about
 * a card's fields can name a line; NULL when none were found. */
static long *card_lines(const char *data, size_t len, size_t *n_r)
{
	long *v = NULL, line = 1;
	size_t n = 0, alloc = 0;

	for (size_t i = 0; i < len; i++) {
		if ((i == 0 || data[i - 1] == '\n') && len - i >= 11 &&
		    strncasecmp(data + i, "BEGIN:VCARD", 11) == 0) {
			if (n == alloc) {
				long *nv;

				alloc = alloc ? alloc * 2 : 256;
				nv = realloc(v, alloc * sizeof(*v));
				if (nv == NULL)
					break;
				v = nv;
			}
			v[n++] = line;
		}
		if (data[i] == '\n')
			line++;
	}
	*n_r = n;
	return v;
}

/* The numbers of one type joined by '|', as a CSV cell holds them. */
static char *join_phones(const struct dstore_person *p, const char *type)
{
	struct ob_buf b;

	ob_buf_init(&b, 1 << 16);
	for (size_t i = 0; i < p->n_phones; i++) {
		if (strcmp(p->phones[i].type, type) == 0)
			ob_buf_addf(&b, "%s%s", b.len ? "|" : "",
				    p->phones[i].number);
	}
	return ob_buf_steal(&b, NULL);
}

/* The fields a card has, by property (IMPORT.md: in a merge, a property
 * the card lacks leaves its fields as they are): N the name parts, FN the
 * display name, TEL every phone, ADR the whole address, ORG the unit when
 * it names one after the company. */
static uint32_t card_fields(const struct vcard *card,
			    const struct vcard_contact *c, bool has_unit)
{
	static const struct {
		const char *prop;
		uint32_t cols;
	} map[] = {
		{"N", 1u << C_FAMILY | 1u << C_GIVEN},
		{"X-PHONETIC-LAST-NAME", 1u << C_PFAMILY | 1u << C_PGIVEN},
		{"X-PHONETIC-FIRST-NAME", 1u << C_PFAMILY | 1u << C_PGIVEN},
		{"TITLE", 1u << C_TITLE},
		{"TEL",
		 1u << C_PWORK | 1u << C_PCELL | 1u << C_PHOME | 1u << C_PFAX},
		{"EMAIL", 1u << C_EMAIL},
		{"ADR", 1u << C_STREET | 1u << C_CITY | 1u << C_REGION |
				1u << C_POSTCODE | 1u << C_COUNTRY},
		{"NOTE", 1u << C_NOTE},
	};
	uint32_t m = 1u << C_UID;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (vcard_prop_get(card, map[i].prop, NULL) != NULL)
			m |= map[i].cols;
	}
	if (c->phonetic_family != NULL || c->phonetic_given != NULL)
		m |= 1u << C_PFAMILY | 1u << C_PGIVEN; /* 4.0 N;SORT-AS */
	if (vcard_prop_get(card, "FN", NULL) != NULL)
		m |= 1u << C_DISPLAY;
	if (has_unit)
		m |= 1u << C_UNIT;
	if (c->photo != NULL && c->photo_len > 0)
		m |= 1u << C_PHOTO;
	return m;
}

static const char *or_empty(const char *s)
{
	return s != NULL ? s : "";
}

/* One vCard as an import row: the person dcard_contact_to_person reads
 * from it (dircard.h: ORG's units after the company become the unit path,
 * OTHER phones count as work, box and extended address join the street),
 * its fields as the row's cells. */
static int read_contact(struct import *im, const struct vcard *card,
			const struct vcard_contact *c, long line)
{
	static const char *const phone_types[] = {"work", "cell", "home",
						  "fax"};
	static const enum col phone_cols[] = {C_PWORK, C_PCELL, C_PHOME,
					      C_PFAX};
	char *cells[C_COUNT] = {0};
	char *row[C_COUNT];
	struct dstore_person p;
	struct ob_buf emails;
	struct rec *r;
	struct ob_err err;
	int ret;

	ret = dcard_contact_to_person(c, &p);
	if (ret < 0)
		return ret;
	ob_buf_init(&emails, 1 << 16);
	for (size_t i = 0; i < p.n_emails; i++)
		ob_buf_addf(&emails, "%s%s", i ? "|" : "", p.emails[i]);
	cells[C_EMAIL] = ob_buf_steal(&emails, NULL);
	for (size_t i = 0; i < 4; i++)
		cells[phone_cols[i]] = join_phones(&p, phone_types[i]);
	for (int k = 0; k < C_COUNT; k++)
		row[k] = cells[k] ? cells[k] : "";
	row[C_UNIT] = (char *)or_empty(p.unit_path);
	row[C_STREET] = (char *)or_empty(p.street);
	row[C_UID] = (char *)or_empty(p.uid);
	row[C_FAMILY] = (char *)or_empty(p.family);
	row[C_GIVEN] = (char *)or_empty(p.given);
	row[C_DISPLAY] = (char *)or_empty(p.display);
	row[C_PFAMILY] = (char *)or_empty(p.phonetic_family);
	row[C_PGIVEN] = (char *)or_empty(p.phonetic_given);
	row[C_TITLE] = (char *)or_empty(p.title);
	row[C_CITY] = (char *)or_empty(p.locality);
	row[C_REGION] = (char *)or_empty(p.region);
	row[C_POSTCODE] = (char *)or_empty(p.postcode);
	row[C_COUNTRY] = (char *)or_empty(p.country);
	row[C_NOTE] = (char *)or_empty(p.note);
	ret = imp_read_row(im, row, C_COUNT, line,
			   card_fields(card, c, row[C_UNIT][0] != '\0'));
	for (int k = 0; k < C_COUNT; k++)
		free(cells[k]);
	if (ret == 1 && p.photo != NULL) {
		/* the photo comes as bytes, not as a file */
		r = &im->cur;
		r->p.photo = p.photo;
		r->p.photo_len = p.photo_len;
		p.photo = NULL;
		p.photo_len = 0;
		if (dstore_person_check(im->s, &r->p, &err) < 0 &&
		    strcmp(err.field, "photo") == 0) {
			imp_bad_row(im, line, -1, "PHOTO", err.msg);
			ret = 0;
		}
	}
	dstore_person_deinit(&p);
	return ret;
}

/* What the import will not keep, counted by property name for the
 * preview. */
static int count_unkept(struct import *im, const char *what)
{
	struct unkept *u;

	for (size_t i = 0; i < im->n_unkept; i++) {
		if (strcmp(im->unkept[i].what, what) == 0) {
			im->unkept[i].n++;
			return 0;
		}
	}
	if (im->n_unkept >= 200)
		what = "(other properties)"; /* bounded: a hostile file */
	for (size_t i = 0; i < im->n_unkept; i++) {
		if (strcmp(im->unkept[i].what, what) == 0) {
			im->unkept[i].n++;
			return 0;
		}
	}
	u = realloc(im->unkept, (im->n_unkept + 1) * sizeof(*u));
	if (u == NULL)
		return OB_E_NOMEM;
	im->unkept = u;
	u = &u[im->n_unkept++];
	snprintf(u->what, sizeof(u->what), "%s", what);
	u->n = 1;
	return 0;
}

/* An e-mail address has no type in the store: each TYPE of the card's
 * EMAILs but INTERNET (which says only that it is an e-mail address) is
 * listed, once per card ("EMAIL type WORK"), and so is a PREF parameter. */
static int note_email_types(struct import *im, const struct vcard *card)
{
	char seen[8][48];
	size_t n_seen = 0;
	int ret = 0;

	for (size_t i = 0; i < card->n_props && ret == 0; i++) {
		const struct vcard_prop *p = &card->props[i];

		if (strcmp(p->name, "EMAIL") != 0)
			continue;
		for (size_t k = 0; k < p->n_params && ret == 0; k++) {
			const struct vcard_param *pa = &p->params[k];
			bool type = strcmp(pa->name, "TYPE") == 0;

			for (size_t v = 0; v < (type ? pa->n_values : 1); v++) {
				char what[48];
				bool dup = false;

				if (type &&
				    ob_str_ieq(pa->values[v], "INTERNET"))
					continue;
				if (!type && strcmp(pa->name, "PREF") != 0)
					break;
				snprintf(what, sizeof(what), "EMAIL type %.30s",
					 type ? pa->values[v] : "PREF");
				for (char *q = what + 11; *q; q++)
					*q = (char)toupper((unsigned char)*q);
				for (size_t j = 0; j < n_seen; j++)
					dup |= strcmp(seen[j], what) == 0;
				if (dup)
					continue;
				if (n_seen < 8)
					memcpy(seen[n_seen++], what,
					       sizeof(what));
				ret = count_unkept(im, what);
				if (ret < 0)
					break;
			}
		}
	}
	return ret;
}

/* Pass 1: each property of card (or part of one) that no field keeps. Not
 * counted: VERSION, PRODID (the writing program) and REV (the store sets
 * the time of the last change), and CATEGORIES when it only repeats the
 * unit (the export writes it so). */
static int note_unkept(struct import *im, const struct vcard *card,
		       const struct vcard_contact *c)
{
	static const char *const one[] = {"UID",
					  "N",
					  "FN",
					  "TITLE",
					  "NOTE",
					  "ADR",
					  "ORG",
					  "PHOTO",
					  "X-PHONETIC-LAST-NAME",
					  "X-PHONETIC-FIRST-NAME"};
	static const char *const quiet[] = {"VERSION", "PRODID", "REV"};
	bool seen[sizeof(one) / sizeof(one[0])] = {false};
	char what[96];
	int ret = 0;

	for (size_t i = 0; i < card->n_props && ret == 0; i++) {
		const struct vcard_prop *p = &card->props[i];
		bool known = false;

		for (size_t k = 0; k < sizeof(quiet) / sizeof(quiet[0]); k++)
			known |= strcmp(p->name, quiet[k]) == 0;
		if (known)
			continue;
		for (size_t k = 0; k < sizeof(one) / sizeof(one[0]); k++) {
			if (strcmp(p->name, one[k]) != 0)
				continue;
			known = true;
			if (seen[k]) {
				snprintf(what, sizeof(what),
					 "%.64s (second and later)", p->name);
				ret = count_unkept(im, what);
			}
			seen[k] = true;
		}
		if (strcmp(p->name, "N") == 0 && !p->binary &&
		    (vcard_prop_value(p, 2)[0] || vcard_prop_value(p, 3)[0] ||
		     vcard_prop_value(p, 4)[0]) &&
		    ret == 0)
			ret = count_unkept(im, "N (middle names, prefix, "
					       "suffix)");
		if (strcmp(p->name, "PHOTO") == 0 && !p->binary && ret == 0)
			ret = count_unkept(im, "PHOTO (a link, not an image)");
		if (strcmp(p->name, "TEL") == 0 ||
		    strcmp(p->name, "EMAIL") == 0)
			known = true;
		if (strcmp(p->name, "CATEGORIES") == 0 && !p->binary &&
		    p->n_values == 1 && c->n_org > 1) {
			/* the unit path as the export writes it */
			struct ob_buf u;

			ob_buf_init(&u, 1 << 16);
			for (size_t k = 1; k < c->n_org; k++)
				ob_buf_addf(&u, "%s%s", k > 1 ? "/" : "",
					    c->org[k]);
			known = strcmp(ob_buf_str(&u), p->values[0]) == 0;
			ob_buf_deinit(&u);
		}
		if (!known && ret == 0) {
			snprintf(what, sizeof(what), "%.64s", p->name);
			ret = count_unkept(im, what);
		}
	}
	for (size_t i = 0; i < c->n_phones && ret == 0; i++) {
		if (c->phones[i].type == VCARD_PHONE_OTHER)
			ret = count_unkept(im, "TEL type (not work, cell, "
					       "home or fax: kept as work)");
	}
	if (ret == 0)
		ret = note_email_types(im, card);
	return ret;
}

struct vcf_src {
	const char *data;
	size_t len;
	long *lines; /* line of each card's BEGIN */
	size_t nlines;
};

static int vcf_rows(struct import *im, void *ctx, struct ob_err *err)
{
	struct vcf_src *src = ctx;
	struct vcard_parser *parser = NULL;
	size_t idx = 0;
	int ret = 0, r;

	if (vcard_parser_new(src->data, src->len, NULL, &parser) != 0)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	for (;;) {
		struct vcard *card = NULL;
		struct vcard_contact c;
		struct vcard_error verr;
		long line;

		r = vcard_parser_next(parser, &card, &verr);
		if (r == 0)
			break;
		line = idx < src->nlines ? src->lines[idx] : (long)idx + 1;
		idx++;
		if (r == VCARD_E_NOMEM) {
			ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
			break;
		}
		if (r < 0) {
			imp_bad_row(im, verr.line ? (long)verr.line : line, -1,
				    verr.prop[0] ? verr.prop : "vcard",
				    verr.msg);
			continue;
		}
		if (vcard_contact_from_card(card, &c, &verr) != 0) {
			vcard_free(&card);
			ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
			break;
		}
		if (im->pass == 1)
			ret = note_unkept(im, card, &c);
		if (ret == 0)
			ret = read_contact(im, card, &c, line);
		vcard_free(&card);
		if (ret == 1)
			ret = imp_emit(im, err);
		else if (ret < 0)
			ret = ob_err_set(err, ret, "out of memory");
		if (ret < 0)
			break;
	}
	vcard_parser_free(&parser);
	if (ret == 0 && idx == 0)
		ret = ob_err_set(err, OB_E_PARSE, "no vCard in the file");
	return ret;
}

int imp_vcf_import(struct dstore *s, int64_t tenant_id, const char *data,
		   size_t len, const struct imp_opts *o, struct imp_report *rep,
		   struct ob_err *err)
{
	struct import im = {.s = s, .tenant = tenant_id, .o = o, .rep = rep};
	struct vcf_src src = {data, len, NULL, 0};
	int ret;

	src.lines = card_lines(data, len, &src.nlines);
	for (int c = 0; c < C_COUNT; c++)
		im.colmap[c] = c;
	im.ncols = C_COUNT;
	im.no_columns = true;
	ret = imp_run(&im, vcf_rows, &src, err);
	free(src.lines);
	imp_free(&im);
	return ret;
}
