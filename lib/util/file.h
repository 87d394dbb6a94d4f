/* Whole-file helpers: capped read, atomic replace (write temp, fsync,
 * rename, fsync dir), so a reader never sees a half-written file. */
#ifndef OB_FILE_H
#define OB_FILE_H

#include <stdbool.h>
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

/* Make path a file that only its owner can read or write, whatever the
 * umask: when it is missing and create is true, create it empty with mode
 * 0600; when it exists as a regular file and group or others have any
 * access, chmod it to its owner's bits alone (0644 -> 0600). A missing
 * file with create false, and anything that is not a regular file (a
 * device, a FIFO), are left as they are. When an existing file was
 * tightened, or could not be (not its owner), notice (notice_size bytes;
 * may be NULL) gets one sentence for the operator, else "". Returns 0,
 * or OB_E_IO when the file can be neither created nor examined. */
int ob_file_private(const char *path, bool create, char *notice,
		    size_t notice_size, struct ob_err *err);

/* Open path for writing (created, or truncated) as a file only its owner
 * can read or write: 0600 whatever the umask, an existing regular file
 * with looser modes tightened first. Other files (a FIFO, /dev/stdout)
 * are opened as they are. Returns the descriptor, or -1 with err set
 * (OB_E_IO). */
int ob_file_open_private(const char *path, struct ob_err *err);

/* Replace path atomically with data[0..len) and the given mode. */
int ob_file_write_atomic(const char *path, const void *data, size_t len,
			 mode_t mode, struct ob_err *err);

#endif
