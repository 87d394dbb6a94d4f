/* Base64 encoding and decoding (see b64.h). */
#include "util/b64.h"

#include "util/err.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t ob_b64_encode(const unsigned char *src, size_t len, char *dst,
		     size_t size)
{
	size_t need = 4 * ((len + 2) / 3) + 1, o = 0;

	if (size < need)
		return 0;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)src[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)src[i + 1] << 8;
		if (i + 2 < len)
			v |= src[i + 2];
		dst[o++] = alphabet[(v >> 18) & 63];
		dst[o++] = alphabet[(v >> 12) & 63];
		dst[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		dst[o++] = i + 2 < len ? alphabet[v & 63] : '=';
	}
	dst[o] = '\0';
	return o;
}

static int value_of(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int ob_b64_decode(const char *src, size_t len, unsigned char *dst, size_t size,
		  size_t *len_r)
{
	unsigned acc = 0;
	int bits = 0, pad = 0;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = src[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		int v = value_of(c);
		if (v < 0 || pad > 0)
			return OB_E_PARSE;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= size)
				return OB_E_LIMIT;
			dst[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* 6 leftover bits cannot come from whole bytes. */
	if (bits >= 6 || pad > 2)
		return OB_E_PARSE;
	*len_r = o;
	return 0;
}
