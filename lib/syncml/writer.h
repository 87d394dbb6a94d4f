/* Writing SyncML XML: a small element writer into a capped buffer.
 *
 * The writer produces compact XML (no indentation) with text escaped and
 * vCard payloads in CDATA sections (split where the data contains "]]>").
 * It knows nothing of SyncML semantics: msg-build code decides what to
 * write. Errors are sticky: after the first failure (OB_E_LIMIT at the
 * buffer cap, OB_E_NOMEM) every call does nothing and sml_writer_error()
 * returns the code. */
#ifndef SML_WRITER_H
#define SML_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define SML_WRITER_DEPTH 32

struct sml_writer {
	struct ob_buf buf;
	const char *stack[SML_WRITER_DEPTH];
	unsigned depth;
	int error;
};

/* Start an empty document with a byte cap. */
void sml_writer_init(struct sml_writer *w, size_t cap);
void sml_writer_deinit(struct sml_writer *w);
/* Start over with an empty document, keeping the buffer's memory (for a
 * writer that makes many small fragments). */
void sml_writer_reset(struct sml_writer *w);
/* Open <name> (with xmlns="ns" when ns is not NULL). name must be a
 * string that outlives the element (a literal). */
void sml_writer_open(struct sml_writer *w, const char *name, const char *ns);
void sml_writer_close(struct sml_writer *w);
/* <name>escaped text</name>; nothing when text is NULL. */
void sml_writer_text(struct sml_writer *w, const char *name, const char *text);
void sml_writer_textn(struct sml_writer *w, const char *name, const char *text,
		      size_t len);
/* <name xmlns="ns">escaped text</name> (Meta children in syncml:metinf). */
void sml_writer_text_ns(struct sml_writer *w, const char *name, const char *ns,
			const char *text);
void sml_writer_uint(struct sml_writer *w, const char *name, uint64_t v);
/* <name/> */
void sml_writer_empty(struct sml_writer *w, const char *name);
/* <name><![CDATA[data]]></name> */
void sml_writer_cdata(struct sml_writer *w, const char *name, const char *data,
		      size_t len);
/* Raw bytes already in XML form (a fragment made by another writer). */
void sml_writer_raw(struct sml_writer *w, const char *xml, size_t len);
int sml_writer_error(const struct sml_writer *w);
/* Borrowed view of the document so far. */
const char *sml_writer_data(const struct sml_writer *w, size_t *len_r);

/* The first "]]>" in p[0..len), NULL when none. */
const char *sml_cdata_end(const char *p, size_t len);

/* Escape text for XML character data into buf (&, <, >). */
int sml_xml_escape(struct ob_buf *buf, const char *text, size_t len);

#endif
