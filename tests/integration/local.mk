# tests/integration: the real orgbook-server driven by a scripted SyncML
# client (smlclient.py), its copy compared with the directory's export.
TESTS += tests/integration/test-sync.sh tests/integration/test-agent.sh \
	tests/integration/test-agent-scale.sh tests/integration/test-slow-match.sh \
	tests/integration/test-account-reset.sh \
	tests/integration/test-carddav-stream.sh \
	tests/integration/test-watch.sh tests/integration/test-prune-edge.sh
EXTRA_DIST += tests/integration/test-sync.sh tests/integration/test-agent.sh \
	tests/integration/test-agent-scale.sh tests/integration/smlclient.py \
	tests/integration/test-slow-match.sh \
	tests/integration/test-account-reset.sh \
	tests/integration/viewcheck.py tests/integration/replay.py \
	tests/integration/test-carddav-stream.sh \
	tests/integration/dav-client.py \
	tests/integration/test-watch.sh tests/integration/promcheck.py \
	tests/integration/test-prune-edge.sh \
	contrib/grafana/orgbook-dashboard.json \
	contrib/prometheus/orgbook-alerts.yml

# 100,000 people over WBXML and XML: too slow for make check.
soak: all
	OB_PEOPLE=100000 top_srcdir=$(top_srcdir) top_builddir=$(top_builddir) \
		$(SHELL) $(top_srcdir)/tests/integration/test-agent-scale.sh
.PHONY: soak
