/* The engine's alerts (sync-shared.h): the client's Alert for a datastore
 * answered with its Status and the server's own Alert, the mode decided by
 * the anchor rule (sync.h), and the client's Status for our commands (508
 * on an Alert turns the datastore to its slow variant; a failed item marks
 * it failed). OMA DS Protocol 1.2 §5.2, §6.1, §7.
 *
 * Promises: one srv_ds per datastore the client alerted, at most
 * SRV_DS_MAX; a refused alert (unknown datastore, no anchor, not allowed)
 * gets its status and no sync. Never: sends items, changes the directory,
 * stores anchors (sync-commit.c does, at the end). */
#include "config.h"
#include "dirstore/syncml-state.h"
#include "syncml-server/sync-shared.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "syncml-server/status.h"
#include "syncml/writer.h"
#include "util/str.h"

/* ---- datastores -------------------------------------------------------- */

int srv_sync_resolve(struct srv_ctx *c, const char *uri, char *key,
		     size_t key_size, int64_t *unit_r)
{
	char norm[SRV_URI_MAX];
	struct ob_err err;

	sml_uri_normalize(uri, norm, sizeof(norm));
	*unit_r = 0;
	if (strcasecmp(norm, "contacts") == 0) {
		ob_strlcpy(key, "contacts", key_size);
		return 0;
	}
	if (strncasecmp(norm, "contacts/", 9) != 0 || norm[9] == '\0')
		return OB_E_NOTFOUND;
	int ret = dstore_unit_ensure_path(c->store, c->st->tenant_id, norm + 9,
					  false, unit_r, &err);
	if (ret != 0)
		return ret;
	snprintf(key, key_size, "contacts/%s", norm + 9);
	return 0;
}

struct srv_ds *srv_sync_find_ds(struct srv_ctx *c, const char *uri, int *idx_r)
{
	char norm[SRV_URI_MAX], k[SRV_URI_MAX];

	sml_uri_normalize(uri, norm, sizeof(norm));
	for (int i = 0; i < c->st->n_ds; i++) {
		sml_uri_normalize(c->st->ds[i].uri, k, sizeof(k));
		if (strcasecmp(norm, k) == 0) {
			if (idx_r != NULL)
				*idx_r = i;
			return &c->st->ds[i];
		}
	}
	return NULL;
}

static void write_anchor_item(struct sml_writer *w, const char *next)
{
	sml_writer_open(w, "Item", NULL);
	sml_writer_open(w, "Data", NULL);
	sml_writer_open(w, "Anchor", "syncml:metinf");
	sml_writer_text(w, "Next", next);
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_close(w);
}

/* Status for an Alert, echoing the client's Next anchor in an Item after
 * the code (the DTD's order: Data, then Item*). */
static void alert_status(struct srv_ctx *c, uint64_t cmd_ref,
			 const char *target, const char *source, int code,
			 const char *next)
{
	if (c->msg->hdr.no_resp)
		return;
	struct sml_writer *w =
		srv_status_open(c, cmd_ref, "Alert", target, source);
	sml_writer_uint(w, "Data", (uint64_t)code);
	if (next != NULL && *next != '\0')
		write_anchor_item(w, next);
	sml_writer_close(w);
}

static void server_alert(struct srv_ctx *c, const struct srv_ds *ds)
{
	struct sml_writer *w = &c->reply->cmds;

	sml_writer_open(w, "Alert", NULL);
	sml_writer_uint(w, "CmdID", srv_reply_next_cmd(c->reply));
	sml_writer_uint(w, "Data", (uint64_t)ds->mode);
	sml_writer_open(w, "Item", NULL);
	sml_writer_open(w, "Target", NULL);
	sml_writer_text(w, "LocURI", ds->client_uri);
	sml_writer_close(w);
	sml_writer_open(w, "Source", NULL);
	sml_writer_text(w, "LocURI", ds->uri);
	sml_writer_close(w);
	sml_writer_open(w, "Meta", NULL);
	sml_writer_open(w, "Anchor", "syncml:metinf");
	if (*ds->server_last != '\0')
		sml_writer_text(w, "Last", ds->server_last);
	sml_writer_text(w, "Next", ds->server_next);
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_close(w);
}

static int slow_variant(int code)
{
	switch (code) {
	case SML_ALERT_TWO_WAY:
		return SML_ALERT_SLOW;
	case SML_ALERT_ONE_WAY_SERVER:
		return SML_ALERT_REFRESH_SERVER;
	default:
		return code;
	}
}

/* The anchor rule (sync.h): why a two-way or one-way sync must be slow,
 * NULL when it may be fast (*r says it for /metrics). ss is the device's
 * state, NULL when none. */
static const char *slow_reason(const struct srv_ctx *c,
			       const struct dstore_sync_state *ss,
			       const char *last, enum srv_slow_reason *r)
{
	if (ss == NULL || *ss->client_last == '\0') {
		*r = SRV_SLOW_FIRST;
		return "no completed sync";
	}
	if (strcmp(ss->client_last, last) != 0) {
		*r = SRV_SLOW_ANCHOR;
		return "anchor mismatch";
	}
	if (ss->force_slow) {
		*r = SRV_SLOW_RESYNC;
		return "resync requested";
	}
	if (dstore_rev_pruned(ss->rev, c->tenant.pruned_rev)) {
		*r = SRV_SLOW_HISTORY_PRUNED;
		return "change history pruned";
	}
	return NULL;
}

/* The datastore slot for target, cleared: its own when alerted again (a
 * retried package 1 after a challenge starts it afresh), else a new one;
 * NULL when the session has no room for another. */
static struct srv_ds *claim_ds(struct srv_ctx *c, const char *target)
{
	struct ob_err err;
	int idx;
	struct srv_ds *ds = srv_sync_find_ds(c, target, &idx);

	if (ds == NULL) {
		if (c->st->n_ds >= SRV_DS_MAX)
			return NULL;
		idx = c->st->n_ds++;
		ds = &c->st->ds[idx];
	} else {
		(void)srv_store_check(c,
				      dstore_pending_drop(c->store,
							  c->st->tenant_id,
							  c->token, idx, &err),
				      &err);
	}
	memset(ds, 0, sizeof(*ds));
	return ds;
}

/* The datastore's mode for the alerted code, and the Status for the
 * Alert. No suspend/resume: a resume gets 509 and a normal two-way sync
 * when its anchors allow one (a slow sync with 508 when not), as the
 * Synthesis engine answers it: its clients then send every change since
 * their last completed sync. (Our 508 once reached SyncEvolution's Get
 * instead, after a challenge: see refuse_commands in session.c.) ss is
 * the device's committed state, NULL when it has none. */
static int decide_mode(struct srv_ctx *c, struct srv_ds *ds, int code,
		       const struct dstore_sync_state *ss, const char *last)
{
	int status = code == SML_ALERT_RESUME ? SML_RESUME_REFUSED : SML_OK;
	int mode = code == SML_ALERT_RESUME ? SML_ALERT_TWO_WAY : code;

	if (mode == SML_ALERT_TWO_WAY || mode == SML_ALERT_ONE_WAY_SERVER) {
		enum srv_slow_reason r;
		const char *why = slow_reason(c, ss, last, &r);
		if (why != NULL) {
			srv_metrics_slow(c->srv, r);
			ob_log(OB_LOG_INFO, &c->log,
			       "datastore %s: %s, slow sync (508)", ds->key,
			       why);
			status = SML_REFRESH_REQUIRED;
			mode = slow_variant(mode);
		} else {
			ds->since_rev = ss->rev;
		}
	}
	if (code == SML_ALERT_SLOW)
		srv_metrics_slow(c->srv, SRV_SLOW_CLIENT);
	ds->mode = mode;
	return status;
}

void srv_sync_alert(struct srv_ctx *c, const struct sml_node *alert, int code)
{
	const struct sml_node *item = sml_node_child(alert, "Item");
	uint64_t cmd_id = sml_cmd_id(alert);
	const char *target = sml_node_text(item, "Target/LocURI");
	const char *source = sml_node_text(item, "Source/LocURI");
	const char *last = sml_meta(item, alert, "Anchor/Last");
	const char *next = sml_meta(item, alert, "Anchor/Next");
	struct dstore_sync_state ss;
	struct ob_err err;
	struct srv_ds *ds;

	if (*target == '\0')
		target = source; /* Sony Ericsson C510 leaves Target empty */
	if (item == NULL || *source == '\0' || *next == '\0' ||
	    strlen(source) >= SRV_URI_MAX ||
	    strlen(next) >= DSTORE_ANCHOR_MAX ||
	    strlen(last) >= DSTORE_ANCHOR_MAX) {
		ob_log(OB_LOG_WARN, &c->log,
		       "alert without datastore or Next anchor, or too long");
		alert_status(c, cmd_id, target, source, SML_INCOMPLETE, NULL);
		return;
	}
	char key[SRV_URI_MAX];
	int64_t unit = 0;
	int ret = srv_sync_resolve(c, target, key, sizeof(key), &unit);
	if (ret != 0) {
		ob_log(OB_LOG_WARN, &c->log, "unknown datastore '%s'", target);
		alert_status(c, cmd_id, target, source,
			     ret == OB_E_NOTFOUND ? SML_NOT_FOUND
						  : srv_status_of(ret),
			     NULL);
		return;
	}
	if (code == SML_ALERT_ONE_WAY_CLIENT ||
	    code == SML_ALERT_REFRESH_CLIENT) {
		ob_log(OB_LOG_WARN, &c->log,
		       "client asked to write to the read-only directory "
		       "(alert %d)",
		       code);
		alert_status(c, cmd_id, target, source, SML_NOT_ALLOWED, NULL);
		return;
	}
	ds = claim_ds(c, target);
	if (ds == NULL) {
		alert_status(c, cmd_id, target, source, SML_NOT_SUPPORTED,
			     NULL);
		return;
	}
	ob_strlcpy(ds->uri, target, sizeof(ds->uri));
	ob_strlcpy(ds->client_uri, source, sizeof(ds->client_uri));
	ob_strlcpy(ds->key, key, sizeof(ds->key));
	ob_strlcpy(ds->client_next, next, sizeof(ds->client_next));
	ds->unit_id = unit;
	ds->vcard = c->st->client.vcard != 0 ? c->st->client.vcard : 21;
	ds->snap_rev = c->tenant.revision;
	snprintf(ds->server_next, sizeof(ds->server_next),
		 "%" PRId64 ".%" PRId64, ds->snap_rev, ob_wall_s());

	bool have = srv_store_check(c,
				    dstore_sync_get(c->store, c->st->tenant_id,
						    c->st->account_id,
						    c->msg->hdr.source_uri, key,
						    &ss, &err),
				    &err) == 0;
	if (have)
		ob_strlcpy(ds->server_last, ss.server_last,
			   sizeof(ds->server_last));
	int status = decide_mode(c, ds, code, have ? &ss : NULL, last);
	if (code == SML_ALERT_RESUME)
		ob_log(OB_LOG_INFO, &c->log,
		       "datastore %s: resume (225) not served: %d and a %s "
		       "sync",
		       key, status,
		       status == SML_REFRESH_REQUIRED ? "slow" : "two-way");
	alert_status(c, cmd_id, target, source, status, next);
	server_alert(c, ds);
}

void srv_sync_status(struct srv_ctx *c, const struct sml_node *status)
{
	const char *cmd = sml_node_text(status, "Cmd");
	uint64_t code = 0;

	if (!sml_node_uint(status, "Data", 999, &code))
		return;
	if (strcmp(cmd, "Alert") == 0 && code == SML_REFRESH_REQUIRED) {
		/* The client's anchors disagree: slow sync that datastore. */
		const char *target = sml_node_text(status, "SourceRef");
		int idx;
		struct srv_ds *ds = srv_sync_find_ds(c, target, &idx);
		struct ob_err err;
		if (ds != NULL && ds->mode != SML_ALERT_SLOW &&
		    ds->mode != SML_ALERT_REFRESH_SERVER) {
			ds->mode = slow_variant(ds->mode);
			ds->since_rev = 0;
			(void)srv_store_check(
				c,
				dstore_pending_drop(c->store, c->st->tenant_id,
						    c->token, idx, &err),
				&err);
		}
		return;
	}
	if ((strcmp(cmd, "Add") == 0 || strcmp(cmd, "Replace") == 0 ||
	     strcmp(cmd, "Delete") == 0) &&
	    code >= 300 && code != 418) {
		/* An item failed on the device: finish, but sync that
		 * datastore slowly next time rather than lose it. */
		for (int i = 0; i < c->st->n_ds; i++)
			if (c->st->ds[i].sent_sync)
				c->st->ds[i].failed = true;
		ob_log(OB_LOG_WARN, &c->log, "client answered %s with %" PRIu64,
		       cmd, code);
	}
}
