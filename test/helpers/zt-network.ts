// What the network-membership e2e tests share (issue #7): a node's local API called with curl
// inside the node's namespace (ztkube and zerotier-one alike: both keep zerotier-one.port and
// authtoken.secret in their home), a private network body for a controller, and the MAC and
// IPv6 addresses a member should get, computed here from the spec's formulas (04 §7.6,
// 06 §8.3) and not with the product's code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ApiAnswer {
  status: number;
  /** The parsed JSON body, or the text when it is not JSON (null when empty). */
  body: any;
}

/** Runs a command where the node runs (its namespace) and returns its stdout. */
export type Exec = (cmd: string, args: string[]) => string;

/** One local API call to the node whose home is `home`, made by curl through `exec`. */
export function localApi(exec: Exec, home: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): ApiAnswer {
  const token = readFileSync(join(home, 'authtoken.secret'), 'utf8').trim();
  const port = parseInt(readFileSync(join(home, 'zerotier-one.port'), 'utf8'), 10);
  const args = ['-sS', '--max-time', '20', '-X', method, '-H', `X-ZT1-Auth: ${token}`, '-w', '\n%{http_code}'];
  if (body !== undefined) args.push('-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body));
  const out = exec('curl', [...args, `http://127.0.0.1:${port}${path}`]);
  const nl = out.lastIndexOf('\n');
  const text = out.slice(0, nl);
  let parsed: unknown = null;
  if (text.length > 0) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: Number(out.slice(nl + 1)), body: parsed };
}

/** The body that creates the private network of these tests: a v4 pool and its route, RFC4193 and 6PLANE, accept all. */
export function privateNetworkBody(name: string, v4Prefix: string): Record<string, unknown> {
  return {
    name,
    private: true,
    v4AssignMode: { zt: true },
    v6AssignMode: { zt: false, rfc4193: true, '6plane': true },
    ipAssignmentPools: [{ ipRangeStart: `${v4Prefix}.10`, ipRangeEnd: `${v4Prefix}.250` }],
    routes: [{ target: `${v4Prefix}.0/24`, via: null }],
    rules: [{ type: 'ACTION_ACCEPT' }],
  };
}

/** RFC 5952 text of 32 hex digits (the WHATWG URL parser compresses as glibc's inet_ntop does for these). */
function ipv6Text(hex32: string): string {
  const groups = hex32.match(/.{4}/g)!.join(':');
  return new URL(`http://[${groups}]/`).hostname.slice(1, -1);
}

/** fd ‖ network ID ‖ 99 93 ‖ address, /88. */
export function rfc4193(nwid: string, addr: string): string {
  return `${ipv6Text(`fd${nwid}9993${addr}`)}/88`;
}

/** fc ‖ (N ^ N>>32) low 32 bits ‖ address ‖ 0…01, shown with the network's /40. */
export function sixPlane(nwid: string, addr: string): string {
  const n = BigInt(`0x${nwid}`);
  const h = ((n ^ (n >> 32n)) & 0xffffffffn).toString(16).padStart(8, '0');
  return `${ipv6Text(`fc${h}${addr}000000000001`)}/40`;
}

/** First octet (N & 0xfe) | 2 (0x52 → 0x32), then the address XOR the bytes N>>8 … N>>40. */
export function memberMac(nwid: string, addr: string): string {
  const n = BigInt(`0x${nwid}`);
  let first = (Number(n & 0xffn) & 0xfe) | 0x02;
  if (first === 0x52) first = 0x32;
  const bytes = [first];
  for (let k = 1; k <= 5; k++) bytes.push(parseInt(addr.slice(2 * (k - 1), 2 * k), 16) ^ Number((n >> BigInt(8 * k)) & 0xffn));
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
