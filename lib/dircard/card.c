/* Directory person -> vCard contact (dircard.h), and the person rendered
 * with dcard_render (render.c). */
#include "config.h"
#include "dircard/dircard.h"
#include "util/err.h"
#include "util/buf.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>

static enum vcard_phone_type phone_type(const char *t)
{
	if (strcmp(t, "work") == 0)
		return VCARD_PHONE_WORK;
	if (strcmp(t, "cell") == 0)
		return VCARD_PHONE_CELL;
	if (strcmp(t, "home") == 0)
		return VCARD_PHONE_HOME;
	if (strcmp(t, "fax") == 0)
		return VCARD_PHONE_FAX;
	return VCARD_PHONE_OTHER;
}

int dcard_person_to_contact(const struct dstore_person *p, const char *company,
			    struct dcard_scratch *sc, struct vcard_contact *c)
{
	size_t n = 0;

	memset(sc, 0, sizeof(*sc));
	memset(c, 0, sizeof(*c));
	c->uid = p->uid;
	c->family = p->family;
	c->given = p->given;
	c->display = p->display;
	c->phonetic_family = p->phonetic_family;
	c->phonetic_given = p->phonetic_given;
	c->title = p->title;
	c->note = p->note;
	c->rev = p->mtime;
	c->adr.street = p->street;
	c->adr.locality = p->locality;
	c->adr.region = p->region;
	c->adr.postcode = p->postcode;
	c->adr.country = p->country;
	sc->org[n++] = company ? company : "";
	if (p->unit_path != NULL && p->unit_path[0] != '\0') {
		char *part;

		sc->unit_parts = ob_strndup(p->unit_path, strlen(p->unit_path));
		if (sc->unit_parts == NULL)
			return OB_E_NOMEM;
		part = sc->unit_parts;
		while (part != NULL && n < DSTORE_UNIT_DEPTH_MAX + 2) {
			char *slash = strchr(part, '/');

			if (slash != NULL)
				*slash = '\0';
			sc->org[n++] = part;
			part = slash ? slash + 1 : NULL;
		}
		sc->categories[0] = p->unit_path;
		c->categories = sc->categories;
		c->n_categories = 1;
	}
	c->org = sc->org;
	c->n_org = n;
	for (size_t i = 0; i < p->n_phones && i < DSTORE_MULTI_MAX; i++) {
		sc->phones[i].type = phone_type(p->phones[i].type);
		sc->phones[i].number = p->phones[i].number;
	}
	c->phones = sc->phones;
	c->n_phones =
		p->n_phones < DSTORE_MULTI_MAX ? p->n_phones : DSTORE_MULTI_MAX;
	for (size_t i = 0; i < p->n_emails && i < DSTORE_MULTI_MAX; i++)
		sc->emails[i] = p->emails[i];
	c->emails = sc->emails;
	c->n_emails =
		p->n_emails < DSTORE_MULTI_MAX ? p->n_emails : DSTORE_MULTI_MAX;
	if (p->photo != NULL && p->photo_len > 0) {
		c->photo = p->photo;
		c->photo_len = p->photo_len;
		c->photo_type = p->photo_len >= 4 && p->photo[0] == 0x89 &&
						p->photo[1] == 'P'
					? "image/png"
					: "image/jpeg";
	}
	return 0;
}

void dcard_scratch_deinit(struct dcard_scratch *sc)
{
	free(sc->unit_parts);
	sc->unit_parts = NULL;
}

int dcard_render_person(const struct dstore_person *p, const char *company,
			const struct dcard_render_opts *o, struct dcard_buf *b,
			size_t *len_r, struct ob_err *err)
{
	struct dcard_render_opts ro = *o;
	struct dcard_scratch sc;
	struct vcard_contact c;
	const unsigned char *ph = NULL;
	unsigned char *own = NULL;
	size_t ph_len = 0;
	int ret;

	ret = dcard_person_to_contact(p, company, &sc, &c);
	if (ret < 0)
		ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
	if (ret == 0)
		ret = dcard_photo_fit(p, o, &ph, &ph_len, &own, err);
	if (ret == 0) {
		c.photo = ph;
		c.photo_len = ph_len;
		if (own != NULL)
			c.photo_type = "image/jpeg";
		/* fitted already: the writer's own cap must not drop it */
		ro.photo = ph != NULL;
		ro.max_photo_bytes = 0;
		ret = dcard_render(&c, &ro, b, len_r, err);
	}
	free(own);
	dcard_scratch_deinit(&sc);
	if (ret == OB_E_FAIL && err != NULL) {
		char msg[sizeof(err->msg)];

		memcpy(msg, err->msg, sizeof(msg));
		ret = ob_err_set(err, OB_E_FAIL, "person %s: %s", p->uid, msg);
	}
	return ret;
}

/* A copy of s, NULL for NULL; *bad set when out of memory. */
static char *dup_or_null(const char *s, bool *bad)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = ob_strndup(s, strlen(s));
	if (d == NULL)
		*bad = true;
	return d;
}

static const char *phone_type_name(enum vcard_phone_type t)
{
	switch (t) {
	case VCARD_PHONE_CELL:
		return "cell";
	case VCARD_PHONE_HOME:
		return "home";
	case VCARD_PHONE_FAX:
		return "fax";
	case VCARD_PHONE_WORK:
	case VCARD_PHONE_OTHER:
		break;
	}
	return "work";
}

int dcard_contact_to_person(const struct vcard_contact *c,
			    struct dstore_person *p_r)
{
	const char *parts[] = {c->adr.pobox, c->adr.extended, c->adr.street};
	struct ob_buf unit, street;
	bool bad = false;

	memset(p_r, 0, sizeof(*p_r));
	ob_buf_init(&unit, 1 << 16);
	ob_buf_init(&street, 1 << 16);
	for (size_t i = 1; i < c->n_org; i++) {
		if (c->org[i] == NULL || c->org[i][0] == '\0')
			continue;
		if (unit.len)
			ob_buf_add_char(&unit, '/');
		for (const char *q = c->org[i]; *q; q++)
			ob_buf_add_char(&unit, *q == '/' ? '-' : *q);
	}
	/* RFC 6350 6.3.1 recommends leaving box and extended address
	 * empty, so a 4.0 writer puts them in the street too */
	for (size_t i = 0; i < 3; i++) {
		if (parts[i] != NULL && parts[i][0] != '\0')
			ob_buf_addf(&street, "%s%s", street.len ? ", " : "",
				    parts[i]);
	}
	p_r->unit_path = ob_buf_steal(&unit, NULL);
	p_r->street = ob_buf_steal(&street, NULL);
	bad |= p_r->unit_path == NULL || p_r->street == NULL;
	p_r->uid = dup_or_null(c->uid, &bad);
	p_r->family = dup_or_null(c->family, &bad);
	p_r->given = dup_or_null(c->given, &bad);
	p_r->display = dup_or_null(c->display, &bad);
	p_r->phonetic_family = dup_or_null(c->phonetic_family, &bad);
	p_r->phonetic_given = dup_or_null(c->phonetic_given, &bad);
	p_r->title = dup_or_null(c->title, &bad);
	p_r->locality = dup_or_null(c->adr.locality, &bad);
	p_r->region = dup_or_null(c->adr.region, &bad);
	p_r->postcode = dup_or_null(c->adr.postcode, &bad);
	p_r->country = dup_or_null(c->adr.country, &bad);
	p_r->note = dup_or_null(c->note, &bad);
	if (c->n_phones > 0) {
		p_r->phones = calloc(c->n_phones, sizeof(*p_r->phones));
		bad |= p_r->phones == NULL;
	}
	for (size_t i = 0; p_r->phones != NULL && i < c->n_phones; i++) {
		p_r->phones[i].type =
			dup_or_null(phone_type_name(c->phones[i].type), &bad);
		p_r->phones[i].number = dup_or_null(
			c->phones[i].number ? c->phones[i].number : "", &bad);
		p_r->n_phones++;
	}
	if (c->n_emails > 0) {
		p_r->emails = calloc(c->n_emails, sizeof(*p_r->emails));
		bad |= p_r->emails == NULL;
	}
	for (size_t i = 0; p_r->emails != NULL && i < c->n_emails; i++) {
		p_r->emails[i] =
			dup_or_null(c->emails[i] ? c->emails[i] : "", &bad);
		p_r->n_emails++;
	}
	if (c->photo != NULL && c->photo_len > 0) {
		p_r->photo = malloc(c->photo_len);
		if (p_r->photo != NULL) {
			memcpy(p_r->photo, c->photo, c->photo_len);
			p_r->photo_len = c->photo_len;
		}
		bad |= p_r->photo == NULL;
	}
	if (bad) {
		dstore_person_deinit(p_r);
		return OB_E_NOMEM;
	}
	return 0;
}
