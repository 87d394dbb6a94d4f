#!/usr/bin/python3
"""Generate a realistic, deterministic company directory as Orgbook CSV.

    gen-directory.py --people N [--seed S] [--photos K] [--company NAME]
                     [--latin-share F] --out DIR

Writes DIR/people.csv (columns as in import/IMPORT.md) and, when
--photos K > 0, K small PNG photos under DIR/photos/. Names are Chinese
(family + given, with pinyin) or Latin; the org tree is four to five
levels deep; people have one to three phones, one or two emails; about 2%
are hidden. The same arguments always give the same bytes.
"""
import argparse
import csv
import os
import random
import struct
import zlib

FAMILY = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"),
          ("陈", "chen"), ("杨", "yang"), ("赵", "zhao"), ("黄", "huang"),
          ("周", "zhou"), ("吴", "wu"), ("徐", "xu"), ("孙", "sun"),
          ("胡", "hu"), ("朱", "zhu"), ("高", "gao"), ("林", "lin"),
          ("何", "he"), ("郭", "guo"), ("马", "ma"), ("罗", "luo"),
          ("梁", "liang"), ("宋", "song"), ("郑", "zheng"), ("谢", "xie"),
          ("韩", "han"), ("唐", "tang"), ("冯", "feng"), ("于", "yu"),
          ("董", "dong"), ("萧", "xiao"), ("程", "cheng"), ("曹", "cao"),
          ("袁", "yuan"), ("邓", "deng"), ("许", "xu"), ("傅", "fu"),
          ("沈", "shen"), ("曾", "zeng"), ("彭", "peng"), ("吕", "lv"),
          ("欧阳", "ouyang"), ("司马", "sima"), ("单", "shan")]
GIVEN = [("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"),
         ("静", "jing"), ("丽", "li"), ("强", "qiang"), ("磊", "lei"),
         ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
         ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"),
         ("超", "chao"), ("秀英", "xiuying"), ("华", "hua"), ("平", "ping"),
         ("建国", "jianguo"), ("晓东", "xiaodong"), ("海燕", "haiyan"),
         ("志强", "zhiqiang"), ("丹", "dan"), ("萍", "ping"), ("鹏", "peng"),
         ("辉", "hui"), ("玉兰", "yulan"), ("子涵", "zihan"), ("雨桐", "yutong"),
         ("浩然", "haoran"), ("欣怡", "xinyi"), ("梓轩", "zixuan"),
         ("思远", "siyuan"), ("婷", "ting"), ("斌", "bin"), ("宇", "yu")]
LATIN_GIVEN = ["Anna", "Ben", "Clara", "David", "Elena", "Felix", "Grace",
               "Hugo", "Ingrid", "Jonas", "Katja", "Lukas", "Marie", "Noah",
               "Olivia", "Paul", "Rosa", "Samuel", "Tessa", "Victor",
               "Zoë", "José", "Søren", "Chloé", "Łukasz"]
LATIN_FAMILY = ["Müller", "Schmidt", "Dubois", "Rossi", "García", "Smith",
                "Johnson", "Brown", "Novak", "Jensen", "Kowalski", "Silva",
                "O'Brien", "Nguyen", "Andersson", "Fischer", "Martin",
                "Weber", "Costa", "Moreau"]
TITLES_CN = ["工程师", "高级工程师", "资深工程师", "技术专家", "产品经理",
             "项目经理", "部门经理", "总监", "销售代表", "客户经理",
             "人事专员", "会计", "行政助理", "架构师", "测试工程师"]
TITLES_EN = ["Engineer", "Senior Engineer", "Product Manager",
             "Sales Manager", "Account Executive", "Team Lead",
             "Director", "Analyst", "Designer", "Support Specialist"]
CITIES = [("上海", "上海市", "200120", "浦东新区世纪大道100号"),
          ("北京", "北京市", "100020", "朝阳区建国路88号"),
          ("深圳", "广东省", "518057", "南山区科技园南路16号"),
          ("杭州", "浙江省", "310052", "滨江区网商路699号"),
          ("成都", "四川省", "610041", "高新区天府大道1700号")]

# (path, latin?) — at least four levels deep in places
UNITS = [
    "总部/总裁办",
    "总部/战略发展部",
    "研发中心/平台部/存储组",
    "研发中心/平台部/网络组",
    "研发中心/平台部/基础架构组/数据库小组",
    "研发中心/客户端部/Android组",
    "研发中心/客户端部/iOS组",
    "研发中心/质量部/自动化测试组",
    "销售部/华东区/上海",
    "销售部/华东区/杭州",
    "销售部/华南区/深圳",
    "销售部/华北区/北京",
    "销售部/International/Europe/Berlin",
    "销售部/International/Europe/Paris",
    "销售部/International/Americas",
    "人力资源部/招聘组",
    "人力资源部/培训组",
    "财务部/会计组",
    "财务部/审计组",
    "行政部",
]


def png(width, height, rgb, seed):
    """A small valid PNG: a coloured tile with a diagonal pattern."""
    raw = bytearray()
    for y in range(height):
        raw.append(0)
        for x in range(width):
            shade = 40 if (x + y + seed) % 12 < 6 else 0
            raw += bytes(max(0, c - shade) for c in rgb)
    def chunk(kind, data):
        body = kind + data
        return (struct.pack(">I", len(data)) + body +
                struct.pack(">I", zlib.crc32(body) & 0xffffffff))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
            chunk(b"IDAT", zlib.compress(bytes(raw), 9)) +
            chunk(b"IEND", b""))


def units_for(n, rnd):
    """The fixed tree for small directories; more teams for large ones."""
    units = list(UNITS)
    extra = max(0, n // 400 - len(units))
    for i in range(extra):
        base = rnd.choice(UNITS)
        units.append("%s/项目组%03d" % (base, i + 1))
    return units


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--people", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--photos", type=int, default=0)
    ap.add_argument("--latin-share", type=float, default=0.15)
    ap.add_argument("--domain", default="demo.orgbook.cn")
    ap.add_argument("--uid-prefix", default="demo")
    ap.add_argument("--units", default=None,
                    help="comma-separated unit paths instead of the tree")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    rnd = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    units = a.units.split(",") if a.units else units_for(a.people, rnd)
    if a.photos:
        os.makedirs(os.path.join(a.out, "photos"), exist_ok=True)
    cols = ["uid", "family_name", "given_name", "display_name",
            "phonetic_family", "phonetic_given", "unit", "title",
            "phone_work", "phone_cell", "phone_home", "phone_fax", "email",
            "street", "city", "region", "postcode", "country", "note",
            "hidden", "photo"]
    used_mail = {}
    path = os.path.join(a.out, "people.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(cols)
        for i in range(a.people):
            unit = units[i % len(units)] if i < len(units) else rnd.choice(units)
            latin = "International" in unit or rnd.random() < a.latin_share
            if latin:
                given = rnd.choice(LATIN_GIVEN)
                family = rnd.choice(LATIN_FAMILY)
                pf = pg = ""
                display = "%s %s" % (given, family)
                local = "%s.%s" % (given, family)
                local = (local.lower().replace("'", "").replace("ü", "ue")
                         .replace("é", "e").replace("ë", "e").replace("ø", "o")
                         .replace("ł", "l").replace("í", "i").replace("á", "a"))
                title = rnd.choice(TITLES_EN)
            else:
                fam = rnd.choice(FAMILY)
                giv = rnd.choice(GIVEN)
                family, pf = fam
                given, pg = giv
                display = family + given
                local = "%s.%s" % (pg, pf)
                title = rnd.choice(TITLES_CN)
            k = used_mail.get(local, 0)
            used_mail[local] = k + 1
            email = "%s%s@%s" % (local, k + 1 if k else "", a.domain)
            cell = "+86 1%d%d %04d %04d" % (rnd.choice([3, 5, 8]),
                                            rnd.randint(0, 9),
                                            rnd.randint(0, 9999),
                                            rnd.randint(0, 9999))
            city = rnd.choice(CITIES)
            work = "+86 21 6%03d %04d ext %d" % (rnd.randint(0, 999),
                                                 rnd.randint(0, 9999),
                                                 rnd.randint(100, 999))
            phones_work = work
            if rnd.random() < 0.2:
                phones_work += "|+86 21 6%03d %04d" % (rnd.randint(0, 999),
                                                       rnd.randint(0, 9999))
            fax = ("+86 21 6%03d %04d" % (rnd.randint(0, 999),
                                          rnd.randint(0, 9999))
                   if rnd.random() < 0.1 else "")
            home = ("+86 %d %04d %04d" % (rnd.randint(20, 29),
                                          rnd.randint(0, 9999),
                                          rnd.randint(0, 9999))
                    if rnd.random() < 0.1 else "")
            emails = email
            if rnd.random() < 0.15:
                emails += "|%s@personal.example.com" % local
            photo = ""
            if i < a.photos:
                photo = "photos/%s-%06d.png" % (a.uid_prefix, i + 1)
                rgb = (rnd.randint(60, 255), rnd.randint(60, 255),
                       rnd.randint(60, 255))
                with open(os.path.join(a.out, photo), "wb") as pf_:
                    pf_.write(png(48, 48, rgb, i))
            hidden = "yes" if rnd.random() < 0.02 else ""
            note = "" if rnd.random() < 0.9 else "分机值班: 周一至周五"
            w.writerow(["%s-%06d" % (a.uid_prefix, i + 1), family, given,
                        display, pf, pg, unit, title, phones_work, cell,
                        home, fax, emails, city[3], city[0], city[1],
                        city[2], "中国" if not latin else "China", note,
                        hidden, photo])


if __name__ == "__main__":
    main()
