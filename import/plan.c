/* The plan and its one transaction: pass 1 reads and checks every row
 * (nothing is written; bad rows are all listed), pass 2 applies them
 * inside one store transaction, which the guard, an error or a dry run
 * rolls back, so an import is all or nothing and a dry run computes the
 * exact plan. Also the report's lifecycle. */
#include "config.h"
#include "import/core.h"

#include <stdlib.h>
#include <string.h>

void imp_report_init(struct imp_report *r)
{
	memset(r, 0, sizeof(*r));
	ob_buf_init(&r->errors, 1 << 20);
	ob_buf_init(&r->plan, 256u << 20);
	ob_buf_init(&r->unkept, 1 << 20);
}

void imp_report_deinit(struct imp_report *r)
{
	ob_buf_deinit(&r->errors);
	ob_buf_deinit(&r->plan);
	ob_buf_deinit(&r->unkept);
}

static int count_unit(const struct dstore_unit *u, void *ctx)
{
	(void)u;
	(*(size_t *)ctx)++;
	return 0;
}

/* After pass 1: the unkept properties, duplicate uids and the verdict:
 * OB_E_PARSE when any row is bad (the report lists them), else 0. */
static int verdict(struct import *im, struct ob_err *err)
{
	struct imp_report *rep = im->rep;
	size_t max = im->o->max_errors ? im->o->max_errors : 100;

	imp_check_duplicates(im);
	for (size_t i = 0; i < im->n_unkept; i++)
		ob_buf_addf(&rep->unkept, "%s: %zu card%s\n",
			    im->unkept[i].what, im->unkept[i].n,
			    im->unkept[i].n == 1 ? "" : "s");
	if (rep->bad_rows == 0)
		return 0;
	if (rep->bad_rows > max)
		ob_buf_addf(&rep->errors, "... and %zu more bad rows\n",
			    rep->bad_rows - max);
	return ob_err_set(err, OB_E_PARSE,
			  "%zu bad row%s; nothing was imported", rep->bad_rows,
			  rep->bad_rows == 1 ? "" : "s");
}

/* The start of pass 2's transaction: the undo record (not for a dry run),
 * the units there were, and the units the file lists. */
static int prepare(struct import *im, size_t *units_before_r,
		   struct ob_err *err)
{
	const struct imp_opts *o = im->o;
	int64_t id;
	int ret = 0;

	/* what the import writes is kept for its undo, in its transaction */
	if (!o->dry_run)
		ret = dstore_import_begin(im->s, im->tenant,
					  o->replace ? "replace" : "merge",
					  err);
	if (ret == 0)
		ret = dstore_unit_list(im->s, im->tenant, count_unit,
				       units_before_r, err);
	for (size_t i = 0; i < im->n_units && ret == 0; i++)
		ret = imp_unit_ensure(im, im->units[i], &id, err);
	return ret;
}

/* Pass 2 inside the open transaction: the rows, the deletes of a replace,
 * the units created, the guard. */
static int pass2(struct import *im, imp_row_source *rows, void *ctx,
		 size_t units_before, struct ob_err *err)
{
	struct imp_report *rep = im->rep;
	struct ex_list *ex = im->ex;
	int ret = 0;

	ex->need_keys = im->need_keys;
	/* existing people are needed to match rows without uid and to find
	 * the people a replace deletes; a merge by uid needs none of them */
	if (im->o->replace || ex->need_keys)
		ret = imp_ex_load(im, ex, err);
	if (ret == 0) {
		im->pass = 2;
		ret = rows(im, ctx, err);
	}
	if (ret == 0 && im->o->replace)
		ret = imp_delete_unseen(im, err);
	if (ret == 0)
		ret = dstore_unit_list(im->s, im->tenant, count_unit,
				       &rep->units_created, err);
	rep->units_created -=
		rep->units_created >= units_before ? units_before : 0;
	if (ret == 0)
		ret = imp_guard(im->o, rep->deletes, ex->n, err);
	return ret;
}

/* What pass 2 wrote into the report and the list of existing people,
 * forgotten before the transaction runs again. */
static int pass2_reset(struct import *im, struct ob_err *err)
{
	struct imp_report *rep = im->rep;

	rep->adds = rep->changes = rep->unchanged = rep->deletes = 0;
	rep->units_created = 0;
	ob_buf_reset(&rep->plan);
	imp_ex_free(&im->ex);
	im->ex = calloc(1, sizeof(*im->ex));
	return im->ex ? 0 : ob_err_set(err, OB_E_NOMEM, "out of memory");
}

struct pass2_ctx {
	struct import *im;
	imp_row_source *rows;
	void *ctx;
	int runs;
};

/* The body of pass 2's transaction, which dstore_retry runs again from
 * its start while the store is busy (at BEGIN, inside, or at COMMIT,
 * which is how PostgreSQL reports a serialization failure). */
static int pass2_body(struct dstore *s, void *vx, struct ob_err *err)
{
	struct pass2_ctx *x = vx;
	size_t units_before = 0;
	int ret = 0;

	(void)s;
	if (x->runs++ > 0)
		ret = pass2_reset(x->im, err);
	if (ret == 0)
		ret = prepare(x->im, &units_before, err);
	if (ret == 0)
		ret = pass2(x->im, x->rows, x->ctx, units_before, err);
	return ret;
}

/* Pass 2 as one transaction, up to IMP_TRIES runs in all; a dry run
 * runs it once, rolls back and reports the revision it saw. */
static int pass2_txn(struct import *im, imp_row_source *rows, void *ctx,
		     struct ob_err *err)
{
	struct pass2_ctx x = {im, rows, ctx, 0};
	const char *actor = im->o->actor ? im->o->actor : "import";
	struct dstore_tenant t;
	int ret;

	if (!im->o->dry_run)
		return dstore_retry(im->s, im->tenant, actor, IMP_TRIES,
				    pass2_body, &x, &im->rep->revision, err);
	ret = dstore_begin(im->s, im->tenant, actor, err);
	if (ret == 0)
		ret = pass2_body(im->s, &x, err);
	dstore_rollback(im->s);
	if (ret == 0 && dstore_tenant_get(im->s, im->tenant, &t, err) == 0)
		im->rep->revision = t.revision;
	return ret;
}

int imp_run(struct import *im, imp_row_source *rows, void *ctx,
	    struct ob_err *err)
{
	int ret;

	im->ex = calloc(1, sizeof(*im->ex));
	if (im->ex == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	im->pass = 1;
	ret = rows(im, ctx, err);
	if (ret == 0)
		ret = verdict(im, err);
	if (ret == 0)
		ret = pass2_txn(im, rows, ctx, err);
	imp_ex_free(&im->ex);
	return ret;
}

void imp_free(struct import *im)
{
	imp_rec_free(&im->cur);
	for (size_t i = 0; i < im->n_uids; i++)
		free(im->uids[i].uid);
	free(im->uids);
	for (size_t i = 0; i < im->n_units; i++)
		free(im->units[i]);
	free(im->units);
	free(im->unkept);
}
