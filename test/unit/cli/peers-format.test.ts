// `zerotier-cli peers` / `listpeers` text (06 §6.2), checked against the spec's observed rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatListPeers, formatPeers } from '../../../src/cli/peers-format.js';
import type { PeerJson } from '../../../src/service/peer-json.js';
import { assertInSpec } from '../../helpers/shared.js';

const NOW = 1_795_555_060_000;

function peer(address: string, role: string, latency: number, version: [number, number, number] | null, path?: { address: string; sinceSend: number; sinceRecv: number }, tunneled = false): PeerJson {
  const [maj, min, rev] = version ?? [-1, -1, -1];
  return {
    address,
    isBonded: false,
    latency,
    paths: path
      ? [{ active: true, address: path.address, expired: false, lastSend: path.sinceSend < 0 ? 0 : NOW - path.sinceSend, lastReceive: path.sinceRecv < 0 ? 0 : NOW - path.sinceRecv, localPort: 0, localSocket: 1, preferred: true, trustedPathId: 0 }]
      : [],
    role,
    tunneled,
    version: `${maj}.${min}.${rev}`,
    versionMajor: maj,
    versionMinor: min,
    versionRev: rev,
  };
}

test('peers: header and rows as zerotier-cli prints them', () => {
  const rows = [
    peer('62f865ae71', 'PLANET', -1, null),
    peer('ebfd288bba', 'LEAF', 17, [1, 14, 1], { address: '192.88.99.2/9993', sinceSend: -1, sinceRecv: 3918 }),
  ];
  const out = formatPeers(rows, NOW);
  for (const line of out.trimEnd().split('\n')) assertInSpec('06-service.md', line.replace(/\s+/g, ''));
  assert.equal(
    out,
    '200 peers\n<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>\n' +
      '62f865ae71 -      PLANET    -1 RELAY\n' +
      'ebfd288bba 1.14.1 LEAF      17 DIRECT   -1       3918     192.88.99.2/9993\n',
  );
  const tunneled = formatPeers([peer('15b70a629d', 'PLANET', 18, [1, 14, 1], { address: '192.88.99.1/9993', sinceSend: 536, sinceRecv: 535 }, true)], NOW);
  assert.ok(tunneled.includes('15b70a629d 1.14.1 PLANET    18 RELAY 536      535      192.88.99.1/9993\n'));
  assert.ok(tunneled.endsWith('NOTE: Currently tunneling through a TCP relay. Ensure that UDP is not blocked.\n'));
});

test('listpeers: one line per peer, path triple or "-"', () => {
  const out = formatListPeers(
    [peer('62f865ae71', 'PLANET', -1, null), peer('15b70a629d', 'PLANET', 18, [1, 14, 1], { address: '192.88.99.1/9993', sinceSend: 3905, sinceRecv: 3905 })],
    NOW,
  );
  assert.equal(
    out,
    '200 listpeers <ztaddr> <path> <latency> <version> <role>\n200 listpeers 62f865ae71 - -1 - PLANET\n200 listpeers 15b70a629d 192.88.99.1/9993;3905;3905 18 1.14.1 PLANET\n',
  );
  for (const line of out.trimEnd().split('\n')) assertInSpec('06-service.md', line.replace(/\s+/g, ''));
});
