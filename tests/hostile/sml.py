"""What the hostile SyncML probes share: TAP output, messages of a scripted
phone (XML, SyncML 1.2), posting them, reading replies with regular
expressions (deliberately not our decoder), and reading the store."""
import base64
import re
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail=""):
        self.n += 1
        print(("ok %d - %s" if cond else "not ok %d - %s") % (self.n, name))
        if not cond:
            self.failed = 1
            for line in str(detail).splitlines()[:12]:
                print("# " + line)

    def done(self):
        print("1..%d" % self.n)
        sys.exit(self.failed)


def cred(login, pw):
    d = base64.b64encode(("%s:%s" % (login, pw)).encode()).decode()
    return ('<Cred><Meta><Type xmlns="syncml:metinf">syncml:auth-basic</Type>'
            '<Format xmlns="syncml:metinf">b64</Format></Meta>'
            '<Data>%s</Data></Cred>' % d)


def msg(url, device, msg_id, body, creds="", sid="1", max_msg=20000,
        name=""):
    src = "<LocURI>%s</LocURI>" % device
    if name:
        src += "<LocName>%s</LocName>" % name
    return ('<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD>'
            '<VerProto>SyncML/1.2</VerProto><SessionID>%s</SessionID>'
            '<MsgID>%d</MsgID><Target><LocURI>%s</LocURI></Target>'
            '<Source>%s</Source>%s<Meta><MaxMsgSize xmlns="syncml:metinf">'
            '%d</MaxMsgSize></Meta></SyncHdr><SyncBody>%s</SyncBody>'
            '</SyncML>' % (sid, msg_id, url, src, creds, max_msg, body))


def post(url, xml):
    """(HTTP status, body) of a POST of one XML message."""
    req = urllib.request.Request(url, data=xml.encode(), headers={
        "Content-Type": "application/vnd.syncml+xml"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


# Alert 201 (slow sync of the whole directory), the end of package 1
ALERT = ('<Alert><CmdID>1</CmdID><Data>201</Data><Item><Target><LocURI>'
         'contacts</LocURI></Target><Source><LocURI>./contacts</LocURI>'
         '</Source><Meta><Anchor xmlns="syncml:metinf"><Next>1</Next>'
         '</Anchor></Meta></Item></Alert><Final/>')
# package 3: the phone has nothing to send
SYNC = ('<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef>'
        '<Cmd>SyncHdr</Cmd><Data>200</Data></Status>'
        '<Sync><CmdID>2</CmdID><Target><LocURI>contacts</LocURI></Target>'
        '<Source><LocURI>./contacts</LocURI></Source></Sync><Final/>')


def more(msg_ref):
    """Alert 222: the next message of the server's package, please."""
    return ('<Status><CmdID>1</CmdID><MsgRef>%d</MsgRef><CmdRef>0</CmdRef>'
            '<Cmd>SyncHdr</Cmd><Data>200</Data></Status>'
            '<Alert><CmdID>2</CmdID><Data>222</Data><Item><Target><LocURI>'
            'contacts</LocURI></Target><Source><LocURI>./contacts</LocURI>'
            '</Source></Item></Alert>' % msg_ref)


def resp_uri(body):
    m = re.search(rb"<RespURI>([^<]*)</RespURI>", body)
    return m.group(1).decode().replace("&amp;", "&") if m else None


def cards(body):
    """The server ids of the Adds in a reply."""
    return [g.decode() for g in re.findall(
        rb"<Add>.*?<Source><LocURI>([^<]*)</LocURI>", body, re.S)]


def hdr_status(body):
    m = re.search(rb"<Cmd>SyncHdr</Cmd>.*?<Data>(\d+)</Data>", body, re.S)
    return int(m.group(1)) if m else None


def final(body):
    return b"<Final" in body


def pg_literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, (int, float)):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def pg_q(db, sql, args):
    """q on PostgreSQL through psql: ? placeholders become literals."""
    parts = sql.split("?")
    if len(parts) != len(args) + 1:
        raise ValueError("placeholders and arguments differ")
    text = parts[0]
    for a, rest in zip(args, parts[1:]):
        text += pg_literal(a) + rest
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\x1f",
                          "-v", "ON_ERROR_STOP=1", db, "-c", text],
                         check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        row = []
        for f in line.split("\x1f"):
            row.append(int(f) if f.lstrip("-").isdigit() else f)
        rows.append(tuple(row))
    return rows


def q(db, sql, *args):
    """The rows of one query on the server's database (an SQLite file
    or a PostgreSQL URI)."""
    if db.startswith(("postgresql://", "postgres://")):
        return pg_q(db, sql, args)
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()
