/* The SyncML engine on outside input: srv_sync_handle() on a store with
 * one enterprise, an account and a few people. The first byte picks XML
 * or WBXML, the rest is the body. Sessions persist between inputs (a
 * later input can continue one an earlier opened), as on a real server.
 * Oracles: no crash, leak or undefined behaviour (sanitizers); an HTTP
 * status we use; every SyncML reply decodes again with our own decoders
 * (by its Content-Type) and carries a SyncHdr. Throttling is reset before each input so the
 * authenticated paths stay reachable. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dirstore/dirstore.h"
#include "syncml-server/server.h"
#include "util/log.h"
#include "syncml/msg.h"
#include "syncml/wbxml.h"
#include "syncml/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dstore *store;
static struct srv server;

struct dstore *srv_store(struct srv *srv)
{
	(void)srv;
	return store;
}

void srv_store_release(void)
{
}

static void setup(void)
{
	static char dir[] = "/tmp/fuzz-syncml-session-XXXXXX";
	static char path[128];
	struct dstore_options o = {0};
	struct ob_err err;
	int64_t t, acc, unit;

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/f.db", dir);
	o.path = path;
	o.sync_normal = true;
	if (dstore_open(&o, &store, &err) != 0)
		abort();
	dstore_tenant_create(store, "fz", "Fuzz 公司", &t, &err);
	dstore_tenant_configure(store, t, true, 30, &err);
	dstore_account_create(store, t, "fuzz@fz", "fuzz-password-1",
			      DSTORE_ROLE_USER, &acc, &err);
	dstore_begin(store, t, "fuzz", &err);
	dstore_unit_ensure_path(store, t, "研发/平台", true, &unit, &err);
	for (int i = 0; i < 3; i++) {
		struct dstore_person p = {0};
		char uid[16];
		snprintf(uid, sizeof(uid), "f%d", i);
		p.uid = strdup(uid);
		p.display = (char *)(i == 0   ? "张三"
				     : i == 1 ? "Anna"
					      : "李四");
		p.unit_id = unit;
		dstore_person_put(store, t, &p, NULL, &err);
		free(p.uid);
	}
	dstore_commit(store, NULL, &err);
	srv_config_defaults(&server.cfg);
	server.cfg.max_msg = 1u << 20;
	sml_xml_init();
	ob_log_set_level(OB_LOG_ERROR); /* one line per input is noise here */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srv_request rq = {0};
	struct srv_response rs;
	struct ob_err err;

	if (store == NULL)
		setup();
	if (size < 1)
		return 0;
	bool wbxml = data[0] & 1;
	(void)dstore_throttle_clear(store, "login:fuzz@fz", &err);
	(void)dstore_throttle_clear(store, "addr:127.0.0.1", &err);
	rq.body = (const char *)data + 1;
	rq.len = size - 1;
	rq.content_type = wbxml ? "application/vnd.syncml+wbxml"
				: "application/vnd.syncml+xml; charset=UTF-8";
	rq.remote_addr = "127.0.0.1";
	rq.base_url = "http://fuzz/sync";
	srv_sync_handle(&server, &rq, &rs);
	if (rs.http_status != 200 && rs.http_status != 400 &&
	    rs.http_status != 503 && rs.http_status != 500)
		abort();
	if (rs.http_status == 200) {
		struct sml_tree *t = NULL;
		struct sml_msg m;
		/* A retried MsgID gets the stored reply as it was, in the
		 * encoding of the first try: decode by the reply's type. */
		bool rwbxml = strstr(rs.content_type, "wbxml") != NULL;
		int ret = rwbxml ? sml_wbxml_decode(rs.body, rs.len, NULL, &t,
						    &err)
				 : sml_xml_parse((const char *)rs.body, rs.len,
						 NULL, &t, &err);
		if (ret != 0) {
			fprintf(stderr, "our reply does not decode: %s\n",
				err.msg);
			abort();
		}
		if (sml_node_child(sml_tree_root(t), "SyncHdr") == NULL)
			abort();
		ret = sml_msg_read(&t, &m, &err);
		sml_msg_deinit(&m);
		sml_tree_free(&t);
	}
	srv_response_deinit(&rs);
	return 0;
}
