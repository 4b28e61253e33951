// Spec 04 §12.7 from the capture (shared/vectors/04/packets.tsv): every captured
// MULTICAST_LIKE, MULTICAST_GATHER, MULTICAST_FRAME, OK(MULTICAST_GATHER) and
// OK(MULTICAST_FRAME) de-armors to the recorded plaintext, decodes, and encodes back to the
// same bytes; and what ztkube builds for the same inputs is what 1.14.1 sent: the ARP group
// with the target address as ADI, the gather limits (ml − known + 1), the LIKE of all groups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hex, toHex } from '../../src/util/hex.js';
import { dearmor } from '../../src/protocol/armor.js';
import { derivePeerKeys } from '../../src/crypto/peer-keys.js';
import { decompressPacket } from '../../src/protocol/compression.js';
import { Verb, VERB_MASK } from '../../src/protocol/constants.js';
import { decodeOk } from '../../src/protocol/verbs/ok.js';
import { decodeMulticastLike, encodeMulticastLike } from '../../src/protocol/verbs/multicast-like.js';
import { decodeMulticastGather, decodeOkMulticastGather, encodeMulticastGather, encodeOkMulticastGather } from '../../src/protocol/verbs/multicast-gather.js';
import { decodeMulticastFrame, decodeOkMulticastFrame, encodeMulticastFrame, encodeOkMulticastFrame } from '../../src/protocol/verbs/multicast-frame.js';
import { BROADCAST_GROUP, sortedUniqueGroups } from '../../src/node/multicast-group.js';
import { multicastGroupForFrame } from '../../src/node/multicast-group-for-frame.js';
import { OutboundMulticast } from '../../src/node/outbound-multicast.js';
import { blankNetworkConfig, NETCONF_FLAG_ENABLE_BROADCAST } from '../../src/protocol/netconf/network-config.js';
import { macForMember } from '../../src/protocol/member-mac.js';
import { sharedDir } from '../helpers/shared.js';

const K = 'f25a673766948441c2ccb4d0924c6c8feaa2f8e849fa648151e1b55b616a210c673731cb88fb0a30fef2deeb5e08ae81';
const NWID = 0x55bd869199fbd649n;
const MEMBER = 0xf842075b2e;
const CONTROLLER = 0x55bd869199;

interface Row {
  n: number;
  verb: string;
  datagrams: Uint8Array[];
  plaintext: string;
}

function rows(): Row[] {
  const text = readFileSync(join(sharedDir(), 'vectors', '04', 'packets.tsv'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split('\t'))
    .map((f) => ({ n: Number(f[0]), verb: f[8], datagrams: f[9].split(',').map((h) => hex(h)), plaintext: f[10] }));
}

/** The packet as received: de-armored with the peer key, expanded; its payload (after the verb byte). */
function open(r: Row): { verb: number; payload: Uint8Array; packet: Uint8Array } {
  assert.equal(r.datagrams.length, 1, `#${r.n} is one datagram`);
  const pkt = r.datagrams[0].slice();
  assert.ok(dearmor(pkt, derivePeerKeys(hex(K))), `#${r.n} de-armors`);
  const plain = decompressPacket(pkt);
  assert.equal(toHex(plain.subarray(28)), r.plaintext.slice(2), `#${r.n} plaintext`);
  return { verb: plain[27] & VERB_MASK, payload: plain.subarray(28), packet: plain };
}

const byN = (n: number): Row => rows().find((r) => r.n === n)!;

test('every captured multicast packet decodes and encodes back to its bytes', () => {
  const multicast = rows().filter((r) => /MULTICAST/.test(r.verb));
  assert.equal(multicast.length, 31);
  for (const r of multicast) {
    const { verb, payload } = open(r);
    const bytes = toHex(payload);
    if (verb === Verb.MULTICAST_LIKE) assert.equal(toHex(encodeMulticastLike(decodeMulticastLike(payload))), bytes, `#${r.n}`);
    else if (verb === Verb.MULTICAST_GATHER) assert.equal(toHex(encodeMulticastGather(decodeMulticastGather(payload))), bytes, `#${r.n}`);
    else if (verb === Verb.MULTICAST_FRAME) assert.equal(toHex(encodeMulticastFrame(decodeMulticastFrame(payload))), bytes, `#${r.n}`);
    else {
      assert.equal(verb, Verb.OK, `#${r.n}`);
      const ok = decodeOk(payload);
      const body = ok.inReVerb === Verb.MULTICAST_GATHER ? encodeOkMulticastGather(decodeOkMulticastGather(ok.body)) : encodeOkMulticastFrame(decodeOkMulticastFrame(ok.body));
      assert.equal(toHex(body), toHex(ok.body), `#${r.n}`);
    }
  }
});

test('#29 the first LIKE after the join; #82 the periodic LIKE of all groups, broadcast included', () => {
  const first = decodeMulticastLike(open(byN(29)).payload);
  assert.deepEqual(first.likes, [{ networkId: NWID, group: { mac: 0x01005e000001, adi: 0 } }]);
  // The member's subscriptions (listnetworks-member.json) plus the implicit broadcast group,
  // sorted as Network::_allMulticastGroups sorts them: 7 tuples.
  const subscribed = [
    { mac: 0xffffffffffff, adi: 0x0a931428 },
    { mac: 0x3333ff9ecaa8, adi: 0 },
    { mac: 0x01005e000001, adi: 0 },
    { mac: 0x3333ff000001, adi: 0 },
    { mac: 0x333300000001, adi: 0 },
    { mac: 0x3333ff075b2e, adi: 0 },
  ];
  const all = sortedUniqueGroups([...subscribed, BROADCAST_GROUP]);
  const periodic = open(byN(82)).payload;
  assert.equal(toHex(encodeMulticastLike({ likes: all.map((group) => ({ networkId: NWID, group })) })), toHex(periodic));
  assert.equal(decodeMulticastLike(periodic).likes.length, 7);
});

test('#52 an explicit GATHER with the member COM inline and limit 32 − 0 + 1; #93 with one member known, 32 − 1 + 1', () => {
  const g = decodeMulticastGather(open(byN(52)).payload);
  assert.equal(g.networkId, NWID);
  assert.equal(g.flags, 0x01);
  assert.deepEqual(g.group, { mac: 0x333300000016, adi: 0 });
  assert.equal(g.gatherLimit, 32 - 0 + 1);
  assert.ok(g.com && g.com.signedBy === CONTROLLER);
  const arp = decodeMulticastGather(open(byN(93)).payload);
  assert.deepEqual(arp.group, { mac: 0xffffffffffff, adi: 0x0a93143d });
  assert.equal(arp.gatherLimit, 32 - 1 + 1);
  // Two identical GATHERs: to the best root and to the controller, the same node (04 §8.4).
  assert.equal(toHex(open(byN(96)).payload), toHex(open(byN(93)).payload));
});

test('#94 OK(MULTICAST_GATHER): the controller names itself; #83 OK(MULTICAST_FRAME) with gather results', () => {
  const ok = decodeOk(open(byN(94)).payload);
  assert.equal(ok.inReVerb, Verb.MULTICAST_GATHER);
  const g = decodeOkMulticastGather(ok.body);
  assert.deepEqual(g, { networkId: NWID, group: { mac: 0xffffffffffff, adi: 0x0a93143d }, results: { totalKnown: 1, members: [CONTROLLER] } });
  const okf = decodeOk(open(byN(83)).payload);
  assert.equal(okf.inReVerb, Verb.MULTICAST_FRAME);
  const f = decodeOkMulticastFrame(okf.body);
  assert.deepEqual(f, { networkId: NWID, group: { mac: 0x3333ff000001, adi: 0 }, flags: 0x02, results: { totalKnown: 1, members: [MEMBER] } });
});

test('#98 the ARP request: our group for the frame and our MULTICAST_FRAME are the captured ones', () => {
  const { payload } = open(byN(98));
  const captured = decodeMulticastFrame(payload);
  // Broadcast enabled or not, an ARP request goes to (ff:ff:ff:ff:ff:ff, target IPv4) (trap 19).
  for (const flags of [NETCONF_FLAG_ENABLE_BROADCAST, 0n]) {
    const config = { ...blankNetworkConfig(NWID, MEMBER), flags };
    assert.deepEqual(multicastGroupForFrame(config, 0xffffffffffff, 0x0806, captured.data), { mac: 0xffffffffffff, adi: 0x0a93143d });
  }
  const out = new OutboundMulticast({
    createdMs: 0,
    networkId: NWID,
    limit: 32,
    gatherLimit: 32 - 1 + 1,
    bridgedSourceMac: 0,
    ownMac: macForMember(NWID, MEMBER),
    group: { mac: 0xffffffffffff, adi: 0x0a93143d },
    etherType: 0x0806,
    data: captured.data,
  });
  assert.equal(toHex(out.payload), toHex(payload));
  assert.equal(out.sourceMac, 0x4a2eb99ecaa8, 'the filter sees our member MAC as the source');
});

test('#76 the controller DAD solicitation to 33:33:ff:00:00:01 (a plain multicast MAC: ADI 0)', () => {
  const m = decodeMulticastFrame(open(byN(76)).payload);
  assert.deepEqual(m.group, { mac: 0x3333ff000001, adi: 0 });
  assert.equal(m.gatherLimit, 32);
  assert.equal(m.etherType, 0x86dd);
  assert.deepEqual(multicastGroupForFrame(blankNetworkConfig(NWID, MEMBER), 0x3333ff000001, 0x86dd, m.data), { mac: 0x3333ff000001, adi: 0 });
  assert.equal(multicastGroupForFrame(blankNetworkConfig(NWID, MEMBER), 0xffffffffffff, 0x0800, m.data), null, 'a non-ARP broadcast without ENABLE_BROADCAST');
});
