// Spec 04 §12.2–§12.4 from the capture (shared/vectors/04/packets.tsv): every config request,
// config chunk and controller ERROR de-armors with the peer key to the recorded plaintext and
// decodes; the chunks verify with the controller's key and reassemble into the recorded
// dictionaries; our request metadata and push acknowledgement are the member's bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hex, toHex } from '../../src/util/hex.js';
import { dearmor } from '../../src/protocol/armor.js';
import { derivePeerKeys } from '../../src/crypto/peer-keys.js';
import { decompressPacket } from '../../src/protocol/compression.js';
import { Identity } from '../../src/protocol/identity.js';
import { Verb } from '../../src/protocol/constants.js';
import { decodeNetworkConfig as decodeChunk, decodeNetworkConfigRequest } from '../../src/protocol/verbs/network-config.js';
import { decodeError } from '../../src/protocol/verbs/error.js';
import { decodeNetworkConfig } from '../../src/protocol/netconf/config-dictionary.js';
import { encodeRequestMetadata, memberMetadata } from '../../src/protocol/netconf/request-metadata.js';
import { ConfigAssembler } from '../../src/node/config-assembler.js';
import { sharedDir } from '../helpers/shared.js';

const K = 'f25a673766948441c2ccb4d0924c6c8feaa2f8e849fa648151e1b55b616a210c673731cb88fb0a30fef2deeb5e08ae81';
const NWID = 0x55bd869199fbd649n;

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

/** The packet as the receiver has it: fragments joined, de-armored, expanded. */
function open(r: Row): Uint8Array {
  let pkt = r.datagrams[0];
  if (r.datagrams.length > 1) {
    const parts = [pkt, ...r.datagrams.slice(1).map((d) => d.subarray(16))];
    pkt = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      pkt.set(p, o);
      o += p.length;
    }
  }
  pkt = pkt.slice();
  assert.ok(dearmor(pkt, derivePeerKeys(hex(K))), `#${r.n} de-armors`);
  return decompressPacket(pkt);
}

const controller = (): Identity => {
  const line = readFileSync(join(sharedDir(), 'vectors', '04', 'identities.txt'), 'utf8').split('\n').find((l) => l.startsWith('55bd869199:'))!;
  return Identity.fromString(line.trim()).toPublic();
};
const vectorHex = (name: string): string => readFileSync(join(sharedDir(), 'vectors', '04', name), 'utf8').replace(/\s+/g, '');

test('config requests: the recorded plaintext, our metadata, the held revision and timestamp', () => {
  const ours = encodeRequestMetadata(memberMetadata({ protocol: 12, major: 1, minor: 14, revision: 1 }, 'linux/x86_64'));
  const requests = rows().filter((r) => r.verb === 'NETWORK_CONFIG_REQUEST');
  assert.deepEqual(requests.map((r) => r.n), [28, 43, 47, 148]);
  for (const r of requests) {
    const pkt = open(r);
    assert.equal(toHex(pkt.subarray(27)).replace(/^8b/, '0b'), r.plaintext.replace(/^8b/, '0b'));
    const req = decodeNetworkConfigRequest(pkt.subarray(28));
    assert.equal(req.networkId, NWID);
    assert.equal(toHex(req.metadata), toHex(ours), `#${r.n} metadata`);
    assert.deepEqual(req.current, r.n === 148 ? { revision: 1n, timestamp: 0x1a233a8da1cn } : { revision: 0n, timestamp: 0n });
  }
});

test('ERROR(NETWORK_ACCESS_DENIED) answers the request it names', () => {
  for (const r of rows().filter((x) => x.verb === 'ERROR(NETWORK_CONFIG_REQUEST)')) {
    const pkt = open(r);
    assert.equal(toHex(pkt.subarray(27)), r.plaintext);
    const err = decodeError(pkt.subarray(28));
    assert.equal(err.inReVerb, Verb.NETWORK_CONFIG_REQUEST);
    assert.equal(err.code, 0x07);
    assert.equal(err.networkId, NWID);
  }
});

test('config chunks verify with the controller key and reassemble into the recorded dictionaries', () => {
  const all = rows();
  const byN = new Map(all.map((r) => [r.n, r]));
  const expected: Record<number, string> = { 50: vectorHex('config-dict-first.hex'), 150: vectorHex('config-dict-refresh.hex') };
  for (const n of [49, 50, 150]) {
    const r = byN.get(n)!;
    const pkt = open(r);
    assert.equal(toHex(pkt.subarray(27)), r.plaintext.replace(/^8c/, '0c').replace(/^83/, '03'));
    const body = n === 49 ? pkt.subarray(28) : pkt.subarray(28 + 9);
    const chunk = decodeChunk(body);
    const result = new ConfigAssembler().accept(chunk, { source: 0x55bd869199, controller: 0x55bd869199, controllerIdentity: controller(), packetId: 0n });
    assert.equal(result.kind, 'complete', `#${n}`);
    if (result.kind !== 'complete') continue;
    const config = decodeNetworkConfig(result.dictionary);
    assert.equal(config.issuedTo, 0xf842075b2e);
    if (expected[n]) assert.equal(toHex(result.dictionary), expected[n]);
    if (n === 49) assert.equal(config.timestampMs, 0x1a233a8da1dn);
    // One flipped signed byte and the chunk no longer verifies.
    const bad = body.slice();
    bad[20] ^= 1;
    const refused = new ConfigAssembler().accept(decodeChunk(bad), { source: 0x55bd869199, controller: 0x55bd869199, controllerIdentity: controller(), packetId: 0n });
    assert.deepEqual(refused, { kind: 'rejected', reason: 'bad_signature' });
  }
});

test('the acknowledgement of push #49 is OK(in-re ECHO) with its packet ID, the network and its update ID', () => {
  const all = rows();
  const push = all.find((r) => r.n === 49)!;
  const pushPkt = open(push);
  const chunk = decodeChunk(pushPkt.subarray(28));
  const ack = all.find((r) => r.n === 51)!;
  const plain = open(ack).subarray(27);
  const expected = `0308${toHex(pushPkt.subarray(0, 8))}${NWID.toString(16)}${chunk.signing!.updateId.toString(16).padStart(16, '0')}`;
  assert.equal(toHex(plain), expected);
});
