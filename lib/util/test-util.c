/* Unit tests for lib/util: numbers, UTF-8, capped buffers, errors, files. */
#include "config.h"
#include "tests/lib/test.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/file.h"
#include "util/str.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_parse_numbers(void)
{
	uint64_t u = 0;
	int64_t i = 0;

	test_begin("ob_parse_u64 and ob_parse_i64 accept and refuse");
	test_assert_int(ob_parse_u64("12345", 5, 99999, &u), 0);
	test_assert_int(u, 12345);
	test_assert_int(ob_parse_u64("123456", 5, 99999, &u), 0);
	test_assert_int(u, 12345); /* reads only len bytes */
	test_assert_int(ob_parse_u64("", 0, 10, &u), OB_E_PARSE);
	test_assert_int(ob_parse_u64("1x", 2, 10, &u), OB_E_PARSE);
	test_assert_int(ob_parse_u64(" 1", 2, 10, &u), OB_E_PARSE);
	test_assert_int(ob_parse_u64("11", 2, 10, &u), OB_E_LIMIT);
	test_assert_int(
		ob_parse_u64("99999999999999999999", 20, UINT64_MAX, &u),
		OB_E_LIMIT);
	test_assert_int(ob_parse_i64("-42", 3, -100, 100, &i), 0);
	test_assert_int(i, -42);
	test_assert_int(ob_parse_i64("-101", 4, -100, 100, &i), OB_E_LIMIT);
	test_assert_int(ob_parse_i64("-", 1, -100, 100, &i), OB_E_PARSE);
	test_end();
}

static void test_utf8(void)
{
	test_begin(
		"UTF-8 validation: Chinese ok, overlong/surrogate/NUL refused");
	test_assert(ob_utf8_valid("张三 Zhang", strlen("张三 Zhang"), false));
	test_assert(!ob_utf8_valid("\xc0\xae", 2, false));     /* overlong */
	test_assert(!ob_utf8_valid("\xed\xa0\x80", 3, false)); /* surrogate */
	test_assert(!ob_utf8_valid("\xe5\xbc", 2, false));     /* truncated */
	test_assert(!ob_utf8_valid("a\0b", 3, false));
	/* the eight-byte ASCII runs: a NUL, a bad byte or a sequence past
	 * them is still seen, at its offset */
	test_assert_int(
		(long)ob_utf8_invalid_at("abcdefghijklm\0op", 16, false), 13);
	test_assert(ob_utf8_valid("abcdefghijklm\0op", 16, true));
	test_assert_int(
		(long)ob_utf8_invalid_at("abcdefghijklmnop\xffq", 18, false),
		16);
	test_assert(ob_utf8_valid("abcdefgh\xe4\xb8\xadijklmnopq", 20, false));
	test_assert(!ob_utf8_valid("abcdefghijklmnop\xe4\xb8", 18, false));
	test_assert(ob_utf8_valid("a\0b", 3, true));
	test_assert_int(ob_utf8_invalid_at("ab\xff", 3, false), 2);
	test_end();

	test_begin("UTF-8 encoding: every length decodes back; surrogates and "
		   "values past U+10FFFF refused");
	static const uint32_t cps[] = {0x0,    0x41,    0x7f,    0x80,
				       0xe9,   0x7ff,   0x800,   0x5f20,
				       0xfffd, 0x10000, 0x1f600, 0x10ffff};
	for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		unsigned char u[4];
		uint32_t back = 0xffffffff;
		size_t n = ob_utf8_encode(cps[i], u);
		test_assert(n >= 1 && n <= 4);
		test_assert_int(ob_utf8_decode((const char *)u, n, &back), n);
		test_assert_int(back, cps[i]);
	}
	unsigned char u[4];
	test_assert_int(ob_utf8_encode(0xd800, u), 0);
	test_assert_int(ob_utf8_encode(0xdfff, u), 0);
	test_assert_int(ob_utf8_encode(0x110000, u), 0);
	test_end();
}

static void test_buf(void)
{
	struct ob_buf b;

	test_begin("capped buffer refuses to grow past its cap");
	ob_buf_init(&b, 8);
	test_assert_int(ob_buf_add_str(&b, "abcd"), 0);
	test_assert_int(ob_buf_addf(&b, "%d", 1234), 0);
	test_assert_str(ob_buf_str(&b), "abcd1234");
	test_assert_int(ob_buf_add_char(&b, 'x'), OB_E_LIMIT);
	test_assert_str(ob_buf_str(&b), "abcd1234"); /* unchanged */
	test_assert_int(ob_buf_addf(&b, "%s", "y"), OB_E_LIMIT);
	ob_buf_reset(&b);
	test_assert_int(b.len, 0);
	ob_buf_deinit(&b);
	test_end();
}

static void test_buf_reserve(void)
{
	struct ob_buf b;

	test_begin("reserving up to the cap allocates it once");
	ob_buf_init(&b, 100000);
	test_assert_int(ob_buf_reserve(&b, 100001), OB_E_LIMIT);
	test_assert_int(b.alloc, 0);
	test_assert_int(ob_buf_reserve(&b, 100000), 0);
	test_assert_int(b.alloc, 100001);
	char *p = b.data;
	for (int i = 0; i < 1000; i++)
		test_assert_int(ob_buf_add(&b, "0123456789", 10), 0);
	test_assert_int(b.data == p, 1); /* never moved */
	test_assert_int(b.len, 10000);
	test_assert_int(ob_buf_add_char(&b, 'x'), 0);
	ob_buf_deinit(&b);
	test_end();
}

static void test_err(void)
{
	struct ob_err err;
	char buf[256];

	test_begin("errors name line, column and field");
	test_assert_int(ob_err_set_at(&err, OB_E_PARSE, 12, 3, "email",
				      "not an address: %s", "x@"),
			OB_E_PARSE);
	ob_err_describe(&err, buf, sizeof(buf));
	test_assert_str(buf,
			"line 12, column 3, field email: not an address: x@");
	ob_err_prefix(&err, "while importing %s: ", "people.csv");
	test_assert_str(err.msg,
			"while importing people.csv: not an address: x@");
	test_assert_int(err.line, 12);
	test_end();
}

static void test_file(void)
{
	char path[4200];
	struct ob_buf b;
	struct ob_err err;
	struct stat st;

	test_begin("atomic write then capped read");
	snprintf(path, sizeof(path), "%s/f.txt", test_tmpdir());
	test_assert_int(ob_file_write_atomic(path, "hello", 5, 0600, &err), 0);
	test_assert_int(stat(path, &st), 0);
	test_assert_int(st.st_mode & 0777, 0600);
	ob_buf_init(&b, 100);
	test_assert_int(ob_file_read(path, &b, &err), 0);
	test_assert_str(ob_buf_str(&b), "hello");
	ob_buf_deinit(&b);
	ob_buf_init(&b, 3);
	test_assert_int(ob_file_read(path, &b, &err), OB_E_LIMIT);
	ob_buf_deinit(&b);
	test_assert_int(ob_file_read("/nonexistent/x", &b, &err),
			OB_E_NOTFOUND);
	test_end();
}

static void test_random(void)
{
	char a[33], b[33];

	test_begin("random tokens are hex and differ");
	test_assert_int(ob_random_hex(a, 16), 0);
	test_assert_int(ob_random_hex(b, 16), 0);
	test_assert_int(strlen(a), 32);
	test_assert(strcmp(a, b) != 0);
	test_assert(strspn(a, "0123456789abcdef") == 32);
	test_end();
}

static void test_b64(void)
{
	unsigned char out[32];
	char enc[32];
	size_t n;

	test_begin("base64: RFC 4648 vectors, white space, bad input");
	test_assert_int(ob_b64_encode((const unsigned char *)"foob", 4, enc,
				      sizeof(enc)),
			8);
	test_assert_str(enc, "Zm9vYg==");
	test_assert_int(ob_b64_encode((const unsigned char *)"foobar", 6, enc,
				      sizeof(enc)),
			8);
	test_assert_str(enc, "Zm9vYmFy");
	test_assert_int(ob_b64_encode((const unsigned char *)"f", 1, enc, 4),
			0);
	test_assert_int(ob_b64_decode("Zm9v\r\nYg==", 10, out, sizeof(out), &n),
			0);
	test_assert_mem(out, n, "foob", 4);
	test_assert_int(ob_b64_decode("Zm9vYg", 6, out, sizeof(out), &n), 0);
	test_assert_int(n, 4);
	test_assert_int(ob_b64_decode("Zm9v!g==", 8, out, sizeof(out), &n),
			OB_E_PARSE);
	test_assert_int(ob_b64_decode("Zm9vY", 5, out, sizeof(out), &n),
			OB_E_PARSE);
	test_assert_int(ob_b64_decode("Zm=9v", 5, out, sizeof(out), &n),
			OB_E_PARSE);
	test_assert_int(ob_b64_decode("Zm9vYmFy", 8, out, 5, &n), OB_E_LIMIT);
	test_end();
}

static int mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static void test_file_private(void)
{
	char path[4200], want[4400], notice[4400];
	struct ob_err err;
	mode_t old = umask(0277);
	int fd;

	test_begin("private files: created 0600 whatever the umask, looser "
		   "ones tightened and reported, missing ones left missing");
	snprintf(path, sizeof(path), "%s/private", test_tmpdir());
	test_assert_int(
		ob_file_private(path, true, notice, sizeof(notice), &err), 0);
	test_assert_int(mode_of(path), 0600); /* not 0400 */
	test_assert_str(notice, "");
	umask(022);
	test_assert_int(chmod(path, 0664), 0);
	test_assert_int(
		ob_file_private(path, true, notice, sizeof(notice), &err), 0);
	test_assert_int(mode_of(path), 0600);
	snprintf(want, sizeof(want),
		 "%s was mode 0664 (group or others had access): now 0600",
		 path);
	test_assert_str(notice, want);
	test_assert_int(
		ob_file_private(path, true, notice, sizeof(notice), &err), 0);
	test_assert_str(notice, "");
	snprintf(path, sizeof(path), "%s/private-missing", test_tmpdir());
	test_assert_int(
		ob_file_private(path, false, notice, sizeof(notice), &err), 0);
	test_assert_int(mode_of(path), -1);
	snprintf(path, sizeof(path), "%s/no-such-dir/x", test_tmpdir());
	test_assert_int(ob_file_private(path, true, NULL, 0, &err), OB_E_IO);
	/* an output file: created 0600, an existing one truncated and
	 * tightened */
	snprintf(path, sizeof(path), "%s/out", test_tmpdir());
	fd = ob_file_open_private(path, &err);
	test_assert(fd >= 0);
	if (fd >= 0)
		close(fd);
	test_assert_int(mode_of(path), 0600);
	test_assert_int(ob_file_write_atomic(path, "old data", 8, 0644, &err),
			0);
	test_assert_int(mode_of(path), 0644);
	fd = ob_file_open_private(path, &err);
	test_assert(fd >= 0);
	if (fd >= 0) {
		test_assert_int(write(fd, "new", 3), 3);
		close(fd);
	}
	test_assert_int(mode_of(path), 0600);
	{
		struct ob_buf b;

		ob_buf_init(&b, 100);
		test_assert_int(ob_file_read(path, &b, &err), 0);
		test_assert_str(ob_buf_str(&b), "new");
		ob_buf_deinit(&b);
	}
	snprintf(path, sizeof(path), "%s/no-such-dir/x", test_tmpdir());
	test_assert_int(ob_file_open_private(path, &err), -1);
	test_assert_int(err.code, OB_E_IO);
	umask(old);
	test_end();
}

int main(void)
{
	test_b64();
	test_parse_numbers();
	test_utf8();
	test_buf();
	test_buf_reserve();
	test_err();
	test_file();
	test_file_private();
	test_random();
	return test_done();
}
