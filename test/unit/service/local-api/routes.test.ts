// The route table (06 §5.3) against a fake LocalService: exact matches, PUT = POST,
// HEAD = GET, 404 without a body for anything else, 1.14.1's answers for unknown ids,
// settings from the body, and the controller delegate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderBody, routeRequest, settingsFromBody } from '../../../../src/service/local-api/routes.js';
import { FakeLocalService } from '../../../helpers/fake-local-service.js';
import { ApiError } from '../../../../src/util/errors.js';

const NOW = 1_700_000_000_123;
const NWID = '55bd869199fbd649';

function call(svc: FakeLocalService, method: string, path: string, body = '') {
  return routeRequest({ method, path, body }, svc, NOW);
}

test('unknown paths, trailing slashes, short ids and wrong methods are 404 with no body', async () => {
  const svc = new FakeLocalService();
  for (const [m, p] of [
    ['GET', '/nope'],
    ['GET', '/status/'],
    ['GET', '/network/'],
    ['GET', '/network/55bd869199fbd64'],
    ['GET', '/network/55bd869199fbd649a'],
    ['GET', '/network/55bd869199fbd64g'],
    ['GET', '/peer/012345678'],
    ['POST', '/status'],
    ['DELETE', '/peer'],
    ['PATCH', `/network/${NWID}`],
  ]) {
    const r = await call(svc, m, p);
    assert.deepEqual(r, { status: 404 }, `${m} ${p}`);
    assert.equal(renderBody(r, null), null);
  }
  assert.equal(svc.joins.length, 0);
});

test('join, list, get, leave; ids in either case; PUT joins too', async () => {
  const svc = new FakeLocalService();
  assert.deepEqual(await call(svc, 'GET', '/network'), { status: 200, body: [] });
  const missing = await call(svc, 'GET', `/network/${NWID}`);
  assert.deepEqual(missing, { status: 404, body: null });
  assert.deepEqual(renderBody(missing, null), { text: '{}', contentType: 'application/json' }, "1.14.1's empty content");
  const joined = await call(svc, 'POST', `/network/${NWID.toUpperCase()}`, '{}');
  assert.equal(joined.status, 200);
  assert.equal((joined.body as { id: string }).id, NWID);
  assert.equal(svc.joins[0].nwid, 0x55bd869199fbd649n);
  assert.equal((await call(svc, 'PUT', `/network/${NWID}`, '')).status, 200);
  const list = await call(svc, 'GET', '/network');
  assert.equal((list.body as unknown[]).length, 1);
  assert.equal(((await call(svc, 'GET', `/network/${NWID}`)).body as { nwid: string }).nwid, NWID);
  assert.deepEqual(await call(svc, 'DELETE', `/network/${NWID}`), { status: 200, body: { result: true } });
  assert.deepEqual(await call(svc, 'DELETE', `/network/${NWID}`), { status: 200, body: {} }, 'not joined: 200 {}');
});

test('POST body: only JSON booleans of the four settings count; anything else is a plain join', () => {
  assert.deepEqual(settingsFromBody('{"allowDNS":true,"allowGlobal":1,"allowManaged":"false","allowDefault":false,"other":true}'), { allowDNS: true, allowDefault: false });
  for (const b of ['', 'not json', '[true]', 'null', '"x"', '{"allowDNS":'] as const) assert.deepEqual(settingsFromBody(b), {}, b);
});

test('POST stores the settings and answers the network with them', async () => {
  const svc = new FakeLocalService();
  const r = await call(svc, 'POST', `/network/${NWID}`, '{"allowManaged":false,"allowDNS":true}');
  const body = r.body as Record<string, unknown>;
  assert.equal(body.allowManaged, false);
  assert.equal(body.allowDNS, true);
  assert.deepEqual(svc.joins[0].settings, { allowManaged: false, allowDNS: true });
});

test('peers: list, one by address (either case), unknown is 200 {}', async () => {
  const svc = new FakeLocalService();
  svc.peerList = [{ address: 0x62f865ae71, latencyMs: null, paths: [], role: 'PLANET', version: { protocol: 0, major: 0, minor: 0, revision: 0 }, isTunneled: false } as never];
  const list = await call(svc, 'GET', '/peer');
  assert.deepEqual((list.body as Array<{ address: string }>).map((p) => p.address), ['62f865ae71']);
  assert.equal(((await call(svc, 'GET', '/peer/62F865AE71')).body as { role: string }).role, 'PLANET');
  assert.deepEqual(await call(svc, 'GET', '/peer/0000000001'), { status: 200, body: {} });
});

test('HEAD answers as GET; /status and /health', async () => {
  const svc = new FakeLocalService();
  const head = await call(svc, 'HEAD', '/status');
  assert.equal(head.status, 200);
  assert.equal((head.body as { address: string }).address, '0123456789');
  assert.equal(((await call(svc, 'GET', '/health')).body as { online: boolean }).online, true);
});

test('/controller…: 404 without a controller; else delegated with segments, parsed body and time', async () => {
  const svc = new FakeLocalService();
  assert.deepEqual(await call(svc, 'GET', '/controller'), { status: 404 });
  const calls: unknown[][] = [];
  svc.controller = async (method, segments, body, nowMs) => {
    calls.push([method, segments, body, nowMs]);
    return { status: 200, body: { ok: true } };
  };
  assert.deepEqual(await call(svc, 'GET', '/controller'), { status: 200, body: { ok: true } });
  await call(svc, 'PUT', `/controller/network/${NWID}`, '{"name":"x"}');
  await call(svc, 'DELETE', `/unstable/controller/network/${NWID}/member`);
  assert.deepEqual(calls, [
    ['GET', ['controller'], undefined, NOW],
    ['POST', ['controller', 'network', NWID], { name: 'x' }, NOW],
    ['DELETE', ['unstable', 'controller', 'network', NWID, 'member'], undefined, NOW],
  ]);
  assert.deepEqual(await call(svc, 'GET', '/controllers'), { status: 404 }, 'a prefix of another word is not the controller');
  // An unparsable body never reaches the controller: 1.14.1's exception answer (05 §8.1).
  const bad = await call(svc, 'POST', `/controller/network/${NWID}`, '');
  assert.equal(bad.status, 500);
  assert.match(String(bad.body), /^\{"error": 500, "description": ".+"\}$/);
  assert.equal(calls.length, 3);
  svc.controller = async () => {
    throw new Error('store broke');
  };
  assert.deepEqual(await call(svc, 'GET', '/controller/network'), { status: 500, body: '{"error": 500, "description": "store broke"}' });
  svc.controller = async () => {
    throw new ApiError(503, 'no free network id');
  };
  assert.deepEqual(await call(svc, 'POST', '/controller/network', '{}'), { status: 503 }, 'ApiError: its status, no body');
});

test('renderBody: JSON, verbatim text, JSONP (06 §5.1)', () => {
  assert.deepEqual(renderBody({ status: 200, body: { b: 1, a: 2 } }, null), { text: '{"a":2,"b":1}', contentType: 'application/json' });
  assert.deepEqual(renderBody({ status: 200, body: '{\n\t"x": 1\n}\n' }, null), { text: '{\n\t"x": 1\n}\n', contentType: 'application/json' });
  assert.deepEqual(renderBody({ status: 401, body: {} }, 'cb'), { text: 'cb({});', contentType: 'application/javascript' });
  assert.deepEqual(renderBody({ status: 404, body: null }, 'cb'), { text: 'cb(null);', contentType: 'application/javascript' });
  assert.equal(renderBody({ status: 404 }, 'cb'), null);
});

test('moons: list, by 10-digit id, orbit with a seed (placeholder), held answers, deorbit always true', async () => {
  const svc = new FakeLocalService();
  const roots = [{ identity: { toString: () => '15b70a629d:0:abcd' }, stableEndpoints: [{ family: 4, ip: new Uint8Array([192, 88, 99, 1]), port: 9993 }] }];
  svc.moonList = [{ type: 127, id: 0x15b70a629dn, timestamp: 1795555013675n, signature: new Uint8Array(96).fill(0xab), updatesMustBeSignedBy: new Uint8Array(64).fill(0x1b), roots }] as unknown as typeof svc.moonList;
  const held = {
    id: '00000015b70a629d',
    roots: [{ identity: '15b70a629d:0:abcd', stableEndpoints: ['192.88.99.1/9993'] }],
    signature: 'ab'.repeat(96),
    timestamp: 1795555013675n,
    updatesMustBeSignedBy: '1b'.repeat(64),
    waiting: false,
  };
  assert.deepEqual(await call(svc, 'GET', '/moon'), { status: 200, body: [held] });
  assert.deepEqual(await call(svc, 'GET', '/moon/15B70A629D'), { status: 200, body: held });
  assert.deepEqual(await call(svc, 'GET', '/moon/00000015b70a629d'), { status: 404 }, 'the route takes 10 digits');
  assert.deepEqual(await call(svc, 'GET', '/moon/0000000001'), { status: 200, body: {} });
  assert.deepEqual(await call(svc, 'POST', '/moon/15b70a629d', '{"seed":"abc"}'), { status: 200, body: held }, 'held: its object, no orbit');
  assert.deepEqual(await call(svc, 'POST', '/moon/0000000001', 'not json'), { status: 200, body: {} });
  assert.deepEqual(await call(svc, 'POST', '/moon/0000000001', '{"seed":"0"}'), { status: 200, body: {} });
  assert.deepEqual(await call(svc, 'POST', '/moon/0000000001', '[1]'), { status: 200, body: {} });
  assert.equal(svc.orbits.length, 0);
  const r = await call(svc, 'PUT', '/moon/0000000001', '{"seed":"0x10000000015b70a629d"}');
  assert.equal(renderBody(r, null)?.text, '{"id":"0000000000000001","roots":[],"signature":null,"timestamp":0,"updatesMustBeSignedBy":null,"waiting":true}');
  assert.deepEqual(svc.orbits, [{ worldId: 1n, seed: 0xffffffffff }], 'an overflowing seed saturates (strtoull) and is cut to an address');
  await call(svc, 'POST', '/moon/0000000002', '{"seed":12}');
  assert.deepEqual(svc.orbits[1], { worldId: 2n, seed: 0x12 }, 'a number is printed in decimal, then read as hex (1.14.1)');
  assert.deepEqual(await call(svc, 'DELETE', '/moon/15b70a629d'), { status: 200, body: { result: true } });
  assert.deepEqual(await call(svc, 'DELETE', '/moon/15b70a629d'), { status: 200, body: { result: true } }, 'always true');
  assert.deepEqual(svc.deorbits, [0x15b70a629dn, 0x15b70a629dn]);
});

test('bond routes answer as 1.14.1 without bonding; metrics are text, never JSONP', async () => {
  const svc = new FakeLocalService();
  const show = await call(svc, 'GET', '/bond/show/0123456789');
  assert.deepEqual(renderBody(show, null), { text: '{}', contentType: 'application/json' });
  assert.equal(show.status, 400);
  assert.deepEqual(renderBody(show, 'cb'), { text: 'cb(null);', contentType: 'application/javascript' });
  const rotate = await call(svc, 'PUT', '/bond/rotate/0123456789');
  assert.deepEqual([rotate.status, renderBody(rotate, 'cb')?.text], [400, 'cb({});']);
  const mtu = await call(svc, 'POST', '/bond/setmtu/9000/eth0/fd00::1');
  assert.deepEqual([mtu.status, renderBody(mtu, null)?.text], [400, "Bonding layer isn't active yet"]);
  assert.deepEqual(await call(svc, 'POST', '/bond/setmtu/1234567/eth0/10.0.0.1'), { status: 404 }, 'at most 6 digits');
  assert.deepEqual(await call(svc, 'DELETE', '/bond/rotate/0123456789'), { status: 404 });
  svc.metricsText = '# HELP x y\n# TYPE x gauge\nx 1\n';
  const m = await call(svc, 'GET', '/metrics');
  assert.deepEqual(renderBody(m, 'cb'), { text: svc.metricsText, contentType: 'text/plain' });
});
