/* The store and server the SyncML engine fuzz targets run on: one
 * enterprise "fz" (MD5 allowed), the account fuzz@fz / fuzz-password-1, a
 * unit and three people, in a temporary SQLite file that lives as long as
 * the process (sessions persist between inputs, as on a real server). */
#ifndef FUZZ_SYNCML_FIXTURE_H
#define FUZZ_SYNCML_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "dirstore/dirstore.h"
#include "syncml-server/server.h"
#include "syncml/msg.h"

extern struct dstore *fz_store;
extern struct srv fz_server;

/* Create the store and the server's config once (aborts on failure). */
void fz_setup(void);
/* Let the next inputs reach the authenticated paths. */
void fz_unthrottle(void);
/* Hand one message to the engine; *rs is the caller's to deinit. */
void fz_handle(const unsigned char *body, size_t len, bool wbxml,
	       const char *token, struct srv_response *rs);
/* Abort unless rs is an HTTP status we use and a 200 decodes again (by
 * its Content-Type) with a SyncHdr. When m_r is not NULL and rs is 200,
 * *m_r gets the decoded reply (sml_msg_deinit it). */
void fz_check_reply(const struct srv_response *rs, struct sml_msg *m_r);

#endif
