/* admin/password.c: the one way orgbook-admin reads a password: the
 * first line of standard input (--password-stdin) or twice from the
 * terminal with echo off.
 *
 * Never: takes a password from argv or the environment, prints or logs
 * one, leaves the second copy unwiped. */
#include "config.h"
#include "admin/admin.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>

/* Asked twice on /dev/tty with echo off; the two must agree. */
static int from_terminal(char *buf, size_t size)
{
	struct termios old, quiet;
	char again[DSTORE_PASSWORD_MAX + 2];
	FILE *in = fopen("/dev/tty", "r"), *out = fopen("/dev/tty", "w");
	int ret = 0;

	if (in == NULL || out == NULL) {
		if (in != NULL)
			fclose(in);
		if (out != NULL)
			fclose(out);
		fprintf(stderr,
			"%s: no terminal for a password prompt; use "
			"--password-stdin\n",
			ADM_PROG);
		return ADM_EXIT_USAGE;
	}
	tcgetattr(fileno(in), &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fileno(in), TCSAFLUSH, &quiet);
	fputs("Password: ", out);
	fflush(out);
	if (fgets(buf, (int)size, in) == NULL)
		buf[0] = '\0';
	fputs("\nAgain: ", out);
	fflush(out);
	if (fgets(again, sizeof(again), in) == NULL)
		again[0] = '\0';
	fputs("\n", out);
	tcsetattr(fileno(in), TCSAFLUSH, &old);
	fclose(in);
	fclose(out);
	if (strcmp(buf, again) != 0) {
		fprintf(stderr, "%s: the passwords differ\n", ADM_PROG);
		ret = ADM_EXIT_INPUT;
	}
	explicit_bzero(again, sizeof(again));
	return ret;
}

int adm_password_read(const struct adm_args *a, char *buf, size_t size)
{
	size_t n;

	if (adm_flag(a, "password-stdin")) {
		if (fgets(buf, (int)size, stdin) == NULL) {
			fprintf(stderr, "%s: no password on standard input\n",
				ADM_PROG);
			return ADM_EXIT_INPUT;
		}
	} else {
		int ret = from_terminal(buf, size);

		if (ret != 0)
			return ret;
	}
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return 0;
}
