#!/bin/sh
# Runs one test program under valgrind (make check --enable-valgrind-tests).
# Shell-script tests run as they are; the programs they start are not wrapped.
case "$1" in
*.sh|*.py) exec "$@" ;;
esac
# libjpeg-turbo's SIMD code reads the padding of its row buffers, which
# valgrind follows into the pixels (its approximation of the vector
# instructions); the same decode without SIMD is clean, so run it so.
JSIMD_FORCENONE=1
export JSIMD_FORCENONE
exec valgrind --quiet --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --track-fds=no "$@"
