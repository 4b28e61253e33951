// networks.d/<nwid>.local.conf (06 §2.5): four lines written; read with 1.14.1's rules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_NETWORK_SETTINGS, formatLocalConf, NetworkLocalConfStore, parseLocalConf } from '../../../src/service/network-local-conf.js';
import { assertInSpec } from '../../helpers/shared.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), `ztkube-nlc-${process.pid}-`));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('written as exactly the four lines of the spec', () => {
  const text = formatLocalConf({ allowManaged: true, allowGlobal: false, allowDefault: false, allowDNS: false });
  assert.equal(text, 'allowManaged=1\nallowGlobal=0\nallowDefault=0\nallowDNS=0\n');
  assertInSpec('06-service.md', text);
  assert.equal(formatLocalConf({ allowManaged: false, allowGlobal: true, allowDefault: true, allowDNS: true }), 'allowManaged=0\nallowGlobal=1\nallowDefault=1\nallowDNS=1\n');
});

test("read: 1/t/T are true; allowManaged defaults true, the others false; CR works as a separator", () => {
  assert.deepEqual(parseLocalConf(enc('allowManaged=0\nallowGlobal=true\nallowDefault=T\nallowDNS=yes\n')).settings, { allowManaged: false, allowGlobal: true, allowDefault: true, allowDNS: false });
  assert.deepEqual(parseLocalConf(enc('')).settings, DEFAULT_NETWORK_SETTINGS);
  assert.deepEqual(parseLocalConf(enc('allowManaged=\rallowDNS=1')).settings, { ...DEFAULT_NETWORK_SETTINGS, allowDNS: true }, 'an empty allowManaged is true');
  assert.deepEqual(parseLocalConf(enc('allowGlobal=')).settings.allowGlobal, false);
});

test('a long allowManaged is a whitelist of IP/bits and allows managed addresses', () => {
  const c = parseLocalConf(enc('allowManaged=10.0.0.0/8,fd00::/8\nallowGlobal=0\n'));
  assert.equal(c.settings.allowManaged, true);
  assert.deepEqual(c.managedWhitelist, ['10.0.0.0/8', 'fd00::/8']);
  assert.deepEqual(parseLocalConf(enc('allowManaged=false')).managedWhitelist, [], 'five bytes: a boolean');
});

test('the store: defaults without a file, save creates networks.d, remove deletes', () => {
  const store = new NetworkLocalConfStore(dir);
  const nwid = 0x8056c2e21c000001n;
  assert.equal(store.path(nwid), join(dir, 'networks.d', '8056c2e21c000001.local.conf'));
  assert.deepEqual(store.load(nwid).settings, DEFAULT_NETWORK_SETTINGS);
  store.save(nwid, { ...DEFAULT_NETWORK_SETTINGS, allowDNS: true });
  assert.equal(readFileSync(store.path(nwid), 'utf8'), 'allowManaged=1\nallowGlobal=0\nallowDefault=0\nallowDNS=1\n');
  assert.equal(store.load(nwid).settings.allowDNS, true);
  store.remove(nwid);
  assert.equal(existsSync(store.path(nwid)), false);
  store.remove(nwid); // twice is fine
});
