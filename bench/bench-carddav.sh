#!/bin/sh
# make bench-carddav: bench/bench-carddav's CardDAV table, with Radicale's
# rows when a radicale program is there. BENCH_RADICALE names one (else
# the one on PATH); when none is found and this runs as root with apt-get,
# it installs Debian's radicale package first and says so; otherwise the
# table has Orgbook's rows only.
#   bench-carddav.sh [PEOPLE]   (the largest size, default 100000)
# BENCH_RADICALE_MAX (default 10000): the largest size run on Radicale.
people=${1:-100000}
rad=${BENCH_RADICALE:-$(command -v radicale)}
if [ -z "$rad" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	echo "bench-carddav: installing Debian's radicale (apt-get install -y radicale)" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q radicale >&2 &&
		rad=$(command -v radicale)
fi
if [ -z "$rad" ]; then
	echo "bench-carddav: no radicale program; Orgbook's rows only" >&2
fi
BENCH_RADICALE=$rad exec ./bench/bench-carddav "$people"
