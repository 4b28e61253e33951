// What the shim forwards (cni/shim/ztkube-cni.c): {"env": {CNI_*}, "config": <stdin>}. The
// agent checks it again — anything on the node may connect to the socket — with the codes
// of 07 §1.7, naming the variable or config key.
import { CNI_CODE, CniError } from './cni-error.js';
import { parseCniArgs } from './cni-args.js';

export const SUPPORTED_CNI_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'STATUS' | 'GC' | 'VERSION';
const COMMANDS: readonly string[] = ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC', 'VERSION'];

export interface CniRequest {
  command: CniCommand;
  containerId: string;
  /** Empty when the runtime gave none (DEL after the sandbox is gone). */
  netns: string;
  ifname: string;
  args: Map<string, string>;
  cniVersion: string;
  /** The network (conflist) name. */
  name: string;
  config: Record<string, unknown>;
}

/** Verbs younger than the first versions (07 §1.1): CHECK from 0.4.0, STATUS and GC from 1.1.0. */
const VERB_SINCE: Record<string, string> = { CHECK: '0.4.0', STATUS: '1.1.0', GC: '1.1.0' };

function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function isValidIfname(s: string): boolean {
  return s.length > 0 && Buffer.byteLength(s) < 16 && s !== '.' && s !== '..' && !/[/:\s]/.test(s);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function decodeCniRequest(text: string): CniRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CniError(CNI_CODE.decodeFailure, 'the request is not JSON');
  }
  if (!isRecord(body) || !isRecord(body.env)) throw new CniError(CNI_CODE.decodeFailure, 'the request must be {"env": {...}, "config": {...}}');
  const env = body.env;
  const str = (k: string): string => (typeof env[k] === 'string' ? (env[k] as string) : '');
  const command = str('CNI_COMMAND');
  if (!COMMANDS.includes(command)) throw new CniError(CNI_CODE.invalidEnv, `CNI_COMMAND must be one of ${COMMANDS.join(', ')}, got "${command}"`);
  if (!isRecord(body.config)) throw new CniError(CNI_CODE.decodeFailure, 'the config on stdin is not a JSON object');
  const config = body.config;
  const cniVersion = config.cniVersion;
  if (typeof cniVersion !== 'string') throw new CniError(CNI_CODE.invalidConfig, 'config: cniVersion is missing');
  if (!(SUPPORTED_CNI_VERSIONS as readonly string[]).includes(cniVersion)) {
    throw new CniError(CNI_CODE.incompatibleVersion, `config: cniVersion ${cniVersion} is not supported (supported: ${SUPPORTED_CNI_VERSIONS.join(', ')})`);
  }
  const since = VERB_SINCE[command];
  if (since !== undefined && compareVersions(cniVersion, since) < 0) {
    throw new CniError(CNI_CODE.incompatibleVersion, `config: cniVersion ${cniVersion} has no ${command}; it needs ${since} or later`);
  }
  if (typeof config.name !== 'string' || config.name === '') throw new CniError(CNI_CODE.invalidConfig, 'config: name must be a non-empty string');
  const req: CniRequest = {
    command: command as CniCommand,
    containerId: str('CNI_CONTAINERID'),
    netns: str('CNI_NETNS'),
    ifname: str('CNI_IFNAME'),
    args: parseCniArgs(str('CNI_ARGS')),
    cniVersion,
    name: config.name,
    config,
  };
  if (req.command === 'ADD' || req.command === 'DEL' || req.command === 'CHECK') {
    if (!CONTAINER_ID.test(req.containerId)) throw new CniError(CNI_CODE.invalidEnv, `CNI_CONTAINERID "${req.containerId}" must start with a letter or digit and hold only letters, digits, _ . -`);
    if (!isValidIfname(req.ifname)) throw new CniError(CNI_CODE.invalidEnv, `CNI_IFNAME "${req.ifname}" is not a valid interface name`);
    if (req.command !== 'DEL' && req.netns === '') throw new CniError(CNI_CODE.invalidEnv, 'CNI_NETNS is not set');
  }
  return req;
}
