/* carddav/dav.h: the read-only CardDAV server (RFC 6352, with RFC 6578
 * sync-collection and RFC 6764 discovery): one authenticated request in,
 * one response out. The HTTP layer (server/httpd.c) checks the
 * account (HTTP Basic, the same accounts and throttling as SyncML), turns
 * the request into struct dav_http_request and sends struct
 * dav_http_response back; this module never sees libmicrohttpd.
 *
 * URL layout (everything under /dav/, the account decides the tenant):
 *   /.well-known/carddav         301 to /dav/ (RFC 6764 5)
 *   /dav/                        the context root: current-user-principal
 *   /dav/principal/              the account's principal: its
 *                                addressbook-home-set
 *   /dav/books/                  the home: one collection per book
 *   /dav/books/all/              the whole directory
 *   /dav/books/u<ID>/            the subtree of unit ID (units down to
 *                                dav_config.unit_depth levels get a book)
 *   /dav/books/<book>/<UID>.vcf  one person: href from the uid
 *                                (percent-encoded), ETag from its
 *                                revision and the render settings
 *
 * Methods: OPTIONS, PROPFIND (Depth 0 and 1; infinity refused with
 * propfind-finite-depth), REPORT (sync-collection, addressbook-multiget,
 * addressbook-query), GET and HEAD (a card; a book as one .vcf, streamed
 * by the HTTP layer). Every write method (PUT, DELETE, MKCOL, PROPPATCH,
 * MOVE, COPY, LOCK, POST, ...) is 403 with DAV:need-privileges naming
 * the resource and the privilege; current-user-privilege-set never
 * grants more than read, which DAVx5 and iOS take as a read-only book.
 *
 * Sync tokens (RFC 6578 3): urn:x-orgbook:sync:T:B:H:R, the tenant T,
 * the book B, a hash H of what shapes every card (the enterprise's name,
 * the photo cap), and the tenant revision R the client is complete up to.
 * A truncated answer (DAV:limit, 507 number-of-matches-within-limits)
 * hands out urn:x-orgbook:sync:T:B:H:R:C:P: people with ids up to C are
 * current as of revision P, the rest as of R (R 0: not listed yet); the
 * next request continues from there, so nothing is skipped or sent
 * twice across pages even while the directory changes. A token that is
 * malformed, of another tenant, book or hash, from the future or below
 * the pruned horizon (the retention window) is refused with
 * DAV:valid-sync-token (403; 400 to Thunderbird, which refetches only on
 * 400), never answered with a partial delta. An unchanged poll costs the
 * revision lookup and one indexed change-log probe.
 *
 * Never: writes to the store, knows HTTP framing or TLS, authenticates,
 * logs (the response's log line is the caller's to write). */
#ifndef DAV_DAV_H
#define DAV_DAV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirstore/dirstore.h"
#include "util/buf.h"

/* The most hrefs one multiget may name (the body cap comes first: ~40
 * bytes an href); its parsed tree may take up to 4 times the body. */
#define DAV_MAX_HREFS 1000000

struct dav_config {
	size_t max_photo;     /* photo bytes in a card; 0: no photos */
	uint32_t photo_edge;  /* thumbnail edge in pixels: a photo larger
				(or over max_photo) goes as a thumbnail
				(dcard_photo_fit); 0: as stored, left out
				over max_photo */
	int unit_depth;       /* units at depth 1..unit_depth get a book of
				their own (0: only the whole directory) */
	size_t max_response;  /* body cap of one answer built in memory; a
				bigger one is 507 (clients then use
				DAV:limit), or, with dav_handle_stream,
				sent in pieces of about this size */
	uint64_t max_results; /* a sync-collection or query answer holds at
				 most this many members, then truncates
				 (507 within the multistatus) and gives a
				 continuation token; 0: no cap */
};

struct dav_http_request {
	const char *method;        /* as sent: "PROPFIND" */
	const char *path;          /* decoded, without the query */
	const char *depth;         /* Depth header or NULL */
	const char *user_agent;    /* or NULL */
	const char *if_none_match; /* or NULL */
	const char *accept;        /* or NULL */
	/* Prefer: return=minimal or Brief: t (RFC 8144 2.1, which iOS
	 * sends with every PROPFIND and REPORT): leave out the propstat of
	 * the properties a resource does not have (404) */
	bool minimal;
	bool prefer_minimal; /* it was Prefer (Preference-Applied is due) */
	const char *body;
	size_t body_len;
	/* the authenticated account */
	int64_t tenant_id;
	const char *login;
};

struct dav_http_response {
	int status;
	struct ob_buf body;
	char content_type[64];
	char etag[64];      /* ETag header, "" for none */
	char location[128]; /* Location header (a redirect), "" for none */
	char dav[64];       /* DAV header, "" for none */
	char allow[128];    /* Allow header, "" for none */
	/* the request's Prefer: return=minimal was honoured: the HTTP
	 * layer sends Preference-Applied: return=minimal (RFC 7240 3) */
	bool minimal_applied;
	/* GET of a book: the HTTP layer streams the .vcf export of this
	 * view instead of sending body */
	bool stream_vcf;
	int64_t stream_unit_id;
	/* dav_handle: the answer went over max_response (the 507 in
	 * body); dav_handle_stream would send it */
	bool too_big;
	/* dav_handle_stream: the status and headers went to start, the
	 * body to out, nothing is left in body */
	bool streamed;
	/* ... and the answer could not be finished (the store failed, the
	 * client went away): what was sent is incomplete, the HTTP layer
	 * must close the connection instead of ending the body */
	bool cut;
	/* for the caller's log: what was asked and how much was sent */
	char log[176];
};

/* Where dav_handle_stream sends an answer as it is written. start gets
 * the response (status 207, headers final) once, before the first out;
 * out gets the body piece by piece. Either returns non-zero when the
 * client is gone: the walk stops. */
struct dav_stream {
	int (*start)(const struct dav_http_response *rs, void *ctx);
	int (*out)(const char *data, size_t len, void *ctx);
	void *ctx;
};

/* Answer rq into rs (initialised here; dav_http_response_deinit it).
 * Every outcome is a response: 207 multistatus, 200, 301, 304, 400 with
 * a text naming what was wrong, 403 (a write, an unsupported report or
 * filter, an expired token), 404, 405, 507, 503 when the store fails
 * (OB_E_IO or OB_E_BUSY: the caller adds Retry-After). */
void dav_handle(struct dstore *store, const struct dav_config *cfg,
		const struct dav_http_request *rq,
		struct dav_http_response *rs);
/* dav_handle, but a multistatus bigger than cfg->max_response is not
 * refused: it goes to st in pieces of about that size, cut only between
 * members, so memory stays flat in the size of the book. Everything that
 * decides the status (the token, the Depth, the body, a store error
 * before the first member) is decided while nothing is sent: once
 * started, a failure sets rs->cut. Reads done for one answer should be
 * inside one dstore_read_begin (the caller's) for a consistent answer.
 * A small answer never reaches st: it is in rs->body as with
 * dav_handle. st NULL: dav_handle. */
void dav_handle_stream(struct dstore *store, const struct dav_config *cfg,
		       const struct dav_http_request *rq,
		       struct dav_http_response *rs,
		       const struct dav_stream *st);
void dav_http_response_deinit(struct dav_http_response *rs);

/* Does the HTTP layer route path to dav_handle? /dav, /dav/... and
 * /.well-known/carddav. */
bool dav_path_is_ours(const char *path);

#endif
