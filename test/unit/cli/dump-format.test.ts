// The text of `zerotier-cli dump` (06 §6.2) and the run: the three bodies as they came,
// local.conf or "None Present", interfaces with "Addresses: " and its trailing space; the
// file in the working directory; a non-200 answer is the connection error with the body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDump } from '../../../src/cli/dump-format.js';
import { dumpRun } from '../../../src/cli/dump.js';
import { connectionErrorText } from '../../../src/cli/api-reply.js';
import type { ApiCall } from '../../../src/cli/api-client.js';
import { MemoryIo } from '../../helpers/memory-io.js';

test('dump text as 1.14.1 lays it out on Linux', () => {
  assert.equal(
    formatDump({ status: '{"a":1}', networks: '[]', peers: '[]', localConf: '', interfaces: [{ name: 'ethB', mtu: 1500, mac: 'ce:2a:7e:bd:e2:e6', addresses: ['192.88.99.2', 'fe80::cc2a:7eff:febd:e2e6'] }, { name: 'tun0', mtu: null, mac: null, addresses: [] }] }),
    'platform: Linux\nzerotier version: 1.14.1\n\nstatus\n------\n{"a":1}\n\nnetworks\n--------\n[]\n\npeers\n-----\n[]\n\nlocal.conf\n----------\nNone Present\n\nNetwork Interfaces\n------------------\n\n' +
      'Interface 0\n-----------\nName: ethB\nMTU: 1500\nMAC: ce:2a:7e:bd:e2:e6\nAddresses: \n192.88.99.2\nfe80::cc2a:7eff:febd:e2e6\n' +
      'Interface 1\n-----------\nName: tun0\nAddresses: \n',
  );
});

test('dump writes ./zerotier_dump.txt with local.conf; a 401 is the connection error with its body', async () => {
  const io = new MemoryIo();
  io.put('/h/local.conf', '{"settings":{}}');
  io.put('/work/zerotier_dump.txt', 'an older, much longer dump '.repeat(100));
  const ok: ApiCall = async (_m, p) => ({ status: 200, body: p === '/status' ? '{"s":1}' : '[]' });
  const ctx = { call: ok, io, isJson: false, home: '/h', unreachable: (r: string) => connectionErrorText(r) };
  assert.deepEqual(await dumpRun(() => [])(ctx), { stdout: 'Writing dump to: /work/zerotier_dump.txt\n', exitCode: 0 });
  assert.match(io.text('/work/zerotier_dump.txt'), /\nstatus\n------\n\{"s":1\}\n.*\nlocal\.conf\n----------\n\{"settings":\{\}\}\n\nNetwork Interfaces\n------------------\n\n$/s);
  const denied: ApiCall = async () => ({ status: 401, body: '{}' });
  assert.deepEqual(await dumpRun(() => [])({ ...ctx, call: denied }), { stdout: connectionErrorText('{}'), exitCode: 1 });
});
