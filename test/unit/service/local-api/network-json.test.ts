// Network objects (06 §5.6) against the real ones: the 04 vectors (zerotier-cli -j
// listnetworks of a member and of the controller) and the spec's observed bodies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { networkToJson } from '../../../../src/service/local-api/network-json.js';
import { compactJson, prettyJson } from '../../../../src/util/json-text.js';
import { assertInSpec, sharedDir } from '../../../helpers/shared.js';
import { networkViewFromJson } from '../../../helpers/network-view.js';

for (const name of ['listnetworks-member.json', 'listnetworks-controller.json']) {
  test(`networkToJson reproduces vectors/04/${name} field by field and byte for byte`, () => {
    const text = readFileSync(join(sharedDir(), 'vectors', '04', name), 'utf8');
    const real = JSON.parse(text) as unknown[];
    const ours = real.map((n) => networkToJson(networkViewFromJson(n)));
    assert.deepEqual(ours, real);
    assert.deepEqual(Object.keys(ours[0]), Object.keys(real[0] as object), 'same fields in the same order');
    assert.equal(prettyJson(ours) + '\n', text);
  });
}

test("networkToJson: the spec's observed bodies, right after join and when authorized", () => {
  const observed = [
    '{"allowDNS":false,"allowDefault":false,"allowGlobal":false,"allowManaged":true,"assignedAddresses":[],"bridge":false,"broadcastEnabled":false,"dhcp":false,"dns":{"domain":"","servers":[]},"id":"8056c2e21c000001","mac":"02:15:b7:16:80:5f","mtu":2800,"multicastSubscriptions":[],"name":"","netconfRevision":0,"nwid":"8056c2e21c000001","portDeviceName":"ztmjfmfyq5","portError":0,"routes":[],"status":"REQUESTING_CONFIGURATION","type":"PRIVATE"}',
    '{"allowDNS":false,"allowDefault":false,"allowGlobal":false,"allowManaged":true,"assignedAddresses":["fd15:b70a:629d:1379:c599:93eb:fd28:8bba/88","fc88:a473:a7eb:fd28:8bba::1/40","10.147.17.158/24"],"bridge":false,"broadcastEnabled":true,"dhcp":false,"dns":{"domain":"spec.zt","servers":["10.147.17.1"]},"id":"15b70a629d1379c5","mac":"c6:92:ee:b5:e9:b0","mtu":2800,"multicastSubscriptions":[{"adi":0,"mac":"01:00:5e:00:00:01"},{"adi":0,"mac":"33:33:00:00:00:01"},{"adi":0,"mac":"33:33:ff:00:00:01"},{"adi":0,"mac":"33:33:ff:28:8b:ba"},{"adi":0,"mac":"33:33:ff:b5:e9:b0"},{"adi":177410462,"mac":"ff:ff:ff:ff:ff:ff"}],"name":"specnet","netconfRevision":2,"nwid":"15b70a629d1379c5","portDeviceName":"zto4vbsg2y","portError":0,"routes":[{"flags":0,"metric":0,"target":"10.147.17.0/24","via":null},{"flags":0,"metric":0,"target":"172.27.0.0/16","via":"10.147.17.1"},{"flags":0,"metric":0,"target":"10.200.0.0/16","via":null},{"flags":0,"metric":0,"target":"fd00:1234::/32","via":null},{"flags":0,"metric":0,"target":"fd00:5678::/32","via":"fd15:b70a:629d:1379:c599:9315:b70a:629d"},{"flags":0,"metric":0,"target":"0.0.0.0/0","via":"10.147.17.1"},{"flags":0,"metric":0,"target":"::/0","via":"fd15:b70a:629d:1379:c599:9315:b70a:629d"}],"status":"OK","type":"PRIVATE"}',
  ];
  for (const body of observed) {
    assertInSpec('06-service.md', body);
    assert.equal(compactJson(networkToJson(networkViewFromJson(JSON.parse(body)))), body);
  }
});

test('a gateway of the other address family is no gateway (via null), as in 1.14.1', () => {
  const v = networkViewFromJson(JSON.parse(readFileSync(join(sharedDir(), 'vectors', '04', 'listnetworks-member.json'), 'utf8'))[0]);
  v.routes = [{ target: { family: 6, ip: new Uint8Array(16), bits: 0 }, via: Uint8Array.of(10, 0, 0, 1), flags: 0, metric: 0 }];
  assert.deepEqual(networkToJson(v).routes, [{ flags: 0, metric: 0, target: '::/0', via: null }]);
});
