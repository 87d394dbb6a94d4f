#!/usr/bin/python3
"""A scripted SyncML DS client for tests and benchmarks.

It plays a phone against orgbook-server over HTTP: package 1 (credentials,
DevInf, Alert), package 3 (its own items), package 4 (the server's items,
asking for more with Alert 222), package 5 (statuses and Map). Its local
copy and anchors live in a JSON state file, so consecutive runs are a
phone's consecutive syncs. WBXML goes through libwbxml2's xml2wbxml /
wbxml2xml tools (the test checks our WBXML with them at the same time).

  smlclient.py --url URL --user U --password P --state FILE
               [--mode two-way|slow|refresh] [--wbxml] [--md5]
               [--max-msg N] [--vcard 21|30] [--datastore contacts]
               [--version 1.1|1.2] [--device ID] [--edit LUID] [--delete LUID]
               [--add-private] [--stop-after-msg N]
Prints one JSON line: {"status":..., "mode":..., "adds":.., ...}.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

NS = {"1.2": "SYNCML:SYNCML1.2", "1.1": "SYNCML:SYNCML1.1"}


def local(tag):
    return tag.split("}", 1)[-1]


def child(el, path):
    cur = el
    for part in path.split("/"):
        if cur is None:
            return None
        nxt = None
        for c in cur:
            if local(c.tag) == part:
                nxt = c
                break
        cur = nxt
    return cur


def text(el, path):
    c = child(el, path)
    return (c.text or "") if c is not None else ""


def children(el, name):
    return [c for c in el if local(c.tag) == name]


def esc(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


class Client:
    def __init__(self, a):
        self.a = a
        self.url = a.url
        self.msg_id = 0
        self.cmd_id = 0
        self.session = str(a.session or (os.getpid() % 1000 + 1))
        self.stats = {"adds": 0, "replaces": 0, "deletes": 0, "messages": 0,
                      "bytes_out": 0, "bytes_in": 0}
        self.new_maps = []
        self.versions = set()  # VERSION of the cards received
        self.chunk = ""
        self.chunk_size = 0
        st = {}
        if os.path.exists(a.state):
            with open(a.state) as f:
                st = json.load(f)
        self.items = st.get("items", {})  # luid -> vcard
        self.guid_of = st.get("guid_of", {})  # luid -> guid
        self.last = st.get("last", "")
        self.next_luid = st.get("next_luid", 1)
        self.nonce = st.get("nonce", "")
        self.server_last = st.get("server_last", "")
        self.anchor_n = st.get("anchor_n", 0) + 1
        # Maps of Adds received in an interrupted session, sent early in
        # the next one (as Synthesis-based clients do).
        self.pending_maps = st.get("pending_maps", [])
        self.next = "c%d" % self.anchor_n

    def save(self):
        st = {"items": self.items, "guid_of": self.guid_of,
              "last": self.next, "next_luid": self.next_luid,
              "nonce": self.nonce, "server_last": self.server_last,
              "anchor_n": self.anchor_n, "pending_maps": []}
        tmp = self.a.state + ".tmp"
        with open(tmp, "w") as f:
            json.dump(st, f)
        os.replace(tmp, self.a.state)

    def cid(self):
        self.cmd_id += 1
        return str(self.cmd_id)

    def cred(self):
        u, p = self.a.user, self.a.password
        if self.a.md5:
            inner = base64.b64encode(
                hashlib.md5(("%s:%s" % (u, p)).encode()).digest())
            nonce = base64.b64decode(self.nonce) if self.nonce else b""
            d = base64.b64encode(hashlib.md5(inner + b":" + nonce).digest())
            typ = "syncml:auth-md5"
        else:
            d = base64.b64encode(("%s:%s" % (u, p)).encode())
            typ = "syncml:auth-basic"
        return ('<Cred><Meta><Type xmlns="syncml:metinf">%s</Type>'
                '<Format xmlns="syncml:metinf">b64</Format></Meta>'
                '<Data>%s</Data></Cred>' % (typ, d.decode()))

    def header(self, with_cred):
        v = self.a.version
        h = ('<SyncML xmlns="%s"><SyncHdr><VerDTD>%s</VerDTD>'
             '<VerProto>SyncML/%s</VerProto><SessionID>%s</SessionID>'
             '<MsgID>%d</MsgID><Target><LocURI>%s</LocURI></Target>'
             '<Source><LocURI>%s</LocURI><LocName>%s</LocName></Source>'
             % (NS[v], v, v, self.session, self.msg_id, esc(self.a.url),
                esc(self.a.device), esc(self.a.user)))
        if with_cred:
            h += self.cred()
        h += ('<Meta><MaxMsgSize xmlns="syncml:metinf">%d</MaxMsgSize>'
              '<MaxObjSize xmlns="syncml:metinf">4000000</MaxObjSize></Meta>'
              '</SyncHdr><SyncBody>' % self.a.max_msg)
        return h

    def post(self, body_xml):
        data = body_xml.encode("utf-8")
        ctype = "application/vnd.syncml+xml"
        if self.a.wbxml:
            with tempfile.TemporaryDirectory() as d:
                src, dst = os.path.join(d, "m.xml"), os.path.join(d, "m.wbxml")
                with open(src, "wb") as f:
                    f.write(data)
                subprocess.run(["xml2wbxml", "-v", "1.2", "-o", dst, src],
                               check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
                with open(dst, "rb") as f:
                    data = f.read()
            ctype = "application/vnd.syncml+wbxml"
        if self.a.save_requests:
            with open(os.path.join(self.a.save_requests, "req%02d.%s" % (
                    self.msg_id, "wbxml" if self.a.wbxml else "xml")),
                    "wb") as f:
                f.write(data)
        req = urllib.request.Request(self.url, data=data,
                                     headers={"Content-Type": ctype})
        self.stats["bytes_out"] += len(data)
        if self.a.pause_after_msg and self.msg_id == self.a.pause_after_msg + 1:
            # The test restarts the server here, between two messages.
            open(self.a.pause_file, "w").close()
            import time
            for _ in range(600):
                if not os.path.exists(self.a.pause_file):
                    break
                time.sleep(0.05)
        with urllib.request.urlopen(req, timeout=60) as r:
            body = r.read()
            rtype = r.headers.get("Content-Type", "")
        self.stats["bytes_in"] += len(body)
        self.stats["messages"] += 1
        if len(body) > self.a.max_msg:
            raise SystemExit("reply of %d bytes over MaxMsgSize %d"
                             % (len(body), self.a.max_msg))
        if self.a.wbxml:
            if "wbxml" not in rtype:
                raise SystemExit("reply not WBXML: " + rtype)
            with tempfile.TemporaryDirectory() as d:
                src, dst = os.path.join(d, "r.wbxml"), os.path.join(d, "r.xml")
                with open(src, "wb") as f:
                    f.write(body)
                subprocess.run(["wbxml2xml", "-m", "0", "-o", dst, src],
                               check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
                with open(dst, "rb") as f:
                    body = f.read()
        if self.a.dump:
            sys.stderr.write(body.decode("utf-8", "replace") + "\n\n")
        root = ET.fromstring(body)
        resp = text(root, "SyncHdr/RespURI")
        if resp:
            self.url = resp
        return root

    def devinf(self, results_for=None):
        """Our DevInf as a Put, or as the Results answering the server's
        Get (results_for = (MsgRef, CmdRef))."""
        ct = ("text/vcard", "3.0") if self.a.vcard == "30" else \
             ("text/x-vcard", "2.1")
        v = self.a.version
        cmd = "Results" if results_for else "Put"
        refs = ("<MsgRef>%s</MsgRef><CmdRef>%s</CmdRef>" % results_for
                if results_for else "")
        return ('<%s><CmdID>%s</CmdID>%s<Meta><Type xmlns="syncml:metinf">'
                'application/vnd.syncml-devinf+xml</Type></Meta><Item><Source>'
                '<LocURI>./devinf%s</LocURI></Source><Data>'
                '<DevInf xmlns="syncml:devinf"><VerDTD>%s</VerDTD>'
                '<Man>%s</Man><Mod>smlclient</Mod><SwV>1</SwV>'
                '<DevID>%s</DevID><DevTyp>phone</DevTyp><SupportLargeObjs/>'
                '<DataStore><SourceRef>./contacts</SourceRef>'
                '<Rx-Pref><CTType>%s</CTType><VerCT>%s</VerCT></Rx-Pref>'
                '<Tx-Pref><CTType>%s</CTType><VerCT>%s</VerCT></Tx-Pref>'
                '%s<SyncCap><SyncType>1</SyncType><SyncType>2</SyncType>'
                '</SyncCap></DataStore>%s</DevInf></Data></Item></%s>'
                % (cmd, self.cid(), refs, v.replace(".", ""), v,
                   esc(self.a.man),
                   esc(self.a.device), ct[0], ct[1], ct[0], ct[1],
                   self.ctcap(ct) if v == "1.2" else "",
                   self.ctcap(ct) if v != "1.2" else "", cmd))

    def ctcap(self, ct):
        """A CTCap with a size per property (--ctcap-limit): DevInf 1.2
        nests Property/PropName/MaxSize; 1.1 lists PropName then Size."""
        if not self.a.ctcap_limit:
            return ""
        if self.a.version != "1.2":
            return ("<CTCap><CTType>%s</CTType>%s<PropName>PHOTO</PropName>"
                    "</CTCap>" % (ct[0], "".join(
                        "<PropName>%s</PropName><Size>%s</Size>"
                        % tuple(x.split(":", 1)) for x in self.a.ctcap_limit)))
        props = "".join("<Property><PropName>%s</PropName><MaxSize>%s"
                        "</MaxSize></Property>" % tuple(x.split(":", 1))
                        for x in self.a.ctcap_limit)
        return ("<CTCap><CTType>%s</CTType><VerCT>%s</VerCT>%s"
                "<Property><PropName>PHOTO</PropName></Property></CTCap>"
                % (ct[0], ct[1], props))

    def status(self, msgref, cmdref, cmd, code, tref="", sref=""):
        s = ('<Status><CmdID>%s</CmdID><MsgRef>%s</MsgRef><CmdRef>%s</CmdRef>'
             '<Cmd>%s</Cmd>' % (self.cid(), msgref, cmdref, cmd))
        if tref:
            s += "<TargetRef>%s</TargetRef>" % esc(tref)
        if sref:
            s += "<SourceRef>%s</SourceRef>" % esc(sref)
        return s + "<Data>%d</Data></Status>" % code

    def new_message(self):
        self.msg_id += 1
        self.cmd_id = 0

    def run(self):
        a = self.a
        alert = {"two-way": 200, "slow": 201, "refresh": 205,
                 "one-way": 204}[a.mode]
        result = {"status": "ok"}
        # package 1, repeated after a challenge
        for attempt in range(3):
            self.new_message()
            body = self.header(True) + ("" if a.devinf_late
                                        else self.devinf())
            body += ('<Get><CmdID>%s</CmdID><Meta><Type xmlns="syncml:metinf">'
                     'application/vnd.syncml-devinf+xml</Type></Meta><Item>'
                     '<Target><LocURI>./devinf12</LocURI></Target></Item></Get>'
                     % self.cid())
            last = ('<Last>%s</Last>' % esc(self.last)) if self.last and \
                alert != 201 else ""
            body += ('<Alert><CmdID>%s</CmdID><Data>%d</Data><Item><Target>'
                     '<LocURI>%s</LocURI></Target><Source><LocURI>./contacts'
                     '</LocURI></Source><Meta><Anchor xmlns="syncml:metinf">'
                     '%s<Next>%s</Next></Anchor></Meta></Item></Alert>'
                     '<Final/></SyncBody></SyncML>'
                     % (self.cid(), alert, esc(a.datastore), last, self.next))
            root = self.post(body)
            hdr = [s for s in children(child(root, "SyncBody"), "Status")
                   if text(s, "Cmd") == "SyncHdr"][0]
            code = int(text(hdr, "Data"))
            nn = text(hdr, "Chal/Meta/NextNonce")
            if nn:
                self.nonce = nn
            if code in (401, 407):
                if attempt == 0 and a.md5 and nn:
                    continue
                result["status"] = "auth-%d" % code
                self.save_nonce_only()
                return result
            if code not in (200, 212):
                result["status"] = "hdr-%d" % code
                return result
            break
        srv_msg = text(root, "SyncHdr/MsgID")
        self.server_max = int(text(root, "SyncHdr/Meta/MaxMsgSize") or 1000000)
        body_el = child(root, "SyncBody")
        alert_status = [s for s in children(body_el, "Status")
                        if text(s, "Cmd") == "Alert"]
        if not alert_status:
            raise SystemExit("no status for the alert")
        astat = int(text(alert_status[0], "Data"))
        result["alert_status"] = astat
        if astat not in (200, 508):
            result["status"] = "alert-%d" % astat
            return result
        salerts = children(body_el, "Alert")
        mode = int(text(salerts[0], "Data"))
        result["mode"] = mode
        self.server_last = text(salerts[0], "Item/Meta/Anchor/Next")
        if mode in (201, 205):
            if mode == 205:
                self.items, self.guid_of = {}, {}
        if a.stop_after_msg == 1:
            return result
        # package 3
        self.new_message()
        body = self.header(False)
        body += self.status(srv_msg, "0", "SyncHdr", 200)
        body += self.status(srv_msg, text(salerts[0], "CmdID"), "Alert", 200)
        for g in children(body_el, "Get"):
            body += self.status(srv_msg, text(g, "CmdID"), "Get", 200)
            if a.devinf_late:
                body += self.devinf((srv_msg, text(g, "CmdID")))
        sent = []
        if mode == 201:
            for luid, card in sorted(self.items.items()):
                sent.append(("Replace", luid, card))
        elif mode == 200:
            for luid in a.edit or []:
                card = self.items[luid].replace("END:VCARD",
                                                "NOTE:edited\r\nEND:VCARD")
                self.items[luid] = card
                sent.append(("Replace", luid, card))
            for luid in a.delete or []:
                self.items.pop(luid, None)
                sent.append(("Delete", luid, None))
            if a.add_private:
                luid = str(self.next_luid)
                self.next_luid += 1
                card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:My Dentist\r\n"
                        "N:Dentist;My;;;\r\nTEL:+1 555 0100\r\nEND:VCARD\r\n")
                self.items[luid] = card
                sent.append(("Add", luid, card))
        cmds = []
        for cmd, luid, card in sent:
            pieces = [card]
            if card is not None and a.chunk_client and \
                    len(card.encode()) > a.chunk_client:
                # a large object of ours: pieces with MoreData, the first
                # with the whole size (a wrong one with --bad-size)
                pieces, cur = [], ""
                for ch in card:  # whole characters: each piece is text
                    if len((cur + ch).encode()) > a.chunk_client:
                        pieces.append(cur)
                        cur = ""
                    cur += ch
                pieces.append(cur)
            for k, piece in enumerate(pieces):
                c = "<%s><CmdID>%%s</CmdID>" % cmd
                if card is not None:
                    c += ('<Meta><Type xmlns="syncml:metinf">text/vcard'
                          '</Type></Meta>')
                c += "<Item>"
                if len(pieces) > 1 and k == 0:
                    size = len(card.encode()) + (7 if a.bad_size else 0)
                    c += ('<Meta><Size xmlns="syncml:metinf">%d</Size></Meta>'
                          % size)
                c += "<Source><LocURI>%s</LocURI></Source>" % luid
                if piece is not None:
                    c += "<Data><![CDATA[%s]]></Data>" % piece
                if len(pieces) > 1 and k < len(pieces) - 1:
                    c += "<MoreData/>"
                c += "</Item></%s>" % cmd
                cmds.append(c)
        statuses = []
        while True:
            # Our package 3 in messages within the server's MaxMsgSize.
            limit = self.server_max - 1024
            chunk = []
            size = len(body.encode())
            while cmds and (not chunk or
                            size + len(cmds[0].encode()) < limit):
                size += len(cmds[0].encode())
                chunk.append(cmds.pop(0))
            body += ('<Sync><CmdID>%s</CmdID><Target><LocURI>%s</LocURI>'
                     '</Target><Source><LocURI>./contacts</LocURI></Source>'
                     % (self.cid(), esc(a.datastore)))
            for c in chunk:
                body += c % self.cid()
            body += "</Sync>"
            if self.pending_maps:
                body += ('<Map><CmdID>%s</CmdID><Target><LocURI>%s</LocURI>'
                         '</Target><Source><LocURI>./contacts</LocURI>'
                         '</Source>' % (self.cid(), esc(a.datastore)))
                for g, l in self.pending_maps:
                    body += ('<MapItem><Target><LocURI>%s</LocURI></Target>'
                             '<Source><LocURI>%s</LocURI></Source></MapItem>'
                             % (esc(g), l))
                body += "</Map>"
                self.pending_maps = []
            if cmds:
                body += "</SyncBody></SyncML>"
            else:
                body += "<Final/></SyncBody></SyncML>"
            root = self.post(body)
            statuses += [int(text(s, "Data")) for s in
                         children(child(root, "SyncBody"), "Status")
                         if text(s, "Cmd") in ("Add", "Replace", "Delete")]
            # what the server's statuses for our DevInf call it
            result["devinf_status"] = ",".join(
                "%s:%s" % (text(s, "Cmd"), text(s, "Data"))
                for s in children(child(root, "SyncBody"), "Status")
                if text(s, "SourceRef").startswith("./devinf"))
            if not cmds:
                break
            srv_msg = text(root, "SyncHdr/MsgID")
            self.new_message()
            body = self.header(False)
            body += self.status(srv_msg, "0", "SyncHdr", 200)
            for al in children(child(root, "SyncBody"), "Alert"):
                body += self.status(srv_msg, text(al, "CmdID"), "Alert", 200)
        result["client_statuses"] = statuses
        # package 4, possibly over several messages
        maps = self.new_maps
        while True:
            body_el = child(root, "SyncBody")
            srv_msg = text(root, "SyncHdr/MsgID")
            final = child(body_el, "Final") is not None
            self.new_message()
            out = self.header(False)
            out += self.status(srv_msg, "0", "SyncHdr", 200)
            for sync in children(body_el, "Sync"):
                out += self.status(srv_msg, text(sync, "CmdID"), "Sync", 200)
                for cmd in sync:
                    name = local(cmd.tag)
                    if name not in ("Add", "Replace", "Delete"):
                        continue
                    for item in children(cmd, "Item"):
                        data = text(item, "Data")
                        size = text(item, "Meta/Size")
                        if size:
                            self.chunk_size = int(size)
                        if child(item, "MoreData") is not None:
                            # a chunk of a large object: 213, keep it
                            self.chunk += data
                            ref = text(item, "Source/LocURI") or \
                                text(item, "Target/LocURI")
                            out += self.status(srv_msg, text(cmd, "CmdID"),
                                               name, 213, sref=ref)
                            self.stats["chunks"] = \
                                self.stats.get("chunks", 0) + 1
                            continue
                        if self.chunk:
                            data = self.chunk + data
                            self.chunk = ""
                            # XML turned the card's CRLFs into LFs
                            got = len(data.replace("\r\n", "\n")
                                      .replace("\n", "\r\n").encode())
                            if got != self.chunk_size:
                                raise SystemExit(
                                    "large object of %d bytes, Size said %d"
                                    % (got, self.chunk_size))
                        item_data = data
                        m = re.search(r"^VERSION:(\S+)", data, re.M)
                        self.versions.add(m.group(1) if m else "?")
                        if name == "Add":
                            guid = text(item, "Source/LocURI")
                            luid = str(self.next_luid)
                            self.next_luid += 1
                            self.items[luid] = item_data
                            self.guid_of[luid] = guid
                            maps.append((guid, luid))
                            self.stats["adds"] += 1
                            out += self.status(srv_msg, text(cmd, "CmdID"),
                                               name, 201, sref=guid)
                        elif name == "Replace":
                            luid = text(item, "Target/LocURI")
                            code = 200 if luid in self.items else 404
                            if code == 200:
                                self.items[luid] = item_data
                            self.stats["replaces"] += 1
                            out += self.status(srv_msg, text(cmd, "CmdID"),
                                               name, code, tref=luid)
                        else:
                            luid = text(item, "Target/LocURI")
                            code = 200 if luid in self.items else 211
                            self.items.pop(luid, None)
                            self.guid_of.pop(luid, None)
                            self.stats["deletes"] += 1
                            out += self.status(srv_msg, text(cmd, "CmdID"),
                                               name, code, tref=luid)
            if a.stop_after_msg and self.msg_id > a.stop_after_msg:
                # Killed after applying this message's items, before
                # answering it.
                self.save_partial()
                result["status"] = "stopped"
                result["count"] = len(self.items)
                return result
            if final:
                if maps:
                    out += ('<Map><CmdID>%s</CmdID><Target><LocURI>%s</LocURI>'
                            '</Target><Source><LocURI>./contacts</LocURI>'
                            '</Source>' % (self.cid(), esc(a.datastore)))
                    for g, l in maps:
                        out += ('<MapItem><Target><LocURI>%s</LocURI></Target>'
                                '<Source><LocURI>%s</LocURI></Source></MapItem>'
                                % (esc(g), l))
                    out += "</Map>"
                out += "<Final/></SyncBody></SyncML>"
                if a.skip_map:
                    self.save_partial()
                    return result
                root = self.post(out)
                break
            out += ('<Alert><CmdID>%s</CmdID><Data>222</Data><Item><Target>'
                    '<LocURI>%s</LocURI></Target><Source><LocURI>%s</LocURI>'
                    '</Source></Item></Alert></SyncBody></SyncML>'
                    % (self.cid(), esc(a.url), esc(a.device)))
            root = self.post(out)
        final_statuses = [int(text(s, "Data")) for s in
                          children(child(root, "SyncBody"), "Status")
                          if text(s, "Cmd") == "Map"]
        result["map_status"] = final_statuses
        self.save()
        result.update(self.stats)
        result["count"] = len(self.items)
        result["versions"] = ",".join(sorted(self.versions))
        return result

    def save_nonce_only(self):
        st = {}
        if os.path.exists(self.a.state):
            with open(self.a.state) as f:
                st = json.load(f)
        st["nonce"] = self.nonce
        with open(self.a.state, "w") as f:
            json.dump(st, f)

    def save_partial(self):
        """Keep what was applied but not the new anchor (interrupted)."""
        st = {"items": self.items, "guid_of": self.guid_of,
              "last": self.last, "next_luid": self.next_luid,
              "nonce": self.nonce, "server_last": self.server_last,
              "anchor_n": self.anchor_n - 1,
              "pending_maps": self.pending_maps + self.new_maps}
        with open(self.a.state, "w") as f:
            json.dump(st, f)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--state", required=True)
    p.add_argument("--mode", default="two-way")
    p.add_argument("--wbxml", action="store_true")
    p.add_argument("--md5", action="store_true")
    p.add_argument("--max-msg", type=int, default=150000)
    p.add_argument("--vcard", default="30")
    p.add_argument("--datastore", default="contacts")
    p.add_argument("--version", default="1.2")
    p.add_argument("--device", default="smlclient-1")
    p.add_argument("--session", default="")
    # a make that gets no WBXML string table: wbxml2xml cannot read one
    p.add_argument("--man", default="Generic")
    p.add_argument("--ctcap-limit", action="append",
                   help="PROP:MAXSIZE in the DevInf CTCap (1.2)")
    p.add_argument("--edit", action="append")
    p.add_argument("--delete", action="append")
    p.add_argument("--add-private", action="store_true")
    p.add_argument("--stop-after-msg", type=int, default=0)
    # no DevInf Put in package 1: it goes as Results to the server's Get
    p.add_argument("--devinf-late", action="store_true")
    p.add_argument("--skip-map", action="store_true")
    p.add_argument("--dump", action="store_true")
    p.add_argument("--save-requests", default="")
    p.add_argument("--chunk-client", type=int, default=0)
    p.add_argument("--bad-size", action="store_true")
    p.add_argument("--pause-after-msg", type=int, default=0)
    p.add_argument("--pause-file", default="")
    a = p.parse_args()
    try:
        r = Client(a).run()
    except urllib.error.HTTPError as e:
        r = {"status": "http-%d" % e.code}
    print(json.dumps(r))


if __name__ == "__main__":
    main()
