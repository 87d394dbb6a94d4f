#!/usr/bin/python3
"""Session takeover probes against a running orgbook-server (TAP on stdout).

  takeover.py URL METRICS-URL SERVER-LOG PEOPLE DB

A victim phone (zhang.wei@acme) starts a slow sync and receives its first
message of cards. An attacker who knows only the victim's device id and
SessionID (both are guessable: orgbook-agent always uses SessionID 1, and
device ids are shown on the admin pages) then sends messages of that session
without its RespURI token: with no credentials, with a wrong token, with a
wrong password, with another enterprise's valid account, and as a replay of
the victim's last MsgID. None of them may get a card, the victim's stored
reply, or disturb the victim, whose sync must still complete with all PEOPLE
cards. A client that ignores RespURI but sends valid credentials in every
message still syncs. A client that opens a sync again under the SessionID
of a session it abandoned (restored from a backup) gets a new session.
Unauthenticated messages leave no session row in DB.
"""
import os
import re
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sml import (ALERT, SYNC, Tap, cards, cred, final, hdr_status, more,
                 post, q, resp_uri)
from sml import msg as sml_msg

URL, METRICS, LOG, PEOPLE, DB = sys.argv[1], sys.argv[2], sys.argv[3], \
    int(sys.argv[4]), sys.argv[5]
tap = Tap()
ok = tap.ok


def msg(device, sid, msg_id, body, creds=""):
    return sml_msg(URL, device, msg_id, body, creds, sid=sid)


def metric(name):
    with urllib.request.urlopen(METRICS, timeout=10) as r:
        m = re.search(r"^%s (\d+)$" % name, r.read().decode(), re.M)
    return int(m.group(1)) if m else None


def sessions():
    return q(DB, "SELECT count(*) FROM sml_session")[0][0]


ZW = cred("zhang.wei@acme", "orgbook-demo")
DEV, SID = "victim-phone", "1"

# -- the victim starts a slow sync and gets its first message of cards ------
st, r1 = post(URL, msg(DEV, SID, 1, ALERT, ZW))
victim = resp_uri(r1)
ok(st == 200 and hdr_status(r1) == 212 and victim and "?s=" in victim,
   "the victim signs in and gets a RespURI with a session token", r1[:600])
st, r2 = post(victim, msg(DEV, SID, 2, SYNC))
got = set(cards(r2))
ok(st == 200 and len(got) > 0 and not final(r2),
   "the victim's first message of cards (%d) is not the last" % len(got))
refused0 = metric("orgbook_sessions_refused_total") or 0

# -- the attacker knows the device id and the SessionID -------------------
def attack(name, url, msg_id, body, creds, want_status):
    st, r = post(url, msg(DEV, SID, msg_id, body, creds))
    ok(st == 200 and not cards(r) and b"BEGIN:VCARD" not in r,
       "%s: no card" % name, r[:400])
    ok(hdr_status(r) == want_status,
       "%s: SyncHdr status %s" % (name, want_status), r[:400])
    ok(r != r2, "%s: not the victim's stored reply" % name)
    ok(resp_uri(r) is None or resp_uri(r) != victim,
       "%s: not the victim's token" % name)
    return r


attack("a replay of the victim's last MsgID without token or credentials",
       URL, 2, SYNC, "", 407)
attack("the victim's next message without token or credentials",
       URL, 3, more(2), "", 407)
wrong = re.sub(r"s=[0-9a-f]+", "s=" + "0" * 32, victim)
attack("a wrong session token", wrong, 3, more(2), "", 407)
attack("the victim's login with a wrong password", URL, 3, more(2),
       cred("zhang.wei@acme", "guess"), 401)
r = attack("valid credentials of another enterprise's account", URL, 3,
           more(2), cred("anna@northwind", "northwind-demo"), 212)
refused = (metric("orgbook_sessions_refused_total") or 0) - refused0
ok(refused == 5, "every refused attempt is counted (%d of 5)" % refused)
with open(LOG, errors="replace") as f:
    logged = f.read().count(
        "refused to continue the session of device '%s'" % DEV)
ok(logged >= 5, "every refused attempt is logged (%d of 5)" % logged)

# -- the victim goes on undisturbed and gets the whole directory -----------
url, msg_id, last, body = victim, 3, r2, r2
for _ in range(400):
    if final(body):
        break
    url = resp_uri(body) or url
    st, body = post(url, msg(DEV, SID, msg_id, more(msg_id - 1)))
    if st != 200:
        break
    got.update(cards(body))
    msg_id += 1
ok(final(body) and len(got) == PEOPLE,
   "the victim's sync goes on and brings all %d people (%d)" % (PEOPLE,
                                                               len(got)))

# -- a client that ignores RespURI but sends its credentials every time ----
nd, have = "nofollow-phone", set()
st, body = post(URL, msg(nd, "5", 1, ALERT, ZW))
st, body = post(URL, msg(nd, "5", 2, SYNC, ZW))
have.update(cards(body))
for i in range(3, 400):
    if final(body) or st != 200:
        break
    st, body = post(URL, msg(nd, "5", i, more(i - 1), ZW))
    have.update(cards(body))
ok(final(body) and len(have) == PEOPLE,
   "a client without RespURI but with credentials in every message syncs "
   "(%d of %d)" % (len(have), PEOPLE))

# -- a client that starts over under a SessionID it used before -----------
# A phone restored from a backup counts its SessionIDs from where the backup
# left them: it opens a sync under the SessionID of a session it had begun
# and abandoned (killed once its Alert was answered). Its first message is challenged; the
# answer (MsgID 2, the right credentials) opens a new session, not the old
# one, whose Alert is long done.
def alert_status(body):
    m = re.search(rb"<Status>(?:(?!</Status>).)*<Cmd>Alert</Cmd>"
                  rb"(?:(?!</Status>).)*<Data>(\d+)</Data>", body, re.S)
    return int(m.group(1)) if m else None


rd, rsid = "restored-phone", "9"
st, body = post(URL, msg(rd, rsid, 1, ALERT, ZW))
ok(st == 200 and alert_status(body) == 200,
   "the phone's first session is cut once its Alert is answered", body[:400])
st, body = post(URL, msg(rd, rsid, 1, ALERT, ""))
ok(st == 200 and hdr_status(body) == 407,
   "restored, it opens the same SessionID again and is challenged",
   body[:400])
st, body = post(URL, msg(rd, rsid, 2, ALERT, ZW))
ok(st == 200 and hdr_status(body) == 212 and alert_status(body) == 200,
   "its answer to the challenge opens a new session: Alert 200, not "
   "403 (SyncHdr %s, Alert %s)" % (hdr_status(body), alert_status(body)),
   body[:600])
token = resp_uri(body)
have = set()
st, body = post(token or URL, msg(rd, rsid, 3, SYNC, ZW))
have.update(cards(body))
for i in range(4, 400):
    if final(body) or st != 200:
        break
    st, body = post(token or URL, msg(rd, rsid, i, more(i - 1), ZW))
    have.update(cards(body))
ok(final(body) and len(have) == PEOPLE,
   "the new session brings all %d people (%d)" % (PEOPLE, len(have)))

# -- unauthenticated messages store nothing --------------------------------
before = sessions()
for i in range(200):
    st, r = post(URL, msg("anon-%d" % i, "1", 1, ALERT, ""))
ok(st == 200 and hdr_status(r) == 407 and resp_uri(r) is None,
   "an unauthenticated message gets 407 and no session token", r[:400])
after = sessions()
ok(after == before, "200 unauthenticated messages leave no session row "
   "(%d -> %d)" % (before, after))

tap.done()
