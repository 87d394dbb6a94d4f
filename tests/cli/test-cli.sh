#!/bin/sh
# The command lines of the three programs (issue 19): getopt_long
# (--opt=value, --version, unknown options named, --help on stdout),
# every --json listing parsed and rebuilt into the text output on the
# demo directory (Chinese names, quotes and backslashes included, the
# columns by display width), the progress bar on a pseudo-terminal and
# never on a pipe, the bash completions called as bash calls them, the
# man pages rendered without a warning. Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
PY=/usr/bin/python3
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
AGENT="$top_builddir/agent/orgbook-agent"
JC="$top_srcdir/tests/cli/jsoncheck.py"
PTY="$PY $top_srcdir/tests/cli/ptyrun.py"
tmp=$(mktemp -d)
. "$top_srcdir/tests/lib/tap.sh"
spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$top_srcdir/tests/lib/db.sh"
db_setup_tap "$tmp"
ob() { "$ADMIN" --db "$db" "$@"; }
agent() { "$AGENT" --dir "$tmp/ag" "$@"; }
VERSION=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"/\1/p' "$top_builddir/config.h")

# run NAME EXIT COMMAND...: stdout to $tmp/o, stderr to $tmp/e
run() {
	name=$1 want=$2
	shift 2
	"$@" >"$tmp/o" 2>"$tmp/e"
	got=$?
	if [ "$got" = "$want" ]; then ok "$name"; else
		notok "$name (exit $got, want $want)"
		head -5 "$tmp/e" | sed 's/^/# /'
	fi
}
# file_is NAME FILE TEXT: FILE holds exactly TEXT (and a newline)
file_is() {
	if [ "$(cat "$2")" = "$3" ]; then ok "$1"; else
		notok "$1"
		head -5 "$2" | sed 's/^/# got: /'
		echo "# want: $3"
	fi
}
empty() { if [ ! -s "$2" ]; then ok "$1"; else notok "$1" && head -3 "$2" | sed 's/^/# /'; fi; }
grep_ok() { if grep -q -- "$3" "$2"; then ok "$1"; else notok "$1 (no '$3')" && head -5 "$2" | sed 's/^/# /'; fi; }
grep_no() { if grep -q -- "$3" "$2"; then notok "$1 (found '$3')" && head -5 "$2" | sed 's/^/# /'; else ok "$1"; fi; }

# -- options: every program --------------------------------------------------
for p in "$AGENT" "$SERVER" "$ADMIN"; do
	b=$(basename "$p")
	run "$b --help: exit 0" 0 "$p" --help
	grep_ok "$b --help on stdout" "$tmp/o" "sage"
	empty "$b --help: nothing on stderr" "$tmp/e"
	run "$b --version: exit 0" 0 "$p" --version
	file_is "$b --version prints the version" "$tmp/o" "$b $VERSION"
	run "$b --frob: exit 1" 1 "$p" --frob
	grep_ok "$b names the unknown option" "$tmp/e" "$b: .*unknown option --frob"
	grep_ok "$b hints at --help" "$tmp/e" "Try '$b --help'\\|Try '$b.*--help'"
	empty "$b --frob: nothing on stdout" "$tmp/o"
done
run "orgbook-agent search --help: exit 0" 0 "$AGENT" search --help
grep_ok "the command's usage on stdout" "$tmp/o" "search QUERY"
run "orgbook-agent search --frob" 1 "$AGENT" search --frob x
file_is "the message names command and option" "$tmp/e" "orgbook-agent: search: unknown option --frob
Try 'orgbook-agent --help' for more information."
run "orgbook-agent status --json=1: a value it does not take" 1 "$AGENT" --dir "$tmp/none" status --json=1
grep_ok "named" "$tmp/e" "option --json takes no value"
run "orgbook-agent init --server: a missing value" 1 "$AGENT" --dir "$tmp/none" init --user x --server
grep_ok "named" "$tmp/e" "option --server needs a value"
run "orgbook-agent frob: an unknown command" 1 "$AGENT" frob
grep_ok "named" "$tmp/e" "unknown command 'frob'"
run "orgbook-agent search without a query" 1 "$AGENT" --dir "$tmp/none" search
run "orgbook-agent search --limit=0 is refused" 1 "$AGENT" --dir "$tmp/none" search x --limit=0
run "orgbook-agent export --format=vcf99 is refused" 1 "$AGENT" --dir "$tmp/none" export --format=vcf99
run "orgbook-server --ad: ambiguous" 1 "$SERVER" --ad 1
grep_ok "said so" "$tmp/e" "ambiguous option --ad"
run "orgbook-server --port: a missing value" 1 "$SERVER" --port
run "orgbook-server --port=x: a bad value" 1 "$SERVER" --port=x
grep_ok "the key named" "$tmp/e" "port: expected a number"
run "orgbook-server stray: an argument is refused" 1 "$SERVER" stray
# every key of the example config is an option of the server
run "orgbook-server --list-options" 0 "$SERVER" --list-options
missing=""
for k in $(sed -n 's/^#\{0,1\} *\([a-z][a-z0-9-]*\) *=.*/\1/p' "$top_srcdir/server/orgbook-server.conf" | sort -u); do
	grep -qx -- "--$k=\\{0,1\\}" "$tmp/o" || missing="$missing $k"
done
[ -z "$missing" ] && ok "every key of the example config is an option" ||
	notok "keys of the example config missing from srv_config_keys:$missing"

# -- orgbook-admin --json against the text on the demo directory -------------
ORGBOOK_ADMIN="$ADMIN" sh "$top_srcdir/testdata/load-demo.sh" "$db" >/dev/null
ob person add --tenant acme --uid q-1 --name '王 "Q" \ back\slash' --unit 总部/总裁办 \
	--title 'say "hi"' --email 'q@x.cn' --work '+86 21 1' >/dev/null
ob person add --tenant acme --uid q-2 --name 'Ada Lovelace' --hidden yes >/dev/null
ob person update --tenant acme demo-000002 --title "副总裁" >/dev/null
ob account link zhang.wei@acme demo-000001 >/dev/null 2>&1
# jc NAME KIND COMMAND...: the --json output of COMMAND rebuilt as KIND
# equals its text output
jc() {
	name=$1 kind=$2
	shift 2
	"$@" --json >"$tmp/j" 2>"$tmp/e" && "$@" >"$tmp/t" 2>>"$tmp/e"
	rc=$?
	if [ $rc -ne 0 ]; then notok "$name (exit $rc)" && head -3 "$tmp/e" | sed 's/^/# /' && return; fi
	if $PY -m json.tool "$tmp/j" >/dev/null 2>"$tmp/e" &&
		o=$($PY "$JC" "$kind" "$tmp/j" "$tmp/t"); then
		ok "$name"
	else
		notok "$name"
		{ cat "$tmp/e"; echo "$o"; } | head -6 | sed 's/^/# /'
	fi
}
jc "person list --json = the table" person_list ob person list --tenant acme --all
jc "person list --unit --json = the table" person_list ob person list --tenant acme --unit 总部
jc "person show --json = the text (quotes, backslash)" person_show ob person show --tenant acme q-1
jc "person show --json = the text (Chinese, address, photo)" person_show ob person show --tenant acme demo-000001
jc "unit list --json = the tree" unit_list ob unit list --tenant acme
jc "enterprise list --json = the table" enterprise_list ob enterprise list
jc "account list --json = the table" account_list ob account list --tenant acme
jc "account log --json = the table" account_log ob account log --tenant acme
jc "changes --json = the text" changes ob changes --tenant acme --since 1
jc "changes --log --json = the text" changes_log ob changes --tenant acme --log
ob person list --tenant acme --json >"$tmp/j"
$PY - "$tmp/j" <<'PYEOF' && ok "the quoted, backslashed name reads back as stored" || notok "the quoted, backslashed name reads back as stored"
import json, sys
p = {x["uid"]: x for x in json.load(open(sys.argv[1], encoding="utf-8"))}
assert p["q-1"]["name"] == '王 "Q" \\ back\\slash', p["q-1"]["name"]
assert p["q-1"]["title"] == 'say "hi"'
assert "q-2" not in p  # hidden: only with --all
PYEOF
grep_ok "non-ASCII is written as UTF-8, not escaped" "$tmp/j" '"name":"王 \\"Q\\" \\\\ back\\\\slash"'
# the names' column: the unit starts at the same display column on
# every line, CJK or not
ob person list --tenant acme --all >"$tmp/t"
$PY - "$tmp/t" <<'PYEOF' && ok "columns aligned by display width" || notok "columns aligned by display width"
import sys, unicodedata
def w(s): return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
cols = set()
for line in open(sys.argv[1], encoding="utf-8"):
    uid_name = line[:len(line) - len(line.lstrip()) ] if False else line
    # uid (28) + space + name (24) + space: the unit at column 54
    head = line.rstrip("\n")
    n = 0
    for i, c in enumerate(head):
        if n == 54:
            cols.add(head[i - 1] == " " and head[i] != " ")
            break
        n += w(c)
assert cols == {True}, cols
PYEOF
run "person list --json --frob: refused" 1 ob person list --tenant acme --json --frob

# -- progress bars -------------------------------------------------------------
# (a machine without pseudo-terminals skips the bars)
if ! $PY -c 'import os, pty; m, s = pty.openpty(); os.close(m); os.close(s)' 2>/dev/null; then
	PTY=""
fi
$PY - "$tmp/big.csv" <<'PYEOF'
import csv, sys
w = csv.writer(open(sys.argv[1], "w", newline="", encoding="utf-8"))
w.writerow(["uid", "display_name", "phone_work", "unit"])
for i in range(6000):
    w.writerow(["big-%05d" % i, "测试 %d" % i, "+86 21 5555 %04d" % i, "部门%d" % (i % 7)])
PYEOF
ob enterprise create big >/dev/null
echo big-pass | ob account create --tenant big big@big --password-stdin >/dev/null
if [ -n "$PTY" ]; then
# a bar from the first update (ORGBOOK_PROGRESS_DELAY_MS=0): however fast
# the machine, the bar is seen; and with a minute's delay quick work has none
export ORGBOOK_PROGRESS_DELAY_MS=0
$PTY --stderr-only "$ADMIN" --db "$db" import --tenant big "$tmp/big.csv" >"$tmp/pty" 2>&1
grep_ok "import on a terminal: a bar with counts" "$tmp/pty" "importing \\[#*\\.*\\] [0-9]*/6000"
grep_ok "import on a terminal: a rate and the time left" "$tmp/pty" "[0-9]/s [0-9:]* left"
grep_ok "the bar is cleared at the end" "$tmp/pty" "$(printf '\r\033\\[K')"
draws=$(tr '\r' '\n' <"$tmp/pty" | grep -c "importing")
[ "$draws" -ge 1 ] && [ "$draws" -le 600 ] && ok "redrawn a bounded number of times ($draws)" || notok "redrawn $draws times"
ob import --tenant big --mode replace "$tmp/big.csv" >"$tmp/o" 2>"$tmp/e"
empty "import into a pipe: no bar" "$tmp/e"
$PTY --stderr-only "$ADMIN" --db "$db" --quiet import --tenant big "$tmp/big.csv" >"$tmp/pty" 2>&1
grep_no "import --quiet on a terminal: no bar" "$tmp/pty" "importing"
# an export to a slow reader lasts long enough for a bar
$PTY --slow-stdout "$ADMIN" --db "$db" export --tenant big --format csv >"$tmp/pty" 2>&1
grep_ok "export on a terminal: a bar" "$tmp/pty" "exporting .*[0-9]/s"
ORGBOOK_PROGRESS_DELAY_MS=60000 $PTY --stderr-only "$ADMIN" --db "$db" export --tenant big --format csv --output "$tmp/big.out" >"$tmp/pty" 2>&1
grep_no "an export quicker than the delay: no bar" "$tmp/pty" "exporting"
$PTY "$ADMIN" --db "$db" export --tenant big --format csv >"$tmp/pty" 2>&1
grep_no "export to the same terminal: no bar over it" "$tmp/pty" "exporting"
else
	ob import --tenant big "$tmp/big.csv" >/dev/null 2>&1
	ok "# SKIP no pseudo-terminal for the import and export bars"
fi

# -- orgbook-agent: first sync on a terminal, --json against the text ----------
rm -f "$tmp/ports"
"$SERVER" $DBARGS --listen 127.0.0.1 --port 0 --admin-port off \
	--port-file "$tmp/ports" 2>>"$tmp/server.log" &
spid=$!
i=0
while [ ! -s "$tmp/ports" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
url="http://127.0.0.1:$(cut -d' ' -f1 "$tmp/ports")/sync"
run "agent init --server=URL --user=NAME (the = forms)" 0 sh -c "echo big-pass | '$AGENT' --dir='$tmp/big' init --server='$url' --user=big@big --password-stdin"
if [ -n "$PTY" ]; then
$PTY --stderr-only "$AGENT" --dir "$tmp/big" sync >"$tmp/pty" 2>&1
# the server sends no NumberOfChanges: counts and rate, no total
grep_ok "first sync on a terminal: a bar with counts" "$tmp/pty" "syncing [0-9][0-9]* [0-9][0-9]*/s"
"$AGENT" --dir "$tmp/big" sync --slow >"$tmp/o" 2>"$tmp/e"
empty "sync into a pipe: no bar" "$tmp/e"
$PTY --stderr-only "$AGENT" --quiet --dir "$tmp/big" sync --slow >"$tmp/pty" 2>&1
grep_no "sync --quiet on a terminal: no bar" "$tmp/pty" "syncing"
else
	"$AGENT" --dir "$tmp/big" sync >/dev/null 2>&1
	ok "# SKIP no pseudo-terminal for the sync bar"
fi
run "agent init for the demo" 0 sh -c "echo orgbook-demo | '$AGENT' --dir '$tmp/ag' init --server '$url' --user zhang.wei@acme --password-stdin"
run "agent sync --json" 0 agent sync --json
$PY - "$tmp/o" <<'PYEOF' && ok "sync --json: the counts" || notok "sync --json: the counts"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["mode"] == "slow" and s["added"] == s["people"] > 300, s
assert s["refused"]["malformed"]["count"] == 0
PYEOF
jc "agent search --json = the table (CJK columns)" agent_people agent search 王
jc "agent search --limit=3 --json = the table" agent_people agent search --limit=3 wang
jc "agent search finds the quoted name" agent_people agent search back
grep_ok "the quoted name escaped" "$tmp/j" '"name":"王 \\"Q\\" \\\\ back\\\\slash"'
jc "agent lookup-number --json = the table" agent_people agent lookup-number 87791542
jc "agent units --json = the list" agent_units agent units
jc "agent units PATH --json = the list" agent_units agent units 总部/总裁办
jc "agent status --json = the text" agent_status agent status
jc "agent show --json: its vcard = show" agent_show agent show q-1
$PY - "$tmp/j" <<'PYEOF' && ok "agent show --json: the fields" || notok "agent show --json: the fields"
import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
assert s["uid"] == "q-1" and s["name"] == '王 "Q" \\ back\\slash', s
assert s["title"] == 'say "hi"' and s["emails"] == ["q@x.cn"], s
assert s["phones"] == [{"type": "work", "number": "+86 21 1"}], s
PYEOF
run "agent search nobody --json: [] and exit 3" 3 agent search zzzzqqq --json
file_is "an empty array" "$tmp/o" "[]"
# -- orgbook-admin device: the devices that synced above ---------------------
run "admin device list --tenant acme" 0 ob device list --tenant acme
grep_ok "the demo agent under its account" "$tmp/o" " zhang\.wei@acme  *[^ ]* *20[0-9-]*T[0-9:]*Z  *[0-9][0-9]* normal$"
jc "admin device list --json = the table" device_list ob device list --tenant acme
$PY - "$tmp/j" big <<'PYEOF' && ok "device list --json: account, recent last sync, items" || notok "device list --json: account, recent last sync, items"
import calendar, json, sys, time
j = json.load(open(sys.argv[1], encoding="utf-8"))
assert len(j) == 1, j
d = j[0]
assert d["account"] == "zhang.wei@acme" and d["device"], d
t = calendar.timegm(time.strptime(d["last_sync"], "%Y-%m-%dT%H:%M:%SZ"))
assert abs(time.time() - t) < 600, d["last_sync"]
assert d["items"] > 300 and d["client_anchor"] and d["server_anchor"], d
assert not d["live_session"] and not d["past_retention"], d
assert not d["force_slow"] and d["revision"] > 0, d
PYEOF
dev=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["device"])' "$tmp/j")
ob device list --tenant big --json >"$tmp/jb" 2>/dev/null
$PY - "$tmp/jb" "$dev" <<'PYEOF' && ok "big sees its own device only" || notok "big sees its own device only"
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
assert [d["account"] for d in j] == ["big@big"], j
assert sys.argv[2] not in [d["device"] for d in j], j
PYEOF
jc "admin device show --json = the text" device_show ob device show --tenant acme "$dev"
grep_ok "show: the device's account" "$tmp/t" "^account: *zhang\.wei@acme$"
run "admin device list --account zhang.wei@acme" 0 ob device list --tenant acme --account zhang.wei@acme
grep_ok "its device" "$tmp/o" "^$dev "
run "admin device list --account of another enterprise: exit 3" 3 ob device list --tenant acme --account big@big
file_is "named" "$tmp/e" "orgbook-admin: no account 'big@big' in acme"
run "admin device show of an unknown id: exit 3" 3 ob device show --tenant acme no-such-device
file_is "a clear message" "$tmp/e" "orgbook-admin: no device 'no-such-device' has synced in acme"
empty "nothing on stdout" "$tmp/o"
run "admin device show of acme's device in big: exit 3" 3 ob device show --tenant big "$dev"
run "admin device forget in another enterprise: exit 3" 3 ob device forget --tenant big "$dev"
run "admin device show without an id: exit 1" 1 ob device show --tenant acme
run "admin device list without --tenant: exit 1" 1 ob device list
run "admin device forget" 0 ob device forget --tenant acme "$dev"
grep_ok "says so" "$tmp/o" "next sync is a slow sync"
run "admin device list after forget" 0 ob device list --tenant acme
file_is "nothing synced" "$tmp/o" "no device has synced"
run "admin device list --json after forget" 0 ob device list --tenant acme --json
file_is "an empty array" "$tmp/o" "[]"
run "agent sync after forget" 0 agent sync --json
$PY -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["mode"] == "slow", s' "$tmp/o" &&
	ok "the forgotten device's next sync is slow" || notok "the forgotten device's next sync is slow"
run "admin device list: back after its sync" 0 ob device list --tenant acme
grep_ok "listed again" "$tmp/o" "^$dev "
kill "$spid" && wait "$spid" 2>/dev/null
spid=""

# -- bash completion ------------------------------------------------------------
comp() { bash "$top_srcdir/tests/cli/complete.bash" "$@" 2>&1 | sort | tr '\n' ' ' | sed 's/ $//'; }
cis() {
	name=$1 want=$2
	shift 2
	got=$(top_srcdir=$top_srcdir comp "$@")
	[ "$got" = "$want" ] && ok "completion: $name" || notok "completion: $name (got '$got', want '$want')"
}
export top_srcdir
cis "agent commands" "export init lookup-number search show status sync units" "$AGENT" ""
cis "agent s" "search show status sync" "$AGENT" --dir "$tmp/ag" s
cis "agent search --l" "--limit" "$AGENT" search --l
cis "agent sync --" "--dir --help --json --quiet --refresh --slow --version" "$AGENT" sync --
cis "agent export --format" "vcf21 vcf30" "$AGENT" export --format ""
cis "agent export --format=v" "vcf21 vcf30" "$AGENT" export --format = v
cis "server --max-conn" "--max-connections --max-connections-per-ip" "$SERVER" --max-conn
cis "server --log-level" "debug error info warn" "$SERVER" --log-level ""
cis "server --ldap-require" "--ldap-require-tls" "$SERVER" --ldap-require
cis "admin pe" "person prune" "$ADMIN" p
cis "admin de" "device" "$ADMIN" de
cis "admin person subcommands" "add delete list move show update" "$ADMIN" person ""
cis "admin account subcommands" "create disable enable import link list log passwd reset-link unlink" "$ADMIN" account ""
cis "admin unit subcommands" "add delete list move rename" "$ADMIN" unit ""
cis "admin device subcommands" "forget list show" "$ADMIN" device ""
cis "admin device list --a" "--account" "$ADMIN" device list --a
cis "admin person list --j" "--json" "$ADMIN" person list --j
cis "admin --tenant from the database" "acme big northwind" "$ADMIN" --db "$db" person list --tenant ""
cis "admin export --format" "csv json vcf21 vcf30 vcf40" "$ADMIN" export --format ""
cis "admin import --mode" "merge replace" "$ADMIN" import --mode ""

# -- man pages -------------------------------------------------------------------
if command -v groff >/dev/null; then
	for m in admin/orgbook-admin.1 agent/orgbook-agent.1 server/orgbook-server.8; do
		w=$(groff -man -ww -z -Tutf8 -K utf8 "$top_srcdir/$m" 2>&1)
		[ -z "$w" ] && ok "$m renders without a warning" || notok "$m: $w"
	done
	groff -man -Tascii -P-cbou "$top_srcdir/agent/orgbook-agent.1" 2>/dev/null >"$tmp/man"
	for c in init sync search lookup-number units show export status; do
		grep -q "^       $c\\b" "$tmp/man" &&
			ok "orgbook-agent(1) documents $c" || notok "orgbook-agent(1) documents $c"
	done
	missing=""
	for o in $("$AGENT" --list-options; for c in init sync search export; do "$AGENT" $c --list-options; done); do
		case $o in --*) ;; *) continue ;; esac
		o=${o%=}
		grep -q -- "$o\\b" "$tmp/man" || missing="$missing $o"
	done
	[ -z "$missing" ] && ok "orgbook-agent(1) documents every option" || notok "orgbook-agent(1) lacks$missing"
else
	ok "# SKIP no groff"
fi
tap_done
