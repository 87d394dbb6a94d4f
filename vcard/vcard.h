/* vCard 2.1 / 3.0 / 4.0: model, streaming parser, writer, directory mapping.
 *
 * The one public header of libvcard. It stands alone: no lib/util types, no
 * I/O, no logging. Inputs are byte ranges, outputs are caller buffers or heap
 * strings the caller frees. Specs: vCard 2.1 (versit, 1996), RFC 2425/2426
 * (3.0), RFC 6350 (4.0), RFC 6868 (parameter value encoding), RFC 2045 6.7
 * (quoted-printable) and RFC 2397 (data: URIs).
 *
 * Model: a card is an ordered list of properties. A property has an optional
 * group (`item1` in `item1.TEL`), an upper-case name, ordered parameters
 * (upper-case name -> list of values) and a list of values. Text values are
 * NUL-terminated valid UTF-8 without NUL bytes; line breaks are "\n". Values
 * are the components split at unescaped ';' (N, ADR, ORG, and any other
 * property), except CATEGORIES and NICKNAME whose values are split at
 * unescaped ','. A binary property (PHOTO;ENCODING=b, data: URIs of PHOTO,
 * LOGO, SOUND, KEY) holds the decoded bytes in values[0], bin_len long.
 * BEGIN, END and VERSION are not properties (the version is card->version);
 * ENCODING and CHARSET are consumed by the parser and produced by the writer.
 *
 * Parser policy (documented choices):
 * - A card without VERSION is read as 3.0; VERSION other than 2.1, 3.0 and
 *   4.0 is an error for that card.
 * - Raw 8-bit text that is not UTF-8 and has no CHARSET is read as
 *   Windows-1252 in 2.1 and is an error in 3.0 and 4.0.
 * - A BEGIN:VCARD inside a card (2.1 AGENT) is an error for that card; the
 *   parser skips the whole nested structure.
 * - Lines outside cards (junk, "NULL" after END) are ignored. */
#ifndef VCARD_VCARD_H
#define VCARD_VCARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vcard_version {
	VCARD_V21 = 21,
	VCARD_V30 = 30,
	VCARD_V40 = 40,
};

/* Return codes: 0 is success, failures are negative. */
enum vcard_code {
	VCARD_OK = 0,
	VCARD_E_PARSE = -1, /* malformed input; error names line and property */
	VCARD_E_LIMIT = -2, /* a vcard_limits cap was exceeded */
	VCARD_E_NOMEM = -3, /* allocation failed */
	VCARD_E_INVAL = -4, /* invalid argument (bad name from a builder) */
	VCARD_E_SPACE = -5, /* caller buffer too small; *len_r = bytes needed */
};

#define VCARD_ERR_PROP_MAX 32
#define VCARD_ERR_MSG_MAX 160

/* Error detail, caller-owned; filling it never allocates. */
struct vcard_error {
	int code;                      /* one of enum vcard_code */
	size_t line;                   /* 1-based input line, 0 when none */
	char prop[VCARD_ERR_PROP_MAX]; /* property name, "" when none */
	char msg[VCARD_ERR_MSG_MAX];   /* human-readable, "" when none */
};

/* Format err as "line N, PROP: message" (parts left out when unknown) into
 * buf (always NUL-terminated when size > 0). Returns buf. */
const char *vcard_error_format(const struct vcard_error *err, char *buf,
			       size_t size);

/* Caps the parser enforces; exceeding one is VCARD_E_LIMIT for that card. */
struct vcard_limits {
	size_t max_card_bytes;  /* bytes from BEGIN to END (1 MiB) */
	size_t max_line;        /* unfolded text line (64 KiB) */
	size_t max_props;       /* properties per card (256) */
	size_t max_params;      /* parameters per property (32, <= 64) */
	size_t max_values;      /* values per property or parameter (64) */
	size_t max_photo_bytes; /* decoded binary value (256 KiB) */
	size_t max_cards;       /* cards per input, 0 = unlimited (0) */
};

/* The defaults above. */
struct vcard_limits vcard_limits_default(void);

struct vcard_param {
	char *name; /* upper case */
	char **values;
	size_t n_values;
};

struct vcard_prop {
	char *group; /* NULL when none */
	char *name;  /* upper case */
	struct vcard_param *params;
	size_t n_params;
	char **values; /* text: NUL-terminated UTF-8; binary: values[0] */
	size_t n_values;
	bool binary;
	size_t bin_len; /* bytes in values[0] when binary */
};

struct vcard {
	enum vcard_version version;
	struct vcard_prop *props;
	size_t n_props;
	void *priv; /* storage; not for callers */
};

/* ---- model: create, read, build ------------------------------------- */

/* A new empty card of the given version. Returns NULL when out of memory. */
struct vcard *vcard_new(enum vcard_version version);
/* Free a card and everything borrowed from it. Accepts NULL; sets *card to
 * NULL. */
void vcard_free(struct vcard **card);

/* The first property named name (case-insensitive) at or after index
 * *iter (start with 0); *iter is moved past it. NULL when none. Borrowed
 * from card. iter may be NULL (then the first match is returned). */
const struct vcard_prop *vcard_prop_get(const struct vcard *card,
					const char *name, size_t *iter);
/* The parameter named name of prop (case-insensitive), NULL when none. */
const struct vcard_param *vcard_param_get(const struct vcard_prop *prop,
					  const char *name);
/* True when parameter name of prop holds value (case-insensitive). */
bool vcard_param_has(const struct vcard_prop *prop, const char *name,
		     const char *value);
/* values[i] of prop, or "" when prop is NULL, binary or i is out of range.
 * Borrowed. */
const char *vcard_prop_value(const struct vcard_prop *prop, size_t i);

/* Append a property. group may be NULL. Names must be letters, digits and
 * '-' ('_' allowed too); the name is stored upper case. On success
 * *prop_r points into card (valid until the next vcard_add_prop).
 * Returns 0, VCARD_E_INVAL or VCARD_E_NOMEM. */
int vcard_add_prop(struct vcard *card, const char *group, const char *name,
		   struct vcard_prop **prop_r);
/* Append a text value (copied; must be UTF-8 without NUL, else
 * VCARD_E_INVAL). Returns 0, VCARD_E_INVAL or VCARD_E_NOMEM. */
int vcard_prop_add_value(struct vcard *card, struct vcard_prop *prop,
			 const char *value);
/* Make prop binary with a copy of data[0..len). Returns 0 or
 * VCARD_E_NOMEM. */
int vcard_prop_set_binary(struct vcard *card, struct vcard_prop *prop,
			  const void *data, size_t len);
/* Add value to parameter name of prop (created at the end when missing).
 * Returns 0, VCARD_E_INVAL (bad name or non-UTF-8 value) or VCARD_E_NOMEM. */
int vcard_prop_add_param(struct vcard *card, struct vcard_prop *prop,
			 const char *name, const char *value);

/* True when a and b hold the same version, properties, parameters and
 * values in the same order. */
bool vcard_equal(const struct vcard *a, const struct vcard *b);

/* A stable text dump of card (the golden-file format of testdata/vcard),
 * heap-allocated into *out_r (caller frees), length in *len_r.
 * Returns 0 or VCARD_E_NOMEM. */
int vcard_dump(const struct vcard *card, char **out_r, size_t *len_r);

/* ---- parser ------------------------------------------------------------ */

struct vcard_parser;

/* An iterator over the cards of data[0..len). data must stay valid while
 * the parser lives (it may be an mmap of a large file: cards are returned
 * one at a time, so memory stays flat). lim may be NULL for the defaults.
 * Returns 0 or VCARD_E_NOMEM. */
int vcard_parser_new(const char *data, size_t len,
		     const struct vcard_limits *lim,
		     struct vcard_parser **parser_r);
void vcard_parser_free(struct vcard_parser **parser);

/* The next card. Returns 1 with *card_r set (caller frees), 0 at the end of
 * the input, or VCARD_E_PARSE / VCARD_E_LIMIT / VCARD_E_NOMEM for one card
 * with err naming the line and property; call again to go on with the next
 * card (after VCARD_E_NOMEM, or max_cards reached, it keeps failing). Never
 * reads outside data[0..len). */
int vcard_parser_next(struct vcard_parser *parser, struct vcard **card_r,
		      struct vcard_error *err);

/* Parse exactly the first card of data[0..len). On success *card_r is the
 * caller's. No card at all is VCARD_E_PARSE ("no BEGIN:VCARD"). */
int vcard_parse(const char *data, size_t len, const struct vcard_limits *lim,
		struct vcard **card_r, struct vcard_error *err);

/* ---- writer ------------------------------------------------------------ */

/* Write card as the given version: CRLF line ends, BEGIN/VERSION/END added.
 * 2.1: values with non-ASCII or control characters as CHARSET=UTF-8;
 * ENCODING=QUOTED-PRINTABLE with soft line breaks, binary as an
 * ENCODING=BASE64 block. 3.0/4.0: lines folded at 75 octets, never inside
 * a UTF-8 sequence; binary as ENCODING=b (3.0) or a data: URI (4.0, media
 * type from the MEDIATYPE parameter). CR and LF in values can never start
 * a new line. Deterministic.
 * The heap variant sets *out_r (NUL-terminated, caller frees) and *len_r.
 * Returns 0, VCARD_E_INVAL (a name a parser could not read back) or
 * VCARD_E_NOMEM. */
int vcard_write(const struct vcard *card, enum vcard_version version,
		char **out_r, size_t *len_r, struct vcard_error *err);
/* Same into buf[0..size). When it does not fit returns VCARD_E_SPACE with
 * *len_r = the size needed; otherwise *len_r = bytes written (no NUL). */
int vcard_write_buf(const struct vcard *card, enum vcard_version version,
		    char *buf, size_t size, size_t *len_r,
		    struct vcard_error *err);

/* What an old phone can read, when it is less than the standard:
 * - no_fold: no line is ever broken (no folding, no quoted-printable soft
 *   line breaks) — Motorola's V-series;
 * - qp_unfolded: 2.1 quoted-printable values in one line, no soft line
 *   breaks (other lines as usual) — the Synthesis engine (SyncEvolution);
 * - latin1: 2.1 values whose characters all fit ISO-8859-1 are written in
 *   it with CHARSET=ISO-8859-1 (others stay UTF-8) — Sony Ericsson;
 * - limits: a property's values (each component of N, ADR ...) cut to at
 *   most `max` characters, never inside a UTF-8 sequence — from a
 *   client's CTCap MaxSize;
 * - org_max: the reader keeps at most this many ORG components (0 = no
 *   limit): a person's deeper units are joined with '/' into the last
 *   one it keeps, so the whole unit path stays in ORG — the Synthesis
 *   engine keeps four (vcard_contact_write only). */
#define VCARD_DIALECT_LIMITS 16
struct vcard_dialect {
	bool no_fold;
	bool qp_unfolded;
	bool latin1;
	unsigned org_max;
	struct {
		char name[16]; /* property, e.g. "N", "TITLE" */
		uint32_t max;  /* characters */
	} limits[VCARD_DIALECT_LIMITS];
	size_t n_limits;
};

/* vcard_write_buf in a dialect (NULL = the standard). The output is still
 * read back by parse.c (a cut value reads back cut). */
int vcard_write_dialect(const struct vcard *card, enum vcard_version version,
			const struct vcard_dialect *d, char *buf, size_t size,
			size_t *len_r, struct vcard_error *err);

/* ---- the directory person as a vCard (contact.c) ----------------------- */

enum vcard_phone_type {
	VCARD_PHONE_WORK,
	VCARD_PHONE_CELL,
	VCARD_PHONE_HOME,
	VCARD_PHONE_FAX,
	VCARD_PHONE_OTHER,
};

struct vcard_phone {
	enum vcard_phone_type type;
	const char *number;
};

/* Structured postal address (ADR); a field is NULL or "" when empty. */
struct vcard_address {
	const char *pobox, *extended, *street, *locality, *region, *postcode,
		*country;
};

/* One directory person. Every string is UTF-8, NULL when absent. */
struct vcard_contact {
	const char *uid;
	const char *family, *given, *display;
	const char *phonetic_family, *phonetic_given; /* e.g. pinyin */
	const char **org; /* company first, then unit, sub-unit... */
	size_t n_org;
	const char *title;
	const struct vcard_phone *phones;
	size_t n_phones;
	const char **emails;
	size_t n_emails;
	struct vcard_address adr;
	const char *note;
	const unsigned char *photo;
	size_t photo_len;
	const char *photo_type; /* media type, "image/jpeg" when NULL */
	int64_t rev;            /* unix time, 0 = none */
	const char **categories;
	size_t n_categories;
};

struct vcard_contact_options {
	enum vcard_version version;
	bool include_photo;
	size_t max_photo_bytes; /* photo dropped when larger; 0 = no cap */
	const struct vcard_dialect *dialect; /* NULL = the standard */
};

/* Build the card of a person: N (4.0: SORT-AS from the phonetic name), FN,
 * X-PHONETIC-LAST-NAME / X-PHONETIC-FIRST-NAME, ORG, TITLE, typed TEL,
 * EMAIL (TYPE=INTERNET in 2.1/3.0), ADR;TYPE=WORK, NOTE, PHOTO, UID, REV,
 * CATEGORIES. Empty fields are left out. FN falls back to the names, then
 * the company. Returns 0, VCARD_E_INVAL (bad UTF-8) or VCARD_E_NOMEM;
 * *card_r is the caller's. */
int vcard_contact_to_card(const struct vcard_contact *contact,
			  const struct vcard_contact_options *opt,
			  struct vcard **card_r, struct vcard_error *err);

/* Read a person from a card. Every pointer in *contact_r borrows from card
 * (arrays are allocated inside card) and lives until vcard_free(card).
 * display falls back to FN, then given+family, then the company. A
 * non-binary PHOTO (a URI) is ignored. Returns 0 or VCARD_E_NOMEM. */
int vcard_contact_from_card(struct vcard *card, struct vcard_contact *contact_r,
			    struct vcard_error *err);

/* Streaming export: the vCard text of one person into buf[0..size),
 * *len_r bytes. VCARD_E_SPACE (with *len_r = size needed) when it does
 * not fit; other codes as vcard_contact_to_card. */
int vcard_contact_write(const struct vcard_contact *contact,
			const struct vcard_contact_options *opt, char *buf,
			size_t size, size_t *len_r, struct vcard_error *err);

#endif
