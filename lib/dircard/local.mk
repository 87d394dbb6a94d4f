# lib/dircard: person <-> vCard, the one render policy (dialect, photos,
# buffer growth) and the streaming .vcf export (libdircard.a); used by the
# sync server, the web admin, the import and the agent.
noinst_LIBRARIES += lib/dircard/libdircard.a
lib_dircard_libdircard_a_SOURCES = lib/dircard/dircard.h \
	lib/dircard/card.c lib/dircard/render.c \
	lib/dircard/export.h lib/dircard/export.c
lib_dircard_libdircard_a_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
LINT_FILES += $(filter %.c,$(lib_dircard_libdircard_a_SOURCES))
