/* The one logger: one line per event on stderr (journald picks it up).
 *
 * A log context carries tenant=, device=, session=, msg= so every line of a
 * sync can be grepped without passing those to each call. Libraries do not
 * log; programs do. Never pass passwords, Authorization headers or whole
 * vCards above debug level. */
#ifndef OB_LOG_H
#define OB_LOG_H

enum ob_log_level {
	OB_LOG_DEBUG = 0,
	OB_LOG_INFO = 1,
	OB_LOG_WARN = 2,
	OB_LOG_ERROR = 3,
};

#define OB_LOG_CTX_MAX 256

struct ob_log_ctx {
	char text[OB_LOG_CTX_MAX]; /* "tenant=acme device=IMEI:1 " or "" */
};

/* Messages below this level are dropped (default OB_LOG_INFO). */
void ob_log_set_level(enum ob_log_level level);
enum ob_log_level ob_log_get_level(void);

/* Parse "debug", "info", "warn", "error"; returns 0 or OB_E_INVAL. */
int ob_log_level_parse(const char *name, enum ob_log_level *level_r);

/* Append key=value to a context; values with spaces are quoted. */
void ob_log_ctx_add(struct ob_log_ctx *ctx, const char *key, const char *value);

/* Log one line: "<level> [ctx] message". ctx may be NULL. Thread-safe (one
 * write(2) per line). */
void ob_log(enum ob_log_level level, const struct ob_log_ctx *ctx,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
