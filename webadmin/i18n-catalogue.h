/* Private to webadmin/i18n.c: the tables webadmin/gen-catalogue.py
 * writes into catalogue.c from webadmin/po/zh_CN.po. */
#ifndef WA_I18N_CATALOGUE_H
#define WA_I18N_CATALOGUE_H

#include <stddef.h>

struct wa_msg {
	const char *id; /* the English msgid */
	const char *tr; /* its translation, never empty */
};

/* Plain messages, sorted by strcmp of id (bsearch). */
extern const struct wa_msg wa_catalogue_zh[];
extern const size_t wa_catalogue_zh_n;
/* msgctxt "pattern" entries, in the order of the PO file. */
extern const struct wa_msg wa_patterns_zh[];
extern const size_t wa_patterns_zh_n;

#endif
