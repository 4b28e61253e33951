// One joined virtual network as a member sees it (spec 04 §1.4, §3): it asks its controller
// for a config, reassembles and installs what comes back, tracks the controller's refusals
// as a status, tells the host through networkChanged, and saves the config it holds.
import type { Address } from '../protocol/address.js';
import { Verb } from '../protocol/constants.js';
import { encodeNetworkConfigRequest, type NETWORK_CONFIG } from '../protocol/verbs/network-config.js';
import { decodeNetworkConfig, encodeNetworkConfig, isSameNetworkConfig } from '../protocol/netconf/config-dictionary.js';
import {
  DEFAULT_MTU,
  dnsDomain,
  isActiveBridge,
  isBroadcastEnabled,
  isPublic,
  networkName,
  type NetworkConfig,
} from '../protocol/netconf/network-config.js';
import { macForMember } from '../protocol/member-mac.js';
import { DecodeError } from '../util/errors.js';
import { ConfigAssembler, type ChunkOrigin } from './config-assembler.js';
import type { NodeContext } from './context.js';
import type { Sender } from './sender.js';
import type { NetworkPortOp, NetworkStatus, VirtualNetworkConfig } from './virtual-network.js';

/** With a config, a member asks again this long after the last one it installed (04 §1.4). */
export const NETWORK_AUTOCONF_DELAY_MS = 60_000;
/** The packet ID a node uses when it asks its own controller (1.14.1: all ones). */
export const LOCAL_REQUEST_PACKET_ID = 0xffffffffffffffffn;

export type NetconfFailure = 'none' | 'access_denied' | 'not_found' | 'authentication_required';

/** What a network needs from the node around it. */
export interface NetworkParts {
  ctx: NodeContext;
  sender: Sender;
  /** The request metadata this node sends (04 §3.1). */
  metadata: Uint8Array;
  /** Hands a request for one of our own networks to the local controller; false when there is none. */
  askLocalController(now: number, nwid: bigint, metadata: Uint8Array): boolean;
}

export function networkIdToString(nwid: bigint): string {
  return nwid.toString(16).padStart(16, '0');
}

export function controllerOf(nwid: bigint): Address {
  return Number(nwid >> 24n);
}

export class Network {
  readonly id: bigint;
  readonly controller: Address;
  private readonly parts: NetworkParts;
  private readonly assembler = new ConfigAssembler();
  private held: NetworkConfig | null = null;
  private failure: NetconfFailure = 'none';
  private authenticationUrl = '';
  private portInitialized = false;
  private portError = 0;
  private lastConfigUpdateMs = 0;
  private destroyed = false;

  /**
   * Joins (04 §1.4): a saved config is installed without being saved again and with the
   * refresh clock at 0 so a request follows at the next ping check; without one the
   * placeholder "\n" is saved. Then the port comes UP. Nothing is sent yet.
   */
  constructor(parts: NetworkParts, nwid: bigint, saved: Uint8Array | null) {
    this.parts = parts;
    this.id = nwid;
    this.controller = controllerOf(nwid);
    let restored: NetworkConfig | null = null;
    if (saved && saved.length > 1) {
      try {
        const c = decodeNetworkConfig(saved);
        if (c.networkId === nwid && c.issuedTo === parts.ctx.address) restored = c;
        else parts.ctx.report('malformed', undefined, `saved config of ${networkIdToString(nwid)} is not ours`);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        parts.ctx.report('malformed', undefined, `saved config of ${networkIdToString(nwid)}: ${e.message}`);
      }
    }
    if (restored) {
      this.held = restored;
    } else if (!saved) {
      parts.ctx.host.putState('network', networkIdToString(nwid), Uint8Array.of(0x0a));
    }
    this.portInitialized = true;
    this.notify('up');
  }

  get config(): NetworkConfig | null {
    return this.held;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  status(): NetworkStatus {
    if (this.portError !== 0) return 'PORT_ERROR';
    switch (this.failure) {
      case 'access_denied':
        return 'ACCESS_DENIED';
      case 'not_found':
        return 'NOT_FOUND';
      case 'authentication_required':
        return 'AUTHENTICATION_REQUIRED';
      default:
        return this.held ? 'OK' : 'REQUESTING_CONFIGURATION';
    }
  }

  /** The ping check's part (04 §1.4, §9): ask when there is no config or the last one is 60 s old. */
  periodic(now: number): void {
    if (this.destroyed) return;
    if (!this.held || now - this.lastConfigUpdateMs >= NETWORK_AUTOCONF_DELAY_MS) this.requestConfiguration(now);
  }

  /** NETWORK_CONFIG_REQUEST to the controller (04 §3.1), or straight to our own controller. */
  requestConfiguration(now: number): void {
    if (this.destroyed) return;
    const { ctx, metadata } = this.parts;
    if (this.controller === ctx.address) {
      if (!this.parts.askLocalController(now, this.id, metadata)) this.setFailure('not_found');
      return;
    }
    const payload = encodeNetworkConfigRequest({
      networkId: this.id,
      metadata,
      current: { revision: this.held?.revision ?? 0n, timestamp: BigInt.asUintN(64, this.held?.timestampMs ?? 0n) },
    });
    this.parts.sender.sendToAddress(now, this.controller, Verb.NETWORK_CONFIG_REQUEST, payload);
  }

  /**
   * One chunk from NETWORK_CONFIG or OK(NETWORK_CONFIG_REQUEST) (04 §3.3). Returns the update
   * ID when it completed a config that parsed (the caller acknowledges pushes with it), else 0.
   */
  handleConfigChunk(now: number, chunk: NETWORK_CONFIG, source: Address, packetId: bigint): bigint {
    if (this.destroyed) return 0n;
    const ctx = this.parts.ctx;
    const origin: ChunkOrigin = {
      source,
      controller: this.controller,
      controllerIdentity: ctx.topology.peers.get(this.controller)?.identity,
      packetId,
    };
    const result = this.assembler.accept(chunk, origin);
    if (result.kind === 'rejected') {
      ctx.report(result.reason === 'bad_signature' ? 'bad_signature' : 'invalid_config', undefined, `config chunk for ${networkIdToString(this.id)} from ${source.toString(16)}: ${result.reason}`);
      return 0n;
    }
    if (result.kind !== 'complete') return 0n;
    let config: NetworkConfig;
    try {
      config = decodeNetworkConfig(result.dictionary);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      ctx.report('invalid_config', undefined, `config for ${networkIdToString(this.id)}: ${e.message}`);
      return 0n;
    }
    this.setConfiguration(now, config, true);
    return result.updateId;
  }

  /**
   * Installs a config (04 §3.5). Returns 0 when it is not for us, 1 when it equals the one
   * held (nothing happens, not even the refresh clock), 2 when it replaced it.
   */
  setConfiguration(now: number, config: NetworkConfig, isSaved: boolean): 0 | 1 | 2 {
    if (this.destroyed) return 0;
    const ctx = this.parts.ctx;
    if (config.issuedTo !== ctx.address || config.networkId !== this.id) return 0;
    if (this.held && isSameNetworkConfig(this.held, config)) return 1;
    this.held = config;
    this.lastConfigUpdateMs = now;
    this.failure = 'none';
    const op: NetworkPortOp = this.portInitialized ? 'config_update' : 'up';
    this.portInitialized = true;
    this.authenticationUrl = config.sso.authenticationUrl;
    this.notify(op);
    if (isSaved) ctx.host.putState('network', networkIdToString(this.id), encodeNetworkConfig(config));
    return 2;
  }

  setFailure(failure: Exclude<NetconfFailure, 'none'>, authenticationUrl?: string): void {
    if (this.destroyed) return;
    this.failure = failure;
    if (authenticationUrl !== undefined) this.authenticationUrl = authenticationUrl;
    const op: NetworkPortOp = this.portInitialized ? 'config_update' : 'up';
    this.portInitialized = true;
    this.notify(op);
  }

  /** The host's result of creating or updating the port (0 = fine): PORT_ERROR while non-zero. */
  setPortError(code: number): void {
    this.portError = code;
  }

  /** Leave (04 §1.4): later chunks are ignored, the port is destroyed and the saved config deleted. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.notify('destroy');
    this.parts.ctx.host.putState('network', networkIdToString(this.id), null);
  }

  /** Node shutdown: the port goes DOWN, the saved config stays. */
  shutdown(): void {
    if (!this.destroyed) this.notify('down');
  }

  /** What the host sees (ZT_VirtualNetworkConfig, 04 §1.5). */
  view(): VirtualNetworkConfig {
    const c = this.held;
    const self = this.parts.ctx.address;
    return {
      nwid: this.id,
      mac: macForMember(this.id, self),
      name: c ? networkName(c) : '',
      status: this.status(),
      type: c && isPublic(c) ? 'PUBLIC' : 'PRIVATE',
      mtu: c ? c.mtu : DEFAULT_MTU,
      isBridgeAllowed: c ? isActiveBridge(c, self) : false,
      isBroadcastEnabled: c ? isBroadcastEnabled(c) : false,
      portError: this.portError,
      netconfRevision: c ? Number(c.revision & 0xffffffffn) : 0,
      assignedAddresses: c ? c.staticIps.flatMap((a) => (a ? [{ family: a.family, ip: a.ip, bits: a.port }] : [])) : [],
      routes: c
        ? c.routes.flatMap((r) => (r.target ? [{ target: { family: r.target.family, ip: r.target.ip, bits: r.target.port }, via: r.via ? r.via.ip : null, flags: r.flags, metric: r.metric }] : []))
        : [],
      dns: c ? { domain: dnsDomain(c.dns), servers: c.dns.servers.flatMap((s) => (s ? [s.ip] : [])) } : null,
      multicastLimit: c ? c.multicastLimit : 0,
      authenticationUrl: this.authenticationUrl,
    };
  }

  private notify(op: NetworkPortOp): void {
    const host = this.parts.ctx.host;
    if (!host.networkChanged) return;
    const result = host.networkChanged(this.id, op, op === 'destroy' ? null : this.view());
    if (typeof result === 'number' && op !== 'destroy' && op !== 'down') this.portError = result;
  }
}
