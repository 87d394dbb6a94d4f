/* CardDAV photos (carddav/dav.h with carddav-photo-size): a person with a
 * photo of megabytes gets a card whose PHOTO is a JPEG thumbnail of the
 * configured edge under the byte cap, made once and kept in the store;
 * the ETag changes with the edge; a small upright JPEG goes as stored.
 * Kept apart from test-dav.c, which checks the protocol. */
#include "config.h"

#include "carddav/dav.h"
#include "tests/lib/test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dirstore/dirstore.h"
#include "image/image.h"
#include "syncml/xml.h"
#include "util/b64.h"
#include "util/str.h"

static struct dstore *store;
static int64_t acme;
static struct dav_config cfg = {
	.max_photo = 65536,
	.photo_edge = 256,
	.max_response = 64u << 20,
};
static struct dav_http_response rs;

static void get(const char *path)
{
	struct dav_http_request rq = {
		.method = "GET",
		.path = path,
		.body = "",
		.tenant_id = acme,
		.login = "zhang@acme",
	};
	dav_http_response_deinit(&rs);
	dav_handle(store, &cfg, &rq, &rs);
}

/* The PHOTO of the card in rs.body, unfolded and decoded (malloc'd),
 * *len_r bytes; NULL and 0 when the card has none. */
static unsigned char *photo_of(size_t *len_r)
{
	unsigned char *out = NULL;
	const char *b = ob_buf_str(&rs.body), *p = strstr(b, "\r\nPHOTO");
	const char *v, *e;
	char *text;
	size_t n = 0, cap, len = 0;

	*len_r = 0;
	if (p == NULL)
		return NULL;
	v = strchr(p + 2, ':');
	if (v == NULL)
		return NULL;
	v++;
	/* the value runs to the first line break not followed by a space */
	for (e = v; *e != '\0'; e++)
		if (e[0] == '\r' && e[1] == '\n' && e[2] != ' ')
			break;
	text = malloc((size_t)(e - v) + 1);
	for (const char *s = v; s < e; s++)
		if (*s != '\r' && *s != '\n' && *s != ' ')
			text[n++] = *s;
	text[n] = '\0';
	cap = n;
	out = malloc(cap + 1);
	if (ob_b64_decode(text, n, out, cap + 1, &len) != 0)
		len = 0;
	free(text);
	*len_r = len;
	return out;
}

/* A width x height JPEG of quality q with fine detail (noise over a
 * left-right split), so it is as large as a phone's photo. */
static unsigned char *make_jpeg(uint32_t w, uint32_t h, int q, size_t *len_r)
{
	struct img_pixels px = {w, h, malloc((size_t)w * h * 3)};
	uint32_t seed = 7;
	uint8_t *j = NULL;
	struct ob_err err;

	*len_r = 0;
	for (size_t i = 0; i < (size_t)w * h; i++) {
		seed = seed * 1103515245u + 12345u;
		px.rgb[i * 3] = (uint8_t)((i % w) < w / 2 ? 200 : 30);
		px.rgb[i * 3 + 1] = (uint8_t)(seed >> 24);
		px.rgb[i * 3 + 2] = (uint8_t)(seed >> 16);
	}
	if (img_encode_jpeg(&px, q, &j, len_r, &err) != 0)
		printf("# encode: %s\n", err.msg);
	img_pixels_free(&px);
	return j;
}

static void person_with_photo(const char *uid, const unsigned char *photo,
			      size_t len)
{
	struct dstore_person p = {0};
	struct ob_err err;

	p.uid = (char *)uid;
	p.display = (char *)uid;
	p.photo = (unsigned char *)photo;
	p.photo_len = len;
	dstore_begin(store, acme, "test", &err);
	if (dstore_person_put(store, acme, &p, NULL, &err) != 0)
		printf("# put %s: %s\n", uid, err.msg);
	dstore_commit(store, NULL, &err);
}

int main(void)
{
	struct dstore_options o = {0};
	struct ob_err err;
	char path[512], etag256[64], key[DSTORE_THUMB_KEY_LEN];
	unsigned char *big, *small, *ph, *kept = NULL;
	size_t big_len, small_len, ph_len, kept_len = 0;
	struct img_info info;

	snprintf(path, sizeof(path), "%s/dav.db", test_tmpdir());
	o.path = path;
	o.sync_normal = true;
	o.photo_max = 8u << 20;
	if (dstore_open(&o, &store, &err) != 0) {
		printf("# open: %s\n", err.msg);
		return 99;
	}
	sml_xml_init();
	dstore_tenant_create(store, "acme", "Acme", &acme, &err);
	big = make_jpeg(2000, 1500, 95, &big_len);
	small = make_jpeg(120, 160, 80, &small_len);
	person_with_photo("big", big, big_len);
	person_with_photo("small", small, small_len);

	test_begin("a 2 MB photo: the card carries a 256x192 JPEG under the "
		   "64 KiB cap");
	printf("# the photo: %zu bytes\n", big_len);
	test_assert(big_len > 2u << 20);
	get("/dav/books/all/big.vcf");
	test_assert_int(rs.status, 200);
	ph = photo_of(&ph_len);
	test_assert(ph_len > 0 && ph_len <= 65536);
	if (strstr(ob_buf_str(&rs.body), "\r\nPHOTO;TYPE=JPEG;ENCODING=b:") ==
	    NULL)
		test_fail(__FILE__, __LINE__, "PHOTO property: %.40s",
			  strstr(ob_buf_str(&rs.body), "\r\nPHOTO"));
	test_assert_int(img_probe(ph, ph_len, NULL, &info, &err), 0);
	test_assert_int(info.format, IMG_JPEG);
	test_assert_int(info.width, 256);
	test_assert_int(info.height, 192);
	test_assert(rs.body.len < 100000);
	ob_strlcpy(etag256, rs.etag, sizeof(etag256));
	test_end();

	test_begin("the thumbnail is kept: the store holds the card's bytes");
	test_assert_int(dstore_thumb_key(big, big_len, key, &err), 0);
	test_assert_int(dstore_thumb_get(store, acme, key, 256, 65536, &kept,
					 &kept_len, &err),
			0);
	test_assert_mem(kept, kept_len, ph, ph_len);
	free(kept);
	kept = NULL;
	/* the second card is the same bytes, from the store */
	get("/dav/books/all/big.vcf");
	free(ph);
	ph = photo_of(&ph_len);
	test_assert_int(dstore_thumb_get(store, acme, key, 256, 65536, &kept,
					 &kept_len, &err),
			0);
	test_assert_mem(kept, kept_len, ph, ph_len);
	test_assert_str(rs.etag, etag256);
	free(kept);
	free(ph);
	test_end();

	test_begin("another edge: another thumbnail and another ETag");
	cfg.photo_edge = 96;
	get("/dav/books/all/big.vcf");
	test_assert_int(rs.status, 200);
	ph = photo_of(&ph_len);
	test_assert_int(img_probe(ph, ph_len, NULL, &info, &err), 0);
	test_assert_int(info.width, 96);
	test_assert_int(info.height, 72);
	test_assert(strcmp(rs.etag, etag256) != 0);
	free(ph);
	cfg.photo_edge = 256;
	test_end();

	test_begin("a small upright JPEG within the edge goes as stored");
	get("/dav/books/all/small.vcf");
	ph = photo_of(&ph_len);
	test_assert_mem(ph, ph_len, small, small_len);
	free(ph);
	test_end();

	test_begin("a byte cap no thumbnail fits: no photo, the card stays");
	cfg.max_photo = 200;
	get("/dav/books/all/big.vcf");
	test_assert_int(rs.status, 200);
	ph = photo_of(&ph_len);
	test_assert_int(ph_len, 0);
	test_assert(strstr(ob_buf_str(&rs.body), "FN:big\r\n") != NULL);
	free(ph);
	cfg.max_photo = 65536;
	test_end();

	test_begin("photo-size 0: the old rule, a photo over the cap is left "
		   "out");
	cfg.photo_edge = 0;
	get("/dav/books/all/big.vcf");
	ph = photo_of(&ph_len);
	test_assert_int(ph_len, 0);
	free(ph);
	get("/dav/books/all/small.vcf");
	ph = photo_of(&ph_len);
	test_assert_mem(ph, ph_len, small, small_len);
	free(ph);
	test_end();

	dav_http_response_deinit(&rs);
	free(big);
	free(small);
	dstore_close(&store);
	return test_done();
}
