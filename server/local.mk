# server: orgbook-server, the process. Its listeners (libmicrohttpd, HTTP
# and HTTPS: /sync for SyncML, the .vcf export, the web admin, /healthz
# and /metrics), the slow-sender guard, housekeeping and the command line
# mount the SyncML engine (syncml-server/) and the web admin (webadmin/).
# Nothing here speaks SyncML or renders a page: it moves requests and
# bytes between sockets and those two.
bin_PROGRAMS += server/orgbook-server
server_orgbook_server_SOURCES = server/main.c \
	server/httpd.h server/httpd.c \
	server/housekeep.h server/housekeep.c \
	server/connguard.h server/connguard.c \
	server/ldapd.h server/ldapd.c server/tls.h
server_orgbook_server_CPPFLAGS = $(syncml_server_libsrv_a_CPPFLAGS)
server_orgbook_server_LDADD = $(LDAPFE_LIBS) carddav/libcarddav.a webadmin/libwebadmin.a import/libimport.a \
	$(SRV_LIBS)
LINT_FILES += $(filter %.c,$(server_orgbook_server_SOURCES))
dist_man_MANS += server/orgbook-server.8
orgbookconfdir = $(sysconfdir)/orgbook
dist_orgbookconf_DATA = server/orgbook-server.conf.example
systemdunitdir = $(prefix)/lib/systemd/system
dist_systemdunit_DATA = server/orgbook-server.service

# PostgreSQL restarted under a running server (SKIP without libpq)
TESTS += server/test-db-outage.sh
EXTRA_DIST += server/test-db-outage.sh
