// zerotier-idtool, interchangeable with 1.14.1's (spec 06 §7): same arguments, outputs,
// files and exit codes. Reached as `ztkube idtool …` or through a zerotier-idtool link.
// One deliberate difference: secret files are created with mode 0600 (1.14.1 uses the umask).
import { join } from 'node:path';
import { toHex, fromHexStrict } from '../util/hex.js';
import { ConfigError, describeSystemError, fileError, ZtkubeError } from '../util/errors.js';
import { sign, verify, generateC25519KeyPair } from '../crypto/c25519.js';
import { generateIdentity, validateIdentity } from '../protocol/identity-crypto.js';
import { encodeWorld, WorldType, worldIdToString } from '../protocol/world.js';
import { addressToString } from '../protocol/address.js';
import { buildWorldFromJson, formatWorldJson, jsonTypeOf, parseJsonText, parseWorldId, type WorldJson } from './world-json.js';
import { loadIdentityArg } from './identity-arg.js';
import type { CliIo } from './io.js';
import type { CommandModule } from 'yargs';
import { processIo } from './io.js';

export const IDTOOL_HELP = `ZeroTier One version 1.14.1
Copyright (c) 2020 ZeroTier, Inc.
Licensed under the ZeroTier BSL 1.1 (see LICENSE.txt)
Usage: zerotier-idtool <command> [<args>]

Commands:
  generate [<identity.secret>] [<identity.public>] [<vanity>]
  validate <identity.secret/public>
  getpublic <identity.secret>
  sign <identity.secret> <file>
  verify <identity.secret/public> <file> <signature>
  initmoon <identity.public of first seed>
  genmoon <moon json>
`;

const SECRET_FILE_MODE = 0o600;

type Handler = (io: CliIo, args: string[]) => number;

function help(io: CliIo, code: number): number {
  io.stdout(IDTOOL_HELP);
  return code;
}

function invalidIdentityArg(io: CliIo, arg: string): number {
  io.stderr(`Identity argument invalid or file unreadable: ${arg}\n`);
  return 1;
}

const generate: Handler = (io, args) => {
  const [secretFile, publicFile, vanity] = args;
  let id = generateIdentity(io.random);
  if (vanity !== undefined) {
    const prefix = vanity.toLowerCase().replace(/[^0-9a-f]/g, '').slice(0, 10);
    const bits = prefix.length * 4;
    const padded = prefix.padEnd(10, '0');
    while (!addressToString(id.address).startsWith(prefix)) {
      io.stderr(`vanity address: tried ${addressToString(id.address)} looking for first ${bits} bits of ${padded}\n`);
      id = generateIdentity(io.random);
    }
    io.stderr(`vanity address: found ${addressToString(id.address)} !\n`);
  }
  if (secretFile === undefined) {
    io.stdout(id.toString(true));
    return 0;
  }
  try {
    io.writeFile(secretFile, id.toString(true), SECRET_FILE_MODE);
  } catch {
    io.stderr(`Error writing to ${secretFile}\n`); // idtool's message; the OS reason is not part of it
    return 1;
  }
  io.stdout(`${secretFile} written\n`);
  if (publicFile !== undefined) {
    try {
      io.writeFile(publicFile, id.toString(false));
    } catch {
      io.stderr(`Error writing to ${publicFile}\n`);
      return 1;
    }
    io.stdout(`${publicFile} written\n`);
  }
  return 0;
};

const validate: Handler = (io, args) => {
  if (args.length < 1) return help(io, 1);
  const id = loadIdentityArg(io, args[0]);
  if (!id) return invalidIdentityArg(io, args[0]);
  if (!validateIdentity(id)) {
    io.stderr(`${args[0]} FAILED validation.\n`);
    return 1;
  }
  io.stdout(`${args[0]} is a valid identity\n`);
  return 0;
};

const getpublic: Handler = (io, args) => {
  if (args.length < 1) return help(io, 1);
  const id = loadIdentityArg(io, args[0]);
  if (!id) return invalidIdentityArg(io, args[0]);
  io.stdout(id.toString(false));
  return 0;
};

function readable(io: CliIo, path: string): Uint8Array | null {
  try {
    return io.readFile(path);
  } catch {
    return null; // callers print "<file> is not readable"
  }
}

const signCmd: Handler = (io, args) => {
  if (args.length < 2) return help(io, 1);
  const id = loadIdentityArg(io, args[0]);
  if (!id) return invalidIdentityArg(io, args[0]);
  if (!id.privateKey) {
    io.stderr(`${args[0]} does not contain a private key (must use private to sign)\n`);
    return 1;
  }
  const data = readable(io, args[1]);
  if (!data) {
    io.stderr(`${args[1]} is not readable\n`);
    return 1;
  }
  io.stdout(toHex(sign(id.privateKey, id.publicKey, data)));
  return 0;
};

/** The signature argument: hex itself, or a file holding the hex. */
function signatureArg(io: CliIo, arg: string): Uint8Array | null {
  const direct = fromHexStrict(arg.trim());
  if (direct) return direct;
  const file = readable(io, arg);
  if (!file) return null;
  return fromHexStrict(Buffer.from(file).toString('utf8').trim());
}

const verifyCmd: Handler = (io, args) => {
  if (args.length < 3) return help(io, 1);
  const id = loadIdentityArg(io, args[0]);
  if (!id) return invalidIdentityArg(io, args[0]);
  const data = readable(io, args[1]);
  if (!data) {
    io.stderr(`${args[1]} is not readable\n`);
    return 1;
  }
  const sig = signatureArg(io, args[2]);
  if (!sig || !verify(id.publicKey, data, sig)) {
    io.stderr(`${args[1]} signature check FAILED\n`);
    return 1;
  }
  io.stdout(`${args[1]} signature valid\n`);
  return 0;
};

const initmoon: Handler = (io, args) => {
  if (args.length < 1) return help(io, 0);
  const id = loadIdentityArg(io, args[0]);
  if (!id) {
    io.stderr(`${args[0]} is not a valid identity\n`);
    return 1;
  }
  const kp = generateC25519KeyPair(io.random);
  const json: WorldJson = {
    id: addressToString(id.address),
    objtype: 'world',
    roots: [{ identity: id.toString(false), stableEndpoints: [] }],
    signingKey: toHex(kp.publicKey),
    signingKey_SECRET: toHex(kp.privateKey),
    updatesMustBeSignedBy: toHex(kp.publicKey),
    worldType: 'moon',
  };
  io.stdout(formatWorldJson(json));
  return 0;
};

const genmoon: Handler = (io, args) => {
  if (args.length < 1) return help(io, 0);
  const file = args[0];
  let bytes: Uint8Array;
  try {
    bytes = io.readFile(file);
  } catch (e) {
    io.stderr(`cannot read ${file}: ${describeSystemError(e)}\n`);
    return 1;
  }
  // 1.14.1 says only "cannot read" for a file that does not parse; we say what is wrong.
  let json: Record<string, unknown>;
  try {
    const parsed = parseJsonText(bytes, file);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError(`${file}: expected a JSON object (as initmoon prints), got ${jsonTypeOf(parsed)}`);
    }
    json = parsed as Record<string, unknown>;
    if (json.id === undefined) throw new ConfigError(`${file}: missing field "id" (the world ID in hex)`);
    if (json.worldType === undefined) throw new ConfigError(`${file}: missing field "worldType" ("moon" or "planet")`);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.stderr(`${e.message}\n`);
    return 1;
  }
  const id = parseWorldId(json.id);
  if (id === null) {
    io.stderr(`ID in ${file} is invalid\n`);
    return 1;
  }
  let type: WorldType;
  if (json.worldType === 'moon') type = WorldType.MOON;
  else if (json.worldType === 'planet') type = WorldType.PLANET;
  else {
    io.stderr(`invalid worldType in ${file}: must be "moon" or "planet", got ${JSON.stringify(json.worldType)}\n`);
    return 1;
  }
  const now = io.nowMs();
  let out: string;
  try {
    const world = buildWorldFromJson({ type, id, timestampMs: now, json, src: file });
    out = `${worldIdToString(id)}.moon`;
    try {
      io.writeFile(join(io.cwd(), out), encodeWorld(world));
    } catch (e) {
      throw fileError(e, out, 'writing the moon');
    }
  } catch (e) {
    if (e instanceof ZtkubeError) {
      io.stderr(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  io.stdout(`wrote ${out} (signed world with timestamp ${now})\n`);
  return 0;
};

const COMMANDS: Record<string, Handler> = {
  generate,
  validate,
  getpublic,
  sign: signCmd,
  verify: verifyCmd,
  initmoon,
  genmoon,
};

/** Runs idtool with its arguments (without the program name); returns the exit code. */
export function runIdtool(io: CliIo, argv: string[]): number {
  const [cmd, ...rest] = argv;
  const handler = cmd === undefined ? undefined : COMMANDS[cmd];
  if (!handler) return help(io, 1);
  return handler(io, rest);
}

/** `ztkube idtool …`: the arguments after "idtool" go to idtool's own parser untouched. */
export const idtoolCommand: CommandModule = {
  command: 'idtool [args..]',
  describe: 'identity tool, interchangeable with zerotier-idtool (generate, validate, getpublic, sign, verify, initmoon, genmoon)',
  builder: (y) => y.positional('args', { type: 'string', array: true }).strict(false).help(false).version(false),
  handler: () => {
    const i = process.argv.indexOf('idtool');
    process.exitCode = runIdtool(processIo(), process.argv.slice(i + 1));
  },
};
