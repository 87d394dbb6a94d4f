/* The SyncML engine on outside input: srv_sync_handle() on a store with
 * one enterprise, an account and a few people (syncml-fixture.h). The
 * first byte picks XML or WBXML, the rest is the body. Sessions persist
 * between inputs (a later input can continue one an earlier opened), as on
 * a real server. Oracles: no crash, leak or undefined behaviour
 * (sanitizers); an HTTP status we use; every SyncML reply decodes again
 * with our own decoders (by its Content-Type) and carries a SyncHdr.
 * Throttling is reset before each input so the authenticated paths stay
 * reachable. Message sequences and who may continue a session are
 * fuzz-syncml-sequence's. */
#include "config.h"

#include <stdint.h>

#include "tests/fuzz/syncml-fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srv_response rs;

	fz_setup();
	if (size < 1)
		return 0;
	fz_unthrottle();
	fz_handle(data + 1, size - 1, data[0] & 1, NULL, &rs);
	fz_check_reply(&rs, NULL);
	srv_response_deinit(&rs);
	return 0;
}
