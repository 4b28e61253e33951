// Rules engine cost per frame (src/node/rules-engine.ts): a realistic 10-entry base table
// and a 100-entry one, outbound and inbound, on a 1400-byte IPv4/TCP payload that walks
// the whole table to its final ACCEPT (the worst case for a frame that is let through).
// Prints `bench <what>: <number> <unit>` lines.
import { PerformanceObserver } from 'node:perf_hooks';
import * as T from '../../src/protocol/rules/rule.js';
import { characteristicsRule, integerRangeRule, makeRule, type Rule } from '../../src/protocol/rules/rule.js';
import { FilterResult, filterIncoming, filterOutgoing, type NetworkRules } from '../../src/node/rules-engine.js';
import { TCP_ACK, TCP_PSH, credentials, frame, ipv4, tcp } from '../helpers/rules-frames.js';

const SELF = 0x5e1f5e1f5e;
const NO_CAPABILITIES: Rule[][] = [];

/** The captured 1.14.1 network's shape: EtherType whitelist, a tag check, SSH, accept. */
function tenRules(): Rule[] {
  return [
    makeRule(T.RULE_MATCH_ETHERTYPE, { value: 0x0800, not: true }),
    makeRule(T.RULE_MATCH_ETHERTYPE, { value: 0x0806, not: true }),
    makeRule(T.RULE_MATCH_ETHERTYPE, { value: 0x86dd, not: true }),
    makeRule(T.RULE_ACTION_DROP),
    makeRule(T.RULE_MATCH_TAG_SENDER, { id: 100, value: 7 }),
    makeRule(T.RULE_ACTION_DROP),
    makeRule(T.RULE_MATCH_IP_PROTOCOL, { value: 6 }),
    makeRule(T.RULE_MATCH_IP_DEST_PORT_RANGE, { start: 22, end: 22 }),
    makeRule(T.RULE_ACTION_ACCEPT),
    makeRule(T.RULE_ACTION_ACCEPT),
  ];
}

/** A firewall-like table: an EtherType check, eight blocks of sets this frame does not match, ACCEPT. */
function hundredRules(): Rule[] {
  const rules: Rule[] = [
    makeRule(T.RULE_MATCH_ETHERTYPE, { value: 0x0800, not: true }),
    makeRule(T.RULE_MATCH_ETHERTYPE, { value: 0x86dd, not: true }),
    makeRule(T.RULE_ACTION_DROP),
  ];
  for (let b = 0; b < 8; b++) {
    rules.push(
      makeRule(T.RULE_MATCH_IPV4_SOURCE, { ip: Uint8Array.of(192, 168, b, 0), bits: 24 }),
      makeRule(T.RULE_MATCH_IP_DEST_PORT_RANGE, { start: 1000 + b, end: 2000 + b }),
      makeRule(T.RULE_ACTION_DROP),
      makeRule(T.RULE_MATCH_MAC_SOURCE, { mac: 0x020000000000 + b }),
      makeRule(T.RULE_MATCH_MAC_DEST, { mac: 0x020000000100 + b, or: true }),
      makeRule(T.RULE_ACTION_DROP),
      characteristicsRule(0x1000000000000002n),
      makeRule(T.RULE_MATCH_TAGS_DIFFERENCE, { id: 5, value: b }),
      makeRule(T.RULE_ACTION_BREAK),
      makeRule(T.RULE_MATCH_ICMP, { value: 8 }),
      integerRangeRule(BigInt(b + 1), BigInt(b + 2), 20, 15, { or: true }),
      makeRule(T.RULE_ACTION_ACCEPT),
    );
  }
  rules.push(makeRule(T.RULE_ACTION_ACCEPT));
  if (rules.length !== 100) throw new Error(`${rules.length} rules`);
  return rules;
}

function nsPerFrame(iterations: number, fn: () => void): number {
  for (let i = 0; i < 20000; i++) fn(); // warm up the JIT
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / iterations);
  }
  return best;
}

/** Garbage collections (scavenges included) while fn runs: 0 means the path allocates nothing. */
async function gcsDuring(fn: () => void): Promise<number> {
  let count = 0;
  const obs = new PerformanceObserver((list) => {
    count += list.getEntries().length;
  });
  obs.observe({ entryTypes: ['gc'] });
  fn();
  await new Promise((resolve) => setTimeout(resolve, 50));
  obs.disconnect();
  return count;
}

export async function run(): Promise<void> {
  const payload = ipv4(6, [10, 147, 20, 7], [10, 147, 20, 99], tcp(40000, 443, TCP_ACK | TCP_PSH, false, 1400 - 40));
  if (payload.length !== 1400) throw new Error('bench frame is not 1400 bytes');
  const local = credentials({ tags: { 100: 1, 5: 3 }, ips: ['10.147.20.99'] });
  const remote = credentials({ tags: { 100: 5, 5: 40 }, ips: ['10.147.20.7'] });
  const out = new FilterResult();
  for (const [name, rules] of [['10-rule', tenRules()], ['100-rule', hundredRules()]] as const) {
    const cfg: NetworkRules = { networkId: 0x55bd869199fbd649n, self: SELF, rules, capabilities: [], flags: 0, local };
    const f = frame({ payload, etherType: 0x0800, ztSource: SELF, ztDest: 0x1111111111 });
    if (filterOutgoing(cfg, remote, false, f, out).accept !== 1) throw new Error(`${name}: outbound not accepted`);
    const outNs = nsPerFrame(200000, () => {
      f.random = (f.random + 0x9e3779b9) >>> 0;
      filterOutgoing(cfg, remote, false, f, out);
    });
    console.log(`bench rules ${name} outbound 1400B IPv4/TCP: ${outNs.toFixed(0)} ns/frame`);

    const g = frame({ payload, etherType: 0x0800, ztSource: 0x1111111111, ztDest: SELF });
    if (filterIncoming(cfg, remote, NO_CAPABILITIES, g, out).accept !== 1) throw new Error(`${name}: inbound not accepted`);
    const inNs = nsPerFrame(200000, () => {
      g.random = (g.random + 0x9e3779b9) >>> 0;
      filterIncoming(cfg, remote, NO_CAPABILITIES, g, out);
    });
    console.log(`bench rules ${name} inbound 1400B IPv4/TCP: ${inNs.toFixed(0)} ns/frame`);

    const gcs = await gcsDuring(() => {
      for (let i = 0; i < 1_000_000; i++) {
        filterOutgoing(cfg, remote, false, f, out);
        filterIncoming(cfg, remote, NO_CAPABILITIES, g, out);
      }
    });
    console.log(`bench rules ${name} garbage collections in 1M frames each way: ${gcs} collections`);
  }
}
