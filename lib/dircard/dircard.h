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
 * property trim, the photo policy (with or without, size cap, thumbnail
 * edge: dcard_photo_fit) and the growth of the caller's buffer live here
 * and nowhere else.
 *
 * Never: touches the store (only its struct types) except the thumbnail
 * cache the caller hands over (dstore_thumb_*), does I/O, logs. The
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
	size_t max_photo_bytes; /* byte cap of the photo sent; 0 = no cap */
	/* thumbnail edge in pixels (dcard_photo_fit); 0: the photo as
	 * stored, dropped when over max_photo_bytes */
	uint32_t photo_edge;
	struct dstore *thumbs; /* where thumbnails are kept; NULL: made */
	int64_t thumb_tenant;  /* for each card (the store is not read) */
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

/* The photo a card of p carries under o, the one photo policy:
 * - none when !o->photo or p has none;
 * - photo_edge 0: the stored photo, or none when over max_photo_bytes;
 * - else the stored photo when it is a JPEG or PNG within photo_edge x
 *   photo_edge pixels and max_photo_bytes, without an EXIF turn;
 * - else its thumbnail (lib/image: upright, fit within the edge, PNG
 *   alpha on white, baseline JPEG at quality 80, then 60, then 40 until
 *   it fits max_photo_bytes), kept in o->thumbs (when not NULL) for the
 *   next card; none when even quality 40 is over the cap or the photo
 *   cannot be decoded (damaged, over lib/image's limits).
 * *photo_r, *len_r: the bytes (NULL, 0 for none), borrowed from p or
 * owned through *own_r (free it after use; NULL when borrowed). A store
 * failure only costs the next card another decode. Returns 0, OB_E_NOMEM
 * or OB_E_FAIL (no hash). */
int dcard_photo_fit(const struct dstore_person *p,
		    const struct dcard_render_opts *o,
		    const unsigned char **photo_r, size_t *len_r,
		    unsigned char **own_r, struct ob_err *err);

/* dcard_person_to_contact then dcard_render, company the enterprise's
 * display name, the photo by dcard_photo_fit; errors name the
 * person's uid. */
int dcard_render_person(const struct dstore_person *p, const char *company,
			const struct dcard_render_opts *o, struct dcard_buf *b,
			size_t *len_r, struct ob_err *err);

#endif
