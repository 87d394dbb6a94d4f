#!/usr/bin/python3
"""Self-test of cardcompare.py: it finds every difference it must (a card
missing TITLE, a TEL type changed, a fifth ORG level changed, a person
twice, a photo missing or changed, an e-mail's case ...), names the person
and the property, and stays quiet only for the same cards written another
way (2.1 quoted-printable, folding, order) or for exactly what its client
table documents. Needs no build. TAP output."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cardcompare  # noqa: E402

n = 0
failed = 0


def ok(cond, name, detail=None):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, name))
    if not cond:
        failed = 1
        for line in (detail or []):
            print("# %s" % line)


# The directory's export (3.0): a person six units deep with a photo, one
# at the top with two phones.
PHOTO = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4"
         "z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC")
WANT = """BEGIN:VCARD\r
VERSION:3.0\r
N:欧阳;明月;;;\r
FN:欧阳明月\r
X-PHONETIC-LAST-NAME:ouyang\r
X-PHONETIC-FIRST-NAME:mingyue\r
ORG:Acme 集团;研发中心;平台部;基础架构组;数据库小组;存\r
 储引擎组\r
TITLE:高级工程师\r
TEL;TYPE=CELL:+86 139 0000 0009\r
TEL;TYPE=WORK,VOICE:+86 21 5555 0101\r
EMAIL;TYPE=INTERNET:Ming.Yue@Example.CN\r
ADR;TYPE=WORK:;;碧波路 690 号;上海;上海市;201203;中国\r
NOTE:第一行\\n第二行\\; 值班\\, 手机\r
PHOTO;TYPE=PNG;ENCODING=b:%s\r
UID:se-deep-1\r
REV:2026-12-01T23:29:58Z\r
CATEGORIES:研发中心/平台部/基础架构组/数据库小组/存储引擎组\r
END:VCARD\r
BEGIN:VCARD\r
VERSION:3.0\r
N:Weber;Anna;;;\r
FN:Anna Weber\r
ORG:Acme 集团;总部\r
TITLE:Assistant\r
TEL;TYPE=CELL:+49 170 1234567\r
TEL;TYPE=HOME,VOICE:+49 30 1234567\r
EMAIL;TYPE=INTERNET:anna.weber@example.de\r
UID:demo-000100\r
REV:2026-12-01T23:29:58Z\r
CATEGORIES:总部\r
END:VCARD\r
""" % PHOTO

# The same two as SyncEvolution stores them: 2.1, quoted-printable with
# soft breaks, bare types, other order, its empty placeholders, PRODID, no
# UID, ORG folded into four parts (quirk org4) and padded to four.
SE = """BEGIN:VCARD
VERSION:2.1
REV:20261201T232958Z
N;CHARSET=UTF-8:欧阳;明月;;;
FN;CHARSET=UTF-8:欧阳明月
X-EVOLUTION-FILE-AS:
TITLE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E9=AB=98=E7=BA=A7=E5=B7=
=A5=E7=A8=8B=E5=B8=88
CATEGORIES;CHARSET=UTF-8:研发中心/平台部/基础架构组/数据库小组/存储引擎组
ORG;CHARSET=UTF-8:Acme 集团;研发中心;平台部;基础架构组/数据库小组/存储引擎组
TEL;WORK;VOICE:+86 21 5555 0101
TEL;CELL:+86 139 0000 0009
EMAIL;INTERNET:Ming.Yue@Example.CN
URL:
ADR;WORK;CHARSET=UTF-8:;;碧波路 690 号;上海;上海市;201203;中国
NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E7=AC=AC=E4=B8=80=E8=A1=8C=0A=
=E7=AC=AC=E4=BA=8C=E8=A1=8C\\; =E5=80=BC=E7=8F=AD, =E6=89=8B=E6=9C=BA
PHOTO;TYPE=PNG;VALUE=binary;ENCODING=BASE64:
 %s

GEO:;
X-PHONETIC-LAST-NAME:ouyang
X-PHONETIC-FIRST-NAME:mingyue
END:VCARD
""" % PHOTO
SE2 = """BEGIN:VCARD
VERSION:3.0
PRODID:-//Synthesis AG//NONSGML SyncML Engine V3.4.0.47//EN
REV:20261201T232958Z
N:Weber;Anna;;;
FN:Anna Weber
TITLE:Assistant
CATEGORIES:总部
ORG:Acme 集团;总部;;
TEL;TYPE=CELL:+49 170 1234567
TEL;TYPE=HOME,VOICE:+49 30 1234567
EMAIL;TYPE=INTERNET:anna.weber@example.de
NOTE:
PHOTO;TYPE=unknown;VALUE=binary:
END:VCARD
"""


def se(first=SE, second=SE2):
    return cardcompare.compare(WANT, [first, second], "syncevolution")


def expect(name, diffs, *words):
    """diffs must be non-empty and one line must hold every word."""
    hit = any(all(w in d for w in words) for d in diffs)
    ok(hit, name, ["differences: %r" % diffs, "wanted a line with %r"
                   % (words,)])


def sub(text, old, new, count=1):
    assert old in text, old
    return text.replace(old, new, count)


# -- equal when only the writing differs ----------------------------------
d = se()
ok(d == [], "SyncEvolution's 2.1/3.0 rendering of the same people: equal",
   d)
d = cardcompare.compare(WANT, [WANT], "raw")
ok(d == [], "raw: the export equals itself", d)
d = cardcompare.compare(WANT, [WANT.replace("\r\n", "\n")], "agent")
ok(d == [], "agent: LF line ends read the same", d)
d = cardcompare.compare(WANT, [SE, SE2], "raw")
expect("raw applies no client table: the missing UID counts", d,
       "欧阳明月", "UID")

# -- each thing it must catch ---------------------------------------------
expect("a card missing TITLE",
       se(sub(SE, "TITLE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E9=AB=98"
              "=E7=BA=A7=E5=B7=\n=A5=E7=A8=8B=E5=B8=88\n", "")),
       "欧阳明月", "TITLE", "missing")
expect("a TEL type changed (CELL to HOME)",
       se(SE, sub(SE2, "TEL;TYPE=CELL:", "TEL;TYPE=HOME:")),
       "Anna Weber", "TEL")
expect("a TEL type dropped (WORK;VOICE to VOICE)",
       se(sub(SE, "TEL;WORK;VOICE:", "TEL;VOICE:")), "欧阳明月", "TEL")
expect("a fifth ORG level changed (inside the folded fourth part)",
       se(sub(SE, "平台部;基础架构组/数据库小组/存储引擎组\n",
              "平台部;基础架构组/数据小组/存储引擎组\n")), "欧阳明月", "ORG")
d = cardcompare.compare(WANT, [sub(WANT, "数据库小组;存", "数据小组;存")],
                        "raw")
expect("raw: a fifth ORG level changed", d, "欧阳明月", "ORG")
expect("raw: a sixth ORG level missing",
       cardcompare.compare(WANT, [sub(WANT, ";存\r\n 储引擎组", "")], "raw"),
       "欧阳明月", "ORG")
expect("an ORG cut to four parts without the fold",
       se(sub(SE, "平台部;基础架构组/数据库小组/存储引擎组\n",
              "平台部;基础架构组\n")),
       "欧阳明月", "ORG")
expect("a person twice", se(SE, SE2 + SE2), "Anna Weber", "2 times")
expect("a person missing", cardcompare.compare(WANT, [SE], "syncevolution"),
       "Anna Weber", "missing")
expect("a photo missing",
       se(sub(SE, "PHOTO;TYPE=PNG;VALUE=binary;ENCODING=BASE64:\n %s\n\n"
              % PHOTO, "")), "欧阳明月", "PHOTO", "missing")
expect("a photo's bytes changed",
       se(sub(SE, PHOTO, PHOTO[:-8] + "AAAAAA==")), "欧阳明月", "PHOTO")
expect("a photo's type changed",
       se(sub(SE, "PHOTO;TYPE=PNG", "PHOTO;TYPE=JPEG")), "欧阳明月", "PHOTO")
expect("an e-mail's case changed",
       se(sub(SE, "Ming.Yue@Example.CN", "ming.yue@example.cn")),
       "欧阳明月", "EMAIL")
expect("a trailing space in a value",
       se(SE, sub(SE2, "TITLE:Assistant", "TITLE:Assistant ")),
       "Anna Weber", "TITLE")
expect("the given name changed (N beyond family;given)",
       se(sub(SE, "N;CHARSET=UTF-8:欧阳;明月;;;", "N;CHARSET=UTF-8:欧阳;明月;;Dr.;")),
       "欧阳明月", "N")
expect("pinyin missing", se(sub(SE, "X-PHONETIC-FIRST-NAME:mingyue\n", "")),
       "欧阳明月", "X-PHONETIC-FIRST-NAME")
expect("an ADR part changed", se(sub(SE, ";201203;", ";201204;")),
       "欧阳明月", "ADR")
expect("a NOTE changed", se(sub(SE, "=E6=89=8B=E6=9C=BA", "=E6=89=8B")),
       "欧阳明月", "NOTE")
expect("CATEGORIES changed",
       se(SE, sub(SE2, "CATEGORIES:总部", "CATEGORIES:总部/总裁办")),
       "Anna Weber", "CATEGORIES")
expect("an extra non-empty property of the client's",
       se(SE, sub(SE2, "NOTE:", "NOTE:mine")), "Anna Weber", "NOTE", "extra")
expect("REV changed", se(SE, sub(SE2, "REV:20261201T232958Z",
                                  "REV:20261201T232959Z")),
       "Anna Weber", "REV")

# -- the user's own cards, bad input, the CLI ------------------------------
OWN = "BEGIN:VCARD\nVERSION:3.0\nFN:My Dentist\nN:Dentist;My;;;\nEND:VCARD\n"
d = cardcompare.compare(WANT, [SE, SE2, OWN], "syncevolution",
                        ignore_fn=["My Dentist"])
ok(d == [], "ignore_fn leaves the user's own card out", d)
expect("without ignore_fn the user's card is extra",
       cardcompare.compare(WANT, [SE, SE2, OWN], "syncevolution"),
       "My Dentist", "extra")
try:
    cardcompare.compare(WANT, [SE], "nokia")
    ok(False, "an unknown client is refused")
except ValueError:
    ok(True, "an unknown client is refused")
ok(len(cardcompare.read_all(WANT)) == 2, "read_all gives every card")

with tempfile.TemporaryDirectory() as tmp:
    os.mkdir(os.path.join(tmp, "c"))
    for i, t in enumerate((SE, SE2)):
        with open(os.path.join(tmp, "c", str(i)), "w", encoding="utf-8") as f:
            f.write(t)
    exp = os.path.join(tmp, "export.vcf")
    with open(exp, "w", encoding="utf-8") as f:
        f.write(WANT)
    cmd = [sys.executable, os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "cardcompare.py"), os.path.join(tmp, "c"),
        exp]
    r = subprocess.run(cmd + ["--client", "syncevolution"],
                       capture_output=True, text=True)
    ok(r.returncode == 0 and r.stdout.endswith("0 differences\n"),
       "CLI --client syncevolution: exit 0 when equal", [r.stdout, r.stderr])
    r = subprocess.run(cmd, capture_output=True, text=True)
    ok(r.returncode == 1 and "UID" in r.stdout,
       "CLI default (raw): exit 1 and the differences", [r.stdout, r.stderr])
    r = subprocess.run(cmd + ["--client", "syncevolution", "--ignore-fn",
                              "Anna Weber"], capture_output=True, text=True)
    ok(r.returncode == 1 and "Anna Weber" in r.stdout,
       "CLI --ignore-fn of a directory person: that person is missing",
       [r.stdout])

print("1..%d" % n)
sys.exit(failed)
