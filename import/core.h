/* The import's core, shared by its parts (never included outside
 * import/): the columns, one row as read, the state of one import, and
 * the functions each part offers the others.
 *
 *   a reader (read-csv.c, read-json.c, read-vcf.c) turns its format into
 *     rows of cells and hands each to imp_read_row, then imp_emit;
 *   row.c makes a row of cells into a struct rec (trimmed, split, the
 *     formula guard off, the photo file read) and lists bad rows;
 *   match.c finds the stored person a row without uid names, and the
 *     uids the file repeats;
 *   merge.c makes the person a row stands for (its fields over the
 *     stored ones);
 *   apply.c checks a row (pass 1) or writes it and its plan lines
 *     (pass 2), and deletes the people a replace leaves out;
 *   guard.c is the mass-delete guard;
 *   plan.c runs the two passes and owns the one transaction.
 *
 * A reader calls imp_run with its row source, which imp_run calls twice
 * (pass 1 checks every row, pass 2 applies inside the transaction; again
 * when the store is busy, up to IMP_TRIES passes 2 in all), so rows are
 * never all held in memory. */
#ifndef IMP_CORE_H
#define IMP_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirstore/dirstore.h"
#include "import/import.h"
#include "util/err.h"

#define IMP_TRIES 5

/* The columns of IMPORT.md, in the order of imp_col_names. */
enum col {
	C_UID,
	C_FAMILY,
	C_GIVEN,
	C_DISPLAY,
	C_PFAMILY,
	C_PGIVEN,
	C_UNIT,
	C_TITLE,
	C_PWORK,
	C_PCELL,
	C_PHOME,
	C_PFAX,
	C_EMAIL,
	C_STREET,
	C_CITY,
	C_REGION,
	C_POSTCODE,
	C_COUNTRY,
	C_NOTE,
	C_HIDDEN,
	C_PHOTO,
	C_COUNT
};

/* column name, and the dirstore field name its errors carry */
extern const char *const imp_col_names[C_COUNT][2];

/* One row as read. */
struct rec {
	long line;
	struct dstore_person p; /* the row's fields; absent ones empty */
	uint32_t present;       /* (1u << col) for each field the row has */
	char *unit_path;
	char *key; /* match key when no uid */
};

#define HAS(r, c) (((r)->present & (1u << (c))) != 0)

struct uid_line {
	char *uid;
	long line;
};

/* Existing people, for matching rows without uid and for replace. */
struct existing {
	char *uid;
	char *display;
	char *key;
	bool seen;
};

struct ex_list {
	struct existing *v; /* sorted by uid */
	size_t n, alloc;
	struct existing **by_key; /* sorted by key, built on demand */
	bool need_keys;           /* some rows have no uid */
};

struct import {
	struct dstore *s;
	int64_t tenant;
	const struct imp_opts *o;
	struct imp_report *rep;
	int colmap[C_COUNT]; /* csv column index per field, -1 absent */
	size_t ncols;
	int pass;       /* 1: check every row, 2: apply (in the transaction) */
	struct rec cur; /* the row being read */
	struct uid_line *uids; /* pass 1: every uid with its line */
	size_t n_uids, uids_alloc;
	bool need_keys;      /* some rows have no uid */
	struct ex_list *ex;  /* pass 2: existing people (may be empty) */
	bool no_columns;     /* JSON and vCard rows have no column numbers */
	bool guarded;        /* CSV: cells may carry the formula guard */
	struct imp_csv *csv; /* CSV: the reader, for what was quoted */
	char **units;        /* unit paths to create even when empty (JSON) */
	size_t n_units;
	struct unkept {
		char what[96];
		size_t n;
	} * unkept; /* vCard: what no field keeps, pass 1 */
	size_t n_unkept;
	size_t applied; /* rows of pass 2 so far, for o->progress */
};

/* Reads every row of the input, calling imp_read_row and imp_emit for
 * each. Returns 0 or a fatal error (bad rows are recorded, not fatal). */
typedef int imp_row_source(struct import *im, void *ctx, struct ob_err *err);

/* plan.c: pass 1 over the rows, duplicate uids, the bad-row verdict, then
 * pass 2 inside one transaction (rolled back on error or dry run).
 * Returns 0, OB_E_PARSE (bad rows), OB_E_LIMIT (the guard) or the
 * store's error. */
int imp_run(struct import *im, imp_row_source *rows, void *ctx,
	    struct ob_err *err);
/* Frees what the readers and passes hung on im (not im itself). */
void imp_free(struct import *im);

/* row.c: one bad row into the report (pass 1 only; col -1 or a 0-based
 * CSV column; the first max_errors are listed, all are counted). */
void imp_bad_row(struct import *im, long line, int col, const char *field,
		 const char *msg);
/* Row f[0..n) (cells in colmap's columns; present: the fields the row
 * has) into im->cur. Returns 1 (a row to emit), 0 (a bad row, recorded)
 * or OB_E_NOMEM. */
int imp_read_row(struct import *im, char **f, size_t n, long line,
		 uint32_t present);
void imp_rec_free(struct rec *r);
/* v trimmed of spaces and TABs, malloc'd; NULL when empty. */
char *imp_dup_trim(const char *v);
/* A unit path: segments between '/', none empty, "." or "..". */
bool imp_unit_path_ok(const char *path);

/* match.c: the key a row without uid is matched by (display name plus
 * first email, else first phone's digits, lower case), malloc'd. */
char *imp_make_key(const struct dstore_person *p);
/* Pass 1: keep the row's uid and line (taken from r) for the duplicate
 * check. Returns 0 or OB_E_NOMEM. */
int imp_note_row(struct import *im, struct rec *r);
/* Duplicate uids inside the file: a bad row on the later line. */
void imp_check_duplicates(struct import *im);
/* The tenant's stored people into ex (with match keys when
 * ex->need_keys), sorted by uid. Returns 0 or the store's error. */
int imp_ex_load(struct import *im, struct ex_list *ex, struct ob_err *err);
void imp_ex_free(struct ex_list **ex);
/* The stored person of uid, or of key; NULL when none (borrowed). */
struct existing *imp_ex_find_uid(struct ex_list *l, const char *uid);
struct existing *imp_ex_find_key(struct ex_list *l, const char *key);

/* merge.c: the person row r makes over old, the stored person (NULL for
 * a new one), into *m (the caller's: dstore_person_deinit). Returns 0 or
 * OB_E_NOMEM. */
int imp_merge_row(const struct rec *r, const struct dstore_person *old,
		  struct dstore_person *m);

/* apply.c: the row in im->cur to the pass's handler (pass 1: checked as
 * the store will; pass 2: written), then freed. Returns 0 or a fatal
 * error. */
int imp_emit(struct import *im, struct ob_err *err);
/* The unit of path, created with its parents when it does not exist
 * yet (inside the open transaction). Returns 0 or the store's error. */
int imp_unit_ensure(struct import *im, const char *path, int64_t *id_r,
		    struct ob_err *err);
/* Replace: delete the stored people no row named. */
int imp_delete_unseen(struct import *im, struct ob_err *err);

/* guard.c: OB_E_LIMIT when a replace deletes more than the allowed share
 * of the existing people and is not forced; else 0. */
int imp_guard(const struct imp_opts *o, size_t deletes, size_t existing,
	      struct ob_err *err);

#endif
