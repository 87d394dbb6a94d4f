#!/bin/sh
# orgbook-admin end to end: every command against a temporary database,
# exact exit codes and messages for bad input, nothing written when an
# import is refused, and the option parser of every command group.
# Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
ADMIN="$top_builddir/admin/orgbook-admin"
DEMO="$top_srcdir/testdata/demo"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/t.db"
. "$top_srcdir/tests/lib/tap.sh"

ob() { "$ADMIN" --db "$db" "$@"; }
rev() { ob enterprise list | awk -v t="$1" '$1 == t { print $3 }'; }

check "init creates the database" 0 ob init
has "init reports the schema" "schema version 17"
check "enterprise create" 0 ob enterprise create acme --display "Acme 集团"
check "duplicate enterprise refused" 4 ob enterprise create acme
has "duplicate enterprise named" "an enterprise named acme already exists"
check "bad enterprise name" 2 ob enterprise create "Bad Name"
check "second enterprise" 0 ob enterprise create beta --md5-auth yes
check "enterprise list" 0 ob enterprise list
has "list shows md5 setting" "md5-auth yes"

check "account from stdin" 0 sh -c "echo 'long-password-1' | '$ADMIN' --db '$db' account create --tenant acme alice --admin --password-stdin"
check "short password refused" 2 sh -c "echo 'short' | '$ADMIN' --db '$db' account create --tenant acme bob --password-stdin"
has "short password named" "field password"
check "login unique across enterprises" 4 sh -c "echo 'long-password-2' | '$ADMIN' --db '$db' account create --tenant beta ALICE --password-stdin"
check "no password prompt without a terminal" 1 sh -c "'$ADMIN' --db '$db' account create --tenant acme carol </dev/null >/dev/null 2>&1 & wait \$!; exit \$?" 
printf 'login,role,uid\nimp1@acme,user,\nimp2@acme,boss,\n' > "$tmp/acc-bad.csv"
check "account import: a bad role refused" 2 ob account import --tenant acme "$tmp/acc-bad.csv"
has "account import: line and field named" "line 3, field role"
printf 'login,role\nimp1@acme,user\nalice,user\n' > "$tmp/acc-taken.csv"
check "account import: a taken login refused" 4 ob account import --tenant acme "$tmp/acc-taken.csv"
has "account import: the taken login named" "line 3, field login: \"alice\" is taken"
check "account import: nothing created" 0 ob account list --tenant acme
lacks "account import: no imp1" "imp1@acme"
printf 'login,role\nimp1@acme,user\nimp2@acme,admin\n' > "$tmp/acc.csv"
check "account import" 0 ob account import --tenant acme "$tmp/acc.csv"
has "account import prints the header" "login,password"
pw1=$(printf '%s\n' "$out" | awk -F, '$1 == "imp1@acme" { print $2 }')
pw2=$(printf '%s\n' "$out" | awk -F, '$1 == "imp2@acme" { print $2 }')
check "account import: 16-character passwords, different" 0 test "${#pw1}" -eq 16 -a "${#pw2}" -eq 16 -a "$pw1" != "$pw2"
check "account import: the password is not stored in clear" 1 grep -q -a -F "$pw1" "$db"
check "account import again: taken" 4 ob account import --tenant acme "$tmp/acc.csv"
has "account import again: named" "line 2, field login"
check "account list" 0 ob account list --tenant acme
has "account import: imp2 is an administrator" "imp2@acme"
has "account list shows role" "alice"
check "unknown tenant" 3 ob account list --tenant nosuch
has "unknown tenant named" "no enterprise named nosuch"
check "disable an account" 0 ob account disable alice
check "account log" 0 ob account log --tenant acme
has "account log lists the disabling by cli" "cli                  disable   alice"
has "account log lists the creation" "create    alice                    administrator"
check "enable it again" 0 ob account enable alice

# files are the owner's alone whatever the umask: the database (SQLite
# gives -wal and -shm its mode), the key file, exports
mode() { stat -c %a "$1"; }
umask 022
echo 'long-password-9' | ob account create --tenant beta keyuser --password-stdin >/dev/null 2>&1
n=$((n + 1)); m="$(mode "$db") $(mode "$db.key")"
[ "$m" = "600 600" ] && echo "ok $n - database and key file are 0600 under umask 022" ||
	{ echo "not ok $n - database and key file modes: $m, want 600 600"; failed=1; }
chmod 644 "$db"
check "a database group or others can read is tightened" 0 ob enterprise list
has "the tightening is reported" "orgbook-admin: warning: $db was mode 0644 (group or others had access): now 0600"
n=$((n + 1)); [ "$(mode "$db")" = 600 ] && echo "ok $n - database back to 0600" ||
	{ echo "not ok $n - database mode $(mode "$db") after open, want 600"; failed=1; }
check "no warning once private" 0 ob enterprise list
lacks "nothing reported" "warning"

check "import the demo directory" 0 ob import --tenant acme "$DEMO/acme/people.csv"
has "import counts every unit created" "320 rows: 320 added, 0 changed, 0 unchanged, 0 deleted, 34 units created"
check "same import again changes nothing" 0 ob import --tenant acme "$DEMO/acme/people.csv"
has "idempotent import" "0 added, 0 changed, 320 unchanged, 0 deleted"

# accounts linked to their people, reset links
check "a person to link" 0 ob person add --tenant acme --name "Link Test" --uid link-test-1
check "account link" 0 ob account link alice link-test-1
has "account link says so" "account alice linked to link-test-1"
check "account list shows the person" 0 ob account list --tenant acme
has "account list: person uid and name" "link-test-1 Link Test"
has "account list: never signed in" "never"
check "a person has one account" 4 ob account link imp1@acme link-test-1
has "the holder is named" "link-test-1 is already linked to the account alice"
check "an unknown uid" 3 ob account link imp1@acme no-such-uid
has "the unknown uid is named" "no person with uid \"no-such-uid\" in this enterprise"
check "a uid of another enterprise is unknown here" 3 ob account link keyuser demo-000301
printf 'login,role,uid\nlinked1@acme,user,demo-000301\n' > "$tmp/acc-link.csv"
check "account import links the uid" 0 ob account import --tenant acme "$tmp/acc-link.csv"
check "account list after the linking import" 0 ob account list --tenant acme
has "the imported account has its person" "demo-000301"
check "account import: a person already linked" 4 ob account import --tenant acme "$tmp/acc-link.csv"
check "account unlink" 0 ob account unlink linked1@acme
check "person delete clears the link" 0 ob person delete --tenant acme link-test-1
check "account list after the delete" 0 ob account list --tenant acme
lacks "no link to the deleted person" "link-test-1"
check "account log after the delete" 0 ob account log --tenant acme
has "the account log names the deleted person" "unlink    alice                    person link-test-1 (Link Test) deleted"
check "reset link" 0 ob account reset-link imp1@acme --url https://admin.example
tok=$(printf '%s\n' "$out" | sed -n 's|^https://admin.example/reset?token=\([0-9a-f]*\)$|\1|p')
check "reset link: a 64-hex token" 0 test "${#tok}" -eq 64
check "reset link: the token is not stored" 1 grep -q -a -F "$tok" "$db"
check "reset link: --hours 0 refused" 1 ob account reset-link imp1@acme --hours 0
check "reset link: --hours 721 refused" 1 ob account reset-link imp1@acme --hours 721
check "reset link: unknown login" 3 ob account reset-link nobody@acme
check "account log lists the reset link" 0 ob account log --tenant acme
has "reset link logged" "reset-link imp1@acme                valid 72 hours"
printf 'login,role\nrl1@acme,user\n' > "$tmp/acc-rl.csv"
check "account import with reset links" 0 ob account import --tenant acme --reset-links --url https://a.example "$tmp/acc-rl.csv"
has "the import prints the reset links" "login,reset_link"
has "one link per account" "rl1@acme,https://a.example/reset?token="
lacks "no password printed" "login,password"
r1=$(rev acme)

# a merge with some columns leaves the others as they are (IMPORT.md):
# only the cell phone changes; work phone, address and photo stay
check "person before a partial merge" 0 ob person show --tenant acme demo-000002
before=$out
printf '%s\n' 'uid,family_name,given_name,unit,phone_cell' \
	'demo-000002,刘,斌,总部/战略发展部,+86 150 0000 0002' >"$tmp/partial.csv"
check "partial merge dry run" 0 ob import --tenant acme --dry-run "$tmp/partial.csv"
has "the dry run names the person and the one changed field" 'change demo-000002 刘斌
    phone_cell: "+86 150 3622 0763" -> "+86 150 0000 0002"
dry run, nothing written: 1 rows: 0 added, 1 changed, 0 unchanged'
check "partial merge" 0 ob import --tenant acme "$tmp/partial.csv"
check "person after a partial merge" 0 ob person show --tenant acme demo-000002
n=$((n + 1))
want=$(echo "$before" | sed 's/+86 150 3622 0763/+86 150 0000 0002/' | grep -v '^revision\|^changed')
got=$(echo "$out" | grep -v '^revision\|^changed')
[ "$got" = "$want" ] && echo "ok $n - only the cell phone changed" ||
	{ echo "not ok $n - partial merge changed more than the cell phone"; echo "$want" >"$tmp/want"; echo "$got" | diff "$tmp/want" - | sed 's/^/# /'; failed=1; }
has "the work phone is kept" "phone:        work +86 21 6879 2181 ext 396"
has "the address is kept" "高新区天府大道1700号"
has "the photo is kept" "photo:"
# an empty cell in a present column clears that field, and only it
# a merge by uid needs no name column; a new person in it still needs a
# name, and a file with neither a uid nor a name column is refused
printf '%s\n' 'uid,title,phone_cell' 'demo-000002,,' >"$tmp/clear.csv"
check "a merge by uid without a name column" 0 ob import --tenant acme --dry-run "$tmp/clear.csv"
has "uid,title,phone_cell: only the title and the cell phone change" 'change demo-000002 刘斌
    title: "客户经理" -> (empty)
    phone_cell: "+86 150 0000 0002" -> (empty)
dry run, nothing written: 1 rows: 0 added, 1 changed, 0 unchanged'
printf '%s\n' 'uid,title' 'demo-000002,客户经理' 'new-nameless,经理' >"$tmp/noname.csv"
check "a new person without a name refused" 2 ob import --tenant acme "$tmp/noname.csv"
has "the nameless row named by its line" 'line 3 (display_name): a person needs a name
orgbook-admin: '"$tmp"'/noname.csv: 1 bad row; nothing was imported'
printf '%s\n' 'title,phone_cell' 'x,' >"$tmp/nocol.csv"
check "neither a uid nor a name column refused" 2 ob import --tenant acme "$tmp/nocol.csv"
has "the header named" "line 1 (header): no name column (display_name, family_name or given_name) and no uid column"
printf '%s\n' 'uid,display_name,title,phone_cell' 'demo-000002,刘斌,,' >"$tmp/clear.csv"
check "empty cells clear" 0 ob import --tenant acme --dry-run "$tmp/clear.csv"
has "cleared fields listed" 'change demo-000002 刘斌
    title: "客户经理" -> (empty)
    phone_cell: "+86 150 0000 0002" -> (empty)'
# JSON: a member left out is untouched, null or "" clears it; a person
# named by uid needs no name member
printf '{"people": [{"uid": "demo-000002", "title": null, "note": "新备注"}]}' >"$tmp/partial.json"
check "partial JSON merge dry run" 0 ob import --tenant acme --dry-run "$tmp/partial.json"
has "JSON: only title and note change" 'change demo-000002 刘斌
    title: "客户经理" -> (empty)
    note: (empty) -> "新备注"
dry run, nothing written: 1 rows: 0 added, 1 changed'
printf '{"people": [{"uid": "no-such-person", "title": "x"}]}' >"$tmp/noname.json"
check "JSON: a new person without a name refused" 2 ob import --tenant acme "$tmp/noname.json"
has "the missing name named" "line 1 (display_name): a person needs a name"
# .vcf: a property the card lacks leaves its fields; TEL gives all phones
printf 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:demo-000002\r\nFN:刘斌\r\nTITLE:总监\r\nEND:VCARD\r\n' >"$tmp/partial.vcf"
check "partial vCard merge dry run" 0 ob import --tenant acme --dry-run "$tmp/partial.vcf"
has "vCard: only the title changes" 'change demo-000002 刘斌
    title: "客户经理" -> "总监"
dry run, nothing written: 1 rows: 0 added, 1 changed'
printf 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:demo-000002\r\nFN:刘斌\r\nTEL;TYPE=HOME:+86 28 1234 5678\r\nEND:VCARD\r\n' >"$tmp/tel.vcf"
check "vCard TEL replaces every phone" 0 ob import --tenant acme --dry-run "$tmp/tel.vcf"
has "vCard TEL: the card's phones are all the phones" '    phone_work: "+86 21 6879 2181 ext 396" -> (empty)
    phone_cell: "+86 150 0000 0002" -> (empty)
    phone_home: (empty) -> "+86 28 1234 5678"'
check "restore the demo" 0 ob import --tenant acme "$DEMO/acme/people.csv"
has "restored" "1 changed, 319 unchanged"
r1=$(rev acme)

# a replace dry run: one changed title, one person missing
awk -F, 'NR == 6 { sub(/,工程师,|,高级工程师,|,资深工程师,|,技术专家,|,产品经理,|,项目经理,|,部门经理,|,总监,|,销售代表,|,客户经理,|,人事专员,|,会计,|,行政助理,|,架构师,|,测试工程师,/, ",首席顾问,") } NR != 8 { print }' "$DEMO/acme/people.csv" >"$tmp/edit.csv"
cp -r "$DEMO/acme/photos" "$tmp/photos"
check "dry run of a replace" 0 ob import --tenant acme --mode replace --dry-run "$tmp/edit.csv"
has "dry run lists the change" "change demo-000005"
has "dry run lists the delete" "delete demo-000007"
has "dry run counts" "dry run, nothing written: 319 rows: 0 added, 1 changed, 318 unchanged, 1 deleted"
n=$((n + 1)); [ "$(rev acme)" = "$r1" ] && echo "ok $n - dry run wrote nothing" || { echo "not ok $n - dry run wrote nothing"; failed=1; }

head -11 "$DEMO/acme/people.csv" >"$tmp/small.csv"
check "mass delete refused" 4 ob import --tenant acme --mode replace "$tmp/small.csv"
has "guard message" "would delete 310 of 320 people"
check "mass delete with --force" 0 ob import --tenant acme --mode replace --force "$tmp/small.csv"
has "forced replace counts" "10 unchanged, 310 deleted"
check "re-import restores" 0 ob import --tenant acme "$DEMO/acme/people.csv"
has "re-import adds back" "310 added"

# every bad row is listed, and nothing is written
printf '%s\n' \
	'uid,display_name,email,unit,phone_cell,hidden' \
	'x1,Good Person,good@example.com,Sales/East,+86 138 0000 0001,' \
	'x2,Bad Mail,not-an-email,Sales/East,,' \
	'x3,Bad Unit,c@example.com,Sales//East,,' \
	'x1,Duplicate,d@example.com,Sales,,' \
	'x5,Bad Hidden,e@example.com,Sales,,maybe' \
	'x6,Bad Phone,f@example.com,Sales,call me,' >"$tmp/bad.csv"
r2=$(rev acme)
check "bad rows refused" 2 ob import --tenant acme "$tmp/bad.csv"
has "bad email named" "line 3, column 3 (email[1]): \"not-an-email\" is not an email address"
has "bad unit named" "line 4, column 4 (unit): bad unit path"
has "duplicate uid named" "line 5, column 1 (uid): uid x1 is also on line 2"
has "bad hidden named" "line 6, column 6 (hidden): must be yes/no"
has "bad phone named" "line 7, column 5 (phone[1])"
has "summary" "5 bad rows; nothing was imported"
n=$((n + 1)); [ "$(rev acme)" = "$r2" ] && echo "ok $n - nothing written on bad rows" || { echo "not ok $n - nothing written on bad rows"; failed=1; }

printf 'display_name,nickname\nA,B\n' >"$tmp/col.csv"
check "unknown column" 2 ob import --tenant acme "$tmp/col.csv"
has "unknown column named" "line 1, column 2 (header): unknown column \"nickname\""
printf 'uid,display_name\nq1,"unterminated\nq2,B\n' >"$tmp/quote.csv"
check "unbalanced quote" 2 ob import --tenant acme "$tmp/quote.csv"
has "unbalanced quote line" "line 2"

# bytes the reader cannot take: the row, its column and the byte
printf 'uid,display_name,title\nr1,Ann,Boss\nr2,B\000b,X\n' >"$tmp/nul.csv"
check "NUL byte refused" 2 ob import --tenant acme "$tmp/nul.csv"
has "NUL byte named by line and column" "line 3, column 2 (display_name): NUL byte in the input
orgbook-admin: $tmp/nul.csv: 1 bad row; nothing was imported"
printf 'uid,display_name,note\nr1,Ann,"two\nlines, \000"\n' >"$tmp/nul-note.csv"
check "NUL byte in a quoted note refused" 2 ob import --tenant acme "$tmp/nul-note.csv"
has "NUL byte named by its line in the note" "line 3, column 3 (note): NUL byte in the input"
printf 'uid,display_name,title\nr1,Ann,Boss\nr2,B\377b,X\n' >"$tmp/ff.csv"
check "byte neither UTF-8 nor GB18030 refused" 2 ob import --tenant acme "$tmp/ff.csv"
has "the byte named" "line 3, column 2 (display_name): byte 40 is neither UTF-8 nor GB18030"
check "invalid UTF-8 refused" 2 ob import --tenant acme --encoding utf-8 "$tmp/ff.csv"
has "invalid UTF-8 named by line and column" "line 3, column 2 (display_name): invalid UTF-8 at byte 40 (use --encoding gb18030 for GB18030/GBK files)"
printf 'uid,disp\000lay_name\n' >"$tmp/nul-head.csv"
check "NUL byte in the header refused" 2 ob import --tenant acme "$tmp/nul-head.csv"
has "NUL byte in the header named" "line 1, column 2 (header): NUL byte in the input"

# the CSV export's formula guard comes off on import (IMPORT.md)
printf '%s\r\n' 'uid,display_name,title,phone_cell,email,note' \
	"fg1,'=Eq,''=SUM(A1),'+86 139 1234 5678|+1-202-555-0100,'-a@example.com,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" >"$tmp/guard.csv"
check "guarded CSV imports" 0 ob import --tenant beta "$tmp/guard.csv"
check "guarded person show" 0 ob person show --tenant beta fg1
has "one apostrophe off the name" "name:         =Eq
unit:         (top level)
title:        '=SUM(A1)
phone:        cell +86 139 1234 5678
phone:        cell +1-202-555-0100
email:        -a@example.com
note:         =HYPERLINK(\"http://x\",\"y\")"

# phonetic names are filled in for Chinese names without them
printf 'uid,family_name,given_name\npy1,单,田芳\npy2,欧阳,娜娜\npy3,Smith,Anna\n' >"$tmp/py.csv"
check "import without phonetic columns" 0 ob import --tenant beta "$tmp/py.csv"
check "surname reading filled in" 0 ob person show --tenant beta py1
has "单 read as shan" "phonetic:     shan tianfang"
check "two-character surname" 0 ob person show --tenant beta py2
has "欧阳 read as ouyang" "phonetic:     ouyang nana"
check "Latin name gets no phonetic" 0 ob person show --tenant beta py3
n=$((n + 1)); case "$out" in *phonetic:*) echo "not ok $n - Latin name has no phonetic"; failed=1 ;; *) echo "ok $n - Latin name has no phonetic" ;; esac

# GB18030 input, auto-detected; forcing UTF-8 names the byte
printf 'uid,family_name,given_name,unit\ngb1,欧阳,晓东,华东区/上海\n' | iconv -f UTF-8 -t GB18030 >"$tmp/gb.csv"
check "GB18030 auto-detected" 0 ob import --tenant beta "$tmp/gb.csv"
check "GB18030 name stored as UTF-8" 0 ob person show --tenant beta gb1
has "GB18030 name" "name:         欧阳晓东"
check "GB18030 as UTF-8 refused" 2 ob import --tenant beta --encoding utf-8 "$tmp/gb.csv"
has "invalid UTF-8 named" "invalid UTF-8 at byte"
printf 'uid;display_name;email\ns1;Semi Colon;s@example.com\n' >"$tmp/semi.csv"
check "semicolon CSV" 0 ob import --tenant beta "$tmp/semi.csv"

# JSON: the same columns as members; arrays for phones and emails
cat >"$tmp/people.json" <<'JSON'
{
  "units": ["法务部/合规组"],
  "people": [
    {"uid": "j1", "family_name": "欧阳", "given_name": "娜娜",
     "unit": "法务部", "phone_cell": ["+86 138 0000 1111", "+86 139 0000 2222"],
     "email": "nana@example.cn", "hidden": false},
    {"uid": "j2", "display_name": "Emoji \ud83d\ude00 Test",
     "email": ["e@example.com"]}
  ]
}
JSON
check "JSON import" 0 ob import --tenant beta "$tmp/people.json"
has "JSON counts (法务部 and 法务部/合规组)" "2 rows: 2 added, 0 changed, 0 unchanged, 0 deleted, 2 units created"
check "JSON person stored" 0 ob person show --tenant beta j1
has "JSON two cell phones" "phone:        cell +86 139 0000 2222"
check "JSON surrogate pair" 0 ob person show --tenant beta j2
has "JSON emoji decoded" "name:         Emoji 😀 Test"
cat >"$tmp/bad.json" <<'JSON'
{"people": [
  {"uid": "k1", "display_name": 5},
  {"uid": "k2", "name": "x"}
], "extra": 1}
JSON
check "bad JSON members refused" 2 ob import --tenant beta "$tmp/bad.json"
has "JSON wrong type named" "line 2 (display_name): must be a string"
has "JSON unknown member named" "line 3 (person): unknown member \"name\""
has "JSON unknown top-level member" "line 4 (extra): unknown member"
printf '{"people": [{"uid": "t"' >"$tmp/trunc.json"
check "truncated JSON" 2 ob import --tenant beta "$tmp/trunc.json"
has "truncated JSON position" "line 1, column 24"

# .vcf export and import
visible=$(ob person list --tenant acme | wc -l)
for v in vcf21 vcf30 vcf40; do
	check "export $v" 0 ob export --tenant acme --format $v --output "$tmp/all-$v.vcf"
	has "export $v count" "$visible people written"
	n=$((n + 1))
	cards=$(grep -c '^BEGIN:VCARD' "$tmp/all-$v.vcf")
	[ "$cards" -eq "$visible" ] && echo "ok $n - $v has one card per visible person" ||
		{ echo "not ok $n - $v cards $cards, want $visible"; failed=1; }
done
n=$((n + 1)); [ "$(mode "$tmp/all-vcf30.vcf")" = 600 ] && echo "ok $n - export file is 0600 under umask 022" ||
	{ echo "not ok $n - export file mode $(mode "$tmp/all-vcf30.vcf"), want 600"; failed=1; }
echo "an older, longer file that anyone could read" >"$tmp/old.vcf"
chmod 644 "$tmp/old.vcf"
check "export over a file anyone can read" 0 ob export --tenant acme --unit 销售部/华东区 --no-photos --output "$tmp/old.vcf"
n=$((n + 1)); [ "$(mode "$tmp/old.vcf")" = 600 ] && ! grep -q older "$tmp/old.vcf" && grep -q '^BEGIN:VCARD' "$tmp/old.vcf" &&
	echo "ok $n - the overwritten export is 0600 and holds only the export" ||
	{ echo "not ok $n - overwritten export: mode $(mode "$tmp/old.vcf")"; failed=1; }
check "export one unit to stdout" 0 ob export --tenant acme --unit 销售部/华东区 --no-photos
has "unit export has the unit in ORG" "ORG:Acme 集团;销售部;华东区"
case "$out" in *PHOTO*) n=$((n + 1)); echo "not ok $n - --no-photos"; failed=1 ;; *) n=$((n + 1)); echo "ok $n - --no-photos leaves photos out" ;; esac
check "enterprise for the vcf round trip" 0 ob enterprise create vcfcopy
for v in vcf21 vcf40; do
	check "import $v into a fresh enterprise" 0 ob import --tenant vcfcopy "$tmp/all-$v.vcf"
done
has "second import of the same people changes nothing" "0 added, 0 changed, $visible unchanged"
check "vcf copy person" 0 ob person show --tenant vcfcopy demo-000001
copy=$out
check "original person" 0 ob person show --tenant acme demo-000001
n=$((n + 1))
[ "$(echo "$copy" | grep -v '^revision')" = "$(echo "$out" | grep -v '^revision')" ] &&
	echo "ok $n - person survives export and import unchanged" ||
	{ echo "not ok $n - person differs after vcf round trip"; failed=1; }
printf 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Good One\r\nUID:g1\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bad Mail\r\nUID:g2\r\nEMAIL:nope\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN;CHARSET=FOO:x\r\nEND:VCARD\r\n' >"$tmp/bad.vcf"
check "bad vcf refused" 2 ob import --tenant vcfcopy "$tmp/bad.vcf"
has "bad vcf email named" "line 6 (email[1])"
has "bad vcf charset named" "line 14 (FN): unknown charset FOO"

# a re-import of the .vcf exports into the same enterprise changes nothing
for v in vcf21 vcf30 vcf40; do
	check "re-import $v export" 0 ob import --tenant acme --dry-run "$tmp/all-$v.vcf"
	has "$v round trip: nothing to do" "0 added, 0 changed, $visible unchanged"
	lacks "$v round trip: nothing unkept" "not kept"
done
# what a card holds that no field keeps is listed by property
printf 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u1\r\nFN:Ann Lee\r\nNICKNAME:Annie\r\nURL:http://x.example\r\nBDAY:1990-01-01\r\nX-FOO:1\r\nADR;TYPE=WORK:PO 7;Suite 5;Main St 1;Town;;12345;DE\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nUID:u2\r\nFN:Bo\r\nNICKNAME:B\r\nEND:VCARD\r\n' >"$tmp/extra.vcf"
check "vcf with properties Orgbook has no field for" 0 ob import --tenant vcfcopy --dry-run "$tmp/extra.vcf"
has "unkept properties counted" "not kept (no field for it):
NICKNAME: 2 cards
URL: 1 card
BDAY: 1 card
X-FOO: 1 card"
# e-mail addresses have no type in the store: a type other than INTERNET
# is listed, once per card, never dropped without a word
printf 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:m1\r\nFN:Mia\r\nEMAIL;TYPE=INTERNET,WORK:m@work.example\r\nEMAIL;TYPE=work;TYPE=PREF:m2@work.example\r\nEMAIL;TYPE=INTERNET:m@example.com\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:2.1\r\nUID:m2\r\nFN:Max\r\nEMAIL;INTERNET;HOME:x@home.example\r\nEND:VCARD\r\n' >"$tmp/mailtypes.vcf"
check "vcf with typed e-mails" 0 ob import --tenant vcfcopy --dry-run "$tmp/mailtypes.vcf"
has "e-mail types listed as not kept" "not kept (no field for it):
EMAIL type WORK: 1 card
EMAIL type PREF: 1 card
EMAIL type HOME: 1 card
dry run, nothing written: 2 rows: 2 added"
lacks "INTERNET is not listed" "INTERNET"
check "vcf with an extended address" 0 ob import --tenant vcfcopy "$tmp/extra.vcf"
check "extended address person" 0 ob person show --tenant vcfcopy u1
has "PO box and extended address kept in the street" "PO 7, Suite 5, Main St 1"

# oversized photo
printf '\211PNG\r\n\032\n' >"$tmp/big.png"; head -c 300000 /dev/zero >>"$tmp/big.png"
printf 'uid,display_name,photo\np1,Big Photo,big.png\n' >"$tmp/photo.csv"
check "oversized photo refused" 2 ob import --tenant beta "$tmp/photo.csv"
has "photo named" "(photo): photo of 300008 bytes is over the cap of 262144 bytes"

# people and units by hand, then the change log
r3=$(rev acme)
check "person add" 0 ob person add --tenant acme --uid p-new --family 李 --given 雷 --phonetic-family li --phonetic-given lei --unit 销售部/华东区/上海 --title 经理 --cell "+86 139 1234 5678" --email li.lei@demo.orgbook.cn
check "person add duplicate uid" 4 ob person add --tenant acme --uid p-new --name X
check "person add of a Chinese name without pinyin" 0 ob person add --tenant acme --uid p-py --family 单 --given 雄信
check "its pinyin is filled in by the store" 0 ob person show --tenant acme p-py
has "the family name read as one (shan, not dan)" "phonetic:     shan xiongxin"
check "person delete p-py" 0 ob person delete --tenant acme p-py
r4=$(rev acme)
check "person update" 0 ob person update --tenant acme p-new --title 总监
has "update reported" "updated p-new"
check "person move" 0 ob person move --tenant acme p-new 研发中心/平台部/存储组
check "person move to unknown unit" 3 ob person move --tenant acme p-new Nowhere
check "person show" 0 ob person show --tenant acme p-new
has "show unit" "unit:         研发中心/平台部/存储组"
has "show title" "title:        总监"
check "unit rename" 0 ob unit rename --tenant acme 研发中心/平台部/存储组 存储与数据组
check "unit move" 0 ob unit move --tenant acme 研发中心/平台部 /
check "unit delete non-empty refused" 4 ob unit delete --tenant acme 平台部
check "changes since" 0 ob changes --tenant acme --since "$r3"
has "changes show the new person" "add     p-new"
check "changes for a unit" 0 ob changes --tenant acme --since "$r4" --unit 销售部
has "moved-out person is a remove for its old unit" "remove  p-new"
check "changes for the new unit" 0 ob changes --tenant acme --since "$r4" --unit 平台部
has "moved-in person is an add for its new unit" "add     p-new"
check "audit log" 0 ob changes --tenant acme --since "$r3" --log
has "audit names the actor" "cli"
has "audit shows the move" "研发中心/平台部 -> 平台部"
check "person delete" 0 ob person delete --tenant acme p-new
check "person delete again" 3 ob person delete --tenant acme p-new

# pruning history: inside the window nothing goes; 31 days later older
# revisions need a full sync
r5=$(rev acme)
check "prune inside the window" 0 ob prune --tenant acme
has "nothing pruned" "history kept after revision 0"
check "changes since 0 still answer" 0 ob changes --tenant acme --since 0
check "prune 31 days later" 0 ob prune --tenant acme --now $(( $(date +%s) + 31 * 86400 ))
has "pruned up to the current revision" "history kept after revision $r5"
check "changes from a pruned revision refused" 3 ob changes --tenant acme --since 1
has "a full sync is named" "a full sync is needed"
check "changes since the horizon answer" 0 ob changes --tenant acme --since "$r5"

check "unknown command" 1 ob frobnicate
check "unknown option" 1 ob person list --tenant acme --colour
has "the unknown option named with its command" "orgbook-admin: person: unknown option --colour
Try 'orgbook-admin person --help'."
check "help" 0 "$ADMIN" --help
has "help lists import" "import --tenant T"
has "help names --version" "--version"

# the option parser (getopt_long): --opt=value and --opt value, --help
# and --version everywhere, an unknown option or a missing value named
# with the command (exit 1), per command group
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")
check "--version" 0 "$ADMIN" --version
has "--version prints the package version" "orgbook-admin $version"
check "--version after a command" 0 ob person --version
has "the same version" "orgbook-admin $version"
check "--help of one command" 0 "$ADMIN" unit --help
has "the command's usage" "unit rename --tenant T PATH NEW-NAME"
lacks "no other command's" "person add"
check "--help=x refused" 1 "$ADMIN" unit --help=x
has "--help takes no value" "orgbook-admin: unit: option --help takes no value"
check "a usage error opens no database" 1 "$ADMIN" --db "$tmp/none.db" unit list --tenant acme --bogus
check "no database file was made" 1 test -e "$tmp/none.db"
check "no command but --db" 1 ob
has "the usage is shown" "Usage: orgbook-admin [--db PATH|URI] [--key-file PATH] COMMAND ..."
check "--db=PATH" 0 "$ADMIN" --db="$db" enterprise list
check "options before the command word" 0 "$ADMIN" --tenant acme --db "$db" unit list
has "the units listed" "销售部"
check "-- ends the options" 0 ob person show --tenant acme -- demo-000002
has "the word after -- is the uid" "uid:          demo-000002"
check "an ambiguous prefix refused" 1 ob person list --tenant acme --ph x
has "the ambiguous option named" "orgbook-admin: person: ambiguous option --ph"
check "an unambiguous prefix taken" 0 ob person list --ten acme --unit=销售部/华东区
check "a flag given a value refused" 1 ob person list --tenant acme --all=yes
has "the flag named" "orgbook-admin: person: option --all takes no value"
check "a short option refused" 1 ob person list --tenant acme -a
has "the short option named" "orgbook-admin: person: unknown option -a"

# init
check "init: unknown option" 1 ob init --force
has "init: named" "orgbook-admin: init: unknown option --force"
check "init: --db missing its value" 1 "$ADMIN" init --db
has "init: the missing value named" "orgbook-admin: init: option --db needs a value"
# enterprise
check "enterprise: --opt=value" 0 ob enterprise create gamma --display="Gamma Ltd" --retention-days=45 --md5-auth=no
check "enterprise: the values stored" 0 ob enterprise list
has "enterprise: retention and display" "retention 45d  Gamma Ltd"
check "enterprise: --opt value" 0 ob enterprise set gamma --retention-days 46
check "enterprise list after set" 0 ob enterprise list
has "enterprise: set by --opt value" "retention 46d  Gamma Ltd"
check "enterprise: LDAP base and anonymous" 0 ob enterprise set gamma --ldap-base "o=Gamma Ltd,c=CN" --ldap-anonymous yes
check "enterprise list shows LDAP" 0 ob enterprise list
has "enterprise: LDAP settings listed" "ldap-base o=Gamma Ltd,c=CN  ldap-anonymous yes"
check "enterprise: another's base refused" 4 ob enterprise set acme --ldap-base "O=GAMMA LTD,C=cn"
has "enterprise: the clash named" "O=GAMMA LTD,C=cn is another enterprise's base"
check "enterprise: a base that is no DN" 2 ob enterprise set acme --ldap-base "gamma"
has "enterprise: the field named" "ldap_base: is not a DN"
check "enterprise: --ldap-anonymous value" 1 ob enterprise set acme --ldap-anonymous maybe
check "enterprise: unknown option" 1 ob enterprise list --tenant acme
has "enterprise: named" "orgbook-admin: enterprise: unknown option --tenant"
check "enterprise: missing value" 1 ob enterprise create delta --display
has "enterprise: the missing value named" "orgbook-admin: enterprise: option --display needs a value"
check "enterprise: nothing created" 0 ob enterprise list
lacks "enterprise: no delta" "delta"
# account
check "account: --tenant=T" 0 ob account list --tenant=acme
has "account: listed" "alice"
check "account: --hours=N" 0 ob account reset-link imp1@acme --hours=2 --url=https://x.example
has "account: the link" "https://x.example/reset?token="
check "account: the log after --hours=2" 0 ob account log --tenant acme
has "account: valid 2 hours" "reset-link imp1@acme                valid 2 hours"
check "account: unknown option" 1 ob account list --tenant acme --role admin
has "account: named" "orgbook-admin: account: unknown option --role"
check "account: missing value" 1 ob account reset-link imp1@acme --hours
has "account: the missing value named" "orgbook-admin: account: option --hours needs a value"
check "account: a flag given a value" 1 ob account create --tenant acme zed --admin=yes --password-stdin
has "account: the flag named" "orgbook-admin: account: option --admin takes no value"
# import
check "import: --opt=value" 0 ob import --tenant=acme --format=csv --mode=merge --encoding=utf-8 --max-delete=10 --dry-run "$DEMO/acme/people.csv"
has "import: the dry run" "dry run, nothing written: 320 rows: 0 added"
check "import: unknown option" 1 ob import --tenant acme --merge "$DEMO/acme/people.csv"
has "import: named" "orgbook-admin: import: unknown option --merge"
check "import: missing value" 1 ob import --tenant acme "$DEMO/acme/people.csv" --format
has "import: the missing value named" "orgbook-admin: import: option --format needs a value"
check "import --undo: a flag given a value" 1 ob import --tenant acme --undo=last
has "import --undo: named" "orgbook-admin: import: option --undo takes no value"
# person
check "person: --opt=value" 0 ob person add --tenant=acme --uid=eq-1 --name=等号 --cell=+86-1 --cell +86-2 --email=eq@example.com --unit=销售部
check "person: shown" 0 ob person show --tenant acme eq-1
has "person: both forms of a repeated option" "phone:        cell +86-1
phone:        cell +86-2
email:        eq@example.com"
has "person: the unit" "unit:         销售部"
check "person: a value beginning with a dash" 0 ob person update --tenant acme eq-1 --title -dash-
check "person: the dash value shown" 0 ob person show --tenant acme eq-1
has "person: title -dash-" "title:        -dash-"
check "person: an unknown unit is not found" 3 ob person add --tenant acme --name X --unit Nowhere
has "person: the unit named" 'no unit "Nowhere"'
check "person: unknown option" 1 ob person update --tenant acme eq-1 --mobile 1
has "person: named" "orgbook-admin: person: unknown option --mobile"
check "person: missing value" 1 ob person update --tenant acme eq-1 --title
has "person: the missing value named" "orgbook-admin: person: option --title needs a value"
check "person: delete eq-1" 0 ob person delete --tenant=acme eq-1
# unit
check "unit: --tenant=T" 0 ob unit add --tenant=acme 等号部
check "unit: delete it" 0 ob unit delete --tenant=acme 等号部
check "unit: unknown option" 1 ob unit list --tenant acme --depth 2
has "unit: named" "orgbook-admin: unit: unknown option --depth"
check "unit: missing value" 1 ob unit list --tenant
has "unit: the missing value named" "orgbook-admin: unit: option --tenant needs a value"
# changes
check "changes: --opt=value" 0 ob changes --tenant=acme --since="$r5" --unit=销售部
has "changes: answered" "up to revision"
check "changes: unknown option" 1 ob changes --tenant acme --until 3
has "changes: named" "orgbook-admin: changes: unknown option --until"
check "changes: missing value" 1 ob changes --tenant acme --since
has "changes: the missing value named" "orgbook-admin: changes: option --since needs a value"
# prune
check "prune: --opt=value" 0 ob prune --tenant=acme --now=$(date +%s)
has "prune: answered" "history kept after revision"
check "prune: unknown option" 1 ob prune --tenant acme --days 3
has "prune: named" "orgbook-admin: prune: unknown option --days"
check "prune: missing value" 1 ob prune --tenant acme --now
has "prune: the missing value named" "orgbook-admin: prune: option --now needs a value"
# export
check "export: --opt=value" 0 ob export --tenant=acme --format=csv --unit=销售部/华东区 --output="$tmp/eq.csv"
has "export: written" "people written to $tmp/eq.csv"
check "export: unknown option" 1 ob export --tenant acme --photos
has "export: named" "orgbook-admin: export: unknown option --photos"
check "export: missing value" 1 ob export --tenant acme --output
has "export: the missing value named" "orgbook-admin: export: option --output needs a value"

echo "1..$n"
exit $failed
