#!/bin/sh
# Runs one test program under valgrind (make check --enable-valgrind-tests).
# Shell-script tests run as they are; the programs they start are not wrapped.
case "$1" in
*.sh|*.py) exec "$@" ;;
esac
exec valgrind --quiet --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --track-fds=no "$@"
