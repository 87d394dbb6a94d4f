/* Server DevInf and reading client DevInf (see devinf.h). Layouts follow
 * OMA DS DevInf 1.2 §5 (CTCap inside DataStore, Property/PropParam) and
 * SyncML DevInf 1.1 §5 (CTCap after the datastores, flat PropName list). */
#include "config.h"
#include "syncml-server/devinf.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

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
	/* The Synthesis engine (SyncEvolution) keeps a peer's X- properties
	 * only when the peer's CTCap lists this wildcard: without it the
	 * pinyin above was dropped ("No value stored for field index 84
	 * because remote indicates not supported in devInf", its XPROPS
	 * field). We send no other X- property. */
	"X-*",
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

/* The optional properties a CTCap lists (1.1 flat PropName, 1.2 inside
 * Property). */
static uint32_t ctcap_props(const struct sml_node *ctcap)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} known[] = {
		{"TITLE", SRV_PROP_TITLE},
		{"ORG", SRV_PROP_ORG},
		{"ADR", SRV_PROP_ADR},
		{"NOTE", SRV_PROP_NOTE},
		{"CATEGORIES", SRV_PROP_CATEGORIES},
		{"X-PHONETIC-FIRST-NAME", SRV_PROP_PHONETIC},
		{"X-PHONETIC-LAST-NAME", SRV_PROP_PHONETIC},
		{"X-*", SRV_PROP_PHONETIC},
		{"TEL", SRV_PROP_TEL},
		{"EMAIL", SRV_PROP_EMAIL},
	};
	uint32_t listed = 0;

	for (const struct sml_node *n = ctcap->first; n != NULL; n = n->next) {
		const char *name = NULL;
		if (strcmp(n->name, "PropName") == 0)
			name = (const char *)n->data;
		else if (strcmp(n->name, "Property") == 0)
			name = sml_node_text(n, "PropName");
		if (name == NULL)
			continue;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (ob_str_ieq(name, known[i].name))
				listed |= known[i].bit;
	}
	return listed;
}

/* ---- quirks ------------------------------------------------------------ */

/* Phone families that read less than the standard (the evidence of each is
 * in the README of its recording under testdata/syncml/ and in the
 * README's interop table), matched by a case-insensitive substring of
 * DevInf's Man. */
static const struct {
	const char *man;
	bool latin1, no_fold;
} quirks[] = {
	/* K750i, W810i, C510 ...: 8-bit text as ISO-8859-1 */
	{"sony ericsson", true, false},
	{"sonyericsson", true, false},
	/* RAZR V3 and the V-series: no folded lines, no QP soft breaks */
	{"motorola", false, true},
};

/* Clients whose WBXML reader is known to join an element's string tokens
 * and to read a string table (the original SyncML reference toolkit,
 * under many phones, crashed joining strings: a phone is given no table
 * unless it is listed here), by a case-insensitive substring of DevInf's
 * Man or Mod. */
static const char *const strtbl_readers[] = {
	"Orgbook",       /* orgbook-agent (lib/syncml/wbxml.c) */
	"SyncEvolution", /* the Synthesis engine, its WBXML reader tested */
	"Synthesis",     /* the Synthesis engine's other clients */
};

/* Clients whose vCard 2.1 reader loses the line after a quoted-printable
 * soft break (seen: TITLE empty after a folded ORG, SyncEvolution 2.0 on
 * the Synthesis engine): they get QP values in one line. By a
 * case-insensitive substring of DevInf's Man or Mod. */
static const char *const qp_unfolded_readers[] = {
	"SyncEvolution", /* Man "Patrick Ohly", Mod "SyncEvolution" */
	"Synthesis",     /* the Synthesis engine's other clients */
};

/* Clients that keep only four ORG components: the Synthesis engine's
 * vCard profile (SyncEvolution's 01vcard-profile.xml: <property
 * name="ORG" values="4">, ORG_NAME ORG_DIVISION ORG_OFFICE ORG_TEAM)
 * dropped the fourth unit level and below. Its CTCap says only "ORG
 * MaxOccur 1", so they are known by DevInf's Man or Mod; deeper units are
 * joined into the fourth component (vcard_dialect.org_max). */
static const char *const org4_readers[] = {
	"SyncEvolution",
	"Synthesis",
};

/* Text properties whose CTCap size limit we honour (photo limits are
 * handled as MaxObjSize; Nokia reports bogus ones). */
static bool limited_prop(const char *name)
{
	static const char *const names[] = {
		"N",   "FN",    "TITLE", "ORG",        "NOTE",
		"TEL", "EMAIL", "ADR",   "CATEGORIES", "NICKNAME"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (ob_str_ieq(name, names[i]))
			return true;
	return false;
}

static void add_limit(struct vcard_dialect *d, const char *prop,
		      const char *size)
{
	uint64_t n;

	if (!limited_prop(prop) || d->n_limits >= VCARD_DIALECT_LIMITS ||
	    ob_parse_u64(size, strlen(size), 65535, &n) != 0 || n == 0)
		return;
	for (size_t i = 0; i < d->n_limits; i++)
		if (ob_str_ieq(d->limits[i].name, prop))
			return;
	ob_strlcpy(d->limits[d->n_limits].name, prop,
		   sizeof(d->limits[0].name));
	d->limits[d->n_limits++].max = (uint32_t)n;
}

/* Size limits of the client's CTCap for the vCard version we send: 1.2
 * nests them (Property/PropName + MaxSize), 1.1 lists PropName then Size
 * in one flat CTCap, CTType by CTType. */
static void read_limits(const struct sml_node *ctcap, int vcard,
			struct vcard_dialect *d)
{
	const char *prop = "";
	bool mine = false;

	for (; ctcap != NULL; ctcap = sml_node_next_same(ctcap)) {
		const char *t = sml_node_text(ctcap, "CTType");
		if (*t != '\0' && sml_node_child(ctcap, "Property") != NULL) {
			if (vcard_of(ctcap) != vcard)
				continue;
			for (const struct sml_node *p =
				     sml_node_child(ctcap, "Property");
			     p != NULL; p = sml_node_next_same(p))
				add_limit(d, sml_node_text(p, "PropName"),
					  sml_node_text(p, "MaxSize"));
			continue;
		}
		for (const struct sml_node *n = ctcap->first; n != NULL;
		     n = n->next) {
			const char *v = (const char *)n->data;
			if (strcmp(n->name, "CTType") == 0)
				mine = (ob_str_ieq(v, "text/x-vcard") &&
					vcard == 21) ||
				       (ob_str_ieq(v, "text/vcard") &&
					vcard == 30);
			else if (strcmp(n->name, "PropName") == 0)
				prop = v;
			else if (mine && strcmp(n->name, "Size") == 0)
				add_limit(d, prop, v);
		}
	}
}

static void read_reader(struct srv_client_info *ci)
{
	for (size_t i = 0; i < sizeof(strtbl_readers) / sizeof(*strtbl_readers);
	     i++)
		if (strcasestr(ci->man, strtbl_readers[i]) != NULL ||
		    strcasestr(ci->mod, strtbl_readers[i]) != NULL)
			ci->strtbl = true;
	for (size_t i = 0;
	     i < sizeof(qp_unfolded_readers) / sizeof(*qp_unfolded_readers);
	     i++)
		if (strcasestr(ci->man, qp_unfolded_readers[i]) != NULL ||
		    strcasestr(ci->mod, qp_unfolded_readers[i]) != NULL)
			ci->dialect.qp_unfolded = true;
	for (size_t i = 0; i < sizeof(org4_readers) / sizeof(*org4_readers);
	     i++)
		if (strcasestr(ci->man, org4_readers[i]) != NULL ||
		    strcasestr(ci->mod, org4_readers[i]) != NULL)
			ci->dialect.org_max = 4;
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
	read_reader(ci);
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
	if (ctcap != NULL) {
		ci->ctcap = true;
		ci->props = ctcap_props(ctcap);
	}
	if (ctcap != NULL && !ctcap_has_photo(ctcap)) {
		/* Nokia reports bogus PHOTO limits but lists the property;
		 * only a CTCap without PHOTO at all means "no photos". */
		ci->no_photo = true;
	}
	for (size_t i = 0; i < sizeof(quirks) / sizeof(quirks[0]); i++)
		if (strcasestr(ci->man, quirks[i].man) != NULL) {
			ci->dialect.latin1 |= quirks[i].latin1;
			ci->dialect.no_fold |= quirks[i].no_fold;
		}
	read_limits(ctcap, ci->vcard != 0 ? ci->vcard : 21, &ci->dialect);
}

void srv_client_quirks(const struct srv_client_info *ci, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s%zu",
		 ci->dialect.latin1 ? "latin1," : "",
		 ci->dialect.no_fold ? "no-fold," : "",
		 ci->dialect.qp_unfolded ? "qp-unfolded," : "",
		 ci->dialect.org_max != 0 ? "org4," : "",
		 ci->strtbl ? "strtbl," : "", ci->dialect.n_limits);
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
