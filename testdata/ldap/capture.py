#!/usr/bin/env python3
"""Record the LDAP PDUs that real clients send (for test-ldap-proto).

Usage: capture.py OUTDIR

Starts a minimal LDAP listener on 127.0.0.1 (a port the kernel picks),
then runs ldapsearch, ldapmodify, ldapadd, ldapdelete, ldapcompare,
ldapwhoami (ldap-utils) and python3-ldap3 with the filters desk phones
and Thunderbird send. The listener answers just enough for each client
to send its request (bind: success, or authMethodNotSupported for SASL;
search: one entry and success; writes: unwillingToPerform; compare:
compareTrue; extended: success for whoami, protocolError for StartTLS)
and writes every PDU it receives to OUTDIR/<scenario>-<n>-<op>.ber.
Not used by make check; run by hand when a client's bytes must be seen.
"""
import os
import socket
import subprocess
import sys
import threading
import time

OPS = {0x60: "bind", 0x42: "unbind", 0x63: "search", 0x66: "modify",
       0x68: "add", 0x4a: "delete", 0x6c: "moddn", 0x6e: "compare",
       0x50: "abandon", 0x77: "extended"}


def tlv(tag, content):
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(b)]) + b + content


def integer(tag, v):
    return tlv(tag, v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big",
                               signed=True))


def result(msgid, op, rc, extra=b"", ctrls=b""):
    body = integer(0x0a, rc) + tlv(0x04, b"") + tlv(0x04, b"") + extra
    msg = integer(0x02, msgid) + tlv(op, body)
    if ctrls:
        msg += tlv(0xa0, ctrls)
    return tlv(0x30, msg)


def read_tlv(data, i):
    tag = data[i]
    n = data[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(data[i:i + k], "big")
        i += k
    return tag, data[i:i + n], i + n


class Recorder:
    def __init__(self, outdir):
        self.outdir = outdir
        self.label = "none"
        self.count = {}
        self.lock = threading.Lock()

    def save(self, label, pdu, op):
        with self.lock:
            n = self.count.get(label, 0) + 1
            self.count[label] = n
            if n > 4:  # ldapsearch -E vlv keeps asking: keep the first
                return
            name = "%s-%d-%s.ber" % (label, n, op)
        with open(os.path.join(self.outdir, name), "wb") as f:
            f.write(pdu)


def recv_pdu(conn, buf):
    while True:
        if len(buf) >= 2:
            n = buf[1]
            hdr = 2
            if n & 0x80:
                k = n & 0x7f
                if len(buf) >= 2 + k:
                    n = int.from_bytes(buf[2:2 + k], "big")
                    hdr = 2 + k
                else:
                    n = None
            if n is not None and len(buf) >= hdr + n:
                return buf[:hdr + n], buf[hdr + n:]
        chunk = conn.recv(65536)
        if not chunk:
            return None, buf
        buf += chunk


def serve(conn, rec, label):
    buf = b""
    with conn:
        while True:
            pdu, buf = recv_pdu(conn, buf)
            if pdu is None:
                return
            _, body, _ = read_tlv(pdu, 0)
            tag, idb, j = read_tlv(body, 0)
            msgid = int.from_bytes(idb, "big", signed=True)
            optag, opbody, j = read_tlv(body, j)
            opname = OPS.get(optag, "op%02x" % optag)
            rec.save(label, pdu, opname)
            out = b""
            if optag == 0x60:
                # SASL ([3]) gets authMethodNotSupported
                _, _, k = read_tlv(opbody, 0)
                _, _, k = read_tlv(opbody, k)
                rc = 7 if opbody[k] == 0xa3 else 0
                out = result(msgid, 0x61, rc)
            elif optag == 0x42:
                return
            elif optag == 0x63:
                attrs = tlv(0x30, tlv(0x04, b"cn") +
                            tlv(0x31, tlv(0x04, b"Zhang San")))
                entry = tlv(0x64, tlv(0x04, b"uid=zs,dc=example") +
                            tlv(0x30, attrs))
                out = tlv(0x30, integer(0x02, msgid) + entry)
                ctrls = b""
                if b"1.2.840.113556.1.4.319" in body:
                    val = tlv(0x30, integer(0x02, 0) + tlv(0x04, b""))
                    ctrls = tlv(0x30, tlv(0x04, b"1.2.840.113556.1.4.319") +
                                tlv(0x04, val))
                out += result(msgid, 0x65, 0, ctrls=ctrls)
            elif optag in (0x66, 0x68, 0x4a, 0x6c):
                out = result(msgid, optag + 1 if optag != 0x4a else 0x6b, 53)
            elif optag == 0x6e:
                out = result(msgid, 0x6f, 6)
            elif optag == 0x77:
                if b"1.3.6.1.4.1.4203.1.11.3" in opbody:
                    out = result(msgid, 0x78, 0,
                                 extra=tlv(0x8b, b"dn:uid=zs,dc=example"))
                else:
                    out = result(msgid, 0x78, 2)
            elif optag == 0x50:
                continue
            else:
                out = result(msgid, (optag | 0x20) + 1, 53)
            conn.sendall(out)


def listen(rec):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)

    def loop():
        while True:
            c, _ = s.accept()
            threading.Thread(target=serve, args=(c, rec, rec.label), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()
    return s.getsockname()[1]


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    rec = Recorder(outdir)
    port = listen(rec)
    url = "ldap://127.0.0.1:%d" % port
    base = ["-H", url, "-b", "dc=example"]
    env = dict(os.environ, LDAPNOINIT="1")
    runs = [
        ("yealink-name", ["ldapsearch", "-x", "-z", "50"] + base +
         ["(|(cn=zh*)(sn=zh*))", "cn", "sn", "telephoneNumber", "mobile"]),
        ("yealink-number", ["ldapsearch", "-x", "-z", "1"] + base +
         ["(|(telephoneNumber=*5678)(mobile=*5678)(homePhone=*5678))",
          "cn"]),
        ("snom", ["ldapsearch", "-x", "-z", "25", "-l", "5"] + base +
         ["(&(telephoneNumber=*)(displayName=zh*))", "displayName",
          "telephoneNumber"]),
        ("typesonly", ["ldapsearch", "-x", "-A", "-s", "one"] + base +
         ["(objectClass=*)", "1.1"]),
        ("paged", ["ldapsearch", "-x", "-E", "pr=10/noprompt"] + base +
         ["(cn=zh*)"]),
        ("sort", ["ldapsearch", "-x", "-E", "sss=cn/-sn:2.5.13.3"] + base +
         ["(cn=*)"]),
        ("vlv", ["ldapsearch", "-x", "-E", "sss=cn", "-E", "vlv=2/5/1/0"] +
         base + ["(cn=*)"]),
        ("vlv-value", ["ldapsearch", "-x", "-E", "sss=cn", "-E",
                       "vlv=0/9:zh"] + base + ["(cn=*)"]),
        ("absolute", ["ldapsearch", "-x"] + base + ["(|(&)(!(|)))"]),
        ("starttls", ["ldapsearch", "-x", "-ZZ"] + base + ["(cn=*)"]),
        ("simple-bind", ["ldapsearch", "-x", "-D", "uid=zs,dc=example",
                         "-w", "secret"] + base + ["(uid=zs)"]),
        ("sasl-bind", ["ldapsearch", "-Y", "DIGEST-MD5", "-U", "zs",
                       "-w", "secret"] + base + ["(uid=zs)"]),
        ("whoami", ["ldapwhoami", "-x", "-H", url, "-D",
                    "uid=zs,dc=example", "-w", "secret"]),
        ("compare", ["ldapcompare", "-x", "-H", url,
                     "uid=zs,dc=example", "cn:Zhang San"]),
        ("delete", ["ldapdelete", "-x", "-H", url, "uid=zs,dc=example"]),
    ]
    for label, argv in runs:
        rec.label = label
        try:
            subprocess.run(argv, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=5)
        except subprocess.TimeoutExpired:
            pass
    ldif = {
        "modify": ("ldapmodify", b"dn: uid=zs,dc=example\nchangetype: modify"
                   b"\nreplace: mobile\nmobile: +86 139 1234 5678\n"),
        "add": ("ldapadd", b"dn: uid=ls,dc=example\nobjectClass: person\n"
                b"cn: Li Si\nsn: Li\n"),
    }
    for label, (prog, text) in ldif.items():
        rec.label = label
        subprocess.run([prog, "-x", "-H", url], input=text, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=20)
    try:
        import ldap3
    except ImportError:
        return
    server = ldap3.Server("127.0.0.1", port=port, get_info=ldap3.NONE)
    rec.label = "ldap3-thunderbird"
    c = ldap3.Connection(server, auto_bind=True)
    c.search("dc=example", "(|(cn=*zh*)(mail=*zh*)(givenName=*zh*)(sn=*zh*))",
             attributes=["cn", "mail", "givenName", "sn", "telephoneNumber"],
             size_limit=100)
    c.unbind()
    rec.label = "ldap3-filters"
    c = ldap3.Connection(server, auto_bind=True)
    c.search("dc=example", "(&(!(cn=a*b*c))(cn>=m)(sn<=z)(mail~=zhang)"
             "(cn:caseExactMatch:=Zhang)(:dn:2.5.13.5:=x)(sn=*))",
             search_scope=ldap3.BASE, types_only=True)
    c.unbind()
    rec.label = "ldap3-critical"
    c = ldap3.Connection(server, auto_bind=True)
    c.search("dc=example", "(cn=*)", controls=[("1.2.3.4.5", True, b"value")])
    rec.label = "ldap3-abandon"
    ca = ldap3.Connection(server, client_strategy=ldap3.ASYNC,
                          auto_bind=True)
    mid = ca.search("dc=example", "(cn=*)")
    ca.abandon(mid)
    ca.unbind()
    c.unbind()
    time.sleep(1)  # let the listener record the last PDUs


if __name__ == "__main__":
    main()
