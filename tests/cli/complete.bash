# complete.bash PROGRAM WORD...: source the program's completion, call
# its function as bash would with the cursor on the last WORD, print the
# candidates one a line. PROGRAM is a path; the completion file is
# $top_srcdir/contrib/bash-completion/$(basename PROGRAM).
prog=$1
shift
# shellcheck disable=SC1090
. "$top_srcdir/contrib/bash-completion/$(basename "$prog")"
COMP_WORDS=("$prog" "$@")
COMP_CWORD=$#
COMP_LINE="${COMP_WORDS[*]}"
COMP_POINT=${#COMP_LINE}
fn=$(complete -p "$(basename "$prog")" | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
"$fn" "$(basename "$prog")" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}"
