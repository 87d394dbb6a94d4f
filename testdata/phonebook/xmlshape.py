#!/usr/bin/python3
"""Check a phonebook document against a vendor's sample.

    xmlshape.py SAMPLE.xml DOC.xml

Both must be well-formed XML (expat, strict); DOC must have the sample's
root and every element path and attribute name in DOC must occur in the
sample (DOC may leave some out). Exit 0 when so, 1 with the differences
on stdout."""
import sys
import xml.etree.ElementTree as ET


def shape(root):
    paths = set()

    def walk(e, prefix):
        p = prefix + "/" + e.tag
        paths.add(p)
        for a in e.attrib:
            paths.add(p + "@" + a)
        for c in e:
            walk(c, p)
    walk(root, "")
    return paths


def main():
    sample = ET.parse(sys.argv[1]).getroot()
    doc = ET.parse(sys.argv[2]).getroot()
    if sample.tag != doc.tag:
        print("root %s, sample root %s" % (doc.tag, sample.tag))
        return 1
    extra = sorted(shape(doc) - shape(sample))
    for p in extra:
        print("not in the sample: " + p)
    return 1 if extra else 0


sys.exit(main())
