/* Matching keys of cards and people (see match.h). */
#include "config.h"
#include "syncml-server/match.h"

#include <string.h>

/* The name key of a+b into out (see match.h); false when empty or when it
 * does not fit. */
static bool name_key(const char *a, const char *b, char *out, size_t size)
{
	const char *parts[2] = {a, b};
	size_t n = 0;

	for (int i = 0; i < 2; i++) {
		const unsigned char *q = (const unsigned char *)parts[i];
		if (q == NULL)
			continue;
		for (; *q != '\0'; q++) {
			if (*q == ' ' || *q == '\t')
				continue;
			if (q[0] == 0xE3 && q[1] == 0x80 && q[2] == 0x80) {
				q += 2; /* U+3000 */
				continue;
			}
			if (n + 1 >= size)
				return false;
			out[n++] =
				(char)(*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
		}
	}
	out[n] = '\0';
	return n > 0;
}

static void add_name(struct srv_match_key *k, const char *a, const char *b)
{
	char key[SRV_MATCH_LEN];

	if (k->n_names >= SRV_MATCH_NAMES || !name_key(a, b, key, sizeof(key)))
		return;
	for (size_t i = 0; i < k->n_names; i++)
		if (strcmp(k->names[i], key) == 0)
			return;
	memcpy(k->names[k->n_names++], key, strlen(key) + 1);
}

static void add_contact(struct srv_match_key *k, bool phone, const char *v)
{
	char key[SRV_MATCH_LEN];
	size_t n = 2;

	if (v == NULL || k->n_contacts >= SRV_MATCH_CONTACTS)
		return;
	key[0] = phone ? 't' : 'e';
	key[1] = ':';
	for (const unsigned char *q = (const unsigned char *)v; *q != '\0';
	     q++) {
		if (phone ? (*q < '0' || *q > '9') : (*q == ' ' || *q == '\t'))
			continue;
		if (n + 1 >= sizeof(key))
			return;
		key[n++] = (char)(*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
	}
	if (n == 2)
		return;
	key[n] = '\0';
	memcpy(k->contacts[k->n_contacts++], key, n + 1);
}

void srv_match_key_card(const struct vcard_contact *ct, struct srv_match_key *k)
{
	memset(k, 0, sizeof(*k));
	add_name(k, ct->display, NULL);
	add_name(k, ct->family, ct->given);
	add_name(k, ct->given, ct->family);
	for (size_t i = 0; i < ct->n_phones; i++)
		add_contact(k, true, ct->phones[i].number);
	for (size_t i = 0; i < ct->n_emails; i++)
		add_contact(k, false, ct->emails[i]);
}

void srv_match_key_person(const struct dstore_person *p,
			  struct srv_match_key *k)
{
	memset(k, 0, sizeof(*k));
	add_name(k, p->display, NULL);
	add_name(k, p->family, p->given);
	add_name(k, p->given, p->family);
	for (size_t i = 0; i < p->n_phones; i++)
		add_contact(k, true, p->phones[i].number);
	for (size_t i = 0; i < p->n_emails; i++)
		add_contact(k, false, p->emails[i]);
}

static bool same_name(const struct srv_match_key *a,
		      const struct srv_match_key *b)
{
	for (size_t i = 0; i < a->n_names; i++)
		for (size_t j = 0; j < b->n_names; j++)
			if (strcmp(a->names[i], b->names[j]) == 0)
				return true;
	return false;
}

static bool same_contact_value(const char *x, const char *y)
{
	if (x[0] != y[0])
		return false;
	if (x[0] != 't')
		return strcmp(x, y) == 0;
	/* digits without a trunk 0; then one number ends with the other */
	x += 2;
	y += 2;
	while (*x == '0')
		x++;
	while (*y == '0')
		y++;
	size_t lx = strlen(x), ly = strlen(y);
	if (lx == ly)
		return strcmp(x, y) == 0;
	if (lx < 7 || ly < 7)
		return false;
	return lx > ly ? strcmp(x + lx - ly, y) == 0
		       : strcmp(y + ly - lx, x) == 0;
}

static bool same_contact(const struct srv_match_key *a,
			 const struct srv_match_key *b)
{
	for (size_t i = 0; i < a->n_contacts; i++)
		for (size_t j = 0; j < b->n_contacts; j++)
			if (same_contact_value(a->contacts[i], b->contacts[j]))
				return true;
	return false;
}

bool srv_match_content(const struct srv_match_key *a,
		       const struct srv_match_key *b)
{
	if (!same_name(a, b))
		return false;
	if (a->n_contacts == 0 && b->n_contacts == 0)
		return true;
	return same_contact(a, b);
}

bool srv_match_still(const struct srv_match_key *a,
		     const struct srv_match_key *b)
{
	return same_name(a, b) || same_contact(a, b);
}
