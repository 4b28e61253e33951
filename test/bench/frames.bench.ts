// The node's share of the datapath (issue #8), with no sockets or TAP: a frame from the TAP
// through the switch, the rules, FRAME building and armor to host.send, and a FRAME from a
// peer through de-armor, the gate and the rules to host.deliverFrame. Two nodes on a public
// network whose config each installs locally; 1400- and 2800-byte frames, suites 1 and 3.
import { Node } from '../../src/node/node.js';
import type { NodeHost } from '../../src/node/host.js';
import { Identity } from '../../src/protocol/identity.js';
import { secureRandomBytes, secureRandomFill } from '../../src/crypto/random.js';
import { agree } from '../../src/crypto/c25519.js';
import { derivePeerKeys } from '../../src/crypto/peer-keys.js';
import { armor } from '../../src/protocol/armor.js';
import { buildPacket } from '../../src/protocol/packet.js';
import { Verb } from '../../src/protocol/constants.js';
import { parseInetAddress } from '../../src/protocol/inet-address.js';
import { encodeCachedPeer } from '../../src/node/peer-cache.js';
import { encodeFrame } from '../../src/protocol/verbs/frame.js';
import { blankNetworkConfig, NETWORK_TYPE_PUBLIC } from '../../src/protocol/netconf/network-config.js';
import { encodeRules } from '../../src/protocol/rules/codec.js';
import { makeRule, RULE_ACTION_ACCEPT } from '../../src/protocol/rules/rule.js';
import { macForMember } from '../../src/protocol/member-mac.js';
import { testIdentity } from '../sim/zt-net.js';
import { connectPeers, lastSentHost, planetFor } from './bench-node-helpers.js';

const NOW = 1_700_000_000_000;

function joinPublic(node: Node, self: Identity, nwid: bigint): void {
  node.join(NOW, nwid);
  const c = blankNetworkConfig(nwid, self.address);
  c.type = NETWORK_TYPE_PUBLIC;
  c.timestampMs = BigInt(NOW);
  c.multicastLimit = 32;
  const rules = [makeRule(RULE_ACTION_ACCEPT)];
  c.rules = encodeRules(rules);
  c.ruleCount = rules.length;
  // A config "from our own controller" installs without a packet (Node::ncSendConfig to self).
  node.controllerLink.sendConfig(NOW, nwid, 0n, self.address, c);
  if (node.network(nwid)?.status !== 'OK') throw new Error('bench: the network did not come up');
}

function best(rounds: number, n: number, fn: () => void): number {
  let ns = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    ns = Math.min(ns, Number(process.hrtime.bigint() - t0) / n);
  }
  return ns;
}

export async function run(): Promise<void> {
  const self = testIdentity('bench-root');
  const peerId = testIdentity('bench-leaf');
  const nwid = (BigInt(testIdentity('bench-other-root').address) << 24n) | 7n;
  const from = parseInetAddress('10.1.1.1/9993')!;
  let delivered = 0;
  let sent = 0;
  const rec = lastSentHost();
  const host: NodeHost = {
    ...rec.host,
    send: (s, to, d, ttl) => {
      sent++;
      return rec.host.send(s, to, d, ttl);
    },
    deliverFrame: () => void delivered++,
    random: secureRandomFill,
  };
  const cached = encodeCachedPeer({ identity: peerId.toPublic(), version: { protocol: 12, major: 1, minor: 14, revision: 1 }, addresses: [from] });
  const node = new Node(host, self, { planet: planetFor(testIdentity('bench-other-root'), '10.0.0.1/9993'), peers: [cached] }, NOW, { defaultPlanet: null });
  connectPeers(node, rec.sent, self, [{ id: peerId, at: from }], NOW);
  rec.stopRecording();
  joinPublic(node, self, nwid);
  const keys = derivePeerKeys(agree(peerId.privateKey!, self.publicKey));
  const myMac = macForMember(nwid, self.address);
  const peerMac = macForMember(nwid, peerId.address);

  for (const size of [1400, 2800]) {
    const data = secureRandomBytes(size);
    const frame = { sourceMac: myMac, destMac: peerMac, etherType: 0x0800, vlanId: 0, data };
    sent = 0;
    const n = 5000;
    const ns = best(5, n, () => {
      for (let i = 0; i < n; i++) node.sendFrame(NOW, nwid, frame);
    });
    console.log(`bench frames TAP → wire, ${size}-byte frame (switch, rules, FRAME, suite 3 armor, fragments): ${(ns / 1000).toFixed(1)} µs/frame, ${(1e9 / ns).toFixed(0)} frames/s, ${(sent / (5 * n)).toFixed(1)} datagrams/frame`);
    for (const suite of [1, 3] as const) {
      const packets: Uint8Array[] = [];
      for (let i = 0; i < 2000; i++) {
        const pkt = buildPacket({ id8: secureRandomBytes(8), dest: self.address, source: peerId.address, verb: Verb.FRAME, payload: encodeFrame({ networkId: nwid, etherType: 0x0800, data }) });
        armor(pkt, keys, suite);
        packets.push(pkt);
      }
      delivered = 0;
      // onDatagram handles a whole (unfragmented) packet; bigger than a path MTU is fine in memory.
      const rns = best(5, packets.length, () => {
        for (const p of packets) node.onDatagram(NOW, 1, from, p);
      });
      console.log(`bench frames wire → TAP, ${size}-byte frame, suite ${suite} (de-armor, gate, rules, deliver): ${(rns / 1000).toFixed(1)} µs/frame, ${(1e9 / rns).toFixed(0)} frames/s (${delivered} delivered)`);
    }
  }
}
