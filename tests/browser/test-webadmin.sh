#!/bin/sh
# The admin pages in Debian's headless Chromium (Playwright, webadmin.mjs)
# against the real orgbook-server over HTTPS on loopback, on the demo
# directory and 2,000 generated people, with the agent
# syncing over HTTPS (CA file, then a pinned key) before and after the
# administrator's changes: the device must see exactly what was done in
# the browser; then both languages (Chinese by Accept-Language, the
# remembered switch, times in the browser's zone). Screenshots of the
# main pages are left in $top_builddir/tests/browser/screenshots for
# review. Prints TAP.
# Needs chromium, node and npm (build-aux/install-deps.sh); playwright-core
# is installed from npm into $top_builddir/tests/browser/npm/node_modules.
set -u
top_srcdir=${top_srcdir:-.}
. "$top_srcdir/tests/lib/slow.sh"
top_builddir=${top_builddir:-.}
PY=/usr/bin/python3
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
AGENT="$top_builddir/agent/orgbook-agent"
tmp=$(mktemp -d)
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/browser/lib.sh"
spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$top_srcdir/tests/lib/db.sh"
db_setup_tap "$tmp"
ob() { "$ADMIN" --db "$db" "$@"; }
browser_vg
agent() { "$AGENT" --dir "$tmp/agent" "$@"; }
same() { browser_same acme "$1"; } # NAME: agent copy == directory view
browser() { # PHASE: run webadmin.mjs, one TAP line per check
	ADMIN_URL="$admin_url" SHOT_DIR="$shots" STATE="$tmp/state.json" \
		FIXTURES="$tmp/fix" ADMIN_USER=admin@acme \
		ADMIN_PASSWORD=orgbook-admin-demo B_USER=boss@northwind \
		B_PASSWORD=northwind-boss-pw THROTTLE_USER=second@acme \
		THROTTLE_PASSWORD=second-admin-pw SEARCH_CELL="$search_cell" \
		SEARCH_UID="$search_uid" \
		NODE_PATH="$nodedir/node_modules" \
		node "$tmp/webadmin.mjs" "$1" >"$tmp/browser.out" 2>&1
	rc=$?
	lines=0
	while IFS= read -r line; do
		case "$line" in
		"PASS "*) ok "browser $1: ${line#PASS }" ;;
		"FAIL "*) notok "browser $1: ${line#FAIL }" ;;
		*) echo "# $line" ;;
		esac
		lines=$((lines + 1))
	done <"$tmp/browser.out"
	[ "$rc" = 0 ] || [ "$lines" -gt 0 ] || notok "browser $1 did not run (exit $rc)"
}

# -- tools: chromium, node, playwright-core ------------------------------------
browser_tools
browser_script webadmin.mjs
shots="$top_builddir/tests/browser/screenshots"
rm -rf "$shots"
mkdir -p "$shots" "$tmp/fix"
cp "$here/import-bad.csv" "$here/import-good.csv" "$tmp/fix/"
# a 1600x1200 picture, far over the photo cap until the page shrinks it
$PY - "$tmp/fix/big-photo.png" <<'EOF'
import struct, sys, zlib
w, h = 1600, 1200
raw = bytearray()
for y in range(h):
    raw.append(0)
    for x in range(w):
        raw += bytes((x * 255 // w, y * 255 // h, (x ^ y) & 255))
def chunk(t, d):
    c = t + d
    return struct.pack(">I", len(d)) + c + struct.pack(">I", zlib.crc32(c))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(bytes(raw), 6)) + chunk(b"IEND", b""))
open(sys.argv[1], "wb").write(png)
EOF

# -- the server over HTTPS, accounts, the agent's first sync --------------------
ORGBOOK_ADMIN="$ADMIN" sh "$top_srcdir/testdata/load-demo.sh" "$db" >/dev/null
# a realistic size: 2,000 generated people more in acme's tree (the same
# units); one of them is looked for by its mobile number
$PY "$top_srcdir/testdata/gen-directory.py" --people 2000 --seed 14 \
	--uid-prefix gen --domain gen.acme.example --out "$tmp/gen" >/dev/null
ob import --tenant acme "$tmp/gen/people.csv" >/dev/null
search_uid=gen-000777
search_cell=$($PY -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    if r["uid"] == sys.argv[2]: print(r["phone_cell"])' "$tmp/gen/people.csv" "$search_uid")
echo northwind-boss-pw | ob account create --tenant northwind boss@northwind \
	--admin --password-stdin >/dev/null
echo second-admin-pw | ob account create --tenant acme second@acme --admin \
	--password-stdin >/dev/null
cat >"$tmp/cert.tmpl" <<'EOF'
cn = "127.0.0.1"
ip_address = "127.0.0.1"
dns_name = "localhost"
expiration_days = 30
tls_www_server
signing_key
encryption_key
EOF
certtool --generate-privkey --key-type=ecdsa --outfile "$tmp/key.pem" 2>/dev/null
certtool --generate-self-signed --load-privkey "$tmp/key.pem" \
	--template "$tmp/cert.tmpl" --outfile "$tmp/cert.pem" 2>/dev/null
pin=$(certtool --pubkey-info --load-privkey "$tmp/key.pem" 2>/dev/null |
	sed -n 's/.*pin-sha256:\(.*\)$/\1/p' | head -1)
# photos as stored (photo-size 0): the agent's copy is compared with the
# export byte for byte, and the browser uploads a photo wider than the
# default thumbnail (thumbnails have their own tests: test-sync.sh)
$VG "$SERVER" $DBARGS --listen 127.0.0.1 --port 0 --admin-listen 127.0.0.1 \
	--admin-port 0 --cert "$tmp/cert.pem" --key "$tmp/key.pem" \
	--photo-size 0 --port-file "$tmp/ports" 2>"$tmp/server.log" &
spid=$!
i=0
while [ ! -s "$tmp/ports" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cut -d' ' -f1 "$tmp/ports")
aport=$(cut -d' ' -f2 "$tmp/ports")
admin_url="https://127.0.0.1:$aport"
url="https://127.0.0.1:$port/sync"

check "the admin listener answers plain HTTP with nothing (HTTPS only)" 0 \
	sh -c "! curl -s -m 5 -o /dev/null http://127.0.0.1:$aport/login"
check "the admin pages are served over HTTPS" 0 \
	curl -s -f -m 10 --cacert "$tmp/cert.pem" "$admin_url/login"
has "the sign-in form" 'name="password"'
check "agent init over HTTPS with a CA file" 0 sh -c \
	"echo orgbook-demo | '$AGENT' --dir '$tmp/agent' init --server '$url' --user zhang.wei@acme --password-stdin --ca-file '$tmp/cert.pem'"
check "first sync over HTTPS" 0 agent sync
same "the agent's copy equals the directory"
check "an agent without the CA is refused by TLS verification" 5 sh -c \
	"echo orgbook-demo | '$AGENT' --dir '$tmp/noca' init --server '$url' --user zhang.wei@acme --password-stdin >/dev/null && '$AGENT' --dir '$tmp/noca' sync"
has "the error names the certificate" "certificate"

# -- in the browser: a unit, a person with a photo, a move ----------------------
browser edit
check "sync after the browser's edits" 0 agent sync
same "the agent's copy equals the directory after the edits"
check "the agent finds the person added in the browser" 0 agent search 欧阳娜娜
has "in the unit they were moved to" "浏览器测试部"
check "found by pinyin initials too" 0 agent search oynn
has "the same person" "欧阳娜娜"

# -- the directory view at 2,300 people: paging, search, bulk moves --------------
browser directory
check "sync after the bulk moves" 0 agent sync
same "the agent's copy equals the directory after the bulk moves"

# -- delete, imports ------------------------------------------------------------
browser finish
check "a pinned server key works instead of a CA" 0 sh -c \
	"'$AGENT' --dir '$tmp/agent' init --server '$url' --user zhang.wei@acme --password-stdin --pin 'sha256//$pin' <<EOF
orgbook-demo
EOF"
check "sync after delete and imports (pinned key)" 0 agent sync
same "the agent's copy equals the directory after delete and imports"
check "the deleted person is gone from the device" 3 agent search 欧阳娜娜
check "the imported person is there" 0 agent search 张三丰
has "in the unit the CSV names" "浏览器测试部"
check "the imported Latin name too" 0 agent search grace
has "with its sub-unit" "浏览器测试部/Research"
check "nothing of the refused CSV reached the device" 3 agent search 赵六
check "a wrong pin is refused" 5 sh -c \
	"'$AGENT' --dir '$tmp/agent' init --server '$url' --user zhang.wei@acme --password-stdin --pin 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' <<EOF && '$AGENT' --dir '$tmp/agent' sync
orgbook-demo
EOF"

# -- both languages: Chinese by Accept-Language, the remembered switch ----------
browser languages

# -- security ---------------------------------------------------------------------
browser security
out=$(cat "$tmp/server.log")
lacks "the server log holds no password" "orgbook-admin-demo"
lacks "nor the throttled attempts' passwords" "wrong-password-"
has "refused forged POSTs are logged" "refused: bad CSRF token"
has "throttled sign-ins are logged" "admin login throttled"
count=$(ls "$shots" | grep -c '\.png$')
if [ "$count" -ge 45 ]; then ok "$count screenshots saved in tests/browser/screenshots"; else
	notok "screenshots: $count of 45"
fi

kill "$spid"
wait "$spid"
rc=$?
spid=""
if [ "$rc" = 0 ]; then ok "server exits cleanly on SIGTERM"; else notok "server exit $rc"; fi
browser_vg_clean
out=$(cat "$tmp/server.log")
lacks "server log free of sanitizer reports" "runtime error"
echo "1..$n"
exit $failed
