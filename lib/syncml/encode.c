/* XML → WBXML through libwbxml2's converter (see encode.h). */
#include "syncml/encode.h"

#include <stdlib.h>
#include <wbxml/wbxml.h>

int sml_wbxml_encode(const char *xml, size_t len, struct ob_buf *out,
		     struct ob_err *err)
{
	WBXMLConvXML2WBXML *conv = NULL;
	WB_UTINY *wb = NULL;
	WB_ULONG wlen = 0;
	int ret;

	if (wbxml_conv_xml2wbxml_create(&conv) != WBXML_OK)
		return ob_err_set(err, OB_E_NOMEM, "cannot create encoder");
	wbxml_conv_xml2wbxml_set_version(conv, WBXML_VERSION_12);
	wbxml_conv_xml2wbxml_enable_preserve_whitespaces(conv);
	/* Some phones mishandle string tables; the bytes saved are few. */
	wbxml_conv_xml2wbxml_disable_string_table(conv);
	WBXMLError e = wbxml_conv_xml2wbxml_run(conv, (WB_UTINY *)xml,
						(WB_ULONG)len, &wb, &wlen);
	if (e != WBXML_OK) {
		ret = ob_err_set(err, OB_E_FAIL, "WBXML encoding failed: %s",
				 (const char *)wbxml_errors_string(e));
		goto out;
	}
	ret = ob_buf_add(out, wb, wlen);
	if (ret != 0)
		ob_err_set(err, ret, "WBXML message over %zu bytes", out->cap);
out:
	free(wb);
	wbxml_conv_xml2wbxml_destroy(conv);
	return ret;
}
