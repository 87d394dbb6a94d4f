#!/usr/bin/env python3
"""Seeds for tests/fuzz/fuzz-ldap-session (run from the source tree:
tests/fuzz/gen-ldap-session.py; writes tests/fuzz/fuzz-ldap-session.in/).

Each seed is a stream of request PDUs for one connection. The real
clients' PDUs of testdata/ldap/pdus/ are rebased from dc=example to the
fuzz store's enterprises and sent after a valid bind as alice@acme (or
anonymously, on beta's base); then hand-made sequences: every filter
kind, paging with the cookies the session would hand out (computed here
the way ldap/session.c makes them), sort, VLV by offset and by value,
compare, extended operations, writes, abandon, bad binds."""

import os
import re
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
PDUS = os.path.join(TOP, "testdata", "ldap", "pdus")
OUT = os.path.join(HERE, "fuzz-ldap-session.in")

ACME_TENANT = 1  # tenant ids in the fuzz store, in creation order
OID_PAGED = b"1.2.840.113556.1.4.319"
OID_SORT = b"1.2.840.113556.1.4.473"
OID_VLV = b"2.16.840.1.113730.3.4.9"


# ---- BER -----------------------------------------------------------------

def length(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
    return bytes([tag]) + length(len(content)) + content


def integer(v, tag=0x02):
    n = 1
    while not -(1 << (8 * n - 1)) <= v < (1 << (8 * n - 1)):
        n += 1
    return tlv(tag, v.to_bytes(n, "big", signed=True))


def octets(s, tag=0x04):
    return tlv(tag, s.encode() if isinstance(s, str) else s)


def boolean(v):
    return tlv(0x01, b"\xff" if v else b"\x00")


def seq(*items, tag=0x30):
    return tlv(tag, b"".join(items))


def parse(b):
    """A list of (tag, bytes or list) elements."""
    out, i = [], 0
    while i < len(b):
        tag = b[i]
        n = b[i + 1]
        i += 2
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(b[i:i + k], "big")
            i += k
        c = b[i:i + n]
        i += n
        out.append((tag, parse(c) if tag & 0x20 else c))
    return out


def build(elems):
    return b"".join(tlv(t, build(c) if isinstance(c, list) else c)
                    for t, c in elems)


def rebase(elems, base):
    res = []
    for t, c in elems:
        if isinstance(c, list):
            res.append((t, rebase(c, base)))
        else:
            res.append((t, re.sub(rb"dc=example(,dc=[a-z]+)*",
                                  base.encode(), c, flags=re.I)))
    return res


# ---- requests ------------------------------------------------------------

def msg(mid, op, controls=None):
    body = integer(mid) + op
    if controls:
        body += seq(*controls, tag=0xA0)
    return seq(body)


def bind(mid, name, pw, version=3):
    return msg(mid, seq(integer(version), octets(name),
                        octets(pw, tag=0x80), tag=0x60))


def control(oid, value=None, critical=False):
    items = [octets(oid)]
    if critical:
        items.append(boolean(True))
    if value is not None:
        items.append(octets(value))
    return seq(*items)


def paged(size, cookie=b"", critical=False):
    return control(OID_PAGED, seq(integer(size), octets(cookie)), critical)


def sort(*keys):
    ks = []
    for k in keys:
        rev = k.startswith("-")
        item = octets(k.lstrip("-"))
        if rev:
            item += tlv(0x81, b"\xff")
        ks.append(seq(item))
    return control(OID_SORT, seq(*ks))


def vlv_offset(before, after, offset, count, context=None):
    v = integer(before) + integer(after) + \
        seq(integer(offset), integer(count), tag=0xA0)
    if context is not None:
        v += octets(context)
    return control(OID_VLV, seq(v))


def vlv_value(before, after, value):
    return control(OID_VLV, seq(integer(before) + integer(after) +
                                octets(value, tag=0x81)))


# filters (RFC 4511 4.5.1) as (bytes, hash-able description)
def f_and(*fs):
    return seq(*fs, tag=0xA0)


def f_or(*fs):
    return seq(*fs, tag=0xA1)


def f_not(f):
    return seq(f, tag=0xA2)


def f_ava(kind, attr, value):
    return seq(octets(attr), octets(value), tag=0xA0 | kind)


def f_sub(attr, initial=None, any_=(), final=None):
    parts = []
    if initial is not None:
        parts.append(octets(initial, tag=0x80))
    for a in any_:
        parts.append(octets(a, tag=0x81))
    if final is not None:
        parts.append(octets(final, tag=0x82))
    return seq(octets(attr), seq(*parts), tag=0xA4)


def f_present(attr):
    return octets(attr, tag=0x87)


def f_ext(rule, attr, value, dn=False):
    parts = []
    if rule is not None:
        parts.append(octets(rule, tag=0x81))
    if attr is not None:
        parts.append(octets(attr, tag=0x82))
    parts.append(octets(value, tag=0x83))
    if dn:
        parts.append(tlv(0x84, b"\xff"))
    return seq(*parts, tag=0xA9)


def search(mid, base, scope, flt, attrs=(), size=0, time=0,
           types_only=False, controls=None):
    op = seq(octets(base), integer(scope, 0x0A), integer(0, 0x0A),
             integer(size), integer(time), boolean(types_only), flt,
             seq(*[octets(a) for a in attrs]), tag=0x63)
    return msg(mid, op, controls)


def compare(mid, dn, attr, value):
    return msg(mid, seq(octets(dn), seq(octets(attr), octets(value)),
                        tag=0x6E))


def extended(mid, oid, value=None):
    body = octets(oid, tag=0x80)
    if value is not None:
        body += octets(value, tag=0x81)
    return msg(mid, seq(body, tag=0x77))


def unbind(mid):
    return msg(mid, tlv(0x42, b""))


def abandon(mid, which):
    return msg(mid, integer(which, 0x50))


# ---- the session's cookie, made as ldap/session.c makes it ---------------

def fnv(h, b):
    for x in b:
        h ^= x
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def cookie(mode, at, sent, tenant, qhash):
    return (bytes([1, mode]) + struct.pack(">Q", at) +
            struct.pack(">I", sent) + struct.pack(">q", tenant) +
            struct.pack(">Q", qhash))


def hash_present(base, scope, attr, sort_keys=()):
    """hash_search of a search whose filter is (attr=*): the filter kind
    numbers of ldap/proto.h (PRESENT is 7 there, as its tag)."""
    def val(h, v):
        if v is None:
            return fnv(h, struct.pack("<I", 0xFFFFFFFF))
        h = fnv(h, struct.pack("<I", len(v)))
        return fnv(h, v)
    h = 14695981039346656037
    h = val(h, base.encode())
    h = fnv(h, struct.pack("<I", scope))
    h = fnv(h, struct.pack("<I", 7))  # LDAP_F_PRESENT
    h = fnv(h, struct.pack("<Q", 0))  # n_sub
    h = val(h, attr.encode())
    for _ in range(3):                # value, initial, final
        h = val(h, None)
    h = fnv(h, struct.pack("<Q", 0))  # n_any
    h = val(h, None)                  # rule
    h = fnv(h, b"\x00")               # dn_attrs
    for k in sort_keys:
        h = val(h, k.lstrip("-").encode())
        h = fnv(h, b"\x01" if k.startswith("-") else b"\x00")
    return h


# ---- seeds ----------------------------------------------------------------

def seeds():
    alice = bind(1, "alice@acme", "alice-password")
    s = {}
    sessions = {}
    for name in sorted(os.listdir(PDUS)):
        m = re.match(r"(.*)-(\d+)-(\w+)\.ber$", name)
        if m:
            sessions.setdefault(m.group(1), []).append(
                (int(m.group(2)), m.group(3), name))
    for sess, parts in sorted(sessions.items()):
        parts.sort()
        raw = [open(os.path.join(PDUS, n), "rb").read() for _, _, n in parts]
        kinds = [k for _, k, _ in parts]
        rest = [p for p, k in zip(raw, kinds) if k != "bind"]
        s["client-" + sess + "-raw"] = b"".join(raw)
        s["client-" + sess + "-alice"] = alice + b"".join(
            build(rebase(parse(p), "dc=acme")) for p in rest)
        s["client-" + sess + "-anon"] = bind(1, "", "") + b"".join(
            build(rebase(parse(p), "o=Beta Corp")) for p in rest)

    oc = f_present("objectClass")
    s["alice-filters"] = alice + b"".join([
        search(2, "dc=acme", 2, f_ava(3, "cn", "张伟"), ["cn", "uid"]),
        search(3, "dc=acme", 2, f_sub("cn", "张", ["秀"], None), ["*"]),
        search(4, "dc=acme", 2, f_sub("telephoneNumber", None, ["6552"],
                                      "101"), ["telephoneNumber"]),
        search(5, "dc=acme", 2, f_ava(5, "uid", "a100")),
        search(6, "dc=acme", 2, f_ava(6, "uid", "a010"), ["1.1"]),
        search(7, "dc=acme", 2, f_ava(8, "sn", "zhang"), ["+"]),
        search(8, "dc=acme", 2, f_or(f_not(f_present("mail")),
                                     f_and(f_ava(3, "ou", "存储"),
                                           f_present("uid")))),
        search(9, "dc=acme", 2, f_ext("caseIgnoreMatch", "cn", "王芳")),
        search(10, "dc=acme", 2, f_ext(None, "ou", "平台", True)),
        search(11, "dc=acme", 2, f_and(), ["cn"], size=5),
        search(12, "dc=acme", 2, f_or()),
        search(13, "ou=存储,ou=平台,ou=研发,dc=acme", 1, oc),
    ])
    s["alice-scopes"] = alice + b"".join([
        search(2, "", 0, oc, ["*", "+"]),
        search(3, "", 2, oc, ["cn"], size=3),
        search(4, "dc=acme", 0, oc),
        search(5, "dc=acme", 1, oc, size=20),
        search(6, "uid=a001,ou=平台,ou=研发,dc=acme", 0, oc, ["*"]),
        search(7, "o=Beta Corp", 2, oc),
        search(8, "dc=gamma", 2, oc),
        search(9, "uid=zz-hidden-a,dc=acme", 0, oc),
        search(10, "dc=acme", 2, oc, ["cn"], types_only=True, time=1),
    ])
    s["anon-scopes"] = b"".join([
        search(1, "", 0, oc, ["namingContexts", "supportedControl"]),
        search(2, "", 2, oc, ["cn", "title"]),
        search(3, "o=Beta Corp", 1, f_ava(3, "title", "Betamark 经理")),
        search(4, "dc=acme", 2, oc),
        bind(5, "", ""),
        search(6, "o=beta corp", 2, f_sub("uid", "zz"), size=2),
    ])
    # paging in key order: the second page's cookie as the session makes it
    h = hash_present("dc=acme", 2, "objectClass")
    pg = lambda i, c, size=50: search(i, "dc=acme", 2, oc, ["cn"],
                                       controls=[paged(size, c)])
    s["alice-paged"] = alice + b"".join([
        pg(2, b""),
        pg(3, cookie(0, 40, 50, ACME_TENANT, h)),
        pg(4, cookie(0, 10**6, 50, ACME_TENANT, h)),
        pg(5, cookie(0, 40, 50, ACME_TENANT, h), size=0),
        pg(6, cookie(0, 40, 249, ACME_TENANT, h)),
        pg(7, cookie(0, 40, 50, 2, h)),
        pg(8, cookie(1, 40, 50, ACME_TENANT, h)),
        pg(9, b"\x01" * 30),
        pg(10, b"x"),
        search(11, "dc=acme", 2, oc, size=30, controls=[paged(20)]),
    ])
    ha = hash_present("o=Beta Corp", 2, "objectClass")
    s["anon-paged"] = b"".join([
        search(1, "o=Beta Corp", 2, oc, controls=[paged(7)]),
        search(2, "o=Beta Corp", 2, oc,
               controls=[paged(7, cookie(0, 5, 7, 0, ha))]),
        search(3, "o=Beta Corp", 2, oc,
               controls=[paged(7, cookie(0, 5, 7, ACME_TENANT, ha))]),
    ])
    hs = hash_present("dc=acme", 2, "objectClass", ["sn", "-cn"])
    srt = sort("sn", "-cn")
    s["alice-sorted-paged"] = alice + b"".join([
        search(2, "dc=acme", 2, oc, ["cn", "sn"], controls=[srt]),
        search(3, "dc=acme", 2, oc, ["cn"], controls=[srt, paged(25)]),
        search(4, "dc=acme", 2, oc, ["cn"],
               controls=[srt, paged(25, cookie(1, 25, 25, ACME_TENANT,
                                                 hs))]),
        search(5, "dc=acme", 2, oc, ["cn"],
               controls=[srt, paged(25, cookie(1, 2**40, 2**31,
                                                 ACME_TENANT, hs))]),
        search(6, "dc=acme", 2, oc, ["cn"], size=10,
               controls=[sort("telephoneNumber")]),
        search(7, "dc=acme", 2, oc, controls=[sort("nosuchattr"),
                                              paged(3)]),
    ])
    s["alice-vlv"] = alice + b"".join([
        search(2, "dc=acme", 2, oc, ["cn"],
               controls=[srt, vlv_offset(2, 5, 1, 0)]),
        search(3, "dc=acme", 2, oc, ["cn"],
               controls=[srt, vlv_offset(10, 10, 150, 300, b"ctx")]),
        search(4, "dc=acme", 2, oc, ["cn"],
               controls=[srt, vlv_offset(0, 2**31 - 1, 2**31 - 1,
                                         1)]),
        search(5, "dc=acme", 2, oc, ["cn"],
               controls=[srt, vlv_offset(3, 3, 0, 0)]),
        search(6, "dc=acme", 2, oc, ["cn"],
               controls=[sort("cn"), vlv_value(1, 4, "王")]),
        search(7, "dc=acme", 2, oc, ["cn"],
               controls=[sort("-telephoneNumber"),
                         vlv_value(4, 1, "+86 10")]),
        search(8, "dc=acme", 2, oc, ["cn"],
               controls=[vlv_offset(1, 1, 1, 0)]),
        search(9, "dc=acme", 2, oc, ["cn"],
               controls=[srt, vlv_offset(1, 1, 1, 0), paged(5)]),
        search(10, "dc=acme", 2, oc, ["cn"], size=4,
               controls=[srt, vlv_offset(20, 20, 100, 0)]),
    ])
    s["alice-ops"] = alice + b"".join([
        compare(2, "uid=a001,ou=平台,ou=研发,dc=acme", "cn", "张伟"),
        compare(3, "uid=zz-hidden-a,ou=压缩,ou=索引,ou=存储,ou=平台,"
                   "ou=研发,dc=acme", "uid", "zz-hidden-a"),
        compare(4, "dc=acme", "objectClass", "top"),
        extended(5, "1.3.6.1.4.1.4203.1.11.3"),
        extended(6, "1.2.3.4", b"value"),
        msg(7, seq(octets("uid=a001,dc=acme"), seq(), tag=0x66)),
        msg(8, seq(octets("uid=new,dc=acme"), seq(), tag=0x68)),
        msg(9, octets("uid=a001,dc=acme", tag=0x4A)),
        msg(10, seq(octets("uid=a001,dc=acme"), octets("uid=b"),
                    boolean(True), tag=0x6C)),
        abandon(11, 2),
        search(12, "dc=acme", 2, oc,
               controls=[control("1.2.3.4.5", b"", True)]),
        extended(13, "1.3.6.1.4.1.1466.20037"),
        search(14, "dc=acme", 2, oc, ["cn"], size=2),
        unbind(15),
    ])
    s["binds"] = b"".join([
        bind(1, "alice@acme", "wrong"),
        bind(2, "uid=alice@acme,dc=acme", "alice-password"),
        search(3, "", 2, oc, ["cn"], size=2),
        bind(4, "cn = alice@acme ,dc=acme", "alice-password"),
        bind(5, "alice@acme", ""),
        search(6, "", 2, oc, ["cn"], size=2),
        bind(7, "o=x", "alice-password"),
        bind(8, "alice@acme", "alice-password", version=2),
        msg(9, seq(integer(3), octets("alice@acme"),
                   seq(octets("PLAIN"), tag=0xA3), tag=0x60)),
        bind(10, "carol@gamma", "x"),
        bind(11, "alice@acme", "alice-password"),
        search(12, "dc=gamma", 2, oc),
        extended(13, "1.3.6.1.4.1.4203.1.11.3"),
    ])
    s["alice-numbers"] = alice + b"".join([
        search(2, "dc=acme", 2, f_ava(3, "telephoneNumber",
                                      "+86 10 6552 0007"), ["cn"]),
        search(3, "dc=acme", 2, f_ava(3, "telephoneNumber", "010 6552 0007"),
               ["telephoneNumber"]),
        search(4, "dc=acme", 2, f_ava(3, "telephoneNumber", "65520007"),
               ["cn"]),
        search(5, "dc=acme", 2, f_ava(3, "telephoneNumber",
                                      "+86 10 6552 0007 ext. 107"), ["cn"]),
        search(6, "dc=acme", 2, f_ava(3, "mobile", "+86 139 0012 0084"),
               ["mobile"]),
        search(7, "dc=acme", 2, f_ava(3, "mobile", "00861390012"), ["cn"]),
        search(8, "dc=acme", 2, f_or(f_ava(3, "telephoneNumber", "0000"),
                                     f_ava(3, "mobile", "zh")), ["cn"]),
        search(9, "dc=acme", 2, f_sub("telephoneNumber", "+86", ["6552"],
                                      "7"), ["cn"]),
        search(10, "dc=acme", 2, f_ava(3, "postalAddress", "中关村大街 1 号"),
               ["postalAddress", "l", "street"]),
        search(11, "dc=acme", 2, f_sub("cn", "zh", [], None), ["cn"]),
        search(12, "dc=acme", 2, f_ava(8, "cn", "zhangwei"), ["cn"]),
        search(13, "dc=acme", 2, f_ava(3, "cn", "zw"), ["cn"]),
        search(14, "dc=acme", 2, oc, ["*"], size=3,
               controls=[sort("modifyTimestamp", "-sn")]),
    ])
    s["binds-escaped"] = b"".join([
        bind(1, "uid=alice\\40acme,dc=acme", "alice-password"),
        search(2, "", 2, f_ava(3, "uid", "a001"), ["*"]),
        bind(3, "cn=alice\\@acme , dc=acme", "alice-password"),
        bind(4, "UID = alice@acme+cn=x,dc=acme", "alice-password"),
        bind(5, "uid=al\\69ce@acme\\", "alice-password"),
    ])
    # the connection knobs of the target: the first message id less one
    for knob in (1, 2, 3, 4, 5, 8, 16, 32, 48, 64):
        first = 1 + knob
        s["knob-%d" % knob] = b"".join([
            bind(first, "alice@acme", "alice-password"),
            search(first + 1, "", 0, oc, ["*", "+"]),
            search(first + 2, "dc=acme", 2, oc, ["*"]),
            search(first + 3, "dc=acme", 2, oc, ["cn", "jpegPhoto"],
                   controls=[srt, paged(100)]),
            compare(first + 4, "uid=a001,ou=平台,ou=研发,dc=acme", "cn",
                    "张伟"),
            extended(first + 5, "1.3.6.1.4.1.1466.20037"),
            bind(first + 6, "", ""),
            search(first + 7, "o=Beta Corp", 2, oc, ["*"]),
        ])
    return s


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
