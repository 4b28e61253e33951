// The per-node pod range allocator: blocks carved in order, kept across runs (the previous
// status is its memory), freed for nodes gone, never overlapping, and clear reasons when the
// ranges run out or overlap the network's pools.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocatePodRanges, type PodRange } from '../../../src/kube/operator/pod-ranges.js';

const base = { podRanges: ['10.244.0.0/24'], perNodePrefixLength: 26, previous: [] as PodRange[], pools: [] };

test('blocks are carved in node order and kept across runs', () => {
  const r1 = allocatePodRanges({ ...base, nodes: ['b', 'a'] });
  assert.equal(r1.problem, null);
  assert.deepEqual(r1.assigned, [{ node: 'a', range: '10.244.0.0/26' }, { node: 'b', range: '10.244.0.64/26' }]);
  // A new node that sorts first does not move the others.
  const r2 = allocatePodRanges({ ...base, nodes: ['0', 'a', 'b'], previous: r1.assigned });
  assert.deepEqual(r2.assigned, [{ node: '0', range: '10.244.0.128/26' }, { node: 'a', range: '10.244.0.0/26' }, { node: 'b', range: '10.244.0.64/26' }]);
});

test('a node gone frees its block for the next one', () => {
  const prev = [{ node: 'a', range: '10.244.0.0/26' }, { node: 'b', range: '10.244.0.64/26' }];
  const r = allocatePodRanges({ ...base, nodes: ['b', 'c'], previous: prev });
  assert.deepEqual(r.assigned, [{ node: 'b', range: '10.244.0.64/26' }, { node: 'c', range: '10.244.0.0/26' }]);
});

test('more nodes than blocks: the others keep theirs, PodRangesExhausted names the rest', () => {
  const r = allocatePodRanges({ ...base, podRanges: ['10.244.0.0/25'], nodes: ['a', 'b', 'c'] });
  assert.deepEqual(r.assigned.map((x) => x.node), ['a', 'b']);
  assert.equal(r.problem?.reason, 'PodRangesExhausted');
  assert.match(r.problem!.message, /no range for c/);
});

test('several parent ranges are used in order and blocks never overlap', () => {
  const nodes = Array.from({ length: 6 }, (_, i) => `n${i}`);
  const r = allocatePodRanges({ ...base, podRanges: ['10.1.0.0/25', '10.2.0.0/24'], nodes });
  assert.equal(r.problem, null);
  const ranges = r.assigned.map((x) => x.range);
  assert.deepEqual(ranges, ['10.1.0.0/26', '10.1.0.64/26', '10.2.0.0/26', '10.2.0.64/26', '10.2.0.128/26', '10.2.0.192/26']);
  assert.equal(new Set(ranges).size, 6);
});

test('a previous block of another size or outside the ranges is replaced; a duplicate is not kept twice', () => {
  const prev = [{ node: 'a', range: '10.244.0.0/25' }, { node: 'b', range: '10.9.0.0/26' }, { node: 'c', range: '10.244.0.192/26' }, { node: 'd', range: '10.244.0.192/26' }];
  const r = allocatePodRanges({ ...base, nodes: ['a', 'b', 'c', 'd'], previous: prev });
  assert.equal(r.problem, null);
  assert.deepEqual(r.assigned, [{ node: 'a', range: '10.244.0.0/26' }, { node: 'b', range: '10.244.0.64/26' }, { node: 'c', range: '10.244.0.192/26' }, { node: 'd', range: '10.244.0.128/26' }]);
});

test('ranges overlapping the IPv4 pools are refused with PodRangesOverlapPools', () => {
  const r = allocatePodRanges({ ...base, nodes: ['a'], pools: [{ start: '10.244.0.200', end: '10.244.1.20' }] });
  assert.deepEqual(r.assigned, []);
  assert.equal(r.problem?.reason, 'PodRangesOverlapPools');
  assert.match(r.problem!.message, /10\.244\.0\.0\/24 overlaps the network's IPv4 pool 10\.244\.0\.200-10\.244\.1\.20/);
  assert.equal(allocatePodRanges({ ...base, nodes: ['a'], pools: [{ start: '10.244.1.0', end: '10.244.1.20' }] }).problem, null);
});

test('a managed network: ranges outside its on-LAN routes are refused with PodRangesOutsideRoutes (the agent would refuse every pod)', () => {
  const r = allocatePodRanges({ ...base, nodes: ['a'], lanRoutes: ['10.147.17.0/24'] });
  assert.deepEqual(r.assigned, []);
  assert.equal(r.problem?.reason, 'PodRangesOutsideRoutes');
  assert.equal(r.problem!.message, 'spec.attach.podRanges: 10.244.0.0/24 is outside every on-LAN IPv4 route of the network (10.147.17.0/24); add a route covering it to spec.managed.routes');
  assert.match(allocatePodRanges({ ...base, nodes: ['a'], lanRoutes: [] }).problem!.message, /route of the network \(none\)/);
  assert.equal(allocatePodRanges({ ...base, nodes: ['a'], lanRoutes: ['10.147.17.0/24', '10.244.0.0/16'] }).problem, null);
  // A network joined by ID: its routes are not known here, so nothing is refused for them.
  assert.equal(allocatePodRanges({ ...base, nodes: ['a'] }).problem, null);
});

test('bad ranges are named', () => {
  for (const [ranges, re] of [[['10.244.0.1/24'], /host bits/], [['10.244.0.0/28'], /smaller than one per-node block/], [['10.0.0.0/24', '10.0.0.0/25'], /overlap/], [['fd00::/64'], /not an IPv4 CIDR/]] as const) {
    const r = allocatePodRanges({ ...base, podRanges: ranges, nodes: ['a'] });
    assert.equal(r.problem?.reason, 'PodRangesInvalid');
    assert.match(r.problem!.message, re);
  }
});
