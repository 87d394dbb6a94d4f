/* Recursive-descent JSON parser with explicit limits. Every value is one
 * allocation tracked in a list, so freeing never recurses. */
#include "config.h"
#include "import/json.h"
#include "util/buf.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>

struct imp_json {
	struct imp_json_value *root;
	struct imp_json_value **all; /* every value, for freeing */
	size_t nall, allocated;
};

struct parser {
	const char *p, *end, *line_start;
	long line;
	size_t depth;
	struct imp_json_limits lim;
	struct imp_json *j;
	struct ob_err *err;
};

static int perr(struct parser *ps, int code, const char *msg)
{
	return ob_err_set_at(ps->err, code, ps->line,
			     (long)(ps->p - ps->line_start) + 1, NULL, "%s",
			     msg);
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end) {
		char c = *ps->p;

		if (c == '\n') {
			ps->line++;
			ps->line_start = ps->p + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			return;
		}
		ps->p++;
	}
}

static struct imp_json_value *new_value(struct parser *ps,
					enum imp_json_type type)
{
	struct imp_json *j = ps->j;
	struct imp_json_value *v;

	if (j->nall >= ps->lim.max_values) {
		perr(ps, OB_E_LIMIT, "too many values");
		return NULL;
	}
	if (j->nall == j->allocated) {
		size_t na = j->allocated ? j->allocated * 2 : 64;
		struct imp_json_value **a = realloc(j->all, na * sizeof(*a));

		if (a == NULL) {
			perr(ps, OB_E_NOMEM, "out of memory");
			return NULL;
		}
		j->all = a;
		j->allocated = na;
	}
	v = calloc(1, sizeof(*v));
	if (v == NULL) {
		perr(ps, OB_E_NOMEM, "out of memory");
		return NULL;
	}
	v->type = type;
	v->line = ps->line;
	j->all[j->nall++] = v;
	return v;
}

static int hex4(struct parser *ps, unsigned *out)
{
	unsigned v = 0;

	if (ps->end - ps->p < 4)
		return perr(ps, OB_E_PARSE, "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = *ps->p++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return perr(ps, OB_E_PARSE, "bad \\u escape");
	}
	*out = v;
	return 0;
}

static int put_utf8(struct ob_buf *b, unsigned cp)
{
	char t[4];
	size_t n;

	if (cp < 0x80) {
		t[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		t[0] = (char)(0xC0 | (cp >> 6));
		t[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		t[0] = (char)(0xE0 | (cp >> 12));
		t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		t[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		t[0] = (char)(0xF0 | (cp >> 18));
		t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		t[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		t[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return ob_buf_add(b, t, n);
}

/* A \u escape (ps->p after the "u"), a surrogate pair joined, into b. */
static int unicode_escape(struct parser *ps, struct ob_buf *b)
{
	unsigned cp, lo;
	int ret = hex4(ps, &cp);

	if (ret < 0)
		return ret;
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u')
			return perr(ps, OB_E_PARSE, "unpaired surrogate");
		ps->p += 2;
		ret = hex4(ps, &lo);
		if (ret < 0)
			return ret;
		if (lo < 0xDC00 || lo > 0xDFFF)
			return perr(ps, OB_E_PARSE, "unpaired surrogate");
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
		return perr(ps, OB_E_PARSE, "unpaired surrogate");
	} else if (cp == 0) {
		return perr(ps, OB_E_PARSE, "NUL in a string");
	}
	return put_utf8(b, cp);
}

/* One escape (ps->p at the backslash) into b. */
static int escape(struct parser *ps, struct ob_buf *b)
{
	char e;
	int ret;

	ps->p++;
	if (ps->p >= ps->end)
		return perr(ps, OB_E_PARSE, "truncated escape");
	e = *ps->p++;
	switch (e) {
	case '"':
	case '\\':
	case '/':
		ret = ob_buf_add_char(b, e);
		break;
	case 'b':
		ret = ob_buf_add_char(b, '\b');
		break;
	case 'f':
		ret = ob_buf_add_char(b, '\f');
		break;
	case 'n':
		ret = ob_buf_add_char(b, '\n');
		break;
	case 'r':
		ret = ob_buf_add_char(b, '\r');
		break;
	case 't':
		ret = ob_buf_add_char(b, '\t');
		break;
	case 'u':
		ret = unicode_escape(ps, b);
		break;
	default:
		ret = perr(ps, OB_E_PARSE, "unknown escape");
	}
	return ret == OB_E_LIMIT ? perr(ps, OB_E_LIMIT, "string too long")
				 : ret;
}

static int parse_string(struct parser *ps, char **out)
{
	struct ob_buf b;
	int ret = 0;

	ps->p++; /* opening quote */
	ob_buf_init(&b, ps->lim.max_string);
	while (ret == 0) {
		unsigned char c;

		if (ps->p >= ps->end) {
			ret = perr(ps, OB_E_PARSE, "unterminated string");
			break;
		}
		c = (unsigned char)*ps->p;
		if (c == '"') {
			ps->p++;
			break;
		}
		if (c < 0x20) {
			ret = perr(ps, OB_E_PARSE,
				   "control character in a string");
			break;
		}
		if (c == '\\') {
			ret = escape(ps, &b);
			continue;
		}
		if (c >= 0x80) {
			uint32_t cp;
			size_t n = ob_utf8_decode(
				ps->p, (size_t)(ps->end - ps->p), &cp);

			if (n == 0) {
				ret = perr(ps, OB_E_PARSE, "invalid UTF-8");
				break;
			}
			ret = ob_buf_add(&b, ps->p, n);
			ps->p += n;
		} else {
			ret = ob_buf_add_char(&b, (char)c);
			ps->p++;
		}
		if (ret == OB_E_LIMIT)
			ret = perr(ps, OB_E_LIMIT, "string too long");
	}
	if (ret < 0) {
		ob_buf_deinit(&b);
		return ret;
	}
	*out = ob_buf_steal(&b, NULL);
	return *out ? 0 : perr(ps, OB_E_NOMEM, "out of memory");
}

static int parse_value(struct parser *ps, struct imp_json_value **out);

static int add_item(struct parser *ps, struct imp_json_value *v,
		    struct imp_json_value *item, char *key, size_t *alloc)
{
	if (v->n == *alloc) {
		size_t na = *alloc ? *alloc * 2 : 8;
		struct imp_json_value **it =
			realloc(v->items, na * sizeof(*it));

		if (it == NULL)
			return perr(ps, OB_E_NOMEM, "out of memory");
		v->items = it;
		if (v->type == IMP_JSON_OBJECT) {
			char **k = realloc(v->keys, na * sizeof(*k));

			if (k == NULL)
				return perr(ps, OB_E_NOMEM, "out of memory");
			v->keys = k;
		}
		*alloc = na;
	}
	v->items[v->n] = item;
	if (v->type == IMP_JSON_OBJECT)
		v->keys[v->n] = key;
	v->n++;
	return 0;
}

static int parse_container(struct parser *ps, struct imp_json_value *v,
			   char close)
{
	size_t alloc = 0;
	int ret;

	if (++ps->depth > ps->lim.max_depth)
		return perr(ps, OB_E_LIMIT, "nested too deeply");
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return 0;
	}
	for (;;) {
		struct imp_json_value *item;
		char *key = NULL;

		skip_ws(ps);
		if (close == '}') {
			if (ps->p >= ps->end || *ps->p != '"')
				return perr(ps, OB_E_PARSE,
					    "expected a member name");
			ret = parse_string(ps, &key);
			if (ret < 0)
				return ret;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				return perr(ps, OB_E_PARSE, "expected ':'");
			}
			ps->p++;
		}
		ret = parse_value(ps, &item);
		if (ret == 0)
			ret = add_item(ps, v, item, key, &alloc);
		if (ret < 0) {
			free(key);
			return ret;
		}
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ps->depth--;
			return 0;
		}
		return perr(ps, OB_E_PARSE,
			    close == '}' ? "expected ',' or '}'"
					 : "expected ',' or ']'");
	}
}

static int parse_number(struct parser *ps, struct imp_json_value *v)
{
	const char *s = ps->p;
	char buf[64];
	char *endp;
	size_t n;

	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
		return perr(ps, OB_E_PARSE, "bad number");
	if (*ps->p == '0')
		ps->p++;
	else
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			return perr(ps, OB_E_PARSE, "bad number");
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			return perr(ps, OB_E_PARSE, "bad number");
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	n = (size_t)(ps->p - s);
	if (n >= sizeof(buf))
		return perr(ps, OB_E_LIMIT, "number too long");
	memcpy(buf, s, n);
	buf[n] = '\0';
	v->num = strtod(buf, &endp);
	return 0;
}

static int literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return perr(ps, OB_E_PARSE, "unexpected character");
	ps->p += n;
	return 0;
}

static int parse_value(struct parser *ps, struct imp_json_value **out)
{
	struct imp_json_value *v;
	enum imp_json_type t;
	char c;

	skip_ws(ps);
	if (ps->p >= ps->end)
		return perr(ps, OB_E_PARSE, "unexpected end of input");
	c = *ps->p;
	t = c == '{'               ? IMP_JSON_OBJECT
	    : c == '['             ? IMP_JSON_ARRAY
	    : c == '"'             ? IMP_JSON_STRING
	    : c == 't' || c == 'f' ? IMP_JSON_BOOL
	    : c == 'n'             ? IMP_JSON_NULL
				   : IMP_JSON_NUMBER;
	v = new_value(ps, t);
	if (v == NULL)
		return ps->err ? ps->err->code : OB_E_NOMEM;
	*out = v;
	switch (t) {
	case IMP_JSON_OBJECT:
		return parse_container(ps, v, '}');
	case IMP_JSON_ARRAY:
		return parse_container(ps, v, ']');
	case IMP_JSON_STRING:
		return parse_string(ps, &v->str);
	case IMP_JSON_BOOL:
		v->b = c == 't';
		return literal(ps, v->b ? "true" : "false");
	case IMP_JSON_NULL:
		return literal(ps, "null");
	default:
		return parse_number(ps, v);
	}
}

int imp_json_parse(const char *data, size_t len,
		   const struct imp_json_limits *lim, struct imp_json **json_r,
		   struct ob_err *err)
{
	struct parser ps = {0};
	struct imp_json *j = calloc(1, sizeof(*j));
	int ret;

	*json_r = NULL;
	if (j == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	ps.p = data;
	ps.end = data + len;
	ps.line_start = data;
	ps.line = 1;
	ps.j = j;
	ps.err = err;
	ps.lim.max_depth = lim && lim->max_depth ? lim->max_depth : 32;
	ps.lim.max_values = lim && lim->max_values ? lim->max_values : 4000000;
	ps.lim.max_string = lim && lim->max_string ? lim->max_string : 1 << 20;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		ps.p += 3;
	ret = parse_value(&ps, &j->root);
	if (ret == 0) {
		skip_ws(&ps);
		if (ps.p != ps.end)
			ret = perr(&ps, OB_E_PARSE,
				   "text after the JSON document");
	}
	if (ret < 0) {
		imp_json_free(&j);
		return ret;
	}
	*json_r = j;
	return 0;
}

const struct imp_json_value *imp_json_root(const struct imp_json *j)
{
	return j->root;
}

const struct imp_json_value *imp_json_get(const struct imp_json_value *obj,
					  const char *name)
{
	if (obj == NULL || obj->type != IMP_JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++) {
		if (obj->keys[i] != NULL && strcmp(obj->keys[i], name) == 0)
			return obj->items[i];
	}
	return NULL;
}

void imp_json_free(struct imp_json **jp)
{
	struct imp_json *j = *jp;

	if (j == NULL)
		return;
	for (size_t i = 0; i < j->nall; i++) {
		struct imp_json_value *v = j->all[i];

		free(v->str);
		if (v->keys != NULL) {
			for (size_t k = 0; k < v->n; k++)
				free(v->keys[k]);
		}
		free(v->keys);
		free(v->items);
		free(v);
	}
	free(j->all);
	free(j);
	*jp = NULL;
}
