/* Our own WBXML decoder for incoming SyncML (WBXML 1.1-1.3; SyncML,
 * MetInf and DevInf code pages of OMA DS 1.1/1.2), into the element tree
 * of tree.h.
 *
 * Clients' WBXML arrives before authentication, so it never goes through
 * libwbxml2 (which aborts on malformed input and mangles opaque bytes).
 * Promises: never reads past len; no recursion except one bounded level
 * for a DevInf document nested in OPAQUE; every cap of sml_limits holds;
 * OPAQUE bytes (binary MD5 digests, vCards in any charset) are kept
 * exactly; inline strings in ISO-8859-1 documents become UTF-8. Errors
 * name the byte offset. */
#ifndef SML_WBXML_H
#define SML_WBXML_H

#include <stddef.h>

#include "syncml/tree.h"

/* Decode buf[0..len). On success *tree_r is the caller's (sml_tree_free).
 * OB_E_PARSE for malformed or truncated input, unknown tokens or tags, an
 * unsupported charset; OB_E_LIMIT for the caps; OB_E_NOMEM. */
int sml_wbxml_decode(const unsigned char *buf, size_t len,
		     const struct sml_limits *lim, struct sml_tree **tree_r,
		     struct ob_err *err);

#endif
