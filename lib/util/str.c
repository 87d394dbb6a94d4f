/* Bounded parsing and small string utilities (no sscanf/atoi/strcpy). */
#include "config.h"
#include "util/str.h"
#include "util/err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

int ob_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *value_r)
{
	uint64_t v = 0;

	if (len == 0)
		return OB_E_PARSE;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return OB_E_PARSE;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return OB_E_LIMIT;
		v = v * 10 + d;
	}
	if (v > max)
		return OB_E_LIMIT;
	*value_r = v;
	return 0;
}

int ob_parse_i64(const char *s, size_t len, int64_t min, int64_t max,
		 int64_t *value_r)
{
	uint64_t mag;
	bool neg = len > 0 && s[0] == '-';
	int ret;

	ret = ob_parse_u64(s + neg, len - neg, (uint64_t)INT64_MAX + neg, &mag);
	if (ret < 0)
		return ret;
	if (neg) {
		int64_t v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN
							   : -(int64_t)mag;
		if (v < min)
			return OB_E_LIMIT;
		*value_r = v;
	} else {
		if ((int64_t)mag > max)
			return OB_E_LIMIT;
		*value_r = (int64_t)mag;
	}
	if (*value_r < min)
		return OB_E_LIMIT;
	return 0;
}

size_t ob_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size > 0) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

char *ob_strndup(const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (p == NULL)
		return NULL;
	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

size_t ob_utf8_encode(uint32_t cp, unsigned char out[4])
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xC0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			return 0;
		out[0] = (unsigned char)(0xE0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp > 0x10FFFF)
		return 0;
	out[0] = (unsigned char)(0xF0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

size_t ob_utf8_decode(const char *s, size_t len, uint32_t *cp_r)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t n;

	if (len == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp_r = p[0];
		return 1;
	} else if ((p[0] & 0xE0) == 0xC0) {
		n = 2;
		cp = p[0] & 0x1F;
	} else if ((p[0] & 0xF0) == 0xE0) {
		n = 3;
		cp = p[0] & 0x0F;
	} else if ((p[0] & 0xF8) == 0xF0) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	*cp_r = cp;
	return n;
}

size_t ob_utf8_invalid_at(const char *s, size_t len, bool nul_ok)
{
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n;

		if ((unsigned char)s[i] < 0x80) {
			/* ASCII eight bytes at a time (and no NUL among them
			 * unless allowed) */
			uint64_t w;
			while (len - i >= 8) {
				memcpy(&w, s + i, 8);
				if ((w & 0x8080808080808080u) != 0 ||
				    (!nul_ok &&
				     ((w - 0x0101010101010101u) & ~w &
				      0x8080808080808080u) != 0))
					break;
				i += 8;
			}
			if (i >= len || (unsigned char)s[i] >= 0x80)
				continue;
			if (s[i] == '\0' && !nul_ok)
				return i;
			i++;
			continue;
		}
		n = ob_utf8_decode(s + i, len - i, &cp);
		if (n == 0)
			return i;
		i += n;
	}
	return len;
}

bool ob_utf8_valid(const char *s, size_t len, bool nul_ok)
{
	return ob_utf8_invalid_at(s, len, nul_ok) == len;
}

void ob_hex_encode(const void *data, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * len] = '\0';
}

int ob_random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return OB_E_IO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ob_random_hex(char *out, size_t nbytes)
{
	unsigned char raw[64];

	if (nbytes > sizeof(raw))
		return OB_E_INVAL;
	if (ob_random_bytes(raw, nbytes) < 0)
		return OB_E_IO;
	ob_hex_encode(raw, nbytes, out);
	return 0;
}

uint64_t ob_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t ob_now_ms(void)
{
	return ob_now_us() / 1000u;
}

int64_t ob_wall_s(void)
{
	return (int64_t)time(NULL);
}

bool ob_str_ieq(const char *a, const char *b)
{
	for (;; a++, b++) {
		char ca = *a, cb = *b;

		if (ca >= 'A' && ca <= 'Z')
			ca = (char)(ca - 'A' + 'a');
		if (cb >= 'A' && cb <= 'Z')
			cb = (char)(cb - 'A' + 'a');
		if (ca != cb)
			return false;
		if (ca == '\0')
			return true;
	}
}

const char *ob_str_trim(const char *s, size_t *len)
{
	size_t n = *len;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	*len = n;
	return s;
}
