# carddav: the read-only front ends over the directory for clients that
# do not speak SyncML (libcarddav.a), mounted by server/httpd.c: CardDAV
# (request.c reads PROPFIND, sync-collection, addressbook-multiget and
# -query bodies into a plain struct, over lib/syncml's XML reader, so
# nothing here touches libxml2; dav.c answers: URLs, properties, reports,
# GET, the refusal of writes) and the desk-phone remote XML phonebooks
# (phonebook.c: Yealink, Cisco, Snom, Grandstream and Fanvil).
noinst_LIBRARIES += carddav/libcarddav.a
carddav_libcarddav_a_SOURCES = carddav/request.h carddav/request.c \
	carddav/dav.h carddav/dav.c \
	carddav/phonebook.h carddav/phonebook.c
carddav_libcarddav_a_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
CARDDAV_LIBS = carddav/libcarddav.a $(SML_LIBS)
LINT_FILES += $(filter %.c,$(carddav_libcarddav_a_SOURCES))

# -- CardDAV
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

check_PROGRAMS += carddav/test-dav-photo
TESTS += carddav/test-dav-photo
carddav_test_dav_photo_SOURCES = carddav/test-dav-photo.c
carddav_test_dav_photo_LDADD = tests/lib/libobtest.a carddav/libcarddav.a \
	lib/dirfeed/libdirfeed.a lib/dircard/libdircard.a vcard/libvcard.a \
	lib/pinyin/libpinyin.a $(DSTORE_LIBS) $(SML_LIBS)
LINT_FILES += carddav/test-dav-photo.c

# -- desk-phone phonebooks
LINT_FILES += carddav/test-phonebook.c
check_PROGRAMS += carddav/test-phonebook
TESTS += carddav/test-phonebook tests/integration/test-phonebook.sh
carddav_test_phonebook_SOURCES = carddav/test-phonebook.c
carddav_test_phonebook_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
carddav_test_phonebook_LDADD = tests/lib/libobtest.a carddav/libcarddav.a \
	lib/pinyin/libpinyin.a $(DSTORE_LIBS)
EXTRA_DIST += tests/integration/test-phonebook.sh \
	testdata/phonebook/yealink.xml testdata/phonebook/yealink-menu.xml \
	testdata/phonebook/cisco.xml testdata/phonebook/snom.xml \
	testdata/phonebook/grandstream.xml testdata/phonebook/fanvil.xml \
	testdata/phonebook/xmlshape.py \
	testdata/phonebook/expect/yealink.xml \
	testdata/phonebook/expect/yealink-menu.xml \
	testdata/phonebook/expect/cisco.xml testdata/phonebook/expect/snom.xml \
	testdata/phonebook/expect/grandstream.xml \
	testdata/phonebook/expect/fanvil.xml
# make bench: each vendor's document of 10,000 people (CPU, bytes)
EXTRA_PROGRAMS += bench/bench-phonebook
OB_BENCHES += bench/bench-phonebook
bench_bench_phonebook_SOURCES = bench/bench-phonebook.c
bench_bench_phonebook_CPPFLAGS = $(AM_CPPFLAGS) \
	-DOB_TOP_SRCDIR='"$(abs_top_srcdir)"'
bench_bench_phonebook_LDADD = carddav/libcarddav.a import/libimport.a \
	lib/dircard/libdircard.a vcard/libvcard.a lib/pinyin/libpinyin.a \
	$(DSTORE_LIBS)
LINT_FILES += bench/bench-phonebook.c
