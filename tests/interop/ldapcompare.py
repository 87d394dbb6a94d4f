#!/usr/bin/python3
"""Orgbook's LDAP search answers against a real slapd and a model.

    ldapcompare.py CONFIG.json

CONFIG names the oracle (a slapd loaded with tests/interop/ldif.py's LDIF
of every tenant), the subject (orgbook-server's LDAP listener; a second
slapd for the harness's self-test) and the tenants:
  {"oracle": {"url": "ldap://127.0.0.1:N"},
   "subject": {"url": "ldap://127.0.0.1:M", "bind": true},
   "tenants": {"acme": {"base": "dc=acme", "export": "acme.json",
                        "org": "Acme 集团", "login": "zhang.wei@acme",
                        "password": "..."}}}
For every row of TABLE it runs the search on both servers (bound as the
tenant's account on the subject when "bind" is set, anonymously on the
oracle) and on the model, a reimplementation in Python of ldap/dir.h's
matching rules over ldif.py's entries. A row marked "slapd" expects the
subject to equal slapd (entries, every attribute value, result code) and
checks the model against slapd too (so the model is right where slapd is
a referee); a row marked with a key of DIFFERENCES is one where Orgbook
deliberately matches more than slapd can: the subject must equal the
model, and slapd must differ from it (else the row proves nothing).
With a size limit the subject must send exactly that many entries, each
equal to the oracle's entry, and sizeLimitExceeded when more matched.
Prints one line a row: "PASS name" or "FAIL name" then "# " details.
"""
import json
import sys
import unicodedata

import ldap3

sys.path.insert(0, __import__("os").path.dirname(__file__))
import ldif  # noqa: E402

# The deliberate differences from slapd: where a row carries one of these
# keys the reference is the model (the documented rule), not slapd.
DIFFERENCES = {
    "pinyin": "cn, sn, givenName, displayName also match the pinyin of a "
              "Chinese name, spaced, joined and as initials (dir.h); slapd "
              "matches the characters only",
    "digits": "telephone attributes match on their digits only; slapd's "
              "telephoneNumberMatch drops only spaces and hyphens, so "
              "'+', dots, parentheses and the like still count",
    "extension": "telephoneNumber is the work number as stored, its "
                 "extension included, but matches on the digits before the "
                 "extension (ldap/dir.c's decision; the extension is "
                 "ipPhone); slapd matches the whole text",
    "natintl": "equality holds between a national and an international "
                "form: leading zeros (trunk 0, international 00) dropped, "
                "one digit string a suffix of the other of at least 7 "
                "digits (ldap/dir.c's decision); slapd compares whole "
                "numbers",
    "approx": "~= is a substring anywhere; slapd's approximate match is "
              "phonetic (soundex-like)",
    "ordering": ">= and <= compare the folded text of any attribute; "
                "slapd's mail, cn, sn and most others have no ORDERING "
                "rule, so there they are Undefined",
    "extensible": "extensible matches (attr:dn:=v, attr:rule:=v) are "
                  "Undefined; slapd evaluates them (here: ou:dn: matches "
                  "every entry below the unit)",
}

NAMES = {"cn", "sn", "givenname", "displayname"}
NUMBERS = {"telephonenumber", "mobile", "homephone",
           "facsimiletelephonenumber", "ipphone"}
KNOWN = NAMES | NUMBERS | {
    "objectclass", "dc", "o", "ou", "mail", "title", "postaladdress",
    "street", "l", "st", "postalcode", "description", "uid",
    "orgbookpinyin", "jpegphoto"}

# ---- the model ------------------------------------------------------------


def fold(s):
    """Case-insensitive, insignificant spaces (RFC 4518, simplified:
    runs of spaces as one, none at the ends)."""
    s = unicodedata.normalize("NFKC", s).casefold()
    return " ".join(s.split())


def digits(s):
    return "".join(c for c in s if c.isdigit())


def unescape(v):
    out, i = bytearray(), 0
    b = v.encode("utf-8")
    while i < len(b):
        if b[i:i + 1] == b"\\" and i + 2 < len(b) + 1:
            out += bytes([int(b[i + 1:i + 3], 16)])
            i += 3
        else:
            out += b[i:i + 1]
            i += 1
    return out.decode("utf-8")


def parse_filter(s):
    """RFC 4515 text as a tree: ("and"|"or", [..]), ("not", f),
    ("eq"|"ge"|"le"|"approx", attr, value), ("present", attr),
    ("sub", attr, initial, [any], final)."""
    pos = 0

    def one():
        nonlocal pos
        assert s[pos] == "(", "filter: ( expected at %d" % pos
        pos += 1
        c = s[pos]
        if c in "&|":
            pos += 1
            items = []
            while s[pos] == "(":
                items.append(one())
            node = ("and" if c == "&" else "or", items)
        elif c == "!":
            pos += 1
            node = ("not", one())
        else:
            end = pos
            depth = 0
            while s[end] != ")" or depth:
                end += 1
            item = s[pos:end]
            pos = end
            node = item_of(item)
        assert s[pos] == ")", "filter: ) expected at %d" % pos
        pos += 1
        return node

    def item_of(item):
        for op, name in (("~=", "approx"), (">=", "ge"), ("<=", "le")):
            if op in item:
                a, v = item.split(op, 1)
                return (name, a.lower(), unescape(v))
        a, v = item.split("=", 1)
        if ":" in a:
            return ("ext", a.lower(), v)
        a = a.lower()
        if v == "*":
            return ("present", a)
        if "*" in v:
            parts = [unescape(x) for x in v.split("*")]
            return ("sub", a, parts[0], parts[1:-1], parts[-1])
        return ("eq", a, unescape(v))

    f = one()
    assert pos == len(s), "filter: trailing text"
    return f


def values_of(attrs, a):
    for k, v in attrs.items():
        if k.lower() == a and not k.startswith("_"):
            return v
    return []


def forms_of(attrs, a):
    """The texts a name attribute matches: its values and their pinyin."""
    vals = list(values_of(attrs, a))
    for k, v in attrs.get("_pinyin", {}).items():
        if k.lower() == a and values_of(attrs, a):
            vals += v
    return vals


def sub_match(value, initial, anys, final):
    if not value.startswith(initial):
        return False
    i = len(initial)
    for x in anys:
        j = value.find(x, i)
        if j < 0:
            return False
        i = j + len(x)
    return len(value) - i >= len(final) and value.endswith(final)


def num_eq(a, b):
    a, b = a.lstrip("0"), b.lstrip("0")
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 7 and long_.endswith(short)


def evaluate(f, attrs):
    """True, False or None (Undefined)."""
    kind = f[0]
    if kind in ("and", "or"):
        res = [evaluate(x, attrs) for x in f[1]]
        if kind == "and":
            if False in res:
                return False
            return None if None in res else True
        if True in res:
            return True
        return None if None in res else False
    if kind == "not":
        r = evaluate(f[1], attrs)
        return None if r is None else not r
    if kind == "ext":
        return None
    a = f[1]
    if a not in KNOWN:
        return None
    if kind == "present":
        return bool(values_of(attrs, a))
    if a in NUMBERS and kind in ("eq", "sub", "approx"):
        # an assertion without a digit is no number: Undefined, as
        # slapd's telephoneNumber syntax makes it
        texts = [f[2]] if kind != "sub" else [f[2]] + f[3] + [f[4]]
        if not digits("".join(texts)):
            return None
        vals = [digits(ldif.split_phone(v)[0]) for v in values_of(attrs, a)]
        if kind == "eq":
            return any(num_eq(v, digits(f[2])) for v in vals)
        if kind == "sub":
            ini, anys, fin = digits(f[2]), [digits(x) for x in f[3]], \
                digits(f[4])
            return any(sub_match(v, ini, [x for x in anys if x], fin)
                       for v in vals)
        return any(digits(f[2]) in v for v in vals)
    vals = [fold(v) for v in (forms_of(attrs, a) if a in NAMES
                              else values_of(attrs, a))]
    if kind == "eq":
        return fold(f[2]) in vals
    if kind == "approx":
        return any(fold(f[2]) in v for v in vals)
    if kind == "sub":
        ini, fin = fold(f[2]) if f[2] else "", fold(f[4]) if f[4] else ""
        anys = [fold(x) for x in f[3] if fold(x)]
        return any(sub_match(v, ini, anys, fin) for v in vals)
    if kind == "ge":
        return any(v >= fold(f[2]) for v in vals)
    if kind == "le":
        return any(v <= fold(f[2]) for v in vals)
    raise ValueError(kind)


def dn_key(dn):
    """A DN compared as LDAP does: types and values case-folded, RFC 4514
    escapes undone, spaces around separators dropped."""
    rdns, cur, i = [], "", 0
    while i < len(dn):
        c = dn[i]
        if c == "\\":
            cur += dn[i:i + 2] if dn[i + 1] not in "0123456789abcdefABCDEF" \
                else dn[i:i + 3]
            i += 2 if dn[i + 1] not in "0123456789abcdefABCDEF" else 3
            continue
        if c == ",":
            rdns.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    if cur or rdns:
        rdns.append(cur)
    out = []
    for r in rdns:
        t, _, v = r.partition("=")
        v = v.strip()
        raw, j = "", 0
        while j < len(v):
            if v[j] == "\\" and j + 2 < len(v) + 1 and \
                    all(ch in "0123456789abcdefABCDEF" for ch in v[j + 1:j + 3]) \
                    and len(v[j + 1:j + 3]) == 2:
                raw += "\\" + v[j + 1:j + 3]
                j += 3
            elif v[j] == "\\":
                raw += "\\%02x" % ord(v[j + 1]) if ord(v[j + 1]) < 128 \
                    else v[j + 1]
                j += 2
            else:
                raw += v[j]
                j += 1
        out.append(t.strip().lower() + "=" + fold(unescape(raw)))
    return ",".join(out)


def model_search(ents, base, scope, filt, attrs, types_only):
    """(result code, {dn_key: entry}) as dir.h promises."""
    bk = dn_key(base)
    keys = [(dn_key(dn), dn, a) for dn, a in ents]
    if bk not in {k for k, _, _ in keys}:
        return 32, {}
    tree = parse_filter(filt)
    out = {}
    for k, dn, a in keys:
        if scope == "base":
            inside = k == bk
        elif scope == "one":
            inside = k.endswith("," + bk) and k.count(",") == bk.count(",") + 1
        else:
            inside = k == bk or k.endswith("," + bk)
        if inside and evaluate(tree, a) is True:
            out[k] = shape(dn, a, attrs, types_only)
    return 0, out


def shape(dn, a, attrs, types_only):
    """The entry as a search sends it, for comparing."""
    want = [x.lower() for x in attrs]
    res = {}
    for k, v in a.items():
        if k.startswith("_") or k.lower() == "jpegphoto":
            continue
        if not want or "*" in want or k.lower() in want:
            res[k.lower()] = [] if types_only else sorted(v)
    return {"dn": dn, "attrs": res}


# ---- the servers ------------------------------------------------------------


SCOPES = {"base": ldap3.BASE, "one": ldap3.LEVEL, "sub": ldap3.SUBTREE}


def connect(url, user=None, password=None):
    server = ldap3.Server(url, get_info=ldap3.NONE, connect_timeout=10)
    c = ldap3.Connection(server, user=user, password=password,
                         check_names=False, raise_exceptions=False,
                         return_empty_attributes=False, receive_timeout=60)
    if not c.bind():
        raise RuntimeError("bind to %s as %s: %s" % (url, user, c.result))
    return c


def server_search(c, base, scope, filt, attrs, types_only, size):
    """(result code, {dn_key: entry}, entries in order)."""
    c.search(base, filt, search_scope=SCOPES[scope],
             attributes=attrs or [ldap3.ALL_ATTRIBUTES], size_limit=size,
             types_only=types_only, dereference_aliases=ldap3.DEREF_NEVER)
    out, order = {}, []
    for r in c.response or []:
        if r.get("type") != "searchResEntry":
            continue
        a = {}
        for k, vs in r["raw_attributes"].items():
            if k.lower() in ("jpegphoto",):
                continue
            a[k.lower()] = [] if types_only or vs is None else \
                sorted(v.decode("utf-8") for v in vs)
        k = dn_key(r["dn"])
        out[k] = {"dn": r["dn"], "attrs": a}
        order.append(k)
    return c.result["result"], out, order


def diff(want, got, limit=4):
    """Lines saying how got differs from want (both {dn_key: entry})."""
    lines = []
    for k in sorted(set(want) - set(got))[:limit]:
        lines.append("missing %s" % want[k]["dn"])
    for k in sorted(set(got) - set(want))[:limit]:
        lines.append("extra %s" % got[k]["dn"])
    for k in sorted(set(want) & set(got)):
        if want[k]["attrs"] != got[k]["attrs"] and len(lines) < 2 * limit:
            w, g = want[k]["attrs"], got[k]["attrs"]
            for a in sorted(set(w) | set(g)):
                if w.get(a) != g.get(a):
                    lines.append("%s %s: want %s got %s" % (
                        want[k]["dn"], a, w.get(a), g.get(a)))
    n = len(set(want) ^ set(got))
    if n > limit:
        lines.append("(%d entries differ in all)" % n)
    return lines


# ---- the table ----------------------------------------------------------------
# (name, tenant, base below the tenant's base ("" for the base), scope,
#  filter, attributes, typesOnly, sizeLimit, reference: "slapd" or a key
#  of DIFFERENCES)
Y_NUM = "(|(telephoneNumber=%s)(mobile=%s)(homePhone=%s))"
TB = "(|(cn=*%s*)(mail=*%s*)(givenName=*%s*)(sn=*%s*))"
PHONE_ATTRS = ["cn", "telephoneNumber", "mobile", "homePhone", "ipPhone"]
DEEP = "ou=事务小队,ou=存储引擎组,ou=数据库小组,ou=基础架构组,ou=平台部,ou=研发中心"
TABLE = [
    # desk phones' name templates
    ("Yealink name, pinyin prefix", "acme", "", "sub",
     "(|(cn=zh*)(sn=zh*))", PHONE_ATTRS, False, 0, "pinyin"),
    ("Yealink name, initials", "acme", "", "sub",
     "(|(cn=zw*)(sn=zw*))", PHONE_ATTRS, False, 0, "pinyin"),
    ("Yealink name, initials of the stored reading", "acme", "", "sub",
     "(|(cn=zy*)(sn=zy*))", PHONE_ATTRS, False, 0, "pinyin"),
    ("Yealink name, characters", "acme", "", "sub",
     "(|(cn=张*)(sn=张*))", PHONE_ATTRS, False, 0, "slapd"),
    ("Yealink name, Latin with diacritics", "big", "", "sub",
     "(|(cn=Mül*)(sn=Mül*))", PHONE_ATTRS, False, 0, "slapd"),
    ("Yealink name, max_hits 50", "big", "", "sub",
     "(|(cn=zh*)(sn=zh*))", PHONE_ATTRS, False, 50, "pinyin"),
    ("Cisco last name", "acme", "", "sub", "(sn=*欧阳*)",
     ["cn", "sn", "telephoneNumber"], False, 0, "slapd"),
    ("Cisco first name, pinyin", "acme", "", "sub", "(cn=ouyang*)",
     ["cn", "sn", "telephoneNumber"], False, 0, "pinyin"),
    ("Snom name with a number guard", "acme", "", "sub",
     "(&(telephoneNumber=*)(displayName=王*))", [], False, 0, "slapd"),
    ("Grandstream name or number", "acme", "", "sub",
     "(|(displayName=刘*)(telephoneNumber=刘*))", ["displayName",
                                                  "telephoneNumber"],
     False, 0, "slapd"),
    ("Thunderbird autocomplete, Latin", "big", "", "sub",
     TB % (("Müller",) * 4), ["cn", "mail"], False, 0, "slapd"),
    ("Thunderbird autocomplete, pinyin", "acme", "", "sub",
     TB % (("zhangw",) * 4), ["cn", "mail"], False, 0, "pinyin"),
    ("Thunderbird two words", "acme", "", "sub",
     "(|(cn=*ouyang*ming*)(mail=*ouyang ming*)(givenName=*ouyang*)"
     "(sn=*ouyang ming*))", ["cn", "mail"], False, 0, "pinyin"),
    ("Thunderbird maxHits 10, initials", "big", "", "sub",
     TB % (("zw",) * 4),
     ["cn", "mail"], False, 10, "pinyin"),
    # incoming calls
    ("incoming number, as stored", "acme", "", "sub",
     Y_NUM % (("+86 21 6938 8134",) * 3), PHONE_ATTRS, False, 0,
     "extension"),
    ("incoming number, as stored, no extension", "acme", "", "sub",
     Y_NUM % (("+86 21 6411 9002",) * 3), PHONE_ATTRS, False, 0, "slapd"),
    ("incoming number, digits of the international form", "acme", "",
     "sub", Y_NUM % (("862169388134",) * 3), PHONE_ATTRS, False, 0,
     "digits"),
    ("incoming number, national without trunk 0", "acme", "", "sub",
     Y_NUM % (("2169388134",) * 3), PHONE_ATTRS, False, 0, "natintl"),
    ("incoming number, the local 8 digits", "acme", "", "sub",
     Y_NUM % (("69388134",) * 3), PHONE_ATTRS, False, 0, "natintl"),
    ("incoming number, national with trunk 0", "acme", "", "sub",
     Y_NUM % (("02169388134",) * 3), PHONE_ATTRS, False, 0, "natintl"),
    ("incoming number, 6 digits are too few for a suffix", "acme", "",
     "sub", Y_NUM % (("388134",) * 3), PHONE_ATTRS, False, 0, "slapd"),
    ("incoming mobile with 00 prefix", "acme", "", "sub",
     Y_NUM % (("0086 152 4056 6519",) * 3), PHONE_ATTRS, False, 0,
     "natintl"),
    ("number suffix substring", "acme", "", "sub",
     "(telephoneNumber=*8134)", PHONE_ATTRS, False, 0, "extension"),
    ("mobile suffix substring", "acme", "", "sub",
     "(mobile=*6519)", PHONE_ATTRS, False, 0, "slapd"),
    ("number substring with punctuation", "acme", "", "sub",
     "(mobile=*\\28152\\29*)", PHONE_ATTRS, False, 0, "digits"),
    ("extension", "acme", "", "sub", "(ipPhone=182)", PHONE_ATTRS, False, 0,
     "slapd"),
    ("Yealink number lookup, many people", "big", "", "sub",
     "(|(telephoneNumber=*0*)(mobile=*0*))", ["cn"], False, 50,
     "extension"),
    # filter shapes
    ("and of two", "acme", "", "sub", "(&(objectClass=inetOrgPerson)(l=上海))",
     ["cn", "l"], False, 0, "slapd"),
    ("or of unit and title", "acme", "", "sub",
     "(|(ou=财务部)(title=会计))", ["cn", "ou", "title"], False, 0, "slapd"),
    ("not", "acme", "ou=销售部", "sub",
     "(&(objectClass=inetOrgPerson)(!(l=上海)))", ["cn", "l"], False, 0,
     "slapd"),
    ("not of not", "acme", "ou=财务部", "sub", "(!(!(objectClass=person)))",
     ["cn"], False, 0, "slapd"),
    ("presence of mobile", "northwind", "", "sub", "(mobile=*)", ["cn"],
     False, 0, "slapd"),
    ("presence of description", "acme", "", "sub", "(description=*)",
     ["cn", "description"], False, 0, "slapd"),
    ("absence of givenName", "big", "", "sub",
     "(&(objectClass=person)(!(givenName=*)))", ["cn"], False, 0, "slapd"),
    ("equality on mail, any case", "acme", "", "sub",
     "(mail=Ming.Yue@example.cn)", ["cn", "mail"], False, 0, "slapd"),
    ("equality on uid", "acme", "", "sub", "(uid=demo-000001)", [], False, 0,
     "slapd"),
    ("uid with a slash and an ampersand", "acme", "", "sub",
     "(uid=dav odd/uid&1)", [], False, 0, "slapd"),
    ("substring initial any final", "acme", "", "sub",
     "(mail=p*.*@demo*cn)", ["mail"], False, 0, "slapd"),
    ("substring on a title", "acme", "", "sub", "(title=*工程师)",
     ["title"], False, 0, "slapd"),
    ("units", "acme", "", "sub", "(objectClass=organizationalUnit)", [],
     False, 0, "slapd"),
    ("the base entry", "acme", "", "base", "(objectClass=*)", [], False, 0,
     "slapd"),
    ("spaces are insignificant", "big", "", "sub", "(title=  senior   engineer )",
     ["title"], False, 0, "slapd"),
    ("approximate as substring", "acme", "", "sub", "(cn~=明月)",
     ["cn"], False, 0, "approx"),
    ("unknown attribute is Undefined", "acme", "", "sub",
     "(|(noSuchAttr=x)(uid=demo-000002))", ["uid"], False, 0, "slapd"),
    ("NOT of Undefined is Undefined", "acme", "", "sub",
     "(!(noSuchAttr=x))", ["uid"], False, 0, "slapd"),
    ("ordering on mail", "acme", "", "sub", "(mail>=y)", ["mail"], False,
     0, "ordering"),
    ("ordering on a postcode", "acme", "", "sub",
     "(&(objectClass=person)(postalCode<=200200))", ["postalCode"], False, 0,
     "ordering"),
    ("an extensible match is Undefined", "acme", "", "sub",
     "(|(uid=demo-000003)(ou:dn:=研发中心))", ["uid"], False, 0,
     "extensible"),
    ("pinyin attribute itself", "acme", "", "sub", "(orgbookPinyin=oymy)",
     ["cn", "orgbookPinyin"], False, 0, "slapd"),
    # scopes and bases
    ("one level at the base", "acme", "", "one", "(objectClass=*)", ["ou"],
     False, 0, "slapd"),
    ("one level in a unit", "acme", "ou=研发中心", "one", "(objectClass=*)",
     [], False, 0, "slapd"),
    ("sub at a unit", "acme", "ou=平台部,ou=研发中心", "sub",
     "(objectClass=inetOrgPerson)", ["cn"], False, 0, "slapd"),
    ("sub six levels deep", "acme", DEEP, "sub", "(objectClass=*)", [], False,
     0, "slapd"),
    ("base at a person", "acme", "uid=dav-deep-1," + DEEP, "base",
     "(objectClass=*)", [], False, 0, "slapd"),
    ("one level at a person: nothing", "acme", "uid=dav-deep-1," + DEEP,
     "one", "(objectClass=*)", [], False, 0, "slapd"),
    ("base in another case and spacing", "acme", "OU = 研发中心", "one",
     "(objectClass=organizationalUnit)", ["ou"], False, 0, "slapd"),
    ("a unit that does not exist", "acme", "ou=nowhere", "sub",
     "(objectClass=*)", [], False, 0, "slapd"),
    ("deep tree of the big enterprise", "big", "", "sub",
     "(&(objectClass=inetOrgPerson)(sn=wang))", ["cn", "ou"], False, 0,
     "pinyin"),
    # attribute selection
    ("attributes 1.1", "acme", "ou=财务部", "sub", "(objectClass=person)",
     ["1.1"], False, 0, "slapd"),
    ("attributes in odd case", "acme", "ou=财务部", "sub",
     "(objectClass=person)", ["CN", "TelephoneNUMBER", "noSuchAttr"], False,
     0, "slapd"),
    ("typesOnly", "acme", "ou=财务部", "sub", "(objectClass=person)", ["*"],
     True, 0, "slapd"),
    ("size limit below the matches", "acme", "", "sub",
     "(objectClass=inetOrgPerson)", ["cn"], False, 7, "slapd"),
    ("size limit above the matches", "acme", "ou=财务部", "sub",
     "(objectClass=inetOrgPerson)", ["cn"], False, 1000, "slapd"),
    ("size limit equal to the matches", "acme", "", "sub",
     "(uid=demo-00000*)", ["cn"], False, 9, "slapd"),
]


def full_base(t, rel):
    return (rel + "," if rel else "") + t["base"]


def run(cfg):
    tenants = cfg["tenants"]
    ents = {}
    for name, t in tenants.items():
        with open(t["export"], encoding="utf-8") as f:
            ents[name] = ldif.entries(json.load(f), name, t["base"],
                                      t.get("org"))
    oracle = connect(cfg["oracle"]["url"])
    subj = {}
    for name, t in tenants.items():
        if cfg["subject"].get("bind"):
            subj[name] = connect(cfg["subject"]["url"], t["login"],
                                 t["password"])
        else:
            subj[name] = connect(cfg["subject"]["url"])
    failed = 0
    only = cfg.get("only")
    for row in TABLE:
        name, tn, rel, scope, filt, attrs, tonly, size, ref = row
        if only and only not in name:
            continue
        base = full_base(tenants[tn], rel)
        mrc, model = model_search(ents[tn], base, scope, filt, attrs, tonly)
        orc, orac, _ = server_search(oracle, base, scope, filt, attrs,
                                     tonly, 0)
        src, got, _ = server_search(subj[tn], base, scope, filt, attrs,
                                    tonly, size)
        why = []
        if ref == "slapd":
            want, wrc = orac, orc
            d = diff(orac, model)
            if d or mrc != orc:
                why.append("harness: the model disagrees with slapd "
                           "(rc %d vs %d)" % (mrc, orc))
                why += ["  model: " + x for x in d]
        elif cfg["subject"].get("is_slapd"):
            want, wrc = orac, orc  # the self-test: slapd against slapd
            if diff(model, orac) == []:
                why.append("harness: slapd agrees with the model, so this "
                           "row shows no difference (%s)" % ref)
        else:
            want, wrc = model, mrc
            if diff(model, orac) == []:
                why.append("harness: slapd agrees with the model, so this "
                           "row shows no difference (%s)" % ref)
        if size and len(want) > size:
            if src != 4:
                why.append("result %d, want 4 sizeLimitExceeded" % src)
            if len(got) != size:
                why.append("%d entries, want exactly %d" % (len(got), size))
            sub = {k: want[k] for k in got if k in want}
            why += diff(sub, got)
        else:
            if src != wrc:
                why.append("result %d, want %d" % (src, wrc))
            why += diff(want, got)
        tag = "%s [%s, %d entries]" % (name, ref, len(want))
        if why:
            failed += 1
            print("FAIL %s\n# filter %s base %s scope %s" % (tag, filt, base,
                                                             scope))
            for w in why:
                print("# " + w)
        else:
            print("PASS " + tag)
        sys.stdout.flush()
    return failed


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cfg = json.load(f)
    if len(sys.argv) > 2:
        cfg["only"] = sys.argv[2]
    run(cfg)


if __name__ == "__main__":
    main()
