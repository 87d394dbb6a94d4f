/* Apply: each row checked as the store will check it (pass 1), then
 * written into the open transaction with its plan lines (pass 2): "add",
 * "change" with dstore_person_diff's lines, "delete" for the people a
 * replace leaves out. A row that changes no field is not written. Never
 * begins, commits or rolls back (plan.c does). */
#include "config.h"
#include "import/core.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>

/* Map a dirstore field name back to our column for error reports. */
static int column_of(struct import *im, const char *field)
{
	for (int c = 0; c < C_COUNT; c++) {
		if (strncmp(field, imp_col_names[c][1],
			    strlen(imp_col_names[c][1])) == 0 &&
		    im->colmap[c] >= 0)
			return im->colmap[c];
	}
	return -1;
}

/* The stored person of uid into *old (with its photo when with_photo):
 * 1 found, 0 not, or a store error. */
static int stored(struct import *im, const char *uid, bool with_photo,
		  struct dstore_person *old, struct ob_err *err)
{
	int ret;

	memset(old, 0, sizeof(*old));
	if (uid == NULL)
		return 0;
	ret = dstore_person_get(im->s, im->tenant, uid, with_photo, old, err);
	if (ret == OB_E_NOTFOUND)
		return 0;
	return ret < 0 ? ret : 1;
}

/* Pass 1: the person the row would make, checked as the store will. */
static int check_row(struct import *im, struct rec *r, struct ob_err *err)
{
	struct dstore_person old, m;
	struct ob_err e;
	int found, ret;

	found = stored(im, r->p.uid, false, &old, err);
	if (found < 0)
		return found;
	ret = imp_merge_row(r, found ? &old : NULL, &m);
	if (ret < 0) {
		ret = ob_err_set(err, ret, "out of memory");
		goto out;
	}
	ret = dstore_person_check(im->s, &m, &e);
	if (ret == OB_E_NOMEM) {
		ret = ob_err_set(err, ret, "out of memory");
	} else if (ret < 0) {
		imp_bad_row(im, r->line, column_of(im, e.field), e.field,
			    e.msg);
		ret = 0;
	}
out:
	dstore_person_deinit(&old);
	dstore_person_deinit(&m);
	return ret;
}

int imp_unit_ensure(struct import *im, const char *path, int64_t *id_r,
		    struct ob_err *err)
{
	int ret = dstore_unit_ensure_path(im->s, im->tenant, path, false, id_r,
					  err);

	if (ret == OB_E_NOTFOUND)
		ret = dstore_unit_ensure_path(im->s, im->tenant, path, true,
					      id_r, err);
	return ret;
}

/* Pass 2: one row into the open transaction, merged over the person it
 * names; a row that changes no field is not written at all. */
static int apply_row(struct import *im, struct rec *r, struct ob_err *err)
{
	struct imp_report *rep = im->rep;
	struct ex_list *ex = im->ex;
	enum dstore_put_result res = DSTORE_PUT_UNCHANGED;
	struct dstore_person old, m;
	struct existing *e = NULL;
	char nm[600];
	int found, ret;

	memset(&m, 0, sizeof(m));
	memset(&old, 0, sizeof(old));
	if (r->unit_path != NULL) {
		ret = imp_unit_ensure(im, r->unit_path, &r->p.unit_id, err);
		if (ret < 0)
			goto out;
	}
	if (r->p.uid == NULL && im->need_keys) {
		e = imp_ex_find_key(ex, r->key);
		if (e != NULL)
			r->p.uid = ob_strndup(e->uid, strlen(e->uid));
	}
	found = stored(im, r->p.uid, true, &old, err);
	ret = found < 0 ? found : imp_merge_row(r, found ? &old : NULL, &m);
	if (ret == OB_E_NOMEM)
		ret = ob_err_set(err, ret, "out of memory");
	/* the unit as the file names it, for the plan's unit line */
	if (ret == 0 && m.unit_id != 0 && r->unit_path != NULL) {
		m.unit_path = ob_strndup(r->unit_path, strlen(r->unit_path));
		if (m.unit_path == NULL)
			ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
	}
	if (ret < 0)
		goto out;
	if (!found || dstore_person_diff(&old, &m, NULL, NULL) > 0) {
		ret = dstore_person_put(im->s, im->tenant, &m, &res, err);
		if (ret < 0)
			goto out;
	}
	if (e == NULL)
		e = imp_ex_find_uid(ex, m.uid);
	if (e != NULL)
		e->seen = true;
	if (res == DSTORE_PUT_ADDED) {
		rep->adds++;
		ob_buf_addf(&rep->plan, "add %s %s%s%s\n", m.uid,
			    dstore_display_name(&m, nm, sizeof(nm)),
			    r->unit_path ? " in " : "",
			    r->unit_path ? r->unit_path : "");
	} else if (res == DSTORE_PUT_MODIFIED) {
		rep->changes++;
		ob_buf_addf(&rep->plan, "change %s %s\n", m.uid,
			    old.display ? old.display : "");
		(void)dstore_person_diff(&old, &m, "    ", &rep->plan);
	} else {
		rep->unchanged++;
	}
out:
	if (ret < 0)
		ob_err_prefix(err, "line %ld: ", r->line);
	dstore_person_deinit(&old);
	dstore_person_deinit(&m);
	return ret;
}

/* The row just read goes to the pass's handler, then is freed. */
int imp_emit(struct import *im, struct ob_err *err)
{
	int ret;

	if (im->pass == 1) {
		im->rep->rows++;
		ret = check_row(im, &im->cur, err);
		if (ret == 0 && imp_note_row(im, &im->cur) < 0)
			ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
	} else {
		ret = apply_row(im, &im->cur, err);
		im->applied++;
	}
	imp_rec_free(&im->cur);
	if (im->o->progress != NULL)
		im->o->progress(
			im->pass, im->pass == 1 ? im->rep->rows : im->applied,
			im->pass == 1 ? 0 : im->rep->rows, im->o->progress_ctx);
	return ret;
}

/* Replace: delete the existing people no row named. */
int imp_delete_unseen(struct import *im, struct ob_err *err)
{
	struct ex_list *ex = im->ex;
	int ret;

	for (size_t i = 0; i < ex->n; i++) {
		if (ex->v[i].seen)
			continue;
		ret = dstore_person_delete(im->s, im->tenant, ex->v[i].uid,
					   err);
		if (ret < 0)
			return ret;
		im->rep->deletes++;
		ob_buf_addf(&im->rep->plan, "delete %s %s\n", ex->v[i].uid,
			    ex->v[i].display);
	}
	return 0;
}
