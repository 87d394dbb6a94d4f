/* Unit tests for vcard/parse.c: unfolding, encodings, charsets, escapes,
 * limits and the per-card error recovery of the iterator. */
#include "config.h"

#include "tests/lib/test.h"
#include "vcard/vcard.h"

#include <stdlib.h>
#include <string.h>

static struct vcard *parse_ok(const char *s)
{
	struct vcard *card = NULL;
	struct vcard_error err = {0};
	int ret = vcard_parse(s, strlen(s), NULL, &card, &err);

	test_assert_int(ret, 0);
	if (ret < 0)
		test_fail(__FILE__, __LINE__, "error: %s", err.msg);
	return card;
}

static const char *val(const struct vcard *card, const char *name, size_t i)
{
	return vcard_prop_value(vcard_prop_get(card, name, NULL), i);
}

static void test_versions_and_unfold(void)
{
	struct vcard *c;

	test_begin("3.0 folds: space, TAB, inside a UTF-8 sequence");
	c = parse_ok("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jo\r\n hn\r\n\t Smith"
		     "\r\nNOTE:\xe7\r\n \x8e\x8b\r\nEND:VCARD\r\n");
	test_assert_int(c->version, VCARD_V30);
	test_assert_str(val(c, "FN", 0), "John Smith");
	test_assert_str(val(c, "NOTE", 0), "王");
	vcard_free(&c);
	test_end();

	test_begin("4.0 and 2.1 versions, missing VERSION reads as 3.0");
	c = parse_ok("BEGIN:VCARD\nVERSION:4.0\nFN:A\nEND:VCARD\n");
	test_assert_int(c->version, VCARD_V40);
	vcard_free(&c);
	c = parse_ok("BEGIN:VCARD\nVERSION:2.1\nFN:A\nEND:VCARD\n");
	test_assert_int(c->version, VCARD_V21);
	vcard_free(&c);
	c = parse_ok("BEGIN:VCARD\nFN:A\\nB\nEND:VCARD");
	test_assert_int(c->version, VCARD_V30);
	test_assert_str(val(c, "FN", 0), "A\nB");
	test_assert_int(c->n_props, 1);
	vcard_free(&c);
	test_end();
}

static void test_qp(void)
{
	struct vcard *c;

	test_begin("2.1 QP soft breaks without leading space (Android)");
	c = parse_ok(
		"BEGIN:VCARD\r\nVERSION:2.1\r\n"
		"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=92=D0=B8=\r\n"
		"=D0=BA;=D0=A2=\r\n=D0=BE\r\nEND:VCARD\r\n");
	test_assert_str(val(c, "N", 0), "Вик");
	test_assert_str(val(c, "N", 1), "То");
	test_assert_int(vcard_prop_get(c, "N", NULL)->n_params, 0);
	vcard_free(&c);
	test_end();

	test_begin("2.1 QP: CRLF becomes LF, bare QUOTED-PRINTABLE parameter");
	c = parse_ok("BEGIN:VCARD\nVERSION:2.1\nNOTE;QUOTED-PRINTABLE:a=0D=0Ab="
		     "0Dc=3D\nEND:VCARD\n");
	test_assert_str(val(c, "NOTE", 0), "a\nb\nc=");
	vcard_free(&c);
	test_end();

	test_begin("2.1 QP: '=' before END:VCARD is not a soft break");
	c = parse_ok(
		"BEGIN:VCARD\nVERSION:2.1\nNOTE;ENCODING=QUOTED-PRINTABLE:x="
		"\nEND:VCARD\n");
	test_assert_str(val(c, "NOTE", 0), "x");
	vcard_free(&c);
	test_end();
}

static void test_params(void)
{
	struct vcard *c;
	const struct vcard_prop *p;
	const struct vcard_param *pa;

	test_begin("2.1 bare parameters merge into TYPE, group kept");
	c = parse_ok(
		"BEGIN:VCARD\nVERSION:2.1\nitem1.TEL;CELL;WORK;X-A=1:+1 555"
		"\nEND:VCARD\n");
	p = vcard_prop_get(c, "tel", NULL);
	test_assert(p != NULL);
	test_assert_str(p->group, "item1");
	test_assert_int(p->n_params, 2);
	test_assert_str(p->params[0].name, "TYPE");
	test_assert_int(p->params[0].n_values, 2);
	test_assert_str(p->params[0].values[1], "WORK");
	test_assert_str(p->params[1].name, "X-A");
	test_assert(vcard_param_has(p, "type", "cell"));
	vcard_free(&c);
	test_end();

	test_begin("3.0 TYPE lists, quoted values with , ; :");
	c = parse_ok(
		"BEGIN:VCARD\nVERSION:3.0\nADR;TYPE=home,pref;LABEL=\"LV=, "
		"x;y:z\":;;LV=\\, Co;Riga\nEND:VCARD\n");
	p = vcard_prop_get(c, "ADR", NULL);
	pa = vcard_param_get(p, "LABEL");
	test_assert_int(vcard_param_get(p, "TYPE")->n_values, 2);
	test_assert_int(pa->n_values, 1);
	test_assert_str(pa->values[0], "LV=, x;y:z");
	test_assert_str(vcard_prop_value(p, 2), "LV=, Co");
	test_assert_int(p->n_values, 4);
	vcard_free(&c);
	test_end();

	test_begin("4.0 RFC 6868 caret decoding");
	c = parse_ok("BEGIN:VCARD\nVERSION:4.0\nADR;LABEL=\"a^nb^'c^^\":;;x\n"
		     "END:VCARD\n");
	pa = vcard_param_get(vcard_prop_get(c, "ADR", NULL), "LABEL");
	test_assert_str(pa->values[0], "a\nb\"c^");
	vcard_free(&c);
	test_end();
}

static void test_values(void)
{
	struct vcard *c;
	const struct vcard_prop *p;

	test_begin("escapes, structured N/ORG, CATEGORIES split at ','");
	c = parse_ok(
		"BEGIN:VCARD\nVERSION:3.0\nN:Doe;John\\, Jr.;;;\nORG:A\\;B;"
		"Unit;Sub\nCATEGORIES:a,b\\,c\nNOTE:x\\\\y\\q\nEND:VCARD\n");
	test_assert_str(val(c, "N", 1), "John, Jr.");
	test_assert_int(vcard_prop_get(c, "N", NULL)->n_values, 5);
	test_assert_str(val(c, "ORG", 0), "A;B");
	test_assert_str(val(c, "ORG", 2), "Sub");
	test_assert_int(vcard_prop_get(c, "CATEGORIES", NULL)->n_values, 2);
	test_assert_str(val(c, "CATEGORIES", 1), "b,c");
	test_assert_str(val(c, "NOTE", 0), "x\\y\\q");
	vcard_free(&c);
	test_end();

	test_begin("2.1 BASE64 photo with continuation lines and blank end");
	c = parse_ok(
		"BEGIN:VCARD\r\nVERSION:2.1\r\nPHOTO;ENCODING=BASE64;TYPE=JP"
		"EG:\r\n/9j/4A\r\nAQ\r\n\r\nFN:x\r\nEND:VCARD\r\n");
	p = vcard_prop_get(c, "PHOTO", NULL);
	test_assert(p->binary);
	test_assert_int(p->bin_len, 6);
	test_assert_mem(p->values[0], p->bin_len, "\xff\xd8\xff\xe0\x00\x10",
			6);
	test_assert_str(val(c, "FN", 0), "x");
	vcard_free(&c);
	test_end();

	test_begin("data: URI becomes binary with MEDIATYPE; http URI stays");
	c = parse_ok("BEGIN:VCARD\nVERSION:4.0\nPHOTO;VALUE=uri:data:image/png;"
		     "base64,iVBO\nLOGO:http://x/a.png\nEND:VCARD\n");
	p = vcard_prop_get(c, "PHOTO", NULL);
	test_assert(p->binary);
	test_assert_int(p->bin_len, 3);
	test_assert_int(p->n_params, 1);
	test_assert_str(p->params[0].name, "MEDIATYPE");
	test_assert_str(p->params[0].values[0], "image/png");
	test_assert_str(val(c, "LOGO", 0), "http://x/a.png");
	vcard_free(&c);
	test_end();

	test_begin("CHARSET conversions and the 2.1 Windows-1252 fallback");
	c = parse_ok("BEGIN:VCARD\nVERSION:2.1\nFN;CHARSET=BIG5:\xb3\xaf\n"
		     "NOTE:\x80 caf\xe9\nEND:VCARD\n");
	test_assert_str(val(c, "FN", 0), "陳");
	test_assert_str(val(c, "NOTE", 0), "€ café");
	vcard_free(&c);
	test_end();
}

static void expect_err(const char *in, int code, const char *text)
{
	struct vcard *c = NULL;
	struct vcard_error err = {0};
	char buf[256];

	test_assert_int(vcard_parse(in, strlen(in), NULL, &c, &err), code);
	test_assert_str(vcard_error_format(&err, buf, sizeof(buf)), text);
	test_assert(c == NULL);
}

static void test_errors(void)
{
	test_begin("errors name line and property");
	expect_err("", VCARD_E_PARSE, "no BEGIN:VCARD");
	expect_err("BEGIN:VCARD\nVERSION:3.0\nN:\xff\nEND:VCARD\n",
		   VCARD_E_PARSE, "line 3, N: invalid UTF-8");
	expect_err(
		"BEGIN:VCARD\nVERSION:2.1\nFN;CHARSET=KLINGON:x\nEND:VCARD\n",
		VCARD_E_PARSE, "line 3, FN: unknown charset KLINGON");
	expect_err("BEGIN:VCARD\nVERSION:3.0\nFN:x\n", VCARD_E_PARSE,
		   "line 1, BEGIN: card has no END:VCARD");
	test_end();

	test_begin("limits: properties, line, photo, parameters");
	{
		struct vcard_limits lim = vcard_limits_default();
		struct vcard *c = NULL;
		struct vcard_error err;
		const char *in =
			"BEGIN:VCARD\nFN:a\nNOTE:bbbbbbbbbbbbbbbb\nPHOTO;"
			"ENCODING=b:AAAAAAAA\nEND:VCARD\n";

		lim.max_props = 1;
		test_assert_int(vcard_parse(in, strlen(in), &lim, &c, &err),
				VCARD_E_LIMIT);
		test_assert_str(err.msg, "too many properties (cap 1)");
		test_assert_int(err.line, 3);
		lim = vcard_limits_default();
		lim.max_line = 10;
		test_assert_int(vcard_parse(in, strlen(in), &lim, &c, &err),
				VCARD_E_LIMIT);
		test_assert_str(err.prop, "NOTE");
		lim = vcard_limits_default();
		lim.max_photo_bytes = 5;
		test_assert_int(vcard_parse(in, strlen(in), &lim, &c, &err),
				VCARD_E_LIMIT);
		test_assert_str(err.msg, "photo too large (cap 0 KiB)");
		lim = vcard_limits_default();
		lim.max_card_bytes = 20;
		test_assert_int(vcard_parse(in, strlen(in), &lim, &c, &err),
				VCARD_E_LIMIT);
		test_assert_str(err.msg, "card too large (cap 0 KiB)");
	}
	test_end();
}

static void test_iterator(void)
{
	const char *in = "junk\r\nBEGIN:VCARD\r\nFN:one\r\nEND:VCARD\r\n"
			 "BEGIN:VCARD\r\nFN:\xc0\r\nTEL:1\r\nEND:VCARD\r\n"
			 "BEGIN:VCARD\r\nFN:three\r\n"
			 "BEGIN:VCARD\r\nFN:four\r\nEND:VCARD\r\n";
	struct vcard_parser *p;
	struct vcard *c;
	struct vcard_error err;
	struct vcard_limits lim = vcard_limits_default();

	test_begin(
		"iterator: per-card errors, resume at next BEGIN, max_cards");
	test_assert_int(vcard_parser_new(in, strlen(in), NULL, &p), 0);
	test_assert_int(vcard_parser_next(p, &c, &err), 1);
	test_assert_str(val(c, "FN", 0), "one");
	vcard_free(&c);
	test_assert_int(vcard_parser_next(p, &c, &err), VCARD_E_PARSE);
	test_assert_int(err.line, 6);
	test_assert_int(vcard_parser_next(p, &c, &err), VCARD_E_PARSE);
	test_assert_str(err.msg, "nested vCard not supported");
	test_assert_int(vcard_parser_next(p, &c, &err), 0);
	vcard_parser_free(&p);

	lim.max_cards = 1;
	test_assert_int(vcard_parser_new(in, strlen(in), &lim, &p), 0);
	test_assert_int(vcard_parser_next(p, &c, &err), 1);
	vcard_free(&c);
	test_assert_int(vcard_parser_next(p, &c, &err), VCARD_E_LIMIT);
	test_assert_int(vcard_parser_next(p, &c, &err), VCARD_E_LIMIT);
	vcard_parser_free(&p);
	vcard_parser_free(&p);
	test_end();

	test_begin("never reads past len (input cut inside a card)");
	{
		size_t n = strlen("BEGIN:VCARD\r\nFN:one");
		char *exact = malloc(n);

		memcpy(exact, in + 6, n);
		test_assert_int(vcard_parse(exact, n, NULL, &c, &err),
				VCARD_E_PARSE);
		free(exact);
	}
	test_end();
}

int main(void)
{
	test_versions_and_unfold();
	test_qp();
	test_params();
	test_values();
	test_errors();
	test_iterator();
	return test_done();
}
