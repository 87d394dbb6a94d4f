/* The LDAP listener of orgbook-server (see ldapd.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <gnutls/gnutls.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ldap/dir.h"
#include "ldap/proto.h"
#include "ldap/session.h"
#include "server/ldapd.h"
#include "server/tls.h"
#include "util/log.h"
#include "util/str.h"

#define PREBIND_MAX (16u * 1024)
#define OUT_CAP (32u << 20)
#define STACK_SIZE (512u * 1024)
#define SLICE_MS 1000       /* waits wake this often to see a stop */
#define STORE_WAIT_MS 30000 /* then unavailable (52): a burst of binds queues */

struct peer_count {
	char addr[64];
	unsigned n;
};

struct conn {
	struct srv_ldapd *l;
	int fd;
	bool ldaps, loopback;
	gnutls_session_t tls; /* NULL while plain */
	char peer[64];
	uint64_t deadline_ms; /* of the request being read or sent */
	struct conn *next, *prev;
};

struct srv_ldapd {
	struct srv *srv;
	struct ldap_dircache *cache;
	int fd[2]; /* plain, LDAPS; -1 when none */
	bool have_tls;
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	pthread_t acceptor;
	bool acceptor_running;
	struct ldap_counters counters;
	uint64_t accepted, refused, cut; /* connections */
	int stop;                        /* atomic */
	pthread_mutex_t mu;
	pthread_cond_t cond;      /* a connection ended */
	pthread_cond_t pool_cond; /* a store connection came back */
	unsigned n_conns;
	struct conn *conns;
	struct peer_count *peers; /* ldap_conn_limit slots */
	/* the store pool */
	struct dstore **stores;
	bool *store_busy;
	unsigned n_stores;
};

static bool stopping(const struct srv_ldapd *l)
{
	return __atomic_load_n(&l->stop, __ATOMIC_RELAXED) != 0;
}

/* ---- the store pool --------------------------------------------------- */

static struct dstore *store_borrow(struct srv_ldapd *l)
{
	struct timespec until;
	struct dstore *s = NULL;
	unsigned i;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += STORE_WAIT_MS / 1000;
	pthread_mutex_lock(&l->mu);
	for (;;) {
		for (i = 0; i < l->n_stores && l->store_busy[i]; i++)
			;
		if (i < l->n_stores)
			break;
		if (pthread_cond_timedwait(&l->pool_cond, &l->mu, &until) !=
		    0) {
			pthread_mutex_unlock(&l->mu);
			return NULL;
		}
	}
	l->store_busy[i] = true;
	s = l->stores[i];
	l->stores[i] = NULL;
	pthread_mutex_unlock(&l->mu);
	if (s != NULL && !dstore_alive(s)) {
		ob_log(OB_LOG_WARN, NULL,
		       "ldap: database connection lost; reconnecting");
		dstore_close(&s);
	}
	if (s == NULL) {
		struct dstore_options o = {0};
		struct ob_err err;
		o.path = l->srv->cfg.db;
		if (*l->srv->cfg.key_file != '\0')
			o.key_path = l->srv->cfg.key_file;
		if (dstore_open(&o, &s, &err) != 0) {
			ob_log(OB_LOG_ERROR, NULL, "ldap: cannot open %s: %s",
			       l->srv->cfg.db, err.msg);
			s = NULL;
		}
	}
	pthread_mutex_lock(&l->mu);
	if (s == NULL) {
		l->store_busy[i] = false;
		pthread_cond_signal(&l->pool_cond);
	} else {
		/* remember the slot in the store's place until it returns */
		l->stores[i] = s;
	}
	pthread_mutex_unlock(&l->mu);
	return s;
}

static void store_return(struct srv_ldapd *l, struct dstore *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&l->mu);
	for (unsigned i = 0; i < l->n_stores; i++)
		if (l->stores[i] == s && l->store_busy[i]) {
			l->store_busy[i] = false;
			break;
		}
	/* one slot came back: wake one waiter, not the whole queue */
	pthread_cond_signal(&l->pool_cond);
	pthread_mutex_unlock(&l->mu);
}

/* ---- bytes in and out ------------------------------------------------- */

/* Wait until fd is readable (or TLS has bytes pending): 1, 0 at the
 * deadline or a stop, -1 on error. */
static int wait_readable(struct conn *c, uint64_t deadline_ms)
{
	for (;;) {
		if (c->tls != NULL && gnutls_record_check_pending(c->tls) > 0)
			return 1;
		uint64_t now = ob_now_ms();
		if (now >= deadline_ms || stopping(c->l))
			return 0;
		uint64_t left = deadline_ms - now;
		struct pollfd p = {c->fd, POLLIN, 0};
		int r = poll(&p, 1, left > SLICE_MS ? SLICE_MS : (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* Read up to n bytes before the deadline: > 0 bytes, 0 the peer closed,
 * -1 error, -2 the deadline (or a stop) came first. */
static long conn_recv(struct conn *c, void *buf, size_t n, uint64_t deadline_ms)
{
	for (;;) {
		int w = wait_readable(c, deadline_ms);
		if (w == 0)
			return -2;
		if (w < 0)
			return -1;
		if (c->tls != NULL) {
			ssize_t r = gnutls_record_recv(c->tls, buf, n);
			if (r >= 0)
				return (long)r;
			if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
				continue;
			return -1;
		}
		ssize_t r = recv(c->fd, buf, n, 0);
		if (r >= 0)
			return (long)r;
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			continue;
		return -1;
	}
}

/* Send all of buf before c->deadline_ms. 0 or -1. */
static int conn_send(struct conn *c, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		if (ob_now_ms() >= c->deadline_ms)
			return -1;
		ssize_t r;
		if (c->tls != NULL) {
			r = gnutls_record_send(c->tls, p, n);
			if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
				continue;
			if (r < 0)
				return -1;
		} else {
			r = send(c->fd, p, n, MSG_NOSIGNAL);
			if (r < 0 && (errno == EINTR || errno == EAGAIN ||
				      errno == EWOULDBLOCK))
				continue;
			if (r < 0)
				return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* The session's flush: send out and empty it. */
static int flush_out(void *ctx, struct ob_buf *out)
{
	struct conn *c = ctx;
	int ret = 0;

	if (out->len > 0) {
		c->deadline_ms =
			ob_now_ms() +
			(uint64_t)c->l->srv->cfg.ldap_request_timeout * 1000u;
		ret = conn_send(c, out->data, out->len);
	}
	ob_buf_reset(out);
	return ret;
}

static void send_notice(struct conn *c, enum ldap_rc rc, const char *why)
{
	struct ob_buf out;

	ob_buf_init(&out, 1024);
	if (ldap_put_disconnect(&out, rc, why) == 0)
		(void)flush_out(c, &out);
	ob_buf_deinit(&out);
}

static int tls_start(struct conn *c)
{
	int r;

	if (gnutls_init(&c->tls, GNUTLS_SERVER) < 0) {
		c->tls = NULL;
		return -1;
	}
	if (gnutls_priority_set(c->tls, c->l->prio) < 0 ||
	    gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, c->l->cred) <
		    0)
		return -1;
	gnutls_certificate_server_set_request(c->tls, GNUTLS_CERT_IGNORE);
	gnutls_transport_set_int(c->tls, c->fd);
	c->deadline_ms = ob_now_ms() +
			 (uint64_t)c->l->srv->cfg.ldap_request_timeout * 1000u;
	do {
		r = gnutls_handshake(c->tls);
		if (r < 0 && gnutls_error_is_fatal(r))
			break;
		if (r == 0)
			return 0;
		if (wait_readable(c, c->deadline_ms) <= 0)
			break;
	} while (ob_now_ms() < c->deadline_ms);
	ob_log(OB_LOG_INFO, NULL, "ldap peer=%s: TLS handshake failed: %s",
	       c->peer, r < 0 ? gnutls_strerror(r) : "timed out");
	return -1;
}

/* ---- one connection --------------------------------------------------- */

enum got { GOT_PDU, GOT_EOF, GOT_IDLE, GOT_LATE, GOT_BAD, GOT_BIG };

/* Read until in[0..*len) starts with one whole PDU; *pdu_len its size. */
static enum got read_pdu(struct conn *c, unsigned char *in, size_t cap,
			 size_t *len, size_t max, size_t *pdu_len)
{
	const struct srv_config *cfg = &c->l->srv->cfg;
	uint64_t deadline = 0;

	for (;;) {
		if (*len > 0) {
			long need = ldap_pdu_length(in, *len, max);
			if (need == OB_E_LIMIT)
				return GOT_BIG;
			if (need < 0)
				return GOT_BAD;
			if (need > 0 && (size_t)need <= *len) {
				*pdu_len = (size_t)need;
				return GOT_PDU;
			}
			if (deadline == 0)
				deadline = ob_now_ms() +
					   (uint64_t)cfg->ldap_request_timeout *
						   1000u;
		}
		uint64_t until =
			deadline != 0 ? deadline
				      : ob_now_ms() + (uint64_t)cfg->ldap_idle *
							      1000u;
		if (*len >= cap)
			return GOT_BIG;
		long r = conn_recv(c, in + *len, cap - *len, until);
		if (r == 0)
			return GOT_EOF;
		if (r == -2)
			return deadline != 0 ? GOT_LATE : GOT_IDLE;
		if (r < 0)
			return GOT_EOF;
		*len += (size_t)r;
	}
}

static void serve(struct conn *c)
{
	struct srv_ldapd *l = c->l;
	const struct srv_config *cfg = &l->srv->cfg;
	struct ldap_session_config scfg = {
		.size_limit = cfg->ldap_size_limit,
		.time_limit = cfg->ldap_time_limit,
		.require_tls = cfg->ldap_require_tls,
		.starttls = l->have_tls,
		.cache = l->cache,
		.counters = &l->counters,
	};
	struct ldap_session *sess = NULL;
	struct ob_log_ctx lctx = {.len = 0};
	size_t cap = cfg->ldap_max_request + 64, len = 0;
	unsigned char *in = malloc(cap);
	struct ob_buf out;

	char rid[OB_LOG_REQ_MAX];

	/* one id for the connection's lines (req=, as HTTP requests) */
	if (ob_random_hex(rid, 8) != 0)
		rid[0] = '\0';
	ob_log_set_request(rid);
	ob_log_ctx_add(&lctx, "ldap-peer", c->peer);
	ob_buf_init(&out, OUT_CAP);
	if (in == NULL ||
	    ldap_session_new(&scfg, c->peer, c->ldaps, c->loopback, &sess) != 0)
		goto out;
	if (c->ldaps && tls_start(c) != 0)
		goto out;
	for (;;) {
		size_t pdu_len = 0;
		size_t max = ldap_session_bound(sess) ? cfg->ldap_max_request
						      : PREBIND_MAX;
		if (max > cfg->ldap_max_request)
			max = cfg->ldap_max_request;
		enum got g = read_pdu(c, in, cap, &len, max, &pdu_len);
		if (g == GOT_IDLE) {
			send_notice(c, LDAP_RC_UNAVAILABLE,
				    stopping(l) ? "the server is stopping"
						: "idle too long");
			break;
		}
		if (g == GOT_LATE || g == GOT_BAD || g == GOT_BIG) {
			send_notice(c, LDAP_RC_PROTOCOL_ERROR,
				    g == GOT_LATE  ? "the request came too "
						     "slowly"
				    : g == GOT_BIG ? "the request is too large"
						   : "not an LDAP message");
			__atomic_add_fetch(&l->cut, 1, __ATOMIC_RELAXED);
			ob_log(OB_LOG_WARN, &lctx, "ldap: %s; closed",
			       g == GOT_LATE  ? "request too slow"
			       : g == GOT_BIG ? "request over the size limit"
					      : "not an LDAP message");
			break;
		}
		if (g != GOT_PDU)
			break;
		struct dstore *store = store_borrow(l);
		enum ldap_action act = ldap_session_pdu(
			sess, store, in, pdu_len, &out, flush_out, c);
		store_return(l, store);
		bool warn = false;
		const char *what = ldap_session_note(sess, &warn);
		if (*what != '\0')
			ob_log(warn ? OB_LOG_WARN : OB_LOG_INFO, &lctx,
			       "ldap %s", what);
		if (flush_out(c, &out) != 0)
			break;
		memmove(in, in + pdu_len, len - pdu_len);
		len -= pdu_len;
		if (act == LDAP_CLOSE)
			break;
		if (act == LDAP_STARTTLS) {
			/* nothing may follow the request in the clear */
			if (len > 0 || tls_start(c) != 0)
				break;
			ldap_session_tls_started(sess);
		}
		if (stopping(l))
			break;
	}
out:
	if (c->tls != NULL) {
		c->deadline_ms = ob_now_ms() + 1000;
		(void)gnutls_bye(c->tls, GNUTLS_SHUT_WR);
		gnutls_deinit(c->tls);
		c->tls = NULL;
	}
	ldap_session_free(&sess);
	ob_buf_deinit(&out);
	free(in);
	ob_log_set_request(NULL);
}

static void peer_release(struct srv_ldapd *l, const char *addr)
{
	for (unsigned i = 0; i < l->srv->cfg.ldap_conn_limit; i++)
		if (l->peers[i].n > 0 && strcmp(l->peers[i].addr, addr) == 0) {
			l->peers[i].n--;
			return;
		}
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct srv_ldapd *l = c->l;

	serve(c);
	close(c->fd);
	pthread_mutex_lock(&l->mu);
	peer_release(l, c->peer);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	l->n_conns--;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->mu);
	free(c);
	return NULL;
}

/* ---- accepting -------------------------------------------------------- */

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;
		return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;
		static const unsigned char v4[12] = {0, 0, 0, 0, 0,    0,
						     0, 0, 0, 0, 0xff, 0xff};
		if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr))
			return true;
		return memcmp(a->sin6_addr.s6_addr, v4, 12) == 0 &&
		       a->sin6_addr.s6_addr[12] == 127;
	}
	return false;
}

/* Count a connection from addr: false when a limit says no. */
static bool admit(struct srv_ldapd *l, const char *addr)
{
	const struct srv_config *cfg = &l->srv->cfg;
	struct peer_count *free_slot = NULL;

	if (l->n_conns >= cfg->ldap_conn_limit)
		return false;
	for (unsigned i = 0; i < cfg->ldap_conn_limit; i++) {
		struct peer_count *p = &l->peers[i];
		if (p->n > 0 && strcmp(p->addr, addr) == 0) {
			if (p->n >= cfg->ldap_per_ip_limit)
				return false;
			p->n++;
			return true;
		}
		if (p->n == 0 && free_slot == NULL)
			free_slot = p;
	}
	if (free_slot == NULL)
		return false;
	ob_strlcpy(free_slot->addr, addr, sizeof(free_slot->addr));
	free_slot->n = 1;
	return true;
}

static void accept_one(struct srv_ldapd *l, int lfd, bool ldaps)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = accept(lfd, (struct sockaddr *)&ss, &sl);
	char addr[64] = "?";
	pthread_attr_t attr;
	pthread_t t;

	if (fd < 0)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr,
			  sizeof(addr));
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
			  addr, sizeof(addr));
	struct conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		return;
	}
	c->l = l;
	c->fd = fd;
	c->ldaps = ldaps;
	c->loopback = is_loopback(&ss);
	ob_strlcpy(c->peer, addr, sizeof(c->peer));
	/* blocking reads and writes wake every second to check deadlines */
	struct timeval tv = {1, 0};
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	pthread_mutex_lock(&l->mu);
	bool ok = admit(l, addr);
	if (ok) {
		l->n_conns++;
		c->next = l->conns;
		if (l->conns != NULL)
			l->conns->prev = c;
		l->conns = c;
	}
	pthread_mutex_unlock(&l->mu);
	__atomic_add_fetch(ok ? &l->accepted : &l->refused, 1,
			   __ATOMIC_RELAXED);
	if (!ok) {
		ob_log(OB_LOG_WARN, NULL,
		       "ldap peer=%s: connection limit reached; refused", addr);
		c->deadline_ms = ob_now_ms() + 1000;
		if (!ldaps)
			send_notice(c, LDAP_RC_BUSY, "too many connections");
		close(fd);
		free(c);
		return;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK_SIZE);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, conn_main, c) != 0) {
		pthread_mutex_lock(&l->mu);
		peer_release(l, addr);
		l->conns = c->next;
		if (c->next != NULL)
			c->next->prev = NULL;
		l->n_conns--;
		pthread_mutex_unlock(&l->mu);
		close(fd);
		free(c);
	}
	pthread_attr_destroy(&attr);
}

static void *accept_main(void *arg)
{
	struct srv_ldapd *l = arg;
	struct pollfd p[2];
	int n = 0;

	for (int i = 0; i < 2; i++)
		if (l->fd[i] >= 0) {
			p[n].fd = l->fd[i];
			p[n].events = POLLIN;
			n++;
		}
	while (!stopping(l)) {
		if (poll(p, (nfds_t)n, 500) <= 0)
			continue;
		for (int i = 0; i < n; i++)
			if (p[i].revents & POLLIN)
				accept_one(l, p[i].fd, p[i].fd == l->fd[1]);
	}
	return NULL;
}

static int listen_on(const char *host, int port, int *fd_r, int *port_r,
		     struct ob_err *err)
{
	struct addrinfo hints = {0}, *ai = NULL;
	char ps[16];
	int fd, one = 1;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(ps, sizeof(ps), "%d", port);
	if (getaddrinfo(host, ps, &hints, &ai) != 0 || ai == NULL)
		return ob_err_set(err, OB_E_INVAL,
				  "ldap-listen: %s is not an address", host);
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    listen(fd, 128) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return ob_err_set(err, OB_E_IO, "LDAP listener %s:%d: %s", host,
				  port, strerror(e));
	}
	freeaddrinfo(ai);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		*port_r =
			ntohs(ss.ss_family == AF_INET6
				      ? ((struct sockaddr_in6 *)&ss)->sin6_port
				      : ((struct sockaddr_in *)&ss)->sin_port);
	*fd_r = fd;
	return 0;
}

static void free_ldapd(struct srv_ldapd *l)
{
	for (int i = 0; i < 2; i++)
		if (l->fd[i] >= 0)
			close(l->fd[i]);
	for (unsigned i = 0; i < l->n_stores; i++)
		if (l->stores != NULL)
			dstore_close(&l->stores[i]);
	free(l->stores);
	free(l->store_busy);
	free(l->peers);
	if (l->prio != NULL)
		gnutls_priority_deinit(l->prio);
	if (l->cred != NULL)
		gnutls_certificate_free_credentials(l->cred);
	ldap_dircache_free(&l->cache);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cond);
	pthread_cond_destroy(&l->pool_cond);
	free(l);
}

int srv_ldapd_start(struct srv *srv, struct srv_ldapd **l_r, int *port_r,
		    int *ldaps_port_r, struct ob_err *err)
{
	const struct srv_config *cfg = &srv->cfg;
	struct ldap_dir_config dcfg = {cfg->ldap_max_photo, 600,
				       cfg->ldap_photo_edge};
	struct srv_ldapd *l;
	int ret;

	*l_r = NULL;
	srv->ldapd = NULL;
	*port_r = -1;
	*ldaps_port_r = -1;
	if (!cfg->ldap)
		return 0;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	l->srv = srv;
	l->fd[0] = l->fd[1] = -1;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cond, NULL);
	pthread_cond_init(&l->pool_cond, NULL);
	l->n_stores = cfg->ldap_stores;
	l->stores = calloc(l->n_stores, sizeof(*l->stores));
	l->store_busy = calloc(l->n_stores, sizeof(*l->store_busy));
	l->peers = calloc(cfg->ldap_conn_limit, sizeof(*l->peers));
	if (l->stores == NULL || l->store_busy == NULL || l->peers == NULL) {
		free_ldapd(l);
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	}
	ret = ldap_dircache_new(&dcfg, &l->cache, err);
	if (ret != 0) {
		free_ldapd(l);
		return ret;
	}
	if (*cfg->cert != '\0') {
		const char *pos = NULL;
		int r = gnutls_certificate_allocate_credentials(&l->cred);
		if (r >= 0)
			r = gnutls_certificate_set_x509_key_file(
				l->cred, cfg->cert, cfg->key,
				GNUTLS_X509_FMT_PEM);
		if (r >= 0)
			r = gnutls_priority_init(&l->prio,
						 cfg->tls_legacy
							 ? SRV_TLS_LEGACY
							 : SRV_TLS_STRICT,
						 &pos);
		if (r < 0) {
			free_ldapd(l);
			return ob_err_set(err, OB_E_INVAL,
					  "LDAP TLS (cert %s): %s", cfg->cert,
					  gnutls_strerror(r));
		}
		l->have_tls = true;
	} else if (cfg->ldaps_port >= 0) {
		free_ldapd(l);
		return ob_err_set(err, OB_E_INVAL,
				  "ldaps-port needs cert and key");
	}
	ret = listen_on(cfg->ldap_listen, cfg->ldap_port, &l->fd[0], port_r,
			err);
	if (ret == 0 && cfg->ldaps_port >= 0)
		ret = listen_on(cfg->ldap_listen, cfg->ldaps_port, &l->fd[1],
				ldaps_port_r, err);
	if (ret == 0 && pthread_create(&l->acceptor, NULL, accept_main, l) != 0)
		ret = ob_err_set(err, OB_E_FAIL, "cannot start a thread");
	if (ret != 0) {
		free_ldapd(l);
		*port_r = *ldaps_port_r = -1;
		return ret;
	}
	l->acceptor_running = true;
	*l_r = l;
	srv->ldapd = l;
	return 0;
}

void srv_ldapd_stop(struct srv_ldapd **lp, int timeout_s)
{
	struct srv_ldapd *l = *lp;
	struct timespec until;

	if (l == NULL)
		return;
	__atomic_store_n(&l->srv->ldapd, NULL, __ATOMIC_RELAXED);
	__atomic_store_n(&l->stop, 1, __ATOMIC_RELAXED);
	if (l->acceptor_running)
		pthread_join(l->acceptor, NULL);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_s;
	pthread_mutex_lock(&l->mu);
	while (l->n_conns > 0)
		if (pthread_cond_timedwait(&l->cond, &l->mu, &until) != 0)
			break;
	/* the rest are cut: their reads and writes fail at once */
	for (struct conn *c = l->conns; c != NULL; c = c->next)
		shutdown(c->fd, SHUT_RDWR);
	while (l->n_conns > 0)
		pthread_cond_wait(&l->cond, &l->mu);
	pthread_mutex_unlock(&l->mu);
	free_ldapd(l);
	*lp = NULL;
}

void srv_ldapd_metrics(const struct srv_ldapd *l, struct ob_buf *out)
{
#define LD(x) __atomic_load_n(&l->x, __ATOMIC_RELAXED)
	ob_buf_addf(
		out,
		"# HELP orgbook_ldap_connections_total LDAP connections: "
		"accepted, refused at a limit, cut.\n"
		"# TYPE orgbook_ldap_connections_total counter\n"
		"orgbook_ldap_connections_total{result=\"accepted\"} "
		"%" PRIu64 "\n"
		"orgbook_ldap_connections_total{result=\"refused\"} "
		"%" PRIu64 "\n"
		"orgbook_ldap_connections_total{result=\"cut\"} %" PRIu64 "\n"
		"# HELP orgbook_ldap_binds_total LDAP binds that succeeded.\n"
		"# TYPE orgbook_ldap_binds_total counter\n"
		"orgbook_ldap_binds_total %" PRIu64 "\n"
		"# HELP orgbook_ldap_bind_failures_total LDAP binds refused.\n"
		"# TYPE orgbook_ldap_bind_failures_total counter\n"
		"orgbook_ldap_bind_failures_total %" PRIu64 "\n"
		"# HELP orgbook_ldap_searches_total LDAP searches answered.\n"
		"# TYPE orgbook_ldap_searches_total counter\n"
		"orgbook_ldap_searches_total %" PRIu64 "\n"
		"# HELP orgbook_ldap_entries_total Entries sent in LDAP search "
		"results.\n"
		"# TYPE orgbook_ldap_entries_total counter\n"
		"orgbook_ldap_entries_total %" PRIu64 "\n",
		LD(accepted), LD(refused), LD(cut), LD(counters.binds),
		LD(counters.bind_failures), LD(counters.searches),
		LD(counters.entries));
#undef LD
}
