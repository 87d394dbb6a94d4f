# webadmin: directory administration — export and the web pages
# (libwebadmin.a; served by orgbook-server's admin listener; the import is
# import/, the command line, orgbook-admin, is admin/). webadmin/assets.c
# embeds webadmin/static/.
noinst_LIBRARIES += webadmin/libwebadmin.a
webadmin_libwebadmin_a_SOURCES = \
	webadmin/export.c webadmin/export.h \
	webadmin/form.c webadmin/form.h \
	webadmin/html.c webadmin/html.h \
	webadmin/i18n.c webadmin/i18n.h webadmin/i18n-catalogue.h \
	webadmin/web.c webadmin/web.h webadmin/web-internal.h \
	webadmin/pages-directory.c webadmin/pages-person.c \
	webadmin/pages-manage.c webadmin/pages-accounts.c
nodist_webadmin_libwebadmin_a_SOURCES = webadmin/assets.c \
	webadmin/catalogue.c
BUILT_SOURCES += webadmin/assets.c webadmin/catalogue.c
CLEANFILES += webadmin/assets.c webadmin/catalogue.c
WA_ASSETS = $(srcdir)/webadmin/static/admin.css \
	$(srcdir)/webadmin/static/admin.js
EXTRA_DIST += webadmin/gen-assets.py $(WA_ASSETS)
webadmin/assets.c: $(srcdir)/webadmin/gen-assets.py $(WA_ASSETS)
	@$(MKDIR_P) webadmin
	$(AM_V_GEN)$(PYTHON3) $(srcdir)/webadmin/gen-assets.py $(WA_ASSETS) \
		> $@.tmp && mv $@.tmp $@
# The message catalogue (i18n.h): the PO file compiled into a C table.
WA_PO = $(srcdir)/webadmin/po/zh_CN.po
EXTRA_DIST += webadmin/gen-catalogue.py $(WA_PO)
webadmin/catalogue.c: $(srcdir)/webadmin/gen-catalogue.py $(WA_PO)
	@$(MKDIR_P) webadmin
	$(AM_V_GEN)$(PYTHON3) $(srcdir)/webadmin/gen-catalogue.py $(WA_PO) \
		> $@.tmp && mv $@.tmp $@
webadmin_libwebadmin_a_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
LINT_FILES += $(filter %.c,$(webadmin_libwebadmin_a_SOURCES))


TESTS += webadmin/test-import-kill.sh
EXTRA_DIST += webadmin/test-import-kill.sh
# Every export imports back changing nothing (OB_ROUNDTRIP_PEOPLE sets
# the size of the generated directory, 5,000 by default).
TESTS += webadmin/test-export-roundtrip.sh
EXTRA_DIST += webadmin/test-export-roundtrip.sh
TESTS += webadmin/test-import-undo.sh
EXTRA_DIST += webadmin/test-import-undo.sh

check_PROGRAMS += webadmin/test-web
webadmin_test_web_SOURCES = webadmin/test-web.c
webadmin_test_web_LDADD = tests/lib/libobtest.a webadmin/libwebadmin.a import/libimport.a \
	lib/dircard/libdircard.a vcard/libvcard.a lib/pinyin/libpinyin.a $(DSTORE_LIBS)
LINT_FILES += webadmin/test-web.c

check_PROGRAMS += webadmin/test-web-undo
TESTS += webadmin/test-web-undo
webadmin_test_web_undo_SOURCES = webadmin/test-web-undo.c
webadmin_test_web_undo_LDADD = tests/lib/libobtest.a webadmin/libwebadmin.a import/libimport.a \
	lib/dircard/libdircard.a vcard/libvcard.a lib/pinyin/libpinyin.a $(DSTORE_LIBS)
LINT_FILES += webadmin/test-web-undo.c

check_PROGRAMS += webadmin/test-web-person
TESTS += webadmin/test-web-person
webadmin_test_web_person_SOURCES = webadmin/test-web-person.c
webadmin_test_web_person_LDADD = tests/lib/libobtest.a webadmin/libwebadmin.a import/libimport.a \
	lib/dircard/libdircard.a vcard/libvcard.a lib/pinyin/libpinyin.a $(DSTORE_LIBS)
LINT_FILES += webadmin/test-web-person.c

# The form parser on outside input (admin page bodies).
OB_FUZZERS += tests/fuzz/fuzz-form
check_PROGRAMS += tests/fuzz/fuzz-form
TESTS += tests/fuzz/fuzz-form
tests_fuzz_fuzz_form_SOURCES = tests/fuzz/fuzz-form.c
tests_fuzz_fuzz_form_LDADD = $(FUZZ_MAIN) webadmin/libwebadmin.a \
	lib/util/libobutil.a
tests_fuzz_fuzz_form_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
EXTRA_DIST += tests/fuzz/fuzz-form.in tests/fuzz/fuzz-form.repro
LINT_FILES += tests/fuzz/fuzz-form.c

# The whole admin pages on outside requests, signed in to one enterprise:
# nothing of another enterprise may ever come back.
OB_FUZZERS += tests/fuzz/fuzz-web
check_PROGRAMS += tests/fuzz/fuzz-web
TESTS += tests/fuzz/fuzz-web
tests_fuzz_fuzz_web_SOURCES = tests/fuzz/fuzz-web.c
tests_fuzz_fuzz_web_LDADD = $(FUZZ_MAIN) webadmin/libwebadmin.a import/libimport.a \
	lib/dircard/libdircard.a vcard/libvcard.a lib/pinyin/libpinyin.a $(DSTORE_LIBS)
tests_fuzz_fuzz_web_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
EXTRA_DIST += tests/fuzz/fuzz-web.in
LINT_FILES += tests/fuzz/fuzz-web.c

# The two languages: parsers, patterns, times, and every page of the
# layout, sign-in, errors, import, export, audit and devices in each.
check_PROGRAMS += webadmin/test-web-i18n
TESTS += webadmin/test-web-i18n
webadmin_test_web_i18n_SOURCES = webadmin/test-web-i18n.c
webadmin_test_web_i18n_LDADD = tests/lib/libobtest.a webadmin/libwebadmin.a import/libimport.a \
	lib/dircard/libdircard.a vcard/libvcard.a lib/pinyin/libpinyin.a $(DSTORE_LIBS)
LINT_FILES += webadmin/test-web-i18n.c
# Every WA_T/WA_N text of the sources has a translation; msgfmt --check.
TESTS += webadmin/test-i18n-catalogue.sh
EXTRA_DIST += webadmin/test-i18n-catalogue.sh

# The language and time-zone headers and the message patterns on outside
# input (i18n.h).
OB_FUZZERS += tests/fuzz/fuzz-i18n
check_PROGRAMS += tests/fuzz/fuzz-i18n
TESTS += tests/fuzz/fuzz-i18n
tests_fuzz_fuzz_i18n_SOURCES = tests/fuzz/fuzz-i18n.c
tests_fuzz_fuzz_i18n_LDADD = $(FUZZ_MAIN) webadmin/libwebadmin.a \
	lib/util/libobutil.a
tests_fuzz_fuzz_i18n_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
EXTRA_DIST += tests/fuzz/fuzz-i18n.in tests/fuzz/fuzz-i18n.repro
LINT_FILES += tests/fuzz/fuzz-i18n.c

# Translators: `make update-po` writes webadmin/po/orgbook.pot (build
# tree) from the sources and merges it into zh_CN.po with msgmerge
# (gettext); then fill in the empty msgstr and run make check.
update-po:
	@$(MKDIR_P) webadmin/po
	$(PYTHON3) $(srcdir)/webadmin/gen-catalogue.py --pot $(WA_PO) \
		$(srcdir)/webadmin/*.c > webadmin/po/orgbook.pot
	msgmerge --quiet --update --backup=none --no-location \
		$(WA_PO) webadmin/po/orgbook.pot
	msgfmt --check --statistics -o /dev/null $(WA_PO)
.PHONY: update-po
CLEANFILES += webadmin/po/orgbook.pot
