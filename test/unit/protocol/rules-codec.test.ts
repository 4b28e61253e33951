// Rule codec (spec 04 §6.2; 1.14.1 Capability::serializeRules / deserializeRules): the
// encoding of every type written out by hand from serializeRules, the `R` blob and the
// capability captured from a real 1.14.1 controller, what 1.14.1 tolerates (short and long
// lengths, unknown types, the entry limit) and the decoder property.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DecodeError } from '../../../src/util/errors.js';
import { hex, toHex } from '../../../src/util/hex.js';
import { Reader } from '../../../src/protocol/reader.js';
import { Writer } from '../../../src/protocol/writer.js';
import { Dictionary } from '../../../src/protocol/dictionary.js';
import {
  MAX_CAPABILITY_RULES,
  decodeRules,
  encodeRules,
  readRule,
  readRuleList,
  writeRule,
  writeRuleList,
} from '../../../src/protocol/rules/codec.js';
import * as R from '../../../src/protocol/rules/rule.js';
import { characteristicsRule, integerRangeEnd, integerRangeRule, integerRangeStart, makeRule, type Rule } from '../../../src/protocol/rules/rule.js';
import { assertInSpec, repoRoot, sharedDir } from '../../helpers/shared.js';
import { fuzzDecoder } from '../../helpers/property.js';

const ip4 = (...b: number[]): Uint8Array => Uint8Array.from(b);

/** [name, rule, its encoding] for every type 1.14.1 knows, plus flag combinations. */
const EVERY_TYPE: Array<[string, Rule, string]> = [
  ['ACTION_DROP', makeRule(R.RULE_ACTION_DROP), '0000'],
  ['ACTION_ACCEPT', makeRule(R.RULE_ACTION_ACCEPT), '0100'],
  ['ACTION_TEE', makeRule(R.RULE_ACTION_TEE, { address: 0xa2cb3e9302, flags: 0, length: 128 }), '020e 000000a2cb3e9302 00000000 0080'],
  ['ACTION_WATCH', makeRule(R.RULE_ACTION_WATCH, { address: 0x5bc7629dcf, flags: 1 }), '030e 0000005bc7629dcf 00000001 0000'],
  ['ACTION_REDIRECT', makeRule(R.RULE_ACTION_REDIRECT, { address: 0xa2cb3e9302 }), '040e 000000a2cb3e9302 00000000 0000'],
  ['ACTION_BREAK', makeRule(R.RULE_ACTION_BREAK), '0500'],
  ['ACTION_PRIORITY', makeRule(R.RULE_ACTION_PRIORITY), '0600'],
  ['SOURCE_ZEROTIER_ADDRESS', makeRule(R.RULE_MATCH_SOURCE_ZEROTIER_ADDRESS, { address: 0xa2cb3e9302 }), '1805 a2cb3e9302'],
  ['DEST_ZEROTIER_ADDRESS', makeRule(R.RULE_MATCH_DEST_ZEROTIER_ADDRESS, { address: 0x5bc7629dcf, or: true }), '5905 5bc7629dcf'],
  ['VLAN_ID', makeRule(R.RULE_MATCH_VLAN_ID, { value: 5 }), '1a02 0005'],
  ['VLAN_PCP', makeRule(R.RULE_MATCH_VLAN_PCP, { value: 3 }), '1b01 03'],
  ['VLAN_DEI', makeRule(R.RULE_MATCH_VLAN_DEI, { value: 1 }), '1c01 01'],
  ['MAC_SOURCE', makeRule(R.RULE_MATCH_MAC_SOURCE, { mac: 0xaabbccddeeff }), '1d06 aabbccddeeff'],
  ['MAC_DEST', makeRule(R.RULE_MATCH_MAC_DEST, { mac: 0xffffffffffff, not: true }), '9e06 ffffffffffff'],
  ['IPV4_SOURCE', makeRule(R.RULE_MATCH_IPV4_SOURCE, { ip: ip4(10, 147, 20, 0), bits: 24 }), '1f05 0a931400 18'],
  ['IPV4_DEST', makeRule(R.RULE_MATCH_IPV4_DEST, { ip: ip4(10, 147, 20, 7), bits: 0 }), '2005 0a931407 00'],
  ['IPV6_SOURCE', makeRule(R.RULE_MATCH_IPV6_SOURCE, { ip: hex('fd000000000000000000000000000000'), bits: 8 }), '2111 fd000000000000000000000000000000 08'],
  ['IPV6_DEST', makeRule(R.RULE_MATCH_IPV6_DEST, { ip: hex('fd000000000000000000000000000001'), bits: 128 }), '2211 fd000000000000000000000000000001 80'],
  ['IP_TOS', makeRule(R.RULE_MATCH_IP_TOS, { mask: 252, start: 0, end: 46 }), '2303 fc002e'],
  ['IP_PROTOCOL', makeRule(R.RULE_MATCH_IP_PROTOCOL, { value: 6 }), '2401 06'],
  ['ETHERTYPE', makeRule(R.RULE_MATCH_ETHERTYPE, { value: 0x0800, not: true }), 'a502 0800'],
  ['ICMP', makeRule(R.RULE_MATCH_ICMP, { value: 3, code: 1, flags: 1 }), '2603 030101'],
  ['IP_SOURCE_PORT_RANGE', makeRule(R.RULE_MATCH_IP_SOURCE_PORT_RANGE, { start: 1024, end: 65535 }), '2704 0400ffff'],
  ['IP_DEST_PORT_RANGE', makeRule(R.RULE_MATCH_IP_DEST_PORT_RANGE, { start: 22, end: 22 }), '2804 00160016'],
  ['CHARACTERISTICS', characteristicsRule(0x8000000000000012n, { not: true, or: true }), 'e908 8000000000000012'],
  ['FRAME_SIZE_RANGE', makeRule(R.RULE_MATCH_FRAME_SIZE_RANGE, { start: 0, end: 1500 }), '2a04 000005dc'],
  ['RANDOM', makeRule(R.RULE_MATCH_RANDOM, { value: 0x80000000 }), '2b04 80000000'],
  ['TAGS_DIFFERENCE', makeRule(R.RULE_MATCH_TAGS_DIFFERENCE, { id: 1, value: 0 }), '2c08 00000001 00000000'],
  ['TAGS_BITWISE_AND', makeRule(R.RULE_MATCH_TAGS_BITWISE_AND, { id: 2, value: 0xffffffff }), '2d08 00000002 ffffffff'],
  ['TAGS_BITWISE_OR', makeRule(R.RULE_MATCH_TAGS_BITWISE_OR, { id: 3, value: 4 }), '2e08 00000003 00000004'],
  ['TAGS_BITWISE_XOR', makeRule(R.RULE_MATCH_TAGS_BITWISE_XOR, { id: 4, value: 5 }), '2f08 00000004 00000005'],
  ['TAGS_EQUAL', makeRule(R.RULE_MATCH_TAGS_EQUAL, { id: 5, value: 6 }), '3008 00000005 00000006'],
  ['TAG_SENDER', makeRule(R.RULE_MATCH_TAG_SENDER, { id: 100, value: 7 }), '3108 00000064 00000007'],
  ['TAG_RECEIVER', makeRule(R.RULE_MATCH_TAG_RECEIVER, { id: 2, value: 6 }), '3208 00000002 00000006'],
  ['INTEGER_RANGE', integerRangeRule(0x100n, 0x1ffn, 14, 0x8f), '3313 0000000000000100 00000000000001ff 000e 8f'],
];

function encodeOne(rule: Rule): string {
  const w = new Writer();
  writeRule(w, rule);
  return toHex(w.finish());
}

describe('rule codec: every type', () => {
  for (const [name, rule, enc] of EVERY_TYPE) {
    it(`${name}: encodes as 1.14.1 serializeRules does and decodes back`, () => {
      const bytes = hex(enc);
      assert.equal(encodeOne(rule), toHex(bytes));
      const back = readRule(new Reader(bytes));
      assert.deepEqual(back, rule);
      assert.deepEqual(decodeRules(bytes, 1024), [rule]);
    });
  }

  it('all of them in one blob and in one counted list', () => {
    const rules = EVERY_TYPE.map(([, r]) => r);
    const blob = encodeRules(rules);
    assert.equal(toHex(blob), EVERY_TYPE.map(([, , e]) => e.replace(/\s+/g, '')).join(''));
    assert.deepEqual(decodeRules(blob, 1024), rules);
    const w = new Writer();
    writeRuleList(w, rules);
    const listed = w.finish();
    assert.equal(toHex(listed.subarray(0, 2)), toHex(Uint8Array.of(0, rules.length)));
    const r = new Reader(listed);
    assert.deepEqual(readRuleList(r, 1024), rules);
    assert.equal(r.remaining, 0);
  });

  it('the NOT and OR bits survive on actions too (1.14.1 sends the type byte whole)', () => {
    const rule = makeRule(R.RULE_ACTION_ACCEPT, { not: true, or: true });
    assert.equal(encodeOne(rule), 'c100');
    assert.deepEqual(decodeRules(hex('c100'), 10), [rule]);
  });

  it('INTEGER_RANGE keeps start and (end - start) mod 2^32, so a wider range re-encodes narrower', () => {
    const wide = integerRangeRule(5n, 0x1_0000_0007n, 0, 63);
    assert.equal(wide.span, 2);
    assert.equal(integerRangeEnd(wide), 7n);
    const wrap = integerRangeRule(0xffffffffffffffffn, 0x1n, 0, 63);
    assert.equal(integerRangeStart(wrap), 0xffffffffffffffffn);
    assert.equal(integerRangeEnd(wrap), 1n);
    assert.equal(encodeOne(wrap), '3313' + 'ffffffffffffffff' + '0000000000000001' + '0000' + '3f');
    assert.deepEqual(readRule(new Reader(hex(encodeOne(wrap)))), wrap);
  });
});

describe('rule codec: vectors from a real 1.14.1 controller', () => {
  const dict = (): Dictionary => {
    const text = readFileSync(join(sharedDir(), 'vectors', '04', 'config-dict-first.hex'), 'utf8');
    return Dictionary.decode(hex(text));
  };
  const baseTable: Rule[] = [
    makeRule(R.RULE_MATCH_ETHERTYPE, { value: 0x0800, not: true }),
    makeRule(R.RULE_MATCH_ETHERTYPE, { value: 0x0806, not: true }),
    makeRule(R.RULE_MATCH_ETHERTYPE, { value: 0x86dd, not: true }),
    makeRule(R.RULE_ACTION_DROP),
    makeRule(R.RULE_MATCH_TAG_SENDER, { id: 100, value: 7 }),
    makeRule(R.RULE_ACTION_DROP),
    makeRule(R.RULE_ACTION_ACCEPT),
  ];

  it('the config R blob (04 §6.2, §12.5) decodes to the posted base table and re-encodes byte for byte', () => {
    const blob = dict().get('R');
    assert.ok(blob);
    assertInSpec('04-networks.md', toHex(blob));
    assert.deepEqual(decodeRules(blob, 1024), baseTable);
    assert.equal(toHex(encodeRules(baseTable)), toHex(blob));
  });

  it("the capability in CAP carries its rules as a counted list that reads and writes back exactly", () => {
    const cap = dict().get('CAP');
    assert.ok(cap);
    const r = new Reader(cap, 20); // network ID, timestamp, capability ID
    const rules = readRuleList(r, MAX_CAPABILITY_RULES);
    assert.deepEqual(rules, [
      makeRule(R.RULE_MATCH_IP_PROTOCOL, { value: 6 }),
      makeRule(R.RULE_MATCH_IP_DEST_PORT_RANGE, { start: 22, end: 22 }),
      makeRule(R.RULE_ACTION_ACCEPT),
    ]);
    const w = new Writer();
    writeRuleList(w, rules);
    assert.equal(toHex(w.finish()), toHex(cap.subarray(20, r.pos)));
    assert.equal(cap[r.pos], 1, 'the max custody chain length follows');
  });
});

describe('rule codec: what 1.14.1 tolerates and what it refuses', () => {
  it('a known type reads its value at its own size whatever L says; a short L runs on into the next entry', () => {
    // ETHERTYPE with L=0, then "01 00": the value is 0x0100 and those bytes are also an ACCEPT.
    assert.deepEqual(decodeRules(hex('2500 0100'), 10), [makeRule(R.RULE_MATCH_ETHERTYPE, { value: 0x0100 }), makeRule(R.RULE_ACTION_ACCEPT)]);
  });

  it('a long L is skipped over', () => {
    assert.deepEqual(decodeRules(hex('2504 0800 dead 0100'), 10), [makeRule(R.RULE_MATCH_ETHERTYPE, { value: 0x0800 }), makeRule(R.RULE_ACTION_ACCEPT)]);
  });

  it('unknown types are kept as entries with L skipped, and re-encode with L = 0', () => {
    const rules = decodeRules(hex('1403 aabbcc 8702 ffff 3f00 0100'), 10);
    assert.deepEqual(rules.map((r) => [r.type, r.not]), [[20, false], [7, true], [63, false], [1, false]]);
    assert.equal(toHex(encodeRules(rules)), '1400' + '8700' + '3f00' + '0100');
  });

  it('the upper 24 bits of a forwarding address are dropped', () => {
    const [rule] = decodeRules(hex('020e ffffff0102030405 00000000 0000'), 10);
    assert.equal(rule.address, 0x0102030405);
  });

  it('in R the last entry may claim more bytes than are left; a counted list may not', () => {
    assert.deepEqual(decodeRules(hex('01 40'), 10), [makeRule(R.RULE_ACTION_ACCEPT)]);
    assert.throws(() => readRuleList(new Reader(hex('0001 01 40'))), DecodeError);
    assert.throws(() => readRule(new Reader(hex('01 40'))), DecodeError);
  });

  it('a value past the end of the input, a type byte without L, a short count: DecodeError', () => {
    for (const bad of ['2502 08', '1805 a2cb3e93', '01', '0100 25', '3313 00']) {
      assert.throws(() => decodeRules(hex(bad), 10), DecodeError, bad);
    }
    assert.throws(() => readRuleList(new Reader(hex('0002 0100'))), DecodeError);
    assert.throws(() => readRuleList(new Reader(hex('00'))), DecodeError);
  });

  it('reading stops after maxRules entries without looking at the rest', () => {
    assert.deepEqual(decodeRules(hex('0100 0000 ff'), 2), [makeRule(R.RULE_ACTION_ACCEPT), makeRule(R.RULE_ACTION_DROP)]);
  });

  it('a capability with more than 64 rules is malformed', () => {
    const w = new Writer();
    writeRuleList(w, new Array(65).fill(makeRule(R.RULE_ACTION_ACCEPT)));
    assert.throws(() => readRuleList(new Reader(w.finish()), MAX_CAPABILITY_RULES), (e) => e instanceof DecodeError && e.code === 'decode_too_many');
    const ok = new Writer();
    writeRuleList(ok, new Array(64).fill(makeRule(R.RULE_ACTION_ACCEPT)));
    assert.equal(readRuleList(new Reader(ok.finish()), MAX_CAPABILITY_RULES).length, 64);
  });

  it('an empty blob is an empty table', () => {
    assert.deepEqual(decodeRules(new Uint8Array(0), 1024), []);
    assert.equal(encodeRules([]).length, 0);
  });
});

describe('rule codec: hostile input', () => {
  const seeds = [encodeRules(EVERY_TYPE.map(([, r]) => r))];
  it('decodeRules only ever throws DecodeError', () => {
    fuzzDecoder('decodeRules', (b) => decodeRules(b, 1024), { seeds });
  });
  it('readRuleList only ever throws DecodeError', () => {
    const w = new Writer();
    writeRuleList(w, EVERY_TYPE.map(([, r]) => r));
    fuzzDecoder('readRuleList', (b) => readRuleList(new Reader(b), 64), { seeds: [w.finish()] });
  });
});

describe('rule codec: against 1.14.1 deserializeRules itself', () => {
  it('every recorded blob decodes (or is refused) as 1.14.1 did, and re-encodes as its serializeRules did', () => {
    // test/fixtures/rules/README.md: each blob went through 1.14.1's deserializeRules as a
    // config's R (1 024 entries at most), then serializeRules (forwarding addresses masked to
    // 40 bits, as ztkube keeps them); ERR = it threw.
    const text = readFileSync(join(repoRoot, 'test', 'fixtures', 'rules', 'codec-cases-1.14.1.txt'), 'utf8');
    const lines = text.split('\n').filter((l) => l.length > 0);
    assert.ok(lines.length >= 1000);
    const failures: string[] = [];
    let refused = 0;
    for (const line of lines) {
      const [blob, expected] = line.split(' => ');
      let got: string;
      try {
        const rules = decodeRules(blob === '-' ? new Uint8Array(0) : hex(blob), 1024);
        got = `${toHex(encodeRules(rules))} ${rules.length}`;
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        got = 'ERR';
        refused++;
      }
      if (got.trim() !== expected.trim()) failures.push(`${blob}: expected ${expected}, got ${got}`);
    }
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${lines.length} differ`);
    assert.ok(refused > 100, 'the cases include refusals');
  });
});
