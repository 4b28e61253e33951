// Per-node pod IPv4 ranges of a bridge-mode ZTNetwork (07 §4.3, issue #11): each selected node
// gets one block of `perNodePrefixLength` carved from `spec.attach.podRanges`. The previous
// status is the allocator's memory, so a node keeps its block across reconciles and operator
// restarts; a node no longer selected frees its block. Blocks never overlap each other, and
// podRanges that overlap the network's IPv4 pools are refused (the controller would hand the
// same addresses to members), as are podRanges outside the managed network's on-LAN routes
// (the agent would refuse every pod there). Pure: strings in, strings out.

export interface PodRange {
  node: string;
  /** An IPv4 CIDR, e.g. 10.244.0.64/26. */
  range: string;
}

export interface PodRangeInput {
  /** spec.attach.podRanges (IPv4 CIDRs). */
  podRanges: readonly string[];
  perNodePrefixLength: number;
  /** The selected nodes' names. */
  nodes: readonly string[];
  /** status.podRanges as last written. */
  previous: readonly PodRange[];
  /** The network's IPv4 pools (managed networks), inclusive. */
  pools: ReadonlyArray<{ start: string; end: string }>;
  /**
   * The managed network's on-LAN IPv4 routes (targets of routes without a gateway). The agent
   * refuses a pod whose range lies outside them, so such ranges are refused here already,
   * where the user reads it. Absent for networks joined by ID: their routes are not known here.
   */
  lanRoutes?: readonly string[];
}

export interface PodRangeResult {
  /** Sorted by node name. Partial when the blocks ran out (the nodes served first keep theirs). */
  assigned: PodRange[];
  /** Null when every node has a block; otherwise the Ready reason and a sentence. */
  problem: { reason: 'PodRangesExhausted' | 'PodRangesOverlapPools' | 'PodRangesOutsideRoutes' | 'PodRangesInvalid'; message: string } | null;
}

interface Block {
  first: number;
  /** Inclusive. */
  last: number;
}

function ipv4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

function ipv4Text(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** A CIDR as its block, or null when it is not an IPv4 CIDR with the host bits clear. */
function cidr(s: string): (Block & { bits: number }) | null {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s);
  if (!m) return null;
  const base = ipv4(m[1]!);
  const bits = Number(m[2]);
  if (base === null || bits > 32) return null;
  const size = 2 ** (32 - bits);
  if (base % size !== 0) return null;
  return { first: base, last: base + size - 1, bits };
}

function overlaps(a: Block, b: Block): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** The blocks for each node: previous ones kept where still valid, the rest handed out in order. */
export function allocatePodRanges(input: PodRangeInput): PodRangeResult {
  const { perNodePrefixLength: len } = input;
  const parents: Array<Block & { bits: number }> = [];
  for (const r of input.podRanges) {
    const c = cidr(r);
    if (!c) return { assigned: [], problem: { reason: 'PodRangesInvalid', message: `spec.attach.podRanges: "${r}" is not an IPv4 CIDR with its host bits clear` } };
    if (c.bits > len) return { assigned: [], problem: { reason: 'PodRangesInvalid', message: `spec.attach.podRanges: "${r}" is smaller than one per-node block (/${len})` } };
    parents.push(c);
  }
  for (const p of input.pools) {
    const pool = { first: ipv4(p.start), last: ipv4(p.end) };
    if (pool.first === null || pool.last === null) continue;
    const clash = parents.find((c) => overlaps(c, pool as Block));
    if (clash) {
      return { assigned: [], problem: { reason: 'PodRangesOverlapPools', message: `spec.attach.podRanges: ${ipv4Text(clash.first)}/${clash.bits} overlaps the network's IPv4 pool ${p.start}-${p.end}; pods and members would get the same addresses` } };
    }
  }
  if (input.lanRoutes) {
    const routes = input.lanRoutes.map(cidr).filter((c): c is Block & { bits: number } => c !== null);
    const outside = parents.find((p) => !routes.some((r) => p.first >= r.first && p.last <= r.last));
    if (outside) {
      const list = input.lanRoutes.length ? input.lanRoutes.join(', ') : 'none';
      return { assigned: [], problem: { reason: 'PodRangesOutsideRoutes', message: `spec.attach.podRanges: ${ipv4Text(outside.first)}/${outside.bits} is outside every on-LAN IPv4 route of the network (${list}); add a route covering it to spec.managed.routes` } };
    }
  }
  for (let i = 0; i < parents.length; i++) {
    for (let j = i + 1; j < parents.length; j++) {
      if (overlaps(parents[i]!, parents[j]!)) return { assigned: [], problem: { reason: 'PodRangesInvalid', message: `spec.attach.podRanges: ${input.podRanges[i]} and ${input.podRanges[j]} overlap` } };
    }
  }
  const size = 2 ** (32 - len);
  const isInParents = (b: Block): boolean => parents.some((p) => b.first >= p.first && b.last <= p.last);
  const wanted = [...new Set(input.nodes)].sort();
  const byNode = new Map<string, Block>();
  const taken: Block[] = [];
  for (const prev of input.previous) {
    if (!wanted.includes(prev.node) || byNode.has(prev.node)) continue;
    const b = cidr(prev.range);
    // A block of another size (perNodePrefixLength changed) or outside today's ranges is given up.
    if (!b || b.bits !== len || !isInParents(b) || taken.some((t) => overlaps(t, b))) continue;
    byNode.set(prev.node, b);
    taken.push(b);
  }
  const missing: string[] = [];
  for (const node of wanted) {
    if (byNode.has(node)) continue;
    const b = freeBlock(parents, size, taken);
    if (!b) {
      missing.push(node);
      continue;
    }
    byNode.set(node, b);
    taken.push(b);
  }
  const assigned = [...byNode].map(([node, b]) => ({ node, range: `${ipv4Text(b.first)}/${len}` })).sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  if (missing.length === 0) return { assigned, problem: null };
  return {
    assigned,
    problem: { reason: 'PodRangesExhausted', message: `spec.attach.podRanges hold ${assigned.length} blocks of /${len} for ${wanted.length} selected nodes; no range for ${missing.join(', ')}: add ranges or lengthen perNodePrefixLength` },
  };
}

function freeBlock(parents: readonly Block[], size: number, taken: readonly Block[]): Block | null {
  for (const p of parents) {
    for (let first = p.first; first + size - 1 <= p.last; first += size) {
      const b = { first, last: first + size - 1 };
      const clash = taken.find((t) => overlaps(t, b));
      // Skip past the clashing block at once (a parent may hold many blocks).
      if (clash) {
        first = Math.max(first, clash.last + 1 - size);
        continue;
      }
      return b;
    }
  }
  return null;
}
