# tests/hostile: the server and the agent probed as a hostile client or
# server would: session takeover, expiry, a Map of made-up ids, a full
# disk (lib.sh starts the server), and idle and slowloris connections,
# header and body deadlines, body caps before the body is read, the
# unauthenticated-body budget (probe.py), MD5 digests with a superseded
# nonce from one address (stalenonce.py), a store whose lookups fail
# mid-sync (storefault.py); the LDAP listener's deadlines, caps and
# per-address limit, a crowd of trickling connections and a client that
# never reads (ldapprobe.py).
TESTS += tests/hostile/test-session-takeover.sh \
	tests/hostile/test-session-expiry.sh tests/hostile/test-map-flood.sh \
	tests/hostile/test-disk-full.sh tests/hostile/test-slow-senders.sh \
	tests/hostile/test-dense-wbxml.sh tests/hostile/test-stale-nonce.sh \
	tests/hostile/test-store-fault.sh tests/hostile/test-ldap-hostile.sh
EXTRA_DIST += tests/hostile/lib.sh tests/hostile/sml.py \
	tests/hostile/test-session-takeover.sh tests/hostile/takeover.py \
	tests/hostile/test-session-expiry.sh tests/hostile/expiry.py \
	tests/hostile/test-map-flood.sh tests/hostile/mapflood.py \
	tests/hostile/test-disk-full.sh \
	tests/hostile/test-slow-senders.sh tests/hostile/probe.py \
	tests/hostile/test-dense-wbxml.sh tests/hostile/dense.py \
	tests/hostile/test-stale-nonce.sh tests/hostile/stalenonce.py \
	tests/hostile/test-store-fault.sh tests/hostile/storefault.py \
	tests/hostile/test-ldap-hostile.sh tests/hostile/ldapprobe.py
