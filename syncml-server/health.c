/* Health of the store (see health.h). */
#include "config.h"
#include "syncml-server/health.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "util/str.h"

void srv_health_note(struct srv *srv, int ret)
{
	int64_t now = ob_wall_s();

	if (ret == 0)
		__atomic_store_n(&srv->io_ok_at, now, __ATOMIC_RELAXED);
	else if (ret == OB_E_IO)
		__atomic_store_n(&srv->io_error_at, now, __ATOMIC_RELAXED);
}

/* Bytes free to us on the file system of the database, or -1. */
static int64_t free_bytes(const char *db)
{
	char dir[SRV_PATH_MAX];
	struct statvfs v;
	const char *slash = strrchr(db, '/');

	if (slash == NULL)
		ob_strlcpy(dir, ".", sizeof(dir));
	else if (slash == db)
		ob_strlcpy(dir, "/", sizeof(dir));
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - db), db);
	if (statvfs(dir, &v) != 0)
		return -1;
	return (int64_t)v.f_bavail * (int64_t)v.f_frsize;
}

bool srv_health_check(struct srv *srv, struct dstore *store, char *why,
		      size_t size)
{
	struct dstore_tenant t;
	struct ob_err err;

	if (store == NULL) {
		ob_strlcpy(why, "database unavailable", size);
		return false;
	}
	if (dstore_tenant_get(store, 1, &t, &err) != 0 &&
	    err.code != OB_E_NOTFOUND) {
		snprintf(why, size, "database unavailable: %s", err.msg);
		return false;
	}
	int64_t avail = free_bytes(srv->cfg.db);
	if (avail >= 0 && (uint64_t)avail < srv->cfg.min_free) {
		snprintf(why, size,
			 "disk full: %" PRId64 " bytes free for the database, "
			 "under min-free-space %zu",
			 avail, srv->cfg.min_free);
		return false;
	}
	if (__atomic_load_n(&srv->io_error_at, __ATOMIC_RELAXED) >=
	    __atomic_load_n(&srv->io_ok_at, __ATOMIC_RELAXED)) {
		if (__atomic_load_n(&srv->io_error_at, __ATOMIC_RELAXED) == 0)
			return true; /* neither yet */
		int ret = dstore_write_probe(store, ob_wall_s(), &err);
		srv_health_note(srv, ret);
		if (ret != 0) {
			snprintf(why, size, "database writes fail: %s",
				 err.msg);
			return false;
		}
	}
	return true;
}
