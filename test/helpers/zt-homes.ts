// Home directories for real-process tests: an identity each and one planet naming the root.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './shared.js';

export const cli = join(repoRoot, 'dist', 'cmd', 'ztkube.js');

/** Runs the built ztkube command; throws with its stderr when it fails. */
export function ztkube(args: string[]): string {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

export interface Homes {
  home(name: string): string;
  /** The 10-hex-digit address of a node. */
  addr(name: string): string;
  publicIdentity(name: string): string;
}

/**
 * Makes `<work>/<name>` for each name with a fresh identity, and writes into each a planet
 * `planetName` whose root is `root` at `rootEndpoint` ("ip/port").
 */
export function makeHomes(work: string, names: string[], root: string, rootEndpoint: string | string[], planetName = 'planet'): Homes {
  const home = (n: string): string => join(work, n);
  const publicIdentity = (n: string): string => readFileSync(join(home(n), 'identity.public'), 'utf8');
  for (const n of names) {
    mkdirSync(home(n), { recursive: true });
    ztkube(['idtool', 'generate', join(home(n), 'identity.secret'), join(home(n), 'identity.public')]);
  }
  const rootsFile = join(work, `${planetName}.roots.json`);
  writeFileSync(rootsFile, JSON.stringify([{ identity: publicIdentity(root), stableEndpoints: typeof rootEndpoint === 'string' ? [rootEndpoint] : rootEndpoint }]));
  ztkube(['planet', 'create', rootsFile, join(work, planetName)]);
  for (const n of names) writeFileSync(join(home(n), 'planet'), readFileSync(join(work, planetName)));
  return { home, addr: (n) => publicIdentity(n).slice(0, 10), publicIdentity };
}

/**
 * A moon whose one root is the identity in `identitySecret`, reachable at `endpoint`, signed by
 * a fresh key: `idtool initmoon` then `genmoon` in `dir`. Returns the file and the world ID.
 */
export function makeMoon(dir: string, identitySecret: string, endpoint: string): { file: string; id: string } {
  mkdirSync(dir, { recursive: true });
  const run = (args: string[]): string => {
    const r = spawnSync(process.execPath, [cli, 'idtool', ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(r.stderr);
    return r.stdout;
  };
  const def = JSON.parse(run(['initmoon', identitySecret])) as { roots: Array<{ stableEndpoints: string[] }> };
  def.roots[0].stableEndpoints = [endpoint];
  writeFileSync(join(dir, 'moon.json'), JSON.stringify(def));
  const m = /wrote (([0-9a-f]{16})\.moon)/.exec(run(['genmoon', 'moon.json']));
  if (!m) throw new Error('genmoon wrote no moon');
  return { file: join(dir, m[1]), id: m[2] };
}
