/* HTML output for the admin pages: escaping and the page frame.
 *
 * Every text that did not come from this program's own literals goes
 * through wa_h() (element text and attribute values alike: & < > " ' are
 * escaped), so a name holding markup shows as text. Pages are built in an
 * ob_buf; an allocation failure sticks in the buffer's cap and the caller
 * answers 500. */
#ifndef WA_HTML_H
#define WA_HTML_H

#include <stdint.h>

#include "util/buf.h"

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
/* The page links of a paged list: Previous, the first and last page, the
 * two either side of this one (gaps shown), Next. href(b, ctx, n) appends
 * the ' href="..."' attribute of page n. Nothing when pages <= 1; the
 * caller writes the enclosing <nav>. */
void wa_page_links(struct ob_buf *b, int64_t page, int64_t pages,
		   void (*href)(struct ob_buf *b, const void *ctx, int64_t n),
		   const void *ctx);
/* A unix time as "2026-11-28 16:40" (UTC). */
void wa_time(struct ob_buf *b, int64_t t);

struct wa_page {
	const char *title;   /* outside text allowed (escaped) */
	const char *tenant;  /* the enterprise's display name; NULL = login */
	const char *login;   /* the administrator */
	const char *csrf;    /* the session's form token */
	const char *section; /* nav entry to mark: "units", "search", ... */
};

/* The page head, header with navigation and logout, and <main>. */
void wa_page_open(struct ob_buf *b, const struct wa_page *p);
/* </main> and the end of the document. */
void wa_page_close(struct ob_buf *b);
/* A hidden CSRF input for a form. */
void wa_csrf_input(struct ob_buf *b, const char *csrf);

#endif
