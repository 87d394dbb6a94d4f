/* admin/export.c: export --tenant T: the visible people as vCards 2.1,
 * 3.0 or 4.0, or everyone as CSV or JSON in the import's columns, to
 * standard output or --output FILE (mode 0600 whatever the umask).
 *
 * Never: writes FILE readable by group or others, changes the store. */
#include "config.h"
#include "admin/admin.h"
#include "util/textout.h"
#include "dircard/export.h"
#include "util/file.h"
#include "webadmin/export.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum format { VCF, CSV, JSON };

/* the output and, on a terminal, the bar (a call of write_out is one
 * person, and a header) */
struct out {
	FILE *f;
	struct ob_progress pr;
	long n, total;
};

static int write_out(const char *data, size_t len, void *ctx)
{
	struct out *o = ctx;

	ob_progress_update(&o->pr, ++o->n, o->total);
	return fwrite(data, 1, len, o->f) == len ? 0 : OB_E_IO;
}

/* the people of the view, for the bar's time left: those in its units
 * (the top level's own people are not counted, so an estimate) */
static int count_unit(const struct dstore_unit *u, void *ctx)
{
	long *n = ctx;

	*n += (long)u->people;
	return 0;
}

/* --format into *f and o->version; 0 or usage */
static int parse_format(const char *fmt, enum format *f,
			struct dcard_export_opts *o)
{
	*f = VCF;
	if (fmt == NULL || strcmp(fmt, "vcf30") == 0)
		o->version = VCARD_V30;
	else if (strcmp(fmt, "vcf21") == 0)
		o->version = VCARD_V21;
	else if (strcmp(fmt, "vcf40") == 0)
		o->version = VCARD_V40;
	else if (strcmp(fmt, "csv") == 0)
		*f = CSV;
	else if (strcmp(fmt, "json") == 0)
		*f = JSON;
	else
		return adm_usage("--format takes vcf21, vcf30, vcf40, csv or "
				 "json",
				 NULL);
	return 0;
}

/* the directory is for signed-in people only: 0600 */
static int open_output(const char *path, FILE **f_r, struct ob_err *err)
{
	int fd = ob_file_open_private(path, err);

	if (fd < 0)
		return fd;
	*f_r = fdopen(fd, "wb");
	if (*f_r == NULL) {
		close(fd);
		return ob_err_set(err, OB_E_IO, "%s: %s", path,
				  strerror(errno));
	}
	return 0;
}

static int run_export(struct dstore *s, const struct adm_args *a)
{
	struct dcard_export_opts o = {0};
	const char *u = adm_arg(a, "unit"), *path = adm_arg(a, "output");
	enum format fmt;
	struct ob_err err;
	size_t count = 0;
	FILE *f = stdout;
	int64_t t;
	int ret = adm_tenant_need(s, a, &t);

	if (ret == 0)
		ret = parse_format(adm_arg(a, "format"), &fmt, &o);
	if (ret != 0)
		return ret;
	if (u != NULL &&
	    dstore_unit_ensure_path(s, t, u, false, &o.unit_id, &err) < 0)
		return adm_fail(&err);
	o.photos = !adm_flag(a, "no-photos");
	if (path != NULL && open_output(path, &f, &err) < 0)
		return adm_fail(&err);
	struct out x = {.f = f};

	/* no bar over the export itself on the same terminal */
	ob_progress_start(&x.pr, 2, "exporting", 0,
			  adm_flag(a, "quiet") || (path == NULL && isatty(1)));
	if (x.pr.on && o.unit_id == 0)
		(void)dstore_unit_list(s, t, count_unit, &x.total, &err);
	if (fmt == CSV)
		ret = wa_export_csv(s, t, o.unit_id, write_out, &x, &count,
				    &err);
	else if (fmt == JSON)
		ret = wa_export_json(s, t, o.unit_id, write_out, &x, &count,
				     &err);
	else
		ret = dcard_export_vcf(s, t, &o, write_out, &x, &count, &err);
	ob_progress_end(&x.pr);
	if (ret == OB_E_IO)
		ob_err_set(&err, OB_E_IO, "write failed: %s", strerror(errno));
	if (path != NULL && fclose(f) != 0 && ret == 0)
		ret = ob_err_set(&err, OB_E_IO, "%s: %s", path,
				 strerror(errno));
	if (ret < 0)
		return adm_fail(&err);
	if (path != NULL)
		printf("%zu people written to %s\n", count, path);
	return 0;
}

static const struct option export_options[] = {
	{"tenant", required_argument, NULL, 0},
	{"format", required_argument, NULL, 0},
	{"unit", required_argument, NULL, 0},
	{"no-photos", no_argument, NULL, 0},
	{"output", required_argument, NULL, 0},
	{NULL, 0, NULL, 0},
};

const struct adm_command adm_cmd_export = {
	"export", export_options,
	"  export --tenant T [--format vcf21|vcf30|vcf40|csv|json]\n"
	"         [--unit PATH] [--no-photos] [--output FILE]\n",
	run_export};
