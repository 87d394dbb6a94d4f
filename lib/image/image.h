/* lib/image: photo thumbnails. Decodes a JPEG (libjpeg) or PNG (libpng)
 * held in memory, turns it upright by its EXIF orientation (JPEG, the
 * TIFF tag 0x0112 in APP1), scales it down by area averaging (a box
 * filter with fractional edges, on the 8-bit values as stored) to fit
 * a square of edge pixels keeping its aspect, puts PNG transparency on
 * white, and writes a baseline JPEG with no metadata (only the JFIF
 * header). Grayscale, CMYK/YCCK (Adobe inverted or not) and progressive
 * JPEG; palette, gray, 16-bit and interlaced PNG.
 *
 * Promises: hostile input is an error, never a crash, a hang or
 * unbounded memory. Limits (struct img_limits): input bytes, source
 * pixels (a decompression bomb is refused from its header, before any
 * pixel is decoded), either side, JPEG progressive scans (the CPU bomb of
 * many tiny scans), PNG chunk sizes. Memory is the scaled picture (at
 * most IMG_EDGE_MAX squared, in floats) plus one source row; only an
 * interlaced PNG is held whole (at most IMG_MAX_INTERLACED pixels, 64
 * MB) and a progressive JPEG's coefficients (libjpeg's pool, at most
 * IMG_JPEG_MEMORY: a 40-megapixel 4:2:0 photo fits). libjpeg and
 * libpng errors return through setjmp/longjmp inside this module and
 * never reach the caller; they print nothing.
 *
 * Never: scales up, crops, keeps EXIF/ICC/XMP or any other metadata,
 * does file or network I/O, logs, or keeps state between calls (it is
 * safe from many threads at once). */
#ifndef IMG_IMAGE_H
#define IMG_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define IMG_MAX_INPUT_DEFAULT (32u << 20)  /* input bytes */
#define IMG_MAX_PIXELS_DEFAULT 50000000ull /* source width * height */
#define IMG_MAX_SIDE_DEFAULT 30000u        /* source width or height */
#define IMG_MAX_SCANS 200                  /* progressive JPEG scans */
#define IMG_MAX_INTERLACED 16000000u /* interlaced PNG pixels (held whole) */
#define IMG_JPEG_MEMORY (192L << 20) /* libjpeg's pool (progressive) */
#define IMG_EDGE_MAX 2048u           /* largest thumbnail edge */
#define IMG_QUALITY_DEFAULT 80

/* 0 in a field means its default. */
struct img_limits {
	size_t max_input;
	uint64_t max_pixels;
	uint32_t max_side;
};

enum img_format {
	IMG_UNKNOWN = 0,
	IMG_JPEG,
	IMG_PNG,
};

struct img_info {
	enum img_format format;
	uint32_t width, height; /* as shown, after the orientation */
	int orientation;        /* EXIF 1..8; 1 when none (PNG: 1) */
	int components;         /* in the file: 1 gray, 3, 4 CMYK (JPEG) */
	int progressive;        /* JPEG: 1 when progressive */
};

/* The format from the magic bytes; IMG_UNKNOWN when neither. */
enum img_format img_sniff(const uint8_t *data, size_t len);

/* Read the header of data[0..len): format, size as shown and orientation,
 * without decoding pixels. Returns 0, OB_E_PARSE (not JPEG/PNG, damaged
 * header) or OB_E_LIMIT (over a limit; err says which). lim may be
 * NULL (defaults). */
int img_probe(const uint8_t *data, size_t len, const struct img_limits *lim,
	      struct img_info *info_r, struct ob_err *err);

/* An 8-bit RGB picture, rows top to bottom, 3 bytes a pixel. */
struct img_pixels {
	uint32_t width, height;
	uint8_t *rgb; /* width * height * 3, malloc'd */
};

void img_pixels_free(struct img_pixels *px);

/* Decode data, upright, scaled down to fit edge x edge (edge 0: full
 * size, then width * height must also be within the limits), PNG alpha
 * on white. *px_r is the caller's (img_pixels_free). Returns 0,
 * OB_E_PARSE (damaged or truncated: err names the decoder's message),
 * OB_E_LIMIT, OB_E_INVAL (edge over IMG_EDGE_MAX) or OB_E_NOMEM. info_r
 * may be NULL. */
int img_decode(const uint8_t *data, size_t len, const struct img_limits *lim,
	       uint32_t edge, struct img_pixels *px_r, struct img_info *info_r,
	       struct ob_err *err);

/* px as a baseline JPEG of quality 1..100 (4:2:0, optimised Huffman
 * tables, JFIF header, nothing else) into *out_r (malloc'd, the
 * caller's), *len_r bytes. Returns 0, OB_E_INVAL or OB_E_NOMEM. */
int img_encode_jpeg(const struct img_pixels *px, int quality, uint8_t **out_r,
		    size_t *len_r, struct ob_err *err);

/* img_decode then img_encode_jpeg: the thumbnail of data within edge x
 * edge (1..IMG_EDGE_MAX). Never larger than the source: a picture
 * already within edge keeps its size. Returns as those do. */
int img_thumb(const uint8_t *data, size_t len, const struct img_limits *lim,
	      uint32_t edge, int quality, uint8_t **out_r, size_t *len_r,
	      struct img_info *info_r, struct ob_err *err);

#endif
