/* agent/respuri.c: which RespURIs keep the configured server's origin,
 * relative references, default ports, case, user information, and what
 * the refusal says. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "agent/respuri.h"
#include "tests/lib/test.h"

static char got[AGENT_URL_MAX + 1];
static struct ob_err err;

/* resolve resp for server (also the base), "" on refusal */
static const char *follow(const char *server, const char *resp)
{
	memset(&err, 0, sizeof(err));
	if (agent_respuri_resolve(server, server, resp, got, sizeof(got),
				  &err) != 0)
		return "";
	return got;
}

static void refused(const char *server, const char *resp, const char *shown)
{
	test_assert_str(follow(server, resp), "");
	test_assert_int(err.code, OB_E_FAIL);
	test_assert(strstr(err.msg, shown) != NULL);
}

int main(void)
{
	const char *srv = "http://127.0.0.1:8080/sync";
	const char *tls = "https://Dir.Example.com/sync";

	test_begin("same origin, other path and query: followed");
	test_assert_str(follow(srv, "http://127.0.0.1:8080/sync?s=ab"),
			"http://127.0.0.1:8080/sync?s=ab");
	test_assert_str(follow(srv, "HTTP://127.0.0.1:8080/other"),
			"http://127.0.0.1:8080/other");
	test_assert_str(follow(srv, "  http://127.0.0.1:8080/sync?s=3\r\n"),
			"http://127.0.0.1:8080/sync?s=3");
	test_end();

	test_begin("host case-insensitive, default ports explicit or implied");
	test_assert_str(follow(tls, "https://dir.example.com:443/x"),
			"https://dir.example.com:443/x");
	test_assert_str(follow(tls, "HTTPS://DIR.EXAMPLE.COM/y?s=1"),
			"https://DIR.EXAMPLE.COM/y?s=1");
	test_assert_str(follow("http://h:80/sync", "http://h/a"), "http://h/a");
	test_end();

	test_begin("relative references resolve against the base (RFC 3986)");
	test_assert_str(follow(srv, "/sync?s=1"),
			"http://127.0.0.1:8080/sync?s=1");
	test_assert_str(follow(srv, "?s=2"), "http://127.0.0.1:8080/sync?s=2");
	test_assert_str(follow(srv, "next"), "http://127.0.0.1:8080/next");
	test_assert_str(follow(srv, "/sync?s=1#frag"),
			"http://127.0.0.1:8080/sync?s=1");
	memset(&err, 0, sizeof(err));
	test_assert_int(
		agent_respuri_resolve(srv, "http://127.0.0.1:8080/a/b?s=1",
				      "../c?s=2", got, sizeof(got), &err),
		0);
	test_assert_str(got, "http://127.0.0.1:8080/c?s=2");
	test_end();

	test_begin("another port, host, scheme: refused, the URI named");
	refused(srv, "http://127.0.0.1:8081/sync",
		"'http://127.0.0.1:8081/sync'");
	test_assert(strstr(err.msg, "scheme, host and port") != NULL);
	test_assert(strstr(err.msg, srv) != NULL);
	refused(srv, "http://127.0.0.1/sync", "http://127.0.0.1/sync");
	refused(srv, "http://localhost:8080/sync", "localhost");
	refused(srv, "//127.0.0.2:8080/sync", "//127.0.0.2:8080/sync");
	refused(srv, "gopher://127.0.0.1:8080/_QUIT", "gopher://");
	refused(srv, "https://127.0.0.1:8080/sync", "https://127.0.0.1:8080");
	refused(srv, "file:///etc/passwd", "file:///etc/passwd");
	refused(srv, "http://127.0.0.1:8080@evil.example/", "evil.example");
	test_end();

	test_begin("no downgrade from https, no other port");
	refused(tls, "http://dir.example.com/sync", "http://dir.example.com");
	refused(tls, "http://dir.example.com:443/sync", "http://");
	refused(tls, "https://dir.example.com:8443/sync", ":8443");
	test_end();

	test_begin("user information, garbage, overlong: refused");
	refused(srv, "http://u:p@127.0.0.1:8080/sync", "user information");
	refused(srv, "http://u@127.0.0.1:8080/sync", "user information");
	refused(srv, "http://127.0.0.1:8080/a b",
		"'http://127.0.0.1:8080/a b'");
	char longer[2100];
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	memcpy(longer, "/sync?s=", 8);
	refused(srv, longer, "longer than");
	refused(srv, "http://x/\x1b[31m\x07", "'http://x/?[31m?'");
	test_end();

	test_begin("the configured server: http(s) only");
	test_assert_int(agent_respuri_check_server(srv, &err), 0);
	test_assert_int(agent_respuri_check_server(tls, &err), 0);
	test_assert_int(agent_respuri_check_server("gopher://h/", &err),
			OB_E_INVAL);
	test_assert_int(agent_respuri_check_server("ftp://h/", &err),
			OB_E_INVAL);
	test_assert_int(agent_respuri_check_server("/sync", &err), OB_E_INVAL);
	test_assert(strstr(err.msg, "'/sync'") != NULL);
	test_end();
	return test_done();
}
