/* Benchmark: orgbook-agent end to end over loopback (make bench).
 *
 * A generated directory is served by the real orgbook-server; the real
 * orgbook-agent binary syncs it, its CPU and peak RSS taken from wait4().
 *   1. first (slow) sync of 100,000 people: wall, bytes, agent CPU, RSS;
 *   2. a fast sync with 10 changes;
 *   3. search latency over 1,000 queries (names, pinyin, initials, phone
 *      digits) and caller-ID lookups, p50 and p99, on the synced store.
 * Prints a table; asserts nothing about time. Needs ORGBOOK_SERVER and
 * ORGBOOK_AGENT (defaults: ./server/orgbook-server,
 * ./agent/orgbook-agent). */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/store.h"
#include "bench/benchlib.h"
#include "util/str.h"

struct run {
	double wall, cpu;
	long rss_kb;
	char out[512];
	int status;
};

/* Run the agent with args, feeding stdin_text; capture its first line. */
static void agent(const char *dir, const char *const *args,
		  const char *stdin_text, struct run *r)
{
	const char *bin = getenv("ORGBOOK_AGENT");
	int in[2], out[2];
	struct rusage ru;
	char *argv[16];
	int n = 0;

	argv[n++] = (char *)"orgbook-agent";
	argv[n++] = (char *)"--dir";
	argv[n++] = (char *)dir;
	for (int i = 0; args[i] != NULL && n < 15; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	if (pipe(in) != 0 || pipe(out) != 0)
		exit(1);
	uint64_t t0 = ob_now_us();
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execv(bin ? bin : "./agent/orgbook-agent", argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (stdin_text != NULL &&
	    write(in[1], stdin_text, strlen(stdin_text)) < 0)
		perror("write");
	close(in[1]);
	ssize_t got = read(out[0], r->out, sizeof(r->out) - 1);
	r->out[got > 0 ? got : 0] = '\0';
	char sink[4096];
	while (read(out[0], sink, sizeof(sink)) > 0)
		;
	close(out[0]);
	wait4(pid, &r->status, 0, &ru);
	r->wall = (double)(ob_now_us() - t0) / 1e6;
	r->cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		 (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	r->rss_kb = ru.ru_maxrss;
	r->out[strcspn(r->out, "\n")] = '\0';
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int count_hit(const struct agent_person *p, void *ctx)
{
	(void)p;
	(*(int *)ctx)++;
	return 0;
}

static void latency(struct agent_store *s, bool numbers, const char *what)
{
	static const char *const q[] = {"王伟",  "李", "张娜",   "wang",
					"liwei", "zn", "Müller", "Anna",
					"chen",  "yl", "zha",    "Smi"};
	double t[1000];
	int hits = 0;
	struct ob_err err;

	for (int i = 0; i < 1000; i++) {
		char num[32];
		uint64_t t0 = ob_now_us();
		if (numbers) {
			unsigned r = (unsigned)(i * 7919) * 2654435761u;
			snprintf(num, sizeof(num), "+86 138 %04u %04u",
				 (r >> 9) % 10000, (r >> 2) % 10000);
			agent_store_lookup_number(s, num, count_hit, &hits,
						  &err);
		} else {
			agent_store_search(s, q[i % 12], 20, count_hit, &hits,
					   &err);
		}
		t[i] = (double)(ob_now_us() - t0) / 1000.0;
	}
	qsort(t, 1000, sizeof(t[0]), cmp_double);
	printf("%-40s p50 %.3f ms  p99 %.3f ms  (%d hits)\n", what, t[500],
	       t[990], hits);
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/orgbook-bench-agent-XXXXXX", db[300], adir[300];
	int people = argc > 1 ? atoi(argv[1]) : 100000;
	int64_t t;
	struct run r;

	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL)
		return 1;
	bench_db(db, sizeof(db), dir, "server");
	snprintf(adir, sizeof(adir), "%s/agent", dir);
	struct dstore *s = bench_make_store(db, people, &t);
	bench_start_server(db, dir);
	printf("orgbook-agent against orgbook-server over loopback, %d "
	       "people\n",
	       people);
	const char *init[] = {"init",   "--server", bench_url,
			      "--user", BENCH_USER, "--password-stdin",
			      NULL};
	agent(adir, init, BENCH_PASSWORD "\n", &r);
	const char *sync[] = {"sync", NULL};
	agent(adir, sync, NULL, &r);
	printf("%-40s %.2f s wall, agent %.2f s CPU, %ld MB RSS\n  %s\n",
	       "first (slow) sync", r.wall, r.cpu, r.rss_kb / 1024, r.out);
	bench_change_ten(s, t, people, 1);
	agent(adir, sync, NULL, &r);
	printf("%-40s %.1f ms wall, agent %.1f ms CPU\n  %s\n",
	       "fast sync, 10 changes", r.wall * 1000, r.cpu * 1000, r.out);
	bench_stop_server();
	dstore_close(&s);
	char path[400];
	struct agent_store *as = NULL;
	struct ob_err err;
	snprintf(path, sizeof(path), "%s/directory.db", adir);
	if (agent_store_open(path, &as, &err) == 0) {
		latency(as, false, "search (names, pinyin, initials)");
		latency(as, true, "caller ID lookup");
		agent_store_close(&as);
	}
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
