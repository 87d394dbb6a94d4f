#!/usr/bin/python3
"""Run a SyncML test client and keep every reply body it receives.

  record.py OUTDIR SCRIPT [ARGS...]
Runs SCRIPT (smlclient.py, replay.py, phones.py: any client that posts
with urllib.request.urlopen) as __main__ with ARGS, and writes each HTTP
reply body, exactly as received and before any WBXML decoding, to
OUTDIR/NNNN.xml or OUTDIR/NNNN.wbxml (by the reply's Content-Type),
NNNN counting from 0001 and continuing after files already in OUTDIR. The
client itself is not changed: only urlopen is wrapped.
"""
import io
import os
import runpy
import sys
import urllib.request

out = sys.argv[1]
script = sys.argv[2]
os.makedirs(out, exist_ok=True)
seq = [len(os.listdir(out))]
real_urlopen = urllib.request.urlopen


class Reply:
    """The reply as the client sees it, its body read once and kept."""

    def __init__(self, r):
        self.r = r
        self.headers = r.headers
        self.status = r.status
        self.body = r.read()
        seq[0] += 1
        ext = "wbxml" if "wbxml" in r.headers.get("Content-Type", "") \
            else "xml"
        with open(os.path.join(out, "%04d.%s" % (seq[0], ext)), "wb") as f:
            f.write(self.body)
        self.stream = io.BytesIO(self.body)

    def read(self, *a):
        return self.stream.read(*a)

    def getcode(self):
        return self.status

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.r.close()
        return False


def urlopen(*a, **kw):
    return Reply(real_urlopen(*a, **kw))


urllib.request.urlopen = urlopen
sys.argv = [script] + sys.argv[3:]
sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
runpy.run_path(script, run_name="__main__")
