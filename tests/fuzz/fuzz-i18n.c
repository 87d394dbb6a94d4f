/* Fuzz target: the admin pages' language and time-zone input (i18n.h).
 * The input is used whole as an Accept-Language header, as a Cookie
 * header (language and offset cookies), and as a message of another
 * module for the catalogue's patterns. Oracles beyond "no crash": the
 * language is one of the two, a cookie's offset is in range, and a text
 * no pattern or message matches comes back unchanged in English. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webadmin/i18n.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct ob_buf b;
	enum wa_lang l;
	int m = 0;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0'; /* headers are strings: cut at a NUL */
	l = wa_lang_from_accept(s);
	if (l != WA_LANG_EN && l != WA_LANG_ZH)
		abort();
	l = wa_lang_choose(s, WA_LANG_COOKIE, s);
	if (l != WA_LANG_EN && l != WA_LANG_ZH)
		abort();
	if (wa_tz_from_cookie(s, &m) && (m < WA_TZ_MIN || m > WA_TZ_MAX))
		abort();
	ob_buf_init(&b, 1u << 20);
	wa_tr_msg(WA_LANG_ZH, s, &b);
	ob_buf_reset(&b);
	wa_tr_msg(WA_LANG_EN, s, &b);
	if (b.len != strlen(s) || (b.len > 0 && memcmp(b.data, s, b.len) != 0))
		abort();
	ob_buf_deinit(&b);
	free(s);
	return 0;
}
