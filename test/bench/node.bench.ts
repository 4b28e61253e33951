// Node figures (issue #3): start → first OK(HELLO) from a root over real UDP on loopback,
// and 1,000 peers held by one node (memory, background task time).
import { Node } from '../../src/node/node.js';
import type { NodeHost } from '../../src/node/host.js';
import { UdpBinder } from '../../src/net/udp-binder.js';
import { Topology } from '../../src/node/topology.js';
import { encodeCachedPeer } from '../../src/node/peer-cache.js';
import { Identity } from '../../src/protocol/identity.js';
import { generateC25519KeyPair } from '../../src/crypto/c25519.js';
import { secureRandomBytes, secureRandomFill } from '../../src/crypto/random.js';
import { parseInetAddress, type InetAddress } from '../../src/protocol/inet-address.js';
import { testIdentity } from '../sim/zt-net.js';
import { agree } from '../../src/crypto/c25519.js';
import { derivePeerKeys } from '../../src/crypto/peer-keys.js';
import { armor } from '../../src/protocol/armor.js';
import { buildPacket } from '../../src/protocol/packet.js';
import { Verb } from '../../src/protocol/constants.js';
import { encodeUserMessage } from '../../src/protocol/verbs/user-message.js';
import { connectPeers, lastSentHost, planetFor } from './bench-node-helpers.js';

async function udpNode(id: Identity, port: number, planet: Uint8Array, onOnline?: () => void): Promise<{ node: Node; binder: UdpBinder; stop(): void }> {
  let node!: Node;
  let timer: NodeJS.Timeout | null = null;
  const binder = new UdpBinder({ ports: [port], bind: ['127.0.0.1'], onDatagram: (s, f, d) => node.onDatagram(Date.now(), s, f, d) });
  await binder.refresh();
  const host: NodeHost = {
    send: (s, to, d, ttl) => binder.send(s, to, d, ttl),
    putState: () => undefined,
    event: (e) => {
      if (e.type === 'online' && e.isOnline) onOnline?.();
    },
    // The first OK(HELLO) from the root makes the node online at once (see bookkeeping.ts).
    random: secureRandomFill,
  };
  node = new Node(host, id, { planet }, Date.now(), { defaultPlanet: null });
  const loop = (): void => {
    const next = node.tick(Date.now());
    timer = setTimeout(loop, Math.max(0, next - Date.now()));
  };
  loop();
  return { node, binder, stop: () => { if (timer) clearTimeout(timer); binder.close(); } };
}

async function startToOnline(): Promise<void> {
  const root = testIdentity('bench-root');
  const leaf = testIdentity('bench-leaf');
  const planet = planetFor(root, '127.0.0.1/29993');
  const r = await udpNode(root, 29993, planet);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    let l: Awaited<ReturnType<typeof udpNode>> | null = null;
    await new Promise<void>((resolve) => {
      void udpNode(leaf, 29994 + i, planet, resolve).then((x) => (l = x));
    });
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    (l as unknown as { stop(): void } | null)?.stop();
  }
  r.stop();
  samples.sort((a, b) => a - b);
  console.log(`bench node start → first OK(HELLO) from root (UDP on loopback): median ${samples[2].toFixed(2)} ms, min ${samples[0].toFixed(2)} ms, max ${samples[4].toFixed(2)} ms`);
}

function thousandPeers(): void {
  const self = testIdentity('bench-root');
  const planet = planetFor(self, '10.0.0.1/9993');
  const now = 1_700_000_000_000;
  const peers: Array<{ id: Identity; at: InetAddress }> = [];
  for (let i = 0; i < 1000; i++) {
    const kp = generateC25519KeyPair(secureRandomBytes);
    // Keys are real; the proof of work is not needed for cached peers.
    peers.push({ id: new Identity(0x1000000000 + i, kp.publicKey, kp.privateKey), at: parseInetAddress(`10.${(i >> 8) & 255}.${i & 255}.1/9993`)! });
  }
  // Creating a peer object: key agreement and the key derivation, nothing else.
  const topo = new Topology(self, { worldInstalled: () => undefined });
  const t0 = process.hrtime.bigint();
  for (const p of peers) topo.makePeer(p.id);
  const addUs = Number(process.hrtime.bigint() - t0) / 1e3 / peers.length;

  const saved = peers.map((p) => encodeCachedPeer({ identity: p.id.toPublic(), version: { protocol: 12, major: 1, minor: 14, revision: 1 }, addresses: [p.at] }));
  const { host, sent, stopRecording } = lastSentHost();
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage().heapUsed;
  const node = new Node(host, self, { planet, peers: saved }, now, { defaultPlanet: null });
  connectPeers(node, sent, self, peers, now);
  stopRecording();
  (globalThis as { gc?: () => void }).gc?.();
  const after = process.memoryUsage().heapUsed;
  console.log(`bench node 1000 peers: ${((after - before) / 1000 / 1024).toFixed(1)} KiB heap per peer (${((after - before) / 1048576).toFixed(1)} MiB), ${addUs.toFixed(1)} µs to create each (key agreement included)`);
  // Background task: ping checks over 2 minutes of virtual time, all peers active.
  let t = now;
  const times: number[] = [];
  node.tick(t);
  for (let i = 0; i < 24; i++) {
    t += 5_000;
    const s = process.hrtime.bigint();
    node.tick(t);
    times.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(`bench node background task with 1000 active peers: median ${times[12].toFixed(2)} ms, max ${times[23].toFixed(2)} ms per 5 s ping check (ECHO/HELLO keepalives included)`);
}

/** Receive path cost: authenticated 1400-byte USER_MESSAGEs from a known peer over a known path. */
function receivePath(): void {
  const self = testIdentity('bench-root');
  const peerId = testIdentity('bench-leaf');
  let delivered = 0;
  const { host, sent, stopRecording } = lastSentHost((e) => void (e.type === 'user_message' && delivered++));
  const now = 1_700_000_000_000;
  const from = parseInetAddress('10.1.1.1/9993')!;
  const cached = encodeCachedPeer({ identity: peerId.toPublic(), version: { protocol: 12, major: 1, minor: 14, revision: 1 }, addresses: [from] });
  const node = new Node(host, self, { planet: planetFor(testIdentity('bench-other-root'), '10.0.0.1/9993'), peers: [cached] }, now, { defaultPlanet: null });
  connectPeers(node, sent, self, [{ id: peerId, at: from }], now);
  stopRecording();
  const keys = derivePeerKeys(agree(peerId.privateKey!, self.publicKey));
  for (const suite of [1, 3] as const) {
    const packets: Uint8Array[] = [];
    for (let i = 0; i < 2000; i++) {
      const pkt = buildPacket({ id8: secureRandomBytes(8), dest: self.address, source: peerId.address, verb: Verb.USER_MESSAGE, payload: encodeUserMessage({ typeId: 1n, data: secureRandomBytes(1372) }) });
      armor(pkt, keys, suite);
      packets.push(pkt);
    }
    // Five rounds over the same packets; the best round is reported (the first ones warm the JIT).
    let ns = Infinity;
    for (let round = 0; round < 5; round++) {
      delivered = 0;
      const t0 = process.hrtime.bigint();
      for (const p of packets) node.onDatagram(now, 1, from, p);
      ns = Math.min(ns, Number(process.hrtime.bigint() - t0) / packets.length);
    }
    console.log(`bench node receive 1400-byte packet, suite ${suite}: ${(ns / 1000).toFixed(1)} µs/packet (${(1e9 / ns).toFixed(0)} packets/s, ${delivered} delivered)`);
  }
}

export async function run(): Promise<void> {
  await startToOnline();
  thousandPeers();
  receivePath();
}
