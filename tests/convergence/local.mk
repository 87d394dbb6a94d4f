# tests/convergence: the model-based convergence test (converge.py):
# random directory changes and client events, real SyncEvolution and
# orgbook-agent clients against the real server, the invariant checked
# after every sync. make check runs the CI size; make soak adds 2,000
# rounds (OB_SOAK_ROUNDS, OB_SOAK_SEED override).
TESTS += tests/convergence/test-convergence.sh
# A known defect (issue 13, open): a client restored from a snapshot
# holding an old card of a person whose name, phones and e-mails all
# changed since keeps it as the user's own, and the person is added
# again (seed 2026, se-xml-30-md5, round 49: the map history knows the
# LUID, but the card no longer shares a name or contact with its person,
# the guard against a LUID taken over by a user's card). The CI size
# reaches it in the ASan build; the valgrind build's 18 rounds do not.
# Remove this when the defect is fixed (an XPASS counts as a failure).
if !ENABLE_VALGRIND_TESTS
XFAIL_TESTS = tests/convergence/test-convergence.sh
endif
EXTRA_DIST += tests/convergence/converge.py \
	tests/convergence/test-convergence.sh

soak: soak-convergence
soak-convergence: all tests/interop/curl-shim.so
	$(PYTHON3_SOAK) $(top_srcdir)/tests/convergence/converge.py \
		--seed $${OB_SOAK_SEED:-$$(date +%s)} \
		--rounds $${OB_SOAK_ROUNDS:-2000} --progress 100 --keep-going \
		--build $(top_builddir) --srcdir $(top_srcdir)
PYTHON3_SOAK = /usr/bin/python3
.PHONY: soak-convergence
