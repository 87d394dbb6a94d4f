/* Exports of an enterprise or one unit as .vcf, CSV or JSON: streamed
 * person by person through a caller callback, never the whole directory
 * in memory. Each imports back unchanged (import/IMPORT.md). The .vcf
 * export is lib/dircard's (dircard/export.h; wa_export_vcf wraps it) and
 * leaves hidden people out; CSV and JSON, the administrators' copies,
 * include them. */
#ifndef WA_EXPORT_H
#define WA_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "dirstore/dirstore.h"
#include "util/buf.h"
#include "vcard/vcard.h"

struct wa_export_opts {
	enum vcard_version version;
	int64_t unit_id; /* 0 = the whole enterprise */
	bool photos;
	size_t max_photo_bytes; /* photos over it are dropped; 0 = no cap */
};

/* lib/dircard's dcard_export_vcf (dircard/export.h) with these options,
 * kept for the admin CLI and the web tests: every visible person of the
 * view as a vCard to out(data, len, ctx). */
int wa_export_vcf(struct dstore *store, int64_t tenant_id,
		  const struct wa_export_opts *opts,
		  int (*out)(const char *data, size_t len, void *ctx),
		  void *ctx, size_t *count_r, struct ob_err *err);

/* The same view as CSV in the import's columns (import/IMPORT.md), so
 * the file imports back unchanged: a UTF-8 BOM, a header line, CRLF line
 * ends, several phones or emails joined by '|', the formula guard (csv.h:
 * a cell that would run as a formula starts with an apostrophe, which the
 * import removes; phone numbers stay as they are) and quotes around a
 * value with a space or TAB at either end (kept inside quotes). Unlike the .vcf
 * export it includes hidden people (hidden=yes): it is the administrators' copy of
 * the directory. Photos are not included. */
int wa_export_csv(struct dstore *store, int64_t tenant_id, int64_t unit_id,
		  int (*out)(const char *data, size_t len, void *ctx),
		  void *ctx, size_t *count_r, struct ob_err *err);

/* The same view as JSON in the import's members (import/IMPORT.md):
 * {"units": [...], "people": [{...}, ...]}, one person per line, every
 * member present (empty strings and lists for empty fields, hidden a
 * boolean), so the file imports back, into this enterprise or another,
 * unchanged. "units" lists the units of the view, empty ones too. Hidden
 * people are included, photos are not (as in the CSV export). */
int wa_export_json(struct dstore *store, int64_t tenant_id, int64_t unit_id,
		   int (*out)(const char *data, size_t len, void *ctx),
		   void *ctx, size_t *count_r, struct ob_err *err);

#endif
