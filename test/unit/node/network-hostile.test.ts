// Hostile input on the member side of VL2 (spec 04 §3.3, §3.5, §5, §6, §11): forged,
// malformed and misdirected configs, chunks and credentials are refused, every refusal is
// counted (the node's drop counter, with a specific reason), and the node keeps working —
// a valid config still installs afterwards, and nothing is an internal error (the
// RecordingHost throws on one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forge, forgeHello, makeNode, type RecordingHost } from '../../helpers/node-harness.js';
import { testIdentity } from '../../sim/zt-net.js';
import { Prng } from '../../helpers/prng.js';
import type { Node } from '../../../src/node/node.js';
import type { Identity } from '../../../src/protocol/identity.js';
import { inetAddressEquals, parseInetAddress, type InetAddress } from '../../../src/protocol/inet-address.js';
import { encodeOkHello } from '../../../src/protocol/verbs/ok-hello.js';
import { ErrorCode, PACKET_IDX_VERB, Verb } from '../../../src/protocol/constants.js';
import { packetId, packetIdBytes } from '../../../src/protocol/packet.js';
import { dearmor } from '../../../src/protocol/armor.js';
import { decompressPacket } from '../../../src/protocol/compression.js';
import { agree, sign } from '../../../src/crypto/c25519.js';
import { derivePeerKeys } from '../../../src/crypto/peer-keys.js';
import { encodeOk } from '../../../src/protocol/verbs/ok.js';
import { encodeError } from '../../../src/protocol/verbs/error.js';
import { encodeFrame } from '../../../src/protocol/verbs/frame.js';
import { encodeNetworkCredentials } from '../../../src/protocol/verbs/network-credentials.js';
import {
  configChunkSigningInput,
  encodeNetworkConfig as encodeChunk,
  encodeNetworkConfigRequest,
  type NETWORK_CONFIG,
} from '../../../src/protocol/verbs/network-config.js';
import { decodeNetworkConfig, encodeNetworkConfig } from '../../../src/protocol/netconf/config-dictionary.js';
import { blankNetworkConfig, NETCONF_FLAG_RULES_RESULT_OF_UNSUPPORTED_MATCH, type NetworkConfig } from '../../../src/protocol/netconf/network-config.js';
import { NETWORK_CONFIG_DICT_CAPACITY_BYTES } from '../../../src/protocol/dictionary.js';
import { makeCom, signCom, type CertificateOfMembership } from '../../../src/protocol/credentials/membership-certificate.js';
import { encodeTag, signTag } from '../../../src/protocol/credentials/tag.js';
import { decodeRules } from '../../../src/protocol/rules/codec.js';
import { evaluateRules, FILTER_ACCEPT, FILTER_DROP, FilterResult } from '../../../src/node/rules-engine.js';
import { CONFIG_CHUNK_MAX_BYTES } from '../../../src/node/controller-link.js';
import type { DropReason } from '../../../src/node/host.js';
import { createController } from '../../../src/controller/controller.js';
import { MemoryStore } from '../../../src/controller/memory-store.js';
import { encodeRequestMetadata, memberMetadata } from '../../../src/protocol/netconf/request-metadata.js';

const self = testIdentity('hostile-self');
const root = testIdentity('hostile-root');
const ctl = testIdentity('hostile-ctl');
const mallory = testIdentity('hostile-mallory');
const CTL_AT = parseInetAddress('198.51.100.20/9993')!;
const M_AT = parseInetAddress('192.0.2.21/9993')!;
const T0 = 1_700_000_000_000;
const NWID = (BigInt(ctl.address) << 24n) | 0x4242n;
/** The same controller's other network, which we never joined. */
const OTHER_NWID = (BigInt(ctl.address) << 24n) | 0x4343n;
/** A network of mallory's, which we did not join either. */
const M_NWID = (BigInt(mallory.address) << 24n) | 0x0001n;
const MAX_DELTA = 1_800_000n;
const hexNw = (n: bigint): string => n.toString(16).padStart(16, '0');

interface Rig {
  node: Node;
  host: RecordingHost;
  now: number;
  /** The packet ID of our latest NETWORK_CONFIG_REQUEST to the controller. */
  requestId: bigint;
}

/** Sends one packet from `from` (ctl or mallory) and advances the clock a little. */
function rx(r: Rig, from: Identity, verb: number, payload: Uint8Array): void {
  r.now += 10;
  r.node.onDatagram(r.now, 1, from === ctl ? CTL_AT : M_AT, forge(from, self, verb, payload));
}

function drops(r: Rig): Record<string, number> {
  return { ...r.node.status().drops } as Record<string, number>;
}

/** Runs fn and returns how the node's drop counters moved. */
function dropDelta(r: Rig, fn: () => void): Record<string, number> {
  const before = drops(r);
  fn();
  const after = drops(r);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v !== (before[k] ?? 0)) out[k] = v - (before[k] ?? 0);
  return out;
}

function assertCounted(r: Rig, reason: DropReason, fn: () => void, what: string, n = 1): void {
  assert.deepEqual(dropDelta(r, fn), { [reason]: n }, what);
}

/** The NETWORK_CONFIG_REQUESTs the node sent to the controller since the last take(). */
function configRequestsSent(host: RecordingHost): bigint[] {
  const keys = derivePeerKeys(agree(ctl.privateKey!, self.publicKey));
  const out: bigint[] = [];
  for (const s of host.take()) {
    const pkt = s.data.slice();
    if (pkt.length < 28 || !dearmor(pkt, keys)) continue;
    const plain = decompressPacket(pkt);
    if ((plain[PACKET_IDX_VERB] & 0x1f) === Verb.NETWORK_CONFIG_REQUEST) out.push(packetId(s.data));
  }
  return out;
}

/** `peer` says HELLO and answers the node's confirming HELLO with OK: a direct path (03 §5.3). */
function connect(node: Node, host: RecordingHost, peer: Identity, at: InetAddress, now: number): void {
  host.take();
  node.onDatagram(now, 1, at, forgeHello(peer, self, now, null));
  const hello = host.take().filter((s) => inetAddressEquals(s.to, at)).pop(); // after the OK(HELLO) reply
  assert.ok(hello, 'the node confirms the path with a HELLO');
  const body = encodeOkHello({ timestamp: BigInt(now), protocolVersion: 12, versionMajor: 1, versionMinor: 14, versionRevision: 1 });
  node.onDatagram(now, 1, at, forge(peer, self, Verb.OK, encodeOk({ inReVerb: Verb.HELLO, inRePacketId: packetIdBytes(hello.data), body })));
  assert.ok(node.getPeer(peer.address)?.bestPath(now), 'a direct path');
}

/** A node that knows the controller and mallory, has joined NWID and asked for its config. */
function rig(): Rig {
  const { node, host } = makeNode(self, root, T0);
  connect(node, host, ctl, CTL_AT, T0);
  connect(node, host, mallory, M_AT, T0);
  node.join(T0, NWID);
  host.take();
  let now = T0;
  let ids: bigint[] = [];
  for (let i = 0; i < 40 && ids.length === 0; i++) {
    now += 500;
    node.tick(now);
    ids = configRequestsSent(host);
  }
  assert.ok(ids.length > 0, 'the node asks its controller for a config');
  return { node, host, now, requestId: ids[ids.length - 1] };
}

function comFor(who: Identity, nwid = NWID, ts = BigInt(T0), signer = ctl): CertificateOfMembership {
  return signCom(makeCom({ networkId: nwid, timestampMs: ts, maxDeltaMs: MAX_DELTA, issuedTo: who }), signer);
}

/** A valid config for us on NWID (accept-all rules, one address, our COM). */
function configFor(over: Partial<NetworkConfig> = {}, nwid = NWID, issuedTo = self.address): NetworkConfig {
  const c = blankNetworkConfig(nwid, issuedTo);
  c.timestampMs = BigInt(T0);
  c.credentialTimeMaxDeltaMs = MAX_DELTA;
  c.revision = 1n;
  c.nameBytes = new TextEncoder().encode('hostile');
  c.multicastLimit = 32;
  c.rules = Uint8Array.of(0x01, 0x00); // ACTION_ACCEPT
  c.ruleCount = 1;
  c.staticIps = [{ family: 4, ip: Uint8Array.of(10, 9, 0, 1), port: 24 }];
  c.com = comFor(self, nwid);
  return { ...c, ...over };
}

interface ChunkOptions {
  signer?: Identity;
  updateId?: bigint;
  chunkBytes?: number;
  nwid?: bigint;
  flags?: number;
  /** Overrides of the signed header (the signature covers them). */
  totalLength?: number;
  offsetShift?: number;
}

/** The dictionary cut into signed chunks as ControllerLink.sendConfig does. */
function chunksOf(dict: Uint8Array, o: ChunkOptions = {}): Uint8Array[] {
  const signer = o.signer ?? ctl;
  const nwid = o.nwid ?? NWID;
  const size = o.chunkBytes ?? CONFIG_CHUNK_MAX_BYTES;
  const out: Uint8Array[] = [];
  for (let offset = 0; offset < dict.length || (offset === 0 && out.length === 0); offset += size) {
    const data = dict.subarray(offset, Math.min(dict.length, offset + size));
    const signing = { flags: o.flags ?? 0, updateId: o.updateId ?? 0x1234n, totalLength: o.totalLength ?? dict.length, chunkOffset: offset + (o.offsetShift ?? 0) };
    const signature = sign(signer.privateKey!, signer.publicKey, configChunkSigningInput(nwid, data, signing));
    out.push(encodeChunk({ networkId: nwid, data, signing: { ...signing, signature } }));
  }
  return out;
}

function okChunk(r: Rig, chunk: Uint8Array): Uint8Array {
  const id = new Uint8Array(8);
  new DataView(id.buffer).setBigUint64(0, r.requestId);
  return encodeOk({ inReVerb: Verb.NETWORK_CONFIG_REQUEST, inRePacketId: id, body: chunk });
}

const status = (r: Rig, nwid = NWID): string | undefined => r.node.network(nwid)?.status;
const ips = (r: Rig): string[] => (r.node.network(NWID)?.assignedAddresses ?? []).map((a) => `${a.ip.join('.')}/${a.bits}`);

/** After the abuse, a genuine config (pushed by the controller) still installs. */
function stillWorks(r: Rig, name = 'genuine'): void {
  const dict = encodeNetworkConfig(configFor({ nameBytes: new TextEncoder().encode(name), revision: 7n }));
  for (const c of chunksOf(dict, { updateId: BigInt(r.now) })) rx(r, ctl, Verb.NETWORK_CONFIG, c);
  assert.equal(status(r), 'OK', 'a genuine config installs after the hostile input');
  assert.equal(r.node.network(NWID)?.name, name);
  assert.equal(r.host.drops('internal_error'), 0);
}

test('valid config as an answer and as a push installs (the baseline the other tests break)', () => {
  const r = rig();
  assert.equal(status(r), 'REQUESTING_CONFIGURATION');
  const chunks = chunksOf(encodeNetworkConfig(configFor()), { chunkBytes: 200 });
  assert.ok(chunks.length > 2, `${chunks.length} chunks`);
  for (const c of chunks) rx(r, ctl, Verb.OK, okChunk(r, c));
  assert.equal(status(r), 'OK');
  assert.deepEqual(ips(r), ['10.9.0.1/24']);
  assert.deepEqual(drops(r), {});
  stillWorks(r);
});

test('chunks with a bad signature, or signed by someone other than the controller, are dropped as bad_signature', () => {
  const r = rig();
  const dict = encodeNetworkConfig(configFor());
  const [good] = chunksOf(dict);
  const flipped = good.slice();
  flipped[flipped.length - 5] ^= 0x01; // in the signature
  assertCounted(r, 'bad_signature', () => rx(r, ctl, Verb.OK, okChunk(r, flipped)), 'a flipped signature bit');
  const tampered = good.slice();
  tampered[12] ^= 0x20; // in the dictionary bytes
  assertCounted(r, 'bad_signature', () => rx(r, ctl, Verb.OK, okChunk(r, tampered)), 'a changed dictionary byte');
  // Mallory signs a config for our network with her own key and pushes it (fast-propagate style).
  const [forged] = chunksOf(encodeNetworkConfig(configFor({ nameBytes: new TextEncoder().encode('evil') })), { signer: mallory, updateId: 99n });
  assertCounted(r, 'bad_signature', () => rx(r, mallory, Verb.NETWORK_CONFIG, forged), 'signed by mallory, pushed by mallory');
  assertCounted(r, 'bad_signature', () => rx(r, ctl, Verb.NETWORK_CONFIG, forged), 'signed by mallory, pushed by the controller');
  assert.equal(status(r), 'REQUESTING_CONFIGURATION');
  assert.equal(r.host.sent.length, 0, 'no OK(ECHO) for a refused push');
  stillWorks(r);
});

test('a chunk signed by the controller but relayed by another member is accepted (fast propagation, 04 §3.3)', () => {
  const r = rig();
  const [c] = chunksOf(encodeNetworkConfig(configFor()), { flags: 0x01 });
  assert.deepEqual(dropDelta(r, () => rx(r, mallory, Verb.NETWORK_CONFIG, c)), {});
  assert.equal(status(r), 'OK');
});

test('legacy unsigned chunks are taken only from the controller', () => {
  const r = rig();
  const dict = encodeNetworkConfig(configFor({ nameBytes: new TextEncoder().encode('legacy') }));
  const unsigned = encodeChunk({ networkId: NWID, data: dict } satisfies NETWORK_CONFIG);
  assertCounted(r, 'invalid_config', () => rx(r, mallory, Verb.NETWORK_CONFIG, unsigned), 'unsigned, pushed by mallory');
  assert.equal(status(r), 'REQUESTING_CONFIGURATION');
  rx(r, ctl, Verb.NETWORK_CONFIG, unsigned);
  assert.equal(status(r), 'OK', 'the same bytes from the controller install (04 §3.3 step 3)');
  assert.equal(r.node.network(NWID)?.name, 'legacy');
  stillWorks(r);
});

test('bad ranges: offset + length > total, total ≥ 484 520 (signed and unsigned) are dropped as invalid_config', () => {
  const r = rig();
  const dict = encodeNetworkConfig(configFor());
  const [past] = chunksOf(dict, { offsetShift: 1 });
  assertCounted(r, 'invalid_config', () => rx(r, ctl, Verb.OK, okChunk(r, past)), 'offset + length > total');
  const [short] = chunksOf(dict, { totalLength: dict.length - 1 });
  assertCounted(r, 'invalid_config', () => rx(r, ctl, Verb.OK, okChunk(r, short)), 'total shorter than the chunk');
  const [huge] = chunksOf(dict, { totalLength: NETWORK_CONFIG_DICT_CAPACITY_BYTES });
  assertCounted(r, 'invalid_config', () => rx(r, ctl, Verb.OK, okChunk(r, huge)), 'total = capacity');
  const [huger] = chunksOf(dict, { totalLength: 0xffffffff });
  assertCounted(r, 'invalid_config', () => rx(r, ctl, Verb.OK, okChunk(r, huger)), 'total = 2^32 - 1');
  // The largest chunk a packet can carry, unsigned, is still far below the capacity: the
  // unsigned form's limit is only reachable with a 65 535-byte chunk length that lies.
  const lying = new Uint8Array(10 + 40);
  new DataView(lying.buffer).setBigUint64(0, NWID);
  new DataView(lying.buffer).setUint16(8, 0xffff);
  assertCounted(r, 'truncated', () => rx(r, ctl, Verb.NETWORK_CONFIG, lying), 'a chunk length beyond the payload');
  assert.equal(status(r), 'REQUESTING_CONFIGURATION');
  stillWorks(r);
});

test('duplicated chunks are not counted twice: a config never completes from repeats', () => {
  const r = rig();
  const dict = encodeNetworkConfig(configFor());
  const chunks = chunksOf(dict, { chunkBytes: Math.ceil(dict.length / 2) });
  assert.equal(chunks.length, 2);
  // The first half twice would add up to the total if repeats were counted.
  rx(r, ctl, Verb.OK, okChunk(r, chunks[0]));
  rx(r, ctl, Verb.OK, okChunk(r, chunks[0]));
  rx(r, ctl, Verb.OK, okChunk(r, chunks[0]));
  assert.equal(status(r), 'REQUESTING_CONFIGURATION');
  rx(r, ctl, Verb.OK, okChunk(r, chunks[1]));
  assert.equal(status(r), 'OK', 'the real second half completes it');
  assert.equal(r.host.drops('internal_error'), 0);
});

test('a complete dictionary that is not a valid config is counted as invalid_config and installs nothing', () => {
  const r = rig();
  const garbage: Array<[string, Uint8Array]> = [
    ['no keys', new TextEncoder().encode('hello world')],
    ['version 0', new TextEncoder().encode('v=0\nnwid=' + hexNw(NWID) + '\n')],
    ['empty', new Uint8Array(0)],
    ['binary noise', new Prng(5).bytes(3000)],
  ];
  let u = 500n;
  for (const [what, dict] of garbage) {
    const before = drops(r).invalid_config ?? 0;
    for (const c of chunksOf(dict, { updateId: u++ })) rx(r, ctl, Verb.OK, okChunk(r, c));
    assert.ok((drops(r).invalid_config ?? 0) > before, `${what}: counted`);
    assert.equal(status(r), 'REQUESTING_CONFIGURATION', what);
  }
  stillWorks(r);
});

test('dictionaries as large as a chunk may announce: within the capacity they decode by the limits of 04 §4.8, never crash', () => {
  const r = rig();
  // 484 519 bytes (the largest total a chunk may announce), in the largest chunks (50 of them).
  const total = NETWORK_CONFIG_DICT_CAPACITY_BYTES - 1;
  const big = (key: string, fill: number): Uint8Array => {
    const head = new TextEncoder().encode(`v=7\nnwid=${hexNw(NWID)}\nid=${self.address.toString(16)}\n${key}=`);
    const dict = new Uint8Array(total).fill(fill);
    dict.set(head);
    return dict;
  };
  // A name of ~484 000 bytes: valid, cut to 127 bytes.
  let delta = dropDelta(r, () => {
    for (const c of chunksOf(big('n', 0x41), { updateId: 777n })) rx(r, ctl, Verb.OK, okChunk(r, c));
  });
  assert.deepEqual(delta, {}, JSON.stringify(r.host.events.filter((e) => e.type === 'drop').slice(-2)));
  assert.equal(status(r), 'OK');
  assert.equal(r.node.network(NWID)?.name, 'A'.repeat(127));
  // Static IPs of ~484 000 bytes of 0xff: the blob does not decode, the config is invalid and counted.
  delta = dropDelta(r, () => {
    for (const c of chunksOf(big('I', 0xff), { updateId: 778n })) rx(r, ctl, Verb.OK, okChunk(r, c));
  });
  assert.deepEqual(delta, { invalid_config: 1 });
  assert.equal(r.node.network(NWID)?.name, 'A'.repeat(127), 'the held config stays');
  // One chunk more than 474 (484 520 / 1024 + 1) for one update is refused (04 §3.3 step 4).
  const tiny = new TextEncoder().encode('x'.repeat(480));
  const many = chunksOf(tiny, { chunkBytes: 1, updateId: 779n });
  delta = dropDelta(r, () => {
    for (const c of many) rx(r, ctl, Verb.OK, okChunk(r, c));
  });
  assert.deepEqual(delta, { invalid_config: 480 - 474 }, 'the chunks past 474 are counted');
  stillWorks(r);
});

test('configs not issued to us, or for another network, are not installed', () => {
  const r = rig();
  // Both parse (the controller signed them), so 1.14.1 drops them at setConfiguration (04 §3.5 step 1).
  const notOurs = encodeNetworkConfig(configFor({}, NWID, mallory.address));
  const delta1 = dropDelta(r, () => {
    for (const c of chunksOf(notOurs, { updateId: 11n })) rx(r, ctl, Verb.OK, okChunk(r, c));
  });
  assert.equal(status(r), 'REQUESTING_CONFIGURATION', 'issued to mallory');
  assert.deepEqual(delta1, { invalid_config: 1 }, 'issued to someone else: counted');
  // A config for OTHER_NWID inside a chunk for NWID.
  const otherNet = encodeNetworkConfig(configFor({}, OTHER_NWID));
  const delta2 = dropDelta(r, () => {
    for (const c of chunksOf(otherNet, { updateId: 12n })) rx(r, ctl, Verb.OK, okChunk(r, c));
  });
  assert.equal(status(r), 'REQUESTING_CONFIGURATION', 'another network inside');
  assert.deepEqual(delta2, { invalid_config: 1 }, 'another network inside: counted');
  stillWorks(r);
});

test('NETWORK_CONFIG and OK(NETWORK_CONFIG_REQUEST) for networks we did not join, or from a non-controller, are counted', () => {
  const r = rig();
  const other = chunksOf(encodeNetworkConfig(configFor({}, OTHER_NWID)), { nwid: OTHER_NWID, updateId: 21n })[0];
  assertCounted(r, 'unknown_network', () => rx(r, ctl, Verb.NETWORK_CONFIG, other), 'push for a network not joined');
  assertCounted(r, 'not_controller', () => rx(r, ctl, Verb.OK, okChunk(r, other)), 'answer for a network not joined');
  const mine = chunksOf(encodeNetworkConfig(configFor({}, M_NWID)), { nwid: M_NWID, signer: mallory, updateId: 22n })[0];
  assertCounted(r, 'unknown_network', () => rx(r, mallory, Verb.NETWORK_CONFIG, mine), "push of mallory's own network");
  // An answer for our network from mallory, in reply to a packet we never sent her.
  const ours = chunksOf(encodeNetworkConfig(configFor()), { updateId: 23n })[0];
  assertCounted(r, 'not_controller', () => rx(r, mallory, Verb.OK, okChunk(r, ours)), 'OK(NETWORK_CONFIG_REQUEST) from a non-controller');
  assert.equal(status(r), 'REQUESTING_CONFIGURATION');
  stillWorks(r);
});

test('ERRORs about config requests from a non-controller or for networks we did not join are counted and change nothing', () => {
  const r = rig();
  stillWorks(r, 'before');
  const err = (code: number, nwid: bigint): Uint8Array =>
    encodeError({ inReVerb: Verb.NETWORK_CONFIG_REQUEST, inRePacketId: packetIdBytes(new Uint8Array(8)), code, networkId: nwid });
  for (const code of [ErrorCode.OBJ_NOT_FOUND, ErrorCode.UNSUPPORTED_OPERATION, ErrorCode.NETWORK_ACCESS_DENIED, ErrorCode.NETWORK_AUTHENTICATION_REQUIRED]) {
    assertCounted(r, 'not_controller', () => rx(r, mallory, Verb.ERROR, err(code, NWID)), `code ${code} from mallory about our network`);
    assertCounted(r, 'unknown_network', () => rx(r, ctl, Verb.ERROR, err(code, OTHER_NWID)), `code ${code} about a network not joined`);
    assert.equal(status(r), 'OK', `code ${code}`);
  }
  // From the controller, the same ERROR does set the status (and is not a drop).
  assert.deepEqual(dropDelta(r, () => rx(r, ctl, Verb.ERROR, err(ErrorCode.NETWORK_ACCESS_DENIED, NWID))), {});
  assert.equal(status(r), 'ACCESS_DENIED');
  stillWorks(r, 'after');
});

test('credentials from a peer: wrong network, forged signer, unknown network are counted; out-of-window COMs do not pass the gate', () => {
  const r = rig();
  stillWorks(r);
  let t = 0;
  const creds = (payload: Uint8Array): void => {
    r.now += 2000; // past the per-peer credentials rate limit
    t++;
    r.node.onDatagram(r.now, 1, M_AT, forge(mallory, self, Verb.NETWORK_CREDENTIALS, payload));
  };
  const frame = (): void => {
    r.now += 10;
    const data = new Uint8Array(60).fill(0x45);
    r.node.onDatagram(r.now, 1, M_AT, forge(mallory, self, Verb.FRAME, encodeFrame({ networkId: NWID, etherType: 0x0800, data })));
  };
  const only = (f: () => void, reason: DropReason, what: string): void => {
    const d = dropDelta(r, f);
    assert.deepEqual(d, { [reason]: 1 }, what);
  };
  // No COM yet: mallory's frames are not from a member.
  only(frame, 'not_member', 'frame without a COM');
  // A COM for a network we did not join (signed by its controller, mallory).
  only(() => creds(encodeNetworkCredentials({ coms: [comFor(mallory, M_NWID, BigInt(T0), mallory)] })), 'unknown_network', 'COM for a network not joined');
  // A COM for our network signed by mallory herself.
  only(() => creds(encodeNetworkCredentials({ coms: [comFor(mallory, NWID, BigInt(T0), mallory)] })), 'credential_rejected', 'COM signed by a non-controller');
  only(frame, 'not_member', 'still not a member');
  // A tag for our network signed by mallory.
  const tag = encodeTag(signTag({ networkId: NWID, timestamp: BigInt(T0), id: 1, value: 2, issuedTo: mallory.address, signedBy: 0, signature: null }, mallory));
  only(() => creds(encodeNetworkCredentials({ coms: [], capabilities: [], tags: [tag] })), 'credential_rejected', 'tag signed by a non-controller');
  // A genuine COM, but out of the agreement window of ours (04 §5.2): stored, yet the gate refuses.
  const old = comFor(mallory, NWID, BigInt(T0) - MAX_DELTA - 1000n);
  assert.deepEqual(dropDelta(r, () => creds(encodeNetworkCredentials({ coms: [old] }))), {}, 'a genuine COM is accepted');
  only(frame, 'not_member', 'COM out of the agreement window');
  // A genuine COM in the window: now mallory's frames pass.
  assert.deepEqual(dropDelta(r, () => creds(encodeNetworkCredentials({ coms: [comFor(mallory, NWID, BigInt(T0) + 5n)] }))), {});
  assert.deepEqual(dropDelta(r, frame), {}, 'a member with a COM in the window');
  assert.ok(t > 0);
  stillWorks(r, 'after credentials');
});

test('a config with rule types it does not know installs; unknown matches follow flag 0x08 (04 §6.3)', () => {
  // MATCH type 60 (unknown, 3 value bytes), ACTION_DROP; action type 14 (unknown, 2 value
  // bytes: does nothing); ACTION_ACCEPT.
  const rules = Uint8Array.of(60, 3, 1, 2, 3, 0x00, 0x00, 14, 2, 9, 9, 0x01, 0x00);
  for (const unsupportedMatches of [false, true]) {
    const r = rig();
    const flags = unsupportedMatches ? NETCONF_FLAG_RULES_RESULT_OF_UNSUPPORTED_MATCH : 0n;
    for (const c of chunksOf(encodeNetworkConfig(configFor({ rules, ruleCount: 4, flags })))) rx(r, ctl, Verb.OK, okChunk(r, c));
    assert.equal(status(r), 'OK', 'installs');
    const saved = decodeNetworkConfig(r.host.state.get(`network/${hexNw(NWID)}`)!);
    const decoded = decodeRules(saved.rules);
    assert.equal(decoded.length, 4, 'every entry kept, unknown ones included');
    const out = evaluateRules(
      decoded,
      true,
      { networkId: NWID, self: self.address, rules: decoded, capabilities: [], flags: Number(flags), local: { tagValue: () => undefined, ownsIp: () => false, ownsMac: () => false } },
      null,
      { ztSource: mallory.address, ztDest: self.address, macSource: 0x32aabbccddee, macDest: 0x32aabbccddef, etherType: 0x0800, vlanId: 0, payload: new Uint8Array(40), random: 0 },
      new FilterResult(),
    );
    // Without the flag the unknown match is false and the DROP is skipped; with it, it is true.
    assert.equal(out.verdict, unsupportedMatches ? FILTER_DROP : FILTER_ACCEPT, `flag 0x08 ${unsupportedMatches ? 'set' : 'clear'}`);
  }
});

test('property: random bytes as NETWORK_CONFIG, NETWORK_CREDENTIALS, NETWORK_CONFIG_REQUEST, OK(NETWORK_CONFIG_REQUEST) never cause internal errors', () => {
  const r = rig();
  stillWorks(r);
  const rnd = new Prng(0xc0ffee);
  const seeds: Array<[number, Uint8Array]> = [
    [Verb.NETWORK_CONFIG, chunksOf(encodeNetworkConfig(configFor()))[0]],
    [Verb.NETWORK_CREDENTIALS, encodeNetworkCredentials({ coms: [comFor(mallory)], capabilities: [], tags: [], revocations: [], certificatesOfOwnership: [] })],
    [Verb.NETWORK_CONFIG_REQUEST, encodeNetworkConfigRequest({ networkId: NWID, metadata: new TextEncoder().encode('v=7\n'), current: { revision: 1n, timestamp: 1n } })],
    [Verb.OK, okChunk(r, chunksOf(encodeNetworkConfig(configFor()))[0])],
  ];
  for (let i = 0; i < 3000; i++) {
    const [verb, seed] = seeds[i % seeds.length];
    let payload: Uint8Array;
    switch (rnd.int(4)) {
      case 0:
        payload = rnd.bytes(rnd.int(400));
        break;
      case 1: {
        payload = seed.slice(0, rnd.int(seed.length + 1));
        break;
      }
      default: {
        payload = seed.slice();
        for (let k = 1 + rnd.int(4); k > 0; k--) payload[rnd.int(payload.length)] ^= 1 << rnd.int(8);
      }
    }
    // Keep the network ID ours half of the time so the deeper paths run.
    if (verb !== Verb.OK && payload.length >= 8 && rnd.int(2) === 0) new DataView(payload.buffer, payload.byteOffset).setBigUint64(0, NWID);
    r.now += 1100;
    r.node.onDatagram(r.now, 1, rnd.int(2) ? M_AT : CTL_AT, forge(rnd.int(2) ? mallory : ctl, self, verb, payload));
  }
  assert.equal(r.host.drops('internal_error'), 0);
  stillWorks(r, 'after fuzzing');
});

test('property: random NETWORK_CONFIG_REQUESTs to a node running the controller never cause internal errors, and a real one is still answered', async () => {
  // The controller's node (ctl) with the embedded controller over a MemoryStore; mallory asks.
  const { node, host } = makeNode(ctl, root, T0);
  let now = T0;
  const errors: unknown[] = [];
  const rnd = new Prng(0xbeef);
  const ctlParts = createController({
    store: new MemoryStore(),
    identity: ctl,
    now: () => now,
    random: (n) => rnd.bytes(n),
    replies: {
      sendConfig: (nwid, id, dest, config) => node.controllerLink.sendConfig(now, nwid, id, dest, config),
      sendError: (nwid, id, dest, code, info) => node.controllerLink.sendError(now, nwid, id, dest, code, info),
      sendRevocation: (dest, rev) => node.controllerLink.sendRevocation(now, dest, rev),
    },
    onError: (e) => errors.push(e),
  });
  node.setNetworkController(ctlParts.handler);
  const created = await ctlParts.api.handle('POST', ['controller', 'network', hexNw(NWID)], JSON.stringify({ private: false, v4AssignMode: { zt: true }, ipAssignmentPools: [{ ipRangeStart: '10.9.0.10', ipRangeEnd: '10.9.0.200' }], routes: [{ target: '10.9.0.0/24' }] }), now);
  assert.equal(created.status, 200);
  host.take();
  node.onDatagram(now, 1, M_AT, forgeHello(mallory, ctl, now, null));
  const metadata = encodeRequestMetadata(memberMetadata({ protocol: 12, major: 1, minor: 14, revision: 1 }, 'linux/x86_64'));
  const seed = encodeNetworkConfigRequest({ networkId: NWID, metadata, current: { revision: 0n, timestamp: 0n } });
  for (let i = 0; i < 1500; i++) {
    let payload: Uint8Array;
    if (rnd.int(3) === 0) payload = rnd.bytes(rnd.int(300));
    else {
      payload = seed.slice(0, rnd.int(2) ? seed.length : rnd.int(seed.length + 1));
      for (let k = rnd.int(5); k > 0 && payload.length > 0; k--) payload[rnd.int(payload.length)] ^= 1 << rnd.int(8);
    }
    if (payload.length >= 8 && rnd.int(2) === 0) new DataView(payload.buffer, payload.byteOffset).setBigUint64(0, NWID);
    now += 1100; // past the controller's per-member rate limit
    node.onDatagram(now, 1, M_AT, forge(mallory, ctl, Verb.NETWORK_CONFIG_REQUEST, payload));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await ctlParts.db.run(async () => undefined);
  assert.deepEqual(errors, [], 'the controller never failed inside');
  assert.equal(host.drops('internal_error'), 0);
  assert.ok(ctlParts.handler.counts.requests > 100, `${ctlParts.handler.counts.requests} requests reached the controller`);
  // A well-formed request afterwards is answered with a config (a public network).
  const okBefore = ctlParts.handler.counts.ok;
  now += 1100;
  node.onDatagram(now, 1, M_AT, forge(mallory, ctl, Verb.NETWORK_CONFIG_REQUEST, seed));
  await ctlParts.db.run(async () => undefined);
  assert.equal(ctlParts.handler.counts.ok, okBefore + 1);
  assert.deepEqual(errors, []);
});
