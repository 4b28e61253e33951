// Spec 04 §12.2/§12.4/§12.5: the config dictionaries a real 1.14.1 controller sent and the
// metadata a real 1.14.1 member sent, decoded and written back byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hex, toHex } from '../../src/util/hex.js';
import { decodeNetworkConfig, encodeNetworkConfig, isSameNetworkConfig } from '../../src/protocol/netconf/config-dictionary.js';
import { dnsDomain, isBroadcastEnabled, networkName } from '../../src/protocol/netconf/network-config.js';
import { decodeRequestMetadata, encodeRequestMetadata, memberMetadata } from '../../src/protocol/netconf/request-metadata.js';
import { inetAddressToString } from '../../src/protocol/inet-address.js';
import { Dictionary } from '../../src/protocol/dictionary.js';
import { DecodeError } from '../../src/util/errors.js';
import { sharedDir } from '../helpers/shared.js';

function vector(name: string): Uint8Array {
  return hex(readFileSync(join(sharedDir(), 'vectors', '04', name), 'utf8').replace(/\s+/g, ''));
}

const prefix = (a: ReturnType<typeof decodeNetworkConfig>['staticIps'][number]): string => (a ? inetAddressToString(a) : 'nil');

test('§12.4: the first config dictionary decodes to the controller JSON settings', () => {
  const bytes = vector('config-dict-first.hex');
  assert.equal(bytes.length, 1604);
  const c = decodeNetworkConfig(bytes);
  assert.equal(c.networkId, 0x55bd869199fbd649n);
  assert.equal(c.issuedTo, 0xf842075b2e);
  assert.equal(c.revision, 1n);
  assert.equal(c.timestampMs, 0x1a233a8da1cn);
  assert.equal(c.credentialTimeMaxDeltaMs, 1_800_000n);
  assert.equal(c.flags, 6n);
  assert.ok(isBroadcastEnabled(c));
  assert.equal(c.multicastLimit, 32);
  assert.equal(c.type, 0);
  assert.equal(networkName(c), 'czn-vectors');
  assert.equal(c.mtu, 2800);
  assert.equal(c.com?.qualifiers.length, 7);
  assert.equal(c.com?.signedBy, 0x55bd869199);
  assert.equal(c.capabilities.length, 1);
  assert.equal(c.capabilities[0].length, 150);
  assert.equal(c.tags.length, 1);
  assert.equal(c.tags[0].length, 135);
  assert.equal(c.certificatesOfOwnership.length, 1);
  assert.equal(c.certificatesOfOwnership[0].length, 192);
  assert.deepEqual(c.staticIps.map(prefix), ['fd55:bd86:9199:fbd6:4999:93f8:4207:5b2e/88', 'fccc:4650:d8f8:4207:5b2e::1/40', '10.147.20.40/24']);
  assert.deepEqual(
    c.routes.map((r) => `${prefix(r.target)} via ${r.via ? inetAddressToString(r.via) : '-'}`),
    ['10.147.20.0/24 via -', '172.27.0.0/16 via 10.147.20.1/0'],
  );
  assert.equal(c.ruleCount, 7);
  assert.equal(toHex(c.rules), 'a5020800a5020806a50286dd000031080000006400000007000001' + '00');
  assert.equal(dnsDomain(c.dns), '');
  assert.deepEqual(c.dns.servers, [null, null, null, null]);
  assert.equal(c.sso.version, 0n);
  assert.equal(c.sso.enabled, false);
});

for (const name of ['config-dict-first.hex', 'config-dict-refresh.hex', 'saved-network-config.hex']) {
  test(`§12.5: ${name} written back is byte-identical (the saved file is the re-serialized config)`, () => {
    const bytes = vector(name);
    const c = decodeNetworkConfig(bytes);
    assert.equal(toHex(encodeNetworkConfig(c)), toHex(bytes));
    assert.ok(isSameNetworkConfig(c, decodeNetworkConfig(encodeNetworkConfig(c))));
  });
}

test('§12.5: the saved file equals the refresh dictionary, and differs from the first config only in ts', () => {
  const first = decodeNetworkConfig(vector('config-dict-first.hex'));
  const refresh = decodeNetworkConfig(vector('config-dict-refresh.hex'));
  assert.equal(toHex(vector('saved-network-config.hex')), toHex(vector('config-dict-refresh.hex')));
  assert.ok(!isSameNetworkConfig(first, refresh));
  assert.equal(refresh.timestampMs, 0x1a233a9c481n);
});

test('§12.2: the metadata dictionary of a 1.14.1 member is reproduced byte for byte', () => {
  const text = [
    'v=0000000000000007',
    'vend=0000000000000001',
    'pv=000000000000000c',
    'majv=0000000000000001',
    'minv=000000000000000e',
    'revv=0000000000000001',
    'mr=0000000000000400',
    'mc=0000000000000080',
    'mcr=0000000000000040',
    'mt=0000000000000080',
    'f=0000000000000000',
    'revr=0000000000000001',
    'o=linux/x86_64',
  ].join('\n');
  const m = memberMetadata({ protocol: 12, major: 1, minor: 14, revision: 1 }, 'linux/x86_64');
  const bytes = encodeRequestMetadata(m);
  assert.equal(bytes.length, 263);
  assert.equal(new TextDecoder().decode(bytes), text);
  assert.deepEqual(decodeRequestMetadata(bytes), m);
});

test('configs 1.14.1 refuses are refused', () => {
  const good = Dictionary.decode(vector('config-dict-first.hex'));
  const variant = (edit: (d: Dictionary) => void): Uint8Array => {
    const d = Dictionary.decode(good.encode());
    edit(d);
    return d.encode();
  };
  const refuse = (bytes: Uint8Array, field: string): void => {
    assert.throws(() => decodeNetworkConfig(bytes), (e: unknown) => e instanceof DecodeError && e.field.startsWith(field));
  };
  refuse(variant((d) => d.set('v', '5')), 'netconf.v');
  refuse(variant((d) => d.set('nwid', '0')), 'netconf.nwid');
  refuse(variant((d) => d.set('id', '')), 'netconf.id');
  refuse(variant((d) => d.set('C', Uint8Array.of(2, 0, 0))), 'C');
  refuse(variant((d) => d.set('I', Uint8Array.of(9))), 'I[0]');
  refuse(variant((d) => d.set('RT', Uint8Array.of(4, 10, 0, 0, 0, 0, 8, 0, 0))), 'RT[0]');
  refuse(variant((d) => d.set('DNS', new Uint8Array(130))), 'DNS');
  refuse(variant((d) => d.set('COO', Uint8Array.of(1, 2, 3))), 'COO[0]');
  refuse(new Uint8Array(484520).fill(0x41), 'netconf');
});

test('lenient parts: a bad capability or tag ends its list, limits and clamps apply', () => {
  const d = Dictionary.decode(vector('config-dict-first.hex'));
  const cap = d.get('CAP')!;
  const tag = d.get('TAG')!;
  d.set('CAP', Uint8Array.from([...cap, 1, 2, 3]));
  d.set('TAG', Uint8Array.from([...tag, ...tag.subarray(0, 40)]));
  d.set('mtu', '99999');
  d.set('n', 'x'.repeat(200));
  const ip = Uint8Array.of(4, 10, 0, 0, 1, 0, 24);
  d.set('I', Uint8Array.from(Array.from({ length: 40 }, () => [...ip]).flat()));
  const c = decodeNetworkConfig(d.encode());
  assert.equal(c.capabilities.length, 1);
  assert.equal(c.tags.length, 1);
  assert.equal(c.mtu, 10000);
  assert.equal(c.nameBytes.length, 127);
  assert.equal(c.staticIps.length, 32);
  d.set('mtu', '10');
  assert.equal(decodeNetworkConfig(d.encode()).mtu, 1280);
});
