# vcard: libvcard.a (vCard 2.1/3.0/4.0 model, parser, writer, directory
# mapping), its tests, the fuzz target and the benchmark.
noinst_LIBRARIES += vcard/libvcard.a
vcard_libvcard_a_SOURCES = \
	vcard/vcard.h vcard/vcard-private.h \
	vcard/card.c vcard/parse.c vcard/write.c vcard/contact.c \
	vcard/contact-write.c
LINT_FILES += $(filter %.c,$(vcard_libvcard_a_SOURCES))

VCARD_TESTS = vcard/test-vcard-parse vcard/test-vcard-write \
	vcard/test-vcard-contact vcard/test-vcard-corpus
check_PROGRAMS += $(VCARD_TESTS) vcard/vcard-interop-gen
TESTS += $(VCARD_TESTS) tests/interop/vobject-check.py
vcard_test_vcard_parse_SOURCES = vcard/test-vcard-parse.c
vcard_test_vcard_parse_LDADD = tests/lib/libobtest.a vcard/libvcard.a
vcard_test_vcard_write_SOURCES = vcard/test-vcard-write.c
vcard_test_vcard_write_LDADD = tests/lib/libobtest.a vcard/libvcard.a
vcard_test_vcard_contact_SOURCES = vcard/test-vcard-contact.c
vcard_test_vcard_contact_LDADD = tests/lib/libobtest.a vcard/libvcard.a
vcard_test_vcard_corpus_SOURCES = vcard/test-vcard-corpus.c
vcard_test_vcard_corpus_LDADD = tests/lib/libobtest.a vcard/libvcard.a
vcard_vcard_interop_gen_SOURCES = vcard/vcard-interop-gen.c
vcard_vcard_interop_gen_LDADD = vcard/libvcard.a
LINT_FILES += $(addsuffix .c,$(VCARD_TESTS)) vcard/vcard-interop-gen.c
EXTRA_DIST += tests/interop/vobject-check.py testdata/vcard

# F1: parse -> write -> parse round trip.
OB_FUZZERS += tests/fuzz/fuzz-vcard
check_PROGRAMS += tests/fuzz/fuzz-vcard
TESTS += tests/fuzz/fuzz-vcard
tests_fuzz_fuzz_vcard_SOURCES = tests/fuzz/fuzz-vcard.c
tests_fuzz_fuzz_vcard_LDADD = $(FUZZ_MAIN) vcard/libvcard.a
tests_fuzz_fuzz_vcard_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
LINT_FILES += tests/fuzz/fuzz-vcard.c
EXTRA_DIST += tests/fuzz/fuzz-vcard.in tests/fuzz/fuzz-vcard.repro

OB_BENCHES += bench/bench-vcard
EXTRA_PROGRAMS += bench/bench-vcard
bench_bench_vcard_SOURCES = bench/bench-vcard.c
bench_bench_vcard_LDADD = vcard/libvcard.a
LINT_FILES += bench/bench-vcard.c
