/* lib/image: decode, orientation, scaling, alpha, limits and the
 * thumbnail of a 12-megapixel photo, on the fixtures of testdata/photos
 * (made by make-photos.py: quadrants stored red | green over blue |
 * yellow). */
#include "config.h"
#include "image/image.h"
#include "tests/lib/test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <png.h>

static uint8_t *slurp(const char *name, size_t *len_r)
{
	char rel[256];
	FILE *f;
	uint8_t *d = NULL;
	long n;

	snprintf(rel, sizeof(rel), "testdata/photos/%s", name);
	f = fopen(test_srcpath(rel), "rb");
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

enum colour { RED, GREEN, BLUE, YELLOW, WHITE };

/* The colour class of pixel (x, y), -1 when none is near. */
static int colour_at(const struct img_pixels *p, uint32_t x, uint32_t y)
{
	const uint8_t *c = p->rgb + ((size_t)y * p->width + x) * 3;
	bool r = c[0] > 190, g = c[1] > 190, b = c[2] > 190;
	bool r0 = c[0] < 70, g0 = c[1] < 70, b0 = c[2] < 70;

	if (r && g0 && b0)
		return RED;
	if (r0 && g && b0)
		return GREEN;
	if (r0 && g0 && b)
		return BLUE;
	if (r && g && b0)
		return YELLOW;
	if (r && g && b)
		return WHITE;
	return -1;
}

static void corners(const struct img_pixels *p, int tl, int tr, int bl, int br)
{
	uint32_t w = p->width - 1, h = p->height - 1;
	if (p->rgb == NULL || p->width < 3 || p->height < 3) {
		test_fail(__FILE__, __LINE__, "no picture to look at");
		return;
	}
	test_assert_int(colour_at(p, 1, 1), tl);
	test_assert_int(colour_at(p, w - 1, 1), tr);
	test_assert_int(colour_at(p, 1, h - 1), bl);
	test_assert_int(colour_at(p, w - 1, h - 1), br);
}

static int decode_file(const char *name, uint32_t edge, struct img_pixels *px,
		       struct img_info *info, struct ob_err *err)
{
	size_t len;
	uint8_t *d = slurp(name, &len);
	int ret;

	if (d == NULL) {
		test_fail(__FILE__, __LINE__, "cannot read %s", name);
		return OB_E_IO;
	}
	ret = img_decode(d, len, NULL, edge, px, info, err);
	free(d);
	return ret;
}

/* the thumbnail of a file, decoded again */
static int thumb_file(const char *name, uint32_t edge, struct img_pixels *px,
		      size_t *bytes_r, struct ob_err *err)
{
	size_t len, tlen = 0;
	uint8_t *d = slurp(name, &len), *t = NULL;
	struct img_info ti;
	int ret;

	memset(px, 0, sizeof(*px));
	if (d == NULL) {
		test_fail(__FILE__, __LINE__, "cannot read %s", name);
		return OB_E_IO;
	}
	ret = img_thumb(d, len, NULL, edge, IMG_QUALITY_DEFAULT, &t, &tlen,
			NULL, err);
	free(d);
	if (ret < 0)
		return ret;
	if (bytes_r != NULL)
		*bytes_r = tlen;
	ret = img_probe(t, tlen, NULL, &ti, err);
	if (ret == 0) {
		/* a plain baseline JPEG, upright, nothing to turn */
		test_assert_int(ti.format, IMG_JPEG);
		test_assert_int(ti.orientation, 1);
		test_assert_int(ti.progressive, 0);
		test_assert_int(ti.components, 3);
		ret = img_decode(t, tlen, NULL, 0, px, NULL, err);
	}
	free(t);
	return ret;
}

static void test_orientation(void)
{
	struct img_pixels px;
	struct img_info info;
	struct ob_err err;
	size_t len;
	uint8_t *d;

	test_begin("EXIF orientation 6: a stored 80x60 shows as a 60x80 "
		   "portrait turned clockwise");
	d = slurp("portrait-exif6.jpg", &len);
	test_assert_int(img_probe(d, len, NULL, &info, &err), 0);
	test_assert_int(info.width, 60);
	test_assert_int(info.height, 80);
	test_assert_int(info.orientation, 6);
	free(d);
	test_assert_int(decode_file("portrait-exif6.jpg", 0, &px, &info, &err),
			0);
	test_assert_int(px.width, 60);
	test_assert_int(px.height, 80);
	/* stored bottom-left goes to the top-left */
	corners(&px, BLUE, RED, YELLOW, GREEN);
	img_pixels_free(&px);
	test_assert_int(thumb_file("portrait-exif6.jpg", 40, &px, NULL, &err),
			0);
	test_assert_int(px.width, 30);
	test_assert_int(px.height, 40);
	corners(&px, BLUE, RED, YELLOW, GREEN);
	img_pixels_free(&px);
	test_end();

	test_begin("EXIF orientation 3: upside down");
	test_assert_int(decode_file("exif3.jpg", 0, &px, &info, &err), 0);
	test_assert_int(info.orientation, 3);
	test_assert_int(px.width, 80);
	test_assert_int(px.height, 60);
	corners(&px, YELLOW, BLUE, GREEN, RED);
	img_pixels_free(&px);
	test_end();
}

static void test_formats(void)
{
	struct img_pixels px;
	struct img_info info;
	struct ob_err err;
	size_t bytes = 0;

	test_begin("progressive JPEG to a 100-pixel thumbnail: 100x67");
	test_assert_int(decode_file("progressive.jpg", 0, &px, &info, &err), 0);
	test_assert_int(info.progressive, 1);
	img_pixels_free(&px);
	test_assert_int(thumb_file("progressive.jpg", 100, &px, &bytes, &err),
			0);
	test_assert_int(px.width, 100);
	test_assert_int(px.height, 67);
	corners(&px, RED, GREEN, BLUE, YELLOW);
	test_assert(bytes > 0 && bytes < 4096);
	img_pixels_free(&px);
	test_end();

	test_begin("grayscale JPEG: one component in, grey RGB out");
	test_assert_int(decode_file("gray.jpg", 0, &px, &info, &err), 0);
	test_assert_int(info.components, 1);
	test_assert_int(px.width, 50);
	test_assert_int(px.height, 40);
	/* red's luma, 0.299 * 255 */
	test_assert(px.rgb[0] >= 70 && px.rgb[0] <= 82);
	test_assert(px.rgb[0] == px.rgb[1] && px.rgb[1] == px.rgb[2]);
	img_pixels_free(&px);
	test_end();

	test_begin("CMYK JPEG (Adobe, inverted): the colours come back");
	test_assert_int(decode_file("cmyk.jpg", 0, &px, &info, &err), 0);
	test_assert_int(info.components, 4);
	corners(&px, RED, GREEN, BLUE, YELLOW);
	img_pixels_free(&px);
	test_end();

	test_begin("PNG alpha is put on white");
	test_assert_int(decode_file("alpha.png", 0, &px, &info, &err), 0);
	test_assert_int(info.components, 4);
	test_assert_int(colour_at(&px, 0, 0), WHITE);
	test_assert_int(px.rgb[0], 255);
	test_assert_int(colour_at(&px, 63, 63), BLUE);
	test_assert_int(px.rgb[(63 * 64 + 63) * 3 + 2], 255);
	img_pixels_free(&px);
	test_end();

	test_begin("palette PNG");
	test_assert_int(thumb_file("palette.png", 32, &px, NULL, &err), 0);
	test_assert_int(px.width, 32);
	test_assert_int(px.height, 24);
	corners(&px, RED, GREEN, BLUE, YELLOW);
	img_pixels_free(&px);
	test_end();

	test_begin("1x1 JPEG and PNG: never scaled up");
	test_assert_int(thumb_file("1x1.jpg", 256, &px, NULL, &err), 0);
	test_assert_int(px.width, 1);
	test_assert_int(px.height, 1);
	test_assert_int(colour_at(&px, 0, 0), RED);
	img_pixels_free(&px);
	test_assert_int(thumb_file("1x1.png", 256, &px, NULL, &err), 0);
	test_assert_int(px.width, 1);
	test_assert_int(colour_at(&px, 0, 0), BLUE);
	img_pixels_free(&px);
	test_end();

	test_begin("a 10000x10 strip fits as 256x1");
	test_assert_int(thumb_file("strip.png", 256, &px, NULL, &err), 0);
	test_assert_int(px.width, 256);
	test_assert_int(px.height, 1);
	test_assert_int(colour_at(&px, 128, 0), GREEN);
	img_pixels_free(&px);
	test_end();
}

struct membuf {
	uint8_t *d;
	size_t len, cap;
};

static void mem_write(png_structp png, png_bytep data, size_t n)
{
	struct membuf *m = png_get_io_ptr(png);
	if (m->len + n > m->cap) {
		size_t cap = (m->len + n) * 2;
		uint8_t *d = realloc(m->d, cap);
		if (d == NULL)
			png_error(png, "out of memory");
		m->d = d;
		m->cap = cap;
	}
	memcpy(m->d + m->len, data, n);
	m->len += n;
}

static void mem_flush(png_structp png)
{
	(void)png;
}

/* A 16-bit RGB PNG of w x h quadrants, Adam7-interlaced or not, by
 * libpng's writer (make-photos.py's Pillow writes neither). */
static uint8_t *png16(uint32_t w, uint32_t h, bool interlaced, size_t *len_r)
{
	static const uint16_t q[4][3] = {
		{65535, 0, 0}, {0, 65535, 0}, {0, 0, 65535}, {65535, 65535, 0}};
	struct membuf m = {NULL, 0, 0};
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
						  NULL, NULL);
	png_infop info = png_create_info_struct(png);
	uint8_t *rows = malloc((size_t)w * h * 6);
	png_bytep *rp = malloc(h * sizeof(*rp));

	*len_r = 0;
	if (setjmp(png_jmpbuf(png))) {
		free(m.d);
		m.d = NULL;
		goto out;
	}
	for (uint32_t y = 0; y < h; y++) {
		rp[y] = rows + (size_t)y * w * 6;
		for (uint32_t x = 0; x < w; x++) {
			const uint16_t *c = q[(y >= h / 2) * 2 + (x >= w / 2)];
			for (int k = 0; k < 3; k++) {
				rp[y][x * 6 + k * 2] = (uint8_t)(c[k] >> 8);
				rp[y][x * 6 + k * 2 + 1] = (uint8_t)c[k];
			}
		}
	}
	png_set_write_fn(png, &m, mem_write, mem_flush);
	png_set_IHDR(png, info, w, h, 16, PNG_COLOR_TYPE_RGB,
		     interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	png_write_image(png, rp);
	png_write_end(png, NULL);
	*len_r = m.len;
out:
	png_destroy_write_struct(&png, &info);
	free(rows);
	free(rp);
	return m.d;
}

static void test_png16(void)
{
	for (int il = 0; il < 2; il++) {
		struct img_pixels px;
		struct img_info info;
		struct ob_err err;
		size_t len;
		uint8_t *d = png16(90, 60, il, &len);

		test_begin(il ? "16-bit Adam7-interlaced PNG" : "16-bit PNG");
		test_assert(d != NULL);
		test_assert_int(img_decode(d, len, NULL, 45, &px, &info, &err),
				0);
		test_assert_int(px.width, 45);
		test_assert_int(px.height, 30);
		corners(&px, RED, GREEN, BLUE, YELLOW);
		test_assert_int(px.rgb[0], 255);
		img_pixels_free(&px);
		free(d);
		test_end();
	}
}

static void test_box_filter(void)
{
	struct img_pixels px;
	struct ob_err err;

	test_begin("area average: a 4x4 checker to 2x2 is mid grey");
	test_assert_int(decode_file("checker.png", 2, &px, NULL, &err), 0);
	test_assert_int(px.width, 2);
	test_assert_int(px.height, 2);
	for (int i = 0; i < 12; i++)
		test_assert_int(px.rgb[i], 128); /* 127.5 rounded */
	img_pixels_free(&px);
	test_end();

	test_begin("area average with fractional edges: 0 90 180 to 30 150");
	test_assert_int(decode_file("row3.png", 2, &px, NULL, &err), 0);
	test_assert_int(px.width, 2);
	test_assert_int(px.height, 1);
	test_assert_int(px.rgb[0], 30);
	test_assert_int(px.rgb[3], 150);
	img_pixels_free(&px);
	test_end();
}

static void test_hostile(void)
{
	static const char *const parse[] = {"truncated.jpg", "truncated.png",
					    "not-an-image.jpg"};
	struct img_pixels px;
	struct img_info info;
	struct img_limits lim = {0};
	struct ob_err err;
	uint8_t *d, *t = NULL;
	size_t len, tlen = 0;

	test_begin("decompression bombs are refused from the header");
	d = slurp("bomb.png", &len);
	test_assert_int(img_probe(d, len, NULL, &info, &err), OB_E_LIMIT);
	test_assert_int(info.width, 10000);
	test_assert_int(img_decode(d, len, NULL, 256, &px, NULL, &err),
			OB_E_LIMIT);
	test_assert(strstr(err.msg, "over the limit of 50000000 pixels") !=
		    NULL);
	test_assert(px.rgb == NULL);
	free(d);
	d = slurp("bomb.jpg", &len);
	test_assert_int(img_thumb(d, len, NULL, 256, 80, &t, &tlen, NULL, &err),
			OB_E_LIMIT);
	test_assert(t == NULL && tlen == 0);
	free(d);
	d = slurp("bomb-progressive.jpg", &len);
	test_assert_int(img_probe(d, len, NULL, &info, &err), 0);
	test_assert_int(info.width, 6000);
	test_assert_int(info.progressive, 1);
	test_assert_int(img_decode(d, len, NULL, 256, &px, NULL, &err),
			OB_E_LIMIT);
	test_assert_str(err.msg, "JPEG needs more than 192 MB to decode");
	test_assert_int(decode_file("interlaced-big.png", 256, &px, NULL, &err),
			OB_E_LIMIT);
	test_assert_str(err.msg, "interlaced PNG of 5000x4000 pixels is over "
				 "the limit of 16000000 pixels");
	test_assert(px.rgb == NULL);
	lim.max_side = 1000;
	test_assert_int(img_probe(d, len, &lim, &info, &err), OB_E_LIMIT);
	test_assert(strstr(err.msg, "a side is over the limit of 1000") !=
		    NULL);
	free(d);
	test_end();

	test_begin("truncated and foreign files: OB_E_PARSE");
	for (size_t i = 0; i < sizeof(parse) / sizeof(parse[0]); i++) {
		test_assert_int(decode_file(parse[i], 64, &px, NULL, &err),
				OB_E_PARSE);
		test_assert(px.rgb == NULL);
	}
	test_assert_int(decode_file("truncated.jpg", 64, &px, NULL, &err),
			OB_E_PARSE);
	test_assert_str(err.msg, "truncated JPEG");
	test_assert_int(decode_file("truncated.png", 64, &px, NULL, &err),
			OB_E_PARSE);
	test_assert_str(err.msg, "PNG: truncated PNG");
	test_assert_int(
		img_decode((const uint8_t *)"", 0, NULL, 64, &px, NULL, &err),
		OB_E_PARSE);
	test_end();

	test_begin("input bytes and edge limits");
	d = slurp("progressive.jpg", &len);
	lim.max_side = 0;
	lim.max_input = 1000;
	test_assert_int(img_decode(d, len, &lim, 64, &px, NULL, &err),
			OB_E_LIMIT);
	test_assert_int(
		img_decode(d, len, NULL, IMG_EDGE_MAX + 1, &px, NULL, &err),
		OB_E_INVAL);
	test_assert_int(img_thumb(d, len, NULL, 0, 80, &t, &tlen, NULL, &err),
			OB_E_INVAL);
	free(d);
	test_end();
}

/* A 12-megapixel photo with detail everywhere (so it is megabytes, as a
 * phone's is): its thumbnail at the CardDAV default. */
static void test_big(void)
{
	struct img_pixels big = {4000, 3000, NULL}, px;
	struct ob_err err;
	uint8_t *j = NULL, *t = NULL;
	size_t jlen = 0, tlen = 0;
	uint32_t seed = 1;
	struct timespec a, b;

	test_begin("a 12 MP JPEG to a 256-pixel thumbnail under 64 KiB");
	big.rgb = malloc((size_t)big.width * big.height * 3);
	test_assert(big.rgb != NULL);
	for (size_t i = 0; big.rgb != NULL && i < (size_t)4000 * 3000; i++) {
		uint32_t x = (uint32_t)(i % 4000), y = (uint32_t)(i / 4000);
		seed = seed * 1103515245u + 12345u;
		big.rgb[i * 3] = (uint8_t)(x < 2000 ? 220 : 20);
		big.rgb[i * 3 + 1] = (uint8_t)((seed >> 16) & 0x3f);
		big.rgb[i * 3 + 2] = (uint8_t)(y < 1500 ? 30 : 200);
	}
	test_assert_int(img_encode_jpeg(&big, 92, &j, &jlen, &err), 0);
	img_pixels_free(&big);
	test_assert(jlen > 2u << 20);
	clock_gettime(CLOCK_MONOTONIC, &a);
	test_assert_int(
		img_thumb(j, jlen, NULL, 256, 80, &t, &tlen, NULL, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("# 12 MP JPEG of %zu bytes -> %zu-byte thumbnail in %.1f ms\n",
	       jlen, tlen,
	       (double)(b.tv_sec - a.tv_sec) * 1e3 +
		       (double)(b.tv_nsec - a.tv_nsec) / 1e6);
	test_assert(tlen > 0 && tlen < 65536);
	test_assert_int(img_decode(t, tlen, NULL, 0, &px, NULL, &err), 0);
	test_assert_int(px.width, 256);
	test_assert_int(px.height, 192);
	/* left half red-ish, bottom half blue-ish survive */
	test_assert(px.rgb[0] > 180 && px.rgb[2] < 70);
	test_assert(px.rgb[((191 * 256) + 255) * 3] < 70);
	test_assert(px.rgb[((191 * 256) + 255) * 3 + 2] > 160);
	img_pixels_free(&px);
	free(j);
	free(t);
	test_end();
}

int main(void)
{
	test_orientation();
	test_formats();
	test_png16();
	test_box_filter();
	test_hostile();
	test_big();
	return test_done();
}
