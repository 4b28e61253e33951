// GET /status (06 §5.4) against the spec's observed member node, byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthToJson, statusToJson } from '../../../../src/service/local-api/status-json.js';
import type { StatusView } from '../../../../src/service/local-api/service-port.js';
import { parseInetAddress } from '../../../../src/protocol/inet-address.js';
import { compactJson } from '../../../../src/util/json-text.js';
import { assertInSpec } from '../../../helpers/shared.js';

const OBSERVED =
  '{"address":"ebfd288bba","clock":1795555060552,"config":{"settings":{"allowTcpFallbackRelay":true,"forceTcpRelay":false,"homeDir":"/var/lib/zerotier-one","listeningOn":["192.88.99.2/9993","192.88.99.2/27788","192.88.99.2/26327","fd99::2/9993","fd99::2/27788","fd99::2/26327"],"portMappingEnabled":true,"primaryPort":9993,"secondaryPort":27788,"softwareUpdate":"disable","softwareUpdateChannel":"release","surfaceAddresses":["192.88.99.2/26327","192.88.99.2/27788","192.88.99.2/9993"],"tertiaryPort":26327}},"online":true,"planetWorldId":43981,"planetWorldTimestamp":1795555013704,"publicIdentity":"ebfd288bba:0:80bf53a6eac3208b43699bf201a1f776ebacb2fa9f982eb3439c0b6e855888407c98ce5b45f895edaadb0e99b46fe927a9873f71766f8214e73f02c72f9a0187","tcpFallbackActive":false,"version":"1.14.1","versionBuild":0,"versionMajor":1,"versionMinor":14,"versionRev":1}';

function observedView(): StatusView {
  const o = JSON.parse(OBSERVED);
  const s = o.config.settings;
  return {
    address: 0xebfd288bba,
    publicIdentity: o.publicIdentity,
    isOnline: true,
    isTcpFallbackActive: false,
    clockMs: o.clock,
    planet: { id: 43981n, timestamp: 1795555013704n },
    homeDir: s.homeDir,
    primaryPort: 9993,
    secondaryPort: 27788,
    tertiaryPort: 26327,
    listeningOn: s.listeningOn.map((a: string) => parseInetAddress(a)!),
    surfaceAddresses: s.surfaceAddresses.map((a: string) => parseInetAddress(a)!),
    isTcpFallbackRelayAllowed: true,
    isTcpRelayForced: false,
    isPortMappingEnabled: true,
    localConfig: {},
  };
}

test('statusToJson: the observed member node, byte for byte', () => {
  assertInSpec('06-service.md', OBSERVED);
  assert.equal(compactJson(statusToJson(observedView())), OBSERVED);
});

test('statusToJson: local.conf is reported verbatim; its settings win over the running values', () => {
  const v = { ...observedView(), localConfig: { physical: { '10.0.0.0/8': { blacklist: true } }, settings: { primaryPort: '1234', allowTcpFallbackRelay: 0, portMappingEnabled: 'no', interfacePrefixBlacklist: ['veth'] } } };
  const j = statusToJson(v) as { config: { physical: unknown; settings: Record<string, unknown> } };
  assert.deepEqual(j.config.physical, { '10.0.0.0/8': { blacklist: true } });
  assert.equal(j.config.settings.primaryPort, 1234);
  assert.equal(j.config.settings.allowTcpFallbackRelay, false);
  assert.equal(j.config.settings.portMappingEnabled, false);
  assert.deepEqual(j.config.settings.interfacePrefixBlacklist, ['veth']);
  assert.equal(j.config.settings.homeDir, '/var/lib/zerotier-one', 'computed keys are always the running ones');
});

test('a 64-bit planet id stays whole; healthToJson as observed', () => {
  const j = compactJson(statusToJson({ ...observedView(), planet: { id: 0xde39837d2e01554en, timestamp: 1n } }));
  assert.match(j, /"planetWorldId":16012974523758499150,/);
  const health = '{"clock":1795554906451,"online":false,"version":"1.14.1","versionBuild":0,"versionMajor":1,"versionMinor":14,"versionRev":1}';
  assertInSpec('06-service.md', health);
  assert.equal(compactJson(healthToJson({ clockMs: 1795554906451, isOnline: false })), health);
});
