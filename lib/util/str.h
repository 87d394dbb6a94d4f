/* Bounded string helpers: number parsing without sscanf/atoi, copying
 * without strcpy, UTF-8 validation, hex, random tokens, monotonic time.
 *
 * Every parser takes an explicit length and never reads past it. */
#ifndef OB_STR_H
#define OB_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parse an unsigned decimal in s[0..len) (no sign, no spaces, at least one
 * digit) not above max. Returns 0, or OB_E_PARSE / OB_E_LIMIT. */
int ob_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *value_r);

/* Parse a signed decimal (optional leading '-') within [min, max]. */
int ob_parse_i64(const char *s, size_t len, int64_t min, int64_t max,
		 int64_t *value_r);

/* Copy at most size-1 bytes and NUL-terminate. Returns strlen(src); a
 * result >= size means truncation. */
size_t ob_strlcpy(char *dst, const char *src, size_t size);

/* malloc'd copy of s[0..len) with a NUL; NULL on allocation failure. */
char *ob_strndup(const char *s, size_t len);

/* true when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF). When nul_ok is false an embedded NUL is invalid. */
bool ob_utf8_valid(const char *s, size_t len, bool nul_ok);

/* Offset of the first invalid byte, or len when valid. */
size_t ob_utf8_invalid_at(const char *s, size_t len, bool nul_ok);

/* Decode one code point at s[0..len); returns its byte length (1..4) and
 * stores it in *cp_r, or 0 when invalid. */
size_t ob_utf8_decode(const char *s, size_t len, uint32_t *cp_r);

/* Encode code point cp into out (up to 4 bytes); returns the byte length,
 * or 0 for a surrogate or a value above U+10FFFF. */
size_t ob_utf8_encode(uint32_t cp, unsigned char out[4]);

/* Lowercase hex of data into out (2*len+1 bytes). */
void ob_hex_encode(const void *data, size_t len, char *out);

/* len bytes from the kernel's CSPRNG (getrandom). 0 or OB_E_IO. */
int ob_random_bytes(void *buf, size_t len);

/* Random token: nbytes of randomness as 2*nbytes hex chars + NUL in out. */
int ob_random_hex(char *out, size_t nbytes);

/* Monotonic clock in milliseconds / microseconds. */
uint64_t ob_now_ms(void);
uint64_t ob_now_us(void);

/* Wall clock, seconds since the epoch. */
int64_t ob_wall_s(void);

/* ASCII case-insensitive compare of two NUL-terminated strings. */
bool ob_str_ieq(const char *a, const char *b);

/* Trim ASCII spaces and tabs at both ends of s[0..*len): returns the new
 * start and updates *len. */
const char *ob_str_trim(const char *s, size_t *len);

#endif
