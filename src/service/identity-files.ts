// identity.secret and identity.public in the home (06 §1.3). A secret whose keys or address
// do not check out is refused rather than run as somebody else; a retired secret is kept.
import { chmodSync, existsSync, renameSync, rmSync } from 'node:fs';
import { Identity } from '../protocol/identity.js';
import { keysMatch, validateIdentity } from '../protocol/identity-crypto.js';
import { fileError, StateError } from '../util/errors.js';
import { IdentityError } from './startup-errors.js';
import { readHomeFile, writeFileAtomic, type HomeDir } from './home.js';

const SECRET_MODE = 0o600;

/** Reads a file of the identity; unreadable is an IdentityError naming it. */
function readIdentityFile(path: string): string {
  try {
    return readHomeFile(path).toString('utf8').trim();
  } catch (e) {
    throw new IdentityError((e as Error).message, { cause: e });
  }
}

/**
 * The home's identity, or null when it has none yet (first start). Throws IdentityError when
 * identity.secret cannot be read, does not parse or fails validation, and when identity.public
 * holds another identity, or exists without identity.secret: 1.14.1 would rewrite the first and
 * replace the second with a new identity, and either way the user's file would be lost.
 */
export function readIdentity(home: HomeDir): Identity | null {
  const secretPath = home.path('identity.secret');
  const pubPath = home.path('identity.public');
  if (!existsSync(secretPath)) {
    if (existsSync(pubPath)) throw new IdentityError(`${pubPath}: exists without ${secretPath}; restore the secret, or remove identity.public to have a new identity made`);
    return null;
  }
  let id: Identity;
  try {
    id = Identity.fromString(readIdentityFile(secretPath));
  } catch (e) {
    if (e instanceof IdentityError) throw e;
    throw new IdentityError(`${secretPath}: not a valid identity (${(e as Error).message})`, { cause: e });
  }
  if (!id.privateKey) throw new IdentityError(`${secretPath}: holds no private key`);
  if (!keysMatch(id) || !validateIdentity(id)) throw new IdentityError(`${secretPath}: identity failed validation`);
  try {
    chmodSync(secretPath, SECRET_MODE);
  } catch (e) {
    throw new IdentityError(fileError(e, secretPath, 'making it private (mode 0600)').message, { cause: e });
  }
  const pub = id.toString(false);
  if (!existsSync(pubPath)) {
    writeFileAtomic(pubPath, pub);
    return id;
  }
  const given = readIdentityFile(pubPath);
  if (given !== pub) {
    let other: string;
    try {
      other = `the identity of ${Identity.fromString(given).address.toString(16).padStart(10, '0')}`;
    } catch {
      other = 'no valid identity';
    }
    throw new IdentityError(`${pubPath}: holds ${other}, not the public part of ${secretPath} (${pub.slice(0, 10)}); put back the matching file, or remove identity.public to have it rewritten`);
  }
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
