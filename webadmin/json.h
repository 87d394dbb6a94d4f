/* A small strict JSON parser (RFC 8259) for imports.
 *
 * Parses a whole document into a tree of values owned by one struct
 * wa_json. Strings are validated UTF-8 (\u escapes, surrogate pairs
 * joined; unpaired surrogates and NUL refused). Limits: depth, total
 * values, string bytes. Errors name line and column. Numbers are kept as
 * doubles (imports use only small integers). No I/O. */
#ifndef WA_JSON_H
#define WA_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

enum wa_json_type {
	WA_JSON_NULL,
	WA_JSON_BOOL,
	WA_JSON_NUMBER,
	WA_JSON_STRING,
	WA_JSON_ARRAY,
	WA_JSON_OBJECT,
};

struct wa_json_value {
	enum wa_json_type type;
	long line; /* where the value starts */
	bool b;
	double num;
	char *str;                    /* STRING; object member names too */
	size_t n;                     /* ARRAY/OBJECT: count */
	struct wa_json_value **items; /* ARRAY/OBJECT: values */
	char **keys;                  /* OBJECT: member names */
};

struct wa_json_limits {
	size_t max_depth;  /* default 32 */
	size_t max_values; /* default 4,000,000 */
	size_t max_string; /* default 1 MiB */
};

struct wa_json;

/* Parse data[0..len); lim may be NULL. OB_E_PARSE / OB_E_LIMIT with line
 * and column. *json_r is the caller's (wa_json_free). */
int wa_json_parse(const char *data, size_t len,
		  const struct wa_json_limits *lim, struct wa_json **json_r,
		  struct ob_err *err);

/* The root value (borrowed). */
const struct wa_json_value *wa_json_root(const struct wa_json *json);

/* Member of an object by name, or NULL (borrowed). */
const struct wa_json_value *wa_json_get(const struct wa_json_value *obj,
					const char *name);

void wa_json_free(struct wa_json **json);

#endif
