// The Docker plugin's test lab (issue #10): a switched LAN of network namespaces (nsLab) with
// a ztkube controller `ctl` (also the planet's root), plain ztkube members, and Docker hosts
// each running `ztkube daemon --docker-plugin` and a dockerd of its own (helpers/dockerd.ts).
// Each Docker host's plugin socket is /run/docker/plugins/ztk<pid><host>.sock, so its driver
// name is that of no other host and no other test. One network, `<ctl>000001`, with a v4
// pool and route in 10.147.41.0/24 and 6PLANE; members authorized (Docker hosts without
// bridging: the tests grant it). With dockerOnController, ctl is a Docker host as well (the
// network is its plugin's own). teardown() removes everything, also after a failure.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { nsLab, waitFor, type Lab, type LabHost } from './netns.js';
import { importBusybox, startDockerd, type Dockerd } from './dockerd.js';
import { cli } from './zt-homes.js';
import { labMemberAddress, startLabDaemon } from './lab-daemons.js';

export const SUBNET_PREFIX = '10.147.41.';

export interface DockerHost extends LabHost {
  /** The plugin's driver name on this host (`docker network create -d <driver>`). */
  driver: string;
  socket: string;
  dockerd: Dockerd;
}

export interface DockerLab {
  lab: Lab;
  ctl: LabHost;
  plain: LabHost[];
  docker: DockerHost[];
  nwid: string;
  image: string;
  address(x: LabHost): string;
  home(x: LabHost): string;
  api(x: LabHost, method: string, path: string, body?: unknown): { status: number; json: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  run(x: LabHost, cmd: string, args: string[], timeoutMs?: number): { code: number | null; out: string };
  /** A member's address on the network: IPv4 in 10.147.41.0/24 or its 6PLANE address. */
  memberAddress(x: LabHost, family: 4 | 6): string | null;
  startPlugin(h: DockerHost): void;
  stopPlugin(h: DockerHost): Promise<void>;
  /** Grants h bridging and pushes a network change, so every member's config lists h as a bridge. */
  makeBridge(h: DockerHost): Promise<void>;
  dumpLogs(): void;
  teardown(): Promise<void>;
}

function ztkube(args: string[]): string {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`ztkube ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Plain members run by another program (a real zerotier-one): `start` runs it through `spawn` (in x's namespace, logged, ended at teardown). */
export interface ExternalMembers {
  names: string[];
  start(x: LabHost, home: string, spawn: (cmd: string, args: string[]) => void): void;
}

export interface DockerLabOptions {
  /** ctl is a Docker host too (first in `docker`): its plugin runs beside the network's controller. */
  dockerOnController?: boolean;
}

export async function dockerLab(plainNames: string[], dockerNames: string[], external?: ExternalMembers, options: DockerLabOptions = {}): Promise<DockerLab> {
  const work = mkdtempSync(join(tmpdir(), `ztkube-docker-${process.pid}-`));
  chmodSync(work, 0o755);
  const lab = nsLab(['ctl', ...plainNames, ...dockerNames]);
  const logs: Record<string, string> = {};
  const plugins = new Map<string, ChildProcess>();
  const docker: DockerHost[] = [];
  const home = (x: LabHost): string => join(work, x.name);
  const address = (x: LabHost): string => readFileSync(join(home(x), 'identity.public'), 'utf8').slice(0, 10);
  const image = `ztkube-busybox-${process.pid}`;
  let tornDown = false;

  const api = (x: LabHost, method: string, path: string, body?: unknown): { status: number; json: any } => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const token = readFileSync(join(home(x), 'authtoken.secret'), 'utf8').trim();
    const script =
      'const [m, p, t, b] = process.argv.slice(1);' +
      "const r = await fetch('http://127.0.0.1:9993' + p, { method: m, headers: { 'X-ZT1-Auth': t }, body: b === '' ? undefined : b });" +
      "process.stdout.write(r.status + ' ' + (await r.text()));";
    const out = lab.exec(x, process.execPath, ['--input-type=module', '-e', script, method, path, token, body === undefined ? '' : JSON.stringify(body)]);
    const sp = out.indexOf(' ');
    return { status: Number(out.slice(0, sp)), json: JSON.parse(out.slice(sp + 1) || 'null') };
  };
  const ok = (r: { status: number; json: unknown }): void => assert.equal(r.status, 200, JSON.stringify(r.json));
  const run = (x: LabHost, cmd: string, args: string[], timeoutMs = 30_000): { code: number | null; out: string } => {
    const r = spawnSync('ip', ['netns', 'exec', x.ns, cmd, ...args], { encoding: 'utf8', timeout: timeoutMs });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const startDaemon = (x: LabHost, extra: string[] = []): ChildProcess => startLabDaemon(lab, x, home(x), logs, extra);
  const memberAddress = (x: LabHost, family: 4 | 6): string | null => labMemberAddress(lab, x, family, SUBNET_PREFIX);
  const dumpLogs = (): void => {
    for (const [n, l] of Object.entries(logs)) console.error(`--- ${n} log ---\n${l.slice(-4000)}`);
    for (const h of docker) console.error(`--- dockerd on ${h.name} ---\n${h.dockerd.log().slice(-2500)}`);
  };
  const teardown = async (): Promise<void> => {
    if (tornDown) return;
    tornDown = true;
    for (const h of docker) await h.dockerd?.stop();
    lab.teardown(); // SIGKILLs our daemons by PID, deletes the namespaces with every link in them
    for (const h of docker) rmSync(h.socket, { force: true });
    rmSync(work, { recursive: true, force: true });
  };

  try {
    const ctl = lab.hosts[0];
    const plain = lab.hosts.slice(1, 1 + plainNames.length);
    for (const x of lab.hosts) {
      mkdirSync(home(x));
      ztkube(['idtool', 'generate', join(home(x), 'identity.secret'), join(home(x), 'identity.public')]);
    }
    writeFileSync(join(work, 'roots.json'), JSON.stringify([{ identity: readFileSync(join(home(ctl), 'identity.public'), 'utf8').trim(), stableEndpoints: [`${ctl.ip}/9993`] }]));
    ztkube(['planet', 'create', join(work, 'roots.json'), join(work, 'planet')]);
    for (const x of lab.hosts) writeFileSync(join(home(x), 'planet'), readFileSync(join(work, 'planet')));
    const startPlugin = (h: DockerHost): void => {
      plugins.set(h.name, startDaemon(h, ['--docker-plugin', '--docker-plugin-socket', h.socket]));
    };
    for (const x of [...(options.dockerOnController ? [ctl] : []), ...lab.hosts.slice(1 + plainNames.length)]) {
      const driver = `ztk${process.pid}${x.name}`;
      docker.push({ ...x, driver, socket: `/run/docker/plugins/${driver}.sock`, dockerd: null as unknown as Dockerd });
    }
    if (!options.dockerOnController) startDaemon(ctl);
    for (const x of plain) {
      if (!external?.names.includes(x.name)) {
        startDaemon(x);
        continue;
      }
      logs[x.name] = '';
      external.start(x, home(x), (cmd, args) => {
        const c = lab.spawn(x, cmd, args);
        c.stdout!.on('data', (d) => (logs[x.name] += d));
        c.stderr!.on('data', (d) => (logs[x.name] += d));
      });
    }
    for (const h of docker) startPlugin(h);
    await waitFor('the APIs up', () => lab.hosts.every((x) => api(x, 'GET', '/status').status === 200), 30_000);
    await waitFor('the plugin sockets', () => docker.every((h) => existsSync(h.socket)), 10_000);
    const nwid = `${address(ctl)}000001`;
    ok(api(ctl, 'POST', `/controller/network/${nwid}`, {
      name: 'docker',
      private: true,
      v4AssignMode: { zt: true },
      v6AssignMode: { zt: false, rfc4193: false, '6plane': true },
      ipAssignmentPools: [{ ipRangeStart: `${SUBNET_PREFIX}10`, ipRangeEnd: `${SUBNET_PREFIX}99` }],
      routes: [{ target: `${SUBNET_PREFIX}0/24` }],
      enableBroadcast: true,
      rules: [{ type: 'ACTION_ACCEPT' }],
    }));
    for (const x of [...plain, ...docker]) ok(api(ctl, 'POST', `/controller/network/${nwid}/member/${address(x)}`, { authorized: true }));
    for (const x of plain) ok(api(x, 'POST', `/network/${nwid}`, {}));
    await waitFor('the plain members on the network', () => plain.every((x) => memberAddress(x, 4) && memberAddress(x, 6)), 45_000);
    for (const h of docker) {
      // Routing 6PLANE addresses to containers needs IPv6 forwarding: set inside h's namespace only.
      lab.exec(h, 'sysctl', ['-q', '-w', 'net.ipv6.conf.all.forwarding=1']);
      h.dockerd = await startDockerd(h.ns, join(work, `dockerd-${h.name}`));
      importBusybox(h.dockerd, work, image);
    }
    let revision = 0;
    return {
      lab, ctl, plain, docker, nwid, image, address, home, api, run, memberAddress, startPlugin, dumpLogs, teardown,
      stopPlugin: async (h) => {
        const c = plugins.get(h.name)!;
        if (c.exitCode !== null || c.signalCode !== null) return;
        const gone = new Promise<void>((r) => c.once('exit', () => r()));
        c.kill('SIGTERM'); // ip netns exec passes it on (it execs the command)
        await gone;
      },
      makeBridge: async (h) => {
        ok(api(ctl, 'POST', `/controller/network/${nwid}/member/${address(h)}`, { activeBridge: true }));
        // A member change reaches that member only; the others let frames from h's containers
        // in once their own config lists h as a bridge, which a network change pushes to all.
        const name = `docker-${++revision}`;
        ok(api(ctl, 'POST', `/controller/network/${nwid}`, { name }));
        const others = [...plain, ...docker].filter((x) => x.name !== h.name);
        await waitFor(`${h.name} a bridge in the members' configs`, () => others.every((x) => {
          const r = api(x, 'GET', `/network/${nwid}`);
          return r.status === 404 || r.json.name === name; // not joined: it gets the new config when it joins
        }), 20_000);
      },
    };
  } catch (e) {
    console.error(Object.entries(logs).map(([n, l]) => `--- ${n} log ---\n${l.slice(-3000)}`).join('\n'));
    await teardown();
    throw e;
  }
}
