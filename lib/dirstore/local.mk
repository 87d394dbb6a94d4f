# lib/dirstore: libdirstore.a, the directory store (drivers: db-sqlite.c,
# db-pg.c when configure found libpq).
noinst_LIBRARIES += lib/dirstore/libdirstore.a
lib_dirstore_libdirstore_a_SOURCES = \
	lib/dirstore/dirstore.h lib/dirstore/syncml-state.h \
	lib/dirstore/websession.h lib/dirstore/internal.h \
	lib/dirstore/db.h lib/dirstore/db-sqlite.c \
	lib/dirstore/schema.c lib/dirstore/store.c lib/dirstore/copy.c lib/dirstore/account.c \
	lib/dirstore/unit.c lib/dirstore/person.c lib/dirstore/changes.c \
	lib/dirstore/syncstate.c lib/dirstore/session.c \
	lib/dirstore/websession.c lib/dirstore/devlock.c lib/dirstore/login.c \
	lib/dirstore/person-diff.c lib/dirstore/undo.c \
	lib/dirstore/page.c lib/dirstore/account-page.c \
	lib/dirstore/account-reset.c lib/dirstore/thumb.c \
	lib/dirstore/stats.c
if HAVE_LIBPQ
lib_dirstore_libdirstore_a_SOURCES += lib/dirstore/db-pg.c
endif
lib_dirstore_libdirstore_a_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS) \
	$(PQ_CFLAGS) $(GNUTLS_CFLAGS) $(CRYPT_CFLAGS)
DSTORE_LIBS = lib/dirstore/libdirstore.a lib/pinyin/libpinyin.a \
	$(IMAGE_LIBS) lib/util/libobutil.a \
	$(SQLITE_LIBS) $(PQ_LIBS) $(GNUTLS_LIBS) $(CRYPT_LIBS)
LINT_FILES += $(filter %.c,$(lib_dirstore_libdirstore_a_SOURCES))

check_PROGRAMS += lib/dirstore/test-dirstore
TESTS += lib/dirstore/test-dirstore
lib_dirstore_test_dirstore_SOURCES = lib/dirstore/test-dirstore.c
lib_dirstore_test_dirstore_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS)
lib_dirstore_test_dirstore_LDADD = tests/lib/libobtest.a $(DSTORE_LIBS)

# the same suite against a private PostgreSQL server (SKIP without libpq
# or a server)
TESTS += lib/dirstore/test-dirstore-pg.sh
EXTRA_DIST += lib/dirstore/test-dirstore-pg.sh tests/lib/pg.sh
