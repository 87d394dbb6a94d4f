/* The element tree every SyncML message is read into, whatever its
 * encoding: XML (xml.c, libxml2) and WBXML (wbxml.c, our own decoder) both
 * produce it, and the message model (msg.c) reads only it.
 *
 * Promises:
 * - All memory of a tree (nodes, names, data) comes from one arena owned by
 *   struct sml_tree and capped by sml_limits.tree_bytes; sml_tree_free()
 *   releases everything. Node pointers are borrowed from the tree.
 * - Element names are local names ("SyncHdr", "MaxMsgSize"): prefixes and
 *   namespaces are dropped; `ns` says which code page / namespace the
 *   element came from.
 * - `data` holds the element's character data (text, CDATA or WBXML
 *   inline strings and OPAQUE bytes, concatenated) and may contain any byte,
 *   NUL included; it is always followed by a NUL that `len` does not count.
 * - Depth and node count are capped (sml_limits); exceeding a cap is
 *   OB_E_LIMIT, never an abort.
 * - Trees of other XML documents (xml.h, sml_xml_parse_doc) can also keep
 *   each node's namespace URI (`ns_uri`, each distinct URI stored once in
 *   the arena, so equal URIs are equal pointers within one tree) and the
 *   attributes: an attribute is a child node with `attr` set, its local
 *   name in `name`, its namespace URI in `ns_uri` ("" for the usual
 *   unqualified attribute) and its value in `data`. Attribute nodes come
 *   before the element children, count against the node cap but not the
 *   depth, and are never made for SyncML (sml_xml_parse, WBXML), whose
 *   trees have `ns_uri` "" and no attribute nodes. The name lookups below
 *   (sml_node_child, _next_same, _path, _text) see attribute nodes too:
 *   callers of a tree with attributes skip `attr` nodes themselves. */
#ifndef SML_TREE_H
#define SML_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

enum sml_ns {
	SML_NS_SYNCML = 0, /* SYNCML:SYNCML1.x (WBXML code page 0) */
	SML_NS_METINF = 1, /* syncml:metinf (code page 1) */
	SML_NS_DEVINF = 2, /* syncml:devinf (its own document) */
	SML_NS_OTHER = 3,
};

/* Protocol version announced by the document (namespace, public id or
 * VerDTD); SML_VER_UNKNOWN when nothing said. */
enum sml_version {
	SML_VER_UNKNOWN = 0,
	SML_VER_10 = 10,
	SML_VER_11 = 11,
	SML_VER_12 = 12,
};

struct sml_limits {
	size_t tree_bytes; /* arena cap for the whole tree; 0 = 8 MiB */
	unsigned depth;    /* element nesting; 0 = 32 */
	size_t nodes;      /* element count; 0 = 200000 */
};

/* (The field order keeps the node at 72 bytes on LP64, as before ns_uri:
 * the arena accounting of SyncML trees is unchanged.) */
struct sml_node {
	const char *name; /* local element name, NUL-terminated */
	enum sml_ns ns;
	bool opaque; /* data came (partly) from WBXML OPAQUE */
	bool attr;   /* an attribute, not an element (see above) */
	const unsigned char *data; /* character data; "" when none */
	size_t len;
	const char *ns_uri; /* namespace URI; "" when none or not kept */
	struct sml_node *parent, *first, *last, *next;
};

struct sml_tree;

/* A new empty tree (no root yet). Returns 0 or OB_E_NOMEM. */
int sml_tree_new(const struct sml_limits *lim, struct sml_tree **tree_r,
		 struct ob_err *err);
void sml_tree_free(struct sml_tree **tree);

/* Add an element as the last child of parent (NULL: the root, which must
 * not exist yet). The name is copied. *node_r is borrowed from the tree.
 * OB_E_LIMIT when the depth, node or byte cap is reached. */
int sml_tree_add(struct sml_tree *tree, struct sml_node *parent,
		 const char *name, size_t name_len, enum sml_ns ns,
		 struct sml_node **node_r, struct ob_err *err);
/* Append character data to a node (copied). OB_E_LIMIT past the cap. */
int sml_tree_append(struct sml_tree *tree, struct sml_node *node,
		    const void *data, size_t len, bool opaque,
		    struct ob_err *err);

/* Add an attribute node to elem (after its other attributes, before any
 * element child: call it before adding children). name and value are
 * copied; ns_uri must be "" or a string of sml_tree_intern of this tree.
 * No depth check; OB_E_LIMIT at the node or byte cap. */
int sml_tree_add_attr(struct sml_tree *tree, struct sml_node *elem,
		      const char *name, size_t name_len, const char *ns_uri,
		      const void *value, size_t value_len, struct ob_err *err);
/* The one copy of s[0..len) in this tree's arena (NUL-terminated): equal
 * strings give the same pointer. Borrowed from the tree. NULL with err
 * set (OB_E_LIMIT at the byte cap, OB_E_NOMEM). */
const char *sml_tree_intern(struct sml_tree *tree, const char *s, size_t len,
			    struct ob_err *err);

struct sml_node *sml_tree_root(const struct sml_tree *tree);
/* Version announced by the document; set by the decoders. */
enum sml_version sml_tree_version(const struct sml_tree *tree);
void sml_tree_set_version(struct sml_tree *tree, enum sml_version v);
/* Bytes of arena in use (for tests and limits). */
size_t sml_tree_bytes(const struct sml_tree *tree);

/* First child named `name` (any namespace), NULL when none. Borrowed. */
struct sml_node *sml_node_child(const struct sml_node *node, const char *name);
/* Next sibling after `node` with the same name, NULL when none. */
struct sml_node *sml_node_next_same(const struct sml_node *node);
/* Walk a path of child names separated by '/', e.g. "Meta/MaxMsgSize". */
struct sml_node *sml_node_path(const struct sml_node *node, const char *path);
/* The data of the node at path as a C string ("" when the node is missing
 * or has no data). Borrowed. Data containing a NUL is returned as "". */
const char *sml_node_text(const struct sml_node *node, const char *path);
/* The value of node's attribute ns_uri/name ("" ns_uri: unqualified), NULL
 * when it has none. Borrowed. */
const char *sml_node_attr(const struct sml_node *node, const char *ns_uri,
			  const char *name);

#endif
