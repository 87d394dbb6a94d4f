#!/bin/sh
# The desk-phone phonebooks of the real orgbook-server over HTTP with
# curl: every vendor's document for the demo directory (well-formed, of
# the vendor sample's structure), 401 without or with a wrong login, each
# enterprise's account seeing only its own people, hidden people absent,
# search, unknown vendors and units 404, bad pages 400, HTTPS with https
# paging links; then a generated directory of 10,000 people
# (testdata/gen-directory.py) paged through Cisco's 32-entry pages and
# read whole as Yealink: every person with a number exactly once, in the
# same order. Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
PY=/usr/bin/python3
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
SHAPE="$top_srcdir/testdata/phonebook/xmlshape.py"
GEN="$top_srcdir/testdata/gen-directory.py"
tmp=$(mktemp -d)
spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/db.sh"
db_setup_tap "$tmp"
ob() { "$ADMIN" --db "$db" "$@"; }
if ! command -v curl >/dev/null; then
	echo "1..0 # SKIP curl not installed"
	exit 0
fi
VG=""
people=${OB_PEOPLE:-10000}
if [ -n "${OB_VALGRIND:-}" ]; then
	VG="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --log-file=$tmp/vg.%p"
	people=${OB_PEOPLE:-2000}
fi
start_server() {
	rm -f "$tmp/ports"
	$VG "$SERVER" $DBARGS --listen 127.0.0.1 --port 0 --admin-port off \
		--port-file "$tmp/ports" 2>>"$tmp/server.log" &
	spid=$!
	i=0
	while [ ! -s "$tmp/ports" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	base="http://127.0.0.1:$(cut -d' ' -f1 "$tmp/ports")/phonebook"
}
stop_server() {
	kill "$spid" 2>/dev/null
	wait "$spid"
	spid=""
}
# get NAME WANT-STATUS USER:PASSWORD PATH-AND-QUERY: the body in $tmp/body
get() {
	name=$1 want=$2 user=$3 path=$4
	if [ -n "$user" ]; then
		st=$(curl -s -g -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' \
			-u "$user" "$base/$path")
	else
		st=$(curl -s -g -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' \
			"$base/$path")
	fi
	if [ "$st" = "$want" ]; then ok "$name"; else
		notok "$name (HTTP $st, want $want)"
		head -5 "$tmp/body" | sed 's/^/# /'
	fi
}
body_has() {
	if grep -qF -- "$2" "$tmp/body"; then ok "$1"; else
		notok "$1 (missing: $2)"
		head -5 "$tmp/body" | sed 's/^/# /'
	fi
}
body_lacks() {
	if grep -qF -- "$2" "$tmp/body"; then
		notok "$1 (found: $2)"
	else ok "$1"; fi
}
shape() {
	if o=$($PY "$SHAPE" "$top_srcdir/testdata/phonebook/$2.xml" "$tmp/body" 2>&1); then
		ok "$1"
	else
		notok "$1"
		echo "$o" | head -5 | sed 's/^/# /'
	fi
}

# entries FILE: a document's entries as "name<TAB>first number", sorted
entries() {
	$PY -c '
import sys, xml.etree.ElementTree as ET
for e in ET.parse(sys.argv[1]).getroot().iter("DirectoryEntry"):
    n = e.findtext("Name").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'"'"'", "&apos;")
    print(n + "\t" + e.findtext("Telephone"))' "$1"
}
# what the phones must get of a directory CSV: every visible person with
# a dialable number, as entries gives them (work, then mobile, then home)
cat >"$tmp/want.py" <<'EOF'
import csv, re, sys
def cjk(s):
    return s != "" and (0x2E80 <= ord(s[0]) <= 0x9FFF or 0xAC00 <= ord(s[0]) <= 0xD7AF or ord(s[0]) >= 0x20000)
def dial(n):
    out, digits = "", 0
    for i, c in enumerate(n):
        if c.isdigit():
            out += c; digits += 1
        elif c == "+" and out == "":
            out = "+"
        elif digits and (c in "#;,xX" or n[i:i+3].lower() == "ext"):
            break
    return out if digits else ""
def ext(n):
    # the digits after the extension marker, if a main number precedes it
    digits = 0
    for i, c in enumerate(n):
        if c.isdigit():
            digits += 1
        elif digits and (c in "#;,xX" or n[i:i+3].lower() == "ext"):
            return "".join(x for x in n[i:] if x.isdigit())
    return ""
def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", "&apos;")
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    if r["hidden"].strip().lower() in ("yes", "1", "true"):
        continue
    # the default extension policy (first): the extension in the work
    # number's place, mobile, the extension's main number, home
    # (values of a field are split by "|")
    w = [x for x in r["phone_work"].split("|") if x.strip()]
    nums = [ext(x) or dial(x) for x in w]
    nums += [dial(x) for x in r["phone_cell"].split("|")]
    nums += [dial(x) for x in w if ext(x)]
    nums += [dial(x) for x in r["phone_home"].split("|")]
    nums = [x for x in nums if x]
    if not nums:
        continue
    f, g = r["family_name"], r["given_name"]
    name = (f + g) if (cjk(f) or cjk(g)) else (g + " " + f) if f and g else (f or g or r["display_name"])
    print(esc(name) + "\t" + nums[0])
EOF

ZW=zhang.wei@acme:orgbook-demo
ANNA=anna@northwind:northwind-demo
ORGBOOK_ADMIN="$ADMIN" sh "$top_srcdir/testdata/load-demo.sh" "$db" >/dev/null
# a hidden person with a name and number found nowhere else
ob person add --tenant acme --uid hidden-1 --name "Hidden Hilda" \
	--family Hilda --given Hidden --cell "+1 555 999 0001" >/dev/null
ob person update --tenant acme hidden-1 --hidden yes >/dev/null
start_server

# -- authentication -------------------------------------------------------
get "no login: 401" 401 "" yealink.xml
if grep -qi '^WWW-Authenticate: Basic realm="Orgbook"' "$tmp/headers"; then
	ok "401 asks for Basic"
else notok "401 asks for Basic"; fi
get "a wrong password: 401" 401 "zhang.wei@acme:wrong" yealink.xml

# -- every vendor, the demo directory ---------------------------------------
for v in yealink yealink-menu cisco snom grandstream fanvil; do
	get "$v: 200" 200 "$ZW" "$v.xml"
	if grep -qi '^Content-Type: text/xml; charset=utf-8' "$tmp/headers"; then
		ok "$v: text/xml; charset=utf-8"
	else notok "$v: text/xml; charset=utf-8"; fi
	shape "$v: well-formed, of the vendor sample's structure" "$v"
	body_lacks "$v: hidden people absent" "Hilda"
	body_lacks "$v: no other enterprise's people" "Northwind"
done
get "grandstream's own file name" 200 "$ZW" grandstream/phonebook.xml
shape "grandstream/phonebook.xml is the address book" grandstream
get "yealink: the whole demo directory" 200 "$ZW" yealink.xml
$PY "$tmp/want.py" "$top_srcdir/testdata/demo/acme/people.csv" | sort >"$tmp/want.sorted"
entries "$tmp/body" | sort >"$tmp/got.sorted"
if [ -s "$tmp/want.sorted" ] && cmp -s "$tmp/want.sorted" "$tmp/got.sorted"; then
	ok "yealink: every visible demo person with a number, once"
else
	notok "yealink: every visible demo person with a number, once"
	diff "$tmp/want.sorted" "$tmp/got.sorted" | head -5 | sed 's/^/# /'
fi
body_has "yealink: Chinese names family first, no space" "<Name>吴萍</Name>"
body_has "yealink: numbers dialable" "<Telephone>+861318779154"

get "northwind sees its own people" 200 "$ANNA" yealink.xml
nw=$(grep -c "<DirectoryEntry>" "$tmp/body")
[ "$nw" -gt 0 ] && [ "$nw" -le 24 ] && ok "northwind: $nw entries" ||
	notok "northwind: $nw entries"
body_lacks "northwind does not see acme" "吴萍"

# -- search, units, errors ------------------------------------------------------
get "search by pinyin initials" 200 "$ZW" "yealink.xml?q=wp"
body_has "search finds 吴萍" "<Name>吴萍</Name>"
cnt=$(grep -c "<DirectoryEntry>" "$tmp/body")
[ "$cnt" -lt 20 ] && ok "search narrows ($cnt)" || notok "search narrows ($cnt)"
# an incoming call's lookup: the caller's number as the phone shows it
get "search by a caller's number" 200 "$ZW" "yealink.xml?q=%2B8613187791542"
body_has "the caller is found" "<Name>吴萍</Name>"
get "the phone's #SEARCH placeholder: 200" 200 "$ZW" "yealink.xml?q=%23SEARCH"
entries "$tmp/body" | sort >"$tmp/got.sorted"
if cmp -s "$tmp/want.sorted" "$tmp/got.sorted"; then
	ok "the #SEARCH placeholder lists everyone"
else notok "the #SEARCH placeholder lists everyone"; fi
get "search for a hidden person finds nobody" 200 "$ZW" "yealink.xml?q=Hilda"
body_lacks "hidden person not found" "Hilda"
get "a unit" 200 "$ZW" "cisco.xml?unit=%E6%80%BB%E9%83%A8"
body_has "the unit's title" "<Title>Acme 集团 总部</Title>"
get "unknown unit: 404" 404 "$ZW" "cisco.xml?unit=Nowhere"
get "unknown vendor: 404" 404 "$ZW" "nokia.xml"
get "page 0: 400" 400 "$ZW" "cisco.xml?page=0"
get "page abc: 400" 400 "$ZW" "cisco.xml?page=abc"
get "an over-long search: 400" 400 "$ZW" "yealink.xml?q=$($PY -c 'print("a"*200)')"
st=$(curl -s -o /dev/null -w '%{http_code}' -u "$ZW" -X POST "$base/yealink.xml")
[ "$st" = 405 ] && ok "POST: 405" || notok "POST: 405 (got $st)"
stop_server

# -- HTTPS: what phones use; the paging links say https ---------------------------
certtool --generate-privkey --key-type ecdsa --outfile "$tmp/key.pem" >/dev/null 2>&1
printf 'cn = localhost\nexpiration_days = 2\ntls_www_server\nip_address = 127.0.0.1\n' >"$tmp/cert.tmpl"
certtool --generate-self-signed --load-privkey "$tmp/key.pem" --template "$tmp/cert.tmpl" \
	--outfile "$tmp/cert.pem" >/dev/null 2>&1
rm -f "$tmp/ports"
$VG "$SERVER" $DBARGS --listen 127.0.0.1 --port 0 --admin-port off \
	--cert "$tmp/cert.pem" --key "$tmp/key.pem" --port-file "$tmp/ports" 2>>"$tmp/server.log" &
spid=$!
i=0
while [ ! -s "$tmp/ports" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
tport=$(cut -d' ' -f1 "$tmp/ports")
code=$(curl -s --cacert "$tmp/cert.pem" -o "$tmp/body" -w '%{http_code}' -u "$ZW" \
	"https://127.0.0.1:$tport/phonebook/cisco.xml?q=z")
[ "$code" = 200 ] && ok "HTTPS: 200" || notok "HTTPS: 200 ($code)"
body_has "HTTPS: the Next link is https, with the search" \
	"<URL>https://127.0.0.1:$tport/phonebook/cisco.xml?q=z&amp;page=2</URL>"
code=$(curl -s --cacert "$tmp/cert.pem" -o /dev/null -w '%{http_code}' \
	"https://127.0.0.1:$tport/phonebook/cisco.xml")
[ "$code" = 401 ] && ok "HTTPS without a login: 401" || notok "HTTPS without a login: 401 ($code)"
stop_server

# -- 10,000 people -----------------------------------------------------------
$PY "$GEN" --people "$people" --out "$tmp/gen" >/dev/null
ob enterprise create big --display "Big" >/dev/null
echo big-secret | ob account create --tenant big reader@big --password-stdin >/dev/null
check "import $people people" 0 ob import --tenant big "$tmp/gen/people.csv"
start_server
BIG=reader@big:big-secret
$PY "$tmp/want.py" "$tmp/gen/people.csv" >"$tmp/want"
sort "$tmp/want" >"$tmp/want.sorted"
echo "# $(wc -l <"$tmp/want") visible people with a number"
page=1
: >"$tmp/got"
pages_ok=1
while :; do
	curl -s -f -o "$tmp/page" -u "$BIG" "$base/cisco.xml?page=$page" || {
		pages_ok=0
		break
	}
	e=$(grep -c "<DirectoryEntry>" "$tmp/page")
	[ "$e" -le 32 ] || pages_ok=0
	[ "$e" = 0 ] && break
	entries "$tmp/page" >>"$tmp/got" || pages_ok=0
	grep -q "<Name>Next</Name>" "$tmp/page" || break
	page=$((page + 1))
done
echo "# $page Cisco pages"
[ "$pages_ok" = 1 ] && ok "cisco: every page parsed, at most 32 entries" ||
	notok "cisco: every page parsed, at most 32 entries"
sort "$tmp/got" >"$tmp/got.sorted"
if cmp -s "$tmp/want.sorted" "$tmp/got.sorted"; then
	ok "cisco pages: every person exactly once"
else
	notok "cisco pages: every person exactly once"
	diff "$tmp/want.sorted" "$tmp/got.sorted" | head -5 | sed 's/^/# /'
fi
curl -s -o "$tmp/body" -u "$BIG" -w '# yealink, %{size_download} bytes in %{time_total} s\n' "$base/yealink.xml"
entries "$tmp/body" >"$tmp/y"
sort "$tmp/y" >"$tmp/y.sorted"
if cmp -s "$tmp/got" "$tmp/y"; then
	ok "yealink lists people in the order of the cisco pages"
else
	notok "yealink lists people in the order of the cisco pages"
	diff "$tmp/got" "$tmp/y" | head -5 | sed 's/^/# /'
fi
if cmp -s "$tmp/want.sorted" "$tmp/y.sorted"; then
	ok "yealink, one document: every person exactly once"
else
	notok "yealink, one document: every person exactly once"
	diff "$tmp/want.sorted" "$tmp/y.sorted" | head -5 | sed 's/^/# /'
fi
for v in grandstream fanvil yealink-menu snom; do
	curl -s -o "$tmp/body" -u "$BIG" -w "# $v, %{size_download} bytes in %{time_total} s\n" "$base/$v.xml"
	shape "$v of $people people: well-formed" "$v"
done
stop_server
if [ -n "$VG" ] && ls "$tmp"/vg.* >/dev/null 2>&1 && [ -s "$(ls "$tmp"/vg.* | head -1)" ]; then
	notok "valgrind is clean"
	head -20 "$tmp"/vg.* | sed 's/^/# /'
fi
tap_done
