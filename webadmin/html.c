/* HTML output (see html.h). */
#include "config.h"
#include "webadmin/html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

const char *wa_num_str(int64_t n, char out[48])
{
	char d[32];
	int len = snprintf(d, sizeof(d), "%lld", (long long)(n < 0 ? -n : n));
	size_t k = 0;

	if (n < 0)
		out[k++] = '-';
	for (int i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[k++] = ',';
		out[k++] = d[i];
	}
	out[k] = '\0';
	return out;
}

void wa_num(struct ob_buf *b, int64_t n)
{
	char out[48];

	wa_raw(b, wa_num_str(n, out));
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

void wa_time_in(struct ob_buf *b, enum wa_lang lang, const struct wa_tz *tz,
		int64_t t)
{
	char iso[32], utc[32], local[32];
	time_t tt = (time_t)t;
	struct tm tm;
	int off = tz != NULL && tz->known ? tz->minutes : 0;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL) {
		wa_raw(b, wa_tr(lang, "never"));
		return;
	}
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(utc, sizeof(utc), "%Y-%m-%d %H:%M UTC", &tm);
	tt = (time_t)(t + (int64_t)off * 60);
	if (gmtime_r(&tt, &tm) == NULL)
		tm = (struct tm){0};
	strftime(local, sizeof(local), "%Y-%m-%d %H:%M", &tm);
	wa_rawf(b, "<time datetime=\"%s\" title=\"%s\">%s UTC", iso, utc,
		local);
	if (off != 0)
		wa_rawf(b, "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 60,
			abs(off) % 60);
	wa_raw(b, "</time>");
}

void wa_csrf_input(struct ob_buf *b, const char *csrf)
{
	wa_raw(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	wa_h(b, csrf);
	wa_raw(b, "\">");
}

static const char *const nav[][2] = {
	{"units", WA_N("Directory")},         {"search", WA_N("Search")},
	{"import", WA_N("Import")},           {"export", WA_N("Export")},
	{"audit", WA_N("Audit log")},         {"devices", WA_N("Devices")},
	{"connect", WA_N("Connect devices")}, {"accounts", WA_N("Accounts")},
};

/* The switch "中文 | English": each name in its own language, a link to
 * GET /lang that remembers the choice and comes back here. */
static void lang_switch(struct ob_buf *b, const struct wa_page *p)
{
	static const struct {
		enum wa_lang lang;
		const char *name;
	} langs[] = {{WA_LANG_ZH, "中文"}, {WA_LANG_EN, "English"}};

	wa_rawf(b, "<nav class=\"lang\" aria-label=\"%s\">",
		WA_T(p, "Language"));
	for (size_t i = 0; i < sizeof(langs) / sizeof(langs[0]); i++) {
		const char *tag = wa_lang_tag(langs[i].lang);
		if (i > 0)
			wa_raw(b, " | ");
		if (langs[i].lang == p->lang) {
			wa_rawf(b,
				"<span lang=\"%s\" aria-current=\"true\">%s"
				"</span>",
				tag, langs[i].name);
			continue;
		}
		wa_rawf(b,
			"<a lang=\"%s\" hreflang=\"%s\" href=\"/lang?to=%s"
			"&amp;back=",
			tag, tag, wa_lang_code(langs[i].lang));
		wa_u(b, p->here ? p->here : "/units");
		wa_rawf(b, "\">%s</a>", langs[i].name);
	}
	wa_raw(b, "</nav>");
}

void wa_page_open(struct ob_buf *b, const struct wa_page *p)
{
	wa_rawf(b, "<!doctype html>\n<html lang=\"%s\"><head>",
		wa_lang_tag(p->lang));
	wa_raw(b, "<meta charset=\"utf-8\">"
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
				wa_tr(p->lang, nav[i][1]));
		}
		wa_raw(b, "</nav><form class=\"logout\" method=\"post\" "
			  "action=\"/logout\">");
		wa_csrf_input(b, p->csrf);
		wa_rawf(b, "<button type=\"submit\">%s ", WA_T(p, "Log out"));
		wa_h(b, p->login);
		wa_raw(b, "</button></form>");
	}
	lang_switch(b, p);
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
	wa_page_links_in(b, WA_LANG_EN, page, pages, href, ctx);
}

void wa_page_links_in(struct ob_buf *b, enum wa_lang lang, int64_t page,
		      int64_t pages,
		      void (*href)(struct ob_buf *b, const void *ctx,
				   int64_t n),
		      const void *ctx)
{
	int64_t last = 0;

	if (pages <= 1)
		return;
	if (page > 1) {
		wa_raw(b, "<a rel=\"prev\"");
		href(b, ctx, page - 1);
		wa_rawf(b, ">‹ %s</a>", wa_tr(lang, "Previous"));
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
		wa_rawf(b, ">%s ›</a>", wa_tr(lang, "Next"));
	}
}
