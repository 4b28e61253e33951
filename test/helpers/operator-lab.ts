// A lab for operator namespace tests: hosts in namespaces (the first one, "op", runs the test
// API server on its 127.0.0.1:6443 and `ztkube operator`, which is the planet's root and the
// in-cluster controller), kubectl 1.30 in op's namespace, and the processes' logs for a
// failure message. Teardown ends the processes by PID and removes namespaces and files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from './shared.js';
import { nsLab, waitFor, type Lab, type LabHost } from './netns.js';
import type { Kubectl } from './kubectl.js';
import { makeHomes, type Homes } from './zt-homes.js';

export const ztkubeCli = join(repoRoot, 'dist', 'cmd', 'ztkube.js');
const apiserver = join(repoRoot, 'dist', 'test', 'kube-apiserver', 'main.js');

export interface OperatorLab {
  lab: Lab;
  work: string;
  homes: Homes;
  host(name: string): LabHost;
  logs: Record<string, string>;
  /** Starts `cmd args` (default: node) in h's namespace, its output in logs[name]. */
  startIn(h: LabHost, name: string, args: string[], cmd?: string): void;
  /** kubectl in op's namespace against the test API server. */
  k(args: string[], input?: string): { code: number | null; out: string };
  kJson(args: string[]): any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** kubectl that must succeed. */
  kOk(args: string[], input?: string): string;
  /** API server up, CRDs applied, namespace and identity Secret made, `prepare` run, operator started. */
  startOperator(extraArgs?: string[], prepare?: () => void): Promise<void>;
  dumpLogs(): string;
  teardown(): void;
}

export function operatorLab(kubectl: Kubectl, names: string[], tag: string): OperatorLab {
  const work = mkdtempSync(join(tmpdir(), `ztkube-${tag}-${process.pid}-`));
  const lab = nsLab(names);
  const host = (n: string): LabHost => lab.hosts.find((h) => h.name === n)!;
  const homes = makeHomes(work, names, names[0]!, `${host(names[0]!).ip}/9993`);
  writeFileSync(join(work, 'kubeconfig'), [
    'apiVersion: v1', 'kind: Config',
    'clusters: [{name: test, cluster: {server: "http://127.0.0.1:6443", insecure-skip-tls-verify: true}}]',
    'users: [{name: test, user: {}}]',
    'contexts: [{name: test, context: {cluster: test, user: test}}]', 'current-context: test', '',
  ].join('\n'), { mode: 0o600 });
  const logs: Record<string, string> = {};
  const op = host(names[0]!);
  const startIn = (h: LabHost, name: string, args: string[], cmd: string = process.execPath): void => {
    const c = lab.spawn(h, cmd, args);
    logs[name] = '';
    c.stdout!.on('data', (d) => (logs[name] += d));
    c.stderr!.on('data', (d) => (logs[name] += d));
  };
  const k = (args: string[], input?: string): { code: number | null; out: string } => {
    const r = spawnSync('ip', ['netns', 'exec', op.ns, kubectl.path, '--kubeconfig', join(work, 'kubeconfig'), '--cache-dir', join(work, 'kcache'), ...args], { input, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, HOME: work } });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const kOk = (args: string[], input?: string): string => {
    const r = k(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.out}`);
    return r.out;
  };
  const kJson = (args: string[]): any => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const r = k([...args, '-o', 'json']);
    return r.code === 0 ? JSON.parse(r.out) : null;
  };
  return {
    lab, work, homes, host, logs, startIn, k, kOk, kJson,
    async startOperator(extraArgs = [], prepare) {
      startIn(op, 'apiserver', [apiserver, '--port', '6443']);
      await waitFor('the test API server', () => logs.apiserver!.includes('listening'), 15_000);
      kOk(['apply', '-f', join(repoRoot, 'manifests', 'crds')]);
      kOk(['create', 'namespace', 'ztkube-system']);
      // The operator's node is the planet's root, so its identity is the one made for the planet.
      kOk(['-n', 'ztkube-system', 'create', 'secret', 'generic', 'ztkube-controller-identity', `--from-file=identity.secret=${join(homes.home(op.name), 'identity.secret')}`]);
      prepare?.();
      startIn(op, 'operator', [ztkubeCli, 'operator', '--kubeconfig', join(work, 'kubeconfig'), '--namespace', 'ztkube-system', '--home', homes.home(op.name), '--port', '9993', '--log-format', 'json', ...extraArgs]);
      await waitFor('the operator started', () => logs.operator!.includes('operator started'), 30_000);
    },
    dumpLogs: () => Object.entries(logs).map(([n, l]) => `--- ${n} ---\n${l.slice(-2500)}`).join('\n'),
    teardown() {
      lab.teardown();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
