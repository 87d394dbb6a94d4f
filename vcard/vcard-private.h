/* libvcard internals shared by card.c, parse.c, write.c and contact.c.
 * Not installed, not for other components: vcard.h is the public header. */
#ifndef VCARD_PRIVATE_H
#define VCARD_PRIVATE_H

#include "vcard/vcard.h"

#include <stdarg.h>

/* Longest group, property or parameter name the parser accepts. */
#define VC_NAME_MAX 64

/* Bump allocator owning every string and array of one card. */
struct vc_arena {
	struct vc_block *head;
	char *cur;
	size_t left;
};

void *vc_alloc(struct vcard *card, size_t size);
char *vc_strndup(struct vcard *card, const char *s, size_t len);
/* Capacity-tracked props array of a card (struct vc_priv). */
int vc_props_reserve(struct vcard *card, size_t n);
struct vcard_prop *vc_props_push(struct vcard *card);

/* vcard_prop_add_value without the copy: the card keeps the pointer, so
 * value must outlive it (contact.c's write path, which frees the card
 * before returning). */
int vc_prop_add_value_ref(struct vcard *card, struct vcard_prop *prop,
			  const char *value);

/* A TYPE parameter value, kept by pointer likewise: value is a literal of
 * contact.c (upper-case ASCII). */
int vc_prop_add_type_ref(struct vcard *card, struct vcard_prop *prop,
			 const char *value);

bool vc_utf8_valid(const char *s, size_t len);
bool vc_name_char(unsigned char c);
/* A non-empty name of name characters, at most VC_NAME_MAX long. */
bool vc_valid_name(const char *s);
int vc_error(struct vcard_error *err, int code, size_t line, const char *prop,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* What a property's (upper-case) name says of its values, as bits:
 * VC_LIST split at ',' instead of ';'; VC_URI not text-escaped for ',';
 * VC_MEDIA data: URIs decoded to binary. */
enum { VC_LIST = 1, VC_URI = 2, VC_MEDIA = 4 };
unsigned vc_prop_class(const char *name);
/* Values of these properties are split at ',' instead of ';'. */
bool vc_is_list_prop(const char *name);
/* Properties whose URI values are not text-escaped for ','. */
bool vc_is_uri_prop(const char *name);
/* Properties whose data: URI values are decoded to binary. */
bool vc_is_media_prop(const char *name);

/* write.c's output: a caller's fixed buffer (fixed: counting on past its
 * end, so len > cap says how much was needed), or a growing one that
 * starts in caller storage (heap false) and moves to the heap when it
 * outgrows it. */
struct vc_sink {
	char *p;
	size_t len, cap;
	bool fixed, nomem, heap;
};

void vc_sput(struct vc_sink *s, const char *d, size_t n);
/* s[0..len) as quoted-printable with soft breaks at 75 octets (none when
 * no_fold), col the line's length so far, then CRLF. */
void vc_qp_encode(struct vc_sink *out, const char *s, size_t len, size_t col,
		  bool no_fold);
/* The line l[0..len) folded at 75 octets (never in a UTF-8 sequence;
 * not at all when the dialect says no_fold), then CRLF. */
void vc_emit_folded(struct vc_sink *out, const char *l, size_t len,
		    const struct vcard_dialect *d);

/* contact.c: a contact's FN when it has no display name (names in their
 * script's order, else the company): a heap string, NULL when out of
 * memory. REV's text in 2.1 or 3.0 form. */
char *vc_contact_display(const struct vcard_contact *ct);
void vc_rev_string(int64_t t, enum vcard_version ver, char *buf, size_t size);

/* contact-write.c: vcard_contact_write for the common case (2.1 or 3.0,
 * the standard dialect, no photo in the card) without building a card,
 * the same bytes. 0 when written; 1 when not taken (another case, no
 * room, invalid UTF-8): the caller goes the general way, which says
 * why. */
int vc_contact_write_direct(const struct vcard_contact *ct,
			    const struct vcard_contact_options *opt, char *buf,
			    size_t size, size_t *len_r);

size_t vc_base64_decode(const char *in, size_t len, unsigned char *out,
			bool *ok);
#endif
