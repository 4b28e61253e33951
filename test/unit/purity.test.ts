// Keeps the protocol core pure (STYLE §1): src/protocol and src/node do no I/O, read no
// clock, draw no randomness of their own and import nothing from the edges. Rules kept by
// convention get broken unnoticed; this test names the file, the line and the rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../helpers/shared.js';

const PURE_DIRS = ['src/protocol', 'src/node'];
const RULES: Array<[RegExp, string]> = [
  [/\basync\b|\bawait\b/, 'no async code in the core'],
  [/\bsetTimeout\b|\bsetInterval\b|\bsetImmediate\b|\bqueueMicrotask\b/, 'no timers: the host calls tick()'],
  [/\bDate\.now\b|\bnew Date\(\)|\bperformance\.now\b|\bprocess\.hrtime\b/, 'no clock: time is passed in as nowMs'],
  [/\bMath\.random\b/, 'no Math.random: randomness comes from the host'],
  [/\bprocess\./, 'no process access'],
  [/from ['"]node:(fs|net|dgram|child_process|http|https|os|worker_threads|crypto)['"]/, 'no I/O modules (crypto only via src/crypto)'],
  [/from ['"]sodium-native['"]/, 'sodium-native only via src/crypto'],
  [/from ['"][./]+\/(net|service|cli|k8s|cni|docker)\//, 'no imports from the edges'],
  [/from ['"][./]+\/crypto\/random\.js['"]/, 'secure randomness is drawn by the host, not the core'],
];

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('src/protocol and src/node are pure', () => {
  const problems: string[] = [];
  let files = 0;
  for (const d of PURE_DIRS) {
    for (const f of walk(join(repoRoot, d))) {
      files++;
      const lines = readFileSync(f, 'utf8').split('\n');
      lines.forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        if (/^\s*\*/.test(code)) return; // doc comment lines
        for (const [re, why] of RULES) if (re.test(code)) problems.push(`${relative(repoRoot, f)}:${i + 1}: ${why}: ${line.trim()}`);
      });
    }
  }
  assert.ok(files > 0, 'found the core sources');
  assert.deepEqual(problems, []);
});
