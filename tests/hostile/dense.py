#!/usr/bin/python3
"""Dense WBXML against the server's decoder cap.

  dense.py URL
A client's WBXML may reference one string-table entry from many items, so
a message decodes to many times its bytes: a string-table message of a
few hundred KiB that decodes to ~25-80x must be read (the server answers
it), and one that would decode to gigabytes is refused with 400 before
it is built (and the server stays up and small). Written by hand: token
values from lib/syncml/wbxml-tags.c (SyncML code page 0), WBXML 1.2,
public id 0x1201 (SyncML 1.2), UTF-8. Prints one JSON line.
"""
import json
import sys
import urllib.error
import urllib.request

T = {"Alert": 0x06, "CmdID": 0x0B, "Data": 0x0F, "Final": 0x12,
     "Item": 0x14, "LocURI": 0x17, "LocName": 0x16, "MsgID": 0x1B,
     "Replace": 0x20, "SessionID": 0x25, "Source": 0x27, "Sync": 0x2A,
     "SyncBody": 0x2B, "SyncHdr": 0x2C, "SyncML": 0x2D, "Target": 0x2E,
     "VerDTD": 0x31, "VerProto": 0x32}
END, STR_I, STR_T = 0x01, 0x03, 0x83


def mb(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def el(tag, *content):
    if not content:
        return bytes([T[tag]])
    return bytes([T[tag] | 0x40]) + b"".join(content) + bytes([END])


def s(text):
    return bytes([STR_I]) + text.encode() + b"\0"


def ref(offset):
    return bytes([STR_T]) + mb(offset)


def message(items, card):
    table = card.encode() + b"\0"
    hdr = el("SyncHdr", el("VerDTD", s("1.2")), el("VerProto", s("SyncML/1.2")),
             el("SessionID", s("77")), el("MsgID", s("1")),
             el("Target", el("LocURI", s("http://127.0.0.1/sync"))),
             el("Source", el("LocURI", s("dense-client"))))
    reps = b"".join(
        el("Replace", el("CmdID", s(str(3 + i))),
           el("Item", el("Source", el("LocURI", s(str(i)))),
              el("Data", ref(0))))
        for i in range(items))
    body = el("SyncBody",
              el("Sync", el("CmdID", s("2")),
                 el("Target", el("LocURI", s("contacts"))),
                 el("Source", el("LocURI", s("./contacts"))), reps),
              el("Final"))
    return (b"\x02" + mb(0x1201) + b"\x6a" + mb(len(table)) + table +
            el("SyncML", hdr, body))


def post(url, data):
    rq = urllib.request.Request(url, data=data, headers={
        "Content-Type": "application/vnd.syncml+wbxml"})
    try:
        with urllib.request.urlopen(rq, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def main():
    url = sys.argv[1]
    card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dense\r\nNOTE:" + "x" * 1900 +
            "\r\nEND:VCARD\r\n")
    out = {}
    # ~80x: 3,000 items of one 1.9 KB card, ~25 bytes each
    m = message(3000, card)
    code, body = post(url, m)
    out["dense_bytes"] = len(m)
    out["dense_decoded"] = 3000 * len(card)
    out["dense_status"] = code
    out["dense_body"] = body[:120].decode("latin-1")
    # a bomb: 40,000 items of one 60 KB string, 2.4 GB decoded
    m = message(40000, "y" * 60000)
    code, body = post(url, m)
    out["bomb_bytes"] = len(m)
    out["bomb_status"] = code
    out["bomb_body"] = body[:200].decode("latin-1")
    print(json.dumps(out))


main()
