# tests/wire: the wire-bytes safety net. The real server through fixed
# sequences (recorded phones, the scripted client, the phone families),
# every reply compared byte for byte with tests/wire/golden/*.gz after the
# normalisation documented in test-wire.sh. OB_WIRE_UPDATE=1 rewrites them.
# It also plays bench/bench-sync's client: built by make check too.
TESTS += tests/wire/test-wire.sh
check_PROGRAMS += bench/bench-sync
EXTRA_DIST += tests/wire/test-wire.sh tests/wire/record.py \
	tests/wire/dtdorder.py tests/wire/golden
