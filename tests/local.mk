# tests: the TAP harness library, fuzz targets and integration suites.
check_LIBRARIES += tests/lib/libobtest.a
LINT_FILES += tests/lib/test.c tests/fuzz/replay.c
tests_lib_libobtest_a_SOURCES = tests/lib/test.c tests/lib/test.h

# Fuzz targets (tests/fuzz/fuzz-<input>.c) add themselves to OB_FUZZERS.
# With --enable-fuzzing they are libFuzzer binaries (make fuzz-build);
# otherwise make check replays their seeds and reproducers through
# tests/fuzz/replay.c.
# Pattern for a target (see vcard/local.mk for a real one):
#   OB_FUZZERS += tests/fuzz/fuzz-x
#   check_PROGRAMS += tests/fuzz/fuzz-x
#   TESTS += tests/fuzz/fuzz-x
#   tests_fuzz_fuzz_x_SOURCES = tests/fuzz/fuzz-x.c
#   tests_fuzz_fuzz_x_LDADD = $(FUZZ_MAIN) lib/x/libx.a
#   tests_fuzz_fuzz_x_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
if ENABLE_FUZZING
FUZZ_MAIN =
else
FUZZ_MAIN = tests/fuzz/libreplay.a
check_LIBRARIES += tests/fuzz/libreplay.a
tests_fuzz_libreplay_a_SOURCES = tests/fuzz/replay.c
endif
fuzz-build: $(OB_FUZZERS)
print-fuzzers:
	@for f in $(OB_FUZZERS); do echo $$f; done
.PHONY: fuzz-build print-fuzzers

OB_FUZZERS += tests/fuzz/fuzz-csv
check_PROGRAMS += tests/fuzz/fuzz-csv
TESTS += tests/fuzz/fuzz-csv
tests_fuzz_fuzz_csv_SOURCES = tests/fuzz/fuzz-csv.c
tests_fuzz_fuzz_csv_LDADD = $(FUZZ_MAIN) import/libimport.a lib/dircard/libdircard.a vcard/libvcard.a lib/pinyin/libpinyin.a \
	$(DSTORE_LIBS)
tests_fuzz_fuzz_csv_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
EXTRA_DIST += tests/fuzz/fuzz-csv.in
LINT_FILES += tests/fuzz/fuzz-csv.c

OB_FUZZERS += tests/fuzz/fuzz-json
check_PROGRAMS += tests/fuzz/fuzz-json
TESTS += tests/fuzz/fuzz-json
tests_fuzz_fuzz_json_SOURCES = tests/fuzz/fuzz-json.c
tests_fuzz_fuzz_json_LDADD = $(FUZZ_MAIN) import/libimport.a lib/dircard/libdircard.a vcard/libvcard.a lib/pinyin/libpinyin.a \
	$(DSTORE_LIBS)
tests_fuzz_fuzz_json_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
EXTRA_DIST += tests/fuzz/fuzz-json.in
LINT_FILES += tests/fuzz/fuzz-json.c
OB_FUZZERS += tests/fuzz/fuzz-dav-request
check_PROGRAMS += tests/fuzz/fuzz-dav-request
TESTS += tests/fuzz/fuzz-dav-request
tests_fuzz_fuzz_dav_request_SOURCES = tests/fuzz/fuzz-dav-request.c
tests_fuzz_fuzz_dav_request_LDADD = $(FUZZ_MAIN) $(CARDDAV_LIBS)
tests_fuzz_fuzz_dav_request_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
EXTRA_DIST += tests/fuzz/fuzz-dav-request.in tests/fuzz/fuzz-dav-request.repro
LINT_FILES += tests/fuzz/fuzz-dav-request.c
EXTRA_DIST += tests/lib/tap.sh tests/lib/slow.sh
