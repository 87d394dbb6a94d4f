/* The admin pages in Simplified Chinese and English: the message
 * catalogue, the choice of language per request, and the administrator's
 * time zone.
 *
 * Catalogue. English is the source language: every msgid is the English
 * text the page shows, so English needs no catalogue and is the answer
 * whenever anything is missing. webadmin/po/zh_CN.po is a standard
 * gettext PO file (edit it with Poedit, Lokalize or msgmerge; `msgfmt
 * --check` passes on it); at build time webadmin/gen-catalogue.py
 * compiles it into a sorted C table (catalogue.c) that wa_tr() searches.
 * We do not use libintl: a server thread answers an English and a
 * Chinese request side by side, while gettext picks its language from the
 * process locale (setlocale and LANGUAGE are per process, uselocale needs
 * the zh_CN locale generated on the host), and bindtextdomain needs an
 * installed or build-tree .mo directory that an uninstalled build, make
 * distcheck and a container all have to find. A compiled-in table has
 * none of these dependencies and is a lock-free binary search.
 *
 * Marking. Page code writes WA_T(c, "English text") with c the request
 * context (struct wa_ctx, which carries c->lang); a static table of
 * texts marks them WA_N("...") and translates with wa_tr(lang, s) where
 * it prints them. Printf-style msgids keep their arguments checked by the
 * compiler (format_arg) and are flagged c-format in the PO file, so
 * msgfmt --check compares the directives of each translation. Texts from
 * deeper modules (import reports, store errors) are English strings built
 * at run time; wa_tr_msg() translates them at the page boundary by the
 * PO entries of context "pattern", whose msgids hold placeholders: {1},
 * {2}, ... stand for text copied as it is (numbers, uids, names), {m}
 * for a message that is itself translated again (once), {t} for a term
 * looked up whole in the catalogue and never matched against patterns
 * (a field name such as "family_name" in "family_name: ... -> ..."; the
 * values beside it are copied, so a value that happens to be a msgid is
 * never translated). Unknown texts stay English; they are never dropped.
 *
 * Language. A remembered choice (the cookie WA_LANG_COOKIE, "zh" or "en",
 * set by the switch in every page's header through GET /lang) wins;
 * otherwise the browser's Accept-Language (RFC 9110 section 12.5.4):
 * the acceptable entry of highest q, the first of equal ones, where every
 * "zh" tag (zh, zh-CN, zh-Hans, zh-SG, and also zh-TW, zh-HK, zh-Hant:
 * Simplified is the only Chinese we have, and closer for those readers
 * than English) means Chinese, "en" and "en-*" and "*" mean English, and
 * any other language is passed over. Default English. Hostile input
 * gives the default, never a crash and never more work than its length:
 * a header over WA_ACCEPT_LANGUAGE_MAX bytes is ignored whole, entries
 * after the first WA_ACCEPT_LANGUAGE_ENTRIES are ignored, an entry with
 * a malformed tag or q-value (not 0, 1, 0.ddd or 1.000) is skipped.
 *
 * Time zone. admin.js stores the browser's UTC offset in minutes (east
 * positive) in the cookie WA_TZ_COOKIE; it is trusted only as an integer
 * in [-720, 840]. An offset, not an IANA zone name: turning a zone name
 * into an offset thread-safely would need our own TZif reader (TZ and
 * tzset are process-wide), so a time on the other side of a daylight
 * saving change than today would show one hour off in such zones; where
 * script runs, admin.js rewrites each <time> in the browser's zone at
 * that date, which is exact. The UTC time is always in the <time>
 * element's datetime and title; without the cookie (and without script)
 * the page shows UTC, labelled UTC.
 *
 * Not here: plural rules (Chinese has none; English plurals are chosen
 * by the caller), other languages, locale-specific number or date
 * formats (both languages use 2026-11-28 16:40 and digits 1,234). */
#ifndef WA_I18N_H
#define WA_I18N_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

enum wa_lang {
	WA_LANG_EN = 0, /* the default: msgids are English */
	WA_LANG_ZH = 1, /* Simplified Chinese, webadmin/po/zh_CN.po */
};

#define WA_LANG_COOKIE "ob_lang"
#define WA_TZ_COOKIE "ob_tz"
#define WA_ACCEPT_LANGUAGE_MAX 4096
#define WA_ACCEPT_LANGUAGE_ENTRIES 64
#define WA_TZ_MIN (-720)
#define WA_TZ_MAX 840

/* Mark a literal for the catalogue without translating it (static
 * tables); the extractor of the catalogue test sees it. */
#define WA_N(s) (s)
/* Translate a literal for the request context c (any pointer to a
 * struct with an enum wa_lang lang member). */
#define WA_T(c, s) wa_tr((c)->lang, s)

/* The text of msgid in lang: the catalogue's translation, or msgid itself
 * (English, an unknown msgid, or an empty translation; an unknown one
 * counts in wa_tr_misses). Borrowed: static, or msgid. */
const char *wa_tr(enum wa_lang lang, const char *msgid)
	__attribute__((format_arg(2)));
/* How many wa_tr calls in a language other than English found no
 * translation since the process started (for the tests). */
unsigned long wa_tr_misses(void);

/* Append text (an English message built at run time by another module)
 * translated to lang by the catalogue's patterns, or unchanged when none
 * matches, to out (not escaped). */
void wa_tr_msg(enum wa_lang lang, const char *text, struct ob_buf *out);

/* The language's tag for <html lang>: "en" or "zh-CN". Static. */
const char *wa_lang_tag(enum wa_lang lang);
/* "en" or "zh" (the cookie's and /lang's value). Static. */
const char *wa_lang_code(enum wa_lang lang);
/* "en" or "zh" into *lang_r; false for anything else. */
bool wa_lang_parse(const char *code, enum wa_lang *lang_r);

/* The language of a request: the cookie name=zh|en in the Cookie header
 * cookie when present and valid, else by Accept-Language accept, else
 * English (both may be NULL). */
enum wa_lang wa_lang_choose(const char *cookie, const char *name,
			    const char *accept);
/* Accept-Language alone (NULL: English). */
enum wa_lang wa_lang_from_accept(const char *accept);

/* The browser's UTC offset from the Cookie header: true and *min_r when
 * WA_TZ_COOKIE holds an integer in [WA_TZ_MIN, WA_TZ_MAX]. */
bool wa_tz_from_cookie(const char *cookie, int *min_r);

/* The value of cookie name in a Cookie header (RFC 6265 section 5.4),
 * its length in *len_r; NULL when absent. Borrowed from header. */
const char *wa_cookie_get(const char *header, const char *name, size_t *len_r);

#endif
