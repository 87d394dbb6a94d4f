# lib/util: libobutil.a, used by every component except vcard/.
noinst_LIBRARIES += lib/util/libobutil.a
lib_util_libobutil_a_SOURCES = \
	lib/util/err.c lib/util/err.h \
	lib/util/log.c lib/util/log.h \
	lib/util/buf.c lib/util/buf.h \
	lib/util/str.c lib/util/str.h \
	lib/util/file.c lib/util/file.h \
	lib/util/b64.c lib/util/b64.h \
	lib/util/textout.c lib/util/textout.h
LINT_FILES += $(filter %.c,$(lib_util_libobutil_a_SOURCES))

check_PROGRAMS += lib/util/test-util
TESTS += lib/util/test-util
lib_util_test_util_SOURCES = lib/util/test-util.c
lib_util_test_util_LDADD = tests/lib/libobtest.a lib/util/libobutil.a

check_PROGRAMS += lib/util/test-textout
TESTS += lib/util/test-textout
lib_util_test_textout_SOURCES = lib/util/test-textout.c
lib_util_test_textout_LDADD = tests/lib/libobtest.a lib/util/libobutil.a
LINT_FILES += lib/util/test-textout.c
