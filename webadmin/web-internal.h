/* Private to the admin pages (web.c, pages-directory.c, pages-person.c,
 * pages-manage.c, pages-accounts.c): the request context and the helpers
 * every page uses.
 *
 * Languages (i18n.h): c->lang is chosen once per request before routing;
 * a page writes WA_T(c, "English text") for each label and message, and
 * wa_h_msg(c, text) for an English message built by another module. */
#ifndef WA_WEB_INTERNAL_H
#define WA_WEB_INTERNAL_H

#include "dirstore/websession.h"
#include "webadmin/html.h"
#include "webadmin/i18n.h"
#include "webadmin/web.h"

#define WA_BODY_MAX (64u << 20)

struct wa_ctx {
	struct dstore *store;
	const struct wa_web_config *cfg;
	const struct wa_web_request *rq;
	struct wa_web_response *rs;
	struct dstore_web_session ses; /* the administrator's session */
	struct dstore_tenant tenant;   /* and enterprise */
	struct wa_form form;           /* a POST's fields */
	enum wa_lang lang;             /* of this answer (i18n.h) */
	struct wa_tz tz;               /* the administrator's, when known */
};

/* A query argument / a POST field, NULL when absent. */
const char *wa_arg(const struct wa_ctx *c, const char *name);
const char *wa_field(const struct wa_ctx *c, const char *name);
/* A non-negative integer argument or field; def when absent or bad. */
int64_t wa_arg_int(const struct wa_ctx *c, const char *name, int64_t def);
int64_t wa_field_int(const struct wa_ctx *c, const char *name, int64_t def);

/* A time in the administrator's zone with UTC in the tooltip
 * (wa_time_in), and as a table cell. */
void wa_when(struct wa_ctx *c, int64_t t);
void wa_when_cell(struct wa_ctx *c, int64_t t);
/* Append a message built at run time by another module (an error, a
 * plan line) translated by the catalogue's patterns, escaped. */
void wa_h_msg(struct wa_ctx *c, const char *text);

/* Start an HTML page of this session (status 200 unless set). Title,
 * like every text, is shown as given: pass WA_T(c, "..."). */
void wa_open(struct wa_ctx *c, const char *title, const char *section);
void wa_close(struct wa_ctx *c);
/* A whole page with one message: 4xx/5xx answers (msg as given: pass
 * WA_T(c, "...") or a text of wa_tr_msg). */
void wa_fail(struct wa_ctx *c, int status, const char *msg);
/* wa_fail with a message built by another module (an err.msg),
 * translated by the catalogue's patterns (wa_tr_msg). */
void wa_fail_msg(struct wa_ctx *c, int status, const char *msg);
/* A change kind of the audit log (what, op: "person", "add") as the
 * audit page names it, in the request's language (pages-manage.c). */
void wa_audit_op(struct wa_ctx *c, const char *what, const char *op);
/* 303 See Other to a path of this site (built from literals and
 * percent-encoded values). */
void wa_redirect(struct wa_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The notice for ?done=KEY after a redirect (fixed texts only, in
 * c->lang). */
void wa_notice(struct wa_ctx *c);
/* Run fn as one store transaction of the session's enterprise with the
 * administrator as actor (retried while the database is busy). */
int wa_txn(struct wa_ctx *c,
	   int (*fn)(struct dstore *store, void *ctx, struct ob_err *err),
	   void *ctx, struct ob_err *err);

/* Pages and actions. */
void wa_units_page(struct wa_ctx *c);
void wa_unit_action(struct wa_ctx *c, const char *what);
void wa_person_page(struct wa_ctx *c, bool is_new);
void wa_person_save(struct wa_ctx *c);
void wa_person_delete(struct wa_ctx *c);
void wa_photo(struct wa_ctx *c);
void wa_search_page(struct wa_ctx *c);
void wa_people_bulk(struct wa_ctx *c);
void wa_import_page(struct wa_ctx *c);
void wa_import_preview(struct wa_ctx *c);
void wa_import_apply(struct wa_ctx *c);
void wa_export_page(struct wa_ctx *c);
void wa_export_file(struct wa_ctx *c);
void wa_audit_page(struct wa_ctx *c);
void wa_devices_page(struct wa_ctx *c);
void wa_connect_page(struct wa_ctx *c);
void wa_device_slow(struct wa_ctx *c);
void wa_accounts_page(struct wa_ctx *c);
void wa_account_action(struct wa_ctx *c, const char *what);
void wa_accounts_import(struct wa_ctx *c);
void wa_account_reset_link(struct wa_ctx *c);
/* GET and POST /reset?token=: no session needed (web.c routes it before
 * the session check). */
void wa_reset_page(struct wa_ctx *c);

/* Accounts from a CSV (header login,role[,uid]): every line checked (a
 * uid must be a person of the enterprise not linked to another account,
 * and on one line only), the generated passwords hashed, then all created
 * and linked to their people in one transaction, or none. On success
 * *a_r (n_r entries, free after explicit_bzero) holds each login, role,
 * uid and its once-shown password. err names the line and field. */
struct wa_account_new {
	char login[DSTORE_LOGIN_MAX];
	enum dstore_role role;
	char pw[17];
	char uid[DSTORE_UID_MAX]; /* "" when not linked */
	/* with reset_links: the account's one-time reset link token (valid
	 * DSTORE_RESET_HOURS_DEFAULT hours) instead of a password ("" in pw:
	 * the generated one is never shown) */
	char token[DSTORE_RESET_TOKEN_MAX];
};
int wa_accounts_import_csv(struct dstore *s, int64_t tenant, const char *actor,
			   const char *data, size_t len, bool reset_links,
			   struct wa_account_new **a_r, size_t *n_r,
			   struct ob_err *err);

/* The static files (assets.c). */
const char *wa_asset(const char *path, const char **type_r, size_t *len_r);

#endif
