// Docker's plugin protocol over HTTP (07 §3.2–3.3): `POST /<Interface>.<Method>` with a JSON
// body, answered with JSON. Errors come back as HTTP 200 with one sentence in the field each
// interface reads — `Err` for the network driver, `Error` for IPAM (libnetwork's remote IPAM
// API names it so) — and dockerd shows it to the user. An unknown method is a 404, which
// dockerd takes as "not implemented". Calls run one at a time, in arrival order, so that
// every handler sees the state the previous one left.
import { ZtkubeError } from '../util/errors.js';
import type { IpamDriver } from './ipam-driver.js';
import type { NetworkDriver } from './network-driver.js';
import type { Body } from './request-fields.js';

export const PLUGIN_CONTENT_TYPE = 'application/vnd.docker.plugins.v1.2+json';

export interface PluginReply {
  status: number;
  body: Body;
}

type Handler = (body: unknown) => Body | Promise<Body>;

export interface PluginRouterOptions {
  network: NetworkDriver;
  ipam: IpamDriver;
  /** A handler failed with something that is not a PluginError: a bug, logged with its stack. */
  onBug(method: string, e: unknown): void;
  /** Every answered call: the sentence dockerd was given when it was refused. */
  onCall?(method: string, refusal: string | null): void;
}

export class PluginRouter {
  private readonly handlers = new Map<string, Handler>();
  private readonly onBug: (method: string, e: unknown) => void;
  private readonly onCall: (method: string, refusal: string | null) => void;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(o: PluginRouterOptions) {
    this.onBug = o.onBug;
    this.onCall = o.onCall ?? ((): void => undefined);
    const n = o.network;
    const i = o.ipam;
    const nothing = (): Body => ({});
    const table: Array<[string, Handler]> = [
      ['Plugin.Activate', () => ({ Implements: ['NetworkDriver', 'IpamDriver'] })],
      ['NetworkDriver.GetCapabilities', () => n.getCapabilities()],
      ['NetworkDriver.CreateNetwork', (b) => n.createNetwork(b)],
      ['NetworkDriver.DeleteNetwork', (b) => n.deleteNetwork(b)],
      ['NetworkDriver.CreateEndpoint', (b) => n.createEndpoint(b)],
      ['NetworkDriver.DeleteEndpoint', (b) => n.deleteEndpoint(b)],
      ['NetworkDriver.EndpointOperInfo', (b) => n.endpointOperInfo(b)],
      ['NetworkDriver.Join', (b) => n.join(b)],
      ['NetworkDriver.Leave', (b) => n.leave(b)],
      ['NetworkDriver.ProgramExternalConnectivity', nothing],
      ['NetworkDriver.RevokeExternalConnectivity', nothing],
      ['NetworkDriver.DiscoverNew', nothing],
      ['NetworkDriver.DiscoverDelete', nothing],
      ['IpamDriver.GetCapabilities', () => i.getCapabilities()],
      ['IpamDriver.GetDefaultAddressSpaces', () => i.getDefaultAddressSpaces()],
      ['IpamDriver.RequestPool', (b) => i.requestPool(b)],
      ['IpamDriver.ReleasePool', (b) => i.releasePool(b)],
      ['IpamDriver.RequestAddress', (b) => i.requestAddress(b)],
      ['IpamDriver.ReleaseAddress', (b) => i.releaseAddress(b)],
    ];
    for (const [k, h] of table) this.handlers.set(k, h);
  }

  /** One request: `path` as sent (`/NetworkDriver.Join`), `text` the raw body. */
  handle(path: string, text: string): Promise<PluginReply> {
    const run = this.queue.then(() => this.dispatch(path, text));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async dispatch(path: string, text: string): Promise<PluginReply> {
    const method = path.replace(/^\/+/, '');
    const h = this.handlers.get(method);
    if (!h) return { status: 404, body: { Err: `ztkube does not implement ${method}` } };
    const errField = method.startsWith('IpamDriver.') ? 'Error' : 'Err';
    let parsed: unknown = null;
    if (text.trim() !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        return { status: 200, body: { [errField]: `${method}: the request body is not JSON` } };
      }
    }
    let refusal: string;
    try {
      const body = await h(parsed);
      this.onCall(method, null);
      return { status: 200, body };
    } catch (e) {
      if (e instanceof ZtkubeError) {
        refusal = e.message;
      } else {
        this.onBug(method, e);
        refusal = `ztkube failed on ${method}: ${(e as Error).message ?? String(e)}`;
      }
    }
    this.onCall(method, refusal);
    return { status: 200, body: { [errField]: refusal } };
  }
}
