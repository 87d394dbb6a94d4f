# tests/pg: end-to-end suites run again with their store on PostgreSQL
# (each wrapper sets OB_TEST_BACKEND=pg for a script of another suite;
# tests/lib/db.sh starts the private server).
# (test-carddav-stream-pg and test-agent-pg are in TESTS first: Makefile.am)
PG_SUITES = tests/pg/test-sync-pg.sh \
	tests/pg/test-webadmin-pg.sh tests/pg/test-session-takeover-pg.sh \
	tests/pg/test-session-expiry-pg.sh tests/pg/test-stale-nonce-pg.sh \
	tests/pg/test-map-flood-pg.sh tests/pg/test-pg-conflict.sh \
	tests/pg/test-carddav-replay-pg.sh tests/pg/test-phonebook-pg.sh
TESTS += $(PG_SUITES)
EXTRA_DIST += $(PG_SUITES) tests/pg/on-pg.sh tests/lib/db.sh \
	tests/pg/test-carddav-stream-pg.sh tests/pg/test-agent-pg.sh
