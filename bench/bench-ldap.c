/* Benchmark client: LDAP searches as desk phones send them, from many
 * connections at once, against any LDAPv3 server (make bench-ldap runs it
 * against orgbook-server and slapd on the same data: bench/bench-ldap.sh).
 *
 *   bench-ldap --port N --accounts FILE --base DN --kind name|number
 *              [--clients C] [--searches S] [--size L] [--pinyin]
 *              [--numbers FILE] [--pid PID] [--host 127.0.0.1]
 *
 * Each of the C clients (threads) opens its own TCP connection, binds
 * (simple) as its own account (line i of FILE: "DN<TAB>password"), waits
 * for all the others, then sends S searches one after the other, each
 * read to its SearchResultDone:
 *   name    (|(cn=zh*)(sn=zh*)) with sizeLimit L (default 50), attributes
 *           cn, telephoneNumber, mobile; --pinyin adds (orgbookPinyin=zh*)
 *           to the OR, the same hits on a server without pinyin matching
 *   number  (|(telephoneNumber=X)(mobile=X)(homePhone=X)), X the lines of
 *           --numbers in turn (an incoming call's caller id), cn only
 * Prints one line: "p50_ms p99_ms searches_per_s server_cpu_us_per_search
 * entries_per_search errors", latency from send to SearchResultDone, the
 * server's CPU (utime + stime of --pid from /proc, all its threads) over
 * the search phase only (after every bind). sizeLimitExceeded counts as
 * success. The BER here is the few shapes above, encoded by hand, and a
 * reader of LDAPMessage frames; it is a benchmark's client, not a codec
 * of the product. Never: TLS, referrals, retries. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG_MAX (1u << 20)

struct ber {
	unsigned char b[8192];
	size_t n;
};

static const char *opt_host = "127.0.0.1", *opt_base, *opt_kind = "name";
static int opt_port, opt_clients = 1, opt_searches = 1000, opt_size = 50;
static bool opt_pinyin;
static long opt_pid;
static char **accounts, **numbers;
static size_t n_accounts, n_numbers;
static pthread_barrier_t ready, go;

struct client {
	int idx;
	double *lat_ms;
	long entries, errors;
};

/* ---- BER, the few shapes the benchmark sends ------------------------- */

static void put_len(struct ber *e, size_t len)
{
	if (len < 128) {
		e->b[e->n++] = (unsigned char)len;
	} else if (len < 256) {
		e->b[e->n++] = 0x81;
		e->b[e->n++] = (unsigned char)len;
	} else {
		e->b[e->n++] = 0x82;
		e->b[e->n++] = (unsigned char)(len >> 8);
		e->b[e->n++] = (unsigned char)len;
	}
}

/* tag, then what is in inner */
static void put_tlv(struct ber *e, unsigned char tag, const void *v, size_t len)
{
	if (e->n + len + 4 > sizeof(e->b)) {
		fprintf(stderr, "bench-ldap: request too large\n");
		exit(1);
	}
	e->b[e->n++] = tag;
	put_len(e, len);
	memcpy(e->b + e->n, v, len);
	e->n += len;
}

static void put_str(struct ber *e, unsigned char tag, const char *s)
{
	put_tlv(e, tag, s, strlen(s));
}

static void put_int(struct ber *e, unsigned char tag, long v)
{
	unsigned char x[5];
	size_t n = 0;

	/* big-endian, shortest two's complement; v >= 0 here */
	x[n++] = (unsigned char)(v >> 24);
	x[n++] = (unsigned char)(v >> 16);
	x[n++] = (unsigned char)(v >> 8);
	x[n++] = (unsigned char)v;
	size_t skip = 0;
	while (skip < 3 && x[skip] == 0 && !(x[skip + 1] & 0x80))
		skip++;
	put_tlv(e, tag, x + skip, n - skip);
}

static void wrap(struct ber *out, unsigned char tag, const struct ber *in)
{
	put_tlv(out, tag, in->b, in->n);
}

/* an LDAPMessage of message id id around the protocol op op */
static void message(struct ber *out, int id, const struct ber *op)
{
	struct ber m = {.n = 0};

	put_int(&m, 0x02, id);
	memcpy(m.b + m.n, op->b, op->n);
	m.n += op->n;
	out->n = 0;
	wrap(out, 0x30, &m);
}

static void bind_request(struct ber *out, int id, const char *dn,
			 const char *pw)
{
	struct ber b = {.n = 0}, op = {.n = 0};

	put_int(&b, 0x02, 3);
	put_str(&b, 0x04, dn);
	put_str(&b, 0x80, pw);
	wrap(&op, 0x60, &b);
	message(out, id, &op);
}

/* (attr=prefix*) */
static void put_prefix(struct ber *f, const char *attr, const char *prefix)
{
	struct ber s = {.n = 0}, subs = {.n = 0}, in = {.n = 0};

	put_str(&s, 0x80, prefix);
	put_str(&in, 0x04, attr);
	wrap(&in, 0x30, &s);
	wrap(&subs, 0xA4, &in);
	memcpy(f->b + f->n, subs.b, subs.n);
	f->n += subs.n;
}

/* (attr=value) */
static void put_eq(struct ber *f, const char *attr, const char *value)
{
	struct ber in = {.n = 0};

	put_str(&in, 0x04, attr);
	put_str(&in, 0x04, value);
	wrap(f, 0xA3, &in);
}

static void search_request(struct ber *out, int id, const char *number)
{
	struct ber s = {.n = 0}, alts = {.n = 0}, attrs = {.n = 0},
		   op = {.n = 0};
	bool name = number == NULL;

	put_str(&s, 0x04, opt_base);
	put_int(&s, 0x0A, 2); /* wholeSubtree */
	put_int(&s, 0x0A, 0); /* neverDerefAliases */
	put_int(&s, 0x02, name ? opt_size : 0);
	put_int(&s, 0x02, 0);
	put_tlv(&s, 0x01, "\0", 1);
	if (name) {
		put_prefix(&alts, "cn", "zh");
		put_prefix(&alts, "sn", "zh");
		if (opt_pinyin)
			put_prefix(&alts, "orgbookPinyin", "zh");
	} else {
		put_eq(&alts, "telephoneNumber", number);
		put_eq(&alts, "mobile", number);
		put_eq(&alts, "homePhone", number);
	}
	wrap(&s, 0xA1, &alts);
	put_str(&attrs, 0x04, "cn");
	if (name) {
		put_str(&attrs, 0x04, "telephoneNumber");
		put_str(&attrs, 0x04, "mobile");
	}
	wrap(&s, 0x30, &attrs);
	wrap(&op, 0x63, &s);
	message(out, id, &op);
}

/* ---- reading responses ------------------------------------------------ */

struct conn {
	int fd;
	unsigned char *buf;
	size_t have, off;
};

static int fill(struct conn *c)
{
	if (c->off > 0) {
		memmove(c->buf, c->buf + c->off, c->have - c->off);
		c->have -= c->off;
		c->off = 0;
	}
	if (c->have == MSG_MAX)
		return -1;
	ssize_t r = recv(c->fd, c->buf + c->have, MSG_MAX - c->have, 0);
	if (r <= 0)
		return -1;
	c->have += (size_t)r;
	return 0;
}

/* A length at p (avail bytes): its value into *len_r, its size returned;
 * 0 when more bytes are needed, -1 when it is not one we read. */
static int get_len(const unsigned char *p, size_t avail, size_t *len_r)
{
	if (avail < 1)
		return 0;
	if (p[0] < 0x80) {
		*len_r = p[0];
		return 1;
	}
	int k = p[0] & 0x7f;
	if (k < 1 || k > 4)
		return -1;
	if (avail < (size_t)k + 1)
		return 0;
	size_t len = 0;
	for (int i = 1; i <= k; i++)
		len = len << 8 | p[i];
	*len_r = len;
	return k + 1;
}

/* The next LDAPMessage: its protocol op's tag and, for a result, its
 * resultCode. -1 on a broken connection or frame. */
static int next_message(struct conn *c, int *tag_r, int *code_r)
{
	for (;;) {
		unsigned char *p = c->buf + c->off;
		size_t avail = c->have - c->off, len = 0;
		if (avail >= 2) {
			if (p[0] != 0x30)
				return -1;
			int k = get_len(p + 1, avail - 1, &len);
			if (k < 0 || len > MSG_MAX - 8)
				return -1;
			if (k > 0 && avail >= 1 + (size_t)k + len) {
				unsigned char *q = p + 1 + k, *end = q + len;
				size_t l2 = 0;
				/* messageID */
				if (q + 2 > end || q[0] != 0x02)
					return -1;
				int k2 = get_len(q + 1, (size_t)(end - q - 1),
						 &l2);
				if (k2 <= 0)
					return -1;
				q += 1 + k2 + l2;
				if (q + 2 > end)
					return -1;
				*tag_r = q[0];
				*code_r = -1;
				k2 = get_len(q + 1, (size_t)(end - q - 1), &l2);
				if (k2 > 0 && q + 1 + k2 + 3 <= end &&
				    q[1 + k2] == 0x0A)
					*code_r = q[1 + k2 + 2];
				c->off += 1 + (size_t)k + len;
				return 0;
			}
		}
		if (fill(c) != 0)
			return -1;
	}
}

static int send_all(int fd, const struct ber *m)
{
	size_t off = 0;

	while (off < m->n) {
		ssize_t w = send(fd, m->b + off, m->n - off, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- a client ---------------------------------------------------------- */

static int dial(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)opt_port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	inet_pton(AF_INET, opt_host, &a.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void *client_main(void *arg)
{
	struct client *cl = arg;
	struct conn c = {.fd = dial(), .buf = malloc(MSG_MAX)};
	struct ber m;
	int tag = 0, code = -1, id = 1;
	bool up = c.fd >= 0 && c.buf != NULL;

	if (up) {
		char *line = accounts[(size_t)cl->idx % n_accounts];
		char *tab = strchr(line, '\t');
		*tab = '\0';
		bind_request(&m, id++, line, tab + 1);
		*tab = '\t';
		up = send_all(c.fd, &m) == 0 &&
		     next_message(&c, &tag, &code) == 0 && tag == 0x61 &&
		     code == 0;
		if (!up)
			fprintf(stderr,
				"bench-ldap: client %d: bind failed "
				"(%d)\n",
				cl->idx, code);
	}
	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&go);
	for (int i = 0; i < opt_searches; i++) {
		cl->lat_ms[i] = -1;
		if (!up) {
			cl->errors++;
			continue;
		}
		const char *num = NULL;
		if (strcmp(opt_kind, "number") == 0)
			num = numbers[((size_t)cl->idx * 7919 + (size_t)i) %
				      n_numbers];
		search_request(&m, id++, num);
		double t0 = now_ms();
		if (send_all(c.fd, &m) != 0) {
			up = false;
			cl->errors++;
			continue;
		}
		for (;;) {
			if (next_message(&c, &tag, &code) != 0) {
				up = false;
				break;
			}
			if (tag == 0x64)
				cl->entries++;
			else if (tag == 0x65)
				break;
		}
		if (!up || (code != 0 && code != 4)) {
			cl->errors++;
			continue;
		}
		cl->lat_ms[i] = now_ms() - t0;
	}
	if (c.fd >= 0) {
		/* unbind: [APPLICATION 2] NULL */
		struct ber op = {.n = 0};
		put_tlv(&op, 0x42, "", 0);
		message(&m, id, &op);
		(void)send_all(c.fd, &m);
		close(c.fd);
	}
	free(c.buf);
	return NULL;
}

/* ---- main -------------------------------------------------------------- */

static char **read_lines(const char *path, size_t *n_r)
{
	FILE *f = fopen(path, "r");
	char line[1024], **v = NULL;
	size_t n = 0;

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		char **nv = realloc(v, (n + 1) * sizeof(*v));
		if (nv == NULL)
			exit(1);
		v = nv;
		v[n++] = strdup(line);
	}
	fclose(f);
	*n_r = n;
	return v;
}

/* utime + stime of the process, seconds */
static double pid_cpu(long pid)
{
	char path[64], buf[2048];
	FILE *f;
	size_t n;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	unsigned long ut = 0, st = 0;
	/* fields after the name: state is 3; utime 14, stime 15 */
	if (p == NULL || sscanf(p + 2,
				"%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
				"%lu %lu",
				&ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench-ldap --port N --accounts FILE --base DN "
		"--kind name|number [--clients C] [--searches S] [--size L] "
		"[--pinyin] [--numbers FILE] [--pid PID] [--host ADDR]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *acc = NULL, *nums = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--pinyin") == 0) {
			opt_pinyin = true;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--port") == 0)
			opt_port = atoi(v);
		else if (strcmp(a, "--host") == 0)
			opt_host = v;
		else if (strcmp(a, "--accounts") == 0)
			acc = v;
		else if (strcmp(a, "--base") == 0)
			opt_base = v;
		else if (strcmp(a, "--kind") == 0)
			opt_kind = v;
		else if (strcmp(a, "--clients") == 0)
			opt_clients = atoi(v);
		else if (strcmp(a, "--searches") == 0)
			opt_searches = atoi(v);
		else if (strcmp(a, "--size") == 0)
			opt_size = atoi(v);
		else if (strcmp(a, "--numbers") == 0)
			nums = v;
		else if (strcmp(a, "--pid") == 0)
			opt_pid = atol(v);
		else
			usage();
	}
	if (opt_port <= 0 || acc == NULL || opt_base == NULL ||
	    opt_clients < 1 || opt_searches < 1 ||
	    (strcmp(opt_kind, "name") != 0 &&
	     strcmp(opt_kind, "number") != 0) ||
	    (strcmp(opt_kind, "number") == 0 && nums == NULL))
		usage();
	accounts = read_lines(acc, &n_accounts);
	if (n_accounts == 0)
		usage();
	for (size_t i = 0; i < n_accounts; i++)
		if (strchr(accounts[i], '\t') == NULL)
			usage();
	if (nums != NULL && (numbers = read_lines(nums, &n_numbers)) == NULL)
		usage();

	struct client *cl = calloc((size_t)opt_clients, sizeof(*cl));
	pthread_t *th = calloc((size_t)opt_clients, sizeof(*th));
	if (cl == NULL || th == NULL)
		return 1;
	pthread_barrier_init(&ready, NULL, (unsigned)opt_clients + 1);
	pthread_barrier_init(&go, NULL, (unsigned)opt_clients + 1);
	for (int i = 0; i < opt_clients; i++) {
		cl[i].idx = i;
		cl[i].lat_ms = calloc((size_t)opt_searches, sizeof(double));
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setstacksize(&at, 256 * 1024);
		if (cl[i].lat_ms == NULL ||
		    pthread_create(&th[i], &at, client_main, &cl[i]) != 0) {
			fprintf(stderr, "bench-ldap: cannot start client %d\n",
				i);
			return 1;
		}
		pthread_attr_destroy(&at);
	}
	pthread_barrier_wait(&ready);
	double cpu0 = pid_cpu(opt_pid), t0 = now_ms();
	pthread_barrier_wait(&go);
	for (int i = 0; i < opt_clients; i++)
		pthread_join(th[i], NULL);
	double wall = now_ms() - t0, cpu = pid_cpu(opt_pid) - cpu0;

	size_t total = (size_t)opt_clients * (size_t)opt_searches, n = 0;
	double *all = malloc(total * sizeof(double));
	long entries = 0, errors = 0;
	if (all == NULL)
		return 1;
	for (int i = 0; i < opt_clients; i++) {
		for (int j = 0; j < opt_searches; j++)
			if (cl[i].lat_ms[j] >= 0)
				all[n++] = cl[i].lat_ms[j];
		entries += cl[i].entries;
		errors += cl[i].errors;
		free(cl[i].lat_ms);
	}
	if (n == 0) {
		printf("- - - - - %ld\n", errors);
		return 1;
	}
	qsort(all, n, sizeof(double), cmp_double);
	printf("%.3f %.3f %.0f %.1f %.1f %ld\n", all[n / 2],
	       all[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1],
	       (double)n / (wall / 1e3), cpu * 1e6 / (double)n,
	       (double)entries / (double)n, errors);
	free(all);
	free(cl);
	free(th);
	for (size_t i = 0; i < n_accounts; i++)
		free(accounts[i]);
	free(accounts);
	for (size_t i = 0; i < n_numbers; i++)
		free(numbers[i]);
	free(numbers);
	return errors ? 1 : 0;
}
