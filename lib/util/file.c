/* File helpers. ob_file_write_atomic follows the classic recipe: temp file
 * in the same directory, fsync, rename, fsync the directory. The private
 * helpers chmod after creating because a umask can only take bits away:
 * 0600 must not depend on it (a umask of 0277 would leave 0400). */
#include "config.h"
#include "util/file.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int ob_file_read(const char *path, struct ob_buf *buf, struct ob_err *err)
{
	char chunk[65536];
	int fd, ret = 0;

	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			return ob_err_set(
				err, errno == ENOENT ? OB_E_NOTFOUND : OB_E_IO,
				"%s: %s", path, strerror(errno));
		}
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = ob_err_set(err, OB_E_IO, "%s: %s", path,
					 strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		ret = ob_buf_add(buf, chunk, (size_t)n);
		if (ret < 0) {
			ob_err_set(err, ret, "%s: larger than %zu bytes", path,
				   buf->cap);
			goto out;
		}
	}
out:
	if (fd != STDIN_FILENO)
		close(fd);
	return ret;
}

int ob_file_map(const char *path, size_t max, const char **data_r,
		size_t *len_r, struct ob_err *err)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return ob_err_set(err,
				  errno == ENOENT ? OB_E_NOTFOUND : OB_E_IO,
				  "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ob_err_set(err, OB_E_IO, "%s: not a regular file", path);
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return ob_err_set(err, OB_E_LIMIT, "%s: larger than %zu bytes",
				  path, max);
	}
	if (st.st_size == 0) {
		close(fd);
		*data_r = "";
		*len_r = 0;
		return 0;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return ob_err_set(err, OB_E_IO, "%s: %s", path,
				  strerror(errno));
	*data_r = p;
	*len_r = (size_t)st.st_size;
	return 0;
}

void ob_file_unmap(const char *data, size_t len)
{
	if (len > 0)
		munmap((void *)data, len);
}

int ob_file_private(const char *path, bool create, char *notice,
		    size_t notice_size, struct ob_err *err)
{
	struct stat st;
	mode_t want;
	int fd;

	if (notice != NULL && notice_size > 0)
		notice[0] = '\0';
	if (create) {
		fd = open(path,
			  O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY,
			  0600);
		if (fd >= 0) {
			int ret = 0;

			if (fchmod(fd, 0600) < 0)
				ret = ob_err_set(err, OB_E_IO, "%s: %s", path,
						 strerror(errno));
			close(fd);
			return ret;
		}
		if (errno != EEXIST)
			return ob_err_set(err, OB_E_IO, "%s: %s", path,
					  strerror(errno));
	}
	if (stat(path, &st) < 0) {
		if (errno == ENOENT && !create)
			return 0;
		return ob_err_set(err, OB_E_IO, "%s: %s", path,
				  strerror(errno));
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) == 0)
		return 0;
	want = st.st_mode & 0700;
	if (chmod(path, want) < 0) {
		if (notice != NULL)
			snprintf(notice, notice_size,
				 "%s is mode %04o (group or others have "
				 "access) and could not be made %04o: %s",
				 path, (unsigned)(st.st_mode & 07777),
				 (unsigned)want, strerror(errno));
		return 0;
	}
	if (notice != NULL)
		snprintf(notice, notice_size,
			 "%s was mode %04o (group or others had access): now "
			 "%04o",
			 path, (unsigned)(st.st_mode & 07777), (unsigned)want);
	return 0;
}

int ob_file_open_private(const char *path, struct ob_err *err)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY,
		      0600);

	if (fd < 0) {
		ob_err_set(err, OB_E_IO, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* truncated before the chmod: nothing is written while group or
	 * others still have access */
	if (fstat(fd, &st) < 0 ||
	    (S_ISREG(st.st_mode) && (st.st_mode & 0777) != 0600 &&
	     fchmod(fd, 0600) < 0)) {
		ob_err_set(err, OB_E_IO,
			   "%s: cannot make it private (mode 0600): %s", path,
			   strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int ob_file_write_atomic(const char *path, const void *data, size_t len,
			 mode_t mode, struct ob_err *err)
{
	char tmp[4096], dir[4096];
	const char *p = data;
	int fd, dfd, ret = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >=
	    (int)sizeof(tmp))
		return ob_err_set(err, OB_E_LIMIT, "path too long: %s", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return ob_err_set(err, OB_E_IO, "%s: %s", tmp, strerror(errno));
	if (fchmod(fd, mode) < 0)
		goto io_fail;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto io_fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0)
		goto io_fail;
	if (close(fd) < 0) {
		fd = -1;
		goto io_fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto io_fail;
	ob_strlcpy(dir, path, sizeof(dir));
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
io_fail:
	ret = ob_err_set(err, OB_E_IO, "%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return ret;
}
