/* WBXML → element tree (see wbxml.h). WBXML 1.3 (WAP-192) token layout;
 * tag tables of SyncML Representation 1.2 (code pages 0 SyncML, 1 MetInf)
 * and DevInf 1.2 (its own document, page 0). The 1.1 tables are the same
 * minus the 1.2 additions. */
#include "syncml/wbxml.h"
#include "syncml/wbxml-tags.h"
#include "util/str.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum doc_kind { DOC_SYNCML, DOC_DEVINF };

struct rd {
	const unsigned char *p;
	size_t len, pos;
	size_t base; /* offset of this document in the outer input */
	struct ob_err *err;
	const unsigned char *strtbl;
	size_t strtbl_len;
	unsigned charset;
	enum doc_kind kind;
	unsigned page;
};

static int fail(struct rd *r, const char *what)
{
	return ob_err_set_at(r->err, OB_E_PARSE, 0, (long)(r->base + r->pos),
			     "", "WBXML: %s at offset %zu", what,
			     r->base + r->pos);
}

static int byte(struct rd *r, unsigned char *b)
{
	if (r->pos >= r->len)
		return fail(r, "truncated");
	*b = r->p[r->pos++];
	return 0;
}

static int mb_u_int32(struct rd *r, uint32_t *v_r)
{
	uint32_t v = 0;
	for (int i = 0; i < 5; i++) {
		unsigned char b = 0;
		if (byte(r, &b) != 0)
			return OB_E_PARSE;
		if (v > (UINT32_MAX >> 7))
			return fail(r, "number too large");
		v = (v << 7) | (b & 0x7f);
		if ((b & 0x80) == 0) {
			*v_r = v;
			return 0;
		}
	}
	return fail(r, "number longer than 5 bytes");
}

/* A NUL-terminated string of the string table at offset off. */
static int table_string(struct rd *r, uint32_t off, const unsigned char **s_r,
			size_t *len_r)
{
	if (off >= r->strtbl_len)
		return fail(r, "string table reference out of range");
	const unsigned char *s = r->strtbl + off;
	const unsigned char *nul = memchr(s, 0, r->strtbl_len - off);
	if (nul == NULL)
		return fail(r, "unterminated string table entry");
	*s_r = s;
	*len_r = (size_t)(nul - s);
	return 0;
}

/* Append text, converting ISO-8859-1 documents to UTF-8. */
static int add_text(struct rd *r, struct sml_tree *t, struct sml_node *n,
		    const unsigned char *s, size_t len)
{
	if (n == NULL)
		return 0; /* text outside the root: ignored */
	if (r->charset != 4)
		return sml_tree_append(t, n, s, len, false, r->err);
	unsigned char buf[512];
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (o + 2 > sizeof(buf)) {
			int ret = sml_tree_append(t, n, buf, o, false, r->err);
			if (ret != 0)
				return ret;
			o = 0;
		}
		if (s[i] < 0x80) {
			buf[o++] = s[i];
		} else {
			buf[o++] = (unsigned char)(0xC0 | (s[i] >> 6));
			buf[o++] = (unsigned char)(0x80 | (s[i] & 0x3f));
		}
	}
	return sml_tree_append(t, n, buf, o, false, r->err);
}

static const char *tag_name(struct rd *r, unsigned tag, enum sml_ns *ns_r)
{
	if (r->kind == DOC_DEVINF) {
		*ns_r = SML_NS_DEVINF;
		return r->page == 0 ? sml_wbxml_tag_name(SML_WB_DEVINF, tag)
				    : NULL;
	}
	if (r->page == 0) {
		*ns_r = SML_NS_SYNCML;
		return sml_wbxml_tag_name(SML_WB_SYNCML, tag);
	}
	if (r->page == 1) {
		*ns_r = SML_NS_METINF;
		return sml_wbxml_tag_name(SML_WB_METINF, tag);
	}
	return NULL;
}

/* Skip an attribute list up to and including its END. */
static int skip_attrs(struct rd *r)
{
	for (;;) {
		unsigned char b = 0;
		uint32_t v;
		if (byte(r, &b) != 0)
			return OB_E_PARSE;
		if (b == T_END)
			return 0;
		if (b == T_SWITCH_PAGE) {
			if (byte(r, &b) != 0)
				return OB_E_PARSE;
		} else if (b == T_STR_I) {
			const unsigned char *nul =
				memchr(r->p + r->pos, 0, r->len - r->pos);
			if (nul == NULL)
				return fail(r, "unterminated inline string");
			r->pos = (size_t)(nul - r->p) + 1;
		} else if (b == T_STR_T || b == T_LITERAL || b == T_ENTITY) {
			if (mb_u_int32(r, &v) != 0)
				return OB_E_PARSE;
		} else if (b == T_OPAQUE) {
			if (mb_u_int32(r, &v) != 0)
				return OB_E_PARSE;
			if (v > r->len - r->pos)
				return fail(r, "opaque data past the end");
			r->pos += v;
		} else if ((b >= T_EXT_I_0 && b <= T_EXT_I_2) ||
			   (b >= T_EXT_T_0 && b <= T_EXT_T_2) ||
			   (b >= T_EXT_0 && b <= T_EXT_2)) {
			return fail(r, "extension token in attributes");
		}
		/* other bytes are attribute start or value tokens */
	}
}

static int decode_doc(const unsigned char *buf, size_t len, size_t base,
		      struct sml_tree *t, struct sml_node *parent, bool nested,
		      struct ob_err *err);

/* An OPAQUE inside Data that holds a DevInf WBXML document. */
static bool is_devinf_doc(const unsigned char *p, size_t n)
{
	/* version, public id 0x0FD2 / 0x0FD4 (1f 52 / 1f 54) or 0x1203
	 * (a4 03) */
	if (n < 4 || p[0] > 0x03)
		return false;
	return (p[1] == 0x9f && (p[2] == 0x52 || p[2] == 0x54)) ||
	       (p[1] == 0xa4 && p[2] == 0x03);
}

static int body(struct rd *r, struct sml_tree *t, struct sml_node *parent,
		bool nested)
{
	struct sml_node *cur = parent;
	struct sml_node *const top = parent;
	bool root_seen = false;
	int ret;

	for (;;) {
		unsigned char b = 0;
		uint32_t v;
		const unsigned char *s;
		size_t sl;

		if (r->pos >= r->len) {
			if (root_seen && cur == top)
				return 0;
			return fail(r, "truncated");
		}
		if (root_seen && cur == top)
			return fail(r, "data after the root element");
		b = r->p[r->pos++];
		switch (b) {
		case T_SWITCH_PAGE:
			if (byte(r, &b) != 0)
				return OB_E_PARSE;
			r->page = b;
			continue;
		case T_END:
			if (cur == top)
				return fail(r, "END without an open element");
			cur = cur->parent;
			continue;
		case T_ENTITY: {
			unsigned char u[4];
			size_t n;
			if (mb_u_int32(r, &v) != 0)
				return OB_E_PARSE;
			if ((n = ob_utf8_encode(v, u)) == 0)
				return fail(r, "bad character entity");
			if (cur != top &&
			    (ret = sml_tree_append(t, cur, u, n, false,
						   r->err)) != 0)
				return ret;
			continue;
		}
		case T_STR_I: {
			const unsigned char *nul =
				memchr(r->p + r->pos, 0, r->len - r->pos);
			if (nul == NULL)
				return fail(r, "unterminated inline string");
			s = r->p + r->pos;
			sl = (size_t)(nul - s);
			r->pos += sl + 1;
			if (cur != top &&
			    (ret = add_text(r, t, cur, s, sl)) != 0)
				return ret;
			continue;
		}
		case T_STR_T:
			if (mb_u_int32(r, &v) != 0 ||
			    table_string(r, v, &s, &sl) != 0)
				return OB_E_PARSE;
			if (cur != top &&
			    (ret = add_text(r, t, cur, s, sl)) != 0)
				return ret;
			continue;
		case T_OPAQUE:
			if (mb_u_int32(r, &v) != 0)
				return OB_E_PARSE;
			if (v > r->len - r->pos)
				return fail(r, "opaque data past the end");
			s = r->p + r->pos;
			r->pos += v;
			if (cur == top)
				continue;
			if (!nested && strcmp(cur->name, "Data") == 0 &&
			    is_devinf_doc(s, v)) {
				ret = decode_doc(s, v, r->base + r->pos - v, t,
						 cur, true, r->err);
				if (ret != 0)
					return ret;
				continue;
			}
			if ((ret = sml_tree_append(t, cur, s, v, true,
						   r->err)) != 0)
				return ret;
			continue;
		case T_PI:
			return fail(r, "processing instruction");
		default:
			break;
		}
		if ((b >= T_EXT_I_0 && b <= T_EXT_I_2) ||
		    (b >= T_EXT_T_0 && b <= T_EXT_T_2) ||
		    (b >= T_EXT_0 && b <= T_EXT_2))
			return fail(r, "extension token");
		/* A tag. */
		unsigned tag = b & 0x3f;
		const char *name;
		size_t name_len;
		enum sml_ns ns = SML_NS_OTHER;
		if (tag == T_LITERAL) {
			if (mb_u_int32(r, &v) != 0 ||
			    table_string(r, v, &s, &sl) != 0)
				return OB_E_PARSE;
			/* Literal tags may carry a prefix: keep the local
			 * name. */
			const unsigned char *colon = memchr(s, ':', sl);
			if (colon != NULL) {
				sl -= (size_t)(colon + 1 - s);
				s = colon + 1;
			}
			name = (const char *)s;
			name_len = sl;
			ns = r->kind == DOC_DEVINF ? SML_NS_DEVINF
			     : r->page == 1        ? SML_NS_METINF
						   : SML_NS_SYNCML;
		} else {
			name = tag_name(r, tag, &ns);
			if (name == NULL) {
				char what[64];
				snprintf(what, sizeof(what),
					 "unknown tag 0x%02x on page %u", tag,
					 r->page);
				return fail(r, what);
			}
			name_len = strlen(name);
		}
		if (name_len == 0)
			return fail(r, "empty tag name");
		if ((b & HAS_ATTRS) && skip_attrs(r) != 0)
			return OB_E_PARSE;
		if (cur == top && root_seen)
			return fail(r, "second root element");
		struct sml_node *n;
		ret = sml_tree_add(t, cur, name, name_len, ns, &n, r->err);
		if (ret != 0)
			return ret;
		if (cur == top)
			root_seen = true;
		if (b & HAS_CONTENT)
			cur = n;
	}
}

static bool contains(const unsigned char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(s + i, needle, k) == 0)
			return true;
	return false;
}

static int decode_doc(const unsigned char *buf, size_t len, size_t base,
		      struct sml_tree *t, struct sml_node *parent, bool nested,
		      struct ob_err *err)
{
	struct rd r = {.p = buf, .len = len, .base = base, .err = err};
	unsigned char version = 0;
	uint32_t pubid, charset, tlen;

	if (byte(&r, &version) != 0)
		return OB_E_PARSE;
	if (version > 0x03)
		return fail(&r, "unsupported WBXML version");
	if (mb_u_int32(&r, &pubid) != 0)
		return OB_E_PARSE;
	uint32_t pub_index = 0;
	bool pub_in_table = pubid == 0;
	if (pub_in_table && mb_u_int32(&r, &pub_index) != 0)
		return OB_E_PARSE;
	if (mb_u_int32(&r, &charset) != 0)
		return OB_E_PARSE;
	if (charset != 106 && charset != 4 && charset != 3 && charset != 0)
		return fail(&r, "unsupported charset");
	r.charset = charset;
	if (mb_u_int32(&r, &tlen) != 0)
		return OB_E_PARSE;
	if (tlen > r.len - r.pos)
		return fail(&r, "string table past the end");
	r.strtbl = r.p + r.pos;
	r.strtbl_len = tlen;
	r.pos += tlen;

	enum sml_version ver = SML_VER_UNKNOWN;
	r.kind = nested ? DOC_DEVINF : DOC_SYNCML;
	if (pub_in_table) {
		const unsigned char *s;
		size_t sl;
		if (table_string(&r, pub_index, &s, &sl) != 0)
			return OB_E_PARSE;
		if (contains(s, sl, "DevInf"))
			r.kind = DOC_DEVINF;
		if (contains(s, sl, "1.2"))
			ver = SML_VER_12;
		else if (contains(s, sl, "1.1"))
			ver = SML_VER_11;
		else if (contains(s, sl, "1.0"))
			ver = SML_VER_10;
	} else {
		switch (pubid) {
		case 0x0FD1:
			ver = SML_VER_10;
			break;
		case 0x0FD3:
			ver = SML_VER_11;
			break;
		case 0x1201:
			ver = SML_VER_12;
			break;
		case 0x0FD2:
		case 0x0FD4:
		case 0x1203:
			r.kind = DOC_DEVINF;
			break;
		default:
			break; /* unknown: SyncML by its root element */
		}
	}
	if (nested && r.kind != DOC_DEVINF)
		return fail(&r, "nested document is not DevInf");
	if (!nested && r.kind == DOC_DEVINF)
		r.kind = DOC_SYNCML; /* a bare DevInf is not a message */
	if (!nested && ver != SML_VER_UNKNOWN)
		sml_tree_set_version(t, ver);
	return body(&r, t, parent, nested);
}

int sml_wbxml_decode(const unsigned char *buf, size_t len,
		     const struct sml_limits *lim, struct sml_tree **tree_r,
		     struct ob_err *err)
{
	struct sml_tree *t = NULL;
	int ret;

	*tree_r = NULL;
	ret = sml_tree_new(lim, &t, err);
	if (ret != 0)
		return ret;
	ret = decode_doc(buf, len, 0, t, NULL, false, err);
	if (ret == 0 && sml_tree_root(t) == NULL)
		ret = ob_err_set(err, OB_E_PARSE, "WBXML: no root element");
	if (ret != 0) {
		sml_tree_free(&t);
		return ret;
	}
	*tree_r = t;
	return 0;
}
