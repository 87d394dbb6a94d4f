#!/usr/bin/env python3
"""Decode a file of LDAPMessages (our responses) with ldap3's pyasn1
schema of RFC 4511, independently of Orgbook's own reader; check that
pyasn1's BER encoder gives the same bytes back (so every length is the
minimal definite one) and print one line per message for the C test.
Exit 1 on any error. Usage: check-pyasn1.py FILE"""
import sys

from pyasn1.codec.ber import decoder, encoder
from ldap3.protocol.rfc4511 import LDAPMessage
from ldap3.protocol.rfc2696 import RealSearchControlValue


def s(v):
    return bytes(v).decode("utf-8")


def main():
    data = open(sys.argv[1], "rb").read()
    while data:
        msg, rest = decoder.decode(data, asn1Spec=LDAPMessage())
        raw = data[:len(data) - len(rest)]
        if encoder.encode(msg) != raw:
            print("re-encoding differs: %s" % raw.hex())
            return 1
        data = rest
        op = msg["protocolOp"]
        name = op.getName()
        body = op.getComponent()
        line = [str(int(msg["messageID"])), name]
        if name == "searchResEntry":
            line.append(s(body["object"]))
            for a in body["attributes"]:
                t = s(a["type"])
                vals = [bytes(v) for v in a["vals"]]
                if t == "jpegPhoto":
                    line.append("%s=%dB" % (t, sum(len(v) for v in vals)))
                else:
                    line.append(t + "=" + "|".join(v.decode() for v in vals))
        else:
            line += [str(int(body["resultCode"])), s(body["matchedDN"]),
                     s(body["diagnosticMessage"])]
            if name == "extendedResp":
                rn = body["responseName"]
                rv = body["responseValue"]
                line.append(s(rn) if rn.isValue else "-")
                line.append(s(rv) if rv.isValue else "-")
        if msg["controls"].isValue:
            for c in msg["controls"]:
                oid = s(c["controlType"])
                if oid == "1.2.840.113556.1.4.319":
                    v, _ = decoder.decode(bytes(c["controlValue"]),
                                          asn1Spec=RealSearchControlValue())
                    oid += "(%d,%s)" % (int(v["size"]), s(v["cookie"]))
                line.append(oid)
        print(" ".join(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
