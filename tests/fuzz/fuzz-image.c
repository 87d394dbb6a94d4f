/* fuzz-image: photos come from imports (CSV, JSON, vCard, the web admin),
 * so from outside. The input is decoded and scaled by img_probe,
 * img_decode and img_thumb at a few edges, with small limits so that
 * the fuzzer also walks the limit paths. Oracles: no crash, leak or
 * sanitizer report; a success gives a picture within the edge whose
 * size agrees with img_probe's, and a thumbnail that decodes again as a
 * JPEG of the same size. Any breach aborts. */
#include "config.h"

#include "image/image.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(what)                                                             \
	do {                                                                   \
		fprintf(stderr, "fuzz-image: %s\n", what);                     \
		abort();                                                       \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a 4 MP cap keeps each run fast and still passes real photos */
	static const struct img_limits lim = {1u << 20, 4000000u, 8192u};
	static const uint32_t edges[] = {1, 48, 256};
	struct img_info info, dinfo;
	struct img_pixels px, back;
	struct ob_err err;
	int pr;

	pr = img_probe(data, size, &lim, &info, &err);
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		uint32_t e = edges[i];
		int ret = img_decode(data, size, &lim, e, &px, &dinfo, &err);
		if (ret != 0) {
			if (px.rgb != NULL)
				FAIL("pixels left after a failure");
			continue;
		}
		if (pr != 0)
			FAIL("decoded what probe refused");
		if (px.width == 0 || px.height == 0 || px.width > e ||
		    px.height > e)
			FAIL("picture not within the edge");
		if (info.width <= e && info.height <= e &&
		    (px.width != info.width || px.height != info.height))
			FAIL("a small picture changed size");
		if (e == 48) {
			uint8_t *t = NULL;
			size_t tlen = 0;
			if (img_encode_jpeg(&px, 80, &t, &tlen, &err) != 0)
				FAIL("encoding a decoded picture failed");
			if (img_decode(t, tlen, NULL, 0, &back, NULL, &err) !=
			    0)
				FAIL("our own JPEG does not decode");
			if (back.width != px.width || back.height != px.height)
				FAIL("our own JPEG changed size");
			img_pixels_free(&back);
			free(t);
		}
		img_pixels_free(&px);
	}
	return 0;
}
