# lib/pinyin: build rules (paths from the top).
