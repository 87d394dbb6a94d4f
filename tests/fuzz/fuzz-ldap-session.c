/* Fuzz target: one LDAP connection's protocol behind the codec
 * (ldap/session.c over ldap/dir.c), as the listener runs it. Once per
 * process a store is made in a temporary folder: "acme" (an account,
 * alice@acme, and a few hundred people with Chinese names, numbers with
 * extensions, a deep unit tree, one hidden person), "beta" (anonymous
 * LDAP allowed, base o=Beta Corp, its own people and a hidden one) and
 * "gamma" (neither, never to be seen). Each input is a stream of PDUs,
 * framed by ldap_pdu_length (at most FZ_MAX_PDUS), fed to one session.
 * Throttling is reset before each input so that the bind of alice stays
 * reachable from the seeds. The first PDU's message id less one picks the
 * connection (KNOB_*: TLS required, LDAPS, loopback, no store, a small
 * output buffer, a client that leaves on the second flush, edits of acme
 * before the session: the snapshot is then refreshed from the change
 * feed, a hidden person edited among the others); the seeds' id 1 is a
 * plain connection.
 * Oracles beyond ASan/UBSan:
 * - every answer PDU is well-formed BER (framed whole, every constructed
 *   element walked to the bottom, LDAPMessage shape: id, protocolOp,
 *   optional controls, nothing after);
 * - a SearchResultEntry lies in the one enterprise the session may see
 *   (acme after alice's bind, beta otherwise) or is the root DSE, and
 *   none names a hidden person or another enterprise's people;
 * - a search never answers more entries than its sizeLimit, the server's
 *   limit, a page's size or a VLV window asks;
 * - a compare never answers true or false on a hidden person. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dirstore/dirstore.h"
#include "ldap/ber.h"
#include "ldap/dir.h"
#include "ldap/proto.h"
#include "ldap/session.h"

#define FZ_MAX_PDUS 16
#define FZ_PDU_MAX (64u * 1024)
#define FZ_SIZE_LIMIT 250 /* the server's limit: below the people */
#define FZ_PEER "192.0.2.9"

enum {
	KNOB_REQUIRE_TLS = 1,
	KNOB_LDAPS = 2,
	KNOB_LOOPBACK = 4,
	KNOB_NO_STORE = 8,
	KNOB_SMALL_OUT = 16,
	KNOB_CLIENT_GONE = 32,
	KNOB_EDIT = 64,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dstore *store;
static struct ldap_dircache *cache;
static int64_t acme_id, units[8];

/* ---- the directory, once per process ---------------------------------- */

static const char *const family[] = {"张", "王", "李", "赵", "陈",
				     "刘", "杨", "黄", "周", "吴"};
static const char *const given[] = {"伟", "芳", "娜", "秀英", "敏",
				    "静", "丽", "强", "磊",   "军"};

static void put(int64_t t, const char *uid, const char *fam, const char *giv,
		const char *title, int64_t unit, bool hidden, int i)
{
	struct dstore_person p = {0};
	struct dstore_phone ph[2];
	char num[2][48], mail[64], *mails[1];
	struct ob_err err;

	snprintf(num[0], sizeof(num[0]), "+86 10 6552 %04d ext. %d", i % 9999,
		 100 + i);
	snprintf(num[1], sizeof(num[1]), "+86 139 %04d %04d", i, i * 7 % 9999);
	ph[0].type = (char *)"work";
	ph[0].number = num[0];
	ph[1].type = (char *)"cell";
	ph[1].number = num[1];
	snprintf(mail, sizeof(mail), "%s@example.com", uid);
	mails[0] = mail;
	p.uid = (char *)uid;
	p.family = (char *)fam;
	p.given = (char *)giv;
	p.title = (char *)title;
	p.unit_id = unit;
	p.phones = ph;
	p.n_phones = i % 3 == 0 ? 1 : 2;
	p.emails = mails;
	p.n_emails = 1;
	p.hidden = hidden;
	if (i % 11 == 0) { /* an address: postalAddress, street, l */
		p.street = (char *)"中关村大街 1 号";
		p.locality = (char *)"北京";
		p.postcode = (char *)"100080";
		p.country = (char *)"CN";
	}
	if (i % 13 == 0) { /* a reading given, not derived */
		p.phonetic_family = (char *)"Zhāng";
		p.phonetic_given = (char *)"Wei-Ming";
	}
	if (i % 50 == 1) { /* a few photos: jpegPhoto, read from the store
			      (a JPEG is sent, a PNG is not) */
		static const unsigned char png[] = {
			0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0,
			0,    0,   13,  'I', 'H',  'D',  'R',  0,    0};
		static const unsigned char jpeg[] = {
			0xff, 0xd8, 0xff, 0xe0, 0,    16,  'J',
			'F',  'I',  'F',  0,    0xff, 0xd9};
		p.photo = (unsigned char *)(i % 100 == 1 ? png : jpeg);
		p.photo_len = i % 100 == 1 ? sizeof(png) : sizeof(jpeg);
	}
	if (dstore_person_put(store, t, &p, NULL, &err) != 0) {
		fprintf(stderr, "fuzz-ldap-session: put %s: %s\n", uid,
			err.msg);
		abort();
	}
	if (p.uid != uid)
		free(p.uid);
}

static char dir[] = "/tmp/fuzz-ldap-session-XXXXXX";

/* At exit: the store closed and its folder gone (valgrind's leak check
 * and /tmp both stay clean). */
static void teardown(void)
{
	static const char *const files[] = {"f.db", "f.db-wal", "f.db-shm",
					    "f.db-journal"};
	char path[128];

	ldap_dircache_free(&cache);
	dstore_close(&store);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		(void)unlink(path);
	}
	(void)rmdir(dir);
}

static void setup(void)
{
	static char path[128];
	static const char *const paths[] = {"研发",
					    "研发/平台",
					    "研发/平台/存储",
					    "研发/平台/存储/索引",
					    "研发/平台/存储/索引/压缩",
					    "销售",
					    "销售/华东",
					    "Sales/West"};
	struct ldap_dir_config dc = {65536, 600, 256};
	struct dstore_options o = {0};
	struct ob_err err;
	int64_t acme, beta, gamma;
	char uid[32];

	if (mkdtemp(dir) == NULL)
		abort();
	atexit(teardown);
	snprintf(path, sizeof(path), "%s/f.db", dir);
	o.path = path;
	o.sync_normal = true;
	if (dstore_open(&o, &store, &err) != 0 ||
	    dstore_tenant_create(store, "acme", "Acme 公司", &acme, &err) !=
		    0 ||
	    dstore_tenant_create(store, "beta", "Beta", &beta, &err) != 0 ||
	    dstore_tenant_create(store, "gamma", "Gamma", &gamma, &err) != 0 ||
	    dstore_tenant_set_ldap(store, beta, "o=Beta Corp", true, &err) !=
		    0 ||
	    dstore_account_create(store, acme, "alice@acme", "alice-password",
				  DSTORE_ROLE_USER, NULL, &err) != 0 ||
	    dstore_account_create(store, gamma, "carol@gamma", "carol-pw-9",
				  DSTORE_ROLE_USER, NULL, &err) != 0 ||
	    ldap_dircache_new(&dc, &cache, &err) != 0) {
		fprintf(stderr, "fuzz-ldap-session: setup: %s\n", err.msg);
		abort();
	}
	acme_id = acme;
	if (dstore_begin(store, acme, "fuzz", &err) != 0)
		abort();
	for (size_t i = 0; i < 8; i++)
		if (dstore_unit_ensure_path(store, acme, paths[i], true,
					    &units[i], &err) != 0)
			abort();
	for (int i = 0; i < 300; i++) {
		snprintf(uid, sizeof(uid), "a%03d", i);
		put(acme, uid, family[i % 10], given[i / 10 % 10],
		    i % 7 ? "Acmemark 工程师" : NULL, i % 9 ? units[i % 8] : 0,
		    false, i);
	}
	put(acme, "zz-hidden-a", "隐藏", "Hiddenmark", "Acmemark", units[4],
	    true, 999);
	if (dstore_commit(store, NULL, &err) != 0 ||
	    dstore_begin(store, beta, "fuzz", &err) != 0)
		abort();
	for (int i = 0; i < 40; i++) {
		snprintf(uid, sizeof(uid), "b%03d", i);
		put(beta, uid, family[(i + 3) % 10], given[i % 10],
		    "Betamark 经理", 0, false, i);
	}
	put(beta, "zz-hidden-b", "隐藏", "Hiddenmark", "Betamark", 0, true,
	    998);
	if (dstore_commit(store, NULL, &err) != 0 ||
	    dstore_begin(store, gamma, "fuzz", &err) != 0)
		abort();
	for (int i = 0; i < 5; i++) {
		snprintf(uid, sizeof(uid), "g%03d", i);
		put(gamma, uid, "Gammamark", given[i], "Gammamark", 0, false,
		    i);
	}
	if (dstore_commit(store, NULL, &err) != 0)
		abort();
}

/* KNOB_EDIT: a few changes to acme, different each time. */
static void edit(void)
{
	static unsigned n;
	char title[32], giv[16], uid[16];
	struct ob_err err;

	n++;
	if (dstore_begin(store, acme_id, "fuzz", &err) != 0)
		abort();
	snprintf(title, sizeof(title), "Acmemark v%u", n);
	put(acme_id, "zz-hidden-a", "隐藏", "Hiddenmark", title, units[n % 8],
	    true, 999);
	snprintf(giv, sizeof(giv), "E%u", n);
	if (n % 3 == 0)
		(void)dstore_person_delete(store, acme_id, "a-edit", &err);
	else
		put(acme_id, "a-edit", "钱", giv, NULL, units[n % 8], false,
		    (int)n);
	snprintf(uid, sizeof(uid), "a%03u", n % 300);
	if (dstore_person_set_hidden(store, acme_id, uid, n % 2, &err) != 0)
		abort();
	if (dstore_commit(store, NULL, &err) != 0)
		abort();
}

/* ---- checking the answers --------------------------------------------- */

struct check {
	bool acme;       /* bound as alice: acme is what it may see */
	size_t entries;  /* SearchResultEntry PDUs of this request */
	int32_t bind_rc; /* resultCode of a BindResponse, -1: none */
	const char *const *forbidden; /* markers no entry may hold */
	const char *base;   /* every entry's DN ends with it (or is "") */
	int32_t compare_rc; /* resultCode of a CompareResponse, -1: none */
	unsigned flushes;
	bool gone; /* KNOB_CLIENT_GONE: the flush that failed came */
	unsigned knobs;
};

static const char *const not_acme[] = {"zz-hidden", "Hiddenmark", "Betamark",
				       "Gammamark", "dc=gamma",   NULL};
static const char *const not_beta[] = {"zz-hidden", "Hiddenmark", "Acmemark",
				       "Gammamark", "dc=gamma",   NULL};

static bool holds(const unsigned char *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(p + i, s, n) == 0)
			return true;
	return false;
}

/* Walk an element's content to the bottom: every constructed element is
 * entered, every primitive one stepped over. */
static void walk(struct ber_reader *r)
{
	struct ber_elem e;
	struct ber_reader sub;

	while (!ber_at_end(r)) {
		if (ber_next(r, &e) != 0)
			abort();
		if (e.tag & BER_CONSTRUCTED) {
			if (ber_enter(r, &e, &sub) != 0)
				abort();
			walk(&sub);
		}
	}
}

static void check_dn(const struct check *c, const struct ber_elem *dn)
{
	size_t n = strlen(c->base);

	if (dn->len == 0)
		return; /* the root DSE */
	if (dn->len < n ||
	    strncasecmp((const char *)dn->p + dn->len - n, c->base, n) != 0 ||
	    (dn->len > n && dn->p[dn->len - n - 1] != ','))
		abort();
}

/* One SearchResultEntry's content: objectName, then attributes. */
static void check_entry(struct check *c, struct ber_reader *op)
{
	struct ber_elem dn, attrs, a, type, vals, v;
	struct ber_reader as, ar, vr;

	c->entries++;
	if (ber_expect(op, BER_OCTETS, &dn) != 0 ||
	    ber_expect(op, BER_SEQUENCE, &attrs) != 0 || !ber_at_end(op))
		abort();
	check_dn(c, &dn);
	for (size_t i = 0; c->forbidden[i] != NULL; i++)
		if (holds(dn.p, dn.len, c->forbidden[i]))
			abort();
	ber_enter(op, &attrs, &as);
	while (!ber_at_end(&as)) {
		if (ber_expect(&as, BER_SEQUENCE, &a) != 0 ||
		    ber_enter(&as, &a, &ar) != 0 ||
		    ber_expect(&ar, BER_OCTETS, &type) != 0 ||
		    ber_expect(&ar, BER_SET, &vals) != 0 || !ber_at_end(&ar) ||
		    ber_enter(&ar, &vals, &vr) != 0)
			abort();
		while (!ber_at_end(&vr)) {
			if (ber_expect(&vr, BER_OCTETS, &v) != 0)
				abort();
			for (size_t i = 0; c->forbidden[i] != NULL; i++)
				if (holds(v.p, v.len, c->forbidden[i]))
					abort();
		}
	}
}

/* One answer PDU at p, exactly len bytes. */
static void check_pdu(struct check *c, const unsigned char *p, size_t len)
{
	struct ber_reader top, m, op, walker;
	struct ber_elem e, id, o;
	int32_t v;

	ber_reader_init(&top, p, len);
	if (ber_expect(&top, BER_SEQUENCE, &e) != 0 || !ber_at_end(&top) ||
	    ber_enter(&top, &e, &m) != 0)
		abort();
	ber_reader_init(&walker, p, len);
	walk(&walker);
	if (ber_expect(&m, BER_INTEGER, &id) != 0 ||
	    ber_int(&m, &id, &v) != 0 || v < 0 || ber_next(&m, &o) != 0)
		abort();
	if (!ber_at_end(&m)) {
		struct ber_elem ctl;
		if (ber_expect(&m, BER_CTX(0) | BER_CONSTRUCTED, &ctl) != 0 ||
		    !ber_at_end(&m))
			abort();
	}
	if ((o.tag & BER_CONSTRUCTED) == 0)
		abort();
	if (ber_enter(&m, &o, &op) != 0)
		abort();
	if (o.tag == (BER_APP(LDAP_OP_SEARCH_ENTRY) | BER_CONSTRUCTED)) {
		check_entry(c, &op);
	} else if (o.tag == (BER_APP(LDAP_OP_BIND_RESP) | BER_CONSTRUCTED)) {
		struct ber_elem rc;
		if (ber_expect(&op, BER_ENUM, &rc) != 0 ||
		    ber_int(&op, &rc, &c->bind_rc) != 0)
			abort();
	} else if (o.tag == (BER_APP(LDAP_OP_COMPARE_RESP) | BER_CONSTRUCTED)) {
		struct ber_elem rc;
		if (ber_expect(&op, BER_ENUM, &rc) != 0 ||
		    ber_int(&op, &rc, &c->compare_rc) != 0)
			abort();
	}
}

/* Every PDU in out, which must hold whole PDUs only. */
static void check_out(struct check *c, const struct ob_buf *out)
{
	const unsigned char *p = (const unsigned char *)out->data;
	size_t off = 0;

	while (off < out->len) {
		long n = ldap_pdu_length(p + off, out->len - off,
					 out->len - off);
		if (n <= 0 || (size_t)n > out->len - off)
			abort();
		check_pdu(c, p + off, (size_t)n);
		off += (size_t)n;
	}
}

static int flush_cb(void *ctx, struct ob_buf *out)
{
	struct check *c = ctx;

	check_out(c, out);
	ob_buf_reset(out);
	if ((c->knobs & KNOB_CLIENT_GONE) && ++c->flushes >= 2) {
		c->gone = true;
		return -1;
	}
	return 0;
}

static bool names_hidden(const struct ldap_val *dn)
{
	static const char h[] = "zz-hidden";

	for (size_t i = 0; dn->p != NULL && i + sizeof(h) - 1 <= dn->len; i++)
		if (strncasecmp(dn->p + i, h, sizeof(h) - 1) == 0)
			return true;
	return false;
}

/* ---- one input -------------------------------------------------------- */

static size_t min_nz(size_t a, size_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ldap_session_config cfg = {FZ_SIZE_LIMIT, 0,    false,
					  true,          NULL, NULL};
	struct ldap_session *s = NULL;
	struct check c = {0};
	struct ob_buf out;
	struct ob_err err;
	size_t off = 0;
	struct dstore *st;
	static int trace = -1;

	if (trace < 0) /* FZ_TRACE=1: say what each PDU did */
		trace = getenv("FZ_TRACE") != NULL;
	if (store == NULL)
		setup();
	(void)dstore_throttle_clear(store, "login:alice@acme", &err);
	(void)dstore_throttle_clear(store, "addr:" FZ_PEER, &err);
	{
		long n = ldap_pdu_length(data, size, FZ_PDU_MAX);
		int32_t id = 0;
		struct ldap_msg *m = NULL;
		if (n > 0 && (size_t)n <= size &&
		    ldap_msg_decode(data, (size_t)n, &m, &id, &err) == 0)
			ldap_msg_free(&m);
		c.knobs = id > 0 ? (unsigned)(id - 1) : 0;
	}
	if (c.knobs & KNOB_EDIT)
		edit();
	cfg.cache = cache;
	cfg.require_tls = c.knobs & KNOB_REQUIRE_TLS;
	if (ldap_session_new(&cfg, FZ_PEER, c.knobs & KNOB_LDAPS,
			     c.knobs & KNOB_LOOPBACK, &s) != 0)
		abort();
	st = c.knobs & KNOB_NO_STORE ? NULL : store;
	ob_buf_init(&out, c.knobs & KNOB_SMALL_OUT ? 1024 : 8u << 20);
	for (int i = 0; i < FZ_MAX_PDUS && off < size; i++) {
		long n = ldap_pdu_length(data + off, size - off, FZ_PDU_MAX);
		struct ldap_msg *m = NULL;
		size_t cap = 0;
		bool bind_named = false;
		enum ldap_action act;

		if (n <= 0 || (size_t)n > size - off)
			break;
		/* what the request asks, for the oracles (the session
		 * decodes it on its own) */
		if (ldap_msg_decode(data + off, (size_t)n, &m, NULL, &err) ==
		    0) {
			if (m->op == LDAP_OP_SEARCH) {
				cap = min_nz(m->search.size_limit,
					     FZ_SIZE_LIMIT);
				if (m->paged.present && m->paged.size > 0)
					cap = min_nz(cap, m->paged.size);
				if (m->vlv.present)
					cap = min_nz(cap,
						     (size_t)m->vlv.before +
							     m->vlv.after + 1);
			}
			bind_named =
				m->op == LDAP_OP_BIND && m->bind.name.len > 0;
		}
		c.entries = 0;
		c.bind_rc = -1;
		c.compare_rc = -1;
		c.base = c.acme ? "dc=acme" : "o=Beta Corp";
		c.forbidden = c.acme ? not_acme : not_beta;
		act = ldap_session_pdu(s, st, data + off, (size_t)n, &out,
				       flush_cb, &c);
		check_out(&c, &out);
		ob_buf_reset(&out);
		if (cap > 0 && c.entries > cap)
			abort();
		if (m != NULL && m->op != LDAP_OP_SEARCH && c.entries > 0)
			abort();
		if (m != NULL && m->op == LDAP_OP_COMPARE &&
		    (c.compare_rc == LDAP_RC_COMPARE_TRUE ||
		     c.compare_rc == LDAP_RC_COMPARE_FALSE) &&
		    names_hidden(&m->compare_dn))
			abort();
		if (c.bind_rc >= 0) /* any bind drops the earlier identity */
			c.acme = c.bind_rc == 0 && bind_named;
		if (ldap_session_bound(s) != (c.bind_rc == 0) && c.bind_rc >= 0)
			abort();
		if (trace) {
			bool warn;
			fprintf(stderr, "pdu %d: %s; entries=%zu cap=%zu\n", i,
				ldap_session_note(s, &warn), c.entries, cap);
		}
		ldap_msg_free(&m);
		off += (size_t)n;
		if (act == LDAP_CLOSE || c.gone)
			break;
		if (act == LDAP_STARTTLS)
			ldap_session_tls_started(s);
	}
	ob_buf_deinit(&out);
	ldap_session_free(&s);
	return 0;
}
