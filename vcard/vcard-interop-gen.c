/* Test helper for tests/interop/vobject-check.py: writes a few directory
 * people as vCards of one version (through vcard_contact_to_card and
 * vcard_write) and the same people as JSON, so an independent parser can
 * check that every field survives.
 *   vcard-interop-gen 21|30|40 CARDS.vcf EXPECTED.json [short|long-qp]
 * "short" keeps 2.1 values short enough for one QP line each; "long-qp"
 * writes one card whose 2.1 value needs QP soft line breaks. */
#include "config.h"

#include "vcard/vcard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char photo[300];

static const char *org1[] = {"华东贸易有限公司", "销售部", "华南组"};
static const char *org2[] = {"Contoso, Ltd.", "Finance; Controlling"};
static const char *org3[] = {"ООО «Северная звезда»"};
static const char *org_short[] = {"Acme", "Sales"};
static const char *em1[] = {"wang.fang@example.cn", "wf@example.com"};
static const char *em2[] = {"siobhan.obrien@contoso.example"};
static const char *cat1[] = {"销售部", "华南组"};
static const char *cat2[] = {"Finance"};
static const struct vcard_phone ph1[] = {
	{VCARD_PHONE_WORK, "+86 10 6234 5678"},
	{VCARD_PHONE_CELL, "+86 138 0013 8000"},
	{VCARD_PHONE_FAX, "+86 10 6234 5679"},
	{VCARD_PHONE_HOME, "+86 10 8888 0000"},
};
static const struct vcard_phone ph2[] = {
	{VCARD_PHONE_CELL, "(425) 555-0199"},
};

static void json_str(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_list(FILE *f, const char **v, size_t n)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			fputc(',', f);
		json_str(f, v[i]);
	}
	fputc(']', f);
}

static void json_person(FILE *f, const struct vcard_contact *c, bool photo_on)
{
	static const char *types[] = {"work", "cell", "home", "fax", "other"};

	fputs("{\"uid\":", f);
	json_str(f, c->uid);
	fputs(",\"family\":", f);
	json_str(f, c->family);
	fputs(",\"given\":", f);
	json_str(f, c->given);
	fputs(",\"phonetic_family\":", f);
	json_str(f, c->phonetic_family);
	fputs(",\"phonetic_given\":", f);
	json_str(f, c->phonetic_given);
	fputs(",\"org\":", f);
	json_list(f, c->org, c->n_org);
	fputs(",\"title\":", f);
	json_str(f, c->title);
	fputs(",\"phones\":[", f);
	for (size_t i = 0; i < c->n_phones; i++) {
		fprintf(f, "%s[\"%s\",", i ? "," : "",
			types[c->phones[i].type]);
		json_str(f, c->phones[i].number);
		fputc(']', f);
	}
	fputs("],\"emails\":", f);
	json_list(f, c->emails, c->n_emails);
	fputs(",\"adr\":[", f);
	{
		const char *a[7] = {c->adr.pobox,  c->adr.extended,
				    c->adr.street, c->adr.locality,
				    c->adr.region, c->adr.postcode,
				    c->adr.country};
		for (int i = 0; i < 7; i++) {
			if (i > 0)
				fputc(',', f);
			json_str(f, a[i] ? a[i] : "");
		}
	}
	fputs("],\"note\":", f);
	json_str(f, c->note);
	fprintf(f, ",\"photo_len\":%zu,\"rev\":%lld,\"categories\":",
		photo_on ? c->photo_len : (size_t)0, (long long)c->rev);
	json_list(f, c->categories, c->n_categories);
	fputs("}", f);
}

int main(int argc, char **argv)
{
	struct vcard_contact people[3] = {
		{.uid = "p-000001",
		 .family = "王",
		 .given = "芳",
		 .phonetic_family = "Wang",
		 .phonetic_given = "Fang",
		 .org = org1,
		 .n_org = 3,
		 .title = "经理",
		 .phones = ph1,
		 .n_phones = 4,
		 .emails = em1,
		 .n_emails = 2,
		 .adr = {.street = "中山东一路 18 号",
			 .locality = "上海",
			 .region = "上海市",
			 .postcode = "200002",
			 .country = "中国"},
		 .note = "第一行\n第二行; with, punctuation \\ and a long "
			 "tail that has to be folded over several lines",
		 .photo = photo,
		 .photo_len = sizeof(photo),
		 .rev = 1764012635,
		 .categories = cat1,
		 .n_categories = 2},
		{.uid = "p-000002",
		 .family = "O'Brien",
		 .given = "Siobhan",
		 .org = org2,
		 .n_org = 2,
		 .title = "Controller",
		 .phones = ph2,
		 .n_phones = 1,
		 .emails = em2,
		 .n_emails = 1,
		 .rev = 1700000000,
		 .categories = cat2,
		 .n_categories = 1},
		{.uid = "p-000003",
		 .family = "Викторова",
		 .given = "Виктория",
		 .org = org3,
		 .n_org = 1,
		 .note = "Москва"},
	};
	struct vcard_contact_options opt = {.include_photo = true};
	bool is_short = argc > 4 && strcmp(argv[4], "short") == 0;
	bool long_qp = argc > 4 && strcmp(argv[4], "long-qp") == 0;
	FILE *cards, *exp;
	size_t n = 3;

	if (argc < 4)
		return 2;
	for (size_t i = 0; i < sizeof(photo); i++)
		photo[i] = (unsigned char)(i * 37 + 11);
	opt.version = (enum vcard_version)atoi(argv[1]);
	if (is_short) {
		/* 2.1 without QP soft breaks: every QP line fits 75 octets */
		people[0].org = org_short;
		people[0].n_org = 2;
		people[0].title = "Manager";
		people[0].note = "Zeile 1\nZeile 2";
		people[0].adr = (struct vcard_address){.street = "1 Main St",
						       .locality = "Shanghai",
						       .postcode = "200002",
						       .country = "China"};
		people[0].categories = cat2;
		people[0].n_categories = 1;
		people[2].family = "Ли";
		people[2].given = "Ян";
		people[2].org = org_short;
		people[2].n_org = 1;
		people[2].note = "Мир";
	}
	if (long_qp) {
		people[0].note = "这是一段很长的备注，需要多行软换行才能写下";
		n = 1;
	}
	cards = fopen(argv[2], "wb");
	exp = fopen(argv[3], "wb");
	if (cards == NULL || exp == NULL)
		return 2;
	fputs("[", exp);
	for (size_t i = 0; i < n; i++) {
		struct vcard *card;
		struct vcard_error err;
		char *text;
		size_t len;

		if (vcard_contact_to_card(&people[i], &opt, &card, &err) < 0 ||
		    vcard_write(card, opt.version, &text, &len, &err) < 0) {
			fprintf(stderr, "vcard-interop-gen: %s\n", err.msg);
			return 1;
		}
		fwrite(text, 1, len, cards);
		free(text);
		vcard_free(&card);
		if (i > 0)
			fputc(',', exp);
		json_person(exp, &people[i], true);
	}
	fputs("]\n", exp);
	fclose(cards);
	fclose(exp);
	return 0;
}
