// Datagram classification (spec 02 §1, §8, §11).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { beaconAddress, classifyDatagram, type DatagramKind } from '../../../src/protocol/datagram.js';
import { hex } from '../../../src/util/hex.js';

function dgram(len: number, byte13?: number): Uint8Array {
  const d = new Uint8Array(len).fill(0x11);
  if (byte13 !== undefined && len > 13) d[13] = byte13;
  return d;
}

test('classification table', () => {
  const cases: Array<[number, number | undefined, DatagramKind]> = [
    [0, undefined, 'ignore'],
    [4, undefined, 'ignore'], // NAT-opening junk (§11)
    [12, undefined, 'ignore'],
    [13, undefined, 'beacon'],
    [13, 0xff, 'beacon'],
    [14, 0xff, 'ignore'],
    [16, 0xff, 'ignore'], // a fragment needs a data byte
    [17, 0xff, 'fragment'],
    [17, 0x00, 'ignore'],
    [27, 0x00, 'ignore'],
    [27, 0xff, 'fragment'],
    [28, 0x00, 'packet'],
    [28, 0xfe, 'packet'],
    [28, 0xff, 'fragment'],
    [1432, 0x8e, 'packet'],
    [1432, 0xff, 'fragment'],
    [3037, 0x12, 'packet'], // unfragmented replies larger than the MTU must be accepted
    [10024, 0x12, 'packet'],
    [10024, 0xff, 'fragment'],
    [10025, 0x12, 'too_big'],
    [10025, 0xff, 'too_big'],
    [65507, 0x12, 'too_big'],
  ];
  for (const [len, b13, want] of cases) assert.equal(classifyDatagram(dgram(len, b13)), want, `len ${len} byte13 ${b13}`);
});

test('beacon address is bytes 8–12', () => {
  const d = hex('0000000000000000 8808041785');
  assert.equal(classifyDatagram(d), 'beacon');
  assert.equal(beaconAddress(d), 0x8808041785);
});
