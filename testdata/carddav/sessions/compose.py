#!/usr/bin/python3
"""Write the recorded sessions: python3 compose.py DIR (this folder).

The requests are the clients' own (README.md names the source of each);
the expected answers follow from RFC 4918 (propstat: 200 for what a
resource has, 404 for the rest, in the order asked), RFC 3744 (read-only
privileges, need-privileges), RFC 5397 (current-user-principal), RFC 6352
(home-set, address-data, supported-address-data), RFC 6578 (members that
changed, 404 members for those that left, the token), RFC 8144 (iOS's
Prefer: return=minimal drops the 404 propstats) and the demo directory's
people (testdata/demo/northwind/people.csv). coll_value() below is that
table. The answers are written in the one serialisation the driver
compares byte for byte: namespace prefixes D, C, CS on the multistatus,
one response per line.
"""
import os, sys
OUT = sys.argv[1]
D = 'xmlns:D="DAV:"'
HDR_MS = '<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav" xmlns:CS="http://calendarserver.org/ns/">\n'
NS = {"DAV:": "D", "urn:ietf:params:xml:ns:carddav": "C", "http://calendarserver.org/ns/": "CS"}
DISPLAY = {"all": "Northwind Traders", "MANAGEMENT": "Northwind Traders - Management",
           "OPERATIONS": "Northwind Traders - Operations", "SALES": "Northwind Traders - Sales"}
PRIVS = "<D:privilege><D:read/></D:privilege><D:privilege><D:read-current-user-privilege-set/></D:privilege>"
REPORTS = ("<D:supported-report><D:report><D:sync-collection/></D:report></D:supported-report>"
           "<D:supported-report><D:report><C:addressbook-multiget/></D:report></D:supported-report>"
           "<D:supported-report><D:report><C:addressbook-query/></D:report></D:supported-report>")
ADDR_TYPES = ('<C:address-data-type content-type="text/vcard" version="3.0"/>'
              '<C:address-data-type content-type="text/vcard" version="4.0"/>')

def el(ns, name, inner=None):
    p = NS.get(ns)
    if p is None:
        return '<X:%s xmlns:X="%s"/>' % (name, ns) if inner is None else None
    return "<%s:%s/>" % (p, name) if inner is None else "<%s:%s>%s</%s:%s>" % (p, name, inner, p, name)

def book_href(b):
    return "/dav/books/all/" if b == "all" else "/dav/books/u%%UNIT_%s%%/" % b

# What each kind of resource has (RFC 4918 15, RFC 3744 5, RFC 5397,
# RFC 6352 6/7, RFC 6578 4); None: not there (404 propstat).
def coll_value(kind, book, ns, name, tok):
    D_, C_, CS_ = "DAV:", "urn:ietf:params:xml:ns:carddav", "http://calendarserver.org/ns/"
    if ns == D_ and name == "resourcetype":
        return {"root": "<D:collection/>", "principal": "<D:principal/><D:collection/>",
                "home": "<D:collection/>", "book": "<D:collection/><C:addressbook/>"}[kind]
    if ns == D_ and name == "displayname":
        return {"root": "Orgbook", "principal": "anna@northwind", "home": "Northwind Traders",
                "book": DISPLAY.get(book)}[kind]
    if ns == D_ and name in ("current-user-principal", "owner"):
        return "<D:href>/dav/principal/</D:href>"
    if ns == D_ and name == "principal-URL":
        return "<D:href>/dav/principal/</D:href>" if kind == "principal" else None
    if ns == D_ and name == "principal-collection-set":
        return "<D:href>/dav/</D:href>"
    if ns == D_ and name == "current-user-privilege-set":
        return PRIVS
    if ns == C_ and name == "addressbook-home-set":
        return "<D:href>/dav/books/</D:href>" if kind == "principal" else None
    if kind != "book":
        return None
    if ns == D_ and name == "supported-report-set":
        return REPORTS
    if (ns == D_ and name == "sync-token") or (ns == CS_ and name == "getctag"):
        return tok
    if ns == C_ and name == "addressbook-description":
        return DISPLAY.get(book)
    if ns == C_ and name == "supported-address-data":
        return ADDR_TYPES
    if ns == C_ and name == "max-resource-size":
        return "196608"  # photo cap 64 KiB * 2 + 64 KiB: what PUT would take, never used
    return None

MINIMAL = [False]
def propstats(found, missing):
    if MINIMAL[0]:
        missing = []  # Prefer: return=minimal (RFC 8144 2.1)
    s = "<D:propstat><D:prop>%s</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>" % "".join(found)
    if missing:
        s += "<D:propstat><D:prop>%s</D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>" % "".join(missing)
    return s

def coll(kind, href, props, book=None, tok=None):
    found, missing = [], []
    for ns, name in props:
        v = coll_value(kind, book, ns, name, tok)
        if v is None:
            missing.append(el(ns, name))
        else:
            found.append(el(ns, name, v))
    return "<D:response><D:href>%s</D:href>%s</D:response>\n" % (href, propstats(found, missing))

def card(book, uid, props, etag="QETAG", ver="30"):
    found, missing = [], []
    for ns, name in props:
        if (ns, name) == ("DAV:", "getetag"):
            found.append("<D:getetag>%%%s:%s%%</D:getetag>" % (etag, uid))
        elif (ns, name) == ("DAV:", "getcontenttype"):
            found.append("<D:getcontenttype>text/vcard; charset=utf-8</D:getcontenttype>")
        elif (ns, name) == ("DAV:", "resourcetype"):
            found.append("<D:resourcetype/>")
        elif name == "address-data":
            found.append("<C:address-data>%%CARD%s:%s%%</C:address-data>" % (ver, uid))
        else:
            missing.append(el(ns, name))
    return "<D:response><D:href>%s%s.vcf</D:href>%s</D:response>\n" % (book_href(book), uid, propstats(found, missing))

def gone(book, uid):
    return "<D:response><D:href>%s%s.vcf</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>\n" % (book_href(book), uid)

def ms(parts, token=None):
    s = HDR_MS + "".join(parts)
    if token:
        s += "<D:sync-token>%%%s%%</D:sync-token>\n" % token
    return s + "</D:multistatus>\n"

XMLH = {"Content-Type": "application/xml; charset=utf-8", "DAV": "1, 3, addressbook"}

def write(client, nn, req, status, headers, body):
    d = os.path.join(OUT, client)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "%02d-request.http" % nn), "w", encoding="utf-8") as f:
        f.write(req)
    reason = {200: "OK", 207: "Multi-Status", 301: "Moved Permanently", 400: "Bad Request",
              403: "Forbidden", 404: "Not Found"}[status]
    with open(os.path.join(d, "%02d-expect.http" % nn), "w", encoding="utf-8") as f:
        f.write("HTTP/1.1 %d %s\n" % (status, reason))
        for k, v in headers.items():
            f.write("%s: %s\n" % (k, v))
        f.write("\n" + body)

def request(method, path, headers, body=""):
    s = "%s %s HTTP/1.1\n" % (method, path)
    for k, v in headers:
        s += "%s: %s\n" % (k, v)
    return s + "\n" + body + ("\n" if body else "")

Dn, Cn, CSn = "DAV:", "urn:ietf:params:xml:ns:carddav", "http://calendarserver.org/ns/"
ME = "http://me.com/_namespace/"
PUSH = "https://bitfire.at/webdav-push"
CALDAV = "urn:ietf:params:xml:ns:caldav"
ICAL = "http://apple.com/ns/ical/"
AUTH = ("Authorization", "Basic %BASIC%")
MOVED = "moved to /dav/\n"

MGMT = ["nw-000001", "nw-000010", "nw-000011", "nw-000012", "nw-000014"]
OPS = ["nw-000002", "nw-000003", "nw-000007", "nw-000008", "nw-000015", "nw-000017", "nw-000020"]  # nw-000018 is hidden
SALES = ["nw-000004", "nw-000005", "nw-000006", "nw-000009", "nw-000013", "nw-000016", "nw-000019",
         "nw-000021", "nw-000022", "nw-000023", "nw-000024"]
SALES_AFTER = ["nw-000003"] + SALES + ["nw-new-1"]

def home_listing(props):
    return ms([coll("home", "/dav/books/", props),
               coll("book", "/dav/books/all/", props, "all", "%TOKEN:all%"),
               coll("book", book_href("MANAGEMENT"), props, "MANAGEMENT", "%TOKEN:mgmt%"),
               coll("book", book_href("OPERATIONS"), props, "OPERATIONS", "%TOKEN:ops%"),
               coll("book", book_href("SALES"), props, "SALES", "%TOKEN:sales%")])

def need_priv(path, priv="write-content"):
    return ('<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:"><D:need-privileges>'
            "<D:resource><D:href>%s</D:href><D:privilege><D:%s/></D:privilege></D:resource>"
            "</D:need-privileges></D:error>\n" % (path, priv))

BAD_TOKEN = ('<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:" '
             'xmlns:C="urn:ietf:params:xml:ns:carddav"><D:valid-sync-token/></D:error>\n')

# ---------------------------------------------------------------- iOS --
IOS_SET = "iOS/18.1.1 (22B91) accountsd/1.0"
IOS_SYNC = "iOS/18.1.1 (22B91) dataaccessd/1.0"
def ios_h(ua, depth=None, body=True):
    h = [("Host", "%HOST%"), ("Accept", "*/*")]
    if body:
        h.append(("Content-Type", "text/xml"))
    h += [("Accept-Language", "en-US,en;q=0.9"), ("Prefer", "return=minimal"), ("Brief", "t")]
    if depth is not None:
        h.append(("Depth", depth))
    return h + [("User-Agent", ua), AUTH]

def apple_propfind(props):
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<A:propfind xmlns:A="DAV:">', '  <A:prop>']
    pref = {Dn: "A", Cn: "B", CSn: "C", ME: "E", ICAL: "D"}
    for ns, name in props:
        p = pref[ns]
        lines.append("    <A:%s/>" % name if p == "A" else '    <%s:%s xmlns:%s="%s"/>' % (p, name, p, ns))
    return "\n".join(lines + ["  </A:prop>", "</A:propfind>"])

def apple_sync(token):
    t = "<A:sync-token/>" if not token else "<A:sync-token>%s</A:sync-token>" % token
    return "\n".join(['<?xml version="1.0" encoding="UTF-8"?>', '<A:sync-collection xmlns:A="DAV:">',
                      "  " + t, "  <A:sync-level>1</A:sync-level>", "  <A:prop>", "    <A:getetag/>",
                      "  </A:prop>", "</A:sync-collection>"])

def apple_multiget(book, uids):
    l = ['<?xml version="1.0" encoding="UTF-8"?>',
         '<B:addressbook-multiget xmlns:B="urn:ietf:params:xml:ns:carddav">',
         '  <A:prop xmlns:A="DAV:">', "    <A:getetag/>", "    <B:address-data/>", "  </A:prop>"]
    l += ['  <A:href xmlns:A="DAV:">%s%s.vcf</A:href>' % (book_href(book), u) for u in uids]
    return "\n".join(l + ["</B:addressbook-multiget>"])

P_ROOT = [(Dn, "current-user-principal"), (Dn, "principal-URL"), (Dn, "resourcetype")]
P_IOS_PRINC = [(Cn, "addressbook-home-set"), (Cn, "directory-gateway"), (Dn, "displayname"),
               (CSn, "email-address-set"), (Dn, "principal-collection-set"), (Dn, "principal-URL"),
               (Dn, "resource-id"), (Dn, "supported-report-set")]
P_IOS_HOME = [(Dn, "add-member"), (ME, "bulk-requests"), (Dn, "current-user-privilege-set"),
              (Dn, "displayname"), (CSn, "getctag"), (Cn, "max-image-size"), (Cn, "max-resource-size"),
              (CSn, "me-card"), (Dn, "owner"), (CSn, "push-transports"), (CSn, "pushkey"),
              (Dn, "quota-available-bytes"), (Dn, "quota-used-bytes"), (Dn, "resource-id"),
              (Dn, "resourcetype"), (Dn, "supported-report-set"), (Dn, "sync-token")]
P_CTAG = [(CSn, "getctag"), (Dn, "sync-token")]
ETAG = [(Dn, "getetag")]
ETAG_DATA = [(Dn, "getetag"), (Cn, "address-data")]
M = "MANAGEMENT"; MH = book_href(M)
c = "ios"
MINIMAL[0] = True
XMLH_SAVED = XMLH
XMLH = dict(XMLH, **{"Preference-Applied": "return=minimal"})
write(c, 1, request("PROPFIND", "/.well-known/carddav", ios_h(IOS_SET, "0"), apple_propfind(P_ROOT)),
      301, {"Location": "/dav/"}, MOVED)
write(c, 2, request("PROPFIND", "/dav/", ios_h(IOS_SET, "0"), apple_propfind(P_ROOT)),
      207, XMLH, ms([coll("root", "/dav/", P_ROOT)]))
write(c, 3, request("OPTIONS", "/dav/principal/", ios_h(IOS_SET, body=False)),
      200, {"DAV": "1, 3, addressbook", "Allow": "OPTIONS, GET, HEAD, PROPFIND, REPORT"}, "")
write(c, 4, request("PROPFIND", "/dav/principal/", ios_h(IOS_SYNC, "0"), apple_propfind(P_IOS_PRINC)),
      207, XMLH, ms([coll("principal", "/dav/principal/", P_IOS_PRINC)]))
write(c, 5, request("PROPFIND", "/dav/books/", ios_h(IOS_SYNC, "1"), apple_propfind(P_IOS_HOME)),
      207, XMLH, home_listing(P_IOS_HOME))
write(c, 6, request("PROPFIND", MH, ios_h(IOS_SYNC, "0"), apple_propfind(P_CTAG)),
      207, XMLH, ms([coll("book", MH, P_CTAG, M, "%TOKEN:mgmt%")]))
write(c, 7, request("REPORT", MH, ios_h(IOS_SYNC, "0"), apple_sync("")),
      207, XMLH, ms([card(M, u, ETAG) for u in MGMT], "TOKEN:mgmt"))
write(c, 8, request("REPORT", MH, ios_h(IOS_SYNC, "0"), apple_multiget(M, MGMT)),
      207, XMLH, ms([card(M, u, ETAG_DATA) for u in MGMT]))
write(c, 9, request("PROPFIND", MH, ios_h(IOS_SYNC, "0"), apple_propfind(P_CTAG)),
      207, XMLH, ms([coll("book", MH, P_CTAG, M, "%TOKEN:mgmt%")]))
# -- changes A --
write(c, 10, request("PROPFIND", MH, ios_h(IOS_SYNC, "0"), apple_propfind(P_CTAG)),
      207, XMLH, ms([coll("book", MH, P_CTAG, M, "%TOKEN:ios2%")]))
write(c, 11, request("REPORT", MH, ios_h(IOS_SYNC, "0"), apple_sync("%TOKEN:mgmt%")),
      207, XMLH, ms([card(M, "nw-000010", ETAG, "QETAG2"), gone(M, "nw-000011")], "TOKEN:ios2"))
write(c, 12, request("REPORT", MH, ios_h(IOS_SYNC, "0"), apple_multiget(M, ["nw-000010"])),
      207, XMLH, ms([card(M, "nw-000010", ETAG_DATA, "QETAG2")]))
ios_put = ("BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 18.1.1//EN\r\n"
           "N:Martin;Lukas;;;\r\nFN:Lukas Martin\r\nORG:Northwind Traders;Management\r\n"
           "TITLE:Director\r\nTEL;type=CELL;type=VOICE;type=pref:+86 131 5933 2267\r\n"
           "TEL;type=WORK;type=VOICE:+86 21 6338 8551 ext 698\r\n"
           "EMAIL;type=INTERNET;type=WORK;type=pref:lukas.martin@example.org\r\n"
           "UID:nw-000010\r\nREV:2026-12-03T10:00:00Z\r\nEND:VCARD\r\n")
h = ios_h(IOS_SYNC, body=False)
h.insert(2, ("Content-Type", "text/vcard"))
h.insert(3, ("If-Match", "%ETAG2:nw-000010%"))
write(c, 13, request("PUT", MH + "nw-000010.vcf", h, ios_put),
      403, {"Content-Type": "application/xml; charset=utf-8"}, need_priv(MH + "nw-000010.vcf"))
# -- changes B + prune --
write(c, 14, request("REPORT", MH, ios_h(IOS_SYNC, "0"), apple_sync("%TOKEN:ios2%")),
      403, {"Content-Type": "application/xml; charset=utf-8"}, BAD_TOKEN)
write(c, 15, request("REPORT", MH, ios_h(IOS_SYNC, "0"), apple_sync("")),
      207, XMLH, ms([card(M, u, ETAG, "QETAG3") if u in ("nw-000001",) else
                     card(M, u, ETAG, "QETAG2") if u == "nw-000010" else card(M, u, ETAG)
                     for u in ["nw-000001", "nw-000010", "nw-000012", "nw-000014"]], "TOKEN:ios3"))

MINIMAL[0] = False
XMLH = XMLH_SAVED
# -------------------------------------------------------------- DAVx5 --
DX_UA = "DAVx5/4.4.3.2-ose (dav4jvm; okhttp/4.12.0) Android/14"
def dx_h(depth=None, body=True, ct="application/xml; charset=utf-8"):
    h = [("Host", "%HOST%")]
    if depth is not None:
        h.append(("Depth", depth))
    if body:
        h.append(("Content-Type", ct))
    return h + [("Accept-Language", "en-US, en;q=0.7, *;q=0.5"), ("User-Agent", DX_UA), AUTH,
                ("Accept-Encoding", "gzip")]

def kx_propfind(props):
    pref = {Dn: None, Cn: "CARD", CSn: "CS", CALDAV: "CAL", ICAL: "ICAL", PUSH: "P"}
    used = []
    for ns, _ in props:
        if pref[ns] and ns not in used:
            used.append(ns)
    s = "<?xml version='1.0' encoding='UTF-8' ?><propfind xmlns=\"DAV:\""
    for ns in used:
        s += ' xmlns:%s="%s"' % (pref[ns], ns)
    s += "><prop>"
    for ns, name in props:
        s += "<%s />" % (name if pref[ns] is None else pref[ns] + ":" + name)
    return s + "</prop></propfind>"

def kx_sync(token):
    t = "<sync-token />" if not token else "<sync-token>%s</sync-token>" % token
    return ("<?xml version='1.0' encoding='UTF-8' ?><sync-collection xmlns=\"DAV:\">%s"
            "<sync-level>1</sync-level><prop><getetag /></prop></sync-collection>" % t)

def kx_multiget(book, uids):
    s = ("<?xml version='1.0' encoding='UTF-8' ?><CARD:addressbook-multiget xmlns=\"DAV:\" "
         "xmlns:CARD=\"urn:ietf:params:xml:ns:carddav\"><prop><getcontenttype /><getetag />"
         "<CARD:address-data content-type=\"text/vcard\" version=\"4.0\" /></prop>")
    s += "".join("<href>%s%s.vcf</href>" % (book_href(book), u) for u in uids)
    return s + "</CARD:addressbook-multiget>"

P_DX_BASE = [(Dn, "resourcetype"), (Dn, "displayname"), (Cn, "addressbook-description"),
             (Cn, "addressbook-home-set"), (Dn, "current-user-principal")]
P_CUP = [(Dn, "current-user-principal")]
P_DX_PRINC = [(Dn, "displayname"), (Cn, "addressbook-home-set"), (Dn, "group-membership")]
P_DX_COLL = [(Dn, "resourcetype"), (Dn, "current-user-privilege-set"), (Dn, "displayname"), (Dn, "owner"),
             (Cn, "addressbook-description"), (Cn, "supported-address-data"),
             (CALDAV, "calendar-description"), (ICAL, "calendar-color"),
             (CALDAV, "supported-calendar-component-set"), (CSn, "source"),
             (PUSH, "push-transports"), (PUSH, "topic")]
P_DX_CAPS = [(Cn, "max-resource-size"), (Cn, "supported-address-data"), (Dn, "supported-report-set"),
             (CSn, "getctag"), (Dn, "sync-token")]
MG4 = [(Dn, "getcontenttype"), (Dn, "getetag"), (Cn, "address-data")]
O = "OPERATIONS"; OH = book_href(O)
c = "davx5"
write(c, 1, request("PROPFIND", "/", dx_h("0"), kx_propfind(P_DX_BASE)),
      404, {"Content-Type": "text/plain; charset=utf-8"}, "not found\n")
write(c, 2, request("PROPFIND", "/.well-known/carddav", dx_h("0"), kx_propfind(P_CUP)),
      301, {"Location": "/dav/"}, MOVED)
write(c, 3, request("PROPFIND", "/dav/", dx_h("0"), kx_propfind(P_CUP)),
      207, XMLH, ms([coll("root", "/dav/", P_CUP)]))
write(c, 4, request("OPTIONS", "/dav/principal/", dx_h(body=False)),
      200, {"DAV": "1, 3, addressbook", "Allow": "OPTIONS, GET, HEAD, PROPFIND, REPORT"}, "")
write(c, 5, request("PROPFIND", "/dav/principal/", dx_h("0"), kx_propfind(P_DX_PRINC)),
      207, XMLH, ms([coll("principal", "/dav/principal/", P_DX_PRINC)]))
write(c, 6, request("PROPFIND", "/dav/books/", dx_h("1"), kx_propfind(P_DX_COLL)),
      207, XMLH, home_listing(P_DX_COLL))
write(c, 7, request("PROPFIND", OH, dx_h("0"), kx_propfind(P_DX_CAPS)),
      207, XMLH, ms([coll("book", OH, P_DX_CAPS, O, "%TOKEN:ops%")]))
write(c, 8, request("REPORT", OH, dx_h("0"), kx_sync("")),
      207, XMLH, ms([card(O, u, ETAG) for u in OPS], "TOKEN:ops"))
write(c, 9, request("REPORT", OH, dx_h(), kx_multiget(O, OPS)),
      207, XMLH, ms([card(O, u, MG4, ver="40") for u in OPS]))
write(c, 10, request("REPORT", OH, dx_h("0"), kx_sync("%TOKEN:ops%")),
      207, XMLH, ms([], "TOKEN:ops"))
# -- changes A --
write(c, 11, request("PROPFIND", OH, dx_h("0"), kx_propfind(P_DX_CAPS)),
      207, XMLH, ms([coll("book", OH, P_DX_CAPS, O, "%TOKEN:dx2%")]))
write(c, 12, request("REPORT", OH, dx_h("0"), kx_sync("%TOKEN:ops%")),
      207, XMLH, ms([card(O, "nw-000002", ETAG, "QETAG2"), gone(O, "nw-000003")], "TOKEN:dx2"))
write(c, 13, request("REPORT", OH, dx_h(), kx_multiget(O, ["nw-000002"])),
      207, XMLH, ms([card(O, "nw-000002", MG4, "QETAG2", "40")]))
dx_put = ("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:nw-000002\r\nPRODID:+//IDN bitfire.at//DAVx5/4.4.3.2-ose ez-vcard/0.12.1\r\n"
          "FN:Olivia Moreau\r\nN:Moreau;Olivia;;;\r\nORG:Northwind Traders;Operations;Logistics\r\n"
          "TITLE:Head of Logistics\r\nTEL;TYPE=cell:+86 180 8656 1034\r\n"
          "EMAIL;TYPE=work:olivia.moreau@northwind.example\r\nREV:20261203T100000Z\r\nEND:VCARD\r\n")
h = dx_h(body=False)
h.insert(1, ("If-Match", "%ETAG2:nw-000002%"))
h.insert(2, ("Content-Type", "text/vcard; charset=utf-8"))
write(c, 14, request("PUT", OH + "nw-000002.vcf", h, dx_put),
      403, {"Content-Type": "application/xml; charset=utf-8"}, need_priv(OH + "nw-000002.vcf"))
# -- changes B + prune --
write(c, 15, request("REPORT", OH, dx_h("0"), kx_sync("%TOKEN:dx2%")),
      403, {"Content-Type": "application/xml; charset=utf-8"}, BAD_TOKEN)
write(c, 16, request("REPORT", OH, dx_h("0"), kx_sync("")),
      207, XMLH, ms([card(O, u, ETAG, "QETAG2" if u == "nw-000002" else "QETAG3" if u == "nw-000008" else "QETAG")
                     for u in OPS if u != "nw-000003"], "TOKEN:dx3"))

# -------------------------------------------------------- Thunderbird --
TB_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0"
NSS = 'xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cs="http://calendarserver.org/ns/" xmlns:d="DAV:"'
def tb_h(depth):
    return [("Host", "%HOST%"), ("User-Agent", TB_UA),
            ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            ("Accept-Language", "en-US,en;q=0.5"), ("Depth", depth), ("Content-Type", "text/xml"), AUTH]
TB_CUP = ('<?xml version="1.0" encoding="utf-8"?>\n      <propfind xmlns="DAV:">\n        <prop>\n'
          '          <current-user-principal/>\n        </prop>\n      </propfind>')
TB_HOMESET = ('<?xml version="1.0" encoding="utf-8"?>\n      <propfind xmlns="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">\n'
              '        <prop>\n          <card:addressbook-home-set/>\n        </prop>\n      </propfind>')
TB_HOME = ('<?xml version="1.0" encoding="utf-8"?>\n      <propfind xmlns="DAV:">\n        <prop>\n'
           '          <resourcetype/>\n          <displayname/>\n          <current-user-privilege-set/>\n'
           '        </prop>\n      </propfind>')
TB_ALL = ('<propfind xmlns="DAV:" %s>\n      <prop>\n        <resourcetype/>\n        <getetag/>\n'
          '        <cs:getctag/>\n      </prop>\n    </propfind>' % NSS)
TB_TOKEN = ('<propfind xmlns="DAV:" %s>\n      <prop>\n         <displayname/>\n         <cs:getctag/>\n'
            '         <sync-token/>\n      </prop>\n    </propfind>' % NSS)
def tb_sync(tok):
    return ('<sync-collection xmlns="DAV:" %s>\n      <sync-token>%s</sync-token>\n      <sync-level>1</sync-level>\n'
            '      <prop>\n        <getetag/>\n        <card:address-data/>\n      </prop>\n    </sync-collection>' % (NSS, tok))
def tb_multiget(book, uids):
    hrefs = "\n".join("      <d:href>%s%s.vcf</d:href>" % (book_href(book), u) for u in uids)
    return ('<?xml version="1.0" encoding="utf-8"?>\n    <card:addressbook-multiget %s>\n      <d:prop>\n'
            '        <d:getetag/>\n        <card:address-data/>\n      </d:prop>\n      %s\n'
            '    </card:addressbook-multiget>' % (NSS, hrefs))
P_TB_HOME = [(Dn, "resourcetype"), (Dn, "displayname"), (Dn, "current-user-privilege-set")]
P_TB_ALL = [(Dn, "resourcetype"), (Dn, "getetag"), (CSn, "getctag")]
P_TB_TOKEN = [(Dn, "displayname"), (CSn, "getctag"), (Dn, "sync-token")]
S = "SALES"; SH = book_href(S)
c = "thunderbird"
write(c, 1, request("PROPFIND", "/.well-known/carddav", tb_h("0"), TB_CUP), 301, {"Location": "/dav/"}, MOVED)
write(c, 2, request("PROPFIND", "/dav/", tb_h("0"), TB_CUP), 207, XMLH, ms([coll("root", "/dav/", P_CUP)]))
write(c, 3, request("PROPFIND", "/dav/principal/", tb_h("0"), TB_HOMESET),
      207, XMLH, ms([coll("principal", "/dav/principal/", [(Cn, "addressbook-home-set")])]))
write(c, 4, request("PROPFIND", "/dav/books/", tb_h("1"), TB_HOME), 207, XMLH, home_listing(P_TB_HOME))
write(c, 5, request("PROPFIND", SH, tb_h("1"), TB_ALL),
      207, XMLH, ms([coll("book", SH, P_TB_ALL, S, "%TOKEN:sales%")] + [card(S, u, P_TB_ALL) for u in SALES]))
write(c, 6, request("REPORT", SH, tb_h("1"), tb_multiget(S, SALES)),
      207, XMLH, ms([card(S, u, ETAG_DATA) for u in SALES]))
write(c, 7, request("PROPFIND", SH, tb_h("0"), TB_TOKEN),
      207, XMLH, ms([coll("book", SH, P_TB_TOKEN, S, "%TOKEN:sales%")]))
write(c, 8, request("REPORT", SH, tb_h("1"), tb_sync("%TOKEN:sales%")), 207, XMLH, ms([], "TOKEN:sales"))
# -- changes A --
write(c, 9, request("REPORT", SH, tb_h("1"), tb_sync("%TOKEN:sales%")),
      207, XMLH, ms([card(S, "nw-000003", ETAG_DATA, "QETAG2"), card(S, "nw-new-1", ETAG_DATA)], "TOKEN:tb2"))
# -- changes B + prune --
write(c, 10, request("REPORT", SH, tb_h("1"), tb_sync("%TOKEN:tb2%")),
      400, {"Content-Type": "application/xml; charset=utf-8"}, BAD_TOKEN)
write(c, 11, request("PROPFIND", SH, tb_h("1"), TB_ALL),
      207, XMLH, ms([coll("book", SH, P_TB_ALL, S, "%TOKEN:tb3%")] +
                    [card(S, u, P_TB_ALL, "QETAG2" if u == "nw-000003" else "QETAG3" if u == "nw-000004" else "QETAG")
                     for u in SALES_AFTER]))
write(c, 12, request("REPORT", SH, tb_h("1"), tb_multiget(S, ["nw-000004"])),
      207, XMLH, ms([card(S, "nw-000004", ETAG_DATA, "QETAG3")]))
write(c, 13, request("PROPFIND", SH, tb_h("0"), TB_TOKEN),
      207, XMLH, ms([coll("book", SH, P_TB_TOKEN, S, "%TOKEN:tb3%")]))
