/* .vcf export: iterate the view, map each person with person-card.c and
 * write it with vcard_contact_write into one reusable buffer. */
#include "config.h"
#include "webadmin/export.h"
#include "webadmin/person-card.h"

#include <stdlib.h>
#include <string.h>

struct export_ctx {
	const struct wa_export_opts *o;
	const char *company;
	int (*out)(const char *data, size_t len, void *ctx);
	void *out_ctx;
	char *buf;
	size_t size;
	size_t count;
	struct ob_err *err;
};

static int export_one(const struct dstore_person *p, void *vctx)
{
	struct export_ctx *x = vctx;
	struct vcard_contact_options opt = {0};
	struct wa_card_scratch sc;
	struct vcard_contact c;
	struct vcard_error verr;
	size_t len = 0;
	int ret;

	if (wa_person_to_contact(p, x->company, &sc, &c) < 0)
		return ob_err_set(x->err, OB_E_NOMEM, "out of memory");
	opt.version = x->o->version;
	opt.include_photo = x->o->photos;
	opt.max_photo_bytes = x->o->max_photo_bytes;
	for (;;) {
		ret = vcard_contact_write(&c, &opt, x->buf, x->size, &len,
					  &verr);
		if (ret != VCARD_E_SPACE)
			break;
		char *nb = realloc(x->buf, len + 1);
		if (nb == NULL) {
			ret = VCARD_E_NOMEM;
			break;
		}
		x->buf = nb;
		x->size = len + 1;
	}
	wa_card_scratch_deinit(&sc);
	if (ret != 0)
		return ob_err_set(x->err, OB_E_FAIL, "person %s: %s", p->uid,
				  verr.msg);
	x->count++;
	return x->out(x->buf, len, x->out_ctx);
}

int wa_export_vcf(struct dstore *s, int64_t tenant_id,
		  const struct wa_export_opts *o,
		  int (*out)(const char *data, size_t len, void *ctx),
		  void *ctx, size_t *count_r, struct ob_err *err)
{
	struct dstore_iter_opts it = {0};
	struct export_ctx x = {0};
	struct dstore_tenant t;
	int ret;

	ret = dstore_tenant_get(s, tenant_id, &t, err);
	if (ret < 0)
		return ret;
	x.o = o;
	x.company = t.display;
	x.out = out;
	x.out_ctx = ctx;
	x.err = err;
	x.size = 8192;
	x.buf = malloc(x.size);
	if (x.buf == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	it.unit_id = o->unit_id;
	it.with_photo = o->photos;
	ret = dstore_person_iter(s, tenant_id, &it, export_one, &x, err);
	free(x.buf);
	if (count_r != NULL)
		*count_r = x.count;
	return ret;
}
