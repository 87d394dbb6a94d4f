# carddav: the read-only CardDAV front end (libcarddav.a). For now the
# request-body reader (request.c: PROPFIND, sync-collection,
# addressbook-multiget and -query bodies into a plain struct, over
# lib/syncml's XML reader, so nothing here touches libxml2).
noinst_LIBRARIES += carddav/libcarddav.a
carddav_libcarddav_a_SOURCES = carddav/request.h carddav/request.c
CARDDAV_LIBS = carddav/libcarddav.a $(SML_LIBS)
LINT_FILES += $(filter %.c,$(carddav_libcarddav_a_SOURCES))

check_PROGRAMS += carddav/test-dav-request
TESTS += carddav/test-dav-request
carddav_test_dav_request_SOURCES = carddav/test-dav-request.c
carddav_test_dav_request_LDADD = tests/lib/libobtest.a $(CARDDAV_LIBS)
LINT_FILES += carddav/test-dav-request.c
EXTRA_DIST += testdata/carddav
