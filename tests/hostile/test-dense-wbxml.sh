#!/bin/sh
# A client's string-table WBXML decodes to many times its bytes: the
# server's decoder cap must take a real dense message (~80x, 200 KiB ->
# 5.7 MB; the old 16x + 1 MiB cap refused it as "malformed") and refuse
# a decompression bomb (1 MiB -> 2.4 GB) with 413 before building it,
# its memory bounded. Prints TAP.
. "${top_srcdir:-.}/tests/hostile/lib.sh"
. "$top_srcdir/tests/lib/tap.sh"
start_server
res=$($PY "$top_srcdir/tests/hostile/dense.py" "$url")
get() { printf '%s' "$res" | $PY -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
echo "# $(get dense_bytes) bytes of WBXML decoding to $(get dense_decoded)+; bomb $(get bomb_bytes) bytes"
[ "$(get dense_status)" = 200 ] &&
	ok "a dense string-table message (~$(( $(get dense_decoded) / $(get dense_bytes) ))x) is read" ||
	notok "a dense string-table message is read (HTTP $(get dense_status): $(get dense_body))"
[ "$(get bomb_status)" = 413 ] && get bomb_body | grep -q "too large: .*larger than [0-9]* bytes" &&
	ok "a WBXML bomb is refused with 413 naming the limit" ||
	notok "a WBXML bomb is refused with 413 naming the limit (HTTP $(get bomb_status): $(get bomb_body))"
rss=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$spid/status 2>/dev/null)
if [ -z "$VG" ] && [ -n "$rss" ]; then
	[ "$rss" -lt 262144 ] && ok "peak RSS stays bounded ($rss kB)" ||
		notok "peak RSS stays bounded ($rss kB)"
fi
kill -0 "$spid" && ok "the server is still up" || notok "the server is still up"
stop_server && ok "server clean" || notok "server clean"
echo "1..$n"
exit $failed
