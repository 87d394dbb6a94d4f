/* Sequences of SyncML messages from two parties on one engine and store
 * (syncml-fixture.h): an owner, who sends each message to the RespURI of
 * its last reply, and an intruder, who knows the device id and SessionID
 * (they are in the messages the fuzzer writes) but not the session token.
 *
 * Input: messages separated by the line "\n#next#\n"; each starts with a
 * flag byte: bit 0 WBXML, bit 1 the owner's (else the intruder's), bit 2
 * the intruder sends a made-up token. At most 16 messages.
 *
 * Oracles, besides fuzz-syncml-session's (sanitizers, HTTP statuses,
 * replies decode): an intruder's message without a Cred never gets a
 * session token (RespURI), a Sync, Results or an item of the directory,
 * nor any reply the owner got before, byte for byte. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dirstore/syncml-state.h"
#include "syncml/wbxml.h"
#include "syncml/xml.h"
#include "tests/fuzz/syncml-fixture.h"
#include "util/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP "\n#next#\n"
#define MAX_MSGS 16

struct seen {
	unsigned char *body[MAX_MSGS];
	size_t len[MAX_MSGS];
	int n;
};

/* Does the request carry credentials (a Cred, as far as we can read it)? */
static bool has_cred(const unsigned char *b, size_t len, bool wbxml)
{
	struct sml_tree *t = NULL;
	struct sml_msg m;
	struct ob_err err;
	bool cred;

	int ret = wbxml ? sml_wbxml_decode(b, len, NULL, &t, &err)
			: sml_xml_parse((const char *)b, len, NULL, &t, &err);
	if (ret != 0) {
		sml_tree_free(&t);
		return true; /* the server refuses it too: nothing to check */
	}
	ret = sml_msg_read(&t, &m, &err);
	sml_tree_free(&t);
	cred = ret != 0 || m.hdr.cred != NULL;
	sml_msg_deinit(&m);
	return cred;
}

static bool carries_directory(const struct sml_msg *m)
{
	for (const struct sml_node *c = m->body ? m->body->first : NULL;
	     c != NULL; c = c->next)
		if (strcmp(c->name, "Sync") == 0 ||
		    strcmp(c->name, "Results") == 0 ||
		    strcmp(c->name, "Add") == 0 ||
		    strcmp(c->name, "Replace") == 0)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char token[DSTORE_TOKEN_MAX] = "";
	struct seen owner = {{NULL}, {0}, 0};
	const uint8_t *p = data, *end = data + size;

	fz_setup();
	fz_unthrottle();
	for (int i = 0; i < MAX_MSGS && p < end; i++) {
		const uint8_t *next = (const uint8_t *)memmem(
			p, (size_t)(end - p), SEP, strlen(SEP));
		const uint8_t *stop = next != NULL ? next : end;
		struct srv_response rs;
		struct sml_msg m;

		if (stop - p < 1)
			goto step;
		bool wbxml = p[0] & 1, mine = p[0] & 2, fake = p[0] & 4;
		const unsigned char *b = p + 1;
		size_t len = (size_t)(stop - p - 1);
		const char *tok = mine && *token ? token
				  : !mine && fake
					  ? "00000000000000000000000000000000"
					  : NULL;
		bool watch = !mine && !has_cred(b, len, wbxml);
		memset(&m, 0, sizeof(m));
		fz_handle(b, len, wbxml, tok, &rs);
		fz_check_reply(&rs, &m);
		if (rs.http_status == 200) {
			const char *ru = m.hdr.resp_uri;
			const char *s = strstr(ru, "?s=");
			if (watch && (*ru != '\0' || carries_directory(&m))) {
				fprintf(stderr, "a message without credentials "
						"or token got a session\n");
				abort();
			}
			for (int k = 0; watch && k < owner.n; k++)
				if (owner.len[k] == rs.len &&
				    memcmp(owner.body[k], rs.body, rs.len) ==
					    0) {
					fprintf(stderr, "an intruder got the "
							"owner's reply\n");
					abort();
				}
			if (mine && s != NULL)
				ob_strlcpy(token, s + 3, sizeof(token));
			if (mine && owner.n < MAX_MSGS) {
				owner.body[owner.n] = malloc(rs.len + 1);
				if (owner.body[owner.n] == NULL)
					abort();
				memcpy(owner.body[owner.n], rs.body, rs.len);
				owner.len[owner.n++] = rs.len;
			}
			sml_msg_deinit(&m);
		}
		srv_response_deinit(&rs);
	step:
		p = next != NULL ? next + strlen(SEP) : end;
	}
	for (int k = 0; k < owner.n; k++)
		free(owner.body[k]);
	return 0;
}
