// The user's `-o key=value` options of `docker network create -d ztkube`, which dockerd
// passes to CreateNetwork under Options["com.docker.network.generic"] (07 §3.4):
//   ztkube.network   the ZeroTier network ID (16 hex digits), required
//   ztkube.mode      bridge (default: containers on the ZeroTier L2 behind a Linux bridge)
//                    or sixplane (routed IPv6 from the host member's 6PLANE /80)
//   ztkube.ifprefix  the container interface's name prefix (default eth)
//   com.docker.network.driver.mtu   the containers' MTU (default: the ZeroTier network's)
import { badRequest } from './plugin-error.js';
import type { AttachMode } from './plugin-state.js';
import { stringMap, type Body } from './request-fields.js';

export const GENERIC_OPTIONS = 'com.docker.network.generic';
export const MTU_OPTION = 'com.docker.network.driver.mtu';
const KNOWN = ['ztkube.network', 'ztkube.mode', 'ztkube.ifprefix'];
/** 07 §7.5: ZeroTier ports go no lower than 1280 (IPv6's minimum) and no higher than 10000. */
const MIN_MTU = 1280;
const MAX_MTU = 10000;

export interface NetworkOptions {
  nwid: bigint;
  mode: AttachMode;
  /** null: the ZeroTier network's MTU. */
  mtu: number | null;
  ifPrefix: string;
}

export function parseNetworkOptions(options: Body): NetworkOptions {
  const generic = stringMap('CreateNetwork', `Options["${GENERIC_OPTIONS}"]`, options[GENERIC_OPTIONS]);
  for (const k of Object.keys(generic)) {
    if (k.startsWith('ztkube.') && !KNOWN.includes(k)) throw badRequest(`-o ${k} is not an option of the ztkube network driver (known: ${KNOWN.join(', ')})`);
  }
  const id = generic['ztkube.network'];
  if (id === undefined) throw badRequest('the ztkube network driver needs -o ztkube.network=<ZeroTier network ID>');
  if (!/^[0-9a-fA-F]{16}$/.test(id)) throw badRequest(`-o ztkube.network must be a ZeroTier network ID of 16 hex digits, got ${JSON.stringify(id)}`);
  const mode = generic['ztkube.mode'] ?? 'bridge';
  if (mode !== 'bridge' && mode !== 'sixplane') throw badRequest(`-o ztkube.mode must be bridge or sixplane, got ${JSON.stringify(mode)}`);
  const ifPrefix = generic['ztkube.ifprefix'] ?? 'eth';
  if (!/^[a-z][a-z0-9]{0,7}$/.test(ifPrefix)) throw badRequest(`-o ztkube.ifprefix must be 1-8 lower-case letters or digits starting with a letter, got ${JSON.stringify(ifPrefix)}`);
  const mtuText = generic[MTU_OPTION];
  let mtu: number | null = null;
  if (mtuText !== undefined) {
    mtu = /^\d{1,5}$/.test(mtuText) ? Number(mtuText) : NaN;
    if (!(mtu >= MIN_MTU && mtu <= MAX_MTU)) throw badRequest(`-o ${MTU_OPTION} must be a number from ${MIN_MTU} to ${MAX_MTU}, got ${JSON.stringify(mtuText)}`);
  }
  return { nwid: BigInt(`0x${id}`), mode, mtu, ifPrefix };
}
