#!/usr/bin/python3
"""Compare the cards a client stored with the directory's export, strictly.

  cardcompare.py CLIENT-DIR EXPORT.vcf [--client NAME] [--ignore-fn NAME]...

CLIENT-DIR holds the client's cards (one or more per file: SyncEvolution's
file backend, or an `orgbook-agent export`); EXPORT.vcf is
`orgbook-admin export` of the same view. --client is "raw" (the default: no
transformation at all), "syncevolution" or "agent"; cards whose FN is given
with --ignore-fn are the user's own contacts. Exit 0 when equal; else print
every difference and exit 1.

As a library (tests/convergence/ imports it):
  compare(want_text, have_texts, client, ignore_fn=()) -> list of str
  read_all(text) -> list of normalised cards

What is compared: every property of every card, on both sides, after
decoding the transport (folding, quoted-printable, CHARSET, BASE64, 3.0
backslash escapes, property order, upper/lower case of names and of TYPE
values, 2.1 bare types = 3.0 TYPE=). Values are compared exactly: no
whitespace stripped, no case folded, every component of N, ORG and ADR,
every TEL and EMAIL with its set of types, PHOTO by its decoded bytes and
type. The cards are a multiset keyed by FN: a person missing, present twice
or present with any property different is a difference that names the
person and the property.

The only transformations are those in CLIENTS below, one row per thing a
client cannot store, each with the client's own log line or stored card as
evidence. A row applies exactly what it says and nothing more. Keep the
table in step with README ("What SyncEvolution stores").
"""
import base64
import binascii
import collections
import hashlib
import os
import quopri
import re
import sys

# ---- the table: what each client cannot store ------------------------------
#
# Each row: (property, rule, evidence). Rules:
#   drop        the client does not store the property: removed from the
#               directory's side before comparing.
#   client-only the client adds it of its own (not a directory property):
#               removed from the client's side.
#   empty       the client writes every property of its profile, empty
#               when unset: a property with only empty components is
#               removed from the client's side (never from the directory's,
#               which writes no empty property).
#   org:N       the client keeps exactly N ORG components, padding with
#               empty ones; the server (quirk org4, syncml-server/devinf.c)
#               joins the units from the Nth on with '/' into the Nth, so
#               the directory's ORG is folded that way and padded to N.
CLIENTS = {
    "raw": [],
    # orgbook-agent, read through its `export --format vcf21|vcf30` (its
    # store is SQLite): it keeps every property, UID and REV included
    # (tests/integration/test-agent.sh compares it with no table at all).
    "agent": [],
    "syncevolution": [
        ("UID", "drop",
         "SyncEvolution 2.0 log, every card: 'parseMimeDir: property not "
         "parsed (unknown or not storable): UID:demo-000001' (its vCard "
         "profile 01vcard-profile.xml has UID only under the rule "
         "HAVE-VCARD-UID)"),
        ("PRODID", "client-only",
         "stored card: 'PRODID:-//Synthesis AG//NONSGML SyncML Engine "
         "V3.4.0.47//EN' (3.0 only; our cards carry none)"),
        ("*", "empty",
         "stored card: 'URL:', 'NOTE:', 'ADR:;;;;;;', 'GEO:;' (2.1), "
         "'X-GENDER:', 'PHOTO;TYPE=unknown;VALUE=binary:' for a person with none of "
         "them (the profile's properties are written even when unset)"),
        ("ORG", "org:4",
         "client DevInf CTCap lists only 'ORG <MaxOccur>1'; its profile "
         "01vcard-profile.xml: '<property name=\"ORG\" values=\"4\">' "
         "(ORG_NAME, ORG_DIVISION, ORG_OFFICE, ORG_TEAM); before quirk "
         "org4 it stored 'ORG:Acme 集团;研发中心;平台部;基础架构组' for "
         "unit 研发中心/平台部/基础架构组/数据库小组 (the 5th component "
         "lost), and it stores 'ORG:Acme 集团;行政部;;' for unit 行政部"),
    ],
}

# Properties whose value is a list of components (split at ';') or of
# items (split at ',').
STRUCTURED = {"N", "ADR", "ORG", "GEO"}
LISTS = {"CATEGORIES"}
# Parameters that only say how the value is written.
TRANSPORT_PARAMS = {"ENCODING", "CHARSET", "VALUE", "LANGUAGE"}


class Prop(collections.namedtuple("Prop", "name types value")):
    """One property: upper-case name, frozenset of upper-case TYPE values
    (other meaning-bearing parameters as NAME=VALUE), and a tuple of
    component strings (PHOTO: length and SHA-1 of its bytes)."""

    def show(self):
        t = ";".join(sorted(self.types))
        return "%s%s:%s" % (self.name, (";" + t) if t else "",
                            ";".join(self.value))


def unfold(text):
    """Logical lines: CRLF + space/tab continues the line (vCard 3.0,
    RFC 2425 5.8.1; 2.1 writers use the same), and a quoted-printable
    value ending in '=' continues on the next line (vCard 2.1 2.1.3)."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out = []
    for line in raw:
        if out and line[:1] in (" ", "\t"):
            out[-1] += line[1:]
            continue
        if out and out[-1].endswith("=") and qp_head(out[-1]):
            out[-1] = out[-1][:-1] + line
            continue
        out.append(line)
    return out


def qp_head(line):
    head = split_head(line)[0]
    return "QUOTED-PRINTABLE" in head.upper()


def split_head(line):
    """NAME;PARAMS : VALUE, the colon being the first one outside quotes."""
    i = line.find(":")
    if i >= 0 and '"' not in line[:i]:
        return line[:i], line[i + 1:]  # no quote before it: outside
    q = False
    for i, ch in enumerate(line):
        if ch == '"':
            q = not q
        elif ch == ":" and not q:
            return line[:i], line[i + 1:]
    return line, None


def parse_params(parts):
    if not parts:
        return {}
    params = collections.defaultdict(list)
    for p in parts:
        if "=" in p:
            k, v = p.split("=", 1)
            for x in v.split(","):
                params[k.strip().upper()].append(x.strip().strip('"'))
        elif p.strip():
            params["TYPE"].append(p.strip())  # 2.1 bare type
    return params


def split_unescaped(s, sep):
    if "\\" not in s:
        return s.split(sep)
    out, cur, i = [], [], 0
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s):
            cur.append(s[i:i + 2])
            i += 2
            continue
        if ch == sep:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    out.append("".join(cur))
    return out


def unescape(s):
    if "\\" not in s:
        return s
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN"
                  else m.group(1), s)


def decode_value(name, params, value):
    if not params and name != "PHOTO":
        enc, charset = (), "UTF-8"
    else:
        enc = [e.upper() for e in params.get("ENCODING", [])]
        charset = (params.get("CHARSET") or ["UTF-8"])[0]
    if name == "PHOTO":
        if "B" in enc or "BASE64" in enc:
            try:
                data = base64.b64decode("".join(value.split()),
                                        validate=True)
            except (binascii.Error, ValueError) as e:
                return ("bad base64: %s" % e,)
            if not data:
                return ("",)
            return ("%d bytes sha1 %s" % (len(data),
                                          hashlib.sha1(data).hexdigest()),)
        return (value,)
    if "QUOTED-PRINTABLE" in enc:
        value = quopri.decodestring(value.encode("ascii", "replace")) \
            .decode(charset, "replace")
    elif charset.upper() not in ("UTF-8", "UTF8"):
        # 8-bit text in another charset (Sony Ericsson's Latin-1)
        value = value.encode("utf-8", "surrogateescape") \
            .decode(charset, "replace")
    if name in STRUCTURED:
        return tuple(unescape(x) for x in split_unescaped(value, ";"))
    if name in LISTS:
        return tuple(unescape(x) for x in split_unescaped(value, ","))
    return (unescape(value),)


def parse_cards(text):
    """Cards as lists of (name, params, decoded value tuple)."""
    cards, cur = [], None
    for line in unfold(text):
        if not line.strip():
            continue
        head, value = split_head(line)
        if value is None:
            raise ValueError("not a vCard line: %r" % line[:60])
        parts = head.split(";")
        name = parts[0].split(".")[-1].upper()  # group.NAME
        if name == "BEGIN" and value.strip().upper() == "VCARD":
            cur = []
            continue
        if name == "END" and value.strip().upper() == "VCARD":
            cards.append(cur)
            cur = None
            continue
        if cur is None:
            raise ValueError("property outside a card: %r" % line[:60])
        params = parse_params(parts[1:])
        cur.append((name, params, decode_value(name, params, value)))
    if cur is not None:
        raise ValueError("card without END:VCARD")
    return cards


NO_TYPES = frozenset()


def prop_key(p):
    # frozensets order by inclusion, not totally: sort by their members
    return (p.name, sorted(p.types), p.value)


def normalise(card):
    props = []
    for name, params, value in card:
        if name == "VERSION":
            continue
        if not params:
            types = NO_TYPES
        else:
            types = set(t.upper() for t in params.get("TYPE", ()))
            for k, vs in params.items():
                if k not in TRANSPORT_PARAMS and k != "TYPE":
                    types.update("%s=%s" % (k, v) for v in vs)
            types = frozenset(types)
        if name == "REV":
            value = (re.sub(r"[-:]", "", value[0]),)
        props.append(Prop(name, types, value))
    return tuple(sorted(props, key=prop_key))


def read_all(text):
    """Every card of text, normalised: a sorted tuple of Prop."""
    return [normalise(c) for c in parse_cards(text)]


def fn_of(card):
    for p in card:
        if p.name == "FN":
            return p.value[0]
    return "(no FN)"


def org_fold(n):
    def fold(p):
        v = p.value
        if len(v) > n:
            v = v[:n - 1] + ("/".join(v[n - 1:]),)
        return p._replace(value=(v + ("",) * n)[:n])
    return fold


def transform(cards, rows, side):
    """Apply the table's rows for one side ("want" or "have")."""
    out = []
    for card in cards:
        props = []
        for p in card:
            keep = True
            for prop, rule, _ in rows:
                if prop not in ("*", p.name):
                    continue
                if rule == "drop" and side == "want":
                    keep = False
                elif rule == "client-only" and side == "have":
                    keep = False
                elif rule == "empty" and side == "have" and \
                        all(v == "" for v in p.value):
                    keep = False
                elif rule.startswith("org:") and side == "want":
                    p = org_fold(int(rule[4:]))(p)
            if keep:
                props.append(p)
        out.append(tuple(sorted(props, key=prop_key)))
    return out


def diff_card(who, want, have):
    out = []
    names = sorted(set(p.name for p in want) | set(p.name for p in have))
    for name in names:
        w = collections.Counter(p for p in want if p.name == name)
        h = collections.Counter(p for p in have if p.name == name)
        for p in sorted((w - h).elements()):
            out.append("%s: %s missing on the client (want %s)"
                       % (who, name, p.show()))
        for p in sorted((h - w).elements()):
            out.append("%s: %s extra on the client (have %s)"
                       % (who, name, p.show()))
    return out


def compare(want_text, have_texts, client, ignore_fn=(), counts=None):
    """Differences between the directory's export (want_text) and the
    client's cards (have_texts, a list of file texts) for client "raw",
    "agent" or "syncevolution"; [] when equal. Each person must be on the
    client exactly once; cards whose FN is in ignore_fn are the user's.
    counts, a dict, gets "want" and "have": the cards read on each side."""
    if client not in CLIENTS:
        raise ValueError("unknown client %r (one of %s)"
                         % (client, ", ".join(sorted(CLIENTS))))
    rows = CLIENTS[client]
    want = transform(read_all(want_text), rows, "want")
    have = []
    for t in have_texts:
        have.extend(read_all(t))
    if counts is not None:
        counts["want"], counts["have"] = len(want), len(have)
    have = [c for c in transform(have, rows, "have")
            if fn_of(c) not in set(ignore_fn)]
    wby, hby = collections.defaultdict(list), collections.defaultdict(list)
    for c in want:
        wby[fn_of(c)].append(c)
    for c in have:
        hby[fn_of(c)].append(c)
    out = []
    for who in sorted(set(wby) | set(hby)):
        w = collections.Counter(wby[who])
        h = collections.Counter(hby[who])
        if w == h:
            continue
        miss = list((w - h).elements())
        extra = list((h - w).elements())
        if len(wby[who]) == 1 and len(hby[who]) == 1:
            out.extend(diff_card(who, miss[0], extra[0]))
            continue
        if not hby[who]:
            out.append("%s: missing on the client (%d in the directory)"
                       % (who, len(wby[who])))
            continue
        if not wby[who]:
            out.append("%s: extra on the client, not in the directory "
                       "(%d times)" % (who, len(hby[who])))
            continue
        if len(hby[who]) > len(wby[who]):
            out.append("%s: on the client %d times, in the directory %d"
                       % (who, len(hby[who]), len(wby[who])))
        elif len(hby[who]) < len(wby[who]):
            out.append("%s: in the directory %d times, on the client %d"
                       % (who, len(wby[who]), len(hby[who])))
        # pair what is left by most properties in common
        for m in miss:
            if not extra:
                if len(hby[who]) >= len(wby[who]):
                    out.append("%s: a card missing on the client: %s"
                               % (who, "; ".join(p.show()[:60] for p in m)))
                continue
            best = max(extra, key=lambda e: len(set(e) & set(m)))
            extra.remove(best)
            out.extend(diff_card(who, m, best))
        for e in extra:
            if len(hby[who]) <= len(wby[who]):
                out.append("%s: an extra card on the client: %s"
                           % (who, "; ".join(p.show()[:60] for p in e)))
    return out


def main(argv):
    args = argv[1:]
    ignore, client, pos = [], "raw", []
    while args:
        if args[0] == "--ignore-fn" and len(args) > 1:
            ignore.append(args[1])
            args = args[2:]
        elif args[0] == "--client" and len(args) > 1:
            client = args[1]
            args = args[2:]
        else:
            pos.append(args[0])
            args = args[1:]
    if len(pos) != 2:
        sys.stderr.write("usage: cardcompare.py CLIENT-DIR EXPORT.vcf "
                         "[--client raw|agent|syncevolution] "
                         "[--ignore-fn NAME]...\n")
        return 2
    d, exp = pos
    texts = []
    for f in sorted(os.listdir(d)):
        with open(os.path.join(d, f), encoding="utf-8",
                  errors="surrogateescape") as fh:
            texts.append(fh.read())
    with open(exp, encoding="utf-8") as fh:
        want_text = fh.read()
    counts = {}
    bad = compare(want_text, texts, client, ignore, counts)
    for line in bad:
        print(line)
    print("%d cards in the directory, %d on the client, %d differences"
          % (counts["want"], counts["have"], len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
