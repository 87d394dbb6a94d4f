/* Private to lib/dirstore: the store handle, the open transaction and the
 * prepared-statement cache shared by the module's files. */
#ifndef DSTORE_INTERNAL_H
#define DSTORE_INTERNAL_H

#include "dirstore/db.h"
#include "dirstore/dirstore.h"

/* distinct statements one store handle may prepare: a server process
 * serving both SyncML and the admin pages uses most of the module's */
#define STMT_CACHE_SIZE 160

struct stmt_slot {
	const char *sql; /* the literal's address is the key */
	struct db_stmt *stmt;
};

/* A password verified recently (account.c keeps them for the process):
 * HMAC of login:password under a random process key, with the hash it
 * matched. Reused only while the account's stored hash is unchanged, so a
 * new password or a disabled account takes effect at once. */
#define VERIFIED_SLOTS 128
#define VERIFIED_TTL 600 /* seconds */
struct verified {
	unsigned char mac[32];
	char pwhash[160];
	int64_t expires;
};

struct dstore {
	struct db *db; /* the connection, through its driver */
	char *key_path;
	char *db_file;     /* the SQLite file (its owner owns the key); NULL
			      for PostgreSQL */
	char notice[1024]; /* files tightened at open (dstore_open_notice) */
	unsigned char key[32];
	bool key_loaded;
	size_t photo_max;
	struct stmt_slot stmts[STMT_CACHE_SIZE];
	/* the open write transaction, if any */
	bool in_txn;
	int64_t txn_tenant;
	int64_t txn_rev; /* revision this transaction commits as */
	bool txn_changed;
	int64_t txn_time;
	char txn_actor[DSTORE_LOGIN_MAX];
	/* an import transaction (dstore_import_begin): what it writes is
	 * kept for its undo in import_undo row txn_import_id (0 until the
	 * first write) */
	bool txn_import;
	char txn_import_mode[16];
	int64_t txn_import_id;
	/* the device this connection holds (dstore_device_lock) */
	bool dev_locked;
	int64_t dev_key;
};

/* A cached prepared statement for a string literal, reset and with its
 * bindings cleared. NULL on failure (err filled). */
struct db_stmt *ds_stmt(struct dstore *s, const char *sql, struct ob_err *err);

/* Fill err for a failed statement: code is the driver's OB_E_* (a
 * non-negative one, a step's unexpected row or end, is OB_E_FAIL), the
 * message "database: <what>: <the driver's text>". Returns the code. */
int ds_sql_err(struct dstore *s, int code, const char *what,
	       struct ob_err *err);

/* Step a statement expected to finish (DONE). */
int ds_exec_stmt(struct dstore *s, struct db_stmt *st, const char *what,
		 struct ob_err *err);

/* Run SQL text without results (schema steps, savepoints). */
int ds_exec(struct dstore *s, const char *sql, struct ob_err *err);
/* The driver's begin and commit of a write transaction, err filled on
 * failure (OB_E_BUSY, OB_E_IO or OB_E_FAIL). */
int ds_db_begin(struct dstore *s, struct ob_err *err);
int ds_db_commit(struct dstore *s, struct ob_err *err);

/* The one retry helper of the store's writers: a write transaction whose
 * body runs again, whole, when beginning, the body or the commit fails
 * with OB_E_BUSY (SQLite's lock still held after the busy timeout, a
 * PostgreSQL serialization failure, which comes at COMMIT):
 *
 *	struct ds_txn t = DS_TXN_OWN;
 *	int ret;
 *
 *	while (ds_txn_next(s, &t, &ret, err)) {
 *		... the body: ret = 0 or an OB_E_*; `continue` ends it ...
 *	}
 *	return ret;
 *
 * ds_txn_next begins, and after the body ends: commit when ret is 0, else
 * roll back; it returns false when done, ret the result. A tenant
 * transaction (ds_txn_tenant) is dstore_begin ... dstore_commit. An own
 * one (DS_TXN_OWN: a write outside tenant data, such as sessions, nonces,
 * throttling) joins the transaction already open instead, and then runs
 * its body once (the opener retries). At most `tries` runs in all;
 * ds_txn_stmt also fetches the cached statement for sql into *st_r at
 * each run. */
struct ds_txn {
	int tries;
	bool tenant; /* dstore_begin/commit, else an own transaction */
	int64_t tenant_id;
	const char *actor;
	int64_t *rev_r;
	int runs;  /* private: bodies begun */
	bool open; /* private: a body is running */
	bool own;  /* private: this run opened the transaction */
};
#define DS_OWN_TRIES 4
#define DS_TXN_OWN ((struct ds_txn){.tries = DS_OWN_TRIES, .tenant = false})
bool ds_txn_next(struct dstore *s, struct ds_txn *t, int *ret,
		 struct ob_err *err);
bool ds_txn_stmt(struct dstore *s, struct ds_txn *t, const char *sql,
		 struct db_stmt **st_r, int *ret, struct ob_err *err);

/* Check that a write transaction for tenant_id is open. */
int ds_need_txn(struct dstore *s, int64_t tenant_id, struct ob_err *err);
/* syncstate.c: the LUID index of a sync state's id map (id_map_rev, see
 * schema.c 6 -> 7). A mapping written to id_map goes into it too when the
 * state has one; clearing the map drops it. */
int ds_map_rev_put(struct dstore *s, int64_t tenant_id, int64_t state_id,
		   const char *guid, const char *luid, struct ob_err *err);
int ds_map_rev_clear(struct dstore *s, int64_t tenant_id, int64_t state_id,
		     struct ob_err *err);
/* Does the state have its LUID index? */
bool ds_map_rev_on(struct dstore *s, int64_t tenant_id, int64_t state_id);

/* For a write statement: ds_need_txn, then the cached statement into
 * *st_r. Returns 0 or the error code. */
int ds_write_stmt(struct dstore *s, int64_t tenant_id, const char *sql,
		  struct db_stmt **st_r, struct ob_err *err);

/* Bind a C string or NULL (empty string binds as NULL when null_empty). */
void ds_bind_text(struct db_stmt *st, int idx, const char *v);

/* strdup of a column (NULL stays NULL); *oom set on allocation failure. */
char *ds_col_dup(struct db_stmt *st, int col, bool *oom);

/* Record one change-log row in the open transaction and mark it changed. */
struct ds_change_row {
	const char *what; /* "person" or "unit" */
	const char *op;   /* "add", "modify", "delete", "move" */
	int64_t person_id;
	const char *uid;
	const char *old_idpath, *new_idpath; /* NULL when absent */
	bool old_visible, new_visible;
	const char *detail;
	const char *name; /* a person's display name, NULL for units */
	int64_t unit_id;  /* the unit of a unit row, 0 for people */
};
int ds_log_change(struct dstore *s, const struct ds_change_row *row,
		  struct ob_err *err);

/* undo.c: keep what an import transaction writes (no-ops outside one).
 * ds_undo_person before a person is updated or deleted (existed: its
 * row is copied, photo included) or after it was added (!existed); only
 * the first write of a person in the import counts. ds_undo_unit after
 * a unit was added (op "add") or before it is renamed or moved. Called
 * by person.c and unit.c. */
int ds_undo_person(struct dstore *s, int64_t tenant_id, const char *uid,
		   int64_t person_id, bool existed, struct ob_err *err);
int ds_undo_unit(struct dstore *s, int64_t tenant_id, int64_t unit_id,
		 const char *op, const char *path, struct ob_err *err);
/* At commit of an import that wrote something: its counts into its
 * import_undo row and its audit row (store.c calls it). */
int ds_undo_finish(struct dstore *s, struct ob_err *err);

/* person.c for undo.c: a person put that, when it adds, takes the id
 * want_id (> 0: the id a deleted person had; ids are never given twice,
 * so it is free) instead of a new one; dstore_person_put is want_id 0. */
int ds_person_put_at(struct dstore *s, int64_t tenant_id,
		     struct dstore_person *p, int64_t want_id,
		     enum dstore_put_result *result_r, struct ob_err *err);
/* The current row of st, whose first 22 columns are shaped as person.c's
 * PERSON_COLS (id, uid, unit_id, family, given, display,
 * phonetic_family, phonetic_given, title, phones, emails, street,
 * locality, region, postcode, country, note, hidden, mtime, rev,
 * unit_path, has_photo), as a person of the caller's, without photo. */
int ds_person_from_stmt(struct dstore *s, struct db_stmt *st,
			struct dstore_person *p_r, struct ob_err *err);

/* path of a unit ("" for none), malloc'd. */
int ds_unit_path(struct dstore *s, int64_t tenant_id, int64_t unit_id,
		 char **path_r, struct ob_err *err);

/* idpath of a unit ("/" for none), malloc'd. */
int ds_unit_idpath(struct dstore *s, int64_t tenant_id, int64_t unit_id,
		   char **idpath_r, struct ob_err *err);

/* Validation helpers shared by accounts, units and people. */
int ds_check_text(const char *v, size_t max, bool multiline, const char *field,
		  struct ob_err *err);

/* The store key (loading or creating the key file on first use). */
int ds_key(struct dstore *s, const unsigned char **key_r, struct ob_err *err);

/* SQL of a name's match key: without spaces, tabs and ideographic
 * spaces, ASCII letters lowercased ("Anna  Li" and "annali", "张 伟" and
 * "张伟" are one key). Indexes are built on it (schema step 8 -> 9): a
 * change here needs a new migration step rebuilding them. */
#define DS_NAME_KEY(col)                                                       \
	"lower(replace(replace(replace(" col ", ' ', ''), char(9), ''), "      \
	"char(12288), ''))"
/* The same key in PostgreSQL's spelling (chr for char). */
#define DS_NAME_KEY_PG(col)                                                    \
	"lower(replace(replace(replace(" col ", ' ', ''), chr(9), ''), "       \
	"chr(12288), ''))"

/* account.c: an account row with its linked person, as every account
 * query reads it (columns 0..9: id, tenant_id, login, role, disabled,
 * created, pwhash, last_login, the person's uid and display name); the
 * FROM clause names the account "a" and the person "p". */
#define DS_ACCOUNT_COLS                                                        \
	"a.id, a.tenant_id, a.login, a.role, a.disabled, a.created, "          \
	"a.pwhash, a.last_login, p.uid, p.display "
#define DS_ACCOUNT_FROM                                                        \
	"FROM account a LEFT JOIN person p ON p.id = a.person_id AND "         \
	"p.tenant_id = a.tenant_id "
void ds_account_from_row(struct db_stmt *st, struct dstore_account *a);
/* A prepared password into the account's row; the account's reset link
 * cancelled and its web sessions ended (own transaction unless one is
 * open). OB_E_NOTFOUND when no such account of the tenant. */
int ds_account_store_password(struct dstore *s, int64_t tenant_id,
			      int64_t account_id,
			      const struct dstore_password *pw,
			      struct ob_err *err);
/* person.c, before a person is deleted (open transaction): the account
 * linked to it, if any, loses the link, with an account_log row by the
 * transaction's actor naming the person. */
int ds_account_person_gone(struct dstore *s, int64_t tenant_id,
			   int64_t person_id, const char *uid, const char *name,
			   struct ob_err *err);

/* Migration steps, oldest first; defined in schema.c. ds_migrations_pg
 * has as many, NULL where PostgreSQL has nothing to do (its first step
 * makes the schema of every step SQLite had then). */
extern const char *const ds_migrations[];
extern const char *const ds_migrations_pg[];
extern const int ds_migration_count;
/* What PostgreSQL's step (from 0) needs from the store's C after its SQL
 * (step 0: the pinyin tables of its ds_initials). */
int ds_migration_fill_pg(struct dstore *s, int step, struct ob_err *err);

#endif
