/* Directory person -> vCard contact. The reverse direction (import) lives
 * in import.c, which turns a contact into an import row. */
#include "config.h"
#include "webadmin/person-card.h"
#include "util/err.h"
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

int wa_person_to_contact(const struct dstore_person *p, const char *company,
			 struct wa_card_scratch *sc, struct vcard_contact *c)
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

void wa_card_scratch_deinit(struct wa_card_scratch *sc)
{
	free(sc->unit_parts);
	sc->unit_parts = NULL;
}
