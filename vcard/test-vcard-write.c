/* Unit tests for vcard/write.c: exact output per version, folding, QP,
 * BASE64 blocks, escaping, injection safety and the caller-buffer API. */
#include "config.h"

#include "tests/lib/test.h"
#include "vcard/vcard.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static char *write_str(const struct vcard *c, enum vcard_version v)
{
	char *out = NULL;
	size_t len;
	struct vcard_error err;

	test_assert_int(vcard_write(c, v, &out, &len, &err), 0);
	test_assert_int(strlen(out ? out : ""), len);
	return out;
}

static struct vcard *sample(void)
{
	struct vcard *c = vcard_new(VCARD_V30);
	struct vcard_prop *p;

	vcard_add_prop(c, NULL, "n", &p);
	vcard_prop_add_value(c, p, "王");
	vcard_prop_add_value(c, p, "芳");
	vcard_add_prop(c, "item1", "TEL", &p);
	vcard_prop_add_param(c, p, "TYPE", "CELL");
	vcard_prop_add_param(c, p, "type", "WORK");
	vcard_prop_add_value(c, p, "+86 138");
	vcard_add_prop(c, NULL, "NOTE", &p);
	vcard_prop_add_value(c, p, "a;b,c\\d\ne");
	return c;
}

static void test_exact(void)
{
	struct vcard *c = sample();
	char *s;

	test_begin("3.0 exact output: escapes, params, CRLF");
	s = write_str(c, VCARD_V30);
	test_assert_str(s, "BEGIN:VCARD\r\nVERSION:3.0\r\nN:王;芳\r\n"
			   "item1.TEL;TYPE=CELL,WORK:+86 138\r\n"
			   "NOTE:a\\;b\\,c\\\\d\\ne\r\nEND:VCARD\r\n");
	free(s);
	test_end();

	test_begin("2.1 exact output: bare types, UTF-8 QP");
	s = write_str(c, VCARD_V21);
	test_assert_str(s,
			"BEGIN:VCARD\r\nVERSION:2.1\r\n"
			"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E7=8E=8B;"
			"=E8=8A=B3\r\n"
			"item1.TEL;CELL;WORK:+86 138\r\n"
			"NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:a\\;b,c"
			"\\d=0Ae\r\nEND:VCARD\r\n");
	free(s);
	test_end();
	vcard_free(&c);
}

static void test_fold_and_binary(void)
{
	struct vcard *c = vcard_new(VCARD_V30), *back = NULL;
	struct vcard_prop *p;
	struct vcard_error err;
	unsigned char photo[200];
	char *s, *line;

	for (size_t i = 0; i < sizeof(photo); i++)
		photo[i] = (unsigned char)(i * 7);
	vcard_add_prop(c, NULL, "FN", &p);
	vcard_prop_add_value(c, p,
			     "张三李四王五赵六钱七孙八周九吴十郑十一"
			     "冯十二陈十三褚十四卫十五蒋十六沈十七");
	vcard_add_prop(c, NULL, "PHOTO", &p);
	vcard_prop_add_param(c, p, "MEDIATYPE", "image/jpeg");
	vcard_prop_set_binary(c, p, photo, sizeof(photo));

	test_begin("3.0/4.0 fold at 75 octets, never inside UTF-8");
	for (int v = VCARD_V30; v <= VCARD_V40; v += 10) {
		s = write_str(c, (enum vcard_version)v);
		for (line = s; *line;) {
			char *e = strstr(line, "\r\n");

			test_assert(e != NULL && e - line <= 75);
			if (e == NULL)
				break;
			/* a continuation never starts with a continuation
			 * byte */
			test_assert(((unsigned char)e[2] & 0xc0) != 0x80 ||
				    e[2] == '\0');
			if (e[2] == ' ')
				test_assert(((unsigned char)e[3] & 0xc0) !=
					    0x80);
			line = e + 2;
		}
		test_assert_int(vcard_parse(s, strlen(s), NULL, &back, &err),
				0);
		back->version = c->version;
		test_assert(vcard_equal(c, back));
		vcard_free(&back);
		if (v == VCARD_V40)
			test_assert(strstr(s, "PHOTO:data:image/jpeg;base64,"
					      "AAcOFRwj") != NULL);
		else
			test_assert(strstr(s, "PHOTO;MEDIATYPE=image/jpeg;"
					      "ENCODING=b:AAcOFRwj") != NULL);
		free(s);
	}
	test_end();

	test_begin("2.1 BASE64 block ends with an empty line");
	s = write_str(c, VCARD_V21);
	test_assert(strstr(s, "PHOTO;MEDIATYPE=image/jpeg;ENCODING=BASE64:\r\n "
			      "AAcOFRwj") != NULL);
	test_assert(strstr(s, "\r\n\r\nEND:VCARD\r\n") != NULL);
	test_assert_int(vcard_parse(s, strlen(s), NULL, &back, &err), 0);
	back->version = c->version;
	test_assert(vcard_equal(c, back));
	vcard_free(&back);
	free(s);
	test_end();
	vcard_free(&c);
}

static void test_injection(void)
{
	struct vcard *c = vcard_new(VCARD_V30), *back = NULL;
	struct vcard_prop *p;
	struct vcard_error err;
	struct vcard_parser *ps;
	int n = 0;

	vcard_add_prop(c, NULL, "FN", &p);
	vcard_prop_add_value(c, p,
			     "Alice\r\nEND:VCARD\r\nBEGIN:VCARD\r\nFN:Evil");
	vcard_add_prop(c, NULL, "NOTE", &p);
	vcard_prop_add_param(c, p, "X-P", "a\r\nEND:VCARD");
	vcard_prop_add_value(c, p, "x");

	test_begin("CR/LF in values and params never start a line (C5)");
	for (int v = VCARD_V21; v <= VCARD_V40; v += v == 21 ? 9 : 10) {
		char *s = write_str(c, (enum vcard_version)v);

		test_assert_int(vcard_parser_new(s, strlen(s), NULL, &ps), 0);
		while (vcard_parser_next(ps, &back, &err) == 1) {
			n++;
			test_assert_str(
				vcard_prop_value(
					vcard_prop_get(back, "FN", NULL), 0),
				"Alice\nEND:VCARD\nBEGIN:VCARD\nFN:Evil");
			vcard_free(&back);
		}
		vcard_parser_free(&ps);
		free(s);
	}
	test_assert_int(n, 3);
	test_end();
	vcard_free(&c);
}

static void test_buf(void)
{
	struct vcard *c = sample();
	struct vcard_error err;
	char small[10], big[512];
	size_t len = 0;

	test_begin("vcard_write_buf: VCARD_E_SPACE with the size needed");
	test_assert_int(
		vcard_write_buf(c, VCARD_V30, small, sizeof(small), &len, &err),
		VCARD_E_SPACE);
	test_assert_int(len, 102);
	test_assert_int(
		vcard_write_buf(c, VCARD_V30, big, sizeof(big), &len, &err), 0);
	test_assert_int(len, 102);
	test_assert_mem(big, 13, "BEGIN:VCARD\r\n", 13);
	test_end();

	test_begin("names a parser could not read back are refused");
	{
		struct vcard_prop *p;

		test_assert_int(vcard_add_prop(c, NULL, "BAD NAME", &p),
				VCARD_E_INVAL);
		test_assert_int(vcard_add_prop(c, NULL, "VERSION", &p), 0);
		test_assert_int(vcard_write_buf(c, VCARD_V30, big, sizeof(big),
						&len, &err),
				VCARD_E_INVAL);
		test_assert_str(err.prop, "VERSION");
	}
	test_end();
	vcard_free(&c);
}

static void test_dialect(void)
{
	struct vcard *c = vcard_new(VCARD_V30), *back = NULL;
	struct vcard_dialect d = {0};
	struct vcard_prop *p;
	struct vcard_error err;
	char buf[4096], note[200];
	size_t len;

	memset(note, 'x', 120);
	note[120] = '\0';
	vcard_add_prop(c, NULL, "N", &p);
	vcard_prop_add_value(c, p, "Müller-Lüdenscheidt");
	vcard_prop_add_value(c, p, "Zoë");
	vcard_add_prop(c, NULL, "FN", &p);
	vcard_prop_add_value(c, p, "王芳");
	vcard_add_prop(c, NULL, "NOTE", &p);
	vcard_prop_add_value(c, p, note);

	test_begin("dialects: Latin-1 for Sony Ericsson, no line breaks for "
		   "Motorola, per-property limits cut at characters");
	d.latin1 = true;
	test_assert_int(vcard_write_dialect(c, VCARD_V21, &d, buf, sizeof(buf),
					    &len, &err),
			0);
	buf[len] = '\0';
	/* ü is one byte =FC; 王芳 cannot be Latin-1 and stays UTF-8 */
	test_assert(strstr(buf, "N;CHARSET=ISO-8859-1;ENCODING=QUOTED-"
				"PRINTABLE:M=FCller-L=FC") != NULL);
	test_assert(strstr(buf, "=EB\r\n") != NULL); /* ë */
	test_assert(strstr(buf, "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:"
				"=E7=8E=8B=E8=8A=B3\r\n") != NULL);
	/* the parser reads Latin-1 back to the same text */
	test_assert_int(vcard_parse(buf, len, NULL, &back, &err), 0);
	if (back != NULL) {
		p = (struct vcard_prop *)vcard_prop_get(back, "N", 0);
		test_assert(p != NULL);
		if (p != NULL)
			test_assert_str(vcard_prop_value(p, 0),
					"Müller-Lüdenscheidt");
		vcard_free(&back);
	}
	/* no folding at all: the 3.0 NOTE stays on one line, the 2.1 QP
	 * value has no soft break */
	memset(&d, 0, sizeof(d));
	d.no_fold = true;
	test_assert_int(vcard_write_dialect(c, VCARD_V30, &d, buf, sizeof(buf),
					    &len, &err),
			0);
	buf[len] = '\0';
	test_assert(strstr(buf, "\r\n ") == NULL);
	test_assert(strstr(buf, note) != NULL);
	vcard_add_prop(c, NULL, "TITLE", &p);
	vcard_prop_add_value(c, p,
			     "高级软件工程师高级软件工程师高级软件工程师"
			     "高级软件工程师");
	test_assert_int(vcard_write_dialect(c, VCARD_V21, &d, buf, sizeof(buf),
					    &len, &err),
			0);
	buf[len] = '\0';
	test_assert(strstr(buf, "=\r\n") == NULL);
	test_assert_int(
		vcard_write_buf(c, VCARD_V21, buf, sizeof(buf), &len, &err), 0);
	buf[len] = '\0';
	test_assert(strstr(buf, "=\r\n") != NULL); /* the standard breaks */
	/* qp_unfolded (Synthesis engine): 2.1 QP in one line, 3.0 still
	 * folded */
	memset(&d, 0, sizeof(d));
	d.qp_unfolded = true;
	test_assert_int(vcard_write_dialect(c, VCARD_V21, &d, buf, sizeof(buf),
					    &len, &err),
			0);
	buf[len] = '\0';
	test_assert(strstr(buf, "=\r\n") == NULL);
	test_assert(strstr(buf, "TITLE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:"
				"=E9=AB=98") != NULL);
	test_assert_int(vcard_write_dialect(c, VCARD_V30, &d, buf, sizeof(buf),
					    &len, &err),
			0);
	buf[len] = '\0';
	test_assert(strstr(buf, "\r\n ") != NULL);
	/* limits: characters, not bytes; each component of N */
	memset(&d, 0, sizeof(d));
	strcpy(d.limits[0].name, "N");
	d.limits[0].max = 3;
	strcpy(d.limits[1].name, "title");
	d.limits[1].max = 4;
	d.n_limits = 2;
	test_assert_int(vcard_write_dialect(c, VCARD_V30, &d, buf, sizeof(buf),
					    &len, &err),
			0);
	buf[len] = '\0';
	test_assert(strstr(buf, "\r\nN:Mül;Zoë\r\n") != NULL);
	test_assert(strstr(buf, "\r\nTITLE:高级软件\r\n") != NULL);
	test_assert(strstr(buf, "FN:王芳\r\n") != NULL); /* no limit */
	vcard_free(&c);
	test_end();
}

static void test_many_types(void)
{
	static const char *const types[] = {"",  "A", "B", "",  "C", "D",
					    "E", "F", "G", "H", "I", ""};
	struct vcard *c = vcard_new(VCARD_V21), *back = NULL;
	struct vcard_limits lim = vcard_limits_default();
	struct vcard_error err;
	struct vcard_prop *p;
	char *s;

	test_begin("2.1: many TYPE values become one TYPE list that reads "
		   "back the same, empty ones included");
	vcard_add_prop(c, NULL, "TEL", &p);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		vcard_prop_add_param(c, p, "TYPE", types[i]);
	vcard_prop_add_value(c, p, "+86 138");
	s = write_str(c, VCARD_V21);
	test_assert(strstr(s, "TEL;TYPE=,A,B,,C,D,E,F,G,H,I,:+86 138\r\n") !=
		    NULL);
	test_assert_int(vcard_parse(s, strlen(s), &lim, &back, &err), 0);
	const struct vcard_prop *q = vcard_prop_get(back, "TEL", NULL);
	const struct vcard_param *t = q ? vcard_param_get(q, "TYPE") : NULL;
	test_assert(t != NULL && t->n_values == 12);
	for (size_t i = 0; t != NULL && i < t->n_values && i < 12; i++)
		test_assert_str(t->values[i], types[i]);
	free(s);
	vcard_free(&back);
	vcard_free(&c);
	/* a few stay one parameter each */
	c = vcard_new(VCARD_V21);
	vcard_add_prop(c, NULL, "TEL", &p);
	vcard_prop_add_param(c, p, "TYPE", "");
	vcard_prop_add_param(c, p, "TYPE", "CELL");
	vcard_prop_add_value(c, p, "1");
	s = write_str(c, VCARD_V21);
	test_assert(strstr(s, "\r\nTEL;TYPE=;CELL:1\r\n") != NULL);
	free(s);
	vcard_free(&c);
	test_end();
}

/* A deep 2.1 ORG of Chinese names: with n ASCII bytes before the first
 * character the old writer broke before its third (n 22), second (25)
 * or first (28) byte; now the break always falls before the character. */
static void test_qp_utf8_boundary(void)
{
	static const size_t pad[] = {22, 23, 24, 25, 26, 27, 28};

	test_begin("2.1 QP: soft breaks never inside a UTF-8 sequence");
	for (size_t t = 0; t < sizeof(pad) / sizeof(pad[0]); t++) {
		struct vcard *c = vcard_new(VCARD_V21);
		struct vcard_prop *p;
		char first[64], want[512];
		char *s;

		memset(first, 'x', pad[t]);
		strcpy(first + pad[t], "小组");
		vcard_add_prop(c, NULL, "ORG", &p);
		vcard_prop_add_value(c, p, first);
		vcard_prop_add_value(c, p, "二部");
		vcard_prop_add_value(c, p, "三科");
		vcard_prop_add_value(c, p, "四组");
		vcard_prop_add_value(c, p, "五队");
		memset(want, 0, sizeof(want));
		strcpy(want, "BEGIN:VCARD\r\nVERSION:2.1\r\n"
			     "ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:");
		memset(want + strlen(want), 'x', pad[t]);
		strcat(want, "=\r\n=E5=B0=8F=E7=BB=84;=E4=BA=8C=E9=83=A8;"
			     "=E4=B8=89=E7=A7=91;=E5=9B=9B=\r\n"
			     "=E7=BB=84;=E4=BA=94=E9=98=9F\r\nEND:VCARD\r\n");
		s = write_str(c, VCARD_V21);
		test_assert_str(s, want);
		free(s);
		vcard_free(&c);
	}
	test_end();
}

/* Decode one QP physical line (without its soft-break '=') to bytes. */
static size_t qp_decode(const char *l, size_t len, unsigned char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (l[i] == '=' && i + 2 < len) {
			char h[3] = {l[i + 1], l[i + 2], 0};
			out[n++] = (unsigned char)strtoul(h, NULL, 16);
			i += 2;
		} else {
			out[n++] = (unsigned char)l[i];
		}
	}
	return n;
}

/* Whole UTF-8 sequences only (lead byte then its continuation bytes). */
static bool whole_utf8(const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = b[i] < 0x80    ? 1
			   : b[i] >= 0xf0 ? 4
			   : b[i] >= 0xe0 ? 3
			   : b[i] >= 0xc0 ? 2
					  : 0;
		if (k == 0 || i + k > n)
			return false;
		for (size_t j = 1; j < k; j++)
			if ((b[i + j] & 0xc0) != 0x80)
				return false;
		i += k;
	}
	return true;
}

static void test_qp_utf8_property(void)
{
	static const char *const pieces[] = {"a", "=",  " ",  ":", ";",
					     "é", "小", "𠀀", "ß", "\n"};
	unsigned seed = 13;
	bool ok = true;

	test_begin("2.1 QP property: every line decodes to whole UTF-8, <= 76");
	for (int round = 0; round < 2000 && ok; round++) {
		struct vcard *c = vcard_new(VCARD_V21);
		struct vcard_prop *p;
		char v[400] = "";
		size_t vl = 0;
		int n;
		char *s;

		seed = seed * 1103515245u + 12345u;
		n = 1 + (int)((seed >> 16) % 90);
		for (int i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			const char *pc = pieces[(seed >> 16) % 10];
			memcpy(v + vl, pc, strlen(pc));
			vl += strlen(pc);
		}
		v[vl] = '\0';
		vcard_add_prop(c, NULL, "NOTE", &p);
		vcard_prop_add_value(c, p, v);
		s = write_str(c, VCARD_V21);
		for (const char *l = s; *l != '\0';) {
			const char *e = strstr(l, "\r\n");
			size_t len = (size_t)(e - l);
			unsigned char dec[128] = {0};

			if (len > 76)
				ok = false;
			if (strncmp(l, "NOTE;", 5) == 0)
				l = strchr(l, ':') + 1, len = (size_t)(e - l);
			if (len > 0 && l[len - 1] == '=')
				len--;
			if (len > 76 ||
			    !whole_utf8(dec, qp_decode(l, len, dec)))
				ok = false;
			l = e + 2;
		}
		free(s);
		vcard_free(&c);
	}
	test_assert_int(ok, true);
	test_end();
}

int main(void)
{
	test_qp_utf8_boundary();
	test_qp_utf8_property();
	test_exact();
	test_many_types();
	test_dialect();
	test_fold_and_binary();
	test_injection();
	test_buf();
	return test_done();
}
