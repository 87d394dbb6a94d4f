#!/usr/bin/env python3
"""jsoncheck.py KIND JSON TEXT: parse the --json output (json.loads, so
it must be valid JSON) and rebuild from it the text output of the same
command, which must match TEXT line for line. The columns are rebuilt
with Unicode's East Asian Width (a W or F character takes two columns),
so this also checks that the tables align CJK names by display width.
Exit 0 when they match; else the first differences on stdout, exit 1."""
import json
import sys
import unicodedata


def width(s):
    w = 0
    for c in s:
        if unicodedata.combining(c) or ord(c) < 0x20:
            continue
        w += 2 if unicodedata.east_asian_width(c) in "WF" else 1
    return w


def cell(s, n):
    s = s or ""
    return s + " " * max(0, n - width(s))


def person_list(j):
    return [cell(p["uid"], 28) + " " + cell(p["name"], 24) + " " +
            (p["unit"] or "-") + ("  (hidden)" if p["hidden"] else "")
            for p in j]


def person_show(p):
    out = ["uid:          " + p["uid"], "name:         " + p["name"]]
    if p["family"] is not None or p["given"] is not None:
        out.append("family/given: %s / %s" % (p["family"] or "",
                                              p["given"] or ""))
    if p["phonetic_family"] is not None or p["phonetic_given"] is not None:
        out.append("phonetic:     %s %s" % (p["phonetic_family"] or "",
                                            p["phonetic_given"] or ""))
    out.append("unit:         " + (p["unit"] or "(top level)"))
    if p["title"] is not None:
        out.append("title:        " + p["title"])
    out += ["phone:        %s %s" % (x["type"], x["number"])
            for x in p["phones"]]
    out += ["email:        " + e for e in p["emails"]]
    a = p["address"]
    if a["street"] is not None or a["city"] is not None or \
            a["country"] is not None:
        out.append("address:      %s, %s %s %s, %s" % tuple(
            a[k] or "" for k in ("street", "postcode", "city", "region",
                                 "country")))
    if p["note"] is not None:
        out.append("note:         " + p["note"])
    if p["photo_bytes"]:
        out.append("photo:        %d bytes" % p["photo_bytes"])
    out.append("hidden:       " + ("yes" if p["hidden"] else "no"))
    out.append("revision:     %d" % p["revision"])
    return out


def unit_list(j):
    return ["  " * u["path"].count("/") + "%s (%d)" % (u["name"], u["people"])
            for u in j]


def account_list(j):
    out = []
    for a in j:
        out.append(cell(a["login"], 24) + " %-5s %-8s %-20s %s%s%s" % (
            a["role"], "disabled" if a["disabled"] else "active",
            a["last_login"] or "never", a["person_uid"] or "-",
            " " if a["person_uid"] else "", a["person_name"] or ""))
    return out


def account_log(j):
    return [e["when"].replace("T", " ").rstrip("Z") + "  " +
            cell(e["actor"], 20) + " %-9s " % e["op"] + cell(e["login"], 24) +
            " " + e["detail"] for e in j]


def enterprise_list(j):
    out = []
    for t in j:
        out.append("%-20s revision %-8d md5-auth %-3s retention %dd  %s" % (
            t["name"], t["revision"], "yes" if t["md5_auth"] else "no",
            t["retention_days"], t["display"]))
        if t["ldap_base"] or t["ldap_anonymous"]:
            out.append("%-20s ldap-base %s  ldap-anonymous %s" % (
                "", t["ldap_base"] or "dc=" + t["name"],
                "yes" if t["ldap_anonymous"] else "no"))
    return out


def changes(j):
    return ["%-7s %s (revision %d)" % (c["kind"], c["uid"], c["revision"])
            for c in j["changes"]] + ["up to revision %d" % j["upto_revision"]]


def changes_log(j):
    # the first line of each entry (details below it are not rebuilt)
    return [("%d %s %-8s %-6s %-7s %s%s%s" % (
        e["revision"], e["when"], e["actor"], e["what"], e["op"], e["uid"],
        " " if e["name"] and e["uid"] else "", e["name"])).rstrip()
        for e in j]


def agent_people(j):
    return ["%-6d " % p["id"] + cell(p["name"], 20) + " " +
            cell(p["title"], 24) + " " + cell(p["unit"], 30) + " " +
            p["phones"] for p in j]


def agent_units(j):
    return ["%s/  (%d)" % (x["unit"], x["people"]) if "people" in x
            and "uid" not in x else agent_people([x])[0] for x in j]


def agent_status(s):
    return ["server:     " + s["server"], "user:       " + s["user"],
            "datastore:  " + s["datastore"], "device:     " + s["device"],
            "last sync:  " + (s["last_sync"] or "never"),
            "revision:   " + s["revision"], "people:     %d" % s["people"]]


def agent_show(s):
    return s["vcard"].replace("\r\n", "\n").rstrip("\n").split("\n")


def next_sync(d):
    if d["force_slow"]:
        return "slow (requested)"
    return "slow (past retention)" if d["past_retention"] else "normal"


def device_list(j):
    out = ["%-32s %-24s %-16s %-20s %7s %s" % (
        "DEVICE", "ACCOUNT", "DATASTORE", "LAST SYNC", "ITEMS", "STATE")]
    for d in j:
        out.append(cell(d["device"], 32) + " " + cell(d["account"], 24) +
                   " " + cell(d["datastore"], 16) + " " +
                   "%-20s %7d %s%s" % (d["last_sync"] or "never", d["items"],
                                       next_sync(d),
                                       ", syncing" if d["live_session"]
                                       else ""))
    return out


def device_show(j):
    out = []
    for d in j["datastores"]:
        if d["device"] != j["device"]:
            return ["device %r under %r" % (d["device"], j["device"])]
        if out:
            out.append("")
        for k, v in (("device", d["device"]), ("account", d["account"]),
                     ("datastore", d["datastore"]),
                     ("last sync", d["last_sync"] or "never"),
                     ("client anchor", d["client_anchor"]),
                     ("server anchor", d["server_anchor"]),
                     ("revision", d["revision"]), ("items", d["items"]),
                     ("next sync", next_sync(d)),
                     ("live session", "yes" if d["live_session"] else "no"),
                     ("client", d["client_info"])):
            out.append("%-16s %s" % (k + ":", v))
    return out


kinds = {k: v for k, v in globals().items() if callable(v) and k not in
         ("width", "cell", "main")}


def main():
    kind, jpath, tpath = sys.argv[1:4]
    with open(jpath, encoding="utf-8") as f:
        j = json.loads(f.read())
    with open(tpath, encoding="utf-8") as f:
        text = f.read().replace("\r\n", "\n").rstrip("\n").split("\n")
    want = kinds[kind](j)
    if kind == "changes_log":
        text = [t.rstrip() for t in text if t and not t.startswith("    ")]
    if kind == "changes_log":
        ok = len(want) == len(text) and all(
            t.startswith(w) for w, t in zip(want, text))
    else:
        ok = want == text
    if ok:
        return 0
    for i, (w, t) in enumerate(zip(want + [""] * len(text),
                                   text + [""] * len(want))):
        if w != t:
            print("line %d: json says %r" % (i + 1, w))
            print("line %d: text says %r" % (i + 1, t))
            break
    print("(%d lines from json, %d of text)" % (len(want), len(text)))
    return 1


sys.exit(main())
