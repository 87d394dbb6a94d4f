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

/* Opens the transaction: the audit's actor, the undo record (not for a
 * dry run), the units there were, and the units the file lists. On error
 * the transaction is rolled back. */
static int begin(struct import *im, size_t *units_before_r, struct ob_err *err)
{
	const struct imp_opts *o = im->o;
	int64_t id;
	int ret;

	ret = dstore_begin(im->s, im->tenant, o->actor ? o->actor : "import",
			   err);
	/* what the import writes is kept for its undo, in its transaction */
	if (ret == 0 && !o->dry_run)
		ret = dstore_import_begin(im->s, im->tenant,
					  o->replace ? "replace" : "merge",
					  err);
	if (ret == 0)
		ret = dstore_unit_list(im->s, im->tenant, count_unit,
				       units_before_r, err);
	for (size_t i = 0; i < im->n_units && ret == 0; i++)
		ret = imp_unit_ensure(im, im->units[i], &id, err);
	if (ret < 0)
		dstore_rollback(im->s);
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

/* Pass 2 as one transaction, run again from its start (up to
 * IMP_TRIES times in all) while the store is busy at BEGIN, inside it or
 * at COMMIT, which is how PostgreSQL reports a serialization failure. A
 * dry run rolls back and reports the revision it saw. */
static int pass2_txn(struct import *im, imp_row_source *rows, void *ctx,
		     struct ob_err *err)
{
	struct imp_report *rep = im->rep;
	size_t units_before = 0;
	int ret = 0;

	for (int tries = 1;; tries++) {
		if (tries > 1)
			ret = pass2_reset(im, err);
		if (ret == 0)
			ret = begin(im, &units_before, err);
		if (ret < 0 && ret != OB_E_BUSY)
			return ret;
		if (ret == 0)
			ret = pass2(im, rows, ctx, units_before, err);
		if (ret < 0 || im->o->dry_run) {
			dstore_rollback(im->s);
			if (ret == 0) {
				struct dstore_tenant t;

				if (dstore_tenant_get(im->s, im->tenant, &t,
						      err) == 0)
					rep->revision = t.revision;
			}
		} else {
			ret = dstore_commit(im->s, &rep->revision, err);
		}
		if (ret != OB_E_BUSY || tries >= IMP_TRIES)
			return ret;
	}
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
