/* The SyncML engine's fuzz fixture (see syncml-fixture.h). */
#include "config.h"
#include "tests/fuzz/syncml-fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "syncml/wbxml.h"
#include "syncml/xml.h"
#include "util/log.h"

struct dstore *fz_store;
struct srv fz_server;

struct dstore *srv_store(struct srv *srv)
{
	(void)srv;
	return fz_store;
}

void srv_store_release(void)
{
}

void fz_setup(void)
{
	static char dir[] = "/tmp/fuzz-syncml-XXXXXX";
	static char path[128];
	struct dstore_options o = {0};
	struct ob_err err;
	int64_t t, acc, unit;

	if (fz_store != NULL)
		return;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/f.db", dir);
	o.path = path;
	o.sync_normal = true;
	if (dstore_open(&o, &fz_store, &err) != 0)
		abort();
	dstore_tenant_create(fz_store, "fz", "Fuzz 公司", &t, &err);
	dstore_tenant_configure(fz_store, t, true, 30, &err);
	dstore_account_create(fz_store, t, "fuzz@fz", "fuzz-password-1",
			      DSTORE_ROLE_USER, &acc, &err);
	dstore_begin(fz_store, t, "fuzz", &err);
	dstore_unit_ensure_path(fz_store, t, "研发/平台", true, &unit, &err);
	for (int i = 0; i < 3; i++) {
		struct dstore_person p = {0};
		char uid[16];
		snprintf(uid, sizeof(uid), "f%d", i);
		p.uid = strdup(uid);
		p.display = (char *)(i == 0   ? "张三"
				     : i == 1 ? "Anna"
					      : "李四");
		p.unit_id = unit;
		dstore_person_put(fz_store, t, &p, NULL, &err);
		free(p.uid);
	}
	dstore_commit(fz_store, NULL, &err);
	srv_config_defaults(&fz_server.cfg);
	fz_server.cfg.max_msg = 1u << 20;
	sml_xml_init();
	ob_log_set_level(OB_LOG_ERROR); /* one line per input is noise here */
}

void fz_unthrottle(void)
{
	struct ob_err err;

	(void)dstore_throttle_clear(fz_store, "login:fuzz@fz", &err);
	(void)dstore_throttle_clear(fz_store, "addr:127.0.0.1", &err);
}

void fz_handle(const unsigned char *body, size_t len, bool wbxml,
	       const char *token, struct srv_response *rs)
{
	struct srv_request rq = {0};

	rq.body = (const char *)body;
	rq.len = len;
	rq.content_type = wbxml ? "application/vnd.syncml+wbxml"
				: "application/vnd.syncml+xml; charset=UTF-8";
	rq.token = token;
	rq.remote_addr = "127.0.0.1";
	rq.base_url = "http://fuzz/sync";
	srv_sync_handle(&fz_server, &rq, rs);
}

void fz_check_reply(const struct srv_response *rs, struct sml_msg *m_r)
{
	struct sml_tree *t = NULL;
	struct sml_msg m;
	struct ob_err err;

	if (rs->http_status != 200 && rs->http_status != 400 &&
	    rs->http_status != 413 && rs->http_status != 503 &&
	    rs->http_status != 500)
		abort();
	if (rs->http_status != 200)
		return;
	/* A retried MsgID gets the stored reply as it was, in the encoding
	 * of the first try: decode by the reply's type. */
	bool wbxml = strstr(rs->content_type, "wbxml") != NULL;
	int ret = wbxml ? sml_wbxml_decode(rs->body, rs->len, NULL, &t, &err)
			: sml_xml_parse((const char *)rs->body, rs->len, NULL,
					&t, &err);
	if (ret != 0) {
		fprintf(stderr, "our reply does not decode: %s\n", err.msg);
		abort();
	}
	if (sml_node_child(sml_tree_root(t), "SyncHdr") == NULL)
		abort();
	ret = sml_msg_read(&t, &m, &err);
	sml_tree_free(&t);
	if (m_r != NULL && ret == 0)
		*m_r = m;
	else
		sml_msg_deinit(&m);
	if (m_r != NULL && ret != 0) {
		fprintf(stderr, "our reply has a bad header: %s\n", err.msg);
		abort();
	}
}
