// Human tables for `ztkube network …` and `ztkube member …` from the controller API's JSON
// (05 §6, §8.9). Pure. Columns are padded to their widest cell; a missing value is "-".

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(v: unknown): string {
  if (typeof v === 'string') return v === '' ? '-' : v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return '-';
}

/** Rows under a header, columns two spaces apart, no trailing spaces. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}

function pools(n: Obj): string {
  const p = Array.isArray(n.ipAssignmentPools) ? n.ipAssignmentPools.filter(isObject) : [];
  return p.length === 0 ? '-' : p.map((x) => `${text(x.ipRangeStart)}-${text(x.ipRangeEnd)}`).join(',');
}

function routes(n: Obj): string {
  const r = Array.isArray(n.routes) ? n.routes.filter(isObject) : [];
  return r.length === 0 ? '-' : r.map((x) => (typeof x.via === 'string' ? `${text(x.target)}@${x.via}` : text(x.target))).join(',');
}

function v6Modes(n: Obj): string {
  const m = isObject(n.v6AssignMode) ? n.v6AssignMode : {};
  const on = ['zt', 'rfc4193', '6plane'].filter((k) => m[k] === true);
  return on.length === 0 ? 'none' : on.join(',');
}

function access(n: Obj): string {
  return n.private === false ? 'public' : 'private';
}

/** `network list`, from GET /unstable/controller/network. */
export function formatNetworkList(reply: unknown): string {
  const data = isObject(reply) && Array.isArray(reply.data) ? reply.data.filter(isObject) : [];
  const rows = data.map((n) => {
    const meta = isObject(n.meta) ? n.meta : {};
    return [text(n.id), text(n.name), access(n), `${text(meta.authorizedMemberCount)}/${text(meta.totalMemberCount)}`, pools(n)];
  });
  return table(['NETWORK', 'NAME', 'ACCESS', 'AUTHORIZED/MEMBERS', 'POOLS'], rows);
}

/** `network show` / `create` / `delete`: one field a line. */
export function formatNetwork(n: unknown): string {
  const o = isObject(n) ? n : {};
  const v4 = isObject(o.v4AssignMode) && o.v4AssignMode.zt === true ? 'zt' : 'none';
  const lines: Array<[string, string]> = [
    ['network', text(o.id)],
    ['name', text(o.name)],
    ['access', access(o)],
    ['pools', pools(o)],
    ['routes', routes(o)],
    ['v4 assign', v4],
    ['v6 assign', v6Modes(o)],
    ['mtu', text(o.mtu)],
    ['multicast limit', text(o.multicastLimit)],
    ['broadcast', text(o.enableBroadcast)],
    ['revision', text(o.revision)],
  ];
  return lines.map(([k, v]) => `${(k + ':').padEnd(17)}${v}`).join('\n') + '\n';
}

function ips(m: Obj): string {
  const a = Array.isArray(m.ipAssignments) ? m.ipAssignments.map(text) : [];
  return a.length === 0 ? '-' : a.join(',');
}

function version(m: Obj): string {
  return typeof m.vMajor === 'number' && m.vMajor >= 0 ? `${m.vMajor}.${text(m.vMinor)}.${text(m.vRev)}` : '-';
}

/** `member list`, from GET /unstable/controller/network/NWID/member, by address. */
export function formatMemberList(reply: unknown): string {
  const data = isObject(reply) && Array.isArray(reply.data) ? reply.data.filter(isObject) : [];
  const rows = data
    .map((m) => [text(m.address), m.authorized === true ? 'yes' : 'no', text(m.name), ips(m), m.activeBridge === true ? 'yes' : 'no', version(m)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return table(['MEMBER', 'AUTHORIZED', 'NAME', 'IPS', 'BRIDGE', 'VERSION'], rows);
}

/** `member show` / `authorize` / `deauthorize` / `set`: one field a line. */
export function formatMember(m: unknown): string {
  const o = isObject(m) ? m : {};
  const lines: Array<[string, string]> = [
    ['member', text(o.address)],
    ['network', text(o.nwid)],
    ['name', text(o.name)],
    ['authorized', text(o.authorized)],
    ['ips', ips(o)],
    ['no auto ips', text(o.noAutoAssignIps)],
    ['active bridge', text(o.activeBridge)],
    ['version', version(o)],
    ['revision', text(o.revision)],
  ];
  return lines.map(([k, v]) => `${(k + ':').padEnd(15)}${v}`).join('\n') + '\n';
}
