# lib/image: photo thumbnails (decode JPEG/PNG, orient, scale, encode a
# baseline JPEG) in libobimage.a; used by lib/dircard's photo policy.
# IMAGE_LIBS is part of DSTORE_LIBS (lib/dirstore/local.mk), which every
# program that links lib/dircard links after it.
noinst_LIBRARIES += lib/image/libobimage.a
lib_image_libobimage_a_SOURCES = lib/image/image.h lib/image/image.c
lib_image_libobimage_a_CPPFLAGS = $(AM_CPPFLAGS) $(PNG_CFLAGS)
IMAGE_LIBS = lib/image/libobimage.a $(PNG_LIBS) $(JPEG_LIBS)
LINT_FILES += lib/image/image.c lib/image/test-image.c

check_PROGRAMS += lib/image/test-image
TESTS += lib/image/test-image
lib_image_test_image_SOURCES = lib/image/test-image.c
lib_image_test_image_CPPFLAGS = $(AM_CPPFLAGS) $(PNG_CFLAGS)
lib_image_test_image_LDADD = tests/lib/libobtest.a $(IMAGE_LIBS) \
	lib/util/libobutil.a
EXTRA_DIST += testdata/photos

OB_FUZZERS += tests/fuzz/fuzz-image
check_PROGRAMS += tests/fuzz/fuzz-image
TESTS += tests/fuzz/fuzz-image
tests_fuzz_fuzz_image_SOURCES = tests/fuzz/fuzz-image.c
tests_fuzz_fuzz_image_LDADD = $(FUZZ_MAIN) $(IMAGE_LIBS) lib/util/libobutil.a
tests_fuzz_fuzz_image_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
EXTRA_DIST += tests/fuzz/fuzz-image.in
LINT_FILES += tests/fuzz/fuzz-image.c
