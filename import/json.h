/* A small strict JSON parser (RFC 8259) for imports.
 *
 * Parses a whole document into a tree of values owned by one struct
 * imp_json. Strings are validated UTF-8 (\u escapes, surrogate pairs
 * joined; unpaired surrogates and NUL refused). Limits: depth, total
 * values, string bytes. Errors name line and column. Numbers are kept as
 * doubles (imports use only small integers). No I/O. */
#ifndef IMP_JSON_H
#define IMP_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

enum imp_json_type {
	IMP_JSON_NULL,
	IMP_JSON_BOOL,
	IMP_JSON_NUMBER,
	IMP_JSON_STRING,
	IMP_JSON_ARRAY,
	IMP_JSON_OBJECT,
};

struct imp_json_value {
	enum imp_json_type type;
	long line; /* where the value starts */
	bool b;
	double num;
	char *str;                     /* STRING; object member names too */
	size_t n;                      /* ARRAY/OBJECT: count */
	struct imp_json_value **items; /* ARRAY/OBJECT: values */
	char **keys;                   /* OBJECT: member names */
};

struct imp_json_limits {
	size_t max_depth;  /* default 32 */
	size_t max_values; /* default 4,000,000 */
	size_t max_string; /* default 1 MiB */
};

struct imp_json;

/* Parse data[0..len); lim may be NULL. OB_E_PARSE / OB_E_LIMIT with line
 * and column. *json_r is the caller's (imp_json_free). */
int imp_json_parse(const char *data, size_t len,
		   const struct imp_json_limits *lim, struct imp_json **json_r,
		   struct ob_err *err);

/* The root value (borrowed). */
const struct imp_json_value *imp_json_root(const struct imp_json *json);

/* Member of an object by name, or NULL (borrowed). */
const struct imp_json_value *imp_json_get(const struct imp_json_value *obj,
					  const char *name);

void imp_json_free(struct imp_json **json);

#endif
