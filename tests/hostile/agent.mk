# tests/hostile (orgbook-agent): the agent against a server that misbehaves
# on purpose, the real orgbook-server behind a rewriting proxy
# (hostile-proxy.py). Included from the top Makefile.am beside
# tests/hostile/local.mk.
TESTS += tests/hostile/test-agent-hostile.sh
EXTRA_DIST += tests/hostile/test-agent-hostile.sh tests/hostile/hostile-proxy.py
