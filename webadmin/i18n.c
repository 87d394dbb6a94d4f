/* Languages and time zones of the admin pages (see i18n.h). */
#include "config.h"
#include "webadmin/i18n.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "webadmin/i18n-catalogue.h"

static atomic_ulong misses;

static int cmp_msg(const void *key, const void *elem)
{
	return strcmp(key, ((const struct wa_msg *)elem)->id);
}

const char *wa_tr(enum wa_lang lang, const char *msgid)
{
	const struct wa_msg *m;

	if (lang != WA_LANG_ZH || msgid == NULL)
		return msgid;
	m = bsearch(msgid, wa_catalogue_zh, wa_catalogue_zh_n,
		    sizeof(wa_catalogue_zh[0]), cmp_msg);
	if (m == NULL) {
		atomic_fetch_add(&misses, 1);
		return msgid;
	}
	return m->tr;
}

unsigned long wa_tr_misses(void)
{
	return atomic_load(&misses);
}

/* ---- patterns ------------------------------------------------------------ */

#define PATTERN_ARGS 9
#define ARG_MSG PATTERN_ARGS        /* {m}: a message, translated again */
#define ARG_TERM (PATTERN_ARGS + 1) /* {t}: a term, looked up exactly */
#define ARG_SLOTS (PATTERN_ARGS + 2)

struct capture {
	const char *p;
	size_t len;
};

/* The placeholder at p ("{1}".."{9}", "{m}" or "{t}"): its index (0-based,
 * ARG_MSG for {m}, ARG_TERM for {t}) and length 3; -1 when p is not one. */
static int placeholder(const char *p)
{
	if (p[0] != '{' || p[1] == '\0' || p[2] != '}')
		return -1;
	if (p[1] == 'm')
		return ARG_MSG;
	if (p[1] == 't')
		return ARG_TERM;
	if (p[1] >= '1' && p[1] <= '0' + PATTERN_ARGS)
		return p[1] - '1';
	return -1;
}

/* Match text against an English pattern: literal runs must appear in
 * order, each placeholder takes the shortest non-empty run up to the next
 * literal (the last one, everything to the end). Fills cap[] by index. */
static bool match(const char *pat, const char *text,
		  struct capture cap[ARG_SLOTS])
{
	const char *t = text;

	memset(cap, 0, sizeof(struct capture) * ARG_SLOTS);
	while (*pat) {
		int k = placeholder(pat);
		if (k < 0) {
			if (*t != *pat)
				return false;
			pat++;
			t++;
			continue;
		}
		pat += 3;
		/* the literal that follows, up to the next placeholder */
		size_t lit = 0;
		while (pat[lit] && placeholder(pat + lit) < 0)
			lit++;
		if (lit == 0) {
			if (*pat != '\0')
				return false; /* two placeholders in a row */
			if (*t == '\0')
				return false;
			cap[k].p = t;
			cap[k].len = strlen(t);
			return true;
		}
		const char *end = NULL;
		if (*t == '\0')
			return false; /* a placeholder is never empty */
		if (pat[lit] == '\0') {
			/* a final literal must end the text */
			size_t tl = strlen(t);
			if (tl > lit && memcmp(t + tl - lit, pat, lit) == 0)
				end = t + tl - lit;
		} else {
			for (const char *s = t + 1; *s; s++)
				if (strncmp(s, pat, lit) == 0) {
					end = s;
					break;
				}
		}
		if (end == NULL || end == t)
			return false;
		cap[k].p = t;
		cap[k].len = (size_t)(end - t);
		t = end;
	}
	return *t == '\0';
}

static const char *tr_exact(const char *msgid)
{
	const struct wa_msg *m =
		bsearch(msgid, wa_catalogue_zh, wa_catalogue_zh_n,
			sizeof(wa_catalogue_zh[0]), cmp_msg);
	return m ? m->tr : NULL;
}

static void tr_msg(enum wa_lang lang, const char *text, struct ob_buf *out,
		   int depth)
{
	struct capture cap[ARG_SLOTS];
	const char *tr;

	tr = lang == WA_LANG_ZH ? tr_exact(text) : NULL;
	if (tr != NULL) {
		(void)ob_buf_add_str(out, tr);
		return;
	}
	for (size_t i = 0; lang == WA_LANG_ZH && i < wa_patterns_zh_n; i++) {
		const char *p = wa_patterns_zh[i].tr;
		if (!match(wa_patterns_zh[i].id, text, cap))
			continue;
		while (*p) {
			int k = placeholder(p);
			if (k < 0) {
				(void)ob_buf_add_char(out, *p++);
				continue;
			}
			p += 3;
			if (cap[k].p == NULL)
				continue;
			if ((k == ARG_MSG && depth == 0) || k == ARG_TERM) {
				char *sub = ob_strndup(cap[k].p, cap[k].len);
				const char *term = NULL;
				if (sub != NULL && k == ARG_TERM)
					term = tr_exact(sub);
				if (term != NULL)
					(void)ob_buf_add_str(out, term);
				else if (sub != NULL && k == ARG_MSG)
					tr_msg(lang, sub, out, depth + 1);
				else
					(void)ob_buf_add(out, cap[k].p,
							 cap[k].len);
				free(sub);
			} else {
				(void)ob_buf_add(out, cap[k].p, cap[k].len);
			}
		}
		return;
	}
	(void)ob_buf_add_str(out, text);
}

void wa_tr_msg(enum wa_lang lang, const char *text, struct ob_buf *out)
{
	if (text != NULL)
		tr_msg(lang, text, out, 0);
}

/* ---- languages ----------------------------------------------------------- */

const char *wa_lang_tag(enum wa_lang lang)
{
	return lang == WA_LANG_ZH ? "zh-CN" : "en";
}

const char *wa_lang_code(enum wa_lang lang)
{
	return lang == WA_LANG_ZH ? "zh" : "en";
}

bool wa_lang_parse(const char *code, enum wa_lang *lang_r)
{
	if (code != NULL && strcmp(code, "zh") == 0)
		*lang_r = WA_LANG_ZH;
	else if (code != NULL && strcmp(code, "en") == 0)
		*lang_r = WA_LANG_EN;
	else
		return false;
	return true;
}

const char *wa_cookie_get(const char *h, const char *name, size_t *len_r)
{
	size_t nl = strlen(name);

	while (h != NULL && *h) {
		while (*h == ' ' || *h == ';' || *h == '\t')
			h++;
		size_t len = strcspn(h, ";");
		if (len > nl && strncmp(h, name, nl) == 0 && h[nl] == '=') {
			*len_r = len - nl - 1;
			return h + nl + 1;
		}
		h += len;
	}
	return NULL;
}

static bool is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* A q-value (RFC 9110 section 12.4.2) in thousandths, -1 when malformed. */
static int qvalue(const char *s, size_t n)
{
	int q, scale = 100;

	if (n == 0 || (s[0] != '0' && s[0] != '1'))
		return -1;
	q = (s[0] - '0') * 1000;
	if (n == 1)
		return q;
	if (s[1] != '.' || n > 5)
		return -1;
	for (size_t i = 2; i < n; i++, scale /= 10) {
		if (!is_digit(s[i]))
			return -1;
		q += (s[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

static const char *skip_ows(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* One entry "tag[;q=v]" in [p, end): the language it means (0 English,
 * 1 Chinese, -1 none or malformed) and its q. */
static int entry(const char *p, const char *end, int *q_r)
{
	const char *tag = skip_ows(p, end), *t = tag;
	int lang = -1;

	while (t < end &&
	       (is_alpha(*t) || is_digit(*t) || *t == '-' || *t == '*'))
		t++;
	size_t tl = (size_t)(t - tag);
	if (tl == 0 || tl > 64)
		return -1;
	if (tl == 1 && tag[0] == '*')
		lang = WA_LANG_EN;
	else if (tl >= 2 && (tag[0] | 0x20) == 'z' && (tag[1] | 0x20) == 'h' &&
		 (tl == 2 || tag[2] == '-'))
		lang = WA_LANG_ZH;
	else if (tl >= 2 && (tag[0] | 0x20) == 'e' && (tag[1] | 0x20) == 'n' &&
		 (tl == 2 || tag[2] == '-'))
		lang = WA_LANG_EN;
	*q_r = 1000;
	t = skip_ows(t, end);
	while (t < end && *t == ';') {
		t = skip_ows(t + 1, end);
		const char *pe = t;
		while (pe < end && *pe != ';')
			pe++;
		const char *ve = pe;
		while (ve > t && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (ve - t >= 2 && (t[0] == 'q' || t[0] == 'Q') &&
		    t[1] == '=') {
			*q_r = qvalue(t + 2, (size_t)(ve - t - 2));
			if (*q_r < 0)
				return -1;
		}
		/* other parameters are not defined; ignored */
		t = pe;
	}
	if (t != end)
		return -1; /* junk after the tag */
	return lang;
}

enum wa_lang wa_lang_from_accept(const char *accept)
{
	const char *p = accept, *end;
	int best = -1, best_q = 0;

	if (accept == NULL)
		return WA_LANG_EN;
	end = memchr(accept, '\0', WA_ACCEPT_LANGUAGE_MAX + 1);
	if (end == NULL)
		return WA_LANG_EN; /* too long: ignored whole */
	for (int n = 0; p < end && n < WA_ACCEPT_LANGUAGE_ENTRIES; n++) {
		const char *e = memchr(p, ',', (size_t)(end - p));
		int q = 0, lang;

		if (e == NULL)
			e = end;
		lang = entry(p, e, &q);
		if (lang >= 0 && q > best_q) {
			best = lang;
			best_q = q;
		}
		p = e < end ? e + 1 : end;
	}
	return best == WA_LANG_ZH ? WA_LANG_ZH : WA_LANG_EN;
}

enum wa_lang wa_lang_choose(const char *cookie, const char *name,
			    const char *accept)
{
	size_t len;
	const char *v = wa_cookie_get(cookie, name, &len);

	if (v != NULL && len == 2 && strncmp(v, "zh", 2) == 0)
		return WA_LANG_ZH;
	if (v != NULL && len == 2 && strncmp(v, "en", 2) == 0)
		return WA_LANG_EN;
	return wa_lang_from_accept(accept);
}

bool wa_tz_from_cookie(const char *cookie, int *min_r)
{
	size_t len;
	const char *v = wa_cookie_get(cookie, WA_TZ_COOKIE, &len);
	int64_t m;

	if (v == NULL || len == 0 || len > 4 ||
	    ob_parse_i64(v, len, WA_TZ_MIN, WA_TZ_MAX, &m) != 0)
		return false;
	*min_r = (int)m;
	return true;
}
