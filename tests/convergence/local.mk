# tests/convergence: the model-based convergence test (converge.py):
# random directory changes and client events, real SyncEvolution and
# orgbook-agent clients against the real server, the invariant checked
# after every sync. make check runs the CI size; make soak adds 2,000
# rounds (OB_SOAK_ROUNDS, OB_SOAK_SEED override).
TESTS += tests/convergence/test-resume.sh
EXTRA_DIST += tests/convergence/converge.py \
	tests/convergence/test-convergence.sh tests/convergence/test-resume.sh \
	tests/convergence/resume.py

soak: soak-convergence
soak-convergence: all tests/interop/curl-shim.so
	$(PYTHON3_SOAK) $(top_srcdir)/tests/convergence/converge.py \
		--seed $${OB_SOAK_SEED:-$$(date +%s)} \
		--rounds $${OB_SOAK_ROUNDS:-2000} --progress 100 --keep-going \
		--build $(top_builddir) --srcdir $(top_srcdir)
PYTHON3_SOAK = /usr/bin/python3
.PHONY: soak-convergence
