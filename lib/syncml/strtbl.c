/* A WBXML string table for one message (see strtbl.h). */
#include "config.h"
#include "syncml/strtbl.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "syncml/wbxml-tags.h"
#include "util/err.h"

#define NAME_MAX_LEN 128 /* a name part longer than this is not one */
#define REF_COST 4       /* STR_T and its offset, and the inline run it cuts */

/* A distinct line or name part of the message: where it first occurs, how
 * often, and its table offset once written (NO_OFF before). */
struct ent {
	const char *s;
	uint32_t len, hash, count, off;
};

#define NO_OFF UINT32_MAX

/* A line seen by the first pass, in order: where it is and its entries
 * (the name part's NO_ENT when it has none). The second pass, given the
 * same memory, takes them instead of looking the line up again. */
struct line {
	const char *p;
	uint32_t len, whole, name, name_len;
};

#define NO_ENT UINT32_MAX

struct sml_strtbl {
	struct ent *ents;
	size_t n_ents, cap_ents;
	struct line *lines;
	size_t n_lines, cap_lines, next_line;
	uint32_t *slots; /* entry index + 1; 0 = empty */
	size_t n_slots;  /* a power of two */
	struct ob_buf table;
};

int sml_strtbl_new(struct sml_strtbl **t_r)
{
	struct sml_strtbl *t = calloc(1, sizeof(*t));

	*t_r = NULL;
	if (t == NULL)
		return OB_E_NOMEM;
	ob_buf_init(&t->table, UINT32_MAX - 1);
	*t_r = t;
	return 0;
}

void sml_strtbl_free(struct sml_strtbl **t)
{
	if (*t == NULL)
		return;
	free((*t)->ents);
	free((*t)->lines);
	free((*t)->slots);
	ob_buf_deinit(&(*t)->table);
	free(*t);
	*t = NULL;
}

/* A word at a time: this runs over every byte of every vCard sent. A
 * line's hash goes on from its name part's (seed), so the two cost one
 * pass. */
static uint64_t hash_more(uint64_t h, const char *s, size_t n)
{
	uint64_t w;

	h ^= n;
	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	w = 0;
	for (size_t i = 0; i < n; i++)
		w |= (uint64_t)(unsigned char)s[i] << (8 * i);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
	return h ^ (h >> 29);
}

#define HASH_SEED 0x9e3779b97f4a7c15u

static int grow_slots(struct sml_strtbl *t)
{
	size_t n = t->n_slots ? t->n_slots * 2 : 4096;
	uint32_t *slots = calloc(n, sizeof(*slots));

	if (slots == NULL)
		return OB_E_NOMEM;
	for (size_t i = 0; i < t->n_ents; i++) {
		size_t k = t->ents[i].hash & (n - 1);
		while (slots[k] != 0)
			k = (k + 1) & (n - 1);
		slots[k] = (uint32_t)i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->n_slots = n;
	return 0;
}

/* The entry for s[0..n) of hash h, NULL when there is none (add false)
 * or no memory (add true). */
static struct ent *find(struct sml_strtbl *t, const char *s, size_t n,
			uint32_t h, bool add)
{
	size_t k;

	if (t->n_slots == 0) {
		if (!add || grow_slots(t) != 0)
			return NULL;
	}
	for (k = h & (t->n_slots - 1); t->slots[k] != 0;
	     k = (k + 1) & (t->n_slots - 1)) {
		struct ent *e = &t->ents[t->slots[k] - 1];
		if (e->hash == h && e->len == n && memcmp(e->s, s, n) == 0)
			return e;
	}
	if (!add || n > UINT32_MAX || t->n_ents >= UINT32_MAX - 1)
		return NULL;
	if (t->n_ents == t->cap_ents) {
		size_t cap = t->cap_ents ? t->cap_ents * 2 : 1024;
		struct ent *ents = realloc(t->ents, cap * sizeof(*ents));
		if (ents == NULL)
			return NULL;
		t->ents = ents;
		t->cap_ents = cap;
	}
	if ((t->n_ents + 1) * 2 > t->n_slots) {
		if (grow_slots(t) != 0)
			return NULL;
		for (k = h & (t->n_slots - 1); t->slots[k] != 0;
		     k = (k + 1) & (t->n_slots - 1))
			;
	}
	struct ent *e = &t->ents[t->n_ents];
	*e = (struct ent){.s = s, .len = (uint32_t)n, .hash = h, .off = NO_OFF};
	t->slots[k] = (uint32_t)++t->n_ents;
	return e;
}

/* Length of the line at s (with its LF), of at most n bytes. */
static size_t line_len(const char *s, size_t n)
{
	const char *lf = memchr(s, '\n', n);
	return lf != NULL ? (size_t)(lf - s) + 1 : n;
}

/* Length of the line's name part (up to and with its first ':'), 0 when
 * it has none: a folded or continued line has none. */
static size_t name_len(const char *s, size_t n)
{
	if (n == 0 || s[0] == ' ' || s[0] == '\t')
		return 0;
	const char *c = memchr(s, ':', n < NAME_MAX_LEN ? n : NAME_MAX_LEN);
	return c != NULL && (size_t)(c - s) + 1 < n ? (size_t)(c - s) + 1 : 0;
}

/* The hashes of a line of n bytes and of its name part of nl bytes. */
static uint32_t line_hash(const char *s, size_t n, size_t nl, uint32_t *name_r)
{
	uint64_t h = hash_more(HASH_SEED, s, nl);

	*name_r = (uint32_t)h;
	return (uint32_t)hash_more(h, s + nl, n - nl);
}

int sml_strtbl_count(struct sml_strtbl *t, const char *text, size_t len)
{
	for (size_t pos = 0; pos < len;) {
		size_t n = line_len(text + pos, len - pos);
		size_t nl = name_len(text + pos, n);
		uint32_t hn, h = line_hash(text + pos, n, nl, &hn);
		struct ent *e = find(t, text + pos, n, h, true);
		struct line *l;

		if (e == NULL)
			return OB_E_NOMEM;
		e->count++;
		if (t->n_lines == t->cap_lines) {
			size_t cap = t->cap_lines ? t->cap_lines * 2 : 4096;
			l = realloc(t->lines, cap * sizeof(*l));
			if (l == NULL)
				return OB_E_NOMEM;
			t->lines = l;
			t->cap_lines = cap;
		}
		l = &t->lines[t->n_lines++];
		*l = (struct line){.p = text + pos,
				   .len = (uint32_t)n,
				   .whole = (uint32_t)(e - t->ents),
				   .name = NO_ENT};
		if (nl > 0) {
			if ((e = find(t, text + pos, nl, hn, true)) == NULL)
				return OB_E_NOMEM;
			e->count++;
			l->name = (uint32_t)(e - t->ents);
			l->name_len = (uint32_t)nl;
		}
		pos += n;
	}
	return 0;
}

/* Does referring to e everywhere pay for its table entry? */
static bool worth(const struct ent *e)
{
	return e != NULL && e->count >= 2 && e->len > REF_COST &&
	       (uint64_t)e->count * (e->len - REF_COST) > (uint64_t)e->len + 1;
}

/* Token bytes on their way out: gathered, so that a STR_T or the ends of
 * an inline string cost no call of their own. */
struct toks {
	unsigned char b[32];
	size_t n;
};

static int flush(struct toks *k, struct ob_buf *out)
{
	int ret = ob_buf_add(out, k->b, k->n);
	k->n = 0;
	return ret;
}

static int put_inline(struct toks *k, struct ob_buf *out, const char *s,
		      size_t n)
{
	int ret;

	if (n == 0)
		return 0;
	if (k->n + 1 > sizeof(k->b) && (ret = flush(k, out)) != 0)
		return ret;
	k->b[k->n++] = T_STR_I;
	if ((ret = flush(k, out)) != 0 || (ret = ob_buf_add(out, s, n)) != 0)
		return ret;
	k->b[k->n++] = 0;
	return 0;
}

static int put_ref(struct sml_strtbl *t, struct ent *e, struct toks *k,
		   struct ob_buf *out)
{
	unsigned char mb[5];
	size_t n;
	int ret;

	if (e->off == NO_OFF) {
		if (t->table.len > UINT32_MAX - 1 - e->len)
			return OB_E_LIMIT;
		e->off = (uint32_t)t->table.len;
		ret = ob_buf_add(&t->table, e->s, e->len);
		if (ret == 0)
			ret = ob_buf_add(&t->table, "", 1);
		if (ret != 0)
			return ret;
	}
	if (k->n + 6 > sizeof(k->b) && (ret = flush(k, out)) != 0)
		return ret;
	k->b[k->n++] = T_STR_T;
	n = sml_wbxml_mb(e->off, mb);
	memcpy(k->b + k->n, mb + 5 - n, n);
	k->n += n;
	return 0;
}

int sml_strtbl_put(struct sml_strtbl *t, const char *text, size_t len,
		   struct ob_buf *out)
{
	size_t run = 0, pos = 0; /* the inline run is text[run..pos) */
	struct toks k = {.n = 0};
	int ret = 0;

	while (ret == 0 && pos < len) {
		size_t n = line_len(text + pos, len - pos);
		const struct line *l = t->next_line < t->n_lines
					       ? &t->lines[t->next_line]
					       : NULL;
		struct ent *e;
		size_t part = n;

		if (l != NULL && l->p == text + pos && l->len == n) {
			/* the very line the first pass saw */
			t->next_line++;
			e = &t->ents[l->whole];
			if (!worth(e)) {
				e = l->name != NO_ENT ? &t->ents[l->name]
						      : NULL;
				part = l->name_len;
			}
		} else {
			size_t nl = name_len(text + pos, n);
			uint32_t hn, h = line_hash(text + pos, n, nl, &hn);
			e = find(t, text + pos, n, h, false);
			if (!worth(e)) {
				e = nl > 0 ? find(t, text + pos, nl, hn, false)
					   : NULL;
				part = nl;
			}
		}
		if (!worth(e)) {
			pos += n;
			continue;
		}
		ret = put_inline(&k, out, text + run, pos - run);
		if (ret == 0)
			ret = put_ref(t, e, &k, out);
		pos += part;
		run = pos;
		pos += n - part;
	}
	if (ret == 0)
		ret = put_inline(&k, out, text + run, len - run);
	if (ret == 0 && k.n > 0)
		ret = flush(&k, out);
	return ret;
}

const char *sml_strtbl_data(const struct sml_strtbl *t, size_t *len_r)
{
	*len_r = t->table.len;
	return t->table.data != NULL ? t->table.data : "";
}
