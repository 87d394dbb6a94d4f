#!/bin/sh
# orgbook-admin import --undo end to end: the directory exactly as before
# the last import (every stored field, photos, person ids, units) as one
# revision of ordinary changes; refusals that name what blocks them;
# nothing to undo twice, without an import, after a killed import (the
# import before it is undone); another enterprise untouched; and a SyncML
# device that gets the undo as a fast-sync delta. Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
CLIENT="$top_srcdir/tests/integration/smlclient.py"
VIEW="$top_srcdir/tests/integration/viewcheck.py"
DEMO="$top_srcdir/testdata/demo"
PY=/usr/bin/python3
tmp=$(mktemp -d)
spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
db="$tmp/u.db"
. "$top_srcdir/tests/lib/tap.sh"

ob() { "$ADMIN" --db "$db" "$@"; }
rev() { ob enterprise list | awk -v t="$1" '$1 == t { print $3 }'; }
# the whole stored state of an enterprise: each person's id, uid and etag
# (a hash of every field, the unit, hidden and the photo bytes) and every
# unit with its parent and path
state() {
	/usr/bin/sqlite3 "$db" "SELECT 'p', p.id, p.uid, p.etag FROM person p
		JOIN tenant t ON t.id = p.tenant_id WHERE t.name = '$1'
		ORDER BY p.id; SELECT 'u', u.id, u.parent_id, u.path FROM unit u
		JOIN tenant t ON t.id = u.tenant_id WHERE t.name = '$1'
		ORDER BY u.id;"
}
same_state() { # NAME FILE TENANT
	state "$3" >"$tmp/now.state"
	if cmp -s "$2" "$tmp/now.state"; then ok "$1"; else
		notok "$1"
		diff "$2" "$tmp/now.state" | head -10 | sed 's/^/# /'
	fi
}
# eq NAME GOT WANT
eq() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1 (got '$2', want '$3')"; fi; }

ORGBOOK_ADMIN="$ADMIN" sh "$top_srcdir/testdata/load-demo.sh" "$db" >/dev/null
# a JPEG and a PNG of our own for the photo changes
printf '\377\330\377\340JFIF-undo-test-1' >"$tmp/a.jpg"
printf '\211PNG\r\n\032\nundo-test-png-22' >"$tmp/b.png"

# -- nothing to undo in an enterprise that never imported ---------------------
ob enterprise create empty >/dev/null
check "no import: nothing to undo (exit 3)" 3 ob import --tenant empty --undo
has "no import: said so" "nothing to undo: no import is kept for this enterprise"
check "--undo takes no file" 1 ob import --tenant acme --undo "$tmp/x.csv"

# -- a merge that changes photos, phones, units; adds people in new units -----
state acme >"$tmp/before-merge.state"
r0=$(rev acme)
printf '%s\n' 'uid,family_name,given_name,unit,title,phone_cell,phone_work,email,photo,hidden' \
	'demo-000001,吴,萍,总部/总裁办,董事长,+86 131 0000 0001,,ping.wu@new.example,a.jpg,' \
	'demo-000002,刘,斌,新事业部/华南,客户经理,+86 150 3622 0763,+86 21 0000 0002,bin.liu@demo.orgbook.cn,b.png,yes' \
	'new-0001,王,新,新事业部/华南/深圳,工程师,+86 139 0000 0003,,wang.xin@new.example,,' \
	>"$tmp/merge.csv"
check "merge import" 0 ob import --tenant acme "$tmp/merge.csv"
has "the import says how to undo it" "undo it with: orgbook-admin import --tenant acme --undo"
r1=$(rev acme)
eq "the import is one revision" "$r1" "$((r0 + 1))"
check "audit log of the import" 0 ob changes --tenant acme --since "$r0" --log
has "audit names the person and the changed photo by size" "person modify  demo-000001 吴萍
    title: \"人事专员\" -> \"董事长\""
has "audit: photo by size, never bytes" "photo: changed,"
lacks "audit: no photo bytes" "JFIF"
has "audit: the import's counts, undoable" "import import  merge import: 1 added, 2 changed, 0 deleted, 3 units created; it can be undone"
check "undo dry run" 0 ob import --tenant acme --undo --dry-run
has "dry run: the fields put back, current -> restored" "restore demo-000002 刘斌
    unit: \"新事业部/华南\" -> \"总部/战略发展部\"
    phone_work: \"+86 21 0000 0002\" -> \"+86 21 6879 2181 ext 396\"
    hidden: \"yes\" -> \"no\"
    photo: changed, $(wc -c <"$tmp/b.png") -> $(wc -c <"$DEMO/acme/photos/demo-000002.png") bytes"
lacks "dry run: unchanged fields not listed" "title: \"客户经理\""
has "dry run: the added person deleted" "delete new-0001 王新"
has "dry run: the new units removed, deepest first" "remove unit 新事业部/华南/深圳
remove unit 新事业部/华南
remove unit 新事业部"
has "dry run: counts" "dry run, nothing written: undo of the merge import of revision $r1"
eq "dry run writes nothing" "$(rev acme)" "$r1"
check "undo" 0 ob import --tenant acme --undo
has "undo counts" "1 deleted, 2 restored, 0 brought back, 3 units removed, 0 kept, 0 put back; revision $((r1 + 1))"
eq "the undo is one revision" "$(rev acme)" "$((r1 + 1))"
same_state "every person, field, photo and unit as before the merge" "$tmp/before-merge.state" acme
check "changes since the import" 0 ob changes --tenant acme --since "$r1"
has "devices get the photo and field changes as modifies" "modify  demo-000001 (revision $((r1 + 1)))"
has "hidden by the import, visible again: an add" "add     demo-000002 (revision $((r1 + 1)))"
has "the added person as a removal" "remove  new-0001 (revision $((r1 + 1)))"
check "changes since before the import" 0 ob changes --tenant acme --since "$r0"
lacks "a device that never saw the import: nothing of new-0001" "new-0001"
check "undo twice: nothing to undo (exit 3)" 3 ob import --tenant acme --undo
has "undo twice: says it was undone" "nothing to undo: the last import (revision $r1, merge by cli at"
has "undo twice: when and in which revision" "was undone in revision $((r1 + 1)) by cli at"

# -- a replace that deletes people: back with their uids and ids ---------------
grep -v '^demo-00001[0-4],' "$DEMO/acme/people.csv" >"$tmp/replace.csv"
cp -r "$DEMO/acme/photos" "$tmp/"
state acme >"$tmp/before-replace.state"
check "replace import deletes 5" 0 ob import --tenant acme --mode replace "$tmp/replace.csv"
has "replace deleted five" "0 added, 0 changed, 315 unchanged, 5 deleted"
r2=$(rev acme)
check "undo the replace" 0 ob import --tenant acme --undo
has "five brought back" "0 deleted, 0 restored, 5 brought back"
same_state "the deleted people back with the same uid, id and every field" "$tmp/before-replace.state" acme
check "changes since the replace" 0 ob changes --tenant acme --since "$r2"
n_add=$(echo "$out" | grep -c '^add     demo-00001[0-4] ')
eq "the change log shows the five as adds" "$n_add" 5
check "changes since before the replace" 0 ob changes --tenant acme --since "$((r2 - 1))"
n_mod=$(echo "$out" | grep -c '^modify  demo-00001[0-4] ')
eq "and as changes to a device that never saw the deletion" "$n_mod" 5
check "audit of the undo names the deleted people" 0 ob changes --tenant acme --since "$r2" --log
has "audit: the undo's row" "import undo    undo of the replace import of revision $r2"
has "audit: a person brought back, by name" "person add     demo-000010 "

# -- refused while a later change touches an imported person or unit ----------
printf '%s\n' 'uid,family_name,given_name,title' \
	'demo-000024,张,伟,顾问' \
	'demo-000029,曾,涛,顾问' >"$tmp/two.csv"
check "a small merge" 0 ob import --tenant acme "$tmp/two.csv"
r3=$(rev acme)
check "an administrator edits one imported person" 0 ob person update --tenant acme demo-000029 --note "edited after the import"
check "audit of a person update" 0 ob changes --tenant acme --since "$r3" --log
has "audit: person update names the person and the changed field" "cli      person modify  demo-000029 曾涛
    note: (empty) -> \"edited after the import\""
check "undo refused (exit 4)" 4 ob import --tenant acme --undo
has "refusal names the person, the change, who and when" "person demo-000029 曾涛: changed since the import by cli at"
has "refusal: which revision" "UTC (revision $((r3 + 1)))"
has "refusal: the reason" "undo refused: 1 later change touches the people or units of the import of revision $r3"
lacks "refusal: the other person does not block" "demo-000024"
eq "a refused undo writes nothing" "$(rev acme)" "$((r3 + 1))"
check "a rename of the unit the changed people need" 0 ob unit rename --tenant acme 总部/总裁办 董事会办公室
check "undo refused again" 4 ob import --tenant acme --undo
has "refusal names the unit, who needs it and the rename" "unit 总部/总裁办 (needed by demo-000024 张伟 and 1 other): renamed since the import by cli at"
has "refusal shows the rename" "总部/总裁办 -> 总部/董事会办公室)"
has "refusal counts every blocking change" "undo refused: 3 later changes touch"
check "rename back" 0 ob unit rename --tenant acme 总部/董事会办公室 总裁办
check "still refused: the people were touched" 4 ob import --tenant acme --undo

# -- killed mid-import: the killed import leaves nothing, the one before it is
#    the last import
state acme >"$tmp/before-merge2.state"
check "a merge before the big import" 0 ob import --tenant acme "$tmp/merge.csv"
r4=$(rev acme)
state acme >"$tmp/after-merge.state"
$PY "$top_srcdir/testdata/gen-directory.py" --people 20000 --seed 9 --uid-prefix big \
	--out "$tmp/big" >/dev/null
# an empty WAL, so that its growth shows the import writing
/usr/bin/sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
"$ADMIN" --db "$db" import --tenant acme "$tmp/big/people.csv" >"$tmp/big.out" 2>&1 &
pid=$!
i=0
while [ $i -lt 600 ]; do
	size=$(stat -c %s "$db-wal" 2>/dev/null || echo 0)
	[ "$size" -gt 600000 ] && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
eq "the big import was killed mid-transaction" "$?" 137
same_state "after the kill the directory is as after the merge" "$tmp/after-merge.state" acme
check "undo after the kill" 0 ob import --tenant acme --undo --dry-run
has "it undoes the merge before the killed import" "undo of the merge import of revision $r4"
check "undo after the kill" 0 ob import --tenant acme --undo
same_state "the directory as before that merge" "$tmp/before-merge2.state" acme
check "nothing of the killed import" 3 ob person show --tenant acme big-000001

# -- another enterprise's import is never undone by this one -----------------
nw_rev=$(rev northwind)
state northwind >"$tmp/nw.state"
check "acme: nothing left to undo" 3 ob import --tenant acme --undo
eq "northwind untouched by acme's undos" "$(rev northwind)" "$nw_rev"
same_state "northwind's people and units untouched" "$tmp/nw.state" northwind
check "northwind's own import can still be undone" 0 ob import --tenant northwind --undo --dry-run
has "it is northwind's import" "undo of the merge import of revision 1"

# -- a device gets the undo as a fast-sync delta -------------------------------
rm -f "$tmp/ports"
"$SERVER" --db "$db" --listen 127.0.0.1 --port 0 --admin-port 0 \
	--port-file "$tmp/ports" --max-photo 65536 2>>"$tmp/server.log" &
spid=$!
i=0
while [ ! -s "$tmp/ports" ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
url="http://127.0.0.1:$(cut -d' ' -f1 "$tmp/ports")/sync"
sync() {
	res=$($PY "$CLIENT" --url "$url" --user zhang.wei@acme \
		--password orgbook-demo --state "$tmp/dev.json" --device dev-undo "$@")
}
expect() {
	got=$(printf '%s' "$res" | $PY -c "import json,sys; print(json.load(sys.stdin).get('$2'))")
	eq "$1" "$got" "$3"
}
view() {
	ob export --tenant acme --format vcf30 >"$tmp/export.vcf" 2>/dev/null
	if vout=$($PY "$VIEW" "$tmp/dev.json" "$tmp/export.vcf"); then ok "$1"; else
		notok "$1"
		echo "$vout" | head -10 | sed 's/^/# /'
	fi
}
sync --mode slow
expect "device: first sync is slow" mode 201
view "device holds the directory"
check "merge import again" 0 ob import --tenant acme "$tmp/merge.csv"
sync
expect "device: fast sync after the import" mode 200
expect "device: the import's add" adds 1
expect "device: the import's change of demo-000001, a replace" replaces 1
expect "device: demo-000002, hidden by the import, a delete" deletes 1
view "device equals the directory after the import"
check "undo while the server runs" 0 ob import --tenant acme --undo
sync
expect "device: fast sync after the undo" mode 200
expect "device: the hidden person back as an add" adds 1
expect "device: demo-000001 put back as a replace" replaces 1
expect "device: the imported person deleted" deletes 1
view "device equals the directory after the undo"
sync
expect "device: nothing more" adds 0
# (it also puts back the titles and note the small merge and the edit set)
check "a replace that deletes five, the device watching" 0 ob import --tenant acme --mode replace "$tmp/replace.csv"
has "the replace: five deleted, two changed" "0 added, 2 changed, 313 unchanged, 5 deleted"
sync
expect "device: the five deleted" deletes 5
expect "device: the two changed" replaces 2
check "undo the replace" 0 ob import --tenant acme --undo
sync
expect "device: the five back as adds" adds 5
expect "device: the two changed back" replaces 2
expect "device: nothing deleted" deletes 0
view "device equals the directory after the replace's undo"

tap_done
