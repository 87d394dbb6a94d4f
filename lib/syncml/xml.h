/* Reading a SyncML message (or a DevInf document) written in XML into the
 * element tree of tree.h.
 *
 * libxml2's SAX2 parser reads the bytes straight into the tree (no document
 * is built) with network access off, no DTD loading and no entity
 * substitution; whitespace between elements is not data. Documents
 * declaring entities (`<!ENTITY`, the billion-laughs and XXE shapes) are
 * refused before libxml2 sees them. The whole input is bounded by the caller's cap before
 * this is called; the tree by sml_limits. libxml2 prints nothing: its
 * message goes into err.
 *
 * The version comes from the root namespace (SYNCML:SYNCML1.1, 1.2, 1.0);
 * the message layer falls back on VerDTD. CR LF inside text is seen as LF
 * (XML end-of-line rules). */
#ifndef SML_XML_H
#define SML_XML_H

#include "syncml/tree.h"

/* Parse buf[0..len). On success *tree_r is the caller's (sml_tree_free).
 * OB_E_PARSE (err names line and column) for malformed XML, entity
 * declarations or a document that is not one element; OB_E_LIMIT for
 * depth, node or size caps; OB_E_NOMEM. */
int sml_xml_parse(const char *buf, size_t len, const struct sml_limits *lim,
		  struct sml_tree **tree_r, struct ob_err *err);

/* Flags of sml_xml_parse_doc. */
enum sml_xml_flags {
	SML_XML_NS_URI = 1u << 0, /* node->ns_uri: each element's (and
				     attribute's) namespace URI, interned */
	SML_XML_ATTRS = 1u << 1,  /* attributes kept as attr child nodes
				     (tree.h) */
};

/* Parse any XML document buf[0..len) into a tree, with the same reader,
 * refusals, caps and errors as sml_xml_parse (which is this with flags 0:
 * `ns` still classifies the SyncML namespaces, the version is still read
 * from the root namespace). flags (enum sml_xml_flags) keep what a
 * non-SyncML reader needs: namespace URIs (so names are matched by URI,
 * never by prefix) and attributes. */
int sml_xml_parse_doc(const char *buf, size_t len, const struct sml_limits *lim,
		      unsigned flags, struct sml_tree **tree_r,
		      struct ob_err *err);

/* Call once in the program's main thread before any parse (libxml2's global
 * initialisation); safe to call more than once. */
void sml_xml_init(void);

#endif
