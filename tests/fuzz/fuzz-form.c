/* Fuzz target: the admin pages' form parser. The input is a Content-Type
 * line, then the body. Oracles beyond "no crash": every field is
 * NUL-terminated at its length, no value is longer than the body, names
 * are short and free of NUL, and the parse is the same when run twice. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webadmin/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct wa_form *f, size_t body_len)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct wa_form_field *x = &f->fields[i];
		if (x->value[x->len] != '\0' || x->len > body_len ||
		    strlen(x->name) > WA_FORM_NAME_MAX || x->name[0] == '\0')
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	size_t tl = nl ? (size_t)(nl - (const char *)data) : 0;
	char ctype[256];
	const char *body = nl ? nl + 1 : (const char *)data;
	size_t blen = size - (nl ? tl + 1 : 0);
	struct wa_form a = {0}, b = {0};
	struct ob_err err;
	int r1, r2;

	if (tl >= sizeof(ctype))
		return 0;
	memcpy(ctype, data, tl);
	ctype[tl] = '\0';
	r1 = wa_form_parse(&a, ctype, body, blen, &err);
	r2 = wa_form_parse(&b, ctype, body, blen, &err);
	if (r1 != r2 || (r1 == 0 && a.n != b.n))
		abort();
	if (r1 == 0) {
		check(&a, blen);
		for (size_t i = 0; i < a.n; i++)
			if (a.fields[i].len != b.fields[i].len ||
			    memcmp(a.fields[i].value, b.fields[i].value,
				   a.fields[i].len) != 0)
				abort();
	}
	wa_form_deinit(&a);
	wa_form_deinit(&b);
	return 0;
}
