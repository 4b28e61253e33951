// local.conf (06 §3): 1.14.1's lenient coercion, the errors that name the file and the field,
// the precedence of flags, the path policy, the reload check and POST /config/settings' file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLocalConfText, parseCidr } from '../../../src/service/local-conf/local-conf.js';
import { coerceBool, coerceInt, coerceString } from '../../../src/service/local-conf/json-coerce.js';
import { resolveOptions, reloadableOptions } from '../../../src/service/local-conf/daemon-settings.js';
import { DEFAULT_TCP_FALLBACK_RELAY } from '../../../src/service/tcp-fallback.js';
import { PathPolicy } from '../../../src/service/local-conf/path-policy.js';
import { LocalConfFile } from '../../../src/service/local-conf/local-conf-file.js';
import { parseInetAddress, inetAddressToString } from '../../../src/protocol/inet-address.js';
import { ConfigError } from '../../../src/util/errors.js';

const F = '/h/local.conf';

test('values coerce as 1.14.1 coerces them', () => {
  for (const [v, want] of [[true, true], [false, false], [1, true], [0, false], ['true', true], ['T', true], ['1', true], ['yes', false], ['', false]] as const) {
    assert.equal(coerceBool(v, !want, 'x'), want, JSON.stringify(v));
  }
  assert.equal(coerceBool(undefined, true, 'x'), true);
  assert.equal(coerceBool(null, true, 'x'), true, 'null counts as absent');
  assert.equal(coerceInt('9994', 0, 'x', 0, 65535), 9994);
  assert.equal(coerceInt(true, 0, 'x', 0, 65535), 1);
  assert.equal(coerceString(9993, '', 'x'), '9993');
  assert.equal(coerceString(false, '', 'x'), '0');
});

test('an empty file is no configuration; a file that is not JSON or not an object names the file and where', () => {
  assert.deepEqual(parseLocalConfText('', F).raw, {});
  assert.deepEqual(parseLocalConfText('\n', F).raw, {}, 'a lone newline is fine here (1.14.1 refuses it, 06 §12 quirk 16)');
  assert.throws(() => parseLocalConfText('{\n  "settings": {\n    "primaryPort": 9993,\n  }\n}', F), (e: Error) => e instanceof ConfigError && e.message === `${F}: not valid JSON at line 4 column 3`);
  assert.throws(() => parseLocalConfText('{"settings": ', F), { message: `${F}: not valid JSON (it ends too early)` });
  assert.throws(() => parseLocalConfText('[1]', F), { message: `${F}: must hold a JSON object, got an array` });
});

test('an impossible value is refused naming the file and the field', () => {
  const cases: Array<[unknown, string]> = [
    [{ settings: { primaryPort: 70000 } }, `${F}: settings.primaryPort must be an integer 0-65535, got 70000`],
    [{ settings: { primaryPort: 'abc' } }, `${F}: settings.primaryPort must be an integer 0-65535, got "abc"`],
    [{ settings: { secondaryPort: -1 } }, `${F}: settings.secondaryPort must be an integer 0-65535, got -1`],
    [{ settings: { forceTcpRelay: {} } }, `${F}: settings.forceTcpRelay must be a boolean, got an object`],
    [{ settings: { tcpFallbackRelay: '1.2.3.4' } }, `${F}: settings.tcpFallbackRelay must be IP/port, got "1.2.3.4"`],
    [{ settings: { bind: ['127.0.0.1', 'eth0'] } }, `${F}: settings.bind[1] must be an IP address, got "eth0"`],
    [{ settings: { allowManagementFrom: '10.0.0.0/8' } }, `${F}: settings.allowManagementFrom must be an array of strings, got "10.0.0.0/8"`],
    [{ settings: { allowManagementFrom: ['10.0.0.0/33'] } }, `${F}: settings.allowManagementFrom[0] must be IP/bits, got "10.0.0.0/33"`],
    [{ settings: [] }, `${F}: settings must be an object, got an array`],
    [{ physical: { 'nonsense/8': { blacklist: true } } }, `${F}: physical key must be IP/bits, got "nonsense/8"`],
    [{ physical: { '10.0.0.0/8': { mtu: 100000 } } }, `${F}: physical["10.0.0.0/8"].mtu must be an integer 0-10324, got 100000`],
    [{ physical: { '10.0.0.0/8': { trustedPathId: 'x' } } }, `${F}: physical["10.0.0.0/8"].trustedPathId must be an unsigned 64-bit integer, got "x"`],
    [{ virtual: { feedbeef: {} } }, `${F}: virtual keys must be node addresses of 10 hex digits, got "feedbeef"`],
    [{ virtual: { feedbeef12: { try: ['10.0.0.1'] } } }, `${F}: virtual["feedbeef12"].try[0] must be IP/port, got "10.0.0.1"`],
  ];
  for (const [conf, message] of cases) assert.throws(() => parseLocalConfText(JSON.stringify(conf), F), (e: Error) => e instanceof ConfigError && e.message === message, message);
});

test("06 §3.5's example reads into every part; keys ztkube does not implement are listed, not refused", () => {
  const lc = parseLocalConfText(
    JSON.stringify({
      physical: { '10.0.0.0/24': { blacklist: true }, '10.10.10.0/24': { trustedPathId: 101010024, mtu: '1400' }, '0.0.0.0/0': { blacklist: true } },
      virtual: { feedbeef12: { try: ['10.10.20.1/9993'], blacklist: ['192.168.0.0/24'] } },
      settings: {
        primaryPort: '9994', portMappingEnabled: true, allowTcpFallbackRelay: 0, tcpFallbackRelay: '10.0.0.9/443', interfacePrefixBlacklist: ['docker', 'veth', 'cni', ''],
        allowManagementFrom: ['10.147.17.0/24', '192.0.2.5'], softwareUpdate: 'apply', multicoreEnabled: true, primaryPortt: 1,
      },
      extra: {},
    }),
    F,
  );
  assert.equal(lc.primaryPort, 9994);
  assert.equal(lc.allowTcpFallbackRelay, false);
  assert.equal(lc.forceTcpRelay, undefined);
  assert.equal(lc.tcpFallbackRelay, '10.0.0.9/443');
  assert.deepEqual(lc.interfacePrefixBlacklist, ['docker', 'veth', 'cni'], 'an empty prefix would match every interface: skipped, as 1.14.1');
  assert.deepEqual(lc.allowManagementFrom.map((p) => p.bits), [24, 32], 'a bare IP is that host, not the whole family');
  assert.deepEqual(lc.physicalBlacklist.map((p) => p.bits), [24], 'a /0 blacklist is ignored, as 1.14.1 ignores it');
  assert.deepEqual(lc.physical, [{ network: { family: 4, ip: Uint8Array.of(10, 10, 10, 0) }, bits: 24, trustedPathId: 101010024n, mtu: 1400 }]);
  assert.deepEqual(lc.virtual.get(0xfeedbeef12)?.try.map(inetAddressToString), ['10.10.20.1/9993']);
  assert.deepEqual(lc.ignored.sort(), ['settings.multicoreEnabled', 'settings.portMappingEnabled', 'settings.softwareUpdate']);
  assert.deepEqual(lc.unknown.sort(), ['extra', 'settings.primaryPortt']);
  assert.equal(parseLocalConfText('{"physical":{"10.1.0.0/16":{"trustedPathId":18446744073709551615}}}', F).physical[0].trustedPathId, 0xffffffffffffffffn, '64-bit ids survive the parse');
});

test('precedence: local.conf primaryPort beats --port (as it beats -p); every other flag beats the file', () => {
  const conf = parseLocalConfText(JSON.stringify({ settings: { primaryPort: 9995, allowSecondaryPort: false, bind: ['10.0.0.1'], forceTcpRelay: true } }), F);
  const fromFile = resolveOptions({ port: 9993 }, conf);
  assert.equal(fromFile.port, 9995);
  assert.equal(fromFile.secondaryPort, 'none');
  assert.deepEqual(fromFile.bind, ['10.0.0.1']);
  assert.equal(fromFile.forceTcpRelay, true);
  assert.equal(fromFile.allowTcpFallbackRelay, true);
  assert.equal(fromFile.tcpFallbackRelay, DEFAULT_TCP_FALLBACK_RELAY);
  const flags = { port: 9993, secondaryPort: 30000, bind: ['127.0.0.1'], forceTcpRelay: false };
  const fromFlags = resolveOptions(flags, conf);
  assert.equal(fromFlags.port, 9995);
  assert.equal(fromFlags.secondaryPort, 30000);
  assert.deepEqual(fromFlags.bind, ['127.0.0.1']);
  assert.equal(fromFlags.forceTcpRelay, false);
  // A reload changes the reloadable keys only; settings.bind only grows until a restart.
  const next = parseLocalConfText(JSON.stringify({ settings: { primaryPort: 1234, bind: ['10.0.0.2'], allowTcpFallbackRelay: false } }), F);
  const reloaded = reloadableOptions(fromFile, { port: 9993 }, next);
  assert.equal(reloaded.port, 9995);
  assert.equal(reloaded.secondaryPort, 'none');
  assert.deepEqual(reloaded.bind, ['10.0.0.1', '10.0.0.2']);
  assert.equal(reloaded.allowTcpFallbackRelay, false);
  assert.equal(reloaded.forceTcpRelay, false);
});

test('path policy: physical and per-peer blacklists refuse remote addresses; try gives a hint', () => {
  const lc = parseLocalConfText(JSON.stringify({ physical: { '10.0.0.0/24': { blacklist: true } }, virtual: { feedbeef12: { try: ['10.10.20.1/9993', '[::1]/1'].slice(0, 1), blacklist: ['192.168.0.0/16'] } } }), F);
  const policy = new PathPolicy(lc);
  const at = (s: string) => parseInetAddress(s)!;
  assert.equal(policy.isAllowed(0x1111111111, at('10.0.0.7/9993')), false);
  assert.equal(policy.isAllowed(0x1111111111, at('10.0.1.7/9993')), true);
  assert.equal(policy.isAllowed(0x1111111111, at('192.168.1.1/9993')), true);
  assert.equal(policy.isAllowed(0xfeedbeef12, at('192.168.1.1/9993')), false);
  assert.equal(inetAddressToString(policy.hint(0xfeedbeef12, () => 0)!), '10.10.20.1/9993');
  assert.equal(policy.hint(0x1111111111, () => 0), null);
  assert.deepEqual(parseCidr('fd00::/8', 'x').bits, 8);
});

test('the reload check re-reads a changed file, keeps the configuration in force when the new text is bad', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ztkube-localconf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'local.conf');
  const file = new LocalConfFile(path);
  assert.deepEqual(file.load().raw, {}, 'no file: no configuration');
  assert.equal(file.reloadIfChanged(), null);
  writeFileSync(path, '{"settings":{"forceTcpRelay":true}}');
  assert.equal(file.reloadIfChanged()?.forceTcpRelay, true, 'a new file is read');
  assert.equal(file.reloadIfChanged(), null, 'unchanged: not read again');
  writeFileSync(path, '{"settings":{"forceTcpRelay":false}}');
  utimesSync(path, new Date(2001, 1, 1), new Date(2001, 1, 1)); // copied in with an old mtime: still seen
  assert.equal(file.reloadIfChanged()?.forceTcpRelay, false);
  writeFileSync(path, '{"settings":');
  assert.throws(() => file.reloadIfChanged(), { message: `${path}: not valid JSON (it ends too early)` });
  assert.equal(file.current.forceTcpRelay, false, 'the configuration in force stays');
  assert.equal(file.reloadIfChanged(), null, 'the same bad text is not reported again');
  rmSync(path);
  assert.equal(file.reloadIfChanged(), null, 'a removed file keeps the configuration in force');
});

test('POST /config/settings: merged into the file on disk, 4-space indent, no final newline, mode kept; a bad file or value is left alone', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ztkube-localconf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'local.conf');
  const file = new LocalConfFile(path);
  file.load();
  file.mergeSettings({ allowTcpFallbackRelay: false, interfacePrefixBlacklist: ['veth'] });
  // The file 06 §5.10 shows 1.14.1 writing for this body.
  assert.equal(readFileSync(path, 'utf8'), '{\n    "settings": {\n        "allowTcpFallbackRelay": false,\n        "interfacePrefixBlacklist": [\n            "veth"\n        ]\n    }\n}');
  assert.equal(statSync(path).mode & 0o777, 0o644);
  // An edit on disk not reloaded yet is kept; the file's mode too.
  writeFileSync(path, '{"physical":{"10.0.0.0/8":{"blacklist":true}},"settings":{"primaryPort":9993}}');
  chmodSync(path, 0o600);
  file.mergeSettings({ primaryPort: 9994 });
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { physical: { '10.0.0.0/8': { blacklist: true } }, settings: { primaryPort: 9994 } });
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(file.current.raw, { physical: { '10.0.0.0/8': { blacklist: true } }, settings: { primaryPort: 9994 } }, 'GET /config shows it at once');
  const before = readFileSync(path, 'utf8');
  assert.throws(() => file.mergeSettings({ primaryPort: 70000 }), { message: `${path}: settings.primaryPort must be an integer 0-65535, got 70000` });
  writeFileSync(path, '{"settings": oops');
  assert.throws(() => file.mergeSettings({ primaryPort: 9995 }), { message: `${path}: not valid JSON; fix or remove it before changing settings through the API` });
  assert.equal(readFileSync(path, 'utf8'), '{"settings": oops', "the user's file is not replaced");
  assert.notEqual(before, '');
});

test('the home: positional, --home, $ZEROTIER_HOME, then /var/lib/zerotier-one; two different ones are refused', async () => {
  const { resolveHome, DEFAULT_HOME } = await import('../../../src/cli/daemon.js');
  assert.equal(DEFAULT_HOME, '/var/lib/zerotier-one');
  assert.equal(resolveHome(undefined, undefined, {}), DEFAULT_HOME);
  assert.equal(resolveHome(undefined, undefined, { ZEROTIER_HOME: '/srv/zt' }), '/srv/zt');
  assert.equal(resolveHome('/a', undefined, { ZEROTIER_HOME: '/srv/zt' }), '/a');
  assert.equal(resolveHome(undefined, '/b', {}), '/b');
  assert.equal(resolveHome('/a', '/a', {}), '/a');
  assert.throws(() => resolveHome('/a', '/b', {}), (e: Error) => e instanceof ConfigError && /given twice/.test(e.message));
});
