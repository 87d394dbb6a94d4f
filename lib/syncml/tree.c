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

/* One interned string (sml_tree_intern), in the arena. */
struct intern {
	struct intern *next;
	size_t len;
	char s[];
};

struct sml_tree {
	struct sml_limits lim;
	struct intern **itab; /* malloc'd hash buckets, icap a power of 2 */
	size_t icap, icount;
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
	free((*tree)->itab);
	free(*tree);
	*tree = NULL;
}

static int add_node(struct sml_tree *t, struct sml_node *parent,
		    const char *name, size_t name_len, enum sml_ns ns,
		    bool attr, struct sml_node **node_r, struct ob_err *err)
{
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
	n->attr = attr;
	n->data = (const unsigned char *)"";
	n->ns_uri = "";
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
	return add_node(t, parent, name, name_len, ns, false, node_r, err);
}

int sml_tree_add_attr(struct sml_tree *t, struct sml_node *elem,
		      const char *name, size_t name_len, const char *ns_uri,
		      const void *value, size_t value_len, struct ob_err *err)
{
	struct sml_node *n;
	int ret = add_node(t, elem, name, name_len, elem->ns, true, &n, err);
	if (ret != 0)
		return ret;
	n->ns_uri = ns_uri;
	return sml_tree_append(t, n, value, value_len, false, err);
}

static size_t str_hash(const char *s, size_t len)
{
	size_t h = 5381;
	for (size_t i = 0; i < len; i++)
		h = h * 33 + (unsigned char)s[i];
	return h;
}

const char *sml_tree_intern(struct sml_tree *t, const char *s, size_t len,
			    struct ob_err *err)
{
	size_t h = str_hash(s, len);
	if (t->icap > 0)
		for (struct intern *e = t->itab[h & (t->icap - 1)]; e != NULL;
		     e = e->next)
			if (e->len == len && memcmp(e->s, s, len) == 0)
				return e->s;
	if (t->icount >= t->icap / 2) {
		/* grow (or create) the table: the strings stay in the
		 * arena, only the buckets move */
		size_t ncap = t->icap > 0 ? t->icap * 2 : 16;
		struct intern **nt = calloc(ncap, sizeof(*nt));
		if (nt == NULL) {
			ob_err_set(err, OB_E_NOMEM, "out of memory");
			return NULL;
		}
		for (size_t i = 0; i < t->icap; i++) {
			struct intern *e = t->itab[i];
			while (e != NULL) {
				struct intern *next = e->next;
				size_t b = str_hash(e->s, e->len) & (ncap - 1);
				e->next = nt[b];
				nt[b] = e;
				e = next;
			}
		}
		free(t->itab);
		t->itab = nt;
		t->icap = ncap;
	}
	struct intern *e = arena_alloc(t, sizeof(*e) + len + 1, err);
	if (e == NULL)
		return NULL;
	e->len = len;
	memcpy(e->s, s, len);
	e->s[len] = '\0';
	size_t b = h & (t->icap - 1);
	e->next = t->itab[b];
	t->itab[b] = e;
	t->icount++;
	return e->s;
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

const char *sml_node_attr(const struct sml_node *node, const char *ns_uri,
			  const char *name)
{
	if (node == NULL)
		return NULL;
	/* attributes come first: stop at the first element child */
	for (const struct sml_node *c = node->first; c != NULL && c->attr;
	     c = c->next)
		if (strcmp(c->name, name) == 0 &&
		    strcmp(c->ns_uri, ns_uri) == 0)
			return memchr(c->data, '\0', c->len) != NULL
				       ? ""
				       : (const char *)c->data;
	return NULL;
}

const char *sml_node_text(const struct sml_node *node, const char *path)
{
	const struct sml_node *n = sml_node_path(node, path);
	if (n == NULL || memchr(n->data, '\0', n->len) != NULL)
		return "";
	return (const char *)n->data;
}
