#!/bin/sh
# orgbook-server end to end with the scripted client (smlclient.py): every
# sync mode, XML and WBXML, basic and MD5, small MaxMsgSize, an org-unit
# datastore, the anchor rules, enforce-server, two enterprises, retried
# messages, a server restart and a client killed mid-sync, and bad input.
# After each sync the client's copy is compared with the directory's own
# export (viewcheck.py). Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
PY=/usr/bin/python3
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
CLIENT="$top_srcdir/tests/integration/smlclient.py"
VIEW="$top_srcdir/tests/integration/viewcheck.py"
tmp=$(mktemp -d)
n=0
failed=0
spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$top_srcdir/tests/lib/db.sh"
db_setup_tap "$tmp"

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
notok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	failed=1
}
# expect NAME JSON-KEY VALUE: the last client result has key == value
expect() {
	got=$(printf '%s' "$res" | $PY -c "import json,sys; print(json.load(sys.stdin).get('$2'))")
	if [ "$got" = "$3" ]; then ok "$1"; else
		notok "$1 ($2=$got, want $3)"
		echo "# $res"
	fi
}
ob() { "$ADMIN" --db "$db" "$@"; }
# In the valgrind build the server runs under valgrind too.
VG=""
if [ -n "${OB_VALGRIND:-}" ]; then
	VG="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --log-file=$tmp/vg.%p"
fi
start_server() {
	rm -f "$tmp/ports"
	$VG "$SERVER" $DBARGS --listen 127.0.0.1 --port "${1:-0}" --admin-port 0 \
		--port-file "$tmp/ports" --max-photo 65536 2>>"$tmp/server.log" &
	spid=$!
	i=0
	while [ ! -s "$tmp/ports" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	port=$(cut -d' ' -f1 "$tmp/ports")
	aport=$(cut -d' ' -f2 "$tmp/ports")
	url="http://127.0.0.1:$port/sync"
}
stop_server() {
	kill "$1" "$spid" 2>/dev/null
	wait "$spid"
	stop_status=$?
	spid=""
}
# sync STATE [args]: run the client as zhang.wei@acme unless --user given
sync() {
	st=$1
	shift
	res=$($PY "$CLIENT" --url "$url" --user zhang.wei@acme \
		--password orgbook-demo --state "$tmp/$st.json" --device "dev-$st" "$@")
}
sync_as() {
	st=$1 user=$2 pw=$3
	shift 3
	res=$($PY "$CLIENT" --url "$url" --user "$user" --password "$pw" \
		--state "$tmp/$st.json" --device "dev-$st" "$@")
}
# view NAME STATE TENANT [export args]: client copy == directory view
view() {
	name=$1 st=$2 t=$3
	shift 3
	ob export --tenant "$t" "$@" >"$tmp/export.vcf" 2>/dev/null
	if out=$($PY "$VIEW" "$tmp/$st.json" "$tmp/export.vcf"); then
		ok "$name"
	else
		notok "$name"
		echo "$out" | head -10 | sed 's/^/# /'
	fi
}

ORGBOOK_ADMIN="$ADMIN" sh "$top_srcdir/testdata/load-demo.sh" "$db" >/dev/null
# an account of its own for the throttling test: a lockout of a demo
# account would leak into later tests on slow machines
echo throttle-me-pw | ob account create --tenant northwind thr@northwind \
	--password-stdin >/dev/null
start_server

# -- slow, then fast with every kind of change --------------------------------
sync a --mode slow
expect "first sync is slow" mode 201
expect "slow sync sends every visible person" adds 311
view "client equals the directory after a slow sync" a acme --format vcf30
sync a
expect "second sync is two-way" mode 200
expect "nothing changed: nothing sent" adds 0
expect "nothing changed: no replaces" replaces 0
ob person add --tenant acme --uid new-1 --name "王新人" --family 王 --given 新人 \
	--unit 总部/总裁办 --cell "+86 139 0000 0001" >/dev/null
ob person update --tenant acme demo-000002 --title "副总裁" >/dev/null
ob person delete --tenant acme demo-000003 >/dev/null
ob person update --tenant acme demo-000004 --hidden yes >/dev/null
ob person move --tenant acme demo-000005 研发中心/平台部 >/dev/null
sync a
expect "fast sync: one add" adds 1
expect "fast sync: edit and move are replaces" replaces 2
expect "fast sync: delete and hide are deletes" deletes 2
view "client equals the directory after the fast sync" a acme --format vcf30

# -- anchors ------------------------------------------------------------------
$PY -c "import json,sys; p='$tmp/a.json'; s=json.load(open(p)); s['last']='restored-from-backup'; json.dump(s,open(p,'w'))"
sync a
expect "anchor mismatch answered 508" alert_status 508
expect "anchor mismatch turns into a slow sync" mode 201
view "508 slow sync creates no duplicates" a acme --format vcf30
sync a --mode refresh
expect "refresh from server" mode 205
expect "refresh sends everyone" adds 310
view "client equals the directory after a refresh" a acme --format vcf30

# -- enforce server: the directory wins ----------------------------------------
luid=$($PY -c "import json; s=json.load(open('$tmp/a.json')); print(sorted(s['items'])[0])")
luid2=$($PY -c "import json; s=json.load(open('$tmp/a.json')); print(sorted(s['items'])[1])")
sync a --edit "$luid" --delete "$luid2" --add-private
expect "client changes acknowledged" client_statuses "[200, 200, 201]"
view "client edit and delete undone by the next sync" a acme --format vcf30
before=$(ob person list --tenant acme | wc -l)
has_private=$($PY -c "import json; s=json.load(open('$tmp/a.json')); print(sum('My Dentist' in c for c in s['items'].values()))")
[ "$has_private" = 1 ] && ok "private contact stays on the device" || notok "private contact stays on the device"
sync a --mode slow
view "slow sync keeps the private contact out of the directory" a acme --format vcf30
after=$(ob person list --tenant acme | wc -l)
[ "$before" = "$after" ] && ok "the directory is unchanged by clients" || notok "the directory is unchanged by clients"

# -- formats and transports -----------------------------------------------------
sync b --mode slow --vcard 21
view "vCard 2.1 client gets 2.1 cards" b acme --format vcf21
grep -q 'CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE' "$tmp/b.json" &&
	ok "2.1 Chinese names are quoted-printable UTF-8" ||
	notok "2.1 Chinese names are quoted-printable UTF-8"
grep -q '=\\n[^ \\]' "$tmp/b.json" &&
	ok "long 2.1 values get quoted-printable soft line breaks" ||
	notok "long 2.1 values get quoted-printable soft line breaks"
# a DevInf that comes late (as Results of our Get, after an MD5 challenge
# made the client resend package 1 without its Put) still decides
sync late --mode slow --vcard 30 --devinf-late
expect "a DevInf in Results with the Sync: 3.0 cards" versions 3.0
expect "its status names Results" devinf_status Results:200
view "a DevInf in Results with the Sync: the client equals the directory" late acme --format vcf30
sync late21 --mode slow --vcard 21 --devinf-late
expect "a late DevInf preferring 2.1: 2.1 cards" versions 2.1
sync latemd5 --mode slow --vcard 30 --devinf-late --md5
expect "MD5 with an empty nonce, challenged, DevInf late: syncs" status ok
expect "MD5 with an empty nonce, challenged, DevInf late: 3.0 cards" versions 3.0
# the quirks of phone families, from DevInf's Man
sync se --mode slow --vcard 21 --man "Sony Ericsson"
expect "a Sony Ericsson phone gets every card" adds 310
grep -q 'FN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Samuel=20M=FCller' "$tmp/se.json" &&
	ok "Sony Ericsson: Latin names in ISO-8859-1" ||
	notok "Sony Ericsson: Latin names in ISO-8859-1"
grep -q 'FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E' "$tmp/se.json" &&
	ok "Sony Ericsson: Chinese names stay UTF-8" ||
	notok "Sony Ericsson: Chinese names stay UTF-8"
sync moto --mode slow --vcard 21 --man "Motorola"
expect "a Motorola phone gets every card" adds 310
grep -q '=\\n[^ \\]' "$tmp/moto.json" &&
	notok "Motorola: no quoted-printable soft line breaks" ||
	ok "Motorola: no quoted-printable soft line breaks"
sync syn --mode slow --vcard 21 --man "Synthesis AG"
expect "a Synthesis-engine client gets every card" adds 310
grep -q '=\\n[^ \\]' "$tmp/syn.json" &&
	notok "Synthesis engine: no quoted-printable soft line breaks" ||
	ok "Synthesis engine: no quoted-printable soft line breaks"
grep -q 'CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE' "$tmp/syn.json" &&
	ok "Synthesis engine: still quoted-printable UTF-8" ||
	notok "Synthesis engine: still quoted-printable UTF-8"
sync lim --mode slow --vcard 30 --ctcap-limit N:4 --ctcap-limit TITLE:3
expect "a client with CTCap size limits gets every card" adds 310
grep -q 'TITLE:Dir\\n' "$tmp/lim.json" &&
	ok "CTCap MaxSize cuts TITLE to 3 characters" ||
	notok "CTCap MaxSize cuts TITLE to 3 characters"
grep -q 'TITLE:Director' "$tmp/lim.json" &&
	notok "no TITLE longer than its MaxSize" ||
	ok "no TITLE longer than its MaxSize"
sync lim11 --mode slow --version 1.1 --vcard 21 --ctcap-limit TITLE:3
grep -q 'TITLE:Dir\\n' "$tmp/lim11.json" &&
	ok "DevInf 1.1 CTCap Size cuts TITLE too" ||
	notok "DevInf 1.1 CTCap Size cuts TITLE too"
sync c --mode slow --wbxml --md5 --max-msg 4000
expect "WBXML + MD5 + 4000-byte messages: slow sync" adds 310
view "WBXML client equals the directory" c acme --format vcf30
msgs=$(printf '%s' "$res" | $PY -c "import json,sys; print(json.load(sys.stdin)['messages'])")
[ "$msgs" -gt 20 ] && ok "small MaxMsgSize splits the package ($msgs messages)" ||
	notok "small MaxMsgSize splits the package ($msgs messages)"
sync c --wbxml --md5 --max-msg 4000
expect "WBXML + MD5 fast sync" mode 200
grep -q "sync done.*mode=slow adds=310 .* encoding=wbxml vcard=" "$tmp/server.log" &&
	ok "a phone of another make gets WBXML without a string table" ||
	notok "a phone of another make gets WBXML without a string table"
sync d --mode slow --version 1.1
expect "SyncML 1.1 slow sync" adds 310
view "SyncML 1.1 client equals the directory" d acme --format vcf30

# -- large objects: a 97 KB photo in 4000-byte messages ---------------------------------
$PY - "$tmp/big.png" <<'PYEOF'
import random, struct, sys, zlib
random.seed(7)
w = h = 180
raw = b"".join(b"\0" + bytes(random.getrandbits(8) for _ in range(w * 3))
               for _ in range(h))
def ck(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + ck(b"IHDR", struct.pack(
    ">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + ck(b"IDAT", zlib.compress(raw, 9)) + ck(b"IEND", b""))
PYEOF
ob person update --tenant acme demo-000010 --photo "$tmp/big.png" >/dev/null
stop_server -TERM
start_server_photo() {
	rm -f "$tmp/ports"
	$VG "$SERVER" $DBARGS --listen 127.0.0.1 --port 0 --admin-port 0 \
		--port-file "$tmp/ports" --max-photo 262144 $PHOTO_ARGS \
		2>>"$tmp/server.log" &
	spid=$!
	i=0
	while [ ! -s "$tmp/ports" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	port=$(cut -d' ' -f1 "$tmp/ports")
	aport=$(cut -d' ' -f2 "$tmp/ports")
	url="http://127.0.0.1:$port/sync"
}
# the photo as stored (photo-size 0): the large-object path must carry
# its 97 KB whole
PHOTO_ARGS="--photo-size 0"
start_server_photo
for enc in "" --wbxml; do
	rm -f "$tmp/big.json"
	sync big --mode slow --max-msg 4000 $enc
	chunks=$(printf '%s' "$res" | $PY -c "import json,sys; print(json.load(sys.stdin).get('chunks', 0))")
	[ "$chunks" -gt 20 ] && ok "large object sent in chunks ${enc:-(XML)}: $chunks" ||
		notok "large object sent in chunks ${enc:-(XML)}: $chunks"
	same=$($PY - "$tmp/big.json" "$tmp/big.png" <<'PYEOF'
import base64, json, re, sys
st = json.load(open(sys.argv[1]))
for c in st["items"].values():
    if "UID:demo-000010" in c:
        t = re.sub(r"\r?\n[ \t]", "", c)
        m = re.search(r"^PHOTO[^:]*:(.*)$", t, re.M)
        print(base64.b64decode(m.group(1)) == open(sys.argv[2], "rb").read())
PYEOF
)
	[ "$same" = True ] && ok "the 97 KB photo arrives byte for byte ${enc:-(XML)}" ||
		notok "the 97 KB photo arrives byte for byte ${enc:-(XML)} ($same)"
done
# a phone sends its cards in chunks: reassembled, matched by UID
sync big --mode slow --chunk-client 200
codes=$(printf '%s' "$res" | $PY -c "import json,sys; d=json.load(sys.stdin)['client_statuses']; print(len([c for c in d if c == 213]), len([c for c in d if c == 200]))")
case "$codes" in
"0 "*) notok "client chunks answered 213 ($codes)" ;;
*) ok "client chunks answered 213 ($codes)" ;;
esac
expect "reassembled cards matched by UID: no adds" adds 0
sync big --mode slow --chunk-client 200 --bad-size
codes=$(printf '%s' "$res" | $PY -c "import json,sys; print(424 in json.load(sys.stdin)['client_statuses'])")
[ "$codes" = True ] && ok "a wrong Size is answered 424" || notok "a wrong Size is answered 424 ($codes)"
stop_server -TERM

# -- photos as thumbnails: the 97 KB PNG over max-photo 65536 arrives as
# a JPEG of photo-size pixels under the cap (it was left out before)
PHOTO_ARGS="--max-photo 65536 --photo-size 96"
start_server_photo
sync th --mode slow
thumb=$($PY - "$tmp/th.json" <<'PYEOF'
import base64, json, re, struct, sys
st = json.load(open(sys.argv[1]))
for c in st["items"].values():
    if "UID:demo-000010" not in c:
        continue
    t = re.sub(r"\r?\n[ \t]", "", c)
    m = re.search(r"^PHOTO([^:]*):(.*)$", t, re.M)
    if not m:
        print("no photo")
        break
    d = base64.b64decode(m.group(2))
    i, size = 2, None
    while d[:2] == b"\xff\xd8" and i + 9 < len(d):
        mk, ln = d[i + 1], struct.unpack(">H", d[i + 2:i + 4])[0]
        if mk in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", d[i + 5:i + 9])
            size = "%dx%d" % (w, h)
            break
        i += 2 + ln
    print(m.group(1), len(d) <= 65536, size)
PYEOF
)
case "$thumb" in ";TYPE=JPEG;ENCODING="*" True 96x96") thumb=yes ;; esac
[ "$thumb" = yes ] &&
	ok "a photo over max-photo arrives as a 96x96 JPEG thumbnail" ||
	notok "a photo over max-photo arrives as a 96x96 JPEG thumbnail ($thumb)"
stop_server -TERM
start_server

# -- an org unit as a datastore -------------------------------------------------
sync u --mode slow --datastore "contacts/研发中心"
view "unit datastore holds exactly the unit's subtree" u acme --format vcf30 --unit 研发中心
someone=$(ob person list --tenant acme --unit 研发中心 | awk 'NR==1{print $1}')
ob person move --tenant acme "$someone" 总部 >/dev/null
sync u --datastore "contacts/研发中心"
expect "moving out of the unit deletes on the device" deletes 1
view "unit datastore after the move" u acme --format vcf30 --unit 研发中心
sync x --datastore "contacts/No Such Unit" --mode slow
expect "unknown datastore answered 404" status alert-404

# -- accounts and enterprises ---------------------------------------------------
sync w --password wrong-password
expect "wrong password refused" status auth-401
[ ! -s "$tmp/w.json" ] || ! grep -q VCARD "$tmp/w.json" &&
	ok "wrong password: nothing sent" || notok "wrong password: nothing sent"
sync_as n anna@northwind northwind-demo --mode slow
expect "second enterprise gets its own directory (23 visible)" adds 23
view "northwind sees only northwind" n northwind --format vcf30
grep -q "demo-0000" "$tmp/n.json" && grep -q "Acme" "$tmp/n.json" &&
	notok "no acme data reaches northwind" || ok "no acme data reaches northwind"

# -- interrupted sessions ---------------------------------------------------------
ob person add --tenant acme --uid new-2 --name "Ada Example" --unit 总部 >/dev/null
ob person add --tenant acme --uid new-3 --name "Bo Example" --unit 总部 >/dev/null
sync a --stop-after-msg 2
expect "client killed after applying the adds" status stopped
sync a
view "interrupted fast sync repeats without duplicates" a acme --format vcf30
for i in 1 2 3 4 5 6; do
	ob person update --tenant acme "demo-00001$i" --title "Restart $i" >/dev/null
done
sync r --mode slow --max-msg 10240 --pause-after-msg 3 --pause-file "$tmp/pause" >"$tmp/r.out" &
cpid=$!
i=0
while [ ! -e "$tmp/pause" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
oldport=$port
kill -9 "$spid"
wait "$spid" 2>/dev/null
start_server "$oldport"
rm -f "$tmp/pause"
wait $cpid
res=$(tail -1 "$tmp/r.out" 2>/dev/null)
sync r
view "a restarted server continues the session (state in the store)" r acme --format vcf30

# -- retries ---------------------------------------------------------------------
cat >"$tmp/pkg1.xml" <<XML
<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>SyncML/1.2</VerProto><SessionID>77</SessionID><MsgID>1</MsgID><Target><LocURI>$url</LocURI></Target><Source><LocURI>retry-dev</LocURI></Source><Cred><Meta><Type xmlns="syncml:metinf">syncml:auth-basic</Type></Meta><Data>emhhbmcud2VpQGFjbWU6b3JnYm9vay1kZW1v</Data></Cred></SyncHdr><SyncBody><Alert><CmdID>1</CmdID><Data>201</Data><Item><Target><LocURI>contacts</LocURI></Target><Source><LocURI>c</LocURI></Source><Meta><Anchor xmlns="syncml:metinf"><Next>1</Next></Anchor></Meta></Item></Alert><Final/></SyncBody></SyncML>
XML
post() { curl -s -o "$2" -w '%{http_code}' -H "Content-Type: ${3:-application/vnd.syncml+xml}" --data-binary "@$1" "$url"; }
post "$tmp/pkg1.xml" "$tmp/r1" >/dev/null
post "$tmp/pkg1.xml" "$tmp/r2" >/dev/null
cmp -s "$tmp/r1" "$tmp/r2" && ok "a retried MsgID gets the same reply byte for byte" ||
	notok "a retried MsgID gets the same reply byte for byte"

# -- authentication variants ---------------------------------------------------------------
sed 's|<Cred>.*</Cred>||; s/<SessionID>77/<SessionID>90/; s/retry-dev/nocred-dev/' "$tmp/pkg1.xml" >"$tmp/nocred.xml"
post "$tmp/nocred.xml" "$tmp/o" >/dev/null
grep -q "<Cmd>SyncHdr</Cmd>.*<Chal>.*syncml:auth-basic.*<Data>407</Data>" "$tmp/o" &&
	ok "no credentials: 407 with a challenge" || notok "no credentials: 407 with a challenge"
# nothing executed: the Alert answered 407 like the header, no Alert of
# ours, no other Status for it
alerts=$(grep -o "<Cmd>Alert</Cmd>" "$tmp/o" | wc -l)
grep -q "<Cmd>Alert</Cmd><Data>407</Data>" "$tmp/o" && [ "$alerts" = 1 ] &&
	! grep -q "<Alert>" "$tmp/o" &&
	ok "nothing executed without credentials (the Alert answered 407)" ||
	notok "nothing executed without credentials (the Alert answered 407; $alerts Statuses for it)"
sed 's/<SessionID>90/<SessionID>91/; s/nocred-dev/httpbasic-dev/' "$tmp/nocred.xml" >"$tmp/httpb.xml"
curl -s -o "$tmp/o" -u "zhang.wei@acme:orgbook-demo" -H "Content-Type: application/vnd.syncml+xml" \
	--data-binary "@$tmp/httpb.xml" "$url"
grep -q "<Data>212</Data>" "$tmp/o" && ok "HTTP Basic accepted when the SyncHdr has no Cred" ||
	notok "HTTP Basic accepted when the SyncHdr has no Cred"
for i in 1 2 3 4 5 6; do
	res=$($PY "$CLIENT" --url "$url" --user thr@northwind --password "wrong-$i" \
		--state "$tmp/thr.json" --device "thr-$i" --mode slow)
done
sync_as thr2 thr@northwind throttle-me-pw --mode slow
expect "after repeated failures even the right password is refused (throttled)" status auth-401
grep -q "authentication failed for 'thr@northwind': throttled" "$tmp/server.log" &&
	ok "throttling is logged" || notok "throttling is logged"
sync thr3 --mode slow
expect "another login from the same address still syncs" status ok

# -- bad input ---------------------------------------------------------------------
sed 's|<VerDTD>1.2</VerDTD>|<VerDTD>9.9</VerDTD>|; s/<SessionID>77/<SessionID>92/' "$tmp/pkg1.xml" >"$tmp/v99.xml"
post "$tmp/v99.xml" "$tmp/o" >/dev/null
grep -q "<Cmd>SyncHdr</Cmd>.*<Data>513</Data>" "$tmp/o" && ! grep -q "<Cmd>Alert</Cmd>" "$tmp/o" &&
	ok "VerDTD 9.9 in a 1.2 message: 513, nothing executed" ||
	notok "VerDTD 9.9 in a 1.2 message: 513, nothing executed ($(head -c 300 "$tmp/o"))"
printf '<SyncML><SyncHdr><VerDTD>1.2' >"$tmp/bad.xml"
[ "$(post "$tmp/bad.xml" "$tmp/o")" = 400 ] && ok "truncated XML: 400" || notok "truncated XML: 400"
cat >"$tmp/lol.xml" <<'XML'
<?xml version="1.0"?><!DOCTYPE SyncML [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><SyncML><SyncHdr>&c;</SyncHdr></SyncML>
XML
[ "$(post "$tmp/lol.xml" "$tmp/o")" = 400 ] && ok "billion laughs: 400" || notok "billion laughs: 400"
grep -q "entity" "$tmp/o" && ok "entity refusal is named" || notok "entity refusal is named"
cat >"$tmp/xxe.xml" <<'XML'
<?xml version="1.0"?><!DOCTYPE SyncML [<!ENTITY x SYSTEM "file:///etc/passwd">]><SyncML><SyncHdr>&x;</SyncHdr></SyncML>
XML
[ "$(post "$tmp/xxe.xml" "$tmp/o")" = 400 ] && ! grep -q root: "$tmp/o" && ok "XXE: 400, nothing read" || notok "XXE: 400, nothing read"
printf '\003\237\123\152\000\155\154' >"$tmp/bad.wbxml"
[ "$(post "$tmp/bad.wbxml" "$tmp/o" application/vnd.syncml+wbxml)" = 400 ] && ok "truncated WBXML: 400" || notok "truncated WBXML: 400"
[ "$(post "$tmp/pkg1.xml" "$tmp/o" text/plain)" = 415 ] && ok "unknown media type: 415" || notok "unknown media type: 415"
code=$(curl -s -o /dev/null -w '%{http_code}' "$url")
[ "$code" = 405 ] && ok "GET /sync: 405" || notok "GET /sync: 405 ($code)"
head -c 5000000 /dev/zero | tr '\0' 'a' >"$tmp/big"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Content-Type: application/vnd.syncml+xml" --data-binary "@$tmp/big" "$url")
[ "$code" = 413 ] && ok "body over the cap: 413" || notok "body over the cap: 413 ($code)"
sed 's/<MsgID>1</<MsgID>x</' "$tmp/pkg1.xml" >"$tmp/badid.xml"
[ "$(post "$tmp/badid.xml" "$tmp/o")" = 400 ] && grep -q MsgID "$tmp/o" && ok "bad MsgID named" || notok "bad MsgID named"
sed 's/<Data>201</<Data>999</' "$tmp/pkg1.xml" | sed 's/<SessionID>77/<SessionID>78/' >"$tmp/badalert.xml"
post "$tmp/badalert.xml" "$tmp/o" >/dev/null
grep -q "<Cmd>Alert</Cmd><Data>406</Data>" "$tmp/o" && ok "unknown alert code: 406" || notok "unknown alert code: 406"
code=$(curl -s -o "$tmp/o" -w '%{http_code}' "http://127.0.0.1:$aport/healthz")
[ "$code" = 200 ] && ok "server healthy after bad input" || notok "server healthy after bad input"
curl -s "http://127.0.0.1:$aport/metrics" | grep -q '^orgbook_syncs_total{mode="slow"} [1-9]' &&
	ok "/metrics counts syncs" || notok "/metrics counts syncs"

# -- export download ------------------------------------------------------------------
code=$(curl -s -o "$tmp/dl.vcf" -w '%{http_code}' -u "zhang.wei@acme:orgbook-demo" "http://127.0.0.1:$port/export.vcf?unit=%E7%A0%94%E5%8F%91%E4%B8%AD%E5%BF%83&format=vcf30")
ob export --tenant acme --format vcf30 --unit 研发中心 >"$tmp/cli.vcf" 2>/dev/null
[ "$code" = 200 ] && cmp -s "$tmp/dl.vcf" "$tmp/cli.vcf" && ok "logged-in .vcf download equals the CLI export" ||
	notok "logged-in .vcf download equals the CLI export ($code)"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/export.vcf")
[ "$code" = 401 ] && ok "download without login: 401" || notok "download without login: 401"

# -- recorded phone sessions (testdata/syncml/*/) ---------------------------------------
visible=$(ob person list --tenant acme | wc -l)
for enc in --wbxml ""; do
	res=$($PY "$top_srcdir/tests/integration/replay.py" \
		"$top_srcdir/testdata/syncml/nokia-2.1-wbxml" "$url" zhang.wei@acme orgbook-demo $enc 2>&1)
	name="Nokia-shaped session ${enc:-(XML)}"
	expect "$name: every reply within 4000 bytes, checks pass" versions "['2.1']"
	expect "$name: the phone's copy of a directory person is matched by UID" replaced "['7']"
	expect "$name: everyone else is added once" adds $((visible - 1))
	expect "$name: the private contact is left alone" deletes 0
	expect "$name: Map acknowledged" map_status "['200']"
done

# -- HTTP hardening ----------------------------------------------------------------------
dup=$($PY - "$port" <<'PYEOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /sync HTTP/1.1\r\nHost: x\r\nContent-Type: application/vnd.syncml+xml\r\n"
          b"Content-Length: 5\r\nContent-Length: 50\r\n\r\nhello")
print(s.recv(100).split(b"\r\n")[0].decode())
PYEOF
)
case "$dup" in *" 400 "*) ok "duplicate Content-Length refused ($dup)" ;;
*) notok "duplicate Content-Length refused ($dup)" ;; esac
cl_chunk=$($PY - "$port" <<'PYEOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /sync HTTP/1.1\r\nHost: x\r\nContent-Type: application/vnd.syncml+xml\r\n"
          b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
print(s.recv(100).split(b"\r\n")[0].decode())
PYEOF
)
case "$cl_chunk" in *" 400 "*) ok "Content-Length with chunked refused ($cl_chunk)" ;;
*) notok "Content-Length with chunked refused ($cl_chunk)" ;; esac

# -- configuration file ------------------------------------------------------------------
printf 'port = 0\nno-such-setting = 1\n' >"$tmp/bad.conf"
"$SERVER" --config "$tmp/bad.conf" >"$tmp/conf.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "line 2: unknown setting 'no-such-setting'" "$tmp/conf.out" &&
	ok "bad config file: exit 2, line named" || notok "bad config file: exit 2, line named ($rc: $(cat "$tmp/conf.out"))"
printf 'wbxml-string-table = sometimes\n' >"$tmp/bad.conf"
"$SERVER" --config "$tmp/bad.conf" >"$tmp/conf.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "line 1: wbxml-string-table: expected auto, yes or no" "$tmp/conf.out" &&
	ok "wbxml-string-table takes auto, yes or no" ||
	notok "wbxml-string-table takes auto, yes or no ($rc: $(cat "$tmp/conf.out"))"

# -- HTTPS -------------------------------------------------------------------------------
certtool --generate-privkey --key-type ecdsa --outfile "$tmp/key.pem" >/dev/null 2>&1
printf 'cn = localhost\nexpiration_days = 2\ntls_www_server\nip_address = 127.0.0.1\n' >"$tmp/cert.tmpl"
certtool --generate-self-signed --load-privkey "$tmp/key.pem" --template "$tmp/cert.tmpl" \
	--outfile "$tmp/cert.pem" >/dev/null 2>&1
$VG "$SERVER" $DBARGS --listen 127.0.0.1 --port 0 --admin-port off \
	--cert "$tmp/cert.pem" --key "$tmp/key.pem" --port-file "$tmp/tports" 2>>"$tmp/server.log" &
tpid=$!
i=0
while [ ! -s "$tmp/tports" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
turl="https://127.0.0.1:$(cut -d' ' -f1 "$tmp/tports")/sync"
code=$(curl -s --cacert "$tmp/cert.pem" -o "$tmp/o" -w '%{http_code}' --tlsv1.2 \
	-H "Content-Type: application/vnd.syncml+xml" --data-binary "@$tmp/pkg1.xml" "$turl")
[ "$code" = 200 ] && grep -q "<Data>212</Data>" "$tmp/o" && ok "HTTPS sync with TLS 1.2+" ||
	notok "HTTPS sync with TLS 1.2+ ($code)"
curl -s --cacert "$tmp/cert.pem" -o /dev/null --tlsv1.0 --tls-max 1.1 "$turl" 2>/dev/null &&
	notok "TLS 1.1 refused" || ok "TLS 1.1 refused"
curl -s --cacert "$tmp/cert.pem" -o /dev/null --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-SHA \
	"$turl" 2>/dev/null && notok "TLS 1.2 CBC cipher refused" || ok "TLS 1.2 CBC cipher refused"
turlx="https://127.0.0.1:$(cut -d' ' -f1 "$tmp/tports")/export.vcf?format=vcf21"
code=$(curl -s --cacert "$tmp/cert.pem" -o "$tmp/tdl.vcf" -w '%{http_code}' \
	-u "anna@northwind:northwind-demo" "$turlx")
ob export --tenant northwind --format vcf21 >"$tmp/nw.vcf" 2>/dev/null
[ "$code" = 200 ] && cmp -s "$tmp/tdl.vcf" "$tmp/nw.vcf" &&
	ok "HTTPS .vcf download of the login's own enterprise" ||
	notok "HTTPS .vcf download of the login's own enterprise ($code)"
kill "$tpid"
wait "$tpid"

stop_server -TERM
grep -q "stopped" "$tmp/server.log" && [ "$stop_status" = 0 ] && ok "SIGTERM stops the server cleanly" ||
	notok "SIGTERM stops the server cleanly (exit $stop_status)"
if [ -n "$VG" ]; then
	if cat "$tmp"/vg.* 2>/dev/null | grep -q .; then
		notok "server valgrind-clean"
		cat "$tmp"/vg.* | head -40 | sed 's/^/# /'
	else
		ok "server valgrind-clean"
	fi
fi
if grep -qi "runtime error\|AddressSanitizer\|LeakSanitizer" "$tmp/server.log"; then
	notok "server log free of sanitizer reports"
	grep -i -A5 "runtime error\|Sanitizer" "$tmp/server.log" | head -30 | sed 's/^/# /'
else
	ok "server log free of sanitizer reports"
fi
echo "1..$n"
[ $failed -eq 0 ] || { tail -20 "$tmp/server.log" | sed 's/^/# /'; }
exit $failed
