// The text exposition format: HELP/TYPE per family, sorted label names with `le` last,
// escaping of label values and help text, special values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHelp, escapeLabelValue, formatValue, renderPrometheusText } from '../../../../src/service/metrics/prometheus-text.js';

test('families, label order with le last, suffixes', () => {
  const text = renderPrometheusText([
    { name: 'zt_packet', type: 'counter', help: 'ZeroTier packet type counts', samples: [{ labels: { packet_type: 'hello', direction: 'tx' }, value: 96 }] },
    { name: 'zt_num_networks', type: 'gauge', help: 'number of networks this instance is joined to', samples: [{ value: 1 }] },
    {
      name: 'zt_peer_latency',
      type: 'histogram',
      help: 'peer latency (ms)',
      samples: [
        { suffix: '_bucket', labels: { le: '+Inf', node_id: '62f865ae71' }, value: 13 },
        { suffix: '_count', labels: { node_id: '62f865ae71' }, value: 13 },
      ],
    },
    { name: 'ztkube_empty', type: 'gauge', help: 'nothing yet', samples: [] },
  ]);
  assert.equal(
    text,
    [
      '# HELP zt_packet ZeroTier packet type counts',
      '# TYPE zt_packet counter',
      'zt_packet{direction="tx",packet_type="hello"} 96',
      '# HELP zt_num_networks number of networks this instance is joined to',
      '# TYPE zt_num_networks gauge',
      'zt_num_networks 1',
      '# HELP zt_peer_latency peer latency (ms)',
      '# TYPE zt_peer_latency histogram',
      'zt_peer_latency_bucket{node_id="62f865ae71",le="+Inf"} 13',
      'zt_peer_latency_count{node_id="62f865ae71"} 13',
      '# HELP ztkube_empty nothing yet',
      '# TYPE ztkube_empty gauge',
      '',
    ].join('\n'),
  );
  assert.equal(renderPrometheusText([]), '');
});

test('escaping and special values', () => {
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  assert.equal(escapeHelp('a\\b"c\nd'), 'a\\\\b"c\\nd');
  assert.equal(renderPrometheusText([{ name: 'x', type: 'gauge', help: 'h', samples: [{ labels: { reason: 'say "hi"\n' }, value: 2 }] }]).split('\n')[2], 'x{reason="say \\"hi\\"\\n"} 2');
  assert.deepEqual([NaN, Infinity, -Infinity, 0.5, 1e21].map(formatValue), ['NaN', '+Inf', '-Inf', '0.5', '1e+21']);
});
