/* The generated reading table (pinyin-table.c, built from Unihan):
 * private to lib/pinyin. */
#ifndef PINYIN_TABLE_H
#define PINYIN_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct pinyin_entry {
	uint32_t cp;       /* code point */
	uint16_t syllable; /* index into pinyin_syllables */
};

extern const char *const pinyin_syllables[];
extern const struct pinyin_entry pinyin_table[]; /* sorted by cp */
extern const size_t pinyin_table_len;

#endif
