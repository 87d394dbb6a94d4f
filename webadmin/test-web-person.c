/* Tests for the person form of the admin pages (pages-person.c), through
 * wa_web_handle on a real store, trying to break it: every phone and
 * e-mail row up to the store's limit comes back exactly (order, types),
 * one more is refused naming the field with nothing written, Add and
 * Remove change exactly one row and write nothing, hostile forms
 * (fields twice, bad or huge row numbers, 1 MB values, invalid UTF-8)
 * get a 400 or a named error and never a crash, Delete asks first and
 * never happens on a GET or without the form token, and the last change
 * names who made it, with that person's history one link away. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dirstore/dirstore.h"
#include "tests/lib/test.h"
#include "util/buf.h"
#include "webadmin/web.h"

static struct dstore *store;
static struct wa_web_config cfg;
static int64_t acme, other, now = 1000000;
static char cookie[128], csrf[65], ocookie[128], ocsrf[65];

struct resp {
	struct wa_web_response r;
	const char *body;
};

static void req(struct resp *out, const char *method, const char *path,
		const char *query, const char *ck, const char *body)
{
	struct wa_form q = {0};
	struct wa_web_request rq = {0};
	struct ob_err err;

	if (query != NULL)
		(void)wa_form_parse_urlencoded(&q, query, strlen(query), &err);
	rq.method = method;
	rq.path = path;
	rq.query = &q;
	rq.cookie = ck;
	rq.host = "admin.example:8081";
	rq.remote_addr = "192.0.2.10";
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

static void sign_in(const char *login, const char *pw, char ck_r[128],
		    char csrf_r[65])
{
	struct resp r;
	char body[256];
	const char *c;

	snprintf(body, sizeof(body), "login=%s&password=%s", login, pw);
	req(&r, "POST", "/login", NULL, NULL, body);
	ck_r[0] = csrf_r[0] = '\0';
	if (r.r.status == 303) {
		size_t n = strcspn(r.r.set_cookie, ";");
		memcpy(ck_r, r.r.set_cookie, n < 127 ? n : 127);
		ck_r[n < 127 ? n : 127] = '\0';
	}
	done(&r);
	req(&r, "GET", "/units", NULL, ck_r, NULL);
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

static const char *const types[] = {"work", "cell", "home", "fax"};

/* A save body: csrf, uid, a name, then n phones (type i % 4, number
 * "+86 10 5555 0<i>") and n e-mails ("p<i>@acme.example"), rows [0..n). */
static void person_body(struct ob_buf *b, const char *uid, const char *name,
			size_t nphones, size_t nemails)
{
	ob_buf_reset(b);
	ob_buf_addf(b, "csrf=%s&uid=%s&display_name=%s&unit=0", csrf, uid,
		    name);
	for (size_t i = 0; i < nphones; i++)
		ob_buf_addf(b,
			    "&phone_type%%5B%zu%%5D=%s&phone%%5B%zu%%5D="
			    "%%2B86+10+5555+%04zu",
			    i, types[i % 4], i, i);
	for (size_t i = 0; i < nemails; i++)
		ob_buf_addf(b, "&email%%5B%zu%%5D=p%zu%%40acme.example", i, i);
}

static void setup(void)
{
	char path[4200];
	struct dstore_options o = {0};
	struct ob_err err;
	int64_t id;

	snprintf(path, sizeof(path), "%s/person.db", test_tmpdir());
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
	sign_in("boss@acme", "boss-password", cookie, csrf);
	sign_in("boss@other", "other-password", ocookie, ocsrf);
}

static void test_rows_round_trip(void)
{
	struct ob_buf b;
	struct dstore_person p;
	struct ob_err err;
	struct resp r;
	char want[64];
	const char *at;

	test_begin("phones and e-mails: the store's limit of rows round-trips "
		   "exactly, order and types, and shows again in that order");
	ob_buf_init(&b, 1 << 20);
	/* a new person with a uid of their own */
	person_body(&b, "rows-1", "Many+Rows", DSTORE_MULTI_MAX,
		    DSTORE_MULTI_MAX);
	ob_buf_addf(&b, "&new=1");
	req(&r, "POST", "/person/save", NULL, cookie, ob_buf_str(&b));
	test_assert_int(r.r.status, 303);
	test_assert_str(r.r.location, "/person?uid=rows-1&done=saved");
	done(&r);
	test_assert_int(
		dstore_person_get(store, acme, "rows-1", false, &p, &err), 0);
	test_assert_int(p.n_phones, DSTORE_MULTI_MAX);
	test_assert_int(p.n_emails, DSTORE_MULTI_MAX);
	for (size_t i = 0; i < p.n_phones && i < DSTORE_MULTI_MAX; i++) {
		snprintf(want, sizeof(want), "+86 10 5555 %04zu", i);
		test_assert_str(p.phones[i].number, want);
		test_assert_str(p.phones[i].type, types[i % 4]);
		snprintf(want, sizeof(want), "p%zu@acme.example", i);
		test_assert_str(p.emails[i], want);
	}
	dstore_person_deinit(&p);
	req(&r, "GET", "/person", "uid=rows-1", cookie, NULL);
	test_assert_int(r.r.status, 200);
	/* row 5 is a cell (5 % 4 = 1), in row 5 */
	test_assert(strstr(r.body, "name=\"phone_type[5]\" aria-label=\"Type "
				   "of phone 6\"><option value=\"work\">Work"
				   "</option><option value=\"cell\" "
				   "selected>") != NULL);
	test_assert(strstr(r.body, "name=\"phone[5]\" type=\"tel\" "
				   "aria-label=\"Phone 6\" value=\"+86 10 "
				   "5555 0005\"") != NULL);
	test_assert(strstr(r.body, "name=\"email[15]\" type=\"email\" "
				   "aria-label=\"Email address 16\" "
				   "value=\"p15@acme.example\"") != NULL);
	/* at the limit: no empty row beyond it, no Add button */
	test_assert(strstr(r.body, "name=\"phone[16]\"") == NULL);
	test_assert(strstr(r.body, "value=\"phone\" formnovalidate>Add") ==
		    NULL);
	/* rows in order */
	at = r.body;
	for (size_t i = 0; i < DSTORE_MULTI_MAX && at != NULL; i++) {
		snprintf(want, sizeof(want), "value=\"+86 10 5555 %04zu\"", i);
		at = strstr(at, want);
	}
	test_assert(at != NULL);
	/* the uid is shown, read-only, and its history is linked */
	test_assert(strstr(r.body, "<input name=\"uid\" value=\"rows-1\" "
				   "readonly") != NULL);
	test_assert(strstr(r.body, "href=\"/audit?uid=rows-1\"") != NULL);
	done(&r);
	/* a person of few rows shows them and two empty ones, and Add */
	person_body(&b, "rows-2", "Few", 1, 0);
	ob_buf_addf(&b, "&new=1");
	req(&r, "POST", "/person/save", NULL, cookie, ob_buf_str(&b));
	test_assert_int(r.r.status, 303);
	done(&r);
	req(&r, "GET", "/person", "uid=rows-2", cookie, NULL);
	test_assert(strstr(r.body, "name=\"phone[2]\"") != NULL);
	test_assert(strstr(r.body, "name=\"phone[3]\"") == NULL);
	test_assert(strstr(r.body, "name=\"email[1]\"") != NULL);
	test_assert(strstr(r.body, "name=\"email[2]\"") == NULL);
	test_assert(strstr(r.body, "value=\"phone\" formnovalidate>Add a "
				   "phone") != NULL);
	done(&r);
	ob_buf_deinit(&b);
	test_end();
}

static void test_limit(void)
{
	struct ob_buf b;
	struct dstore_person p;
	struct ob_err err;
	struct resp r;
	int64_t rev;

	test_begin("limit + 1 phones or e-mails: 422 naming the field, every "
		   "row typed shown again, nothing written");
	ob_buf_init(&b, 1 << 20);
	rev = revision(acme);
	person_body(&b, "rows-1", "Too+Many", DSTORE_MULTI_MAX + 1, 1);
	req(&r, "POST", "/person/save", NULL, cookie, ob_buf_str(&b));
	test_assert_int(r.r.status, 422);
	test_assert(strstr(r.body, "Not saved: Phones: 17 given, a person "
				   "has at most 16; remove 1 and save "
				   "again") != NULL);
	test_assert(strstr(r.body, "<span class=\"field-error\">Phones: 17 "
				   "given") != NULL);
	/* the 17th is still there to remove */
	test_assert(strstr(r.body, "value=\"+86 10 5555 0016\"") != NULL);
	done(&r);
	person_body(&b, "rows-1", "Too+Many", 2, DSTORE_MULTI_MAX + 3);
	req(&r, "POST", "/person/save", NULL, cookie, ob_buf_str(&b));
	test_assert_int(r.r.status, 422);
	test_assert(strstr(r.body, "Email addresses: 19 given, a person has "
				   "at most 16; remove 3") != NULL);
	test_assert(strstr(r.body, "value=\"p18@acme.example\"") != NULL);
	done(&r);
	/* a new person: not created either */
	person_body(&b, "rows-new", "Too+Many", DSTORE_MULTI_MAX + 1, 0);
	ob_buf_addf(&b, "&new=1");
	req(&r, "POST", "/person/save", NULL, cookie, ob_buf_str(&b));
	test_assert_int(r.r.status, 422);
	done(&r);
	test_assert_int(revision(acme), rev);
	test_assert_int(
		dstore_person_get(store, acme, "rows-new", false, &p, &err),
		OB_E_NOTFOUND);
	test_assert_int(
		dstore_person_get(store, acme, "rows-1", false, &p, &err), 0);
	test_assert_str(p.display, "Many Rows");
	test_assert_int(p.n_phones, DSTORE_MULTI_MAX);
	dstore_person_deinit(&p);
	/* a bad value names its row */
	person_body(&b, "rows-1", "Bad+Row", 3, 0);
	ob_buf_addf(&b, "&phone%%5B7%%5D=call+me");
	req(&r, "POST", "/person/save", NULL, cookie, ob_buf_str(&b));
	test_assert_int(r.r.status, 422);
	test_assert(strstr(r.body, "<div class=\"row invalid\"><select "
				   "name=\"phone_type[3]\"") != NULL);
	test_assert(strstr(r.body, "value=\"call me\"><button") != NULL);
	done(&r);
	test_assert_int(revision(acme), rev);
	ob_buf_deinit(&b);
	test_end();
}

static void test_add_remove(void)
{
	struct ob_buf b;
	struct dstore_person p;
	struct ob_err err;
	struct resp r;
	int64_t rev;

	test_begin("Add and Remove without JavaScript: the form again with one "
		   "row more or exactly that row less, nothing written; the "
		   "save then removes exactly that value");
	ob_buf_init(&b, 1 << 20);
	rev = revision(acme);
	/* remove the third of four phones */
	person_body(&b, "rows-2", "Few", 4, 2);
	ob_buf_addf(&b, "&title=Typed+Title&remove=phone%%5B2%%5D");
	req(&r, "POST", "/person/save", NULL, cookie, ob_buf_str(&b));
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "value=\"+86 10 5555 0002\"") == NULL);
	test_assert(strstr(r.body, "name=\"phone[2]\" type=\"tel\" "
				   "aria-label=\"Phone 3\" value=\"+86 10 "
				   "5555 0003\"") != NULL);
	/* its type went with it: row 2 is now the former row 3, a fax */
	test_assert(strstr(r.body, "name=\"phone_type[2]\" aria-label=\"Type "
				   "of phone 3\"><option value=\"work\">Work"
				   "</option><option value=\"cell\">Mobile"
				   "</option><option value=\"home\">Home"
				   "</option><option value=\"fax\" "
				   "selected>") != NULL);
	test_assert(strstr(r.body, "name=\"phone[3]\"") == NULL);
	test_assert(strstr(r.body, "value=\"Typed Title\"") != NULL);
	done(&r);
	test_assert_int(revision(acme), rev);
	/* add: one more empty e-mail row, what was typed kept */
	person_body(&b, "rows-2", "Few", 1, 2);
	ob_buf_addf(&b, "&add=email");
	req(&r, "POST", "/person/save", NULL, cookie, ob_buf_str(&b));
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "name=\"email[2]\" type=\"email\" "
				   "aria-label=\"Email address 3\" "
				   "value=\"\"") != NULL);
	test_assert(strstr(r.body, "name=\"email[3]\"") == NULL);
	test_assert(strstr(r.body, "value=\"p1@acme.example\"") != NULL);
	done(&r);
	test_assert_int(revision(acme), rev);
	/* a button naming no row */
	person_body(&b, "rows-2", "Few", 1, 0);
	ob_buf_addf(&b, "&remove=phone%%5B9%%5D");
	req(&r, "POST", "/person/save", NULL, cookie, ob_buf_str(&b));
	test_assert_int(r.r.status, 400);
	done(&r);
	person_body(&b, "rows-2", "Few", 1, 0);
	ob_buf_addf(&b, "&add=fax");
	req(&r, "POST", "/person/save", NULL, cookie, ob_buf_str(&b));
	test_assert_int(r.r.status, 400);
	done(&r);
	test_assert_int(revision(acme), rev);
	/* save four, then save with row 1 emptied: exactly it goes */
	person_body(&b, "rows-2", "Few", 4, 0);
	req(&r, "POST", "/person/save", NULL, cookie, ob_buf_str(&b));
	test_assert_int(r.r.status, 303);
	done(&r);
	ob_buf_reset(&b);
	ob_buf_addf(&b,
		    "csrf=%s&uid=rows-2&display_name=Few&phone_type%%5B0%%5D="
		    "work&phone%%5B0%%5D=%%2B86+10+5555+0000&phone_type%%5B1%%"
		    "5D=cell&phone%%5B1%%5D=&phone_type%%5B2%%5D=home&phone%%"
		    "5B2%%5D=%%2B86+10+5555+0002&phone_type%%5B3%%5D=fax&phone"
		    "%%5B3%%5D=%%2B86+10+5555+0003",
		    csrf);
	req(&r, "POST", "/person/save", NULL, cookie, ob_buf_str(&b));
	test_assert_int(r.r.status, 303);
	done(&r);
	test_assert_int(
		dstore_person_get(store, acme, "rows-2", false, &p, &err), 0);
	test_assert_int(p.n_phones, 3);
	if (p.n_phones == 3) {
		test_assert_str(p.phones[0].number, "+86 10 5555 0000");
		test_assert_str(p.phones[1].number, "+86 10 5555 0002");
		test_assert_str(p.phones[1].type, "home");
		test_assert_str(p.phones[2].number, "+86 10 5555 0003");
		test_assert_str(p.phones[2].type, "fax");
	}
	dstore_person_deinit(&p);
	ob_buf_deinit(&b);
	test_end();
}

/* POST body to /person/save; returns the status. */
static int save_status(const char *body, const char *must_say)
{
	struct resp r;
	int st;

	req(&r, "POST", "/person/save", NULL, cookie, body);
	st = r.r.status;
	if (must_say != NULL && strstr(r.body, must_say) == NULL) {
		printf("# expected \"%s\" in the %d answer\n", must_say, st);
		st = -st;
	}
	done(&r);
	return st;
}

static void test_hostile(void)
{
	static const char *const bad[][2] = {
		{"&family_name=A&family_name=B", "family_name is given more "
						 "than once"},
		{"&uid=rows-2", "uid is given more than once"},
		{"&phone%5B0%5D=1&phone%5B0%5D=2", "phone[0] is given more "
						   "than once"},
		{"&phone%5B%5D=123", "phone[]: not a row number"},
		{"&phone%5Babc%5D=123", "not a row number"},
		{"&phone%5B-1%5D=123", "not a row number"},
		{"&phone%5B007%5D=123", "not a row number"},
		{"&phone%5B64%5D=123", "not a row number from 0 to 63"},
		{"&email%5B99999999999999999999%5D=a%40b.cn", "not a row"},
		{"&phone_type%5B18446744073709551617%5D=cell", "not a row"},
		{"&phone%5B1%5Dx=123", "not a row number"},
		{"&phone%5B%E5%BC%A0%5D=123", "phone[???]: not a row"},
		{"&phone=123&phone%5B0%5D=456", "are mixed"},
		{"&email=a%40b.cn&phone%5B0%5D=456", "are mixed"},
	};
	char body[512];
	struct ob_buf b;
	int64_t rev = revision(acme);
	struct dstore_person p;
	struct ob_err err;

	test_begin("hostile forms: fields twice, bad, missing or huge row "
		   "numbers, 1 MB values, invalid UTF-8: a 400 or 422 naming "
		   "the field, nothing written, never a crash");
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(body, sizeof(body), "csrf=%s&uid=rows-2%s", csrf,
			 bad[i][0]);
		test_assert_int(save_status(body, bad[i][1]), 400);
	}
	/* the same on a new person */
	snprintf(body, sizeof(body), "csrf=%s&new=1&new=1&display_name=X",
		 csrf);
	test_assert_int(save_status(body, "new is given more than once"), 400);
	test_assert_int(revision(acme), rev);
	ob_buf_init(&b, 8u << 20);
	/* 1 MB values: a name, a phone number, an e-mail, a note */
	static const char *const big[][2] = {
		{"family_name", "family_name"},
		{"phone%5B0%5D", "phone[1]"},
		{"email%5B0%5D", "email[1]"},
		{"note", "note"},
	};
	for (size_t i = 0; i < sizeof(big) / sizeof(*big); i++) {
		ob_buf_reset(&b);
		ob_buf_addf(&b, "csrf=%s&uid=rows-2&display_name=Few&%s=", csrf,
			    big[i][0]);
		for (size_t k = 0; k < (1u << 20) / 64; k++)
			ob_buf_addf(&b, "%s",
				    "0123456789012345678901234567"
				    "890123456789012345678901234567"
				    "8901");
		struct resp r;
		req(&r, "POST", "/person/save", NULL, cookie, ob_buf_str(&b));
		test_assert_int(r.r.status, 422);
		test_assert(strstr(r.body, "field-error") != NULL);
		test_assert(strstr(r.body, "Not saved: ") != NULL);
		done(&r);
	}
	/* invalid UTF-8 in a name and an e-mail */
	snprintf(body, sizeof(body),
		 "csrf=%s&uid=rows-2&display_name=Few&given_name=%%FF%%FE",
		 csrf);
	test_assert_int(save_status(body, "Not saved: "), 422);
	snprintf(body, sizeof(body),
		 "csrf=%s&uid=rows-2&display_name=Few&email%%5B0%%5D=%%C3%%28"
		 "%%40b.cn",
		 csrf);
	test_assert_int(save_status(body, "field-error"), 422);
	/* an unknown unit and a uid of another enterprise */
	snprintf(body, sizeof(body),
		 "csrf=%s&uid=rows-2&display_name=Few&unit=999999", csrf);
	test_assert_int(save_status(body, "Not saved: "), 422);
	test_assert_int(revision(acme), rev);
	/* more fields than the parser takes */
	ob_buf_reset(&b);
	ob_buf_addf(&b, "csrf=%s&uid=rows-2", csrf);
	for (size_t k = 0; k < WA_FORM_FIELDS_MAX; k++)
		ob_buf_addf(&b, "&x%zu=1", k);
	test_assert_int(save_status(ob_buf_str(&b), NULL), 400);
	test_assert_int(revision(acme), rev);
	/* a row number missing in between is an empty row: saved in order */
	snprintf(body, sizeof(body),
		 "csrf=%s&uid=rows-2&display_name=Few&phone%%5B5%%5D=%%2B86+"
		 "555+0005&phone_type%%5B5%%5D=fax&phone%%5B1%%5D=%%2B86+555+"
		 "0001&phone_type%%5B3%%5D=home",
		 csrf);
	test_assert_int(save_status(body, NULL), 303);
	test_assert_int(
		dstore_person_get(store, acme, "rows-2", false, &p, &err), 0);
	test_assert_int(p.n_phones, 2);
	if (p.n_phones == 2) {
		test_assert_str(p.phones[0].number, "+86 555 0001");
		test_assert_str(p.phones[0].type, "work");
		test_assert_str(p.phones[1].number, "+86 555 0005");
		test_assert_str(p.phones[1].type, "fax");
	}
	dstore_person_deinit(&p);
	/* a made-up type is the store's error, on its row */
	snprintf(body, sizeof(body),
		 "csrf=%s&uid=rows-2&display_name=Few&phone%%5B0%%5D=%%2B86+"
		 "555+0005&phone_type%%5B0%%5D=pager",
		 csrf);
	test_assert_int(save_status(body, "type must be work, cell, home or "
					  "fax"),
			422);
	ob_buf_deinit(&b);
	test_end();
}

static void test_new_uid(void)
{
	char body[512];
	struct resp r;
	struct dstore_person p;
	struct ob_err err;
	int64_t rev = revision(acme);

	test_begin("uid: editable for a new person, a taken one refused (409, "
		   "the other person untouched); read-only once saved");
	req(&r, "GET", "/person/new", "unit=0", cookie, NULL);
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body,
			   "<input name=\"uid\" value=\"\" "
			   "placeholder=\"generated when empty\"") != NULL);
	test_assert(strstr(r.body, "name=\"new\" value=\"1\"") != NULL);
	test_assert(strstr(r.body, "/person/delete") == NULL);
	done(&r);
	snprintf(body, sizeof(body),
		 "csrf=%s&new=1&uid=rows-1&display_name=Impostor", csrf);
	req(&r, "POST", "/person/save", NULL, cookie, body);
	test_assert_int(r.r.status, 409);
	test_assert(strstr(r.body, "another person already has this uid") !=
		    NULL);
	test_assert(strstr(r.body, "value=\"Impostor\"") != NULL);
	done(&r);
	test_assert_int(revision(acme), rev);
	test_assert_int(
		dstore_person_get(store, acme, "rows-1", false, &p, &err), 0);
	test_assert_str(p.display, "Many Rows");
	dstore_person_deinit(&p);
	test_end();
}

static void test_delete(void)
{
	char body[512];
	struct resp r;
	struct dstore_person p;
	struct ob_err err;
	int64_t rev = revision(acme);

	test_begin("delete: apart from Save, a GET never deletes, the form "
		   "token is needed, a page names the person first, only the "
		   "confirmed POST deletes");
	req(&r, "GET", "/person", "uid=rows-2", cookie, NULL);
	const char *save = strstr(r.body, "action=\"/person/save\"");
	const char *del = strstr(r.body, "action=\"/person/delete\"");
	const char *end = save ? strstr(save, "</form>") : NULL;
	test_assert(save != NULL && del != NULL && end != NULL && del > end);
	test_assert(strstr(r.body, "<section class=\"danger-zone\"") != NULL);
	done(&r);
	req(&r, "GET", "/person/delete", "uid=rows-2&confirm=1", cookie, NULL);
	test_assert_int(r.r.status, 405);
	done(&r);
	snprintf(body, sizeof(body), "uid=rows-2&confirm=1");
	req(&r, "POST", "/person/delete", NULL, cookie, body);
	test_assert_int(r.r.status, 403);
	done(&r);
	snprintf(body, sizeof(body), "csrf=%s&uid=rows-2&confirm=1", ocsrf);
	req(&r, "POST", "/person/delete", NULL, cookie, body);
	test_assert_int(r.r.status, 403);
	done(&r);
	/* another enterprise's administrator with their own token */
	snprintf(body, sizeof(body), "csrf=%s&uid=rows-2&confirm=1", ocsrf);
	req(&r, "POST", "/person/delete", NULL, ocookie, body);
	test_assert_int(r.r.status, 404);
	done(&r);
	test_assert_int(revision(acme), rev);
	/* the first POST asks */
	snprintf(body, sizeof(body), "csrf=%s&uid=rows-2", csrf);
	req(&r, "POST", "/person/delete", NULL, cookie, body);
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "<h1>Delete Few?</h1>") != NULL);
	test_assert(strstr(r.body, "name=\"confirm\" value=\"1\"") != NULL);
	test_assert(strstr(r.body, "Delete Few</button>") != NULL);
	test_assert(strstr(r.body, "href=\"/person?uid=rows-2\">Cancel") !=
		    NULL);
	done(&r);
	snprintf(body, sizeof(body), "csrf=%s&uid=rows-2&confirm=yes", csrf);
	req(&r, "POST", "/person/delete", NULL, cookie, body);
	test_assert_int(r.r.status, 200); /* asks again */
	done(&r);
	test_assert_int(revision(acme), rev);
	test_assert_int(
		dstore_person_get(store, acme, "rows-2", false, &p, &err), 0);
	dstore_person_deinit(&p);
	snprintf(body, sizeof(body), "csrf=%s&uid=rows-2&confirm=1", csrf);
	req(&r, "POST", "/person/delete", NULL, cookie, body);
	test_assert_int(r.r.status, 303);
	test_assert_str(r.r.location, "/units?id=0&done=deleted");
	done(&r);
	test_assert_int(revision(acme), rev + 1);
	test_assert_int(
		dstore_person_get(store, acme, "rows-2", false, &p, &err),
		OB_E_NOTFOUND);
	/* a second confirmed POST: nothing there any more */
	req(&r, "POST", "/person/delete", NULL, cookie, body);
	test_assert_int(r.r.status, 404);
	done(&r);
	test_end();
}

static void test_last_change(void)
{
	char body[512];
	struct dstore_person p = {0};
	struct ob_err err;
	struct resp r;

	test_begin("last change: who and when after a save, after a change "
		   "from the command line; the history lists only that person");
	now += 600; /* within the session's idle time */
	snprintf(body, sizeof(body),
		 "csrf=%s&uid=rows-1&display_name=Renamed+Rows", csrf);
	test_assert_int(save_status(body, NULL), 303);
	req(&r, "GET", "/person", "uid=rows-1", cookie, NULL);
	test_assert(strstr(r.body,
			   " by <span class=\"actor\">web:boss@acme"
			   "</span> <span class=\"count\">(person modify") !=
		    NULL);
	done(&r);
	/* someone else, elsewhere */
	dstore_begin(store, acme, "cli", &err);
	dstore_person_get(store, acme, "rows-1", false, &p, &err);
	free(p.title);
	p.title = strdup("Changed by CLI");
	test_assert_int(dstore_person_put(store, acme, &p, NULL, &err), 0);
	dstore_commit(store, NULL, &err);
	dstore_person_deinit(&p);
	req(&r, "GET", "/person", "uid=rows-1", cookie, NULL);
	test_assert(strstr(r.body, " by <span class=\"actor\">cli</span>") !=
		    NULL);
	test_assert(strstr(r.body, "web:boss@acme") == NULL);
	done(&r);
	/* the history: this person only, newest first */
	req(&r, "GET", "/audit", "uid=rows-1", cookie, NULL);
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "<h1>History: Renamed Rows <small>rows-1"
				   "</small></h1>") != NULL);
	const char *cli = strstr(r.body, "<td>cli</td>");
	const char *web = strstr(r.body, "<td>web:boss@acme</td>");
	test_assert(cli != NULL && web != NULL && cli < web);
	test_assert(strstr(r.body, "Few") == NULL); /* rows-2's rows */
	test_assert(strstr(r.body, "person delete") == NULL);
	done(&r);
	/* the whole audit log is still the whole log */
	req(&r, "GET", "/audit", NULL, cookie, NULL);
	test_assert(strstr(r.body, "<h1>Audit log</h1><p>Every change") !=
		    NULL);
	test_assert(strstr(r.body, "person delete") != NULL);
	done(&r);
	/* another enterprise: nothing of this one */
	req(&r, "GET", "/audit", "uid=rows-1", ocookie, NULL);
	test_assert_int(r.r.status, 200);
	test_assert(strstr(r.body, "Renamed") == NULL);
	test_assert(strstr(r.body, "No changes.") != NULL);
	done(&r);
	test_end();
}

int main(void)
{
	setup();
	test_rows_round_trip();
	test_limit();
	test_add_remove();
	test_hostile();
	test_new_uid();
	test_delete();
	test_last_change();
	dstore_close(&store);
	return test_done();
}
