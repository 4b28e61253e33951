// Which Kubernetes nodes a ZTNetwork selects and how far they got in joining it (07 §4.3,
// issue #11), read from the v1 Nodes and the agents' ZTNodes: the counts status shows
// (`nodesSelected`, `nodesJoined`, `nodes`, `podsAttached`) and the `NodesJoined` condition
// with the reason of the worst problem a node reports. Pure.

export interface NodeInfo {
  name: string;
  labels: Readonly<Record<string, string>>;
}

/** A ZTNode's per-network entry (the agent writes it). */
export interface ZtNodeNetwork {
  networkId: string;
  status?: string;
  bridge?: boolean;
  podsAttached?: number;
  /** The network's name and MTU as its controller sent them. */
  name?: string;
  mtu?: number;
}

export interface ZtNodeInfo {
  /** metadata.name = the node's name. */
  name: string;
  address?: string;
  networks: readonly ZtNodeNetwork[];
}

export interface JoinVerdict {
  isTrue: boolean;
  reason: string;
  message: string;
}

export interface NetworkNodesView {
  /** The selected nodes' names, sorted. */
  selected: string[];
  /** Selected node name → its ZeroTier address, for the nodes whose ZTNode has one. */
  addresses: Map<string, string>;
  nodesSelected: number;
  nodesJoined: number;
  podsAttached: number;
  joined: JoinVerdict;
  /** Some selected node heard from the network's controller (an answer of any kind but NOT_FOUND). */
  isControllerAnswering: boolean;
  /** Every selected node that reports the network says NOT_FOUND. */
  isNotFoundEverywhere: boolean;
}

/** spec.nodeSelector: every label must match; empty or absent selects all nodes. */
export function selectsNode(selector: Readonly<Record<string, string>> | undefined, node: NodeInfo): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => node.labels[k] === v);
}

/** Per-node problems, worst first: the condition carries the first reason found. */
const PROBLEMS: ReadonlyArray<{ status: string; reason: string; says: string }> = [
  { status: 'NOT_FOUND', reason: 'NotFound', says: 'the network does not exist on its controller' },
  { status: 'ACCESS_DENIED', reason: 'AccessDenied', says: "the network's controller denies access" },
  { status: 'AUTHENTICATION_REQUIRED', reason: 'AuthenticationRequired', says: 'the network asks for SSO authentication' },
  { status: 'CLIENT_TOO_OLD', reason: 'ClientTooOld', says: "the network's controller finds the client too old" },
  { status: 'PORT_ERROR', reason: 'PortError', says: 'the node could not open the network device' },
];

function nodeLabel(name: string, address: string | undefined): string {
  return address ? `${name} (${address})` : name;
}

export function networkNodesView(nwid: string | null, mode: 'bridge' | 'sixplane', selector: Readonly<Record<string, string>> | undefined, nodes: readonly NodeInfo[], ztnodes: readonly ZtNodeInfo[]): NetworkNodesView {
  const selected = nodes.filter((n) => selectsNode(selector, n)).map((n) => n.name).sort();
  const byName = new Map(ztnodes.map((z) => [z.name, z]));
  const addresses = new Map<string, string>();
  const problems = new Map<string, string[]>();
  const note = (reason: string, what: string): void => {
    problems.set(reason, [...(problems.get(reason) ?? []), what]);
  };
  let nodesJoined = 0;
  let answering = 0;
  let notFound = 0;
  let reporting = 0;
  for (const name of selected) {
    const z = byName.get(name);
    if (z?.address) addresses.set(name, z.address);
    const entry = nwid ? z?.networks.find((n) => n.networkId === nwid) : undefined;
    if (!z || !entry) {
      note('Joining', `${nodeLabel(name, z?.address)} has not reported the network yet`);
      continue;
    }
    reporting++;
    const status = entry.status ?? 'REQUESTING_CONFIGURATION';
    if (status === 'NOT_FOUND') notFound++;
    else if (status !== 'REQUESTING_CONFIGURATION') answering++;
    if (status === 'OK') {
      nodesJoined++;
      if (mode === 'bridge' && entry.bridge === false) {
        note('BridgingNotAllowed', `${nodeLabel(name, z.address)}: allow bridging (activeBridge) for member ${z.address ?? name} of network ${nwid} on its controller`);
      }
      continue;
    }
    const p = PROBLEMS.find((x) => x.status === status);
    if (p) note(p.reason, `${nodeLabel(name, z.address)}: ${p.says}`);
    else note('Joining', `${nodeLabel(name, z.address)} is ${status === 'REQUESTING_CONFIGURATION' ? 'waiting for its configuration' : status}`);
  }
  let podsAttached = 0;
  for (const z of ztnodes) for (const n of z.networks) if (n.networkId === nwid && typeof n.podsAttached === 'number') podsAttached += n.podsAttached;
  return {
    selected,
    addresses,
    nodesSelected: selected.length,
    nodesJoined,
    podsAttached,
    joined: verdict(selected.length, nodesJoined, problems),
    isControllerAnswering: answering > 0,
    isNotFoundEverywhere: reporting > 0 && notFound === reporting,
  };
}

function verdict(selected: number, joined: number, problems: Map<string, string[]>): JoinVerdict {
  if (selected === 0) return { isTrue: true, reason: 'NoNodesSelected', message: 'no node matches spec.nodeSelector' };
  const order = [...PROBLEMS.map((p) => p.reason), 'BridgingNotAllowed', 'Joining'];
  const reason = order.find((r) => problems.has(r));
  if (!reason) return { isTrue: true, reason: 'AllJoined', message: `all ${selected} selected nodes joined` };
  const list = problems.get(reason)!;
  const more = [...problems.values()].reduce((n, l) => n + l.length, 0) - list.length;
  const intro = reason === 'BridgingNotAllowed' ? 'the controller does not let these nodes bridge pods onto the network' : `${joined}/${selected} nodes joined`;
  return { isTrue: false, reason, message: `${intro}; ${list.join('; ')}${more > 0 ? ` (and ${more} more node problems)` : ''}` };
}
