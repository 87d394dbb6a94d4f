#!/bin/sh
# Runs one test of make check (LOG_COMPILER) and records how long it took:
# a line "SECONDS TEST" appended to test-times.txt in the build directory,
# which build-aux/check.sh sums up (the slowest suites of each build).
# With OB_VALGRIND=1 (--enable-valgrind-tests) a test program runs under
# valgrind; shell and Python tests run as they are and wrap the programs
# they start themselves.
t0=$(date +%s.%N)
case "$1" in
*.sh | *.py) "$@" ;;
*)
	if [ -n "${OB_VALGRIND:-}" ]; then
		# libjpeg-turbo's SIMD code reads the padding of its row buffers,
		# which valgrind follows into the pixels (its approximation of the
		# vector instructions); the same decode without SIMD is clean.
		JSIMD_FORCENONE=1 valgrind --quiet --error-exitcode=99 \
			--leak-check=full --errors-for-leak-kinds=definite \
			--track-fds=no "$@"
	else
		"$@"
	fi
	;;
esac
rc=$?
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v t="$1" 'BEGIN { printf "%.1f %s\n", b - a, t }' \
	>>test-times.txt
exit $rc
