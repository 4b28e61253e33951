// `make image`: the ztkube image without a registry (issue #10). Stages the build context
// (build/image/context: the Dockerfile and the app of rootfs-recipe.mjs), makes the base from
// the same recipe and `docker import`s it, then `docker build --build-arg BASE=<that base>`.
// With DOCKER_HOST set it builds into that dockerd and leaves the image there. Without, it
// needs no system dockerd: it starts a private one exactly as the tests do
// (test/helpers/dockerd.ts: its own network namespace, no iptables, bridge or forwarding,
// everything under a temp dir), builds there, `docker save`s the image to
// build/ztkube-image.tar (`docker load -i` it anywhere) and removes the dockerd and namespace.
// Usage: node scripts/image.mjs [TAG]   (default ztkube:local)
//        node scripts/image.mjs --context-only   (stages build/image/context and stops: for a
//        build on the official Node image, `docker build --build-arg BASE=node:20-bookworm-slim`)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_DIR, copyApp, makeBaseRootfs, repo } from './rootfs-recipe.mjs';

const contextOnly = process.argv[2] === '--context-only';
const tag = (!contextOnly && process.argv[2]) || 'ztkube:local';
const work = join(repo, 'build', 'image');

/** Stages the context and the base rootfs; returns their paths. */
function stage() {
  rmSync(work, { recursive: true, force: true });
  const context = join(work, 'context');
  const base = join(work, 'base-rootfs');
  mkdirSync(base, { recursive: true });
  makeBaseRootfs(base);
  copyApp(join(context, APP_DIR));
  cpSync(join(repo, 'Dockerfile'), join(context, 'Dockerfile'));
  return { context, base };
}

/** Imports the base and builds the image with `docker` (a function running the docker CLI). */
export function buildImage(docker, imageTag = tag) {
  const { context, base } = stage();
  const tar = spawnSync('tar', ['-C', base, '-c', '.'], { maxBuffer: 1 << 30 });
  if (tar.status !== 0) throw new Error(`tar of the base rootfs failed: ${tar.stderr}`);
  const b = `${imageTag.replace(/:[^:/]*$/, '')}-base:local`;
  must(docker(['import', '-', b], tar.stdout), 'docker import of the base');
  must(docker(['build', '-q', '--build-arg', `BASE=${b}`, '-t', imageTag, context]), 'docker build');
  rmSync(work, { recursive: true, force: true });
}

function must(r, what) {
  if (r.code !== 0) throw new Error(`${what} failed: ${r.err.trim() || r.out.trim()}`);
  return r.out;
}

/** The docker CLI against `host`, the legacy builder (no buildx needed, nothing pulled). */
export function dockerCli(host) {
  return (args, input) => {
    const r = spawnSync('docker', ['-H', host, ...args], { input, encoding: input ? undefined : 'utf8', maxBuffer: 1 << 30, env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    return { code: r.status, out: String(r.stdout ?? ''), err: `${String(r.stderr ?? '')}${r.error ? r.error.message : ''}` };
  };
}

async function main() {
  if (contextOnly) {
    console.log(`staged ${stage().context}`);
    return;
  }
  if (process.env.DOCKER_HOST) {
    buildImage(dockerCli(process.env.DOCKER_HOST));
    console.log(`built ${tag} on ${process.env.DOCKER_HOST}`);
    return;
  }
  if (process.getuid?.() !== 0) throw new Error('make image without DOCKER_HOST starts a private dockerd, which needs root');
  const { hasDockerd, startDockerd } = await import(join(repo, 'dist/test/helpers/dockerd.js'));
  if (!hasDockerd()) throw new Error('make image needs dockerd, docker, nsenter and unshare (make sysdeps installs docker.io), or DOCKER_HOST naming a running dockerd');
  const ns = `ztimg${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'ztkube-image-'));
  const added = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
  if (added.status !== 0) throw new Error(`ip netns add ${ns}: ${added.stderr.trim()}`);
  let d = null;
  try {
    d = await startDockerd(ns, join(dir, 'dockerd'));
    const docker = dockerCli(`unix://${join(dir, 'dockerd', 'docker.sock')}`);
    buildImage(docker);
    const out = join(repo, 'build', 'ztkube-image.tar');
    must(docker(['save', '-o', out, tag]), 'docker save');
    console.log(`built ${tag} and saved it to ${out}: docker load -i ${out}`);
  } finally {
    await d?.stop();
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(`make image: ${e.message}`);
    process.exit(1);
  });
}
