// Reading dockerd's request bodies (07 §3.4–3.5): every field is checked for its type before
// use, and a wrong one is a sentence naming the method and the field.
import { badRequest } from './plugin-error.js';

/** A decoded JSON body: dockerd sends an empty body (or null) for methods without arguments. */
export type Body = Record<string, unknown>;

export function asBody(method: string, parsed: unknown): Body {
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest(`${method}: the request body must be a JSON object`);
  return parsed as Body;
}

export function requireString(method: string, body: Body, field: string): string {
  const v = body[field];
  if (typeof v !== 'string' || v === '') throw badRequest(`${method}: ${field} must be a non-empty string, got ${JSON.stringify(v ?? null)}`);
  return v;
}

/** A string field that may be absent, null or empty (returned as ''). */
export function optionalString(method: string, body: Body, field: string): string {
  const v = body[field];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw badRequest(`${method}: ${field} must be a string, got ${JSON.stringify(v)}`);
  return v;
}

export function optionalBoolean(method: string, body: Body, field: string): boolean {
  const v = body[field];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw badRequest(`${method}: ${field} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** An object field (Options, Interface); absent or null is {}. */
export function optionalObject(method: string, body: Body, field: string): Body {
  const v = body[field];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest(`${method}: ${field} must be a JSON object, got ${JSON.stringify(v)}`);
  return v as Body;
}

/** A map of strings (IPAM Options, the user's -o map); non-string values are refused. */
export function stringMap(method: string, where: string, v: unknown): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest(`${method}: ${where} must be a JSON object, got ${JSON.stringify(v)}`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Body)) {
    if (typeof x !== 'string') throw badRequest(`${method}: ${where}.${k} must be a string, got ${JSON.stringify(x)}`);
    out[k] = x;
  }
  return out;
}
