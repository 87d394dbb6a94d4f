/* The one logger: one line per event on stderr.
 *
 * On journald (JOURNAL_STREAM names the very stream stderr is, as
 * systemd.exec(5) documents) a line starts with a "<N>" syslog priority
 * (sd-daemon(3): debug 7, info 6, warn 4, error 3) and carries no time, the
 * journal keeps its own; elsewhere it starts with an RFC 3339 UTC time
 * with milliseconds. Then "level: context message" (text) or one JSON
 * object {"ts", "level", the context's keys, "msg"} (json).
 *
 * A log context carries tenant=, device=, session=, ... so every line of a
 * sync can be grepped without passing those to each call; a thread's
 * request id (ob_log_set_request) is added as req= to each of its lines.
 * Libraries do not log; programs do. Never pass passwords, Authorization
 * headers, session tokens or whole vCards above debug level. Never blocks
 * on a lock; a line longer than 4 KB is cut. */
#ifndef OB_LOG_H
#define OB_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum ob_log_level {
	OB_LOG_DEBUG = 0,
	OB_LOG_INFO = 1,
	OB_LOG_WARN = 2,
	OB_LOG_ERROR = 3,
};

enum ob_log_format {
	OB_LOG_TEXT = 0,
	OB_LOG_JSON = 1,
};

#define OB_LOG_CTX_MAX 256
#define OB_LOG_REQ_MAX 40 /* a request id, with its NUL */

struct ob_log_ctx {
	/* "key\0value\0key\0value\0..." (len bytes); zeroed = empty */
	char kv[OB_LOG_CTX_MAX];
	size_t len;
};

/* Messages below this level are dropped (default OB_LOG_INFO). */
void ob_log_set_level(enum ob_log_level level);
enum ob_log_level ob_log_get_level(void);

/* Parse "debug", "info", "warn", "error"; returns 0 or OB_E_INVAL. */
int ob_log_level_parse(const char *name, enum ob_log_level *level_r);

/* Text (default) or JSON lines. */
void ob_log_set_format(enum ob_log_format format);
/* Parse "text" or "json"; returns 0 or OB_E_INVAL. */
int ob_log_format_parse(const char *name, enum ob_log_format *format_r);

/* Look again at where stderr goes (done once before the first line; again
 * after stderr was redirected). true when it is the journal. */
bool ob_log_detect_sink(void);

/* The calling thread's request id ("" or NULL: none), cut to
 * OB_LOG_REQ_MAX - 1 bytes; ob_log_request gives it back ("" when none). */
void ob_log_set_request(const char *id);
const char *ob_log_request(void);

/* Append key=value to a context (dropped when it has no room left). */
void ob_log_ctx_add(struct ob_log_ctx *ctx, const char *key, const char *value);

/* Log one line. ctx may be NULL. Thread-safe (one write(2) per line). */
void ob_log(enum ob_log_level level, const struct ob_log_ctx *ctx,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Write s (len bytes) into out as the inside of a JSON string: quote,
 * backslash and control characters escaped, each invalid UTF-8 byte as
 * U+FFFD; at most size - 1 bytes and a NUL, never a cut escape or
 * character. Returns the bytes written. */
size_t ob_log_json_escape(char *out, size_t size, const char *s, size_t len);

#endif
