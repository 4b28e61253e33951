// zt_peer_latency observations: 1.14.1's buckets, unknown latency as 65535 (only +Inf), and
// peers that are gone forgotten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistograms, LATENCY_BUCKETS_MS } from '../../../../src/service/metrics/latency-histograms.js';

test('each sample lands in the first bucket at or above it; unknown goes past 1000', () => {
  const h = new LatencyHistograms();
  h.sample([{ address: 2, latencyMs: 1 }, { address: 1, latencyMs: null }]);
  h.sample([{ address: 2, latencyMs: 1000 }, { address: 1, latencyMs: 4 }]);
  h.sample([{ address: 2, latencyMs: 1001 }, { address: 1, latencyMs: 3 }]);
  const [[a1, one], [a2, two]] = h.entries();
  assert.deepEqual([a1, a2], [1, 2], 'ascending by address');
  assert.equal(two.count, 3);
  assert.equal(two.sumMs, 2002);
  assert.equal(two.counts[0], 1, 'le=1');
  assert.equal(two.counts[LATENCY_BUCKETS_MS.indexOf(1000)], 1, 'le=1000');
  assert.equal(two.counts[LATENCY_BUCKETS_MS.length], 1, '+Inf only');
  assert.deepEqual(one.counts, [0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1], 'peer 1: 3 ms, 4 ms, unknown');
  assert.equal(one.sumMs, 65535 + 4 + 3);
});

test('a peer absent from a sample is dropped', () => {
  const h = new LatencyHistograms();
  h.sample([{ address: 1, latencyMs: null }]);
  assert.equal(h.entries()[0][1].counts[LATENCY_BUCKETS_MS.length], 1, '65535 ms counts only in +Inf');
  h.sample([{ address: 3, latencyMs: 5 }]);
  assert.deepEqual(h.entries().map(([a]) => a), [3]);
});
