// Interoperability with a real ZeroTier One 1.14.1 (issue #3 acceptance). Opt-in: set
// ZTKUBE_ZEROTIER_ONE to a zerotier-one binary you built or installed yourself; nothing in
// this repository builds or ships one. Skipped otherwise, with one line that says so.
//
//   ns sw: br0 ──┬── kroot 10.N.0.1  (ztkube root of planet K)
//                ├── rroot 10.N.0.2  (zerotier-one root of planet R)
//                ├── rleaf 10.N.0.3  (zerotier-one leaf, planet K)
//                ├── kleaf 10.N.0.4  (ztkube leaf, planet R)
//                └── kmate 10.N.0.5  (ztkube leaf, planet K, keeps contact with rleaf)
//
// Every zerotier-one home gets our planet before its first start (never the public one)
// and a local.conf without TCP fallback and port mapping; nothing routes off the machine.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { hasNetns, nsLab, waitFor, type Lab, type LabHost } from '../helpers/netns.js';
import { hasNft, natLab, type NatLabHost } from '../helpers/nat-lab.js';
import { cli, makeHomes, ztkube } from '../helpers/zt-homes.js';
import { interopTests, zerotierOne } from '../helpers/interop.js';

const zt = zerotierOne;
const interop = interopTests('interop with ZeroTier One 1.14.1');
const skip = !hasNetns() ? 'needs root and iproute2' : false;
let lab: Lab | null = null;
let work = '';

after(() => {
  lab?.teardown();
  if (work) rmSync(work, { recursive: true, force: true });
});

interop('ztkube and ZeroTier One 1.14.1 accept each other as root and leaf', { skip, timeout: 180_000 }, async () => {
  work = mkdtempSync(join(tmpdir(), `ztkube-interop-${process.pid}-`));
  lab = nsLab(['kroot', 'rroot', 'rleaf', 'kleaf', 'kmate']);
  const [kroot, rroot, rleaf, kleaf, kmate] = lab.hosts;
  const home = (h: LabHost): string => join(work, h.name);
  for (const h of lab.hosts) {
    mkdirSync(home(h));
    ztkube(['idtool', 'generate', join(home(h), 'identity.secret'), join(home(h), 'identity.public')]);
  }
  const pub = (h: LabHost): string => readFileSync(join(home(h), 'identity.public'), 'utf8');
  const addr = (h: LabHost): string => pub(h).slice(0, 10);
  const planet = (name: string, root: LabHost): string => {
    writeFileSync(join(work, `${name}.json`), JSON.stringify([{ identity: pub(root), stableEndpoints: [`${root.ip}/9993`] }]));
    ztkube(['planet', 'create', join(work, `${name}.json`), join(work, name)]);
    return join(work, name);
  };
  const planetK = planet('planetK', kroot);
  const planetR = planet('planetR', rroot);
  for (const [h, p] of [[kroot, planetK], [rleaf, planetK], [kmate, planetK], [rroot, planetR], [kleaf, planetR]] as const) writeFileSync(join(home(h), 'planet'), readFileSync(p));
  for (const h of [rroot, rleaf]) {
    writeFileSync(join(home(h), 'local.conf'), JSON.stringify({ settings: { allowTcpFallbackRelay: false, portMappingEnabled: false, allowSecondaryPort: true } }));
  }
  for (const h of [kroot, kleaf]) lab.spawn(h, process.execPath, [cli, 'daemon', '--home', home(h), '--port', '9993', '--log-level', 'warn']);
  for (const h of [rroot, rleaf]) lab.spawn(h, zt!, ['-p9993', home(h)]);
  lab.spawn(kmate, process.execPath, [cli, 'daemon', '--home', home(kmate), '--port', '9993', '--log-level', 'warn', '--contact', addr(rleaf)]);

  const ztCli = (h: LabHost, cmd: string): string => lab!.exec(h, zt!, ['-q', `-D${home(h)}`, '-p9993', cmd]);
  // Our CLI asks the daemon's API on 127.0.0.1, so it runs in the daemon's namespace.
  const ourPeers = (h: LabHost): string => lab!.exec(h, process.execPath, [cli, 'peers', '--home', home(h)]);

  // A real leaf using a ztkube root.
  await waitFor('the real leaf ONLINE through the ztkube root', () => /^200 info [0-9a-f]{10} 1\.14\.1 ONLINE/.test(ztCli(rleaf, 'info')), 60_000, 500);
  const realView = await waitFor('the ztkube root as PLANET DIRECT at the real leaf', () => ztCli(rleaf, 'peers').split('\n').find((l) => l.startsWith(addr(kroot)) && / PLANET .* DIRECT /.test(l)), 30_000, 500);
  assert.match(realView, new RegExp(`${kroot.ip}/9993`));
  await waitFor('the real leaf listed by our root', () => ourPeers(kroot).split('\n').some((l) => l.startsWith(addr(rleaf)) && l.includes('1.14.1 LEAF') && l.includes('DIRECT')), 30_000, 500);

  // A ztkube leaf using a real root.
  await waitFor('our leaf online through the real root', () => / ONLINE\n$/.test(lab!.exec(kleaf, process.execPath, [cli, 'info', '--home', home(kleaf)])), 60_000, 500);
  await waitFor('the real root as PLANET DIRECT at our leaf', () => ourPeers(kleaf).split('\n').some((l) => l.startsWith(addr(rroot)) && / PLANET .* DIRECT .*\/9993$/.test(l)), 30_000, 500);
  await waitFor('our leaf listed by the real root', () => ztCli(rroot, 'peers').split('\n').some((l) => l.startsWith(addr(kleaf)) && l.includes('LEAF') && l.includes('DIRECT')), 30_000, 500);

  // Through the ztkube root, our leaf and the real leaf are introduced and go direct.
  await waitFor('the real leaf DIRECT at our leaf', () => ourPeers(kmate).split('\n').some((l) => l.startsWith(addr(rleaf)) && l.includes('1.14.1 LEAF') && l.includes(`DIRECT`) && l.includes(`${rleaf.ip}/`)), 90_000, 500);
  await waitFor('our leaf DIRECT at the real leaf', () => ztCli(rleaf, 'peers').split('\n').some((l) => l.startsWith(addr(kmate)) && l.includes('DIRECT') && l.includes(`${kmate.ip}/`)), 60_000, 500);
});

interop('identities, signatures and worlds cross between ztkube idtool and zerotier-idtool 1.14.1', {}, () => {
  const dir = mkdtempSync(join(tmpdir(), `ztkube-idtool-${process.pid}-`));
  try {
    // zerotier-one is zerotier-idtool when invoked under that name.
    const theirTool = join(dir, 'zerotier-idtool');
    spawnSync('ln', ['-s', zt!, theirTool]);
    const theirs = (args: string[]) => spawnSync(theirTool, args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    const ours = (args: string[]) => spawnSync(process.execPath, [cli, 'idtool', ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });

    assert.equal(ours(['generate', 'ours.secret', 'ours.public']).status, 0);
    assert.equal(theirs(['generate', 'theirs.secret', 'theirs.public']).status, 0);
    for (const [tool, file] of [[theirs, 'ours.public'], [ours, 'theirs.public'], [theirs, 'ours.secret']] as const) {
      const r = tool(['validate', file]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${file} is a valid identity\n`);
    }
    assert.equal(theirs(['getpublic', 'ours.secret']).stdout, readFileSync(join(dir, 'ours.public'), 'utf8'));

    writeFileSync(join(dir, 'msg'), 'interop message\n');
    const ourSig = ours(['sign', 'ours.secret', 'msg']).stdout;
    const theirSig = theirs(['sign', 'ours.secret', 'msg']).stdout;
    assert.equal(ourSig, theirSig, 'Ed25519 is deterministic: identical signatures');
    assert.equal(theirs(['verify', 'ours.public', 'msg', ourSig]).status, 0);
    const theirOwn = theirs(['sign', 'theirs.secret', 'msg']).stdout;
    assert.equal(ours(['verify', 'theirs.public', 'msg', theirOwn]).status, 0);

    // A moon JSON from their initmoon, signed by our genmoon and theirs: the same world except the timestamp.
    const moonJson = theirs(['initmoon', 'theirs.public']);
    assert.equal(moonJson.status, 0);
    const json = JSON.parse(moonJson.stdout);
    json.roots[0].stableEndpoints = ['10.1.2.3/9993', '10.1.2.1/443', '10.1.2.1/9993'];
    writeFileSync(join(dir, 'moon.json'), JSON.stringify(json));
    const oursGen = ours(['genmoon', 'moon.json']);
    assert.equal(oursGen.status, 0, oursGen.stderr);
    const ourMoon = readFileSync(join(dir, `${json.id.padStart(16, '0')}.moon`));
    const theirsGen = theirs(['genmoon', 'moon.json']);
    assert.equal(theirsGen.status, 0, theirsGen.stderr);
    const theirMoon = readFileSync(join(dir, `${json.id.padStart(16, '0')}.moon`));
    assert.equal(ourMoon.length, theirMoon.length);
    // Bytes 9–16 are the timestamp and 81–176 the signature (it covers the timestamp); all else is identical,
    // endpoint order included.
    const strip = (b: Buffer) => Buffer.concat([b.subarray(0, 9), b.subarray(17, 81), b.subarray(177)]);
    assert.deepEqual(strip(ourMoon), strip(theirMoon));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

interop('behind real NATs, a ztkube leaf and a zerotier-one leaf punch through to each other', { skip: skip || (!hasNft() && 'needs nftables'), timeout: 150_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), `ztkube-interop-nat-${process.pid}-`));
  const nlab = natLab({ publicHosts: ['root'], natHosts: ['real', 'ours'] });
  try {
    const { root, real, ours } = nlab.hosts;
    const homes = makeHomes(dir, ['root', 'real', 'ours'], 'root', `${root.ip}/9993`);
    const home = (h: NatLabHost): string => homes.home(h.name);
    const pub = (h: NatLabHost): string => homes.publicIdentity(h.name);
    writeFileSync(join(home(real), 'local.conf'), JSON.stringify({ settings: { allowTcpFallbackRelay: false, portMappingEnabled: false } }));
    nlab.spawn(root, process.execPath, [cli, 'daemon', '--home', home(root), '--port', '9993', '--log-level', 'warn']);
    nlab.spawn(real, zt!, ['-p9993', home(real)]);
    nlab.spawn(ours, process.execPath, [cli, 'daemon', '--home', home(ours), '--port', '9993', '--log-level', 'warn', '--contact', pub(real).slice(0, 10)]);
    const realPeers = (): string => execFileSync('ip', ['netns', 'exec', real.ns, zt!, '-q', `-D${home(real)}`, '-p9993', 'peers'], { encoding: 'utf8' });
    await waitFor('our leaf DIRECT to the real leaf\'s NAT', () => nlab.exec(ours, process.execPath, [cli, 'peers', '--home', home(ours)]).split('\n').some((l) => l.startsWith(pub(real).slice(0, 10)) && l.includes('DIRECT') && l.includes(`${real.publicIp}/`)), 100_000, 500);
    await waitFor('the real leaf DIRECT to our NAT', () => realPeers().split('\n').some((l) => l.startsWith(pub(ours).slice(0, 10)) && l.includes('DIRECT') && l.includes(`${ours.publicIp}/`)), 30_000, 500);
  } finally {
    nlab.teardown();
    rmSync(dir, { recursive: true, force: true });
  }
});
