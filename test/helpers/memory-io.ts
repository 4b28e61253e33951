// An in-memory CliIo: files in a Map, output captured, clock and randomness fixed.
import type { CliIo } from '../../src/cli/io.js';
import { Prng } from './prng.js';

export class MemoryIo implements CliIo {
  files = new Map<string, { data: Uint8Array; mode?: number }>();
  out = '';
  err = '';
  now = 1700000000000;
  private rnd: Prng;
  constructor(seed = 1) {
    this.rnd = new Prng(seed);
  }
  stdout(s: string): void {
    this.out += s;
  }
  stderr(s: string): void {
    this.err += s;
  }
  readFile(path: string): Uint8Array {
    const f = this.files.get(path);
    if (!f) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return f.data;
  }
  writeFile(path: string, data: Uint8Array | string, mode?: number): void {
    if (path.startsWith('/readonly/')) throw Object.assign(new Error(`EACCES: ${path}`), { code: 'EACCES' });
    this.files.set(path, { data: typeof data === 'string' ? new TextEncoder().encode(data) : data, mode });
  }
  writeNewFile(path: string, data: Uint8Array | string, mode?: number): void {
    if (this.files.has(path)) throw Object.assign(new Error(`EEXIST: file already exists, open '${path}'`), { code: 'EEXIST' });
    this.writeFile(path, data, mode);
  }
  replaceFile(path: string, data: string, createMode: number): void {
    this.writeFile(path, data, this.files.get(path)?.mode ?? createMode);
  }
  text(path: string): string {
    return new TextDecoder().decode(this.readFile(path));
  }
  put(path: string, data: string | Uint8Array): void {
    this.writeFile(path, data);
  }
  cwd(): string {
    return '/work';
  }
  nowMs(): number {
    return this.now;
  }
  /** An arrow property: commands pass io.random around as a plain function. */
  random = (n: number): Uint8Array => this.rnd.bytes(n);
  reset(): void {
    this.out = '';
    this.err = '';
  }
}
