// The embedded controller as the daemon runs it (05 §1.1): records in <home>/controller.d,
// the /controller API routes for the local HTTP server, and requests from the node for the
// networks whose IDs start with the node's address. Answers go back into the node through
// the engine, so the timer follows any packet they queue.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type winston from 'winston';
import { StateError } from '../util/errors.js';
import { secureRandomBytes } from '../crypto/random.js';
import type { Identity } from '../protocol/identity.js';
import type { NetworkControllerPort } from '../node/controller-link.js';
import { createController, type ControllerParts } from '../controller/controller.js';
import { FileStore } from '../controller/file-store.js';
import { ControllerMetrics } from '../controller/controller-metrics.js';
import { CountingStore } from '../controller/counting-store.js';
import type { ControllerDb } from '../controller/controller-db.js';
import type { MemberSighting } from '../controller/embedded-controller.js';
import type { ControllerStore } from '../controller/store.js';
import type { ControllerMetricsInput } from './metrics/node-metrics.js';
import type { Engine } from './engine.js';
import type { ApiResponse, ControllerHandler } from './local-api/service-port.js';

export const CONTROLLER_DB_DIR = 'controller.d';

export class ControllerHost {
  private readonly parts: ControllerParts;
  private readonly metrics: ControllerMetrics;
  private readonly store: CountingStore;

  private constructor(parts: ControllerParts, metrics: ControllerMetrics, store: CountingStore) {
    this.parts = parts;
    this.metrics = metrics;
    this.store = store;
  }

  /**
   * Loads controller.d (junk files are reported, not fatal) and builds the controller for
   * `identity`; with `records` (the operator's Kubernetes store) the records live there instead.
   */
  static async open(dir: string, identity: Identity, engine: Engine, log: winston.Logger, records?: ControllerStore): Promise<ControllerHost> {
    // zerotier-one refuses to start over the SQLite database of controllers before 1.1.14 (06 §1.3).
    const legacy = join(dirname(dir), 'controller.db');
    if (!records && existsSync(legacy)) throw new StateError(`${legacy}: an old controller database; migrate it to controller.d (zerotier-one's controller.d layout) or move it away`);
    const store = new CountingStore(records ?? (await FileStore.open(dir, { report: (what: string) => log.warn('controller database', { problem: what }) })));
    const parts = createController({
      store,
      identity,
      now: () => engine.now(),
      random: secureRandomBytes,
      replies: {
        sendConfig: (nwid, id, dest, config) => engine.act((node, now) => node.controllerLink.sendConfig(now, nwid, id, dest, config)),
        sendError: (nwid, id, dest, code, info) => engine.act((node, now) => node.controllerLink.sendError(now, nwid, id, dest, code, info)),
        sendRevocation: (dest, rev) => engine.act((node, now) => node.controllerLink.sendRevocation(now, dest, rev)),
      },
      onError: (e) => log.error('controller request failed', { error: (e as Error).message }),
    });
    const metrics = new ControllerMetrics();
    const networks = await store.listNetworks();
    const members = (await Promise.all(networks.map((n) => store.listMembers(n)))).flat();
    metrics.loaded(networks.length, members);
    parts.db.addListener(metrics);
    return new ControllerHost(parts, metrics, store);
  }

  /** Periodic work: SSO authorizations that expired are revoked (every 0.5 s, as 1.14.1). */
  tick(nowMs: number): void {
    this.parts.handler.expireAuthorizations(nowMs);
  }

  /** For /metrics (05 §8.10): records held, changes, requests by outcome, load, SSO expiries, store calls. */
  metricsSnapshot(): ControllerMetricsInput {
    const h = this.parts.handler;
    return { records: this.metrics.snapshot(), requests: { ...h.counts }, load: { ...h.load }, sso: { ...h.sso }, store: { ...this.store.counts } };
  }

  /** The members that asked for a config since start: last request, version, physical address. */
  memberSightings(): MemberSighting[] {
    return this.parts.handler.sightings();
  }

  /** The records layer, for a store that others write too (the operator tells it of kubectl's changes). */
  get db(): ControllerDb {
    return this.parts.db;
  }

  /** What the node hands its config requests to (Engine.start attaches it before the node's first pass). */
  get port(): NetworkControllerPort {
    return this.parts.handler;
  }

  /** The /controller routes for the local API. */
  readonly api: ControllerHandler = async (method, pathSegments, body, nowMs): Promise<ApiResponse> => {
    const m = method === 'HEAD' ? 'GET' : method;
    if (m !== 'GET' && m !== 'POST' && m !== 'PUT' && m !== 'DELETE') return { status: 404 };
    const r = await this.parts.api.handle(m, pathSegments, body, nowMs);
    return r.text !== undefined ? { status: r.status, body: r.text } : r.body !== undefined ? { status: r.status, body: r.body } : { status: r.status };
  };
}

