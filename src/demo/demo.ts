// `ztkube demo`: a private ZeroTier network on this machine, in network namespaces.
//
//   [ctl 10.N.0.1] --+      ctl: the planet's root and the network's controller
//   [m1  10.N.0.2] --+-- br0 (its own namespace; no route off the machine)
//   [m2  10.N.0.3] --+
//
// It makes three identities and a planet whose root is ctl, starts a `ztkube daemon` in
// each namespace, creates a private network on ctl's controller with `ztkube network
// create` (an IPv4 pool and 6PLANE) and authorizes m1 and m2 with `ztkube member
// authorize`, joins them with `zerotier-cli join`, waits until both are OK with their
// addresses, pings m2 from m1 over IPv4 and 6PLANE, and prints `zerotier-cli listnetworks`
// and `peers` on each member. Everything is removed at the end, on a failure, and on
// Ctrl-C or SIGTERM; `--keep` leaves it running (with instructions) until then.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

/** The overlay range of the demo network (inside the namespaces only). */
const SUBNET = '10.147.17';
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

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
  // A signal while waiting under --keep ends the wait (and the finally below cleans up); at
  // any other moment it removes everything and exits at once.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (wake) return wake();
    cleanup();
    opts.out(`\n${signal}: stopped; everything removed\n`);
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  try {
    lab = nsLab(['ctl', 'm1', 'm2']);
    await show(lab, work, opts, (r) => (wake = r));
    return 0;
  } catch (e) {
    opts.out(`\ndemo failed: ${(e as Error).message}\neverything removed\n`);
    return 1;
  } finally {
    for (const s of SIGNALS) process.off(s, onSignal);
    cleanup();
  }
}

async function show(l: Lab, work: string, opts: DemoOptions, setWake: (wake: () => void) => void): Promise<void> {
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

  // The program under the name zerotier-cli, as `make` installs it in bin/.
  const bin = join(work, 'bin');
  mkdirSync(bin);
  symlinkSync(cli, join(bin, 'zerotier-cli'));
  // The CLI reaches the API on the namespace's loopback, so it runs inside the namespace,
  // with ZEROTIER_HOME naming that node's home as a real installation's default would.
  const inNs = (h: LabHost, program: string, args: string[]): string => l.exec(h, 'env', [`ZEROTIER_HOME=${home(h)}`, process.execPath, program, ...args]);
  const zerotierCli = (h: LabHost, args: string[]): string => inNs(h, join(bin, 'zerotier-cli'), args);
  const say = (h: LabHost, command: string, output: string, note = ''): void => opts.out(`\n$ ${command}   (on ${h.name}${note})\n${output}`);
  await waitFor('the daemons’ APIs', () => l.hosts.every((h) => zerotierCli(h, ['info']).startsWith('200 info ')), 30_000);

  const createArgs = ['--name', 'demo', '--private', '--pool', `${SUBNET}.10-${SUBNET}.250`, '--route', `${SUBNET}.0/24`, '--v6', '6plane'];
  const created = JSON.parse(inNs(ctl, cli, ['network', 'create', ...createArgs, '-j'])) as { id: string };
  const nwid = created.id;
  say(ctl, `ztkube network create ${createArgs.join(' ')}`, inNs(ctl, cli, ['network', 'show', nwid]));
  for (const h of [m1, m2]) say(ctl, `ztkube member authorize ${nwid} ${addr(h)}`, inNs(ctl, cli, ['member', 'authorize', nwid, addr(h)]).split('\n').slice(0, 4).join('\n') + '\n');
  for (const h of [m1, m2]) say(h, `zerotier-cli join ${nwid}`, zerotierCli(h, ['join', nwid]));

  // Both members OK, their TAPs up with the IPv4 and 6PLANE addresses (no DAD pending).
  const dev = tapNameForNetwork(BigInt('0x' + nwid));
  const overlay = (h: LabHost): { v4: string; sixplane: string } | null => {
    if (zerotierCli(h, ['get', nwid, 'status']) !== 'OK\n') return null;
    const info = JSON.parse(l.exec(h, 'ip', ['-j', 'addr', 'show', 'dev', dev])) as Array<{ addr_info: Array<{ family: string; local: string; prefixlen: number; tentative?: boolean }> }>;
    const usable = (info[0]?.addr_info ?? []).filter((a) => !a.tentative);
    const v4 = usable.find((a) => a.family === 'inet')?.local;
    const sixplane = usable.find((a) => a.family === 'inet6' && a.prefixlen === 40)?.local;
    return v4 && sixplane ? { v4, sixplane } : null;
  };
  await waitFor('both members OK with their addresses', () => overlay(m1) && overlay(m2), 30_000);
  opts.out(`\n$ ztkube member list ${nwid}   (on ctl)\n${inNs(ctl, cli, ['member', 'list', nwid])}`);
  const to = overlay(m2)!;
  // The first packets wait for ARP/NDP over the overlay and the members' credentials.
  const ping = (args: string[]): string => l.exec(m1, 'ping', args);
  for (const target of [to.v4, to.sixplane]) {
    await waitFor(`m1 reaching ${target}`, () => ping(['-c', '1', '-W', '1', target]), 20_000, 300);
    say(m1, `ping -c 3 ${target}`, ping(['-c', '3', '-i', '0.3', target]), `: m2's ${target === to.v4 ? 'IPv4' : '6PLANE'} address on the overlay`);
  }
  for (const h of [m1, m2]) {
    say(h, 'zerotier-cli listnetworks', zerotierCli(h, ['listnetworks']));
    say(h, 'zerotier-cli peers', zerotierCli(h, ['peers']));
  }
  opts.out(`\nm1 and m2 are on ZeroTier network ${nwid} (controller ${addr(ctl)}), each with a TAP ${dev}.\n`);
  if (opts.isKept) {
    opts.out(
      `\nIt keeps running. In another terminal, as root:\n` +
        `  ip netns exec ${m1.ns} env ZEROTIER_HOME=${home(m1)} PATH=${bin}:$PATH bash    # a shell on m1\n` +
        `  zerotier-cli listnetworks; zerotier-cli peers; ping ${to.v4}; ping ${to.sixplane}\n` +
        `  ip netns exec ${ctl.ns} env ZEROTIER_HOME=${home(ctl)} ${process.execPath} ${cli} member list ${nwid}    # the controller\n` +
        `Namespaces: ${l.hosts.map((h) => h.ns).join(' ')}; homes under ${work}.\n` +
        `Ctrl-C here removes everything.\n`,
    );
    await new Promise<void>((r) => setWake(r));
  }
}
