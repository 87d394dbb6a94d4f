/* The accounts pages: the list (search, sort, pages in SQL), creating,
 * disabling and re-passwording an account, accounts from a CSV.
 *
 * Promises: every call is scoped to the signed-in administrator's
 * enterprise; a password is never logged, stored in clear or shown
 * except the generated ones, once, on the page that created them.
 * What it never does: write SQL (lib/dirstore does) or keep state
 * between requests. See web.h for the routes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "dirstore/websession.h"
#include "util/str.h"
#include "import/csv.h"
#include "webadmin/web-internal.h"

#define ACTIVITY_ROWS 50

/* ---- accounts ------------------------------------------------------------ */

/* The activity's operation words (dstore_account_log_add callers) as
 * shown; an unknown one is shown as it is. */
static const char *const ops[][2] = {
	{"create", WA_N("create")},
	{"disable", WA_N("disable")},
	{"enable", WA_N("enable")},
	{"password", WA_N("password")},
	{"link", WA_N("link")},
	{"unlink", WA_N("unlink")},
	{"reset-link", WA_N("reset link")},
	{"sign-in", WA_N("sign-in")},
};

static int activity_row(const struct dstore_account_event *e, void *ctx)
{
	struct wa_ctx *c = ctx;
	struct ob_buf *b = &c->rs->body;
	const char *op = e->op;

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(e->op, ops[i][0]) == 0)
			op = wa_tr(c->lang, ops[i][1]);
	wa_raw(b, "<tr>");
	wa_when_cell(c, e->time);
	wa_cell(b, e->actor);
	wa_cell(b, op);
	wa_cell(b, e->login);
	/* "administrator", "valid 72 hours", "from 192.0.2.9", a uid */
	wa_raw(b, "<td>");
	wa_h_msg(c, e->detail);
	wa_raw(b, "</td></tr>");
	return 0;
}

/* A role as shown. */
static const char *role_word(const struct wa_ctx *c, enum dstore_role r)
{
	return r == DSTORE_ROLE_ADMIN ? WA_T(c, "administrator")
				      : WA_T(c, "user");
}

#define ACCOUNTS_PER_PAGE 50

/* The accounts page's view: search text, sort, direction, page. */
struct acct_view {
	const char *q;
	enum dstore_account_sort sort;
	bool desc;
	int64_t page;
};

static const char *const acct_sort_name[] = {"login", "role", "created",
					     "last-login"};
#define ACCT_SORTS (sizeof(acct_sort_name) / sizeof(acct_sort_name[0]))

static void acct_href(struct ob_buf *b, const struct acct_view *v,
		      enum dstore_account_sort sort, bool desc, int64_t page)
{
	wa_rawf(b, " href=\"/accounts?sort=%s%s&amp;page=%lld",
		acct_sort_name[sort], desc ? "&amp;desc=1" : "",
		(long long)page);
	if (v->q[0]) {
		wa_raw(b, "&amp;q=");
		wa_u(b, v->q);
	}
	wa_raw(b, "\"");
}

static void acct_th(struct ob_buf *b, const struct acct_view *v,
		    enum dstore_account_sort s, const char *label)
{
	bool desc = v->sort == s ? !v->desc : false;

	wa_raw(b, "<th");
	if (v->sort == s)
		wa_raw(b, v->desc ? " aria-sort=\"descending\""
				  : " aria-sort=\"ascending\"");
	wa_raw(b, "><a class=\"sort\"");
	acct_href(b, v, s, desc, 1);
	wa_raw(b, ">");
	wa_raw(b, label);
	if (v->sort == s)
		wa_raw(b, v->desc ? " ▼" : " ▲");
	wa_raw(b, "</a></th>");
}

static void acct_page_href(struct ob_buf *b, const void *ctx, int64_t n)
{
	const struct acct_view *v = ctx;

	acct_href(b, v, v->sort, v->desc, n);
}

static void acct_pager(struct wa_ctx *c, const struct acct_view *v,
		       int64_t pages)
{
	struct ob_buf *b = &c->rs->body;

	if (pages <= 1)
		return;
	wa_rawf(b, "<nav class=\"pager\" aria-label=\"%s\">", WA_T(c, "Pages"));
	wa_page_links_in(b, c->lang, v->page, pages, acct_page_href, v);
	wa_raw(b, "</nav>");
}

struct acct_rows {
	struct wa_ctx *c;
	size_t n;
};

/* The linked person (a link to the person page and an Unlink button), or
 * a form to link one by uid. */
static void acct_person_cell(struct wa_ctx *c, const struct dstore_account *a)
{
	struct ob_buf *b = &c->rs->body;

	wa_rawf(b, "<td data-label=\"%s\">", WA_T(c, "Person"));
	if (a->person_uid[0] != '\0') {
		wa_raw(b, "<a href=\"/person?uid=");
		wa_u(b, a->person_uid);
		wa_raw(b, "\">");
		wa_h(b, a->person_name[0] ? a->person_name : a->person_uid);
		wa_raw(b, "</a> <form class=\"inline\" method=\"post\" "
			  "action=\"/account/unlink\">");
		wa_csrf_input(b, c->ses.csrf);
		wa_rawf(b,
			"<input type=\"hidden\" name=\"id\" value=\"%lld\">"
			"<button type=\"submit\">%s</button></form>",
			(long long)a->id, WA_T(c, "Unlink"));
	} else {
		wa_raw(b, "<form class=\"inline\" method=\"post\" "
			  "action=\"/account/link\">");
		wa_csrf_input(b, c->ses.csrf);
		wa_rawf(b,
			"<input type=\"hidden\" name=\"id\" value=\"%lld\">"
			"<input name=\"uid\" required maxlength=\"200\" "
			"aria-label=\"%s\" placeholder=\"%s\">"
			"<button type=\"submit\">%s</button></form>",
			(long long)a->id, WA_T(c, "Person uid"),
			WA_T(c, "person uid"), WA_T(c, "Link"));
	}
	wa_raw(b, "</td>");
}

static int acct_row(const struct dstore_account *a, void *ctx)
{
	struct acct_rows *r = ctx;
	struct wa_ctx *c = r->c;
	struct ob_buf *b = &c->rs->body;
	bool self = a->id == c->ses.account_id;

	r->n++;
	wa_rawf(b, "<tr><td data-label=\"%s\">", WA_T(c, "Login"));
	wa_h(b, a->login);
	wa_rawf(b,
		"</td><td data-label=\"%s\">%s</td><td "
		"data-label=\"%s\">%s</td>",
		WA_T(c, "Role"), role_word(c, a->role), WA_T(c, "Status"),
		a->disabled ? WA_T(c, "disabled") : WA_T(c, "active"));
	acct_person_cell(c, a);
	wa_rawf(b, "<td data-label=\"%s\">", WA_T(c, "Last sign-in"));
	wa_when(c, a->last_login); /* "never" when 0 */
	wa_rawf(b, "</td><td data-label=\"%s\">", WA_T(c, "Created"));
	wa_when(c, a->created);
	wa_raw(b, "</td><td>");
	if (!self) {
		wa_raw(b, "<form method=\"post\" "
			  "action=\"/account/disable\">");
		wa_csrf_input(b, c->ses.csrf);
		wa_rawf(b,
			"<input type=\"hidden\" name=\"id\" "
			"value=\"%lld\"><input type=\"hidden\" "
			"name=\"disabled\" value=\"%d\"><button "
			"type=\"submit\">%s</button></form>",
			(long long)a->id, a->disabled ? 0 : 1,
			a->disabled ? WA_T(c, "Enable") : WA_T(c, "Disable"));
	}
	wa_raw(b, "</td><td><form class=\"inline\" method=\"post\" "
		  "action=\"/account/password\">");
	wa_csrf_input(b, c->ses.csrf);
	wa_rawf(b,
		"<input type=\"hidden\" name=\"id\" value=\"%lld\">"
		"<input name=\"password\" type=\"password\" "
		"autocomplete=\"new-password\" minlength=\"8\" "
		"required aria-label=\"%s\" "
		"placeholder=\"%s\"><button "
		"type=\"submit\">%s</button></form>",
		(long long)a->id, WA_T(c, "New password"),
		WA_T(c, "new password"), WA_T(c, "Set password"));
	if (!a->disabled) {
		wa_raw(b, "<form class=\"inline\" method=\"post\" "
			  "action=\"/account/reset-link\">");
		wa_csrf_input(b, c->ses.csrf);
		wa_rawf(b,
			"<input type=\"hidden\" name=\"id\" value=\"%lld\">"
			"<button type=\"submit\">%s</button></form>",
			(long long)a->id, WA_T(c, "Reset link"));
	}
	wa_raw(b, "</td></tr>");
	return 0;
}

void wa_accounts_page(struct wa_ctx *c)
{
	struct ob_buf *b = &c->rs->body;
	struct acct_view v = {0};
	struct dstore_account_query q = {0};
	struct acct_rows rows = {c, 0};
	const char *sort = wa_arg(c, "sort");
	int64_t total = 0, pages;
	struct ob_err err = {0};
	char n1[48], n2[48], n3[48];
	int ret;

	v.q = wa_arg(c, "q") ? wa_arg(c, "q") : "";
	if (strlen(v.q) >= DSTORE_LOGIN_MAX)
		v.q = "";
	v.sort = DSTORE_ACCOUNT_SORT_LOGIN;
	for (size_t i = 0; sort && i < ACCT_SORTS; i++)
		if (strcmp(sort, acct_sort_name[i]) == 0)
			v.sort = (enum dstore_account_sort)i;
	v.desc = wa_arg_int(c, "desc", 0) != 0;
	v.page = wa_arg_int(c, "page", 1);
	if (v.page < 1 || v.page > INT64_MAX / ACCOUNTS_PER_PAGE)
		v.page = 1;
	q.search = v.q;
	q.sort = v.sort;
	q.descending = v.desc;
	q.limit = ACCOUNTS_PER_PAGE;
	q.offset = (v.page - 1) * ACCOUNTS_PER_PAGE;

	wa_open(c, WA_T(c, "Accounts"), "accounts");
	wa_notice(c);
	wa_rawf(b,
		"<h1>%s</h1><form class=\"search\" method=\"get\" "
		"action=\"/accounts\" role=\"search\"><label>%s "
		"<input type=\"search\" name=\"q\" value=\"",
		WA_T(c, "Accounts"), WA_T(c, "Search"));
	wa_h(b, v.q);
	wa_rawf(b,
		"\" placeholder=\"%s\"></label><input "
		"type=\"hidden\" name=\"sort\" value=\"%s\"><button "
		"type=\"submit\">%s</button></form>",
		WA_T(c, "login, person or role"), acct_sort_name[v.sort],
		WA_T(c, "Search"));
	wa_raw(b, "<div class=\"table-scroll\"><table class=\"accounts\">"
		  "<thead><tr>");
	acct_th(b, &v, DSTORE_ACCOUNT_SORT_LOGIN, WA_T(c, "Login"));
	acct_th(b, &v, DSTORE_ACCOUNT_SORT_ROLE, WA_T(c, "Role"));
	wa_rawf(b, "<th>%s</th><th>%s</th>", WA_T(c, "Status"),
		WA_T(c, "Person"));
	acct_th(b, &v, DSTORE_ACCOUNT_SORT_LAST_LOGIN, WA_T(c, "Last sign-in"));
	acct_th(b, &v, DSTORE_ACCOUNT_SORT_CREATED, WA_T(c, "Created"));
	wa_raw(b, "<th></th><th></th></tr></thead><tbody>");
	ret = dstore_account_page(c->store, c->ses.tenant_id, &q, acct_row,
				  &rows, &total, &err);
	wa_raw(b, "</tbody></table></div>");
	if (ret != 0) {
		wa_rawf(b, "<p class=\"error\" role=\"alert\">%s</p>",
			WA_T(c, "The accounts are unavailable."));
	} else {
		pages = (total + ACCOUNTS_PER_PAGE - 1) / ACCOUNTS_PER_PAGE;
		wa_raw(b, "<p class=\"counts showing\" role=\"status\">");
		if (total == 0) {
			wa_raw(b, WA_T(c, "No accounts match."));
		} else if (rows.n == 0) {
			wa_rawf(b,
				WA_T(c, "Page %lld is past the end: %s "
					"accounts."),
				(long long)v.page, wa_num_str(total, n1));
		} else {
			wa_rawf(b, WA_T(c, "Showing %s–%s of %s"),
				wa_num_str(q.offset + 1, n1),
				wa_num_str(q.offset + (int64_t)rows.n, n2),
				wa_num_str(total, n3));
		}
		wa_raw(b, "</p>");
		acct_pager(c, &v, pages);
	}
	wa_rawf(b,
		"<h2>%s</h2><form method=\"post\" "
		"action=\"/account/add\">",
		WA_T(c, "New account"));
	wa_csrf_input(b, c->ses.csrf);
	wa_rawf(b,
		"<label>%s <input name=\"login\" required "
		"autocomplete=\"off\"></label><label>%s <input "
		"name=\"password\" type=\"password\" minlength=\"8\" "
		"required autocomplete=\"new-password\"></label><label>%s "
		"<select name=\"role\"><option value=\"user\">%s</option>"
		"<option value=\"admin\">%s</option></select></label>"
		"<button type=\"submit\">%s</button></form>",
		WA_T(c, "Login"), WA_T(c, "Password"), WA_T(c, "Role"),
		WA_T(c, "user (syncs the directory)"), WA_T(c, "administrator"),
		WA_T(c, "Create"));
	wa_rawf(b, "<h2>%s</h2><p>", WA_T(c, "Create accounts from a CSV"));
	wa_raw(b, WA_T(c, "Columns <code>login,role,uid</code> (header "
			  "required; role <code>user</code> or "
			  "<code>admin</code>; uid of the person the account "
			  "is linked to, may be empty; one account per "
			  "person). Every line is checked first; nothing is "
			  "created unless all are good. Initial passwords are "
			  "generated and shown once."));
	wa_raw(b, "</p><form method=\"post\" "
		  "enctype=\"multipart/form-data\" "
		  "action=\"/accounts/import\">");
	wa_csrf_input(b, c->ses.csrf);
	wa_rawf(b,
		"<label>%s <input type=\"file\" name=\"file\" "
		"accept=\".csv,text/csv\" required></label><label "
		"class=\"check\"><input type=\"checkbox\" name=\"links\" "
		"value=\"1\"> %s</label><button "
		"type=\"submit\">%s</button></form>",
		WA_T(c, "CSV file"),
		WA_T(c, "Reset links instead of passwords (each user sets a "
			"password, within 72 hours)"),
		WA_T(c, "Create accounts"));
	wa_rawf(b,
		"<h2>%s</h2><table class=\"activity\">"
		"<thead><tr><th>%s</th><th>%s</th><th>%s</th>"
		"<th>%s</th><th>%s</th></tr></thead><tbody>",
		WA_T(c, "Recent account activity"), WA_T(c, "When"),
		WA_T(c, "Who"), WA_T(c, "What"), WA_T(c, "Account"),
		WA_T(c, "Detail"));
	(void)dstore_account_log_recent(c->store, c->ses.tenant_id,
					ACTIVITY_ROWS, activity_row, c, &err);
	wa_raw(b, "</tbody></table>");
	wa_close(c);
}

/* The account activity row of an action (its login looked up by id). */
static void log_account(struct wa_ctx *c, const char *what, int64_t id)
{
	struct dstore_account a;
	const char *op = what, *detail = "";
	char actor[DSTORE_LOGIN_MAX + 8];
	const char *role = wa_field(c, "role");
	struct ob_err err;

	if (dstore_account_get(c->store, c->ses.tenant_id, id, &a, &err) != 0)
		return;
	if (strcmp(what, "add") == 0) {
		op = "create";
		detail = role && strcmp(role, "admin") == 0 ? "administrator"
							    : "user";
	} else if (strcmp(what, "disable") == 0) {
		op = wa_field_int(c, "disabled", 1) != 0 ? "disable" : "enable";
	} else if (strcmp(what, "link") == 0) {
		detail = a.person_uid;
	}
	snprintf(actor, sizeof(actor), "web:%s", c->ses.login);
	(void)dstore_account_log_add(c->store, c->ses.tenant_id, c->rq->now,
				     actor, op, a.login, detail, &err);
}

void wa_account_action(struct wa_ctx *c, const char *what)
{
	int64_t id = wa_field_int(c, "id", 0), new_id;
	const char *pw = wa_field(c, "password");
	struct ob_err err = {0};
	int ret;

	if (strcmp(what, "add") == 0) {
		const char *login = wa_field(c, "login");
		const char *role = wa_field(c, "role");
		if (login == NULL || pw == NULL) {
			wa_fail(c, 400,
				WA_T(c, "A new account needs a login and a "
					"password."));
			return;
		}
		ret = dstore_account_create(
			c->store, c->ses.tenant_id, login, pw,
			role && strcmp(role, "admin") == 0 ? DSTORE_ROLE_ADMIN
							   : DSTORE_ROLE_USER,
			&new_id, &err);
		if (ret == OB_E_EXISTS) {
			wa_fail(c, 409, WA_T(c, "That login is taken."));
			return;
		}
	} else if (strcmp(what, "disable") == 0) {
		if (id == c->ses.account_id) {
			wa_fail(c, 409,
				WA_T(c,
				     "You cannot disable your own account."));
			return;
		}
		ret = dstore_account_set_disabled(
			c->store, c->ses.tenant_id, id,
			wa_field_int(c, "disabled", 1) != 0, &err);
		if (ret == 0)
			ret = dstore_web_session_end_account(c->store, id,
							     &err);
	} else if (strcmp(what, "link") == 0 || strcmp(what, "unlink") == 0) {
		const char *uid =
			strcmp(what, "link") == 0 ? wa_field(c, "uid") : "";
		if (uid == NULL || (strcmp(what, "link") == 0 && *uid == 0)) {
			wa_fail(c, 400,
				WA_T(c, "Enter the uid of the person."));
			return;
		}
		ret = dstore_account_link(c->store, c->ses.tenant_id, id, uid,
					  &err);
		if (ret == OB_E_NOTFOUND && strcmp(err.field, "uid") == 0) {
			wa_fail_msg(c, 422, err.msg);
			return;
		}
		if (ret == OB_E_EXISTS) {
			wa_fail_msg(c, 409, err.msg);
			return;
		}
	} else {
		if (pw == NULL) {
			wa_fail(c, 400, WA_T(c, "Enter the new password."));
			return;
		}
		ret = dstore_account_set_password(c->store, c->ses.tenant_id,
						  id, pw, &err);
	}
	if (ret == OB_E_NOTFOUND) {
		wa_fail(c, 404, WA_T(c, "No such account."));
		return;
	}
	if (ret != 0) {
		wa_fail_msg(c, ret == OB_E_INVAL ? 422 : 503, err.msg);
		return;
	}
	snprintf(c->rs->log, sizeof(c->rs->log),
		 "admin account %s tenant=%lld account=%lld", what,
		 (long long)c->ses.tenant_id,
		 (long long)(strcmp(what, "add") == 0 ? new_id : id));
	log_account(c, what, strcmp(what, "add") == 0 ? new_id : id);
	wa_redirect(c, "/accounts?done=%s",
		    strcmp(what, "add") == 0        ? "account-added"
		    : strcmp(what, "password") == 0 ? "password"
		    : strcmp(what, "link") == 0     ? "account-linked"
		    : strcmp(what, "unlink") == 0   ? "account-unlinked"
						    : "account-changed");
}

/* The whole reset link of a token, escaped, for this admin listener as
 * the administrator reached it. */
static void reset_url(struct wa_ctx *c, struct ob_buf *b, const char *token)
{
	wa_h(b, c->cfg->secure_cookie ? "https://" : "http://");
	wa_h(b, c->rq->host ? c->rq->host : "");
	wa_raw(b, "/reset?token=");
	wa_raw(b, token);
}

/* ---- accounts from a CSV ------------------------------------------------- */

#define ACCT_IMPORT_MAX 5000 /* accounts per file */
#define ACCT_PW_LEN 16

#define acct_new wa_account_new

struct acct_import {
	int64_t tenant;
	struct acct_new *a;
	size_t n;
	struct dstore_password *prep; /* a[i]'s hashed password */
	bool links;                   /* a reset link each, not a password */
	int64_t now;
	const char *actor;
};

/* A strong initial password from the OS random source: 16 characters of
 * an unambiguous 57-letter alphabet (about 93 bits), rejection sampled so
 * that every letter is equally likely. */
static int gen_password(char out[ACCT_PW_LEN + 1])
{
	static const char alpha[] = "abcdefghijkmnopqrstuvwxyz"
				    "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	const size_t na = sizeof(alpha) - 1;
	size_t k = 0;

	while (k < ACCT_PW_LEN) {
		unsigned char r[32];
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			return OB_E_FAIL;
		for (size_t i = 0; i < sizeof(r) && k < ACCT_PW_LEN; i++)
			if (r[i] < 256 - 256 % na)
				out[k++] = alpha[r[i] % na];
		explicit_bzero(r, sizeof(r));
	}
	out[k] = '\0';
	return 0;
}

static bool login_ok(const char *l)
{
	if (l[0] == '\0' || strlen(l) >= DSTORE_LOGIN_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)l; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

static bool person_linked(struct dstore *store, int64_t tenant, const char *uid)
{
	struct dstore_account a;

	return dstore_account_of_person(store, tenant, uid, &a, NULL) == 0;
}

/* A uid of the file: a person of the enterprise, not linked to an
 * account already, not on an earlier line. */
static int check_uid(struct dstore *store, const struct acct_import *im,
		     const char *uid, long line, struct ob_err *err)
{
	struct dstore_person p = {0};
	int g;

	if (strlen(uid) >= DSTORE_UID_MAX)
		return ob_err_set(err, OB_E_NOTFOUND,
				  "line %ld, field uid: no person \"%.64s…\"",
				  line, uid);
	g = dstore_person_get(store, im->tenant, uid, false, &p, NULL);
	dstore_person_deinit(&p);
	if (g != 0)
		return ob_err_set(err, OB_E_NOTFOUND,
				  "line %ld, field uid: no person \"%.64s\"",
				  line, uid);
	for (size_t i = 0; i < im->n; i++)
		if (strcmp(im->a[i].uid, uid) == 0)
			return ob_err_set(err, OB_E_EXISTS,
					  "line %ld, field uid: \"%.64s\" is "
					  "also on an earlier line (one "
					  "account per person)",
					  line, uid);
	if (person_linked(store, im->tenant, uid))
		return ob_err_set(err, OB_E_EXISTS,
				  "line %ld, field uid: \"%.64s\" is already "
				  "linked to an account",
				  line, uid);
	return 0;
}

/* Read and check every line; nothing is created here. Returns 0, or an
 * error with err naming the line and field. */
static int acct_import_read(struct dstore *store, const char *data, size_t len,
			    struct acct_import *im, struct ob_err *err)
{
	struct imp_csv *csv = NULL;
	char **f;
	size_t n, col_login = SIZE_MAX, col_role = SIZE_MAX, col_uid = SIZE_MAX;
	long line;
	int ret, r;

	ret = imp_csv_open(data, len, IMP_ENC_UTF8, NULL, &csv, err);
	if (ret != 0)
		goto out;
	r = imp_csv_next(csv, &f, &n, &line, err);
	if (r <= 0) {
		ret = r < 0 ? r
			    : ob_err_set(err, OB_E_PARSE, "the file is empty");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(f[i], "login") == 0) {
			col_login = i;
		} else if (strcmp(f[i], "role") == 0) {
			col_role = i;
		} else if (strcmp(f[i], "uid") == 0 ||
			   strcmp(f[i], "person uid") == 0) {
			col_uid = i;
		} else {
			ret = ob_err_set(err, OB_E_PARSE,
					 "line 1: unknown column \"%.64s\" "
					 "(the header is login,role,uid)",
					 f[i]);
			goto out;
		}
	}
	if (col_login == SIZE_MAX || col_role == SIZE_MAX) {
		ret = ob_err_set(err, OB_E_PARSE,
				 "line 1: the header needs the columns login "
				 "and role (and optionally uid)");
		goto out;
	}
	while ((r = imp_csv_next(csv, &f, &n, &line, err)) == 1) {
		const char *login = col_login < n ? f[col_login] : "";
		const char *role = col_role < n ? f[col_role] : "";
		const char *uid = col_uid < n ? f[col_uid] : "";
		struct dstore_account old;
		struct acct_new *a;

		if (n == 1 && f[0][0] == '\0')
			continue; /* a blank line */
		if (im->n == ACCT_IMPORT_MAX) {
			ret = ob_err_set(err, OB_E_LIMIT,
					 "line %ld: more than %d accounts in "
					 "one file",
					 line, ACCT_IMPORT_MAX);
			goto out;
		}
		if (!login_ok(login)) {
			ret = ob_err_set(err, OB_E_INVAL,
					 "line %ld, field login: empty, too "
					 "long, or with a space or control "
					 "character",
					 line);
			goto out;
		}
		for (size_t i = 0; i < im->n; i++)
			if (strcasecmp(im->a[i].login, login) == 0) {
				ret = ob_err_set(err, OB_E_EXISTS,
						 "line %ld, field login: "
						 "\"%.128s\" is also on an "
						 "earlier line",
						 line, login);
				goto out;
			}
		if (dstore_account_find(store, login, &old, NULL) == 0) {
			ret = ob_err_set(err, OB_E_EXISTS,
					 "line %ld, field login: \"%.128s\" is "
					 "taken",
					 line, login);
			goto out;
		}
		if (strcmp(role, "user") != 0 && strcmp(role, "admin") != 0 &&
		    strcmp(role, "administrator") != 0) {
			ret = ob_err_set(err, OB_E_INVAL,
					 "line %ld, field role: \"%.32s\" is "
					 "not user or admin",
					 line, role);
			goto out;
		}
		if (uid[0] != '\0') {
			ret = check_uid(store, im, uid, line, err);
			if (ret != 0)
				goto out;
		}
		a = realloc(im->a, (im->n + 1) * sizeof(*a));
		if (a == NULL) {
			ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
			goto out;
		}
		im->a = a;
		a = &im->a[im->n++];
		memset(a, 0, sizeof(*a));
		ob_strlcpy(a->login, login, sizeof(a->login));
		ob_strlcpy(a->uid, uid, sizeof(a->uid));
		a->role = strcmp(role, "user") == 0 ? DSTORE_ROLE_USER
						    : DSTORE_ROLE_ADMIN;
		ret = gen_password(a->pw);
		if (ret != 0) {
			ret = ob_err_set(err, ret, "no random bytes");
			goto out;
		}
	}
	if (r < 0)
		ret = r;
	else if (im->n == 0)
		ret = ob_err_set(err, OB_E_PARSE,
				 "no accounts after the header");
out:
	imp_csv_free(&csv);
	return ret;
}

/* Every password hashed before the write transaction: yescrypt is slow
 * by design, and a file of thousands of accounts would otherwise hold
 * the store's write lock for minutes. */
static int acct_import_prepare(struct dstore *s, struct acct_import *im,
			       struct ob_err *err)
{
	int ret = 0;

	im->prep = calloc(im->n, sizeof(*im->prep));
	if (im->prep == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	for (size_t i = 0; i < im->n && ret == 0; i++) {
		ret = dstore_password_prepare(s, im->tenant, im->a[i].login,
					      im->a[i].pw, &im->prep[i], err);
		if (im->links) /* nobody is ever told it */
			explicit_bzero(im->a[i].pw, sizeof(im->a[i].pw));
	}
	return ret;
}

static int acct_import_txn(struct dstore *s, void *ctx, struct ob_err *err)
{
	struct acct_import *im = ctx;
	int64_t id;
	int ret = 0;

	for (size_t i = 0; i < im->n && ret == 0; i++) {
		ret = dstore_account_create_prepared(
			s, im->tenant, im->a[i].login, &im->prep[i],
			im->a[i].role, &id, err);
		if (ret == 0 && im->a[i].uid[0] != '\0')
			ret = dstore_account_link(s, im->tenant, id,
						  im->a[i].uid, err);
		if (ret == 0 && im->links)
			ret = dstore_reset_create(s, im->tenant, id, im->now,
						  DSTORE_RESET_HOURS_DEFAULT,
						  im->actor, im->a[i].token,
						  NULL, err);
		if (ret != 0)
			ob_err_prefix(err, "account %.128s: ", im->a[i].login);
	}
	return ret;
}

static void acct_import_free(struct acct_import *im)
{
	for (size_t i = 0; im->prep != NULL && i < im->n; i++)
		dstore_password_deinit(&im->prep[i]);
	free(im->prep);
	im->prep = NULL;
	if (im->a != NULL)
		explicit_bzero(im->a, im->n * sizeof(*im->a));
	free(im->a);
	im->a = NULL;
	im->n = 0;
}

/* The import's activity rows: the creation, and the link when made. */
static void acct_import_log(struct dstore *s, int64_t tenant, int64_t now,
			    const char *actor, const struct acct_import *im)
{
	struct ob_err err;

	for (size_t i = 0; i < im->n; i++) {
		(void)dstore_account_log_add(
			s, tenant, now, actor, "create", im->a[i].login,
			im->a[i].role == DSTORE_ROLE_ADMIN ? "administrator"
							   : "user",
			&err);
		if (im->a[i].uid[0] != '\0')
			(void)dstore_account_log_add(s, tenant, now, actor,
						     "link", im->a[i].login,
						     im->a[i].uid, &err);
		if (im->links)
			(void)dstore_account_log_add(
				s, tenant, now, actor, "reset-link",
				im->a[i].login, "valid 72 hours", &err);
	}
}

int wa_accounts_import_csv(struct dstore *s, int64_t tenant, const char *actor,
			   const char *data, size_t len, bool reset_links,
			   struct wa_account_new **a_r, size_t *n_r,
			   struct ob_err *err)
{
	struct acct_import im = {
		tenant, NULL, 0, NULL, reset_links, (int64_t)time(NULL), actor};
	int ret = acct_import_read(s, data, len, &im, err);

	if (ret == 0)
		ret = acct_import_prepare(s, &im, err);
	if (ret == 0)
		ret = dstore_retry(s, tenant, actor, 5, acct_import_txn, &im,
				   NULL, err);
	if (ret != 0) {
		acct_import_free(&im);
		return ret;
	}
	acct_import_log(s, tenant, im.now, actor, &im);
	for (size_t i = 0; i < im.n; i++)
		dstore_password_deinit(&im.prep[i]);
	free(im.prep);
	*a_r = im.a;
	*n_r = im.n;
	return 0;
}

/* POST /accounts/import: every line checked first, then all accounts in
 * one transaction; the generated passwords are shown on this page only
 * (and as a CSV download built into it), never stored in clear. */
void wa_accounts_import(struct wa_ctx *c)
{
	const struct wa_form_field *f = wa_form_field(&c->form, "file");
	struct ob_buf *b = &c->rs->body, csvb;
	char actor[DSTORE_LOGIN_MAX + 8];
	struct acct_import im = {c->ses.tenant_id,
				 NULL,
				 0,
				 NULL,
				 wa_field_int(c, "links", 0) == 1,
				 c->rq->now,
				 actor};
	struct ob_err err = {0};
	int ret;

	snprintf(actor, sizeof(actor), "web:%s", c->ses.login);
	if (f == NULL || f->len == 0) {
		wa_fail(c, 400, WA_T(c, "Choose a CSV file of accounts."));
		return;
	}
	ret = acct_import_read(c->store, f->value, f->len, &im, &err);
	if (ret == 0)
		ret = acct_import_prepare(c->store, &im, &err);
	if (ret == 0)
		ret = wa_txn(c, acct_import_txn, &im, &err);
	if (ret != 0) {
		acct_import_free(&im);
		if (err.msg[0])
			wa_fail_msg(c,
				    ret == OB_E_BUSY || ret == OB_E_FAIL ? 503
									 : 422,
				    err.msg);
		else
			wa_fail(c,
				ret == OB_E_BUSY || ret == OB_E_FAIL ? 503
								     : 422,
				WA_T(c, "The accounts were not created."));
		return;
	}
	acct_import_log(c->store, c->ses.tenant_id, c->rq->now, actor, &im);
	snprintf(c->rs->log, sizeof(c->rs->log),
		 "admin account import tenant=%lld accounts=%zu",
		 (long long)c->ses.tenant_id, im.n);
	wa_open(c, WA_T(c, "Accounts created"), "accounts");
	wa_raw(b, "<h1>");
	wa_rawf(b, WA_T(c, "%zu accounts created"), im.n);
	wa_rawf(b, "</h1><p class=\"notice\" role=\"status\">%s</p>",
		im.links ? WA_T(c, "These reset links are shown once: they are "
				   "stored only as hashes. Each sets its "
				   "account's password once, within 72 hours. "
				   "Hand them over now, or download them.")
			 : WA_T(c, "These initial passwords are shown once: "
				   "they are stored only as hashes and cannot "
				   "be shown again. Hand them over now, or "
				   "download them."));
	ob_buf_init(&csvb, 1u << 22);
	(void)ob_buf_add_str(&csvb, im.links ? "login,reset_link\r\n"
					     : "login,password\r\n");
	for (size_t i = 0; i < im.n; i++) {
		(void)ob_buf_add_str(&csvb, im.a[i].login);
		(void)ob_buf_add_char(&csvb, ',');
		if (im.links)
			reset_url(c, &csvb, im.a[i].token);
		else
			(void)ob_buf_add_str(&csvb, im.a[i].pw);
		(void)ob_buf_add_str(&csvb, "\r\n");
	}
	wa_rawf(b,
		"<p><a class=\"button\" download=\"accounts-%s.csv\" "
		"href=\"data:text/csv;charset=utf-8,",
		im.links ? "reset-links" : "passwords");
	wa_u(b, ob_buf_str(&csvb));
	wa_rawf(b, "\">%s</a></p>",
		im.links ? WA_T(c, "Download login,reset_link CSV")
			 : WA_T(c, "Download login,password CSV"));
	if (csvb.data != NULL)
		explicit_bzero(csvb.data, csvb.len);
	ob_buf_deinit(&csvb);
	wa_rawf(b,
		"<div class=\"table-scroll\"><table class=\"passwords\">"
		"<thead><tr><th>%s</th><th>%s</th><th>%s</th>"
		"<th>%s</th></tr></thead><tbody>",
		WA_T(c, "Login"), WA_T(c, "Role"), WA_T(c, "Person"),
		im.links ? WA_T(c, "Reset link") : WA_T(c, "Initial password"));
	for (size_t i = 0; i < im.n; i++) {
		wa_raw(b, "<tr><td>");
		wa_h(b, im.a[i].login);
		wa_rawf(b, "</td><td>%s</td><td>", role_word(c, im.a[i].role));
		wa_h(b, im.a[i].uid);
		if (im.links) {
			wa_raw(b, "</td><td><code class=\"reset-link\">");
			reset_url(c, b, im.a[i].token);
			wa_raw(b, "</code></td></tr>");
		} else {
			wa_rawf(b,
				"</td><td><code class=\"pw\">%s</code></td>"
				"</tr>",
				im.a[i].pw);
		}
	}
	wa_rawf(b, "</tbody></table></div><p><a href=\"/accounts\">%s</a></p>",
		WA_T(c, "Back to the accounts"));
	wa_close(c);
	acct_import_free(&im);
}

/* ---- password-reset links ------------------------------------------------ */

/* POST /account/reset-link (id, hours): a new link for the account,
 * replacing its previous one, shown on this page once (only its hash is
 * stored). */
void wa_account_reset_link(struct wa_ctx *c)
{
	int64_t id = wa_field_int(c, "id", 0);
	int64_t hours = wa_field_int(c, "hours", DSTORE_RESET_HOURS_DEFAULT);
	struct ob_buf *b = &c->rs->body;
	char tok[DSTORE_RESET_TOKEN_MAX], actor[DSTORE_LOGIN_MAX + 8];
	char detail[64];
	struct dstore_account a;
	struct ob_err err = {0};
	int64_t expires = 0;
	int ret;

	snprintf(actor, sizeof(actor), "web:%s", c->ses.login);
	ret = dstore_account_get(c->store, c->ses.tenant_id, id, &a, &err);
	if (ret == 0 && a.disabled)
		ret = ob_err_set(&err, OB_E_INVAL,
				 "The account is disabled: enable it first.");
	if (ret == 0)
		ret = dstore_reset_create(
			c->store, c->ses.tenant_id, id, c->rq->now,
			hours > DSTORE_RESET_HOURS_MAX ? 0 : (int)hours, actor,
			tok, &expires, &err);
	if (ret == OB_E_NOTFOUND) {
		wa_fail(c, 404, WA_T(c, "No such account."));
		return;
	}
	if (ret != 0) {
		wa_fail_msg(c, ret == OB_E_INVAL ? 422 : 503, err.msg);
		return;
	}
	snprintf(detail, sizeof(detail), "valid %lld hours", (long long)hours);
	(void)dstore_account_log_add(c->store, c->ses.tenant_id, c->rq->now,
				     actor, "reset-link", a.login, detail,
				     &err);
	snprintf(c->rs->log, sizeof(c->rs->log),
		 "admin account reset-link tenant=%lld account=%lld",
		 (long long)c->ses.tenant_id, (long long)id);
	wa_open(c, WA_T(c, "Reset link"), "accounts");
	wa_raw(b, "<h1>");
	wa_raw(b, WA_T(c, "Reset link for "));
	wa_h(b, a.login);
	wa_rawf(b, "</h1><p class=\"notice\" role=\"status\">%s",
		WA_T(c, "This link is shown once: only its hash is stored. "
			"Hand it to the account's owner now. It sets a new "
			"password once, until "));
	wa_when(c, expires);
	wa_rawf(b, "%s</p><p><code class=\"reset-link\">",
		WA_T(c, "; a new link replaces it."));
	reset_url(c, b, tok);
	wa_rawf(b, "</code></p><p><a href=\"/accounts\">%s</a></p>",
		WA_T(c, "Back to the accounts"));
	explicit_bzero(tok, sizeof(tok));
	wa_close(c);
}

/* The one answer to every refused token: it never tells an unknown token
 * from a used, expired or disabled one. */
static void reset_refused(struct wa_ctx *c, const struct ob_err *err)
{
	snprintf(c->rs->log, sizeof(c->rs->log),
		 "reset link refused (%s) addr=%s",
		 err && err->field[0] ? err->field : "token",
		 c->rq->remote_addr ? c->rq->remote_addr : "");
	if (c->rq->remote_addr != NULL)
		dstore_login_failed(c->store, "", c->rq->remote_addr,
				    c->rq->now);
	wa_fail(c, 404,
		WA_T(c, "This reset link is invalid or has expired. Ask an "
			"administrator for a new one."));
}

/* A page without a session: no navigation, no logout; in the language
 * wa_web_handle chose from the cookie or Accept-Language, as the sign-in
 * page is. Its language switch comes back to this GET (the token is in
 * its URL already), a POST's to the sign-in page. */
static void reset_open(struct wa_ctx *c, const char *title, const char *token)
{
	struct wa_page p = {.title = title, .lang = c->lang, .here = "/login"};
	struct ob_buf back;

	ob_buf_init(&back, 512);
	if (strcmp(c->rq->method, "POST") != 0 && token != NULL) {
		(void)ob_buf_add_str(&back, "/reset?token=");
		wa_u(&back, token);
		if (back.data != NULL && back.len < 400)
			p.here = ob_buf_str(&back);
	}
	ob_strlcpy(c->rs->content_type, "text/html; charset=utf-8",
		   sizeof(c->rs->content_type));
	ob_buf_reset(&c->rs->body);
	wa_page_open(&c->rs->body, &p);
	ob_buf_deinit(&back);
}

static void reset_form(struct wa_ctx *c, const struct dstore_account *a,
		       const char *token, const char *msg)
{
	struct ob_buf *b = &c->rs->body;

	reset_open(c, WA_T(c, "Set a password"), token);
	wa_rawf(b, "<h1>%s</h1>", WA_T(c, "Set a password"));
	if (msg != NULL) {
		wa_raw(b, "<p class=\"error\" role=\"alert\">");
		wa_h(b, msg);
		wa_raw(b, "</p>");
	}
	wa_raw(b, "<p>");
	wa_raw(b, WA_T(c, "A new password for "));
	wa_raw(b, "<b>");
	wa_h(b, a->login);
	wa_raw(b, "</b>");
	wa_raw(b, WA_T(c, ", at least 8 characters. This link works once."));
	wa_raw(b, "</p>"
		  "<form class=\"login\" method=\"post\" "
		  "action=\"/reset\"><input type=\"hidden\" name=\"token\" "
		  "value=\"");
	wa_h(b, token);
	wa_raw(b, "\"><input type=\"hidden\" name=\"login\" "
		  "autocomplete=\"username\" value=\"");
	wa_h(b, a->login);
	wa_rawf(b,
		"\"><label>%s <input name=\"password\" "
		"type=\"password\" minlength=\"8\" maxlength=\"%d\" "
		"autocomplete=\"new-password\" required autofocus></label>"
		"<label>%s <input name=\"password2\" type=\"password\" "
		"minlength=\"8\" autocomplete=\"new-password\" required>"
		"</label><button type=\"submit\">%s</button>"
		"</form>",
		WA_T(c, "New password"), DSTORE_PASSWORD_MAX, WA_T(c, "Again"),
		WA_T(c, "Set password"));
	wa_close(c);
}

void wa_reset_page(struct wa_ctx *c)
{
	bool post = strcmp(c->rq->method, "POST") == 0;
	const char *token = post ? wa_field(c, "token") : wa_arg(c, "token");
	const char *pw = wa_field(c, "password"),
		   *pw2 = wa_field(c, "password2");
	struct dstore_account a;
	struct ob_err err = {0};
	char detail[96];
	int ret;

	if (c->rq->remote_addr != NULL &&
	    dstore_login_throttled(c->store, "", c->rq->remote_addr,
				   c->rq->now) != 0) {
		c->rs->retry_after = 60;
		wa_fail(c, 429, WA_T(c, "Too many attempts. Try again later."));
		return;
	}
	ret = dstore_reset_check(c->store, token, c->rq->now, &a, &err);
	if (ret == OB_E_NOTFOUND) {
		reset_refused(c, &err);
		return;
	}
	if (ret != 0) {
		wa_fail(c, 503, WA_T(c, "The directory is unavailable."));
		return;
	}
	if (!post) {
		reset_form(c, &a, token, NULL);
		return;
	}
	if (pw == NULL || pw2 == NULL || strcmp(pw, pw2) != 0) {
		c->rs->status = 422;
		reset_form(c, &a, token, WA_T(c, "The two passwords differ."));
		return;
	}
	ret = dstore_reset_use(c->store, token, pw, c->rq->now, &a, &err);
	if (ret == OB_E_NOTFOUND) {
		reset_refused(c, &err);
		return;
	}
	if (ret == OB_E_INVAL) {
		struct ob_buf m;
		ob_buf_init(&m, 1024);
		wa_tr_msg(c->lang, err.msg, &m);
		c->rs->status = 422;
		reset_form(c, &a, token, m.data ? ob_buf_str(&m) : err.msg);
		ob_buf_deinit(&m);
		return;
	}
	if (ret != 0) {
		wa_fail(c, 503, WA_T(c, "The directory is unavailable."));
		return;
	}
	snprintf(detail, sizeof(detail), "by reset link, from %s",
		 c->rq->remote_addr ? c->rq->remote_addr : "?");
	(void)dstore_account_log_add(c->store, a.tenant_id, c->rq->now, "web",
				     "password", a.login, detail, &err);
	snprintf(c->rs->log, sizeof(c->rs->log),
		 "reset link used tenant=%lld account=%lld",
		 (long long)a.tenant_id, (long long)a.id);
	reset_open(c, WA_T(c, "Password set"), NULL);
	wa_rawf(&c->rs->body,
		"<h1>%s</h1><p class=\"notice\" role=\"status\">%s<b>",
		WA_T(c, "Password set"), WA_T(c, "The new password of "));
	wa_h(&c->rs->body, a.login);
	wa_rawf(&c->rs->body, "</b>%s</p>",
		WA_T(c, " works now, on your phone's sync settings too. The "
			"link is used up."));
	if (a.role == DSTORE_ROLE_ADMIN)
		wa_rawf(&c->rs->body, "<p><a href=\"/login\">%s</a></p>",
			WA_T(c, "Sign in"));
	wa_close(c);
}
