/* Text for people and programs: JSON strings, display width of UTF-8 on
 * a terminal (CJK counted two columns), padded table cells, a progress
 * bar on standard error.
 *
 * Promises: JSON output is always valid JSON and valid UTF-8 (control
 * characters escaped, invalid UTF-8 replaced by U+FFFD, everything else
 * passed through as UTF-8); widths do not depend on the locale (an own
 * table of the East Asian Wide and Fullwidth ranges and of the combining
 * marks, Unicode 15); the progress bar is drawn only when asked and when
 * standard error is a terminal, at most 10 times a second, and not for
 * work done within a quarter second.
 *
 * Never: reads the locale, allocates except through the ob_buf given,
 * writes to standard output on its own. */
#ifndef OB_TEXTOUT_H
#define OB_TEXTOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/buf.h"

/* s as a JSON string with its quotes (NULL as ""). */
void ob_json_str(struct ob_buf *b, const char *s);
/* The same written to f. */
void ob_json_fput(FILE *f, const char *s);

/* A JSON writer to a FILE: commas and nesting kept for the caller, at
 * most 16 levels deep (deeper values are dropped, the output stays
 * valid). */
struct ob_jw {
	FILE *f;
	int depth;
	bool need_comma[16];
	char close[16];
	bool after_key;
};
void ob_jw_init(struct ob_jw *w, FILE *f);
void ob_jw_obj(struct ob_jw *w); /* { */
void ob_jw_arr(struct ob_jw *w); /* [ */
void ob_jw_end(struct ob_jw *w); /* } or ], and a newline at the top */
void ob_jw_key(struct ob_jw *w, const char *key);
void ob_jw_str(struct ob_jw *w, const char *s); /* NULL as null */
void ob_jw_int(struct ob_jw *w, long long n);
void ob_jw_bool(struct ob_jw *w, bool b);
/* key and value in one call */
void ob_jw_kstr(struct ob_jw *w, const char *key, const char *s);
void ob_jw_kint(struct ob_jw *w, const char *key, long long n);
void ob_jw_kbool(struct ob_jw *w, const char *key, bool b);

/* Columns code point cp takes on a terminal: 0 (combining, zero-width,
 * control), 1 or 2 (East Asian Wide and Fullwidth). */
int ob_cp_width(uint32_t cp);
/* Columns of the UTF-8 text s (an invalid byte counts one). */
size_t ob_text_width(const char *s);
/* s then spaces up to width columns (nothing added when s is wider);
 * NULL as "". */
void ob_fput_cell(FILE *f, const char *s, size_t width);

/* A progress bar with counts, rate and time left, on standard error. */
struct ob_progress {
	const char *label;
	long total; /* 0 or less: unknown */
	bool on;    /* drawing (a terminal and not --quiet) */
	bool drawn; /* something is on the line */
	uint64_t start_ms, last_ms;
	uint64_t delay_ms; /* work done sooner gets no bar */
	int fd;
};
/* Start a bar: drawn only when quiet is false and fd is a terminal, and
 * only once the work has lasted ORGBOOK_PROGRESS_DELAY_MS milliseconds
 * (environment; default 250, 0 to 600000). */
void ob_progress_start(struct ob_progress *p, int fd, const char *label,
		       long total, bool quiet);
/* done of total so far (total may change, 0 when unknown); redrawn at
 * most every 100 ms. */
void ob_progress_update(struct ob_progress *p, long done, long total);
/* Clear the bar's line. */
void ob_progress_end(struct ob_progress *p);
/* The bar's text for done of total after ms milliseconds, width columns
 * at most (for tests and for ob_progress_update). */
void ob_progress_format(char *out, size_t size, const char *label, long done,
			long total, uint64_t ms, int width);

#endif
