/* Tests for ldap/ber and ldap/proto: the PDUs real clients sent
 * (testdata/ldap/pdus/, recorded by testdata/ldap/capture.py from
 * ldapsearch, ldapmodify, ldapadd, ldapdelete, ldapcompare, ldapwhoami
 * and python3-ldap3) decoded field by field; hostile PDUs; the writers
 * byte-exact against hand-computed encodings and, when a python3 with
 * ldap3's pyasn1 schema is there, parsed by that independent decoder. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldap/ber.h"
#include "ldap/proto.h"
#include "tests/lib/test.h"

static unsigned char pdu[65536];
static size_t pdu_len;

static bool load(const char *name)
{
	char rel[256];
	FILE *f;

	snprintf(rel, sizeof(rel), "testdata/ldap/pdus/%s.ber", name);
	f = fopen(test_srcpath(rel), "rb");
	if (f == NULL) {
		test_fail(__FILE__, __LINE__, "cannot open %s", rel);
		pdu_len = 0;
		return false;
	}
	pdu_len = fread(pdu, 1, sizeof(pdu), f);
	fclose(f);
	return pdu_len > 0;
}

/* Decode a capture; NULL (and a failure) when it does not decode. */
static struct ldap_msg *decode_capture(const char *name)
{
	struct ldap_msg *m = NULL;
	struct ob_err err = {0};
	int32_t id;

	if (!load(name))
		return NULL;
	if (ldap_msg_decode(pdu, pdu_len, &m, &id, &err) != 0) {
		test_fail(__FILE__, __LINE__, "%s: %s", name, err.msg);
		return NULL;
	}
	return m;
}

#define assert_val(v, s)                                                       \
	do {                                                                   \
		test_assert((v).p != NULL);                                    \
		if ((v).p != NULL) {                                           \
			test_assert_str((v).p, (s));                           \
			test_assert_int((v).len, strlen(s));                   \
		}                                                              \
	} while (0)

static void assert_substr(const struct ldap_filter *f, const char *attr,
			  const char *initial, const char *any,
			  const char *final)
{
	test_assert_int(f->kind, LDAP_F_SUBSTR);
	assert_val(f->attr, attr);
	if (initial != NULL)
		assert_val(f->initial, initial);
	else
		test_assert(f->initial.p == NULL);
	if (any != NULL) {
		test_assert_int(f->n_any, 1);
		if (f->n_any == 1)
			assert_val(f->any[0], any);
	} else {
		test_assert_int(f->n_any, 0);
	}
	if (final != NULL)
		assert_val(f->final, final);
	else
		test_assert(f->final.p == NULL);
}

static void assert_attrs(const struct ldap_search *s, const char **want,
			 size_t n)
{
	test_assert_int(s->n_attrs, n);
	for (size_t i = 0; i < n && i < s->n_attrs; i++)
		assert_val(s->attrs[i], want[i]);
}

static void test_yealink(void)
{
	struct ldap_msg *m;
	const char *attrs[] = {"cn", "sn", "telephoneNumber", "mobile"};

	test_begin("capture: Yealink name search (ldapsearch -z 50)");
	m = decode_capture("yealink-name-2-search");
	if (m != NULL) {
		const struct ldap_search *s = &m->search;

		test_assert_int(m->id, 2);
		test_assert_int(m->op, LDAP_OP_SEARCH);
		assert_val(s->base, "dc=example");
		test_assert_int(s->scope, LDAP_SCOPE_SUB);
		test_assert_int(s->deref, 0);
		test_assert_int(s->size_limit, 50);
		test_assert_int(s->time_limit, 0);
		test_assert(!s->types_only);
		test_assert_int(s->filter->kind, LDAP_F_OR);
		test_assert_int(s->filter->n_sub, 2);
		if (s->filter->n_sub == 2) {
			assert_substr(s->filter->sub[0], "cn", "zh", NULL,
				      NULL);
			assert_substr(s->filter->sub[1], "sn", "zh", NULL,
				      NULL);
		}
		assert_attrs(s, attrs, 4);
		test_assert_int(m->n_controls, 0);
		test_assert(!m->paged.present && !m->sort.present &&
			    !m->vlv.present);
	}
	ldap_msg_free(&m);
	test_assert(m == NULL);
	test_end();

	test_begin("capture: Yealink number search (suffix on three attrs)");
	m = decode_capture("yealink-number-2-search");
	if (m != NULL) {
		const struct ldap_filter *f = m->search.filter;
		const char *names[] = {"telephoneNumber", "mobile",
				       "homePhone"};

		test_assert_int(m->search.size_limit, 1);
		test_assert_int(f->kind, LDAP_F_OR);
		test_assert_int(f->n_sub, 3);
		for (size_t i = 0; i < 3 && i < f->n_sub; i++)
			assert_substr(f->sub[i], names[i], NULL, NULL, "5678");
		const char *cn[] = {"cn"};

		assert_attrs(&m->search, cn, 1);
	}
	ldap_msg_free(&m);
	test_end();
}

static void test_snom_thunderbird(void)
{
	struct ldap_msg *m;

	test_begin("capture: Snom presence guard and name prefix");
	m = decode_capture("snom-2-search");
	if (m != NULL) {
		const struct ldap_filter *f = m->search.filter;
		const char *attrs[] = {"displayName", "telephoneNumber"};

		test_assert_int(m->search.size_limit, 25);
		test_assert_int(m->search.time_limit, 5);
		test_assert_int(f->kind, LDAP_F_AND);
		test_assert_int(f->n_sub, 2);
		if (f->n_sub == 2) {
			test_assert_int(f->sub[0]->kind, LDAP_F_PRESENT);
			assert_val(f->sub[0]->attr, "telephoneNumber");
			assert_substr(f->sub[1], "displayName", "zh", NULL,
				      NULL);
		}
		assert_attrs(&m->search, attrs, 2);
	}
	ldap_msg_free(&m);
	test_end();

	test_begin("capture: Thunderbird autocomplete (python3-ldap3)");
	m = decode_capture("ldap3-thunderbird-2-search");
	if (m != NULL) {
		const struct ldap_filter *f = m->search.filter;
		const char *names[] = {"cn", "mail", "givenName", "sn"};
		const char *attrs[] = {"cn", "mail", "givenName", "sn",
				       "telephoneNumber"};

		test_assert_int(m->search.size_limit, 100);
		test_assert_int(m->search.deref, 3);
		test_assert_int(f->kind, LDAP_F_OR);
		test_assert_int(f->n_sub, 4);
		for (size_t i = 0; i < 4 && i < f->n_sub; i++)
			assert_substr(f->sub[i], names[i], NULL, "zh", NULL);
		assert_attrs(&m->search, attrs, 5);
	}
	ldap_msg_free(&m);
	test_end();
}

static void test_filters(void)
{
	struct ldap_msg *m;

	test_begin("capture: every filter choice (ldap3)");
	m = decode_capture("ldap3-filters-2-search");
	if (m != NULL) {
		const struct ldap_filter *f = m->search.filter, *g;
		const char *attrs[] = {"1.1"};

		test_assert_int(m->id, 5);
		test_assert_int(m->search.scope, LDAP_SCOPE_BASE);
		test_assert(m->search.types_only);
		assert_attrs(&m->search, attrs, 1);
		test_assert_int(f->kind, LDAP_F_AND);
		test_assert_int(f->n_sub, 7);
		if (f->n_sub == 7) {
			g = f->sub[0];
			test_assert_int(g->kind, LDAP_F_NOT);
			test_assert_int(g->n_sub, 1);
			g = g->sub[0];
			test_assert_int(g->kind, LDAP_F_SUBSTR);
			assert_val(g->initial, "a");
			test_assert_int(g->n_any, 1);
			assert_val(g->any[0], "b");
			assert_val(g->final, "c");
			g = f->sub[1];
			test_assert_int(g->kind, LDAP_F_GE);
			assert_val(g->attr, "cn");
			assert_val(g->value, "m");
			g = f->sub[2];
			test_assert_int(g->kind, LDAP_F_LE);
			assert_val(g->attr, "sn");
			assert_val(g->value, "z");
			g = f->sub[3];
			test_assert_int(g->kind, LDAP_F_APPROX);
			assert_val(g->attr, "mail");
			assert_val(g->value, "zhang");
			g = f->sub[4];
			test_assert_int(g->kind, LDAP_F_EXT);
			assert_val(g->rule, "caseExactMatch");
			assert_val(g->attr, "cn");
			assert_val(g->value, "Zhang");
			test_assert(!g->dn_attrs);
			g = f->sub[5];
			test_assert_int(g->kind, LDAP_F_EXT);
			assert_val(g->rule, "2.5.13.5");
			test_assert(g->attr.p == NULL);
			assert_val(g->value, "x");
			test_assert(g->dn_attrs);
			g = f->sub[6];
			test_assert_int(g->kind, LDAP_F_PRESENT);
			assert_val(g->attr, "sn");
		}
	}
	ldap_msg_free(&m);
	test_end();

	test_begin("capture: absolute true and false (|(&)(!(|)))");
	m = decode_capture("absolute-2-search");
	if (m != NULL) {
		const struct ldap_filter *f = m->search.filter;

		test_assert_int(f->kind, LDAP_F_OR);
		test_assert_int(f->n_sub, 2);
		if (f->n_sub == 2) {
			test_assert_int(f->sub[0]->kind, LDAP_F_AND);
			test_assert_int(f->sub[0]->n_sub, 0);
			test_assert(f->sub[0]->sub == NULL);
			test_assert_int(f->sub[1]->kind, LDAP_F_NOT);
			test_assert_int(f->sub[1]->sub[0]->kind, LDAP_F_OR);
			test_assert_int(f->sub[1]->sub[0]->n_sub, 0);
		}
		test_assert_int(m->search.n_attrs, 0);
		test_assert(m->search.attrs == NULL);
	}
	ldap_msg_free(&m);
	test_end();

	test_begin("capture: typesOnly, one level, 1.1 (ldapsearch -A)");
	m = decode_capture("typesonly-2-search");
	if (m != NULL) {
		const char *attrs[] = {"1.1"};

		test_assert_int(m->search.scope, LDAP_SCOPE_ONE);
		test_assert(m->search.types_only);
		test_assert_int(m->search.filter->kind, LDAP_F_PRESENT);
		assert_val(m->search.filter->attr, "objectClass");
		assert_attrs(&m->search, attrs, 1);
	}
	ldap_msg_free(&m);
	test_end();
}

static void test_controls(void)
{
	struct ldap_msg *m;

	test_begin("capture: paged results (-E pr=10)");
	m = decode_capture("paged-2-search");
	if (m != NULL) {
		test_assert_int(m->n_controls, 1);
		assert_val(m->controls[0].oid, LDAP_OID_PAGED);
		test_assert(!m->controls[0].critical);
		test_assert_int(m->controls[0].value.len, 7);
		test_assert(m->paged.present);
		test_assert(!m->paged.critical);
		test_assert_int(m->paged.size, 10);
		assert_val(m->paged.cookie, "");
		test_assert(ldap_msg_unknown_critical(m) == NULL);
	}
	ldap_msg_free(&m);
	test_end();

	test_begin("capture: server-side sort (-E sss=cn/-sn:2.5.13.3)");
	m = decode_capture("sort-2-search");
	if (m != NULL) {
		test_assert(m->sort.present);
		test_assert_int(m->sort.n_keys, 2);
		if (m->sort.n_keys == 2) {
			assert_val(m->sort.keys[0].attr, "cn");
			test_assert(m->sort.keys[0].rule.p == NULL);
			test_assert(!m->sort.keys[0].reverse);
			assert_val(m->sort.keys[1].attr, "sn");
			assert_val(m->sort.keys[1].rule, "2.5.13.3");
			test_assert(m->sort.keys[1].reverse);
		}
		test_assert(!m->paged.present && !m->vlv.present);
	}
	ldap_msg_free(&m);
	test_end();

	test_begin("capture: VLV by offset with sort (-E vlv=2/5/1/0)");
	m = decode_capture("vlv-2-search");
	if (m != NULL) {
		test_assert_int(m->n_controls, 2);
		test_assert(m->sort.present);
		test_assert(m->vlv.present);
		test_assert(!m->vlv.critical);
		test_assert_int(m->vlv.before, 2);
		test_assert_int(m->vlv.after, 5);
		test_assert(m->vlv.by_offset);
		test_assert_int(m->vlv.offset, 1);
		test_assert_int(m->vlv.content_count, 0);
		test_assert(m->vlv.context.p == NULL);
	}
	ldap_msg_free(&m);
	test_end();

	test_begin("capture: VLV by value (-E vlv=0/9:zh)");
	m = decode_capture("vlv-value-2-search");
	if (m != NULL) {
		test_assert(m->vlv.present);
		test_assert_int(m->vlv.before, 0);
		test_assert_int(m->vlv.after, 9);
		test_assert(!m->vlv.by_offset);
		assert_val(m->vlv.assertion, "zh");
	}
	ldap_msg_free(&m);
	test_end();

	test_begin("capture: unknown critical control kept (ldap3)");
	m = decode_capture("ldap3-critical-2-search");
	if (m != NULL) {
		const struct ldap_control *c = ldap_msg_unknown_critical(m);

		test_assert_int(m->n_controls, 1);
		test_assert(c == &m->controls[0]);
		if (c != NULL) {
			assert_val(c->oid, "1.2.3.4.5");
			test_assert(c->critical);
			assert_val(c->value, "value");
		}
		test_assert(!m->paged.present);
	}
	ldap_msg_free(&m);
	test_end();
}

static void test_other_ops(void)
{
	struct ldap_msg *m;

	test_begin("capture: simple bind with a DN and password");
	m = decode_capture("simple-bind-1-bind");
	if (m != NULL) {
		test_assert_int(m->id, 1);
		test_assert_int(m->op, LDAP_OP_BIND);
		test_assert_int(m->bind.version, 3);
		assert_val(m->bind.name, "uid=zs,dc=example");
		test_assert(m->bind.simple);
		assert_val(m->bind.password, "secret");
		test_assert(m->bind.mech.p == NULL);
	}
	ldap_msg_free(&m);
	test_end();

	test_begin("capture: anonymous bind (ldapsearch -x)");
	m = decode_capture("yealink-name-1-bind");
	if (m != NULL) {
		test_assert_int(m->id, 1);
		test_assert(m->bind.simple);
		assert_val(m->bind.name, "");
		assert_val(m->bind.password, "");
	}
	ldap_msg_free(&m);
	test_end();

	test_begin("capture: SASL bind (ldapsearch -Y DIGEST-MD5)");
	m = decode_capture("sasl-bind-1-bind");
	if (m != NULL) {
		test_assert(!m->bind.simple);
		assert_val(m->bind.mech, "DIGEST-MD5");
		test_assert(m->bind.creds.p == NULL);
		test_assert(m->bind.password.p == NULL);
	}
	ldap_msg_free(&m);
	{
		/* SASL PLAIN with credentials "\0zs\0pw" (bytes with NULs) */
		static const unsigned char plain[] = {
			0x30, 0x1b, 0x02, 0x01, 0x01, 0x60, 0x16, 0x02,
			0x01, 0x03, 0x04, 0x00, 0xa3, 0x0f, 0x04, 0x05,
			'P',  'L',  'A',  'I',  'N',  0x04, 0x06, 0x00,
			'z',  's',  0x00, 'p',  'w'};
		struct ob_err err = {0};

		test_assert_int(
			ldap_msg_decode(plain, sizeof(plain), &m, NULL, &err),
			0);
		if (m != NULL) {
			assert_val(m->bind.mech, "PLAIN");
			test_assert_mem(m->bind.creds.p, m->bind.creds.len,
					"\0zs\0pw", 6);
			test_assert_int(m->bind.creds.p[6], 0);
		}
		ldap_msg_free(&m);
	}
	test_end();

	test_begin("capture: StartTLS and whoami extended requests");
	m = decode_capture("starttls-1-extended");
	if (m != NULL) {
		test_assert_int(m->id, 1);
		test_assert_int(m->op, LDAP_OP_EXTENDED);
		assert_val(m->ext_oid, LDAP_OID_STARTTLS);
		test_assert(m->ext_value.p == NULL);
	}
	ldap_msg_free(&m);
	m = decode_capture("whoami-2-extended");
	if (m != NULL) {
		test_assert_int(m->id, 2);
		assert_val(m->ext_oid, LDAP_OID_WHOAMI);
		test_assert(m->ext_value.p == NULL);
	}
	ldap_msg_free(&m);
	test_end();

	test_begin("capture: compare (ldapcompare)");
	m = decode_capture("compare-2-compare");
	if (m != NULL) {
		test_assert_int(m->op, LDAP_OP_COMPARE);
		assert_val(m->compare_dn, "uid=zs,dc=example");
		assert_val(m->compare_attr, "cn");
		assert_val(m->compare_value, "Zhang San");
	}
	ldap_msg_free(&m);
	test_end();

	test_begin("capture: abandon and unbind");
	m = decode_capture("ldap3-abandon-3-abandon");
	if (m != NULL) {
		test_assert_int(m->op, LDAP_OP_ABANDON);
		test_assert_int(m->id, 11);
		test_assert_int(m->abandon_id, 10);
	}
	ldap_msg_free(&m);
	m = decode_capture("yealink-name-3-unbind");
	if (m != NULL) {
		test_assert_int(m->op, LDAP_OP_UNBIND);
		test_assert_int(m->id, 3);
	}
	ldap_msg_free(&m);
	test_end();

	test_begin("capture: modify, add and delete named only");
	m = decode_capture("modify-2-modify");
	if (m != NULL) {
		test_assert_int(m->op, LDAP_OP_MODIFY);
		test_assert_int(m->id, 2);
	}
	ldap_msg_free(&m);
	m = decode_capture("add-2-add");
	if (m != NULL)
		test_assert_int(m->op, LDAP_OP_ADD);
	ldap_msg_free(&m);
	m = decode_capture("delete-2-delete");
	if (m != NULL)
		test_assert_int(m->op, LDAP_OP_DELETE);
	ldap_msg_free(&m);
	test_end();
}

/* Every capture, in one list for the framing and truncation tests. */
static const char *captures[] = {
	"yealink-name-1-bind",
	"yealink-name-2-search",
	"yealink-name-3-unbind",
	"yealink-number-2-search",
	"snom-2-search",
	"typesonly-2-search",
	"paged-2-search",
	"sort-2-search",
	"vlv-2-search",
	"vlv-value-2-search",
	"absolute-2-search",
	"starttls-1-extended",
	"simple-bind-1-bind",
	"sasl-bind-1-bind",
	"whoami-2-extended",
	"compare-2-compare",
	"delete-2-delete",
	"modify-2-modify",
	"add-2-add",
	"ldap3-thunderbird-2-search",
	"ldap3-filters-2-search",
	"ldap3-critical-2-search",
	"ldap3-abandon-3-abandon",
};

static void test_framing(void)
{
	test_begin("ldap_pdu_length frames every capture at every prefix");
	for (size_t i = 0; i < sizeof(captures) / sizeof(*captures); i++) {
		size_t hdr;

		if (!load(captures[i]))
			continue;
		hdr = pdu[1] < 0x80 ? 2 : 2 + (pdu[1] & 0x7f);
		for (size_t k = 0; k <= pdu_len; k++) {
			long n = ldap_pdu_length(pdu, k, 65536);

			if (k < hdr)
				test_assert_int(n, 0);
			else
				test_assert_int(n, pdu_len);
		}
		test_assert_int(ldap_pdu_length(pdu, pdu_len, pdu_len),
				pdu_len);
		test_assert_int(ldap_pdu_length(pdu, pdu_len, pdu_len - 1),
				OB_E_LIMIT);
	}
	test_end();

	test_begin("ldap_pdu_length refuses what is not an LDAPMessage");
	{
		static const unsigned char bad_tag[] = {0x31, 0x00};
		static const unsigned char indef[] = {0x30, 0x80, 0x02};
		static const unsigned char five[] = {0x30, 0x85, 0, 0, 0, 0, 1};
		static const unsigned char huge[] = {0x30, 0x84, 0xff,
						     0xff, 0xff, 0xff};
		static const unsigned char long_ok[] = {0x30, 0x82, 0x01, 0x00};

		test_assert_int(ldap_pdu_length(bad_tag, 2, 100), OB_E_PARSE);
		test_assert_int(ldap_pdu_length(bad_tag, 1, 100), OB_E_PARSE);
		test_assert_int(ldap_pdu_length(indef, 3, 100), OB_E_PARSE);
		test_assert_int(ldap_pdu_length(five, 7, 100), OB_E_PARSE);
		test_assert_int(ldap_pdu_length(huge, 6, 1 << 20), OB_E_LIMIT);
		test_assert_int(ldap_pdu_length(huge, 5, 1 << 20), 0);
		test_assert_int(ldap_pdu_length(long_ok, 4, 1000), 260);
		test_assert_int(ldap_pdu_length(long_ok, 0, 1000), 0);
	}
	test_end();
}

static int decode_bytes(const unsigned char *p, size_t len, int32_t *id_r,
			struct ob_err *err)
{
	struct ldap_msg *m = NULL;
	int ret;

	/* an exact-size copy so that ASan sees any read past the PDU */
	unsigned char *c = malloc(len ? len : 1);

	if (c == NULL)
		return OB_E_NOMEM;
	memcpy(c, p, len);
	ret = ldap_msg_decode(c, len, &m, id_r, err);
	if (ret == 0 && m == NULL)
		ret = OB_E_FAIL;
	if (ret != 0 && m != NULL)
		ret = OB_E_FAIL;
	ldap_msg_free(&m);
	free(c);
	return ret;
}

#define assert_refused(bytes, want_id, why)                                    \
	do {                                                                   \
		struct ob_err e_ = {0};                                        \
		int32_t id_ = -1;                                              \
		test_assert_int(                                               \
			decode_bytes((bytes), sizeof(bytes), &id_, &e_),       \
			OB_E_PARSE);                                           \
		test_assert_int(id_, (want_id));                               \
		test_assert(strstr(e_.msg, (why)) != NULL);                    \
	} while (0)

static void test_truncated(void)
{
	test_begin("every capture truncated at every length is refused");
	for (size_t i = 0; i < sizeof(captures) / sizeof(*captures); i++) {
		if (!load(captures[i]))
			continue;
		for (size_t k = 0; k < pdu_len; k++) {
			struct ob_err err = {0};
			int32_t id = -1;
			int ret = decode_bytes(pdu, k, &id, &err);

			test_assert_int(ret, OB_E_PARSE);
			test_assert(err.msg[0] != '\0');
			test_assert(id >= 0);
		}
		/* and with one byte too many */
		pdu[pdu_len] = 0;
		{
			struct ob_err err = {0};

			test_assert_int(
				decode_bytes(pdu, pdu_len + 1, NULL, &err),
				OB_E_PARSE);
			test_assert_str(err.msg, "LDAPMessage: trailing data");
		}
	}
	test_end();

	test_begin("an inner length that lies is refused, message id kept");
	{
		/* search with the filter's length one too long / short */
		if (load("typesonly-2-search")) {
			struct ob_err err = {0};
			int32_t id = -1;
			size_t f = 0;

			for (size_t i = 0; i + 1 < pdu_len; i++)
				if (pdu[i] == 0x87 && pdu[i + 1] == 0x0b)
					f = i;
			test_assert(f != 0);
			pdu[f + 1] = 0x0c;
			test_assert_int(decode_bytes(pdu, pdu_len, &id, &err),
					OB_E_PARSE);
			test_assert_int(id, 2);
			pdu[f + 1] = 0x0a;
			test_assert_int(decode_bytes(pdu, pdu_len, &id, &err),
					OB_E_PARSE);
			test_assert_int(id, 2);
			pdu[f + 1] = 0x0b;
			test_assert_int(decode_bytes(pdu, pdu_len, &id, &err),
					0);
		}
	}
	test_end();
}

static void test_hostile(void)
{
	test_begin("message ids: 0, negative, over 32 bits, missing");
	{
		static const unsigned char zero[] = {0x30, 0x05, 0x02, 0x01,
						     0x00, 0x42, 0x00};
		static const unsigned char neg[] = {0x30, 0x05, 0x02, 0x01,
						    0xff, 0x42, 0x00};
		static const unsigned char big[] = {0x30, 0x09, 0x02, 0x05,
						    0x01, 0x00, 0x00, 0x00,
						    0x00, 0x42, 0x00};
		static const unsigned char none[] = {0x30, 0x02, 0x42, 0x00};
		static const unsigned char empty_int[] = {0x30, 0x04, 0x02,
							  0x00, 0x42, 0x00};
		static const unsigned char max[] = {0x30, 0x08, 0x02, 0x04,
						    0x7f, 0xff, 0xff, 0xff,
						    0x42, 0x00};
		struct ob_err err = {0};
		int32_t id = 0;

		assert_refused(zero, 0, "messageID 0");
		assert_refused(neg, 0, "out of range");
		assert_refused(big, 0, "INTEGER over 32 bits");
		assert_refused(none, 0, "messageID");
		assert_refused(empty_int, 0, "INTEGER without content");
		test_assert_int(decode_bytes(max, sizeof(max), &id, &err), 0);
		test_assert_int(id, INT32_MAX);
	}
	test_end();

	test_begin("not a SEQUENCE, empty, indefinite, constructed strings");
	{
		static const unsigned char set[] = {0x31, 0x05, 0x02, 0x01,
						    0x01, 0x42, 0x00};
		static const unsigned char empty[] = {0x30, 0x00};
		static const unsigned char indef[] = {
			0x30, 0x80, 0x02, 0x01, 0x01, 0x42, 0x00, 0x00, 0x00};
		static const unsigned char prim_seq[] = {0x10, 0x00};
		/* bind with the name as a constructed OCTET STRING */
		static const unsigned char cons_str[] = {
			0x30, 0x0e, 0x02, 0x01, 0x01, 0x60, 0x09, 0x02,
			0x01, 0x03, 0x24, 0x02, 0x04, 0x00, 0x80, 0x00};
		static const unsigned char bad_op[] = {0x30, 0x05, 0x02, 0x01,
						       0x09, 0x51, 0x00};
		static const unsigned char unbind_c[] = {0x30, 0x05, 0x02, 0x01,
							 0x09, 0x62, 0x00};
		static const unsigned char unbind_x[] = {
			0x30, 0x06, 0x02, 0x01, 0x09, 0x42, 0x01, 0x00};
		static const unsigned char five_len[] = {
			0x30, 0x0a, 0x02, 0x01, 0x01, 0x42,
			0x85, 0x00, 0x00, 0x00, 0x00, 0x00};
		static const unsigned char huge[] = {
			0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x02, 0x01, 0x01};
		unsigned char none[1];

		assert_refused(set, 0, "not a SEQUENCE");
		assert_refused(empty, 0, "messageID: element missing");
		assert_refused(indef, 0, "indefinite length");
		assert_refused(prim_seq, 0, "not a SEQUENCE");
		assert_refused(cons_str, 1, "constructed form");
		assert_refused(bad_op, 9, "unknown protocolOp 0x51");
		assert_refused(unbind_c, 9, "wrong form");
		assert_refused(unbind_x, 9, "unbind with content");
		assert_refused(five_len, 1, "more than 4 octets");
		assert_refused(huge, 0, "length past the end");
		{
			struct ob_err err = {0};

			test_assert_int(decode_bytes(none, 0, NULL, &err),
					OB_E_PARSE);
		}
	}
	test_end();

	test_begin("zero-length strings everywhere decode as empty");
	{
		static const unsigned char z[] = {
			0x30, 0x1c, 0x02, 0x01, 0x05, 0x63, 0x17, 0x04,
			0x00, 0x0a, 0x01, 0x00, 0x0a, 0x01, 0x00, 0x02,
			0x01, 0x00, 0x02, 0x01, 0x00, 0x01, 0x01, 0x00,
			0x87, 0x00, 0x30, 0x02, 0x04, 0x00};
		struct ldap_msg *m = NULL;
		struct ob_err err = {0};

		test_assert_int(ldap_msg_decode(z, sizeof(z), &m, NULL, &err),
				0);
		if (m != NULL) {
			assert_val(m->search.base, "");
			test_assert_int(m->search.filter->kind, LDAP_F_PRESENT);
			assert_val(m->search.filter->attr, "");
			test_assert_int(m->search.n_attrs, 1);
			assert_val(m->search.attrs[0], "");
		}
		ldap_msg_free(&m);
	}
	test_end();
}

/* A search PDU around the filter bytes f (id 4). */
static int search_with(const unsigned char *f, size_t flen, struct ob_buf *b)
{
	struct ber_w w;
	static const unsigned char head[] = {0x04, 0x00, 0x0a, 0x01, 0x02, 0x0a,
					     0x01, 0x00, 0x02, 0x01, 0x00, 0x02,
					     0x01, 0x00, 0x01, 0x01, 0x00};

	ber_w_init(&w, b);
	ber_w_open(&w, BER_SEQUENCE);
	ber_w_int(&w, BER_INTEGER, 4);
	ber_w_open(&w, BER_APP(BER_CONSTRUCTED | LDAP_OP_SEARCH));
	ber_w_raw(&w, head, sizeof(head));
	ber_w_raw(&w, f, flen);
	ber_w_open(&w, BER_SEQUENCE);
	ber_w_close(&w);
	ber_w_close(&w);
	ber_w_close(&w);
	return ber_w_finish(&w);
}

/* depth NOTs around (cn=*): depth + 1 filter levels. */
static int nested(unsigned depth, struct ob_buf *f)
{
	static const unsigned char present[] = {0x87, 0x02, 'c', 'n'};

	ob_buf_reset(f);
	if (ob_buf_add(f, present, sizeof(present)) < 0)
		return -1;
	for (unsigned i = 0; i < depth; i++) {
		struct ob_buf t;
		struct ber_w w;

		ob_buf_init(&t, 1 << 20);
		ber_w_init(&w, &t);
		ber_w_octets(&w, BER_CTX(BER_CONSTRUCTED | 2), f->data, f->len);
		if (ber_w_finish(&w) < 0)
			return -1;
		ob_buf_reset(f);
		ob_buf_add(f, t.data, t.len);
		ob_buf_deinit(&t);
	}
	return 0;
}

static void test_limits(void)
{
	struct ob_buf f, pdu_b;

	ob_buf_init(&f, 1 << 20);
	ob_buf_init(&pdu_b, 1 << 20);

	test_begin("filters nest 32 deep, not 33");
	{
		struct ob_err err = {0};
		int32_t id = -1;
		struct ldap_msg *m = NULL;

		nested(31, &f);
		search_with((unsigned char *)f.data, f.len, &pdu_b);
		test_assert_int(ldap_msg_decode((unsigned char *)pdu_b.data,
						pdu_b.len, &m, &id, &err),
				0);
		if (m != NULL) {
			const struct ldap_filter *g = m->search.filter;
			unsigned levels = 1;

			while (g->kind == LDAP_F_NOT) {
				g = g->sub[0];
				levels++;
			}
			test_assert_int(levels, LDAP_FILTER_DEPTH);
			assert_val(g->attr, "cn");
		}
		ldap_msg_free(&m);
		nested(32, &f);
		ob_buf_reset(&pdu_b);
		search_with((unsigned char *)f.data, f.len, &pdu_b);
		test_assert_int(decode_bytes((unsigned char *)pdu_b.data,
					     pdu_b.len, &id, &err),
				OB_E_PARSE);
		test_assert_int(id, 4);
		test_assert_str(err.msg, "filter nested more than 32 deep");
		/* far deeper: refused the same way, the stack untouched */
		nested(5000, &f);
		ob_buf_reset(&pdu_b);
		search_with((unsigned char *)f.data, f.len, &pdu_b);
		test_assert_int(decode_bytes((unsigned char *)pdu_b.data,
					     pdu_b.len, &id, &err),
				OB_E_PARSE);
	}
	test_end();

	test_begin("4095 filter nodes decode, 5000 are refused");
	{
		static const unsigned char present[] = {0x87, 0x01, 'o'};
		size_t counts[] = {LDAP_MSG_ITEMS - 1, 5000};

		for (size_t c = 0; c < 2; c++) {
			struct ob_err err = {0};
			struct ob_buf t;
			struct ber_w w;
			int32_t id = -1;
			int ret;

			ob_buf_init(&t, 1 << 20);
			ber_w_init(&w, &t);
			ber_w_open(&w, BER_CTX(BER_CONSTRUCTED | 0));
			for (size_t i = 0; i < counts[c]; i++)
				ber_w_raw(&w, present, sizeof(present));
			ber_w_close(&w);
			test_assert_int(ber_w_finish(&w), 0);
			ob_buf_reset(&pdu_b);
			search_with((unsigned char *)t.data, t.len, &pdu_b);
			ret = decode_bytes((unsigned char *)pdu_b.data,
					   pdu_b.len, &id, &err);
			if (c == 0) {
				test_assert_int(ret, 0);
			} else {
				test_assert_int(ret, OB_E_PARSE);
				test_assert_int(id, 4);
				test_assert(strstr(err.msg, "more than 4096") !=
					    NULL);
			}
			ob_buf_deinit(&t);
		}
	}
	test_end();

	test_begin("filter details: bad substrings, extensible, choices");
	{
		/* (cn=) with no substrings */
		static const unsigned char nosub[] = {0xa4, 0x06, 0x04, 0x02,
						      'c',  'n',  0x30, 0x00};
		/* initial after any */
		static const unsigned char late[] = {
			0xa4, 0x0c, 0x04, 0x02, 'c',  'n',  0x30,
			0x06, 0x81, 0x01, 'a',  0x80, 0x01, 'b'};
		/* extensible with neither rule nor type */
		static const unsigned char ext[] = {0xa9, 0x03, 0x83, 0x01,
						    'x'};
		/* unknown choice [10] and constructed present */
		static const unsigned char ten[] = {0xaa, 0x00};
		static const unsigned char cpres[] = {0xa7, 0x00};
		/* NOT with two children */
		static const unsigned char not2[] = {0xa2, 0x06, 0x87, 0x01,
						     'a',  0x87, 0x01, 'b'};
		/* equality missing its value */
		static const unsigned char eq1[] = {0xa3, 0x04, 0x04,
						    0x02, 'c',  'n'};
		const struct {
			const unsigned char *p;
			size_t len;
			const char *why;
		} cases[] = {
			{nosub, sizeof(nosub), "substrings: empty"},
			{late, sizeof(late), "initial not first"},
			{ext, sizeof(ext), "neither matchingRule"},
			{ten, sizeof(ten), "unknown choice 0xaa"},
			{cpres, sizeof(cpres), "unknown choice 0xa7"},
			{not2, sizeof(not2), "filter: trailing data"},
			{eq1, sizeof(eq1), "assertionValue"},
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
			struct ob_err err = {0};
			int32_t id = -1;

			ob_buf_reset(&pdu_b);
			search_with(cases[i].p, cases[i].len, &pdu_b);
			test_assert_int(
				decode_bytes((unsigned char *)pdu_b.data,
					     pdu_b.len, &id, &err),
				OB_E_PARSE);
			test_assert_int(id, 4);
			if (strstr(err.msg, cases[i].why) == NULL)
				test_fail(__FILE__, __LINE__,
					  "case %zu: \"%s\" lacks \"%s\"", i,
					  err.msg, cases[i].why);
		}
	}
	test_end();

	test_begin("a known control twice or malformed is refused");
	{
		if (load("paged-2-search")) {
			struct ob_buf b;
			struct ber_w w;
			struct ob_err err = {0};
			int32_t id = -1;
			/* the paged control is the last 37 bytes */
			const unsigned char *ctl = pdu + pdu_len - 35;
			size_t body = pdu_len - 2 - 37;

			test_assert_int(pdu[pdu_len - 37], 0xa0);
			ob_buf_init(&b, 4096);
			ber_w_init(&w, &b);
			ber_w_open(&w, BER_SEQUENCE);
			ber_w_raw(&w, pdu + 2, body);
			ber_w_open(&w, BER_CTX(BER_CONSTRUCTED | 0));
			ber_w_raw(&w, ctl, 35);
			ber_w_raw(&w, ctl, 35);
			ber_w_close(&w);
			ber_w_close(&w);
			test_assert_int(ber_w_finish(&w), 0);
			test_assert_int(decode_bytes((unsigned char *)b.data,
						     b.len, &id, &err),
					OB_E_PARSE);
			test_assert_int(id, 2);
			test_assert_str(err.msg, "control " LDAP_OID_PAGED
						 " sent twice");
			/* size -1 inside the value */
			pdu[pdu_len - 3] = 0xff;
			test_assert_int(decode_bytes(pdu, pdu_len, &id, &err),
					OB_E_PARSE);
			test_assert_str(err.msg, "paged size: -1 out of range");
			ob_buf_deinit(&b);
		}
	}
	test_end();

	ob_buf_deinit(&f);
	ob_buf_deinit(&pdu_b);
}

/* Writers */

static struct ob_buf got;

#define assert_bytes(b, ...)                                                   \
	do {                                                                   \
		static const unsigned char want_[] = {__VA_ARGS__};            \
		test_assert_mem((b).data, (b).len, want_, sizeof(want_));      \
	} while (0)

static void test_ber_writer(void)
{
	test_begin("ber: minimal INTEGER encodings");
	{
		const struct {
			int64_t v;
			unsigned char len, b[5];
		} cases[] = {
			{0, 1, {0x00}},
			{127, 1, {0x7f}},
			{128, 2, {0x00, 0x80}},
			{256, 2, {0x01, 0x00}},
			{-1, 1, {0xff}},
			{-128, 1, {0x80}},
			{-129, 2, {0xff, 0x7f}},
			{INT32_MAX, 4, {0x7f, 0xff, 0xff, 0xff}},
			{0x80000000LL, 5, {0x00, 0x80, 0x00, 0x00, 0x00}},
			{INT32_MIN, 4, {0x80, 0x00, 0x00, 0x00}},
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
			struct ber_w w;
			unsigned char want[8] = {BER_INTEGER, cases[i].len};

			ob_buf_init(&got, 64);
			ber_w_init(&w, &got);
			ber_w_int(&w, BER_INTEGER, cases[i].v);
			test_assert_int(ber_w_finish(&w), 0);
			memcpy(want + 2, cases[i].b, cases[i].len);
			test_assert_mem(got.data, got.len, want,
					2u + cases[i].len);
			if (cases[i].len <= 4) {
				struct ber_reader r;
				struct ber_elem e;
				int32_t v = 0;

				ber_reader_init(&r, got.data, got.len);
				test_assert_int(ber_next(&r, &e), 0);
				test_assert_int(ber_int(&r, &e, &v), 0);
				test_assert_int(v, cases[i].v);
			}
			ob_buf_deinit(&got);
		}
	}
	test_end();

	test_begin("ber: lengths 127, 128, 255, 256, 65536 minimal");
	{
		size_t sizes[] = {0, 127, 128, 255, 256, 65535, 65536};
		static char zeros[65536];

		for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
			struct ber_w w;
			size_t n = sizes[i], hl;

			ob_buf_init(&got, 1 << 20);
			ber_w_init(&w, &got);
			ber_w_open(&w, BER_SEQUENCE);
			ber_w_octets(&w, BER_OCTETS, zeros, n >= 3 ? n - 3 : 0);
			if (n >= 3)
				ber_w_raw(&w, "", 0);
			ber_w_close(&w);
			test_assert_int(ber_w_finish(&w), 0);
			/* the octets element itself */
			hl = n - 3 < 128     ? 2
			     : n - 3 < 256   ? 3
			     : n - 3 < 65536 ? 4
					     : 5;
			if (n < 3)
				hl = 2;
			{
				size_t inner = (n >= 3 ? n - 3 : 0) + hl;
				unsigned char h = (unsigned char)got.data[1];
				size_t want_l = inner < 128     ? 0
						: inner < 256   ? 1
						: inner < 65536 ? 2
								: 3;

				if (want_l == 0)
					test_assert_int(h, inner);
				else
					test_assert_int(h, 0x80 | want_l);
				test_assert_int(got.len, 2 + want_l + inner);
				test_assert_int(
					ldap_pdu_length(
						(unsigned char *)got.data,
						got.len, got.len),
					got.len);
			}
			ob_buf_deinit(&got);
		}
	}
	test_end();

	test_begin("ber: reader refusals");
	{
		static const unsigned char bool2[] = {0x01, 0x02, 0x00, 0xff};
		static const unsigned char high[] = {0x1f, 0x81, 0x00, 0x00};
		static const unsigned char null1[] = {0x05, 0x01, 0x00};
		struct ber_reader r, s;
		struct ber_elem e;
		bool b;
		unsigned char deep[2 * (BER_MAX_DEPTH + 2)];

		ber_reader_init(&r, bool2, sizeof(bool2));
		test_assert_int(ber_next(&r, &e), 0);
		test_assert_int(ber_bool(&r, &e, &b), OB_E_PARSE);
		test_assert_str(r.why, "BOOLEAN not of one octet");
		ber_reader_init(&r, high, sizeof(high));
		test_assert_int(ber_next(&r, &e), OB_E_PARSE);
		test_assert_str(r.why, "high tag number");
		ber_reader_init(&r, null1, sizeof(null1));
		test_assert_int(ber_next(&r, &e), OB_E_PARSE);
		test_assert_str(r.why, "NULL with content");
		/* nesting: BER_MAX_DEPTH + 1 SEQUENCEs in one another */
		for (size_t i = 0; i < BER_MAX_DEPTH + 2; i++) {
			deep[2 * i] = 0x30;
			deep[2 * i + 1] =
				(unsigned char)(2 * (BER_MAX_DEPTH + 1 - i));
		}
		ber_reader_init(&r, deep, sizeof(deep));
		unsigned levels = 0;
		int ret = 0;

		while (ret == 0 && ber_next(&r, &e) == 0) {
			ret = ber_enter(&r, &e, &s);
			if (ret == 0) {
				r = s;
				levels++;
			}
		}
		test_assert_int(ret, OB_E_PARSE);
		test_assert_int(levels, BER_MAX_DEPTH);
		test_assert_str(r.why, "elements nested too deep");
	}
	test_end();
}

static void test_writers(void)
{
	test_begin("writers: results byte-exact");
	ob_buf_init(&got, 4096);
	test_assert_int(ldap_put_result(&got, 2, LDAP_OP_SEARCH_DONE,
					LDAP_RC_SUCCESS, NULL, NULL, NULL),
			0);
	assert_bytes(got, 0x30, 0x0c, 0x02, 0x01, 0x02, 0x65, 0x07, 0x0a, 0x01,
		     0x00, 0x04, 0x00, 0x04, 0x00);
	ob_buf_reset(&got);
	test_assert_int(ldap_put_result(&got, 1, LDAP_OP_BIND_RESP,
					LDAP_RC_INVALID_CREDENTIALS, "", "bad",
					NULL),
			0);
	assert_bytes(got, 0x30, 0x0f, 0x02, 0x01, 0x01, 0x61, 0x0a, 0x0a, 0x01,
		     0x31, 0x04, 0x00, 0x04, 0x03, 'b', 'a', 'd');
	ob_buf_reset(&got);
	test_assert_int(ldap_put_result(&got, 300, LDAP_OP_MODIFY_RESP,
					LDAP_RC_UNWILLING, "dc=x", NULL, NULL),
			0);
	assert_bytes(got, 0x30, 0x11, 0x02, 0x02, 0x01, 0x2c, 0x67, 0x0b, 0x0a,
		     0x01, 0x35, 0x04, 0x04, 'd', 'c', '=', 'x', 0x04, 0x00);
	ob_buf_reset(&got);
	test_assert_int(
		ldap_put_result(&got, 1, LDAP_OP_SEARCH, 0, NULL, NULL, NULL),
		OB_E_INVAL);
	test_assert_int(ldap_put_result(&got, -1, LDAP_OP_BIND_RESP, 0, NULL,
					NULL, NULL),
			OB_E_INVAL);
	test_assert_int(got.len, 0);
	test_end();

	test_begin("writers: extended response and notice of disconnection");
	ob_buf_reset(&got);
	test_assert_int(ldap_put_extended(&got, 1, LDAP_RC_SUCCESS, NULL,
					  LDAP_OID_STARTTLS, NULL),
			0);
	assert_bytes(got, 0x30, 0x24, 0x02, 0x01, 0x01, 0x78, 0x1f, 0x0a, 0x01,
		     0x00, 0x04, 0x00, 0x04, 0x00, 0x8a, 0x16, '1', '.', '3',
		     '.', '6', '.', '1', '.', '4', '.', '1', '.', '1', '4', '6',
		     '6', '.', '2', '0', '0', '3', '7');
	ob_buf_reset(&got);
	{
		struct ldap_val v = {"dn:x", 4};

		test_assert_int(ldap_put_extended(&got, 2, LDAP_RC_SUCCESS,
						  NULL, NULL, &v),
				0);
		assert_bytes(got, 0x30, 0x12, 0x02, 0x01, 0x02, 0x78, 0x0d,
			     0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00, 0x8b,
			     0x04, 'd', 'n', ':', 'x');
	}
	ob_buf_reset(&got);
	test_assert_int(ldap_put_disconnect(&got, LDAP_RC_UNAVAILABLE, "bye"),
			0);
	assert_bytes(got, 0x30, 0x27, 0x02, 0x01, 0x00, 0x78, 0x22, 0x0a, 0x01,
		     0x34, 0x04, 0x00, 0x04, 0x03, 'b', 'y', 'e', 0x8a, 0x16,
		     '1', '.', '3', '.', '6', '.', '1', '.', '4', '.', '1', '.',
		     '1', '4', '6', '6', '.', '2', '0', '0', '3', '6');
	test_end();

	test_begin("writers: entry byte-exact, typesOnly, long values");
	{
		struct ldap_entry_w w;
		struct ldap_val cn = {"Zhang San", 9};

		ob_buf_reset(&got);
		ldap_entry_begin(&w, &got, 2, "uid=zs,dc=example", 17);
		ldap_entry_attr(&w, "cn", &cn, 1, false);
		ldap_entry_attr(&w, "mail", &cn, 1, true);
		test_assert_int(ldap_entry_end(&w), 0);
		assert_bytes(got, 0x30, 0x37, 0x02, 0x01, 0x02, 0x64, 0x32,
			     0x04, 0x11, 'u', 'i', 'd', '=', 'z', 's', ',', 'd',
			     'c', '=', 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x30,
			     0x1d, 0x30, 0x11, 0x04, 0x02, 'c', 'n', 0x31, 0x0b,
			     0x04, 0x09, 'Z', 'h', 'a', 'n', 'g', ' ', 'S', 'a',
			     'n', 0x30, 0x08, 0x04, 0x04, 'm', 'a', 'i', 'l',
			     0x31, 0x00);
	}
	{
		/* a 300-byte photo: every enclosing length widens to 2 octets */
		static char photo[300];
		struct ldap_val v = {photo, sizeof(photo)};
		struct ldap_entry_w w;
		static const unsigned char head[] = {
			0x30, 0x82, 0x01, 0x53, 0x02, 0x01, 0x07, 0x64, 0x82,
			0x01, 0x4c, 0x04, 0x03, 'd',  'c',  '=',  0x30, 0x82,
			0x01, 0x43, 0x30, 0x82, 0x01, 0x3f, 0x04, 0x09, 'j',
			'p',  'e',  'g',  'P',  'h',  'o',  't',  'o',  0x31,
			0x82, 0x01, 0x30, 0x04, 0x82, 0x01, 0x2c};

		memset(photo, 0xab, sizeof(photo));
		ob_buf_reset(&got);
		ldap_entry_begin(&w, &got, 7, "dc=", 3);
		ldap_entry_attr(&w, "jpegPhoto", &v, 1, false);
		test_assert_int(ldap_entry_end(&w), 0);
		test_assert_int(got.len, sizeof(head) + sizeof(photo));
		test_assert_mem(got.data, sizeof(head), head, sizeof(head));
		test_assert_mem(got.data + sizeof(head), sizeof(photo), photo,
				sizeof(photo));
	}
	test_end();

	test_begin("writers: response controls byte-exact");
	{
		struct ob_buf c;

		ob_buf_init(&c, 4096);
		test_assert_int(ldap_put_ctrl_paged(&c, 0, "", 0), 0);
		assert_bytes(c, 0x30, 0x21, 0x04, 0x16, '1', '.', '2', '.', '8',
			     '4', '0', '.', '1', '1', '3', '5', '5', '6', '.',
			     '1', '.', '4', '.', '3', '1', '9', 0x04, 0x07,
			     0x30, 0x05, 0x02, 0x01, 0x00, 0x04, 0x00);
		ob_buf_reset(&c);
		test_assert_int(ldap_put_ctrl_sort(&c, LDAP_RC_SUCCESS, NULL),
				0);
		assert_bytes(c, 0x30, 0x1f, 0x04, 0x16, '1', '.', '2', '.', '8',
			     '4', '0', '.', '1', '1', '3', '5', '5', '6', '.',
			     '1', '.', '4', '.', '4', '7', '4', 0x04, 0x05,
			     0x30, 0x03, 0x0a, 0x01, 0x00);
		ob_buf_reset(&c);
		test_assert_int(
			ldap_put_ctrl_sort(&c, LDAP_RC_NO_SUCH_ATTRIBUTE, "cn"),
			0);
		test_assert_int(c.len, 37);
		test_assert_mem(c.data + 26, 11,
				"\x04\x09\x30\x07\x0a\x01\x10\x80\x02"
				"cn",
				11);
		ob_buf_reset(&c);
		test_assert_int(
			ldap_put_ctrl_vlv(&c, 1, 200, LDAP_RC_SUCCESS, "ab", 2),
			0);
		assert_bytes(c, 0x30, 0x2c, 0x04, 0x18, '2', '.', '1', '6', '.',
			     '8', '4', '0', '.', '1', '.', '1', '1', '3', '7',
			     '3', '0', '.', '3', '.', '4', '.', '1', '0', 0x04,
			     0x10, 0x30, 0x0e, 0x02, 0x01, 0x01, 0x02, 0x02,
			     0x00, 0xc8, 0x0a, 0x01, 0x00, 0x04, 0x02, 'a',
			     'b');
		/* a done with the controls: [0] around them */
		ob_buf_reset(&c);
		ldap_put_ctrl_paged(&c, 0, "", 0);
		ob_buf_reset(&got);
		test_assert_int(ldap_put_result(&got, 2, LDAP_OP_SEARCH_DONE,
						LDAP_RC_SUCCESS, NULL, NULL,
						&c),
				0);
		test_assert_int(got.len, 14 + 2 + 35);
		test_assert_int((unsigned char)got.data[1], 12 + 2 + 35);
		test_assert_int((unsigned char)got.data[14], 0xa0);
		test_assert_int((unsigned char)got.data[15], 35);
		test_assert_mem(got.data + 16, 35, c.data, 35);
		ob_buf_deinit(&c);
	}
	test_end();

	test_begin("writers: at the cap the buffer stays as it was");
	{
		struct ldap_val cn = {"Zhang San", 9};
		static char big[200];
		struct ldap_val bv = {big, sizeof(big)};
		struct ldap_entry_w w;
		struct ob_buf b;
		size_t need;

		/* the result takes 14 bytes after "abc" */
		for (size_t cap = 3; cap <= 17; cap++) {
			ob_buf_init(&b, cap);
			ob_buf_add(&b, "abc", 3);
			int ret = ldap_put_result(&b, 2, LDAP_OP_SEARCH_DONE, 0,
						  NULL, NULL, NULL);
			test_assert_int(ret, cap < 17 ? OB_E_LIMIT : 0);
			test_assert_int(b.len, cap < 17 ? 3 : 17);
			test_assert_str(b.data, cap < 17 ? "abc" : b.data);
			ob_buf_deinit(&b);
		}
		/* the entry with a 200-byte value: 2 + 1 + 3 + ... widened */
		ob_buf_init(&b, 1 << 16);
		ldap_entry_begin(&w, &b, 2, "dc=x", 4);
		ldap_entry_attr(&w, "cn", &cn, 1, false);
		ldap_entry_attr(&w, "photo", &bv, 1, false);
		test_assert_int(ldap_entry_end(&w), 0);
		need = b.len;
		ob_buf_deinit(&b);
		for (size_t cap = 0; cap <= need; cap++) {
			ob_buf_init(&b, cap + 1);
			ob_buf_add(&b, "x", 1);
			ldap_entry_begin(&w, &b, 2, "dc=x", 4);
			ldap_entry_attr(&w, "cn", &cn, 1, false);
			ldap_entry_attr(&w, "photo", &bv, 1, false);
			int ret = ldap_entry_end(&w);
			test_assert_int(ret, cap < need ? OB_E_LIMIT : 0);
			test_assert_int(b.len, cap < need ? 1 : need + 1);
			test_assert_int(b.data[cap < need ? 1 : need + 1], 0);
			ob_buf_deinit(&b);
		}
		/* controls at the cap */
		ob_buf_init(&b, 34);
		test_assert_int(ldap_put_ctrl_paged(&b, 0, "", 0), OB_E_LIMIT);
		test_assert_int(b.len, 0);
		ob_buf_deinit(&b);
	}
	test_end();
	ob_buf_deinit(&got);
}

/* The writers' output parsed by ldap3's pyasn1 LDAPMessage schema. */
static void test_pyasn1(void)
{
	static const char *pythons[] = {"/usr/bin/python3", "python3"};
	const char *py = NULL;
	char cmd[4096], path[4096];
	struct ob_buf out, c;
	struct ldap_entry_w w;
	struct ldap_val vals[2] = {{"Zhang San", 9}, {"张三", 6}};
	static char photo[1000];
	struct ldap_val pv = {photo, sizeof(photo)};
	FILE *f;

	for (size_t i = 0; i < 2 && py == NULL; i++) {
		snprintf(cmd, sizeof(cmd),
			 "%s -c 'import pyasn1, ldap3.protocol.rfc4511' "
			 ">/dev/null 2>&1",
			 pythons[i]);
		if (system(cmd) == 0)
			py = pythons[i];
	}
	if (py == NULL) {
		test_skip("writers: pyasn1 parses every response",
			  "no python3 with ldap3 and pyasn1");
		return;
	}
	test_begin("writers: pyasn1 parses every response");
	ob_buf_init(&out, 1 << 20);
	ob_buf_init(&c, 4096);
	ldap_entry_begin(&w, &out, 2, "uid=zs,dc=example", 17);
	ldap_entry_attr(&w, "cn", vals, 2, false);
	ldap_entry_attr(&w, "jpegPhoto", &pv, 1, false);
	ldap_entry_attr(&w, "mail", vals, 2, true);
	test_assert_int(ldap_entry_end(&w), 0);
	ldap_put_ctrl_paged(&c, 5, "cookie", 6);
	ldap_put_ctrl_sort(&c, LDAP_RC_SUCCESS, "cn");
	ldap_put_ctrl_vlv(&c, 3, 100000, LDAP_RC_SUCCESS, "ctx", 3);
	test_assert_int(ldap_put_result(&out, 2, LDAP_OP_SEARCH_DONE,
					LDAP_RC_SIZE_LIMIT, "dc=example",
					"size limit", &c),
			0);
	test_assert_int(ldap_put_result(&out, 1, LDAP_OP_BIND_RESP,
					LDAP_RC_SUCCESS, NULL, NULL, NULL),
			0);
	test_assert_int(ldap_put_result(&out, 3, LDAP_OP_COMPARE_RESP,
					LDAP_RC_COMPARE_TRUE, NULL, NULL, NULL),
			0);
	test_assert_int(ldap_put_extended(&out, 4, LDAP_RC_SUCCESS, NULL,
					  LDAP_OID_WHOAMI,
					  &(struct ldap_val){"dn:x", 4}),
			0);
	test_assert_int(ldap_put_disconnect(&out, LDAP_RC_UNAVAILABLE, "bye"),
			0);
	snprintf(path, sizeof(path), "%s/responses.ber", test_tmpdir());
	f = fopen(path, "wb");
	test_assert(f != NULL);
	if (f != NULL) {
		fwrite(out.data, 1, out.len, f);
		fclose(f);
	}
	snprintf(cmd, sizeof(cmd), "%s '%s' '%s' > '%s.out' 2>&1", py,
		 test_srcpath("testdata/ldap/check-pyasn1.py"), path, path);
	int ret = system(cmd);
	test_assert_int(ret, 0);
	if (ret != 0) {
		snprintf(cmd, sizeof(cmd), "cat '%s.out' >&2", path);
		(void)system(cmd);
	}
	{
		char line[4096], all[8192] = "";

		snprintf(cmd, sizeof(cmd), "%s.out", path);
		f = fopen(cmd, "r");
		while (f != NULL && fgets(line, sizeof(line), f) != NULL)
			strncat(all, line, sizeof(all) - strlen(all) - 1);
		if (f != NULL)
			fclose(f);
		test_assert_str(
			all,
			"2 searchResEntry uid=zs,dc=example cn=Zhang San|张三 "
			"jpegPhoto=1000B mail=\n"
			"2 searchResDone 4 dc=example size limit "
			"1.2.840.113556.1.4.319(5,cookie) "
			"1.2.840.113556.1.4.474 "
			"2.16.840.1.113730.3.4.10\n"
			"1 bindResponse 0  \n"
			"3 compareResponse 6  \n"
			"4 extendedResp 0   1.3.6.1.4.1.4203.1.11.3 dn:x\n"
			"0 extendedResp 52  bye 1.3.6.1.4.1.1466.20036 -\n");
	}
	ob_buf_deinit(&out);
	ob_buf_deinit(&c);
	test_end();
}

int main(void)
{
	test_yealink();
	test_snom_thunderbird();
	test_filters();
	test_controls();
	test_other_ops();
	test_framing();
	test_truncated();
	test_hostile();
	test_limits();
	test_ber_writer();
	test_writers();
	test_pyasn1();
	return test_done();
}
