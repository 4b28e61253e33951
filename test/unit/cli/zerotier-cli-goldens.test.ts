// ztkube's zerotier-cli front end against the golden files recorded from zerotier-cli 1.14.1
// (test/fixtures/cli, 06 §6): every case's argv and canned API replies, through a fake
// ApiCall, must give the same stdout, stderr, exit code and requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runZerotierCli } from '../../../src/cli/zerotier-cli.js';
import type { ApiCall } from '../../../src/cli/api-client.js';
import { MemoryIo } from '../../helpers/memory-io.js';
import { CANNED_TOKEN, loadCases, readGolden, withoutArch, withPort, type GoldenCase, type GoldenResult } from '../../helpers/cli-goldens.js';

const PORT = 9993;

async function runCase(c: GoldenCase): Promise<GoldenResult> {
  const io = new MemoryIo();
  for (const [rel, text] of Object.entries(c.files ?? {})) io.put(rel, withPort(text, PORT));
  const requests: string[] = [];
  const connect = (target: { token: string }): ApiCall => async (method, path, body) => {
    if (c.unreachable) return { status: 0, body: 'connection failed' };
    requests.push(`${method} ${path} ${body ?? ''}`.trimEnd());
    if (target.token !== CANNED_TOKEN) return { status: 401, body: '{}' };
    return c.replies?.[`${method} ${path}`] ?? { status: 404, body: '' };
  };
  const exitCode = await runZerotierCli('zerotier-cli', c.args.map((a) => withPort(a, PORT)), { io, env: { HOME: 'user' }, connect, interfaces: () => [] });
  return { stdout: io.out, stderr: io.err, exitCode, requests };
}

for (const c of loadCases()) {
  test(`zerotier-cli ${c.name}: as 1.14.1 prints it`, async () => {
    assert.deepEqual(withoutArch(await runCase(c)), withoutArch(readGolden(c.name)));
  });
}
