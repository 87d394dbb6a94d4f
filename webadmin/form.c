/* Form bodies (see form.h). */
#include "config.h"
#include "webadmin/form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/str.h"

#define PART_HEADER_MAX 1024

static int add_field(struct wa_form *f, char *name, char *value, size_t len,
		     char *filename, char *ctype, struct ob_err *err)
{
	struct wa_form_field *nf;

	if (name == NULL || value == NULL) {
		free(name);
		free(value);
		free(filename);
		free(ctype);
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	}
	if (f->n >= WA_FORM_FIELDS_MAX) {
		free(name);
		free(value);
		free(filename);
		free(ctype);
		return ob_err_set(err, OB_E_LIMIT, "more than %d form fields",
				  WA_FORM_FIELDS_MAX);
	}
	nf = realloc(f->fields, (f->n + 1) * sizeof(*nf));
	if (nf == NULL) {
		free(name);
		free(value);
		free(filename);
		free(ctype);
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	}
	f->fields = nf;
	nf[f->n++] = (struct wa_form_field){name, value, len, filename, ctype};
	return 0;
}

int wa_form_add(struct wa_form *f, const char *name, const char *value,
		size_t len, struct ob_err *err)
{
	return add_field(f, ob_strndup(name, strlen(name)),
			 ob_strndup(value, len), len, NULL, NULL, err);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode %XX and '+' of s[0..n) into a new string; *len_r its length. */
static int url_decode(const char *s, size_t n, char **out_r, size_t *len_r,
		      struct ob_err *err)
{
	char *o = malloc(n + 1);
	size_t k = 0;

	if (o == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			o[k++] = ' ';
		} else if (s[i] == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				free(o);
				return ob_err_set(err, OB_E_PARSE,
						  "bad %%-escape at byte %zu",
						  i + 1);
			}
			o[k++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			o[k++] = s[i];
		}
	}
	o[k] = '\0';
	*out_r = o;
	*len_r = k;
	return 0;
}

int wa_form_parse_urlencoded(struct wa_form *f, const char *data, size_t len,
			     struct ob_err *err)
{
	size_t i = 0;

	while (i < len) {
		const char *amp = memchr(data + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - data) : len;
		const char *eq = memchr(data + i, '=', end - i);
		size_t name_end = eq ? (size_t)(eq - data) : end;
		char *name = NULL, *value = NULL;
		size_t nlen, vlen;
		int ret;

		if (end > i) {
			if (name_end - i > WA_FORM_NAME_MAX * 3)
				return ob_err_set(err, OB_E_LIMIT,
						  "form field name too long");
			ret = url_decode(data + i, name_end - i, &name, &nlen,
					 err);
			if (ret == 0)
				ret = eq ? url_decode(eq + 1,
						      end - name_end - 1,
						      &value, &vlen, err)
					 : url_decode("", 0, &value, &vlen,
						      err);
			if (ret != 0) {
				free(name);
				return ret;
			}
			if (nlen == 0) { /* "=x": nothing a form would send */
				free(name);
				free(value);
				i = end + 1;
				continue;
			}
			if (nlen > WA_FORM_NAME_MAX ||
			    memchr(name, '\0', nlen) != NULL) {
				free(name);
				free(value);
				return ob_err_set(err, OB_E_PARSE,
						  "bad form field name");
			}
			ret = add_field(f, name, value, vlen, NULL, NULL, err);
			if (ret != 0)
				return ret;
		}
		i = end + 1;
	}
	return 0;
}

/* A parameter of a header value: name="quoted" or name=token. */
static char *header_param(const char *h, size_t n, const char *param)
{
	size_t pl = strlen(param);

	for (size_t i = 0; i + pl + 1 <= n; i++) {
		bool start = i == 0 || h[i - 1] == ';' || h[i - 1] == ' ' ||
			     h[i - 1] == '\t';
		if (!start || strncasecmp(h + i, param, pl) != 0 ||
		    h[i + pl] != '=')
			continue;
		size_t v = i + pl + 1, e;
		if (v < n && h[v] == '"') {
			v++;
			for (e = v; e < n && h[e] != '"'; e++)
				if (h[e] == '\\' && e + 1 < n)
					e++;
			if (e >= n)
				return NULL;
		} else {
			for (e = v; e < n && h[e] != ';' && h[e] != ' ' &&
				    h[e] != '\t';
			     e++)
				;
		}
		/* drop the backslashes of quoted-pairs */
		char *out = malloc(e - v + 1);
		size_t k = 0;
		if (out == NULL)
			return NULL;
		for (size_t j = v; j < e; j++) {
			if (h[j] == '\\' && j + 1 < e)
				j++;
			out[k++] = h[j];
		}
		out[k] = '\0';
		return out;
	}
	return NULL;
}

static const char *find_mem(const char *hay, size_t n, const char *needle,
			    size_t nl)
{
	return nl > 0 ? memmem(hay, n, needle, nl) : NULL;
}

/* A delimiter (RFC 2046 §5.1.1) starts a line (or the value, for an empty
 * one) and is followed by "--" or by optional blanks and a line end. */
static bool is_delimiter(const char *body, size_t len, const char *at,
			 size_t dl, size_t value_start)
{
	size_t i = (size_t)(at - body);

	if (i > value_start && body[i - 1] != '\n')
		return false;
	i += dl;
	if (len - i >= 2 && body[i] == '-' && body[i + 1] == '-')
		return true;
	while (i < len && (body[i] == ' ' || body[i] == '\t'))
		i++;
	return i < len && (body[i] == '\n' || body[i] == '\r');
}

static int parse_multipart(struct wa_form *f, const char *ctype,
			   const char *body, size_t len, struct ob_err *err)
{
	char *boundary = header_param(ctype, strlen(ctype), "boundary");
	char delim[80];
	size_t dl, pos;
	const char *p;
	int ret = 0;

	if (boundary == NULL || *boundary == '\0' || strlen(boundary) > 70) {
		free(boundary);
		return ob_err_set(err, OB_E_PARSE,
				  "multipart body without a usable boundary");
	}
	dl = (size_t)snprintf(delim, sizeof(delim), "--%s", boundary);
	free(boundary);
	/* the first delimiter: at the start or after a preamble line */
	p = find_mem(body, len, delim, dl);
	if (p == NULL || (p != body && p[-1] != '\n'))
		return ob_err_set(err, OB_E_PARSE, "no multipart boundary");
	pos = (size_t)(p - body) + dl;
	for (;;) {
		char *name = NULL, *filename = NULL, *ptype = NULL;
		const char *next;
		size_t hs, vs, ve;

		if (len - pos >= 2 && body[pos] == '-' && body[pos + 1] == '-')
			return 0; /* the closing delimiter */
		/* the rest of the delimiter line */
		while (pos < len && (body[pos] == ' ' || body[pos] == '\t'))
			pos++;
		if (len - pos >= 2 && body[pos] == '\r' &&
		    body[pos + 1] == '\n')
			pos += 2;
		else if (pos < len && body[pos] == '\n')
			pos++;
		else
			return ob_err_set(err, OB_E_PARSE,
					  "bad multipart delimiter line");
		/* part headers, up to an empty line */
		hs = pos;
		for (;;) {
			const char *nl = memchr(body + pos, '\n', len - pos);
			size_t le, ll;
			if (nl == NULL ||
			    (size_t)(nl - body) - pos > PART_HEADER_MAX) {
				free(name);
				free(filename);
				free(ptype);
				return ob_err_set(err, OB_E_PARSE,
						  "multipart part header "
						  "unterminated or too long");
			}
			le = (size_t)(nl - body);
			ll = le - pos;
			if (ll > 0 && body[le - 1] == '\r')
				ll--;
			if (ll == 0) {
				pos = le + 1;
				break;
			}
			if (ll > 20 &&
			    strncasecmp(body + pos,
					"Content-Disposition:", 20) == 0) {
				free(name);
				free(filename);
				name = header_param(body + pos, ll, "name");
				filename = header_param(body + pos, ll,
							"filename");
			} else if (ll > 13 &&
				   strncasecmp(body + pos,
					       "Content-Type:", 13) == 0) {
				size_t v = pos + 13;
				while (v < pos + ll && body[v] == ' ')
					v++;
				free(ptype);
				ptype = ob_strndup(body + v, pos + ll - v);
			}
			pos = le + 1;
			if (pos - hs > 4 * PART_HEADER_MAX) {
				free(name);
				free(filename);
				free(ptype);
				return ob_err_set(err, OB_E_PARSE,
						  "multipart headers too long");
			}
		}
		/* the value runs to CRLF (or LF) + delimiter */
		vs = pos;
		next = find_mem(body + pos, len - pos, delim, dl);
		while (next != NULL && !is_delimiter(body, len, next, dl, pos))
			next = find_mem(next + 1,
					len - (size_t)(next + 1 - body), delim,
					dl);
		if (next == NULL) {
			free(name);
			free(filename);
			free(ptype);
			return ob_err_set(err, OB_E_PARSE,
					  "multipart part not terminated");
		}
		ve = (size_t)(next - body);
		if (ve > vs && body[ve - 1] == '\n')
			ve--;
		if (ve > vs && body[ve - 1] == '\r')
			ve--;
		if (name == NULL || *name == '\0' ||
		    strlen(name) > WA_FORM_NAME_MAX) {
			free(name);
			free(filename);
			free(ptype);
			return ob_err_set(err, OB_E_PARSE,
					  "multipart part without a field "
					  "name");
		}
		ret = add_field(f, name, ob_strndup(body + vs, ve - vs),
				ve - vs, filename, ptype, err);
		if (ret != 0)
			return ret;
		pos = (size_t)(next - body) + dl;
	}
}

int wa_form_parse(struct wa_form *f, const char *content_type, const char *body,
		  size_t len, struct ob_err *err)
{
	const char *ct = content_type ? content_type : "";
	size_t tl = strcspn(ct, "; \t");

	if (tl == 33 &&
	    strncasecmp(ct, "application/x-www-form-urlencoded", tl) == 0)
		return wa_form_parse_urlencoded(f, body, len, err);
	if (tl == 19 && strncasecmp(ct, "multipart/form-data", tl) == 0)
		return parse_multipart(f, ct, body, len, err);
	return ob_err_set(err, OB_E_INVAL, "unsupported form type %.60s", ct);
}

const struct wa_form_field *wa_form_field(const struct wa_form *f,
					  const char *name)
{
	for (size_t i = 0; f != NULL && i < f->n; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	return NULL;
}

const char *wa_form_get(const struct wa_form *f, const char *name)
{
	return wa_form_get_nth(f, name, 0);
}

const char *wa_form_get_nth(const struct wa_form *f, const char *name, size_t k)
{
	for (size_t i = 0; f != NULL && i < f->n; i++)
		if (strcmp(f->fields[i].name, name) == 0 && k-- == 0)
			return f->fields[i].value;
	return NULL;
}

void wa_form_deinit(struct wa_form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->fields[i].name);
		free(f->fields[i].value);
		free(f->fields[i].filename);
		free(f->fields[i].content_type);
	}
	free(f->fields);
	f->fields = NULL;
	f->n = 0;
}
