// The remote IPAM driver (07 §3.5): pools and addresses for Docker networks of the ztkube
// driver. IPv4 comes from a per-host range (`--ipam-opt ztkube.range=CIDR`, or `--subnet`
// with an optional `--ip-range`), so that two hosts given disjoint ranges never hand out
// the same address. Given none of them, the pool waits: dockerd asks for the pool and its
// gateway before CreateNetwork names the ZeroTier network, so the gateway is a placeholder
// and CreateNetwork binds the pool to a range this host's own controller reserves
// (network-driver.ts). IPv6 pools need `--subnet` (the sixplane mode assigns IPv6 itself,
// from the host member's 6PLANE /80). Pure: state in, state out through the store.
import { parsePrefix, prefixToString, type IpPrefix } from '../net/ip/prefix.js';
import { parseIp } from '../protocol/inet-address.js';
import { bigintToIp, ipText, prefixBounds, prefixInside, prefixesOverlap } from './ip-arith.js';
import { badRequest, PluginError } from './plugin-error.js';
import type { DockerPluginState, PluginStateStore, PoolRecord } from './plugin-state.js';
import { asBody, optionalBoolean, optionalString, requireString, stringMap, type Body } from './request-fields.js';

export const LOCAL_ADDRESS_SPACE = 'ztkube-local';
export const GLOBAL_ADDRESS_SPACE = 'ztkube-global';
/** The --ipam-opt naming this host's slice of the ZeroTier network's IPv4 subnet. */
export const RANGE_OPTION = 'ztkube.range';
/** Options["RequestAddressType"] when dockerd asks for a network's gateway. */
const GATEWAY_REQUEST = 'com.docker.network.gateway';
const KNOWN_OPTIONS = new Set([RANGE_OPTION]);
/** What dockerd is told the pool is when the user gave no --subnet (see requestPool). */
export const UNCHECKED_POOL = '0.0.0.0/0';
/** The ids of pools waiting for CreateNetwork to reserve their range. */
export const PENDING_POOL_PREFIX = 'ztkube-v4-auto-';
/** The prefix length of a pending pool's placeholder gateway: 0.0.0.0/8, "this network". */
export const PLACEHOLDER_BITS = 8;

export class IpamDriver {
  private readonly store: PluginStateStore;
  private readonly state: DockerPluginState;

  constructor(store: PluginStateStore, state: DockerPluginState) {
    this.store = store;
    this.state = state;
  }

  getCapabilities(): Body {
    return { RequiresMACAddress: false, RequiresRequestReplay: false };
  }

  getDefaultAddressSpaces(): Body {
    return { LocalDefaultAddressSpace: LOCAL_ADDRESS_SPACE, GlobalDefaultAddressSpace: GLOBAL_ADDRESS_SPACE };
  }

  requestPool(raw: unknown): Body {
    const m = 'RequestPool';
    const body = asBody(m, raw);
    requireString(m, body, 'AddressSpace');
    const isV6 = optionalBoolean(m, body, 'V6');
    const family = isV6 ? 6 : 4;
    const options = stringMap(m, 'Options', body.Options);
    for (const k of Object.keys(options)) {
      if (k.startsWith('ztkube.') && !KNOWN_OPTIONS.has(k)) throw badRequest(`--ipam-opt ${k} is not an option of the ztkube IPAM driver (known: ${[...KNOWN_OPTIONS].join(', ')})`);
    }
    const pool = cidr(`--subnet`, optionalString(m, body, 'Pool'), family);
    const subPool = cidr('--ip-range', optionalString(m, body, 'SubPool'), family);
    if (subPool && !pool) throw badRequest('--ip-range needs --subnet');
    const opt = options[RANGE_OPTION];
    const rangeOpt = opt === undefined ? null : cidr(`--ipam-opt ${RANGE_OPTION}`, opt, 4);
    if (rangeOpt && isV6) throw badRequest(`--ipam-opt ${RANGE_OPTION} is an IPv4 range; give the IPv6 pool with --subnet`);
    if (rangeOpt && subPool) throw badRequest(`give either --ip-range or --ipam-opt ${RANGE_OPTION}, not both`);
    const range = rangeOpt ?? subPool ?? pool;
    if (!range && isV6) throw badRequest('the ztkube IPAM driver needs --subnet for an IPv6 pool (or leave IPv6 off and use -o ztkube.mode=sixplane, which assigns 6PLANE addresses itself)');
    if (!range) return this.pendingPool();
    const shown = pool ?? range;
    if (!prefixInside(range, shown)) throw badRequest(`the range ${prefixToString(range)} is not inside --subnet ${prefixToString(shown)}`);
    if (usableCount(range, shown) < 2n) throw badRequest(`the range ${prefixToString(range)} is too small: it needs room for a gateway and at least one container`);
    const id = `ztkube-v${family}-${prefixToString(shown)}-${prefixToString(range)}`;
    const same = this.state.pools[id];
    if (same) {
      same.refs++;
    } else {
      for (const other of Object.values(this.state.pools)) {
        const r = parsePrefix(other.range);
        if (r && prefixesOverlap(r, range)) throw badRequest(`the range ${prefixToString(range)} overlaps ${other.range}, which another ztkube network on this host uses`);
      }
      this.state.pools[id] = { id, family, pool: prefixToString(shown), range: prefixToString(range), gateway: null, allocated: [], refs: 1 };
    }
    this.store.save(this.state);
    // Without --subnet, dockerd checks the pool against the host's routes and, when it
    // overlaps one, asks again for another pool, endlessly; ours always overlaps the ZeroTier
    // network's route once the host has joined it. 0.0.0.0/0 is the one pool dockerd does not
    // check. Containers still get the range's prefix length: it comes with each address.
    return { PoolID: id, Pool: (pool ?? isV6) ? prefixToString(shown) : UNCHECKED_POOL, Data: {} };
  }

  releasePool(raw: unknown): Body {
    const body = asBody('ReleasePool', raw);
    const id = requireString('ReleasePool', body, 'PoolID');
    const p = this.state.pools[id];
    if (!p) return {}; // released already (dockerd retries after a plugin restart)
    if (--p.refs <= 0) delete this.state.pools[id];
    this.store.save(this.state);
    return {};
  }

  requestAddress(raw: unknown): Body {
    const m = 'RequestAddress';
    const body = asBody(m, raw);
    const p = this.pool(m, requireString(m, body, 'PoolID'));
    const options = stringMap(m, 'Options', body.Options);
    const wanted = optionalString(m, body, 'Address');
    const isGateway = options.RequestAddressType === GATEWAY_REQUEST;
    if (p.range === '') return this.pendingAddress(p, isGateway, wanted);
    const pool = parsePrefix(p.pool)!;
    const range = parsePrefix(p.range)!;
    let ip: string;
    if (wanted !== '') {
      const a = parseIp(wanted);
      if (!a || a.family !== p.family) throw badRequest(`${isGateway ? '--gateway' : '--ip'} must be an IPv${p.family} address, got ${JSON.stringify(wanted)}`);
      const asPrefix: IpPrefix = { family: a.family, ip: a.ip, bits: a.family === 4 ? 32 : 128 };
      const within = isGateway ? pool : range;
      if (!prefixInside(asPrefix, within)) throw badRequest(`${isGateway ? '--gateway' : '--ip'} ${wanted} is outside ${isGateway ? 'the subnet' : "this host's range"} ${prefixToString(within)}`);
      ip = ipText(a.family, a.ip);
      if (ip === p.gateway && isGateway) return { Address: `${ip}/${p.addressBits ?? pool.bits}`, Data: {} };
      if (ip === p.gateway || p.allocated.includes(ip)) throw new PluginError('docker_exhausted', `the address ${ip} is already in use on this ztkube network`);
    } else {
      ip = this.nextFree(p, range, pool);
    }
    if (isGateway) {
      if (p.gateway !== null && p.gateway !== ip) p.allocated = p.allocated.filter((x) => x !== p.gateway);
      p.gateway = ip;
    } else {
      p.allocated.push(ip);
    }
    this.store.save(this.state);
    return { Address: `${ip}/${p.addressBits ?? pool.bits}`, Data: {} };
  }

  releaseAddress(raw: unknown): Body {
    const m = 'ReleaseAddress';
    const body = asBody(m, raw);
    const p = this.state.pools[requireString(m, body, 'PoolID')];
    const text = requireString(m, body, 'Address');
    if (!p) return {}; // the pool is gone, and the address with it
    const a = parseIp(text.replace(/\/\d+$/, ''));
    if (!a) throw badRequest(`ReleaseAddress: Address must be an IP address, got ${JSON.stringify(text)}`);
    const ip = ipText(a.family, a.ip);
    if (p.gateway === ip) p.gateway = null;
    else p.allocated = p.allocated.filter((x) => x !== ip);
    this.store.save(this.state);
    return {};
  }

  /** A pool without a range yet (see the top of the file); CreateNetwork gives it one. */
  private pendingPool(): Body {
    let n = 1;
    while (this.state.pools[`${PENDING_POOL_PREFIX}${n}`]) n++;
    const id = `${PENDING_POOL_PREFIX}${n}`;
    this.state.pools[id] = { id, family: 4, pool: '', range: '', gateway: null, allocated: [], refs: 1 };
    this.store.save(this.state);
    return { PoolID: id, Pool: UNCHECKED_POOL, Data: {} };
  }

  /**
   * The gateway of a pending pool: a placeholder in 0.0.0.0/8 (an address no host uses),
   * different for every pool, by which CreateNetwork finds the pool to bind.
   */
  private pendingAddress(p: PoolRecord, isGateway: boolean, wanted: string): Body {
    if (!isGateway) throw new PluginError('docker_not_found', `the ztkube address pool ${p.id} has no range yet: its Docker network was not created`);
    if (wanted !== '') throw badRequest('--gateway needs --subnet (or --ipam-opt ztkube.range) with the ztkube IPAM driver');
    if (p.gateway !== null) return { Address: `${p.gateway}/${PLACEHOLDER_BITS}`, Data: {} }; // asked again
    const used = new Set(Object.values(this.state.pools).map((x) => x.gateway));
    let v = 1n;
    while (used.has(ipText(4, bigintToIp(v, 4)))) v++;
    p.gateway = ipText(4, bigintToIp(v, 4));
    this.store.save(this.state);
    return { Address: `${p.gateway}/${PLACEHOLDER_BITS}`, Data: {} };
  }

  private pool(method: string, id: string): PoolRecord {
    const p = this.state.pools[id];
    if (!p) throw new PluginError('docker_not_found', `${method}: no ztkube address pool ${id} (it was released)`);
    return p;
  }

  /** The lowest usable address of the range that is neither the gateway nor handed out. */
  private nextFree(p: PoolRecord, range: IpPrefix, pool: IpPrefix): string {
    const taken = new Set(p.allocated);
    if (p.gateway) taken.add(p.gateway);
    const { first, last } = usableBounds(range, pool);
    const bytes = p.family === 4 ? 4 : 16;
    for (let v = first; v <= last; v++) {
      const ip = ipText(p.family, bigintToIp(v, bytes));
      if (!taken.has(ip)) return ip;
    }
    throw new PluginError('docker_exhausted', `no free address is left in this host's range ${p.range} (${taken.size} in use, gateway included)`);
  }
}

/** A CIDR option, or null when empty; a bad one is a sentence naming the flag. */
function cidr(flag: string, text: string, family: 4 | 6): IpPrefix | null {
  if (text === '') return null;
  const p = text.includes('/') ? parsePrefix(text) : null;
  if (!p || p.family !== family) throw badRequest(`${flag} must be an IPv${family} CIDR like ${family === 4 ? '10.147.17.128/26' : 'fd00:1::/64'}, got ${JSON.stringify(text)}`);
  return { ...p, ip: bigintToIp(prefixBounds(p).first, family === 4 ? 4 : 16) };
}

/**
 * The addresses a range may hand out: all of it, except the subnet's own network and
 * broadcast addresses (IPv4 subnets of /30 and wider) and IPv6's subnet-router anycast.
 */
function usableBounds(range: IpPrefix, pool: IpPrefix): { first: bigint; last: bigint } {
  let { first, last } = prefixBounds(range);
  const subnet = prefixBounds(pool);
  const isEdged = range.family === 6 || pool.bits <= 30;
  if (isEdged && first === subnet.first) first++;
  if (range.family === 4 && pool.bits <= 30 && last === subnet.last) last--;
  return { first, last };
}

function usableCount(range: IpPrefix, pool: IpPrefix): bigint {
  const { first, last } = usableBounds(range, pool);
  return last >= first ? last - first + 1n : 0n;
}


