// A containerd of the test's own with its CRI plugin (issue #12; shared/vectors/07), so that a
// real container runtime drives the CNI chain: RunPodSandbox over CRI makes containerd create
// the pod's netns and run loopback, then the conflist's plugins, exactly as on a node.
//
// It runs inside one of the test's network namespaces (`nsenter --net`, not `ip netns exec`,
// which remounts /sys and hides the cgroup hierarchy runc needs), with root, state, sockets,
// runc's root, the CNI bin and conf dirs all under `dir`. The config carries what this kind of
// machine needs: restrict_oom_score_adj (root lacks CAP_SYS_RESOURCE), disable_apparmor, netns
// mounts under the state dir, the native snapshotter, and a cgroup parent of the test's own.
// The sandbox image is built here: a static pause program (cri/pause.c, gcc -static) in an OCI
// archive, imported with `ctr images import`; nothing is pulled.
//
// stop() undoes everything, also after a failure: sandboxes through CRI while containerd
// answers, then containerd by PID, its pod processes by the PIDs in its task dirs, its shims
// by PID (found by this containerd's socket path on their command line),
// the cgroups under the test's parent, the shim sockets in /run/containerd/s and the libcni
// result files in /var/lib/cni that belong to our sandboxes, the mounts under `dir`, and `dir`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './netns.js';
import { criClient, type CriClient } from './cri-client.js';
import { repoRoot } from './shared.js';

/** The CRI plugin's containerd namespace. */
export const CRI_NAMESPACE = 'k8s.io';
/** Where containerd 1.6 puts shim sockets whatever its state dir (a sha256 of address/namespace/id). */
const SHIM_SOCKET_DIR = '/run/containerd/s';
/** libcni's cache, not configurable through containerd 1.6's CRI config. */
const LIBCNI_RESULTS = '/var/lib/cni/results';

export interface ContainerdOptions {
  /** Network namespace (under /run/netns) containerd runs in. */
  ns: string;
  /** Everything of this containerd lives under here; stop() removes it. */
  dir: string;
  /** CNI plugins by the name the conflist uses → the binary to run. */
  cniPlugins: Record<string, string>;
  /** The one network config list in the CNI conf dir. */
  conflist: Record<string, unknown>;
}

export interface Containerd {
  socket: string;
  cri: CriClient;
  /** The sandbox image's name (the CRI config's sandbox_image). */
  sandboxImage: string;
  /** The cgroup parent to give sandboxes (LinuxPodSandboxConfig.cgroup_parent), so stop() finds their cgroups. */
  cgroupParent: string;
  /** The sandbox's netns path, from PodSandboxStatus's verbose info. */
  sandboxNetns(id: string): Promise<string>;
  /** Runs ctr against this containerd; never throws. */
  ctr(args: string[]): { code: number | null; out: string; err: string };
  log(): string;
  stop(): Promise<void>;
}

export function hasContainerd(): boolean {
  const has = (c: string): boolean => spawnSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' }).status === 0;
  return has('containerd') && has('ctr') && has('runc') && has('containerd-shim-runc-v2') && has('nsenter') && has('gcc') && has('tar') && existsSync('/usr/lib/cni/loopback');
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

function ociArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}

/**
 * Builds the sandbox image as an OCI archive at `<dir>/pause-image.tar`: one layer holding
 * /pause, which is also the Entrypoint the CRI plugin runs. Returns the archive's path.
 */
export function buildSandboxImage(dir: string, name: string): string {
  const rootfs = join(dir, 'pause-rootfs');
  const layout = join(dir, 'pause-oci');
  const blobs = join(layout, 'blobs', 'sha256');
  mkdirSync(rootfs, { recursive: true });
  mkdirSync(blobs, { recursive: true });
  const cc = spawnSync('gcc', ['-static', '-O2', '-o', join(rootfs, 'pause'), join(repoRoot, 'test', 'helpers', 'cri', 'pause.c')], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`gcc -static pause.c failed: ${cc.stderr}`);
  const layerTar = spawnSync('tar', ['-C', rootfs, '--owner=0', '--group=0', '--numeric-owner', '-cf', '-', 'pause'], { maxBuffer: 64 << 20 });
  if (layerTar.status !== 0) throw new Error(`tar of the pause layer failed: ${layerTar.stderr.toString()}`);
  const blob = (data: Buffer | string): { digest: string; size: number } => {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    const hex = sha256(buf);
    writeFileSync(join(blobs, hex), buf);
    return { digest: `sha256:${hex}`, size: buf.length };
  };
  const layer = blob(layerTar.stdout);
  const config = blob(JSON.stringify({
    architecture: ociArch(),
    os: 'linux',
    config: { Entrypoint: ['/pause'], WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [layer.digest] }, // uncompressed: the digest is the diff ID
  }));
  const manifest = blob(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
  }));
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(layout, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'io.containerd.image.name': name } }],
  }));
  const archive = join(dir, 'pause-image.tar');
  const t = spawnSync('tar', ['-C', layout, '-cf', archive, '.'], { encoding: 'utf8' });
  if (t.status !== 0) throw new Error(`tar of the OCI layout failed: ${t.stderr}`);
  rmSync(rootfs, { recursive: true, force: true });
  rmSync(layout, { recursive: true, force: true });
  return archive;
}

/**
 * Makes `dir` a shared mount point, so the netns mounts containerd makes under it later reach
 * processes that have their own mount namespace (anything started with `ip netns exec`, like
 * the CNI agent, which enters the pod's netns by path). Start those processes after this.
 * Returns the undo: a lazy recursive unmount of `dir`.
 */
export function makeSharedMount(dir: string): () => void {
  const m = (args: string[]): void => {
    const r = spawnSync('mount', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mount ${args.join(' ')}: ${r.stderr.trim()}`);
  };
  m(['--bind', dir, dir]);
  try {
    m(['--make-shared', dir]);
  } catch (e) {
    spawnSync('umount', ['-l', dir]);
    throw e;
  }
  return () => {
    spawnSync('umount', ['-R', '-l', dir], { stdio: 'ignore' }); // already gone counts as done
  };
}

/** Mount points at or under `dir`, deepest first (from this process's mountinfo). */
function mountsUnder(dir: string): string[] {
  const decode = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => decode(l.split(' ')[4] ?? ''))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

function cgroupControllerDirs(): string[] {
  const root = '/sys/fs/cgroup';
  if (existsSync(join(root, 'cgroup.controllers'))) return [root]; // cgroup v2: one hierarchy
  return readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.isSymbolicLink()).map((d) => join(root, d.name));
}

/** Kills the processes in, then removes, the cgroup `rel` (and below) in every hierarchy. */
function removeCgroups(rel: string): void {
  for (const base of cgroupControllerDirs()) {
    const top = join(base, rel);
    if (!existsSync(top)) continue;
    const dirs: string[] = [];
    const walk = (d: string): void => {
      dirs.push(d);
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    };
    walk(top);
    for (const d of dirs) {
      for (const pid of readFileSafe(join(d, 'cgroup.procs')).split('\n').filter(Boolean)) killPid(Number(pid));
    }
    for (const d of dirs.reverse()) {
      try {
        rmdirSync(d);
      } catch {
        // a process still exiting: it goes with the namespace; the next run's parent name differs
      }
    }
  }
}

function readFileSafe(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return ''; // absent: nothing recorded there
  }
}

function killPid(pid: number): void {
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // exited already
  }
}

/** PIDs of containerd-shim processes started for the containerd at `socket`. */
function shimPids(socket: string): number[] {
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const argv = readFileSafe(join('/proc', e, 'cmdline')).split('\0');
    const at = argv.indexOf('-address');
    if ((argv[0] ?? '').includes('containerd-shim') && at >= 0 && argv[at + 1] === socket) pids.push(Number(e));
  }
  return pids;
}

/** Starts containerd in `o.ns`; resolves when its CRI service answers. */
export async function startContainerd(o: ContainerdOptions): Promise<Containerd> {
  const dir = o.dir;
  const binDir = join(dir, 'cni-bin');
  const confDir = join(dir, 'cni-conf');
  const root = join(dir, 'root');
  const state = join(dir, 'state');
  const socket = join(dir, 'containerd.sock');
  const cgroupParent = `/ztkube-cri-${process.pid}-${sha256(dir).slice(0, 8)}`;
  const sandboxImage = 'ztkube.test/pause:1';
  mkdirSync(binDir, { recursive: true });
  mkdirSync(confDir, { recursive: true });
  // containerd runs loopback itself for every sandbox; the conflist names the rest
  symlinkSync('/usr/lib/cni/loopback', join(binDir, 'loopback'));
  for (const [name, path] of Object.entries(o.cniPlugins)) symlinkSync(path, join(binDir, name));
  writeFileSync(join(confDir, '10-pods.conflist'), JSON.stringify(o.conflist, null, 2));
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  const toml = [
    'version = 2',
    `root = ${JSON.stringify(root)}`,
    `state = ${JSON.stringify(state)}`,
    // the opt plugin would otherwise create /opt/containerd on the host
    `disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]`,
    '[grpc]',
    `  address = ${JSON.stringify(socket)}`,
    '[ttrpc]',
    `  address = ${JSON.stringify(`${socket}.ttrpc`)}`,
    `[${cri}]`,
    `  sandbox_image = ${JSON.stringify(sandboxImage)}`,
    '  restrict_oom_score_adj = true',
    '  disable_apparmor = true',
    '  netns_mounts_under_state_dir = true',
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    `[${cri}.cni]`,
    `  bin_dir = ${JSON.stringify(binDir)}`,
    `  conf_dir = ${JSON.stringify(confDir)}`,
    '  max_conf_num = 1',
    `[${cri}.containerd]`,
    '  snapshotter = "native"',
    '  default_runtime_name = "runc"',
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `[${cri}.containerd.runtimes.runc.options]`,
    `  Root = ${JSON.stringify(join(dir, 'runc'))}`,
    '  SystemdCgroup = false',
    '',
  ].join('\n');
  const configPath = join(dir, 'config.toml');
  writeFileSync(configPath, toml);

  const logPath = join(dir, 'containerd.log');
  const logFd = openSync(logPath, 'a');
  // A file, not a pipe: nobody drains a pipe while the test waits in spawnSync.
  const child: ChildProcess = spawn('nsenter', [`--net=/run/netns/${o.ns}`, 'containerd', '--config', configPath], { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const log = (): string => readFileSafe(logPath);
  const client = criClient(socket);
  const sandboxIds = new Set<string>();
  const tracked: CriClient = {
    ...client,
    runPodSandbox: async (config, handler) => {
      const id = await client.runPodSandbox(config, handler);
      sandboxIds.add(id);
      return id;
    },
  };
  const ctr = (args: string[]): { code: number | null; out: string; err: string } => {
    const r = spawnSync('ctr', ['--address', socket, '-n', CRI_NAMESPACE, ...args], { encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, out: r.stdout ?? '', err: `${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
  };
  // Shared host dirs that containerd or libcni create when missing: removed again (when empty) only if we made them.
  const hostDirs = [LIBCNI_RESULTS, '/var/lib/cni', SHIM_SOCKET_DIR, '/run/containerd'].filter((d) => !existsSync(d));
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (alive()) {
      try {
        for (const s of await client.listPodSandbox()) sandboxIds.add(s.id);
        for (const id of sandboxIds) {
          await client.stopPodSandbox(id).catch(() => undefined); // removed already
          await client.removePodSandbox(id).catch(() => undefined);
        }
      } catch {
        // containerd not answering: the PID-based cleanup below still runs
      }
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    client.close();
    // Shims outlive containerd by design. Each task dir records its pod process (init.pid);
    // containerd 1.6 records no shim PID, so the shims are ours when started with
    // `-address <this containerd's socket>`, a path no other containerd has.
    const tasks = join(state, 'io.containerd.runtime.v2.task', CRI_NAMESPACE);
    if (existsSync(tasks)) {
      for (const id of readdirSync(tasks)) {
        sandboxIds.add(id);
        const pid = Number(readFileSafe(join(tasks, id, 'init.pid')).trim());
        // still our pause process, not a PID the kernel has handed to someone else since
        if (readFileSafe(`/proc/${pid}/cmdline`).split('\0')[0] === '/pause') killPid(pid);
      }
    }
    for (const pid of shimPids(socket)) killPid(pid);
    removeCgroups(cgroupParent);
    for (const id of sandboxIds) {
      rmSync(join(SHIM_SOCKET_DIR, sha256(join(socket, CRI_NAMESPACE, id))), { force: true });
    }
    if (existsSync(LIBCNI_RESULTS)) {
      for (const f of readdirSync(LIBCNI_RESULTS)) {
        if ([...sandboxIds].some((id) => f.includes(id))) rmSync(join(LIBCNI_RESULTS, f), { force: true });
      }
    }
    for (const d of hostDirs) {
      try {
        rmdirSync(d); // only when empty: another test's containerd may have come to use it
      } catch {
        // not empty, or absent
      }
    }
    for (const m of mountsUnder(dir)) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitFor('the containerd socket', () => !alive() || existsSync(socket), 30_000, 50);
    let version: Error | null = null;
    for (let i = 0; i < 50; i++) {
      try {
        await client.version();
        version = null;
        break;
      } catch (e) {
        version = e as Error;
        if (!alive()) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (version) throw version;
    const archive = buildSandboxImage(dir, sandboxImage);
    const imp = ctr(['images', 'import', '--snapshotter', 'native', archive]);
    if (imp.code !== 0) throw new Error(`ctr images import: ${imp.err}`);
  } catch (e) {
    const text = log();
    await stop();
    throw new Error(`containerd did not start: ${(e as Error).message}\n--- containerd ---\n${text.slice(-3000)}`);
  }

  return {
    socket,
    cri: tracked,
    sandboxImage,
    cgroupParent,
    ctr,
    log,
    stop,
    sandboxNetns: async (id) => {
      const { info } = await client.podSandboxStatus(id, true);
      const spec = (JSON.parse(info.info ?? '{}') as { runtimeSpec?: { linux?: { namespaces?: Array<{ type: string; path?: string }> } } }).runtimeSpec;
      const path = spec?.linux?.namespaces?.find((n) => n.type === 'network')?.path;
      if (!path) throw new Error(`sandbox ${id}: no network namespace path in its verbose status`);
      return path;
    },
  };
}
