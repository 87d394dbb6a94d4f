/* The SQLite schema as an ordered list of migrations. Step N brings a
 * database from schema version N to N+1; dstore_open applies the missing
 * steps in one transaction. Never edit a released step: add a new one. */
#include "config.h"
#include "dirstore/internal.h"

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
};

const int ds_migration_count =
	(int)(sizeof(ds_migrations) / sizeof(ds_migrations[0]));
