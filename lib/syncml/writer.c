/* The XML element writer (see writer.h). */
#include "config.h"
#include "syncml/writer.h"

#include <inttypes.h>
#include <string.h>

#include "util/err.h"
#include "util/str.h"

void sml_writer_init(struct sml_writer *w, size_t cap)
{
	memset(w, 0, sizeof(*w));
	ob_buf_init(&w->buf, cap);
}

void sml_writer_deinit(struct sml_writer *w)
{
	ob_buf_deinit(&w->buf);
	w->depth = 0;
	w->error = 0;
}

void sml_writer_reset(struct sml_writer *w)
{
	ob_buf_reset(&w->buf);
	w->depth = 0;
	w->error = 0;
}

static void check(struct sml_writer *w, int ret)
{
	if (ret != 0 && w->error == 0)
		w->error = ret;
}

/* "<name>", "<name xmlns="ns">", "</name>" or "<name/>" without printf
 * (it ran for every element of every message). */
static void tag(struct sml_writer *w, bool end, const char *name,
		const char *ns, bool empty)
{
	size_t n = strlen(name);
	size_t m = ns != NULL ? strlen(ns) : 0;
	char small[128];

	if (n + m + 12 > sizeof(small)) {
		check(w, ob_buf_addf(&w->buf, "<%s%s%s%s%s%s>", end ? "/" : "",
				     name, ns != NULL ? " xmlns=\"" : "",
				     ns != NULL ? ns : "",
				     ns != NULL ? "\"" : "", empty ? "/" : ""));
		return;
	}
	size_t k = 0;
	small[k++] = '<';
	if (end)
		small[k++] = '/';
	memcpy(small + k, name, n);
	k += n;
	if (ns != NULL) {
		memcpy(small + k, " xmlns=\"", 8);
		k += 8;
		memcpy(small + k, ns, m);
		k += m;
		small[k++] = '"';
	}
	if (empty)
		small[k++] = '/';
	small[k++] = '>';
	check(w, ob_buf_add(&w->buf, small, k));
}

void sml_writer_open(struct sml_writer *w, const char *name, const char *ns)
{
	if (w->error != 0)
		return;
	if (w->depth >= SML_WRITER_DEPTH) {
		w->error = OB_E_LIMIT;
		return;
	}
	w->stack[w->depth++] = name;
	tag(w, false, name, ns, false);
}

void sml_writer_close(struct sml_writer *w)
{
	if (w->error != 0)
		return;
	OB_ASSERT(w->depth > 0);
	tag(w, true, w->stack[--w->depth], NULL, false);
}

int sml_xml_escape(struct ob_buf *buf, const char *text, size_t len)
{
	size_t start = 0;
	int ret = 0;
	for (size_t i = 0; i < len && ret == 0;) {
		const char *rep = NULL;
		unsigned char ch = (unsigned char)text[i];
		size_t n = 1;
		if (ch == '&') {
			rep = "&amp;";
		} else if (ch == '<') {
			rep = "&lt;";
		} else if (ch == '>') {
			rep = "&gt;";
		} else if (ch < 0x20 && ch != '\t' && ch != '\n' &&
			   ch != '\r') {
			rep = "?"; /* not allowed in XML 1.0 at all */
		} else if (ch >= 0x80) {
			/* Text echoed from a client may be any bytes: what is
			 * not UTF-8 becomes '?', so our reply is always
			 * well-formed. */
			uint32_t cp;
			n = ob_utf8_decode(text + i, len - i, &cp);
			if (n == 0 || cp == 0xFFFE || cp == 0xFFFF) {
				rep = "?";
				n = 1;
			}
		}
		if (rep == NULL) {
			i += n;
			continue;
		}
		ret = ob_buf_add(buf, text + start, i - start);
		if (ret == 0)
			ret = ob_buf_add_str(buf, rep);
		i += n;
		start = i;
	}
	if (ret == 0)
		ret = ob_buf_add(buf, text + start, len - start);
	return ret;
}

void sml_writer_textn(struct sml_writer *w, const char *name, const char *text,
		      size_t len)
{
	if (w->error != 0 || text == NULL)
		return;
	tag(w, false, name, NULL, false);
	if (w->error == 0)
		check(w, sml_xml_escape(&w->buf, text, len));
	if (w->error == 0)
		tag(w, true, name, NULL, false);
}

void sml_writer_text(struct sml_writer *w, const char *name, const char *text)
{
	if (text != NULL)
		sml_writer_textn(w, name, text, strlen(text));
}

void sml_writer_text_ns(struct sml_writer *w, const char *name, const char *ns,
			const char *text)
{
	if (w->error != 0 || text == NULL)
		return;
	tag(w, false, name, ns, false);
	if (w->error == 0)
		check(w, sml_xml_escape(&w->buf, text, strlen(text)));
	if (w->error == 0)
		tag(w, true, name, NULL, false);
}

void sml_writer_uint(struct sml_writer *w, const char *name, uint64_t v)
{
	if (w->error != 0)
		return;
	char num[24];
	size_t k = sizeof(num);
	do {
		num[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	tag(w, false, name, NULL, false);
	if (w->error == 0)
		check(w, ob_buf_add(&w->buf, num + k, sizeof(num) - k));
	if (w->error == 0)
		tag(w, true, name, NULL, false);
}

void sml_writer_empty(struct sml_writer *w, const char *name)
{
	if (w->error != 0)
		return;
	tag(w, false, name, NULL, true);
}

const char *sml_cdata_end(const char *p, size_t len)
{
	/* memchr for the rare ']' is many times faster than memmem here */
	const char *end = p + len;
	while (len >= 3) {
		const char *b = memchr(p, ']', len - 2);
		if (b == NULL)
			return NULL;
		if (b[1] == ']' && b[2] == '>')
			return b;
		p = b + 1;
		len = (size_t)(end - p);
	}
	return NULL;
}

void sml_writer_cdata(struct sml_writer *w, const char *name, const char *data,
		      size_t len)
{
	if (w->error != 0)
		return;
	tag(w, false, name, NULL, false);
	check(w, ob_buf_add(&w->buf, "<![CDATA[", 9));
	size_t start = 0;
	const char *hit;
	while (w->error == 0 &&
	       (hit = sml_cdata_end(data + start, len - start)) != NULL) {
		/* End the section between "]]" and ">" and reopen it. */
		size_t i = (size_t)(hit - data);
		check(w, ob_buf_add(&w->buf, data + start, i + 2 - start));
		check(w, ob_buf_add_str(&w->buf, "]]><![CDATA["));
		start = i + 2;
	}
	if (w->error == 0)
		check(w, ob_buf_add(&w->buf, data + start, len - start));
	if (w->error == 0)
		check(w, ob_buf_add(&w->buf, "]]>", 3));
	if (w->error == 0)
		tag(w, true, name, NULL, false);
}

void sml_writer_raw(struct sml_writer *w, const char *xml, size_t len)
{
	if (w->error != 0)
		return;
	check(w, ob_buf_add(&w->buf, xml, len));
}

int sml_writer_error(const struct sml_writer *w)
{
	return w->error;
}

const char *sml_writer_data(const struct sml_writer *w, size_t *len_r)
{
	*len_r = w->buf.len;
	return ob_buf_str(&w->buf);
}
