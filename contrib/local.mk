# contrib: the bash completions of the three programs. They ask the
# programs for their commands and options (a hidden --list-options), so
# they follow every new option without an edit here. Installed into
# $(bashcompletiondir) (configure --with-bash-completion-dir; by default
# bash-completion's own directory under the prefix).
dist_bashcompletion_DATA = contrib/bash-completion/orgbook-server \
	contrib/bash-completion/orgbook-admin \
	contrib/bash-completion/orgbook-agent
