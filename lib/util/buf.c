/* Capped buffer: growth doubles, never past cap + 1 (for the NUL). */
#include "config.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ob_buf_init(struct ob_buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

void ob_buf_deinit(struct ob_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
}

void ob_buf_reset(struct ob_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

static int ensure(struct ob_buf *b, size_t extra)
{
	size_t need, n;
	char *p;

	if (extra > b->cap || b->len > b->cap - extra)
		return OB_E_LIMIT;
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return 0;
	n = b->alloc ? b->alloc : 64;
	while (n < need)
		n = n > ((size_t)-1) / 2 ? need : n * 2;
	if (n > b->cap + 1)
		n = b->cap + 1;
	p = realloc(b->data, n);
	if (p == NULL)
		return OB_E_NOMEM;
	b->data = p;
	b->alloc = n;
	return 0;
}

int ob_buf_reserve(struct ob_buf *b, size_t extra)
{
	return ensure(b, extra);
}

int ob_buf_add(struct ob_buf *b, const void *data, size_t len)
{
	int ret = ensure(b, len);

	if (ret < 0)
		return ret;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int ob_buf_add_str(struct ob_buf *b, const char *s)
{
	return ob_buf_add(b, s, strlen(s));
}

int ob_buf_add_char(struct ob_buf *b, char c)
{
	return ob_buf_add(b, &c, 1);
}

int ob_buf_vaddf(struct ob_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, ret;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return OB_E_FAIL;
	ret = ensure(b, (size_t)n);
	if (ret < 0)
		return ret;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int ob_buf_addf(struct ob_buf *b, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = ob_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return ret;
}

char *ob_buf_steal(struct ob_buf *b, size_t *len_r)
{
	char *p = b->data;

	if (p == NULL) {
		p = calloc(1, 1);
		if (p == NULL)
			return NULL;
	}
	if (len_r != NULL)
		*len_r = b->len;
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	return p;
}

const char *ob_buf_str(const struct ob_buf *b)
{
	return b->data != NULL ? b->data : "";
}
