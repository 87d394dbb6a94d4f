# tests/hostile: orgbook-server against hostile clients (probe.py): idle
# and slowloris connections, header and body deadlines, body caps before
# the body is read, the unauthenticated-body budget.
TESTS += tests/hostile/test-slow-senders.sh
EXTRA_DIST += tests/hostile/test-slow-senders.sh tests/hostile/probe.py
