#!/usr/bin/python3
"""Session and nonce rows are bounded and expire (TAP on stdout).

  expiry.py URL DB TTL MAX_AGE PER_ACCOUNT NONCES_PER_LOGIN METRICS LOG

The server runs with session-ttl TTL, session-max-age MAX_AGE,
sessions-per-account PER_ACCOUNT, nonces-per-login NONCES_PER_LOGIN and a
housekeeping interval of 1 s. Probes: one account opening many sessions,
idle sessions, a session kept busy past its whole lifetime, MD5 challenges
sprayed over device ids.
"""
import os
import re
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sml import ALERT, Tap, cred, hdr_status, post, q, resp_uri
from sml import msg as sml_msg

URL, DB = sys.argv[1], sys.argv[2]
TTL, MAX_AGE, PER_ACCOUNT, PER_LOGIN = (int(x) for x in sys.argv[3:7])
METRICS, LOG = sys.argv[7], sys.argv[8]
tap = Tap()
ok = tap.ok
SYNC = ('<Sync><CmdID>2</CmdID><Target><LocURI>contacts</LocURI></Target>'
        '<Source><LocURI>./contacts</LocURI></Source></Sync><Final/>')


def msg(device, msg_id, body, creds="", name=""):
    return sml_msg(URL, device, msg_id, body, creds, max_msg=4000, name=name)


def send(url, xml):
    return post(url, xml)[1]


def count(sql, *args):
    return q(DB, sql, *args)[0][0]


def sessions_of(login):
    return count("SELECT count(*) FROM sml_session s JOIN account a "
                 "ON a.id = s.account_id WHERE a.login = ?", login)


def more_():
    return ('<Alert><CmdID>2</CmdID><Data>222</Data><Item><Target><LocURI>'
            'contacts</LocURI></Target><Source><LocURI>./contacts</LocURI>'
            '</Source></Item></Alert>')


ZW = cred("zhang.wei@acme", "orgbook-demo")

# -- one account, many sessions ------------------------------------------
for i in range(4 * PER_ACCOUNT):
    r = send(URL, msg("spray-%d" % i, 1, ALERT, ZW))
ok(hdr_status(r) == 212, "an account's sessions are accepted", r[:300])
have = sessions_of("zhang.wei@acme")
ok(have == PER_ACCOUNT, "%d sessions of one account: %d kept (the limit)"
   % (4 * PER_ACCOUNT, have))
newest = resp_uri(r)

# -- a session kept busy lives no longer than MAX_AGE ----------------------
start = time.time()
r = send(URL, msg("busy", 1, ALERT, ZW))
busy = resp_uri(r)
r = send(busy, msg("busy", 2, SYNC))
ok(b"BEGIN:VCARD" in r, "the busy session gets cards")
mid, alive_past_ttl = 3, False
while time.time() - start < MAX_AGE - 1.5:
    time.sleep(1)
    r = send(resp_uri(r) or busy, msg("busy", mid, more_()))
    mid += 1
    if time.time() - start > TTL + 0.5 and b"BEGIN:VCARD" in r:
        alive_past_ttl = True
ok(alive_past_ttl, "a session with a message every second outlives the "
   "idle expiry of %d s" % TTL)
while time.time() - start < MAX_AGE + 1.5:
    time.sleep(0.5)
r = send(resp_uri(r) or busy, msg("busy", mid, more_()))
ok(b"BEGIN:VCARD" not in r and hdr_status(r) == 407,
   "after its whole lifetime of %d s the session's token opens nothing"
   % MAX_AGE, r[:300])

# -- idle sessions expire and their rows go -------------------------------
deadline = time.time() + TTL + 10
while time.time() < deadline and count("SELECT count(*) FROM sml_session"):
    time.sleep(0.5)
ok(count("SELECT count(*) FROM sml_session") == 0,
   "idle sessions are deleted by housekeeping within %d s" % (TTL + 10))
# the ones left to expire (the limit had ended the other sprayed ones):
# each logged and counted as ended without completing
with open(LOG, errors="replace") as f:
    log = f.read()
logged = log.count("ended without completing")
with urllib.request.urlopen(METRICS, timeout=10) as r:
    # by reason: expiries (abandoned, max_age) are the lines above; the
    # limit's evictions are counted apart
    found = re.findall(r'^orgbook_sessions_incomplete_total'
                       r'\{reason="(?:abandoned|max_age)"\} (\d+)$',
                       r.read().decode(), re.M)
    m = len(found) == 2 and sum(int(x) for x in found)
ok(logged == PER_ACCOUNT and m == logged and
   "session of device 'busy' " in log,
   "every abandoned session is logged and counted (%d logged, %s counted, "
   "%d expected)" % (logged, m, PER_ACCOUNT))
r = send(newest, msg("spray-%d" % (4 * PER_ACCOUNT - 1), 2, SYNC))
ok(b"BEGIN:VCARD" not in r and hdr_status(r) == 407,
   "an expired session's token opens nothing", r[:300])

# -- MD5 challenges sprayed over device ids -------------------------------
for i in range(5 * PER_LOGIN):
    r = send(URL, msg("md5-%d" % i, 1, ALERT, "", "zhang.wei@acme"))
ok(hdr_status(r) == 407 and b"syncml:auth-md5" in r,
   "a message without credentials for an MD5 login gets an MD5 challenge",
   r[:400])
kept = count("SELECT count(*) FROM sml_nonce WHERE login = 'zhang.wei@acme'")
ok(kept == PER_LOGIN, "%d devices challenged for one login: %d nonces kept "
   "(the limit)" % (5 * PER_LOGIN, kept))
ok(count("SELECT count(*) FROM sml_session") == 0,
   "challenges leave no session row")

tap.done()
