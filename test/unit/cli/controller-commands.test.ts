// `ztkube network …` / `member …` pieces without a daemon: the bodies built from flags and
// key=value pairs (05 §6, §8.4, §8.6), their one-sentence errors, the tables, and the
// requests and error sentences of the runs through a fake ApiCall.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMember, checkNwid, memberSetBody, networkCreateBody, parseRoute, parseV6Modes } from '../../../src/cli/controller-args.js';
import { formatMemberList, formatNetwork, formatNetworkList, table } from '../../../src/cli/controller-format.js';
import { networkCreateRun, networkDeleteRun } from '../../../src/cli/controller-network.js';
import { memberPostRun } from '../../../src/cli/controller-member.js';
import { connectionErrorText } from '../../../src/cli/api-reply.js';
import type { ApiCall } from '../../../src/cli/api-client.js';
import { ApiError, ConfigError } from '../../../src/util/errors.js';
import { MemoryIo } from '../../helpers/memory-io.js';

const isConfig = (text: string) => (e: unknown) => e instanceof ConfigError && e.message === text;

test('network create: flags become the controller body; bad ones are one sentence', () => {
  assert.deepEqual(networkCreateBody({ name: 'lab', isPrivate: false, pools: ['10.1.0.10-10.1.0.20', 'fd00::1-fd00::ff'], routes: ['10.1.0.0/24', 'fd00::/64@fd00::1'], v6: 'rfc4193' }), {
    name: 'lab',
    private: false,
    v4AssignMode: { zt: true },
    v6AssignMode: { '6plane': false, rfc4193: true, zt: true },
    ipAssignmentPools: [
      { ipRangeStart: '10.1.0.10', ipRangeEnd: '10.1.0.20' },
      { ipRangeStart: 'fd00::1', ipRangeEnd: 'fd00::ff' },
    ],
    routes: [
      { target: '10.1.0.0/24', via: null },
      { target: 'fd00::/64', via: 'fd00::1' },
    ],
  });
  assert.deepEqual(networkCreateBody({ isPrivate: true, pools: [], routes: [] }).v4AssignMode, { zt: false });
  assert.throws(() => networkCreateBody({ isPrivate: true, pools: ['10.1.0.1-fd00::1'], routes: [] }), isConfig('--pool must have both ends in one address family, got "10.1.0.1-fd00::1"'));
  assert.throws(() => networkCreateBody({ isPrivate: true, pools: ['10.1.0.1-10.1.0.9'], routes: ['10.2.0.0/16'] }), /^ConfigError: --pool 10\.1\.0\.1-10\.1\.0\.9 lies outside every --route/);
  assert.throws(() => networkCreateBody({ isPrivate: true, pools: ['a-b'], routes: [] }), isConfig('--pool must name IP addresses, got "a-b"'));
  assert.throws(() => parseRoute('10.0.0.0'), isConfig('--route must be <IP>/<bits>[@<gateway IP>], got "10.0.0.0"'));
  assert.throws(() => parseRoute('10.0.0.0/33'), isConfig('--route has more prefix bits than its address family allows, got "10.0.0.0/33"'));
  assert.throws(() => parseRoute('10.0.0.0/8@gw'), isConfig('--route must name IP addresses, got "10.0.0.0/8@gw"'));
  assert.deepEqual(parseV6Modes('6plane, rfc4193'), { '6plane': true, rfc4193: true, zt: false });
  assert.deepEqual(parseV6Modes('none'), { '6plane': false, rfc4193: false, zt: false });
  assert.throws(() => parseV6Modes('6plane,sixplane'), isConfig('--v6 takes a comma-separated list of 6plane, rfc4193, zt (or none), got "sixplane"'));
});

test('member set: key=value pairs; ids checked', () => {
  assert.deepEqual(memberSetBody(['name=a b', 'authorized=1', 'activeBridge=false', 'noAutoAssignIps=true', 'ipAssignments=10.0.0.1, fd00::2']), {
    name: 'a b',
    authorized: true,
    activeBridge: false,
    noAutoAssignIps: true,
    ipAssignments: ['10.0.0.1', 'fd00::2'],
  });
  assert.deepEqual(memberSetBody(['ipAssignments=']), { ipAssignments: [] });
  assert.throws(() => memberSetBody([]), /^ConfigError: member set: name at least one <key>=<value>/);
  assert.throws(() => memberSetBody(['activeBridge=yes']), isConfig('member set: activeBridge must be true or false, got "yes"'));
  assert.throws(() => memberSetBody(['ipAssignments=10.0.0.300']), isConfig('member set: ipAssignments must be IP addresses separated by commas, got "10.0.0.300"'));
  assert.throws(() => memberSetBody(['name']), /got "name"$/);
  assert.equal(checkNwid('ABCDEF0123456789'), 'abcdef0123456789');
  assert.equal(checkMember('ABCDEF0123'), 'abcdef0123');
  assert.throws(() => checkNwid('abcdef012345678g'), isConfig('the network id must be 16 hex digits, got "abcdef012345678g"'));
  assert.throws(() => checkMember('12345'), isConfig('the member must be a node address of 10 hex digits, got "12345"'));
});

test('tables: padded columns, "-" for what is missing, members by address', () => {
  assert.equal(table(['A', 'BB'], [['xyz', '1']]), 'A    BB\nxyz  1\n');
  assert.equal(
    formatNetworkList({ data: [{ id: '1122334455000001', name: 'lab', private: true, ipAssignmentPools: [{ ipRangeStart: '10.0.0.1', ipRangeEnd: '10.0.0.9' }], meta: { authorizedMemberCount: 1, totalMemberCount: 2 } }, { id: '1122334455000002', name: '', private: false }] }),
    'NETWORK           NAME  ACCESS   AUTHORIZED/MEMBERS  POOLS\n1122334455000001  lab   private  1/2                 10.0.0.1-10.0.0.9\n1122334455000002  -     public   -/-                 -\n',
  );
  assert.equal(
    formatMemberList({ data: [{ address: 'bbbbbbbbbb', authorized: false, vMajor: -1 }, { address: 'aaaaaaaaaa', authorized: true, name: 'n', ipAssignments: ['10.0.0.1'], activeBridge: true, vMajor: 1, vMinor: 14, vRev: 1 }] }),
    'MEMBER      AUTHORIZED  NAME  IPS       BRIDGE  VERSION\naaaaaaaaaa  yes         n     10.0.0.1  yes     1.14.1\nbbbbbbbbbb  no          -     -         no      -\n',
  );
  assert.match(formatNetwork({ id: 'x', routes: [{ target: '10.0.0.0/8', via: '10.0.0.1' }], v6AssignMode: { '6plane': true, zt: true } }), /\nroutes: +10\.0\.0\.0\/8@10\.0\.0\.1\n.*\nv6 assign: +zt,6plane\n/s);
});

test('network create asks /status for the address, then posts to <address>______; API failures are one sentence', async () => {
  const seen: string[] = [];
  const replies: Record<string, { status: number; body: string }> = {
    'GET /status': { status: 200, body: '{"address":"1122334455"}' },
    'POST /controller/network/1122334455______': { status: 200, body: '{"id":"1122334455abcdef","name":"n"}' },
    'DELETE /controller/network/1122334455abcdef': { status: 404, body: '' },
    'POST /controller/network/1122334455abcdef/member/aaaaaaaaaa': { status: 500, body: '{"error": 500, "description": "boom"}' },
  };
  const call: ApiCall = async (m, p, b) => {
    seen.push(`${m} ${p} ${b ?? ''}`.trim());
    return replies[`${m} ${p}`] ?? { status: 0, body: 'connection failed' };
  };
  const ctx = { call, io: new MemoryIo(), isJson: true, home: '/h', unreachable: (r: string) => connectionErrorText(r) };
  const out = await networkCreateRun({ name: 'n', isPrivate: true, pools: [], routes: [] })(ctx);
  assert.deepEqual(out, { stdout: '{\n "id": "1122334455abcdef",\n "name": "n"\n}\n', exitCode: 0 });
  assert.deepEqual(seen, ['GET /status', 'POST /controller/network/1122334455______ {"ipAssignmentPools":[],"name":"n","private":true,"routes":[],"v4AssignMode":{"zt":false},"v6AssignMode":{"6plane":false,"rfc4193":false,"zt":false}}']);
  await assert.rejects(networkDeleteRun('1122334455abcdef')(ctx), (e: unknown) => e instanceof ApiError && e.message === "network 1122334455abcdef is not on this node's controller");
  await assert.rejects(memberPostRun('1122334455abcdef', 'aaaaaaaaaa', { authorized: true })(ctx), (e: unknown) => e instanceof ApiError && e.message === 'POST /controller/network/1122334455abcdef/member/aaaaaaaaaa failed with 500: {"error": 500, "description": "boom"}');
  await assert.rejects(memberPostRun('1122334455abcdef', 'bbbbbbbbbb', {})(ctx), (e: unknown) => e instanceof ApiError && e.message === 'cannot reach the ZeroTier service: connection failed');
});
