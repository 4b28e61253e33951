// Hole punching through real Linux NATs (issue #3): two ztkube nodes, each behind its own
// nftables masquerade router, find each other through a ztkube root on "the internet" and
// end up on a direct path between the two NATs' public addresses.
//
//   root 10.N.0.1 ─┬─ br0 ─┬─ NAT 10.N.0.100 ── a 10.M.0.2
//                  │       └─ NAT 10.N.0.101 ── b 10.M.1.2
//
// The probe after the TTL-2 junk must cross both routers: this fails if the junk's low TTL
// leaks onto it (the bug an interop run against ZeroTier One found).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasNetns, waitFor } from '../helpers/netns.js';
import { hasNft, natLab, type NatLab, type NatLabHost } from '../helpers/nat-lab.js';
import { cli, makeHomes } from '../helpers/zt-homes.js';

let lab: NatLab | null = null;
let work = '';
after(() => {
  lab?.teardown();
  if (work) rmSync(work, { recursive: true, force: true });
});

const skip = !hasNetns() ? 'needs root and iproute2' : !hasNft() ? 'needs nftables (make sysdeps installs it)' : false;

test('two nodes behind separate NATs punch through to a direct path', { skip, timeout: 120_000 }, async () => {
  work = mkdtempSync(join(tmpdir(), `ztkube-nat-${process.pid}-`));
  lab = natLab({ publicHosts: ['root'], natHosts: ['a', 'b'] });
  const { root, a, b } = lab.hosts;
  const homes = makeHomes(work, ['root', 'a', 'b'], 'root', `${root.ip}/9993`);
  const home = (h: NatLabHost): string => homes.home(h.name);
  const addr = (h: NatLabHost): string => homes.addr(h.name);
  const logs: string[] = [];
  for (const [h, extra] of [[root, []], [b, []], [a, ['--contact', addr(b)]]] as Array<[NatLabHost, string[]]>) {
    const c = lab.spawn(h, process.execPath, [cli, 'daemon', '--home', home(h), '--port', '9993', '--log-level', 'info', ...extra]);
    c.stderr!.on('data', (d) => logs.push(`${h.name}: ${d}`));
  }
  // The CLI asks the daemon's API on 127.0.0.1, so it runs in the daemon's namespace.
  const peers = (h: NatLabHost): string => lab!.exec(h, process.execPath, [cli, 'peers', '--home', home(h)]);
  try {
    // The root sees each node at its NAT's public address.
    await waitFor('the root to see a and b behind their NATs', () => peers(root).includes(`${a.publicIp}/`) && peers(root).includes(`${b.publicIp}/`), 30_000);
    const line = await waitFor(
      'a to reach b directly at b\'s NAT',
      () => peers(a).split('\n').find((l) => l.startsWith(addr(b)) && l.includes('DIRECT') && l.includes(`${b.publicIp}/`)),
      90_000,
      500,
    );
    assert.match(line, /LEAF/);
    await waitFor('b to reach a directly at a\'s NAT', () => peers(b).split('\n').some((l) => l.startsWith(addr(a)) && l.includes('DIRECT') && l.includes(`${a.publicIp}/`)), 30_000, 500);
  } catch (e) {
    console.error(logs.join('').slice(-4000));
    for (const h of [root, a, b]) console.error(`--- ${h.name} ---\n${peers(h)}`);
    throw e;
  }
});
