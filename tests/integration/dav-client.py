#!/usr/bin/python3
"""A raw HTTP/1.1 CardDAV client for test-carddav-stream.sh: one request
on a socket of its own, then what the test asks of the answer.

  dav-client.py PORT USER:PASS METHOD PATH BODYFILE MODE [ARG]

MODE:
  whole        read the answer to its end; print the status, whether it
               was chunked, whether the chunked body ended with its last
               chunk ("complete") or the connection was cut ("cut"), and
               the body to the file ARG
  stall N      read N bytes of the answer, then stop reading (the socket
               stays open); print "stalled", then wait for a line on
               stdin: "close" closes the socket, "rest FILE" reads the
               rest as "whole" does into FILE
"""
import base64
import socket
import sys


def request(port, cred, method, path, body):
    s = socket.create_connection(("127.0.0.1", port))
    auth = base64.b64encode(cred.encode()).decode()
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Basic {auth}\r\nDepth: 1\r\n"
        "Content-Type: application/xml; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    s.sendall(head.encode() + body)
    return s


def read_all(s, got):
    got = bytearray(got)
    while True:
        try:
            b = s.recv(1 << 16)
        except ConnectionResetError:
            break
        if not b:
            break
        got += b
    return bytes(got)


def dechunk(data):
    """The body of a chunked transfer and whether it ended properly."""
    out = bytearray()
    at = 0
    while True:
        nl = data.find(b"\r\n", at)
        if nl < 0:
            return bytes(out), False
        size = int(data[at:nl].split(b";")[0] or b"0", 16)
        at = nl + 2
        if size == 0:
            return bytes(out), data[at:at + 2] == b"\r\n"
        if len(data) < at + size + 2:
            out += data[at:]
            return bytes(out), False
        out += data[at:at + size]
        at += size + 2


def report(got, dest):
    head, _, rest = got.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = lines[0].split(" ")[1] if lines and " " in lines[0] else "none"
    chunked = any(
        l.lower().startswith("transfer-encoding:") and "chunked" in l.lower()
        for l in lines[1:]
    )
    if chunked:
        body, complete = dechunk(rest)
    else:
        length = [l for l in lines[1:] if l.lower().startswith("content-length:")]
        body = rest
        complete = bool(length) and int(length[0].split(":")[1]) == len(rest)
    with open(dest, "wb") as f:
        f.write(body)
    print(status, "chunked" if chunked else "length",
          "complete" if complete else "cut")


def main():
    port, cred, method, path, bodyfile, mode = sys.argv[1:7]
    with open(bodyfile, "rb") as f:
        body = f.read()
    s = request(int(port), cred, method, path, body)
    if mode == "whole":
        report(read_all(s, b""), sys.argv[7])
        return
    want = int(sys.argv[7])
    got = bytearray()
    while len(got) < want:
        b = s.recv(min(4096, want - len(got)))
        if not b:
            break
        got += b
    print("stalled", flush=True)
    line = sys.stdin.readline().split()
    if not line or line[0] == "close":
        s.close()
        return
    report(read_all(s, got), line[1])


main()
