/* vCard writer: a card model to text for 2.1, 3.0 or 4.0.
 *
 * 2.1 (versit 2.1.3): values with non-ASCII or control bytes become
 * CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE with soft line breaks at 75
 * octets, never inside an =XX escape or a UTF-8 sequence; binary values
 * become an ENCODING=BASE64 block ended by an empty line; nothing else is
 * folded (old phones mis-read folds). 3.0/4.0
 * (RFC 2426 4, RFC 6350 3.2 and 3.4): text escaping of \ ; , and line
 * breaks, lines folded at 75 octets and never inside a UTF-8 sequence,
 * binary as ENCODING=b (3.0) or a data: URI (4.0), RFC 6868 parameter
 * encoding in 4.0. CR and LF never reach the output raw, so a value cannot
 * inject a property. Output is deterministic and is read back by parse.c
 * into the same model. It does not reorder, add or drop properties. */
#include "config.h"

#include "vcard/vcard-private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FOLD_AT 75
#define TYPES_BARE_MAX 8 /* 2.1 TYPE values written one by one */

void vc_sput(struct vc_sink *s, const char *d, size_t n)
{
	if (s->nomem || n == 0)
		return;
	if (s->fixed) {
		if (s->len + n <= s->cap)
			memcpy(s->p + s->len, d, n);
		s->len += n;
		return;
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		char *np;

		while (cap < s->len + n + 1)
			cap *= 2;
		np = s->heap ? realloc(s->p, cap) : malloc(cap);
		if (np == NULL) {
			s->nomem = true;
			return;
		}
		if (!s->heap && s->len > 0)
			memcpy(np, s->p, s->len);
		s->p = np;
		s->cap = cap;
		s->heap = true;
	}
	memcpy(s->p + s->len, d, n);
	s->len += n;
}

static void sputs(struct vc_sink *s, const char *str)
{
	vc_sput(s, str, strlen(str));
}

static void sputc(struct vc_sink *s, char c)
{
	/* The common case for both kinds of sink: room for one more byte
	 * (a fixed sink only counts once it has overflowed). */
	if (!s->nomem && s->len + 2 <= s->cap) {
		s->p[s->len++] = c;
		return;
	}
	vc_sput(s, &c, 1);
}

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64_encode(struct vc_sink *s, const unsigned char *d, size_t n)
{
	char q[4];
	size_t i = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 |
			     d[i + 2];
		q[0] = b64chars[v >> 18];
		q[1] = b64chars[(v >> 12) & 63];
		q[2] = b64chars[(v >> 6) & 63];
		q[3] = b64chars[v & 63];
		vc_sput(s, q, 4);
	}
	if (i < n) {
		uint32_t v = (uint32_t)d[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)d[i + 1] << 8;
		q[0] = b64chars[v >> 18];
		q[1] = b64chars[(v >> 12) & 63];
		q[2] = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
		q[3] = '=';
		vc_sput(s, q, 4);
	}
}

/* Emit line (no CRLF inside) folded at 75 octets (unless the dialect
 * forbids folding), plus CRLF. */
void vc_emit_folded(struct vc_sink *out, const char *l, size_t len,
		    const struct vcard_dialect *d)
{
	size_t pos = 0, width = FOLD_AT;

	while (!(d && d->no_fold) && len - pos > width) {
		size_t cut = pos + width;

		/* never start a segment with a UTF-8 continuation byte */
		while (cut > pos + 1 && ((unsigned char)l[cut] & 0xc0) == 0x80)
			cut--;
		vc_sput(out, l + pos, cut - pos);
		vc_sput(out, "\r\n ", 3);
		pos = cut;
		width = FOLD_AT - 1;
	}
	vc_sput(out, l + pos, len - pos);
	vc_sput(out, "\r\n", 2);
}

static bool is_enc_keyword(const char *v)
{
	static const char *const kw[] = {"QUOTED-PRINTABLE", "BASE64", "8BIT",
					 "7BIT", NULL};
	if (strchr("QqBb87", v[0]) == NULL || v[0] == '\0')
		return false; /* the common case: no keyword starts so */
	for (size_t i = 0; kw[i]; i++)
		if (strcasecmp(v, kw[i]) == 0)
			return true;
	return false;
}

static void param_value(struct vc_sink *l, const char *v,
			enum vcard_version ver)
{
	bool quote = strpbrk(v, ":;,") != NULL;

	if (quote)
		sputc(l, '"');
	for (; *v; v++) {
		char c = *v;

		if (ver == VCARD_V40) {
			if (c == '^')
				vc_sput(l, "^^", 2);
			else if (c == '\n')
				vc_sput(l, "^n", 2);
			else if (c == '"')
				vc_sput(l, "^'", 2);
			else if (c == '\r')
				continue;
			else
				sputc(l, c);
		} else if (c == '"') {
			sputc(l, '\'');
		} else if (c == '\n' || c == '\r') {
			sputc(l, ' ');
		} else {
			sputc(l, c);
		}
	}
	if (quote)
		sputc(l, '"');
}

/* Is name (any case) word? Its first letter is compared first: this runs
 * for every parameter of every card. */
static bool name_is(const char *name, const char *word)
{
	return (name[0] | 0x20) == (word[0] | 0x20) &&
	       strcasecmp(name, word) == 0;
}

static int write_params(struct vc_sink *l, const struct vcard_prop *p,
			enum vcard_version ver)
{
	for (size_t i = 0; i < p->n_params; i++) {
		const struct vcard_param *pa = &p->params[i];

		if (!vc_valid_name(pa->name))
			return VCARD_E_INVAL;
		if (name_is(pa->name, "ENCODING") ||
		    name_is(pa->name, "CHARSET") || pa->n_values == 0)
			continue;
		if (p->binary && ver == VCARD_V40 &&
		    vc_is_media_prop(p->name) && name_is(pa->name, "MEDIATYPE"))
			continue;
		if (ver == VCARD_V21 && name_is(pa->name, "TYPE")) {
			/* Past a few values, one TYPE=a,b,... list: a
			 * parameter per value would exceed what readers
			 * take (ours: 32). */
			if (pa->n_values > TYPES_BARE_MAX) {
				sputs(l, ";TYPE=");
				for (size_t k = 0; k < pa->n_values; k++) {
					if (k > 0)
						sputc(l, ',');
					param_value(l, pa->values[k], ver);
				}
				continue;
			}
			for (size_t k = 0; k < pa->n_values; k++) {
				const char *v = pa->values[k];

				sputc(l, ';');
				/* bare, as phones expect for TEL/EMAIL/ADR;
				 * media types keep TYPE= (Nokia, SE) */
				if (vc_valid_name(v) && !is_enc_keyword(v) &&
				    !vc_is_media_prop(p->name)) {
					sputs(l, v);
				} else {
					sputs(l, "TYPE=");
					param_value(l, v, ver);
				}
			}
			continue;
		}
		sputc(l, ';');
		sputs(l, pa->name);
		sputc(l, '=');
		for (size_t k = 0; k < pa->n_values; k++) {
			if (k > 0)
				sputc(l, ',');
			param_value(l, pa->values[k], ver);
		}
	}
	return 0;
}

/* The dialect's character limit for a property, 0 = none. */
static size_t limit_of(const struct vcard_dialect *d, const char *name)
{
	for (size_t i = 0; d != NULL && i < d->n_limits; i++)
		if (strcasecmp(d->limits[i].name, name) == 0)
			return d->limits[i].max;
	return 0;
}

/* Escaped, joined text value (2.1: only ; and list commas escaped). Each
 * component is cut to the dialect's limit of characters, never inside a
 * UTF-8 sequence. */
static void text_value(struct vc_sink *l, const struct vcard_prop *p,
		       enum vcard_version ver, const struct vcard_dialect *d)
{
	unsigned cls = vc_prop_class(p->name);
	bool list = (cls & VC_LIST) != 0;
	bool esc_comma = list || (cls & VC_URI) == 0;
	char sep = list ? ',' : ';';
	size_t max = limit_of(d, p->name);

	for (size_t k = 0; k < p->n_values; k++) {
		const char *v = p->values[k];
		size_t chars = 0;

		if (k > 0)
			sputc(l, sep);
		if (max == 0) {
			/* No limit to count: copy the run of bytes that need
			 * no escape in one go. */
			size_t run = strcspn(v, "\\;,\r\n");
			vc_sput(l, v, run);
			v += run;
		}
		for (; *v; v++) {
			char c = *v;

			if (((unsigned char)c & 0xc0) != 0x80 && max > 0 &&
			    chars++ == max)
				break;

			if (ver == VCARD_V21) {
				if (c == '\\' && (v[1] == '\\' || v[1] == ';' ||
						  v[1] == ',' || v[1] == '\0'))
					vc_sput(l, "\\\\", 2);
				else if (c == ';' || (c == ',' && list)) {
					sputc(l, '\\');
					sputc(l, c);
				} else
					sputc(l, c);
				continue;
			}
			switch (c) {
			case '\\':
				vc_sput(l, "\\\\", 2);
				break;
			case ';':
				vc_sput(l, "\\;", 2);
				break;
			case ',':
				if (esc_comma)
					sputc(l, '\\');
				sputc(l, ',');
				break;
			case '\r':
				if (v[1] == '\n')
					v++; /* CRLF is one line break */
				vc_sput(l, "\\n", 2);
				break;
			case '\n':
				vc_sput(l, "\\n", 2);
				break;
			default:
				sputc(l, c);
			}
		}
	}
}

static bool needs_qp(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x7f || c < 0x20)
			return true;
	}
	return false;
}

/* How many bytes from s[i] belong to one UTF-8 sequence: a lead byte and
 * the continuation bytes that follow it, as many as it announces. Any
 * other byte (ASCII, a stray continuation byte, Latin-1) stands alone. */
static size_t seq_len(const char *s, size_t i, size_t len)
{
	unsigned char c = (unsigned char)s[i];
	size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1, j = 1;

	while (j < n && i + j < len && ((unsigned char)s[i + j] & 0xc0) == 0x80)
		j++;
	return j;
}

/* Quoted-printable with soft breaks; col is the current line length.
 * Spaces and ':' are always encoded so a continuation line can neither
 * look folded nor look like END:VCARD. */
void vc_qp_encode(struct vc_sink *out, const char *s, size_t len, size_t col,
		  bool no_fold)
{
	static const char hex[] = "0123456789ABCDEF";
	char tmp[512];          /* filled, then handed to the sink in one go */
	size_t k = 0, rest = 0; /* rest: bytes left of this UTF-8 sequence */

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		bool raw = c > 0x20 && c < 0x7f && c != '=' && c != ':';
		size_t w = raw ? 1 : 3;

		if (k + 6 > sizeof(tmp)) {
			vc_sput(out, tmp, k);
			k = 0;
		}
		/* A soft break between the bytes of one UTF-8 sequence makes
		 * some parsers (the Synthesis engine) swallow the next line:
		 * a break goes before a whole sequence, all of it escaped. */
		if (rest > 0) {
			rest--;
		} else if (!no_fold) {
			size_t n = seq_len(s, i, len);

			rest = n - 1;
			if (col + (n > 1 ? 3 * n : w) > FOLD_AT - 1) {
				memcpy(tmp + k, "=\r\n", 3);
				k += 3;
				col = 0;
			}
		}
		if (raw) {
			tmp[k++] = (char)c;
		} else {
			tmp[k++] = '=';
			tmp[k++] = hex[c >> 4];
			tmp[k++] = hex[c & 15];
		}
		col += w;
	}
	if (k + 2 > sizeof(tmp)) {
		vc_sput(out, tmp, k);
		k = 0;
	}
	memcpy(tmp + k, "\r\n", 2);
	vc_sput(out, tmp, k + 2);
}

static void put_upper(struct vc_sink *l, const char *s)
{
	for (; *s; s++)
		sputc(l, (*s >= 'a' && *s <= 'z') ? (char)(*s - 32) : *s);
}

/* UTF-8 s[0..len) as ISO-8859-1 in place when every character is below
 * U+0100; false (s untouched) otherwise or for invalid UTF-8. */
static bool to_latin1(char *s, size_t *len)
{
	size_t n = *len, k = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80 && (c < 0xc2 || c > 0xc3 || i + 1 >= n ||
				  ((unsigned char)s[i + 1] & 0xc0) != 0x80))
			return false;
		if (c >= 0x80)
			i++;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80) {
			s[k++] = (char)(((c & 0x03) << 6) |
					((unsigned char)s[i + 1] & 0x3f));
			i++;
		} else {
			s[k++] = (char)c;
		}
	}
	*len = k;
	return true;
}

static int write_prop(struct vc_sink *out, struct vc_sink *l, struct vc_sink *v,
		      const struct vcard_prop *p, enum vcard_version ver,
		      const struct vcard_dialect *d)
{
	int ret;

	if (!vc_valid_name(p->name) || (p->group && !vc_valid_name(p->group)))
		return VCARD_E_INVAL;
	if (p->group == NULL &&
	    (name_is(p->name, "BEGIN") || name_is(p->name, "END") ||
	     name_is(p->name, "VERSION")))
		return VCARD_E_INVAL;
	l->len = 0;
	if (p->group) {
		sputs(l, p->group);
		sputc(l, '.');
	}
	put_upper(l, p->name);
	ret = write_params(l, p, ver);
	if (ret < 0)
		return ret;
	if (p->binary) {
		const unsigned char *bin = (const unsigned char *)p->values[0];

		if (ver == VCARD_V21) {
			sputs(l, ";ENCODING=BASE64:\r\n");
			vc_sput(out, l->p, l->len);
			v->len = 0;
			base64_encode(v, bin, p->bin_len);
			for (size_t i = 0; i < v->len; i += 72) {
				size_t n = v->len - i < 72 ? v->len - i : 72;
				sputc(out, ' ');
				vc_sput(out, v->p + i, n);
				vc_sput(out, "\r\n", 2);
			}
			vc_sput(out, "\r\n", 2);
			return 0;
		}
		if (ver == VCARD_V30 || !vc_is_media_prop(p->name)) {
			/* 4.0 has data: URIs only for URI-valued media
			 * properties; other binary values keep ENCODING=b */
			sputs(l, ";ENCODING=b:");
		} else {
			const struct vcard_param *mt =
				vcard_param_get(p, "MEDIATYPE");

			sputs(l, ":data:");
			if (mt && mt->n_values > 0)
				sputs(l, mt->values[0]);
			sputs(l, ";base64,");
		}
		base64_encode(l, bin, p->bin_len);
		vc_emit_folded(out, l->p, l->len, d);
		return 0;
	}
	if (ver == VCARD_V21) {
		v->len = 0;
		text_value(v, p, ver, d);
		if (needs_qp(v->p, v->len)) {
			bool l1 = d && d->latin1 && !v->nomem &&
				  to_latin1(v->p, &v->len);
			sputs(l, l1 ? ";CHARSET=ISO-8859-1" : ";CHARSET=UTF-8");
			sputs(l, ";ENCODING=QUOTED-PRINTABLE:");
			vc_sput(out, l->p, l->len);
			vc_qp_encode(out, v->p, v->len, l->len,
				     d != NULL &&
					     (d->no_fold || d->qp_unfolded));
		} else {
			sputc(l, ':');
			vc_sput(out, l->p, l->len);
			vc_sput(out, v->p, v->len);
			vc_sput(out, "\r\n", 2);
		}
		return 0;
	}
	sputc(l, ':');
	text_value(l, p, ver, d);
	vc_emit_folded(out, l->p, l->len, d);
	return 0;
}

static int write_card(const struct vcard *card, enum vcard_version ver,
		      const struct vcard_dialect *d, struct vc_sink *out,
		      struct vcard_error *err)
{
	char lbuf[1024], vbuf[1024];
	struct vc_sink l = {.p = lbuf, .cap = sizeof(lbuf)};
	struct vc_sink v = {.p = vbuf, .cap = sizeof(vbuf)};
	int ret = 0;

	if (ver != VCARD_V21 && ver != VCARD_V30 && ver != VCARD_V40)
		return vc_error(err, VCARD_E_INVAL, 0, "VERSION",
				"unsupported version");
	sputs(out, "BEGIN:VCARD\r\nVERSION:");
	sputs(out, ver == VCARD_V21 ? "2.1" : ver == VCARD_V30 ? "3.0" : "4.0");
	sputs(out, "\r\n");
	for (size_t i = 0; i < card->n_props; i++) {
		ret = write_prop(out, &l, &v, &card->props[i], ver, d);
		if (ret < 0) {
			vc_error(err, ret, 0, card->props[i].name,
				 "name or parameter that cannot be written");
			goto out;
		}
		if (l.nomem || v.nomem) {
			ret = vc_error(err, VCARD_E_NOMEM, 0, "",
				       "out of memory");
			goto out;
		}
	}
	sputs(out, "END:VCARD\r\n");
	if (out->nomem)
		ret = vc_error(err, VCARD_E_NOMEM, 0, "", "out of memory");
out:
	if (l.heap)
		free(l.p);
	if (v.heap)
		free(v.p);
	return ret;
}

int vcard_write(const struct vcard *card, enum vcard_version version,
		char **out_r, size_t *len_r, struct vcard_error *err)
{
	struct vc_sink out = {0};
	int ret = write_card(card, version, NULL, &out, err);

	if (ret < 0) {
		free(out.p);
		return ret;
	}
	out.p[out.len] = '\0'; /* sput always keeps room for it */
	*out_r = out.p;
	*len_r = out.len;
	return 0;
}

int vcard_write_buf(const struct vcard *card, enum vcard_version version,
		    char *buf, size_t size, size_t *len_r,
		    struct vcard_error *err)
{
	return vcard_write_dialect(card, version, NULL, buf, size, len_r, err);
}

int vcard_write_dialect(const struct vcard *card, enum vcard_version version,
			const struct vcard_dialect *d, char *buf, size_t size,
			size_t *len_r, struct vcard_error *err)
{
	struct vc_sink out = {.p = buf, .cap = size, .fixed = true};
	int ret = write_card(card, version, d, &out, err);

	if (ret < 0)
		return ret;
	*len_r = out.len;
	if (out.len > size)
		return vc_error(err, VCARD_E_SPACE, 0, "",
				"buffer too small (%zu bytes needed)", out.len);
	return 0;
}
