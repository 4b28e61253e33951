// `peers` and `listpeers`: the daemon's peers from GET /peer, in the formats of
// `zerotier-cli peers` and `listpeers` (06 §6.2).
import { prettyJson } from '../util/json-text.js';
import type { PeerJson } from '../service/peer-json.js';
import type { ApiRun } from './api-command.js';
import { readingOutcome } from './api-reply.js';
import { formatListPeers, formatPeers } from './peers-format.js';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown, dfl: number): number => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : dfl);
const str = (v: unknown): string => (typeof v === 'string' ? v : '-');

/** The API's peers with every field the formats read, defaults where a field is missing or mistyped ("-", 0, -1). */
function asPeers(j: unknown): PeerJson[] {
  if (!Array.isArray(j)) return [];
  return j.filter(isObject).map((p) => ({
    address: str(p.address),
    isBonded: p.isBonded === true,
    latency: num(p.latency, 0),
    paths: (Array.isArray(p.paths) ? p.paths.filter(isObject) : []).map((x) => ({
      active: x.active === true,
      address: str(x.address),
      expired: x.expired === true,
      lastReceive: num(x.lastReceive, 0),
      lastSend: num(x.lastSend, 0),
      localPort: num(x.localPort, 0),
      localSocket: num(x.localSocket, 0),
      preferred: x.preferred === true,
      trustedPathId: num(x.trustedPathId, 0),
    })),
    role: str(p.role),
    tunneled: p.tunneled === true,
    version: str(p.version),
    versionMajor: num(p.versionMajor, -1),
    versionMinor: num(p.versionMinor, -1),
    versionRev: num(p.versionRev, -1),
  }));
}

export function peersRun(isList: boolean): ApiRun {
  const command = isList ? 'listpeers' : 'peers';
  return async (ctx) =>
    readingOutcome(command, await ctx.call('GET', '/peer'), ctx.unreachable, (j) => {
      if (ctx.isJson) return prettyJson(j) + '\n';
      const peers = asPeers(j);
      return isList ? formatListPeers(peers, ctx.io.nowMs()) : formatPeers(peers, ctx.io.nowMs());
    });
}
