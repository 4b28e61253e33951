// The first daemon (issue #3): a node with its identity and planet from the home
// directory, UDP on the primary and a secondary port, one timer at the node's deadline, and
// a status file that `ztkube peers` reads. The full service (local API, networks, TAPs)
// grows here in later issues.
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type winston from 'winston';
import { Node } from '../node/node.js';
import type { NodeEvent, NodeHost } from '../node/host.js';
import { saveAllPeers } from '../node/background.js';
import { secureRandomFill } from '../crypto/random.js';
import { addressToString } from '../protocol/address.js';
import { inetAddressToString, type InetAddress } from '../protocol/inet-address.js';
import { StateError } from '../util/errors.js';
import { UdpBinder } from '../net/udp-binder.js';
import { chooseSecondaryPort } from '../net/ports.js';
import { HomeDir, writeFileAtomic } from './home.js';
import { peerToJson, type PeerJson } from './peer-json.js';

export const STATUS_FILE = 'ztkube.status.json';

/**
 * ZTKUBE_SAFETY=test (set by the test suite) makes the daemon refuse to start without a
 * planet of our own and refuse to send anywhere but loopback, 10.0.0.0/8 and fd00::/8, so a
 * test can never reach the public ZeroTier roots or any other host.
 */
export function isTestSafetyOn(): boolean {
  return process.env.ZTKUBE_SAFETY === 'test';
}

function isTestDestination(to: InetAddress): boolean {
  if (to.family === 4) return to.ip[0] === 127 || to.ip[0] === 10;
  const isLoopback = to.ip.every((b, i) => (i === 15 ? b === 1 : b === 0));
  return isLoopback || to.ip[0] === 0xfd;
}
const STATUS_WRITE_INTERVAL_MS = 1_000;
const BINDER_REFRESH_MS = 30_000;
const DROP_LOG_INTERVAL_MS = 10_000;
const PEER_CACHE_MAX_AGE_MS = 30 * 24 * 3600 * 1000;
const PEER_CACHE_SWEEP_MS = 3600 * 1000;

export interface DaemonOptions {
  home: string;
  port: number;
  /** A number, 'random' (1.14.1's default: allowSecondaryPort) or 'none'. */
  secondaryPort: number | 'random' | 'none';
  bind?: string[];
  /** Addresses kept in contact like network anchors (03 §6.1). */
  contact?: number[];
  log: winston.Logger;
}

export interface StatusFile {
  address: string;
  online: boolean;
  clock: number;
  planetWorldId: string | null;
  listeningOn: string[];
  peers: PeerJson[];
  drops: Record<string, number>;
}

export class Daemon {
  private readonly opts: DaemonOptions;
  private readonly home: HomeDir;
  private node!: Node;
  private binder!: UdpBinder;
  private timer: NodeJS.Timeout | null = null;
  private timerDeadline = Infinity;
  private statusTimer: NodeJS.Timeout | null = null;
  private binderTimer: NodeJS.Timeout | null = null;
  private lastNow = 0;
  private readonly lastDropLog = new Map<string, number>();
  private isStopped = false;
  private host!: NodeHost;
  private cacheTimer: NodeJS.Timeout | null = null;

  constructor(opts: DaemonOptions) {
    this.opts = opts;
    this.home = new HomeDir(opts.home);
  }

  /** Never passes a smaller time than before (STYLE §1). */
  private now(): number {
    this.lastNow = Math.max(this.lastNow, Date.now());
    return this.lastNow;
  }

  async start(): Promise<void> {
    const log = this.opts.log;
    this.home.ensure();
    const identity = this.home.loadOrCreateIdentity(() => log.info('generating identity', { home: this.opts.home }));
    const saved = this.home.loadSaved();
    if (!saved.planet) {
      if (isTestSafetyOn()) throw new StateError(`${this.home.path('planet')}: missing, and ZTKUBE_SAFETY=test forbids the public planet`);
      log.warn('no planet file: using the public ZeroTier planet', { home: this.opts.home });
    }
    const ports = [this.opts.port];
    const sp = this.opts.secondaryPort;
    if (typeof sp === 'number') ports.push(sp);
    else if (sp === 'random') {
      const p = await chooseSecondaryPort(ports);
      if (p) ports.push(p);
    }
    this.binder = new UdpBinder({
      ports,
      bind: this.opts.bind,
      onDatagram: (socket, from, data) => {
        const want = this.node.onDatagram(this.now(), socket, from, data);
        if (want < this.timerDeadline) this.arm(want);
      },
      onError: (e, where) => log.error('udp error', { where, error: e.message }),
      isDestinationAllowed: isTestSafetyOn() ? isTestDestination : undefined,
    });
    const host: NodeHost = (this.host = {
      send: (socket, to, data, ttl) => this.binder.send(socket, to, data, ttl),
      putState: (kind, id, data) => {
        try {
          this.home.putState(kind, id, data);
        } catch (e) {
          log.error('state write failed', { kind, id, error: (e as Error).message });
        }
      },
      event: (e) => this.onEvent(e),
      random: secureRandomFill,
      localAddresses: () => this.binder.bound().map((b) => b.local),
    });
    this.node = new Node(host, identity, saved, this.now());
    for (const a of this.opts.contact ?? []) this.node.addAlwaysContact(a);
    await this.binder.refresh();
    log.info('started', {
      address: addressToString(identity.address),
      listeningOn: this.binder.bound().map((b) => inetAddressToString(b.local)),
    });
    this.schedule();
    this.statusTimer = setInterval(() => this.writeStatus(), STATUS_WRITE_INTERVAL_MS);
    this.binderTimer = setInterval(() => {
      this.binder.refresh().catch((e: Error) => log.error('binder refresh failed', { error: e.message }));
    }, BINDER_REFRESH_MS);
    this.expirePeerCache();
    this.cacheTimer = setInterval(() => this.expirePeerCache(), PEER_CACHE_SWEEP_MS);
    this.writeStatus();
  }

  /** Runs the node's background work and keeps the single timer at its deadline (STYLE §1). */
  private schedule(): void {
    if (this.isStopped) return;
    this.arm(this.node.tick(this.now()));
  }

  private arm(deadline: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerDeadline = deadline;
    this.timer = setTimeout(() => this.schedule(), Math.max(0, deadline - this.now()));
  }

  private onEvent(e: NodeEvent): void {
    const log = this.opts.log;
    switch (e.type) {
      case 'online':
        log.info(e.isOnline ? 'online' : 'offline');
        break;
      case 'peer_direct':
        log.info('peer direct', { peer: addressToString(e.address), path: inetAddressToString(e.path) });
        break;
      case 'world_updated':
        log.info('world updated', { kind: e.kind, id: e.id.toString(16).padStart(16, '0'), revision: Number(e.timestamp) });
        break;
      case 'identity_collision':
        log.error('identity collision reported by a root: this address is taken; making a new identity');
        // Outside the node's call stack: the node is replaced, as 1.14.1's service restarts (03 §3.3).
        setImmediate(() => this.replaceIdentity());
        break;
      case 'drop': {
        if (!log.isLevelEnabled('debug') && e.reason !== 'internal_error') break;
        const key = `${e.reason}|${e.from ? inetAddressToString(e.from) : ''}`;
        const now = this.now();
        if (now - (this.lastDropLog.get(key) ?? 0) < DROP_LOG_INTERVAL_MS) break;
        this.lastDropLog.set(key, now);
        if (e.reason === 'internal_error') log.warn('internal error', { detail: e.detail });
        else log.debug('dropped', { reason: e.reason, from: e.from ? inetAddressToString(e.from) : undefined, detail: e.detail });
        break;
      }
      case 'user_message':
        log.info('user message', { from: addressToString(e.source), typeId: e.typeId.toString(), bytes: e.data.length });
        break;
      default:
        break;
    }
  }

  /**
   * 03 §3.3 / 06: keep the old secret as identity.secret.saved_after_collision, make a new
   * identity and start a new node with it (peers.d is kept; peers re-learn us by HELLO).
   */
  private replaceIdentity(): void {
    if (this.isStopped) return;
    const secret = this.home.path('identity.secret');
    renameSync(secret, `${secret}.saved_after_collision`);
    rmSync(this.home.path('identity.public'), { force: true });
    const identity = this.home.loadOrCreateIdentity();
    this.node = new Node(this.host, identity, this.home.loadSaved(), this.now());
    for (const a of this.opts.contact ?? []) this.node.addAlwaysContact(a);
    this.opts.log.info('new identity', { address: addressToString(identity.address) });
    this.schedule();
  }

  /** Cached peers not refreshed for 30 days are forgotten (06 §11.2). */
  private expirePeerCache(): void {
    const dir = this.home.path('peers.d');
    if (!existsSync(dir)) return;
    const cutoff = Date.now() - PEER_CACHE_MAX_AGE_MS;
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      try {
        if (statSync(p).mtimeMs < cutoff) rmSync(p, { force: true });
      } catch (e) {
        this.opts.log.warn('peer cache cleanup failed', { file: p, error: (e as Error).message });
      }
    }
  }

  status(): StatusFile {
    const now = this.now();
    return {
      address: addressToString(this.node.address),
      online: this.node.isOnline,
      clock: now,
      planetWorldId: this.node.topology.planet ? this.node.topology.planet.id.toString(16).padStart(16, '0') : null,
      listeningOn: this.binder.bound().map((b) => inetAddressToString(b.local)),
      peers: this.node.peerInfo(now).map((p) => peerToJson(p)),
      drops: Object.fromEntries(this.node.drops),
    };
  }

  private writeStatus(): void {
    try {
      writeFileAtomic(this.home.path(STATUS_FILE), JSON.stringify(this.status()) + '\n');
    } catch (e) {
      this.opts.log.error('status write failed', { error: (e as Error).message });
    }
  }

  stop(): void {
    if (this.isStopped) return;
    this.isStopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.binderTimer) clearInterval(this.binderTimer);
    if (this.cacheTimer) clearInterval(this.cacheTimer);
    saveAllPeers(this.node);
    this.binder.close();
    const statusPath = this.home.path(STATUS_FILE);
    if (existsSync(statusPath)) rmSync(statusPath, { force: true });
    this.opts.log.info('stopped');
  }
}
