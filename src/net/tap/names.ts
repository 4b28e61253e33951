// TAP device names (spec 06 §8.1). Pure: whether a name is in use is asked through a
// callback (on Linux, "does /proc/sys/net/ipv4/conf/<name> exist").
//
//   v    = ((N XOR (N >> 24)) + trial) mod 2^40        trial = 0, 1, 2 … while in use
//   name = "zt" + base32(v as 5 bytes big-endian)        alphabet a–z 2–7, lower case, no padding
//
// Example: 15b70a629d1379c5 → v = 772a191b58 → zto4vbsg2y. The name depends only on the
// network id, so every member of a network uses the same one.
//
// Legacy `devicemap` (06 §2.2): lines `<nwid as 16 hex digits>=<name>`; such a name is
// used instead when that device does not exist at the moment. ZeroTier splits each line
// on '\r', '\n' and '=' (empty fields skipped), takes the first two fields, matches the
// first against the network id printed with "%.16llx" exactly, and copies at most 15
// characters of the second into the interface name.
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const MASK40 = (1n << 40n) - 1n;
const MASK64 = (1n << 64n) - 1n;
/** IFNAMSIZ − 1. */
export const MAX_INTERFACE_NAME_BYTES = 15;

/** The name for a network at a given collision trial (0 for the first choice). */
export function tapNameForNetwork(nwid: bigint, trial = 0): string {
  const n = BigInt.asUintN(64, nwid & MASK64);
  let v = ((n ^ (n >> 24n)) + BigInt(trial)) & MASK40;
  // 40 bits are exactly eight 5-bit characters, most significant first.
  let out = '';
  for (let i = 0; i < 8; i++) {
    out = BASE32[Number(v & 31n)] + out;
    v >>= 5n;
  }
  return 'zt' + out;
}

/**
 * The name ZeroTier's Linux service would pick: the devicemap's name if it has one for this
 * network and that device does not exist, else the first base32 name not in use.
 */
export function chooseTapName(nwid: bigint, inUse: (name: string) => boolean, deviceMap?: ReadonlyMap<string, string>): string {
  const mapped = deviceMap?.get(nwidKey(nwid));
  if (mapped !== undefined && !inUse(mapped)) return mapped;
  for (let trial = 0; ; trial++) {
    const name = tapNameForNetwork(nwid, trial);
    if (!inUse(name)) return name;
  }
}

/** Parses a devicemap file: key = the text before '=', value = the name (≤ 15 characters). */
export function parseDeviceMap(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const fields = line.split(/[\r=]/).filter((f) => f.length > 0);
    if (fields.length >= 2) map.set(fields[0], fields[1].slice(0, MAX_INTERFACE_NAME_BYTES));
  }
  return map;
}

function nwidKey(nwid: bigint): string {
  return BigInt.asUintN(64, nwid).toString(16).padStart(16, '0');
}

/** What the kernel accepts as an interface name (dev_valid_name), so errors come early. */
export function isValidInterfaceName(name: string): boolean {
  return (
    Buffer.byteLength(name) >= 1 &&
    Buffer.byteLength(name) <= MAX_INTERFACE_NAME_BYTES &&
    name !== '.' &&
    name !== '..' &&
    !/[/:\s]/.test(name)
  );
}
