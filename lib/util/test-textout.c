/* Unit tests for lib/util/textout: JSON strings, display widths, table
 * cells, the progress bar's text. */
#include "config.h"
#include "tests/lib/test.h"
#include "util/buf.h"
#include "util/textout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void json_is(const char *in, const char *want)
{
	struct ob_buf b;

	ob_buf_init(&b, 1u << 16);
	ob_json_str(&b, in);
	test_assert_str(ob_buf_str(&b), want);
	ob_buf_deinit(&b);
}

static void test_json(void)
{
	test_begin("ob_json_str escapes, passes UTF-8, replaces bad bytes");
	json_is("plain", "\"plain\"");
	json_is(NULL, "\"\"");
	json_is("a\"b\\c", "\"a\\\"b\\\\c\"");
	json_is("l1\nl2\tt\rr", "\"l1\\nl2\\tt\\rr\"");
	json_is("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	json_is("张伟 “Ω”", "\"张伟 “Ω”\"");
	json_is("𠀀", "\"𠀀\""); /* 4 bytes, plane 2 */
	json_is("a\xffz", "\"a\xef\xbf\xbdz\"");
	json_is("\xe5\xbc", "\"\xef\xbf\xbd\xef\xbf\xbd\""); /* cut short */
	json_is("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\""); /* overlong */
	json_is("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	test_end();
}

static void test_writer(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct ob_jw w;

	test_begin("ob_jw: commas, nesting, null, a newline at the end");
	test_assert(f != NULL);
	ob_jw_init(&w, f);
	ob_jw_arr(&w);
	ob_jw_obj(&w);
	ob_jw_kstr(&w, "name", "王\"x\"");
	ob_jw_kint(&w, "n", -3);
	ob_jw_kbool(&w, "ok", true);
	ob_jw_kstr(&w, "none", NULL);
	ob_jw_key(&w, "list");
	ob_jw_arr(&w);
	ob_jw_str(&w, "a");
	ob_jw_int(&w, 2);
	ob_jw_end(&w);
	ob_jw_end(&w);
	ob_jw_obj(&w);
	ob_jw_end(&w);
	ob_jw_end(&w);
	fclose(f);
	test_assert_str(text, "[{\"name\":\"王\\\"x\\\"\",\"n\":-3,\"ok\":true,"
			      "\"none\":null,\"list\":[\"a\",2]},{}]\n");
	free(text);
	test_end();
}

static void test_width(void)
{
	test_begin("ob_text_width counts CJK two, marks zero");
	test_assert_int(ob_text_width(""), 0);
	test_assert_int(ob_text_width(NULL), 0);
	test_assert_int(ob_text_width("Zhang Wei"), 9);
	test_assert_int(ob_text_width("张伟"), 4);
	test_assert_int(ob_text_width("欧阳娜娜"), 8);
	test_assert_int(ob_text_width("한국"), 4);
	test_assert_int(ob_text_width("カタカナ"), 8);
	test_assert_int(ob_text_width("ｶﾀｶﾅ"), 4);         /* halfwidth */
	test_assert_int(ob_text_width("ＡＢ"), 4);         /* fullwidth */
	test_assert_int(ob_text_width("José"), 4);         /* precomposed */
	test_assert_int(ob_text_width("Jose\xcc\x81"), 4); /* combining */
	test_assert_int(ob_text_width("Łukasz"), 6);
	test_assert_int(ob_text_width("Ωμέγα"), 5);
	test_assert_int(ob_text_width("𠀀"), 2);
	test_assert_int(ob_text_width("a\xffz"), 3);
	test_assert_int(ob_cp_width(0x4e00), 2);
	test_assert_int(ob_cp_width(0x9fff), 2);
	test_assert_int(ob_cp_width(0x3000), 2); /* ideographic space */
	test_assert_int(ob_cp_width(0xff61), 1);
	test_assert_int(ob_cp_width(0x200b), 0);
	test_assert_int(ob_cp_width(0x0a), 0);
	test_end();
}

static void test_cell(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	test_begin("ob_fput_cell pads by columns");
	test_assert(f != NULL);
	ob_fput_cell(f, "张伟", 6);
	putc('|', f);
	ob_fput_cell(f, "Ada", 6);
	putc('|', f);
	ob_fput_cell(f, "欧阳娜娜", 6); /* wider: nothing added */
	putc('|', f);
	fclose(f);
	test_assert_str(text, "张伟  |Ada   |欧阳娜娜|");
	free(text);
	test_end();
}

static void test_progress(void)
{
	char line[256];

	test_begin("ob_progress_format: counts, rate, time left, bar");
	ob_progress_format(line, sizeof(line), "importing", 500, 2000, 1000,
			   79);
	test_assert_str(line,
			"importing [##########..............................] "
			"500/2000 500/s 0:03 left");
	ob_progress_format(line, sizeof(line), "syncing", 300, 0, 2000, 79);
	test_assert_str(line, "syncing 300 150/s");
	ob_progress_format(line, sizeof(line), "x", 0, 10, 0, 20);
	test_assert_str(line, "x 0/10 0/s ? left");
	ob_progress_format(line, sizeof(line), "x", 1, 3601, 1000, 30);
	test_assert_str(line, "x 1/3601 1/s 1:00:00 left");
	test_end();
}

int main(void)
{
	test_json();
	test_writer();
	test_width();
	test_cell();
	test_progress();
	return test_done();
}
