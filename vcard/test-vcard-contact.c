/* Unit tests for vcard/contact.c: the directory person as a vCard in each
 * version, read back field by field, photo options and the caller-buffer
 * export helper; the direct writer against the general way. */
#include "config.h"

#include "tests/lib/test.h"
#include "vcard/vcard-private.h"
#include "vcard/vcard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *org[] = {"华东贸易有限公司", "销售部", "华南组"};
static const char *emails[] = {"wang.fang@example.cn", "wf@example.com"};
static const char *cats[] = {"销售部"};
static const struct vcard_phone phones[] = {
	{VCARD_PHONE_WORK, "+86 10 6234 5678"},
	{VCARD_PHONE_CELL, "+86 138 0013 8000"},
	{VCARD_PHONE_FAX, "+86 10 6234 5679"},
	{VCARD_PHONE_HOME, "+86 10 8888 0000"},
};
static const unsigned char photo[] = {0xff, 0xd8, 0xff, 0xe0, 0x00,
				      0x10, 'J',  'F',  'I',  'F'};

static struct vcard_contact person(void)
{
	struct vcard_contact c = {
		.uid = "p-000042",
		.family = "王",
		.given = "芳",
		.phonetic_family = "Wang",
		.phonetic_given = "Fang",
		.org = org,
		.n_org = 3,
		.title = "经理",
		.phones = phones,
		.n_phones = 4,
		.emails = emails,
		.n_emails = 2,
		.adr = {.street = "中山路 1 号",
			.locality = "上海",
			.postcode = "200000",
			.country = "中国"},
		.note = "第一行\n第二行; with, punctuation\\",
		.photo = photo,
		.photo_len = sizeof(photo),
		.photo_type = "image/jpeg",
		.rev = 1764012635, /* 2025-11-24T19:30:35Z */
		.categories = cats,
		.n_categories = 1,
	};
	return c;
}

static void check_back(const struct vcard_contact *in, const char *text,
		       bool photo_expected)
{
	struct vcard *card = NULL;
	struct vcard_contact out;
	struct vcard_error err;

	test_assert_int(vcard_parse(text, strlen(text), NULL, &card, &err), 0);
	if (card == NULL)
		return;
	test_assert_int(vcard_contact_from_card(card, &out, &err), 0);
	test_assert_str(out.uid, in->uid);
	test_assert_str(out.family, in->family);
	test_assert_str(out.given, in->given);
	test_assert_str(out.display, "王芳");
	test_assert_str(out.phonetic_family, "Wang");
	test_assert_str(out.phonetic_given, "Fang");
	test_assert_int(out.n_org, 3);
	test_assert_str(out.org[2], "华南组");
	test_assert_str(out.title, "经理");
	test_assert_int(out.n_phones, 4);
	for (size_t i = 0; i < 4 && i < out.n_phones; i++) {
		test_assert_int(out.phones[i].type, phones[i].type);
		test_assert_str(out.phones[i].number, phones[i].number);
	}
	test_assert_int(out.n_emails, 2);
	test_assert_str(out.emails[1], "wf@example.com");
	test_assert_str(out.adr.street, "中山路 1 号");
	test_assert_str(out.adr.postcode, "200000");
	test_assert(out.adr.region == NULL);
	test_assert_str(out.note, in->note);
	test_assert_int(out.rev, in->rev);
	test_assert_int(out.n_categories, 1);
	test_assert_str(out.categories[0], "销售部");
	if (photo_expected) {
		test_assert_mem(out.photo, out.photo_len, photo, sizeof(photo));
		test_assert_str(out.photo_type, "image/jpeg");
	} else {
		test_assert(out.photo == NULL);
	}
	vcard_free(&card);
}

static void test_versions(void)
{
	struct vcard_contact c = person();
	struct vcard_contact_options opt = {.include_photo = true};
	static const enum vcard_version vs[] = {VCARD_V21, VCARD_V30,
						VCARD_V40};

	for (int i = 0; i < 3; i++) {
		struct vcard *card = NULL;
		struct vcard_error err;
		char *text = NULL;
		size_t len;

		test_begin(i == 0   ? "person -> 2.1 -> person"
			   : i == 1 ? "person -> 3.0 -> person"
				    : "person -> 4.0 -> person");
		opt.version = vs[i];
		test_assert_int(vcard_contact_to_card(&c, &opt, &card, &err),
				0);
		test_assert_int(vcard_write(card, vs[i], &text, &len, &err), 0);
		check_back(&c, text, true);
		if (vs[i] == VCARD_V21) {
			test_assert(
				strstr(text, "TEL;CELL:+86 138 0013 8000\r\n"));
			test_assert(strstr(text, "EMAIL;INTERNET:wang.fang@"));
			test_assert(strstr(text, "REV:20251124T193035Z\r\n"));
			test_assert(strstr(text, "PHOTO;TYPE=JPEG;ENCODING="
						 "BASE64:\r\n"));
		} else if (vs[i] == VCARD_V30) {
			test_assert(strstr(text, "TEL;TYPE=WORK,FAX:"));
			test_assert(
				strstr(text, "REV:2025-11-24T19:30:35Z\r\n"));
			test_assert(
				strstr(text, "X-PHONETIC-FIRST-NAME:Fang\r\n"));
		} else {
			test_assert(strstr(text,
					   "N;SORT-AS=Wang,Fang:王;芳;;;\r\n"));
			test_assert(strstr(text, "TEL;TYPE=cell:"));
			test_assert(
				strstr(text, "PHOTO:data:image/jpeg;base64,"));
		}
		free(text);
		vcard_free(&card);
		test_end();
	}
}

static void test_photo_options(void)
{
	struct vcard_contact c = person();
	struct vcard_contact_options opt = {.version = VCARD_V30,
					    .include_photo = true,
					    .max_photo_bytes = 5};
	char buf[4096];
	size_t len = 0;
	struct vcard_error err;

	test_begin("photo over max_photo_bytes or excluded is dropped");
	test_assert_int(
		vcard_contact_write(&c, &opt, buf, sizeof(buf), &len, &err), 0);
	buf[len] = '\0';
	test_assert(strstr(buf, "PHOTO") == NULL);
	check_back(&c, buf, false);
	opt.max_photo_bytes = 0;
	opt.include_photo = false;
	test_assert_int(
		vcard_contact_write(&c, &opt, buf, sizeof(buf), &len, &err), 0);
	buf[len] = '\0';
	test_assert(strstr(buf, "PHOTO") == NULL);
	test_end();

	test_begin("vcard_contact_write: VCARD_E_SPACE gives the size needed");
	opt.include_photo = true;
	test_assert_int(vcard_contact_write(&c, &opt, buf, 100, &len, &err),
			VCARD_E_SPACE);
	test_assert(len > 100 && len < sizeof(buf));
	test_end();
}

static void test_fallbacks(void)
{
	const char *in = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:;;;;\r\nFN: \r\n"
			 "ORG:Only Company GmbH\r\nTEL;TYPE=iphone:tel:123\r\n"
			 "PHOTO;VALUE=uri:http://example.com/a.jpg\r\n"
			 "END:VCARD\r\n";
	struct vcard *card = NULL;
	struct vcard_contact out;
	struct vcard_error err;
	struct vcard_contact empty = {0};
	struct vcard_contact_options opt = {.version = VCARD_V40};

	test_begin("V13: empty names fall back to ORG; URI photo ignored");
	test_assert_int(vcard_parse(in, strlen(in), NULL, &card, &err), 0);
	test_assert_int(vcard_contact_from_card(card, &out, &err), 0);
	test_assert_str(out.display, "Only Company GmbH");
	test_assert(out.family == NULL && out.given == NULL);
	test_assert_int(out.n_phones, 1);
	test_assert_int(out.phones[0].type, VCARD_PHONE_CELL);
	test_assert_str(out.phones[0].number, "123");
	test_assert(out.photo == NULL);
	vcard_free(&card);
	test_end();

	test_begin("an empty person still gives a valid 4.0 card with FN");
	test_assert_int(vcard_contact_to_card(&empty, &opt, &card, &err), 0);
	test_assert_int(card->n_props, 1);
	test_assert_str(card->props[0].name, "FN");
	vcard_free(&card);
	test_end();
}

/* The general way: a card model, then write.c. */
static int general(const struct vcard_contact *c,
		   const struct vcard_contact_options *o, char *buf,
		   size_t size, size_t *len_r)
{
	struct vcard *card;
	struct vcard_error err;
	int ret = vcard_contact_to_card(c, o, &card, &err);

	if (ret != 0)
		return ret;
	ret = vcard_write_dialect(card, o->version, o->dialect, buf, size,
				  len_r, &err);
	vcard_free(&card);
	return ret;
}

static unsigned rnd_state = 2024;

static unsigned rnd(unsigned n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 16) % n;
}

/* A text from pieces that exercise escaping, quoted-printable, folding
 * and UTF-8 (or NULL, or empty). */
static const char *rnd_text(char *buf, size_t size)
{
	static const char *const bits[] = {"a",
					   "Zhang",
					   " ",
					   ";",
					   ",",
					   "\\",
					   "\\;",
					   "\\,",
					   "\r\n",
					   "\n",
					   "\r",
					   ":",
					   "=",
					   "\t",
					   "王",
					   "芳",
					   "é",
					   "研发中心",
					   "\x7f",
					   "x@example.com",
					   "+86 10 6234 5678",
					   "0123456789abcdefghij"};
	size_t n = 0;
	unsigned k = rnd(12);

	if (k == 0)
		return NULL;
	if (k == 1)
		return "";
	int pieces = (int)rnd(k == 11 ? 60 : 8);
	for (int i = 0; i < pieces; i++) {
		const char *b = bits[rnd(sizeof(bits) / sizeof(bits[0]))];
		size_t bl = strlen(b);
		if (bl >= size - n)
			break;
		memcpy(buf + n, b, bl);
		n += bl;
	}
	buf[n] = '\0';
	return buf;
}

static void test_direct_writer(void)
{
	test_begin("direct writer: the general way's bytes for 4,000 "
		   "generated people, 2.1 and 3.0");
	int taken = 0, same = 0, runs = 0;
	for (int round = 0; round < 2000; round++) {
		char t[24][400];
		int ti = 0;
		const char *orgs[4], *ems[3], *cs[3];
		struct vcard_phone ph[3];
		struct vcard_contact c = {0};
#define T() rnd_text(t[ti++], sizeof(t[0]))
		c.uid = T();
		c.family = T();
		c.given = T();
		c.display = rnd(3) == 0 ? T() : NULL;
		c.phonetic_family = T();
		c.phonetic_given = T();
		c.n_org = rnd(4);
		for (size_t i = 0; i < c.n_org; i++)
			orgs[i] = T();
		c.org = orgs;
		c.title = T();
		c.n_phones = rnd(4);
		for (size_t i = 0; i < c.n_phones; i++) {
			ph[i].type = (enum vcard_phone_type)rnd(5);
			ph[i].number = T();
		}
		c.phones = ph;
		c.n_emails = rnd(3);
		for (size_t i = 0; i < c.n_emails; i++)
			ems[i] = T();
		c.emails = ems;
		if (rnd(2)) {
			c.adr.street = T();
			c.adr.locality = T();
			c.adr.country = T();
		}
		c.note = T();
		c.rev = rnd(2) ? (int64_t)rnd(2000000000) : 0;
		c.n_categories = rnd(3);
		for (size_t i = 0; i < c.n_categories; i++)
			cs[i] = T();
		c.categories = cs;
#undef T
		for (int v = 0; v < 2; v++) {
			struct vcard_contact_options o = {
				.version = v ? VCARD_V30 : VCARD_V21};
			char a[16384], b[16384];
			size_t al = 0, bl = 0;
			int ra = vc_contact_write_direct(&c, &o, a, sizeof(a),
							 &al);
			int rb = general(&c, &o, b, sizeof(b), &bl);
			runs++;
			if (ra == 0) {
				taken++;
				if (rb == 0 && al == bl &&
				    memcmp(a, b, al) == 0)
					same++;
				else
					printf("# round %d %s: %.*s\n# vs "
					       "%.*s\n",
					       round, v ? "3.0" : "2.1",
					       (int)al, a, (int)bl, b);
			} else {
				/* not taken: only when the general way fails */
				test_assert(rb != 0);
			}
		}
	}
	printf("# %d cards, %d written directly, %d the same\n", runs, taken,
	       same);
	test_assert_int(same, taken);
	test_assert(taken > runs * 9 / 10);
	test_end();

	test_begin("direct writer: the common person taken, bad UTF-8 and "
		   "photos left to the general way, no room reported");
	struct vcard_contact c = person();
	struct vcard_contact_options o = {.version = VCARD_V21};
	char a[4096], b[4096];
	size_t al, bl;
	test_assert_int(vc_contact_write_direct(&c, &o, a, sizeof(a), &al), 0);
	test_assert_int(general(&c, &o, b, sizeof(b), &bl), 0);
	test_assert(al == bl && memcmp(a, b, al) == 0);
	/* too small: not taken, and vcard_contact_write says how much */
	struct vcard_error err;
	size_t need = 0;
	test_assert_int(vc_contact_write_direct(&c, &o, a, 100, &need), 1);
	test_assert_int(vcard_contact_write(&c, &o, a, 100, &need, &err),
			VCARD_E_SPACE);
	test_assert_int((long)need, (long)bl);
	o.include_photo = true;
	test_assert_int(vc_contact_write_direct(&c, &o, a, sizeof(a), &al), 1);
	o.include_photo = false;
	struct vcard_dialect d = {.no_fold = true};
	o.dialect = &d;
	test_assert_int(vc_contact_write_direct(&c, &o, a, sizeof(a), &al), 1);
	o.dialect = NULL;
	c.title = "bad \xff byte";
	test_assert_int(vc_contact_write_direct(&c, &o, a, sizeof(a), &al), 1);
	test_assert_int(vcard_contact_write(&c, &o, a, sizeof(a), &al, &err),
			VCARD_E_INVAL);
	test_end();
}

/* The ORG components of c written with dialect d in version v, read
 * back and joined with '|' into out. */
static void org_back(const struct vcard_contact *c, enum vcard_version v,
		     const struct vcard_dialect *d, char *out, size_t size)
{
	struct vcard_contact_options o = {.version = v, .dialect = d};
	struct vcard *card = NULL;
	struct vcard_contact back;
	struct vcard_error err;
	char buf[4096];
	size_t len, w = 0;

	out[0] = '\0';
	test_assert_int(
		vcard_contact_write(c, &o, buf, sizeof(buf), &len, &err), 0);
	test_assert_int(vcard_parse(buf, len, NULL, &card, &err), 0);
	if (card == NULL)
		return;
	test_assert_int(vcard_contact_from_card(card, &back, &err), 0);
	for (size_t i = 0; i < back.n_org; i++)
		w += (size_t)snprintf(out + w, size - w, "%s%s", i ? "|" : "",
				      back.org[i]);
	vcard_free(&card);
}

static void test_org_max(void)
{
	static const char *deep[] = {"Acme 集团",  "研发中心",   "平台部",
				     "基础架构组", "数据库小组", "存储引擎组"};
	struct vcard_contact c = person();
	struct vcard_dialect d = {.org_max = 4, .qp_unfolded = true};
	char got[512];

	test_begin("org_max: deeper units joined with / into the last kept "
		   "ORG component (Synthesis engine: 4)");
	c.org = deep;
	c.n_org = 6;
	for (int v = 0; v < 2; v++) {
		org_back(&c, v ? VCARD_V30 : VCARD_V21, &d, got, sizeof(got));
		test_assert_str(got, "Acme 集团|研发中心|平台部|基础架构组/"
				     "数据库小组/存储引擎组");
	}
	/* at the limit, and without the quirk: untouched */
	c.n_org = 4;
	org_back(&c, VCARD_V30, &d, got, sizeof(got));
	test_assert_str(got, "Acme 集团|研发中心|平台部|基础架构组");
	c.n_org = 6;
	org_back(&c, VCARD_V30, NULL, got, sizeof(got));
	test_assert_str(got, "Acme 集团|研发中心|平台部|基础架构组|数据库小组|"
			     "存储引擎组");
	test_end();
}

int main(void)
{
	test_versions();
	test_photo_options();
	test_fallbacks();
	test_direct_writer();
	test_org_max();
	return test_done();
}
