// The pre-routing check (06 §5.2): loopback only, first token form present decides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuthorized, isLoopbackAddress } from '../../../../src/service/local-api/auth.js';

const TOKEN = 'abcdefghijklmnopqrstuvwx';

function req(headers: Record<string, string> = {}, query = '', path = '/status', remoteAddress = '127.0.0.1') {
  return { path, query: new URLSearchParams(query), headers, remoteAddress };
}

test('each token form alone', () => {
  assert.equal(isAuthorized(req(), TOKEN), false, 'no token: 401');
  assert.equal(isAuthorized(req({ 'x-zt1-auth': TOKEN }), TOKEN), true);
  assert.equal(isAuthorized(req({}, `auth=${TOKEN}`), TOKEN), true);
  assert.equal(isAuthorized(req({ authorization: `Bearer ${TOKEN}` }), TOKEN), true);
  assert.equal(isAuthorized(req({ authorization: `bEaReR  ${TOKEN} ` }), TOKEN), true, 'bearer in any case; runs of spaces are one separator');
  assert.equal(isAuthorized(req({ authorization: TOKEN }), TOKEN), false, 'the scheme is required');
  assert.equal(isAuthorized(req({ authorization: `Basic ${TOKEN}` }), TOKEN), false);
  assert.equal(isAuthorized(req({ authorization: `Bearer ${TOKEN} x` }), TOKEN), false, 'exactly two fields');
  assert.equal(isAuthorized(req({ 'x-zt1-auth': TOKEN.toUpperCase() }), TOKEN), false, 'exact comparison');
  assert.equal(isAuthorized(req({ 'x-zt1-auth': TOKEN.slice(1) }), TOKEN), false);
});

test('the first form present decides, even when a later one is right', () => {
  assert.equal(isAuthorized(req({ 'x-zt1-auth': 'wrong', authorization: `Bearer ${TOKEN}` }), TOKEN), false);
  assert.equal(isAuthorized(req({ 'x-zt1-auth': 'wrong' }, `auth=${TOKEN}`), TOKEN), false);
  assert.equal(isAuthorized(req({ authorization: `Bearer ${TOKEN}` }, 'auth='), TOKEN), false, 'an empty ?auth= is present');
  assert.equal(isAuthorized(req({ 'x-zt1-auth': TOKEN }, 'auth=wrong'), TOKEN), true);
});

test('only loopback sources; /health needs no token', () => {
  for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopbackAddress(a), true, a);
  for (const a of ['10.0.0.1', '::ffff:10.0.0.1', 'fe80::1', '', '::']) assert.equal(isLoopbackAddress(a), false, a);
  assert.equal(isAuthorized(req({ 'x-zt1-auth': TOKEN }, '', '/status', '10.1.1.1'), TOKEN), false);
  assert.equal(isAuthorized(req({}, '', '/health'), TOKEN), true);
  assert.equal(isAuthorized(req({}, '', '/health', '10.1.1.1'), TOKEN), false);
});
