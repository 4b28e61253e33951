// Spec 05 §2.6–§2.7 against 04 §12.4: fed the network and member JSON of the capture, the
// identities and the timestamp of OK #50, our controller builds the very dictionary the real
// 1.14.1 controller sent, byte for byte (signatures included: they are deterministic).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hex, toHex } from '../../src/util/hex.js';
import { Identity } from '../../src/protocol/identity.js';
import { encodeNetworkConfig, decodeNetworkConfig } from '../../src/protocol/netconf/config-dictionary.js';
import { Dictionary } from '../../src/protocol/dictionary.js';
import { admitMember } from '../../src/controller/admission.js';
import { buildNetworkConfig } from '../../src/controller/config-builder.js';
import { allocatedIps } from '../../src/controller/ip-assignment.js';
import type { JsonObject } from '../../src/controller/json-read.js';
import { sharedDir } from '../helpers/shared.js';

const dir = (): string => join(sharedDir(), 'vectors', '04');
const json = (name: string): JsonObject => JSON.parse(readFileSync(join(dir(), name), 'utf8')) as JsonObject;
const identities = (): Identity[] =>
  readFileSync(join(dir(), 'identities.txt'), 'utf8')
    .split('\n')
    .filter((l) => /^[0-9a-f]{10}:/.test(l))
    .map((l) => Identity.fromString(l.trim()));

function build(tsMs: number): Uint8Array {
  const [controller, member] = identities();
  const network = json('controller-network.json');
  const record = json('controller-member.json');
  const nwid = 0x55bd869199fbd649n;
  const r = admitMember(network, record, {
    nwid,
    identity: member.toPublic(),
    isGenuine: true,
    versions: { major: 1, minor: 14, rev: 1, proto: 12 },
    rulesEngineRev: 1,
    authCredential: null,
  }, { nowMs: tsMs, allocated: allocatedIps([record]), random: () => new Uint8Array(32) });
  assert.equal(r.decision, 'ok');
  if (r.decision !== 'ok') throw new Error('not admitted');
  const c = buildNetworkConfig({ nwid, network, admitted: r, requester: member.toPublic(), signer: controller, members: [record], nowMs: tsMs });
  return encodeNetworkConfig(c);
}

test('the controller rebuilds the first config of the capture byte for byte', () => {
  const expected = hex(readFileSync(join(dir(), 'config-dict-first.hex'), 'utf8').replace(/\s+/g, ''));
  const ts = Number(decodeNetworkConfig(expected).timestampMs);
  const ours = build(ts);
  const a = Dictionary.decode(ours);
  const b = Dictionary.decode(expected);
  for (const k of b.keys()) assert.equal(toHex(a.get(k) ?? new Uint8Array(0)), toHex(b.get(k)!), `key ${k}`);
  assert.deepEqual([...a.keys()], [...b.keys()]);
  assert.equal(toHex(ours), toHex(expected));
});

test('…and the refresh config, issued at its own time', () => {
  const expected = hex(readFileSync(join(dir(), 'config-dict-refresh.hex'), 'utf8').replace(/\s+/g, ''));
  const ts = Number(decodeNetworkConfig(expected).timestampMs);
  assert.equal(toHex(build(ts)), toHex(expected));
});
