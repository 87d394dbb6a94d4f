/* The change feed (feed.h) over the store's change log and person walk. */
#include "config.h"
#include "dirfeed/feed.h"

struct changes_ctx {
	int64_t after_id;
	int (*fn)(const struct dfeed_entry *e, void *ctx);
	void *ctx;
};

static int one_change(const struct dstore_change *ch, void *ctx)
{
	struct changes_ctx *cc = ctx;
	struct dfeed_entry e = {(enum dfeed_kind)ch->kind, ch->person_id,
				ch->uid, ch->rev, NULL};

	if (ch->person_id <= cc->after_id)
		return 0;
	return cc->fn(&e, cc->ctx);
}

int dfeed_changes(struct dstore *store, const struct dfeed_view *view,
		  int64_t token, int64_t after_id,
		  int (*fn)(const struct dfeed_entry *e, void *ctx), void *ctx,
		  int64_t *upto_r, struct ob_err *err)
{
	struct changes_ctx cc = {after_id, fn, ctx};

	return dstore_changes_since(store, view->tenant_id, token,
				    view->unit_id, one_change, &cc, upto_r,
				    err);
}

struct list_ctx {
	int (*fn)(const struct dfeed_entry *e, void *ctx);
	void *ctx;
};

static int one_person(const struct dstore_person *p, void *ctx)
{
	struct list_ctx *lc = ctx;
	struct dfeed_entry e = {DFEED_ADD, p->id, p->uid, p->rev, p};

	return lc->fn(&e, lc->ctx);
}

int dfeed_list(struct dstore *store, const struct dfeed_view *view,
	       int64_t after_id, size_t limit, bool with_photo,
	       int (*fn)(const struct dfeed_entry *e, void *ctx), void *ctx,
	       struct ob_err *err)
{
	struct dstore_iter_opts o = {
		.unit_id = view->unit_id,
		.after_id = after_id,
		.limit = limit,
		.with_photo = with_photo,
	};
	struct list_ctx lc = {fn, ctx};

	return dstore_person_iter(store, view->tenant_id, &o, one_person, &lc,
				  err);
}

int dfeed_in_view(struct dstore *store, const struct dfeed_view *view,
		  const char *uid, struct ob_err *err)
{
	struct dstore_person p;
	int ret =
		dstore_person_get(store, view->tenant_id, uid, false, &p, err);
	int in = 0;

	if (ret == OB_E_NOTFOUND)
		return 0;
	if (ret != 0)
		return ret;
	if (!p.hidden && view->unit_id == 0)
		in = 1;
	/* the view's unit or one below it: up from the person's unit */
	int64_t id = p.hidden ? 0 : p.unit_id;
	for (int depth = 0;
	     in == 0 && id != 0 && depth <= DSTORE_UNIT_DEPTH_MAX; depth++) {
		struct dstore_unit u;

		if (id == view->unit_id) {
			in = 1;
			break;
		}
		ret = dstore_unit_get(store, view->tenant_id, id, &u, err);
		if (ret != 0) {
			in = ret == OB_E_NOTFOUND ? 0 : ret;
			break;
		}
		id = u.parent_id;
		dstore_unit_deinit(&u);
	}
	dstore_person_deinit(&p);
	return in;
}

int dfeed_token(struct dstore *store, int64_t tenant_id, int64_t *token_r,
		struct ob_err *err)
{
	struct dstore_tenant t;
	int ret = dstore_tenant_get(store, tenant_id, &t, err);

	*token_r = ret == 0 ? t.revision : 0;
	return ret;
}
