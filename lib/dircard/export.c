/* The streaming .vcf export (export.h): iterate the view and render each
 * person with dcard_render_person into one reusable buffer. */
#include "config.h"
#include "dircard/dircard.h"
#include "dircard/export.h"

#include <stdlib.h>

struct export_ctx {
	const struct dcard_export_opts *o;
	const char *company;
	struct dstore *store;
	int64_t tenant_id;
	int (*out)(const char *data, size_t len, void *ctx);
	void *out_ctx;
	struct dcard_buf buf;
	size_t count;
	struct ob_err *err;
};

static int export_one(const struct dstore_person *p, void *vctx)
{
	struct export_ctx *x = vctx;
	struct dcard_render_opts opt = {0};
	size_t len = 0;
	int ret;

	opt.version = x->o->version;
	opt.photo = x->o->photos;
	opt.max_photo_bytes = x->o->max_photo_bytes;
	opt.photo_edge = x->o->photo_edge;
	opt.thumbs = x->store;
	opt.thumb_tenant = x->tenant_id;
	ret = dcard_render_person(p, x->company, &opt, &x->buf, &len, x->err);
	if (ret != 0)
		return ret;
	x->count++;
	return x->out(x->buf.data, len, x->out_ctx);
}

int dcard_export_vcf(struct dstore *s, int64_t tenant_id,
		     const struct dcard_export_opts *o,
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
	x.store = s;
	x.tenant_id = tenant_id;
	x.company = t.display;
	x.out = out;
	x.out_ctx = ctx;
	x.err = err;
	x.buf.size = 8192;
	x.buf.data = malloc(x.buf.size);
	if (x.buf.data == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	it.unit_id = o->unit_id;
	it.with_photo = o->photos;
	ret = dstore_person_iter(s, tenant_id, &it, export_one, &x, err);
	free(x.buf.data);
	if (count_r != NULL)
		*count_r = x.count;
	return ret;
}
