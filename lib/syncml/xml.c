/* XML → element tree with libxml2's xmlTextReader (see xml.h). */
#include "syncml/xml.h"

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <string.h>
#include <strings.h>

#include "util/str.h"

void sml_xml_init(void)
{
	xmlInitParser();
}

struct reader_err {
	struct ob_err *err;
	bool set;
};

static void on_error(void *arg, xmlErrorPtr e)
{
	struct reader_err *re = arg;
	if (re->set || e == NULL)
		return;
	re->set = true;
	char msg[200];
	ob_strlcpy(msg, e->message != NULL ? e->message : "malformed XML",
		   sizeof(msg));
	size_t n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	ob_err_set_at(re->err, OB_E_PARSE, e->line, e->int2, "",
		      "malformed XML: %s", msg);
}

/* libxml2 reports some errors (encoding ones) through the thread's
 * generic handler instead of the reader's: keep them off stderr. */
static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static enum sml_ns ns_of(const xmlChar *uri)
{
	if (uri == NULL)
		return SML_NS_SYNCML;
	const char *u = (const char *)uri;
	if (ob_str_ieq(u, "syncml:metinf"))
		return SML_NS_METINF;
	if (ob_str_ieq(u, "syncml:devinf"))
		return SML_NS_DEVINF;
	if (strncasecmp(u, "SYNCML:SYNCML", 13) == 0)
		return SML_NS_SYNCML;
	return SML_NS_OTHER;
}

static enum sml_version version_of(const xmlChar *uri)
{
	if (uri == NULL)
		return SML_VER_UNKNOWN;
	const char *u = (const char *)uri;
	if (ob_str_ieq(u, "SYNCML:SYNCML1.2"))
		return SML_VER_12;
	if (ob_str_ieq(u, "SYNCML:SYNCML1.1"))
		return SML_VER_11;
	if (ob_str_ieq(u, "SYNCML:SYNCML1.0"))
		return SML_VER_10;
	return SML_VER_UNKNOWN;
}

/* Entities are never needed in SyncML (the five predefined ones need no
 * declaration), so any declaration is refused outright. */
static bool declares_entity(const char *buf, size_t len)
{
	static const char needle[] = "<!ENTITY";
	const size_t n = sizeof(needle) - 1;
	for (size_t i = 0; i + n <= len; i++)
		if (buf[i] == '<' && strncasecmp(buf + i, needle, n) == 0)
			return true;
	return false;
}

int sml_xml_parse(const char *buf, size_t len, const struct sml_limits *lim,
		  struct sml_tree **tree_r, struct ob_err *err)
{
	struct sml_tree *tree = NULL;
	xmlTextReaderPtr rd = NULL;
	struct reader_err re = {.err = err};
	struct sml_node *cur = NULL;
	int ret;

	*tree_r = NULL;
	if (len > (size_t)INT32_MAX)
		return ob_err_set(err, OB_E_LIMIT, "message too large");
	if (declares_entity(buf, len))
		return ob_err_set(err, OB_E_PARSE,
				  "entity declarations are not allowed");
	ret = sml_tree_new(lim, &tree, err);
	if (ret != 0)
		return ret;
	xmlSetGenericErrorFunc(NULL, quiet);
	rd = xmlReaderForMemory(buf, (int)len, NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR |
					XML_PARSE_NOWARNING |
					XML_PARSE_NOBLANKS);
	if (rd == NULL) {
		ret = ob_err_set(err, OB_E_NOMEM, "cannot create XML reader");
		goto out;
	}
	xmlTextReaderSetStructuredErrorHandler(rd, on_error, &re);
	for (;;) {
		int r = xmlTextReaderRead(rd);
		if (r == 0)
			break;
		if (r < 0 || re.set) {
			if (!re.set)
				ob_err_set(err, OB_E_PARSE, "malformed XML");
			ret = OB_E_PARSE;
			goto out;
		}
		int type = xmlTextReaderNodeType(rd);
		switch (type) {
		case XML_READER_TYPE_ELEMENT: {
			const xmlChar *name = xmlTextReaderConstLocalName(rd);
			const xmlChar *uri = xmlTextReaderConstNamespaceUri(rd);
			struct sml_node *n;
			if (name == NULL) {
				ret = ob_err_set(err, OB_E_NOMEM,
						 "out of memory");
				goto out;
			}
			if (cur == NULL && sml_tree_root(tree) == NULL)
				sml_tree_set_version(tree, version_of(uri));
			ret = sml_tree_add(tree, cur, (const char *)name,
					   strlen((const char *)name),
					   ns_of(uri), &n, err);
			if (ret != 0)
				goto out;
			if (!xmlTextReaderIsEmptyElement(rd))
				cur = n;
			break;
		}
		case XML_READER_TYPE_END_ELEMENT:
			if (cur != NULL)
				cur = cur->parent;
			break;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_CDATA:
		case XML_READER_TYPE_SIGNIFICANT_WHITESPACE: {
			const xmlChar *v = xmlTextReaderConstValue(rd);
			if (cur == NULL || v == NULL)
				break;
			ret = sml_tree_append(tree, cur, v,
					      strlen((const char *)v), false,
					      err);
			if (ret != 0)
				goto out;
			break;
		}
		case XML_READER_TYPE_ENTITY_REFERENCE:
		case XML_READER_TYPE_ENTITY:
			ret = ob_err_set(err, OB_E_PARSE,
					 "entity references are not allowed");
			goto out;
		default:
			break;
		}
	}
	if (sml_tree_root(tree) == NULL) {
		ret = ob_err_set(err, OB_E_PARSE, "no root element");
		goto out;
	}
	*tree_r = tree;
	tree = NULL;
	ret = 0;
out:
	if (rd != NULL)
		xmlFreeTextReader(rd);
	sml_tree_free(&tree);
	return ret;
}
