/* Tests for lib/dirfeed: a view's changes since a token (entered, changed,
 * left by delete, hide and move; after a cursor; only the view's
 * enterprise), the listing in pages, membership, the token, and a token
 * below the pruned horizon refused rather than answered in part. */
#include "config.h"
#include "dirfeed/feed.h"
#include "tests/lib/test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

struct seen {
	char text[2048];
	int n;
	int stop_after; /* 0: never */
};

static int collect(const struct dfeed_entry *e, void *ctx)
{
	struct seen *s = ctx;
	size_t n = strlen(s->text);
	const char *k = e->kind == DFEED_ADD      ? "+"
			: e->kind == DFEED_MODIFY ? "~"
						  : "-";

	snprintf(s->text + n, sizeof(s->text) - n, "%s%s%s%s", n ? " " : "", k,
		 e->uid, e->person != NULL ? "*" : "");
	s->n++;
	return s->stop_after != 0 && s->n >= s->stop_after ? 7 : 0;
}

static struct dstore *open_new(void)
{
	static char path[512];
	struct dstore_options o = {0};
	struct dstore *s = NULL;
	struct ob_err err;

	snprintf(path, sizeof(path), "%s/feed.db", test_tmpdir());
	o.path = path;
	o.sync_normal = true;
	if (dstore_open(&o, &s, &err) < 0) {
		printf("# open: %s\n", err.msg);
		exit(99);
	}
	return s;
}

static int64_t unit(struct dstore *s, int64_t t, const char *path)
{
	struct ob_err err;
	int64_t id = 0;

	dstore_begin(s, t, "test", &err);
	if (dstore_unit_ensure_path(s, t, path, true, &id, &err) != 0)
		printf("# unit %s: %s\n", path, err.msg);
	dstore_commit(s, NULL, &err);
	return id;
}

static void put_title(struct dstore *s, int64_t t, const char *uid, int64_t u,
		      bool hidden, const char *title)
{
	struct dstore_person p = {0};
	struct ob_err err;

	p.uid = (char *)uid;
	p.display = (char *)uid;
	p.title = (char *)title;
	p.unit_id = u;
	p.hidden = hidden;
	dstore_begin(s, t, "test", &err);
	if (dstore_person_put(s, t, &p, NULL, &err) != 0)
		printf("# put %s: %s\n", uid, err.msg);
	dstore_commit(s, NULL, &err);
}

static void put(struct dstore *s, int64_t t, const char *uid, int64_t u,
		bool hidden)
{
	put_title(s, t, uid, u, hidden, NULL);
}

int main(void)
{
	struct dstore *s = open_new();
	struct ob_err err;
	struct seen got;
	int64_t t = 0, t2 = 0, tok = 0, upto = 0;

	dstore_tenant_create(s, "acme", "Acme", &t, &err);
	dstore_tenant_create(s, "other", "Other", &t2, &err);
	int64_t sales = unit(s, t, "Sales");
	int64_t east = unit(s, t, "Sales/East/Shanghai/Pudong/Lujiazui/Desk");
	int64_t hr = unit(s, t, "HR");
	put(s, t, "a", sales, false);
	put(s, t, "b", east, false);
	put(s, t, "c", hr, false);
	put(s, t, "h", sales, true);
	put(s, t2, "x", 0, false);
	struct dfeed_view all = {t, 0}, sv = {t, sales}, ov = {t2, 0};

	test_begin("membership: the subtree six levels down, never a hidden "
		   "person, never another enterprise's");
	test_assert_int(dfeed_in_view(s, &sv, "a", &err), 1);
	test_assert_int(dfeed_in_view(s, &sv, "b", &err), 1);
	test_assert_int(dfeed_in_view(s, &sv, "c", &err), 0);
	test_assert_int(dfeed_in_view(s, &sv, "h", &err), 0);
	test_assert_int(dfeed_in_view(s, &all, "h", &err), 0);
	test_assert_int(dfeed_in_view(s, &all, "x", &err), 0);
	test_assert_int(dfeed_in_view(s, &ov, "x", &err), 1);
	test_assert_int(dfeed_in_view(s, &all, "nobody", &err), 0);
	test_end();

	test_begin("listing: the view in id order with the person, in pages "
		   "from a cursor");
	memset(&got, 0, sizeof(got));
	test_assert_int(dfeed_list(s, &sv, 0, 0, false, collect, &got, &err),
			0);
	test_assert_str(got.text, "+a* +b*");
	memset(&got, 0, sizeof(got));
	got.stop_after = 1;
	test_assert_int(dfeed_list(s, &all, 0, 0, false, collect, &got, &err),
			7);
	test_assert_str(got.text, "+a*");
	struct dstore_person pa;
	dstore_person_get(s, t, "a", false, &pa, &err);
	memset(&got, 0, sizeof(got));
	test_assert_int(
		dfeed_list(s, &all, pa.id, 1, false, collect, &got, &err), 0);
	test_assert_str(got.text, "+b*");
	dstore_person_deinit(&pa);
	test_end();

	test_begin("changes since a token: entered, changed, left by delete, "
		   "hide and move, in id order; after a cursor");
	test_assert_int(dfeed_token(s, t, &tok, &err), 0);
	put(s, t, "d", east, false);                /* entered */
	put_title(s, t, "a", sales, false, "Lead"); /* changed */
	put(s, t, "b", hr, false);                  /* moved out */
	put(s, t, "c", sales, false);               /* moved in */
	put(s, t, "h", sales, false);               /* unhidden: entered */
	dstore_begin(s, t, "test", &err);
	dstore_person_delete(s, t, "d", &err); /* entered and gone: nothing */
	dstore_commit(s, NULL, &err);
	memset(&got, 0, sizeof(got));
	test_assert_int(
		dfeed_changes(s, &sv, tok, 0, collect, &got, &upto, &err), 0);
	test_assert_str(got.text, "~a -b +c +h");
	int64_t now = 0;
	dfeed_token(s, t, &now, &err);
	test_assert_int(upto, now);
	struct dstore_person pb;
	dstore_person_get(s, t, "b", false, &pb, &err);
	memset(&got, 0, sizeof(got));
	test_assert_int(
		dfeed_changes(s, &sv, tok, pb.id, collect, &got, &upto, &err),
		0);
	test_assert_str(got.text, "+c +h");
	dstore_person_deinit(&pb);
	memset(&got, 0, sizeof(got));
	test_assert_int(dfeed_changes(s, &ov, 0, 0, collect, &got, &upto, &err),
			0);
	test_assert_str(got.text, "+x");
	memset(&got, 0, sizeof(got));
	test_assert_int(
		dfeed_changes(s, &sv, now, 0, collect, &got, &upto, &err), 0);
	test_assert_str(got.text, "");
	test_end();

	test_begin("a token below the pruned horizon: OB_E_GONE, nothing "
		   "given");
	put(s, t, "a", hr, false);
	dstore_begin(s, t, "prune", &err);
	test_assert_int(
		dstore_prune(s, t, ob_wall_s() + 400 * 86400, NULL, &err), 0);
	dstore_commit(s, NULL, &err);
	memset(&got, 0, sizeof(got));
	test_assert_int(
		dfeed_changes(s, &sv, tok, 0, collect, &got, &upto, &err),
		OB_E_GONE);
	test_assert_str(got.text, "");
	test_end();

	dstore_close(&s);
	return test_done();
}
