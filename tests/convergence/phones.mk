# tests/convergence/phones.mk: the recorded phone families of
# testdata/syncml/phone-*/ (Nokia, Sony Ericsson, Motorola) through
# slow -> fast -> stale -> slow against the real server, the phone's store
# compared with the directory's view after every sync (phones.py).
TESTS += tests/convergence/test-phone-families.sh
EXTRA_DIST += tests/convergence/test-phone-families.sh \
	tests/convergence/phones.py testdata/syncml/phone-nokia-6630 \
	testdata/syncml/phone-se-c510 testdata/syncml/phone-moto-v3
