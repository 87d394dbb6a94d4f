# bench: benchmarks run by `make bench`, each printing a table.
EXTRA_PROGRAMS += bench/bench-dirstore
OB_BENCHES += bench/bench-dirstore
bench_bench_dirstore_SOURCES = bench/bench-dirstore.c
bench_bench_dirstore_LDADD = webadmin/libwebadmin.a import/libimport.a lib/dircard/libdircard.a vcard/libvcard.a lib/pinyin/libpinyin.a $(DSTORE_LIBS)
LINT_FILES += bench/bench-dirstore.c

EXTRA_PROGRAMS += bench/bench-sync
OB_BENCHES += bench/bench-sync
bench_bench_sync_SOURCES = bench/bench-sync.c bench/benchlib.c bench/benchlib.h
bench_bench_sync_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS) $(XML_CFLAGS)
bench_bench_sync_LDADD = webadmin/libwebadmin.a import/libimport.a lib/syncml/libsml.a \
	lib/dircard/libdircard.a vcard/libvcard.a lib/pinyin/libpinyin.a $(DSTORE_LIBS) $(XML_LIBS) \
	$(CURL_LIBS) -lpthread
LINT_FILES += bench/bench-sync.c bench/benchlib.c

EXTRA_PROGRAMS += bench/bench-agent
OB_BENCHES += bench/bench-agent
bench_bench_agent_SOURCES = bench/bench-agent.c bench/benchlib.c
bench_bench_agent_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
bench_bench_agent_LDADD = agent/libagent.a webadmin/libwebadmin.a import/libimport.a \
	lib/syncml/libsml.a lib/dircard/libdircard.a vcard/libvcard.a lib/pinyin/libpinyin.a \
	$(DSTORE_LIBS) $(SQLITE_LIBS) $(CURL_LIBS) $(GNUTLS_LIBS) \
	$(XML_LIBS)
LINT_FILES += bench/bench-agent.c

EXTRA_PROGRAMS += bench/bench-directory
OB_BENCHES += bench/bench-directory
bench_bench_directory_SOURCES = bench/bench-directory.c
bench_bench_directory_CPPFLAGS = $(AM_CPPFLAGS) \
	-DOB_TOP_SRCDIR='"$(abs_top_srcdir)"'
bench_bench_directory_LDADD = webadmin/libwebadmin.a import/libimport.a lib/dircard/libdircard.a vcard/libvcard.a \
	lib/pinyin/libpinyin.a $(DSTORE_LIBS)
LINT_FILES += bench/bench-directory.c
EXTRA_DIST += bench/bench-pg.sh bench/bench-cluster.sh bench/haproxy-bench.cfg.in

# make bench-cluster: 1,000 devices (BENCH_DEVICES) fast-syncing at once
# through haproxy to 1, 2 and 3 instances on one PostgreSQL, 10,000
# people (BENCH_PEOPLE); needs libpq, PostgreSQL 15 and haproxy.
bench-cluster: bench/bench-sync server/orgbook-server
	top_srcdir=$(top_srcdir) BENCH_DEVICES='$(BENCH_DEVICES)' \
	  BENCH_PEOPLE='$(BENCH_PEOPLE)' $(SHELL) $(top_srcdir)/bench/bench-cluster.sh
.PHONY: bench-cluster

# bench-carddav: CardDAV first syncs, deltas and polls, against Radicale
# (make bench-carddav; not part of make bench: it runs Radicale).
EXTRA_PROGRAMS += bench/bench-carddav
bench_bench_carddav_SOURCES = bench/bench-carddav.c bench/benchlib.c bench/benchlib.h
bench_bench_carddav_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS)
bench_bench_carddav_LDADD = webadmin/libwebadmin.a import/libimport.a \
	lib/dircard/libdircard.a vcard/libvcard.a lib/pinyin/libpinyin.a $(DSTORE_LIBS) \
	$(CURL_LIBS)
LINT_FILES += bench/bench-carddav.c
EXTRA_DIST += bench/bench-carddav.sh
bench-carddav: bench/bench-carddav server/orgbook-server
	$(SHELL) $(top_srcdir)/bench/bench-carddav.sh $(BENCH_PEOPLE)
.PHONY: bench-carddav

# bench-ldap: desk-phone LDAP searches on 100,000 people, orgbook-server
# side by side with slapd on the same data (make bench-ldap; not part of
# make bench: it runs slapd). BENCH_PEOPLE, BENCH_SEARCHES.
EXTRA_PROGRAMS += bench/bench-ldap
bench_bench_ldap_SOURCES = bench/bench-ldap.c
bench_bench_ldap_LDADD = -lpthread
LINT_FILES += bench/bench-ldap.c
EXTRA_DIST += bench/bench-ldap.sh
bench-ldap: bench/bench-ldap server/orgbook-server admin/orgbook-admin
	top_srcdir=$(top_srcdir) BENCH_PEOPLE='$(BENCH_PEOPLE)' \
	  BENCH_SEARCHES='$(BENCH_SEARCHES)' $(SHELL) $(top_srcdir)/bench/bench-ldap.sh
.PHONY: bench-ldap
