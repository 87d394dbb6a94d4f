/* The agent's local copy of the directory: one SQLite file (WAL,
 * synchronous=NORMAL) with the cards as received, the fields search needs,
 * an FTS5 index (names, pinyin, title, unit, email) and a phone-number
 * suffix index for caller ID, plus the sync state (anchors, server, time).
 *
 * Promises:
 * - A person is keyed by the server's id (guid); its local id (luid) is
 *   the row id and never changes, so a card received twice (an interrupted
 *   session repeated) updates the same row: no duplicates.
 * - Writes happen between agent_store_begin and agent_store_commit; a
 *   sync applies a whole message's items, and at its end the anchors, in
 *   transactions of their own, so a killed agent loses at most the message
 *   in flight (the server sends it again). The FTS5 rows of a
 *   transaction's people are written at its commit (one index segment per
 *   batch, not per person); a search inside the transaction writes them
 *   first, so it finds them too.
 * - Search costs are those of indexed queries, not of the directory size.
 * Only agent/ knows this schema. */
#ifndef AGENT_STORE_H
#define AGENT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct agent_store;

/* Open the store at path, creating it (mode 0600 whatever the umask; its
 * -wal and -shm files get the same mode) when there is none. An older
 * layout is emptied for a slow sync; OB_E_VERSION for a newer one,
 * OB_E_IO when it cannot be opened. */
int agent_store_open(const char *path, struct agent_store **s_r,
		     struct ob_err *err);
void agent_store_close(struct agent_store **s);

int agent_store_begin(struct agent_store *s, struct ob_err *err);
int agent_store_commit(struct agent_store *s, struct ob_err *err);
void agent_store_rollback(struct agent_store *s);

/* Settings and sync state: "url", "user", "last", "server_last",
 * "last_sync", "vcard", ... (strings). get gives "" when unset, and ""
 * with an OB_E_* when the store cannot be read. */
int agent_store_get(struct agent_store *s, const char *key, char *val,
		    size_t size, struct ob_err *err);
int agent_store_set(struct agent_store *s, const char *key, const char *val,
		    struct ob_err *err);

/* Insert or replace the person with server id guid from its vCard text
 * (any version). *luid_r gets its local id. OB_E_PARSE for a card that
 * does not parse, OB_E_LIMIT for one over a vCard limit (bytes, line,
 * properties, photo): nothing written, err->line and err->field name the
 * card's line and property, err->msg says "line N, PROP: why". */
int agent_store_put(struct agent_store *s, const char *guid, const char *card,
		    size_t len, int64_t *luid_r, struct ob_err *err);
/* Delete by local id; OB_E_NOTFOUND when none. */
int agent_store_delete(struct agent_store *s, int64_t luid, struct ob_err *err);
/* Every put from now on carries generation gen; sweep deletes the people
 * whose generation is older (after a slow sync: whoever the server did
 * not send is gone). *n_r (may be NULL) gets how many. */
void agent_store_mark(struct agent_store *s, int64_t gen);
int agent_store_sweep(struct agent_store *s, int64_t gen, int64_t *n_r,
		      struct ob_err *err);
/* Give the person with server id guid (if any) the current generation
 * without changing it: a card the server sent but we refused keeps the
 * copy we had through the sweep. */
int agent_store_keep(struct agent_store *s, const char *guid,
		     struct ob_err *err);
/* The server id of a local id. OB_E_NOTFOUND. */
int agent_store_guid(struct agent_store *s, int64_t luid, char *guid,
		     size_t size, struct ob_err *err);
/* Remove everyone. */
int agent_store_clear(struct agent_store *s, struct ob_err *err);
int agent_store_count(struct agent_store *s, int64_t *n_r, struct ob_err *err);

struct agent_person {
	int64_t luid;
	const char *guid, *name, *title, *unit, *phones, *emails;
	double rank; /* search: lower is better */
};

/* Search names (characters, full pinyin, pinyin initials), title, unit,
 * email, and phone numbers (4+ digits of any part). Ranked; at most limit
 * hits. fn's return stops the walk. */
int agent_store_search(struct agent_store *s, const char *query, int limit,
		       int (*fn)(const struct agent_person *p, void *ctx),
		       void *ctx, struct ob_err *err);
/* Caller ID: people whose number ends with the digits of `number`
 * (spaces, dashes and a +country prefix ignored; at least 4 digits). */
int agent_store_lookup_number(struct agent_store *s, const char *number,
			      int (*fn)(const struct agent_person *p,
					void *ctx),
			      void *ctx, struct ob_err *err);
/* The people directly in unit `path` and its sub-units' names with their
 * head counts (whole subtree). "" = the top. */
int agent_store_units(struct agent_store *s, const char *path,
		      int (*unit_fn)(const char *name, int64_t count,
				     void *ctx),
		      int (*person_fn)(const struct agent_person *p, void *ctx),
		      void *ctx, struct ob_err *err);
/* The card of a person by local id or server id. *card_r is malloc'd. */
int agent_store_card(struct agent_store *s, const char *id, char **card_r,
		     struct ob_err *err);
/* Every card, in local id order, optionally of one unit subtree. */
int agent_store_cards(struct agent_store *s, const char *unit,
		      int (*fn)(const char *card, void *ctx), void *ctx,
		      struct ob_err *err);

#endif
