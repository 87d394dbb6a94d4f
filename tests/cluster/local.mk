# tests/cluster: three orgbook-server instances on one PostgreSQL store
# behind haproxy (round robin, no stickiness), an instance killed mid-sync,
# PostgreSQL restarted mid-sync, concurrent sessions, SyncEvolution and the
# agent through haproxy. Skips without PostgreSQL or haproxy.
TESTS += tests/cluster/test-cluster.sh
EXTRA_DIST += tests/cluster/test-cluster.sh tests/cluster/haproxy.cfg.in \
	tests/cluster/retryclient.py
