#!/usr/bin/python3
"""Run SyncEvolution's own SyncML server (syncevo-http-server, Debian
package syncevolution-http) for tests: bound to 127.0.0.1 (the script
listens on every interface) and started with /usr/bin/python3 (its first
line is an unsubstituted '#!@PYTHON@').

  syncevo-server.py http://127.0.0.1:PORT/syncevolution
Needs a session D-Bus in DBUS_SESSION_BUS_ADDRESS (syncevo-dbus-server is
started by D-Bus activation) and a server-side peer configuration listing
the client's device id (remoteDeviceId)."""
import runpy
import sys

from twisted.internet import gireactor

gireactor.install()
from twisted.internet import reactor  # noqa: E402

listen = reactor.listenTCP


def loopback(port, factory, backlog=50, interface=""):
    return listen(port, factory, backlog, interface="127.0.0.1")


reactor.listenTCP = loopback
gireactor.install = lambda *a, **k: None  # the script installs it again
sys.argv = ["syncevo-http-server"] + sys.argv[1:]
runpy.run_path("/usr/bin/syncevo-http-server", run_name="__main__")
