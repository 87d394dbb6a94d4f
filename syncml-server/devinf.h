/* Device information (OMA DS DevInf 1.1 and 1.2): the server's own DevInf
 * for Results of a Get, and what we read from a client's Put/Results.
 *
 * We read only what changes our behaviour: the vCard version the client
 * prefers (Rx-Pref), large object support, whether its CTCap lists PHOTO,
 * MaxGUIDSize, the make/model for logs, and how to write its vCards
 * (the quirks of its phone family, the text size limits of its CTCap). */
#ifndef SRV_DEVINF_H
#define SRV_DEVINF_H

#include <stdbool.h>
#include <stdint.h>

#include "syncml/tree.h"
#include "vcard/vcard.h"
#include "syncml/writer.h"

struct srv_client_info {
	bool present;
	int vcard;         /* 21 or 30; 0 = no preference found */
	bool large_objs;   /* SupportLargeObjs */
	bool no_photo;     /* CTCap given and it lacks PHOTO */
	uint64_t max_guid; /* MaxGUIDSize, 0 = unknown */
	bool strtbl;       /* its WBXML reader is known to take a string
			      table (syncml/strtbl.h) */
	char man[64], mod[64], swv[64];
	/* how its vCards are written: the phone family's quirks (Sony
	 * Ericsson: Latin-1; Motorola: no line breaks) and the text size
	 * limits of its CTCap */
	struct vcard_dialect dialect;
};

/* Write the server DevInf element (1.1 or 1.2 layout) listing the given
 * datastore URIs (at least "contacts"), with CTCap when ctcap is true. */
void srv_devinf_write(struct sml_writer *w, enum sml_version v,
		      const char *const *stores, int n_stores, bool ctcap);
/* "latin1,no-fold,qp-unfolded,org4,strtbl,N" (N = size limits) for the
 * session log. */
void srv_client_quirks(const struct srv_client_info *ci, char *buf,
		       size_t size);
/* Read a client DevInf element (the DevInf node, or a Data node holding
 * it as text). Unknown content is ignored. */
void srv_devinf_read(const struct sml_node *devinf, const char *client_store,
		     struct srv_client_info *ci);

#endif
