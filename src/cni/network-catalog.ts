// Which ZeroTier network, attach mode and pod range a network name in `ztkube.io/networks`
// means (issue #12). The ZTNetwork resources answer in the next step; until then, and in the
// namespace tests, the net config's `"networks"` table does:
//   "networks": {"<name>": {"id": "<16 hex>", "mode": "bridge"|"sixplane", "range": "<IPv4 CIDR>", "mtu": <n>}}
// A 16-hex name with no entry means that network in sixplane mode (no range needed).
import { parsePrefix, type IpPrefix } from '../net/ip/prefix.js';
import { CNI_CODE, CniError } from './cni-error.js';

export type AttachMode = 'bridge' | 'sixplane';

export interface CatalogEntry {
  nwid: bigint;
  mode: AttachMode;
  /** Bridge mode: this node's slice of the network's IPv4 LAN for its pods. */
  range: IpPrefix | null;
  /** Overrides the network's MTU when lower. */
  mtu: number | null;
}

export interface NetworkCatalogPort {
  resolve(name: string, config: Record<string, unknown>): Promise<CatalogEntry>;
}

const NWID = /^[0-9a-fA-F]{16}$/;

export class ConfigNetworkCatalog implements NetworkCatalogPort {
  resolve(name: string, config: Record<string, unknown>): Promise<CatalogEntry> {
    try {
      return Promise.resolve(entryFromConfig(name, config));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }
}

function entryFromConfig(name: string, config: Record<string, unknown>): CatalogEntry {
  const table = config.networks;
  const raw = typeof table === 'object' && table !== null && !Array.isArray(table) ? (table as Record<string, unknown>)[name] : undefined;
  if (raw === undefined) {
    if (NWID.test(name)) return { nwid: BigInt(`0x${name}`), mode: 'sixplane', range: null, mtu: null };
    throw new CniError(CNI_CODE.invalidConfig, `the pod asks for network "${name}", which this node does not know`);
  }
  const at = `config: networks["${name}"]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CniError(CNI_CODE.invalidConfig, `${at} must be an object`);
  const e = raw as Record<string, unknown>;
  if (typeof e.id !== 'string' || !NWID.test(e.id)) throw new CniError(CNI_CODE.invalidConfig, `${at}.id must be a 16-digit hex network id, got ${JSON.stringify(e.id)}`);
  const mode = e.mode ?? 'bridge';
  if (mode !== 'bridge' && mode !== 'sixplane') throw new CniError(CNI_CODE.invalidConfig, `${at}.mode must be "bridge" or "sixplane", got ${JSON.stringify(mode)}`);
  let range: IpPrefix | null = null;
  if (mode === 'bridge') {
    range = typeof e.range === 'string' ? parsePrefix(e.range) : null;
    if (!range || range.family !== 4) throw new CniError(CNI_CODE.invalidConfig, `${at}.range must be an IPv4 CIDR (this node's slice of the network's LAN), got ${JSON.stringify(e.range)}`);
  }
  let mtu: number | null = null;
  if (e.mtu !== undefined) {
    if (typeof e.mtu !== 'number' || !Number.isInteger(e.mtu) || e.mtu < 1280 || e.mtu > 10000) throw new CniError(CNI_CODE.invalidConfig, `${at}.mtu must be an integer 1280-10000, got ${JSON.stringify(e.mtu)}`);
    mtu = e.mtu;
  }
  return { nwid: BigInt(`0x${e.id}`), mode, range, mtu };
}
