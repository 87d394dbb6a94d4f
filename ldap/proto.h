/* ldap/proto: LDAPv3 messages (RFC 4511) as the read-only LDAP front end
 * reads and writes them, over the BER codec of ldap/ber.h.
 *
 * Promises:
 * - ldap_pdu_length frames one PDU from a byte stream without decoding
 *   it, refusing a PDU over the caller's cap before it is read;
 * - ldap_msg_decode reads any LDAPMessage a client may send (every
 *   protocolOp is recognised by its tag; bind, unbind, search, abandon,
 *   extended and compare are decoded in full, the others only named) and
 *   its controls (paged results, server-side sort and VLV decoded; any
 *   other kept by OID and criticality), into one allocation freed by
 *   ldap_msg_free; filters nest at most LDAP_FILTER_DEPTH deep and a
 *   message holds at most LDAP_MSG_ITEMS filter nodes, attributes,
 *   values and controls in all; malformed input is OB_E_PARSE with the
 *   message id when it could be read (for the protocolError answer), never
 *   a crash or a read past the PDU; a message takes at most 4 times the
 *   PDU plus about 400 bytes per item (under 2 MiB beyond the PDU: each
 *   item is a node of ~150 bytes with its strings, and the arena may
 *   leave half of what it allocated unused);
 * - the writers append one complete response PDU with minimal definite
 *   lengths to an ob_buf (OB_E_LIMIT at its cap, the buffer left as it
 *   was).
 * Never: touches a socket, the store or a tenant; logs. */
#ifndef LDAP_PROTO_H
#define LDAP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

#define LDAP_FILTER_DEPTH 32
#define LDAP_MSG_ITEMS 4096

/* The protocolOp application tag numbers (RFC 4511 §4.2–4.14). */
enum ldap_op {
	LDAP_OP_BIND = 0,
	LDAP_OP_BIND_RESP = 1,
	LDAP_OP_UNBIND = 2,
	LDAP_OP_SEARCH = 3,
	LDAP_OP_SEARCH_ENTRY = 4,
	LDAP_OP_SEARCH_DONE = 5,
	LDAP_OP_MODIFY = 6,
	LDAP_OP_MODIFY_RESP = 7,
	LDAP_OP_ADD = 8,
	LDAP_OP_ADD_RESP = 9,
	LDAP_OP_DELETE = 10,
	LDAP_OP_DELETE_RESP = 11,
	LDAP_OP_MODDN = 12,
	LDAP_OP_MODDN_RESP = 13,
	LDAP_OP_COMPARE = 14,
	LDAP_OP_COMPARE_RESP = 15,
	LDAP_OP_ABANDON = 16,
	LDAP_OP_SEARCH_REF = 19,
	LDAP_OP_EXTENDED = 23,
	LDAP_OP_EXTENDED_RESP = 24,
	LDAP_OP_INTERMEDIATE = 25,
};

/* resultCode values used here (RFC 4511 §4.1.9, RFC 2891, VLV draft). */
enum ldap_rc {
	LDAP_RC_SUCCESS = 0,
	LDAP_RC_OPERATIONS_ERROR = 1,
	LDAP_RC_PROTOCOL_ERROR = 2,
	LDAP_RC_TIME_LIMIT = 3,
	LDAP_RC_SIZE_LIMIT = 4,
	LDAP_RC_COMPARE_FALSE = 5,
	LDAP_RC_COMPARE_TRUE = 6,
	LDAP_RC_AUTH_METHOD = 7,
	LDAP_RC_ADMIN_LIMIT = 11,
	LDAP_RC_UNAVAILABLE_CRITICAL = 12,
	LDAP_RC_CONFIDENTIALITY = 13,
	LDAP_RC_NO_SUCH_ATTRIBUTE = 16,
	LDAP_RC_INAPPROPRIATE_MATCHING = 18,
	LDAP_RC_NO_SUCH_OBJECT = 32,
	LDAP_RC_INVALID_DN = 34,
	LDAP_RC_INAPPROPRIATE_AUTH = 48,
	LDAP_RC_INVALID_CREDENTIALS = 49,
	LDAP_RC_INSUFFICIENT_ACCESS = 50,
	LDAP_RC_BUSY = 51,
	LDAP_RC_UNAVAILABLE = 52,
	LDAP_RC_UNWILLING = 53,
	LDAP_RC_SORT_CONTROL_MISSING = 60,
	LDAP_RC_OFFSET_RANGE = 61,
	LDAP_RC_OTHER = 80,
};

#define LDAP_OID_STARTTLS "1.3.6.1.4.1.1466.20037"
#define LDAP_OID_WHOAMI "1.3.6.1.4.1.4203.1.11.3"
#define LDAP_OID_PAGED "1.2.840.113556.1.4.319"
#define LDAP_OID_SORT_REQ "1.2.840.113556.1.4.473"
#define LDAP_OID_SORT_RESP "1.2.840.113556.1.4.474"
#define LDAP_OID_VLV_REQ "2.16.840.1.113730.3.4.9"
#define LDAP_OID_VLV_RESP "2.16.840.1.113730.3.4.10"
#define LDAP_OID_DISCONNECT "1.3.6.1.4.1.1466.20036"

/* An octet string of the message: a NUL-terminated copy (the NUL not
 * counted; the bytes may hold NULs of their own). p == NULL: absent. */
struct ldap_val {
	char *p;
	size_t len;
};

enum ldap_filter_kind {
	LDAP_F_AND,     /* [0] */
	LDAP_F_OR,      /* [1] */
	LDAP_F_NOT,     /* [2] */
	LDAP_F_EQ,      /* [3] equalityMatch */
	LDAP_F_SUBSTR,  /* [4] substrings */
	LDAP_F_GE,      /* [5] greaterOrEqual */
	LDAP_F_LE,      /* [6] lessOrEqual */
	LDAP_F_PRESENT, /* [7] present */
	LDAP_F_APPROX,  /* [8] approxMatch */
	LDAP_F_EXT,     /* [9] extensibleMatch */
};

struct ldap_filter {
	enum ldap_filter_kind kind;
	/* AND/OR: n_sub children (0 allowed: absolute true/false, RFC 4526);
	 * NOT: exactly one */
	struct ldap_filter **sub;
	size_t n_sub;
	struct ldap_val attr;  /* every other kind (EXT: may be absent) */
	struct ldap_val value; /* EQ, GE, LE, APPROX, EXT */
	/* SUBSTR: initial and final (absent: p == NULL), any in order */
	struct ldap_val initial, final;
	struct ldap_val *any;
	size_t n_any;
	struct ldap_val rule; /* EXT: matchingRule, may be absent */
	bool dn_attrs;        /* EXT */
};

enum ldap_scope {
	LDAP_SCOPE_BASE = 0,
	LDAP_SCOPE_ONE = 1,
	LDAP_SCOPE_SUB = 2,
};

struct ldap_search {
	struct ldap_val base;
	enum ldap_scope scope;
	int deref;
	uint32_t size_limit, time_limit; /* 0: none asked */
	bool types_only;
	struct ldap_filter *filter;
	struct ldap_val *attrs; /* as sent: may hold "*", "+", "1.1" */
	size_t n_attrs;
};

struct ldap_bind {
	int version;
	struct ldap_val name;
	bool simple;              /* else SASL */
	struct ldap_val password; /* simple */
	struct ldap_val mech;     /* SASL mechanism */
	struct ldap_val creds;    /* SASL credentials, may be absent */
};

struct ldap_control {
	struct ldap_val oid;
	bool critical;
	struct ldap_val value; /* the controlValue's bytes, absent: p NULL */
};

/* RFC 2696 */
struct ldap_paged {
	bool present, critical;
	uint32_t size;
	struct ldap_val cookie; /* empty on the first page */
};

/* RFC 2891 */
struct ldap_sort_key {
	struct ldap_val attr, rule; /* rule absent: p NULL */
	bool reverse;
};
struct ldap_sort {
	bool present, critical;
	struct ldap_sort_key *keys;
	size_t n_keys;
};

/* draft-ietf-ldapext-ldapv3-vlv-09 */
struct ldap_vlv {
	bool present, critical;
	uint32_t before, after;
	bool by_offset;                 /* else by assertion value */
	uint32_t offset, content_count; /* by_offset */
	struct ldap_val assertion;      /* !by_offset: greaterThanOrEqual */
	struct ldap_val context;        /* absent: p NULL */
};

struct ldap_msg {
	int32_t id;
	enum ldap_op op;
	struct ldap_bind bind;         /* LDAP_OP_BIND */
	struct ldap_search search;     /* LDAP_OP_SEARCH */
	int32_t abandon_id;            /* LDAP_OP_ABANDON */
	struct ldap_val ext_oid;       /* LDAP_OP_EXTENDED: requestName */
	struct ldap_val ext_value;     /* LDAP_OP_EXTENDED, may be absent */
	struct ldap_val compare_dn;    /* LDAP_OP_COMPARE */
	struct ldap_val compare_attr;  /* LDAP_OP_COMPARE */
	struct ldap_val compare_value; /* LDAP_OP_COMPARE */
	/* every control as sent (the known ones also decoded below) */
	struct ldap_control *controls;
	size_t n_controls;
	struct ldap_paged paged;
	struct ldap_sort sort;
	struct ldap_vlv vlv;
};

/* Frame the PDU at the start of buf (len bytes read so far): its whole
 * length, tag and length octets included, once the length octets are in
 * (buf may hold less: the caller reads until it has that many); 0 when
 * more bytes are needed to tell; OB_E_PARSE when it is not an LDAPMessage
 * (not a SEQUENCE, an indefinite or malformed length); OB_E_LIMIT when it
 * is longer than max. */
long ldap_pdu_length(const unsigned char *buf, size_t len, size_t max);

/* Decode one whole PDU. On OB_E_PARSE *id_r (may be NULL) gets the
 * message id when it could be read, else 0; err->msg says what is wrong.
 * Passing LDAP_FILTER_DEPTH or LDAP_MSG_ITEMS, a messageID of 0 or
 * below, a known control sent twice or with a malformed value are
 * OB_E_PARSE too. OB_E_NOMEM. */
int ldap_msg_decode(const unsigned char *pdu, size_t len,
		    struct ldap_msg **m_r, int32_t *id_r, struct ob_err *err);
void ldap_msg_free(struct ldap_msg **m);

/* The first critical control that is none of paged results, sort and
 * VLV (answer unavailableCriticalExtension), or NULL. Borrowed from m. */
const struct ldap_control *
ldap_msg_unknown_critical(const struct ldap_msg *m);

/* An LDAPResult-shaped response (BindResponse, SearchResultDone,
 * ModifyResponse, ..., CompareResponse) with op its application tag;
 * matched and diag may be NULL (empty). ctrls: n_ctrls response controls
 * already encoded as Control SEQUENCEs (ldap_put_ctrl_*), may be NULL.
 * Every writer returns 0, OB_E_LIMIT (out's cap) or OB_E_NOMEM, out as
 * it was on failure; OB_E_INVAL for a negative id or, here, an op that
 * is not LDAPResult-shaped. */
int ldap_put_result(struct ob_buf *out, int32_t id, enum ldap_op op,
		    enum ldap_rc rc, const char *matched, const char *diag,
		    const struct ob_buf *ctrls);
/* ExtendedResponse with responseName oid (may be NULL) and responseValue
 * (NULL: absent). */
int ldap_put_extended(struct ob_buf *out, int32_t id, enum ldap_rc rc,
		      const char *diag, const char *oid,
		      const struct ldap_val *value);
/* The unsolicited Notice of Disconnection (id 0, RFC 4511 §4.4.1). */
int ldap_put_disconnect(struct ob_buf *out, enum ldap_rc rc,
			const char *diag);

/* SearchResultEntry, written in three steps so that attributes stream
 * from the caller's entry: begin (opens the PDU, writes the DN), any
 * number of attr calls (values NULL-free; types_only writes the
 * attribute with an empty value set), end (closes the lengths). A failed
 * step leaves out as it was before begin (the writer keeps the mark). */
struct ldap_entry_w {
	struct ob_buf *out;
	size_t mark;  /* out->len at begin */
	size_t op;    /* where the SearchResultEntry tag is */
	size_t attrs; /* where the attribute list starts */
	int err;      /* first error; the later steps do nothing */
};
void ldap_entry_begin(struct ldap_entry_w *w, struct ob_buf *out, int32_t id,
		      const char *dn, size_t dn_len);
void ldap_entry_attr(struct ldap_entry_w *w, const char *type,
		     const struct ldap_val *vals, size_t n_vals,
		     bool types_only);
int ldap_entry_end(struct ldap_entry_w *w);

/* Response controls, appended to ctrls (an ob_buf holding Control
 * SEQUENCEs for ldap_put_result). */
int ldap_put_ctrl_paged(struct ob_buf *ctrls, uint32_t size_estimate,
			const void *cookie, size_t cookie_len);
int ldap_put_ctrl_sort(struct ob_buf *ctrls, enum ldap_rc rc,
		       const char *attr);
int ldap_put_ctrl_vlv(struct ob_buf *ctrls, uint32_t target, uint32_t count,
		      enum ldap_rc rc, const void *context, size_t context_len);

#endif
