#!/bin/sh
# SyncEvolution resumes a sync cut after its first message (resume.py):
# the server answers 509 and a normal two-way sync, the client converges,
# also when it was re-challenged before the resume. Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
. "$top_srcdir/tests/lib/slow.sh"
top_builddir=${top_builddir:-.}
if ! command -v syncevolution >/dev/null; then
	echo "1..1"
	echo "not ok 1 - syncevolution is not installed (apt-get install syncevolution)"
	exit 1
fi
exec /usr/bin/python3 "$top_srcdir/tests/convergence/resume.py" \
	--build "$top_builddir" --srcdir "$top_srcdir"
