/* The undo of an enterprise's last import.
 *
 * An import runs in one transaction marked by dstore_import_begin. While
 * it runs, person.c and unit.c hand every first write of a person or unit
 * to ds_undo_person / ds_undo_unit, which copy the row as it was into
 * import_undo_person / import_undo_unit (schema step 12 -> 13) in that
 * same transaction: the undo record commits with the import or not at
 * all. Only the last import of a tenant is kept (a new one drops the
 * older record), so the record's size is bounded by one import.
 *
 * The undo is allowed while no later change touched what it puts back:
 * a change-log row after the import's revision for one of its people, or
 * a later rename, move or deletion of a unit one of them needs (found by
 * change_log.unit_id among the ids of the unit's id path), or of a unit
 * the import created, renamed or moved. It then writes, in the caller's
 * one transaction, the old state back through the ordinary person and
 * unit writes, so the change log (and so every device) sees one revision
 * of ordinary changes. A person the import deleted comes back under its
 * old person id: ids are never given twice (schema step 9 -> 10), and
 * with the same id the change feed folds the deletion and the return
 * into one change for a device that never saw the deletion.
 *
 * It does not undo an undo, nor an import before the last one, and it
 * cannot check (so refuses) an import whose later history was pruned. */
#include "config.h"
#include "dirstore/internal.h"
#include "util/buf.h"
#include "util/str.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BLOCKERS_MAX 100 /* blocking changes listed at most */

void dstore_undo_report_init(struct dstore_undo_report *r)
{
	memset(r, 0, sizeof(*r));
	ob_buf_init(&r->plan, 256u << 20);
	ob_buf_init(&r->blockers, 1u << 20);
}

void dstore_undo_report_deinit(struct dstore_undo_report *r)
{
	ob_buf_deinit(&r->plan);
	ob_buf_deinit(&r->blockers);
}

static void report_reset(struct dstore_undo_report *r)
{
	struct ob_buf plan = r->plan, blockers = r->blockers;

	ob_buf_reset(&plan);
	ob_buf_reset(&blockers);
	memset(r, 0, sizeof(*r));
	r->plan = plan;
	r->blockers = blockers;
}

static void utc(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, 32, "%lld", (long long)t);
}

int dstore_import_begin(struct dstore *s, int64_t tenant_id, const char *mode,
			struct ob_err *err)
{
	int ret = ds_need_txn(s, tenant_id, err);

	if (ret < 0)
		return ret;
	s->txn_import = true;
	s->txn_import_id = 0;
	ob_strlcpy(s->txn_import_mode, mode && mode[0] ? mode : "import",
		   sizeof(s->txn_import_mode));
	return 0;
}

/* The import's record, made at its first write; the tenant's older
 * record goes (with what it kept: ON DELETE CASCADE). */
static int undo_row(struct dstore *s, struct ob_err *err)
{
	static const char drop[] =
		"DELETE FROM import_undo WHERE tenant_id = ?";
	static const char ins[] =
		"INSERT INTO import_undo (tenant_id, rev, time, actor, mode) "
		"VALUES (?, ?, ?, ?, ?)";
	struct db_stmt *st = ds_stmt(s, drop, err);
	int ret;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, s->txn_tenant);
	ret = ds_exec_stmt(s, st, "undo record", err);
	if (ret < 0)
		return ret;
	st = ds_stmt(s, ins, err);
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, s->txn_tenant);
	db_bind_int64(st, 2, s->txn_rev);
	db_bind_int64(st, 3, s->txn_time);
	db_bind_text(st, 4, s->txn_actor);
	db_bind_text(st, 5, s->txn_import_mode);
	ret = ds_exec_stmt(s, st, "undo record", err);
	if (ret == 0)
		s->txn_import_id = db_last_insert_id(s->db);
	return ret;
}

int ds_undo_person(struct dstore *s, int64_t tenant_id, const char *uid,
		   int64_t person_id, bool existed, struct ob_err *err)
{
	static const char was[] =
		"INSERT INTO import_undo_person (undo_id, uid, "
		"person_id, existed, unit_id, unit_idpath, unit_path, family, "
		"given, display, phonetic_family, phonetic_given, title, "
		"phones, emails, street, locality, region, postcode, country, "
		"note, hidden, mtime, rev, photo) SELECT ?1, p.uid, p.id, 1, "
		"p.unit_id, u.idpath, u.path, p.family, p.given, p.display, "
		"p.phonetic_family, p.phonetic_given, p.title, p.phones, "
		"p.emails, p.street, p.locality, p.region, p.postcode, "
		"p.country, p.note, p.hidden, p.mtime, p.rev, (SELECT data "
		"FROM photo WHERE person_id = p.id) FROM person p LEFT JOIN "
		"unit u ON u.id = p.unit_id WHERE p.tenant_id = ?2 AND "
		"p.id = ?3 "
		"ON CONFLICT DO NOTHING";
	static const char added[] =
		"INSERT INTO import_undo_person (undo_id, uid, "
		"person_id, existed) VALUES (?1, ?4, ?3, 0) "
		"ON CONFLICT DO NOTHING";
	struct db_stmt *st;
	int ret;

	if (!s->txn_import || s->txn_tenant != tenant_id)
		return 0;
	if (s->txn_import_id == 0) {
		ret = undo_row(s, err);
		if (ret < 0)
			return ret;
	}
	st = ds_stmt(s, existed ? was : added, err);
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, s->txn_import_id);
	db_bind_int64(st, 3, person_id);
	if (existed)
		db_bind_int64(st, 2, tenant_id);
	else
		db_bind_text(st, 4, uid);
	return ds_exec_stmt(s, st, "undo record", err);
}

int ds_undo_unit(struct dstore *s, int64_t tenant_id, int64_t unit_id,
		 const char *op, const char *path, struct ob_err *err)
{
	static const char sql[] =
		"INSERT INTO import_undo_unit (undo_id, unit_id, op, "
		"old_parent, old_name, path) SELECT ?1, id, ?2, parent_id, "
		"name, ?3 FROM unit WHERE id = ?4 AND tenant_id = ?5 "
		"ON CONFLICT DO NOTHING";
	struct db_stmt *st;
	int ret;

	if (!s->txn_import || s->txn_tenant != tenant_id)
		return 0;
	if (s->txn_import_id == 0) {
		ret = undo_row(s, err);
		if (ret < 0)
			return ret;
	}
	st = ds_stmt(s, sql, err);
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, s->txn_import_id);
	db_bind_text(st, 2, op);
	db_bind_text(st, 3, path);
	db_bind_int64(st, 4, unit_id);
	db_bind_int64(st, 5, tenant_id);
	return ds_exec_stmt(s, st, "undo record", err);
}

int ds_undo_finish(struct dstore *s, struct ob_err *err)
{
	/* a person added and deleted by the one import counts as neither */
	static const char counts[] =
		"UPDATE import_undo SET "
		"adds = (SELECT count(*) FROM import_undo_person x WHERE "
		"x.undo_id = ?1 AND x.existed = 0 AND EXISTS (SELECT 1 FROM "
		"person p WHERE p.tenant_id = ?2 AND p.uid = x.uid)), "
		"changes = (SELECT count(*) FROM import_undo_person x WHERE "
		"x.undo_id = ?1 AND x.existed = 1 AND EXISTS (SELECT 1 FROM "
		"person p WHERE p.tenant_id = ?2 AND p.uid = x.uid)), "
		"deletes = (SELECT count(*) FROM import_undo_person x WHERE "
		"x.undo_id = ?1 AND x.existed = 1 AND NOT EXISTS (SELECT 1 "
		"FROM person p WHERE p.tenant_id = ?2 AND p.uid = x.uid)), "
		"units_created = (SELECT count(*) FROM import_undo_unit WHERE "
		"undo_id = ?1 AND op = 'add') WHERE id = ?1 "
		"RETURNING adds, changes, deletes, units_created";
	struct ds_change_row row = {0};
	long long n[4] = {0, 0, 0, 0};
	char detail[512];
	struct db_stmt *st = ds_stmt(s, counts, err);
	int rc;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, s->txn_import_id);
	db_bind_int64(st, 2, s->txn_tenant);
	rc = db_step(st);
	if (rc == DB_ROW) {
		for (int i = 0; i < 4; i++)
			n[i] = db_column_int64(st, i);
		rc = db_step(st);
	}
	db_reset(st);
	if (rc != DB_DONE)
		return ds_sql_err(s, rc, "undo record", err);
	snprintf(detail, sizeof(detail),
		 "%s import: %lld added, %lld changed, %lld deleted, %lld "
		 "unit%s created; it can be undone (orgbook-admin import "
		 "--undo, or Undo on the Import page) while it is the last "
		 "import and no later change touches its people",
		 s->txn_import_mode, n[0], n[1], n[2], n[3],
		 n[3] == 1 ? "" : "s");
	row.what = "import";
	row.op = "import";
	row.detail = detail;
	return ds_log_change(s, &row, err);
}

int dstore_import_last(struct dstore *s, int64_t tenant_id,
		       struct dstore_import *i_r, struct ob_err *err)
{
	static const char sql[] =
		"SELECT id, rev, time, actor, mode, adds, changes, deletes, "
		"units_created, undone_rev, undone_time, undone_by FROM "
		"import_undo WHERE tenant_id = ? ORDER BY id DESC LIMIT 1";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc;

	memset(i_r, 0, sizeof(*i_r));
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		i_r->id = db_column_int64(st, 0);
		i_r->rev = db_column_int64(st, 1);
		i_r->time = db_column_int64(st, 2);
		ob_strlcpy(i_r->actor, db_column_text(st, 3),
			   sizeof(i_r->actor));
		ob_strlcpy(i_r->mode, db_column_text(st, 4), sizeof(i_r->mode));
		i_r->adds = db_column_int64(st, 5);
		i_r->changes = db_column_int64(st, 6);
		i_r->deletes = db_column_int64(st, 7);
		i_r->units_created = db_column_int64(st, 8);
		i_r->undone_rev = db_column_int64(st, 9);
		i_r->undone_time = db_column_int64(st, 10);
		ob_strlcpy(i_r->undone_by, db_column_text(st, 11),
			   sizeof(i_r->undone_by));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return ob_err_set(err, OB_E_NOTFOUND,
				  "nothing to undo: no import is kept for "
				  "this enterprise (only the last import "
				  "can be undone, while its history is kept)");
	return rc == DB_ROW ? 0 : ds_sql_err(s, rc, "last import", err);
}

static void blocker(struct dstore_undo_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void blocker(struct dstore_undo_report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->n_blockers++ >= BLOCKERS_MAX)
		return;
	va_start(ap, fmt);
	(void)ob_buf_vaddf(&r->blockers, fmt, ap);
	va_end(ap);
	(void)ob_buf_add_char(&r->blockers, '\n');
}

static const char *op_word(const char *what, const char *op)
{
	if (strcmp(op, "add") == 0)
		return "added";
	if (strcmp(op, "delete") == 0)
		return "deleted";
	if (strcmp(op, "move") == 0)
		return "moved";
	return strcmp(what, "unit") == 0 ? "renamed" : "changed";
}

/* People of the import with a change-log row after it: the latest such
 * row of each. */
static int person_blockers(struct dstore *s, int64_t tenant_id,
			   struct dstore_undo_report *r, struct ob_err *err)
{
	/* SQLite takes the other columns from the row of max(c.id);
	 * PostgreSQL says so with DISTINCT ON */
	static const char *const sql_of[DB_DIALECT_COUNT] = {
		[DB_DIALECT_SQLITE] =
			"SELECT uid, name, actor, time, rev, op FROM (SELECT "
			"c.uid AS uid, coalesce(c.name, x.display, '') AS "
			"name, c.actor AS actor, c.time AS time, c.rev AS rev, "
			"c.op AS op, max(c.id) AS last FROM change_log c JOIN "
			"import_undo_person x ON x.undo_id = ?1 AND x.uid = "
			"c.uid WHERE c.tenant_id = ?2 AND c.rev > ?3 AND "
			"c.what = 'person' GROUP BY c.uid) ORDER BY last",
		[DB_DIALECT_PGSQL] =
			"SELECT uid, name, actor, time, rev, op FROM (SELECT "
			"DISTINCT ON (c.uid) c.uid AS uid, coalesce(c.name, "
			"x.display, '') AS name, c.actor AS actor, c.time AS "
			"time, c.rev AS rev, c.op AS op, c.id AS last FROM "
			"change_log c JOIN import_undo_person x ON x.undo_id = "
			"?1 AND x.uid = c.uid WHERE c.tenant_id = ?2 AND c.rev "
			"> ?3 AND c.what = 'person' ORDER BY c.uid, c.id DESC) "
			"AS b ORDER BY last",
	};
	struct db_stmt *st = ds_stmt(s, sql_of[db_dialect(s->db)], err);
	int rc;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, r->import.id);
	db_bind_int64(st, 2, tenant_id);
	db_bind_int64(st, 3, r->import.rev);
	while ((rc = db_step(st)) == DB_ROW) {
		char when[32];

		utc(db_column_int64(st, 3), when);
		blocker(r,
			"person %s %s: %s since the import by %s at %s "
			"(revision %lld)",
			db_column_text(st, 0), db_column_text(st, 1),
			op_word("person", db_column_text(st, 5)),
			db_column_text(st, 2), when,
			(long long)db_column_int64(st, 4));
	}
	db_reset(st);
	return rc == DB_DONE ? 0 : ds_sql_err(s, rc, "undo check", err);
}

/* Later renames, moves and deletions of units: of a unit the import
 * created, renamed or moved, or of a unit (or a unit above it) that a
 * person the import changed or deleted was in. */
static int unit_blockers(struct dstore *s, int64_t tenant_id,
			 struct dstore_undo_report *r, struct ob_err *err)
{
	static const char later[] =
		"SELECT unit_id, coalesce(uid, ''), op, actor, time, rev, "
		"coalesce(detail, '') FROM change_log WHERE tenant_id = ?1 AND "
		"rev > ?2 AND what = 'unit' AND unit_id IS NOT NULL AND op <> "
		"'add' ORDER BY id";
	static const char own[] = "SELECT op, path FROM import_undo_unit "
				  "WHERE undo_id = ?1 AND unit_id = ?2";
	static const char needed[] =
		"SELECT uid, coalesce(display, ''), coalesce(unit_path, ''), "
		"(SELECT count(*) FROM import_undo_person WHERE undo_id = ?1 "
		"AND existed = 1 AND instr(unit_idpath, ?2) > 0) FROM "
		"import_undo_person WHERE undo_id = ?1 AND existed = 1 AND "
		"instr(unit_idpath, ?2) > 0 ORDER BY rowid LIMIT 1";
	struct db_stmt *st = ds_stmt(s, later, err);
	int rc, ret = 0;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_int64(st, 2, r->import.rev);
	while (ret == 0 && (rc = db_step(st)) == DB_ROW) {
		int64_t unit_id = db_column_int64(st, 0);
		const char *op = db_column_text(st, 2);
		char when[32], change[DSTORE_LOGIN_MAX + 1400], key[32];
		const char *detail = db_column_text(st, 6);
		struct db_stmt *q;

		utc(db_column_int64(st, 4), when);
		snprintf(change, sizeof(change),
			 "%s since the import by %s at %s (revision "
			 "%lld%s%.1200s)",
			 op_word("unit", op), db_column_text(st, 3), when,
			 (long long)db_column_int64(st, 5),
			 detail[0] ? ": " : "", detail);
		q = ds_stmt(s, own, err);
		if (q == NULL) {
			ret = err ? err->code : OB_E_FAIL;
			break;
		}
		db_bind_int64(q, 1, r->import.id);
		db_bind_int64(q, 2, unit_id);
		if (db_step(q) == DB_ROW) {
			const char *iop = db_column_text(q, 0);
			bool created = strcmp(iop, "add") == 0;

			/* a unit the import created and someone deleted
			 * since is gone either way */
			if (!created || strcmp(op, "delete") != 0)
				blocker(r, "unit %s (%s by the import): %s",
					db_column_text(q, 1),
					created                    ? "created"
					: strcmp(iop, "move") == 0 ? "moved"
								   : "renamed",
					change);
		}
		db_reset(q);
		q = ds_stmt(s, needed, err);
		if (q == NULL) {
			ret = err ? err->code : OB_E_FAIL;
			break;
		}
		snprintf(key, sizeof(key), "/%lld/", (long long)unit_id);
		db_bind_int64(q, 1, r->import.id);
		db_bind_text_copy(q, 2, key);
		if (db_step(q) == DB_ROW) {
			long long more = db_column_int64(q, 3) - 1;

			blocker(r, "unit %s (needed by %s %s%s%.0lld%s): %s",
				db_column_text(q, 2), db_column_text(q, 0),
				db_column_text(q, 1), more > 0 ? " and " : "",
				more > 0 ? more : 0,
				more > 1   ? " others"
				: more > 0 ? " other"
					   : "",
				change);
		}
		db_reset(q);
	}
	if (ret == 0 && rc != DB_DONE)
		ret = ds_sql_err(s, rc, "undo check", err);
	db_reset(st);
	return ret;
}

/* The last import, and whether it can be undone (the errors of
 * dstore_import_undo_check). */
static int check(struct dstore *s, int64_t tenant_id,
		 struct dstore_undo_report *r, struct ob_err *err)
{
	struct dstore_import *im = &r->import;
	struct dstore_tenant t;
	char when[32], undone[32];
	int ret;

	ret = dstore_import_last(s, tenant_id, im, err);
	if (ret == 0)
		ret = dstore_tenant_get(s, tenant_id, &t, err);
	if (ret < 0)
		return ret;
	utc(im->time, when);
	if (im->undone_rev != 0) {
		utc(im->undone_time, undone);
		return ob_err_set(err, OB_E_NOTFOUND,
				  "nothing to undo: the last import (revision "
				  "%lld, %s by %s at %s) was undone in "
				  "revision %lld by %s at %s; an undo is not "
				  "undone (import the file again instead)",
				  (long long)im->rev, im->mode, im->actor, when,
				  (long long)im->undone_rev, im->undone_by,
				  undone);
	}
	if (t.pruned_rev > im->rev)
		return ob_err_set(err, OB_E_GONE,
				  "the import of revision %lld is older than "
				  "the change history kept (%d days): what "
				  "changed since cannot be checked, so it "
				  "cannot be undone",
				  (long long)im->rev, t.retention_days);
	ret = person_blockers(s, tenant_id, r, err);
	if (ret == 0)
		ret = unit_blockers(s, tenant_id, r, err);
	if (ret < 0)
		return ret;
	if (r->n_blockers > BLOCKERS_MAX)
		(void)ob_buf_addf(&r->blockers, "... and %zu more\n",
				  r->n_blockers - BLOCKERS_MAX);
	if (r->n_blockers > 0)
		return ob_err_set(
			err, OB_E_EXISTS,
			"undo refused: %zu later change%s touch%s the "
			"people or units of the import of revision "
			"%lld (%s by %s at %s); revert those changes "
			"first, or change the directory by hand",
			r->n_blockers, r->n_blockers == 1 ? "" : "s",
			r->n_blockers == 1 ? "es" : "", (long long)im->rev,
			im->mode, im->actor, when);
	return 0;
}

int dstore_import_undo_check(struct dstore *s, int64_t tenant_id,
			     struct dstore_undo_report *r, struct ob_err *err)
{
	report_reset(r);
	return check(s, tenant_id, r, err);
}

/* Put back the units the import renamed or moved, latest first. */
static int restore_units(struct dstore *s, int64_t tenant_id,
			 struct dstore_undo_report *r, bool plan,
			 struct ob_err *err)
{
	static const char sql[] =
		"SELECT unit_id, coalesce(old_parent, 0), old_name FROM "
		"import_undo_unit WHERE undo_id = ? AND op <> 'add' ORDER BY "
		"rowid DESC";
	struct {
		int64_t id, parent;
		char *name;
	} *v = NULL;
	size_t n = 0, alloc = 0;
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc, ret = 0;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, r->import.id);
	/* collected first: the unit writes rewrite the unit table */
	while ((rc = db_step(st)) == DB_ROW) {
		bool oom = false;

		if (n == alloc) {
			void *nv = realloc(v, (alloc = alloc ? 2 * alloc : 8) *
						      sizeof(*v));
			if (nv == NULL) {
				ret = ob_err_set(err, OB_E_NOMEM, "oom");
				break;
			}
			v = nv;
		}
		v[n].id = db_column_int64(st, 0);
		v[n].parent = db_column_int64(st, 1);
		v[n].name = ds_col_dup(st, 2, &oom);
		n++;
		if (oom) {
			ret = ob_err_set(err, OB_E_NOMEM, "oom");
			break;
		}
	}
	if (ret == 0 && rc != DB_DONE)
		ret = ds_sql_err(s, rc, "undo units", err);
	db_reset(st);
	for (size_t i = 0; i < n && ret == 0; i++) {
		struct dstore_unit u;
		char *was = NULL;

		ret = dstore_unit_get(s, tenant_id, v[i].id, &u, err);
		if (ret < 0)
			break;
		was = ob_strndup(u.path, strlen(u.path));
		if (u.parent_id != v[i].parent)
			ret = dstore_unit_move(s, tenant_id, v[i].id,
					       v[i].parent, err);
		if (ret == 0 && strcmp(u.name, v[i].name) != 0)
			ret = dstore_unit_rename(s, tenant_id, v[i].id,
						 v[i].name, err);
		dstore_unit_deinit(&u);
		if (ret == 0)
			ret = dstore_unit_get(s, tenant_id, v[i].id, &u, err);
		if (ret == 0) {
			r->units_restored++;
			if (plan)
				(void)ob_buf_addf(&r->plan,
						  "put back unit %s as %s\n",
						  was ? was : "", u.path);
			dstore_unit_deinit(&u);
		}
		free(was);
	}
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	return ret;
}

/* The people of the import, as they were, in the order it wrote them. */
static int restore_people(struct dstore *s, int64_t tenant_id,
			  struct dstore_undo_report *r, bool plan,
			  struct ob_err *err)
{
	static const char sql[] =
		"SELECT person_id, uid, coalesce(unit_id, 0), family, given, "
		"display, phonetic_family, phonetic_given, title, phones, "
		"emails, street, locality, region, postcode, country, note, "
		"hidden, mtime, rev, coalesce(unit_path, ''), photo IS NOT "
		"NULL, existed, photo FROM import_undo_person WHERE undo_id = "
		"? "
		"ORDER BY rowid";
	struct db_stmt *st = ds_stmt(s, sql, err);
	char nm[2 * DSTORE_NAME_MAX + 2];
	int rc, ret = 0;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, r->import.id);
	while (ret == 0 && (rc = db_step(st)) == DB_ROW) {
		const char *uid = db_column_text(st, 1);
		struct dstore_person was = {0}, cur = {0};
		int64_t old_id = db_column_int64(st, 0);
		int found;

		found = dstore_person_get(s, tenant_id, uid, plan, &cur, err);
		if (found == OB_E_NOTFOUND)
			found = 0;
		else if (found == 0)
			found = 1;
		if (found < 0) {
			ret = found;
			break;
		}
		if (db_column_int(st, 22) == 0) { /* the import added it */
			if (found) {
				if (plan)
					(void)ob_buf_addf(
						&r->plan, "delete %s %s\n", uid,
						cur.display ? cur.display : "");
				ret = dstore_person_delete(s, tenant_id, uid,
							   err);
				r->deletes++;
			}
			dstore_person_deinit(&cur);
			continue;
		}
		ret = ds_person_from_stmt(s, st, &was, err);
		if (ret == 0 && !db_column_null(st, 23)) {
			size_t len = (size_t)db_column_bytes(st, 23);

			was.photo = malloc(len ? len : 1);
			if (was.photo == NULL)
				ret = ob_err_set(err, OB_E_NOMEM, "oom");
			else if (len > 0)
				memcpy(was.photo, db_column_blob(st, 23), len);
			was.photo_len = was.photo ? len : 0;
		}
		if (ret == 0 && plan && found) {
			(void)ob_buf_addf(&r->plan, "restore %s %s\n", uid,
					  cur.display ? cur.display : "");
			(void)dstore_person_diff(&cur, &was, "    ", &r->plan);
		} else if (ret == 0 && plan) {
			(void)ob_buf_addf(
				&r->plan, "bring back %s %s%s%s\n", uid,
				dstore_display_name(&was, nm, sizeof(nm)),
				was.unit_id ? " in " : "",
				was.unit_id ? was.unit_path : "");
		}
		if (ret == 0)
			ret = ds_person_put_at(s, tenant_id, &was,
					       found ? 0 : old_id, NULL, err);
		if (ret == 0 && found)
			r->restores++;
		else if (ret == 0)
			r->returns++;
		if (ret < 0)
			ob_err_prefix(err, "restoring %s: ", uid);
		dstore_person_deinit(&was);
		dstore_person_deinit(&cur);
	}
	if (ret == 0 && rc != DB_DONE)
		ret = ds_sql_err(s, rc, "undo people", err);
	db_reset(st);
	return ret;
}

/* Remove the units the import created that are empty now, the deepest
 * (created last) first; keep those someone else has put people or units
 * in since. */
static int remove_units(struct dstore *s, int64_t tenant_id,
			struct dstore_undo_report *r, bool plan,
			struct ob_err *err)
{
	static const char sql[] = "SELECT unit_id FROM import_undo_unit "
				  "WHERE undo_id = ? AND op = 'add' ORDER BY "
				  "unit_id DESC";
	int64_t *ids = NULL;
	size_t n = 0, alloc = 0;
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc, ret = 0;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, r->import.id);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == alloc) {
			int64_t *ni =
				realloc(ids, (alloc = alloc ? 2 * alloc : 16) *
						     sizeof(*ids));
			if (ni == NULL) {
				ret = ob_err_set(err, OB_E_NOMEM, "oom");
				break;
			}
			ids = ni;
		}
		ids[n++] = db_column_int64(st, 0);
	}
	if (ret == 0 && rc != DB_DONE)
		ret = ds_sql_err(s, rc, "undo units", err);
	db_reset(st);
	for (size_t i = 0; i < n && ret == 0; i++) {
		struct dstore_unit u;
		struct ob_err e;
		int d;

		ret = dstore_unit_get(s, tenant_id, ids[i], &u, err);
		if (ret == OB_E_NOTFOUND) { /* deleted since */
			ret = 0;
			continue;
		}
		if (ret < 0)
			break;
		d = dstore_unit_delete(s, tenant_id, ids[i], &e);
		if (d == 0) {
			r->units_removed++;
			if (plan)
				(void)ob_buf_addf(&r->plan, "remove unit %s\n",
						  u.path);
		} else if (d == OB_E_EXISTS) {
			r->units_kept++;
			if (plan)
				(void)ob_buf_addf(&r->plan,
						  "keep unit %s (not empty)\n",
						  u.path);
		} else {
			*err = e;
			ret = d;
		}
		dstore_unit_deinit(&u);
	}
	free(ids);
	return ret;
}

int dstore_import_undo(struct dstore *s, int64_t tenant_id, int64_t expect_id,
		       bool plan, struct dstore_undo_report *r,
		       struct ob_err *err)
{
	static const char done[] =
		"UPDATE import_undo SET undone_rev = ?, undone_time = ?, "
		"undone_by = ? WHERE id = ?";
	static const char drop_people[] =
		"DELETE FROM import_undo_person WHERE undo_id = ?";
	static const char drop_units[] =
		"DELETE FROM import_undo_unit WHERE undo_id = ?";
	const char *const drops[] = {drop_people, drop_units};
	struct ds_change_row row = {0};
	char when[32], detail[512];
	struct db_stmt *st;
	int ret;

	report_reset(r);
	ret = ds_need_txn(s, tenant_id, err);
	if (ret == 0)
		ret = check(s, tenant_id, r, err);
	if (ret < 0)
		return ret;
	if (expect_id != 0 && expect_id != r->import.id)
		return ob_err_set(err, OB_E_NOTFOUND,
				  "the last import is no longer the one shown "
				  "(another import ran since); look at the "
				  "Import page again");
	ret = restore_units(s, tenant_id, r, plan, err);
	if (ret == 0)
		ret = restore_people(s, tenant_id, r, plan, err);
	if (ret == 0)
		ret = remove_units(s, tenant_id, r, plan, err);
	if (ret < 0)
		return ret;
	st = ds_stmt(s, done, err);
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, s->txn_rev);
	db_bind_int64(st, 2, s->txn_time);
	db_bind_text(st, 3, s->txn_actor);
	db_bind_int64(st, 4, r->import.id);
	ret = ds_exec_stmt(s, st, "undo record", err);
	/* what the import kept is of no use any more */
	for (size_t i = 0; i < 2 && ret == 0; i++) {
		st = ds_stmt(s, drops[i], err);
		if (st == NULL)
			return err ? err->code : OB_E_FAIL;
		db_bind_int64(st, 1, r->import.id);
		ret = ds_exec_stmt(s, st, "undo record", err);
	}
	if (ret < 0)
		return ret;
	utc(r->import.time, when);
	snprintf(detail, sizeof(detail),
		 "undo of the %s import of revision %lld (by %s at %s): %zu "
		 "deleted, %zu restored, %zu brought back, %zu unit%s "
		 "removed, %zu kept, %zu put back",
		 r->import.mode, (long long)r->import.rev, r->import.actor,
		 when, r->deletes, r->restores, r->returns, r->units_removed,
		 r->units_removed == 1 ? "" : "s", r->units_kept,
		 r->units_restored);
	row.what = "import";
	row.op = "undo";
	row.detail = detail;
	ret = ds_log_change(s, &row, err);
	if (ret == 0) {
		r->import.undone_rev = s->txn_rev;
		r->import.undone_time = s->txn_time;
		ob_strlcpy(r->import.undone_by, s->txn_actor,
			   sizeof(r->import.undone_by));
	}
	return ret;
}
