# tests/cli: the command lines of orgbook-server, orgbook-admin and
# orgbook-agent (issue 19): options, --json, the progress bar on a
# pseudo-terminal, the bash completions, the man pages.
TESTS += tests/cli/test-cli.sh
EXTRA_DIST += tests/cli/test-cli.sh tests/cli/jsoncheck.py \
	tests/cli/ptyrun.py tests/cli/complete.bash
