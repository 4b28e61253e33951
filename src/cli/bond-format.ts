// `zerotier-cli listbonds` / `bond list` and `bond <peer> show` text (06 §6.2), from API
// peer objects. Pure. Without multipath nothing is bonded and the list is one NONE line.

const POLICIES = ['none', 'active-backup', 'broadcast', 'balance-rr', 'balance-xor', 'balance-aware'];

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return '-';
}

/** OSUtils::jsonInt then a C cast to int: numbers truncated, numeric strings read, else 0. */
function int(v: unknown): number {
  if (typeof v === 'number') return Math.trunc(v) | 0;
  if (typeof v === 'bigint') return Number(BigInt.asIntN(32, v));
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return Number(/^\s*(\d+)/.exec(v)?.[1] ?? 0) | 0;
  return 0;
}

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number.parseFloat(v) || 0;
  return 0;
}

export function formatBondList(peers: unknown): string {
  let out = '    <peer>                        <bondtype>     <links>\n';
  let isAnyBonded = false;
  for (const p of Array.isArray(peers) ? peers : []) {
    if (!isObject(p) || p.isBonded !== true) continue;
    isAnyBonded = true;
    const code = int(p.bondingPolicyCode);
    out += `${str(p.address).padStart(10)}  ${(POLICIES[code] ?? 'none').padStart(32)}         ${int(p.numAliveLinks)}/${int(p.numTotalLinks)}\n`;
  }
  if (!isAnyBonded) out += '      NONE\t\t\t\tNONE\t    NONE       NONE\n';
  return out;
}

export function formatBondShow(peerAddress: string, bond: unknown): string {
  const b = isObject(bond) ? bond : {};
  let out =
    `Peer                   : ${peerAddress}\n` +
    `Bond                   : ${str(b.bondingPolicyStr)}\n` +
    `Link Select Method     : ${int(b.linkSelectMethod)}\n` +
    `Links                  : ${int(b.numAliveLinks)}/${int(b.numTotalLinks)}\n` +
    `Failover Interval (ms) : ${int(b.failoverInterval)}\n` +
    `Up Delay (ms)          : ${int(b.upDelay)}\n` +
    `Down Delay (ms)        : ${int(b.downDelay)}\n` +
    `Packets Per Link       : ${int(b.packetsPerLink)}\n`;
  if (!Array.isArray(b.paths)) return out;
  const paths = b.paths.map((p) => (isObject(p) ? p : {}));
  const rule = '-'.repeat(120) + '\n';
  out += '\nidx                  interface                                  path               socket             local port\n' + rule;
  paths.forEach((p, i) => {
    const socket = BigInt.asUintN(64, BigInt(typeof p.localSocket === 'bigint' ? p.localSocket : Math.trunc(num(p.localSocket))));
    out += `${String(i).padStart(2)}: ${str(p.ifname).padStart(26)} ${str(p.address).padStart(51)} ${socket.toString(16).padStart(16, '0')} ${String(int(p.localPort) & 0xffff).padStart(12)}\n`;
  });
  out += '\nidx     lat      pdv    capacity    qual      rx_age      tx_age  eligible  bonded   flows\n' + rule;
  paths.forEach((p, i) => {
    const cols = [
      num(p.latencyMean).toFixed(2).padStart(8),
      num(p.latencyVariance).toFixed(2).padStart(8),
      String(int(p.givenLinkSpeed)).padStart(10),
      num(p.relativeQuality).toFixed(4).padStart(7),
      String(int(p.lastInAge)).padStart(11),
      String(int(p.lastOutAge)).padStart(11),
      String(int(p.eligible)).padStart(9),
      String(int(p.bonded)).padStart(7),
      String(int(p.assignedFlowCount)).padStart(7),
    ];
    out += `${String(i).padStart(2)}: ${cols.join(' ')}\n`;
  });
  return out;
}
