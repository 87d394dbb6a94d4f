/* Tests for the admin pages without a browser: the form parser, and
 * wa_web_handle on a real store (sign-in, sessions and their expiry, the
 * CSRF and Origin checks, enterprise isolation, escaping, throttling,
 * unit and person actions, import preview and apply, exports). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dirstore/dirstore.h"
#include "tests/lib/test.h"
#include "webadmin/form.h"
#include "webadmin/web.h"

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
	rq.remote_addr = "192.0.2.7";
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
	test_assert(strstr(r.body, "0 found") != NULL);
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
	rq.remote_addr = "192.0.2.7";
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
	test_csrf_and_isolation();
	test_actions();
	test_account_activity();
	test_throttle();
	dstore_close(&store);
	return test_done();
}
