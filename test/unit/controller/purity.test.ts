// src/controller is pure apart from its edge (STYLE §1, §2): no I/O, clock, timers,
// randomness or process, with file-store.ts the one file that touches the disk. The
// database layer, the API and the request handler (which reads and saves records) are asynchronous by design (they await a store), so for them
// — and only them — async code is allowed; everything else (records, IP assignment,
// admission, readers) stays synchronous so the node core may call it directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/shared.js';
import { analysePurity, formatFinding } from '../../helpers/purity.js';

const ASYNC_ALLOWED = new Set(['src/controller/api.ts', 'src/controller/controller-db.ts', 'src/controller/memory-store.ts', 'src/controller/counting-store.ts', 'src/controller/store.ts', 'src/controller/embedded-controller.ts']);
const ASYNC_REASON = /^(async function|await|Promise(\.\w+)?): /;

test('src/controller is pure except file-store.ts; only the store, database and API layers are asynchronous', () => {
  const entries = readdirSync(join(repoRoot, 'src', 'controller'))
    .filter((f) => f.endsWith('.ts') && !f.startsWith('file-store'))
    .map((f) => `src/controller/${f}`);
  assert.ok(entries.includes('src/controller/ip-assignment.ts') && entries.includes('src/controller/api.ts'));
  const { findings } = analysePurity(repoRoot, entries);
  const bad = findings.filter((f) => !(ASYNC_ALLOWED.has(f.file) && ASYNC_REASON.test(f.reason)));
  assert.deepEqual(bad.map(formatFinding), []);
});
