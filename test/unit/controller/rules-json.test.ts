// Rules JSON (spec 05 §5; 1.14.1 _parseRule / _renderRule): the 40 posted rules of the
// real API log and what 1.14.1 stored, JSON → binary against configs captured from real
// 1.14.1 controllers, and the value coercions rule by rule.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../../src/util/errors.js';
import { hex, toHex } from '../../../src/util/hex.js';
import { Dictionary } from '../../../src/protocol/dictionary.js';
import { Reader } from '../../../src/protocol/reader.js';
import { Writer } from '../../../src/protocol/writer.js';
import { encodeRules, readRuleList, writeRuleList } from '../../../src/protocol/rules/codec.js';
import { readCapabilityBytes } from '../../../src/protocol/verbs/credential-lengths.js';
import * as T from '../../../src/protocol/rules/rule.js';
import { characteristicsRule, integerRangeRule, makeRule, type Rule } from '../../../src/protocol/rules/rule.js';
import { ruleFromJson, ruleToJson, rulesFromJson } from '../../../src/controller/rules-json.js';
import { repoRoot, sharedDir } from '../../helpers/shared.js';

const vector = (...p: string[]): string => join(sharedDir(), 'vectors', ...p);

/** Request body and response body of entry `n` of vectors/05/api-log.txt. */
function apiLogEntry(n: number): { request: Record<string, unknown>; response: Record<string, unknown> } {
  const log = readFileSync(vector('05', 'api-log.txt'), 'utf8');
  const start = log.indexOf(`=== ${n} `);
  const end = log.indexOf('\n=== ', start + 1);
  const entry = log.slice(start, end < 0 ? undefined : end);
  const body = /^>>> body: (.*)$/m.exec(entry);
  assert.ok(body, `entry ${n} has a request body`);
  const response = entry.slice(entry.indexOf('\n{')).trim();
  return { request: JSON.parse(body[1]) as Record<string, unknown>, response: JSON.parse(response) as Record<string, unknown> };
}

const roundTrip = (list: unknown): string[] => rulesFromJson(list).map((r) => JSON.stringify(ruleToJson(r)));

describe('rules JSON: what a real 1.14.1 stored (05 §9.3, api-log #10)', () => {
  const { request, response } = apiLogEntry(10);

  it('the 40 posted rules convert and re-render to exactly the 37 stored ones', () => {
    assert.equal((request.rules as unknown[]).length, 40);
    const stored = (response.rules as unknown[]).map((r) => JSON.stringify(r));
    assert.equal(stored.length, 37);
    assert.deepEqual(roundTrip(request.rules), stored);
  });

  it('the stored form is a fixed point', () => {
    assert.deepEqual(roundTrip(response.rules), (response.rules as unknown[]).map((r) => JSON.stringify(r)));
  });
});

describe('rules JSON → binary against configs a real 1.14.1 controller sent', () => {
  it('vectors/04: the network rules give the R blob of the captured config, capability 1 its CAP rules', () => {
    const net = JSON.parse(readFileSync(vector('04', 'controller-network.json'), 'utf8')) as { rules: unknown[]; capabilities: Array<{ rules: unknown[] }> };
    const dict = Dictionary.decode(hex(readFileSync(vector('04', 'config-dict-first.hex'), 'utf8')));
    assert.equal(toHex(encodeRules(rulesFromJson(net.rules))), toHex(dict.get('R')!));
    const cap = dict.get('CAP')!;
    const w = new Writer();
    writeRuleList(w, rulesFromJson(net.capabilities[0].rules));
    assert.equal(toHex(w.finish()), toHex(cap.subarray(20, 20 + 2 + 11)));
  });

  it('vectors/05: network czc-net as stored gives the R and both capabilities member a2cb3e9302 received', () => {
    const net = JSON.parse(readFileSync(vector('05', 'controller.d-snapshot', 'network', '16ef05e5485ec5d4.json'), 'utf8')) as {
      rules: unknown[];
      capabilities: Array<{ id: number; rules: unknown[] }>;
    };
    const dict = Dictionary.decode(readFileSync(vector('05', 'member-a2cb3e9302-netconf-16ef05e5485ec5d4.dict')));
    assert.equal(toHex(encodeRules(rulesFromJson(net.rules))), toHex(dict.get('R')!));
    // CAP holds the member's capabilities 1000 and 2000 back to back; each rule list starts at its byte 20.
    const cap = dict.get('CAP')!;
    const all = new Reader(cap);
    for (const id of [1000, 2000]) {
      const start = all.pos;
      readCapabilityBytes(all);
      const one = cap.subarray(start, all.pos);
      assert.equal(new Reader(one, 16).u32('id'), id);
      const expected = rulesFromJson(net.capabilities.find((c) => c.id === id)!.rules);
      const r = new Reader(one, 20);
      assert.deepEqual(readRuleList(r), expected);
      const w = new Writer();
      writeRuleList(w, expected);
      assert.equal(toHex(w.finish()), toHex(one.subarray(20, r.pos)));
    }
    assert.equal(all.remaining, 0);
  });
});

describe('rules JSON: every type round-trips through JSON', () => {
  const rules: Rule[] = [
    makeRule(T.RULE_ACTION_DROP),
    makeRule(T.RULE_ACTION_ACCEPT),
    makeRule(T.RULE_ACTION_TEE, { address: 0xa2cb3e9302, flags: 7, length: 128 }),
    makeRule(T.RULE_ACTION_WATCH, { address: 0x5bc7629dcf, flags: 1 }),
    makeRule(T.RULE_ACTION_REDIRECT, { address: 0x0102030405, flags: 0xffffffff }),
    makeRule(T.RULE_ACTION_BREAK),
    makeRule(T.RULE_MATCH_SOURCE_ZEROTIER_ADDRESS, { address: 0xa2cb3e9302, not: true }),
    makeRule(T.RULE_MATCH_DEST_ZEROTIER_ADDRESS, { address: 0x00000000ff, or: true }),
    makeRule(T.RULE_MATCH_VLAN_ID, { value: 4095 }),
    makeRule(T.RULE_MATCH_VLAN_PCP, { value: 7 }),
    makeRule(T.RULE_MATCH_VLAN_DEI, { value: 1 }),
    makeRule(T.RULE_MATCH_MAC_SOURCE, { mac: 0x0a0b0c0d0e0f }),
    makeRule(T.RULE_MATCH_MAC_DEST, { mac: 0xffffffffffff }),
    makeRule(T.RULE_MATCH_IPV4_SOURCE, { ip: Uint8Array.of(10, 147, 20, 0), bits: 24 }),
    makeRule(T.RULE_MATCH_IPV4_DEST, { ip: Uint8Array.of(0, 0, 0, 0), bits: 0 }),
    makeRule(T.RULE_MATCH_IPV6_SOURCE, { ip: hex('fd000000000000000000000000000000'), bits: 8 }),
    makeRule(T.RULE_MATCH_IPV6_DEST, { ip: hex('00000000000000000000ffff0a000001'), bits: 128 }),
    makeRule(T.RULE_MATCH_IP_TOS, { mask: 252, start: 0, end: 46 }),
    makeRule(T.RULE_MATCH_IP_PROTOCOL, { value: 17 }),
    makeRule(T.RULE_MATCH_ETHERTYPE, { value: 0x86dd }),
    makeRule(T.RULE_MATCH_ICMP, { value: 8 }),
    makeRule(T.RULE_MATCH_ICMP, { value: 3, code: 1, flags: 1 }),
    makeRule(T.RULE_MATCH_IP_SOURCE_PORT_RANGE, { start: 1024, end: 65535 }),
    makeRule(T.RULE_MATCH_IP_DEST_PORT_RANGE, { start: 22, end: 22 }),
    characteristicsRule(0xc000000000000012n),
    makeRule(T.RULE_MATCH_FRAME_SIZE_RANGE, { start: 64, end: 1500 }),
    makeRule(T.RULE_MATCH_RANDOM, { value: 0xffffffff }),
    makeRule(T.RULE_MATCH_TAGS_DIFFERENCE, { id: 1, value: 0 }),
    makeRule(T.RULE_MATCH_TAGS_BITWISE_AND, { id: 0xffffffff, value: 1 }),
    makeRule(T.RULE_MATCH_TAGS_BITWISE_OR, { id: 1, value: 2 }),
    makeRule(T.RULE_MATCH_TAGS_BITWISE_XOR, { id: 1, value: 3 }),
    makeRule(T.RULE_MATCH_TAGS_EQUAL, { id: 1, value: 4 }),
    makeRule(T.RULE_MATCH_TAG_SENDER, { id: 2, value: 5 }),
    makeRule(T.RULE_MATCH_TAG_RECEIVER, { id: 2, value: 0xfffffffe, not: true, or: true }),
  ];
  for (const rule of rules) {
    it(`${(ruleToJson(rule).type as string)}${rule.not ? ' NOT' : ''}${rule.or ? ' OR' : ''}`, () => {
      const json = JSON.parse(JSON.stringify(ruleToJson(rule))) as unknown;
      assert.deepEqual(ruleFromJson(json), rule);
    });
  }

  it('actions lose NOT and OR in the rendering; matches always carry both', () => {
    assert.deepEqual(ruleToJson(makeRule(T.RULE_ACTION_ACCEPT, { not: true, or: true })), { type: 'ACTION_ACCEPT' });
    assert.deepEqual(ruleFromJson({ type: 'ACTION_ACCEPT', not: true, or: true }), makeRule(T.RULE_ACTION_ACCEPT, { not: true, or: true }));
    assert.deepEqual(Object.keys(ruleToJson(makeRule(T.RULE_MATCH_ETHERTYPE, { value: 1 }))), ['etherType', 'not', 'or', 'type']);
  });

  it('renders addresses as 10 hex digits, MACs with colons, masks as 16 hex digits, keys sorted', () => {
    assert.equal(JSON.stringify(ruleToJson(makeRule(T.RULE_ACTION_TEE, { address: 0xff, length: 3 }))), '{"address":"00000000ff","flags":0,"length":3,"type":"ACTION_TEE"}');
    assert.equal(JSON.stringify(ruleToJson(makeRule(T.RULE_MATCH_MAC_DEST, { mac: 0x0a0000000001 }))), '{"mac":"0a:00:00:00:00:01","not":false,"or":false,"type":"MATCH_MAC_DEST"}');
    assert.equal(JSON.stringify(ruleToJson(characteristicsRule(18n))), '{"mask":"0000000000000012","not":false,"or":false,"type":"MATCH_CHARACTERISTICS"}');
  });

  it('renders IPv6 as glibc inet_ntop does, embedded IPv4 included', () => {
    const ip6 = (h: string, bits: number): unknown => ruleToJson(makeRule(T.RULE_MATCH_IPV6_SOURCE, { ip: hex(h), bits })).ip;
    assert.equal(ip6('fd000000000000000000000000000001', 128), 'fd00::1/128');
    assert.equal(ip6('00000000000000000000ffff0a000001', 96), '::ffff:10.0.0.1/96');
    assert.equal(ip6('0000000000000000000000000a000001', 96), '::10.0.0.1/96');
    assert.equal(ip6('00000000000000000000000000000001', 128), '::1/128');
    assert.equal(ip6('00000000000000000000000000000000', 0), '::/0');
    assert.equal(ip6('20010db8000000010000000000000001', 64), '2001:db8:0:1::1/64');
    assert.equal(ip6('20010db8000100010001000100010001', 64), '2001:db8:1:1:1:1:1:1/64');
  });

  it('ACTION_PRIORITY and unassigned types render as {}; INTEGER_RANGE renders but never parses', () => {
    assert.deepEqual(ruleToJson(makeRule(T.RULE_ACTION_PRIORITY)), {});
    assert.deepEqual(ruleToJson(makeRule(20)), {});
    const ir = integerRangeRule(0n, 100n, 14, 0x80 | 15);
    assert.equal(JSON.stringify(ruleToJson(ir)), '{"bits":16,"end":"0000000000000064","idx":14,"little":true,"not":false,"or":false,"start":"0000000000000000","type":"INTEGER_RANGE"}');
    assert.equal(ruleFromJson(ruleToJson(ir)), null);
  });
});

describe('rules JSON: what is dropped', () => {
  for (const [what, v] of [
    ['INTEGER_RANGE', { type: 'INTEGER_RANGE', start: 0, end: 100, idx: 14, bits: 16 }],
    ['ACTION_PRIORITY', { type: 'ACTION_PRIORITY', priority: 3 }],
    ['an unknown type', { type: 'NO_SUCH_RULE' }],
    ['a lower-case type', { type: 'action_accept' }],
    ['no type', { etherType: 2048 }],
    ['a numeric type', { type: 1 }],
    ['an array', ['ACTION_ACCEPT']],
    ['null', null],
    ['a string', 'ACTION_ACCEPT'],
  ] as Array<[string, unknown]>) {
    it(what, () => assert.equal(ruleFromJson(v), null));
  }
});

describe('rules JSON: values are coerced as 1.14.1 coerces them', () => {
  const one = (o: Record<string, unknown>): Rule => {
    const r = ruleFromJson(o);
    assert.ok(r);
    return r;
  };

  it('not/or "as bool"', () => {
    for (const [v, b] of [[true, true], [1, true], [-1, true], [0.5, false], ['true', true], ['T', true], ['1', true], ['yes', false], ['', false], [null, false], [{}, false]] as Array<[unknown, boolean]>) {
      assert.equal(one({ type: 'MATCH_ETHERTYPE', not: v }).not, b, `not: ${JSON.stringify(v)}`);
      assert.equal(one({ type: 'MATCH_ETHERTYPE', or: v }).or, b, `or: ${JSON.stringify(v)}`);
    }
  });

  it('integers "as integer", masked to the field', () => {
    assert.equal(one({ type: 'MATCH_ETHERTYPE', etherType: '2048abc' }).value, 2048);
    assert.equal(one({ type: 'MATCH_ETHERTYPE', etherType: -1 }).value, 0xffff);
    assert.equal(one({ type: 'MATCH_ETHERTYPE', etherType: 0x10800 }).value, 0x0800);
    assert.equal(one({ type: 'MATCH_ETHERTYPE', etherType: true }).value, 1);
    assert.equal(one({ type: 'MATCH_ETHERTYPE', etherType: 6.9 }).value, 6);
    assert.equal(one({ type: 'MATCH_ETHERTYPE', etherType: ' +12' }).value, 12);
    assert.equal(one({ type: 'MATCH_ETHERTYPE', etherType: '-1' }).value, 0xffff);
    assert.equal(one({ type: 'MATCH_ETHERTYPE', etherType: 'x' }).value, 0);
    assert.equal(one({ type: 'MATCH_ETHERTYPE', etherType: [1] }).value, 0);
    assert.equal(one({ type: 'MATCH_RANDOM', probability: 2 ** 32 + 5 }).value, 5);
    assert.equal(one({ type: 'MATCH_TAG_SENDER', id: '99999999999999999999999', value: -2 }).id, 0xffffffff, 'strtoull saturates');
    assert.equal(one({ type: 'MATCH_TAG_SENDER', id: 1, value: -2 }).value, 0xfffffffe);
    assert.equal(one({ type: 'MATCH_VLAN_ID', vlanId: 65537 }).value, 1);
    assert.equal(one({ type: 'MATCH_IP_TOS', mask: 0x1fc, start: '1', end: 256 }).mask, 0xfc);
  });

  it('a port or frame-size range without end ends at its (masked) start', () => {
    assert.deepEqual([one({ type: 'MATCH_IP_DEST_PORT_RANGE', start: 22 }).start, one({ type: 'MATCH_IP_DEST_PORT_RANGE', start: 22 }).end], [22, 22]);
    const r = one({ type: 'MATCH_FRAME_SIZE_RANGE', start: 65536 + 100 });
    assert.deepEqual([r.start, r.end], [100, 100]);
    const n = one({ type: 'MATCH_IP_SOURCE_PORT_RANGE', start: 5, end: null });
    assert.deepEqual([n.start, n.end], [5, 5]);
  });

  it('ZeroTier addresses are hex read from "as string": a JSON number is read as hex digits', () => {
    assert.equal(one({ type: 'MATCH_SOURCE_ZEROTIER_ADDRESS', zt: '5BC7629DCF' }).address, 0x5bc7629dcf);
    assert.equal(one({ type: 'MATCH_SOURCE_ZEROTIER_ADDRESS', zt: '0x5bc7629dcf' }).address, 0x5bc7629dcf);
    assert.equal(one({ type: 'MATCH_SOURCE_ZEROTIER_ADDRESS', zt: 1234 }).address, 0x1234);
    assert.equal(one({ type: 'MATCH_SOURCE_ZEROTIER_ADDRESS', zt: 'ff5bc7629dcf' }).address, 0x5bc7629dcf, 'low 40 bits');
    assert.equal(one({ type: 'MATCH_SOURCE_ZEROTIER_ADDRESS' }).address, 0);
    assert.equal(one({ type: 'ACTION_TEE', address: 'a2cb3e9302zz', length: 70000 }).length, 70000 & 0xffff);
    assert.equal(one({ type: 'ACTION_REDIRECT', address: 'a2cb3e9302', length: 5 }).length, 0, 'REDIRECT reads no length');
  });

  it('MACs: ":" and "-" removed, then hex pairs; a bad digit is 0, a missing byte is 0', () => {
    assert.equal(one({ type: 'MATCH_MAC_SOURCE', mac: 'aa-bb-cc-dd-ee-ff' }).mac, 0xaabbccddeeff);
    assert.equal(one({ type: 'MATCH_MAC_SOURCE', mac: 'AA:BB:CC:DD:EE:FF' }).mac, 0xaabbccddeeff);
    assert.equal(one({ type: 'MATCH_MAC_SOURCE', mac: 'ffff' }).mac, 0xffff00000000);
    assert.equal(one({ type: 'MATCH_MAC_SOURCE', mac: 'fff' }).mac, 0xff0000000000);
    assert.equal(one({ type: 'MATCH_MAC_SOURCE', mac: 'zz1122334455' }).mac, 0x001122334455);
    assert.equal(one({ type: 'MATCH_MAC_SOURCE', mac: 'aabbccddeeff0011' }).mac, 0xaabbccddeeff);
    assert.equal(one({ type: 'MATCH_MAC_SOURCE' }).mac, 0);
  });

  it('IP "addr/bits": bits absent → 0, taken mod 256 then capped; wrong family → zero address', () => {
    const v4 = (ip: unknown): [string, number] => {
      const r = one({ type: 'MATCH_IPV4_SOURCE', ip });
      return [Array.from(r.ip).join('.'), r.bits];
    };
    assert.deepEqual(v4('10.147.20.7'), ['10.147.20.7', 0]);
    assert.deepEqual(v4('10.147.20.0/24'), ['10.147.20.0', 24]);
    assert.deepEqual(v4('10.0.0.1/33'), ['10.0.0.1', 32]);
    assert.deepEqual(v4('10.0.0.1/256'), ['10.0.0.1', 0]);
    assert.deepEqual(v4('10.0.0.1/300'), ['10.0.0.1', 32]);
    assert.deepEqual(v4('10.0.0.1/8/9'), ['10.0.0.1', 8]);
    assert.deepEqual(v4('10.0.0.256/8'), ['0.0.0.0', 8]);
    assert.deepEqual(v4('010.0.0.1/8'), ['0.0.0.0', 8]);
    assert.deepEqual(v4('fd00::1/24'), ['0.0.0.0', 24]);
    assert.deepEqual(v4('nonsense/24'), ['0.0.0.0', 0]);
    assert.deepEqual(v4(''), ['0.0.0.0', 0]);
    assert.deepEqual(v4(undefined), ['0.0.0.0', 0]);
    assert.deepEqual(v4('1.2.3.4/' + '1'.repeat(60)), ['0.0.0.0', 0], '64 characters or more');
    const r6 = one({ type: 'MATCH_IPV6_DEST', ip: 'fd00::1/200' });
    assert.deepEqual([toHex(r6.ip), r6.bits], ['fd000000000000000000000000000001', 128]);
    const x6 = one({ type: 'MATCH_IPV6_DEST', ip: '10.0.0.1/64' });
    assert.deepEqual([toHex(x6.ip), x6.bits], ['00000000000000000000000000000000', 64]);
    assert.equal(JSON.stringify(ruleToJson(one({ type: 'MATCH_IPV4_DEST', ip: '10.147.20.7' }))), '{"ip":"10.147.20.7/0","not":false,"or":false,"type":"MATCH_IPV4_DEST"}');
  });

  it('ICMP: an absent or null code means "any code"; anything else is a code', () => {
    assert.deepEqual([one({ type: 'MATCH_ICMP', icmpType: 8 }).flags, one({ type: 'MATCH_ICMP', icmpType: 8, icmpCode: null }).flags], [0, 0]);
    const r = one({ type: 'MATCH_ICMP', icmpType: 3, icmpCode: '1' });
    assert.deepEqual([r.value, r.code, r.flags], [3, 1, 1]);
    assert.deepEqual([one({ type: 'MATCH_ICMP', icmpCode: 'x' }).flags, one({ type: 'MATCH_ICMP', icmpCode: 'x' }).code], [1, 0]);
  });

  it('CHARACTERISTICS mask: a number, or hex text; absent → 0; any other JSON type throws', () => {
    assert.equal(ruleToJson(one({ type: 'MATCH_CHARACTERISTICS', mask: 18 })).mask, '0000000000000012');
    assert.equal(ruleToJson(one({ type: 'MATCH_CHARACTERISTICS', mask: '8000000000000002' })).mask, '8000000000000002');
    assert.equal(ruleToJson(one({ type: 'MATCH_CHARACTERISTICS', mask: '0x12' })).mask, '0000000000000012');
    assert.equal(ruleToJson(one({ type: 'MATCH_CHARACTERISTICS' })).mask, '0000000000000000');
    for (const bad of [true, null, [], {}]) {
      assert.throws(() => ruleFromJson({ type: 'MATCH_CHARACTERISTICS', mask: bad }), ConfigError, JSON.stringify(bad));
    }
  });

  it('rulesFromJson leaves dropped rules out and takes only arrays', () => {
    assert.equal(rulesFromJson([{ type: 'ACTION_PRIORITY' }, { type: 'ACTION_ACCEPT' }, 5]).length, 1);
    assert.deepEqual(rulesFromJson({ type: 'ACTION_ACCEPT' }), []);
  });
});

describe('rules JSON: against 1.14.1 _parseRule/_renderRule themselves', () => {
  it('every recorded rule object converts to the same binary entry and renders to the same JSON', () => {
    // test/fixtures/rules/README.md: each object went through 1.14.1's _parseRule (DROP = it
    // returned false, THROW = it threw), then serializeRules and _renderRule.
    const text = readFileSync(join(repoRoot, 'test', 'fixtures', 'rules', 'json-cases-1.14.1.txt'), 'utf8');
    const lines = text.split('\n').filter((l) => l.length > 0);
    assert.ok(lines.length >= 1000);
    const failures: string[] = [];
    const seen = new Set<string>();
    for (const line of lines) {
      const [input, expected] = line.split('\t');
      let got: string;
      try {
        const rule = ruleFromJson(JSON.parse(input));
        got = rule === null ? 'DROP' : `${toHex(encodeRules([rule]))} ${JSON.stringify(ruleToJson(rule))}`;
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        got = 'THROW';
      }
      seen.add(got === 'DROP' || got === 'THROW' ? got : 'converted');
      if (got !== expected) failures.push(`${input}: expected ${expected}, got ${got}`);
    }
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${lines.length} differ`);
    assert.deepEqual([...seen].sort(), ['DROP', 'THROW', 'converted']);
  });
});
