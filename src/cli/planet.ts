// `ztkube planet create <planet.json> [out]`: build and sign a custom planet (03 §9) that
// real ZeroTier nodes accept as their `planet` file.
//
// Input: either idtool's world JSON (as `initmoon` prints it, with worldType "planet" or
// absent) or a bare array of roots. Fields:
//   id                      16 hex digits, non-zero, not the public planet's (default: random)
//   roots                   [{ identity, stableEndpoints: ["ip/port", …] }]  (1–4 roots)
//   signingKey, signingKey_SECRET, updatesMustBeSignedBy   (optional; a new pair otherwise)
//   timestamp               ms (default: now); the revision number of this planet
// When no signing key is given, a new key pair is written to <out>.signing.json (mode 0600)
// in idtool's JSON form: keep it, it is the only way to publish a later revision.
import { toHex } from '../util/hex.js';
import { ConfigError } from '../util/errors.js';
import { generateC25519KeyPair } from '../crypto/c25519.js';
import { encodeWorld, WorldType, worldIdToString } from '../protocol/world.js';
import { buildWorldFromJson, formatWorldJson, parseWorldId, type WorldJson } from './world-json.js';
import type { CliIo } from './io.js';
import type { CommandModule } from 'yargs';
import { processIo } from './io.js';

/** The public planet's ID: a private planet must differ so the built-in one never replaces it. */
export const EARTH_PLANET_ID = 0x8eac90an;
const SECRET_FILE_MODE = 0o600;

export function planetCreate(io: CliIo, input: string, outPath = 'planet'): number {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(io.readFile(input)).toString('utf8'));
  } catch (e) {
    io.stderr(`${input}: cannot read planet description: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    const json: Record<string, unknown> = Array.isArray(raw) ? { roots: raw } : (raw as Record<string, unknown>);
    if (!json || typeof json !== 'object') throw new ConfigError(`${input}: expected an object or an array of roots`);
    if (json.worldType !== undefined && json.worldType !== 'planet') {
      throw new ConfigError(`${input}: worldType must be "planet", got ${JSON.stringify(json.worldType)}`);
    }
    let id: bigint;
    if (json.id === undefined) {
      const r = io.random(8);
      id = BigInt('0x' + toHex(r)) || 1n;
      if (id === EARTH_PLANET_ID) id ^= 1n;
    } else {
      const parsed = parseWorldId(json.id);
      if (parsed === null) throw new ConfigError(`${input}: id must be 1-16 hex digits and not zero, got ${JSON.stringify(json.id)}`);
      if (parsed === EARTH_PLANET_ID) throw new ConfigError(`${input}: id must differ from the public planet's (${worldIdToString(EARTH_PLANET_ID)})`);
      id = parsed;
    }
    let timestampMs = io.nowMs();
    if (json.timestamp !== undefined) {
      if (typeof json.timestamp !== 'number' || !Number.isSafeInteger(json.timestamp) || json.timestamp <= 0) {
        throw new ConfigError(`${input}: timestamp must be a positive integer (ms), got ${JSON.stringify(json.timestamp)}`);
      }
      timestampMs = json.timestamp;
    }
    let keyFile: string | null = null;
    const fields = { ...json };
    if (fields.signingKey === undefined && fields.signingKey_SECRET === undefined) {
      const kp = generateC25519KeyPair(io.random);
      fields.signingKey = toHex(kp.publicKey);
      fields.signingKey_SECRET = toHex(kp.privateKey);
      fields.updatesMustBeSignedBy ??= fields.signingKey;
      keyFile = `${outPath}.signing.json`;
    } else {
      fields.updatesMustBeSignedBy ??= fields.signingKey;
    }
    const world = buildWorldFromJson({ type: WorldType.PLANET, id, timestampMs, json: fields, src: input });
    io.writeFile(outPath, encodeWorld(world));
    if (keyFile) {
      const saved: WorldJson = {
        id: worldIdToString(id),
        objtype: 'world',
        roots: (fields.roots as WorldJson['roots']) ?? [],
        signingKey: fields.signingKey as string,
        signingKey_SECRET: fields.signingKey_SECRET as string,
        updatesMustBeSignedBy: fields.updatesMustBeSignedBy as string,
        worldType: 'planet',
      };
      io.writeFile(keyFile, formatWorldJson(saved), SECRET_FILE_MODE);
    }
    io.stdout(`wrote ${outPath} (planet ${worldIdToString(id)}, ${world.roots.length} root(s), timestamp ${timestampMs})\n`);
    if (keyFile) io.stdout(`wrote ${keyFile} (signing key for later revisions; keep it secret)\n`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      io.stderr(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
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
