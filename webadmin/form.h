/* HTML form bodies and query strings for the admin pages:
 * application/x-www-form-urlencoded and multipart/form-data (RFC 7578).
 *
 * Promises: every field is copied out (the input need not outlive the
 * form); text values are NUL-terminated and may still hold any bytes
 * (the store validates UTF-8 and control characters); file parts keep
 * their exact bytes and length. Limits on the number of fields and the
 * length of names bound the work; a malformed body (bad %-escape, missing
 * boundary, unterminated part, header line too long) is OB_E_PARSE with a
 * message naming what is wrong. Never reads past the input. No I/O. */
#ifndef WA_FORM_H
#define WA_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define WA_FORM_FIELDS_MAX 512
#define WA_FORM_NAME_MAX 64

struct wa_form_field {
	char *name;
	char *value; /* NUL-terminated (file bytes too, for convenience) */
	size_t len;
	char *filename;     /* multipart file parts: as sent, else NULL */
	char *content_type; /* multipart parts that give one, else NULL */
};

struct wa_form {
	struct wa_form_field *fields;
	size_t n;
};

/* Parse a body by its Content-Type (parameters such as the boundary
 * included). An unknown type is OB_E_INVAL. */
int wa_form_parse(struct wa_form *f, const char *content_type, const char *body,
		  size_t len, struct ob_err *err);
/* Parse "a=1&b=x+y%21" (a query string without the '?', or a body). */
int wa_form_parse_urlencoded(struct wa_form *f, const char *data, size_t len,
			     struct ob_err *err);
/* Add one field (copies). 0 or OB_E_LIMIT / OB_E_NOMEM. */
int wa_form_add(struct wa_form *f, const char *name, const char *value,
		size_t len, struct ob_err *err);

/* The first field of that name, or NULL. */
const struct wa_form_field *wa_form_field(const struct wa_form *f,
					  const char *name);
/* The first value of that name, or NULL. */
const char *wa_form_get(const struct wa_form *f, const char *name);
/* The k-th (0-based) value of that name, or NULL. */
const char *wa_form_get_nth(const struct wa_form *f, const char *name,
			    size_t k);

void wa_form_deinit(struct wa_form *f);

#endif
