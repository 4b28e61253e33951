// Keeps the protocol core pure (STYLE §1): src/protocol and src/node, and every file they
// import however indirectly, do no I/O, read no clock, draw no randomness of their own, run
// nothing asynchronously and import nothing from the edges. Rules kept by convention get
// broken unnoticed; this test names the file, the line, the rule and the import chain.
// The fixtures prove that each escape the rule exists for is actually caught.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '../helpers/shared.js';
import { analysePurity, coreEntries, formatFinding } from '../helpers/purity.js';

const FIXTURES = join(repoRoot, 'test', 'fixtures', 'purity');

test('src/protocol and src/node, and everything they import, are pure', () => {
  const entries = coreEntries(repoRoot);
  assert.ok(entries.some((e) => e.startsWith('src/protocol/')) && entries.some((e) => e.startsWith('src/node/')), 'found the core sources');
  const { findings, reached } = analysePurity(repoRoot, entries);
  // Without these the walk would only be re-reading the entries.
  assert.ok(reached.some((f) => f.startsWith('src/crypto/')), 'the walk follows imports into src/crypto');
  assert.ok(reached.some((f) => f.startsWith('src/util/')), 'the walk follows imports into src/util');
  assert.deepEqual(findings.map(formatFinding), []);
});

test('the clean fixture passes: allowed folders, the crypto edge, and names that only look like escapes', () => {
  const { findings, reached } = analysePurity(FIXTURES, ['src/node/clean.ts']);
  assert.deepEqual(findings.map(formatFinding), []);
  assert.deepEqual(reached, [
    'src/controller/policy.ts',
    'src/controller/store.ts',
    'src/crypto/clean-hash.ts',
    'src/node/clean.ts',
    'src/protocol/clean-codec.ts',
    'src/util/clean-helper.ts',
  ]);
});

interface Expected {
  file?: string;
  line: number;
  reason: RegExp;
  chain?: string[];
}

const ESCAPES: Array<[fixture: string, expected: Expected[]]> = [
  ['get-random-values', [{ line: 2, reason: /^crypto\.getRandomValues: no randomness of its own/ }]],
  ['globalthis-crypto', [{ line: 2, reason: /^globalThis\.crypto: no randomness of its own/ }]],
  ['fs-bare', [{ line: 2, reason: /^import of 'fs': file I\/O/ }]],
  ['perf-hooks', [{ line: 2, reason: /^import of 'node:perf_hooks': no clock/ }]],
  ['date-call', [{ line: 2, reason: /^Date: no clock/ }]],
  ['new-date', [{ line: 2, reason: /^Date: no clock/ }]],
  ['process', [{ line: 2, reason: /^process\.env: no process/ }]],
  ['math-random', [{ line: 2, reason: /^Math\.random: no randomness of its own/ }]],
  ['require', [{ line: 2, reason: /^require: no require\(\)/ }]],
  ['winston', [{ line: 2, reason: /^import of 'winston': logging is the service's job/ }]],
  ['demo-import', [{ line: 2, reason: /^import of '\.\.\/demo\/lab\.js': src\/demo is an edge/ }]],
  ['file-store-import', [{ line: 2, reason: /^import of '\.\.\/controller\/file-store\.js': the controller store on disk is an edge/ }]],
  [
    'two-hops',
    [
      {
        file: 'src/util/hop-two.ts',
        line: 1,
        reason: /^import of 'node:dgram': network I\/O/,
        chain: ['src/node/two-hops.ts', 'src/protocol/hop-one.ts', 'src/util/hop-two.ts'],
      },
    ],
  ],
  [
    'async',
    [
      { line: 2, reason: /^async function: no async code/ },
      { line: 3, reason: /^await: no async code/ },
    ],
  ],
  ['timer', [{ line: 2, reason: /^setTimeout: no timers/ }]],
  ['dynamic-import', [{ line: 2, reason: /^import of '\.\.\/service\/daemon\.js': src\/service is an edge/ }]],
  ['export-from', [{ line: 2, reason: /^import of '\.\.\/net\/udp\.js': src\/net is an edge/ }]],
  ['type-only-edge', [{ line: 2, reason: /^import of '\.\.\/service\/daemon\.js' \(type-only\): src\/service is an edge/ }]],
  ['random-import', [{ line: 2, reason: /^import of '\.\.\/crypto\/random\.js': secure randomness is drawn by the host/ }]],
  ['sodium-direct', [{ line: 2, reason: /^import of 'sodium-native': only src\/crypto imports/ }]],
];

for (const [fixture, expected] of ESCAPES) {
  test(`the ${fixture} fixture is reported with its reason`, () => {
    const entry = `src/node/${fixture}.ts`;
    const { findings } = analysePurity(FIXTURES, [entry]);
    assert.equal(findings.length, expected.length, `expected ${expected.length} finding(s), got:\n${findings.map(formatFinding).join('\n')}`);
    expected.forEach((e, i) => {
      const f = findings[i];
      const text = formatFinding(f);
      assert.equal(f.file, e.file ?? entry, text);
      assert.equal(f.line, e.line, text);
      assert.match(f.reason, e.reason);
      assert.deepEqual(f.chain, e.chain ?? [entry]);
      // The message a failing run prints carries all of it.
      assert.ok(text.startsWith(`${f.file}:${f.line}: ${f.reason}`) && text.endsWith(`[reached by ${f.chain.join(' → ')}]`), text);
    });
  });
}
