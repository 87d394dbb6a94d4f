/* lib/dirfeed: the change feed, what any front end (SyncML today; CardDAV
 * sync tokens, LDAP and phonebooks next) sends to bring its copy of one
 * view of the directory from a revision it kept to now.
 *
 * A view is an enterprise and a unit subtree (0: the whole directory);
 * hidden people are never in it. A copy is described by the revision it
 * is at (its token: 0 for a copy that holds nothing) and a cursor, the
 * last person id it was given in this pass, so that a front end may stop
 * when its message is full and go on from there.
 *
 * Promises:
 * - dfeed_changes gives each person who entered, changed in or left the
 *   view since the token, once, in person id order after the cursor, at a
 *   cost proportional to the changes, not to the directory; a token below
 *   the pruned horizon is OB_E_GONE (the copy must be listed again),
 *   never a partial delta;
 * - dfeed_list walks the whole view in person id order after the cursor,
 *   one page at a time, memory not growing with the directory;
 * - dfeed_in_view says whether one person is in the view now;
 * - dfeed_token is the revision a new copy gets.
 * Never: knows a protocol, renders a card, writes to the store, logs. */
#ifndef DFEED_FEED_H
#define DFEED_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirstore/dirstore.h"
#include "util/err.h"

struct dfeed_view {
	int64_t tenant_id;
	int64_t unit_id; /* 0: the whole directory, else this subtree */
};

enum dfeed_kind {
	DFEED_ADD = DSTORE_CHANGE_ADD,       /* entered the view */
	DFEED_MODIFY = DSTORE_CHANGE_MODIFY, /* in it before and now, changed */
	DFEED_REMOVE = DSTORE_CHANGE_REMOVE, /* left it: deleted, hidden,
						moved out */
};

/* One entry, borrowed for the call of fn. person is set by dfeed_list
 * only (the listed person, with its photo when asked). */
struct dfeed_entry {
	enum dfeed_kind kind;
	int64_t person_id;
	const char *uid;
	int64_t rev; /* the last revision that touched the person */
	const struct dstore_person *person;
};

/* The people who changed in the view since token, after the cursor
 * (person ids greater than after_id), in person id order; *upto_r gets
 * the revision the answer is complete up to (the copy's next token).
 * fn returns non-zero to stop (that value is returned). OB_E_GONE for a
 * token below the pruned horizon. */
int dfeed_changes(struct dstore *store, const struct dfeed_view *view,
		  int64_t token, int64_t after_id,
		  int (*fn)(const struct dfeed_entry *e, void *ctx), void *ctx,
		  int64_t *upto_r, struct ob_err *err);

/* The people of the view after the cursor, in person id order, at most
 * limit (0: all) as DFEED_ADD entries with the person, its photo when
 * with_photo. fn returns non-zero to stop (that value is returned). */
int dfeed_list(struct dstore *store, const struct dfeed_view *view,
	       int64_t after_id, size_t limit, bool with_photo,
	       int (*fn)(const struct dfeed_entry *e, void *ctx), void *ctx,
	       struct ob_err *err);

/* Is the person uid in the view now? 1, 0 (also when there is no such
 * person) or an OB_E_* of the store. */
int dfeed_in_view(struct dstore *store, const struct dfeed_view *view,
		  const char *uid, struct ob_err *err);

/* The enterprise's revision now: the token of a copy made now. */
int dfeed_token(struct dstore *store, int64_t tenant_id, int64_t *token_r,
		struct ob_err *err);

#endif
