#!/usr/bin/python3
"""Model-based convergence test: real clients against the real server.

  converge.py [--seed S] [--rounds R] [--clients a,b,...|all] [--build DIR]
              [--srcdir DIR] [--people N] [--log FILE] [--keep]
              [--progress N] [--keep-going]
  diagnosis:  [--dump] [--server-arg ARG]... [--skip-events e,...]
              [--ldap-ignore attr,...]
              [--spread-addrs]

Starts orgbook-server on a loopback port (kernel-chosen) with its own
SQLite database and a generated directory: a unit tree seven levels deep
with long Chinese names (their ORG lines cross quoted-printable soft line
breaks and 75-octet folds at every offset), photos for some people, one
account per client. Every round:

  1. one to three random directory operations through orgbook-admin: add,
     edit (name, phonetic names, title, each phone type, e-mail, address,
     note, photo), delete, hide/unhide, move a person, add/rename/move a
     unit;
  2. one client (the round's client is drawn from the seed and the round
     number alone, so --clients only filters; see below) gets one random
     event: a two-way sync; an edit, delete or add of the user's own card
     followed by a sync; a restore of an earlier snapshot of the client
     (its data and, for SyncEvolution, its config and anchors: the server
     must answer 508 and slow-sync) and a sync; a session broken after k
     messages by the relay every client talks through (the request
     dropped, the reply dropped after the server acted on it, or the
     client SIGKILLed while its request is in flight) and then a normal
     sync; a refresh-from-server (which drops the user's own cards: the
     user asked for the server's data);
  3. after every completed sync the invariant: the client's cards equal
     the directory's export for the tenant (tests/interop/cardcompare.py,
     every property the client stores), each person exactly once, and the
     user's own cards present exactly once with the content last given;
     and the directory's export against the test's own model, so a store
     defect that both sides carry cannot pass: every visible person
     exactly once, each with the ORG and CATEGORIES that the person's unit
     path in the model gives (the path follows every unit rename and move
     the test made), checked with every client check and, in a round
     whose client is not in the run, after the directory operations;

  4. after every round, when orgbook-server has the LDAP listener (it
     knows the "ldap" setting), an LDAP search of the whole tenant (its
     base, subtree, (objectClass=inetOrgPerson), every user attribute)
     equals the directory's view: its JSON export as the LDAP entries
     tests/interop/ldif.py writes (ldap/dir.h's tree), every attribute
     value, and the model's visible people each at the DN of its unit
     path. A server without the setting runs without this check (logged).

The only exceptions are the rows of the comparator's one table (CLIENTS in
tests/interop/cardcompare.py), each with the client's own log line or
stored card as evidence; they are logged at the start of every run.

Reproducible: the directory operations of round r depend only on (seed, r),
a client's event in round r only on (seed, r, client). --clients X replays
exactly the directory history and X's events of a full run, so a failure
prints a one-client replay command. Every operation is logged (--log, and
the last ones are printed on failure). Exit 0 when every check held.
--keep-going (make soak) counts a failure, refreshes that client and goes
on. --dump keeps every SyncML message in TMP/wire/. Loopback only; every
client run has a timeout.
"""
import argparse
import hashlib
import importlib.util
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # the source tree may be read-only (distcheck)
TENANT = "conv"
COMPANY = "收敛测试集团"  # the enterprise's display name: ORG's first component

# The clients. kind "se": SyncEvolution 2.0 (Synthesis engine, file
# backend); kind "agent": orgbook-agent; CardDAV (the whole-directory book
# /dav/books/all/): kind "vdir": vdirsyncer (filesystem storage, the book
# read_only), kind "sedav": SyncEvolution's CardDAV backend in a local sync
# with a file backend. Each has its own account and device id.
CLIENTS = {
    # fresh client, MD5 (challenged with an empty nonce), vCard 3.0, XML
    "se-xml-30-md5": dict(kind="se", fmt="text/vcard", wbxml=0,
                          auth="md5", msg=0),
    "se-wbxml-21-basic-10k": dict(kind="se", fmt="text/x-vcard", wbxml=1,
                                  auth="basic", msg=10240),
    "se-wbxml-30-md5-10k": dict(kind="se", fmt="text/vcard", wbxml=1,
                                auth="md5", msg=10240),
    "se-xml-21-basic": dict(kind="se", fmt="text/x-vcard", wbxml=0,
                            auth="basic", msg=0),
    "agent-xml": dict(kind="agent", wbxml=0, msg=0),
    "agent-wbxml-md5-10k": dict(kind="agent", wbxml=1, md5=1, msg=10240),
    "dav-vdir": dict(kind="vdir"),
    "dav-se": dict(kind="sedav", fmt="text/vcard"),
}
ALL = list(CLIENTS)

# Events and their weights. own-* need a client that keeps cards of its
# own: orgbook-agent is a read-only copy of the directory (no command adds
# or edits a card), so it never gets them; nor does SyncEvolution's CardDAV
# backend, which uploads a new local card to the book (our 403) and fails
# the sync for it. Nor does vdirsyncer: a card added to a read_only pair
# is kept by the sync that finds it (the upload skipped, exit 0) and
# deleted by the next one, which takes it for a card the server deleted
# (seed 2026, round 27: "own card: OWN-21 张三的朋友: missing on the
# client" one sync after "own card added"). A read-only book is no place
# for the user's own cards; README says so.
EVENTS = [("sync", 5), ("own-add", 2), ("own-edit", 2), ("own-delete", 1),
          ("restore", 2), ("kill", 2), ("refresh", 1)]
OWN_EVENTS = ("own-add", "own-edit", "own-delete")
OWN_KINDS = ("se",)
# vdirsyncer's restore from a backup: its filesystem storage's etag of a
# card is the file's mtime and inode, so every restored file looks edited,
# and vdirsyncer keeps an edited card that the server deleted (it never
# deletes a modified item, whatever conflict_resolution says): seed 2026,
# round 21, "黄芳: extra on the client" after a restore, its status row
# left with a local href and no remote one. The client's own choice, not
# a wrong answer of ours: vdirsyncer gets no restore events.
NO_RESTORE_KINDS = ("vdir",)
DAV_KINDS = ("vdir", "sedav")

# Properties a client cannot store: ONE table, CLIENTS in
# tests/interop/cardcompare.py (each row with the client's own log line or
# stored card as evidence), applied by its compare(). This test adds no
# row and skips nothing; it logs the rows in force at the start of a run.

# Units: seven levels at the deepest, names of 2 to 12 characters so that
# the ORG and CATEGORIES lines of their people cross line folds and
# quoted-printable soft breaks at every offset within a UTF-8 sequence.
UNITS = [
    "集团总部/总裁办公室",
    "集团总部/研发中心/平台技术部/基础架构事业群/分布式存储研究院/数据库内核小组/性能优化攻坚小分队",
    "集团总部/研发中心/平台技术部/基础架构事业群/分布式存储研究院/对象存储组",
    "集团总部/研发中心/平台技术部/网络与安全部/零信任接入组/终端适配小组",
    "集团总部/研发中心/客户端部/移动应用组/安卓开发小组/兼容性测试组",
    "集团总部/研发中心/客户端部/移动应用组/苹果系统开发小组",
    "集团总部/销售部/华东大区/上海分公司/浦东新区营业部/陆家嘴金融客户组",
    "集团总部/销售部/华南大区/深圳分公司/南山科技园营业部",
    "集团总部/人力资源部/招聘与人才发展中心/校园招聘组",
    "集团总部/财务部/会计核算中心/应收应付组/华东片区小组/票据组",
    "行政部",
]
FAMILY = ["王", "李", "张", "刘", "陈", "欧阳", "司马", "诸葛", "上官", "黄"]
GIVEN = ["伟", "芳", "秀英", "建国", "晓东", "海燕", "志强", "梓轩",
         "思远", "雨桐", "子涵浩然", "欣怡梦琪雅"]
TITLES = ["工程师", "高级工程师", "资深技术专家兼首席架构师", "产品经理",
          "部门经理", "总监", "Sales Manager", "行政助理", ""]
STREETS = ["浦东新区世纪大道100号环球金融中心七十八层", "朝阳区建国路88号",
           "南山区科技园南路16号", "滨江区网商路699号一号楼三单元"]
NOTES = ["", "分机值班: 周一至周五", "负责华东区大客户的售前技术支持与方案设计，"
         "以及每季度的客户回访和满意度调查，紧急事务请拨打手机。",
         "Out of office 12–24 Dec"]
UNIT_WORDS = ["测试组", "项目管理办公室", "创新实验室", "质量保证与持续交付小组",
              "运维", "数据平台", "国际业务拓展部欧洲区"]
UNIT_RENAMES = ["改名组", "重组后的平台研发支持中心", "新部门", "临时项目攻坚组"]


def png(w, h, seed):
    """A valid PNG of w x h pixels whose bytes depend on seed."""
    import struct
    import zlib
    rnd = random.Random(seed)
    raw = b"".join(b"\0" + bytes(rnd.getrandbits(8) for _ in range(w * 3))
                   for _ in range(h))

    def ck(t, d):
        return (struct.pack(">I", len(d)) + t + d +
                struct.pack(">I", zlib.crc32(t + d) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" +
            ck(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            ck(b"IDAT", zlib.compress(raw, 9)) + ck(b"IEND", b""))


def rng(*parts):
    """A random stream that depends only on parts (not on Python's hash
    randomisation), so rounds and clients draw independently."""
    h = hashlib.sha256(repr(parts).encode()).digest()
    return random.Random(int.from_bytes(h[:8], "big"))


def load_comparator(srcdir):
    """tests/interop/cardcompare.py: its compare() when it has one, else a
    thin wrapper over read_all() (the older module runs main() when loaded;
    the definitions before that call are kept)."""
    path = os.path.join(srcdir, "tests", "interop", "cardcompare.py")
    spec = importlib.util.spec_from_file_location("cardcompare", path)
    mod = importlib.util.module_from_spec(spec)
    argv = sys.argv
    sys.argv = [path]
    try:
        spec.loader.exec_module(mod)
    except (SystemExit, IndexError):
        pass
    finally:
        sys.argv = argv
    if hasattr(mod, "compare"):
        return mod.compare, "cardcompare.compare", mod
    import collections

    def compare(want_text, have_texts, client, ignore_fn=()):
        want = collections.Counter(mod.read_all(want_text))
        have = collections.Counter()
        for t in have_texts:
            for k in mod.read_all(t):
                if k[0] not in ignore_fn:
                    have[k] += 1
        out = ["missing on the client: %s" % (k,)
               for k in sorted((want - have).elements())]
        out += ["extra on the client: %s" % (k,)
                for k in sorted((have - want).elements())]
        return out
    return compare, "cardcompare.read_all (fallback)", mod


class Failure(Exception):
    pass


class ModelFailure(Failure):
    """The directory's export differs from the model: the store is wrong,
    so no client refresh can recover; the run stops even with
    --keep-going."""


class Proxy:
    """A loopback HTTP relay between the clients and the server. It keeps
    the client's Host header, so the server's RespURI points back here and
    every message of a session passes through it. Armed with (k, how), it
    lets k requests through and then breaks the session at request k + 1:
      drop-request  close the connection without forwarding it;
      drop-reply    forward it (the server acts on it) but close the
                    connection instead of answering;
      kill          forward nothing and tell the test, which sends the
                    client SIGKILL while its request is in flight.
    Counts the requests of the current sync in .count."""

    def __init__(self, upstream_port, dump=None):
        import http.client
        import http.server
        import socketserver
        import threading
        self.up = upstream_port
        self.dump = dump
        self.src = None      # source address towards the server
        self.seq = 0
        self.arm = None
        self.count = 0
        self.hit = threading.Event()
        self.release = threading.Event()
        px = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 120

            def log_message(self, *a):
                pass

            def do_POST(self):
                self.relay()

            # CardDAV clients: every method the same way
            do_GET = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = do_POST

            def do_PROPFIND(self):
                self.relay()

            do_REPORT = do_PROPPATCH = do_MKCOL = do_MOVE = do_PROPFIND

            def relay(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                px.count += 1
                px.save("req", body)
                how = None
                if px.arm and px.count == px.arm[0] + 1:
                    how = px.arm[1]
                    px.arm = None
                if how == "kill":
                    px.hit.set()
                    px.release.wait(60)
                    self.close_connection = True
                    return
                if how == "drop-request":
                    self.close_connection = True
                    return
                hdrs = {k: v for k, v in self.headers.items()
                        if k.lower() not in ("connection", "keep-alive",
                                             "transfer-encoding",
                                             "content-length")}
                c = http.client.HTTPConnection(
                    "127.0.0.1", px.up, timeout=300,
                    source_address=(px.src, 0) if px.src else None)
                try:
                    c.request(self.command, self.path, body, hdrs)
                    r = c.getresponse()
                    data = r.read()
                finally:
                    c.close()
                px.save("reply", data)
                if how == "drop-reply":
                    self.close_connection = True
                    return
                self.send_response(r.status)
                for k, v in r.getheaders():
                    if k.lower() not in ("connection", "keep-alive",
                                         "transfer-encoding",
                                         "content-length", "date",
                                         "server"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

        class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.srv = S(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def save(self, what, body):
        """--dump: every message body in DIR/NNNNN-req|reply.xml|.wbxml"""
        if not self.dump:
            return
        self.seq += 1
        ext = "xml" if body[:1] == b"<" else "wbxml"
        with open(os.path.join(self.dump, "%05d-%s.%s" % (
                self.seq, what, ext)), "wb") as fh:
            fh.write(body)

    def reset(self, arm=None):
        self.count = 0
        self.arm = arm
        self.hit.clear()
        self.release.clear()

    def close(self):
        self.release.set()
        self.srv.shutdown()


class Run:
    def __init__(self, a):
        self.a = a
        self.b = os.path.abspath(a.build)
        self.src = os.path.abspath(a.srcdir)
        self.admin = os.path.join(self.b, "admin", "orgbook-admin")
        self.server = os.path.join(self.b, "server", "orgbook-server")
        self.agent = os.path.join(self.b, "agent", "orgbook-agent")
        self.shim = os.path.join(self.b, "tests", "interop", "curl-shim.so")
        self.tmp = tempfile.mkdtemp(prefix="converge.")
        self.db = os.path.join(self.tmp, "orgbook.db")
        self.logf = open(a.log or os.path.join(self.tmp, "ops.log"), "w",
                         encoding="utf-8")
        self.tail = []
        self.vg = os.environ.get("OB_VALGRIND") == "1"
        self.spid = None
        self.compare, self.cmp_name, self.cmp_mod = load_comparator(self.src)
        self.skip = set(a.skip_events.split(",")) if a.skip_events else set()
        self.people = {}       # uid -> unit path (model of the directory)
        self.hidden = set()
        self.units = []        # every unit path, sorted (model)
        self.nuid = 0
        self.own = {c: {} for c in ALL}      # client -> FN -> card text
        self.snaps = {c: [] for c in ALL}
        self.failures = []     # --keep-going: (round, client, message)
        self.dead = set()      # --keep-going: clients that could not recover
        self.msgs = {}
        self.nsync = {}        # client -> completed syncs
        self.stats = dict(rounds=0, syncs=0, checks=0, model=0, events={},
                          ldap=0)
        self.ldap_port = None
        self.ldap_on = self.server_has_ldap()
        self.env = dict(os.environ)
        home = os.path.join(self.tmp, "home")
        self.env.update(HOME=home, XDG_CONFIG_HOME=home + "/.config",
                        XDG_DATA_HOME=home + "/.local/share",
                        XDG_CACHE_HOME=home + "/.cache")
        os.makedirs(home)

    # -- logging ----------------------------------------------------------
    def log(self, msg):
        line = "%7.2f %s" % (time.time() - self.t0, msg)
        self.logf.write(line + "\n")
        self.logf.flush()
        self.tail.append(line)
        del self.tail[:-60]

    # -- processes -----------------------------------------------------
    def ob(self, *args, ok=(0,), stdin=None):
        r = subprocess.run([self.admin, "--db", self.db] + list(args),
                           input=stdin, capture_output=True, timeout=120)
        if r.returncode not in ok:
            raise Failure("orgbook-admin %s: exit %d: %s" % (
                " ".join(args), r.returncode,
                r.stderr.decode(errors="replace").strip()))
        return r.stdout.decode()

    def server_has_ldap(self):
        """Does this orgbook-server have the LDAP listener? Only a server
        that does not know the "ldap" setting lacks it: any other
        failure to start with LDAP on fails the run later."""
        r = subprocess.run([self.server, "--ldap", "yes", "--port", "bogus"],
                           capture_output=True, timeout=30)
        return b"unknown setting 'ldap'" not in r.stderr

    def start_server(self):
        ports = os.path.join(self.tmp, "ports")
        cmd = [self.server, "--db", self.db, "--listen", "127.0.0.1",
               "--port", "0", "--admin-port", "off", "--port-file", ports,
               "--max-photo", "262144", "--carddav-max-photo", "262144"] + \
            self.a.server_arg
        if self.ldap_on:
            cmd += ["--ldap", "yes", "--ldap-listen", "127.0.0.1",
                    "--ldap-port", "0"]
        if self.vg:
            cmd = ["valgrind", "--quiet", "--error-exitcode=99",
                   "--leak-check=full", "--errors-for-leak-kinds=definite",
                   "--log-file=%s/vg.%%p" % self.tmp] + cmd
        self.slog = open(os.path.join(self.tmp, "server.log"), "ab")
        self.spid = subprocess.Popen(cmd, stderr=self.slog)
        for _ in range(600):
            if os.path.exists(ports) and os.path.getsize(ports):
                break
            if self.spid.poll() is not None:
                raise Failure("the server exited %d" % self.spid.returncode)
            time.sleep(0.1)
        else:
            raise Failure("the server did not start")
        words = open(ports).read().split()
        port = int(words[0])
        if self.ldap_on:
            if len(words) < 3:
                raise Failure("LDAP is on but the port file has no LDAP "
                              "port: %r" % " ".join(words))
            self.ldap_port = int(words[2])
        dump = None
        if self.a.dump:
            dump = os.path.join(self.tmp, "wire")
            os.makedirs(dump)
        self.proxy = Proxy(port, dump)
        self.url = "http://127.0.0.1:%d/sync" % self.proxy.port
        self.base = "http://127.0.0.1:%d/" % self.proxy.port

    def stop_server(self):
        if getattr(self, "proxy", None):
            self.proxy.close()
            self.proxy = None
        if self.spid and self.spid.poll() is None:
            self.spid.terminate()
            try:
                rc = self.spid.wait(60)
            except subprocess.TimeoutExpired:
                self.spid.kill()
                rc = -9
            self.spid = None
            return rc
        return None

    # -- the LDAP view ------------------------------------------------------
    def check_ldap(self, what):
        """Invariant 4: the whole tenant over LDAP equals the directory's
        export as ldif.py's entries and the model's visible people."""
        if not self.ldap_port:
            return
        if getattr(self, "lcmp", None) is None:
            sys.path.insert(0, os.path.join(self.src, "tests", "interop"))
            import ldapcompare  # noqa: E402 (ldap3 and ldif.py)
            self.lcmp = ldapcompare
        lc = self.lcmp
        export = json.loads(self.ob("export", "--tenant", TENANT, "--format",
                                    "json", "--no-photos"))
        base = "dc=" + TENANT
        want = {}
        for dn, a in lc.ldif.entries(export, TENANT, base, COMPANY):
            if "inetOrgPerson" in a["objectClass"]:
                want[lc.dn_key(dn)] = lc.shape(dn, a, ["*"], False)
        try:
            conn = lc.connect("ldap://127.0.0.1:%d" % self.ldap_port,
                              "ldap-check@conv", "pw-ldap-check")
            rc, got, _ = lc.server_search(conn, base, "sub",
                                          "(objectClass=inetOrgPerson)",
                                          ["*"], False, 0)
            conn.unbind()
        except Exception as e:  # the ldap3 client's errors
            raise Failure("ldap: after %s: %s" % (what, e))
        ign = {x.lower() for x in self.a.ldap_ignore.split(",") if x}
        for side in (want, got):
            for e in side.values():
                for x in ign:
                    e["attrs"].pop(x, None)
        why = [] if rc == 0 else ["result code %d" % rc]
        why += lc.diff(want, got, limit=6)
        visible = {u: p for u, p in self.people.items()
                   if u not in self.hidden}
        seen = {}
        for k, e in got.items():
            uid = (e["attrs"].get("uid") or [""])[0]
            seen[uid] = e["dn"]
        for uid in sorted(set(visible) - set(seen))[:6]:
            why.append("model: %s (unit %s) not over LDAP" % (
                uid, visible[uid] or "none"))
        for uid in sorted(set(seen) - set(visible))[:6]:
            why.append("model: %s over LDAP but %s in the model" % (
                uid, "hidden" if uid in self.hidden else "absent"))
        for uid in sorted(set(seen) & set(visible)):
            units = [x for x in (visible[uid] or "").split("/") if x]
            want_dn = ",".join(["uid=" + lc.ldif.dn_escape(uid)] +
                               ["ou=" + lc.ldif.dn_escape(u)
                                for u in reversed(units)] + [base])
            if lc.dn_key(want_dn) != lc.dn_key(seen[uid]) and len(why) < 20:
                why.append("model: %s at %s, the model's unit path gives "
                           "%s" % (uid, seen[uid], want_dn))
        self.stats["ldap"] += 1
        if why:
            raise Failure("ldap: after %s the tenant over LDAP is not the "
                          "directory:\n  " % what + "\n  ".join(why))
        self.log("ldap: %s: %d people equal the export and the model" % (
            what, len(got)))

    # -- the directory ------------------------------------------------------
    def new_uid(self):
        self.nuid += 1
        return "cv-%05d" % self.nuid

    def person_fields(self, r, full):
        """Random orgbook-admin person flags; full: every field."""
        f = []
        fam, giv = r.choice(FAMILY), r.choice(GIVEN)
        if r.random() < 0.15:
            giv = giv + "·" + r.choice(["Alexander", "玛丽亚", "Søren"])
        if full or r.random() < 0.3:
            f += ["--name", fam + giv, "--family", fam, "--given", giv]
            if r.random() < 0.7:
                f += ["--phonetic-family", "py%d" % r.randint(0, 99),
                      "--phonetic-given", "gv%d" % r.randint(0, 99)]
        if full or r.random() < 0.3:
            f += ["--title", r.choice(TITLES)]
        if full or r.random() < 0.35:
            # the phones given replace all of a person's phones
            k = [r.choice([0, 0, 1, 1, 2]) for _ in range(4)]
            if not sum(k):
                k[1] = 1
            for flag, m in zip(("--work", "--cell", "--home", "--fax"), k):
                for _ in range(m):
                    f += [flag, "+86 %d %04d %04d" % (
                        r.randint(10, 199), r.randint(0, 9999),
                        r.randint(0, 9999))]
        if full or r.random() < 0.25:
            for _ in range(r.choice([1, 1, 2])):
                f += ["--email", "u%d.%d@conv.example.cn" % (
                    r.randint(0, 9999), r.randint(0, 9))]
        if full or r.random() < 0.2:
            if r.random() < 0.15 and not full:
                f += ["--street", "", "--city", "", "--region", "",
                      "--postcode", "", "--country", ""]
            else:
                f += ["--street", r.choice(STREETS), "--city",
                      r.choice(["上海", "北京", "深圳"]), "--region",
                      r.choice(["上海市", "广东省"]), "--postcode",
                      "%06d" % r.randint(100000, 999999), "--country",
                      r.choice(["中国", "China"])]
        if full or r.random() < 0.2:
            f += ["--note", r.choice(NOTES)]
        return f

    def photo(self, r, tag):
        p = os.path.join(self.tmp, "photo-%s.png" % tag)
        side = r.choice([8, 16, 48]) if r.random() < 0.9 else 90
        with open(p, "wb") as fh:
            fh.write(png(side, side, r.getrandbits(32)))
        return p

    def setup_directory(self):
        self.ob("init")
        self.ob("enterprise", "create", TENANT, "--display", COMPANY,
                "--md5-auth", "yes")
        for c in ALL:
            self.ob("account", "create", "--tenant", TENANT, c + "@conv",
                    "--password-stdin", stdin=b"pw-" + c.encode() + b"\n")
        self.ob("account", "create", "--tenant", TENANT, "ldap-check@conv",
                "--password-stdin", stdin=b"pw-ldap-check\n")
        r = rng(self.a.seed, "setup")
        for u in UNITS:
            self.ob("unit", "add", "--tenant", TENANT, u)
        self.units = sorted({"/".join(u.split("/")[:i + 1])
                             for u in UNITS for i in range(len(u.split("/")))})
        for i in range(self.a.people):
            uid = self.new_uid()
            unit = UNITS[i % len(UNITS)] if i < 2 * len(UNITS) else \
                r.choice(self.units)
            f = self.person_fields(r, full=True)
            if i % 4 == 0:
                f += ["--photo", self.photo(r, uid)]
            if r.random() < 0.05:
                f += ["--hidden", "yes"]
                self.hidden.add(uid)
            self.ob("person", "add", "--tenant", TENANT, "--uid", uid,
                    "--unit", unit, *f)
            self.people[uid] = unit
        self.log("directory: %d people in %d units (deepest %d levels)" % (
            len(self.people), len(self.units),
            max(u.count("/") + 1 for u in self.units)))

    def dir_ops(self, rnd):
        r = rng(self.a.seed, "dir", rnd)
        for _ in range(r.choice([1, 1, 2, 3])):
            n = len(self.people)
            ops = [("add", 3 if n < 150 else 0), ("edit", 6),
                   ("delete", 2 if n > 60 else 0), ("hide", 1),
                   ("move", 2), ("photo", 1), ("unit-add", 0.4),
                   ("unit-rename", 0.6), ("unit-move", 0.4)]
            op = r.choices([o for o, _ in ops], [w for _, w in ops])[0]
            uids = sorted(self.people)
            uid = r.choice(uids)
            if op == "add":
                uid = self.new_uid()
                unit = r.choice(self.units)
                f = self.person_fields(r, full=True)
                if r.random() < 0.3:
                    f += ["--photo", self.photo(r, uid)]
                self.ob("person", "add", "--tenant", TENANT, "--uid", uid,
                        "--unit", unit, *f)
                self.people[uid] = unit
                self.log("dir: add %s in %s" % (uid, unit))
            elif op == "edit":
                f = self.person_fields(r, full=False) or ["--title", "经理"]
                self.ob("person", "update", "--tenant", TENANT, uid, *f)
                self.log("dir: update %s %s" % (uid, " ".join(
                    x for x in f if x.startswith("--"))))
            elif op == "photo":
                p = self.photo(r, uid) if r.random() < 0.8 else ""
                self.ob("person", "update", "--tenant", TENANT, uid,
                        "--photo", p)
                self.log("dir: photo %s %s" % (
                    uid, "set %d bytes" % os.path.getsize(p) if p
                    else "removed"))
            elif op == "delete":
                self.ob("person", "delete", "--tenant", TENANT, uid)
                del self.people[uid]
                self.hidden.discard(uid)
                self.log("dir: delete %s" % uid)
            elif op == "hide":
                h = uid not in self.hidden
                self.ob("person", "update", "--tenant", TENANT, uid,
                        "--hidden", "yes" if h else "no")
                (self.hidden.add if h else self.hidden.discard)(uid)
                self.log("dir: %s %s" % ("hide" if h else "unhide", uid))
            elif op == "move":
                unit = r.choice(self.units)
                self.ob("person", "move", "--tenant", TENANT, uid, unit)
                self.people[uid] = unit
                self.log("dir: move %s to %s" % (uid, unit))
            elif op == "unit-add":
                parent = r.choice([u for u in self.units
                                   if u.count("/") < 7])
                u = parent + "/" + r.choice(UNIT_WORDS) + str(rnd)
                if u in self.units:
                    continue  # drawn twice in one round: it exists
                self.ob("unit", "add", "--tenant", TENANT, u)
                self.units.append(u)
                self.units.sort()
                self.log("dir: unit add %s" % u)
            elif op == "unit-rename":
                u = r.choice(self.units)
                new = r.choice(UNIT_RENAMES) + str(rnd)
                if "/".join(u.split("/")[:-1] + [new]) in self.units:
                    continue  # a sibling of that name exists
                self.ob("unit", "rename", "--tenant", TENANT, u, new)
                self.reparent(u, "/".join(u.split("/")[:-1] + [new]))
                self.log("dir: unit rename %s to %s" % (u, new))
            elif op == "unit-move":
                u = r.choice([x for x in self.units if "/" in x])
                depth = max(x.count("/") - u.count("/") for x in self.units
                            if x == u or x.startswith(u + "/"))
                targets = [x for x in self.units
                           if x != u and not x.startswith(u + "/") and
                           x != u.rsplit("/", 1)[0] and
                           x.count("/") + depth < 8 and
                           x + "/" + u.rsplit("/", 1)[1] not in self.units]
                if not targets:
                    continue
                t = r.choice(targets)
                self.ob("unit", "move", "--tenant", TENANT, u, t)
                self.reparent(u, t + "/" + u.rsplit("/", 1)[1])
                self.log("dir: unit move %s under %s" % (u, t))

    def reparent(self, old, new):
        def mv(p):
            if p == old:
                return new
            if p.startswith(old + "/"):
                return new + p[len(old):]
            return p
        self.units = sorted(mv(u) for u in self.units)
        for k in self.people:
            self.people[k] = mv(self.people[k])

    # -- the model invariant -------------------------------------------
    @staticmethod
    def unit_props(unit):
        """ORG and CATEGORIES of a person in unit, as lib/dircard/card.c
        (dcard_person_to_contact) derives them from the unit path: ORG is
        the company, then one component per level of the path; CATEGORIES
        one item, the whole path with its slashes. A person in no unit has
        ORG the company alone and no CATEGORIES."""
        if not unit:
            return (COMPANY,), None
        return (COMPANY,) + tuple(unit.split("/")), (unit,)

    def model_diffs(self, export):
        """Differences between the directory's export (read as the
        comparator reads a card: unfolded, quoted-printable and charset
        decoded, unescaped, split into components) and the model: every
        visible person's card exactly once, by UID, with the ORG and
        CATEGORIES of the person's unit path in the model; no other card.
        The client comparison cannot see a wrong path the store hands to
        both the client and the export; this can."""
        try:
            cards = self.cmp_mod.read_all(export)
        except ValueError as e:
            return ["the export does not parse: %s" % e]
        out, seen = [], {}
        for card in cards:
            props = {}
            for p in card:
                props.setdefault(p.name, []).append(p.value)
            uid = (props.get("UID") or [("(no UID)",)])[0][0]
            seen[uid] = seen.get(uid, 0) + 1
            if uid not in self.people or uid in self.hidden:
                continue  # reported below
            unit = self.people[uid]
            for name, want in zip(("ORG", "CATEGORIES"),
                                  self.unit_props(unit)):
                have = props.get(name, [])
                if have != ([want] if want else []):
                    out.append("%s: %s %s, the model has %s (unit %s)" % (
                        uid, name,
                        " | ".join(";".join(v) for v in have) or "absent",
                        ";".join(want) if want else "none", unit or "none"))
        for uid in sorted(seen):
            if uid not in self.people:
                out.append("%s: in the export %d times, not in the model"
                           % (uid, seen[uid]))
            elif uid in self.hidden:
                out.append("%s: in the export, hidden in the model" % uid)
            elif seen[uid] > 1:
                out.append("%s: in the export %d times" % (uid, seen[uid]))
        for uid in sorted(set(self.people) - self.hidden - set(seen)):
            out.append("%s: visible in the model (unit %s), not in the "
                       "export" % (uid, self.people[uid] or "none"))
        return out

    def unit_diffs(self):
        """The store's unit tree (orgbook-admin unit list: one unit a
        line, two spaces of indent a level, "NAME (N)") against the
        model's unit paths: a unit renamed or moved wrongly with nobody
        visible in or below it shows in no card, but shows here."""
        out = self.ob("unit", "list", "--tenant", TENANT)
        stack, have = [], set()
        for line in out.splitlines():
            if not line.strip():
                continue
            depth = (len(line) - len(line.lstrip(" "))) // 2
            name = re.sub(r" \(\d+\)$", "", line.strip())
            del stack[depth:]
            stack.append(name)
            have.add("/".join(stack))
        want = set(self.units)
        return (["unit %s: in the store, not in the model" % u
                 for u in sorted(have - want)] +
                ["unit %s: in the model, not in the store" % u
                 for u in sorted(want - have)])

    def check_model(self, export, who, what):
        """The model invariant on one export and on the unit tree; raises
        ModelFailure naming who (a client, so that the replay is its
        one-client run, or "directory")."""
        diffs = self.model_diffs(export) + self.unit_diffs()
        self.stats["model"] += 1
        self.log("%s: model check after %s: %d people in %d units, %d "
                 "differences" % (who, what, len(self.people) -
                                  len(self.hidden), len(self.units),
                                  len(diffs)))
        if diffs:
            for d in diffs[:20]:
                self.log("  " + d)
            raise ModelFailure(
                "%s: after %s the directory's export or unit tree "
                "differs from the model (%d differences):\n  %s" % (
                    who, what, len(diffs),
                    "\n  ".join(d[:400] for d in diffs[:12])))

    # -- clients --------------------------------------------------------
    def cdir(self, c):
        return os.path.join(self.tmp, "c", c)

    def cards_dir(self, c):
        """Where the client keeps its cards (vdirsyncer: one folder per
        book, only "all" here)."""
        if CLIENTS[c]["kind"] == "vdir":
            return os.path.join(self.cdir(c), "all")
        return self.cdir(c)

    def vdir_conf(self, c):
        return os.path.join(self.tmp, "c", c + ".conf")

    def se_ctx(self, c):
        return os.path.join(self.env["XDG_CONFIG_HOME"], "syncevolution", c)

    def setup_client(self, c):
        p = CLIENTS[c]
        d = self.cdir(c)
        os.makedirs(d)
        if p["kind"] == "vdir":
            with open(self.vdir_conf(c), "w") as fh:
                fh.write('[general]\nstatus_path = "%s.status/"\n'
                         '[pair dir]\na = "local"\nb = "server"\n'
                         'collections = ["all"]\n'
                         'conflict_resolution = "b wins"\n'
                         '[storage local]\ntype = "filesystem"\n'
                         'path = "%s/"\nfileext = ".vcf"\n'
                         '[storage server]\ntype = "carddav"\n'
                         'url = "%s"\nusername = "%s@conv"\n'
                         'password = "pw-%s"\nread_only = true\n' % (
                             d, d, self.base, c, c))
            r = subprocess.run(["vdirsyncer", "-c", self.vdir_conf(c),
                                "discover", "dir"], input=b"y\ny\ny\n",
                               capture_output=True, timeout=120)
            if r.returncode:
                raise Failure("%s: vdirsyncer discover: %s" % (
                    c, r.stderr.decode(errors="replace")[-500:]))
            return
        if p["kind"] == "sedav":
            # the CardDAV book in a target context, a local-sync peer in a
            # context of its own with the file backend
            cfgs = (["--configure", "--template", "none", "keyring=no",
                     "username=%s@conv" % c, "password=pw-" + c,
                     "syncURL=" + self.base + "dav/",
                     "preventSlowSync=0", "target-config@t-" + c],
                    ["--configure", "backend=carddav",
                     "database=%sdav/books/all/" % self.base,
                     "target-config@t-" + c, "addressbook"],
                    ["--configure", "--template", "SyncEvolution_Client",
                     "keyring=no", "sync=none",
                     "syncURL=local://@t-" + c, "username=", "password=",
                     "preventSlowSync=0", "printChanges=0", "dumpData=0", "loglevel=2",
                     "maxlogdirs=2", "%s@%s" % (c, c)],
                    ["--configure", "sync=two-way", "backend=file",
                     "database=file://" + d, "databaseFormat=" + p["fmt"],
                     "%s@%s" % (c, c), "addressbook"])
            for args in cfgs:
                r = subprocess.run(["syncevolution"] + args, env=self.env,
                                   capture_output=True, timeout=60)
                if r.returncode:
                    raise Failure("configure %s: %s" % (
                        c, r.stderr.decode(errors="replace")))
            return
        if p["kind"] == "agent":
            args = [self.agent, "--dir", d, "init", "--server", self.url,
                    "--user", c + "@conv", "--password-stdin",
                    "--device", "dev-" + c]
            if p["wbxml"]:
                args.append("--wbxml")
            if p.get("md5"):
                args.append("--md5")
            if p["msg"]:
                args += ["--max-msg", str(p["msg"])]
            subprocess.run(args, input=("pw-%s\n" % c).encode(), check=True,
                           capture_output=True, timeout=60)
            return
        peer = ["syncURL=" + self.url, "username=%s@conv" % c,
                "password=pw-" + c, "deviceId=dev-" + c,
                "RetryDuration=0", "preventSlowSync=0",
                "enableRefreshSync=1",
                "clientAuthType=" + p["auth"], "enableWBXML=%d" % p["wbxml"],
                "printChanges=0", "dumpData=0", "loglevel=2",
                "maxlogdirs=2"]
        if p["msg"]:
            peer.append("maxMsgSize=%d" % p["msg"])
        for args in (["--configure", "--template", "none", "keyring=no"] +
                     peer + ["orgbook@" + c],
                     ["--configure", "backend=file",
                      "database=file://" + d, "databaseFormat=" + p["fmt"],
                      "uri=contacts", "sync=two-way", "orgbook@" + c,
                      "addressbook"]):
            r = subprocess.run(["syncevolution"] + args, env=self.env,
                               capture_output=True, timeout=60)
            if r.returncode:
                raise Failure("configure %s: %s" % (c, r.stderr.decode()))

    def sync_cmd(self, c, mode):
        p = CLIENTS[c]
        if p["kind"] == "vdir":
            if mode == "refresh":
                # the user's "download again": the local copy and the
                # sync state gone, then a sync
                shutil.rmtree(self.cards_dir(c), ignore_errors=True)
                try:
                    os.unlink(os.path.join(self.cdir(c) + ".status", "dir",
                                           "all.items"))
                except FileNotFoundError:
                    pass
                os.makedirs(self.cards_dir(c))
            return ["vdirsyncer", "-c", self.vdir_conf(c), "sync",
                    "dir/all"], None
        if p["kind"] == "sedav":
            m = {"sync": "two-way", "refresh": "refresh-from-remote"}[mode]
            return (["syncevolution", "--sync", m, "%s@%s" % (c, c),
                     "addressbook"], dict(self.env, LD_PRELOAD=self.shim))
        if p["kind"] == "agent":
            cmd = [self.agent, "--dir", self.cdir(c), "sync"]
            if mode == "refresh":
                cmd.append("--refresh")
            if self.vg:
                cmd = ["valgrind", "--quiet", "--error-exitcode=99",
                       "--leak-check=full",
                       "--errors-for-leak-kinds=definite",
                       "--log-file=%s/vg.%%p" % self.tmp] + cmd
            return cmd, None
        env = dict(self.env, LD_PRELOAD=self.shim)
        m = {"sync": "two-way", "refresh": "refresh-from-server"}[mode]
        return (["syncevolution", "--sync", m, "orgbook@" + c,
                 "addressbook"], env)

    def sync(self, c, mode="sync", cut=None):
        """One sync; raises Failure unless it completes. With cut=(k, how)
        the proxy breaks the session after k requests (see Proxy) and the
        sync is expected to fail; returns its exit code."""
        cmd, env = self.sync_cmd(c, mode)
        out = os.path.join(self.tmp, "%s.out" % c)
        mark = os.path.getsize(os.path.join(self.tmp, "server.log"))
        self.proxy.reset(cut)
        if self.a.spread_addrs:
            self.proxy.src = "127.0.0.%d" % (10 + ALL.index(c))
        with open(out, "wb") as fh:
            pr = subprocess.Popen(cmd, env=env or self.env, stdout=fh,
                                  stderr=subprocess.STDOUT)
            if cut is not None and cut[1] == "kill":
                while pr.poll() is None and not self.proxy.hit.wait(0.05):
                    pass
                if self.proxy.hit.is_set():
                    pr.send_signal(signal.SIGKILL)
                self.proxy.release.set()
            try:
                rc = pr.wait(180 if not self.vg else 900)
            except subprocess.TimeoutExpired:
                pr.kill()
                pr.wait()
                raise Failure("%s: %s did not finish (%d messages)" % (
                    c, mode, self.proxy.count))
        if cut is not None:
            broke = self.proxy.arm is None
            self.log("%s: sync broken by %s after %d of %d messages: exit %d"
                     % (c, cut[1], cut[0], self.proxy.count, rc) if broke
                     else "%s: sync ended after %d messages, before the %s "
                     "(exit %d)" % (c, self.proxy.count, cut[1], rc))
            self.proxy.reset()
            if not broke and rc != 0:
                raise Failure("%s: sync exit %d without a break" % (c, rc))
            return rc
        self.msgs[c] = self.proxy.count
        self.nsync[c] = self.nsync.get(c, 0) + 1
        self.stats["syncs"] += 1
        text = open(out, encoding="utf-8", errors="replace").read()
        with open(os.path.join(self.tmp, "server.log"), "rb") as fh:
            fh.seek(mark)
            slog = fh.read().decode(errors="replace")
        lines = [l for l in slog.splitlines() if "dev-" + c in l and
                 ("sync done" in l or "508" in l or "error" in l)]
        self.log("%s: %s exit %d; %s" % (c, mode, rc, " | ".join(
            l.split(" ", 1)[-1][:200] for l in lines[-3:])))
        self.last_slog = slog
        want = "2.1" if CLIENTS[c].get("fmt") == "text/x-vcard" else "3.0"
        for l in lines:
            if "sync done" in l and " vcard=%s " % want not in l:
                raise Failure("%s: the server sent vCard other than %s: %s"
                              % (c, want, l))
        if rc != 0:
            raise Failure("%s: %s exit %d\n%s" % (c, mode, rc,
                                                 "\n".join(text.splitlines()[-15:])))
        return rc

    def client_cards(self, c):
        """The client's cards, one text per stored item."""
        if CLIENTS[c]["kind"] == "agent":
            r = subprocess.run([self.agent, "--dir", self.cdir(c), "export",
                                "--format", "vcf30"], capture_output=True,
                               timeout=120)
            if r.returncode:
                raise Failure("%s: export exit %d" % (c, r.returncode))
            return [r.stdout.decode()]
        d = self.cards_dir(c)
        out = []
        for f in sorted(os.listdir(d)):
            with open(os.path.join(d, f), encoding="utf-8") as fh:
                out.append(fh.read())
        return out

    def check(self, c, what):
        self.stats["checks"] += 1
        want = self.ob("export", "--tenant", TENANT, "--format", "vcf30")
        self.check_model(want, c, what)
        have = self.client_cards(c)
        own = self.own[c]
        mine = [t for t in have if re.search(r"^FN[^:\n]*:OWN-", t, re.M)]
        diffs = self.compare(want, have, self.cmp_client(c),
                             ignore_fn=tuple(own))
        # the user's own cards: exactly the ones last written, once each,
        # as the client stores them (the same table applies)
        diffs += ["own card: " + x for x in self.compare(
            "".join(own.values()), mine, self.cmp_client(c))]
        n = want.count("BEGIN:VCARD")
        self.log("%s: check after %s: %d people, %d own, %d differences" % (
            c, what, n, len(own), len(diffs)))
        if diffs:
            for d in diffs[:20]:
                self.log("  " + d)
            raise Failure("%s: after %s the client differs from the "
                          "directory (%d differences):\n  %s" % (
                              c, what, len(diffs),
                              "\n  ".join(d[:400] for d in diffs[:12])))

    def snapshot(self, c):
        n = len(self.snaps[c])
        s = os.path.join(self.tmp, "snap", "%s.%d" % (c, n))
        shutil.copytree(self.cdir(c), s + "/data", symlinks=True)
        k = CLIENTS[c]["kind"]
        if k == "se":
            shutil.copytree(self.se_ctx(c), s + "/config", symlinks=True)
        elif k == "sedav":
            shutil.copytree(self.se_ctx(c), s + "/config", symlinks=True)
            shutil.copytree(self.se_ctx("t-" + c), s + "/target",
                            symlinks=True)
        elif k == "vdir":
            shutil.copytree(self.cdir(c) + ".status", s + "/status",
                            symlinks=True)
        self.snaps[c].append((s, dict(self.own[c]), self.nsync.get(c, 0)))
        return n

    def restore(self, c, i):
        s, own, _ = self.snaps[c][i]
        shutil.rmtree(self.cdir(c))
        shutil.copytree(s + "/data", self.cdir(c), symlinks=True)
        k = CLIENTS[c]["kind"]
        if k in ("se", "sedav"):
            shutil.rmtree(self.se_ctx(c))
            shutil.copytree(s + "/config", self.se_ctx(c), symlinks=True)
        if k == "sedav":
            shutil.rmtree(self.se_ctx("t-" + c))
            shutil.copytree(s + "/target", self.se_ctx("t-" + c),
                            symlinks=True)
        if k == "vdir":
            shutil.rmtree(self.cdir(c) + ".status", ignore_errors=True)
            shutil.copytree(s + "/status", self.cdir(c) + ".status",
                            symlinks=True)
        self.own[c] = dict(own)

    def own_card(self, c, r, fn):
        v21 = CLIENTS[c].get("fmt") == "text/x-vcard"
        tel = "+49 30 %04d %04d" % (r.randint(0, 9999), r.randint(0, 9999))
        return ("BEGIN:VCARD\r\nVERSION:%s\r\nFN:%s\r\nN:%s;%s;;;\r\n"
                "TEL;%s:%s\r\nEMAIL%s:own%d@example.org\r\nEND:VCARD\r\n" % (
                    "2.1" if v21 else "3.0", fn, fn.split(" ")[0],
                    fn.split(" ")[1], "CELL" if v21 else "TYPE=CELL", tel,
                    ";INTERNET" if v21 else ";TYPE=INTERNET",
                    r.randint(0, 999)))

    def own_file(self, c, fn):
        for f in sorted(os.listdir(self.cards_dir(c))):
            p = os.path.join(self.cards_dir(c), f)
            if re.search(r"^FN[^:\n]*:%s\r?$" % re.escape(fn),
                         open(p, encoding="utf-8").read(), re.M):
                return p
        raise Failure("%s: own card %s is not on the client" % (c, fn))

    def touch_later(self, p):
        # the file backend notices changes by modification time (seconds)
        t = time.time() + 2
        os.utime(p, (t, t))

    def event(self, c, rnd):
        r = rng(self.a.seed, "client", rnd, c)
        evs = [(e, w) for e, w in EVENTS
               if (CLIENTS[c]["kind"] in OWN_KINDS or e not in OWN_EVENTS)
               and e not in self.skip]
        if not self.snaps[c] or CLIENTS[c]["kind"] in NO_RESTORE_KINDS:
            evs = [(e, w) for e, w in evs if e != "restore"]
        if not self.own[c]:
            evs = [(e, w) for e, w in evs if e not in ("own-edit",
                                                       "own-delete")]
        ev = r.choices([e for e, _ in evs], [w for _, w in evs])[0]
        self.stats["events"][ev] = self.stats["events"].get(ev, 0) + 1
        self.log("round %d: %s %s" % (rnd, c, ev))
        if ev == "own-add":
            fn = "OWN-%d %s" % (rnd, r.choice(["自己人", "张三的朋友", "Friend"]))
            p = os.path.join(self.cards_dir(c), "own-%d.vcf" % rnd)
            self.own[c][fn] = self.own_card(c, r, fn)
            with open(p, "w", encoding="utf-8") as fh:
                fh.write(self.own[c][fn])
            self.touch_later(p)
            self.log("%s: own card added: %s" % (c, fn))
        elif ev == "own-edit":
            fn = r.choice(sorted(self.own[c]))
            p = self.own_file(c, fn)
            self.own[c][fn] = self.own_card(c, r, fn)
            with open(p, "w", encoding="utf-8") as fh:
                fh.write(self.own[c][fn])
            self.touch_later(p)
            self.log("%s: own card edited: %s" % (c, fn))
        elif ev == "own-delete":
            fn = r.choice(sorted(self.own[c]))
            os.unlink(self.own_file(c, fn))
            del self.own[c][fn]
            self.log("%s: own card deleted: %s" % (c, fn))
        elif ev == "restore":
            i = r.randrange(len(self.snaps[c]))
            stale = self.snaps[c][i][2] < self.nsync.get(c, 0)
            self.restore(c, i)
            self.log("%s: restored snapshot %d (%s anchors)" % (
                c, i, "stale" if stale else "current"))
        elif ev == "kill":
            k = r.randint(1, max(1, self.msgs.get(c, 2) - 1))
            self.sync(c, "sync", cut=(k, r.choice(
                ["kill", "kill", "drop-request", "drop-reply"])))
        mode = "refresh" if ev == "refresh" else "sync"
        if ev == "refresh" and self.own[c]:
            # refresh-from-server replaces the client's data by the
            # server's at the user's request (OMA DS 1.2 Alert 205):
            # SyncEvolution deletes every local card first ("addressbook |
            # NEW n | MOD 0 | DEL n+own", "refresh-from-remote"), own
            # cards too, and the server keeps none of them. Expected: they
            # are gone, and none comes back later.
            self.log("%s: refresh drops %d own cards" % (c, len(self.own[c])))
            self.own[c] = {}
        self.sync(c, mode)
        if ev == "restore" and CLIENTS[c]["kind"] not in DAV_KINDS:
            dev = re.escape("device=dev-" + c + " ")
            m508 = re.search(dev + r".*slow sync \(508\)", self.last_slog)
            if stale and not m508:
                raise Failure("%s: restored a snapshot older than its last "
                              "sync, but the server did not answer 508" % c)
            if not stale and m508:
                raise Failure("%s: restored its current state, yet the "
                              "server answered 508" % c)
        self.check(c, ev)
        if r.random() < 0.25 or not self.snaps[c]:
            self.log("%s: snapshot %d taken" % (c, self.snapshot(c)))

    def table(self, clients):
        """Log the comparator's rows for the clients of this run."""
        rows = getattr(self.cmp_mod, "CLIENTS", None)
        if rows is None:
            self.log("comparator has no table: every property compared "
                     "as read_all() reads it")
            return
        for k in sorted({self.cmp_client(c) for c in clients}):
            for prop, rule, why in rows.get(k, []):
                self.log("comparator table (%s): %s %s -- %s" % (
                    k, prop, rule, why))

    def cmp_client(self, c):
        return {"se": "syncevolution", "sedav": "syncevolution",
                "vdir": "raw"}.get(CLIENTS[c]["kind"], "agent")

    def main(self):
        a = self.a
        self.t0 = time.time()
        clients = a.clients.split(",") if a.clients != "all" else ALL
        for c in clients:
            if c not in CLIENTS:
                raise SystemExit("unknown client %s (have: %s)" % (
                    c, ", ".join(ALL)))
        self.table(clients)
        self.log("converge.py --seed %d --rounds %d --clients %s, "
                 "comparator %s" % (a.seed, a.rounds, ",".join(clients),
                                   self.cmp_name))
        if not self.ldap_on:
            self.log("orgbook-server has no LDAP listener (no 'ldap' "
                     "setting): the LDAP check is off")
        rnd = 0
        try:
            self.setup_directory()
            self.start_server()
            for c in clients:
                self.setup_client(c)
                self.sync(c, "sync")
                self.check(c, "first sync")
                self.snapshot(c)
            for rnd in range(1, a.rounds + 1):
                self.dir_ops(rnd)
                c = ALL[rng(a.seed, "who", rnd).randrange(len(ALL))]
                if c in clients and c not in self.dead:
                    if not a.keep_going:
                        self.event(c, rnd)
                    else:
                        self.event_or_recover(c, rnd, clients)
                else:
                    # no client check this round: the model one alone
                    self.check_model(self.ob(
                        "export", "--tenant", TENANT, "--format", "vcf30"),
                        "directory", "round %d" % rnd)
                self.stats["rounds"] = rnd
                self.check_ldap("round %d" % rnd)
                if self.dead and self.dead >= set(clients):
                    self.log("no client left in the run")
                    print("# round %d: no client left in the run" % rnd)
                    break
                if a.progress and rnd % a.progress == 0:
                    print("# round %d: %d syncs, %d checks, %d failed, "
                          "%.0f s" % (rnd, self.stats["syncs"],
                                      self.stats["checks"],
                                      len(self.failures),
                                      time.time() - self.t0), flush=True)
            for c in clients:
                if c in self.dead:
                    continue
                self.sync(c, "sync")
                self.check(c, "final sync")
            rc = self.stop_server()
            if rc not in (0, None):
                raise Failure("the server exited %s on SIGTERM" % rc)
            vg = [f for f in os.listdir(self.tmp) if f.startswith("vg.") and
                  os.path.getsize(os.path.join(self.tmp, f))]
            if vg:
                raise Failure("valgrind reports:\n" + open(
                    os.path.join(self.tmp, vg[0])).read()[:3000])
            slog = open(os.path.join(self.tmp, "server.log"),
                        errors="replace").read()
            if "runtime error" in slog or "AddressSanitizer" in slog:
                raise Failure("sanitizer report in the server log")
        except Failure as e:
            self.fail(e, rnd, clients)
            return 1
        finally:
            self.stop_server()
        if self.failures:
            self.report(clients, "FAILED")
            print("-- files kept in %s" % self.tmp)
            return 1
        self.report(clients, "ok")
        if not a.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return 0

    def event_or_recover(self, c, rnd, clients):
        """--keep-going (soak): a failed check is counted with its replay
        command, the client is brought back by a refresh from the server
        (its own cards are dropped with it) and the run goes on. The run
        still exits 1."""
        try:
            self.event(c, rnd)
            return
        except ModelFailure:
            raise
        except Failure as e:
            first = str(e).splitlines()[0]
            self.failures.append((rnd, c, first))
            self.log("FAILED (keep going): %s" % e)
            # a client that failed before was refreshed: its replay needs
            # --keep-going to take the same path
            again = any(f[1] == c for f in self.failures[:-1])
            print("# FAILED round %d: %s\n#   replay: %s --seed %d "
                  "--clients %s --rounds %d --people %d --build %s%s" % (
                      rnd, first, os.path.relpath(os.path.abspath(__file__)),
                      self.a.seed, c, rnd, self.a.people,
                      os.path.relpath(self.b),
                      (" --keep-going" if again else "") +
                      (" --spread-addrs" if self.a.spread_addrs else "")),
                  flush=True)
        self.own[c] = {}
        try:
            self.sync(c, "refresh")
            self.check(c, "recovery refresh")
        except ModelFailure:
            raise
        except Failure as e:
            # e.g. a login the server throttled: the client is out of the
            # run, the others go on
            self.failures.append((rnd, c, "recovery: " +
                                  str(e).splitlines()[0]))
            self.dead.add(c)
            print("# client %s is out of the run: %s" % (
                c, str(e).splitlines()[0]), flush=True)

    def report(self, clients, res):
        s = self.stats
        bad = {f[1] for f in self.failures}
        passed = [c for c in clients if c not in bad]
        print("%s: %d rounds, %d syncs, %d checks (%d failed), %d model "
              "checks, %s, %d of %d clients passed (%s), %.0f s; events %s" % (
                  res, s["rounds"], s["syncs"], s["checks"],
                  len(self.failures), s["model"],
                  "%d LDAP checks" % s["ldap"] if self.ldap_on else
                  "no LDAP listener", len(passed),
                  len(clients),
                  ",".join(passed) or "none", time.time() - self.t0,
                  " ".join("%s=%d" % kv for kv in sorted(s["events"].items()))))
        if bad:
            print("failed clients: %s" % ", ".join(sorted(bad)))

    def fail(self, e, rnd, clients):
        self.log("FAILED: %s" % e)
        print("FAILED in round %d: %s" % (rnd, e))
        print("-- last operations:")
        for l in [l for l in self.tail if l[8:10] != "  "][-30:]:
            print("   " + l[:400])
        print("-- server log (last lines):")
        try:
            for l in open(os.path.join(self.tmp, "server.log"),
                          errors="replace").read().splitlines()[-12:]:
                print("   " + l[:300])
        except OSError:
            pass
        who = re.match(r"([a-z0-9-]+):", str(e))
        one = who.group(1) if who and who.group(1) in CLIENTS else \
            ",".join(clients)
        if who and who.group(1) in CLIENTS:
            self.failures.append((rnd, one, str(e).splitlines()[0]))
        print("-- files kept in %s (ops log %s)" % (self.tmp,
                                                  self.logf.name))
        print("-- replay (from %s): %s --seed %d --clients %s --rounds %d "
              "--people %d --build %s%s" % (
                  os.getcwd(), os.path.relpath(os.path.abspath(__file__)),
                  self.a.seed, one, max(rnd, 0), self.a.people,
                  os.path.relpath(self.b), (" --skip-events " +
                  self.a.skip_events if self.a.skip_events else "") +
                  (" --spread-addrs" if self.a.spread_addrs else "")))
        self.report(clients, "FAILED")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--clients", default="all")
    ap.add_argument("--build", default="build")
    ap.add_argument("--srcdir", default=os.path.join(HERE, "..", ".."))
    ap.add_argument("--people", type=int, default=80)
    ap.add_argument("--log", default=None)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--progress", type=int, default=0)
    ap.add_argument("--keep-going", action="store_true",
                    help="soak: count a failure, refresh the client, go on")
    ap.add_argument("--dump", action="store_true",
                    help="keep every SyncML message in TMP/wire/")
    ap.add_argument("--server-arg", action="append", default=[],
                    help="one more orgbook-server argument (--debug-sync)")
    ap.add_argument("--spread-addrs", action="store_true",
                    help="diagnosis: each client reaches the server from "
                    "its own loopback address (127.0.0.10 + n), as separate "
                    "devices would, instead of all from 127.0.0.1")
    ap.add_argument("--ldap-ignore", default="",
                    help="diagnosis only: leave these attributes (a,b,...) "
                    "out of the LDAP check (never in CI or soak)")
    ap.add_argument("--skip-events", default="",
                    help="diagnosis only: leave these events out (changes "
                    "the random stream; never in CI or soak)")
    a = ap.parse_args()
    if a.seed is None:
        a.seed = int(time.time()) % 100000
    return Run(a).main()


if __name__ == "__main__":
    sys.exit(main())
