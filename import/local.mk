# import: a file of people (CSV, JSON or .vcf) read, checked, matched to
# the stored people and applied in one store transaction (libimport.a);
# also the CSV and JSON parsers, which the web admin uses as well. Used by
# orgbook-admin, the web admin and the benches. Formats: import/IMPORT.md.
noinst_LIBRARIES += import/libimport.a
import_libimport_a_SOURCES = \
	import/import.h import/core.h \
	import/plan.c import/row.c import/match.c import/merge.c \
	import/apply.c import/guard.c \
	import/read-csv.c import/read-json.c import/read-vcf.c \
	import/format.c \
	import/csv.c import/csv.h \
	import/json.c import/json.h
import_libimport_a_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
LINT_FILES += $(filter %.c,$(import_libimport_a_SOURCES))
# Installed with the docs: orgbook-admin(1) cites it.
dist_doc_DATA = import/IMPORT.md

check_PROGRAMS += import/test-import
TESTS += import/test-import
import_test_import_SOURCES = import/test-import.c
import_test_import_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
import_test_import_LDADD = tests/lib/libobtest.a import/libimport.a \
	lib/dircard/libdircard.a vcard/libvcard.a lib/pinyin/libpinyin.a \
	$(DSTORE_LIBS)
LINT_FILES += import/test-import.c
