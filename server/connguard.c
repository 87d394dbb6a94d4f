/* Connection deadlines and the reserve of slots (see connguard.h). */
#include "config.h"
#include "server/connguard.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "util/err.h"
#include "util/log.h"
#include "util/str.h"

#define REAP_EVERY_MS 100
#define REPORT_EVERY_MS 10000

enum gstate {
	G_HEADERS, /* waiting for whole headers */
	G_BODY,    /* receiving the body */
	G_BUSY,    /* request in: handler and reply */
	G_CUT,     /* shut down, waiting for libmicrohttpd to close it */
};

struct gconn {
	struct gconn *prev, *next;
	struct srv_guard *g;
	int fd;
	enum gstate state;
	uint64_t since_ms; /* when the current state began */
	uint64_t body;     /* body bytes received so far */
};

struct srv_guard {
	struct srv_guard_limits lim;
	struct srv_metrics *m;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t reaper;
	bool stop;
	struct gconn *head;
	unsigned waiting; /* in G_HEADERS or G_BODY */
	/* cut since the last report, for one log line per REPORT_EVERY_MS */
	unsigned cut_headers, cut_body, evicted;
};

static bool is_waiting(enum gstate s)
{
	return s == G_HEADERS || s == G_BODY;
}

/* Under g->mu. */
static void set_state(struct gconn *c, enum gstate s, uint64_t now)
{
	struct srv_guard *g = c->g;
	if (is_waiting(c->state) && !is_waiting(s))
		g->waiting--;
	else if (!is_waiting(c->state) && is_waiting(s))
		g->waiting++;
	if (s == G_BODY && c->state != G_BODY)
		c->body = 0;
	c->state = s;
	c->since_ms = now;
}

static void count(struct srv_guard *g, uint64_t *metric, unsigned *recent)
{
	(*recent)++;
	if (g->m != NULL)
		__atomic_add_fetch(metric, 1, __ATOMIC_RELAXED);
}

/* Under g->mu. The fd is still libmicrohttpd's and open: it is closed
 * only after the closed notification took c out of the table. */
static void cut(struct gconn *c, uint64_t now)
{
	(void)shutdown(c->fd, SHUT_RDWR);
	set_state(c, G_CUT, now);
}

/* The time the body of c may have taken so far, ms. */
static uint64_t body_allowance(const struct srv_guard *g, const struct gconn *c)
{
	return g->lim.header_ms + c->body * 1000 / g->lim.min_rate;
}

static void reap(struct srv_guard *g, uint64_t now)
{
	for (struct gconn *c = g->head; c != NULL; c = c->next) {
		uint64_t age = now - c->since_ms;
		if (c->state == G_HEADERS && age > g->lim.header_ms) {
			cut(c, now);
			count(g, &g->m->conns_cut_headers, &g->cut_headers);
		} else if (c->state == G_BODY && g->lim.min_rate > 0 &&
			   age > body_allowance(g, c)) {
			cut(c, now);
			count(g, &g->m->conns_cut_body, &g->cut_body);
		}
	}
}

/* Under g->mu, when waiting_max connections wait and one more came: cut
 * the oldest one without headers, else the slowest body. */
static void evict(struct srv_guard *g, uint64_t now)
{
	struct gconn *victim = NULL;
	for (struct gconn *c = g->head; c != NULL; c = c->next) {
		if (c->state == G_HEADERS &&
		    (victim == NULL || victim->state != G_HEADERS ||
		     c->since_ms < victim->since_ms))
			victim = c;
		else if (c->state == G_BODY &&
			 (victim == NULL ||
			  (victim->state == G_BODY &&
			   /* c->body / age(c) < victim->body / age(victim) */
			   c->body * (now - victim->since_ms + 1) <
				   victim->body * (now - c->since_ms + 1))))
			victim = c;
	}
	if (victim != NULL) {
		cut(victim, now);
		count(g, &g->m->conns_evicted, &g->evicted);
	}
}

/* Under g->mu: one line for what was cut since the last one. */
static void report(struct srv_guard *g)
{
	if (g->cut_headers + g->cut_body + g->evicted > 0)
		ob_log(OB_LOG_WARN, NULL,
		       "http: cut %u connections without headers in time, %u "
		       "too slow bodies, %u waiting ones for newcomers",
		       g->cut_headers, g->cut_body, g->evicted);
	g->cut_headers = g->cut_body = g->evicted = 0;
}

static void *reaper(void *arg)
{
	struct srv_guard *g = arg;
	uint64_t last_report = ob_now_ms();

	pthread_mutex_lock(&g->mu);
	while (!g->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += REAP_EVERY_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&g->cv, &g->mu, &ts);
		if (g->stop)
			break;
		uint64_t now = ob_now_ms();
		reap(g, now);
		if (now - last_report >= REPORT_EVERY_MS) {
			report(g);
			last_report = now;
		}
	}
	report(g);
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

int srv_guard_new(const struct srv_guard_limits *lim, struct srv_metrics *m,
		  struct srv_guard **g_r, struct ob_err *err)
{
	static struct srv_metrics unused;
	struct srv_guard *g = calloc(1, sizeof(*g));
	pthread_condattr_t ca;

	if (g == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	g->lim = *lim;
	if (g->lim.waiting_max == 0)
		g->lim.waiting_max = 1;
	g->m = m != NULL ? m : &unused;
	pthread_mutex_init(&g->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&g->reaper, NULL, reaper, g) != 0) {
		pthread_cond_destroy(&g->cv);
		pthread_mutex_destroy(&g->mu);
		free(g);
		return ob_err_set(err, OB_E_FAIL,
				  "cannot start the connection reaper");
	}
	*g_r = g;
	return 0;
}

void srv_guard_free(struct srv_guard **gp)
{
	struct srv_guard *g = *gp;

	if (g == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	g->stop = true;
	pthread_cond_signal(&g->cv);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->reaper, NULL);
	/* MHD_stop_daemon reported every connection closed; anything left
	 * (a connection the daemon never reported) is only memory now. */
	while (g->head != NULL) {
		struct gconn *c = g->head;
		g->head = c->next;
		free(c);
	}
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
	free(g);
	*gp = NULL;
}

void srv_guard_notify(void *cls, struct MHD_Connection *conn,
		      void **socket_context,
		      enum MHD_ConnectionNotificationCode toe)
{
	struct srv_guard *g = cls;
	struct gconn *c;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
			conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = NULL;
		if (ci == NULL || (c = calloc(1, sizeof(*c))) == NULL)
			return; /* not guarded: only the idle timeout */
		c->g = g;
		c->fd = ci->connect_fd;
		c->state = G_BUSY; /* set_state counts it as waiting */
		uint64_t now = ob_now_ms();
		pthread_mutex_lock(&g->mu);
		if (g->waiting >= g->lim.waiting_max)
			evict(g, now);
		set_state(c, G_HEADERS, now);
		c->next = g->head;
		if (g->head != NULL)
			g->head->prev = c;
		g->head = c;
		pthread_mutex_unlock(&g->mu);
		*socket_context = c;
		return;
	}
	c = *socket_context;
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	set_state(c, G_CUT, 0);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		g->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&g->mu);
	free(c);
	*socket_context = NULL;
}

static struct gconn *lookup(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

/* Move c to state s unless the guard already cut it. */
static void move(struct MHD_Connection *conn, enum gstate s, size_t body)
{
	struct gconn *c = lookup(conn);
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->g->mu);
	if (c->state != G_CUT) {
		if (s == G_BODY && c->state == G_BODY)
			c->body += body;
		else
			set_state(c, s, ob_now_ms());
	}
	pthread_mutex_unlock(&c->g->mu);
}

void srv_guard_headers(struct MHD_Connection *conn, bool has_body)
{
	move(conn, has_body ? G_BODY : G_BUSY, 0);
}

void srv_guard_body(struct MHD_Connection *conn, size_t n)
{
	move(conn, G_BODY, n);
}

void srv_guard_busy(struct MHD_Connection *conn)
{
	move(conn, G_BUSY, 0);
}

void srv_guard_done(struct MHD_Connection *conn)
{
	move(conn, G_HEADERS, 0);
}
