// The member side of VL2 (spec 04 §1.4, §3) on the simulated internet, against a toy
// controller that answers through the node's real ControllerLink (signed chunks, errors).
// The real controller (src/controller) has its own scenarios.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigRequest, NetworkControllerPort } from '../../src/node/controller-link.js';
import { blankNetworkConfig, type NetworkConfig } from '../../src/protocol/netconf/network-config.js';
import { decodeNetworkConfig } from '../../src/protocol/netconf/config-dictionary.js';
import { ztNet, type ZtNet } from './zt-net.js';

/** Authorizes whoever is in `authorized`, answers the rest with ACCESS_DENIED. */
class ToyController implements NetworkControllerPort {
  readonly authorized = new Set<number>();
  readonly requests: ConfigRequest[] = [];
  isDown = false;
  revision = 1n;
  extraRules = 0;
  constructor(private readonly zt: ZtNet, private readonly name: string) {}

  configFor(nwid: bigint, member: number, now: number): NetworkConfig {
    const c = blankNetworkConfig(nwid, member);
    c.timestampMs = BigInt(now);
    c.revision = this.revision;
    c.nameBytes = new TextEncoder().encode('toy');
    c.staticIps = [{ family: 4, ip: Uint8Array.of(10, 9, 0, member & 0xff), port: 24 }];
    // Big rule sets make a config of several chunks.
    const rules = new Uint8Array(this.extraRules * 10 + 2);
    for (let i = 0; i < this.extraRules; i++) rules.set([0x2a, 8, 0, 0, 0, 0, 0, 0, 0, i & 0xff], i * 10);
    rules.set([0x01, 0], this.extraRules * 10);
    c.rules = rules;
    c.ruleCount = this.extraRules + 1;
    return c;
  }

  request(req: ConfigRequest): void {
    if (this.isDown) return;
    this.requests.push(req);
    const link = this.zt.node(this.name).controllerLink;
    const now = this.zt.net.now;
    if (this.authorized.has(req.identity.address)) link.sendConfig(now, req.nwid, req.requestPacketId, req.identity.address, this.configFor(req.nwid, req.identity.address, now));
    else link.sendError(now, req.nwid, req.requestPacketId, req.identity.address, 'access_denied');
  }
}

function world(seed: number): { zt: ZtNet; nwid: bigint; ctl: ToyController } {
  const zt = ztNet({
    seed,
    latencyMs: 5,
    hosts: [
      { name: 'root', public: '203.0.113.1', rootEndpoints: ['203.0.113.1/9993'] },
      { name: 'ctl', public: '203.0.113.2' },
      { name: 'm1', public: '203.0.113.3' },
      { name: 'm2', public: '203.0.113.4' },
    ],
  });
  const nwid = (BigInt(zt.id('ctl').address) << 24n) | 0x000042n;
  const ctl = new ToyController(zt, 'ctl');
  zt.node('ctl').setNetworkController(ctl);
  // The root verifies one new identity at a time (rate limit): all three are known by 12 s.
  zt.net.runFor(12_000);
  return { zt, nwid, ctl };
}

const statusOf = (zt: ZtNet, name: string, nwid: bigint): string | undefined => zt.node(name).network(nwid)?.status;

test('a member asks every 5 s, is refused, then gets and saves its config once authorized', () => {
  const { zt, nwid, ctl } = world(71);
  const m1 = zt.node('m1');
  m1.join(zt.net.now, nwid);
  assert.equal(statusOf(zt, 'm1', nwid), 'REQUESTING_CONFIGURATION');
  assert.deepEqual([...zt.host('m1').getState('network', nwid.toString(16).padStart(16, '0'))!], [0x0a]);
  assert.equal(zt.host('m1').portOps[0].op, 'up');
  zt.net.runFor(11_000);
  assert.equal(statusOf(zt, 'm1', nwid), 'ACCESS_DENIED');
  const asked = ctl.requests.length;
  assert.ok(asked >= 2 && asked <= 3, `requests every 5 s without a config (${asked})`);
  ctl.authorized.add(zt.id('m1').address);
  zt.net.runFor(6000);
  const view = m1.network(nwid)!;
  assert.equal(view.status, 'OK');
  assert.equal(view.name, 'toy');
  assert.equal(view.assignedAddresses.length, 1);
  const saved = zt.host('m1').getState('network', nwid.toString(16).padStart(16, '0'))!;
  assert.equal(decodeNetworkConfig(saved).issuedTo, zt.id('m1').address);
  assert.equal(zt.host('m1').portOps.at(-1)!.op, 'config_update');
  // With a config: the next request 60–65 s after it was installed, not every 5 s.
  const after = ctl.requests.length;
  zt.net.runFor(55_000);
  assert.equal(ctl.requests.length, after);
  zt.net.runFor(10_000);
  assert.equal(ctl.requests.length, after + 1);
});

test('a config of several chunks is reassembled; a controller that goes down leaves members on their last config', () => {
  const { zt, nwid, ctl } = world(72);
  ctl.extraRules = 1020;
  ctl.authorized.add(zt.id('m1').address);
  zt.node('m1').join(zt.net.now, nwid);
  zt.net.runFor(6000);
  const c = zt.node('m1').networkConfig(nwid)!;
  assert.equal(c.ruleCount, 1021);
  assert.ok(c.rules.length > 9740, 'more than one chunk');
  ctl.isDown = true;
  zt.net.runFor(180_000);
  assert.equal(statusOf(zt, 'm1', nwid), 'OK');
});

test('deauthorized: OK until the next refusal, then ACCESS_DENIED with the config kept', () => {
  const { zt, nwid, ctl } = world(73);
  const a = zt.id('m1').address;
  ctl.authorized.add(a);
  zt.node('m1').join(zt.net.now, nwid);
  zt.net.runFor(6000);
  assert.equal(statusOf(zt, 'm1', nwid), 'OK');
  ctl.authorized.delete(a);
  zt.net.runFor(10_000);
  assert.equal(statusOf(zt, 'm1', nwid), 'OK');
  zt.net.runFor(60_000);
  assert.equal(statusOf(zt, 'm1', nwid), 'ACCESS_DENIED');
  assert.equal(zt.node('m1').network(nwid)!.assignedAddresses.length, 1);
});

test('leave destroys the port and deletes the saved config; a restart rejoins from the saved config', () => {
  const { zt, nwid, ctl } = world(74);
  ctl.authorized.add(zt.id('m2').address);
  const m2 = zt.node('m2');
  m2.join(zt.net.now, nwid);
  zt.net.runFor(6000);
  const key = nwid.toString(16).padStart(16, '0');
  const saved = zt.host('m2').getState('network', key)!;
  assert.ok(saved.length > 1);
  // A restarted node given the saved config is OK at once, before any answer.
  ctl.isDown = true;
  const restarted = zt.factory('m2');
  void restarted;
  const other = zt.node('m1');
  assert.equal(other.join(zt.net.now, nwid, saved).status, 'REQUESTING_CONFIGURATION', "someone else's saved config is not installed");
  assert.equal(m2.leave(zt.net.now, nwid), true);
  assert.equal(zt.host('m2').getState('network', key), null);
  assert.equal(zt.host('m2').portOps.at(-1)!.op, 'destroy');
  assert.equal(m2.network(nwid), undefined);
  assert.equal(m2.leave(zt.net.now, nwid), false);
  const back = m2.join(zt.net.now, nwid, saved);
  assert.equal(back.status, 'OK');
});

test('a node without a controller answers requests with UNSUPPORTED_OPERATION: NOT_FOUND', () => {
  const { zt } = world(75);
  const nwid = (BigInt(zt.id('m2').address) << 24n) | 7n;
  zt.node('m1').join(zt.net.now, nwid);
  zt.net.runFor(8000);
  assert.equal(statusOf(zt, 'm1', nwid), 'NOT_FOUND');
});

test('a node asking its own controller gets its config without packets', () => {
  const { zt, nwid, ctl } = world(76);
  ctl.authorized.add(zt.id('ctl').address);
  zt.node('ctl').join(zt.net.now, nwid);
  zt.net.runFor(6000);
  assert.equal(statusOf(zt, 'ctl', nwid), 'OK');
});
