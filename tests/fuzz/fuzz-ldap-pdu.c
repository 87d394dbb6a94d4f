/* Fuzz target: the LDAP front end's reading of client bytes as the
 * listener runs it before and after bind: ldap_pdu_length frames PDUs
 * out of the input (a stream of several), ldap_msg_decode decodes each,
 * and a decoded search is answered through every writer (an entry with
 * its attributes and values, paged, sort and VLV controls, the done
 * result) into a small capped buffer, so the cap paths run too.
 * Oracles beyond ASan/UBSan: a refused PDU says why; the framer never
 * claims more than the cap; a decoded message keeps the limits; the
 * writers either succeed with a well-framed PDU or leave the buffer as
 * it was. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldap/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_filter(const struct ldap_filter *f, unsigned depth)
{
	size_t n = 1;

	if (f == NULL || depth > LDAP_FILTER_DEPTH)
		abort();
	if (f->kind == LDAP_F_NOT && f->n_sub != 1)
		abort();
	for (size_t i = 0; i < f->n_sub; i++)
		n += count_filter(f->sub[i], depth + 1);
	if (f->kind == LDAP_F_PRESENT && f->attr.p == NULL)
		abort();
	return n;
}

static void check_framed(const struct ob_buf *b, size_t from)
{
	long n;

	if (b->len == from)
		return;
	n = ldap_pdu_length((const unsigned char *)b->data + from,
			    b->len - from, b->len - from);
	if (n <= 0 || (size_t)n != b->len - from)
		abort();
}

static void answer(const struct ldap_msg *m, size_t cap)
{
	struct ob_buf out, ctrls;
	struct ldap_entry_w w;
	const struct ldap_search *s = &m->search;
	size_t before;
	int ret;

	ob_buf_init(&out, cap);
	ob_buf_init(&ctrls, cap);
	ldap_entry_begin(&w, &out, m->id, s->base.p, s->base.len);
	for (size_t i = 0; i < s->n_attrs; i++)
		ldap_entry_attr(&w, s->attrs[i].p, s->attrs, s->n_attrs,
				s->types_only);
	ret = ldap_entry_end(&w);
	if (ret != 0 && out.len != 0)
		abort();
	check_framed(&out, 0);
	if (m->paged.present)
		(void)ldap_put_ctrl_paged(&ctrls, m->paged.size,
					  m->paged.cookie.p,
					  m->paged.cookie.len);
	if (m->sort.present)
		(void)ldap_put_ctrl_sort(&ctrls, LDAP_RC_SUCCESS,
					 m->sort.keys[0].attr.p);
	if (m->vlv.present)
		(void)ldap_put_ctrl_vlv(&ctrls, m->vlv.offset, m->vlv.before,
					LDAP_RC_SUCCESS, m->vlv.context.p,
					m->vlv.context.len);
	before = out.len;
	ret = ldap_put_result(&out, m->id, LDAP_OP_SEARCH_DONE, LDAP_RC_SUCCESS,
			      s->base.p, s->base.p, &ctrls);
	if (ret != 0 && out.len != before)
		abort();
	check_framed(&out, before);
	ob_buf_deinit(&out);
	ob_buf_deinit(&ctrls);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0, cap = 4096;

	if (size > 1 << 20)
		return 0;
	while (off < size) {
		struct ob_err err = {0};
		struct ldap_msg *m = NULL;
		int32_t id = -1;
		long n = ldap_pdu_length(data + off, size - off, cap);

		if (n == 0 || n == OB_E_PARSE || n == OB_E_LIMIT) {
			/* still decode what is there, as a hostile whole */
			if (ldap_msg_decode(data + off, size - off, &m, &id,
					    &err) == 0)
				ldap_msg_free(&m);
			return 0;
		}
		if (n < 0 || (size_t)n > cap)
			abort();
		if ((size_t)n > size - off)
			n = (long)(size - off);
		int ret = ldap_msg_decode(data + off, (size_t)n, &m, &id, &err);
		if (ret != 0) {
			if (m != NULL || err.msg[0] == '\0' || id < 0 ||
			    (ret != OB_E_PARSE && ret != OB_E_NOMEM))
				abort();
		} else {
			if (m->id <= 0 || id != m->id ||
			    m->n_controls > LDAP_MSG_ITEMS)
				abort();
			if (m->op == LDAP_OP_SEARCH) {
				if (count_filter(m->search.filter, 1) >
				    LDAP_MSG_ITEMS)
					abort();
				answer(m, 64 + (size & 1023));
			}
			(void)ldap_msg_unknown_critical(m);
			ldap_msg_free(&m);
			if (m != NULL)
				abort();
		}
		off += (size_t)n;
	}
	return 0;
}
