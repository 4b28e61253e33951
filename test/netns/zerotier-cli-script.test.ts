// A shell script written for zerotier-cli (test/fixtures/cli/join-wait-leave.sh: join, poll
// `get <nw> status` until OK, read the IP from `-j listnetworks` with python3, leave) runs
// unchanged against ztkube: bin/zerotier-cli first on PATH, ZEROTIER_HOME naming the home.
//
//   ns ctl: ztkube daemon (planet root + controller) ── br0 ── ns m1: ztkube daemon + the script
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasNetns, nsLab, waitFor, type Lab } from '../helpers/netns.js';
import { cli, makeHomes } from '../helpers/zt-homes.js';
import { repoRoot } from '../helpers/shared.js';

const hasPython = spawnSync('python3', ['-c', 'import json'], { stdio: 'ignore' }).status === 0;
const skip = !hasNetns() ? 'needs root and iproute2' : !hasPython ? 'the script reads JSON with python3, which is missing' : false;
const script = join(repoRoot, 'test', 'fixtures', 'cli', 'join-wait-leave.sh');
let lab: Lab | null = null;
let work = '';
after(() => {
  lab?.teardown();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a zerotier-cli script (join, wait for OK, read the IP with -j, leave) runs unchanged against ztkube', { skip, timeout: 150_000 }, async () => {
  work = mkdtempSync(join(tmpdir(), `ztkube-script-${process.pid}-`));
  lab = nsLab(['ctl', 'm1'], 150 + (process.pid % 50));
  const l = lab;
  const [ctl, m1] = l.hosts;
  const homes = makeHomes(work, ['ctl', 'm1'], 'ctl', `${ctl.ip}/9993`);
  for (const h of l.hosts) l.spawn(h, process.execPath, [cli, 'daemon', '--home', homes.home(h.name), '--port', '9993', '--log-level', 'warn']);
  const env = (name: string): string[] => [`ZEROTIER_HOME=${homes.home(name)}`, `PATH=${join(repoRoot, 'bin')}:${process.env.PATH}`];
  const ztkube = (args: string[]): string => l.exec(ctl, 'env', [...env('ctl'), process.execPath, cli, ...args]);
  await waitFor('the controller API', () => ztkube(['info']).startsWith('200 info '), 30_000);
  const nwid = (JSON.parse(ztkube(['network', 'create', '--name', 'script', '--pool', '10.77.0.10-10.77.0.20', '--route', '10.77.0.0/24', '-j'])) as { id: string }).id;
  ztkube(['member', 'authorize', nwid, homes.addr('m1')]);

  const r = spawnSync('ip', ['netns', 'exec', m1.ns, 'env', ...env('m1'), 'sh', script, nwid], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^200 join OK\nip=10\.77\.0\.(1\d|20)\n200 leave OK\n$/);
  const after = l.exec(m1, 'env', [...env('m1'), 'zerotier-cli', 'listnetworks']);
  assert.equal(after, '200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n');
});
