/* admin/import.c: import --tenant T FILE: people from CSV, JSON or .vcf
 * (by --format or the file name, CSV by default; "-" is standard input)
 * through the import of import/import.h: all or nothing, every bad row
 * listed, --dry-run prints the plan. import --undo is history.c's.
 *
 * Never: writes a row itself (the import does, in one transaction),
 * reads more than 256 MiB, goes past the mass-delete guard without
 * --force. */
#include "config.h"
#include "admin/admin.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/str.h"
#include "import/import.h"
#include "util/textout.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>

#define MAX_INPUT (256u << 20)

/* The input: a mapped file, or standard input read into a buffer. */
struct input {
	struct ob_buf data;
	const char *text;
	size_t len;
	bool mapped;
};

/* --format, --mode, --encoding, --max-delete into o; 0 or usage */
static int parse_options(const struct adm_args *a, struct imp_opts *o)
{
	const char *fmt = adm_arg(a, "format"), *mode = adm_arg(a, "mode");
	const char *enc = adm_arg(a, "encoding");
	const char *maxdel = adm_arg(a, "max-delete");
	uint64_t pct;

	if (fmt != NULL && strcmp(fmt, "csv") != 0 &&
	    strcmp(fmt, "json") != 0 && strcmp(fmt, "vcf") != 0)
		return adm_usage("unsupported --format %s (csv, json, vcf)",
				 fmt);
	if (mode != NULL && strcmp(mode, "merge") != 0 &&
	    strcmp(mode, "replace") != 0)
		return adm_usage("--mode takes merge or replace", NULL);
	if (enc != NULL && imp_encoding_parse(enc, &o->encoding) < 0)
		return adm_usage("--encoding takes auto, utf-8 or gb18030",
				 NULL);
	if (maxdel != NULL) {
		if (ob_parse_u64(maxdel, strlen(maxdel), 100, &pct) < 0)
			return adm_usage("--max-delete takes a percentage "
					 "0-100",
					 NULL);
		o->max_delete = pct == 0 ? 1e-9 : (double)pct / 100.0;
	}
	o->replace = mode != NULL && strcmp(mode, "replace") == 0;
	o->dry_run = adm_flag(a, "dry-run");
	o->force = adm_flag(a, "force");
	o->actor = "cli";
	return 0;
}

static int input_open(const char *path, struct input *in, struct ob_err *err)
{
	int ret;

	memset(in, 0, sizeof(*in));
	ob_buf_init(&in->data, MAX_INPUT);
	in->text = "";
	if (strcmp(path, "-") == 0) {
		ret = ob_file_read("-", &in->data, err);
		in->text = ob_buf_str(&in->data);
		in->len = in->data.len;
	} else {
		ret = ob_file_map(path, MAX_INPUT, &in->text, &in->len, err);
		in->mapped = ret == 0;
	}
	return ret;
}

static void input_close(struct input *in)
{
	if (in->mapped)
		ob_file_unmap(in->text, in->len);
	ob_buf_deinit(&in->data);
}

/* the reader for --format, or by the file's name */
static int import_as(const char *fmt, const char *path, struct dstore *s,
		     int64_t t, const struct input *in,
		     const struct imp_opts *o, struct imp_report *rep,
		     struct ob_err *err)
{
	if (fmt == NULL) /* by file name, CSV by default */
		fmt = imp_format_of_name(path);
	return imp_import(s, t, fmt ? fmt : "csv", in->text, in->len, o, rep,
			  err);
}

static void report(const struct adm_args *a, const struct imp_opts *o,
		   const struct imp_report *rep)
{
	if (o->dry_run)
		fputs(ob_buf_str(&rep->plan), stdout);
	if (rep->unkept.len > 0)
		printf("not kept (no field for it):\n%s",
		       ob_buf_str(&rep->unkept));
	printf("%s%zu rows: %zu added, %zu changed, %zu unchanged, %zu "
	       "deleted, %zu units created; revision %lld\n",
	       o->dry_run ? "dry run, nothing written: " : "", rep->rows,
	       rep->adds, rep->changes, rep->unchanged, rep->deletes,
	       rep->units_created, (long long)rep->revision);
	if (!o->dry_run &&
	    rep->adds + rep->changes + rep->deletes + rep->units_created > 0)
		printf("undo it with: %s import --tenant %s --undo\n", ADM_PROG,
		       adm_arg(a, "tenant"));
}

/* The bar on a terminal: "reading" through pass 1, "importing" through
 * pass 2 (ob_progress: at most 10 redraws a second, none when quiet or
 * standard error is no terminal). */
struct bar {
	struct ob_progress pr;
	int pass;
	bool quiet;
};

static void on_progress(int pass, size_t done, size_t total, void *ctx)
{
	struct bar *b = ctx;

	if (pass != b->pass) {
		ob_progress_end(&b->pr);
		ob_progress_start(&b->pr, 2,
				  pass == 1 ? "reading" : "importing",
				  (long)total, b->quiet);
		b->pass = pass;
	}
	ob_progress_update(&b->pr, (long)done, (long)total);
}

/* import --tenant T FILE, the options checked, the tenant found */
static int import_file(struct dstore *s, int64_t t, const struct adm_args *a,
		       struct imp_opts *o)
{
	const char *path = a->pos[1];
	struct imp_report rep;
	struct input in;
	struct ob_err err;
	char dir[4096];
	int ret;

	ob_strlcpy(dir, path, sizeof(dir));
	o->base_dir = strcmp(path, "-") == 0 ? "." : dirname(dir);
	if (input_open(path, &in, &err) < 0) {
		input_close(&in);
		return adm_fail(&err);
	}
	imp_report_init(&rep);
	struct bar bar = {.quiet = adm_flag(a, "quiet")};

	ob_progress_start(&bar.pr, 2, "", 0, true);
	/* o with the bar, for this import only */
	struct imp_opts with_bar = *o;

	with_bar.progress = on_progress;
	with_bar.progress_ctx = &bar;
	ret = import_as(adm_arg(a, "format"), path, s, t, &in, &with_bar, &rep,
			&err);
	ob_progress_end(&bar.pr);
	input_close(&in);
	if (ret == OB_E_PARSE && rep.bad_rows > 0) {
		fputs(ob_buf_str(&rep.errors), stderr);
		fprintf(stderr, "%s: %s: %s\n", ADM_PROG, path, err.msg);
		ret = ADM_EXIT_INPUT;
	} else if (ret < 0) {
		ob_err_prefix(&err, "%s: ", path);
		ret = adm_fail(&err);
	} else {
		report(a, o, &rep);
	}
	imp_report_deinit(&rep);
	return ret;
}

static int run_import(struct dstore *s, const struct adm_args *a)
{
	struct imp_opts o = {0};
	int64_t t;
	int ret;

	if (adm_flag(a, "undo")) {
		if (a->npos != 1 || adm_arg(a, "format") ||
		    adm_arg(a, "mode") || adm_arg(a, "encoding") ||
		    adm_arg(a, "max-delete") || adm_flag(a, "force"))
			return adm_usage("usage: import --tenant T --undo "
					 "[--dry-run] (no file, no other "
					 "options)",
					 NULL);
		ret = adm_tenant_need(s, a, &t);
		return ret != 0 ? ret : adm_import_undo(s, a, t);
	}
	if (a->npos != 2)
		return adm_usage("usage: import --tenant T FILE", NULL);
	ret = parse_options(a, &o);
	if (ret == 0)
		ret = adm_tenant_need(s, a, &t);
	return ret != 0 ? ret : import_file(s, t, a, &o);
}

static const struct option import_options[] = {
	{"tenant", required_argument, NULL, 0},
	{"format", required_argument, NULL, 0},
	{"mode", required_argument, NULL, 0},
	{"dry-run", no_argument, NULL, 0},
	{"force", no_argument, NULL, 0},
	{"undo", no_argument, NULL, 0},
	{"encoding", required_argument, NULL, 0},
	{"max-delete", required_argument, NULL, 0},
	{NULL, 0, NULL, 0},
};

const struct adm_command adm_cmd_import = {
	"import", import_options,
	"  import --tenant T [--format csv|json|vcf] [--mode merge|replace]\n"
	"         [--dry-run] [--force] [--max-delete PCT]\n"
	"         [--encoding auto|utf-8|gb18030] FILE\n"
	"  import --tenant T --undo [--dry-run]   undo the last import\n"
	"         (a progress bar on a terminal unless --quiet)\n",
	run_import};
