/* Matching: which stored person a row names. A row with a uid names the
 * person of that uid; a row without one the person of the same display
 * name and first email (or, without email, first phone digits),
 * case-insensitively, else nobody (a new person). Also the duplicate
 * uids of a file (a bad row on the later line). Reads the store, never
 * writes it. */
#include "config.h"
#include "import/core.h"
#include "util/str.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void lower_into(char *dst, size_t size, const char *src)
{
	size_t i = 0;

	for (; src && src[i] && i + 1 < size; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

char *imp_make_key(const struct dstore_person *p)
{
	char key[600];
	char name[256], second[256] = "";
	char disp[600];

	if (p->display && p->display[0])
		snprintf(disp, sizeof(disp), "%s", p->display);
	else
		snprintf(disp, sizeof(disp), "%s|%s",
			 p->family ? p->family : "", p->given ? p->given : "");
	lower_into(name, sizeof(name), disp);
	if (p->n_emails > 0) {
		lower_into(second, sizeof(second), p->emails[0]);
	} else if (p->n_phones > 0) {
		size_t j = 0;

		for (const char *q = p->phones[0].number; *q && j + 1 < 64; q++)
			if (isdigit((unsigned char)*q))
				second[j++] = *q;
		second[j] = '\0';
	}
	snprintf(key, sizeof(key), "%s\x1f%s", name, second);
	return ob_strndup(key, strlen(key));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Pass 1 keeps only each row's uid and line. */
int imp_note_row(struct import *im, struct rec *r)
{
	struct uid_line *u;

	if (r->p.uid == NULL) {
		im->need_keys = true;
		return 0;
	}
	if (im->n_uids == im->uids_alloc) {
		size_t na = im->uids_alloc ? im->uids_alloc * 2 : 1024;

		u = realloc(im->uids, na * sizeof(*u));
		if (u == NULL)
			return OB_E_NOMEM;
		im->uids = u;
		im->uids_alloc = na;
	}
	u = &im->uids[im->n_uids];
	u->uid = r->p.uid; /* taken over from the row */
	u->line = r->line;
	r->p.uid = NULL;
	im->n_uids++;
	return 0;
}

/* Duplicate uids inside the file are an error on the later row. */
void imp_check_duplicates(struct import *im)
{
	struct uid_line *v = im->uids;
	size_t k = im->n_uids;

	if (k > 1)
		qsort(v, k, sizeof(*v), cmp_str);
	for (size_t i = 1; i < k; i++) {
		if (strcmp(v[i].uid, v[i - 1].uid) == 0) {
			char msg[300];
			long first = v[i].line < v[i - 1].line ? v[i].line
							       : v[i - 1].line;
			long second = v[i].line < v[i - 1].line ? v[i - 1].line
								: v[i].line;

			snprintf(msg, sizeof(msg),
				 "uid %.200s is also on line %ld", v[i].uid,
				 first);
			imp_bad_row(im, second, im->colmap[C_UID], "uid", msg);
		}
	}
}

static int collect_existing(const struct dstore_person *p, void *ctx)
{
	struct ex_list *l = ctx;
	bool need_key = l->need_keys;

	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 1024;
		struct existing *nv = realloc(l->v, na * sizeof(*nv));

		if (nv == NULL)
			return OB_E_NOMEM;
		l->v = nv;
		l->alloc = na;
	}
	l->v[l->n].uid = ob_strndup(p->uid, strlen(p->uid));
	l->v[l->n].display = ob_strndup(p->display, strlen(p->display));
	l->v[l->n].key = need_key ? imp_make_key(p) : NULL;
	l->v[l->n].seen = false;
	if (l->v[l->n].uid == NULL || l->v[l->n].display == NULL ||
	    (need_key && l->v[l->n].key == NULL)) {
		free(l->v[l->n].uid);
		free(l->v[l->n].display);
		free(l->v[l->n].key);
		return OB_E_NOMEM;
	}
	l->n++;
	return 0;
}

static int cmp_ex_uid(const void *a, const void *b)
{
	return strcmp(((const struct existing *)a)->uid,
		      ((const struct existing *)b)->uid);
}

struct existing *imp_ex_find_uid(struct ex_list *l, const char *uid)
{
	struct existing k = {.uid = (char *)uid};

	return l->n ? bsearch(&k, l->v, l->n, sizeof(k), cmp_ex_uid) : NULL;
}

static int cmp_ex_key(const void *a, const void *b)
{
	return strcmp((*(struct existing *const *)a)->key,
		      (*(struct existing *const *)b)->key);
}

struct existing *imp_ex_find_key(struct ex_list *l, const char *key)
{
	struct existing k, *kp = &k, **hit;

	k.key = (char *)key;

	if (l->by_key == NULL) {
		l->by_key = malloc((l->n ? l->n : 1) * sizeof(*l->by_key));
		if (l->by_key == NULL)
			return NULL;
		for (size_t i = 0; i < l->n; i++)
			l->by_key[i] = &l->v[i];
		if (l->n > 1)
			qsort(l->by_key, l->n, sizeof(*l->by_key), cmp_ex_key);
	}
	hit = l->n ? bsearch(&kp, l->by_key, l->n, sizeof(kp), cmp_ex_key)
		   : NULL;
	return hit ? *hit : NULL;
}

int imp_ex_load(struct import *im, struct ex_list *ex, struct ob_err *err)
{
	struct dstore_iter_opts it = {.include_hidden = true};
	int ret;

	ret = dstore_person_iter(im->s, im->tenant, &it, collect_existing, ex,
				 err);
	if (ret == 0 && ex->n > 1)
		qsort(ex->v, ex->n, sizeof(*ex->v), cmp_ex_uid);
	return ret;
}

void imp_ex_free(struct ex_list **exp)
{
	struct ex_list *ex = *exp;

	if (ex == NULL)
		return;
	for (size_t i = 0; i < ex->n; i++) {
		free(ex->v[i].uid);
		free(ex->v[i].display);
		free(ex->v[i].key);
	}
	free(ex->v);
	free(ex->by_key);
	free(ex);
	*exp = NULL;
}
