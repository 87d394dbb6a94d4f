# carddav: the read-only CardDAV front end (libcarddav.a): the request-body
# reader (request.c: PROPFIND, sync-collection, addressbook-multiget and
# -query bodies into a plain struct, over lib/syncml's XML reader, so
# nothing here touches libxml2) and the handler (dav.c: URLs, properties,
# reports, GET, the refusal of writes), mounted by server/httpd.c.
noinst_LIBRARIES += carddav/libcarddav.a
carddav_libcarddav_a_SOURCES = carddav/request.h carddav/request.c \
	carddav/dav.h carddav/dav.c
carddav_libcarddav_a_CPPFLAGS = $(AM_CPPFLAGS)
CARDDAV_LIBS = carddav/libcarddav.a $(SML_LIBS)
LINT_FILES += $(filter %.c,$(carddav_libcarddav_a_SOURCES))

check_PROGRAMS += carddav/test-dav-request
TESTS += carddav/test-dav-request
carddav_test_dav_request_SOURCES = carddav/test-dav-request.c
carddav_test_dav_request_LDADD = tests/lib/libobtest.a $(CARDDAV_LIBS)
LINT_FILES += carddav/test-dav-request.c
EXTRA_DIST += testdata/carddav

check_PROGRAMS += carddav/test-dav
TESTS += carddav/test-dav
carddav_test_dav_SOURCES = carddav/test-dav.c
carddav_test_dav_LDADD = tests/lib/libobtest.a carddav/libcarddav.a \
	lib/dirfeed/libdirfeed.a lib/dircard/libdircard.a vcard/libvcard.a \
	lib/pinyin/libpinyin.a $(DSTORE_LIBS) $(SML_LIBS)
LINT_FILES += carddav/test-dav.c
