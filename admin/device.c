/* admin/device.c: the device commands: list the devices that sync (one
 * line per device datastore), show one device, forget one (its sync
 * state and id map go, so its next sync is a slow one). Text for people
 * (columns padded by display width) or --json for programs; the JSON
 * shape is in orgbook-admin(1).
 *
 * Never: shows another enterprise's devices, touches a device's SyncML
 * session or its nonces (forget drops the committed state only; a
 * session under way commits a fresh state when it ends). */
#include "config.h"
#include "admin/admin.h"
#include "dirstore/syncml-state.h"
#include "util/textout.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

struct out {
	struct ob_jw *jw; /* NULL: text */
	bool show;        /* key: value blocks rather than a table */
	int n;
};

/* t as RFC 3339 UTC, "" for 0 (never) */
static void rfc3339(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	out[0] = '\0';
	if (t != 0)
		strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
}

/* what the next sync will be and why, for people */
static const char *next_sync(const struct dstore_device_info *d)
{
	if (d->st.force_slow)
		return "slow (requested)";
	if (d->too_old)
		return "slow (past retention)";
	return "normal";
}

static void put_json(struct ob_jw *w, const struct dstore_device_info *d,
		     const char *when)
{
	ob_jw_obj(w);
	ob_jw_kstr(w, "device", d->st.device);
	ob_jw_kstr(w, "account", d->login);
	ob_jw_kstr(w, "datastore", d->st.datastore);
	ob_jw_kstr(w, "last_sync", when[0] ? when : NULL);
	ob_jw_kstr(w, "client_anchor", d->st.client_last);
	ob_jw_kstr(w, "server_anchor", d->st.server_last);
	ob_jw_kint(w, "revision", d->st.rev);
	ob_jw_kint(w, "items", d->items);
	ob_jw_kbool(w, "force_slow", d->st.force_slow);
	ob_jw_kbool(w, "past_retention", d->too_old);
	ob_jw_kbool(w, "live_session", d->live_session);
	ob_jw_kstr(w, "client_info", d->st.client_info);
	ob_jw_end(w);
}

static int print_device(const struct dstore_device_info *d, void *ctx)
{
	struct out *o = ctx;
	char when[32];

	rfc3339(d->st.last_sync, when);
	o->n++;
	if (o->jw != NULL) {
		put_json(o->jw, d, when);
		return 0;
	}
	if (o->show) {
		printf("%sdevice:          %s\n", o->n > 1 ? "\n" : "",
		       d->st.device);
		printf("account:         %s\n", d->login);
		printf("datastore:       %s\n", d->st.datastore);
		printf("last sync:       %s\n", when[0] ? when : "never");
		printf("client anchor:   %s\n", d->st.client_last);
		printf("server anchor:   %s\n", d->st.server_last);
		printf("revision:        %lld\n", (long long)d->st.rev);
		printf("items:           %lld\n", (long long)d->items);
		printf("next sync:       %s\n", next_sync(d));
		printf("live session:    %s\n", d->live_session ? "yes" : "no");
		printf("client:          %s\n", d->st.client_info);
		return 0;
	}
	if (o->n == 1) {
		printf("%-32s %-24s %-16s %-20s %7s %s\n", "DEVICE", "ACCOUNT",
		       "DATASTORE", "LAST SYNC", "ITEMS", "STATE");
	}
	ob_fput_cell(stdout, d->st.device, 32);
	putchar(' ');
	ob_fput_cell(stdout, d->login, 24);
	putchar(' ');
	ob_fput_cell(stdout, d->st.datastore, 16);
	printf(" %-20s %7lld %s%s\n", when[0] ? when : "never",
	       (long long)d->items, next_sync(d),
	       d->live_session ? ", syncing" : "");
	return 0;
}

/* device list --tenant T [--account LOGIN] [--json] and
 * device show --tenant T DEVICE [--json] */
static int list_or_show(struct dstore *s, const struct adm_args *a, bool show)
{
	struct ob_err err;
	struct ob_jw w;
	struct out o = {NULL, show, 0};
	const char *login = adm_arg(a, "account");
	const char *device = NULL;
	int64_t t, account = 0;
	int ret;

	if (show) {
		if (a->npos != 3)
			return adm_usage("usage: device show --tenant T "
					 "DEVICE-ID [--json]",
					 NULL);
		device = a->pos[2];
	} else if (a->npos != 2) {
		return adm_usage("usage: device list --tenant T "
				 "[--account LOGIN] [--json]",
				 NULL);
	}
	ret = adm_tenant_need(s, a, &t);
	if (ret != 0)
		return ret;
	if (login != NULL) {
		struct dstore_account acc;

		if (dstore_account_find(s, login, &acc, &err) < 0 ||
		    acc.tenant_id != t) {
			fprintf(stderr, "%s: no account '%s' in %s\n", ADM_PROG,
				login, adm_arg(a, "tenant"));
			return ADM_EXIT_NOTFOUND;
		}
		account = acc.id;
	}
	ob_jw_init(&w, stdout);
	if (adm_flag(a, "json")) {
		o.jw = &w;
		if (show) {
			ob_jw_obj(&w);
			ob_jw_kstr(&w, "device", device);
			ob_jw_key(&w, "datastores");
		}
		ob_jw_arr(&w);
	}
	ret = dstore_device_list(s, t, account, device, (int64_t)time(NULL),
				 print_device, &o, &err);
	if (o.jw != NULL) {
		ob_jw_end(&w);
		if (show)
			ob_jw_end(&w);
	}
	fflush(stdout);
	if (ret < 0)
		return adm_fail(&err);
	if (show && o.n == 0) {
		fprintf(stderr, "%s: no device '%s' has synced in %s\n",
			ADM_PROG, device, adm_arg(a, "tenant"));
		return ADM_EXIT_NOTFOUND;
	}
	if (!show && o.n == 0 && o.jw == NULL)
		printf("no device has synced\n");
	return 0;
}

struct forget {
	const char *device;
	int64_t tenant;
	int count;
};

static int forget_txn(struct dstore *s, void *ctx, struct ob_err *err)
{
	struct forget *x = ctx;

	return dstore_device_forget(s, x->tenant, x->device, &x->count, err);
}

/* device forget --tenant T DEVICE */
static int forget(struct dstore *s, const struct adm_args *a)
{
	struct ob_err err;
	struct forget x = {NULL, 0, 0};
	int ret;

	if (a->npos != 3)
		return adm_usage("usage: device forget --tenant T DEVICE-ID",
				 NULL);
	x.device = a->pos[2];
	ret = adm_tenant_need(s, a, &x.tenant);
	if (ret != 0)
		return ret;
	ret = dstore_retry(s, x.tenant, "cli", ADM_TRIES, forget_txn, &x, NULL,
			   &err);
	if (ret == OB_E_NOTFOUND) {
		fprintf(stderr, "%s: no device '%s' has synced in %s\n",
			ADM_PROG, x.device, adm_arg(a, "tenant"));
		return ADM_EXIT_NOTFOUND;
	}
	if (ret < 0)
		return adm_fail(&err);
	printf("device %s: sync state of %d datastore%s forgotten; its next "
	       "sync is a slow sync\n",
	       x.device, x.count, x.count == 1 ? "" : "s");
	return 0;
}

static int run_device(struct dstore *s, const struct adm_args *a)
{
	const char *sub = a->npos > 1 ? a->pos[1] : "";

	if (strcmp(sub, "list") == 0 || strcmp(sub, "show") == 0)
		return list_or_show(s, a, strcmp(sub, "show") == 0);
	if (strcmp(sub, "forget") == 0)
		return forget(s, a);
	return adm_usage("usage: device list|show|forget", NULL);
}

static const struct option device_options[] = {
	{"tenant", required_argument, NULL, 0},
	{"account", required_argument, NULL, 0},
	{"json", no_argument, NULL, 0},
	{NULL, 0, NULL, 0},
};

const struct adm_command adm_cmd_device = {
	"device", device_options,
	"  device list --tenant T [--account LOGIN] [--json]   the devices "
	"that\n         sync: account, datastore, last sync, items, next "
	"sync\n"
	"  device show --tenant T DEVICE-ID [--json]   anchors, revision,\n"
	"         live session, client\n"
	"  device forget --tenant T DEVICE-ID   drop its sync state: its "
	"next\n         sync is a slow sync\n",
	run_device};
