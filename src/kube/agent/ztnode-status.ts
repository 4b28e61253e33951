// The ZTNode's status (07 §4.4; contracts of issue #12) from what the agent's own local API
// says (/status, /network, /peer), the pods attached per network and the identity check.
// Pure: the API's JSON in, the status object out; conditions keep their lastTransitionTime
// while their status stays the same.
import { nextCondition, type Condition } from '../condition.js';

export type { Condition };

export interface LocalStatusJson {
  address: string;
  publicIdentity: string;
  version: string;
  online: boolean;
  planetWorldId: number | string;
  planetWorldTimestamp: number | string;
}

export interface LocalNetworkJson {
  id: string;
  name?: string;
  status: string;
  assignedAddresses?: string[];
  portDeviceName?: string;
  mac?: string;
  mtu?: number;
  bridge?: boolean;
}

export interface LocalPeerJson {
  role: string;
  paths?: Array<{ active?: boolean; expired?: boolean }>;
}

export interface ZTNodeStatus {
  address: string;
  publicIdentity: string;
  version: string;
  online: boolean;
  planet: string;
  networkCount: number;
  networks: Array<{ networkId: string; name: string; status: string; assignedAddresses: string[]; device: string; mac: string; mtu: number; bridge: boolean; podsAttached: number }>;
  peers: { direct: number; relayed: number };
  conditions: Condition[];
  lastHeartbeatTime: string;
}

export interface StatusInput {
  status: LocalStatusJson;
  networks: LocalNetworkJson[];
  peers: LocalPeerJson[];
  podsPerNetwork: ReadonlyMap<string, number>;
  /** Another node with this identity, when one was seen. */
  conflictWith: string | null;
  /** Informers synced (the agent knows what to join). */
  isSynced: boolean;
  previous: Condition[] | undefined;
  nowIso: string;
}

function condition(type: string, isTrue: boolean, reason: string, message: string, previous: Condition[] | undefined, nowIso: string): Condition {
  return nextCondition(previous, type, { status: isTrue ? 'True' : 'False', reason, message }, nowIso);
}

export function buildZTNodeStatus(i: StatusInput): ZTNodeStatus {
  const networks = i.networks
    .map((n) => ({
      networkId: n.id,
      name: n.name ?? '',
      status: n.status,
      assignedAddresses: n.assignedAddresses ?? [],
      device: n.portDeviceName ?? '',
      mac: n.mac ?? '',
      mtu: n.mtu ?? 0,
      bridge: n.bridge ?? false,
      podsAttached: i.podsPerNetwork.get(n.id) ?? 0,
    }))
    .sort((a, b) => a.networkId.localeCompare(b.networkId));
  // Roots (PLANET/MOON) are infrastructure: the counts are of the peers the node talks to.
  const leaves = i.peers.filter((p) => p.role === 'LEAF');
  const direct = leaves.filter((p) => (p.paths ?? []).some((x) => x.active !== false && x.expired !== true)).length;
  const ready = i.conflictWith !== null
    ? condition('Ready', false, 'IdentityConflict', `node ${i.conflictWith} runs the same ZeroTier identity`, i.previous, i.nowIso)
    : !i.status.online
      ? condition('Ready', false, 'Offline', 'the ZeroTier node reaches no root yet', i.previous, i.nowIso)
      : !i.isSynced
        ? condition('Ready', false, 'Syncing', 'the agent is still reading ZTNetworks and its Node', i.previous, i.nowIso)
        : condition('Ready', true, 'Online', 'online, serving CNI', i.previous, i.nowIso);
  const conflict = i.conflictWith !== null
    ? condition('IdentityConflict', true, 'SameAddress', `node ${i.conflictWith} reports the same address ${i.status.address}; give one of them a fresh identity`, i.previous, i.nowIso)
    : condition('IdentityConflict', false, 'Unique', 'no other node reports this address', i.previous, i.nowIso);
  return {
    address: i.status.address,
    publicIdentity: i.status.publicIdentity,
    version: i.status.version,
    online: i.status.online,
    planet: `${BigInt(i.status.planetWorldId)}/${BigInt(i.status.planetWorldTimestamp)}`,
    networkCount: networks.length,
    networks,
    peers: { direct, relayed: leaves.length - direct },
    conditions: [ready, conflict],
    lastHeartbeatTime: i.nowIso,
  };
}

/** The status without the heartbeat and transition times: what "changed" means for a write on change. */
export function statusFingerprint(s: ZTNodeStatus): string {
  return JSON.stringify({ ...s, lastHeartbeatTime: undefined, conditions: s.conditions.map((c) => ({ ...c, lastTransitionTime: undefined })) });
}

