/* admin: orgbook-admin, the operator's command line for the directory
 * store (lib/dirstore): enterprises, accounts, org units, people, imports
 * and exports, the change log and its pruning. One file per command group
 * (tenant.c, account.c, unit.c, person.c, import.c, export.c, history.c,
 * device.c);
 * main.c only finds the command and hands it its arguments.
 *
 * Promises:
 * - every change is one store transaction and one new revision, made as
 *   actor "cli"; a refused command writes nothing;
 * - passwords come from a terminal prompt (no echo) or the first line of
 *   --password-stdin, never from argv; the one-time passwords and reset
 *   links it generates are printed once and only their hashes are stored;
 * - options are GNU long options (getopt_long): --opt=value and --opt value
 *   both work, --help and --version everywhere; an unknown option or one
 *   missing its value is named with its command on standard error;
 * - exit status: 0 ok, 1 usage error, 2 bad input, 3 not found, 4 refused
 *   (exists, mass-delete guard, auth, limit), 5 store or I/O failure
 *   (enum adm_exit); the messages are the ones the man page and
 *   admin/test-admin-cli.sh show.
 *
 * Never: writes SQL or opens the database file itself (all through
 * lib/dirstore), talks to the network, reads a password from the command
 * line, logs (it prints: results to standard output, errors to standard
 * error). The man page is admin/orgbook-admin.1. */
#ifndef ADM_ADMIN_H
#define ADM_ADMIN_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirstore/dirstore.h"
#include "util/err.h"

#define ADM_PROG "orgbook-admin"

enum adm_exit {
	ADM_EXIT_OK = 0,
	ADM_EXIT_USAGE = 1,
	ADM_EXIT_INPUT = 2,
	ADM_EXIT_NOTFOUND = 3,
	ADM_EXIT_REFUSED = 4,
	ADM_EXIT_STORE = 5,
};

/* Tries of a write transaction busy at BEGIN, in its body or at COMMIT
 * (dstore_retry: the whole transaction runs again). */
#define ADM_TRIES 5
#define ADM_MAX_POS 16   /* words that are not options */
#define ADM_MAX_OPTS 48  /* options given on one command line */
#define ADM_MAX_MULTI 16 /* values of one repeatable option kept */

/* A parsed command line: the words (pos[0] is the command, pos[1] its
 * subcommand if it has one) and the options in the order given. Every
 * pointer borrows from argv. */
struct adm_args {
	const char *pos[ADM_MAX_POS];
	int npos;
	struct {
		const char *name;
		const char *value; /* NULL for an option without a value */
	} opt[ADM_MAX_OPTS];
	int nopt;
};

/* One command group. options lists its own options (has_arg
 * no_argument or required_argument, flag NULL, val ignored), ended by an
 * all-zero entry; --db, --help and --version are added to every command.
 * help is its lines of --help. run is called with the store open. */
struct adm_command {
	const char *name;
	const struct option *options;
	const char *help;
	int (*run)(struct dstore *s, const struct adm_args *a);
};

extern const struct adm_command adm_cmd_init, adm_cmd_enterprise,
	adm_cmd_account, adm_cmd_import, adm_cmd_person, adm_cmd_unit,
	adm_cmd_changes, adm_cmd_prune, adm_cmd_export, adm_cmd_migrate,
	adm_cmd_device;

/* ---- args.c: the option parser ---- */

/* Parse argv[0..argc) (argv[0] is the command word) with getopt_long
 * against cmd's options and the common ones. Returns 0, or prints the
 * error (naming the option and the command) and returns ADM_EXIT_USAGE. */
int adm_args_parse(const struct adm_command *cmd, int argc, char **argv,
		   struct adm_args *a);

/* The value of the last --name given ("" for one without a value), or
 * NULL when it was not given. Borrowed from argv. */
const char *adm_arg(const struct adm_args *a, const char *name);
bool adm_flag(const struct adm_args *a, const char *name);
/* All values of a repeatable option in order, at most max; returns how
 * many were stored in out. */
size_t adm_arg_all(const struct adm_args *a, const char *name, const char **out,
		   size_t max);

/* ---- common.c: errors, the store, the tenant ---- */

/* The command named in usage errors ("Try 'orgbook-admin CMD --help'");
 * NULL before one is known. */
void adm_usage_set_command(const char *name);
/* Print "orgbook-admin: " fmt and the Try line to standard error;
 * returns ADM_EXIT_USAGE. fmt is a literal: with one %s filled from arg,
 * or printed as it is when arg is NULL. */
int adm_usage(const char *fmt, const char *arg);
/* Print err on standard error; returns the exit status for its code. */
int adm_fail(const struct ob_err *err);
/* Open the store of --db or $ORGBOOK_DB (created or upgraded); prints
 * the store's notice as a warning. Returns 0 or an exit status. */
int adm_store_open(const struct adm_args *a, struct dstore **s_r);
/* The id of the enterprise --tenant names. Returns 0 or an exit status. */
int adm_tenant_need(struct dstore *s, const struct adm_args *a, int64_t *id_r);
/* t as "YYYY-MM-DD HH:MM:SS UTC". */
void adm_utc_time(int64_t t, char out[32]);

/* ---- password.c ---- */

/* Read a password into buf (size bytes): the first line of standard
 * input with --password-stdin, else asked twice on /dev/tty without echo.
 * The line end is cut. Returns 0, ADM_EXIT_INPUT (none on standard input,
 * the two differ) or ADM_EXIT_USAGE (no terminal). The caller wipes buf. */
int adm_password_read(const struct adm_args *a, char *buf, size_t size);

/* ---- history.c ---- */

/* import --undo: the last import of tenant t undone in one transaction,
 * or with --dry-run its plan printed and nothing written. Returns 0 or
 * an exit status. */
int adm_import_undo(struct dstore *s, const struct adm_args *a, int64_t t);

#endif
