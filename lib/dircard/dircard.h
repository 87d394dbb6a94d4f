/* lib/dircard: the one mapping between a directory person (lib/dirstore)
 * and a vCard contact (vcard/), and the one render policy, used by the
 * sync server, the .vcf export, the web admin, the import and the agent,
 * so every path shows a person the same way.
 *
 * Mapping: ORG is the company (the enterprise's display name) followed by
 * the unit path's parts; CATEGORIES is the unit path ("Sales/East"); the
 * photo's media type comes from its magic bytes; REV is the last change
 * time. The reverse direction (dcard_contact_to_person) is what an import
 * keeps of a card.
 *
 * Render (dcard_render): the vCard version, the client's dialect and
 * property trim, the photo policy (with or without, size cap) and the
 * growth of the caller's buffer live here and nowhere else.
 *
 * Never: touches the store (only its struct types), does I/O, logs. The
 * streaming export, which does read the store, is dircard/export.h. */
#ifndef DCARD_DIRCARD_H
#define DCARD_DIRCARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirstore/dirstore.h"
#include "util/err.h"
#include "vcard/vcard.h"

/* Storage the contact's arrays point into; one per conversion. */
struct dcard_scratch {
	const char *org[DSTORE_UNIT_DEPTH_MAX + 2];
	struct vcard_phone phones[DSTORE_MULTI_MAX];
	const char *emails[DSTORE_MULTI_MAX];
	const char *categories[1];
	char *unit_parts; /* copy of the unit path, split in place */
};

/* Fill *c from p. Every pointer in *c borrows from p, company or sc: keep
 * them alive while c is used, then call dcard_scratch_deinit (also after
 * a failure). Returns 0 or OB_E_NOMEM. */
int dcard_person_to_contact(const struct dstore_person *p, const char *company,
			    struct dcard_scratch *sc, struct vcard_contact *c);
void dcard_scratch_deinit(struct dcard_scratch *sc);

/* The person a card describes, as an import keeps it: ORG's parts after
 * the company become unit_path, joined by '/' ('/' inside a part becomes
 * '-', empty parts are skipped); OTHER phones become "work" phones; ADR's
 * post office box and extended address go before the street, joined by
 * ", " (they have no field of their own). Every phone and e-mail is kept
 * (the store's DSTORE_MULTI_MAX is checked by the caller). Strings are
 * copies, NULL for an absent field (empty for the street, unit_path);
 * free with dstore_person_deinit. Returns 0 or OB_E_NOMEM (then *p_r is
 * already deinit'ed). Never reads the store: unit_id stays 0. */
int dcard_contact_to_person(const struct vcard_contact *c,
			    struct dstore_person *p_r);

/* The properties a client may lack (its CTCap), for a trimmed render.
 * N, FN, UID, REV and PHOTO are always rendered. */
enum dcard_prop {
	DCARD_PROP_TITLE = 1u << 0,
	DCARD_PROP_ORG = 1u << 1,
	DCARD_PROP_ADR = 1u << 2,
	DCARD_PROP_NOTE = 1u << 3,
	DCARD_PROP_CATEGORIES = 1u << 4,
	DCARD_PROP_PHONETIC = 1u << 5, /* X-PHONETIC-* */
	DCARD_PROP_TEL = 1u << 6,
	DCARD_PROP_EMAIL = 1u << 7,
	DCARD_PROP_ALL = 0xffu,
};

struct dcard_render_opts {
	enum vcard_version version;
	bool photo;             /* include the photo */
	size_t max_photo_bytes; /* photo dropped when larger; 0 = no cap */
	const struct vcard_dialect *dialect; /* NULL = the standard */
	bool trim;      /* render only the optional properties in props */
	uint32_t props; /* dcard_prop bits, when trim */
};

/* A growable output buffer: start with {NULL, 0} or a malloc'd buffer;
 * dcard_render reallocs it as needed; free(b->data) when done. */
struct dcard_buf {
	char *data;
	size_t size;
};

/* The vCard text of c with the options into b->data, *len_r bytes (not
 * NUL-terminated). Grows b when the card does not fit (the only place
 * that handles VCARD_E_SPACE). Returns 0, OB_E_NOMEM, or OB_E_FAIL when
 * the writer refuses the contact (bad UTF-8), err naming the vCard
 * error. b stays valid (and the caller's) in every case. */
int dcard_render(const struct vcard_contact *c,
		 const struct dcard_render_opts *o, struct dcard_buf *b,
		 size_t *len_r, struct ob_err *err);

/* dcard_person_to_contact then dcard_render, company the enterprise's
 * display name; errors name the person's uid. */
int dcard_render_person(const struct dstore_person *p, const char *company,
			const struct dcard_render_opts *o, struct dcard_buf *b,
			size_t *len_r, struct ob_err *err);

#endif
