/* Org units: a tree per enterprise with a materialized id path
 * ("/3/17/") so "is X below U" is an index range scan, and a name path
 * ("Sales/East") for display and ORG. Renaming or moving a unit rewrites
 * both paths for its subtree and logs every person below as changed, since
 * their ORG value changes. */
#include "config.h"
#include "dirstore/internal.h"
#include "util/buf.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_unit_name(const char *name, struct ob_err *err)
{
	int ret = ds_check_text(name, DSTORE_NAME_MAX, false, "unit", err);

	if (ret < 0)
		return ret;
	if (name[0] == '\0' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0 || strchr(name, '/') != NULL)
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, "unit",
				     "invalid unit name \"%.64s\" (empty, '.', "
				     "'..' or containing '/')",
				     name);
	return 0;
}

/* idpath and path of a unit into caller buffers (owned, malloc'd). */
static int unit_paths(struct dstore *s, int64_t tenant_id, int64_t unit_id,
		      char **idpath_r, char **path_r, struct ob_err *err)
{
	static const char sql[] = "SELECT idpath, path FROM unit "
				  "WHERE id = ? AND tenant_id = ?";
	struct db_stmt *st = ds_stmt(s, sql, err);
	bool oom = false;
	int rc;

	*idpath_r = NULL;
	if (path_r != NULL)
		*path_r = NULL;
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, unit_id);
	db_bind_int64(st, 2, tenant_id);
	rc = db_step(st);
	if (rc != DB_ROW) {
		db_reset(st);
		if (rc == DB_DONE)
			return ob_err_set_at(err, OB_E_NOTFOUND, 0, 0, "unit",
					     "no unit with id %lld",
					     (long long)unit_id);
		return ds_sql_err(s, rc, "unit", err);
	}
	*idpath_r = ds_col_dup(st, 0, &oom);
	if (path_r != NULL)
		*path_r = ds_col_dup(st, 1, &oom);
	db_reset(st);
	if (oom) {
		free(*idpath_r);
		*idpath_r = NULL;
		if (path_r != NULL) {
			free(*path_r);
			*path_r = NULL;
		}
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	}
	return 0;
}

int ds_unit_idpath(struct dstore *s, int64_t tenant_id, int64_t unit_id,
		   char **idpath_r, struct ob_err *err)
{
	if (unit_id == 0) {
		*idpath_r = ob_strndup("/", 1);
		return *idpath_r ? 0 : ob_err_set(err, OB_E_NOMEM, "oom");
	}
	return unit_paths(s, tenant_id, unit_id, idpath_r, NULL, err);
}

int ds_unit_path(struct dstore *s, int64_t tenant_id, int64_t unit_id,
		 char **path_r, struct ob_err *err)
{
	char *idpath = NULL;
	int ret;

	if (unit_id == 0) {
		*path_r = ob_strndup("", 0);
		return *path_r ? 0 : ob_err_set(err, OB_E_NOMEM, "oom");
	}
	ret = unit_paths(s, tenant_id, unit_id, &idpath, path_r, err);
	free(idpath);
	return ret;
}

int dstore_unit_add(struct dstore *s, int64_t tenant_id, int64_t parent_id,
		    const char *name, int sort, int64_t *id_r,
		    struct ob_err *err)
{
	static const char ins[] =
		"INSERT INTO unit (tenant_id, parent_id, name, sort, idpath, "
		"path) VALUES (?, ?, ?, ?, '', '')";
	static const char upd[] =
		"UPDATE unit SET idpath = ?, path = ? WHERE id = ?";
	char *pidpath = NULL, *ppath = NULL, idpath[4096], path[8192];
	struct ds_change_row row = {0};
	struct db_stmt *st;
	int64_t id;
	int ret;

	ret = ds_need_txn(s, tenant_id, err);
	if (ret == 0)
		ret = check_unit_name(name, err);
	if (ret == 0 && parent_id != 0)
		ret = unit_paths(s, tenant_id, parent_id, &pidpath, &ppath,
				 err);
	if (ret < 0)
		return ret;
	if (pidpath != NULL) {
		int depth = 0;

		for (const char *p = pidpath; *p; p++)
			depth += *p == '/';
		if (depth > DSTORE_UNIT_DEPTH_MAX) {
			ret = ob_err_set_at(err, OB_E_LIMIT, 0, 0, "unit",
					    "units nest deeper than %d",
					    DSTORE_UNIT_DEPTH_MAX);
			goto out;
		}
	}
	st = ds_stmt(s, ins, err);
	if (st == NULL) {
		ret = err ? err->code : OB_E_FAIL;
		goto out;
	}
	db_bind_int64(st, 1, tenant_id);
	if (parent_id != 0)
		db_bind_int64(st, 2, parent_id);
	db_bind_text(st, 3, name);
	db_bind_int(st, 4, sort);
	ret = ds_exec_stmt(s, st, "add unit", err);
	if (ret == OB_E_EXISTS)
		ret = ob_err_set_at(err, OB_E_EXISTS, 0, 0, "unit",
				    "unit %s%s%s already exists",
				    ppath ? ppath : "", ppath ? "/" : "", name);
	if (ret < 0)
		goto out;
	id = db_last_insert_id(s->db);
	snprintf(idpath, sizeof(idpath), "%s%lld/", pidpath ? pidpath : "/",
		 (long long)id);
	snprintf(path, sizeof(path), "%s%s%s", ppath ? ppath : "",
		 ppath ? "/" : "", name);
	st = ds_stmt(s, upd, err);
	if (st == NULL) {
		ret = err ? err->code : OB_E_FAIL;
		goto out;
	}
	db_bind_text(st, 1, idpath);
	db_bind_text(st, 2, path);
	db_bind_int64(st, 3, id);
	ret = ds_exec_stmt(s, st, "add unit", err);
	if (ret < 0)
		goto out;
	row.what = "unit";
	row.op = "add";
	row.uid = path;
	row.unit_id = id;
	ret = ds_log_change(s, &row, err);
	if (ret == 0)
		ret = ds_undo_unit(s, tenant_id, id, "add", path, err);
	if (ret == 0 && id_r != NULL)
		*id_r = id;
out:
	free(pidpath);
	free(ppath);
	return ret;
}

int dstore_unit_ensure_path(struct dstore *s, int64_t tenant_id,
			    const char *path, bool create, int64_t *id_r,
			    struct ob_err *err)
{
	static const char sql[] = "SELECT id FROM unit WHERE tenant_id = ? AND "
				  "coalesce(parent_id, 0) = ? AND name = ?";
	int64_t parent = 0;
	const char *p = path;

	if (path[0] == '\0')
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, "unit",
				     "empty unit path");
	while (*p != '\0') {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		char name[DSTORE_NAME_MAX + 1];
		struct db_stmt *st;
		int rc, ret;

		if (n == 0 || n > DSTORE_NAME_MAX)
			return ob_err_set_at(err, OB_E_INVAL, 0, 0, "unit",
					     "bad unit path \"%.128s\" (empty "
					     "or too long segment)",
					     path);
		memcpy(name, p, n);
		name[n] = '\0';
		ret = check_unit_name(name, err);
		if (ret < 0)
			return ret;
		st = ds_stmt(s, sql, err);
		if (st == NULL)
			return err ? err->code : OB_E_FAIL;
		db_bind_int64(st, 1, tenant_id);
		db_bind_int64(st, 2, parent);
		db_bind_text(st, 3, name);
		rc = db_step(st);
		if (rc == DB_ROW) {
			parent = db_column_int64(st, 0);
			db_reset(st);
		} else {
			db_reset(st);
			if (rc != DB_DONE)
				return ds_sql_err(s, rc, "unit path", err);
			if (!create)
				return ob_err_set_at(
					err, OB_E_NOTFOUND, 0, 0, "unit",
					"no unit \"%.200s\"", path);
			ret = dstore_unit_add(s, tenant_id, parent, name, 0,
					      &parent, err);
			if (ret < 0)
				return ret;
		}
		p += n;
		if (*p == '/') {
			p++;
			if (*p == '\0')
				return ob_err_set_at(err, OB_E_INVAL, 0, 0,
						     "unit",
						     "bad unit path \"%.128s\" "
						     "(trailing '/')",
						     path);
		}
	}
	*id_r = parent;
	return 0;
}

#define UNIT_COLS                                                              \
	"u.id, coalesce(u.parent_id, 0), u.name, u.path, u.sort, "             \
	"(SELECT count(*) FROM person p WHERE p.tenant_id = u.tenant_id "      \
	"AND p.unit_id = u.id)"

static int unit_from_row(struct db_stmt *st, struct dstore_unit *u)
{
	bool oom = false;

	memset(u, 0, sizeof(*u));
	u->id = db_column_int64(st, 0);
	u->parent_id = db_column_int64(st, 1);
	u->name = ds_col_dup(st, 2, &oom);
	u->path = ds_col_dup(st, 3, &oom);
	u->sort = db_column_int(st, 4);
	u->people = db_column_int64(st, 5);
	if (oom) {
		dstore_unit_deinit(u);
		return OB_E_NOMEM;
	}
	return 0;
}

void dstore_unit_deinit(struct dstore_unit *u)
{
	free(u->name);
	free(u->path);
	u->name = NULL;
	u->path = NULL;
}

int dstore_unit_get(struct dstore *s, int64_t tenant_id, int64_t unit_id,
		    struct dstore_unit *u_r, struct ob_err *err)
{
	static const char sql[] = "SELECT " UNIT_COLS " FROM unit u "
				  "WHERE u.id = ? AND u.tenant_id = ?";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc, ret;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, unit_id);
	db_bind_int64(st, 2, tenant_id);
	rc = db_step(st);
	if (rc != DB_ROW) {
		db_reset(st);
		if (rc == DB_DONE)
			return ob_err_set_at(err, OB_E_NOTFOUND, 0, 0, "unit",
					     "no unit with id %lld",
					     (long long)unit_id);
		return ds_sql_err(s, rc, "unit", err);
	}
	ret = unit_from_row(st, u_r);
	db_reset(st);
	return ret < 0 ? ob_err_set(err, ret, "out of memory") : 0;
}

/* Log every person below old_idpath as changed by a subtree rewrite: their
 * id path changes from old_prefix... to new_prefix... */
static int log_subtree_people(struct dstore *s, int64_t tenant_id,
			      const char *old_prefix, const char *new_prefix,
			      const char *detail, struct ob_err *err)
{
	static const char sel[] =
		"SELECT p.id, p.uid, u.idpath, p.hidden, p.display FROM person "
		"p "
		"JOIN unit u ON u.id = p.unit_id WHERE p.tenant_id = ? AND "
		"u.tenant_id = ? AND u.idpath >= ? AND u.idpath < ? || '\177'";
	static const char bump[] = "UPDATE person SET rev = ?, mtime = ? "
				   "WHERE tenant_id = ? AND id = ?";
	struct people {
		int64_t id;
		char *uid, *idpath, *name;
		bool hidden;
	} *list = NULL;
	size_t n = 0, alloc = 0;
	struct db_stmt *st = ds_stmt(s, sel, err);
	int rc, ret = 0;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_int64(st, 2, tenant_id);
	db_bind_text(st, 3, old_prefix);
	db_bind_text(st, 4, old_prefix);
	while ((rc = db_step(st)) == DB_ROW) {
		bool oom = false;

		if (n == alloc) {
			struct people *p;

			alloc = alloc ? alloc * 2 : 64;
			p = realloc(list, alloc * sizeof(*list));
			if (p == NULL) {
				ret = ob_err_set(err, OB_E_NOMEM, "oom");
				break;
			}
			list = p;
		}
		list[n].id = db_column_int64(st, 0);
		list[n].uid = ds_col_dup(st, 1, &oom);
		list[n].idpath = ds_col_dup(st, 2, &oom);
		list[n].hidden = db_column_int(st, 3) != 0;
		list[n].name = ds_col_dup(st, 4, &oom);
		n++;
		if (oom) {
			ret = ob_err_set(err, OB_E_NOMEM, "oom");
			break;
		}
	}
	if (ret == 0 && rc != DB_DONE)
		ret = ds_sql_err(s, rc, "subtree people", err);
	db_reset(st);
	for (size_t i = 0; i < n && ret == 0; i++) {
		struct ob_buf np;
		struct ds_change_row row = {0};

		ob_buf_init(&np, 1 << 16);
		if (ob_buf_add_str(&np, new_prefix) < 0 ||
		    ob_buf_add_str(&np, list[i].idpath + strlen(old_prefix)) <
			    0) {
			ob_buf_deinit(&np);
			ret = ob_err_set(err, OB_E_NOMEM, "oom");
			break;
		}
		row.what = "person";
		row.op = "modify";
		row.person_id = list[i].id;
		row.uid = list[i].uid;
		row.old_idpath = list[i].idpath;
		row.new_idpath = ob_buf_str(&np);
		row.old_visible = row.new_visible = !list[i].hidden;
		row.detail = detail;
		row.name = list[i].name;
		ret = ds_log_change(s, &row, err);
		ob_buf_deinit(&np);
		if (ret < 0)
			break;
		st = ds_stmt(s, bump, err);
		if (st == NULL) {
			ret = err ? err->code : OB_E_FAIL;
			break;
		}
		db_bind_int64(st, 1, s->txn_rev);
		db_bind_int64(st, 2, s->txn_time);
		db_bind_int64(st, 3, tenant_id);
		db_bind_int64(st, 4, list[i].id);
		ret = ds_exec_stmt(s, st, "subtree people", err);
	}
	for (size_t i = 0; i < n; i++) {
		free(list[i].uid);
		free(list[i].idpath);
		free(list[i].name);
	}
	free(list);
	return ret;
}

/* Rewrite idpath and path prefixes of a whole subtree. The prefix is cut
 * off by its length in characters, as substr() counts them in TEXT (a
 * byte count cut Chinese paths in the middle: "研发中心/平台部/基础架构组"
 * moved came out as "...研发中心构组"). */
static int rewrite_subtree(struct dstore *s, int64_t tenant_id,
			   const char *old_idpath, const char *new_idpath,
			   const char *old_path, const char *new_path,
			   struct ob_err *err)
{
	static const char sql[] =
		"UPDATE unit SET idpath = ?1 || substr(idpath, length(?2) + "
		"1), "
		"path = CASE WHEN path = ?3 THEN ?4 "
		"ELSE ?4 || substr(path, length(?3) + 1) END "
		"WHERE tenant_id = ?5 AND idpath >= ?2 AND idpath < ?2 || "
		"'\177'";
	struct db_stmt *st = ds_stmt(s, sql, err);

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_text(st, 1, new_idpath);
	db_bind_text(st, 2, old_idpath);
	db_bind_text(st, 3, old_path);
	db_bind_text(st, 4, new_path);
	db_bind_int64(st, 5, tenant_id);
	return ds_exec_stmt(s, st, "rewrite subtree", err);
}

int dstore_unit_rename(struct dstore *s, int64_t tenant_id, int64_t unit_id,
		       const char *name, struct ob_err *err)
{
	static const char sql[] = "UPDATE unit SET name = ? WHERE id = ? "
				  "AND tenant_id = ?";
	char *idpath = NULL, *path = NULL, newpath[8192], detail[8400];
	struct ds_change_row row = {0};
	struct db_stmt *st;
	const char *slash;
	int ret;

	ret = ds_need_txn(s, tenant_id, err);
	if (ret == 0)
		ret = check_unit_name(name, err);
	if (ret == 0)
		ret = unit_paths(s, tenant_id, unit_id, &idpath, &path, err);
	if (ret < 0)
		return ret;
	slash = strrchr(path, '/');
	snprintf(newpath, sizeof(newpath), "%.*s%s",
		 slash ? (int)(slash - path + 1) : 0, path, name);
	ret = ds_undo_unit(s, tenant_id, unit_id, "rename", path, err);
	if (ret < 0)
		goto out;
	st = ds_stmt(s, sql, err);
	if (st == NULL) {
		ret = err ? err->code : OB_E_FAIL;
		goto out;
	}
	db_bind_text(st, 1, name);
	db_bind_int64(st, 2, unit_id);
	db_bind_int64(st, 3, tenant_id);
	ret = ds_exec_stmt(s, st, "rename unit", err);
	if (ret == OB_E_EXISTS)
		ret = ob_err_set_at(err, OB_E_EXISTS, 0, 0, "unit",
				    "unit %s already exists", newpath);
	if (ret == 0)
		ret = rewrite_subtree(s, tenant_id, idpath, idpath, path,
				      newpath, err);
	snprintf(detail, sizeof(detail), "%s -> %s", path, newpath);
	if (ret == 0)
		ret = log_subtree_people(s, tenant_id, idpath, idpath, detail,
					 err);
	if (ret == 0) {
		row.what = "unit";
		row.op = "modify";
		row.uid = newpath;
		row.detail = detail;
		row.unit_id = unit_id;
		ret = ds_log_change(s, &row, err);
	}
out:
	free(idpath);
	free(path);
	return ret;
}

int dstore_unit_move(struct dstore *s, int64_t tenant_id, int64_t unit_id,
		     int64_t new_parent_id, struct ob_err *err)
{
	static const char sql[] = "UPDATE unit SET parent_id = ? WHERE id = ? "
				  "AND tenant_id = ?";
	char *idpath = NULL, *path = NULL, *pidpath = NULL, *ppath = NULL;
	char newidpath[4096], newpath[8192], detail[16800];
	struct ds_change_row row = {0};
	struct db_stmt *st;
	const char *name;
	int ret;

	ret = ds_need_txn(s, tenant_id, err);
	if (ret == 0)
		ret = unit_paths(s, tenant_id, unit_id, &idpath, &path, err);
	if (ret == 0 && new_parent_id != 0)
		ret = unit_paths(s, tenant_id, new_parent_id, &pidpath, &ppath,
				 err);
	if (ret < 0)
		goto out;
	if (pidpath != NULL && strncmp(pidpath, idpath, strlen(idpath)) == 0) {
		ret = ob_err_set_at(err, OB_E_INVAL, 0, 0, "unit",
				    "cannot move %s into its own subtree",
				    path);
		goto out;
	}
	name = strrchr(path, '/');
	name = name ? name + 1 : path;
	snprintf(newidpath, sizeof(newidpath), "%s%lld/",
		 pidpath ? pidpath : "/", (long long)unit_id);
	snprintf(newpath, sizeof(newpath), "%s%s%s", ppath ? ppath : "",
		 ppath ? "/" : "", name);
	ret = ds_undo_unit(s, tenant_id, unit_id, "move", path, err);
	if (ret < 0)
		goto out;
	st = ds_stmt(s, sql, err);
	if (st == NULL) {
		ret = err ? err->code : OB_E_FAIL;
		goto out;
	}
	if (new_parent_id != 0)
		db_bind_int64(st, 1, new_parent_id);
	db_bind_int64(st, 2, unit_id);
	db_bind_int64(st, 3, tenant_id);
	ret = ds_exec_stmt(s, st, "move unit", err);
	if (ret == OB_E_EXISTS)
		ret = ob_err_set_at(err, OB_E_EXISTS, 0, 0, "unit",
				    "unit %s already exists", newpath);
	snprintf(detail, sizeof(detail), "%s -> %s", path, newpath);
	if (ret == 0)
		ret = log_subtree_people(s, tenant_id, idpath, newidpath,
					 detail, err);
	if (ret == 0)
		ret = rewrite_subtree(s, tenant_id, idpath, newidpath, path,
				      newpath, err);
	if (ret == 0) {
		row.what = "unit";
		row.op = "move";
		row.uid = newpath;
		row.detail = detail;
		row.unit_id = unit_id;
		ret = ds_log_change(s, &row, err);
	}
out:
	free(idpath);
	free(path);
	free(pidpath);
	free(ppath);
	return ret;
}

int dstore_unit_delete(struct dstore *s, int64_t tenant_id, int64_t unit_id,
		       struct ob_err *err)
{
	static const char busy[] =
		"SELECT (SELECT count(*) FROM unit WHERE tenant_id = ?1 AND "
		"parent_id = ?2) + (SELECT count(*) FROM person WHERE "
		"tenant_id = ?1 AND unit_id = ?2)";
	static const char del[] = "DELETE FROM unit WHERE id = ? AND "
				  "tenant_id = ?";
	struct ds_change_row row = {0};
	char *idpath = NULL, *path = NULL;
	struct db_stmt *st;
	int64_t n = 0;
	int ret;

	ret = ds_need_txn(s, tenant_id, err);
	if (ret == 0 && s->txn_import)
		/* an import never deletes units, and its undo could not
		 * bring one back */
		ret = ob_err_set_at(err, OB_E_INVAL, 0, 0, "unit",
				    "an import does not delete units");
	if (ret == 0)
		ret = unit_paths(s, tenant_id, unit_id, &idpath, &path, err);
	if (ret < 0)
		return ret;
	st = ds_stmt(s, busy, err);
	if (st == NULL) {
		ret = err ? err->code : OB_E_FAIL;
		goto out;
	}
	db_bind_int64(st, 1, tenant_id);
	db_bind_int64(st, 2, unit_id);
	if (db_step(st) == DB_ROW)
		n = db_column_int64(st, 0);
	db_reset(st);
	if (n > 0) {
		ret = ob_err_set_at(err, OB_E_EXISTS, 0, 0, "unit",
				    "unit %s is not empty (%lld people or "
				    "sub-units)",
				    path, (long long)n);
		goto out;
	}
	st = ds_stmt(s, del, err);
	if (st == NULL) {
		ret = err ? err->code : OB_E_FAIL;
		goto out;
	}
	db_bind_int64(st, 1, unit_id);
	db_bind_int64(st, 2, tenant_id);
	ret = ds_exec_stmt(s, st, "delete unit", err);
	if (ret == 0) {
		row.what = "unit";
		row.op = "delete";
		row.uid = path;
		row.unit_id = unit_id;
		ret = ds_log_change(s, &row, err);
	}
out:
	free(idpath);
	free(path);
	return ret;
}

int dstore_unit_list(struct dstore *s, int64_t tenant_id,
		     int (*fn)(const struct dstore_unit *u, void *ctx),
		     void *ctx, struct ob_err *err)
{
	/* depth-first order: siblings by sort, then name; the key pads sort
	 * numbers to 12 digits, which each engine spells its own way */
	static const char *const sql_of[DB_DIALECT_COUNT] = {
		[DB_DIALECT_SQLITE] =
			"WITH RECURSIVE t(id, k) AS ("
			" SELECT id, printf('%012d', sort + 100000000) || name "
			" FROM unit WHERE tenant_id = ?1 AND parent_id IS NULL "
			" UNION ALL "
			" SELECT u.id, t.k || x'01' || printf('%012d', u.sort "
			"+ "
			" 100000000) || u.name FROM unit u JOIN t ON "
			"u.parent_id = "
			"t.id "
			" WHERE u.tenant_id = ?1) "
			"SELECT " UNIT_COLS
			" FROM t JOIN unit u ON u.id = t.id "
			"ORDER BY t.k",
		[DB_DIALECT_PGSQL] =
			"WITH RECURSIVE t(id, k) AS ("
			" SELECT id, lpad(CAST(sort + 100000000 AS TEXT), 12, "
			"'0') || name FROM unit WHERE tenant_id = ?1 AND "
			"parent_id IS NULL "
			" UNION ALL "
			" SELECT u.id, t.k || chr(1) || lpad(CAST(u.sort + "
			"100000000 AS TEXT), 12, '0') || u.name FROM unit u "
			"JOIN t ON u.parent_id = t.id WHERE u.tenant_id = ?1) "
			"SELECT " UNIT_COLS
			" FROM t JOIN unit u ON u.id = t.id "
			"ORDER BY t.k",
	};
	struct db_stmt *st = ds_stmt(s, sql_of[db_dialect(s->db)], err);
	int rc, ret = 0;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	while ((rc = db_step(st)) == DB_ROW) {
		struct dstore_unit u;

		if (unit_from_row(st, &u) < 0) {
			ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
			break;
		}
		ret = fn(&u, ctx);
		dstore_unit_deinit(&u);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != DB_DONE && rc != DB_ROW)
		ret = ds_sql_err(s, rc, "list units", err);
	db_reset(st);
	return ret;
}
