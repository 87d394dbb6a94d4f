# ldap: the read-only LDAP front end (libldapfe.a): ber.c is the BER
# codec, proto.c the LDAPv3 messages over it.
noinst_LIBRARIES += ldap/libldapfe.a
ldap_libldapfe_a_SOURCES = ldap/ber.h ldap/ber.c
ldap_libldapfe_a_SOURCES += ldap/proto.h ldap/proto.c
LINT_FILES += ldap/ber.c ldap/proto.c

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
