/* Tests for lib/dircard: person -> card -> person keeps every field the
 * store has, the render grows a small buffer, each version and dialect
 * option, the CTCap trim and the photo policy. */
#include "config.h"
#include "dircard/dircard.h"
#include "tests/lib/test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "util/b64.h"

static const unsigned char png[] = {0x89, 'P',  'N',  'G',  0x0d, 0x0a,
				    0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
				    'I',  'H',  'D',  'R',  0x01, 0x02};

static struct dstore_phone phones[] = {
	{"work", "+86 10 6552 1234"}, {"cell", "+86 139 1234 5678"},
	{"home", "010-8888 0000"},    {"fax", "+86 10 6552 1299"},
	{"work", "+86 10 6552 1235"},
};
static char *emails[] = {"zhang.wei@example.com", "wei@example.org"};

static void sample(struct dstore_person *p)
{
	memset(p, 0, sizeof(*p));
	p->uid = "p-0001";
	p->family = "张";
	p->given = "伟";
	p->display = "张伟";
	p->phonetic_family = "Zhang";
	p->phonetic_given = "Wei";
	p->title = "工程师";
	p->phones = phones;
	p->n_phones = sizeof(phones) / sizeof(phones[0]);
	p->emails = emails;
	p->n_emails = 2;
	p->street = "建国路 88 号";
	p->locality = "北京";
	p->region = "北京市";
	p->postcode = "100022";
	p->country = "中国";
	p->note = "line one\nline two; with, punctuation";
	p->photo = (unsigned char *)png;
	p->photo_len = sizeof(png);
	p->mtime = 1700000000;
	p->unit_path = "Sales/East";
}

/* Render p, parse it back and read the person it describes. */
static int round_trip(const struct dstore_person *p, enum vcard_version v,
		      struct dstore_person *back)
{
	struct dcard_render_opts o = {.version = v, .photo = true};
	struct dcard_buf b = {NULL, 0};
	struct vcard *card = NULL;
	struct vcard_contact c;
	struct vcard_error verr;
	struct ob_err err;
	size_t len = 0;
	int ret;

	ret = dcard_render_person(p, "Acme 公司", &o, &b, &len, &err);
	if (ret == 0)
		ret = vcard_parse(b.data, len, NULL, &card, &verr);
	if (ret == 0)
		ret = vcard_contact_from_card(card, &c, &verr);
	if (ret == 0) {
		test_assert_int(card->version, v);
		ret = dcard_contact_to_person(&c, back);
	}
	vcard_free(&card);
	free(b.data);
	return ret;
}

static void check_same(const struct dstore_person *a,
		       const struct dstore_person *b)
{
	test_assert_str(b->uid, a->uid);
	test_assert_str(b->family, a->family);
	test_assert_str(b->given, a->given);
	test_assert_str(b->display, a->display);
	test_assert_str(b->phonetic_family, a->phonetic_family);
	test_assert_str(b->phonetic_given, a->phonetic_given);
	test_assert_str(b->title, a->title);
	test_assert_str(b->street, a->street);
	test_assert_str(b->locality, a->locality);
	test_assert_str(b->region, a->region);
	test_assert_str(b->postcode, a->postcode);
	test_assert_str(b->country, a->country);
	test_assert_str(b->note, a->note);
	test_assert_str(b->unit_path, a->unit_path);
	test_assert_int(b->n_phones, a->n_phones);
	for (size_t i = 0; i < a->n_phones && i < b->n_phones; i++) {
		test_assert_str(b->phones[i].type, a->phones[i].type);
		test_assert_str(b->phones[i].number, a->phones[i].number);
	}
	test_assert_int(b->n_emails, a->n_emails);
	for (size_t i = 0; i < a->n_emails && i < b->n_emails; i++)
		test_assert_str(b->emails[i], a->emails[i]);
	test_assert_mem(b->photo, b->photo_len, a->photo, a->photo_len);
}

static int render(const struct dstore_person *p,
		  const struct dcard_render_opts *o, struct dcard_buf *b,
		  size_t *len_r)
{
	struct ob_err err;

	return dcard_render_person(p, "Acme", o, b, len_r, &err);
}

static bool has(const struct dcard_buf *b, size_t len, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(b->data + i, s, n) == 0)
			return true;
	return false;
}

/* ---- the photo policy with thumbnails (dcard_photo_fit) ---- */

static unsigned char *slurp(const char *rel, size_t *len_r)
{
	FILE *f = fopen(test_srcpath(rel), "rb");
	unsigned char *d = NULL;
	long n;

	*len_r = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		d = malloc((size_t)n);
		if (d != NULL && fread(d, 1, (size_t)n, f) == (size_t)n)
			*len_r = (size_t)n;
	}
	fclose(f);
	return d;
}

/* The photo in a 2.1 card (folded base64 after "ENCODING=BASE64:"),
 * decoded into px; false when the card has none that decodes. */
static bool card_photo(const struct dcard_buf *b, size_t len,
		       struct img_pixels *px, char *type, size_t tsize)
{
	char *t = malloc(len + 1), *p, *v;
	unsigned char *bin = NULL;
	size_t n = 0, blen = 0;
	struct ob_err err;
	bool ok = false;

	memset(px, 0, sizeof(*px));
	type[0] = '\0';
	if (t == NULL)
		return false;
	memcpy(t, b->data, len);
	t[len] = '\0';
	p = strstr(t, "\r\nPHOTO");
	v = p != NULL ? strchr(p + 2, ':') : NULL;
	if (v != NULL) {
		size_t plen = (size_t)(v - (p + 2));
		snprintf(type, tsize, "%.*s", (int)plen, p + 2);
		/* 2.1 ends the value with an empty line */
		for (char *s = v + 1; *s != '\0'; s++) {
			if (s[0] == '\r' && s[1] == '\n' && s[2] == '\r')
				break;
			if (*s != '\r' && *s != '\n' && *s != ' ')
				t[n++] = *s;
		}
		bin = malloc(n + 1);
		if (bin != NULL && ob_b64_decode(t, n, bin, n + 1, &blen) == 0)
			ok = img_decode(bin, blen, NULL, 0, px, NULL, &err) ==
			     0;
	}
	free(bin);
	free(t);
	return ok;
}

static void test_thumbnails(void)
{
	struct dcard_render_opts o = {.version = VCARD_V21, .photo = true};
	struct dcard_buf b = {NULL, 0};
	struct dstore_person p;
	struct dstore_options so = {0};
	struct dstore *s = NULL;
	struct img_pixels px;
	struct ob_err err;
	char type[80], path[512], key[DSTORE_THUMB_KEY_LEN];
	unsigned char *exif6, *alpha, *kept = NULL;
	size_t exif6_len, alpha_len, len = 0, kept_len = 0;
	int64_t t = 0;

	exif6 = slurp("testdata/photos/portrait-exif6.jpg", &exif6_len);
	alpha = slurp("testdata/photos/alpha.png", &alpha_len);
	sample(&p);
	p.id = 1;

	test_begin("SyncML's render: a turned JPEG goes as an upright "
		   "thumbnail, a PNG with alpha as a JPEG on white");
	o.max_photo_bytes = 65536;
	o.photo_edge = 256;
	p.photo = exif6;
	p.photo_len = exif6_len;
	test_assert_int(dcard_render_person(&p, "Acme", &o, &b, &len, &err), 0);
	test_assert(card_photo(&b, len, &px, type, sizeof(type)));
	test_assert_str(type, "PHOTO;TYPE=JPEG;ENCODING=BASE64");
	test_assert_int(px.width, 60);
	test_assert_int(px.height, 80);
	/* stored bottom-left (blue) is now the top-left */
	test_assert(px.rgb != NULL && px.rgb[2] > 190 && px.rgb[0] < 70);
	img_pixels_free(&px);
	/* a PNG within the edge and the cap goes as stored */
	p.photo = alpha;
	p.photo_len = alpha_len;
	test_assert_int(dcard_render_person(&p, "Acme", &o, &b, &len, &err), 0);
	test_assert(has(&b, len, "PHOTO;TYPE=PNG;ENCODING=BASE64"));
	/* over the edge: a JPEG, transparency on white */
	o.photo_edge = 48;
	test_assert_int(dcard_render_person(&p, "Acme", &o, &b, &len, &err), 0);
	test_assert(card_photo(&b, len, &px, type, sizeof(type)));
	test_assert_str(type, "PHOTO;TYPE=JPEG;ENCODING=BASE64");
	test_assert_int(px.width, 48);
	test_assert(px.rgb != NULL && px.rgb[0] > 245 && px.rgb[1] > 245 &&
		    px.rgb[2] > 245);
	img_pixels_free(&px);
	/* photo-size 0: the PNG as stored */
	o.photo_edge = 0;
	test_assert_int(dcard_render_person(&p, "Acme", &o, &b, &len, &err), 0);
	test_assert(has(&b, len, "PHOTO;TYPE=PNG;ENCODING=BASE64"));
	test_end();

	test_begin("the store keeps a thumbnail made once; an undecodable "
		   "photo is kept as none");
	snprintf(path, sizeof(path), "%s/thumbs.db", test_tmpdir());
	so.path = path;
	test_assert_int(dstore_open(&so, &s, &err), 0);
	test_assert_int(dstore_tenant_create(s, "acme", "Acme", &t, &err), 0);
	o.photo_edge = 32;
	o.thumbs = s;
	o.thumb_tenant = t;
	p.photo = exif6;
	p.photo_len = exif6_len;
	test_assert_int(dcard_render_person(&p, "Acme", &o, &b, &len, &err), 0);
	test_assert(card_photo(&b, len, &px, type, sizeof(type)));
	test_assert_int(px.width, 24);
	test_assert_int(px.height, 32);
	img_pixels_free(&px);
	test_assert_int(dstore_thumb_key(exif6, exif6_len, key, &err), 0);
	test_assert_int(
		dstore_thumb_get(s, t, key, 32, 65536, &kept, &kept_len, &err),
		0);
	test_assert(kept_len > 0 && kept != NULL && kept[0] == 0xff);
	free(kept);
	/* the PNG fixture of the other tests is only a header */
	p.photo = (unsigned char *)png;
	p.photo_len = sizeof(png);
	test_assert_int(dcard_render_person(&p, "Acme", &o, &b, &len, &err), 0);
	test_assert(!has(&b, len, "PHOTO"));
	test_assert_int(dstore_thumb_key(png, sizeof(png), key, &err), 0);
	kept_len = 99;
	test_assert_int(
		dstore_thumb_get(s, t, key, 32, 65536, &kept, &kept_len, &err),
		0);
	test_assert(kept == NULL && kept_len == 0);
	dstore_close(&s);
	test_end();

	free(b.data);
	free(exif6);
	free(alpha);
}

int main(void)
{
	static const enum vcard_version versions[] = {VCARD_V21, VCARD_V30,
						      VCARD_V40};
	struct dstore_person p, back;
	struct dcard_render_opts o = {.version = VCARD_V30, .photo = true};
	struct dcard_buf b = {NULL, 0}, big = {NULL, 0};
	size_t len = 0, len2 = 0;
	char *long_note;

	sample(&p);
	for (size_t i = 0; i < 3; i++) {
		test_begin("person -> card -> person keeps every field");
		test_assert_int(round_trip(&p, versions[i], &back), 0);
		check_same(&p, &back);
		dstore_person_deinit(&back);
		test_end();
	}

	test_begin("the reverse mapping: OTHER phones as work, box and "
		   "extended address in the street, '/' in a unit part");
	{
		struct vcard_phone ph[] = {{VCARD_PHONE_OTHER, "123"}};
		const char *org[] = {"Acme", "R/D", "", "Lab"};
		struct vcard_contact c = {0};

		c.phones = ph;
		c.n_phones = 1;
		c.org = org;
		c.n_org = 4;
		c.adr.pobox = "PO Box 7";
		c.adr.extended = "Suite 3";
		c.adr.street = "Main St 1";
		test_assert_int(dcard_contact_to_person(&c, &back), 0);
		test_assert_str(back.phones[0].type, "work");
		test_assert_str(back.phones[0].number, "123");
		test_assert_str(back.unit_path, "R-D/Lab");
		test_assert_str(back.street, "PO Box 7, Suite 3, Main St 1");
		test_assert(back.family == NULL && back.photo == NULL);
		dstore_person_deinit(&back);
	}
	test_end();

	test_begin("a card larger than the first buffer grows it");
	long_note = malloc(20000);
	test_assert(long_note != NULL);
	memset(long_note, 'x', 19999);
	long_note[19999] = '\0';
	p.note = long_note;
	b.size = 64;
	b.data = malloc(b.size);
	test_assert_int(render(&p, &o, &b, &len), 0);
	test_assert(len > 20000);
	test_assert(b.size >= len);
	test_assert_int(render(&p, &o, &big, &len2), 0); /* from no buffer */
	test_assert_mem(b.data, len, big.data, len2);
	test_assert(has(&b, len, "END:VCARD\r\n"));
	p.note = "short";
	test_assert_int(render(&p, &o, &b, &len), 0); /* reuses it */
	test_assert(len < 2000);
	test_end();

	test_begin("each version");
	o.version = VCARD_V21;
	test_assert_int(render(&p, &o, &b, &len), 0);
	test_assert(has(&b, len, "VERSION:2.1\r\n"));
	test_assert(has(&b, len, "CHARSET=UTF-8"));
	test_assert(has(&b, len, "ENCODING=BASE64"));
	o.version = VCARD_V30;
	test_assert_int(render(&p, &o, &b, &len), 0);
	test_assert(has(&b, len, "VERSION:3.0\r\n"));
	test_assert(has(&b, len, "ENCODING=b"));
	o.version = VCARD_V40;
	test_assert_int(render(&p, &o, &b, &len), 0);
	test_assert(has(&b, len, "VERSION:4.0\r\n"));
	test_assert(has(&b, len, "data:image/png;base64,"));
	test_end();

	test_begin("dialect: no folding, ISO-8859-1");
	{
		struct vcard_dialect d = {0};

		p.note = long_note;
		o.version = VCARD_V30;
		test_assert_int(render(&p, &o, &b, &len), 0);
		test_assert(has(&b, len, "\r\n "));
		d.no_fold = true;
		o.dialect = &d;
		test_assert_int(render(&p, &o, &b, &len), 0);
		test_assert(!has(&b, len, "\r\n "));
		p.note = "short";
		p.title = "Café";
		d.no_fold = false;
		d.latin1 = true;
		o.version = VCARD_V21;
		test_assert_int(render(&p, &o, &b, &len), 0);
		test_assert(has(&b, len, "TITLE;CHARSET=ISO-8859-1"));
		o.dialect = NULL;
		test_assert_int(render(&p, &o, &b, &len), 0);
		test_assert(!has(&b, len, "ISO-8859-1"));
		p.title = "工程师";
	}
	test_end();

	test_begin("trim to the client's CTCap properties");
	o.version = VCARD_V30;
	o.trim = true;
	o.props = DCARD_PROP_TEL;
	test_assert_int(render(&p, &o, &b, &len), 0);
	test_assert(has(&b, len, "TEL"));
	test_assert(!has(&b, len, "TITLE"));
	test_assert(!has(&b, len, "EMAIL"));
	test_assert(!has(&b, len, "ORG"));
	test_assert(!has(&b, len, "ADR"));
	test_assert(!has(&b, len, "NOTE"));
	test_assert(!has(&b, len, "X-PHONETIC"));
	test_assert(!has(&b, len, "CATEGORIES"));
	test_assert(has(&b, len, "PHOTO"));
	o.props = 0;
	test_assert_int(render(&p, &o, &b, &len), 0);
	test_assert(!has(&b, len, "TEL"));
	o.trim = false;
	test_assert_int(render(&p, &o, &b, &len), 0);
	test_assert(has(&b, len, "TITLE") && has(&b, len, "EMAIL"));
	test_end();

	test_begin("photo policy: without, and over the cap");
	test_assert(has(&b, len, "PHOTO"));
	o.photo = false;
	test_assert_int(render(&p, &o, &b, &len), 0);
	test_assert(!has(&b, len, "PHOTO"));
	o.photo = true;
	o.max_photo_bytes = sizeof(png) - 1;
	test_assert_int(render(&p, &o, &b, &len), 0);
	test_assert(!has(&b, len, "PHOTO"));
	o.max_photo_bytes = sizeof(png);
	test_assert_int(render(&p, &o, &b, &len), 0);
	test_assert(has(&b, len, "PHOTO"));
	test_end();

	test_begin("a contact the writer refuses is OB_E_FAIL naming it");
	{
		struct ob_err err;

		p.title = "bad \xff utf-8";
		test_assert_int(
			dcard_render_person(&p, "Acme", &o, &b, &len, &err),
			OB_E_FAIL);
		test_assert(strncmp(err.msg, "person p-0001: ", 15) == 0);
	}
	test_end();

	free(long_note);
	free(b.data);
	free(big.data);
	test_thumbnails();
	return test_done();
}
