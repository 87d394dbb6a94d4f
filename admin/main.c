/* admin/main.c: orgbook-admin's entry: finds the command word, parses
 * its options (admin/args.c), prints --help and --version, opens the store
 * and runs the command. What the tool promises is admin/admin.h.
 *
 * Never: does a command's work, opens the store for a usage error,
 * --help or --version. */
#include "config.h"
#include "admin/admin.h"

#include <stdio.h>
#include <string.h>

/* in the order of --help */
static const struct adm_command *const commands[] = {
	&adm_cmd_init,   &adm_cmd_enterprise, &adm_cmd_account, &adm_cmd_import,
	&adm_cmd_person, &adm_cmd_unit,       &adm_cmd_changes, &adm_cmd_prune,
	&adm_cmd_export, &adm_cmd_device,     &adm_cmd_migrate,
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct adm_command *command_find(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	}
	return NULL;
}

/* Whether --name takes a value in any command (or is --db, --key-file). */
static bool takes_value(const char *name)
{
	if (strcmp(name, "db") == 0 || strcmp(name, "key-file") == 0)
		return true;
	for (size_t i = 0; i < N_COMMANDS; i++) {
		for (const struct option *o = commands[i]->options; o->name;
		     o++) {
			if (strcmp(o->name, name) == 0)
				return o->has_arg == required_argument;
		}
	}
	return false;
}

/* Whether --name[0..len) is an option of some command or a common one. */
static bool known_option(const char *name, size_t len)
{
	static const char *const common[] = {
		"db", "key-file", "help", "version", "quiet", "list-options"};

	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
		if (strlen(common[i]) == len &&
		    strncmp(common[i], name, len) == 0)
			return true;
	}
	for (size_t i = 0; i < N_COMMANDS; i++) {
		for (const struct option *o = commands[i]->options; o->name;
		     o++) {
			if (strlen(o->name) == len &&
			    strncmp(o->name, name, len) == 0)
				return true;
		}
	}
	return false;
}

/* The index of the command word: the first word that is neither an
 * option nor an option's value (options may come before it, as
 * "--db PATH" does); -1 when there is none. */
static int command_at(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i];

		if (strcmp(w, "--") == 0)
			return i + 1 < argc ? i + 1 : -1;
		if (w[0] != '-' || w[1] == '\0')
			return i;
		if (w[1] == '-' && strchr(w, '=') == NULL && takes_value(w + 2))
			i++;
	}
	return -1;
}

/* --help or --version given before any "--" */
static bool given(int argc, char **argv, const char *opt)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], opt) == 0)
			return true;
	}
	return false;
}

static void help(const struct adm_command *only)
{
	printf("Usage: %s [--db PATH|URI] [--key-file PATH] %s ...\n"
	       "The database is --db PATH or $ORGBOOK_DB: an SQLite file, or a "
	       "postgresql://\nURI with --key-file PATH or $ORGBOOK_KEY_FILE "
	       "naming its key file.\nOptions take --opt VALUE or "
	       "--opt=VALUE; %s --help shows %s,\n"
	       "--version the version.\n\n",
	       ADM_PROG, only ? only->name : "COMMAND",
	       only ? only->name : "COMMAND", only ? "this" : "one command");
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (only == NULL || only == commands[i])
			fputs(commands[i]->help, stdout);
	}
	printf("\nExit status: 0 ok, 1 usage, 2 bad input, 3 not found, 4 "
	       "refused,\n5 store or I/O error. CSV columns: see "
	       "IMPORT.md.\n");
}

/* --list-options (hidden; contrib/bash-completion reads it): without a
 * command the commands, then the options (of cmd and the common ones),
 * one a line, "--name=" when it takes a value. */
static void list_options(const struct adm_command *cmd)
{
	static const char *const common[] = {"--db=", "--key-file=", "--help",
					     "--version", "--quiet"};

	for (size_t i = 0; cmd == NULL && i < N_COMMANDS; i++)
		printf("%s\n", commands[i]->name);
	for (const struct option *o = cmd ? cmd->options : NULL; o && o->name;
	     o++)
		printf("--%s%s\n", o->name,
		       o->has_arg == required_argument ? "=" : "");
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		printf("%s\n", common[i]);
}

static void version(void)
{
	printf("%s %s\n", ADM_PROG, PACKAGE_VERSION);
}

/* Parse the command's options, the command word moved first (the
 * options before it keep their order after it), and run it. */
static int run(const struct adm_command *cmd, int argc, char **argv, int at)
{
	char *word = argv[at];
	struct adm_args a;
	struct dstore *s = NULL;
	int ret;

	memmove(argv + 2, argv + 1, (size_t)(at - 1) * sizeof(*argv));
	argv[1] = word;
	adm_usage_set_command(cmd->name);
	ret = adm_args_parse(cmd, argc - 1, argv + 1, &a);
	if (ret != 0)
		return ret;
	if (adm_flag(&a, "list-options")) {
		list_options(cmd);
		return 0;
	}
	if (adm_flag(&a, "help")) {
		help(cmd);
		return 0;
	}
	if (adm_flag(&a, "version")) {
		version();
		return 0;
	}
	/* migrate opens its own two stores */
	ret = cmd == &adm_cmd_migrate ? 0 : adm_store_open(&a, &s);
	if (ret != 0)
		return ret;
	ret = cmd->run(s, &a);
	dstore_close(&s);
	return ret;
}

int main(int argc, char **argv)
{
	int at = command_at(argc, argv);
	const struct adm_command *cmd = at < 0 ? NULL : command_find(argv[at]);

	if (cmd != NULL)
		return run(cmd, argc, argv, at);
	if (given(argc, argv, "--help") ||
	    (at >= 0 && strcmp(argv[at], "help") == 0)) {
		help(NULL);
		return 0;
	}
	if (given(argc, argv, "--list-options")) {
		list_options(NULL);
		return 0;
	}
	if (given(argc, argv, "--version")) {
		version();
		return 0;
	}
	/* an option no command knows, before any command word */
	for (int i = 1; i < argc && (at < 0 || i < at); i++) {
		const char *w = argv[i];
		size_t len = strcspn(w, "=");

		if (strcmp(w, "--") == 0)
			break;
		if (w[0] != '-' || w[1] == '\0')
			continue;
		if (w[1] == '-' && strchr(w, '=') == NULL &&
		    takes_value(w + 2)) {
			i++;
			continue;
		}
		if (w[1] != '-' || !known_option(w + 2, len - 2)) {
			char what[96];

			snprintf(what, sizeof(what), "unknown option %.*s",
				 (int)(len > 64 ? 64 : len), w);
			return adm_usage("%s", what);
		}
	}
	if (at < 0) {
		help(NULL);
		return ADM_EXIT_USAGE;
	}
	return adm_usage("unknown command '%s'", argv[at]);
}
