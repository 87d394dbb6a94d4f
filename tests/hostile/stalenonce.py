#!/usr/bin/python3
"""MD5 digests made with a superseded nonce are no failed logins (TAP).

  stalenonce.py URL DB ACCOUNTS PASSWORD

ACCOUNTS logins stale-0@acme ... share PASSWORD (MD5 on for acme). From one
address (127.0.0.1), as behind a company NAT: each account sends digests
made with the right password and a nonce we issued but superseded since (a
retried message, a lost challenge), more than the address's 30 free
failures in all. They are re-challenged with a fresh nonce, never
accepted, and not counted: another account from the same address still
signs in. Then as many digests made with a wrong password lock the
address out, as they must.
"""
import base64
import hashlib
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sml import ALERT, Tap, hdr_status, post, q
from sml import msg as sml_msg

URL, DB, ACCOUNTS, PASSWORD = (sys.argv[1], sys.argv[2], int(sys.argv[3]),
                               sys.argv[4])
ROUNDS = 4  # per account: below the login's 5 free failures
ADDR_FREE = 30
tap = Tap()
ok = tap.ok


def md5cred(login, pw, nonce):
    inner = base64.b64encode(
        hashlib.md5(("%s:%s" % (login, pw)).encode()).digest())
    d = base64.b64encode(hashlib.md5(
        inner + b":" + base64.b64decode(nonce)).digest()).decode()
    return ('<Cred><Meta><Type xmlns="syncml:metinf">syncml:auth-md5</Type>'
            '<Format xmlns="syncml:metinf">b64</Format></Meta>'
            '<Data>%s</Data></Cred>' % d)


def send(device, login, creds="", sid="1"):
    return post(URL, sml_msg(URL, device, 1, ALERT, creds, sid=sid,
                             name=login))[1]


def next_nonce(body):
    m = re.search(rb"<NextNonce[^>]*>([^<]*)</NextNonce>", body)
    return m.group(1).decode() if m else ""


def addr_failures():
    rows = q(DB, "SELECT failures, until FROM auth_throttle "
             "WHERE key = 'addr:127.0.0.1'")
    return rows[0] if rows else (0, 0)


def login_ok(device, login, pw, sid):
    """Challenge, answer with the nonce: the reply of the answer."""
    nonce = next_nonce(send(device, login, sid=sid))
    if not nonce:
        return None, b"no nonce in the challenge"
    r = send(device, login, md5cred(login, pw, nonce), sid=sid)
    return hdr_status(r), r


# -- digests with a superseded nonce, more than the address may fail ------
stale_total, rechallenged, fresh, last = 0, 0, 0, b""
for k in range(ACCOUNTS):
    login, device = "stale-%d@acme" % k, "IMEI:stale-%d" % k
    for i in range(ROUNDS):
        sid = "%d" % (10 + i)
        older = next_nonce(send(device, login, sid=sid))
        newer = next_nonce(send(device, login, sid=sid))
        r = send(device, login, md5cred(login, PASSWORD, older), sid=sid)
        stale_total += 1
        last = r
        if hdr_status(r) == 401:
            rechallenged += 1
        chal = next_nonce(r)
        if chal and chal not in (older, newer):
            fresh += 1
ok(stale_total > ADDR_FREE, "%d stale-nonce digests from one address"
   % stale_total)
ok(rechallenged == stale_total, "each is refused with 401: %d of %d"
   % (rechallenged, stale_total), last[:600])
ok(fresh == stale_total, "each gets a Chal with a fresh nonce: %d of %d"
   % (fresh, stale_total), last[:600])
failures, until = addr_failures()
ok(failures == 0 and until == 0, "none counts against the address",
   "failures %d, locked until %d" % (failures, until))
n = q(DB, "SELECT count(*) FROM auth_throttle WHERE key LIKE 'login:stale-%'")
ok(n[0][0] == 0, "none counts against its login", "%d login rows" % n[0][0])

# the client retries with the nonce of the re-challenge: signed in
login, device = "stale-0@acme", "IMEI:stale-0"
older = next_nonce(send(device, login, sid="20"))
r = send(device, login, sid="20")
r = send(device, login, md5cred(login, PASSWORD, older), sid="20")
captured = md5cred(login, PASSWORD, next_nonce(r))
r = send(device, login, captured, sid="20")
ok(hdr_status(r) == 212, "the retry with the fresh nonce signs in", r[:600])
# that nonce is now superseded: a replay of the message is refused
r = send(device, login, captured, sid="21")
ok(hdr_status(r) == 401, "a replay with the nonce just used is refused",
   r[:600])

# a refused message: every command answered 401 (none executed), as a
# client that starts over waits for a Status of each (refuse_commands)
body = ('<Put><CmdID>1</CmdID><Item><Source><LocURI>./devinf12</LocURI>'
        '</Source><Data>x</Data></Item></Put>'
        '<Get><CmdID>2</CmdID><Item><Target><LocURI>./devinf12</LocURI>'
        '</Target></Item></Get>' + ALERT.replace("<CmdID>1</CmdID>",
                                                 "<CmdID>3</CmdID>")
        .replace("<Final/>", "") +
        '<Sync><CmdID>4</CmdID><Target><LocURI>contacts</LocURI></Target>'
        '<Source><LocURI>./contacts</LocURI></Source><Add><CmdID>5</CmdID>'
        '<Item><Source><LocURI>9</LocURI></Source><Data>BEGIN:VCARD</Data>'
        '</Item></Add><Delete><CmdID>6</CmdID><NoResp/><Item><Source>'
        '<LocURI>8</LocURI></Source></Item></Delete></Sync><Final/>')
r = post(URL, sml_msg(URL, device, 1, body, captured, sid="22",
                      name=login))[1]
refs = [(int(a), c.decode(), int(d)) for a, c, d in re.findall(
    rb"<Status><CmdID>\d+</CmdID><MsgRef>1</MsgRef><CmdRef>(\d+)</CmdRef>"
    rb"<Cmd>(\w+)</Cmd>.*?<Data>(\d+)</Data>", r, re.S)]
want = [(0, "SyncHdr", 401), (1, "Put", 401), (2, "Get", 401),
        (3, "Alert", 401), (4, "Sync", 401), (5, "Add", 401)]
ok(refs == want and b"<Results>" not in r and b"<Alert>" not in r,
   "a refused message: each command answered 401 (none with NoResp), "
   "none executed", "%r\n%s" % (refs, r[:900]))

# another account behind the same address signs in
st, r = login_ok("IMEI:other", "zhang.wei@acme", "orgbook-demo", "30")
ok(st == 212, "another account from the address signs in (not throttled)",
   r[:600])

# -- clients restored from a backup: a nonce we never kept ----------------
# each account signs in (its next session's nonce is issued), then its
# device, restored from a backup, signs with a nonce from long ago: more
# than the address's free failures in all, none counted, each re-challenged
# and the retry signs in
restored, rechallenged, signed = 0, 0, 0
for k in range(ACCOUNTS):
    login, device = "stale-%d@acme" % k, "IMEI:restored-%d" % k
    for i in range(ROUNDS):
        st, r = login_ok(device, login, PASSWORD, "6%d" % i)
        if st != 212:
            continue
        ancient = base64.b64encode(os.urandom(12)).decode()
        r = send(device, login, md5cred(login, PASSWORD, ancient),
                 sid="7%d" % i)
        restored += 1
        rechallenged += hdr_status(r) == 401
        r = send(device, login, md5cred(login, PASSWORD, next_nonce(r)),
                 sid="7%d" % i)
        signed += hdr_status(r) == 212
ok(restored > ADDR_FREE and rechallenged == restored,
   "%d restored clients' digests of a nonce long gone: each re-challenged"
   % restored, "%d of %d" % (rechallenged, restored))
ok(signed == restored, "each retry signs in: %d of %d" % (signed, restored))
failures, until = addr_failures()
ok(failures == 0 and until == 0, "none counts against the address",
   "failures %d, locked until %d" % (failures, until))
# after a good login, a wrong password: one free try, then counted
login, device = "stale-1@acme", "IMEI:guess"
st, r = login_ok(device, login, PASSWORD, "80")
r = send(device, login, md5cred(login, "guess-a", next_nonce(r)), sid="81")
free = hdr_status(r) == 401 and addr_failures()[0] == 0
r = send(device, login, md5cred(login, "guess-b", next_nonce(r)), sid="81")
ok(free and hdr_status(r) == 401 and addr_failures()[0] == 1,
   "a wrong password after a good login: the second try is counted",
   "address failures %d" % addr_failures()[0])

# -- digests with a wrong password still lock the address out -------------
wrong = 0
for k in range(ACCOUNTS):
    login, device = "stale-%d@acme" % k, "IMEI:wrong-%d" % k
    for i in range(ROUNDS):
        nonce = next_nonce(send(device, login, sid="40"))
        if not nonce:
            continue  # the address is locked: no nonce any more
        r = send(device, login, md5cred(login, "guess-%d" % i, nonce),
                 sid="40")
        wrong += hdr_status(r) == 401
failures, until = addr_failures()
ok(wrong >= ADDR_FREE and failures >= ADDR_FREE and until > time.time(),
   "%d wrong-password digests lock the address out" % wrong,
   "failures %d, locked until %d" % (failures, until))
st, r = login_ok("IMEI:other2", "zhang.wei@acme", "orgbook-demo", "50")
ok(st != 212, "then the other account is refused too", r[:600])
tap.done()
