#!/bin/sh
# Create the demo database: two enterprises ("acme", 320 people in a
# Chinese/English org tree five levels deep with photos; "northwind", 24
# people), their accounts (testdata/demo/accounts.txt), and the people
# imported from testdata/demo/*/people.csv with orgbook-admin.
#   load-demo.sh DB        ($ORGBOOK_ADMIN overrides the orgbook-admin path)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
db=${1:?usage: load-demo.sh DB}
admin=${ORGBOOK_ADMIN:-$here/../build/admin/orgbook-admin}
val() { sed -n "s/^$1=//p" "$here/demo/accounts.txt"; }
ob() { "$admin" --db "$db" "$@"; }

ob init >/dev/null
ob enterprise create acme --display "Acme 集团" --md5-auth yes >/dev/null
ob enterprise create northwind --display "Northwind Traders" >/dev/null
val admin_password | ob account create --tenant acme "$(val admin)" \
	--admin --password-stdin >/dev/null
val user_password | ob account create --tenant acme "$(val user)" \
	--password-stdin >/dev/null
val user2_password | ob account create --tenant northwind "$(val user2)" \
	--password-stdin >/dev/null
ob import --tenant acme "$here/demo/acme/people.csv"
ob import --tenant northwind "$here/demo/northwind/people.csv"
