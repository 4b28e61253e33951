// GET /config and POST|PUT /config/settings (06 §5.10) against a fake service: the object held,
// a merge per body key, JSON that is no object ignored, invalid JSON the 500 of 06 §5.1, a
// value the file may not hold a 400 with the sentence, and no body change without a service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeRequest, renderBody } from '../../../../src/service/local-api/routes.js';
import { FakeLocalService } from '../../../helpers/fake-local-service.js';
import { ConfigError } from '../../../../src/util/errors.js';

class ConfigService extends FakeLocalService {
  conf: Record<string, unknown> = {};
  merges: Array<Record<string, unknown>> = [];
  localConfig(): Record<string, unknown> {
    return this.conf;
  }
  mergeConfigSettings(changes: Record<string, unknown>): void {
    if (changes.primaryPort === 70000) throw new ConfigError('/h/local.conf: settings.primaryPort must be an integer 0-65535, got 70000');
    this.merges.push(changes);
    this.conf = { ...this.conf, settings: { ...(this.conf.settings as object), ...changes } };
  }
}

const call = (svc: FakeLocalService, method: string, path: string, body = '') => routeRequest({ method, path, body }, svc, 0);

test('GET /config: {} without a file, else the object; HEAD too', async () => {
  const svc = new ConfigService();
  assert.deepEqual(await call(svc, 'GET', '/config'), { status: 200, body: {} });
  svc.conf = { settings: { primaryPort: 9993 } };
  assert.equal(renderBody(await call(svc, 'HEAD', '/config'), null)?.text, '{"settings":{"primaryPort":9993}}');
  assert.deepEqual(await call(new FakeLocalService(), 'GET', '/config'), { status: 200, body: {} }, 'a service with no local.conf');
  assert.deepEqual(await call(svc, 'GET', '/config/'), { status: 404 });
});

test('POST and PUT /config/settings merge an object body, ignore any other JSON, refuse bad values and bad JSON', async () => {
  const svc = new ConfigService();
  assert.deepEqual(await call(svc, 'POST', '/config/settings', '{"allowTcpFallbackRelay":false}'), { status: 200, body: {} });
  assert.deepEqual(await call(svc, 'PUT', '/config/settings', '{"interfacePrefixBlacklist":["veth"]}'), { status: 200, body: {} });
  assert.deepEqual(svc.merges, [{ allowTcpFallbackRelay: false }, { interfacePrefixBlacklist: ['veth'] }]);
  for (const body of ['[1]', '"x"', 'null', '3']) assert.deepEqual(await call(svc, 'POST', '/config/settings', body), { status: 200, body: {} }, body);
  assert.equal(svc.merges.length, 2);
  const bad = await call(svc, 'POST', '/config/settings', '{"primaryPort":70000}');
  assert.deepEqual(bad, { status: 400, body: '{"error": 400, "description": "/h/local.conf: settings.primaryPort must be an integer 0-65535, got 70000"}' });
  const broken = await call(svc, 'POST', '/config/settings', '{oops');
  assert.equal(broken.status, 500);
  assert.match(String(broken.body), /^\{"error": 500, "description": ".+"\}$/);
  assert.deepEqual(await call(svc, 'DELETE', '/config/settings'), { status: 404 });
});
