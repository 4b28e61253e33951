// The local API against ZeroTier One 1.14.1 both ways (issue #7). Opt-in like the other
// interop file: ZTKUBE_ZEROTIER_ONE names a zerotier-one binary built elsewhere.
//
// 1. Real zerotier-cli (the binary under that name) against the ztkube daemon, on loopback
//    in this namespace: its outputs, and -j byte for byte as `ztkube … -j`.
// 2. ztkube's CLI against a real zerotier-one, inside a namespace of its own (private planet,
//    nothing routed off the machine): the same lines as zerotier-cli prints.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasNetns, nsLab, waitFor, type Lab } from '../helpers/netns.js';
import { cli, makeHomes } from '../helpers/zt-homes.js';
import { interopTests, zerotierOne } from '../helpers/interop.js';
import { repoRoot } from '../helpers/shared.js';

const zt = zerotierOne;
const interop = interopTests('local API interop with ZeroTier One 1.14.1');

const env = { ...process.env, ZTKUBE_SAFETY: 'test' };
const NWID = '8056c2e21c000001';
let work = '';
let lab: Lab | null = null;
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  lab?.teardown();
  if (work) rmSync(work, { recursive: true, force: true });
});

function run(cmd: string, args: string[]): { code: number | null; out: string; err?: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000, env });
  // stderr only when there is some, so that the zerotier-cli lines above stay short to compare.
  return r.stderr ? { code: r.status, out: r.stdout, err: r.stderr } : { code: r.status, out: r.stdout };
}

interop('zerotier-cli 1.14.1 drives the ztkube daemon', { timeout: 60_000 }, async () => {
  work ||= mkdtempSync(join(tmpdir(), `ztkube-api-interop-${process.pid}-`));
  const root = dgram.createSocket('udp4');
  await new Promise<void>((r) => root.bind(0, '127.0.0.1', r));
  const homes = makeHomes(join(work, 'a'), ['root', 'node'], 'root', `127.0.0.1/${root.address().port}`);
  const home = homes.home('node');
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', r));
  const port = probe.address().port;
  probe.close();
  const d = spawn(process.execPath, [cli, 'daemon', '--home', home, '--port', String(port), '--bind', '127.0.0.1', '--no-allow-secondary-port', '--log-level', 'warn'], { env, stdio: 'ignore' });
  children.push(d);
  const zcli = join(work, 'zerotier-cli');
  if (!existsSync(zcli)) symlinkSync(zt!, zcli);
  const theirs = (...args: string[]): { code: number | null; out: string } => run(zcli, [`-D${home}`, ...args]);
  const ours = (...args: string[]): { code: number | null; out: string } => run(process.execPath, [cli, ...args.slice(0, 1), '--home', home, ...args.slice(1)]);
  try {
    await waitFor('the API', () => theirs('info').code === 0, 20_000);
    assert.deepEqual(theirs('info'), { code: 0, out: `200 info ${homes.addr('node')} 1.14.1 OFFLINE\n` });
    assert.deepEqual(theirs('join', NWID), { code: 0, out: '200 join OK\n' });
    assert.deepEqual(theirs('listnetworks'), ours('listnetworks'));
    assert.deepEqual(theirs('-j', 'listnetworks'), ours('listnetworks', '-j'));
    assert.deepEqual(theirs('-j', 'peers'), ours('peers', '-j'));
    assert.deepEqual(theirs('peers'), ours('peers'));
    const dropClock = (s: string): string => s.replace(/"clock": \d+/, '');
    assert.equal(dropClock(theirs('-j', 'info').out), dropClock(ours('info', '-j').out));
    assert.equal(theirs('set', NWID, 'allowDNS=1').code, 0);
    assert.deepEqual(theirs('get', NWID, 'allowDNS'), { code: 0, out: '1\n' });
    assert.deepEqual(theirs('leave', NWID), { code: 0, out: '200 leave OK\n' });
    assert.deepEqual(theirs('join', '8056c2e21c00000x'), { code: 1, out: '404 join \n' });
    assert.deepEqual(theirs('-Twrong', 'info'), { code: 1, out: '401 info {}\n' });

    // ztkube under the name zerotier-cli prints what the real one prints, byte for byte, for
    // every command whose output does not depend on the moment (06 §6.2).
    const token = readFileSync(join(home, 'authtoken.secret'), 'utf8');
    // Both by their bare name through PATH, so that the help text's program name is the same.
    const byName = (dir: string, args: string[]): { code: number | null; out: string; err?: string } => {
      const r = spawnSync('zerotier-cli', args, { encoding: 'utf8', timeout: 60_000, env: { ...env, PATH: `${dir}:${process.env.PATH}` } });
      return r.stderr ? { code: r.status, out: r.stdout, err: r.stderr } : { code: r.status, out: r.stdout };
    };
    const both = (...args: string[]): void => {
      assert.deepEqual(byName(join(repoRoot, 'bin'), args), byName(work, args), args.join(' ')); // bin/zerotier-cli as make links it
    };
    both(`-D${home}`, 'join', NWID);
    for (const cmd of [['info'], ['status'], ['listnetworks'], ['-j', 'listnetworks'], ['peers'], ['listpeers'], ['-j', 'peers'], ['listbonds'], ['bond', 'list'], ['bond', homes.addr('root'), 'show'], ['bond', homes.addr('root'), 'rotate'], ['bond'], ['listmoons'], ['get', NWID, 'ip'], ['get', NWID, 'status'], ['get', NWID, 'allowManaged'], ['get', NWID, 'nope'], ['set', NWID, 'allowGlobal=1'], ['set', NWID, 'mtu=1'], ['join', 'abc'], ['leave', '8056c2e21c00000x'], ['orbit', '0', '1'], ['deorbit', '1234567890'], ['/network'], ['/peer/0000000001'], ['/nope'], ['frob'], []]) {
      both(`-D${home}`, ...cmd);
    }
    both(`-p${port}`, `-T${token}`, 'listnetworks');
    both(`-p${port}`, '-Twrong', 'listnetworks');
    both(`-p${port}`, '-T', 'info');
    both('-D/nonexistent', 'info');
    // dump: the same file in each working directory, but for the moment-dependent numbers.
    const dumps = [join(repoRoot, 'bin'), work].map((dir, i) => {
      const cwd = mkdtempSync(join(work, `dump${i}-`));
      const r = spawnSync('zerotier-cli', [`-D${home}`, 'dump'], { cwd, encoding: 'utf8', env: { ...env, PATH: `${dir}:${process.env.PATH}` } });
      assert.equal(r.stdout, `Writing dump to: ${cwd}/zerotier_dump.txt\n`);
      return readFileSync(join(cwd, 'zerotier_dump.txt'), 'utf8').replace(/"(clock|lastSend|lastReceive|latency)":-?\d+/g, '"$1":0');
    });
    assert.equal(dumps[0], dumps[1]);
    // leave changes what the next one sees: ours leaves, then both find it gone.
    assert.deepEqual(byName(join(repoRoot, 'bin'), [`-D${home}`, '-j', 'leave', NWID]), { code: 0, out: '{"result":true}' });
    both(`-D${home}`, '-j', 'leave', NWID);
  } finally {
    d.kill('SIGTERM');
    root.close();
  }
});

interop('ztkube CLI drives zerotier-one 1.14.1', { skip: !hasNetns() && 'needs root and iproute2', timeout: 90_000 }, async () => {
  work ||= mkdtempSync(join(tmpdir(), `ztkube-api-interop-${process.pid}-`));
  lab = nsLab(['real']);
  const [h] = lab.hosts;
  // Its own root is a dead address on the lab's LAN: nothing answers, nothing leaves.
  const homes = makeHomes(join(work, 'b'), ['root', 'real'], 'root', `10.${h.ip.split('.')[1]}.0.99/9993`);
  const home = homes.home('real');
  writeFileSync(join(home, 'local.conf'), JSON.stringify({ settings: { allowTcpFallbackRelay: false, portMappingEnabled: false, allowSecondaryPort: false } }));
  lab.spawn(h, zt!, ['-U', '-p9993', home]);
  const inNs = (cmd: string, args: string[]): string => lab!.exec(h, cmd, args);
  const ours = (...args: string[]): string => inNs(process.execPath, [cli, ...args.slice(0, 1), '--home', home, ...args.slice(1)]);
  const theirs = (...args: string[]): string => inNs(zt!, ['-q', `-D${home}`, ...args]);
  await waitFor('zerotier-one up', () => ours('info'), 30_000, 500);
  assert.match(ours('info'), new RegExp(`^200 info ${homes.addr('real')} 1\\.14\\.1 OFFLINE\\n$`));
  assert.equal(ours('join', NWID), '200 join OK\n');
  const line = ours('listnetworks');
  assert.equal(line, theirs('listnetworks'));
  assert.match(line, new RegExp(`\\n200 listnetworks ${NWID}  [0-9a-f:]{17} REQUESTING_CONFIGURATION PRIVATE ztmjfmfyq5 -\\n$`));
  assert.equal(ours('listnetworks', '-j'), theirs('-j', 'listnetworks'));
  assert.equal(ours('peers'), theirs('peers'));
  // ztkube as zerotier-cli against zerotier-one: the same bytes as zerotier-one's own.
  const ourCli = (...args: string[]): string => inNs(join(repoRoot, 'bin', 'zerotier-cli'), [`-D${home}`, ...args]);
  for (const cmd of [['listnetworks'], ['-j', 'listnetworks'], ['peers'], ['listbonds'], ['listmoons'], ['get', NWID, 'status'], ['get', NWID, 'ip'], ['/network']]) {
    assert.equal(ourCli(...cmd), theirs(...cmd), cmd.join(' '));
  }
  assert.equal(ours('leave', NWID), '200 leave OK\n');
  assert.equal(ours('listnetworks'), '200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n');
});
