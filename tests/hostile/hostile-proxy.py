#!/usr/bin/python3
"""A misbehaving SyncML server for tests/hostile/test-agent-hostile.sh.

  hostile-proxy.py proxy PORTFILE REAL_URL MODE [CERT KEY]
      Listens on 127.0.0.1 (a port the kernel picks, written to PORTFILE
      once it listens), forwards every POST to the real orgbook-server at
      REAL_URL and rewrites its XML reply by MODE:
        pass              the RespURI points back at this proxy
        respuri=TEMPLATE  the RespURI becomes TEMPLATE, where {self} is this
                          proxy's port and {q} the real RespURI's query
        badcards          the first reply with cards gets one malformed
                          card (second card), one over the agent's size
                          cap (fourth card) and one without a server id
                          (sixth card); their server ids go to
                          PORTFILE.refused, one "reason id" a line, and
                          "good id FN" for the third card, left alone
        badchunks         the same, as large objects: the second card in
                          five chunks (over the cap from the fourth), the
                          fourth card one chunk whose rest never comes
      With CERT and KEY it speaks TLS; a connection whose first byte is not
      a TLS handshake is logged to PORTFILE.plain and closed unanswered.
  hostile-proxy.py sink PORTFILE LOG
      Accepts connections on a kernel-chosen port and appends a line per
      connection (and the first bytes received) to LOG: the test asserts
      nothing arrives.
Loopback only; every socket read has a timeout."""
import http.server
import re
import socket
import ssl
import sys
import urllib.request


def sink(portfile, log):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    import os
    os.rename(portfile + ".tmp", portfile)
    while True:
        c, addr = s.accept()
        c.settimeout(2)
        try:
            data = c.recv(200)
        except OSError:
            data = b""
        with open(log, "a") as f:
            f.write("connection from %s: %r\n" % (addr, data))
        c.close()


def proxy(portfile, real, mode, cert=None, key=None):
    import os
    state = {"cards_done": False}
    scheme = "https" if cert else "http"

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 30

        def do_GET(self):
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            query = self.path[len("/sync"):] if self.path.startswith("/sync") else ""
            rq = urllib.request.Request(real + query, data=body, headers={
                "Content-Type": self.headers["Content-Type"]})
            out = urllib.request.urlopen(rq, timeout=30).read().decode("utf-8")
            me = "%s://127.0.0.1:%d/sync" % (scheme, port)
            out = out.replace(real, me)
            if mode.startswith("respuri="):
                tmpl = mode[len("respuri="):]

                def repl(m):
                    q = m.group(1)
                    q = q[q.index("?"):] if "?" in q else ""
                    return "<RespURI>%s</RespURI>" % tmpl.replace(
                        "{self}", str(port)).replace("{q}", q)
                out = re.sub(r"<RespURI>(.*?)</RespURI>", repl, out)
            elif mode == "badcards" and not state["cards_done"]:
                out = bad_cards(out)
            elif mode == "badchunks" and not state["cards_done"]:
                out = bad_chunks(out)
            data = out.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.syncml+xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    def bad_cards(out):
        items = list(re.finditer(
            r"<Item>(?:(?!</Item>).)*?BEGIN:VCARD(?:(?!</Item>).)*</Item>",
            out, flags=re.S))
        if len(items) < 6:
            return out
        state["cards_done"] = True
        refused = []
        for idx, reason in ((5, "noid"), (3, "size"), (1, "malformed")):
            item = items[idx].group(0)
            sid = re.search(r"<Source><LocURI>(.*?)</LocURI>", item).group(1)
            if reason == "noid":
                new = item.replace("<Source><LocURI>%s</LocURI>" % sid,
                                   "<Source><LocURI></LocURI>", 1)
                out = out[:items[idx].start()] + new + out[items[idx].end():]
                refused.append("%s %s" % (reason, sid))
                continue
            if reason == "malformed":
                # line 4 has no colon: the parser names it
                card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Broken\r\n"
                        "THIS LINE HAS NO COLON\r\nN:Broken;;;;\r\n"
                        "END:VCARD\r\n")
            else:
                # well-formed, but 1.2 MB: over the agent's 1 MiB cap
                card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Huge\r\n"
                        "N:Huge;;;;\r\n" + ("NOTE:" + "x" * 60000 + "\r\n") * 20
                        + "END:VCARD\r\n")
            new = re.sub(r"BEGIN:VCARD.*END:VCARD\s*", lambda m: card, item,
                         count=1, flags=re.S)
            out = out[:items[idx].start()] + new + out[items[idx].end():]
            refused.append("%s %s" % (reason, sid))
        good = items[2].group(0)
        fn = re.search(r"\nFN:([^\r\n&]*)", good)
        refused.append("good %s %s" % (
            re.search(r"<Source><LocURI>(.*?)</LocURI>", good).group(1),
            fn.group(1) if fn else ""))
        with open(portfile + ".refused", "w") as f:
            f.write("\n".join(refused) + "\n")
        return out

    def bad_chunks(out):
        # The second card as a large object of five 300 kB chunks (over
        # the cap from the fourth on), the fourth card as one chunk with
        # MoreData followed by the next card (its last chunk never comes).
        items = list(re.finditer(
            r"<Item>(?:(?!</Item>).)*?BEGIN:VCARD(?:(?!</Item>).)*</Item>",
            out, flags=re.S))
        if len(items) < 5:
            return out
        state["cards_done"] = True

        def sid_of(m):
            return re.search(r"<Source><LocURI>(.*?)</LocURI>",
                             m.group(0)).group(1)

        def item(sid, data, more):
            return ("<Item><Source><LocURI>%s</LocURI></Source><Data>%s"
                    "</Data>%s</Item>" % (sid, data,
                                          "<MoreData/>" if more else ""))
        big, half = sid_of(items[1]), sid_of(items[3])
        note = ("NOTE:" + "x" * 59994 + "\r\n") * 5  # 300 kB a chunk
        chunks = ["BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Huge\r\n" + note,
                  note, note, note, note + "END:VCARD\r\n"]
        new_big = "".join(item(big, c, i < 4) for i, c in enumerate(chunks))
        new_half = item(half, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ha", True)
        out = (out[:items[1].start()] + new_big +
               out[items[1].end():items[3].start()] + new_half +
               out[items[3].end():])
        with open(portfile + ".refused", "w") as f:
            f.write("size %s\nmalformed %s\n" % (big, half))
        return out

    class S(http.server.HTTPServer):
        def get_request(self):
            c, addr = self.socket.accept()
            if not cert:
                return c, addr
            c.settimeout(10)
            first = c.recv(1, socket.MSG_PEEK)
            if first != b"\x16":
                with open(portfile + ".plain", "a") as f:
                    f.write("plain text from %s: %r\n" % (addr, c.recv(200)))
                c.close()
                raise OSError("not TLS")
            return ctx.wrap_socket(c, server_side=True), addr

    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
    srv = S(("127.0.0.1", 0), H)
    port = srv.server_address[1]
    with open(portfile + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    if sys.argv[1] == "sink":
        sink(sys.argv[2], sys.argv[3])
    else:
        proxy(*sys.argv[2:])
