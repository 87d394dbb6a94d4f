/* The one mapping between a directory person (dirstore) and a vCard
 * contact (vcard/): used by the .vcf export, the .vcf import and the sync
 * server, so every path shows a person the same way.
 *
 * ORG is the company (the enterprise's display name) followed by the unit
 * path's parts; CATEGORIES is the unit path ("Sales/East"); the photo's
 * media type comes from its magic bytes; REV is the last change time. */
#ifndef WA_PERSON_CARD_H
#define WA_PERSON_CARD_H

#include "dirstore/dirstore.h"
#include "vcard/vcard.h"

/* Storage the contact's arrays point into; one per conversion. */
struct wa_card_scratch {
	const char *org[DSTORE_UNIT_DEPTH_MAX + 2];
	struct vcard_phone phones[DSTORE_MULTI_MAX];
	const char *emails[DSTORE_MULTI_MAX];
	const char *categories[1];
	char *unit_parts; /* copy of the unit path, split in place */
};

/* Fill *c from p. Every pointer in *c borrows from p, company or sc: keep
 * them alive while c is used, then call wa_card_scratch_deinit. Returns 0
 * or OB_E_NOMEM. */
int wa_person_to_contact(const struct dstore_person *p, const char *company,
			 struct wa_card_scratch *sc, struct vcard_contact *c);
void wa_card_scratch_deinit(struct wa_card_scratch *sc);

#endif
