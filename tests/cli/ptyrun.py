#!/usr/bin/env python3
"""Run a command with stdin, stdout and stderr on a fresh pseudo-terminal
(80 columns) and print all it wrote; exit with its status.
   ptyrun.py [--stderr-only | --slow-stdout] COMMAND...
With --stderr-only only standard error is the terminal (standard output
goes to /dev/null), so what appears is what was written to stderr; with
--slow-stdout standard output is a pipe read 16 KB every 20 ms (a slow
consumer, so that quick work lasts long enough for a bar)."""
import fcntl
import os
import pty
import struct
import sys
import termios
import threading
import time

args = sys.argv[1:]
stderr_only = bool(args) and args[0] == "--stderr-only"
slow = bool(args) and args[0] == "--slow-stdout"
if stderr_only or slow:
    args = args[1:]
if slow:
    rfd, wfd = os.pipe()
pid, fd = pty.fork()
if pid == 0:
    if slow:
        os.close(rfd)
        os.dup2(wfd, 1)
        os.close(wfd)
    if stderr_only:
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 1)
        os.dup2(null, 0)
    os.execvp(args[0], args)
def drain():
    while os.read(rfd, 16384):
        time.sleep(0.02)


if slow:
    os.close(wfd)
    threading.Thread(target=drain, daemon=True).start()
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
out = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status))
