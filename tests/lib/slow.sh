# Sourced first by the suites that drive real clients or long waits for
# minutes (browser, SyncEvolution, vdirsyncer, convergence, slow senders):
# under OB_TEST_SKIP_SLOW (distcheck, after the ASan and valgrind builds
# ran them) they skip, so the release tarball's check builds everything
# and runs the rest without paying for them a third time.
if [ -n "${OB_TEST_SKIP_SLOW:-}" ]; then
	echo "1..0 # SKIP OB_TEST_SKIP_SLOW: run in the ASan and valgrind builds"
	exit 0
fi
