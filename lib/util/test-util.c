/* Unit tests for lib/util: numbers, UTF-8, capped buffers, errors, files. */
#include "config.h"
#include "tests/lib/test.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/file.h"
#include "util/log.h"
#include "util/str.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ---- the logger: stderr goes to a file of ours, read back ------------- */

static int log_fd = -1, saved_stderr = -1;

static void log_capture(void)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/log.txt", test_tmpdir());
	log_fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	saved_stderr = dup(STDERR_FILENO);
	dup2(log_fd, STDERR_FILENO);
}

/* What was logged since the last call, into buf; stderr stays captured. */
static const char *log_take(char *buf, size_t size)
{
	off_t end = lseek(log_fd, 0, SEEK_END);
	ssize_t n = pread(log_fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	(void)end;
	if (ftruncate(log_fd, 0) != 0)
		buf[0] = '\0';
	lseek(log_fd, 0, SEEK_SET);
	return buf;
}

static void log_release(void)
{
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	close(log_fd);
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" at s */
static bool is_rfc3339_ms(const char *s)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd.dddZ";

	for (size_t i = 0; pat[i] != '\0'; i++) {
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return false;
	}
	return true;
}

static void test_log_text(void)
{
	char buf[8192], js[64];
	struct stat st;
	struct ob_log_ctx ctx = {.len = 0};

	test_begin("log lines: RFC 3339 time off the journal, <N> on it");
	unsetenv("JOURNAL_STREAM");
	log_capture();
	test_assert(!ob_log_detect_sink());
	ob_log_ctx_add(&ctx, "tenant", "acme");
	ob_log_ctx_add(&ctx, "device", "IMEI 1");
	ob_log(OB_LOG_WARN, &ctx, "two\nlines");
	log_take(buf, sizeof(buf));
	test_assert(is_rfc3339_ms(buf));
	test_assert_str(buf + 24,
			" warn: tenant=acme device=\"IMEI 1\" two lines\n");
	ob_log(OB_LOG_DEBUG, NULL, "dropped below info");
	test_assert_str(log_take(buf, sizeof(buf)), "");

	/* the journal: JOURNAL_STREAM names stderr's device and inode */
	test_assert_int(fstat(STDERR_FILENO, &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	test_assert(ob_log_detect_sink());
	ob_log_set_level(OB_LOG_DEBUG);
	ob_log(OB_LOG_DEBUG, NULL, "d");
	ob_log(OB_LOG_INFO, NULL, "i");
	ob_log(OB_LOG_WARN, NULL, "w");
	ob_log(OB_LOG_ERROR, &ctx, "e");
	test_assert_str(log_take(buf, sizeof(buf)),
			"<7>debug: d\n<6>info: i\n<4>warn: w\n"
			"<3>error: tenant=acme device=\"IMEI 1\" e\n");
	ob_log_set_level(OB_LOG_INFO);

	/* another stream's (stderr redirected after systemd set it) */
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", js, 1);
	test_assert(!ob_log_detect_sink());
	setenv("JOURNAL_STREAM", "garbage", 1);
	test_assert(!ob_log_detect_sink());
	ob_log_set_request("r-42");
	ob_log(OB_LOG_INFO, NULL, "x");
	log_take(buf, sizeof(buf));
	test_assert(is_rfc3339_ms(buf));
	test_assert_str(buf + 24, " info: req=r-42 x\n");
	ob_log_set_request(NULL);
	test_assert_str(ob_log_request(), "");
	unsetenv("JOURNAL_STREAM");
	ob_log_detect_sink();
	log_release();
	test_end();
}

static void test_log_json(void)
{
	char buf[8192], out[16], big[6000];
	struct ob_log_ctx ctx = {.len = 0};
	enum ob_log_format f;

	test_begin("JSON log lines escape every byte");
	test_assert_int(ob_log_format_parse("json", &f), 0);
	test_assert_int(f, OB_LOG_JSON);
	test_assert_int(ob_log_format_parse("xml", &f), OB_E_INVAL);
	log_capture();
	ob_log_detect_sink();
	ob_log_set_format(OB_LOG_JSON);
	ob_log_set_request("abc");
	ob_log_ctx_add(&ctx, "device", "a\"b\\c\x01\x1f\x7f");
	ob_log_ctx_add(&ctx, "tenant", "caf\xC3\xA9 \xFF\xC3(\xED\xA0\x80");
	ob_log(OB_LOG_ERROR, &ctx, "line\none\ttab \xE2\x82\xAC");
	log_take(buf, sizeof(buf));
	test_assert_mem(buf, 7, "{\"ts\":\"", 7);
	test_assert(is_rfc3339_ms(buf + 7));
	test_assert_str(buf + 31,
			"\",\"level\":\"error\",\"req\":\"abc\","
			"\"device\":\"a\\\"b\\\\c\\u0001\\u001f\\u007f\","
			"\"tenant\":\"caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD("
			"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\","
			"\"msg\":\"line\\none\\ttab \xE2\x82\xAC\"}\n");
	/* a message over the line's size is cut, the object still closed */
	memset(big, '"', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ob_log(OB_LOG_INFO, NULL, "%s", big);
	size_t n = strlen(log_take(buf, sizeof(buf)));
	test_assert(n <= 4096 && n > 4000);
	test_assert_str(buf + n - 5, "\\\"\"}\n");
	ob_log_set_format(OB_LOG_TEXT);
	ob_log_set_request(NULL);
	log_release();
	/* never a cut escape or character */
	test_assert_int(ob_log_json_escape(out, 3, "a\"", 2), 1);
	test_assert_str(out, "a");
	test_assert_int(ob_log_json_escape(out, 7, "\x01", 1), 6);
	test_assert_int(ob_log_json_escape(out, 6, "\x01", 1), 0);
	test_assert_int(ob_log_json_escape(out, 3, "\xE2\x82\xAC", 3), 0);
	test_assert_int(ob_log_json_escape(out, 4, "\xE2\x82\xAC", 3), 3);
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
	test_log_text();
	test_log_json();
	return test_done();
}
