// /metrics families from a snapshot: 1.14.1's names and labels, counts read from the node's
// counters, peers by role and path, networks by status, drops by reason, the controller's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectMetrics, type MetricsInput } from '../../../../src/service/metrics/node-metrics.js';
import { renderPrometheusText } from '../../../../src/service/metrics/prometheus-text.js';
import { LatencyHistograms } from '../../../../src/service/metrics/latency-histograms.js';
import { PacketCounts } from '../../../../src/node/packet-counts.js';
import { Verb } from '../../../../src/protocol/constants.js';
import type { NodeStatus, PeerInfo } from '../../../../src/node/node.js';

const NOW = 1_700_000_000_000;

function peer(address: number, role: PeerInfo['role'], pathAgesMs: number[], latencyMs: number | null): PeerInfo {
  return {
    address,
    role,
    version: { protocol: 12, major: 1, minor: 14, revision: 1 },
    latencyMs,
    paths: pathAgesMs.map((age) => ({ address: { family: 4, ip: new Uint8Array([10, 0, 0, 1]), port: 9993 }, socket: 1, lastReceiveMs: NOW - age, lastSendMs: NOW, isPreferred: false, trustedPathId: 0n })),
    traffic: { packetsIn: address, packetsOut: 2 * address, bytesIn: 100, bytesOut: 200, invalidIn: 3 },
  };
}

function input(): MetricsInput {
  const packets = new PacketCounts();
  // An ERROR(NETWORK_ACCESS_DENIED) received: in-re verb, 8-byte packet ID, code 7.
  packets.received(Verb.ERROR, null, 40, new Uint8Array([Verb.NETWORK_CONFIG_REQUEST, 0, 0, 0, 0, 0, 0, 0, 0, 7]));
  packets.sent(Verb.HELLO, null, 120, null);
  packets.sent(Verb.HELLO, null, 120, null);
  const status = { drops: { bad_mac: 4, 'un"quoted': 1 }, packets } as unknown as NodeStatus;
  const latency = new LatencyHistograms();
  const peers = [peer(0x62f865ae71, 'PLANET', [], null), peer(0x0a, 'LEAF', [1_000, 50_000], 12)];
  latency.sample(peers);
  return {
    nowMs: NOW,
    status,
    peers,
    networks: [
      { nwid: 0x8056c2e21c000001n, status: 'OK', multicastGroups: 3, traffic: { framesInTotal: 5, bytesInTotal: 500, framesOutTotal: 6, bytesOutTotal: 600, framesRefusedTotal: 1 } },
      { nwid: 0x8056c2e21c000002n, status: 'ACCESS_DENIED', multicastGroups: 0 },
    ],
    udp: { bytesInTotal: 1000, bytesOutTotal: 2000 },
    tcp: { bytesInTotal: 30, bytesOutTotal: 40 },
    latency,
    controller: {
      records: { networks: 2, members: 5, authorizedMembers: 3, networkChangesTotal: 1, memberChangesTotal: 2, memberAuthsTotal: 3, memberDeauthsTotal: 0 },
      requests: { requests: 7, ok: 6, pushes: 2 },
      load: { queued: 4, active: 1 },
      sso: { checks: 10, timeouts: 1 },
      store: { getNetwork: 11, getMember: 12, listMembers: 13, listNetworks: 14, memberChanges: 15, networkChanges: 16 },
    },
  };
}

test('1.14.1 families with their labels and the counts behind them', () => {
  const lines = renderPrometheusText(collectMetrics(input())).split('\n');
  for (const l of [
    'zt_packet{direction="tx",packet_type="hello"} 2',
    'zt_packet{direction="rx",packet_type="error"} 1',
    'zt_packet{direction="rx",packet_type="qos"} 0',
    'zt_packet_error{direction="rx",error_type="network_access_denied"} 1',
    'zt_data{direction="tx",protocol="udp"} 2000',
    'zt_data{direction="rx",protocol="tcp"} 30',
    'zt_data{direction="tx",protocol="tcp"} 40',
    'zt_num_networks 2',
    'zt_network_multicast_groups_subscribed{network_id="8056c2e21c000001"} 3',
    'zt_network_packets{accepted="yes",direction="rx",network_id="8056c2e21c000001"} 5',
    'zt_network_packets{accepted="no",direction="tx",network_id="8056c2e21c000001"} 1',
    'zt_peer_latency_bucket{node_id="000000000a",le="30"} 1',
    'zt_peer_latency_bucket{node_id="000000000a",le="10"} 0',
    'zt_peer_latency_bucket{node_id="62f865ae71",le="1000"} 0',
    'zt_peer_latency_bucket{node_id="62f865ae71",le="+Inf"} 1',
    'zt_peer_latency_sum{node_id="62f865ae71"} 65535',
    'zt_peer_path_count{node_id="000000000a",status="alive"} 1',
    'zt_peer_path_count{node_id="000000000a",status="dead"} 1',
    'zt_peer_packets{direction="tx",node_id="000000000a"} 20',
    'zt_peer_packet_errors{node_id="62f865ae71"} 3',
    'controller_network_count 2',
    'controller_member_count 5',
    'controller_network_config_request 9',
    'controller_network_config_request_queue 4',
    'controller_network_config_request_threads 1',
    'controller_sso_timeouts 1',
    'controller_db_get_network_and_member 12',
    'controller_db_network_change 16',
  ]) assert.ok(lines.includes(l), l);
  assert.equal(lines.filter((l) => l.startsWith('zt_network_packets{') && l.includes('8056c2e21c000002')).length, 0, 'no port, no frame counts');
});

test("ztkube's own families", () => {
  const lines = renderPrometheusText(collectMetrics(input())).split('\n');
  for (const l of [
    'ztkube_peers{path="direct",role="leaf"} 1',
    'ztkube_peers{path="relayed",role="planet"} 1',
    'ztkube_peer_bytes_total{direction="rx",node_id="000000000a"} 100',
    'ztkube_network_frames_total{direction="tx",network_id="8056c2e21c000001"} 6',
    'ztkube_network_bytes_total{direction="rx",network_id="8056c2e21c000001"} 500',
    'ztkube_packets_dropped_total{reason="bad_mac"} 4',
    'ztkube_packets_dropped_total{reason="un\\"quoted"} 1',
    'ztkube_networks{status="ACCESS_DENIED"} 1',
    'ztkube_networks{status="OK"} 1',
    'ztkube_controller_requests_total{outcome="ok"} 6',
    'ztkube_controller_members{authorized="false"} 2',
  ]) assert.ok(lines.includes(l), l);
  const withoutController = renderPrometheusText(collectMetrics({ ...input(), controller: undefined }));
  assert.equal(/^controller_/m.test(withoutController), false);
});
