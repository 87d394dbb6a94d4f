/* Exports of an enterprise or one unit as .vcf, CSV or JSON: streamed
 * person by person through a caller callback, never the whole directory
 * in memory. Each imports back unchanged (import/IMPORT.md). The .vcf
 * export is lib/dircard's (dircard/export.h: dcard_export_vcf) and
 * leaves hidden people out; CSV and JSON, the administrators' copies,
 * include them. */
#ifndef WA_EXPORT_H
#define WA_EXPORT_H

#include <stddef.h>

#include "dirstore/dirstore.h"

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
