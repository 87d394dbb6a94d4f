#!/usr/bin/python3
"""Session and nonce rows are bounded and expire (TAP on stdout).

  expiry.py URL DB TTL MAX_AGE PER_ACCOUNT NONCES_PER_LOGIN

The server runs with session-ttl TTL, session-max-age MAX_AGE,
sessions-per-account PER_ACCOUNT, nonces-per-login NONCES_PER_LOGIN and a
housekeeping interval of 1 s. Probes: one account opening many sessions,
idle sessions, a session kept busy past its whole lifetime, MD5 challenges
sprayed over device ids.
"""
import base64
import re
import sqlite3
import sys
import time
import urllib.error
import urllib.request

URL, DB = sys.argv[1], sys.argv[2]
TTL, MAX_AGE, PER_ACCOUNT, PER_LOGIN = (int(x) for x in sys.argv[3:7])
n = 0
failed = 0


def ok(cond, name, detail=""):
    global n, failed
    n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (n, name))
    if not cond:
        failed = 1
        for line in str(detail).splitlines()[:10]:
            print("# " + line)


def cred(login, pw):
    d = base64.b64encode(("%s:%s" % (login, pw)).encode()).decode()
    return ('<Cred><Meta><Type xmlns="syncml:metinf">syncml:auth-basic</Type>'
            '</Meta><Data>%s</Data></Cred>' % d)


def msg(device, msg_id, body, creds="", name=""):
    src = "<LocURI>%s</LocURI>" % device
    if name:
        src += "<LocName>%s</LocName>" % name
    return ('<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD>'
            '<VerProto>SyncML/1.2</VerProto><SessionID>1</SessionID>'
            '<MsgID>%d</MsgID><Target><LocURI>%s</LocURI></Target>'
            '<Source>%s</Source>%s<Meta><MaxMsgSize xmlns="syncml:metinf">'
            '4000</MaxMsgSize></Meta></SyncHdr><SyncBody>%s</SyncBody>'
            '</SyncML>' % (msg_id, URL, src, creds, body))


def post(url, xml):
    req = urllib.request.Request(url, data=xml.encode(), headers={
        "Content-Type": "application/vnd.syncml+xml"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.read()
    except urllib.error.HTTPError as e:
        return e.read()


def resp_uri(body):
    m = re.search(rb"<RespURI>([^<]*)</RespURI>", body)
    return m.group(1).decode().replace("&amp;", "&") if m else None


def hdr_status(body):
    m = re.search(rb"<Cmd>SyncHdr</Cmd>.*?<Data>(\d+)</Data>", body, re.S)
    return int(m.group(1)) if m else None


def q(sql, *args):
    con = sqlite3.connect(DB, timeout=10)
    try:
        return con.execute(sql, args).fetchone()[0]
    finally:
        con.close()


def sessions_of(login):
    return q("SELECT count(*) FROM sml_session s JOIN account a "
             "ON a.id = s.account_id WHERE a.login = ?", login)


ALERT = ('<Alert><CmdID>1</CmdID><Data>201</Data><Item><Target><LocURI>'
         'contacts</LocURI></Target><Source><LocURI>./contacts</LocURI>'
         '</Source><Meta><Anchor xmlns="syncml:metinf"><Next>1</Next>'
         '</Anchor></Meta></Item></Alert><Final/>')
SYNC = ('<Sync><CmdID>2</CmdID><Target><LocURI>contacts</LocURI></Target>'
        '<Source><LocURI>./contacts</LocURI></Source></Sync><Final/>')


def more():
    return ('<Alert><CmdID>2</CmdID><Data>222</Data><Item><Target><LocURI>'
            'contacts</LocURI></Target><Source><LocURI>./contacts</LocURI>'
            '</Source></Item></Alert>')


ZW = cred("zhang.wei@acme", "orgbook-demo")

# -- one account, many sessions ------------------------------------------
for i in range(4 * PER_ACCOUNT):
    r = post(URL, msg("spray-%d" % i, 1, ALERT, ZW))
ok(hdr_status(r) == 212, "an account's sessions are accepted", r[:300])
have = sessions_of("zhang.wei@acme")
ok(have == PER_ACCOUNT, "%d sessions of one account: %d kept (the limit)"
   % (4 * PER_ACCOUNT, have))
newest = resp_uri(r)

# -- a session kept busy lives no longer than MAX_AGE ----------------------
start = time.time()
r = post(URL, msg("busy", 1, ALERT, ZW))
busy = resp_uri(r)
r = post(busy, msg("busy", 2, SYNC))
ok(b"BEGIN:VCARD" in r, "the busy session gets cards")
mid, alive_past_ttl = 3, False
while time.time() - start < MAX_AGE - 1.5:
    time.sleep(1)
    r = post(resp_uri(r) or busy, msg("busy", mid, more()))
    mid += 1
    if time.time() - start > TTL + 0.5 and b"BEGIN:VCARD" in r:
        alive_past_ttl = True
ok(alive_past_ttl, "a session with a message every second outlives the "
   "idle expiry of %d s" % TTL)
while time.time() - start < MAX_AGE + 1.5:
    time.sleep(0.5)
r = post(resp_uri(r) or busy, msg("busy", mid, more()))
ok(b"BEGIN:VCARD" not in r and hdr_status(r) == 407,
   "after its whole lifetime of %d s the session's token opens nothing"
   % MAX_AGE, r[:300])

# -- idle sessions expire and their rows go -------------------------------
deadline = time.time() + TTL + 10
while time.time() < deadline and q("SELECT count(*) FROM sml_session"):
    time.sleep(0.5)
ok(q("SELECT count(*) FROM sml_session") == 0,
   "idle sessions are deleted by housekeeping within %d s" % (TTL + 10))
r = post(newest, msg("spray-%d" % (4 * PER_ACCOUNT - 1), 2, SYNC))
ok(b"BEGIN:VCARD" not in r and hdr_status(r) == 407,
   "an expired session's token opens nothing", r[:300])

# -- MD5 challenges sprayed over device ids -------------------------------
for i in range(5 * PER_LOGIN):
    r = post(URL, msg("md5-%d" % i, 1, ALERT, "", "zhang.wei@acme"))
ok(hdr_status(r) == 407 and b"syncml:auth-md5" in r,
   "a message without credentials for an MD5 login gets an MD5 challenge",
   r[:400])
kept = q("SELECT count(*) FROM sml_nonce WHERE login = 'zhang.wei@acme'")
ok(kept == PER_LOGIN, "%d devices challenged for one login: %d nonces kept "
   "(the limit)" % (5 * PER_LOGIN, kept))
ok(q("SELECT count(*) FROM sml_session") == 0,
   "challenges leave no session row")

print("1..%d" % n)
sys.exit(failed)
