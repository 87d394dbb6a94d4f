/* admin/person.c: the person commands: add, update, delete, move, show,
 * list. The field options (--name, --family, --work, --email, --photo, ...)
 * fill a struct dstore_person; phones and e-mails given replace all the
 * old ones. The store fills in the pinyin of a Chinese name. Each change
 * is one transaction.
 *
 * Never: writes a person the store would not (it validates), keeps the
 * phones or e-mails of an update that gives new ones. */
#include "config.h"
#include "admin/admin.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/str.h"
#include "util/textout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the text fields, option name and where it goes */
static void set_strings(const struct adm_args *a, struct dstore_person *p)
{
	struct {
		const char *opt;
		char **field;
	} strs[] = {
		{"name", &p->display},
		{"family", &p->family},
		{"given", &p->given},
		{"phonetic-family", &p->phonetic_family},
		{"phonetic-given", &p->phonetic_given},
		{"title", &p->title},
		{"note", &p->note},
		{"street", &p->street},
		{"city", &p->locality},
		{"region", &p->region},
		{"postcode", &p->postcode},
		{"country", &p->country},
	};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		const char *v = adm_arg(a, strs[i].opt);

		if (v != NULL) {
			free(*strs[i].field);
			*strs[i].field = ob_strndup(v, strlen(v));
		}
	}
}

/* --work, --cell, --home, --fax (repeatable) replace every phone */
static void set_phones(const struct adm_args *a, struct dstore_person *p)
{
	static const char *const types[] = {"work", "cell", "home", "fax"};
	const char *type[ADM_MAX_MULTI], *number[ADM_MAX_MULTI];
	size_t n = 0;

	for (int k = 0; k < 4; k++) {
		const char *vals[ADM_MAX_MULTI];
		size_t m = adm_arg_all(a, types[k], vals, ADM_MAX_MULTI);

		for (size_t i = 0; i < m && n < ADM_MAX_MULTI; i++) {
			type[n] = types[k];
			number[n++] = vals[i];
		}
	}
	if (n == 0)
		return;
	for (size_t i = 0; i < p->n_phones; i++) {
		free(p->phones[i].type);
		free(p->phones[i].number);
	}
	free(p->phones);
	p->phones = calloc(n, sizeof(*p->phones));
	for (size_t i = 0; p->phones && i < n; i++) {
		p->phones[i].type = ob_strndup(type[i], strlen(type[i]));
		p->phones[i].number = ob_strndup(number[i], strlen(number[i]));
	}
	p->n_phones = p->phones ? n : 0;
}

/* --email (repeatable) replaces every e-mail address */
static void set_emails(const struct adm_args *a, struct dstore_person *p)
{
	const char *emails[ADM_MAX_MULTI];
	size_t n = adm_arg_all(a, "email", emails, ADM_MAX_MULTI);

	if (n == 0)
		return;
	for (size_t i = 0; i < p->n_emails; i++)
		free(p->emails[i]);
	free(p->emails);
	p->emails = calloc(n, sizeof(*p->emails));
	for (size_t i = 0; p->emails && i < n; i++)
		p->emails[i] = ob_strndup(emails[i], strlen(emails[i]));
	p->n_emails = p->emails ? n : 0;
}

/* --photo FILE, or --photo "" to remove it */
static int set_photo(const struct adm_args *a, struct dstore_person *p)
{
	const char *v = adm_arg(a, "photo");
	struct ob_err err;
	struct ob_buf b;

	if (v == NULL)
		return 0;
	free(p->photo);
	p->photo = NULL;
	p->photo_len = 0;
	if (v[0] == '\0')
		return 0;
	ob_buf_init(&b, 16u << 20);
	if (ob_file_read(v, &b, &err) < 0) {
		ob_buf_deinit(&b);
		return adm_fail(&err);
	}
	p->photo = (unsigned char *)ob_buf_steal(&b, &p->photo_len);
	return 0;
}

/* Fill a person from the options (add and update). Returns 0 or an exit
 * status (the message printed). */
static int from_options(struct dstore *s, int64_t t, const struct adm_args *a,
			struct dstore_person *p)
{
	const char *v = adm_arg(a, "hidden");
	struct ob_err err;

	set_strings(a, p);
	if (v != NULL) {
		if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
			return adm_usage("--hidden takes yes or no", NULL);
		p->hidden = strcmp(v, "yes") == 0;
	}
	v = adm_arg(a, "unit");
	if (v != NULL) {
		if (v[0] == '\0' || strcmp(v, "/") == 0)
			p->unit_id = 0;
		else if (dstore_unit_ensure_path(s, t, v, false, &p->unit_id,
						 &err) < 0)
			return adm_fail(&err);
	}
	set_phones(a, p);
	set_emails(a, p);
	return set_photo(a, p);
}

static void print_person(const struct dstore_person *p)
{
	printf("uid:          %s\n", p->uid);
	printf("name:         %s\n", p->display);
	if (p->family || p->given)
		printf("family/given: %s / %s\n", p->family ? p->family : "",
		       p->given ? p->given : "");
	if (p->phonetic_family || p->phonetic_given)
		printf("phonetic:     %s %s\n",
		       p->phonetic_family ? p->phonetic_family : "",
		       p->phonetic_given ? p->phonetic_given : "");
	printf("unit:         %s\n",
	       p->unit_path && p->unit_path[0] ? p->unit_path : "(top level)");
	if (p->title)
		printf("title:        %s\n", p->title);
	for (size_t i = 0; i < p->n_phones; i++)
		printf("phone:        %s %s\n", p->phones[i].type,
		       p->phones[i].number);
	for (size_t i = 0; i < p->n_emails; i++)
		printf("email:        %s\n", p->emails[i]);
	if (p->street || p->locality || p->country)
		printf("address:      %s, %s %s %s, %s\n",
		       p->street ? p->street : "",
		       p->postcode ? p->postcode : "",
		       p->locality ? p->locality : "",
		       p->region ? p->region : "",
		       p->country ? p->country : "");
	if (p->note)
		printf("note:         %s\n", p->note);
	if (p->photo_len)
		printf("photo:        %zu bytes\n", p->photo_len);
	printf("hidden:       %s\n", p->hidden ? "yes" : "no");
	printf("revision:     %lld\n", (long long)p->rev);
}

/* The person as JSON (the shape in orgbook-admin(1)); full adds the
 * fields person show prints beyond person list. */
static void person_json(struct ob_jw *w, const struct dstore_person *p,
			bool full)
{
	ob_jw_obj(w);
	ob_jw_kstr(w, "uid", p->uid);
	ob_jw_kstr(w, "name", p->display);
	ob_jw_kstr(w, "family", p->family);
	ob_jw_kstr(w, "given", p->given);
	ob_jw_kstr(w, "title", p->title);
	ob_jw_kstr(w, "unit", p->unit_path ? p->unit_path : "");
	ob_jw_key(w, "phones");
	ob_jw_arr(w);
	for (size_t i = 0; i < p->n_phones; i++) {
		ob_jw_obj(w);
		ob_jw_kstr(w, "type", p->phones[i].type);
		ob_jw_kstr(w, "number", p->phones[i].number);
		ob_jw_end(w);
	}
	ob_jw_end(w);
	ob_jw_key(w, "emails");
	ob_jw_arr(w);
	for (size_t i = 0; i < p->n_emails; i++)
		ob_jw_str(w, p->emails[i]);
	ob_jw_end(w);
	ob_jw_kbool(w, "hidden", p->hidden);
	ob_jw_kint(w, "revision", p->rev);
	if (full) {
		ob_jw_kstr(w, "phonetic_family", p->phonetic_family);
		ob_jw_kstr(w, "phonetic_given", p->phonetic_given);
		ob_jw_key(w, "address");
		ob_jw_obj(w);
		ob_jw_kstr(w, "street", p->street);
		ob_jw_kstr(w, "postcode", p->postcode);
		ob_jw_kstr(w, "city", p->locality);
		ob_jw_kstr(w, "region", p->region);
		ob_jw_kstr(w, "country", p->country);
		ob_jw_end(w);
		ob_jw_kstr(w, "note", p->note);
		ob_jw_kint(w, "photo_bytes", (long long)p->photo_len);
		ob_jw_kint(w, "mtime", p->mtime);
	}
	ob_jw_end(w);
}

/* uid, name and unit in columns by display width (a CJK name takes two
 * columns a character); ctx is the JSON writer with --json */
static int print_person_line(const struct dstore_person *p, void *ctx)
{
	if (ctx != NULL) {
		person_json(ctx, p, false);
		return 0;
	}
	ob_fput_cell(stdout, p->uid, 28);
	putchar(' ');
	ob_fput_cell(stdout, p->display, 24);
	printf(" %s%s\n", p->unit_path && p->unit_path[0] ? p->unit_path : "-",
	       p->hidden ? "  (hidden)" : "");
	return 0;
}

/* person list --tenant T [--unit PATH] [--all] */
static int list(struct dstore *s, int64_t t, const struct adm_args *a)
{
	struct dstore_iter_opts it = {0};
	const char *u = adm_arg(a, "unit");
	struct ob_err err;
	int64_t unit = 0;

	if (u != NULL &&
	    dstore_unit_ensure_path(s, t, u, false, &unit, &err) < 0)
		return adm_fail(&err);
	it.unit_id = unit;
	it.include_hidden = adm_flag(a, "all");
	struct ob_jw w;
	bool json = adm_flag(a, "json");

	ob_jw_init(&w, stdout);
	if (json)
		ob_jw_arr(&w);
	if (dstore_person_iter(s, t, &it, print_person_line, json ? &w : NULL,
			       &err) < 0) {
		fflush(stdout);
		return adm_fail(&err);
	}
	if (json)
		ob_jw_end(&w);
	return 0;
}

/* person show --tenant T UID */
static int show(struct dstore *s, int64_t t, const struct adm_args *a)
{
	struct dstore_person p = {0};
	struct ob_err err;

	if (a->npos != 3)
		return adm_usage("usage: person show --tenant T UID", NULL);
	if (dstore_person_get(s, t, a->pos[2], true, &p, &err) < 0)
		return adm_fail(&err);
	if (adm_flag(a, "json")) {
		struct ob_jw w;

		ob_jw_init(&w, stdout);
		person_json(&w, &p, true);
	} else {
		print_person(&p);
	}
	dstore_person_deinit(&p);
	return 0;
}

/* The person add starts from: empty, or with --uid one that must not
 * exist yet. */
static int new_person(struct dstore *s, int64_t t, const struct adm_args *a,
		      struct dstore_person *p)
{
	const char *uid = adm_arg(a, "uid");
	struct dstore_person old;
	struct ob_err err;

	if (uid == NULL)
		return 0;
	p->uid = ob_strndup(uid, strlen(uid));
	if (p->uid != NULL &&
	    dstore_person_get(s, t, p->uid, false, &old, &err) == 0) {
		dstore_person_deinit(&old);
		ob_err_set_at(&err, OB_E_EXISTS, 0, 0, "uid",
			      "a person with uid %s exists", uid);
		return adm_fail(&err);
	}
	return 0;
}

struct put_ctx {
	int64_t tenant;
	struct dstore_person *p;
	enum dstore_put_result res;
};

static int put_txn(struct dstore *s, void *ctx, struct ob_err *err)
{
	struct put_ctx *x = ctx;

	return dstore_person_put(s, x->tenant, x->p, &x->res, err);
}

/* person add --tenant T --name NAME [fields]; person update --tenant T
 * UID [fields] */
static int put(struct dstore *s, int64_t t, const struct adm_args *a, bool add)
{
	struct dstore_person p = {0};
	enum dstore_put_result res;
	struct ob_err err;
	int64_t rev;
	int ret;

	if (add ? a->npos != 2 : a->npos != 3)
		return adm_usage(add ? "usage: person add --tenant T "
				       "--name NAME [fields]"
				     : "usage: person update --tenant "
				       "T UID [fields]",
				 NULL);
	if (add)
		ret = new_person(s, t, a, &p);
	else
		ret = dstore_person_get(s, t, a->pos[2], true, &p, &err) < 0
			      ? adm_fail(&err)
			      : 0;
	/* the options only read the store (the unit's id): before the
	 * transaction, which then is the put alone and can run again */
	if (ret == 0)
		ret = from_options(s, t, a, &p);
	if (ret != 0) {
		dstore_person_deinit(&p);
		return ret;
	}
	struct put_ctx x = {t, &p, DSTORE_PUT_UNCHANGED};
	ret = dstore_retry(s, t, "cli", ADM_TRIES, put_txn, &x, &rev, &err);
	res = x.res;
	if (ret == 0)
		printf("%s %s (revision %lld)\n",
		       res == DSTORE_PUT_ADDED      ? "added"
		       : res == DSTORE_PUT_MODIFIED ? "updated"
						    : "unchanged",
		       p.uid, (long long)rev);
	dstore_person_deinit(&p);
	return ret < 0 ? adm_fail(&err) : 0;
}

struct dm_ctx {
	int64_t tenant;
	const char *uid;
	int64_t unit;
	bool del;
};

static int delete_or_move_txn(struct dstore *s, void *ctx, struct ob_err *err)
{
	const struct dm_ctx *x = ctx;

	return x->del ? dstore_person_delete(s, x->tenant, x->uid, err)
		      : dstore_person_move(s, x->tenant, x->uid, x->unit, err);
}

/* person delete --tenant T UID; person move --tenant T UID UNIT-PATH|/ */
static int delete_or_move(struct dstore *s, int64_t t, const struct adm_args *a,
			  bool del)
{
	struct ob_err err;
	int64_t rev, unit = 0;
	int ret;

	if (del ? a->npos != 3 : a->npos != 4)
		return adm_usage(del ? "usage: person delete --tenant T UID"
				     : "usage: person move --tenant T UID "
				       "UNIT-PATH",
				 NULL);
	if (!del && strcmp(a->pos[3], "/") != 0 &&
	    dstore_unit_ensure_path(s, t, a->pos[3], false, &unit, &err) < 0)
		return adm_fail(&err);
	struct dm_ctx x = {t, a->pos[2], unit, del};
	ret = dstore_retry(s, t, "cli", ADM_TRIES, delete_or_move_txn, &x, &rev,
			   &err);
	if (ret < 0)
		return adm_fail(&err);
	printf("%s %s (revision %lld)\n", del ? "deleted" : "moved", a->pos[2],
	       (long long)rev);
	return 0;
}

static int run_person(struct dstore *s, const struct adm_args *a)
{
	const char *sub = a->npos > 1 ? a->pos[1] : "";
	int64_t t;
	int ret = adm_tenant_need(s, a, &t);

	if (ret != 0)
		return ret;
	if (strcmp(sub, "list") == 0)
		return list(s, t, a);
	if (strcmp(sub, "show") == 0)
		return show(s, t, a);
	if (strcmp(sub, "add") == 0 || strcmp(sub, "update") == 0)
		return put(s, t, a, strcmp(sub, "add") == 0);
	if (strcmp(sub, "delete") == 0 || strcmp(sub, "move") == 0)
		return delete_or_move(s, t, a, strcmp(sub, "delete") == 0);
	return adm_usage("usage: person add|update|delete|move|show|list",
			 NULL);
}

#define FIELD(name)                                                            \
	{                                                                      \
		name, required_argument, NULL, 0                               \
	}
static const struct option person_options[] = {
	{"tenant", required_argument, NULL, 0},
	{"all", no_argument, NULL, 0},
	{"json", no_argument, NULL, 0},
	FIELD("name"),
	FIELD("family"),
	FIELD("given"),
	FIELD("phonetic-family"),
	FIELD("phonetic-given"),
	FIELD("title"),
	FIELD("work"),
	FIELD("cell"),
	FIELD("home"),
	FIELD("fax"),
	FIELD("email"),
	FIELD("uid"),
	FIELD("note"),
	FIELD("street"),
	FIELD("city"),
	FIELD("region"),
	FIELD("postcode"),
	FIELD("country"),
	FIELD("photo"),
	FIELD("unit"),
	FIELD("hidden"),
	{NULL, 0, NULL, 0},
};
#undef FIELD

const struct adm_command adm_cmd_person = {
	"person", person_options,
	"  person add --tenant T --name NAME [--family F] [--given G]\n"
	"         [--phonetic-family P] [--phonetic-given P] [--unit PATH]\n"
	"         [--title T] [--work N]... [--cell N]... [--home N]...\n"
	"         [--fax N]... [--email E]... [--street S] [--city C]\n"
	"         [--region R] [--postcode P] [--country C] [--note N]\n"
	"         [--photo FILE] [--hidden yes|no] [--uid UID]\n"
	"  person update --tenant T UID [same fields]\n"
	"  person delete --tenant T UID\n"
	"  person move --tenant T UID UNIT-PATH|/\n"
	"  person show --tenant T UID [--json]\n"
	"  person list --tenant T [--unit PATH] [--all] [--json]\n",
	run_person};
