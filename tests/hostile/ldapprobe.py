#!/usr/bin/python3
"""Hostile LDAP clients against orgbook-server's LDAP listener.

Each probe prints one line "ok: ..." or "FAIL: ..." and exits 0 or 1.
Probes (all on 127.0.0.0/8, each ends by itself):
  slow PORT           a bind trickled a byte every 0.5 s is cut, with a
                      Notice of Disconnection, near ldap-request-timeout
  idle PORT           a silent connection gets the Notice and is closed
                      near ldap-idle-timeout
  big PORT            a request claiming 100 KB before a bind is refused
                      at once, before its body
  garbage PORT        bytes that are no LDAPMessage: Notice, closed
  perip PORT N        N+5 connections from 127.0.0.2: 5 refused (busy),
                      and 127.0.0.3 still binds and searches
  crowd PORT N LOGIN PW BASE
                      N trickling connections from 127.0.0.4..: a normal
                      bind and search from 127.0.0.1 within 1 s
  search PORT LOGIN PW BASE
                      a bind and a search of 5 (sizeLimitExceeded)
  noread PORT LOGIN PW BASE
                      a client that asks for the whole tree and never
                      reads: a normal client is served meanwhile (the
                      test then finds the cut in the server's log)
  throttle PORT LOGIN PW
                      6 wrong passwords, then the right one is refused
"""
import socket
import sys
import time


def ln(n):
    if n < 128:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, body):
    return bytes([tag]) + ln(len(body)) + body


def integer(v, tag=0x02):
    return tlv(tag, v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big",
                               signed=True))


def octets(s, tag=0x04):
    return tlv(tag, s.encode() if isinstance(s, str) else s)


def msg(mid, op):
    return tlv(0x30, integer(mid) + op)


def bind(mid, name, pw):
    return msg(mid, tlv(0x60, integer(3) + octets(name) + octets(pw, 0x80)))


def search(mid, base, flt=b"\x87\x0bobjectClass", size=0, attrs=("cn",)):
    body = (octets(base) + integer(2, 0x0a) + integer(0, 0x0a) +
            integer(size) + integer(0) + b"\x01\x01\x00" + flt +
            tlv(0x30, b"".join(octets(x) for x in attrs)))
    return msg(mid, tlv(0x63, body))


BUFS = {}


def read_pdu(s, deadline):
    """(one PDU, b""); (None, b"") on close; ("timeout", b"") at the
    deadline. Bytes past the PDU stay buffered for the next call."""
    buf = BUFS.get(s.fileno(), b"")
    while True:
        if len(buf) >= 2:
            n = buf[1]
            hl = 2
            if n & 0x80:
                k = n & 0x7F
                if len(buf) >= 2 + k:
                    n = int.from_bytes(buf[2:2 + k], "big")
                    hl = 2 + k
                else:
                    n = None
            if n is not None and len(buf) >= hl + n:
                BUFS[s.fileno()] = buf[hl + n:]
                return buf[:hl + n], b""
        BUFS[s.fileno()] = buf
        left = deadline - time.time()
        if left <= 0:
            return "timeout", b""
        s.settimeout(left)
        try:
            d = s.recv(65536)
        except socket.timeout:
            return "timeout", b""
        except OSError:
            return None, b""
        if not d:
            return None, b""
        buf += d


def op_and_rc(pdu):
    """(op tag, resultCode, message id) of an LDAPResult-shaped PDU."""
    i = 2 if pdu[1] < 128 else 2 + (pdu[1] & 0x7F)
    idlen = pdu[i + 1]
    mid = int.from_bytes(pdu[i + 2:i + 2 + idlen], "big")
    j = i + 2 + idlen
    op = pdu[j]
    k = j + 2 if pdu[j + 1] < 128 else j + 2 + (pdu[j + 1] & 0x7F)
    rc = pdu[k + 2] if pdu[k] == 0x0A else -1
    return op, rc, mid


def conn(port, src="127.0.0.1"):
    s = socket.socket()
    BUFS.pop(s.fileno(), None)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def closed_within(s, seconds):
    """Read until the server closes; (closed?, notice rc or None, s)."""
    deadline = time.time() + seconds
    notice = None
    rest = b""
    while True:
        pdu, rest = read_pdu(s, deadline)
        if pdu is None:
            return True, notice
        if pdu == "timeout":
            return False, notice
        op, rc, mid = op_and_rc(pdu)
        if op == 0x78 and mid == 0:
            notice = rc


def ok(text):
    print("ok: " + text)
    sys.exit(0)


def fail(text):
    print("FAIL: " + text)
    sys.exit(1)


def exchange(port, login, pw, base, src="127.0.0.1", size=0):
    s = conn(port, src)
    s.sendall(bind(1, login, pw))
    pdu, _ = read_pdu(s, time.time() + 5)
    if pdu in (None, "timeout"):
        return "no bind answer"
    if op_and_rc(pdu)[1] != 0:
        return "bind rc %d" % op_and_rc(pdu)[1]
    s.sendall(search(2, base, size=size))
    n = 0
    deadline = time.time() + 10
    while True:
        pdu, _ = read_pdu(s, deadline)
        if pdu in (None, "timeout"):
            return "search cut after %d entries" % n
        op, rc, _ = op_and_rc(pdu)
        if op == 0x64:
            n += 1
            continue
        s.close()
        return (n, rc)


def main():
    what, port = sys.argv[1], int(sys.argv[2])
    a = sys.argv[3:]
    if what == "slow":
        s = conn(port)
        data = bind(1, "nobody", "x")
        t0 = time.time()
        try:
            for b in data:
                s.sendall(bytes([b]))
                time.sleep(0.5)
                if time.time() - t0 > 8:
                    break
        except OSError:
            pass
        closed, notice = closed_within(s, 2)
        took = time.time() - t0
        if closed and took < 6:
            ok("trickled bind cut after %.1f s, notice rc %s" % (took,
                                                              notice))
        fail("trickled bind still open after %.1f s" % took)
    if what == "idle":
        s = conn(port)
        t0 = time.time()
        closed, notice = closed_within(s, 8)
        took = time.time() - t0
        if closed and notice == 52 and took < 5:
            ok("idle connection closed after %.1f s with a notice" % took)
        fail("idle: closed %s notice %s after %.1f s" % (closed, notice,
                                                        took))
    if what == "big":
        s = conn(port)
        s.sendall(b"\x30\x83\x01\x86\xa0\x02\x01\x01")  # claims 100,000
        t0 = time.time()
        closed, notice = closed_within(s, 3)
        if closed and notice == 2 and time.time() - t0 < 1:
            ok("100 KB request refused before its body, notice 2")
        fail("big: closed %s notice %s" % (closed, notice))
    if what == "garbage":
        s = conn(port)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        closed, notice = closed_within(s, 3)
        if closed and notice == 2:
            ok("an HTTP request on the LDAP port: notice 2, closed")
        fail("garbage: closed %s notice %s" % (closed, notice))
    if what == "perip":
        n = int(a[0])
        socks, refused = [], 0
        for _ in range(n + 5):
            s = conn(port, "127.0.0.2")
            socks.append(s)
        time.sleep(0.5)
        for s in socks:
            s.setblocking(False)
            try:
                d = s.recv(4096)
                if d == b"" or (len(d) > 2 and op_and_rc(d)[1] == 51):
                    refused += 1
            except BlockingIOError:
                pass
            except OSError:
                refused += 1
        s2 = conn(port, "127.0.0.3")
        s2.sendall(b"\x30\x05\x02\x01\x01\x42\x00")  # unbind
        s2.close()
        if refused == 5:
            ok("%d connections from one address, 5 refused busy" % (n + 5))
        fail("per-ip: %d refused of %d" % (refused, n + 5))
    if what == "search":
        r = exchange(port, a[0], a[1], a[2], size=5)
        if r == (5, 4):
            ok("5 entries, then sizeLimitExceeded")
        fail("search: %s" % (r,))
    if what == "crowd":
        n, login, pw, base = int(a[0]), a[1], a[2], a[3]
        socks = []
        for i in range(n):
            s = conn(port, "127.0.0.%d" % (4 + i % 200))
            s.sendall(b"\x30")  # the start of a PDU, never the rest
            socks.append(s)
        time.sleep(0.3)
        t0 = time.time()
        r = exchange(port, login, pw, base, size=5)
        took = time.time() - t0
        for s in socks:
            s.close()
        if isinstance(r, tuple) and r[0] == 5 and took < 1:
            ok("a search among %d trickling connections: %.3f s" % (n,
                                                                   took))
        fail("crowd: %s in %.3f s" % (r, took))
    if what == "noread":
        login, pw, base = a[0], a[1], a[2]
        s = conn(port)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(bind(1, login, pw))
        read_pdu(s, time.time() + 5)
        # every attribute of every person: more than the socket buffers
        # hold, so the server must wait on this client mid-answer
        s.sendall(search(2, base, attrs=()))
        r = exchange(port, login, pw, base, size=3)
        if not (isinstance(r, tuple) and r[0] == 3):
            fail("noread: a normal client got %s" % (r,))
        time.sleep(5)  # the server gives up on the reader meanwhile
        s.close()
        ok("a normal client served beside one that never reads")
    if what == "throttle":
        login, pw = a[0], a[1]
        rcs = []
        for i in range(6):
            s = conn(port)
            s.sendall(bind(1, login, "wrong-%d" % i))
            pdu, _ = read_pdu(s, time.time() + 5)
            rcs.append(op_and_rc(pdu)[1] if isinstance(pdu, bytes) else -1)
            s.close()
        s = conn(port)
        s.sendall(bind(1, login, pw))
        pdu, _ = read_pdu(s, time.time() + 5)
        rc = op_and_rc(pdu)[1] if isinstance(pdu, bytes) else -1
        if rcs == [49] * 6 and rc == 49:
            ok("after 6 wrong passwords the right one is refused (49)")
        fail("throttle: wrong %s, right %d" % (rcs, rc))
    fail("unknown probe " + what)


main()
