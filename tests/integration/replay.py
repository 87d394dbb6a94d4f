#!/usr/bin/python3
"""Play a recorded phone session (testdata/syncml/<scenario>/) against the
server and check each reply against NN-server.expect.

  replay.py SCENARIO-DIR URL USER PASSWORD [--wbxml]
Client messages NN-client.xml are templates (see the scenario's README);
a file whose expect starts with "repeat" is sent again while the server's
package continues. Prints a JSON summary; exit 1 on the first failed check.
"""
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
import xml.etree.ElementTree as ET


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


class Replay:
    def __init__(self, scen, url, user, pw, wbxml):
        self.scen, self.url, self.user, self.pw = scen, url, user, pw
        self.wbxml = wbxml
        self.resp = url
        self.msg_id = 0
        self.cmd_id = 0
        self.root = None
        self.luid = 100
        self.maps = []
        self.adds = self.replaces = self.deletes = 0
        self.replaced = []
        self.versions = set()
        self.chunk = ""
        self.chunks = 0

    def post(self, xml):
        data = xml.encode()
        ctype = "application/vnd.syncml+xml"
        if self.wbxml:
            with tempfile.TemporaryDirectory() as d:
                a, b = os.path.join(d, "a.xml"), os.path.join(d, "a.wbxml")
                open(a, "wb").write(data)
                subprocess.run(["xml2wbxml", "-v", "1.2", "-o", b, a],
                               check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
                data = open(b, "rb").read()
            ctype = "application/vnd.syncml+wbxml"
        req = urllib.request.Request(self.resp, data=data,
                                     headers={"Content-Type": ctype})
        with urllib.request.urlopen(req, timeout=30) as r:
            body = r.read()
        size = len(body)
        if self.wbxml:
            with tempfile.TemporaryDirectory() as d:
                a, b = os.path.join(d, "r.wbxml"), os.path.join(d, "r.xml")
                open(a, "wb").write(body)
                subprocess.run(["wbxml2xml", "-m", "0", "-o", b, a],
                               check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
                body = open(b, "rb").read()
        self.root = ET.fromstring(body)
        r = text(self.root, "SyncHdr/RespURI")
        if r:
            self.resp = r
        return size

    def next_cmd(self, m):
        self.cmd_id += 1
        return str(self.cmd_id)

    def statuses(self):
        """Statuses for the last reply; Adds get new LUIDs (mapped)."""
        out = []
        body = find(self.root, "SyncBody")
        ref = text(self.root, "SyncHdr/MsgID")

        def st(cmdref, cmd, code, extra=""):
            self.cmd_id += 1
            out.append("<Status><CmdID>%d</CmdID><MsgRef>%s</MsgRef>"
                       "<CmdRef>%s</CmdRef><Cmd>%s</Cmd>%s<Data>%d</Data>"
                       "</Status>" % (self.cmd_id, ref, cmdref, cmd, extra,
                                      code))
        st("0", "SyncHdr", 200)
        for c in body:
            name = local(c.tag)
            if name in ("Alert", "Get", "Results"):
                st(text(c, "CmdID"), name, 200)
            if name != "Sync":
                continue
            st(text(c, "CmdID"), "Sync", 200)
            for i in c:
                n = local(i.tag)
                if n not in ("Add", "Replace", "Delete"):
                    continue
                data = text(i, "Item/Data")
                if find(i, "Item/MoreData") is not None:
                    # a chunk of a large object
                    self.chunk += data
                    self.chunks += 1
                    st(text(i, "CmdID"), n, 213)
                    continue
                data, self.chunk = self.chunk + data, ""
                m = re.search(r"VERSION:([0-9.]+)", data)
                if m:
                    self.versions.add(m.group(1))
                if n == "Add":
                    self.luid += 1
                    guid = text(i, "Item/Source/LocURI")
                    self.maps.append((guid, self.luid))
                    self.adds += 1
                    st(text(i, "CmdID"), n, 201,
                       "<SourceRef>%s</SourceRef>" % guid)
                else:
                    luid = text(i, "Item/Target/LocURI")
                    if n == "Replace":
                        self.replaces += 1
                        self.replaced.append(luid)
                    else:
                        self.deletes += 1
                    st(text(i, "CmdID"), n, 200,
                       "<TargetRef>%s</TargetRef>" % luid)
        return "".join(out)

    def fill(self, tpl):
        self.cmd_id = 0
        final = find(find(self.root, "SyncBody"), "Final") is not None \
            if self.root is not None else True
        x = tpl.replace("%URL%", self.url).replace("%RESPURI%", self.resp)
        x = x.replace("%USER%", self.user).replace("%MSGID%",
                                                   str(self.msg_id))
        x = x.replace("%BASIC%", base64.b64encode(
            ("%s:%s" % (self.user, self.pw)).encode()).decode())
        if "%STATUSES%" in x:
            x = x.replace("%STATUSES%", self.statuses())
        if "%MAP%" in x:
            m = ""
            if final and self.maps:
                self.cmd_id += 1
                m = ("<Map><CmdID>%d</CmdID><Target><LocURI>./contacts"
                     "</LocURI></Target><Source><LocURI>./C\\System\\Data"
                     "\\Contacts.cdb</LocURI></Source>" % self.cmd_id)
                for g, l in self.maps:
                    m += ("<MapItem><Target><LocURI>%s</LocURI></Target>"
                          "<Source><LocURI>%d</LocURI></Source></MapItem>"
                          % (g, l))
                m += "</Map>"
                self.maps = []
            x = x.replace("%MAP%", m)
        if "%FINAL_OR_222%" in x:
            if final:
                x = x.replace("%FINAL_OR_222%", "<Final/>")
            else:
                self.cmd_id += 1
                x = x.replace("%FINAL_OR_222%",
                              "<Alert><CmdID>%d</CmdID><Data>222</Data>"
                              "</Alert>" % self.cmd_id)
        while "%CMDID%" in x:
            self.cmd_id += 1
            x = x.replace("%CMDID%", str(self.cmd_id), 1)
        return x, final

    def check(self, expect, size, step):
        body = find(self.root, "SyncBody")
        stats = [(text(s, "Cmd"), text(s, "Data")) for s in kids(body,
                                                                 "Status")]
        for line in expect:
            line = line.strip()
            if not line or line.startswith("#") or line == "repeat":
                continue
            ok = True
            if line.startswith("max "):
                ok = size <= int(line[4:])
            elif line == "final":
                ok = find(body, "Final") is not None
            elif line.startswith("+"):
                ok = find(body, line[1:]) is not None
            elif line.startswith("vcard "):
                ok = self.versions <= {line[6:]}
            else:
                cmd, code = line.split("=")
                ok = (cmd, code) in stats
                if ok:
                    stats.remove((cmd, code))
            if not ok:
                raise SystemExit("step %s: check '%s' failed (size %d, "
                                 "statuses %s)" % (step, line, size, stats))

    def run(self):
        steps = sorted(f[:2] for f in os.listdir(self.scen)
                       if f.endswith("-client.xml"))
        for step in steps:
            tpl = open(os.path.join(self.scen, step + "-client.xml")).read()
            expect = open(os.path.join(self.scen,
                                       step + "-server.expect")).readlines()
            repeat = any(l.strip() == "repeat" for l in expect)
            while True:
                self.msg_id += 1
                x, final_before = self.fill(tpl)
                size = self.post(x)
                self.check(expect, size, step)
                if not repeat or final_before:
                    break
        last = find(self.root, "SyncBody")
        return {"adds": self.adds, "replaces": self.replaces,
                "deletes": self.deletes, "replaced": self.replaced,
                "versions": sorted(self.versions), "chunks": self.chunks,
                "map_status": [text(s, "Data") for s in kids(last, "Status")
                               if text(s, "Cmd") == "Map"],
                "messages": self.msg_id}


def main():
    a = sys.argv[1:]
    wbxml = "--wbxml" in a
    a = [x for x in a if x != "--wbxml"]
    print(json.dumps(Replay(a[0], a[1], a[2], a[3], wbxml).run()))


main()
