/* ldap/dir: an enterprise's directory as an LDAP tree, held in memory per
 * enterprise and kept current from the store, searched with the matching
 * rules desk phones and mail clients need.
 *
 * The tree of an enterprise (its base DN: the operator's, else
 * "dc=<tenant name>"):
 *   <base>                 objectClass top, dcObject, organization
 *   ou=<unit>,<parent DN>  objectClass top, organizationalUnit; the units
 *                          nested as the org tree
 *   uid=<uid>,<unit DN>    objectClass top, person, organizationalPerson,
 *                          inetOrgPerson, orgbookPerson; people without a
 *                          unit directly under the base
 * Person attributes: cn, sn, givenName, displayName, telephoneNumber
 * (the work number as stored, its extension included), mobile,
 * homePhone, facsimileTelephoneNumber, ipPhone (the work number's
 * extension alone), mail, o, ou, title, postalAddress, street, l, st,
 * postalCode, description, uid, orgbookPinyin (the name's reading,
 * spaced, joined and as initials), jpegPhoto (only when asked by name,
 * capped: a thumbnail, always JPEG, by lib/dircard's photo policy).
 * Operational ones only when asked ("+" or by name): entryUUID-like ids
 * are not invented; modifyTimestamp, entryDN, hasSubordinates,
 * structuralObjectClass.
 *
 * Matching (what makes a phone find someone):
 * - names and other text: case-insensitive, insignificant spaces as RFC
 *   4518; cn, sn, givenName and displayName also match the pinyin of a
 *   Chinese name, spaced, joined and as initials, so (cn=zs*) and
 *   (cn=zhang*) find 张三 and (sn=zh*) finds 张; a stored reading wins
 *   over the characters' (张乐 read "zhang yue": zy), its initials one a
 *   syllable, else one a word;
 * - telephoneNumber, mobile, homePhone, facsimileTelephoneNumber, ipPhone:
 *   digits only ("+86 139-1234 5678" is 8613912345678), those before an
 *   extension for a number that has one, substrings on the digits;
 *   equality drops leading zeros (trunk 0, international 00) and also
 *   holds between a national and an international form (one digit
 *   string a suffix of the other, at least 7 digits); an assertion
 *   without a digit matches none (a phone's name template sent against
 *   a number attribute);
 * - approximate as substring anywhere; ordering and server-side sort by
 *   the folded text, a Chinese name by its spaced reading (family name
 *   first);
 *   unknown attributes and extensible matches are Undefined (RFC 4511
 *   §4.5.1.7: NOT of Undefined is Undefined).
 *
 * Promises:
 * - hidden people are never in the tree; one enterprise's snapshot holds
 *   only its own entries, and a base outside its tree is noSuchObject
 *   with no matched DN, whatever is sent;
 * - ldap_dircache_get costs one indexed revision lookup when nothing
 *   changed; after a change the next search sees it (nothing stale);
 * - a name prefix or number suffix search with a size limit costs
 *   indexed lookups, not a scan of the enterprise;
 * - snapshots are immutable and shared by all threads (reference
 *   counted); a refresh builds a new one while readers keep theirs.
 * Never: reads a socket, decodes BER, knows accounts or binds, writes
 * to the store. */
#ifndef LDAP_DIR_H
#define LDAP_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirstore/dirstore.h"
#include "ldap/proto.h"
#include "util/buf.h"
#include "util/err.h"

struct ldap_dircache;
struct ldap_dir;

struct ldap_dir_config {
	size_t max_photo;    /* jpegPhoto bytes at most; 0: never sent */
	unsigned idle_evict; /* seconds an unused snapshot is kept */
	/* jpegPhoto: a photo over max_photo, over this edge in pixels or
	 * not a JPEG goes as its thumbnail (lib/dircard's photo policy,
	 * the thumbnails kept in the store); 0: only stored JPEGs within
	 * max_photo */
	uint32_t photo_edge;
};

int ldap_dircache_new(const struct ldap_dir_config *cfg,
		      struct ldap_dircache **c_r, struct ob_err *err);
void ldap_dircache_free(struct ldap_dircache **c);

/* What the cache did: snapshots held now, and the builds so far (full
 * loads of a view, refreshes from the change feed). */
struct ldap_dircache_stats {
	size_t held;
	uint64_t full, delta;
};
void ldap_dircache_stats(struct ldap_dircache *c,
			 struct ldap_dircache_stats *st);

/* The enterprise's snapshot as of now (a reference: ldap_dir_release).
 * base_dn: the enterprise's base DN, "" for dc=<tenant name>. */
int ldap_dircache_get(struct ldap_dircache *c, struct dstore *store,
		      int64_t tenant_id, const char *base_dn,
		      struct ldap_dir **d_r, struct ob_err *err);
void ldap_dir_release(struct ldap_dir **d);

/* The base DN as written in entries ("dc=acme") and the revision the
 * snapshot is at. */
const char *ldap_dir_base(const struct ldap_dir *d);
int64_t ldap_dir_revision(const struct ldap_dir *d);
/* The entries of the snapshot (base, units, people) and the bytes it
 * holds (people shared with an older snapshot counted in full). */
size_t ldap_dir_entries(const struct ldap_dir *d);
size_t ldap_dir_bytes(const struct ldap_dir *d);

/* Does dn lie in this tree (the base or below it)? Compared normalised
 * (case, spaces around '=' and ',', RFC 4514 escapes). */
bool ldap_dir_holds_dn(const struct ldap_dir *d, const char *dn, size_t len);

/* The matching entries, as positions in the snapshot. */
struct ldap_hits {
	uint32_t *pos; /* malloc'd, n of them */
	size_t n;
	bool more; /* a limit cut the list: at least one more matched */
};
void ldap_hits_free(struct ldap_hits *h);

/* Search q (base, scope, filter; its limits are the caller's business)
 * for the entries after the stable key after_key (0: from the start;
 * see ldap_dir_key), at most limit of them (0: all). Without sort the
 * hits come in key order; with sort (keys the snapshot cannot order by
 * sort as absent values, last) in that order, and then after_key must be
 * 0 and limit 0. *rc_r: LDAP_RC_SUCCESS, or LDAP_RC_NO_SUCH_OBJECT with
 * *matched_r (borrowed, may be "") the deepest existing entry above the
 * base, or LDAP_RC_INVALID_DN for a base that does not parse. Returns 0
 * or OB_E_NOMEM. */
int ldap_dir_search(const struct ldap_dir *d, const struct ldap_search *q,
		    const struct ldap_sort *sort, int64_t after_key,
		    size_t limit, struct ldap_hits *h, enum ldap_rc *rc_r,
		    const char **matched_r, struct ob_err *err);

/* The stable key of the entry at pos: the same for the same unit or
 * person in every later snapshot, increasing in the order unsorted hits
 * come in (paged results resume after it). */
int64_t ldap_dir_key(const struct ldap_dir *d, uint32_t pos);

/* VLV by value: the first index into h (sorted by sort) whose first sort
 * key is at or after value in the sort's order (h->n when none). */
size_t ldap_dir_seek(const struct ldap_dir *d, const struct ldap_hits *h,
		     const struct ldap_sort *sort, const char *value,
		     size_t len);

/* Write the entry at pos as a SearchResultEntry with message id msgid:
 * the attributes asked (as a search sends them: none = all user
 * attributes, "*", "+", "1.1", names in any case), values or types_only.
 * jpegPhoto only when asked by name, read from store, left out when over
 * the cap or not JPEG. OB_E_LIMIT when out is full (out as it was). */
int ldap_dir_put_entry(const struct ldap_dir *d, uint32_t pos, int32_t msgid,
		       const struct ldap_val *attrs, size_t n_attrs,
		       bool types_only, struct dstore *store,
		       struct ob_buf *out, struct ob_err *err);

/* Compare: LDAP_RC_COMPARE_TRUE/FALSE, NO_SUCH_OBJECT, or
 * UNDEFINED-attribute as LDAP_RC_NO_SUCH_ATTRIBUTE (also an attribute
 * the entry does not have); INVALID_DN for a DN that does not parse. */
enum ldap_rc ldap_dir_compare(const struct ldap_dir *d, const char *dn,
			      size_t dn_len, const char *attr,
			      const char *value, size_t value_len);

#endif
