/* Reading the SyncML header and command helpers (see msg.h). */
#include "syncml/msg.h"

#include <string.h>

#include "util/str.h"

bool sml_node_uint(const struct sml_node *node, const char *path, uint64_t max,
		   uint64_t *v_r)
{
	const struct sml_node *n = sml_node_path(node, path);
	char buf[32];
	uint64_t v;

	if (n == NULL || n->len == 0 || n->len >= sizeof(buf))
		return false;
	memcpy(buf, n->data, n->len);
	buf[n->len] = '\0';
	/* Some clients pad numbers with white space. */
	char *p = buf;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	size_t l = strlen(p);
	while (l > 0 && (p[l - 1] == ' ' || p[l - 1] == '\t' ||
			 p[l - 1] == '\r' || p[l - 1] == '\n'))
		p[--l] = '\0';
	if (ob_parse_u64(p, l, max, &v) != 0)
		return false;
	*v_r = v;
	return true;
}

uint64_t sml_cmd_id(const struct sml_node *cmd)
{
	uint64_t v;

	if (!sml_node_uint(cmd, "CmdID", SML_MSGID_MAX, &v) || v == 0)
		return 0;
	return v;
}

const char *sml_meta(const struct sml_node *node,
		     const struct sml_node *fallback, const char *name)
{
	char path[64];
	const char *v;

	if (strlen(name) + 6 >= sizeof(path))
		return "";
	memcpy(path, "Meta/", 5);
	memcpy(path + 5, name, strlen(name) + 1);
	v = sml_node_text(node, path);
	if (*v == '\0' && fallback != NULL)
		v = sml_node_text(fallback, path);
	return v;
}

const char *sml_uri_normalize(const char *uri, char *buf, size_t size)
{
	while (uri[0] == '.' && uri[1] == '/')
		uri += 2;
	while (uri[0] == '/')
		uri++;
	size_t n = strcspn(uri, "?");
	while (n > 0 && uri[n - 1] == '/')
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(buf, uri, n);
	buf[n] = '\0';
	return buf;
}

static enum sml_version verdtd(const char *v)
{
	if (strcmp(v, "1.2") == 0)
		return SML_VER_12;
	if (strcmp(v, "1.1") == 0)
		return SML_VER_11;
	if (strcmp(v, "1.0") == 0)
		return SML_VER_10;
	return SML_VER_UNKNOWN;
}

static bool printable(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return ob_utf8_valid(s, n, false);
}

int sml_msg_read(struct sml_tree **tree, struct sml_msg *m, struct ob_err *err)
{
	const struct sml_node *root = sml_tree_root(*tree);
	const struct sml_node *hdr;
	struct sml_hdr *h = &m->hdr;

	memset(m, 0, sizeof(*m));
	m->tree = *tree;
	*tree = NULL;
	if (root == NULL || strcmp(root->name, "SyncML") != 0)
		return ob_err_set(err, OB_E_PARSE,
				  "the root element is not SyncML");
	hdr = sml_node_child(root, "SyncHdr");
	m->body = sml_node_child(root, "SyncBody");
	if (hdr == NULL)
		return ob_err_set(err, OB_E_PARSE, "no SyncHdr");
	h->session_id = sml_node_text(hdr, "SessionID");
	h->target_uri = sml_node_text(hdr, "Target/LocURI");
	h->source_uri = sml_node_text(hdr, "Source/LocURI");
	h->source_name = sml_node_text(hdr, "Source/LocName");
	h->resp_uri = sml_node_text(hdr, "RespURI");
	h->no_resp = sml_node_child(hdr, "NoResp") != NULL;
	h->cred = sml_node_child(hdr, "Cred");
	(void)sml_node_uint(hdr, "Meta/MaxMsgSize", UINT32_MAX,
			    &h->max_msg_size);
	(void)sml_node_uint(hdr, "Meta/MaxObjSize", UINT32_MAX,
			    &h->max_obj_size);
	/* A VerDTD we do not know is refused (513), whatever the namespace
	 * or WBXML public id say; only a missing one is taken from those. */
	const char *dtd = sml_node_text(hdr, "VerDTD");
	h->version = verdtd(dtd);
	if (h->version == SML_VER_UNKNOWN && *dtd == '\0')
		h->version = sml_tree_version(m->tree);
	if (!sml_node_uint(hdr, "MsgID", SML_MSGID_MAX, &h->msg_id) ||
	    h->msg_id == 0)
		return ob_err_set(err, OB_E_PARSE, "missing or bad MsgID");
	if (!printable(h->session_id, SML_SESSION_ID_LEN))
		return ob_err_set(err, OB_E_PARSE, "missing or bad SessionID");
	if (!printable(h->source_uri, SML_URI_LEN))
		return ob_err_set(err, OB_E_PARSE,
				  "missing or bad Source/LocURI");
	/* Our reply's Source is the client's Target: never one we could
	 * not write back readably (an empty one is the caller's to fill) */
	if (*h->target_uri != '\0' && !printable(h->target_uri, SML_URI_LEN))
		return ob_err_set(err, OB_E_PARSE, "bad Target/LocURI");
	if (*h->source_name != '\0' && !printable(h->source_name, SML_URI_LEN))
		return ob_err_set(err, OB_E_PARSE, "bad Source/LocName");
	if (m->body == NULL)
		return ob_err_set(err, OB_E_PARSE, "no SyncBody");
	m->final = sml_node_child(m->body, "Final") != NULL;
	if (h->version != SML_VER_11 && h->version != SML_VER_12) {
		const char *v = sml_node_text(hdr, "VerDTD");
		return ob_err_set(err, OB_E_VERSION,
				  "SyncML version '%.16s' is not supported",
				  *v ? v : "?");
	}
	return 0;
}

void sml_msg_deinit(struct sml_msg *m)
{
	sml_tree_free(&m->tree);
	memset(m, 0, sizeof(*m));
}
