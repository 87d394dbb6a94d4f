/* Capped growable byte buffer (like curl's dynbuf).
 *
 * Every buffer filled from outside input has a cap set at init; appending
 * past the cap fails with OB_E_LIMIT and leaves the buffer as it was. The
 * content is always NUL-terminated (the NUL is not counted in len and not
 * counted against the cap). */
#ifndef OB_BUF_H
#define OB_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct ob_buf {
	char *data; /* NULL until the first append; NUL-terminated after */
	size_t len;
	size_t alloc;
	size_t cap; /* maximum len */
};

/* Start empty with the given maximum length (bytes). */
void ob_buf_init(struct ob_buf *b, size_t cap);

/* Free the memory; the buffer is empty (same cap) and reusable. */
void ob_buf_deinit(struct ob_buf *b);

/* Drop the content, keep the allocation. */
void ob_buf_reset(struct ob_buf *b);

/* Make room for extra more bytes in one allocation (instead of doubling
 * while appending): with len + extra == cap the buffer gets exactly that.
 * Returns 0, OB_E_LIMIT (past the cap) or OB_E_NOMEM. */
int ob_buf_reserve(struct ob_buf *b, size_t extra);

/* Append bytes. Returns 0, OB_E_LIMIT (cap) or OB_E_NOMEM. */
int ob_buf_add(struct ob_buf *b, const void *data, size_t len);
int ob_buf_add_str(struct ob_buf *b, const char *s);
int ob_buf_add_char(struct ob_buf *b, char c);
int ob_buf_addf(struct ob_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ob_buf_vaddf(struct ob_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Hand the content to the caller (free() it); the buffer becomes empty.
 * Returns "" allocated when empty, NULL on allocation failure. */
char *ob_buf_steal(struct ob_buf *b, size_t *len_r);

/* The content as a C string; "" when empty. Borrowed. */
const char *ob_buf_str(const struct ob_buf *b);

#endif
