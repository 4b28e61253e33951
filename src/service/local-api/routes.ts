// The route table of the local API (06 §5.3) after authentication: exact regex matches as
// in 1.14.1 (16 hex digits for a network, 10 for a peer, either case, no trailing slash), PUT
// wherever POST is, HEAD wherever GET is; anything else is a 404 with no body. Pure: every
// answer is computed from the LocalService port.
import { compactJson } from '../../util/json-text.js';
import { ApiError, ConfigError } from '../../util/errors.js';
import { parseJsonLossless } from '../../util/json-text.js';
import { addressToString } from '../../protocol/address.js';
import { peerToJson } from '../peer-json.js';
import { networkToJson } from './network-json.js';
import { healthToJson, statusToJson } from './status-json.js';
import { moonToJson, waitingMoonJson } from './moon-json.js';
import { asString, strtoull, type Json } from '../../controller/json-read.js';
import type { ApiResponse, LocalService, NetworkSettings } from './service-port.js';

export interface RouteRequest {
  method: string;
  /** Decoded path without the query. */
  path: string;
  body: string;
}

type Handler = (m: RegExpExecArray, req: RouteRequest, svc: LocalService, nowMs: number) => ApiResponse | Promise<ApiResponse>;

interface Route {
  methods: readonly string[];
  pattern: RegExp;
  handler: Handler;
}

const GET = ['GET', 'HEAD'] as const;
const POST = ['POST', 'PUT'] as const;
const DELETE = ['DELETE'] as const;
const SETTING_KEYS = ['allowManaged', 'allowGlobal', 'allowDefault', 'allowDNS'] as const;

/** 1.14.1 ignores a body that is not JSON or not an object, and any setting that is not a boolean. */
export function settingsFromBody(body: string): Partial<NetworkSettings> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return {}; // not JSON: a plain join, as in 1.14.1
  }
  const out: Partial<NetworkSettings> = {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return out;
  for (const k of SETTING_KEYS) {
    const v = (parsed as Record<string, unknown>)[k];
    if (typeof v === 'boolean') out[k] = v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nwidOf(m: RegExpExecArray): bigint {
  return BigInt('0x' + m[1]);
}

/** The seed of POST /moon/ID as 1.14.1 reads it: hexStrToU64(jsonString(seed, "0")); anything unreadable is 0. */
export function seedFromBody(body: string): bigint {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 0n; // 1.14.1 discards invalid JSON here
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 0n;
  return strtoull(asString((parsed as Record<string, Json>).seed, '0'), 16);
}

function moonGet(m: RegExpExecArray, svc: LocalService): ApiResponse {
  const id = BigInt('0x' + m[1]);
  const w = svc.moons().find((x) => x.id === id);
  return { status: 200, body: w ? moonToJson(w) : {} };
}

/** Held: its object. Not held, seed given: orbit and answer the placeholder. No seed: {}. */
function moonPost(m: RegExpExecArray, req: RouteRequest, svc: LocalService): ApiResponse {
  const id = BigInt('0x' + m[1]);
  const held = svc.moons().find((x) => x.id === id);
  if (held) return { status: 200, body: moonToJson(held) };
  const seed = seedFromBody(req.body);
  if (seed === 0n) return { status: 200, body: {} };
  // The node keeps the seed as an address: its low 40 bits, as 1.14.1's Address(seed).
  svc.orbit(id, Number(seed & 0xffffffffffn));
  return { status: 200, body: waitingMoonJson(id) };
}

/** 1.14.1 without bonding configured (06 §5.12): every bond route is refused before it looks at its arguments. */
const BOND_INACTIVE = "Bonding layer isn't active yet";

function errorBody(e: unknown): string {
  // 1.14.1's exception handler, spaces included: {"error": 500, "description": "…"}
  return `{"error": 500, "description": ${JSON.stringify(e instanceof Error ? e.message : String(e))}}`;
}

async function controllerRoute(m: RegExpExecArray, req: RouteRequest, svc: LocalService, nowMs: number): Promise<ApiResponse> {
  if (!svc.controller) return { status: 404 };
  let body: unknown;
  if (req.method === 'POST' || req.method === 'PUT') {
    try {
      body = JSON.parse(req.body);
    } catch (e) {
      return { status: 500, body: errorBody(e) }; // 05 §8.1: nothing is saved
    }
  }
  const method = req.method === 'PUT' ? 'POST' : req.method === 'HEAD' ? 'GET' : req.method;
  return svc.controller(method, req.path.slice(1).split('/'), body, nowMs);
}

const ROUTES: Route[] = [
  { methods: GET, pattern: /^\/status$/, handler: (_m, _r, svc) => ({ status: 200, body: statusToJson(svc.status()) }) },
  { methods: GET, pattern: /^\/health$/, handler: (_m, _r, svc) => ({ status: 200, body: healthToJson(svc.status()) }) },
  { methods: GET, pattern: /^\/network$/, handler: (_m, _r, svc) => ({ status: 200, body: svc.networks().map(networkToJson) }) },
  {
    methods: GET,
    pattern: /^\/network\/([0-9a-fA-F]{16})$/,
    handler: (m, _r, svc) => {
      const n = svc.network(nwidOf(m));
      return n ? { status: 200, body: networkToJson(n) } : { status: 404, body: null };
    },
  },
  { methods: POST, pattern: /^\/network\/([0-9a-fA-F]{16})$/, handler: (m, req, svc) => ({ status: 200, body: networkToJson(svc.join(nwidOf(m), settingsFromBody(req.body))) }) },
  { methods: DELETE, pattern: /^\/network\/([0-9a-fA-F]{16})$/, handler: (m, _r, svc) => ({ status: 200, body: svc.leave(nwidOf(m)) ? { result: true } : {} }) },
  { methods: GET, pattern: /^\/peer$/, handler: (_m, _r, svc) => ({ status: 200, body: svc.peers().map((p) => peerToJson(p, p.isTunneled)) }) },
  {
    methods: GET,
    pattern: /^\/peer\/([0-9a-fA-F]{10})$/,
    handler: (m, _r, svc) => {
      const want = m[1].toLowerCase();
      const p = svc.peers().find((x) => addressToString(x.address) === want);
      return { status: 200, body: p ? peerToJson(p, p.isTunneled) : {} };
    },
  },
  { methods: GET, pattern: /^\/moon$/, handler: (_m, _r, svc) => ({ status: 200, body: svc.moons().map(moonToJson) }) },
  { methods: GET, pattern: /^\/moon\/([0-9a-fA-F]{10})$/, handler: (m, _r, svc) => moonGet(m, svc) },
  { methods: POST, pattern: /^\/moon\/([0-9a-fA-F]{10})$/, handler: (m, req, svc) => moonPost(m, req, svc) },
  {
    methods: DELETE,
    pattern: /^\/moon\/([0-9a-fA-F]{10})$/,
    handler: (m, _r, svc) => {
      svc.deorbit(BigInt('0x' + m[1]));
      return { status: 200, body: { result: true } }; // whether or not it was held, as 1.14.1
    },
  },
  { methods: GET, pattern: /^\/metrics$/, handler: (_m, _r, svc) => ({ status: 200, body: svc.metrics(), contentType: 'text/plain' }) },
  // Bonding is not implemented: the answers of a 1.14.1 whose bonding layer is unused.
  { methods: GET, pattern: /^\/bond\/show\/([0-9a-fA-F]{10})$/, handler: () => ({ status: 400, body: null }) },
  { methods: POST, pattern: /^\/bond\/rotate\/([0-9a-fA-F]{10})$/, handler: () => ({ status: 400, body: {} }) },
  { methods: POST, pattern: /^\/bond\/setmtu\/([0-9]{1,6})\/([a-zA-Z0-9_]{1,16})\/([0-9a-fA-F.:]{1,39})$/, handler: () => ({ status: 400, body: BOND_INACTIVE }) },
  { methods: [...GET, ...POST, ...DELETE], pattern: /^(?:\/unstable)?\/controller(?:\/.*)?$/, handler: controllerRoute },
  // 06 §5.10: a body that is JSON but no object changes nothing; invalid JSON is the 500 below.
  { methods: GET, pattern: /^\/config$/, handler: (_m, _r, svc) => ({ status: 200, body: svc.localConfig?.() ?? {} }) },
  {
    methods: POST,
    pattern: /^\/config\/settings$/,
    handler: (_m, req, svc) => {
      const changes: unknown = parseJsonLossless(req.body);
      if (isPlainObject(changes) && svc.mergeConfigSettings) {
        try {
          svc.mergeConfigSettings(changes);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          return { status: 400, body: `{"error": 400, "description": ${JSON.stringify(e.message)}}` }; // the file is left as it was
        }
      }
      return { status: 200, body: {} };
    },
  },
];

/**
 * The answer to an authenticated request. A handler throwing ApiError answers its status
 * with no body (the controller's 400/404/503, 05 §8.1); anything else thrown is 1.14.1's 500.
 */
export async function routeRequest(req: RouteRequest, svc: LocalService, nowMs: number): Promise<ApiResponse> {
  for (const r of ROUTES) {
    const m = r.pattern.exec(req.path);
    if (!m) continue;
    if (!r.methods.includes(req.method)) continue; // another route may have this path with the method
    try {
      return await r.handler(m, req, svc, nowMs);
    } catch (e) {
      return e instanceof ApiError ? { status: e.status } : { status: 500, body: errorBody(e) };
    }
  }
  return { status: 404 };
}

/** The response body as sent (JSONP per 06 §5.1), or null for none. */
export function renderBody(res: ApiResponse, jsonp: string | null): { text: string; contentType: string } | null {
  if (res.body === undefined) return null;
  // Metrics text is sent as it is, JSONP or not (1.14.1's metricsGet sets its content directly).
  if (res.contentType !== undefined && typeof res.body === 'string') return { text: res.body, contentType: res.contentType };
  const json = res.body === null ? null : typeof res.body === 'string' ? res.body : compactJson(res.body);
  if (jsonp !== null) return { text: `${jsonp}(${json ?? 'null'});`, contentType: 'application/javascript' };
  return { text: json ?? '{}', contentType: 'application/json' };
}
