# bench: benchmarks run by `make bench`, each printing a table.
EXTRA_PROGRAMS += bench/bench-dirstore
OB_BENCHES += bench/bench-dirstore
bench_bench_dirstore_SOURCES = bench/bench-dirstore.c
bench_bench_dirstore_LDADD = webadmin/libwebadmin.a vcard/libvcard.a lib/pinyin/libpinyin.a $(DSTORE_LIBS)
LINT_FILES += bench/bench-dirstore.c
