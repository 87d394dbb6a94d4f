#!/usr/bin/python3
"""Replay one recorded CardDAV client session against a running server.

    replay-carddav.py --base http://127.0.0.1:PORT --dir SESSION-DIR
        --user LOGIN:PASSWORD [--set NAME=VALUE ...] [--cards DIR]
        [--state FILE] [--steps FIRST-LAST]

SESSION-DIR holds NN-request.http and NN-expect.http
(testdata/carddav/sessions/README.md says what they mean, the
placeholders included). Each request is sent as it is, with %HOST%,
%BASIC% and the placeholders captured from earlier answers (or set with
--set) substituted and Content-Length computed; each answer must equal
its NN-expect.http exactly: the status code, every header listed there
(other headers are not checked) and the body byte for byte, with only
the placeholders standing for volatile values. --state keeps the
captured values between runs (the TAP script changes the directory
between steps). --cards DIR names vcf30.vcf and vcf40.vcf, the
directory's own export (orgbook-admin export), which %CARD30:uid% and
%CARD40:uid% stand for. Prints TAP lines "ok N - ..." / "not ok N - ..."
(no plan: the caller counts) and a diff hint on a mismatch; exits 1 when
any step failed. Standard library only.
"""
import argparse
import base64
import http.client
import json
import os
import re
import sys
import urllib.parse

# What a volatile value may look like, by placeholder kind.
KINDS = {
    "TOKEN": r"urn:x-orgbook:sync:[0-9]+:[a-z0-9]+:[0-9a-f]{8}:[0-9]+(?::[0-9]+:[0-9]+)?",
    "ETAG": r'"[0-9]+-[0-9a-f]{8}"',
    "QETAG": r"&quot;[0-9]+-[0-9a-f]{8}&quot;",
}
PH = re.compile(r"%([A-Z0-9_]+)(?::([^%\s]+))?%")


def xml_text(s):
    """Card text as the answer must carry it inside address-data: XML
    escaped, and CR as &#13; so that XML's end-of-line handling keeps the
    vCard's CRLF (XML 1.0 2.11)."""
    out = []
    for c in s:
        out.append({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                    "'": "&apos;", "\r": "&#13;"}.get(c, c))
    return "".join(out)


def load_cards(d):
    cards = {}
    if not d:
        return cards
    for ver, name in (("30", "vcf30.vcf"), ("40", "vcf40.vcf")):
        p = os.path.join(d, name)
        if not os.path.exists(p):
            continue
        with open(p, "rb") as f:
            data = f.read().decode("utf-8")
        for m in re.finditer(r"BEGIN:VCARD\r\n.*?END:VCARD\r\n", data, re.S):
            u = re.search(r"\r\nUID:([^\r]*)\r\n", m.group(0))
            if u:
                cards[(ver, u.group(1))] = m.group(0)
    return cards


class Session:
    def __init__(self, args):
        self.args = args
        self.base = urllib.parse.urlsplit(args.base)
        self.vals = {}  # "KIND:key" -> captured value
        if args.state and os.path.exists(args.state):
            with open(args.state, encoding="utf-8") as f:
                self.vals = json.load(f)
        for s in args.set or []:
            k, v = s.split("=", 1)
            self.vals[k] = v
        self.vals["HOST"] = self.base.netloc
        self.vals["BASIC"] = base64.b64encode(
            args.user.encode("utf-8")).decode("ascii")
        self.cards = load_cards(args.cards)

    def fixed(self, kind, key):
        """The literal a placeholder stands for when it is not captured
        here: a card from the export, a --set or an earlier capture."""
        if kind in ("CARD30", "CARD40"):
            c = self.cards.get((kind[4:], key))
            if c is None:
                raise KeyError("no card %s in the export (%s)" % (key, kind))
            return xml_text(c)
        name = kind if key is None else kind + ":" + key
        if kind.startswith("QETAG"):
            v = self.vals.get(kind[1:] + ":" + key)
            return None if v is None else v.replace('"', "&quot;")
        return self.vals.get(name)

    def subst_request(self, text):
        def rep(m):
            v = self.fixed(m.group(1), m.group(2))
            if v is None:
                raise KeyError("request placeholder %s has no value yet"
                               % m.group(0))
            return v
        return PH.sub(rep, text)

    def pattern(self, text):
        """A regex for an expected text: literals exact, captured names as
        groups (the same name twice must be the same value), known values
        as literals."""
        out, groups, pos = [], {}, 0
        for m in PH.finditer(text):
            out.append(re.escape(text[pos:m.start()]))
            pos = m.end()
            kind, key = m.group(1), m.group(2)
            name = kind if key is None else kind + ":" + key
            v = self.fixed(kind, key)
            if v is not None:
                out.append(re.escape(v))
                continue
            base_kind = re.sub(r"[0-9]+$", "", kind)
            if base_kind not in KINDS:
                raise KeyError("unknown placeholder %s" % m.group(0))
            if name in groups:
                out.append("(?P=%s)" % groups[name])
            else:
                g = "g%d" % len(groups)
                groups[name] = g
                out.append("(?P<%s>%s)" % (g, KINDS[base_kind]))
        out.append(re.escape(text[pos:]))
        return re.compile("".join(out), re.S), groups

    def capture(self, m, groups):
        for name, g in groups.items():
            kind = name.split(":", 1)[0]
            v = m.group(g)
            if kind.startswith("QETAG"):
                kind = kind[1:]
                name = kind + ":" + name.split(":", 1)[1]
                v = v.replace("&quot;", '"')
            if kind.startswith("ETAG") and kind != "ETAG":
                # ETAG2 after a change: not the etag it had before
                old = self.vals.get("ETAG:" + name.split(":", 1)[1])
                if old == v:
                    raise ValueError("%s is unchanged (%s)" % (name, v))
            if kind.startswith("TOKEN"):
                # a new token name is a new state: never an old token
                for k, old in self.vals.items():
                    if k.startswith("TOKEN") and old == v:
                        raise ValueError("%s is %s again (was %s)"
                                         % (name, v, k))
            self.vals[name] = v

    def save(self):
        if self.args.state:
            with open(self.args.state, "w", encoding="utf-8") as f:
                json.dump(self.vals, f, indent=1, sort_keys=True)


def split_http(raw):
    head, sep, body = raw.partition(b"\n\n")
    if not sep:
        raise ValueError("no blank line after the headers")
    lines = head.decode("utf-8").split("\n")
    headers = []
    for ln in lines[1:]:
        name, _, value = ln.partition(":")
        headers.append((name.strip(), value.strip()))
    return lines[0], headers, body


def run_step(s, d, nn):
    with open(os.path.join(d, nn + "-request.http"), "rb") as f:
        start, headers, body = split_http(f.read())
    with open(os.path.join(d, nn + "-expect.http"), "rb") as f:
        estart, eheaders, ebody = split_http(f.read())
    method, path, _ = start.split(" ", 2)
    path = s.subst_request(path)
    # the body as recorded; one final newline of the file is not sent
    if body.endswith(b"\n"):
        body = body[:-1]
    body = s.subst_request(body.decode("utf-8")).encode("utf-8")
    conn = http.client.HTTPConnection(s.base.hostname, s.base.port,
                                      timeout=60)
    conn.putrequest(method, path, skip_host=True,
                    skip_accept_encoding=True)
    for name, value in headers:
        conn.putheader(name, s.subst_request(value))
    if body or method in ("PUT", "PROPFIND", "REPORT"):
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    r = conn.getresponse()
    got_body = r.read()
    got_headers = {k.lower(): v for k, v in r.getheaders()}
    conn.close()

    problems = []
    want_code = int(estart.split(" ")[1])
    if r.status != want_code:
        problems.append("status %d, want %d" % (r.status, want_code))
    for name, value in eheaders:
        pat, groups = s.pattern(value)
        got = got_headers.get(name.lower())
        m = pat.fullmatch(got) if got is not None else None
        if m is None:
            problems.append("header %s: %r, want %r" % (name, got, value))
        else:
            s.capture(m, groups)
    pat, groups = s.pattern(ebody.decode("utf-8"))
    text = got_body.decode("utf-8", "replace")
    m = pat.fullmatch(text)
    if m is None:
        problems.append("body differs")
        problems.append(first_difference(s, ebody.decode("utf-8"), text))
    else:
        s.capture(m, groups)
    return "%s %s" % (method, path), problems, text


def first_difference(s, want, got):
    """Where the answer leaves the expectation: the expected text in
    pieces of at most 80 characters (placeholders whole), matched as a
    growing prefix until one piece no longer matches."""
    pieces, pos = [], 0
    for m in PH.finditer(want):
        lit = want[pos:m.start()]
        pieces += [lit[i:i + 80] for i in range(0, len(lit), 80)]
        pieces.append(m.group(0))
        pos = m.end()
    lit = want[pos:]
    pieces += [lit[i:i + 80] for i in range(0, len(lit), 80)]
    acc, end = "", 0
    for p in pieces:
        try:
            pat, _ = s.pattern(acc + p)
        except KeyError as e:
            return str(e)
        m = pat.match(got)
        if m is None:
            return "after %r: want %r, got %r" % (
                got[max(0, end - 60):end], p, got[end:end + 100])
        acc, end = acc + p, m.end()
    return "the answer goes on: %r" % got[end:end + 120]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--set", action="append")
    ap.add_argument("--cards")
    ap.add_argument("--state")
    ap.add_argument("--steps")
    ap.add_argument("--label", default="")
    ap.add_argument("--keep", help="write each answer to DIR/NN-got.http")
    args = ap.parse_args()
    s = Session(args)
    steps = sorted(f[:2] for f in os.listdir(args.dir)
                   if re.fullmatch(r"[0-9]{2}-request\.http", f))
    if args.steps:
        a, _, b = args.steps.partition("-")
        steps = [n for n in steps if a <= n <= (b or a)]
    failed = 0
    for nn in steps:
        label = "%s%s" % (args.label, nn)
        try:
            what, problems, text = run_step(s, args.dir, nn)
        except (OSError, ValueError, KeyError, http.client.HTTPException) as e:
            what, problems, text = "", [str(e)], ""
        if args.keep:
            with open(os.path.join(args.keep, "%s-got.http" % label.replace("/", "-")),
                      "w", encoding="utf-8") as f:
                f.write(text)
        if problems:
            failed += 1
            print("not ok - %s %s" % (label, what))
            for p in problems:
                print("# " + p.replace("\n", "\\n")[:600])
        else:
            print("ok - %s %s" % (label, what))
        sys.stdout.flush()
    s.save()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
