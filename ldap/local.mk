# ldap: the read-only LDAP front end (libldapfe.a), mounted by
# server/ldapd.c: ber.c is our BER codec, proto.c the LDAPv3 messages over
# it, dir.c an enterprise's directory as an LDAP tree in memory and its
# search, session.c one connection's protocol (bind, search, controls).
noinst_LIBRARIES += ldap/libldapfe.a
ldap_libldapfe_a_SOURCES = ldap/ber.h ldap/ber.c \
	ldap/proto.h ldap/proto.c \
	ldap/dir.h ldap/dir.c \
	ldap/session.h ldap/session.c
ldap_libldapfe_a_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
LINT_FILES += ldap/ber.c ldap/proto.c ldap/dir.c ldap/session.c
LDAPFE_LIBS = ldap/libldapfe.a lib/dirfeed/libdirfeed.a lib/dircard/libdircard.a \
	vcard/libvcard.a lib/pinyin/libpinyin.a

check_PROGRAMS += ldap/test-ldap-proto
TESTS += ldap/test-ldap-proto
ldap_test_ldap_proto_SOURCES = ldap/test-ldap-proto.c
ldap_test_ldap_proto_LDADD = tests/lib/libobtest.a ldap/libldapfe.a \
	lib/util/libobutil.a
LINT_FILES += ldap/test-ldap-proto.c
EXTRA_DIST += testdata/ldap

OB_FUZZERS += tests/fuzz/fuzz-ldap-pdu
check_PROGRAMS += tests/fuzz/fuzz-ldap-pdu
TESTS += tests/fuzz/fuzz-ldap-pdu
tests_fuzz_fuzz_ldap_pdu_SOURCES = tests/fuzz/fuzz-ldap-pdu.c
tests_fuzz_fuzz_ldap_pdu_LDADD = $(FUZZ_MAIN) ldap/libldapfe.a \
	lib/util/libobutil.a
tests_fuzz_fuzz_ldap_pdu_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
EXTRA_DIST += tests/fuzz/fuzz-ldap-pdu.in
LINT_FILES += tests/fuzz/fuzz-ldap-pdu.c

check_PROGRAMS += ldap/test-ldap-dir
TESTS += ldap/test-ldap-dir
ldap_test_ldap_dir_SOURCES = ldap/test-ldap-dir.c
ldap_test_ldap_dir_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
ldap_test_ldap_dir_LDADD = tests/lib/libobtest.a $(LDAPFE_LIBS) \
	$(DSTORE_LIBS) -lpthread
LINT_FILES += ldap/test-ldap-dir.c

EXTRA_PROGRAMS += bench/bench-ldap-dir
OB_BENCHES += bench/bench-ldap-dir
bench_bench_ldap_dir_SOURCES = bench/bench-ldap-dir.c bench/benchlib.c
bench_bench_ldap_dir_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS) $(XML_CFLAGS)
bench_bench_ldap_dir_LDADD = $(LDAPFE_LIBS) \
	webadmin/libwebadmin.a import/libimport.a lib/dircard/libdircard.a \
	vcard/libvcard.a $(DSTORE_LIBS) $(CURL_LIBS) -lpthread
LINT_FILES += bench/bench-ldap-dir.c


check_PROGRAMS += ldap/test-ldap-session
TESTS += ldap/test-ldap-session
ldap_test_ldap_session_SOURCES = ldap/test-ldap-session.c
ldap_test_ldap_session_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
ldap_test_ldap_session_LDADD = tests/lib/libobtest.a $(LDAPFE_LIBS) \
	$(DSTORE_LIBS) -lpthread
LINT_FILES += ldap/test-ldap-session.c

OB_FUZZERS += tests/fuzz/fuzz-ldap-session
check_PROGRAMS += tests/fuzz/fuzz-ldap-session
TESTS += tests/fuzz/fuzz-ldap-session
tests_fuzz_fuzz_ldap_session_SOURCES = tests/fuzz/fuzz-ldap-session.c
tests_fuzz_fuzz_ldap_session_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
tests_fuzz_fuzz_ldap_session_LDADD = $(FUZZ_MAIN) $(LDAPFE_LIBS) \
	$(DSTORE_LIBS) -lpthread
tests_fuzz_fuzz_ldap_session_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
EXTRA_DIST += tests/fuzz/fuzz-ldap-session.in tests/fuzz/gen-ldap-session.py
LINT_FILES += tests/fuzz/fuzz-ldap-session.c
