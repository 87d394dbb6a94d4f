#!/bin/sh
# Recorded CardDAV sessions of iOS Contacts, DAVx5 and Thunderbird
# (testdata/carddav/sessions/, its README says where each request comes
# from) replayed against the real orgbook-server with the demo directory,
# every answer checked exactly (tests/interop/replay-carddav.py): account
# setup and discovery, the first sync, an unchanged poll, the delta after
# the admin's changes, a user's PUT refused with 403, the expired token.
# Each client syncs its own book of the northwind enterprise (iOS
# Management, DAVx5 Operations, Thunderbird Sales); the directory changes
# between the three phases as the sessions' README says. Cards in the
# answers must equal the directory's own export byte for byte. Under
# valgrind (OB_VALGRIND=1) the server runs there. Then the forms of
# Prefer: return=minimal (RFC 7240) with curl. Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
PY=/usr/bin/python3
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
REPLAY="$top_srcdir/tests/interop/replay-carddav.py"
SESSIONS="$top_srcdir/testdata/carddav/sessions"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/db.sh"
tmp=$(mktemp -d)
spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	[ -z "${KEEP:-}" ] || cp -r "$tmp" "$KEEP"
	rm -rf "$tmp"
}
trap cleanup EXIT
db_setup_tap "$tmp"
ob() { "$ADMIN" "$@"; }
VG=""
if [ -n "${OB_VALGRIND:-}" ]; then
	VG="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --log-file=$tmp/vg.%p"
fi

ORGBOOK_ADMIN="$ADMIN" sh "$top_srcdir/testdata/load-demo.sh" "$db" >/dev/null
# shellcheck disable=SC2086 # DBARGS is two options
$VG "$SERVER" $DBARGS --listen 127.0.0.1 --port 0 --admin-port off \
	--port-file "$tmp/ports" 2>"$tmp/server.log" &
spid=$!
i=0
while [ ! -s "$tmp/ports" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
base="http://127.0.0.1:$(cut -d' ' -f1 "$tmp/ports")"
unit_id() {
	db_sql "SELECT id FROM unit WHERE tenant_id = (SELECT id FROM tenant WHERE name = 'northwind') AND path = '$1'"
}
sets="--set UNIT_MANAGEMENT=$(unit_id Management) --set UNIT_OPERATIONS=$(unit_id Operations) --set UNIT_SALES=$(unit_id Sales)"
mkdir -p "$tmp/cards" "$tmp/got"

# export: the cards the answers must carry, as the directory renders them
export_cards() {
	ob export --tenant northwind --format vcf30 --output "$tmp/cards/vcf30.vcf" >/dev/null 2>&1 &&
		ob export --tenant northwind --format vcf40 --output "$tmp/cards/vcf40.vcf" >/dev/null 2>&1
}
# replay CLIENT STEPS: those steps of the client's session, one TAP line each
replay() {
	# shellcheck disable=SC2086 # sets is several options
	$PY "$REPLAY" --base "$base" --dir "$SESSIONS/$1" --user anna@northwind:northwind-demo \
		$sets --cards "$tmp/cards" --state "$tmp/$1.state" --steps "$2" \
		--label "$1 " --keep "$tmp/got" >"$tmp/replay.out" 2>&1
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) notok "${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done <"$tmp/replay.out"
}

# -- phase 1: account setup, first sync, an unchanged poll --------------------
export_cards || notok "export the directory's cards"
replay ios 01-09
replay davx5 01-10
replay thunderbird 01-08

# -- changes A (testdata/carddav/sessions/README.md) ---------------------------
if ob person update --tenant northwind nw-000010 --title "Head of Support" >/dev/null &&
	ob person delete --tenant northwind nw-000011 >/dev/null &&
	ob person update --tenant northwind nw-000002 --title "Logistics Lead" >/dev/null &&
	ob person move --tenant northwind nw-000003 Sales/Inside >/dev/null &&
	ob person add --tenant northwind --uid nw-new-1 --name "Lena Fischer" --family Fischer \
		--given Lena --unit Sales/Field --title "Account Executive" \
		--cell "+86 139 0000 0025" --email lena.fischer@northwind.example >/dev/null; then
	ok "changes A: two edits, a delete, a move between books, an add"
else
	notok "changes A: two edits, a delete, a move between books, an add"
fi
export_cards || notok "export the directory's cards"

# -- phase 2: the delta, a user's PUT -------------------------------------------
replay ios 10-13
replay davx5 11-14
replay thunderbird 09-09
if ob export --tenant northwind --format vcf30 2>/dev/null |
	grep -q "TITLE:Director\|TITLE:Head of Logistics"; then
	notok "the refused PUTs changed nothing"
else
	ok "the refused PUTs changed nothing"
fi

# -- changes B and the retention window passing ---------------------------------
if ob person update --tenant northwind nw-000001 --title "Chief Analyst" >/dev/null &&
	ob person update --tenant northwind nw-000008 --title "Planner" >/dev/null &&
	ob person update --tenant northwind nw-000004 --title "Regional Sales Manager" >/dev/null &&
	ob prune --tenant northwind --now $(($(date +%s) + 400 * 86400)) >/dev/null; then
	ok "changes B: three edits, then the change log pruned past them"
else
	notok "changes B: three edits, then the change log pruned past them"
fi
export_cards || notok "export the directory's cards"

# -- phase 3: the expired token and each client's way back ----------------------
replay ios 14-15
replay davx5 15-16
replay thunderbird 10-13

# -- the forms of Prefer (RFC 7240 2): BWS, a quoted word, other preferences
minimal() { # PREFER-HEADER: "applied" when the 404 propstat was left out
	curl -s -D "$tmp/h" -o "$tmp/b" -u anna@northwind:northwind-demo -X PROPFIND \
		-H "Depth: 0" -H "$1" --data '<propfind xmlns="DAV:"><prop><displayname/><quota-used-bytes/></prop></propfind>' \
		"$base/dav/books/"
	if grep -qi "^Preference-Applied: return=minimal" "$tmp/h" && ! grep -q "404 Not Found" "$tmp/b"; then
		echo applied
	elif ! grep -qi "^Preference-Applied" "$tmp/h" && grep -q "404 Not Found" "$tmp/b"; then
		echo full
	else
		echo inconsistent
	fi
}
for pref in "return = minimal" 'return="minimal"' "respond-async, return=minimal; x=y"; do
	got=$(minimal "Prefer: $pref")
	if [ "$got" = applied ]; then ok "Prefer: $pref is honoured"; else
		notok "Prefer: $pref is honoured ($got)"
	fi
done
for pref in "return=minimalist" "return=representation"; do
	got=$(minimal "Prefer: $pref")
	if [ "$got" = full ]; then ok "Prefer: $pref gets every propstat"; else
		notok "Prefer: $pref gets every propstat ($got)"
	fi
done

if [ -n "$VG" ]; then
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	spid=""
	if cat "$tmp"/vg.* 2>/dev/null | grep -q .; then
		notok "valgrind: the server is clean"
		head -30 "$tmp"/vg.* | sed 's/^/# /'
	else
		ok "valgrind: the server is clean"
	fi
fi
if grep -qi "runtime error\|AddressSanitizer\|LeakSanitizer" "$tmp/server.log"; then
	notok "server log free of sanitizer reports"
else
	ok "server log free of sanitizer reports"
fi
tap_done
