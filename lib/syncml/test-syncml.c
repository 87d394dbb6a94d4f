/* lib/syncml: XML and WBXML decoding of real client messages (SyncEvolution
 * captures in testdata/syncml/), the header checks, every truncation and
 * the caps, the writer's escaping, and our WBXML encoder: read back by our
 * decoder and compared byte for byte with libwbxml2's converter. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syncml/encode.h"
#include "syncml/msg.h"
#include "syncml/wbxml.h"
#include "syncml/writer.h"
#include "syncml/xml.h"
#include "tests/lib/test.h"
#include "util/buf.h"
#include "util/file.h"

#include <wbxml/wbxml.h>

static struct ob_buf load(const char *rel)
{
	struct ob_buf b;
	struct ob_err err;

	ob_buf_init(&b, 1u << 20);
	if (ob_file_read(test_srcpath(rel), &b, &err) != 0) {
		printf("# %s: %s\n", rel, err.msg);
		exit(99);
	}
	return b;
}

/* "name(ns)=data" for every node, depth-first, CRs dropped from data. */
static void dump(const struct sml_node *n, struct ob_buf *out)
{
	for (; n != NULL; n = n->next) {
		ob_buf_addf(out, "<%s:%d", n->name, (int)n->ns);
		if (n->first == NULL) {
			ob_buf_add_char(out, '=');
			for (size_t i = 0; i < n->len; i++)
				if (n->data[i] != '\r')
					ob_buf_add_char(out, (char)n->data[i]);
		}
		dump(n->first, out);
		ob_buf_add_char(out, '>');
	}
}

static void test_syncevolution_captures(void)
{
	struct ob_buf x =
		load("testdata/syncml/syncevolution/pkg1-xml-md5.xml");
	struct ob_buf w =
		load("testdata/syncml/syncevolution/pkg1-wbxml-md5.wbxml");
	struct ob_buf wb =
		load("testdata/syncml/syncevolution/pkg1-wbxml-basic.wbxml");
	struct sml_tree *tx = NULL, *tw = NULL, *tb = NULL;
	struct sml_msg mx, mw, mb;
	struct ob_err err;

	test_begin("SyncEvolution package 1: XML and WBXML decode alike");
	test_assert_int(sml_xml_parse(x.data, x.len, NULL, &tx, &err), 0);
	test_assert_int(sml_wbxml_decode((const unsigned char *)w.data, w.len,
					 NULL, &tw, &err),
			0);
	test_assert_int(sml_wbxml_decode((const unsigned char *)wb.data, wb.len,
					 NULL, &tb, &err),
			0);
	test_assert_int(sml_tree_version(tw), SML_VER_12);
	test_assert_int(sml_msg_read(&tx, &mx, &err), 0);
	test_assert_int(sml_msg_read(&tw, &mw, &err), 0);
	test_assert_int(sml_msg_read(&tb, &mb, &err), 0);
	test_assert_int(mw.hdr.version, SML_VER_12);
	test_assert_str(mw.hdr.session_id, "5");
	test_assert_int(mw.hdr.msg_id, 1);
	test_assert_str(mw.hdr.source_uri, "syncevolution-capture");
	test_assert_str(mw.hdr.source_name, "alice");
	test_assert_int(mw.hdr.max_msg_size, 150000);
	test_assert_int(mw.hdr.max_obj_size, 4000000);
	test_assert_int(mw.final, 1);
	/* MD5 with the empty nonce, as SyncEvolution signs its first message
	 * before any challenge (b64(md5(b64(md5(user:pw)) ":"))). */
	test_assert_str(sml_node_text(mx.hdr.cred, "Data"),
			"lOnT4YjHnGPOubN9TXInoQ==");
	test_assert_str(sml_meta(mw.hdr.cred, NULL, "Type"), "syncml:auth-md5");
	test_assert_str(sml_node_text(mb.hdr.cred, "Data"), "YWxpY2U6c2VjcmV0");
	/* The DevInf nested in OPAQUE reads like the inline XML one. */
	const struct sml_node *put = sml_node_child(mw.body, "Put");
	test_assert_str(sml_node_text(put, "Item/Data/DevInf/Mod"),
			"SyncEvolution");
	test_assert_int(sml_node_path(put, "Item/Data/DevInf")->ns,
			SML_NS_DEVINF);
	test_assert_str(sml_node_text(put, "Item/Data/DevInf/DataStore/"
					   "Rx-Pref/CTType"),
			"text/vcard");
	const struct sml_node *alert = sml_node_child(mw.body, "Alert");
	test_assert_str(sml_node_text(alert, "Data"), "201");
	test_assert_str(sml_node_text(alert, "Item/Target/LocURI"), "contacts");
	test_assert(*sml_meta(sml_node_child(alert, "Item"), alert,
			      "Anchor/Next") != '\0');
	/* Whole trees: equal but for the anchors (different runs). */
	struct ob_buf dx, dw;
	ob_buf_init(&dx, 1u << 20);
	ob_buf_init(&dw, 1u << 20);
	dump(sml_tree_root(mx.tree), &dx);
	dump(sml_tree_root(mw.tree), &dw);
	/* The WBXML one says its DevInf is WBXML: the only difference. */
	int swaps = 0;
	for (char *wt; (wt = strstr(dw.data, "devinf+wbxml")) != NULL; swaps++)
		memmove(wt + 7, wt + 9, strlen(wt + 9) + 1);
	test_assert_int(swaps, 2);
	test_assert_str(dw.data, dx.data);
	ob_buf_deinit(&dx);
	ob_buf_deinit(&dw);
	sml_msg_deinit(&mx);
	sml_msg_deinit(&mw);
	sml_msg_deinit(&mb);
	test_end();

	test_begin("every truncation of a real message fails cleanly");
	int bad = 0;
	for (size_t n = 0; n < w.len; n++) {
		struct sml_tree *t = NULL;
		if (sml_wbxml_decode((const unsigned char *)w.data, n, NULL, &t,
				     &err) != OB_E_PARSE)
			bad++;
		sml_tree_free(&t);
	}
	test_assert_int(bad, 0);
	for (size_t n = 0; n < x.len; n += 7) {
		struct sml_tree *t = NULL;
		int r = sml_xml_parse(x.data, n, NULL, &t, &err);
		if (r != OB_E_PARSE)
			bad++;
		sml_tree_free(&t);
	}
	test_assert_int(bad, 0);
	test_end();
	ob_buf_deinit(&x);
	ob_buf_deinit(&w);
	ob_buf_deinit(&wb);
}

static void test_wbxml_tokens(void)
{
	struct sml_tree *t = NULL;
	struct ob_err err;

	test_begin("WBXML: opaque bytes kept, Latin-1, literal, entity, table");
	/* 1.2, pubid 0x1201, charset ISO-8859-1 (4), string table "x\0Foo\0"
	 * SyncML > Cred > Data OPAQUE 00 ff 8f; LocName STR_I "Jos\xe9";
	 * LITERAL "Foo" with ENTITY U+4E2D and STR_T "x". */
	static const unsigned char doc[] = {
		0x02, 0xa4, 0x01, 0x04, 0x06, 'x',  0,    'F',  'o',  'o',
		0,    0x6d, 0x4e, 0x4f, 0xc3, 0x03, 0x00, 0xff, 0x8f, 0x01,
		0x01, 0x56, 0x03, 'J',  'o',  's',  0xe9, 0x00, 0x01, 0x44,
		0x02, 0x02, 0x81, 0x9c, 0x2d, 0x83, 0x00, 0x01, 0x01};
	test_assert_int(sml_wbxml_decode(doc, sizeof(doc), NULL, &t, &err), 0);
	const struct sml_node *r = sml_tree_root(t);
	test_assert_str(r->name, "SyncML");
	const struct sml_node *d = sml_node_path(r, "Cred/Data");
	test_assert_int(d->len, 3);
	test_assert_mem(d->data, d->len, "\x00\xff\x8f", 3);
	test_assert_int(d->opaque, 1);
	test_assert_str(sml_node_text(r, "LocName"), "Jos\xc3\xa9");
	test_assert_str(sml_node_text(r, "Foo"), "\xe4\xb8\xadx");
	/* sml_node_text refuses data with a NUL */
	test_assert_str(sml_node_text(r, "Cred/Data"), "");
	sml_tree_free(&t);
	static const unsigned char trailing[] = {0x02, 0xa4, 0x01, 0x6a,
						 0x00, 0x2d, 0x2d};
	test_assert_int(
		sml_wbxml_decode(trailing, sizeof(trailing), NULL, &t, &err),
		OB_E_PARSE);
	static const unsigned char badint[] = {0x02, 0xff, 0xff, 0xff,
					       0xff, 0xff, 0x01};
	test_assert_int(
		sml_wbxml_decode(badint, sizeof(badint), NULL, &t, &err),
		OB_E_PARSE);
	static const unsigned char unknown[] = {0x02, 0xa4, 0x01, 0x6a,
						0x00, 0x7f, 0x01};
	test_assert_int(
		sml_wbxml_decode(unknown, sizeof(unknown), NULL, &t, &err),
		OB_E_PARSE);
	test_assert(strstr(err.msg, "unknown tag 0x3f") != NULL);
	static const unsigned char huge[] = {0x02, 0xa4, 0x01, 0x6a,
					     0x00, 0x6d, 0xc3, 0x8f,
					     0xff, 0xff, 0x7f, 0x01};
	test_assert_int(sml_wbxml_decode(huge, sizeof(huge), NULL, &t, &err),
			OB_E_PARSE);
	test_end();

	test_begin("WBXML and XML: depth and size caps");
	unsigned char bomb[4000];
	size_t n = 0;
	memcpy(bomb, "\x02\xa4\x01\x6a\x00", 5);
	n = 5;
	while (n < sizeof(bomb) - 1)
		bomb[n++] = 0x6d; /* SyncML with content, nested */
	test_assert_int(sml_wbxml_decode(bomb, n, NULL, &t, &err), OB_E_LIMIT);
	struct ob_buf x;
	ob_buf_init(&x, 1u << 20);
	for (int i = 0; i < 100; i++)
		ob_buf_add_str(&x, "<a>");
	test_assert_int(sml_xml_parse(x.data, x.len, NULL, &t, &err),
			OB_E_LIMIT);
	ob_buf_reset(&x);
	ob_buf_add_str(&x, "<SyncML><Data>");
	for (int i = 0; i < 2000; i++)
		ob_buf_add_str(&x, "0123456789");
	ob_buf_add_str(&x, "</Data></SyncML>");
	struct sml_limits small = {.tree_bytes = 8192};
	test_assert_int(sml_xml_parse(x.data, x.len, &small, &t, &err),
			OB_E_LIMIT);
	ob_buf_deinit(&x);
	test_end();

	test_begin("XML: entities refused, namespaces give the version");
	const char *lol = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x "
			  "\"y\">]><a>&x;</a>";
	test_assert_int(sml_xml_parse(lol, strlen(lol), NULL, &t, &err),
			OB_E_PARSE);
	test_assert(strstr(err.msg, "entity") != NULL);
	const char *v11 = "<SyncML xmlns=\"SYNCML:SYNCML1.1\"><SyncHdr/>"
			  "</SyncML>";
	test_assert_int(sml_xml_parse(v11, strlen(v11), NULL, &t, &err), 0);
	test_assert_int(sml_tree_version(t), SML_VER_11);
	struct sml_msg m;
	test_assert_int(sml_msg_read(&t, &m, &err), OB_E_PARSE);
	test_assert(strstr(err.msg, "MsgID") != NULL);
	sml_msg_deinit(&m);
	test_end();
}

static void test_writer_and_encoder(void)
{
	struct sml_writer w;
	struct sml_tree *tx = NULL, *tw = NULL;
	struct ob_buf wb;
	struct ob_err err;
	size_t len;
	static const char card[] = "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET="
				   "UTF-8:\xe5\xbc\xa0;\xe4\xb8\x89\r\nNOTE:"
				   "a ]]> b & <c>\r\nEND:VCARD\r\n";

	test_begin("writer escapes text, splits CDATA; WBXML round trip");
	sml_writer_init(&w, 1u << 20);
	sml_writer_open(&w, "SyncML", "SYNCML:SYNCML1.2");
	sml_writer_open(&w, "SyncHdr", NULL);
	sml_writer_text(&w, "VerDTD", "1.2");
	sml_writer_text(&w, "SessionID", "a<b&c>");
	sml_writer_uint(&w, "MsgID", 7);
	sml_writer_close(&w);
	sml_writer_open(&w, "SyncBody", NULL);
	sml_writer_open(&w, "Add", NULL);
	sml_writer_uint(&w, "CmdID", 1);
	sml_writer_open(&w, "Meta", NULL);
	sml_writer_text_ns(&w, "Type", "syncml:metinf", "text/x-vcard");
	sml_writer_close(&w);
	sml_writer_open(&w, "Item", NULL);
	sml_writer_cdata(&w, "Data", card, strlen(card));
	sml_writer_close(&w);
	sml_writer_close(&w);
	sml_writer_empty(&w, "Final");
	sml_writer_close(&w);
	sml_writer_close(&w);
	test_assert_int(sml_writer_error(&w), 0);
	const char *xml = sml_writer_data(&w, &len);
	test_assert(strstr(xml, "a&lt;b&amp;c&gt;") != NULL);
	test_assert_int(sml_xml_parse(xml, len, NULL, &tx, &err), 0);
	test_assert_str(sml_node_text(sml_tree_root(tx), "SyncHdr/SessionID"),
			"a<b&c>");
	ob_buf_init(&wb, 1u << 20);
	test_assert_int(sml_wbxml_encode(xml, len, 0, &wb, &err), 0);
	test_assert(wb.len > 0 && wb.len < len);
	test_assert_int(sml_wbxml_decode((const unsigned char *)wb.data, wb.len,
					 NULL, &tw, &err),
			0);
	struct ob_buf dx, dw;
	ob_buf_init(&dx, 1u << 20);
	ob_buf_init(&dw, 1u << 20);
	dump(sml_tree_root(tx), &dx);
	dump(sml_tree_root(tw), &dw);
	test_assert_str(ob_buf_str(&dw), ob_buf_str(&dx));
	/* The vCard survives both ways (CRs aside, which XML drops). */
	test_assert(strstr(ob_buf_str(&dw), "NOTE:a ]]> b & <c>") != NULL);
	const struct sml_node *d =
		sml_node_path(sml_tree_root(tw), "SyncBody/Add/Item/Data");
	test_assert(d->len >= strlen(card) - 6);
	ob_buf_deinit(&dx);
	ob_buf_deinit(&dw);
	ob_buf_deinit(&wb);
	sml_tree_free(&tx);
	sml_tree_free(&tw);
	sml_writer_deinit(&w);
	test_end();

	test_begin("writer: echoed bytes that XML cannot carry become '?'");
	sml_writer_init(&w, 4096);
	sml_writer_open(&w, "SyncML", "SYNCML:SYNCML1.2");
	sml_writer_text(&w, "LocURI",
			"a\x01"
			"b\xff\xc3(c\xe4\xb8\xad\td");
	sml_writer_close(&w);
	xml = sml_writer_data(&w, &len);
	test_assert_int(sml_xml_parse(xml, len, NULL, &tx, &err), 0);
	test_assert_str(sml_node_text(sml_tree_root(tx), "LocURI"),
			"a?b?"
			"?(c\xe4\xb8\xad\td");
	ob_buf_init(&wb, 1u << 16);
	test_assert_int(sml_wbxml_encode(xml, len, 0, &wb, &err), 0);
	ob_buf_deinit(&wb);
	sml_tree_free(&tx);
	sml_writer_deinit(&w);
	test_end();

	test_begin("the end of a CDATA section is found wherever it is");
	{
		static const struct {
			const char *s;
			long at;
		} cases[] = {{"", -1},        {"]]>", 0},      {"a]]>", 1},
			     {"]]]>", 1},     {"]>]]>", 2},    {"]] >", -1},
			     {"ab]]", -1},    {"x]]>y]]>", 1}, {"]]", -1},
			     {"a]b]]c]]>", 6}};
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const char *hit =
				sml_cdata_end(cases[i].s, strlen(cases[i].s));
			test_assert_int(hit == NULL ? -1
						    : (long)(hit - cases[i].s),
					cases[i].at);
		}
	}
	test_end();

	char buf[64];
	test_begin("URIs are normalised for datastore lookup");
	test_assert_str(sml_uri_normalize("./contacts/", buf, sizeof(buf)),
			"contacts");
	test_assert_str(
		sml_uri_normalize("contacts/Sales?x=1", buf, sizeof(buf)),
		"contacts/Sales");
	test_end();
}

/* What libwbxml2 0.11's converter makes of xml, as the server once sent. */
static int libwbxml_encode(const char *xml, size_t len, struct ob_buf *out)
{
	WBXMLConvXML2WBXML *conv = NULL;
	WB_UTINY *wb = NULL;
	WB_ULONG wlen = 0;

	if (wbxml_conv_xml2wbxml_create(&conv) != WBXML_OK)
		return -1;
	wbxml_conv_xml2wbxml_set_version(conv, WBXML_VERSION_12);
	wbxml_conv_xml2wbxml_enable_preserve_whitespaces(conv);
	wbxml_conv_xml2wbxml_disable_string_table(conv);
	WBXMLError e = wbxml_conv_xml2wbxml_run(conv, (WB_UTINY *)xml,
						(WB_ULONG)len, &wb, &wlen);
	wbxml_conv_xml2wbxml_destroy(conv);
	if (e != WBXML_OK)
		return -1;
	int ret = ob_buf_add(out, wb, wlen);
	free(wb);
	return ret;
}

static void test_encoder_matches_libwbxml(void)
{
	static const char card[] =
		"BEGIN:VCARD\r\nVERSION:2.1\r\n"
		"N;CHARSET=UTF-8:\xe5\xbc\xa0;\xe4\xb8\x89\r\n"
		"NOTE:a <b> & c\r\nEND:VCARD\r\n";
	const char *vers[] = {"SYNCML:SYNCML1.2", "SYNCML:SYNCML1.1"};

	/* (A card holding "]]>" is written as two CDATA sections, which
	 * libwbxml2 turns into two OPAQUEs and we into one: test 6.) */
	test_begin("our WBXML encoder writes what libwbxml2 writes");
	for (size_t v = 0; v < 2; v++) {
		struct sml_writer w;
		struct ob_buf ours, theirs;
		struct ob_err err;
		size_t len;

		sml_writer_init(&w, 1u << 20);
		sml_writer_open(&w, "SyncML", vers[v]);
		sml_writer_open(&w, "SyncHdr", NULL);
		sml_writer_text(&w, "VerDTD", v == 0 ? "1.2" : "1.1");
		sml_writer_text(&w, "SessionID", "a<b&c>\xc3\xa9\"'");
		sml_writer_uint(&w, "MsgID", 12345678901ULL);
		sml_writer_open(&w, "Meta", NULL);
		sml_writer_text_ns(&w, "MaxMsgSize", "syncml:metinf", "4000");
		sml_writer_close(&w);
		sml_writer_close(&w);
		sml_writer_open(&w, "SyncBody", NULL);
		sml_writer_open(&w, "Status", NULL);
		sml_writer_uint(&w, "CmdID", 1);
		sml_writer_open(&w, "Chal", NULL);
		sml_writer_open(&w, "Meta", NULL);
		sml_writer_text_ns(&w, "Type", "syncml:metinf",
				   "syncml:auth-md5");
		sml_writer_text_ns(&w, "Format", "syncml:metinf", "b64");
		sml_writer_text_ns(&w, "NextNonce", "syncml:metinf",
				   "Zm9vYmFy");
		sml_writer_close(&w);
		sml_writer_close(&w);
		sml_writer_uint(&w, "Data", 407);
		sml_writer_close(&w);
		sml_writer_open(&w, "Results", NULL);
		sml_writer_open(&w, "Meta", NULL);
		sml_writer_text_ns(&w, "Type", "syncml:metinf",
				   "application/vnd.syncml-devinf+xml");
		sml_writer_close(&w);
		sml_writer_open(&w, "Item", NULL);
		sml_writer_open(&w, "Data", NULL);
		sml_writer_open(&w, "DevInf", "syncml:devinf");
		sml_writer_text(&w, "VerDTD", "1.2");
		sml_writer_text(&w, "Man", "Orgbook");
		sml_writer_empty(&w, "SupportLargeObjs");
		sml_writer_open(&w, "DataStore", NULL);
		sml_writer_text(&w, "SourceRef", "contacts");
		sml_writer_open(&w, "Rx-Pref", NULL);
		sml_writer_text(&w, "CTType", "text/x-vcard");
		sml_writer_close(&w);
		sml_writer_close(&w);
		sml_writer_close(&w);
		sml_writer_close(&w);
		sml_writer_close(&w);
		sml_writer_close(&w);
		sml_writer_open(&w, "Sync", NULL);
		sml_writer_open(&w, "Meta", NULL);
		sml_writer_text_ns(&w, "Type", "syncml:metinf", "text/x-vcard");
		sml_writer_close(&w);
		sml_writer_open(&w, "Add", NULL);
		sml_writer_open(&w, "Item", NULL);
		sml_writer_open(&w, "Meta", NULL);
		sml_writer_text_ns(&w, "Size", "syncml:metinf", "120");
		sml_writer_close(&w);
		sml_writer_open(&w, "Source", NULL);
		sml_writer_text(&w, "LocURI", "p0000001");
		sml_writer_close(&w);
		sml_writer_cdata(&w, "Data", card, strlen(card));
		sml_writer_empty(&w, "MoreData");
		sml_writer_close(&w);
		sml_writer_close(&w);
		sml_writer_close(&w);
		sml_writer_text(&w, "Empty-is-not-written", NULL);
		sml_writer_textn(&w, "LocName", "", 0);
		sml_writer_empty(&w, "Final");
		sml_writer_close(&w);
		sml_writer_close(&w);
		test_assert_int(sml_writer_error(&w), 0);
		const char *xml = sml_writer_data(&w, &len);
		ob_buf_init(&ours, 1u << 20);
		ob_buf_init(&theirs, 1u << 20);
		test_assert_int(sml_wbxml_encode(xml, len, 0, &ours, &err), 0);
		test_assert_int(libwbxml_encode(xml, len, &theirs), 0);
		size_t at = 0;
		while (at < ours.len && at < theirs.len &&
		       ours.data[at] == theirs.data[at])
			at++;
		if (at < ours.len || at < theirs.len) {
			printf("# first difference at byte %zu:\n# ours  ", at);
			for (size_t i = at; i < ours.len && i < at + 24; i++)
				printf(" %02x", (unsigned char)ours.data[i]);
			printf("\n# theirs");
			for (size_t i = at; i < theirs.len && i < at + 24; i++)
				printf(" %02x", (unsigned char)theirs.data[i]);
			printf("\n");
		}
		test_assert_int((long)ours.len, (long)theirs.len);
		test_assert(ours.len == theirs.len &&
			    memcmp(ours.data, theirs.data, ours.len) == 0);
		ob_buf_deinit(&ours);
		ob_buf_deinit(&theirs);
		sml_writer_deinit(&w);
	}
	test_end();

	test_begin("our WBXML encoder refuses XML it was not made for");
	const char *bad[] = {
		"",
		"<Other/>",
		"<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr a=\"1\"/>"
		"</SyncML>",
		"<SyncML xmlns=\"SYNCML:SYNCML1.2\"><Unknown/></SyncML>",
		"<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr></SyncBody>"
		"</SyncML>",
		"<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr>",
		"<SyncML xmlns=\"SYNCML:SYNCML1.2\"><Data>&bogus;</Data>"
		"</SyncML>",
		"<SyncML xmlns=\"SYNCML:SYNCML1.2\"><Data>&#0;</Data>"
		"</SyncML>",
		"<SyncML xmlns=\"SYNCML:SYNCML1.2\"><Data><![CDATA[x"
		"</Data></SyncML>",
		"<SyncML xmlns=\"SYNCML:SYNCML1.2\"><!-- c --></SyncML>",
		"<SyncML xmlns=\"SYNCML:SYNCML1.2\"/><SyncML/>",
		"<SyncML xmlns=\"x:y\"/>",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ob_buf out;
		struct ob_err err;
		ob_buf_init(&out, 1u << 16);
		int ret =
			sml_wbxml_encode(bad[i], strlen(bad[i]), 0, &out, &err);
		if (ret != OB_E_FAIL)
			printf("# case %zu: %d\n", i, ret);
		test_assert_int(ret, OB_E_FAIL);
		ob_buf_deinit(&out);
	}
	/* and honours the cap */
	{
		struct ob_buf out;
		struct ob_err err;
		const char *ok = "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr>"
				 "<SessionID>123456789</SessionID></SyncHdr>"
				 "</SyncML>";
		ob_buf_init(&out, 8);
		test_assert_int(sml_wbxml_encode(ok, strlen(ok), 0, &out, &err),
				OB_E_LIMIT);
		ob_buf_deinit(&out);
	}
	test_end();
}

/* What libwbxml2's reader (wbxml2xml) makes of wb, as XML. */
static int libwbxml_decode(const struct ob_buf *wb, struct ob_buf *xml)
{
	WBXMLConvWBXML2XML *conv = NULL;
	WB_UTINY *x = NULL;
	WB_ULONG xlen = 0;

	if (wbxml_conv_wbxml2xml_create(&conv) != WBXML_OK)
		return -1;
	wbxml_conv_wbxml2xml_set_gen_type(conv, WBXML_GEN_XML_COMPACT);
	wbxml_conv_wbxml2xml_enable_preserve_whitespaces(conv);
	WBXMLError e = wbxml_conv_wbxml2xml_run(conv, (WB_UTINY *)wb->data,
						(WB_ULONG)wb->len, &x, &xlen);
	wbxml_conv_wbxml2xml_destroy(conv);
	if (e != WBXML_OK)
		return -1;
	int ret = ob_buf_add(xml, x, xlen);
	free(x);
	return ret;
}

/* A Sync of n people of three units, vCard 2.1 as the server writes them;
 * one NOTE carries "]]>", which splits its CDATA section. */
static const char *units_message(struct sml_writer *w, int n, size_t *len_r)
{
	static const char *const orgs[] = {
		"ORG:Acme Corp;Engineering;Platform\r\n"
		"CATEGORIES:Engineering,Platform\r\n",
		"ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Acme "
		"Corp;=E9=94=80=E5"
		"=94=AE\r\nCATEGORIES:Sales\r\n",
		"ORG:Acme Corp;Finance\r\nCATEGORIES:Finance\r\n"};
	char card[1024];

	sml_writer_init(w, 1u << 20);
	sml_writer_open(w, "SyncML", "SYNCML:SYNCML1.2");
	sml_writer_open(w, "SyncBody", NULL);
	sml_writer_open(w, "Sync", NULL);
	for (int i = 0; i < n; i++) {
		char guid[16];
		snprintf(card, sizeof(card),
			 "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Person%d;Given%d;;;"
			 "\r\n"
			 "FN:Given%d Person%d\r\n%s"
			 "TEL;WORK;VOICE:+86 10 5555 %04d\r\n"
			 "EMAIL;INTERNET:p%d@example.com\r\n"
			 "TITLE:Engineer\r\n%s"
			 "UID:p%07d\r\nEND:VCARD\r\n",
			 i, i, i, i, orgs[i % 3], i, i,
			 i == 7 ? "NOTE:a ]]> b\r\n" : "", i);
		snprintf(guid, sizeof(guid), "p%07d", i);
		sml_writer_open(w, "Add", NULL);
		sml_writer_uint(w, "CmdID", (uint64_t)i + 1);
		sml_writer_open(w, "Item", NULL);
		sml_writer_open(w, "Source", NULL);
		sml_writer_text(w, "LocURI", guid);
		sml_writer_close(w);
		sml_writer_cdata(w, "Data", card, strlen(card));
		sml_writer_close(w);
		sml_writer_close(w);
	}
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_close(w);
	return sml_writer_data(w, len_r);
}

static void test_string_table(void)
{
	struct sml_writer w;
	struct ob_buf plain, tbl, again, x1;
	struct sml_tree *tp = NULL, *tt = NULL, *t1 = NULL;
	struct ob_err err;
	size_t len;

	test_begin("WBXML string table: repeated vCard lines sent once, the "
		   "same cards read back");
	const char *xml = units_message(&w, 60, &len);
	ob_buf_init(&plain, 1u << 20);
	ob_buf_init(&tbl, 1u << 20);
	ob_buf_init(&again, 1u << 20);
	test_assert_int(sml_wbxml_encode(xml, len, 0, &plain, &err), 0);
	test_assert_int(
		sml_wbxml_encode(xml, len, SML_WBXML_STRTBL, &tbl, &err), 0);
	test_assert_int(
		sml_wbxml_encode(xml, len, SML_WBXML_STRTBL, &again, &err), 0);
	printf("# %zu bytes of XML: WBXML %zu, with a string table %zu\n", len,
	       plain.len, tbl.len);
	test_assert(tbl.len < plain.len * 7 / 10);
	test_assert((unsigned char)tbl.data[4] != 0); /* a table */
	test_assert(again.len == tbl.len &&
		    memcmp(again.data, tbl.data, tbl.len) == 0);
	/* our reader: every Data byte for byte, CRs and all */
	test_assert_int(sml_wbxml_decode((const unsigned char *)plain.data,
					 plain.len, NULL, &tp, &err),
			0);
	test_assert_int(sml_wbxml_decode((const unsigned char *)tbl.data,
					 tbl.len, NULL, &tt, &err),
			0);
	const struct sml_node *a =
		sml_node_path(sml_tree_root(tp), "SyncBody/Sync/Add");
	const struct sml_node *b =
		sml_node_path(sml_tree_root(tt), "SyncBody/Sync/Add");
	int cards = 0;
	for (; a != NULL && b != NULL;
	     a = sml_node_next_same(a), b = sml_node_next_same(b)) {
		const struct sml_node *da = sml_node_path(a, "Item/Data");
		const struct sml_node *db = sml_node_path(b, "Item/Data");
		test_assert(da != NULL && db != NULL && da->len == db->len &&
			    memcmp(da->data, db->data, da->len) == 0);
		cards++;
	}
	test_assert_int(cards, 60);
	test_assert(a == NULL && b == NULL);
	/* libwbxml2's reader does not take it: wbxml2xml opens a CDATA
	 * section for each string of a vCard's Data and closes one, so its
	 * XML is malformed (which is why only known readers get a table) */
	ob_buf_init(&x1, 1u << 21);
	test_assert(libwbxml_decode(&tbl, &x1) != 0 ||
		    sml_xml_parse(x1.data, x1.len, NULL, &t1, &err) != 0);
	sml_tree_free(&t1);
	ob_buf_deinit(&x1);
	sml_tree_free(&tp);
	sml_tree_free(&tt);
	ob_buf_deinit(&plain);
	ob_buf_deinit(&tbl);
	ob_buf_deinit(&again);
	sml_writer_deinit(&w);
	test_end();

	test_begin("WBXML string table: a lone card, NUL-free text and "
		   "non-UTF-8 data stay as they were");
	xml = units_message(&w, 1, &len);
	ob_buf_init(&plain, 1u << 20);
	ob_buf_init(&tbl, 1u << 20);
	test_assert_int(sml_wbxml_encode(xml, len, 0, &plain, &err), 0);
	test_assert_int(
		sml_wbxml_encode(xml, len, SML_WBXML_STRTBL, &tbl, &err), 0);
	/* nothing recurs: no table; the card inline instead of opaque */
	test_assert((unsigned char)tbl.data[4] == 0);
	test_assert(tbl.len <= plain.len + 2);
	test_assert_int(sml_wbxml_decode((const unsigned char *)tbl.data,
					 tbl.len, NULL, &tt, &err),
			0);
	const struct sml_node *d =
		sml_node_path(sml_tree_root(tt), "SyncBody/Sync/Add/Item/Data");
	test_assert(d != NULL && d->len > 20 &&
		    memcmp(d->data, "BEGIN:VCARD\r\n", 13) == 0);
	sml_tree_free(&tt);
	sml_writer_deinit(&w);
	/* Latin-1 bytes (a Sony Ericsson card) stay opaque */
	{
		static const char latin[] =
			"<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncBody><Add>"
			"<Item><Data><![CDATA[N:M\xfcller\r\nN:M\xfcller\r\n"
			"]]></Data></Item><Item><Data><![CDATA[N:M\xfcller\r\n"
			"]]></Data></Item></Add></SyncBody></SyncML>";
		ob_buf_reset(&tbl);
		test_assert_int(sml_wbxml_encode(latin, sizeof(latin) - 1,
						 SML_WBXML_STRTBL, &tbl, &err),
				0);
		test_assert(memmem(tbl.data, tbl.len, "\xc3\x14N:M\xfc", 6) !=
			    NULL);
	}
	ob_buf_deinit(&plain);
	ob_buf_deinit(&tbl);
	test_end();

	test_begin("WBXML string table: random texts read back byte for byte");
	{
		/* pieces that make lines recur, share name parts, fold and
		 * end without a line break */
		static const char *const bits[] = {"A:",
						   "B;X=1:",
						   "v",
						   "w\r\n",
						   "\n",
						   " ",
						   "::",
						   "\r\n ",
						   "\xe4\xb8\xad",
						   "ORG:Acme;R&D\r\n",
						   "]]>",
						   "TITLE:x\r\n"};
		unsigned seed = 12345;
		for (int round = 0; round < 300; round++) {
			char texts[6][200];
			sml_writer_init(&w, 1u << 16);
			sml_writer_open(&w, "SyncML", "SYNCML:SYNCML1.2");
			sml_writer_open(&w, "SyncBody", NULL);
			for (int k = 0; k < 6; k++) {
				size_t n = 0;
				seed = seed * 1103515245u + 12345u;
				int pieces = (int)(seed >> 16) % 12;
				texts[k][0] = '\0';
				for (int j = 0; j < pieces; j++) {
					seed = seed * 1103515245u + 12345u;
					const char *bit = bits[(seed >> 16) %
							       (sizeof(bits) /
								sizeof(*bits))];
					size_t bl = strlen(bit);
					if (n >= sizeof(texts[k]) ||
					    bl >= sizeof(texts[k]) - n)
						break;
					memcpy(texts[k] + n, bit, bl + 1);
					n += bl;
				}
				sml_writer_open(&w, "Item", NULL);
				sml_writer_cdata(&w, "Data", texts[k], n);
				sml_writer_close(&w);
			}
			sml_writer_close(&w);
			sml_writer_close(&w);
			xml = sml_writer_data(&w, &len);
			ob_buf_init(&tbl, 1u << 16);
			int ret = sml_wbxml_encode(xml, len, SML_WBXML_STRTBL,
						   &tbl, &err);
			test_assert_int(ret, 0);
			ret = sml_wbxml_decode((const unsigned char *)tbl.data,
					       tbl.len, NULL, &tt, &err);
			test_assert_int(ret, 0);
			const struct sml_node *it = sml_node_child(
				sml_node_child(sml_tree_root(tt), "SyncBody"),
				"Item");
			for (int k = 0; k < 6;
			     k++, it = sml_node_next_same(it)) {
				const struct sml_node *dn =
					sml_node_child(it, "Data");
				size_t n = strlen(texts[k]);
				size_t got = dn != NULL ? dn->len : 0;
				if (got != n ||
				    (n > 0 &&
				     memcmp(dn->data, texts[k], n) != 0)) {
					printf("# round %d text %d differs\n",
					       round, k);
					test_assert(false);
					break;
				}
			}
			sml_tree_free(&tt);
			ob_buf_deinit(&tbl);
			sml_writer_deinit(&w);
		}
	}
	test_end();
}

/* "{uri}name" for elements, "@{uri}name=value" for attributes. */
static void dump_doc(const struct sml_node *n, struct ob_buf *out)
{
	for (; n != NULL; n = n->next) {
		ob_buf_addf(out, "%s{%s}%s", n->attr ? "@" : "<", n->ns_uri,
			    n->name);
		if (n->len > 0)
			ob_buf_addf(out, "=%s", (const char *)n->data);
		dump_doc(n->first, out);
		if (!n->attr)
			ob_buf_add_char(out, '>');
	}
}

static void test_xml_doc(void)
{
	struct sml_tree *t = NULL, *t2 = NULL;
	struct ob_err err;
	struct ob_buf out;

	ob_buf_init(&out, 1u << 16);
	test_begin("XML doc mode: namespace URIs interned, attributes kept");
	const char *doc =
		"<?xml version='1.0'?>\n<C:q xmlns:C='urn:c' xmlns='DAV:'>"
		"<prop><getetag/><C:address-data content-type=\"text/vcard\" "
		"version='4.0' C:x='a &amp; b&#x41;&#38;&lt;'/></prop>"
		"<C:t a='1'>  </C:t><D:href xmlns:D='DAV:'> /a </D:href>"
		"<plain xmlns=''/></C:q>";
	test_assert_int(sml_xml_parse_doc(doc, strlen(doc), NULL,
					  SML_XML_NS_URI | SML_XML_ATTRS, &t,
					  &err),
			0);
	dump_doc(sml_tree_root(t), &out);
	test_assert_str(ob_buf_str(&out),
			"<{urn:c}q<{DAV:}prop<{DAV:}getetag>"
			"<{urn:c}address-data@{}content-type=text/vcard"
			"@{}version=4.0@{urn:c}x=a & bA&<>>"
			"<{urn:c}t=  @{}a=1><{DAV:}href= /a ><{}plain>>");
	const struct sml_node *r = sml_tree_root(t);
	/* one copy of each URI: the two DAV: elements share the pointer */
	test_assert(r->first->ns_uri == r->first->next->next->ns_uri);
	test_assert_str(sml_node_attr(r->first->last, "", "version"), "4.0");
	test_assert_str(sml_node_attr(r->first->last, "urn:c", "x"),
			"a & bA&<");
	test_assert(sml_node_attr(r->first->last, "", "x") == NULL);
	test_assert(sml_node_attr(r->first->first, "", "version") == NULL);
	/* flags 0 (the SyncML reader): no attributes, no URIs */
	test_assert_int(sml_xml_parse_doc(doc, strlen(doc), NULL, 0, &t2, &err),
			0);
	ob_buf_reset(&out);
	dump_doc(sml_tree_root(t2), &out);
	test_assert_str(ob_buf_str(&out),
			"<{}q<{}prop<{}getetag><{}address-data>>"
			"<{}t=  ><{}href= /a ><{}plain>>");
	if (sizeof(void *) == 8)
		test_assert_int(sizeof(struct sml_node), 72);
	test_end();

	test_begin("XML doc mode: many namespaces, attribute and entity caps");
	sml_tree_free(&t);
	ob_buf_reset(&out);
	ob_buf_add_str(&out, "<r>");
	for (int i = 0; i < 500; i++)
		ob_buf_addf(&out,
			    "<a xmlns='urn:%d' b='%d'/><a xmlns='urn:%d'/>", i,
			    i, i);
	ob_buf_add_str(&out, "</r>");
	test_assert_int(sml_xml_parse_doc(out.data, out.len, NULL,
					  SML_XML_NS_URI | SML_XML_ATTRS, &t,
					  &err),
			0);
	r = sml_tree_root(t);
	size_t n = 0;
	const char *prev = NULL;
	for (const struct sml_node *c = r->first; c != NULL;
	     c = c->next->next) {
		n += c->ns_uri == c->next->ns_uri && c->ns_uri != prev;
		prev = c->ns_uri;
	}
	test_assert_int(n, 500);
	test_assert_str(r->last->ns_uri, "urn:499");
	struct sml_limits few = {.nodes = 1001};
	sml_tree_free(&t);
	test_assert_int(sml_xml_parse_doc(out.data, out.len, &few,
					  SML_XML_NS_URI | SML_XML_ATTRS, &t,
					  &err),
			OB_E_LIMIT);
	test_assert_str(err.msg, "more than 1001 elements");
	test_assert_int(sml_xml_parse_doc(out.data, out.len, &few, 0, &t, &err),
			0);
	sml_tree_free(&t);
	const char *lol = "<!DOCTYPE a [<!ENTITY x \"y\">]><a b='&x;'/>";
	test_assert_int(sml_xml_parse_doc(lol, strlen(lol), NULL, SML_XML_ATTRS,
					  &t, &err),
			OB_E_PARSE);
	test_assert_str(err.msg, "entity declarations are not allowed");
	test_end();
	ob_buf_deinit(&out);
	sml_tree_free(&t);
	sml_tree_free(&t2);
}

int main(void)
{
	sml_xml_init();
	test_syncevolution_captures();
	test_wbxml_tokens();
	test_writer_and_encoder();
	test_encoder_matches_libwbxml();
	test_string_table();
	test_xml_doc();
	return test_done();
}
