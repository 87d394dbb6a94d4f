#!/usr/bin/python3
"""A client's Map may only map ids it was sent (TAP on stdout).

  mapflood.py URL DB

A phone slow-syncs the acme directory, then answers with a Map of every
card it got plus 10,000 made-up server ids and the ids of northwind's
people (another enterprise). Only the real ones may reach the id map; the
others get 404. A second phone sends a Map of made-up ids alone.
"""
import base64
import re
import sqlite3
import sys
import urllib.error
import urllib.request

URL, DB = sys.argv[1], sys.argv[2]
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


CRED = ('<Cred><Meta><Type xmlns="syncml:metinf">syncml:auth-basic</Type>'
        '</Meta><Data>%s</Data></Cred>'
        % base64.b64encode(b"zhang.wei@acme:orgbook-demo").decode())


def msg(device, msg_id, body, creds=""):
    return ('<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD>'
            '<VerProto>SyncML/1.2</VerProto><SessionID>1</SessionID>'
            '<MsgID>%d</MsgID><Target><LocURI>%s</LocURI></Target>'
            '<Source><LocURI>%s</LocURI></Source>%s<Meta><MaxMsgSize '
            'xmlns="syncml:metinf">200000</MaxMsgSize></Meta></SyncHdr>'
            '<SyncBody>%s</SyncBody></SyncML>'
            % (msg_id, URL, device, creds, body))


def post(url, xml):
    req = urllib.request.Request(url, data=xml.encode(), headers={
        "Content-Type": "application/vnd.syncml+xml"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.read()
    except urllib.error.HTTPError as e:
        return e.read()


def q(sql, *args):
    con = sqlite3.connect(DB, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def mapped(device):
    return q("SELECT count(*) FROM id_map m JOIN sync_state s ON "
             "s.id = m.state_id WHERE s.device = ?", device)[0][0]


def resp_uri(body):
    m = re.search(rb"<RespURI>([^<]*)</RespURI>", body)
    return m.group(1).decode().replace("&amp;", "&") if m else None


ALERT = ('<Alert><CmdID>1</CmdID><Data>201</Data><Item><Target><LocURI>'
         'contacts</LocURI></Target><Source><LocURI>./contacts</LocURI>'
         '</Source><Meta><Anchor xmlns="syncml:metinf"><Next>1</Next>'
         '</Anchor></Meta></Item></Alert><Final/>')
SYNC = ('<Sync><CmdID>2</CmdID><Target><LocURI>contacts</LocURI></Target>'
        '<Source><LocURI>./contacts</LocURI></Source></Sync><Final/>')
MORE = ('<Alert><CmdID>2</CmdID><Data>222</Data><Item><Target><LocURI>'
        'contacts</LocURI></Target><Source><LocURI>./contacts</LocURI>'
        '</Source></Item></Alert>')


def slow_sync(device):
    """Cards (server ids) of a slow sync, and where to send package 5."""
    r = post(URL, msg(device, 1, ALERT, CRED))
    url = resp_uri(r)
    r = post(url, msg(device, 2, SYNC))
    guids = re.findall(rb"<Add>.*?<Source><LocURI>([^<]*)</LocURI>", r, re.S)
    mid = 3
    while b"<Final" not in r and mid < 500:
        url = resp_uri(r) or url
        r = post(url, msg(device, mid, MORE))
        guids += re.findall(rb"<Add>.*?<Source><LocURI>([^<]*)</LocURI>", r,
                            re.S)
        mid += 1
    return [g.decode() for g in guids], resp_uri(r) or url, mid


def map_cmd(pairs):
    items = "".join('<MapItem><Target><LocURI>%s</LocURI></Target><Source>'
                    '<LocURI>%s</LocURI></Source></MapItem>' % p
                    for p in pairs)
    return ('<Map><CmdID>3</CmdID><Target><LocURI>contacts</LocURI></Target>'
            '<Source><LocURI>./contacts</LocURI></Source>%s</Map><Final/>'
            % items)


guids, url, mid = slow_sync("mapper")
ok(len(guids) > 300, "the slow sync brings the directory (%d)" % len(guids))
north = [r[0] for r in q("SELECT uid FROM person WHERE tenant_id = "
                         "(SELECT id FROM tenant WHERE name = 'northwind')")]
ok(len(north) > 0, "northwind has people (%d)" % len(north))
made_up = ["no-such-person-%05d" % i for i in range(10000)]
pairs = [(g, "L%d" % i) for i, g in enumerate(guids)]
pairs += [(g, "X%d" % i) for i, g in enumerate(made_up + north)]
r = post(url, msg("mapper", mid, map_cmd(pairs)))
statuses = re.findall(rb"<Status>(.*?)</Status>", r, re.S)
maps = [s for s in statuses if b"<Cmd>Map</Cmd>" in s]
ok(any(b"<Data>404</Data>" in s for s in maps),
   "the unknown ids get 404", r[:600])
ok(any(b"<Data>200</Data>" in s for s in maps),
   "the real ones get 200", r[:600])
ok(mapped("mapper") == len(guids),
   "only the %d ids sent are mapped (%d rows; %d unknown and %d of "
   "another enterprise were offered)" % (len(guids), mapped("mapper"),
                                          len(made_up), len(north)))

guids2, url2, mid2 = slow_sync("mapper-2")
r = post(url2, msg("mapper-2", mid2,
                   map_cmd([(g, "Y%d" % i)
                            for i, g in enumerate(made_up[:500])])))
maps = [s for s in re.findall(rb"<Status>(.*?)</Status>", r, re.S)
        if b"<Cmd>Map</Cmd>" in s]
ok(len(maps) == 1 and b"<Data>404</Data>" in maps[0],
   "a Map of made-up ids alone: one 404 status", r[:600])
ok(mapped("mapper-2") == 0, "and no row (%d)" % mapped("mapper-2"))

print("1..%d" % n)
sys.exit(failed)
