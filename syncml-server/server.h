/* orgbook-server's shared definitions: the configuration, the server
 * object the HTTP layer hands to the SyncML engine, and the request and
 * response of one SyncML POST.
 *
 * The engine (session.c, sync.c, auth.c, devinf.c) never sees
 * libmicrohttpd; the HTTP layer (httpd.c) never sees SyncML. Every piece of
 * a session that must survive between messages is in the store, so any
 * number of server processes can share one database. */
#ifndef SRV_SERVER_H
#define SRV_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirstore/dirstore.h"
#include "dirstore/syncml-state.h"
#include "util/buf.h"
#include "util/log.h"

struct srv;

#define SRV_PATH_MAX 1024
#define SRV_CIDR_MAX 32 /* address blocks in metrics-allow */

struct srv_config {
	char db[SRV_PATH_MAX];
	char key_file[SRV_PATH_MAX]; /* "" = beside an SQLite db */
	char listen[64];
	int port; /* 0 = any free port (see port_file) */
	char admin_listen[64];
	int admin_port;                             /* -1 = no admin listener */
	char cert[SRV_PATH_MAX], key[SRV_PATH_MAX]; /* HTTPS when both set */
	bool tls_legacy;       /* allow TLS 1.0/1.1 and CBC ciphers */
	char public_url[256];  /* base of RespURI; "" = from the Host header */
	size_t max_body;       /* request body cap, bytes */
	size_t max_msg;        /* our cap on a reply when the client has none */
	unsigned conn_limit;   /* concurrent connections */
	unsigned per_ip_limit; /* concurrent connections per address */
	unsigned conn_timeout; /* seconds of idle connection */
	unsigned threads;      /* worker threads */
	unsigned session_ttl;  /* seconds a session lives without messages */
	unsigned session_max_age;      /* seconds a session lives in all */
	unsigned sessions_per_account; /* live sessions of one account */
	unsigned nonce_ttl;            /* seconds an unused MD5 nonce is kept */
	unsigned nonces_per_login;     /* devices' nonces kept per login */
	unsigned housekeeping;         /* seconds between expiry sweeps */
	size_t min_free;     /* bytes free for the database, else unhealthy */
	size_t max_photo;    /* photo bytes sent in a vCard; 0 = none */
	unsigned photo_edge; /* thumbnail edge, pixels (dcard_photo_fit); 0:
				photos as stored, dropped over max_photo */
	char port_file[SRV_PATH_MAX]; /* write "port admin_port\n" here */
	bool debug_sync;              /* log message bodies (redacted) */
	size_t admin_max_body;        /* admin pages' upload cap, bytes */
	unsigned admin_idle;          /* admin session idle expiry, s */
	unsigned admin_session_max;   /* admin session lifetime, s */
	/* WBXML string table: for the clients known to read it (auto), for
	 * every WBXML client (yes) or for none (no) */
	enum srv_strtbl {
		SRV_STRTBL_AUTO,
		SRV_STRTBL_YES,
		SRV_STRTBL_NO
	} strtbl;
	/* slow senders (server/connguard.h) */
	unsigned header_timeout; /* seconds for a request's whole headers */
	size_t min_body_rate;    /* body bytes/s at least; 0 = no rule */
	/* body bytes held by all requests not (yet) authenticated */
	size_t unauth_body_total;
	/* CardDAV (carddav/dav.h) on the sync listener */
	bool carddav;           /* serve /dav/ and /.well-known/carddav */
	unsigned carddav_depth; /* units this deep get a book of their own */
	size_t carddav_photo;   /* photo bytes in a CardDAV card; 0 = none */
	/* the most of one answer held in memory: a bigger multistatus is
	 * streamed (chunked) in pieces of about this size */
	size_t carddav_max_bytes;
	unsigned carddav_max_results; /* members per answer; 0 = no cap */
	/* request body cap of a CardDAV request whose Basic login was
	 * checked before its body was read (a multiget of every href);
	 * others keep max_body */
	size_t carddav_max_body;
	/* seconds a streamed answer (an export, a CardDAV answer) may take
	 * in all; then the connection is cut and the store let go */
	unsigned stream_timeout;
	unsigned carddav_photo_edge; /* thumbnail edge there, as photo_edge */
	/* phonebooks: a work number's extension (carddav/phonebook.h enum
	 * dav_pb_ext: 0 first, 1 main, 2 only) */
	int phonebook_ext;
	/* LDAP (server/ldapd.h): its own listener, off by default */
	bool ldap;
	char ldap_listen[64];
	int ldap_port;                 /* 0 = any free port */
	int ldaps_port;                /* -1 = no LDAPS listener */
	bool ldap_require_tls;         /* plain binds/searches off loopback */
	unsigned ldap_conn_limit;      /* concurrent LDAP connections */
	unsigned ldap_per_ip_limit;    /* ... from one address */
	unsigned ldap_idle;            /* seconds a connection may sit idle */
	unsigned ldap_request_timeout; /* seconds for one whole request */
	size_t ldap_max_request;       /* bytes of one request */
	unsigned ldap_size_limit;      /* entries per search; 0 = no cap */
	unsigned ldap_time_limit;      /* seconds per search; 0 = no cap */
	size_t ldap_max_photo;         /* jpegPhoto bytes; 0 = none */
	unsigned ldap_photo_edge;      /* its thumbnail edge, pixels */
	unsigned ldap_stores;          /* store connections LDAP shares */
	/* who may read /metrics (metrics-allow): address blocks */
	struct srv_cidr {
		int family; /* AF_INET or AF_INET6 */
		unsigned prefix;
		unsigned char addr[16];
	} metrics_allow[SRV_CIDR_MAX];
	unsigned n_metrics_allow;
};

/* Defaults for every field. */
void srv_config_defaults(struct srv_config *c);
/* Read `key = value` lines (# comments) from a file; unknown keys and bad
 * values are errors naming the line. */
int srv_config_load(struct srv_config *c, const char *path, struct ob_err *err);
/* Set one key (from a file line or a --key=value flag). */
int srv_config_set(struct srv_config *c, const char *key, const char *value,
		   struct ob_err *err);

/* Every key srv_config_set takes, NULL-terminated: the command line's
 * option table and the bash completion come from it (a key missing here
 * still works as --KEY=VALUE; test-cli.sh checks the list against the
 * example config). */
extern const char *const srv_config_keys[];

/* Parse a list of address blocks ("10.0.0.0/8 ::1, 192.0.2.7") into
 * out; 0 or OB_E_INVAL naming the bad one. */
int srv_cidr_parse_list(const char *key, const char *v, struct srv_cidr *out,
			unsigned *n_r, struct ob_err *err);
/* Is the textual address (inet_ntop's) inside one of the blocks? An
 * IPv4-mapped IPv6 address counts as its IPv4 address. */
bool srv_cidr_match(const struct srv_cidr *list, unsigned n, const char *addr);

/* Sync modes as /metrics tells them apart (label mode). */
enum srv_sync_mode {
	SRV_MODE_SLOW,    /* slow: every card compared */
	SRV_MODE_FAST,    /* two-way from the anchors */
	SRV_MODE_REFRESH, /* refresh from the server */
	SRV_MODE_ONE_WAY, /* one way from the server */
	SRV_MODES
};

/* Why a login failed (label reason of orgbook_login_failures_total). */
enum srv_login_reason {
	SRV_LOGIN_BAD_PASSWORD,    /* known account, wrong password */
	SRV_LOGIN_UNKNOWN_ACCOUNT, /* no such login */
	SRV_LOGIN_DISABLED,        /* the account is disabled */
	SRV_LOGIN_THROTTLED,       /* refused unchecked: too many failures */
	SRV_LOGIN_NO_CREDENTIALS,  /* none sent where one was needed */
	SRV_LOGIN_MALFORMED,       /* undecodable or unknown type */
	SRV_LOGIN_MD5_REFUSED,     /* MD5 not usable for that login */
	SRV_LOGIN_BAD_DIGEST,      /* wrong MD5 digest */
	SRV_LOGIN_RECHALLENGED,    /* stale or unknown nonce: asked again */
	SRV_LOGIN_REASONS
};

/* Why a sync was made slow (label reason of orgbook_slow_syncs_total). */
enum srv_slow_reason {
	SRV_SLOW_CLIENT,         /* the client asked for it */
	SRV_SLOW_FIRST,          /* no completed sync yet */
	SRV_SLOW_ANCHOR,         /* the client's anchor is not ours */
	SRV_SLOW_RESYNC,         /* an administrator asked for it */
	SRV_SLOW_HISTORY_PRUNED, /* last sync outside the retention window */
	SRV_SLOW_REASONS
};

/* Why a session ended without completing. */
enum srv_end_reason {
	SRV_END_ABANDONED, /* no message for session-ttl: the client gave up */
	SRV_END_MAX_AGE,   /* still going at session-max-age */
	SRV_END_EVICTED,   /* the account's newest sessions-per-account won */
	SRV_END_REASONS
};

#define SRV_HISTO_MAX 16

/* A histogram: bucket[i] counts values up to bound i (not cumulated),
 * bucket[n] the values above the last bound. */
struct srv_histo {
	uint64_t bucket[SRV_HISTO_MAX + 1];
	uint64_t count, sum;
};

/* Counters for /metrics (updated atomically from any thread). */
struct srv_metrics {
	uint64_t requests, errors, auth_failures, sessions_done;
	uint64_t sessions_refused;  /* continuations without token or creds */
	uint64_t store_unavailable; /* messages answered 503: store failed */
	uint64_t device_busy;       /* 503: the device's lock not had in time */
	uint64_t sessions_incomplete[SRV_END_REASONS];
	uint64_t slow_syncs, fast_syncs, items_sent;
	uint64_t bytes_in, bytes_out;
	/* connections cut: headers late, body too slow, evicted for a
	 * newcomer (server/connguard.h); bodies refused before being read */
	uint64_t conns_cut_headers, conns_cut_body, conns_evicted;
	uint64_t bodies_too_large, bodies_busy;
	uint64_t metrics_forbidden; /* /metrics asked from outside */
	uint64_t login_failures[SRV_LOGIN_REASONS];
	uint64_t slow_forced[SRV_SLOW_REASONS];
	struct srv_histo sync_ms[SRV_MODES]; /* a session's sync, ms */
	struct srv_histo reply_bytes;        /* a SyncML reply's size */
	/* the store's figures (dstore_stats_get), read at most every
	 * SRV_STATS_EVERY_MS by /metrics */
	uint64_t stats_at_ms;
	bool stats_ok;
	struct dstore_stats stats;
};

/* Count a login failure, a forced slow sync, a sync's duration and a
 * reply's size (metrics.c). */
void srv_metrics_login_failed(struct srv *srv, enum srv_login_reason r);
void srv_metrics_slow(struct srv *srv, enum srv_slow_reason r);
void srv_metrics_sync(struct srv *srv, enum srv_sync_mode mode, uint64_t ms);
void srv_metrics_reply(struct srv *srv, uint64_t bytes);
/* Append every family of the engine's metrics, each with HELP and TYPE,
 * in the Prometheus text format; store (NULL when unavailable) gives the
 * database's figures, read again when older than 30 s. */
void srv_metrics_write(struct srv *srv, struct dstore *store,
		       struct ob_buf *out);
/* The label of a login failure reason ("bad_password", ...). */
const char *srv_login_reason_name(enum srv_login_reason r);
/* A non-secret tag of a session token for the logs (16 hex digits and a
 * NUL): the token itself lets whoever has it continue the session. */
void srv_session_tag(const char *token, char out[17]);

struct srv_ldapd;

struct srv {
	struct srv_config cfg;
	struct srv_metrics metrics;
	/* unix time of the last store write that failed with an I/O error,
	 * and of the last that worked (health.h) */
	int64_t io_error_at, io_ok_at;
	/* the LDAP listener when it runs (server/ldapd.h), for /metrics */
	struct srv_ldapd *ldapd;
	/* Each worker thread opens its own store connection (srv_store). */
};

/* The calling thread's store connection, opened on first use. NULL (and
 * an error logged) when the database cannot be opened. */
struct dstore *srv_store(struct srv *srv);
/* Close the calling thread's connection (thread exit). */
void srv_store_release(void);

struct srv_request {
	const char *body;
	size_t len;
	const char *content_type; /* may carry parameters */
	const char *token;        /* ?s= of the URL, NULL when none */
	const char *remote_addr;  /* for throttling and logs */
	const char *http_auth;    /* Authorization header or NULL */
	const char *base_url;     /* "http://host:port/sync" */
};

struct srv_response {
	int http_status;     /* 200 with a SyncML body, else an HTTP error */
	unsigned char *body; /* malloc'd */
	size_t len;
	char content_type[64];
};

/* Handle one SyncML POST. Always fills rs (an HTTP error with a short
 * text body when no SyncML answer is possible). */
void srv_sync_handle(struct srv *srv, const struct srv_request *rq,
		     struct srv_response *rs);
void srv_response_deinit(struct srv_response *rs);

#endif
