/* F1: vcard_parser_next -> vcard_write -> vcard_parse round trip.
 *
 * Every card the parser accepts is written in its own version and in the
 * two others. Oracles: writing never fails for a parsed card; the output
 * is valid UTF-8 and has CRLF line ends only; in 3.0/4.0 no line is longer
 * than 75 octets; and re-parsing the output of the card's own version gives
 * a card equal to the first parse (vcard_equal). Each card is also read
 * as a directory person, written back through vcard_contact_to_card and
 * read again: the person's fields must survive. The card is also written
 * in old phones' dialects (Latin-1, no line breaks, size limits) and must
 * parse again. The person is also written in 2.1 and 3.0 by
 * vcard_contact_write (its direct writer) and through the card model:
 * the bytes must be the same. Any breach aborts. */
#include "config.h"

#include "vcard/vcard.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(what)                                                             \
	do {                                                                   \
		fprintf(stderr, "fuzz-vcard: %s\n", what);                     \
		abort();                                                       \
	} while (0)

static bool utf8_ok(const char *s, size_t len)
{
	/* a tiny independent check: lead/continuation structure only */
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

		if (c >= 0x80 && c < 0xc2)
			return false;
		if (c > 0xf4 || i + n > len)
			return false;
		for (size_t k = 1; k < n; k++)
			if (((unsigned char)s[i + k] & 0xc0) != 0x80)
				return false;
		i += n;
	}
	return true;
}

static void check_output(const char *out, size_t len, enum vcard_version v)
{
	size_t start = 0;

	if (!utf8_ok(out, len))
		FAIL("output is not UTF-8");
	for (size_t i = 0; i < len; i++) {
		if (out[i] == '\r') {
			if (i + 1 >= len || out[i + 1] != '\n')
				FAIL("CR without LF");
			if (v != VCARD_V21 && i - start > 75)
				FAIL("line longer than 75 octets");
			i++;
			start = i + 1;
		} else if (out[i] == '\n' || out[i] == '\0') {
			FAIL("bare LF or NUL in output");
		}
	}
	if (start != len)
		FAIL("output does not end with CRLF");
}

static bool same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void check_contact(struct vcard *card, const struct vcard_limits *lim)
{
	struct vcard_contact a, b;
	struct vcard_contact_options opt = {.version = card->version,
					    .include_photo = true};
	struct vcard_error err;
	struct vcard *built = NULL, *back = NULL;
	/* A contact written from a card may carry a few properties more than
	 * the card: the N and FN every card of its version must have, and
	 * phonetic names a 4.0 card held as SORT-AS parameters. A card at the
	 * property cap is read back with room for those. */
	struct vcard_limits back_lim = *lim;
	char *out;
	size_t len;

	back_lim.max_props += 8;
	if (vcard_contact_from_card(card, &a, &err) < 0)
		return;
	if (vcard_contact_to_card(&a, &opt, &built, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		FAIL("contact_to_card failed");
	}
	if (vcard_write(built, opt.version, &out, &len, &err) < 0)
		FAIL("contact write failed");
	if (vcard_parse(out, len, &back_lim, &back, &err) < 0) {
		fprintf(stderr, "%s\n%.*s\n", err.msg, (int)len, out);
		FAIL("contact re-parse failed");
	}
	if (vcard_contact_from_card(back, &b, &err) < 0)
		FAIL("contact_from_card failed");
	if (!same(a.uid, b.uid) || !same(a.family, b.family) ||
	    !same(a.given, b.given) || !same(a.display, b.display) ||
	    !same(a.note, b.note) || !same(a.title, b.title) ||
	    !same(a.phonetic_family, b.phonetic_family) ||
	    !same(a.phonetic_given, b.phonetic_given) ||
	    a.n_phones != b.n_phones || a.n_emails != b.n_emails ||
	    a.n_org != b.n_org || a.photo_len != b.photo_len ||
	    a.rev != b.rev || a.n_categories != b.n_categories) {
		fprintf(stderr, "%.*s\n", (int)len, out);
		FAIL("contact fields differ after a round trip");
	}
	for (size_t i = 0; i < a.n_phones; i++)
		if (a.phones[i].type != b.phones[i].type ||
		    !same(a.phones[i].number, b.phones[i].number))
			FAIL("phone differs after a round trip");
	free(out);
	vcard_free(&back);
	vcard_free(&built);
	for (int v = 0; v < 2; v++) {
		static char x[1 << 20], y[1 << 20];
		struct vcard_contact_options o = {.version = v ? VCARD_V30
							       : VCARD_V21};
		size_t xl = 0, yl = 0;
		int rx = vcard_contact_write(&a, &o, x, sizeof(x), &xl, &err);
		int ry = vcard_contact_to_card(&a, &o, &built, &err);
		if (ry == 0)
			ry = vcard_write_dialect(built, o.version, NULL, y,
						 sizeof(y), &yl, &err);
		vcard_free(&built);
		if (rx != ry || (rx == 0 && (xl != yl || memcmp(x, y, xl))))
			FAIL("the direct writer differs from the card model");
	}
}

static void dump_both(const struct vcard *a, const struct vcard *b,
		      const char *out, size_t len)
{
	char *da, *db;
	size_t la, lb;

	if (vcard_dump(a, &da, &la) == 0 && vcard_dump(b, &db, &lb) == 0) {
		fprintf(stderr, "first:\n%s\nwritten:\n%.*s\nsecond:\n%s\n", da,
			(int)len, out, db);
		free(da);
		free(db);
	}
}

/* The phone dialects (Latin-1, no line breaks, size limits) chosen from
 * the input: the output must still parse, cut values included. */
static void check_dialect(const struct vcard *card, const uint8_t *data,
			  size_t size, const struct vcard_limits *lim)
{
	struct vcard_dialect d = {0};
	struct vcard_error err;
	struct vcard *back = NULL;
	size_t len = 0, cap = 4096;
	char *buf = NULL;
	int ret;

	d.latin1 = size & 1;
	d.no_fold = size & 2;
	strcpy(d.limits[0].name, "N");
	d.limits[0].max = size > 0 ? data[0] % 8 + 1 : 1;
	strcpy(d.limits[1].name, "NOTE");
	d.limits[1].max = size > 1 ? data[1] % 64 + 1 : 1;
	d.n_limits = 2;
	for (int v = 0; v < 2; v++) {
		enum vcard_version ver = v ? VCARD_V30 : VCARD_V21;
		for (;;) {
			char *nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				return;
			}
			buf = nb;
			ret = vcard_write_dialect(card, ver, &d, buf, cap, &len,
						  &err);
			if (ret != VCARD_E_SPACE)
				break;
			cap = len + 1;
		}
		if (ret < 0)
			FAIL("dialect write failed");
		if (vcard_parse(buf, len, lim, &back, &err) < 0) {
			fprintf(stderr, "%s\n%.*s\n", err.msg, (int)len, buf);
			FAIL("dialect output does not parse");
		}
		vcard_free(&back);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum vcard_version vers[] = {VCARD_V21, VCARD_V30,
						  VCARD_V40};
	struct vcard_limits lim = vcard_limits_default();
	struct vcard_parser *p;
	struct vcard *card;
	struct vcard_error err;
	int ret, n = 0;

	lim.max_photo_bytes = 16 * 1024;
	if (vcard_parser_new((const char *)data, size, &lim, &p) < 0)
		return 0;
	while (n++ < 64 && (ret = vcard_parser_next(p, &card, &err)) != 0) {
		if (ret < 0) {
			if (ret == VCARD_E_NOMEM)
				break;
			continue;
		}
		for (int k = 0; k < 3; k++) {
			struct vcard *again = NULL;
			char *out;
			size_t len;

			if (vcard_write(card, vers[k], &out, &len, &err) < 0) {
				fprintf(stderr, "%s: %s\n", err.prop, err.msg);
				FAIL("write failed");
			}
			check_output(out, len, vers[k]);
			if (vers[k] == card->version) {
				if (vcard_parse(out, len, &lim, &again, &err) <
				    0) {
					fprintf(stderr, "%s\n%.*s\n", err.msg,
						(int)len, out);
					FAIL("re-parse failed");
				}
				if (!vcard_equal(card, again)) {
					dump_both(card, again, out, len);
					FAIL("re-parse differs");
				}
				vcard_free(&again);
			}
			free(out);
		}
		check_contact(card, &lim);
		check_dialect(card, data, size, &lim);
		vcard_free(&card);
	}
	vcard_parser_free(&p);
	return 0;
}
