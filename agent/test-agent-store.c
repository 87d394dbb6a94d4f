/* agent/store.c: cards keyed by server id, search by every field,
 * caller ID by suffix, the unit tree, the slow-sync sweep, bad cards. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "agent/store.h"
#include "tests/lib/test.h"

struct collect {
	char text[1024];
	int n;
};

static int collect(const struct agent_person *p, void *ctx)
{
	struct collect *c = ctx;
	size_t n = strlen(c->text);
	snprintf(c->text + n, sizeof(c->text) - n, "%s%s", n ? "," : "",
		 p->guid);
	c->n++;
	return 0;
}

static int collect_unit(const char *name, int64_t count, void *ctx)
{
	struct collect *c = ctx;
	size_t n = strlen(c->text);
	snprintf(c->text + n, sizeof(c->text) - n, "%s%s:%lld", n ? "," : "",
		 name, (long long)count);
	return 0;
}

static const char *search(struct agent_store *s, const char *q)
{
	static struct collect c;
	struct ob_err err;
	memset(&c, 0, sizeof(c));
	if (agent_store_search(s, q, 20, collect, &c, &err) != 0)
		snprintf(c.text, sizeof(c.text), "error: %s", err.msg);
	return c.text;
}

static const char *number(struct agent_store *s, const char *q)
{
	static struct collect c;
	struct ob_err err;
	memset(&c, 0, sizeof(c));
	if (agent_store_lookup_number(s, q, collect, &c, &err) != 0)
		snprintf(c.text, sizeof(c.text), "error %d", err.code);
	return c.text;
}

static void put(struct agent_store *s, const char *guid, const char *card,
		int64_t *luid_r)
{
	struct ob_err err;
	if (agent_store_put(s, guid, card, strlen(card), luid_r, &err) != 0)
		printf("# put %s: %s\n", guid, err.msg);
}

int main(void)
{
	char path[4200];
	struct agent_store *s = NULL;
	struct ob_err err;
	int64_t l1 = 0, l1b = 0, l2 = 0, l3 = 0, n = 0;
	struct collect c;

	snprintf(path, sizeof(path), "%s/agent.db", test_tmpdir());
	test_begin("cards keyed by server id: a second put updates the row");
	test_assert_int(agent_store_open(path, &s, &err), 0);
	agent_store_begin(s, &err);
	put(s, "g1",
	    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:张;三;;;\r\nFN:张三\r\n"
	    "TITLE:销售经理\r\nTEL;TYPE=CELL:+86 139 1234 5678\r\n"
	    "TEL;TYPE=WORK:+86 21 6596 0950 ext 619\r\n"
	    "EMAIL:san.zhang@example.cn\r\nORG:Acme;销售部;华东区\r\n"
	    "CATEGORIES:销售部/华东区\r\nUID:g1\r\nEND:VCARD\r\n",
	    &l1);
	put(s, "g2",
	    "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Smith;Anna\r\nFN:Anna Smith\r\n"
	    "TEL;CELL:+49 170 555 0100\r\nORG:Acme;销售部\r\nEND:VCARD\r\n",
	    &l2);
	put(s, "g3",
	    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:欧阳;娜;;;\r\nFN:欧阳娜\r\n"
	    "X-PHONETIC-LAST-NAME:ouyang\r\nX-PHONETIC-FIRST-NAME:na\r\n"
	    "CATEGORIES:研发中心\r\nEND:VCARD\r\n",
	    &l3);
	put(s, "g1",
	    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:张;三;;;\r\nFN:张三\r\n"
	    "TITLE:销售总监\r\nTEL;TYPE=CELL:+86 139 1234 5678\r\n"
	    "TEL;TYPE=WORK:+86 21 6596 0950 ext 619\r\n"
	    "EMAIL:san.zhang@example.cn\r\nCATEGORIES:销售部/华东区\r\n"
	    "END:VCARD\r\n",
	    &l1b);
	test_assert_int(agent_store_commit(s, &err), 0);
	test_assert_int(l1b, l1);
	agent_store_count(s, &n, &err);
	test_assert_int(n, 3);
	test_end();

	test_begin("search: characters, given name, pinyin, initials, "
		   "title, email, unit");
	test_assert_str(search(s, "张三"), "g1");
	test_assert_str(search(s, "三"), "g1");
	test_assert_str(search(s, "zhangsan"), "g1");
	test_assert_str(search(s, "zs"), "g1");
	test_assert_str(search(s, "zhang"), "g1");
	test_assert_str(search(s, "销售总监"), "g1");
	test_assert_str(search(s, "销售经理"), ""); /* replaced */
	test_assert_str(search(s, "san.zhang"), "g1");
	test_assert_str(search(s, "anna"), "g2");
	test_assert_str(search(s, "ouyang"), "g3");
	test_assert_str(search(s, "oyn"), "g3");
	test_assert_str(search(s, "研发中心"), "g3");
	test_assert_str(search(s, "smith anna"), "g2");
	test_assert_str(search(s, "\"quoted"), "");
	test_end();

	test_begin("caller ID: suffixes, country codes, extensions");
	test_assert_str(number(s, "+86 139 1234 5678"), "g1");
	test_assert_str(number(s, "13912345678"), "g1");
	test_assert_str(number(s, "5678"), "g1");
	test_assert_str(number(s, "021-6596-0950"), "g1");
	test_assert_str(number(s, "0049 170 555 0100"), "g2");
	test_assert_str(number(s, "9999"), "");
	test_assert_str(number(s, "678"), "error -12");
	test_assert_str(search(s, "0100"), "g2"); /* digits: a number */
	test_end();

	test_begin("the unit tree with head counts");
	memset(&c, 0, sizeof(c));
	agent_store_units(s, "", collect_unit, collect, &c, &err);
	test_assert_str(c.text, "研发中心:1,销售部:2");
	memset(&c, 0, sizeof(c));
	agent_store_units(s, "销售部", collect_unit, collect, &c, &err);
	test_assert_str(c.text, "华东区:1,g2");
	test_end();

	test_begin("delete, sweep after a slow sync, bad cards refused");
	agent_store_begin(s, &err);
	test_assert_int(agent_store_delete(s, l2, &err), 0);
	agent_store_mark(s, 100);
	put(s, "g3", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:欧阳娜\r\nEND:VCARD\r\n",
	    NULL);
	int64_t removed = 0;
	test_assert_int(agent_store_sweep(s, 100, &removed, &err), 0);
	test_assert_int(removed, 1); /* g1 was not sent again */
	test_assert_int(agent_store_put(s, "bad", "BEGIN:VCARD\r\nN:x\r\n", 18,
					NULL, &err),
			OB_E_PARSE);
	const char *nocolon = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n"
			      "NO COLON\r\nEND:VCARD\r\n";
	test_assert_int(
		agent_store_put(s, "bad", nocolon, strlen(nocolon), NULL, &err),
		OB_E_PARSE);
	test_assert_int(err.line, 4);
	test_assert(strncmp(err.msg, "line 4", 6) == 0);
	test_assert_int(agent_store_commit(s, &err), 0);
	agent_store_count(s, &n, &err);
	test_assert_int(n, 1);
	test_assert_str(number(s, "5678"), "");
	test_assert_str(search(s, "anna"), "");
	test_assert_str(search(s, "ouyang"), "g3");
	char *card = NULL;
	test_assert_int(agent_store_card(s, "g3", &card, &err), 0);
	test_assert(card != NULL && strstr(card, "FN:欧阳娜") != NULL);
	free(card);
	test_assert_int(agent_store_card(s, "g1", &card, &err), OB_E_NOTFOUND);
	agent_store_close(&s);
	test_end();

	test_begin("a store of an older layout is emptied (anchors too) so the "
		   "next sync rebuilds it; a newer layout is refused");
	char val[64];
	sqlite3 *db;
	test_assert_int(agent_store_open(path, &s, &err), 0);
	test_assert_int(agent_store_set(s, "last", "12345", &err), 0);
	agent_store_close(&s);
	sqlite3_open(path, &db);
	sqlite3_exec(db, "PRAGMA user_version = 0", NULL, NULL, NULL);
	sqlite3_close(db);
	test_assert_int(agent_store_open(path, &s, &err), 0);
	agent_store_count(s, &n, &err);
	test_assert_int(n, 0);
	val[0] = 'x';
	val[1] = '\0';
	agent_store_get(s, "last", val, sizeof(val), &err);
	test_assert_str(val, "");
	put(s, "g4",
	    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nEND:VCARD\r\n", NULL);
	test_assert_str(search(s, "ann"), "g4");
	agent_store_close(&s);
	sqlite3_open(path, &db);
	sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	test_assert_int(agent_store_open(path, &s, &err), OB_E_VERSION);
	test_end();

	test_begin("a setting that cannot be read is an error and \"\", "
		   "never what the buffer held");
	unlink(path);
	test_assert_int(agent_store_open(path, &s, &err), 0);
	sqlite3_open(path, &db);
	test_assert_int(sqlite3_exec(db, "DROP TABLE meta", NULL, NULL, NULL),
			SQLITE_OK);
	sqlite3_close(db);
	memcpy(val, "stale", 6);
	test_assert(agent_store_get(s, "last", val, sizeof(val), &err) != 0);
	test_assert_str(val, "");
	agent_store_close(&s);
	test_end();

	test_begin("a batch's search rows: found before and after the commit, "
		   "gone with a rollback, replaced when a card changes");
	unlink(path);
	test_assert_int(agent_store_open(path, &s, &err), 0);
	test_assert_int(agent_store_begin(s, &err), 0);
	put(s, "b1",
	    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bea Lind\r\nEND:VCARD\r\n", NULL);
	put(s, "b2",
	    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bo Lind\r\nEND:VCARD\r\n", NULL);
	test_assert_str(search(s, "bea"), "b1");
	/* changed within the same batch, then again after the commit */
	put(s, "b1",
	    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cy Lind\r\nEND:VCARD\r\n", NULL);
	test_assert_int(agent_store_commit(s, &err), 0);
	test_assert_str(search(s, "bea"), "");
	test_assert_str(search(s, "cy"), "b1");
	test_assert_int(agent_store_begin(s, &err), 0);
	put(s, "b1",
	    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Di Lind\r\nEND:VCARD\r\n", NULL);
	put(s, "b3",
	    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ed Lind\r\nEND:VCARD\r\n", NULL);
	test_assert_int(agent_store_commit(s, &err), 0);
	test_assert_str(search(s, "cy"), "");
	test_assert_str(search(s, "di"), "b1");
	test_assert_str(search(s, "lind"), "b1,b2,b3");
	test_assert_int(agent_store_begin(s, &err), 0);
	put(s, "b4",
	    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Flo Lind\r\nEND:VCARD\r\n", NULL);
	agent_store_rollback(s);
	test_assert_str(search(s, "flo"), "");
	agent_store_count(s, &n, &err);
	test_assert_int(n, 3);
	agent_store_close(&s);
	test_end();

	test_begin("a new store and its WAL files are 0600 under umask 000");
	snprintf(path, sizeof(path), "%s/modes.db", test_tmpdir());
	mode_t old = umask(0);
	struct stat st;
	test_assert_int(agent_store_open(path, &s, &err), 0);
	test_assert_int(agent_store_begin(s, &err), 0);
	put(s, "m1", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Mo\r\nEND:VCARD\r\n",
	    NULL);
	test_assert_int(agent_store_commit(s, &err), 0);
	const char *const sfx[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		char p[4300];
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		test_assert_int(stat(p, &st), 0);
		test_assert_int(st.st_mode & 07777, 0600);
	}
	agent_store_close(&s);
	umask(old);
	test_end();

	test_begin("a card over a vCard limit: OB_E_LIMIT; keep saves a row "
		   "from the sweep");
	snprintf(path, sizeof(path), "%s/keep.db", test_tmpdir());
	test_assert_int(agent_store_open(path, &s, &err), 0);
	test_assert_int(agent_store_begin(s, &err), 0);
	agent_store_mark(s, 200);
	put(s, "k1", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kai\r\nEND:VCARD\r\n",
	    NULL);
	put(s, "k2", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kim\r\nEND:VCARD\r\n",
	    NULL);
	put(s, "k3", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kit\r\nEND:VCARD\r\n",
	    NULL);
	agent_store_mark(s, 300);
	put(s, "k1", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kai\r\nEND:VCARD\r\n",
	    NULL);
	static char big[2u << 20];
	size_t bl = (size_t)snprintf(
		big, sizeof(big), "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kim\r\n");
	while (bl + 100 < sizeof(big) - 64) {
		memcpy(big + bl, "NOTE:", 5);
		memset(big + bl + 5, 'x', 60);
		memcpy(big + bl + 65, "\r\n", 2);
		bl += 67;
	}
	bl += (size_t)snprintf(big + bl, sizeof(big) - bl, "END:VCARD\r\n");
	test_assert_int(agent_store_put(s, "k2", big, bl, NULL, &err),
			OB_E_LIMIT);
	test_assert_int(agent_store_keep(s, "k2", &err), 0);
	test_assert_int(agent_store_keep(s, "nobody", &err), 0);
	test_assert_int(agent_store_sweep(s, 300, &removed, &err), 0);
	test_assert_int(removed, 1); /* k3; k2 kept as it was */
	test_assert_int(agent_store_commit(s, &err), 0);
	test_assert_str(search(s, "kim"), "k2");
	test_assert_str(search(s, "kit"), "");
	agent_store_close(&s);
	test_end();
	return test_done();
}
