/* Tests for the admin pages without a browser: the form parser, and
 * wa_web_handle on a real store (sign-in, sessions and their expiry, the
 * CSRF and Origin checks, enterprise isolation, escaping, throttling,
 * unit and person actions, import preview and apply, exports; the
 * directory view at 2,400 people: pages, totals, sorts, search and its
 * matched field, bulk actions). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "dircard/export.h"
#include "dirstore/dirstore.h"
#include "tests/lib/test.h"
#include "import/csv.h"
#include "webadmin/export.h"
#include "webadmin/form.h"
#include "import/import.h"
#include "webadmin/web-internal.h"

/* ---- the form parser ----------------------------------------------------- */

static void test_urlencoded(void)
{
	struct wa_form f = {0};
	struct ob_err err;

	test_begin("urlencoded: +, %XX, empty values, repeated names, bad "
		   "escapes refused");
	test_assert_int(wa_form_parse(&f,
				      "application/x-www-form-urlencoded; "
				      "charset=UTF-8",
				      "a=1&b=x+y%21&&c=&c=%E5%BC%A0&d", 30,
				      &err),
			0);
	test_assert_str(wa_form_get(&f, "a"), "1");
	test_assert_str(wa_form_get(&f, "b"), "x y!");
	test_assert_str(wa_form_get(&f, "c"), "");
	test_assert_str(wa_form_get_nth(&f, "c", 1), "张");
	test_assert(wa_form_get_nth(&f, "c", 2) == NULL);
	test_assert_str(wa_form_get(&f, "d"), "");
	test_assert(wa_form_get(&f, "e") == NULL);
	wa_form_deinit(&f);
	test_assert_int(wa_form_parse_urlencoded(&f, "a=%4", 4, &err),
			OB_E_PARSE);
	wa_form_deinit(&f);
	test_assert_int(wa_form_parse_urlencoded(&f, "a=%zz", 5, &err),
			OB_E_PARSE);
	wa_form_deinit(&f);
	/* a NUL in a name is refused; in a value it is kept with its length */
	test_assert_int(wa_form_parse_urlencoded(&f, "a%00=1", 6, &err),
			OB_E_PARSE);
	wa_form_deinit(&f);
	test_assert_int(wa_form_parse_urlencoded(&f, "a=x%00y", 7, &err), 0);
	test_assert_int(f.fields[0].len, 3);
	wa_form_deinit(&f);
	test_assert_int(wa_form_parse(&f, "text/plain", "a=1", 3, &err),
			OB_E_INVAL);
	wa_form_deinit(&f);
	test_end();
}

static void test_multipart(void)
{
	static const char body[] =
		"preamble\r\n"
		"--XyZ\r\n"
		"Content-Disposition: form-data; name=\"csrf\"\r\n\r\n"
		"tok\r\n"
		"--XyZ\r\n"
		"Content-Disposition: form-data; name=\"photo\"; "
		"filename=\"a \\\"b\\\".png\"\r\n"
		"Content-Type: image/png\r\n\r\n"
		"\x89PNG\r\n--XyZnot-a-boundary\0tail\r\n"
		"--XyZ\r\n"
		"Content-Disposition: form-data; name=\"empty\"\r\n\r\n"
		"\r\n"
		"--XyZ--\r\n";
	const struct wa_form_field *p;
	struct wa_form f = {0};
	struct ob_err err;
	char many[WA_FORM_FIELDS_MAX * 4 + 16];
	size_t k = 0;

	test_begin("multipart: fields, a binary file part with CRLF, NUL and "
		   "a boundary-like line, quoted filename; malformed bodies "
		   "refused; field count capped");
	test_assert_int(wa_form_parse(&f, "multipart/form-data; boundary=XyZ",
				      body, sizeof(body) - 1, &err),
			0);
	test_assert_int(f.n, 3);
	test_assert_str(wa_form_get(&f, "csrf"), "tok");
	p = wa_form_field(&f, "photo");
	test_assert(p != NULL);
	if (p != NULL) {
		test_assert_str(p->filename, "a \"b\".png");
		test_assert_str(p->content_type, "image/png");
		test_assert_mem(p->value, p->len,
				"\x89PNG\r\n--XyZnot-a-boundary\0tail", 30);
	}
	test_assert_str(wa_form_get(&f, "empty"), "");
	wa_form_deinit(&f);
	test_assert_int(wa_form_parse(&f, "multipart/form-data", body,
				      sizeof(body) - 1, &err),
			OB_E_PARSE);
	wa_form_deinit(&f);
	/* cut in the middle of a part */
	test_assert_int(wa_form_parse(&f, "multipart/form-data; boundary=XyZ",
				      body, 80, &err),
			OB_E_PARSE);
	wa_form_deinit(&f);
	/* a part without a name */
	test_assert_int(wa_form_parse(&f, "multipart/form-data; boundary=\"q\"",
				      "--q\r\nContent-Type: text/plain\r\n\r\n"
				      "x\r\n--q--\r\n",
				      44, &err),
			OB_E_PARSE);
	wa_form_deinit(&f);
	for (int i = 0; i <= WA_FORM_FIELDS_MAX; i++)
		k += (size_t)snprintf(many + k, sizeof(many) - k, "a=&");
	test_assert_int(wa_form_parse_urlencoded(&f, many, k, &err),
			OB_E_LIMIT);
	wa_form_deinit(&f);
	test_end();
}

/* ---- the pages ------------------------------------------------------------- */

static struct dstore *store;
static struct wa_web_config cfg;
static int64_t acme, other, now = 1000000;
static const char *remote = "192.0.2.7";

struct resp {
	struct wa_web_response r;
	const char *body;
};

/* One request; cookie and form body may be NULL. */
static void req(struct resp *out, const char *method, const char *path,
		const char *query, const char *cookie, const char *body,
		const char *origin)
{
	struct wa_form q = {0};
	struct wa_web_request rq = {0};
	struct ob_err err;

	if (query != NULL)
		(void)wa_form_parse_urlencoded(&q, query, strlen(query), &err);
	rq.method = method;
	rq.path = path;
	rq.query = &q;
	rq.cookie = cookie;
	rq.origin = origin;
	rq.host = "admin.example:8081";
	rq.remote_addr = remote;
	rq.content_type = "application/x-www-form-urlencoded";
	rq.body = body ? body : "";
	rq.body_len = body ? strlen(body) : 0;
	rq.now = now;
	wa_web_handle(store, &cfg, &rq, &out->r);
	out->body = ob_buf_str(&out->r.body);
	wa_form_deinit(&q);
}

static void done(struct resp *r)
{
	wa_web_response_deinit(&r->r);
}

/* Sign in; cookie_r gets "orgbook=TOKEN", csrf_r the session's token. */
static int sign_in(const char *login, const char *pw, char *cookie_r,
		   char *csrf_r)
{
	struct resp r;
	char body[256];
	int status;

	snprintf(body, sizeof(body), "login=%s&password=%s", login, pw);
	req(&r, "POST", "/login", NULL, NULL, body, NULL);
	status = r.r.status;
	cookie_r[0] = csrf_r[0] = '\0';
	if (status == 303) {
		size_t n = strcspn(r.r.set_cookie, ";");
		memcpy(cookie_r, r.r.set_cookie, n);
		cookie_r[n] = '\0';
	}
	done(&r);
	if (status != 303)
		return status;
	req(&r, "GET", "/units", NULL, cookie_r, NULL, NULL);
	const char *c = strstr(r.body, "name=\"csrf\" value=\"");
	if (c != NULL) {
		memcpy(csrf_r, c + 19, 64);
		csrf_r[64] = '\0';
	}
	done(&r);
	return status;
}

static void setup(void)
{
	char path[4200];
	struct dstore_options o = {0};
	struct dstore_person p = {0};
	struct ob_err err;
	int64_t id, unit;

	snprintf(path, sizeof(path), "%s/web.db", test_tmpdir());
	o.path = path;
	o.sync_normal = true;
	if (dstore_open(&o, &store, &err) != 0) {
		printf("# %s\n", err.msg);
		exit(99);
	}
	wa_web_config_defaults(&cfg);
	dstore_tenant_create(store, "acme", "Acme <Corp>", &acme, &err);
	dstore_tenant_create(store, "other", "Other Ltd", &other, &err);
	dstore_account_create(store, acme, "boss@acme", "boss-password",
			      DSTORE_ROLE_ADMIN, &id, &err);
	dstore_account_create(store, acme, "user@acme", "user-password",
			      DSTORE_ROLE_USER, &id, &err);
	dstore_account_create(store, other, "boss@other", "other-password",
			      DSTORE_ROLE_ADMIN, &id, &err);
	dstore_begin(store, acme, "test", &err);
	dstore_unit_add(store, acme, 0, "Sales", 0, &unit, &err);
	p.uid = strdup("a-1");
	p.display = "Ann <b>Bold</b>";
	p.unit_id = unit;
	dstore_person_put(store, acme, &p, NULL, &err);
	free(p.uid);
	dstore_commit(store, NULL, &err);
}

static void test_sign_in(void)
{
	char cookie[128], csrf[65];
	struct resp r;

	test_begin("sign-in: pages need a session, wrong passwords and users "
		   "refused, cookie flags, logout ends the session");
	req(&r, "GET", "/units", NULL, NULL, NULL, NULL);
	test_assert_int(r.r.status, 303);
	test_assert_str(r.r.location, "/login");
	done(&r);
	req(&r, "GET", "/login", NULL, NULL, NULL, NULL);
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "name=\"password\"") != NULL);
	done(&r);
	test_assert_int(sign_in("boss@acme", "wrong-password", cookie, csrf),
			401);
	test_assert_int(sign_in("user@acme", "user-password", cookie, csrf),
			401); /* not an administrator */
	test_assert_int(sign_in("boss@acme", "boss-password", cookie, csrf),
			303);
	test_assert(strncmp(cookie, "orgbook=", 8) == 0);
	test_assert_int((int)strlen(csrf), 64);
	req(&r, "POST", "/login", NULL, NULL,
	    "login=boss@acme&password=boss-password", NULL);
	test_assert(strstr(r.r.set_cookie, "HttpOnly") != NULL);
	test_assert(strstr(r.r.set_cookie, "SameSite=Strict") != NULL);
	test_assert(strstr(r.r.set_cookie, "Secure") == NULL); /* plain */
	test_assert(strstr(r.r.log, "boss-password") == NULL);
	done(&r);
	cfg.secure_cookie = true;
	req(&r, "POST", "/login", NULL, NULL,
	    "login=boss@acme&password=boss-password", NULL);
	test_assert(strncmp(r.r.set_cookie, "__Host-orgbook=", 15) == 0);
	test_assert(strstr(r.r.set_cookie, "; Secure") != NULL);
	done(&r);
	cfg.secure_cookie = false;
	/* the session works, its page names the enterprise (escaped) */
	req(&r, "GET", "/units", NULL, cookie, NULL, NULL);
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "Acme &lt;Corp&gt;") != NULL);
	test_assert(strstr(r.body, "Acme <Corp>") == NULL);
	done(&r);
	/* idle expiry */
	now += cfg.idle_s + 1;
	req(&r, "GET", "/units", NULL, cookie, NULL, NULL);
	test_assert_int(r.r.status, 303);
	done(&r);
	test_assert_int(sign_in("boss@acme", "boss-password", cookie, csrf),
			303);
	/* logout needs the token, then the cookie is dead */
	req(&r, "POST", "/logout", NULL, cookie, "csrf=nope", NULL);
	test_assert_int(r.r.status, 403);
	done(&r);
	char body[128];
	snprintf(body, sizeof(body), "csrf=%s", csrf);
	req(&r, "POST", "/logout", NULL, cookie, body, NULL);
	test_assert_int(r.r.status, 303);
	test_assert(strstr(r.r.set_cookie, "Max-Age=0") != NULL);
	done(&r);
	req(&r, "GET", "/units", NULL, cookie, NULL, NULL);
	test_assert_int(r.r.status, 303);
	done(&r);
	test_end();
}

/* What the HTTP layer asks before it reads a large body. */
static void test_signed_in(void)
{
	char cookie[128], csrf[65], fake[80];

	test_begin("signed in: a live administrator session, nothing else");
	test_assert_int(sign_in("boss@acme", "boss-password", cookie, csrf),
			303);
	test_assert(wa_web_signed_in(store, &cfg, cookie, now));
	/* among other cookies, as browsers send it */
	char many[256];
	snprintf(many, sizeof(many), "theme=dark; %s; lang=zh", cookie);
	test_assert(wa_web_signed_in(store, &cfg, many, now));
	test_assert(!wa_web_signed_in(store, &cfg, NULL, now));
	test_assert(!wa_web_signed_in(store, &cfg, "", now));
	snprintf(fake, sizeof(fake), "orgbook=%064d", 7);
	test_assert(!wa_web_signed_in(store, &cfg, fake, now));
	test_assert(!wa_web_signed_in(store, &cfg, "orgbook=short", now));
	/* the cookie name of HTTPS does not take the plain one */
	cfg.secure_cookie = true;
	test_assert(!wa_web_signed_in(store, &cfg, cookie, now));
	cfg.secure_cookie = false;
	/* idle expiry, as for pages */
	test_assert(
		!wa_web_signed_in(store, &cfg, cookie, now + cfg.idle_s + 61));
	test_end();
}

static void test_connect_page(void)
{
	char cookie[128], csrf[65];
	struct resp r;

	test_begin("connect devices: the sync listener's addresses for "
		   "SyncML, CardDAV books and each phone family, from the "
		   "browser's host name or the public URL");
	test_assert_int(sign_in("boss@acme", "boss-password", cookie, csrf),
			303);
	cfg.sync_port = 8443;
	cfg.sync_tls = true;
	req(&r, "GET", "/connect", NULL, cookie, NULL, NULL);
	test_assert_int(r.r.status, 200);
	/* the admin page's host, the devices' port and scheme */
	test_assert(strstr(r.body, "<code>https://admin.example:8443/sync"
				   "</code>") != NULL);
	test_assert(
		strstr(r.body, "https://admin.example:8443/dav/books/all/") !=
		NULL);
	test_assert(strstr(r.body, "https://admin.example:8443/phonebook/"
				   "yealink.xml") != NULL);
	test_assert(strstr(r.body, "https://admin.example:8443/phonebook/"
				   "grandstream</code>") != NULL);
	/* the top unit's book, escaped path shown, no deeper ones */
	test_assert(strstr(r.body, "/dav/books/u") != NULL);
	test_assert(strstr(r.body, ">Sales</th>") != NULL);
	test_assert(strstr(r.body, "SEP&lt;MAC&gt;.cnf.xml") != NULL);
	done(&r);
	snprintf(cfg.public_url, sizeof(cfg.public_url), "%s",
		 "https://dir.example.com/");
	req(&r, "GET", "/connect", NULL, cookie, NULL, NULL);
	test_assert(
		strstr(r.body, "<code>https://dir.example.com/sync</code>") !=
		NULL);
	test_assert(strstr(r.body, "admin.example") == NULL);
	done(&r);
	cfg.carddav_depth = -1;
	req(&r, "GET", "/connect", NULL, cookie, NULL, NULL);
	test_assert(strstr(r.body, "/dav/") == NULL);
	done(&r);
	wa_web_config_defaults(&cfg);
	/* only for a signed-in administrator */
	req(&r, "GET", "/connect", NULL, NULL, NULL, NULL);
	test_assert(r.r.status == 303 || r.r.status == 401 ||
		    r.r.status == 403);
	done(&r);
	test_end();
}

static void test_csrf_and_isolation(void)
{
	char cookie[128], csrf[65], ocookie[128], ocsrf[65], body[512];
	struct resp r;

	test_begin("CSRF token and Origin checked on every POST; another "
		   "enterprise's people, units and photos are 404");
	test_assert_int(sign_in("boss@acme", "boss-password", cookie, csrf),
			303);
	test_assert_int(sign_in("boss@other", "other-password", ocookie, ocsrf),
			303);
	req(&r, "POST", "/unit/add", NULL, cookie, "parent=0&name=Forged",
	    NULL);
	test_assert_int(r.r.status, 403);
	done(&r);
	snprintf(body, sizeof(body), "csrf=%s&parent=0&name=Forged", ocsrf);
	req(&r, "POST", "/unit/add", NULL, cookie, body, NULL);
	test_assert_int(r.r.status, 403); /* B's token is not A's */
	done(&r);
	snprintf(body, sizeof(body), "csrf=%s&parent=0&name=Forged", csrf);
	req(&r, "POST", "/unit/add", NULL, cookie, body,
	    "https://evil.example");
	test_assert_int(r.r.status, 403);
	done(&r);
	req(&r, "POST", "/unit/add", NULL, cookie, body, "null");
	test_assert_int(r.r.status, 403);
	done(&r);
	req(&r, "POST", "/unit/add", NULL, cookie, body,
	    "https://admin.example:8081");
	test_assert_int(r.r.status, 303);
	done(&r);
	req(&r, "GET", "/units", NULL, cookie, NULL, NULL);
	test_assert(strstr(r.body, ">Forged</a>") != NULL);
	done(&r);
	/* B sees nothing of A */
	req(&r, "GET", "/units", NULL, ocookie, NULL, NULL);
	test_assert(strstr(r.body, "Forged") == NULL);
	test_assert(strstr(r.body, "Sales") == NULL);
	done(&r);
	req(&r, "GET", "/person", "uid=a-1", ocookie, NULL, NULL);
	test_assert_int(r.r.status, 404);
	done(&r);
	req(&r, "GET", "/search", "q=Ann", ocookie, NULL, NULL);
	test_assert(strstr(r.body, "No one matches") != NULL);
	test_assert(strstr(r.body, "Ann &lt;b&gt;") == NULL);
	done(&r);
	snprintf(body, sizeof(body), "csrf=%s&uid=a-1", ocsrf);
	req(&r, "POST", "/person/delete", NULL, ocookie, body, NULL);
	test_assert_int(r.r.status, 404);
	done(&r);
	req(&r, "GET", "/person", "uid=a-1", cookie, NULL, NULL);
	test_assert_int(r.r.status, 200); /* still there */
	/* and its markup is text */
	test_assert(strstr(r.body, "Ann &lt;b&gt;Bold&lt;/b&gt;") != NULL);
	test_assert(strstr(r.body, "<b>Bold") == NULL);
	done(&r);
	/* GET on an action, POST on a page */
	req(&r, "GET", "/unit/add", NULL, cookie, NULL, NULL);
	test_assert_int(r.r.status, 405);
	done(&r);
	req(&r, "DELETE", "/units", NULL, cookie, NULL, NULL);
	test_assert_int(r.r.status, 405);
	done(&r);
	test_end();
}

static void test_actions(void)
{
	char cookie[128], csrf[65], body[1024];
	struct dstore_person p;
	struct ob_err err;
	int64_t rev0, rev1;
	struct dstore_tenant t;
	struct resp r;

	test_begin("person save (validation names the field, nothing "
		   "written), one revision per change, import preview then "
		   "apply, exports handed to the HTTP layer");
	test_assert_int(sign_in("boss@acme", "boss-password", cookie, csrf),
			303);
	dstore_tenant_get(store, acme, &t, &err);
	rev0 = t.revision;
	snprintf(body, sizeof(body),
		 "csrf=%s&family_name=%%E6%%9D%%8E&given_name=%%E9%%9B%%B7"
		 "&email=bad&phone_type=cell&phone=%%2B86+138+0000+1111&unit=0",
		 csrf);
	req(&r, "POST", "/person/save", NULL, cookie, body, NULL);
	test_assert_int(r.r.status, 422);
	test_assert(strstr(r.body, "field-error") != NULL);
	test_assert(strstr(r.body, "is not an email address") != NULL);
	test_assert(strstr(r.body, "value=\"+86 138 0000 1111\"") != NULL);
	done(&r);
	dstore_tenant_get(store, acme, &t, &err);
	test_assert_int(t.revision, rev0);
	snprintf(body, sizeof(body),
		 "csrf=%s&uid=&family_name=%%E6%%9D%%8E&given_name=%%E9%%9B%%B7"
		 "&email=li.lei%%40acme.example&phone_type=cell"
		 "&phone=%%2B86+138+0000+1111&unit=0&hidden=1",
		 csrf);
	req(&r, "POST", "/person/save", NULL, cookie, body, NULL);
	test_assert_int(r.r.status, 303);
	test_assert(strncmp(r.r.location, "/person?uid=", 12) == 0);
	char uid[128] = "";
	sscanf(r.r.location + 12, "%127[^&]", uid);
	done(&r);
	dstore_tenant_get(store, acme, &t, &err);
	rev1 = t.revision;
	test_assert_int(rev1, rev0 + 1);
	test_assert_int(dstore_person_get(store, acme, uid, false, &p, &err),
			0);
	test_assert_str(p.display, "李雷");
	test_assert_str(p.phonetic_family, "li");
	test_assert_str(p.phonetic_given, "lei");
	test_assert(p.hidden);
	test_assert_int(p.n_phones, 1);
	dstore_person_deinit(&p);
	/* the audit trail names the administrator */
	req(&r, "GET", "/audit", NULL, cookie, NULL, NULL);
	test_assert(strstr(r.body, "web:boss@acme") != NULL);
	done(&r);

	/* import: a bad file writes nothing, a good one waits for apply */
	static const char bad_csv[] = "uid,display_name,email\r\n"
				      "i-1,Imp One,one@acme.example\r\n"
				      "i-2,Imp Two,not-an-email\r\n";
	static const char good_csv[] = "uid,display_name,unit\r\n"
				       "i-1,Imp One,Imported\r\n";
	char mp[2048];
	struct wa_web_request rq = {0};
	struct wa_form q = {0};
	rq.method = "POST";
	rq.path = "/import/preview";
	rq.query = &q;
	rq.cookie = cookie;
	rq.remote_addr = remote;
	rq.content_type = "multipart/form-data; boundary=B";
	rq.now = now;
	char upload[32] = "";
	static const char photo_csv[] = "uid,display_name,photo\r\n"
					"i-9,Pho To,photos/a.png\r\n";
	for (int pass = 0; pass < 3; pass++) {
		snprintf(mp, sizeof(mp),
			 "--B\r\nContent-Disposition: form-data; name=\"csrf\""
			 "\r\n\r\n%s\r\n--B\r\nContent-Disposition: form-data;"
			 " name=\"file\"; filename=\"p.csv\"\r\n\r\n%s\r\n"
			 "--B--\r\n",
			 csrf,
			 pass == 2   ? photo_csv
			 : pass == 1 ? good_csv
				     : bad_csv);
		rq.body = mp;
		rq.body_len = strlen(mp);
		wa_web_handle(store, &cfg, &rq, &r.r);
		r.body = ob_buf_str(&r.r.body);
		if (pass == 0) {
			test_assert_int(r.r.status, 422);
			test_assert(strstr(r.body, "line 3") != NULL);
			test_assert(strstr(r.body, "/import/apply") == NULL);
		} else if (pass == 2) {
			/* an upload has no photo files beside it */
			test_assert_int(r.r.status, 422);
			test_assert(strstr(r.body,
					   "photo files cannot be "
					   "read from an upload") != NULL);
			test_assert(strstr(r.body, "/import/apply") == NULL);
		} else {
			test_assert_int(r.r.status, 200);
			test_assert(strstr(r.body, "1</b> to add") != NULL);
			test_assert(strstr(r.body, "/import/apply") != NULL);
			static const char key[] = "name=\"upload\" value=\"";
			const char *u = strstr(r.body, key);
			if (u != NULL)
				sscanf(u + strlen(key), "%31[0-9]", upload);
		}
		done(&r);
		test_assert_int(
			dstore_person_get(store, acme, "i-1", false, &p, &err),
			OB_E_NOTFOUND);
	}
	/* another administrator cannot apply this one's upload */
	char ocookie[128], ocsrf[65];
	test_assert_int(sign_in("boss@other", "other-password", ocookie, ocsrf),
			303);
	test_assert(upload[0] != '\0');
	snprintf(body, sizeof(body), "csrf=%s&upload=%s", ocsrf, upload);
	req(&r, "POST", "/import/apply", NULL, ocookie, body, NULL);
	test_assert_int(r.r.status, 410);
	done(&r);
	snprintf(body, sizeof(body), "csrf=%s&upload=%s", csrf, upload);
	req(&r, "POST", "/import/apply", NULL, cookie, body, NULL);
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "1</b> added") != NULL);
	done(&r);
	test_assert_int(dstore_person_get(store, acme, "i-1", false, &p, &err),
			0);
	test_assert_str(p.unit_path, "Imported");
	dstore_person_deinit(&p);
	req(&r, "POST", "/import/apply", NULL, cookie, body, NULL);
	test_assert_int(r.r.status, 410); /* applied once only */
	done(&r);

	/* exports are streamed by the HTTP layer */
	req(&r, "GET", "/export/file", "format=csv", cookie, NULL, NULL);
	test_assert_int(r.r.stream, WA_STREAM_CSV);
	test_assert_int(r.r.tenant_id, acme);
	test_assert(strstr(r.r.disposition, "acme.csv") != NULL);
	done(&r);
	req(&r, "GET", "/export/file", "format=json&unit=0", cookie, NULL,
	    NULL);
	test_assert_int(r.r.status, 200);
	test_assert_int(r.r.stream, WA_STREAM_JSON);
	test_assert(strstr(r.r.content_type, "application/json") != NULL);
	test_assert(strstr(r.r.disposition, "acme.json") != NULL);
	done(&r);
	req(&r, "GET", "/export/file", "format=xml", cookie, NULL, NULL);
	test_assert_int(r.r.status, 400);
	test_assert_int(r.r.stream, WA_STREAM_NONE);
	done(&r);
	req(&r, "GET", "/export/file", "format=vcf21&unit=999", cookie, NULL,
	    NULL);
	test_assert_int(r.r.status, 404);
	test_assert_int(r.r.stream, WA_STREAM_NONE);
	done(&r);
	req(&r, "GET", "/export/file", "format=vcf21", cookie, NULL, NULL);
	test_assert_int(r.r.stream, WA_STREAM_VCF);
	test_assert_int(r.r.version, VCARD_V21);
	done(&r);
	req(&r, "GET", "/static/admin.js", NULL, NULL, NULL, NULL);
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.r.content_type, "javascript") != NULL);
	done(&r);
	test_end();
}

/* POST /import/preview with one file of len bytes (NULs and all) read in
 * the given encoding. */
static void upload_at(struct resp *r, const char *path, const char *cookie,
		      const char *csrf, const char *filename, const char *data,
		      size_t len, const char *encoding)
{
	struct wa_web_request rq = {0};
	struct wa_form q = {0};
	static char mp[1u << 20];
	size_t k;

	k = (size_t)snprintf(mp, sizeof(mp),
			     "--B\r\nContent-Disposition: form-data; "
			     "name=\"csrf\"\r\n\r\n%s\r\n--B\r\n"
			     "Content-Disposition: form-data; "
			     "name=\"encoding\"\r\n\r\n%s\r\n--B\r\n"
			     "Content-Disposition: form-data; name=\"file\"; "
			     "filename=\"%s\"\r\n\r\n",
			     csrf, encoding, filename);
	if (k + len + 16 > sizeof(mp))
		abort();
	memcpy(mp + k, data, len);
	k += len;
	k += (size_t)snprintf(mp + k, sizeof(mp) - k, "\r\n--B--\r\n");
	rq.method = "POST";
	rq.path = path;
	rq.query = &q;
	rq.cookie = cookie;
	rq.remote_addr = remote;
	rq.content_type = "multipart/form-data; boundary=B";
	rq.body = mp;
	rq.body_len = k;
	rq.now = now;
	wa_web_handle(store, &cfg, &rq, &r->r);
	r->body = ob_buf_str(&r->r.body);
}

static void upload(struct resp *r, const char *cookie, const char *csrf,
		   const char *filename, const char *data, size_t len,
		   const char *encoding)
{
	upload_at(r, "/import/preview", cookie, csrf, filename, data, len,
		  encoding);
}

static void test_import_reasons(void)
{
	/* a NUL or a byte that is not UTF-8 in line 3's display_name */
	static const char nul_csv[] = "uid,display_name,title\n"
				      "r-1,Ann,Boss\n"
				      "r-2,B\0b,X\n";
	static const char ff_csv[] = "uid,display_name,title\n"
				     "r-1,Ann,Boss\n"
				     "r-2,B\xff"
				     "b,X\n";
	static const char *const li[] = {
		"<li>line 3, column 2 (display_name): NUL byte in the "
		"input</li>",
		"<li>line 3, column 2 (display_name): invalid UTF-8 at byte 42 "
		"(use --encoding gb18030 for GB18030/GBK files)</li>",
		"<li>line 3, column 2 (display_name): byte 42 is neither UTF-8 "
		"nor GB18030</li>",
	};
	char cookie[128], csrf[65];
	struct dstore_person p;
	struct ob_err err;
	struct resp r;

	test_begin("import preview of a file with a NUL or a byte that is not "
		   "UTF-8 gives the reason with line and column, as "
		   "orgbook-admin does; an empty file says it is empty");
	test_assert_int(sign_in("boss@acme", "boss-password", cookie, csrf),
			303);
	for (int i = 0; i < 3; i++) {
		upload(&r, cookie, csrf, "p.csv", i == 0 ? nul_csv : ff_csv,
		       (i == 0 ? sizeof(nul_csv) : sizeof(ff_csv)) - 1,
		       i == 1 ? "utf-8" : "auto");
		test_assert_int(r.r.status, 422);
		test_assert(strstr(r.body,
				   "<p class=\"error\" role=\"alert\">"
				   "1 bad row: nothing was applied.") != NULL);
		test_assert(strstr(r.body, li[i]) != NULL);
		test_assert(strstr(r.body, "/import/apply") == NULL);
		if (strstr(r.body, li[i]) == NULL)
			printf("# %s\n", strstr(r.body, "<h1>"));
		done(&r);
	}
	upload(&r, cookie, csrf, "empty.csv", "\r\n\r\n", 4, "auto");
	test_assert_int(r.r.status, 422);
	test_assert(strstr(r.body, "<p class=\"error\" role=\"alert\">Nothing "
				   "was applied: the file is empty (no header "
				   "line). Fix the file and import it "
				   "again.</p>") != NULL);
	test_assert(strstr(r.body, "0 bad rows") == NULL);
	done(&r);
	test_assert_int(dstore_person_get(store, acme, "r-1", false, &p, &err),
			OB_E_NOTFOUND);
	test_end();
}

static int to_buf(const char *data, size_t len, void *ctx);

/* The web import takes JSON as the JSON export writes it: chosen in the
 * form, by the file's name, or by its first byte '{' (after a byte order
 * mark and white space) whatever the name; applied, the person is there;
 * the JSON export of the enterprise imports back with nothing to do. */
static void test_import_json(void)
{
	static const char doc[] =
		"{\"units\": [\"JSON/Sub\"], \"people\": [{\"uid\": \"j-1\", "
		"\"family_name\": \"王\", \"given_name\": \"五\", \"unit\": "
		"\"JSON/Sub\", \"phone_cell\": [\"+86 139 0000 0009\"]}]}\n";
	static const char sniffed[] =
		"\xEF\xBB\xBF \r\n{\"people\": [{\"uid\": "
		"\"j-2\", \"display_name\": \"Jo\"}]}";
	char cookie[128], csrf[65], up_id[32] = "", body[256];
	struct dstore_person p;
	struct ob_buf out;
	struct ob_err err;
	struct resp r;

	test_begin("web import of JSON: by name or by its first byte, applied "
		   "as a preview showed it; the JSON export imports back "
		   "changing nothing");
	test_assert_int(sign_in("boss@acme", "boss-password", cookie, csrf),
			303);
	upload(&r, cookie, csrf, "people.json", doc, sizeof(doc) - 1, "auto");
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "add j-1 王五 in JSON/Sub") != NULL);
	test_assert(strstr(r.body, "1</b> to add") != NULL);
	static const char key[] = "name=\"upload\" value=\"";
	const char *u = strstr(r.body, key);
	test_assert(u != NULL);
	for (size_t i = 0;
	     u != NULL && i + 1 < sizeof(up_id) && u[strlen(key) + i] >= '0' &&
	     u[strlen(key) + i] <= '9';
	     i++)
		up_id[i] = u[strlen(key) + i];
	done(&r);
	upload(&r, cookie, csrf, "people.txt", sniffed, sizeof(sniffed) - 1,
	       "auto");
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "add j-2 Jo") != NULL);
	done(&r);
	snprintf(body, sizeof(body), "csrf=%s&upload=%s", csrf, up_id);
	req(&r, "POST", "/import/apply", NULL, cookie, body, NULL);
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "1</b> added") != NULL);
	done(&r);
	test_assert_int(dstore_person_get(store, acme, "j-1", false, &p, &err),
			0);
	test_assert_str(p.unit_path, "JSON/Sub");
	test_assert_int((long long)p.n_phones, 1);
	dstore_person_deinit(&p);
	ob_buf_init(&out, 64u << 20);
	test_assert_int(
		wa_export_json(store, acme, 0, to_buf, &out, NULL, &err), 0);
	upload(&r, cookie, csrf, "acme.json", ob_buf_str(&out), out.len,
	       "auto");
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "<b>0</b> to add") != NULL);
	test_assert(strstr(r.body, "<b>0</b> to change") != NULL);
	test_assert(strstr(r.body, "<b>0</b> to delete") != NULL);
	done(&r);
	ob_buf_deinit(&out);
	test_end();
}

/* ---- the CSV export's formula guard --------------------------------------- */

static int to_buf(const char *data, size_t len, void *ctx)
{
	return ob_buf_add(ctx, data, len) < 0 ? OB_E_NOMEM : 0;
}

static char *cat(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 1;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s%s", a, b);
	return p;
}

#define SAME(f) test_assert_str(b->f ? b->f : "", a->f ? a->f : "")

static void same_person(const struct dstore_person *a,
			const struct dstore_person *b)
{
	SAME(uid);
	SAME(family);
	SAME(given);
	SAME(display);
	SAME(phonetic_family);
	SAME(phonetic_given);
	SAME(title);
	SAME(street);
	SAME(locality);
	SAME(region);
	SAME(postcode);
	SAME(country);
	SAME(note);
	SAME(unit_path);
	test_assert_int(b->hidden, a->hidden);
	test_assert_int(b->n_phones, a->n_phones);
	for (size_t i = 0; i < a->n_phones && i < b->n_phones; i++) {
		SAME(phones[i].type);
		SAME(phones[i].number);
	}
	test_assert_int(b->n_emails, a->n_emails);
	for (size_t i = 0; i < a->n_emails && i < b->n_emails; i++)
		SAME(emails[i]);
}

#undef SAME

/* May a cell start as it does? '+' or '-' only before a digit and with
 * nothing but phone characters after it (the alphabets below use '1',
 * 'x', '+' and '-' of them; csv.h). */
static bool cell_start_ok(const char *cell)
{
	if (cell[0] == '\0' || strchr("=+-@\t\r", cell[0]) == NULL)
		return true;
	if ((cell[0] != '+' && cell[0] != '-') || cell[1] < '0' ||
	    cell[1] > '9')
		return false;
	return strspn(cell, "0123456789+-() ./#*,;|xX") == strlen(cell);
}

static void test_formula_guard_pairs(void)
{
	static const char alphabet[] = "'=+-@\t1x";
	const size_t k = sizeof(alphabet) - 1;
	char v[8], cell[16];
	size_t tried = 0;

	test_begin("formula guard: for every string of up to 5 characters "
		   "from ' = + - @ TAB 1 x, the written cell never starts with "
		   "a formula character (but for a sign before a digit in a "
		   "number) and reads back as the value");
	for (size_t len = 0; len <= 5; len++) {
		size_t total = 1;

		for (size_t i = 0; i < len; i++)
			total *= k;
		for (size_t code = 0; code < total; code++) {
			size_t c = code;

			for (size_t i = 0; i < len; i++, c /= k)
				v[i] = alphabet[c % k];
			v[len] = '\0';
			snprintf(cell, sizeof(cell), "%s%s",
				 imp_csv_formula_guarded(v) ? "'" : "", v);
			if (!cell_start_ok(cell))
				test_fail(__FILE__, __LINE__,
					  "cell starts with a formula "
					  "character: [%s]",
					  cell);
			(void)imp_csv_formula_unguard(cell);
			if (strcmp(cell, v) != 0)
				test_fail(__FILE__, __LINE__,
					  "[%s] read back as [%s]", v, cell);
			tried++;
		}
	}
	test_assert_int(tried, 1 + 8 + 64 + 512 + 4096 + 32768);
	/* the issue's rule: '=' and '@' always, '+' and '-' before anything
	 * but a digit; a sign and a digit stay only in a number or phone */
	test_assert(imp_csv_formula_guarded("=HYPERLINK(\"http://x\",\"y\")"));
	test_assert(imp_csv_formula_guarded("@SUM(1)"));
	test_assert(imp_csv_formula_guarded("+x"));
	test_assert(imp_csv_formula_guarded("-cmd"));
	test_assert(imp_csv_formula_guarded("+"));
	test_assert(imp_csv_formula_guarded("- 5"));
	test_assert(!imp_csv_formula_guarded("+86 139 1234 5678"));
	test_assert(!imp_csv_formula_guarded("+8613912345678"));
	test_assert(!imp_csv_formula_guarded("+86 21 6879 2181 ext 396"));
	test_assert(!imp_csv_formula_guarded("+1-202-555-0100|+1 (202) 555"));
	test_assert(!imp_csv_formula_guarded("-5"));
	test_assert(imp_csv_formula_guarded("-1+HYPERLINK(\"http://x\")"));
	test_assert(imp_csv_formula_guarded("+1+T(1)"));
	test_assert(imp_csv_formula_guarded("'+86 139"));
	/* an export written before the rule ("'+86 ...") reads as before */
	snprintf(cell, sizeof(cell), "'+86 139");
	test_assert(imp_csv_formula_unguard(cell));
	test_assert_str(cell, "+86 139");
	/* exactly one apostrophe comes off, and only before a formula
	 * character */
	snprintf(cell, sizeof(cell), "''=x");
	test_assert(imp_csv_formula_unguard(cell));
	test_assert_str(cell, "'=x");
	snprintf(cell, sizeof(cell), "'x");
	test_assert(!imp_csv_formula_unguard(cell));
	test_assert_str(cell, "'x");
	snprintf(cell, sizeof(cell), "'");
	test_assert(!imp_csv_formula_unguard(cell));
	test_assert_str(cell, "'");
	test_assert(!imp_csv_formula_guarded("x=1"));
	test_assert(imp_csv_formula_guarded("\rx"));
	test_end();
}

static void test_csv_formula_guard(void)
{
	static const char lead[] = "=+-@";
	static const char *const uids[] = {"g-eq",  "g-plus", "g-minus",
					   "g-at",  "g-tab",  "g-quote",
					   "=g-uid"};
	const size_t n_people = sizeof(uids) / sizeof(uids[0]);
	struct dstore_person p;
	struct imp_opts o = {0};
	struct imp_report rep;
	struct imp_csv *csv = NULL;
	struct ob_buf out;
	struct ob_err err;
	int64_t g = 0, copy = 0, unit;
	size_t count = 0, cells = 0, guarded = 0;
	char **f, c[2] = "";
	size_t nf;
	long line;
	int r;

	test_begin("CSV export: no cell starts with =, +, -, @, TAB or CR "
		   "(the guard's apostrophe instead), and the export imports "
		   "into another enterprise field for field, a title that "
		   "really begins with '= included");
	test_assert_int(dstore_tenant_create(store, "guard", "Guard", &g, &err),
			0);
	test_assert_int(dstore_tenant_create(store, "guardcopy", "Guard copy",
					     &copy, &err),
			0);
	test_assert_int(dstore_begin(store, g, "test", &err), 0);
	for (size_t i = 0; i < n_people; i++) {
		/* in the CSV's column order (work, cell, home, fax): the
		 * columns keep the order within a type, not across types */
		struct dstore_phone ph[3] = {
			{"work", "+1-202-555-0100"},
			{"cell", "+86 139 1234 5678"},
			{"fax", "-123 456"},
		};
		char *mail = NULL;

		memset(&p, 0, sizeof(p));
		c[0] = lead[i % 4];
		p.uid = strdup(uids[i]);
		if (i < 4) {
			/* every text field starts with the character */
			p.display = cat(c, "cmd|' /C calc'!A0");
			p.family = cat(c, "Family");
			p.given = cat(c, "Given");
			p.phonetic_family = cat(c, "family");
			p.phonetic_given = cat(c, "given");
			p.title = cat(c, "1+1");
			p.note = cat(c, "HYPERLINK(\"http://evil.example/\","
					"\"click\")\nsecond line");
			p.street = cat(c, "Street 1");
			p.locality = cat(c, "City");
			p.region = cat(c, "Region");
			p.postcode = cat(c, "12345");
			p.country = cat(c, "Country");
			/* an email cannot start with '@' */
			mail = cat(i == 3 ? "at" : c, "mail@evil.example");
			p.hidden = i == 1;
			test_assert_int(dstore_unit_ensure_path(
						store, g,
						i == 0 ? "=Unit/-Sub" : "@Unit",
						true, &unit, &err),
					0);
			p.unit_id = unit;
		} else if (i == 4) {
			p.display = strdup("Tab Note");
			p.note = strdup("\t=1+1 after a TAB");
			mail = strdup("tab@example.com");
		} else if (i == 5) {
			/* values that really begin with apostrophes */
			p.display = strdup("'@home");
			p.title = strdup("'=SUM(A1:A9)");
			p.note = strdup("''+1 and 'quoted'");
			p.given = strdup("'");
			p.family = strdup("O'Brien");
		} else {
			p.display = strdup("Uid Starts With Equals");
		}
		p.phones = ph;
		p.n_phones = i < 6 ? 3 : 0;
		p.emails = &mail;
		p.n_emails = mail != NULL;
		test_assert_int(dstore_person_put(store, g, &p, NULL, &err), 0);
		p.phones = NULL;
		p.n_phones = 0;
		p.emails = NULL;
		p.n_emails = 0;
		free(mail);
		dstore_person_deinit(&p);
	}
	test_assert_int(dstore_commit(store, NULL, &err), 0);

	ob_buf_init(&out, 1 << 20);
	test_assert_int(wa_export_csv(store, g, 0, to_buf, &out, &count, &err),
			0);
	test_assert_int(count, n_people);
	/* every cell as a spreadsheet reads it */
	test_assert_int(
		imp_csv_open(out.data, out.len, IMP_ENC_UTF8, NULL, &csv, &err),
		0);
	test_assert_int(imp_csv_next(csv, &f, &nf, &line, &err), 1);
	while ((r = imp_csv_next(csv, &f, &nf, &line, &err)) == 1) {
		for (size_t i = 0; i < nf; i++) {
			cells++;
			guarded += f[i][0] == '\'';
			if (!cell_start_ok(f[i]))
				test_fail(__FILE__, __LINE__,
					  "line %ld, column %zu starts with a "
					  "formula character: %s",
					  line, i + 1, f[i]);
		}
	}
	test_assert_int(r, 0);
	test_assert_int(cells, n_people * 20);
	test_assert(guarded > 50);
	imp_csv_free(&csv);
	/* the guard as written: quoted fields keep it inside the quotes */
	test_assert(strstr(ob_buf_str(&out),
			   ",\"'=HYPERLINK(\"\"http://evil.example/\"\","
			   "\"\"click\"\")\nsecond line\",") != NULL);
	test_assert(strstr(ob_buf_str(&out), ",+86 139 1234 5678,") != NULL);
	test_assert(strstr(ob_buf_str(&out), ",+1-202-555-0100,") != NULL);
	test_assert(strstr(ob_buf_str(&out), ",-123 456,") != NULL);
	test_assert(strstr(ob_buf_str(&out), ",+1+1,") != NULL);
	test_assert(strstr(ob_buf_str(&out), ",'+Family,") != NULL);
	test_assert(strstr(ob_buf_str(&out), ",'-Family,") != NULL);
	test_assert(strstr(ob_buf_str(&out), ",''=SUM(A1:A9),") != NULL);
	test_assert(strstr(ob_buf_str(&out), "\r\n'=g-uid,") != NULL);
	test_assert(strstr(ob_buf_str(&out), ",'=Unit/-Sub,") != NULL);
	test_assert(strstr(ob_buf_str(&out), ",\"'\t=1+1 after a TAB\"") ==
		    NULL); /* no quotes needed */
	test_assert(strstr(ob_buf_str(&out), ",'\t=1+1 after a TAB,") != NULL);

	/* imported elsewhere: the same people, field for field */
	o.actor = "test";
	imp_report_init(&rep);
	test_assert_int(
		imp_csv_import(store, copy, out.data, out.len, &o, &rep, &err),
		0);
	test_assert_int(rep.adds, n_people);
	test_assert_int(rep.bad_rows, 0);
	if (rep.bad_rows)
		printf("# %s", ob_buf_str(&rep.errors));
	imp_report_deinit(&rep);
	for (size_t i = 0; i < n_people; i++) {
		struct dstore_person q;

		test_assert_int(
			dstore_person_get(store, g, uids[i], false, &p, &err),
			0);
		test_assert_int(dstore_person_get(store, copy, uids[i], false,
						  &q, &err),
				0);
		same_person(&p, &q);
		dstore_person_deinit(&p);
		dstore_person_deinit(&q);
	}
	test_assert_int(
		dstore_person_get(store, copy, "g-quote", false, &p, &err), 0);
	test_assert_str(p.title, "'=SUM(A1:A9)");
	test_assert_str(p.note, "''+1 and 'quoted'");
	dstore_person_deinit(&p);
	/* and once more changes nothing */
	imp_report_init(&rep);
	test_assert_int(
		imp_csv_import(store, copy, out.data, out.len, &o, &rep, &err),
		0);
	test_assert_int(rep.unchanged, n_people);
	imp_report_deinit(&rep);
	ob_buf_deinit(&out);
	test_end();
}

/* Export fmt ("csv", "json" or a vCard version) of tenant t and import
 * it back; the report's counts. */
static void export_import(int64_t t, const char *fmt, struct imp_report *rep)
{
	struct dcard_export_opts eo = {.version = VCARD_V30, .photos = true};
	struct imp_opts o = {.actor = "test"};
	struct ob_buf out;
	struct ob_err err;
	size_t count = 0;
	int ret;

	ob_buf_init(&out, 1 << 20);
	if (strcmp(fmt, "csv") == 0)
		ret = wa_export_csv(store, t, 0, to_buf, &out, &count, &err);
	else if (strcmp(fmt, "json") == 0)
		ret = wa_export_json(store, t, 0, to_buf, &out, &count, &err);
	else
		ret = dcard_export_vcf(store, t, &eo, to_buf, &out, &count,
				       &err);
	test_assert_int(ret, 0);
	test_assert_int(count, 1);
	imp_report_init(rep);
	ret = strcmp(fmt, "csv") == 0 ? imp_csv_import(store, t, out.data,
						       out.len, &o, rep, &err)
	      : strcmp(fmt, "json") == 0
		      ? imp_json_import(store, t, out.data, out.len, &o, rep,
					&err)
		      : imp_vcf_import(store, t, out.data, out.len, &o, rep,
				       &err);
	test_assert_int(ret, 0);
	if (rep->changes)
		printf("# %s:\n%s", fmt, ob_buf_str(&rep->plan));
	ob_buf_deinit(&out);
}

static void test_export_roundtrip_phones(void)
{
	static const char *const fmts[] = {"csv", "json", "vcf30"};
	struct dstore_phone ph[5] = {
		{"work", "+86 21 6879 2181 ext 396"},
		{"cell", "+86 139 1234 5678 "}, /* as a form may store it */
		{"work", "+86 21 6879 2182"},
		{"home", "+86 28 1234 5678"},
		{"cell", "+86 150 0000 0002"},
	};
	struct dstore_person p = {0}, q;
	struct imp_report rep;
	struct ob_err err;
	int64_t t = 0, rev;

	test_begin("export and re-import: phones of several types in any "
		   "order (work, cell, work) and a number with a space at its "
		   "end are kept as they are, in every format");
	test_assert_int(
		dstore_tenant_create(store, "phones", "Phones", &t, &err), 0);
	p.uid = strdup("ph-1");
	p.family = strdup("王");
	p.given = strdup("芳");
	p.phones = ph;
	p.n_phones = 5;
	test_assert_int(dstore_begin(store, t, "test", &err), 0);
	test_assert_int(dstore_person_put(store, t, &p, NULL, &err), 0);
	test_assert_int(dstore_commit(store, &rev, &err), 0);
	p.phones = NULL;
	p.n_phones = 0;
	dstore_person_deinit(&p);
	for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
		export_import(t, fmts[f], &rep);
		test_assert_int(rep.changes, 0);
		test_assert_int(rep.unchanged, 1);
		imp_report_deinit(&rep);
	}
	test_assert_int(dstore_person_get(store, t, "ph-1", false, &q, &err),
			0);
	test_assert_int(q.rev, rev);
	test_assert_int(q.n_phones, 5);
	for (size_t i = 0; i < 5 && i < q.n_phones; i++) {
		test_assert_str(q.phones[i].type, ph[i].type);
		test_assert_str(q.phones[i].number, ph[i].number);
	}
	dstore_person_deinit(&q);
	test_end();
}

static int count_event(const struct dstore_account_event *e, void *ctx)
{
	char *text = ctx;
	size_t n = strlen(text);

	snprintf(text + n, 1024 - n, "%s%s:%s:%s", n ? " " : "", e->actor,
		 e->op, e->login);
	return 0;
}

static void test_account_activity(void)
{
	char cookie[128], csrf[65], body[512], events[1024] = "";
	struct ob_err err;
	struct resp r;

	test_begin("account activity: creations, disabling, passwords and "
		   "sign-ins are recorded and listed, newest first");
	test_assert_int(sign_in("boss@acme", "boss-password", cookie, csrf),
			303);
	snprintf(body, sizeof(body),
		 "csrf=%s&login=new%%40acme&password=new-password&role=user",
		 csrf);
	req(&r, "POST", "/account/add", NULL, cookie, body, NULL);
	test_assert_int(r.r.status, 303);
	done(&r);
	test_assert_int(dstore_account_log_recent(store, acme, 3, count_event,
						  events, &err),
			0);
	test_assert_str(events, "web:boss@acme:create:new@acme "
				"web:sign-in:boss@acme "
				"web:sign-in:boss@acme");
	req(&r, "GET", "/accounts", NULL, cookie, NULL, NULL);
	test_assert(strstr(r.body, "Recent account activity") != NULL);
	test_assert(strstr(r.body, "<td>create</td><td>new@acme</td>") != NULL);
	done(&r);
	/* the other enterprise sees none of it */
	events[0] = '\0';
	dstore_account_log_recent(store, other, 0, count_event, events, &err);
	test_assert(strstr(events, "acme") == NULL);
	test_end();
}

/* ---- account links, last sign-in, reset links ---------------------------- */

static void test_account_link_pages(void)
{
	char cookie[128], csrf[65], body[512], events[1024] = "";
	struct dstore_account a;
	struct dstore_person p = {0};
	struct ob_err err;
	struct resp r;
	int64_t uid_acct;

	test_begin("account links on the web: the list names the person "
		   "(a link to it), link by uid with errors naming it, "
		   "unlink, cleared when the person is deleted");
	dstore_begin(store, other, "test", &err);
	p.uid = strdup("o-1");
	p.display = "Other Person";
	dstore_person_put(store, other, &p, NULL, &err);
	free(p.uid);
	dstore_commit(store, NULL, &err);
	test_assert_int(dstore_account_find(store, "user@acme", &a, &err), 0);
	uid_acct = a.id;
	test_assert_int(sign_in("boss@acme", "boss-password", cookie, csrf),
			303);
	snprintf(body, sizeof(body), "csrf=%s&id=%lld&uid=o-1", csrf,
		 (long long)uid_acct);
	req(&r, "POST", "/account/link", NULL, cookie, body, NULL);
	test_assert_int(r.r.status, 422);
	test_assert(strstr(r.body, "no person with uid &quot;o-1&quot; in "
				   "this enterprise") != NULL);
	done(&r);
	snprintf(body, sizeof(body), "csrf=%s&id=%lld&uid=", csrf,
		 (long long)uid_acct);
	req(&r, "POST", "/account/link", NULL, cookie, body, NULL);
	test_assert_int(r.r.status, 400);
	done(&r);
	/* without the CSRF token nothing happens */
	snprintf(body, sizeof(body), "csrf=x&id=%lld&uid=a-1",
		 (long long)uid_acct);
	req(&r, "POST", "/account/link", NULL, cookie, body, NULL);
	test_assert_int(r.r.status, 403);
	done(&r);
	snprintf(body, sizeof(body), "csrf=%s&id=%lld&uid=a-1", csrf,
		 (long long)uid_acct);
	req(&r, "POST", "/account/link", NULL, cookie, body, NULL);
	test_assert_int(r.r.status, 303);
	test_assert_str(r.r.location, "/accounts?done=account-linked");
	done(&r);
	test_assert_int(dstore_account_get(store, acme, uid_acct, &a, &err), 0);
	test_assert_str(a.person_uid, "a-1");
	req(&r, "GET", "/accounts", "q=user", cookie, NULL, NULL);
	test_assert(strstr(r.body, "<a href=\"/person?uid=a-1\">Ann "
				   "&lt;b&gt;Bold&lt;/b&gt;</a>") != NULL);
	test_assert(strstr(r.body, "action=\"/account/unlink\"") != NULL);
	test_assert(strstr(r.body, "Last sign-in") != NULL);
	done(&r);
	/* the boss cannot take the same person */
	test_assert_int(dstore_account_find(store, "boss@acme", &a, &err), 0);
	snprintf(body, sizeof(body), "csrf=%s&id=%lld&uid=a-1", csrf,
		 (long long)a.id);
	req(&r, "POST", "/account/link", NULL, cookie, body, NULL);
	test_assert_int(r.r.status, 409);
	test_assert(strstr(r.body, "a-1 is already linked to the account "
				   "user@acme") != NULL);
	done(&r);
	/* another enterprise's account is not found from here */
	test_assert_int(dstore_account_find(store, "boss@other", &a, &err), 0);
	snprintf(body, sizeof(body), "csrf=%s&id=%lld&uid=a-1", csrf,
		 (long long)a.id);
	req(&r, "POST", "/account/link", NULL, cookie, body, NULL);
	test_assert_int(r.r.status, 404);
	done(&r);
	snprintf(body, sizeof(body), "csrf=%s&id=%lld", csrf,
		 (long long)uid_acct);
	req(&r, "POST", "/account/unlink", NULL, cookie, body, NULL);
	test_assert_int(r.r.status, 303);
	done(&r);
	test_assert_int(dstore_account_get(store, acme, uid_acct, &a, &err), 0);
	test_assert_str(a.person_uid, "");
	dstore_account_log_recent(store, acme, 2, count_event, events, &err);
	test_assert_str(events, "web:boss@acme:unlink:user@acme "
				"web:boss@acme:link:user@acme");
	/* linked again, then the person deleted on the web */
	snprintf(body, sizeof(body), "csrf=%s&id=%lld&uid=a-1", csrf,
		 (long long)uid_acct);
	req(&r, "POST", "/account/link", NULL, cookie, body, NULL);
	done(&r);
	dstore_begin(store, acme, "web:boss@acme", &err);
	test_assert_int(dstore_person_delete(store, acme, "a-1", &err), 0);
	dstore_commit(store, NULL, &err);
	test_assert_int(dstore_account_get(store, acme, uid_acct, &a, &err), 0);
	test_assert_str(a.person_uid, "");
	req(&r, "GET", "/accounts", NULL, cookie, NULL, NULL);
	test_assert(strstr(r.body, "person a-1 (Ann &lt;b&gt;Bold&lt;/b&gt;) "
				   "deleted") != NULL);
	done(&r);
	/* put the person back for the tests after this one */
	dstore_begin(store, acme, "test", &err);
	memset(&p, 0, sizeof(p));
	p.uid = strdup("a-1");
	p.display = "Ann <b>Bold</b>";
	dstore_person_put(store, acme, &p, NULL, &err);
	free(p.uid);
	dstore_commit(store, NULL, &err);
	test_end();
}

static void test_last_sign_in(void)
{
	char cookie[128], csrf[65];
	struct dstore_account a;
	struct ob_err err;
	struct resp r;

	test_begin("last sign-in: set by a web sign-in, unchanged by a "
		   "refused one, shown and sortable");
	test_assert_int(dstore_account_find(store, "boss@acme", &a, &err), 0);
	int64_t before = a.last_login;
	now += 100;
	test_assert_int(sign_in("boss@acme", "wrong-password", cookie, csrf),
			401);
	test_assert_int(dstore_account_find(store, "boss@acme", &a, &err), 0);
	test_assert_int(a.last_login, before);
	/* the right password of a user who is no administrator: refused */
	test_assert_int(dstore_account_find(store, "user@acme", &a, &err), 0);
	test_assert_int(a.last_login, 0);
	test_assert_int(sign_in("user@acme", "user-password", cookie, csrf),
			401);
	test_assert_int(dstore_account_find(store, "user@acme", &a, &err), 0);
	test_assert_int(a.last_login, 0);
	test_assert_int(sign_in("boss@acme", "boss-password", cookie, csrf),
			303);
	test_assert_int(dstore_account_find(store, "boss@acme", &a, &err), 0);
	test_assert_int(a.last_login, now);
	req(&r, "GET", "/accounts", "sort=last-login&desc=1", cookie, NULL,
	    NULL);
	test_assert(strstr(r.body, "aria-sort=\"descending\"><a class=\"sort\" "
				   "href=\"/accounts?sort=last-login") != NULL);
	/* newest sign-in first: boss before user (never) */
	const char *boss = strstr(r.body, ">boss@acme<");
	const char *user = strstr(r.body, ">user@acme<");
	test_assert(boss != NULL && user != NULL && boss < user);
	test_assert(user != NULL && strstr(user, ">never<") != NULL);
	done(&r);
	test_end();
}

/* The token of the reset link on a page. */
static bool page_token(const char *body, char tok[65])
{
	const char *t = strstr(body, "/reset?token=");

	if (t == NULL)
		return false;
	t += strlen("/reset?token=");
	if (strspn(t, "0123456789abcdef") != 64)
		return false;
	memcpy(tok, t, 64);
	tok[64] = '\0';
	return true;
}

static void test_reset_pages(void)
{
	char cookie[128], csrf[65], body[1024], tok[65] = "", tok2[65] = "";
	char q[256], big[12000];
	struct dstore_account a;
	struct ob_err err;
	struct resp r;
	int64_t id;

	test_begin(
		"reset links on the web: shown once, works once, refused "
		"used, expired, replaced, disabled, garbled or huge with one "
		"message; old password gone, new one signs in");
	test_assert_int(dstore_account_create(store, acme, "reset@acme",
					      "first-password",
					      DSTORE_ROLE_ADMIN, &id, &err),
			0);
	test_assert_int(sign_in("boss@acme", "boss-password", cookie, csrf),
			303);
	req(&r, "GET", "/accounts", "q=reset", cookie, NULL, NULL);
	test_assert(strstr(r.body, "action=\"/account/reset-link\"") != NULL);
	done(&r);
	snprintf(body, sizeof(body), "csrf=%s&id=%lld", csrf, (long long)id);
	req(&r, "POST", "/account/reset-link", NULL, cookie, body, NULL);
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "http://admin.example:8081/reset?token=") !=
		    NULL);
	test_assert(strstr(r.body, "shown once") != NULL);
	test_assert(page_token(r.body, tok));
	done(&r);
	/* the list never shows it again */
	req(&r, "GET", "/accounts", NULL, cookie, NULL, NULL);
	test_assert(strstr(r.body, tok) == NULL);
	test_assert(strstr(r.body, "reset-link") != NULL);
	done(&r);
	/* another enterprise's account: not found */
	test_assert_int(dstore_account_find(store, "boss@other", &a, &err), 0);
	snprintf(body, sizeof(body), "csrf=%s&id=%lld", csrf, (long long)a.id);
	req(&r, "POST", "/account/reset-link", NULL, cookie, body, NULL);
	test_assert_int(r.r.status, 404);
	done(&r);
	/* the form, with no session */
	snprintf(q, sizeof(q), "token=%s", tok);
	req(&r, "GET", "/reset", q, NULL, NULL, NULL);
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "Set a password") != NULL);
	test_assert(strstr(r.body, "reset@acme") != NULL);
	test_assert(strstr(r.body, "Log out") == NULL);
	done(&r);
	/* passwords that differ, a short one: the token stays */
	snprintf(body, sizeof(body),
		 "token=%s&password=second-password&password2=other-one", tok);
	req(&r, "POST", "/reset", NULL, NULL, body, NULL);
	test_assert_int(r.r.status, 422);
	test_assert(strstr(r.body, "The two passwords differ.") != NULL);
	done(&r);
	snprintf(body, sizeof(body), "token=%s&password=short&password2=short",
		 tok);
	req(&r, "POST", "/reset", NULL, NULL, body, NULL);
	test_assert_int(r.r.status, 422);
	test_assert(strstr(r.body, "at least 8 characters") != NULL);
	done(&r);
	/* a cross-site form is refused before anything */
	snprintf(body, sizeof(body),
		 "token=%s&password=second-password&password2=second-password",
		 tok);
	req(&r, "POST", "/reset", NULL, NULL, body, "https://evil.example");
	test_assert_int(r.r.status, 403);
	done(&r);
	req(&r, "POST", "/reset", NULL, NULL, body, NULL);
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "Password set") != NULL);
	done(&r);
	test_assert_int(sign_in("reset@acme", "first-password", cookie, csrf),
			401);
	test_assert_int(sign_in("reset@acme", "second-password", cookie, csrf),
			303);
	/* used: refused, with the one message */
	req(&r, "POST", "/reset", NULL, NULL, body, NULL);
	test_assert_int(r.r.status, 404);
	test_assert(strstr(r.body, "This reset link is invalid or has "
				   "expired.") != NULL);
	test_assert(strstr(r.r.log, "reset link refused (token)") != NULL);
	done(&r);
	req(&r, "GET", "/reset", q, NULL, NULL, NULL);
	test_assert_int(r.r.status, 404);
	done(&r);
	test_assert_int(sign_in("reset@acme", "second-password", cookie, csrf),
			303);
	/* expired: made by the store 2 hours ago for 1 hour */
	test_assert_int(dstore_reset_create(store, acme, id, now - 7200, 1,
					    "test", tok, NULL, &err),
			0);
	snprintf(q, sizeof(q), "token=%s", tok);
	req(&r, "GET", "/reset", q, NULL, NULL, NULL);
	test_assert_int(r.r.status, 404);
	test_assert(strstr(r.body, "This reset link is invalid or has "
				   "expired.") != NULL);
	test_assert(strstr(r.r.log, "(expired)") != NULL);
	done(&r);
	/* replaced by a newer one */
	test_assert_int(dstore_reset_create(store, acme, id, now, 1, "test",
					    tok, NULL, &err),
			0);
	test_assert_int(dstore_reset_create(store, acme, id, now, 1, "test",
					    tok2, NULL, &err),
			0);
	snprintf(q, sizeof(q), "token=%s", tok);
	req(&r, "GET", "/reset", q, NULL, NULL, NULL);
	test_assert_int(r.r.status, 404);
	done(&r);
	/* disabled account: the same message */
	test_assert_int(
		dstore_account_set_disabled(store, acme, id, true, &err), 0);
	snprintf(body, sizeof(body),
		 "token=%s&password=third-password&password2=third-password",
		 tok2);
	req(&r, "POST", "/reset", NULL, NULL, body, NULL);
	test_assert_int(r.r.status, 404);
	test_assert(strstr(r.body, "This reset link is invalid or has "
				   "expired.") != NULL);
	done(&r);
	test_assert_int(
		dstore_account_set_disabled(store, acme, id, false, &err), 0);
	/* garbled, empty, missing and huge tokens */
	static const char *const bad[] = {
		"token=",
		"token=%00%01",
		"token=%3Cscript%3E",
		"x=1",
		"token=ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
		"0123456789",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		req(&r, "GET", "/reset", bad[i], NULL, NULL, NULL);
		test_assert_int(r.r.status, 404);
		test_assert(strstr(r.body, "invalid or has expired") != NULL);
		test_assert(strstr(r.body, "<script>") == NULL);
		done(&r);
	}
	memcpy(big, "token=", 6);
	memset(big + 6, 'a', sizeof(big) - 7);
	big[sizeof(big) - 1] = '\0';
	req(&r, "GET", "/reset", big, NULL, NULL, NULL);
	test_assert_int(r.r.status, 404);
	done(&r);
	/* guesses are throttled per address, even with a good token */
	remote = "192.0.2.99";
	int status = 0;
	for (int i = 0; i < 40 && status != 429; i++) {
		req(&r, "GET", "/reset", "token=00", NULL, NULL, NULL);
		status = r.r.status;
		done(&r);
	}
	test_assert_int(status, 429);
	snprintf(q, sizeof(q), "token=%s", tok2);
	req(&r, "GET", "/reset", q, NULL, NULL, NULL);
	test_assert_int(r.r.status, 429);
	done(&r);
	remote = "192.0.2.7";
	test_end();
}

static void test_account_import_links(void)
{
	static const char twice[] = "login,role,uid\nl1@acme,user,a-1\n"
				    "l2@acme,user,a-1\n";
	static const char good[] = "login,role,uid\nl1@acme,user,a-1\n"
				   "l2@acme,user,\n";
	struct wa_account_new *na = NULL;
	struct dstore_account a;
	struct ob_err err;
	size_t n = 0;

	test_begin("account CSV import: the uid column links each account to "
		   "its person, one account per person, checked first");
	test_assert_int(wa_accounts_import_csv(store, acme, "cli", twice,
					       sizeof(twice) - 1, false, &na,
					       &n, &err),
			OB_E_EXISTS);
	test_assert_str(err.msg, "line 3, field uid: \"a-1\" is also on an "
				 "earlier line (one account per person)");
	test_assert_int(dstore_account_find(store, "l1@acme", &a, &err),
			OB_E_NOTFOUND);
	test_assert_int(wa_accounts_import_csv(store, acme, "cli", good,
					       sizeof(good) - 1, false, &na, &n,
					       &err),
			0);
	test_assert_int(n, 2);
	test_assert_str(na[0].uid, "a-1");
	explicit_bzero(na, n * sizeof(*na));
	free(na);
	test_assert_int(dstore_account_find(store, "l1@acme", &a, &err), 0);
	test_assert_str(a.person_uid, "a-1");
	test_assert_int(dstore_account_find(store, "l2@acme", &a, &err), 0);
	test_assert_str(a.person_uid, "");
	/* a-1 has its account now: another file cannot take it */
	test_assert_int(
		wa_accounts_import_csv(store, acme, "cli",
				       "login,role,uid\nl3@acme,user,a-1\n", 32,
				       false, &na, &n, &err),
		OB_E_EXISTS);
	test_assert_str(err.msg, "line 2, field uid: \"a-1\" is already "
				 "linked to an account");
	/* free the person for the tests after this one */
	test_assert_int(dstore_account_find(store, "l1@acme", &a, &err), 0);
	test_assert_int(dstore_account_link(store, acme, a.id, NULL, &err), 0);
	test_end();
}

static void test_account_import_reset_links(void)
{
	static const char csv[] = "login,role\nrl1@acme,user\nrl2@acme,user\n";
	char cookie[128], csrf[65], tok[65], body[512];
	struct wa_account_new *na = NULL;
	struct dstore_account a;
	struct ob_err err;
	struct resp r;
	size_t n = 0;

	test_begin("account CSV import with reset links: each account gets a "
		   "one-time link instead of a shown password");
	test_assert_int(wa_accounts_import_csv(store, acme, "cli", csv,
					       sizeof(csv) - 1, true, &na, &n,
					       &err),
			0);
	test_assert_int(n, 2);
	test_assert_str(na[0].pw, "");
	test_assert_int(strlen(na[0].token), 64);
	test_assert_int(dstore_reset_check(store, na[1].token, now, &a, &err),
			0);
	test_assert_str(a.login, "rl2@acme");
	explicit_bzero(na, n * sizeof(*na));
	free(na);
	/* on the web: the "links" field of the form */
	test_assert_int(sign_in("boss@acme", "boss-password", cookie, csrf),
			303);
	upload_at(&r, "/accounts/import", cookie, csrf, "a.csv",
		  "login,role\nrl3@acme,admin\n", 26,
		  "utf-8\r\n--B\r\nContent-Disposition: form-data; "
		  "name=\"links\"\r\n\r\n1");
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "1 accounts created") != NULL);
	test_assert(strstr(r.body, "These reset links are shown once") != NULL);
	test_assert(strstr(r.body, "class=\"pw\"") == NULL);
	test_assert(strstr(r.body, "download=\"accounts-reset-links.csv\"") !=
		    NULL);
	test_assert(page_token(r.body, tok));
	done(&r);
	snprintf(body, sizeof(body),
		 "token=%s&password=rl3-password&password2=rl3-password", tok);
	req(&r, "POST", "/reset", NULL, NULL, body, NULL);
	test_assert_int(r.r.status, 200);
	done(&r);
	test_assert_int(sign_in("rl3@acme", "rl3-password", cookie, csrf), 303);
	test_end();
}

/* The file's bytes contain needle. */
static bool file_has(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "rb");
	static char buf[1 << 22];
	size_t n;
	bool found = false;

	if (fp == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	for (size_t i = 0; i + strlen(needle) <= n && !found; i++)
		found = memcmp(buf + i, needle, strlen(needle)) == 0;
	return found;
}

static void test_account_import(void)
{
	static const char bad_role[] = "login,role,uid\r\ncsv1@acme,user,\r\n"
				       "csv2@acme,boss,\r\n";
	static const char dup[] = "login,role\ncsv1@acme,user\nCSV1@acme,"
				  "admin\n";
	static const char bad_uid[] = "login,role,uid\ncsv1@acme,user,"
				      "no-such-person\n";
	static const char taken[] = "login,role\ncsv1@acme,user\nuser@acme,"
				    "user\n";
	static const char no_header[] = "csv1@acme,user\n";
	static const char good[] = "login,role,uid\r\ncsv1@acme,user,\r\n"
				   "csv2@acme,admin,\r\ncsv3@acme,user,\r\n";
	char cookie[128], csrf[65], pw[3][32], path[4200];
	struct dstore_account a;
	struct ob_err err;
	struct resp r;

	test_begin("account CSV import: every line checked first, errors "
		   "name line and field, nothing created unless all are "
		   "good; passwords generated, shown once, stored hashed");
	test_assert_int(sign_in("boss@acme", "boss-password", cookie, csrf),
			303);
	upload_at(&r, "/accounts/import", cookie, csrf, "a.csv", bad_role,
		  sizeof(bad_role) - 1, "utf-8");
	test_assert_int(r.r.status, 422);
	test_assert(strstr(r.body, "line 3, field role: &quot;boss&quot; is "
				   "not user or admin") != NULL ||
		    strstr(r.body, "line 3, field role: \"boss\" is not user "
				   "or admin") != NULL);
	done(&r);
	test_assert_int(dstore_account_find(store, "csv1@acme", &a, &err),
			OB_E_NOTFOUND);
	upload_at(&r, "/accounts/import", cookie, csrf, "a.csv", dup,
		  sizeof(dup) - 1, "utf-8");
	test_assert_int(r.r.status, 422);
	test_assert(strstr(r.body, "line 3, field login:") != NULL);
	done(&r);
	upload_at(&r, "/accounts/import", cookie, csrf, "a.csv", bad_uid,
		  sizeof(bad_uid) - 1, "utf-8");
	test_assert_int(r.r.status, 422);
	test_assert(strstr(r.body, "line 2, field uid:") != NULL);
	done(&r);
	upload_at(&r, "/accounts/import", cookie, csrf, "a.csv", taken,
		  sizeof(taken) - 1, "utf-8");
	test_assert_int(r.r.status, 422);
	test_assert(strstr(r.body, "line 3, field login:") != NULL);
	test_assert(strstr(r.body, "is taken") != NULL);
	done(&r);
	upload_at(&r, "/accounts/import", cookie, csrf, "a.csv", no_header,
		  sizeof(no_header) - 1, "utf-8");
	test_assert_int(r.r.status, 422);
	test_assert(strstr(r.body, "line 1") != NULL);
	done(&r);
	test_assert_int(dstore_account_find(store, "csv1@acme", &a, &err),
			OB_E_NOTFOUND);
	/* without the CSRF token nothing happens */
	upload_at(&r, "/accounts/import", cookie, "wrong", "a.csv", good,
		  sizeof(good) - 1, "utf-8");
	test_assert_int(r.r.status, 403);
	done(&r);
	test_assert_int(dstore_account_find(store, "csv1@acme", &a, &err),
			OB_E_NOTFOUND);

	upload_at(&r, "/accounts/import", cookie, csrf, "a.csv", good,
		  sizeof(good) - 1, "utf-8");
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "3 accounts created") != NULL);
	test_assert(strstr(r.body, "download=\"accounts-passwords.csv\"") !=
		    NULL);
	{
		const char *p = r.body;
		for (int i = 0; i < 3; i++) {
			p = strstr(p, "<code class=\"pw\">");
			test_assert(p != NULL);
			if (p == NULL)
				break;
			p += strlen("<code class=\"pw\">");
			size_t n = strcspn(p, "<");
			test_assert_int(n, 16);
			snprintf(pw[i], sizeof(pw[i]), "%.*s", (int)n, p);
		}
	}
	done(&r);
	test_assert(strcmp(pw[0], pw[1]) != 0 && strcmp(pw[1], pw[2]) != 0);
	test_assert_int(
		dstore_account_verify(store, "csv1@acme", pw[0], &a, &err), 0);
	test_assert_int(a.role, DSTORE_ROLE_USER);
	test_assert_int(
		dstore_account_verify(store, "csv2@acme", pw[1], &a, &err), 0);
	test_assert_int(a.role, DSTORE_ROLE_ADMIN);
	test_assert_int(a.tenant_id, acme);
	/* shown once: the store has only hashes, the list shows none */
	snprintf(path, sizeof(path), "%s/web.db", test_tmpdir());
	test_assert(!file_has(path, pw[0]));
	snprintf(path, sizeof(path), "%s/web.db-wal", test_tmpdir());
	test_assert(!file_has(path, pw[0]));
	req(&r, "GET", "/accounts", "q=csv", cookie, NULL, NULL);
	test_assert(strstr(r.body, "Showing 1–3 of 3") != NULL);
	test_assert(strstr(r.body, pw[0]) == NULL);
	done(&r);
	test_end();
}

/* ---- the accounts page at a realistic size -------------------------------- */

#define MANY_ACCOUNTS 3000

static int count_cb(const struct dstore_account *a, void *ctx)
{
	(void)a;
	(void)ctx;
	return 0;
}

static int collect_id(const struct dstore_account *a, void *ctx)
{
	struct {
		int64_t *ids;
		size_t n;
	} *l = ctx;

	if (l->n < MANY_ACCOUNTS + 1)
		l->ids[l->n++] = a->id;
	return 0;
}

static void test_account_pages(void)
{
	char path[4200], cookie[128], csrf[65];
	struct dstore_account_query q = {0};
	struct {
		int64_t *ids;
		size_t n;
	} asc = {0}, desc = {0};
	sqlite3 *db = NULL;
	int64_t many, id, total = 0;
	struct ob_err err;
	struct resp r;

	test_begin("accounts pages: search, sort and paging in SQL, the true "
		   "total, every account once, descending the exact reverse");
	test_assert_int(
		dstore_tenant_create(store, "many", "Many", &many, &err), 0);
	test_assert_int(dstore_account_create(store, many, "admin@many",
					      "admin-password",
					      DSTORE_ROLE_ADMIN, &id, &err),
			0);
	/* thousands of yescrypt hashes would take minutes: rows straight in */
	snprintf(path, sizeof(path), "%s/web.db", test_tmpdir());
	test_assert_int(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
		 "FROM n WHERE i < %d) INSERT INTO account (tenant_id, login, "
		 "pwhash, role, created) SELECT %lld, printf('m%%05d@many', "
		 "i), '*', i %% 7 = 0, 1700000000 + (i * 37) %% 3001 FROM n",
		 MANY_ACCOUNTS, (long long)many);
	test_assert_int(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	asc.ids = calloc(MANY_ACCOUNTS + 1, sizeof(int64_t));
	desc.ids = calloc(MANY_ACCOUNTS + 1, sizeof(int64_t));
	for (int s = 0; s <= DSTORE_ACCOUNT_SORT_LAST_LOGIN; s++) {
		q.sort = (enum dstore_account_sort)s;
		q.limit = 50;
		asc.n = desc.n = 0;
		for (q.offset = 0; q.offset < MANY_ACCOUNTS + 1;
		     q.offset += 50) {
			q.descending = false;
			test_assert_int(dstore_account_page(store, many, &q,
							    collect_id, &asc,
							    &total, &err),
					0);
			test_assert_int(total, MANY_ACCOUNTS + 1);
			q.descending = true;
			test_assert_int(dstore_account_page(store, many, &q,
							    collect_id, &desc,
							    &total, &err),
					0);
		}
		test_assert_int(asc.n, MANY_ACCOUNTS + 1);
		test_assert_int(desc.n, MANY_ACCOUNTS + 1);
		/* every account exactly once */
		size_t seen = 0;
		for (size_t i = 0; i < asc.n; i++)
			for (size_t j = 0; j < desc.n; j++)
				if (asc.ids[i] == desc.ids[j]) {
					seen++;
					break;
				}
		test_assert_int(seen, MANY_ACCOUNTS + 1);
		if (s != DSTORE_ACCOUNT_SORT_ROLE)
			for (size_t i = 0; i < asc.n; i++)
				if (asc.ids[i] != desc.ids[asc.n - 1 - i]) {
					test_fail(__FILE__, __LINE__,
						  "sort %d: %zu not reversed",
						  s, i);
					break;
				}
	}
	free(asc.ids);
	free(desc.ids);
	/* search by part of the login (any case) and by role */
	q.sort = DSTORE_ACCOUNT_SORT_LOGIN;
	q.descending = false;
	q.offset = 0;
	q.search = "M0001";
	test_assert_int(dstore_account_page(store, many, &q, count_cb, NULL,
					    &total, &err),
			0);
	test_assert_int(total, 10);
	q.search = "admin";
	test_assert_int(dstore_account_page(store, many, &q, count_cb, NULL,
					    &total, &err),
			0);
	test_assert_int(total, MANY_ACCOUNTS / 7 + 1);
	q.search = "user";
	test_assert_int(dstore_account_page(store, many, &q, count_cb, NULL,
					    &total, &err),
			0);
	test_assert_int(total, MANY_ACCOUNTS - MANY_ACCOUNTS / 7);
	/* a page past the end still knows the total */
	q.search = NULL;
	q.offset = 100000;
	test_assert_int(dstore_account_page(store, many, &q, count_cb, NULL,
					    &total, &err),
			0);
	test_assert_int(total, MANY_ACCOUNTS + 1);
	q.offset = 0;
	q.limit = 0;
	test_assert_int(dstore_account_page(store, many, &q, count_cb, NULL,
					    &total, &err),
			OB_E_INVAL);
	/* another enterprise sees none of them */
	q.limit = 50;
	q.search = "many";
	test_assert_int(dstore_account_page(store, acme, &q, count_cb, NULL,
					    &total, &err),
			0);
	test_assert_int(total, 0);

	/* the page */
	test_assert_int(sign_in("admin@many", "admin-password", cookie, csrf),
			303);
	req(&r, "GET", "/accounts", NULL, cookie, NULL, NULL);
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "Showing 1–50 of 3,001") != NULL);
	test_assert(strstr(r.body, ">m00001@many<") != NULL);
	test_assert(strstr(r.body, ">m00051@many<") == NULL);
	test_assert(strstr(r.body, "page=61\">61</a>") != NULL);
	done(&r);
	req(&r, "GET", "/accounts", "sort=login&page=2", cookie, NULL, NULL);
	test_assert(strstr(r.body, "Showing 51–100 of 3,001") != NULL);
	test_assert(strstr(r.body, ">m00050@many<") != NULL);
	test_assert(strstr(r.body, ">m00049@many<") == NULL);
	done(&r);
	req(&r, "GET", "/accounts", "sort=login&desc=1", cookie, NULL, NULL);
	test_assert(strstr(r.body, ">m03000@many<") != NULL);
	test_assert(strstr(r.body, "aria-sort=\"descending\"") != NULL);
	done(&r);
	req(&r, "GET", "/accounts", "q=m0001", cookie, NULL, NULL);
	test_assert(strstr(r.body, "Showing 1–10 of 10") != NULL);
	test_assert(strstr(r.body, ">m00010@many<") != NULL);
	done(&r);
	req(&r, "GET", "/accounts", "page=999", cookie, NULL, NULL);
	test_assert(strstr(r.body, "Page 999 is past the end: 3,001 "
				   "accounts.") != NULL);
	done(&r);
	test_end();
}

/* ---- the directory view at a realistic size ------------------------------- */

#define BIG_PEOPLE 2400

static int64_t big, big_dept, big_team[3], big_deep;

static const char *const big_fam[][2] = {
	{"张", "zhang"},    {"王", "wang"}, {"李", "li"},   {"赵", "zhao"},
	{"欧阳", "ouyang"}, {"陈", "chen"}, {"周", "zhou"},
};
static const char *const big_giv[][2] = {
	{"伟", "wei"}, {"芳", "fang"},       {"娜", "na"},
	{"文", "wen"}, {"晓东", "xiaodong"}, {"静", "jing"},
};
static const char *const big_titles[] = {"工程师", "Engineer", "经理", NULL,
					 "Director"};

/* A generated enterprise: Dept > Team 0..2 > Deep > Deeper, people
 * spread over them (a sixth in Dept itself, some in no unit), Chinese
 * names with pinyin and a few Latin ones, every person a cell and a work
 * phone, one in fifty hidden. */
static void big_setup(void)
{
	struct ob_err err;
	int64_t acc, deeper, units[6];
	char uid[32], mail[64], cell[32], work[32];

	dstore_tenant_create(store, "big", "Big 集团", &big, &err);
	dstore_account_create(store, big, "boss@big", "big-password",
			      DSTORE_ROLE_ADMIN, &acc, &err);
	dstore_begin(store, big, "test", &err);
	dstore_unit_add(store, big, 0, "Dept", 0, &big_dept, &err);
	for (int i = 0; i < 3; i++) {
		char name[16];
		snprintf(name, sizeof(name), "Team %d", i);
		dstore_unit_add(store, big, big_dept, name, 0, &big_team[i],
				&err);
	}
	dstore_unit_add(store, big, big_team[1], "Deep", 0, &big_deep, &err);
	dstore_unit_add(store, big, big_deep, "Deeper", 0, &deeper, &err);
	units[0] = big_dept;
	units[1] = big_team[0];
	units[2] = big_team[1];
	units[3] = big_team[2];
	units[4] = big_deep;
	units[5] = deeper;
	for (int i = 0; i < BIG_PEOPLE; i++) {
		struct dstore_person p = {0};
		struct dstore_phone ph[2];
		char *em[1];
		int f = i % 7, g = (i / 7) % 6;

		snprintf(uid, sizeof(uid), "big-%05d", i);
		p.uid = uid;
		if (i % 10 == 9) {
			p.family = "Smith";
			p.given = i % 20 == 9 ? "Anna" : "Ben";
		} else {
			p.family = (char *)big_fam[f][0];
			p.given = (char *)big_giv[g][0];
			p.phonetic_family = (char *)big_fam[f][1];
			p.phonetic_given = (char *)big_giv[g][1];
		}
		p.title = (char *)big_titles[i % 5];
		p.unit_id = i % 97 == 0 ? 0 : units[i % 6];
		p.hidden = i % 50 == 7;
		snprintf(cell, sizeof(cell), "+86 139 %04d %04d", i % 10000,
			 (i * 7) % 10000);
		snprintf(work, sizeof(work), "+86 21 6%03d %04d", i % 1000, i);
		ph[0].type = "cell";
		ph[0].number = cell;
		ph[1].type = "work";
		ph[1].number = work;
		p.phones = ph;
		p.n_phones = 2;
		snprintf(mail, sizeof(mail), "user%05d@big.example", i);
		em[0] = mail;
		p.emails = em;
		p.n_emails = 1;
		if (dstore_person_put(store, big, &p, NULL, &err) != 0)
			printf("# put %s: %s\n", uid, err.msg);
	}
	dstore_commit(store, NULL, &err);
}

struct collect {
	char (*uids)[16];
	size_t n, cap;
	int fields[8];
	char last_value[128];
};

static int collect_row(const struct dstore_person *p,
		       const struct dstore_page_match *m, void *ctx)
{
	struct collect *c = ctx;

	if (c->n < c->cap)
		snprintf(c->uids[c->n], sizeof(c->uids[0]), "%s", p->uid);
	c->n++;
	if ((int)m->field >= 0 && (int)m->field < 8)
		c->fields[m->field]++;
	snprintf(c->last_value, sizeof(c->last_value), "%s",
		 m->value ? m->value : "");
	return 0;
}

static int collect_person(const struct dstore_person *p, void *ctx)
{
	return collect_row(p, &(struct dstore_page_match){0}, ctx);
}

/* Every page of a view, one after the other, into c; returns the total
 * dstore_person_page reported (the same on every page). */
static int64_t all_pages(struct dstore_page_query q, struct collect *c)
{
	int64_t total = -1, t;
	struct ob_err err;

	for (q.offset = 0;; q.offset += (int64_t)q.limit) {
		size_t before = c->n;
		if (dstore_person_page(store, big, &q, &t, collect_row, c,
				       &err) != 0) {
			printf("# page: %s\n", err.msg);
			return -1;
		}
		if (total != -1 && t != total)
			return -2;
		total = t;
		if (c->n == before)
			break;
	}
	return total;
}

static int cmp_uid(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* No uid twice. */
static bool distinct(struct collect *c)
{
	char(*copy)[16] = malloc(c->n * sizeof(*copy));
	bool ok = true;

	memcpy(copy, c->uids, c->n * sizeof(*copy));
	qsort(copy, c->n, sizeof(*copy), cmp_uid);
	for (size_t i = 1; i < c->n && ok; i++)
		ok = strcmp(copy[i - 1], copy[i]) != 0;
	free(copy);
	return ok;
}

static void test_pages(void)
{
	struct collect a = {0}, d = {0};
	struct dstore_page_query q = {0};
	struct ob_err err;
	int64_t all = 0, sub = 0, total;

	test_begin("directory pages: every person of a view exactly once "
		   "in every order, the true total, descending is the exact "
		   "reverse, a unit's whole subtree or only its own people");
	a.cap = d.cap = BIG_PEOPLE;
	a.uids = calloc(a.cap, sizeof(*a.uids));
	d.uids = calloc(d.cap, sizeof(*d.uids));
	dstore_person_count(store, big, 0, true, &all, &err);
	test_assert_int(all, BIG_PEOPLE);
	for (int s = 0; s < 3; s++) {
		for (size_t lim = 50; lim <= 200; lim += 150) {
			q.sort = (enum dstore_page_sort)s;
			q.limit = lim;
			a.n = d.n = 0;
			q.desc = false;
			test_assert_int(all_pages(q, &a), BIG_PEOPLE);
			q.desc = true;
			test_assert_int(all_pages(q, &d), BIG_PEOPLE);
			test_assert_int(a.n, BIG_PEOPLE);
			test_assert_int(d.n, BIG_PEOPLE);
			test_assert(distinct(&a));
			for (size_t i = 0; i < a.n; i++)
				if (strcmp(a.uids[i], d.uids[a.n - 1 - i]) !=
				    0) {
					test_fail(__FILE__, __LINE__,
						  "sort %d: %zu: %s vs %s", s,
						  i, a.uids[i],
						  d.uids[a.n - 1 - i]);
					break;
				}
		}
	}
	/* by name: pinyin family first, so the ouyang block comes before
	 * the Smiths and the wangs */
	q.sort = DSTORE_SORT_NAME;
	q.desc = false;
	q.limit = 200;
	a.n = 0;
	all_pages(q, &a);
	size_t first_ouyang = SIZE_MAX, first_smith = SIZE_MAX,
	       first_wang = SIZE_MAX;
	for (size_t i = 0; i < a.n; i++) {
		int k = atoi(a.uids[i] + 4);
		size_t *slot = k % 10 == 9  ? &first_smith
			       : k % 7 == 4 ? &first_ouyang
			       : k % 7 == 1 ? &first_wang
					    : NULL;
		if (slot != NULL && *slot == SIZE_MAX)
			*slot = i;
	}
	test_assert(first_ouyang < first_smith);
	test_assert(first_smith < first_wang);
	/* a unit's subtree against the tree's own counts */
	struct dstore_unit u;
	dstore_unit_get(store, big, big_team[1], &u, &err);
	dstore_unit_deinit(&u);
	dstore_person_count(store, big, big_team[1], true, &sub, &err);
	q.unit_id = big_team[1];
	q.limit = 50;
	for (int s = 0; s < 3; s++) {
		q.sort = (enum dstore_page_sort)s;
		a.n = 0;
		test_assert_int(all_pages(q, &a), sub);
		test_assert_int(a.n, sub);
		test_assert(distinct(&a));
	}
	/* Team 1, Deep and Deeper hold three sixths of those in units */
	test_assert(sub > BIG_PEOPLE / 3 && sub < BIG_PEOPLE / 2);
	q.direct = true;
	a.n = 0;
	total = all_pages(q, &a);
	test_assert(total > 0 && total < sub);
	test_assert_int(a.n, total);
	int64_t direct_ok = 0;
	for (size_t i = 0; i < a.n; i++) {
		struct dstore_person p;
		if (dstore_person_get(store, big, a.uids[i], false, &p, &err) ==
		    0) {
			direct_ok += p.unit_id == big_team[1];
			dstore_person_deinit(&p);
		}
	}
	test_assert_int(direct_ok, total);
	/* the people in no unit: the root's "directly" */
	q.unit_id = 0;
	a.n = 0;
	test_assert_int(all_pages(q, &a), BIG_PEOPLE / 97 + 1);
	/* past the end: no rows, the true total; bad pages refused */
	q.direct = false;
	q.offset = 1000000;
	a.n = 0;
	test_assert_int(dstore_person_page(store, big, &q, &total, collect_row,
					   &a, &err),
			0);
	test_assert_int(total, BIG_PEOPLE);
	test_assert_int(a.n, 0);
	q.offset = 0;
	q.limit = 0;
	test_assert_int(dstore_person_page(store, big, &q, &total, collect_row,
					   &a, &err),
			OB_E_INVAL);
	q.limit = DSTORE_PAGE_MAX + 1;
	test_assert_int(dstore_person_page(store, big, &q, &total, collect_row,
					   &a, &err),
			OB_E_INVAL);
	q.limit = 50;
	q.unit_id = 999999;
	test_assert_int(dstore_person_page(store, big, &q, &total, collect_row,
					   &a, &err),
			OB_E_NOTFOUND);
	free(a.uids);
	free(d.uids);
	test_end();
}

static void test_page_search(void)
{
	static const char *const queries[] = {
		"zw",     "zhangw", "ouyang x", "oyxd",   "1390", "139 0001",
		"+86 21", "6012",   "user0012", "BIG.EX", "工程", "engineer",
		"张伟",   "smith",  "anna s",   "wei",    "x",    "%",
	};
	struct collect a = {0}, b = {0};
	struct dstore_page_query q = {0};
	struct ob_err err;

	test_begin("directory search: the same people as the store's search "
		   "for names, pinyin, initials, phones, e-mail and titles, "
		   "counted in full, paged, the matched field named");
	a.cap = b.cap = BIG_PEOPLE;
	a.uids = calloc(a.cap, sizeof(*a.uids));
	b.uids = calloc(b.cap, sizeof(*b.uids));
	q.limit = 50;
	for (size_t i = 0; i < sizeof(queries) / sizeof(*queries); i++) {
		a.n = b.n = 0;
		q.search = queries[i];
		int64_t total = all_pages(q, &a);
		dstore_person_search(store, big, queries[i], 0, collect_person,
				     &b, &err);
		if (total != (int64_t)b.n || a.n != b.n)
			test_fail(__FILE__, __LINE__,
				  "\"%s\": page total %lld, rows %zu, search "
				  "%zu",
				  queries[i], (long long)total, a.n, b.n);
		qsort(a.uids, a.n, sizeof(*a.uids), cmp_uid);
		qsort(b.uids, b.n, sizeof(*b.uids), cmp_uid);
		for (size_t k = 0; k < a.n && k < b.n; k++)
			if (strcmp(a.uids[k], b.uids[k]) != 0) {
				test_fail(__FILE__, __LINE__,
					  "\"%s\": %s vs %s", queries[i],
					  a.uids[k], b.uids[k]);
				break;
			}
	}
	/* which field: one person's cell, work phone, e-mail, title */
	struct {
		const char *q;
		enum dstore_match field;
		const char *value;
	} one[] = {
		{"139 1234 8638", DSTORE_MATCH_PHONE, "+86 139 1234 8638"},
		{"user01234@", DSTORE_MATCH_EMAIL, "user01234@big.example"},
		{"zhangw", DSTORE_MATCH_PINYIN, "zhang wei"},
		{"oyxd", DSTORE_MATCH_INITIALS, "oyxd"},
		{"Director", DSTORE_MATCH_TITLE, "Director"},
		{"欧阳晓东", DSTORE_MATCH_NAME, "欧阳晓东"},
	};
	for (size_t i = 0; i < sizeof(one) / sizeof(*one); i++) {
		int64_t total;
		a.n = 0;
		memset(a.fields, 0, sizeof(a.fields));
		a.last_value[0] = '\0';
		q.search = one[i].q;
		dstore_person_page(store, big, &q, &total, collect_row, &a,
				   &err);
		test_assert(total > 0);
		if (a.fields[one[i].field] != (int)a.n)
			test_fail(__FILE__, __LINE__,
				  "\"%s\": %d of %zu rows matched as %d",
				  one[i].q, a.fields[one[i].field], a.n,
				  (int)one[i].field);
		test_assert_str(a.last_value, one[i].value);
	}
	/* the cell of person 1234 and only it */
	q.search = "139 1234 8638";
	int64_t total;
	a.n = 0;
	dstore_person_page(store, big, &q, &total, collect_row, &a, &err);
	test_assert_int(total, 1);
	test_assert_str(a.uids[0], "big-01234");
	q.search = "";
	dstore_person_page(store, big, &q, &total, collect_row, &a, &err);
	test_assert_int(total, BIG_PEOPLE);
	char longq[DSTORE_NAME_MAX + 1];
	memset(longq, 'a', DSTORE_NAME_MAX);
	longq[DSTORE_NAME_MAX] = '\0';
	q.search = longq;
	test_assert_int(dstore_person_page(store, big, &q, &total, collect_row,
					   &a, &err),
			OB_E_INVAL);
	free(a.uids);
	free(b.uids);
	test_end();
}

struct tree_rows {
	struct ob_buf b;
};

static int tree_row(const struct dstore_unit *u, void *ctx)
{
	struct tree_rows *t = ctx;
	ob_buf_addf(&t->b, "%lld %lld %s %s %d %lld\n", (long long)u->id,
		    (long long)u->parent_id, u->name, u->path, u->sort,
		    (long long)u->people);
	return 0;
}

static void test_unit_tree(void)
{
	struct tree_rows a, b;
	struct ob_err err;
	int64_t id;

	test_begin("unit tree: the same units, counts and order as the unit "
		   "list, siblings by sort then name");
	/* siblings whose names sort differently with and without the tree
	 * ("A B" < "A/..." but A's children come first) */
	dstore_begin(store, big, "test", &err);
	dstore_unit_add(store, big, 0, "A", 0, &id, &err);
	dstore_unit_add(store, big, id, "z", 0, &id, &err);
	dstore_unit_add(store, big, 0, "A B", 0, &id, &err);
	dstore_unit_add(store, big, 0, "0 first", 5, &id, &err);
	dstore_commit(store, NULL, &err);
	ob_buf_init(&a.b, 1u << 20);
	ob_buf_init(&b.b, 1u << 20);
	test_assert_int(dstore_unit_list(store, big, tree_row, &a, &err), 0);
	test_assert_int(dstore_unit_tree(store, big, tree_row, &b, &err), 0);
	test_assert_str(ob_buf_str(&b.b), ob_buf_str(&a.b));
	test_assert(strstr(ob_buf_str(&a.b),
			   " Deeper Dept/Team 1/Deep/Deeper ") != NULL);
	ob_buf_deinit(&a.b);
	ob_buf_deinit(&b.b);
	ob_buf_init(&b.b, 1024);
	test_assert_int(dstore_unit_tree(store, other, tree_row, &b, &err), 0);
	test_assert_str(ob_buf_str(&b.b), "");
	ob_buf_deinit(&b.b);
	test_end();
}

/* The uids of a page's checkboxes, as a form body "uid=..&uid=..". */
static void page_uids(const char *html, struct ob_buf *form, size_t *n_r)
{
	const char *p = html;
	*n_r = 0;
	while ((p = strstr(p, "name=\"uid\" value=\"")) != NULL) {
		p += 18;
		size_t n = strcspn(p, "\"");
		ob_buf_addf(form, "&uid=%.*s", (int)n, p);
		++*n_r;
	}
}

static void test_view_and_bulk(void)
{
	char cookie[128], csrf[65], q[256];
	struct ob_buf body;
	struct dstore_tenant t0, t1;
	struct ob_err err;
	struct resp r;
	size_t n;
	int64_t sub = 0;

	test_begin("directory view: paged with the true total, sort links, "
		   "directly-here filter, search with the matched field; bulk "
		   "move, hide, delete (confirmed, guarded) and export in one "
		   "revision each");
	test_assert_int(sign_in("boss@big", "big-password", cookie, csrf), 303);
	dstore_person_count(store, big, big_dept, true, &sub, &err);
	snprintf(q, sizeof(q), "id=%lld", (long long)big_dept);
	req(&r, "GET", "/units", q, cookie, NULL, NULL);
	test_assert_int(r.r.status, 200);
	char want[128];
	snprintf(want, sizeof(want),
		 "Showing 1–50 of <span class=\"total\">%lld,%03lld</span>",
		 (long long)sub / 1000, (long long)sub % 1000);
	test_assert(strstr(r.body, want) != NULL);
	ob_buf_init(&body, 1u << 20);
	page_uids(r.body, &body, &n);
	test_assert_int(n, 50);
	/* the last page links and the sort links keep the unit */
	snprintf(want, sizeof(want), "href=\"/units?id=%lld&amp;page=%lld\"",
		 (long long)big_dept, (long long)(sub + 49) / 50);
	test_assert(strstr(r.body, want) != NULL);
	snprintf(want, sizeof(want), "href=\"/units?id=%lld&amp;sort=title\"",
		 (long long)big_dept);
	test_assert(strstr(r.body, want) != NULL);
	test_assert(strstr(r.body, "aria-sort=\"ascending\"") != NULL);
	/* and any page by its number */
	snprintf(want, sizeof(want),
		 "<input name=\"page\" type=\"number\" min=\"1\" "
		 "max=\"%lld\" value=\"1\">",
		 (long long)(sub + 49) / 50);
	test_assert(strstr(r.body, want) != NULL);
	done(&r);
	/* the last page has the rest */
	snprintf(q, sizeof(q), "id=%lld&page=%lld", (long long)big_dept,
		 (long long)(sub + 49) / 50);
	req(&r, "GET", "/units", q, cookie, NULL, NULL);
	ob_buf_reset(&body);
	page_uids(r.body, &body, &n);
	test_assert_int(n, (size_t)(sub - (sub + 49) / 50 * 50 + 50));
	done(&r);
	/* directly here: only Dept's own */
	snprintf(q, sizeof(q), "id=%lld&direct=1&per=200", (long long)big_dept);
	req(&r, "GET", "/units", q, cookie, NULL, NULL);
	struct dstore_unit du;
	dstore_unit_get(store, big, big_dept, &du, &err);
	snprintf(want, sizeof(want), "of <span class=\"total\">%lld</span>",
		 (long long)du.people);
	dstore_unit_deinit(&du);
	test_assert(strstr(r.body, want) != NULL);
	test_assert(strstr(r.body, ">Team 1/") == NULL ||
		    strstr(r.body,
			   "<td data-label=\"Unit\"><a href=\"/units?id=") !=
			    NULL);
	test_assert(strstr(r.body, "Dept/Team") == NULL ||
		    strstr(r.body, "<option") != NULL);
	done(&r);
	/* search: total and the field that matched */
	req(&r, "GET", "/units", "id=0&q=139+1234+8638", cookie, NULL, NULL);
	test_assert(strstr(r.body, "Showing 1–1 of <span class=\"total\">1"
				   "</span> match for") != NULL);
	test_assert(strstr(r.body, "<span class=\"field\">mobile</span> "
				   "<mark>+86 139 1234 8638</mark>") != NULL);
	done(&r);
	req(&r, "GET", "/search", "q=user0123", cookie, NULL, NULL);
	test_assert(strstr(r.body, "of <span class=\"total\">10</span> "
				   "matches") != NULL);
	test_assert(strstr(r.body,
			   "<span class=\"field\">e-mail</span> "
			   "<mark>user01230@big.example</mark>") != NULL);
	done(&r);
	req(&r, "GET", "/units", "q=nobody-has-this", cookie, NULL, NULL);
	test_assert(strstr(r.body, "No one matches") != NULL);
	done(&r);

	/* bulk move of 200 people from the root's pages into Deep */
	req(&r, "GET", "/units", "id=0&per=200&sort=title", cookie, NULL, NULL);
	ob_buf_reset(&body);
	ob_buf_addf(&body, "csrf=%s&action=move&unit=%lld&back=id%%3D0", csrf,
		    (long long)big_deep);
	page_uids(r.body, &body, &n);
	done(&r);
	test_assert_int(n, 200);
	dstore_tenant_get(store, big, &t0, &err);
	req(&r, "POST", "/people/bulk", NULL, cookie, ob_buf_str(&body), NULL);
	test_assert_int(r.r.status, 303);
	test_assert_str(r.r.location,
			"/units?id=0&done=bulk-moved&n=200#people");
	done(&r);
	dstore_tenant_get(store, big, &t1, &err);
	test_assert_int(t1.revision, t0.revision + 1);
	{
		struct dstore_page_query pq = {
			.unit_id = big_deep, .direct = true, .limit = 500};
		int64_t total;
		struct collect c = {0};
		dstore_person_page(store, big, &pq, &total, collect_row, &c,
				   &err);
		test_assert(total >= 200);
	}
	req(&r, "GET", "/units", "id=0&done=bulk-moved&n=200", cookie, NULL,
	    NULL);
	test_assert(strstr(r.body, "Moved 200 people.") != NULL);
	done(&r);
	/* the same again changes nothing: no new revision */
	req(&r, "POST", "/people/bulk", NULL, cookie, ob_buf_str(&body), NULL);
	test_assert_int(r.r.status, 303);
	done(&r);
	dstore_tenant_get(store, big, &t0, &err);
	test_assert_int(t0.revision, t1.revision);
	/* without the token: refused, nothing moved */
	req(&r, "POST", "/people/bulk", NULL, cookie,
	    "action=move&unit=0&uid=big-00001", NULL);
	test_assert_int(r.r.status, 403);
	done(&r);

	/* hide two, then unhide them */
	struct dstore_person p;
	char small[512];
	snprintf(
		small, sizeof(small),
		"csrf=%s&action=hide&uid=big-00001&uid=big-00002&uid=big-00001",
		csrf);
	req(&r, "POST", "/people/bulk", NULL, cookie, small, NULL);
	test_assert_int(r.r.status, 303);
	test_assert(strstr(r.r.location, "done=bulk-hidden&n=2") != NULL);
	done(&r);
	dstore_person_get(store, big, "big-00002", true, &p, &err);
	test_assert(p.hidden);
	test_assert_int(p.n_phones, 2);
	dstore_person_deinit(&p);
	dstore_tenant_get(store, big, &t1, &err);
	test_assert_int(t1.revision, t0.revision + 1);
	snprintf(small, sizeof(small),
		 "csrf=%s&action=unhide&uid=big-00001&uid=big-00002", csrf);
	req(&r, "POST", "/people/bulk", NULL, cookie, small, NULL);
	test_assert_int(r.r.status, 303);
	done(&r);
	dstore_person_get(store, big, "big-00002", false, &p, &err);
	test_assert(!p.hidden);
	dstore_person_deinit(&p);

	/* an unknown person among them: nothing changes */
	dstore_tenant_get(store, big, &t0, &err);
	snprintf(small, sizeof(small),
		 "csrf=%s&action=hide&uid=big-00003&uid=nobody", csrf);
	req(&r, "POST", "/people/bulk", NULL, cookie, small, NULL);
	test_assert_int(r.r.status, 404);
	done(&r);
	dstore_person_get(store, big, "big-00003", false, &p, &err);
	test_assert(!p.hidden);
	dstore_person_deinit(&p);
	dstore_tenant_get(store, big, &t1, &err);
	test_assert_int(t1.revision, t0.revision);

	/* export the selection */
	snprintf(small, sizeof(small),
		 "csrf=%s&action=export&uid=big-00004&uid=big-00005", csrf);
	req(&r, "POST", "/people/bulk", NULL, cookie, small, NULL);
	test_assert_int(r.r.status, 200);
	test_assert_str(r.r.content_type, "text/vcard; charset=utf-8");
	test_assert(strstr(r.r.disposition, "attachment") != NULL);
	const char *v1 = strstr(r.body, "BEGIN:VCARD");
	test_assert(v1 != NULL && strstr(v1 + 1, "BEGIN:VCARD") != NULL);
	test_assert(strstr(r.body, "UID:big-00004") != NULL);
	test_assert(strstr(r.body, "UID:big-00005") != NULL);
	done(&r);

	/* delete: first a confirmation naming them, nothing deleted */
	snprintf(small, sizeof(small),
		 "csrf=%s&action=delete&uid=big-00006&uid=big-00008&back=id%%"
		 "3D0",
		 csrf);
	req(&r, "POST", "/people/bulk", NULL, cookie, small, NULL);
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "Delete 2 people?") != NULL);
	test_assert(strstr(r.body, "name=\"confirm\" value=\"1\"") != NULL);
	done(&r);
	test_assert_int(
		dstore_person_get(store, big, "big-00006", false, &p, &err), 0);
	dstore_person_deinit(&p);
	dstore_tenant_get(store, big, &t0, &err);
	snprintf(small, sizeof(small),
		 "csrf=%s&action=delete&confirm=1&uid=big-00006&uid=big-00008"
		 "&back=id%%3D0",
		 csrf);
	req(&r, "POST", "/people/bulk", NULL, cookie, small, NULL);
	test_assert_int(r.r.status, 303);
	test_assert_str(r.r.location,
			"/units?id=0&done=bulk-deleted&n=2#people");
	done(&r);
	test_assert_int(
		dstore_person_get(store, big, "big-00006", false, &p, &err),
		OB_E_NOTFOUND);
	dstore_tenant_get(store, big, &t1, &err);
	test_assert_int(t1.revision, t0.revision + 1);
	ob_buf_deinit(&body);
	test_end();
}

/* The mass-delete guard on a small enterprise (80% at 50 people or
 * fewer): acme has a handful. */
static void test_bulk_delete_guard(void)
{
	char cookie[128], csrf[65], body[1024];
	struct ob_err err;
	int64_t before = 0, after = 0;
	struct resp r;

	test_begin("bulk delete: past the mass-delete guard it needs the "
		   "second confirmation");
	test_assert_int(sign_in("boss@acme", "boss-password", cookie, csrf),
			303);
	dstore_person_count(store, acme, 0, true, &before, &err);
	struct collect c = {0};
	c.cap = 64;
	c.uids = calloc(c.cap, sizeof(*c.uids));
	struct dstore_page_query pq = {.limit = 64};
	int64_t total;
	dstore_person_page(store, acme, &pq, &total, collect_row, &c, &err);
	size_t k = (size_t)snprintf(body, sizeof(body),
				    "csrf=%s&action=delete&confirm=1", csrf);
	for (size_t i = 0; i < c.n && i < 64; i++)
		k += (size_t)snprintf(body + k, sizeof(body) - k, "&uid=%s",
				      c.uids[i]);
	req(&r, "POST", "/people/bulk", NULL, cookie, body, NULL);
	test_assert_int(r.r.status, 409);
	test_assert(strstr(r.body, "name=\"force\"") != NULL);
	done(&r);
	dstore_person_count(store, acme, 0, true, &after, &err);
	test_assert_int(after, before);
	test_assert(before > 0);
	free(c.uids);
	test_end();
}

static void test_throttle(void)
{
	char cookie[128], csrf[65];
	int status = 0;

	test_begin("wrong passwords are throttled per login; the right one is "
		   "refused while throttled");
	for (int i = 0; i < 7; i++)
		status = sign_in("boss@other", "not-it-at-all", cookie, csrf);
	test_assert_int(status, 429);
	test_assert_int(sign_in("boss@other", "other-password", cookie, csrf),
			429);
	/* the refusal says how long: six failures lock for 30 seconds */
	struct resp r;
	req(&r, "POST", "/login", NULL, NULL,
	    "login=boss@other&password=other-password", NULL);
	test_assert_int(r.r.status, 429);
	test_assert_int(r.r.retry_after, 30);
	test_assert(strstr(r.body, "Try again in 30 seconds") != NULL);
	done(&r);
	now += 29;
	test_assert_int(sign_in("boss@other", "other-password", cookie, csrf),
			429);
	now += 3600;
	test_assert_int(sign_in("boss@other", "other-password", cookie, csrf),
			303);
	test_end();
}

int main(void)
{
	test_urlencoded();
	test_multipart();
	setup();
	test_sign_in();
	test_signed_in();
	test_connect_page();
	test_csrf_and_isolation();
	test_actions();
	test_import_reasons();
	test_import_json();
	test_formula_guard_pairs();
	test_csv_formula_guard();
	test_export_roundtrip_phones();
	test_account_activity();
	test_account_pages();
	test_account_import();
	test_account_import_links();
	test_account_import_reset_links();
	test_account_link_pages();
	test_last_sign_in();
	test_reset_pages();
	big_setup();
	test_pages();
	test_page_search();
	test_unit_tree();
	test_view_and_bulk();
	test_bulk_delete_guard();
	test_throttle();
	dstore_close(&store);
	return test_done();
}
