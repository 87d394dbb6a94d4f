#!/usr/bin/python3
"""A client's Map may only map ids it was sent (TAP on stdout).

  mapflood.py URL DB

A phone slow-syncs the acme directory, then answers with a Map of every
card it got plus 10,000 made-up server ids and the ids of northwind's
people (another enterprise). Only the real ones may reach the id map; the
others get 404. A second phone sends a Map of made-up ids alone.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sml import ALERT, Tap, cards, cred, final, post, q, resp_uri
from sml import msg as sml_msg

URL, DB = sys.argv[1], sys.argv[2]
tap = Tap()
ok = tap.ok
CRED = cred("zhang.wei@acme", "orgbook-demo")
SYNC = ('<Sync><CmdID>2</CmdID><Target><LocURI>contacts</LocURI></Target>'
        '<Source><LocURI>./contacts</LocURI></Source></Sync><Final/>')
MORE = ('<Alert><CmdID>2</CmdID><Data>222</Data><Item><Target><LocURI>'
        'contacts</LocURI></Target><Source><LocURI>./contacts</LocURI>'
        '</Source></Item></Alert>')


def msg(device, msg_id, body, creds=""):
    return sml_msg(URL, device, msg_id, body, creds, max_msg=200000)


def send(url, xml):
    return post(url, xml)[1]


def mapped(device):
    return q(DB, "SELECT count(*) FROM id_map m JOIN sync_state s ON "
             "s.id = m.state_id WHERE s.device = ?", device)[0][0]


def slow_sync(device):
    """Cards (server ids) of a slow sync, and where to send package 5."""
    r = send(URL, msg(device, 1, ALERT, CRED))
    url = resp_uri(r)
    r = send(url, msg(device, 2, SYNC))
    guids = cards(r)
    mid = 3
    while b"<Final" not in r and mid < 500:
        url = resp_uri(r) or url
        r = send(url, msg(device, mid, MORE))
        guids += cards(r)
        mid += 1
    return guids, resp_uri(r) or url, mid


def map_cmd(pairs):
    items = "".join('<MapItem><Target><LocURI>%s</LocURI></Target><Source>'
                    '<LocURI>%s</LocURI></Source></MapItem>' % p
                    for p in pairs)
    return ('<Map><CmdID>3</CmdID><Target><LocURI>contacts</LocURI></Target>'
            '<Source><LocURI>./contacts</LocURI></Source>%s</Map><Final/>'
            % items)


guids, url, mid = slow_sync("mapper")
ok(len(guids) > 300, "the slow sync brings the directory (%d)" % len(guids))
north = [r[0] for r in q(DB, "SELECT uid FROM person WHERE tenant_id = "
                         "(SELECT id FROM tenant WHERE name = 'northwind')")]
ok(len(north) > 0, "northwind has people (%d)" % len(north))
made_up = ["no-such-person-%05d" % i for i in range(10000)]
pairs = [(g, "L%d" % i) for i, g in enumerate(guids)]
pairs += [(g, "X%d" % i) for i, g in enumerate(made_up + north)]
r = send(url, msg("mapper", mid, map_cmd(pairs)))
statuses = re.findall(rb"<Status>(.*?)</Status>", r, re.S)
maps = [s for s in statuses if b"<Cmd>Map</Cmd>" in s]
ok(any(b"<Data>404</Data>" in s for s in maps),
   "the unknown ids get 404", r[:600])
ok(any(b"<Data>200</Data>" in s for s in maps),
   "the real ones get 200", r[:600])
ok(mapped("mapper") == len(guids),
   "only the %d ids sent are mapped (%d rows; %d unknown and %d of "
   "another enterprise were offered)" % (len(guids), mapped("mapper"),
                                          len(made_up), len(north)))

guids2, url2, mid2 = slow_sync("mapper-2")
r = send(url2, msg("mapper-2", mid2,
                   map_cmd([(g, "Y%d" % i)
                            for i, g in enumerate(made_up[:500])])))
maps = [s for s in re.findall(rb"<Status>(.*?)</Status>", r, re.S)
        if b"<Cmd>Map</Cmd>" in s]
ok(len(maps) == 1 and b"<Data>404</Data>" in maps[0],
   "a Map of made-up ids alone: one 404 status", r[:600])
ok(mapped("mapper-2") == 0, "and no row (%d)" % mapped("mapper-2"))

tap.done()
