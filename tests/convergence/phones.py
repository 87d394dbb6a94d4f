#!/usr/bin/python3
"""Phone families through slow -> fast -> stale -> slow, with the invariant
checked after every sync.

  phones.py --url URL --admin ORGBOOK-ADMIN --db DB --user U --password P
            [--tenant acme] [--family DIR]... [--log FILE]
Each --family is a recorded phone-shaped sequence in testdata/syncml/
(phone.conf, 01-client.xml ... 03-client.xml, change.xml, delete.xml,
private.vcf and private2.vcf (the user's own contacts), results.xml when
the phone answers the server's Get; see the README there). The phone is
simulated: a store LUID -> card that keeps only the properties its DevInf
CTCap lists, applies the server's Add/Replace/Delete, answers with Status
and Map in the family's LUID style (counter, hex record handles, lowest
free phonebook location) and sends its own changes (a card deleted by the
user) in the next sync.

The cycle, per family:
  1 slow   first sync, the phone holds one private contact of the user
           (snapshot of the phone taken here: its "backup")
           directory: add, edit, delete, hide, move (orgbook-admin);
           phone: the user deletes a directory person's card
  2 fast   the delete comes back as an Add under a new LUID
           directory: another delete and edit
  3 stale  the phone is restored from the backup: its Last anchor is old,
           the server must answer 508 and slow-sync
           directory: another add and delete
           phone: the user adds a second contact of their own (where
           LUIDs are reused, into a location the server once mapped)
  4 slow   the phone asks for a slow sync itself
  5 fast   nothing changed: nothing may be sent
Invariant after every sync: the phone's cards (less the user's own) and
the directory's export (orgbook-admin export --format vcf21), both cut to
the properties the phone stores, are equal: cardcompare.py's
compare(want, have, "raw") finds no difference (every property exactly,
each person once) and, as multisets of its read_all() cards, nobody is
missing or extra; each of the user's own contacts is there exactly once.
(With the older cardcompare.py, which has no compare(), the read_all()
keys alone.)
Prints TAP; on a difference the missing and extra cards are named.

Template placeholders: %URL% %RESPURI% %USER% %SESSION% %MSGID% %CMDID%
(the next command id, in document order) %CRED% (the Cred element, empty
in a first try of a phone with cred = after-challenge) %ALERT% (200 or
201) %LAST% (the <Last> element, empty before the first completed sync)
%NEXT% %STATUSES% (statuses for the server's last message: 201 and a new
LUID for each Add) %RESULTS% (results.xml, when the server sent a Get,
with %GET_MSGREF% %GET_CMDREF%) %NOC% %CHANGES% (the phone's commands,
each written from change.xml with %OP% %LUID% %VCARD%, or delete.xml)
%MAP% %FINAL_OR_222% (Alert 222 while the server's package goes on).
phone.conf: encoding xml|wbxml, server-store, phone-store (the Map's
LocURIs), luid counter N|hex N|slot N, anchor counter N|time DATE|unix N,
session counter N, cred always|after-challenge, slow-op Replace|Add.
"""
import argparse
import ast
import base64
import collections
import copy
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))


def load_cardcompare():
    """tests/interop/cardcompare.py's functions without running its
    command line (the file calls main() at its end)."""
    path = os.path.join(TOP, "tests", "interop", "cardcompare.py")
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    tree.body = [n for n in tree.body
                 if not (isinstance(n, ast.Expr)
                         and isinstance(n.value, ast.Call)
                         and getattr(n.value.func, "id", "") == "main")]
    ns = {"__name__": "cardcompare", "__file__": path}
    exec(compile(tree, path, "exec"), ns)
    return ns


CC = load_cardcompare()


# -- XML helpers --------------------------------------------------------------

def local(tag):
    return tag.split("}", 1)[-1]


def find(el, path):
    for part in path.split("/"):
        if el is None:
            return None
        el = next((c for c in el if local(c.tag) == part), None)
    return el


def text(el, path):
    c = find(el, path)
    return (c.text or "") if c is not None else ""


def kids(el, name):
    return [c for c in el if local(c.tag) == name]


# -- vCards -------------------------------------------------------------------

def split_cards(t):
    """Cards of a .vcf text, each as its list of physical lines."""
    out, cur = [], None
    for line in t.replace("\r\n", "\n").split("\n"):
        if line.upper().startswith("BEGIN:VCARD"):
            cur = [line]
        elif cur is not None:
            cur.append(line)
            if line.upper().startswith("END:VCARD"):
                out.append(cur)
                cur = None
    return out


def logical(lines):
    """Physical lines grouped into properties: 2.1 quoted-printable soft
    breaks, base64 blocks and folded continuation lines stay with the
    property they belong to."""
    props = []
    soft = False
    for line in lines:
        if soft or (props and line[:1] in (" ", "\t")):
            props[-1].append(line)
        elif line == "":
            if props:
                props[-1].append(line)  # the blank line ending base64
            continue
        else:
            props.append([line])
        head = props[-1][0].split(":", 1)[0].upper()
        soft = "QUOTED-PRINTABLE" in head and line.endswith("=")
    return props


def prop_name(prop):
    name = re.split(r"[;:]", prop[0], 1)[0]
    return name.split(".")[-1].upper()


def keep_props(card_lines, names):
    """The card as a phone that stores only `names` keeps it."""
    out = []
    for p in logical(card_lines):
        n = prop_name(p)
        if n in ("BEGIN", "VERSION", "END") or n in names:
            out.extend(l for l in p if l != "" or n == "PHOTO")
    return "\r\n".join(out) + "\r\n"


def keys(t):
    return CC["read_all"](t)


def label(k):
    """A card of read_all() for a message: the strict cardcompare.py
    gives tuples of Prop, the older one (FN, N, ORG, TITLE, CATEGORIES,
    tels, mails)."""
    if "fn_of" in CC:
        return "; ".join(p.show()[:60] for p in k)
    return "%s (N %s, tel %s, email %s)" % (k[0] or "-", k[1] or "-",
                                             ",".join(k[5]) or "-",
                                             ",".join(k[6]) or "-")


def fn(t):
    k = keys(t)[0]
    return CC["fn_of"](k) if "fn_of" in CC else k[0]


# -- a family: its recording and its simulated phone --------------------------

class Family:
    def __init__(self, d):
        self.dir = d
        self.id = os.path.basename(d.rstrip("/"))
        self.conf = {}
        with open(os.path.join(d, "phone.conf")) as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    k, v = line.split("=", 1)
                    self.conf[k.strip()] = v.strip()
        self.tpl = {}
        for n in ("01-client.xml", "02-client.xml", "03-client.xml",
                  "change.xml", "delete.xml", "results.xml", "private.vcf",
                  "private2.vcf"):
            p = os.path.join(d, n)
            if os.path.exists(p):
                with open(p, encoding="utf-8") as f:
                    self.tpl[n] = f.read()
        devinf = self.tpl.get("results.xml", "") + self.tpl["01-client.xml"]
        m = re.search(r"<CTCap>.*?</CTCap>", devinf, re.S)
        self.stored = set(x.upper() for x in
                          re.findall(r"<PropName>([^<]+)</PropName>",
                                     m.group(0))) - {"BEGIN", "END",
                                                     "VERSION"}
        m = re.search(r"<Man>([^<]*)</Man>.*?<Mod>([^<]*)</Mod>", devinf,
                      re.S)
        self.model = "%s %s" % (m.group(1), m.group(2))
        self.wbxml = self.conf["encoding"] == "wbxml"
        self.max_msg = int(re.search(r"<MaxMsgSize[^>]*>(\d+)<",
                                     self.tpl["01-client.xml"]).group(1))
        self.name = self.conf["name"]


class Phone:
    """The phone's own state: what a backup saves and a restore brings
    back."""

    def __init__(self, fam):
        self.fam = fam
        self.items = {}      # LUID -> card text as stored
        self.changes = {}    # LUID -> "add" | "replace" | "delete"
        self.last = ""       # Next anchor of the last completed session
        self.history = {}    # LUID -> FN of the last card it held (log)
        kind, start = fam.conf["luid"].split()
        self.luid_kind = kind
        self.luid_next = int(start, 16 if kind == "hex" else 10)
        kind, start = fam.conf["anchor"].split()
        self.anchor_kind, self.anchor_n = kind, 0
        self.anchor_start = start
        self.session = int(fam.conf["session"].split()[1])

    def new_luid(self):
        if self.luid_kind == "slot":
            # a phonebook of numbered locations: the lowest free one
            n = self.luid_next
            while str(n) in self.items:
                n += 1
            return str(n)
        n = self.luid_next
        self.luid_next += 1
        return "%04X" % n if self.luid_kind == "hex" else str(n)

    def new_anchor(self):
        self.anchor_n += 1
        if self.anchor_kind == "counter":
            return str(int(self.anchor_start) + self.anchor_n)
        if self.anchor_kind == "unix":
            return str(int(self.anchor_start) + 3600 * self.anchor_n)
        # time: a timestamp a minute per sync after midnight of the start
        return "%sT%02d%02d00Z" % (self.anchor_start[:8],
                                   self.anchor_n // 60 % 24,
                                   self.anchor_n % 60)

    def add_own(self, card):
        luid = self.new_luid()
        self.items[luid] = card
        self.changes[luid] = "add"
        return luid

    def user_delete(self, luid):
        del self.items[luid]
        self.changes[luid] = "delete"

    def snapshot(self):
        return copy.deepcopy(self.__dict__)

    def restore(self, snap):
        keep_anchor_n = self.anchor_n  # the clock goes on
        keep_session = self.session
        keep_history = self.history
        self.__dict__.update(copy.deepcopy(snap))
        self.anchor_n = keep_anchor_n
        self.session = keep_session
        self.history = keep_history


# -- one SyncML session -------------------------------------------------------

class Session:
    def __init__(self, phone, url, user, pw, log):
        self.p = phone
        self.f = phone.fam
        self.url, self.user, self.pw = url, user, pw
        self.resp = url
        self.log = log
        self.msg_id = 0
        self.cmd_id = 0
        self.root = None
        self.maps = []
        self.chunk = ""
        self.got = collections.Counter()   # server commands applied
        self.item_status = []              # server's statuses for ours
        self.alert_status = None
        self.server_alert = None
        self.hdr_status = []
        self.applied = []                  # (op, luid, fn) for the log
        self.get = None                    # (msgref, cmdid) of a Get

    def post(self, xml):
        data = xml.encode("utf-8")
        ctype = "application/vnd.syncml+xml"
        with tempfile.TemporaryDirectory() as d:
            if self.f.wbxml:
                a, b = os.path.join(d, "a.xml"), os.path.join(d, "a.wbxml")
                with open(a, "wb") as fh:
                    fh.write(data)
                subprocess.run(["xml2wbxml", "-v", "1.2", "-o", b, a],
                               check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
                with open(b, "rb") as fh:
                    data = fh.read()
                ctype = "application/vnd.syncml+wbxml"
            req = urllib.request.Request(self.resp, data=data,
                                         headers={"Content-Type": ctype})
            with urllib.request.urlopen(req, timeout=60) as r:
                body = r.read()
            self.size = len(body)
            if self.f.wbxml:
                a, b = os.path.join(d, "r.wbxml"), os.path.join(d, "r.xml")
                with open(a, "wb") as fh:
                    fh.write(body)
                subprocess.run(["wbxml2xml", "-m", "0", "-o", b, a],
                               check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
                with open(b, "rb") as fh:
                    body = fh.read()
        self.root = ET.fromstring(body)
        r = text(self.root, "SyncHdr/RespURI")
        if r:
            self.resp = r
        return self.root

    def cmd(self):
        self.cmd_id += 1
        return str(self.cmd_id)

    def status(self, out, ref, cmdref, cmd, code, extra=""):
        out.append("<Status><CmdID>%s</CmdID><MsgRef>%s</MsgRef>"
                   "<CmdRef>%s</CmdRef><Cmd>%s</Cmd>%s<Data>%d</Data>"
                   "</Status>" % (self.cmd(), ref, cmdref, cmd, extra, code))

    def apply(self):
        """Statuses for the server's last message, its Sync commands
        applied to the phone's store."""
        out = []
        body = find(self.root, "SyncBody")
        ref = text(self.root, "SyncHdr/MsgID")
        self.status(out, ref, "0", "SyncHdr", 200)
        for c in body:
            name = local(c.tag)
            if name == "Status":
                cmd, code = text(c, "Cmd"), text(c, "Data")
                if cmd == "SyncHdr":
                    self.hdr_status.append(code)
                elif cmd == "Alert" and self.alert_status is None:
                    self.alert_status = code  # ours; later ones answer 222
                elif cmd in ("Add", "Replace", "Delete"):
                    self.item_status.append((cmd, code))
                continue
            if name == "Alert":
                if text(c, "Data") not in ("222",):
                    self.server_alert = text(c, "Data")
                self.status(out, ref, text(c, "CmdID"), name, 200)
            elif name == "Get":
                self.get = (ref, text(c, "CmdID"))
                self.status(out, ref, text(c, "CmdID"), name, 200)
            elif name == "Results":
                self.status(out, ref, text(c, "CmdID"), name, 200)
            elif name == "Sync":
                self.status(out, ref, text(c, "CmdID"), "Sync", 200)
                for i in c:
                    n = local(i.tag)
                    if n in ("Add", "Replace", "Delete"):
                        self.apply_cmd(out, ref, i, n)
        return "".join(out)

    def apply_cmd(self, out, ref, c, n):
        item = find(c, "Item")
        data = text(item, "Data")
        if find(item, "MoreData") is not None:
            self.chunk += data
            self.status(out, ref, text(c, "CmdID"), n, 213)
            return
        data, self.chunk = self.chunk + data, ""
        self.got[n] += 1
        if n == "Add":
            guid = text(item, "Source/LocURI")
            luid = self.p.new_luid()
            self.p.items[luid] = keep_props(split_cards(data)[0],
                                            self.f.stored)
            self.p.history[luid] = fn(self.p.items[luid])
            self.maps.append((guid, luid))
            self.status(out, ref, text(c, "CmdID"), n, 201,
                        "<SourceRef>%s</SourceRef>" % guid)
            self.applied.append(("Add", luid, guid))
            return
        luid = text(item, "Target/LocURI")
        code = 200
        if n == "Replace":
            if luid in self.p.items:
                self.p.items[luid] = keep_props(split_cards(data)[0],
                                                self.f.stored)
                self.p.history[luid] = fn(self.p.items[luid])
            else:
                code = 404
        elif luid in self.p.items:
            del self.p.items[luid]
        else:
            code = 211
        self.applied.append((n, luid, code))
        self.status(out, ref, text(c, "CmdID"), n, code,
                    "<TargetRef>%s</TargetRef>" % luid)

    def fill(self, tpl, **kw):
        x = tpl
        for k, v in kw.items():
            x = x.replace("%" + k + "%", v)
        x = x.replace("%URL%", self.url).replace("%RESPURI%", self.resp)
        x = x.replace("%USER%", self.user)
        x = x.replace("%SESSION%", str(self.p.session))
        x = x.replace("%MSGID%", str(self.msg_id))
        while "%CMDID%" in x:
            x = x.replace("%CMDID%", self.cmd(), 1)
        return x

    def cred(self):
        b = base64.b64encode(("%s:%s" % (self.user, self.pw)).encode())
        return ("<Cred><Meta><Format xmlns=\"syncml:metinf\">b64</Format>"
                "<Type xmlns=\"syncml:metinf\">syncml:auth-basic</Type>"
                "</Meta><Data>%s</Data></Cred>" % b.decode())

    def changes(self, slow):
        """The phone's package 3 commands: everything in a slow sync, else
        what changed since the last completed session."""
        out = []
        if slow:
            todo = [(l, self.f.conf["slow-op"]) for l in sorted(self.p.items)]
        else:
            todo = [(l, {"add": "Add", "replace": "Replace",
                         "delete": "Delete"}[op])
                    for l, op in sorted(self.p.changes.items())]
        for luid, op in todo:
            if op == "Delete":
                out.append(self.f.tpl["delete.xml"].strip()
                           .replace("%LUID%", luid))
            else:
                card = self.p.items[luid].replace("\r\n", "\n") \
                    .replace("\n", "\r\n")
                out.append(self.f.tpl["change.xml"].strip()
                           .replace("%OP%", op).replace("%LUID%", luid)
                           .replace("%VCARD%", card))
        return out

    def run(self, alert):
        """One session from package 1 to 6; alert 200 or 201."""
        self.p.session += 1
        nxt = self.p.new_anchor()
        last = "<Last>%s</Last>" % self.p.last if self.p.last else ""
        creds = [""] if self.f.conf["cred"] == "after-challenge" else []
        creds.append(self.cred())
        trail = []
        for cr in creds:
            self.cmd_id = 0
            self.msg_id += 1
            x = self.fill(self.f.tpl["01-client.xml"], CRED=cr,
                          ALERT=str(alert), LAST=last, NEXT=nxt)
            self.post(x)
            self.hdr_status, self.alert_status = [], None
            self.cmd_id = 0
            sts = self.apply()
            trail += self.hdr_status
            if self.hdr_status and self.hdr_status[0] in ("200", "212"):
                break
        self.log("  pkg1: SyncHdr %s, Alert status %s, server Alert %s"
                 % (" then ".join(trail), self.alert_status,
                    self.server_alert))
        if self.alert_status not in ("200", "508"):
            raise RuntimeError("alert refused: %s" % self.alert_status)
        slow = self.server_alert == "201"
        # package 3: statuses, DevInf for a Get, the phone's Sync; over
        # several messages when it does not fit the phone's MaxMsgSize
        # (measured as XML: WBXML is smaller)
        ch = self.changes(slow)
        groups, cur, size = [], [], 0
        room = self.f.max_msg - 1200
        for c in ch:
            if cur and size + len(c) > room:
                groups.append(cur)
                cur, size = [], 0
            cur.append(c)
            size += len(c)
        groups.append(cur)
        for gi, g in enumerate(groups):
            last_msg = gi == len(groups) - 1
            self.msg_id += 1
            x = self.f.tpl["02-client.xml"].replace("%NOC%", str(len(ch)))
            if gi == 0 and self.get is not None \
                    and "results.xml" in self.f.tpl:
                x = x.replace("%RESULTS%", self.f.tpl["results.xml"]
                              .replace("%GET_MSGREF%", self.get[0])
                              .replace("%GET_CMDREF%", self.get[1]))
            x = x.replace("%RESULTS%", "")
            if not last_msg:
                x = x.replace("<Final/>", "")
            # CmdIDs in document order; statuses and cards go in as they
            # are
            head, tail = x.split("%CHANGES%")
            head = self.fill(head.replace("%STATUSES%", sts))
            body = [c.replace("%CMDID%", self.cmd(), 1) for c in g]
            self.post(head + "\n".join(body) + self.fill(tail))
            if not last_msg:
                self.cmd_id = 0
                sts = self.apply()
        sent_changes = len(ch)
        self.p.changes = {}  # sent; a real phone forgets them at the end
        # packages 4 and 5: the server's Sync, answered until its Final
        while True:
            final = find(find(self.root, "SyncBody"), "Final") is not None
            self.cmd_id = 0
            sts = self.apply()
            self.msg_id += 1
            m = ""
            if final and self.maps:
                m = ("<Map><CmdID>%s</CmdID><Target><LocURI>%s</LocURI>"
                     "</Target><Source><LocURI>%s</LocURI></Source>"
                     % ("%MAPCMD%", self.f.conf["server-store"],
                        self.f.conf["phone-store"]))
                m += "".join("<MapItem><Target><LocURI>%s</LocURI></Target>"
                             "<Source><LocURI>%s</LocURI></Source></MapItem>"
                             % (g, l) for g, l in self.maps)
                m += "</Map>"
                self.maps = []
            x = self.f.tpl["03-client.xml"]
            x = x.replace("%STATUSES%", sts)
            fin = "<Final/>" if final else \
                "<Alert><CmdID>%ALERTCMD%</CmdID><Data>222</Data></Alert>"
            x = x.replace("%MAP%", m.replace("%MAPCMD%", "%CMDID%"))
            x = x.replace("%FINAL_OR_222%", fin.replace("%ALERTCMD%",
                                                        "%CMDID%"))
            self.post(self.fill(x))
            if final:
                self.apply()  # package 6: statuses for ours
                break
        self.p.last = nxt
        return {"mode": self.server_alert, "alert_status": self.alert_status,
                "sent": sent_changes, "adds": self.got["Add"],
                "replaces": self.got["Replace"],
                "deletes": self.got["Delete"],
                "statuses": collections.Counter(
                    "%s=%s" % s for s in self.item_status),
                "messages": self.msg_id}


# -- the directory ------------------------------------------------------------

class Directory:
    def __init__(self, admin, db, tenant):
        self.admin, self.db, self.tenant = admin, db, tenant
        self.used = set()

    def ob(self, *args):
        r = subprocess.run([self.admin, "--db", self.db] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        if r.returncode != 0:
            raise RuntimeError("orgbook-admin %s: exit %d: %s"
                               % (" ".join(args), r.returncode,
                                  r.stderr.strip()))
        return r.stdout

    def export(self):
        return self.ob("export", "--tenant", self.tenant, "--format",
                       "vcf21")

    def uid_of_fn(self):
        """Visible people: uid -> the export's card lines."""
        out = {}
        for c in split_cards(self.export()):
            uid = next((l[4:] for l in c if l.startswith("UID:")), None)
            if uid:
                out[uid] = c
        return out

    def pick(self, n):
        """n visible people not used by an earlier step (the demo's
        leaders first would be unlucky: take them from the middle)."""
        people = sorted(self.uid_of_fn())
        out = []
        for uid in people[len(people) // 3:] + people[:len(people) // 3]:
            if uid in self.used:
                continue
            out.append(uid)
            self.used.add(uid)
            if len(out) == n:
                return out
        raise RuntimeError("directory too small")


# -- the test -----------------------------------------------------------------

class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail=()):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, name))
        if not cond:
            self.failed += 1
            for d in detail:
                print("# " + d)
        sys.stdout.flush()
        return cond


def phone_cards_of(phone, card):
    """LUIDs of the phone's cards equal (by key) to `card` text."""
    k = keys(card)[0]
    return [l for l, t in phone.items.items() if keys(t) == [k]]


def invariant(tap, fam, phone, directory, privates, what):
    want_text = "".join(keep_props(c, fam.stored)
                        for c in split_cards(directory.export()))
    want = collections.Counter(keys(want_text))
    pks = [keys(p)[0] for p in privates]
    have = collections.Counter()
    n_private = collections.Counter()
    for luid, t in phone.items.items():
        for k in keys(t):
            if k in pks:
                n_private[k] += 1
            else:
                have[k] += 1
    missing = sorted((want - have).elements())
    extra = sorted((have - want).elements())
    if "compare" in CC:
        # the strict comparator: every property, exactly, no table
        # (client "raw"); both sides are already cut to the CTCap
        diffs = CC["compare"](want_text, [
            t for t in phone.items.values() if keys(t)[0] not in pks],
            "raw")
    else:
        diffs = ["missing on the phone: " + label(k) for k in missing] + \
            ["extra on the phone (deleted, hidden or a duplicate): " +
             label(k) for k in extra]
    detail = diffs[:40]
    detail.append("%d people in the directory's view, %d directory cards "
                  "on the phone, %d missing, %d extra, %d differences"
                  % (sum(want.values()), sum(have.values()), len(missing),
                     len(extra), len(diffs)))
    tap.ok(not missing and not extra and not diffs,
           "%s: %s: the phone holds the directory's view, each person "
           "once" % (fam.id, what), detail)
    counts = [n_private[k] for k in pks]
    tap.ok(counts == [1] * len(pks), "%s: %s: the user's own contacts are "
           "kept, each once (%s)" % (fam.id, what,
                                     ",".join(str(n) for n in counts)))


def cycle(tap, fam, a, directory, logf):
    def log(s):
        logf.write(s + "\n")
        logf.flush()

    phone = Phone(fam)
    private = fam.tpl["private.vcf"]
    priv_luid = phone.add_own(private)
    phone.changes = {}  # on the phone before it ever synced
    log("== %s (%s), stores %s" % (fam.id, fam.model,
                                   ",".join(sorted(fam.stored))))

    def sync(alert, what):
        s = Session(phone, a.url, a.user, a.password, log)
        r = s.run(alert)
        log("%s: %s" % (what, r))
        for op in s.applied:
            if op[0] != "Add":
                log("  applied %s" % (op,))
        return r

    def card_of(uid):
        return keep_props(directory.uid_of_fn()[uid], fam.stored)

    # 1 slow
    r = sync(201, "1 slow")
    tap.ok(r["mode"] == "201" and r["alert_status"] == "200",
           "%s: 1 slow: Alert 201 answered 200/201 (%s/%s)"
           % (fam.id, r["alert_status"], r["mode"]))
    invariant(tap, fam, phone, directory, [private], "1 slow")
    backup = phone.snapshot()

    # directory changes; the user deletes a directory card on the phone
    edit, dele, hide, move, udel = directory.pick(5)
    directory.ob("person", "add", "--tenant", a.tenant, "--uid",
                 "phones-%s-1" % fam.id, "--name", "%s Phoneson" % fam.id,
                 "--family", "Phoneson",
                 "--given", fam.id, "--unit", "总部", "--cell",
                 "+86 139 5550 %04d" % (len(fam.id) * 7 % 10000),
                 "--email", "%s.1@example.com" % fam.id)
    directory.ob("person", "update", "--tenant", a.tenant, edit,
                 "--title", "Phone tester", "--cell", "+86 138 0013 8000")
    gone1 = card_of(dele)
    directory.ob("person", "delete", "--tenant", a.tenant, dele)
    directory.ob("person", "update", "--tenant", a.tenant, hide,
                 "--hidden", "yes")
    directory.ob("person", "move", "--tenant", a.tenant, move, "研发中心")
    ucard = card_of(udel)
    ul = phone_cards_of(phone, ucard)
    tap.ok(len(ul) == 1, "%s: the card the user deletes is on the phone "
           "once (%s)" % (fam.id, ul))
    if ul:
        phone.user_delete(ul[0])
    log("changes A: edit %s delete %s hide %s move %s; user deleted %s "
        "(LUID %s)" % (edit, dele, hide, move, udel, ul))

    # 2 fast
    r = sync(200, "2 fast")
    tap.ok(r["mode"] == "200" and r["alert_status"] == "200",
           "%s: 2 fast: two-way sync (%s/%s)" % (fam.id, r["alert_status"],
                                                r["mode"]))
    invariant(tap, fam, phone, directory, [private], "2 fast")
    back = phone_cards_of(phone, ucard)
    if phone.luid_kind == "slot":
        # a phonebook gives the card the lowest free location: the one
        # the user's delete freed, unless another Add took it first
        tap.ok(len(back) == 1, "%s: 2 fast: the card the user deleted "
               "came back once (location %s -> %s)" % (fam.id, ul, back))
    else:
        tap.ok(len(back) == 1 and back != ul,
               "%s: 2 fast: the card the user deleted came back under a "
               "new LUID (%s -> %s)" % (fam.id, ul, back))
    edit2, dele2 = directory.pick(2)
    gone2 = card_of(dele2)
    directory.ob("person", "update", "--tenant", a.tenant, edit2,
                 "--title", "Restored from backup")
    directory.ob("person", "delete", "--tenant", a.tenant, dele2)
    log("changes B: edit %s delete %s" % (edit2, dele2))

    # 3 stale: the phone restored from its backup
    phone.restore(backup)
    tap.ok(len(phone_cards_of(phone, gone1)) == 1
           and len(phone_cards_of(phone, gone2)) == 1
           and len(phone_cards_of(phone, ucard)) == 1
           and priv_luid in phone.items,
           "%s: the restored phone holds the deleted people, the old card "
           "of the user's delete and the private contact" % fam.id)
    r = sync(200, "3 stale")
    tap.ok(r["alert_status"] == "508" and r["mode"] == "201",
           "%s: 3 stale: old anchor answered 508 and a slow sync (%s/%s)"
           % (fam.id, r["alert_status"], r["mode"]))
    invariant(tap, fam, phone, directory, [private], "3 stale")
    tap.ok(not phone_cards_of(phone, gone1)
           and not phone_cards_of(phone, gone2),
           "%s: 3 stale: people deleted from the directory are gone from "
           "the restored phone" % fam.id)
    tap.ok(len(phone_cards_of(phone, ucard)) == 1,
           "%s: 3 stale: the card the user had deleted and got back is "
           "there once (%d)" % (fam.id, len(phone_cards_of(phone, ucard))))
    add3 = "phones-%s-2" % fam.id
    directory.ob("person", "add", "--tenant", a.tenant, "--uid", add3,
                 "--name", "%s II Phoneson" % fam.id, "--family", "Phoneson",
                 "--given", fam.id + " II",
                 "--unit", "研发中心", "--email",
                 "%s.2@example.com" % fam.id)
    dele3, = directory.pick(1)
    directory.ob("person", "delete", "--tenant", a.tenant, dele3)
    # the user adds a contact of their own; where LUIDs are reused it may
    # take one the server once mapped to a directory person
    private2 = fam.tpl["private2.vcf"]
    l2 = phone.add_own(private2)
    log("changes C: add %s delete %s; the user added a contact at LUID %s "
        "(held before: %s)" % (add3, dele3, l2,
                               phone.history.get(l2, "nothing")))

    # 4 slow, asked by the phone
    r = sync(201, "4 slow")
    tap.ok(r["mode"] == "201" and r["alert_status"] == "200",
           "%s: 4 slow: Alert 201 (%s/%s)" % (fam.id, r["alert_status"],
                                             r["mode"]))
    invariant(tap, fam, phone, directory, [private, private2], "4 slow")

    # 5 fast, nothing changed
    r = sync(200, "5 fast")
    tap.ok(r["mode"] == "200" and r["adds"] + r["replaces"] + r["deletes"]
           == 0, "%s: 5 fast: nothing changed, nothing sent (%s/%s, "
           "%d adds, %d replaces, %d deletes)"
           % (fam.id, r["alert_status"], r["mode"], r["adds"],
              r["replaces"], r["deletes"]))
    invariant(tap, fam, phone, directory, [private, private2], "5 fast")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--admin", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--tenant", default="acme")
    ap.add_argument("--family", action="append", required=True)
    ap.add_argument("--log", default=os.devnull)
    a = ap.parse_args()
    tap = Tap()
    directory = Directory(a.admin, a.db, a.tenant)
    with open(a.log, "a") as logf:
        for d in a.family:
            fam = Family(d)
            try:
                cycle(tap, fam, a, directory, logf)
            except Exception as e:  # a protocol failure is a failed test
                tap.ok(False, "%s: the cycle runs to its end" % fam.id,
                       ["%s: %s" % (type(e).__name__, e)])
    print("1..%d" % tap.n)
    sys.exit(1 if tap.failed else 0)


main()
