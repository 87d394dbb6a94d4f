/* Building one reply message within the client's MaxMsgSize.
 *
 * A reply is the header, the statuses, other commands (Alert, Results,
 * Get) and the server's Sync commands with their items. Statuses and
 * commands are always sent; items are added while they fit the budget and
 * can be taken back from the end (for WBXML, whose size is known only
 * after encoding), so a Sync spanning several messages loses nothing.
 * CmdIDs are given in order as fragments are made. */
#ifndef SRV_REPLY_H
#define SRV_REPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "dirstore/dirstore.h"
#include "dirstore/syncml-state.h"
#include "syncml/writer.h"
#include "util/buf.h"

enum srv_item_kind {
	SRV_ITEM_ADD = 1,
	SRV_ITEM_REPLACE = 2,
	SRV_ITEM_DELETE = 3,
};

/* One server item sent in this message and what to undo if it is taken
 * back: the datastore's position before it. */
struct srv_item {
	int ds;
	enum srv_item_kind kind;
	char *xml; /* the command fragment */
	size_t len;
	int64_t cursor_before;
	char resend_before[DSTORE_DEVICE_MAX];
	bool resends_done_before;
	bool server_done_before;
	bool chunk_active_before;
	uint32_t chunk_off_before;
	bool partial; /* a chunk with MoreData: the item is not complete */
	/* the pending map change it makes once sent */
	char guid[DSTORE_DEVICE_MAX];
	char luid[DSTORE_DEVICE_MAX];
	int64_t rev;
	enum dstore_pending_op op;
};

struct srv_sync_section {
	int ds;
	char *prefix; /* "<Sync><CmdID>..</CmdID><Target>..</Source>" */
	size_t prefix_len;
	size_t first_item, n_items; /* range in srv_reply.items */
};

struct srv_reply {
	struct sml_writer hdr; /* through <SyncBody> */
	struct sml_writer statuses;
	struct sml_writer cmds;
	struct srv_sync_section sections[8];
	int n_sections;
	struct srv_item *items;
	size_t n_items, alloc_items;
	size_t items_bytes;
	uint64_t cmd_id; /* last given */
	bool final;
	size_t budget; /* XML bytes allowed for the whole message */
};

void srv_reply_init(struct srv_reply *r, size_t budget);
void srv_reply_deinit(struct srv_reply *r);
uint64_t srv_reply_next_cmd(struct srv_reply *r);
/* Bytes of XML the message has so far (with closing tags). */
size_t srv_reply_size(const struct srv_reply *r);
/* Open a Sync section for datastore ds, with the content type of its
 * items in the Sync's Meta (items then carry none); returns 0 or
 * OB_E_NOMEM. */
int srv_reply_open_sync(struct srv_reply *r, int ds, const char *target,
			const char *source, const char *type);
/* Add an item to the open section (takes ownership of it->xml). */
int srv_reply_add_item(struct srv_reply *r, struct srv_item *it);
/* Remove the last item; it is copied to *it_r (xml freed). */
void srv_reply_pop_item(struct srv_reply *r, struct srv_item *it_r);
/* The whole message as XML into out. */
int srv_reply_assemble(const struct srv_reply *r, struct ob_buf *out);

#endif
