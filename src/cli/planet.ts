// `ztkube planet create <planet.json> [out]`: build and sign a custom planet (03 §9) that
// real ZeroTier nodes accept as their `planet` file.
//
// Input: either idtool's world JSON (as `initmoon` prints it, with worldType "planet" or
// absent) or a bare array of roots. Fields:
//   id                      16 hex digits, non-zero, not the public planet's
//   roots                   [{ identity, stableEndpoints: ["ip/port", …] }]  (1–4 roots)
//   signingKey, signingKey_SECRET, updatesMustBeSignedBy   (optional, see below)
//   timestamp               ms (default: now, and newer than the planet already in <out>)
//
// A node accepts a new planet only with the same id, a newer timestamp and a signature by the
// key the old one names (updatesMustBeSignedBy). So the key and id are made once and kept:
// without signing keys in the input, <out>.signing.json is reused when it exists (same id and
// key, a new revision) and created (mode 0600, idtool's JSON form) when it does not. Neither
// it nor a planet with another id in <out> is ever replaced; those cases are refused with the
// way to start over.
import { toHex } from '../util/hex.js';
import { dirname } from 'node:path';
import { ConfigError, errnoCode, FileError, fileError, ZtkubeError } from '../util/errors.js';
import { generateC25519KeyPair } from '../crypto/c25519.js';
import { decodeWorld, encodeWorld, WorldType, worldIdToString, type World } from '../protocol/world.js';
import { buildWorldFromJson, formatWorldJson, jsonTypeOf, parseJsonText, parseSigningKeys, parseWorldId, type WorldJson } from './world-json.js';
import type { CliIo } from './io.js';
import type { CommandModule } from 'yargs';
import { processIo } from './io.js';

/** The public planet's ID: a private planet must differ so the built-in one never replaces it. */
export const EARTH_PLANET_ID = 0x8eac90an;
const SECRET_FILE_MODE = 0o600;

/** The file's bytes, or null when it does not exist; any other failure is a FileError. */
function readIfExists(io: CliIo, path: string, what: string): Uint8Array | null {
  try {
    return io.readFile(path);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return null;
    throw fileError(e, path, `reading ${what}`);
  }
}

function startOver(keyFile: string, outPath: string): string {
  return `to start a new planet (a new id and key, which nodes holding the old planet never accept) move ${keyFile} and ${outPath} aside first`;
}

/** The id and keys of an existing <out>.signing.json, or a refusal saying how to start over. */
function loadSigningFile(bytes: Uint8Array, keyFile: string, outPath: string): { id: bigint; json: Record<string, unknown> } {
  try {
    const json = parseJsonText(bytes, keyFile);
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw new ConfigError(`${keyFile}: expected a JSON object, got ${jsonTypeOf(json)}`);
    const j = json as Record<string, unknown>;
    const id = parseWorldId(j.id);
    if (id === null) throw new ConfigError(`${keyFile}: id must be 1-16 hex digits and not zero, got ${JSON.stringify(j.id)}`);
    parseSigningKeys(j, keyFile);
    return { id, json: j };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new ConfigError(`${e.message}, so the signing key of the existing planet cannot be reused; ${startOver(keyFile, outPath)}`, { cause: e });
  }
}

/** The planet already in <out>, or null; refuses a file there that is not a planet. */
function loadExistingPlanet(io: CliIo, outPath: string): World | null {
  const bytes = readIfExists(io, outPath, 'the existing planet');
  if (bytes === null) return null;
  let world: World;
  try {
    world = decodeWorld(bytes);
  } catch (e) {
    throw new ConfigError(`${outPath}: exists and is not a planet file (${(e as Error).message}); choose another output file or remove it`, { cause: e });
  }
  if (world.type !== WorldType.PLANET) throw new ConfigError(`${outPath}: exists and holds a moon, not a planet; choose another output file or remove it`);
  return world;
}

/** Runs a write; a failure names the file, and a missing directory is said as such. */
function writeOrThrow(path: string, doing: string, write: () => void): void {
  try {
    write();
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') throw new FileError(path, `directory ${dirname(path)} does not exist (ENOENT) ${doing}`, 'ENOENT', { cause: e });
    throw fileError(e, path, doing);
  }
}

function randomPlanetId(io: CliIo): bigint {
  let id = BigInt('0x' + toHex(io.random(8))) || 1n;
  if (id === EARTH_PLANET_ID) id ^= 1n;
  return id;
}

export function planetCreate(io: CliIo, input: string, outPath = 'planet'): number {
  try {
    planetCreateOrThrow(io, input, outPath);
    return 0;
  } catch (e) {
    if (e instanceof ZtkubeError) {
      io.stderr(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

function planetCreateOrThrow(io: CliIo, input: string, outPath: string): void {
  let inputBytes: Uint8Array;
  try {
    inputBytes = io.readFile(input);
  } catch (e) {
    throw fileError(e, input, 'reading the planet description');
  }
  const raw = parseJsonText(inputBytes, input);
  if (!raw || typeof raw !== 'object') throw new ConfigError(`${input}: expected an object or an array of roots, got ${jsonTypeOf(raw)}`);
  const json: Record<string, unknown> = Array.isArray(raw) ? { roots: raw } : (raw as Record<string, unknown>);
  if (json.worldType !== undefined && json.worldType !== 'planet') {
    throw new ConfigError(`${input}: worldType must be "planet", got ${JSON.stringify(json.worldType)}`);
  }
  let inputId: bigint | null = null;
  if (json.id !== undefined) {
    inputId = parseWorldId(json.id);
    if (inputId === null) throw new ConfigError(`${input}: id must be 1-16 hex digits and not zero, got ${JSON.stringify(json.id)}`);
    if (inputId === EARTH_PLANET_ID) throw new ConfigError(`${input}: id must differ from the public planet's (${worldIdToString(EARTH_PLANET_ID)})`);
  }
  if (json.timestamp !== undefined && (typeof json.timestamp !== 'number' || !Number.isSafeInteger(json.timestamp) || json.timestamp <= 0)) {
    throw new ConfigError(`${input}: timestamp must be a positive integer (ms), got ${JSON.stringify(json.timestamp)}`);
  }

  // Which key signs, and so which planet this is a revision of.
  const keyFile = `${outPath}.signing.json`;
  const fields = { ...json };
  let id: bigint;
  let keySource = input;
  let newKeyFile: string | null = null;
  let reusedKeyFile: string | null = null;
  if (fields.signingKey !== undefined || fields.signingKey_SECRET !== undefined) {
    id = inputId ?? randomPlanetId(io);
  } else {
    const saved = readIfExists(io, keyFile, 'the signing key');
    if (saved !== null) {
      const signing = loadSigningFile(saved, keyFile, outPath);
      if (inputId !== null && inputId !== signing.id) {
        throw new ConfigError(
          `${input}: id ${worldIdToString(inputId)} conflicts with id ${worldIdToString(signing.id)} in ${keyFile}; leave id out to publish a new revision of planet ${worldIdToString(signing.id)}, or ${startOver(keyFile, outPath)}`,
        );
      }
      id = signing.id;
      fields.signingKey = signing.json.signingKey;
      fields.signingKey_SECRET = signing.json.signingKey_SECRET;
      fields.updatesMustBeSignedBy ??= signing.json.updatesMustBeSignedBy;
      keySource = keyFile;
      reusedKeyFile = keyFile;
    } else {
      const kp = generateC25519KeyPair(io.random);
      id = inputId ?? randomPlanetId(io);
      fields.signingKey = toHex(kp.publicKey);
      fields.signingKey_SECRET = toHex(kp.privateKey);
      newKeyFile = keyFile;
    }
  }
  fields.updatesMustBeSignedBy ??= fields.signingKey;

  // What is already in <out> must stay updatable: same id, older timestamp, same key.
  const previous = loadExistingPlanet(io, outPath);
  let timestampMs = typeof json.timestamp === 'number' ? json.timestamp : io.nowMs();
  if (previous) {
    const prevId = worldIdToString(previous.id);
    if (previous.id !== id) {
      throw new ConfigError(
        `${outPath}: holds planet ${prevId}, and this would replace it with planet ${worldIdToString(id)}, which nodes holding ${prevId} never accept; ` +
          `write to another file, give ${prevId}'s signing key (${keyFile}), or remove ${outPath} to start over`,
      );
    }
    const signer = parseSigningKeys(fields, keySource).signingKey;
    if (toHex(signer) !== toHex(previous.updatesMustBeSignedBy)) {
      throw new ConfigError(
        `${keySource}: signingKey is not the key planet ${prevId} in ${outPath} names for updates (updatesMustBeSignedBy ${toHex(previous.updatesMustBeSignedBy).slice(0, 16)}…), so nodes would reject this revision`,
      );
    }
    const prevTs = Number(previous.timestamp);
    if (json.timestamp === undefined) timestampMs = Math.max(timestampMs, prevTs + 1);
    else if (timestampMs <= prevTs) {
      throw new ConfigError(`${input}: timestamp ${timestampMs} is not newer than ${prevTs} of the planet in ${outPath}, so nodes would keep the old one; give a larger timestamp or leave it out`);
    }
  }

  const world = buildWorldFromJson({ type: WorldType.PLANET, id, timestampMs, json: fields, src: keySource });
  if (newKeyFile) {
    // The key first: a planet whose key was not saved could never be updated.
    const saved: WorldJson = {
      id: worldIdToString(id),
      objtype: 'world',
      roots: (fields.roots as WorldJson['roots']) ?? [],
      signingKey: fields.signingKey as string,
      signingKey_SECRET: fields.signingKey_SECRET as string,
      updatesMustBeSignedBy: fields.updatesMustBeSignedBy as string,
      worldType: 'planet',
    };
    writeOrThrow(newKeyFile, 'writing the signing key', () => io.writeNewFile(newKeyFile, formatWorldJson(saved), SECRET_FILE_MODE));
  }
  writeOrThrow(outPath, 'writing the planet', () => io.writeFile(outPath, encodeWorld(world)));
  if (reusedKeyFile) io.stdout(`reused ${reusedKeyFile} (signing key of planet ${worldIdToString(id)})\n`);
  io.stdout(`wrote ${outPath} (planet ${worldIdToString(id)}, ${world.roots.length} root(s), timestamp ${timestampMs})\n`);
  if (newKeyFile) io.stdout(`wrote ${newKeyFile} (signing key for later revisions; keep it secret)\n`);
}

export const planetCommand: CommandModule = {
  command: 'planet',
  describe: 'custom planets (root server sets)',
  builder: (y) =>
    y
      .command(
        'create <planet-json> [out]',
        'build and sign a planet file from a JSON list of roots',
        (c) =>
          c
            .positional('planet-json', { type: 'string', demandOption: true, describe: 'roots: [{identity, stableEndpoints}] (see README)' })
            .positional('out', { type: 'string', default: 'planet', describe: 'output file' }),
        (argv) => {
          process.exitCode = planetCreate(processIo(), argv['planet-json'] as string, argv.out as string);
        },
      )
      .demandCommand(1, 'planet: name a subcommand (create)'),
  handler: () => undefined,
};
