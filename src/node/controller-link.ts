// The node's side of a network controller that runs in the same process (spec 05 §1.2;
// 1.14.1's NetworkController interface and Node::ncSend*). Requests for networks whose ID
// starts with our address reach the controller through NetworkControllerPort; the controller
// answers, possibly later (it may wait on its store), through ControllerLink, which signs and
// chunks configs, sends errors and revocations, and short-circuits answers to ourselves.
import type { Address } from '../protocol/address.js';
import type { Identity } from '../protocol/identity.js';
import type { InetAddress } from '../protocol/inet-address.js';
import { ErrorCode, Verb } from '../protocol/constants.js';
import { sign } from '../crypto/c25519.js';
import { encodeNetworkConfig } from '../protocol/netconf/config-dictionary.js';
import type { NetworkConfig } from '../protocol/netconf/network-config.js';
import { configChunkSigningInput, encodeNetworkConfig as encodeConfigChunk, CONFIG_CHUNK_SIGNATURE_BYTES } from '../protocol/verbs/network-config.js';
import { encodeError } from '../protocol/verbs/error.js';
import type { Revocation } from '../protocol/credentials/revocation.js';
import { buildRevocationPushPayload } from './credential-push.js';
import { Writer } from '../protocol/writer.js';
import type { NodeContext } from './context.js';
import type { Sender } from './sender.js';
import { LOCAL_REQUEST_PACKET_ID, type Network } from './network.js';

/** A chunk's dictionary bytes: what fits in a packet after the header and 256 bytes of framing (04 §3.2). */
export const CONFIG_CHUNK_MAX_BYTES = 10024 - (28 + 256);
/** A member the controller configured this recently may LIKE multicast groups without a COM (04 §11 trap 24). */
export const LOCAL_CONTROLLER_AUTH_WINDOW_MS = 180_000;

export interface ConfigRequest {
  nwid: bigint;
  /** The request's packet ID, to answer with OK; LOCAL_REQUEST_PACKET_ID when we asked ourselves. */
  requestPacketId: bigint;
  identity: Identity;
  metadata: Uint8Array;
  /** Where the request came from, when it arrived directly (hops 0). */
  physicalAddress: InetAddress | null;
  nowMs: number;
}

/** What the node calls; implemented by src/controller. Must not throw. */
export interface NetworkControllerPort {
  request(req: ConfigRequest): void;
}

export type ControllerErrorCode = 'object_not_found' | 'access_denied' | 'internal_server_error' | 'authentication_required';

export class ControllerLink {
  private readonly ctx: NodeContext;
  private readonly sender: Sender;
  private readonly network: (nwid: bigint) => Network | undefined;
  private readonly authorizedAt = new Map<string, number>();
  port: NetworkControllerPort | null = null;

  constructor(ctx: NodeContext, sender: Sender, network: (nwid: bigint) => Network | undefined) {
    this.ctx = ctx;
    this.sender = sender;
    this.network = network;
  }

  /** Hands a request to the controller; false when this node runs none. */
  request(req: ConfigRequest): boolean {
    if (!this.port) return false;
    this.port.request(req);
    return true;
  }

  /** Was `member` sent a config for `nwid` by our controller in the last 3 minutes? */
  isRecentlyAuthorized(nwid: bigint, member: Address, now: number): boolean {
    const at = this.authorizedAt.get(`${nwid}/${member}`);
    return at !== undefined && now - at < LOCAL_CONTROLLER_AUTH_WINDOW_MS;
  }

  /** Node::ncSendConfig: signed chunks as OK(NETWORK_CONFIG_REQUEST), or NETWORK_CONFIG pushes when unsolicited (requestPacketId 0). */
  sendConfig(now: number, nwid: bigint, requestPacketId: bigint, dest: Address, config: NetworkConfig): void {
    this.authorizedAt.set(`${nwid}/${dest}`, now);
    if (dest === this.ctx.address) {
      this.network(nwid)?.setConfiguration(now, config, true);
      return;
    }
    const dict = encodeNetworkConfig(config);
    const updateId = this.randomNonZeroU64();
    const identity = this.ctx.identity;
    for (let offset = 0; offset < dict.length; offset += CONFIG_CHUNK_MAX_BYTES) {
      const data = dict.subarray(offset, Math.min(dict.length, offset + CONFIG_CHUNK_MAX_BYTES));
      const signing = { flags: 0, updateId, totalLength: dict.length, chunkOffset: offset };
      const signature = sign(identity.privateKey!, identity.publicKey, configChunkSigningInput(nwid, data, signing));
      if (signature.length !== CONFIG_CHUNK_SIGNATURE_BYTES) throw new Error('unexpected signature size');
      const chunk = encodeConfigChunk({ networkId: nwid, data, signing: { ...signing, signature } });
      if (requestPacketId !== 0n) {
        const w = new Writer(9 + chunk.length);
        w.u8(Verb.NETWORK_CONFIG_REQUEST).u64(requestPacketId).bytes(chunk);
        this.sender.sendToAddress(now, dest, Verb.OK, w.finish());
      } else {
        this.sender.sendToAddress(now, dest, Verb.NETWORK_CONFIG, chunk);
      }
    }
  }

  /** Node::ncSendError: to ourselves it sets the status; to others only in answer to a request. */
  sendError(now: number, nwid: bigint, requestPacketId: bigint, dest: Address, code: ControllerErrorCode, authInfo?: Uint8Array): void {
    if (dest === this.ctx.address) {
      const n = this.network(nwid);
      if (code === 'access_denied') n?.setFailure('access_denied');
      else if (code === 'object_not_found' || code === 'internal_server_error') n?.setFailure('not_found');
      return;
    }
    if (requestPacketId === 0n || requestPacketId === LOCAL_REQUEST_PACKET_ID) return;
    const wireCode =
      code === 'access_denied' ? ErrorCode.NETWORK_ACCESS_DENIED : code === 'authentication_required' ? ErrorCode.NETWORK_AUTHENTICATION_REQUIRED : ErrorCode.OBJ_NOT_FOUND;
    const id = new Uint8Array(8);
    new DataView(id.buffer).setBigUint64(0, requestPacketId);
    const payload = encodeError({ inReVerb: Verb.NETWORK_CONFIG_REQUEST, inRePacketId: id, code: wireCode, networkId: nwid, authInfo });
    this.sender.sendToAddress(now, dest, Verb.ERROR, payload);
  }

  /** Node::ncSendRevocation: a NETWORK_CREDENTIALS carrying one revocation, or applied to our own network. */
  sendRevocation(now: number, dest: Address, revocation: Revocation): void {
    if (dest === this.ctx.address) {
      this.network(revocation.networkId)?.applyLocalRevocation(now, revocation);
      return;
    }
    this.sender.sendToAddress(now, dest, Verb.NETWORK_CREDENTIALS, buildRevocationPushPayload(revocation));
  }

  private randomNonZeroU64(): bigint {
    const b = this.ctx.randomBytes(8);
    let v = 0n;
    for (const x of b) v = (v << 8n) | BigInt(x);
    return v === 0n ? 1n : v;
  }
}
