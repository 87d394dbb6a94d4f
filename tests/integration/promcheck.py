#!/usr/bin/python3
"""Check a Prometheus text exposition (version 0.0.4) read from a file:
every sample's family has one HELP and one TYPE before its samples, names
and labels are valid, no series appears twice, a family's samples are
together, histograms have cumulative buckets ending in +Inf equal to
_count, counters are not negative. Prints the problems, exits 1 if any.

  promcheck.py FILE            check
  promcheck.py FILE --names    check, then print every family name
  promcheck.py FILE --get 'name{labels}'   print that sample's value
"""
import math
import re
import sys

NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_labels(text, problems, line):
    if not text:
        return ()
    inner = text[1:-1]
    labels = []
    pos = 0
    while pos < len(inner):
        m = LABEL.match(inner, pos)
        if not m:
            problems.append("bad labels: %s" % line)
            return tuple(labels)
        labels.append((m.group(1), m.group(2)))
        pos = m.end()
        if pos < len(inner):
            if inner[pos] != ",":
                problems.append("bad labels: %s" % line)
                return tuple(labels)
            pos += 1
    names = [k for k, _ in labels]
    if len(set(names)) != len(names):
        problems.append("label twice: %s" % line)
    return tuple(labels)


def family_of(name, types):
    for suf in ("_bucket", "_sum", "_count"):
        if name.endswith(suf) and types.get(name[: -len(suf)]) in (
                "histogram", "summary"):
            return name[: -len(suf)]
    return name


def check(text):
    problems = []
    helps, types, samples, done = {}, {}, {}, set()
    current = None
    if not text.endswith("\n"):
        problems.append("no final newline")
    for line in text.split("\n"):
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not NAME.match(name):
                    problems.append("bad name: %s" % line)
                table = helps if parts[1] == "HELP" else types
                if name in table:
                    problems.append("%s twice for %s" % (parts[1], name))
                if len(parts) < 4 or not parts[3].strip():
                    problems.append("empty %s for %s" % (parts[1], name))
                elif parts[1] == "TYPE" and parts[3] not in TYPES:
                    problems.append("bad TYPE: %s" % line)
                table[name] = parts[3] if len(parts) > 3 else ""
                if name in done or name in samples:
                    problems.append("%s after samples of %s" %
                                    (parts[1], name))
            continue
        m = SAMPLE.match(line)
        if not m:
            problems.append("bad sample: %s" % line)
            continue
        name, ltext, value = m.group(1), m.group(2), m.group(3)
        labels = parse_labels(ltext, problems, line)
        try:
            v = float(value)
        except ValueError:
            problems.append("bad value: %s" % line)
            continue
        fam = family_of(name, types)
        if fam not in helps:
            problems.append("no HELP for %s" % fam)
        if fam not in types:
            problems.append("no TYPE for %s" % fam)
        if current != fam:
            if fam in done:
                problems.append("samples of %s not together" % fam)
            if current is not None:
                done.add(current)
            current = fam
        key = (name, tuple(sorted(labels)))
        if key in samples:
            problems.append("series twice: %s" % line)
        samples[key] = v
        if types.get(fam) == "counter" and (v < 0 or math.isnan(v)):
            problems.append("negative counter: %s" % line)
        if types.get(fam) == "counter" and not (
                name.endswith("_total") or name.endswith("_info")):
            problems.append("counter without _total: %s" % name)
    # histograms: buckets cumulative, +Inf == _count, _sum present
    for fam, t in types.items():
        if t != "histogram":
            continue
        series = {}
        for (name, labels), v in samples.items():
            if name == fam + "_bucket":
                rest = tuple(kv for kv in labels if kv[0] != "le")
                le = dict(labels).get("le")
                if le is None:
                    problems.append("bucket without le in %s" % fam)
                    continue
                series.setdefault(rest, []).append(
                    (math.inf if le == "+Inf" else float(le), v))
        if not series:
            problems.append("histogram %s has no buckets" % fam)
        for rest, buckets in series.items():
            buckets.sort()
            if buckets[-1][0] != math.inf:
                problems.append("%s%s: no +Inf bucket" % (fam, rest))
            for a, b in zip(buckets, buckets[1:]):
                if b[1] < a[1]:
                    problems.append("%s%s: buckets not cumulative" %
                                    (fam, rest))
            count = samples.get((fam + "_count", rest))
            if count is None or (fam + "_sum", rest) not in samples:
                problems.append("%s%s: no _count or _sum" % (fam, rest))
            elif count != buckets[-1][1]:
                problems.append("%s%s: _count %s != +Inf %s" %
                                (fam, rest, count, buckets[-1][1]))
    return problems, types, samples


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    problems, types, samples = check(text)
    for p in problems:
        print("# " + p)
    if len(sys.argv) > 2 and sys.argv[2] == "--names":
        for name in sorted(types):
            print(name)
    if len(sys.argv) > 3 and sys.argv[2] == "--get":
        m = SAMPLE.match(sys.argv[3] + " 0")
        want = (m.group(1), tuple(sorted(parse_labels(m.group(2), [], ""))))
        print("%g" % samples[want] if want in samples else "missing")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
