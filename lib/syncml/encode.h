/* Encoding our own SyncML XML as WBXML with libwbxml2.
 *
 * Only XML written by this program goes through libwbxml2 (it is never fed
 * outside input: wbxml.c decodes what clients send). libwbxml2 picks the
 * public id from the root namespace (so generated XML must carry
 * xmlns="SYNCML:SYNCML1.x"), embeds DevInf as nested WBXML, writes vCard
 * Data as OPAQUE and turns LF into CRLF inside it. The result is copied
 * into our buffer and libwbxml2's memory freed at once. */
#ifndef SML_ENCODE_H
#define SML_ENCODE_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

/* Encode xml[0..len) as WBXML 1.2 and append it to out (respecting out's
 * cap: OB_E_LIMIT). OB_E_FAIL with libwbxml2's message when it refuses. */
int sml_wbxml_encode(const char *xml, size_t len, struct ob_buf *out,
		     struct ob_err *err);

#endif
