# tests/hostile: the server and the agent probed as a hostile client or
# server would (session takeover, slow senders, oversized bodies, ...).
TESTS += tests/hostile/test-session-takeover.sh
EXTRA_DIST += tests/hostile/test-session-takeover.sh tests/hostile/takeover.py
