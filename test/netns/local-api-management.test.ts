// allowManagementFrom with real sockets (06 §5.2): the API server listens on every address of
// its namespace only when the list names other sources, admits those sources (with the token)
// and refuses the rest with 401, while /metrics takes no notice of the source.
//
//            ns sw: bridge
//          /       |        \
//   ns h0 "api"  ns h1 "near"  ns h2 "far"
//   10.N.0.1     10.N.0.2      10.N.0.3
//   server(s)    admitted      not admitted
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { hasNetns, nsLab, waitFor, type Lab, type LabHost } from '../helpers/netns.js';
import { repoRoot } from '../helpers/shared.js';
import type { ProbeReply, ProbeRequest } from '../helpers/http-probe.js';

const TOKEN = 'abcdefghijklmnopqrstuvwx';
const helpers = join(repoRoot, 'dist', 'test', 'helpers');
let lab: Lab | null = null;
after(() => lab?.teardown());

function startServer(h: LabHost, port: number, allow: string): { child: ChildProcess; out: () => string } {
  let out = '';
  const child = lab!.spawn(h, process.execPath, [join(helpers, 'local-api-server-main.js'), String(port), TOKEN, allow]);
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, out: () => out };
}

function ask(from: LabHost, host: string, port: number, requests: ProbeRequest[]): ProbeReply[] {
  return JSON.parse(lab!.exec(from, process.execPath, [join(helpers, 'http-probe.js'), String(port), JSON.stringify(requests), host])) as ProbeReply[];
}

test('allowManagementFrom admits its sources, refuses others, and leaves /metrics to the token', { skip: !hasNetns() && 'needs root and iproute2', timeout: 60_000 }, async () => {
  lab = nsLab(['api', 'near', 'far']);
  const [api, near, far] = lab.hosts;
  const open = startServer(api, 9993, `${near.ip}/32`);
  await waitFor('the open server', () => open.out().startsWith('listening'), 20_000);
  assert.match(open.out(), /^listening 0\.0\.0\.0\/9993/, 'every address when other sources are allowed');
  const withToken = { 'X-ZT1-Auth': TOKEN };
  const requests: ProbeRequest[] = [
    { method: 'GET', path: '/status', headers: withToken },
    { method: 'GET', path: '/status' },
    { method: 'GET', path: '/health' },
    { method: 'GET', path: '/metrics', headers: withToken },
  ];
  const statuses = (from: LabHost, host: string, port: number): number[] => ask(from, host, port, requests).map((r) => r.status);
  assert.deepEqual(statuses(near, api.ip, 9993), [200, 401, 200, 200], 'admitted: the token still counts');
  assert.deepEqual(statuses(far, api.ip, 9993), [401, 401, 401, 200], 'not admitted: 401 even with the token, except /metrics');
  assert.deepEqual(statuses(api, '127.0.0.1', 9993), [200, 401, 200, 200], 'loopback as always');

  // Without the setting the server is on loopback only: other hosts cannot even connect.
  const closed = startServer(api, 9994, '');
  await waitFor('the loopback server', () => closed.out().startsWith('listening'), 20_000);
  assert.match(closed.out(), /^listening 127\.0\.0\.1\/9994/);
  assert.deepEqual(statuses(near, api.ip, 9994), [0, 0, 0, 0], 'connection refused');
  assert.deepEqual(statuses(api, '127.0.0.1', 9994), [200, 401, 200, 200]);
});
