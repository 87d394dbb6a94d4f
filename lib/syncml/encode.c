/* Our XML -> WBXML in one pass (see encode.h). */
#include "config.h"
#include "syncml/encode.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "syncml/strtbl.h"
#include "syncml/wbxml-tags.h"
#include "syncml/writer.h"
#include "util/str.h"

#define DEPTH_MAX 64

enum ns { NS_SYNCML, NS_METINF, NS_DEVINF };

struct enc {
	const char *x;
	size_t len, pos;
	struct ob_buf *out;
	struct ob_err *err;
	unsigned page;      /* code page the output is on */
	bool nested;        /* inside a DevInf document */
	unsigned pubid;     /* of the SyncML document */
	struct ob_buf text; /* character data being gathered */
	/* or, when it is one CDATA section so far, where it is in x (not
	 * copied: a vCard goes straight from the XML to the output) */
	const char *one;
	size_t one_len;
	struct sml_strtbl *tbl; /* SML_WBXML_STRTBL: the message's table */
};

static int fail(struct enc *e, const char *what)
{
	return ob_err_set(e->err, OB_E_FAIL, "WBXML encoding: %s at offset %zu",
			  what, e->pos);
}

static int put_byte(struct enc *e, unsigned char b)
{
	return ob_buf_add(e->out, &b, 1);
}

static int put_mb(struct ob_buf *out, uint32_t v)
{
	unsigned char b[5];
	size_t n = sml_wbxml_mb(v, b);

	return ob_buf_add(out, b + 5 - n, n);
}

static int header(struct ob_buf *out, uint32_t pubid, const char *tbl,
		  size_t tbl_len)
{
	int ret = ob_buf_add(out, "\x02", 1); /* WBXML 1.2 */
	if (ret == 0)
		ret = put_mb(out, pubid);
	if (ret == 0)
		ret = ob_buf_add(out, "\x6a", 1); /* UTF-8 */
	if (ret == 0)
		ret = put_mb(out, (uint32_t)tbl_len);
	if (ret == 0)
		ret = ob_buf_add(out, tbl, tbl_len);
	return ret;
}

static bool at(const struct enc *e, const char *s)
{
	size_t n = strlen(s);
	return e->len - e->pos >= n && memcmp(e->x + e->pos, s, n) == 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int utf8_put(struct ob_buf *b, uint32_t cp)
{
	unsigned char u[4];
	size_t n = cp == 0 ? 0 : ob_utf8_encode(cp, u);

	return n == 0 ? OB_E_FAIL : ob_buf_add(b, u, n);
}

/* One entity reference at e->pos ('&'), resolved into e->text. */
static int entity(struct enc *e)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {{"amp;", '&'},
		     {"lt;", '<'},
		     {"gt;", '>'},
		     {"quot;", '"'},
		     {"apos;", '\''}};

	e->pos++;
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (at(e, named[i].name)) {
			e->pos += strlen(named[i].name);
			return ob_buf_add(&e->text, &named[i].c, 1);
		}
	if (!at(e, "#"))
		return fail(e, "unknown entity");
	e->pos++;
	bool hex = at(e, "x");
	uint32_t cp = 0;
	size_t digits = 0;
	if (hex)
		e->pos++;
	while (e->pos < e->len && e->x[e->pos] != ';' && digits < 8) {
		char c = e->x[e->pos];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (hex && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (hex && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return fail(e, "bad character reference");
		cp = cp * (hex ? 16 : 10) + d;
		digits++;
		e->pos++;
	}
	if (digits == 0 || !at(e, ";"))
		return fail(e, "bad character reference");
	e->pos++;
	int ret = utf8_put(&e->text, cp);
	return ret == OB_E_FAIL ? fail(e, "character not allowed") : ret;
}

/* The gathered text into e->text when it is still one section in x. */
static int flatten(struct enc *e)
{
	int ret = 0;

	if (e->one != NULL)
		ret = ob_buf_add(&e->text, e->one, e->one_len);
	e->one = NULL;
	return ret;
}

/* Character data from e->pos up to the next tag, into e->text (or e->one);
 * *cdata_r tells whether a CDATA section was part of it. */
static int gather(struct enc *e, bool *cdata_r)
{
	int ret = 0;

	ob_buf_reset(&e->text);
	e->one = NULL;
	*cdata_r = false;
	while (ret == 0 && e->pos < e->len) {
		if (at(e, "<![CDATA[")) {
			e->pos += 9;
			const char *end =
				sml_cdata_end(e->x + e->pos, e->len - e->pos);
			if (end == NULL)
				return fail(e, "unterminated CDATA");
			size_t n = (size_t)(end - (e->x + e->pos));
			if (e->text.len == 0 && e->one == NULL && !*cdata_r) {
				e->one = e->x + e->pos;
				e->one_len = n;
			} else {
				ret = flatten(e);
				if (ret == 0)
					ret = ob_buf_add(&e->text,
							 e->x + e->pos, n);
			}
			e->pos += n + 3;
			*cdata_r = true;
			continue;
		}
		char c = e->x[e->pos];
		if (c == '<')
			break;
		ret = flatten(e);
		if (ret != 0)
			break;
		if (c == '&') {
			ret = entity(e);
			continue;
		}
		/* a run of plain bytes */
		size_t start = e->pos;
		while (e->pos < e->len && e->x[e->pos] != '<' &&
		       e->x[e->pos] != '&')
			e->pos++;
		ret = ob_buf_add(&e->text, e->x + start, e->pos - start);
	}
	return ret;
}

/* Emit the gathered text: OPAQUE when it came in CDATA (strings through
 * the string table when there is one and the text is UTF-8 without NUL),
 * else an inline string. */
static int put_text(struct enc *e, bool cdata)
{
	const char *t = e->one != NULL ? e->one : e->text.data;
	size_t len = e->one != NULL ? e->one_len : e->text.len;
	int ret;

	if (len == 0)
		return 0;
	if (cdata && e->tbl != NULL && !e->nested &&
	    memchr(t, 0, len) == NULL && ob_utf8_valid(t, len, false))
		return sml_strtbl_put(e->tbl, t, len, e->out);
	if (cdata) {
		ret = put_byte(e, T_OPAQUE);
		if (ret == 0)
			ret = put_mb(e->out, (uint32_t)len);
		if (ret == 0)
			ret = ob_buf_add(e->out, t, len);
		return ret;
	}
	if (memchr(e->text.data, 0, e->text.len) != NULL)
		return fail(e, "NUL in text");
	ret = put_byte(e, T_STR_I);
	if (ret == 0)
		ret = ob_buf_add(e->out, e->text.data, e->text.len);
	if (ret == 0)
		ret = put_byte(e, 0);
	return ret;
}

/* DevInf travels as WBXML inside a WBXML message, so its media type
 * says so (libwbxml2 does the same). */
static int devinf_type(struct enc *e)
{
	static const char xml[] = "application/vnd.syncml-devinf+xml";
	static const char wbxml[] = "application/vnd.syncml-devinf+wbxml";
	int ret = flatten(e);

	if (ret != 0)
		return ret;
	if (e->text.len != sizeof(xml) - 1 ||
	    memcmp(e->text.data, xml, e->text.len) != 0)
		return 0;
	ob_buf_reset(&e->text);
	return ob_buf_add(&e->text, wbxml, sizeof(wbxml) - 1);
}

static bool name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == ':' ||
	       c == '.';
}

struct stag {
	const char *name;
	size_t name_len;
	const char *ns; /* xmlns value, NULL when none */
	size_t ns_len;
	bool empty; /* <name/> or <name></name> */
};

/* A start tag at e->pos ('<' seen, not '</'). */
static int start_tag(struct enc *e, struct stag *t)
{
	memset(t, 0, sizeof(*t));
	e->pos++;
	t->name = e->x + e->pos;
	while (e->pos < e->len && name_char(e->x[e->pos]))
		e->pos++;
	t->name_len = (size_t)(e->x + e->pos - t->name);
	if (t->name_len == 0)
		return fail(e, "element without a name");
	for (;;) {
		while (e->pos < e->len && is_space(e->x[e->pos]))
			e->pos++;
		if (e->pos >= e->len)
			return fail(e, "truncated tag");
		if (at(e, "/>")) {
			e->pos += 2;
			t->empty = true;
			return 0;
		}
		if (at(e, ">")) {
			e->pos++;
			break;
		}
		if (!at(e, "xmlns=\"") || t->ns != NULL)
			return fail(e, "attribute other than xmlns");
		e->pos += 7;
		t->ns = e->x + e->pos;
		const char *q = memchr(t->ns, '"', e->len - e->pos);
		if (q == NULL)
			return fail(e, "unterminated attribute");
		t->ns_len = (size_t)(q - t->ns);
		e->pos += t->ns_len + 1;
	}
	/* <name></name> has no content either */
	if (at(e, "</") && e->len - e->pos >= t->name_len + 3 &&
	    memcmp(e->x + e->pos + 2, t->name, t->name_len) == 0 &&
	    e->x[e->pos + 2 + t->name_len] == '>') {
		e->pos += t->name_len + 3;
		t->empty = true;
	}
	return 0;
}

static bool ns_is(const struct stag *t, const char *s)
{
	size_t n = strlen(s);
	return t->ns != NULL && t->ns_len == n && strncasecmp(t->ns, s, n) == 0;
}

/* An end tag at e->pos ("</"), which must close name. */
static int end_tag(struct enc *e, const char *name, size_t name_len)
{
	e->pos += 2;
	if (e->len - e->pos < name_len + 1 ||
	    memcmp(e->x + e->pos, name, name_len) != 0)
		return fail(e, "end tag does not match");
	e->pos += name_len;
	while (e->pos < e->len && is_space(e->x[e->pos]))
		e->pos++;
	if (!at(e, ">"))
		return fail(e, "bad end tag");
	e->pos++;
	return 0;
}

static int element(struct enc *e, const struct stag *t, enum ns ns, int depth);

/* The DevInf element t becomes a document of its own in OPAQUE. */
static int devinf(struct enc *e, const struct stag *t, int depth)
{
	struct ob_buf doc;
	struct ob_buf *outer = e->out;
	unsigned page = e->page;
	uint32_t pubid = e->pubid == SML_PUBID_SYNCML_12 ? SML_PUBID_DEVINF_12
			 : e->pubid == SML_PUBID_SYNCML_10
				 ? SML_PUBID_DEVINF_10
				 : SML_PUBID_DEVINF_11;
	int ret;

	ob_buf_init(&doc, outer->cap);
	e->out = &doc;
	e->page = 0;
	e->nested = true;
	ret = header(&doc, pubid, "", 0);
	if (ret == 0)
		ret = element(e, t, NS_DEVINF, depth);
	e->out = outer;
	e->page = page;
	e->nested = false;
	if (ret == 0)
		ret = put_byte(e, T_OPAQUE);
	if (ret == 0)
		ret = put_mb(outer, (uint32_t)doc.len);
	if (ret == 0)
		ret = ob_buf_add(outer, doc.data, doc.len);
	ob_buf_deinit(&doc);
	return ret;
}

/* Element t (its start tag read) with everything inside it. */
static int element(struct enc *e, const struct stag *t, enum ns ns, int depth)
{
	enum sml_wb_table tab;
	unsigned page;
	int ret;

	if (depth >= DEPTH_MAX)
		return fail(e, "elements nested too deep");
	if (ns_is(t, "syncml:metinf"))
		ns = NS_METINF;
	else if (ns_is(t, "syncml:devinf"))
		ns = NS_DEVINF;
	else if (t->ns != NULL && t->ns_len >= 13 &&
		 strncasecmp(t->ns, "SYNCML:SYNCML", 13) == 0)
		ns = NS_SYNCML;
	else if (t->ns != NULL)
		return fail(e, "unknown namespace");
	if (ns == NS_DEVINF && !e->nested)
		return devinf(e, t, depth);
	if (ns != NS_DEVINF && e->nested)
		return fail(e, "SyncML element inside DevInf");
	tab = ns == NS_METINF   ? SML_WB_METINF
	      : ns == NS_DEVINF ? SML_WB_DEVINF
				: SML_WB_SYNCML;
	page = ns == NS_METINF ? 1 : 0;
	int code = sml_wbxml_tag_code(tab, t->name, t->name_len);
	if (code < 0)
		return fail(e, "element without a WBXML token");
	if (page != e->page) {
		unsigned char sw[2] = {T_SWITCH_PAGE, (unsigned char)page};
		ret = ob_buf_add(e->out, sw, 2);
		if (ret != 0)
			return ret;
		e->page = page;
	}
	ret = put_byte(e, (unsigned char)(code | (t->empty ? 0 : HAS_CONTENT)));
	if (ret != 0 || t->empty)
		return ret;
	bool is_type = ns == NS_METINF && t->name_len == 4 &&
		       memcmp(t->name, "Type", 4) == 0;
	for (;;) {
		bool cdata;
		ret = gather(e, &cdata);
		if (ret == 0 && is_type)
			ret = devinf_type(e);
		if (ret == 0)
			ret = put_text(e, cdata);
		if (ret != 0)
			return ret;
		if (e->pos >= e->len)
			return fail(e, "truncated document");
		if (at(e, "</"))
			break;
		if (at(e, "<!--") || at(e, "<?") || at(e, "<!"))
			return fail(e, "markup other than elements");
		struct stag child;
		ret = start_tag(e, &child);
		if (ret == 0)
			ret = element(e, &child, ns, depth + 1);
		if (ret != 0)
			return ret;
	}
	ret = end_tag(e, t->name, t->name_len);
	if (ret == 0)
		ret = put_byte(e, T_END);
	return ret;
}

static uint32_t pubid_of(const struct stag *t)
{
	if (ns_is(t, "SYNCML:SYNCML1.0"))
		return SML_PUBID_SYNCML_10;
	if (ns_is(t, "SYNCML:SYNCML1.1"))
		return SML_PUBID_SYNCML_11;
	return SML_PUBID_SYNCML_12;
}

/* Pass 1 of the string table: the text of every CDATA section. */
static int count_cdata(struct sml_strtbl *t, const char *x, size_t len)
{
	static const char open[] = "<![CDATA[";
	const size_t n = sizeof(open) - 1;
	size_t pos = 0;
	int ret = 0;

	while (ret == 0 && pos < len) {
		const char *p = memmem(x + pos, len - pos, open, n);
		if (p == NULL)
			break;
		pos = (size_t)(p - x) + n;
		const char *end = sml_cdata_end(x + pos, len - pos);
		if (end == NULL)
			break; /* the encoder says so */
		ret = sml_strtbl_count(t, x + pos, (size_t)(end - (x + pos)));
		pos = (size_t)(end - x) + 3;
	}
	return ret;
}

int sml_wbxml_encode(const char *xml, size_t len, unsigned flags,
		     struct ob_buf *out, struct ob_err *err)
{
	struct enc e = {.x = xml, .len = len, .out = out, .err = err};
	struct ob_buf body;
	struct stag root;
	int ret = 0;

	ob_buf_init(&e.text, out->cap);
	ob_buf_init(&body, out->cap);
	if (flags & SML_WBXML_STRTBL) {
		ret = sml_strtbl_new(&e.tbl);
		if (ret == 0)
			ret = count_cdata(e.tbl, xml, len);
		if (ret != 0)
			goto out;
		e.out = &body; /* the table goes before it */
	}
	/* an XML declaration, then the root */
	while (e.pos < e.len && is_space(e.x[e.pos]))
		e.pos++;
	if (at(&e, "<?xml")) {
		const char *q = memmem(e.x + e.pos, e.len - e.pos, "?>", 2);
		if (q == NULL) {
			ret = fail(&e, "unterminated XML declaration");
			goto out;
		}
		e.pos = (size_t)(q - e.x) + 2;
		while (e.pos < e.len && is_space(e.x[e.pos]))
			e.pos++;
	}
	if (!at(&e, "<") || at(&e, "</") || at(&e, "<!") || at(&e, "<?")) {
		ret = fail(&e, "no root element");
		goto out;
	}
	ret = start_tag(&e, &root);
	if (ret != 0)
		goto out;
	if (root.name_len != 6 || memcmp(root.name, "SyncML", 6) != 0) {
		ret = fail(&e, "root element is not SyncML");
		goto out;
	}
	e.pubid = pubid_of(&root);
	if (e.tbl == NULL)
		ret = header(out, e.pubid, "", 0);
	if (ret == 0)
		ret = element(&e, &root, NS_SYNCML, 0);
	while (ret == 0 && e.pos < e.len && is_space(e.x[e.pos]))
		e.pos++;
	if (ret == 0 && e.pos < e.len)
		ret = fail(&e, "data after the root element");
	if (ret == 0 && e.tbl != NULL) {
		size_t tl;
		const char *tbl = sml_strtbl_data(e.tbl, &tl);
		ret = header(out, e.pubid, tbl, tl);
		if (ret == 0)
			ret = ob_buf_add(out, body.data, body.len);
	}
out:
	if (ret == OB_E_LIMIT)
		ob_err_set(err, ret, "WBXML message over %zu bytes", out->cap);
	else if (ret == OB_E_NOMEM)
		ob_err_set(err, ret, "out of memory");
	sml_strtbl_free(&e.tbl);
	ob_buf_deinit(&body);
	ob_buf_deinit(&e.text);
	return ret;
}
