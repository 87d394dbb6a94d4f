/* TEST SCAFFOLDING, not part of libldapfe.a: ldap_entry_begin/attr/end
 * as text ("dn: ...\n", then "type: value\n" per value, "type:\n" for
 * types only), so that the test and the bench of ldap/dir link without
 * ldap/proto.c. Drop it when proto.c lands. Values holding bytes other
 * than printable text are written as "type:: <n bytes>". */
#include <string.h>

#include "ldap/proto.h"

void ldap_entry_begin(struct ldap_entry_w *w, struct ob_buf *out, int32_t id,
		      const char *dn, size_t dn_len)
{
	(void)id;
	w->out = out;
	w->mark = out->len;
	w->err = ob_buf_add_str(out, "dn: ");
	if (w->err == 0)
		w->err = ob_buf_add(out, dn, dn_len);
	if (w->err == 0)
		w->err = ob_buf_add_char(out, '\n');
	w->attrs = out->len;
}

void ldap_entry_attr(struct ldap_entry_w *w, const char *type,
		     const struct ldap_val *vals, size_t n_vals,
		     bool types_only)
{
	if (w->err)
		return;
	if (types_only) {
		w->err = ob_buf_addf(w->out, "%s:\n", type);
		return;
	}
	for (size_t i = 0; i < n_vals && w->err == 0; i++) {
		bool text = memchr(vals[i].p, '\n', vals[i].len) == NULL &&
			    memchr(vals[i].p, '\0', vals[i].len) == NULL;
		if (text)
			w->err = ob_buf_addf(w->out, "%s: %.*s\n", type,
					     (int)vals[i].len, vals[i].p);
		else
			w->err = ob_buf_addf(w->out, "%s:: <%zu bytes>\n", type,
					     vals[i].len);
	}
}

int ldap_entry_end(struct ldap_entry_w *w)
{
	if (w->err) {
		w->out->len = w->mark;
		if (w->out->data)
			w->out->data[w->mark] = '\0';
	}
	return w->err;
}
