# webadmin: directory administration — the import code (libwebadmin.a),
# orgbook-admin (command line) and, later, the web pages.
noinst_LIBRARIES += webadmin/libwebadmin.a
webadmin_libwebadmin_a_SOURCES = \
	webadmin/csv.c webadmin/csv.h \
	webadmin/import.c webadmin/import.h \
	webadmin/json.c webadmin/json.h \
	webadmin/person-card.c webadmin/person-card.h \
	webadmin/export.c webadmin/export.h
webadmin_libwebadmin_a_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
LINT_FILES += $(filter %.c,$(webadmin_libwebadmin_a_SOURCES))

bin_PROGRAMS += webadmin/orgbook-admin
webadmin_orgbook_admin_SOURCES = webadmin/admin-main.c
webadmin_orgbook_admin_LDADD = webadmin/libwebadmin.a vcard/libvcard.a \
	lib/pinyin/libpinyin.a $(DSTORE_LIBS)
LINT_FILES += webadmin/admin-main.c
EXTRA_DIST += webadmin/IMPORT.md

TESTS += webadmin/test-admin-cli.sh
EXTRA_DIST += webadmin/test-admin-cli.sh
dist_man_MANS += webadmin/orgbook-admin.1
TESTS += webadmin/test-import-kill.sh
EXTRA_DIST += webadmin/test-import-kill.sh
