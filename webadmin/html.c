/* HTML output (see html.h). */
#include "config.h"
#include "webadmin/html.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void wa_raw(struct ob_buf *b, const char *markup)
{
	(void)ob_buf_add_str(b, markup);
}

void wa_rawf(struct ob_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)ob_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void wa_h(struct ob_buf *b, const char *t)
{
	const char *run = t;

	if (t == NULL)
		return;
	for (; *t; t++) {
		const char *rep = NULL;
		switch (*t) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		(void)ob_buf_add(b, run, (size_t)(t - run));
		(void)ob_buf_add_str(b, rep);
		run = t + 1;
	}
	(void)ob_buf_add(b, run, (size_t)(t - run));
}

void wa_cell(struct ob_buf *b, const char *text)
{
	wa_raw(b, "<td>");
	wa_h(b, text);
	wa_raw(b, "</td>");
}

void wa_time_cell(struct ob_buf *b, int64_t t)
{
	wa_raw(b, "<td>");
	wa_time(b, t);
	wa_raw(b, "</td>");
}

void wa_u(struct ob_buf *b, const char *t)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)t; p && *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-_.~", *p)) {
			(void)ob_buf_add_char(b, (char)*p);
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			(void)ob_buf_add(b, e, 3);
		}
	}
}

void wa_time(struct ob_buf *b, int64_t t)
{
	char s[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL) {
		wa_raw(b, "never");
		return;
	}
	strftime(s, sizeof(s), "%Y-%m-%d %H:%M UTC", &tm);
	wa_raw(b, s);
}

void wa_csrf_input(struct ob_buf *b, const char *csrf)
{
	wa_raw(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	wa_h(b, csrf);
	wa_raw(b, "\">");
}

static const char *const nav[][2] = {
	{"units", "Directory"},   {"search", "Search"},
	{"import", "Import"},     {"export", "Export"},
	{"audit", "Audit log"},   {"devices", "Devices"},
	{"accounts", "Accounts"},
};

void wa_page_open(struct ob_buf *b, const struct wa_page *p)
{
	wa_raw(b, "<!doctype html>\n<html lang=\"en\"><head>"
		  "<meta charset=\"utf-8\">"
		  "<meta name=\"viewport\" content=\"width=device-width, "
		  "initial-scale=1\"><title>");
	wa_h(b, p->title);
	wa_raw(b, " · Orgbook</title>"
		  "<link rel=\"icon\" href=\"data:,\">"
		  "<link rel=\"stylesheet\" href=\"/static/admin.css\">"
		  "<script src=\"/static/admin.js\" defer></script>"
		  "</head><body><header><a class=\"brand\" "
		  "href=\"/units\">Orgbook</a>");
	if (p->tenant != NULL) {
		wa_raw(b, "<span class=\"tenant\">");
		wa_h(b, p->tenant);
		wa_raw(b, "</span><nav>");
		for (size_t i = 0; i < sizeof(nav) / sizeof(nav[0]); i++) {
			wa_rawf(b, "<a href=\"/%s\"%s>%s</a>", nav[i][0],
				p->section && strcmp(p->section, nav[i][0]) == 0
					? " aria-current=\"page\""
					: "",
				nav[i][1]);
		}
		wa_raw(b, "</nav><form class=\"logout\" method=\"post\" "
			  "action=\"/logout\">");
		wa_csrf_input(b, p->csrf);
		wa_raw(b, "<button type=\"submit\">Log out ");
		wa_h(b, p->login);
		wa_raw(b, "</button></form>");
	}
	wa_raw(b, "</header><main>");
}

void wa_page_close(struct ob_buf *b)
{
	wa_raw(b, "</main></body></html>\n");
}

void wa_page_links(struct ob_buf *b, int64_t page, int64_t pages,
		   void (*href)(struct ob_buf *b, const void *ctx, int64_t n),
		   const void *ctx)
{
	int64_t last = 0;

	if (pages <= 1)
		return;
	if (page > 1) {
		wa_raw(b, "<a rel=\"prev\"");
		href(b, ctx, page - 1);
		wa_raw(b, ">‹ Previous</a>");
	}
	for (int64_t i = 1; i <= pages; i++) {
		if (i != 1 && i != pages && (i < page - 2 || i > page + 2))
			continue;
		if (last != 0 && i > last + 1)
			wa_raw(b, "<span class=\"gap\">…</span>");
		last = i;
		if (i == page) {
			wa_rawf(b, "<span aria-current=\"page\">%lld</span>",
				(long long)i);
			continue;
		}
		wa_raw(b, "<a");
		href(b, ctx, i);
		wa_rawf(b, ">%lld</a>", (long long)i);
	}
	if (page < pages) {
		wa_raw(b, "<a rel=\"next\"");
		href(b, ctx, page + 1);
		wa_raw(b, ">Next ›</a>");
	}
}
