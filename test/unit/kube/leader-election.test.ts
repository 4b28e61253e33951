// The Lease elector on a fake clock and an in-memory lease with the API server's optimistic
// concurrency: one leader of two, takeover only after the lease expired by the candidate's
// own observation, release for a fast handover, loss on a failing or stolen renewal (always
// before another candidate could take the lease), racing creates, hung requests, timings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkElectionTimings, LeaderElector, type ElectionClock, type LeaseLock, type LeaseRecord, type ObservedLease } from '../../../src/kube/operator/leader-election.js';
import { ConfigError } from '../../../src/util/errors.js';

const timings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
const silent = { info: () => undefined, warn: () => undefined, debug: () => undefined } as never;

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

class FakeClock implements ElectionClock {
  now = 0;
  private timers: Array<{ at: number; fn: () => void }> = [];
  monotonicMs = (): number => this.now;
  wallMs = (): number => 1_800_000_000_000 + this.now;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const t = { at: this.now + ms, fn };
    this.timers.push(t);
    return t;
  };
  clearTimeout = (h: unknown): void => {
    this.timers = this.timers.filter((t) => t !== h);
  };
  /** Runs every timer due within ms, in time order, letting promise chains settle between. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      await flush();
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.now = Math.max(this.now, due.at);
      due.fn();
    }
    this.now = end;
    await flush();
  }
}

class Conflict extends Error {}

/** One Lease object on a fake server: every write bumps the resourceVersion, stale ones get 409. */
class FakeLeaseServer {
  lease: ObservedLease | null = null;
  private rv = 100;
  isDown = false;
  isHanging = false;
  writes = 0;
  lock(): LeaseLock {
    const answer = <T>(f: () => T): Promise<T> => {
      if (this.isHanging) return new Promise<T>(() => undefined);
      if (this.isDown) return Promise.reject(new Error('connect ECONNREFUSED'));
      try {
        return Promise.resolve(f());
      } catch (e) {
        return Promise.reject(e as Error);
      }
    };
    const store = (record: LeaseRecord): ObservedLease => {
      this.writes++;
      this.lease = { record: { ...record }, resourceVersion: String(++this.rv) };
      return structuredClone(this.lease);
    };
    return {
      describe: () => 'ns/lease',
      get: () => answer(() => (this.lease ? structuredClone(this.lease) : null)),
      create: (r) => answer(() => {
        if (this.lease) throw new Conflict('409 AlreadyExists');
        return store(r);
      }),
      update: (r, rv) => answer(() => {
        if (!this.lease) throw new Error('404');
        if (rv !== this.lease.resourceVersion) throw new Conflict('409 Conflict');
        return store(r);
      }),
    };
  }
  get holder(): string | undefined {
    return this.lease?.record.holderIdentity;
  }
}

function candidate(server: FakeLeaseServer, clock: FakeClock, identity: string, lost: string[] = [], lostAtMs: number[] = []): { elector: LeaderElector; leading: () => boolean } {
  let isLeading = false;
  const elector = new LeaderElector({ ...timings, lock: server.lock(), identity, clock, random: () => 0.5, log: silent, onLost: (r) => {
    lost.push(`${identity}: ${r}`);
    lostAtMs.push(clock.now);
  } });
  elector.acquire().then(() => (isLeading = true), () => undefined);
  return { elector, leading: () => isLeading && elector.isLeader };
}

test('of two candidates one leads and renews; the other takes over only once the lease expired by its own observation', async () => {
  const clock = new FakeClock();
  const server = new FakeLeaseServer();
  const a = candidate(server, clock, 'a');
  await clock.advance(0);
  const b = candidate(server, clock, 'b');
  await clock.advance(30_000);
  assert.ok(a.leading() && !b.leading());
  assert.equal(server.holder, 'a');
  assert.deepEqual([server.lease!.record.leaseDurationSeconds, server.lease!.record.leaseTransitions], [15, 0]);
  const acquired = server.lease!.record.acquireTimeMs;
  assert.ok(server.lease!.record.renewTimeMs >= clock.wallMs() - 2_000, 'renewed every retry period');
  assert.equal(server.lease!.record.acquireTimeMs, acquired, 'renewals keep acquireTime');

  a.elector.stop(); // a crash: no release
  const crashAt = clock.now;
  const lastRenewAt = clock.now - ((clock.now) % 2_000);
  let tookOverAt = -1;
  for (let t = 0; t < 40_000 && tookOverAt < 0; t += 100) {
    await clock.advance(100);
    if (b.leading()) tookOverAt = clock.now;
  }
  assert.ok(tookOverAt > 0, 'b took over');
  assert.ok(tookOverAt - lastRenewAt >= 15_000, `not before the lease duration after the last renewal (${tookOverAt - lastRenewAt} ms)`);
  assert.ok(tookOverAt - crashAt <= 15_000 + 2 * 2_000 * 2.2, `within the lease duration plus the retry jitter (${tookOverAt - crashAt} ms)`);
  assert.deepEqual([server.holder, server.lease!.record.leaseTransitions], ['b', 1]);
});

test('release clears the holder so the other candidate takes over at its next attempt', async () => {
  const clock = new FakeClock();
  const server = new FakeLeaseServer();
  const a = candidate(server, clock, 'a');
  await clock.advance(0);
  const b = candidate(server, clock, 'b');
  await clock.advance(7_000);
  assert.equal(await a.elector.release(), true);
  assert.deepEqual([server.holder, server.lease!.record.leaseDurationSeconds], ['', 1]);
  const releasedAt = clock.now;
  while (!b.leading()) await clock.advance(100);
  assert.ok(clock.now - releasedAt <= 2_000 * 2.2, `took over within one jittered retry (${clock.now - releasedAt} ms)`);
  assert.equal(await a.elector.release(), false, 'nothing to release twice');
  assert.deepEqual([server.holder, server.lease!.record.leaseTransitions], ['b', 1]);
});

test('a leader whose renewals fail loses leadership after the renew deadline, before any other could take over', async () => {
  const clock = new FakeClock();
  const server = new FakeLeaseServer();
  const lost: string[] = [];
  const lostAtMs: number[] = [];
  const a = candidate(server, clock, 'a', lost, lostAtMs);
  await clock.advance(0);
  const b = candidate(server, clock, 'b');
  await clock.advance(6_000);
  const lastRenew = server.lease!.record.renewTimeMs - 1_800_000_000_000;
  server.isDown = true;
  await clock.advance(9_000);
  assert.deepEqual(lost, [], 'still within the renew deadline');
  await clock.advance(2_000);
  assert.deepEqual(lost, ['a: no renewal succeeded for 10s']);
  assert.ok(!a.elector.isLeader);
  const lostAt = lostAtMs[0]!;
  assert.equal(lostAt - lastRenew, 10_000, 'the deadline counts from the last successful renewal');
  server.isDown = false;
  while (!b.leading()) await clock.advance(100);
  assert.ok(clock.now - lastRenew >= 15_000 && clock.now > lostAt, 'b leads only after a gave up and the lease expired');
  await clock.advance(10_000);
  assert.equal(lost.length, 1, 'onLost is called once');
});

test('a hung request counts as failed; a leader that sees another holder loses at once', async () => {
  const clock = new FakeClock();
  const server = new FakeLeaseServer();
  const lost: string[] = [];
  const a = candidate(server, clock, 'a', lost);
  await clock.advance(0);
  assert.ok(a.leading());
  server.isHanging = true;
  await clock.advance(12_000);
  assert.deepEqual(lost, ['a: no renewal succeeded for 10s'], 'the deadline does not wait for a hung request');

  const clock2 = new FakeClock();
  const server2 = new FakeLeaseServer();
  const c = candidate(server2, clock2, 'c', lost);
  await clock2.advance(0);
  server2.lease = { record: { ...server2.lease!.record, holderIdentity: 'intruder' }, resourceVersion: '999' };
  await clock2.advance(2_000);
  assert.equal(lost[1], 'c: the lease is held by intruder');
  assert.ok(!c.elector.isLeader);
});

test('racing candidates: exactly one wins the create, the others stay candidates', async () => {
  const clock = new FakeClock();
  const server = new FakeLeaseServer();
  const all = ['a', 'b', 'c'].map((id) => candidate(server, clock, id));
  await clock.advance(20_000);
  assert.equal(all.filter((x) => x.leading()).length, 1);
  assert.equal(all.find((x) => x.leading())!.elector.observedLease!.record.holderIdentity, server.holder);
  for (const x of all) x.elector.stop();
  const writes = server.writes;
  await clock.advance(20_000);
  assert.equal(server.writes, writes, 'stopped electors write nothing');
});

test('acquire rejects when stopped first; timings are checked as client-go checks them', async () => {
  const clock = new FakeClock();
  const server = new FakeLeaseServer();
  server.lease = { record: { holderIdentity: 'other', leaseDurationSeconds: 15, acquireTimeMs: 0, renewTimeMs: 0, leaseTransitions: 3 }, resourceVersion: '1' };
  const e = new LeaderElector({ ...timings, lock: server.lock(), identity: 'x', clock, log: silent, onLost: () => undefined });
  const p = e.acquire();
  await clock.advance(5_000);
  e.stop();
  await assert.rejects(p, /stopped before this candidate became leader/);

  const flag = (k: string): string => `--${k}`;
  assert.throws(() => checkElectionTimings({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }, flag), (err: Error) => err instanceof ConfigError && err.message === '--leaseDurationMs (10s) must be longer than --renewDeadlineMs (10s)');
  assert.throws(() => checkElectionTimings({ leaseDurationMs: 15_000, renewDeadlineMs: 2_400, retryPeriodMs: 2_000 }), /renewDeadlineMs \(2.4s\) must be longer than 1.2 × retryPeriodMs \(2s\)/);
  assert.throws(() => checkElectionTimings({ leaseDurationMs: 1_500, renewDeadlineMs: 1_000, retryPeriodMs: 500 }), /must be whole seconds/);
  assert.throws(() => checkElectionTimings({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 0 }), /retryPeriodMs must be longer than 0/);
  checkElectionTimings(timings);
});
