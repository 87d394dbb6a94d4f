/* HTML output for the admin pages: escaping and the page frame.
 *
 * Every text that did not come from this program's own literals goes
 * through wa_h() (element text and attribute values alike: & < > " ' are
 * escaped), so a name holding markup shows as text. Pages are built in an
 * ob_buf; an allocation failure sticks in the buffer's cap and the caller
 * answers 500. */
#ifndef WA_HTML_H
#define WA_HTML_H

#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"
#include "webadmin/i18n.h"

/* Append literal markup (a string of this program's own). */
void wa_raw(struct ob_buf *b, const char *markup);
/* Append printf output of numbers and literals: never pass outside text
 * through %s here. */
void wa_rawf(struct ob_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append text escaped for element content and quoted attribute values;
 * NULL appends nothing. */
void wa_h(struct ob_buf *b, const char *text);
/* A table cell of escaped text / of a time (wa_time). */
void wa_cell(struct ob_buf *b, const char *text);
void wa_time_cell(struct ob_buf *b, int64_t t);
/* Escape for a URL query value (percent-encoding), then for HTML. */
void wa_u(struct ob_buf *b, const char *text);
/* 1234567 as "1,234,567" into out (returned), for a translated format;
 * wa_num appends it to b. */
const char *wa_num_str(int64_t n, char out[48]);
void wa_num(struct ob_buf *b, int64_t n);
/* The page links of a paged list: Previous, the first and last page, the
 * two either side of this one (gaps shown), Next. href(b, ctx, n) appends
 * the ' href="..."' attribute of page n. Nothing when pages <= 1; the
 * caller writes the enclosing <nav>. */
void wa_page_links(struct ob_buf *b, int64_t page, int64_t pages,
		   void (*href)(struct ob_buf *b, const void *ctx, int64_t n),
		   const void *ctx);
/* wa_page_links with its labels in lang (wa_page_links: English). */
void wa_page_links_in(struct ob_buf *b, enum wa_lang lang, int64_t page,
		      int64_t pages,
		      void (*href)(struct ob_buf *b, const void *ctx,
				   int64_t n),
		      const void *ctx);
/* A unix time as "2026-11-28 16:40 UTC" (plain text, English). */
void wa_time(struct ob_buf *b, int64_t t);

/* The administrator's time zone: an offset from UTC when known. */
struct wa_tz {
	bool known;
	int minutes; /* east of UTC, WA_TZ_MIN..WA_TZ_MAX */
};

/* A unix time as <time datetime="2026-11-28T16:40:00Z" title="2026-11-28
 * 16:40 UTC">2026-11-29 00:40 UTC+08:00</time>: in the zone tz when
 * known, else UTC labelled UTC; "never" in lang for t <= 0. */
void wa_time_in(struct ob_buf *b, enum wa_lang lang, const struct wa_tz *tz,
		int64_t t);

struct wa_page {
	const char *title;   /* outside text allowed (escaped) */
	const char *tenant;  /* the enterprise's display name; NULL = login */
	const char *login;   /* the administrator */
	const char *csrf;    /* the session's form token */
	const char *section; /* nav entry to mark: "units", "search", ... */
	enum wa_lang lang;   /* of the labels and <html lang> */
	const char *here;    /* where the language switch comes back to (a
				path and query of this site, unescaped);
				NULL: "/units" */
};

/* The page head, header with navigation and logout, and <main>. */
void wa_page_open(struct ob_buf *b, const struct wa_page *p);
/* </main> and the end of the document. */
void wa_page_close(struct ob_buf *b);
/* A hidden CSRF input for a form. */
void wa_csrf_input(struct ob_buf *b, const char *csrf);

#endif
