# lib/pinyin: readings of Chinese characters (libpinyin.a) for search and
# phonetic names. pinyin-table.c is generated at build time from Debian's
# Unihan readings (package unicode-data).
UNIHAN_READINGS = /usr/share/unicode/Unihan_Readings.txt.bz2
noinst_LIBRARIES += lib/pinyin/libpinyin.a
lib_pinyin_libpinyin_a_SOURCES = lib/pinyin/pinyin.c lib/pinyin/pinyin.h \
	lib/pinyin/table.h
nodist_lib_pinyin_libpinyin_a_SOURCES = lib/pinyin/pinyin-table.c
BUILT_SOURCES = lib/pinyin/pinyin-table.c
CLEANFILES += lib/pinyin/pinyin-table.c
EXTRA_DIST += lib/pinyin/gen-table.py
LINT_FILES += lib/pinyin/pinyin.c lib/pinyin/test-pinyin.c

lib/pinyin/pinyin-table.c: $(srcdir)/lib/pinyin/gen-table.py
	@$(MKDIR_P) lib/pinyin
	$(AM_V_GEN)$(PYTHON3) $(srcdir)/lib/pinyin/gen-table.py \
		$(UNIHAN_READINGS) > $@.tmp && mv $@.tmp $@

check_PROGRAMS += lib/pinyin/test-pinyin
TESTS += lib/pinyin/test-pinyin
lib_pinyin_test_pinyin_SOURCES = lib/pinyin/test-pinyin.c
lib_pinyin_test_pinyin_LDADD = tests/lib/libobtest.a lib/pinyin/libpinyin.a
