// `zerotier-cli get <nwid> <property>` text (06 §6.2), from the API's network list. Pure.
// The address properties keep 1.14.1's line joining: a value is followed by a newline unless
// it is the last of the candidates (all, dotted or coloned addresses), then one final
// newline — so ip6plane/ip6prefix print an empty line when the 6PLANE address is not last.

const ADDRESS_PROPERTIES = new Set(['ip', 'ip4', 'ip6', 'ip6plane', 'ip6prefix']);
/** ZT_MAX_ZT_ASSIGNED_ADDRESSES: only the first 32 are looked at. */
const MAX_ADDRESSES = 32;
const U64 = 1n << 64n;

/** nlohmann's value as OSUtils::jsonString renders it, or null where it gives the default. */
function scalarText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? '1' : '0';
  // Numbers print as their unsigned 64-bit value (%llu), so -1 is 18446744073709551615.
  if (typeof v === 'bigint') return (((v % U64) + U64) % U64).toString();
  if (typeof v === 'number' && Number.isFinite(v)) return (((BigInt(Math.trunc(v)) % U64) + U64) % U64).toString();
  return null;
}

function addressLines(addresses: unknown[], property: string): string {
  const candidates = addresses.slice(0, MAX_ADDRESSES).filter((a) => {
    if (property === 'ip') return true;
    if (typeof a !== 'string') return false;
    return property === 'ip4' ? a.includes('.') : a.includes(':');
  });
  let out = '';
  candidates.forEach((a, k) => {
    if (typeof a !== 'string') return;
    const bare = a.includes('/') ? a.slice(0, a.indexOf('/')) : a;
    const isLast = k === candidates.length - 1;
    if (property === 'ip6plane' || property === 'ip6prefix') {
      if (!a.startsWith('fc')) return;
      out += property === 'ip6prefix' ? bare.slice(0, 24) : bare;
    } else {
      out += bare;
    }
    if (!isLast) out += '\n';
  });
  return out + '\n';
}

/**
 * stdout and stderr for `get`: the network whose id equals `nwid` exactly; unknown → the
 * stderr sentence (exit 0 in 1.14.1).
 */
export function formatGet(networks: unknown, nwid: string, property: string): { stdout: string; stderr: string } {
  let stdout = '';
  let isFound = false;
  for (const n of Array.isArray(networks) ? networks : []) {
    if (typeof n !== 'object' || n === null || Array.isArray(n) || (n as Record<string, unknown>).id !== nwid) continue;
    isFound = true;
    const net = n as Record<string, unknown>;
    if (!ADDRESS_PROPERTIES.has(property)) {
      const text = scalarText(net[property]);
      // zerotier-cli cannot tell a value "-" from its default: both are an unknown property.
      stdout += text === null || text === '-' ? 'error, unknown property name\n' : `${text}\n`;
      continue;
    }
    stdout += Array.isArray(net.assignedAddresses) ? addressLines(net.assignedAddresses, property) : '\n';
  }
  return { stdout, stderr: isFound ? '' : 'unknown network ID, check that you are a member of the network\n' };
}
