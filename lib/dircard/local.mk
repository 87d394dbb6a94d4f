# lib/dircard: person <-> vCard, the one render policy (dialect, photos,
# buffer growth) and the streaming .vcf export (libdircard.a); used by the
# sync server, the web admin, the import and the agent.
noinst_LIBRARIES += lib/dircard/libdircard.a
lib_dircard_libdircard_a_SOURCES = lib/dircard/dircard.h \
	lib/dircard/card.c lib/dircard/render.c lib/dircard/photo.c \
	lib/dircard/export.h lib/dircard/export.c
lib_dircard_libdircard_a_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS) $(PNG_CFLAGS)
LINT_FILES += $(filter %.c,$(lib_dircard_libdircard_a_SOURCES))
LINT_FILES += lib/dircard/test-dircard.c

check_PROGRAMS += lib/dircard/test-dircard
TESTS += lib/dircard/test-dircard
lib_dircard_test_dircard_SOURCES = lib/dircard/test-dircard.c
lib_dircard_test_dircard_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
lib_dircard_test_dircard_LDADD = tests/lib/libobtest.a \
	lib/dircard/libdircard.a vcard/libvcard.a lib/pinyin/libpinyin.a \
	$(DSTORE_LIBS)
