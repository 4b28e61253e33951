// The operator's life under election, with a fake operator and elector: it starts only once
// leading, a shutdown stops acting before the lease is released (so the next leader never
// overlaps), a shutdown while waiting starts nothing and writes nothing; Go-style duration flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ElectedRun } from '../../../src/kube/operator/elected-run.js';
import type { LeaderElector } from '../../../src/kube/operator/leader-election.js';
import { parseDurationMs } from '../../../src/cli/duration-arg.js';
import { ConfigError } from '../../../src/util/errors.js';

const quiet = { info: () => undefined, warn: () => undefined } as never;

function fakes(): { steps: string[]; lead(): void; elector: LeaderElector; operator: { start(): Promise<void>; stop(): Promise<void> } } {
  const steps: string[] = [];
  let lead = (): void => undefined;
  let refuse = (_e: Error): void => undefined;
  let isLeader = false;
  const elector = {
    get isLeader() {
      return isLeader;
    },
    acquire: () => new Promise<void>((resolve, reject) => {
      lead = () => {
        isLeader = true;
        resolve();
      };
      refuse = reject;
    }),
    stop: () => {
      steps.push('elector stopped');
      refuse(new Error('stopped'));
    },
    release: async () => {
      steps.push(isLeader ? 'lease released' : 'nothing to release');
      return isLeader;
    },
  } as unknown as LeaderElector;
  const operator = {
    start: async () => void steps.push('operator started'),
    stop: async () => void steps.push('operator stopped'),
  };
  return { steps, lead: () => lead(), elector, operator };
}

test('starts once leading; shutdown stops the operator before releasing the lease', async () => {
  const f = fakes();
  const run = new ElectedRun({ elector: f.elector, operator: f.operator, log: quiet });
  const started = run.start();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(f.steps, [], 'nothing acts before the lease is held');
  f.lead();
  assert.equal(await started, true);
  await run.shutdown();
  assert.deepEqual(f.steps, ['operator started', 'operator stopped', 'lease released']);
});

test('a shutdown while waiting for the lease starts nothing; without an elector the operator starts at once', async () => {
  const f = fakes();
  const run = new ElectedRun({ elector: f.elector, operator: f.operator, log: quiet });
  const started = run.start();
  await run.shutdown();
  assert.equal(await started, false);
  assert.ok(!f.steps.includes('operator started'));
  assert.equal(f.steps[0], 'elector stopped');

  const g = fakes();
  const plain = new ElectedRun({ elector: null, operator: g.operator, log: quiet });
  assert.equal(await plain.start(), true);
  await plain.shutdown();
  assert.deepEqual(g.steps, ['operator started', 'operator stopped']);
});

test('duration flags take Go-style durations and refuse anything else with a sentence', () => {
  assert.equal(parseDurationMs('lease-duration', '15s'), 15_000);
  assert.equal(parseDurationMs('retry-period', '500ms'), 500);
  assert.equal(parseDurationMs('renew-deadline', '1m30s'), 90_000);
  assert.equal(parseDurationMs('retry-period', '1.5s'), 1_500);
  for (const bad of ['15', '', 's', '10 s', '5x', '-1s']) {
    assert.throws(() => parseDurationMs('lease-duration', bad), (e: Error) => e instanceof ConfigError && e.message === `--lease-duration must be a duration such as 15s, 500ms or 1m30s, got ${JSON.stringify(bad)}`);
  }
});
