/* Error detail helpers: fixed-size buffers only, so formatting an error
 * (including out-of-memory) never allocates. */
#include "config.h"
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ob_err_clear(struct ob_err *err)
{
	if (err == NULL)
		return;
	memset(err, 0, sizeof(*err));
}

static void set_msg(struct ob_err *err, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void set_msg(struct ob_err *err, const char *fmt, va_list ap)
{
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int ob_err_set(struct ob_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	ob_err_clear(err);
	err->code = code;
	va_start(ap, fmt);
	set_msg(err, fmt, ap);
	va_end(ap);
	return code;
}

int ob_err_set_at(struct ob_err *err, int code, long line, long column,
		  const char *field, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	ob_err_clear(err);
	err->code = code;
	err->line = line;
	err->column = column;
	if (field != NULL)
		snprintf(err->field, sizeof(err->field), "%s", field);
	va_start(ap, fmt);
	set_msg(err, fmt, ap);
	va_end(ap);
	return code;
}

void ob_err_prefix(struct ob_err *err, const char *fmt, ...)
{
	char prefix[OB_ERR_MSG_MAX];
	char old[OB_ERR_MSG_MAX];
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s%s", prefix, old);
}

const char *ob_err_code_str(int code)
{
	switch (code) {
	case OB_OK:
		return "ok";
	case OB_E_NOTFOUND:
		return "not found";
	case OB_E_EXISTS:
		return "already exists";
	case OB_E_PARSE:
		return "parse error";
	case OB_E_LIMIT:
		return "limit exceeded";
	case OB_E_AUTH:
		return "not authorized";
	case OB_E_BUSY:
		return "busy";
	case OB_E_NOMEM:
		return "out of memory";
	case OB_E_IO:
		return "I/O error";
	case OB_E_VERSION:
		return "unsupported version";
	case OB_E_GONE:
		return "history no longer available";
	case OB_E_INVAL:
		return "invalid value";
	default:
		return "failure";
	}
}

const char *ob_err_describe(const struct ob_err *err, char *buf, size_t size)
{
	size_t n = 0;
	int w;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (err->line > 0) {
		w = snprintf(buf, size, "line %ld, ", err->line);
		n = w > 0 ? (size_t)w : 0;
	}
	if (n < size && err->column > 0) {
		w = snprintf(buf + n, size - n, "column %ld, ", err->column);
		n += w > 0 ? (size_t)w : 0;
	}
	if (n < size && err->field[0] != '\0') {
		w = snprintf(buf + n, size - n, "field %s, ", err->field);
		n += w > 0 ? (size_t)w : 0;
	}
	if (n >= 2 && n < size && buf[n - 2] == ',') {
		buf[n - 2] = ':';
	}
	if (n < size)
		snprintf(buf + n, size - n, "%s",
			 err->msg[0] ? err->msg : ob_err_code_str(err->code));
	return buf;
}

_Noreturn void ob_assert_fail(const char *expr, const char *file, int line)
{
	fprintf(stderr, "orgbook: assertion failed: %s (%s:%d)\n", expr, file,
		line);
	abort();
}
