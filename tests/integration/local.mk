# tests/integration: the real orgbook-server driven by a scripted SyncML
# client (smlclient.py), its copy compared with the directory's export.
TESTS += tests/integration/test-sync.sh tests/integration/test-agent.sh
EXTRA_DIST += tests/integration/test-sync.sh tests/integration/test-agent.sh tests/integration/smlclient.py \
	tests/integration/viewcheck.py tests/integration/replay.py
