// Runs the built CNI shim (build/cni/ztkube) as a runtime does: CNI_* env, config on stdin,
// nothing inherited from the test's own environment but PATH.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './shared.js';

export const shimPath = join(repoRoot, 'build', 'cni', 'ztkube');

export interface ShimRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout as JSON, or null when it is empty. */
  json: Record<string, unknown> | null;
}

export function runShim(env: Record<string, string>, stdin: string): ShimRun {
  const r = spawnSync(shimPath, [], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, input: stdin, encoding: 'utf8', timeout: 30_000 });
  const out = r.stdout ?? '';
  return { status: r.status, stdout: out, stderr: r.stderr ?? '', json: out.trim() === '' ? null : (JSON.parse(out) as Record<string, unknown>) };
}

/** The same, async, for when the agent answering it runs in this process. */
export async function runShimAsync(env: Record<string, string>, stdin: string): Promise<ShimRun> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const p = spawn(shimPath, [], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stdout, stderr, json: stdout.trim() === '' ? null : (JSON.parse(stdout) as Record<string, unknown>) }));
    p.stdin.end(stdin);
  });
}
