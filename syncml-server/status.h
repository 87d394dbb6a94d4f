/* The one table from our result codes (OB_E_*, util/err.h) to what the
 * wire says: a SyncML status for a command (the status codes of the
 * SyncML Representation Protocol, enum in syncml/msg.h) and, for a
 * message that fails as a whole, an HTTP status. Internal codes never reach the wire any other way.
 *
 * Promises: pure functions, every code mapped (unknown ones to the
 * generic failure). Never: writes a reply, logs. */
#ifndef SRV_STATUS_H
#define SRV_STATUS_H

/* The SyncML status for a command whose handling returned ob_code:
 * 0 -> 200, OB_E_NOTFOUND -> 404, OB_E_PARSE/OB_E_INVAL -> 400,
 * OB_E_LIMIT -> 413, OB_E_AUTH -> 401, OB_E_BUSY -> 101 (busy),
 * OB_E_VERSION -> 513, OB_E_GONE -> 508, anything else -> 500. */
int srv_status_of(int ob_code);

/* The HTTP status for a message that could not be processed at all
 * (nothing of it committed): 503 for OB_E_BUSY (retryable), else 500.
 * (A store out of space, OB_E_IO, is answered inside SyncML with 503 by
 * session.c, so that the client sees it as the server's, not a proxy's.) */
int srv_http_status_of(int ob_code);

#endif
