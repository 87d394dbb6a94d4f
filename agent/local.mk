# agent: orgbook-agent, the offline directory client (libcurl, SQLite FTS5).
noinst_LIBRARIES += agent/libagent.a
agent_libagent_a_SOURCES = agent/store.h agent/store.c agent/sync.h \
	agent/sync.c agent/respuri.h agent/respuri.c
agent_libagent_a_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS) $(CURL_CFLAGS) \
	$(GNUTLS_CFLAGS)
AGENT_LIBS = agent/libagent.a lib/syncml/libsml.a lib/dircard/libdircard.a vcard/libvcard.a \
	lib/pinyin/libpinyin.a lib/util/libobutil.a $(SQLITE_LIBS) \
	$(CURL_LIBS) $(GNUTLS_LIBS) $(XML_LIBS) -lpthread
LINT_FILES += agent/store.c agent/sync.c agent/main.c agent/respuri.c

bin_PROGRAMS += agent/orgbook-agent
agent_orgbook_agent_SOURCES = agent/main.c
agent_orgbook_agent_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS)
agent_orgbook_agent_LDADD = $(AGENT_LIBS)

check_PROGRAMS += agent/test-agent-store
TESTS += agent/test-agent-store
agent_test_agent_store_SOURCES = agent/test-agent-store.c
agent_test_agent_store_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
agent_test_agent_store_LDADD = tests/lib/libobtest.a $(AGENT_LIBS)
LINT_FILES += agent/test-agent-store.c

check_PROGRAMS += agent/test-agent-respuri
TESTS += agent/test-agent-respuri
agent_test_agent_respuri_SOURCES = agent/test-agent-respuri.c
agent_test_agent_respuri_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS)
agent_test_agent_respuri_LDADD = tests/lib/libobtest.a $(AGENT_LIBS)
LINT_FILES += agent/test-agent-respuri.c
dist_man_MANS += agent/orgbook-agent.1

# The user service and timer: orgbook-agent sync every 15 minutes.
systemduserunitdir = $(prefix)/lib/systemd/user
systemduserunit_DATA = agent/orgbook-agent.service
dist_systemduserunit_DATA = agent/orgbook-agent.timer
EXTRA_DIST += agent/orgbook-agent.service.in
CLEANFILES += agent/orgbook-agent.service
agent/orgbook-agent.service: $(top_srcdir)/agent/orgbook-agent.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) agent && $(OB_EDIT) $(top_srcdir)/agent/orgbook-agent.service.in >$@.tmp && mv $@.tmp $@
