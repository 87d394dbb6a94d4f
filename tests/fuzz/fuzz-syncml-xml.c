/* SyncML xml decoding, as the server does it before authentication:
 * decode with tight caps, read the header, walk the tree. Oracles: no
 * crash, leak or read past the input (ASan); every node has a non-empty
 * name and NUL-terminated data; the tree stays within its byte cap. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syncml/msg.h"
#include "syncml/wbxml.h"
#include "syncml/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct sml_node *n, unsigned depth)
{
	for (; n != NULL; n = n->next) {
		if (n->name[0] == '\0' || n->data[n->len] != '\0' || depth > 64)
			abort();
		/* the accessors the server uses */
		(void)sml_node_text(n, "Item/Source/LocURI");
		(void)sml_meta(n, n->parent, "Anchor/Next");
		walk(n->first, depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sml_limits lim = {
		.tree_bytes = 1u << 20, .depth = 24, .nodes = 20000};
	struct sml_tree *t = NULL;
	struct sml_msg m;
	struct ob_err err;
	static int inited;

	if (!inited) {
		sml_xml_init();
		inited = 1;
	}
	int ret = sml_xml_parse((const char *)data, size, &lim, &t, &err);
	if (ret != 0) {
		if (t != NULL || err.msg[0] == '\0')
			abort();
		return 0;
	}
	if (sml_tree_bytes(t) > lim.tree_bytes)
		abort();
	walk(sml_tree_root(t), 0);
	ret = sml_msg_read(&t, &m, &err);
	if (ret == 0 && (m.hdr.msg_id == 0 || m.body == NULL))
		abort();
	sml_msg_deinit(&m);
	return 0;
}
