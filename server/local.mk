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

# The service: the unit (its paths substituted here, at make time, so that
# "make prefix=..." and DESTDIR installs get the right ones), the user
# (sysusers.d), its folders (tmpfiles.d) and the default configuration.
# Override the folders on make's command line when a system keeps them
# elsewhere (debian/rules: systemdunitdir=/lib/systemd/system).
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = server/orgbook-server.service
sysusersdir = $(prefix)/lib/sysusers.d
tmpfilesdir = $(prefix)/lib/tmpfiles.d
orgbookconfdir = $(sysconfdir)/orgbook
EXTRA_DIST += server/orgbook-server.service.in server/orgbook.sysusers \
	server/orgbook.tmpfiles server/orgbook-server.conf
CLEANFILES += server/orgbook-server.service
OB_EDIT = sed -e 's|@bindir[@]|$(bindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g'
server/orgbook-server.service: $(top_srcdir)/server/orgbook-server.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) server && $(OB_EDIT) $(top_srcdir)/server/orgbook-server.service.in >$@.tmp && mv $@.tmp $@

# The configuration is installed once: an operator's edited file is never
# overwritten by "make install" (the new default goes beside it as .dist).
install-data-local: install-orgbook-conf
install-orgbook-conf:
	$(MKDIR_P) $(DESTDIR)$(orgbookconfdir) $(DESTDIR)$(sysusersdir) $(DESTDIR)$(tmpfilesdir)
	$(INSTALL_DATA) $(top_srcdir)/server/orgbook.sysusers $(DESTDIR)$(sysusersdir)/orgbook.conf
	$(INSTALL_DATA) $(top_srcdir)/server/orgbook.tmpfiles $(DESTDIR)$(tmpfilesdir)/orgbook.conf
	@if test -f $(DESTDIR)$(orgbookconfdir)/orgbook-server.conf; then \
	  echo "keeping $(DESTDIR)$(orgbookconfdir)/orgbook-server.conf (new default: orgbook-server.conf.dist)"; \
	  $(INSTALL_DATA) $(top_srcdir)/server/orgbook-server.conf $(DESTDIR)$(orgbookconfdir)/orgbook-server.conf.dist; \
	else \
	  $(INSTALL_DATA) $(top_srcdir)/server/orgbook-server.conf $(DESTDIR)$(orgbookconfdir)/orgbook-server.conf; \
	fi
uninstall-local: uninstall-orgbook-conf
uninstall-orgbook-conf:
	rm -f $(DESTDIR)$(sysusersdir)/orgbook.conf $(DESTDIR)$(tmpfilesdir)/orgbook.conf \
	  $(DESTDIR)$(orgbookconfdir)/orgbook-server.conf.dist
	@if cmp -s $(top_srcdir)/server/orgbook-server.conf $(DESTDIR)$(orgbookconfdir)/orgbook-server.conf; then \
	  rm -f $(DESTDIR)$(orgbookconfdir)/orgbook-server.conf; fi
.PHONY: install-orgbook-conf uninstall-orgbook-conf

# PostgreSQL restarted under a running server (SKIP without libpq)
TESTS += server/test-db-outage.sh
EXTRA_DIST += server/test-db-outage.sh
