// The /controller API of 1.14.1 (spec 05 §8) as plain JSON in and out, without HTTP: the
// service's HTTP server splits the path into segments, passes the method, the body (text,
// or an already parsed value) and the time, and writes back `status` and `body` (compact
// sorted JSON via dumpJson, or `text` verbatim; no body at all when both are absent —
// 1.14.1's own 400/404/503 answers are empty). JSONP and authentication are the server's.
import { ApiError, StateError } from '../util/errors.js';
import { addressToString } from '../protocol/address.js';
import { asBool, asInt, asString, type Json, type JsonObject } from './json-read.js';
import { applyMemberPost } from './member-record.js';
import { applyNetworkPost, networkIdHex, type NetworkPostOptions } from './network-record.js';
import { parseJsonBody } from './json-body.js';
import type { ControllerDb } from './controller-db.js';

export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiResponse {
  status: number;
  /** The JSON body; absent for the empty answers. */
  body?: Json;
  /** A body to send exactly as given (GET /controller's tab-indented text). */
  text?: string;
}

export interface ControllerApiOptions extends NetworkPostOptions {
  db: ControllerDb;
  /** The controller's 40-bit address: the prefix of the networks it creates. */
  controllerAddress: number;
  /** n secure random bytes (network IDs). */
  random: (n: number) => Uint8Array;
}

/** ZT_NETCONF_CONTROLLER_API_VERSION. */
export const CONTROLLER_API_VERSION = 4;
/** How many random network IDs 1.14.1 tries before answering 503. */
export const MAX_NETWORK_ID_TRIES = 100000;

const NWID = /^[0-9a-fA-F]{16}$/;
const ADDR = /^[0-9a-fA-F]{10}$/;
const CREATE = /^([0-9a-fA-F]{10})______$/;
const NOT_FOUND: ApiResponse = { status: 404 };

export class ControllerApi {
  private readonly opts: ControllerApiOptions;

  constructor(opts: ControllerApiOptions) {
    this.opts = opts;
  }

  /** One request; every answer, errors included, is a response (nothing throws for bad input). */
  handle(method: ApiMethod, path: readonly string[], body: unknown, nowMs: number): Promise<ApiResponse> {
    return this.opts.db.run(async () => {
      try {
        return await this.route(method === 'PUT' ? 'POST' : method, path, body, nowMs);
      } catch (e) {
        if (e instanceof ApiError) return e.status === 500 ? serverError(e.message) : { status: e.status };
        // A store that could not write (StateError): the service answers any exception this way.
        if (e instanceof StateError) return serverError(e.message);
        throw e;
      }
    });
  }

  private async route(method: ApiMethod, p: readonly string[], body: unknown, nowMs: number): Promise<ApiResponse> {
    const store = this.opts.db.store;
    const get = method === 'GET';
    if (p[0] === 'unstable') {
      if (!get || p[1] !== 'controller' || p[2] !== 'network') return NOT_FOUND;
      if (p.length === 3) return this.unstableNetworks();
      if (p.length === 5 && NWID.test(p[3]) && p[4] === 'member') return this.unstableMembers(key16(p[3]));
      return NOT_FOUND;
    }
    if (p[0] !== 'controller' || p.length < 1) return NOT_FOUND;
    if (p.length === 1) return get ? this.status(nowMs) : NOT_FOUND;
    if (p[1] !== 'network') return NOT_FOUND;
    if (p.length === 2) {
      if (get) return { status: 200, body: await store.listNetworks() };
      return method === 'POST' ? this.createNetwork(body, nowMs) : NOT_FOUND;
    }
    const create = CREATE.exec(p[2]);
    if (p.length === 3 && create) {
      if (method !== 'POST') return NOT_FOUND;
      // The address must be typed exactly as 1.14.1 prints its own: lower case.
      if (create[1] !== addressToString(this.opts.controllerAddress)) return { status: 400 };
      return this.createNetwork(body, nowMs);
    }
    if (!NWID.test(p[2])) return NOT_FOUND;
    const nwid = key16(p[2]);
    if (p.length === 3) {
      if (get) return found(await store.getNetwork(nwid));
      if (method === 'POST') return this.postNetwork(BigInt('0x' + nwid), body, nowMs);
      return found(await this.opts.db.eraseNetwork(nwid));
    }
    if (p[3] !== 'member') return NOT_FOUND;
    if (p.length === 4) return get ? this.memberList(nwid) : NOT_FOUND;
    if (p.length !== 5 || !ADDR.test(p[4])) return NOT_FOUND;
    const id = p[4].toLowerCase();
    if (get) return (await store.getNetwork(nwid)) ? found(await store.getMember(nwid, id)) : NOT_FOUND;
    if (method === 'POST') return this.postMember(nwid, id, body, nowMs);
    if (!(await store.getNetwork(nwid))) return NOT_FOUND;
    const old = await store.getMember(nwid, id);
    if (!old || Object.keys(old).length === 0) return NOT_FOUND;
    return found(await this.opts.db.eraseMember(nwid, id));
  }

  private status(nowMs: number): ApiResponse {
    const body = { controller: true, apiVersion: CONTROLLER_API_VERSION, clock: nowMs, databaseReady: true };
    const text = `{\n\t"controller": true,\n\t"apiVersion": ${CONTROLLER_API_VERSION},\n\t"clock": ${nowMs},\n\t"databaseReady": true\n}\n`;
    return { status: 200, body, text };
  }

  /** A fresh ID under our prefix (§6.4), then the POST merge on it. */
  private async createNetwork(body: unknown, nowMs: number): Promise<ApiResponse> {
    const prefix = BigInt(this.opts.controllerAddress) << 24n;
    for (let k = 0; k < MAX_NETWORK_ID_TRIES; k++) {
      const r = this.opts.random(8);
      // getSecureRandom fills a uint64 in host (little-endian) order; the low 24 bits are used.
      let local = BigInt(r[0] | (r[1] << 8) | (r[2] << 16));
      if (local === 0n) local = 1n;
      const nwid = prefix | local;
      if (!(await this.opts.db.store.getNetwork(networkIdHex(nwid)))) return this.postNetwork(nwid, body, nowMs);
    }
    return { status: 503 };
  }

  private async postNetwork(nwid: bigint, body: unknown, nowMs: number): Promise<ApiResponse> {
    const b = parseJsonBody(body);
    const stored = await this.opts.db.store.getNetwork(networkIdHex(nwid));
    const merged = applyNetworkPost(stored, nwid, b, nowMs, this.opts);
    const { record } = await this.opts.db.saveNetwork(merged);
    return { status: 200, body: record };
  }

  private async postMember(nwid: string, id: string, body: unknown, nowMs: number): Promise<ApiResponse> {
    const store = this.opts.db.store;
    // The network is checked before the body is even read (§8.6).
    if (!(await store.getNetwork(nwid))) return NOT_FOUND;
    const stored = await store.getMember(nwid, id);
    const merged = applyMemberPost(stored, BigInt('0x' + nwid), parseInt(id, 16), parseJsonBody(body), nowMs);
    const { record } = await this.opts.db.saveMember(nwid, merged);
    return { status: 200, body: record };
  }

  private async memberList(nwid: string): Promise<ApiResponse> {
    const store = this.opts.db.store;
    if (!(await store.getNetwork(nwid))) return NOT_FOUND;
    const out: JsonObject = {};
    for (const m of await store.listMembers(nwid)) {
      const id = asString(m.id, '');
      // 1.14.1 reads the revision into an int.
      if (id.length === 10) out[id] = asInt(m.revision, 0) | 0;
    }
    return { status: 200, body: out };
  }

  private async unstableNetworks(): Promise<ApiResponse> {
    const store = this.opts.db.store;
    const data: Json[] = [];
    for (const nwid of await store.listNetworks()) {
      const n = await store.getNetwork(nwid);
      if (!n) continue;
      const members = await store.listMembers(nwid);
      const authorized = members.filter((m) => asBool(m.authorized, false)).length;
      data.push({ ...n, meta: { authorizedMemberCount: authorized, totalMemberCount: members.length } });
    }
    return { status: 200, body: { data, meta: { networkCount: data.length } } };
  }

  private async unstableMembers(nwid: string): Promise<ApiResponse> {
    const store = this.opts.db.store;
    if (!(await store.getNetwork(nwid))) return NOT_FOUND;
    const members = await store.listMembers(nwid);
    const authorized = members.filter((m) => asBool(m.authorized, false)).length;
    return { status: 200, body: { data: members, meta: { authorizedCount: authorized, totalCount: members.length } } };
  }
}

function key16(s: string): string {
  return s.toLowerCase();
}

function found(rec: Json | null): ApiResponse {
  return rec === null ? NOT_FOUND : { status: 200, body: rec };
}

/**
 * The service's answer to an exception in a handler (§8.1): 500 and the message printed
 * into a fixed format — unescaped and cut to 1023 bytes, as OneService's snprintf does.
 */
function serverError(description: string): ApiResponse {
  return { status: 500, body: { error: 500, description }, text: `{"error": 500, "description": "${description}"}`.slice(0, 1023) };
}
