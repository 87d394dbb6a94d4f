# tests/install: the service as installed.
# test-sandbox: orgbook-server under the unit's sandbox settings (its
# system calls against SystemCallFilter, socket families, W^X), traced;
# SKIP without root, strace or systemd-analyze.
TESTS += tests/install/test-sandbox.sh
EXTRA_DIST += tests/install/test-sandbox.sh

