// authtoken.secret (06 §1.3, §2.2): the local API's token, and metricstoken.secret (06 §5.2),
// which opens /metrics only; both made and read the same way. Made on first start as 1.14.1
// makes it — 24 characters, each a secure random byte mod 36 over [a-z0-9], no newline —
// but created 0600 from the start (1.14.1 chmods after writing). An existing file is never
// replaced; it is chmod'ed 0600 and read with surrounding space, tab, CR, LF and NUL trimmed.
// The token is a secret: it is never logged.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, fileError, StateError } from '../util/errors.js';

export const AUTHTOKEN_FILE = 'authtoken.secret';
export const METRICSTOKEN_FILE = 'metricstoken.secret';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const TOKEN_CHARS = 24;

/** A new token from `random` bytes (the modulo bias is 1.14.1's, kept for the same format). */
export function makeAuthToken(random: (n: number) => Uint8Array): string {
  return Array.from(random(TOKEN_CHARS), (b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** 1.14.1's _trimString: space, tab, CR, LF and NUL at either end. */
export function trimToken(text: string): string {
  return text.replace(/^[ \t\r\n\0]+|[ \t\r\n\0]+$/g, '');
}

/** Reads the home's API token, creating the file on first start. Throws FileError / StateError. */
export function loadOrCreateAuthToken(home: string, random: (n: number) => Uint8Array): string {
  return loadOrCreateToken(join(home, AUTHTOKEN_FILE), random, 'the API token');
}

/** Reads the home's metrics token, creating the file on first start, as 1.14.1 does. */
export function loadOrCreateMetricsToken(home: string, random: (n: number) => Uint8Array): string {
  return loadOrCreateToken(join(home, METRICSTOKEN_FILE), random, 'the metrics token');
}

function loadOrCreateToken(path: string, random: (n: number) => Uint8Array, what: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
    chmodSync(path, 0o600);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw fileError(e, path, `reading ${what}`);
    const token = makeAuthToken(random);
    try {
      writeFileSync(path, token, { mode: 0o600, flag: 'wx' }); // wx: never over a file made meanwhile
      chmodSync(path, 0o600); // whatever the umask left
    } catch (e2) {
      throw fileError(e2, path, `creating ${what}`);
    }
    return token;
  }
  const token = trimToken(text);
  // 1.14.1 would accept an empty token, and with it an empty X-ZT1-Auth header: refuse instead.
  if (token.length === 0) throw new StateError(`${path}: empty; remove it to have a new token made, or put one in it`);
  return token;
}
