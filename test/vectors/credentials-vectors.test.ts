// Credentials captured from real ZeroTier One 1.14.1 nodes (shared/vectors/04, spec 04
// §12.5, §12.6, §12.10): the controller-issued COM, capability, tag and COO of the
// member's configs, every NETWORK_CREDENTIALS of both captures, and the de-authorization
// revocation. Each decodes, verifies with the controller's key, re-encodes byte for byte,
// and drives a Membership the way the two nodes behaved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hex, toHex } from '../../src/util/hex.js';
import { Identity } from '../../src/protocol/identity.js';
import { Dictionary } from '../../src/protocol/dictionary.js';
import { inetAddressToString } from '../../src/protocol/inet-address.js';
import { decodeCom, encodeCom, type CertificateOfMembership } from '../../src/protocol/verbs/com.js';
import { decodeNetworkCredentials } from '../../src/protocol/verbs/network-credentials.js';
import {
  comAgrees,
  comIssuedTo,
  comNetworkId,
  comSigningInput,
  comTimestamp,
  identityHashWords,
  verifyComSignature,
} from '../../src/protocol/credentials/membership-certificate.js';
import { capabilityIssuedTo, decodeCapability, encodeCapability, verifyCapabilitySignature } from '../../src/protocol/credentials/capability.js';
import { decodeTag, encodeTag, tagSigningInput, verifyTagSignature } from '../../src/protocol/credentials/tag.js';
import {
  CooThingType,
  decodeCertificateOfOwnership,
  encodeCertificateOfOwnership,
  owns,
  verifyCertificateOfOwnershipSignature,
} from '../../src/protocol/credentials/certificate-of-ownership.js';
import { decodeRevocation, encodeRevocation, isFastPropagate, revocationSigningInput, verifyRevocationSignature } from '../../src/protocol/credentials/revocation.js';
import { CredentialType, type IdentityLookup } from '../../src/protocol/credentials/credential.js';
import { buildCredentialPushPayloads, buildRevocationPushPayload, type MembershipContext } from '../../src/node/membership.js';
import { NetworkMemberships } from '../../src/node/network-memberships.js';
import { assertInSpec, sharedDir } from '../helpers/shared.js';

const SPEC = '04-networks.md';
const DIR = join(sharedDir(), 'vectors', '04');
const NWID = 0x55bd869199fbd649n;
const CTMD = 1_800_000n;

const [CONTROLLER, MEMBER] = readFileSync(join(DIR, 'identities.txt'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() && !l.startsWith('#'))
  .map((l) => Identity.fromString(l.trim()).toPublic());
const lookup: IdentityLookup = (a) => [CONTROLLER, MEMBER].find((i) => i.address === a);

function dictionary(file: string): Dictionary {
  return Dictionary.decode(hex(readFileSync(join(DIR, file), 'utf8').replace(/\s+/g, '')));
}

interface Captured {
  n: number;
  from: string;
  payload: Uint8Array;
}

/** The NETWORK_CREDENTIALS payloads (after the verb byte) of a packets.tsv. */
function credentialPackets(file: string): Captured[] {
  return readFileSync(join(DIR, file), 'utf8')
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((c) => c[8] === 'NETWORK_CREDENTIALS')
    .map((c) => ({ n: Number(c[0]), from: c[4], payload: hex(c[10]).subarray(1) }));
}

const CONFIGS = ['config-dict-first.hex', 'config-dict-refresh.hex'];

test('identities: the controller is the network\'s controller', () => {
  assert.equal(CONTROLLER.address, 0x55bd869199);
  assert.equal(MEMBER.address, 0xf842075b2e);
  assert.equal(Number(NWID >> 24n), CONTROLLER.address);
});

test('§12.6: the member\'s COM — qualifiers, identity hash, signature over the 168 qualifier bytes', () => {
  const comHex =
    '010007' +
    '0000000000000000000001a233a9c48100000000001b7740' +
    '000000000000000155bd869199fbd6490000000000000000' +
    '0000000000000002000000f842075b2effffffffffffffff' +
    '000000000000000304cceb3c31682f63ffffffffffffffff' +
    '0000000000000004f9a571342a0eebd6ffffffffffffffff' +
    '0000000000000005c621cc2f5d6ea286ffffffffffffffff' +
    '000000000000000679581c1f033e2f8dffffffffffffffff' +
    '55bd869199' +
    '8f116ec4fa5866561e4c5dae916cb10f67d9e7de958051cef1b7d8b5137a15c8ac16b2d69d9e4ad4ed8c66f08f7a1dd1e019a19ade9edfc2c879a1692075180d7f8e5106014bfa27fe089e0ab47ad5a9e87138d885072097d0b44fb356c3e677';
  for (const line of [
    '0000000000000000 000001a233a9c481 00000000001b7740',
    '0000000000000003 04cceb3c31682f63 ffffffffffffffff',
    '8f116ec4fa5866561e4c5dae916cb10f67d9e7de958051cef1b7d8b5137a15c8ac16b2d69d9e4ad4ed8c66f08f7a1dd1e019a19ade9edfc2c879a1692075180d7f8e5106014bfa27fe089e0ab47ad5a9e87138d885072097d0b44fb356c3e677',
  ]) {
    assertInSpec(SPEC, line);
  }
  const bytes = hex(comHex);
  assert.equal(bytes.length, 272);
  const com = decodeCom(bytes);
  assert.deepEqual(encodeCom(com), bytes);
  assert.equal(comTimestamp(com), 0x1a233a9c481n);
  assert.equal(comNetworkId(com), NWID);
  assert.equal(comIssuedTo(com), MEMBER.address);
  assertInSpec(SPEC, '04cceb3c31682f63f9a571342a0eebd6c621cc2f5d6ea28679581c1f033e2f8d');
  assert.equal(identityHashWords(MEMBER).map((w) => w.toString(16).padStart(16, '0')).join(''), '04cceb3c31682f63f9a571342a0eebd6c621cc2f5d6ea28679581c1f033e2f8d');
  assert.equal(toHex(comSigningInput(com)), comHex.slice(6, 6 + 336));
  assert.ok(verifyComSignature(com, CONTROLLER));
  assert.equal(verifyComSignature(com, MEMBER), false);
  assert.ok(comAgrees(com, com, MEMBER));
  assert.equal(comAgrees(com, com, CONTROLLER), false, 'the member\'s COM under the controller\'s identity');
  assert.deepEqual(encodeCom(com), dictionary('config-dict-refresh.hex').get('C'), 'the same COM is the refresh config\'s C');
});

for (const file of CONFIGS) {
  test(`${file}: C, CAP, TAG, COO verify with the controller and re-encode byte for byte`, () => {
    const d = dictionary(file);
    const ts = BigInt(d.getU64('ts')!);
    assert.equal(d.getU64('ctmd'), CTMD);
    const com = decodeCom(d.get('C')!);
    assert.ok(verifyComSignature(com, CONTROLLER));
    assert.equal(comTimestamp(com), ts, 'qualifier 0 is the config ts');
    assert.deepEqual(encodeCom(com), d.get('C'));

    const cap = decodeCapability(d.get('CAP')!);
    assert.deepEqual(encodeCapability(cap), d.get('CAP'));
    assert.ok(verifyCapabilitySignature(cap, CONTROLLER));
    assert.equal(cap.timestamp, ts);
    assert.equal(cap.id, 1);
    assert.equal(cap.ruleCount, 3);
    assert.equal(toHex(cap.rules), '240106' + '280400160016' + '0100', 'ip protocol 6, dest port 22, accept');
    assert.equal(cap.maxCustodyChainLength, 1);
    assert.deepEqual(cap.custody.map((e) => [e.to, e.from]), [[MEMBER.address, CONTROLLER.address]]);
    assert.equal(capabilityIssuedTo(cap), MEMBER.address);

    const tag = decodeTag(d.get('TAG')!);
    assert.deepEqual(encodeTag(tag), d.get('TAG'));
    assert.ok(verifyTagSignature(tag, CONTROLLER));
    assert.deepEqual([tag.id, tag.value, tag.issuedTo, tag.signedBy, tag.timestamp], [100, 5, MEMBER.address, CONTROLLER.address, ts]);
    assert.equal(tagSigningInput(tag).length, 52);

    const coo = decodeCertificateOfOwnership(d.get('COO')!);
    assert.deepEqual(encodeCertificateOfOwnership(coo), d.get('COO'));
    assert.ok(verifyCertificateOfOwnershipSignature(coo, CONTROLLER));
    assert.deepEqual([coo.id, coo.issuedTo, coo.flags, coo.timestamp], [1, MEMBER.address, 0n, ts]);
    assert.deepEqual(coo.things.map((t) => t.type), [CooThingType.IPV6, CooThingType.IPV6, CooThingType.IPV4]);
    for (const a of ['fd55:bd86:9199:fbd6:4999:93f8:4207:5b2e', 'fccc:4650:d8f8:4207:5b2e::1', '10.147.20.40']) {
      const ip = a.includes(':') ? { family: 6 as const, ip: ipv6(a), port: 0 } : { family: 4 as const, ip: Uint8Array.from(a.split('.').map(Number)), port: 0 };
      assert.ok(owns(coo, ip), `owns ${inetAddressToString(ip)}`);
    }
    assert.equal(owns(coo, { family: 4, ip: Uint8Array.of(10, 147, 20, 41), port: 0 }), false);
  });
}

function ipv6(s: string): Uint8Array {
  const [head, tail = ''] = s.split('::');
  const h = head.split(':').filter(Boolean);
  const t = tail.split(':').filter(Boolean);
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return Uint8Array.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

test('a flipped bit anywhere in the real tag\'s signed bytes breaks its signature', () => {
  const bytes = dictionary('config-dict-first.hex').get('TAG')!;
  for (let i = 0; i < 34; i++) {
    const b = bytes.slice();
    b[i] ^= 0x10;
    assert.equal(verifyTagSignature(decodeTag(b), CONTROLLER), false, `byte ${i}`);
  }
});

for (const file of ['packets.tsv', 'packets-deauth.tsv']) {
  test(`${file}: every credential in every NETWORK_CREDENTIALS verifies and re-encodes`, () => {
    const packets = credentialPackets(file);
    assert.ok(packets.length >= 2);
    let count = 0;
    for (const { n, payload } of packets) {
      const m = decodeNetworkCredentials(payload);
      for (const com of m.coms) {
        assert.ok(verifyComSignature(com, CONTROLLER), `#${n} COM`);
        count++;
      }
      const kinds: Array<[Uint8Array[] | undefined, (b: Uint8Array) => Uint8Array, (b: Uint8Array) => boolean]> = [
        [m.capabilities, (b) => encodeCapability(decodeCapability(b)), (b) => verifyCapabilitySignature(decodeCapability(b), CONTROLLER)],
        [m.tags, (b) => encodeTag(decodeTag(b)), (b) => verifyTagSignature(decodeTag(b), CONTROLLER)],
        [m.revocations, (b) => encodeRevocation(decodeRevocation(b)), (b) => verifyRevocationSignature(decodeRevocation(b), CONTROLLER)],
        [m.certificatesOfOwnership, (b) => encodeCertificateOfOwnership(decodeCertificateOfOwnership(b)), (b) => verifyCertificateOfOwnershipSignature(decodeCertificateOfOwnership(b), CONTROLLER)],
      ];
      for (const [list, roundTrip, verifies] of kinds) {
        for (const b of list ?? []) {
          assert.deepEqual(roundTrip(b), b, `#${n} re-encodes`);
          assert.ok(verifies(b), `#${n} verifies`);
          count++;
        }
      }
    }
    assert.ok(count >= 5);
  });
}

test('packets.tsv #97: our push builder reproduces the member\'s NETWORK_CREDENTIALS byte for byte', () => {
  const d = dictionary('config-dict-first.hex');
  const p97 = credentialPackets('packets.tsv').find((p) => p.n === 97)!;
  const payloads = buildCredentialPushPayloads({
    com: decodeCom(d.get('C')!),
    capabilities: [decodeCapability(d.get('CAP')!)],
    tags: [decodeTag(d.get('TAG')!)],
    coos: [decodeCertificateOfOwnership(d.get('COO')!)],
  });
  assert.equal(payloads.length, 1);
  assert.equal(toHex(payloads[0]), toHex(p97.payload));
});

const REVOCATION_HEX =
  '00000000 8ea4cff5 55bd869199fbd649 00000000 00000000 000001a233b27a5e 0000000000000001 f842075b2e 55bd869199 01 ' +
  '01 0060 344adc177aa07bb8eecdfa2fb730cafe811f3b4bb735f3d110fb1729893e79d3fb486fb255b92a357a04909ba226cb4adec6ee1a4062ae53ea3620b1255dcc042e4c67d4d5c9ab20bfb7196c1258eaab3fec407ea0166ddffd8fb1cf901899ad 0000';

test('§12.10 #3: the de-authorization revocation — fields, signed message, signature, the packet around it', () => {
  assertInSpec(SPEC, '344adc177aa07bb8eecdfa2fb730cafe811f3b4bb735f3d110fb1729893e79d3fb486fb255b92a357a04909ba226cb4adec6ee1a4062ae53ea3620b1255dcc042e4c67d4d5c9ab20bfb7196c1258eaab3fec407ea0166ddffd8fb1cf901899ad');
  const signed = '7f7f7f7f7f7f7f7f 00000000 8ea4cff5 55bd869199fbd649 00000000 00000000 000001a233b27a5e 0000000000000001 f842075b2e 55bd869199 01 0000 7f7f7f7f7f7f7f7f';
  assertInSpec(SPEC, signed);
  const bytes = hex(REVOCATION_HEX.replace(/\s+/g, ''));
  const rev = decodeRevocation(bytes);
  assert.deepEqual(
    [rev.id, rev.networkId, rev.credentialId, rev.threshold, rev.target, rev.signedBy, rev.credentialType],
    [0x8ea4cff5, NWID, 0, 0x1a233b27a5en, MEMBER.address, CONTROLLER.address, CredentialType.COM],
  );
  assert.ok(isFastPropagate(rev));
  assert.equal(toHex(revocationSigningInput(rev)), signed.replace(/\s+/g, ''));
  assert.ok(verifyRevocationSignature(rev, CONTROLLER));
  assert.deepEqual(encodeRevocation(rev), bytes);
  const p3 = credentialPackets('packets-deauth.tsv').find((p) => p.n === 3)!;
  assert.equal(toHex(p3.payload), toHex(buildRevocationPushPayload(rev)), 'exactly what fast propagation sends');
});

function contextOf(com: CertificateOfMembership): MembershipContext {
  return { networkId: NWID, isPublic: false, timestamp: comTimestamp(com), credentialTimeMaxDelta: CTMD, com };
}

test('the controller node\'s view of the member: admitted by its credentials, shut out by the revocation', () => {
  const packets = credentialPackets('packets.tsv');
  const ours = decodeNetworkCredentials(packets.find((p) => p.n === 75)!.payload).coms[0];
  assert.equal(comIssuedTo(ours), CONTROLLER.address, '#75 carries the controller node\'s own COM');
  const ctx = contextOf(ours);
  const table = new NetworkMemberships(NWID);
  const theirs = decodeNetworkCredentials(packets.find((p) => p.n === 97)!.payload);
  assert.equal(table.addCom(ctx, theirs.coms[0], lookup), 'accepted_new');
  assert.equal(table.addCapability(ctx, decodeCapability(theirs.capabilities![0]), lookup), 'accepted_new');
  assert.equal(table.addTag(ctx, decodeTag(theirs.tags![0]), lookup), 'accepted_new');
  assert.equal(table.addCoo(ctx, decodeCertificateOfOwnership(theirs.certificatesOfOwnership![0]), lookup), 'accepted_new');
  assert.equal(table.addCom(ctx, theirs.coms[0], lookup), 'accepted_redundant');
  assert.equal(table.addCom(ctx, theirs.coms[0], () => undefined), 'accepted_redundant', 'identical: no verification needed');
  assert.deepEqual(table.gate(ctx, MEMBER, 1_000_000), { isOpen: true, shouldAnnounceMulticast: true });
  const m = table.get(MEMBER.address)!;
  assert.equal(m.tagValue(100, ctx), 5);
  assert.equal(m.validCapabilities(ctx).length, 1);
  assert.ok(m.hasCertificateOfOwnershipFor(ctx, { family: 4, ip: Uint8Array.of(10, 147, 20, 40), port: 0 }));

  const rev = decodeRevocation(decodeNetworkCredentials(credentialPackets('packets-deauth.tsv').find((p) => p.n === 3)!.payload).revocations![0]);
  const applied = table.addRevocation(ctx, rev, CONTROLLER.address, lookup);
  assert.deepEqual(applied, { result: 'accepted_new', propagateTo: [MEMBER.address] }, 'only the target is in this table besides sender/signer');
  assert.equal(table.gate(ctx, MEMBER, 1_000_000).isOpen, false);
  const later = decodeNetworkCredentials(credentialPackets('packets-deauth.tsv').find((p) => p.n === 22)!.payload);
  assert.ok(comTimestamp(later.coms[0]) <= rev.threshold);
  assert.equal(table.addCom(ctx, later.coms[0], lookup), 'rejected', 'the member\'s pushed COM (#22) predates the threshold');
});

test('the member\'s view of the controller node: its COM (#75) agrees with the member\'s refreshed COM', () => {
  const ours = decodeCom(dictionary('config-dict-refresh.hex').get('C')!);
  const theirs = decodeNetworkCredentials(credentialPackets('packets.tsv').find((p) => p.n === 75)!.payload);
  const ctx = contextOf(ours);
  const table = new NetworkMemberships(NWID);
  assert.equal(table.addCom(ctx, theirs.coms[0], lookup), 'accepted_new');
  assert.equal(table.addTag(ctx, decodeTag(theirs.tags![0]), lookup), 'accepted_new');
  assert.equal(table.gate(ctx, CONTROLLER, 5).isOpen, true);
  assert.equal(table.gate(ctx, MEMBER, 5).isOpen, false, 'no record for ourselves');
  assert.equal(table.addCom(ctx, theirs.coms[0], () => undefined), 'accepted_redundant');
  const ahead = { ...ctx, timestamp: ctx.timestamp + 10n * CTMD, com: { ...ours, qualifiers: ours.qualifiers.map((q) => (q.id === 0n ? { ...q, value: q.value + 10n * CTMD } : q)) } };
  assert.equal(table.gate(ahead, CONTROLLER, 5).isOpen, false, 'our COM 5 h later no longer agrees with theirs');
});
