/* ldap/session.c's protocol, request PDU in, answer PDUs out: the bind
 * rules (login forms, throttling, TLS required, anonymous per
 * enterprise), tenant isolation of bases and the root DSE, size limits,
 * paged results across edits, sort, VLV, critical controls, writes,
 * protocol errors and the flush of long answers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldap/ber.h"
#include "ldap/dir.h"
#include "ldap/proto.h"
#include "ldap/session.h"
#include "tests/lib/test.h"

static struct dstore *store;
static struct ldap_dircache *cache;
static int64_t acme, beta;

/* ---- building requests ------------------------------------------------ */

static struct ob_buf req;

static void begin_msg(struct ber_w *w, int32_t id)
{
	ob_buf_reset(&req);
	ber_w_init(w, &req);
	ber_w_open(w, BER_SEQUENCE);
	ber_w_int(w, BER_INTEGER, id);
}

static void end_msg(struct ber_w *w)
{
	ber_w_close(w);
	if (ber_w_finish(w) != 0)
		test_fail(__FILE__, __LINE__, "request did not encode");
}

static void bind_req(int32_t id, int version, const char *name, const char *pw)
{
	struct ber_w w;

	begin_msg(&w, id);
	ber_w_open(&w, BER_APP(0) | BER_CONSTRUCTED);
	ber_w_int(&w, BER_INTEGER, version);
	ber_w_octets(&w, BER_OCTETS, name, strlen(name));
	if (pw != NULL) {
		ber_w_octets(&w, BER_CTX(0), pw, strlen(pw));
	} else { /* SASL PLAIN */
		ber_w_open(&w, BER_CTX(3) | BER_CONSTRUCTED);
		ber_w_octets(&w, BER_OCTETS, "PLAIN", 5);
		ber_w_close(&w);
	}
	ber_w_close(&w);
	end_msg(&w);
}

struct ctl {
	const char *oid;
	bool critical;
	const void *value;
	size_t len;
};

/* A search with filter (cn=<init>*) when init is not NULL, else
 * (objectClass=*); controls appended. */
static void search_req(int32_t id, const char *base, int scope, uint32_t size,
		       const char *init, const struct ctl *c, size_t n_c)
{
	struct ber_w w;

	begin_msg(&w, id);
	ber_w_open(&w, BER_APP(3) | BER_CONSTRUCTED);
	ber_w_octets(&w, BER_OCTETS, base, strlen(base));
	ber_w_int(&w, BER_ENUM, scope);
	ber_w_int(&w, BER_ENUM, 0);
	ber_w_int(&w, BER_INTEGER, size);
	ber_w_int(&w, BER_INTEGER, 0);
	ber_w_bool(&w, BER_BOOLEAN, false);
	if (init != NULL) {
		ber_w_open(&w, BER_CTX(4) | BER_CONSTRUCTED);
		ber_w_octets(&w, BER_OCTETS, "cn", 2);
		ber_w_open(&w, BER_SEQUENCE);
		ber_w_octets(&w, BER_CTX(0), init, strlen(init));
		ber_w_close(&w);
		ber_w_close(&w);
	} else {
		ber_w_octets(&w, BER_CTX(7), "objectClass", 11);
	}
	ber_w_open(&w, BER_SEQUENCE);
	ber_w_octets(&w, BER_OCTETS, "cn", 2);
	ber_w_close(&w);
	ber_w_close(&w);
	if (n_c > 0) {
		ber_w_open(&w, BER_CTX(0) | BER_CONSTRUCTED);
		for (size_t i = 0; i < n_c; i++) {
			ber_w_open(&w, BER_SEQUENCE);
			ber_w_octets(&w, BER_OCTETS, c[i].oid,
				     strlen(c[i].oid));
			if (c[i].critical)
				ber_w_bool(&w, BER_BOOLEAN, true);
			if (c[i].value != NULL)
				ber_w_octets(&w, BER_OCTETS, c[i].value,
					     c[i].len);
			ber_w_close(&w);
		}
		ber_w_close(&w);
	}
	end_msg(&w);
}

/* The value of a paged results control asking size with cookie. */
static size_t paged_value(unsigned char *out, size_t cap, uint32_t size,
			  const void *cookie, size_t clen)
{
	struct ob_buf b;
	struct ber_w w;
	size_t n;

	ob_buf_init(&b, cap);
	ber_w_init(&w, &b);
	ber_w_open(&w, BER_SEQUENCE);
	ber_w_int(&w, BER_INTEGER, size);
	ber_w_octets(&w, BER_OCTETS, cookie, clen);
	ber_w_close(&w);
	ber_w_finish(&w);
	n = b.len;
	memcpy(out, b.data, n);
	ob_buf_deinit(&b);
	return n;
}

/* ---- reading answers -------------------------------------------------- */

struct answer {
	size_t entries;    /* SearchResultEntry PDUs */
	char dns[512][96]; /* their DNs (first 512) */
	int done_op;       /* tag of the last LDAPResult-shaped PDU, -1 */
	int rc;            /* its resultCode */
	char matched[128];
	int32_t done_id;
	unsigned char cookie[64]; /* paged results response cookie */
	size_t cookie_len;
	bool has_paged;
	uint32_t vlv_target, vlv_count;
	int vlv_rc;
	bool notice; /* a Notice of Disconnection came */
};

static void read_ctrls(struct ber_reader *r, struct answer *a)
{
	struct ber_elem e, oid, val;
	struct ber_reader cs, c, v;

	if (ber_at_end(r) || ber_next(r, &e) != 0 ||
	    e.tag != (BER_CTX(0) | BER_CONSTRUCTED))
		return;
	ber_enter(r, &e, &cs);
	while (!ber_at_end(&cs) && ber_expect(&cs, BER_SEQUENCE, &e) == 0) {
		ber_enter(&cs, &e, &c);
		if (ber_expect(&c, BER_OCTETS, &oid) != 0)
			continue;
		if (ber_peek(&c) == BER_BOOLEAN)
			ber_next(&c, &val);
		if (ber_expect(&c, BER_OCTETS, &val) != 0)
			continue;
		ber_reader_init(&v, val.p, val.len);
		if (ber_expect(&v, BER_SEQUENCE, &e) != 0)
			continue;
		struct ber_reader s;
		ber_enter(&v, &e, &s);
		if (oid.len == strlen(LDAP_OID_PAGED) &&
		    memcmp(oid.p, LDAP_OID_PAGED, oid.len) == 0) {
			struct ber_elem x;
			ber_expect(&s, BER_INTEGER, &x);
			ber_expect(&s, BER_OCTETS, &x);
			a->has_paged = true;
			a->cookie_len = x.len < sizeof(a->cookie) ? x.len : 0;
			memcpy(a->cookie, x.p, a->cookie_len);
		} else if (oid.len == strlen(LDAP_OID_VLV_RESP) &&
			   memcmp(oid.p, LDAP_OID_VLV_RESP, oid.len) == 0) {
			struct ber_elem x;
			int32_t t = 0, n = 0, rc = 0;
			ber_expect(&s, BER_INTEGER, &x);
			ber_int(&s, &x, &t);
			ber_expect(&s, BER_INTEGER, &x);
			ber_int(&s, &x, &n);
			ber_expect(&s, BER_ENUM, &x);
			ber_int(&s, &x, &rc);
			a->vlv_target = (uint32_t)t;
			a->vlv_count = (uint32_t)n;
			a->vlv_rc = rc;
		}
	}
}

static void parse(const struct ob_buf *out, struct answer *a)
{
	struct ber_reader top, m, op;
	struct ber_elem e, x;

	memset(a, 0, sizeof(*a));
	a->done_op = -1;
	ber_reader_init(&top, out->data, out->len);
	while (!ber_at_end(&top)) {
		int32_t id = -1;
		if (ber_expect(&top, BER_SEQUENCE, &e) != 0) {
			test_fail(__FILE__, __LINE__, "answer not BER");
			return;
		}
		ber_enter(&top, &e, &m);
		ber_expect(&m, BER_INTEGER, &x);
		ber_int(&m, &x, &id);
		if (ber_next(&m, &e) != 0)
			return;
		ber_enter(&m, &e, &op);
		if (e.tag ==
		    (BER_APP(LDAP_OP_SEARCH_ENTRY) | BER_CONSTRUCTED)) {
			ber_expect(&op, BER_OCTETS, &x);
			if (a->entries < 512)
				snprintf(a->dns[a->entries], 96, "%.*s",
					 (int)x.len, (const char *)x.p);
			a->entries++;
			continue;
		}
		a->done_op = e.tag & 0x1f;
		a->done_id = id;
		if (a->done_op == LDAP_OP_EXTENDED_RESP && id == 0)
			a->notice = true;
		int32_t rc = -1;
		ber_expect(&op, BER_ENUM, &x);
		ber_int(&op, &x, &rc);
		a->rc = rc;
		ber_expect(&op, BER_OCTETS, &x);
		snprintf(a->matched, sizeof(a->matched), "%.*s", (int)x.len,
			 (const char *)x.p);
		read_ctrls(&m, a);
	}
}

static int flushes;
static int flush_fail; /* the flush that fails (0: none) */

static int flush_cb(void *ctx, struct ob_buf *out)
{
	struct ob_buf *all = ctx;

	flushes++;
	if (flush_fail != 0 && flushes >= flush_fail)
		return -1;
	ob_buf_add(all, out->data, out->len);
	ob_buf_reset(out);
	return 0;
}

static enum ldap_action run(struct ldap_session *s, struct dstore *st,
			    struct answer *a)
{
	struct ob_buf out, all;
	enum ldap_action act;

	ob_buf_init(&out, 8u << 20);
	ob_buf_init(&all, 64u << 20);
	act = ldap_session_pdu(s, st, (const unsigned char *)req.data, req.len,
			       &out, flush_cb, &all);
	ob_buf_add(&all, out.data, out.len);
	parse(&all, a);
	ob_buf_deinit(&out);
	ob_buf_deinit(&all);
	return act;
}

/* ---- the directory ---------------------------------------------------- */

static void person(int64_t t, const char *uid, const char *family,
		   const char *given, int64_t unit)
{
	struct dstore_person p = {0};
	struct dstore_phone ph = {(char *)"work", (char *)"+86 21 5555 0100"};
	struct ob_err err;

	p.uid = (char *)uid;
	p.family = (char *)family;
	p.given = (char *)given;
	p.unit_id = unit;
	p.phones = &ph;
	p.n_phones = 1;
	if (dstore_person_put(store, t, &p, NULL, &err) != 0)
		test_fail(__FILE__, __LINE__, "put %s: %s", uid, err.msg);
	if (p.uid != uid)
		free(p.uid);
}

static void setup(void)
{
	struct dstore_options o = {0};
	struct ldap_dir_config dc = {65536, 600, 256};
	struct ob_err err;
	static char path[512];
	int64_t u;

	snprintf(path, sizeof(path), "%s/s.db", test_tmpdir());
	o.path = path;
	o.sync_normal = true;
	if (dstore_open(&o, &store, &err) != 0 ||
	    dstore_tenant_create(store, "acme", "Acme", &acme, &err) != 0 ||
	    dstore_tenant_create(store, "beta", "Beta", &beta, &err) != 0 ||
	    dstore_account_create(store, acme, "alice@acme", "alice-password",
				  DSTORE_ROLE_USER, NULL, &err) != 0 ||
	    dstore_account_create(store, beta, "bob@beta", "bob-password",
				  DSTORE_ROLE_USER, NULL, &err) != 0 ||
	    ldap_dircache_new(&dc, &cache, &err) != 0) {
		printf("# setup: %s\n", err.msg);
		exit(99);
	}
	dstore_begin(store, acme, "test", &err);
	dstore_unit_ensure_path(store, acme, "Sales/East", true, &u, &err);
	for (int i = 0; i < 60; i++) {
		char uid[16], given[16];
		snprintf(uid, sizeof(uid), "a%02d", i);
		snprintf(given, sizeof(given), "G%02d", i);
		person(acme, uid, i % 2 ? "Zhou" : "张", given, i % 3 ? u : 0);
	}
	dstore_commit(store, NULL, &err);
	dstore_begin(store, beta, "test", &err);
	person(beta, "b00", "Beta", "Person", 0);
	dstore_commit(store, NULL, &err);
}

static struct ldap_counters counters;

static struct ldap_session *session(bool tls, bool loopback, bool require)
{
	struct ldap_session_config c = {0, 0, require, true, cache, &counters};
	struct ldap_session *s = NULL;

	if (ldap_session_new(&c, "192.0.2.7", tls, loopback, &s) != 0)
		exit(99);
	return s;
}

static int bind_rc(struct ldap_session *s, int version, const char *name,
		   const char *pw)
{
	struct answer a;

	bind_req(1, version, name, pw);
	run(s, store, &a);
	if (a.done_op != LDAP_OP_BIND_RESP)
		return -1;
	return a.rc;
}

int main(void)
{
	struct ldap_session *s;
	struct answer a;
	struct ob_err err;

	ob_buf_init(&req, 1u << 20);
	setup();

	test_begin("bind: login forms, wrong ones, SASL, LDAPv2, no password");
	s = session(false, false, false);
	test_assert_int(bind_rc(s, 3, "alice@acme", "alice-password"), 0);
	test_assert(ldap_session_bound(s));
	test_assert_int(
		bind_rc(s, 3, "uid=alice@acme,dc=acme", "alice-password"), 0);
	test_assert_int(
		bind_rc(s, 3, "CN = alice@acme , ou=x", "alice-password"), 0);
	test_assert_int(bind_rc(s, 3, "uid=alice\\40acme", "alice-password"),
			0);
	test_assert_int(bind_rc(s, 3, "o=alice@acme", "alice-password"), 49);
	test_assert(!ldap_session_bound(s)); /* a failed bind unbinds */
	test_assert_int(bind_rc(s, 3, "alice@acme", ""), 53);
	test_assert_int(bind_rc(s, 3, "alice@acme", NULL), 7);
	test_assert_int(bind_rc(s, 2, "alice@acme", "alice-password"), 2);
	test_assert_int(bind_rc(s, 3, "", ""), 0); /* anonymous */
	test_assert(strstr(ldap_session_note(s, NULL), "anonymous") != NULL);
	test_assert_int(bind_rc(s, 3, "bob@beta", "wrong"), 49);
	bool warn = false;
	test_assert(strstr(ldap_session_note(s, &warn), "wrong") != NULL);
	test_assert(warn);
	test_assert(strstr(ldap_session_note(s, NULL), "wrong-pass") == NULL);
	bind_req(1, 3, "alice@acme", "alice-password");
	run(s, NULL, &a); /* the store is down */
	test_assert_int(a.rc, 52);
	ldap_session_free(&s);

	test_assert_int(counters.binds, 11);
	test_assert_int(counters.bind_failures, 1); /* wrong passwords only */
	test_end();

	test_begin("bind: throttled after repeated failures, right or not");
	s = session(false, false, false);
	for (int i = 0; i < 6; i++)
		bind_rc(s, 3, "bob@beta", "wrong");
	test_assert_int(bind_rc(s, 3, "bob@beta", "bob-password"), 49);
	ldap_session_free(&s);
	test_end();

	test_begin("require-tls: plain refused off loopback, fine on TLS");
	s = session(false, false, true);
	test_assert_int(bind_rc(s, 3, "alice@acme", "alice-password"), 13);
	test_assert_int(bind_rc(s, 3, "", ""), 13);
	search_req(2, "dc=acme", 2, 0, NULL, NULL, 0);
	run(s, store, &a);
	test_assert_int(a.rc, 13);
	test_assert_int(a.entries, 0);
	ldap_session_tls_started(s);
	test_assert_int(bind_rc(s, 3, "alice@acme", "alice-password"), 0);
	ldap_session_free(&s);
	s = session(false, true, true); /* loopback */
	test_assert_int(bind_rc(s, 3, "alice@acme", "alice-password"), 0);
	ldap_session_free(&s);
	test_end();

	test_begin("tenants: own base only, another's is noSuchObject bare");
	s = session(false, false, false);
	bind_rc(s, 3, "alice@acme", "alice-password");
	search_req(2, "dc=acme", 2, 0, NULL, NULL, 0);
	run(s, store, &a);
	test_assert_int(a.rc, 0);
	test_assert_int(a.entries, 1 + 2 + 60); /* base, 2 units, people */
	search_req(3, "dc=beta", 2, 0, NULL, NULL, 0);
	run(s, store, &a);
	test_assert_int(a.rc, 32);
	test_assert_str(a.matched, "");
	test_assert_int(a.entries, 0);
	search_req(4, "uid=b00,dc=beta", 0, 0, NULL, NULL, 0);
	run(s, store, &a);
	test_assert_int(a.rc, 32);
	search_req(5, "", 0, 0, NULL, NULL, 0); /* root DSE: own base only */
	run(s, store, &a);
	test_assert_int(a.entries, 1);
	search_req(6, "", 2, 0, NULL, NULL, 0); /* "" sub: the own base */
	run(s, store, &a);
	test_assert_int(a.entries, 63);
	ldap_session_free(&s);
	/* anonymous: nothing, until beta allows it, and then only beta */
	s = session(false, false, false);
	search_req(2, "dc=beta", 2, 0, NULL, NULL, 0);
	run(s, store, &a);
	test_assert_int(a.rc, 32);
	dstore_tenant_set_ldap(store, beta, "o=Beta Corp", true, &err);
	search_req(3, "o=beta corp", 2, 0, NULL, NULL, 0);
	run(s, store, &a);
	test_assert_int(a.rc, 0);
	test_assert_int(a.entries, 2);
	search_req(4, "dc=acme", 2, 0, NULL, NULL, 0);
	run(s, store, &a);
	test_assert_int(a.rc, 32);
	test_assert_int(a.entries, 0);
	dstore_tenant_set_ldap(store, beta, "", false, &err);
	ldap_session_free(&s);
	test_end();

	s = session(false, false, false);
	bind_rc(s, 3, "alice@acme", "alice-password");

	test_begin("sizeLimit: the first N, then sizeLimitExceeded");
	search_req(2, "dc=acme", 2, 7, "zh", NULL, 0);
	run(s, store, &a);
	test_assert_int(a.entries, 7);
	test_assert_int(a.rc, LDAP_RC_SIZE_LIMIT);
	search_req(3, "dc=acme", 2, 30, "zh", NULL, 0); /* exactly all */
	run(s, store, &a);
	test_assert_int(a.entries, 30);
	test_assert_int(a.rc, 0);
	test_end();

	test_begin("paged results: every entry once, across an edit");
	{
		unsigned char v[128], cookie[64];
		size_t clen = 0, total = 0;
		char seen[128][96];
		int pages = 0;
		bool dup = false;
		do {
			struct ctl c = {LDAP_OID_PAGED, true, v, 0};
			c.len = paged_value(v, sizeof(v), 9, cookie, clen);
			search_req(10 + pages, "dc=acme", 2, 0, NULL, &c, 1);
			run(s, store, &a);
			test_assert_int(a.rc, 0);
			test_assert(a.has_paged);
			test_assert(a.entries <= 9);
			for (size_t i = 0; i < a.entries && total < 128; i++) {
				for (size_t j = 0; j < total; j++)
					dup |= strcmp(seen[j], a.dns[i]) == 0;
				strcpy(seen[total++], a.dns[i]);
			}
			memcpy(cookie, a.cookie, a.cookie_len);
			clen = a.cookie_len;
			if (pages == 2) { /* a newcomer between pages */
				dstore_begin(store, acme, "test", &err);
				person(acme, "zz-new", "New", "Person", 0);
				dstore_commit(store, NULL, &err);
			}
			pages++;
		} while (clen > 0 && pages < 40);
		test_assert(!dup);
		test_assert_int(total, 64); /* 63 and the newcomer */
		test_assert(pages >= 7);
		/* a cookie of another search or enterprise is refused */
		struct ctl c = {LDAP_OID_PAGED, true, v, 0};
		c.len = paged_value(v, sizeof(v), 9, cookie, 30);
		search_req(60, "dc=acme", 2, 0, "zh", &c, 1);
		run(s, store, &a);
		test_assert_int(a.rc, LDAP_RC_UNWILLING);
		c.len = paged_value(v, sizeof(v), 9, "garbage", 7);
		search_req(61, "dc=acme", 2, 0, NULL, &c, 1);
		run(s, store, &a);
		test_assert_int(a.rc, LDAP_RC_UNWILLING);
	}
	test_end();

	test_begin("controls: unknown critical 12, unknown other ignored");
	{
		struct ctl c = {"1.2.3.4.5", true, NULL, 0};
		search_req(70, "dc=acme", 2, 0, "zh", &c, 1);
		run(s, store, &a);
		test_assert_int(a.rc, LDAP_RC_UNAVAILABLE_CRITICAL);
		test_assert_int(a.entries, 0);
		c.critical = false;
		search_req(71, "dc=acme", 2, 0, "zh", &c, 1);
		run(s, store, &a);
		test_assert_int(a.rc, 0);
		test_assert_int(a.entries, 30);
	}
	test_end();

	test_begin("VLV: needs a sort; offset 0 is out of range; a window");
	{
		static const unsigned char sort[] = {0x30, 0x04, 0x30,
						     0x02, 0x04, 0x00};
		unsigned char sortv[16], vlv[32];
		/* sort by cn: SEQUENCE { SEQUENCE { "cn" } } */
		memcpy(sortv, sort, sizeof(sort));
		sortv[1] = 0x06;
		sortv[3] = 0x04;
		sortv[5] = 0x02;
		sortv[6] = 'c';
		sortv[7] = 'n';
		/* VLV: before 2, after 3, byOffset { offset, count } */
		static const unsigned char v5[] = {
			0x30, 0x0e, 0x02, 0x01, 0x02, 0x02, 0x01, 0x03,
			0xa0, 0x06, 0x02, 0x01, 0x0a, 0x02, 0x01, 0x00};
		memcpy(vlv, v5, sizeof(v5));
		struct ctl only_vlv = {LDAP_OID_VLV_REQ, true, vlv, sizeof(v5)};
		search_req(80, "dc=acme", 2, 0, "zh", &only_vlv, 1);
		run(s, store, &a);
		test_assert_int(a.rc, LDAP_RC_SORT_CONTROL_MISSING);
		struct ctl both[2] = {
			{LDAP_OID_SORT_REQ, true, sortv, 8},
			{LDAP_OID_VLV_REQ, true, vlv, sizeof(v5)}};
		search_req(81, "dc=acme", 2, 0, "zh", both, 2);
		run(s, store, &a);
		test_assert_int(a.rc, 0);
		test_assert_int(a.entries, 6); /* 2 before, it, 3 after */
		test_assert_int(a.vlv_target, 10);
		test_assert_int(a.vlv_count, 30);
		vlv[12] = 0; /* offset 0 */
		search_req(82, "dc=acme", 2, 0, "zh", both, 2);
		run(s, store, &a);
		test_assert_int(a.rc, LDAP_RC_OFFSET_RANGE);
	}
	test_end();

	test_begin("writes: unwillingToPerform with the right response");
	{
		static const struct {
			unsigned char tag;
			int resp;
		} w[] = {{BER_APP(6) | BER_CONSTRUCTED, 7},
			 {BER_APP(8) | BER_CONSTRUCTED, 9},
			 {BER_APP(10), 11},
			 {BER_APP(12) | BER_CONSTRUCTED, 13}};
		for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
			struct ber_w bw;
			begin_msg(&bw, 90 + (int32_t)i);
			if (w[i].tag & BER_CONSTRUCTED) {
				ber_w_open(&bw, w[i].tag);
				ber_w_octets(&bw, BER_OCTETS, "dc=acme", 7);
				if (w[i].resp == 13) {
					ber_w_octets(&bw, BER_OCTETS, "o=x", 3);
					ber_w_bool(&bw, BER_BOOLEAN, true);
				} else {
					ber_w_open(&bw, BER_SEQUENCE);
					ber_w_close(&bw);
				}
				ber_w_close(&bw);
			} else {
				ber_w_octets(&bw, w[i].tag, "dc=acme", 7);
			}
			end_msg(&bw);
			test_assert_int(run(s, store, &a), LDAP_GO_ON);
			test_assert_int(a.done_op, w[i].resp);
			test_assert_int(a.rc, LDAP_RC_UNWILLING);
			test_assert_int(a.done_id, 90 + (int)i);
		}
	}
	test_end();

	test_begin("protocol: garbage, id 0, unbind, StartTLS, WhoAmI");
	{
		ob_buf_reset(&req);
		ob_buf_add(&req, "\x30\x03\x02\x01", 4); /* cut short */
		test_assert_int(run(s, store, &a), LDAP_CLOSE);
		test_assert(a.notice);
		test_assert_int(a.rc, LDAP_RC_PROTOCOL_ERROR);
		search_req(0, "dc=acme", 2, 0, NULL, NULL, 0);
		test_assert_int(run(s, store, &a), LDAP_CLOSE);
		test_assert(a.notice);
		struct ber_w bw;
		begin_msg(&bw, 100);
		ber_w_open(&bw, BER_APP(23) | BER_CONSTRUCTED);
		ber_w_octets(&bw, BER_CTX(0), LDAP_OID_WHOAMI,
			     strlen(LDAP_OID_WHOAMI));
		ber_w_close(&bw);
		end_msg(&bw);
		test_assert_int(run(s, store, &a), LDAP_GO_ON);
		test_assert_int(a.rc, 0);
		begin_msg(&bw, 101);
		ber_w_open(&bw, BER_APP(23) | BER_CONSTRUCTED);
		ber_w_octets(&bw, BER_CTX(0), LDAP_OID_STARTTLS,
			     strlen(LDAP_OID_STARTTLS));
		ber_w_close(&bw);
		end_msg(&bw);
		test_assert_int(run(s, store, &a), LDAP_STARTTLS);
		test_assert_int(a.rc, 0);
		ldap_session_tls_started(s);
		test_assert_int(run(s, store, &a), LDAP_GO_ON);
		test_assert_int(a.rc, LDAP_RC_OPERATIONS_ERROR); /* again */
		begin_msg(&bw, 102);
		ber_w_octets(&bw, BER_APP(2), "", 0);
		end_msg(&bw);
		test_assert_int(run(s, store, &a), LDAP_CLOSE);
	}
	test_end();

	test_begin("long answers flush as they grow; a gone client stops");
	{
		dstore_begin(store, acme, "test", &err);
		for (int i = 0; i < 3000; i++) {
			char uid[16];
			snprintf(uid, sizeof(uid), "bulk%04d", i);
			person(acme, uid, "Bulk", uid, 0);
		}
		dstore_commit(store, NULL, &err);
		flushes = 0;
		search_req(110, "dc=acme", 2, 0, NULL, NULL, 0);
		run(s, store, &a);
		test_assert(flushes >= 2);
		test_assert_int(a.entries, 64 + 3000);
		test_assert_int(a.rc, 0);
		uint64_t before = counters.entries;
		search_req(112, "dc=acme", 2, 0, NULL, NULL, 0);
		run(s, store, &a);
		test_assert_int(counters.entries - before, 64 + 3000);
		flushes = 0;
		flush_fail = 1;
		search_req(111, "dc=acme", 2, 0, NULL, NULL, 0);
		run(s, store, &a);
		test_assert_int(a.done_op, -1); /* no SearchResultDone */
		test_assert(strstr(ldap_session_note(s, NULL), "client left") !=
			    NULL);
		flush_fail = 0;
	}
	test_end();

	ldap_session_free(&s);
	ldap_dircache_free(&cache);
	dstore_close(&store);
	ob_buf_deinit(&req);
	return test_done();
}
