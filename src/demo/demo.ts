// `ztkube demo`: a private ZeroTier network on this machine, in network namespaces.
//
//   [ctl 10.N.0.1] --+
//   [m1  10.N.0.2] --+-- br0 (its own namespace; no route off the machine)
//   [m2  10.N.0.3] --+
//
// It makes three identities and a planet whose root is ctl, starts three daemons, creates a
// network on ctl's controller through its local API (a v4 pool and 6PLANE), authorizes m1
// and m2, joins them with `ztkube join`, and once their TAPs have their addresses prints
// `ztkube listnetworks` on each and pings m2 from m1 over IPv4 and 6PLANE. Everything is
// removed at the end, on a failure, or on Ctrl-C (`--keep`: kept until Ctrl-C).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { tapNameForNetwork } from '../net/tap/names.js';
import { hasNetns, nsLab, waitFor, type Lab, type LabHost } from './netns-lab.js';

const cli = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cmd', 'ztkube.js');

function ztkube(args: string[]): string {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`ztkube ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

export interface DemoOptions {
  /** Keep everything running until SIGINT/SIGTERM. */
  isKept: boolean;
  out(s: string): void;
}

/** The overlay subnet of the demo network (inside the namespaces only). */
const SUBNET = '10.147.17';

export async function runDemo(opts: DemoOptions): Promise<number> {
  if (!hasNetns()) {
    opts.out('ztkube demo needs root and iproute2 (it creates network namespaces)\n');
    return 1;
  }
  const work = mkdtempSync(join(tmpdir(), 'ztkube-demo-'));
  let lab: Lab | null = null;
  let wake: (() => void) | null = null;
  const cleanup = (): void => {
    lab?.teardown();
    lab = null;
    rmSync(work, { recursive: true, force: true });
  };
  // Ctrl-C while waiting under --keep ends the wait; at any other moment it removes
  // everything and exits at once.
  const onSignal = (): void => {
    if (wake) return wake();
    cleanup();
    opts.out('\ninterrupted; everything removed\n');
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    lab = nsLab(['ctl', 'm1', 'm2']);
    const l = lab;
    const [ctl, m1, m2] = l.hosts;
    const home = (h: LabHost): string => join(work, h.name);
    for (const h of l.hosts) {
      mkdirSync(home(h), { recursive: true });
      ztkube(['idtool', 'generate', join(home(h), 'identity.secret'), join(home(h), 'identity.public')]);
    }
    const pub = (h: LabHost): string => readFileSync(join(home(h), 'identity.public'), 'utf8');
    const addr = (h: LabHost): string => pub(h).slice(0, 10);
    writeFileSync(join(work, 'roots.json'), JSON.stringify([{ identity: pub(ctl).trim(), stableEndpoints: [`${ctl.ip}/9993`] }]));
    ztkube(['planet', 'create', join(work, 'roots.json'), join(work, 'planet')]);
    for (const h of l.hosts) writeFileSync(join(home(h), 'planet'), readFileSync(join(work, 'planet')));
    opts.out(`ctl ${addr(ctl)} at ${ctl.ip} (planet root and network controller)\nm1  ${addr(m1)} at ${m1.ip}\nm2  ${addr(m2)} at ${m2.ip}\n`);
    for (const h of l.hosts) l.spawn(h, process.execPath, [cli, 'daemon', '--home', home(h), '--port', '9993', '--log-level', 'warn']);

    // The CLI and the API answer on the namespace's loopback: both run inside the namespace.
    const cliIn = (h: LabHost, args: string[]): string => l.exec(h, process.execPath, [cli, ...args, '--home', home(h)]);
    const api = (h: LabHost, method: string, path: string, body?: unknown): { status: number; json: any } => { // eslint-disable-line @typescript-eslint/no-explicit-any
      const script =
        'const [m, p, t, b] = process.argv.slice(1);' +
        "const r = await fetch('http://127.0.0.1:9993' + p, { method: m, headers: { 'X-ZT1-Auth': t }, body: b === '' ? undefined : b });" +
        "process.stdout.write(r.status + ' ' + (await r.text()));";
      const token = readFileSync(join(home(h), 'authtoken.secret'), 'utf8').trim();
      const out = l.exec(h, process.execPath, ['--input-type=module', '-e', script, method, path, token, body === undefined ? '' : JSON.stringify(body)]);
      const sp = out.indexOf(' ');
      return { status: Number(out.slice(0, sp)), json: JSON.parse(out.slice(sp + 1) || 'null') };
    };
    const mustApi = (h: LabHost, method: string, path: string, body?: unknown): unknown => {
      const r = api(h, method, path, body);
      if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
      return r.json;
    };
    await waitFor('the daemons’ APIs', () => l.hosts.every((h) => api(h, 'GET', '/status').status === 200), 30_000);

    const nwid = `${addr(ctl)}000001`;
    const network = {
      name: 'demo',
      private: true,
      v4AssignMode: { zt: true },
      v6AssignMode: { zt: false, rfc4193: false, '6plane': true },
      ipAssignmentPools: [{ ipRangeStart: `${SUBNET}.10`, ipRangeEnd: `${SUBNET}.250` }],
      routes: [{ target: `${SUBNET}.0/24` }],
      rules: [{ type: 'ACTION_ACCEPT' }],
    };
    mustApi(ctl, 'POST', `/controller/network/${nwid}`, network);
    opts.out(`\n$ curl -H "X-ZT1-Auth: …" http://127.0.0.1:9993/controller/network/${nwid} -d '${JSON.stringify(network)}'   (on ctl)\n`);
    for (const h of [m1, m2]) {
      mustApi(ctl, 'POST', `/controller/network/${nwid}/member/${addr(h)}`, { authorized: true });
      opts.out(`$ curl … /controller/network/${nwid}/member/${addr(h)} -d '{"authorized":true}'   (on ctl)\n`);
    }
    for (const h of [m1, m2]) opts.out(`$ ztkube join ${nwid}   (on ${h.name})\n${cliIn(h, ['join', nwid])}`);

    // Both members configured, their TAPs up with the IPv4 and 6PLANE addresses (no DAD pending).
    const dev = tapNameForNetwork(BigInt('0x' + nwid));
    const overlay = (h: LabHost): { v4: string; sixplane: string } | null => {
      const info = JSON.parse(l.exec(h, 'ip', ['-j', 'addr', 'show', 'dev', dev])) as Array<{ addr_info: Array<{ family: string; local: string; prefixlen: number; tentative?: boolean }> }>;
      const usable = (info[0]?.addr_info ?? []).filter((a) => !a.tentative);
      const v4 = usable.find((a) => a.family === 'inet')?.local;
      const sixplane = usable.find((a) => a.family === 'inet6' && a.prefixlen === 40)?.local;
      return v4 && sixplane ? { v4, sixplane } : null;
    };
    await waitFor('both members on the network with their addresses', () => overlay(m1) && overlay(m2), 30_000);
    for (const h of [m1, m2]) opts.out(`\n$ ztkube listnetworks   (on ${h.name})\n${cliIn(h, ['listnetworks'])}`);
    const to = overlay(m2)!;
    // The first packets wait for ARP/NDP over the overlay and the members' credentials.
    const ping = (args: string[]): string => l.exec(m1, 'ping', args);
    for (const target of [to.v4, to.sixplane]) {
      await waitFor(`m1 reaching ${target}`, () => ping(['-c', '1', '-W', '1', target]), 20_000, 300);
      opts.out(`\n$ ping -c 3 ${target}   (on m1: m2's ${target === to.v4 ? 'IPv4' : '6PLANE'} address on the overlay)\n${ping(['-c', '3', '-i', '0.3', target])}`);
    }
    opts.out(`\nm1 and m2 are on ZeroTier network ${nwid} (controller ${addr(ctl)}), each with a TAP ${dev}.\n`);
    if (opts.isKept) {
      opts.out(`homes under ${work}; namespaces ${l.hosts.map((h) => h.ns).join(' ')} (try: ip netns exec ${m1.ns} ping ${to.v4}); Ctrl-C removes everything\n`);
      await new Promise<void>((r) => (wake = r));
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cleanup();
  }
}
