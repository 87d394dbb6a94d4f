/* orgbook-admin migrate: copy a whole SQLite store into an empty
 * PostgreSQL store (lib/dirstore/copy.c) with its key file, and print
 * the row counts of every table on both sides.
 * What it never does: open --db (it has its own two stores), overwrite
 * a different key file, or leave a half-copied destination. */
#include "config.h"
#include "admin/admin.h"
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_MAX 4096

static const struct option migrate_options[] = {
	{"from", required_argument, NULL, 0},
	{"to", required_argument, NULL, 0},
	{NULL, 0, NULL, 0},
};

static bool is_pg(const char *p)
{
	return strncmp(p, "postgresql://", 13) == 0 ||
	       strncmp(p, "postgres://", 11) == 0;
}

static void report(void *arg, const char *table, int64_t a, int64_t b)
{
	(void)arg;
	printf("%-20s %12lld %12lld%s\n", table, (long long)a, (long long)b,
	       a == b ? "" : "  DIFFERS");
}

/* *len_r = -1 when the file does not exist */
static int read_key(const char *path, char *buf, ssize_t *len_r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*len_r = -1;
		return errno == ENOENT ? 0 : -1;
	}
	*len_r = read(fd, buf, KEY_MAX);
	close(fd);
	return *len_r < 0 ? -1 : 0;
}

static int key_check(const char *from, const char *to, char *buf,
		     ssize_t *len_r, bool *write_r)
{
	char other[KEY_MAX];
	ssize_t olen;

	if (read_key(from, buf, len_r) < 0 || *len_r <= 0) {
		fprintf(stderr, "%s: %s: cannot read the source's key file\n",
			ADM_PROG, from);
		return ADM_EXIT_INPUT;
	}
	if (read_key(to, other, &olen) < 0) {
		fprintf(stderr, "%s: %s: %s\n", ADM_PROG, to, strerror(errno));
		return ADM_EXIT_INPUT;
	}
	if (olen >= 0 && (olen != *len_r || memcmp(other, buf, (size_t)olen))) {
		fprintf(stderr,
			"%s: %s exists with a different key; refusing (the "
			"copied MD5 secrets need %s)\n",
			ADM_PROG, to, from);
		return ADM_EXIT_REFUSED;
	}
	*write_r = olen < 0;
	return 0;
}

static int key_write(const char *path, const char *buf, ssize_t len)
{
	struct ob_err err;
	int fd = ob_file_open_private(path, &err);

	if (fd < 0)
		return adm_fail(&err);
	if (write(fd, buf, (size_t)len) != len || fsync(fd) < 0) {
		fprintf(stderr, "%s: %s: %s\n", ADM_PROG, path,
			strerror(errno));
		close(fd);
		unlink(path);
		return ADM_EXIT_STORE;
	}
	close(fd);
	return 0;
}

static int open_store(const char *path, const char *key, struct dstore **s_r)
{
	struct dstore_options o = {0};
	struct ob_err err;

	o.path = path;
	o.key_path = key;
	if (dstore_open(&o, s_r, &err) < 0)
		return adm_fail(&err);
	return 0;
}

static int copy(const char *from, const char *to, const char *key,
		const char *kbuf, ssize_t klen, bool write_key)
{
	struct dstore *a = NULL, *b = NULL;
	struct ob_err err;
	int ret = open_store(from, NULL, &a);

	if (ret == 0)
		ret = open_store(to, key, &b);
	if (ret == 0) {
		printf("%-20s %12s %12s\n", "table", "rows source",
		       "rows dest");
		if (dstore_copy(a, b, report, NULL, &err) < 0)
			ret = adm_fail(&err);
	}
	if (ret == 0 && write_key)
		ret = key_write(key, kbuf, klen);
	dstore_close(&a);
	dstore_close(&b);
	return ret;
}

static int run_migrate(struct dstore *unused, const struct adm_args *a)
{
	const char *from = adm_arg(a, "from"), *to = adm_arg(a, "to");
	const char *key = adm_arg(a, "key-file");
	char fkey[4096], kbuf[KEY_MAX];
	ssize_t klen;
	bool write_key = false;
	struct stat sb;
	int ret;

	(void)unused;
	if (from == NULL || from[0] == '\0' || to == NULL)
		return adm_usage("migrate needs --from PATH and --to URI",
				 NULL);
	if (stat(from, &sb) < 0 || !S_ISREG(sb.st_mode))
		return adm_usage("--from %s: no such SQLite store", from);
	if (is_pg(from) || !is_pg(to))
		return adm_usage("--to takes a postgresql:// URI, --from a "
				 "SQLite file",
				 NULL);
	if (key == NULL || key[0] == '\0')
		return adm_usage("migrate needs --key-file KEY for the "
				 "destination's key",
				 NULL);
	if ((size_t)snprintf(fkey, sizeof(fkey), "%s.key", from) >=
	    sizeof(fkey))
		return adm_usage("--from: path too long", NULL);
	ret = key_check(fkey, key, kbuf, &klen, &write_key);
	if (ret != 0)
		return ret;
	return copy(from, to, key, kbuf, klen, write_key);
}

const struct adm_command adm_cmd_migrate = {
	"migrate", migrate_options,
	"  migrate --from PATH --to postgresql://... --key-file KEY\n",
	run_migrate};
