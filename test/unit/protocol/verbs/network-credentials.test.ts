// Credentials other than the COM are built here with the byte layouts of 1.14.1's
// serializers (node/Tag.hpp, Revocation.hpp, CertificateOfOwnership.hpp, Capability.hpp).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../../../src/util/errors.js';
import { Reader } from '../../../../src/protocol/reader.js';
import { Writer } from '../../../../src/protocol/writer.js';
import type { CertificateOfMembership } from '../../../../src/protocol/verbs/com.js';
import {
  readCapabilityBytes,
  readCertificateOfOwnershipBytes,
  readRevocationBytes,
  readTagBytes,
} from '../../../../src/protocol/verbs/credential-lengths.js';
import { decodeNetworkCredentials, encodeNetworkCredentials, type NETWORK_CREDENTIALS } from '../../../../src/protocol/verbs/network-credentials.js';
import { fuzzDecoder } from '../../../helpers/property.js';

const nwid = 0x8056c2e21c000001n;
const controller = 0x8056c2e21c;
const sig = new Uint8Array(96).fill(0x42);

function ed25519(w: Writer): void {
  w.u8(1).u16(96).bytes(sig);
}

function tag(id: number, value: number): Uint8Array {
  const w = new Writer();
  w.u64(nwid).u64(1000n).u32(id).u32(value).u40(0x1111111111).u40(controller);
  ed25519(w);
  w.u16(0);
  return w.finish();
}

function revocation(id: number): Uint8Array {
  const w = new Writer();
  w.u32(0).u32(id).u64(nwid).u32(0).u32(7).u64(1000n).u64(0n).u40(0x1111111111).u40(controller).u8(1);
  ed25519(w);
  w.u16(0);
  return w.finish();
}

function coo(declared: number, carried = declared): Uint8Array {
  const w = new Writer();
  w.u64(nwid).u64(1000n).u64(0n).u32(3).u16(declared);
  for (let i = 0; i < carried; i++) w.u8(2).bytes(new Uint8Array(16).fill(i));
  w.u40(0x1111111111).u40(controller);
  ed25519(w);
  w.u16(0);
  return w.finish();
}

interface CapOptions {
  rules?: Array<[number, Uint8Array]>;
  maxChain?: number;
  chain?: number;
  extra?: Uint8Array;
  signature?: (w: Writer) => void;
}

function capability(o: CapOptions = {}): Uint8Array {
  const rules = o.rules ?? [[0x30, Uint8Array.of(0x08, 0x00)], [0x00, new Uint8Array(0)]];
  const w = new Writer();
  w.u64(nwid).u64(1000n).u32(9).u16(rules.length);
  for (const [t, v] of rules) w.u8(t).u8(v.length).bytes(v);
  w.u8(o.maxChain ?? 7);
  for (let i = 0; i < (o.chain ?? 1); i++) {
    w.u40(0x1111111111 + i).u40(controller);
    (o.signature ?? ed25519)(w);
  }
  w.u40(0);
  const extra = o.extra ?? new Uint8Array(0);
  w.u16(extra.length).bytes(extra);
  return w.finish();
}

function scanAll(b: Uint8Array, scan: (r: Reader) => Uint8Array): number {
  const r = new Reader(b);
  scan(r);
  return r.pos;
}

test('credential lengths as 1.14.1 serializes them', () => {
  assert.equal(tag(1, 2).length, 135);
  assert.equal(scanAll(tag(1, 2), readTagBytes), 135);
  assert.equal(revocation(1).length, 152);
  assert.equal(scanAll(revocation(1), readRevocationBytes), 152);
  assert.equal(scanAll(coo(2), readCertificateOfOwnershipBytes), coo(2).length);
  const cap = capability();
  assert.equal(scanAll(cap, readCapabilityBytes), cap.length);
  // Scanners stop at the end of their credential.
  const r = new Reader(Uint8Array.of(...tag(1, 2), 0xee));
  assert.deepEqual(readTagBytes(r), tag(1, 2));
  assert.equal(r.u8('next'), 0xee);
});

test('certificate of ownership: only the first 16 things are consumed (1.14.1 quirk)', () => {
  const b = coo(17, 16);
  assert.equal(scanAll(b, readCertificateOfOwnershipBytes), b.length);
});

test('capability: rule, custody-chain and signature limits', () => {
  const many = Array.from({ length: 65 }, (): [number, Uint8Array] => [0, new Uint8Array(0)]);
  assert.throws(() => scanAll(capability({ rules: many }), readCapabilityBytes), (e: unknown) => e instanceof DecodeError && e.field === 'capability.ruleCount');
  assert.equal(scanAll(capability({ rules: many.slice(1) }), readCapabilityBytes), capability({ rules: many.slice(1) }).length);
  assert.throws(() => scanAll(capability({ maxChain: 0 }), readCapabilityBytes), (e: unknown) => e instanceof DecodeError && e.field === 'capability.maxCustodyChainLength');
  assert.throws(() => scanAll(capability({ maxChain: 8 }), readCapabilityBytes), DecodeError);
  assert.throws(() => scanAll(capability({ maxChain: 1, chain: 2 }), readCapabilityBytes), (e: unknown) => e instanceof DecodeError && e.field === 'capability.custody[1]');
  const twoOfTwo = capability({ maxChain: 2, chain: 2 });
  assert.equal(scanAll(twoOfTwo, readCapabilityBytes), twoOfTwo.length);
  const emptyChain = capability({ chain: 0 });
  assert.equal(scanAll(emptyChain, readCapabilityBytes), emptyChain.length);
  // Another signature type is skipped by its length; type 1 must say 96.
  const otherSig = capability({ signature: (w) => w.u8(2).u16(3).bytes(Uint8Array.of(1, 2, 3)) });
  assert.equal(scanAll(otherSig, readCapabilityBytes), otherSig.length);
  assert.throws(
    () => scanAll(capability({ signature: (w) => w.u8(1).u16(64).bytes(new Uint8Array(64)) }), readCapabilityBytes),
    (e: unknown) => e instanceof DecodeError && e.field === 'capability.custody[0].signatureLength',
  );
  const withExtra = capability({ extra: Uint8Array.of(1, 2, 3, 4) });
  assert.equal(scanAll(withExtra, readCapabilityBytes), withExtra.length);
  assert.throws(() => scanAll(withExtra.subarray(0, withExtra.length - 1), readCapabilityBytes), (e: unknown) => e instanceof DecodeError && e.field === 'capability.extra');
});

const com: CertificateOfMembership = {
  qualifiers: [{ id: 0n, value: 1000n, maxDelta: 100n }, { id: 1n, value: nwid, maxDelta: 0n }],
  signedBy: controller,
  signature: sig,
};

const full: NETWORK_CREDENTIALS = {
  coms: [com, { ...com, qualifiers: [com.qualifiers[0]] }],
  capabilities: [capability(), capability({ chain: 2 })],
  tags: [tag(1, 2), tag(3, 4)],
  revocations: [revocation(5)],
  certificatesOfOwnership: [coo(2)],
};

test('NETWORK_CREDENTIALS round trip with every section', () => {
  const b = encodeNetworkCredentials(full);
  const d = decodeNetworkCredentials(b);
  assert.deepEqual(d, full);
  assert.deepEqual(encodeNetworkCredentials(d), b);
});

test('NETWORK_CREDENTIALS: sections are optional from the end; earlier ones are written as empty', () => {
  const comsOnly = { coms: [com] };
  const b = encodeNetworkCredentials(comsOnly);
  assert.equal(b[b.length - 1], 0, 'COM list terminator is the last byte');
  assert.deepEqual(decodeNetworkCredentials(b), comsOnly);
  const tagsOnly = encodeNetworkCredentials({ coms: [], tags: [tag(1, 1)] });
  assert.deepEqual([tagsOnly[0], tagsOnly[1], tagsOnly[2], tagsOnly[3], tagsOnly[4]], [0, 0, 0, 0, 1]);
  assert.deepEqual(decodeNetworkCredentials(tagsOnly), { coms: [], capabilities: [], tags: [tag(1, 1)] });
  assert.deepEqual(decodeNetworkCredentials(new Uint8Array(0)), { coms: [] });
  assert.deepEqual(decodeNetworkCredentials(Uint8Array.of(0)), { coms: [] });
});

test('NETWORK_CREDENTIALS: a COM list without its terminator is accepted (as in 1.14.1)', () => {
  const b = encodeNetworkCredentials({ coms: [com] });
  assert.deepEqual(decodeNetworkCredentials(b.subarray(0, b.length - 1)), { coms: [com] });
});

test('NETWORK_CREDENTIALS errors name the section and index', () => {
  const b = encodeNetworkCredentials(full);
  assert.throws(() => decodeNetworkCredentials(b.subarray(0, b.length - 1)), (e: unknown) => e instanceof DecodeError && e.field.startsWith('NETWORK_CREDENTIALS.certificatesOfOwnership[0]'));
  const notCom = Uint8Array.of(2, 0, 0);
  assert.throws(() => decodeNetworkCredentials(notCom), (e: unknown) => e instanceof DecodeError && e.field === 'NETWORK_CREDENTIALS.coms[0].version');
  assert.throws(() => encodeNetworkCredentials({ coms: [], tags: [tag(1, 1).subarray(0, 100)] }), RangeError);
});

test('credential decoder properties', () => {
  fuzzDecoder('decodeNetworkCredentials', decodeNetworkCredentials, {
    seeds: [encodeNetworkCredentials(full), encodeNetworkCredentials({ coms: [com] }), encodeNetworkCredentials({ coms: [], capabilities: [capability({ chain: 3 })] })],
  });
  for (const [name, scan, seed] of [
    ['readTagBytes', readTagBytes, tag(1, 2)],
    ['readRevocationBytes', readRevocationBytes, revocation(1)],
    ['readCertificateOfOwnershipBytes', readCertificateOfOwnershipBytes, coo(3)],
    ['readCapabilityBytes', readCapabilityBytes, capability({ chain: 2 })],
  ] as const) {
    fuzzDecoder(name, (b) => scan(new Reader(b)), { seeds: [seed] });
  }
});
