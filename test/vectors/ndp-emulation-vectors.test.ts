// NDP emulation against the 1.14.1 capture (spec 04 §7.5, §12.8): every neighbor
// solicitation the member's kernel wrote to its TAP, answered by our switch, gives the
// advertisement 1.14.1 delivered back, byte for byte (checksum included), with its MACs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ndpAnswer, ndpPrefixes, isNeighborSolicitation } from '../../src/node/ndp-emulation.js';
import { readMac } from '../../src/protocol/member-mac.js';
import { rfc4193Ip, sixPlaneIp } from '../../src/protocol/zt-ipv6.js';
import { hex } from '../../src/util/hex.js';
import { assertInSpec, sharedDir } from '../helpers/shared.js';

const NWID = 0x55bd869199fbd649n;
const MEMBER = 0xf842075b2e;

interface EthFrame {
  dest: number;
  source: number;
  etherType: number;
  payload: Uint8Array;
}

function pcapFrames(bytes: Uint8Array): EthFrame[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: EthFrame[] = [];
  for (let o = 24; o + 16 <= bytes.length; ) {
    const len = dv.getUint32(o + 8, true);
    const f = bytes.subarray(o + 16, o + 16 + len);
    o += 16 + len;
    out.push({ dest: readMac(f, 0), source: readMac(f, 6), etherType: (f[12] << 8) | f[13], payload: f.subarray(14) });
  }
  return out;
}

test('04 §12.8: both captured solicitations (6PLANE and RFC4193) are answered exactly as 1.14.1 answered them', () => {
  const text = readFileSync(join(sharedDir(), 'vectors', '04', 'member-tap.pcap.hex'), 'utf8');
  const frames = pcapFrames(hex(text.replace(/[^0-9a-fA-F]/g, '')));
  // The member's static IPs as its controller assigned them (§7.6, listnetworks -j).
  const prefixes = ndpPrefixes(NWID, [
    { family: 4, ip: Uint8Array.of(10, 147, 20, 40), port: 24 },
    { family: 6, ip: rfc4193Ip(NWID, MEMBER), port: 88 },
    { family: 6, ip: sixPlaneIp(NWID, MEMBER), port: 40 },
  ]);
  let answered = 0;
  frames.forEach((ns, i) => {
    if (!isNeighborSolicitation(ns.etherType, ns.payload)) return;
    const na = frames[i + 1];
    const got = ndpAnswer(NWID, MEMBER, prefixes, ns.payload);
    assert.ok(got, `solicitation ${i} answered`);
    assert.equal(got.sourceMac, na.source);
    assert.equal(na.dest, ns.source, 'to the soliciting MAC');
    assert.equal(na.etherType, 0x86dd);
    assert.deepEqual(got.data, na.payload);
    answered++;
  });
  assert.equal(answered, 2);
});

test('04 §12.8: the advertisements printed in the spec are the ones computed', () => {
  for (const [ns, na] of [
    [
      '6000000000203aff fccc4650d8f842075b2e000000000001 ff0200000000000000000001ff000001 87008747 00000000 fccc4650d855bd869199000000000001 0101 4a2eb99ecaa8',
      '6000000000203aff fccc4650d855bd869199000000000001 fccc4650d8f842075b2e000000000001 8800f66c 60000000 fccc4650d855bd869199000000000001 0201 4a83461f001f',
    ],
    [
      '6000000000203aff fd55bd869199fbd6499993f842075b2e ff0200000000000000000001ff869199 8700e198 00000000 fd55bd869199fbd649999355bd869199 0101 4a2eb99ecaa8',
      '6000000000203aff fd55bd869199fbd649999355bd869199 fd55bd869199fbd6499993f842075b2e 8800d914 60000000 fd55bd869199fbd649999355bd869199 0201 4a83461f001f',
    ],
  ]) {
    assertInSpec('04-networks.md', ns);
    assertInSpec('04-networks.md', na);
    const prefixes = ndpPrefixes(NWID, [
      { family: 6, ip: rfc4193Ip(NWID, MEMBER), port: 88 },
      { family: 6, ip: sixPlaneIp(NWID, MEMBER), port: 40 },
    ]);
    const got = ndpAnswer(NWID, MEMBER, prefixes, hex(ns.replace(/ /g, '')));
    assert.deepEqual(got?.data, hex(na.replace(/ /g, '')));
    assert.equal(got?.sourceMac, 0x4a83461f001f);
  }
});
