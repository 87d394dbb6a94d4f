/* ldap/ber: the small subset of ASN.1 BER (X.690) that LDAPv3 uses
 * (RFC 4511 §5.1), read from a byte range and written into a capped
 * ob_buf.
 *
 * Promises:
 * - the reader never reads outside the range it was given; it refuses
 *   (OB_E_PARSE, r->why says what) high tag numbers, indefinite lengths,
 *   lengths of more than 4 octets or past the end of the enclosing
 *   element, a universal SEQUENCE or SET in primitive form and a
 *   universal BOOLEAN, INTEGER, OCTET STRING, NULL or ENUMERATED in
 *   constructed form (RFC 4511 §5.1 allows only the primitive form),
 *   INTEGERs and ENUMERATEDs of more than 4 octets and BOOLEANs not of
 *   exactly one octet; it nests at most BER_MAX_DEPTH elements deep;
 * - the writer emits the minimal definite length of every element
 *   (a nested element's length is fixed up when it is closed, moving
 *   its content if the length needs more than one octet) and, when a
 *   step fails (OB_E_LIMIT at the buffer's cap, OB_E_NOMEM), leaves the
 *   buffer exactly as it was when the writer started.
 * Never: allocates while reading, logs, knows what LDAP means by a tag. */
#ifndef LDAP_BER_H
#define LDAP_BER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define BER_MAX_DEPTH 48 /* reader: elements nested in one another */
#define BER_W_DEPTH 8    /* writer: elements open at once */

/* Tag octets (class, constructed bit and number in one octet). */
#define BER_BOOLEAN 0x01
#define BER_INTEGER 0x02
#define BER_OCTETS 0x04
#define BER_NULL 0x05
#define BER_ENUM 0x0a
#define BER_SEQUENCE 0x30
#define BER_SET 0x31
#define BER_CONSTRUCTED 0x20
#define BER_APP(n) (0x40 | (n))
#define BER_CTX(n) (0x80 | (n))

/* A reader over [p, end): the content of one element (or a whole PDU). */
struct ber_reader {
	const unsigned char *p, *end;
	unsigned depth;  /* of the element whose content this is */
	const char *why; /* set with every OB_E_PARSE (static text) */
};

/* One element read: its tag octet and content. */
struct ber_elem {
	unsigned char tag;
	const unsigned char *p; /* content, len bytes; inside the reader */
	size_t len;
};

/* Read over [p, p + len). */
void ber_reader_init(struct ber_reader *r, const void *p, size_t len);

/* True when every byte of the range has been read. */
bool ber_at_end(const struct ber_reader *r);

/* The tag octet of the next element, or -1 at the end. Reads nothing. */
int ber_peek(const struct ber_reader *r);

/* Read the next element (header checked as above) and step past it.
 * 0 or OB_E_PARSE (at the end too). */
int ber_next(struct ber_reader *r, struct ber_elem *e);

/* ber_next and insist on the tag octet (OB_E_PARSE otherwise). */
int ber_expect(struct ber_reader *r, unsigned char tag, struct ber_elem *e);

/* A reader over a constructed element's content, one level deeper.
 * OB_E_PARSE when e is primitive or the nesting passes BER_MAX_DEPTH;
 * parent->why gets the reason. */
int ber_enter(struct ber_reader *parent, const struct ber_elem *e,
	      struct ber_reader *sub);

/* The number of elements left in r (headers only; r does not move, only
 * r->why is set on failure), so that an array can be sized before it is
 * filled. OB_E_PARSE as ber_next. */
int ber_count(struct ber_reader *r, size_t *n_r);

/* Content readers: e must be primitive (the tag itself is the caller's
 * business). INTEGER/ENUMERATED: 1 to 4 octets, two's complement.
 * BOOLEAN: one octet, anything but 0 is true. */
int ber_int(struct ber_reader *r, const struct ber_elem *e, int32_t *v_r);
int ber_bool(struct ber_reader *r, const struct ber_elem *e, bool *v_r);

/* A writer appending to out. Every step is skipped once one failed
 * (w->err keeps the first error); ber_w_finish reports it. */
struct ber_w {
	struct ob_buf *out;
	size_t mark;              /* out->len when the writer started */
	size_t open[BER_W_DEPTH]; /* length octet of each open element */
	unsigned depth;
	int err;
};

void ber_w_init(struct ber_w *w, struct ob_buf *out);
/* Open a constructed element (tag should have BER_CONSTRUCTED). */
void ber_w_open(struct ber_w *w, unsigned char tag);
/* Close the innermost open element, fixing up its length. */
void ber_w_close(struct ber_w *w);
void ber_w_int(struct ber_w *w, unsigned char tag, int64_t v);
void ber_w_bool(struct ber_w *w, unsigned char tag, bool v);
void ber_w_octets(struct ber_w *w, unsigned char tag, const void *p,
		  size_t len);
/* Bytes already encoded (whole elements). */
void ber_w_raw(struct ber_w *w, const void *p, size_t len);
/* 0 when every step worked and every element was closed; else the first
 * error (an element left open is OB_E_INVAL) and out is as it was at
 * ber_w_init. */
int ber_w_finish(struct ber_w *w);

/* The low-level step under ber_w_close, for writers that keep elements
 * open across calls: len_off is the offset of a one-octet placeholder
 * length in b, the content runs from len_off + 1 to b->len. Rewrites
 * the length minimally. 0, OB_E_LIMIT (cap) or OB_E_NOMEM, b unchanged
 * on failure. */
int ber_fix_len(struct ob_buf *b, size_t len_off);

#endif
