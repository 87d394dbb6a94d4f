/* The directory store: enterprises (tenants), accounts and their logins,
 * org units, people, the per-tenant revision and change log, the undo of
 * the last import. The store's other subjects have their own headers:
 * dirstore/syncml-state.h (what SyncML sessions and devices leave between
 * messages) and dirstore/websession.h (administrators' browser sessions).
 *
 * Promises:
 * - Every call that reads or writes directory data takes the tenant id right
 *   after the store handle; no statement of one tenant can see another's
 *   rows. (Account lookup by login is deployment-wide by design: the login
 *   decides the tenant.)
 * - Writes happen inside dstore_begin()/dstore_commit() (BEGIN IMMEDIATE).
 *   A transaction that changed anything bumps the tenant's revision exactly
 *   once at commit; every change-log row of it carries that revision. On any
 *   error the caller rolls back and nothing is written.
 * - dstore_changes_since() costs time proportional to the number of changes
 *   since the given revision, not to the size of the directory, and reports
 *   people who entered or left the viewed subtree (moves, hiding, deletes).
 *   A revision older than the pruned horizon gives OB_E_GONE, never a
 *   partial delta.
 * What it never does: know any protocol's format (SyncML, vCards, HTTP),
 * log, or let a caller see its database driver (lib/dirstore/db.h, private
 * to the store). OB_E_BUSY means "retry the whole transaction" (see
 * dstore_retry). */
#ifndef DSTORE_DIRSTORE_H
#define DSTORE_DIRSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

#define DSTORE_SCHEMA_VERSION 17
#define DSTORE_NAME_MAX 256             /* bytes of a name, title, unit name */
#define DSTORE_NOTE_MAX 4096            /* bytes of a note */
#define DSTORE_PHOTO_MAX_DEFAULT 262144 /* photo bytes unless configured */
#define DSTORE_MULTI_MAX 16             /* phones or emails per person */
#define DSTORE_DEVICE_MAX 256           /* bytes of a device id, LUID or guid */
#define DSTORE_UNIT_DEPTH_MAX 32
#define DSTORE_RETENTION_DAYS_DEFAULT 30

struct dstore;

struct dstore_options {
	const char *path;     /* SQLite file; created when missing */
	const char *key_path; /* secret key file (MD5 secrets); created 0600
				 when missing; NULL = path + ".key" */
	bool sync_normal;     /* synchronous=NORMAL instead of FULL */
	int busy_timeout_ms;  /* 0 = 5000 */
	size_t photo_max;     /* 0 = DSTORE_PHOTO_MAX_DEFAULT */
};

/* Open (creating or upgrading in place) the store. A database written by a
 * newer, unknown schema version is refused with OB_E_VERSION and left
 * untouched. *store_r is the caller's (dstore_close).
 * The database, the -wal and -shm files SQLite keeps beside it and the key
 * file are private to their owner whatever the umask: a new database is
 * created 0600 (SQLite gives -wal and -shm the database's mode); an
 * existing one, or a -wal, -shm or -journal left beside it, that group or
 * others can access is chmod'ed to its owner's bits (0644 -> 0600) and
 * dstore_open_notice says so. path is a file name, not a URI.
 * One owner for an SQLite database and the files beside it: the key file
 * takes the database's owner and group when root creates it (fchown);
 * any other user whose uid is not the database's is refused with the fix
 * (run as the owner, or as root) rather than leave a key the owner cannot
 * read. A database root creates in a folder another user owns (the
 * service's state folder) takes that folder's owner and group. SQLite
 * itself gives -wal and -shm the database's owner when run as root. */
int dstore_open(const struct dstore_options *opt, struct dstore **store_r,
		struct ob_err *err);
/* What opening had to tell the operator: which files group or others
 * could access and were tightened (or could not be, not being ours); ""
 * when nothing. Borrowed, lives as long as the store. Programs log it as
 * a warning. */
const char *dstore_open_notice(const struct dstore *store);
/* false once the store's database connection is known lost (PostgreSQL
 * restarted or failed over; SQLite: never): close it and open anew.
 * Never blocks and never reconnects. */
bool dstore_alive(const struct dstore *store);

/* Copy every table of from into to, an empty store (OB_E_EXISTS when it
 * holds anything), in one transaction of to: rolled back unless every
 * table copied and its row counts match (OB_E_FAIL). report, when not
 * NULL, gets each table's rows in from and in to. The key file is the
 * caller's to copy (lib/dirstore/copy.c). */
typedef void (*dstore_copy_report_fn)(void *arg, const char *table,
				      int64_t rows_from, int64_t rows_to);
int dstore_copy(struct dstore *from, struct dstore *to,
		dstore_copy_report_fn report, void *arg, struct ob_err *err);
void dstore_close(struct dstore **store);

/* Schema version of the open database (after migration). */
int dstore_schema_version(struct dstore *store);
/* Write one small row in a transaction of its own: 0 when the store takes
 * writes, OB_E_IO (disk full, I/O error), OB_E_BUSY or OB_E_FAIL. */
int dstore_write_probe(struct dstore *store, int64_t now, struct ob_err *err);

/* ---- transactions ---------------------------------------------------- */

/* Start a write transaction for one tenant (BEGIN IMMEDIATE). actor names
 * who changes things ("cli", an account login) for the audit trail. Returns
 * 0, OB_E_BUSY, OB_E_NOTFOUND (tenant) or OB_E_FAIL. */
int dstore_begin(struct dstore *store, int64_t tenant_id, const char *actor,
		 struct ob_err *err);
/* Commit; *rev_r (may be NULL) gets the tenant's revision after commit
 * (unchanged when nothing changed). On failure the transaction is rolled
 * back. */
int dstore_commit(struct dstore *store, int64_t *rev_r, struct ob_err *err);
/* Roll back the open transaction, if any. */
void dstore_rollback(struct dstore *store);
/* A read transaction: every read until dstore_read_end sees one
 * snapshot of the store (SQLite: a deferred BEGIN, the snapshot taken at
 * the first read; PostgreSQL: REPEATABLE READ READ ONLY), so that an
 * answer built from many statements mixes no writes committed meanwhile.
 * While it is open SQLite's WAL cannot be checkpointed past it: keep it
 * short, and always end it. Not inside a write transaction. */
int dstore_read_begin(struct dstore *store, struct ob_err *err);
void dstore_read_end(struct dstore *store);

/* Run fn inside dstore_begin/commit, running the whole transaction again
 * (fn included), up to `tries` times in all, while beginning, fn or the
 * commit fails with OB_E_BUSY (busy at COMMIT is how PostgreSQL reports a
 * serialization failure). fn returns 0 or an OB_E_*; on error the
 * transaction is rolled back and the code returned. The store's own
 * writes (sessions, nonces, accounts outside a tenant transaction) retry
 * the same way, through the same helper. */
int dstore_retry(struct dstore *store, int64_t tenant_id, const char *actor,
		 int tries,
		 int (*fn)(struct dstore *store, void *ctx, struct ob_err *err),
		 void *ctx, int64_t *rev_r, struct ob_err *err);

/* ---- enterprises ------------------------------------------------------ */

#define DSTORE_LDAP_BASE_MAX 256

struct dstore_tenant {
	int64_t id;
	char name[64]; /* short unique name: [a-z0-9-], e.g. "acme" */
	char display[DSTORE_NAME_MAX];
	bool md5_auth;      /* accounts may use syncml:auth-md5 */
	int retention_days; /* tombstone retention window */
	int64_t revision;   /* last committed revision */
	int64_t pruned_rev; /* changes at or below this are gone */
	/* LDAP (ldap/dir.h): the base DN, "" for dc=<name>; anonymous
	 * binds may search this enterprise */
	char ldap_base[DSTORE_LDAP_BASE_MAX];
	bool ldap_anonymous;
};

/* Create an enterprise (own transaction). OB_E_EXISTS, OB_E_INVAL. */
int dstore_tenant_create(struct dstore *store, const char *name,
			 const char *display, int64_t *id_r,
			 struct ob_err *err);
int dstore_tenant_get(struct dstore *store, int64_t tenant_id,
		      struct dstore_tenant *t_r, struct ob_err *err);
int dstore_tenant_find(struct dstore *store, const char *name,
		       struct dstore_tenant *t_r, struct ob_err *err);
/* Set md5_auth and retention_days (own transaction). */
int dstore_tenant_configure(struct dstore *store, int64_t tenant_id,
			    bool md5_auth, int retention_days,
			    struct ob_err *err);
/* Set the LDAP base DN ("" for dc=<name>) and whether anonymous binds
 * may search the enterprise (own transaction). OB_E_INVAL (field
 * "ldap_base") for a base that is not a DN of attr=value parts, too
 * long or with control characters; OB_E_EXISTS when another
 * enterprise's base (its own or its dc=<name>) is the same ignoring
 * case. */
int dstore_tenant_set_ldap(struct dstore *store, int64_t tenant_id,
			   const char *base, bool anonymous,
			   struct ob_err *err);
/* Call fn for every enterprise ordered by name; a non-zero return of fn
 * stops and is returned. */
int dstore_tenant_list(struct dstore *store,
		       int (*fn)(const struct dstore_tenant *t, void *ctx),
		       void *ctx, struct ob_err *err);

/* ---- accounts --------------------------------------------------------- */

enum dstore_role {
	DSTORE_ROLE_USER = 0,
	DSTORE_ROLE_ADMIN = 1,
};

#define DSTORE_LOGIN_MAX 128
#define DSTORE_PASSWORD_MAX 1024

#define DSTORE_UID_MAX 201 /* bytes of a person's uid, NUL included */

struct dstore_account {
	int64_t id;
	int64_t tenant_id;
	char login[DSTORE_LOGIN_MAX];
	enum dstore_role role;
	bool disabled;
	int64_t created;    /* unix time */
	int64_t last_login; /* unix time of the last sign-in, 0: never */
	/* the person the account is linked to ("" when none): its uid and
	 * display name, at the time of the read */
	char person_uid[DSTORE_UID_MAX];
	char person_name[DSTORE_NAME_MAX + 1];
};

/* Create an account (own transaction). The login is unique in the whole
 * deployment (case-insensitive ASCII; UTF-8 allowed; no spaces or control
 * characters). The password is kept as a yescrypt hash; when the tenant
 * allows MD5 auth, its password equivalent B64(MD5(login:password)) is kept
 * encrypted with the store key. OB_E_EXISTS, OB_E_INVAL. */
int dstore_account_create(struct dstore *store, int64_t tenant_id,
			  const char *login, const char *password,
			  enum dstore_role role, int64_t *id_r,
			  struct ob_err *err);
/* Replace the password (own transaction). */
int dstore_account_set_password(struct dstore *store, int64_t tenant_id,
				int64_t account_id, const char *password,
				struct ob_err *err);
int dstore_account_set_disabled(struct dstore *store, int64_t tenant_id,
				int64_t account_id, bool disabled,
				struct ob_err *err);
/* Deployment-wide lookup by login: this is how a login finds its tenant. */
int dstore_account_find(struct dstore *store, const char *login,
			struct dstore_account *a_r, struct ob_err *err);
/* Check a password. OB_E_AUTH (same message) for an unknown login, a wrong
 * password or a disabled account; the hash is computed in every case so
 * timing does not tell which. On OB_E_AUTH, a_r (when not NULL) tells the
 * caller's counters which it was, never the client: id 0 for an unknown
 * login, disabled set for a right password of a disabled account, else
 * the account's id and tenant. */
int dstore_account_verify(struct dstore *store, const char *login,
			  const char *password, struct dstore_account *a_r,
			  struct ob_err *err);
/* The decrypted B64(MD5(login:password)) (24 chars + NUL) for MD5 auth.
 * OB_E_NOTFOUND when the account has none (tenant without MD5 auth or a
 * password set before it was enabled). */
int dstore_account_md5_secret(struct dstore *store, int64_t tenant_id,
			      int64_t account_id, char secret_r[25],
			      struct ob_err *err);
int dstore_account_list(struct dstore *store, int64_t tenant_id,
			int (*fn)(const struct dstore_account *a, void *ctx),
			void *ctx, struct ob_err *err);
/* An account of the tenant by id. OB_E_NOTFOUND for none (or another
 * tenant's). */
int dstore_account_get(struct dstore *store, int64_t tenant_id,
		       int64_t account_id, struct dstore_account *a_r,
		       struct ob_err *err);

/* A password made ready before a write transaction: its yescrypt hash
 * and, when the tenant allows MD5 auth, the sealed MD5 equivalent for
 * that login. Hashing is deliberately slow (tens of milliseconds): do it
 * before dstore_begin so that the write lock is held briefly. The checks
 * and errors are dstore_account_create's (OB_E_INVAL, field
 * "password"). Free with dstore_password_deinit (wipes it). */
struct dstore_password {
	char *hash;
	unsigned char sealed[52];
	size_t sealed_len; /* 0: no MD5 equivalent */
};
int dstore_password_prepare(struct dstore *store, int64_t tenant_id,
			    const char *login, const char *password,
			    struct dstore_password *pw_r, struct ob_err *err);
void dstore_password_deinit(struct dstore_password *pw);
/* dstore_account_create with a prepared password (for that login):
 * inside the open transaction when there is one. */
int dstore_account_create_prepared(struct dstore *store, int64_t tenant_id,
				   const char *login,
				   const struct dstore_password *pw,
				   enum dstore_role role, int64_t *id_r,
				   struct ob_err *err);

/* Link an account to the person of its own enterprise with this uid, or
 * clear the link (uid NULL or ""). At most one account per person.
 * Inside the open transaction when there is one, else its own.
 * OB_E_NOTFOUND: no such account in the tenant, or (field "uid") no
 * person with that uid in the tenant: a uid of another enterprise is not
 * told apart from an unknown one. OB_E_EXISTS (field "uid"): another
 * account is linked to that person (the message names its login).
 * Linking the person the account already has is not an error. The
 * caller writes the account_log row. */
int dstore_account_link(struct dstore *store, int64_t tenant_id,
			int64_t account_id, const char *uid,
			struct ob_err *err);
/* The account linked to the tenant's person uid. OB_E_NOTFOUND when
 * none (or no such person). */
int dstore_account_of_person(struct dstore *store, int64_t tenant_id,
			     const char *uid, struct dstore_account *a_r,
			     struct ob_err *err);

/* A page of accounts (account-page.c). */
#define DSTORE_ACCOUNT_PAGE_MAX 500 /* accounts per page at most */
enum dstore_account_sort {
	DSTORE_ACCOUNT_SORT_LOGIN = 0,
	DSTORE_ACCOUNT_SORT_ROLE = 1,
	DSTORE_ACCOUNT_SORT_CREATED = 2,
	DSTORE_ACCOUNT_SORT_LAST_LOGIN = 3, /* never signed in first */
};
struct dstore_account_query {
	const char *search; /* NULL or "": all; else part of the login or
			     * of the linked person's name (no ASCII
			     * case) or a role ("admin", "user") */
	enum dstore_account_sort sort;
	bool descending;
	size_t limit;   /* 1..DSTORE_ACCOUNT_PAGE_MAX */
	int64_t offset; /* >= 0 */
};
/* Call fn for each account of the page, in order, and set *total_r to the
 * number of accounts matching the search (also for a page past the end).
 * fn returns non-zero to stop (that value is returned). OB_E_INVAL for a
 * limit of 0 or over the maximum, a negative offset, an unknown sort or a
 * search of DSTORE_LOGIN_MAX bytes or more. Borrowed account rows. */
int dstore_account_page(struct dstore *store, int64_t tenant_id,
			const struct dstore_account_query *q,
			int (*fn)(const struct dstore_account *a, void *ctx),
			void *ctx, int64_t *total_r, struct ob_err *err);

/* ---- org units -------------------------------------------------------- */

struct dstore_unit {
	int64_t id;
	int64_t parent_id; /* 0 for a top-level unit */
	char *name;
	char *path; /* names from the top joined by '/', e.g. "Sales/East" */
	int sort;
	int64_t people; /* people directly in it (hidden included) */
};

/* Unit names: 1..DSTORE_NAME_MAX bytes of UTF-8, no '/', no control
 * characters, not "." or "..". All unit writes need an open transaction. */
int dstore_unit_add(struct dstore *store, int64_t tenant_id, int64_t parent_id,
		    const char *name, int sort, int64_t *id_r,
		    struct ob_err *err);
/* Resolve "A/B/C", creating missing units (transaction needed when any is
 * missing; OB_E_NOTFOUND when create is false and one is missing). */
int dstore_unit_ensure_path(struct dstore *store, int64_t tenant_id,
			    const char *path, bool create, int64_t *id_r,
			    struct ob_err *err);
int dstore_unit_get(struct dstore *store, int64_t tenant_id, int64_t unit_id,
		    struct dstore_unit *u_r, struct ob_err *err);
void dstore_unit_deinit(struct dstore_unit *u);
/* Rename; everyone below changes (their ORG path) and is logged. */
int dstore_unit_rename(struct dstore *store, int64_t tenant_id, int64_t unit_id,
		       const char *name, struct ob_err *err);
/* Move a unit with its whole subtree under new_parent (0 = top level).
 * OB_E_INVAL for a move into its own subtree. */
int dstore_unit_move(struct dstore *store, int64_t tenant_id, int64_t unit_id,
		     int64_t new_parent_id, struct ob_err *err);
/* Delete an empty unit (no people, no sub-units): OB_E_EXISTS otherwise. */
int dstore_unit_delete(struct dstore *store, int64_t tenant_id, int64_t unit_id,
		       struct ob_err *err);
/* Every unit in path order (a depth-first walk of the tree, siblings by
 * sort then name). The struct passed to fn is borrowed for the call. */
int dstore_unit_list(struct dstore *store, int64_t tenant_id,
		     int (*fn)(const struct dstore_unit *u, void *ctx),
		     void *ctx, struct ob_err *err);

/* ---- people ----------------------------------------------------------- */

struct dstore_phone {
	char *type; /* "work", "cell", "home", "fax" */
	char *number;
};

struct dstore_person {
	int64_t id;
	char *uid; /* stable; generated when NULL on put */
	int64_t unit_id;
	char *family, *given, *display;
	char *phonetic_family, *phonetic_given; /* pinyin for Chinese names */
	char *title;
	struct dstore_phone *phones;
	size_t n_phones;
	char **emails;
	size_t n_emails;
	char *street, *locality, *region, *postcode, *country;
	char *note;
	unsigned char *photo; /* JPEG or PNG bytes, NULL when none */
	size_t photo_len;
	bool hidden;
	int64_t mtime;   /* unix time of the last change (set by the store) */
	int64_t rev;     /* revision of the last change (set by the store) */
	char *unit_path; /* filled by get/iterate: "Sales/East" */
};

enum dstore_put_result {
	DSTORE_PUT_UNCHANGED = 0,
	DSTORE_PUT_ADDED = 1,
	DSTORE_PUT_MODIFIED = 2,
};

/* Insert or update by uid (transaction needed). Validation names the field
 * in err->field (OB_E_INVAL): invalid UTF-8 or control characters, empty
 * display name (when family, given and display are all empty), too long,
 * unknown unit, bad phone type, more than DSTORE_MULTI_MAX values, photo
 * neither JPEG nor PNG or over the configured cap. A put that changes
 * nothing logs nothing. p->uid is filled in when generated (owned by p).
 * A person put with neither phonetic name gets the pinyin of its Chinese
 * family and given names (dstore_phonetic_of) stored, whoever writes it
 * (command line, web, import), unless it is stored with the same names
 * and no reading: then it keeps none. *result_r (may be NULL) says what
 * happened. */
int dstore_person_put(struct dstore *store, int64_t tenant_id,
		      struct dstore_person *p, enum dstore_put_result *result_r,
		      struct ob_err *err);
/* The pinyin of part of a Chinese name (family: read as a family name)
 * into out; false when it has no Han character or no reading. */
bool dstore_phonetic_of(const char *part, bool family, char *out, size_t size);
/* The display name put stores: p->display, else the name parts (family
 * first for Chinese, Japanese and Korean names, else "given family"),
 * written into buf when composed. */
const char *dstore_display_name(const struct dstore_person *p, char *buf,
				size_t size);
/* The fields that differ between two versions of a person, one line
 * each into b (NULL: count only): `indent` then `field: "old" -> "new"`
 * and a line break. Field names are the import's columns (display_name,
 * family_name, given_name, phonetic_family, phonetic_given, title,
 * street, city, region, postcode, country, note, unit, phone_work,
 * phone_cell, phone_home, phone_fax, email, hidden); values are quoted,
 * cut at 60 bytes (never inside a UTF-8 sequence, "…" marks the cut),
 * line breaks shown as spaces, "(empty)" for none. Units compare by id
 * and show unit_path. A photo is never shown: "photo: added, N bytes",
 * "photo: removed, N bytes" or "photo: changed, N -> M bytes". Display
 * names compare as put stores them (dstore_display_name). Returns the
 * number of lines. Every person write logs these lines as the detail of
 * its audit row (dstore_log_entry). */
size_t dstore_person_diff(const struct dstore_person *old,
			  const struct dstore_person *now, const char *indent,
			  struct ob_buf *b);
/* The same field checks as put, without the store (no unit lookup): lets
 * an importer list every bad row before writing anything. */
int dstore_person_check(struct dstore *store, const struct dstore_person *p,
			struct ob_err *err);
/* Could a client have been sent uid by a sync that started at revision
 * `since` (a Map's check)? 1 when uid is a person of the tenant or was
 * changed or deleted in it after `since`, 0 when not, or an OB_E_*. Other
 * enterprises' people are never seen. */
/* A person deleted within the retention window as its change log keeps
 * it (uid, family, given, display, phones, e-mails; the rest empty, hidden
 * set), the latest deletion; OB_E_NOTFOUND when none. Deinit *p_r. */
int dstore_person_departed(struct dstore *store, int64_t tenant_id,
			   const char *uid, struct dstore_person *p_r,
			   struct ob_err *err);
/* What a person was called and could be reached at before each change of
 * its names, phones or e-mails within the retention window, and at its
 * deletion, latest first, every one (shaped as dstore_person_departed
 * gives them, lent to fn; fn returns non-zero to stop, that value is
 * returned). Every person write keeps them. */
int dstore_person_past(struct dstore *store, int64_t tenant_id, const char *uid,
		       int (*fn)(const struct dstore_person *p, void *ctx),
		       void *ctx, struct ob_err *err);
/* People whose display name is name, ignoring spaces, tabs, ideographic
 * spaces and ASCII case, lent to fn one by one without photo: live people
 * (departed false; in id order) or people deleted within the retention
 * window as dstore_person_departed gives them (departed true; latest
 * first); at most DSTORE_BY_NAME_MAX. fn returns non-zero to stop (that
 * value is returned). */
#define DSTORE_BY_NAME_MAX 10000
int dstore_person_by_name(struct dstore *store, int64_t tenant_id,
			  const char *name, bool departed,
			  int (*fn)(const struct dstore_person *p, void *ctx),
			  void *ctx, struct ob_err *err);
int dstore_person_known(struct dstore *store, int64_t tenant_id,
			const char *uid, int64_t since, struct ob_err *err);
/* dstore_person_known of n uids at once into known[i] (1 or 0): the live
 * people found DSTORE_KNOWN_BATCH at a time in one statement (a Map of a
 * slow sync names hundreds, each one round trip to a database server
 * otherwise), the change log asked only for the rest. 0 or OB_E_*. */
#define DSTORE_KNOWN_BATCH 64
int dstore_person_known_many(struct dstore *store, int64_t tenant_id,
			     const char *const *uids, size_t n, int64_t since,
			     int *known, struct ob_err *err);
/* Fetch by uid into *p_r (free with dstore_person_deinit). */
int dstore_person_get(struct dstore *store, int64_t tenant_id, const char *uid,
		      bool with_photo, struct dstore_person *p_r,
		      struct ob_err *err);
/* Delete by uid, leaving a tombstone (transaction needed). */
int dstore_person_delete(struct dstore *store, int64_t tenant_id,
			 const char *uid, struct ob_err *err);
/* Move to another unit (transaction needed). */
int dstore_person_move(struct dstore *store, int64_t tenant_id, const char *uid,
		       int64_t unit_id, struct ob_err *err);
void dstore_person_deinit(struct dstore_person *p);

struct dstore_iter_opts {
	int64_t unit_id;     /* 0 = the whole tenant, else this subtree */
	int64_t after_id;    /* keyset pagination: ids greater than this */
	size_t limit;        /* 0 = no limit */
	bool direct;         /* only people directly in unit_id (0 = those
				in no unit), not its sub-units */
	bool include_hidden; /* hidden people are never synced */
	bool with_photo;
};

/* Visit people ordered by id, one page at a time; memory does not grow with
 * the directory. The person passed to fn is borrowed for the call. fn's
 * non-zero return stops the walk and is returned. */
int dstore_person_iter(struct dstore *store, int64_t tenant_id,
		       const struct dstore_iter_opts *opts,
		       int (*fn)(const struct dstore_person *p, void *ctx),
		       void *ctx, struct ob_err *err);
/* The people of uids[0..n) in a view (opts: unit_id and include_hidden
 * as for dstore_person_iter, with_photo; after_id, limit and direct
 * unused), DSTORE_KNOWN_BATCH uids to a statement: fn(i, p, ctx) for
 * each uids[i] found, p borrowed for the call, in the store's order
 * within a batch and batch after batch (a uid given twice: fn for each
 * index). Uids not found or not in the view get no call. fn's non-zero
 * return stops and is returned; else 0 or OB_E_*. */
int dstore_person_get_many(struct dstore *store, int64_t tenant_id,
			   const char *const *uids, size_t n,
			   const struct dstore_iter_opts *opts,
			   int (*fn)(size_t i, const struct dstore_person *p,
				     void *ctx),
			   void *ctx, struct ob_err *err);
/* Count people in a view (same filters as iter, no pagination). */
int dstore_person_count(struct dstore *store, int64_t tenant_id,
			int64_t unit_id, bool include_hidden, int64_t *count_r,
			struct ob_err *err);

/* People of the enterprise (hidden included) matching a search text, by
 * display name, at most limit (0 = all): a substring of the display name,
 * family+given, title or an email; a prefix of the full pinyin
 * ("zhangs") or of the pinyin initials ("zs") when the text is letters
 * only; a run of 3 or more digits inside a phone number ("1234",
 * "+86 138") when the text looks like a number. OB_E_INVAL for an empty or
 * over-long text. */
int dstore_person_search(struct dstore *store, int64_t tenant_id,
			 const char *query, size_t limit,
			 int (*fn)(const struct dstore_person *p, void *ctx),
			 void *ctx, struct ob_err *err);

/* ---- the administrators' directory view: pages of people ------------- */

/* A page of the people of a view, in a stable order, with the true number
 * of people in the view: the web admin's directory. Paging, counting and
 * sorting happen in SQL (LIMIT/OFFSET over an order that ends with the
 * person id, so pages neither skip nor repeat anyone while the directory
 * stands still); only the page's rows are read. Hidden people are
 * included (the view is the administrators') unless visible_only. */
#define DSTORE_PAGE_MAX 500 /* people per page at most */

enum dstore_page_sort {
	DSTORE_SORT_NAME = 0,  /* the reading: pinyin family then given name
				  for Chinese names, family then given name
				  for others, else the display name; ASCII
				  case ignored */
	DSTORE_SORT_TITLE = 1, /* title (people without one last), then name */
	DSTORE_SORT_UNIT = 2,  /* unit path (people in no unit first), then
				  name */
};

struct dstore_page_query {
	int64_t unit_id;    /* 0 = the whole enterprise, else this unit and
				everything below it */
	bool direct;        /* only people directly in unit_id (with
				unit_id 0: those in no unit) */
	const char *search; /* NULL or "" = everyone of the view; else the
				matching rules of dstore_person_search */
	enum dstore_page_sort sort;
	bool visible_only; /* leave hidden people out (counted and paged
			      without them): views shown to users */
	bool desc;         /* reverse the whole order */
	int64_t offset;    /* people skipped (page * limit) */
	size_t limit;      /* 1..DSTORE_PAGE_MAX */
};

/* Which field of a person a search text matched, first match in this
 * order. */
enum dstore_match {
	DSTORE_MATCH_NONE = 0, /* no search */
	DSTORE_MATCH_NAME,     /* display name or family and given name */
	DSTORE_MATCH_PINYIN,   /* a prefix of the full pinyin */
	DSTORE_MATCH_INITIALS, /* a prefix of the pinyin initials */
	DSTORE_MATCH_PHONE,    /* the digits of a phone number */
	DSTORE_MATCH_EMAIL,
	DSTORE_MATCH_TITLE,
};

struct dstore_page_match {
	enum dstore_match field;
	/* what matched, borrowed for the call: the phone number as stored,
	 * the e-mail address, the title, the pinyin ("zhang wei"), the
	 * initials ("zw") or the display name; NULL for DSTORE_MATCH_NONE */
	const char *value;
	const char *phone_type; /* "cell", "work"... for a phone match */
};

/* Count the people of the view into *total_r and lend the page's people
 * to fn in order (without photo, note and address; borrowed for the call),
 * each with what the search matched. fn's non-zero return stops and is
 * returned. An offset past the end gives no rows and the true total.
 * OB_E_INVAL for a limit of 0 or over DSTORE_PAGE_MAX, a negative offset,
 * or a search text of DSTORE_NAME_MAX bytes or more; OB_E_NOTFOUND for a
 * unit not of the tenant. */
int dstore_person_page(struct dstore *store, int64_t tenant_id,
		       const struct dstore_page_query *q, int64_t *total_r,
		       int (*fn)(const struct dstore_person *p,
				 const struct dstore_page_match *m, void *ctx),
		       void *ctx, struct ob_err *err);

/* The units and their direct people counts exactly as dstore_unit_list
 * gives them (same order, same struct, borrowed for the call), from two
 * flat reads ordered in memory: its cost follows the number of units and
 * of people, for pages that draw the whole tree on every request. fn's
 * non-zero return stops and is returned. */
int dstore_unit_tree(struct dstore *store, int64_t tenant_id,
		     int (*fn)(const struct dstore_unit *u, void *ctx),
		     void *ctx, struct ob_err *err);

/* Set or clear the hidden flag of a person, keeping every other field
 * (transaction needed). 0 (also when it already was so), OB_E_NOTFOUND. */
int dstore_person_set_hidden(struct dstore *store, int64_t tenant_id,
			     const char *uid, bool hidden, struct ob_err *err);

/* ---- change log ------------------------------------------------------- */

enum dstore_change_kind {
	DSTORE_CHANGE_ADD = 1,    /* entered the view since the revision */
	DSTORE_CHANGE_MODIFY = 2, /* in the view before and now, changed */
	DSTORE_CHANGE_REMOVE =
		3, /* left the view: deleted, hidden, moved out */
};

struct dstore_change {
	enum dstore_change_kind kind;
	int64_t person_id;
	const char *uid;
	int64_t rev; /* the last revision that touched this person */
};

/* The net change of every person in a view (unit subtree, 0 = whole tenant,
 * hidden people excluded) between since_rev and now, ordered by person id;
 * *upto_rev_r gets the revision the answer is complete up to. OB_E_GONE
 * when since_rev is below the pruned horizon (the caller must resync
 * fully). The change passed to fn is borrowed for the call. */
int dstore_changes_since(struct dstore *store, int64_t tenant_id,
			 int64_t since_rev, int64_t unit_id,
			 int (*fn)(const struct dstore_change *c, void *ctx),
			 void *ctx, int64_t *upto_rev_r, struct ob_err *err);

/* One row of the audit trail. */
struct dstore_log_entry {
	int64_t id; /* increases with every row */
	int64_t rev;
	int64_t time;
	const char *actor;
	const char *what;   /* "person", "unit", "import" */
	const char *op;     /* "add", "modify", "delete", "move"; for an
			     import "import" or "undo" */
	const char *uid;    /* person uid or unit path ("" for an import) */
	const char *name;   /* a person's display name at that change (or, in
			     rows older than schema 13, as known now); "" */
	const char *detail; /* e.g. "Sales/East -> Sales/West"; for a change
			       of a person the changed fields, one line each
			       (dstore_person_diff, no indent); for an import
			       its counts and how to undo it */
};

/* The audit log since a revision, oldest first. Borrowed strings. */
int dstore_log_since(struct dstore *store, int64_t tenant_id, int64_t since_rev,
		     int (*fn)(const struct dstore_log_entry *e, void *ctx),
		     void *ctx, struct ob_err *err);

/* The audit log newest first: rows with id below before_id (0 = from the
 * newest), at most limit (0 = all). Rows older than the retention window
 * are gone (dstore_prune). */
int dstore_log_recent(struct dstore *store, int64_t tenant_id,
		      int64_t before_id, size_t limit,
		      int (*fn)(const struct dstore_log_entry *e, void *ctx),
		      void *ctx, struct ob_err *err);

/* The audit rows of one person (what "person", that uid: adds, changes,
 * moves, hides and the delete, imports' and undos' writes of it included),
 * newest first, rows with id below before_id (0 = from the newest), at
 * most limit (0 = all); as dstore_log_recent, borrowed strings, fn returns
 * non-zero to stop (that value is returned). Only the tenant's rows: a uid
 * of another enterprise lists nothing. The cost follows the tenant's
 * change log (no index by uid), not the directory. */
int dstore_log_person(struct dstore *store, int64_t tenant_id, const char *uid,
		      int64_t before_id, size_t limit,
		      int (*fn)(const struct dstore_log_entry *e, void *ctx),
		      void *ctx, struct ob_err *err);

/* ---- undo of the last import ----------------------------------------- */

/* The last import of an enterprise that changed something. */
struct dstore_import {
	int64_t id;
	int64_t rev;  /* the revision it made */
	int64_t time; /* unix time */
	char actor[DSTORE_LOGIN_MAX];
	char mode[16]; /* "merge" or "replace" (dstore_import_begin's) */
	int64_t adds, changes, deletes, units_created;
	int64_t undone_rev; /* the revision of its undo; 0 while not undone */
	int64_t undone_time;
	char undone_by[DSTORE_LOGIN_MAX];
};

/* Mark the open transaction as an import of the tenant (mode: a short
 * label such as "merge"). From then on, until commit or rollback, every
 * person it adds, changes or deletes and every unit it adds, renames or
 * moves is kept as it was before, in the same transaction, photos
 * included, so that dstore_import_undo can put it back: an import that
 * is rolled back or killed leaves nothing to undo. Deleting a unit in
 * it is refused (OB_E_INVAL). At commit, when it changed anything, it
 * becomes the tenant's last import (what the previous one kept is
 * dropped: only the last import can be undone) and writes one audit row
 * (what "import", op "import") with its counts; when it changed nothing
 * it leaves no trace. OB_E_INVAL without a transaction of the tenant. */
int dstore_import_begin(struct dstore *store, int64_t tenant_id,
			const char *mode, struct ob_err *err);
/* The tenant's last import into *i_r, undone or not. OB_E_NOTFOUND when
 * none is kept (none ever ran, or its history was pruned). */
int dstore_import_last(struct dstore *store, int64_t tenant_id,
		       struct dstore_import *i_r, struct ob_err *err);

/* What an undo does or why it cannot. */
struct dstore_undo_report {
	struct dstore_import import; /* the import undone (or looked at) */
	size_t deletes;         /* people the import added, deleted again */
	size_t restores;        /* people it changed, given their old fields */
	size_t returns;         /* people it deleted, back with their uid */
	size_t units_removed;   /* units it created, now empty, removed */
	size_t units_kept;      /* units it created that others now use */
	size_t units_restored;  /* units it renamed or moved, put back */
	struct ob_buf plan;     /* "delete <uid> <name>", "restore <uid>
				  <name>" with a "    field: ..." line per
				  field put back (current -> restored),
				  "bring back <uid> <name> in <unit>",
				  "remove unit <path>", "keep unit <path>
				  (not empty)", "put back unit <path> as
				  <path>"; one per line */
	struct ob_buf blockers; /* one line per person or unit a later
				   change touched: who, what, when
				   (UTC), which revision */
	size_t n_blockers;
};

void dstore_undo_report_init(struct dstore_undo_report *r);
void dstore_undo_report_deinit(struct dstore_undo_report *r);

/* Can the tenant's last import be undone? Reads only (no transaction
 * needed); cost follows the number of changes since the import, not its
 * size. Fills r->import and r->blockers. Returns 0 when it can;
 * OB_E_NOTFOUND "nothing to undo" when no import is kept or the last one
 * was undone already (an undo is not itself undone, and an import before
 * the last one never is); OB_E_EXISTS when later changes touched the
 * import's people or the units they need (r->blockers names each person
 * or unit with the latest such change: op, who, when, revision);
 * OB_E_GONE when the change log since the import was pruned. err says
 * which, in a sentence an administrator can act on. */
int dstore_import_undo_check(struct dstore *store, int64_t tenant_id,
			     struct dstore_undo_report *r, struct ob_err *err);
/* Undo the tenant's last import inside the open transaction of the
 * tenant (the caller commits it: one revision that devices get as an
 * ordinary delta; or rolls it back for a dry run): the same checks and
 * errors as dstore_import_undo_check, and nothing written when one
 * fails. Then people the import added are deleted (tombstones), people
 * it changed get every field back as it was (photo, phones with their
 * types, e-mails, address, note, phonetic names, unit, hidden), people
 * it deleted come back with their uid and their old person id (so a
 * device that never saw the deletion gets a change, one that did gets an
 * add), units it renamed or moved are put back, and units it created
 * that are empty then are removed (others are kept and counted). The
 * import is marked undone and what it kept is dropped; an audit row
 * (what "import", op "undo") says what was done. expect_id, when not 0,
 * is the import the caller showed: OB_E_NOTFOUND when the last import is
 * another one by now. plan: fill r->plan (costs a read of every person
 * of the import); r is reset first, so a retried transaction reports
 * once. */
int dstore_import_undo(struct dstore *store, int64_t tenant_id,
		       int64_t expect_id, bool plan,
		       struct dstore_undo_report *r, struct ob_err *err);

/* Drop change-log rows older than the tenant's retention window, never
 * past the oldest revision a device seen within the window still needs;
 * raises pruned_rev; drops the map history (dstore_map_history) older
 * than the window, and the undo record of an import whose later history
 * is gone (it could not be checked any more). now = unix time (tests pass their own). */
int dstore_prune(struct dstore *store, int64_t tenant_id, int64_t now,
		 int64_t *pruned_rev_r, struct ob_err *err);

/* ---- photo thumbnails (thumb.c) -------------------------------------- */

/* Made once and kept (schema 16 -> 17), so a card never decodes a photo
 * twice: the JPEG bytes of a person's photo scaled for one edge and one
 * byte cap, keyed by the tenant, the photo's hash, the edge and the cap.
 * Any instance fills a missing row (two filling at once is harmless: the
 * same bytes, the first kept). The row of a photo goes when that photo
 * is changed or removed, or its person deleted; dstore_thumb_prune
 * removes the rest. The store never makes thumbnails (lib/dircard). */
#define DSTORE_THUMB_KEY_LEN 65 /* hex SHA-256 and its NUL */

/* The key of a photo's bytes: its SHA-256 in hex. Returns 0 or OB_E_FAIL
 * (no hash). */
int dstore_thumb_key(const unsigned char *photo, size_t len,
		     char key_r[DSTORE_THUMB_KEY_LEN], struct ob_err *err);

/* The stored thumbnail of key at edge and max_bytes into *data_r
 * (malloc'd, the caller's; NULL when *len_r is 0: the photo could not be
 * made into one, and that was stored). Returns 0, OB_E_NOTFOUND (none
 * stored), OB_E_NOMEM or a database error. */
int dstore_thumb_get(struct dstore *store, int64_t tenant_id, const char *key,
		     uint32_t edge, size_t max_bytes, unsigned char **data_r,
		     size_t *len_r, struct ob_err *err);

/* Store a thumbnail (len 0: none can be made) of the photo of person_id
 * whose key it is; an existing row stays. Runs in its own transaction, or
 * in the caller's when one is open. Returns 0 or a database error
 * (callers serving a card go on without storing). */
int dstore_thumb_put(struct dstore *store, int64_t tenant_id, int64_t person_id,
		     const char *key, uint32_t edge, size_t max_bytes,
		     const unsigned char *data, size_t len, int64_t now,
		     struct ob_err *err);

/* Remove the thumbnails of people without a photo (the photo's removal
 * takes them already; this catches any left), and those of sizes
 * not in keep[0..n_keep) ({edge, max_bytes} pairs: what the server is
 * configured for; n_keep 0 keeps every size), of every tenant.
 * *removed_r (may be NULL) counts them. Returns 0 or a database error. */
struct dstore_thumb_size {
	uint32_t edge;
	size_t max_bytes;
};
int dstore_thumb_prune(struct dstore *store,
		       const struct dstore_thumb_size *keep, size_t n_keep,
		       int64_t *removed_r, struct ob_err *err);

/* ---- login throttling ------------------------------------------------ */

/* Failed-login throttling per key ("login:alice", "addr:10.0.0.1").
 * check: *until_r gets the unix time before which attempts are refused
 * (0 when allowed). fail: count a failure at `now`; after `free_tries`
 * failures inside `window` seconds the key is locked for `first_delay`
 * seconds, doubling with each further failure, at most `max_delay`
 * seconds. clear: forget the key (after a success). */
int dstore_throttle_check(struct dstore *store, const char *key, int64_t now,
			  int64_t *until_r, struct ob_err *err);
int dstore_throttle_fail(struct dstore *store, const char *key, int64_t now,
			 int free_tries, int64_t window, int64_t first_delay,
			 int64_t max_delay, struct ob_err *err);
int dstore_throttle_clear(struct dstore *store, const char *key,
			  struct ob_err *err);

/* ---- account activity ------------------------------------------------ */

/* Who did what to accounts, apart from the directory's change log (which
 * drives sync): "create", "disable", "enable", "password", "sign-in". Own
 * transaction unless one is open; it never bumps the revision. */
struct dstore_account_event {
	int64_t id, time;
	const char *actor, *op, *login, *detail; /* borrowed */
};

int dstore_account_log_add(struct dstore *store, int64_t tenant_id, int64_t now,
			   const char *actor, const char *op, const char *login,
			   const char *detail, struct ob_err *err);
/* Newest first, at most limit (0 = all). */
int dstore_account_log_recent(struct dstore *store, int64_t tenant_id,
			      size_t limit,
			      int (*fn)(const struct dstore_account_event *e,
					void *ctx),
			      void *ctx, struct ob_err *err);

/* ---- password logins ----------------------------------------------- */

/* A password login, throttled per login (5 failures) and per client
 * address (30) within 15 minutes, then locked out for 30 seconds, doubling
 * with each further failure up to 15 minutes; the rows are shared by all
 * server instances. OB_E_AUTH for a wrong password, unknown login or
 * disabled account (failure counted); OB_E_LIMIT while throttled (the
 * password is not even checked). A success clears the login's count. */
int dstore_login(struct dstore *store, const char *login, const char *password,
		 const char *addr, int64_t now, struct dstore_account *a_r,
		 struct ob_err *err);
/* The pieces of dstore_login for other kinds of credentials (MD5).
 * throttled: the unix time before which the login or the address is
 * locked out, 0 when neither is (what a 429's Retry-After is made of). */
int64_t dstore_login_throttled(struct dstore *store, const char *login,
			       const char *addr, int64_t now);
void dstore_login_failed(struct dstore *store, const char *login,
			 const char *addr, int64_t now);
void dstore_login_succeeded(struct dstore *store, const char *login);
/* Record a successful sign-in of an account at `now` (its last_login):
 * one UPDATE, in the open transaction when there is one, else its own.
 * Call it once per sign-in (a web login, the first authenticated message
 * of a SyncML session), never for a refused attempt. */
int dstore_login_record(struct dstore *store, int64_t tenant_id,
			int64_t account_id, int64_t now, struct ob_err *err);

/* ---- password-reset links ------------------------------------------ */

/* A one-time link an administrator hands to a user to set a password
 * (account-reset.c). The token is 32 bytes from getrandom as 64 hex
 * characters; only its SHA-256 is stored, so it is shown once. An
 * account has at most one: a new link replaces the previous one;
 * disabling the account or setting its password cancels it. */
#define DSTORE_RESET_TOKEN_MAX 65
#define DSTORE_RESET_HOURS_DEFAULT 72
#define DSTORE_RESET_HOURS_MAX (24 * 30)

/* Make the link of an account of the tenant, valid `hours` (1 ..
 * DSTORE_RESET_HOURS_MAX) from now; token_r gets its token, *expires_r
 * (may be NULL) its end. Own transaction unless one is open.
 * OB_E_NOTFOUND (account), OB_E_INVAL (hours), OB_E_IO (no
 * randomness). */
int dstore_reset_create(struct dstore *store, int64_t tenant_id,
			int64_t account_id, int64_t now, int hours,
			const char *actor, char token_r[DSTORE_RESET_TOKEN_MAX],
			int64_t *expires_r, struct ob_err *err);
/* The account a token resets, without using it. OB_E_NOTFOUND with the
 * one message "invalid or expired reset link" for a token that is
 * malformed, unknown, used, expired at `now`, or whose account is
 * disabled (the callers must not tell these apart to the holder; err's
 * field says which, for the server log: "token", "expired",
 * "disabled"). */
int dstore_reset_check(struct dstore *store, const char *token, int64_t now,
		       struct dstore_account *a_r, struct ob_err *err);
/* Use a token: the account's password set as dstore_account_set_password
 * does (its rules; the MD5 equivalent when the tenant allows MD5), the
 * token deleted, the account's web sessions ended, in one transaction
 * (the hash computed before it). OB_E_NOTFOUND as dstore_reset_check
 * (nothing changed); OB_E_INVAL (field "password") for a password the
 * rules refuse (the token stays usable). *a_r (may be NULL) gets the
 * account. */
int dstore_reset_use(struct dstore *store, const char *token,
		     const char *password, int64_t now,
		     struct dstore_account *a_r, struct ob_err *err);

#endif
