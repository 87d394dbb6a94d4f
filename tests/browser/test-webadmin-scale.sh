#!/bin/sh
# The admin pages in Debian's headless Chromium (Playwright, scale.mjs) at
# the size of a large company: 100,000 generated people (3,000 under
# valgrind; hidden ones among them, whom the admin sees and devices do
# not) in a tree nine levels deep, with photos. Paging through the
# root and a unit (every page of the unit walked), a bulk move of 200
# people, 1,000 accounts from a CSV (20 under valgrind), a web import
# changing 1,000 people and its undo, Chinese and English, both widths;
# then orgbook-agent, which synced the whole
# directory before, must hold exactly the result. Page timings are
# printed as comments (figures, never asserted). Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
. "$top_srcdir/tests/lib/slow.sh"
top_builddir=${top_builddir:-.}
PY=/usr/bin/python3
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
AGENT="$top_builddir/agent/orgbook-agent"
tmp=$(mktemp -d)
db="$tmp/orgbook.db"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/browser/lib.sh"
spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ob() { "$ADMIN" --db "$db" "$@"; }
browser_vg
people=${OB_SCALE_PEOPLE:-100000}
accounts=1000
step=120000
if [ -n "${OB_VALGRIND:-}" ]; then
	accounts=20 # each password is hashed (yescrypt): slow under valgrind
	step=600000
	people=${OB_SCALE_PEOPLE:-3000}
fi
agent() { "$AGENT" --dir "$tmp/agent" "$@"; }
same() { browser_same big "$1"; } # NAME: agent copy == directory view
secs() { $PY -c 'import time; print("%.1f" % time.time())'; }
since() { $PY -c 'import sys, time; print("%.1f" % (time.time() - float(sys.argv[1])))' "$1"; }

browser_tools
browser_script scale.mjs
shots="$top_builddir/tests/browser/screenshots-scale"
rm -rf "$shots"
mkdir -p "$shots"

# -- the directory: generated, then its research centre moved four levels
# down (nine levels at the deepest) --------------------------------------------
t0=$(secs)
$PY "$top_srcdir/testdata/gen-directory.py" --people "$people" --seed 21 \
	--photos 200 --uid-prefix big --domain big.example.cn \
	--out "$tmp/gen" >/dev/null
ob init >/dev/null
ob enterprise create big --display "Big 集团" >/dev/null
echo scale-admin-pw | ob account create --tenant big admin@big --admin \
	--password-stdin >/dev/null
echo scale-reader-pw | ob account create --tenant big reader@big \
	--password-stdin >/dev/null
check "$people people imported" 0 ob import --tenant big "$tmp/gen/people.csv"
ob unit add --tenant big "深层/一级/二级/三级/四级" >/dev/null
check "a subtree of thousands moved five levels down" 0 \
	ob unit move --tenant big 研发中心 "深层/一级/二级/三级/四级"
ob unit add --tenant big 规模测试部 >/dev/null
depth=$(ob export --tenant big --format json 2>/dev/null | $PY -c 'import json, sys
print(max(u.count("/") + 1 for u in json.load(sys.stdin)["units"]))')
[ "$depth" -ge 9 ] && ok "the tree is $depth levels deep, every path whole" ||
	notok "the tree is at least 9 levels deep ($depth)"
visible=$(ob export --tenant big --format vcf30 2>/dev/null | grep -c '^BEGIN:VCARD')
deep="深层/一级/二级/三级/四级/研发中心/平台部/基础架构组/数据库小组"
everyone=$(sqlite3 "$db" "SELECT count(*) FROM person WHERE tenant_id = (SELECT id FROM tenant WHERE name = 'big')")
unit_people=$(sqlite3 "$db" "SELECT count(*) FROM person p JOIN unit u ON u.id = p.unit_id WHERE u.tenant_id = (SELECT id FROM tenant WHERE name = 'big') AND u.id IN (WITH RECURSIVE t(id) AS (SELECT id FROM unit WHERE name = '数据库小组' UNION ALL SELECT unit.id FROM unit JOIN t ON unit.parent_id = t.id) SELECT id FROM t)")
echo "# $everyone people ($visible not hidden), $unit_people under $deep, set up in $(since "$t0") s"
[ "$unit_people" -gt $((people / 100)) ] && ok "the unit walked holds $unit_people people" ||
	notok "the unit walked holds more than $((people / 100)) people ($unit_people)"
# 1,000 people's titles changed by a web import (then undone)
$PY - "$tmp/gen/people.csv" "$tmp/titles.csv" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(["uid", "title"])
    for r in rows[5000 % len(rows):][:1000] if len(rows) > 6000 else rows[:1000]:
        w.writerow([r["uid"], "规模测试职位"])
PYEOF

$VG "$SERVER" --db "$db" --listen 127.0.0.1 --port 0 --admin-listen 127.0.0.1 \
	--admin-port 0 --port-file "$tmp/ports" 2>"$tmp/server.log" &
spid=$!
i=0
while [ ! -s "$tmp/ports" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cut -d' ' -f1 "$tmp/ports")
aport=$(cut -d' ' -f2 "$tmp/ports")
url="http://127.0.0.1:$port/sync"

t0=$(secs)
check "agent init" 0 sh -c \
	"echo scale-reader-pw | '$AGENT' --dir '$tmp/agent' init --server '$url' --user reader@big --password-stdin"
check "the agent's first sync of $visible people" 0 agent sync
echo "# the agent's first sync: $(since "$t0") s"
same "the agent's copy equals the directory"
ob export --tenant big --format json >"$tmp/before.json" 2>/dev/null

# -- in the browser ---------------------------------------------------------------
ADMIN_URL="http://127.0.0.1:$aport" SHOT_DIR="$shots" STATE="$tmp/state.json" \
	ADMIN_USER=admin@big ADMIN_PASSWORD=scale-admin-pw EVERYONE="$everyone" \
	UNIT_NAME=数据库小组 UNIT_PEOPLE="$unit_people" MOVE_TO=规模测试部 \
	TITLES_CSV="$tmp/titles.csv" ACCOUNTS="$accounts" STEP_TIMEOUT="$step" \
	NODE_PATH="$nodedir/node_modules" \
	node "$tmp/scale.mjs" >"$tmp/browser.out" 2>&1
rc=$?
lines=0
while IFS= read -r line; do
	case "$line" in
	"PASS "*) ok "browser: ${line#PASS }" ;;
	"FAIL "*) notok "browser: ${line#FAIL }" ;;
	*) echo "# $line" ;;
	esac
	lines=$((lines + 1))
done <"$tmp/browser.out"
[ "$rc" = 0 ] || [ "$lines" -gt 0 ] || notok "the browser did not run (exit $rc)"

# -- what the browser did, as the store and the agent see it -----------------------
moved=$($PY -c 'import json, sys; print(" ".join(json.load(open(sys.argv[1]))["moved"]))' "$tmp/state.json" 2>/dev/null)
n_moved=0
n_there=0
for u in $moved; do
	n_moved=$((n_moved + 1))
	ob person show --tenant big "$u" | grep -q '^unit: *规模测试部$' && n_there=$((n_there + 1))
done
[ "$n_moved" = 200 ] && [ "$n_there" = 200 ] &&
	ok "the store has the 200 moved people in the unit" ||
	notok "the store has the 200 moved people in the unit ($n_there of $n_moved)"
ob export --tenant big --format json >"$tmp/after.json" 2>/dev/null
$PY - "$tmp/before.json" "$tmp/after.json" "$moved" <<'PYEOF' && ok "after the undo only the 200 moved people differ from before" || notok "after the undo only the 200 moved people differ from before"
import json, sys
def people(p):
    d = json.load(open(p, encoding="utf-8"))
    d = d.get("people", d) if isinstance(d, dict) else d
    return {x["uid"]: x for x in d}
a, b, moved = people(sys.argv[1]), people(sys.argv[2]), set(sys.argv[3].split())
diff = {u for u in set(a) | set(b) if a.get(u) != b.get(u)}
if diff != moved:
    print("# differ: %d, moved %d, e.g. %s" % (len(diff), len(moved), sorted(diff ^ moved)[:5]))
    sys.exit(1)
PYEOF
n_acc=$(ob account list --tenant big | grep -c '^scale-')
[ "$n_acc" = "$accounts" ] && ok "the store has the $accounts imported accounts" ||
	notok "the store has the $accounts imported accounts ($n_acc)"
t0=$(secs)
check "the agent's sync after the browser's work" 0 agent sync
echo "# the agent's sync after: $(since "$t0") s"
same "the agent's copy equals the directory after the browser's work"

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
