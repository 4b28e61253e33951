// Carving this host's IPv4 block from a ZeroTier network's pools (host-range.ts): aligned,
// inside one pool and one LAN route, clear of members' addresses and of ranges in use, the
// largest size that fits, and the pools given back without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { carveHostRange } from '../../../src/docker/host-range.js';
import { parsePrefix, prefixToString } from '../../../src/net/ip/prefix.js';

const LAN = [parsePrefix('10.147.41.0/24')!];
const pool = (a: string, b: string): { ipRangeStart: string; ipRangeEnd: string } => ({ ipRangeStart: a, ipRangeEnd: b });

test('the highest free /27 wholly in the pool, the pool split around it', () => {
  const c = carveHostRange({ pools: [pool('10.147.41.10', '10.147.41.99'), pool('fd00::1', 'fd00::ff')], memberIps: ['10.147.41.70', 'fd00::5'], lans: LAN, avoid: [] });
  // .64–.95 holds a member; .32–.63 is the next /27 wholly inside the pool.
  assert.equal(prefixToString(c!.range), '10.147.41.32/27');
  assert.deepEqual(c!.pools, [pool('10.147.41.10', '10.147.41.31'), pool('10.147.41.64', '10.147.41.99'), pool('fd00::1', 'fd00::ff')]);
});

test('ranges in use and blocks outside the LAN routes are skipped; nothing left is null', () => {
  const c = carveHostRange({ pools: [pool('10.147.41.0', '10.147.41.255')], memberIps: [], lans: LAN, avoid: [parsePrefix('10.147.41.224/27')!] });
  assert.equal(prefixToString(c!.range), '10.147.41.192/27');
  assert.deepEqual(c!.pools, [pool('10.147.41.0', '10.147.41.191'), pool('10.147.41.224', '10.147.41.255')]);
  assert.equal(carveHostRange({ pools: [pool('10.147.42.0', '10.147.42.255')], memberIps: [], lans: LAN, avoid: [] }), null, 'outside the routes');
  assert.equal(carveHostRange({ pools: [pool('10.147.41.1', '10.147.41.6')], memberIps: [], lans: LAN, avoid: [] }), null, 'no aligned /29 inside');
  const whole = carveHostRange({ pools: [pool('10.147.41.8', '10.147.41.15')], memberIps: [], lans: LAN, avoid: [] });
  assert.equal(prefixToString(whole!.range), '10.147.41.8/29');
  assert.deepEqual(whole!.pools, [], 'a pool used up entirely goes');
});
