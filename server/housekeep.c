/* Expiry of sessions and nonces, and the photo thumbnails of sizes no
 * longer configured (see housekeep.h). */
#include "config.h"
#include "dirstore/syncml-state.h"
#include "server/housekeep.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "util/log.h"
#include "util/str.h"

struct srv_housekeep {
	struct srv *srv;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
};

/* A session that expired before its sync completed: the device gave up,
 * was killed or lost its network mid-sync (it repeats the sync later),
 * or it was still going at session-max-age. The line carries the
 * session= tag its messages' lines had. */
static void incomplete(const struct dstore_session *s, void *ctx)
{
	struct srv *srv = ctx;
	char tag[17];
	bool old = s->expires - s->created >= (int64_t)srv->cfg.session_max_age;
	struct ob_log_ctx lc = {.len = 0};

	srv_session_tag(s->token, tag);
	ob_log_ctx_add(&lc, "device", s->device);
	ob_log_ctx_add(&lc, "session", tag);
	__atomic_add_fetch(
		&srv->metrics.sessions_incomplete[old ? SRV_END_MAX_AGE
						      : SRV_END_ABANDONED],
		1, __ATOMIC_RELAXED);
	ob_log(OB_LOG_WARN, &lc,
	       "session of device '%s' (enterprise %" PRId64
	       ", account %" PRId64 ") ended without completing: %" PRId64
	       " messages in %" PRId64 " s, then %s (reason=%s)",
	       s->device, s->tenant_id, s->account_id, s->last_msg_id,
	       s->expires - s->created,
	       old ? "session-max-age reached"
		   : "nothing for session-ttl: abandoned by the client",
	       old ? "max_age" : "abandoned");
}

int srv_housekeep_sweep(struct srv *srv, struct dstore *store, int64_t now)
{
	struct ob_err err;
	int sessions = 0, nonces = 0;
	/* the thumbnail sizes in use (SyncML and the export, CardDAV);
	 * edge 0 is never stored, so {0, 0} alone removes every row */
	struct dstore_thumb_size keep[2] = {{0, 0}, {0, 0}};
	size_t n_keep = 0;
	int64_t thumbs = 0;
	int ret;

	if (srv->cfg.photo_edge > 0)
		keep[n_keep++] = (struct dstore_thumb_size){srv->cfg.photo_edge,
							    srv->cfg.max_photo};
	if (srv->cfg.carddav_photo_edge > 0)
		keep[n_keep++] = (struct dstore_thumb_size){
			srv->cfg.carddav_photo_edge, srv->cfg.carddav_photo};
	ret = dstore_session_expire(store, now, incomplete, srv, &sessions,
				    &err);
	if (ret == 0)
		ret = dstore_nonce_expire(store,
					  now - (int64_t)srv->cfg.nonce_ttl,
					  &nonces, &err);
	if (ret == 0)
		ret = dstore_thumb_prune(store, keep, n_keep > 0 ? n_keep : 1,
					 &thumbs, &err);
	if (ret != 0) {
		/* BUSY is another instance sweeping: the next round tries */
		ob_log(ret == OB_E_BUSY ? OB_LOG_DEBUG : OB_LOG_ERROR, NULL,
		       "housekeeping: %s", err.msg);
		return ret;
	}
	if (sessions > 0 || nonces > 0)
		ob_log(OB_LOG_INFO, NULL,
		       "housekeeping: %d expired sessions, %d unused nonces "
		       "deleted",
		       sessions, nonces);
	if (thumbs > 0)
		ob_log(OB_LOG_INFO, NULL,
		       "housekeeping: %" PRId64 " photo thumbnails of sizes "
		       "no longer configured deleted",
		       thumbs);
	return 0;
}

static void *run(void *p)
{
	struct srv_housekeep *hk = p;
	struct timespec until;

	pthread_mutex_lock(&hk->lock);
	while (!hk->stop) {
		pthread_mutex_unlock(&hk->lock);
		struct dstore *store = srv_store(hk->srv);
		if (store != NULL)
			(void)srv_housekeep_sweep(hk->srv, store, ob_wall_s());
		pthread_mutex_lock(&hk->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)hk->srv->cfg.housekeeping;
		while (!hk->stop && pthread_cond_timedwait(&hk->wake, &hk->lock,
							   &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&hk->lock);
	srv_store_release();
	return NULL;
}

struct srv_housekeep *srv_housekeep_start(struct srv *srv)
{
	struct srv_housekeep *hk = calloc(1, sizeof(*hk));

	if (hk == NULL) {
		ob_log(OB_LOG_ERROR, NULL, "housekeeping: out of memory");
		return NULL;
	}
	hk->srv = srv;
	pthread_mutex_init(&hk->lock, NULL);
	pthread_cond_init(&hk->wake, NULL);
	if (pthread_create(&hk->thread, NULL, run, hk) != 0) {
		ob_log(OB_LOG_ERROR, NULL, "housekeeping: no thread");
		pthread_cond_destroy(&hk->wake);
		pthread_mutex_destroy(&hk->lock);
		free(hk);
		return NULL;
	}
	return hk;
}

void srv_housekeep_stop(struct srv_housekeep **p)
{
	struct srv_housekeep *hk = *p;

	if (hk == NULL)
		return;
	pthread_mutex_lock(&hk->lock);
	hk->stop = true;
	pthread_cond_signal(&hk->wake);
	pthread_mutex_unlock(&hk->lock);
	pthread_join(hk->thread, NULL);
	pthread_cond_destroy(&hk->wake);
	pthread_mutex_destroy(&hk->lock);
	free(hk);
	*p = NULL;
}
