/* Base64 (RFC 4648, standard alphabet, with padding), as SyncML uses it
 * for credentials and nonces. */
#ifndef OB_B64_H
#define OB_B64_H

#include <stddef.h>

/* Encode src[0..len) into dst (size >= 4 * ((len + 2) / 3) + 1, NUL
 * added). Returns the length written, or 0 when dst is too small. */
size_t ob_b64_encode(const unsigned char *src, size_t len, char *dst,
		     size_t size);
/* Decode src[0..len) (white space skipped, padding optional) into dst.
 * Returns 0 and *len_r, OB_E_PARSE for a bad character or length, or
 * OB_E_LIMIT when dst is too small. */
int ob_b64_decode(const char *src, size_t len, unsigned char *dst, size_t size,
		  size_t *len_r);

#endif
