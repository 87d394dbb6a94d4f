/* Golden corpus: testdata/vcard/valid/<case>.vcf against <case>.txt (the
 * vcard_dump of every card) and testdata/vcard/invalid/<what>.vcf against
 * <what>.err (one "card N: <error text>" line per refused card). Every
 * valid card is also written in all three versions and read back, and must
 * come back equal in its own version.
 * VCARD_GOLDEN_UPDATE=1 rewrites the expected files (review the diff). */
#include "config.h"

#include "tests/lib/test.h"
#include "vcard/vcard.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		p = malloc((size_t)n + 1);
		if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		}
		if (p != NULL) {
			p[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return p;
}

static void append(char **s, size_t *len, const char *add, size_t alen)
{
	char *n = realloc(*s, *len + alen + 1);

	if (n == NULL)
		abort();
	memcpy(n + *len, add, alen);
	*len += alen;
	n[*len] = '\0';
	*s = n;
}

/* Run the parser over a file; returns the combined result text. */
static char *run(const char *data, size_t len, int *n_ok, int *n_err,
		 bool dump_cards)
{
	struct vcard_parser *p;
	struct vcard *card;
	struct vcard_error err;
	char *res = NULL, line[512];
	size_t rlen = 0;
	int ret, idx = 0;

	append(&res, &rlen, "", 0);
	*n_ok = *n_err = 0;
	if (vcard_parser_new(data, len, NULL, &p) < 0)
		abort();
	while ((ret = vcard_parser_next(p, &card, &err)) != 0) {
		char ebuf[256];

		idx++;
		if (ret < 0) {
			(*n_err)++;
			snprintf(line, sizeof(line), "card %d: %s\n", idx,
				 vcard_error_format(&err, ebuf, sizeof(ebuf)));
			append(&res, &rlen, line, strlen(line));
			continue;
		}
		(*n_ok)++;
		if (dump_cards) {
			char *d;
			size_t dl;

			if (vcard_dump(card, &d, &dl) < 0)
				abort();
			append(&res, &rlen, d, dl);
			free(d);
		}
		for (int v = 0; v < 3; v++) {
			static const enum vcard_version vs[] = {
				VCARD_V21, VCARD_V30, VCARD_V40};
			struct vcard *again = NULL;
			char *out;
			size_t olen;

			if (vcard_write(card, vs[v], &out, &olen, &err) < 0 ||
			    vcard_parse(out, olen, NULL, &again, &err) < 0) {
				snprintf(line, sizeof(line),
					 "card %d: round trip %d failed: %s\n",
					 idx, vs[v], err.msg);
				append(&res, &rlen, line, strlen(line));
			} else if (vs[v] == card->version &&
				   !vcard_equal(card, again)) {
				snprintf(line, sizeof(line),
					 "card %d: round trip differs\n", idx);
				append(&res, &rlen, line, strlen(line));
			}
			vcard_free(&again);
			free(out);
		}
		vcard_free(&card);
	}
	vcard_parser_free(&p);
	return res;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(const char *sub, bool valid)
{
	char dir[4096];
	DIR *d;
	struct dirent *e;
	char *names[512];
	size_t n = 0;
	bool update = getenv("VCARD_GOLDEN_UPDATE") != NULL;

	snprintf(dir, sizeof(dir), "%s", test_srcpath(sub));
	d = opendir(dir);
	test_begin(sub);
	test_assert(d != NULL);
	test_end();
	if (d == NULL)
		return;
	/* one thread; readdir_r is deprecated in glibc */
	/* cppcheck-suppress readdirCalled */
	while ((e = readdir(d)) != NULL && n < 512) {
		size_t l = strlen(e->d_name);

		if (l > 4 && strcmp(e->d_name + l - 4, ".vcf") == 0)
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmpstr);
	for (size_t i = 0; i < n; i++) {
		char path[4200], exp_path[4200], tname[600];
		size_t len, elen = 0;
		char *data, *res, *exp;
		int n_ok, n_err;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		snprintf(exp_path, sizeof(exp_path), "%s", path);
		strcpy(exp_path + strlen(exp_path) - 4,
		       valid ? ".txt" : ".err");
		snprintf(tname, sizeof(tname), "%s/%s", sub, names[i]);
		test_begin(tname);
		data = slurp(path, &len);
		test_assert(data != NULL);
		if (data == NULL) {
			test_end();
			continue;
		}
		res = run(data, len, &n_ok, &n_err, valid);
		if (update) {
			FILE *f = fopen(exp_path, "wb");

			if (f != NULL) {
				fputs(res, f);
				fclose(f);
			}
		}
		exp = slurp(exp_path, &elen);
		test_assert_str(res, exp ? exp : "(missing expected file)");
		if (valid)
			test_assert_int(n_err, 0);
		else
			test_assert(n_err > 0);
		free(exp);
		free(res);
		free(data);
		free(names[i]);
		test_end();
	}
}

int main(void)
{
	walk("testdata/vcard/valid", true);
	walk("testdata/vcard/invalid", false);
	return test_done();
}
