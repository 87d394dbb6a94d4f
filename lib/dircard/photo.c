/* The photo a card carries (dircard.h, dcard_photo_fit): the one place
 * that decides between the stored photo, a thumbnail and none, for the
 * sync server, CardDAV and the .vcf export alike. Thumbnails are made by
 * lib/image and kept in the store (dstore_thumb_*), so each photo is
 * decoded once per size, by whichever instance needs it first. */
#include "config.h"
#include "dircard/dircard.h"
#include "image/image.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* qualities tried in turn until the thumbnail fits the byte cap */
static const int qualities[] = {IMG_QUALITY_DEFAULT, 60, 40};

/* The stored photo may go as it is: a JPEG or PNG already within the
 * edge and the cap, upright (a client that ignores EXIF shows it right).
 * A small PNG stays a PNG: as before thumbnails, and smaller than its
 * JPEG would be (the demo's are 180 bytes). */
static bool fits_as_is(const unsigned char *photo, size_t len, uint32_t edge,
		       size_t cap)
{
	struct img_info info;

	if (cap > 0 && len > cap)
		return false;
	if (img_probe(photo, len, NULL, &info, NULL) != 0)
		return false;
	return info.orientation == 1 && info.width <= edge &&
	       info.height <= edge;
}

/* Make the thumbnail: the first quality whose JPEG fits cap; *len_r 0
 * when none does or the photo cannot be decoded (that is an answer too:
 * stored, so it is not tried again). Only running out of memory fails. */
static int make(const unsigned char *photo, size_t len, uint32_t edge,
		size_t cap, unsigned char **out_r, size_t *len_r,
		struct ob_err *err)
{
	struct img_pixels px;
	struct ob_err ierr;
	int ret;

	*out_r = NULL;
	*len_r = 0;
	ret = img_decode(photo, len, NULL, edge, &px, NULL, &ierr);
	if (ret == OB_E_NOMEM)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	if (ret != 0)
		return 0;
	for (size_t i = 0; i < sizeof(qualities) / sizeof(qualities[0]); i++) {
		uint8_t *t = NULL;
		size_t tlen = 0;

		ret = img_encode_jpeg(&px, qualities[i], &t, &tlen, &ierr);
		if (ret != 0)
			break;
		if (cap == 0 || tlen <= cap) {
			*out_r = t;
			*len_r = tlen;
			break;
		}
		free(t);
	}
	img_pixels_free(&px);
	if (ret == OB_E_NOMEM)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	return 0;
}

int dcard_photo_fit(const struct dstore_person *p,
		    const struct dcard_render_opts *o,
		    const unsigned char **photo_r, size_t *len_r,
		    unsigned char **own_r, struct ob_err *err)
{
	char key[DSTORE_THUMB_KEY_LEN];
	unsigned char *t = NULL;
	size_t tlen = 0;
	bool cached = false;
	int ret;

	*photo_r = NULL;
	*len_r = 0;
	*own_r = NULL;
	if (!o->photo || p->photo == NULL || p->photo_len == 0)
		return 0;
	if (o->photo_edge == 0) {
		/* no thumbnails: as stored, or none when over the cap */
		if (o->max_photo_bytes == 0 ||
		    p->photo_len <= o->max_photo_bytes) {
			*photo_r = p->photo;
			*len_r = p->photo_len;
		}
		return 0;
	}
	if (fits_as_is(p->photo, p->photo_len, o->photo_edge,
		       o->max_photo_bytes)) {
		*photo_r = p->photo;
		*len_r = p->photo_len;
		return 0;
	}
	if (dstore_thumb_key(p->photo, p->photo_len, key, err) != 0)
		return OB_E_FAIL;
	if (o->thumbs != NULL) {
		ret = dstore_thumb_get(o->thumbs, o->thumb_tenant, key,
				       o->photo_edge, o->max_photo_bytes, &t,
				       &tlen, NULL);
		if (ret == OB_E_NOMEM)
			return ob_err_set(err, OB_E_NOMEM, "out of memory");
		cached = ret == 0;
	}
	if (!cached) {
		ret = make(p->photo, p->photo_len, o->photo_edge,
			   o->max_photo_bytes, &t, &tlen, err);
		if (ret != 0)
			return ret;
		/* a failure to keep it only costs the next card a decode */
		if (o->thumbs != NULL)
			(void)dstore_thumb_put(o->thumbs, o->thumb_tenant,
					       p->id, key, o->photo_edge,
					       o->max_photo_bytes, t, tlen,
					       (int64_t)time(NULL), NULL);
	}
	*photo_r = t;
	*len_r = tlen;
	*own_r = t;
	return 0;
}
