/* stderr logger: formats a whole line into a stack buffer and writes it
 * with one write(2), so lines from threads never interleave. */
#include "config.h"
#include "util/log.h"
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static enum ob_log_level min_level = OB_LOG_INFO;

void ob_log_set_level(enum ob_log_level level)
{
	min_level = level;
}

enum ob_log_level ob_log_get_level(void)
{
	return min_level;
}

int ob_log_level_parse(const char *name, enum ob_log_level *level_r)
{
	static const char *names[] = {"debug", "info", "warn", "error"};

	for (int i = 0; i < 4; i++) {
		if (strcmp(name, names[i]) == 0) {
			*level_r = (enum ob_log_level)i;
			return 0;
		}
	}
	return OB_E_INVAL;
}

void ob_log_ctx_add(struct ob_log_ctx *ctx, const char *key, const char *value)
{
	size_t n = strnlen(ctx->text, sizeof(ctx->text));
	const char *q = strchr(value, ' ') != NULL ? "\"" : "";

	if (n >= sizeof(ctx->text) - 1)
		return;
	snprintf(ctx->text + n, sizeof(ctx->text) - n, "%s=%s%s%s ", key, q,
		 value, q);
}

void ob_log(enum ob_log_level level, const struct ob_log_ctx *ctx,
	    const char *fmt, ...)
{
	static const char *tags[] = {"debug", "info", "warn", "error"};
	char line[4096];
	size_t n;
	va_list ap;
	int w;

	if (level < min_level)
		return;
	w = snprintf(line, sizeof(line), "%s: %s", tags[level],
		     ctx != NULL ? ctx->text : "");
	n = w > 0 ? (size_t)w : 0;
	if (n < sizeof(line)) {
		va_start(ap, fmt);
		w = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		va_end(ap);
		n += w > 0 ? (size_t)w : 0;
	}
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	/* one event, one line: fold embedded newlines */
	for (size_t i = 0; i < n; i++) {
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	}
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* nowhere left to report it */
	}
}
