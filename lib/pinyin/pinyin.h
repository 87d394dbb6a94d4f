/* Readings of Chinese characters for search: full pinyin and initials.
 *
 * pinyin_of() gives the toneless syllable of one character (Unihan's
 * first kMandarin reading; "v" for ü). For names, the family name's first
 * character uses its surname reading where that differs (单 shan, 曾 zeng,
 * 解 xie, 长 chang ...), and the two-character surnames are recognised
 * (欧阳, 司马, 诸葛 ...). ASCII letters and digits pass through lowercased;
 * other characters are skipped. No I/O, no allocation. */
#ifndef PINYIN_PINYIN_H
#define PINYIN_PINYIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The syllable of cp, or NULL when it has no Mandarin reading. */
const char *pinyin_of(uint32_t cp);

/* Full pinyin ("zhangsan") and initials ("zs") of a UTF-8 string into
 * full[0..full_size) and initials[0..ini_size) (either may be NULL).
 * name=true reads the first character(s) as a family name. Returns 0, -1
 * for invalid UTF-8 or -2 when a buffer is too small (output truncated,
 * still NUL-terminated). */
int pinyin_text(const char *utf8, size_t len, bool name, char *full,
		size_t full_size, char *initials, size_t ini_size);

#endif
