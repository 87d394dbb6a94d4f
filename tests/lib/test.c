/* TAP harness implementation: counts tests, prints diagnostics on stdout
 * as TAP comments so the driver shows them. */
#include "config.h"
#include "test.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int test_count;
static int fail_count;
static bool cur_failed;
static char cur_name[256];
static char tmpdir[4096];

void test_begin(const char *name)
{
	snprintf(cur_name, sizeof(cur_name), "%s", name);
	cur_failed = false;
	test_count++;
}

void test_end(void)
{
	printf("%sok %d - %s\n", cur_failed ? "not " : "", test_count,
	       cur_name);
	fflush(stdout);
	if (cur_failed)
		fail_count++;
}

void test_skip(const char *name, const char *why)
{
	test_count++;
	printf("ok %d - %s # SKIP %s\n", test_count, name, why);
	fflush(stdout);
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	cur_failed = true;
	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void test_assert_int_(long long got, long long want, const char *gexpr,
		      const char *file, int line)
{
	if (got != want)
		test_fail(file, line, "%s = %lld, want %lld", gexpr, got, want);
}

void test_assert_str_(const char *got, const char *want, const char *gexpr,
		      const char *file, int line)
{
	if (got == NULL || want == NULL) {
		if (got != want)
			test_fail(file, line, "%s = %s, want %s", gexpr,
				  got ? got : "(null)", want ? want : "(null)");
		return;
	}
	if (strcmp(got, want) != 0)
		test_fail(file, line, "%s = \"%s\", want \"%s\"", gexpr, got,
			  want);
}

void test_assert_true_(bool cond, const char *expr, const char *file, int line)
{
	if (!cond)
		test_fail(file, line, "assertion failed: %s", expr);
}

void test_assert_mem_(const void *got, size_t glen, const void *want,
		      size_t wlen, const char *gexpr, const char *file,
		      int line)
{
	if (glen != wlen || (glen > 0 && memcmp(got, want, glen) != 0))
		test_fail(file, line, "%s differs (%zu bytes, want %zu)", gexpr,
			  glen, wlen);
}

const char *test_tmpdir(void)
{
	if (tmpdir[0] == '\0') {
		const char *base = getenv("TMPDIR");

		snprintf(tmpdir, sizeof(tmpdir), "%s/obtest.XXXXXX",
			 base ? base : "/tmp");
		if (mkdtemp(tmpdir) == NULL) {
			perror("mkdtemp");
			exit(99);
		}
	}
	return tmpdir;
}

const char *test_srcpath(const char *rel)
{
	static char path[4096];
	const char *top = getenv("top_srcdir");

	snprintf(path, sizeof(path), "%s/%s", top ? top : ".", rel);
	return path;
}

int test_done(void)
{
	printf("1..%d\n", test_count);
	if (tmpdir[0] != '\0' && getenv("OB_TEST_KEEP") == NULL) {
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	return fail_count == 0 ? 0 : 1;
}
