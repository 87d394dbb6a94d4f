/* Streaming vCard parser: bytes in, one card at a time out.
 *
 * A byte scanner, not regexes: physical lines (CRLF, LF or a lone CR) are
 * unfolded into logical lines (RFC 2425 5.8.1 folding, vCard 2.1
 * quoted-printable soft line breaks, vCard 2.1 BASE64 continuation lines),
 * then each logical line is split into group, name, parameters and value,
 * and the value is decoded in the order unfold -> QP/base64 -> charset ->
 * UTF-8 check -> split and unescape (vCard 2.1 2.1.3, RFC 2426 4, RFC 6350
 * 3.4). A line without folds is parsed in place in the input; folded lines
 * go through one reused buffer. Each card's strings live in its arena.
 *
 * It does not read whole files itself (the caller passes a byte range, which
 * may be an mmap), does not guess charsets beyond the documented 2.1
 * Windows-1252 fallback, and does not resolve URIs. Every cap of struct
 * vcard_limits is checked; an error ends only the card it is in. */
#include "config.h"

#include "vcard/vcard-private.h"

#include <errno.h>
#include <stddef.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PARAMS_HARD 64
#define NAME_MAX_LEN VC_NAME_MAX
#define N_ICONV 4

struct rparam {
	const char *name;
	size_t nlen;
	const char *val; /* raw, with quotes and commas; NULL when bare */
	size_t vlen;
};

struct hdr {
	const char *group, *name;
	size_t glen, nlen;
	struct rparam params[MAX_PARAMS_HARD];
	size_t n_params;
	size_t value_off;
	char uname[NAME_MAX_LEN + 1]; /* upper-case name */
};

struct buf {
	char *p;
	size_t cap;
};

struct vcard_parser {
	const char *data;
	size_t len, pos, line;
	struct vcard_limits lim;
	size_t hard_cap;
	size_t cards;
	int dead; /* sticky error code, 0 when alive */
	struct buf scratch, dec, dec2;
	char **tvals;
	size_t tvals_cap;
	struct {
		char name[32];
		iconv_t cd;
	} ic[N_ICONV];
	size_t n_ic;
};

struct lline {
	const char *s;
	size_t len;
	size_t line;
};

static const char *const version_names[] = {"2.1", "3.0", "4.0"};

static int buf_reserve(struct buf *b, size_t n)
{
	char *np;
	size_t cap;

	if (n <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < n)
		cap *= 2;
	np = realloc(b->p, cap);
	if (np == NULL)
		return VCARD_E_NOMEM;
	b->p = np;
	b->cap = cap;
	return 0;
}

int vcard_parser_new(const char *data, size_t len,
		     const struct vcard_limits *lim,
		     struct vcard_parser **parser_r)
{
	struct vcard_parser *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return VCARD_E_NOMEM;
	p->data = data;
	p->len = data ? len : 0;
	p->line = 1;
	p->lim = lim ? *lim : vcard_limits_default();
	if (p->lim.max_params > MAX_PARAMS_HARD)
		p->lim.max_params = MAX_PARAMS_HARD;
	p->hard_cap = p->lim.max_line + p->lim.max_photo_bytes / 2 * 3 + 64;
	/* a UTF-8 BOM before the first card */
	if (p->len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		p->pos = 3;
	*parser_r = p;
	return 0;
}

void vcard_parser_free(struct vcard_parser **pp)
{
	struct vcard_parser *p = pp ? *pp : NULL;

	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_ic; i++)
		iconv_close(p->ic[i].cd);
	free(p->scratch.p);
	free(p->dec.p);
	free(p->dec2.p);
	free(p->tvals);
	free(p);
	*pp = NULL;
}

/* The physical line at pos: [*s, *s + *len), next line at *next. */
static bool phys_line(const struct vcard_parser *p, size_t pos, const char **s,
		      size_t *len, size_t *next)
{
	const char *b, *nl, *cr;
	size_t rem, l;

	if (pos >= p->len)
		return false;
	b = p->data + pos;
	rem = p->len - pos;
	nl = memchr(b, '\n', rem);
	l = nl ? (size_t)(nl - b) : rem;
	cr = memchr(b, '\r', l);
	if (cr != NULL) {
		l = (size_t)(cr - b);
		*next = pos + l + 1;
		if (l + 1 < rem && cr[1] == '\n')
			(*next)++;
	} else {
		*next = nl ? pos + l + 1 : p->len;
	}
	*s = b;
	*len = l;
	return true;
}

static bool ieq(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && strncasecmp(s, lit, len) == 0;
}

static size_t rtrim(const char *s, size_t len)
{
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return len;
}

static bool is_end(const char *s, size_t len)
{
	return ieq(s, rtrim(s, len), "END:VCARD");
}

static bool is_begin(const char *s, size_t len)
{
	return ieq(s, rtrim(s, len), "BEGIN:VCARD");
}

static bool is_begin_end(const char *s, size_t len)
{
	return is_end(s, len) || is_begin(s, len);
}

/* Parse "group.NAME;p=v;bare:..." of s[0..len). Returns 0, or 1 when the
 * line has no ':' (yet), or a negative code with err set. */
static int parse_header(struct vcard_parser *p, const char *s, size_t len,
			size_t line, struct hdr *h, struct vcard_error *err)
{
	size_t i = 0, start;

	memset(h, 0, offsetof(struct hdr, params));
	h->n_params = 0;
	while (i < len && vc_name_char((unsigned char)s[i]))
		i++;
	if (i < len && s[i] == '.' && i > 0) {
		h->group = s;
		h->glen = i;
		start = ++i;
		while (i < len && vc_name_char((unsigned char)s[i]))
			i++;
	} else {
		start = 0;
	}
	h->name = s + start;
	h->nlen = i - start;
	for (size_t k = 0; k < h->nlen && k < NAME_MAX_LEN; k++) {
		char c = h->name[k];
		h->uname[k] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
	}
	h->uname[h->nlen < NAME_MAX_LEN ? h->nlen : NAME_MAX_LEN] = '\0';
	if (i >= len)
		return h->nlen > 0 ? 1
				   : vc_error(err, VCARD_E_PARSE, line, "",
					      "line without ':'");
	if (h->nlen == 0 || (s[i] != ';' && s[i] != ':'))
		return vc_error(err, VCARD_E_PARSE, line, h->uname,
				"bad character in property name");
	if (h->nlen > NAME_MAX_LEN || h->glen > NAME_MAX_LEN)
		return vc_error(err, VCARD_E_PARSE, line, "",
				"property or group name too long");
	while (s[i] == ';') {
		struct rparam *rp;
		bool inq = false;

		if (h->n_params >= p->lim.max_params)
			return vc_error(err, VCARD_E_LIMIT, line, h->uname,
					"too many parameters (cap %zu)",
					p->lim.max_params);
		rp = &h->params[h->n_params++];
		start = ++i;
		while (i < len && vc_name_char((unsigned char)s[i]))
			i++;
		rp->name = s + start;
		rp->nlen = i - start;
		rp->val = NULL;
		rp->vlen = 0;
		if (i >= len)
			return 1;
		if (rp->nlen == 0 || rp->nlen > NAME_MAX_LEN ||
		    (s[i] != '=' && s[i] != ';' && s[i] != ':'))
			return vc_error(err, VCARD_E_PARSE, line, h->uname,
					"bad parameter name");
		if (s[i] != '=')
			continue;
		start = ++i;
		for (; i < len; i++) {
			if (s[i] == '"')
				inq = !inq;
			else if (!inq && (s[i] == ';' || s[i] == ':'))
				break;
		}
		if (i >= len)
			return 1;
		rp->val = s + start;
		rp->vlen = i - start;
	}
	h->value_off = i + 1;
	return 0;
}

static void upper_name(const char *s, size_t n, char *out)
{
	for (size_t k = 0; k < n; k++)
		out[k] =
			(s[k] >= 'a' && s[k] <= 'z') ? (char)(s[k] - 32) : s[k];
	out[n] = '\0';
}

/* The parameter name after the 2.1 bare-parameter mapping. */
static void param_uname(const struct rparam *rp, char *out)
{
	if (rp->val == NULL) {
		static const char *const enc[] = {"QUOTED-PRINTABLE", "BASE64",
						  "8BIT", "7BIT", NULL};
		for (size_t k = 0; enc[k] != NULL; k++) {
			if (ieq(rp->name, rp->nlen, enc[k])) {
				strcpy(out, "ENCODING"); /* NOLINT */
				return;
			}
		}
		strcpy(out, "TYPE"); /* NOLINT */
		return;
	}
	upper_name(rp->name, rp->nlen, out);
}

enum enc { ENC_NONE, ENC_QP, ENC_B64 };

/* The ENCODING of a header: -1 for an unknown one. */
static int header_encoding(const struct hdr *h)
{
	int enc = ENC_NONE;
	char un[NAME_MAX_LEN + 1];

	for (size_t i = 0; i < h->n_params; i++) {
		const struct rparam *rp = &h->params[i];
		const char *v;
		size_t vl, k = 0;

		param_uname(rp, un);
		if (strcmp(un, "ENCODING") != 0)
			continue;
		v = rp->val ? rp->val : rp->name;
		vl = rp->val ? rp->vlen : rp->nlen;
		while (k <= vl) {
			size_t e = k;

			while (e < vl && v[e] != ',')
				e++;
			const char *t = v + k;
			size_t tl = e - k;
			if (tl >= 2 && t[0] == '"' && t[tl - 1] == '"') {
				t++;
				tl -= 2;
			}
			if (ieq(t, tl, "QUOTED-PRINTABLE"))
				enc = ENC_QP;
			else if (ieq(t, tl, "BASE64") || ieq(t, tl, "B"))
				enc = ENC_B64;
			else if (!ieq(t, tl, "8BIT") && !ieq(t, tl, "7BIT"))
				return -1;
			k = e + 1;
		}
	}
	return enc;
}

static bool all_base64(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/' ||
		      c == '=' || c == ' ' || c == '\t'))
			return false;
	}
	return true;
}

/* Append t[0..tl) to the logical line, moving it to scratch first. */
static int ll_append(struct vcard_parser *p, struct lline *ll, bool *in_scr,
		     const char *t, size_t tl)
{
	if (ll->len + tl > p->hard_cap)
		return VCARD_E_LIMIT;
	if (!*in_scr) {
		if (buf_reserve(&p->scratch, ll->len + tl + 1) < 0)
			return VCARD_E_NOMEM;
		memmove(p->scratch.p, ll->s, ll->len);
		*in_scr = true;
	} else if (buf_reserve(&p->scratch, ll->len + tl + 1) < 0) {
		return VCARD_E_NOMEM;
	}
	memcpy(p->scratch.p + ll->len, t, tl);
	ll->len += tl;
	ll->s = p->scratch.p;
	return 0;
}

/* Read one logical line. Returns 1, 0 at EOF, or a negative code (the
 * line is then consumed up to where the cap was hit). */
static int logical_line(struct vcard_parser *p, struct lline *ll)
{
	const char *ns;
	size_t nlen, next;
	bool in_scr = false;
	int enc = -2; /* not known yet */
	struct hdr h;

	if (!phys_line(p, p->pos, &ll->s, &ll->len, &next))
		return 0;
	ll->line = p->line;
	p->pos = next;
	p->line++;
	if (ll->len > p->hard_cap)
		return VCARD_E_LIMIT;
	while (phys_line(p, p->pos, &ns, &nlen, &next)) {
		bool fold = nlen > 0 && (ns[0] == ' ' || ns[0] == '\t');
		bool qp_soft = ll->len > 0 && ll->s[ll->len - 1] == '=';
		bool b64_cont = !fold && nlen > 0 && all_base64(ns, nlen);
		int ret;

		if (!fold && !qp_soft && !b64_cont)
			break;
		if ((qp_soft || b64_cont) && enc == -2) {
			ret = parse_header(p, ll->s, ll->len, 0, &h, NULL);
			enc = ret == 0 ? header_encoding(&h) : -1;
		}
		if (qp_soft && enc == ENC_QP && !is_begin_end(ns, nlen)) {
			/* QP soft break: the next line is content, leading
			 * whitespace included (Outlook, Android) */
			ll->len--;
			ret = ll_append(p, ll, &in_scr, ns, nlen);
		} else if (fold) {
			ret = ll_append(p, ll, &in_scr, ns + 1, nlen - 1);
		} else if (b64_cont && enc == ENC_B64) {
			ret = ll_append(p, ll, &in_scr, ns, nlen);
		} else {
			break;
		}
		if (ret < 0)
			return ret;
		p->pos = next;
		p->line++;
	}
	return 1;
}

static bool param_is_enc_or_charset(const char *un)
{
	return strcmp(un, "ENCODING") == 0 || strcmp(un, "CHARSET") == 0;
}

/* Split a raw parameter value at unquoted ',' and decode each piece into
 * the card. */
static int add_param_values(struct vcard_parser *p, struct vcard *card,
			    enum vcard_version ver, const struct rparam *rp,
			    char **vals, size_t *n, size_t cap, size_t line,
			    const char *pname, struct vcard_error *err)
{
	const char *v = rp->val ? rp->val : rp->name;
	size_t vl = rp->val ? rp->vlen : rp->nlen, k = 0;

	for (;;) {
		size_t e = k, o = 0;
		bool inq = false;
		char *out;

		while (e < vl && (inq || v[e] != ',')) {
			if (v[e] == '"')
				inq = !inq;
			e++;
		}
		if (*n >= cap)
			return vc_error(err, VCARD_E_LIMIT, line, pname,
					"too many parameter values (cap %zu)",
					cap);
		out = vc_alloc(card, e - k + 1);
		if (out == NULL)
			return vc_error(err, VCARD_E_NOMEM, line, pname,
					"out of memory");
		for (size_t i = k; i < e; i++) {
			char c = v[i];

			if (c == '"')
				continue;
			if (c == '\0')
				return vc_error(err, VCARD_E_PARSE, line, pname,
						"NUL byte in parameter");
			if (ver == VCARD_V40 && c == '^' && i + 1 < e &&
			    (v[i + 1] == '^' || v[i + 1] == 'n' ||
			     v[i + 1] == 'N' || v[i + 1] == '\'')) {
				i++;
				c = v[i] == '^'    ? '^'
				    : v[i] == '\'' ? '"'
						   : '\n';
			}
			out[o++] = c;
		}
		out[o] = '\0';
		if (!vc_utf8_valid(out, o))
			return vc_error(err, VCARD_E_PARSE, line, pname,
					"invalid UTF-8 in parameter");
		vals[(*n)++] = out;
		if (e >= vl)
			break;
		k = e + 1;
	}
	(void)p;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static size_t qp_decode(const char *in, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (in[i] != '=') {
			out[o++] = in[i];
			continue;
		}
		if (i + 1 == len)
			break; /* dangling '=' at the end: dropped */
		if (i + 2 < len && hexval(in[i + 1]) >= 0 &&
		    hexval(in[i + 2]) >= 0) {
			out[o++] = (char)(hexval(in[i + 1]) * 16 +
					  hexval(in[i + 2]));
			i += 2;
		} else {
			out[o++] = '=';
		}
	}
	return o;
}

static const uint16_t cp1252_hi[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
	0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

/* Latin-1 or Windows-1252 to UTF-8; out needs 3 * len bytes. */
static size_t single_byte_to_utf8(const char *in, size_t len, char *out,
				  bool cp1252)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned cp = (unsigned char)in[i];

		if (cp1252 && cp >= 0x80 && cp < 0xa0)
			cp = cp1252_hi[cp - 0x80];
		if (cp < 0x80) {
			out[o++] = (char)cp;
		} else if (cp < 0x800) {
			out[o++] = (char)(0xc0 | (cp >> 6));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[o++] = (char)(0xe0 | (cp >> 12));
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	return o;
}

static bool cs_in(const char *cs, const char *const *list)
{
	for (; *list; list++)
		if (strcasecmp(cs, *list) == 0)
			return true;
	return false;
}

/* Convert t[0..tl) from charset cs into p->dec2. */
static int convert_charset(struct vcard_parser *p, const char *cs,
			   const char *t, size_t tl, size_t *olen, size_t line,
			   const char *pname, struct vcard_error *err)
{
	static const char *const latin1[] = {"ISO-8859-1", "ISO8859-1",
					     "LATIN1", "L1", NULL};
	static const char *const cp1252[] = {"WINDOWS-1252", "CP1252", NULL};
	static const char *const gb[] = {"GBK",     "GB2312", "CP936",
					 "GB18030", "EUC-CN", NULL};
	static const char *const sjis[] = {
		"SHIFT_JIS",   "SHIFT-JIS", "SJIS", "CP932",
		"WINDOWS-31J", "MS_KANJI",  NULL};
	const char *target = cs;
	iconv_t cd = (iconv_t)-1;
	char *in, *out;
	size_t inleft, outleft;

	if (buf_reserve(&p->dec2, tl * 4 + 16) < 0)
		return vc_error(err, VCARD_E_NOMEM, line, pname,
				"out of memory");
	if (cs_in(cs, latin1) || cs_in(cs, cp1252)) {
		*olen = single_byte_to_utf8(t, tl, p->dec2.p,
					    cs_in(cs, cp1252));
		return 0;
	}
	if (cs_in(cs, gb))
		target = "GB18030";
	else if (cs_in(cs, sjis))
		target = "CP932";
	for (const char *c = target; *c; c++)
		if (!vc_name_char((unsigned char)*c) && *c != '.' && *c != ':')
			return vc_error(err, VCARD_E_PARSE, line, pname,
					"unknown charset");
	if (strlen(target) >= sizeof(p->ic[0].name))
		return vc_error(err, VCARD_E_PARSE, line, pname,
				"unknown charset");
	for (size_t i = 0; i < p->n_ic; i++)
		if (strcasecmp(p->ic[i].name, target) == 0)
			cd = p->ic[i].cd;
	if (cd == (iconv_t)-1) {
		cd = iconv_open("UTF-8", target);
		if (cd == (iconv_t)-1)
			return vc_error(err, VCARD_E_PARSE, line, pname,
					"unknown charset %s", cs);
		if (p->n_ic == N_ICONV) {
			iconv_close(p->ic[0].cd);
			memmove(&p->ic[0], &p->ic[1],
				sizeof(p->ic[0]) * (N_ICONV - 1));
			p->n_ic--;
		}
		strcpy(p->ic[p->n_ic].name,
		       target); /* NOLINT: length checked */
		p->ic[p->n_ic++].cd = cd;
	}
	iconv(cd, NULL, NULL, NULL, NULL);
	in = (char *)t;
	inleft = tl;
	out = p->dec2.p;
	outleft = p->dec2.cap;
	if (iconv(cd, &in, &inleft, &out, &outleft) == (size_t)-1 ||
	    iconv(cd, NULL, NULL, &out, &outleft) == (size_t)-1)
		return vc_error(err, VCARD_E_PARSE, line, pname,
				"invalid %s data", cs);
	*olen = (size_t)(out - p->dec2.p);
	return 0;
}

static int push_tval(struct vcard_parser *p, size_t n, char *s)
{
	if (n >= p->tvals_cap) {
		size_t cap = p->tvals_cap ? p->tvals_cap * 2 : 16;
		char **nv = realloc(p->tvals, cap * sizeof(char *));

		if (nv == NULL)
			return VCARD_E_NOMEM;
		p->tvals = nv;
		p->tvals_cap = cap;
	}
	p->tvals[n] = s;
	return 0;
}

/* Split at unescaped sep, unescape, turn CR and CRLF into LF. */
static int split_values(struct vcard_parser *p, struct vcard *card,
			struct vcard_prop *prop, const char *t, size_t tl,
			enum vcard_version ver, size_t line,
			struct vcard_error *err)
{
	char sep = vc_is_list_prop(prop->name) ? ',' : ';';
	char *out = vc_alloc(card, tl + 1);
	size_t n = 0, o = 0;

	if (out == NULL || push_tval(p, 0, out) < 0)
		return vc_error(err, VCARD_E_NOMEM, line, prop->name,
				"out of memory");
	n = 1;
	for (size_t i = 0; i < tl; i++) {
		char c = t[i];

		if (c == '\\' && i + 1 < tl) {
			char d = t[i + 1];

			if (d == '\\' || d == ';' || d == ',') {
				out[o++] = d;
				i++;
				continue;
			}
			if (ver != VCARD_V21 &&
			    (d == 'n' || d == 'N' || d == ':')) {
				out[o++] = d == ':' ? ':' : '\n';
				i++;
				continue;
			}
			out[o++] = c;
		} else if (c == sep) {
			out[o++] = '\0';
			if (n >= p->lim.max_values)
				return vc_error(err, VCARD_E_LIMIT, line,
						prop->name,
						"too many values (cap %zu)",
						p->lim.max_values);
			if (push_tval(p, n++, out + o) < 0)
				return vc_error(err, VCARD_E_NOMEM, line,
						prop->name, "out of memory");
		} else if (c == '\r') {
			out[o++] = '\n';
			if (i + 1 < tl && t[i + 1] == '\n')
				i++;
		} else {
			out[o++] = c;
		}
	}
	out[o] = '\0';
	prop->values = vc_alloc(card, n * sizeof(char *));
	if (prop->values == NULL)
		return vc_error(err, VCARD_E_NOMEM, line, prop->name,
				"out of memory");
	memcpy(prop->values, p->tvals, n * sizeof(char *));
	prop->n_values = n;
	return 0;
}

static void lower_name(const char *s, char *out, size_t size)
{
	size_t i = 0;

	for (; s[i] != '\0' && i + 1 < size; i++)
		out[i] =
			(s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
	out[i] = '\0';
}

static bool valid_mediatype(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    *s == ',' || *s == '"')
			return false;
	return true;
}

/* Binary props: drop VALUE, keep one valid MEDIATYPE as the last param. */
static int canon_binary_params(struct vcard *card, struct vcard_prop *prop,
			       const char *media, size_t mlen)
{
	const char *mt = NULL;
	size_t o = 0;

	for (size_t i = 0; i < prop->n_params; i++) {
		struct vcard_param *pa = &prop->params[i];

		if (strcmp(pa->name, "MEDIATYPE") == 0) {
			if (mt == NULL && pa->n_values > 0)
				mt = pa->values[0];
			continue;
		}
		if (strcmp(pa->name, "VALUE") == 0)
			continue;
		prop->params[o++] = *pa;
	}
	if (media != NULL)
		mt = vc_strndup(card, media, mlen);
	prop->n_params = o;
	if (mt != NULL && valid_mediatype(mt)) {
		/* room exists: MEDIATYPE or VALUE was there, or params has
		 * spare slots (allocated one more than needed) */
		struct vcard_param *pa = &prop->params[prop->n_params++];
		char **v = vc_alloc(card, sizeof(char *));

		if (v == NULL)
			return VCARD_E_NOMEM;
		v[0] = (char *)mt;
		pa->name = "MEDIATYPE";
		pa->values = v;
		pa->n_values = 1;
	}
	return 0;
}

/* Decode the value of one property into prop. */
static int decode_value(struct vcard_parser *p, struct vcard *card,
			struct vcard_prop *prop, const struct hdr *h,
			const char *raw, size_t rlen, int enc,
			const char *charset, size_t line,
			struct vcard_error *err)
{
	const char *t = raw;
	size_t tl = rlen;
	char lname[NAME_MAX_LEN + 1];

	lower_name(prop->name, lname, sizeof(lname));
	if (enc == ENC_NONE && vc_is_media_prop(prop->name) && rlen > 5 &&
	    strncasecmp(raw, "data:", 5) == 0) {
		const char *comma = memchr(raw, ',', rlen);
		size_t hl = comma ? (size_t)(comma - raw) - 5 : 0;

		if (comma != NULL && hl >= 7 &&
		    strncasecmp(raw + 5 + hl - 7, ";base64", 7) == 0) {
			const char *media = raw + 5;
			size_t mlen = hl - 7;
			size_t blen = rlen - (size_t)(comma + 1 - raw);
			unsigned char *out;
			bool ok;

			if (blen / 4 * 3 > p->lim.max_photo_bytes + 3)
				return vc_error(
					err, VCARD_E_LIMIT, line, prop->name,
					"%s too large (cap %zu KiB)", lname,
					p->lim.max_photo_bytes / 1024);
			out = vc_alloc(card, blen / 4 * 3 + 4);
			prop->values = vc_alloc(card, sizeof(char *));
			if (out == NULL || prop->values == NULL)
				return vc_error(err, VCARD_E_NOMEM, line,
						prop->name, "out of memory");
			prop->bin_len =
				vc_base64_decode(comma + 1, blen, out, &ok);
			if (!ok)
				return vc_error(err, VCARD_E_PARSE, line,
						prop->name, "invalid base64");
			if (prop->bin_len > p->lim.max_photo_bytes)
				return vc_error(
					err, VCARD_E_LIMIT, line, prop->name,
					"%s too large (cap %zu KiB)", lname,
					p->lim.max_photo_bytes / 1024);
			prop->values[0] = (char *)out;
			prop->n_values = 1;
			prop->binary = true;
			return canon_binary_params(card, prop, media, mlen);
		}
	}
	if (enc == ENC_B64) {
		unsigned char *out;
		bool ok;

		if (rlen / 4 * 3 > p->lim.max_photo_bytes + 3)
			return vc_error(err, VCARD_E_LIMIT, line, prop->name,
					"%s too large (cap %zu KiB)", lname,
					p->lim.max_photo_bytes / 1024);
		out = vc_alloc(card, rlen / 4 * 3 + 4);
		prop->values = vc_alloc(card, sizeof(char *));
		if (out == NULL || prop->values == NULL)
			return vc_error(err, VCARD_E_NOMEM, line, prop->name,
					"out of memory");
		prop->bin_len = vc_base64_decode(raw, rlen, out, &ok);
		if (!ok)
			return vc_error(err, VCARD_E_PARSE, line, prop->name,
					"invalid base64");
		if (prop->bin_len > p->lim.max_photo_bytes)
			return vc_error(err, VCARD_E_LIMIT, line, prop->name,
					"%s too large (cap %zu KiB)", lname,
					p->lim.max_photo_bytes / 1024);
		prop->values[0] = (char *)out;
		prop->n_values = 1;
		prop->binary = true;
		return canon_binary_params(card, prop, NULL, 0);
	}
	if (rlen > p->lim.max_line)
		return vc_error(err, VCARD_E_LIMIT, line, prop->name,
				"line too long (cap %zu KiB)",
				p->lim.max_line / 1024);
	if (enc == ENC_QP) {
		if (buf_reserve(&p->dec, rlen + 1) < 0)
			return vc_error(err, VCARD_E_NOMEM, line, prop->name,
					"out of memory");
		tl = qp_decode(raw, rlen, p->dec.p);
		t = p->dec.p;
	}
	if (charset != NULL && strcasecmp(charset, "UTF-8") != 0 &&
	    strcasecmp(charset, "UTF8") != 0 &&
	    strcasecmp(charset, "US-ASCII") != 0 &&
	    strcasecmp(charset, "ASCII") != 0) {
		size_t olen = 0;
		int ret = convert_charset(p, charset, t, tl, &olen, line,
					  prop->name, err);

		if (ret < 0)
			return ret;
		t = p->dec2.p;
		tl = olen;
		if (!vc_utf8_valid(t, tl))
			return vc_error(err, VCARD_E_PARSE, line, prop->name,
					"invalid %s data", charset);
	} else if (!vc_utf8_valid(t, tl)) {
		if (card->version != VCARD_V21 || charset != NULL)
			return vc_error(err, VCARD_E_PARSE, line, prop->name,
					"invalid UTF-8");
		if (buf_reserve(&p->dec2, tl * 3 + 1) < 0)
			return vc_error(err, VCARD_E_NOMEM, line, prop->name,
					"out of memory");
		tl = single_byte_to_utf8(t, tl, p->dec2.p, true);
		t = p->dec2.p;
	}
	if (memchr(t, '\0', tl) != NULL)
		return vc_error(err, VCARD_E_PARSE, line, prop->name,
				"NUL byte in value");
	(void)h;
	return split_values(p, card, prop, t, tl, card->version, line, err);
}

static size_t count_values(const struct rparam *rp)
{
	size_t n = 1;
	bool inq = false;

	for (size_t i = 0; rp->val != NULL && i < rp->vlen; i++) {
		if (rp->val[i] == '"')
			inq = !inq;
		else if (!inq && rp->val[i] == ',')
			n++;
	}
	return n;
}

/* Build one property from a parsed header and its logical line. */
static int add_prop(struct vcard_parser *p, struct vcard *card,
		    const struct hdr *h, const struct lline *ll,
		    struct vcard_error *err)
{
	char unames[MAX_PARAMS_HARD][NAME_MAX_LEN + 1];
	char merged[MAX_PARAMS_HARD][NAME_MAX_LEN + 1];
	size_t n_merged = 0;
	const char *charset = NULL;
	char cs[32];
	struct vcard_prop *prop;
	int enc, ret;

	if (card->n_props >= p->lim.max_props)
		return vc_error(err, VCARD_E_LIMIT, ll->line, h->uname,
				"too many properties (cap %zu)",
				p->lim.max_props);
	enc = header_encoding(h);
	if (enc < 0)
		return vc_error(err, VCARD_E_PARSE, ll->line, h->uname,
				"unknown ENCODING");
	prop = vc_props_push(card);
	if (prop == NULL)
		return vc_error(err, VCARD_E_NOMEM, ll->line, h->uname,
				"out of memory");
	prop->name = vc_strndup(card, h->uname, strlen(h->uname));
	if (h->group != NULL)
		prop->group = vc_strndup(card, h->group, h->glen);
	if (prop->name == NULL || (h->group != NULL && prop->group == NULL))
		return vc_error(err, VCARD_E_NOMEM, ll->line, h->uname,
				"out of memory");
	for (size_t i = 0; i < h->n_params; i++) {
		bool seen = false;

		param_uname(&h->params[i], unames[i]);
		if (strcmp(unames[i], "CHARSET") == 0 &&
		    h->params[i].val != NULL && charset == NULL) {
			/* first value, quotes stripped */
			const char *v = h->params[i].val;
			size_t vl = h->params[i].vlen, k = 0;

			for (size_t j = 0; j < vl && k + 1 < sizeof(cs); j++)
				if (v[j] != '"')
					cs[k++] = v[j];
			cs[k] = '\0';
			charset = cs;
		}
		if (param_is_enc_or_charset(unames[i]))
			continue;
		for (size_t j = 0; j < n_merged; j++)
			if (strcmp(merged[j], unames[i]) == 0)
				seen = true;
		if (!seen)
			strcpy(merged[n_merged++], unames[i]); /* NOLINT */
	}
	/* one spare slot for a MEDIATYPE added by the binary decoder */
	prop->params = vc_alloc(card, (n_merged + 1) * sizeof(*prop->params));
	if (prop->params == NULL)
		return vc_error(err, VCARD_E_NOMEM, ll->line, h->uname,
				"out of memory");
	for (size_t j = 0; j < n_merged; j++) {
		struct vcard_param *pa = &prop->params[j];
		size_t cap = 0;

		for (size_t i = 0; i < h->n_params; i++)
			if (strcmp(unames[i], merged[j]) == 0)
				cap += count_values(&h->params[i]);
		if (cap > p->lim.max_values)
			return vc_error(err, VCARD_E_LIMIT, ll->line, h->uname,
					"too many parameter values (cap %zu)",
					p->lim.max_values);
		pa->name = vc_strndup(card, merged[j], strlen(merged[j]));
		pa->values = vc_alloc(card, cap * sizeof(char *));
		pa->n_values = 0;
		if (pa->name == NULL || pa->values == NULL)
			return vc_error(err, VCARD_E_NOMEM, ll->line, h->uname,
					"out of memory");
		for (size_t i = 0; i < h->n_params; i++) {
			if (strcmp(unames[i], merged[j]) != 0)
				continue;
			ret = add_param_values(p, card, card->version,
					       &h->params[i], pa->values,
					       &pa->n_values, cap, ll->line,
					       h->uname, err);
			if (ret < 0)
				return ret;
		}
	}
	prop->n_params = n_merged;
	return decode_value(p, card, prop, h, ll->s + h->value_off,
			    ll->len - h->value_off, enc, charset, ll->line,
			    err);
}

/* Skip-mode line reader: only the unfolded start of the line is kept,
 * enough to see BEGIN:VCARD and END:VCARD. Returns false at EOF. */
static bool skip_line(struct vcard_parser *p, char *pre, size_t *plen,
		      size_t *start_pos, size_t *start_line)
{
	const char *s;
	size_t len, next;

	if (!phys_line(p, p->pos, &s, &len, &next))
		return false;
	*start_pos = p->pos;
	*start_line = p->line;
	*plen = len < 16 ? len : 16;
	memcpy(pre, s, *plen);
	p->pos = next;
	p->line++;
	while (phys_line(p, p->pos, &s, &len, &next) && len > 0 &&
	       (s[0] == ' ' || s[0] == '\t')) {
		size_t take = len - 1;

		if (take > 16 - *plen)
			take = 16 - *plen;
		memcpy(pre + *plen, s + 1, take);
		*plen += take;
		p->pos = next;
		p->line++;
	}
	return true;
}

/* After an error: skip to the end of the card (depth 1), or resume at the
 * next BEGIN:VCARD; a nested card (depth 2) is skipped as a whole. */
static void skip_card(struct vcard_parser *p, int depth)
{
	char pre[17];
	size_t plen, spos, sline;
	bool nested = depth > 1;

	while (skip_line(p, pre, &plen, &spos, &sline)) {
		if (is_begin(pre, plen)) {
			if (!nested) {
				p->pos = spos;
				p->line = sline;
				return;
			}
			depth++;
		} else if (is_end(pre, plen)) {
			if (--depth == 0)
				return;
		}
	}
}

static int set_version(struct vcard *card, const char *v, size_t vl)
{
	while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	while (vl > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	for (int i = 0; i < 3; i++) {
		if (ieq(v, vl, version_names[i])) {
			card->version = (enum vcard_version)(21 + i * 10 -
							     (i > 0 ? 1 : 0));
			return 0;
		}
	}
	return -1;
}

int vcard_parser_next(struct vcard_parser *p, struct vcard **card_r,
		      struct vcard_error *err)
{
	struct vcard *card = NULL;
	struct lline ll;
	struct hdr h;
	char pre[17];
	size_t plen, spos, sline, card_start, begin_line;
	int ret, depth = 1;
	bool version_seen = false;

	*card_r = NULL;
	if (p->dead)
		return vc_error(err, p->dead, p->line, "",
				"parsing stopped by an earlier error");
	/* find BEGIN:VCARD; anything else outside a card is ignored */
	for (;;) {
		if (!skip_line(p, pre, &plen, &spos, &sline))
			return 0;
		if (is_begin(pre, plen))
			break;
	}
	card_start = spos;
	begin_line = sline;
	if (p->lim.max_cards > 0 && p->cards >= p->lim.max_cards) {
		p->dead = VCARD_E_LIMIT;
		return vc_error(err, VCARD_E_LIMIT, begin_line, "BEGIN",
				"too many cards (cap %zu)", p->lim.max_cards);
	}
	p->cards++;
	card = vcard_new(VCARD_V30);
	if (card == NULL) {
		p->dead = VCARD_E_NOMEM;
		return vc_error(err, VCARD_E_NOMEM, begin_line, "BEGIN",
				"out of memory");
	}
	for (;;) {
		ret = logical_line(p, &ll);
		if (ret == 0) {
			ret = vc_error(err, VCARD_E_PARSE, begin_line, "BEGIN",
				       "card has no END:VCARD");
			goto out;
		}
		if (ret == VCARD_E_NOMEM)
			goto nomem;
		if (ret < 0) {
			ret = parse_header(p, ll.s, ll.len, ll.line, &h, NULL);
			if (header_encoding(&h) == ENC_B64 ||
			    (ret == 0 && vc_is_media_prop(h.uname)))
				ret = vc_error(
					err, VCARD_E_LIMIT, ll.line, h.uname,
					"%s too large (cap %zu KiB)",
					vc_is_media_prop(h.uname) ? "photo"
								  : "value",
					p->lim.max_photo_bytes / 1024);
			else
				ret = vc_error(err, VCARD_E_LIMIT, ll.line,
					       h.uname,
					       "line too long (cap %zu KiB)",
					       p->lim.max_line / 1024);
			goto out;
		}
		if (ll.len == 0)
			continue;
		ret = parse_header(p, ll.s, ll.len, ll.line, &h, err);
		if (ret == 1)
			ret = vc_error(err, VCARD_E_PARSE, ll.line, h.uname,
				       "line without ':'");
		if (ret < 0)
			goto out;
		if (p->pos - card_start > p->lim.max_card_bytes) {
			ret = vc_error(err, VCARD_E_LIMIT, ll.line, h.uname,
				       "card too large (cap %zu KiB)",
				       p->lim.max_card_bytes / 1024);
			goto out;
		}
		if (is_end(ll.s, ll.len)) {
			*card_r = card;
			return 1;
		}
		if (h.group == NULL && (strcmp(h.uname, "BEGIN") == 0 ||
					strcmp(h.uname, "END") == 0)) {
			if (strcmp(h.uname, "END") == 0 ||
			    !ieq(ll.s + h.value_off,
				 rtrim(ll.s + h.value_off,
				       ll.len - h.value_off),
				 "VCARD")) {
				ret = vc_error(err, VCARD_E_PARSE, ll.line,
					       h.uname, "unexpected %s",
					       h.uname);
				goto out;
			}
			depth = 2;
			ret = vc_error(err, VCARD_E_PARSE, ll.line, "BEGIN",
				       "nested vCard not supported");
			goto out;
		}
		if (h.group == NULL && strcmp(h.uname, "VERSION") == 0) {
			enum vcard_version before = card->version;

			if (set_version(card, ll.s + h.value_off,
					ll.len - h.value_off) < 0) {
				ret = vc_error(err, VCARD_E_PARSE, ll.line,
					       "VERSION",
					       "unsupported version");
				goto out;
			}
			if (version_seen && before != card->version) {
				ret = vc_error(err, VCARD_E_PARSE, ll.line,
					       "VERSION",
					       "conflicting VERSION");
				goto out;
			}
			version_seen = true;
			continue;
		}
		ret = add_prop(p, card, &h, &ll, err);
		if (ret < 0)
			goto out;
	}
nomem:
	ret = vc_error(err, VCARD_E_NOMEM, ll.line, "", "out of memory");
out:
	vcard_free(&card);
	if (ret == VCARD_E_NOMEM)
		p->dead = VCARD_E_NOMEM;
	else
		skip_card(p, depth);
	return ret;
}

int vcard_parse(const char *data, size_t len, const struct vcard_limits *lim,
		struct vcard **card_r, struct vcard_error *err)
{
	struct vcard_parser *p;
	int ret;

	*card_r = NULL;
	if (vcard_parser_new(data, len, lim, &p) < 0)
		return vc_error(err, VCARD_E_NOMEM, 0, "", "out of memory");
	ret = vcard_parser_next(p, card_r, err);
	vcard_parser_free(&p);
	if (ret == 0)
		return vc_error(err, VCARD_E_PARSE, 0, "", "no BEGIN:VCARD");
	return ret < 0 ? ret : 0;
}
