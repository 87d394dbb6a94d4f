/* make bench: vCard parse and write throughput on 100,000 generated
 * people (Chinese and Latin names, several phones and emails), one core,
 * plus the streaming export of 100,000 people per version and peak RSS
 * (getrusage) after each stage, to show memory stays flat while
 * streaming. Prints a table; asserts nothing. */
#include "config.h"

#include "vcard/vcard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define PEOPLE 100000

static const char *fam_cn[] = {"王", "李", "张", "刘",   "陈",
			       "杨", "黄", "赵", "欧阳", "周"};
static const char *giv_cn[] = {"伟", "芳", "娜", "秀英", "敏",
			       "静", "强", "磊", "建国", "晓明"};
static const char *pin_f[] = {"Wang", "Li",    "Zhang", "Liu",    "Chen",
			      "Yang", "Huang", "Zhao",  "Ouyang", "Zhou"};
static const char *pin_g[] = {"Wei",  "Fang",  "Na",  "Xiuying", "Min",
			      "Jing", "Qiang", "Lei", "Jianguo", "Xiaoming"};
static const char *fam_la[] = {"Smith",  "Müller",   "García", "Rossi",
			       "Dubois", "Kowalski", "Novák",  "O'Brien"};
static const char *giv_la[] = {"Anna",  "Jürgen", "María", "Luca",
			       "Chloé", "Piotr",  "Eva",   "Siobhan"};
static const char *units[] = {"销售部",  "研发中心", "Finance",
			      "Support", "市场部",   "Operations"};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long maxrss_mb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024;
}

/* Fill c with person i; strings live in the caller's scratch arrays. */
static void person(size_t i, struct vcard_contact *c, char uid[32],
		   char mail[2][64], char tel[3][32], struct vcard_phone ph[3],
		   const char *org[2])
{
	bool cn = i % 3 != 2;

	memset(c, 0, sizeof(*c));
	snprintf(uid, 32, "p-%08zu", i);
	c->uid = uid;
	if (cn) {
		c->family = fam_cn[i % 10];
		c->given = giv_cn[(i / 10) % 10];
		c->phonetic_family = pin_f[i % 10];
		c->phonetic_given = pin_g[(i / 10) % 10];
	} else {
		c->family = fam_la[i % 8];
		c->given = giv_la[(i / 8) % 8];
	}
	org[0] = "华东贸易有限公司";
	org[1] = units[i % 6];
	c->org = org;
	c->n_org = 2;
	c->title = cn ? "工程师" : "Engineer";
	snprintf(tel[0], 32, "+86 10 %04zu %04zu", i % 10000, (i * 7) % 10000);
	snprintf(tel[1], 32, "+86 138 %04zu %04zu", (i * 3) % 10000, i % 10000);
	snprintf(tel[2], 32, "+86 10 %04zu 9999", i % 10000);
	ph[0] = (struct vcard_phone){VCARD_PHONE_WORK, tel[0]};
	ph[1] = (struct vcard_phone){VCARD_PHONE_CELL, tel[1]};
	ph[2] = (struct vcard_phone){VCARD_PHONE_FAX, tel[2]};
	c->phones = ph;
	c->n_phones = i % 2 ? 3 : 2;
	snprintf(mail[0], 64, "user%zu@example.cn", i);
	snprintf(mail[1], 64, "u%zu.alt@mail.example.com", i);
	c->emails = (const char **)mail;
	c->n_emails = 1;
	c->rev = 1764012635 + (int64_t)i;
	c->categories = &org[1];
	c->n_categories = 1;
}

static int export(enum vcard_version v, char **all, size_t *all_len,
		  double *secs)
{
	struct vcard_contact_options opt = {.version = v};
	char buf[8192];
	size_t cap = 64 << 20, len = 0;
	char *out = all ? malloc(cap) : NULL;
	double t0 = now();

	for (size_t i = 0; i < PEOPLE; i++) {
		struct vcard_contact c;
		char uid[32], mail[2][64], tel[3][32];
		struct vcard_phone ph[3];
		const char *org[2];
		struct vcard_error err;
		size_t n;

		person(i, &c, uid, mail, tel, ph, org);
		c.emails = NULL;
		{
			const char *em[2] = {mail[0], mail[1]};
			c.emails = em;
			c.n_emails = 1 + i % 2;
			if (vcard_contact_write(&c, &opt, buf, sizeof(buf), &n,
						&err) < 0) {
				fprintf(stderr, "export: %s\n", err.msg);
				free(out);
				return -1;
			}
		}
		if (out != NULL && len + n <= cap)
			memcpy(out + len, buf, n);
		len += n;
	}
	*secs = now() - t0;
	if (all != NULL)
		*all = out;
	*all_len = len;
	return 0;
}

int main(void)
{
	static const enum vcard_version vs[] = {VCARD_V21, VCARD_V30,
						VCARD_V40};
	static const char *names[] = {"2.1", "3.0", "4.0"};

	printf("%-34s %10s %10s %10s %8s\n", "stage (100,000 people)", "MB",
	       "seconds", "MB/s", "maxRSS");
	for (int k = 0; k < 3; k++) {
		char *text = NULL;
		size_t len = 0;
		double secs;
		struct vcard_parser *p;
		struct vcard *card;
		struct vcard_error err;
		size_t ok = 0, wbytes = 0;
		char line[64];
		char *wbuf = malloc(1 << 16);

		if (export(vs[k], &text, &len, &secs) < 0 || text == NULL)
			return 1;
		snprintf(line, sizeof(line), "export vCard %s (streamed)",
			 names[k]);
		printf("%-34s %10.1f %10.3f %10.1f %7ldM\n", line, len / 1e6,
		       secs, len / 1e6 / secs, maxrss_mb());

		double t0 = now();
		vcard_parser_new(text, len, NULL, &p);
		while (vcard_parser_next(p, &card, &err) == 1) {
			ok++;
			vcard_free(&card);
		}
		vcard_parser_free(&p);
		secs = now() - t0;
		snprintf(line, sizeof(line), "parse %s (%zu cards)", names[k],
			 ok);
		printf("%-34s %10.1f %10.3f %10.1f %7ldM\n", line, len / 1e6,
		       secs, len / 1e6 / secs, maxrss_mb());

		/* write: parse once per card, time only vcard_write_buf */
		vcard_parser_new(text, len, NULL, &p);
		secs = 0;
		while (vcard_parser_next(p, &card, &err) == 1) {
			size_t n;

			t0 = now();
			for (int r = 0; r < 4; r++)
				vcard_write_buf(card, vs[k], wbuf, 1 << 16, &n,
						&err);
			secs += now() - t0;
			wbytes += 4 * n;
			vcard_free(&card);
		}
		vcard_parser_free(&p);
		snprintf(line, sizeof(line), "write %s (model to text)",
			 names[k]);
		printf("%-34s %10.1f %10.3f %10.1f %7ldM\n", line, wbytes / 1e6,
		       secs, wbytes / 1e6 / secs, maxrss_mb());
		free(wbuf);
		free(text);
	}
	return 0;
}
