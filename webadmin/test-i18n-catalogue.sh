#!/bin/sh
# The message catalogue (webadmin/i18n.h): every text the C sources of
# the admin pages mark with WA_T, WA_N or wa_tr has a Simplified Chinese
# translation in webadmin/po/zh_CN.po with the same printf directives
# (and every pattern the same placeholders), and the PO file passes
# msgfmt --check (skipped without gettext). Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
. "$top_srcdir/tests/lib/tap.sh"
PO="$top_srcdir/webadmin/po/zh_CN.po"
GEN="$top_srcdir/webadmin/gen-catalogue.py"
PY=$(command -v python3 || echo /usr/bin/python3)

check "every marked text of webadmin/*.c has a zh_CN translation" 0 \
	"$PY" "$GEN" --check "$PO" "$top_srcdir"/webadmin/*.c
# the check itself must be able to fail: a new label without a translation
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'static const char *x(struct wa_ctx *c) { return WA_T(c, "A label "\n\t"nobody translated"); }\n' \
	>"$tmp/new-page.c"
check "a new untranslated label is found" 1 "$PY" "$GEN" --check "$PO" \
	"$tmp/new-page.c"
has "and named with its file and line" "new-page.c:1: no zh_CN translation for 'A label nobody translated'"
if command -v msgfmt >/dev/null 2>&1; then
	check "msgfmt --check passes on zh_CN.po" 0 \
		msgfmt --check -o /dev/null "$PO"
else
	echo "ok $((n + 1)) - msgfmt --check # SKIP gettext is not installed"
	n=$((n + 1))
fi
tap_done
