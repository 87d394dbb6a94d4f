/* The admin pages' front door (see web.h): sessions, CSRF and origin
 * checks, login and logout, routing, and the helpers of web-internal.h. */
#include "config.h"
#include "dirstore/websession.h"
#include "webadmin/web-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

const char *const wa_web_headers[][2] = {
	{"Content-Security-Policy",
	 "default-src 'none'; script-src 'self'; style-src 'self'; "
	 "img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; "
	 "frame-ancestors 'none'; base-uri 'none'"},
	{"X-Content-Type-Options", "nosniff"},
	{"X-Frame-Options", "DENY"},
	{"Referrer-Policy", "same-origin"},
	{"Cache-Control", "no-store"},
	{NULL, NULL},
};

void wa_web_config_defaults(struct wa_web_config *c)
{
	c->idle_s = 1800;
	c->max_s = 12 * 3600;
	c->secure_cookie = false;
	c->max_photo = DSTORE_PHOTO_MAX_DEFAULT;
	c->public_url[0] = '\0';
	c->sync_tls = false;
	c->sync_port = 0;
	c->carddav_depth = 1;
}

static const char *cookie_name(const struct wa_ctx *c)
{
	/* __Host- cookies must be Secure, host-only and Path=/ */
	return c->cfg->secure_cookie ? "__Host-orgbook" : "orgbook";
}

/* The session token from the Cookie header into tok (64 hex chars). */
static bool cookie_token(const struct wa_ctx *c, char tok[65])
{
	const char *h = c->rq->cookie, *name = cookie_name(c);
	size_t nl = strlen(name);

	while (h != NULL && *h) {
		while (*h == ' ' || *h == ';')
			h++;
		size_t len = strcspn(h, ";");
		if (len > nl && strncmp(h, name, nl) == 0 && h[nl] == '=') {
			size_t vl = len - nl - 1;
			if (vl != 64)
				return false;
			memcpy(tok, h + nl + 1, 64);
			tok[64] = '\0';
			return true;
		}
		h += len;
	}
	return false;
}

const char *wa_arg(const struct wa_ctx *c, const char *name)
{
	return wa_form_get(c->rq->query, name);
}

const char *wa_field(const struct wa_ctx *c, const char *name)
{
	return wa_form_get(&c->form, name);
}

static int64_t to_int(const char *v, int64_t def)
{
	uint64_t n;

	if (v == NULL || ob_parse_u64(v, strlen(v), INT64_MAX, &n) != 0)
		return def;
	return (int64_t)n;
}

int64_t wa_arg_int(const struct wa_ctx *c, const char *name, int64_t def)
{
	return to_int(wa_arg(c, name), def);
}

int64_t wa_field_int(const struct wa_ctx *c, const char *name, int64_t def)
{
	return to_int(wa_field(c, name), def);
}

/* The language switch's cookie: __Host- like the session's. */
static const char *lang_cookie_name(const struct wa_ctx *c)
{
	return c->cfg->secure_cookie ? "__Host-" WA_LANG_COOKIE
				     : WA_LANG_COOKIE;
}

#define HERE_MAX 400

/* Where the language switch of this answer comes back to: this GET's
 * path and query, else the section's page (a POST cannot be repeated by
 * a link), into out (HERE_MAX bytes). */
static void here(const struct wa_ctx *c, const char *section, char *out)
{
	const struct wa_web_request *rq = c->rq;
	struct ob_buf b;

	if (rq->method == NULL || strcmp(rq->method, "POST") == 0 ||
	    rq->path == NULL || rq->path[0] != '/') {
		snprintf(out, HERE_MAX, "/%s", section ? section : "units");
		return;
	}
	ob_buf_init(&b, HERE_MAX * 4);
	(void)ob_buf_add_str(&b, rq->path);
	for (size_t i = 0; rq->query != NULL && i < rq->query->n; i++) {
		(void)ob_buf_add_char(&b, i == 0 ? '?' : '&');
		wa_u(&b, rq->query->fields[i].name);
		(void)ob_buf_add_char(&b, '=');
		wa_u(&b, rq->query->fields[i].value);
	}
	/* the buffer's cap is far above HERE_MAX, so nothing it refused is
	 * missing from a result that fits: a query too long for out is left
	 * out whole, never cut */
	if (b.data == NULL || b.len >= HERE_MAX - 2)
		ob_strlcpy(out, rq->path, HERE_MAX);
	else
		ob_strlcpy(out, ob_buf_str(&b), HERE_MAX);
	if (strlen(rq->path) >= HERE_MAX)
		ob_strlcpy(out, "/units", HERE_MAX);
	ob_buf_deinit(&b);
}

void wa_when(struct wa_ctx *c, int64_t t)
{
	wa_time_in(&c->rs->body, c->lang, &c->tz, t);
}

void wa_when_cell(struct wa_ctx *c, int64_t t)
{
	wa_raw(&c->rs->body, "<td>");
	wa_when(c, t);
	wa_raw(&c->rs->body, "</td>");
}

void wa_h_msg(struct wa_ctx *c, const char *text)
{
	struct ob_buf t;

	ob_buf_init(&t, 1u << 20);
	wa_tr_msg(c->lang, text, &t);
	wa_h(&c->rs->body, t.data != NULL ? ob_buf_str(&t) : text);
	ob_buf_deinit(&t);
}

static void html(struct wa_ctx *c)
{
	ob_strlcpy(c->rs->content_type, "text/html; charset=utf-8",
		   sizeof(c->rs->content_type));
}

void wa_open(struct wa_ctx *c, const char *title, const char *section)
{
	char back[HERE_MAX];
	struct wa_page p = {
		.title = title,
		.tenant = c->tenant.display,
		.login = c->ses.login,
		.csrf = c->ses.csrf,
		.section = section,
		.lang = c->lang,
		.here = back,
	};
	here(c, section, back);
	html(c);
	ob_buf_reset(&c->rs->body);
	wa_page_open(&c->rs->body, &p);
}

void wa_close(struct wa_ctx *c)
{
	wa_page_close(&c->rs->body);
}

void wa_fail(struct wa_ctx *c, int status, const char *msg)
{
	char back[HERE_MAX];
	struct wa_page p = {
		.title = WA_T(c, "Error"), .lang = c->lang, .here = back};

	here(c, NULL, back);
	if (c->ses.account_id != 0) {
		p.tenant = c->tenant.display;
		p.login = c->ses.login;
		p.csrf = c->ses.csrf;
	}
	html(c);
	c->rs->status = status;
	c->rs->stream = WA_STREAM_NONE;
	ob_buf_reset(&c->rs->body);
	wa_page_open(&c->rs->body, &p);
	wa_raw(&c->rs->body, "<p class=\"error\" role=\"alert\">");
	wa_h(&c->rs->body, msg);
	wa_rawf(&c->rs->body, "</p><p><a href=\"/units\">%s</a></p>",
		WA_T(c, "Back to the directory"));
	wa_page_close(&c->rs->body);
}

void wa_fail_msg(struct wa_ctx *c, int status, const char *msg)
{
	struct ob_buf t;

	ob_buf_init(&t, 1u << 16);
	wa_tr_msg(c->lang, msg, &t);
	wa_fail(c, status, t.data != NULL ? ob_buf_str(&t) : msg);
	ob_buf_deinit(&t);
}

void wa_redirect(struct wa_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->rs->location, sizeof(c->rs->location), fmt, ap);
	va_end(ap);
	c->rs->status = 303;
	ob_buf_reset(&c->rs->body);
}

static const char *const notices[][2] = {
	{"saved", WA_N("Saved.")},
	{"deleted", WA_N("Deleted.")},
	{"unit-added", WA_N("Unit added.")},
	{"unit-renamed", WA_N("Unit renamed.")},
	{"unit-moved", WA_N("Unit moved.")},
	{"unit-deleted", WA_N("Unit deleted.")},
	{"slow", WA_N("The device will slow-sync next time.")},
	{"account-added", WA_N("Account created.")},
	{"account-changed", WA_N("Account changed.")},
	{"password", WA_N("Password changed; the account's sessions ended.")},
	{"account-linked", WA_N("Account linked to its person.")},
	{"account-unlinked", WA_N("Account unlinked from its person.")},
};

void wa_notice(struct wa_ctx *c)
{
	const char *k = wa_arg(c, "done");

	for (size_t i = 0; k && i < sizeof(notices) / sizeof(notices[0]); i++)
		if (strcmp(k, notices[i][0]) == 0) {
			wa_raw(&c->rs->body,
			       "<p class=\"notice\" role=\"status\">");
			wa_raw(&c->rs->body, wa_tr(c->lang, notices[i][1]));
			wa_raw(&c->rs->body, "</p>");
		}
}

int wa_txn(struct wa_ctx *c,
	   int (*fn)(struct dstore *store, void *ctx, struct ob_err *err),
	   void *ctx, struct ob_err *err)
{
	char actor[DSTORE_LOGIN_MAX + 8];

	snprintf(actor, sizeof(actor), "web:%s", c->ses.login);
	return dstore_retry(c->store, c->ses.tenant_id, actor, 5, fn, ctx, NULL,
			    err);
}

/* ---- login and logout ---------------------------------------------------- */

static void login_page(struct wa_ctx *c, int status, const char *msg,
		       const char *login)
{
	struct ob_buf *b = &c->rs->body;
	struct wa_page p = {
		.title = WA_T(c, "Sign in"), .lang = c->lang, .here = "/login"};

	html(c);
	c->rs->status = status;
	ob_buf_reset(b);
	wa_page_open(b, &p);
	wa_rawf(b, "<h1>%s</h1>", WA_T(c, "Sign in"));
	if (msg != NULL) {
		wa_raw(b, "<p class=\"error\" role=\"alert\">");
		wa_h(b, msg);
		wa_raw(b, "</p>");
	}
	wa_rawf(b,
		"<form class=\"login\" method=\"post\" action=\"/login\">"
		"<label>%s <input name=\"login\" autocomplete=\"username\""
		" required autofocus value=\"",
		WA_T(c, "Login"));
	wa_h(b, login);
	wa_rawf(b,
		"\"></label><label>%s <input name=\"password\" "
		"type=\"password\" autocomplete=\"current-password\" "
		"required></label><button type=\"submit\">%s</button>"
		"</form>",
		WA_T(c, "Password"), WA_T(c, "Sign in"));
	wa_page_close(b);
}

static void do_login(struct wa_ctx *c)
{
	const char *login = wa_field(c, "login"), *pw = wa_field(c, "password");
	struct dstore_account a;
	char tok[DSTORE_WEB_TOKEN_MAX];
	struct ob_err err;
	int ret;

	if (login == NULL || pw == NULL || *login == '\0' ||
	    strlen(login) >= DSTORE_LOGIN_MAX ||
	    strlen(pw) > DSTORE_PASSWORD_MAX) {
		login_page(c, 400, WA_T(c, "Enter a login and a password."),
			   NULL);
		return;
	}
	ret = dstore_login(c->store, login, pw, c->rq->remote_addr, c->rq->now,
			   &a, &err);
	if (ret == OB_E_LIMIT) {
		int64_t wait =
			dstore_login_throttled(c->store, login,
					       c->rq->remote_addr, c->rq->now) -
			c->rq->now;
		char msg[160];
		if (wait < 1)
			wait = 1;
		snprintf(c->rs->log, sizeof(c->rs->log),
			 "admin login throttled addr=%s", c->rq->remote_addr);
		bool mins = wait >= 90;
		if (mins)
			snprintf(msg, sizeof(msg),
				 WA_T(c, "Too many failed sign-ins. Try again "
					 "in %lld minutes."),
				 (long long)((wait + 59) / 60));
		else
			snprintf(msg, sizeof(msg),
				 WA_T(c, "Too many failed sign-ins. Try again "
					 "in %lld seconds."),
				 (long long)wait);
		c->rs->retry_after = wait;
		login_page(c, 429, msg, login);
		return;
	}
	if (ret == OB_E_AUTH || (ret == 0 && a.role != DSTORE_ROLE_ADMIN)) {
		struct dstore_account known;
		char detail[96];
		snprintf(c->rs->log, sizeof(c->rs->log),
			 "admin login failed addr=%s", c->rq->remote_addr);
		snprintf(detail, sizeof(detail), "refused, from %s",
			 c->rq->remote_addr);
		if (dstore_account_find(c->store, login, &known, &err) == 0)
			(void)dstore_account_log_add(
				c->store, known.tenant_id, c->rq->now, "web",
				"sign-in", known.login, detail, &err);
		login_page(c, 401,
			   ret == 0 ? WA_T(c, "This account is not an "
					      "administrator.")
				    : WA_T(c, "Wrong login or password."),
			   login);
		return;
	}
	if (ret == 0)
		ret = dstore_web_session_create(c->store, a.id, c->rq->now, tok,
						&c->ses, &err);
	if (ret != 0) {
		login_page(c, 503, WA_T(c, "The directory is unavailable."),
			   login);
		return;
	}
	snprintf(c->rs->set_cookie, sizeof(c->rs->set_cookie),
		 "%s=%s; Path=/; HttpOnly; SameSite=Strict%s", cookie_name(c),
		 tok, c->cfg->secure_cookie ? "; Secure" : "");
	explicit_bzero(tok, sizeof(tok));
	(void)dstore_login_record(c->store, a.tenant_id, a.id, c->rq->now,
				  &err);
	snprintf(c->rs->log, sizeof(c->rs->log), "admin login tenant=%lld",
		 (long long)a.tenant_id);
	{
		char detail[96];
		snprintf(detail, sizeof(detail), "from %s", c->rq->remote_addr);
		(void)dstore_account_log_add(c->store, a.tenant_id, c->rq->now,
					     "web", "sign-in", a.login, detail,
					     &err);
	}
	wa_redirect(c, "/units");
}

static void do_logout(struct wa_ctx *c)
{
	char tok[65];
	struct ob_err err;

	if (cookie_token(c, tok))
		(void)dstore_web_session_delete(c->store, tok, &err);
	snprintf(c->rs->set_cookie, sizeof(c->rs->set_cookie),
		 "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
		 cookie_name(c), c->cfg->secure_cookie ? "; Secure" : "");
	wa_redirect(c, "/login");
}

/* ---- the language switch ------------------------------------------------- */

/* A path of this site to come back to: "/" then no second "/" or "\\",
 * visible ASCII only (no header splitting, no other host). */
static bool local_path(const char *p)
{
	if (p == NULL || p[0] != '/' || p[1] == '/' || p[1] == '\\' ||
	    strlen(p) >= HERE_MAX)
		return false;
	for (const char *q = p; *q; q++)
		if (*q <= ' ' || *q > '~' || *q == '\\')
			return false;
	return true;
}

/* GET /lang?to=zh|en&back=PATH: remember the choice for a year, and go
 * back (no session needed: the sign-in page has the switch too). */
static void set_lang(struct wa_ctx *c)
{
	const char *back = wa_arg(c, "back");
	enum wa_lang lang;

	if (!wa_lang_parse(wa_arg(c, "to"), &lang)) {
		wa_fail(c, 400, WA_T(c, "Unknown language."));
		return;
	}
	c->lang = lang;
	snprintf(c->rs->set_cookie, sizeof(c->rs->set_cookie),
		 "%s=%s; Path=/; Max-Age=31536000; SameSite=Lax%s",
		 lang_cookie_name(c), wa_lang_code(lang),
		 c->cfg->secure_cookie ? "; Secure" : "");
	wa_redirect(c, "%s", local_path(back) ? back : "/units");
}

/* ---- request checks ------------------------------------------------------ */

/* An Origin header, when sent, must name this host. */
static bool origin_ok(const struct wa_ctx *c)
{
	const char *o = c->rq->origin, *h = c->rq->host;

	if (o == NULL)
		return true; /* older browsers; the CSRF token still guards */
	if (strncmp(o, "https://", 8) == 0)
		o += 8;
	else if (strncmp(o, "http://", 7) == 0)
		o += 7;
	else
		return false; /* "null" and anything else */
	return h != NULL && strcmp(o, h) == 0;
}

static bool csrf_ok(const struct wa_ctx *c)
{
	const char *t = wa_field(c, "csrf");
	unsigned char diff = 0;

	if (t == NULL || strlen(t) != strlen(c->ses.csrf))
		return false;
	for (size_t i = 0; t[i]; i++)
		diff |= (unsigned char)(t[i] ^ c->ses.csrf[i]);
	return diff == 0;
}

static bool load_session(struct wa_ctx *c)
{
	char tok[65];
	struct ob_err err;

	if (!cookie_token(c, tok) ||
	    dstore_web_session_load(c->store, tok, c->rq->now, c->cfg->idle_s,
				    c->cfg->max_s, &c->ses, &err) != 0 ||
	    dstore_tenant_get(c->store, c->ses.tenant_id, &c->tenant, &err) !=
		    0) {
		memset(&c->ses, 0, sizeof(c->ses));
		return false;
	}
	return true;
}

bool wa_web_signed_in(struct dstore *store, const struct wa_web_config *cfg,
		      const char *cookie, int64_t now)
{
	struct wa_web_request rq = {.cookie = cookie, .now = now};
	struct wa_ctx c = {.store = store, .cfg = cfg, .rq = &rq};
	bool ok = load_session(&c);

	explicit_bzero(&c.ses, sizeof(c.ses));
	return ok;
}

/* ---- routing ------------------------------------------------------------- */

/* A page or action: fn(c), or act(c, arg) for the ones that share a
 * handler. */
struct route {
	const char *path;
	bool post;
	void (*fn)(struct wa_ctx *c);
	void (*act)(struct wa_ctx *c, const char *arg);
	const char *arg;
};

static void person(struct wa_ctx *c)
{
	wa_person_page(c, false);
}
static void person_new(struct wa_ctx *c)
{
	wa_person_page(c, true);
}
static void home(struct wa_ctx *c)
{
	wa_redirect(c, "/units");
}

static const struct route routes[] = {
	{"/", false, home, NULL, NULL},
	{"/units", false, wa_units_page, NULL, NULL},
	{"/unit/add", true, NULL, wa_unit_action, "add"},
	{"/unit/rename", true, NULL, wa_unit_action, "rename"},
	{"/unit/move", true, NULL, wa_unit_action, "move"},
	{"/unit/delete", true, NULL, wa_unit_action, "delete"},
	{"/person", false, person, NULL, NULL},
	{"/person/new", false, person_new, NULL, NULL},
	{"/person/save", true, wa_person_save, NULL, NULL},
	{"/person/delete", true, wa_person_delete, NULL, NULL},
	{"/photo", false, wa_photo, NULL, NULL},
	{"/search", false, wa_search_page, NULL, NULL},
	{"/people/bulk", true, wa_people_bulk, NULL, NULL},
	{"/import", false, wa_import_page, NULL, NULL},
	{"/import/preview", true, wa_import_preview, NULL, NULL},
	{"/import/apply", true, wa_import_apply, NULL, NULL},
	{"/export", false, wa_export_page, NULL, NULL},
	{"/export/file", false, wa_export_file, NULL, NULL},
	{"/audit", false, wa_audit_page, NULL, NULL},
	{"/devices", false, wa_devices_page, NULL, NULL},
	{"/connect", false, wa_connect_page, NULL, NULL},
	{"/device/slow", true, wa_device_slow, NULL, NULL},
	{"/accounts", false, wa_accounts_page, NULL, NULL},
	{"/accounts/import", true, wa_accounts_import, NULL, NULL},
	{"/account/add", true, NULL, wa_account_action, "add"},
	{"/account/disable", true, NULL, wa_account_action, "disable"},
	{"/account/password", true, NULL, wa_account_action, "password"},
	{"/account/link", true, NULL, wa_account_action, "link"},
	{"/account/unlink", true, NULL, wa_account_action, "unlink"},
	{"/account/reset-link", true, wa_account_reset_link, NULL, NULL},
	{"/logout", true, do_logout, NULL, NULL},
};

static bool serve_asset(struct wa_ctx *c)
{
	const char *type;
	size_t len;
	const char *data = wa_asset(c->rq->path, &type, &len);

	if (data == NULL)
		return false;
	ob_strlcpy(c->rs->content_type, type, sizeof(c->rs->content_type));
	(void)ob_buf_add(&c->rs->body, data, len);
	return true;
}

static void route(struct wa_ctx *c)
{
	const struct wa_web_request *rq = c->rq;
	bool post = strcmp(rq->method, "POST") == 0;
	bool get = strcmp(rq->method, "GET") == 0 ||
		   strcmp(rq->method, "HEAD") == 0;
	struct ob_err err;

	if (!post && !get) {
		wa_fail(c, 405, WA_T(c, "Method not allowed."));
		return;
	}
	if (get && strncmp(rq->path, "/static/", 8) == 0) {
		if (!serve_asset(c))
			wa_fail(c, 404, WA_T(c, "No such page."));
		return;
	}
	if (post) {
		if (!origin_ok(c)) {
			snprintf(c->rs->log, sizeof(c->rs->log),
				 "admin POST %.80s refused: cross-origin",
				 rq->path);
			wa_fail(c, 403,
				WA_T(c, "Refused: the form came from another "
					"site."));
			return;
		}
		if (wa_form_parse(&c->form, rq->content_type, rq->body,
				  rq->body_len, &err) != 0) {
			wa_fail_msg(c, 400, err.msg);
			return;
		}
	}
	if (strcmp(rq->path, "/lang") == 0) {
		if (post)
			wa_fail(c, 405, WA_T(c, "Use GET."));
		else
			set_lang(c);
		return;
	}
	if (strcmp(rq->path, "/login") == 0) {
		if (post)
			do_login(c);
		else if (load_session(c))
			wa_redirect(c, "/units");
		else
			login_page(c, 200, NULL, NULL);
		return;
	}
	if (strcmp(rq->path, "/reset") == 0) {
		wa_reset_page(c); /* the token is the credential */
		return;
	}
	if (!load_session(c)) {
		if (post) {
			wa_fail(c, 403,
				WA_T(c, "Your session has ended; sign in "
					"again."));
			return;
		}
		wa_redirect(c, "/login");
		return;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(rq->path, routes[i].path) != 0)
			continue;
		if (routes[i].post != post) {
			wa_fail(c, 405,
				post ? WA_T(c, "Use GET.")
				     : WA_T(c, "Use POST."));
			return;
		}
		if (post && !csrf_ok(c)) {
			snprintf(c->rs->log, sizeof(c->rs->log),
				 "admin POST %.80s refused: bad CSRF token "
				 "tenant=%lld",
				 rq->path, (long long)c->ses.tenant_id);
			wa_fail(c, 403,
				WA_T(c, "Refused: the form's security token "
					"is missing or stale. Reload the page "
					"and try again."));
			return;
		}
		if (routes[i].act != NULL)
			routes[i].act(c, routes[i].arg);
		else
			routes[i].fn(c);
		return;
	}
	wa_fail(c, 404, WA_T(c, "No such page."));
}

void wa_web_handle(struct dstore *store, const struct wa_web_config *cfg,
		   const struct wa_web_request *rq, struct wa_web_response *rs)
{
	struct wa_ctx c = {.store = store, .cfg = cfg, .rq = rq, .rs = rs};

	c.lang = wa_lang_choose(rq->cookie, lang_cookie_name(&c),
				rq->accept_language);
	c.tz.known = wa_tz_from_cookie(rq->cookie, &c.tz.minutes);
	memset(rs, 0, sizeof(*rs));
	ob_buf_init(&rs->body, WA_BODY_MAX);
	rs->status = 200;
	route(&c);
	wa_form_deinit(&c.form);
	explicit_bzero(&c.ses, sizeof(c.ses));
	if (rs->status == 200 && rs->stream == WA_STREAM_NONE &&
	    rs->body.len == 0 && rs->body.data == NULL &&
	    strcmp(rq->method, "HEAD") != 0) {
		/* an allocation failure left the page empty */
		ob_strlcpy(rs->content_type, "text/plain; charset=utf-8",
			   sizeof(rs->content_type));
		rs->status = 500;
		(void)ob_buf_add_str(&rs->body, "out of memory\n");
	}
}

void wa_web_response_deinit(struct wa_web_response *rs)
{
	ob_buf_deinit(&rs->body);
}
