// When the node tunnels (06 §9.1), with 1.14.1's timings driven by a made-up clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONNECT_TUNNEL, SEND_TUNNEL, SEND_UDP, TcpFallbackPolicy } from '../../../src/service/tcp-fallback-policy.js';
import { inet4, parseInetAddress } from '../../../src/protocol/inet-address.js';

const ROOT = inet4(192, 88, 99, 1, 9993); // GLOBAL scope
const LAN = inet4(10, 0, 0, 1, 9993); // PRIVATE
const V6 = parseInetAddress('2001:db8::1/9993')!;
const START = 1_000_000;
const PACKET = 100;

const policy = (isForced = false, isAllowed = true): TcpFallbackPolicy => new TcpFallbackPolicy({ isAllowed, isForced }, START);

test('no fallback during the first 60 s after a start, whatever is sent', () => {
  const p = policy();
  for (let t = START; t <= START + 60_000; t += 3_000) assert.equal(p.decideSend(t, ROOT, PACKET, false), SEND_UDP, `at +${t - START}`);
});

test('after 60 s without global UDP, a send 2.5-60 s after the previous one connects; UDP still goes', () => {
  const p = policy();
  assert.equal(p.decideSend(START + 61_000, ROOT, PACKET, false), SEND_UDP, 'the previous send was at 0 (never): more than 60 s ago');
  assert.equal(p.decideSend(START + 62_000, ROOT, PACKET, false), SEND_UDP, '1 s after the previous: too soon');
  assert.equal(p.decideSend(START + 65_000, ROOT, PACKET, false), SEND_UDP | CONNECT_TUNNEL, '3 s after');
  assert.equal(p.decideSend(START + 130_000, ROOT, PACKET, false), SEND_UDP, '65 s after: too late');
  assert.equal(p.decideSend(START + 190_000, ROOT, PACKET, false), SEND_UDP, 'exactly 60 s after: too late');
  assert.equal(p.decideSend(START + 192_500, ROOT, PACKET, false), SEND_UDP, 'exactly 2.5 s after: too soon');
  assert.equal(p.decideSend(START + 195_001, ROOT, PACKET, false), SEND_UDP | CONNECT_TUNNEL, 'just over 2.5 s after');
});

test('with a tunnel open every qualifying packet also goes through it', () => {
  const p = policy();
  assert.equal(p.decideSend(START + 70_000, ROOT, PACKET, true), SEND_UDP | SEND_TUNNEL);
  assert.equal(p.decideSend(START + 70_001, ROOT, PACKET, true), SEND_UDP | SEND_TUNNEL, 'no gap rule for an open tunnel');
});

test('only GLOBAL IPv4 destinations and packets of 16 bytes or more qualify', () => {
  const p = policy();
  p.decideSend(START + 70_000, ROOT, PACKET, false);
  assert.equal(p.decideSend(START + 75_000, LAN, PACKET, true), SEND_UDP);
  assert.equal(p.decideSend(START + 75_000, V6, PACKET, true), SEND_UDP);
  assert.equal(p.decideSend(START + 75_000, ROOT, 15, true), SEND_UDP);
  assert.equal(p.decideSend(START + 75_000, ROOT, 16, true), SEND_UDP | SEND_TUNNEL);
});

test('non-qualifying sends do not count as the previous send of the two-send rule', () => {
  const p = policy();
  p.decideSend(START + 70_000, ROOT, PACKET, false);
  p.decideSend(START + 71_000, LAN, PACKET, false);
  assert.equal(p.decideSend(START + 73_000, ROOT, PACKET, false), SEND_UDP | CONNECT_TUNNEL, '3 s after the previous global send');
});

test('global UDP received holds the fallback back for 60 s; private senders, short datagrams do not', () => {
  const p = policy();
  assert.equal(p.onUdpReceived(START + 100_000, ROOT, PACKET), true);
  p.onUdpReceived(START + 150_000, LAN, PACKET);
  p.onUdpReceived(START + 150_000, ROOT, 15);
  p.decideSend(START + 157_000, ROOT, PACKET, false);
  assert.equal(p.decideSend(START + 160_000, ROOT, PACKET, false), SEND_UDP, 'last global receive 60 s ago: not more than 60 s');
  assert.equal(p.decideSend(START + 163_000, ROOT, PACKET, false), SEND_UDP | CONNECT_TUNNEL);
});

test('the tunnel closes when global UDP came in within 30 s', () => {
  const p = policy();
  assert.equal(p.shouldCloseTunnel(START + 100_000), false);
  p.onUdpReceived(START + 100_000, ROOT, PACKET);
  assert.equal(p.shouldCloseTunnel(START + 129_999), true);
  assert.equal(p.shouldCloseTunnel(START + 130_000), false);
});

test('a sleep/wake counts as a restart: another 60 s without fallback', () => {
  const p = policy();
  p.decideSend(START + 200_000, ROOT, PACKET, false);
  p.restarted(START + 201_000);
  assert.equal(p.decideSend(START + 205_000, ROOT, PACKET, false), SEND_UDP);
  assert.equal(p.decideSend(START + 262_000, ROOT, PACKET, true), SEND_UDP | SEND_TUNNEL);
});

test('forced: no UDP out or in, every qualifying send without a tunnel connects, the tunnel never closes for UDP', () => {
  const p = policy(true);
  assert.equal(p.decideSend(START, ROOT, PACKET, false), CONNECT_TUNNEL, 'at once after the start');
  assert.equal(p.decideSend(START + 1, ROOT, PACKET, false), CONNECT_TUNNEL);
  assert.equal(p.decideSend(START + 2, ROOT, PACKET, true), SEND_TUNNEL);
  assert.equal(p.decideSend(START + 2, LAN, PACKET, true), 0, 'private destinations are dropped');
  assert.equal(p.decideSend(START + 2, V6, PACKET, true), 0, 'IPv6 is dropped');
  assert.equal(p.onUdpReceived(START + 3, ROOT, PACKET), false, 'UDP input ignored');
  assert.equal(p.shouldCloseTunnel(START + 4), false);
});

test('not allowed: plain UDP; forced and not allowed sends nothing at all (1.14.1)', () => {
  const off = policy(false, false);
  off.decideSend(START + 70_000, ROOT, PACKET, false);
  assert.equal(off.decideSend(START + 75_000, ROOT, PACKET, false), SEND_UDP);
  const dead = policy(true, false);
  assert.equal(dead.decideSend(START, ROOT, PACKET, false), 0);
});

test('configure: a reload turns forcing on and off', () => {
  const p = policy();
  p.configure({ isAllowed: true, isForced: true });
  assert.equal(p.decideSend(START + 1, ROOT, PACKET, false), CONNECT_TUNNEL);
  p.configure({ isAllowed: true, isForced: false });
  assert.equal(p.decideSend(START + 2, ROOT, PACKET, false), SEND_UDP);
});
