/* CSV reader for directory imports (RFC 4180 plus what spreadsheets write).
 *
 * The whole input is converted to UTF-8 first (UTF-8 as is; GB18030, a
 * superset of GBK and GB2312, through iconv; "auto" picks UTF-8 when the
 * bytes are valid UTF-8, else GB18030), a UTF-8 BOM is skipped, and the
 * delimiter is ',' or ';' (whichever the header line has more of, outside
 * quotes: Excel in some locales writes ';'). Quoted fields may hold the
 * delimiter, "" and line breaks. Records are returned one at a time with
 * the line they start on. Limits bound field size, fields per record and
 * records. No I/O: the caller passes bytes, which must outlive the reader
 * (valid UTF-8 input is read in place). Also here: the formula guard the
 * CSV export writes and the import removes. Used by the import and by the
 * web admin (the account import, the CSV export's formula guard). */
#ifndef IMP_CSV_H
#define IMP_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

enum imp_encoding {
	IMP_ENC_AUTO = 0,
	IMP_ENC_UTF8 = 1,
	IMP_ENC_GB18030 = 2,
};

struct imp_csv_limits {
	size_t max_field;  /* bytes per field (default 64 KiB) */
	size_t max_fields; /* fields per record (default 64) */
	size_t max_rows;   /* records including the header (default 1M) */
};

struct imp_csv;

/* Parse "auto", "utf-8"/"utf8", "gb18030"/"gbk"/"gb2312". */
int imp_encoding_parse(const char *name, enum imp_encoding *enc_r);

/* Prepare to read data[0..len). lim may be NULL for the defaults. Returns
 * 0, OB_E_NOMEM or OB_E_FAIL (no GB18030 converter). *csv_r is the
 * caller's (imp_csv_free). Bytes not valid in the encoding, and NUL bytes,
 * are not an error here: the records before them read as usual, and the
 * imp_csv_next that reaches the first of them fails naming its line and
 * column (the field it is in) and its byte offset. */
int imp_csv_open(const char *data, size_t len, enum imp_encoding enc,
		 const struct imp_csv_limits *lim, struct imp_csv **csv_r,
		 struct ob_err *err);

/* The next record: returns 1 and sets *fields_r and *n_r (borrowed until the
 * next call) and *line_r, 0 at the end, or OB_E_PARSE or OB_E_LIMIT with err
 * naming line and column (unbalanced quote, text after a closing quote,
 * too many fields, field too long, a NUL byte, a byte not valid in the
 * encoding: "invalid UTF-8 at byte N ...", "byte N is neither UTF-8 nor
 * GB18030"). After an error the rest of the input cannot be read. */
int imp_csv_next(struct imp_csv *csv, char ***fields_r, size_t *n_r,
		 long *line_r, struct ob_err *err);

/* The spreadsheet formula guard of Orgbook's CSV (OWASP "CSV injection";
 * import/IMPORT.md). Spreadsheets run a cell that starts with '=', '+',
 * '-' or '@' (TAB and CR too) as a formula, so the CSV export writes such
 * a value with one more apostrophe in front: one that starts with '=',
 * '@', TAB or CR (after any run of apostrophes), '+' or '-' before
 * anything but a digit ("+x", "-cmd"), or '+' or '-' and a digit followed
 * by anything a phone number cannot hold ("-1+HYPERLINK(..)"), and one
 * that starts with apostrophes and then '+' or '-' ("'+86" as "''+86").
 * "=HYPERLINK(..)" is written "'=HYPERLINK(..)", "+86 139 1234 5678" and
 * "-5" as they are. The import removes the first apostrophe of a cell
 * that starts with apostrophes and then '=', '+', '-', '@', TAB or CR, so
 * every value reads back as it was (and an export from before the rule,
 * "'+86 139 ...", as well).
 *
 * imp_csv_formula_guarded: does v need the apostrophe? */
bool imp_csv_formula_guarded(const char *v);
/* The reading side: when cell starts with one or more apostrophes and
 * then '=', '+', '-', '@', TAB or CR, remove the first apostrophe (in
 * place) and return true; else leave cell as it is and return false. */
bool imp_csv_formula_unguard(char *cell);

/* Was field i of the record imp_csv_next returned last quoted ("...")?
 * The import keeps the spaces at either end of a quoted field. */
bool imp_csv_quoted(const struct imp_csv *csv, size_t i);

/* The delimiter in use (',' or ';'). */
char imp_csv_delimiter(const struct imp_csv *csv);

void imp_csv_free(struct imp_csv **csv);

#endif
