# syncml-server: the SyncML DS engine (libsrv.a): sessions,
# authentication, the sync itself, replies, the store's health; no
# listener and no web admin (server/ is the process that serves it), so
# the fuzz targets and tests drive it without either.
noinst_LIBRARIES += syncml-server/libsrv.a
syncml_server_libsrv_a_SOURCES = \
	syncml-server/server.h syncml-server/config.c \
	syncml-server/health.h syncml-server/health.c \
	syncml-server/auth.h syncml-server/auth.c \
	syncml-server/devinf.h syncml-server/devinf.c \
	syncml-server/session.h syncml-server/session.c \
	syncml-server/phase.h syncml-server/phase.c \
	syncml-server/state.h syncml-server/state.c \
	syncml-server/sync.h syncml-server/sync-shared.h \
	syncml-server/sync-alert.c syncml-server/sync-client.c \
	syncml-server/sync-outbox.c syncml-server/sync-commit.c \
	syncml-server/match.h syncml-server/match.c \
	syncml-server/reply.h syncml-server/reply.c \
	syncml-server/status.h syncml-server/status.c \
	syncml-server/metrics.c
syncml_server_libsrv_a_CPPFLAGS = $(AM_CPPFLAGS) $(MHD_CFLAGS) \
	$(GNUTLS_CFLAGS) $(XML_CFLAGS) $(SQLITE_CFLAGS)
SRV_LIBS = syncml-server/libsrv.a lib/dirfeed/libdirfeed.a \
	lib/syncml/libsml.a lib/dircard/libdircard.a vcard/libvcard.a lib/pinyin/libpinyin.a \
	$(DSTORE_LIBS) $(XML_LIBS) $(MHD_LIBS) $(GNUTLS_LIBS) \
	-lpthread
LINT_FILES += $(filter %.c,$(syncml_server_libsrv_a_SOURCES))


# The whole engine on outside input: session lookup, authentication,
# every command, reply assembly (our reply must always decode again).
OB_FUZZERS += tests/fuzz/fuzz-syncml-session
check_PROGRAMS += tests/fuzz/fuzz-syncml-session
TESTS += tests/fuzz/fuzz-syncml-session
tests_fuzz_fuzz_syncml_session_SOURCES = tests/fuzz/fuzz-syncml-session.c \
	tests/fuzz/syncml-fixture.c tests/fuzz/syncml-fixture.h
tests_fuzz_fuzz_syncml_session_CPPFLAGS = $(AM_CPPFLAGS)
tests_fuzz_fuzz_syncml_session_LDADD = $(FUZZ_MAIN) $(SRV_LIBS)
tests_fuzz_fuzz_syncml_session_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
EXTRA_DIST += tests/fuzz/fuzz-syncml-session.in
LINT_FILES += tests/fuzz/fuzz-syncml-session.c tests/fuzz/syncml-fixture.c

# Message sequences of an owner and an intruder: who may continue a
# session, be resent its replies, get its token.
OB_FUZZERS += tests/fuzz/fuzz-syncml-sequence
check_PROGRAMS += tests/fuzz/fuzz-syncml-sequence
TESTS += tests/fuzz/fuzz-syncml-sequence
tests_fuzz_fuzz_syncml_sequence_SOURCES = tests/fuzz/fuzz-syncml-sequence.c \
	tests/fuzz/syncml-fixture.c tests/fuzz/syncml-fixture.h
tests_fuzz_fuzz_syncml_sequence_CPPFLAGS = $(AM_CPPFLAGS)
tests_fuzz_fuzz_syncml_sequence_LDADD = $(FUZZ_MAIN) $(SRV_LIBS)
tests_fuzz_fuzz_syncml_sequence_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
EXTRA_DIST += tests/fuzz/fuzz-syncml-sequence.in
LINT_FILES += tests/fuzz/fuzz-syncml-sequence.c

# The slow sync's matching keys, alone.
check_PROGRAMS += syncml-server/test-match
TESTS += syncml-server/test-match
syncml_server_test_match_SOURCES = syncml-server/test-match.c
syncml_server_test_match_LDADD = tests/lib/libobtest.a $(SRV_LIBS)
LINT_FILES += syncml-server/test-match.c

# The session state's stored bytes: round trip, truncation, versions.
check_PROGRAMS += syncml-server/test-phase
TESTS += syncml-server/test-phase
syncml_server_test_phase_SOURCES = syncml-server/test-phase.c
syncml_server_test_phase_LDADD = tests/lib/libobtest.a $(SRV_LIBS)
LINT_FILES += syncml-server/test-phase.c

check_PROGRAMS += syncml-server/test-state
TESTS += syncml-server/test-state
syncml_server_test_state_SOURCES = syncml-server/test-state.c
syncml_server_test_state_LDADD = tests/lib/libobtest.a $(SRV_LIBS)
LINT_FILES += syncml-server/test-state.c

# The configuration's address blocks (metrics-allow) and log keys.
check_PROGRAMS += syncml-server/test-config
TESTS += syncml-server/test-config
syncml_server_test_config_SOURCES = syncml-server/test-config.c
syncml_server_test_config_LDADD = tests/lib/libobtest.a $(SRV_LIBS)
LINT_FILES += syncml-server/test-config.c
