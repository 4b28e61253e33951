// What a CLI command may touch, passed in so commands run in tests without exec.
import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { secureRandomBytes } from '../crypto/random.js';

export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  readFile(path: string): Uint8Array;
  /** mode is applied even when the file already existed (secrets must end up 0600). */
  writeFile(path: string, data: Uint8Array | string, mode?: number): void;
  /** Like writeFile, but fails with EEXIST instead of replacing a file that exists (keys). */
  writeNewFile(path: string, data: Uint8Array | string, mode?: number): void;
  /** Writes the file whole; `createMode` (less the umask) applies only when it is new, an existing file keeps its mode. */
  replaceFile(path: string, data: string, createMode: number): void;
  cwd(): string;
  nowMs(): number;
  random(n: number): Uint8Array;
}

export function processIo(): CliIo {
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    readFile: (p) => readFileSync(p),
    writeFile: (p, d, mode) => {
      writeFileSync(p, d, mode === undefined ? undefined : { mode });
      if (mode !== undefined) chmodSync(p, mode);
    },
    writeNewFile: (p, d, mode) => {
      writeFileSync(p, d, { mode, flag: 'wx' });
      if (mode !== undefined) chmodSync(p, mode);
    },
    replaceFile: (p, d, createMode) => writeFileSync(p, d, { mode: createMode }),
    cwd: () => process.cwd(),
    nowMs: () => Date.now(),
    random: secureRandomBytes,
  };
}
