/* The engine's side of /metrics: counters by reason, histograms of sync
 * durations and reply sizes, the store's figures read at most every 30 s
 * (see server.h). Every family is written with its HELP and TYPE; no
 * label value comes from a client. */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "syncml-server/server.h"
#include "util/log.h"
#include "util/str.h"

#define STATS_EVERY_MS 30000

/* sync durations, ms (written as seconds) */
static const uint64_t sync_bounds[] = {50,     100,    250,   500,   1000,
				       2500,   5000,   10000, 30000, 60000,
				       120000, 300000, 600000};
/* reply sizes, bytes */
static const uint64_t reply_bounds[] = {1024,   4096,    16384,   65536,
					262144, 1048576, 4194304, 16777216};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const mode_names[SRV_MODES] = {"slow", "fast", "refresh",
						  "one_way"};
static const char *const login_names[SRV_LOGIN_REASONS] = {
	"bad_password", "unknown_account", "disabled",
	"throttled",    "no_credentials",  "malformed",
	"md5_refused",  "bad_digest",      "rechallenged"};
static const char *const slow_names[SRV_SLOW_REASONS] = {
	"client", "first_sync", "anchor_mismatch", "resync_requested",
	"history_pruned"};
static const char *const end_names[SRV_END_REASONS] = {"abandoned", "max_age",
						       "evicted"};

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define INC(x, n) __atomic_add_fetch(&(x), (n), __ATOMIC_RELAXED)

const char *srv_login_reason_name(enum srv_login_reason r)
{
	return (unsigned)r < SRV_LOGIN_REASONS ? login_names[r] : "other";
}

void srv_metrics_login_failed(struct srv *srv, enum srv_login_reason r)
{
	if ((unsigned)r < SRV_LOGIN_REASONS)
		INC(srv->metrics.login_failures[r], 1);
}

void srv_metrics_slow(struct srv *srv, enum srv_slow_reason r)
{
	if ((unsigned)r < SRV_SLOW_REASONS)
		INC(srv->metrics.slow_forced[r], 1);
}

static void observe(struct srv_histo *h, const uint64_t *bounds, size_t n,
		    uint64_t v)
{
	size_t i = 0;

	while (i < n && v > bounds[i])
		i++;
	INC(h->bucket[i], 1);
	INC(h->count, 1);
	INC(h->sum, v);
}

void srv_metrics_sync(struct srv *srv, enum srv_sync_mode mode, uint64_t ms)
{
	if ((unsigned)mode < SRV_MODES)
		observe(&srv->metrics.sync_ms[mode], sync_bounds,
			N(sync_bounds), ms);
}

void srv_metrics_reply(struct srv *srv, uint64_t bytes)
{
	observe(&srv->metrics.reply_bytes, reply_bounds, N(reply_bounds),
		bytes);
}

void srv_session_tag(const char *token, char out[17])
{
	/* FNV-1a: a tag, not a secret; tokens are random already */
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)token; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	snprintf(out, 17, "%016" PRIx64, h);
}

static void head(struct ob_buf *out, const char *name, const char *type,
		 const char *help)
{
	ob_buf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
		    type);
}

static void counter(struct ob_buf *out, const char *name, const char *help,
		    uint64_t v)
{
	head(out, name, "counter", help);
	ob_buf_addf(out, "%s %" PRIu64 "\n", name, v);
}

static void gauge(struct ob_buf *out, const char *name, const char *help,
		  int64_t v)
{
	head(out, name, "gauge", help);
	ob_buf_addf(out, "%s %" PRId64 "\n", name, v);
}

/* A family of counters with one label; values[i] under names[i]. */
static void by_label(struct ob_buf *out, const char *name, const char *help,
		     const char *label, const char *const *names,
		     const uint64_t *values, size_t n)
{
	head(out, name, "counter", help);
	for (size_t i = 0; i < n; i++)
		ob_buf_addf(out, "%s{%s=\"%s\"} %" PRIu64 "\n", name, label,
			    names[i], LOAD(values[i]));
}

/* One histogram series; labels "" or `mode="slow",`; scale 1000 writes
 * ms as seconds. */
static void histo(struct ob_buf *out, const char *name, const char *labels,
		  const struct srv_histo *h, const uint64_t *bounds, size_t n,
		  unsigned scale)
{
	uint64_t cum = 0;
	size_t ll = strlen(labels);

	for (size_t i = 0; i <= n; i++) {
		cum += LOAD(h->bucket[i]);
		if (i < n && scale > 1)
			ob_buf_addf(out, "%s_bucket{%sle=\"%g\"} %" PRIu64 "\n",
				    name, labels, (double)bounds[i] / scale,
				    cum);
		else if (i < n)
			ob_buf_addf(out,
				    "%s_bucket{%sle=\"%" PRIu64 "\"} %" PRIu64
				    "\n",
				    name, labels, bounds[i], cum);
		else
			ob_buf_addf(out,
				    "%s_bucket{%sle=\"+Inf\"} %" PRIu64 "\n",
				    name, labels, cum);
	}
	/* the labels without their trailing comma, in braces */
	char lb[64] = "";
	if (ll > 0 && ll < sizeof(lb) - 2)
		snprintf(lb, sizeof(lb), "{%.*s}", (int)ll - 1, labels);
	if (scale > 1)
		ob_buf_addf(out, "%s_sum%s %.3f\n", name, lb,
			    (double)LOAD(h->sum) / scale);
	else
		ob_buf_addf(out, "%s_sum%s %" PRIu64 "\n", name, lb,
			    LOAD(h->sum));
	/* count = the +Inf bucket, read once */
	ob_buf_addf(out, "%s_count%s %" PRIu64 "\n", name, lb, cum);
}

/* The store's figures, read again when older than STATS_EVERY_MS; one
 * reader at a time, the others take the last ones. */
static bool stats(struct srv *srv, struct dstore *store, struct dstore_stats *r)
{
	struct srv_metrics *m = &srv->metrics;
	uint64_t now = ob_now_ms();
	bool ok;

	pthread_mutex_lock(&stats_lock);
	if (store != NULL &&
	    (m->stats_at_ms == 0 || now - m->stats_at_ms >= STATS_EVERY_MS)) {
		struct ob_err err;
		struct dstore_stats st;
		int ret = dstore_stats_get(store, ob_wall_s(), &st, &err);
		m->stats_at_ms = now;
		m->stats_ok = ret == 0;
		if (ret == 0)
			m->stats = st;
		else
			ob_log(OB_LOG_WARN, NULL, "metrics: %s", err.msg);
	}
	ok = m->stats_ok;
	*r = m->stats;
	pthread_mutex_unlock(&stats_lock);
	return ok;
}

void srv_metrics_write(struct srv *srv, struct dstore *store,
		       struct ob_buf *out)
{
	struct srv_metrics *m = &srv->metrics;
	struct dstore_stats st;
	char labels[32];

	head(out, "orgbook_build_info", "gauge",
	     "The running orgbook-server's version (always 1).");
	ob_buf_addf(out, "orgbook_build_info{version=\"%s\"} 1\n",
		    PACKAGE_VERSION);
	counter(out, "orgbook_requests_total",
		"HTTP requests received, every listener.", LOAD(m->requests));
	counter(out, "orgbook_request_errors_total",
		"SyncML messages answered with an HTTP error.",
		LOAD(m->errors));
	counter(out, "orgbook_auth_failures_total",
		"SyncML logins refused (orgbook_login_failures_total by "
		"reason).",
		LOAD(m->auth_failures));
	by_label(out, "orgbook_login_failures_total",
		 "Failed logins (SyncML, CardDAV, exports, phonebooks) by "
		 "reason.",
		 "reason", login_names, m->login_failures, SRV_LOGIN_REASONS);
	counter(out, "orgbook_sessions_refused_total",
		"Messages that named a live session without its token or "
		"its account's credentials.",
		LOAD(m->sessions_refused));
	counter(out, "orgbook_store_unavailable_total",
		"SyncML messages answered 503 because the database failed.",
		LOAD(m->store_unavailable));
	{
		static const char *const names[] = {
			"body_too_large",  "busy",
			"session_refused", "store_unavailable",
			"device_busy",     "metrics_forbidden"};
		uint64_t v[] = {
			LOAD(m->bodies_too_large), LOAD(m->bodies_busy),
			LOAD(m->sessions_refused), LOAD(m->store_unavailable),
			LOAD(m->device_busy),      LOAD(m->metrics_forbidden)};
		by_label(out, "orgbook_requests_refused_total",
			 "Requests refused before their work, by reason.",
			 "reason", names, v, N(names));
	}
	counter(out, "orgbook_sessions_completed_total",
		"SyncML sessions that completed their sync.",
		LOAD(m->sessions_done));
	by_label(out, "orgbook_sessions_incomplete_total",
		 "SyncML sessions that ended without completing, by reason.",
		 "reason", end_names, m->sessions_incomplete, SRV_END_REASONS);
	{
		static const char *const names[] = {"slow", "fast"};
		uint64_t v[] = {LOAD(m->slow_syncs), LOAD(m->fast_syncs)};
		by_label(out, "orgbook_syncs_total",
			 "Datastore syncs completed: slow (slow or refresh) "
			 "or fast.",
			 "mode", names, v, 2);
	}
	by_label(out, "orgbook_slow_syncs_total",
		 "Syncs made slow, by reason (history_pruned: the device's "
		 "last sync fell outside the retention window).",
		 "reason", slow_names, m->slow_forced, SRV_SLOW_REASONS);
	counter(out, "orgbook_items_sent_total",
		"Adds, replaces and deletes sent to devices.",
		LOAD(m->items_sent));
	{
		static const char *const names[] = {"in", "out"};
		uint64_t v[] = {LOAD(m->bytes_in), LOAD(m->bytes_out)};
		by_label(out, "orgbook_bytes_total",
			 "SyncML body bytes received and sent.", "direction",
			 names, v, 2);
	}
	{
		static const char *const names[] = {"headers", "slow_body",
						    "evicted"};
		uint64_t v[] = {LOAD(m->conns_cut_headers),
				LOAD(m->conns_cut_body),
				LOAD(m->conns_evicted)};
		by_label(out, "orgbook_connections_cut_total",
			 "Connections cut: headers too late, body too slow, "
			 "evicted for a newcomer.",
			 "reason", names, v, 3);
	}
	{
		static const char *const names[] = {"too_large", "busy"};
		uint64_t v[] = {LOAD(m->bodies_too_large),
				LOAD(m->bodies_busy)};
		by_label(out, "orgbook_bodies_refused_total",
			 "Request bodies refused before being read.", "reason",
			 names, v, 2);
	}
	head(out, "orgbook_sync_duration_seconds", "histogram",
	     "Duration of a completed sync, from its first message to its "
	     "last, by mode.");
	for (int i = 0; i < SRV_MODES; i++) {
		snprintf(labels, sizeof(labels), "mode=\"%s\",", mode_names[i]);
		histo(out, "orgbook_sync_duration_seconds", labels,
		      &m->sync_ms[i], sync_bounds, N(sync_bounds), 1000);
	}
	head(out, "orgbook_reply_size_bytes", "histogram",
	     "Size of a SyncML reply as sent.");
	histo(out, "orgbook_reply_size_bytes", "", &m->reply_bytes,
	      reply_bounds, N(reply_bounds), 1);
	bool ok = stats(srv, store, &st);
	gauge(out, "orgbook_store_stats_ok",
	      "1 when the database figures below were read, 0 when the "
	      "last try failed.",
	      ok ? 1 : 0);
	gauge(out, "orgbook_sessions_live",
	      "SyncML sessions going on (not completed, not expired).",
	      st.live_sessions);
	gauge(out, "orgbook_devices_seen_24h",
	      "Devices that completed a sync in the last 24 hours.",
	      st.devices_24h);
	gauge(out, "orgbook_devices_outside_retention",
	      "Devices whose last sync is older than their enterprise's "
	      "retention window (their next sync is slow).",
	      st.devices_outside_retention);
	gauge(out, "orgbook_database_size_bytes",
	      "Size of the database (SQLite pages, PostgreSQL "
	      "pg_database_size).",
	      st.db_bytes);
}
