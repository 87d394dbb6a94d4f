/* lib/dirstore/devlock.c: one device's SyncML requests one at a time,
 * across the threads of a process and across every process sharing the
 * database (dirstore.h dstore_device_lock).
 *
 * A device is a 63-bit key (FNV-1a of its id). In the process, a small
 * table of held keys under one mutex; on PostgreSQL also a session-level
 * advisory lock on the key (pg_try_advisory_lock), so another instance
 * waits too, and a connection that dies gives its locks back. SQLite
 * needs no second lock: one process serves an SQLite file.
 * Never: blocks without a deadline, holds more than one device per
 * connection, or keeps a lock past dstore_close. */
#include "config.h"
#include "dirstore/internal.h"
#include "dirstore/syncml-state.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "util/str.h"

#define HELD_MAX 512

static pthread_mutex_t held_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t held_cv = PTHREAD_COND_INITIALIZER;
static int64_t held[HELD_MAX];
static size_t n_held;

static int64_t device_key(const char *device)
{
	uint64_t h = 1469598103934665603ull;

	for (const unsigned char *p = (const unsigned char *)device; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return (int64_t)(h >> 1);
}

static bool is_held(int64_t key)
{
	for (size_t i = 0; i < n_held; i++) {
		if (held[i] == key)
			return true;
	}
	return false;
}

static void release_local(int64_t key)
{
	(void)pthread_mutex_lock(&held_mu);
	for (size_t i = 0; i < n_held; i++) {
		if (held[i] == key) {
			held[i] = held[--n_held];
			break;
		}
	}
	(void)pthread_cond_broadcast(&held_cv);
	(void)pthread_mutex_unlock(&held_mu);
}

/* the key in this process, until deadline (CLOCK_REALTIME) */
static bool take_local(int64_t key, const struct timespec *deadline)
{
	bool got = false;

	(void)pthread_mutex_lock(&held_mu);
	for (;;) {
		if (!is_held(key) && n_held < HELD_MAX) {
			held[n_held++] = key;
			got = true;
			break;
		}
		if (pthread_cond_timedwait(&held_cv, &held_mu, deadline) ==
		    ETIMEDOUT)
			break;
	}
	(void)pthread_mutex_unlock(&held_mu);
	return got;
}

/* the database's lock: 1 taken, 0 held by another connection, < 0 error */
static int try_db(struct dstore *s, int64_t key, struct ob_err *err)
{
	static const char *const sql_of[] = {
		[DB_DIALECT_SQLITE] = "SELECT 1",
		[DB_DIALECT_PGSQL] = "SELECT pg_try_advisory_lock(?1)",
	};
	struct db_stmt *st = ds_stmt(s, sql_of[db_dialect(s->db)], err);
	int rc, got = 0;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	if (db_dialect(s->db) == DB_DIALECT_PGSQL)
		db_bind_int64(st, 1, key);
	rc = db_step(st);
	if (rc == DB_ROW) {
		const char *v = db_column_text(st, 0);
		got = v != NULL && (v[0] == '1' || v[0] == 't');
	}
	db_reset(st);
	if (rc != DB_ROW)
		return ds_sql_err(s, rc, "lock the device", err);
	return got;
}

static void untry_db(struct dstore *s, int64_t key)
{
	struct db_stmt *st;

	if (db_dialect(s->db) != DB_DIALECT_PGSQL)
		return;
	st = ds_stmt(s, "SELECT pg_advisory_unlock(?1)", NULL);
	if (st == NULL)
		return;
	db_bind_int64(st, 1, key);
	(void)db_step(st);
	db_reset(st);
}

int dstore_device_lock(struct dstore *s, const char *device, unsigned wait_ms,
		       struct ob_err *err)
{
	int64_t key = device_key(device);
	uint64_t until = ob_now_ms() + wait_ms;
	struct timespec dl;
	int ret;

	if (s->dev_locked)
		return ob_err_set(err, OB_E_INVAL,
				  "this connection holds a device already");
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += (time_t)(wait_ms / 1000);
	dl.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	if (!take_local(key, &dl))
		return ob_err_set(err, OB_E_BUSY,
				  "device %s is busy in another request",
				  device);
	for (;;) {
		ret = try_db(s, key, err);
		if (ret != 0)
			break;
		if (ob_now_ms() >= until) {
			ret = ob_err_set(err, OB_E_BUSY,
					 "device %s is busy on another "
					 "server",
					 device);
			break;
		}
		struct timespec nap = {0, 20 * 1000000L};
		nanosleep(&nap, NULL);
	}
	if (ret < 0) {
		release_local(key);
		return ret;
	}
	s->dev_locked = true;
	s->dev_key = key;
	return 0;
}

void dstore_device_unlock(struct dstore *s)
{
	if (s == NULL || !s->dev_locked)
		return;
	untry_db(s, s->dev_key);
	release_local(s->dev_key);
	s->dev_locked = false;
}
