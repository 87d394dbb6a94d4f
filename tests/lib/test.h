/* Tiny TAP test harness for automake's TAP driver.
 *
 *   test_begin("what is tested");
 *   test_assert_int(got, want);
 *   test_assert_str(got, want);
 *   test_end();
 *   return test_done();   // from main: prints the plan, returns exit code
 *
 * Each test_begin/test_end pair is one TAP line ("ok N - name" or
 * "not ok N - name" with the failed assertions as diagnostics). */
#ifndef OB_TEST_H
#define OB_TEST_H

#include <stdbool.h>
#include <stddef.h>

void test_begin(const char *name);
void test_end(void);
int test_done(void);

/* One test that does not apply here: "ok N - name # SKIP why". */
void test_skip(const char *name, const char *why);

/* Record a failure of the current test with a message. */
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void test_assert_int_(long long got, long long want, const char *gexpr,
		      const char *file, int line);
void test_assert_str_(const char *got, const char *want, const char *gexpr,
		      const char *file, int line);
void test_assert_true_(bool cond, const char *expr, const char *file, int line);
void test_assert_mem_(const void *got, size_t glen, const void *want,
		      size_t wlen, const char *gexpr, const char *file,
		      int line);

#define test_assert_int(got, want)                                             \
	test_assert_int_((long long)(got), (long long)(want), #got, __FILE__,  \
			 __LINE__)
#define test_assert_str(got, want)                                             \
	test_assert_str_((got), (want), #got, __FILE__, __LINE__)
#define test_assert(cond) test_assert_true_((cond), #cond, __FILE__, __LINE__)
#define test_assert_mem(got, glen, want, wlen)                                 \
	test_assert_mem_((got), (glen), (want), (wlen), #got, __FILE__,        \
			 __LINE__)

/* A fresh empty temporary directory for this test program (removed at
 * test_done unless OB_TEST_KEEP is set). Borrowed string. */
const char *test_tmpdir(void);

/* Path of a file under $top_srcdir (testdata etc.). Borrowed until the
 * next call. */
const char *test_srcpath(const char *rel);

#endif
