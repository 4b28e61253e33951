// `ztkube agent`'s flags: each bad one is one sentence naming it and exit 2, before anything
// is started; --health-addr takes host:port and [v6]:port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseHealthAddr } from '../../../src/cli/health-addr-arg.js';
import { ConfigError } from '../../../src/util/errors.js';
import { repoRoot } from '../../helpers/shared.js';

const cli = join(repoRoot, 'dist', 'cmd', 'ztkube.js');

test('--health-addr: host:port, [v6]:port; anything else is a ConfigError naming the flag', () => {
  assert.deepEqual(parseHealthAddr('0.0.0.0:9994'), { host: '0.0.0.0', port: 9994 });
  assert.deepEqual(parseHealthAddr('[::1]:80'), { host: '::1', port: 80 });
  for (const bad of ['9994', ':9994', '0.0.0.0:99999', '::1:80', 7]) {
    assert.throws(() => parseHealthAddr(bad), (e) => e instanceof ConfigError && e.message.startsWith('--health-addr must be host:port'), String(bad));
  }
});

test('bad flags: one sentence naming the flag, exit 2, no stack trace', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--node-name', 'Bad_Name'], /^ztkube agent: --node-name \(or \$NODE_NAME\) must be a Kubernetes node name, got "Bad_Name"\n$/],
    [['--node-name', 'n1', '--port', '0'], /^ztkube agent: --port must be 1-65535, got 0\n$/],
    [['--node-name', 'n1', '--home', 'relative'], /^ztkube agent: --home must be an absolute path, got "relative"\n$/],
    [['--node-name', 'n1', '--cni-socket', '/run/x'], /^ztkube agent: --cni-socket must end in \.sock, got "\/run\/x"\n$/],
    [['--node-name', 'n1', '--bind', 'nope'], /^ztkube agent: --bind must be an IP address, got "nope"\n$/],
    [['--node-name', 'n1', '--kubeconfig', '/nonexistent/kubeconfig', '--home', '/tmp/x'], /^ztkube agent: \/nonexistent\/kubeconfig: could not be read/],
  ];
  for (const [args, stderr] of cases) {
    const r = spawnSync(process.execPath, [cli, 'agent', ...args], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH } });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('ztkube operator --health-addr: a bad one is one sentence naming the flag, exit 2', () => {
  const r = spawnSync(process.execPath, [cli, 'operator', '--health-addr', 'nope', '--kubeconfig', '/nonexistent/kubeconfig'], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH } });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, 'ztkube operator: --health-addr must be host:port (e.g. 0.0.0.0:9995), got "nope"\n');
});
