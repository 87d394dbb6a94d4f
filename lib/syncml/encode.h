/* Encoding our own SyncML XML as WBXML.
 *
 * Only XML written by this program (syncml/writer.h) is encoded: compact
 * elements, an xmlns attribute and nothing else, escaped text and CDATA.
 * Anything else is refused with OB_E_FAIL, never guessed at. The output is
 * what libwbxml2 0.11's converter makes of the same XML (the tests compare
 * them byte for byte), in one pass and without building a tree:
 *  - WBXML 1.2, UTF-8, no string table; the public id from the root
 *    namespace (SYNCML:SYNCML1.0/1.1/1.2);
 *  - SyncML tags on code page 0, MetInf (xmlns="syncml:metinf") on page 1,
 *    switching pages only when a tag needs it;
 *  - a DevInf element (xmlns="syncml:devinf") becomes a WBXML document of
 *    its own, of the matching DevInf version, inside OPAQUE, and a MetInf
 *    Type application/vnd.syncml-devinf+xml says +wbxml;
 *  - content with a CDATA section (vCards) becomes OPAQUE, byte for byte;
 *    other text an inline string with the entities resolved;
 *  - an element without content gets no content bit.
 * With SML_WBXML_STRTBL (for clients known to read it) the message has a
 * string table and CDATA content that is UTF-8 without NUL becomes
 * strings through it (syncml/strtbl.h): a unit's repeated vCard lines
 * are sent once per message. libwbxml2 does not do this; wbxml2xml reads
 * it back. */
#ifndef SML_ENCODE_H
#define SML_ENCODE_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

#define SML_WBXML_STRTBL 1u /* a string table for repeated vCard lines */

/* Encode xml[0..len) as WBXML 1.2 and append it to out (respecting out's
 * cap: OB_E_LIMIT). flags: 0 or SML_WBXML_STRTBL. OB_E_FAIL naming the
 * offset for XML this encoder does not take (see above); OB_E_NOMEM. */
int sml_wbxml_encode(const char *xml, size_t len, unsigned flags,
		     struct ob_buf *out, struct ob_err *err);

#endif
