// Node events become log lines: debug lines a user needs, limited per kind and peer; warn
// for internal errors; counters for every event type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import winston from 'winston';
import Transport from 'winston-transport';
import { NodeEventLog } from '../../../src/service/node-event-log.js';
import { parseInetAddress } from '../../../src/protocol/inet-address.js';

class Capture extends Transport {
  lines: Array<Record<string, unknown>> = [];
  override log(info: Record<string, unknown>, next: () => void): void {
    this.lines.push(info);
    next();
  }
}

function logger(level: string): { log: winston.Logger; cap: Capture } {
  const cap = new Capture();
  return { log: winston.createLogger({ level, levels: { error: 0, warn: 1, info: 2, debug: 3 }, transports: [cap] }), cap };
}

test('debug shows paths, WHOIS and drops with reasons, once per interval per key', () => {
  const { log, cap } = logger('debug');
  let now = 1_000;
  const events = new NodeEventLog(log, () => now);
  const from = parseInetAddress('10.0.0.9/9993')!;
  events.handle({ type: 'trace', kind: 'path_learned', peer: 0x1122334455, path: from });
  events.handle({ type: 'trace', kind: 'path_learned', peer: 0x1122334455, path: from });
  events.handle({ type: 'trace', kind: 'whois_sent', peer: 0x1122334455 });
  events.handle({ type: 'drop', reason: 'bad_mac', from });
  events.handle({ type: 'drop', reason: 'bad_mac', from });
  now += 10_000;
  events.handle({ type: 'drop', reason: 'bad_mac', from });
  const msgs = cap.lines.map((l) => `${l.level} ${l.message as string}`);
  assert.deepEqual(msgs, ['debug path learned', 'debug whois sent', 'debug dropped', 'debug dropped']);
  assert.equal(cap.lines[0].peer, '1122334455');
  assert.equal(cap.lines[0].component, 'node');
  assert.equal(cap.lines[2].reason, 'bad_mac');
  assert.equal(events.counts.get('drop'), 3);
  assert.equal(events.counts.get('trace:path_learned'), 2);
});

test('at info no debug lines; internal errors still reach warn; state changes at info', () => {
  const { log, cap } = logger('info');
  const events = new NodeEventLog(log, () => 0);
  events.handle({ type: 'drop', reason: 'bad_mac' });
  events.handle({ type: 'trace', kind: 'whois_sent', peer: 1 });
  events.handle({ type: 'drop', reason: 'internal_error', detail: 'stack' });
  events.handle({ type: 'online', isOnline: true });
  assert.deepEqual(cap.lines.map((l) => `${l.level} ${l.message as string}`), ['warn internal error', 'info online']);
});
