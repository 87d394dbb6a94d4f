/* The session state's stored bytes (state.h): a full state survives the
 * round trip; every truncation, a flipped boolean, an overlong string,
 * bytes left over, an unknown version and an older build's memcpy layout
 * are refused with their own code. */
#include "config.h"
#include "syncml-server/state.h"

#include <stdlib.h>
#include <string.h>

#include "tests/lib/test.h"
#include "util/str.h"

/* A state with every field set to something other than zero. */
static void full_state(struct srv_state *st)
{
	memset(st, 0, sizeof(*st));
	st->version = 12;
	st->wbxml = true;
	st->max_msg = 4000;
	st->max_obj = 4000000;
	st->server_msg_id = 7;
	st->authed = true;
	st->tenant_id = 3;
	st->account_id = -9; /* signed fields keep their sign */
	ob_strlcpy(st->login, "zhang.wei@acme", sizeof(st->login));
	st->client.present = true;
	st->client.vcard = 21;
	st->client.large_objs = true;
	st->client.no_photo = true;
	st->client.ctcap = true;
	st->client.props = 0xa5;
	st->client.max_guid = 32;
	st->client.strtbl = true;
	ob_strlcpy(st->client.man, "Nokia", sizeof(st->client.man));
	ob_strlcpy(st->client.mod, "6630", sizeof(st->client.mod));
	ob_strlcpy(st->client.swv, "4.09", sizeof(st->client.swv));
	st->client.dialect.no_fold = true;
	st->client.dialect.qp_unfolded = true;
	st->client.dialect.latin1 = true;
	st->client.dialect.org_max = 2;
	st->client.dialect.n_limits = 2;
	ob_strlcpy(st->client.dialect.limits[0].name, "N", 16);
	st->client.dialect.limits[0].max = 40;
	ob_strlcpy(st->client.dialect.limits[1].name, "TITLE", 16);
	st->client.dialect.limits[1].max = 0xffffffffu;
	st->phase = SRV_PHASE_SEND;
	st->started_ms = 0x0123456789abcdefull;
	st->asked_devinf = true;
	st->wbxml_permille = 612;
	st->last_req_hash = 0xfedcba9876543210ull;
	st->n_ds = 2;
	for (int i = 0; i < 2; i++) {
		struct srv_ds *ds = &st->ds[i];
		ob_strlcpy(ds->uri, i ? "contacts/研发中心" : "contacts",
			   sizeof(ds->uri));
		ob_strlcpy(ds->client_uri, "./C\\System\\Data\\Contacts.cdb",
			   sizeof(ds->client_uri));
		ob_strlcpy(ds->key, "contacts", sizeof(ds->key));
		ds->unit_id = 5 + i;
		ds->mode = 201;
		ds->refused = i == 1;
		ob_strlcpy(ds->client_next, "c2", sizeof(ds->client_next));
		ob_strlcpy(ds->server_last, "1.1796217914",
			   sizeof(ds->server_last));
		ob_strlcpy(ds->server_next, "2.1796217999",
			   sizeof(ds->server_next));
		ds->since_rev = 11;
		ds->snap_rev = 12;
		ds->failed = true;
		ds->server_done = true;
		ds->sent_sync = true;
		ds->cursor = 311;
		ob_strlcpy(ds->resend_after, "demo-000002",
			   sizeof(ds->resend_after));
		ds->resends_done = true;
		ds->vcard = 30;
		ds->adds = 1;
		ds->replaces = 2;
		ds->deletes = 3;
		ds->client_items = 4;
		ds->matched = 5;
		ds->chunk_active = true;
		ds->chunk_photo = true;
		ds->chunk_kind = 2;
		ob_strlcpy(ds->chunk_guid, "demo-000009",
			   sizeof(ds->chunk_guid));
		ob_strlcpy(ds->chunk_luid, "17", sizeof(ds->chunk_luid));
		ds->chunk_rev = 13;
		ds->chunk_off = 4096;
		ds->chunk_total = 97000;
	}
}

int main(void)
{
	struct srv_state st, back;
	struct ob_err err;
	unsigned char *blob = NULL, *again = NULL, *empty = NULL, *buf;
	size_t len = 0, len2 = 0, len3 = 0;

	full_state(&st);
	test_begin("a state survives encode and decode, field for field");
	test_assert_int(srv_state_encode(&st, &blob, &len, &err), 0);
	test_assert_mem(blob, 5, "OBST\x01", 5);
	test_assert_int(srv_state_decode(blob, len, &back, &err), 0);
	/* full_state zeroed the struct first, so its padding and the bytes
	 * after each string's NUL are zero on both sides */
	test_assert_mem(&back, sizeof(back), &st, sizeof(st));
	test_assert_str(back.ds[1].uri, "contacts/研发中心");
	test_assert_int(back.account_id, -9);
	test_assert_int(back.client.dialect.limits[1].max, 0xffffffffu);
	test_assert_int(srv_state_encode(&back, &again, &len2, &err), 0);
	test_assert_mem(again, len2, blob, len);
	free(again);
	test_end();

	test_begin("integers are little-endian at fixed offsets");
	/* after "OBST", 1: version (i32), wbxml (u8), max_msg (u64) */
	test_assert_mem(blob + 5, 4, "\x0c\0\0\0", 4);
	test_assert_int(blob[9], 1);
	test_assert_mem(blob + 10, 8, "\xa0\x0f\0\0\0\0\0\0", 8);
	test_end();

	test_begin("an empty state round-trips");
	memset(&st, 0, sizeof(st));
	test_assert_int(srv_state_encode(&st, &empty, &len3, &err), 0);
	test_assert_int(srv_state_decode(empty, len3, &back, &err), 0);
	test_assert_mem(&back, sizeof(back), &st, sizeof(st));
	free(empty);
	test_end();

	test_begin("a state cut at every byte is refused, and never read past");
	int refused = 0;
	for (size_t cut = 0; cut < len; cut++) {
		/* a copy of exactly cut bytes, so ASan sees any overread */
		unsigned char *p = malloc(cut > 0 ? cut : 1);
		memcpy(p, blob, cut);
		int ret = srv_state_decode(p, cut, &back, &err);
		if (ret == (cut < 5 ? OB_E_VERSION : OB_E_PARSE))
			refused++;
		free(p);
	}
	test_assert_int(refused, len);
	test_assert_int(srv_state_decode(blob, len - 1, &back, &err),
			OB_E_PARSE);
	test_assert(strstr(err.msg, "truncated at ") != NULL);
	test_assert(strstr(err.msg, "at ds.chunk_total") != NULL);
	test_end();

	test_begin("a byte left over is refused");
	buf = malloc(len + 1);
	memcpy(buf, blob, len);
	buf[len] = 0;
	test_assert_int(srv_state_decode(buf, len + 1, &back, &err),
			OB_E_PARSE);
	test_assert(strstr(err.msg, "bytes after the last field") != NULL);
	test_end();

	test_begin("a boolean other than 0 or 1 is refused, naming it");
	memcpy(buf, blob, len);
	buf[9] = 2; /* wbxml */
	test_assert_int(srv_state_decode(buf, len, &back, &err), OB_E_PARSE);
	test_assert_str(err.msg, "damaged session state: a boolean that is "
				 "not 0 or 1 at wbxml (byte 9 of 573)");
	test_end();

	test_begin("a string longer than its field is refused");
	memcpy(buf, blob, len);
	/* login's length, after version, wbxml, 3 u64, authed, 2 i64 */
	size_t at = 5 + 4 + 1 + 24 + 1 + 16;
	test_assert_int(buf[at], strlen("zhang.wei@acme"));
	buf[at] = 0xff;
	buf[at + 1] = 0x00; /* 255 >= DSTORE_LOGIN_MAX */
	test_assert_int(srv_state_decode(buf, len, &back, &err), OB_E_PARSE);
	test_assert(strstr(err.msg, "a string longer than its field at "
				    "st->login") != NULL);
	test_end();

	test_begin("an unknown version is refused as such");
	memcpy(buf, blob, len);
	buf[4] = 2;
	test_assert_int(srv_state_decode(buf, len, &back, &err), OB_E_VERSION);
	test_assert_str(err.msg,
			"session state version 2, this build reads version 1");
	test_end();

	test_begin(
		"an older build's state (memcpy, magic \"SSBO\") is refused");
	memset(buf, 0, len);
	memcpy(buf, "SSBO", 4);
	test_assert_int(srv_state_decode(buf, len, &back, &err), OB_E_VERSION);
	test_assert(strstr(err.msg, "not a versioned session state") != NULL);
	test_end();

	free(buf);
	free(blob);
	return test_done();
}
