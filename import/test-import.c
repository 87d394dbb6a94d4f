/* Tests for import/: the transaction of pass 2 run again when the store
 * is busy at COMMIT (as PostgreSQL reports a serialization failure),
 * with a report that counts each person once and a plan that lists each
 * once; given up after IMP_TRIES with nothing written. White-box: the
 * store's driver is swapped for one whose COMMIT fails on demand
 * (dirstore/internal.h, as lib/dirstore's own test does). */
#include "config.h"
#include "dirstore/dirstore.h"
#include "dirstore/internal.h"
#include "import/core.h"
#include "import/import.h"
#include "tests/lib/test.h"
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int busy_commits, commits;

static int commit_maybe_busy(struct db *db)
{
	commits++;
	if (busy_commits > 0) {
		busy_commits--;
		return OB_E_BUSY;
	}
	return db_sqlite_driver.commit(db);
}

static size_t lines(const struct ob_buf *b, const char *prefix)
{
	size_t n = 0, pl = strlen(prefix);

	for (const char *l = ob_buf_str(b); *l;) {
		size_t len = strcspn(l, "\n");
		n += len >= pl && strncmp(l, prefix, pl) == 0;
		l += len + (l[len] == '\n');
	}
	return n;
}

static int import(struct dstore *s, int64_t t, const char *csv, bool replace,
		  struct imp_report *r, struct ob_err *err)
{
	struct imp_opts o = {
		.actor = "test", .replace = replace, .force = true};

	imp_report_deinit(r);
	imp_report_init(r);
	return imp_csv_import(s, t, csv, strlen(csv), &o, r, err);
}

static void test_busy_commit(void)
{
	static const char first[] = "uid,display_name,unit,title\n"
				    "b-1,Ann,Sales/East,Boss\n"
				    "b-2,Bo,Sales/East,\n"
				    "b-3,张三,研发,工程师\n";
	static const char second[] = "uid,display_name,unit,title\n"
				     "b-1,Ann,Sales/East,Chief\n"
				     "b-4,Cy,Sales,\n";
	struct dstore_options so = {0};
	struct db_driver faulty = db_sqlite_driver;
	struct dstore *s = NULL;
	struct imp_report r;
	struct ob_err err;
	char path[4200];
	int64_t t = 0, n = 0;

	test_begin("busy at COMMIT: the import's transaction runs again, "
		   "its report and plan count each person once; after "
		   "IMP_TRIES it gives up with nothing written");
	snprintf(path, sizeof(path), "%s/i.db", test_tmpdir());
	so.path = path;
	test_assert_int(dstore_open(&so, &s, &err), 0);
	test_assert_int(dstore_tenant_create(s, "acme", "Acme", &t, &err), 0);
	faulty.commit = commit_maybe_busy;
	s->db->drv = &faulty;
	imp_report_init(&r);

	busy_commits = 2;
	commits = 0;
	test_assert_int(import(s, t, first, false, &r, &err), 0);
	test_assert_int((long long)commits, 3);
	test_assert_int((long long)r.adds, 3);
	test_assert_int((long long)r.units_created, 3);
	test_assert_int((long long)lines(&r.plan, "add "), 3);
	test_assert_int(r.revision, 1);
	test_assert_int(dstore_person_count(s, t, 0, true, &n, &err), 0);
	test_assert_int(n, 3);

	/* a replace: one change, one add, two deletes, each once */
	busy_commits = 1;
	test_assert_int(import(s, t, second, true, &r, &err), 0);
	test_assert_int((long long)r.changes, 1);
	test_assert_int((long long)r.adds, 1);
	test_assert_int((long long)r.deletes, 2);
	test_assert_int((long long)lines(&r.plan, "delete "), 2);
	test_assert_int((long long)lines(&r.plan, "    title: "), 1);
	test_assert_int(r.revision, 2);

	/* busy every time: refused, nothing written */
	busy_commits = IMP_TRIES;
	commits = 0;
	test_assert_int(import(s, t, first, true, &r, &err), OB_E_BUSY);
	test_assert_int((long long)commits, IMP_TRIES);
	test_assert_int(dstore_person_count(s, t, 0, true, &n, &err), 0);
	test_assert_int(n, 2);
	{
		struct dstore_tenant tn;

		test_assert_int(dstore_tenant_get(s, t, &tn, &err), 0);
		test_assert_int(tn.revision, 2);
	}
	imp_report_deinit(&r);
	s->db->drv = &db_sqlite_driver;
	dstore_close(&s);
	test_end();
}

int main(void)
{
	test_busy_commit();
	return test_done();
}
