/* The session state (struct srv_state, session.h) as the bytes stored
 * between two messages of a session (dstore_session.state), written field
 * by field in a versioned layout so that a server of another build, or on
 * another machine, reads it the same or refuses it.
 *
 * Promises: every field is written explicitly, integers as fixed-width
 * little-endian, strings as a 2-byte little-endian length and their bytes
 * (no NUL); the decoder checks every length against the input and against
 * the field's room, every boolean is 0 or 1, and the counts (datastores,
 * dialect limits) are within their arrays; the input is consumed exactly.
 * Never: no memcpy of the struct, no logging (the caller logs), no store.
 *
 * Layout, version 1: "OBST", the version byte (1), then the fields in the
 * order of state.c's put_state (header, client, then each datastore).
 * A new field means a new version: the decoder refuses versions it does
 * not know rather than guess.
 *
 * States of the builds before version 1 (a memcpy of struct srv_state,
 * beginning "SSBO") are refused as an unknown version: after an upgrade a
 * session in progress is started afresh, as a client's new session (its
 * next message gets the answer a message of no session gets; a slow or
 * fast sync then runs again from its Alert). Sessions are short-lived, so
 * this costs at most one restarted sync per device mid-session. */
#ifndef SRV_STATE_H
#define SRV_STATE_H

#include <stddef.h>

#include "dirstore/syncml-state.h"
#include "syncml-server/session.h"
#include "util/err.h"

#define SRV_STATE_VERSION 1

/* Encode st. On success *blob_r is the caller's (free()) and *len_r its
 * length. Returns 0, or OB_E_NOMEM. */
int srv_state_encode(const struct srv_state *st, unsigned char **blob_r,
		     size_t *len_r, struct ob_err *err);

/* Decode blob[0..len) into *st_r (zeroed first; fields not in the blob
 * stay zero). Returns 0; OB_E_VERSION when it is not a state of a version
 * this build knows (including the unversioned layout of older builds);
 * OB_E_PARSE when it is damaged: truncated, bytes left over, a string
 * longer than its field, a boolean not 0 or 1, a count or phase out of
 * range. err says which field at which byte offset. Never reads past
 * len. */
int srv_state_decode(const unsigned char *blob, size_t len,
		     struct srv_state *st_r, struct ob_err *err);

#endif
