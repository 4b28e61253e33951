// `ztkube demo`: a private ZeroTier network on this machine, in network namespaces.
//
//   [root 10.N.0.1] --+
//   [a    10.N.0.2] --+-- br0 (its own namespace; no route off the machine)
//   [b    10.N.0.3] --+
//
// It makes three identities and a planet naming the root, starts three daemons, lets a
// keep contact with b (as with a network anchor), waits until a and b talk directly, and
// prints what `ztkube peers` shows on each. Everything is removed at the end (or on Ctrl-C).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
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

export async function runDemo(opts: DemoOptions): Promise<number> {
  if (!hasNetns()) {
    opts.out('ztkube demo needs root and iproute2 (it creates network namespaces)\n');
    return 1;
  }
  const work = mkdtempSync(join(tmpdir(), 'ztkube-demo-'));
  let lab: Lab | null = null;
  const cleanup = (): void => {
    lab?.teardown();
    lab = null;
    rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', cleanup);
  process.once('SIGTERM', cleanup);
  try {
    lab = nsLab(['root', 'a', 'b']);
    const [root, a, b] = lab.hosts;
    const home = (h: LabHost): string => join(work, h.name);
    for (const h of lab.hosts) {
      mkdirSync(home(h), { recursive: true });
      ztkube(['idtool', 'generate', join(home(h), 'identity.secret'), join(home(h), 'identity.public')]);
    }
    const pub = (h: LabHost): string => readFileSync(join(home(h), 'identity.public'), 'utf8');
    const addr = (h: LabHost): string => pub(h).slice(0, 10);
    writeFileSync(join(work, 'roots.json'), JSON.stringify([{ identity: pub(root), stableEndpoints: [`${root.ip}/9993`] }]));
    ztkube(['planet', 'create', join(work, 'roots.json'), join(work, 'planet')]);
    for (const h of lab.hosts) writeFileSync(join(home(h), 'planet'), readFileSync(join(work, 'planet')));
    opts.out(`root ${addr(root)} at ${root.ip}, a ${addr(a)} at ${a.ip}, b ${addr(b)} at ${b.ip}\n`);
    for (const [h, extra] of [[root, []], [b, []], [a, ['--contact', addr(b)]]] as Array<[LabHost, string[]]>) {
      lab.spawn(h, process.execPath, [cli, 'daemon', '--home', home(h), '--port', '9993', '--log-level', 'warn', ...extra]);
    }
    // The CLI asks the daemon's API on 127.0.0.1, so it runs in the daemon's namespace.
    const peers = (h: LabHost): string => lab!.exec(h, process.execPath, [cli, 'peers', '--home', home(h)]);
    await waitFor('a and b to talk directly', () => peers(a).includes(`${b.ip}/`) && peers(b).includes(`${a.ip}/`), 60_000);
    for (const h of [a, b]) opts.out(`\n$ ztkube peers   (on ${h.name})\n${peers(h)}`);
    opts.out(`\na reached b through the root, then directly (DIRECT to ${b.ip}).\n`);
    if (opts.isKept) {
      opts.out(`homes under ${work}; namespaces ${lab.hosts.map((h) => h.ns).join(' ')}; Ctrl-C removes everything\n`);
      await new Promise<void>((r) => {
        process.once('SIGINT', r);
        process.once('SIGTERM', r);
      });
    }
    return 0;
  } finally {
    cleanup();
  }
}
