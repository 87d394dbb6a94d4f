#!/usr/bin/python3
"""Compare a smlclient.py state file with the directory's own .vcf export.

  viewcheck.py STATE EXPORT.vcf
Exit 0 when the client holds exactly the people of the export (by UID, no
duplicates) with the same card text (PHOTO and REV aside: photo size caps
differ between sync and export); otherwise print the differences and exit 1.
Cards in the client state that carry no UID are the user's own contacts
and are ignored.
"""
import json
import re
import sys


def cards(text):
    text = text.replace("\r\n", "\n")
    # unfold 3.0 continuation lines
    text = re.sub(r"\n[ \t]", "", text)
    out = []
    cur = []
    for line in text.split("\n"):
        if line.startswith("BEGIN:VCARD"):
            cur = []
        elif line.startswith("END:VCARD"):
            out.append(cur)
        else:
            cur.append(line)
    return out


def key_lines(card):
    uid = None
    keep = []
    skip_b64 = False
    for line in card:
        if skip_b64:
            # 2.1 base64 continuation lines are indented or bare base64
            if line == "" or re.match(r"^[ \t]*[A-Za-z0-9+/=]+$", line):
                continue
            skip_b64 = False
        if line.startswith("PHOTO"):
            skip_b64 = True
            continue
        if line.startswith("REV:") or line == "":
            continue
        if line.startswith("UID:"):
            uid = line[4:]
        keep.append(line)
    return uid, sorted(keep)


def main():
    with open(sys.argv[1]) as f:
        st = json.load(f)
    with open(sys.argv[2], encoding="utf-8") as f:
        want = {}
        for c in cards(f.read()):
            uid, lines = key_lines(c)
            want[uid] = lines
    have = {}
    dup = []
    for luid, text in st["items"].items():
        for c in cards(text):
            uid, lines = key_lines(c)
            if uid is None:
                continue
            if uid in have:
                dup.append(uid)
            have[uid] = lines
    bad = 0
    for uid in sorted(set(want) - set(have)):
        print("missing on the client: %s" % uid)
        bad += 1
    for uid in sorted(set(have) - set(want)):
        print("on the client but not in the directory: %s" % uid)
        bad += 1
    for uid in dup:
        print("duplicate on the client: %s" % uid)
        bad += 1
    for uid in sorted(set(want) & set(have)):
        if want[uid] != have[uid]:
            print("differs: %s\n  client: %s\n  server: %s"
                  % (uid, have[uid], want[uid]))
            bad += 1
    print("%d people, %d differences" % (len(want), bad))
    sys.exit(1 if bad else 0)


main()
