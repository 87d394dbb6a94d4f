# carddav: the read-only front ends over the directory for clients that
# do not speak SyncML (libcarddav.a).

# -- desk-phone phonebooks (carddav/phonebook.*): remote XML phonebooks
# of Yealink, Cisco, Snom, Grandstream and Fanvil phones.
noinst_LIBRARIES += carddav/libcarddav.a
carddav_libcarddav_a_SOURCES = carddav/phonebook.h carddav/phonebook.c
carddav_libcarddav_a_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
LINT_FILES += carddav/phonebook.c carddav/test-phonebook.c
check_PROGRAMS += carddav/test-phonebook
TESTS += carddav/test-phonebook tests/integration/test-phonebook.sh
carddav_test_phonebook_SOURCES = carddav/test-phonebook.c
carddav_test_phonebook_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
carddav_test_phonebook_LDADD = tests/lib/libobtest.a carddav/libcarddav.a \
	lib/pinyin/libpinyin.a $(DSTORE_LIBS)
server_orgbook_server_LDADD += carddav/libcarddav.a $(DSTORE_LIBS)
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
# -- end of desk-phone phonebooks
