/* The vCard model: arena storage, builders, accessors, equality, dump.
 *
 * Every string and array of a card lives in one arena of 4 KiB blocks (or
 * one block of the exact size for a large value), so parsing a card costs a
 * few malloc calls, not one per value, and vcard_free releases it all. The
 * dump format here is the golden-file format of testdata/vcard/. */
#include "config.h"

#include "vcard/vcard-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BLOCK_SIZE 4096

struct vc_block {
	struct vc_block *next;
	max_align_t data[];
};

struct vc_priv {
	struct vc_arena arena;
	size_t props_cap;
};

struct vcard_limits vcard_limits_default(void)
{
	struct vcard_limits lim = {
		.max_card_bytes = 1024 * 1024,
		.max_line = 64 * 1024,
		.max_props = 256,
		.max_params = 32,
		.max_values = 64,
		.max_photo_bytes = 256 * 1024,
		.max_cards = 0,
	};
	return lim;
}

const char *vcard_error_format(const struct vcard_error *err, char *buf,
			       size_t size)
{
	if (size == 0)
		return buf;
	if (err->line > 0 && err->prop[0] != '\0')
		snprintf(buf, size, "line %zu, %s: %s", err->line, err->prop,
			 err->msg);
	else if (err->line > 0)
		snprintf(buf, size, "line %zu: %s", err->line, err->msg);
	else if (err->prop[0] != '\0')
		snprintf(buf, size, "%s: %s", err->prop, err->msg);
	else
		snprintf(buf, size, "%s", err->msg);
	return buf;
}

int vc_error(struct vcard_error *err, int code, size_t line, const char *prop,
	     const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	err->line = line;
	snprintf(err->prop, sizeof(err->prop), "%s", prop ? prop : "");
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void *vc_alloc(struct vcard *card, size_t size)
{
	struct vc_priv *priv = card->priv;
	struct vc_arena *a = &priv->arena;
	struct vc_block *b;
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (size <= a->left) {
		p = a->cur;
		a->cur += size;
		a->left -= size;
		return p;
	}
	if (size > BLOCK_SIZE / 4) {
		/* big value: its own block, keep the current one open */
		b = malloc(sizeof(*b) + size);
		if (b == NULL)
			return NULL;
		if (a->head != NULL) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = NULL;
			a->head = b;
		}
		return b->data;
	}
	b = malloc(sizeof(*b) + BLOCK_SIZE);
	if (b == NULL)
		return NULL;
	b->next = a->head;
	a->head = b;
	a->cur = (char *)b->data + size;
	a->left = BLOCK_SIZE - size;
	return b->data;
}

char *vc_strndup(struct vcard *card, const char *s, size_t len)
{
	char *p = vc_alloc(card, len + 1);

	if (p == NULL)
		return NULL;
	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* A card and its storage, allocated together. */
struct vc_whole {
	struct vcard card;
	struct vc_priv priv;
};

struct vcard *vcard_new(enum vcard_version version)
{
	struct vc_whole *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->card.priv = &w->priv;
	w->card.version = version;
	return &w->card;
}

void vcard_free(struct vcard **cardp)
{
	struct vcard *card = cardp ? *cardp : NULL;
	struct vc_priv *priv;
	struct vc_block *b, *next;

	if (card == NULL)
		return;
	priv = card->priv;
	for (b = priv->arena.head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(card->props);
	free(card); /* and priv: see struct vc_whole */
	*cardp = NULL;
}

int vc_props_reserve(struct vcard *card, size_t n)
{
	struct vc_priv *priv = card->priv;
	struct vcard_prop *p;
	size_t cap;

	if (card->n_props + n <= priv->props_cap)
		return 0;
	cap = priv->props_cap ? priv->props_cap * 2 : 16;
	while (cap < card->n_props + n)
		cap *= 2;
	p = realloc(card->props, cap * sizeof(*p));
	if (p == NULL)
		return VCARD_E_NOMEM;
	card->props = p;
	priv->props_cap = cap;
	return 0;
}

struct vcard_prop *vc_props_push(struct vcard *card)
{
	struct vcard_prop *p;

	if (vc_props_reserve(card, 1) < 0)
		return NULL;
	p = &card->props[card->n_props++];
	memset(p, 0, sizeof(*p));
	return p;
}

/* Bytes allowed in names: letters, digits, '-' and '_'. */
static const unsigned char name_chars[256] = {
	['-'] = 1, ['_'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1,
	['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1,
	['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1,
	['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
	['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1,
	['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

bool vc_name_char(unsigned char c)
{
	return name_chars[c] != 0;
}

bool vc_valid_name(const char *s)
{
	size_t n = 0;

	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++, n++)
		if (name_chars[(unsigned char)*s] == 0)
			return false;
	return n <= VC_NAME_MAX;
}

static char *upper_dup(struct vcard *card, const char *s)
{
	size_t len = strlen(s);
	char *p = vc_alloc(card, len + 1);

	if (p == NULL)
		return NULL;
	for (size_t i = 0; i <= len; i++)
		p[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32) : s[i];
	return p;
}

bool vc_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];

		if (c < 0x80) {
			/* ASCII run: 8 bytes at a time */
			while (i + 8 <= len) {
				uint64_t w;

				memcpy(&w, s + i, 8);
				if (w & 0x8080808080808080ULL)
					break;
				i += 8;
			}
			if (i < len && s[i] < 0x80)
				i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			if (i + 1 >= len || (s[i + 1] & 0xc0) != 0x80)
				return false;
			i += 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			if (i + 2 >= len || (s[i + 1] & 0xc0) != 0x80 ||
			    (s[i + 2] & 0xc0) != 0x80)
				return false;
			if (c == 0xe0 && s[i + 1] < 0xa0)
				return false; /* overlong */
			if (c == 0xed && s[i + 1] >= 0xa0)
				return false; /* surrogate */
			i += 3;
		} else if (c >= 0xf0 && c <= 0xf4) {
			if (i + 3 >= len || (s[i + 1] & 0xc0) != 0x80 ||
			    (s[i + 2] & 0xc0) != 0x80 ||
			    (s[i + 3] & 0xc0) != 0x80)
				return false;
			if (c == 0xf0 && s[i + 1] < 0x90)
				return false;
			if (c == 0xf4 && s[i + 1] >= 0x90)
				return false;
			i += 4;
		} else {
			return false;
		}
	}
	return true;
}

unsigned vc_prop_class(const char *name)
{
	/* One switch on the first letter, then at most three compares:
	 * this runs for every property written. */
	switch (name[0]) {
	case 'C':
		if (strcmp(name, "CATEGORIES") == 0)
			return VC_LIST;
		if (strcmp(name, "CALURI") == 0 ||
		    strcmp(name, "CALADRURI") == 0)
			return VC_URI;
		return 0;
	case 'N':
		return strcmp(name, "NICKNAME") == 0 ? VC_LIST : 0;
	case 'U':
		return strcmp(name, "URL") == 0 ? VC_URI : 0;
	case 'S':
		if (strcmp(name, "SOURCE") == 0)
			return VC_URI;
		return strcmp(name, "SOUND") == 0 ? VC_URI | VC_MEDIA : 0;
	case 'I':
		return strcmp(name, "IMPP") == 0 ? VC_URI : 0;
	case 'M':
		return strcmp(name, "MEMBER") == 0 ? VC_URI : 0;
	case 'R':
		return strcmp(name, "RELATED") == 0 ? VC_URI : 0;
	case 'F':
		return strcmp(name, "FBURL") == 0 ? VC_URI : 0;
	case 'P':
		return strcmp(name, "PHOTO") == 0 ? VC_URI | VC_MEDIA : 0;
	case 'L':
		return strcmp(name, "LOGO") == 0 ? VC_URI | VC_MEDIA : 0;
	case 'K':
		return strcmp(name, "KEY") == 0 ? VC_URI | VC_MEDIA : 0;
	default:
		return 0;
	}
}

bool vc_is_list_prop(const char *name)
{
	return (vc_prop_class(name) & VC_LIST) != 0;
}

bool vc_is_uri_prop(const char *name)
{
	return (vc_prop_class(name) & VC_URI) != 0;
}

bool vc_is_media_prop(const char *name)
{
	return (vc_prop_class(name) & VC_MEDIA) != 0;
}

const struct vcard_prop *vcard_prop_get(const struct vcard *card,
					const char *name, size_t *iter)
{
	size_t i = iter ? *iter : 0;

	for (; i < card->n_props; i++) {
		if (strcasecmp(card->props[i].name, name) == 0) {
			if (iter)
				*iter = i + 1;
			return &card->props[i];
		}
	}
	if (iter)
		*iter = card->n_props;
	return NULL;
}

const struct vcard_param *vcard_param_get(const struct vcard_prop *prop,
					  const char *name)
{
	for (size_t i = 0; i < prop->n_params; i++)
		if (strcasecmp(prop->params[i].name, name) == 0)
			return &prop->params[i];
	return NULL;
}

bool vcard_param_has(const struct vcard_prop *prop, const char *name,
		     const char *value)
{
	const struct vcard_param *p = vcard_param_get(prop, name);

	if (p == NULL)
		return false;
	for (size_t i = 0; i < p->n_values; i++)
		if (strcasecmp(p->values[i], value) == 0)
			return true;
	return false;
}

const char *vcard_prop_value(const struct vcard_prop *prop, size_t i)
{
	if (prop == NULL || prop->binary || i >= prop->n_values)
		return "";
	return prop->values[i];
}

int vcard_add_prop(struct vcard *card, const char *group, const char *name,
		   struct vcard_prop **prop_r)
{
	struct vcard_prop *p;

	if (!vc_valid_name(name) || (group != NULL && !vc_valid_name(group)))
		return VCARD_E_INVAL;
	p = vc_props_push(card);
	if (p == NULL)
		return VCARD_E_NOMEM;
	p->name = upper_dup(card, name);
	if (group != NULL)
		p->group = vc_strndup(card, group, strlen(group));
	if (p->name == NULL || (group != NULL && p->group == NULL)) {
		card->n_props--;
		return VCARD_E_NOMEM;
	}
	*prop_r = p;
	return 0;
}

/* Grow a char* array held in the arena by one slot. */
static int push_str(struct vcard *card, char ***arr, size_t *n, char *s)
{
	char **na;

	/* arrays grow in powers of two; the old copy stays in the arena */
	if ((*n & (*n - 1)) == 0 || *n == 0) {
		size_t cap = *n ? *n * 2 : 2;

		na = vc_alloc(card, cap * sizeof(char *));
		if (na == NULL)
			return VCARD_E_NOMEM;
		if (*n > 0)
			memcpy(na, *arr, *n * sizeof(char *));
		*arr = na;
	}
	(*arr)[(*n)++] = s;
	return 0;
}

int vcard_prop_add_value(struct vcard *card, struct vcard_prop *prop,
			 const char *value)
{
	size_t len = strlen(value);
	char *s;

	if (!vc_utf8_valid(value, len) || prop->binary)
		return VCARD_E_INVAL;
	s = vc_strndup(card, value, len);
	if (s == NULL)
		return VCARD_E_NOMEM;
	return push_str(card, &prop->values, &prop->n_values, s);
}

int vc_prop_add_value_ref(struct vcard *card, struct vcard_prop *prop,
			  const char *value)
{
	if (!vc_utf8_valid(value, strlen(value)) || prop->binary)
		return VCARD_E_INVAL;
	/* the pointer is kept: the caller's string outlives the card */
	return push_str(card, &prop->values, &prop->n_values, (char *)value);
}

/* The parameter `name` of prop, appended when it has none. A new one is
 * named name itself when keep_name (an upper-case literal), else an
 * upper-case copy. */
static int param_of(struct vcard *card, struct vcard_prop *prop,
		    const char *name, bool keep_name, struct vcard_param **p_r)
{
	struct vcard_param *p = NULL;

	for (size_t i = 0; i < prop->n_params; i++)
		if (strcasecmp(prop->params[i].name, name) == 0)
			p = &prop->params[i];
	if (p == NULL) {
		size_t n = prop->n_params;

		if (n == 0 || (n & (n - 1)) == 0) {
			size_t cap = n ? n * 2 : 2;
			struct vcard_param *np =
				vc_alloc(card, cap * sizeof(*np));

			if (np == NULL)
				return VCARD_E_NOMEM;
			if (n > 0)
				memcpy(np, prop->params, n * sizeof(*np));
			prop->params = np;
		}
		p = &prop->params[prop->n_params++];
		memset(p, 0, sizeof(*p));
		p->name = keep_name ? (char *)name : upper_dup(card, name);
		if (p->name == NULL) {
			prop->n_params--;
			return VCARD_E_NOMEM;
		}
	}
	*p_r = p;
	return 0;
}

int vc_prop_add_type_ref(struct vcard *card, struct vcard_prop *prop,
			 const char *value)
{
	struct vcard_param *p;
	int ret = param_of(card, prop, "TYPE", true, &p);

	return ret < 0 ? ret
		       : push_str(card, &p->values, &p->n_values,
				  (char *)value);
}

int vcard_prop_set_binary(struct vcard *card, struct vcard_prop *prop,
			  const void *data, size_t len)
{
	char *s = vc_strndup(card, data, len);
	char **arr = vc_alloc(card, sizeof(char *));

	if (s == NULL || arr == NULL)
		return VCARD_E_NOMEM;
	arr[0] = s;
	prop->values = arr;
	prop->n_values = 1;
	prop->binary = true;
	prop->bin_len = len;
	return 0;
}

int vcard_prop_add_param(struct vcard *card, struct vcard_prop *prop,
			 const char *name, const char *value)
{
	struct vcard_param *p;
	size_t len = strlen(value);
	char *s;
	int ret;

	if (!vc_valid_name(name) || !vc_utf8_valid(value, len))
		return VCARD_E_INVAL;
	ret = param_of(card, prop, name, false, &p);
	if (ret < 0)
		return ret;
	s = vc_strndup(card, value, len);
	if (s == NULL)
		return VCARD_E_NOMEM;
	return push_str(card, &p->values, &p->n_values, s);
}

static bool str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

bool vcard_equal(const struct vcard *a, const struct vcard *b)
{
	if (a->version != b->version || a->n_props != b->n_props)
		return false;
	for (size_t i = 0; i < a->n_props; i++) {
		const struct vcard_prop *p = &a->props[i], *q = &b->props[i];

		if (!str_eq(p->group, q->group) || !str_eq(p->name, q->name) ||
		    p->n_params != q->n_params || p->binary != q->binary ||
		    p->n_values != q->n_values)
			return false;
		for (size_t j = 0; j < p->n_params; j++) {
			const struct vcard_param *x = &p->params[j],
						 *y = &q->params[j];

			if (!str_eq(x->name, y->name) ||
			    x->n_values != y->n_values)
				return false;
			for (size_t k = 0; k < x->n_values; k++)
				if (!str_eq(x->values[k], y->values[k]))
					return false;
		}
		if (p->binary) {
			if (p->bin_len != q->bin_len ||
			    memcmp(p->values[0], q->values[0], p->bin_len) != 0)
				return false;
			continue;
		}
		for (size_t j = 0; j < p->n_values; j++)
			if (!str_eq(p->values[j], q->values[j]))
				return false;
	}
	return true;
}

struct dumpbuf {
	char *p;
	size_t len, cap;
	bool fail;
};

static void dput(struct dumpbuf *d, const char *s, size_t n)
{
	if (d->fail)
		return;
	if (d->len + n + 1 > d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 1024;
		char *np;

		while (cap < d->len + n + 1)
			cap *= 2;
		np = realloc(d->p, cap);
		if (np == NULL) {
			d->fail = true;
			return;
		}
		d->p = np;
		d->cap = cap;
	}
	memcpy(d->p + d->len, s, n);
	d->len += n;
	d->p[d->len] = '\0';
}

static void dputs(struct dumpbuf *d, const char *s)
{
	dput(d, s, strlen(s));
}

/* Quoted with C-like escapes; bytes >= 0x80 pass (values are UTF-8). */
static void dquote(struct dumpbuf *d, const char *s)
{
	char tmp[8];

	dput(d, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)c;
			dput(d, tmp, 2);
		} else if (c == '\n') {
			dput(d, "\\n", 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", c);
			dputs(d, tmp);
		} else {
			dput(d, s, 1);
		}
	}
	dput(d, "\"", 1);
}

int vcard_dump(const struct vcard *card, char **out_r, size_t *len_r)
{
	struct dumpbuf d = {0};
	char tmp[96];

	snprintf(tmp, sizeof(tmp), "card %d.%d, %zu properties\n",
		 card->version / 10, card->version % 10, card->n_props);
	dputs(&d, tmp);
	for (size_t i = 0; i < card->n_props; i++) {
		const struct vcard_prop *p = &card->props[i];

		dputs(&d, "  ");
		if (p->group != NULL) {
			dputs(&d, p->group);
			dputs(&d, ".");
		}
		dputs(&d, p->name);
		for (size_t j = 0; j < p->n_params; j++) {
			dputs(&d, " ");
			dputs(&d, p->params[j].name);
			dputs(&d, "=[");
			for (size_t k = 0; k < p->params[j].n_values; k++) {
				if (k > 0)
					dputs(&d, ",");
				dquote(&d, p->params[j].values[k]);
			}
			dputs(&d, "]");
		}
		if (p->binary) {
			const unsigned char *b =
				(const unsigned char *)p->values[0];
			uint32_t h = 2166136261u;

			for (size_t k = 0; k < p->bin_len; k++)
				h = (h ^ b[k]) * 16777619u;
			snprintf(tmp, sizeof(tmp),
				 " binary %zu bytes fnv1a %08x\n", p->bin_len,
				 (unsigned)h);
			dputs(&d, tmp);
			continue;
		}
		dputs(&d, " :");
		for (size_t j = 0; j < p->n_values; j++) {
			dputs(&d, " ");
			dquote(&d, p->values[j]);
		}
		dputs(&d, "\n");
	}
	if (d.fail) {
		free(d.p);
		return VCARD_E_NOMEM;
	}
	*out_r = d.p;
	*len_r = d.len;
	return 0;
}

static const signed char b64dec[256] = {
#define X -1
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	X,  X,  X,  X,  X,  X,  X,  62, X,  X,  X,  63, 52, 53, 54, 55, 56, 57,
	58, 59, 60, 61, X,  X,  X,  X,  X,  X,  X,  0,  1,  2,  3,  4,  5,  6,
	7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
	25, X,  X,  X,  X,  X,  X,  26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36,
	37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X,  X,  X,
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	X,  X,  X,  X,
#undef X
};

/* Decode base64 ignoring whitespace; '=' ends the data. out needs
 * len * 3 / 4 + 3 bytes. *ok is false on any other character. */
size_t vc_base64_decode(const char *in, size_t len, unsigned char *out,
			bool *ok)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;

	*ok = true;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		int v;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			for (i++; i < len; i++) {
				c = (unsigned char)in[i];
				if (c != '=' && c != ' ' && c != '\t' &&
				    c != '\r' && c != '\n') {
					*ok = false;
					return n;
				}
			}
			break;
		}
		v = b64dec[c];
		if (v < 0) {
			*ok = false;
			return n;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return n;
}
