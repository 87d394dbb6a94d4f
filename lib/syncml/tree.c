/* The SyncML element tree: a bump arena of nodes and data (see tree.h). */
#include "syncml/tree.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MIN 16384

struct chunk {
	struct chunk *next;
	size_t size, used;
	unsigned char mem[];
};

struct sml_tree {
	struct sml_limits lim;
	struct chunk *chunks;
	size_t bytes; /* arena bytes handed out */
	size_t nodes;
	struct sml_node *root;
	enum sml_version version;
};

static void *arena_alloc(struct sml_tree *t, size_t size, struct ob_err *err)
{
	size = (size + 15) & ~(size_t)15;
	if (size > t->lim.tree_bytes || t->bytes > t->lim.tree_bytes - size) {
		ob_err_set(err, OB_E_LIMIT,
			   "message tree larger than %zu bytes",
			   t->lim.tree_bytes);
		return NULL;
	}
	struct chunk *c = t->chunks;
	if (c == NULL || c->size - c->used < size) {
		size_t want = size > CHUNK_MIN ? size : CHUNK_MIN;
		if (c != NULL && c->size * 2 > want && c->size < 1048576)
			want = c->size * 2;
		c = malloc(sizeof(*c) + want);
		if (c == NULL) {
			ob_err_set(err, OB_E_NOMEM, "out of memory");
			return NULL;
		}
		c->size = want;
		c->used = 0;
		c->next = t->chunks;
		t->chunks = c;
	}
	void *p = c->mem + c->used;
	c->used += size;
	t->bytes += size;
	return p;
}

int sml_tree_new(const struct sml_limits *lim, struct sml_tree **tree_r,
		 struct ob_err *err)
{
	struct sml_tree *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	if (lim != NULL)
		t->lim = *lim;
	if (t->lim.tree_bytes == 0)
		t->lim.tree_bytes = 8u << 20;
	if (t->lim.depth == 0)
		t->lim.depth = 32;
	if (t->lim.nodes == 0)
		t->lim.nodes = 200000;
	*tree_r = t;
	return 0;
}

void sml_tree_free(struct sml_tree **tree)
{
	if (tree == NULL || *tree == NULL)
		return;
	struct chunk *c = (*tree)->chunks;
	while (c != NULL) {
		struct chunk *next = c->next;
		free(c);
		c = next;
	}
	free(*tree);
	*tree = NULL;
}

int sml_tree_add(struct sml_tree *t, struct sml_node *parent, const char *name,
		 size_t name_len, enum sml_ns ns, struct sml_node **node_r,
		 struct ob_err *err)
{
	if (parent == NULL && t->root != NULL)
		return ob_err_set(err, OB_E_PARSE,
				  "more than one root element");
	unsigned depth = 1;
	for (const struct sml_node *p = parent; p != NULL; p = p->parent)
		depth++;
	if (depth > t->lim.depth)
		return ob_err_set(err, OB_E_LIMIT,
				  "elements nested deeper than %u",
				  t->lim.depth);
	if (t->nodes >= t->lim.nodes)
		return ob_err_set(err, OB_E_LIMIT, "more than %zu elements",
				  t->lim.nodes);
	/* the node and its name in one allocation */
	struct sml_node *n = arena_alloc(t, sizeof(*n) + name_len + 1, err);
	if (n == NULL)
		return err != NULL ? err->code : OB_E_LIMIT;
	char *nm = (char *)(n + 1);
	memcpy(nm, name, name_len);
	nm[name_len] = '\0';
	memset(n, 0, sizeof(*n));
	n->name = nm;
	n->ns = ns;
	n->data = (const unsigned char *)"";
	n->parent = parent;
	if (parent == NULL) {
		t->root = n;
	} else if (parent->last == NULL) {
		parent->first = parent->last = n;
	} else {
		parent->last->next = n;
		parent->last = n;
	}
	t->nodes++;
	*node_r = n;
	return 0;
}

int sml_tree_append(struct sml_tree *t, struct sml_node *node, const void *data,
		    size_t len, bool opaque, struct ob_err *err)
{
	if (len == 0)
		return 0;
	if (len > t->lim.tree_bytes || node->len > t->lim.tree_bytes - len)
		return ob_err_set(err, OB_E_LIMIT,
				  "message tree larger than %zu bytes",
				  t->lim.tree_bytes);
	/* WBXML text is a run of STR_T / STR_I pieces (one per vCard line
	 * when the server uses a string table), so a node can take dozens
	 * of appends. Copying old + new each time made the arena quadratic
	 * in the pieces (a 2,000-person reply decoded to ~25x its size).
	 * When the node's data is the last block of the newest chunk, grow
	 * it in place; otherwise copy once into a fresh block, which is
	 * then the newest and grows in place from there on. */
	struct chunk *c = t->chunks;
	size_t old = (node->len + 1 + 15) & ~(size_t)15;
	size_t want = (node->len + len + 1 + 15) & ~(size_t)15;
	if (node->len > 0 && c != NULL &&
	    (uintptr_t)node->data >= (uintptr_t)c->mem &&
	    (uintptr_t)node->data + old == (uintptr_t)(c->mem + c->used) &&
	    c->size - c->used >= want - old) {
		if (want - old > t->lim.tree_bytes ||
		    t->bytes > t->lim.tree_bytes - (want - old))
			return ob_err_set(err, OB_E_LIMIT,
					  "message tree larger than %zu bytes",
					  t->lim.tree_bytes);
		unsigned char *d = (unsigned char *)node->data;
		memcpy(d + node->len, data, len);
		d[node->len + len] = '\0';
		c->used += want - old;
		t->bytes += want - old;
		node->len += len;
		node->opaque = node->opaque || opaque;
		return 0;
	}
	unsigned char *p = arena_alloc(t, node->len + len + 1, err);
	if (p == NULL)
		return err != NULL ? err->code : OB_E_LIMIT;
	memcpy(p, node->data, node->len);
	memcpy(p + node->len, data, len);
	p[node->len + len] = '\0';
	node->data = p;
	node->len += len;
	node->opaque = node->opaque || opaque;
	return 0;
}

struct sml_node *sml_tree_root(const struct sml_tree *tree)
{
	return tree->root;
}

enum sml_version sml_tree_version(const struct sml_tree *tree)
{
	return tree->version;
}

void sml_tree_set_version(struct sml_tree *tree, enum sml_version v)
{
	tree->version = v;
}

size_t sml_tree_bytes(const struct sml_tree *tree)
{
	return tree->bytes;
}

struct sml_node *sml_node_child(const struct sml_node *node, const char *name)
{
	if (node == NULL)
		return NULL;
	for (struct sml_node *c = node->first; c != NULL; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

struct sml_node *sml_node_next_same(const struct sml_node *node)
{
	for (struct sml_node *c = node->next; c != NULL; c = c->next)
		if (strcmp(c->name, node->name) == 0)
			return c;
	return NULL;
}

struct sml_node *sml_node_path(const struct sml_node *node, const char *path)
{
	char part[64];
	const struct sml_node *cur = node;
	while (cur != NULL && *path != '\0') {
		const char *slash = strchr(path, '/');
		size_t n =
			slash != NULL ? (size_t)(slash - path) : strlen(path);
		if (n >= sizeof(part))
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		cur = sml_node_child(cur, part);
		path += n;
		if (*path == '/')
			path++;
	}
	return (struct sml_node *)cur;
}

const char *sml_node_text(const struct sml_node *node, const char *path)
{
	const struct sml_node *n = sml_node_path(node, path);
	if (n == NULL || memchr(n->data, '\0', n->len) != NULL)
		return "";
	return (const char *)n->data;
}
