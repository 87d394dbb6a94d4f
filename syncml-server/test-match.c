/* The slow sync's matching keys (match.h): what makes two sides one
 * person, and, as much, what never does. */
#include "config.h"
#include "syncml-server/match.h"

#include <string.h>

#include "tests/lib/test.h"

/* A card side: display, family, given, up to two phones and e-mails. */
static void card(struct srv_match_key *k, const char *fn, const char *family,
		 const char *given, const char *tel, const char *mail)
{
	struct vcard_contact ct;
	struct vcard_phone ph[1];
	const char *mails[1];

	memset(&ct, 0, sizeof(ct));
	memset(ph, 0, sizeof(ph));
	ct.display = fn;
	ct.family = family;
	ct.given = given;
	if (tel != NULL) {
		ph[0].number = tel;
		ct.phones = ph;
		ct.n_phones = 1;
	}
	if (mail != NULL) {
		mails[0] = mail;
		ct.emails = mails;
		ct.n_emails = 1;
	}
	srv_match_key_card(&ct, k);
}

static void person(struct srv_match_key *k, const char *display,
		   const char *family, const char *given, const char *tel,
		   const char *mail)
{
	struct dstore_person p;
	struct dstore_phone ph = {"work", (char *)tel};
	char *m = (char *)mail;

	memset(&p, 0, sizeof(p));
	p.display = (char *)display;
	p.family = (char *)family;
	p.given = (char *)given;
	if (tel != NULL) {
		p.phones = &ph;
		p.n_phones = 1;
	}
	if (mail != NULL) {
		p.emails = &m;
		p.n_emails = 1;
	}
	srv_match_key_person(&p, k);
}

int main(void)
{
	struct srv_match_key a, b;

	test_begin("names: spaces, tabs, U+3000 and ASCII case are one key; "
		   "N in either order stands for FN");
	person(&b, "张伟", "张", "伟", "+86 139 0000 0001", NULL);
	card(&a, "张 伟", NULL, NULL, "+86 139 0000 0001", NULL);
	test_assert(srv_match_content(&a, &b));
	card(&a, "张\xe3\x80\x80伟", NULL, NULL, "+86 139 0000 0001", NULL);
	test_assert(srv_match_content(&a, &b));
	card(&a, NULL, "张", "伟", "+86 139 0000 0001", NULL);
	test_assert(srv_match_content(&a, &b));
	person(&b, "Anna Li", "Li", "Anna", NULL, "anna@example.com");
	card(&a, "ANNA\tLI", NULL, NULL, NULL, "Anna@Example.COM");
	test_assert(srv_match_content(&a, &b));
	card(&a, NULL, "Li", "Anna", NULL, "anna@example.com");
	test_assert(srv_match_content(&a, &b)); /* given+family */
	card(&a, "Anna Lin", NULL, NULL, NULL, "anna@example.com");
	test_assert(!srv_match_content(&a, &b));
	test_end();

	test_begin("contacts: phone digits, a dropped country code or trunk "
		   "prefix; a name alone is no match when either side has "
		   "contacts");
	person(&b, "王芳", NULL, NULL, "+86 21 6596 0950", NULL);
	card(&a, "王芳", NULL, NULL, "021-6596-0950", NULL);
	test_assert(srv_match_content(&a, &b));
	card(&a, "王芳", NULL, NULL, "6596 0950", NULL);
	test_assert(srv_match_content(&a, &b)); /* 8 digits, a suffix */
	card(&a, "王芳", NULL, NULL, "0950", NULL);
	test_assert(!srv_match_content(&a, &b)); /* too short to say */
	card(&a, "王芳", NULL, NULL, "+86 21 6596 0951", NULL);
	test_assert(!srv_match_content(&a, &b));
	card(&a, "王芳", NULL, NULL, NULL, NULL);
	test_assert(!srv_match_content(&a, &b));
	person(&b, "王芳", NULL, NULL, NULL, NULL);
	test_assert(srv_match_content(&a, &b)); /* neither has any */
	card(&a, "王芳", NULL, NULL, NULL, "fang@example.com");
	test_assert(!srv_match_content(&a, &b));
	card(&a, NULL, NULL, NULL, NULL, NULL);
	person(&b, "", NULL, NULL, NULL, NULL);
	test_assert(!srv_match_content(&a, &b)); /* empty is no name */
	test_end();

	test_begin("a LUID of ours still is its person: a name or a contact "
		   "in common, never neither");
	person(&b, "赵敏", "赵", "敏", "+86 139 1111 2222", "min@example.com");
	card(&a, "赵敏 (old)", NULL, NULL, "13911112222", NULL);
	test_assert(srv_match_still(&a, &b)); /* renamed since: the phone */
	card(&a, "赵敏", NULL, NULL, NULL, NULL);
	test_assert(srv_match_still(&a, &b));
	card(&a, "My Dentist", "Dentist", "My", "+49 30 1234567", NULL);
	test_assert(!srv_match_still(&a, &b));
	test_end();
	return test_done();
}
