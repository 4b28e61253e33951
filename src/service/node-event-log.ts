// Node events → log lines and counters. What a user debugging a connection needs is at
// debug (paths learned and lost, WHOIS, rendezvous, drops with reasons), limited per kind
// and peer; state changes are at info; bugs (internal_error) at warn. Never a secret: events
// carry addresses and reasons, not keys.
import type winston from 'winston';
import { addressToString } from '../protocol/address.js';
import { inetAddressToString } from '../protocol/inet-address.js';
import type { NodeEvent } from '../node/host.js';
import { RateLimiter } from './rate-limit.js';

const DEBUG_LINE_INTERVAL_MS = 10_000;

export class NodeEventLog {
  private readonly log: winston.Logger;
  private readonly now: () => number;
  private readonly limiter = new RateLimiter(DEBUG_LINE_INTERVAL_MS);
  /** Events seen by type (drops by reason are counted by the node itself). */
  readonly counts = new Map<string, number>();

  constructor(log: winston.Logger, now: () => number) {
    this.log = log.child({ component: 'node' });
    this.now = now;
  }

  handle(e: NodeEvent): void {
    const type = e.type === 'trace' ? `trace:${e.kind}` : e.type;
    this.counts.set(type, (this.counts.get(type) ?? 0) + 1);
    const log = this.log;
    switch (e.type) {
      case 'online':
        log.info(e.isOnline ? 'online' : 'offline');
        return;
      case 'peer_direct':
        log.info('peer direct', { peer: addressToString(e.address), path: inetAddressToString(e.path) });
        return;
      case 'world_updated':
        log.info('world updated', { kind: e.kind, id: e.id.toString(16).padStart(16, '0'), revision: Number(e.timestamp) });
        return;
      case 'identity_collision':
        log.error('identity collision reported by a root: this address is taken');
        return;
      case 'user_message':
        log.info('user message', { from: addressToString(e.source), typeId: e.typeId.toString(), bytes: e.data.length });
        return;
      case 'drop': {
        const from = e.from ? inetAddressToString(e.from) : undefined;
        if (e.reason === 'internal_error') {
          if (this.limiter.allow(`internal|${from ?? ''}`, this.now())) log.warn('internal error', { from, detail: e.detail });
          return;
        }
        if (!log.isLevelEnabled('debug') || !this.limiter.allow(`drop|${e.reason}|${from ?? ''}`, this.now())) return;
        log.debug('dropped', { reason: e.reason, from, detail: e.detail });
        return;
      }
      case 'trace': {
        const peer = e.peer !== undefined ? addressToString(e.peer) : undefined;
        if (!log.isLevelEnabled('debug') || !this.limiter.allow(`trace|${e.kind}|${peer ?? ''}`, this.now())) return;
        log.debug(e.kind.replace(/_/g, ' '), { peer, path: e.path ? inetAddressToString(e.path) : undefined, detail: e.detail });
        return;
      }
    }
  }
}
