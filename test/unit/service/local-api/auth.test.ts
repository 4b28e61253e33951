// The pre-routing check (06 §5.2): loopback only, first token form present decides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuthorized, isLoopbackAddress, isManagementSourceAllowed } from '../../../../src/service/local-api/auth.js';
import { parsePrefix } from '../../../../src/net/ip/prefix.js';

const TOKEN = 'abcdefghijklmnopqrstuvwx';

function req(headers: Record<string, string> = {}, query = '', path = '/status', remoteAddress = '127.0.0.1') {
  return { path, query: new URLSearchParams(query), headers, remoteAddress };
}

test('each token form alone', () => {
  assert.equal(isAuthorized(req(), { auth: TOKEN }), false, 'no token: 401');
  assert.equal(isAuthorized(req({ 'x-zt1-auth': TOKEN }), { auth: TOKEN }), true);
  assert.equal(isAuthorized(req({}, `auth=${TOKEN}`), { auth: TOKEN }), true);
  assert.equal(isAuthorized(req({ authorization: `Bearer ${TOKEN}` }), { auth: TOKEN }), true);
  assert.equal(isAuthorized(req({ authorization: `bEaReR  ${TOKEN} ` }), { auth: TOKEN }), true, 'bearer in any case; runs of spaces are one separator');
  assert.equal(isAuthorized(req({ authorization: TOKEN }), { auth: TOKEN }), false, 'the scheme is required');
  assert.equal(isAuthorized(req({ authorization: `Basic ${TOKEN}` }), { auth: TOKEN }), false);
  assert.equal(isAuthorized(req({ authorization: `Bearer ${TOKEN} x` }), { auth: TOKEN }), false, 'exactly two fields');
  assert.equal(isAuthorized(req({ 'x-zt1-auth': TOKEN.toUpperCase() }), { auth: TOKEN }), false, 'exact comparison');
  assert.equal(isAuthorized(req({ 'x-zt1-auth': TOKEN.slice(1) }), { auth: TOKEN }), false);
});

test('the first form present decides, even when a later one is right', () => {
  assert.equal(isAuthorized(req({ 'x-zt1-auth': 'wrong', authorization: `Bearer ${TOKEN}` }), { auth: TOKEN }), false);
  assert.equal(isAuthorized(req({ 'x-zt1-auth': 'wrong' }, `auth=${TOKEN}`), { auth: TOKEN }), false);
  assert.equal(isAuthorized(req({ authorization: `Bearer ${TOKEN}` }, 'auth='), { auth: TOKEN }), false, 'an empty ?auth= is present');
  assert.equal(isAuthorized(req({ 'x-zt1-auth': TOKEN }, 'auth=wrong'), { auth: TOKEN }), true);
});

test('only loopback sources; /health needs no token', () => {
  for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopbackAddress(a), true, a);
  for (const a of ['10.0.0.1', '::ffff:10.0.0.1', 'fe80::1', '', '::']) assert.equal(isLoopbackAddress(a), false, a);
  assert.equal(isAuthorized(req({ 'x-zt1-auth': TOKEN }, '', '/status', '10.1.1.1'), { auth: TOKEN }), false);
  assert.equal(isAuthorized(req({}, '', '/health'), { auth: TOKEN }), true);
  assert.equal(isAuthorized(req({}, '', '/health', '10.1.1.1'), { auth: TOKEN }), false);
});

test('/metrics takes the metrics token or the auth token, in the same first-present order, from any source', () => {
  const tokens = { auth: TOKEN, metrics: 'metricsmetricsmetricsmet' };
  const m = (h: Record<string, string>, q = '', from = '127.0.0.1') => isAuthorized(req(h, q, '/metrics', from), tokens);
  assert.equal(m({ 'x-zt1-auth': tokens.metrics }), true);
  assert.equal(m({ 'x-zt1-auth': TOKEN }), true);
  assert.equal(m({}, `auth=${tokens.metrics}`), true);
  assert.equal(m({ authorization: `Bearer ${tokens.metrics}` }), true);
  assert.equal(m({ authorization: `Bearer ${TOKEN}` }, '', '192.0.2.7'), true, 'no source check for /metrics');
  assert.equal(m({}), false);
  assert.equal(m({ 'x-zt1-auth': 'wrong', authorization: `Bearer ${tokens.metrics}` }), false);
  assert.equal(isAuthorized(req({ 'x-zt1-auth': tokens.metrics }), tokens), false, 'the metrics token opens /metrics only');
  assert.equal(isAuthorized(req({ 'x-zt1-auth': 'x' }, '', '/metrics'), { auth: TOKEN }), false, 'no metrics token file: the auth token only');
});

test('allowManagementFrom admits its prefixes; an entry without /bits admits its whole family', () => {
  const allow = (entries: string[]) => entries.map((e) => parsePrefix(e)!);
  const from = (a: string, entries: string[]) => isAuthorized(req({ 'x-zt1-auth': TOKEN }, '', '/status', a), { auth: TOKEN }, allow(entries));
  assert.equal(from('10.147.17.158', ['192.0.2.5']), true, '0 bits: every IPv4 source (as observed on 1.14.1)');
  assert.equal(from('10.147.17.158', ['192.0.2.5/32']), false);
  assert.equal(from('192.0.2.5', ['192.0.2.5/32']), true);
  assert.equal(from('::ffff:192.0.2.5', ['192.0.2.0/24']), true, 'an IPv4-mapped source counts as IPv4');
  assert.equal(from('fd00::7', ['192.0.2.0/24']), false);
  assert.equal(from('fd00::7', ['fd00::/64']), true);
  assert.equal(isManagementSourceAllowed('not-an-ip', allow(['0.0.0.0/0'])), false);
  assert.equal(isAuthorized(req({}, '', '/status', '192.0.2.5'), { auth: TOKEN }, allow(['192.0.2.0/24'])), false, 'an admitted source still needs the token');
  assert.equal(isAuthorized(req({}, '', '/health', '192.0.2.5'), { auth: TOKEN }, allow(['192.0.2.0/24'])), true);
});
