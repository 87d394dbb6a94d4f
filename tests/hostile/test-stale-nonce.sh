#!/bin/sh
# MD5 digests made with a superseded nonce are re-challenged, not counted
# as failed logins, so they cannot lock out an address; wrong-password
# digests still do. orgbook-server probed by stalenonce.py. Prints TAP.
. "${top_srcdir:-.}/tests/hostile/lib.sh"
accounts=8 pw=stale-demo
i=0
while [ $i -lt $accounts ]; do
	echo "$pw" | "$ADMIN" --db "$db" account create --tenant acme \
		"stale-$i@acme" --password-stdin >/dev/null || exit 1
	i=$((i + 1))
done
start_server
$PY "$top_srcdir/tests/hostile/stalenonce.py" "$url" "$db" $accounts "$pw"
rc=$?
stop_server || rc=1
exit $rc
