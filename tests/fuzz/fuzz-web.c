/* Fuzz target: the admin pages (wa_web_handle) on a real store, signed in
 * as enterprise A's administrator. The input is five lines — method, path,
 * query string, Content-Type, and cookies sent before the session's — then
 * the body (the cookie line is also sent as Accept-Language). "@CSRF@"
 * in the body becomes the session's CSRF token, which is
 * also put in front of the body of every other input, so actions get past
 * the check and run. Oracles beyond "no crash": every answer has a status,
 * an export to stream names the enterprise, and nothing of enterprise B
 * (a marker in its names) ever appears in an answer. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dirstore/dirstore.h"
#include "webadmin/form.h"
#include "webadmin/web.h"

#define MARKER "SECRET-OF-B"

static struct dstore *store;
static struct wa_web_config cfg;
static char cookie[128], csrf[65];
static int64_t tenant_a;
static char dir[] = "/tmp/fuzz-web.XXXXXX";

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void cleanup(void)
{
	static const char *const f[] = {"w.db", "w.db-wal", "w.db-shm",
					"w.db.key"};
	char path[64];

	dstore_close(&store);
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, f[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void call(const char *method, const char *path, const char *query,
		 const char *ctype, const char *cookies, const char *body,
		 size_t len, struct wa_web_response *rs)
{
	char jar[512];
	struct wa_form q = {0};
	struct wa_web_request rq = {0};
	struct ob_err err;

	if (query != NULL)
		(void)wa_form_parse_urlencoded(&q, query, strlen(query), &err);
	rq.method = method;
	rq.path = path;
	rq.query = &q;
	snprintf(jar, sizeof(jar), "%s%s%s", cookies ? cookies : "",
		 cookies && *cookies ? "; " : "", cookie);
	rq.cookie = jar;
	rq.accept_language = cookies; /* the same hostile line, parsed twice */
	rq.host = "h";
	rq.remote_addr = "192.0.2.1";
	rq.content_type = ctype;
	rq.body = body;
	rq.body_len = len;
	rq.now = 1000000;
	wa_web_handle(store, &cfg, &rq, rs);
	wa_form_deinit(&q);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct dstore_options o = {0};
	struct dstore_person p = {0};
	struct wa_web_response rs;
	struct ob_err err;
	char path[64];
	int64_t a, b, id, unit;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/w.db", dir);
	o.path = path;
	o.sync_normal = true;
	if (dstore_open(&o, &store, &err) != 0 ||
	    dstore_tenant_create(store, "a", "A", &a, &err) != 0 ||
	    dstore_tenant_create(store, "b", MARKER, &b, &err) != 0 ||
	    dstore_account_create(store, a, "admin@a", "admin-password",
				  DSTORE_ROLE_ADMIN, &id, &err) != 0 ||
	    dstore_account_create(store, b, MARKER "@b", "b-password",
				  DSTORE_ROLE_USER, &id, &err) != 0)
		abort();
	atexit(cleanup);
	tenant_a = a;
	dstore_begin(store, b, "fuzz", &err);
	dstore_unit_add(store, b, 0, MARKER "-unit", 0, &unit, &err);
	p.uid = strdup("b-1");
	p.display = MARKER " person";
	p.unit_id = unit;
	dstore_person_put(store, b, &p, NULL, &err);
	free(p.uid);
	if (dstore_commit(store, NULL, &err) != 0)
		abort();
	wa_web_config_defaults(&cfg);
	/* sign in: the cookie and the CSRF token for every input */
	call("POST", "/login", NULL, "application/x-www-form-urlencoded", NULL,
	     "login=admin@a&password=admin-password", 37, &rs);
	size_t n = strcspn(rs.set_cookie, ";");
	if (rs.status != 303 || n >= sizeof(cookie))
		abort();
	memcpy(cookie, rs.set_cookie, n);
	wa_web_response_deinit(&rs);
	call("GET", "/units", NULL, NULL, NULL, "", 0, &rs);
	const char *c = strstr(ob_buf_str(&rs.body), "name=\"csrf\" value=\"");
	if (c == NULL)
		abort();
	memcpy(csrf, c + 19, 64);
	wa_web_response_deinit(&rs);
	return 0;
}

static bool has_marker(const char *p, size_t n)
{
	return n > 0 && memmem(p, n, MARKER, strlen(MARKER)) != NULL;
}

static bool form_names_marker(const struct wa_form *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (has_marker(f->fields[i].value, f->fields[i].len) ||
		    has_marker(f->fields[i].name, strlen(f->fields[i].name)) ||
		    (f->fields[i].filename != NULL &&
		     has_marker(f->fields[i].filename,
				strlen(f->fields[i].filename))))
			return true;
	return false;
}

/* The marker in the input, raw or as the parsed query and body. */
static bool names_marker(const char *data, size_t size, const char *query,
			 const char *ctype, const char *body, size_t blen)
{
	struct wa_form q = {0}, b = {0};
	struct ob_err err;
	bool found = has_marker(data, size);

	if (!found) {
		(void)wa_form_parse_urlencoded(&q, query, strlen(query), &err);
		(void)wa_form_parse(&b, ctype, body, blen, &err);
		found = form_names_marker(&q) || form_names_marker(&b);
	}
	wa_form_deinit(&q);
	wa_form_deinit(&b);
	return found;
}

static int count_person(const struct dstore_person *p, void *ctx)
{
	(void)p;
	++*(int *)ctx;
	return 0;
}

static int unit_marked(const struct dstore_unit *u, void *ctx)
{
	*(int *)ctx += has_marker(u->path, strlen(u->path));
	return 0;
}

static int account_marked(const struct dstore_account *a, void *ctx)
{
	*(int *)ctx += has_marker(a->login, strlen(a->login));
	return 0;
}

/* Enterprise A's own data holds the marker (an earlier input wrote it). */
static bool a_has_marker(void)
{
	struct ob_err err;
	int n = 0;

	(void)dstore_person_search(store, tenant_a, MARKER, 1, count_person, &n,
				   &err);
	(void)dstore_unit_list(store, tenant_a, unit_marked, &n, &err);
	(void)dstore_account_list(store, tenant_a, account_marked, &n, &err);
	return n > 0;
}

/* The next line of the input into buf (cut at size); advances *p. */
static void line(const char **p, const char *end, char *buf, size_t size)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);

	if (n >= size)
		n = size - 1;
	memcpy(buf, *p, n);
	buf[n] = '\0';
	*p = nl ? nl + 1 : end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char method[16], path[256], query[1024], ctype[256], cookies[256];
	struct wa_web_response rs;
	char *body;
	size_t blen;

	if (size > 65536)
		return 0;
	line(&p, end, method, sizeof(method));
	line(&p, end, path, sizeof(path));
	line(&p, end, query, sizeof(query));
	line(&p, end, ctype, sizeof(ctype));
	line(&p, end, cookies, sizeof(cookies));
	/* the session's token where the input says @CSRF@, and first in
	 * half of the bodies */
	size_t in = (size_t)(end - p);
	body = malloc(in * 11 + 80);
	if (body == NULL)
		return 0;
	blen = (size & 1) ? (size_t)snprintf(body, 80, "csrf=%s&", csrf) : 0;
	for (size_t i = 0; i < in; i++) {
		if (in - i >= 6 && memcmp(p + i, "@CSRF@", 6) == 0) {
			memcpy(body + blen, csrf, 64);
			blen += 64;
			i += 5;
		} else {
			body[blen++] = p[i];
		}
	}
	call(method, path, query, ctype, cookies, body, blen, &rs);
	if (rs.status < 200 || rs.status > 599)
		abort();
	/* another enterprise's data: the marker in an answer, unless the
	 * input named it (pages quote what they refused; an import preview
	 * shows the file) or enterprise A's own data now holds it */
	if (rs.body.len > 0 &&
	    memmem(rs.body.data, rs.body.len, MARKER, strlen(MARKER)) != NULL &&
	    strcmp(path, "/import/preview") != 0 &&
	    !names_marker((const char *)data, size, query, ctype, body, blen) &&
	    !a_has_marker())
		abort();
	if (rs.stream != WA_STREAM_NONE && rs.tenant_id == 0)
		abort();
	wa_web_response_deinit(&rs);
	free(body);
	return 0;
}
