// LZ4 throughput on packet-sized inputs: a 1 400-byte payload of mixed text (the shape of a
// network config chunk or a MULTICAST_LIKE list) and a 2 800-byte Ethernet frame (the
// default ZeroTier MTU). MB/s counts uncompressed bytes, 1 MB = 10^6 bytes.
import { lz4Compress, lz4Decompress, maybeCompress } from '../../src/protocol/lz4.js';

function mixedText(n: number): Uint8Array {
  const words = ['v=7', 'nwid', '8056c2e21c000001', 'ipAssignmentPools', '10.147.17.0/24', 'allowManaged', 'true',
    'name=office-lan', 'mtu=2800', 'rules', 'ACTION_ACCEPT', 'MATCH_ETHERTYPE', '0x0800', '0x0806', '0x86dd', 'C=',
    'ts=18c3f9a0b12', 'r=2a', 'id=89e92ceee5', 'multicastLimit=32', 'routes', 'via', 'flags=0', 'metric=0'];
  const out = new Uint8Array(n);
  let seed = 12345;
  let i = 0;
  while (i < n) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const w = words[(seed >>> 8) % words.length];
    for (let k = 0; k < w.length && i < n; k++) out[i++] = w.charCodeAt(k);
    if (i < n) out[i++] = (seed & 3) === 0 ? 10 : 32;
  }
  return out;
}

/** An IPv4/TCP frame: headers, then a payload that is half text, half pseudo-random bytes. */
function frame(n: number): Uint8Array {
  const out = mixedText(n);
  let x = 0x9e3779b9;
  for (let i = 54 + (n - 54) / 2; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = x & 0xff;
  }
  out.set([0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x02, 0x66, 0x77, 0x88, 0x99, 0xaa, 0x08, 0x00, 0x45, 0x00], 0);
  return out;
}

function mbPerSecond(bytesPerOp: number, fn: () => void): number {
  for (let i = 0; i < 500; i++) fn(); // warm up the JIT
  let ops = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < 500_000_000n) {
    for (let i = 0; i < 200; i++) fn();
    ops += 200;
    elapsed = process.hrtime.bigint() - start;
  }
  return (ops * bytesPerOp) / (Number(elapsed) / 1e3);
}

export async function run(): Promise<void> {
  for (const [what, data] of [['1400-byte payload (text)', mixedText(1400)], ['2800-byte frame', frame(2800)]] as const) {
    const block = lz4Compress(data);
    console.log(`bench lz4 ratio ${what}: ${(block.length / data.length).toFixed(3)} compressed/original`);
    console.log(`bench lz4 compress ${what}: ${mbPerSecond(data.length, () => lz4Compress(data)).toFixed(1)} MB/s`);
    console.log(`bench lz4 maybeCompress ${what}: ${mbPerSecond(data.length, () => maybeCompress(data)).toFixed(1)} MB/s`);
    console.log(`bench lz4 decompress ${what}: ${mbPerSecond(data.length, () => lz4Decompress(block, 10024)).toFixed(1)} MB/s`);
  }
  const random = frame(2800).subarray(1454);
  console.log(`bench lz4 maybeCompress 1346 random bytes (gives up): ${mbPerSecond(random.length, () => maybeCompress(random)).toFixed(1)} MB/s`);
}
