# Shared by the browser tests (sourced; POSIX sh): the tools they need and
# playwright-core from npm in a folder of the build tree.
#   browser_tools        chromium, node and npm present, playwright-core
#                        installed at the version package.json pins; on
#                        failure prints a one-line TAP plan and exits 1
#   browser_script F     a copy of tests/browser/F in $tmp beside a link
#                        to node_modules (Node resolves imports next to
#                        the script), with lib.mjs
#   browser_vg           VG: the valgrind command the server runs under
#                        when OB_VALGRIND is set, else empty
#   browser_same T NAME  one TAP line: orgbook-agent's copy equals
#                        enterprise T's vCard 3.0 export, field by field
#                        (uses the caller's ob and agent functions)
#   browser_vg_clean     one TAP line when VG is set: the server's
#                        valgrind logs are empty
# Needs $top_srcdir, $top_builddir and $tmp.
here="$top_srcdir/tests/browser"
# npm works in a folder of its own: copies of the package files beside the
# sources' names would shadow them for make (VPATH) in a separate build
nodedir="$top_builddir/tests/browser/npm"

# npm ci, unless playwright-core is there at the pinned version; 0 or 1
# with the reason in $tmp/npm.log
browser_npm() {
	want=$(sed -n 's/.*"playwright-core": "\(.*\)".*/\1/p' "$here/package.json")
	have=$(sed -n 's/^  "version": "\(.*\)",/\1/p' \
		"$nodedir/node_modules/playwright-core/package.json" 2>/dev/null)
	[ "$have" = "$want" ] && return 0
	cp "$here/package.json" "$here/package-lock.json" "$nodedir/" 2>/dev/null
	chmod u+w "$nodedir/package.json" "$nodedir/package-lock.json"
	rm -rf "$nodedir/node_modules"
	(cd "$nodedir" && npm ci --no-audit --no-fund --loglevel=error) \
		>"$tmp/npm.log" 2>&1
}

browser_tools() {
	for t in node npm flock /usr/bin/chromium; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "1..1"
			echo "not ok 1 - $t is missing (run build-aux/install-deps.sh)"
			exit 1
		fi
	done
	mkdir -p "$nodedir"
	# the browser tests run side by side (make -j): one installs, the
	# other waits for it
	exec 9>"$nodedir/.lock"
	flock 9
	browser_npm
	rc=$?
	flock -u 9
	exec 9>&-
	if [ "$rc" != 0 ]; then
		echo "1..1"
		echo "not ok 1 - npm ci playwright-core failed"
		sed 's/^/# /' "$tmp/npm.log" | tail -10
		exit 1
	fi
}

browser_script() {
	cp "$here/$1" "$here/lib.mjs" "$tmp/"
	[ -e "$tmp/node_modules" ] ||
		ln -s "$(cd "$nodedir" && pwd)/node_modules" "$tmp/node_modules"
}

browser_vg() {
	VG=""
	[ -z "${OB_VALGRIND:-}" ] ||
		VG="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --log-file=$tmp/vg.%p"
}

browser_same() {
	mkdir -p "$tmp/cmp"
	rm -f "$tmp/cmp"/*
	agent export --format vcf30 >"$tmp/cmp/agent.vcf"
	ob export --tenant "$1" --format vcf30 >"$tmp/server.vcf" 2>/dev/null
	if o=$($PY "$top_srcdir/tests/interop/cardcompare.py" "$tmp/cmp" \
		"$tmp/server.vcf"); then
		ok "$2"
	else
		notok "$2"
		echo "$o" | tail -5 | sed 's/^/# /'
	fi
}

browser_vg_clean() {
	[ -n "$VG" ] || return 0
	if cat "$tmp"/vg.* 2>/dev/null | grep -q .; then
		notok "server valgrind-clean"
		cat "$tmp"/vg.* | head -30 | sed 's/^/# /'
	else
		ok "server valgrind-clean"
	fi
}
