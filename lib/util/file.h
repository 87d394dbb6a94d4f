/* Whole-file helpers: capped read, atomic replace (write temp, fsync,
 * rename, fsync dir), so a reader never sees a half-written file. */
#ifndef OB_FILE_H
#define OB_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "util/buf.h"
#include "util/err.h"

/* Append the whole file (or stdin when path is "-") to buf, whose cap
 * bounds the size. Returns 0, OB_E_NOTFOUND, OB_E_LIMIT or OB_E_IO. */
int ob_file_read(const char *path, struct ob_buf *buf, struct ob_err *err);

/* Replace path atomically with data[0..len) and the given mode. */
int ob_file_write_atomic(const char *path, const void *data, size_t len,
			 mode_t mode, struct ob_err *err);

#endif
