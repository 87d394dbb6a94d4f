/* The engine's commit (sync-shared.h): the client's Map (package 5) into
 * pending map rows, and at the end of a session the anchors, revision and
 * id map of every datastore stored at once (srv_sync_commit).
 *
 * Promises: a datastore with a failed item keeps its old anchors and is
 * forced slow next time; a Map of ids that are no person of the
 * enterprise stores nothing for them, and its 404 lists the first
 * MAP_UNKNOWN_LISTED. Never: sends items; the caller (session.c) decides
 * when a session is complete enough to commit. */
#include "config.h"
#include "dirstore/syncml-state.h"
#include "syncml-server/sync-shared.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syncml/writer.h"
#include "util/str.h"

/* Unknown ids of a Map named in its 404 Status, at most. */
#define MAP_UNKNOWN_LISTED 32

void srv_sync_map(struct srv_ctx *c, const struct sml_node *map)
{
	const char *target = sml_node_text(map, "Target/LocURI");
	const char *source = sml_node_text(map, "Source/LocURI");
	int idx, code = SML_OK;
	struct srv_ds *ds = srv_sync_find_ds(c, target, &idx);
	struct ob_err err;
	struct dstore_map_pair *pairs = NULL;
	size_t n = 0, cap = 0;

	if (ds == NULL) {
		srv_status(c, sml_cmd_id(map), "Map", target, source,
			   SML_NOT_FOUND);
		return;
	}
	/* Once the server sends its items, a Map answers Adds of this session,
	 * behind the cursor: all its items go into one row of the store,
	 * applied when the session completes, never looked up before. A Map
	 * that comes earlier (the Maps of an interrupted session, resent in
	 * package 3) decides what is still to be sent: one pending row per
	 * item, which the walk looks up. */
	bool early = !ds->sent_sync;
	struct sml_writer *w = &c->reply->statuses;
	size_t unknown = 0, n_items = 0;
	const char **guids = NULL, **luids = NULL;
	int *known = NULL;
	for (const struct sml_node *mi = sml_node_child(map, "MapItem");
	     mi != NULL; mi = sml_node_next_same(mi))
		n_items++;
	guids = calloc(n_items + 1, sizeof(*guids));
	luids = calloc(n_items + 1, sizeof(*luids));
	known = calloc(n_items + 1, sizeof(*known));
	if (guids == NULL || luids == NULL || known == NULL)
		code = SML_COMMAND_FAILED;
	n_items = 0;
	for (const struct sml_node *mi = sml_node_child(map, "MapItem");
	     code != SML_COMMAND_FAILED && mi != NULL;
	     mi = sml_node_next_same(mi)) {
		const char *guid = sml_node_text(mi, "Target/LocURI");
		const char *luid = sml_node_text(mi, "Source/LocURI");
		if (*guid == '\0' || *luid == '\0' ||
		    strlen(guid) >= DSTORE_DEVICE_MAX ||
		    strlen(luid) >= DSTORE_DEVICE_MAX) {
			code = SML_INCOMPLETE;
			continue;
		}
		guids[n_items] = guid;
		luids[n_items] = luid;
		n_items++;
	}
	/* Only ids we can have sent are mapped: a Map of made-up ids, or
	 * another enterprise's, writes nothing. Asked for all the items at
	 * once (one statement per DSTORE_KNOWN_BATCH of them). */
	if (n_items > 0 &&
	    dstore_person_known_many(c->store, c->st->tenant_id, guids, n_items,
				     ds->snap_rev, known, &err) < 0) {
		code = SML_COMMAND_FAILED;
		n_items = 0;
	}
	for (size_t j = 0; j < n_items; j++) {
		const char *guid = guids[j];
		const char *luid = luids[j];
		if (!known[j]) {
			if (unknown++ == 0 && !c->msg->hdr.no_resp) {
				w = srv_status_open(c, sml_cmd_id(map), "Map",
						    NULL, NULL);
			}
			if (unknown <= MAP_UNKNOWN_LISTED &&
			    !c->msg->hdr.no_resp)
				sml_writer_text(w, "SourceRef", luid);
			continue;
		}
		if (early) {
			if (dstore_pending_put(c->store, c->st->tenant_id,
					       c->token, idx, guid, luid,
					       ds->snap_rev, DSTORE_PENDING_MAP,
					       false, &err) != 0)
				code = SML_COMMAND_FAILED;
			else
				ds->matched++;
			continue;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct dstore_map_pair *np =
				realloc(pairs, nc * sizeof(*np));
			if (np == NULL) {
				code = SML_COMMAND_FAILED;
				break;
			}
			pairs = np;
			cap = nc;
		}
		pairs[n].guid = guid;
		pairs[n].luid = luid;
		n++;
	}
	free(guids);
	free(luids);
	free(known);
	if (unknown > 0 && !c->msg->hdr.no_resp) {
		sml_writer_uint(w, "Data", SML_NOT_FOUND);
		sml_writer_close(w);
	}
	if (unknown > 0)
		ob_log(OB_LOG_WARN, &c->log,
		       "Map of %zu ids that are no person of the enterprise: "
		       "ignored (404)",
		       unknown);
	if (code != SML_COMMAND_FAILED && n > 0 &&
	    dstore_pending_maps(c->store, c->st->tenant_id, c->token, idx,
				ds->snap_rev, pairs, n, &err) != 0)
		code = SML_COMMAND_FAILED;
	free(pairs);
	/* the status of the rest (404 went for the unknown ones) */
	if (unknown == 0 || n > 0 || code != SML_OK)
		srv_status(c, sml_cmd_id(map), "Map", target, source, code);
}

int srv_sync_commit(struct srv_ctx *c)
{
	struct ob_err err;

	for (int i = 0; i < c->st->n_ds; i++) {
		struct srv_ds *ds = &c->st->ds[i];
		struct dstore_sync_state ss;
		bool replace = ds->mode == SML_ALERT_SLOW ||
			       ds->mode == SML_ALERT_REFRESH_SERVER;
		if (ds->refused)
			continue;
		int got = dstore_sync_get(
			c->store, c->st->tenant_id, c->st->account_id,
			c->msg->hdr.source_uri, ds->key, &ss, &err);
		if (got != 0 && got != OB_E_NOTFOUND) {
			/* never a second state for the device: its map
			 * would be lost */
			return srv_store_check(c, got, &err);
		}
		if (got != 0) {
			memset(&ss, 0, sizeof(ss));
			ss.account_id = c->st->account_id;
			ob_strlcpy(ss.device, c->msg->hdr.source_uri,
				   sizeof(ss.device));
			ob_strlcpy(ss.datastore, ds->key, sizeof(ss.datastore));
		}
		if (!ds->failed) {
			ob_strlcpy(ss.client_last, ds->client_next,
				   sizeof(ss.client_last));
			ob_strlcpy(ss.server_last, ds->server_next,
				   sizeof(ss.server_last));
			ss.rev = ds->snap_rev;
			ss.force_slow = false;
		} else {
			ss.force_slow = true;
		}
		ss.last_sync = ob_wall_s();
		snprintf(ss.client_info, sizeof(ss.client_info), "%s %s %s",
			 c->st->client.man, c->st->client.mod,
			 c->st->client.swv);
		int ret =
			dstore_sync_put(c->store, c->st->tenant_id, &ss, &err);
		if (ret == 0)
			ret = dstore_pending_commit(c->store, c->st->tenant_id,
						    c->token, i, ss.id, replace,
						    &err);
		if (ret != 0) {
			/* the caller's log line and answer need the cause
			 * (OB_E_BUSY reruns the message) */
			ob_log(ret == OB_E_BUSY ? OB_LOG_WARN : OB_LOG_ERROR,
			       &c->log, "cannot store sync state: %s", err.msg);
			return srv_store_check(c, ret, &err);
		}
	}
	return 0;
}
