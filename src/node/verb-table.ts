// Dispatch of authenticated packets by verb. VL1 registers its handlers here; the network,
// switch, multicaster and controller parts register theirs the same way instead of
// growing a switch statement.
import type { NodeContext } from './context.js';
import type { Path } from './path.js';
import type { Peer } from './peer.js';
import type { Prober } from './prober.js';
import type { Sender } from './sender.js';
import type { Networks } from './networks.js';

/** What a handler may use: the shared state, the send path and the path prober. */
export interface VerbContext {
  readonly node: NodeContext;
  readonly sender: Sender;
  readonly prober: Prober;
  /** Joined networks and the local controller link (VL2). */
  readonly networks: Networks;
}

/** An authenticated, decompressed packet addressed to us. Its buffers are the handler's only during the call. */
export interface InboundPacket {
  now: number;
  peer: Peer;
  path: Path;
  hops: number;
  verb: number;
  /** The whole plaintext packet (header included: replies need its packet ID). */
  packet: Uint8Array;
  /** The payload after the verb byte. */
  payload: Uint8Array;
  /** True when the receiver hands the packet over again after the handler asked to retry it. */
  isRetry?: boolean;
}

/**
 * Handles one verb. Returning 'not_counted' leaves the packet out of the peer's bookkeeping
 * (an OK nobody asked for must not refresh a path); 'retry' keeps it to be handed over again
 * every 500 ms for 5 s (1.14.1 keeps a packet its handler could not finish, e.g. a frame
 * whose sender's credentials are on their way); anything else counts it as traffic.
 */
export type VerbHandler = (v: VerbContext, rx: InboundPacket) => void | 'not_counted' | 'retry';

/** Handles an expected OK by the verb it answers; `body` follows the OK's in-re fields. */
export type OkHandler = (v: VerbContext, rx: InboundPacket, body: Uint8Array) => void;

export class VerbTable {
  private readonly handlers = new Map<number, VerbHandler>();
  private readonly okHandlers = new Map<number, OkHandler>();

  /** Registers the handler of a verb; a verb has one owner, so a second registration is a bug. */
  register(verb: number, handler: VerbHandler): void {
    if (this.handlers.has(verb)) throw new Error(`verb ${verb} already has a handler`);
    this.handlers.set(verb, handler);
  }

  get(verb: number): VerbHandler | undefined {
    return this.handlers.get(verb);
  }

  /** Registers what to do with an OK answering `inReVerb` (OK(HELLO), OK(WHOIS), later OK(NETWORK_CONFIG_REQUEST), …). */
  registerOk(inReVerb: number, handler: OkHandler): void {
    if (this.okHandlers.has(inReVerb)) throw new Error(`OK(${inReVerb}) already has a handler`);
    this.okHandlers.set(inReVerb, handler);
  }

  getOk(inReVerb: number): OkHandler | undefined {
    return this.okHandlers.get(inReVerb);
  }
}
