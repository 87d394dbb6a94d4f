/* Deadlines for the connections of one libmicrohttpd listener.
 *
 * libmicrohttpd's connection timeout is an idle timeout: a client that
 * sends one byte every few seconds, or one that connects and never
 * speaks, holds a connection slot for as long as it likes, and once the
 * slots are gone the listener stops accepting (new clients wait in the
 * kernel's backlog). The guard keeps a table of the live connections
 * (filled by libmicrohttpd's connection notifications) with the state of
 * each one's request:
 *
 *   waiting for headers --headers in--> receiving the body --body in-->
 *   busy (handler, reply) --request done--> waiting for headers (kept
 *   alive)
 *
 * and cuts (shutdown(2), never close: the fd stays libmicrohttpd's) a
 * connection that
 *   - has not delivered whole headers header_ms after it was opened or
 *     after its previous request ended;
 *   - receives its body slower than min_rate: the body may take
 *     header_ms plus one second per min_rate bytes received so far
 *     (Apache's mod_reqtimeout rule);
 *   - is the worst of those waiting when a new connection arrives and
 *     waiting_max connections are already waiting (the oldest one still
 *     without headers, else the slowest body). So at least
 *     limit - waiting_max slots stay for requests that arrive whole.
 * Busy connections are never cut by the guard.
 *
 * Locking: one mutex covers the table; the closed notification removes a
 * connection under it before libmicrohttpd closes the fd (daemon.c of
 * 0.9.75 notifies, then closes), so a cut never reaches a reused fd.
 * Does not parse HTTP and keeps no request data. */
#ifndef SRV_CONNGUARD_H
#define SRV_CONNGUARD_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syncml-server/server.h"

struct srv_guard;

struct srv_guard_limits {
	unsigned header_ms;   /* whole headers within this, ms */
	size_t min_rate;      /* body bytes/s at least; 0 = no rate rule */
	unsigned waiting_max; /* connections without a whole request */
};

/* A guard and its reaper thread (which looks at the table every 100 ms).
 * Counts what it cuts in m (may be NULL). OB_E_NOMEM or OB_E_FAIL (no
 * thread), with err set. */
int srv_guard_new(const struct srv_guard_limits *lim, struct srv_metrics *m,
		  struct srv_guard **g_r, struct ob_err *err);
/* Stop the reaper and free. Only after MHD_stop_daemon of the listener
 * (which reports every connection closed). NULL is fine. */
void srv_guard_free(struct srv_guard **g);

/* The MHD_OPTION_NOTIFY_CONNECTION callback; cls is the guard. */
void srv_guard_notify(void *cls, struct MHD_Connection *conn,
		      void **socket_context,
		      enum MHD_ConnectionNotificationCode toe);

/* From the access handler, on the connection's thread: whole headers
 * arrived (the body comes next when has_body), n more body bytes, the
 * whole request is in (handler and reply), the request is done (the
 * connection waits for another one). A connection the guard does not
 * know (table full) is ignored. */
void srv_guard_headers(struct MHD_Connection *conn, bool has_body);
void srv_guard_body(struct MHD_Connection *conn, size_t n);
void srv_guard_busy(struct MHD_Connection *conn);
void srv_guard_done(struct MHD_Connection *conn);

#endif
