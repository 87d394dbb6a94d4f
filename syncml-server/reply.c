/* Reply assembly under a size budget (see reply.h). */
#include "config.h"
#include "syncml-server/reply.h"

#include <stdlib.h>
#include <string.h>

#define CLOSING "<Final/></SyncBody></SyncML>"

void srv_reply_init(struct srv_reply *r, size_t budget)
{
	memset(r, 0, sizeof(*r));
	sml_writer_init(&r->hdr, 1u << 16);
	sml_writer_init(&r->statuses, 64u << 20);
	sml_writer_init(&r->cmds, 16u << 20);
	r->budget = budget;
}

void srv_reply_deinit(struct srv_reply *r)
{
	sml_writer_deinit(&r->hdr);
	sml_writer_deinit(&r->statuses);
	sml_writer_deinit(&r->cmds);
	for (int i = 0; i < r->n_sections; i++)
		free(r->sections[i].prefix);
	for (size_t i = 0; i < r->n_items; i++)
		free(r->items[i].xml);
	free(r->items);
	memset(r, 0, sizeof(*r));
}

uint64_t srv_reply_next_cmd(struct srv_reply *r)
{
	return ++r->cmd_id;
}

size_t srv_reply_size(const struct srv_reply *r)
{
	size_t n = r->hdr.buf.len + r->statuses.buf.len + r->cmds.buf.len +
		   r->items_bytes + sizeof(CLOSING);
	for (int i = 0; i < r->n_sections; i++)
		n += r->sections[i].prefix_len + 7; /* </Sync> */
	return n;
}

int srv_reply_open_sync(struct srv_reply *r, int ds, const char *target,
			const char *source, const char *type)
{
	struct sml_writer w;
	struct srv_sync_section *s;

	if (r->n_sections >=
	    (int)(sizeof(r->sections) / sizeof(r->sections[0])))
		return OB_E_LIMIT;
	sml_writer_init(&w, 4096);
	sml_writer_open(&w, "Sync", NULL);
	sml_writer_uint(&w, "CmdID", srv_reply_next_cmd(r));
	sml_writer_open(&w, "Target", NULL);
	sml_writer_text(&w, "LocURI", target);
	sml_writer_close(&w);
	sml_writer_open(&w, "Source", NULL);
	sml_writer_text(&w, "LocURI", source);
	sml_writer_close(&w);
	sml_writer_open(&w, "Meta", NULL);
	sml_writer_text_ns(&w, "Type", "syncml:metinf", type);
	sml_writer_close(&w);
	if (sml_writer_error(&w) != 0) {
		int e = sml_writer_error(&w);
		sml_writer_deinit(&w);
		return e;
	}
	s = &r->sections[r->n_sections++];
	s->ds = ds;
	s->prefix = ob_buf_steal(&w.buf, &s->prefix_len);
	s->first_item = r->n_items;
	s->n_items = 0;
	sml_writer_deinit(&w);
	return s->prefix != NULL ? 0 : OB_E_NOMEM;
}

int srv_reply_add_item(struct srv_reply *r, struct srv_item *it)
{
	OB_ASSERT(r->n_sections > 0);
	if (r->n_items == r->alloc_items) {
		size_t n = r->alloc_items ? r->alloc_items * 2 : 64;
		struct srv_item *p = realloc(r->items, n * sizeof(*p));
		if (p == NULL)
			return OB_E_NOMEM;
		r->items = p;
		r->alloc_items = n;
	}
	r->items[r->n_items++] = *it;
	r->items_bytes += it->len;
	r->sections[r->n_sections - 1].n_items++;
	it->xml = NULL;
	return 0;
}

void srv_reply_pop_item(struct srv_reply *r, struct srv_item *it_r)
{
	OB_ASSERT(r->n_items > 0);
	struct srv_item *it = &r->items[--r->n_items];
	for (int i = r->n_sections - 1; i >= 0; i--) {
		if (r->sections[i].n_items > 0) {
			r->sections[i].n_items--;
			break;
		}
	}
	r->items_bytes -= it->len;
	free(it->xml);
	it->xml = NULL;
	*it_r = *it;
	/* CmdIDs of the items taken back are not reused: gaps are allowed,
	 * duplicates are not. */
}

int srv_reply_assemble(const struct srv_reply *r, struct ob_buf *out)
{
	size_t len;
	const char *d;
	int ret;

	d = sml_writer_data(&r->hdr, &len);
	ret = ob_buf_add(out, d, len);
	d = sml_writer_data(&r->statuses, &len);
	if (ret == 0)
		ret = ob_buf_add(out, d, len);
	d = sml_writer_data(&r->cmds, &len);
	if (ret == 0)
		ret = ob_buf_add(out, d, len);
	for (int i = 0; ret == 0 && i < r->n_sections; i++) {
		const struct srv_sync_section *s = &r->sections[i];
		ret = ob_buf_add(out, s->prefix, s->prefix_len);
		for (size_t k = 0; ret == 0 && k < s->n_items; k++) {
			const struct srv_item *it =
				&r->items[s->first_item + k];
			ret = ob_buf_add(out, it->xml, it->len);
		}
		if (ret == 0)
			ret = ob_buf_add_str(out, "</Sync>");
	}
	if (ret == 0 && r->final)
		ret = ob_buf_add_str(out, "<Final/>");
	if (ret == 0)
		ret = ob_buf_add_str(out, "</SyncBody></SyncML>");
	return ret;
}
