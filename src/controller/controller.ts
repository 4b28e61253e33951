// One controller: the database layer over a store, the /controller API (with 1.14.1's rule
// normalization) and the request handler, sharing the same records and listeners.
import type { Identity } from '../protocol/identity.js';
import { ControllerApi } from './api.js';
import { ControllerDb } from './controller-db.js';
import { EmbeddedController, type ControllerReplies } from './embedded-controller.js';
import { ruleNormalizerFrom } from './rule-shape.js';
import { ruleFromJson, ruleToJson } from './rules-json.js';
import type { ControllerStore } from './store.js';
import type { JsonObject } from './json-read.js';

export interface ControllerParts {
  db: ControllerDb;
  api: ControllerApi;
  handler: EmbeddedController;
}

export interface ControllerOptions {
  store: ControllerStore;
  /** The node's identity with its secret: networks are `<address>xxxxxx`, credentials are signed with it. */
  identity: Identity;
  replies: ControllerReplies;
  now(): number;
  random(n: number): Uint8Array;
  onError?(e: unknown): void;
}

export function createController(opts: ControllerOptions): ControllerParts {
  const db = new ControllerDb(opts.store);
  const api = new ControllerApi({
    db,
    controllerAddress: opts.identity.address,
    random: opts.random,
    normalizeRule: ruleNormalizerFrom(ruleFromJson, (r) => ruleToJson(r) as JsonObject),
  });
  const handler = new EmbeddedController({ db, identity: opts.identity, replies: opts.replies, now: opts.now, random: opts.random, onError: opts.onError });
  return { db, api, handler };
}
