// The sender's in-place path for frames (STYLE §4): the payload is built after header room,
// sealed where it lies and handed to the host without a copy; the wire bytes are the same
// as any other packet's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agree } from '../../../src/crypto/c25519.js';
import { derivePeerKeys } from '../../../src/crypto/peer-keys.js';
import { dearmor } from '../../../src/protocol/armor.js';
import { FLAG_FRAGMENTED, PACKET_IDX_FLAGS, PACKET_IDX_PAYLOAD, VERB_MASK, PACKET_IDX_VERB, Verb } from '../../../src/protocol/constants.js';
import { parseInetAddress } from '../../../src/protocol/inet-address.js';
import { packetDestination, packetSource } from '../../../src/protocol/packet.js';
import { Reassembler } from '../../../src/protocol/reassembler.js';
import { NodeContext } from '../../../src/node/context.js';
import { PhysicalSettings } from '../../../src/node/physical.js';
import { Sender } from '../../../src/node/sender.js';
import { Topology } from '../../../src/node/topology.js';
import { VerbTable } from '../../../src/node/verb-table.js';
import { RecordingHost } from '../../helpers/node-harness.js';
import { testIdentity } from '../../sim/zt-net.js';

const self = testIdentity('sender-self');
const other = testIdentity('sender-other');
const AT = parseInetAddress('10.3.0.2/9993')!;
const NOW = 5_000_000;

function senderWithPeer(): { sender: Sender; host: RecordingHost; ctx: NodeContext } {
  const host = new RecordingHost();
  const ctx = new NodeContext(host, self, new Topology(self, { worldInstalled: () => undefined }), new PhysicalSettings([]));
  const peer = ctx.topology.addPeer(ctx.topology.makePeer(other));
  const path = ctx.paths.get(1, AT);
  path.lastInMs = NOW;
  peer.learnPath(path, NOW);
  peer.version = { protocol: 12, major: 1, minor: 14, revision: 1 };
  return { sender: new Sender(ctx), host, ctx };
}

test('a frame built after header room is sealed in place and handed over without a copy', () => {
  const { sender, host, ctx } = senderWithPeer();
  const frame = Uint8Array.from({ length: 200 }, (_, i) => i);
  const buf = new Uint8Array(PACKET_IDX_PAYLOAD + frame.length);
  buf.set(frame, PACKET_IDX_PAYLOAD);
  assert.equal(sender.sendSealedInPlace(NOW, ctx.topology.peers.get(other.address)!, Verb.FRAME, buf), true);
  const [sent] = host.take();
  assert.equal(sent.data, buf, 'the very buffer the caller built');
  assert.equal(packetDestination(sent.data), other.address);
  assert.equal(packetSource(sent.data), self.address);
  const copy = sent.data.slice();
  assert.ok(dearmor(copy, derivePeerKeys(agree(other.privateKey!, self.publicKey))), 'the peer authenticates it');
  assert.equal(copy[PACKET_IDX_VERB] & VERB_MASK, Verb.FRAME);
  assert.deepEqual(copy.subarray(PACKET_IDX_PAYLOAD), frame);
});

test('a frame larger than the path MTU leaves in fragments that reassemble', () => {
  const { sender, host, ctx } = senderWithPeer();
  const frame = Uint8Array.from({ length: 2800 }, (_, i) => (i * 7) & 0xff);
  const buf = new Uint8Array(PACKET_IDX_PAYLOAD + frame.length);
  buf.set(frame, PACKET_IDX_PAYLOAD);
  assert.ok(sender.sendSealedInPlace(NOW, ctx.topology.peers.get(other.address)!, Verb.FRAME, buf));
  const pieces = host.take();
  assert.equal(pieces.length, 2, '02 §8: 2838 bytes need two datagrams at MTU 1432');
  assert.ok(pieces[0].data[PACKET_IDX_FLAGS] & FLAG_FRAGMENTED);
  const r = new Reassembler({ maxEntries: 4, timeoutMs: 1000 });
  assert.equal(r.addHead(NOW, pieces[0].data), null);
  const whole = r.addFragment(NOW, pieces[1].data)!;
  assert.ok(dearmor(whole, derivePeerKeys(agree(other.privateKey!, self.publicKey))));
  assert.deepEqual(whole.subarray(PACKET_IDX_PAYLOAD), frame);
});

test('a frame to a peer with no path at all is not sent (frames are not queued)', () => {
  const host = new RecordingHost();
  const ctx = new NodeContext(host, self, new Topology(self, { worldInstalled: () => undefined }), new PhysicalSettings([]));
  const peer = ctx.topology.addPeer(ctx.topology.makePeer(other));
  const buf = new Uint8Array(PACKET_IDX_PAYLOAD + 60);
  assert.equal(new Sender(ctx).sendSealedInPlace(NOW, peer, Verb.FRAME, buf), false);
  assert.equal(host.take().length, 0);
});

test('a verb has one handler: a second registration is refused', () => {
  const table = new VerbTable();
  table.register(Verb.FRAME, () => undefined);
  assert.throws(() => table.register(Verb.FRAME, () => undefined), /already has a handler/);
  table.registerOk(Verb.HELLO, () => undefined);
  assert.throws(() => table.registerOk(Verb.HELLO, () => undefined), /already has a handler/);
  assert.equal(table.get(Verb.MULTICAST_LIKE), undefined);
});
