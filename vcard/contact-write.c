/* A directory person straight to vCard text (see vcard-private.h).
 *
 * The general way builds a card model from the contact (contact.c) and
 * writes it (write.c). For the cards a sync sends by the hundred thousand
 * (2.1 or 3.0, the standard dialect, no photo) this file writes the same
 * bytes directly: the properties and their order are contact.c's, the
 * escaping is write.c's rules, its quoted-printable and folding its own
 * functions, into its fixed-buffer sink. Anything
 * else is left to the general way, and the tests compare the two on
 * generated and fuzzed contacts. */
#include "config.h"

#include "vcard/vcard-private.h"

#include <stdlib.h>
#include <string.h>

#define FOLD_AT 75
#define QP_PREFIX ";CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:"

/* vc_sput for this file's fixed sink, inlined: it runs for every run of
 * plain bytes and every escape of every card. */
static inline void put(struct vc_sink *o, const char *s, size_t n)
{
	if (o->len <= o->cap && n <= o->cap - o->len)
		memcpy(o->p + o->len, s, n);
	o->len += n; /* past cap: counting, as vc_sput does */
}

static void puts_(struct vc_sink *o, const char *s)
{
	put(o, s, strlen(s));
}

/* What a byte is to the escaper: it ends a plain run (SPECIAL), it needs
 * quoted-printable in 2.1 (QP: controls and 0x7f up), it is not ASCII. */
enum { QP = 1, HIGH = 2, SPECIAL = 4 };

/* by byte: 0x00-0x1f QP, NUL \r \n also SPECIAL; , ; \\ SPECIAL; 0x7f
 * QP; 0x80-0xff QP|HIGH */
static const unsigned char byte_class[256] = {
	5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 5, 1, 1, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
};

/* v escaped as write.c's text_value does (2.1: \ before ; and list
 * commas, a backslash doubled before \ ; , or the end; 3.0: \\ \; \, and
 * line breaks as \n). Returns the QP and HIGH bits of what it wrote. */
static unsigned escape(struct vc_sink *o, const char *v, bool v21, bool list)
{
	const unsigned char *s = (const unsigned char *)v;
	unsigned f = 0;

	for (;;) {
		const unsigned char *r = s;
		unsigned char t;

		while (!((t = byte_class[*r]) & SPECIAL)) {
			f |= t;
			r++;
		}
		put(o, (const char *)s, (size_t)(r - s));
		s = r;
		switch (*s) {
		case '\0':
			return f;
		case '\\':
			if (!v21 || s[1] == '\\' || s[1] == ';' ||
			    s[1] == ',' || s[1] == '\0')
				put(o, "\\\\", 2);
			else
				put(o, "\\", 1);
			break;
		case ';':
			put(o, "\\;", 2);
			break;
		case ',':
			/* 3.0 escapes every comma of these (non-URI) values */
			if (!v21 || list)
				put(o, "\\,", 2);
			else
				put(o, ",", 1);
			break;
		case '\r':
			if (v21) {
				put(o, "\r", 1);
				f |= QP;
				break;
			}
			if (s[1] == '\n')
				s++; /* CRLF is one line break */
			put(o, "\\n", 2);
			break;
		default: /* '\n' */
			if (v21) {
				put(o, "\n", 1);
				f |= QP;
			} else {
				put(o, "\\n", 2);
			}
		}
		s++;
	}
}

/* A copy of o->p[from..o->len) that survives rewriting that range:
 * in buf when it fits, else on the heap (*heap to free). */
static const unsigned char *copy_tail(const struct vc_sink *o, size_t from,
				      unsigned char *buf, size_t size,
				      unsigned char **heap)
{
	size_t n = o->len - from;
	unsigned char *d = n <= size ? buf : malloc(n ? n : 1);

	*heap = d != buf ? d : NULL;
	if (d != NULL)
		memcpy(d, o->p + from, n);
	return d;
}

/* One property: head is the name with its parameters as written ("TEL;
 * WORK;VOICE"), then the n values joined with sep. Returns -1 when a
 * value is not UTF-8 or memory runs out (the general way says so). */
static int prop(struct vc_sink *o, bool v21, const char *head,
		const char *const *vals, size_t n, bool list)
{
	size_t start = o->len, mark;
	unsigned f = 0;
	unsigned char stack[1024], *heap;
	const unsigned char *v;

	puts_(o, head);
	mark = o->len;
	put(o, ":", 1);
	for (size_t k = 0; k < n; k++) {
		if (k > 0)
			put(o, list ? "," : ";", 1);
		f |= escape(o, vals[k] != NULL ? vals[k] : "", v21, list);
	}
	if (o->len > o->cap)
		return 0; /* no room: nothing more to look at */
	if ((f & HIGH) && !vc_utf8_valid(o->p + mark + 1, o->len - mark - 1))
		return -1;
	if (v21) {
		if (!(f & QP)) {
			put(o, "\r\n", 2);
			return 0;
		}
		v = copy_tail(o, mark + 1, stack, sizeof(stack), &heap);
		if (v == NULL)
			return -1;
		size_t vlen = o->len - mark - 1;
		o->len = mark;
		puts_(o, QP_PREFIX);
		vc_qp_encode(o, (const char *)v, vlen, o->len - start, false);
		free(heap);
		return 0;
	}
	size_t len = o->len - start;
	if (len <= FOLD_AT) {
		put(o, "\r\n", 2);
		return 0;
	}
	v = copy_tail(o, start, stack, sizeof(stack), &heap);
	if (v == NULL)
		return -1;
	o->len = start;
	vc_emit_folded(o, (const char *)v, len, NULL);
	free(heap);
	return 0;
}

static bool empty(const char *s)
{
	return s == NULL || *s == '\0';
}

static int one(struct vc_sink *o, bool v21, const char *head, const char *v)
{
	return prop(o, v21, head, &v, 1, false);
}

static bool standard(const struct vcard_dialect *d)
{
	return d == NULL || (!d->no_fold && !d->qp_unfolded && !d->latin1 &&
			     d->org_max == 0 && d->n_limits == 0);
}

/* The TEL head for a phone type, as contact.c types it. */
static const char *tel_head(enum vcard_phone_type t, bool v21)
{
	switch (t) {
	case VCARD_PHONE_WORK:
		return v21 ? "TEL;WORK;VOICE" : "TEL;TYPE=WORK,VOICE";
	case VCARD_PHONE_CELL:
		return v21 ? "TEL;CELL" : "TEL;TYPE=CELL";
	case VCARD_PHONE_HOME:
		return v21 ? "TEL;HOME;VOICE" : "TEL;TYPE=HOME,VOICE";
	case VCARD_PHONE_FAX:
		return v21 ? "TEL;WORK;FAX" : "TEL;TYPE=WORK,FAX";
	case VCARD_PHONE_OTHER:
		return v21 ? "TEL;VOICE" : "TEL;TYPE=VOICE";
	}
	return "TEL";
}

static int body(struct vc_sink *o, const struct vcard_contact *ct, bool v21)
{
	const char *n[5] = {ct->family, ct->given, "", "", ""};
	int ret = prop(o, v21, "N", n, 5, false);
	char *fn = NULL;

	if (ret == 0) {
		const char *shown = ct->display;
		if (empty(shown))
			shown = fn = vc_contact_display(ct);
		if (shown == NULL)
			ret = -1;
		else if (!empty(shown) || !v21)
			ret = one(o, v21, "FN", shown);
		free(fn);
	}
	if (ret == 0 && !empty(ct->phonetic_family))
		ret = one(o, v21, "X-PHONETIC-LAST-NAME", ct->phonetic_family);
	if (ret == 0 && !empty(ct->phonetic_given))
		ret = one(o, v21, "X-PHONETIC-FIRST-NAME", ct->phonetic_given);
	if (ret == 0 && ct->n_org > 0)
		ret = prop(o, v21, "ORG", ct->org, ct->n_org, false);
	if (ret == 0 && !empty(ct->title))
		ret = one(o, v21, "TITLE", ct->title);
	for (size_t i = 0; ret == 0 && i < ct->n_phones; i++)
		if (!empty(ct->phones[i].number))
			ret = one(o, v21, tel_head(ct->phones[i].type, v21),
				  ct->phones[i].number);
	for (size_t i = 0; ret == 0 && i < ct->n_emails; i++)
		if (!empty(ct->emails[i]))
			ret = one(o, v21,
				  v21 ? "EMAIL;INTERNET"
				      : "EMAIL;TYPE=INTERNET",
				  ct->emails[i]);
	const struct vcard_address *a = &ct->adr;
	const char *adr[7] = {a->pobox,  a->extended, a->street, a->locality,
			      a->region, a->postcode, a->country};
	bool any = false;
	for (int i = 0; i < 7; i++)
		any |= !empty(adr[i]);
	if (ret == 0 && any)
		ret = prop(o, v21, v21 ? "ADR;WORK" : "ADR;TYPE=WORK", adr, 7,
			   false);
	if (ret == 0 && !empty(ct->note))
		ret = one(o, v21, "NOTE", ct->note);
	if (ret == 0 && !empty(ct->uid))
		ret = one(o, v21, "UID", ct->uid);
	if (ret == 0 && ct->rev != 0) {
		char rev[32];
		vc_rev_string(ct->rev, v21 ? VCARD_V21 : VCARD_V30, rev,
			      sizeof(rev));
		ret = one(o, v21, "REV", rev);
	}
	if (ret == 0 && ct->n_categories > 0)
		ret = prop(o, v21, "CATEGORIES", ct->categories,
			   ct->n_categories, true);
	return ret;
}

int vc_contact_write_direct(const struct vcard_contact *ct,
			    const struct vcard_contact_options *opt, char *buf,
			    size_t size, size_t *len_r)
{
	struct vc_sink o = {.p = buf, .cap = size, .fixed = true};
	bool v21 = opt->version == VCARD_V21;

	if ((!v21 && opt->version != VCARD_V30) || !standard(opt->dialect))
		return 1;
	if (opt->include_photo && ct->photo != NULL && ct->photo_len > 0 &&
	    (opt->max_photo_bytes == 0 ||
	     ct->photo_len <= opt->max_photo_bytes))
		return 1;
	puts_(&o, v21 ? "BEGIN:VCARD\r\nVERSION:2.1\r\n"
		      : "BEGIN:VCARD\r\nVERSION:3.0\r\n");
	if (body(&o, ct, v21) != 0 || o.len > o.cap)
		return 1;
	puts_(&o, "END:VCARD\r\n");
	if (o.len > o.cap)
		return 1;
	*len_r = o.len;
	return 0;
}
