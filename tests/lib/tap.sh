# TAP helpers for the shell test scripts (sourced; POSIX sh).
#   ok NAME / notok NAME          one result line
#   check NAME EXIT COMMAND...    run COMMAND, expect exit status EXIT;
#                                 its stdout+stderr is kept in $out
#   has NAME TEXT / lacks NAME TEXT
#                                 the last $out contains / lacks TEXT
#   tap_done                      print the plan and exit 0 or 1
# Failures print the first lines of $out as TAP comments.
n=0
failed=0
out=""
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; failed=1; }
tap_show() { echo "$out" | head -"${1:-10}" | sed 's/^/# /'; }
check() {
	name=$1 want=$2
	shift 2
	out=$("$@" 2>&1)
	got=$?
	if [ "$got" = "$want" ]; then ok "$name"; else
		notok "$name (exit $got, want $want)"
		tap_show 20
	fi
}
has() {
	case "$out" in *"$2"*) ok "$1" ;; *)
		notok "$1 (missing: $2)"
		tap_show
		;;
	esac
}
lacks() {
	case "$out" in *"$2"*)
		notok "$1 (found: $2)"
		tap_show
		;;
	*) ok "$1" ;; esac
}
tap_done() {
	echo "1..$n"
	exit $failed
}
