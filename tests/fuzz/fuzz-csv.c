/* Fuzz target: the CSV reader and the whole import of a file into a
 * throwaway store. Oracles beyond "no crash": a refused import leaves the
 * enterprise's revision unchanged (nothing partially written), and a file
 * refused as unreadable lists its bad rows (or is empty). */
#include "config.h"
#include "dirstore/dirstore.h"
#include "util/err.h"
#include "import/csv.h"
#include "import/import.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct dstore *store;
static int64_t tenant;
static char dir[] = "/tmp/fuzz-csv.XXXXXX";

static void cleanup(void)
{
	char path[64];

	dstore_close(&store);
	for (size_t i = 0; i < 4; i++) {
		static const char *const f[] = {"f.db", "f.db-wal", "f.db-shm",
						"f.db.key"};

		snprintf(path, sizeof(path), "%s/%s", dir, f[i]);
		unlink(path);
	}
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct dstore_options o = {0};
	struct ob_err err;
	char path[64];

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/f.db", dir);
	o.path = path;
	o.sync_normal = true;
	if (dstore_open(&o, &store, &err) < 0 ||
	    dstore_tenant_create(store, "fuzz", "Fuzz", &tenant, &err) < 0)
		abort();
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imp_csv_limits lim = {256, 32, 64};
	struct imp_opts o = {0};
	struct imp_report rep;
	struct dstore_tenant before, after;
	struct imp_csv *csv = NULL;
	struct ob_err err, err2;
	char **f;
	size_t n;
	long line;
	int ret;

	if (size > 16384)
		return 0;
	/* the reader alone, with tight limits */
	if (imp_csv_open((const char *)data, size, IMP_ENC_AUTO, &lim, &csv,
			 &err) == 0) {
		while (imp_csv_next(csv, &f, &n, &line, &err) > 0) {
			for (size_t i = 0; i < n; i++)
				if (strlen(f[i]) > lim.max_field)
					abort();
		}
		imp_csv_free(&csv);
	}
	/* a whole import; half of the inputs as a dry run */
	o.dry_run = size > 0 && (data[0] & 1);
	o.replace = size > 1 && (data[1] & 1);
	o.base_dir = "/nonexistent";
	dstore_tenant_get(store, tenant, &before, &err);
	if (before.revision > 50) {
		/* keep the store small: a fresh enterprise now and then */
		char name[32];
		static int gen;

		snprintf(name, sizeof(name), "fuzz%d", ++gen);
		if (dstore_tenant_create(store, name, name, &tenant, &err) < 0)
			abort();
		dstore_tenant_get(store, tenant, &before, &err);
	}
	imp_report_init(&rep);
	ret = imp_csv_import(store, tenant, (const char *)data, size, &o, &rep,
			     &err);
	dstore_tenant_get(store, tenant, &after, &err2);
	if ((ret < 0 || o.dry_run) && after.revision != before.revision)
		abort();
	/* a refused file always says why, with the row: bad rows listed
	 * (what the web admin shows), or the file is empty */
	if (ret == OB_E_PARSE && rep.bad_rows == 0 &&
	    strcmp(err.msg, "the file is empty (no header line)") != 0)
		abort();
	imp_report_deinit(&rep);
	return 0;
}
