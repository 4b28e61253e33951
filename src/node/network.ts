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
import { Verb as V } from '../protocol/constants.js';
import type { Identity } from '../protocol/identity.js';
import { decodeCapability } from '../protocol/credentials/capability.js';
import { decodeTag } from '../protocol/credentials/tag.js';
import { decodeCertificateOfOwnership } from '../protocol/credentials/certificate-of-ownership.js';
import type { Revocation } from '../protocol/credentials/revocation.js';
import { NETCONF_FLAG_ENABLE_IPV6_NDP_EMULATION } from '../protocol/netconf/network-config.js';
import { rfc4193Ip, sixPlaneIp } from '../protocol/zt-ipv6.js';
import { bytesEqual } from '../util/bytes.js';
import { NetworkMemberships, type GateDecision } from './network-memberships.js';
import { buildCredentialPushPayloads, buildRevocationPushPayload, type OwnCredentials } from './credential-push.js';
import type { MembershipContext } from './membership.js';
import { networkRules } from './network-rules.js';
import { BridgeRoutes } from './bridge-routes.js';
import type { NetworkRules } from './rules-engine.js';
import { ConfigAssembler, type ChunkOrigin } from './config-assembler.js';
import type { NodeContext } from './context.js';
import type { Sender } from './sender.js';
import type { NetworkPortOp, NetworkStatus, VirtualNetworkConfig } from './virtual-network.js';
import { MulticastSubscriptions } from './multicast-subscriptions.js';
import type { CertificateOfMembership } from '../protocol/credentials/membership-certificate.js';
import type { AddCredentialResult } from './membership.js';

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

/** Credentials the config's length scan passed but the decoder refuses are left out (never pushed). */
function decodeAll<T>(list: Uint8Array[], decode: (b: Uint8Array) => T): T[] {
  const out: T[] = [];
  for (const b of list) {
    try {
      out.push(decode(b));
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
  }
  return out;
}

export class Network {
  readonly id: bigint;
  readonly controller: Address;
  /** The network ID as 8 big-endian bytes, for frame headers. */
  readonly idBytes: Uint8Array;
  private readonly parts: NetworkParts;
  private readonly assembler = new ConfigAssembler();
  /** What we know of every peer's credentials on this network (04 §5.7). */
  readonly memberships: NetworkMemberships;
  /** Our multicast groups and their announcement (04 §8.1, §8.3). */
  readonly multicast: MulticastSubscriptions;
  /**
   * Learned bridge routes: MAC behind a remote active bridge → that bridge (04 §7.4). Filled
   * from MULTICAST_FRAMEs here; the frame switch fills it from EXT_FRAMEs and reads it.
   */
  /** MACs learned behind active bridges (04 §7.4). */
  readonly bridgeRoutes = new BridgeRoutes();
  private held: NetworkConfig | null = null;
  /** Our own credentials from the held config, decoded once, for pushes. */
  private own: OwnCredentials | null = null;
  private membershipCtx: MembershipContext | null = null;
  /** The rules engine's view of the held config (null without one: nothing passes). */
  private filterRules: NetworkRules | null = null;
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
    this.idBytes = new Uint8Array(8);
    new DataView(this.idBytes.buffer).setBigUint64(0, nwid);
    this.memberships = new NetworkMemberships(nwid);
    this.multicast = new MulticastSubscriptions({
      ctx: parts.ctx,
      sender: parts.sender,
      networkId: nwid,
      controller: this.controller,
      config: () => this.held,
      memberships: this.memberships,
      membershipContext: () => this.membershipCtx,
    });
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
      this.hold(restored);
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
    this.multicast.sendUpdates(now);
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
    if (config.issuedTo !== ctx.address || config.networkId !== this.id) {
      // setConfiguration ignores it (04 §3.5 step 1); a push that parsed is still acknowledged (§3.3).
      ctx.report('invalid_config', undefined, `config for ${networkIdToString(this.id)} from ${source.toString(16)}: issued to ${config.issuedTo.toString(16)} for ${networkIdToString(config.networkId)}`);
      return result.updateId;
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
    this.hold(config);
    this.lastConfigUpdateMs = now;
    this.failure = 'none';
    const op: NetworkPortOp = this.portInitialized ? 'config_update' : 'up';
    this.portInitialized = true;
    this.authenticationUrl = config.sso.authenticationUrl;
    this.notify(op);
    if (isSaved) ctx.host.putState('network', networkIdToString(this.id), encodeNetworkConfig(config));
    return 2;
  }

  /** The rules and our credentials for filtering frames; null without a config. */
  rules(): NetworkRules | null {
    return this.filterRules;
  }

  /** The config's parts the membership decisions read; null without a config. */
  membershipContext(): MembershipContext | null {
    return this.membershipCtx;
  }

  /**
   * Network::gate: may this peer's frames and multicast subscriptions in (04 §5.7)? When it
   * may and our LIKEs to it are due (60 s), they go out now (step 4).
   */
  gate(peer: Identity, now: number): GateDecision {
    const d = this.memberships.gate(this.membershipCtx, peer, now);
    if (d.shouldAnnounceMulticast && !this.destroyed) this.multicast.announceTo(now, peer.address, this.multicast.all());
    return d;
  }

  /**
   * Network::addCredential for a COM carried inline (MULTICAST_GATHER, MULTICAST_FRAME,
   * OK(MULTICAST_FRAME), EXT_FRAME; 04 §5.8): stored under its issued-to address before the
   * gate is evaluated. A COM whose signer is unknown starts a WHOIS and is deferred.
   */
  addInlineCom(now: number, com: CertificateOfMembership): AddCredentialResult {
    const mctx = this.membershipCtx;
    if (!mctx || com.qualifiers.length === 0) return 'rejected';
    const { ctx, sender } = this.parts;
    const lookup = (a: Address): Identity | undefined => {
      if (a === ctx.address) return ctx.identity;
      const id = ctx.topology.peers.get(a)?.identity;
      if (!id) sender.requestWhois(now, a);
      return id;
    };
    // The COM is a view into a received packet: keep a copy.
    const copy: CertificateOfMembership = { qualifiers: com.qualifiers.map((q) => ({ ...q })), signedBy: com.signedBy, signature: com.signature ? com.signature.slice() : null };
    return this.memberships.addCom(mctx, copy, lookup);
  }

  /** Network::learnBridgeRoute: `mac` is behind the active bridge `bridge` (04 §7.4). */
  learnBridgeRoute(mac: number, bridge: Address): void {
    this.bridgeRoutes.learn(mac, bridge);
  }

  /** Pushes our credentials to a peer when due (04 §5.8): after a new config or every 500 s. */
  pushCredentialsIfNeeded(now: number, to: Address): void {
    if (!this.own || to === this.parts.ctx.address) return;
    const m = this.memberships.getOrCreate(to);
    if (!m.shouldPushCredentials(now, this.lastConfigUpdateMs)) return;
    this.pushCredentials(now, to);
  }

  /** ERROR(NEED_MEMBERSHIP_CERTIFICATE) from a peer: answer with our credentials, at most every second. */
  peerRequestedCredentials(now: number, to: Address): void {
    if (!this.own || !this.held?.com) return;
    const m = this.memberships.getOrCreate(to);
    if (!m.shouldAnswerCredentialRequest(now, this.lastConfigUpdateMs)) return;
    this.pushCredentials(now, to);
  }

  /**
   * A revocation from our own controller, applied without a packet (Node::ncSendRevocation
   * to ourselves); a new fast-propagate one is forwarded to the members we know.
   */
  applyLocalRevocation(now: number, rev: Revocation): void {
    const ctx = this.membershipCtx;
    if (!ctx || this.destroyed) return;
    const lookup = (a: Address): Identity | undefined => (a === this.parts.ctx.address ? this.parts.ctx.identity : this.parts.ctx.topology.peers.get(a)?.identity);
    const { propagateTo } = this.memberships.addRevocation(ctx, rev, this.parts.ctx.address, lookup);
    if (propagateTo.length === 0) return;
    const payload = buildRevocationPushPayload(rev);
    for (const to of propagateTo) if (to !== this.parts.ctx.address) this.parts.sender.sendToAddress(now, to, V.NETWORK_CREDENTIALS, payload);
  }

  private pushCredentials(now: number, to: Address): void {
    this.memberships.getOrCreate(to).recordCredentialsPushed(now);
    for (const payload of buildCredentialPushPayloads(this.own!)) this.parts.sender.sendToAddress(now, to, V.NETWORK_CREDENTIALS, payload);
  }

  private hold(config: NetworkConfig): void {
    this.held = config;
    const self = this.parts.ctx.address;
    this.own = {
      com: config.com,
      capabilities: decodeAll(config.capabilities, decodeCapability),
      tags: decodeAll(config.tags, decodeTag),
      coos: decodeAll(config.certificatesOfOwnership, decodeCertificateOfOwnership),
    };
    let ndpEmulation: MembershipContext['ndpEmulation'] = null;
    if ((config.flags & NETCONF_FLAG_ENABLE_IPV6_NDP_EMULATION) !== 0n) {
      const has = (ip: Uint8Array): boolean => config.staticIps.some((a) => a !== null && a.family === 6 && bytesEqual(a.ip, ip));
      const six = sixPlaneIp(this.id, self);
      const rfc = rfc4193Ip(this.id, self);
      ndpEmulation = { sixPlane: has(six) ? six : null, rfc4193: has(rfc) ? rfc : null };
    }
    this.filterRules = networkRules(config, self, this.own);
    this.membershipCtx = {
      networkId: this.id,
      isPublic: isPublic(config),
      timestamp: config.timestampMs,
      credentialTimeMaxDelta: config.credentialTimeMaxDeltaMs,
      com: config.com,
      ndpEmulation,
    };
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
      multicastSubscriptions: this.multicast.list(),
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
