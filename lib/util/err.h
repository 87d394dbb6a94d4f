/* Orgbook error codes and the caller-owned error detail.
 *
 * A function that can fail returns int: 0 on success, a negative OB_E_* on
 * failure, and fills a caller-owned struct ob_err with the detail (line, field,
 * message). The message lives in a fixed buffer, so reporting out-of-memory
 * never allocates. Specific codes exist only where callers branch on them.
 * OB_ASSERT guards our own invariants (never outside input) and is always
 * compiled in. */
#ifndef OB_ERR_H
#define OB_ERR_H

#include <stddef.h>

enum ob_errcode {
	OB_OK = 0,
	OB_E_FAIL = -1,     /* anything callers do not branch on */
	OB_E_NOTFOUND = -2, /* no such row, tenant, unit, file */
	OB_E_EXISTS = -3,   /* unique key already taken */
	OB_E_PARSE = -4,    /* malformed input; err names line/field */
	OB_E_LIMIT = -5,    /* a configured limit was exceeded */
	OB_E_AUTH = -6,     /* bad credentials or not allowed */
	OB_E_BUSY = -7,     /* retryable: database busy / serialization */
	OB_E_NOMEM = -8,    /* allocation failed */
	OB_E_IO = -9,       /* I/O failure (disk full, EIO) */
	OB_E_VERSION = -10, /* unknown schema or protocol version */
	OB_E_GONE = -11,    /* history no longer available (resync needed) */
	OB_E_INVAL = -12,   /* invalid argument or value */
};

#define OB_ERR_MSG_MAX 512
#define OB_ERR_FIELD_MAX 64

struct ob_err {
	int code;                     /* one of enum ob_errcode */
	long line;                    /* 1-based input line, 0 when none */
	long column;                  /* 1-based column, 0 when none */
	char field[OB_ERR_FIELD_MAX]; /* field or property name, "" when none */
	char msg[OB_ERR_MSG_MAX];     /* human-readable, "" when none */
};

/* Reset err to "no error". err may be NULL. */
void ob_err_clear(struct ob_err *err);

/* Set code and a printf-style message; returns code so callers can write
 * `return ob_err_set(err, OB_E_PARSE, "...")`. err may be NULL. */
int ob_err_set(struct ob_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like ob_err_set, also naming the input line, column and field. */
int ob_err_set_at(struct ob_err *err, int code, long line, long column,
		  const char *field, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Prefix the existing message with context ("while importing x.csv: ").
 * Keeps code, line and field. err may be NULL. */
void ob_err_prefix(struct ob_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Short constant name of a code ("parse error", "not found"). */
const char *ob_err_code_str(int code);

/* Format "line L, column C, field F: msg" into buf (always NUL-terminated).
 * Returns buf. */
const char *ob_err_describe(const struct ob_err *err, char *buf, size_t size);

/* Abort with file and line; used by OB_ASSERT. */
_Noreturn void ob_assert_fail(const char *expr, const char *file, int line);

#define OB_ASSERT(expr)                                                        \
	((expr) ? (void)0 : ob_assert_fail(#expr, __FILE__, __LINE__))

#endif
