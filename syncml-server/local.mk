# syncml-server: orgbook-server, the SyncML DS server (libmicrohttpd).
bin_PROGRAMS += syncml-server/orgbook-server
syncml_server_orgbook_server_SOURCES = \
	syncml-server/server.h syncml-server/main.c syncml-server/config.c \
	syncml-server/httpd.h syncml-server/httpd.c \
	syncml-server/auth.h syncml-server/auth.c \
	syncml-server/devinf.h syncml-server/devinf.c \
	syncml-server/session.h syncml-server/session.c \
	syncml-server/sync.h syncml-server/sync.c \
	syncml-server/reply.h syncml-server/reply.c
syncml_server_orgbook_server_CPPFLAGS = $(AM_CPPFLAGS) $(MHD_CFLAGS) \
	$(GNUTLS_CFLAGS) $(XML_CFLAGS) $(WBXML_CFLAGS) $(SQLITE_CFLAGS)
syncml_server_orgbook_server_LDADD = webadmin/libwebadmin.a \
	lib/syncml/libsml.a vcard/libvcard.a lib/pinyin/libpinyin.a \
	$(DSTORE_LIBS) $(XML_LIBS) $(WBXML_LIBS) $(MHD_LIBS) $(GNUTLS_LIBS) \
	-lpthread
LINT_FILES += $(filter %.c,$(syncml_server_orgbook_server_SOURCES))
dist_man_MANS += syncml-server/orgbook-server.8
orgbookconfdir = $(sysconfdir)/orgbook
dist_orgbookconf_DATA = syncml-server/orgbook-server.conf.example
systemdunitdir = $(prefix)/lib/systemd/system
dist_systemdunit_DATA = syncml-server/orgbook-server.service
