/* admin/args.c: the command line of one command, parsed with
 * getopt_long against the command's option table and the common options
 * (--db, --key-file, --help, --version, --quiet). GNU conventions: --opt=value and --opt value,
 * an unambiguous prefix of a long option, options and words in any order,
 * "--" ends the options. Errors name the option and the command.
 *
 * Never: keeps state between calls (getopt's own is reset each time),
 * prints anything but the one usage error. */
#include "config.h"
#include "admin/admin.h"

#include <stdio.h>
#include <string.h>

/* val of table entry i: above every character getopt returns itself */
#define VAL_BASE 0x100

static const struct option common[] = {
	{"db", required_argument, NULL, 0},
	{"key-file", required_argument, NULL, 0},
	{"help", no_argument, NULL, 0},
	{"version", no_argument, NULL, 0},
	{"quiet", no_argument, NULL, 0},
	{"list-options", no_argument, NULL, 0}, /* for the completion */
	{NULL, 0, NULL, 0},
};

/* cmd's options then the common ones, each val its index + VAL_BASE */
static int build_table(const struct option *own, struct option *t, size_t max)
{
	size_t n = 0;

	for (int part = 0; part < 2; part++) {
		const struct option *o = part == 0 ? own : common;

		for (; o != NULL && o->name != NULL; o++) {
			if (n + 1 >= max)
				return -1;
			t[n] = *o;
			t[n].flag = NULL;
			t[n].val = (int)n + VAL_BASE;
			n++;
		}
	}
	memset(&t[n], 0, sizeof(t[n]));
	return 0;
}

/* How many options of t start with name[0..len) (getopt_long takes an
 * unambiguous prefix). */
static int prefix_matches(const struct option *t, const char *name, size_t len)
{
	int n = 0;

	for (; t->name != NULL; t++) {
		if (strncmp(t->name, name, len) == 0) {
			if (strlen(t->name) == len)
				return 1;
			n++;
		}
	}
	return n;
}

/* The error for getopt_long's '?': an unknown or ambiguous option, or a
 * value given to one that takes none. */
static int bad_option(const char *cmd, const struct option *t, const char *word)
{
	char what[128];

	if (optopt >= VAL_BASE) {
		snprintf(what, sizeof(what), "%s: option --%s takes no value",
			 cmd, t[optopt - VAL_BASE].name);
	} else if (optopt != 0 || word == NULL || strncmp(word, "--", 2)) {
		snprintf(what, sizeof(what), "%s: unknown option -%c", cmd,
			 optopt != 0 ? optopt : '?');
	} else {
		size_t len = strcspn(word + 2, "=");

		snprintf(what, sizeof(what), "%s: %s option --%.*s", cmd,
			 prefix_matches(t, word + 2, len) > 1 ? "ambiguous"
							      : "unknown",
			 (int)(len > 64 ? 64 : len), word + 2);
	}
	return adm_usage("%s", what);
}

static int add_option(struct adm_args *a, const char *name, const char *value)
{
	if (a->nopt >= ADM_MAX_OPTS)
		return adm_usage("too many options", NULL);
	a->opt[a->nopt].name = name;
	a->opt[a->nopt].value = value;
	a->nopt++;
	return 0;
}

static int add_word(struct adm_args *a, const char *w)
{
	if (a->npos >= ADM_MAX_POS)
		return adm_usage("too many arguments", NULL);
	a->pos[a->npos++] = w;
	return 0;
}

int adm_args_parse(const struct adm_command *cmd, int argc, char **argv,
		   struct adm_args *a)
{
	struct option t[ADM_MAX_OPTS + 8];
	char what[96];
	int c, ret = 0;

	memset(a, 0, sizeof(*a));
	if (build_table(cmd->options, t, sizeof(t) / sizeof(t[0])) < 0)
		return adm_usage("too many options", NULL);
	a->pos[a->npos++] = argv[0];
	/* "-": words come back in order as 1; ":": a missing value is ':' */
	optind = 0;
	opterr = 0;
	while (ret == 0 && (c = getopt_long(argc, argv, "-:", t, NULL)) != -1) {
		if (c == 1) {
			ret = add_word(a, optarg);
		} else if (c == ':') {
			snprintf(what, sizeof(what),
				 "%s: option --%s needs a value", cmd->name,
				 optopt >= VAL_BASE ? t[optopt - VAL_BASE].name
						    : "?");
			ret = adm_usage("%s", what);
		} else if (c == '?') {
			ret = bad_option(cmd->name, t,
					 optind > 0 && optind <= argc
						 ? argv[optind - 1]
						 : NULL);
		} else {
			ret = add_option(a, t[c - VAL_BASE].name, optarg);
		}
	}
	/* after "--" getopt leaves the rest for us */
	for (int i = optind; ret == 0 && i < argc; i++)
		ret = add_word(a, argv[i]);
	return ret;
}

const char *adm_arg(const struct adm_args *a, const char *name)
{
	for (int i = a->nopt - 1; i >= 0; i--) {
		if (strcmp(a->opt[i].name, name) == 0)
			return a->opt[i].value ? a->opt[i].value : "";
	}
	return NULL;
}

bool adm_flag(const struct adm_args *a, const char *name)
{
	return adm_arg(a, name) != NULL;
}

size_t adm_arg_all(const struct adm_args *a, const char *name, const char **out,
		   size_t max)
{
	size_t n = 0;

	for (int i = 0; i < a->nopt && n < max; i++) {
		if (strcmp(a->opt[i].name, name) == 0 && a->opt[i].value)
			out[n++] = a->opt[i].value;
	}
	return n;
}
