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

/* Map a whole regular file read-only (no copy, no heap): *data_r and
 * *len_r until ob_file_unmap. An empty file maps as "" with length 0.
 * Returns 0, OB_E_NOTFOUND, OB_E_LIMIT (larger than max) or OB_E_IO. */
int ob_file_map(const char *path, size_t max, const char **data_r,
		size_t *len_r, struct ob_err *err);
void ob_file_unmap(const char *data, size_t len);

/* Replace path atomically with data[0..len) and the given mode. */
int ob_file_write_atomic(const char *path, const void *data, size_t len,
			 mode_t mode, struct ob_err *err);

#endif
