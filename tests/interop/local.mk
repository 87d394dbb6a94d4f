# tests/interop: third-party software against our code — SyncEvolution
# against orgbook-server, vdirsyncer and SyncEvolution's CardDAV backend
# against its CardDAV books, python3-vobject reading our vCards (vcard/),
# the recorded iOS, DAVx5 and Thunderbird CardDAV sessions replayed
# (testdata/carddav/sessions, via replay-carddav.py).
# curl-shim.so is preloaded into SyncEvolution, which is not instrumented,
# so it is built with the plain CFLAGS (no sanitizers).
check_DATA = tests/interop/curl-shim.so
tests/interop/curl-shim.so: $(top_srcdir)/tests/interop/curl-shim.c
	@mkdir -p tests/interop
	$(CC) $(CFLAGS) $(CURL_CFLAGS) -Wall -Wextra -fPIC -shared \
		-o $@ $(top_srcdir)/tests/interop/curl-shim.c -ldl
CLEANFILES += tests/interop/curl-shim.so
TESTS += tests/interop/test-cardcompare.py \
	tests/interop/test-syncevolution.sh \
	tests/interop/test-syncevolution-restore.sh \
	tests/interop/test-agent-syncevolution.sh \
	tests/interop/test-carddav.sh \
	tests/interop/test-carddav-replay.sh \
	tests/interop/test-ldap.sh
EXTRA_DIST += tests/interop/curl-shim.c tests/interop/test-syncevolution.sh \
	tests/interop/test-syncevolution-restore.sh \
	tests/interop/cardcompare.py tests/interop/test-cardcompare.py \
	tests/interop/test-agent-syncevolution.sh \
	tests/interop/syncevo-server.py tests/interop/test-carddav.sh \
	tests/interop/test-carddav-replay.sh tests/interop/replay-carddav.py \
	tests/interop/test-ldap.sh tests/interop/ldapcompare.py \
	tests/interop/ldif.py tests/interop/slapd.sh \
	ldap/orgbook.schema ldap/orgbook.ldif
LINT_FILES += tests/interop/curl-shim.c
