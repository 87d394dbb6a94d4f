#!/bin/sh
# Session and nonce rows are bounded and expire: orgbook-server with short
# lifetimes, probed by expiry.py. Prints TAP.
. "${top_srcdir:-.}/tests/hostile/lib.sh"
ttl=5 age=10 per_account=3 per_login=4
start_server --session-ttl $ttl --session-max-age $age \
	--sessions-per-account $per_account --nonces-per-login $per_login \
	--housekeeping-interval 1
$PY "$top_srcdir/tests/hostile/expiry.py" "$url" "$db" $ttl $age \
	$per_account $per_login "http://127.0.0.1:$aport/metrics" "$tmp/server.log"
rc=$?
grep -q "housekeeping: [0-9]* expired sessions" "$tmp/server.log" ||
	{ echo "# no housekeeping line in the server log"; rc=1; }
stop_server || rc=1
exit $rc
