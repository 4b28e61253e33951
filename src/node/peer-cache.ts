// The peer cache object (03 §3.4), stored by the service as peers.d/<address>.peer:
//
//   1   format version (2)
//   71  identity, public
//   2×4 remote protocol version, major, minor, revision (u16 each)
//   2   number of paths n
//   var n × InetAddress: the remote addresses of the peer's paths
import { DecodeError } from '../util/errors.js';
import { Identity } from '../protocol/identity.js';
import { readInetAddress, writeInetAddress, type InetAddress } from '../protocol/inet-address.js';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';
import { PEER_CACHE_FORMAT_VERSION } from './constants.js';
import type { RemoteVersion } from './peer.js';

export interface CachedPeer {
  identity: Identity;
  version: RemoteVersion;
  addresses: InetAddress[];
}

export function encodeCachedPeer(p: CachedPeer): Uint8Array {
  const w = new Writer(128);
  w.u8(PEER_CACHE_FORMAT_VERSION);
  p.identity.encode(w, false);
  w.u16(p.version.protocol).u16(p.version.major).u16(p.version.minor).u16(p.version.revision);
  w.u16(p.addresses.length);
  for (const a of p.addresses) writeInetAddress(w, a);
  return w.finish();
}

export function decodeCachedPeer(bytes: Uint8Array): CachedPeer {
  const r = new Reader(bytes);
  const v = r.u8('peer.formatVersion');
  if (v !== PEER_CACHE_FORMAT_VERSION) throw new DecodeError('peer.formatVersion', 0, 'unsupported_version');
  const identity = Identity.decode(r, 'peer.identity');
  const version = { protocol: r.u16('peer.protocol'), major: r.u16('peer.major'), minor: r.u16('peer.minor'), revision: r.u16('peer.revision') };
  const n = r.u16('peer.pathCount');
  const addresses: InetAddress[] = [];
  for (let i = 0; i < n; i++) {
    const a = readInetAddress(r, `peer.paths[${i}]`);
    if (a) addresses.push(a);
  }
  return { identity: identity.toPublic(), version, addresses };
}

type CacheablePeer = { address: number; identity: Identity; version: RemoteVersion; paths: ReadonlyArray<{ path: { address: InetAddress } }> };

function toCached(peer: CacheablePeer): CachedPeer {
  return { identity: peer.identity, version: { ...peer.version }, addresses: peer.paths.map((e) => e.path.address) };
}

/**
 * Peers evicted from memory or saved at shutdown (03 §3.4). The node restores one when a
 * packet names it again; every change leaves through the host's state store.
 */
export class PeerCache {
  private readonly byAddress = new Map<number, CachedPeer>();
  private readonly putState: (address: number, data: Uint8Array) => void;

  constructor(putState: (address: number, data: Uint8Array) => void) {
    this.putState = putState;
  }

  get size(): number {
    return this.byAddress.size;
  }

  /** Loads a saved record (throws DecodeError on a broken one); our own address is ignored. */
  load(bytes: Uint8Array, selfAddress: number): void {
    const c = decodeCachedPeer(bytes);
    if (c.identity.address !== selfAddress) this.byAddress.set(c.identity.address, c);
  }

  /** Removes and returns the record for `address`, if any. */
  take(address: number): CachedPeer | undefined {
    const c = this.byAddress.get(address);
    if (c) this.byAddress.delete(address);
    return c;
  }

  forget(address: number): void {
    this.byAddress.delete(address);
  }

  /** An idle peer leaves memory (03 §3.4): its record is written and kept for a later restore. */
  evict(peer: CacheablePeer): void {
    const cached = toCached(peer);
    this.byAddress.set(peer.address, cached);
    this.putState(peer.address, encodeCachedPeer(cached));
  }

  /** At shutdown: every peer but the upstreams is written (03 §3.4); the node stops anyway. */
  saveAll(peers: Iterable<CacheablePeer>, isUpstream: (address: number) => boolean): void {
    for (const p of peers) if (!isUpstream(p.address)) this.putState(p.address, encodeCachedPeer(toCached(p)));
  }
}
