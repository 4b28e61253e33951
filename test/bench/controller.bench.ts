// Controller figures (issue #7): config requests answered per second with 10,000 members on
// one network (admission, IP bookkeeping, config build and signing; MemoryStore and
// FileStore), heap per member, and the time FileStore.open takes to load a controller.d of
// 10,000 members. Requests go straight to EmbeddedController.request(); the replies are counted.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createController, type ControllerParts } from '../../src/controller/controller.js';
import { ControllerDb } from '../../src/controller/controller-db.js';
import type { ControllerStore } from '../../src/controller/store.js';
import { MemoryStore } from '../../src/controller/memory-store.js';
import { FileStore } from '../../src/controller/file-store.js';
import { dumpJson, type JsonObject } from '../../src/controller/json-read.js';
import { cleanMember, forceMemberIds, initMember, type MemberRecord } from '../../src/controller/member-record.js';
import type { NetworkRecord } from '../../src/controller/network-record.js';
import { encodeRequestMetadata, memberMetadata } from '../../src/protocol/netconf/request-metadata.js';
import type { Identity } from '../../src/protocol/identity.js';
import { testIdentity } from '../sim/zt-net.js';
import { Prng } from '../helpers/prng.js';
import { sign } from '../../src/crypto/c25519.js';
import { encodeNetworkConfig } from '../../src/protocol/netconf/config-dictionary.js';
import type { NetworkConfig } from '../../src/protocol/netconf/network-config.js';
import { configChunkSigningInput, encodeNetworkConfig as encodeConfigChunk } from '../../src/protocol/verbs/network-config.js';
import { CONFIG_CHUNK_MAX_BYTES } from '../../src/node/controller-link.js';

const MEMBERS = 10_000;
/** Real identities that send requests (each costs ~0.2 s to generate); the other members are records only. */
const REQUESTERS = 16;
const MEASURE_MS = 3000;

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const hex10 = (a: number): string => a.toString(16).padStart(10, '0');

interface Fixture {
  ctl: Identity;
  nwid: bigint;
  nwidHex: string;
  network: NetworkRecord;
  members: MemberRecord[];
  requesters: Identity[];
}

/** One network with a /16 pool and 10,000 authorized members with an IPv4 each. */
function fixture(): Fixture {
  const ctl = testIdentity('bench-ctl');
  const nwid = (BigInt(ctl.address) << 24n) | 0x000001n;
  const nwidHex = nwid.toString(16).padStart(16, '0');
  const now = 1_700_000_000_000;
  const network: NetworkRecord = {
    id: nwidHex, nwid: nwidHex, objtype: 'network', name: 'bench', private: true, revision: 1, creationTime: now,
    enableBroadcast: true, mtu: 2800, multicastLimit: 32, v4AssignMode: { zt: true }, v6AssignMode: { zt: false, rfc4193: false, '6plane': false },
    ipAssignmentPools: [{ ipRangeStart: '10.1.0.1', ipRangeEnd: '10.1.255.254' }], routes: [{ target: '10.1.0.0/16', via: null }],
    rules: [{ type: 'ACTION_ACCEPT', not: false, or: false }], capabilities: [], tags: [], authTokens: {}, dns: { domain: '', servers: [] },
    remoteTraceTarget: null, remoteTraceLevel: 0, ssoEnabled: false, certificateTimeoutWindowSize: 1_800_000,
  };
  const requesters = Array.from({ length: REQUESTERS }, (_, i) => testIdentity(`bench-member-${i}`));
  const prng = new Prng(7);
  const used = new Set<number>();
  const members: MemberRecord[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    let address: number;
    if (i < REQUESTERS) address = requesters[i].address;
    else {
      do address = (prng.next() % 0xff) * 0x100000000 + prng.next();
      while (address === 0 || used.has(address) || (address / 0x100000000) >>> 0 === 0xff);
    }
    used.add(address);
    const identity = i < REQUESTERS ? requesters[i].toString(false) : `${hex10(address)}:0:${Array.from(prng.bytes(64), (b) => b.toString(16).padStart(2, '0')).join('')}`;
    const m = initMember({ authorized: true, identity, ipAssignments: [`10.1.${(i + 1) >> 8}.${(i + 1) & 0xff}`], lastAuthorizedTime: now, revision: 1 }, now);
    forceMemberIds(m, nwid, address);
    members.push(cleanMember(m));
  }
  return { ctl, nwid, nwidHex, network, members, requesters };
}

/** What ControllerLink.sendConfig does before sending: the dictionary, cut into signed chunks. */
function encodeAndSign(ctl: Identity, nwid: bigint, config: NetworkConfig): number {
  const dict = encodeNetworkConfig(config);
  let bytes = 0;
  for (let offset = 0; offset < dict.length; offset += CONFIG_CHUNK_MAX_BYTES) {
    const data = dict.subarray(offset, Math.min(dict.length, offset + CONFIG_CHUNK_MAX_BYTES));
    const signing = { flags: 0, updateId: 1n, totalLength: dict.length, chunkOffset: offset };
    const signature = sign(ctl.privateKey!, ctl.publicKey, configChunkSigningInput(nwid, data, signing));
    bytes += encodeConfigChunk({ networkId: nwid, data, signing: { ...signing, signature } }).length;
  }
  return bytes;
}

/**
 * A controller over `store` whose answers are encoded and signed as the node would send
 * them, then counted (pushes, packet ID 0, are not answers).
 */
function controllerOver(f: Fixture, store: ControllerStore, clock: { now: number }): { parts: ControllerParts; answered(): number; errors(): number } {
  let ok = 0;
  let errors = 0;
  const prng = new Prng(9);
  const parts = createController({
    store,
    identity: f.ctl,
    now: () => clock.now,
    random: (n) => prng.bytes(n),
    replies: { sendConfig: (nwid, packetId, _dest, config) => {
        encodeAndSign(f.ctl, nwid, config);
        if (packetId !== 0n) ok++;
      }, sendError: () => void errors++, sendRevocation: () => undefined },
    onError: (e) => {
      throw e;
    },
  });
  return { parts, answered: () => ok, errors: () => errors };
}

const metadata = encodeRequestMetadata(memberMetadata({ protocol: 12, major: 1, minor: 14, revision: 1 }, 'linux/x86_64'));

/** Rounds of one request per requester until MEASURE_MS have passed: answers per second. */
async function requestsPerSecond(f: Fixture, store: ControllerStore): Promise<{ perSecond: number; answered: number }> {
  const clock = { now: 1_700_000_100_000 };
  const c = controllerOver(f, store, clock);
  let packetId = 1n;
  const round = async (): Promise<void> => {
    clock.now += 1500; // past the per-member rate limit (05 §1.3)
    const target = c.answered() + f.requesters.length;
    for (const id of f.requesters) c.parts.handler.request({ nwid: f.nwid, requestPacketId: packetId++, identity: id, metadata, physicalAddress: null, nowMs: clock.now });
    // The handler's work is queued on the db; let it drain.
    await c.parts.db.run(async () => undefined);
    if (c.answered() !== target || c.errors() > 0) throw new Error(`controller bench: ${c.answered()} answers, ${c.errors()} errors, expected ${target}`);
  };
  await round(); // warm-up: records the versions (one save per requester)
  await round();
  const start = c.answered();
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < MEASURE_MS) {
    await round();
    elapsed = performance.now() - t0;
  }
  const answered = c.answered() - start;
  return { perSecond: (answered * 1000) / elapsed, answered };
}

async function fillMemory(f: Fixture): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.putNetwork(f.network);
  for (const m of f.members) await store.putMember(f.nwidHex, m);
  return store;
}

/** controller.d as 1.14.1 lays it out (file-store.ts), written directly. */
function writeControllerD(f: Fixture, dir: string): void {
  const netDir = join(dir, 'network');
  const memberDir = join(netDir, f.nwidHex, 'member');
  mkdirSync(memberDir, { recursive: true });
  writeFileSync(join(netDir, `${f.nwidHex}.json`), dumpJson(f.network));
  for (const m of f.members) writeFileSync(join(memberDir, `${m.id as string}.json`), dumpJson(m as JsonObject));
}

export async function run(): Promise<void> {
  const t0 = performance.now();
  const f = fixture();
  console.log(`# fixture: ${MEMBERS} members (${REQUESTERS} of them requesting), built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // Heap per member: the MemoryStore filled with the records.
  gc();
  const before = process.memoryUsage().heapUsed;
  let mem: MemoryStore | null = await fillMemory(f);
  gc();
  const after = process.memoryUsage().heapUsed;
  console.log(`bench controller heap per member (MemoryStore, ${MEMBERS} members): ${((after - before) / MEMBERS / 1024).toFixed(2)} KiB (${((after - before) / 1048576).toFixed(1)} MiB in all)${(globalThis as { gc?: unknown }).gc ? '' : ' [no --expose-gc: rough]'}`);

  // The request handler's per-network index (allocated addresses, active bridges), built at the first request.
  const db = new ControllerDb(mem);
  gc();
  const beforeIndex = process.memoryUsage().heapUsed;
  await db.allocated(f.nwidHex);
  gc();
  console.log(`bench controller heap per member of the request index (allocated addresses): ${((process.memoryUsage().heapUsed - beforeIndex) / MEMBERS).toFixed(0)} bytes`);

  const r = await requestsPerSecond(f, mem);
  console.log(`bench controller config requests answered, ${MEMBERS} members, MemoryStore: ${r.perSecond.toFixed(0)} /s (${r.answered} in ${MEASURE_MS / 1000} s, config build, credential and chunk signing included)`);
  mem = null;

  const dir = mkdtempSync(join(tmpdir(), 'ztkube-ctl-bench-'));
  try {
    writeControllerD(f, dir);
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    const samples: number[] = [];
    let store: FileStore | null = null;
    for (let i = 0; i < 3; i++) {
      store = null;
      gc();
      const s0 = performance.now();
      store = await FileStore.open(dir);
      samples.push(performance.now() - s0);
    }
    gc();
    const heap1 = process.memoryUsage().heapUsed;
    samples.sort((a, b) => a - b);
    console.log(`bench controller FileStore.open of ${MEMBERS} members: median ${samples[1].toFixed(0)} ms, min ${samples[0].toFixed(0)} ms, max ${samples[2].toFixed(0)} ms (page cache warm)`);
    console.log(`bench controller heap per member (FileStore after open): ${((heap1 - heap0) / MEMBERS / 1024).toFixed(2)} KiB`);
    const rf = await requestsPerSecond(f, store!);
    console.log(`bench controller config requests answered, ${MEMBERS} members, FileStore: ${rf.perSecond.toFixed(0)} /s (${rf.answered} in ${MEASURE_MS / 1000} s)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
