/* carddav/phonebook: the directory as the "remote XML phonebook" a desk
 * IP phone downloads over HTTP(S), one document per request.
 *
 * Formats (element structure as each vendor documents it; samples in
 * testdata/phonebook/):
 * - Yealink  YealinkIPPhoneDirectory/DirectoryEntry/Name,Telephone (up to
 *            3 numbers), the whole view in one document; with a search
 *            only the matches (the phone's "#SEARCH" URL);
 * - Yealink  YealinkIPPhoneBook/Title,Menu[@Name]/Unit[@Name,@Phone1..3]:
 *   menu     one Menu per unit (its path below the view) in unit path
 *            order, people in no unit first in a Menu named by the title;
 * - Cisco    CiscoIPPhoneDirectory/Title,Prompt,DirectoryEntry/Name,
 *            Telephone, one entry per person (the first of its work,
 *            mobile, home numbers), at most DAV_PB_CISCO_PAGE entries
 *            and Prev/Next SoftKeyItem (Name, URL, Position) links;
 * - Snom     SnomIPPhoneDirectory/Title,Prompt,DirectoryEntry/Name,
 *            Telephone, one entry per number (the type after the name
 *            when a person has several, "Work 2" for a second one),
 *            DAV_PB_SNOM_PAGE people a page, SoftKeyItem (Name F1..F4,
 *            Label, URL) links;
 * - Grandstream  AddressBook/pbgroup(id,name),Contact/LastName,FirstName,
 *            Phone[@type Work|Cell|Home]/phonenumber,accountindex,
 *            Groups/groupid (the person's unit), the whole view; the
 *            phone shows "FirstName LastName", so a Chinese name goes
 *            whole into FirstName;
 * - Fanvil   FanvilIPPhoneDirectory/DirectoryEntry/Name then one element
 *            per number named by its type: Telephone (work), Mobile,
 *            Other (home); the whole view.
 *
 * Policy, the same for every vendor:
 * - people: the view's (enterprise, unit subtree), hidden people never,
 *   people without a dialable number left out (a phone cannot call them),
 *   fax numbers left out;
 * - order: the store's name order (dstore_person_page DSTORE_SORT_NAME:
 *   the pinyin reading for Chinese names, family then given name for
 *   others, then the person id), so a page is stable while the directory
 *   stands still;
 * - names: Chinese, Japanese and Korean names family+given without a
 *   space, others "Given Family", else the display name;
 * - numbers: what a phone can dial: a leading '+' and the digits; spaces,
 *   dashes, dots, slashes and parentheses dropped; a number without
 *   digits is left out. An extension ("ext 12", "x12", "ext. 12",
 *   ";ext=12", "#12") is never dialled after the main number (no phone
 *   family dials a post-answer extension from a directory the same way);
 *   what the phone gets instead is the extension policy
 *   (enum dav_pb_ext): by default the extension alone as the person's
 *   first number (what reaches them from a desk phone on the company's
 *   PBX), then the main number (the switchboard, for phones outside);
 *   or only the main number; or only the extension. The extension counts
 *   as a work number: Yealink Telephone/Phone1, Cisco's one number, Snom
 *   "(Ext)", Grandstream Phone type="Work", Fanvil Telephone (the main
 *   number then goes into Other);
 * - search: dstore_person_search's rules (a substring of the name, title
 *   or e-mail; a prefix of the full pinyin or of its initials for a text
 *   of letters; a run of 3 or more digits of a number for a text that
 *   looks like a number), case-insensitive for ASCII;
 * - text: XML-escaped (& < > " '), each byte of invalid UTF-8 or of a
 *   code point XML 1.0 forbids replaced by U+FFFD, control characters by
 *   a space.
 * Never: reads the network, authenticates, writes to the store, logs. */
#ifndef DAV_PHONEBOOK_H
#define DAV_PHONEBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirstore/dirstore.h"
#include "util/buf.h"
#include "util/err.h"

#define DAV_PB_CISCO_PAGE 32 /* CiscoIPPhoneDirectory holds 32 entries */
#define DAV_PB_SNOM_PAGE 50  /* people per Snom page */
#define DAV_PB_QUERY_MAX 128 /* bytes of a search text */
#define DAV_PB_BASE_MAX 512  /* bytes of base_url */

enum dav_pb_vendor {
	DAV_PB_YEALINK = 0,
	DAV_PB_YEALINK_MENU,
	DAV_PB_CISCO,
	DAV_PB_SNOM,
	DAV_PB_GRANDSTREAM,
	DAV_PB_FANVIL,
	DAV_PB_VENDOR_COUNT,
};

/* The vendor named name ("yealink", "yealink-menu", "cisco", "snom",
 * "grandstream", "fanvil"): 0 and *v_r, or OB_E_NOTFOUND. */
int dav_pb_vendor_of(const char *name, enum dav_pb_vendor *v_r);
/* The name of v (as dav_pb_vendor_of takes it). Static string. */
const char *dav_pb_vendor_name(enum dav_pb_vendor v);
/* People a page of v holds, 0 for the vendors that get the whole view. */
size_t dav_pb_page_size(enum dav_pb_vendor v);

/* What a work number with an extension becomes (see the policy above). */
enum dav_pb_ext {
	DAV_PB_EXT_FIRST = 0, /* the extension, then the main number */
	DAV_PB_EXT_MAIN,      /* the main number only */
	DAV_PB_EXT_ONLY,      /* the extension only */
};
/* "first", "main", "only": 0 and *e_r, or OB_E_INVAL. */
int dav_pb_ext_of(const char *name, enum dav_pb_ext *e_r);

struct dav_pb_opts {
	int64_t tenant_id;
	int64_t unit_id;    /* 0: the whole directory, else this subtree */
	const char *title;  /* the document's Title (the view's name) */
	const char *search; /* NULL or "": everyone; else the rules above */
	int64_t page;       /* 1-based page of the paging vendors; ignored
			       by the others */
	/* Links of the paging vendors, written as given (then XML-escaped):
	 * base_url ("https://host/phonebook/cisco.xml") followed by
	 * link_query ("unit=..&q=.." already URL-encoded, may be NULL or "")
	 * and page=N. */
	const char *base_url;
	const char *link_query;
	enum dav_pb_ext ext;
};

/* Render the phonebook of vendor v for the view in o into out (appended;
 * out's cap bounds the document). 0 on success; OB_E_INVAL for a page
 * below 1, a search text of DAV_PB_QUERY_MAX bytes or more or a base_url
 * of DAV_PB_BASE_MAX or more (err->field "page", "q" or "base"); a page
 * past the last one is a valid document without entries; OB_E_NOTFOUND
 * for a unit not of the tenant; OB_E_LIMIT when the document outgrows
 * out's cap; or the store's error. *count_r (may be NULL) gets the people
 * in the document, *total_r (may be NULL) the people of the whole view
 * or search (those without a number included). */
int dav_pb_render(struct dstore *store, enum dav_pb_vendor v,
		  const struct dav_pb_opts *o, struct ob_buf *out,
		  size_t *count_r, int64_t *total_r, struct ob_err *err);

/* Append s[0..len) to out XML-escaped for text and attribute values:
 * & < > " ' as entities, each byte of invalid UTF-8, of a surrogate, of
 * U+FFFE or U+FFFF as U+FFFD, control characters as a space. 0 or out's
 * error. */
int dav_pb_xml_text(struct ob_buf *out, const char *s, size_t len);

/* The dialable form of a stored number into buf (see the policy above);
 * false when it has no digit (buf is then ""). */
bool dav_pb_dial_number(const char *number, char *buf, size_t size);
/* The digits of the number's extension into buf; false when it has none
 * (or no main number before it). */
bool dav_pb_extension(const char *number, char *buf, size_t size);

/* One phonebook request (the decoded query values). */
struct dav_pb_request {
	const char *path;   /* "/phonebook/<vendor>.xml" */
	const char *unit;   /* a unit path; NULL or "": the whole directory */
	const char *q;      /* NULL, "" or "#SEARCH": no search */
	const char *page;   /* NULL: 1; else 1 to 999999999 in decimal */
	const char *ext;    /* NULL: ext_default; else "first", "main",
			       "only" */
	const char *scheme; /* "http" or "https", for the paging links */
	const char *host;   /* the Host header, for the paging links */
	enum dav_pb_ext ext_default; /* the operator's phonebook-extension */
};

/* One GET of the phonebook route, the request already authenticated as
 * an account of tenant_id (path: Grandstream also
 * "/phonebook/grandstream/phonebook.xml", the name its phones append to
 * the configured path). The answer: the HTTP status (200, 400 for a bad
 * page, search text, ext or Host, 404 for an unknown vendor or unit, 503
 * when the store failed, 500 when the document outgrew out's cap) as the
 * return value, the body appended to out (the document, or a line of
 * text saying what was wrong), *xml_r true when the body is the XML
 * document. */
int dav_pb_serve(struct dstore *store, int64_t tenant_id,
		 const struct dav_pb_request *rq, struct ob_buf *out,
		 bool *xml_r);

#endif
