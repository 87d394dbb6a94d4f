/* Server DevInf and reading client DevInf (see devinf.h). Layouts follow
 * OMA DS DevInf 1.2 §5 (CTCap inside DataStore, Property/PropParam) and
 * SyncML DevInf 1.1 §5 (CTCap after the datastores, flat PropName list). */
#include "config.h"
#include "syncml-server/devinf.h"

#include <string.h>

#include "syncml/msg.h"
#include "syncml/xml.h"
#include "util/str.h"

static const char *const props[] = {
	"BEGIN",
	"END",
	"VERSION",
	"N",
	"FN",
	"ORG",
	"TITLE",
	"TEL",
	"EMAIL",
	"ADR",
	"NOTE",
	"PHOTO",
	"UID",
	"REV",
	"CATEGORIES",
	"X-PHONETIC-FIRST-NAME",
	"X-PHONETIC-LAST-NAME",
};

static void ctcap12(struct sml_writer *w, const char *type, const char *ver)
{
	sml_writer_open(w, "CTCap", NULL);
	sml_writer_text(w, "CTType", type);
	sml_writer_text(w, "VerCT", ver);
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		sml_writer_open(w, "Property", NULL);
		sml_writer_text(w, "PropName", props[i]);
		if (strcmp(props[i], "BEGIN") == 0 ||
		    strcmp(props[i], "END") == 0)
			sml_writer_text(w, "ValEnum", "VCARD");
		else if (strcmp(props[i], "VERSION") == 0)
			sml_writer_text(w, "ValEnum", ver);
		sml_writer_close(w);
	}
	sml_writer_close(w);
}

static void ctcap11(struct sml_writer *w, const char *type, const char *ver)
{
	sml_writer_text(w, "CTType", type);
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		sml_writer_text(w, "PropName", props[i]);
		if (strcmp(props[i], "BEGIN") == 0 ||
		    strcmp(props[i], "END") == 0)
			sml_writer_text(w, "ValEnum", "VCARD");
		else if (strcmp(props[i], "VERSION") == 0)
			sml_writer_text(w, "ValEnum", ver);
	}
}

static void content_type(struct sml_writer *w, const char *el, const char *type,
			 const char *ver)
{
	sml_writer_open(w, el, NULL);
	sml_writer_text(w, "CTType", type);
	sml_writer_text(w, "VerCT", ver);
	sml_writer_close(w);
}

void srv_devinf_write(struct sml_writer *w, enum sml_version v,
		      const char *const *stores, int n_stores, bool ctcap)
{
	bool v12 = v == SML_VER_12;

	sml_writer_open(w, "DevInf", "syncml:devinf");
	sml_writer_text(w, "VerDTD", v12 ? "1.2" : "1.1");
	sml_writer_text(w, "Man", "Orgbook");
	sml_writer_text(w, "Mod", "orgbook-server");
	sml_writer_text(w, "OEM", "Orgbook");
	sml_writer_text(w, "FwV", PACKAGE_VERSION);
	sml_writer_text(w, "SwV", PACKAGE_VERSION);
	sml_writer_text(w, "HwV", PACKAGE_VERSION);
	sml_writer_text(w, "DevID", "orgbook-server");
	sml_writer_text(w, "DevTyp", "server");
	sml_writer_empty(w, "UTC");
	sml_writer_empty(w, "SupportLargeObjs");
	sml_writer_empty(w, "SupportNumberOfChanges");
	for (int i = 0; i < n_stores; i++) {
		sml_writer_open(w, "DataStore", NULL);
		sml_writer_text(w, "SourceRef", stores[i]);
		sml_writer_text(w, "DisplayName", "Company directory");
		sml_writer_uint(w, "MaxGUIDSize", 64);
		content_type(w, "Rx-Pref", "text/x-vcard", "2.1");
		content_type(w, "Rx", "text/vcard", "3.0");
		content_type(w, "Tx-Pref", "text/x-vcard", "2.1");
		content_type(w, "Tx", "text/vcard", "3.0");
		if (v12 && ctcap) {
			ctcap12(w, "text/x-vcard", "2.1");
			ctcap12(w, "text/vcard", "3.0");
		}
		/* Two-way, slow, one-way and refresh from server: what a
		 * read-only directory can honour. */
		sml_writer_open(w, "SyncCap", NULL);
		sml_writer_text(w, "SyncType", "1");
		sml_writer_text(w, "SyncType", "2");
		sml_writer_text(w, "SyncType", "5");
		sml_writer_text(w, "SyncType", "6");
		sml_writer_close(w);
		sml_writer_close(w);
	}
	if (!v12 && ctcap) {
		sml_writer_open(w, "CTCap", NULL);
		ctcap11(w, "text/x-vcard", "2.1");
		ctcap11(w, "text/vcard", "3.0");
		sml_writer_close(w);
	}
	sml_writer_close(w);
}

static int vcard_of(const struct sml_node *ct)
{
	const char *type = sml_node_text(ct, "CTType");
	const char *ver = sml_node_text(ct, "VerCT");

	if (ob_str_ieq(type, "text/x-vcard"))
		return 21;
	if (ob_str_ieq(type, "text/vcard"))
		return strcmp(ver, "2.1") == 0 ? 21 : 30;
	return 0;
}

static bool ctcap_has_photo(const struct sml_node *ctcap)
{
	for (const struct sml_node *n = ctcap->first; n != NULL; n = n->next) {
		if (strcmp(n->name, "PropName") == 0 &&
		    ob_str_ieq((const char *)n->data, "PHOTO"))
			return true;
		if (strcmp(n->name, "Property") == 0 &&
		    ob_str_ieq(sml_node_text(n, "PropName"), "PHOTO"))
			return true;
	}
	return false;
}

static void read_devinf(const struct sml_node *di, const char *client_store,
			struct srv_client_info *ci)
{
	const struct sml_node *chosen = NULL;
	uint64_t v;

	ci->present = true;
	ob_strlcpy(ci->man, sml_node_text(di, "Man"), sizeof(ci->man));
	ob_strlcpy(ci->mod, sml_node_text(di, "Mod"), sizeof(ci->mod));
	ob_strlcpy(ci->swv, sml_node_text(di, "SwV"), sizeof(ci->swv));
	ci->large_objs = sml_node_child(di, "SupportLargeObjs") != NULL;
	for (const struct sml_node *ds = sml_node_child(di, "DataStore");
	     ds != NULL; ds = sml_node_next_same(ds)) {
		char a[256], b[256];
		if (chosen == NULL)
			chosen = ds;
		if (client_store != NULL &&
		    strcmp(sml_uri_normalize(sml_node_text(ds, "SourceRef"), a,
					     sizeof(a)),
			   sml_uri_normalize(client_store, b, sizeof(b))) ==
			    0) {
			chosen = ds;
			break;
		}
	}
	if (chosen == NULL)
		return;
	ci->vcard = vcard_of(sml_node_child(chosen, "Rx-Pref"));
	for (const struct sml_node *rx = sml_node_child(chosen, "Rx");
	     ci->vcard == 0 && rx != NULL; rx = sml_node_next_same(rx))
		ci->vcard = vcard_of(rx);
	if (sml_node_uint(chosen, "MaxGUIDSize", 1u << 20, &v))
		ci->max_guid = v;
	/* CTCap: inside the DataStore (1.2) or after them (1.1). */
	const struct sml_node *ctcap = sml_node_child(chosen, "CTCap");
	if (ctcap == NULL)
		ctcap = sml_node_child(di, "CTCap");
	if (ctcap != NULL && !ctcap_has_photo(ctcap)) {
		/* Nokia reports bogus PHOTO limits but lists the property;
		 * only a CTCap without PHOTO at all means "no photos". */
		ci->no_photo = true;
	}
}

void srv_devinf_read(const struct sml_node *node, const char *client_store,
		     struct srv_client_info *ci)
{
	if (node == NULL)
		return;
	if (strcmp(node->name, "DevInf") == 0) {
		read_devinf(node, client_store, ci);
		return;
	}
	const struct sml_node *di = sml_node_child(node, "DevInf");
	if (di != NULL) {
		read_devinf(di, client_store, ci);
		return;
	}
	/* Some clients escape the DevInf document as text inside Data. */
	if (node->len > 0 && !node->opaque) {
		struct sml_tree *t = NULL;
		struct sml_limits lim = {.tree_bytes = 1u << 20};
		if (sml_xml_parse((const char *)node->data, node->len, &lim, &t,
				  NULL) == 0) {
			const struct sml_node *r = sml_tree_root(t);
			if (r != NULL && strcmp(r->name, "DevInf") == 0)
				read_devinf(r, client_store, ci);
		}
		sml_tree_free(&t);
	}
}
