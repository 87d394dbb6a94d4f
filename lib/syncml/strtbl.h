/* A WBXML string table for one message (WAP-192 5.7 and 5.8.4.3).
 *
 * Text that recurs across a message's vCards goes once into the table and
 * is referred to (STR_T, two to four bytes) wherever it comes again: the
 * BEGIN, VERSION and END lines, a unit's ORG and CATEGORIES lines, shared
 * titles and addresses, property names with their parameters. The rest
 * stays inline (STR_I). The unit is the line (up to and with its LF): a
 * line that recurs often enough to pay for its table entry is referred to
 * whole; otherwise its name part (up to the first ':') may be.
 *
 * Two passes over the same texts: sml_strtbl_count sees every text the
 * message will carry, then sml_strtbl_put writes each one. The texts
 * given to the first pass must stay in place until the second is done
 * (the table points into them); given the same memory in the same order,
 * the second pass takes the first pass's lookups instead of repeating
 * them. The same texts give the same bytes.
 * A reader that concatenates an element's string tokens (as WBXML 1.2
 * requires) reads back exactly the text given. */
#ifndef SML_STRTBL_H
#define SML_STRTBL_H

#include <stddef.h>

#include "util/buf.h"

struct sml_strtbl;

/* OB_E_NOMEM. */
int sml_strtbl_new(struct sml_strtbl **t_r);
void sml_strtbl_free(struct sml_strtbl **t);
/* Pass 1: text[0..len) will be in the message. OB_E_NOMEM. */
int sml_strtbl_count(struct sml_strtbl *t, const char *text, size_t len);
/* Pass 2: text[0..len) (no NUL byte in it) as STR_I and STR_T tokens
 * appended to out; lines first seen here are inlined. out's cap:
 * OB_E_LIMIT; OB_E_NOMEM. */
int sml_strtbl_put(struct sml_strtbl *t, const char *text, size_t len,
		   struct ob_buf *out);
/* The table the second pass has built, for the document header. */
const char *sml_strtbl_data(const struct sml_strtbl *t, size_t *len_r);

#endif
