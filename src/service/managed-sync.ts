// Which controller-assigned addresses and routes a network's TAP gets (06 §8.5–8.7): the
// decisions of 1.14.1's OneService::syncManagedStuff / checkIfManagedIsAllowed, pure, so
// they are tested without a kernel. network-ports.ts applies them through a HostNet.
import { IpScope } from '../protocol/ip-scope.js';
import type { ManagedRoute } from '../node/virtual-network.js';
import {
  comparePrefixZt,
  containsAddress,
  isDefaultRoute,
  matchingPrefixBits,
  prefixScope,
  prefixToString,
  sameIp,
  samePrefix,
  sortUniquePrefixes,
  type IpPrefix,
} from '../net/ip/prefix.js';

/** A network's local settings as far as managed addresses and routes go (06 §2.5, §5.7). */
export interface ManagedPolicy {
  allowManaged: boolean;
  allowGlobal: boolean;
  allowDefault: boolean;
  /** allowManaged's IP/bits list from the local.conf, empty for none; null = an entry that did not parse (contains nothing). */
  whitelist: ReadonlyArray<IpPrefix | null>;
}

/** checkIfManagedIsAllowed (06 §8.5). */
export function isManagedAllowed(p: ManagedPolicy, target: IpPrefix): boolean {
  if (!p.allowManaged) return false;
  if (p.whitelist.length > 0 && !p.whitelist.some((w) => w !== null && containsAddress(w, target) && w.bits <= target.bits)) return false;
  if (isDefaultRoute(target)) return p.allowDefault;
  switch (prefixScope(target)) {
    case IpScope.NONE:
    case IpScope.MULTICAST:
    case IpScope.LOOPBACK:
    case IpScope.LINK_LOCAL:
      return false;
    case IpScope.GLOBAL:
      return p.allowGlobal;
    default:
      return true;
  }
}

/** The managed IPs wanted on the TAP: the allowed assigned addresses, sorted and de-duplicated (§8.6 step 1). */
export function wantedAddresses(p: ManagedPolicy, assigned: readonly IpPrefix[]): IpPrefix[] {
  return sortUniquePrefixes(assigned.filter((a) => isManagedAllowed(p, a)));
}

/** One change to the device's addresses. */
export type AddressOp = { op: 'add' | 'remove'; address: IpPrefix };

/**
 * §8.6 steps 2–3: remove the previously applied addresses no longer wanted (those still on
 * the device), then add each newly wanted one: nothing if exactly it is on the device, else
 * any same-IP address with another prefix is removed first. An applied address that someone
 * removed by hand is not put back (only new ones are added), as in 1.14.1.
 */
export function planAddresses(applied: readonly IpPrefix[], wanted: readonly IpPrefix[], onDevice: readonly IpPrefix[]): AddressOp[] {
  const ops: AddressOp[] = [];
  const present = [...onDevice];
  const has = (list: readonly IpPrefix[], a: IpPrefix): boolean => list.some((x) => samePrefix(x, a));
  for (const a of applied) {
    if (has(wanted, a)) continue;
    if (has(present, a)) {
      ops.push({ op: 'remove', address: a });
      present.splice(present.findIndex((x) => samePrefix(x, a)), 1);
    }
  }
  for (const w of wanted) {
    if (has(applied, w) || has(present, w)) continue;
    for (const other of present.filter((x) => sameIp(x, w))) ops.push({ op: 'remove', address: other });
    ops.push({ op: 'add', address: w });
  }
  return ops;
}

/** A managed route to keep on the TAP (a ManagedRoute object of 1.14.1). */
export interface WantedRoute {
  target: IpPrefix;
  /** Gateway of the target's family, or null. */
  via: Uint8Array | null;
  /** The source 1.14.1 picks (kept for the log and the API; the kernel route does not carry it). */
  source: IpPrefix;
}

export interface RoutePlan {
  /** Every route object to keep, in 1.14.1's map order (by target). */
  keep: WantedRoute[];
  /** Those to sync now: gateway-less first, then gateway routes (a default route with a gateway only while online). */
  sync: WantedRoute[];
}

export interface RoutePlanInput {
  policy: ManagedPolicy;
  routes: readonly ManagedRoute[];
  assigned: readonly IpPrefix[];
  /** The IPs now on the TAP (getifaddrs). */
  tapIps: readonly IpPrefix[];
  /** The managed IPs as just synced (wantedAddresses). */
  managedIps: readonly IpPrefix[];
  online: boolean;
}

/** §8.7: the managed routes to keep and sync. */
export function planRoutes(input: RoutePlanInput): RoutePlan {
  const myIps = sortUniquePrefixes([...input.tapIps, ...input.assigned]);
  const keep = new Map<string, WantedRoute>();
  for (const r of input.routes) {
    const target = r.target;
    const via = r.via && r.via.length === (target.family === 4 ? 4 : 16) ? r.via : null;
    if (!isManagedAllowed(input.policy, target)) continue;
    // A node never routes via itself (the controller owning the gateway address).
    if (via && myIps.some((m) => m.family === target.family && bytesEqual(m.ip, via))) continue;
    // Source: the same-family IP sharing the longest prefix; ties go to the last in order.
    let source: IpPrefix | null = null;
    let most = 0;
    for (const m of myIps) {
      const n = matchingPrefixBits(m, target);
      if (n >= most && m.family === target.family) {
        most = n;
        source = m;
      }
    }
    if (!source) continue;
    // The kernel's connected route of a managed IP already covers this target.
    if (input.managedIps.some((ip) => ip.bits === target.bits && containsAddress(target, ip))) continue;
    const key = prefixKey(target);
    if (!keep.has(key)) keep.set(key, { target, via, source });
  }
  const ordered = [...keep.values()].sort((a, b) => comparePrefixZt(a.target, b.target));
  const sync = [...ordered.filter((r) => !r.via), ...ordered.filter((r) => r.via && (!isDefaultRoute(r.target) || input.online))];
  return { keep: ordered, sync };
}

/** Map key of a route target (IP and bits). */
export function prefixKey(p: IpPrefix): string {
  return prefixToString(p);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
