// A dockerd of the test's own, inside one of the test's network namespaces (issue #10): it
// never touches the host's networking or firewall (no iptables, no bridge, no forwarding or
// masquerading), keeps its data, exec root, socket and pid file in the test's temp dir, and
// runs in a private mount namespace so its container mounts vanish with it. `nsenter --net`
// rather than `ip netns exec`, which remounts /sys and with it the cgroup hierarchy dockerd
// needs. stop() removes containers and networks, then ends dockerd by PID.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './netns.js';

export interface Dockerd {
  /** Runs the docker CLI against this dockerd; never throws. */
  docker(args: string[], input?: Buffer, timeoutMs?: number): { code: number | null; out: string; err: string };
  log(): string;
  stop(): Promise<void>;
}

export function hasDockerd(): boolean {
  const has = (c: string): boolean => spawnSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' }).status === 0;
  return has('dockerd') && has('docker') && has('nsenter') && has('unshare');
}

/** Starts dockerd in network namespace `ns` with everything under `dir`; resolves when it answers. */
export async function startDockerd(ns: string, dir: string): Promise<Dockerd> {
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'daemon.json');
  writeFileSync(config, '{}\n');
  const sock = join(dir, 'docker.sock');
  const args = [
    `--net=/run/netns/${ns}`, 'unshare', '-m', '--propagation', 'private', 'dockerd',
    '--iptables=false', '--ip6tables=false', '--bridge=none', '--ip-forward=false', '--ip-masq=false',
    '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '-H', `unix://${sock}`,
    '--pidfile', join(dir, 'docker.pid'), '--config-file', config,
  ];
  // Its log goes to a file, not a pipe: dockerd logs a lot, and a pipe nobody drains while
  // the test waits in spawnSync (docker CLI calls) would fill up and stall dockerd.
  const logPath = join(dir, 'dockerd.log');
  const logFd = openSync(logPath, 'a');
  const child: ChildProcess = spawn('nsenter', args, { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const log = (): string => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  const docker = (a: string[], input?: Buffer, timeoutMs = 120_000): { code: number | null; out: string; err: string } => {
    const r = spawnSync('docker', ['-H', `unix://${sock}`, ...a], { input, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
    return { code: r.status, out: r.stdout ?? '', err: `${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const ids = docker(['ps', '-aq'], undefined, 30_000).out.split(/\s+/).filter(Boolean);
      if (ids.length > 0) docker(['rm', '-f', ...ids], undefined, 60_000);
      docker(['network', 'prune', '-f'], undefined, 60_000);
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('dockerd answering', () => child.exitCode === null && docker(['version', '--format', '{{.Server.Version}}'], undefined, 10_000).code === 0, 30_000, 200);
  } catch (e) {
    const text = log();
    await stop();
    throw new Error(`${(e as Error).message}\n--- dockerd ---\n${text.slice(-3000)}`);
  }
  return { docker, log, stop };
}

/**
 * Imports a busybox image without a registry: a rootfs of the static busybox and its applet
 * links, `docker import`ed (vectors/07).
 */
export function importBusybox(d: Dockerd, dir: string, name: string): void {
  const root = join(dir, 'rootfs');
  mkdirSync(join(root, 'bin'), { recursive: true });
  const r = spawnSync('sh', ['-c', `cp "$(command -v busybox)" ${root}/bin/busybox && for a in sh ping ping6 ip cat sleep ifconfig route true arping; do ln -sf busybox ${root}/bin/$a; done && tar -C ${root} -c .`], { maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`busybox rootfs: ${r.stderr.toString()}`);
  const imp = d.docker(['import', '-c', 'CMD ["/bin/sh"]', '-', name], r.stdout);
  if (imp.code !== 0) throw new Error(`docker import: ${imp.err}`);
  rmSync(root, { recursive: true, force: true });
}

export function hasBusybox(): boolean {
  const r = spawnSync('sh', ['-c', 'command -v busybox && busybox --list'], { encoding: 'utf8' });
  return r.status === 0 && /\bping6?\b/.test(r.stdout);
}
