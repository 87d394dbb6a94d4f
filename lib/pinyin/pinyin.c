/* Reading lookups: a binary search in the generated table, plus the
 * surname readings Unihan's first reading gets wrong for family names. */
#include "config.h"
#include "pinyin/pinyin.h"
#include "pinyin/table.h"

#include <string.h>

/* Characters read differently as a family name. */
static const struct {
	uint32_t cp;
	const char *reading;
} surnames[] = {
	{0x4E50, "yue"},   /* 乐 */
	{0x4EC7, "qiu"},   /* 仇 */
	{0x5355, "shan"},  /* 单 */
	{0x533A, "ou"},    /* 区 */
	{0x66FE, "zeng"},  /* 曾 */
	{0x6734, "piao"},  /* 朴 */
	{0x67E5, "zha"},   /* 查 */
	{0x76D6, "ge"},    /* 盖 */
	{0x79CD, "chong"}, /* 种 */
	{0x79D8, "bi"},    /* 秘 */
	{0x7F2A, "miao"},  /* 缪 */
	{0x7FDF, "zhai"},  /* 翟 */
	{0x8983, "qin"},   /* 覃 */
	{0x89E3, "xie"},   /* 解 */
	{0x957F, "chang"}, /* 长 */
};

/* Two-character family names (both characters read as usual). */
static const char *const double_surnames[] = {
	"欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容",
	"司徒", "夏侯", "公孙", "长孙", "宇文", "尉迟", "澹台", "轩辕",
};

const char *pinyin_of(uint32_t cp)
{
	size_t lo = 0, hi = pinyin_table_len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pinyin_table[mid].cp < cp)
			lo = mid + 1;
		else if (pinyin_table[mid].cp > cp)
			hi = mid;
		else
			return pinyin_syllables[pinyin_table[mid].syllable];
	}
	return NULL;
}

static size_t decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		n = 2;
		c = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 3;
		c = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
	    (n == 4 && c < 0x10000) || c > 0x10FFFF ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

static int put(char *buf, size_t size, size_t *pos, const char *s, size_t n)
{
	if (buf == NULL)
		return 0;
	if (*pos + n >= size) {
		size_t room = size > *pos + 1 ? size - *pos - 1 : 0;

		memcpy(buf + *pos, s, room);
		*pos += room;
		buf[*pos] = '\0';
		return -2;
	}
	memcpy(buf + *pos, s, n);
	*pos += n;
	buf[*pos] = '\0';
	return 0;
}

int pinyin_text(const char *utf8, size_t len, bool name, char *full,
		size_t full_size, char *initials, size_t ini_size)
{
	const unsigned char *s = (const unsigned char *)utf8;
	size_t i = 0, fp = 0, ip = 0, han = 0;
	bool double_surname = false, in_word = false;
	int ret = 0;

	if ((full != NULL && full_size == 0) ||
	    (initials != NULL && ini_size == 0))
		return -2;
	if (full != NULL)
		full[0] = '\0';
	if (initials != NULL)
		initials[0] = '\0';
	for (size_t k = 0;
	     name && k < sizeof(double_surnames) / sizeof(double_surnames[0]);
	     k++) {
		size_t n = strlen(double_surnames[k]);

		double_surname |=
			len >= n && memcmp(utf8, double_surnames[k], n) == 0;
	}
	while (i < len) {
		uint32_t cp;
		size_t n = decode(s + i, len - i, &cp);
		const char *syl = NULL;

		if (n == 0)
			return -1;
		i += n;
		if (cp < 0x80) {
			char c = (char)cp;

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
				ret |= put(full, full_size, &fp, &c, 1);
				/* a Latin word contributes its first letter */
				if (!in_word)
					ret |= put(initials, ini_size, &ip, &c,
						   1);
				in_word = true;
			} else {
				in_word = false;
			}
			continue;
		}
		/* accented Latin letters continue a word (not transcribed) */
		if (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7)
			continue;
		in_word = false;
		if (name && han == 0 && !double_surname) {
			for (size_t k = 0;
			     k < sizeof(surnames) / sizeof(surnames[0]); k++)
				if (surnames[k].cp == cp)
					syl = surnames[k].reading;
		}
		if (syl == NULL)
			syl = pinyin_of(cp);
		if (syl == NULL)
			continue;
		han++;
		ret |= put(full, full_size, &fp, syl, strlen(syl));
		ret |= put(initials, ini_size, &ip, syl, 1);
	}
	return ret < 0 ? -2 : 0;
}
