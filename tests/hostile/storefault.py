#!/usr/bin/python3
"""A store lookup that fails is never taken for a row that is not there
(TAP on stdout).

  storefault.py URL DB ADMIN SMLCLIENT VIEWCHECK TMP

A phone slow-syncs the demo directory (smlclient.py) and an administrator
edits one person. Then tables the server reads are taken away under the
running server (ALTER TABLE ... RENAME on its database), as a store that
fails would do, and the phone syncs two-way:
- without its sync state (sync_state), the server must not take the phone
  for a new one and force a slow sync (508);
- without its map (id_map), the server must not send the edited person as
  an Add: the phone would hold that person twice.
The message is refused instead (HTTP 5xx or SyncML 503), the failure is
logged with the store's words, and once the table is back the same phone
syncs and holds the directory's view exactly (each person once).
"""
import json
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sml import Tap, cred, hdr_status, post
from sml import msg as sml_msg

URL, DB, ADMIN, CLIENT, VIEW, TMP = sys.argv[1:7]
tap = Tap()
ok = tap.ok
DEV, USER, PW = "fault-phone", "zhang.wei@acme", "orgbook-demo"
STATE = os.path.join(TMP, "fault-phone.json")
EDITED = "demo-000010"


def sync(*args):
    r = subprocess.run([sys.executable, CLIENT, "--url", URL, "--user", USER,
                        "--password", PW, "--state", STATE, "--device", DEV]
                       + list(args), capture_output=True, text=True,
                       timeout=300)
    try:
        return json.loads(r.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"status": "exit %d" % r.returncode, "err": r.stderr[-400:]}


def rename(a, b):
    con = sqlite3.connect(DB, timeout=30)
    try:
        con.execute("ALTER TABLE %s RENAME TO %s" % (a, b))
        con.commit()
    finally:
        con.close()


def alert(last, nxt):
    return ('<Alert><CmdID>1</CmdID><Data>200</Data><Item><Target><LocURI>'
            'contacts</LocURI></Target><Source><LocURI>./contacts</LocURI>'
            '</Source><Meta><Anchor xmlns="syncml:metinf"><Last>%s</Last>'
            '<Next>%s</Next></Anchor></Meta></Item></Alert><Final/>'
            % (last, nxt))


SYNC_PKG3 = ('<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef>'
             '<Cmd>SyncHdr</Cmd><Data>200</Data></Status>'
             '<Sync><CmdID>2</CmdID><Target><LocURI>contacts</LocURI></Target>'
             '<Source><LocURI>./contacts</LocURI></Source></Sync><Final/>')


def alert_code(body):
    import re
    m = re.search(rb"<Status>(?:(?!</Status>).)*<Cmd>Alert</Cmd>"
                  rb"(?:(?!</Status>).)*<Data>(\d+)</Data>", body, re.S)
    return int(m.group(1)) if m else None


def refused(st, body):
    """HTTP 5xx, or a SyncML 503 for the header."""
    return st >= 500 or hdr_status(body) == 503


def log_has(words):
    with open(os.path.join(TMP, "server.log"), errors="replace") as f:
        return words in f.read()


r = sync("--mode", "slow")
ok(r.get("status") == "ok" and r.get("count", 0) > 300,
   "the phone slow-syncs the directory (%s, %s cards)"
   % (r.get("status"), r.get("count")), r)
with open(STATE) as f:
    last = json.load(f)["last"]
subprocess.run([ADMIN, "--db", DB, "person", "update", "--tenant", "acme",
                EDITED, "--title", "故障演练负责人"], check=True,
               stdout=subprocess.DEVNULL)

# -- the phone's sync state cannot be read ------------------------------------
rename("sync_state", "sync_state_away")
ZW = cred(USER, PW)
st, body = post(URL, sml_msg(URL, DEV, 1, alert(last, last + "x"), ZW,
                             sid="71"))
rename("sync_state_away", "sync_state")
ok(alert_code(body) != 508,
   "a sync state that cannot be read does not force a slow sync (508)",
   body[:500])
ok(refused(st, body), "the message is refused instead (HTTP %d, SyncHdr %s)"
   % (st, hdr_status(body)), body[:300])
ok(log_has("no such table: sync_state"),
   "the store's failure is logged in its own words")

# -- the phone's map cannot be read when the server's changes go out ----------
st, body = post(URL, sml_msg(URL, DEV, 1, alert(last, last + "y"), ZW,
                             sid="72"))
ok(st == 200 and alert_code(body) == 200,
   "with the store whole again, the phone's two-way sync is accepted",
   body[:500])
rename("id_map", "id_map_away")
st, body = post(URL, sml_msg(URL, DEV, 2, SYNC_PKG3, ZW, sid="72"))
rename("id_map_away", "id_map")
adds = body.count(b"<Add>")
ok(adds == 0 and EDITED.encode() not in body,
   "a map that cannot be read does not send the edited person as an Add "
   "(%d Adds)" % adds, body[:600])
ok(refused(st, body), "the message is refused instead (HTTP %d, SyncHdr %s)"
   % (st, hdr_status(body)), body[:300])
ok(log_has("no such table: id_map"),
   "the store's failure is logged in its own words")

# -- the store is whole again: the same phone converges -----------------------
r = sync()
ok(r.get("status") == "ok", "the phone's next sync completes (%s)"
   % r.get("status"), r)
exp = os.path.join(TMP, "export.vcf")
with open(exp, "w") as f:
    subprocess.run([ADMIN, "--db", DB, "export", "--tenant", "acme",
                    "--format", "vcf30"], check=True, stdout=f)
v = subprocess.run([sys.executable, VIEW, STATE, exp], capture_output=True,
                   text=True)
ok(v.returncode == 0, "the phone holds the directory's view, each person "
   "once", v.stdout[-800:])
tap.done()
