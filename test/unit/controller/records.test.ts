// Network and member records (05 §6): defaults, the POST merges and their normalizations,
// with values observed on 1.14.1 (§9.1–§9.11).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyNetworkPost, clampMtu, initNetwork } from '../../../src/controller/network-record.js';
import { applyMemberPost, initMember } from '../../../src/controller/member-record.js';
import { dumpJson, type JsonObject } from '../../../src/controller/json-read.js';
import { normalizeRuleByShape } from '../../../src/controller/rule-shape.js';

const NW = 0x16ef05e5485ec5d4n;
const M1 = 0x5bc7629dcf;

test('the complete default network (05 §9.1), byte for byte', () => {
  const n = applyNetworkPost(null, NW, {}, 1796163010473);
  n.revision = 1;
  assert.equal(dumpJson(n), '{"authTokens":[null],"authorizationEndpoint":"","capabilities":[],"clientId":"","creationTime":1796163010473,"dns":[],"enableBroadcast":true,"id":"16ef05e5485ec5d4","ipAssignmentPools":[],"mtu":2800,"multicastLimit":32,"name":"","nwid":"16ef05e5485ec5d4","objtype":"network","private":true,"remoteTraceLevel":0,"remoteTraceTarget":null,"revision":1,"routes":[],"rules":[{"not":false,"or":false,"type":"ACTION_ACCEPT"}],"rulesSource":"","ssoEnabled":false,"tags":[],"v4AssignMode":{"zt":false},"v6AssignMode":{"6plane":false,"rfc4193":false,"zt":false}}');
});

test('pools, routes, assign modes, MTU and broadcast normalized as observed (#8)', () => {
  const n = applyNetworkPost(null, NW, {
    ipAssignmentPools: [{ ipRangeStart: '10.147.20.1', ipRangeEnd: '10.147.20.254' }, { ipRangeStart: 'bogus', ipRangeEnd: '10.0.0.1' }, { ipRangeStart: 'fd00:1234::1' }, { ipRangeStart: 'fd00::1/64', ipRangeEnd: 'FD00::FF' }, { ipRangeStart: '10.0.0.1', ipRangeEnd: 'fd00::1' }],
    routes: [{ target: '10.147.20.0/24', via: null }, { target: '192.168.77.0/24', via: '10.147.20.5' }, { target: '10.9.9.9' }, { target: 'fd00:1234::/64', via: '10.1.1.1' }, { target: 'nonsense' }, { target: '10.0.0.0/33' }, 'x', { target: 5 }],
    v4AssignMode: { zt: true }, v6AssignMode: { rfc4193: true }, multicastLimit: 64, mtu: 99999, enableBroadcast: false,
  }, 0);
  assert.deepEqual(n.ipAssignmentPools, [{ ipRangeStart: '10.147.20.1', ipRangeEnd: '10.147.20.254' }, { ipRangeStart: 'fd00::1', ipRangeEnd: 'fd00::ff' }]);
  assert.deepEqual(n.routes, [{ target: '10.147.20.0/24', via: null }, { target: '192.168.77.0/24', via: '10.147.20.5' }, { target: '10.9.9.9/0', via: null }, { target: 'fd00:1234::/64', via: null }]);
  assert.deepEqual([n.v4AssignMode, n.v6AssignMode, n.multicastLimit, n.mtu, n.enableBroadcast], [{ zt: true }, { rfc4193: true }, 64, 10000, false]);
  assert.equal(clampMtu(100), 1280);
  assert.equal(clampMtu(null), 2800);
});

test('legacy assign-mode strings, coerced scalars, ignored keys (#55, #68, #69)', () => {
  const a = applyNetworkPost(null, NW, { v4AssignMode: 'zt', v6AssignMode: 'rfc4193,6plane,zt,bogus', multicastLimit: '100', private: 'false', enableBroadcast: 0, mtu: 100, remoteTraceTarget: 'abc', remoteTraceLevel: 3, dns: 'x', routes: 'x', ipAssignmentPools: [{ ipRangeStart: '10.1.0.10', ipRangeEnd: '10.1.0.1' }] }, 5);
  assert.deepEqual([a.v4AssignMode, a.v6AssignMode, a.multicastLimit, a.private, a.enableBroadcast, a.mtu, a.remoteTraceTarget, a.remoteTraceLevel, a.dns, a.routes], [{ zt: true }, { '6plane': true, rfc4193: true, zt: true }, 100, false, false, 1280, null, 3, [], []]);
  assert.deepEqual(a.ipAssignmentPools, [{ ipRangeStart: '10.1.0.10', ipRangeEnd: '10.1.0.1' }], 'start > end is kept');
  const b = applyNetworkPost(a, NW, { v4AssignMode: 5, v6AssignMode: [], remoteTraceTarget: '5bc7629dcf', dns: { servers: 'x' } }, 6);
  assert.deepEqual([b.v4AssignMode, b.v6AssignMode, b.remoteTraceLevel, b.remoteTraceTarget, b.dns, b.creationTime], [{ zt: false }, { '6plane': false, rfc4193: false, zt: false }, 0, '5bc7629dcf', { domain: null }, 5]);
  const c = applyNetworkPost(null, 0xabcdef0123456789n, { name: 'foreign', authTokens: 'x', foo: 'bar', revision: 100, creationTime: 5, id: 'ffffffffffffffff', objtype: 'zzz', certificateTimeoutWindowSize: 600000, rulesSource: 'x', capabilitiesByName: {} }, 7);
  assert.deepEqual([c.id, c.nwid, c.objtype, c.creationTime, c.authTokens, c.rulesSource, c.revision, c.foo, c.certificateTimeoutWindowSize, c.capabilitiesByName], ['abcdef0123456789', 'abcdef0123456789', 'network', 7, [null], '', undefined, undefined, undefined, undefined]);
  assert.equal(applyNetworkPost(null, NW, { private: null }, 0).private, true);
  assert.equal(applyNetworkPost(null, NW, { private: 'yes' }, 0).private, false);
});

test('tags, capabilities, DNS and auth tokens (#11), and the empty-object authTokens quirk', () => {
  const n = applyNetworkPost(null, NW, {
    tags: [{ id: 100, default: 7 }, { id: 50 }, { id: 100, default: 9 }, { id: '200', default: '3' }, 'x'],
    capabilities: [{ id: 2000, default: true, rules: [{ type: 'MATCH_IP_DEST_PORT_RANGE', start: 22, end: 22 }, { type: 'ACTION_ACCEPT' }] }, { id: 1000, rules: [{ type: 'ACTION_ACCEPT' }, { type: 'INTEGER_RANGE' }] }, { default: false }],
    dns: { domain: 'czc.example', servers: ['10.147.20.1', 'fd00::53', 5] },
    authTokens: { tok1: 0, tok2: -1, tok3: 'x' },
  }, 0, { normalizeRule: normalizeRuleByShape });
  assert.deepEqual(n.tags, [{ default: null, id: 50 }, { default: 9, id: 100 }, { default: 3, id: 200 }]);
  assert.deepEqual((n.capabilities as JsonObject[]).map((c) => [c.id, c.default, (c.rules as JsonObject[]).length]), [[0, false, 0], [1000, false, 1], [2000, true, 2]]);
  assert.deepEqual(n.dns, { domain: 'czc.example', servers: ['10.147.20.1', 'fd00::53', 5] });
  assert.deepEqual(n.authTokens, { tok1: 0 });
  assert.equal(applyNetworkPost(null, NW, { authTokens: { bad: -1 } }, 0).authTokens, null, 'nothing kept: 1.14.1 stores null');
  const r = applyNetworkPost(null, NW, { rules: [{ type: 'ACTION_DROP' }, { type: 'ACTION_PRIORITY' }, { type: 'NO_SUCH_RULE' }, 7, { type: 'ACTION_ACCEPT' }] }, 0);
  assert.deepEqual(r.rules, [{ type: 'ACTION_DROP' }, { type: 'ACTION_ACCEPT' }]);
});

test('defaults are lazy: only missing keys are added, except remoteTraceLevel which every write resets (05 §6.3)', () => {
  const n = initNetwork({ name: 'kept', remoteTraceLevel: 2, mtu: 1500 }, 9);
  assert.deepEqual([n.name, n.remoteTraceLevel, n.mtu, n.creationTime], ['kept', 0, 1500, 9]);
  const m = initMember({ authorized: true, remoteTraceLevel: 5, revision: 3 }, 9);
  assert.deepEqual([m.authorized, m.remoteTraceLevel, m.revision, m.creationTime, m.objtype], [true, 0, 3, 9, 'member']);
});

test('member POST (#58): coerced fields, sorted unique tags and capabilities, ignored keys, authorization stamps', () => {
  const m = applyMemberPost({ creationTime: 1, authorized: false, identity: 'kept', revision: 1 }, NW, 0xa2cb3e9302, {
    authorized: true, name: 'm2', activeBridge: true, tags: [[100, 1], [5, 6], [100, 2], [7]], capabilities: [2000, 1000, 2000, '5'],
    remoteTraceTarget: '5bc7629dcf', remoteTraceLevel: 2, authenticationExpiryTime: 123, identity: 'bogus', vMajor: 99, revision: 50, lastAuthorizedTime: 1, foo: 1, authenticationURL: 'http://x',
  }, 1796163252123);
  assert.deepEqual(m, {
    activeBridge: true, address: 'a2cb3e9302', authenticationExpiryTime: 123, authorized: true, capabilities: [5, 1000, 2000], creationTime: 1, id: 'a2cb3e9302', identity: 'kept',
    ipAssignments: [], lastAuthorizedCredential: null, lastAuthorizedCredentialType: 'api', lastAuthorizedTime: 1796163252123, lastDeauthorizedTime: 0, name: 'm2', noAutoAssignIps: false,
    nwid: '16ef05e5485ec5d4', objtype: 'member', remoteTraceLevel: 2, remoteTraceTarget: '5bc7629dcf', revision: 1, ssoExempt: false, tags: [[5, 6], [100, 2]], vMajor: -1, vMinor: -1, vProto: -1, vRev: -1,
  });
  const same = applyMemberPost(m, NW, 0xa2cb3e9302, { authorized: 'true' }, 5);
  assert.equal(same.lastAuthorizedTime, 1796163252123, 'posting the current value stamps nothing');
  const off = applyMemberPost(m, NW, 0xa2cb3e9302, { authorized: false }, 6);
  assert.deepEqual([off.authorized, off.lastDeauthorizedTime, off.lastAuthorizedCredentialType], [false, 6, 'api']);
});

test('member ipAssignments (#34, #47): parsed, prefix dropped, junk skipped; a non-string is a 500 like 1.14.1', () => {
  const m = applyMemberPost(null, NW, M1, { ipAssignments: ['10.98.7.7', '192.168.1.1', 'bogus', 'fd00::1/64', 'FD00::2', '1.2.3'] }, 0);
  assert.deepEqual(m.ipAssignments, ['10.98.7.7', '192.168.1.1', 'fd00::1', 'fd00::2', '0.0.0.0']);
  assert.throws(() => applyMemberPost(null, NW, M1, { ipAssignments: ['10.0.0.1', 5] }, 0), { code: 'api_error', status: 500, message: '[json.exception.type_error.302] type must be string, but is number' });
  assert.throws(() => applyMemberPost(null, NW, M1, { ipAssignments: [null] }, 0), { message: /but is null$/ });
  assert.deepEqual(applyMemberPost({ ipAssignments: ['10.0.0.1'] }, NW, M1, { ipAssignments: 'x' }, 0).ipAssignments, ['10.0.0.1'], 'a non-array changes nothing');
});
