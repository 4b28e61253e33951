// The network controller a node runs for the networks whose IDs start with its address
// (spec 05 §1–§3; EmbeddedNetworkController of 1.14.1). It takes config requests from the
// node, admits or refuses the member, builds and signs its config, and answers through
// ControllerReplies. Record changes (API posts, its own saves) push fresh configs to online
// members and revoke deauthorized or deleted ones. Time and randomness are injected; the
// only asynchrony is the store's.
import type { Address } from '../protocol/address.js';
import type { Identity } from '../protocol/identity.js';
import { inetAddressToString, type InetAddress } from '../protocol/inet-address.js';
import type { NetworkConfig } from '../protocol/netconf/network-config.js';
import { decodeRequestMetadata } from '../protocol/netconf/request-metadata.js';
import { CredentialType } from '../protocol/credentials/credential.js';
import { REVOCATION_FLAG_FAST_PROPAGATE, signRevocation, type Revocation } from '../protocol/credentials/revocation.js';
import { Dictionary } from '../protocol/dictionary.js';
import type { ConfigRequest, ControllerErrorCode, NetworkControllerPort } from '../node/controller-link.js';
import { admitMember } from './admission.js';
import { buildNetworkConfig } from './config-builder.js';
import type { ControllerDb, ControllerListener } from './controller-db.js';
import { asBool, asHex, asInt } from './json-read.js';
import type { MemberRecord } from './member-record.js';
import type { NetworkRecord } from './network-record.js';

/** Requests from one member for one network closer together than this are dropped (05 §1.3). */
export const REQUEST_MIN_INTERVAL_MS = 1000;
/** A member is online while its last accepted request is younger than this (05 §1.3). */
export const MEMBER_ONLINE_MS = 120_000;

/** Where answers go: the node's ControllerLink, with the time filled in by the caller. */
export interface ControllerReplies {
  sendConfig(nwid: bigint, requestPacketId: bigint, dest: Address, config: NetworkConfig): void;
  sendError(nwid: bigint, requestPacketId: bigint, dest: Address, code: ControllerErrorCode, authInfo?: Uint8Array): void;
  sendRevocation(dest: Address, revocation: Revocation): void;
}

export interface EmbeddedControllerOptions {
  db: ControllerDb;
  /** The node's identity with its secret key: the controller signs with it. */
  identity: Identity;
  replies: ControllerReplies;
  now(): number;
  random(n: number): Uint8Array;
  /** Told about a request that failed inside (no answer is sent, as 1.14.1 does). */
  onError?(e: unknown): void;
}

interface Seen {
  lastRequestMs: number;
  identity: Identity;
  metadata: Uint8Array;
  /** Where its last direct request came from (kept when a later one is relayed). */
  physicalAddress: InetAddress | null;
  /** Served as authorized since it was last seen: pushes may go to it (05 §2.9). */
  isRemembered: boolean;
}

export interface MemberSighting {
  nwid: string;
  address: string;
  lastRequestMs: number;
  /** "major.minor.revision" from the request's metadata, or null when it carried none. */
  version: string | null;
  /** "ip/port", or null when every request came relayed. */
  physicalAddress: string | null;
}

interface Pending {
  nwid: bigint;
  requestPacketId: bigint;
  identity: Identity;
  metadata: Uint8Array;
}

function hex16(nwid: bigint): string {
  return nwid.toString(16).padStart(16, '0');
}

function hex10(a: Address): string {
  return a.toString(16).padStart(10, '0');
}

export class EmbeddedController implements NetworkControllerPort, ControllerListener {
  private readonly opts: EmbeddedControllerOptions;
  private readonly seen = new Map<string, Seen>();
  /** SSO authorizations that end at a known time: revoked when it passes (05 §2.4). */
  private readonly expiries = new Map<string, { nwid: bigint; member: Address; expiryMs: number }>();
  /** Requests answered so far, by outcome (for metrics). */
  readonly counts = { requests: 0, ok: 0, denied: 0, notFound: 0, rateLimited: 0, pushes: 0, revocations: 0 };
  /** Requests waiting for their turn, and the one being handled (0 or 1: they run one at a time). */
  readonly load = { queued: 0, active: 0 };
  /** SSO expiry passes run, and members revoked because their authorization expired (05 §2.4). */
  readonly sso = { checks: 0, timeouts: 0 };

  constructor(opts: EmbeddedControllerOptions) {
    this.opts = opts;
    opts.db.addListener(this);
  }

  get address(): Address {
    return this.opts.identity.address;
  }

  /** NetworkControllerPort: a request from the node (a peer's packet, or the node itself). */
  request(req: ConfigRequest): void {
    if (Number(req.nwid >> 24n) !== this.address) return;
    const key = `${hex16(req.nwid)}/${hex10(req.identity.address)}`;
    const seen = this.seen.get(key);
    if (seen && req.nowMs - seen.lastRequestMs <= REQUEST_MIN_INTERVAL_MS) {
      this.counts.rateLimited++;
      return;
    }
    this.seen.set(key, { lastRequestMs: req.nowMs, identity: req.identity, metadata: req.metadata, physicalAddress: req.physicalAddress ?? seen?.physicalAddress ?? null, isRemembered: seen?.isRemembered ?? false });
    this.counts.requests++;
    this.enqueue({ nwid: req.nwid, requestPacketId: req.requestPacketId, identity: req.identity, metadata: req.metadata });
  }

  /**
   * What the controller knows of each member that asked since it started (1.14.1 keeps the same
   * in memory: the last request's time, metadata and physical address, never in the record).
   */
  sightings(): MemberSighting[] {
    const out: MemberSighting[] = [];
    for (const [key, s] of this.seen) {
      const md = decodeRequestMetadata(s.metadata);
      out.push({
        nwid: key.slice(0, 16),
        address: hex10(s.identity.address),
        lastRequestMs: s.lastRequestMs,
        version: md.major > 0 || md.minor > 0 || md.revision > 0 ? `${md.major}.${md.minor}.${md.revision}` : null,
        physicalAddress: s.physicalAddress ? inetAddressToString(s.physicalAddress) : null,
      });
    }
    return out;
  }

  /** Is a member online (a genuine request within the last 120 s)? */
  isOnline(nwid: bigint, member: Address): boolean {
    const s = this.seen.get(`${hex16(nwid)}/${hex10(member)}`);
    return s !== undefined && this.opts.now() - s.lastRequestMs < MEMBER_ONLINE_MS;
  }

  /** Members of a network that are online, by address. */
  onlineMembers(nwid: bigint): Address[] {
    const prefix = hex16(nwid) + '/';
    const now = this.opts.now();
    const out: Address[] = [];
    for (const [k, s] of this.seen) if (k.startsWith(prefix) && now - s.lastRequestMs < MEMBER_ONLINE_MS) out.push(s.identity.address);
    return out;
  }

  /**
   * Revokes members whose SSO authorization has expired (05 §2.4: 1.14.1 checks every 0.5 s).
   * The service calls this periodically; without SSO networks it does nothing.
   */
  expireAuthorizations(nowMs: number): void {
    this.sso.checks++;
    for (const [key, e] of this.expiries) {
      if (e.expiryMs > nowMs) continue;
      this.expiries.delete(key);
      this.sso.timeouts++;
      this.revoke(e.nwid, e.member);
    }
  }

  // ---- ControllerListener: record changes become pushes and revocations (05 §2.9, §3.1)

  onMemberChanged(nwid: string, memberId: string, before: MemberRecord | null, after: MemberRecord | null): void {
    const id = BigInt('0x' + nwid);
    const address = Number(asHex(memberId, 0n) & 0xffffffffffn);
    if (before && asBool(before.authorized, false) && (!after || !asBool(after.authorized, false))) this.revoke(id, address);
    if (after) this.push(id, address);
  }

  onNetworkChanged(nwid: string, _before: NetworkRecord | null, after: NetworkRecord | null, removedMembers: MemberRecord[]): void {
    const id = BigInt('0x' + nwid);
    if (after) {
      for (const a of this.onlineMembers(id)) this.push(id, a);
      return;
    }
    for (const m of removedMembers) this.revoke(id, Number(asHex(m.id, 0n) & 0xffffffffffn));
  }

  private push(nwid: bigint, member: Address): void {
    const s = this.seen.get(`${hex16(nwid)}/${hex10(member)}`);
    if (!s || !s.isRemembered || !this.isOnline(nwid, member)) return;
    this.counts.pushes++;
    this.enqueue({ nwid, requestPacketId: 0n, identity: s.identity, metadata: s.metadata });
  }

  /** A COM revocation for `target`, sent to every online member of the network, the target included (05 §3.2). */
  private revoke(nwid: bigint, target: Address): void {
    const b = this.opts.random(4);
    const unsigned: Revocation = {
      id: ((b[0] << 24) >>> 0) + ((b[1] << 16) | (b[2] << 8) | b[3]),
      networkId: nwid,
      credentialId: 0,
      threshold: BigInt(Math.floor(this.opts.now())),
      flags: REVOCATION_FLAG_FAST_PROPAGATE,
      target,
      signedBy: 0,
      credentialType: CredentialType.COM,
      signature: null,
    };
    const rev = signRevocation(unsigned, this.opts.identity);
    this.counts.revocations++;
    for (const dest of this.onlineMembers(nwid)) this.opts.replies.sendRevocation(dest, rev);
  }

  private enqueue(p: Pending): void {
    this.load.queued++;
    this.opts.db
      .run(async () => {
        this.load.queued--;
        this.load.active++;
        try {
          await this.handle(p);
        } finally {
          this.load.active--;
        }
      })
      .catch((e: unknown) => this.opts.onError?.(e));
  }

  /** 05 §2.1 for one request or push. */
  private async handle(p: Pending): Promise<void> {
    const { db, replies } = this.opts;
    const nowMs = this.opts.now();
    const isGenuine = p.requestPacketId !== 0n;
    const nwidHex = hex16(p.nwid);
    const address = p.identity.address;
    const network = await db.store.getNetwork(nwidHex);
    const member = network ? await db.store.getMember(nwidHex, hex10(address)) : null;
    const allocated: ReadonlySet<string> = network ? await db.allocated(nwidHex) : new Set<string>();
    const md = decodeRequestMetadata(p.metadata);
    const r = admitMember(
      network,
      member,
      {
        nwid: p.nwid,
        identity: p.identity,
        isGenuine,
        versions: { major: md.major, minor: md.minor, rev: md.revision, proto: md.protocolVersion },
        rulesEngineRev: md.rulesEngineRevision,
        authCredential: md.authToken ?? null,
      },
      { nowMs, allocated, random: this.opts.random },
    );
    const refuse = (code: ControllerErrorCode, authInfo?: Uint8Array): void => {
      if (isGenuine) replies.sendError(p.nwid, p.requestPacketId, address, code, authInfo);
    };
    switch (r.decision) {
      case 'not-found':
        this.counts.notFound++;
        refuse('object_not_found');
        return;
      case 'identity-collision':
        this.counts.denied++;
        refuse('access_denied');
        return;
      case 'access-denied':
        this.counts.denied++;
        await db.saveMember(nwidHex, r.member);
        refuse('access_denied');
        return;
      case 'authentication-required': {
        this.counts.denied++;
        await db.saveMember(nwidHex, r.member);
        const info = new Dictionary();
        info.setU64('aV', 0n);
        info.set('aU', '');
        refuse('authentication_required', info.encode());
        return;
      }
      case 'ok':
        break;
    }
    if (isGenuine) {
      const s = this.seen.get(`${nwidHex}/${hex10(address)}`);
      if (s) s.isRemembered = true;
    }
    if (asBool(network!.ssoEnabled, false) && !asBool(r.member.ssoExempt, false)) {
      this.expiries.set(`${nwidHex}/${hex10(address)}`, { nwid: p.nwid, member: address, expiryMs: asInt(r.member.authenticationExpiryTime, 0) });
    }
    // Only the active bridges of all the members matter to the config (config-builder.ts).
    const members = await db.activeBridgeMembers(nwidHex);
    const config = buildNetworkConfig({ nwid: p.nwid, network: network!, admitted: r, requester: p.identity, signer: this.opts.identity, members, nowMs });
    await db.saveMember(nwidHex, r.member);
    this.counts.ok++;
    replies.sendConfig(p.nwid, p.requestPacketId, address, config);
  }
}
