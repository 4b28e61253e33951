// The echo host process: opens a LinuxTap and plays a virtual host behind it with an
// EchoResponder (ARP, ICMP echo, UDP echo). The netns tests start it inside a namespace
// with `ip netns exec <ns> node -e "…runEchoHost(…)"` and drive it over stdio, one JSON
// object per line:
//   out: {"event":"ready","name","mac","mtu"}   after the TAP is open and up
//   in:  stats      out: {"event":"stats", frames, callbacks, maxBatch, written, drops, counts}
//   in:  mtu <n>    out: {"event":"mtu","mtu":n}
//   in:  close      out: {"event":"closed"}   (the interface is gone when this is printed)
//   out: {"event":"error","message"}          then exit code 1
// The process exits when stdin closes.
import { createInterface } from 'node:readline';
import { EchoResponder } from './echo-responder.js';
import { ipv4FromString } from './ipv4-frames.js';
import { LinuxTap } from '../../../src/net/tap/linux-tap.js';
import type { FrameBatch } from '../../../src/net/tap/tap.js';

export interface EchoHostOptions {
  name: string;
  /** The virtual host's address, e.g. 10.77.0.2 (the TAP itself gets another on the subnet). */
  hostIp: string;
  hostMac: number;
  tapMac?: number;
  mtu?: number;
  batchSize?: number;
}

function say(o: object): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}

export function runEchoHost(o: EchoHostOptions): void {
  let tap: LinuxTap;
  try {
    tap = LinuxTap.open({ name: o.name, mtu: o.mtu, mac: o.tapMac, up: true, batchSize: o.batchSize });
  } catch (e) {
    say({ event: 'error', message: (e as Error).message });
    process.exit(1);
  }
  const responder = new EchoResponder(ipv4FromString(o.hostIp), o.hostMac);
  const replyBufs = Array.from({ length: tap.batchSize }, () => new Uint8Array(tap.maxMtu + 64));
  const replies: Uint8Array[] = [];
  let maxBatch = 0;
  tap.onFrames((batch: FrameBatch) => {
    if (batch.count > maxBatch) maxBatch = batch.count;
    replies.length = 0;
    for (let i = 0; i < batch.count; i++) {
      const n = responder.answer(batch.frame(i), replyBufs[replies.length]);
      if (n > 0) replies.push(replyBufs[replies.length].subarray(0, n));
    }
    if (replies.length > 0) tap.writeBatch(replies);
  });
  tap.onError((e) => {
    say({ event: 'error', message: e.message });
    process.exit(1);
  });
  say({ event: 'ready', name: tap.name, mac: tap.mac, mtu: tap.mtu });

  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const [cmd, arg] = line.trim().split(/\s+/);
    try {
      if (cmd === 'stats') {
        say({
          event: 'stats',
          frames: tap.framesReadTotal,
          callbacks: tap.readCallbacksTotal,
          maxBatch,
          written: tap.framesWrittenTotal,
          drops: tap.writeDropsTotal,
          counts: responder.counts,
        });
      } else if (cmd === 'mtu') {
        tap.setMtu(Number(arg));
        say({ event: 'mtu', mtu: tap.mtu });
      } else if (cmd === 'close') {
        tap.close();
        say({ event: 'closed' });
      }
    } catch (e) {
      say({ event: 'error', message: (e as Error).message });
    }
  });
  lines.on('close', () => {
    tap.close();
    process.exit(0);
  });
}
