// The TAP addon's offload read path (native/src/tap_offload.cc) on known super-frames, without
// a device: each segment must be byte for byte what the kernel's own GSO would have sent —
// built here independently, field by field, with RFC 1071 checksums computed in TypeScript.
// A real kernel checks the same path end to end in test/netns/tap-offload.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findTapAddon, loadTapAddon } from '../../../src/net/tap/addon.js';

const skip = findTapAddon() ? false : 'the TAP addon is not built (run make)';

const FIN = 0x01;
const PSH = 0x08;
const ACK = 0x10;
const CWR = 0x80;

/** RFC 1071 ones' complement sum of big-endian 16-bit words, folded, not complemented. */
function onesSum(...parts: Uint8Array[]): number {
  let s = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i += 2) s += (p[i] << 8) | (i + 1 < p.length ? p[i + 1] : 0);
  }
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

function be16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}
function be32(v: number): number[] {
  return [...be16(Math.floor(v / 0x10000) & 0xffff), ...be16(v & 0xffff)];
}

interface TcpSpec {
  v6: boolean;
  vlan?: boolean;
  /** IPv6 only: a hop-by-hop extension header of 8 bytes in front of TCP. */
  hopByHop?: boolean;
  ipId: number;
  seq: number;
  flags: number;
  payload: Uint8Array;
  /** Checksums as a receiver checks them (true) or a placeholder the segmenter must ignore. */
  checksums: boolean;
}

const SRC4 = [10, 1, 2, 3];
const DST4 = [10, 1, 2, 4];
const SRC6 = [0xfd, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const DST6 = [0xfd, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
// Timestamps and a NOP pair: 12 option bytes, so the TCP header is 32 bytes as Linux sends.
const OPTIONS = [1, 1, 8, 10, ...be32(0x01020304), ...be32(0x0a0b0c0d)];

/** One Ethernet + IP + TCP frame, laid out as Linux sends it. */
function tcpFrame(s: TcpSpec): Uint8Array {
  const tcp = Uint8Array.from([...be16(40000), ...be16(5201), ...be32(s.seq), ...be32(0x11223344), (8 << 4), s.flags, ...be16(502), 0, 0, 0, 0, ...OPTIONS]);
  const l4 = new Uint8Array(tcp.length + s.payload.length);
  l4.set(tcp);
  l4.set(s.payload, tcp.length);
  let ip: Uint8Array;
  let pseudo: Uint8Array;
  if (s.v6) {
    const ext = s.hopByHop ? [6, 0, 1, 4, 0, 0, 0, 0] : [];
    ip = Uint8Array.from([0x60, 0, 0, 0, ...be16(ext.length + l4.length), s.hopByHop ? 0 : 6, 64, ...SRC6, ...DST6, ...ext]);
    pseudo = Uint8Array.from([...SRC6, ...DST6, ...be32(l4.length), 0, 0, 0, 6]);
  } else {
    ip = Uint8Array.from([0x45, 0, ...be16(20 + l4.length), ...be16(s.ipId), 0x40, 0, 64, 6, 0, 0, ...SRC4, ...DST4]);
    if (s.checksums) ip.set(be16(~onesSum(ip) & 0xffff), 10);
    pseudo = Uint8Array.from([...SRC4, ...DST4, 0, 6, ...be16(l4.length)]);
  }
  l4.set(s.checksums ? be16(~onesSum(pseudo, l4) & 0xffff) : [0xde, 0xad], 16);
  const eth = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, ...(s.vlan ? [0x81, 0, 0, 7] : []), ...be16(s.v6 ? 0x86dd : 0x0800)];
  const f = new Uint8Array(eth.length + ip.length + l4.length);
  f.set(eth);
  f.set(ip, eth.length);
  f.set(l4, eth.length + ip.length);
  return f;
}

/** A virtio_net_hdr in the host's byte order (little-endian here), then the frame. */
function withVnetHdr(h: { flags: number; gsoType: number; gsoSize: number; csumStart: number; csumOffset: number }, frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(10 + frame.length);
  const v = new DataView(out.buffer);
  v.setUint8(0, h.flags);
  v.setUint8(1, h.gsoType);
  v.setUint16(2, 0, true); // hdr_len: a hint the segmenter must not trust
  v.setUint16(4, h.gsoSize, true);
  v.setUint16(6, h.csumStart, true);
  v.setUint16(8, h.csumOffset, true);
  out.set(frame, 10);
  return out;
}

function payloadOf(n: number): Uint8Array {
  const p = new Uint8Array(n);
  for (let i = 0; i < n; i++) p[i] = (i * 7 + (i >> 8)) & 0xff;
  return p;
}

/** The kernel's segments of a super-frame: seq + offset, IPv4 id + i, FIN/PSH last, CWR first. */
function expectedSegments(s: TcpSpec, mss: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const count = Math.max(1, Math.ceil(s.payload.length / mss));
  for (let i = 0; i < count; i++) {
    let flags = s.flags;
    if (i < count - 1) flags &= ~(FIN | PSH);
    if (i > 0) flags &= ~CWR;
    out.push(tcpFrame({ ...s, checksums: true, ipId: (s.ipId + i) & 0xffff, seq: (s.seq + i * mss) >>> 0, flags, payload: s.payload.subarray(i * mss, (i + 1) * mss) }));
  }
  return out;
}

function l4Offset(s: TcpSpec): number {
  return 14 + (s.vlan ? 4 : 0) + (s.v6 ? 40 + (s.hopByHop ? 8 : 0) : 20);
}

const cases: Array<{ name: string; spec: TcpSpec; mss: number }> = [
  { name: 'IPv4, 10000 bytes at MSS 1448, PSH|FIN|CWR', spec: { v6: false, ipId: 0xfffe, seq: 0xfffff000, flags: ACK | PSH | FIN | CWR, payload: payloadOf(10000), checksums: false }, mss: 1448 },
  { name: 'IPv4, an exact multiple of the MSS (2748 = 2800 - 20 - 32)', spec: { v6: false, ipId: 7, seq: 1, flags: ACK | PSH, payload: payloadOf(2748 * 5), checksums: false }, mss: 2748 },
  { name: 'IPv4 behind an 802.1Q tag, odd last segment', spec: { v6: false, vlan: true, ipId: 100, seq: 5, flags: ACK, payload: payloadOf(4001), checksums: false }, mss: 1000 },
  { name: 'IPv6, 64 KiB - headers at MSS 2728', spec: { v6: true, ipId: 0, seq: 123456789, flags: ACK | PSH, payload: payloadOf(65535 - 40 - 32), checksums: false }, mss: 2728 },
  { name: 'IPv6 with a hop-by-hop header', spec: { v6: true, hopByHop: true, ipId: 0, seq: 42, flags: ACK | PSH | CWR, payload: payloadOf(3000), checksums: false }, mss: 1200 },
];

for (const c of cases) {
  test(`TSO: ${c.name} is cut exactly as the kernel would`, { skip }, () => {
    const superFrame = tcpFrame(c.spec);
    const got = loadTapAddon().segmentVnetFrame(
      withVnetHdr({ flags: 1, gsoType: c.spec.v6 ? 4 : 1, gsoSize: c.mss, csumStart: l4Offset(c.spec), csumOffset: 16 }, superFrame),
    );
    assert.ok(got, 'dropped as malformed');
    const want = expectedSegments(c.spec, c.mss);
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++) assert.deepEqual(Buffer.from(got[i]), Buffer.from(want[i]), `segment ${i}`);
  });
}

test('TSO with the ECN bit in gso_type cuts the same way', { skip }, () => {
  const spec: TcpSpec = { v6: false, ipId: 1, seq: 9, flags: ACK | CWR | PSH, payload: payloadOf(5000), checksums: false };
  const got = loadTapAddon().segmentVnetFrame(withVnetHdr({ flags: 1, gsoType: 0x81, gsoSize: 1448, csumStart: 34, csumOffset: 16 }, tcpFrame(spec)));
  assert.deepEqual(got?.map((f) => Buffer.from(f)), expectedSegments(spec, 1448).map((f) => Buffer.from(f)));
});

test('a frame with a partial checksum (NEEDS_CSUM) gets the full one', { skip }, () => {
  // UDP over IPv4, as the kernel hands it with TUN_F_CSUM: the field holds the pseudo-header sum.
  const payload = payloadOf(333);
  const udp = Uint8Array.from([...be16(1234), ...be16(5678), ...be16(8 + payload.length), 0, 0, ...payload]);
  const pseudo = Uint8Array.from([...SRC4, ...DST4, 0, 17, ...be16(udp.length)]);
  const ip = Uint8Array.from([0x45, 0, ...be16(20 + udp.length), 0, 1, 0x40, 0, 64, 17, 0, 0, ...SRC4, ...DST4]);
  ip.set(be16(~onesSum(ip) & 0xffff), 10);
  const frame = Uint8Array.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0, ...ip, ...udp]);
  const want = Uint8Array.from(frame);
  want.set(be16(~onesSum(pseudo, udp) & 0xffff), 14 + 20 + 6);
  frame.set(be16(onesSum(pseudo)), 14 + 20 + 6);
  const got = loadTapAddon().segmentVnetFrame(withVnetHdr({ flags: 1, gsoType: 0, gsoSize: 0, csumStart: 34, csumOffset: 6 }, frame));
  assert.deepEqual(got?.map((f) => Buffer.from(f)), [Buffer.from(want)]);
});

test('a frame without offload flags is handed over unchanged', { skip }, () => {
  const frame = tcpFrame({ v6: false, ipId: 3, seq: 3, flags: ACK, payload: payloadOf(100), checksums: true });
  const got = loadTapAddon().segmentVnetFrame(withVnetHdr({ flags: 0, gsoType: 0, gsoSize: 0, csumStart: 0, csumOffset: 0 }, frame));
  assert.deepEqual(got?.map((f) => Buffer.from(f)), [Buffer.from(frame)]);
});

test('super-frames the segmenter cannot cut are dropped, not guessed at', { skip }, () => {
  const addon = loadTapAddon();
  const v4 = tcpFrame({ v6: false, ipId: 1, seq: 1, flags: ACK, payload: payloadOf(3000), checksums: false });
  const hdr = { flags: 1, gsoType: 1, gsoSize: 1448, csumStart: 34, csumOffset: 16 };
  assert.equal(addon.segmentVnetFrame(withVnetHdr({ ...hdr, gsoType: 3 }, v4)), null, 'UDP fragmentation offload');
  assert.equal(addon.segmentVnetFrame(withVnetHdr({ ...hdr, gsoType: 4 }, v4)), null, 'TCPv6 on an IPv4 frame');
  assert.equal(addon.segmentVnetFrame(withVnetHdr({ ...hdr, gsoSize: 0 }, v4)), null, 'MSS 0');
  assert.equal(addon.segmentVnetFrame(withVnetHdr(hdr, v4.subarray(0, 40))), null, 'TCP header cut short');
  assert.equal(addon.segmentVnetFrame(withVnetHdr({ flags: 1, gsoType: 0, gsoSize: 0, csumStart: 34, csumOffset: 4000 }, v4.subarray(0, 100))), null, 'checksum outside the frame');
  assert.throws(() => addon.segmentVnetFrame(new Uint8Array(5)), /vnet header/);
});

// ---- the write side: consecutive segments joined into one super-frame (GRO) ----

function vnetHeader(b: Uint8Array): { flags: number; gsoType: number; gsoSize: number; csumStart: number; csumOffset: number } {
  const v = new DataView(b.buffer, b.byteOffset, 10);
  return { flags: v.getUint8(0), gsoType: v.getUint8(1), gsoSize: v.getUint16(4, true), csumStart: v.getUint16(6, true), csumOffset: v.getUint16(8, true) };
}

const joinCases: Array<{ name: string; spec: TcpSpec; mss: number }> = [
  { name: 'IPv4, 20 full segments and a short pushed one', spec: { v6: false, ipId: 0xfff0, seq: 0xffffff00, flags: ACK | PSH, payload: payloadOf(1448 * 20 + 100), checksums: false }, mss: 1448 },
  { name: 'IPv4 behind an 802.1Q tag', spec: { v6: false, vlan: true, ipId: 9, seq: 77, flags: ACK, payload: payloadOf(2748 * 3), checksums: false }, mss: 2748 },
  { name: 'IPv6, 23 segments at MSS 2728 (just under 64 KiB)', spec: { v6: true, ipId: 0, seq: 5, flags: ACK | PSH, payload: payloadOf(2728 * 23), checksums: false }, mss: 2728 },
];

for (const c of joinCases) {
  test(`GRO: ${c.name} go in as one super-frame that cuts back into exactly the same segments`, { skip }, () => {
    const addon = loadTapAddon();
    const segments = expectedSegments(c.spec, c.mss);
    const out = addon.coalesceFrames(segments);
    assert.equal(out.length, 1);
    const h = vnetHeader(out[0]);
    assert.deepEqual(h, { flags: 1, gsoType: c.spec.v6 ? 4 : 1, gsoSize: c.mss, csumStart: l4Offset(c.spec), csumOffset: 16 });
    const joined = out[0].subarray(10);
    const l3 = 14 + (c.spec.vlan ? 4 : 0);
    if (!c.spec.v6) assert.equal(onesSum(joined.subarray(l3, l3 + 20)), 0xffff, 'IPv4 header checksum');
    assert.deepEqual(
      addon.segmentVnetFrame(out[0])?.map((f) => Buffer.from(f)),
      segments.map((f) => Buffer.from(f)),
    );
  });
}

test('GRO: only segments that continue each other are joined; anything else is written as it is', { skip }, () => {
  const addon = loadTapAddon();
  const spec: TcpSpec = { v6: false, ipId: 1, seq: 1000, flags: ACK, payload: payloadOf(1448 * 4), checksums: false };
  const segs = expectedSegments(spec, 1448);
  const runs = (frames: Uint8Array[]): number[] =>
    addon.coalesceFrames(frames).map((o) => (vnetHeader(o).gsoType === 0 ? 1 : (addon.segmentVnetFrame(o)?.length ?? -1)));
  const badChecksum = Uint8Array.from(segs[2]);
  badChecksum[badChecksum.length - 1] ^= 1;
  assert.deepEqual(runs([segs[0], segs[1], badChecksum, segs[3]]), [2, 1, 1], 'a segment with a wrong checksum breaks the run and goes alone');
  assert.deepEqual(runs([segs[0], segs[2], segs[3]]), [1, 2], 'a gap in the sequence');
  assert.deepEqual(runs([segs[1], segs[0]]), [1, 1], 'out of order');
  const pushed = expectedSegments({ ...spec, flags: ACK | PSH, payload: payloadOf(1448 * 2) }, 1448);
  const pushedFirst = tcpFrame({ ...spec, checksums: true, flags: ACK | PSH, payload: payloadOf(1448) });
  assert.deepEqual(runs([pushedFirst, segs[1]]), [1, 1], 'PSH ends a run');
  assert.deepEqual(runs(pushed), [2], 'PSH on the last is kept');
  const fin = expectedSegments({ ...spec, flags: ACK | FIN, payload: payloadOf(1448 * 2) }, 1448);
  assert.deepEqual(runs(fin), [1, 1], 'FIN is not joined');
  const otherFlow = tcpFrame({ ...spec, v6: true, checksums: true, seq: 1000 + 1448, payload: payloadOf(1448) });
  assert.deepEqual(runs([segs[0], otherFlow]), [1, 1], 'another flow');
  const hopByHop = expectedSegments({ v6: true, hopByHop: true, ipId: 0, seq: 1, flags: ACK, payload: payloadOf(2400), checksums: false }, 1200);
  assert.deepEqual(runs(hopByHop), [1, 1], 'IPv6 extension headers');
  const written = addon.coalesceFrames([segs[0]]);
  assert.deepEqual(Buffer.from(written[0]), Buffer.concat([Buffer.alloc(10), Buffer.from(segs[0])]), 'alone: an all-zero vnet header and the frame unchanged');
});
