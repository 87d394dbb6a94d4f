/* The SQLite schema as an ordered list of migrations. Step N brings a
 * database from schema version N to N+1; dstore_open applies the missing
 * steps in one transaction. Never edit a released step: add a new one. */
#include "config.h"
#include "dirstore/internal.h"
#include "pinyin/pinyin.h"
#include "util/buf.h"

#include <string.h>

const char *const ds_migrations[] = {
	/* 0 -> 1: the first schema */
	"CREATE TABLE tenant ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  display TEXT NOT NULL,"
	"  md5_auth INTEGER NOT NULL DEFAULT 0,"
	"  retention_days INTEGER NOT NULL DEFAULT 30,"
	"  revision INTEGER NOT NULL DEFAULT 0,"
	"  pruned_rev INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE account ("
	"  id INTEGER PRIMARY KEY,"
	"  tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
	"  login TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  pwhash TEXT NOT NULL,"
	"  md5_secret BLOB,"
	"  role INTEGER NOT NULL,"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL);"
	"CREATE INDEX account_tenant ON account(tenant_id);"
	"CREATE TABLE unit ("
	"  id INTEGER PRIMARY KEY,"
	"  tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
	"  parent_id INTEGER REFERENCES unit(id),"
	"  name TEXT NOT NULL,"
	"  sort INTEGER NOT NULL DEFAULT 0,"
	"  idpath TEXT NOT NULL,"
	"  path TEXT NOT NULL);"
	"CREATE UNIQUE INDEX unit_name ON unit(tenant_id, "
	"  coalesce(parent_id, 0), name);"
	"CREATE INDEX unit_idpath ON unit(tenant_id, idpath);"
	"CREATE INDEX unit_path ON unit(tenant_id, path);"
	"CREATE TABLE person ("
	"  id INTEGER PRIMARY KEY,"
	"  tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
	"  uid TEXT NOT NULL,"
	"  unit_id INTEGER REFERENCES unit(id),"
	"  family TEXT, given TEXT, display TEXT NOT NULL,"
	"  phonetic_family TEXT, phonetic_given TEXT, title TEXT,"
	"  phones TEXT, emails TEXT,"
	"  street TEXT, locality TEXT, region TEXT, postcode TEXT,"
	"  country TEXT, note TEXT,"
	"  has_photo INTEGER NOT NULL DEFAULT 0,"
	"  hidden INTEGER NOT NULL DEFAULT 0,"
	"  etag TEXT NOT NULL,"
	"  mtime INTEGER NOT NULL,"
	"  rev INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX person_uid ON person(tenant_id, uid);"
	"CREATE INDEX person_unit ON person(tenant_id, unit_id);"
	"CREATE TABLE photo ("
	"  person_id INTEGER PRIMARY KEY REFERENCES person(id) "
	"    ON DELETE CASCADE,"
	"  data BLOB NOT NULL);"
	"CREATE TABLE change_log ("
	"  id INTEGER PRIMARY KEY,"
	"  tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
	"  rev INTEGER NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  what TEXT NOT NULL,"
	"  op TEXT NOT NULL,"
	"  person_id INTEGER,"
	"  uid TEXT,"
	"  old_idpath TEXT, new_idpath TEXT,"
	"  old_visible INTEGER NOT NULL DEFAULT 0,"
	"  new_visible INTEGER NOT NULL DEFAULT 0,"
	"  detail TEXT);"
	"CREATE INDEX change_log_rev ON change_log(tenant_id, rev);"
	"CREATE TABLE sync_state ("
	"  id INTEGER PRIMARY KEY,"
	"  tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
	"  account_id INTEGER NOT NULL REFERENCES account(id) "
	"    ON DELETE CASCADE,"
	"  device TEXT NOT NULL,"
	"  datastore TEXT NOT NULL,"
	"  client_last TEXT NOT NULL DEFAULT '',"
	"  server_last TEXT NOT NULL DEFAULT '',"
	"  rev INTEGER NOT NULL DEFAULT 0,"
	"  force_slow INTEGER NOT NULL DEFAULT 0,"
	"  last_sync INTEGER NOT NULL DEFAULT 0,"
	"  client_info TEXT NOT NULL DEFAULT '',"
	"  UNIQUE (tenant_id, account_id, device, datastore));"
	"CREATE TABLE id_map ("
	"  state_id INTEGER NOT NULL REFERENCES sync_state(id) "
	"    ON DELETE CASCADE,"
	"  tenant_id INTEGER NOT NULL,"
	"  guid TEXT NOT NULL,"
	"  luid TEXT NOT NULL,"
	"  rev INTEGER NOT NULL,"
	"  PRIMARY KEY (state_id, guid));"
	"CREATE INDEX id_map_luid ON id_map(state_id, luid);",
	/* 1 -> 2: SyncML sessions, their pending map changes, device nonces
	 * and login throttling (server instances keep no state of their
	 * own) */
	"CREATE TABLE sml_session ("
	"  token TEXT PRIMARY KEY,"
	"  device TEXT NOT NULL,"
	"  session_id TEXT NOT NULL,"
	"  tenant_id INTEGER NOT NULL DEFAULT 0,"
	"  account_id INTEGER NOT NULL DEFAULT 0,"
	"  last_msg_id INTEGER NOT NULL DEFAULT 0,"
	"  reply BLOB,"
	"  reply_type TEXT NOT NULL DEFAULT '',"
	"  state BLOB,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL);"
	"CREATE INDEX sml_session_device ON sml_session(device, session_id);"
	"CREATE INDEX sml_session_expires ON sml_session(expires);"
	"CREATE TABLE sml_pending ("
	"  token TEXT NOT NULL,"
	"  ds INTEGER NOT NULL,"
	"  tenant_id INTEGER NOT NULL,"
	"  guid TEXT NOT NULL,"
	"  luid TEXT,"
	"  rev INTEGER NOT NULL DEFAULT 0,"
	"  op INTEGER NOT NULL,"
	"  resend INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (token, ds, guid));"
	"CREATE INDEX sml_pending_luid ON sml_pending(token, ds, luid);"
	"CREATE TABLE sml_nonce ("
	"  device TEXT PRIMARY KEY,"
	"  nonce TEXT NOT NULL,"
	"  updated INTEGER NOT NULL);"
	"CREATE TABLE auth_throttle ("
	"  key TEXT PRIMARY KEY,"
	"  failures INTEGER NOT NULL,"
	"  first INTEGER NOT NULL,"
	"  until INTEGER NOT NULL);",
	/* 2 -> 3: a large object a client is sending in chunks */
	"CREATE TABLE sml_chunk ("
	"  token TEXT NOT NULL,"
	"  ds INTEGER NOT NULL,"
	"  luid TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  data BLOB NOT NULL,"
	"  PRIMARY KEY (token, ds));",
	/* 3 -> 4: administrators' browser sessions (the token is kept only
	 * as its SHA-256, so a copy of the database opens no session), the
	 * account activity log, import uploads between preview and apply */
	"CREATE TABLE web_session ("
	"  token_hash TEXT PRIMARY KEY,"
	"  tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
	"  account_id INTEGER NOT NULL REFERENCES account(id) "
	"    ON DELETE CASCADE,"
	"  csrf TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL);"
	"CREATE INDEX web_session_seen ON web_session(last_seen);"
	"CREATE TABLE account_log ("
	"  id INTEGER PRIMARY KEY,"
	"  tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
	"  time INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  op TEXT NOT NULL,"
	"  login TEXT NOT NULL,"
	"  detail TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX account_log_tenant ON account_log(tenant_id, id);"
	"CREATE TABLE web_upload ("
	"  id INTEGER PRIMARY KEY,"
	"  tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
	"  account_id INTEGER NOT NULL REFERENCES account(id) "
	"    ON DELETE CASCADE,"
	"  created INTEGER NOT NULL,"
	"  meta TEXT NOT NULL,"
	"  data BLOB NOT NULL);",
	/* 4 -> 5: a client's Map items kept one row per Map command (a slow
	 * sync maps every person: one row each cost three b-tree writes) */
	"CREATE TABLE sml_mapbatch ("
	"  id INTEGER PRIMARY KEY,"
	"  token TEXT NOT NULL,"
	"  ds INTEGER NOT NULL,"
	"  tenant_id INTEGER NOT NULL,"
	"  rev INTEGER NOT NULL,"
	"  data BLOB NOT NULL);"
	"CREATE INDEX sml_mapbatch_token ON sml_mapbatch(token, ds);",
	/* 5 -> 6: id_map keyed by its primary key alone (WITHOUT ROWID):
	 * two b-trees per mapped person instead of three */
	"CREATE TABLE id_map_new ("
	"  state_id INTEGER NOT NULL REFERENCES sync_state(id) "
	"    ON DELETE CASCADE,"
	"  tenant_id INTEGER NOT NULL,"
	"  guid TEXT NOT NULL,"
	"  luid TEXT NOT NULL,"
	"  rev INTEGER NOT NULL,"
	"  PRIMARY KEY (state_id, guid)) WITHOUT ROWID;"
	"INSERT INTO id_map_new (state_id, tenant_id, guid, luid, rev) "
	"  SELECT state_id, tenant_id, guid, luid, rev FROM id_map;"
	"DROP TABLE id_map;"
	"ALTER TABLE id_map_new RENAME TO id_map;"
	"CREATE INDEX id_map_luid ON id_map(state_id, luid);",
	/* 6 -> 7: no LUID index on the id map (it was half of what a slow
	 * sync's map cost to write, for lookups most devices never need): a
	 * device's LUID -> guid lookups go through id_map_rev, filled the
	 * first time one is needed (sync_state.luid_lookup) and kept from
	 * then on; a row there counts only while id_map agrees with it */
	"DROP INDEX id_map_luid;"
	"CREATE TABLE id_map_rev ("
	"  state_id INTEGER NOT NULL REFERENCES sync_state(id) "
	"    ON DELETE CASCADE,"
	"  luid TEXT NOT NULL,"
	"  guid TEXT NOT NULL,"
	"  PRIMARY KEY (state_id, luid, guid)) WITHOUT ROWID;"
	"ALTER TABLE sync_state ADD COLUMN luid_lookup INTEGER NOT NULL "
	"  DEFAULT 0;",
	/* 7 -> 8: bounded session and nonce rows: an account's sessions
	 * found by account (at most so many live at once), a nonce kept with
	 * the login it was issued to (at most so many devices per login) */
	"CREATE INDEX sml_session_account ON sml_session(account_id, "
	"  created);"
	"ALTER TABLE sml_session ADD COLUMN completed INTEGER NOT NULL "
	"  DEFAULT 0;"
	"ALTER TABLE sml_nonce ADD COLUMN login TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX sml_nonce_login ON sml_nonce(login, updated);"
	"CREATE INDEX sml_nonce_updated ON sml_nonce(updated);"
	/* one row a health check writes: can the store take writes? */
	"CREATE TABLE health (id INTEGER PRIMARY KEY, at INTEGER NOT NULL);",
	/* 8 -> 9: what a device was sent and holds no more under that LUID
	 * (deleted, replaced by another LUID, or dropped by a slow sync),
	 * kept for the retention window so that a slow sync of a device
	 * restored from an old backup recognises the cards we sent it; a
	 * deleted person's name, phones and e-mails kept in its change log
	 * row for as long, to tell such a card from a user's own that took
	 * its LUID; people found by name (the slow sync's content match) */
	"CREATE TABLE id_map_gone ("
	"  state_id INTEGER NOT NULL,"
	"  tenant_id INTEGER NOT NULL,"
	"  guid TEXT NOT NULL,"
	"  luid TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  PRIMARY KEY (state_id, guid, luid)) WITHOUT ROWID;"
	"CREATE INDEX id_map_gone_luid ON id_map_gone(state_id, luid);"
	"CREATE INDEX id_map_gone_at ON id_map_gone(at);"
	"CREATE TRIGGER id_map_left AFTER DELETE ON id_map "
	"  WHEN EXISTS (SELECT 1 FROM sync_state WHERE id = old.state_id) "
	"BEGIN INSERT OR REPLACE INTO id_map_gone "
	"  (state_id, tenant_id, guid, luid, at) VALUES (old.state_id, "
	"  old.tenant_id, old.guid, old.luid, "
	"  CAST(strftime('%s', 'now') AS INTEGER)); END;"
	"CREATE TRIGGER id_map_moved AFTER UPDATE OF luid ON id_map "
	"  WHEN old.luid <> new.luid "
	"BEGIN INSERT OR REPLACE INTO id_map_gone "
	"  (state_id, tenant_id, guid, luid, at) VALUES (old.state_id, "
	"  old.tenant_id, old.guid, old.luid, "
	"  CAST(strftime('%s', 'now') AS INTEGER)); END;"
	"CREATE TRIGGER sync_state_gone AFTER DELETE ON sync_state "
	"BEGIN DELETE FROM id_map_gone WHERE state_id = old.id; END;"
	"ALTER TABLE change_log ADD COLUMN gone_family TEXT;"
	"ALTER TABLE change_log ADD COLUMN gone_given TEXT;"
	"ALTER TABLE change_log ADD COLUMN gone_display TEXT;"
	"ALTER TABLE change_log ADD COLUMN gone_phones TEXT;"
	"ALTER TABLE change_log ADD COLUMN gone_emails TEXT;"
	"CREATE INDEX change_log_gone ON change_log(tenant_id, uid) "
	"  WHERE gone_display IS NOT NULL;"
	"CREATE INDEX change_log_gone_name ON "
	"change_log(tenant_id, " DS_NAME_KEY(
		"gone_display") ") WHERE gone_display IS NOT NULL;"
				"CREATE INDEX person_name ON "
				"person(tenant_id, " DS_NAME_KEY(
					"display") ");",
	/* 9 -> 10: a person id is never given twice (SQLite reuses the
	 * largest rowid once deleted, and the change feed then folded a
	 * deleted person and a new one into one person: the new one never
	 * reached devices); the largest id ever deleted is kept */
	"CREATE TABLE person_seq (id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  last INTEGER NOT NULL);"
	"INSERT INTO person_seq VALUES (1, max(coalesce((SELECT max(id) "
	"  FROM person), 0), coalesce((SELECT max(person_id) FROM "
	"  change_log), 0)));"
	"CREATE TRIGGER person_seq_keep AFTER DELETE ON person "
	"  WHEN old.id > (SELECT last FROM person_seq) "
	"BEGIN UPDATE person_seq SET last = old.id; END;",
	/* 10 -> 11: a device's superseded nonces, the newest few kept with
	 * their issue time, so that a digest made with one of them (a
	 * client's retry, a lost challenge) is told from a wrong password;
	 * sml_nonce keeps the current one, so existing stores keep theirs */
	"CREATE TABLE sml_nonce_old ("
	"  device TEXT NOT NULL,"
	"  nonce TEXT NOT NULL,"
	"  issued INTEGER NOT NULL,"
	"  PRIMARY KEY (device, nonce));"
	"CREATE INDEX sml_nonce_old_issued ON sml_nonce_old(issued);",
	/* 11 -> 12: the map history triggers replace a known (guid, LUID)
	 * row by delete and insert: an INSERT OR REPLACE in a trigger takes
	 * the conflict policy of the statement that fired it, and the Map
	 * commit's upsert (ON CONFLICT DO UPDATE) made it fail with a
	 * UNIQUE error when a person came back to a LUID it held before (a
	 * card deleted on the device and sent again, LUIDs reused) */
	"DROP TRIGGER id_map_left;"
	"DROP TRIGGER id_map_moved;"
	"CREATE TRIGGER id_map_left AFTER DELETE ON id_map "
	"  WHEN EXISTS (SELECT 1 FROM sync_state WHERE id = old.state_id) "
	"BEGIN DELETE FROM id_map_gone WHERE state_id = old.state_id AND "
	"  guid = old.guid AND luid = old.luid;"
	"INSERT INTO id_map_gone (state_id, tenant_id, guid, luid, at) "
	"  VALUES (old.state_id, old.tenant_id, old.guid, old.luid, "
	"  CAST(strftime('%s', 'now') AS INTEGER)); END;"
	"CREATE TRIGGER id_map_moved AFTER UPDATE OF luid ON id_map "
	"  WHEN old.luid <> new.luid "
	"BEGIN DELETE FROM id_map_gone WHERE state_id = old.state_id AND "
	"  guid = old.guid AND luid = old.luid;"
	"INSERT INTO id_map_gone (state_id, tenant_id, guid, luid, at) "
	"  VALUES (old.state_id, old.tenant_id, old.guid, old.luid, "
	"  CAST(strftime('%s', 'now') AS INTEGER)); END;",
	/* 12 -> 13: the undo of an import and an audit log that names
	 * people. import_undo is the last import of an enterprise (only
	 * the last one can be undone, so an import drops its tenant's
	 * older rows), written in the import's own transaction: a killed
	 * import leaves none. import_undo_person keeps each person it wrote
	 * as it was before (existed 0: the import added it), photo
	 * included; import_undo_unit the units it created, renamed or
	 * moved. change_log.name is the person's display name at the
	 * change; change_log.unit_id the unit a unit row is about (a later
	 * rename or move of a unit an undo needs is found by it). */
	"ALTER TABLE change_log ADD COLUMN name TEXT;"
	"ALTER TABLE change_log ADD COLUMN unit_id INTEGER;"
	"CREATE TABLE import_undo ("
	/* never an id given twice: the Undo button names the import */
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
	"  rev INTEGER NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  mode TEXT NOT NULL,"
	"  adds INTEGER NOT NULL DEFAULT 0,"
	"  changes INTEGER NOT NULL DEFAULT 0,"
	"  deletes INTEGER NOT NULL DEFAULT 0,"
	"  units_created INTEGER NOT NULL DEFAULT 0,"
	"  undone_rev INTEGER NOT NULL DEFAULT 0,"
	"  undone_time INTEGER NOT NULL DEFAULT 0,"
	"  undone_by TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX import_undo_tenant ON import_undo(tenant_id, id);"
	"CREATE TABLE import_undo_person ("
	"  undo_id INTEGER NOT NULL REFERENCES import_undo(id) "
	"    ON DELETE CASCADE,"
	"  uid TEXT NOT NULL,"
	"  person_id INTEGER NOT NULL,"
	"  existed INTEGER NOT NULL,"
	"  unit_id INTEGER, unit_idpath TEXT, unit_path TEXT,"
	"  family TEXT, given TEXT, display TEXT,"
	"  phonetic_family TEXT, phonetic_given TEXT, title TEXT,"
	"  phones TEXT, emails TEXT,"
	"  street TEXT, locality TEXT, region TEXT, postcode TEXT,"
	"  country TEXT, note TEXT,"
	"  hidden INTEGER NOT NULL DEFAULT 0,"
	"  mtime INTEGER, rev INTEGER,"
	"  photo BLOB,"
	"  UNIQUE (undo_id, uid));"
	"CREATE TABLE import_undo_unit ("
	"  undo_id INTEGER NOT NULL REFERENCES import_undo(id) "
	"    ON DELETE CASCADE,"
	"  unit_id INTEGER NOT NULL,"
	"  op TEXT NOT NULL,"
	"  old_parent INTEGER,"
	"  old_name TEXT,"
	"  path TEXT NOT NULL,"
	"  UNIQUE (undo_id, unit_id));",
	/* 13 -> 14: unit paths repaired. A rename or move rewrote the paths
	 * of the sub-units by cutting the old prefix with a byte count
	 * where substr() counts characters, so a Chinese path came out cut
	 * in the middle ("研发中心/平台部/基础架构组" moved:
	 * ".../研发中心构组"). Every path is computed again from the names;
	 * the people of a repaired unit get a change in a new revision of
	 * their enterprise, so devices receive their corrected ORG and
	 * CATEGORIES at the next fast sync. */
	"CREATE TEMP TABLE unit_fix AS WITH RECURSIVE t(id, path) AS ("
	"  SELECT id, name FROM unit WHERE parent_id IS NULL OR parent_id = 0"
	"  UNION ALL SELECT u.id, t.path || '/' || u.name FROM unit u "
	"  JOIN t ON u.parent_id = t.id) "
	"SELECT unit.id AS id, unit.tenant_id AS tenant_id, t.path AS path "
	"FROM unit JOIN t ON t.id = unit.id WHERE unit.path <> t.path;"
	"UPDATE unit SET path = (SELECT f.path FROM unit_fix f "
	"  WHERE f.id = unit.id) WHERE id IN (SELECT id FROM unit_fix);"
	"UPDATE tenant SET revision = revision + 1 "
	"  WHERE id IN (SELECT tenant_id FROM unit_fix);"
	"INSERT INTO change_log (tenant_id, rev, time, actor, what, op, "
	"  person_id, uid, old_idpath, new_idpath, old_visible, "
	"  new_visible, detail, name) "
	"SELECT p.tenant_id, t.revision, CAST(strftime('%s', 'now') AS "
	"  INTEGER), 'migration 14', 'person', 'modify', p.id, p.uid, "
	"  u.idpath, u.idpath, NOT p.hidden, NOT p.hidden, "
	"  'unit path repaired: ' || u.path, p.display "
	"FROM person p JOIN unit u ON u.id = p.unit_id "
	"JOIN tenant t ON t.id = p.tenant_id "
	"WHERE p.unit_id IN (SELECT id FROM unit_fix) ORDER BY p.id;"
	"UPDATE person SET rev = (SELECT revision FROM tenant "
	"  WHERE tenant.id = person.tenant_id) "
	"  WHERE unit_id IN (SELECT id FROM unit_fix);"
	"DROP TABLE unit_fix;",
	/* 14 -> 15: an account linked to its person (at most one account
	 * per person: the partial unique index; dstore_person_delete, the
	 * one way a person goes, clears the link with an account_log row;
	 * person ids are never given twice, so no foreign key is needed),
	 * the time of its last sign-in (0: never), and one password-reset
	 * link per account, kept only as the SHA-256 of its token */
	"ALTER TABLE account ADD COLUMN person_id INTEGER;"
	"ALTER TABLE account ADD COLUMN last_login INTEGER NOT NULL "
	"  DEFAULT 0;"
	"CREATE UNIQUE INDEX account_person ON account(person_id) "
	"  WHERE person_id IS NOT NULL;"
	"CREATE TABLE account_reset ("
	"  account_id INTEGER PRIMARY KEY REFERENCES account(id) "
	"    ON DELETE CASCADE,"
	"  tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
	"  token_hash TEXT NOT NULL UNIQUE,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  actor TEXT NOT NULL);",
	/* 15 -> 16: the enterprise's LDAP tree: its base DN ("" for
	 * dc=<name>) and whether anonymous binds may search it */
	"ALTER TABLE tenant ADD COLUMN ldap_base TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE tenant ADD COLUMN ldap_anonymous INTEGER NOT NULL "
	"  DEFAULT 0;",
	/* 16 -> 17: photo thumbnails (thumb.c), made once and kept: keyed
	 * by the tenant, the SHA-256 of the photo's bytes (hex), the edge
	 * in pixels and the byte cap they were made for; data empty when
	 * the photo could not be made into one (so it is not tried again).
	 * person_id is the person whose photo filled the row: a change or
	 * removal of that photo (write_photo deletes the row, a deleted
	 * person's photo goes by the cascade) removes it. Another person
	 * with the same photo then fills it again. */
	"CREATE TABLE photo_thumb ("
	"  tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
	"  hash TEXT NOT NULL,"
	"  edge INTEGER NOT NULL,"
	"  max_bytes INTEGER NOT NULL,"
	"  person_id INTEGER NOT NULL,"
	"  data BLOB NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  PRIMARY KEY (tenant_id, hash, edge, max_bytes));"
	"CREATE INDEX photo_thumb_person ON photo_thumb(person_id);"
	"CREATE TRIGGER photo_thumb_gone AFTER DELETE ON photo "
	"BEGIN DELETE FROM photo_thumb WHERE person_id = OLD.person_id; "
	"END;",
};

const int ds_migration_count =
	(int)(sizeof(ds_migrations) / sizeof(ds_migrations[0]));

/* The PostgreSQL schema (db-pg.c): the same tables, keys and indexes as
 * the SQLite steps above at version 15, made by its first step; steps 1
 * to 14 are NULL there (nothing to do), so both engines count versions
 * alike and each later step exists once per dialect, side by side.
 * Differences, each for a reason:
 * - INTEGER is BIGINT, BLOB is BYTEA. An INTEGER PRIMARY KEY is a BIGINT
 *   identity column (BY DEFAULT: the store gives some ids itself); person
 *   and health ids are always the store's, so theirs are plain keys.
 * - Tables whose queries break ties by SQLite's rowid (sml_session,
 *   sml_nonce, sml_nonce_old, import_undo_person) get an identity column
 *   named rowid, so those queries read the same in both dialects; a
 *   statement that replaces such a row asks for a new one (SQLite's
 *   INSERT OR REPLACE gives a new rowid).
 * - account.login has no NOCASE collation: its unique index is on
 *   lower(login), and the lookups by login compare lower() (in a C
 *   database lower() folds ASCII letters only, as NOCASE does).
 * - Triggers call PL/pgSQL functions; strftime('%s', 'now') is
 *   extract(epoch from now()).
 * - ds_digits and ds_page_match, which SQLite calls in the store's C,
 *   are SQL and PL/pgSQL functions with the same results.
 * - SQLite's scalar max(a, b) and min(a, b) and instr(hay, needle) are
 *   SQL functions of the same names and results, so the statements that
 *   use them read the same in both dialects. */
#define PG_ID "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
#define PG_ROWID "rowid BIGINT GENERATED ALWAYS AS IDENTITY,"

/* people found by name (SQLite step 8 -> 9), on the name key's
 * PostgreSQL spelling */
#define PG_NAME_INDEXES                                                        \
	"CREATE INDEX person_name ON person(tenant_id, " DS_NAME_KEY_PG(       \
		"display") ");"                                                \
			   "CREATE INDEX change_log_gone_name ON "             \
			   "change_log(tenant_id, " DS_NAME_KEY_PG(            \
				   "gone_display") ") WHERE gone_display IS "  \
						   "NOT "                      \
						   "NULL;"

static const char pg_schema_15[] =
	"CREATE TABLE tenant ("
	"  id " PG_ID ","
	"  name TEXT NOT NULL UNIQUE,"
	"  display TEXT NOT NULL,"
	"  md5_auth BIGINT NOT NULL DEFAULT 0,"
	"  retention_days BIGINT NOT NULL DEFAULT 30,"
	"  revision BIGINT NOT NULL DEFAULT 0,"
	"  pruned_rev BIGINT NOT NULL DEFAULT 0,"
	"  created BIGINT NOT NULL);"
	"CREATE TABLE account ("
	"  id " PG_ID ","
	"  tenant_id BIGINT NOT NULL REFERENCES tenant(id),"
	"  login TEXT NOT NULL,"
	"  pwhash TEXT NOT NULL,"
	"  md5_secret BYTEA,"
	"  role BIGINT NOT NULL,"
	"  disabled BIGINT NOT NULL DEFAULT 0,"
	"  created BIGINT NOT NULL,"
	"  person_id BIGINT,"
	"  last_login BIGINT NOT NULL DEFAULT 0);"
	"CREATE UNIQUE INDEX account_login ON account(lower(login));"
	"CREATE INDEX account_tenant ON account(tenant_id);"
	"CREATE UNIQUE INDEX account_person ON account(person_id) "
	"  WHERE person_id IS NOT NULL;"
	"CREATE TABLE unit ("
	"  id " PG_ID ","
	"  tenant_id BIGINT NOT NULL REFERENCES tenant(id),"
	"  parent_id BIGINT REFERENCES unit(id),"
	"  name TEXT NOT NULL,"
	"  sort BIGINT NOT NULL DEFAULT 0,"
	"  idpath TEXT NOT NULL,"
	"  path TEXT NOT NULL);"
	"CREATE UNIQUE INDEX unit_name ON unit(tenant_id, "
	"  coalesce(parent_id, 0), name);"
	"CREATE INDEX unit_idpath ON unit(tenant_id, idpath);"
	"CREATE INDEX unit_path ON unit(tenant_id, path);"
	"CREATE TABLE person ("
	"  id BIGINT PRIMARY KEY,"
	"  tenant_id BIGINT NOT NULL REFERENCES tenant(id),"
	"  uid TEXT NOT NULL,"
	"  unit_id BIGINT REFERENCES unit(id),"
	"  family TEXT, given TEXT, display TEXT NOT NULL,"
	"  phonetic_family TEXT, phonetic_given TEXT, title TEXT,"
	"  phones TEXT, emails TEXT,"
	"  street TEXT, locality TEXT, region TEXT, postcode TEXT,"
	"  country TEXT, note TEXT,"
	"  has_photo BIGINT NOT NULL DEFAULT 0,"
	"  hidden BIGINT NOT NULL DEFAULT 0,"
	"  etag TEXT NOT NULL,"
	"  mtime BIGINT NOT NULL,"
	"  rev BIGINT NOT NULL);"
	"CREATE UNIQUE INDEX person_uid ON person(tenant_id, uid);"
	"CREATE INDEX person_unit ON person(tenant_id, unit_id);"
	"CREATE TABLE photo ("
	"  person_id BIGINT PRIMARY KEY REFERENCES "
	"person(id) "
	"    ON DELETE CASCADE,"
	"  data BYTEA NOT NULL);"
	"CREATE TABLE change_log ("
	"  id " PG_ID ","
	"  tenant_id BIGINT NOT NULL REFERENCES tenant(id),"
	"  rev BIGINT NOT NULL,"
	"  time BIGINT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  what TEXT NOT NULL,"
	"  op TEXT NOT NULL,"
	"  person_id BIGINT,"
	"  uid TEXT,"
	"  old_idpath TEXT, new_idpath TEXT,"
	"  old_visible BIGINT NOT NULL DEFAULT 0,"
	"  new_visible BIGINT NOT NULL DEFAULT 0,"
	"  detail TEXT,"
	"  gone_family TEXT, gone_given TEXT, gone_display "
	"TEXT,"
	"  gone_phones TEXT, gone_emails TEXT,"
	"  name TEXT, unit_id BIGINT);"
	"CREATE INDEX change_log_rev ON "
	"change_log(tenant_id, rev);"
	"CREATE INDEX change_log_gone ON "
	"change_log(tenant_id, uid) "
	"  WHERE gone_display IS NOT NULL;"
	"CREATE TABLE sync_state ("
	"  id " PG_ID ","
	"  tenant_id BIGINT NOT "
	"NULL "
	"REFERENCES tenant(id),"
	"  account_id BIGINT NOT "
	"NULL "
	"REFERENCES account(id) "
	"    ON DELETE CASCADE,"
	"  device TEXT NOT NULL,"
	"  datastore TEXT NOT NULL,"
	"  client_last TEXT NOT "
	"NULL "
	"DEFAULT '',"
	"  server_last TEXT NOT "
	"NULL "
	"DEFAULT '',"
	"  rev BIGINT NOT NULL "
	"DEFAULT 0,"
	"  force_slow BIGINT NOT "
	"NULL "
	"DEFAULT 0,"
	"  last_sync BIGINT NOT "
	"NULL "
	"DEFAULT 0,"
	"  client_info TEXT NOT "
	"NULL "
	"DEFAULT '',"
	"  luid_lookup BIGINT NOT "
	"NULL "
	"DEFAULT 0,"
	"  UNIQUE (tenant_id, "
	"account_id, "
	"device, datastore));"
	"CREATE TABLE id_map ("
	"  state_id BIGINT NOT NULL "
	"REFERENCES sync_state(id) "
	"    ON DELETE CASCADE,"
	"  tenant_id BIGINT NOT "
	"NULL,"
	"  guid TEXT NOT NULL,"
	"  luid TEXT NOT NULL,"
	"  rev BIGINT NOT NULL,"
	"  PRIMARY KEY (state_id, "
	"guid));"
	"CREATE TABLE id_map_rev ("
	"  state_id BIGINT NOT NULL "
	"REFERENCES sync_state(id) "
	"    ON DELETE CASCADE,"
	"  luid TEXT NOT NULL,"
	"  guid TEXT NOT NULL,"
	"  PRIMARY KEY (state_id, "
	"luid, guid));"
	"CREATE TABLE id_map_gone ("
	"  state_id BIGINT NOT NULL,"
	"  tenant_id BIGINT NOT "
	"NULL,"
	"  guid TEXT NOT NULL,"
	"  luid TEXT NOT NULL,"
	"  at BIGINT NOT NULL,"
	"  PRIMARY KEY (state_id, "
	"guid, luid));"
	"CREATE INDEX "
	"id_map_gone_luid ON "
	"id_map_gone(state_id, "
	"luid);"
	"CREATE INDEX "
	"id_map_gone_at ON "
	"id_map_gone(at);"
	"CREATE TABLE sml_session ("
	"  " PG_ROWID "  token TEXT PRIMARY KEY,"
	"  device TEXT NOT NULL,"
	"  session_id TEXT NOT NULL,"
	"  tenant_id BIGINT NOT "
	"NULL DEFAULT 0,"
	"  account_id BIGINT NOT "
	"NULL DEFAULT 0,"
	"  last_msg_id BIGINT NOT "
	"NULL DEFAULT 0,"
	"  reply BYTEA,"
	"  reply_type TEXT NOT NULL "
	"DEFAULT '',"
	"  state BYTEA,"
	"  created BIGINT NOT NULL,"
	"  expires BIGINT NOT NULL,"
	"  completed BIGINT NOT "
	"NULL DEFAULT 0);"
	"CREATE INDEX "
	"sml_session_device ON "
	"sml_session(device, "
	"session_id);"
	"CREATE INDEX "
	"sml_session_expires ON "
	"sml_session(expires);"
	"CREATE INDEX "
	"sml_session_account ON "
	"sml_session(account_id, "
	"  created);"
	"CREATE TABLE sml_pending ("
	"  token TEXT NOT NULL,"
	"  ds BIGINT NOT NULL,"
	"  tenant_id BIGINT NOT "
	"NULL,"
	"  guid TEXT NOT NULL,"
	"  luid TEXT,"
	"  rev BIGINT NOT NULL "
	"DEFAULT 0,"
	"  op BIGINT NOT NULL,"
	"  resend BIGINT NOT NULL "
	"DEFAULT 0,"
	"  PRIMARY KEY (token, ds, "
	"guid));"
	"CREATE INDEX "
	"sml_pending_luid ON "
	"sml_pending(token, ds, "
	"luid);"
	"CREATE TABLE sml_nonce ("
	"  " PG_ROWID "  device TEXT PRIMARY KEY,"
	"  nonce TEXT NOT NULL,"
	"  updated BIGINT NOT NULL,"
	"  login TEXT NOT NULL "
	"DEFAULT '');"
	"CREATE INDEX "
	"sml_nonce_login ON "
	"sml_nonce(login, updated);"
	"CREATE INDEX "
	"sml_nonce_updated ON "
	"sml_nonce(updated);"
	"CREATE TABLE sml_nonce_old "
	"("
	"  " PG_ROWID "  device TEXT NOT NULL,"
	"  nonce TEXT NOT NULL,"
	"  issued BIGINT NOT NULL,"
	"  PRIMARY KEY (device, "
	"nonce));"
	"CREATE INDEX "
	"sml_nonce_old_issued ON "
	"sml_nonce_old(issued);"
	"CREATE TABLE auth_throttle "
	"("
	"  key TEXT PRIMARY KEY,"
	"  failures BIGINT NOT NULL,"
	"  first BIGINT NOT NULL,"
	"  until BIGINT NOT NULL);"
	"CREATE TABLE sml_chunk ("
	"  token TEXT NOT NULL,"
	"  ds BIGINT NOT NULL,"
	"  luid TEXT NOT NULL,"
	"  size BIGINT NOT NULL,"
	"  data BYTEA NOT NULL,"
	"  PRIMARY KEY (token, ds));"
	"CREATE TABLE web_session ("
	"  token_hash TEXT PRIMARY "
	"KEY,"
	"  tenant_id BIGINT NOT "
	"NULL REFERENCES tenant(id),"
	"  account_id BIGINT NOT "
	"NULL REFERENCES "
	"account(id) "
	"    ON DELETE CASCADE,"
	"  csrf TEXT NOT NULL,"
	"  created BIGINT NOT NULL,"
	"  last_seen BIGINT NOT "
	"NULL);"
	"CREATE INDEX "
	"web_session_seen ON "
	"web_session(last_seen);"
	"CREATE TABLE account_log ("
	"  id " PG_ID ","
	"  tenant_id BIGINT NOT "
	"NULL REFERENCES tenant(id),"
	"  time BIGINT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  op TEXT NOT NULL,"
	"  login TEXT NOT NULL,"
	"  detail TEXT NOT NULL "
	"DEFAULT '');"
	"CREATE INDEX "
	"account_log_tenant ON "
	"account_log(tenant_id, id);"
	"CREATE TABLE web_upload ("
	"  id " PG_ID ","
	"  tenant_id BIGINT NOT "
	"NULL REFERENCES tenant(id),"
	"  account_id BIGINT NOT "
	"NULL REFERENCES "
	"account(id) "
	"    ON DELETE CASCADE,"
	"  created BIGINT NOT NULL,"
	"  meta TEXT NOT NULL,"
	"  data BYTEA NOT NULL);"
	"CREATE TABLE sml_mapbatch ("
	"  id " PG_ID ","
	"  token TEXT NOT NULL,"
	"  ds BIGINT NOT NULL,"
	"  tenant_id BIGINT NOT "
	"NULL,"
	"  rev BIGINT NOT NULL,"
	"  data BYTEA NOT NULL);"
	"CREATE INDEX "
	"sml_mapbatch_token ON "
	"sml_mapbatch(token, ds);"
	"CREATE TABLE health (id "
	"BIGINT PRIMARY KEY, at "
	"BIGINT NOT NULL);"
	"CREATE TABLE person_seq "
	"(id BIGINT PRIMARY KEY "
	"CHECK (id = 1),"
	"  last BIGINT NOT NULL);"
	"INSERT INTO person_seq "
	"VALUES (1, 0);"
	"CREATE TABLE import_undo ("
	"  id " PG_ID ","
	"  tenant_id BIGINT NOT "
	"NULL REFERENCES tenant(id),"
	"  rev BIGINT NOT NULL,"
	"  time BIGINT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  mode TEXT NOT NULL,"
	"  adds BIGINT NOT NULL "
	"DEFAULT 0,"
	"  changes BIGINT NOT NULL "
	"DEFAULT 0,"
	"  deletes BIGINT NOT NULL "
	"DEFAULT 0,"
	"  units_created BIGINT NOT "
	"NULL DEFAULT 0,"
	"  undone_rev BIGINT NOT "
	"NULL DEFAULT 0,"
	"  undone_time BIGINT NOT "
	"NULL DEFAULT 0,"
	"  undone_by TEXT NOT NULL "
	"DEFAULT '');"
	"CREATE INDEX "
	"import_undo_tenant ON "
	"import_undo(tenant_id, id);"
	"CREATE TABLE "
	"import_undo_person ("
	"  " PG_ROWID "  undo_id BIGINT NOT NULL "
	"REFERENCES import_undo(id) "
	"    ON DELETE CASCADE,"
	"  uid TEXT NOT NULL,"
	"  person_id BIGINT NOT "
	"NULL,"
	"  existed BIGINT NOT NULL,"
	"  unit_id BIGINT, "
	"unit_idpath TEXT, "
	"unit_path TEXT,"
	"  family TEXT, given TEXT, "
	"display TEXT,"
	"  phonetic_family TEXT, "
	"phonetic_given TEXT, title "
	"TEXT,"
	"  phones TEXT, emails TEXT,"
	"  street TEXT, locality "
	"TEXT, region TEXT, "
	"postcode TEXT,"
	"  country TEXT, note TEXT,"
	"  hidden BIGINT NOT NULL "
	"DEFAULT 0,"
	"  mtime BIGINT, rev BIGINT,"
	"  photo BYTEA,"
	"  UNIQUE (undo_id, uid));"
	"CREATE TABLE "
	"import_undo_unit ("
	"  " PG_ROWID "  undo_id BIGINT NOT NULL "
	"REFERENCES import_undo(id) "
	"    ON DELETE CASCADE,"
	"  unit_id BIGINT NOT NULL,"
	"  op TEXT NOT NULL,"
	"  old_parent BIGINT,"
	"  old_name TEXT,"
	"  path TEXT NOT NULL,"
	"  UNIQUE (undo_id, "
	"unit_id));"
	"CREATE TABLE account_reset "
	"("
	"  account_id BIGINT "
	"PRIMARY KEY REFERENCES "
	"account(id) "
	"    ON DELETE CASCADE,"
	"  tenant_id BIGINT NOT "
	"NULL REFERENCES tenant(id),"
	"  token_hash TEXT NOT NULL "
	"UNIQUE,"
	"  created BIGINT NOT NULL,"
	"  expires BIGINT NOT NULL,"
	"  actor TEXT NOT NULL);"
	/* the map history (SQLite steps 8 -> 9 and 11 -> 12) */
	"CREATE FUNCTION "
	"id_map_gone_keep() RETURNS "
	"trigger LANGUAGE plpgsql "
	"AS $$ BEGIN"
	"  IF TG_OP = 'DELETE' THEN"
	"    IF NOT EXISTS (SELECT "
	"1 FROM sync_state WHERE id "
	"= OLD.state_id)"
	"    THEN RETURN NULL; END "
	"IF;"
	"  ELSIF OLD.luid = "
	"NEW.luid THEN RETURN NULL; "
	"END IF;"
	"  DELETE FROM id_map_gone "
	"WHERE state_id = "
	"OLD.state_id AND "
	"    guid = OLD.guid AND "
	"luid = OLD.luid;"
	"  INSERT INTO id_map_gone "
	"(state_id, tenant_id, "
	"guid, luid, at) "
	"    VALUES (OLD.state_id, "
	"OLD.tenant_id, OLD.guid, "
	"OLD.luid, "
	"    CAST(extract(epoch "
	"FROM now()) AS BIGINT));"
	"  RETURN NULL; END $$;"
	"CREATE TRIGGER id_map_left "
	"AFTER DELETE ON id_map "
	"  FOR EACH ROW EXECUTE "
	"FUNCTION "
	"id_map_gone_keep();"
	"CREATE TRIGGER "
	"id_map_moved AFTER UPDATE "
	"OF luid ON id_map "
	"  FOR EACH ROW EXECUTE "
	"FUNCTION "
	"id_map_gone_keep();"
	"CREATE FUNCTION "
	"sync_state_gone() RETURNS "
	"trigger LANGUAGE plpgsql "
	"AS $$ BEGIN DELETE FROM "
	"id_map_gone WHERE state_id "
	"= OLD.id;"
	"  RETURN NULL; END $$;"
	"CREATE TRIGGER "
	"sync_state_gone AFTER "
	"DELETE ON sync_state "
	"  FOR EACH ROW EXECUTE "
	"FUNCTION sync_state_gone();"
	/* person ids never given twice (SQLite step 9 -> 10) */
	"CREATE FUNCTION "
	"person_seq_keep() RETURNS "
	"trigger LANGUAGE plpgsql "
	"AS $$ BEGIN UPDATE "
	"person_seq SET last = "
	"OLD.id "
	"  WHERE OLD.id > last; "
	"RETURN NULL; END $$;"
	"CREATE TRIGGER "
	"person_seq_keep AFTER "
	"DELETE ON person "
	"  FOR EACH ROW EXECUTE "
	"FUNCTION person_seq_keep();"
	/* SQLite's scalar functions the store's statements call */
	"CREATE FUNCTION max(a "
	"BIGINT, b BIGINT) RETURNS "
	"BIGINT LANGUAGE sql "
	"IMMUTABLE AS $$ SELECT "
	"CASE WHEN a IS NULL OR b "
	"IS NULL THEN NULL "
	"WHEN a > b THEN a ELSE b "
	"END $$;"
	"CREATE FUNCTION min(a "
	"BIGINT, b BIGINT) RETURNS "
	"BIGINT LANGUAGE sql "
	"IMMUTABLE AS $$ SELECT "
	"CASE WHEN a IS NULL OR b "
	"IS NULL THEN NULL "
	"WHEN a < b THEN a ELSE b "
	"END $$;"
	"CREATE FUNCTION instr(hay "
	"TEXT, needle TEXT) RETURNS "
	"BIGINT "
	"LANGUAGE sql IMMUTABLE "
	"STRICT AS $$ SELECT "
	"strpos(hay, needle) $$;"
	/* db.h's ds_initials: the readings' initials of each character
	 * (ds_pinyin, filled by ds_migration_fill_pg from lib/pinyin: ini
	 * its first letter, ini_surname as a family name's first
	 * character) and the two-character family names whose first
	 * character then keeps its usual reading (ds_pinyin_double) */
	"CREATE TABLE ds_pinyin (cp INTEGER PRIMARY KEY, ini TEXT NOT NULL,"
	"  ini_surname TEXT NOT NULL);"
	"CREATE TABLE ds_pinyin_double (prefix TEXT PRIMARY KEY);"
	"CREATE FUNCTION ds_initials(t TEXT) RETURNS TEXT LANGUAGE plpgsql "
	"STABLE STRICT AS $$ DECLARE"
	"  o TEXT := ''; c TEXT; k INTEGER; in_word BOOLEAN := false;"
	"  han INTEGER := 0; dbl BOOLEAN; r RECORD;"
	"BEGIN"
	"  dbl := EXISTS (SELECT 1 FROM ds_pinyin_double WHERE prefix = "
	"    left(t, 2));"
	"  FOREACH c IN ARRAY regexp_split_to_array(t, '') LOOP"
	"    k := ascii(c);"
	"    IF k < 128 THEN"
	"      c := lower(c);"
	"      IF c ~ '^[a-z0-9]$' THEN"
	"        IF NOT in_word THEN o := o || c; END IF;"
	"        in_word := true;"
	"      ELSE in_word := false; END IF;"
	"      CONTINUE;"
	"    END IF;"
	/* accented Latin letters continue a word (not transcribed) */
	"    IF k BETWEEN 192 AND 591 AND k <> 215 AND k <> 247 THEN"
	"      CONTINUE; END IF;"
	"    in_word := false;"
	"    SELECT p.ini, p.ini_surname INTO r FROM ds_pinyin p "
	"      WHERE p.cp = k;"
	"    IF NOT FOUND THEN CONTINUE; END IF;"
	"    IF han = 0 AND NOT dbl THEN o := o || r.ini_surname;"
	"    ELSE o := o || r.ini; END IF;"
	"    han := han + 1;"
	"  END LOOP;"
	/* the C function's buffer holds 127 */
	"  RETURN left(o, 127); END $$;"
	/* db.h's ds_page_match: page.c's match_code, in the same order */
	"CREATE FUNCTION ds_page_match(q TEXT, letters TEXT, digits TEXT,"
	"  display TEXT, family TEXT, given TEXT, title TEXT, emails TEXT,"
	"  pf TEXT, pg TEXT, phones TEXT) RETURNS INTEGER LANGUAGE plpgsql "
	"STABLE AS $$ DECLARE ln INTEGER; lq TEXT; x TEXT; line TEXT;"
	"BEGIN"
	"  IF q IS NULL OR letters IS NULL OR digits IS NULL THEN"
	"    RETURN 0; END IF;"
	"  lq := lower(q); ln := length(letters);"
	"  IF strpos(lower(display), lq) > 0 OR strpos(lower(coalesce("
	"    family, '') || coalesce(given, '')), lq) > 0 OR strpos(lower("
	"    coalesce(given, '') || ' ' || coalesce(family, '')), lq) > 0"
	"  THEN RETURN 1; END IF;"
	"  IF ln > 0 THEN"
	"    x := replace(lower(coalesce(pf, '') || coalesce(pg, '')), ' ', "
	"      '');"
	"    IF length(x) >= ln AND left(x, ln) = letters THEN RETURN 2;"
	"    END IF;"
	"    IF display IS NOT NULL AND starts_with(ds_initials(display), "
	"      letters) THEN RETURN 3; END IF;"
	"  END IF;"
	"  IF digits <> '' AND phones IS NOT NULL THEN"
	"    FOREACH line IN ARRAY string_to_array(phones, chr(10)) LOOP"
	"      IF strpos(left(regexp_replace(line, '[^0-9]', '', 'g'), 127),"
	"        digits) > 0 THEN RETURN 4; END IF;"
	"    END LOOP;"
	"  END IF;"
	"  IF emails IS NOT NULL AND strpos(lower(emails), lq) > 0 THEN"
	"    RETURN 5; END IF;"
	"  IF title IS NOT NULL AND strpos(lower(title), lq) > 0 THEN"
	"    RETURN 6; END IF;"
	"  RETURN 0; END $$;"
	/* db.h's ds_digits: the digits and line breaks of a text */
	"CREATE FUNCTION ds_digits(t TEXT) RETURNS TEXT LANGUAGE sql "
	"IMMUTABLE STRICT AS $$ SELECT regexp_replace(t, '[^0-9\n]', '', "
	"'g') $$;" PG_NAME_INDEXES;

static const char pg_step_16[] =
	"ALTER TABLE tenant ADD COLUMN ldap_base TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE tenant ADD COLUMN ldap_anonymous BIGINT NOT NULL "
	"  DEFAULT 0;";
/* 16 -> 17: SQLite's step beside it */
static const char pg_step_17[] =
	"CREATE TABLE photo_thumb ("
	"  tenant_id BIGINT NOT NULL REFERENCES tenant(id),"
	"  hash TEXT NOT NULL,"
	"  edge BIGINT NOT NULL,"
	"  max_bytes BIGINT NOT NULL,"
	"  person_id BIGINT NOT NULL,"
	"  data BYTEA NOT NULL,"
	"  created BIGINT NOT NULL,"
	"  PRIMARY KEY (tenant_id, hash, edge, max_bytes));"
	"CREATE INDEX photo_thumb_person ON photo_thumb(person_id);"
	"CREATE FUNCTION photo_thumb_gone() RETURNS trigger LANGUAGE plpgsql "
	"AS $$ BEGIN DELETE FROM photo_thumb WHERE person_id = "
	"OLD.person_id; RETURN NULL; END $$;"
	"CREATE TRIGGER photo_thumb_gone AFTER DELETE ON photo "
	"  FOR EACH ROW EXECUTE FUNCTION photo_thumb_gone();";

const char *const ds_migrations_pg[] = {
	pg_schema_15, NULL, NULL, NULL,       NULL,       NULL,
	NULL,         NULL, NULL, NULL,       NULL,       NULL,
	NULL,         NULL, NULL, pg_step_16, pg_step_17,
};

_Static_assert(sizeof(ds_migrations_pg) / sizeof(ds_migrations_pg[0]) ==
		       sizeof(ds_migrations) / sizeof(ds_migrations[0]),
	       "one PostgreSQL step per SQLite step");

/* ---- the C part of PostgreSQL's first step --------------------------- */

static size_t utf8_put(uint32_t cp, char *out)
{
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* A name's first initial as lib/pinyin reads it, or 0. */
static char name_initial(const char *utf8, size_t len)
{
	char ini[8];

	if (pinyin_text(utf8, len, true, NULL, 0, ini, sizeof(ini)) == -1)
		return 0;
	return ini[0];
}

static int fill_one(struct dstore *s, const char *sql, const char *list,
		    struct ob_err *err)
{
	struct db_stmt *st;
	int rc = db_prepare(s->db, sql, 0, &st);

	if (rc != 0)
		return ds_sql_err(s, rc, "pinyin table", err);
	db_bind_text(st, 1, list);
	rc = db_step(st);
	db_finalize(st);
	return rc == DB_DONE ? 0 : ds_sql_err(s, rc, "pinyin table", err);
}

/* The characters with a reading, in the two lists fill_pinyin sends;
 * false when a list could not grow. */
static bool pinyin_lists(struct ob_buf *list, struct ob_buf *dbl)
{
	uint32_t odd[64];
	size_t n_odd = 0;
	int bad = 0;

	for (uint32_t cp = 0x80; cp <= 0x10FFFF; cp++) {
		const char *syl = pinyin_of(cp);
		char c[4], sur;
		size_t n;

		if (syl == NULL || (cp >= 0xD800 && cp <= 0xDFFF))
			continue;
		n = utf8_put(cp, c);
		sur = name_initial(c, n);
		if (sur == 0)
			continue;
		bad |= ob_buf_addf(list, "%lu:%c%c,", (unsigned long)cp, syl[0],
				   sur);
		if (sur != syl[0] && n_odd < sizeof(odd) / sizeof(odd[0]))
			odd[n_odd++] = cp;
	}
	/* a character read otherwise as a surname, followed by one that
	 * makes a two-character surname, keeps its usual reading */
	for (size_t i = 0; i < n_odd; i++) {
		char two[8];
		size_t n1 = utf8_put(odd[i], two);
		char alone = name_initial(two, n1);

		for (uint32_t cp = 0x80; cp <= 0x10FFFF; cp++) {
			size_t n2;

			if ((cp >= 0xD800 && cp <= 0xDFFF) ||
			    pinyin_of(cp) == NULL)
				continue;
			n2 = utf8_put(cp, two + n1);
			if (name_initial(two, n1 + n2) != alone) {
				bad |= ob_buf_add(dbl, two, n1 + n2);
				bad |= ob_buf_add_char(dbl, ',');
			}
		}
	}
	return bad == 0;
}

/* ds_pinyin as "cp:<ini><ini_surname>," and ds_pinyin_double as
 * "prefix," lists, computed from lib/pinyin, so that the SQL ds_initials
 * reads each character as ds_fn_initials does. */
static int fill_pinyin(struct dstore *s, struct ob_err *err)
{
	struct ob_buf list, dbl;
	int ret;

	ob_buf_init(&list, 8u << 20);
	ob_buf_init(&dbl, 1u << 20);
	if (!pinyin_lists(&list, &dbl))
		ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
	else
		ret = fill_one(s,
			       "INSERT INTO ds_pinyin (cp, ini, ini_surname) "
			       "SELECT CAST(split_part(e, ':', 1) AS INTEGER), "
			       "substr(split_part(e, ':', 2), 1, 1), "
			       "substr(split_part(e, ':', 2), 2, 1) FROM "
			       "unnest(string_to_array(?1, ',')) AS e WHERE "
			       "e <> ''",
			       ob_buf_str(&list), err);
	if (ret == 0)
		ret = fill_one(s,
			       "INSERT INTO ds_pinyin_double (prefix) SELECT e "
			       "FROM unnest(string_to_array(?1, ',')) AS e "
			       "WHERE e <> '' ON CONFLICT DO NOTHING",
			       ob_buf_str(&dbl), err);
	ob_buf_deinit(&list);
	ob_buf_deinit(&dbl);
	return ret;
}

int ds_migration_fill_pg(struct dstore *s, int step, struct ob_err *err)
{
	return step == 0 ? fill_pinyin(s, err) : 0;
}
