/* BER reader and writer for LDAP (X.690 §8, RFC 4511 §5.1). The reader
 * checks each header against the bytes left before trusting it; the
 * writer writes one-octet placeholder lengths and widens them on close,
 * so nested sequences need no second pass and lengths stay minimal. */
#include "config.h"
#include "ldap/ber.h"
#include "util/err.h"

#include <string.h>

void ber_reader_init(struct ber_reader *r, const void *p, size_t len)
{
	r->p = p;
	r->end = r->p + len;
	r->depth = 0;
	r->why = NULL;
}

bool ber_at_end(const struct ber_reader *r)
{
	return r->p >= r->end;
}

int ber_peek(const struct ber_reader *r)
{
	return r->p < r->end ? r->p[0] : -1;
}

static int fail(struct ber_reader *r, const char *why)
{
	r->why = why;
	return OB_E_PARSE;
}

/* Parse the header at p (n bytes left): tag, content offset and length. */
static int header(struct ber_reader *r, const unsigned char *p, size_t n,
		  unsigned char *tag_r, size_t *hdr_r, size_t *len_r)
{
	unsigned char tag, l;
	size_t len = 0, hdr;

	if (n < 2)
		return fail(r, "element truncated");
	tag = p[0];
	if ((tag & 0x1f) == 0x1f)
		return fail(r, "high tag number");
	l = p[1];
	if (l < 0x80) {
		len = l;
		hdr = 2;
	} else if (l == 0x80) {
		return fail(r, "indefinite length");
	} else {
		unsigned k = l & 0x7f;

		if (k > 4)
			return fail(r, "length of more than 4 octets");
		if (n - 2 < k)
			return fail(r, "length truncated");
		for (unsigned i = 0; i < k; i++)
			len = (len << 8) | p[2 + i];
		hdr = 2 + k;
	}
	if (len > n - hdr)
		return fail(r, "length past the end");
	if ((tag & 0xc0) == 0) { /* universal */
		unsigned num = tag & 0x1f;
		bool cons = (tag & BER_CONSTRUCTED) != 0;

		if ((num == 16 || num == 17) && !cons)
			return fail(r, "primitive SEQUENCE or SET");
		if ((num == 1 || num == 2 || num == 4 || num == 5 ||
		     num == 10) &&
		    cons)
			return fail(r, "constructed form of a primitive type");
		if (num == 5 && len != 0)
			return fail(r, "NULL with content");
	}
	*tag_r = tag;
	*hdr_r = hdr;
	*len_r = len;
	return 0;
}

int ber_next(struct ber_reader *r, struct ber_elem *e)
{
	size_t hdr, len;
	unsigned char tag;
	int ret;

	if (r->p >= r->end)
		return fail(r, "element missing");
	ret = header(r, r->p, (size_t)(r->end - r->p), &tag, &hdr, &len);
	if (ret < 0)
		return ret;
	e->tag = tag;
	e->p = r->p + hdr;
	e->len = len;
	r->p += hdr + len;
	return 0;
}

int ber_expect(struct ber_reader *r, unsigned char tag, struct ber_elem *e)
{
	int ret = ber_next(r, e);

	if (ret < 0)
		return ret;
	if (e->tag != tag)
		return fail(r, "unexpected tag");
	return 0;
}

int ber_enter(struct ber_reader *parent, const struct ber_elem *e,
	      struct ber_reader *sub)
{
	if (!(e->tag & BER_CONSTRUCTED))
		return fail(parent, "primitive element where constructed "
				    "expected");
	if (parent->depth + 1 > BER_MAX_DEPTH)
		return fail(parent, "elements nested too deep");
	ber_reader_init(sub, e->p, e->len);
	sub->depth = parent->depth + 1;
	return 0;
}

int ber_count(struct ber_reader *r, size_t *n_r)
{
	struct ber_reader c = *r;
	struct ber_elem e;
	size_t n = 0;

	*n_r = 0;
	while (!ber_at_end(&c)) {
		int ret = ber_next(&c, &e);

		if (ret < 0) {
			r->why = c.why; /* the caller's reader says why */
			return ret;
		}
		n++;
	}
	*n_r = n;
	return 0;
}

int ber_int(struct ber_reader *r, const struct ber_elem *e, int32_t *v_r)
{
	uint32_t v;

	if (e->tag & BER_CONSTRUCTED)
		return fail(r, "constructed INTEGER");
	if (e->len == 0)
		return fail(r, "INTEGER without content");
	if (e->len > 4)
		return fail(r, "INTEGER over 32 bits");
	v = (e->p[0] & 0x80) ? 0xffffffffu : 0;
	for (size_t i = 0; i < e->len; i++)
		v = (v << 8) | e->p[i];
	/* two's complement to int32 without implementation-defined casts */
	*v_r = v <= INT32_MAX ? (int32_t)v
			      : (int32_t)(v - INT32_MAX - 1) + INT32_MIN;
	return 0;
}

int ber_bool(struct ber_reader *r, const struct ber_elem *e, bool *v_r)
{
	if (e->tag & BER_CONSTRUCTED)
		return fail(r, "constructed BOOLEAN");
	if (e->len != 1)
		return fail(r, "BOOLEAN not of one octet");
	*v_r = e->p[0] != 0;
	return 0;
}

/* Writer */

void ber_w_init(struct ber_w *w, struct ob_buf *out)
{
	w->out = out;
	w->mark = out->len;
	w->depth = 0;
	w->err = 0;
}

static void put(struct ber_w *w, const void *p, size_t len)
{
	if (w->err == 0)
		w->err = ob_buf_add(w->out, p, len);
}

/* Tag and the minimal length octets for a content of len bytes. */
static size_t head(unsigned char *h, unsigned char tag, size_t len)
{
	size_t n = 0;

	h[n++] = tag;
	if (len < 0x80) {
		h[n++] = (unsigned char)len;
	} else {
		unsigned k = 0;

		for (size_t l = len; l > 0; l >>= 8)
			k++;
		h[n++] = (unsigned char)(0x80 | k);
		while (k-- > 0)
			h[n++] = (unsigned char)(len >> (8 * k));
	}
	return n;
}

void ber_w_open(struct ber_w *w, unsigned char tag)
{
	unsigned char h[2] = {tag, 0};

	if (w->err != 0)
		return;
	if (w->depth == BER_W_DEPTH) {
		w->err = OB_E_INVAL;
		return;
	}
	put(w, h, 2);
	if (w->err == 0)
		w->open[w->depth++] = w->out->len - 1;
}

int ber_fix_len(struct ob_buf *b, size_t len_off)
{
	size_t clen = b->len - len_off - 1, k = 0;
	unsigned char h[16];
	int ret;

	if (clen < 0x80) {
		b->data[len_off] = (char)clen;
		return 0;
	}
	k = head(h, 0, clen) - 2; /* extra length octets */
	ret = ob_buf_reserve(b, k);
	if (ret < 0)
		return ret;
	memmove(b->data + len_off + 1 + k, b->data + len_off + 1, clen);
	memcpy(b->data + len_off, h + 1, k + 1);
	b->len += k;
	b->data[b->len] = '\0';
	return 0;
}

void ber_w_close(struct ber_w *w)
{
	if (w->err != 0)
		return;
	if (w->depth == 0) {
		w->err = OB_E_INVAL;
		return;
	}
	w->err = ber_fix_len(w->out, w->open[--w->depth]);
}

void ber_w_octets(struct ber_w *w, unsigned char tag, const void *p, size_t len)
{
	unsigned char h[16];

	if (w->err != 0)
		return;
	/* one reservation so a failure cannot leave half an element */
	w->err = ob_buf_reserve(w->out, head(h, tag, len) + len);
	put(w, h, head(h, tag, len));
	if (len > 0)
		put(w, p, len);
}

void ber_w_int(struct ber_w *w, unsigned char tag, int64_t v)
{
	unsigned char b[8];
	size_t n = 8, i = 0;
	uint64_t u = (uint64_t)v;

	for (int k = 7; k >= 0; k--)
		b[7 - k] = (unsigned char)(u >> (8 * k));
	/* drop leading octets that only repeat the sign (X.690 §8.3.2) */
	while (n - i > 1 && ((b[i] == 0x00 && !(b[i + 1] & 0x80)) ||
			     (b[i] == 0xff && (b[i + 1] & 0x80))))
		i++;
	ber_w_octets(w, tag, b + i, n - i);
}

void ber_w_bool(struct ber_w *w, unsigned char tag, bool v)
{
	unsigned char b = v ? 0xff : 0x00;

	ber_w_octets(w, tag, &b, 1);
}

void ber_w_raw(struct ber_w *w, const void *p, size_t len)
{
	if (len > 0)
		put(w, p, len);
}

int ber_w_finish(struct ber_w *w)
{
	if (w->err == 0 && w->depth != 0)
		w->err = OB_E_INVAL;
	if (w->err != 0 && w->out->len > w->mark) {
		w->out->len = w->mark;
		w->out->data[w->mark] = '\0';
	}
	return w->err;
}
