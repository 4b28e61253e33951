// /metrics families (06 §5.11) from one snapshot of the node and the service: 1.14.1's
// names and labels where it has them (zt_*, controller_*), ztkube's own under ztkube_*.
// Pure: the daemon gathers the input, this turns it into families.
import { addressToString } from '../../protocol/address.js';
import { ErrorCode, Verb } from '../../protocol/constants.js';
import { hexPad } from '../../util/hex.js';
import type { NodeStatus, PeerInfo } from '../../node/node.js';
import { PATH_ALIVE_TIMEOUT_MS } from '../../node/constants.js';
import type { ControllerMetricsSnapshot } from '../../controller/controller-metrics.js';
import type { StoreCallCounts } from '../../controller/counting-store.js';
import type { NetworkTraffic } from '../network-ports.js';
import { LATENCY_BUCKETS_MS, type LatencyHistograms } from './latency-histograms.js';
import type { MetricFamily, Sample } from './prometheus-text.js';

export interface NetworkMetricsInput {
  nwid: bigint;
  status: string;
  multicastGroups: number;
  /** Absent when the network has no port (yet). */
  traffic?: Readonly<NetworkTraffic>;
}

/** The embedded controller's side of /metrics (05 §8.10). */
export interface ControllerMetricsInput {
  records: ControllerMetricsSnapshot;
  /** Requests by outcome (EmbeddedController.counts). */
  requests: Readonly<Record<string, number>>;
  /** Waiting and being handled now. */
  load: { queued: number; active: number };
  sso: { checks: number; timeouts: number };
  store: StoreCallCounts;
}

export interface MetricsInput {
  nowMs: number;
  status: NodeStatus;
  peers: readonly PeerInfo[];
  networks: readonly NetworkMetricsInput[];
  /** UDP payload bytes through the binder. */
  udp: { bytesInTotal: number; bytesOutTotal: number };
  /** Through the TCP relay tunnel (06 §9); absent: no TCP fallback. */
  tcp?: { bytesInTotal: number; bytesOutTotal: number };
  latency: LatencyHistograms;
  controller?: ControllerMetricsInput;
}

/** 1.14.1's packet_type label of each verb it counts. */
const VERB_LABELS: ReadonlyArray<[number, string]> = [
  [Verb.NOP, 'nop'],
  [Verb.HELLO, 'hello'],
  [Verb.ERROR, 'error'],
  [Verb.OK, 'ok'],
  [Verb.WHOIS, 'whois'],
  [Verb.RENDEZVOUS, 'rendezvous'],
  [Verb.FRAME, 'frame'],
  [Verb.EXT_FRAME, 'ext_frame'],
  [Verb.ECHO, 'echo'],
  [Verb.MULTICAST_LIKE, 'multicast_like'],
  [Verb.NETWORK_CREDENTIALS, 'network_credentials'],
  [Verb.NETWORK_CONFIG_REQUEST, 'network_config_request'],
  [Verb.NETWORK_CONFIG, 'network_config'],
  [Verb.MULTICAST_GATHER, 'multicast_gather'],
  [Verb.MULTICAST_FRAME, 'multicast_frame'],
  [Verb.PUSH_DIRECT_PATHS, 'push_direct_paths'],
  [Verb.ACK, 'ack'],
  [Verb.QOS_MEASUREMENT, 'qos'],
  [Verb.USER_MESSAGE, 'user_message'],
  [Verb.REMOTE_TRACE, 'remote_trace'],
  [Verb.PATH_NEGOTIATION_REQUEST, 'path_negotiation_request'],
];

/** 1.14.1's error_type label of each ERROR code it counts. */
const ERROR_LABELS: ReadonlyArray<[number, string]> = [
  [ErrorCode.OBJ_NOT_FOUND, 'obj_not_found'],
  [ErrorCode.UNSUPPORTED_OPERATION, 'unsupported_operation'],
  [ErrorCode.IDENTITY_COLLISION, 'identity_collision'],
  [ErrorCode.NEED_MEMBERSHIP_CERTIFICATE, 'need_membership_certificate'],
  [ErrorCode.NETWORK_ACCESS_DENIED, 'network_access_denied'],
  [ErrorCode.UNWANTED_MULTICAST, 'unwanted_multicast'],
  [ErrorCode.NETWORK_AUTHENTICATION_REQUIRED, 'authentication_required'],
];

const DIRECTIONS = ['rx', 'tx'] as const;

function family(name: string, type: MetricFamily['type'], help: string, samples: Sample[]): MetricFamily {
  return { name, type, help, samples };
}

function ztFamilies(m: MetricsInput): MetricFamily[] {
  const { packets } = m.status;
  const nodeId = (p: PeerInfo): string => addressToString(p.address);
  const verbs: Sample[] = [];
  const errors: Sample[] = [];
  for (const direction of DIRECTIONS) {
    const v = direction === 'rx' ? packets.verbsIn : packets.verbsOut;
    for (const [code, label] of VERB_LABELS) verbs.push({ labels: { direction, packet_type: label }, value: v[code] });
    const e = direction === 'rx' ? packets.errorsIn : packets.errorsOut;
    for (const [code, label] of ERROR_LABELS) errors.push({ labels: { direction, error_type: label }, value: e[code] });
  }
  const latency: Sample[] = [];
  for (const [address, h] of m.latency.entries()) {
    const node_id = addressToString(address);
    let cumulative = 0;
    LATENCY_BUCKETS_MS.forEach((le, i) => {
      cumulative += h.counts[i];
      latency.push({ suffix: '_bucket', labels: { node_id, le: String(le) }, value: cumulative });
    });
    latency.push({ suffix: '_bucket', labels: { node_id, le: '+Inf' }, value: h.count });
    latency.push({ suffix: '_sum', labels: { node_id }, value: h.sumMs });
    latency.push({ suffix: '_count', labels: { node_id }, value: h.count });
  }
  const networkPackets: Sample[] = [];
  for (const n of m.networks) {
    if (!n.traffic) continue;
    const network_id = hexPad(n.nwid, 16);
    networkPackets.push(
      { labels: { accepted: 'yes', direction: 'rx', network_id }, value: n.traffic.framesInTotal },
      { labels: { accepted: 'yes', direction: 'tx', network_id }, value: n.traffic.framesOutTotal },
      { labels: { accepted: 'no', direction: 'tx', network_id }, value: n.traffic.framesRefusedTotal },
    );
  }
  return [
    family('zt_packet', 'counter', 'ZeroTier packet type counts', verbs),
    family('zt_packet_error', 'counter', 'ZeroTier packet errors', errors),
    family('zt_data', 'counter', 'number of bytes ZeroTier has transmitted or received', [
      { labels: { direction: 'rx', protocol: 'udp' }, value: m.udp.bytesInTotal },
      { labels: { direction: 'tx', protocol: 'udp' }, value: m.udp.bytesOutTotal },
      ...(m.tcp
        ? [
            { labels: { direction: 'rx', protocol: 'tcp' }, value: m.tcp.bytesInTotal },
            { labels: { direction: 'tx', protocol: 'tcp' }, value: m.tcp.bytesOutTotal },
          ]
        : []),
    ]),
    family('zt_num_networks', 'gauge', 'number of networks this instance is joined to', [{ value: m.networks.length }]),
    family(
      'zt_network_multicast_groups_subscribed',
      'gauge',
      'number of multicast groups networks are subscribed to',
      m.networks.map((n) => ({ labels: { network_id: hexPad(n.nwid, 16) }, value: n.multicastGroups })),
    ),
    family('zt_network_packets', 'counter', 'number of incoming/outgoing packets per network', networkPackets),
    family('zt_peer_latency', 'histogram', 'peer latency (ms)', latency),
    family(
      'zt_peer_path_count',
      'gauge',
      'number of paths to peer',
      m.peers.flatMap((p) => {
        const alive = p.paths.filter((x) => m.nowMs - x.lastReceiveMs < PATH_ALIVE_TIMEOUT_MS).length;
        return [
          { labels: { node_id: nodeId(p), status: 'alive' }, value: alive },
          { labels: { node_id: nodeId(p), status: 'dead' }, value: p.paths.length - alive },
        ];
      }),
    ),
    family(
      'zt_peer_packets',
      'counter',
      'number of packets to/from a peer',
      m.peers.flatMap((p) => [
        { labels: { direction: 'rx', node_id: nodeId(p) }, value: p.traffic.packetsIn },
        { labels: { direction: 'tx', node_id: nodeId(p) }, value: p.traffic.packetsOut },
      ]),
    ),
    family(
      'zt_peer_packet_errors',
      'counter',
      'number of incoming packet errors from a peer',
      m.peers.map((p) => ({ labels: { node_id: nodeId(p) }, value: p.traffic.invalidIn })),
    ),
  ];
}

function controllerFamilies(c: NonNullable<MetricsInput['controller']>): MetricFamily[] {
  const r = c.records;
  const requests = Object.entries(c.requests).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const handled = (c.requests.requests ?? 0) + (c.requests.pushes ?? 0);
  return [
    family('controller_network_count', 'gauge', 'number of networks the controller is serving', [{ value: r.networks }]),
    family('controller_member_count', 'gauge', 'number of network members the controller is serving', [{ value: r.members }]),
    family('controller_network_change_count', 'counter', 'number of times a network configuration is changed', [{ value: r.networkChangesTotal }]),
    family('controller_member_change_count', 'counter', 'number of times a network member configuration is changed', [{ value: r.memberChangesTotal }]),
    family('controller_member_auth_count', 'counter', 'number of network member auths', [{ value: r.memberAuthsTotal }]),
    family('controller_member_deauth_count', 'counter', 'number of network member deauths', [{ value: r.memberDeauthsTotal }]),
    family('controller_network_config_request_queue', 'gauge', 'number of entries in the request queue for network configurations', [{ value: c.load.queued }]),
    family('controller_sso_expiration_checks', 'counter', 'number of sso expiration checks done', [{ value: c.sso.checks }]),
    family('controller_sso_timeouts', 'counter', 'number of sso timeouts', [{ value: c.sso.timeouts }]),
    family('controller_network_config_request', 'counter', 'count of config requests handled', [{ value: handled }]),
    // Requests are handled one at a time on the event loop: the one in hand is the only "thread".
    family('controller_network_config_request_threads', 'gauge', 'number of active network config handling threads', [{ value: c.load.active }]),
    family('controller_db_get_network', 'counter', 'counter', [{ value: c.store.getNetwork }]),
    family('controller_db_get_network_and_member', 'counter', 'counter', [{ value: c.store.getMember }]),
    family('controller_db_get_member_list', 'counter', 'counter', [{ value: c.store.listMembers }]),
    family('controller_db_get_network_list', 'counter', 'counter', [{ value: c.store.listNetworks }]),
    family('controller_db_member_change', 'counter', 'counter', [{ value: c.store.memberChanges }]),
    family('controller_db_network_change', 'counter', 'counter', [{ value: c.store.networkChanges }]),
    family(
      'ztkube_controller_requests_total',
      'counter',
      'config requests the embedded controller received, answered or sent on its own, by outcome',
      requests.map(([outcome, value]) => ({ labels: { outcome }, value })),
    ),
    family('ztkube_controller_members', 'gauge', 'members held by the embedded controller, by authorization', [
      { labels: { authorized: 'true' }, value: r.authorizedMembers },
      { labels: { authorized: 'false' }, value: r.members - r.authorizedMembers },
    ]),
  ];
}

function ztkubeFamilies(m: MetricsInput): MetricFamily[] {
  const peerKinds = new Map<string, number>();
  for (const p of m.peers) {
    const key = `${p.role.toLowerCase()}|${p.paths.length > 0 ? 'direct' : 'relayed'}`;
    peerKinds.set(key, (peerKinds.get(key) ?? 0) + 1);
  }
  const networkStatus = new Map<string, number>();
  for (const n of m.networks) networkStatus.set(n.status, (networkStatus.get(n.status) ?? 0) + 1);
  const withTraffic = m.networks.filter((n) => n.traffic);
  const perNetwork = (pick: (t: Readonly<NetworkTraffic>, d: 'rx' | 'tx') => number): Sample[] =>
    withTraffic.flatMap((n) => DIRECTIONS.map((direction) => ({ labels: { direction, network_id: hexPad(n.nwid, 16) }, value: pick(n.traffic!, direction) })));
  return [
    family(
      'ztkube_peers',
      'gauge',
      'peers held, by role and by whether a direct path exists',
      [...peerKinds.entries()].sort().map(([k, value]) => {
        const [role, path] = k.split('|');
        return { labels: { path, role }, value };
      }),
    ),
    family(
      'ztkube_peer_bytes_total',
      'counter',
      'plaintext bytes of authenticated packets to/from a peer',
      m.peers.flatMap((p) => [
        { labels: { direction: 'rx', node_id: addressToString(p.address) }, value: p.traffic.bytesIn },
        { labels: { direction: 'tx', node_id: addressToString(p.address) }, value: p.traffic.bytesOut },
      ]),
    ),
    family(
      'ztkube_network_frames_total',
      'counter',
      'Ethernet frames a network delivered to its port (rx) or took from it (tx)',
      perNetwork((t, d) => (d === 'rx' ? t.framesInTotal : t.framesOutTotal)),
    ),
    family(
      'ztkube_network_bytes_total',
      'counter',
      'Ethernet payload bytes a network delivered to its port (rx) or took from it (tx)',
      perNetwork((t, d) => (d === 'rx' ? t.bytesInTotal : t.bytesOutTotal)),
    ),
    family(
      'ztkube_packets_dropped_total',
      'counter',
      'datagrams, packets and frames the node dropped, by reason',
      Object.entries(m.status.drops)
        .sort((a, b) => (a[0] < b[0] ? -1 : 1))
        .map(([reason, value]) => ({ labels: { reason }, value })),
    ),
    family(
      'ztkube_networks',
      'gauge',
      'joined networks by status',
      [...networkStatus.entries()].sort().map(([status, value]) => ({ labels: { status }, value })),
    ),
  ];
}

export function collectMetrics(m: MetricsInput): MetricFamily[] {
  return [...ztFamilies(m), ...(m.controller ? controllerFamilies(m.controller) : []), ...ztkubeFamilies(m)];
}
