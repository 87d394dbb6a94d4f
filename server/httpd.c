/* libmicrohttpd listeners and routes (see httpd.h).
 *
 * The process's one meeting point of the SyncML engine (syncml-server/,
 * which knows nothing of the web admin) and the web admin (webadmin/,
 * which knows nothing of SyncML): /sync goes to the engine, the admin
 * listener's pages to wa_web_handle, and a page's CSV or JSON export is
 * streamed by wa_web_stream. Cards and the .vcf export come from
 * lib/dircard, the desk-phone phonebooks from carddav/phonebook. */
#include "config.h"
#include "server/httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "carddav/dav.h"
#include "carddav/phonebook.h"
#include "dircard/export.h"
#include "syncml-server/auth.h"
#include "server/connguard.h"
#include "server/ldapd.h"
#include "server/tls.h"
#include "syncml-server/health.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/str.h"
#include "webadmin/web.h"

struct srv_httpd {
	struct srv *srv;
	struct MHD_Daemon *sync, *admin;
	struct srv_guard *sync_guard, *admin_guard;
	/* body bytes held by requests not (yet) authenticated: every sync
	 * request, admin requests without a session */
	size_t unauth_bytes;
	char *cert, *key;
	bool tls;       /* the sync listener's */
	bool admin_tls; /* the admin listener's (same certificate) */
	int sync_port;  /* the sync listener's bound port */
};

/* Per-request state, hung on libmicrohttpd's req_cls. */
struct req {
	struct ob_buf body;
	size_t reserved; /* of h->unauth_bytes, given back when done */
	bool unauth;     /* counts against unauth_body_total */
	bool cut;        /* over a cap or the budget: connection closed */
	char id[OB_LOG_REQ_MAX]; /* X-Request-Id, req= of its log lines */
};

/* Every response goes out through here: it carries the request's id
 * (the calling thread's, set by on_sync and on_admin). */
static enum MHD_Result queue(struct MHD_Connection *conn, unsigned status,
			     struct MHD_Response *r)
{
	if (*ob_log_request() != '\0')
		MHD_add_response_header(r, "X-Request-Id", ob_log_request());
	return MHD_queue_response(conn, status, r);
}

/* The request's id: the client's X-Request-Id when it is a plain token
 * (a proxy's, to follow one request through both logs), else 16 random
 * hex digits. */
static void request_id(struct MHD_Connection *conn, char *out, size_t size)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						    "X-Request-Id");
	size_t n = v != NULL ? strlen(v) : 0;

	if (n > 0 && n < size &&
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789-_.:") == n) {
		memcpy(out, v, n + 1);
		return;
	}
	if (ob_random_hex(out, 8) != 0)
		snprintf(out, size, "%016" PRIx64, ob_now_ms());
}

static struct MHD_Response *text(const char *t)
{
	return MHD_create_response_from_buffer(strlen(t), (void *)t,
					       MHD_RESPMEM_MUST_COPY);
}

static enum MHD_Result send_text_retry(struct MHD_Connection *conn, int status,
				       const char *t, const char *retry_after)
{
	struct MHD_Response *r = text(t);
	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (retry_after != NULL)
		MHD_add_response_header(r, "Retry-After", retry_after);
	enum MHD_Result ret = queue(conn, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Every 503 says when to come back: the database or the server is
 * expected back within seconds. */
#define RETRY_SECS "5"

static enum MHD_Result send_text(struct MHD_Connection *conn, int status,
				 const char *t)
{
	return send_text_retry(conn, status, t,
			       status == 503 ? RETRY_SECS : NULL);
}

static void addr_of(struct MHD_Connection *conn, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	ob_strlcpy(buf, "?", size);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	if (ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET,
			  &((const struct sockaddr_in *)ci->client_addr)
				   ->sin_addr,
			  buf, (socklen_t)size);
	else if (ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)ci->client_addr)
				   ->sin6_addr,
			  buf, (socklen_t)size);
}

struct hdr_count {
	int content_length;
	bool chunked;
};

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind,
				    const char *key, const char *value)
{
	struct hdr_count *hc = cls;
	(void)kind;
	if (strcasecmp(key, "Content-Length") == 0)
		hc->content_length++;
	if (strcasecmp(key, "Transfer-Encoding") == 0 && value != NULL &&
	    strcasestr(value, "chunked") != NULL)
		hc->chunked = true;
	return MHD_YES;
}

static void base_url(struct srv_httpd *h, struct MHD_Connection *conn,
		     char *buf, size_t size)
{
	if (*h->srv->cfg.public_url != '\0') {
		snprintf(buf, size, "%s/sync", h->srv->cfg.public_url);
		return;
	}
	const char *host =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
	bool ok = host != NULL && *host != '\0' && strlen(host) < 200;
	for (const char *p = host; ok && *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr(".-:[]", *p)))
			ok = false;
	snprintf(buf, size, "%s://%s/sync", h->tls ? "https" : "http",
		 ok ? host : "localhost");
}

static enum MHD_Result handle_sync(struct srv_httpd *h,
				   struct MHD_Connection *conn, struct req *rq)
{
	struct srv_request sr = {0};
	struct srv_response rs;
	char addr[64], url[300];

	addr_of(conn, addr, sizeof(addr));
	base_url(h, conn, url, sizeof(url));
	sr.body = rq->body.data != NULL ? rq->body.data : "";
	sr.len = rq->body.len;
	sr.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						      "Content-Type");
	sr.token =
		MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "s");
	sr.remote_addr = addr;
	sr.http_auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						   "Authorization");
	sr.base_url = url;
	__atomic_add_fetch(&h->srv->metrics.bytes_in, sr.len, __ATOMIC_RELAXED);
	srv_sync_handle(h->srv, &sr, &rs);
	__atomic_add_fetch(&h->srv->metrics.bytes_out, rs.len,
			   __ATOMIC_RELAXED);
	if (rs.http_status == 200)
		srv_metrics_reply(h->srv, rs.len);
	struct MHD_Response *r = MHD_create_response_from_buffer(
		rs.len, rs.body, MHD_RESPMEM_MUST_FREE);
	rs.body = NULL;
	MHD_add_response_header(r, "Content-Type", rs.content_type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (rs.http_status == 503)
		MHD_add_response_header(r, "Retry-After", RETRY_SECS);
	enum MHD_Result ret = queue(conn, (unsigned)rs.http_status, r);
	MHD_destroy_response(r);
	srv_response_deinit(&rs);
	return ret;
}

/* ---- streamed answers: a writer thread feeding a pipe ------------------ */

/* The pipe between a writer thread (which holds the store, and a read
 * snapshot, while it writes) and libmicrohttpd, which reads it as the
 * client takes the bytes. Both ends give up at the deadline, so that a
 * client that takes the answer slowly, or stops taking it, lets the
 * writer go in the end; a client that goes away closes the read end and
 * the writer's next write fails. The body ends normally only when the
 * writer says it is complete (ok); otherwise the connection is cut
 * (libmicrohttpd sends no last chunk), so that a client never takes a
 * truncated answer for a whole one. Freed by the last of the two. */
struct chan {
	int rfd, wfd;
	int refs;
	bool ok;
	uint64_t deadline_ms; /* ob_now_ms() */
	void (*free_fn)(struct chan *ch);
};

static int chan_open(struct chan *ch, struct srv *srv,
		     void (*free_fn)(struct chan *ch))
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	(void)fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
	ch->rfd = fds[0];
	ch->wfd = fds[1];
	ch->refs = 2; /* the writer and the reader */
	ch->ok = false;
	ch->deadline_ms =
		ob_now_ms() + (uint64_t)srv->cfg.stream_timeout * 1000;
	ch->free_fn = free_fn;
	return 0;
}

static void chan_unref(struct chan *ch)
{
	if (__atomic_sub_fetch(&ch->refs, 1, __ATOMIC_ACQ_REL) == 0)
		ch->free_fn(ch);
}

/* Milliseconds to the deadline for poll, 0 when it passed. */
static int chan_left(const struct chan *ch)
{
	uint64_t now = ob_now_ms();
	if (now >= ch->deadline_ms)
		return 0;
	uint64_t left = ch->deadline_ms - now;
	return left > 60000 ? 60000 : (int)left;
}

static int chan_write(struct chan *ch, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(ch->wfd, data, len);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pf = {.fd = ch->wfd, .events = POLLOUT};
			int left = chan_left(ch);
			if (left == 0)
				return OB_E_IO; /* the deadline: give up */
			if (poll(&pf, 1, left) < 0 && errno != EINTR)
				return OB_E_IO;
			continue;
		}
		return OB_E_IO; /* EPIPE: the client went away */
	}
	return 0;
}

/* The writer is done: complete says the body is whole. */
static void chan_end(struct chan *ch, bool complete)
{
	__atomic_store_n(&ch->ok, complete, __ATOMIC_RELEASE);
	close(ch->wfd);
	ch->wfd = -1;
	chan_unref(ch);
}

static ssize_t chan_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct chan *ch = cls;
	(void)pos;
	for (;;) {
		struct pollfd pf = {.fd = ch->rfd, .events = POLLIN};
		int left = chan_left(ch);
		if (left == 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		int pr = poll(&pf, 1, left);
		if (pr < 0 && errno != EINTR)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (pr <= 0)
			continue;
		ssize_t n = read(ch->rfd, buf, max);
		if (n > 0)
			return n;
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == 0 && __atomic_load_n(&ch->ok, __ATOMIC_ACQUIRE))
			return MHD_CONTENT_READER_END_OF_STREAM;
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
}

static void chan_read_done(void *cls)
{
	struct chan *ch = cls;
	close(ch->rfd);
	ch->rfd = -1;
	chan_unref(ch);
}

/* A response reading ch (taking the reader's reference); NULL (the
 * reference given back, the read end closed) when it cannot be made. */
static struct MHD_Response *chan_response(struct chan *ch)
{
	struct MHD_Response *r = MHD_create_response_from_callback(
		MHD_SIZE_UNKNOWN, 64 * 1024, chan_read, ch, chan_read_done);
	if (r == NULL)
		chan_read_done(ch);
	return r;
}

/* ---- stream workers ------------------------------------------------------ */

/* The writer of a streamed answer runs on one of these: a thread that
 * has finished one waits for the next instead of exiting, so that it
 * keeps its store connection (no new connection per answer, the read
 * snapshot ended) and its CPU time stays with a live thread (what
 * /proc's per-thread figures show). There are as many as answers were
 * ever written at once, which the connection limits bound. */
struct worker {
	struct worker *next; /* the idle list */
	struct worker *all;  /* every worker, for workers_stop */
	pthread_t th;
	pthread_cond_t cv;
	void *(*fn)(void *arg); /* the job; NULL: idle */
	void *arg;
};

static pthread_mutex_t workers_mu = PTHREAD_MUTEX_INITIALIZER;
static struct worker *idle_workers, *all_workers;
static bool workers_quit;

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	pthread_mutex_lock(&workers_mu);
	for (;;) {
		while (w->fn == NULL && !workers_quit)
			pthread_cond_wait(&w->cv, &workers_mu);
		if (w->fn == NULL)
			break; /* stopping, and no job */
		void *(*fn)(void *) = w->fn;
		void *a = w->arg;
		pthread_mutex_unlock(&workers_mu);
		fn(a);
		pthread_mutex_lock(&workers_mu);
		w->fn = NULL;
		w->next = idle_workers;
		idle_workers = w;
	}
	pthread_mutex_unlock(&workers_mu);
	srv_store_release(); /* the thread's store connection */
	return NULL;
}

/* Run fn(arg) on an idle worker or a new one; 0, or -1 when no thread
 * can be started (or the server is stopping). */
static int worker_run(void *(*fn)(void *), void *arg)
{
	pthread_mutex_lock(&workers_mu);
	if (workers_quit) {
		pthread_mutex_unlock(&workers_mu);
		return -1;
	}
	struct worker *w = idle_workers;
	if (w != NULL) {
		idle_workers = w->next;
		w->fn = fn;
		w->arg = arg;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&workers_mu);
		return 0;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		pthread_mutex_unlock(&workers_mu);
		return -1;
	}
	pthread_cond_init(&w->cv, NULL);
	w->fn = fn;
	w->arg = arg;
	if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
		pthread_mutex_unlock(&workers_mu);
		pthread_cond_destroy(&w->cv);
		free(w);
		return -1;
	}
	w->all = all_workers;
	all_workers = w;
	pthread_mutex_unlock(&workers_mu);
	return 0;
}

/* At shutdown, after the listeners stopped: every worker finishes its
 * job (their readers are gone, so a streamed answer ends at its next
 * write), closes its store connection and is joined. */
static void workers_stop(void)
{
	pthread_mutex_lock(&workers_mu);
	workers_quit = true;
	for (struct worker *w = all_workers; w != NULL; w = w->all)
		pthread_cond_signal(&w->cv);
	struct worker *all = all_workers;
	all_workers = idle_workers = NULL;
	pthread_mutex_unlock(&workers_mu);
	while (all != NULL) {
		struct worker *next = all->all;
		pthread_join(all->th, NULL);
		pthread_cond_destroy(&all->cv);
		free(all);
		all = next;
	}
}

/* ---- export ------------------------------------------------------------- */

struct export_job {
	struct chan ch; /* first: the job is freed through it */
	struct srv *srv;
	int64_t tenant_id, unit_id;
	enum vcard_version version;
	bool photos;
	bool carddav; /* CardDAV's photo cap and thumbnail edge, else SyncML's */
	enum wa_stream kind;      /* WA_STREAM_VCF, _CSV or _JSON */
	char req[OB_LOG_REQ_MAX]; /* the request's id, for the thread's log */
};

static int write_all(const char *data, size_t len, void *ctx)
{
	struct export_job *j = ctx;
	return chan_write(&j->ch, data, len);
}

static void export_free(struct chan *ch)
{
	free(ch);
}

static void *export_thread(void *arg)
{
	struct export_job *j = arg;
	ob_log_set_request(j->req);
	struct dstore *store = srv_store(j->srv);
	struct dcard_export_opts o = {
		.version = j->version,
		.unit_id = j->unit_id,
		.photos = j->photos,
		.max_photo_bytes = j->carddav ? j->srv->cfg.carddav_photo
					      : j->srv->cfg.max_photo,
		/* a download is a copy of the directory: photos as stored
		 * (as the CLI's export), except CardDAV's book GET, whose
		 * cards must be those of its REPORTs */
		.photo_edge = j->carddav ? j->srv->cfg.carddav_photo_edge : 0,
	};
	struct ob_err err;
	size_t count = 0;
	int ret = store == NULL ? OB_E_IO : 0;

	if (ret == 0)
		ret = j->kind != WA_STREAM_VCF
			      ? wa_web_stream(store, j->kind, j->tenant_id,
					      j->unit_id, write_all, j, &count,
					      &err)
			      : dcard_export_vcf(store, j->tenant_id, &o,
						 write_all, j, &count, &err);
	if (ret != 0)
		ob_log(OB_LOG_WARN, NULL, "export stopped: %s",
		       store == NULL ? "database unavailable" : err.msg);
	chan_end(&j->ch, ret == 0);
	return NULL;
}

static bool loopback(const char *addr)
{
	return strcmp(addr, "127.0.0.1") == 0 || strcmp(addr, "::1") == 0 ||
	       strncmp(addr, "::ffff:127.", 11) == 0;
}

static enum MHD_Result stream_export(struct srv_httpd *h,
				     struct MHD_Connection *conn,
				     const struct export_job *job,
				     const char *type, const char *disposition,
				     const char *const (*extra)[2]);

/* The account of an HTTP Basic request (the .vcf export, CardDAV, the
 * phonebooks): the same password check and throttling as SyncML logins.
 * true with *a filled; false when *ret_r is already the answer (503 when
 * the store fails, 401 with the Basic challenge, and dav's DAV header
 * when given). */
static bool basic_account(struct srv *srv, struct MHD_Connection *conn,
			  struct dstore *store, const char *addr,
			  const char *dav, struct srv_auth *a,
			  enum MHD_Result *ret_r)
{
	enum srv_auth_result ar = srv_auth_http_basic(
		store,
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					    "Authorization"),
		addr, a);
	if (ar == SRV_AUTH_OK)
		return true;
	if (ar == SRV_AUTH_ERROR) {
		*ret_r = send_text(conn, 503, "database unavailable\n");
		return false;
	}
	/* no Authorization is the challenge's first half, not a failure */
	if (ar == SRV_AUTH_BAD) {
		srv_metrics_login_failed(srv, a->reason);
		ob_log(OB_LOG_WARN, NULL,
		       "http: Basic login of '%s' from %s refused (reason=%s)",
		       a->login, addr, srv_login_reason_name(a->reason));
	}
	struct MHD_Response *r = text("login required\n");
	MHD_add_response_header(r, "WWW-Authenticate",
				"Basic realm=\"Orgbook\", charset=\"UTF-8\"");
	if (dav != NULL)
		MHD_add_response_header(r, "DAV", dav);
	*ret_r = queue(conn, 401, r);
	MHD_destroy_response(r);
	return false;
}

static enum MHD_Result handle_export(struct srv_httpd *h,
				     struct MHD_Connection *conn)
{
	char addr[64];
	struct dstore *store = srv_store(h->srv);
	struct srv_auth a;
	struct ob_err err;

	addr_of(conn, addr, sizeof(addr));
	if (!h->tls && !loopback(addr))
		return send_text(conn, 403, "the export needs HTTPS\n");
	if (store == NULL)
		return send_text(conn, 503, "database unavailable\n");
	enum MHD_Result ret;
	if (!basic_account(h->srv, conn, store, addr, NULL, &a, &ret))
		return ret;
	const char *unit = MHD_lookup_connection_value(
		conn, MHD_GET_ARGUMENT_KIND, "unit");
	const char *fmt = MHD_lookup_connection_value(
		conn, MHD_GET_ARGUMENT_KIND, "format");
	const char *photos = MHD_lookup_connection_value(
		conn, MHD_GET_ARGUMENT_KIND, "photos");
	int64_t unit_id = 0;
	if (unit != NULL && *unit != '\0' &&
	    dstore_unit_ensure_path(store, a.tenant_id, unit, false, &unit_id,
				    &err) != 0)
		return send_text(conn, 404, "no such unit\n");
	enum vcard_version v = VCARD_V30;
	if (fmt != NULL && strcmp(fmt, "vcf21") == 0)
		v = VCARD_V21;
	else if (fmt != NULL && strcmp(fmt, "vcf40") == 0)
		v = VCARD_V40;
	else if (fmt != NULL && strcmp(fmt, "vcf30") != 0)
		return send_text(conn, 400, "format: vcf21, vcf30 or vcf40\n");
	struct export_job job = {
		.tenant_id = a.tenant_id,
		.unit_id = unit_id,
		.version = v,
		.photos = photos == NULL || strcmp(photos, "0") != 0,
		.kind = WA_STREAM_VCF,
	};
	return stream_export(h, conn, &job, "text/vcard; charset=utf-8",
			     "attachment; filename=\"directory.vcf\"", NULL);
}

/* Start a writer thread for the export and answer with the read end of
 * its pipe: the file is streamed, never built in memory. */
static enum MHD_Result stream_export(struct srv_httpd *h,
				     struct MHD_Connection *conn,
				     const struct export_job *job,
				     const char *type, const char *disposition,
				     const char *const (*extra)[2])
{
	struct export_job *j = calloc(1, sizeof(*j));
	if (j == NULL)
		return send_text(conn, 503, "out of memory\n");
	*j = *job;
	j->srv = h->srv;
	ob_strlcpy(j->req, ob_log_request(), sizeof(j->req));
	if (chan_open(&j->ch, h->srv, export_free) != 0) {
		free(j);
		return send_text(conn, 503, "cannot start the export\n");
	}
	if (worker_run(export_thread, j) != 0) {
		close(j->ch.rfd);
		close(j->ch.wfd);
		free(j);
		return send_text(conn, 503, "cannot start the export\n");
	}
	struct MHD_Response *r = chan_response(&j->ch);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Content-Disposition", disposition);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	for (size_t i = 0; extra != NULL && extra[i][0] != NULL; i++)
		MHD_add_response_header(r, extra[i][0], extra[i][1]);
	enum MHD_Result ret = queue(conn, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static void web_config(struct srv_httpd *h, struct wa_web_config *cfg)
{
	wa_web_config_defaults(cfg);
	cfg->idle_s = h->srv->cfg.admin_idle;
	cfg->max_s = h->srv->cfg.admin_session_max;
	cfg->secure_cookie = h->admin_tls;
	cfg->max_photo = DSTORE_PHOTO_MAX_DEFAULT;
	ob_strlcpy(cfg->public_url, h->srv->cfg.public_url,
		   sizeof(cfg->public_url));
	cfg->sync_tls = h->tls;
	cfg->sync_port = h->sync_port;
	cfg->carddav_depth =
		h->srv->cfg.carddav ? (int)h->srv->cfg.carddav_depth : -1;
}

/* Count n more body bytes of an unauthenticated request against the
 * budget; false (nothing counted) when it is spent. */
static bool reserve(struct srv_httpd *h, struct req *rq, size_t n)
{
	size_t max = h->srv->cfg.unauth_body_total;
	size_t now = __atomic_add_fetch(&h->unauth_bytes, n, __ATOMIC_RELAXED);
	if (now > max || now < n) {
		__atomic_sub_fetch(&h->unauth_bytes, n, __ATOMIC_RELAXED);
		return false;
	}
	rq->reserved += n;
	return true;
}

/* The first call of a request, with its headers: count it and decide
 * about its body before a byte of it is read. Refusals are answered now
 * (libmicrohttpd then closes the connection without reading the body):
 * conflicting length headers (400), a Content-Length over the cap (413;
 * on the admin listener the cap without a signed-in session is
 * WA_WEB_ANON_BODY_MAX), a body the unauthenticated budget cannot take
 * (503, Retry-After). A chunked body is counted while it is read. */
static enum MHD_Result begin(struct srv_httpd *h, struct MHD_Connection *conn,
			     bool admin, const char *url, void **req_cls)
{
	struct hdr_count hc = {0};
	struct req *rq = calloc(1, sizeof(*rq));
	size_t cap = admin ? h->srv->cfg.admin_max_body : h->srv->cfg.max_body;
	uint64_t cl = 0;
	bool signed_in = false;

	if (rq == NULL)
		return MHD_NO;
	*req_cls = rq;
	request_id(conn, rq->id, sizeof(rq->id));
	ob_log_set_request(rq->id);
	__atomic_add_fetch(&h->srv->metrics.requests, 1, __ATOMIC_RELAXED);
	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, &hc);
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						    "Content-Length");
	if (v != NULL && ob_parse_u64(v, strlen(v), UINT64_MAX, &cl) != 0)
		cl = UINT64_MAX; /* libmicrohttpd refuses those itself */
	bool has_body = cl > 0 || hc.chunked;
	srv_guard_headers(conn, false);
	if (hc.content_length > 1 || (hc.content_length > 0 && hc.chunked))
		return send_text(conn, 400,
				 "conflicting Content-Length / "
				 "Transfer-Encoding\n");
	if (admin && has_body && (hc.chunked || cl > WA_WEB_ANON_BODY_MAX)) {
		struct dstore *store = srv_store(h->srv);
		struct wa_web_config wc;
		web_config(h, &wc);
		signed_in = store != NULL &&
			    wa_web_signed_in(
				    store, &wc,
				    MHD_lookup_connection_value(
					    conn, MHD_HEADER_KIND, "Cookie"),
				    ob_wall_s());
	}
	if (admin && !signed_in && cap > WA_WEB_ANON_BODY_MAX)
		cap = WA_WEB_ANON_BODY_MAX;
	/* A CardDAV body over max-body (Thunderbird's multiget of every
	 * href of a big book: ~40 bytes an href) gets carddav-max-body once
	 * its Basic login is checked, before a byte of it is read; without
	 * a valid login it is 401 now. */
	if (!admin && url != NULL && h->srv->cfg.carddav &&
	    dav_path_is_ours(url) && (hc.chunked || cl > cap) &&
	    h->srv->cfg.carddav_max_body > cap) {
		struct dstore *store = srv_store(h->srv);
		struct srv_auth a;
		enum MHD_Result ret;
		char addr[64];
		addr_of(conn, addr, sizeof(addr));
		if (store == NULL)
			return send_text(conn, 503, "database unavailable\n");
		if (!basic_account(h->srv, conn, store, addr,
				   "1, 3, addressbook", &a, &ret))
			return ret;
		cap = h->srv->cfg.carddav_max_body;
		signed_in = true;
	}
	if (cl > cap) {
		__atomic_add_fetch(&h->srv->metrics.bodies_too_large, 1,
				   __ATOMIC_RELAXED);
		return send_text(conn, 413,
				 admin && !signed_in
					 ? "request body too large (sign in "
					   "before uploading)\n"
					 : "request body too large\n");
	}
	rq->unauth = !signed_in;
	if (rq->unauth && cl > 0 && !reserve(h, rq, (size_t)cl)) {
		__atomic_add_fetch(&h->srv->metrics.bodies_busy, 1,
				   __ATOMIC_RELAXED);
		return send_text_retry(conn, 503,
				       "too many requests in flight, retry "
				       "later\n",
				       "5");
	}
	/* A known length is the cap and one allocation: no copies while
	 * the buffer doubles. Its pages count only once they are written. */
	ob_buf_init(&rq->body, hc.chunked ? cap : (size_t)cl);
	if (!hc.chunked && cl > 0 && ob_buf_reserve(&rq->body, cl) != 0)
		return send_text_retry(conn, 503, "out of memory\n", "5");
	srv_guard_headers(conn, has_body);
	return MHD_YES;
}

/* Take a piece of the body. Past the cap (a chunked body) or the budget
 * the request is cut: libmicrohttpd cannot answer in the middle of a
 * body, so the connection is closed (MHD_NO) and nothing more is read. */
static enum MHD_Result read_body(struct srv_httpd *h,
				 struct MHD_Connection *conn, struct req *rq,
				 const char *data, size_t *len)
{
	const char *why = NULL;
	size_t n = *len;
	bool busy = false;

	*len = 0;
	if (rq->body.len + n > rq->body.cap) {
		why = "over the body cap";
	} else if (rq->unauth && rq->body.len + n > rq->reserved &&
		   !reserve(h, rq, rq->body.len + n - rq->reserved)) {
		why = "over the budget of unauthenticated bodies";
		busy = true;
	} else if (ob_buf_add(&rq->body, data, n) != 0) {
		why = "out of memory";
		busy = true;
	}
	if (why == NULL) {
		srv_guard_body(conn, n);
		return MHD_YES;
	}
	char addr[64];
	addr_of(conn, addr, sizeof(addr));
	ob_log(OB_LOG_WARN, NULL, "http: body from %s cut %s", addr, why);
	__atomic_add_fetch(busy ? &h->srv->metrics.bodies_busy
				: &h->srv->metrics.bodies_too_large,
			   1, __ATOMIC_RELAXED);
	rq->cut = true;
	ob_buf_deinit(&rq->body);
	return MHD_NO;
}

/* ---- admin listener ----------------------------------------------------- */

/* A listener's open connections (0 when it does not run). */
static unsigned open_conns(struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *di =
		d != NULL ? MHD_get_daemon_info(
				    d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS)
			  : NULL;
	return di != NULL ? di->num_connections : 0;
}

/* /metrics, to the addresses metrics-allow names (403 for others). */
static enum MHD_Result handle_metrics(struct srv_httpd *h,
				      struct MHD_Connection *conn)
{
	const struct srv_config *cfg = &h->srv->cfg;
	char addr[64];

	addr_of(conn, addr, sizeof(addr));
	if (!srv_cidr_match(cfg->metrics_allow, cfg->n_metrics_allow, addr)) {
		__atomic_add_fetch(&h->srv->metrics.metrics_forbidden, 1,
				   __ATOMIC_RELAXED);
		ob_log(OB_LOG_WARN, NULL,
		       "http: /metrics refused to %s (not in metrics-allow)",
		       addr);
		return send_text(conn, 403,
				 "forbidden: not in metrics-allow\n");
	}
	struct srv_ldapd *ld =
		__atomic_load_n(&h->srv->ldapd, __ATOMIC_RELAXED);
	struct ob_buf all;
	ob_buf_init(&all, 1u << 20);
	srv_metrics_write(h->srv, srv_store(h->srv), &all);
	ob_buf_addf(&all,
		    "# HELP orgbook_connections_open Connections open now, "
		    "by listener.\n"
		    "# TYPE orgbook_connections_open gauge\n"
		    "orgbook_connections_open{listener=\"sync\"} %u\n"
		    "orgbook_connections_open{listener=\"admin\"} %u\n",
		    open_conns(h->sync), open_conns(h->admin));
	if (ld != NULL)
		srv_ldapd_metrics(ld, &all);
	size_t len = 0;
	char *body = ob_buf_steal(&all, &len);
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	enum MHD_Result ret = queue(conn, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind,
			       const char *key, const char *value)
{
	struct wa_form *f = cls;
	struct ob_err err;
	(void)kind;
	if (key != NULL && strlen(key) <= WA_FORM_NAME_MAX)
		(void)wa_form_add(f, key, value ? value : "",
				  value ? strlen(value) : 0, &err);
	return MHD_YES;
}

static enum MHD_Result handle_web(struct srv_httpd *h,
				  struct MHD_Connection *conn, const char *url,
				  const char *method, struct req *rq)
{
	struct wa_web_config cfg;
	struct wa_web_request wr = {0};
	struct wa_web_response rs;
	struct wa_form query = {0};
	struct dstore *store;
	char addr[64];
	enum MHD_Result ret;

	addr_of(conn, addr, sizeof(addr));
	if (!h->admin_tls && !loopback(addr))
		return send_text(conn, 403,
				 "the admin pages need HTTPS (set cert and "
				 "key) or a client on loopback\n");
	store = srv_store(h->srv);
	if (store == NULL)
		return send_text(conn, 503, "database unavailable\n");
	web_config(h, &cfg);
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg, &query);
	wr.method = method;
	wr.path = url;
	wr.query = &query;
	wr.cookie =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Cookie");
	wr.origin =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	wr.host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
	wr.accept_language = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							 "Accept-Language");
	wr.remote_addr = addr;
	wr.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						      "Content-Type");
	wr.body = rq->body.data != NULL ? rq->body.data : "";
	wr.body_len = rq->body.len;
	wr.now = ob_wall_s();
	wa_web_handle(store, &cfg, &wr, &rs);
	wa_form_deinit(&query);
	if (*rs.log != '\0')
		ob_log(OB_LOG_INFO, NULL, "%s addr=%s", rs.log, addr);
	if (rs.stream != WA_STREAM_NONE) {
		struct export_job job = {
			.tenant_id = rs.tenant_id,
			.unit_id = rs.unit_id,
			.version = rs.version,
			.photos = rs.photos,
			.kind = rs.stream,
		};
		ret = stream_export(h, conn, &job, rs.content_type,
				    rs.disposition, wa_web_headers);
		wa_web_response_deinit(&rs);
		return ret;
	}
	size_t len = rs.body.len;
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, len ? ob_buf_steal(&rs.body, NULL) : (void *)"",
		len ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	for (size_t i = 0; wa_web_headers[i][0] != NULL; i++)
		MHD_add_response_header(r, wa_web_headers[i][0],
					wa_web_headers[i][1]);
	if (*rs.content_type != '\0')
		MHD_add_response_header(r, "Content-Type", rs.content_type);
	if (*rs.location != '\0')
		MHD_add_response_header(r, "Location", rs.location);
	if (*rs.set_cookie != '\0')
		MHD_add_response_header(r, "Set-Cookie", rs.set_cookie);
	if (*rs.disposition != '\0')
		MHD_add_response_header(r, "Content-Disposition",
					rs.disposition);
	if (rs.retry_after > 0) {
		char secs[24];
		snprintf(secs, sizeof(secs), "%lld", (long long)rs.retry_after);
		MHD_add_response_header(r, "Retry-After", secs);
	} else if (rs.status == 503) {
		MHD_add_response_header(r, "Retry-After", RETRY_SECS);
	}
	ret = queue(conn, (unsigned)rs.status, r);
	MHD_destroy_response(r);
	explicit_bzero(rs.set_cookie, sizeof(rs.set_cookie));
	wa_web_response_deinit(&rs);
	return ret;
}

static enum MHD_Result route_admin(void *cls, struct MHD_Connection *conn,
				   const char *url, const char *method,
				   const char *version, const char *upload_data,
				   size_t *upload_data_size, void **req_cls)
{
	struct srv_httpd *h = cls;
	struct req *rq = *req_cls;
	(void)version;

	if (rq == NULL)
		return begin(h, conn, true, NULL, req_cls);
	if (*upload_data_size != 0)
		return read_body(h, conn, rq, upload_data, upload_data_size);
	if (rq->cut)
		return MHD_NO;
	srv_guard_busy(conn);
	if (strcmp(url, "/healthz") == 0 || strcmp(url, "/metrics") == 0) {
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
			return send_text(conn, 405, "method not allowed\n");
		if (strcmp(url, "/metrics") == 0)
			return handle_metrics(h, conn);
		char why[OB_ERR_MSG_MAX + 64];
		bool ok = srv_health_check(h->srv, srv_store(h->srv), why,
					   sizeof(why) - 1);
		if (!ok) {
			size_t l = strlen(why);
			why[l] = '\n';
			why[l + 1] = '\0';
		}
		return send_text(conn, ok ? 200 : 503, ok ? "ok\n" : why);
	}
	return handle_web(h, conn, url, method, rq);
}

/* The request's id on every log line of its thread, and on its answer. */
static enum MHD_Result on_admin(void *cls, struct MHD_Connection *conn,
				const char *url, const char *method,
				const char *version, const char *upload_data,
				size_t *upload_data_size, void **req_cls)
{
	const struct req *rq = *req_cls;

	ob_log_set_request(rq != NULL ? rq->id : NULL);
	enum MHD_Result ret =
		route_admin(cls, conn, url, method, version, upload_data,
			    upload_data_size, req_cls);
	ob_log_set_request(NULL);
	return ret;
}

/* ---- desk-phone phonebooks (carddav/phonebook.h) ------------------------ */

#define PHONEBOOK_MAX (64u << 20) /* bytes of one phonebook document */

/* GET /phonebook/<vendor>.xml: HTTPS or loopback and an account, as the
 * export; the account's enterprise is the directory shown. */
static enum MHD_Result handle_phonebook(struct srv_httpd *h,
					struct MHD_Connection *conn,
					const char *url)
{
	char addr[64];
	struct dstore *store = srv_store(h->srv);
	struct srv_auth a;
	struct ob_buf out;
	bool xml = false;

	addr_of(conn, addr, sizeof(addr));
	if (!h->tls && !loopback(addr))
		return send_text(conn, 403, "the phonebook needs HTTPS\n");
	if (store == NULL)
		return send_text(conn, 503, "database unavailable\n");
	enum MHD_Result aret;
	if (!basic_account(h->srv, conn, store, addr, NULL, &a, &aret))
		return aret;
	ob_buf_init(&out, PHONEBOOK_MAX);
	struct dav_pb_request rq = {
		.path = url,
		.unit = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
						    "unit"),
		.q = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
						 "q"),
		.page = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
						    "page"),
		.ext = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
						   "ext"),
		.scheme = h->tls ? "https" : "http",
		.host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						    "Host"),
		.ext_default = (enum dav_pb_ext)h->srv->cfg.phonebook_ext,
	};
	int status = dav_pb_serve(store, a.tenant_id, &rq, &out, &xml);
	size_t len = out.len;
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, len ? ob_buf_steal(&out, NULL) : (void *)"",
		len ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, "Content-Type",
				xml ? "text/xml; charset=utf-8"
				    : "text/plain; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (status == 503)
		MHD_add_response_header(r, "Retry-After", RETRY_SECS);
	enum MHD_Result ret = queue(conn, (unsigned)status, r);
	MHD_destroy_response(r);
	ob_buf_deinit(&out);
	return ret;
}

/* ---- sync listener ------------------------------------------------------ */

/* CardDAV (carddav/dav.h): HTTPS or loopback like the export, every
 * request but the well-known redirect authenticated with HTTP Basic. */
/* Does the request carry Prefer: return=minimal (RFC 7240 2, RFC 8144
 * 2.1)? Prefer is a comma-separated list of preferences, each
 * token [BWS "=" BWS word] with parameters after ';'; the word may be
 * quoted. */
static bool prefer_minimal(struct MHD_Connection *conn)
{
	const char *v =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Prefer");
	while (v != NULL && *v != '\0') {
		v += strspn(v, " \t,");
		if (strncasecmp(v, "return", 6) == 0) {
			const char *p = v + 6;
			p += strspn(p, " \t");
			if (*p == '=') {
				p++;
				p += strspn(p, " \t");
				bool quoted = *p == '"';
				p += quoted;
				if (strncasecmp(p, "minimal", 7) == 0) {
					p += 7;
					if (quoted && *p == '"')
						p++;
					if (*p == '\0' || strchr(" \t,;", *p))
						return true;
				}
			}
		}
		v = strchr(v, ',');
	}
	return false;
}

/* The headers of a CardDAV answer. */
static void dav_headers(struct MHD_Response *r,
			const struct dav_http_response *rs, bool has_body)
{
	if (*rs->content_type != '\0' && has_body)
		MHD_add_response_header(r, "Content-Type", rs->content_type);
	if (*rs->etag != '\0')
		MHD_add_response_header(r, "ETag", rs->etag);
	if (*rs->location != '\0')
		MHD_add_response_header(r, "Location", rs->location);
	if (*rs->dav != '\0')
		MHD_add_response_header(r, "DAV", rs->dav);
	if (*rs->allow != '\0')
		MHD_add_response_header(r, "Allow", rs->allow);
	if (rs->minimal_applied)
		MHD_add_response_header(r, "Preference-Applied",
					"return=minimal");
	if (rs->status == 503)
		MHD_add_response_header(r, "Retry-After", RETRY_SECS);
}

/* An answer built in memory, sent with its length. */
static enum MHD_Result dav_send(struct MHD_Connection *conn,
				struct dav_http_response *rs)
{
	size_t len = rs->body.len;
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, len ? ob_buf_steal(&rs->body, NULL) : (void *)"",
		len ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	dav_headers(r, rs, len > 0);
	enum MHD_Result ret = queue(conn, (unsigned)rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* A CardDAV answer over carddav-max-bytes, made again by a stream worker
 * on its store connection, in one read snapshot, and streamed through a
 * chan as it is written. The request is copied: the job may outlive the
 * connection. */
struct dav_job {
	struct chan ch; /* first: the job is freed through it */
	struct srv *srv;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int phase; /* 0 running, 1 streaming (head), 2 done (rs) */
	struct dav_http_response head, rs;
	struct dav_config cfg;
	struct dav_http_request dr;
	char addr[64];
	char *strs[8];
	char req[OB_LOG_REQ_MAX]; /* the request's id, for the thread's log */
};

static void dav_job_free(struct chan *ch)
{
	struct dav_job *j = (struct dav_job *)ch;
	dav_http_response_deinit(&j->rs);
	for (size_t i = 0; i < sizeof(j->strs) / sizeof(j->strs[0]); i++)
		free(j->strs[i]);
	free(j->dr.body ? (void *)j->dr.body : NULL);
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->cv);
	free(j);
}

static void dav_job_phase(struct dav_job *j, int phase)
{
	pthread_mutex_lock(&j->mu);
	j->phase = phase;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
}

static int dav_job_start(const struct dav_http_response *rs, void *ctx)
{
	struct dav_job *j = ctx;
	j->head = *rs;
	ob_buf_init(&j->head.body, 0); /* the body is not the head's */
	dav_job_phase(j, 1);
	return 0;
}

static int dav_job_out(const char *data, size_t len, void *ctx)
{
	struct dav_job *j = ctx;
	return chan_write(&j->ch, data, len);
}

static void *dav_thread(void *arg)
{
	struct dav_job *j = arg;
	ob_log_set_request(j->req);
	struct dstore *store = srv_store(j->srv);
	struct dav_stream st = {dav_job_start, dav_job_out, j};
	struct ob_err err;

	if (store == NULL || dstore_read_begin(store, &err) != 0) {
		memset(&j->rs, 0, sizeof(j->rs));
		j->rs.status = 503;
		ob_buf_init(&j->rs.body, 64);
		ob_buf_add_str(&j->rs.body, "database unavailable\n");
		ob_strlcpy(j->rs.content_type, "text/plain; charset=utf-8",
			   sizeof(j->rs.content_type));
		snprintf(j->rs.log, sizeof(j->rs.log),
			 "carddav %s %s status=503", j->dr.method, j->dr.path);
	} else {
		dav_handle_stream(store, &j->cfg, &j->dr, &j->rs, &st);
		dstore_read_end(store);
	}
	ob_log(j->rs.status >= 500 || j->rs.cut ? OB_LOG_WARN : OB_LOG_INFO,
	       NULL, "%s addr=%s login=%s agent=\"%.60s\"", j->rs.log, j->addr,
	       j->dr.login, j->dr.user_agent != NULL ? j->dr.user_agent : "");
	if (!j->rs.streamed) {
		close(j->ch.wfd);
		j->ch.wfd = -1;
		dav_job_phase(j, 2); /* the MHD side sends j->rs */
		chan_unref(&j->ch);
		return NULL;
	}
	chan_end(&j->ch, !j->rs.cut);
	return NULL;
}

static char *dup_or_null(struct dav_job *j, size_t slot, const char *s)
{
	if (s == NULL)
		return NULL;
	j->strs[slot] = strdup(s);
	return j->strs[slot];
}

/* Run the request again in a dav_job and answer with its stream (or, if
 * it came out small after all, its whole answer). */
static enum MHD_Result dav_stream(struct srv_httpd *h,
				  struct MHD_Connection *conn,
				  const struct dav_config *cfg,
				  const struct dav_http_request *dr,
				  const char *addr)
{
	struct dav_job *j = calloc(1, sizeof(*j));
	enum MHD_Result ret;

	if (j == NULL)
		return send_text(conn, 503, "out of memory\n");
	j->srv = h->srv;
	j->cfg = *cfg;
	j->dr = *dr;
	ob_strlcpy(j->addr, addr, sizeof(j->addr));
	ob_strlcpy(j->req, ob_log_request(), sizeof(j->req));
	j->dr.method = dup_or_null(j, 0, dr->method);
	j->dr.path = dup_or_null(j, 1, dr->path);
	j->dr.depth = dup_or_null(j, 2, dr->depth);
	j->dr.user_agent = dup_or_null(j, 3, dr->user_agent);
	j->dr.if_none_match = dup_or_null(j, 4, dr->if_none_match);
	j->dr.accept = dup_or_null(j, 5, dr->accept);
	j->dr.login = dup_or_null(j, 6, dr->login);
	char *body = malloc(dr->body_len + 1);
	bool ok = body != NULL && j->dr.method != NULL && j->dr.path != NULL &&
		  j->dr.login != NULL && (dr->depth == NULL || j->dr.depth) &&
		  (dr->user_agent == NULL || j->dr.user_agent) &&
		  (dr->if_none_match == NULL || j->dr.if_none_match) &&
		  (dr->accept == NULL || j->dr.accept);
	if (body != NULL) {
		memcpy(body, dr->body, dr->body_len);
		body[dr->body_len] = '\0';
	}
	j->dr.body = body;
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	if (!ok || chan_open(&j->ch, h->srv, dav_job_free) != 0) {
		dav_job_free(&j->ch);
		return send_text(conn, 503, "out of memory\n");
	}
	if (worker_run(dav_thread, j) != 0) {
		close(j->ch.rfd);
		close(j->ch.wfd);
		dav_job_free(&j->ch);
		return send_text(conn, 503, "cannot start the answer\n");
	}
	pthread_mutex_lock(&j->mu);
	while (j->phase == 0)
		pthread_cond_wait(&j->cv, &j->mu);
	int phase = j->phase;
	pthread_mutex_unlock(&j->mu);
	if (phase == 2) {
		ret = dav_send(conn, &j->rs);
		chan_read_done(&j->ch);
		return ret;
	}
	struct MHD_Response *r = chan_response(&j->ch);
	if (r == NULL)
		return MHD_NO;
	dav_headers(r, &j->head, true);
	ret = queue(conn, (unsigned)j->head.status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle_dav(struct srv_httpd *h,
				  struct MHD_Connection *conn, const char *url,
				  const char *method, struct req *rq)
{
	char addr[64];
	struct dstore *store;
	struct srv_auth a;
	enum MHD_Result ret;

	addr_of(conn, addr, sizeof(addr));
	if (!h->tls && !loopback(addr))
		return send_text(conn, 403, "CardDAV needs HTTPS\n");
	if (strncmp(url, "/.well-known/", 13) == 0) {
		struct MHD_Response *r = text("moved to /dav/\n");
		MHD_add_response_header(r, "Location", "/dav/");
		ret = queue(conn, 301, r);
		MHD_destroy_response(r);
		return ret;
	}
	store = srv_store(h->srv);
	if (store == NULL)
		return send_text_retry(conn, 503, "database unavailable\n",
				       RETRY_SECS);
	if (!basic_account(h->srv, conn, store, addr, "1, 3, addressbook", &a,
			   &ret))
		return ret;
	struct dav_config cfg = {
		.max_photo = h->srv->cfg.carddav_photo,
		.photo_edge = h->srv->cfg.carddav_photo_edge,
		.unit_depth = (int)h->srv->cfg.carddav_depth,
		.max_response = h->srv->cfg.carddav_max_bytes,
		.max_results = h->srv->cfg.carddav_max_results,
	};
	struct dav_http_request dr = {
		.method = method,
		.path = url,
		.depth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     "Depth"),
		.user_agent = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							  "User-Agent"),
		.if_none_match = MHD_lookup_connection_value(
			conn, MHD_HEADER_KIND, "If-None-Match"),
		.accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						      "Accept"),
		.body = rq->body.data != NULL ? rq->body.data : "",
		.body_len = rq->body.len,
		.prefer_minimal = prefer_minimal(conn),
		.tenant_id = a.tenant_id,
		.login = a.login,
	};
	const char *brief =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Brief");
	dr.minimal =
		dr.prefer_minimal || (brief != NULL && ob_str_ieq(brief, "t"));
	struct dav_http_response rs;
	/* on this thread first, within carddav-max-bytes: most answers fit
	 * and go out as before, with their length; a bigger one is made
	 * again by a stream worker and streamed (the first try cost at most
	 * that much) */
	struct ob_err err;
	if (dstore_read_begin(store, &err) != 0)
		return send_text(conn, 503, "database unavailable\n");
	dav_handle(store, &cfg, &dr, &rs);
	dstore_read_end(store);
	if (rs.too_big && (strcmp(method, "PROPFIND") == 0 ||
			   strcmp(method, "REPORT") == 0)) {
		dav_http_response_deinit(&rs);
		return dav_stream(h, conn, &cfg, &dr, addr);
	}
	ob_log(rs.status >= 500 ? OB_LOG_WARN : OB_LOG_INFO, NULL,
	       "%s addr=%s login=%s agent=\"%.60s\"", rs.log, addr, a.login,
	       dr.user_agent != NULL ? dr.user_agent : "");
	if (rs.stream_vcf && strcmp(method, "GET") == 0) {
		struct export_job job = {
			.tenant_id = a.tenant_id,
			.unit_id = rs.stream_unit_id,
			.version = VCARD_V30,
			.photos = h->srv->cfg.carddav_photo > 0,
			.carddav = true,
			.kind = WA_STREAM_VCF,
		};
		dav_http_response_deinit(&rs);
		return stream_export(h, conn, &job, "text/vcard; charset=utf-8",
				     "inline; filename=\"directory.vcf\"",
				     NULL);
	}
	ret = dav_send(conn, &rs);
	dav_http_response_deinit(&rs);
	return ret;
}

static enum MHD_Result route_sync(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct srv_httpd *h = cls;
	struct req *rq = *req_cls;
	(void)version;

	if (rq == NULL)
		return begin(h, conn, false, url, req_cls);
	if (*upload_data_size != 0)
		return read_body(h, conn, rq, upload_data, upload_data_size);
	if (rq->cut)
		return MHD_NO;
	srv_guard_busy(conn);
	if (h->srv->cfg.carddav && dav_path_is_ours(url))
		return handle_dav(h, conn, url, method, rq);
	if (strcmp(url, "/sync") == 0) {
		if (strcmp(method, "POST") != 0)
			return send_text(conn, 405, "use POST\n");
		return handle_sync(h, conn, rq);
	}
	if (strcmp(url, "/export.vcf") == 0) {
		if (strcmp(method, "GET") != 0)
			return send_text(conn, 405, "use GET\n");
		return handle_export(h, conn);
	}
	if (strncmp(url, "/phonebook/", 11) == 0) {
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
			return send_text(conn, 405, "use GET\n");
		return handle_phonebook(h, conn, url);
	}
	return send_text(conn, 404, "not found\n");
}

/* The request's id on every log line of its thread, and on its answer. */
static enum MHD_Result on_sync(void *cls, struct MHD_Connection *conn,
			       const char *url, const char *method,
			       const char *version, const char *upload_data,
			       size_t *upload_data_size, void **req_cls)
{
	const struct req *rq = *req_cls;

	ob_log_set_request(rq != NULL ? rq->id : NULL);
	enum MHD_Result ret =
		route_sync(cls, conn, url, method, version, upload_data,
			   upload_data_size, req_cls);
	ob_log_set_request(NULL);
	return ret;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **req_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct srv_httpd *h = cls;
	struct req *rq = *req_cls;
	(void)toe;
	if (rq != NULL) {
		if (rq->reserved > 0)
			__atomic_sub_fetch(&h->unauth_bytes, rq->reserved,
					   __ATOMIC_RELAXED);
		ob_buf_deinit(&rq->body);
		free(rq);
	}
	*req_cls = NULL;
	srv_guard_done(conn);
}

__attribute__((format(printf, 2, 0))) static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	/* One line per connection a client dropped or the guard cut ("Connection
	 * was closed by remote side...", "Connection socket is closed when
	 * reading request...", "Socket has been disconnected..."): under
	 * attack thousands a second. The guard logs one summary line of what
	 * it cut instead. */
	bool per_conn = strncmp(buf, "Connection ", 11) == 0 ||
			strncmp(buf, "Socket has been disconnected", 28) == 0;
	ob_log(per_conn ? OB_LOG_DEBUG : OB_LOG_WARN, NULL, "http: %s", buf);
}

static int listen_on(const char *addr, int port, int *port_r,
		     struct ob_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (strchr(addr, ':') != NULL) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, addr, &a->sin6_addr) != 1)
			return ob_err_set(err, OB_E_INVAL, "bad address %s",
					  addr);
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, addr, &a->sin_addr) != 1)
			return ob_err_set(err, OB_E_INVAL, "bad address %s",
					  addr);
		len = sizeof(*a);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ob_err_set(err, OB_E_IO, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    listen(fd, 1024) != 0) {
		int e = errno;
		close(fd);
		return ob_err_set(err, OB_E_IO, "cannot listen on %s:%d: %s",
				  addr, port, strerror(e));
	}
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	*port_r = ntohs(ss.ss_family == AF_INET6
				? ((struct sockaddr_in6 *)&ss)->sin6_port
				: ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static struct MHD_Daemon *start(struct srv_httpd *h, int fd,
				MHD_AccessHandlerCallback cb, unsigned threads,
				struct srv_guard *guard)
{
	const struct srv_config *c = &h->srv->cfg;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_USE_ERROR_LOG | MHD_USE_ITC;
	struct MHD_OptionItem opts[16];
	int n = 0;

	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER,
					    (intptr_t)mhd_log, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, fd, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
					    (intptr_t)c->conn_timeout, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT,
					    (intptr_t)c->conn_limit, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
					    (intptr_t)c->per_ip_limit, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
					    64 * 1024, NULL};
	if (threads > 1)
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE,
						    (intptr_t)threads, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED,
					    (intptr_t)on_done, h};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION,
					    (intptr_t)srv_guard_notify, guard};
	if (h->tls) {
		flags |= MHD_USE_TLS;
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0,
						    h->key};
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT,
						    0, h->cert};
		opts[n++] = (struct MHD_OptionItem){
			MHD_OPTION_HTTPS_PRIORITIES, 0,
			(void *)(c->tls_legacy ? SRV_TLS_LEGACY
					       : SRV_TLS_STRICT)};
	}
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	return MHD_start_daemon(flags, 0, NULL, NULL, cb, h, MHD_OPTION_ARRAY,
				opts, MHD_OPTION_END);
}

/* A quarter of the connection slots stay for requests that arrive whole
 * (connguard.h). */
static int start_guard(struct srv_httpd *h, struct srv_guard **g_r,
		       struct ob_err *err)
{
	const struct srv_config *c = &h->srv->cfg;
	struct srv_guard_limits lim = {
		.header_ms = c->header_timeout * 1000,
		.min_rate = c->min_body_rate,
		.waiting_max = c->conn_limit - c->conn_limit / 4,
	};
	return srv_guard_new(&lim, &h->srv->metrics, g_r, err);
}

int srv_httpd_start(struct srv *srv, struct srv_httpd **h_r, int *port_r,
		    int *admin_port_r, struct ob_err *err)
{
	struct srv_httpd *h = calloc(1, sizeof(*h));
	int fd, afd = -1, ret;

	if (h == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	h->srv = srv;
	*admin_port_r = -1;
	if (*srv->cfg.cert != '\0' && *srv->cfg.key != '\0') {
		struct ob_buf cb, kb;
		ob_buf_init(&cb, 1u << 20);
		ob_buf_init(&kb, 1u << 20);
		if ((ret = ob_file_read(srv->cfg.cert, &cb, err)) != 0 ||
		    (ret = ob_file_read(srv->cfg.key, &kb, err)) != 0) {
			ob_buf_deinit(&cb);
			explicit_bzero(kb.data, kb.len);
			ob_buf_deinit(&kb);
			srv_httpd_stop(&h, 0);
			return ret;
		}
		h->cert = ob_buf_steal(&cb, NULL);
		h->key = ob_buf_steal(&kb, NULL);
		h->tls = true;
	}
	fd = listen_on(srv->cfg.listen, srv->cfg.port, port_r, err);
	if (fd < 0) {
		srv_httpd_stop(&h, 0);
		return fd;
	}
	h->sync_port = *port_r;
	if ((ret = start_guard(h, &h->sync_guard, err)) != 0) {
		close(fd);
		srv_httpd_stop(&h, 0);
		return ret;
	}
	h->sync = start(h, fd, on_sync, srv->cfg.threads, h->sync_guard);
	if (h->sync == NULL) {
		close(fd);
		srv_httpd_stop(&h, 0);
		return ob_err_set(err, OB_E_FAIL,
				  "cannot start the HTTP%s listener",
				  h->tls ? "S" : "");
	}
	if (srv->cfg.admin_port >= 0) {
		afd = listen_on(srv->cfg.admin_listen, srv->cfg.admin_port,
				admin_port_r, err);
		if (afd < 0) {
			srv_httpd_stop(&h, 0);
			return afd;
		}
		h->admin_tls = h->tls;
		if ((ret = start_guard(h, &h->admin_guard, err)) != 0) {
			close(afd);
			srv_httpd_stop(&h, 0);
			return ret;
		}
		h->admin = start(h, afd, on_admin, 2, h->admin_guard);
		if (h->admin == NULL) {
			close(afd);
			srv_httpd_stop(&h, 0);
			return ob_err_set(err, OB_E_FAIL,
					  "cannot start the admin listener");
		}
	}
	*h_r = h;
	return 0;
}

void srv_httpd_stop(struct srv_httpd **hp, int timeout_s)
{
	struct srv_httpd *h = *hp;

	if (h == NULL)
		return;
	if (h->sync != NULL) {
		MHD_socket fd = MHD_quiesce_daemon(h->sync);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
		for (int i = 0; i < timeout_s * 10; i++) {
			const union MHD_DaemonInfo *di = MHD_get_daemon_info(
				h->sync, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
			if (di == NULL || di->num_connections == 0)
				break;
			usleep(100000);
		}
		MHD_stop_daemon(h->sync);
	}
	if (h->admin != NULL)
		MHD_stop_daemon(h->admin);
	workers_stop();
	srv_guard_free(&h->sync_guard);
	srv_guard_free(&h->admin_guard);
	if (h->key != NULL)
		explicit_bzero(h->key, strlen(h->key));
	free(h->cert);
	free(h->key);
	free(h);
	*hp = NULL;
}
