/* The streaming .vcf export of an enterprise or one unit: the view read
 * from the store person by person (dstore_person_iter), each rendered
 * with dcard_render (dircard.h) and handed to a caller callback, never
 * the whole directory in memory. Hidden people are left out. It imports
 * back unchanged (import/IMPORT.md).
 *
 * Unlike dircard.h this reads the store; it still never does I/O itself
 * (the callback writes) and never logs. The CSV and JSON exports, which
 * follow the import's column rules, stay in webadmin/export.h. */
#ifndef DCARD_EXPORT_H
#define DCARD_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirstore/dirstore.h"
#include "util/err.h"
#include "vcard/vcard.h"

struct dcard_export_opts {
	enum vcard_version version;
	int64_t unit_id; /* 0 = the whole enterprise */
	bool photos;
	size_t max_photo_bytes; /* byte cap of a photo sent; 0 = no cap */
	uint32_t photo_edge;    /* thumbnail edge (dcard_photo_fit; the
				   store keeps them); 0: photos as stored,
				   dropped over max_photo_bytes */
};

/* Write every visible person of the view as a vCard to out(data, len,
 * ctx) (which returns 0, or non-zero to stop). *count_r (may be NULL)
 * gets the number of cards. Returns 0, the callback's code, a store error
 * or dcard_render's (err names the person). */
int dcard_export_vcf(struct dstore *store, int64_t tenant_id,
		     const struct dcard_export_opts *opts,
		     int (*out)(const char *data, size_t len, void *ctx),
		     void *ctx, size_t *count_r, struct ob_err *err);

#endif
