# lib/dirfeed: the change feed (libdirfeed.a): what a front end sends to
# bring its copy of a view from a revision to now; used by the sync
# server, ready for CardDAV sync tokens and LDAP.
noinst_LIBRARIES += lib/dirfeed/libdirfeed.a
lib_dirfeed_libdirfeed_a_SOURCES = lib/dirfeed/feed.h lib/dirfeed/feed.c
lib_dirfeed_libdirfeed_a_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
LINT_FILES += $(filter %.c,$(lib_dirfeed_libdirfeed_a_SOURCES))
LINT_FILES += lib/dirfeed/test-dirfeed.c

check_PROGRAMS += lib/dirfeed/test-dirfeed
TESTS += lib/dirfeed/test-dirfeed
lib_dirfeed_test_dirfeed_SOURCES = lib/dirfeed/test-dirfeed.c
lib_dirfeed_test_dirfeed_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
lib_dirfeed_test_dirfeed_LDADD = tests/lib/libobtest.a \
	lib/dirfeed/libdirfeed.a lib/pinyin/libpinyin.a $(DSTORE_LIBS)
