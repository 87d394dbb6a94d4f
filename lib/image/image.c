/* Thumbnails (image.h): a streaming decode (JPEG through libjpeg, PNG
 * through libpng) feeding an area-averaging scaler one source row at a
 * time, the EXIF orientation applied to the small result, and a baseline
 * JPEG encoder. The third-party errors stop here: each library's error
 * handler longjmps back to the call that entered it. EXIF: the TIFF 6.0
 * IFD0 layout (CIPA DC-008, 4.6.2), tag 0x0112 Orientation. */
#include "config.h"
#include "image/image.h"

#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>
#include <png.h>

/* ---- limits ---------------------------------------------------------- */

struct lims {
	size_t max_input;
	uint64_t max_pixels;
	uint32_t max_side;
};

static void lims_of(const struct img_limits *l, struct lims *o)
{
	o->max_input = l != NULL && l->max_input ? l->max_input
						 : IMG_MAX_INPUT_DEFAULT;
	o->max_pixels = l != NULL && l->max_pixels ? l->max_pixels
						   : IMG_MAX_PIXELS_DEFAULT;
	o->max_side =
		l != NULL && l->max_side ? l->max_side : IMG_MAX_SIDE_DEFAULT;
}

static int check_size(const struct lims *l, uint32_t w, uint32_t h,
		      struct ob_err *err)
{
	if (w == 0 || h == 0)
		return ob_err_set(err, OB_E_PARSE, "image of %ux%u pixels",
				  (unsigned)w, (unsigned)h);
	if (w > l->max_side || h > l->max_side)
		return ob_err_set(err, OB_E_LIMIT,
				  "image of %ux%u pixels: a side is over the "
				  "limit of %u",
				  (unsigned)w, (unsigned)h,
				  (unsigned)l->max_side);
	if ((uint64_t)w * h > l->max_pixels)
		return ob_err_set(err, OB_E_LIMIT,
				  "image of %ux%u pixels is over the limit of "
				  "%llu pixels",
				  (unsigned)w, (unsigned)h,
				  (unsigned long long)l->max_pixels);
	return 0;
}

enum img_format img_sniff(const uint8_t *d, size_t len)
{
	static const uint8_t png_sig[8] = {0x89, 'P',  'N',  'G',
					   '\r', '\n', 0x1a, '\n'};
	if (len >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
		return IMG_JPEG;
	if (len >= 8 && memcmp(d, png_sig, 8) == 0)
		return IMG_PNG;
	return IMG_UNKNOWN;
}

/* ---- the scaler -------------------------------------------------------
 * Destination pixel j covers source [j*s, (j+1)*s) with s = src/dst >= 1,
 * so a source pixel overlaps one destination pixel or two; its weight is
 * the length it shares with each. The weights each destination pixel
 * received are summed apart (wx, wy), so rounding at the edges never
 * darkens a border. */

struct scaler {
	uint32_t sw, sh, dw, dh, y;
	double s_x, s_y;
	float *acc;  /* dw * dh * 3 */
	float *hrow; /* dw * 3 */
	float *wx, *wy;
};

static void split(uint32_t i, double s, uint32_t dn, uint32_t *j_r, float *w0_r,
		  float *w1_r)
{
	uint32_t j = (uint32_t)((double)i / s);
	double b;

	if (j >= dn)
		j = dn - 1;
	b = (double)(j + 1) * s;
	*j_r = j;
	if ((double)i + 1.0 <= b || j + 1 >= dn) {
		*w0_r = 1.0f;
		*w1_r = 0.0f;
	} else {
		*w0_r = (float)(b - (double)i);
		*w1_r = 1.0f - *w0_r;
	}
}

static void scaler_free(struct scaler *s)
{
	free(s->acc);
	free(s->hrow);
	free(s->wx);
	free(s->wy);
	memset(s, 0, sizeof(*s));
}

static int scaler_init(struct scaler *s, uint32_t sw, uint32_t sh, uint32_t dw,
		       uint32_t dh, struct ob_err *err)
{
	memset(s, 0, sizeof(*s));
	s->sw = sw;
	s->sh = sh;
	s->dw = dw;
	s->dh = dh;
	s->s_x = (double)sw / dw;
	s->s_y = (double)sh / dh;
	s->acc = calloc((size_t)dw * dh * 3, sizeof(float));
	s->hrow = calloc((size_t)dw * 3, sizeof(float));
	s->wx = calloc(dw, sizeof(float));
	s->wy = calloc(dh, sizeof(float));
	if (s->acc == NULL || s->hrow == NULL || s->wx == NULL ||
	    s->wy == NULL) {
		scaler_free(s);
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	}
	for (uint32_t i = 0; i < sw; i++) {
		uint32_t j;
		float w0, w1;
		split(i, s->s_x, dw, &j, &w0, &w1);
		s->wx[j] += w0;
		if (w1 > 0)
			s->wx[j + 1] += w1;
	}
	return 0;
}

/* One source row of sw RGB pixels, top to bottom. */
static void scaler_row(struct scaler *s, const uint8_t *rgb)
{
	uint32_t k;
	float w0, w1;

	if (s->y >= s->sh)
		return;
	memset(s->hrow, 0, (size_t)s->dw * 3 * sizeof(float));
	for (uint32_t i = 0; i < s->sw; i++) {
		uint32_t j;
		float a, b;
		const uint8_t *p = rgb + (size_t)i * 3;
		float *o;

		split(i, s->s_x, s->dw, &j, &a, &b);
		o = s->hrow + (size_t)j * 3;
		o[0] += a * p[0];
		o[1] += a * p[1];
		o[2] += a * p[2];
		if (b > 0) {
			o[3] += b * p[0];
			o[4] += b * p[1];
			o[5] += b * p[2];
		}
	}
	split(s->y, s->s_y, s->dh, &k, &w0, &w1);
	s->wy[k] += w0;
	for (size_t x = 0; x < (size_t)s->dw * 3; x++)
		s->acc[(size_t)k * s->dw * 3 + x] += w0 * s->hrow[x];
	if (w1 > 0) {
		s->wy[k + 1] += w1;
		for (size_t x = 0; x < (size_t)s->dw * 3; x++)
			s->acc[(size_t)(k + 1) * s->dw * 3 + x] +=
				w1 * s->hrow[x];
	}
	s->y++;
}

static void scaler_finish(const struct scaler *s, uint8_t *out)
{
	for (uint32_t k = 0; k < s->dh; k++)
		for (uint32_t j = 0; j < s->dw; j++) {
			float w = s->wx[j] * s->wy[k];
			const float *a = s->acc + ((size_t)k * s->dw + j) * 3;
			uint8_t *o = out + ((size_t)k * s->dw + j) * 3;
			for (int c = 0; c < 3; c++) {
				float v = w > 0 ? a[c] / w + 0.5f : 0.0f;
				o[c] = v >= 255.0f ? 255 : (uint8_t)v;
			}
		}
}

/* The size that fits w x h within edge x edge, aspect kept, never larger
 * than the source; edge 0 keeps the size. */
static void fit(uint32_t w, uint32_t h, uint32_t edge, uint32_t *dw_r,
		uint32_t *dh_r)
{
	*dw_r = w;
	*dh_r = h;
	if (edge == 0 || (w <= edge && h <= edge))
		return;
	if (w >= h) {
		uint64_t v = ((uint64_t)h * edge + w / 2) / w;
		*dw_r = edge;
		*dh_r = v < 1 ? 1 : (uint32_t)v;
	} else {
		uint64_t v = ((uint64_t)w * edge + h / 2) / h;
		*dh_r = edge;
		*dw_r = v < 1 ? 1 : (uint32_t)v;
	}
}

/* ---- orientation ----------------------------------------------------- */

static uint32_t rd16(const uint8_t *p, bool le)
{
	return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8
		  : (uint32_t)p[0] << 8 | (uint32_t)p[1];
}

static uint32_t rd32(const uint8_t *p, bool le)
{
	return le ? rd16(p, true) | rd16(p + 2, true) << 16
		  : rd16(p, false) << 16 | rd16(p + 2, false);
}

/* The Orientation of an APP1 Exif segment; 1 when absent or damaged (a
 * bad EXIF block never makes a photo unusable). */
static int exif_orientation(const uint8_t *d, size_t len)
{
	bool le;
	uint32_t ifd, n;

	if (len < 6 + 8 || memcmp(d, "Exif\0\0", 6) != 0)
		return 1;
	d += 6;
	len -= 6;
	if (d[0] == 'I' && d[1] == 'I')
		le = true;
	else if (d[0] == 'M' && d[1] == 'M')
		le = false;
	else
		return 1;
	if (rd16(d + 2, le) != 42)
		return 1;
	ifd = rd32(d + 4, le);
	if (ifd > len || len - ifd < 2)
		return 1;
	n = rd16(d + ifd, le);
	for (uint32_t i = 0; i < n; i++) {
		size_t e = (size_t)ifd + 2 + (size_t)i * 12;
		uint32_t v;
		if (e > len || len - e < 12)
			return 1;
		if (rd16(d + e, le) != 0x0112)
			continue;
		if (rd16(d + e + 2, le) != 3) /* SHORT */
			return 1;
		v = rd16(d + e + 8, le);
		return v >= 1 && v <= 8 ? (int)v : 1;
	}
	return 1;
}

/* The displayed picture of a stored w x h one under orientation o. */
static int orient(struct img_pixels *px, int o, struct ob_err *err)
{
	uint32_t w = px->width, h = px->height, W, H;
	uint8_t *out;

	if (o <= 1 || o > 8)
		return 0;
	W = o >= 5 ? h : w;
	H = o >= 5 ? w : h;
	out = malloc((size_t)W * H * 3);
	if (out == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < W; x++) {
			uint32_t sx, sy;
			switch (o) {
			case 2:
				sx = w - 1 - x, sy = y;
				break;
			case 3:
				sx = w - 1 - x, sy = h - 1 - y;
				break;
			case 4:
				sx = x, sy = h - 1 - y;
				break;
			case 5:
				sx = y, sy = x;
				break;
			case 6:
				sx = y, sy = h - 1 - x;
				break;
			case 7:
				sx = w - 1 - y, sy = h - 1 - x;
				break;
			default: /* 8 */
				sx = w - 1 - y, sy = x;
				break;
			}
			memcpy(out + ((size_t)y * W + x) * 3,
			       px->rgb + ((size_t)sy * w + sx) * 3, 3);
		}
	free(px->rgb);
	px->rgb = out;
	px->width = W;
	px->height = H;
	return 0;
}

void img_pixels_free(struct img_pixels *px)
{
	if (px == NULL)
		return;
	free(px->rgb);
	memset(px, 0, sizeof(*px));
}

/* ---- JPEG ------------------------------------------------------------ */

struct jerr {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
	int code;
	char msg[JMSG_LENGTH_MAX];
};

static void j_error_exit(j_common_ptr c)
{
	struct jerr *e = (struct jerr *)c->err;
	int m = c->err->msg_code;
	if (e->code == 0 &&
	    (m == JERR_NO_BACKING_STORE || m == JERR_OUT_OF_MEMORY)) {
		/* over the pool cap (IMG_JPEG_MEMORY), not out of memory */
		e->code = OB_E_LIMIT;
		snprintf(e->msg, sizeof(e->msg),
			 "JPEG needs more than %ld MB to decode",
			 IMG_JPEG_MEMORY >> 20);
	} else if (e->code == 0) {
		e->code = OB_E_PARSE;
		c->err->format_message(c, e->msg);
	}
	longjmp(e->jb, 1);
}

/* Warnings are quiet, except a premature end of the data: libjpeg would
 * paint the rest grey, a truncated photo is refused instead. */
static void j_emit(j_common_ptr c, int level)
{
	struct jerr *e = (struct jerr *)c->err;
	if (level >= 0)
		return;
	c->err->num_warnings++;
	if (c->err->msg_code == JWRN_JPEG_EOF) {
		e->code = OB_E_PARSE;
		snprintf(e->msg, sizeof(e->msg), "truncated JPEG");
		longjmp(e->jb, 1);
	}
}

static void j_output(j_common_ptr c)
{
	(void)c;
}

/* The CPU bomb of a progressive file with thousands of scans. */
static void j_progress(j_common_ptr c)
{
	struct jerr *e = (struct jerr *)c->err;
	if (!c->is_decompressor)
		return;
	if (((j_decompress_ptr)c)->input_scan_number > IMG_MAX_SCANS) {
		e->code = OB_E_LIMIT;
		snprintf(e->msg, sizeof(e->msg), "JPEG with more than %d scans",
			 IMG_MAX_SCANS);
		longjmp(e->jb, 1);
	}
}

struct jdec {
	struct jpeg_decompress_struct ci;
	struct jerr je;
	struct jpeg_progress_mgr prog;
	struct scaler sc;
	uint8_t *row, *rgb;
	int orientation;
};

static void jdec_setup(struct jdec *d)
{
	d->ci.err = jpeg_std_error(&d->je.pub);
	d->je.pub.error_exit = j_error_exit;
	d->je.pub.emit_message = j_emit;
	d->je.pub.output_message = j_output;
	jpeg_create_decompress(&d->ci);
	d->prog.progress_monitor = j_progress;
	d->ci.progress = &d->prog;
	/* libjpeg's own pool cap: a bomb that passes the pixel limit
	 * still cannot take more than this */
	d->ci.mem->max_memory_to_use = IMG_JPEG_MEMORY;
}

static int jdec_header(struct jdec *d, const uint8_t *data, size_t len,
		       const struct lims *l, struct img_info *info,
		       struct ob_err *err)
{
	jpeg_mem_src(&d->ci, data, (unsigned long)len);
	jpeg_save_markers(&d->ci, JPEG_APP0 + 1, 0xffff);
	jpeg_read_header(&d->ci, TRUE);
	d->orientation = 1;
	for (jpeg_saved_marker_ptr m = d->ci.marker_list; m != NULL;
	     m = m->next)
		if (m->marker == JPEG_APP0 + 1) {
			int o = exif_orientation(m->data, m->data_length);
			if (o != 1) {
				d->orientation = o;
				break;
			}
		}
	info->format = IMG_JPEG;
	info->orientation = d->orientation;
	info->components = d->ci.num_components;
	info->progressive = d->ci.progressive_mode ? 1 : 0;
	info->width =
		d->orientation >= 5 ? d->ci.image_height : d->ci.image_width;
	info->height =
		d->orientation >= 5 ? d->ci.image_width : d->ci.image_height;
	return check_size(l, d->ci.image_width, d->ci.image_height, err);
}

static void cmyk_to_rgb(const uint8_t *in, uint8_t *out, uint32_t n,
			bool inverted)
{
	for (uint32_t i = 0; i < n; i++) {
		unsigned c = in[0], m = in[1], y = in[2], k = in[3];
		if (!inverted) {
			c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
		}
		/* inverted (Adobe): the values are already 255 - ink */
		out[0] = (uint8_t)((c * k + 127) / 255);
		out[1] = (uint8_t)((m * k + 127) / 255);
		out[2] = (uint8_t)((y * k + 127) / 255);
		in += 4;
		out += 3;
	}
}

static int jpeg_decode(const uint8_t *data, size_t len, const struct lims *l,
		       uint32_t edge, struct img_pixels *px,
		       struct img_info *info, struct ob_err *err)
{
	struct jdec *d = calloc(1, sizeof(*d));
	uint32_t dw, dh;
	volatile int ret = 0; /* set after setjmp */

	if (d == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	jdec_setup(d);
	if (setjmp(d->je.jb)) {
		ret = ob_err_set(err, d->je.code ? d->je.code : OB_E_PARSE,
				 "%s", d->je.msg);
		goto out;
	}
	ret = jdec_header(d, data, len, l, info, err);
	if (ret < 0)
		goto out;
	fit(d->ci.image_width, d->ci.image_height, edge, &dw, &dh);
	if (d->ci.jpeg_color_space == JCS_CMYK ||
	    d->ci.jpeg_color_space == JCS_YCCK)
		d->ci.out_color_space = JCS_CMYK;
	else
		d->ci.out_color_space = JCS_RGB;
	/* the DCT's own downscale (an 8x8 block average at 1/8) while
	 * at least twice the target remains, then the box filter */
	d->ci.scale_num = 1;
	d->ci.scale_denom = 1;
	for (unsigned den = 8; den > 1; den /= 2)
		if ((d->ci.image_width + den - 1) / den >= 2 * dw &&
		    (d->ci.image_height + den - 1) / den >= 2 * dh) {
			d->ci.scale_denom = den;
			break;
		}
	d->ci.dct_method = JDCT_ISLOW;
	jpeg_start_decompress(&d->ci);
	if (d->ci.output_width < dw || d->ci.output_height < dh ||
	    (d->ci.output_components != 3 && d->ci.output_components != 4)) {
		ret = ob_err_set(err, OB_E_PARSE, "JPEG decoder gave %ux%u",
				 (unsigned)d->ci.output_width,
				 (unsigned)d->ci.output_height);
		goto out;
	}
	d->row = malloc((size_t)d->ci.output_width * 4);
	d->rgb = malloc((size_t)d->ci.output_width * 3);
	if (d->row == NULL || d->rgb == NULL) {
		ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
		goto out;
	}
	ret = scaler_init(&d->sc, d->ci.output_width, d->ci.output_height, dw,
			  dh, err);
	if (ret < 0)
		goto out;
	while (d->ci.output_scanline < d->ci.output_height) {
		JSAMPROW r = d->row;
		if (jpeg_read_scanlines(&d->ci, &r, 1) != 1) {
			ret = ob_err_set(err, OB_E_PARSE, "truncated JPEG");
			goto out;
		}
		if (d->ci.output_components == 4) {
			cmyk_to_rgb(d->row, d->rgb, d->ci.output_width,
				    d->ci.saw_Adobe_marker);
			scaler_row(&d->sc, d->rgb);
		} else {
			scaler_row(&d->sc, d->row);
		}
	}
	px->width = dw;
	px->height = dh;
	px->rgb = malloc((size_t)dw * dh * 3);
	if (px->rgb == NULL) {
		ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
		goto out;
	}
	scaler_finish(&d->sc, px->rgb);
	ret = orient(px, d->orientation, err);
	if (ret < 0)
		img_pixels_free(px);
out:
	/* what follows the last scanline (trailing bytes, a missing EOI)
	 * does not matter: abort rather than finish */
	jpeg_destroy_decompress(&d->ci);
	scaler_free(&d->sc);
	free(d->row);
	free(d->rgb);
	free(d);
	return ret;
}

/* ---- PNG ------------------------------------------------------------- */

struct psrc {
	const uint8_t *d;
	size_t len, off;
	char msg[128];
};

static void p_error(png_structp png, png_const_charp msg)
{
	struct psrc *s = png_get_error_ptr(png);
	snprintf(s->msg, sizeof(s->msg), "PNG: %s", msg);
	png_longjmp(png, 1);
}

static void p_warn(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void p_read(png_structp png, png_bytep out, size_t n)
{
	struct psrc *s = png_get_io_ptr(png);
	if (s->len - s->off < n)
		png_error(png, "truncated PNG");
	memcpy(out, s->d + s->off, n);
	s->off += n;
}

struct pdec {
	png_structp png;
	png_infop info;
	struct psrc src;
	struct scaler sc;
	uint8_t *row, *rgb, *whole;
};

static void flatten(const uint8_t *in, uint8_t *out, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		unsigned a = in[3];
		for (int c = 0; c < 3; c++)
			out[c] = (uint8_t)((in[c] * a + 255 * (255 - a) + 127) /
					   255);
		in += 4;
		out += 3;
	}
}

static int png_decode(const uint8_t *data, size_t len, const struct lims *l,
		      uint32_t edge, struct img_pixels *px,
		      struct img_info *info, struct ob_err *err)
{
	struct pdec *d = calloc(1, sizeof(*d));
	png_uint_32 w, h;
	uint32_t dw, dh;
	int depth, ctype, interlace, passes;
	volatile int ret = 0; /* set after setjmp */

	if (d == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	d->src.d = data;
	d->src.len = len;
	d->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &d->src, p_error,
					p_warn);
	if (d->png != NULL)
		d->info = png_create_info_struct(d->png);
	if (d->png == NULL || d->info == NULL) {
		ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
		goto out;
	}
	if (setjmp(png_jmpbuf(d->png))) {
		ret = ob_err_set(err, OB_E_PARSE, "%s", d->src.msg);
		goto out;
	}
	png_set_user_limits(d->png, l->max_side, l->max_side);
	png_set_chunk_cache_max(d->png, 256);
	png_set_chunk_malloc_max(d->png, 4u << 20);
	png_set_read_fn(d->png, &d->src, p_read);
	png_read_info(d->png, d->info);
	png_get_IHDR(d->png, d->info, &w, &h, &depth, &ctype, &interlace, NULL,
		     NULL);
	info->format = IMG_PNG;
	info->width = w;
	info->height = h;
	info->orientation = 1;
	info->components = png_get_channels(d->png, d->info);
	ret = check_size(l, w, h, err);
	if (ret < 0)
		goto out;
	png_set_expand(d->png);
	png_set_scale_16(d->png);
	png_set_gray_to_rgb(d->png);
	png_set_add_alpha(d->png, 0xff, PNG_FILLER_AFTER);
	passes = png_set_interlace_handling(d->png);
	png_read_update_info(d->png, d->info);
	if (png_get_rowbytes(d->png, d->info) != (size_t)w * 4) {
		ret = ob_err_set(err, OB_E_PARSE, "PNG rows of %zu bytes",
				 (size_t)png_get_rowbytes(d->png, d->info));
		goto out;
	}
	if (passes > 1 && (uint64_t)w * h > IMG_MAX_INTERLACED) {
		ret = ob_err_set(err, OB_E_LIMIT,
				 "interlaced PNG of %ux%u pixels is over the "
				 "limit of %u pixels",
				 (unsigned)w, (unsigned)h, IMG_MAX_INTERLACED);
		goto out;
	}
	fit(w, h, edge, &dw, &dh);
	d->rgb = malloc((size_t)w * 3);
	if (passes > 1)
		d->whole = malloc((size_t)w * h * 4);
	else
		d->row = malloc((size_t)w * 4);
	if (d->rgb == NULL || (passes > 1 ? d->whole : d->row) == NULL) {
		ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
		goto out;
	}
	ret = scaler_init(&d->sc, w, h, dw, dh, err);
	if (ret < 0)
		goto out;
	if (passes > 1) {
		for (int p = 0; p < passes; p++)
			for (png_uint_32 y = 0; y < h; y++)
				png_read_row(d->png,
					     d->whole + (size_t)y * w * 4,
					     NULL);
		for (png_uint_32 y = 0; y < h; y++) {
			flatten(d->whole + (size_t)y * w * 4, d->rgb, w);
			scaler_row(&d->sc, d->rgb);
		}
	} else {
		for (png_uint_32 y = 0; y < h; y++) {
			png_read_row(d->png, d->row, NULL);
			flatten(d->row, d->rgb, w);
			scaler_row(&d->sc, d->rgb);
		}
	}
	px->width = dw;
	px->height = dh;
	px->rgb = malloc((size_t)dw * dh * 3);
	if (px->rgb == NULL) {
		ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
		goto out;
	}
	scaler_finish(&d->sc, px->rgb);
out:
	png_destroy_read_struct(d->png ? &d->png : NULL,
				d->info ? &d->info : NULL, NULL);
	scaler_free(&d->sc);
	free(d->row);
	free(d->rgb);
	free(d->whole);
	free(d);
	return ret;
}

/* ---- entry points ---------------------------------------------------- */

static int png_probe(const uint8_t *d, size_t len, const struct lims *l,
		     struct img_info *info, struct ob_err *err)
{
	/* signature, then the IHDR chunk: length 13, type, width, height,
	 * depth, colour type (PNG 1.2, 11.2.2) */
	if (len < 8 + 8 + 13 || rd32(d + 8, false) != 13 ||
	    memcmp(d + 12, "IHDR", 4) != 0)
		return ob_err_set(err, OB_E_PARSE, "PNG without IHDR");
	info->format = IMG_PNG;
	info->width = rd32(d + 16, false);
	info->height = rd32(d + 20, false);
	info->orientation = 1;
	switch (d[25]) {
	case 0:
		info->components = 1;
		break;
	case 4:
		info->components = 2;
		break;
	case 6:
		info->components = 4;
		break;
	default:
		info->components = 3;
		break;
	}
	return check_size(l, info->width, info->height, err);
}

static int start(const uint8_t *data, size_t len, const struct lims *l,
		 enum img_format *f_r, struct ob_err *err)
{
	if (len > l->max_input)
		return ob_err_set(err, OB_E_LIMIT,
				  "image of %zu bytes is over the limit of "
				  "%zu",
				  len, l->max_input);
	*f_r = data != NULL ? img_sniff(data, len) : IMG_UNKNOWN;
	if (*f_r == IMG_UNKNOWN)
		return ob_err_set(err, OB_E_PARSE, "neither JPEG nor PNG");
	return 0;
}

int img_probe(const uint8_t *data, size_t len, const struct img_limits *lim,
	      struct img_info *info_r, struct ob_err *err)
{
	struct lims l;
	enum img_format f;
	struct jdec *d;
	int ret;

	memset(info_r, 0, sizeof(*info_r));
	lims_of(lim, &l);
	ret = start(data, len, &l, &f, err);
	if (ret < 0)
		return ret;
	if (f == IMG_PNG)
		return png_probe(data, len, &l, info_r, err);
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	jdec_setup(d);
	if (setjmp(d->je.jb))
		ret = ob_err_set(err, d->je.code ? d->je.code : OB_E_PARSE,
				 "%s", d->je.msg);
	else
		ret = jdec_header(d, data, len, &l, info_r, err);
	jpeg_destroy_decompress(&d->ci);
	free(d);
	return ret;
}

int img_decode(const uint8_t *data, size_t len, const struct img_limits *lim,
	       uint32_t edge, struct img_pixels *px_r, struct img_info *info_r,
	       struct ob_err *err)
{
	struct img_info info;
	struct lims l;
	enum img_format f;
	int ret;

	memset(px_r, 0, sizeof(*px_r));
	memset(&info, 0, sizeof(info));
	lims_of(lim, &l);
	if (edge > IMG_EDGE_MAX)
		return ob_err_set(err, OB_E_INVAL,
				  "thumbnail edge %u is over %u",
				  (unsigned)edge, IMG_EDGE_MAX);
	ret = start(data, len, &l, &f, err);
	if (ret == 0)
		ret = f == IMG_JPEG ? jpeg_decode(data, len, &l, edge, px_r,
						  &info, err)
				    : png_decode(data, len, &l, edge, px_r,
						 &info, err);
	if (info_r != NULL)
		*info_r = info;
	return ret;
}

struct jenc {
	struct jpeg_compress_struct ci;
	struct jerr je;
	unsigned char *buf;
	unsigned long size;
};

int img_encode_jpeg(const struct img_pixels *px, int quality, uint8_t **out_r,
		    size_t *len_r, struct ob_err *err)
{
	struct jenc *e;
	volatile int ret = 0; /* set after setjmp */

	*out_r = NULL;
	*len_r = 0;
	if (px->width == 0 || px->height == 0 || px->rgb == NULL ||
	    px->width > JPEG_MAX_DIMENSION || px->height > JPEG_MAX_DIMENSION)
		return ob_err_set(err, OB_E_INVAL, "no picture to encode");
	if (quality < 1 || quality > 100)
		return ob_err_set(err, OB_E_INVAL, "JPEG quality %d", quality);
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	e->ci.err = jpeg_std_error(&e->je.pub);
	e->je.pub.error_exit = j_error_exit;
	e->je.pub.emit_message = j_emit;
	e->je.pub.output_message = j_output;
	jpeg_create_compress(&e->ci);
	if (setjmp(e->je.jb)) {
		/* only allocation can fail on our own well-formed input */
		ret = ob_err_set(err, OB_E_NOMEM, "JPEG encoder: %s",
				 e->je.msg);
		goto out;
	}
	jpeg_mem_dest(&e->ci, &e->buf, &e->size);
	e->ci.image_width = px->width;
	e->ci.image_height = px->height;
	e->ci.input_components = 3;
	e->ci.in_color_space = JCS_RGB;
	jpeg_set_defaults(&e->ci);
	jpeg_set_quality(&e->ci, quality, TRUE);
	e->ci.optimize_coding = TRUE;
	e->ci.dct_method = JDCT_ISLOW;
	jpeg_start_compress(&e->ci, TRUE);
	while (e->ci.next_scanline < e->ci.image_height) {
		JSAMPROW r =
			px->rgb + (size_t)e->ci.next_scanline * px->width * 3;
		jpeg_write_scanlines(&e->ci, &r, 1);
	}
	jpeg_finish_compress(&e->ci);
	*out_r = e->buf;
	*len_r = e->size;
	e->buf = NULL;
out:
	jpeg_destroy_compress(&e->ci);
	free(e->buf);
	free(e);
	return ret;
}

int img_thumb(const uint8_t *data, size_t len, const struct img_limits *lim,
	      uint32_t edge, int quality, uint8_t **out_r, size_t *len_r,
	      struct img_info *info_r, struct ob_err *err)
{
	struct img_pixels px;
	int ret;

	*out_r = NULL;
	*len_r = 0;
	if (edge == 0)
		return ob_err_set(err, OB_E_INVAL, "thumbnail edge 0");
	ret = img_decode(data, len, lim, edge, &px, info_r, err);
	if (ret == 0)
		ret = img_encode_jpeg(&px, quality, out_r, len_r, err);
	img_pixels_free(&px);
	return ret;
}
