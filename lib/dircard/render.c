/* The one render policy (dircard.h): options to vcard_contact_write, the
 * client's property trim, and the buffer grown on VCARD_E_SPACE. */
#include "config.h"
#include "dircard/dircard.h"

#include <stdlib.h>
#include <string.h>

int dcard_render(const struct vcard_contact *c,
		 const struct dcard_render_opts *o, struct dcard_buf *b,
		 size_t *len_r, struct ob_err *err)
{
	struct vcard_contact_options vo = {0};
	struct vcard_contact ct = *c;
	struct vcard_error verr;
	uint32_t has = o->trim ? o->props : DCARD_PROP_ALL;
	int ret;

	if (!(has & DCARD_PROP_TITLE))
		ct.title = NULL;
	if (!(has & DCARD_PROP_ORG))
		ct.n_org = 0;
	if (!(has & DCARD_PROP_ADR))
		memset(&ct.adr, 0, sizeof(ct.adr));
	if (!(has & DCARD_PROP_NOTE))
		ct.note = NULL;
	if (!(has & DCARD_PROP_CATEGORIES))
		ct.n_categories = 0;
	if (!(has & DCARD_PROP_PHONETIC))
		ct.phonetic_family = ct.phonetic_given = NULL;
	if (!(has & DCARD_PROP_TEL))
		ct.n_phones = 0;
	if (!(has & DCARD_PROP_EMAIL))
		ct.n_emails = 0;
	vo.version = o->version;
	vo.include_photo = o->photo;
	vo.max_photo_bytes = o->max_photo_bytes;
	vo.dialect = o->dialect;
	*len_r = 0;
	for (;;) {
		char *nb;

		memset(&verr, 0, sizeof(verr));
		ret = vcard_contact_write(&ct, &vo, b->data, b->size, len_r,
					  &verr);
		if (ret != VCARD_E_SPACE)
			break;
		/* *len_r is the size needed; one more byte for callers that
		 * NUL-terminate */
		nb = realloc(b->data, *len_r + 1);
		if (nb == NULL) {
			ret = VCARD_E_NOMEM;
			break;
		}
		b->data = nb;
		b->size = *len_r + 1;
	}
	if (ret == 0)
		return 0;
	if (ret == VCARD_E_NOMEM)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	return ob_err_set(err, OB_E_FAIL, "%s", verr.msg);
}
