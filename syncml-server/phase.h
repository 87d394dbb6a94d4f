/* The phases of a SyncML session and the only code that moves between
 * them. A session is in one phase between messages (kept in its stored
 * state); each message moves it at most twice: once when its commands
 * have run (the client's package may be complete), once when our reply
 * is built (our package may be complete, the session committed).
 *
 *            client final            client final           our final
 *   ┌──────┐ (pkg 1 done) ┌──────┐ (pkg 3 done) ┌──────┐ (pkg 4 done) ┌─────┐
 *   │ INIT │─────────────>│ SYNC │─────────────>│ SEND │─────────────>│ MAP │
 *   └──────┘  [reply:     └──────┘              └──────┘              └─────┘
 *    Alerts,   pkg 2]      statuses [+222]      items, 222 loop          │
 *    DevInf                                                              │
 *                               client final and the commit succeeded    │
 *                                      (pkg 5 done)  ┌──────┐            │
 *                                                    │ DONE │<───────────┘
 *                                                    └──────┘
 *
 * | from | on                                    | to   | where           |
 * |------|---------------------------------------|------|-----------------|
 * | INIT | commands ran, the client's final      | SYNC | process()       |
 * | SYNC | commands ran, the client's final      | SEND | process()       |
 * | SEND | reply built, our final (all sent)     | MAP  | finish_reply()  |
 * | MAP  | reply built, client final, committed  | DONE | finish_reply()  |
 * Nothing else moves a phase: a message that is not final, or a reply
 * that is not, leaves it where it is; DONE is never left (a new sync is a
 * new session). The functions are pure: they decide, session.c acts. */
#ifndef SRV_PHASE_H
#define SRV_PHASE_H

#include <stdbool.h>

enum srv_phase {
	SRV_PHASE_INIT = 0, /* waiting for (the rest of) package 1 */
	SRV_PHASE_SYNC = 1, /* client sending package 3 */
	SRV_PHASE_SEND = 2, /* we are sending package 4 */
	SRV_PHASE_MAP = 3,  /* waiting for package 5 */
	SRV_PHASE_DONE = 4,
};

/* The phase once a message's commands have run; client_final: the
 * message carries Final. An unknown phase is returned as it is. */
int srv_phase_after_commands(int phase, bool client_final);
/* The phase once our reply is built: reply_final, the reply carries
 * Final; committed, the session's anchors and map were committed in this
 * message (only ever so in MAP with the client's final). */
int srv_phase_after_reply(int phase, bool client_final, bool reply_final,
			  bool committed);
/* The phase's name for logs ("init", ..., "done"; "?" when unknown). */
const char *srv_phase_name(int phase);

#endif
