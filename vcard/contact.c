/* The directory person <-> vCard mapping used by server, agent and admin.
 *
 * One place decides which properties carry a person: N, FN, ORG (company;
 * unit;sub-unit), TITLE, typed TEL, EMAIL, ADR, NOTE, PHOTO, UID, REV,
 * CATEGORIES, the phonetic name as X-PHONETIC-LAST-NAME /
 * X-PHONETIC-FIRST-NAME (read by Android and iOS) and, in 4.0, N;SORT-AS
 * (RFC 6350 5.9). Per version it follows what phones read: TYPE=INTERNET on
 * EMAIL for 2.1/3.0 (Nokia), bare TEL types in 2.1, upper-case TYPE values
 * in 2.1/3.0 and lower-case in 4.0. It knows nothing of storage; a contact
 * read from a card borrows every string from that card. */
#include "config.h"

#include "vcard/vcard-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool empty(const char *s)
{
	return s == NULL || *s == '\0';
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

struct ctx {
	struct vcard *card;
	int ret;
	bool borrow; /* values point into the contact (see write) */
};

static struct vcard_prop *add(struct ctx *c, const char *name)
{
	struct vcard_prop *p = NULL;

	if (c->ret != 0)
		return NULL;
	if (c->borrow) {
		/* every name here is an upper-case literal */
		p = vc_props_push(c->card);
		if (p == NULL)
			c->ret = VCARD_E_NOMEM;
		else
			p->name = (char *)name;
		return p;
	}
	c->ret = vcard_add_prop(c->card, NULL, name, &p);
	return c->ret == 0 ? p : NULL;
}

static void val(struct ctx *c, struct vcard_prop *p, const char *v)
{
	if (c->ret == 0 && p != NULL)
		c->ret = c->borrow ? vc_prop_add_value_ref(c->card, p, nz(v))
				   : vcard_prop_add_value(c->card, p, nz(v));
}

/* A value that lives only in this function (composed here): copied. */
static void val_copy(struct ctx *c, struct vcard_prop *p, const char *v)
{
	if (c->ret == 0 && p != NULL)
		c->ret = vcard_prop_add_value(c->card, p, nz(v));
}

static void param(struct ctx *c, struct vcard_prop *p, const char *name,
		  const char *v)
{
	if (c->ret == 0 && p != NULL)
		c->ret = vcard_prop_add_param(c->card, p, name, v);
}

static void type(struct ctx *c, struct vcard_prop *p, enum vcard_version ver,
		 const char *upper)
{
	char low[32];
	size_t i = 0;

	if (ver != VCARD_V40) {
		/* a literal: the card may keep the pointer */
		if (c->borrow && c->ret == 0 && p != NULL)
			c->ret = vc_prop_add_type_ref(c->card, p, upper);
		else
			param(c, p, "TYPE", upper);
		return;
	}
	for (; upper[i] && i + 1 < sizeof(low); i++)
		low[i] = (upper[i] >= 'A' && upper[i] <= 'Z')
				 ? (char)(upper[i] + 32)
				 : upper[i];
	low[i] = '\0';
	param(c, p, "TYPE", low);
}

static bool is_cjk_lead(const char *s)
{
	return s != NULL && (unsigned char)s[0] >= 0xe3;
}

/* The display name: display, else the names in the order their script
 * wants, else the company. Heap string (caller frees); NULL when out of
 * memory. */
char *vc_contact_display(const struct vcard_contact *ct)
{
	const char *a = "", *sep = "", *b = "";
	size_t len;
	char *s;

	if (!empty(ct->display)) {
		a = ct->display;
	} else if (!empty(ct->family) || !empty(ct->given)) {
		if (is_cjk_lead(ct->family) || is_cjk_lead(ct->given)) {
			a = nz(ct->family);
			b = nz(ct->given);
		} else {
			a = nz(ct->given);
			b = nz(ct->family);
			if (*a != '\0' && *b != '\0')
				sep = " ";
		}
	} else if (ct->n_org > 0 && !empty(ct->org[0])) {
		a = ct->org[0];
	}
	len = strlen(a) + strlen(sep) + strlen(b);
	s = malloc(len + 1);
	if (s != NULL)
		snprintf(s, len + 1, "%s%s%s", a, sep, b);
	return s;
}

void vc_rev_string(int64_t t, enum vcard_version ver, char *buf, size_t size)
{
	int64_t days = t / 86400, secs = t % 86400;
	int64_t z, era, doe, yoe, y, doy, mp, d, m;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	/* civil-from-days (proleptic Gregorian) */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	/* by hand: snprintf was a tenth of building a card */
	int64_t f[6] = {y, m, d, secs / 3600, secs / 60 % 60, secs % 60};
	int width[6] = {4, 2, 2, 2, 2, 2};
	const char *sep30 = "--T::Z", *sep21 = "\0\0T\0\0Z";
	const char *sep = ver == VCARD_V30 ? sep30 : sep21;
	char out[32];
	size_t k = 0;
	if (y < 0 || y > 9999) { /* outside vCard's range: as it comes */
		snprintf(buf, size,
			 ver == VCARD_V30 ? "%04d-%02d-%02dT%02d:%02d:%02dZ"
					  : "%04d%02d%02dT%02d%02d%02dZ",
			 (int)y, (int)m, (int)d, (int)f[3], (int)f[4],
			 (int)f[5]);
		return;
	}
	for (int i = 0; i < 6; i++) {
		for (int w = width[i] - 1, v = (int)f[i]; w >= 0; w--, v /= 10)
			out[k + (size_t)w] = (char)('0' + v % 10);
		k += (size_t)width[i];
		if (sep[i] != '\0')
			out[k++] = sep[i];
	}
	if (size > 0) {
		size_t n = k < size - 1 ? k : size - 1;
		memcpy(buf, out, n);
		buf[n] = '\0';
	}
}

static const char *photo_type_word(const char *mt)
{
	if (mt == NULL || strcasecmp(mt, "image/jpeg") == 0)
		return "JPEG";
	if (strcasecmp(mt, "image/png") == 0)
		return "PNG";
	if (strcasecmp(mt, "image/gif") == 0)
		return "GIF";
	return NULL;
}

/* The components a reader cannot keep apart, joined with '/' as one (a
 * unit path reads the same way in CATEGORIES). */
static void org_tail(struct ctx *c, struct vcard_prop *p,
		     const char *const *org, size_t n)
{
	size_t len = 0;
	char *s, *w;

	for (size_t i = 0; i < n; i++)
		len += strlen(nz(org[i])) + 1;
	s = malloc(len);
	if (s == NULL) {
		if (c->ret == 0)
			c->ret = VCARD_E_NOMEM;
		return;
	}
	w = s;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(nz(org[i]));
		if (i > 0)
			*w++ = '/';
		memcpy(w, nz(org[i]), l);
		w += l;
	}
	*w = '\0';
	val_copy(c, p, s);
	free(s);
}

static int build_card(const struct vcard_contact *ct,
		      const struct vcard_contact_options *opt, bool borrow,
		      struct vcard **card_r, struct vcard_error *err)
{
	enum vcard_version ver = opt->version;
	struct ctx c = {.borrow = borrow};
	struct vcard_prop *p;
	char *fn;

	*card_r = NULL;
	c.card = vcard_new(ver);
	if (c.card == NULL)
		return vc_error(err, VCARD_E_NOMEM, 0, "", "out of memory");
	if (!empty(ct->family) || !empty(ct->given) || ver != VCARD_V40) {
		p = add(&c, "N");
		val(&c, p, ct->family);
		val(&c, p, ct->given);
		val(&c, p, "");
		val(&c, p, "");
		val(&c, p, "");
		if (ver == VCARD_V40 && (!empty(ct->phonetic_family) ||
					 !empty(ct->phonetic_given))) {
			param(&c, p, "SORT-AS", nz(ct->phonetic_family));
			param(&c, p, "SORT-AS", nz(ct->phonetic_given));
		}
	}
	/* the display name as given needs no composing (nor a copy) */
	fn = !empty(ct->display) ? NULL : vc_contact_display(ct);
	if (empty(ct->display) && fn == NULL) {
		c.ret = VCARD_E_NOMEM;
	} else {
		const char *shown = fn != NULL ? fn : ct->display;
		if (!empty(shown) || ver != VCARD_V21) {
			p = add(&c, "FN");
			val_copy(&c, p, shown);
		}
	}
	free(fn);
	if (!empty(ct->phonetic_family)) {
		p = add(&c, "X-PHONETIC-LAST-NAME");
		val(&c, p, ct->phonetic_family);
	}
	if (!empty(ct->phonetic_given)) {
		p = add(&c, "X-PHONETIC-FIRST-NAME");
		val(&c, p, ct->phonetic_given);
	}
	if (ct->n_org > 0) {
		unsigned max = opt->dialect != NULL ? opt->dialect->org_max : 0;
		size_t keep = max > 0 && ct->n_org > max ? max - 1 : ct->n_org;
		p = add(&c, "ORG");
		for (size_t i = 0; i < keep; i++)
			val(&c, p, ct->org[i]);
		if (keep < ct->n_org)
			org_tail(&c, p, ct->org + keep, ct->n_org - keep);
	}
	if (!empty(ct->title)) {
		p = add(&c, "TITLE");
		val(&c, p, ct->title);
	}
	for (size_t i = 0; i < ct->n_phones; i++) {
		const struct vcard_phone *ph = &ct->phones[i];

		if (empty(ph->number))
			continue;
		p = add(&c, "TEL");
		switch (ph->type) {
		case VCARD_PHONE_WORK:
			type(&c, p, ver, "WORK");
			type(&c, p, ver, "VOICE");
			break;
		case VCARD_PHONE_CELL:
			type(&c, p, ver, "CELL");
			break;
		case VCARD_PHONE_HOME:
			type(&c, p, ver, "HOME");
			type(&c, p, ver, "VOICE");
			break;
		case VCARD_PHONE_FAX:
			type(&c, p, ver, "WORK");
			type(&c, p, ver, "FAX");
			break;
		case VCARD_PHONE_OTHER:
			type(&c, p, ver, "VOICE");
			break;
		}
		val(&c, p, ph->number);
	}
	for (size_t i = 0; i < ct->n_emails; i++) {
		if (empty(ct->emails[i]))
			continue;
		p = add(&c, "EMAIL");
		if (ver != VCARD_V40)
			type(&c, p, ver, "INTERNET");
		val(&c, p, ct->emails[i]);
	}
	{
		const struct vcard_address *a = &ct->adr;
		const char *f[7] = {a->pobox,    a->extended, a->street,
				    a->locality, a->region,   a->postcode,
				    a->country};
		bool any = false;

		for (int i = 0; i < 7; i++)
			any |= !empty(f[i]);
		if (any) {
			p = add(&c, "ADR");
			type(&c, p, ver, "WORK");
			for (int i = 0; i < 7; i++)
				val(&c, p, f[i]);
		}
	}
	if (!empty(ct->note)) {
		p = add(&c, "NOTE");
		val(&c, p, ct->note);
	}
	if (opt->include_photo && ct->photo != NULL && ct->photo_len > 0 &&
	    (opt->max_photo_bytes == 0 ||
	     ct->photo_len <= opt->max_photo_bytes)) {
		const char *word = photo_type_word(ct->photo_type);

		p = add(&c, "PHOTO");
		if (ver == VCARD_V40)
			param(&c, p, "MEDIATYPE",
			      ct->photo_type ? ct->photo_type : "image/jpeg");
		else if (word != NULL)
			param(&c, p, "TYPE", word);
		if (c.ret == 0)
			c.ret = vcard_prop_set_binary(c.card, p, ct->photo,
						      ct->photo_len);
	}
	if (!empty(ct->uid)) {
		p = add(&c, "UID");
		val(&c, p, ct->uid);
	}
	if (ct->rev != 0) {
		char rev[32];

		vc_rev_string(ct->rev, ver, rev, sizeof(rev));
		p = add(&c, "REV");
		val_copy(&c, p, rev);
	}
	if (ct->n_categories > 0) {
		p = add(&c, "CATEGORIES");
		for (size_t i = 0; i < ct->n_categories; i++)
			val(&c, p, ct->categories[i]);
	}
	if (c.ret < 0) {
		vcard_free(&c.card);
		return vc_error(err, c.ret, 0, "",
				c.ret == VCARD_E_NOMEM ? "out of memory"
						       : "invalid UTF-8");
	}
	*card_r = c.card;
	return 0;
}

int vcard_contact_to_card(const struct vcard_contact *ct,
			  const struct vcard_contact_options *opt,
			  struct vcard **card_r, struct vcard_error *err)
{
	return build_card(ct, opt, false, card_r, err);
}

int vcard_contact_write(const struct vcard_contact *contact,
			const struct vcard_contact_options *opt, char *buf,
			size_t size, size_t *len_r, struct vcard_error *err)
{
	struct vcard *card;

	/* the common cards straight to text (contact-write.c) */
	if (vc_contact_write_direct(contact, opt, buf, size, len_r) == 0)
		return 0;
	/* the card lives only until written: its values stay the
	 * contact's */
	int ret = build_card(contact, opt, true, &card, err);

	if (ret < 0)
		return ret;
	ret = vcard_write_dialect(card, opt->version, opt->dialect, buf, size,
				  len_r, err);
	vcard_free(&card);
	return ret;
}

/* ---- card -> contact --------------------------------------------------- */

/* All values of a text property joined with sep (they were split at ';'). */
static const char *joined(struct vcard *card, const struct vcard_prop *p,
			  const char *sep)
{
	size_t len = 0, sl = strlen(sep);
	char *s, *o;

	if (p == NULL || p->binary || p->n_values == 0)
		return NULL;
	if (p->n_values == 1)
		return p->values[0];
	for (size_t i = 0; i < p->n_values; i++)
		len += strlen(p->values[i]) + sl;
	s = o = vc_alloc(card, len + 1);
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < p->n_values; i++) {
		size_t n = strlen(p->values[i]);

		if (i > 0) {
			memcpy(o, sep, sl);
			o += sl;
		}
		memcpy(o, p->values[i], n);
		o += n;
	}
	*o = '\0';
	return s;
}

static const char *nonempty(const char *s)
{
	return empty(s) ? NULL : s;
}

static enum vcard_phone_type phone_type(const struct vcard_prop *p)
{
	if (vcard_param_has(p, "TYPE", "FAX"))
		return VCARD_PHONE_FAX;
	if (vcard_param_has(p, "TYPE", "CELL") ||
	    vcard_param_has(p, "TYPE", "MOBILE") ||
	    vcard_param_has(p, "TYPE", "IPHONE"))
		return VCARD_PHONE_CELL;
	if (vcard_param_has(p, "TYPE", "HOME"))
		return VCARD_PHONE_HOME;
	if (vcard_param_has(p, "TYPE", "WORK"))
		return VCARD_PHONE_WORK;
	return VCARD_PHONE_OTHER;
}

/* 2026-11-24T19:37:15Z, 20261124T193715Z, 20261124 -> unix time. */
static int64_t parse_rev(const char *s)
{
	int v[6] = {0, 0, 0, 0, 0, 0};
	int widths[6] = {4, 2, 2, 2, 2, 2};
	int64_t y, m, d, era, yoe, doy, doe, days;

	for (int f = 0; f < 6; f++) {
		while (*s == '-' || *s == ':' || *s == 'T' || *s == 't')
			s++;
		if (*s == '\0' && f >= 3)
			break;
		for (int k = 0; k < widths[f]; k++, s++) {
			if (*s < '0' || *s > '9')
				return f >= 3 && k == 0 ? 0 : 0;
			v[f] = v[f] * 10 + (*s - '0');
		}
	}
	y = v[0];
	m = v[1];
	d = v[2];
	if (m < 1 || m > 12 || d < 1 || d > 31 || v[3] > 23 || v[4] > 59 ||
	    v[5] > 60)
		return 0;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = era * 146097 + doe - 719468;
	return days * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
}

static const char *media_from_type(const struct vcard_prop *p)
{
	const struct vcard_param *mt = vcard_param_get(p, "MEDIATYPE");

	if (mt != NULL && mt->n_values > 0)
		return mt->values[0];
	if (vcard_param_has(p, "TYPE", "PNG"))
		return "image/png";
	if (vcard_param_has(p, "TYPE", "GIF"))
		return "image/gif";
	return "image/jpeg";
}

int vcard_contact_from_card(struct vcard *card, struct vcard_contact *ct,
			    struct vcard_error *err)
{
	const struct vcard_prop *p;
	size_t it, n;

	memset(ct, 0, sizeof(*ct));
	if ((p = vcard_prop_get(card, "N", NULL)) != NULL) {
		const struct vcard_param *sa = vcard_param_get(p, "SORT-AS");

		ct->family = nonempty(vcard_prop_value(p, 0));
		ct->given = nonempty(vcard_prop_value(p, 1));
		if (sa != NULL && sa->n_values >= 2) {
			ct->phonetic_family = nonempty(sa->values[0]);
			ct->phonetic_given = nonempty(sa->values[1]);
		} else if (sa != NULL && sa->n_values == 1) {
			char *s = vc_strndup(card, sa->values[0],
					     strlen(sa->values[0]));
			char *comma = s ? strchr(s, ',') : NULL;

			if (comma != NULL) {
				*comma = '\0';
				ct->phonetic_given = nonempty(comma + 1);
			}
			ct->phonetic_family = nonempty(s);
		}
	}
	if ((p = vcard_prop_get(card, "X-PHONETIC-LAST-NAME", NULL)))
		ct->phonetic_family = nonempty(joined(card, p, ";"));
	if ((p = vcard_prop_get(card, "X-PHONETIC-FIRST-NAME", NULL)))
		ct->phonetic_given = nonempty(joined(card, p, ";"));
	if ((p = vcard_prop_get(card, "ORG", NULL)) && !p->binary) {
		n = p->n_values;
		while (n > 0 && empty(p->values[n - 1]))
			n--;
		ct->org = (const char **)p->values;
		ct->n_org = n;
	}
	ct->display =
		nonempty(joined(card, vcard_prop_get(card, "FN", NULL), ";"));
	if (ct->display != NULL) {
		const char *s = ct->display;

		while (*s == ' ')
			s++;
		if (*s == '\0')
			ct->display = NULL;
	}
	if (ct->display == NULL && (ct->family != NULL || ct->given != NULL)) {
		char *s = vc_contact_display(ct);

		if (s == NULL)
			goto nomem;
		ct->display = vc_strndup(card, s, strlen(s));
		free(s);
	}
	if (ct->display == NULL && ct->n_org > 0)
		ct->display = nonempty(ct->org[0]);
	ct->title = nonempty(
		joined(card, vcard_prop_get(card, "TITLE", NULL), ";"));
	ct->note =
		nonempty(joined(card, vcard_prop_get(card, "NOTE", NULL), ";"));
	ct->uid =
		nonempty(joined(card, vcard_prop_get(card, "UID", NULL), ";"));
	if ((p = vcard_prop_get(card, "REV", NULL)) != NULL)
		ct->rev = parse_rev(vcard_prop_value(p, 0));
	n = 0;
	for (it = 0; vcard_prop_get(card, "TEL", &it) != NULL;)
		n++;
	if (n > 0) {
		struct vcard_phone *ph = vc_alloc(card, n * sizeof(*ph));
		size_t k = 0;

		if (ph == NULL)
			goto nomem;
		for (it = 0; (p = vcard_prop_get(card, "TEL", &it)) != NULL;) {
			const char *num = joined(card, p, ";");

			if (empty(num))
				continue;
			if (strncasecmp(num, "tel:", 4) == 0)
				num += 4;
			ph[k].type = phone_type(p);
			ph[k++].number = num;
		}
		ct->phones = ph;
		ct->n_phones = k;
	}
	n = 0;
	for (it = 0; vcard_prop_get(card, "EMAIL", &it) != NULL;)
		n++;
	if (n > 0) {
		const char **em = vc_alloc(card, n * sizeof(*em));
		size_t k = 0;

		if (em == NULL)
			goto nomem;
		for (it = 0;
		     (p = vcard_prop_get(card, "EMAIL", &it)) != NULL;) {
			const char *e = joined(card, p, ";");

			if (!empty(e))
				em[k++] = e;
		}
		ct->emails = em;
		ct->n_emails = k;
	}
	if ((p = vcard_prop_get(card, "ADR", NULL)) != NULL) {
		ct->adr.pobox = nonempty(vcard_prop_value(p, 0));
		ct->adr.extended = nonempty(vcard_prop_value(p, 1));
		ct->adr.street = nonempty(vcard_prop_value(p, 2));
		ct->adr.locality = nonempty(vcard_prop_value(p, 3));
		ct->adr.region = nonempty(vcard_prop_value(p, 4));
		ct->adr.postcode = nonempty(vcard_prop_value(p, 5));
		ct->adr.country = nonempty(vcard_prop_value(p, 6));
	}
	for (it = 0; (p = vcard_prop_get(card, "PHOTO", &it)) != NULL;) {
		if (!p->binary || p->bin_len == 0)
			continue;
		ct->photo = (const unsigned char *)p->values[0];
		ct->photo_len = p->bin_len;
		ct->photo_type = media_from_type(p);
		break;
	}
	if ((p = vcard_prop_get(card, "CATEGORIES", NULL)) && !p->binary) {
		ct->categories = (const char **)p->values;
		ct->n_categories = p->n_values;
		if (p->n_values == 1 && empty(p->values[0]))
			ct->n_categories = 0;
	}
	return 0;
nomem:
	return vc_error(err, VCARD_E_NOMEM, 0, "", "out of memory");
}
