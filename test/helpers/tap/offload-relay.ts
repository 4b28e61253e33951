// A wire of two offload TAPs for test/netns/tap-offload.test.ts: run inside a namespace, it
// opens TAPs <a> and <b> there (offload on, MTU 2800, up), prints {"event":"ready"}, and from
// then on writes every frame read from one to the other with writeFrames. On SIGTERM it
// prints {"event":"stats","a":…,"b":…} (each TAP's offloadStats) and exits.
//   node offload-relay.js <a> <b>
import { LinuxTap } from '../../../src/net/tap/linux-tap.js';
import type { FrameBatch } from '../../../src/net/tap/tap.js';

const [nameA, nameB] = process.argv.slice(2);
const open = (name: string): LinuxTap => LinuxTap.open({ name, mtu: 2800, maxMtu: 2800, up: true, offload: true });
const a = open(nameA);
const b = open(nameB);
const lengths = new Uint32Array(a.batchSize);

function relay(from: FrameBatch, to: LinuxTap): void {
  for (let i = 0; i < from.count; i++) lengths[i] = from.length(i);
  // Slot i's frame starts headroom bytes into the slot: one view from the first frame on.
  to.writeFrames(from.slab.subarray(from.headroom), from.slotBytes, lengths, from.count);
}
a.onFrames((batch) => relay(batch, b));
b.onFrames((batch) => relay(batch, a));
process.on('SIGTERM', () => {
  console.log(JSON.stringify({ event: 'stats', a: a.offloadStats(), b: b.offloadStats() }));
  a.close();
  b.close();
  process.exit(0);
});
console.log(JSON.stringify({ event: 'ready' }));
