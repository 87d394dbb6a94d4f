#!/usr/bin/python3
"""smlclient.py as a real phone behaves behind a load balancer: a message
whose HTTP exchange fails (connection refused or reset, no reply, 502/503/
504 from the proxy) is sent again, the same bytes with the same MsgID, up
to --retries times (default 8) a quarter second apart. Every other option
is smlclient.py's; the result JSON gains "retries" (how many resends).

  retryclient.py SMLCLIENT-OPTIONS... [--retries N]  (anywhere)
"""
import http.client
import io
import json
import os
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import smlclient  # noqa: E402

RETRIES = 8
resent = [0]
_urlopen = urllib.request.urlopen


def urlopen(req, *a, **kw):
    for attempt in range(RETRIES + 1):
        try:
            r = _urlopen(req, *a, **kw)
            # read now: a reset mid-body is a failed exchange too
            body = r.read()
            r.read = lambda body=body: body
            return r
        except urllib.error.HTTPError as e:
            if e.code not in (502, 503, 504) or attempt == RETRIES:
                raise
        except (urllib.error.URLError, http.client.HTTPException,
                ConnectionError, TimeoutError):
            if attempt == RETRIES:
                raise
        resent[0] += 1
        time.sleep(0.25)
    raise AssertionError("not reached")


def main():
    global RETRIES
    args = sys.argv[1:]
    if "--retries" in args:
        i = args.index("--retries")
        RETRIES = int(args[i + 1])
        del args[i:i + 2]
    urllib.request.urlopen = urlopen
    sys.argv = [sys.argv[0]] + args
    out = sys.stdout
    buf = io.StringIO()
    sys.stdout = buf
    try:
        smlclient.main()
    finally:
        sys.stdout = out
    for line in buf.getvalue().splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            print(line)
            continue
        if isinstance(r, dict):
            r["retries"] = resent[0]
        print(json.dumps(r))


if __name__ == "__main__":
    main()
