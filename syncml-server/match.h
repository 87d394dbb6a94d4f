/* Is a card on a device a given directory person? The keys a slow sync
 * matches client cards by when neither our id map nor a UID says it
 * (sync.c decides what follows from a match).
 *
 * A key holds a side's names and contacts. Names: the display name (FN),
 * family+given and given+family, each without spaces, tabs or ideographic
 * spaces and with ASCII letters lowercased — the store's name key
 * (DS_NAME_KEY), so that dstore_person_by_name finds the same people.
 * Contacts: e-mail addresses lowercased, phone numbers as their digits
 * without leading zeros; two numbers are one when equal, or when both have
 * 7 digits or more and one ends with the other (a client that drops "+86"
 * or writes a trunk 0).
 *
 * Pure functions of the two sides: no store, no allocation, no I/O.
 * Names and values beyond the key's room are left out, never cut. */
#ifndef SRV_MATCH_H
#define SRV_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "dirstore/dirstore.h"
#include "vcard/vcard.h"

#define SRV_MATCH_NAMES 3
#define SRV_MATCH_CONTACTS (2 * DSTORE_MULTI_MAX)
#define SRV_MATCH_LEN (2 * DSTORE_NAME_MAX + 2)

struct srv_match_key {
	char names[SRV_MATCH_NAMES][SRV_MATCH_LEN];
	size_t n_names;
	char contacts[SRV_MATCH_CONTACTS][SRV_MATCH_LEN]; /* "e:" / "t:" */
	size_t n_contacts;
};

void srv_match_key_card(const struct vcard_contact *ct,
			struct srv_match_key *k);
void srv_match_key_person(const struct dstore_person *p,
			  struct srv_match_key *k);

/* The same person by content (a card that is not ours): a name in common
 * and a contact in common, or a name in common and no contact on either
 * side. */
bool srv_match_content(const struct srv_match_key *a,
		       const struct srv_match_key *b);
/* Still the person we sent under this LUID (the LUID's own evidence is
 * strong; this only tells our card from a user's own that took the LUID
 * over): a name or a contact in common. */
bool srv_match_still(const struct srv_match_key *a,
		     const struct srv_match_key *b);

#endif
