# admin: orgbook-admin, the operator's command line (admin/admin.h says
# what it promises). Installed as orgbook-admin; built as
# admin/orgbook-admin.
bin_PROGRAMS += admin/orgbook-admin
admin_orgbook_admin_SOURCES = admin/admin.h admin/main.c admin/args.c \
	admin/common.c admin/password.c admin/tenant.c admin/account.c \
	admin/unit.c admin/person.c admin/import.c admin/export.c \
	admin/history.c admin/migrate.c admin/device.c
admin_orgbook_admin_LDADD = webadmin/libwebadmin.a import/libimport.a \
	lib/dircard/libdircard.a \
	vcard/libvcard.a lib/pinyin/libpinyin.a $(DSTORE_LIBS)
LINT_FILES += $(filter %.c,$(admin_orgbook_admin_SOURCES))
dist_man_MANS += admin/orgbook-admin.1

# Every command end to end: exit codes, messages, the option parser.
TESTS += admin/test-admin-cli.sh
EXTRA_DIST += admin/test-admin-cli.sh
# migrate: SQLite into PostgreSQL, devices fast-sync after (needs libpq).
TESTS += admin/test-migrate.sh
EXTRA_DIST += admin/test-migrate.sh
# One owner for the database: root's files beside another user's database
# (key, -wal, -shm) are that user's (SKIP when not root).
TESTS += admin/test-db-owner.sh
EXTRA_DIST += admin/test-db-owner.sh
