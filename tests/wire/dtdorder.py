#!/usr/bin/python3
"""Every reply follows the SyncML DTD's element order (TAP).

  dtdorder.py DIR...
Each DIR holds the replies of one sequence as recorded by record.py
(NNNN.xml, NNNN.wbxml). WBXML is decoded by libwbxml2's wbxml2xml, not by
our decoder. Within each element of the SyncML namespace that has a content
model below (SyncML RepPro 1.1/1.2 DTD), the children must come in the
model's order, required ones present, a '?' or single one at most once.
Parsers that read by position (many phones) take an element out of order
for a missing one: the Status code after an Item, say.

Meta content (metinf) and DevInf are not checked here.
"""
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

CMDS = {"Add", "Alert", "Atomic", "Copy", "Delete", "Exec", "Get", "Map",
        "Move", "Put", "Replace", "Results", "Search", "Sequence", "Status",
        "Sync"}
SYNC_CMDS = {"Add", "Atomic", "Copy", "Delete", "Move", "Replace",
             "Sequence"}
# element: [(names, occurrence)], occurrence one of "1", "?", "*", "+"
MODELS = {
    "SyncML": [({"SyncHdr"}, "1"), ({"SyncBody"}, "1")],
    "SyncHdr": [({"VerDTD"}, "1"), ({"VerProto"}, "1"),
                ({"SessionID"}, "1"), ({"MsgID"}, "1"), ({"Target"}, "1"),
                ({"Source"}, "1"), ({"RespURI"}, "?"), ({"NoResp"}, "?"),
                ({"Cred"}, "?"), ({"Meta"}, "?")],
    "SyncBody": [(CMDS, "+"), ({"Final"}, "?")],
    "Status": [({"CmdID"}, "1"), ({"MsgRef"}, "1"), ({"CmdRef"}, "1"),
               ({"Cmd"}, "1"), ({"TargetRef"}, "*"), ({"SourceRef"}, "*"),
               ({"Cred"}, "?"), ({"Chal"}, "?"), ({"Data"}, "1"),
               ({"Item"}, "*")],
    "Alert": [({"CmdID"}, "1"), ({"NoResp"}, "?"), ({"Cred"}, "?"),
              ({"Data"}, "?"), ({"Correlator"}, "?"), ({"Item"}, "*")],
    "Sync": [({"CmdID"}, "1"), ({"NoResp"}, "?"), ({"Cred"}, "?"),
             ({"Target"}, "?"), ({"Source"}, "?"), ({"Meta"}, "?"),
             ({"NumberOfChanges"}, "?"), (SYNC_CMDS, "*")],
    "Add": [({"CmdID"}, "1"), ({"NoResp"}, "?"), ({"Cred"}, "?"),
            ({"Meta"}, "?"), ({"Item"}, "+")],
    "Replace": [({"CmdID"}, "1"), ({"NoResp"}, "?"), ({"Cred"}, "?"),
                ({"Meta"}, "?"), ({"Item"}, "+")],
    "Delete": [({"CmdID"}, "1"), ({"NoResp"}, "?"), ({"Archive"}, "?"),
               ({"SftDel"}, "?"), ({"Cred"}, "?"), ({"Meta"}, "?"),
               ({"Item"}, "+")],
    "Results": [({"CmdID"}, "1"), ({"MsgRef"}, "?"), ({"CmdRef"}, "1"),
                ({"Meta"}, "?"), ({"TargetRef"}, "?"), ({"SourceRef"}, "?"),
                ({"Item"}, "+")],
    "Put": [({"CmdID"}, "1"), ({"NoResp"}, "?"), ({"Lang"}, "?"),
            ({"Cred"}, "?"), ({"Meta"}, "?"), ({"Item"}, "+")],
    "Get": [({"CmdID"}, "1"), ({"NoResp"}, "?"), ({"Lang"}, "?"),
            ({"Cred"}, "?"), ({"Meta"}, "?"), ({"Item"}, "+")],
    "Map": [({"CmdID"}, "1"), ({"Target"}, "1"), ({"Source"}, "1"),
            ({"Cred"}, "?"), ({"Meta"}, "?"), ({"MapItem"}, "+")],
    "Item": [({"Target"}, "?"), ({"Source"}, "?"), ({"SourceParent"}, "?"),
             ({"TargetParent"}, "?"), ({"Meta"}, "?"), ({"Data"}, "?"),
             ({"MoreData"}, "?")],
    "Target": [({"LocURI"}, "1"), ({"LocName"}, "?"), ({"Filter"}, "?")],
    "Source": [({"LocURI"}, "1"), ({"LocName"}, "?")],
    "Chal": [({"Meta"}, "1")],
    "Cred": [({"Meta"}, "?"), ({"Data"}, "1")],
}
SYNCML_NS = ("SYNCML:SYNCML1.1", "SYNCML:SYNCML1.2", "syncml:syncml1.1",
             "syncml:syncml1.2")


def local(tag):
    return tag.rsplit("}", 1)[-1]


def ns(tag):
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def check(el, path, errs):
    name = local(el.tag)
    kids = list(el)
    model = MODELS.get(name) if ns(el.tag) in SYNCML_NS or not ns(el.tag) \
        else None
    if model is not None and name != "Data":
        pos, seen = 0, [0] * len(model)
        for k in kids:
            kn = local(k.tag)
            at = next((i for i in range(pos, len(model))
                       if kn in model[i][0]), None)
            if at is None:
                earlier = next((i for i in range(len(model))
                                if kn in model[i][0]), None)
                errs.append("%s/%s: <%s> %s" % (
                    path, name, kn,
                    "not allowed here" if earlier is None else
                    "after <%s>, out of the DTD's order"
                    % "|".join(sorted(model[pos][0]))[:40]))
                continue
            seen[at] += 1
            if model[at][1] in "1?" and seen[at] > 1:
                errs.append("%s/%s: <%s> more than once" % (path, name, kn))
            pos = at
        for i, (names, occ) in enumerate(model):
            if occ in "1+" and seen[i] == 0:
                errs.append("%s/%s: no <%s>" % (
                    path, name, "|".join(sorted(names))[:40]))
    if name in ("Data", "Meta"):
        return  # card text, DevInf or metinf: not the SyncML DTD
    for k in kids:
        check(k, path + "/" + name, errs)


def xml_of(path):
    if path.endswith(".xml"):
        return open(path, "rb").read()
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "m.xml")
        subprocess.run(["wbxml2xml", "-o", out, path], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return open(out, "rb").read()


def main():
    n = failed = 0
    for d in sys.argv[1:]:
        errs, replies = [], 0
        for f in sorted(os.listdir(d)):
            if not f.endswith((".xml", ".wbxml")):
                continue
            replies += 1
            try:
                root = ET.fromstring(xml_of(os.path.join(d, f)))
            except (ET.ParseError, subprocess.CalledProcessError) as e:
                errs.append("%s: not readable: %s" % (f, e))
                continue
            mine = []
            check(root, "", mine)
            errs += ["%s: %s" % (f, e) for e in mine]
        n += 1
        ok = not errs and replies > 0
        failed |= not ok
        print("%s %d - %s: %d replies in the DTD's element order" % (
            "ok" if ok else "not ok", n, os.path.basename(d), replies))
        for e in errs[:8]:
            print("# " + e)
        if len(errs) > 8:
            print("# ... %d more" % (len(errs) - 8))
    print("1..%d" % n)
    return failed


if __name__ == "__main__":
    sys.exit(main())
