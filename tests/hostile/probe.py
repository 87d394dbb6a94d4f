#!/usr/bin/python3
"""Hostile HTTP clients for tests/hostile/test-slow-senders.sh (stdlib only).

Every probe talks to 127.0.0.0/8 only, bounds its loops in count and time,
and prints one JSON line with what it saw. Subcommands:

  hold --mode idle|slowloris --count N --addrs K --ready FILE --seconds T
      N connections from 127.0.0.2 .. 127.0.0.(K+1); idle ones send
      nothing, slowloris ones send a request line and headers one byte
      every 5 s. Connections the server closes are opened again (as an
      attacker would) at most --reconnects times in all. FILE gets the
      number opened once all are; the probe ends on SIGTERM or after T s.
  too-big --path P --length L [--cookie C]
      a POST announcing Content-Length L and sending no body: the status
      the server answers within --wait seconds ("none" if it waits).
  chunked --path P --max-bytes M --seconds T
      a chunked POST that never ends, 64 KiB chunks: how much was sent
      before the server cut it, and the status if it answered.
  bodies --path P --count N --length L --ready FILE --seconds T
      N POSTs of Content-Length L at once, each sending all but the last
      byte, then held; FILE gets the statuses once every body is sent or
      answered.
  deadline --seconds T
      one connection trickling its headers, one trickling its body after
      whole headers (1 byte/s each): the seconds after which each is cut.
"""
import argparse
import errno
import json
import os
import selectors
import signal
import socket
import sys
import time

stop = False


def on_term(sig, frame):
    global stop
    stop = True


def connect(port, src, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    return s


def status_of(data):
    """The status code of an HTTP response head, or None."""
    line = data.split(b"\r\n", 1)[0].split()
    if len(line) >= 2 and line[0].startswith(b"HTTP/"):
        try:
            return int(line[1])
        except ValueError:
            return None
    return None


def cmd_hold(a):
    signal.signal(signal.SIGTERM, on_term)
    req = (b"POST /sync HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           b"Content-Type: application/vnd.syncml+xml\r\n"
           b"Content-Length: 100\r\n") * 50
    sel = selectors.DefaultSelector()
    conns = {}  # fd -> {s, sent, next, up, t0}
    opened = cut = reconnects = failed = 0
    deadline = time.monotonic() + a.seconds

    def open_one(i):
        nonlocal failed
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind(("127.0.0.%d" % (2 + i % a.addrs), 0))
            e = s.connect_ex(("127.0.0.1", a.port))
        except OSError:
            s.close()
            failed += 1
            return
        if e not in (0, errno.EINPROGRESS):
            s.close()
            failed += 1
            return
        # stagger the slowloris bytes over the 5 s period
        conns[s.fileno()] = {"s": s, "sent": 0, "up": False,
                             "t0": time.monotonic(),
                             "next": time.monotonic() + (i % 50) * 0.1}
        sel.register(s, selectors.EVENT_WRITE)

    def drop(c, was_up):
        nonlocal cut, failed, reconnects
        sel.unregister(c["s"])
        del conns[c["s"].fileno()]
        c["s"].close()
        if was_up:
            cut += 1
        else:
            failed += 1
        if reconnects < a.reconnects and not stop:
            reconnects += 1
            open_one(reconnects)

    for i in range(a.count):
        open_one(i)
    ready = False
    while not stop and time.monotonic() < deadline:
        now = time.monotonic()
        for key, ev in sel.select(timeout=0.1):
            c = conns.get(key.fileobj.fileno())
            if c is None:
                continue
            if not c["up"]:
                if c["s"].getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    drop(c, False)
                    continue
                c["up"] = True
                opened += 1
                sel.modify(c["s"], selectors.EVENT_READ)
                continue
            try:
                data = c["s"].recv(4096)
            except OSError:
                data = b""
            if not data:
                drop(c, True)
        # a connect still pending after 3 s went to a full backlog
        for c in [c for c in conns.values()
                  if not c["up"] and now - c["t0"] > 3]:
            drop(c, False)
        if not ready and (all(c["up"] for c in conns.values())
                          or now > deadline - a.seconds + 10):
            ready = True
            with open(a.ready + ".tmp", "w") as f:
                f.write("%d\n" % sum(c["up"] for c in conns.values()))
            os.rename(a.ready + ".tmp", a.ready)
        if a.mode == "slowloris":
            for c in list(conns.values()):
                if c["up"] and now >= c["next"] and c["sent"] < len(req):
                    try:
                        c["s"].send(req[c["sent"]:c["sent"] + 1])
                        c["sent"] += 1
                    except OSError:
                        pass
                    c["next"] = now + 5.0
    up = sum(c["up"] for c in conns.values())
    for c in conns.values():
        c["s"].close()
    print(json.dumps({"opened": opened, "cut": cut, "reconnects": reconnects,
                      "failed": failed, "open_at_end": up}))


def cmd_too_big(a):
    s = connect(a.port, "127.0.0.1")
    head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: %s\r\nContent-Length: %d\r\n" %
            (a.path, a.type, a.length))
    if a.cookie:
        head += "Cookie: %s\r\n" % a.cookie
    s.setblocking(True)
    s.sendall(head.encode() + b"\r\n")
    s.settimeout(a.wait)
    data = b""
    t0 = time.monotonic()
    try:
        while b"\r\n\r\n" not in data and time.monotonic() - t0 < a.wait:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    st = status_of(data)
    retry = None
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"retry-after":
            retry = v.strip().decode()
    print(json.dumps({"status": st if st is not None else "none",
                      "retry_after": retry,
                      "ms": int((time.monotonic() - t0) * 1000)}))


def cmd_chunked(a):
    s = connect(a.port, "127.0.0.1")
    s.setblocking(True)
    s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Content-Type: application/vnd.syncml+xml\r\n"
               "Transfer-Encoding: chunked\r\n\r\n" % a.path).encode())
    s.setblocking(False)
    piece = b"10000\r\n" + b"<" * 65536 + b"\r\n"
    sent = 0
    data = b""
    closed = False
    t0 = time.monotonic()
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    off = 0
    while sent < a.max_bytes and time.monotonic() - t0 < a.seconds:
        for key, ev in sel.select(timeout=0.2):
            if ev & selectors.EVENT_READ:
                try:
                    chunk = s.recv(4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    closed = True
                data += chunk
            if ev & selectors.EVENT_WRITE and not closed:
                try:
                    n = s.send(piece[off:])
                    sent += n
                    off = (off + n) % len(piece)
                except BlockingIOError:
                    pass
                except OSError:
                    closed = True
        if closed:
            break
    st = status_of(data)
    print(json.dumps({"sent": sent, "closed": closed,
                      "status": st if st is not None else "none",
                      "ms": int((time.monotonic() - t0) * 1000)}))


def cmd_bodies(a):
    signal.signal(signal.SIGTERM, on_term)
    sel = selectors.DefaultSelector()
    conns = []
    head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: %s\r\nContent-Length: %d\r\n\r\n" %
            (a.path, a.type, a.length)).encode()
    block = b"<" * 65536
    for i in range(a.count):
        s = connect(a.port, "127.0.0.%d" % (2 + i % 8))
        s.setblocking(True)
        s.sendall(head)
        s.setblocking(False)
        c = {"s": s, "left": a.length - 1, "status": None, "done": False}
        conns.append(c)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, c)
    deadline = time.monotonic() + a.seconds
    ready = False
    while not stop and time.monotonic() < deadline:
        for key, ev in sel.select(timeout=0.2):
            c = key.data
            if ev & selectors.EVENT_READ:
                try:
                    d = c["s"].recv(4096)
                except OSError:
                    d = b""
                if d and c["status"] is None:
                    c["status"] = status_of(d)
                if not d or c["status"] is not None:
                    c["done"] = True
                    sel.unregister(c["s"])
                    continue
            if ev & selectors.EVENT_WRITE and c["left"] > 0:
                try:
                    n = c["s"].send(block[:min(len(block), c["left"])])
                    c["left"] -= n
                except BlockingIOError:
                    pass
                except OSError:
                    c["done"] = True
                    sel.unregister(c["s"])
                    continue
                if c["left"] == 0:
                    sel.modify(c["s"], selectors.EVENT_READ, c)
        if not ready and all(c["done"] or c["left"] == 0 for c in conns):
            ready = True
            st = {}
            for c in conns:
                k = str(c["status"]) if c["status"] else (
                    "held" if not c["done"] else "closed")
                st[k] = st.get(k, 0) + 1
            with open(a.ready + ".tmp", "w") as f:
                f.write(json.dumps(st) + "\n")
            os.rename(a.ready + ".tmp", a.ready)
    st = {}
    for c in conns:
        k = str(c["status"]) if c["status"] else (
            "held" if not c["done"] else "closed")
        st[k] = st.get(k, 0) + 1
        c["s"].close()
    print(json.dumps({"ready": ready, "statuses": st}))


def cmd_deadline(a):
    hs = connect(a.port, "127.0.0.1")
    bs = connect(a.port, "127.0.0.1")
    bs.setblocking(True)
    bs.sendall(b"POST /sync HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Content-Type: application/vnd.syncml+xml\r\n"
               b"Content-Length: 100000\r\n\r\n")
    bs.setblocking(False)
    head = b"POST /sync HTTP/1.1\r\nHost: 127.0.0.1\r\n" * 100
    t0 = time.monotonic()
    cut = {"header_cut_s": None, "body_cut_s": None}
    socks = {"header_cut_s": hs, "body_cut_s": bs}
    i = 0
    while time.monotonic() - t0 < a.seconds and None in cut.values():
        for k, s in socks.items():
            if cut[k] is not None:
                continue
            try:
                s.send(head[i:i + 1] if k == "header_cut_s" else b"<")
                d = b"x"
                try:
                    d = s.recv(4096)
                except BlockingIOError:
                    pass
                if not d:
                    raise ConnectionResetError
            except OSError:
                cut[k] = round(time.monotonic() - t0, 1)
        i += 1
        time.sleep(1.0)
    print(json.dumps(cut))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cmd")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--mode", default="idle")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--addrs", type=int, default=20)
    p.add_argument("--ready", default="")
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--reconnects", type=int, default=0)
    p.add_argument("--path", default="/sync")
    p.add_argument("--type", default="application/vnd.syncml+xml")
    p.add_argument("--length", type=int, default=0)
    p.add_argument("--cookie", default="")
    p.add_argument("--wait", type=float, default=5)
    p.add_argument("--max-bytes", type=int, default=64 << 20)
    a = p.parse_args()
    cmds = {"hold": cmd_hold, "too-big": cmd_too_big, "chunked": cmd_chunked,
            "bodies": cmd_bodies, "deadline": cmd_deadline}
    if a.cmd not in cmds:
        p.error("unknown probe " + a.cmd)
    cmds[a.cmd](a)


if __name__ == "__main__":
    main()
