/* orgbook-server configuration: defaults, the config file, flags (see
 * server.h and orgbook-server.conf). */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syncml-server/server.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/str.h"

const char *const srv_config_keys[] = {
	"db",
	"key-file",
	"listen",
	"port",
	"admin-listen",
	"admin-port",
	"cert",
	"key",
	"public-url",
	"port-file",
	"tls-legacy",
	"debug-sync",
	"carddav",
	"phonebook-extension",
	"ldap",
	"ldap-require-tls",
	"ldap-listen",
	"ldap-port",
	"ldaps-port",
	"wbxml-string-table",
	"log-level",
	"max-body",
	"max-message",
	"max-photo",
	"photo-size",
	"max-connections",
	"max-connections-per-ip",
	"connection-timeout",
	"header-timeout",
	"min-body-rate",
	"max-unauth-body-total",
	"threads",
	"session-ttl",
	"session-max-age",
	"sessions-per-account",
	"nonce-ttl",
	"nonces-per-login",
	"housekeeping-interval",
	"min-free-space",
	"admin-max-body",
	"admin-idle",
	"admin-session-max",
	"carddav-unit-depth",
	"carddav-max-photo",
	"carddav-photo-size",
	"carddav-max-bytes",
	"carddav-max-results",
	"ldap-max-connections",
	"ldap-max-connections-per-ip",
	"ldap-idle-timeout",
	"ldap-request-timeout",
	"ldap-max-request",
	"ldap-size-limit",
	"ldap-time-limit",
	"ldap-max-photo",
	"ldap-photo-size",
	"ldap-store-connections",
	"carddav-max-body",
	"stream-timeout",
	"log-format",
	"metrics-allow",
	NULL,
};

void srv_config_defaults(struct srv_config *c)
{
	memset(c, 0, sizeof(*c));
	ob_strlcpy(c->db, "/var/lib/orgbook/orgbook.db", sizeof(c->db));
	ob_strlcpy(c->listen, "0.0.0.0", sizeof(c->listen));
	c->port = 8080;
	ob_strlcpy(c->admin_listen, "127.0.0.1", sizeof(c->admin_listen));
	c->admin_port = 8081;
	c->max_body = 4u << 20;
	c->max_msg = 1u << 20;
	c->conn_limit = 1000;
	c->per_ip_limit = 64;
	c->conn_timeout = 60;
	c->header_timeout = 10;
	c->min_body_rate = 1024;
	c->unauth_body_total = 32u << 20;
	c->threads = 4;
	c->session_ttl = 900;
	c->session_max_age = 6 * 3600;
	c->sessions_per_account = 64;
	c->nonce_ttl = 7 * 86400;
	c->nonces_per_login = 64;
	c->housekeeping = 60;
	c->min_free = 16u << 20;
	c->max_photo = 64 * 1024;
	c->photo_edge = 256;
	c->admin_max_body = 32u << 20;
	c->admin_idle = 1800;
	c->admin_session_max = 12 * 3600;
	c->carddav = true;
	c->carddav_depth = 1;
	c->carddav_photo = 64 * 1024;
	c->carddav_photo_edge = 256;
	ob_strlcpy(c->ldap_listen, "0.0.0.0", sizeof(c->ldap_listen));
	c->ldap_port = 389;
	c->ldaps_port = -1;
	c->ldap_conn_limit = 1000;
	c->ldap_per_ip_limit = 64;
	c->ldap_idle = 300;
	c->ldap_request_timeout = 10;
	c->ldap_max_request = 64 * 1024;
	c->ldap_time_limit = 30;
	c->ldap_max_photo = 64 * 1024;
	c->ldap_photo_edge = 256;
	c->ldap_stores = 8;
	c->carddav_max_bytes = 1u << 20;
	c->carddav_max_body = 16u << 20;
	c->stream_timeout = 3600;
	(void)srv_cidr_parse_list("metrics-allow", "127.0.0.0/8 ::1",
				  c->metrics_allow, &c->n_metrics_allow, NULL);
}

/* One "ADDR" or "ADDR/PREFIX" of len bytes. */
static bool cidr_one(const char *s, size_t len, struct srv_cidr *c)
{
	char buf[64];
	const char *slash;
	uint64_t p;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash != NULL)
		buf[slash - buf] = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, buf, c->addr) == 1) {
		c->family = AF_INET;
		c->prefix = 32;
	} else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
		c->family = AF_INET6;
		c->prefix = 128;
	} else {
		return false;
	}
	if (slash != NULL) {
		const char *d = slash + 1;
		if (ob_parse_u64(d, strlen(d), c->prefix, &p) != 0)
			return false;
		c->prefix = (unsigned)p;
	}
	/* no host bits past the prefix: "10.1.2.3/8" is a typo */
	for (unsigned b = c->prefix; b < (c->family == AF_INET ? 32u : 128u);
	     b++)
		if (c->addr[b / 8] & (0x80 >> (b % 8)))
			return false;
	return true;
}

int srv_cidr_parse_list(const char *key, const char *v, struct srv_cidr *out,
			unsigned *n_r, struct ob_err *err)
{
	unsigned n = 0;

	for (const char *p = v; *p != '\0';) {
		size_t len;
		p += strspn(p, " \t,");
		len = strcspn(p, " \t,");
		if (len == 0)
			break;
		if (n >= SRV_CIDR_MAX)
			return ob_err_set(err, OB_E_INVAL,
					  "%s: more than %d address blocks",
					  key, SRV_CIDR_MAX);
		if (!cidr_one(p, len, &out[n]))
			return ob_err_set(err, OB_E_INVAL,
					  "%s: '%.*s' is no address or "
					  "address/prefix (host bits zero)",
					  key, (int)(len > 64 ? 64 : len), p);
		n++;
		p += len;
	}
	*n_r = n;
	return 0;
}

bool srv_cidr_match(const struct srv_cidr *list, unsigned n, const char *addr)
{
	unsigned char a[16];
	int family;

	if (inet_pton(AF_INET, addr, a) == 1) {
		family = AF_INET;
	} else if (inet_pton(AF_INET6, addr, a) == 1) {
		static const unsigned char mapped[12] = {
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		family = AF_INET6;
		if (memcmp(a, mapped, 12) == 0) {
			memmove(a, a + 12, 4);
			family = AF_INET;
		}
	} else {
		return false;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct srv_cidr *c = &list[i];
		unsigned full = c->prefix / 8, rest = c->prefix % 8;
		if (c->family != family || memcmp(a, c->addr, full) != 0)
			continue;
		if (rest == 0 ||
		    ((a[full] ^ c->addr[full]) & (0xff00 >> rest) & 0xff) == 0)
			return true;
	}
	return false;
}

static int num(const char *key, const char *v, uint64_t min, uint64_t max,
	       uint64_t *r, struct ob_err *err)
{
	if (ob_parse_u64(v, strlen(v), max, r) != 0 || *r < min)
		return ob_err_set(err, OB_E_INVAL,
				  "%s: expected a number from %llu to %llu",
				  key, (unsigned long long)min,
				  (unsigned long long)max);
	return 0;
}

static int boolean(const char *key, const char *v, bool *r, struct ob_err *err)
{
	if (ob_str_ieq(v, "yes") || ob_str_ieq(v, "true") ||
	    strcmp(v, "1") == 0)
		*r = true;
	else if (ob_str_ieq(v, "no") || ob_str_ieq(v, "false") ||
		 strcmp(v, "0") == 0)
		*r = false;
	else
		return ob_err_set(err, OB_E_INVAL, "%s: expected yes or no",
				  key);
	return 0;
}

static int text(const char *key, const char *v, char *dst, size_t size,
		struct ob_err *err)
{
	if (ob_strlcpy(dst, v, size) >= size)
		return ob_err_set(err, OB_E_INVAL, "%s: too long", key);
	return 0;
}

int srv_config_set(struct srv_config *c, const char *key, const char *v,
		   struct ob_err *err)
{
	uint64_t n;
	bool b;
	int ret;

	if (strcmp(key, "db") == 0)
		return text(key, v, c->db, sizeof(c->db), err);
	if (strcmp(key, "key-file") == 0)
		return text(key, v, c->key_file, sizeof(c->key_file), err);
	if (strcmp(key, "listen") == 0)
		return text(key, v, c->listen, sizeof(c->listen), err);
	if (strcmp(key, "admin-listen") == 0)
		return text(key, v, c->admin_listen, sizeof(c->admin_listen),
			    err);
	if (strcmp(key, "cert") == 0)
		return text(key, v, c->cert, sizeof(c->cert), err);
	if (strcmp(key, "key") == 0)
		return text(key, v, c->key, sizeof(c->key), err);
	if (strcmp(key, "public-url") == 0)
		return text(key, v, c->public_url, sizeof(c->public_url), err);
	if (strcmp(key, "port-file") == 0)
		return text(key, v, c->port_file, sizeof(c->port_file), err);
	if (strcmp(key, "tls-legacy") == 0)
		return boolean(key, v, &c->tls_legacy, err);
	if (strcmp(key, "debug-sync") == 0)
		return boolean(key, v, &c->debug_sync, err);
	if (strcmp(key, "carddav") == 0)
		return boolean(key, v, &c->carddav, err);
	if (strcmp(key, "phonebook-extension") == 0) {
		static const char *const names[] = {"first", "main", "only"};
		for (int i = 0; i < 3; i++)
			if (strcmp(v, names[i]) == 0) {
				c->phonebook_ext = i;
				return 0;
			}
		return ob_err_set(err, OB_E_INVAL,
				  "%s: expected first, main or only", key);
	}
	if (strcmp(key, "ldap") == 0)
		return boolean(key, v, &c->ldap, err);
	if (strcmp(key, "ldap-require-tls") == 0)
		return boolean(key, v, &c->ldap_require_tls, err);
	if (strcmp(key, "ldap-listen") == 0)
		return text(key, v, c->ldap_listen, sizeof(c->ldap_listen),
			    err);
	if (strcmp(key, "ldap-port") == 0 || strcmp(key, "ldaps-port") == 0) {
		int *dst = key[4] == 's' ? &c->ldaps_port : &c->ldap_port;
		if (key[4] == 's' && strcmp(v, "off") == 0) {
			*dst = -1;
			return 0;
		}
		ret = num(key, v, 0, 65535, &n, err);
		if (ret == 0)
			*dst = (int)n;
		return ret;
	}
	if (strcmp(key, "port") == 0) {
		ret = num(key, v, 0, 65535, &n, err);
		c->port = (int)n;
		return ret;
	}
	if (strcmp(key, "admin-port") == 0) {
		if (strcmp(v, "off") == 0) {
			c->admin_port = -1;
			return 0;
		}
		ret = num(key, v, 0, 65535, &n, err);
		c->admin_port = (int)n;
		return ret;
	}
	if (strcmp(key, "wbxml-string-table") == 0) {
		if (ob_str_ieq(v, "auto"))
			c->strtbl = SRV_STRTBL_AUTO;
		else if (boolean(key, v, &b, NULL) == 0)
			c->strtbl = b ? SRV_STRTBL_YES : SRV_STRTBL_NO;
		else
			return ob_err_set(err, OB_E_INVAL,
					  "%s: expected auto, yes or no", key);
		return 0;
	}
	if (strcmp(key, "log-level") == 0) {
		enum ob_log_level l;
		if (ob_log_level_parse(v, &l) != 0)
			return ob_err_set(err, OB_E_INVAL,
					  "log-level: debug, info, warn or "
					  "error");
		ob_log_set_level(l);
		return 0;
	}
	if (strcmp(key, "log-format") == 0) {
		enum ob_log_format f;
		if (ob_log_format_parse(v, &f) != 0)
			return ob_err_set(err, OB_E_INVAL,
					  "log-format: text or json");
		ob_log_set_format(f);
		return 0;
	}
	if (strcmp(key, "metrics-allow") == 0) {
		struct srv_cidr list[SRV_CIDR_MAX];
		unsigned count = 0;
		ret = srv_cidr_parse_list(key, v, list, &count, err);
		if (ret == 0) {
			memcpy(c->metrics_allow, list, sizeof(list));
			c->n_metrics_allow = count;
		}
		return ret;
	}
	struct {
		const char *name;
		uint64_t min, max;
		size_t *sz;
		unsigned *u;
	} nums[] = {
		{"max-body", 4096, 1u << 30, &c->max_body, NULL},
		{"max-message", 2048, 1u << 30, &c->max_msg, NULL},
		{"max-photo", 0, 16u << 20, &c->max_photo, NULL},
		{"photo-size", 0, 2048, NULL, &c->photo_edge},
		{"max-connections", 1, 100000, NULL, &c->conn_limit},
		{"max-connections-per-ip", 1, 100000, NULL, &c->per_ip_limit},
		{"connection-timeout", 1, 3600, NULL, &c->conn_timeout},
		{"header-timeout", 1, 3600, NULL, &c->header_timeout},
		{"min-body-rate", 0, 1u << 30, &c->min_body_rate, NULL},
		{"max-unauth-body-total", 65536, (uint64_t)1 << 40,
		 &c->unauth_body_total, NULL},
		{"threads", 1, 256, NULL, &c->threads},
		{"session-ttl", 5, 86400, NULL, &c->session_ttl},
		{"session-max-age", 5, 7 * 86400, NULL, &c->session_max_age},
		{"sessions-per-account", 1, 100000, NULL,
		 &c->sessions_per_account},
		{"nonce-ttl", 60, 365 * 86400, NULL, &c->nonce_ttl},
		{"nonces-per-login", 1, 100000, NULL, &c->nonces_per_login},
		{"housekeeping-interval", 1, 3600, NULL, &c->housekeeping},
		{"min-free-space", 0, (uint64_t)1 << 40, &c->min_free, NULL},
		{"admin-max-body", 65536, 1u << 30, &c->admin_max_body, NULL},
		{"admin-idle", 60, 86400, NULL, &c->admin_idle},
		{"admin-session-max", 300, 30 * 86400, NULL,
		 &c->admin_session_max},
		{"carddav-unit-depth", 0, 64, NULL, &c->carddav_depth},
		{"carddav-max-photo", 0, 16u << 20, &c->carddav_photo, NULL},
		{"carddav-photo-size", 0, 2048, NULL, &c->carddav_photo_edge},
		{"carddav-max-bytes", 65536, (uint64_t)1 << 32,
		 &c->carddav_max_bytes, NULL},
		{"carddav-max-results", 0, 10000000, NULL,
		 &c->carddav_max_results},
		{"ldap-max-connections", 1, 100000, NULL, &c->ldap_conn_limit},
		{"ldap-max-connections-per-ip", 1, 100000, NULL,
		 &c->ldap_per_ip_limit},
		{"ldap-idle-timeout", 1, 86400, NULL, &c->ldap_idle},
		{"ldap-request-timeout", 1, 3600, NULL,
		 &c->ldap_request_timeout},
		{"ldap-max-request", 1024, 16u << 20, &c->ldap_max_request,
		 NULL},
		{"ldap-size-limit", 0, 10000000, NULL, &c->ldap_size_limit},
		{"ldap-time-limit", 0, 3600, NULL, &c->ldap_time_limit},
		{"ldap-max-photo", 0, 16u << 20, &c->ldap_max_photo, NULL},
		{"ldap-photo-size", 0, 2048, NULL, &c->ldap_photo_edge},
		{"ldap-store-connections", 1, 256, NULL, &c->ldap_stores},
		{"carddav-max-body", 4096, 1u << 30, &c->carddav_max_body,
		 NULL},
		{"stream-timeout", 1, 7 * 86400, NULL, &c->stream_timeout},
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (strcmp(key, nums[i].name) != 0)
			continue;
		ret = num(key, v, nums[i].min, nums[i].max, &n, err);
		if (ret == 0 && nums[i].sz != NULL)
			*nums[i].sz = (size_t)n;
		else if (ret == 0)
			*nums[i].u = (unsigned)n;
		return ret;
	}
	return ob_err_set(err, OB_E_INVAL, "unknown setting '%s'", key);
}

int srv_config_load(struct srv_config *c, const char *path, struct ob_err *err)
{
	struct ob_buf b;
	int ret;
	long line = 0;

	ob_buf_init(&b, 1u << 20);
	ret = ob_file_read(path, &b, err);
	if (ret != 0) {
		ob_buf_deinit(&b);
		return ret;
	}
	char *p = b.data != NULL ? b.data : (char *)"";
	while (ret == 0 && *p != '\0') {
		char *nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = '\0';
		line++;
		size_t len = strlen(p);
		char *hash = strchr(p, '#');
		if (hash != NULL)
			len = (size_t)(hash - p);
		const char *t = ob_str_trim(p, &len);
		if (len > 0) {
			char buf[2048];
			if (len >= sizeof(buf)) {
				ret = ob_err_set_at(err, OB_E_INVAL, line, 0,
						    "", "%s: line too long",
						    path);
				break;
			}
			memcpy(buf, t, len);
			buf[len] = '\0';
			char *eq = strchr(buf, '=');
			if (eq == NULL) {
				ret = ob_err_set_at(err, OB_E_INVAL, line, 0,
						    "",
						    "%s line %ld: expected "
						    "key = value",
						    path, line);
				break;
			}
			*eq = '\0';
			size_t kl = strlen(buf), vl = strlen(eq + 1);
			const char *k = ob_str_trim(buf, &kl);
			const char *v = ob_str_trim(eq + 1, &vl);
			((char *)k)[kl] = '\0';
			((char *)v)[vl] = '\0';
			ret = srv_config_set(c, k, v, err);
			if (ret != 0) {
				err->line = line;
				ob_err_prefix(err, "%s line %ld: ", path, line);
			}
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	ob_buf_deinit(&b);
	return ret;
}
