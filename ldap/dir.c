/* ldap/dir: an enterprise's directory as an LDAP tree in memory (see
 * dir.h for the tree, the matching rules and the promises).
 *
 * How it is held:
 * - a person is one immutable, reference-counted block (struct prec):
 *   its values with their folded forms (text folded, phone numbers as
 *   digits and reversed digits, the pinyin of names as match-only
 *   values); a refresh after a change shares the blocks of the people
 *   who did not change, so a delta costs the changes plus rebuilding the
 *   indexes, never a reload from the store;
 * - a snapshot (struct ldap_dir) holds the entries sorted by their stable
 *   key (base 1, unit 2*id, person 2*id+1), each with its DN, parent and
 *   its interval in a depth-first walk (scope checks are two compares),
 *   and sorted arrays of folded values: names per attribute (display
 *   text and pinyin), numbers per attribute as digits and as reversed
 *   digits (a suffix search is a prefix range there);
 * - a search compiles the filter once, asks the indexes for a superset
 *   of the hits as a bitmap when the filter's shape allows (equality or
 *   initial/final substrings on indexed attributes, under AND/OR), then
 *   walks the bitmap (else every entry) in key order evaluating the whole
 *   filter, stopping at the limit: a prefix search with a limit costs the
 *   index ranges and a few dozen evaluations;
 * - the cache keeps one snapshot per enterprise; a get reads the
 *   tenant's revision (one indexed lookup) and returns the snapshot when
 *   it is current, else one thread rebuilds (others wait for it) from
 *   the change feed, or lists the whole view at first use or OB_E_GONE.
 *
 * Decisions: telephoneNumber is the work number as stored (extension
 * included, what a person reads); ipPhone the extension alone; matching
 * a number uses the digits before the extension. Number equality drops
 * leading zeros (trunk "0", international "00") before comparing, so
 * "021 6807 3439" equals "+86 21 6807 3439".
 * Never: reads a socket, decodes BER, knows binds, writes to the store. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dircard/dircard.h"
#include "dirfeed/feed.h"
#include "image/image.h"
#include "ldap/dir.h"
#include "pinyin/pinyin.h"

/* ---- attributes ------------------------------------------------------- */

enum attr {
	A_OBJECTCLASS,
	A_CN,
	A_SN,
	A_GIVEN,
	A_DISPLAY,
	A_TEL,
	A_MOBILE,
	A_HOME,
	A_FAX,
	A_IPPHONE,
	A_MAIL,
	A_O,
	A_OU,
	A_TITLE,
	A_POSTAL,
	A_STREET,
	A_L,
	A_ST,
	A_POSTALCODE,
	A_DESC,
	A_UID,
	A_PINYIN,
	A_DC,
	A_JPEG,
	A_MODTS,
	A_ENTRYDN,
	A_HASSUB,
	A_STRUCTOC,
	A_N,
};

#define AF_NAME 1u /* pinyin values match too */
#define AF_NUM 2u  /* digits matching */
#define AF_OPER 4u /* operational: only when asked */

static const struct {
	const char *name;
	const char *alias[3];
	unsigned flags;
} attrs[A_N] = {
	[A_OBJECTCLASS] = {"objectClass", {"2.5.4.0"}, 0},
	[A_CN] = {"cn", {"commonName", "2.5.4.3"}, AF_NAME},
	[A_SN] = {"sn", {"surname", "2.5.4.4"}, AF_NAME},
	[A_GIVEN] = {"givenName", {"gn", "2.5.4.42"}, AF_NAME},
	[A_DISPLAY] = {"displayName", {"2.16.840.1.113730.3.1.241"}, AF_NAME},
	[A_TEL] = {"telephoneNumber", {"2.5.4.20"}, AF_NUM},
	[A_MOBILE] = {"mobile", {"mobileTelephoneNumber"}, AF_NUM},
	[A_HOME] = {"homePhone", {"homeTelephoneNumber"}, AF_NUM},
	[A_FAX] = {"facsimileTelephoneNumber", {"fax"}, AF_NUM},
	[A_IPPHONE] = {"ipPhone", {0}, AF_NUM},
	[A_MAIL] = {"mail", {"rfc822Mailbox"}, 0},
	[A_O] = {"o", {"organizationName"}, 0},
	[A_OU] = {"ou", {"organizationalUnitName"}, 0},
	[A_TITLE] = {"title", {0}, 0},
	[A_POSTAL] = {"postalAddress", {0}, 0},
	[A_STREET] = {"street", {"streetAddress"}, 0},
	[A_L] = {"l", {"localityName"}, 0},
	[A_ST] = {"st", {"stateOrProvinceName"}, 0},
	[A_POSTALCODE] = {"postalCode", {0}, 0},
	[A_DESC] = {"description", {0}, 0},
	[A_UID] = {"uid", {"userid"}, 0},
	[A_PINYIN] = {"orgbookPinyin", {0}, 0},
	[A_DC] = {"dc", {"domainComponent"}, 0},
	[A_JPEG] = {"jpegPhoto", {0}, 0},
	[A_MODTS] = {"modifyTimestamp", {0}, AF_OPER},
	[A_ENTRYDN] = {"entryDN", {0}, AF_OPER},
	[A_HASSUB] = {"hasSubordinates", {0}, AF_OPER},
	[A_STRUCTOC] = {"structuralObjectClass", {0}, AF_OPER},
};

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool name_eq(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen && b[i]; i++)
		if (ascii_lower((unsigned char)a[i]) !=
		    ascii_lower((unsigned char)b[i]))
			return false;
	return i == alen && b[i] == '\0';
}

/* The attribute named name (any case, aliases), -1 when unknown. Options
 * (";binary") are ignored. */
static int attr_of(const char *name, size_t len)
{
	const char *semi = memchr(name, ';', len);

	if (semi)
		len = (size_t)(semi - name);
	for (int a = 0; a < A_N; a++) {
		if (name_eq(name, len, attrs[a].name))
			return a;
		for (int k = 0; k < 3 && attrs[a].alias[k]; k++)
			if (name_eq(name, len, attrs[a].alias[k]))
				return a;
	}
	return -1;
}

/* ---- folding ---------------------------------------------------------- */

/* Length of a space at s (ASCII white space, U+00A0, U+3000), 0: none. */
static size_t space_at(const unsigned char *s, size_t left)
{
	if (left >= 1 && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')))
		return 1;
	if (left >= 2 && s[0] == 0xC2 && s[1] == 0xA0)
		return 2;
	if (left >= 3 && s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

/* Text folded for matching: ASCII lowercased, spaces (RFC 4518
 * insignificant space handling) trimmed and runs made one space. out has
 * room for len + 1. Returns the folded length. */
static size_t fold_text(const char *in, size_t len, char *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0, sp;
	bool pending = false;

	while (i < len) {
		if ((sp = space_at(s + i, len - i)) > 0) {
			pending = o > 0;
			i += sp;
			continue;
		}
		if (pending)
			out[o++] = ' ';
		pending = false;
		out[o++] = (char)ascii_lower(s[i++]);
	}
	out[o] = '\0';
	return o;
}

/* Where the extension of a number starts (its marker: "ext", "x", "#",
 * ",", ";ext="), len when none; *ext_r the index of its digits. */
static size_t ext_at(const char *s, size_t len, size_t *ext_r)
{
	bool digit_seen = false;

	for (size_t i = 0; i < len; i++) {
		char c = (char)ascii_lower((unsigned char)s[i]);
		size_t skip = 0;

		if (c >= '0' && c <= '9') {
			digit_seen = true;
			continue;
		}
		if (!digit_seen)
			continue;
		if (c == 'e' && i + 2 < len &&
		    ascii_lower((unsigned char)s[i + 1]) == 'x' &&
		    ascii_lower((unsigned char)s[i + 2]) == 't')
			skip = 3;
		else if (c == 'x' || c == '#' || c == ',')
			skip = 1;
		if (skip == 0)
			continue;
		size_t j = i + skip;
		while (j < len && (s[j] == '.' || s[j] == ' ' || s[j] == ':' ||
				   s[j] == '='))
			j++;
		if (j < len && s[j] >= '0' && s[j] <= '9') {
			*ext_r = j;
			return i > 0 && s[i - 1] == ';' ? i - 1 : i;
		}
	}
	*ext_r = len;
	return len;
}

static size_t digits_of(const char *s, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++)
		if (s[i] >= '0' && s[i] <= '9')
			out[o++] = s[i];
	out[o] = '\0';
	return o;
}

/* The digits of a number before its extension. */
static size_t number_digits(const char *s, size_t len, char *out)
{
	size_t ext;

	return digits_of(s, ext_at(s, len, &ext), out);
}

static void reverse(char *s, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		char t = s[i];
		s[i] = s[n - 1 - i];
		s[n - 1 - i] = t;
	}
}

/* National/international equality of two digit strings (dir.h): leading
 * zeros dropped, equal, or one a suffix of the other of 7 digits or
 * more. */
static bool number_eq(const char *a, size_t al, const char *q, size_t ql)
{
	while (al > 0 && *a == '0')
		a++, al--;
	while (ql > 0 && *q == '0')
		q++, ql--;
	if (al == ql)
		return memcmp(a, q, al) == 0;
	if (al < ql)
		return al >= 7 && memcmp(q + ql - al, a, al) == 0;
	return ql >= 7 && memcmp(a + al - ql, q, ql) == 0;
}

static bool has_han(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0xE3 && *p <= 0xE9)
			return true;
	return false;
}

/* ---- people ----------------------------------------------------------- */

#define VF_MATCH 1u /* a match-only value (pinyin of a name) */
#define VF_SORT 2u  /* the value's sort key */

struct pval {
	uint8_t attr, flags;
	uint32_t raw, fold, rev; /* offsets into the block; rev 0: none */
};

struct prec {
	atomic_int ref;
	int64_t id, unit_id, mtime;
	uint32_t uid;   /* offset of the uid */
	uint32_t n_val; /* vals follow the header, then the strings */
	struct pval val[];
};

static const char *ps(const struct prec *p, uint32_t off)
{
	return (const char *)p + off;
}

static void prec_unref(struct prec *p)
{
	if (p && atomic_fetch_sub(&p->ref, 1) == 1)
		free(p);
}

/* A person being built: values with their strings. */
struct pb {
	struct {
		uint8_t attr, flags;
		size_t raw, fold, rev; /* offsets in b, SIZE_MAX: none */
	} v[96];
	size_t n;
	struct ob_buf b;
	int err;
};

static size_t pb_str(struct pb *pb, const char *s, size_t len)
{
	size_t off = pb->b.len;

	if (ob_buf_add(&pb->b, s, len) != 0 || ob_buf_add_char(&pb->b, 0))
		pb->err = OB_E_NOMEM;
	return off;
}

static void pb_val(struct pb *pb, int attr, unsigned flags, const char *s)
{
	size_t len, fl;
	char *tmp;

	if (s == NULL || *s == '\0' ||
	    pb->n == sizeof(pb->v) / sizeof(pb->v[0]))
		return;
	len = strlen(s);
	if ((tmp = malloc(len + 1)) == NULL) {
		pb->err = OB_E_NOMEM;
		return;
	}
	pb->v[pb->n].attr = (uint8_t)attr;
	pb->v[pb->n].flags = (uint8_t)flags;
	pb->v[pb->n].rev = SIZE_MAX;
	if (attrs[attr].flags & (AF_NAME | AF_NUM) || attr == A_PINYIN) {
		/* cn and displayName, orgbookPinyin and the pinyin of cn
		 * hold the same strings: keep them once */
		for (size_t k = 0; k < pb->n; k++)
			if ((pb->v[k].flags & VF_SORT) == (flags & VF_SORT) &&
			    strcmp(pb->b.data + pb->v[k].raw, s) == 0 &&
			    (attrs[pb->v[k].attr].flags & AF_NUM) ==
				    (attrs[attr].flags & AF_NUM)) {
				pb->v[pb->n].raw = pb->v[k].raw;
				pb->v[pb->n].fold = pb->v[k].fold;
				pb->v[pb->n].rev = pb->v[k].rev;
				pb->n++;
				free(tmp);
				return;
			}
	}
	pb->v[pb->n].raw = pb_str(pb, s, len);
	if (attrs[attr].flags & AF_NUM) {
		fl = attr == A_IPPHONE ? digits_of(s, len, tmp)
				       : number_digits(s, len, tmp);
		pb->v[pb->n].fold = pb_str(pb, tmp, fl);
		reverse(tmp, fl);
		pb->v[pb->n].rev = pb_str(pb, tmp, fl);
	} else if (flags & VF_SORT) {
		pb->v[pb->n].fold = pb->v[pb->n].raw;
	} else {
		fl = fold_text(s, len, tmp);
		pb->v[pb->n].fold = fl == len && memcmp(tmp, s, len) == 0
					    ? pb->v[pb->n].raw
					    : pb_str(pb, tmp, fl);
	}
	free(tmp);
	pb->n++;
}

/* The pinyin of a name part: full (joined) and initials; from the stored
 * reading when there is one, else read from the Han characters. */
/* ---- initials of a stored reading ------------------------------------ */

/* The Mandarin syllables lib/pinyin knows, sorted, made once. */
static char (*syl)[8];
static size_t n_syl;
static pthread_once_t syl_once = PTHREAD_ONCE_INIT;

static int syl_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void syl_make(void)
{
	static const uint32_t ranges[][2] = {
		{0x3400, 0x9FFF}, {0xF900, 0xFAFF}, {0x20000, 0x2FFFF}};
	size_t cap = 0, n = 0;

	for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++)
		cap += ranges[r][1] - ranges[r][0] + 1;
	syl = calloc(cap, sizeof(*syl));
	if (syl == NULL)
		return;
	for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++)
		for (uint32_t cp = ranges[r][0]; cp <= ranges[r][1]; cp++) {
			const char *y = pinyin_of(cp);
			if (y != NULL && strlen(y) < sizeof(syl[0]))
				snprintf(syl[n++], sizeof(syl[0]), "%s", y);
		}
	qsort(syl, n, sizeof(syl[0]), syl_cmp);
	for (size_t i = 0; i < n; i++)
		if (n_syl == 0 || strcmp(syl[n_syl - 1], syl[i]) != 0)
			memmove(syl[n_syl++], syl[i], sizeof(syl[0]));
	void *small = realloc(syl, (n_syl ? n_syl : 1) * sizeof(*syl));
	if (small != NULL)
		syl = small;
}

static bool is_syllable(const char *s, size_t n)
{
	char key[8];

	if (n == 0 || n >= sizeof(key) || syl == NULL)
		return false;
	memcpy(key, s, n);
	key[n] = '\0';
	return bsearch(key, syl, n_syl, sizeof(syl[0]), syl_cmp) != NULL;
}

/* Han characters in s (U+3400..U+9FFF, U+F900..U+FAFF, U+20000 up). */
static size_t han_count(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p) {
		uint32_t cp = *p;
		int len = 1;
		if (*p >= 0xF0 && p[1] && p[2] && p[3]) {
			cp = (uint32_t)(p[0] & 7) << 18 |
			     (uint32_t)(p[1] & 63) << 12 |
			     (uint32_t)(p[2] & 63) << 6 | (p[3] & 63);
			len = 4;
		} else if (*p >= 0xE0 && p[1] && p[2]) {
			cp = (uint32_t)(p[0] & 15) << 12 |
			     (uint32_t)(p[1] & 63) << 6 | (p[2] & 63);
			len = 3;
		} else if (*p >= 0xC0 && p[1]) {
			len = 2;
		}
		if ((cp >= 0x3400 && cp <= 0x9FFF) ||
		    (cp >= 0xF900 && cp <= 0xFAFF) || cp >= 0x20000)
			n++;
		p += len;
	}
	return n;
}

#define CUT_MAX 64 /* letters and syllables a cut looks at */

/* Cut r[i..len) into exactly k syllables, longest first: their initials
 * go to ini (at least k + 1 bytes). failed[i][k] remembers dead ends, so
 * a hostile reading costs at most len * k tries. */
static bool cut(const char *r, size_t len, size_t i, size_t k, char *ini,
		bool (*failed)[CUT_MAX + 1])
{
	if (k == 0)
		return i == len;
	if (failed[i][k])
		return false;
	for (size_t j = i + 6 < len ? i + 6 : len; j > i; j--)
		if (is_syllable(r + i, j - i) &&
		    cut(r, len, j, k - 1, ini + 1, failed)) {
			ini[0] = r[i];
			return true;
		}
	failed[i][k] = true;
	return false;
}

/* The first letter of each word of a reading, lowercased. */
static void word_initials(const char *phonetic, char *ini, size_t isize)
{
	bool word = true;
	size_t io = 0;

	for (const char *p = phonetic; *p && io + 1 < isize; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == ' ' || c == '-' || c == '\'') {
			word = true;
			continue;
		}
		if (word)
			ini[io++] = (char)ascii_lower(c);
		word = false;
	}
	ini[io] = '\0';
}

/* The initials of a name part with Han characters read as phonetic (an
 * administrator's reading wins over the characters': 张乐 read "zhang
 * yue" is "zy", not "zl"): one a syllable when the reading cuts into one
 * syllable a character, else one a word of the reading. */
static void reading_initials(const char *part, const char *phonetic, char *ini,
			     size_t isize)
{
	char r[CUT_MAX + 1];
	size_t len = 0, k = han_count(part);
	bool ok = false;

	ini[0] = '\0';
	for (const char *p = phonetic; *p && len < CUT_MAX; p++)
		if (*p != ' ' && *p != '-' && *p != '\'')
			r[len++] = (char)ascii_lower((unsigned char)*p);
	r[len] = '\0';
	(void)pthread_once(&syl_once, syl_make);
	if (k > 0 && k <= CUT_MAX && k < isize && phonetic[len] == '\0') {
		bool(*failed)[CUT_MAX + 1] =
			calloc(CUT_MAX + 1, sizeof(*failed));
		if (failed != NULL && cut(r, len, 0, k, ini, failed)) {
			ini[k] = '\0';
			ok = true;
		}
		free(failed);
	}
	if (!ok)
		word_initials(phonetic, ini, isize);
}

static void part_pinyin(const char *part, const char *phonetic, bool family,
			char *full, size_t fsize, char *ini, size_t isize)
{
	char tmp[DSTORE_NAME_MAX * 8];
	size_t o = 0;

	full[0] = ini[0] = '\0';
	if (part && has_han(part))
		pinyin_text(part, strlen(part), family, full, fsize, ini,
			    isize);
	if (phonetic && *phonetic) {
		/* the stored reading wins, for the full form and (for a
		 * Han part) the initials; else initials of its words when
		 * the characters gave none */
		for (const char *p = phonetic; *p && o + 1 < fsize; p++) {
			unsigned char c = (unsigned char)*p;
			if (c == ' ' || c == '-' || c == '\'')
				continue;
			tmp[o++] = (char)ascii_lower(c);
		}
		tmp[o] = '\0';
		if (part && has_han(part))
			reading_initials(part, phonetic, ini, isize);
		else if (ini[0] == '\0')
			word_initials(phonetic, ini, isize);
		snprintf(full, fsize, "%s", tmp);
	}
}

static void add_postal(struct pb *pb, const struct dstore_person *p)
{
	const char *parts[5] = {p->street, p->locality, p->region, p->postcode,
				p->country};
	struct ob_buf b;
	bool any = false;

	ob_buf_init(&b, 1u << 20);
	for (int i = 0; i < 5; i++) {
		if (parts[i] == NULL || *parts[i] == '\0')
			continue;
		if (any)
			ob_buf_add_char(&b, '$');
		any = true;
		for (const char *s = parts[i]; *s; s++) {
			if (*s == '\\')
				ob_buf_add_str(&b, "\\5C");
			else if (*s == '$')
				ob_buf_add_str(&b, "\\24");
			else if (*s == '\n')
				ob_buf_add_char(&b, '$');
			else if (*s != '\r')
				ob_buf_add_char(&b, *s);
		}
	}
	if (any)
		pb_val(pb, A_POSTAL, 0, ob_buf_str(&b));
	ob_buf_deinit(&b);
}

static struct prec *prec_make(const struct dstore_person *p, int *err_r)
{
	struct pb pb = {.n = 0};
	char dbuf[DSTORE_NAME_MAX * 3 + 8];
	const char *display = dstore_display_name(p, dbuf, sizeof(dbuf));
	char ff[512], fi[64], gf[512], gi[64], spaced[1100], joined[1100],
		ini[130], key[2400];
	struct prec *r;
	size_t hdr;

	ob_buf_init(&pb.b, 1u << 24);
	ob_buf_add_char(&pb.b, 0); /* offset 0 means none */
	part_pinyin(p->family, p->phonetic_family, true, ff, sizeof(ff), fi,
		    sizeof(fi));
	part_pinyin(p->given, p->phonetic_given, false, gf, sizeof(gf), gi,
		    sizeof(gi));
	if (ff[0] == '\0' && gf[0] == '\0' && display && has_han(display))
		pinyin_text(display, strlen(display), true, ff, sizeof(ff), fi,
			    sizeof(fi));
	snprintf(spaced, sizeof(spaced), "%s%s%s", ff,
		 ff[0] && gf[0] ? " " : "", gf);
	snprintf(joined, sizeof(joined), "%s%s", ff, gf);
	snprintf(ini, sizeof(ini), "%s%s", fi, gi);

	pb_val(&pb, A_CN, 0, display);
	pb_val(&pb, A_DISPLAY, 0, display);
	if (spaced[0]) {
		for (int a = A_CN; a <= A_DISPLAY; a += A_DISPLAY - A_CN) {
			pb_val(&pb, a, VF_MATCH, spaced);
			pb_val(&pb, a, VF_MATCH, joined);
			pb_val(&pb, a, VF_MATCH, ini);
		}
		pb_val(&pb, A_PINYIN, 0, spaced);
		if (strcmp(joined, spaced) != 0)
			pb_val(&pb, A_PINYIN, 0, joined);
		pb_val(&pb, A_PINYIN, 0, ini);
	}
	if (display) {
		char f[DSTORE_NAME_MAX * 3 + 8];
		fold_text(display, strlen(display), f);
		snprintf(key, sizeof(key), "%s\x01%s", spaced[0] ? spaced : f,
			 f);
		pb_val(&pb, A_CN, VF_SORT, key);
		pb_val(&pb, A_DISPLAY, VF_SORT, key);
	}
	pb_val(&pb, A_SN, 0, p->family);
	if (ff[0]) {
		pb_val(&pb, A_SN, VF_MATCH, ff);
		pb_val(&pb, A_SN, VF_MATCH, fi);
	}
	pb_val(&pb, A_GIVEN, 0, p->given);
	if (gf[0]) {
		pb_val(&pb, A_GIVEN, VF_MATCH, gf);
		pb_val(&pb, A_GIVEN, VF_MATCH, gi);
	}
	for (int a = A_SN; a <= A_GIVEN; a++) {
		const char *v = a == A_SN ? p->family : p->given;
		const char *py = a == A_SN ? ff : gf;
		char f[DSTORE_NAME_MAX * 3 + 8];
		if (v == NULL || *v == '\0')
			continue;
		fold_text(v, strlen(v), f);
		snprintf(key, sizeof(key), "%s\x01%s", py[0] ? py : f, f);
		pb_val(&pb, a, VF_SORT, key);
	}
	for (size_t i = 0; i < p->n_phones; i++) {
		const char *t = p->phones[i].type, *n = p->phones[i].number;
		if (t == NULL || n == NULL)
			continue;
		if (strcmp(t, "work") == 0) {
			size_t ext;
			pb_val(&pb, A_TEL, 0, n);
			ext_at(n, strlen(n), &ext);
			if (n[ext])
				pb_val(&pb, A_IPPHONE, 0, n + ext);
		} else if (strcmp(t, "cell") == 0) {
			pb_val(&pb, A_MOBILE, 0, n);
		} else if (strcmp(t, "home") == 0) {
			pb_val(&pb, A_HOME, 0, n);
		} else if (strcmp(t, "fax") == 0) {
			pb_val(&pb, A_FAX, 0, n);
		}
	}
	for (size_t i = 0; i < p->n_emails; i++)
		pb_val(&pb, A_MAIL, 0, p->emails[i]);
	pb_val(&pb, A_TITLE, 0, p->title);
	add_postal(&pb, p);
	pb_val(&pb, A_STREET, 0, p->street);
	pb_val(&pb, A_L, 0, p->locality);
	pb_val(&pb, A_ST, 0, p->region);
	pb_val(&pb, A_POSTALCODE, 0, p->postcode);
	pb_val(&pb, A_DESC, 0, p->note);
	pb_val(&pb, A_UID, 0, p->uid);
	size_t uid_off =
		pb_str(&pb, p->uid ? p->uid : "", strlen(p->uid ? p->uid : ""));

	hdr = sizeof(struct prec) + pb.n * sizeof(struct pval);
	if (pb.err || pb.b.len + hdr > UINT32_MAX ||
	    (r = malloc(hdr + pb.b.len)) == NULL) {
		ob_buf_deinit(&pb.b);
		*err_r = OB_E_NOMEM;
		return NULL;
	}
	atomic_init(&r->ref, 1);
	r->id = p->id;
	r->unit_id = p->unit_id;
	r->mtime = p->mtime;
	r->n_val = (uint32_t)pb.n;
	r->uid = (uint32_t)(hdr + uid_off);
	for (size_t i = 0; i < pb.n; i++) {
		r->val[i].attr = pb.v[i].attr;
		r->val[i].flags = pb.v[i].flags;
		r->val[i].raw = (uint32_t)(hdr + pb.v[i].raw);
		r->val[i].fold = (uint32_t)(hdr + pb.v[i].fold);
		r->val[i].rev = pb.v[i].rev == SIZE_MAX
					? 0
					: (uint32_t)(hdr + pb.v[i].rev);
	}
	memcpy((char *)r + hdr, pb.b.data, pb.b.len);
	ob_buf_deinit(&pb.b);
	return r;
}

/* ---- the snapshot ----------------------------------------------------- */

enum ekind { E_BASE, E_UNIT, E_PERSON };

struct dent {
	int64_t key;
	uint32_t parent, in, out, n_child;
	uint8_t kind;
	uint32_t idx; /* into units or people */
	size_t dn;    /* offset into dns */
};

struct dunit {
	int64_t id, parent_id;
	char *name, *fold;
};

struct ixent {
	const char *s;
	uint32_t pos;
	uint32_t pfx; /* the first four bytes, big-endian: sorts cheaply */
};

struct ix {
	struct ixent *e;
	size_t n;
};

/* A DN parsed: its RDNs from the top, each one type=value (folded). */
struct rdn {
	int attr; /* -1: a type we do not know; RDN_NONE: names nothing */
	char *val;
	bool multi; /* a multi-valued RDN */
};

struct ldap_dir {
	atomic_int ref;
	int64_t tenant_id, rev;
	size_t max_photo;
	uint32_t photo_edge;
	char *base, *display, *dc;
	struct rdn *base_rdn;
	size_t n_base_rdn;
	struct prec **people; /* by id */
	size_t n_people;
	struct dunit *units;
	size_t n_units;
	struct dent *ents; /* by key */
	size_t n_ents;
	char *dns;
	uint32_t *child; /* children of entry i: child[cstart[i]..] */
	uint32_t *cstart;
	struct ix fwd[A_N], rvx[A_N];
	struct ix uids;
	size_t bytes;
	bool from_old; /* built from an older snapshot and the feed */
};

static void rdns_free(struct rdn *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(r[i].val);
	free(r);
}

static void dir_free(struct ldap_dir *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->n_people; i++)
		prec_unref(d->people[i]);
	free(d->people);
	for (size_t i = 0; i < d->n_units; i++) {
		free(d->units[i].name);
		free(d->units[i].fold);
	}
	free(d->units);
	free(d->ents);
	free(d->dns);
	free(d->child);
	free(d->cstart);
	for (int a = 0; a < A_N; a++) {
		free(d->fwd[a].e);
		free(d->rvx[a].e);
	}
	free(d->uids.e);
	rdns_free(d->base_rdn, d->n_base_rdn);
	free(d->base);
	free(d->display);
	free(d->dc);
	free(d);
}

void ldap_dir_release(struct ldap_dir **d)
{
	if (*d && atomic_fetch_sub(&(*d)->ref, 1) == 1)
		dir_free(*d);
	*d = NULL;
}

const char *ldap_dir_base(const struct ldap_dir *d)
{
	return d->base;
}

int64_t ldap_dir_revision(const struct ldap_dir *d)
{
	return d->rev;
}

/* Bytes the snapshot holds (people blocks counted in full even when
 * shared with an older snapshot). */
size_t ldap_dir_bytes(const struct ldap_dir *d)
{
	return d->bytes;
}

size_t ldap_dir_entries(const struct ldap_dir *d)
{
	return d->n_ents;
}

/* ---- DNs -------------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = ascii_lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Append value v escaped as RFC 4514 requires. */
static int dn_escape(struct ob_buf *b, const char *v)
{
	size_t n = strlen(v);
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		unsigned char c = (unsigned char)v[i];
		if ((i == 0 && (c == ' ' || c == '#')) ||
		    (i == n - 1 && c == ' ') || strchr("\"+,;<>\\=", c)) {
			rc = ob_buf_add_char(b, '\\');
			if (rc == 0)
				rc = ob_buf_add_char(b, (char)c);
		} else if (c < 0x20 || c == 0x7f)
			rc = ob_buf_addf(b, "\\%02X", c);
		else
			rc = ob_buf_add_char(b, (char)c);
	}
	return rc;
}

#define RDN_NONE (-3) /* equal to no entry's or base's type */

/* Parse dn (RFC 4514) into RDNs from the top, values unescaped and
 * folded. A value holding an escaped NUL (\\00) is kept as RDN_NONE:
 * no name holds one (the store refuses control characters), and cut at
 * the NUL it would name another entry. Returns 0, OB_E_PARSE or
 * OB_E_NOMEM. */
static int dn_parse(const char *dn, size_t len, struct rdn **r_r, size_t *n_r)
{
	struct rdn *r = NULL;
	size_t n = 0, i = 0;
	char *val = NULL, *fold = NULL;
	int rc = OB_E_PARSE;

	*r_r = NULL;
	*n_r = 0;
	while (i < len && dn[i] == ' ')
		i++;
	if (i == len)
		return 0;
	if ((val = malloc(len + 1)) == NULL || (fold = malloc(len + 1)) == NULL)
		goto fail_nomem;
	for (;;) {
		/* one RDN: type=value[+type=value...] */
		int attr = -2;
		bool multi = false;
		size_t vl = 0;
		for (;;) {
			size_t t0, t1;
			while (i < len && dn[i] == ' ')
				i++;
			t0 = i;
			while (i < len &&
			       (dn[i] == '-' || dn[i] == '.' ||
				(dn[i] >= '0' && dn[i] <= '9') ||
				(ascii_lower((unsigned char)dn[i]) >= 'a' &&
				 ascii_lower((unsigned char)dn[i]) <= 'z')))
				i++;
			t1 = i;
			while (i < len && dn[i] == ' ')
				i++;
			if (t1 == t0 || i == len || dn[i] != '=')
				goto fail;
			i++;
			while (i < len && dn[i] == ' ')
				i++;
			if (i < len && dn[i] == '#')
				goto fail; /* BER values: not for our names */
			size_t last_sig = 0;
			vl = 0;
			while (i < len && dn[i] != ',' && dn[i] != '+' &&
			       dn[i] != ';') {
				if (dn[i] == '\\') {
					if (i + 1 >= len)
						goto fail;
					int h1 = hexval(
						(unsigned char)dn[i + 1]);
					int h2 =
						i + 2 < len
							? hexval((unsigned char)
									 dn[i +
									    2])
							: -1;
					if (h1 >= 0 && h2 >= 0) {
						val[vl++] =
							(char)(h1 * 16 + h2);
						i += 3;
					} else if (strchr(" \"#+,;<=>\\",
							  dn[i + 1]) &&
						   dn[i + 1]) {
						val[vl++] = dn[i + 1];
						i += 2;
					} else {
						goto fail;
					}
					last_sig = vl;
					continue;
				}
				if (dn[i] == '"' || dn[i] == '<' ||
				    dn[i] == '>' || dn[i] == '\0')
					goto fail;
				val[vl++] = dn[i++];
				if (val[vl - 1] != ' ')
					last_sig = vl;
			}
			vl = last_sig;
			if (attr != -2)
				multi = true;
			attr = memchr(val, '\0', vl) != NULL
				       ? RDN_NONE
				       : attr_of(dn + t0, t1 - t0);
			if (i < len && dn[i] == '+') {
				i++;
				continue;
			}
			break;
		}
		struct rdn *nr = realloc(r, (n + 1) * sizeof(*r));
		if (nr == NULL)
			goto fail_nomem;
		r = nr;
		fold_text(val, vl, fold);
		r[n].attr = attr;
		r[n].multi = multi;
		if ((r[n].val = strdup(fold)) == NULL)
			goto fail_nomem;
		n++;
		if (i == len)
			break;
		i++; /* ',' or ';' */
		if (i == len)
			goto fail;
	}
	free(val);
	free(fold);
	/* from the top */
	for (size_t k = 0; k < n / 2; k++) {
		struct rdn t = r[k];
		r[k] = r[n - 1 - k];
		r[n - 1 - k] = t;
	}
	*r_r = r;
	*n_r = n;
	return 0;
fail_nomem:
	rc = OB_E_NOMEM;
fail:
	free(val);
	free(fold);
	rdns_free(r, n);
	return rc;
}

static int ix_cmp(const void *a, const void *b)
{
	const struct ixent *x = a, *y = b;
	int c;

	if (x->pfx != y->pfx)
		return x->pfx < y->pfx ? -1 : 1;
	c = strcmp(x->s, y->s);

	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* The range of entries of ix whose string starts with p (plen bytes;
 * exact: equals it). */
static void ix_range(const struct ix *ix, const char *p, size_t plen,
		     bool exact, size_t *lo_r, size_t *hi_r)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strncmp(ix->e[mid].s, p, plen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*lo_r = lo;
	hi = lo;
	while (hi < ix->n && strncmp(ix->e[hi].s, p, plen) == 0) {
		if (exact && ix->e[hi].s[plen] != '\0') {
			/* equal strings sort first among those with the
			 * prefix */
			break;
		}
		hi++;
		if (!exact && hi - lo > 64) {
			/* long range: find its end by bisection */
			size_t a = hi, b = ix->n;
			while (a < b) {
				size_t mid = a + (b - a) / 2;
				if (strncmp(ix->e[mid].s, p, plen) <= 0)
					a = mid + 1;
				else
					b = mid;
			}
			hi = a;
			break;
		}
	}
	*hi_r = hi;
}

/* The position of the entry with this DN, or -1; *deep_r the deepest
 * existing entry above it (-1: none, the DN is outside the tree). */
static long dn_lookup(const struct ldap_dir *d, const struct rdn *r, size_t n,
		      long *deep_r)
{
	uint32_t cur;

	*deep_r = -1;
	if (n < d->n_base_rdn)
		return -1;
	for (size_t i = 0; i < d->n_base_rdn; i++)
		if (r[i].multi || r[i].attr == RDN_NONE ||
		    r[i].attr != d->base_rdn[i].attr ||
		    strcmp(r[i].val, d->base_rdn[i].val) != 0)
			return -1;
	cur = 0;
	for (size_t i = d->n_base_rdn; i < n; i++) {
		long next = -1;
		*deep_r = cur;
		if (r[i].multi)
			return -1;
		if (r[i].attr == A_OU) {
			for (uint32_t k = d->cstart[cur];
			     k < d->cstart[cur + 1]; k++) {
				const struct dent *e = &d->ents[d->child[k]];
				if (e->kind == E_UNIT &&
				    strcmp(d->units[e->idx].fold, r[i].val) ==
					    0) {
					next = d->child[k];
					break;
				}
			}
		} else if (r[i].attr == A_UID) {
			size_t lo, hi;
			ix_range(&d->uids, r[i].val, strlen(r[i].val), true,
				 &lo, &hi);
			for (size_t k = lo; k < hi; k++)
				if (d->ents[d->uids.e[k].pos].parent == cur)
					next = d->uids.e[k].pos;
		}
		if (next < 0)
			return -1;
		cur = (uint32_t)next;
	}
	return cur;
}

bool ldap_dir_holds_dn(const struct ldap_dir *d, const char *dn, size_t len)
{
	struct rdn *r;
	size_t n;
	bool ok = true;

	if (dn_parse(dn, len, &r, &n) != 0)
		return false;
	if (n < d->n_base_rdn)
		ok = false;
	for (size_t i = 0; ok && i < d->n_base_rdn; i++)
		if (r[i].multi || r[i].attr == RDN_NONE ||
		    r[i].attr != d->base_rdn[i].attr ||
		    strcmp(r[i].val, d->base_rdn[i].val) != 0)
			ok = false;
	rdns_free(r, n);
	return ok;
}

/* ---- building --------------------------------------------------------- */

static int dent_cmp(const void *a, const void *b)
{
	const struct dent *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

static int ix_add(struct ix *ix, size_t *cap, const char *s, uint32_t pos)
{
	if (ix->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct ixent *ne = realloc(ix->e, nc * sizeof(*ne));
		if (ne == NULL)
			return OB_E_NOMEM;
		ix->e = ne;
		*cap = nc;
	}
	ix->e[ix->n].s = s;
	ix->e[ix->n++].pos = pos;
	return 0;
}

static void ix_sort(struct ix *ix)
{
	for (size_t i = 0; i < ix->n; i++) {
		const unsigned char *p = (const unsigned char *)ix->e[i].s;
		uint32_t v = 0;
		for (int k = 0; k < 4; k++) {
			v = v << 8 | *p;
			if (*p)
				p++;
		}
		ix->e[i].pfx = v;
	}
	if (ix->n > 1)
		qsort(ix->e, ix->n, sizeof(struct ixent), ix_cmp);
}

static long pos_of_key(const struct ldap_dir *d, int64_t key)
{
	size_t lo = 0, hi = d->n_ents;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->ents[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->n_ents && d->ents[lo].key == key ? (long)lo : -1;
}

/* Entries, tree, DNs and indexes of d from its people and units. */
/* Merge into fresh (sorted) the entries of old that map to a position
 * of the new snapshot (map[old pos], UINT32_MAX: dropped): the mapping
 * keeps the order, so this is one pass. */
static int ix_merge(struct ix *fresh, const struct ix *old, const uint32_t *map)
{
	size_t n_old = 0, i = 0, j = 0, o = 0;
	struct ixent *out;

	for (size_t k = 0; k < old->n; k++)
		n_old += map[old->e[k].pos] != UINT32_MAX;
	if (n_old == 0)
		return 0;
	if ((out = malloc((fresh->n + n_old) * sizeof(*out))) == NULL)
		return OB_E_NOMEM;
	while (i < old->n || j < fresh->n) {
		struct ixent x;
		if (i < old->n && map[old->e[i].pos] == UINT32_MAX) {
			i++;
			continue;
		}
		if (i < old->n) {
			x = old->e[i];
			x.pos = map[x.pos];
		}
		if (j == fresh->n ||
		    (i < old->n && ix_cmp(&x, &fresh->e[j]) < 0)) {
			out[o++] = x;
			i++;
		} else {
			out[o++] = fresh->e[j++];
		}
	}
	free(fresh->e);
	fresh->e = out;
	fresh->n = o;
	return 0;
}

/* Entries, tree, DNs and indexes of d from its people and units; the
 * indexes of old (a snapshot the people blocks are shared with, may be
 * NULL) are reused for the people whose block did not change. */
static int dir_index(struct ldap_dir *d, const struct ldap_dir *old)
{
	uint32_t *map = NULL;
	bool *fresh = NULL;
	size_t n = 1 + d->n_units + d->n_people, k = 0;
	struct ob_buf dns;
	uint32_t *stack = NULL, *fill = NULL;
	size_t caps[A_N] = {0}, rcaps[A_N] = {0}, ucap = 0;
	int rc = OB_E_NOMEM;

	d->ents = calloc(n, sizeof(*d->ents));
	d->cstart = calloc(n + 1, sizeof(uint32_t));
	d->child = calloc(n, sizeof(uint32_t));
	stack = malloc(n * sizeof(uint32_t));
	fill = calloc(n, sizeof(uint32_t));
	if (!d->ents || !d->cstart || !d->child || !stack || !fill)
		goto out;
	d->n_ents = n;
	d->ents[k++] = (struct dent){.key = 1, .kind = E_BASE};
	for (size_t i = 0; i < d->n_units; i++)
		d->ents[k++] = (struct dent){.key = 2 * d->units[i].id,
					     .kind = E_UNIT,
					     .idx = (uint32_t)i};
	for (size_t i = 0; i < d->n_people; i++)
		d->ents[k++] = (struct dent){.key = 2 * d->people[i]->id + 1,
					     .kind = E_PERSON,
					     .idx = (uint32_t)i};
	qsort(d->ents, n, sizeof(*d->ents), dent_cmp);
	for (size_t i = 1; i < n; i++) {
		struct dent *e = &d->ents[i];
		int64_t pid = e->kind == E_UNIT ? d->units[e->idx].parent_id
						: d->people[e->idx]->unit_id;
		long p = pid > 0 ? pos_of_key(d, 2 * pid) : 0;
		e->parent = p < 0 ? 0 : (uint32_t)p;
		d->ents[e->parent].n_child++;
	}
	for (size_t i = 0; i < n; i++)
		d->cstart[i + 1] = d->cstart[i] + d->ents[i].n_child;
	for (size_t i = 1; i < n; i++) {
		uint32_t p = d->ents[i].parent;
		d->child[d->cstart[p] + fill[p]++] = (uint32_t)i;
	}
	/* depth-first: intervals and DNs (parents first); a unit cycle
	 * cannot happen in the store, and anything unreached stays under
	 * the base with an empty interval */
	ob_buf_init(&dns, SIZE_MAX / 2);
	if (ob_buf_add_str(&dns, d->base) || ob_buf_add_char(&dns, 0))
		goto out_dns;
	{
		size_t sp = 0;
		uint32_t counter = 0;
		memset(fill, 0, n * sizeof(uint32_t));
		stack[sp++] = 0;
		d->ents[0].in = counter++;
		while (sp > 0) {
			uint32_t top = stack[sp - 1];
			if (fill[top] < d->ents[top].n_child) {
				uint32_t c =
					d->child[d->cstart[top] + fill[top]++];
				struct dent *e = &d->ents[c];
				const char *rdn =
					e->kind == E_UNIT
						? d->units[e->idx].name
						: ps(d->people[e->idx],
						     d->people[e->idx]->uid);
				e->in = counter++;
				/* room first: the parent's DN is copied from
				 * this buffer */
				size_t need =
					8 + 3 * strlen(rdn) +
					strlen(dns.data + d->ents[top].dn);
				rc = 0;
				if (dns.alloc - dns.len < need + 1)
					rc = ob_buf_reserve(
						&dns, need > dns.len ? need
								     : dns.len);
				if (rc)
					goto out_dns;
				e->dn = dns.len;
				if (e->kind == E_UNIT) {
					rc = ob_buf_add_str(&dns, "ou=");
					rc = rc ? rc
						: dn_escape(&dns,
							    d->units[e->idx]
								    .name);
				} else {
					rc = ob_buf_add_str(&dns, "uid=");
					rc = rc ? rc
						: dn_escape(
							  &dns,
							  ps(d->people[e->idx],
							     d->people[e->idx]
								     ->uid));
				}
				rc = rc ? rc : ob_buf_add_char(&dns, ',');
				rc = rc ? rc
					: ob_buf_add_str(
						  &dns,
						  dns.data + d->ents[top].dn);
				rc = rc ? rc : ob_buf_add_char(&dns, 0);
				if (rc)
					goto out_dns;
				if (sp < n)
					stack[sp++] = c;
			} else {
				d->ents[top].out = counter;
				sp--;
			}
		}
	}
	d->dns = dns.data;
	dns.data = NULL;
	/* indexes: with old, only the people whose block changed are
	 * indexed here, the others come from old's arrays */
	if (old) {
		map = malloc((old->n_ents + 1) * sizeof(uint32_t));
		fresh = malloc(n * sizeof(bool));
		if (map == NULL || fresh == NULL)
			goto out;
		for (size_t i = 0; i < n; i++)
			fresh[i] = true;
		for (size_t i = 0, j = 0; i < old->n_ents; i++) {
			const struct dent *oe = &old->ents[i];
			map[i] = UINT32_MAX;
			while (j < n && d->ents[j].key < oe->key)
				j++;
			if (j < n && d->ents[j].key == oe->key &&
			    oe->kind == E_PERSON &&
			    d->ents[j].kind == E_PERSON &&
			    old->people[oe->idx] == d->people[d->ents[j].idx]) {
				map[i] = (uint32_t)j;
				fresh[j] = false;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct dent *e = &d->ents[i];
		if (e->kind != E_PERSON || (fresh && !fresh[i]))
			continue;
		const struct prec *p = d->people[e->idx];
		if (ix_add(&d->uids, &ucap, NULL, (uint32_t)i))
			goto out;
		for (uint32_t v = 0; v < p->n_val; v++) {
			const struct pval *pv = &p->val[v];
			unsigned f = attrs[pv->attr].flags;
			if (pv->attr == A_UID && !(pv->flags & VF_SORT))
				d->uids.e[d->uids.n - 1].s = ps(p, pv->fold);
			if (pv->flags & VF_SORT)
				continue;
			if ((f & (AF_NAME | AF_NUM)) &&
			    ix_add(&d->fwd[pv->attr], &caps[pv->attr],
				   ps(p, pv->fold), (uint32_t)i))
				goto out;
			if ((f & AF_NUM) &&
			    ix_add(&d->rvx[pv->attr], &rcaps[pv->attr],
				   ps(p, pv->rev), (uint32_t)i))
				goto out;
		}
		if (d->uids.e[d->uids.n - 1].s == NULL)
			d->uids.e[d->uids.n - 1].s = "";
	}
	ix_sort(&d->uids);
	if (old && ix_merge(&d->uids, &old->uids, map) != 0)
		goto out;
	d->bytes = n * (sizeof(struct dent) + 3 * sizeof(uint32_t)) +
		   (d->dns ? strlen(d->dns) : 0) +
		   d->uids.n * sizeof(struct ixent);
	for (size_t i = 0; i < n; i++)
		if (d->ents[i].kind != E_BASE)
			d->bytes += strlen(d->dns + d->ents[i].dn) + 1;
	for (int a = 0; a < A_N; a++) {
		ix_sort(&d->fwd[a]);
		ix_sort(&d->rvx[a]);
		if (old && (ix_merge(&d->fwd[a], &old->fwd[a], map) != 0 ||
			    ix_merge(&d->rvx[a], &old->rvx[a], map) != 0))
			goto out;
		d->bytes += (d->fwd[a].n + d->rvx[a].n) * sizeof(struct ixent);
	}
	for (size_t i = 0; i < d->n_people; i++) {
		const struct prec *p = d->people[i];
		const char *end = ps(p, p->uid);
		d->bytes += (size_t)(end - (const char *)p) + strlen(end) + 1;
	}
	rc = 0;
	goto out;
out_dns:
	ob_buf_deinit(&dns);
	rc = OB_E_NOMEM;
out:
	free(map);
	free(fresh);
	free(stack);
	free(fill);
	return rc;
}

/* ---- values of an entry ----------------------------------------------- */

struct vref {
	const char *raw, *fold, *rev;
	bool match_only;
};

#define VMAX 128

static void fmt_time(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, size, "%Y%m%d%H%M%SZ", &tm);
}

static const char *const oc_person[] = {"top", "person", "organizationalPerson",
					"inetOrgPerson", "orgbookPerson"};
static const char *const oc_unit[] = {"top", "organizationalUnit"};
static const char *const oc_base[] = {"top", "dcObject", "organization"};
static const char *const oc_fold_person[] = {"top", "person",
					     "organizationalperson",
					     "inetorgperson", "orgbookperson"};
static const char *const oc_fold_unit[] = {"top", "organizationalunit"};
static const char *const oc_fold_base[] = {"top", "dcobject", "organization"};

/* The values of attribute a of the entry at pos into v (at most VMAX);
 * scratch (64 bytes at least) holds a formatted one. Match-only values
 * (pinyin) come with match_only set; sort keys never. */
static size_t entry_vals(const struct ldap_dir *d, uint32_t pos, int a,
			 struct vref *v, char *scratch, size_t ssize)
{
	const struct dent *e = &d->ents[pos];
	size_t n = 0;

	switch (a) {
	case A_OBJECTCLASS: {
		const char *const *r = e->kind == E_PERSON ? oc_person
				       : e->kind == E_UNIT ? oc_unit
							   : oc_base;
		const char *const *f = e->kind == E_PERSON ? oc_fold_person
				       : e->kind == E_UNIT ? oc_fold_unit
							   : oc_fold_base;
		n = e->kind == E_PERSON ? 5 : e->kind == E_UNIT ? 2 : 3;
		for (size_t i = 0; i < n; i++)
			v[i] = (struct vref){r[i], f[i], NULL, false};
		return n;
	}
	case A_O:
		if (e->kind == E_UNIT || d->display[0] == '\0')
			return 0;
		v[0] = (struct vref){d->display,
				     d->display + strlen(d->display) + 1, NULL,
				     false};
		return 1;
	case A_DC:
		if (e->kind != E_BASE || d->dc == NULL)
			return 0;
		v[0] = (struct vref){d->dc, d->dc + strlen(d->dc) + 1, NULL,
				     false};
		return 1;
	case A_OU: {
		const struct dunit *u = NULL;
		if (e->kind == E_UNIT)
			u = &d->units[e->idx];
		else if (e->kind == E_PERSON && e->parent != 0)
			u = &d->units[d->ents[e->parent].idx];
		if (u == NULL)
			return 0;
		v[0] = (struct vref){u->name, u->fold, NULL, false};
		return 1;
	}
	case A_MODTS:
		if (e->kind != E_PERSON || d->people[e->idx]->mtime <= 0)
			return 0;
		fmt_time(d->people[e->idx]->mtime, scratch, ssize);
		v[0] = (struct vref){scratch, scratch, NULL, false};
		return 1;
	case A_ENTRYDN:
		v[0] = (struct vref){d->dns + e->dn, NULL, NULL, false};
		return 1;
	case A_HASSUB:
		v[0] = e->n_child
			       ? (struct vref){"TRUE", "true", NULL, false}
			       : (struct vref){"FALSE", "false", NULL, false};
		return 1;
	case A_STRUCTOC:
		v[0].raw = e->kind == E_PERSON ? "inetOrgPerson"
			   : e->kind == E_UNIT ? "organizationalUnit"
					       : "organization";
		v[0].fold = e->kind == E_PERSON ? "inetorgperson"
			    : e->kind == E_UNIT ? "organizationalunit"
						: "organization";
		v[0].rev = NULL;
		v[0].match_only = false;
		return 1;
	case A_JPEG:
		return 0;
	default:
		break;
	}
	if (e->kind != E_PERSON)
		return 0;
	const struct prec *p = d->people[e->idx];
	for (uint32_t i = 0; i < p->n_val && n < VMAX; i++) {
		const struct pval *pv = &p->val[i];
		if (pv->attr != a || (pv->flags & VF_SORT))
			continue;
		v[n++] = (struct vref){ps(p, pv->raw), ps(p, pv->fold),
				       pv->rev ? ps(p, pv->rev) : NULL,
				       (pv->flags & VF_MATCH) != 0};
	}
	return n;
}

/* ---- filters ---------------------------------------------------------- */

enum tv { TV_FALSE, TV_TRUE, TV_UNDEF };

/* A filter compiled against the snapshot: attributes resolved,
 * assertions folded. */
struct cf {
	enum ldap_filter_kind kind;
	int attr;   /* -1: unknown */
	bool never; /* an assertion that cannot hold (no digits) */
	char *val;
	size_t vlen;
	char **piece; /* initial (when has_initial), any, final */
	size_t *plen;
	size_t n_piece;
	bool has_initial, has_final;
	struct cf *sub;
	size_t n_sub;
};

static void cf_free(struct cf *c)
{
	for (size_t i = 0; i < c->n_sub; i++)
		cf_free(&c->sub[i]);
	free(c->sub);
	free(c->val);
	for (size_t i = 0; i < c->n_piece; i++)
		free(c->piece[i]);
	free(c->piece);
	free(c->plen);
}

/* Fold an assertion for attribute a (digits for numbers; number: the
 * digits before an extension). */
static char *fold_for(int a, const struct ldap_val *v, bool number,
		      size_t *len_r)
{
	char *out = malloc(v->len + 1);

	if (out == NULL)
		return NULL;
	if (a >= 0 && (attrs[a].flags & AF_NUM))
		*len_r = number && a != A_IPPHONE
				 ? number_digits(v->p ? v->p : "", v->len, out)
				 : digits_of(v->p ? v->p : "", v->len, out);
	else
		*len_r = fold_text(v->p ? v->p : "", v->len, out);
	return out;
}

static int cf_compile(const struct ldap_filter *f, struct cf *c, int depth)
{
	memset(c, 0, sizeof(*c));
	c->kind = f->kind;
	c->attr = -1;
	if (depth > LDAP_FILTER_DEPTH * 4)
		return OB_E_INVAL;
	switch (f->kind) {
	case LDAP_F_AND:
	case LDAP_F_OR:
	case LDAP_F_NOT:
		if (f->n_sub == 0)
			return 0;
		if ((c->sub = calloc(f->n_sub, sizeof(*c->sub))) == NULL)
			return OB_E_NOMEM;
		for (size_t i = 0; i < f->n_sub; i++) {
			int rc = cf_compile(f->sub[i], &c->sub[i], depth + 1);
			c->n_sub = i + 1;
			if (rc)
				return rc;
		}
		return 0;
	case LDAP_F_EXT:
		return 0;
	default:
		break;
	}
	c->attr = f->attr.p ? attr_of(f->attr.p, f->attr.len) : -1;
	if (c->attr == A_JPEG)
		c->attr = -1; /* no matching rule we apply to photos */
	if (c->attr < 0)
		return 0;
	if (f->kind == LDAP_F_SUBSTR) {
		size_t np = 0, all = f->n_any + 2;
		c->piece = calloc(all, sizeof(*c->piece));
		c->plen = calloc(all, sizeof(*c->plen));
		if (c->piece == NULL || c->plen == NULL)
			return OB_E_NOMEM;
		c->has_initial = f->initial.p != NULL;
		c->has_final = f->final.p != NULL;
		for (size_t i = 0; i < all; i++) {
			const struct ldap_val *pv;
			if (i == 0)
				pv = f->initial.p ? &f->initial : NULL;
			else if (i == all - 1)
				pv = f->final.p ? &f->final : NULL;
			else
				pv = &f->any[i - 1];
			if (pv == NULL)
				continue;
			c->piece[np] =
				fold_for(c->attr, pv, false, &c->plen[np]);
			np++;
			c->n_piece = np;
			if (c->piece[np - 1] == NULL)
				return OB_E_NOMEM;
		}
		/* a number's substrings without a digit ("(telephoneNumber=
		 * zh*)" from a phone's name-or-number template) match no
		 * number, rather than every one */
		if (attrs[c->attr].flags & AF_NUM) {
			c->never = true;
			for (size_t i = 0; i < np; i++)
				if (c->plen[i] > 0)
					c->never = false;
		}
		return 0;
		return 0;
	}
	if (f->kind != LDAP_F_PRESENT) {
		c->val = fold_for(c->attr, &f->value, true, &c->vlen);
		if (c->val == NULL)
			return OB_E_NOMEM;
		if ((attrs[c->attr].flags & AF_NUM) && c->vlen == 0 &&
		    f->kind == LDAP_F_EQ)
			c->never = true;
	}
	return 0;
}

static bool substr_ok(const struct cf *c, const char *v)
{
	size_t vl = strlen(v), at = 0, first = 0, last = c->n_piece;

	if (c->has_initial) {
		if (c->plen[0] > vl || memcmp(v, c->piece[0], c->plen[0]) != 0)
			return false;
		at = c->plen[0];
		first = 1;
	}
	if (c->has_final) {
		size_t fl = c->plen[c->n_piece - 1];
		if (fl > vl - at ||
		    memcmp(v + vl - fl, c->piece[c->n_piece - 1], fl) != 0)
			return false;
		vl -= fl;
		last--;
	}
	for (size_t i = first; i < last; i++) {
		const char *hit;
		if (c->plen[i] == 0)
			continue;
		if (at > vl)
			return false;
		/* search within v[at..vl) */
		const char *from = v + at, *lim = v + vl;
		hit = NULL;
		while (from + c->plen[i] <= lim) {
			const char *q =
				memchr(from, c->piece[i][0],
				       (size_t)(lim - from) - c->plen[i] + 1);
			if (q == NULL)
				break;
			if (memcmp(q, c->piece[i], c->plen[i]) == 0) {
				hit = q;
				break;
			}
			from = q + 1;
		}
		if (hit == NULL)
			return false;
		at = (size_t)(hit - v) + c->plen[i];
	}
	return true;
}

/* Is attribute a held in the person's block (not made up per entry)? */
static bool stored(int a)
{
	switch (a) {
	case A_OBJECTCLASS:
	case A_O:
	case A_DC:
	case A_OU:
	case A_MODTS:
	case A_ENTRYDN:
	case A_HASSUB:
	case A_STRUCTOC:
	case A_JPEG:
		return false;
	default:
		return true;
	}
}

/* Does the folded value f match the leaf c? */
static bool leaf_match(const struct cf *c, const char *f, bool num)
{
	switch (c->kind) {
	case LDAP_F_EQ:
		return num ? number_eq(f, strlen(f), c->val, c->vlen)
			   : strcmp(f, c->val) == 0;
	case LDAP_F_SUBSTR:
		return substr_ok(c, f);
	case LDAP_F_GE:
		return strcmp(f, c->val) >= 0;
	case LDAP_F_LE:
		return strcmp(f, c->val) <= 0;
	case LDAP_F_APPROX:
		return strstr(f, c->val) != NULL;
	default:
		return false;
	}
}

static enum tv eval(const struct ldap_dir *d, uint32_t pos, const struct cf *c)
{
	struct vref v[VMAX];
	char scratch[64];
	size_t n;
	enum tv r;

	switch (c->kind) {
	case LDAP_F_AND:
		r = TV_TRUE;
		for (size_t i = 0; i < c->n_sub; i++) {
			enum tv s = eval(d, pos, &c->sub[i]);
			if (s == TV_FALSE)
				return TV_FALSE;
			if (s == TV_UNDEF)
				r = TV_UNDEF;
		}
		return r;
	case LDAP_F_OR:
		r = TV_FALSE;
		for (size_t i = 0; i < c->n_sub; i++) {
			enum tv s = eval(d, pos, &c->sub[i]);
			if (s == TV_TRUE)
				return TV_TRUE;
			if (s == TV_UNDEF)
				r = TV_UNDEF;
		}
		return r;
	case LDAP_F_NOT:
		if (c->n_sub != 1)
			return TV_UNDEF;
		r = eval(d, pos, &c->sub[0]);
		return r == TV_UNDEF ? r : r == TV_TRUE ? TV_FALSE : TV_TRUE;
	case LDAP_F_EXT:
		return TV_UNDEF;
	default:
		break;
	}
	if (c->attr < 0)
		return c->kind == LDAP_F_PRESENT ? TV_FALSE : TV_UNDEF;
	bool num = (attrs[c->attr].flags & AF_NUM) != 0;
	const struct dent *e = &d->ents[pos];
	if (e->kind == E_PERSON && stored(c->attr)) {
		/* the tight loop: the person's values in place */
		const struct prec *p = d->people[e->idx];
		for (uint32_t i = 0; i < p->n_val; i++) {
			const struct pval *pv = &p->val[i];
			if (pv->attr != c->attr || (pv->flags & VF_SORT))
				continue;
			if (c->kind == LDAP_F_PRESENT)
				return TV_TRUE;
			if (c->never)
				return TV_FALSE;
			if (leaf_match(c, ps(p, pv->fold), num))
				return TV_TRUE;
		}
		return TV_FALSE;
	}
	n = entry_vals(d, pos, c->attr, v, scratch, sizeof(scratch));
	if (c->kind == LDAP_F_PRESENT)
		return n > 0 ? TV_TRUE : TV_FALSE;
	if (c->never)
		return TV_FALSE;
	for (size_t i = 0; i < n; i++) {
		const char *f = v[i].fold;
		char tmp[DSTORE_NAME_MAX * 4];
		if (f == NULL) { /* entryDN: fold it now */
			size_t l = strlen(v[i].raw);
			if (l >= sizeof(tmp))
				l = sizeof(tmp) - 1;
			fold_text(v[i].raw, l, tmp);
			f = tmp;
		}
		if (leaf_match(c, f, num))
			return TV_TRUE;
	}
	return TV_FALSE;
}

/* ---- planning with the indexes ---------------------------------------- */

#define NO_PLAN SIZE_MAX

/* Call mark for each index position range that covers the hits of c
 * (a superset), or return NO_PLAN when the indexes cannot; returns the
 * size of the ranges. mark may be NULL (count only). */
static size_t plan(const struct ldap_dir *d, const struct cf *c, uint64_t *bits)
{
	size_t lo, hi, total = 0;

	switch (c->kind) {
	case LDAP_F_AND: {
		size_t best = NO_PLAN, bi = 0;
		for (size_t i = 0; i < c->n_sub; i++) {
			size_t s = plan(d, &c->sub[i], NULL);
			if (s < best)
				best = s, bi = i;
		}
		if (best != NO_PLAN && bits)
			plan(d, &c->sub[bi], bits);
		return best;
	}
	case LDAP_F_OR:
		if (c->n_sub == 0)
			return 0;
		for (size_t i = 0; i < c->n_sub; i++) {
			size_t s = plan(d, &c->sub[i], NULL);
			if (s == NO_PLAN)
				return NO_PLAN;
			total += s;
		}
		for (size_t i = 0; bits && i < c->n_sub; i++)
			plan(d, &c->sub[i], bits);
		return total;
	case LDAP_F_EQ:
	case LDAP_F_SUBSTR:
		break;
	default:
		return NO_PLAN;
	}
	if (c->attr < 0)
		return c->kind == LDAP_F_EQ || c->kind == LDAP_F_SUBSTR
			       ? 0
			       : NO_PLAN;
	unsigned fl = attrs[c->attr].flags;
	const struct ix *fw = &d->fwd[c->attr], *rv = &d->rvx[c->attr];
	if (!(fl & (AF_NAME | AF_NUM)))
		return NO_PLAN;
	if (c->kind == LDAP_F_EQ && (fl & AF_NAME)) {
		ix_range(fw, c->val, c->vlen, true, &lo, &hi);
		for (size_t k = lo; bits && k < hi; k++)
			bits[fw->e[k].pos / 64] |= 1ull << (fw->e[k].pos % 64);
		return hi - lo;
	}
	if (c->kind == LDAP_F_EQ) {
		/* q' (leading zeros dropped) reversed: values ending with
		 * it, and values equal to a suffix of it of 7 digits or
		 * more */
		char r[512];
		const char *q = c->val;
		size_t ql = c->vlen;
		if (c->never)
			return 0;
		while (ql > 0 && *q == '0')
			q++, ql--;
		if (ql == 0 || ql >= sizeof(r))
			return NO_PLAN;
		memcpy(r, q, ql);
		reverse(r, ql);
		for (size_t l = ql; l >= 1; l--) {
			if (l < ql && (l < 7 || q[ql - l] == '0'))
				continue;
			ix_range(rv, r, l, false, &lo, &hi);
			for (size_t k = lo; bits && k < hi; k++)
				bits[rv->e[k].pos / 64] |=
					1ull << (rv->e[k].pos % 64);
			total += hi - lo;
		}
		return total;
	}
	if (c->never)
		return 0;
	/* substrings: the initial on the forward index, the final of a
	 * number on the reversed one, whichever is narrower */
	size_t best = NO_PLAN;
	const struct ix *bix = NULL;
	size_t blo = 0, bhi = 0;
	if (c->has_initial && c->plen[0] > 0) {
		ix_range(fw, c->piece[0], c->plen[0], false, &lo, &hi);
		best = hi - lo, bix = fw, blo = lo, bhi = hi;
	}
	if (c->has_final && (fl & AF_NUM) && c->plen[c->n_piece - 1] > 0) {
		char r[512];
		size_t l = c->plen[c->n_piece - 1];
		if (l < sizeof(r)) {
			memcpy(r, c->piece[c->n_piece - 1], l);
			reverse(r, l);
			ix_range(rv, r, l, false, &lo, &hi);
			if (hi - lo < best)
				best = hi - lo, bix = rv, blo = lo, bhi = hi;
		}
	}
	for (size_t k = blo; bits && bix && k < bhi; k++)
		bits[bix->e[k].pos / 64] |= 1ull << (bix->e[k].pos % 64);
	return best;
}

/* ---- search ----------------------------------------------------------- */

void ldap_hits_free(struct ldap_hits *h)
{
	free(h->pos);
	h->pos = NULL;
	h->n = 0;
	h->more = false;
}

int64_t ldap_dir_key(const struct ldap_dir *d, uint32_t pos)
{
	return pos < d->n_ents ? d->ents[pos].key : 0;
}

static bool in_scope(const struct ldap_dir *d, uint32_t b, enum ldap_scope s,
		     uint32_t pos)
{
	const struct dent *e = &d->ents[pos], *be = &d->ents[b];

	switch (s) {
	case LDAP_SCOPE_BASE:
		return pos == b;
	case LDAP_SCOPE_ONE:
		return pos != b && e->parent == b;
	default:
		return e->in >= be->in && e->in < be->out;
	}
}

/* The sort key of attribute a of the entry: its least value (names: the
 * pinyin-folded key), NULL when none. */
static const char *sort_key(const struct ldap_dir *d, uint32_t pos, int a,
			    char *scratch, size_t ssize)
{
	struct vref v[VMAX];
	const char *best = NULL;
	size_t n;

	if (a < 0)
		return NULL;
	if ((attrs[a].flags & AF_NAME) && d->ents[pos].kind == E_PERSON) {
		const struct prec *p = d->people[d->ents[pos].idx];
		for (uint32_t i = 0; i < p->n_val; i++)
			if (p->val[i].attr == a && (p->val[i].flags & VF_SORT))
				if (!best ||
				    strcmp(ps(p, p->val[i].fold), best) < 0)
					best = ps(p, p->val[i].fold);
		return best;
	}
	n = entry_vals(d, pos, a, v, scratch, ssize);
	for (size_t i = 0; i < n; i++) {
		const char *f = v[i].fold ? v[i].fold : v[i].raw;
		if (!v[i].match_only && (!best || strcmp(f, best) < 0))
			best = f;
	}
	return best;
}

struct sorting {
	const struct ldap_sort *sort;
	int attr[16];
	size_t n;
};

struct srec {
	uint32_t pos;
	const struct sorting *s;
	const char *k[16];
	char ts[24]; /* a modifyTimestamp key */
};

static int srec_cmp(const void *a, const void *b)
{
	const struct srec *x = a, *y = b;

	for (size_t i = 0; i < x->s->n; i++) {
		const char *p = x->k[i], *q = y->k[i];
		int c;
		if (!p && !q)
			continue;
		if (!p || !q)
			return p ? -1 : 1; /* absent last, either way */
		c = strcmp(p, q);
		if (x->s->sort->keys[i].reverse)
			c = -c;
		if (c)
			return c;
	}
	return (x->pos > y->pos) - (x->pos < y->pos);
}

static void sorting_init(struct sorting *s, const struct ldap_sort *sort)
{
	s->sort = sort;
	s->n = sort->n_keys < 16 ? sort->n_keys : 16;
	for (size_t i = 0; i < s->n; i++)
		s->attr[i] = sort->keys[i].attr.p
				     ? attr_of(sort->keys[i].attr.p,
					       sort->keys[i].attr.len)
				     : -1;
}

static int sort_hits(const struct ldap_dir *d, const struct ldap_sort *sort,
		     struct ldap_hits *h)
{
	struct sorting s;
	struct srec *r;

	if (h->n < 2 || sort == NULL || sort->n_keys == 0)
		return 0;
	sorting_init(&s, sort);
	if ((r = malloc(h->n * sizeof(*r))) == NULL)
		return OB_E_NOMEM;
	for (size_t i = 0; i < h->n; i++) {
		r[i].pos = h->pos[i];
		r[i].s = &s;
		for (size_t k = 0; k < s.n; k++)
			r[i].k[k] = sort_key(d, h->pos[i], s.attr[k], r[i].ts,
					     sizeof(r[i].ts));
	}
	qsort(r, h->n, sizeof(*r), srec_cmp);
	for (size_t i = 0; i < h->n; i++)
		h->pos[i] = r[i].pos;
	free(r);
	return 0;
}

static int hit_add(struct ldap_hits *h, size_t *cap, uint32_t pos)
{
	if (h->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		uint32_t *np = realloc(h->pos, nc * sizeof(*np));
		if (np == NULL)
			return OB_E_NOMEM;
		h->pos = np;
		*cap = nc;
	}
	h->pos[h->n++] = pos;
	return 0;
}

int ldap_dir_search(const struct ldap_dir *d, const struct ldap_search *q,
		    const struct ldap_sort *sort, int64_t after_key,
		    size_t limit, struct ldap_hits *h, enum ldap_rc *rc_r,
		    const char **matched_r, struct ob_err *err)
{
	struct rdn *r = NULL;
	size_t nr = 0, cap = 0, start;
	long b, deep;
	struct cf c;
	uint64_t *bits = NULL;
	bool sorted = sort && sort->n_keys > 0;
	int rc;

	memset(h, 0, sizeof(*h));
	*rc_r = LDAP_RC_SUCCESS;
	*matched_r = "";
	rc = dn_parse(q->base.p ? q->base.p : "", q->base.len, &r, &nr);
	if (rc == OB_E_PARSE) {
		*rc_r = LDAP_RC_INVALID_DN;
		return 0;
	}
	if (rc)
		return ob_err_set(err, rc, "out of memory");
	b = dn_lookup(d, r, nr, &deep);
	rdns_free(r, nr);
	if (b < 0) {
		*rc_r = LDAP_RC_NO_SUCH_OBJECT;
		*matched_r = deep >= 0 ? d->dns + d->ents[deep].dn : "";
		return 0;
	}
	if (q->filter == NULL) {
		memset(&c, 0, sizeof(c));
		c.kind = LDAP_F_AND; /* absolute true */
	} else if ((rc = cf_compile(q->filter, &c, 0)) != 0) {
		cf_free(&c);
		return ob_err_set(err, rc,
				  rc == OB_E_NOMEM ? "out of memory"
						   : "filter nested too deep");
	}
	/* the first position after after_key */
	{
		size_t lo = 0, hi = d->n_ents;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (d->ents[mid].key <= after_key)
				lo = mid + 1;
			else
				hi = mid;
		}
		start = lo;
	}
	if (sorted)
		limit = 0, start = 0;
	if (q->scope == LDAP_SCOPE_BASE) {
		if ((size_t)b >= start && eval(d, (uint32_t)b, &c) == TV_TRUE)
			rc = hit_add(h, &cap, (uint32_t)b);
		goto done;
	}
	if (plan(d, &c, NULL) != NO_PLAN) {
		size_t words = (d->n_ents + 63) / 64;
		if ((bits = calloc(words, sizeof(uint64_t))) == NULL) {
			rc = OB_E_NOMEM;
			goto done;
		}
		plan(d, &c, bits);
		for (size_t w = start / 64; w < words; w++) {
			uint64_t m = bits[w];
			if (w == start / 64)
				m &= ~0ull << (start % 64);
			while (m) {
				uint32_t pos =
					(uint32_t)(w * 64 +
						   (size_t)__builtin_ctzll(m));
				m &= m - 1;
				if (!in_scope(d, (uint32_t)b, q->scope, pos) ||
				    eval(d, pos, &c) != TV_TRUE)
					continue;
				if (limit && h->n == limit) {
					h->more = true;
					goto done;
				}
				if ((rc = hit_add(h, &cap, pos)) != 0)
					goto done;
			}
		}
		goto done;
	}
	for (size_t pos = start; pos < d->n_ents; pos++) {
		if (!in_scope(d, (uint32_t)b, q->scope, (uint32_t)pos) ||
		    eval(d, (uint32_t)pos, &c) != TV_TRUE)
			continue;
		if (limit && h->n == limit) {
			h->more = true;
			break;
		}
		if ((rc = hit_add(h, &cap, (uint32_t)pos)) != 0)
			break;
	}
done:
	free(bits);
	cf_free(&c);
	if (rc == 0 && sorted)
		rc = sort_hits(d, sort, h);
	if (rc) {
		ldap_hits_free(h);
		return ob_err_set(err, rc, "out of memory");
	}
	return 0;
}

size_t ldap_dir_seek(const struct ldap_dir *d, const struct ldap_hits *h,
		     const struct ldap_sort *sort, const char *value,
		     size_t len)
{
	size_t lo = 0, hi = h->n;
	int a;
	char *v;
	bool rev;

	if (sort == NULL || sort->n_keys == 0 || sort->keys[0].attr.p == NULL)
		return 0;
	a = attr_of(sort->keys[0].attr.p, sort->keys[0].attr.len);
	rev = sort->keys[0].reverse;
	if ((v = malloc(len + 1)) == NULL)
		return 0;
	if (a >= 0 && (attrs[a].flags & AF_NUM))
		digits_of(value, len, v);
	else
		fold_text(value, len, v);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		char scratch[32];
		const char *k =
			sort_key(d, h->pos[mid], a, scratch, sizeof(scratch));
		/* a name's key is "pinyin\x01text": the value is matched
		 * against the part before the mark */
		int cmp = 0;
		if (k) {
			size_t kl = strcspn(k, "\x01"), vl = strlen(v);
			cmp = memcmp(k, v, kl < vl ? kl : vl);
			if (cmp == 0)
				cmp = (kl > vl) - (kl < vl);
		}
		bool at_or_after = k == NULL || (rev ? cmp <= 0 : cmp >= 0);
		if (at_or_after)
			hi = mid;
		else
			lo = mid + 1;
	}
	free(v);
	return lo;
}

/* ---- writing entries -------------------------------------------------- */

static bool is_jpeg(const unsigned char *p, size_t n)
{
	return n >= 4 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF;
}

int ldap_dir_put_entry(const struct ldap_dir *d, uint32_t pos, int32_t msgid,
		       const struct ldap_val *want, size_t n_want,
		       bool types_only, struct dstore *store,
		       struct ob_buf *out, struct ob_err *err)
{
	bool sel[A_N] = {false}, all_user = n_want == 0, all_oper = false;
	struct ldap_entry_w w;
	const struct dent *e;
	const char *dn;
	int rc;

	if (pos >= d->n_ents)
		return ob_err_set(err, OB_E_INVAL, "no entry at %u", pos);
	e = &d->ents[pos];
	dn = d->dns + e->dn;
	for (size_t i = 0; i < n_want; i++) {
		const struct ldap_val *v = &want[i];
		int a;
		if (v->p == NULL)
			continue;
		if (v->len == 1 && v->p[0] == '*')
			all_user = true;
		else if (v->len == 1 && v->p[0] == '+')
			all_oper = true;
		else if ((a = attr_of(v->p, v->len)) >= 0)
			sel[a] = true;
	}
	ldap_entry_begin(&w, out, msgid, dn, strlen(dn));
	for (int a = 0; a < A_N; a++) {
		struct vref v[VMAX];
		struct ldap_val lv[VMAX];
		char scratch[64];
		size_t n, k = 0;
		bool oper = (attrs[a].flags & AF_OPER) != 0;
		if (!(sel[a] || (oper ? all_oper : all_user && a != A_JPEG)))
			continue;
		if (a == A_JPEG) {
			struct dstore_person p;
			struct ob_err e2;
			if (e->kind != E_PERSON || d->max_photo == 0 ||
			    store == NULL)
				continue;
			const struct prec *pr = d->people[e->idx];
			if (dstore_person_get(store, d->tenant_id,
					      ps(pr, pr->uid), true, &p,
					      &e2) != 0)
				continue;
			const unsigned char *ph = NULL;
			unsigned char *own = NULL;
			size_t pl = 0;
			if (d->photo_edge == 0) {
				if (p.photo && p.photo_len <= d->max_photo &&
				    is_jpeg(p.photo, p.photo_len)) {
					ph = p.photo;
					pl = p.photo_len;
				}
			} else {
				struct dcard_render_opts o = {
					.photo = true,
					.max_photo_bytes = d->max_photo,
					.photo_edge = d->photo_edge,
					.thumbs = store,
					.thumb_tenant = d->tenant_id,
				};
				if (dcard_photo_fit(&p, &o, &ph, &pl, &own,
						    &e2) != 0)
					ph = NULL;
				if (ph != NULL && !is_jpeg(ph, pl)) {
					/* a small PNG kept as stored: the
					 * attribute is JPEG by definition */
					uint8_t *j = NULL;
					size_t jl = 0;
					if (img_thumb(ph, pl, NULL,
						      d->photo_edge, 80, &j,
						      &jl, NULL, &e2) == 0 &&
					    jl <= d->max_photo) {
						free(own);
						own = j;
						ph = j;
						pl = jl;
					} else {
						free(j);
						ph = NULL;
					}
				}
			}
			if (ph != NULL) {
				lv[0].p = (char *)ph;
				lv[0].len = pl;
				ldap_entry_attr(&w, attrs[a].name, lv, 1,
						types_only);
			}
			free(own);
			dstore_person_deinit(&p);
			continue;
		}
		n = entry_vals(d, pos, a, v, scratch, sizeof(scratch));
		for (size_t i = 0; i < n; i++)
			if (!v[i].match_only) {
				lv[k].p = (char *)v[i].raw;
				lv[k++].len = strlen(v[i].raw);
			}
		if (k)
			ldap_entry_attr(&w, attrs[a].name, lv, k, types_only);
	}
	if ((rc = ldap_entry_end(&w)) != 0)
		return ob_err_set(err, rc, "the entry %s does not fit", dn);
	return 0;
}

enum ldap_rc ldap_dir_compare(const struct ldap_dir *d, const char *dn,
			      size_t dn_len, const char *attr,
			      const char *value, size_t value_len)
{
	struct rdn *r;
	size_t nr;
	long pos, deep;
	struct ldap_filter f = {.kind = LDAP_F_EQ};
	struct cf c;
	enum tv t;
	struct vref v[VMAX];
	char scratch[64];
	int rc;

	if ((rc = dn_parse(dn, dn_len, &r, &nr)) != 0)
		return rc == OB_E_PARSE ? LDAP_RC_INVALID_DN : LDAP_RC_OTHER;
	pos = dn_lookup(d, r, nr, &deep);
	rdns_free(r, nr);
	if (pos < 0)
		return LDAP_RC_NO_SUCH_OBJECT;
	f.attr.p = (char *)attr;
	f.attr.len = strlen(attr);
	f.value.p = (char *)value;
	f.value.len = value_len;
	if (cf_compile(&f, &c, 0) != 0) {
		cf_free(&c);
		return LDAP_RC_OTHER;
	}
	if (c.attr < 0 || entry_vals(d, (uint32_t)pos, c.attr, v, scratch,
				     sizeof(scratch)) == 0) {
		cf_free(&c);
		return LDAP_RC_NO_SUCH_ATTRIBUTE;
	}
	t = eval(d, (uint32_t)pos, &c);
	cf_free(&c);
	return t == TV_TRUE ? LDAP_RC_COMPARE_TRUE : LDAP_RC_COMPARE_FALSE;
}

/* ---- loading ---------------------------------------------------------- */

struct change {
	int64_t id;
	char *uid;
	enum dfeed_kind kind;
};

struct load {
	struct prec **p;
	size_t n, cap;
	struct change *ch;
	size_t n_ch, cap_ch, max_ch;
	int err;
	struct dunit *u;
	size_t n_u, cap_u;
};

static int load_push(struct load *l, struct prec *p)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 1024;
		struct prec **np = realloc(l->p, nc * sizeof(*np));
		if (np == NULL)
			return OB_E_NOMEM;
		l->p = np;
		l->cap = nc;
	}
	l->p[l->n++] = p;
	return 0;
}

static int on_list(const struct dfeed_entry *e, void *ctx)
{
	struct load *l = ctx;
	struct prec *p;

	if (e->person == NULL || e->person->hidden)
		return 0;
	if ((p = prec_make(e->person, &l->err)) == NULL ||
	    load_push(l, p) != 0) {
		prec_unref(p);
		l->err = OB_E_NOMEM;
		return 1;
	}
	return 0;
}

static int on_change(const struct dfeed_entry *e, void *ctx)
{
	struct load *l = ctx;

	if (l->n_ch == l->max_ch)
		return 2; /* too many: list the view instead */
	if (l->n_ch == l->cap_ch) {
		size_t nc = l->cap_ch ? l->cap_ch * 2 : 64;
		struct change *nch = realloc(l->ch, nc * sizeof(*nch));
		if (nch == NULL) {
			l->err = OB_E_NOMEM;
			return 1;
		}
		l->ch = nch;
		l->cap_ch = nc;
	}
	if ((l->ch[l->n_ch].uid = strdup(e->uid ? e->uid : "")) == NULL) {
		l->err = OB_E_NOMEM;
		return 1;
	}
	l->ch[l->n_ch].id = e->person_id;
	l->ch[l->n_ch++].kind = e->kind;
	return 0;
}

static int on_unit(const struct dstore_unit *u, void *ctx)
{
	struct load *l = ctx;
	size_t len = strlen(u->name);

	if (l->n_u == l->cap_u) {
		size_t nc = l->cap_u ? l->cap_u * 2 : 64;
		struct dunit *nu = realloc(l->u, nc * sizeof(*nu));
		if (nu == NULL) {
			l->err = OB_E_NOMEM;
			return 1;
		}
		l->u = nu;
		l->cap_u = nc;
	}
	struct dunit *du = &l->u[l->n_u];
	du->id = u->id;
	du->parent_id = u->parent_id;
	du->name = strdup(u->name);
	du->fold = malloc(len + 1);
	if (du->name == NULL || du->fold == NULL) {
		free(du->name);
		free(du->fold);
		l->err = OB_E_NOMEM;
		return 1;
	}
	fold_text(u->name, len, du->fold);
	l->n_u++;
	return 0;
}

static int prec_cmp(const void *a, const void *b)
{
	const struct prec *x = *(struct prec *const *)a,
			  *y = *(struct prec *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Build the snapshot of the tenant: from old and the feed when it can,
 * else the whole view. */
static int dir_build(const struct ldap_dir_config *cfg, struct dstore *store,
		     const struct dstore_tenant *t, const char *base_dn,
		     const struct ldap_dir *old, struct ldap_dir **d_r,
		     struct ob_err *err)
{
	struct dfeed_view view = {.tenant_id = t->id};
	struct load l = {0};
	struct ldap_dir *d;
	int64_t rev = 0;
	int rc;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	atomic_init(&d->ref, 1);
	d->tenant_id = t->id;
	d->max_photo = cfg->max_photo;
	d->photo_edge = cfg->photo_edge;
	if (old) {
		l.max_ch = 1000 + old->n_people / 4;
		rc = dfeed_changes(store, &view, old->rev, 0, on_change, &l,
				   &rev, err);
		if (rc == 0 && l.err == 0) {
			/* merge: old people, minus the changed, plus their
			 * current versions */
			size_t i = 0, j = 0;
			while (rc == 0 && (i < old->n_people || j < l.n_ch)) {
				if (j == l.n_ch ||
				    (i < old->n_people &&
				     old->people[i]->id < l.ch[j].id)) {
					atomic_fetch_add(&old->people[i]->ref,
							 1);
					rc = load_push(&l, old->people[i]);
					if (rc)
						prec_unref(old->people[i]);
					i++;
					continue;
				}
				if (i < old->n_people &&
				    old->people[i]->id == l.ch[j].id)
					i++;
				if (l.ch[j].kind != DFEED_REMOVE) {
					struct dstore_person p;
					int g = dstore_person_get(
						store, t->id, l.ch[j].uid,
						false, &p, err);
					if (g == 0) {
						if (!p.hidden) {
							struct prec *np =
								prec_make(&p,
									  &rc);
							if (np &&
							    (rc = load_push(
								     &l, np)))
								prec_unref(np);
						}
						dstore_person_deinit(&p);
					} else if (g != OB_E_NOTFOUND) {
						rc = g;
					}
				}
				j++;
			}
			if (l.n > 1)
				qsort(l.p, l.n, sizeof(*l.p), prec_cmp);
			/* a person moved between the ids: keep the last */
		}
		for (size_t k = 0; k < l.n_ch; k++)
			free(l.ch[k].uid);
		free(l.ch);
		l.ch = NULL;
		if (rc == 2 || l.err || rc == OB_E_GONE) {
			rc = OB_E_GONE; /* list instead */
			l.err = 0;
		}
		if (rc) {
			for (size_t k = 0; k < l.n; k++)
				prec_unref(l.p[k]);
			l.n = 0;
			if (rc != OB_E_GONE)
				goto fail;
			old = NULL;
		}
	}
	if (old == NULL) {
		if ((rc = dfeed_token(store, t->id, &rev, err)) != 0)
			goto fail;
		rc = dfeed_list(store, &view, 0, 0, false, on_list, &l, err);
		if (l.err)
			rc = ob_err_set(err, l.err, "out of memory");
		if (rc)
			goto fail;
		if (l.n > 1)
			qsort(l.p, l.n, sizeof(*l.p), prec_cmp);
	}
	if ((rc = dstore_unit_tree(store, t->id, on_unit, &l, err)) != 0 ||
	    l.err) {
		rc = rc ? rc : ob_err_set(err, l.err, "out of memory");
		goto fail;
	}
	d->people = l.p;
	d->n_people = l.n;
	d->units = l.u;
	d->n_units = l.n_u;
	l.p = NULL;
	l.u = NULL;
	d->rev = rev;
	{
		char b[128];
		if (base_dn == NULL || *base_dn == '\0') {
			snprintf(b, sizeof(b), "dc=%s", t->name);
			d->base = strdup(b);
		} else {
			d->base = strdup(base_dn);
		}
		size_t dl = strlen(t->display);
		d->display = malloc(2 * dl + 2);
		if (d->display) {
			memcpy(d->display, t->display, dl + 1);
			fold_text(t->display, dl, d->display + dl + 1);
		}
	}
	if (d->base == NULL || d->display == NULL) {
		rc = ob_err_set(err, OB_E_NOMEM, "out of memory");
		goto fail;
	}
	rc = dn_parse(d->base, strlen(d->base), &d->base_rdn, &d->n_base_rdn);
	if (rc) {
		rc = ob_err_set(err, rc == OB_E_PARSE ? OB_E_INVAL : rc,
				"base DN \"%s\" does not parse", d->base);
		goto fail;
	}
	if (d->n_base_rdn > 0 && d->base_rdn[d->n_base_rdn - 1].attr == A_DC) {
		/* the value as written: the first RDN's, raw */
		const char *eq = strchr(d->base, '=');
		const char *end = strchr(eq, ',');
		size_t vl = end ? (size_t)(end - eq - 1) : strlen(eq + 1);
		if ((d->dc = malloc(2 * vl + 2)) != NULL) {
			memcpy(d->dc, eq + 1, vl);
			d->dc[vl] = '\0';
			fold_text(d->dc, vl, d->dc + vl + 1);
		}
	}
	d->from_old = old != NULL;
	if ((rc = dir_index(d, old)) != 0) {
		rc = ob_err_set(err, rc, "out of memory");
		goto fail;
	}
	*d_r = d;
	return 0;
fail:
	for (size_t k = 0; k < l.n; k++)
		prec_unref(l.p[k]);
	free(l.p);
	for (size_t k = 0; k < l.n_u; k++) {
		free(l.u[k].name);
		free(l.u[k].fold);
	}
	free(l.u);
	dir_free(d);
	return rc;
}

/* ---- the cache -------------------------------------------------------- */

struct slot {
	int64_t tenant_id;
	char *base_dn;
	struct ldap_dir *d;
	bool building;
	int users; /* threads holding the slot across an unlock */
	time_t used;
	struct slot *next;
};

struct ldap_dircache {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct ldap_dir_config cfg;
	struct slot *slots;
	uint64_t full, delta;
};

void ldap_dircache_stats(struct ldap_dircache *c,
			 struct ldap_dircache_stats *st)
{
	pthread_mutex_lock(&c->mu);
	st->held = 0;
	for (const struct slot *s = c->slots; s; s = s->next)
		st->held += s->d != NULL;
	st->full = c->full;
	st->delta = c->delta;
	pthread_mutex_unlock(&c->mu);
}

int ldap_dircache_new(const struct ldap_dir_config *cfg,
		      struct ldap_dircache **c_r, struct ob_err *err)
{
	struct ldap_dircache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	c->cfg = *cfg;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	*c_r = c;
	return 0;
}

void ldap_dircache_free(struct ldap_dircache **cp)
{
	struct ldap_dircache *c = *cp;

	if (c == NULL)
		return;
	while (c->slots) {
		struct slot *s = c->slots;
		c->slots = s->next;
		ldap_dir_release(&s->d);
		free(s->base_dn);
		free(s);
	}
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
	*cp = NULL;
}

int ldap_dircache_get(struct ldap_dircache *c, struct dstore *store,
		      int64_t tenant_id, const char *base_dn,
		      struct ldap_dir **d_r, struct ob_err *err)
{
	struct dstore_tenant t;
	struct slot *s, **sp, *evicted = NULL;
	struct ldap_dir *old = NULL, *d = NULL;
	time_t now = time(NULL);
	int rc;

	*d_r = NULL;
	if (base_dn == NULL)
		base_dn = "";
	if ((rc = dstore_tenant_get(store, tenant_id, &t, err)) != 0)
		return rc;
	pthread_mutex_lock(&c->mu);
	for (sp = &c->slots; (s = *sp) != NULL;) {
		if (s->tenant_id != tenant_id && !s->building &&
		    s->users == 0 && c->cfg.idle_evict > 0 &&
		    now - s->used > (time_t)c->cfg.idle_evict) {
			*sp = s->next;
			s->next = evicted;
			evicted = s;
			continue;
		}
		sp = &s->next;
	}
	for (s = c->slots; s && s->tenant_id != tenant_id; s = s->next)
		;
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL ||
		    (s->base_dn = strdup(base_dn)) == NULL) {
			free(s);
			pthread_mutex_unlock(&c->mu);
			rc = ob_err_set(err, OB_E_NOMEM, "out of memory");
			goto out;
		}
		s->tenant_id = tenant_id;
		s->next = c->slots;
		c->slots = s;
	}
	s->users++;
	while (s->building)
		pthread_cond_wait(&c->cv, &c->mu);
	s->users--;
	s->used = now;
	if (s->d && s->d->rev >= t.revision &&
	    strcmp(s->base_dn, base_dn) == 0 &&
	    strcmp(s->d->display, t.display) == 0) {
		atomic_fetch_add(&s->d->ref, 1);
		*d_r = s->d;
		pthread_mutex_unlock(&c->mu);
		rc = 0;
		goto out;
	}
	s->building = true; /* not evicted while building */
	if (s->d && strcmp(s->base_dn, base_dn) == 0) {
		old = s->d;
		atomic_fetch_add(&old->ref, 1);
	}
	pthread_mutex_unlock(&c->mu);

	rc = dir_build(&c->cfg, store, &t, base_dn, old, &d, err);

	pthread_mutex_lock(&c->mu);
	s->building = false;
	s->used = time(NULL);
	if (rc == 0) {
		if (d->from_old)
			c->delta++;
		else
			c->full++;
		char *nb = strdup(base_dn);
		if (nb) {
			free(s->base_dn);
			s->base_dn = nb;
			ldap_dir_release(&s->d);
			s->d = d;
			atomic_fetch_add(&d->ref, 1);
		}
		*d_r = d;
	}
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	ldap_dir_release(&old);
out:
	while (evicted) {
		s = evicted;
		evicted = s->next;
		ldap_dir_release(&s->d);
		free(s->base_dn);
		free(s);
	}
	return rc;
}
