/* The administrators' web pages: one request in, one response out.
 *
 * The HTTP layer (server/httpd.c, admin listener) turns a request
 * into struct wa_web_request and sends back struct wa_web_response; this
 * module never sees libmicrohttpd. Routes (GET pages, POST actions):
 *   /login /logout            sign in and out (throttled; cookie session)
 *   /lang?to=zh|en&back=P     remember the language (cookie), back to P
 *   /units?id=N               the org tree, a unit and the people of its
 *                             subtree (&direct=1: only those directly in
 *                             it), &q= a search inside it, &sort=name|
 *                             title|unit, &desc=1, &page=P, &per=50|100|200
 *   /unit/add|rename|move|delete
 *   /person?uid=U /person/new?unit=N, /person/save, /person/delete
 *   /photo?uid=U              a person's photo
 *   /search?q=                the same view of the whole enterprise
 *   /people/bulk              move, hide, unhide, delete (confirmed) or
 *                             export (.vcf) the checked people (uid=...)
 *   /import, /import/preview, /import/apply   CSV or vCard, preview first
 *   /export, /export/file?format=vcf21|vcf30|vcf40|csv&unit=N
 *   /connect                  the addresses to give phones, desktops and
 *                             desk phones (SyncML, CardDAV, phonebooks)
 *   /audit, /devices, /device/slow, /accounts?sort=login|role|created|
 *                             last-login, /account/add|disable|password|
 *                             link|unlink|reset-link, /accounts/import
 *   /reset?token=T            set a password by a one-time reset link
 *                             (no session: the token is the credential)
 *   /static/admin.css /static/admin.js
 * Promises: every page and action but /login, /reset and /static needs a live
 * session of an administrator (a cookie naming a session row); every data
 * call is scoped to that session's enterprise; every POST but /login
 * carries the session's CSRF token and, when the browser sends an Origin,
 * comes from this host; every outside text is escaped (html.h); each
 * change is one store transaction with the administrator as actor, so it
 * is in the audit log and the next fast sync. Passwords are never logged
 * or echoed. Every page speaks English or Simplified Chinese (i18n.h),
 * chosen per request. */
#ifndef WA_WEB_H
#define WA_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirstore/dirstore.h"
#include "util/buf.h"
#include "vcard/vcard.h"
#include "webadmin/form.h"

struct wa_web_config {
	int64_t idle_s;     /* session idle expiry, seconds */
	int64_t max_s;      /* session lifetime, seconds */
	bool secure_cookie; /* served over HTTPS: Secure, __Host- cookie */
	size_t max_photo;   /* photo upload cap, bytes */
	/* where devices reach the sync listener, for /connect: public_url
	 * when the operator set one, else the scheme (sync_tls), the host
	 * the browser used and sync_port */
	char public_url[256];
	bool sync_tls;
	int sync_port;     /* 0: unknown (no port in the addresses) */
	int carddav_depth; /* units this deep get a CardDAV book; -1: no
			       CardDAV */
};

struct wa_web_request {
	const char *method; /* "GET", "POST", "HEAD" */
	const char *path;   /* without the query */
	const struct wa_form *query;
	const char *cookie;          /* Cookie header or NULL */
	const char *origin;          /* Origin header or NULL */
	const char *host;            /* Host header or NULL */
	const char *accept_language; /* Accept-Language header or NULL */
	const char *remote_addr;
	const char *content_type;
	const char *body;
	size_t body_len;
	int64_t now; /* unix time */
};

enum wa_stream {
	WA_STREAM_NONE = 0,
	WA_STREAM_VCF = 1,
	WA_STREAM_CSV = 2,
	WA_STREAM_JSON = 3,
};

struct wa_web_response {
	int status;
	char content_type[64];
	struct ob_buf body;
	char location[512];    /* redirect target when set */
	char set_cookie[256];  /* Set-Cookie value when set */
	char disposition[160]; /* Content-Disposition when set */
	int64_t retry_after;   /* Retry-After seconds when > 0 (a 429) */
	/* An export for the HTTP layer to stream (body stays empty): */
	enum wa_stream stream;
	int64_t tenant_id, unit_id;
	enum vcard_version version;
	bool photos;
	/* one line for the server log, "" when nothing worth logging */
	char log[256];
};

/* The CSV or JSON a WA_STREAM_CSV or WA_STREAM_JSON response asks for
 * (export.h's wa_export_csv, wa_export_json), for the HTTP layer to
 * stream: out(data, len, ctx) as those. OB_E_INVAL for another kind (a
 * WA_STREAM_VCF response is lib/dircard's dcard_export_vcf). */
int wa_web_stream(struct dstore *store, enum wa_stream kind, int64_t tenant_id,
		  int64_t unit_id,
		  int (*out)(const char *data, size_t len, void *ctx),
		  void *ctx, size_t *count_r, struct ob_err *err);

/* Headers every admin response carries (CSP without inline script,
 * nosniff, no framing, same-origin referrers), NULL-terminated pairs. */
extern const char *const wa_web_headers[][2];

void wa_web_config_defaults(struct wa_web_config *c);

/* Answer one request; always fills rs (wa_web_response_deinit). */
void wa_web_handle(struct dstore *store, const struct wa_web_config *cfg,
		   const struct wa_web_request *rq, struct wa_web_response *rs);
void wa_web_response_deinit(struct wa_web_response *rs);

/* Whether cookie (a Cookie header, may be NULL) names a live session of
 * an administrator, as wa_web_handle would find it: for the HTTP layer,
 * to decide from the headers alone whether a request may bring a body
 * larger than WA_WEB_ANON_BODY_MAX. Refreshes the session's last use
 * like any request of it; false too when the store fails. */
bool wa_web_signed_in(struct dstore *store, const struct wa_web_config *cfg,
		      const char *cookie, int64_t now);

/* The largest body a request without a session needs (the sign-in form
 * is a few hundred bytes); the HTTP layer refuses larger ones unread. */
#define WA_WEB_ANON_BODY_MAX (64u * 1024)

#endif
