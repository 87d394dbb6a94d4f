/* Unit tests of the configuration's address blocks (metrics-allow) and the
 * log-format key. */
#include "config.h"
#include "syncml-server/server.h"
#include "tests/lib/test.h"

#include <string.h>

static void test_cidr(void)
{
	struct srv_config c;
	struct ob_err err;

	test_begin("metrics-allow: loopback by default, blocks and prefixes");
	srv_config_defaults(&c);
	test_assert_int(c.n_metrics_allow, 2);
	test_assert(srv_cidr_match(c.metrics_allow, 2, "127.0.0.1"));
	test_assert(srv_cidr_match(c.metrics_allow, 2, "127.200.3.4"));
	test_assert(srv_cidr_match(c.metrics_allow, 2, "::1"));
	test_assert(srv_cidr_match(c.metrics_allow, 2, "::ffff:127.0.0.1"));
	test_assert(!srv_cidr_match(c.metrics_allow, 2, "128.0.0.1"));
	test_assert(!srv_cidr_match(c.metrics_allow, 2, "::2"));
	test_assert(!srv_cidr_match(c.metrics_allow, 2, "?"));
	test_assert_int(srv_config_set(&c, "metrics-allow",
				       "10.0.0.0/8, 192.0.2.128/25 "
				       "2001:db8::/33",
				       &err),
			0);
	test_assert_int(c.n_metrics_allow, 3);
	test_assert(!srv_cidr_match(c.metrics_allow, 3, "127.0.0.1"));
	test_assert(srv_cidr_match(c.metrics_allow, 3, "10.255.0.1"));
	test_assert(srv_cidr_match(c.metrics_allow, 3, "192.0.2.200"));
	test_assert(!srv_cidr_match(c.metrics_allow, 3, "192.0.2.127"));
	test_assert(srv_cidr_match(c.metrics_allow, 3, "2001:db8:7fff::1"));
	test_assert(!srv_cidr_match(c.metrics_allow, 3, "2001:db8:8000::1"));
	test_assert(srv_cidr_match(c.metrics_allow, 3, "::ffff:10.1.1.1"));
	/* bad lists are refused whole, the old one kept */
	test_assert_int(srv_config_set(&c, "metrics-allow", "10.1.0.0/8", &err),
			OB_E_INVAL);
	test_assert(strstr(err.msg, "'10.1.0.0/8'") != NULL);
	test_assert_int(
		srv_config_set(&c, "metrics-allow", "10.0.0.0/33", &err),
		OB_E_INVAL);
	test_assert_int(
		srv_config_set(&c, "metrics-allow", "example.org", &err),
		OB_E_INVAL);
	test_assert_int(srv_config_set(&c, "metrics-allow", "::1/", &err),
			OB_E_INVAL);
	test_assert_int(c.n_metrics_allow, 3);
	/* "0.0.0.0/0 ::/0" is everyone; an empty list no one */
	test_assert_int(
		srv_config_set(&c, "metrics-allow", "0.0.0.0/0 ::/0", &err), 0);
	test_assert(srv_cidr_match(c.metrics_allow, 2, "203.0.113.9"));
	test_assert(srv_cidr_match(c.metrics_allow, 2, "2001:db8::9"));
	test_assert_int(srv_config_set(&c, "metrics-allow", "", &err), 0);
	test_assert_int(c.n_metrics_allow, 0);
	test_assert(!srv_cidr_match(c.metrics_allow, 0, "127.0.0.1"));
	test_end();

	test_begin("log-format: text or json");
	test_assert_int(srv_config_set(&c, "log-format", "json", &err), 0);
	test_assert_int(srv_config_set(&c, "log-format", "text", &err), 0);
	test_assert_int(srv_config_set(&c, "log-format", "xml", &err),
			OB_E_INVAL);
	test_end();
}

int main(void)
{
	test_cidr();
	return test_done();
}
