/* Directory import (libimport.a): read a whole file of people (CSV, JSON
 * or .vcf), validate every row, match it to the stored people, and apply
 * it to one enterprise in a single store transaction. Used by
 * orgbook-admin, the web admin and the benches.
 *
 * Formats and merge rules: import/IMPORT.md. The input is read twice
 * (check every row, then apply), so memory does not grow with the number
 * of rows. Inside: plan.c (the two passes, the transaction), row.c,
 * match.c, merge.c, apply.c, guard.c (the mass-delete guard), one
 * read-<format>.c per format, and the csv.c and json.c parsers (core.h
 * tells how they fit).
 *
 * Promises: a file with any bad row writes nothing, and the report lists
 * every bad row by line, column and field; a dry run computes the exact
 * plan (adds, changes, deletes, units created) inside the transaction and
 * rolls it back; a replace that would delete more than the allowed share
 * of the people is refused unless forced. A row changes only the fields
 * the file has (a CSV column, a JSON member, a vCard property; absent ones
 * keep the stored value, empty ones clear it) and a row that changes no
 * field is not written. The plan's change lines are the store's
 * (dstore_person_diff), as the audit log and the undo show them.
 *
 * Never: a write outside the one transaction of the call, a partial
 * write, a field the file does not name changed, a file read but a photo
 * path relative to base_dir (and none at all with no_photo_files). It
 * knows nothing of HTTP, HTML or the command line, does not log, and
 * reaches the store only through dirstore.h. */
#ifndef IMP_IMPORT_H
#define IMP_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirstore/dirstore.h"
#include "util/buf.h"
#include "util/err.h"
#include "import/csv.h"

struct imp_opts {
	enum imp_encoding encoding;
	bool replace;         /* delete people who are not in the file */
	bool dry_run;         /* compute the plan, write nothing */
	bool force;           /* pass the mass-delete guard */
	double max_delete;    /* share of people a replace may delete; 0 =
				0.2 above 50 people, 0.8 up to 50 */
	const char *base_dir; /* photo paths are relative to it; NULL = "." */
	bool no_photo_files;  /* a photo path is a bad row (web uploads) */
	const char *actor;    /* audit name, e.g. "cli" */
	size_t max_errors;    /* bad rows listed at most (0 = 100) */
	/* Called after every row: pass 1 (reading and checking, total 0:
	 * not known yet), pass 2 (writing, total the rows of pass 1). For
	 * a progress bar; NULL for none. */
	void (*progress)(int pass, size_t done, size_t total, void *ctx);
	void *progress_ctx;
};

struct imp_report {
	size_t rows; /* data rows read */
	size_t adds, changes, unchanged, deletes, units_created;
	size_t bad_rows;
	struct ob_buf errors; /* one line per bad row */
	struct ob_buf plan;   /* "add|change|delete <uid> <name>" lines; under
				 a change, "    field: \"old\" -> \"new\"" per
				 changed field */
	struct ob_buf unkept; /* vCard: "<PROPERTY>: <n> cards" per property
				 (or part) no field keeps */
	int64_t revision;     /* after commit (unchanged on dry run) */
};

void imp_report_init(struct imp_report *r);
void imp_report_deinit(struct imp_report *r);

/* Import CSV bytes into tenant_id. Returns 0; OB_E_PARSE when rows are bad
 * (report->errors lists them, nothing written); OB_E_LIMIT when the guard
 * refuses a replace; store errors as they come. */
int imp_csv_import(struct dstore *store, int64_t tenant_id, const char *data,
		   size_t len, const struct imp_opts *opts,
		   struct imp_report *report, struct ob_err *err);

/* The same for a JSON document: {"units": ["A/B", ...], "people": [{...}]}
 * where each person has the CSV column names as members (strings; phone
 * and email members may be arrays of strings; hidden may be a boolean).
 * Errors name the line of the offending value. */
int imp_json_import(struct dstore *store, int64_t tenant_id, const char *data,
		    size_t len, const struct imp_opts *opts,
		    struct imp_report *report, struct ob_err *err);

/* The same for a .vcf file (vCard 2.1, 3.0 or 4.0, any number of cards):
 * ORG's units after the company name become the unit path; a card that
 * cannot be parsed is a bad row named by its line and property. */
int imp_vcf_import(struct dstore *store, int64_t tenant_id, const char *data,
		   size_t len, const struct imp_opts *opts,
		   struct imp_report *report, struct ob_err *err);

/* The format a file's name gives, case aside: "json" (.json), "vcf"
 * (.vcf), "csv" (.csv); NULL for another name or none. */
const char *imp_format_of_name(const char *name);

/* The format a file's first bytes give, after a UTF-8 byte order mark and
 * white space: "vcf" for BEGIN:VCARD, "json" for '{', else "csv". */
const char *imp_format_of_data(const char *data, size_t len);

/* imp_csv_import, imp_json_import or imp_vcf_import by format ("csv",
 * "json" or "vcf"); OB_E_INVAL for another. */
int imp_import(struct dstore *store, int64_t tenant_id, const char *format,
	       const char *data, size_t len, const struct imp_opts *opts,
	       struct imp_report *report, struct ob_err *err);

/* The pinyin reading of a Chinese name part ("ouyang" for 欧阳 as a family
 * name), malloc'd; NULL for names without Chinese characters or when
 * nothing could be read. Imports and the admin pages fill in phonetic
 * names with it when none are given. */
char *imp_phonetic_of(const char *part, bool family);

#endif
