// identity.secret and identity.public in the home (06 §1.3). A secret whose keys or address
// do not check out is refused rather than run as somebody else; a retired secret is kept.
import { chmodSync, existsSync, renameSync, rmSync } from 'node:fs';
import { Identity } from '../protocol/identity.js';
import { keysMatch, validateIdentity } from '../protocol/identity-crypto.js';
import { fileError, StateError } from '../util/errors.js';
import { readHomeFile, writeFileAtomic, type HomeDir } from './home.js';

const SECRET_MODE = 0o600;

/** The home's identity, or null when it has none yet (first start). */
export function readIdentity(home: HomeDir): Identity | null {
  const secretPath = home.path('identity.secret');
  if (!existsSync(secretPath)) return null;
  let id: Identity;
  try {
    id = Identity.fromString(readHomeFile(secretPath).toString('utf8').trim());
  } catch (e) {
    throw new StateError(`${secretPath}: not a valid identity (${(e as Error).message})`, { cause: e });
  }
  if (!id.privateKey) throw new StateError(`${secretPath}: holds no private key`);
  if (!keysMatch(id) || !validateIdentity(id)) throw new StateError(`${secretPath}: identity failed validation`);
  try {
    chmodSync(secretPath, SECRET_MODE);
  } catch (e) {
    throw fileError(e, secretPath, 'making it private (mode 0600)');
  }
  const pubPath = home.path('identity.public');
  if (!existsSync(pubPath) || readHomeFile(pubPath).toString('utf8') !== id.toString(false)) writeFileAtomic(pubPath, id.toString(false));
  return id;
}

/** Writes a new identity; refuses to replace an existing secret (retire it first). */
export function writeIdentity(home: HomeDir, id: Identity): void {
  const secretPath = home.path('identity.secret');
  if (existsSync(secretPath)) throw new StateError(`${secretPath}: exists already; refusing to overwrite an identity`);
  writeFileAtomic(secretPath, id.toString(true), SECRET_MODE);
  writeFileAtomic(home.path('identity.public'), id.toString(false));
}

/**
 * After an identity collision (03 §3.3): identity.secret becomes
 * identity.secret.saved_after_collision (as 1.14.1 names it; a numbered name when one
 * exists already, so no earlier secret is lost) and identity.public goes. Returns the new name.
 */
export function retireIdentity(home: HomeDir): string {
  const secretPath = home.path('identity.secret');
  let target = `${secretPath}.saved_after_collision`;
  for (let n = 1; existsSync(target); n++) target = `${secretPath}.saved_after_collision.${n}`;
  try {
    renameSync(secretPath, target);
    rmSync(home.path('identity.public'), { force: true });
  } catch (e) {
    throw fileError(e, secretPath, `keeping it as ${target}`);
  }
  return target;
}
