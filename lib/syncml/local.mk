# lib/syncml: libsml.a, the SyncML codec shared by the server and the agent:
# element tree, XML and WBXML decoding, message model, encoders.
noinst_LIBRARIES += lib/syncml/libsml.a
lib_syncml_libsml_a_SOURCES = \
	lib/syncml/tree.h lib/syncml/tree.c
lib_syncml_libsml_a_CPPFLAGS = $(AM_CPPFLAGS) $(XML_CFLAGS)
SML_LIBS = lib/syncml/libsml.a lib/util/libobutil.a $(XML_LIBS)
LINT_FILES += $(filter %.c,$(lib_syncml_libsml_a_SOURCES))
lib_syncml_libsml_a_SOURCES += \
	lib/syncml/xml.h lib/syncml/xml.c \
	lib/syncml/writer.h lib/syncml/writer.c \
	lib/syncml/encode.h lib/syncml/encode.c \
	lib/syncml/strtbl.h lib/syncml/strtbl.c \
	lib/syncml/msg.h lib/syncml/msg.c
lib_syncml_libsml_a_SOURCES += lib/syncml/wbxml.h lib/syncml/wbxml.c \
	lib/syncml/wbxml-tags.h lib/syncml/wbxml-tags.c

check_PROGRAMS += lib/syncml/test-syncml
TESTS += lib/syncml/test-syncml
lib_syncml_test_syncml_SOURCES = lib/syncml/test-syncml.c
lib_syncml_test_syncml_CPPFLAGS = $(AM_CPPFLAGS) $(XML_CFLAGS) $(WBXML_CFLAGS)
lib_syncml_test_syncml_LDADD = tests/lib/libobtest.a $(SML_LIBS) $(WBXML_LIBS)
LINT_FILES += lib/syncml/test-syncml.c
EXTRA_DIST += testdata/syncml

# Fuzz targets of the two decoders the server runs before authentication.
OB_FUZZERS += tests/fuzz/fuzz-syncml-xml tests/fuzz/fuzz-syncml-wbxml
check_PROGRAMS += tests/fuzz/fuzz-syncml-xml tests/fuzz/fuzz-syncml-wbxml
TESTS += tests/fuzz/fuzz-syncml-xml tests/fuzz/fuzz-syncml-wbxml
tests_fuzz_fuzz_syncml_xml_SOURCES = tests/fuzz/fuzz-syncml-xml.c
tests_fuzz_fuzz_syncml_xml_LDADD = $(FUZZ_MAIN) $(SML_LIBS)
tests_fuzz_fuzz_syncml_xml_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_syncml_wbxml_SOURCES = tests/fuzz/fuzz-syncml-wbxml.c
tests_fuzz_fuzz_syncml_wbxml_LDADD = $(FUZZ_MAIN) $(SML_LIBS)
tests_fuzz_fuzz_syncml_wbxml_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
EXTRA_DIST += tests/fuzz/fuzz-syncml-xml.in tests/fuzz/fuzz-syncml-wbxml.in
LINT_FILES += tests/fuzz/fuzz-syncml-xml.c tests/fuzz/fuzz-syncml-wbxml.c
