/* LDAPv3 messages (RFC 4511 §4) over ldap/ber. Decoding copies every
 * string into a per-message arena so that the message outlives the PDU
 * and is freed at once; arrays are sized by counting the elements of a
 * SEQUENCE before filling it, so nothing is reallocated. Memory per
 * message: the box, each string once (rounded up to 16 bytes) and at
 * most LDAP_MSG_ITEMS nodes or array slots, in chunks that double up to
 * 64 KiB (measured: 4094 empty presence filters, an 8 KiB PDU, take
 * 0.6 MiB, about the worst per byte). */
#include "config.h"
#include "ldap/proto.h"
#include "ldap/ber.h"

#include <limits.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

/* Arena */

struct chunk {
	struct chunk *next;
	size_t used, size;
	alignas(max_align_t) unsigned char data[];
};

struct msg_box {
	struct chunk *chunks;
	size_t next_size; /* of the next chunk */
	struct ldap_msg m;
};

static void *arena_alloc(struct msg_box *b, size_t n)
{
	struct chunk *c = b->chunks;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	if (c == NULL || c->size - c->used < n) {
		size_t sz = b->next_size > n ? b->next_size : n;

		c = malloc(sizeof(*c) + sz);
		if (c == NULL)
			return NULL;
		c->next = b->chunks;
		c->used = 0;
		c->size = sz;
		b->chunks = c;
		if (b->next_size < 65536)
			b->next_size *= 2;
	}
	p = c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

void ldap_msg_free(struct ldap_msg **m)
{
	struct msg_box *b;
	struct chunk *c, *next;

	if (m == NULL || *m == NULL)
		return;
	b = (struct msg_box *)((char *)*m - offsetof(struct msg_box, m));
	for (c = b->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(b);
	*m = NULL;
}

/* Decoder */

struct dec {
	struct msg_box *box;
	struct ob_err *err;
	size_t items;
	int ret; /* OB_E_NOMEM once an allocation failed */
};

static int bad(struct dec *d, const char *what, const struct ber_reader *r)
{
	return ob_err_set(d->err, OB_E_PARSE, "%s: %s", what,
			  r != NULL && r->why != NULL ? r->why : "malformed");
}

static void *alloc(struct dec *d, size_t n)
{
	void *p = arena_alloc(d->box, n);

	if (p == NULL) {
		d->ret = OB_E_NOMEM;
		ob_err_set(d->err, OB_E_NOMEM, "out of memory");
	}
	return p;
}

/* Account for n items (filter nodes, attributes, values, controls). */
static int items(struct dec *d, size_t n)
{
	if (n > LDAP_MSG_ITEMS || d->items > LDAP_MSG_ITEMS - n)
		return ob_err_set(d->err, OB_E_PARSE,
				  "more than %d filter nodes, attributes, "
				  "values and controls",
				  LDAP_MSG_ITEMS);
	d->items += n;
	return 0;
}

/* Arrays of n elements of size sz, n already counted against the items. */
static void *array(struct dec *d, size_t n, size_t sz)
{
	if (n == 0)
		return NULL;
	return alloc(d, n * sz);
}

static int val(struct dec *d, const struct ber_elem *e, struct ldap_val *v)
{
	v->p = alloc(d, e->len + 1);
	if (v->p == NULL)
		return OB_E_NOMEM;
	if (e->len > 0)
		memcpy(v->p, e->p, e->len);
	v->p[e->len] = '\0';
	v->len = e->len;
	return 0;
}

/* The next element is an OCTET STRING (or a primitive with tag). */
static int get_str(struct dec *d, struct ber_reader *r, unsigned char tag,
		   const char *what, struct ldap_val *v)
{
	struct ber_elem e;

	if (ber_expect(r, tag, &e) < 0)
		return bad(d, what, r);
	return val(d, &e, v);
}

static int get_int(struct dec *d, struct ber_reader *r, unsigned char tag,
		   const char *what, int32_t lo, int32_t hi, int32_t *v_r)
{
	struct ber_elem e;

	if (ber_expect(r, tag, &e) < 0 || ber_int(r, &e, v_r) < 0)
		return bad(d, what, r);
	if (*v_r < lo || *v_r > hi)
		return ob_err_set(d->err, OB_E_PARSE, "%s: %ld out of range",
				  what, (long)*v_r);
	return 0;
}

static int get_u32(struct dec *d, struct ber_reader *r, unsigned char tag,
		   const char *what, uint32_t *v_r)
{
	int32_t v;
	int ret = get_int(d, r, tag, what, 0, INT32_MAX, &v);

	if (ret == 0)
		*v_r = (uint32_t)v;
	return ret;
}

static int enter(struct dec *d, struct ber_reader *r, const struct ber_elem *e,
		 const char *what, struct ber_reader *sub)
{
	if (ber_enter(r, e, sub) < 0)
		return bad(d, what, r);
	return 0;
}

static int at_end(struct dec *d, const struct ber_reader *r, const char *what)
{
	if (!ber_at_end(r))
		return ob_err_set(d->err, OB_E_PARSE, "%s: trailing data",
				  what);
	return 0;
}

/* Filters (RFC 4511 §4.5.1.7) */

static int filter(struct dec *d, struct ber_reader *r, unsigned depth,
		  struct ldap_filter **f_r);

static int filter_set(struct dec *d, struct ber_reader *s, unsigned depth,
		      struct ldap_filter *f)
{
	int ret;

	if (ber_count(s, &f->n_sub) < 0)
		return bad(d, "filter set", s);
	if ((ret = items(d, f->n_sub)) < 0)
		return ret;
	f->sub = array(d, f->n_sub, sizeof(*f->sub));
	if (f->n_sub > 0 && f->sub == NULL)
		return OB_E_NOMEM;
	for (size_t i = 0; i < f->n_sub; i++)
		if ((ret = filter(d, s, depth + 1, &f->sub[i])) < 0)
			return ret;
	return 0;
}

static int filter_substr(struct dec *d, struct ber_reader *s,
			 struct ldap_filter *f)
{
	struct ber_reader q;
	struct ber_elem e;
	size_t n, k = 0;
	int ret;

	if ((ret = get_str(d, s, BER_OCTETS, "substring type", &f->attr)) < 0)
		return ret;
	if (ber_expect(s, BER_SEQUENCE, &e) < 0)
		return bad(d, "substrings", s);
	if ((ret = enter(d, s, &e, "substrings", &q)) < 0)
		return ret;
	if (ber_count(&q, &n) < 0)
		return bad(d, "substrings", &q);
	if (n == 0)
		return ob_err_set(d->err, OB_E_PARSE, "substrings: empty");
	if ((ret = items(d, n)) < 0)
		return ret;
	f->any = array(d, n, sizeof(*f->any));
	if (f->any == NULL)
		return OB_E_NOMEM;
	for (size_t i = 0; i < n; i++) {
		struct ldap_val *v;

		if (ber_next(&q, &e) < 0)
			return bad(d, "substring", &q);
		switch (e.tag) {
		case BER_CTX(0):
			if (i != 0)
				return ob_err_set(d->err, OB_E_PARSE,
						  "substrings: initial not "
						  "first");
			v = &f->initial;
			break;
		case BER_CTX(1):
			v = &f->any[k++];
			break;
		case BER_CTX(2):
			if (i != n - 1)
				return ob_err_set(d->err, OB_E_PARSE,
						  "substrings: final not "
						  "last");
			v = &f->final;
			break;
		default:
			return ob_err_set(d->err, OB_E_PARSE,
					  "substrings: unknown choice 0x%02x",
					  e.tag);
		}
		if ((ret = val(d, &e, v)) < 0)
			return ret;
	}
	f->n_any = k;
	if (k == 0)
		f->any = NULL;
	return 0;
}

static int filter_ext(struct dec *d, struct ber_reader *s,
		      struct ldap_filter *f)
{
	struct ber_elem e;
	int ret;

	if (ber_peek(s) == BER_CTX(1)) {
		ret = get_str(d, s, BER_CTX(1), "matchingRule", &f->rule);
		if (ret < 0)
			return ret;
	}
	if (ber_peek(s) == BER_CTX(2)) {
		ret = get_str(d, s, BER_CTX(2), "extensible type", &f->attr);
		if (ret < 0)
			return ret;
	}
	if (f->rule.p == NULL && f->attr.p == NULL)
		return ob_err_set(d->err, OB_E_PARSE,
				  "extensibleMatch: neither matchingRule "
				  "nor type");
	if ((ret = get_str(d, s, BER_CTX(3), "matchValue", &f->value)) < 0)
		return ret;
	if (ber_peek(s) == BER_CTX(4)) {
		if (ber_next(s, &e) < 0 || ber_bool(s, &e, &f->dn_attrs) < 0)
			return bad(d, "dnAttributes", s);
	}
	return 0;
}

static int filter(struct dec *d, struct ber_reader *r, unsigned depth,
		  struct ldap_filter **f_r)
{
	struct ldap_filter *f;
	struct ber_reader s;
	struct ber_elem e;
	int ret;

	if (depth > LDAP_FILTER_DEPTH)
		return ob_err_set(d->err, OB_E_PARSE,
				  "filter nested more than %d deep",
				  LDAP_FILTER_DEPTH);
	if (ber_next(r, &e) < 0)
		return bad(d, "filter", r);
	f = alloc(d, sizeof(*f));
	if (f == NULL)
		return OB_E_NOMEM;
	*f_r = f;
	if (e.tag == BER_CTX(7)) { /* present: AttributeDescription */
		f->kind = LDAP_F_PRESENT;
		return val(d, &e, &f->attr);
	}
	if (e.tag < BER_CTX(BER_CONSTRUCTED | 0) ||
	    e.tag > BER_CTX(BER_CONSTRUCTED | 9) || e.tag == BER_CTX(0x27))
		return ob_err_set(d->err, OB_E_PARSE,
				  "filter: unknown choice 0x%02x", e.tag);
	if ((ret = enter(d, r, &e, "filter", &s)) < 0)
		return ret;
	f->kind = (enum ldap_filter_kind)(e.tag & 0x1f);
	switch (f->kind) {
	case LDAP_F_AND:
	case LDAP_F_OR:
		ret = filter_set(d, &s, depth, f);
		break;
	case LDAP_F_NOT:
		if ((ret = items(d, 1)) < 0)
			return ret;
		f->sub = alloc(d, sizeof(*f->sub));
		if (f->sub == NULL)
			return OB_E_NOMEM;
		f->n_sub = 1;
		ret = filter(d, &s, depth + 1, &f->sub[0]);
		break;
	case LDAP_F_EQ:
	case LDAP_F_GE:
	case LDAP_F_LE:
	case LDAP_F_APPROX:
		ret = get_str(d, &s, BER_OCTETS, "attributeDesc", &f->attr);
		if (ret == 0)
			ret = get_str(d, &s, BER_OCTETS, "assertionValue",
				      &f->value);
		break;
	case LDAP_F_SUBSTR:
		ret = filter_substr(d, &s, f);
		break;
	case LDAP_F_EXT:
		ret = filter_ext(d, &s, f);
		break;
	default:
		ret = ob_err_set(d->err, OB_E_PARSE, "filter: 0x%02x", e.tag);
		break;
	}
	if (ret == 0)
		ret = at_end(d, &s, "filter");
	return ret;
}

/* Operations */

static int op_bind(struct dec *d, struct ber_reader *s, struct ldap_bind *b)
{
	struct ber_elem e;
	int32_t v;
	int ret;

	if ((ret = get_int(d, s, BER_INTEGER, "bind version", 1, 127, &v)) < 0)
		return ret;
	b->version = v;
	if ((ret = get_str(d, s, BER_OCTETS, "bind name", &b->name)) < 0)
		return ret;
	if (ber_next(s, &e) < 0)
		return bad(d, "bind authentication", s);
	if (e.tag == BER_CTX(0)) {
		b->simple = true;
		return val(d, &e, &b->password);
	}
	if (e.tag == BER_CTX(BER_CONSTRUCTED | 3)) {
		struct ber_reader q;

		if ((ret = enter(d, s, &e, "SASL credentials", &q)) < 0)
			return ret;
		if ((ret = get_str(d, &q, BER_OCTETS, "SASL mechanism",
				   &b->mech)) < 0)
			return ret;
		if (ber_peek(&q) == BER_OCTETS &&
		    (ret = get_str(d, &q, BER_OCTETS, "SASL credentials",
				   &b->creds)) < 0)
			return ret;
		return at_end(d, &q, "SASL credentials");
	}
	return ob_err_set(d->err, OB_E_PARSE,
			  "bind: unknown authentication choice 0x%02x", e.tag);
}

static int op_search(struct dec *d, struct ber_reader *s, struct ldap_search *q)
{
	struct ber_reader a;
	struct ber_elem e;
	int32_t v;
	int ret;

	if ((ret = get_str(d, s, BER_OCTETS, "search base", &q->base)) < 0)
		return ret;
	if ((ret = get_int(d, s, BER_ENUM, "search scope", 0, 2, &v)) < 0)
		return ret;
	q->scope = (enum ldap_scope)v;
	if ((ret = get_int(d, s, BER_ENUM, "derefAliases", 0, 3, &v)) < 0)
		return ret;
	q->deref = v;
	if ((ret = get_u32(d, s, BER_INTEGER, "sizeLimit", &q->size_limit)) < 0)
		return ret;
	if ((ret = get_u32(d, s, BER_INTEGER, "timeLimit", &q->time_limit)) < 0)
		return ret;
	if (ber_expect(s, BER_BOOLEAN, &e) < 0 ||
	    ber_bool(s, &e, &q->types_only) < 0)
		return bad(d, "typesOnly", s);
	if ((ret = items(d, 1)) < 0 || (ret = filter(d, s, 1, &q->filter)) < 0)
		return ret;
	if (ber_expect(s, BER_SEQUENCE, &e) < 0)
		return bad(d, "search attributes", s);
	if ((ret = enter(d, s, &e, "search attributes", &a)) < 0)
		return ret;
	if (ber_count(&a, &q->n_attrs) < 0)
		return bad(d, "search attributes", &a);
	if ((ret = items(d, q->n_attrs)) < 0)
		return ret;
	q->attrs = array(d, q->n_attrs, sizeof(*q->attrs));
	if (q->n_attrs > 0 && q->attrs == NULL)
		return OB_E_NOMEM;
	for (size_t i = 0; i < q->n_attrs; i++)
		if ((ret = get_str(d, &a, BER_OCTETS, "search attribute",
				   &q->attrs[i])) < 0)
			return ret;
	return 0;
}

static int op_extended(struct dec *d, struct ber_reader *s, struct ldap_msg *m)
{
	int ret = get_str(d, s, BER_CTX(0), "requestName", &m->ext_oid);

	if (ret == 0 && ber_peek(s) == BER_CTX(1))
		ret = get_str(d, s, BER_CTX(1), "requestValue", &m->ext_value);
	return ret;
}

static int op_compare(struct dec *d, struct ber_reader *s, struct ldap_msg *m)
{
	struct ber_reader a;
	struct ber_elem e;
	int ret;

	if ((ret = get_str(d, s, BER_OCTETS, "compare entry", &m->compare_dn)) <
	    0)
		return ret;
	if (ber_expect(s, BER_SEQUENCE, &e) < 0)
		return bad(d, "compare ava", s);
	if ((ret = enter(d, s, &e, "compare ava", &a)) < 0)
		return ret;
	if ((ret = get_str(d, &a, BER_OCTETS, "compare attributeDesc",
			   &m->compare_attr)) < 0 ||
	    (ret = get_str(d, &a, BER_OCTETS, "compare assertionValue",
			   &m->compare_value)) < 0)
		return ret;
	return at_end(d, &a, "compare ava");
}

/* Controls (RFC 4511 §4.1.11) and the three decoded ones */

static int ctl_value(struct dec *d, const struct ldap_control *c,
		     const char *what, struct ber_reader *q)
{
	struct ber_reader r;
	struct ber_elem e;

	if (c->value.p == NULL)
		return ob_err_set(d->err, OB_E_PARSE, "%s control: no value",
				  what);
	ber_reader_init(&r, c->value.p, c->value.len);
	r.depth = 2;
	if (ber_expect(&r, BER_SEQUENCE, &e) < 0)
		return bad(d, what, &r);
	if (at_end(d, &r, what) < 0)
		return OB_E_PARSE;
	return enter(d, &r, &e, what, q);
}

static int ctl_paged(struct dec *d, const struct ldap_control *c,
		     struct ldap_paged *p)
{
	struct ber_reader q;
	int ret;

	if ((ret = ctl_value(d, c, "paged results", &q)) < 0)
		return ret;
	if ((ret = get_u32(d, &q, BER_INTEGER, "paged size", &p->size)) < 0 ||
	    (ret = get_str(d, &q, BER_OCTETS, "paged cookie", &p->cookie)) < 0)
		return ret;
	return at_end(d, &q, "paged results");
}

static int ctl_sort(struct dec *d, const struct ldap_control *c,
		    struct ldap_sort *so)
{
	struct ber_reader q;
	struct ber_elem e;
	int ret;

	if ((ret = ctl_value(d, c, "sort", &q)) < 0)
		return ret;
	if (ber_count(&q, &so->n_keys) < 0)
		return bad(d, "sort keys", &q);
	if (so->n_keys == 0)
		return ob_err_set(d->err, OB_E_PARSE, "sort: no keys");
	if ((ret = items(d, so->n_keys)) < 0)
		return ret;
	so->keys = array(d, so->n_keys, sizeof(*so->keys));
	if (so->keys == NULL)
		return OB_E_NOMEM;
	for (size_t i = 0; i < so->n_keys; i++) {
		struct ldap_sort_key *k = &so->keys[i];
		struct ber_reader kr;

		if (ber_expect(&q, BER_SEQUENCE, &e) < 0)
			return bad(d, "sort key", &q);
		if ((ret = enter(d, &q, &e, "sort key", &kr)) < 0)
			return ret;
		if ((ret = get_str(d, &kr, BER_OCTETS, "sort attribute",
				   &k->attr)) < 0)
			return ret;
		if (ber_peek(&kr) == BER_CTX(0) &&
		    (ret = get_str(d, &kr, BER_CTX(0), "sort orderingRule",
				   &k->rule)) < 0)
			return ret;
		if (ber_peek(&kr) == BER_CTX(1) &&
		    (ber_next(&kr, &e) < 0 || ber_bool(&kr, &e, &k->reverse)))
			return bad(d, "sort reverseOrder", &kr);
		if ((ret = at_end(d, &kr, "sort key")) < 0)
			return ret;
	}
	return 0;
}

static int ctl_vlv(struct dec *d, const struct ldap_control *c,
		   struct ldap_vlv *v)
{
	struct ber_reader q, t;
	struct ber_elem e;
	int ret;

	if ((ret = ctl_value(d, c, "VLV", &q)) < 0)
		return ret;
	if ((ret = get_u32(d, &q, BER_INTEGER, "VLV beforeCount", &v->before)) <
		    0 ||
	    (ret = get_u32(d, &q, BER_INTEGER, "VLV afterCount", &v->after)) <
		    0)
		return ret;
	if (ber_next(&q, &e) < 0)
		return bad(d, "VLV target", &q);
	if (e.tag == BER_CTX(BER_CONSTRUCTED | 0)) {
		v->by_offset = true;
		if ((ret = enter(d, &q, &e, "VLV byOffset", &t)) < 0)
			return ret;
		if ((ret = get_u32(d, &t, BER_INTEGER, "VLV offset",
				   &v->offset)) < 0 ||
		    (ret = get_u32(d, &t, BER_INTEGER, "VLV contentCount",
				   &v->content_count)) < 0 ||
		    (ret = at_end(d, &t, "VLV byOffset")) < 0)
			return ret;
	} else if (e.tag == BER_CTX(1)) {
		if ((ret = val(d, &e, &v->assertion)) < 0)
			return ret;
	} else {
		return ob_err_set(d->err, OB_E_PARSE,
				  "VLV: unknown target choice 0x%02x", e.tag);
	}
	if (ber_peek(&q) == BER_OCTETS &&
	    (ret = get_str(d, &q, BER_OCTETS, "VLV contextID", &v->context)) <
		    0)
		return ret;
	return at_end(d, &q, "VLV");
}

static int control(struct dec *d, struct ber_reader *r, struct ldap_msg *m,
		   struct ldap_control *c)
{
	struct ber_reader s;
	struct ber_elem e;
	int ret;

	if (ber_expect(r, BER_SEQUENCE, &e) < 0)
		return bad(d, "control", r);
	if ((ret = enter(d, r, &e, "control", &s)) < 0)
		return ret;
	if ((ret = get_str(d, &s, BER_OCTETS, "controlType", &c->oid)) < 0)
		return ret;
	if (ber_peek(&s) == BER_BOOLEAN &&
	    (ber_next(&s, &e) < 0 || ber_bool(&s, &e, &c->critical) < 0))
		return bad(d, "control criticality", &s);
	if (ber_peek(&s) == BER_OCTETS &&
	    (ret = get_str(d, &s, BER_OCTETS, "controlValue", &c->value)) < 0)
		return ret;
	if ((ret = at_end(d, &s, "control")) < 0)
		return ret;
	if (strcmp(c->oid.p, LDAP_OID_PAGED) == 0) {
		if (m->paged.present)
			goto twice;
		m->paged.present = true;
		m->paged.critical = c->critical;
		return ctl_paged(d, c, &m->paged);
	}
	if (strcmp(c->oid.p, LDAP_OID_SORT_REQ) == 0) {
		if (m->sort.present)
			goto twice;
		m->sort.present = true;
		m->sort.critical = c->critical;
		return ctl_sort(d, c, &m->sort);
	}
	if (strcmp(c->oid.p, LDAP_OID_VLV_REQ) == 0) {
		if (m->vlv.present)
			goto twice;
		m->vlv.present = true;
		m->vlv.critical = c->critical;
		return ctl_vlv(d, c, &m->vlv);
	}
	return 0;
twice:
	return ob_err_set(d->err, OB_E_PARSE, "control %s sent twice",
			  c->oid.p);
}

static int controls(struct dec *d, struct ber_reader *r, struct ldap_msg *m)
{
	struct ber_reader s;
	struct ber_elem e;
	int ret;

	if (ber_next(r, &e) < 0)
		return bad(d, "controls", r);
	if (e.tag != BER_CTX(BER_CONSTRUCTED | 0))
		return ob_err_set(d->err, OB_E_PARSE,
				  "unexpected 0x%02x after protocolOp", e.tag);
	if ((ret = enter(d, r, &e, "controls", &s)) < 0)
		return ret;
	if (ber_count(&s, &m->n_controls) < 0)
		return bad(d, "controls", &s);
	if ((ret = items(d, m->n_controls)) < 0)
		return ret;
	m->controls = array(d, m->n_controls, sizeof(*m->controls));
	if (m->n_controls > 0 && m->controls == NULL)
		return OB_E_NOMEM;
	for (size_t i = 0; i < m->n_controls; i++)
		if ((ret = control(d, &s, m, &m->controls[i])) < 0)
			return ret;
	return 0;
}

/* Which op a tag is, and whether it is constructed: -1 unknown. */
static int op_of(unsigned char tag, bool *cons_r)
{
	unsigned n = tag & 0x1f;

	if ((tag & 0xc0) != 0x40)
		return -1;
	*cons_r = n != LDAP_OP_UNBIND && n != LDAP_OP_DELETE &&
		  n != LDAP_OP_ABANDON;
	if (n <= LDAP_OP_ABANDON || n == LDAP_OP_SEARCH_REF ||
	    (n >= LDAP_OP_EXTENDED && n <= LDAP_OP_INTERMEDIATE))
		return (int)n;
	return -1;
}

static int decode(struct dec *d, const unsigned char *pdu, size_t len,
		  struct ldap_msg *m, int32_t *id_r)
{
	struct ber_reader top, r, s;
	struct ber_elem e;
	bool cons;
	int op, ret;

	ber_reader_init(&top, pdu, len);
	if (ber_peek(&top) != BER_SEQUENCE)
		return ob_err_set(d->err, OB_E_PARSE,
				  "LDAPMessage: not a SEQUENCE");
	if (ber_next(&top, &e) < 0)
		return bad(d, "LDAPMessage", &top);
	if ((ret = at_end(d, &top, "LDAPMessage")) < 0)
		return ret;
	if ((ret = enter(d, &top, &e, "LDAPMessage", &r)) < 0)
		return ret;
	if ((ret = get_int(d, &r, BER_INTEGER, "messageID", 0, INT32_MAX,
			   &m->id)) < 0)
		return ret;
	if (m->id == 0)
		return ob_err_set(d->err, OB_E_PARSE,
				  "messageID 0 is reserved for the server");
	*id_r = m->id;
	if (ber_next(&r, &e) < 0)
		return bad(d, "protocolOp", &r);
	op = op_of(e.tag, &cons);
	if (op < 0)
		return ob_err_set(d->err, OB_E_PARSE,
				  "unknown protocolOp 0x%02x", e.tag);
	if (cons != ((e.tag & BER_CONSTRUCTED) != 0))
		return ob_err_set(d->err, OB_E_PARSE,
				  "protocolOp 0x%02x in the wrong form", e.tag);
	m->op = (enum ldap_op)op;
	if (cons && (ret = enter(d, &r, &e, "protocolOp", &s)) < 0)
		return ret;
	switch (m->op) {
	case LDAP_OP_BIND:
		ret = op_bind(d, &s, &m->bind);
		break;
	case LDAP_OP_UNBIND:
		ret = e.len == 0 ? 0
				 : ob_err_set(d->err, OB_E_PARSE,
					      "unbind with content");
		break;
	case LDAP_OP_SEARCH:
		ret = op_search(d, &s, &m->search);
		break;
	case LDAP_OP_ABANDON: {
		struct ber_elem a = e;

		a.tag = BER_INTEGER;
		if (ber_int(&r, &a, &m->abandon_id) < 0)
			return bad(d, "abandon", &r);
		if (m->abandon_id < 0)
			return ob_err_set(d->err, OB_E_PARSE,
					  "abandon: negative messageID");
		ret = 0;
		break;
	}
	case LDAP_OP_EXTENDED:
		ret = op_extended(d, &s, m);
		break;
	case LDAP_OP_COMPARE:
		ret = op_compare(d, &s, m);
		break;
	default: /* named only */
		cons = false;
		break;
	}
	if (ret == 0 && cons)
		ret = at_end(d, &s, "protocolOp");
	if (ret == 0 && !ber_at_end(&r))
		ret = controls(d, &r, m);
	if (ret == 0)
		ret = at_end(d, &r, "LDAPMessage");
	return ret;
}

int ldap_msg_decode(const unsigned char *pdu, size_t len, struct ldap_msg **m_r,
		    int32_t *id_r, struct ob_err *err)
{
	struct msg_box *box;
	struct dec d = {0};
	int32_t id = 0;
	int ret;

	*m_r = NULL;
	if (id_r != NULL)
		*id_r = 0;
	box = calloc(1, sizeof(*box));
	if (box == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	box->next_size = 256 + 2 * len;
	d.box = box;
	d.err = err;
	ret = decode(&d, pdu, len, &box->m, &id);
	if (d.ret != 0)
		ret = d.ret;
	if (id_r != NULL)
		*id_r = id;
	if (ret < 0) {
		struct ldap_msg *m = &box->m;

		ldap_msg_free(&m);
		return ret;
	}
	*m_r = &box->m;
	return 0;
}

const struct ldap_control *ldap_msg_unknown_critical(const struct ldap_msg *m)
{
	for (size_t i = 0; i < m->n_controls; i++) {
		const struct ldap_control *c = &m->controls[i];

		if (c->critical && strcmp(c->oid.p, LDAP_OID_PAGED) != 0 &&
		    strcmp(c->oid.p, LDAP_OID_SORT_REQ) != 0 &&
		    strcmp(c->oid.p, LDAP_OID_VLV_REQ) != 0)
			return c;
	}
	return NULL;
}

long ldap_pdu_length(const unsigned char *buf, size_t len, size_t max)
{
	size_t n = 0, k;

	if (len < 1)
		return 0;
	if (buf[0] != BER_SEQUENCE)
		return OB_E_PARSE;
	if (len < 2)
		return 0;
	if (buf[1] < 0x80) {
		n = 2 + (size_t)buf[1];
	} else {
		k = buf[1] & 0x7f;
		if (k == 0 || k > 4)
			return OB_E_PARSE; /* indefinite, or too long */
		if (len < 2 + k)
			return 0;
		for (size_t i = 0; i < k; i++)
			n = (n << 8) | buf[2 + i];
		if (n > (size_t)LONG_MAX - 2 - k)
			return OB_E_LIMIT;
		n += 2 + k;
	}
	if (n > max)
		return OB_E_LIMIT;
	return (long)n;
}

/* Writers */

static bool result_op(enum ldap_op op)
{
	switch (op) {
	case LDAP_OP_BIND_RESP:
	case LDAP_OP_SEARCH_DONE:
	case LDAP_OP_MODIFY_RESP:
	case LDAP_OP_ADD_RESP:
	case LDAP_OP_DELETE_RESP:
	case LDAP_OP_MODDN_RESP:
	case LDAP_OP_COMPARE_RESP:
	case LDAP_OP_EXTENDED_RESP:
		return true;
	default:
		return false;
	}
}

static void w_str(struct ber_w *w, unsigned char tag, const char *s)
{
	ber_w_octets(w, tag, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

static void w_result(struct ber_w *w, int32_t id, enum ldap_op op,
		     enum ldap_rc rc, const char *matched, const char *diag)
{
	ber_w_open(w, BER_SEQUENCE);
	ber_w_int(w, BER_INTEGER, id);
	ber_w_open(w, BER_APP(BER_CONSTRUCTED | op));
	ber_w_int(w, BER_ENUM, rc);
	w_str(w, BER_OCTETS, matched);
	w_str(w, BER_OCTETS, diag);
}

int ldap_put_result(struct ob_buf *out, int32_t id, enum ldap_op op,
		    enum ldap_rc rc, const char *matched, const char *diag,
		    const struct ob_buf *ctrls)
{
	struct ber_w w;

	if (id < 0 || !result_op(op))
		return OB_E_INVAL;
	ber_w_init(&w, out);
	w_result(&w, id, op, rc, matched, diag);
	ber_w_close(&w);
	if (ctrls != NULL && ctrls->len > 0) {
		ber_w_open(&w, BER_CTX(BER_CONSTRUCTED | 0));
		ber_w_raw(&w, ctrls->data, ctrls->len);
		ber_w_close(&w);
	}
	ber_w_close(&w);
	return ber_w_finish(&w);
}

int ldap_put_extended(struct ob_buf *out, int32_t id, enum ldap_rc rc,
		      const char *diag, const char *oid,
		      const struct ldap_val *value)
{
	struct ber_w w;

	if (id < 0)
		return OB_E_INVAL;
	ber_w_init(&w, out);
	w_result(&w, id, LDAP_OP_EXTENDED_RESP, rc, NULL, diag);
	if (oid != NULL)
		w_str(&w, BER_CTX(10), oid);
	if (value != NULL && value->p != NULL)
		ber_w_octets(&w, BER_CTX(11), value->p, value->len);
	ber_w_close(&w);
	ber_w_close(&w);
	return ber_w_finish(&w);
}

int ldap_put_disconnect(struct ob_buf *out, enum ldap_rc rc, const char *diag)
{
	struct ber_w w;

	ber_w_init(&w, out);
	w_result(&w, 0, LDAP_OP_EXTENDED_RESP, rc, NULL, diag);
	w_str(&w, BER_CTX(10), LDAP_OID_DISCONNECT);
	ber_w_close(&w);
	ber_w_close(&w);
	return ber_w_finish(&w);
}

static void entry_fail(struct ldap_entry_w *w, int err)
{
	w->err = err;
	if (w->out->len > w->mark) {
		w->out->len = w->mark;
		w->out->data[w->mark] = '\0';
	}
}

void ldap_entry_begin(struct ldap_entry_w *w, struct ob_buf *out, int32_t id,
		      const char *dn, size_t dn_len)
{
	struct ber_w b;
	unsigned char ph[2] = {0, 0};

	w->out = out;
	w->mark = out->len;
	w->err = 0;
	if (id < 0) {
		w->err = OB_E_INVAL;
		return;
	}
	/* Three elements stay open across calls: one-octet placeholder
	 * lengths at mark + 1, op + 1 and attrs + 1, fixed at the end. */
	ber_w_init(&b, out);
	ph[0] = BER_SEQUENCE;
	ber_w_raw(&b, ph, 2);
	ber_w_int(&b, BER_INTEGER, id);
	w->op = out->len;
	ph[0] = BER_APP(BER_CONSTRUCTED | LDAP_OP_SEARCH_ENTRY);
	ber_w_raw(&b, ph, 2);
	ber_w_octets(&b, BER_OCTETS, dn, dn_len);
	w->attrs = out->len;
	ph[0] = BER_SEQUENCE;
	ber_w_raw(&b, ph, 2);
	if (ber_w_finish(&b) < 0)
		entry_fail(w, b.err);
}

void ldap_entry_attr(struct ldap_entry_w *w, const char *type,
		     const struct ldap_val *vals, size_t n_vals,
		     bool types_only)
{
	struct ber_w b;

	if (w->err != 0)
		return;
	ber_w_init(&b, w->out);
	ber_w_open(&b, BER_SEQUENCE);
	w_str(&b, BER_OCTETS, type);
	ber_w_open(&b, BER_SET);
	for (size_t i = 0; !types_only && i < n_vals; i++)
		ber_w_octets(&b, BER_OCTETS, vals[i].p, vals[i].len);
	ber_w_close(&b);
	ber_w_close(&b);
	if (ber_w_finish(&b) < 0)
		entry_fail(w, b.err);
}

int ldap_entry_end(struct ldap_entry_w *w)
{
	int ret;

	if (w->err != 0)
		return w->err;
	/* inner first: widening an inner length shifts only what follows */
	if ((ret = ber_fix_len(w->out, w->attrs + 1)) < 0 ||
	    (ret = ber_fix_len(w->out, w->op + 1)) < 0 ||
	    (ret = ber_fix_len(w->out, w->mark + 1)) < 0)
		entry_fail(w, ret);
	return w->err;
}

/* Control { controlType, controlValue OCTET STRING holding value } */
static int put_ctrl(struct ob_buf *ctrls, const char *oid, struct ber_w *v,
		    struct ob_buf *vbuf)
{
	struct ber_w w;
	int ret = ber_w_finish(v);

	if (ret < 0) {
		ob_buf_deinit(vbuf);
		return ret;
	}
	ber_w_init(&w, ctrls);
	ber_w_open(&w, BER_SEQUENCE);
	w_str(&w, BER_OCTETS, oid);
	ber_w_octets(&w, BER_OCTETS, vbuf->data, vbuf->len);
	ber_w_close(&w);
	ob_buf_deinit(vbuf);
	return ber_w_finish(&w);
}

int ldap_put_ctrl_paged(struct ob_buf *ctrls, uint32_t size_estimate,
			const void *cookie, size_t cookie_len)
{
	struct ob_buf vb;
	struct ber_w v;

	ob_buf_init(&vb, ctrls->cap);
	ber_w_init(&v, &vb);
	ber_w_open(&v, BER_SEQUENCE);
	ber_w_int(&v, BER_INTEGER, size_estimate);
	ber_w_octets(&v, BER_OCTETS, cookie, cookie_len);
	ber_w_close(&v);
	return put_ctrl(ctrls, LDAP_OID_PAGED, &v, &vb);
}

int ldap_put_ctrl_sort(struct ob_buf *ctrls, enum ldap_rc rc, const char *attr)
{
	struct ob_buf vb;
	struct ber_w v;

	ob_buf_init(&vb, ctrls->cap);
	ber_w_init(&v, &vb);
	ber_w_open(&v, BER_SEQUENCE);
	ber_w_int(&v, BER_ENUM, rc);
	if (attr != NULL)
		w_str(&v, BER_CTX(0), attr);
	ber_w_close(&v);
	return put_ctrl(ctrls, LDAP_OID_SORT_RESP, &v, &vb);
}

int ldap_put_ctrl_vlv(struct ob_buf *ctrls, uint32_t target, uint32_t count,
		      enum ldap_rc rc, const void *context, size_t context_len)
{
	struct ob_buf vb;
	struct ber_w v;

	ob_buf_init(&vb, ctrls->cap);
	ber_w_init(&v, &vb);
	ber_w_open(&v, BER_SEQUENCE);
	ber_w_int(&v, BER_INTEGER, target);
	ber_w_int(&v, BER_INTEGER, count);
	ber_w_int(&v, BER_ENUM, rc);
	if (context != NULL)
		ber_w_octets(&v, BER_OCTETS, context, context_len);
	ber_w_close(&v);
	return put_ctrl(ctrls, LDAP_OID_VLV_RESP, &v, &vb);
}
