# ldap: the read-only LDAP front end (libldapfe.a): dir.c holds an
# enterprise's directory as an LDAP tree in memory and searches it.
noinst_LIBRARIES += ldap/libldapfe.a
ldap_libldapfe_a_SOURCES = ldap/proto.h ldap/dir.h ldap/dir.c
ldap_libldapfe_a_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
LINT_FILES += ldap/dir.c

# test-entry-stub.c is test scaffolding (ldap_entry_* recording the
# attributes as text) until ldap/proto.c lands: then drop it here.
check_PROGRAMS += ldap/test-ldap-dir
TESTS += ldap/test-ldap-dir
ldap_test_ldap_dir_SOURCES = ldap/test-ldap-dir.c ldap/test-entry-stub.c
ldap_test_ldap_dir_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
ldap_test_ldap_dir_LDADD = tests/lib/libobtest.a ldap/libldapfe.a \
	lib/dirfeed/libdirfeed.a lib/pinyin/libpinyin.a $(DSTORE_LIBS) -lpthread
LINT_FILES += ldap/test-ldap-dir.c ldap/test-entry-stub.c

EXTRA_PROGRAMS += bench/bench-ldap-dir
OB_BENCHES += bench/bench-ldap-dir
bench_bench_ldap_dir_SOURCES = bench/bench-ldap-dir.c bench/benchlib.c \
	ldap/test-entry-stub.c
bench_bench_ldap_dir_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS) $(XML_CFLAGS)
bench_bench_ldap_dir_LDADD = ldap/libldapfe.a lib/dirfeed/libdirfeed.a \
	webadmin/libwebadmin.a import/libimport.a lib/dircard/libdircard.a \
	vcard/libvcard.a lib/pinyin/libpinyin.a $(DSTORE_LIBS) $(CURL_LIBS) \
	-lpthread
LINT_FILES += bench/bench-ldap-dir.c
