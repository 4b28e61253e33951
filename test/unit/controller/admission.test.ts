// admitMember (05 §2.1–§2.7): what a config request does to the member record and which
// answer it gets, on the networks of the recorded session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admitMember, type ConfigRequestInfo } from '../../../src/controller/admission.js';
import { applyNetworkPost } from '../../../src/controller/network-record.js';
import { applyMemberPost } from '../../../src/controller/member-record.js';
import { ztIpSlashBits } from '../../../src/controller/zt-inet.js';
import type { JsonObject } from '../../../src/controller/json-read.js';
import { CTL_ID, M1_ID, M2_ID } from './session.js';
import type { Identity } from '../../../src/protocol/identity.js';

const NW = 0x16ef05e5485ec5d4n;
const NOW = 1796163042124;
const ctx = { nowMs: NOW, allocated: new Set<string>(), random: (n: number) => new Uint8Array(n) };

function req(who: Identity, extra: Partial<ConfigRequestInfo> = {}): ConfigRequestInfo {
  return { nwid: NW, identity: who, isGenuine: true, versions: { major: 1, minor: 14, rev: 1, proto: 12 }, rulesEngineRev: 1, authCredential: null, ...extra };
}

const privateNet = applyNetworkPost(null, NW, {
  name: 'czc-net', v4AssignMode: { zt: true }, v6AssignMode: { rfc4193: true },
  ipAssignmentPools: [{ ipRangeStart: '10.147.20.1', ipRangeEnd: '10.147.20.254' }], routes: [{ target: '10.147.20.0/24' }],
  tags: [{ id: 100, default: 9 }, { id: 50 }, { id: '200', default: '3' }],
  capabilities: [{ id: 2000, default: true, rules: [] }, { id: 1000, rules: [] }],
  authTokens: { tok1: 0, old: NOW - 1, later: NOW + 1 },
}, 0);

test('unknown network: not found, nothing to save', () => {
  assert.deepEqual(admitMember(null, null, req(M1_ID), ctx), { decision: 'not-found' });
  assert.deepEqual(admitMember({}, null, req(M1_ID), ctx), { decision: 'not-found' });
});

test('first request on a private network: access denied, the member recorded unauthorized with its identity (05 §9.5)', () => {
  const r = admitMember(privateNet, null, req(M1_ID), ctx);
  assert.equal(r.decision, 'access-denied');
  assert.ok(r.decision === 'access-denied' && r.isNewMember);
  const m = (r as { member: JsonObject }).member;
  assert.deepEqual(m, {
    activeBridge: false, address: '5bc7629dcf', authenticationExpiryTime: 0, authorized: false, capabilities: [], creationTime: NOW, id: '5bc7629dcf',
    identity: M1_ID.toString(false), ipAssignments: [], lastAuthorizedCredential: null, lastAuthorizedCredentialType: null, lastAuthorizedTime: 0,
    lastDeauthorizedTime: 0, noAutoAssignIps: false, nwid: '16ef05e5485ec5d4', objtype: 'member', remoteTraceLevel: 0, remoteTraceTarget: null,
    revision: 0, ssoExempt: false, tags: [], vMajor: -1, vMinor: -1, vProto: -1, vRev: -1,
  }, 'the §9.5 record before the save bumps revision to 1');
});

test('an authorized member: versions, tag defaults, pool address; capability defaults only for a new record (05 §5.3 trap)', () => {
  const stored = admitMember(privateNet, null, req(M1_ID), ctx) as { member: JsonObject };
  const authorized = applyMemberPost(stored.member, NW, M1_ID.address, { authorized: true }, NOW + 1);
  const r = admitMember(privateNet, authorized, req(M1_ID), ctx);
  assert.equal(r.decision, 'ok');
  if (r.decision !== 'ok') return;
  assert.equal(r.isNewMember, false);
  assert.equal(r.autoAuthorized, null);
  assert.deepEqual([r.member.vMajor, r.member.vMinor, r.member.vRev, r.member.vProto], [1, 14, 1, 12]);
  assert.deepEqual(r.member.tags, [[100, 9], [200, 3]], '§9.6');
  assert.deepEqual(r.member.capabilities, [], 'not new: no default capability');
  assert.deepEqual(r.member.ipAssignments, ['10.147.20.103']);
  assert.deepEqual(r.assignment.staticIps.map(ztIpSlashBits), ['fd16:ef05:e548:5ec5:d499:935b:c762:9dcf/88', '10.147.20.103/24']);
  assert.deepEqual(r.tags, [[100, 9], [200, 3]]);
  assert.deepEqual(r.capabilityIds, []);
  // A push (request packet ID 0) records no versions.
  const pushed = admitMember(privateNet, applyMemberPost(null, NW, M2_ID.address, { authorized: true }, NOW), req(M2_ID, { isGenuine: false }), ctx);
  assert.ok(pushed.decision === 'ok' && pushed.member.vMajor === -1);
});

test('the member\'s capability order is kept, unknown ids ignored (05 §9.7: CAP = 1000 then 2000)', () => {
  const m = applyMemberPost(null, NW, M2_ID.address, { authorized: true, capabilities: [2000, 1000, 2000, '5'] }, NOW);
  m.identity = M2_ID.toString(false);
  const r = admitMember(privateNet, m, req(M2_ID), ctx);
  assert.ok(r.decision === 'ok');
  if (r.decision === 'ok') assert.deepEqual(r.capabilityIds, [1000, 2000]);
});

test('public network: auto-authorized as "public" with the defaults of a new member (05 §9.8)', () => {
  const pub = applyNetworkPost(null, 0x16ef05e5488df0b6n, { private: false, capabilities: [{ id: 7, default: true, rules: [] }], tags: [{ id: 1, default: 42 }] }, 0);
  const r = admitMember(pub, null, { ...req(CTL_ID), nwid: 0x16ef05e5488df0b6n }, ctx);
  assert.equal(r.decision, 'ok');
  if (r.decision !== 'ok') return;
  assert.equal(r.autoAuthorized, 'public');
  assert.deepEqual([r.member.authorized, r.member.lastAuthorizedCredentialType, r.member.lastAuthorizedCredential, r.member.lastAuthorizedTime], [true, 'public', null, NOW]);
  assert.deepEqual(r.member.capabilities, [7]);
  assert.deepEqual(r.member.tags, [[1, 42]]);
  // A deauthorized member of a public network is authorized again by its next request (05 §2.4).
  const deauth = applyMemberPost(r.member, 0x16ef05e5488df0b6n, CTL_ID.address, { authorized: false }, NOW + 5);
  const again = admitMember(pub, deauth, { ...req(CTL_ID), nwid: 0x16ef05e5488df0b6n }, { ...ctx, nowMs: NOW + 5 });
  assert.ok(again.decision === 'ok' && again.member.lastAuthorizedTime === again.member.lastDeauthorizedTime);
});

test('legacy requester (revr 0): no capabilities or tags, and no defaults written', () => {
  const m = applyMemberPost(null, NW, M1_ID.address, { authorized: true }, NOW);
  const r = admitMember(privateNet, m, req(M1_ID, { rulesEngineRev: 0 }), ctx);
  assert.ok(r.decision === 'ok');
  if (r.decision !== 'ok') return;
  assert.equal(r.legacyAllowAll, true);
  assert.deepEqual([r.capabilityIds, r.tags, r.member.tags], [[], [], []]);
});

test('token authorization: "token:<t>" with expiry 0 or in the future; a non-object authTokens means no tokens', () => {
  const tok = (a: string | null, net: JsonObject = privateNet) => admitMember(net, null, req(M1_ID, { authCredential: a }), ctx);
  const ok = tok('token:tok1');
  assert.ok(ok.decision === 'ok');
  if (ok.decision === 'ok') assert.deepEqual([ok.autoAuthorized, ok.member.lastAuthorizedCredentialType, ok.member.lastAuthorizedCredential, ok.member.capabilities], ['token', 'token', 'tok1', [2000]]);
  assert.equal(tok('token:later').decision, 'ok');
  assert.equal(tok('token:old').decision, 'access-denied');
  assert.equal(tok('token:').decision, 'access-denied');
  assert.equal(tok('tok1').decision, 'access-denied');
  assert.equal(tok('token:tok1', { ...privateNet, authTokens: [null] }).decision, 'access-denied');
});

test('identity collision: a stored identity with other keys (or unreadable) denies and nothing is saved', () => {
  const m = applyMemberPost(null, NW, M1_ID.address, { authorized: true }, NOW);
  m.identity = M2_ID.toString(false).replace(/^a2cb3e9302/, '5bc7629dcf');
  assert.deepEqual(admitMember(privateNet, m, req(M1_ID), ctx), { decision: 'identity-collision' });
  m.identity = 'garbage';
  assert.deepEqual(admitMember(privateNet, m, req(M1_ID), ctx), { decision: 'identity-collision' });
  m.identity = M1_ID.toString(false);
  assert.equal(admitMember(privateNet, m, req(M1_ID), ctx).decision, 'ok');
});

test('SSO on a FileDB network: expiry not in the future answers authentication-required (even when authorized); exempt members pass', () => {
  const sso = { ...privateNet, ssoEnabled: true };
  const m = applyMemberPost(null, NW, M1_ID.address, { authorized: true }, NOW);
  const r = admitMember(sso, m, req(M1_ID), ctx);
  assert.equal(r.decision, 'authentication-required');
  assert.equal(admitMember(sso, { ...m, authenticationExpiryTime: NOW + 1000 }, req(M1_ID), ctx).decision, 'ok');
  assert.equal(admitMember(sso, { ...m, ssoExempt: true }, req(M1_ID), ctx).decision, 'ok');
});

test('remoteTraceLevel is reset by every request (05 §6.3 defect), the record otherwise unchanged on a repeat', () => {
  const m = applyMemberPost(null, NW, M1_ID.address, { authorized: true, remoteTraceTarget: '5bc7629dcf', remoteTraceLevel: 2 }, NOW);
  assert.equal(m.remoteTraceLevel, 2);
  const r = admitMember(privateNet, m, req(M1_ID), ctx);
  assert.ok(r.decision === 'ok' && r.member.remoteTraceLevel === 0 && r.member.remoteTraceTarget === '5bc7629dcf');
});
