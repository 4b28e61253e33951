// The frame helpers and the echo responder that stand in for a host behind a TAP in the
// netns tests and the benchmark. Checked against hand-computed bytes (RFC 1071 checksums,
// the ARP and ICMP layouts) so a kernel test failure cannot come from a bad frame of ours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildUdpFrame,
  inetChecksum,
  ipv4FromString,
  ipv4ToString,
  isIcmpEchoRequestTo,
  parseArpRequestFor,
  parseUdpFrame,
} from '../../helpers/tap/ipv4-frames.js';
import { DISCARD_PORT, EchoResponder } from '../../helpers/tap/echo-responder.js';
import { hex, toHex } from '../../../src/util/hex.js';

const HOST = ipv4FromString('10.9.0.2');
const HOST_MAC = 0x020000000002;
const ASKER_MAC = 0x020000000001;

test('RFC 1071: the example words sum to ddf2, checksum 220d', () => {
  assert.equal(inetChecksum(hex('0001f203f4f5f6f7'), 0, 8), 0x220d);
  // Odd length pads with a zero byte.
  assert.equal(inetChecksum(Uint8Array.of(0x01), 0, 1), 0xfeff);
});

test('IPv4 text round trip and rejects', () => {
  assert.equal(ipv4ToString(ipv4FromString('255.1.0.254')), '255.1.0.254');
  assert.equal(ipv4FromString('10.147.17.158'), 177410462); // 06 §8.8's ADI for this address
  for (const bad of ['1.2.3', '1.2.3.256', 'a.b.c.d', '1.2.3.4.5']) assert.throws(() => ipv4FromString(bad), RangeError);
});

test('a UDP frame has valid IPv4 and UDP checksums and parses back', () => {
  const f = buildUdpFrame({
    dstMac: HOST_MAC, srcMac: ASKER_MAC, srcIp: ipv4FromString('10.9.0.1'), dstIp: HOST, srcPort: 1234, dstPort: 7,
    payload: new TextEncoder().encode('hi!'),
  });
  assert.equal(f.length, 14 + 20 + 8 + 3);
  assert.equal(toHex(f.subarray(12, 24)), '0800' + '4500' + '001f' + '0000' + '4000' + '40' + '11');
  assert.equal(inetChecksum(f, 14, 20), 0, 'IP header sums to zero with its checksum');
  // UDP: pseudo header + segment must also sum to zero.
  const pseudo = new Uint8Array(12 + 11);
  pseudo.set(f.subarray(26, 34), 0);
  pseudo[9] = 17;
  pseudo[11] = 11;
  pseudo.set(f.subarray(34), 12);
  assert.equal(inetChecksum(pseudo, 0, pseudo.length), 0);
  const u = parseUdpFrame(f)!;
  assert.equal(ipv4ToString(u.srcIp), '10.9.0.1');
  assert.deepEqual([u.srcPort, u.dstPort, u.dstMac, u.srcMac], [1234, 7, HOST_MAC, ASKER_MAC]);
  assert.equal(new TextDecoder().decode(u.payload), 'hi!');
  // Truncated or non-UDP frames are not UDP frames.
  assert.equal(parseUdpFrame(f.subarray(0, f.length - 1)), null);
  const tcp = f.slice();
  tcp[23] = 6;
  assert.equal(parseUdpFrame(tcp), null);
});

test('ARP request for the host gets "10.9.0.2 is at 02:00:00:00:00:02"', () => {
  // A Linux ARP request: who-has 10.9.0.2 tell 10.9.0.1.
  const req = hex('ffffffffffff 020000000001 0806 0001 0800 06 04 0001 020000000001 0a090001 000000000000 0a090002');
  assert.deepEqual(parseArpRequestFor(req, HOST), { mac: ASKER_MAC, ip: ipv4FromString('10.9.0.1') });
  assert.equal(parseArpRequestFor(req, ipv4FromString('10.9.0.3')), null);
  const r = new EchoResponder(HOST, HOST_MAC);
  const out = new Uint8Array(100);
  const n = r.answer(req, out);
  assert.equal(toHex(out.subarray(0, n)), '020000000001 020000000002 0806 0001 0800 06 04 0002 020000000002 0a090002 020000000001 0a090001'.replace(/ /g, ''));
  assert.equal(r.counts.arp, 1);
});

test('ICMP echo request gets an echo reply with the same id, sequence and data', () => {
  // 10.9.0.1 → 10.9.0.2 echo request id 0x1234 seq 1, data "abcd"; checksums filled in below.
  const req = hex('020000000002 020000000001 0800 4500 0020 abcd 4000 40 01 0000 0a090001 0a090002 08 00 0000 1234 0001 61626364');
  req.set([0, 0], 24);
  const ipc = inetChecksum(req, 14, 20);
  req.set([ipc >> 8, ipc & 0xff], 24);
  const icc = inetChecksum(req, 34, 12);
  req.set([icc >> 8, icc & 0xff], 36);
  assert.ok(isIcmpEchoRequestTo(req, HOST));
  const r = new EchoResponder(HOST, HOST_MAC);
  const out = new Uint8Array(100);
  const n = r.answer(req, out);
  const rep = out.subarray(0, n);
  assert.equal(n, req.length);
  assert.equal(toHex(rep.subarray(0, 14)), '020000000001' + '020000000002' + '0800');
  assert.equal(toHex(rep.subarray(26, 34)), '0a090002' + '0a090001');
  assert.equal(rep[34], 0, 'type echo reply');
  assert.equal(toHex(rep.subarray(38)), '1234' + '0001' + '61626364');
  assert.equal(inetChecksum(rep, 14, 20), 0);
  assert.equal(inetChecksum(rep, 34, 12), 0);
  assert.equal(r.counts.icmp, 1);
});

test('UDP to the host is echoed with ports swapped, except to the discard port', () => {
  const r = new EchoResponder(HOST, HOST_MAC);
  const out = new Uint8Array(200);
  const mk = (port: number): Uint8Array =>
    buildUdpFrame({ dstMac: HOST_MAC, srcMac: ASKER_MAC, srcIp: ipv4FromString('10.9.0.1'), dstIp: HOST, srcPort: 5555, dstPort: port, payload: Uint8Array.of(1, 2, 3) });
  const n = r.answer(mk(7), out);
  const u = parseUdpFrame(out.subarray(0, n))!;
  assert.deepEqual([u.srcPort, u.dstPort, u.dstMac, u.srcMac, ipv4ToString(u.dstIp)], [7, 5555, ASKER_MAC, HOST_MAC, '10.9.0.1']);
  assert.deepEqual([...u.payload], [1, 2, 3]);
  assert.equal(r.answer(mk(DISCARD_PORT), out), 0);
  assert.equal(r.answer(Uint8Array.of(1, 2, 3), out), 0);
  assert.deepEqual(r.counts, { arp: 0, icmp: 0, udpEchoed: 1, udpDiscarded: 1, other: 1 });
});
