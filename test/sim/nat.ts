// A NAT or stateful firewall in front of a simulated site, by RFC 4787 behaviour
// (used to exercise ZeroTier's NAT traversal, spec 03 §12).
//
//   type                        mapping (RFC 4787 §4.1)        filtering (§5)
//   full-cone                   endpoint-independent           endpoint-independent
//   address-restricted          endpoint-independent           address-dependent
//   port-restricted             endpoint-independent           address-and-port-dependent
//   symmetric                   address-and-port-dependent     address-and-port-dependent
//   block-inbound-unsolicited   none (no translation)          address-and-port-dependent
//   block-udp                   none                           drops all UDP, both ways
//
// A mapping is refreshed by outbound traffic (and by inbound traffic when
// isRefreshedByInbound) and expires after mappingTimeoutMs idle (RFC 4787 REQ-5 asks ≥ 2 min;
// 120 s is the default). Each remote that the inside has sent to is a "permit" with its own
// last-used time; filtering accepts an inbound datagram only if its source matches a live
// permit (by IP for address-restricted, by IP and port otherwise). Expired state is removed
// lazily, so the NAT needs no timers and is deterministic. Hairpinning (an inside host
// reaching another through the external address) is off by default, like many home routers.
import { ConfigError } from '../../src/util/errors.js';
import { endpointKey, ipKey, parseIpOrThrow, withPort } from './endpoint.js';
import type { InetAddress, IpAddress } from './endpoint.js';
import { SeededRandom } from './seeded-random.js';

export type NatType = 'full-cone' | 'address-restricted' | 'port-restricted' | 'symmetric';
export type FirewallType = 'block-inbound-unsolicited' | 'block-udp';
export type GatewayType = NatType | FirewallType;
/** preserve: keep the inside port when free (else sequential); sequential: a counter; random: seeded. */
export type PortAllocation = 'preserve' | 'sequential' | 'random';
/** Why a gateway refused a datagram. */
export type GatewayDropReason = 'nat_no_mapping' | 'nat_filtered' | 'udp_blocked';

export const NAT_TYPES: readonly NatType[] = ['full-cone', 'address-restricted', 'port-restricted', 'symmetric'];
export const DEFAULT_MAPPING_TIMEOUT_MS = 120_000;
const FIRST_SEQUENTIAL_PORT = 40_000;
const MIN_PORT = 1024;

export interface NatOptions {
  type: GatewayType;
  /** The public address of a NAT (required for NAT types, not allowed for firewalls). */
  externalIp?: string;
  mappingTimeoutMs?: number;
  /** Default 'random' (seeded), which best exposes code that confuses inside and outside ports. */
  portAllocation?: PortAllocation;
  /** First port of the sequential counter (also the fallback of 'preserve'). Default 40000. */
  firstPort?: number;
  isHairpinEnabled?: boolean;
  /** Inbound datagrams also refresh the mapping (RFC 4787 REQ-6 makes this optional). Default false. */
  isRefreshedByInbound?: boolean;
  /** Stream for 'random' port allocation. */
  random?: SeededRandom;
}

/** A live mapping, as reported by `Nat.mappings()`. */
export interface NatMappingInfo {
  readonly internal: InetAddress;
  readonly external: InetAddress;
  /** Symmetric NATs only: the one remote endpoint this mapping serves. */
  readonly remote: InetAddress | null;
  readonly lastActiveMs: number;
}

interface Mapping {
  key: string;
  internal: InetAddress;
  external: InetAddress;
  externalKey: string;
  remote: InetAddress | null;
  lastActiveMs: number;
  /** Permit key (remote IP or remote ip/port) → last outbound time. */
  permits: Map<string, number>;
}

function isNatType(t: GatewayType): t is NatType {
  return (NAT_TYPES as readonly string[]).includes(t);
}

export class Nat {
  readonly type: GatewayType;
  /** True for NATs (addresses are rewritten), false for firewalls. */
  readonly isTranslating: boolean;
  readonly mappingTimeoutMs: number;
  readonly portAllocation: PortAllocation;
  readonly isHairpinEnabled: boolean;
  readonly isRefreshedByInbound: boolean;
  private external: IpAddress | null;
  private readonly byKey = new Map<string, Mapping>();
  private readonly byExternal = new Map<string, Mapping>();
  private nextPort: number;
  private readonly firstPort: number;
  private readonly rng: SeededRandom;

  constructor(opts: NatOptions) {
    this.type = opts.type;
    this.isTranslating = isNatType(opts.type);
    if (this.isTranslating && !opts.externalIp) throw new ConfigError(`sim: a ${opts.type} NAT needs externalIp`);
    if (!this.isTranslating && opts.externalIp) throw new ConfigError(`sim: a ${opts.type} firewall does not translate; externalIp must be absent`);
    this.external = opts.externalIp ? parseIpOrThrow(opts.externalIp, 'externalIp') : null;
    this.mappingTimeoutMs = opts.mappingTimeoutMs ?? DEFAULT_MAPPING_TIMEOUT_MS;
    this.portAllocation = opts.portAllocation ?? 'random';
    this.firstPort = opts.firstPort ?? FIRST_SEQUENTIAL_PORT;
    this.nextPort = this.firstPort;
    this.isHairpinEnabled = opts.isHairpinEnabled ?? false;
    this.isRefreshedByInbound = opts.isRefreshedByInbound ?? false;
    this.rng = opts.random ?? new SeededRandom(`nat:${opts.externalIp ?? opts.type}`);
  }

  /** The NAT's public IP (null for firewalls). */
  get externalIp(): IpAddress | null {
    return this.external;
  }

  /** The ISP hands out a new public IP: every mapping is lost. */
  setExternalIp(ip: string): void {
    if (!this.isTranslating) throw new ConfigError(`sim: a ${this.type} firewall has no external IP`);
    this.external = parseIpOrThrow(ip, 'externalIp');
    this.flush();
  }

  /** Forgets every mapping (a NAT reboot). */
  flush(): void {
    this.byKey.clear();
    this.byExternal.clear();
  }

  /** True if this NAT translates datagrams of that family (firewalls pass every family). */
  handlesFamily(family: 4 | 6): boolean {
    return !this.external || this.external.family === family;
  }

  /**
   * An inside host at `src` sends to `dst`: returns the source the outside sees (creating
   * or refreshing the mapping and its permit), or why the datagram is dropped.
   */
  outbound(src: InetAddress, dst: InetAddress, nowMs: number): InetAddress | GatewayDropReason {
    if (this.type === 'block-udp') return 'udp_blocked';
    const key = this.type === 'symmetric' ? `${endpointKey(src)}>${endpointKey(dst)}` : endpointKey(src);
    let m = this.byKey.get(key);
    if (m && this.isExpired(m, nowMs)) {
      this.remove(m);
      m = undefined;
    }
    if (!m) m = this.create(key, src, dst, nowMs);
    m.lastActiveMs = nowMs;
    m.permits.set(this.permitKey(dst), nowMs);
    return { ...m.external, ip: m.external.ip.slice() };
  }

  /**
   * A datagram from outside `src` arrives for `dst` (an external endpoint of this gateway):
   * returns the inside endpoint to forward it to, or why it is dropped.
   */
  inbound(src: InetAddress, dst: InetAddress, nowMs: number): InetAddress | GatewayDropReason {
    if (this.type === 'block-udp') return 'udp_blocked';
    const m = this.byExternal.get(endpointKey(dst));
    if (!m || this.isExpired(m, nowMs)) {
      if (m) this.remove(m);
      return 'nat_no_mapping';
    }
    if (this.type !== 'full-cone') {
      const t = m.permits.get(this.permitKey(src));
      if (t === undefined || nowMs - t >= this.mappingTimeoutMs) return 'nat_filtered';
    }
    if (this.isRefreshedByInbound) {
      m.lastActiveMs = nowMs;
      m.permits.set(this.permitKey(src), nowMs);
    }
    return { ...m.internal, ip: m.internal.ip.slice() };
  }

  /** Live mappings, oldest first (for assertions and debugging). */
  mappings(nowMs: number): NatMappingInfo[] {
    const out: NatMappingInfo[] = [];
    for (const m of this.byKey.values()) {
      if (this.isExpired(m, nowMs)) continue;
      out.push({ internal: m.internal, external: m.external, remote: m.remote, lastActiveMs: m.lastActiveMs });
    }
    return out;
  }

  private isExpired(m: Mapping, nowMs: number): boolean {
    return nowMs - m.lastActiveMs >= this.mappingTimeoutMs;
  }

  private permitKey(remote: InetAddress): string {
    return this.type === 'address-restricted' ? ipKey(remote) : endpointKey(remote);
  }

  private remove(m: Mapping): void {
    this.byKey.delete(m.key);
    if (this.byExternal.get(m.externalKey) === m) this.byExternal.delete(m.externalKey);
  }

  private create(key: string, src: InetAddress, dst: InetAddress, nowMs: number): Mapping {
    const external = this.external ? withPort(this.external, this.allocatePort(src.port, nowMs)) : withPort(src, src.port);
    const m: Mapping = {
      key,
      internal: withPort(src, src.port),
      external,
      externalKey: endpointKey(external),
      remote: this.type === 'symmetric' ? withPort(dst, dst.port) : null,
      lastActiveMs: nowMs,
      permits: new Map(),
    };
    this.byKey.set(key, m);
    this.byExternal.set(m.externalKey, m);
    return m;
  }

  /** True if `port` on the external IP is free (an expired holder is evicted). */
  private isFree(port: number, nowMs: number): boolean {
    const holder = this.byExternal.get(endpointKey(withPort(this.external!, port)));
    if (!holder) return true;
    if (!this.isExpired(holder, nowMs)) return false;
    this.remove(holder);
    return true;
  }

  private allocatePort(insidePort: number, nowMs: number): number {
    if (this.portAllocation === 'preserve' && this.isFree(insidePort, nowMs)) return insidePort;
    if (this.portAllocation === 'random') {
      for (let i = 0; i < 64; i++) {
        const p = MIN_PORT + this.rng.int(65536 - MIN_PORT);
        if (this.isFree(p, nowMs)) return p;
      }
    }
    for (let i = 0; i < 65536 - MIN_PORT; i++) {
      const p = this.nextPort;
      this.nextPort = p >= 65535 ? MIN_PORT : p + 1;
      if (this.isFree(p, nowMs)) return p;
    }
    throw new Error(`sim: NAT ${ipKey(this.external!)} ran out of ports`);
  }
}
