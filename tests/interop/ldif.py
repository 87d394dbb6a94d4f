#!/usr/bin/python3
"""Orgbook's JSON export as the LDAP tree ldap/dir.h defines, in LDIF.

    ldif.py --tenant NAME [--base DN] [--org TEXT] EXPORT.json > OUT.ldif

EXPORT.json is `orgbook-admin export --tenant NAME --format json`. The
LDIF (RFC 2849, parents before children, so slapadd and ldapadd take it)
holds what Orgbook's LDAP listener serves for that enterprise, written
from dir.h's comment and not from ldap/dir.c, so that a real slapd
loaded with it is an oracle for the listener:

  <base>         dc=<tenant> unless --base; top, dcObject, organization;
                 dc from the base's first RDN, o = --org (the enterprise's
                 display name; default the tenant name)
  ou=<unit>,...  top, organizationalUnit, nested as the unit paths
  uid=<uid>,<unit DN>  top, person, organizationalPerson, inetOrgPerson,
                 orgbookPerson; people in no unit under the base
Hidden people are left out. Person attributes (empty values left out):
  cn, displayName  display_name
  sn             family_name, else the display name (person needs an sn)
  givenName      given_name
  telephoneNumber  each work number as stored, its extension included
                 (what a person reads; matching uses the digits before it)
  ipPhone        each work number's extension ("ext 12", "x12", "#12",
                 ";ext=12", ",12"), digits only
  mobile, homePhone, facsimileTelephoneNumber  cell, home, fax numbers,
                 as stored
  mail           every e-mail
  o              as the base's o;  ou  the name of the person's unit
  title, street, l (city), st (region), postalCode, description (note)
  postalAddress  street, city, region, postcode, country as RFC 4517
                 lines ("$" between them, "\\24" and "\\5C" escaped)
  uid            uid
  orgbookPinyin  for a name with a reading: spaced ("ouyang mingyue"),
                 joined ("ouyangmingyue") and initials, one a syllable
                 ("oymy"), all of the stored reading (an administrator's
                 reading of a polyphonic name, 张乐 "zhang yue": "zy");
                 a reading that is not pinyin has its words' initials
No jpegPhoto (a search gets it only by name), no operational attributes.

As a module: entries(export, tenant, base, org) gives the same tree as a
list of (dn, attrs) with attrs a dict of name -> list of str, plus the
key "_pinyin": {attr: [forms]}, the readings cn, sn, givenName and
displayName also match (dir.h), which the LDIF does not carry.
"""
import argparse
import base64
import json
import sys

# The toneless pinyin syllables (Unihan kMandarin, as lib/pinyin's table),
# to cut a name's reading into one syllable a character for its initials.
SYLLABLES = set("""
    a ai an ang ao ba bai ban bang bao bei ben beng bi bian biang biao bie 
    bin bing bo bu ca cai can cang cao ce cei cen ceng cha chai chan chang 
    chao che chen cheng chi chong chou chu chua chuai chuan chuang chui 
    chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de den 
    deng di dian diao die din ding diu dong dou du duan dui dun duo e ei en 
    eng er fa fan fang fei fen feng fiao fo fou fu ga gai gan gang gao ge 
    gei gen geng gong gou gu gua guai guan guang gui gun guo ha hai han 
    hang hao he hei hen heng hm hong hou hu hua huai huan huang hui hun huo 
    ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai 
    kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun 
    kuo la lai lan lang lao le lei leng li lia lian liang liao lie lin ling 
    liu lo long lou lu luan lun luo lv lve m ma mai man mang mao me mei men 
    meng mi mian miao mie min ming miu mo mou mu n na nai nan nang nao ne 
    nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan nun 
    nuo nv nve o ou pa pai pan pang pao pei pen peng pi pian piao pie pin 
    ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan 
    que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa 
    sai san sang sao se sen seng sha shai shan shang shao she shei shen 
    sheng shi shou shu shua shuai shuan shuang shui shun shuo si song sou 
    su suan sui sun suo ta tai tan tang tao te teng ti tian tiao tie ting 
    tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng wo wong wu xi 
    xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan yang 
    yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze 
    zei zen zeng zha zhai zhan zhang zhao zhe zhen zheng zhi zhong zhou zhu 
    zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo """.split())

EXT_MARKS = ("ext", "x", "#", ";", ",")


def dn_escape(v):
    """An attribute value as RFC 4514 writes it in a DN."""
    out = []
    for i, ch in enumerate(v):
        if ch in ',+"\\<>;=' or (i == 0 and ch in "# ") or \
                (i == len(v) - 1 and ch == " "):
            out.append("\\" + ch)
        elif ch == "\0":
            out.append("\\00")
        else:
            out.append(ch)
    return "".join(out)


def split_phone(number):
    """(main number, extension digits) of a stored number."""
    digits = 0
    low = number.lower()
    for i, ch in enumerate(number):
        if ch.isdigit():
            digits += 1
        elif digits and any(low.startswith(m, i) for m in EXT_MARKS):
            ext = "".join(c for c in number[i:] if c.isdigit())
            return number[:i].rstrip(" .-/(,;"), ext
    return number.strip(), ""


def is_han(ch):
    cp = ord(ch)
    return 0x3400 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or \
        cp >= 0x20000


def syllables(reading, count):
    """reading cut into exactly count syllables, or None."""
    reading = reading.replace(" ", "").lower()
    memo = {}

    def cut(i, k):
        if (i, k) in memo:
            return memo[(i, k)]
        res = None
        if k == 0:
            res = [] if i == len(reading) else None
        else:
            for j in range(min(len(reading), i + 6), i, -1):
                if reading[i:j] in SYLLABLES:
                    rest = cut(j, k - 1)
                    if rest is not None:
                        res = [reading[i:j]] + rest
                        break
        memo[(i, k)] = res
        return res
    return cut(0, count)


def initials(text, reading):
    """The initials of a Han text read as reading: one a syllable when the
    reading is pinyin of one syllable a character, else one a word of the
    reading (a reading that is not pinyin still has initials)."""
    han = sum(1 for ch in text if is_han(ch))
    if han == 0 or not reading:
        return ""
    s = syllables(reading, han)
    if s:
        return "".join(x[0] for x in s)
    words = reading.replace("-", " ").replace("'", " ").split()
    return "".join(w[0].lower() for w in words if w)


def pinyin_forms(text, parts):
    """The readings a name text also matches: spaced, joined, initials.
    parts: (han part, reading) pairs making up the name."""
    parts = [(t, r.strip().lower()) for t, r in parts if t and r]
    if not parts or not any(is_han(ch) for ch in text):
        return []
    spaced = " ".join(r for _, r in parts)
    joined = "".join(r.replace(" ", "") for _, r in parts)
    ini = "".join(initials(t, r) for t, r in parts)
    forms = []
    for f in (spaced, joined, ini):
        if f and f not in forms:
            forms.append(f)
    return forms


def postal_line(v):
    return v.replace("\\", "\\5C").replace("$", "\\24")


def entries(export, tenant, base=None, org=None):
    base = base or "dc=" + dn_escape(tenant)
    org = org or tenant
    first = base.split(",")[0]
    dc = first.split("=", 1)[1] if first.lower().startswith("dc=") \
        else tenant
    out = [(base, {"objectClass": ["top", "dcObject", "organization"],
                   "dc": [dc], "o": [org]})]
    unit_dn = {"": base}

    def ensure(path):
        if path in unit_dn:
            return unit_dn[path]
        parent, _, leaf = path.rpartition("/")
        dn = "ou=" + dn_escape(leaf) + "," + ensure(parent)
        unit_dn[path] = dn
        out.append((dn, {"objectClass": ["top", "organizationalUnit"],
                         "ou": [leaf]}))
        return dn

    for path in sorted(export.get("units", []),
                       key=lambda p: (p.count("/"), p)):
        ensure(path)
    for p in export.get("people", []):
        if p.get("hidden"):
            continue
        unit = p.get("unit") or ""
        parent = ensure(unit)
        dn = "uid=" + dn_escape(p["uid"]) + "," + parent
        fam, giv = p.get("family_name") or "", p.get("given_name") or ""
        pf, pg = p.get("phonetic_family") or "", p.get("phonetic_given") or ""
        disp = p.get("display_name") or ""
        a = {"objectClass": ["top", "person", "organizationalPerson",
                             "inetOrgPerson", "orgbookPerson"]}

        def put(name, values):
            vals = [v for v in values if v]
            if vals:
                a.setdefault(name, [])
                for v in vals:
                    if v not in a[name]:
                        a[name].append(v)
        put("cn", [disp])
        put("sn", [fam or disp])
        put("givenName", [giv])
        put("displayName", [disp])
        put("telephoneNumber", p.get("phone_work", []))
        put("ipPhone", [split_phone(w)[1] for w in p.get("phone_work", [])])
        put("mobile", p.get("phone_cell", []))
        put("homePhone", p.get("phone_home", []))
        put("facsimileTelephoneNumber", p.get("phone_fax", []))
        put("mail", p.get("email", []))
        put("o", [org])
        put("ou", [unit.rpartition("/")[2]])
        put("title", [p.get("title")])
        street, city = p.get("street") or "", p.get("city") or ""
        region, pc = p.get("region") or "", p.get("postcode") or ""
        country = p.get("country") or ""
        lines = [postal_line(x) for x in (street, city, region, pc, country)
                 if x]
        put("postalAddress", ["$".join(lines)])
        put("street", [street])
        put("l", [city])
        put("st", [region])
        put("postalCode", [pc])
        put("description", [p.get("note")])
        put("uid", [p["uid"]])
        name_parts = [(fam, pf), (giv, pg)]
        full = pinyin_forms(disp, name_parts)
        put("orgbookPinyin", full)
        a["_pinyin"] = {"cn": full, "displayName": full,
                        "sn": pinyin_forms(fam or disp,
                                           [(fam, pf)] if fam else name_parts),
                        "givenName": pinyin_forms(giv, [(giv, pg)])}
        out.append((dn, a))
    return out


def safe(v):
    """May v be written as an RFC 2849 SAFE-STRING?"""
    if v == "":
        return True
    if v[0] in " :<" or v[-1] == " ":
        return False
    return all(0 < ord(c) < 128 and c not in "\r\n" for c in v)


def write_ldif(ents, f):
    for dn, attrs in ents:
        lines = [("dn", dn)]
        for name, values in attrs.items():
            if not name.startswith("_"):
                lines += [(name, v) for v in values]
        for name, v in lines:
            if safe(v):
                f.write("%s: %s\n" % (name, v))
            else:
                b = base64.b64encode(v.encode("utf-8")).decode("ascii")
                f.write("%s:: %s\n" % (name, b))
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tenant", required=True)
    ap.add_argument("--base")
    ap.add_argument("--org")
    ap.add_argument("export")
    o = ap.parse_args()
    with open(o.export, encoding="utf-8") as f:
        export = json.load(f)
    write_ldif(entries(export, o.tenant, o.base, o.org), sys.stdout)


if __name__ == "__main__":
    main()
