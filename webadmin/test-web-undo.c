/* Tests for the undo of an import and the audit log on the admin pages,
 * through wa_web_handle on a real store: the Import page shows the last
 * import with its Undo button (or what blocks it, or that it was
 * undone), the button undoes exactly that import in one revision, an
 * administrator of another enterprise can neither see nor undo it, and
 * the audit log names people and lists what a person save changed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dirstore/dirstore.h"
#include "tests/lib/test.h"
#include "import/import.h"
#include "webadmin/web.h"

static struct dstore *store;
static struct wa_web_config cfg;
static int64_t acme, other, now = 1000000;

struct resp {
	struct wa_web_response r;
	const char *body;
};

static void req(struct resp *out, const char *method, const char *path,
		const char *cookie, const char *body)
{
	struct wa_form q = {0};
	struct wa_web_request rq = {0};

	rq.method = method;
	rq.path = path;
	rq.query = &q;
	rq.cookie = cookie;
	rq.host = "admin.example:8081";
	rq.remote_addr = "192.0.2.9";
	rq.content_type = "application/x-www-form-urlencoded";
	rq.body = body ? body : "";
	rq.body_len = body ? strlen(body) : 0;
	rq.now = now;
	wa_web_handle(store, &cfg, &rq, &out->r);
	out->body = ob_buf_str(&out->r.body);
}

static void done(struct resp *r)
{
	wa_web_response_deinit(&r->r);
}

/* Sign in; cookie_r gets "orgbook=TOKEN", csrf_r the form token. */
static void sign_in(const char *login, const char *pw, char cookie_r[128],
		    char csrf_r[65])
{
	struct resp r;
	char body[256];
	const char *c;

	snprintf(body, sizeof(body), "login=%s&password=%s", login, pw);
	req(&r, "POST", "/login", NULL, body);
	cookie_r[0] = csrf_r[0] = '\0';
	if (r.r.status == 303) {
		size_t n = strcspn(r.r.set_cookie, ";");
		if (n > 127)
			n = 127;
		memcpy(cookie_r, r.r.set_cookie, n);
		cookie_r[n] = '\0';
	}
	done(&r);
	req(&r, "GET", "/units", cookie_r, NULL);
	c = strstr(r.body, "name=\"csrf\" value=\"");
	if (c != NULL) {
		memcpy(csrf_r, c + 19, 64);
		csrf_r[64] = '\0';
	}
	done(&r);
}

static int64_t revision(int64_t t)
{
	struct dstore_tenant tt;
	struct ob_err err;

	return dstore_tenant_get(store, t, &tt, &err) == 0 ? tt.revision : -1;
}

static int import_csv(int64_t t, const char *csv, const char *actor)
{
	struct imp_opts o = {0};
	struct imp_report rep;
	struct ob_err err;
	int ret;

	o.actor = actor;
	o.no_photo_files = true;
	imp_report_init(&rep);
	ret = imp_csv_import(store, t, csv, strlen(csv), &o, &rep, &err);
	if (ret != 0)
		printf("# import: %s\n", err.msg);
	imp_report_deinit(&rep);
	return ret;
}

static char *title_of(const char *uid)
{
	struct dstore_person p;
	struct ob_err err;
	char *t;

	if (dstore_person_get(store, acme, uid, false, &p, &err) != 0)
		return strdup("(gone)");
	t = strdup(p.title ? p.title : "");
	dstore_person_deinit(&p);
	return t;
}

static void setup(void)
{
	static const char people[] = "uid,display_name,unit,title\n"
				     "w-1,Wang Yi,Sales,Engineer\n"
				     "w-2,Li Er,Sales,Manager\n";
	char path[4200];
	struct dstore_options o = {0};
	struct ob_err err;
	int64_t id;

	snprintf(path, sizeof(path), "%s/undo.db", test_tmpdir());
	o.path = path;
	o.sync_normal = true;
	if (dstore_open(&o, &store, &err) != 0) {
		printf("# %s\n", err.msg);
		exit(99);
	}
	wa_web_config_defaults(&cfg);
	dstore_tenant_create(store, "acme", "Acme", &acme, &err);
	dstore_tenant_create(store, "other", "Other", &other, &err);
	dstore_account_create(store, acme, "boss@acme", "boss-password",
			      DSTORE_ROLE_ADMIN, &id, &err);
	dstore_account_create(store, other, "boss@other", "other-password",
			      DSTORE_ROLE_ADMIN, &id, &err);
	import_csv(acme, people, "cli");
}

static void test_undo_button(void)
{
	static const char change[] = "uid,display_name,unit,title\n"
				     "w-1,Wang Yi,Sales,Director\n"
				     "w-3,Zhao San,New Unit,Intern\n";
	char cookie[128], csrf[65], ocookie[128], ocsrf[65], body[256];
	char *t;
	const char *b;
	struct resp r;
	int64_t rev;

	test_begin("import page: the last import with an Undo button that "
		   "undoes exactly it in one revision; then shown as undone, "
		   "and a second undo refused");
	sign_in("boss@acme", "boss-password", cookie, csrf);
	sign_in("boss@other", "other-password", ocookie, ocsrf);
	test_assert_int(import_csv(acme, change, "web:boss@acme"), 0);
	rev = revision(acme);
	req(&r, "GET", "/import", cookie, NULL);
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "<h2>Last import</h2><p>merge import of "
				   "revision 2 by web:boss@acme") != NULL);
	test_assert(strstr(r.body, "1 added, 1 changed, 0 deleted, 1 new "
				   "units.") != NULL);
	b = strstr(r.body, "name=\"undo\" value=\"");
	test_assert(b != NULL);
	test_assert(strstr(r.body, "Undo this import</button>") != NULL);
	done(&r);
	/* the other enterprise sees no import and cannot undo this one */
	req(&r, "GET", "/import", ocookie, NULL);
	test_assert(strstr(r.body, "Last import") == NULL);
	test_assert(strstr(r.body, "name=\"undo\"") == NULL);
	done(&r);
	snprintf(body, sizeof(body), "csrf=%s&undo=2", ocsrf);
	req(&r, "POST", "/import/apply", ocookie, body);
	test_assert_int(r.r.status, 409);
	test_assert(strstr(r.body, "nothing to undo") != NULL);
	done(&r);
	test_assert_int(revision(acme), rev);
	t = title_of("w-1");
	test_assert_str(t, "Director");
	free(t);
	/* without the form token: refused, nothing undone */
	req(&r, "POST", "/import/apply", cookie, "undo=2");
	test_assert_int(r.r.status, 403);
	done(&r);
	test_assert_int(revision(acme), rev);
	/* a stale button (another import ran since) is refused */
	snprintf(body, sizeof(body), "csrf=%s&undo=1", csrf);
	req(&r, "POST", "/import/apply", cookie, body);
	test_assert_int(r.r.status, 409);
	test_assert(strstr(r.body, "no longer the one shown") != NULL);
	done(&r);
	test_assert_int(revision(acme), rev);
	/* the button */
	snprintf(body, sizeof(body), "csrf=%s&undo=2", csrf);
	req(&r, "POST", "/import/apply", cookie, body);
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "<h1>Import undone</h1>") != NULL);
	test_assert(strstr(r.body, "<b>1</b> added by it, deleted") != NULL);
	test_assert(strstr(r.body, "<b>1</b> changed by it, restored") != NULL);
	test_assert(strstr(r.body, "<b>1</b> of its units removed") != NULL);
	test_assert(strstr(r.body, "Directory revision 3.") != NULL);
	test_assert(strstr(r.r.log, "admin import undo tenant=") != NULL);
	done(&r);
	test_assert_int(revision(acme), rev + 1);
	t = title_of("w-1");
	test_assert_str(t, "Engineer");
	free(t);
	t = title_of("w-3");
	test_assert_str(t, "(gone)");
	free(t);
	req(&r, "GET", "/import", cookie, NULL);
	test_assert(strstr(r.body, "Undone in revision 3 by web:boss@acme") !=
		    NULL);
	test_assert(strstr(r.body, "name=\"undo\"") == NULL);
	done(&r);
	req(&r, "POST", "/import/apply", cookie, body);
	test_assert_int(r.r.status, 409);
	test_assert(strstr(r.body, "Nothing was changed: nothing to undo: "
				   "the last import (revision 2") != NULL);
	done(&r);
	test_assert_int(revision(acme), rev + 1);
	test_end();
}

static void test_undo_blocked(void)
{
	static const char change[] = "uid,display_name,unit,title\n"
				     "w-1,Wang Yi,Sales,Director\n"
				     "w-2,Li Er,Sales,Chief\n";
	char cookie[128], csrf[65], body[256];
	struct dstore_person p;
	struct dstore_import im;
	struct ob_err err;
	struct resp r;
	int64_t rev;

	test_begin("import page: an import whose person was edited since "
		   "shows what blocks its undo, and the button is refused");
	sign_in("boss@acme", "boss-password", cookie, csrf);
	test_assert_int(import_csv(acme, change, "web:boss@acme"), 0);
	dstore_import_last(store, acme, &im, &err);
	dstore_begin(store, acme, "web:boss@acme", &err);
	dstore_person_get(store, acme, "w-2", true, &p, &err);
	free(p.title);
	p.title = strdup("Edited <b>later</b>");
	test_assert_int(dstore_person_put(store, acme, &p, NULL, &err), 0);
	dstore_person_deinit(&p);
	dstore_commit(store, &rev, &err);
	req(&r, "GET", "/import", cookie, NULL);
	test_assert(strstr(r.body, "It cannot be undone: undo refused: 1 "
				   "later change") != NULL);
	test_assert(strstr(r.body, "<ul class=\"undo-blockers\"><li>person "
				   "w-2 Li Er: changed since the import by "
				   "web:boss@acme at ") != NULL);
	test_assert(strstr(r.body, "name=\"undo\"") == NULL);
	done(&r);
	snprintf(body, sizeof(body), "csrf=%s&undo=%lld", csrf,
		 (long long)im.id);
	req(&r, "POST", "/import/apply", cookie, body);
	test_assert_int(r.r.status, 409);
	test_assert(strstr(r.body, "<h1>Import not undone</h1>") != NULL);
	test_assert(strstr(r.body, "person w-2 Li Er: changed since") != NULL);
	done(&r);
	test_assert_int(revision(acme), rev);
	test_end();
}

static void test_audit_page(void)
{
	char cookie[128], csrf[65], body[512];
	struct resp r;

	test_begin("audit page: names people, lists the fields a person "
		   "save changed, escaped; an import row points to its undo");
	sign_in("boss@acme", "boss-password", cookie, csrf);
	snprintf(body, sizeof(body),
		 "csrf=%s&uid=w-1&display_name=Wang+Yi&title=CTO&phone=%%2B86+"
		 "10+1234+5678&phone_type=cell&email=wang%%40example.cn",
		 csrf);
	req(&r, "POST", "/person/save", cookie, body);
	test_assert_int(r.r.status, 303);
	done(&r);
	req(&r, "GET", "/audit", cookie, NULL);
	test_assert(strstr(r.body, "<a href=\"/person?uid=w-1\">Wang Yi</a> "
				   "<small>w-1</small>") != NULL);
	test_assert(strstr(r.body, "<div>title: &quot;Director&quot; -&gt; "
				   "&quot;CTO&quot;</div>") != NULL);
	test_assert(strstr(r.body, "<div>phone_cell: (empty) -&gt; &quot;+86 "
				   "10 1234 5678&quot;</div>") != NULL);
	test_assert(strstr(r.body,
			   "<div>email: (empty) -&gt; "
			   "&quot;wang@example.cn&quot;</div>") != NULL);
	test_assert(strstr(r.body, "Edited &lt;b&gt;later&lt;/b&gt;") != NULL);
	test_assert(strstr(r.body, "Edited <b>") == NULL);
	test_assert(strstr(r.body, "merge import: 0 added, 2 changed") != NULL);
	test_assert(strstr(r.body, "<a href=\"/import\">Undo on the Import "
				   "page</a>") != NULL);
	test_assert(strstr(r.body, "undo of the merge import of revision 2") !=
		    NULL);
	done(&r);
	test_end();
}

int main(void)
{
	setup();
	test_undo_button();
	test_undo_blocked();
	test_audit_page();
	dstore_close(&store);
	return test_done();
}
