/* Which reader a file goes to (import.h): by the name's extension, by the
 * first bytes, or by a format the caller names. */
#include "config.h"
#include "import/import.h"
#include "util/str.h"

#include <string.h>
#include <strings.h>

static bool ends_with(const char *name, const char *ext)
{
	size_t n = name ? strlen(name) : 0, e = strlen(ext);

	return n > e && ob_str_ieq(name + n - e, ext);
}

const char *imp_format_of_name(const char *name)
{
	if (ends_with(name, ".json"))
		return "json";
	if (ends_with(name, ".vcf"))
		return "vcf";
	if (ends_with(name, ".csv"))
		return "csv";
	return NULL;
}

const char *imp_format_of_data(const char *data, size_t len)
{
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		data += 3;
		len -= 3;
	}
	while (len > 0 && (*data == ' ' || *data == '\t' || *data == '\r' ||
			   *data == '\n')) {
		data++;
		len--;
	}
	if (len >= 11 && strncasecmp(data, "BEGIN:VCARD", 11) == 0)
		return "vcf";
	return len > 0 && *data == '{' ? "json" : "csv";
}

int imp_import(struct dstore *store, int64_t tenant_id, const char *format,
	       const char *data, size_t len, const struct imp_opts *opts,
	       struct imp_report *report, struct ob_err *err)
{
	if (strcmp(format, "csv") == 0)
		return imp_csv_import(store, tenant_id, data, len, opts, report,
				      err);
	if (strcmp(format, "json") == 0)
		return imp_json_import(store, tenant_id, data, len, opts,
				       report, err);
	if (strcmp(format, "vcf") == 0)
		return imp_vcf_import(store, tenant_id, data, len, opts, report,
				      err);
	return ob_err_set(err, OB_E_INVAL, "format %s: csv, json or vcf",
			  format);
}
