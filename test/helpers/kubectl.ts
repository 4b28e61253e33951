// Real kubectl binaries for the fidelity tests and a lab around the test API server:
// the server in process, a temp dir with a kubeconfig pointing at it over plain http, and
// kubectl runs (async: the server lives in this process, so a blocking spawnSync would
// deadlock). kubectl 1.30 is /usr/bin/kubectl (the gcloud dispatcher picks 1.30 from the
// server's version); kubectl 1.20 is Debian's kubernetes-client, unpacked into build/ because
// its package conflicts with an installed /usr/bin/kubectl.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKubeApiServer, type KubeApiServer, type KubeApiServerOptions } from '../kube-apiserver/server.js';
import { repoRoot } from './shared.js';

export interface Kubectl {
  label: string;
  path: string;
  /** Extra flags `apply` needs with this version (1.20 cannot read OpenAPI v3). */
  applyFlags: string[];
}

const KUBECTL_120_DIR = join(repoRoot, 'build', 'kubectl-1.20');

/** kubectl 1.30 through /usr/bin/kubectl, or a reason to skip. */
export function kubectl130(): Kubectl | string {
  const path = '/usr/bin/kubectl';
  return existsSync(path) ? { label: 'kubectl 1.30', path, applyFlags: [] } : `${path} is not installed`;
}

/**
 * kubectl 1.20 from Debian's kubernetes-client, unpacked once into build/kubectl-1.20
 * (apt-get download + dpkg-deb -x, then a rename so concurrent tests never see half a tree),
 * or a reason to skip.
 */
export function kubectl120(): Kubectl | string {
  const bin = join(KUBECTL_120_DIR, 'usr', 'bin', 'kubectl');
  const found = { label: 'kubectl 1.20', path: bin, applyFlags: ['--validate=false'] };
  if (existsSync(bin)) return found;
  for (const tool of ['apt-get', 'dpkg-deb']) if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not available to fetch kubernetes-client`;
  mkdirSync(join(repoRoot, 'build'), { recursive: true });
  const work = mkdtempSync(join(repoRoot, 'build', `kubectl-1.20-${process.pid}-`));
  try {
    const dl = spawnSync('apt-get', ['download', 'kubernetes-client'], { cwd: work, encoding: 'utf8', timeout: 120_000 });
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (deb === undefined) return `apt-get download kubernetes-client failed: ${(dl.stderr || dl.error?.message || '').trim().split('\n').pop()}`;
    const x = spawnSync('dpkg-deb', ['-x', join(work, deb), join(work, 'root')], { encoding: 'utf8' });
    if (x.status !== 0) return `dpkg-deb -x ${deb} failed: ${x.stderr.trim()}`;
    try {
      renameSync(join(work, 'root'), KUBECTL_120_DIR);
    } catch (e) {
      // Another test process unpacked it first: theirs is as good as ours.
      if (!existsSync(bin)) throw e;
    }
    return existsSync(bin) ? found : `kubernetes-client has no usr/bin/kubectl`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface KubeLab {
  server: KubeApiServer;
  dir: string;
  kubeconfig: string;
  /** Runs kubectl to completion (killed after timeoutMs). */
  run(k: Kubectl, args: string[], input?: string, timeoutMs?: number): Promise<KubectlResult>;
  /** Starts a long-running kubectl (get --watch, delete waiting on a finalizer); the lab kills it on close. */
  start(k: Kubectl, args: string[]): { child: ChildProcess; output(): string; exited: Promise<number | null> };
  close(): Promise<void>;
}

export async function startKubeLab(options: KubeApiServerOptions = {}): Promise<KubeLab> {
  const dir = mkdtempSync(join(tmpdir(), `ztkube-kubelab-${process.pid}-`));
  const children: ChildProcess[] = [];
  let server: KubeApiServer;
  try {
    server = await createKubeApiServer(options);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, [
    'apiVersion: v1', 'kind: Config',
    `clusters: [{name: test, cluster: {server: "${server.url}"}}]`,
    'users: [{name: test, user: {}}]',
    'contexts: [{name: test, context: {cluster: test, user: test, namespace: default}}]',
    'current-context: test', '',
  ].join('\n'), { mode: 0o600 });
  const env = (k: Kubectl): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: dir, KUBECONFIG: kubeconfig });
  const cacheFlag = (k: Kubectl): string[] => ['--cache-dir', join(dir, `cache-${k.label.replace(/\W/g, '')}`)];
  const start: KubeLab['start'] = (k, args) => {
    const child = spawn(k.path, [...cacheFlag(k), ...args], { env: env(k), stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('close', (c) => r(c)));
    return { child, output: () => out, exited };
  };
  return {
    server, dir, kubeconfig, start,
    run: (k, args, input, timeoutMs = 60_000) =>
      new Promise((resolve) => {
        const child = spawn(k.path, [...cacheFlag(k), ...args], { env: env(k), stdio: ['pipe', 'pipe', 'pipe'] });
        children.push(child);
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (d) => (stdout += d));
        child.stderr!.on('data', (d) => (stderr += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.once('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
        child.stdin!.end(input ?? '');
      }),
    close: async () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until check() is true, polling; fails with `what` after timeoutMs. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
