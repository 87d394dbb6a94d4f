/* Tests for lib/pinyin: readings, surnames, initials, mixed scripts. */
#include "config.h"
#include "pinyin/pinyin.h"
#include "tests/lib/test.h"

#include <string.h>

static const char *full(const char *s, bool name)
{
	static char buf[128];
	char ini[64];

	if (pinyin_text(s, strlen(s), name, buf, sizeof(buf), ini,
			sizeof(ini)) < 0)
		return "(error)";
	return buf;
}

static const char *initials(const char *s, bool name)
{
	static char ini[64];

	if (pinyin_text(s, strlen(s), name, NULL, 0, ini, sizeof(ini)) < 0)
		return "(error)";
	return ini;
}

int main(void)
{
	char small[4];

	test_begin("single characters read toneless, v for u-umlaut");
	test_assert_str(pinyin_of(0x5F20), "zhang"); /* 张 */
	test_assert_str(pinyin_of(0x4E09), "san");   /* 三 */
	test_assert_str(pinyin_of(0x5415), "lv");    /* 吕 */
	test_assert_str(pinyin_of(0x5973), "nv");    /* 女 */
	test_assert(pinyin_of('A') == NULL);
	test_assert(pinyin_of(0x1F600) == NULL);
	test_end();

	test_begin("names: full pinyin and initials");
	test_assert_str(full("张三", true), "zhangsan");
	test_assert_str(initials("张三", true), "zs");
	test_assert_str(full("王晓东", true), "wangxiaodong");
	test_assert_str(initials("王晓东", true), "wxd");
	test_end();

	test_begin("family names use their surname reading");
	test_assert_str(full("单", false), "dan");
	test_assert_str(full("单田芳", true), "shantianfang");
	test_assert_str(full("曾国藩", true), "zengguofan");
	test_assert_str(full("解缙", true), "xiejin");
	test_assert_str(full("长孙无忌", true), "zhangsunwuji");
	test_assert_str(full("欧阳娜娜", true), "ouyangnana");
	test_assert_str(initials("欧阳娜娜", true), "oynn");
	/* only the first character of a name is a surname */
	test_assert_str(full("简单", true), "jiandan");
	test_end();

	test_begin("Latin passes through, lowercased; words give initials");
	test_assert_str(full("Li 雷", true), "lilei");
	test_assert_str(initials("Anna Müller", false), "am");
	test_assert_str(full("Room 101", false), "room101");
	test_end();

	test_begin("invalid UTF-8 and small buffers are errors");
	test_assert_int(pinyin_text("\xff", 1, true, NULL, 0, NULL, 0), -1);
	test_assert_int(pinyin_text("张三", strlen("张三"), true, small,
				    sizeof(small), NULL, 0),
			-2);
	test_assert_str(small, "zha");
	test_end();
	return test_done();
}
