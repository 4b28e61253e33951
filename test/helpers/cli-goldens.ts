// The zerotier-cli golden cases (test/fixtures/cli): argv, the canned API replies, files in
// the working directory; and the expected stdout, stderr, exit code and API requests,
// recorded from zerotier-cli 1.14.1 itself (test/interop/zerotier-cli-goldens.test.ts with
// ZTKUBE_RECORD_GOLDENS=1). A canned API on loopback serves the replies to a real process.
import http from 'node:http';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from './shared.js';

export const goldenDir = join(repoRoot, 'test', 'fixtures', 'cli');
/** The token the canned API accepts. */
export const CANNED_TOKEN = 'token';

export interface GoldenCase {
  name: string;
  /** `{port}` stands for the canned API's port. */
  args: string[];
  /** "METHOD /path" → reply; anything else gets 404 with an empty body. */
  replies?: Record<string, { status: number; body: string }>;
  /** Nothing listens on the port. */
  unreachable?: boolean;
  /** Files under the working directory (`user/` is $HOME); `{port}` as above. */
  files?: Record<string, string>;
}

export interface GoldenResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** "METHOD path body" per request, in order. */
  requests: string[];
}

export function loadCases(): GoldenCase[] {
  return JSON.parse(readFileSync(join(goldenDir, 'cases.json'), 'utf8')) as GoldenCase[];
}

export function readGolden(name: string): GoldenResult {
  const f = (ext: string): string => (existsSync(join(goldenDir, `${name}.${ext}`)) ? readFileSync(join(goldenDir, `${name}.${ext}`), 'utf8') : '');
  return { stdout: f('stdout'), stderr: f('stderr'), exitCode: Number(f('exit')), requests: f('requests').split('\n').filter((l) => l.length > 0) };
}

export function writeGolden(name: string, r: GoldenResult): void {
  writeFileSync(join(goldenDir, `${name}.stdout`), r.stdout);
  if (r.stderr) writeFileSync(join(goldenDir, `${name}.stderr`), r.stderr);
  writeFileSync(join(goldenDir, `${name}.exit`), `${r.exitCode}\n`);
  if (r.requests.length > 0) writeFileSync(join(goldenDir, `${name}.requests`), r.requests.map((l) => l + '\n').join(''));
}

/**
 * The help text names the CPU architecture (2 = x86-64, where the goldens were recorded);
 * compare it as a placeholder so that the goldens hold on other machines too.
 */
export function withoutArch(r: GoldenResult): GoldenResult {
  const strip = (t: string): string => t.replace(/\(platform 1 arch \d+\)/g, '(platform 1 arch N)');
  return { ...r, stdout: strip(r.stdout), stderr: strip(r.stderr) };
}

export const withPort = (s: string, port: number): string => s.replaceAll('{port}', String(port));

export interface CannedApi {
  port: number;
  requests: string[];
  close(): Promise<void>;
}

/** An HTTP API on 127.0.0.1 answering with `replies` (token checked as the real one does). */
export async function cannedApi(replies: Record<string, { status: number; body: string }>): Promise<CannedApi> {
  const requests: string[] = [];
  // zerotier-cli sends no Host header, which node's server would answer with 400.
  const server = http.createServer({ requireHostHeader: false }, (req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url} ${body}`.trimEnd());
      const r = req.headers['x-zt1-auth'] !== CANNED_TOKEN ? { status: 401, body: '{}' } : replies[`${req.method} ${req.url}`] ?? { status: 404, body: '' };
      res.writeHead(r.status, { 'Content-Length': Buffer.byteLength(r.body), ...(r.body ? { 'Content-Type': 'application/json' } : {}) });
      res.end(r.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A loopback port nothing listens on right now. */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Runs `program` (a path whose basename is zerotier-cli, found through PATH so that argv[0]
 * is the bare name, as when a user types it) for one case in `cwd`.
 */
export async function runCaseProcess(program: string, c: GoldenCase, cwd: string): Promise<GoldenResult> {
  const api = c.unreachable ? null : await cannedApi(c.replies ?? {});
  const port = api ? api.port : await closedPort();
  try {
    for (const [rel, text] of Object.entries(c.files ?? {})) {
      mkdirSync(dirname(join(cwd, rel)), { recursive: true });
      writeFileSync(join(cwd, rel), withPort(text, port));
    }
    mkdirSync(join(cwd, 'user'), { recursive: true });
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(program)}:${process.env.PATH}`, HOME: join(cwd, 'user'), ZTKUBE_SAFETY: 'test' };
    delete env.ZEROTIER_HOME;
    // Not spawnSync: the canned API in this same process has to answer meanwhile.
    const r = await spawnAsync('zerotier-cli', c.args.map((a) => withPort(a, port)), cwd, env);
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.status ?? -1, requests: api ? [...api.requests] : [] };
  } finally {
    await api?.close();
  }
}

function spawnAsync(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
