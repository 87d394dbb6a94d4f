/* Tests for lib/dirstore: revisions and the change log (views, moves,
 * hiding, tombstones, pruning), tenant isolation, accounts, units, people
 * validation, sync state, migrations and concurrent writers. */
#include "config.h"
#include "dirstore/dirstore.h"
#include "dirstore/internal.h"
#include "dirstore/syncml-state.h"
#include "dirstore/websession.h"
#include "tests/lib/test.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/str.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static char dbpath[4200];
static char keypath[4200];
static int db_counter;

/* The store under test: SQLite files in the test's temp dir, or, when
 * OB_TEST_DB_URL names a PostgreSQL server (tests/lib/pg.sh), a fresh
 * database there for each store the tests open. */
static const char *db_url(void)
{
	const char *u = getenv("OB_TEST_DB_URL");

	return u != NULL && u[0] != '\0' ? u : NULL;
}

static bool on_pg(void)
{
	return db_url() != NULL;
}

/* TAP lines for a test that does not apply to this back end. */
static bool skip_on_pg(const char *name, const char *why)
{
	if (!on_pg())
		return false;
	test_skip(name, why);
	return true;
}

/* A store's options for dbpath (and its key file). */
static void options_of(struct dstore_options *o)
{
	o->path = dbpath;
	o->key_path = on_pg() ? keypath : NULL;
}

#ifdef HAVE_LIBPQ
/* dbpath := db_url() with database d<N>, created on the server. */
static void pg_new_database(int n)
{
	const char *url = db_url(), *q = strchr(url, '?');
	size_t slash = q ? (size_t)(q - url) : strlen(url);
	struct db_settings set = {.path = url};
	struct ob_err err;
	struct db *db;
	char sql[64];

	while (slash > 0 && url[slash - 1] != '/')
		slash--;
	snprintf(dbpath, sizeof(dbpath), "%.*sd%d%s", (int)slash, url, n,
		 q ? q : "");
	if (db_pg_driver.open(&set, &db, &err) < 0) {
		printf("# %s: %s\n", url, err.msg);
		exit(99);
	}
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS d%d", n);
	(void)db_exec(db, sql);
	snprintf(sql, sizeof(sql), "CREATE DATABASE d%d", n);
	if (db_exec(db, sql) < 0) {
		printf("# %s: %s\n", sql, db_errmsg(db));
		exit(99);
	}
	db->drv->close(db);
}
#endif

/* Run SQL on the store's database through a connection of its own. */
static int raw_exec(const char *sql)
{
	struct db_settings set = {.path = dbpath};
	const struct db_driver *drv = &db_sqlite_driver;
	char notice[256];
	struct ob_err err;
	struct db *db;
	int ret;

#ifdef HAVE_LIBPQ
	if (on_pg())
		drv = &db_pg_driver;
#endif
	set.notice = notice;
	set.notice_size = sizeof(notice);
	if (drv->open(&set, &db, &err) < 0)
		return err.code;
	ret = db_exec(db, sql);
	if (ret < 0)
		printf("# %s: %s\n", sql, db_errmsg(db));
	db->drv->close(db);
	return ret;
}

/* Everything the store keeps, as bytes (the SQLite file, or a dump of
 * the PostgreSQL database), for tests that a secret is not among it. */
static int store_bytes(struct ob_buf *raw, struct ob_err *err)
{
	char cmd[4600];
	FILE *f;
	size_t n;
	char chunk[8192];

	if (!on_pg())
		return ob_file_read(dbpath, raw, err);
	snprintf(cmd, sizeof(cmd), "%s/pg_dump --data-only -d '%s' 2>/dev/null",
		 getenv("PG_BIN") ? getenv("PG_BIN")
				  : "/usr/lib/postgresql/15/bin",
		 dbpath);
	f = popen(cmd, "r");
	if (f == NULL)
		return ob_err_set(err, OB_E_IO, "pg_dump");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (ob_buf_add(raw, chunk, n) < 0)
			break;
	return pclose(f) == 0 && raw->len > 0
		       ? 0
		       : ob_err_set(err, OB_E_IO, "pg_dump failed");
}

static struct dstore *open_new(void)
{
	struct dstore_options o = {0};
	struct dstore *s = NULL;
	struct ob_err err;

	++db_counter;
	snprintf(dbpath, sizeof(dbpath), "%s/d%d.db", test_tmpdir(),
		 db_counter);
	snprintf(keypath, sizeof(keypath), "%s/d%d.key", test_tmpdir(),
		 db_counter);
#ifdef HAVE_LIBPQ
	if (on_pg())
		pg_new_database(db_counter);
#endif
	options_of(&o);
	o.sync_normal = true;
	if (dstore_open(&o, &s, &err) < 0) {
		printf("# open: %s\n", err.msg);
		exit(99);
	}
	return s;
}

static int64_t tenant(struct dstore *s, const char *name)
{
	struct ob_err err;
	int64_t id = 0;

	if (dstore_tenant_create(s, name, name, &id, &err) < 0)
		printf("# tenant: %s\n", err.msg);
	return id;
}

/* Put a simple person; returns the store code. */
static int put(struct dstore *s, int64_t t, const char *uid, const char *name,
	       int64_t unit, bool hidden)
{
	struct dstore_person p = {0};
	struct ob_err err;
	int ret;

	p.uid = strdup(uid);
	p.display = (char *)name;
	p.unit_id = unit;
	p.hidden = hidden;
	ret = dstore_person_put(s, t, &p, NULL, &err);
	if (ret < 0)
		printf("# put %s: %s\n", uid, err.msg);
	free(p.uid);
	return ret;
}

struct collect {
	char text[4096];
};

/* SQL that takes a store back from schema 17 to 14 (a test then sets
 * the version it wants the migrations to start from) */
#define UNDO_17 "DROP TRIGGER photo_thumb_gone; DROP TABLE photo_thumb;"
#define UNDO_16                                                                \
	"ALTER TABLE tenant DROP COLUMN ldap_base;"                            \
	"ALTER TABLE tenant DROP COLUMN ldap_anonymous;"
#define UNDO_15                                                                \
	UNDO_17 UNDO_16 "DROP TABLE account_reset; DROP INDEX account_person;" \
			"ALTER TABLE account DROP COLUMN person_id;"           \
			"ALTER TABLE account DROP COLUMN last_login;"

static int collect_change(const struct dstore_change *c, void *ctx)
{
	struct collect *col = ctx;
	static const char *k[] = {"?", "add", "modify", "remove"};
	size_t n = strlen(col->text);

	snprintf(col->text + n, sizeof(col->text) - n, "%s%s:%s", n ? " " : "",
		 k[c->kind], c->uid);
	return 0;
}

/* Changes since rev for a view, as "add:u1 remove:u2" in person-id order. */
static const char *changes(struct dstore *s, int64_t t, int64_t since,
			   int64_t unit, int *ret_r)
{
	static struct collect col;
	struct ob_err err;

	col.text[0] = '\0';
	*ret_r = dstore_changes_since(s, t, since, unit, collect_change, &col,
				      NULL, &err);
	return col.text;
}

static int64_t revision(struct dstore *s, int64_t t)
{
	struct dstore_tenant tt;
	struct ob_err err;

	if (dstore_tenant_get(s, t, &tt, &err) < 0)
		return -1;
	return tt.revision;
}

static void test_revisions(void)
{
	struct dstore *s = open_new();
	struct ob_err err;
	int64_t t = tenant(s, "acme"), rev = 0, r0;
	int ret;

	test_begin("one revision per committed transaction; rollback writes "
		   "nothing");
	test_assert_int(dstore_schema_version(s), DSTORE_SCHEMA_VERSION);
	test_assert_int(revision(s, t), 0);
	test_assert_int(dstore_begin(s, t, "test", &err), 0);
	test_assert_int(put(s, t, "u1", "Alice", 0, false), 0);
	test_assert_int(put(s, t, "u2", "Bob", 0, false), 0);
	test_assert_int(dstore_commit(s, &rev, &err), 0);
	test_assert_int(rev, 1);
	/* a put that changes nothing does not bump the revision */
	test_assert_int(dstore_begin(s, t, "test", &err), 0);
	{
		struct dstore_person p = {0};
		enum dstore_put_result res = DSTORE_PUT_ADDED;

		p.uid = strdup("u1");
		p.display = "Alice";
		test_assert_int(dstore_person_put(s, t, &p, &res, &err), 0);
		test_assert_int(res, DSTORE_PUT_UNCHANGED);
		p.title = "CEO";
		test_assert_int(dstore_person_check(s, &p, &err), 0);
		dstore_rollback(s);
		test_assert_int(dstore_begin(s, t, "test", &err), 0);
		test_assert_int(dstore_person_put(s, t, &p, &res, &err), 0);
		test_assert_int(res, DSTORE_PUT_MODIFIED);
		dstore_rollback(s);
		free(p.uid);
	}
	test_assert_int(dstore_begin(s, t, "test", &err), 0);
	test_assert_int(put(s, t, "u1", "Alice", 0, false), 0);
	test_assert_int(dstore_commit(s, &rev, &err), 0);
	test_assert_int(rev, 1);
	/* rolled back: neither the person nor the revision */
	test_assert_int(dstore_begin(s, t, "test", &err), 0);
	test_assert_int(put(s, t, "u3", "Carol", 0, false), 0);
	dstore_rollback(s);
	test_assert_int(revision(s, t), 1);
	{
		struct dstore_person p;

		test_assert_int(dstore_person_get(s, t, "u3", false, &p, &err),
				OB_E_NOTFOUND);
	}
	r0 = revision(s, t);
	test_assert_str(changes(s, t, 0, 0, &ret), "add:u1 add:u2");
	test_assert_int(ret, 0);
	test_assert_str(changes(s, t, r0, 0, &ret), "");
	/* writes outside a transaction are refused */
	test_assert_int(put(s, t, "u4", "Dan", 0, false), OB_E_INVAL);
	dstore_close(&s);
	test_assert(s == NULL);
	test_end();
}

static void test_views(void)
{
	struct dstore *s = open_new();
	struct ob_err err;
	int64_t t = tenant(s, "acme"), sales, east, west, eng, r1, r2;
	int ret;

	test_begin("changes since R per view: moves in and out, hide, delete");
	dstore_begin(s, t, "test", &err);
	test_assert_int(
		dstore_unit_ensure_path(s, t, "Sales/East", true, &east, &err),
		0);
	test_assert_int(
		dstore_unit_ensure_path(s, t, "Sales/West", true, &west, &err),
		0);
	test_assert_int(
		dstore_unit_ensure_path(s, t, "Sales", false, &sales, &err), 0);
	test_assert_int(
		dstore_unit_ensure_path(s, t, "Engineering", true, &eng, &err),
		0);
	put(s, t, "a", "Ann", east, false);
	put(s, t, "b", "Ben", east, false);
	put(s, t, "c", "Cai", west, false);
	put(s, t, "d", "Dai", eng, false);
	put(s, t, "e", "Eve", eng, false);
	test_assert_int(dstore_commit(s, &r1, &err), 0);
	test_assert_str(changes(s, t, 0, sales, &ret), "add:a add:b add:c");

	dstore_begin(s, t, "test", &err);
	test_assert_int(dstore_person_move(s, t, "a", eng, &err), 0);  /* out */
	test_assert_int(dstore_person_move(s, t, "d", west, &err), 0); /* in */
	test_assert_int(put(s, t, "b", "Ben", east, true), 0); /* hidden */
	test_assert_int(dstore_person_delete(s, t, "c", &err), 0);
	test_assert_int(put(s, t, "e", "Eve Li", eng, false), 0);
	test_assert_int(put(s, t, "f", "Fan", east, false), 0);
	test_assert_int(dstore_person_delete(s, t, "f", &err), 0); /* net 0 */
	test_assert_int(dstore_commit(s, &r2, &err), 0);
	test_assert_int(r2, r1 + 1);
	test_assert_str(changes(s, t, r1, sales, &ret),
			"remove:a remove:b remove:c add:d");
	test_assert_str(changes(s, t, r1, eng, &ret),
			"add:a remove:d modify:e");
	test_assert_str(changes(s, t, r1, 0, &ret),
			"modify:a remove:b remove:c modify:d modify:e");
	test_assert_str(changes(s, t, r1, east, &ret), "remove:a remove:b");
	/* iterating the view excludes the hidden person */
	{
		int64_t n = 0;

		dstore_person_count(s, t, sales, false, &n, &err);
		test_assert_int(n, 1);
		dstore_person_count(s, t, sales, true, &n, &err);
		test_assert_int(n, 2);
	}
	dstore_close(&s);
	test_end();
}

static void test_unit_moves(void)
{
	struct dstore *s = open_new();
	struct ob_err err;
	struct dstore_person p;
	int64_t t = tenant(s, "acme"), east, west, hq, r1, sh;
	int ret;

	test_begin(
		"moving or renaming a unit carries its people and logs them");
	dstore_begin(s, t, "test", &err);
	dstore_unit_ensure_path(s, t, "Sales/East/Shanghai", true, &sh, &err);
	dstore_unit_ensure_path(s, t, "Sales/East", false, &east, &err);
	dstore_unit_ensure_path(s, t, "Sales/West", true, &west, &err);
	dstore_unit_ensure_path(s, t, "HQ", true, &hq, &err);
	put(s, t, "a", "Ann", east, false);
	put(s, t, "s", "Shen", sh, false);
	put(s, t, "w", "Wu", west, false);
	dstore_commit(s, &r1, &err);

	dstore_begin(s, t, "test", &err);
	{
		int64_t sales;

		dstore_unit_ensure_path(s, t, "Sales", false, &sales, &err);
		test_assert_int(dstore_unit_move(s, t, sales, east, &err),
				OB_E_INVAL); /* into its own subtree */
		test_assert(strstr(err.msg, "own subtree") != NULL);
		test_assert_int(dstore_unit_move(s, t, east, hq, &err), 0);
	}
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	test_assert_int(dstore_person_get(s, t, "a", false, &p, &err), 0);
	test_assert_str(p.unit_path, "HQ/East");
	dstore_person_deinit(&p);
	{
		int64_t sales, shanghai;

		dstore_unit_ensure_path(s, t, "Sales", false, &sales, &err);
		test_assert_str(changes(s, t, r1, sales, &ret),
				"remove:a remove:s");
		test_assert_str(changes(s, t, r1, hq, &ret), "add:a add:s");
		test_assert_str(changes(s, t, r1, 0, &ret),
				"modify:a modify:s");
		test_assert_int(dstore_unit_ensure_path(s, t,
							"HQ/East/Shanghai",
							false, &shanghai, &err),
				0);
		test_assert_int(shanghai, sh);
	}
	/* rename: people below are modified, paths follow */
	dstore_begin(s, t, "test", &err);
	test_assert_int(dstore_unit_rename(s, t, hq, "Head Office", &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	test_assert_int(dstore_person_get(s, t, "a", false, &p, &err), 0);
	test_assert_str(p.unit_path, "Head Office/East");
	dstore_person_deinit(&p);
	/* a non-empty unit cannot be deleted; an empty one can */
	dstore_begin(s, t, "test", &err);
	test_assert_int(dstore_unit_delete(s, t, west, &err), OB_E_EXISTS);
	test_assert_int(dstore_person_delete(s, t, "w", &err), 0);
	test_assert_int(dstore_unit_delete(s, t, west, &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	dstore_close(&s);
	test_end();
}

static int count_unit(const struct dstore_unit *u, void *ctx)
{
	struct collect *c = ctx;
	size_t n = strlen(c->text);

	snprintf(c->text + n, sizeof(c->text) - n, "%s%s(%lld)", n ? " " : "",
		 u->path, (long long)u->people);
	return 0;
}

static void test_unit_list(void)
{
	struct dstore *s = open_new();
	struct ob_err err;
	struct collect c = {""};
	int64_t t = tenant(s, "acme"), id;

	test_begin("unit list is depth-first, siblings by sort then name");
	dstore_begin(s, t, "test", &err);
	dstore_unit_ensure_path(s, t, "B/Y", true, &id, &err);
	dstore_unit_ensure_path(s, t, "B/X", true, &id, &err);
	put(s, t, "p", "P", id, false);
	dstore_unit_add(s, t, 0, "A", 5, &id, &err);
	test_assert_int(dstore_unit_add(s, t, 0, "A", 0, &id, &err),
			OB_E_EXISTS);
	test_assert_int(dstore_unit_add(s, t, 0, "a/b", 0, &id, &err),
			OB_E_INVAL);
	test_assert_str(err.field, "unit");
	test_assert_int(dstore_unit_ensure_path(s, t, "B//C", true, &id, &err),
			OB_E_INVAL);
	test_assert_int(
		dstore_unit_ensure_path(s, t, "B/../C", true, &id, &err),
		OB_E_INVAL);
	dstore_commit(s, NULL, &err);
	dstore_unit_list(s, t, count_unit, &c, &err);
	test_assert_str(c.text, "B(0) B/X(1) B/Y(0) A(0)");
	dstore_close(&s);
	test_end();
}

static void test_validation(void)
{
	static const unsigned char png[] = {0x89, 'P',  'N',  'G', 0x0d,
					    0x0a, 0x1a, 0x0a, 0,   0};
	struct dstore *s = open_new();
	struct ob_err err;
	struct dstore_person p = {0}, got;
	struct dstore_phone phones[2] = {{"cell", "+86 138 0013 8000"},
					 {"work", "010-6552 1234 ext 88"}};
	char *emails[1] = {"zhang.san@example.cn"};
	int64_t t = tenant(s, "acme");
	unsigned char *big;

	test_begin("people: round trip, and every bad field is named");
	dstore_begin(s, t, "test", &err);
	p.family = "张";
	p.given = "三";
	p.phonetic_family = "zhang";
	p.phonetic_given = "san";
	p.title = "工程师";
	p.phones = phones;
	p.n_phones = 2;
	p.emails = emails;
	p.n_emails = 1;
	p.note = "line1\nline2";
	p.photo = (unsigned char *)png;
	p.photo_len = sizeof(png);
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), 0);
	test_assert(p.uid != NULL && strncmp(p.uid, "ob-", 3) == 0);
	test_assert_int(dstore_person_get(s, t, p.uid, true, &got, &err), 0);
	test_assert_str(got.display, "张三");
	test_assert_str(got.family, "张");
	test_assert_int(got.n_phones, 2);
	test_assert_str(got.phones[1].number, "010-6552 1234 ext 88");
	test_assert_str(got.phones[0].type, "cell");
	test_assert_str(got.emails[0], "zhang.san@example.cn");
	test_assert_str(got.note, "line1\nline2");
	test_assert_mem(got.photo, got.photo_len, png, sizeof(png));
	dstore_person_deinit(&got);
	free(p.uid);
	p.uid = NULL;

	p.given = "\xff\xfe";
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), OB_E_INVAL);
	test_assert_str(err.field, "given_name");
	p.given = "a\001b";
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), OB_E_INVAL);
	test_assert_str(err.field, "given_name");
	p.given = "三";
	emails[0] = "not-an-address";
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), OB_E_INVAL);
	test_assert_str(err.field, "email[1]");
	emails[0] = "zhang.san@example.cn";
	phones[1].type = "pager";
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), OB_E_INVAL);
	test_assert_str(err.field, "phone[2]");
	phones[1].type = "work";
	phones[0].number = "call me";
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), OB_E_INVAL);
	test_assert_str(err.field, "phone[1]");
	phones[0].number = "13800138000";
	p.photo = (unsigned char *)"GIF89a....";
	p.photo_len = 10;
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), OB_E_INVAL);
	test_assert_str(err.field, "photo");
	big = calloc(1, DSTORE_PHOTO_MAX_DEFAULT + 1);
	memcpy(big, png, sizeof(png));
	p.photo = big;
	p.photo_len = DSTORE_PHOTO_MAX_DEFAULT + 1;
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), OB_E_LIMIT);
	test_assert_str(err.field, "photo");
	free(big);
	p.photo = NULL;
	p.photo_len = 0;
	p.unit_id = 999;
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), OB_E_NOTFOUND);
	test_assert_str(err.field, "unit");
	p.unit_id = 0;
	p.family = p.given = p.display = NULL;
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), OB_E_INVAL);
	test_assert_str(err.field, "display_name");
	dstore_commit(s, NULL, &err);
	dstore_close(&s);
	test_end();
}

struct many_seen {
	int calls[200];
	char first_name[64];
	int stop_after; /* stop at this call (0: never) */
	int n;
};

static int many_fn(size_t i, const struct dstore_person *p, void *ctx)
{
	struct many_seen *m = ctx;
	m->calls[i]++;
	if (m->n++ == 0)
		snprintf(m->first_name, sizeof(m->first_name), "%s",
			 p->display);
	return m->stop_after > 0 && m->n >= m->stop_after ? 7 : 0;
}

/* dstore_person_get_many (a CardDAV multiget's batches) and a read
 * snapshot over several statements */
static void test_get_many(void)
{
	struct dstore *s = open_new(), *w = NULL;
	struct dstore_options o = {0};
	struct ob_err err;
	int64_t a = tenant(s, "acme"), b = tenant(s, "beta"), top, sub, other;

	options_of(&o); /* the store open_new made: a second connection */

	test_begin("get_many: found in batches of 64, each index of a uid "
		   "given twice, unknown, hidden, another enterprise's and "
		   "outside the unit left out");
	dstore_begin(s, a, "test", &err);
	dstore_unit_ensure_path(s, a, "Top/Sub", true, &sub, &err);
	dstore_unit_ensure_path(s, a, "Top", true, &top, &err);
	dstore_unit_ensure_path(s, a, "Else", true, &other, &err);
	char uid[32], name[32];
	for (int i = 0; i < 150; i++) {
		snprintf(uid, sizeof(uid), "m-%03d", i);
		snprintf(name, sizeof(name), "Many %03d", i);
		put(s, a, uid, name,
		    i % 3 == 0   ? sub
		    : i % 3 == 1 ? top
				 : other,
		    i % 25 == 24);
	}
	dstore_commit(s, NULL, &err);
	dstore_begin(s, b, "test", &err);
	put(s, b, "beta-1", "Beta One", 0, false);
	dstore_commit(s, NULL, &err);
	enum { N = 160 };
	static char names[N][32];
	const char *uids[N];
	for (int i = 0; i < N; i++) {
		if (i >= 150)
			snprintf(names[i], sizeof(names[i]), "%s",
				 i == 150 ? "beta-1" : "no-such");
		else
			snprintf(names[i], sizeof(names[i]), "m-%03d",
				 i == 70 ? 3 : i);
		uids[i] = names[i];
	}
	struct dstore_iter_opts all = {0};
	struct many_seen m = {0};
	test_assert_int(
		dstore_person_get_many(s, a, uids, N, &all, many_fn, &m, &err),
		0);
	int bad = 0;
	for (int i = 0; i < N; i++) {
		int want = i < 150 && (i == 70 || i % 25 != 24);
		if (m.calls[i] != want) {
			printf("# %s (%d): %d calls, want %d\n", uids[i], i,
			       m.calls[i], want);
			bad++;
		}
	}
	test_assert_int(bad, 0);
	/* the subtree of Top: Top and Top/Sub, not Else */
	struct dstore_iter_opts unit = {.unit_id = top, .include_hidden = true};
	memset(&m, 0, sizeof(m));
	test_assert_int(
		dstore_person_get_many(s, a, uids, N, &unit, many_fn, &m, &err),
		0);
	bad = 0;
	for (int i = 0; i < N; i++) {
		int who = i == 70 ? 3 : i;
		int want = i < 150 && who % 3 != 2;
		bad += m.calls[i] != want;
	}
	test_assert_int(bad, 0);
	/* fn's non-zero return stops and is returned */
	memset(&m, 0, sizeof(m));
	m.stop_after = 5;
	test_assert_int(
		dstore_person_get_many(s, a, uids, N, &all, many_fn, &m, &err),
		7);
	test_assert_int(m.n, 5);
	test_end();

	test_begin("read snapshot: a write committed meanwhile is not seen "
		   "until it ends");
	test_assert_int(dstore_open(&o, &w, &err), 0);
	test_assert_int(dstore_read_begin(s, &err), 0);
	const char *one[] = {"m-001"};
	memset(&m, 0, sizeof(m));
	dstore_person_get_many(s, a, one, 1, &all, many_fn, &m, &err);
	test_assert_str(m.first_name, "Many 001");
	dstore_begin(w, a, "test", &err);
	put(w, a, "m-001", "Changed", top, false);
	test_assert_int(dstore_commit(w, NULL, &err), 0);
	memset(&m, 0, sizeof(m));
	dstore_person_get_many(s, a, one, 1, &all, many_fn, &m, &err);
	test_assert_str(m.first_name, "Many 001");
	test_assert_int(dstore_read_begin(s, &err), OB_E_INVAL);
	dstore_read_end(s);
	memset(&m, 0, sizeof(m));
	dstore_person_get_many(s, a, one, 1, &all, many_fn, &m, &err);
	test_assert_str(m.first_name, "Changed");
	dstore_close(&w);
	dstore_close(&s);
	test_end();
}

static void test_tenant_isolation(void)
{
	struct dstore *s = open_new();
	struct ob_err err;
	struct dstore_person p;
	struct dstore_sync_state st = {0};
	int64_t a = tenant(s, "alpha"), b = tenant(s, "beta"), ua, ub, ra;
	int ret;

	test_begin("tenants never see each other's rows");
	test_assert_int(dstore_tenant_create(s, "alpha", "dup", NULL, &err),
			OB_E_EXISTS);
	test_assert_int(dstore_tenant_create(s, "Bad Name", "x", NULL, &err),
			OB_E_INVAL);
	dstore_begin(s, a, "test", &err);
	dstore_unit_ensure_path(s, a, "Sales", true, &ua, &err);
	put(s, a, "same-uid", "Alpha Person", ua, false);
	dstore_commit(s, &ra, &err);
	dstore_begin(s, b, "test", &err);
	dstore_unit_ensure_path(s, b, "Sales", true, &ub, &err);
	test_assert(ua != ub);
	put(s, b, "same-uid", "Beta Person", ub, false);
	/* a unit of tenant A cannot be used by tenant B */
	test_assert_int(put(s, b, "x", "X", ua, false), OB_E_NOTFOUND);
	/* writing A's data inside B's transaction is refused */
	test_assert_int(put(s, a, "y", "Y", ua, false), OB_E_INVAL);
	dstore_commit(s, NULL, &err);
	test_assert_int(dstore_person_get(s, a, "same-uid", false, &p, &err),
			0);
	test_assert_str(p.display, "Alpha Person");
	dstore_person_deinit(&p);
	test_assert_int(dstore_person_get(s, b, "same-uid", false, &p, &err),
			0);
	test_assert_str(p.display, "Beta Person");
	dstore_person_deinit(&p);
	/* B's change is not in A's delta; A's unit id is unknown to B */
	test_assert_str(changes(s, a, ra, 0, &ret), "");
	test_assert_str(changes(s, b, 0, ua, &ret), "");
	test_assert_int(ret, OB_E_NOTFOUND);
	/* sync state and map of A are invisible to B */
	{
		int64_t acc;

		test_assert_int(
			dstore_account_create(s, a, "alice", "password-1",
					      DSTORE_ROLE_USER, &acc, &err),
			0);
		dstore_begin(s, a, "test", &err);
		st.account_id = acc;
		snprintf(st.device, sizeof(st.device), "IMEI:1");
		snprintf(st.datastore, sizeof(st.datastore), "contacts");
		test_assert_int(dstore_sync_put(s, a, &st, &err), 0);
		test_assert_int(
			dstore_map_put(s, a, st.id, "same-uid", "11", 1, &err),
			0);
		dstore_commit(s, NULL, &err);
		dstore_begin(s, b, "test", &err);
		test_assert_int(dstore_map_put(s, b, st.id, "g", "12", 1, &err),
				OB_E_NOTFOUND);
		dstore_rollback(s);
		test_assert_int(dstore_map_find(s, b, st.id, "same-uid", NULL,
						NULL, 0, NULL, 0, NULL, &err),
				OB_E_NOTFOUND);
		test_assert_int(dstore_sync_get(s, b, acc, "IMEI:1", "contacts",
						&st, &err),
				OB_E_NOTFOUND);
	}
	test_end();

	test_begin("a Map's check: a person of the enterprise, or changed "
		   "since the snapshot, never another enterprise's");
	{
		int64_t rb2;
		dstore_begin(s, b, "test", &err);
		put(s, b, "beta-only", "Beta Only", ub, false);
		put(s, b, "beta-gone", "Beta Gone", ub, false);
		dstore_commit(s, &rb2, &err);
		test_assert_int(dstore_person_known(s, a, "same-uid", 0, &err),
				1);
		test_assert_int(dstore_person_known(s, b, "beta-only", 0, &err),
				1);
		test_assert_int(dstore_person_known(s, a, "beta-only", 0, &err),
				0);
		test_assert_int(dstore_person_known(s, a, "no-such", 0, &err),
				0);
		dstore_begin(s, b, "test", &err);
		test_assert_int(dstore_person_delete(s, b, "beta-gone", &err),
				0);
		dstore_commit(s, NULL, &err);
		/* deleted after a sync's snapshot: the client may have it */
		test_assert_int(
			dstore_person_known(s, b, "beta-gone", rb2, &err), 1);
		/* deleted before it: no client of that sync was sent it */
		test_assert_int(
			dstore_person_known(s, b, "beta-gone", rb2 + 1, &err),
			0);
		test_assert_int(dstore_person_known(s, a, "beta-gone", 0, &err),
				0);
		/* the same answers for many at once, across a batch */
		enum { NU = DSTORE_KNOWN_BATCH + 6 };
		const char *uids[NU];
		int known[NU];
		for (size_t i = 0; i < NU; i++)
			uids[i] = "no-such";
		uids[0] = "beta-only";
		uids[1] = "beta-gone";
		uids[DSTORE_KNOWN_BATCH - 1] = "beta-only";
		uids[DSTORE_KNOWN_BATCH] = "beta-only";
		uids[NU - 1] = "beta-gone";
		test_assert_int(dstore_person_known_many(s, b, uids, NU, rb2,
							 known, &err),
				0);
		for (size_t i = 0; i < NU; i++)
			test_assert_int(known[i],
					strcmp(uids[i], "no-such") != 0);
		test_assert_int(dstore_person_known_many(s, b, uids, NU,
							 rb2 + 1, known, &err),
				0);
		for (size_t i = 0; i < NU; i++)
			test_assert_int(known[i],
					strcmp(uids[i], "beta-only") == 0);
		/* another enterprise's are none of a's */
		test_assert_int(
			dstore_person_known_many(s, a, uids, 3, 0, known, &err),
			0);
		test_assert_int(known[0] + known[1] + known[2], 0);
		test_assert_int(
			dstore_person_known_many(s, a, uids, 0, 0, known, &err),
			0);
	}
	dstore_close(&s);
	test_end();
	test_get_many();
}

static void test_tenant_ldap(void)
{
	struct dstore *s = open_new();
	struct dstore_tenant t;
	struct ob_err err;
	int64_t a = tenant(s, "alpha"), b = tenant(s, "beta");

	test_begin("an enterprise's LDAP base and anonymous flag");
	test_assert_int(dstore_tenant_get(s, a, &t, &err), 0);
	test_assert_str(t.ldap_base, "");
	test_assert(!t.ldap_anonymous);
	test_assert_int(
		dstore_tenant_set_ldap(s, a, "o=Alpha Corp,c=CN", true, &err),
		0);
	test_assert_int(dstore_tenant_get(s, a, &t, &err), 0);
	test_assert_str(t.ldap_base, "o=Alpha Corp,c=CN");
	test_assert(t.ldap_anonymous);
	/* another's base, its own or its dc=<name>, ignoring case */
	test_assert_int(
		dstore_tenant_set_ldap(s, b, "O=ALPHA CORP,C=cn", false, &err),
		OB_E_EXISTS);
	test_assert_int(dstore_tenant_set_ldap(s, a, "DC=beta", false, &err),
			OB_E_EXISTS);
	/* its own default is fine */
	test_assert_int(dstore_tenant_set_ldap(s, b, "dc=beta", false, &err),
			0);
	static const char *const bad[] = {
		"dc",         "=x",    "dc=",      "dc=a,",
		"dc=a,,dc=b", "1dc=a", "dc=a\x01", "dc=a\\"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		test_assert_int(
			dstore_tenant_set_ldap(s, b, bad[i], false, &err),
			OB_E_INVAL);
		test_assert_str(err.field, "ldap_base");
	}
	char lng[DSTORE_LDAP_BASE_MAX + 8];
	memset(lng, 'a', sizeof(lng) - 1);
	lng[0] = 'o';
	lng[1] = '=';
	lng[sizeof(lng) - 1] = '\0';
	test_assert_int(dstore_tenant_set_ldap(s, b, lng, false, &err),
			OB_E_INVAL);
	/* "" brings back dc=<name> and the flag goes off */
	test_assert_int(dstore_tenant_set_ldap(s, a, "", false, &err), 0);
	test_assert_int(dstore_tenant_get(s, a, &t, &err), 0);
	test_assert_str(t.ldap_base, "");
	test_assert(!t.ldap_anonymous);
	test_assert_int(dstore_tenant_set_ldap(s, 999, "", false, &err),
			OB_E_NOTFOUND);
	dstore_close(&s);
	test_end();
}

static void test_accounts(void)
{
	struct dstore *s = open_new();
	struct ob_err err;
	struct dstore_account acc;
	char secret[25];
	int64_t t = tenant(s, "acme"), t2 = tenant(s, "other"), id, id2;
	struct ob_buf raw;

	test_begin("accounts: yescrypt, unique logins, disabled, MD5 sealed");
	test_assert_int(dstore_tenant_configure(s, t, true, 30, &err), 0);
	test_assert_int(dstore_account_create(s, t, "alice", "secret-pw",
					      DSTORE_ROLE_ADMIN, &id, &err),
			0);
	test_assert_int(dstore_account_create(s, t2, "ALICE", "secret-pw",
					      DSTORE_ROLE_USER, &id2, &err),
			OB_E_EXISTS);
	test_assert_int(dstore_account_create(s, t2, "bob", "short",
					      DSTORE_ROLE_USER, &id2, &err),
			OB_E_INVAL);
	test_assert_str(err.field, "password");
	test_assert_int(dstore_account_create(s, t2, "bob", "bob-password",
					      DSTORE_ROLE_USER, &id2, &err),
			0);
	test_assert_int(
		dstore_account_verify(s, "alice", "secret-pw", &acc, &err), 0);
	test_assert_int(acc.tenant_id, t);
	test_assert_int(acc.role, DSTORE_ROLE_ADMIN);
	test_assert_int(
		dstore_account_verify(s, "alice", "wrong-pw", &acc, &err),
		OB_E_AUTH);
	test_assert_str(err.msg, "invalid login or password");
	test_assert_int(
		dstore_account_verify(s, "nobody", "secret-pw", &acc, &err),
		OB_E_AUTH);
	test_assert_str(err.msg, "invalid login or password");
	/* MD5 equivalent of alice:secret-pw, decrypted with the key file */
	test_assert_int(dstore_account_md5_secret(s, t, id, secret, &err), 0);
	/* base64(md5("alice:secret-pw")), computed independently */
	test_assert_str(secret, "2v2YBxjHG1FXQVKS4HB6VA==");
	test_assert_int(dstore_account_md5_secret(s, t2, id2, secret, &err),
			OB_E_NOTFOUND); /* tenant without MD5 auth */
	test_assert_int(dstore_account_set_disabled(s, t, id, true, &err), 0);
	test_assert_int(
		dstore_account_verify(s, "alice", "secret-pw", &acc, &err),
		OB_E_AUTH);
	test_assert_int(dstore_account_set_disabled(s, t2, id, false, &err),
			OB_E_NOTFOUND); /* not B's account */
	test_assert_int(dstore_account_set_disabled(s, t, id, false, &err), 0);
	test_assert_int(
		dstore_account_set_password(s, t, id, "new-secret", &err), 0);
	test_assert_int(
		dstore_account_verify(s, "alice", "new-secret", &acc, &err), 0);
	/* a second check is answered from the verified cache... */
	test_assert_int(
		dstore_account_verify(s, "alice", "new-secret", &acc, &err), 0);
	/* ...which never outlives the password it verified */
	test_assert_int(
		dstore_account_verify(s, "alice", "secret-pw", &acc, &err),
		OB_E_AUTH);
	test_assert_int(
		dstore_account_set_password(s, t, id, "newer-secret", &err), 0);
	test_assert_int(
		dstore_account_verify(s, "alice", "new-secret", &acc, &err),
		OB_E_AUTH);
	test_assert_int(dstore_account_set_disabled(s, t, id, true, &err), 0);
	test_assert_int(
		dstore_account_verify(s, "alice", "newer-secret", &acc, &err),
		OB_E_AUTH);
	dstore_close(&s);
	/* neither the password nor its MD5 equivalent is in the file */
	ob_buf_init(&raw, 64 << 20);
	test_assert_int(store_bytes(&raw, &err), 0);
	test_assert(memmem(raw.data, raw.len, "new-secret", 10) == NULL);
	test_assert(memmem(raw.data, raw.len, "newer-secret", 12) == NULL);
	test_assert(memmem(raw.data, raw.len, "$y$", 3) != NULL);
	ob_buf_deinit(&raw);
	test_end();
}

static int count_accounts(const struct dstore_account *a, void *ctx)
{
	(void)a;
	(*(int *)ctx)++;
	return 0;
}

static int last_event(const struct dstore_account_event *e, void *ctx)
{
	struct collect *c = ctx;

	if (c->text[0] == '\0')
		snprintf(c->text, sizeof(c->text), "%s|%s|%s|%s", e->actor,
			 e->op, e->login, e->detail);
	return 0;
}

static int del_person(struct dstore *s, int64_t t, const char *uid)
{
	struct ob_err err;
	int ret;

	dstore_begin(s, t, "web:boss", &err);
	ret = dstore_person_delete(s, t, uid, &err);
	if (ret == 0)
		ret = dstore_commit(s, NULL, &err);
	else
		dstore_rollback(s);
	return ret;
}

static void test_account_links(void)
{
	struct dstore *s = open_new();
	struct dstore_account a;
	struct collect c = {""};
	struct ob_err err;
	int64_t t = tenant(s, "acme"), t2 = tenant(s, "other"), id, id2, id3;

	test_begin("account links: a person of the account's own enterprise, "
		   "one account per person, cleared and logged when the "
		   "person is deleted");
	dstore_begin(s, t, "test", &err);
	put(s, t, "p-1", "Li Ming", 0, false);
	put(s, t, "p-2", "Wang Fang", 0, false);
	dstore_commit(s, NULL, &err);
	dstore_begin(s, t2, "test", &err);
	put(s, t2, "q-1", "Other Person", 0, false);
	dstore_commit(s, NULL, &err);
	test_assert_int(dstore_account_create(s, t, "li", "li-password",
					      DSTORE_ROLE_USER, &id, &err),
			0);
	test_assert_int(dstore_account_create(s, t, "wang", "wang-password",
					      DSTORE_ROLE_USER, &id2, &err),
			0);
	test_assert_int(dstore_account_create(s, t2, "q", "q-password",
					      DSTORE_ROLE_USER, &id3, &err),
			0);
	test_assert_int(dstore_account_get(s, t, id, &a, &err), 0);
	test_assert_str(a.person_uid, "");
	test_assert_int(a.last_login, 0);
	test_assert_int(dstore_account_link(s, t, id, "p-1", &err), 0);
	test_assert_int(dstore_account_get(s, t, id, &a, &err), 0);
	test_assert_str(a.person_uid, "p-1");
	test_assert_str(a.person_name, "Li Ming");
	/* the same link again is no error */
	test_assert_int(dstore_account_link(s, t, id, "p-1", &err), 0);
	/* a uid of another enterprise is an unknown uid */
	test_assert_int(dstore_account_link(s, t, id2, "q-1", &err),
			OB_E_NOTFOUND);
	test_assert_str(err.field, "uid");
	test_assert_str(err.msg,
			"no person with uid \"q-1\" in this enterprise");
	test_assert_int(dstore_account_link(s, t, id2, "nobody", &err),
			OB_E_NOTFOUND);
	test_assert_str(err.msg,
			"no person with uid \"nobody\" in this enterprise");
	/* another enterprise's account cannot be linked from here */
	test_assert_int(dstore_account_link(s, t, id3, "p-2", &err),
			OB_E_NOTFOUND);
	test_assert_str(err.msg, "no such account");
	test_assert_int(dstore_account_link(s, t2, id3, "p-2", &err),
			OB_E_NOTFOUND);
	test_assert_str(err.field, "uid");
	/* one account per person */
	test_assert_int(dstore_account_link(s, t, id2, "p-1", &err),
			OB_E_EXISTS);
	test_assert_str(err.msg, "p-1 is already linked to the account li");
	test_assert_int(dstore_account_get(s, t, id2, &a, &err), 0);
	test_assert_str(a.person_uid, "");
	/* a huge uid is refused without a crash */
	{
		char big[5000];
		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		test_assert_int(dstore_account_link(s, t, id2, big, &err),
				OB_E_NOTFOUND);
	}
	/* the list and the pages show the person; a search finds it */
	{
		struct dstore_account_query q = {.search = "ming", .limit = 10};
		int64_t total = 0;
		int n = 0;
		test_assert_int(dstore_account_page(s, t, &q, count_accounts,
						    &n, &total, &err),
				0);
		test_assert_int(total, 1);
	}
	/* unlink, link again */
	test_assert_int(dstore_account_link(s, t, id, NULL, &err), 0);
	test_assert_int(dstore_account_get(s, t, id, &a, &err), 0);
	test_assert_str(a.person_uid, "");
	test_assert_int(dstore_account_link(s, t, id2, "p-1", &err), 0);
	/* the person deleted: the link goes, the account log says so */
	test_assert_int(del_person(s, t, "p-1"), 0);
	test_assert_int(dstore_account_get(s, t, id2, &a, &err), 0);
	test_assert_str(a.person_uid, "");
	test_assert_str(a.person_name, "");
	dstore_account_log_recent(s, t, 1, last_event, &c, &err);
	test_assert_str(c.text,
			"web:boss|unlink|wang|person p-1 (Li Ming) deleted");
	/* a person without an account deletes as before, no log row */
	c.text[0] = '\0';
	test_assert_int(del_person(s, t, "p-2"), 0);
	dstore_account_log_recent(s, t, 1, last_event, &c, &err);
	test_assert_str(c.text,
			"web:boss|unlink|wang|person p-1 (Li Ming) deleted");
	/* a new person that takes the deleted one's uid is not linked */
	dstore_begin(s, t, "test", &err);
	put(s, t, "p-1", "Li Ming II", 0, false);
	dstore_commit(s, NULL, &err);
	test_assert_int(dstore_account_get(s, t, id2, &a, &err), 0);
	test_assert_str(a.person_uid, "");
	dstore_close(&s);
	test_end();
}

static void test_last_login(void)
{
	struct dstore *s = open_new();
	struct dstore_account a;
	struct ob_err err;
	int64_t t = tenant(s, "acme"), id;

	test_begin("last sign-in: recorded by dstore_login_record, never by "
		   "a refused login; sorted on");
	test_assert_int(dstore_account_create(s, t, "li", "li-password",
					      DSTORE_ROLE_USER, &id, &err),
			0);
	test_assert_int(dstore_login(s, "li", "wrong-password", "192.0.2.1",
				     5000, &a, &err),
			OB_E_AUTH);
	test_assert_int(dstore_account_get(s, t, id, &a, &err), 0);
	test_assert_int(a.last_login, 0);
	test_assert_int(dstore_login_record(s, t, id, 7000, &err), 0);
	test_assert_int(dstore_account_get(s, t, id, &a, &err), 0);
	test_assert_int(a.last_login, 7000);
	/* inside an open transaction: written with it, rolled back with it */
	dstore_begin(s, t, "sync", &err);
	test_assert_int(dstore_login_record(s, t, id, 8000, &err), 0);
	dstore_rollback(s);
	test_assert_int(dstore_account_get(s, t, id, &a, &err), 0);
	test_assert_int(a.last_login, 7000);
	/* another enterprise's id writes nothing */
	test_assert_int(dstore_login_record(s, t + 1, id, 9000, &err), 0);
	test_assert_int(dstore_account_get(s, t, id, &a, &err), 0);
	test_assert_int(a.last_login, 7000);
	dstore_close(&s);
	test_end();
}

static void test_reset_links(void)
{
	struct dstore *s = open_new();
	struct dstore_account a;
	char tok[DSTORE_RESET_TOKEN_MAX], tok2[DSTORE_RESET_TOKEN_MAX];
	char secret[25];
	struct ob_err err;
	struct ob_buf raw;
	int64_t t = tenant(s, "acme"), t2 = tenant(s, "other"), id, id2, exp;
	int64_t now = 1000000;

	test_begin("reset links: hashed token, once, expiry, replaced, "
		   "refused for a disabled account, bad tokens");
	test_assert_int(dstore_tenant_configure(s, t, true, 30, &err), 0);
	test_assert_int(dstore_account_create(s, t, "li", "old-password",
					      DSTORE_ROLE_USER, &id, &err),
			0);
	test_assert_int(dstore_account_create(s, t2, "q", "q-password",
					      DSTORE_ROLE_USER, &id2, &err),
			0);
	test_assert_int(
		dstore_reset_create(s, t, id, now, 0, "cli", tok, &exp, &err),
		OB_E_INVAL);
	test_assert_int(dstore_reset_create(s, t, id, now,
					    DSTORE_RESET_HOURS_MAX + 1, "cli",
					    tok, &exp, &err),
			OB_E_INVAL);
	test_assert_int(
		dstore_reset_create(s, t, id2, now, 72, "cli", tok, &exp, &err),
		OB_E_NOTFOUND); /* another enterprise's account */
	test_assert_int(
		dstore_reset_create(s, t, id, now, 72, "cli", tok, &exp, &err),
		0);
	test_assert_int(strlen(tok), 64);
	test_assert_int(exp, now + 72 * 3600);
	test_assert_int(dstore_reset_check(s, tok, now, &a, &err), 0);
	test_assert_int(a.id, id);
	/* a short password is refused and the token stays usable */
	test_assert_int(dstore_reset_use(s, tok, "short", now, &a, &err),
			OB_E_INVAL);
	test_assert_str(err.field, "password");
	test_assert_int(dstore_reset_check(s, tok, now, &a, &err), 0);
	/* expired: one second before the end works, at the end not */
	test_assert_int(dstore_reset_check(s, tok, exp - 1, &a, &err), 0);
	test_assert_int(dstore_reset_use(s, tok, "new-password", exp, &a, &err),
			OB_E_NOTFOUND);
	test_assert_str(err.msg, "invalid or expired reset link");
	test_assert_str(err.field, "expired");
	test_assert_int(
		dstore_account_verify(s, "li", "old-password", &a, &err), 0);
	/* used once */
	test_assert_int(
		dstore_reset_use(s, tok, "new-password", now + 60, &a, &err),
		0);
	test_assert_int(a.id, id);
	test_assert_int(
		dstore_account_verify(s, "li", "old-password", &a, &err),
		OB_E_AUTH);
	test_assert_int(
		dstore_account_verify(s, "li", "new-password", &a, &err), 0);
	/* the MD5 equivalent follows the new password:
	 * base64(md5("li:new-password")) */
	test_assert_int(dstore_account_md5_secret(s, t, id, secret, &err), 0);
	test_assert_str(secret, "ernfkQXLPIsKgbcVpy3nEw==");
	test_assert_int(
		dstore_reset_use(s, tok, "newer-password", now + 61, &a, &err),
		OB_E_NOTFOUND);
	test_assert_str(err.msg, "invalid or expired reset link");
	test_assert_str(err.field, "token");
	/* a new link replaces the previous one */
	test_assert_int(
		dstore_reset_create(s, t, id, now, 1, "cli", tok, NULL, &err),
		0);
	test_assert_int(
		dstore_reset_create(s, t, id, now, 1, "cli", tok2, NULL, &err),
		0);
	test_assert(strcmp(tok, tok2) != 0);
	test_assert_int(dstore_reset_check(s, tok, now, &a, &err),
			OB_E_NOTFOUND);
	test_assert_int(dstore_reset_check(s, tok2, now, &a, &err), 0);
	/* disabled: refused with the same message; disabling cancels it,
	 * so enabling again does not bring it back */
	test_assert_int(dstore_account_set_disabled(s, t, id, true, &err), 0);
	test_assert_int(
		dstore_reset_use(s, tok2, "third-password", now, &a, &err),
		OB_E_NOTFOUND);
	test_assert_str(err.msg, "invalid or expired reset link");
	test_assert_int(dstore_account_set_disabled(s, t, id, false, &err), 0);
	test_assert_int(dstore_reset_check(s, tok2, now, &a, &err),
			OB_E_NOTFOUND);
	/* a disabled account with a live token (disabled by hand) */
	test_assert_int(
		dstore_reset_create(s, t, id, now, 1, "cli", tok, NULL, &err),
		0);
	raw_exec("UPDATE account SET disabled = 1");
	test_assert_int(
		dstore_reset_use(s, tok, "third-password", now, &a, &err),
		OB_E_NOTFOUND);
	test_assert_str(err.field, "disabled");
	test_assert_str(err.msg, "invalid or expired reset link");
	test_assert_int(dstore_account_set_disabled(s, t, id, false, &err), 0);
	/* setting the password by hand cancels a link */
	test_assert_int(
		dstore_reset_create(s, t, id, now, 1, "cli", tok, NULL, &err),
		0);
	test_assert_int(
		dstore_account_set_password(s, t, id, "admin-set-pw", &err), 0);
	test_assert_int(dstore_reset_check(s, tok, now, &a, &err),
			OB_E_NOTFOUND);
	/* garbled, huge, empty, upper-case, NULL tokens */
	{
		static const char *const bad[] = {
			"",
			"abc",
			"zz3456789012345678901234567890123456789012345678901234"
			"5678901234",
			"' OR 1=1 --",
		};
		char big[100000], upper[DSTORE_RESET_TOKEN_MAX];

		test_assert_int(dstore_reset_create(s, t, id, now, 1, "cli",
						    tok, NULL, &err),
				0);
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			test_assert_int(
				dstore_reset_check(s, bad[i], now, &a, &err),
				OB_E_NOTFOUND);
			test_assert_str(err.msg,
					"invalid or expired reset link");
		}
		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		test_assert_int(
			dstore_reset_use(s, big, "x-password-1", now, &a, &err),
			OB_E_NOTFOUND);
		memcpy(big, tok, 64); /* the token with more after it */
		test_assert_int(dstore_reset_check(s, big, now, &a, &err),
				OB_E_NOTFOUND);
		for (size_t i = 0; i < sizeof(upper); i++)
			upper[i] = (char)(tok[i] >= 'a' && tok[i] <= 'f'
						  ? tok[i] - 32
						  : tok[i]);
		test_assert_int(dstore_reset_check(s, upper, now, &a, &err),
				OB_E_NOTFOUND);
		test_assert_int(dstore_reset_check(s, NULL, now, &a, &err),
				OB_E_NOTFOUND);
		test_assert_int(dstore_reset_check(s, tok, now, &a, &err), 0);
	}
	dstore_close(&s);
	/* the token is not in the file, only its hash */
	ob_buf_init(&raw, 64 << 20);
	test_assert_int(store_bytes(&raw, &err), 0);
	test_assert(memmem(raw.data, raw.len, tok, 64) == NULL);
	ob_buf_deinit(&raw);
	test_end();
}

static void test_migration_accounts(void)
{
	struct dstore_options o = {0};
	struct dstore *s = open_new();
	struct dstore_account a;
	struct ob_err err;
	char secret[25];
	sqlite3 *db;
	int64_t t = tenant(s, "acme"), t2 = tenant(s, "other"), id;
	int n = 0;

	if (on_pg()) {
		dstore_close(&s);
		test_skip("schema 14 -> 15 on a populated database",
			  "SQLite migrations (a PostgreSQL store starts at "
			  "15)");
		return;
	}
	test_begin("schema 14 -> 15 on a populated database keeps every "
		   "account, its password, role and MD5 secret");
	dstore_tenant_configure(s, t, true, 30, &err);
	for (int i = 0; i < 20; i++) {
		char login[32], pw[32];
		snprintf(login, sizeof(login), "u%02d", i);
		snprintf(pw, sizeof(pw), "password-%02d", i);
		test_assert_int(dstore_account_create(s, i % 2 ? t2 : t, login,
						      pw,
						      i % 5 ? DSTORE_ROLE_USER
							    : DSTORE_ROLE_ADMIN,
						      &id, &err),
				0);
	}
	dstore_begin(s, t, "test", &err);
	put(s, t, "p-1", "Li Ming", 0, false);
	dstore_commit(s, NULL, &err);
	dstore_close(&s);
	/* back to version 14 */
	test_assert_int(sqlite3_open(dbpath, &db), SQLITE_OK);
	test_assert_int(sqlite3_exec(db,
				     UNDO_15 "DELETE FROM schema_version "
					     "WHERE version > 14;",
				     NULL, NULL, NULL),
			SQLITE_OK);
	sqlite3_close(db);
	o.path = dbpath;
	test_assert_int(dstore_open(&o, &s, &err), 0);
	test_assert_int(dstore_schema_version(s), DSTORE_SCHEMA_VERSION);
	dstore_account_list(s, t, count_accounts, &n, &err);
	dstore_account_list(s, t2, count_accounts, &n, &err);
	test_assert_int(n, 20);
	for (int i = 0; i < 20; i++) {
		char login[32], pw[32];
		snprintf(login, sizeof(login), "u%02d", i);
		snprintf(pw, sizeof(pw), "password-%02d", i);
		test_assert_int(dstore_account_verify(s, login, pw, &a, &err),
				0);
		test_assert_int(a.tenant_id, i % 2 ? t2 : t);
		test_assert_int(a.role,
				i % 5 ? DSTORE_ROLE_USER : DSTORE_ROLE_ADMIN);
		test_assert_int(a.last_login, 0);
		test_assert_str(a.person_uid, "");
	}
	test_assert_int(dstore_account_find(s, "u00", &a, &err), 0);
	test_assert_int(dstore_account_md5_secret(s, t, a.id, secret, &err), 0);
	test_assert_int(dstore_account_link(s, t, a.id, "p-1", &err), 0);
	dstore_close(&s);
	test_end();
}

static void test_prune(void)
{
	struct dstore *s = open_new();
	struct ob_err err;
	int64_t t = tenant(s, "acme"), r1, pruned, now;
	int ret;

	test_begin("pruned history gives OB_E_GONE, never a partial delta");
	dstore_begin(s, t, "test", &err);
	put(s, t, "a", "A", 0, false);
	dstore_commit(s, &r1, &err);
	dstore_begin(s, t, "test", &err);
	put(s, t, "b", "B", 0, false);
	dstore_commit(s, NULL, &err);
	now = (int64_t)time(NULL);
	/* inside the window: nothing is pruned */
	dstore_begin(s, t, "test", &err);
	test_assert_int(dstore_prune(s, t, now, &pruned, &err), 0);
	dstore_commit(s, NULL, &err);
	test_assert_int(pruned, 0);
	/* 31 days later everything is old */
	dstore_begin(s, t, "test", &err);
	test_assert_int(dstore_prune(s, t, now + 31 * 86400, &pruned, &err), 0);
	dstore_commit(s, NULL, &err);
	test_assert_int(pruned, 2);
	changes(s, t, r1, 0, &ret);
	test_assert_int(ret, OB_E_GONE);
	test_assert_str(changes(s, t, 2, 0, &ret), "");
	test_assert_int(ret, 0);
	changes(s, t, 99, 0, &ret);
	test_assert_int(ret, OB_E_GONE); /* from the future */
	dstore_close(&s);
	test_end();
}

static int collect_device(const struct dstore_device_info *d, void *ctx)
{
	struct collect *c = ctx;
	size_t n = strlen(c->text);

	snprintf(c->text + n, sizeof(c->text) - n,
		 "%s%s/%s:%s rev=%lld items=%lld%s%s", n ? " " : "",
		 d->st.device, d->st.datastore, d->login, (long long)d->st.rev,
		 (long long)d->items, d->live_session ? " live" : "",
		 d->too_old ? " old" : "");
	return 0;
}

static void put_state(struct dstore *s, int64_t t, int64_t acc,
		      const char *device, int64_t rev, int64_t *id_r)
{
	struct dstore_sync_state st = {0};
	struct ob_err err;

	st.account_id = acc;
	snprintf(st.device, sizeof(st.device), "%s", device);
	snprintf(st.datastore, sizeof(st.datastore), "contacts");
	snprintf(st.client_last, sizeof(st.client_last), "a1");
	st.rev = rev;
	st.last_sync = 1000;
	test_assert_int(dstore_sync_put(s, t, &st, &err), 0);
	*id_r = st.id;
}

static void test_device_list(void)
{
	struct dstore *s = open_new();
	struct ob_err err;
	struct dstore_session ss = {0};
	struct collect c = {""};
	int64_t t = tenant(s, "acme"), o = tenant(s, "other"), u1, u2, o1;
	int64_t id1, id2, ido, r1, pruned, now = (int64_t)time(NULL);
	int n = -1;

	test_begin("device list: per datastore its login, items, live "
		   "session, past retention; filters; forget; tenants apart");
	dstore_account_create(s, t, "u1", "user-pw-1", DSTORE_ROLE_USER, &u1,
			      &err);
	dstore_account_create(s, t, "u2", "user-pw-2", DSTORE_ROLE_USER, &u2,
			      &err);
	dstore_account_create(s, o, "o1", "user-pw-3", DSTORE_ROLE_USER, &o1,
			      &err);
	dstore_begin(s, t, "test", &err);
	put(s, t, "a", "A", 0, false);
	dstore_commit(s, &r1, &err);
	dstore_begin(s, t, "test", &err);
	put(s, t, "b", "B", 0, false);
	dstore_commit(s, NULL, &err);
	dstore_begin(s, t, "sync", &err);
	put_state(s, t, u2, "IMEI:2", 0, &id2);
	put_state(s, t, u1, "IMEI:1", r1, &id1);
	test_assert_int(dstore_map_put(s, t, id1, "g1", "11", 1, &err), 0);
	test_assert_int(dstore_map_put(s, t, id1, "g2", "12", 1, &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	dstore_begin(s, o, "sync", &err);
	put_state(s, o, o1, "IMEI:1", 0, &ido);
	test_assert_int(dstore_map_put(s, o, ido, "g9", "19", 1, &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	/* a live session of IMEI:1 in acme, a completed one of IMEI:2 */
	snprintf(ss.token, sizeof(ss.token), "tok-live");
	snprintf(ss.device, sizeof(ss.device), "IMEI:1");
	snprintf(ss.session_id, sizeof(ss.session_id), "1");
	ss.tenant_id = t;
	ss.account_id = u1;
	ss.created = now;
	ss.expires = now + 300;
	test_assert_int(dstore_session_save(s, &ss, &err), 0);
	snprintf(ss.token, sizeof(ss.token), "tok-done");
	snprintf(ss.device, sizeof(ss.device), "IMEI:2");
	ss.account_id = u2;
	ss.completed = true;
	test_assert_int(dstore_session_save(s, &ss, &err), 0);

	test_assert_int(dstore_device_list(s, t, 0, NULL, now, collect_device,
					   &c, &err),
			0);
	test_assert_str(c.text, "IMEI:1/contacts:u1 rev=1 items=2 live "
				"IMEI:2/contacts:u2 rev=0 items=0");
	/* the session has expired by then */
	c.text[0] = '\0';
	dstore_device_list(s, t, 0, NULL, now + 301, collect_device, &c, &err);
	test_assert_str(c.text, "IMEI:1/contacts:u1 rev=1 items=2 "
				"IMEI:2/contacts:u2 rev=0 items=0");
	c.text[0] = '\0';
	dstore_device_list(s, t, u2, NULL, now, collect_device, &c, &err);
	test_assert_str(c.text, "IMEI:2/contacts:u2 rev=0 items=0");
	c.text[0] = '\0';
	dstore_device_list(s, t, 0, "IMEI:1", now, collect_device, &c, &err);
	test_assert_str(c.text, "IMEI:1/contacts:u1 rev=1 items=2 live");
	c.text[0] = '\0';
	test_assert_int(dstore_device_list(s, t, 0, "IMEI:9", now,
					   collect_device, &c, &err),
			0);
	test_assert_str(c.text, "");
	/* the other tenant sees its own IMEI:1 only */
	dstore_device_list(s, o, 0, NULL, now, collect_device, &c, &err);
	test_assert_str(c.text, "IMEI:1/contacts:o1 rev=0 items=1");
	/* past retention: the changes after revision 1 are pruned (the
	 * devices were last seen long ago); rev 0 is never too old */
	dstore_begin(s, t, "test", &err);
	test_assert_int(dstore_prune(s, t, now + 31 * 86400, &pruned, &err), 0);
	dstore_commit(s, NULL, &err);
	test_assert(pruned >= r1);
	c.text[0] = '\0';
	dstore_device_list(s, t, 0, NULL, now + 301, collect_device, &c, &err);
	test_assert_str(c.text, "IMEI:1/contacts:u1 rev=1 items=2 old "
				"IMEI:2/contacts:u2 rev=0 items=0");
	/* forget: acme's IMEI:1 goes with its map, other's stays */
	dstore_begin(s, t, "admin", &err);
	test_assert_int(dstore_device_forget(s, t, "IMEI:1", &n, &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	test_assert_int(n, 1);
	c.text[0] = '\0';
	dstore_device_list(s, t, 0, NULL, now + 301, collect_device, &c, &err);
	test_assert_str(c.text, "IMEI:2/contacts:u2 rev=0 items=0");
	c.text[0] = '\0';
	dstore_device_list(s, o, 0, NULL, now, collect_device, &c, &err);
	test_assert_str(c.text, "IMEI:1/contacts:o1 rev=0 items=1");
	dstore_begin(s, t, "admin", &err);
	test_assert_int(dstore_device_forget(s, t, "IMEI:1", &n, &err),
			OB_E_NOTFOUND);
	test_assert_int(n, 0);
	dstore_rollback(s);
	dstore_close(&s);
	test_end();
}

static void test_prune_keeps_live_devices(void)
{
	struct dstore *s = open_new();
	struct ob_err err;
	struct dstore_sync_state st = {0};
	int64_t t = tenant(s, "acme"), r1, pruned, acc, now;
	int ret;

	test_begin("pruning stops behind a device seen inside the window");
	dstore_account_create(s, t, "dev", "device-pw", DSTORE_ROLE_USER, &acc,
			      &err);
	dstore_begin(s, t, "test", &err);
	put(s, t, "a", "A", 0, false);
	dstore_commit(s, &r1, &err);
	dstore_begin(s, t, "test", &err);
	put(s, t, "b", "B", 0, false);
	dstore_commit(s, NULL, &err);
	now = (int64_t)time(NULL);
	dstore_begin(s, t, "test", &err);
	st.account_id = acc;
	snprintf(st.device, sizeof(st.device), "dev-1");
	snprintf(st.datastore, sizeof(st.datastore), "contacts");
	st.rev = r1;
	st.last_sync = now + 30 * 86400; /* seen recently, at revision 1 */
	dstore_sync_put(s, t, &st, &err);
	test_assert_int(dstore_prune(s, t, now + 31 * 86400, &pruned, &err), 0);
	dstore_commit(s, NULL, &err);
	test_assert_int(pruned, r1);
	test_assert_str(changes(s, t, r1, 0, &ret), "add:b");
	test_assert_int(ret, 0);
	/* and so it is not past retention: its next sync is a fast one */
	struct collect c = {{0}};
	test_assert_int(dstore_device_list(s, t, 0, NULL, now + 30 * 86400 + 1,
					   collect_device, &c, &err),
			0);
	test_assert_str(c.text, "dev-1/contacts:dev rev=1 items=0");
	dstore_close(&s);
	test_end();
}

static int collect_map(const char *guid, const char *luid, int64_t rev,
		       void *ctx)
{
	struct collect *c = ctx;
	size_t n = strlen(c->text);

	snprintf(c->text + n, sizeof(c->text) - n, "%s%s=%s@%lld", n ? " " : "",
		 guid, luid, (long long)rev);
	return 0;
}

static void test_sync_state(void)
{
	struct dstore *s = open_new();
	struct ob_err err;
	struct dstore_sync_state st = {0}, got;
	struct collect c = {""};
	char luid[16];
	int64_t t = tenant(s, "acme"), acc, rev;

	test_begin(
		"sync state and id map: stored, found both ways, forced slow");
	dstore_account_create(s, t, "u", "user-pw-1", DSTORE_ROLE_USER, &acc,
			      &err);
	test_assert_int(
		dstore_sync_get(s, t, acc, "IMEI:1", "contacts", &got, &err),
		OB_E_NOTFOUND);
	dstore_begin(s, t, "sync", &err);
	st.account_id = acc;
	snprintf(st.device, sizeof(st.device), "IMEI:1");
	snprintf(st.datastore, sizeof(st.datastore), "contacts");
	snprintf(st.client_last, sizeof(st.client_last), "1001");
	snprintf(st.server_last, sizeof(st.server_last), "7");
	st.rev = 7;
	test_assert_int(dstore_sync_put(s, t, &st, &err), 0);
	test_assert(st.id > 0);
	dstore_map_put(s, t, st.id, "g1", "11", 3, &err);
	dstore_map_put(s, t, st.id, "g2", "12", 4, &err);
	dstore_map_put(s, t, st.id, "g1", "13", 5, &err); /* update */
	test_assert_int(dstore_commit(s, &rev, &err), 0);
	test_assert_int(rev, 0); /* sync state is not a directory change */
	test_assert_int(
		dstore_sync_get(s, t, acc, "IMEI:1", "contacts", &got, &err),
		0);
	test_assert_str(got.client_last, "1001");
	test_assert_int(got.rev, 7);
	test_assert_int(got.force_slow, 0);
	test_assert_int(dstore_map_find(s, t, st.id, NULL, "12", luid,
					sizeof(luid), NULL, 0, &rev, &err),
			0);
	test_assert_str(luid, "g2");
	test_assert_int(rev, 4);
	dstore_map_iter(s, t, st.id, collect_map, &c, &err);
	test_assert_str(c.text, "g1=13@5 g2=12@4");
	dstore_begin(s, t, "admin", &err);
	test_assert_int(dstore_sync_force_slow(s, t, acc, "IMEI:1", &err), 0);
	test_assert_int(dstore_map_delete(s, t, st.id, "g1", &err), 0);
	dstore_commit(s, NULL, &err);
	dstore_sync_get(s, t, acc, "IMEI:1", "contacts", &got, &err);
	test_assert_int(got.force_slow, 1);
	c.text[0] = '\0';
	dstore_map_iter(s, t, st.id, collect_map, &c, &err);
	test_assert_str(c.text, "g2=12@4");
	dstore_close(&s);
	test_end();

	if (skip_on_pg("schema 5 -> 10: the id map rebuilt",
		       "SQLite migrations (a PostgreSQL store starts at 15)"))
		return;
	test_begin("schema 5 -> ... -> 10: the id map is rebuilt without "
		   "rowids and without its LUID index, every row kept and "
		   "found both ways");
	{
		struct dstore_options o = {.path = dbpath};
		sqlite3 *db;
		sqlite3_stmt *q;

		/* put the map back in its version-5 form */
		sqlite3_open(dbpath, &db);
		test_assert_int(
			sqlite3_exec(
				db,
				"DROP TABLE id_map;"
				"DROP TABLE id_map_rev;"
				"ALTER TABLE sync_state DROP COLUMN "
				"luid_lookup;"
				"CREATE TABLE id_map (state_id INTEGER NOT "
				"NULL REFERENCES sync_state(id) ON DELETE "
				"CASCADE, tenant_id INTEGER NOT NULL, guid "
				"TEXT NOT NULL, luid TEXT NOT NULL, rev "
				"INTEGER NOT NULL, PRIMARY KEY (state_id, "
				"guid));"
				"CREATE INDEX id_map_luid ON id_map(state_id, "
				"luid);"
				"INSERT INTO id_map SELECT id, tenant_id, "
				"'g' || n, 'l' || n, n FROM sync_state, "
				"(SELECT 1 AS n UNION SELECT 2 UNION SELECT 3);"
				"DROP INDEX sml_session_account;"
				"ALTER TABLE sml_session DROP COLUMN "
				"completed;"
				"DROP TABLE health;"
				"DROP TABLE sml_nonce_old;"
				"DROP INDEX sml_nonce_login;"
				"DROP INDEX sml_nonce_updated;"
				"ALTER TABLE sml_nonce DROP COLUMN login;"
				"DROP TRIGGER person_seq_keep;"
				"DROP TABLE person_seq;"
				"DROP TABLE id_map_gone;"
				"DROP TRIGGER sync_state_gone;"
				"DROP INDEX change_log_gone;"
				"DROP INDEX change_log_gone_name;"
				"DROP INDEX person_name;"
				"ALTER TABLE change_log DROP COLUMN "
				"gone_family;"
				"ALTER TABLE change_log DROP COLUMN gone_given;"
				"ALTER TABLE change_log DROP COLUMN "
				"gone_display;"
				"ALTER TABLE change_log DROP COLUMN "
				"gone_phones;"
				"ALTER TABLE change_log DROP COLUMN "
				"gone_emails;"
				"INSERT INTO sml_nonce VALUES ('IMEI:m', "
				"'bWlncg==', 5);"
				"DROP TABLE import_undo_person;"
				"DROP TABLE import_undo_unit;"
				"DROP TABLE import_undo;"
				"ALTER TABLE change_log DROP COLUMN name;"
				"ALTER TABLE change_log DROP COLUMN unit_id;"
				"DROP TABLE account_reset;"
				"DROP INDEX account_person;"
				"ALTER TABLE account DROP COLUMN person_id;"
				"ALTER TABLE account DROP COLUMN "
				"last_login;" UNDO_17 UNDO_16
				"DELETE FROM schema_version WHERE version > 5;",
				NULL, NULL, NULL),
			SQLITE_OK);
		sqlite3_close(db);
		test_assert_int(dstore_open(&o, &s, &err), 0);
		test_assert_int(dstore_schema_version(s),
				DSTORE_SCHEMA_VERSION);
		c.text[0] = '\0';
		dstore_map_iter(s, t, st.id, collect_map, &c, &err);
		test_assert_str(c.text, "g1=l1@1 g2=l2@2 g3=l3@3");
		test_assert_int(dstore_map_find(s, t, st.id, NULL, "l3", luid,
						sizeof(luid), NULL, 0, &rev,
						&err),
				0);
		test_assert_str(luid, "g3");
		/* a device's nonce survives the migrations */
		char mnonce[DSTORE_NONCE_MAX];
		dstore_nonce_get(s, "IMEI:m", mnonce, &err);
		test_assert_str(mnonce, "bWlncg==");
		dstore_close(&s);
		sqlite3_open(dbpath, &db);
		test_assert(sqlite3_prepare_v2(db, "SELECT rowid FROM id_map",
					       -1, &q, NULL) != SQLITE_OK);
		sqlite3_finalize(q);
		sqlite3_close(db);
	}
	test_end();
}

static int collect_resend(const struct dstore_pending *p, void *ctx)
{
	struct collect *c = ctx;
	size_t n = strlen(c->text);

	snprintf(c->text + n, sizeof(c->text) - n, "%s%s", n ? " " : "",
		 p->guid);
	return 0;
}

/* What another connection reads of the database (committed rows). */
static long peek(const char *sql, int64_t id)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	long v = -1;

#ifdef HAVE_LIBPQ
	if (on_pg()) {
		struct db_settings set = {.path = dbpath};
		struct db_stmt *st;
		struct ob_err err;
		struct db *pg;

		if (db_pg_driver.open(&set, &pg, &err) < 0)
			return -1;
		if (db_prepare(pg, sql, 0, &st) == 0) {
			db_bind_int64(st, 1, id);
			if (db_step(st) == DB_ROW)
				v = (long)db_column_int64(st, 0);
			db_finalize(st);
		}
		pg->drv->close(pg);
		return v;
	}
#endif

	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(q, 1, id);
		if (sqlite3_step(q) == SQLITE_ROW)
			v = (long)sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
	}
	sqlite3_close(db);
	return v;
}

static void count_incomplete(const struct dstore_session *r, void *ctx)
{
	struct collect *c = ctx;
	size_t n = strlen(c->text);

	snprintf(c->text + n, sizeof(c->text) - n, "%s:%s:%lld ", r->token,
		 r->device, (long long)r->last_msg_id);
}

static void test_sessions(void)
{
	struct dstore *s = open_new();
	struct ob_err err;
	struct dstore_session ss = {0}, got;
	struct dstore_sync_state st = {0};
	struct dstore_pending p;
	struct collect c = {""};
	char nonce[DSTORE_NONCE_MAX];
	int64_t t = tenant(s, "acme"), acc, until;
	int n;

	test_begin("sessions: saved, found by token or device, expired");
	snprintf(ss.token, sizeof(ss.token), "tok1");
	snprintf(ss.device, sizeof(ss.device), "IMEI:1");
	snprintf(ss.session_id, sizeof(ss.session_id), "5");
	ss.last_msg_id = 2;
	ss.reply = (unsigned char *)"<SyncML/>\0x";
	ss.reply_len = 12;
	ss.state = (unsigned char *)"v=1";
	ss.state_len = 3;
	ss.created = 100;
	ss.expires = 200;
	test_assert_int(dstore_session_save(s, &ss, &err), 0);
	test_assert_int(
		dstore_session_load(s, "tok1", NULL, NULL, 150, &got, &err), 0);
	test_assert_int(got.last_msg_id, 2);
	test_assert_int(got.reply_len, 12);
	test_assert_mem(got.reply, got.reply_len, "<SyncML/>\0x", 12);
	dstore_session_deinit(&got);
	test_assert_int(
		dstore_session_load(s, NULL, "IMEI:1", "5", 150, &got, &err),
		0);
	test_assert_str(got.token, "tok1");
	dstore_session_deinit(&got);
	test_assert_int(
		dstore_session_load(s, NULL, "IMEI:1", "6", 150, &got, &err),
		OB_E_NOTFOUND);
	test_assert_int(
		dstore_session_load(s, "tok1", NULL, NULL, 200, &got, &err),
		OB_E_NOTFOUND);
	{
		/* a completed one that expires is not reported */
		struct dstore_session done = {0};
		snprintf(done.token, sizeof(done.token), "tok-done");
		snprintf(done.device, sizeof(done.device), "IMEI:2");
		snprintf(done.session_id, sizeof(done.session_id), "1");
		done.created = 100;
		done.expires = 150;
		done.completed = true;
		test_assert_int(dstore_session_save(s, &done, &err), 0);
	}
	test_assert_int(
		dstore_session_expire(s, 201, count_incomplete, &c, &n, &err),
		0);
	test_assert_str(c.text, "tok1:IMEI:1:2 ");
	test_assert_int(n, 2);
	c.text[0] = '\0';
	test_end();

	test_begin("an account keeps at most so many sessions, newest first");
	for (int i = 0; i < 6; i++) {
		struct dstore_session x = {0};
		snprintf(x.token, sizeof(x.token), "acct-%d", i);
		snprintf(x.device, sizeof(x.device), "dev-%d", i);
		snprintf(x.session_id, sizeof(x.session_id), "1");
		x.tenant_id = t;
		x.account_id = 42;
		x.created = 1000 + i;
		x.expires = 5000;
		test_assert_int(dstore_session_save(s, &x, &err), 0);
		/* pending rows go with their session */
		dstore_chunk_append(s, x.token, 0, "1", 3, "abc", 3, 100, &err);
	}
	snprintf(ss.token, sizeof(ss.token), "other-account");
	ss.account_id = 43;
	ss.created = 900;
	ss.expires = 5000;
	test_assert_int(dstore_session_save(s, &ss, &err), 0);
	/* keep acct-0 (the one being saved) and the two newest others */
	test_assert_int(dstore_session_limit(s, 42, "acct-0", 3, &n, &err), 0);
	test_assert_int(n, 3);
	for (int i = 0; i < 6; i++) {
		char tok[16], cl[DSTORE_DEVICE_MAX];
		unsigned char *data = NULL;
		size_t len;
		int64_t size;
		bool kept = i == 0 || i >= 4;
		snprintf(tok, sizeof(tok), "acct-%d", i);
		test_assert_int(dstore_session_load(s, tok, NULL, NULL, 2000,
						    &got, &err),
				kept ? 0 : OB_E_NOTFOUND);
		dstore_session_deinit(&got);
		test_assert_int(dstore_chunk_take(s, tok, 0, cl, &size, &data,
						  &len, &err),
				kept ? 0 : OB_E_NOTFOUND);
		free(data);
	}
	test_assert_int(dstore_session_load(s, "other-account", NULL, NULL,
					    2000, &got, &err),
			0);
	dstore_session_deinit(&got);
	test_assert_int(dstore_session_limit(s, 42, "acct-0", 3, &n, &err), 0);
	test_assert_int(n, 0);
	test_end();

	test_begin("pending maps: latest op wins, commit applies to id map");
	dstore_account_create(s, t, "u", "user-pw-1", DSTORE_ROLE_USER, &acc,
			      &err);
	dstore_begin(s, t, "sync", &err);
	st.account_id = acc;
	snprintf(st.device, sizeof(st.device), "IMEI:1");
	snprintf(st.datastore, sizeof(st.datastore), "contacts");
	dstore_sync_put(s, t, &st, &err);
	dstore_map_put(s, t, st.id, "g1", "11", 1, &err);
	dstore_map_put(s, t, st.id, "g2", "12", 1, &err);
	test_assert_int(dstore_pending_put(s, t, "tok2", 0, "g3", NULL, 5,
					   DSTORE_PENDING_SENT, false, &err),
			0);
	dstore_pending_put(s, t, "tok2", 0, "g3", "13", 5, DSTORE_PENDING_MAP,
			   false, &err);
	dstore_pending_put(s, t, "tok2", 0, "g2", NULL, 5, DSTORE_PENDING_DEL,
			   false, &err);
	dstore_pending_put(s, t, "tok2", 0, "g1", "11", 5, DSTORE_PENDING_MAP,
			   true, &err);
	dstore_pending_put(s, t, "tok2", 1, "g9", "99", 5, DSTORE_PENDING_MAP,
			   true, &err);
	test_assert_int(
		dstore_pending_find(s, t, "tok2", 0, NULL, "13", &p, &err), 0);
	test_assert_str(p.guid, "g3");
	test_assert_int(p.op, DSTORE_PENDING_MAP);
	test_assert_int(
		dstore_pending_find(s, t, "tok2", 0, "g2", NULL, &p, &err), 0);
	test_assert_int(p.op, DSTORE_PENDING_DEL);
	dstore_pending_resends(s, t, "tok2", 0, "", 0, collect_resend, &c,
			       &err);
	test_assert_str(c.text, "g1");
	test_assert_int(
		dstore_pending_find(s, t + 1, "tok2", 0, "g2", NULL, &p, &err),
		OB_E_NOTFOUND);
	test_assert_int(
		dstore_pending_commit(s, t, "tok2", 0, st.id, false, &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	c.text[0] = '\0';
	dstore_map_iter(s, t, st.id, collect_map, &c, &err);
	test_assert_str(c.text, "g1=11@5 g3=13@5");
	test_assert_int(
		dstore_pending_find(s, t, "tok2", 0, "g3", NULL, &p, &err),
		OB_E_NOTFOUND);
	test_assert_int(
		dstore_pending_find(s, t, "tok2", 1, "g9", NULL, &p, &err), 0);
	test_end();

	test_begin("Map items in one row: applied after the pending rows, "
		   "dropped with them and with the session");
	{
		const struct dstore_map_pair first[] = {{"g4", "14"},
							{"g3", "23"}};
		const struct dstore_map_pair later[] = {{"g4", "24"},
							{"g5", "15"}};
		const struct dstore_map_pair bad[] = {{"g6", ""}};
		dstore_begin(s, t, "sync", &err);
		/* a pending row for g5 is overridden by the later Map */
		dstore_pending_put(s, t, "tok3", 0, "g5", NULL, 6,
				   DSTORE_PENDING_DEL, false, &err);
		test_assert_int(
			dstore_pending_maps(s, t, "tok3", 0, 6, first, 2, &err),
			0);
		test_assert_int(
			dstore_pending_maps(s, t, "tok3", 0, 7, later, 2, &err),
			0);
		test_assert_int(
			dstore_pending_maps(s, t, "tok3", 0, 7, bad, 1, &err),
			OB_E_INVAL);
		test_assert_int(
			dstore_pending_maps(s, t, "tok3", 1, 7, later, 2, &err),
			0);
		/* not visible to lookups */
		test_assert_int(dstore_pending_find(s, t, "tok3", 0, "g4", NULL,
						    &p, &err),
				OB_E_NOTFOUND);
		test_assert_int(dstore_pending_commit(s, t, "tok3", 0, st.id,
						      false, &err),
				0);
		test_assert_int(dstore_commit(s, NULL, &err), 0);
		c.text[0] = '\0';
		dstore_map_iter(s, t, st.id, collect_map, &c, &err);
		test_assert_str(c.text, "g1=11@5 g3=23@6 g4=24@7 g5=15@7");
		/* datastore 1's Map items: dropped, never applied */
		dstore_begin(s, t, "sync", &err);
		test_assert_int(dstore_pending_drop(s, t, "tok3", 1, &err), 0);
		test_assert_int(dstore_pending_commit(s, t, "tok3", 1, st.id,
						      true, &err),
				0);
		test_assert_int(dstore_commit(s, NULL, &err), 0);
		c.text[0] = '\0';
		dstore_map_iter(s, t, st.id, collect_map, &c, &err);
		test_assert_str(c.text, "");
		/* a commit after the session was deleted applies nothing */
		dstore_begin(s, t, "sync", &err);
		dstore_pending_maps(s, t, "tok4", 0, 8, first, 2, &err);
		test_assert_int(dstore_commit(s, NULL, &err), 0);
		test_assert_int(dstore_session_delete(s, "tok4", &err), 0);
		dstore_begin(s, t, "sync", &err);
		test_assert_int(dstore_pending_commit(s, t, "tok4", 0, st.id,
						      false, &err),
				0);
		test_assert_int(dstore_commit(s, NULL, &err), 0);
		c.text[0] = '\0';
		dstore_map_iter(s, t, st.id, collect_map, &c, &err);
		test_assert_str(c.text, "");
	}
	test_end();

	test_begin("a slow sync's thousand Map items: every one in the id map, "
		   "the client's last Map of a guid kept");
	{
		static char g[1000][16], l[1000][16], l2[300][16];
		struct dstore_map_pair pairs[1000], again[300];
		/* guids in no order, in three Map commands; the last one maps
		 * 300 of them again to other LUIDs */
		for (int i = 0; i < 1000; i++) {
			snprintf(g[i], sizeof(g[i]), "m%04d", (i * 617) % 1000);
			snprintf(l[i], sizeof(l[i]), "%d", i + 1);
			pairs[i] = (struct dstore_map_pair){g[i], l[i]};
		}
		for (int i = 0; i < 300; i++) {
			snprintf(l2[i], sizeof(l2[i]), "x%d", i);
			again[i] = (struct dstore_map_pair){g[i * 3], l2[i]};
		}
		dstore_begin(s, t, "sync", &err);
		test_assert_int(dstore_pending_maps(s, t, "tok5", 0, 9, pairs,
						    600, &err),
				0);
		test_assert_int(dstore_pending_maps(s, t, "tok5", 0, 9,
						    pairs + 600, 400, &err),
				0);
		test_assert_int(dstore_pending_maps(s, t, "tok5", 0, 10, again,
						    300, &err),
				0);
		test_assert_int(dstore_pending_commit(s, t, "tok5", 0, st.id,
						      true, &err),
				0);
		test_assert_int(dstore_commit(s, NULL, &err), 0);
		int right = 0;
		for (int i = 0; i < 1000; i++) {
			char luid[DSTORE_DEVICE_MAX], guid[DSTORE_DEVICE_MAX];
			int64_t rev = 0;
			const char *want =
				i % 3 == 0 && i / 3 < 300 ? l2[i / 3] : l[i];
			if (dstore_map_find(s, t, st.id, g[i], NULL, NULL, 0,
					    luid, sizeof(luid), &rev,
					    &err) == 0 &&
			    strcmp(luid, want) == 0 &&
			    rev == (want == l[i] ? 9 : 10) &&
			    dstore_map_find(s, t, st.id, NULL, want, guid,
					    sizeof(guid), NULL, 0, NULL,
					    &err) == 0 &&
			    strcmp(guid, g[i]) == 0)
				right++;
		}
		test_assert_int(right, 1000);
	}
	test_end();

	test_begin("the LUID index: read through until a transaction needs "
		   "it, then built, kept up to date, dropped with the map");
	{
		const struct dstore_map_pair slow[] = {
			{"r1", "l1"}, {"r2", "l2"}, {"r3", "l3"}};
		const struct dstore_map_pair fast[] = {{"r1", "l1b"},
						       {"r9", "l9"}};
		char guid[DSTORE_DEVICE_MAX];
		static const char flag[] =
			"SELECT luid_lookup FROM sync_state WHERE id = ?";
		static const char rows[] =
			"SELECT count(*) FROM id_map_rev WHERE state_id = ?";
#define BY_LUID(l)                                                             \
	(guid[0] = '\0',                                                       \
	 dstore_map_find(s, t, st.id, NULL, l, guid, sizeof(guid), NULL, 0,    \
			 NULL, &err) == 0                                      \
		 ? guid                                                        \
		 : "-")
		dstore_begin(s, t, "sync", &err);
		dstore_pending_maps(s, t, "tok6", 0, 11, slow, 3, &err);
		test_assert_int(dstore_pending_commit(s, t, "tok6", 0, st.id,
						      true, &err),
				0);
		test_assert_int(dstore_commit(s, NULL, &err), 0);
		/* outside a transaction: read through, nothing built */
		test_assert_str(BY_LUID("l2"), "r2");
		test_assert_str(BY_LUID("nope"), "-");
		test_assert_int(peek(flag, st.id), 0);
		test_assert_int(peek(rows, st.id), 0);
		/* inside one: built, then every change of the map kept */
		dstore_begin(s, t, "sync", &err);
		test_assert_str(BY_LUID("l3"), "r3");
		dstore_pending_maps(s, t, "tok7", 0, 12, fast, 2, &err);
		test_assert_int(dstore_pending_commit(s, t, "tok7", 0, st.id,
						      false, &err),
				0);
		test_assert_int(
			dstore_map_put(s, t, st.id, "r4", "l4", 12, &err), 0);
		test_assert_str(BY_LUID("l1b"), "r1");
		test_assert_str(BY_LUID("l1"), "-"); /* r1's old LUID */
		test_assert_str(BY_LUID("l9"), "r9");
		test_assert_str(BY_LUID("l4"), "r4");
		test_assert_int(dstore_map_delete(s, t, st.id, "r2", &err), 0);
		test_assert_str(BY_LUID("l2"), "-");
		test_assert_int(dstore_commit(s, NULL, &err), 0);
		test_assert_int(peek(flag, st.id), 1);
		/* l1, l2, l3 built; l1b, l9 from the Map; l4 put */
		test_assert_int(peek(rows, st.id), 6);
		test_assert_str(BY_LUID("l9"), "r9");
		/* a slow sync's new map: the index goes with the old one */
		dstore_begin(s, t, "sync", &err);
		dstore_pending_maps(s, t, "tok8", 0, 13, fast, 1, &err);
		test_assert_int(dstore_pending_commit(s, t, "tok8", 0, st.id,
						      true, &err),
				0);
		test_assert_int(dstore_commit(s, NULL, &err), 0);
		test_assert_int(peek(flag, st.id), 0);
		test_assert_int(peek(rows, st.id), 0);
		test_assert_str(BY_LUID("l9"), "-");
		test_assert_str(BY_LUID("l1b"), "r1");
#undef BY_LUID
	}
	test_end();

	test_begin("large objects from clients: chunks appended, taken once");
	{
		char cl[DSTORE_DEVICE_MAX];
		unsigned char *data = NULL;
		size_t len = 0;
		int64_t size = 0;
		test_assert_int(dstore_chunk_append(s, "tok3", 0, "7", 10,
						    "BEGIN", 5, 100, &err),
				0);
		test_assert_int(dstore_chunk_append(s, "tok3", 0, "7", 0,
						    ":VCARD", 6, 100, &err),
				0);
		test_assert_int(dstore_chunk_append(s, "tok3", 0, "7", 0, "x",
						    90, 100, &err),
				OB_E_LIMIT);
		test_assert_int(dstore_chunk_take(s, "tok3", 0, cl, &size,
						  &data, &len, &err),
				0);
		test_assert_str(cl, "7");
		test_assert_int(size, 10);
		test_assert_mem(data, len, "BEGIN:VCARD", 11);
		free(data);
		test_assert_int(dstore_chunk_take(s, "tok3", 0, cl, &size,
						  &data, &len, &err),
				OB_E_NOTFOUND);
		dstore_chunk_append(s, "tok3", 1, "8", 3, "abc", 3, 100, &err);
		test_assert_int(dstore_chunk_drop(s, "tok3", 1, &err), 0);
		test_assert_int(dstore_chunk_take(s, "tok3", 1, cl, &size,
						  &data, &len, &err),
				OB_E_NOTFOUND);
	}
	test_end();

	test_begin("nonces and login throttling");
	dstore_nonce_get(s, "IMEI:1", nonce, &err);
	test_assert_str(nonce, "");
	dstore_nonce_set(s, "IMEI:1", "u", "bm9uY2U=", 10, 64, &err);
	dstore_nonce_get(s, "IMEI:1", nonce, &err);
	test_assert_str(nonce, "bm9uY2U=");
	/* a login keeps the nonces of its newest 3 devices */
	for (int i = 0; i < 10; i++) {
		char dev[16];
		snprintf(dev, sizeof(dev), "spray-%d", i);
		test_assert_int(dstore_nonce_set(s, dev, "victim",
						 "bm9uY2U=", 20 + i, 3, &err),
				0);
	}
	for (int i = 0; i < 10; i++) {
		char dev[16];
		snprintf(dev, sizeof(dev), "spray-%d", i);
		dstore_nonce_get(s, dev, nonce, &err);
		test_assert_str(nonce, i >= 7 ? "bm9uY2U=" : "");
	}
	dstore_nonce_get(s, "IMEI:1", nonce, &err);
	test_assert_str(nonce, "bm9uY2U="); /* another login's: kept */
	/* unused nonces expire */
	test_assert_int(dstore_nonce_expire(s, 28, &n, &err), 0);
	test_assert_int(n, 2); /* IMEI:1 (10) and spray-7 (27) */
	dstore_nonce_get(s, "IMEI:1", nonce, &err);
	test_assert_str(nonce, "");
	dstore_nonce_get(s, "spray-8", nonce, &err);
	test_assert_str(nonce, "bm9uY2U=");
	for (int i = 0; i < 3; i++)
		dstore_throttle_fail(s, "login:u", 1000, 3, 900, 30, 600, &err);
	dstore_throttle_check(s, "login:u", 1000, &until, &err);
	test_assert_int(until, 0);
	dstore_throttle_fail(s, "login:u", 1000, 3, 900, 30, 600, &err);
	dstore_throttle_check(s, "login:u", 1000, &until, &err);
	test_assert_int(until, 1030);
	dstore_throttle_fail(s, "login:u", 1000, 3, 900, 30, 600, &err);
	dstore_throttle_check(s, "login:u", 1000, &until, &err);
	test_assert_int(until, 1060);
	for (int i = 0; i < 20; i++)
		dstore_throttle_fail(s, "login:u", 1000, 3, 900, 30, 600, &err);
	dstore_throttle_check(s, "login:u", 1000, &until, &err);
	test_assert_int(until, 1600);
	dstore_throttle_clear(s, "login:u", &err);
	dstore_throttle_check(s, "login:u", 1000, &until, &err);
	test_assert_int(until, 0);
	test_end();

	test_begin("a device's superseded nonces");
	{
		char old[DSTORE_NONCE_KEEP - 1][DSTORE_NONCE_MAX];
		static const char *const issued[] = {
			"MQ==", "Mg==", "Mw==", "NA==", "NQ=="};

		test_assert_int(dstore_nonce_old(s, "hist", old, &n, &err), 0);
		test_assert_int(n, 0);
		/* a first nonce supersedes none */
		test_assert_int(dstore_nonce_set(s, "hist", "h", issued[0],
						 2000, 64, &err),
				0);
		test_assert_int(dstore_nonce_old(s, "hist", old, &n, &err), 0);
		test_assert_int(n, 0);
		/* five issued at 2000..2004: the current and the newest 3 */
		for (int i = 1; i < 5; i++)
			test_assert_int(dstore_nonce_set(s, "hist", "h",
							 issued[i], 2000 + i,
							 64, &err),
					0);
		dstore_nonce_get(s, "hist", nonce, &err);
		test_assert_str(nonce, "NQ==");
		test_assert_int(dstore_nonce_old(s, "hist", old, &n, &err), 0);
		test_assert_int(n, DSTORE_NONCE_KEEP - 1);
		test_assert_str(old[0], "NA==");
		test_assert_str(old[1], "Mw==");
		test_assert_str(old[2], "Mg==");
		/* issued in the same second: still the newest kept */
		dstore_nonce_set(s, "hist", "h", "Ng==", 2004, 64, &err);
		dstore_nonce_old(s, "hist", old, &n, &err);
		test_assert_int(n, 3);
		test_assert_str(old[0], "NQ==");
		test_assert_str(old[2], "Mw==");
		/* expiry by issue time, superseded ones too */
		test_assert_int(dstore_nonce_expire(s, 2003, &n, &err), 0);
		/* spray-8 and spray-9 above; hist's current (2004) stays */
		test_assert_int(n, 2);
		dstore_nonce_old(s, "hist", old, &n, &err);
		test_assert_int(n, 2);
		test_assert_str(old[0], "NQ==");
		test_assert_str(old[1], "NA==");
		/* the per-login cap drops a device's superseded ones too */
		dstore_nonce_set(s, "hist2", "h", "Nw==", 2010, 1, &err);
		dstore_nonce_get(s, "hist", nonce, &err);
		test_assert_str(nonce, "");
		dstore_nonce_old(s, "hist", old, &n, &err);
		test_assert_int(n, 0);
		/* a device's history is its own */
		dstore_nonce_set(s, "hist2", "h", "OA==", 2011, 1, &err);
		dstore_nonce_old(s, "hist2", old, &n, &err);
		test_assert_int(n, 1);
		test_assert_str(old[0], "Nw==");
		test_assert_int(dstore_nonce_expire(s, 3000, &n, &err), 0);
		test_assert_int(n, 1);
		dstore_nonce_old(s, "hist2", old, &n, &err);
		test_assert_int(n, 0);
	}
	dstore_close(&s);
	test_end();
}

static int mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static void test_file_modes(void)
{
	struct dstore_options o = {0};
	struct dstore *s = NULL, *s2 = NULL;
	struct ob_err err;
	char path[4300], wal[4400], shm[4400], key[4400], want[9000];
	mode_t old = umask(022);
	int64_t t = 0, acc;

	if (skip_on_pg("file modes of the database and its companions",
		       "SQLite's files (PostgreSQL keeps no file of ours "
		       "but the key)")) {
		umask(old);
		return;
	}
	test_begin("file modes: the database, its -wal and -shm (as SQLite "
		   "creates them) and the key file are 0600 under umask 022; "
		   "looser ones tightened at open and reported");
	snprintf(path, sizeof(path), "%s/modes.db", test_tmpdir());
	snprintf(wal, sizeof(wal), "%s-wal", path);
	snprintf(shm, sizeof(shm), "%s-shm", path);
	snprintf(key, sizeof(key), "%s.key", path);
	o.path = path;
	test_assert_int(dstore_open(&o, &s, &err), 0);
	test_assert_str(dstore_open_notice(s), "");
	/* a write makes SQLite create -wal and -shm; an MD5 enterprise's
	 * account makes the key file */
	test_assert_int(dstore_tenant_create(s, "modes", "Modes", &t, &err), 0);
	test_assert_int(dstore_tenant_configure(s, t, true, 30, &err), 0);
	test_assert_int(dstore_account_create(s, t, "m@modes", "modes-password",
					      DSTORE_ROLE_USER, &acc, &err),
			0);
	test_assert_int(mode_of(path), 0600);
	test_assert_int(mode_of(wal), 0600);
	test_assert_int(mode_of(shm), 0600);
	test_assert_int(mode_of(key), 0600);
	/* -wal and -shm that group or others can read (an older Orgbook, a
	 * crash) are tightened by the next open, which says so */
	test_assert_int(chmod(wal, 0644), 0);
	test_assert_int(chmod(shm, 0664), 0);
	test_assert_int(dstore_open(&o, &s2, &err), 0);
	snprintf(want, sizeof(want),
		 "%s was mode 0644 (group or others had access): now 0600; "
		 "%s was mode 0664 (group or others had access): now 0600",
		 wal, shm);
	test_assert_str(s2 ? dstore_open_notice(s2) : "", want);
	test_assert_int(mode_of(wal), 0600);
	test_assert_int(mode_of(shm), 0600);
	dstore_close(&s2);
	dstore_close(&s);
	test_assert_int(mode_of(wal), -1); /* the last close removes them */
	/* a database an older Orgbook made 0644 */
	test_assert_int(chmod(path, 0644), 0);
	test_assert_int(dstore_open(&o, &s, &err), 0);
	snprintf(want, sizeof(want),
		 "%s was mode 0644 (group or others had access): now 0600",
		 path);
	test_assert_str(s ? dstore_open_notice(s) : "", want);
	test_assert_int(mode_of(path), 0600);
	dstore_close(&s);
	umask(old);
	test_end();
}

/* The path of a unit to compare with (freed by the caller's buffer). */
static void unit_path_of(struct dstore *s, int64_t t, int64_t id, char *out,
			 size_t size)
{
	struct dstore_unit u;
	struct ob_err err;

	out[0] = '\0';
	if (dstore_unit_get(s, t, id, &u, &err) == 0) {
		snprintf(out, size, "%s", u.path);
		dstore_unit_deinit(&u);
	}
}

static int collect_kind_uid(const struct dstore_change *c, void *ctx)
{
	struct collect *col = ctx;
	size_t n = strlen(col->text);

	snprintf(col->text + n, sizeof(col->text) - n, "%s%d:%s", n ? " " : "",
		 (int)c->kind, c->uid);
	return 0;
}

/* Chinese unit names with sub-units: a rename or a move rewrites every
 * path below by characters, not bytes; a store whose paths an older
 * version cut so is repaired by migration 14, and the people of the
 * repaired units reach devices as changes. */
static void test_unit_paths_cjk(void)
{
	struct dstore *s = open_new();
	struct ob_err err;
	struct collect got = {""};
	char path[1024];
	int64_t t = tenant(s, "acme"), top = 0, deep = 0, other = 0, rev = 0;

	test_begin("unit paths: a Chinese subtree renamed and moved keeps "
		   "every path below whole; a cut path is repaired by "
		   "migration 14 and its people are sent again");
	dstore_begin(s, t, "admin", &err);
	test_assert_int(dstore_unit_ensure_path(s, t,
						"研发中心/平台部/基础架构组",
						true, &deep, &err),
			0);
	test_assert_int(dstore_unit_ensure_path(s, t, "深层/一级/二级", true,
						&other, &err),
			0);
	test_assert_int(
		dstore_unit_ensure_path(s, t, "研发中心", false, &top, &err),
		0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	dstore_begin(s, t, "admin", &err);
	test_assert_int(put(s, t, "p-deep", "王伟", deep, false), 0);
	test_assert_int(put(s, t, "p-top", "李娜", top, false), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	dstore_begin(s, t, "admin", &err);
	test_assert_int(dstore_unit_move(s, t, top, other, &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	unit_path_of(s, t, deep, path, sizeof(path));
	test_assert_str(path, "深层/一级/二级/研发中心/平台部/基础架构组");
	dstore_begin(s, t, "admin", &err);
	test_assert_int(dstore_unit_rename(s, t, other, "第二级", &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	unit_path_of(s, t, deep, path, sizeof(path));
	test_assert_str(path, "深层/一级/第二级/研发中心/平台部/基础架构组");
	if (on_pg()) {
		/* the repair below is SQLite's migration 13 -> 14 */
		dstore_close(&s);
		test_end();
		return;
	}

	/* a store as an older version left it: paths cut, schema 13 */
	struct dstore_tenant before;
	dstore_tenant_get(s, t, &before, &err);
	dstore_close(&s);
	sqlite3 *db;
	sqlite3_open(dbpath, &db);
	test_assert_int(
		sqlite3_exec(db,
			     "UPDATE unit SET path = '深层/一级/第二级/"
			     "研发中心构组' WHERE name = '基础架构组';" UNDO_15
			     "DELETE FROM schema_version WHERE "
			     "version > 13;",
			     NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);
	struct dstore_options o = {0};
	o.path = dbpath;
	o.sync_normal = true;
	test_assert_int(dstore_open(&o, &s, &err), 0);
	test_assert_int(dstore_schema_version(s), DSTORE_SCHEMA_VERSION);
	unit_path_of(s, t, deep, path, sizeof(path));
	test_assert_str(path, "深层/一级/第二级/研发中心/平台部/基础架构组");
	struct dstore_tenant after;
	dstore_tenant_get(s, t, &after, &err);
	test_assert_int(after.revision, before.revision + 1);
	/* a device at the revision before gets the repaired unit's people
	 * only, as changes */
	test_assert_int(dstore_changes_since(s, t, before.revision, 0,
					     collect_kind_uid, &got, &rev,
					     &err),
			0);
	test_assert_str(got.text, "2:p-deep");
	test_assert_int(rev, after.revision);
	/* nothing to repair: the migration changes nothing */
	dstore_close(&s);
	sqlite3_open(dbpath, &db);
	sqlite3_exec(db,
		     UNDO_15 "DELETE FROM schema_version WHERE version > 13;",
		     NULL, NULL, NULL);
	sqlite3_close(db);
	test_assert_int(dstore_open(&o, &s, &err), 0);
	dstore_tenant_get(s, t, &before, &err);
	test_assert_int(before.revision, after.revision);
	dstore_close(&s);
	test_end();
}

/* The store fills in the pinyin of a Chinese name for every writer. */
static void test_default_phonetic(void)
{
	struct dstore *s = open_new();
	struct ob_err err;
	struct dstore_person p = {0}, got;
	int64_t t = tenant(s, "acme");

	test_begin("a person put with no reading gets the pinyin of its "
		   "Chinese names; one stored without and not renamed keeps "
		   "none; a reading given is kept");
	p.uid = "py-1";
	p.family = "单";
	p.given = "雄信";
	p.display = "单雄信";
	dstore_begin(s, t, "cli", &err);
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	test_assert(p.phonetic_family == NULL && p.phonetic_given == NULL);
	dstore_person_get(s, t, "py-1", false, &got, &err);
	test_assert_str(got.phonetic_family, "shan");
	test_assert_str(got.phonetic_given, "xiongxin");
	dstore_person_deinit(&got);
	/* stored without a reading (an older version, an import that kept
	 * none): a put that keeps the names keeps none */
	dstore_close(&s);
	test_assert_int(raw_exec("UPDATE person SET phonetic_family = "
				 "NULL, phonetic_given = NULL WHERE "
				 "uid = 'py-1'"),
			0);
	struct dstore_options o = {0};
	options_of(&o);
	o.sync_normal = true;
	test_assert_int(dstore_open(&o, &s, &err), 0);
	p.title = "经理";
	dstore_begin(s, t, "cli", &err);
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	dstore_person_get(s, t, "py-1", false, &got, &err);
	test_assert(got.phonetic_family == NULL && got.phonetic_given == NULL);
	test_assert_str(got.title, "经理");
	dstore_person_deinit(&got);
	/* renamed: the new name's reading */
	p.given = "伟";
	p.display = "单伟";
	dstore_begin(s, t, "cli", &err);
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	dstore_person_get(s, t, "py-1", false, &got, &err);
	test_assert_str(got.phonetic_family, "shan");
	test_assert_str(got.phonetic_given, "wei");
	dstore_person_deinit(&got);
	/* given: kept as it is; a Latin name gets none */
	p.phonetic_family = "Shan";
	p.phonetic_given = "W.";
	dstore_begin(s, t, "cli", &err);
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), 0);
	struct dstore_person q = {0};
	q.uid = "py-2";
	q.family = "Lee";
	q.given = "Ann";
	test_assert_int(dstore_person_put(s, t, &q, NULL, &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	dstore_person_get(s, t, "py-1", false, &got, &err);
	test_assert_str(got.phonetic_given, "W.");
	dstore_person_deinit(&got);
	dstore_person_get(s, t, "py-2", false, &got, &err);
	test_assert(got.phonetic_family == NULL && got.phonetic_given == NULL);
	dstore_person_deinit(&got);
	dstore_close(&s);
	test_end();
}

static void test_migrations(void)
{
	struct dstore_options o = {0};
	struct dstore *s = NULL;
	struct ob_err err;
	sqlite3 *db;
	char path[4300];

	if (skip_on_pg("schema: old database upgraded, newer one refused",
		       "SQLite files made by hand"))
		return;
	test_begin(
		"schema: old database upgraded, newer one refused untouched");
	snprintf(path, sizeof(path), "%s/old.db", test_tmpdir());
	sqlite3_open(path, &db);
	sqlite3_exec(
		db,
		"CREATE TABLE schema_version (version INTEGER NOT NULL);"
		"CREATE TABLE keep_me (x); INSERT INTO keep_me VALUES (42);",
		NULL, NULL, NULL);
	sqlite3_close(db);
	o.path = path;
	test_assert_int(dstore_open(&o, &s, &err), 0);
	test_assert_int(dstore_schema_version(s), DSTORE_SCHEMA_VERSION);
	dstore_close(&s);
	/* reopening is idempotent */
	test_assert_int(dstore_open(&o, &s, &err), 0);
	dstore_close(&s);
	sqlite3_open(path, &db);
	sqlite3_exec(db, "INSERT INTO schema_version VALUES (99)", NULL, NULL,
		     NULL);
	sqlite3_close(db);
	test_assert_int(dstore_open(&o, &s, &err), OB_E_VERSION);
	test_assert(strstr(err.msg, "schema version 99 is newer") != NULL);
	test_assert(s == NULL);
	sqlite3_open(path, &db);
	{
		sqlite3_stmt *st;

		sqlite3_prepare_v2(db, "SELECT x FROM keep_me", -1, &st, NULL);
		test_assert_int(sqlite3_step(st), SQLITE_ROW);
		test_assert_int(sqlite3_column_int(st, 0), 42);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	test_end();
}

struct add_ctx {
	const char *uid;
};

static int add_one(struct dstore *s, void *ctx, struct ob_err *err)
{
	struct add_ctx *a = ctx;
	struct dstore_person p = {0};
	struct dstore_tenant t;
	int ret;

	(void)err;
	dstore_tenant_find(s, "acme", &t, NULL);
	p.uid = strdup(a->uid);
	p.display = "Concurrent";
	ret = dstore_person_put(s, t.id, &p, NULL, err);
	free(p.uid);
	return ret;
}

static void test_concurrent_writers(void)
{
	struct dstore_options o = {0};
	struct dstore *a = open_new(), *b = NULL;
	struct ob_err err;
	struct add_ctx ctx = {"from-b"};
	int64_t t = tenant(a, "acme"), rev;

	if (on_pg()) {
		dstore_close(&a);
		test_skip("two writers: the second waits or gets OB_E_BUSY",
			  "SQLite's write lock at BEGIN (PostgreSQL's "
			  "serializable transactions conflict at COMMIT)");
		return;
	}
	test_begin("two writers: the second waits or gets OB_E_BUSY, then "
		   "retries");
	options_of(&o);
	o.busy_timeout_ms = 50;
	test_assert_int(dstore_open(&o, &b, &err), 0);
	test_assert_int(dstore_begin(a, t, "a", &err), 0);
	put(a, t, "from-a", "A", 0, false);
	/* b cannot start a write transaction while a holds one */
	test_assert_int(dstore_begin(b, t, "b", &err), OB_E_BUSY);
	test_assert_int(dstore_retry(b, t, "b", 2, add_one, &ctx, &rev, &err),
			OB_E_BUSY);
	test_assert_int(dstore_commit(a, &rev, &err), 0);
	test_assert_int(rev, 1);
	test_assert_int(dstore_retry(b, t, "b", 3, add_one, &ctx, &rev, &err),
			0);
	test_assert_int(rev, 2);
	{
		int ret;

		test_assert_str(changes(a, t, 0, 0, &ret),
				"add:from-a add:from-b");
	}
	dstore_close(&a);
	dstore_close(&b);
	test_end();
}

/* A driver whose COMMIT fails as busy the next busy_commits times (as
 * PostgreSQL's serialization failure comes at COMMIT); the transaction
 * is left open, for the store to roll back. */
static int busy_commits;
static int bodies;
static const struct db_driver *real_driver;

static int commit_maybe_busy(struct db *db)
{
	if (busy_commits > 0) {
		busy_commits--;
		return OB_E_BUSY;
	}
	return real_driver->commit(db);
}

static int add_counted(struct dstore *s, void *ctx, struct ob_err *err)
{
	bodies++;
	return add_one(s, ctx, err);
}

static int count_event(const struct dstore_account_event *e, void *ctx)
{
	(void)e;
	(*(int *)ctx)++;
	return 0;
}

static void test_busy_commit(void)
{
	struct dstore *s = open_new();
	struct db_driver faulty = *s->db->drv;
	struct add_ctx one = {"after-busy"}, two = {"never"};
	struct ob_err err;
	int64_t t = tenant(s, "acme"), rev = 0;
	int events = 0, ret;

	test_begin("busy at COMMIT: the whole transaction rolled back and run "
		   "again, at most as often as allowed, for tenant and own "
		   "writes");
	real_driver = s->db->drv;
	faulty.commit = commit_maybe_busy;
	s->db->drv = &faulty;
	busy_commits = 1;
	bodies = 0;
	test_assert_int(
		dstore_retry(s, t, "x", 3, add_counted, &one, &rev, &err), 0);
	test_assert_int(bodies, 2);
	test_assert_int(rev, 1);
	busy_commits = 3;
	bodies = 0;
	test_assert_int(
		dstore_retry(s, t, "x", 3, add_counted, &two, &rev, &err),
		OB_E_BUSY);
	test_assert_int(bodies, 3);
	test_assert_str(changes(s, t, 0, 0, &ret), "add:after-busy");
	/* an own transaction (no tenant transaction open) */
	busy_commits = 1;
	test_assert_int(dstore_account_log_add(s, t, 1, "x", "create", "l1",
					       NULL, &err),
			0);
	busy_commits = DS_OWN_TRIES;
	test_assert_int(dstore_account_log_add(s, t, 2, "x", "create", "l2",
					       NULL, &err),
			OB_E_BUSY);
	test_assert_int(
		dstore_account_log_recent(s, t, 0, count_event, &events, &err),
		0);
	test_assert_int(events, 1);
	s->db->drv = real_driver;
	dstore_close(&s);
	test_end();
}

static int collect_name(const struct dstore_person *p, void *ctx)
{
	struct collect *col = ctx;
	size_t n = strlen(col->text);

	snprintf(col->text + n, sizeof(col->text) - n, "%s%s", n ? "," : "",
		 p->uid);
	return 0;
}

static const char *search(struct dstore *s, int64_t t, const char *q,
			  int *ret_r)
{
	static struct collect col;
	struct ob_err err;

	col.text[0] = '\0';
	*ret_r = dstore_person_search(s, t, q, 50, collect_name, &col, &err);
	return col.text;
}

static void test_search(void)
{
	struct dstore *s = open_new();
	struct ob_err err;
	int64_t t = tenant(s, "acme"), t2 = tenant(s, "other");
	struct dstore_phone ph = {"cell", "+86 138 0013 8000"};
	char *mail = "zhang.san@acme.example";
	struct dstore_person p = {0};
	int ret;

	test_begin("search: names, pinyin and initials, phone digits, email, "
		   "title; one tenant only; LIKE wildcards are literal");
	test_assert_int(dstore_begin(s, t, "test", &err), 0);
	p.uid = strdup("zs");
	p.family = "张";
	p.given = "三丰";
	p.display = "张三丰";
	p.phonetic_family = "zhang";
	p.phonetic_given = "sanfeng";
	p.title = "Chief Engineer";
	p.phones = &ph;
	p.n_phones = 1;
	p.emails = &mail;
	p.n_emails = 1;
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), 0);
	free(p.uid);
	test_assert_int(put(s, t, "ann", "Ann 100%_Smith", 0, true), 0);
	test_assert_int(put(s, t, "li", "李四", 0, false), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	test_assert_int(dstore_begin(s, t2, "test", &err), 0);
	test_assert_int(put(s, t2, "other-zs", "张三", 0, false), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);

	test_assert_str(search(s, t, "张三", &ret), "zs");
	test_assert_str(search(s, t, "zsf", &ret), "zs");
	test_assert_str(search(s, t, "ZhangSan", &ret), "zs");
	test_assert_str(search(s, t, "zhang san", &ret), "zs");
	test_assert_str(search(s, t, "ls", &ret), "li");
	test_assert_str(search(s, t, "8000", &ret), "zs");
	test_assert_str(search(s, t, "138 0013", &ret), "zs");
	test_assert_str(search(s, t, "zhang.san@", &ret), "zs");
	test_assert_str(search(s, t, "engineer", &ret), "zs");
	test_assert_str(search(s, t, "100%_", &ret), "ann"); /* hidden too */
	test_assert_str(search(s, t, "%", &ret), "ann");
	test_assert_str(search(s, t, "_", &ret), "ann");
	test_assert_str(search(s, t, "nobody", &ret), "");
	test_assert_int(ret, 0);
	test_assert_str(search(s, t2, "zs", &ret), "other-zs");
	test_assert_str(search(s, t, "", &ret), "");
	test_assert_int(ret, OB_E_INVAL);
	dstore_close(&s);
	test_end();
}

static void test_web_sessions(void)
{
	struct dstore *s = open_new();
	struct dstore_web_session w, w2;
	struct ob_err err;
	char tok[DSTORE_WEB_TOKEN_MAX], tok2[DSTORE_WEB_TOKEN_MAX];
	int64_t t = tenant(s, "acme"), admin, user;
	struct ob_buf raw;

	test_begin("web sessions: hashed tokens, idle and age limits, admins "
		   "only, ended by logout, password reset and disabling");
	test_assert_int(dstore_account_create(s, t, "boss", "boss-password",
					      DSTORE_ROLE_ADMIN, &admin, &err),
			0);
	test_assert_int(dstore_account_create(s, t, "emp", "emp-password",
					      DSTORE_ROLE_USER, &user, &err),
			0);
	test_assert_int(
		dstore_web_session_create(s, admin, 1000, tok, &w, &err), 0);
	test_assert_int((int)strlen(tok), 64);
	test_assert_int((int)strlen(w.csrf), 64);
	test_assert(strcmp(tok, w.csrf) != 0);
	test_assert_int(w.tenant_id, t);
	test_assert_str(w.login, "boss");
	test_assert_int(
		dstore_web_session_load(s, tok, 1500, 1800, 43200, &w2, &err),
		0);
	test_assert_str(w2.csrf, w.csrf);
	test_assert_int(w2.account_id, admin);
	test_assert_int(w2.last_seen, 1500); /* touched */
	/* idle: 1,801 s after the last request */
	test_assert_int(
		dstore_web_session_load(s, tok, 3301, 1800, 43200, &w2, &err),
		OB_E_NOTFOUND);
	test_assert_int(
		dstore_web_session_load(s, tok, 3000, 1800, 43200, &w2, &err),
		0);
	/* absolute age */
	test_assert_int(
		dstore_web_session_load(s, tok, 44201, 1e9, 43200, &w2, &err),
		OB_E_NOTFOUND);
	/* a wrong or malformed token */
	tok2[0] = '\0';
	test_assert_int(
		dstore_web_session_load(s, "abc", 3000, 1800, 43200, &w2, &err),
		OB_E_NOTFOUND);
	memcpy(tok2, tok, sizeof(tok));
	tok2[0] = tok2[0] == 'a' ? 'b' : 'a';
	test_assert_int(
		dstore_web_session_load(s, tok2, 3000, 1800, 43200, &w2, &err),
		OB_E_NOTFOUND);
	/* a user account's session is refused at load */
	test_assert_int(
		dstore_web_session_create(s, user, 3000, tok2, &w2, &err), 0);
	test_assert_int(
		dstore_web_session_load(s, tok2, 3000, 1800, 43200, &w2, &err),
		OB_E_NOTFOUND);
	/* disabling, then a new password, end the session */
	test_assert_int(dstore_account_set_disabled(s, t, admin, true, &err),
			0);
	test_assert_int(
		dstore_web_session_load(s, tok, 3000, 1800, 43200, &w2, &err),
		OB_E_NOTFOUND);
	test_assert_int(dstore_account_set_disabled(s, t, admin, false, &err),
			0);
	test_assert_int(
		dstore_web_session_load(s, tok, 3000, 1800, 43200, &w2, &err),
		0);
	test_assert_int(dstore_account_set_password(s, t, admin,
						    "another-password", &err),
			0);
	test_assert_int(
		dstore_web_session_load(s, tok, 3000, 1800, 43200, &w2, &err),
		OB_E_NOTFOUND);
	/* logout */
	test_assert_int(
		dstore_web_session_create(s, admin, 3000, tok, &w, &err), 0);
	test_assert_int(dstore_web_session_delete(s, tok, &err), 0);
	test_assert_int(
		dstore_web_session_load(s, tok, 3000, 1800, 43200, &w2, &err),
		OB_E_NOTFOUND);
	test_assert_int(
		dstore_web_session_create(s, admin, 3000, tok, &w, &err), 0);
	dstore_close(&s);
	/* the cookie token is not in the file */
	ob_buf_init(&raw, 64 << 20);
	test_assert_int(store_bytes(&raw, &err), 0);
	test_assert(memmem(raw.data, raw.len, tok, 64) == NULL);
	ob_buf_deinit(&raw);
	test_end();
}

/* Every field the iterator lends its callback, compared with what
 * dstore_person_get returns for the same person. */
struct iter_seen {
	struct dstore *s;
	int64_t t;
	bool photo;
	int n, same;
};

static bool same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	       (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int iter_compare(const struct dstore_person *p, void *ctx)
{
	struct iter_seen *x = ctx;
	struct dstore_person g;
	struct ob_err err;
	bool same;

	x->n++;
	if (dstore_person_get(x->s, x->t, p->uid, x->photo, &g, &err) != 0)
		return 0;
	same = g.id == p->id && g.unit_id == p->unit_id &&
	       g.hidden == p->hidden && g.mtime == p->mtime &&
	       g.rev == p->rev && same_str(g.family, p->family) &&
	       same_str(g.given, p->given) && same_str(g.display, p->display) &&
	       same_str(g.phonetic_family, p->phonetic_family) &&
	       same_str(g.phonetic_given, p->phonetic_given) &&
	       same_str(g.title, p->title) && same_str(g.street, p->street) &&
	       same_str(g.locality, p->locality) &&
	       same_str(g.region, p->region) &&
	       same_str(g.postcode, p->postcode) &&
	       same_str(g.country, p->country) && same_str(g.note, p->note) &&
	       same_str(g.unit_path, p->unit_path) &&
	       g.n_phones == p->n_phones && g.n_emails == p->n_emails &&
	       g.photo_len == p->photo_len &&
	       (g.photo == NULL) == (p->photo == NULL) &&
	       (g.photo == NULL || memcmp(g.photo, p->photo, g.photo_len) == 0);
	for (size_t i = 0; same && i < g.n_phones; i++)
		same = same_str(g.phones[i].type, p->phones[i].type) &&
		       same_str(g.phones[i].number, p->phones[i].number);
	for (size_t i = 0; same && i < g.n_emails; i++)
		same = same_str(g.emails[i], p->emails[i]);
	x->same += same;
	dstore_person_deinit(&g);
	return 0;
}

static void test_iterate(void)
{
	struct dstore *s = open_new();
	struct ob_err err;
	int64_t t = tenant(s, "acme"), unit = 0;
	struct dstore_phone ph[2] = {{"work", "+86 10 6552 9988"},
				     {"cell", "138 0013 8000"}};
	char *mails[2] = {"ouyang@acme.example", "nana@acme.example"};
	/* a PNG signature, then padding: larger than any row before it */
	static unsigned char png[20000] = {0x89, 'P',  'N',  'G',
					   '\r', '\n', 0x1a, '\n'};
	struct dstore_person p = {0};
	char uid[16];

	test_begin("iteration lends each person whole: every field, phones, "
		   "emails and photo equal what get returns");
	test_assert_int(dstore_begin(s, t, "test", &err), 0);
	/* people with nothing but a name, of growing length */
	for (int i = 0; i < 40; i++) {
		char name[256];
		snprintf(uid, sizeof(uid), "bare-%d", i);
		memset(name, 'a' + i % 26, sizeof(name) - 1);
		name[i * 6 + 1] = '\0';
		test_assert_int(put(s, t, uid, name, 0, i % 7 == 0), 0);
	}
	test_assert_int(dstore_unit_ensure_path(s, t, "研发中心/平台部", true,
						&unit, &err),
			0);
	p.uid = strdup("full");
	p.family = "欧阳";
	p.given = "娜娜";
	p.phonetic_family = "ouyang";
	p.phonetic_given = "nana";
	p.title = "Architect";
	p.phones = ph;
	p.n_phones = 2;
	p.emails = mails;
	p.n_emails = 2;
	p.street = "1 Example Road";
	p.locality = "北京";
	p.region = "BJ";
	p.postcode = "100000";
	p.country = "China";
	p.note = "line one\nline two";
	p.photo = png;
	p.photo_len = sizeof(png);
	p.unit_id = unit;
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), 0);
	free(p.uid);
	test_assert_int(put(s, t, "after", "After Full", unit, false), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	for (int photo = 0; photo < 2; photo++) {
		struct dstore_iter_opts o = {.include_hidden = true};
		struct iter_seen x = {.s = s, .t = t, .photo = photo != 0};
		o.with_photo = photo != 0;
		test_assert_int(
			dstore_person_iter(s, t, &o, iter_compare, &x, &err),
			0);
		test_assert_int(x.n, 42);
		test_assert_int(x.same, 42);
	}
	dstore_close(&s);
	test_end();
}

/* "uid" per person, "+n+m" after a departed one's phones and e-mails */
static int collect_person(const struct dstore_person *p, void *ctx)
{
	struct collect *col = ctx;
	size_t n = strlen(col->text);

	if (p->hidden && p->unit_id == 0 && p->n_phones + p->n_emails > 0)
		snprintf(col->text + n, sizeof(col->text) - n, "%s%s+%zu+%zu",
			 n ? " " : "", p->uid, p->n_phones, p->n_emails);
	else
		snprintf(col->text + n, sizeof(col->text) - n, "%s%s",
			 n ? " " : "", p->uid);
	return 0;
}

/* The guids of a LUID's map history, latest first, joined by spaces. */
static int history(struct dstore *s, int64_t t, int64_t state_id,
		   const char *luid, char *out, struct ob_err *err)
{
	char(*guids)[DSTORE_DEVICE_MAX] = NULL;
	size_t n = 0;
	int ret = dstore_map_history(s, t, state_id, luid, &guids, &n, err);

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, guids[i]);
	}
	free(guids);
	return ret;
}

/* What a device held and holds no more: kept by the store on every way a
 * map row goes, found by LUID, pruned by the retention window; a deleted
 * person's names and contacts kept with its deletion; people by name. */
static void test_map_history(void)
{
	struct dstore *s = open_new();
	struct ob_err err;
	struct dstore_sync_state st = {0};
	struct dstore_person p = {0}, got;
	struct dstore_phone ph = {"cell", "+86 139 0000 0001"};
	char *mail = "li.ming@example.com";
	char guid[1024];
	struct collect names = {""};
	int64_t t = tenant(s, "acme"), t2 = tenant(s, "other"), acc;

	test_begin("map history: a LUID deleted, moved or cleared stays "
		   "known for the retention window; a deleted person's names "
		   "and contacts too; people found by name");
	dstore_account_create(s, t, "u", "user-pw-1", DSTORE_ROLE_USER, &acc,
			      &err);
	dstore_begin(s, t, "sync", &err);
	st.account_id = acc;
	snprintf(st.device, sizeof(st.device), "IMEI:9");
	snprintf(st.datastore, sizeof(st.datastore), "contacts");
	test_assert_int(dstore_sync_put(s, t, &st, &err), 0);
	dstore_map_put(s, t, st.id, "g1", "11", 1, &err);
	dstore_map_put(s, t, st.id, "g2", "12", 1, &err);
	dstore_map_put(s, t, st.id, "g3", "13", 1, &err);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	/* nothing gone yet */
	test_assert_int(history(s, t, st.id, "11", guid, &err), OB_E_NOTFOUND);
	dstore_begin(s, t, "sync", &err);
	dstore_map_put(s, t, st.id, "g1", "21", 2, &err); /* a new LUID */
	dstore_map_delete(s, t, st.id, "g2", &err);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	test_assert_int(history(s, t, st.id, "11", guid, &err), 0);
	test_assert_str(guid, "g1");
	test_assert_int(history(s, t, st.id, "12", guid, &err), 0);
	test_assert_str(guid, "g2");
	test_assert_int(history(s, t, st.id, "21", guid, &err),
			OB_E_NOTFOUND); /* mapped now, not gone */
	/* another enterprise sees none of it */
	test_assert_int(history(s, t2, st.id, "11", guid, &err), OB_E_NOTFOUND);
	dstore_begin(s, t, "sync", &err);
	dstore_map_clear(s, t, st.id, &err); /* a slow sync's replace */
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	test_assert_int(history(s, t, st.id, "13", guid, &err), 0);
	test_assert_str(guid, "g3");
	/* a client that reuses LUIDs (restored, its counter back): one LUID,
	 * several people, each found */
	dstore_begin(s, t, "sync", &err);
	dstore_map_put(s, t, st.id, "g4", "14", 3, &err);
	dstore_map_put(s, t, st.id, "g4", "24", 4, &err);
	dstore_map_put(s, t, st.id, "g5", "14", 4, &err);
	dstore_map_delete(s, t, st.id, "g5", &err);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	test_assert_int(history(s, t, st.id, "14", guid, &err), 0);
	test_assert(strcmp(guid, "g4 g5") == 0 || strcmp(guid, "g5 g4") == 0);
	/* a person back on a LUID it held before, and again: the history
	 * row is renewed, never a UNIQUE error (schema 12) */
	dstore_begin(s, t, "sync", &err);
	test_assert_int(dstore_map_put(s, t, st.id, "g6", "16", 5, &err), 0);
	test_assert_int(dstore_map_put(s, t, st.id, "g6", "26", 5, &err), 0);
	test_assert_int(dstore_map_put(s, t, st.id, "g6", "16", 5, &err), 0);
	test_assert_int(dstore_map_put(s, t, st.id, "g6", "26", 6, &err), 0);
	test_assert_int(dstore_map_delete(s, t, st.id, "g6", &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	test_assert_int(history(s, t, st.id, "16", guid, &err), 0);
	test_assert_str(guid, "g6");
	test_assert_int(history(s, t, st.id, "26", guid, &err), 0);
	test_assert_str(guid, "g6");
	test_assert_int(dstore_map_ever(s, t, st.id, "g3", &err), 1);
	test_assert_int(dstore_map_ever(s, t, st.id, "g9", &err), 0);
	/* the retention window (30 days by default) */
	dstore_begin(s, t, "prune", &err);
	test_assert_int(dstore_prune(s, t, ob_wall_s() + 86400, NULL, &err), 0);
	dstore_commit(s, NULL, &err);
	test_assert_int(history(s, t, st.id, "13", guid, &err), 0);
	dstore_begin(s, t, "prune", &err);
	test_assert_int(
		dstore_prune(s, t, ob_wall_s() + 31 * 86400, NULL, &err), 0);
	dstore_commit(s, NULL, &err);
	test_assert_int(history(s, t, st.id, "13", guid, &err), OB_E_NOTFOUND);
	test_assert_int(dstore_map_ever(s, t, st.id, "g3", &err), 0);

	/* a deleted person as the change log keeps it */
	dstore_begin(s, t, "admin", &err);
	p.uid = "gone-1";
	p.family = "李";
	p.given = "明";
	p.display = "李明";
	p.phones = &ph;
	p.n_phones = 1;
	p.emails = &mail;
	p.n_emails = 1;
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), 0);
	put(s, t, "live-1", "Anna  Li", 0, false);
	put(s, t, "live-2", "anna li", 0, true);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	test_assert_int(dstore_person_departed(s, t, "gone-1", &got, &err),
			OB_E_NOTFOUND);
	dstore_begin(s, t, "admin", &err);
	test_assert_int(dstore_person_delete(s, t, "gone-1", &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	test_assert_int(dstore_person_departed(s, t, "gone-1", &got, &err), 0);
	test_assert_str(got.display, "李明");
	test_assert_str(got.family, "李");
	test_assert_str(got.given, "明");
	test_assert_int((int)got.n_phones, 1);
	test_assert_str(got.phones[0].number, "+86 139 0000 0001");
	test_assert_int((int)got.n_emails, 1);
	test_assert_str(got.emails[0], "li.ming@example.com");
	dstore_person_deinit(&got);
	test_assert_int(dstore_person_departed(s, t2, "gone-1", &got, &err),
			OB_E_NOTFOUND);
	/* by name: spaces and ASCII case ignored; live or departed */
	test_assert_int(dstore_person_by_name(s, t, "ANNALI", false,
					      collect_person, &names, &err),
			0);
	test_assert_str(names.text, "live-1 live-2");
	names.text[0] = '\0';
	test_assert_int(dstore_person_by_name(s, t, "李 明", false,
					      collect_person, &names, &err),
			0);
	test_assert_str(names.text, "");
	test_assert_int(dstore_person_by_name(s, t, "李\xe3\x80\x80明", true,
					      collect_person, &names, &err),
			0);
	test_assert_str(names.text, "gone-1+1+1");
	names.text[0] = '\0';
	test_assert_int(dstore_person_by_name(s, t2, "annali", false,
					      collect_person, &names, &err),
			0);
	test_assert_str(names.text, "");
	/* the newest person deleted, another added: a new id, so the
	 * change feed tells the two apart */
	{
		struct dstore_person q;
		int64_t gone_id;
		dstore_begin(s, t, "admin", &err);
		put(s, t, "last-1", "Last One", 0, false);
		test_assert_int(dstore_commit(s, NULL, &err), 0);
		dstore_person_get(s, t, "last-1", false, &q, &err);
		gone_id = q.id;
		dstore_person_deinit(&q);
		dstore_begin(s, t, "admin", &err);
		dstore_person_delete(s, t, "last-1", &err);
		put(s, t, "last-2", "Last Two", 0, false);
		test_assert_int(dstore_commit(s, NULL, &err), 0);
		dstore_person_get(s, t, "last-2", false, &q, &err);
		test_assert(q.id > gone_id);
		dstore_person_deinit(&q);
	}
	dstore_close(&s);
	test_end();
}

static int collect_display(const struct dstore_person *p, void *ctx)
{
	struct collect *col = ctx;
	size_t n = strlen(col->text);

	snprintf(col->text + n, sizeof(col->text) - n, "%s%s/%zu", n ? "|" : "",
		 p->display, p->n_phones);
	return 0;
}

/* A person's past names and contacts: kept by every write that changes
 * them (not by one that changes only the title), latest first, for its
 * enterprise only; departed still means deleted. */
static void test_person_past(void)
{
	struct dstore *s = open_new();
	struct ob_err err;
	struct dstore_person p = {0};
	struct dstore_phone ph = {"cell", "+86 139 0000 0002"};
	struct collect got = {""};
	int64_t t = tenant(s, "acme"), t2 = tenant(s, "other");

	test_begin("person past: renames and new numbers keep what they "
		   "replace; a title change does not; departed is deletion");
	p.uid = "p-1";
	p.display = "王小明";
	dstore_begin(s, t, "admin", &err);
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	test_assert_int(
		dstore_person_past(s, t, "p-1", collect_display, &got, &err),
		0);
	test_assert_str(got.text, "");
	p.title = "经理"; /* no name or contact changed: nothing kept */
	dstore_begin(s, t, "admin", &err);
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	test_assert_int(
		dstore_person_past(s, t, "p-1", collect_display, &got, &err),
		0);
	test_assert_str(got.text, "");
	p.phones = &ph; /* a number added */
	p.n_phones = 1;
	dstore_begin(s, t, "admin", &err);
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	p.display = "王思远"; /* renamed, and the number gone */
	p.phones = NULL;
	p.n_phones = 0;
	dstore_begin(s, t, "admin", &err);
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	test_assert_int(
		dstore_person_past(s, t, "p-1", collect_display, &got, &err),
		0);
	test_assert_str(got.text, "王小明/1|王小明/0");
	got.text[0] = '\0';
	test_assert_int(
		dstore_person_past(s, t2, "p-1", collect_display, &got, &err),
		0);
	test_assert_str(got.text, "");
	/* a live person's old name is no departed person */
	test_assert_int(dstore_person_by_name(s, t, "王小明", true,
					      collect_person, &got, &err),
			0);
	test_assert_str(got.text, "");
	struct dstore_person dep;
	test_assert_int(dstore_person_departed(s, t, "p-1", &dep, &err),
			OB_E_NOTFOUND);
	dstore_begin(s, t, "admin", &err);
	test_assert_int(dstore_person_delete(s, t, "p-1", &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	test_assert_int(
		dstore_person_past(s, t, "p-1", collect_display, &got, &err),
		0);
	test_assert_str(got.text, "王思远/0|王小明/1|王小明/0");
	test_assert_int(dstore_person_departed(s, t, "p-1", &dep, &err), 0);
	test_assert_str(dep.display, "王思远");
	dstore_person_deinit(&dep);
	/* every past version, however many: a card restored from an old
	 * backup may hold the very first */
	struct dstore_person q = {0};
	char name[32];
	q.uid = "p-2";
	for (int i = 0; i <= 80; i++) {
		snprintf(name, sizeof(name), "李%d", i);
		q.display = name;
		dstore_begin(s, t, "admin", &err);
		test_assert_int(dstore_person_put(s, t, &q, NULL, &err), 0);
		test_assert_int(dstore_commit(s, NULL, &err), 0);
	}
	got.text[0] = '\0';
	test_assert_int(
		dstore_person_past(s, t, "p-2", collect_display, &got, &err),
		0);
	size_t bars = 0;
	for (const char *x = got.text; *x != '\0'; x++)
		bars += *x == '|';
	test_assert_int((int)bars, 79);
	test_assert(strncmp(got.text, "李79/0|", strlen("李79/0|")) == 0);
	test_assert(strcmp(got.text + strlen(got.text) - strlen("|李0/0"),
			   "|李0/0") == 0);
	/* gone with the retention window */
	dstore_begin(s, t, "prune", &err);
	test_assert_int(
		dstore_prune(s, t, ob_wall_s() + 31 * 86400, NULL, &err), 0);
	dstore_commit(s, NULL, &err);
	got.text[0] = '\0';
	test_assert_int(
		dstore_person_past(s, t, "p-1", collect_display, &got, &err),
		0);
	test_assert_str(got.text, "");
	dstore_close(&s);
	test_end();
}

/* ---- undo of an import ------------------------------------------------ */

static unsigned char jpeg_a[] = {0xff, 0xd8, 0xff, 0xe0, 'a', 'a', 'a'};
static unsigned char jpeg_b[] = {0xff, 0xd8, 0xff, 0xe0, 'b', 'b', 'b', 'b'};

/* A person with every field set (phones of several types, emails,
 * address, note, phonetic names, photo); `hidden` as given. */
static int put_full(struct dstore *s, int64_t t, const char *uid,
		    const char *name, int64_t unit, bool hidden)
{
	struct dstore_phone ph[3] = {{"work", "+86 10 1234 5678"},
				     {"cell", "+86 138 0000 0001"},
				     {"fax", "+86 10 1234 5679"}};
	char *em[2] = {"a@example.cn", "b@example.cn"};
	struct dstore_person p = {0};
	struct ob_err err;
	int ret;

	p.uid = strdup(uid);
	p.family = "张";
	p.given = "三";
	p.display = (char *)name;
	p.phonetic_family = "zhang";
	p.phonetic_given = "san";
	p.title = "工程师";
	p.phones = ph;
	p.n_phones = 3;
	p.emails = em;
	p.n_emails = 2;
	p.street = "长安街 1 号";
	p.locality = "北京";
	p.region = "北京市";
	p.postcode = "100000";
	p.country = "中国";
	p.note = "line one\nline two";
	p.photo = jpeg_a;
	p.photo_len = sizeof(jpeg_a);
	p.unit_id = unit;
	p.hidden = hidden;
	ret = dstore_person_put(s, t, &p, NULL, &err);
	if (ret < 0)
		printf("# put_full %s: %s\n", uid, err.msg);
	free(p.uid);
	return ret;
}

/* Is the stored person uid exactly *want (every field, photo, unit,
 * hidden, person id)? */
static bool same_person(struct dstore *s, int64_t t,
			const struct dstore_person *want)
{
	struct dstore_person got;
	struct ob_buf b;
	struct ob_err err;
	bool same;

	if (dstore_person_get(s, t, want->uid, true, &got, &err) < 0) {
		printf("# %s: %s\n", want->uid, err.msg);
		return false;
	}
	ob_buf_init(&b, 1 << 16);
	same = dstore_person_diff(want, &got, "# ", &b) == 0 &&
	       got.id == want->id && strcmp(got.uid, want->uid) == 0;
	if (!same)
		printf("# %s differs (id %lld vs %lld):\n%s", want->uid,
		       (long long)got.id, (long long)want->id, ob_buf_str(&b));
	ob_buf_deinit(&b);
	dstore_person_deinit(&got);
	return same;
}

struct log_text {
	struct ob_buf b;
};

static int collect_log(const struct dstore_log_entry *e, void *ctx)
{
	struct log_text *l = ctx;

	ob_buf_addf(&l->b, "%s %s %s [%s] %s\n", e->what, e->op, e->uid,
		    e->name, e->detail);
	return 0;
}

static const char *log_since(struct dstore *s, int64_t t, int64_t since,
			     struct log_text *l)
{
	struct ob_err err;

	ob_buf_reset(&l->b);
	if (dstore_log_since(s, t, since, collect_log, l, &err) < 0)
		printf("# log: %s\n", err.msg);
	return ob_buf_str(&l->b);
}

static void test_audit_names_and_fields(void)
{
	struct dstore *s = open_new();
	struct dstore_person p;
	struct log_text l;
	struct ob_err err;
	int64_t t = tenant(s, "acme"), u, r1;

	test_begin("audit log: names people, lists the changed fields old -> "
		   "new, photos by size only");
	ob_buf_init(&l.b, 1 << 20);
	dstore_begin(s, t, "cli", &err);
	dstore_unit_ensure_path(s, t, "研发/平台", true, &u, &err);
	test_assert_int(put_full(s, t, "p1", "张三", u, false), 0);
	dstore_commit(s, &r1, &err);
	test_assert_int(dstore_person_get(s, t, "p1", true, &p, &err), 0);
	dstore_begin(s, t, "web:alice", &err);
	free(p.title);
	p.title = strdup("架构师");
	free(p.photo);
	p.photo = malloc(sizeof(jpeg_b));
	memcpy(p.photo, jpeg_b, sizeof(jpeg_b));
	p.photo_len = sizeof(jpeg_b);
	free(p.phones[1].number);
	p.phones[1].number = strdup("+86 139 0000 0002");
	p.hidden = true;
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), 0);
	test_assert_int(dstore_commit(s, NULL, &err), 0);
	test_assert_str(log_since(s, t, r1, &l),
			"person modify p1 [张三] title: \"工程师\" -> "
			"\"架构师\"\n"
			"phone_cell: \"+86 138 0000 0001\" -> \"+86 139 "
			"0000 0002\"\n"
			"hidden: \"no\" -> \"yes\"\n"
			"photo: changed, 7 -> 8 bytes\n");
	/* a move names the unit, a deletion the name the person had */
	dstore_begin(s, t, "cli", &err);
	test_assert_int(dstore_person_move(s, t, "p1", 0, &err), 0);
	test_assert_int(dstore_person_delete(s, t, "p1", &err), 0);
	dstore_commit(s, NULL, &err);
	test_assert_str(log_since(s, t, r1 + 1, &l),
			"person move p1 [张三] unit: \"研发/平台\" -> "
			"(empty)\n"
			"person delete p1 [张三] \n");
	dstore_person_deinit(&p);
	ob_buf_deinit(&l.b);
	dstore_close(&s);
	test_end();
}

static const char *log_person(struct dstore *s, int64_t t, const char *uid,
			      int64_t before, size_t limit, struct log_text *l)
{
	struct ob_err err;

	ob_buf_reset(&l->b);
	if (dstore_log_person(s, t, uid, before, limit, collect_log, l, &err) <
	    0)
		printf("# log: %s\n", err.msg);
	return ob_buf_str(&l->b);
}

static int last_id(const struct dstore_log_entry *e, void *ctx)
{
	*(int64_t *)ctx = e->id;
	return 0;
}

static void test_audit_of_a_person(void)
{
	struct dstore *s = open_new();
	struct log_text l;
	struct ob_err err;
	int64_t t = tenant(s, "acme"), t2 = tenant(s, "other"), id = 0;

	test_begin("audit log of one person: newest first, only that uid of "
		   "that enterprise, paged by id");
	ob_buf_init(&l.b, 1 << 20);
	dstore_begin(s, t, "cli", &err);
	put(s, t, "p1", "One", 0, false);
	put(s, t, "p2", "Two", 0, false);
	dstore_commit(s, NULL, &err);
	dstore_begin(s, t, "web:alice", &err);
	put(s, t, "p1", "One Again", 0, false);
	dstore_commit(s, NULL, &err);
	dstore_begin(s, t2, "cli", &err);
	put(s, t2, "p1", "Foreign", 0, false);
	dstore_commit(s, NULL, &err);
	test_assert_str(log_person(s, t, "p1", 0, 0, &l),
			"person modify p1 [One Again] display_name: \"One\" "
			"-> \"One Again\"\n"
			"person add p1 [One] \n");
	test_assert_str(log_person(s, t, "p2", 0, 0, &l),
			"person add p2 [Two] \n");
	test_assert_str(log_person(s, t, "nobody", 0, 0, &l), "");
	test_assert_str(log_person(s, t2, "p1", 0, 0, &l),
			"person add p1 [Foreign] \n");
	/* one at a time: the newest, then the one before it */
	test_assert_int(dstore_log_person(s, t, "p1", 0, 1, last_id, &id, &err),
			0);
	test_assert_str(log_person(s, t, "p1", id, 1, &l),
			"person add p1 [One] \n");
	ob_buf_deinit(&l.b);
	dstore_close(&s);
	test_end();
}

/* An import's transaction as import/ runs it. */
static int import_begin(struct dstore *s, int64_t t, const char *mode)
{
	struct ob_err err;
	int ret = dstore_begin(s, t, "cli", &err);

	if (ret == 0)
		ret = dstore_import_begin(s, t, mode, &err);
	return ret;
}

static void test_undo_import(void)
{
	struct dstore *s = open_new();
	struct dstore_person before[4], p;
	struct dstore_undo_report r;
	struct dstore_import im;
	struct dstore_unit un;
	struct log_text l;
	struct ob_err err;
	int64_t t = tenant(s, "acme"), t2 = tenant(s, "beta");
	int64_t sales, east, newu, r0, r1, r2, rb;
	int ret;

	test_begin("undo of an import: one revision puts back every field, "
		   "brings the deleted back with their uid and id, deletes the "
		   "added, removes its empty units, puts back renamed units; "
		   "another enterprise's import stays");
	ob_buf_init(&l.b, 1 << 20);
	dstore_undo_report_init(&r);
	/* nothing imported yet */
	test_assert_int(dstore_import_undo_check(s, t, &r, &err),
			OB_E_NOTFOUND);
	test_assert(strstr(err.msg, "nothing to undo: no import") != NULL);
	dstore_begin(s, t, "cli", &err);
	dstore_unit_ensure_path(s, t, "Sales", true, &sales, &err);
	dstore_unit_ensure_path(s, t, "Sales/East", true, &east, &err);
	put_full(s, t, "p1", "One", east, false);
	put_full(s, t, "p2", "Two", east, false);
	put_full(s, t, "p3", "Three", sales, false);
	put_full(s, t, "p4", "Four", 0, true);
	dstore_commit(s, &r0, &err);
	for (int i = 0; i < 4; i++) {
		char uid[4] = {'p', (char)('1' + i), 0};
		dstore_person_get(s, t, uid, true, &before[i], &err);
	}
	/* the other enterprise imports too */
	import_begin(s, t2, "merge");
	put(s, t2, "p1", "Beta One", 0, false);
	dstore_commit(s, &rb, &err);

	/* an import rolled back (or killed) leaves nothing to undo */
	test_assert_int(import_begin(s, t, "merge"), 0);
	test_assert_int(put(s, t, "zz", "Rolled back", 0, false), 0);
	dstore_rollback(s);
	test_assert_int(dstore_import_last(s, t, &im, &err), OB_E_NOTFOUND);
	/* an import that changes nothing leaves nothing either */
	test_assert_int(import_begin(s, t, "merge"), 0);
	test_assert_int(put_full(s, t, "p4", "Four", 0, true), 0);
	test_assert_int(dstore_commit(s, &r1, &err), 0);
	test_assert_int(r1, r0);
	test_assert_int(dstore_import_last(s, t, &im, &err), OB_E_NOTFOUND);

	/* the import: changes p1 (photo, emails, pinyin, unit into a new
	 * unit), deletes p2 (replace), shows the hidden p4, adds p5 in new
	 * units, renames Sales */
	test_assert_int(import_begin(s, t, "replace"), 0);
	dstore_person_get(s, t, "p1", true, &p, &err);
	free(p.photo);
	p.photo = malloc(sizeof(jpeg_b));
	memcpy(p.photo, jpeg_b, sizeof(jpeg_b));
	p.photo_len = sizeof(jpeg_b);
	free(p.emails[1]);
	p.n_emails = 1;
	free(p.phonetic_given);
	p.phonetic_given = NULL;
	test_assert_int(
		dstore_unit_ensure_path(s, t, "New/Sub", true, &newu, &err), 0);
	p.unit_id = newu;
	test_assert_int(dstore_person_put(s, t, &p, NULL, &err), 0);
	dstore_person_deinit(&p);
	test_assert_int(dstore_person_delete(s, t, "p2", &err), 0);
	test_assert_int(put(s, t, "p5", "Five", newu, false), 0);
	test_assert_int(put_full(s, t, "p4", "Four", 0, false), 0);
	test_assert_int(dstore_unit_rename(s, t, sales, "Vertrieb", &err), 0);
	/* an import does not delete units */
	test_assert_int(dstore_unit_delete(s, t, newu, &err), OB_E_INVAL);
	test_assert_int(dstore_commit(s, &r1, &err), 0);
	test_assert_int(r1, r0 + 1);
	test_assert_int(dstore_import_last(s, t, &im, &err), 0);
	test_assert_int(im.rev, r1);
	test_assert_str(im.mode, "replace");
	test_assert_int(im.adds, 1);
	test_assert_int(im.changes, 2);
	test_assert_int(im.deletes, 1);
	test_assert_int(im.units_created, 2);
	test_assert_int(im.undone_rev, 0);
	test_assert(strstr(log_since(s, t, r1 - 1, &l),
			   "import import  [] replace import: 1 added, 2 "
			   "changed, 1 deleted, 2 units created; it can be "
			   "undone") != NULL);

	/* the dry run: the plan, nothing written */
	test_assert_int(dstore_begin(s, t, "cli", &err), 0);
	test_assert_int(dstore_import_undo(s, t, 0, true, &r, &err), 0);
	dstore_rollback(s);
	test_assert_str(ob_buf_str(&r.plan),
			"put back unit Vertrieb as Sales\n"
			"restore p1 One\n"
			"    phonetic_given: (empty) -> \"san\"\n"
			"    unit: \"New/Sub\" -> \"Sales/East\"\n"
			"    email: \"a@example.cn\" -> "
			"\"a@example.cn|b@example.cn\"\n"
			"    photo: changed, 8 -> 7 bytes\n"
			"bring back p2 Two in Sales/East\n"
			"delete p5 Five\n"
			"restore p4 Four\n"
			"    hidden: \"no\" -> \"yes\"\n"
			"remove unit New/Sub\n"
			"remove unit New\n");
	test_assert_int(revision(s, t), r1);
	test_assert_int(dstore_import_last(s, t, &im, &err), 0);
	test_assert_int(im.undone_rev, 0);

	/* the undo */
	test_assert_int(dstore_begin(s, t, "cli", &err), 0);
	ret = dstore_import_undo(s, t, 0, false, &r, &err);
	test_assert_int(ret, 0);
	if (ret < 0)
		printf("# undo: %s\n%s", err.msg, ob_buf_str(&r.blockers));
	test_assert_int(dstore_commit(s, &r2, &err), 0);
	test_assert_int(r2, r1 + 1);
	test_assert_int(r.deletes, 1);
	test_assert_int(r.restores, 2);
	test_assert_int(r.returns, 1);
	test_assert_int(r.units_removed, 2);
	test_assert_int(r.units_restored, 1);
	for (int i = 0; i < 4; i++)
		test_assert(same_person(s, t, &before[i]));
	test_assert_int(dstore_person_get(s, t, "p5", false, &p, &err),
			OB_E_NOTFOUND);
	test_assert_int(dstore_unit_get(s, t, newu, &un, &err), OB_E_NOTFOUND);
	test_assert_int(dstore_unit_get(s, t, sales, &un, &err), 0);
	test_assert_str(un.path, "Sales");
	dstore_unit_deinit(&un);
	/* what devices get: a device from before the import sees p1, p2
	 * (same person id) and p3 (its unit renamed and back) changed and
	 * nothing of p4 (hidden all along for it) or p5; one from after the
	 * import gets p2 as an add, p4 (hidden again) and p5 as removals */
	test_assert_str(changes(s, t, r0, 0, &ret),
			"modify:p1 modify:p2 modify:p3");
	test_assert_str(changes(s, t, r1, 0, &ret),
			"modify:p1 add:p2 modify:p3 remove:p4 remove:p5");
	test_assert_str(changes(s, t, r1, east, &ret), "add:p1 add:p2");
	/* twice: nothing to undo */
	test_assert_int(dstore_import_undo_check(s, t, &r, &err),
			OB_E_NOTFOUND);
	test_assert(strstr(err.msg, "was undone in revision") != NULL);
	test_assert_int(dstore_import_last(s, t, &im, &err), 0);
	test_assert_int(im.undone_rev, r2);
	/* the other enterprise's import is still there, undoable */
	test_assert_int(dstore_import_undo_check(s, t2, &r, &err), 0);
	test_assert_int(r.import.rev, rb);
	test_assert_int(revision(s, t2), rb);
	for (int i = 0; i < 4; i++)
		dstore_person_deinit(&before[i]);
	dstore_undo_report_deinit(&r);
	ob_buf_deinit(&l.b);
	dstore_close(&s);
	test_end();
}

static void test_undo_refused(void)
{
	struct dstore *s = open_new();
	struct dstore_undo_report r;
	struct dstore_unit un;
	struct ob_err err;
	int64_t t = tenant(s, "acme"), sales, east, r1, now;
	int ret;

	test_begin("undo refused while a later change touches the import's "
		   "people or their units, naming them; a unit it created and "
		   "others use is kept; refused once the history is pruned");
	dstore_undo_report_init(&r);
	dstore_begin(s, t, "cli", &err);
	dstore_unit_ensure_path(s, t, "Sales/East", true, &east, &err);
	dstore_unit_ensure_path(s, t, "Sales", false, &sales, &err);
	put(s, t, "p1", "One", east, false);
	put(s, t, "p2", "Two", east, false);
	put(s, t, "p3", "Three", 0, false);
	dstore_commit(s, NULL, &err);
	import_begin(s, t, "replace");
	put(s, t, "p1", "One Changed", east, false);
	dstore_person_delete(s, t, "p2", &err);
	put(s, t, "p4", "Four", 0, false);
	dstore_commit(s, &r1, &err);
	/* a change of someone else does not block */
	dstore_begin(s, t, "web:bob", &err);
	put(s, t, "p3", "Three Changed", 0, false);
	dstore_commit(s, NULL, &err);
	test_assert_int(dstore_import_undo_check(s, t, &r, &err), 0);
	/* an administrator edits an imported person, renames the unit the
	 * deleted one needs */
	dstore_begin(s, t, "web:alice", &err);
	put(s, t, "p4", "Four Edited", 0, false);
	dstore_commit(s, NULL, &err);
	dstore_begin(s, t, "cli", &err);
	dstore_unit_rename(s, t, sales, "Vertrieb", &err);
	dstore_commit(s, NULL, &err);
	test_assert_int(dstore_import_undo_check(s, t, &r, &err), OB_E_EXISTS);
	test_assert_int(r.n_blockers, 3);
	test_assert(strstr(err.msg, "undo refused: 3 later changes") != NULL);
	test_assert(strstr(ob_buf_str(&r.blockers),
			   "person p4 Four Edited: changed since the import "
			   "by web:alice at ") != NULL);
	/* p1 is in the renamed subtree: its row changed too */
	test_assert(strstr(ob_buf_str(&r.blockers),
			   "person p1 One Changed: changed since the import "
			   "by cli at ") != NULL);
	test_assert(strstr(ob_buf_str(&r.blockers),
			   "unit Sales/East (needed by p1 One and 1 other): "
			   "renamed since the import by cli at ") != NULL);
	test_assert(strstr(ob_buf_str(&r.blockers), ": Sales -> Vertrieb)") !=
		    NULL);
	/* the undo itself refuses and writes nothing */
	dstore_begin(s, t, "cli", &err);
	test_assert_int(dstore_import_undo(s, t, 0, true, &r, &err),
			OB_E_EXISTS);
	dstore_rollback(s);
	test_assert_int(r.n_blockers, 3);
	test_assert_int(r.plan.len, 0);
	/* a unit the import created that someone else uses since is kept;
	 * the rest of the undo runs */
	{
		int64_t x, rk;

		import_begin(s, t, "merge");
		dstore_unit_ensure_path(s, t, "X/Y", true, &x, &err);
		put(s, t, "k1", "Kay", x, false);
		dstore_commit(s, &rk, &err);
		dstore_begin(s, t, "web:bob", &err);
		dstore_unit_ensure_path(s, t, "X", false, &x, &err);
		put(s, t, "k2", "Later", x, false);
		dstore_commit(s, NULL, &err);
		dstore_begin(s, t, "cli", &err);
		test_assert_int(dstore_import_undo(s, t, 0, true, &r, &err), 0);
		test_assert_int(dstore_commit(s, NULL, &err), 0);
		test_assert_str(ob_buf_str(&r.plan),
				"delete k1 Kay\n"
				"remove unit X/Y\n"
				"keep unit X (not empty)\n");
		test_assert_int(r.units_removed, 1);
		test_assert_int(r.units_kept, 1);
		test_assert_int(dstore_unit_get(s, t, x, &un, &err), 0);
		dstore_unit_deinit(&un);
	}
	/* pruned past the import: cannot be checked, so not undone (and
	 * what it kept goes) */
	now = (int64_t)time(NULL);
	dstore_begin(s, t, "cli", &err);
	test_assert_int(dstore_prune(s, t, now + 40 * 86400, NULL, &err), 0);
	dstore_commit(s, NULL, &err);
	ret = dstore_import_undo_check(s, t, &r, &err);
	test_assert_int(ret, OB_E_NOTFOUND);
	test_assert(strstr(err.msg, "nothing to undo: no import is kept") !=
		    NULL);
	dstore_undo_report_deinit(&r);
	dstore_close(&s);
	test_end();
}

/* The SQL functions the store's queries call give, through whichever
 * driver runs, what the store's C computes (db.h ds_fn_*): on SQLite the
 * C itself, on PostgreSQL its SQL and PL/pgSQL twins. */
static void test_sql_functions(void)
{
	static const char *const texts[] = {
		"张三",
		"单雄信",
		"长孙无忌",
		"长江",
		"欧阳修",
		"Anna Li",
		"Müller Anna",
		"李 明",
		"x1y2 z",
		"曾",
		"Dr. 单田芳",
		"𠀀𠀁 a",
		"",
		"+86 10 1234\nmobile\t138-0013",
		"ÀÉ李b",
	};
	static const char *const page[][11] = {
		{"li", "li", "", "李明", "李", "明", NULL, NULL, "li", "ming",
		 NULL},
		{"zs", "zs", "", "张三", "张", "三", NULL, NULL, NULL, NULL,
		 NULL},
		{"1380", "", "1380", "X", NULL, NULL, NULL, NULL, NULL, NULL,
		 "cell\t+86 138 0013\nwork\t010"},
		{"Eng", "eng", "", "Y", NULL, NULL, "Engineer", NULL, NULL,
		 NULL, NULL},
		{"@EX", "", "", "Z", NULL, NULL, NULL, "a@ex.com", NULL, NULL,
		 NULL},
		{"nobody", "nobody", "", "Q", "Q", NULL, "t", "e", "p", NULL,
		 "1"},
		{"Li M", "", "", "Other", "M", "Li", NULL, NULL, NULL, NULL,
		 NULL},
	};
	struct dstore *s = open_new();
	struct ob_err err;
	struct db_stmt *st;

	test_begin("ds_initials, ds_digits and ds_page_match in SQL equal "
		   "the store's C");
	st = ds_stmt(s, "SELECT ds_initials(?1), ds_digits(?1)", &err);
	test_assert(st != NULL);
	for (size_t i = 0; st && i < sizeof(texts) / sizeof(texts[0]); i++) {
		char ini[128], dig[256];
		size_t n = ds_fn_digits(texts[i], strlen(texts[i]), dig);

		dig[n] = '\0';
		ds_fn_initials(texts[i], ini, sizeof(ini));
		db_reset(st);
		db_bind_text(st, 1, texts[i]);
		test_assert_int(db_step(st), DB_ROW);
		test_assert_str(db_column_text(st, 0), ini);
		test_assert_str(db_column_text(st, 1), dig);
	}
	if (st)
		db_reset(st);
	st = ds_stmt(s,
		     "SELECT ds_page_match(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
		     "?10, ?11)",
		     &err);
	test_assert(st != NULL);
	for (size_t i = 0; st && i < sizeof(page) / sizeof(page[0]); i++) {
		for (int k = 0; k < 11; k++)
			if (page[i][k] != NULL)
				db_bind_text(st, k + 1, page[i][k]);
			else
				db_bind_null(st, k + 1);
		test_assert_int(db_step(st), DB_ROW);
		test_assert_int(db_column_int(st, 0),
				ds_fn_page_match(page[i]));
		db_reset(st);
	}
	dstore_close(&s);
	test_end();
}

/* A store whose connection is gone answers OB_E_IO (the server's 503),
 * whatever the call: the server's own backend ended under it. */
static void test_connection_lost(void)
{
	struct dstore_tenant tn;
	struct ob_err err;
	struct dstore *s;
	struct db_stmt *st;
	char sql[64];
	int64_t pid = 0;

	if (!on_pg()) {
		test_skip("a lost connection is OB_E_IO",
			  "PostgreSQL only (SQLite has no connection)");
		return;
	}
	s = open_new();
	test_begin("a lost connection is OB_E_IO, for reads and writes");
	tenant(s, "acme");
	st = ds_stmt(s, "SELECT pg_backend_pid()", &err);
	if (st != NULL && db_step(st) == DB_ROW)
		pid = db_column_int64(st, 0);
	if (st != NULL)
		db_reset(st);
	test_assert(pid > 0);
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%lld, 5000)",
		 (long long)pid);
	test_assert_int(raw_exec(sql), 0);
	test_assert_int(dstore_tenant_find(s, "acme", &tn, &err), OB_E_IO);
	test_assert_int(dstore_tenant_create(s, "other", NULL, NULL, &err),
			OB_E_IO);
	dstore_close(&s);
	test_end();
}

/* The driver itself, on a connection of its own beside the store's. */
static void test_driver_statements(void)
{
	struct dstore *s = open_new();
	struct db_settings set = {.path = dbpath};
	const struct db_driver *drv = &db_sqlite_driver;
	struct db_stmt *st = NULL, *ins = NULL;
	char notice[256];
	struct ob_err err;
	struct db *db = NULL;

#ifdef HAVE_LIBPQ
	if (on_pg())
		drv = &db_pg_driver;
#endif
	set.notice = notice;
	set.notice_size = sizeof(notice);
	test_begin("driver: a kept statement bound NULL, then numbers, "
		   "compares numbers");
	test_assert_int(drv->open(&set, &db, &err), 0);
	test_assert_int(db_prepare(db, "SELECT ?1 > ?2", DB_PREPARE_KEEP, &st),
			0);
	/* NULLs first: the server could only guess the types (text) */
	test_assert_int(db_step(st), DB_ROW);
	test_assert(db_column_null(st, 0));
	for (int i = 0; i < 3; i++) {
		db_reset(st);
		db_bind_int64(st, 1, 9);
		db_bind_int64(st, 2, 10);
		test_assert_int(db_step(st), DB_ROW);
		test_assert_int(db_column_int64(st, 0), 0); /* not "9" > "10" */
		db_reset(st);
		db_bind_int64(st, 1, 11);
		test_assert_int(db_step(st), DB_ROW);
		test_assert_int(db_column_int64(st, 0), 1);
		db_reset(st);
		db_clear_bindings(st);
		db_bind_int64(st, 2, 1);
		test_assert_int(db_step(st), DB_ROW);
		test_assert(db_column_null(st, 0));
	}
	db_finalize(st);
	test_end();

	test_begin("driver: a failed write in a transaction fails alone");
	test_assert_int(
		db_exec(db,
			"CREATE TABLE drv_t (k BIGINT PRIMARY KEY, v TEXT)"),
		0);
	test_assert_int(db_prepare(db, "INSERT INTO drv_t (k, v) VALUES (?, ?)",
				   DB_PREPARE_KEEP, &ins),
			0);
	test_assert_int(db_begin(db), 0);
	for (int k = 1; k <= 3; k++) {
		db_reset(ins);
		db_bind_int64(ins, 1, k == 2 ? 1 : k);
		db_bind_text(ins, 2, "v");
		test_assert_int(db_step(ins), k == 2 ? OB_E_EXISTS : DB_DONE);
		test_assert(db_in_txn(db));
	}
	test_assert_int(db_commit(db), 0);
	test_assert_int(
		db_prepare(db, "SELECT count(*), sum(k) FROM drv_t", 0, &st),
		0);
	test_assert_int(db_step(st), DB_ROW);
	test_assert_int(db_column_int64(st, 0), 2);
	test_assert_int(db_column_int64(st, 1), 4);
	db_finalize(st);
	test_end();

	if (!on_pg()) {
		test_skip("driver: a transaction that wrote many rows "
			  "analyzes the table",
			  "PostgreSQL's planner statistics");
	} else {
		test_begin("driver: a transaction that wrote many rows "
			   "analyzes the table");
		test_assert_int(db_exec(db, "CREATE TABLE drv_u (k BIGINT)"),
				0);
		/* a small one does not (reltuples -1: never analyzed) */
		test_assert_int(db_begin(db), 0);
		for (int k = 0; k < 10; k++) {
			db_reset(ins);
			db_bind_int64(ins, 1, 100 + k);
			test_assert_int(db_step(ins), DB_DONE);
		}
		test_assert_int(db_commit(db), 0);
		test_assert_int(db_prepare(db,
					   "INSERT INTO drv_u (k) SELECT "
					   "generate_series(1, ?)",
					   0, &st),
				0);
		test_assert_int(db_begin(db), 0);
		db_bind_int64(st, 1, 1500);
		test_assert_int(db_step(st), DB_DONE);
		test_assert_int(db_commit(db), 0);
		db_finalize(st);
		test_assert_int(db_prepare(db,
					   "SELECT CAST(reltuples AS BIGINT) "
					   "FROM pg_class WHERE relname = ?",
					   0, &st),
				0);
		db_bind_text(st, 1, "drv_u");
		test_assert_int(db_step(st), DB_ROW);
		test_assert_int(db_column_int64(st, 0), 1500);
		db_reset(st);
		db_bind_text(st, 1, "drv_t");
		test_assert_int(db_step(st), DB_ROW);
		test_assert_int(db_column_int64(st, 0), -1);
		db_finalize(st);
		test_end();
	}
	db_finalize(ins);
	if (db != NULL)
		db->drv->close(db);
	dstore_close(&s);
}

/* advisory locks held on the server (PostgreSQL), seen from s */
static int64_t pg_advisory_held(struct dstore *s)
{
	struct ob_err err;
	struct db_stmt *st = ds_stmt(
		s, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'",
		&err);
	int64_t n = -1;

	if (st != NULL && db_step(st) == DB_ROW)
		n = db_column_int64(st, 0);
	if (st != NULL)
		db_reset(st);
	return n;
}

static void test_device_lock(void)
{
	struct dstore_options o = {0};
	struct dstore *a = open_new(), *b = NULL;
	struct ob_err err;
	uint64_t t0;

	test_begin("one device's requests one at a time, others not blocked");
	options_of(&o);
	test_assert_int(dstore_open(&o, &b, &err), 0);
	test_assert_int(dstore_device_lock(a, "IMEI:1", 100, &err), 0);
	test_assert_int(dstore_device_lock(a, "IMEI:2", 100, &err), OB_E_INVAL);
	t0 = ob_now_ms();
	test_assert_int(dstore_device_lock(b, "IMEI:1", 150, &err), OB_E_BUSY);
	test_assert(ob_now_ms() - t0 >= 140);
	test_assert(strstr(err.msg, "IMEI:1") != NULL);
	if (on_pg())
		test_assert_int(pg_advisory_held(b), 1);
	test_assert_int(dstore_device_lock(b, "IMEI:2", 100, &err), 0);
	dstore_device_unlock(b);
	dstore_device_unlock(a);
	dstore_device_unlock(a); /* none held: a no-op */
	if (on_pg())
		test_assert_int(pg_advisory_held(b), 0);
	test_assert_int(dstore_device_lock(b, "IMEI:1", 100, &err), 0);
	/* closing the store gives the device back */
	dstore_close(&b);
	test_assert_int(dstore_device_lock(a, "IMEI:1", 100, &err), 0);
	dstore_device_unlock(a);
	dstore_close(&a);
	test_end();
}

/* a person with a photo (PNG magic and some bytes); returns the id */
static int64_t put_photo(struct dstore *s, int64_t t, const char *uid,
			 unsigned char last)
{
	unsigned char png[] = {0x89, 'P',  'N',  'G', 0x0d,
			       0x0a, 0x1a, 0x0a, 1,   last};
	struct dstore_person p = {0}, got;
	struct ob_err err;
	int64_t id = 0;

	p.uid = strdup(uid);
	p.display = (char *)uid;
	p.photo = png;
	p.photo_len = sizeof(png);
	dstore_begin(s, t, "test", &err);
	if (dstore_person_put(s, t, &p, NULL, &err) < 0)
		printf("# put %s: %s\n", uid, err.msg);
	dstore_commit(s, NULL, &err);
	free(p.uid);
	if (dstore_person_get(s, t, uid, false, &got, &err) == 0)
		id = got.id;
	dstore_person_deinit(&got);
	return id;
}

static void test_thumbnails(void)
{
	struct dstore *s = open_new();
	int64_t t = tenant(s, "acme"), t2 = tenant(s, "other"), a, b, n = -1;
	struct dstore_thumb_size keep[1] = {{256, 65536}};
	char key[DSTORE_THUMB_KEY_LEN];
	unsigned char *d = NULL;
	size_t len = 99;
	struct ob_err err;

	test_begin("thumbnails: kept per tenant, hash, edge and cap; gone "
		   "with the photo or the person");
	a = put_photo(s, t, "a", 1);
	b = put_photo(s, t, "b", 2);
	test_assert(a > 0 && b > 0);
	test_assert_int(
		dstore_thumb_key((const unsigned char *)"abc", 3, key, &err),
		0);
	test_assert_str(key, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9c"
			     "b410ff61f20015ad");
	test_assert_int(
		dstore_thumb_get(s, t, "k1", 256, 65536, &d, &len, &err),
		OB_E_NOTFOUND);
	test_assert(d == NULL && len == 0);
	test_assert_int(dstore_thumb_put(s, t, a, "k1", 256, 65536,
					 (const unsigned char *)"JPEG1", 5, 100,
					 &err),
			0);
	/* a second fill (another instance) keeps the first */
	test_assert_int(dstore_thumb_put(s, t, a, "k1", 256, 65536,
					 (const unsigned char *)"JPEG2", 5, 101,
					 &err),
			0);
	test_assert_int(
		dstore_thumb_get(s, t, "k1", 256, 65536, &d, &len, &err), 0);
	test_assert_mem(d, len, "JPEG1", 5);
	free(d);
	/* other sizes, another tenant: other rows */
	test_assert_int(
		dstore_thumb_get(s, t, "k1", 128, 65536, &d, &len, &err),
		OB_E_NOTFOUND);
	test_assert_int(
		dstore_thumb_get(s, t, "k1", 256, 32768, &d, &len, &err),
		OB_E_NOTFOUND);
	test_assert_int(
		dstore_thumb_get(s, t2, "k1", 256, 65536, &d, &len, &err),
		OB_E_NOTFOUND);
	/* "none can be made" is kept too */
	test_assert_int(
		dstore_thumb_put(s, t, b, "k2", 256, 65536, NULL, 0, 100, &err),
		0);
	len = 99;
	test_assert_int(
		dstore_thumb_get(s, t, "k2", 256, 65536, &d, &len, &err), 0);
	test_assert(d == NULL && len == 0);
	test_assert_int(dstore_thumb_put(s, t, b, "k3", 128, 1000,
					 (const unsigned char *)"J", 1, 100,
					 &err),
			0);
	/* a's photo changes: its row goes, b's stay */
	put_photo(s, t, "a", 3);
	test_assert_int(
		dstore_thumb_get(s, t, "k1", 256, 65536, &d, &len, &err),
		OB_E_NOTFOUND);
	test_assert_int(
		dstore_thumb_get(s, t, "k2", 256, 65536, &d, &len, &err), 0);
	/* housekeeping: sizes no longer configured */
	test_assert_int(dstore_thumb_prune(s, keep, 1, &n, &err), 0);
	test_assert_int(n, 1);
	test_assert_int(dstore_thumb_get(s, t, "k3", 128, 1000, &d, &len, &err),
			OB_E_NOTFOUND);
	/* b deleted: its rows go with its photo */
	dstore_begin(s, t, "test", &err);
	test_assert_int(dstore_person_delete(s, t, "b", &err), 0);
	dstore_commit(s, NULL, &err);
	test_assert_int(
		dstore_thumb_get(s, t, "k2", 256, 65536, &d, &len, &err),
		OB_E_NOTFOUND);
	test_assert_int(dstore_thumb_prune(s, NULL, 0, &n, &err), 0);
	test_assert_int(n, 0);
	dstore_close(&s);
	test_end();
}

int main(void)
{
#ifndef HAVE_LIBPQ
	if (on_pg()) {
		printf("1..0 # SKIP built without libpq (PostgreSQL)\n");
		return 0;
	}
#endif
	test_revisions();
	test_views();
	test_unit_moves();
	test_unit_list();
	test_validation();
	test_tenant_isolation();
	test_tenant_ldap();
	test_accounts();
	test_account_links();
	test_last_login();
	test_reset_links();
	test_migration_accounts();
	test_search();
	test_sql_functions();
	test_iterate();
	test_web_sessions();
	test_prune();
	test_prune_keeps_live_devices();
	test_sync_state();
	test_device_list();
	test_map_history();
	test_person_past();
	test_audit_names_and_fields();
	test_audit_of_a_person();
	test_undo_import();
	test_undo_refused();
	test_sessions();
	test_migrations();
	test_unit_paths_cjk();
	test_default_phonetic();
	test_file_modes();
	test_concurrent_writers();
	test_busy_commit();
	test_connection_lost();
	test_device_lock();
	test_driver_statements();
	test_thumbnails();
	return test_done();
}
