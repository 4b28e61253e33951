// The ztkube controller on a simulated node, with its answers going back through that node
// on virtual time, and the helpers the VL2 scenarios share: calling its /controller API and
// running virtual time while the controller's store operations settle.
import assert from 'node:assert/strict';
import { createController, type ControllerParts } from '../../src/controller/controller.js';
import type { ControllerStore } from '../../src/controller/store.js';
import type { Json, JsonObject } from '../../src/controller/json-read.js';
import { SeededRandom } from './seeded-random.js';
import type { ZtNet } from './zt-net.js';

export const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A controller on host `name` (default 'ctl'); its randomness is seeded, its errors fail the test. */
export function startSimController(zt: ZtNet, store: ControllerStore, seed: string, name = 'ctl'): ControllerParts {
  const node = zt.node(name);
  const rng = new SeededRandom(seed);
  const ctl = createController({
    store,
    identity: zt.id(name),
    now: () => zt.net.now,
    random: (n) => {
      const b = new Uint8Array(n);
      rng.fill(b);
      return b;
    },
    replies: {
      sendConfig: (nwid, id, dest, config) => node.controllerLink.sendConfig(zt.net.now, nwid, id, dest, config),
      sendError: (nwid, id, dest, code, info) => node.controllerLink.sendError(zt.net.now, nwid, id, dest, code, info),
      sendRevocation: (dest, rev) => node.controllerLink.sendRevocation(zt.net.now, dest, rev),
    },
    onError: (e) => {
      throw e;
    },
  });
  node.setNetworkController(ctl.handler);
  return ctl;
}

/** One /controller API call that must answer 200; the body comes back. */
export async function controllerApi(ctl: ControllerParts, zt: ZtNet, method: 'GET' | 'POST' | 'DELETE', path: string, body?: Json): Promise<JsonObject> {
  const r = await ctl.api.handle(method, path.split('/').filter(Boolean), body === undefined ? undefined : JSON.stringify(body), zt.net.now);
  assert.ok(r.status === 200, `${method} ${path}: ${r.status} ${JSON.stringify(r.body ?? r.text)}`);
  return r.body as JsonObject;
}

/** Runs virtual time in 50 ms steps, letting the store's promises settle between them. */
export async function runSettling(zt: ZtNet, ms: number, eachStep?: () => void): Promise<void> {
  for (let t = 0; t < ms; t += 50) {
    zt.net.runFor(Math.min(50, ms - t));
    eachStep?.();
    await settle();
  }
}
