/* stderr logger: formats a whole line into a stack buffer and writes it
 * with one write(2), so lines from threads never interleave. Where stderr
 * goes (the journal or not) is looked at once, before the first line. */
#include "config.h"
#include "util/log.h"
#include "util/err.h"
#include "util/str.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096

static enum ob_log_level min_level = OB_LOG_INFO;
static enum ob_log_format log_format = OB_LOG_TEXT;
static int journal = -1; /* -1 not looked at yet, 0 no, 1 yes */
static _Thread_local char request_id[OB_LOG_REQ_MAX];

static const char *const level_names[] = {"debug", "info", "warn", "error"};
/* sd-daemon(3) prefixes: LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR */
static const char level_prio[] = {'7', '6', '4', '3'};

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
	for (int i = 0; i < 4; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*level_r = (enum ob_log_level)i;
			return 0;
		}
	}
	return OB_E_INVAL;
}

void ob_log_set_format(enum ob_log_format format)
{
	log_format = format;
}

int ob_log_format_parse(const char *name, enum ob_log_format *format_r)
{
	if (strcmp(name, "text") == 0)
		*format_r = OB_LOG_TEXT;
	else if (strcmp(name, "json") == 0)
		*format_r = OB_LOG_JSON;
	else
		return OB_E_INVAL;
	return 0;
}

bool ob_log_detect_sink(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;
	int yes = 0;

	if (js != NULL && sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino)
		yes = 1;
	__atomic_store_n(&journal, yes, __ATOMIC_RELAXED);
	return yes == 1;
}

void ob_log_set_request(const char *id)
{
	ob_strlcpy(request_id, id != NULL ? id : "", sizeof(request_id));
}

const char *ob_log_request(void)
{
	return request_id;
}

void ob_log_ctx_add(struct ob_log_ctx *ctx, const char *key, const char *value)
{
	size_t kl = strlen(key) + 1, vl = strlen(value) + 1;

	if (ctx->len > sizeof(ctx->kv) || kl + vl > sizeof(ctx->kv) - ctx->len)
		return;
	memcpy(ctx->kv + ctx->len, key, kl);
	memcpy(ctx->kv + ctx->len + kl, value, vl);
	ctx->len += kl + vl;
}

size_t ob_log_json_escape(char *out, size_t size, const char *s, size_t len)
{
	size_t o = 0, i = 0;

	if (size == 0)
		return 0;
	while (i < len) {
		char esc[8];
		const char *piece = esc;
		size_t plen, used = 1;
		uint32_t cp;
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			plen = 2;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			esc[0] = '\\';
			esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
			plen = 2;
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			plen = 6;
		} else if (c < 0x80) {
			piece = s + i;
			plen = 1;
		} else if ((used = ob_utf8_decode(s + i, len - i, &cp)) > 0) {
			piece = s + i;
			plen = used;
		} else {
			used = 1;
			piece = "\xEF\xBF\xBD"; /* U+FFFD */
			plen = 3;
		}
		if (plen > size - 1 - o)
			break;
		memcpy(out + o, piece, plen);
		o += plen;
		i += used;
	}
	out[o] = '\0';
	return o;
}

/* Append to line[*n..LINE_MAX_BYTES) as snprintf does; *n stops at the
 * end of the buffer. */
static void add(char *line, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add(char *line, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*n >= LINE_MAX_BYTES - 1)
		return;
	va_start(ap, fmt);
	w = vsnprintf(line + *n, LINE_MAX_BYTES - *n, fmt, ap);
	va_end(ap);
	if (w > 0)
		*n += (size_t)w < LINE_MAX_BYTES - *n ? (size_t)w
						      : LINE_MAX_BYTES - 1 - *n;
}

/* One "key":"value" member; what does not fit in JSON_ROOM is dropped
 * (a key) or cut (a value), so that the closing brace always fits. */
#define JSON_ROOM (LINE_MAX_BYTES - 8)
static void add_json(char *line, size_t *n, const char *key, const char *v,
		     size_t vlen)
{
	size_t kl = strlen(key);

	if (*n + 6 * kl + 8 > JSON_ROOM)
		return;
	line[(*n)++] = ',';
	line[(*n)++] = '"';
	*n += ob_log_json_escape(line + *n, JSON_ROOM - *n, key, kl);
	line[(*n)++] = '"';
	line[(*n)++] = ':';
	line[(*n)++] = '"';
	*n += ob_log_json_escape(line + *n, JSON_ROOM - *n, v, vlen);
	line[(*n)++] = '"';
}

void ob_log(enum ob_log_level level, const struct ob_log_ctx *ctx,
	    const char *fmt, ...)
{
	char line[LINE_MAX_BYTES], msg[LINE_MAX_BYTES], ts[40] = "";
	size_t n = 0, mlen;
	va_list ap;
	int w;

	if (level < min_level || (unsigned)level > OB_LOG_ERROR)
		return;
	va_start(ap, fmt);
	w = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mlen = w < 0                     ? 0
	       : (size_t)w < sizeof(msg) ? (size_t)w
					 : sizeof(msg) - 1;
	msg[mlen] = '\0';
	int j = __atomic_load_n(&journal, __ATOMIC_RELAXED);
	if (j < 0)
		j = ob_log_detect_sink() ? 1 : 0;
	if (j == 0 || log_format == OB_LOG_JSON) {
		struct timespec now;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec,
			 now.tv_nsec / 1000000L);
	}
	if (j == 1)
		add(line, &n, "<%c>", level_prio[level]);
	if (log_format == OB_LOG_JSON) {
		add(line, &n, "{\"ts\":\"%s\",\"level\":\"%s\"", ts,
		    level_names[level]);
		if (request_id[0] != '\0')
			add_json(line, &n, "req", request_id,
				 strlen(request_id));
		for (size_t i = 0; ctx != NULL && i < ctx->len;) {
			const char *k = ctx->kv + i;
			const char *v = k + strlen(k) + 1;
			add_json(line, &n, k, v, strlen(v));
			i += strlen(k) + strlen(v) + 2;
		}
		add_json(line, &n, "msg", msg, mlen);
		line[n++] = '}';
	} else {
		if (j == 0)
			add(line, &n, "%s ", ts);
		add(line, &n, "%s: ", level_names[level]);
		if (request_id[0] != '\0')
			add(line, &n, "req=%s ", request_id);
		for (size_t i = 0; ctx != NULL && i < ctx->len;) {
			const char *k = ctx->kv + i;
			const char *v = k + strlen(k) + 1;
			const char *q = strchr(v, ' ') != NULL ? "\"" : "";
			add(line, &n, "%s=%s%s%s ", k, q, v, q);
			i += strlen(k) + strlen(v) + 2;
		}
		add(line, &n, "%s", msg);
		/* one event, one line: fold embedded newlines */
		for (size_t i = 0; i < n; i++) {
			if (line[i] == '\n' || line[i] == '\r')
				line[i] = ' ';
		}
	}
	if (n > LINE_MAX_BYTES - 1)
		n = LINE_MAX_BYTES - 1;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* nowhere left to report it */
	}
}
