# tests/hostile: the server and the agent probed as a hostile client or
# server would (session takeover, expiry, slow senders, oversized bodies).
TESTS += tests/hostile/test-session-takeover.sh \
	tests/hostile/test-session-expiry.sh tests/hostile/test-map-flood.sh \
	tests/hostile/test-disk-full.sh
EXTRA_DIST += tests/hostile/lib.sh \
	tests/hostile/test-session-takeover.sh tests/hostile/takeover.py \
	tests/hostile/test-session-expiry.sh tests/hostile/expiry.py \
	tests/hostile/test-map-flood.sh tests/hostile/mapflood.py \
	tests/hostile/test-disk-full.sh
