/* CSV reader: convert once, then a single pass over UTF-8 text with a
 * small state machine per record. Fields are NUL-terminated copies in one
 * growing buffer, so a record costs no per-field allocation. */
#include "config.h"
#include "import/csv.h"
#include "util/buf.h"
#include "util/str.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct imp_csv {
	const char *text; /* UTF-8 input: the caller's bytes or owned */
	char *owned;      /* converted text, when conversion was needed */
	size_t len, pos;  /* len: up to the first unreadable byte, if any */
	char bad[160];    /* why the text ends at len before the input does */
	long line;
	char delim;
	struct imp_csv_limits lim;
	size_t rows;
	struct ob_buf fieldbuf;
	size_t *offsets;
	bool *quoted; /* per field of the last record: it was quoted */
	char **fields;
	size_t fields_alloc;
};

int imp_encoding_parse(const char *name, enum imp_encoding *enc_r)
{
	if (ob_str_ieq(name, "auto"))
		*enc_r = IMP_ENC_AUTO;
	else if (ob_str_ieq(name, "utf-8") || ob_str_ieq(name, "utf8"))
		*enc_r = IMP_ENC_UTF8;
	else if (ob_str_ieq(name, "gb18030") || ob_str_ieq(name, "gbk") ||
		 ob_str_ieq(name, "gb2312"))
		*enc_r = IMP_ENC_GB18030;
	else
		return OB_E_INVAL;
	return 0;
}

/* The converted prefix when a byte cannot be converted: the reader stops
 * there, so the error names the line and column it is in. */
static int from_gb18030(const char *data, size_t len, char **out_r,
			size_t *out_len_r, char *bad, size_t bad_size,
			struct ob_err *err)
{
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	size_t cap = len * 2 + 16, left_in = len, left_out = cap;
	char *out, *in = (char *)data, *o;

	if (cd == (iconv_t)-1)
		return ob_err_set(err, OB_E_FAIL, "no GB18030 converter");
	out = malloc(cap + 1);
	if (out == NULL) {
		iconv_close(cd);
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	}
	o = out;
	if (iconv(cd, &in, &left_in, &o, &left_out) == (size_t)-1)
		snprintf(bad, bad_size, "byte %zu is neither UTF-8 nor GB18030",
			 (size_t)(in - data) + 1);
	iconv_close(cd);
	*o = '\0';
	*out_r = out;
	*out_len_r = (size_t)(o - out);
	return 0;
}

static char detect_delim(const char *t, size_t len)
{
	size_t commas = 0, semis = 0;
	bool q = false;

	for (size_t i = 0; i < len && t[i] != '\n'; i++) {
		if (t[i] == '"')
			q = !q;
		else if (!q && t[i] == ',')
			commas++;
		else if (!q && t[i] == ';')
			semis++;
	}
	return semis > commas ? ';' : ',';
}

int imp_csv_open(const char *data, size_t len, enum imp_encoding enc,
		 const struct imp_csv_limits *lim, struct imp_csv **csv_r,
		 struct ob_err *err)
{
	struct imp_csv *c;
	const char *nul;
	size_t bad;
	int ret;

	*csv_r = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	c->lim.max_field = lim && lim->max_field ? lim->max_field : 65536;
	c->lim.max_fields = lim && lim->max_fields ? lim->max_fields : 64;
	c->lim.max_rows = lim && lim->max_rows ? lim->max_rows : 1000000;
	bad = ob_utf8_invalid_at(data, len, true);
	if (enc == IMP_ENC_GB18030 || (enc == IMP_ENC_AUTO && bad != len)) {
		ret = from_gb18030(data, len, &c->owned, &c->len, c->bad,
				   sizeof(c->bad), err);
		if (ret < 0)
			goto fail;
		c->text = c->owned;
	} else {
		c->text = data; /* valid UTF-8 (up to bad): no copy */
		c->len = bad;
		if (bad != len)
			snprintf(c->bad, sizeof(c->bad),
				 "invalid UTF-8 at byte %zu (use --encoding "
				 "gb18030 for GB18030/GBK files)",
				 bad + 1);
	}
	nul = memchr(c->text, '\0', c->len);
	if (nul != NULL) {
		c->len = (size_t)(nul - c->text);
		snprintf(c->bad, sizeof(c->bad), "NUL byte in the input");
	}
	if (c->len >= 3 && memcmp(c->text, "\xEF\xBB\xBF", 3) == 0)
		c->pos = 3;
	c->line = 1;
	c->delim = detect_delim(c->text + c->pos, c->len - c->pos);
	ob_buf_init(&c->fieldbuf, c->lim.max_field * c->lim.max_fields + 1);
	*csv_r = c;
	return 0;
fail:
	imp_csv_free(&c);
	return ret;
}

/* '=', '@', TAB and CR start a formula whatever follows them. */
static bool formula_char(char ch)
{
	return ch == '=' || ch == '@' || ch == '\t' || ch == '\r';
}

/* What may follow the "+1" or "-5" of a value that stays as it is: the
 * characters of a phone number (lib/dirstore/person.c) and the '|' between
 * several of them, with no letter but 'x' and "ext". A spreadsheet may
 * read such a value as a number or a sum, but it cannot call a function
 * in it; "-1+HYPERLINK(...)" has letters and is guarded. */
static bool number_like(const char *v)
{
	for (const char *p = v; *p; p++) {
		if ((*p >= '0' && *p <= '9') || strchr("+-() ./#*,;|", *p))
			continue;
		if (*p == 'x' || *p == 'X')
			continue;
		if ((p[0] == 'e' || p[0] == 'E') &&
		    (p[1] == 'x' || p[1] == 'X') &&
		    (p[2] == 't' || p[2] == 'T')) {
			p += 2;
			continue;
		}
		return false;
	}
	return true;
}

bool imp_csv_formula_guarded(const char *v)
{
	const char *w = v;

	while (*w == '\'')
		w++;
	if (formula_char(*w))
		return true;
	if (*w != '+' && *w != '-')
		return false;
	/* "'+86 ..." gets one more apostrophe: the import takes one off
	 * every apostrophe-and-sign cell (exports before this rule wrote
	 * "'+86 ..." for "+86 ...") */
	if (w != v)
		return true;
	return !(w[1] >= '0' && w[1] <= '9') || !number_like(w + 1);
}

bool imp_csv_formula_unguard(char *cell)
{
	const char *w = cell;

	if (cell[0] != '\'')
		return false;
	while (*w == '\'')
		w++;
	if (!formula_char(*w) && *w != '+' && *w != '-')
		return false;
	memmove(cell, cell + 1, strlen(cell)); /* with the NUL */
	return true;
}

bool imp_csv_quoted(const struct imp_csv *c, size_t i)
{
	return c->quoted != NULL && i < c->fields_alloc && c->quoted[i];
}

char imp_csv_delimiter(const struct imp_csv *c)
{
	return c->delim;
}

static int end_field(struct imp_csv *c, size_t *n, size_t start,
		     bool was_quoted, long line, long col, struct ob_err *err)
{
	if (*n >= c->lim.max_fields)
		return ob_err_set_at(err, OB_E_LIMIT, line, col, NULL,
				     "more than %zu fields", c->lim.max_fields);
	if (c->fieldbuf.len - start > c->lim.max_field)
		return ob_err_set_at(err, OB_E_LIMIT, line, col, NULL,
				     "field longer than %zu bytes",
				     c->lim.max_field);
	if (*n >= c->fields_alloc) {
		size_t na = c->fields_alloc ? c->fields_alloc * 2 : 16;
		size_t *o = realloc(c->offsets, na * sizeof(*o));

		if (o == NULL)
			return ob_err_set(err, OB_E_NOMEM, "out of memory");
		c->offsets = o;
		char **f = realloc(c->fields, na * sizeof(*f));
		if (f == NULL)
			return ob_err_set(err, OB_E_NOMEM, "out of memory");
		c->fields = f;
		bool *q = realloc(c->quoted, na * sizeof(*q));
		if (q == NULL)
			return ob_err_set(err, OB_E_NOMEM, "out of memory");
		c->quoted = q;
		c->fields_alloc = na;
	}
	c->quoted[*n] = was_quoted;
	c->offsets[(*n)++] = start;
	if (ob_buf_add_char(&c->fieldbuf, '\0') < 0)
		return ob_err_set_at(err, OB_E_LIMIT, line, col, NULL,
				     "record too long");
	return 0;
}

/* The reader reached the byte it cannot read, in column col. */
static int bad_byte(const struct imp_csv *c, long col, struct ob_err *err)
{
	return ob_err_set_at(err, OB_E_PARSE, c->line, col, NULL, "%s", c->bad);
}

/* Blank lines between records. */
static void skip_blank_lines(struct imp_csv *c)
{
	while (c->pos < c->len &&
	       (c->text[c->pos] == '\n' || c->text[c->pos] == '\r')) {
		if (c->text[c->pos] == '\n')
			c->line++;
		c->pos++;
	}
}

/* The line end after a record (CR LF, LF or CR). */
static void end_line(struct imp_csv *c)
{
	if (c->pos < c->len && c->text[c->pos] == '\r')
		c->pos++;
	if (c->pos < c->len && c->text[c->pos] == '\n') {
		c->pos++;
		c->line++;
	}
}

int imp_csv_next(struct imp_csv *c, char ***fields_r, size_t *n_r, long *line_r,
		 struct ob_err *err)
{
	size_t n = 0, start;
	long line, col = 1;
	bool quoted = false, after_quote = false, any = false;
	int ret;

	skip_blank_lines(c);
	if (c->pos >= c->len)
		return c->bad[0] != '\0' ? bad_byte(c, 1, err) : 0;
	if (++c->rows > c->lim.max_rows)
		return ob_err_set_at(err, OB_E_LIMIT, c->line, 0, NULL,
				     "more than %zu records", c->lim.max_rows);
	line = c->line;
	ob_buf_reset(&c->fieldbuf);
	start = 0;
	while (c->pos < c->len) {
		char ch = c->text[c->pos];

		if (quoted) {
			c->pos++;
			if (ch == '"') {
				if (c->pos < c->len && c->text[c->pos] == '"') {
					c->pos++;
					ret = ob_buf_add_char(&c->fieldbuf,
							      '"');
				} else {
					quoted = false;
					after_quote = true;
					ret = 0;
				}
			} else {
				if (ch == '\n')
					c->line++;
				ret = ob_buf_add_char(&c->fieldbuf, ch);
			}
			if (ret < 0)
				return ob_err_set_at(err, OB_E_LIMIT, line, col,
						     NULL, "record too long");
			continue;
		}
		if (ch == c->delim) {
			c->pos++;
			ret = end_field(c, &n, start, after_quote, line, col,
					err);
			if (ret < 0)
				return ret;
			start = c->fieldbuf.len;
			after_quote = false;
			col++;
			any = true;
			continue;
		}
		if (ch == '\r' || ch == '\n')
			break;
		if (after_quote)
			return ob_err_set_at(err, OB_E_PARSE, c->line, col,
					     NULL,
					     "text after a closing quote");
		c->pos++;
		if (ch == '"' && c->fieldbuf.len == start) {
			quoted = true;
			continue;
		}
		if (ob_buf_add_char(&c->fieldbuf, ch) < 0)
			return ob_err_set_at(err, OB_E_LIMIT, line, col, NULL,
					     "record too long");
		any = true;
	}
	if (c->pos >= c->len && c->bad[0] != '\0')
		return bad_byte(c, col, err);
	if (quoted)
		return ob_err_set_at(err, OB_E_PARSE, line, col, NULL,
				     "unbalanced quote (the field starting "
				     "here never closes)");
	(void)any;
	ret = end_field(c, &n, start, after_quote, line, col, err);
	if (ret < 0)
		return ret;
	end_line(c);
	for (size_t i = 0; i < n; i++)
		c->fields[i] = c->fieldbuf.data + c->offsets[i];
	*fields_r = c->fields;
	*n_r = n;
	*line_r = line;
	return 1;
}

void imp_csv_free(struct imp_csv **csvp)
{
	struct imp_csv *c = *csvp;

	if (c == NULL)
		return;
	free(c->owned);
	ob_buf_deinit(&c->fieldbuf);
	free(c->offsets);
	free(c->quoted);
	free(c->fields);
	free(c);
	*csvp = NULL;
}
