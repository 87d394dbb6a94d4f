/* XML → element tree with libxml2's SAX2 parser (see xml.h). */
#include "syncml/xml.h"

#include <libxml/parser.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
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

/* The SAX handlers' state: the node being filled and its text so far
 * (gathered here, since libxml2 hands text over in pieces). */
struct sax {
	xmlParserCtxtPtr ctxt;
	struct sml_tree *tree;
	struct sml_node *cur;
	struct ob_buf text;
	bool text_blank;         /* text holds only whitespace */
	const xmlChar *last_uri; /* the parser's dictionary string */
	enum sml_ns last_ns;     /* what last_uri names */
	const char *last_ns_uri; /* its interned copy (SML_XML_NS_URI) */
	unsigned flags;
	int ret;
	struct ob_err *err;
	struct reader_err re;
};

static void stop(struct sax *x, int ret)
{
	if (x->ret == 0)
		x->ret = ret;
	xmlStopParser(x->ctxt);
}

/* The gathered text into the current node. Whitespace between elements
 * is not data (as libxml2's NOBLANKS): a blank run is dropped when the
 * node has element children. */
static void flush(struct sax *x, bool child_follows)
{
	/* attribute nodes come first: the node has an element child when
	 * its last child is not an attribute */
	if (x->text.len > 0 && x->cur != NULL &&
	    !(x->text_blank && (child_follows || (x->cur->last != NULL &&
						  !x->cur->last->attr)))) {
		int ret = sml_tree_append(x->tree, x->cur, x->text.data,
					  x->text.len, false, x->err);
		if (ret != 0)
			stop(x, ret);
	}
	ob_buf_reset(&x->text);
	x->text_blank = true;
}

static const char *intern(struct sax *x, const xmlChar *uri)
{
	const char *u = (const char *)uri;
	const char *r = sml_tree_intern(x->tree, u, strlen(u), x->err);
	if (r == NULL)
		stop(x, x->err != NULL ? x->err->code : OB_E_NOMEM);
	return r;
}

/* Without entity substitution libxml2 hands an attribute's "&amp;" (and
 * "&#38;") over as the five bytes "&#38;", the other predefined entities
 * and character references decoded. A bare '&' cannot reach us
 * otherwise (it is not well-formed), so each "&#38;" is one '&'. */
static int add_attr(struct sax *x, struct sml_node *n, const xmlChar *name,
		    const char *uri, const char *v, size_t len)
{
	static const char amp[] = "&#38;";
	const char *p = len > 0 ? memchr(v, '&', len) : NULL;
	int ret = sml_tree_add_attr(x->tree, n, (const char *)name,
				    strlen((const char *)name), uri, v,
				    p != NULL ? (size_t)(p - v) : len, x->err);
	if (ret != 0 || p == NULL)
		return ret;
	struct sml_node *a = n->last;
	const char *end = v + len;
	while (p != NULL) {
		size_t skip = (size_t)(end - p) >= 5 && memcmp(p, amp, 5) == 0
				      ? 5
				      : 1;
		ret = sml_tree_append(x->tree, a, "&", 1, false, x->err);
		if (ret != 0)
			return ret;
		const char *q = p + skip;
		p = q < end ? memchr(q, '&', (size_t)(end - q)) : NULL;
		ret = sml_tree_append(x->tree, a, q,
				      (size_t)((p != NULL ? p : end) - q),
				      false, x->err);
		if (ret != 0)
			return ret;
	}
	return 0;
}

static void on_start(void *ctx, const xmlChar *name, const xmlChar *prefix,
		     const xmlChar *uri, int n_ns, const xmlChar **nss,
		     int n_attrs, int n_defaulted, const xmlChar **attrs)
{
	struct sax *x = ctx;
	struct sml_node *n;

	(void)prefix, (void)n_ns, (void)nss, (void)n_defaulted;
	if (x->ret != 0)
		return;
	flush(x, true);
	/* a full tree stopped the parser in flush: xmlStopParser has freed
	 * the input, and attrs point into it */
	if (x->ret != 0)
		return;
	if (x->cur == NULL && sml_tree_root(x->tree) == NULL)
		sml_tree_set_version(x->tree, version_of(uri));
	/* libxml2 hands every element of one namespace the same interned
	 * URI string: classify each string once. */
	if (uri != x->last_uri || x->last_uri == NULL) {
		x->last_uri = uri;
		x->last_ns = ns_of(uri);
		x->last_ns_uri = "";
		if ((x->flags & SML_XML_NS_URI) && uri != NULL) {
			x->last_ns_uri = intern(x, uri);
			if (x->last_ns_uri == NULL) {
				x->last_uri = NULL;
				return;
			}
		}
	}
	int ret = sml_tree_add(x->tree, x->cur, (const char *)name,
			       strlen((const char *)name), x->last_ns, &n,
			       x->err);
	if (ret != 0) {
		stop(x, ret);
		return;
	}
	n->ns_uri = x->last_ns_uri;
	x->cur = n;
	if (!(x->flags & SML_XML_ATTRS))
		return;
	/* SAX2 hands each attribute as five pointers: local name, prefix,
	 * URI, value start and value end (entities already decoded) */
	for (int i = 0; i < n_attrs; i++) {
		const xmlChar **a = attrs + 5 * i;
		const char *auri = "";
		if ((x->flags & SML_XML_NS_URI) && a[2] != NULL) {
			auri = intern(x, a[2]);
			if (auri == NULL)
				return;
		}
		ret = add_attr(x, n, a[0], auri, (const char *)a[3],
			       (size_t)(a[4] - a[3]));
		if (ret != 0) {
			stop(x, ret);
			return;
		}
	}
}

static void on_end(void *ctx, const xmlChar *name, const xmlChar *prefix,
		   const xmlChar *uri)
{
	struct sax *x = ctx;

	(void)name, (void)prefix, (void)uri;
	if (x->ret != 0)
		return;
	flush(x, false);
	if (x->cur != NULL)
		x->cur = x->cur->parent;
}

static void on_text(void *ctx, const xmlChar *ch, int len)
{
	struct sax *x = ctx;

	if (x->ret != 0 || x->cur == NULL || len <= 0)
		return;
	for (int i = 0; i < len && x->text_blank; i++)
		x->text_blank = ch[i] == ' ' || ch[i] == '\t' ||
				ch[i] == '\n' || ch[i] == '\r';
	int ret = ob_buf_add(&x->text, ch, (size_t)len);
	if (ret != 0)
		stop(x, ob_err_set(x->err,
				   ret == OB_E_LIMIT ? OB_E_LIMIT : OB_E_NOMEM,
				   "text larger than the message tree cap"));
}

static void on_cdata(void *ctx, const xmlChar *ch, int len)
{
	struct sax *x = ctx;

	on_text(ctx, ch, len);
	if (len > 0)
		x->text_blank = false; /* CDATA is data, blank or not */
}

static void on_reference(void *ctx, const xmlChar *name)
{
	struct sax *x = ctx;

	(void)name;
	stop(x, ob_err_set(x->err, OB_E_PARSE,
			   "entity references are not allowed"));
}

static void on_serror(void *ctx, xmlErrorPtr e)
{
	struct sax *x = ctx;

	on_error(&x->re, e);
	if (x->re.set)
		stop(x, OB_E_PARSE);
}

int sml_xml_parse(const char *buf, size_t len, const struct sml_limits *lim,
		  struct sml_tree **tree_r, struct ob_err *err)
{
	return sml_xml_parse_doc(buf, len, lim, 0, tree_r, err);
}

int sml_xml_parse_doc(const char *buf, size_t len, const struct sml_limits *lim,
		      unsigned flags, struct sml_tree **tree_r,
		      struct ob_err *err)
{
	struct sax x = {.err = err,
			.re = {.err = err},
			.text_blank = true,
			.last_ns_uri = "",
			.flags = flags};
	xmlSAXHandler sax;
	int ret;

	*tree_r = NULL;
	if (len > (size_t)INT32_MAX)
		return ob_err_set(err, OB_E_LIMIT, "message too large");
	if (declares_entity(buf, len))
		return ob_err_set(err, OB_E_PARSE,
				  "entity declarations are not allowed");
	ret = sml_tree_new(lim, &x.tree, err);
	if (ret != 0)
		return ret;
	ob_buf_init(&x.text, lim != NULL && lim->tree_bytes > 0
				     ? lim->tree_bytes
				     : (size_t)8 << 20);
	xmlSetGenericErrorFunc(NULL, quiet);
	/* SAX2 callbacks only: no document is built, nothing is loaded. */
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_text;
	sax.ignorableWhitespace = on_text;
	sax.cdataBlock = on_cdata;
	sax.reference = on_reference;
	sax.serror = on_serror;
	x.ctxt = xmlCreatePushParserCtxt(&sax, &x, NULL, 0, NULL);
	if (x.ctxt == NULL) {
		ret = ob_err_set(err, OB_E_NOMEM, "cannot create XML parser");
		goto out;
	}
	xmlCtxtUseOptions(x.ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR |
					  XML_PARSE_NOWARNING);
	if (xmlParseChunk(x.ctxt, buf, (int)len, 1) != 0 && x.ret == 0 &&
	    !x.re.set)
		ob_err_set(err, OB_E_PARSE, "malformed XML");
	if (x.ret == 0 && (!x.ctxt->wellFormed || x.re.set))
		x.ret = OB_E_PARSE;
	if (x.ret == 0 && x.ctxt->errNo != 0)
		x.ret = ob_err_set(err, OB_E_PARSE, "malformed XML");
	ret = x.ret;
	if (ret == 0 && sml_tree_root(x.tree) == NULL)
		ret = ob_err_set(err, OB_E_PARSE, "no root element");
	if (ret == 0) {
		*tree_r = x.tree;
		x.tree = NULL;
	}
out:
	if (x.ctxt != NULL) {
		if (x.ctxt->myDoc != NULL)
			xmlFreeDoc(x.ctxt->myDoc);
		xmlFreeParserCtxt(x.ctxt);
	}
	ob_buf_deinit(&x.text);
	sml_tree_free(&x.tree);
	return ret;
}
