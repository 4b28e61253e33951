// How the command line ends on an error (STYLE §5, §9): an operator error (a ZtkubeError, or a
// file the system refused) becomes one sentence on stderr and an exit code; a bug is left
// alone, so it still ends with its stack trace.
import { ConfigError, errnoCode, fileError, ZtkubeError } from '../util/errors.js';

export interface CliFailure {
  /** 2: the command line itself was wrong (as for yargs' own usage errors); 1: anything else. */
  exitCode: number;
  message: string;
}

/** The line and exit code for an operator error, or null for a bug. */
export function describeCliFailure(e: unknown): CliFailure | null {
  if (e instanceof ConfigError) return { exitCode: 2, message: e.message };
  if (e instanceof ZtkubeError) return { exitCode: 1, message: e.message };
  // A system error that escaped unconverted still names its path; the stack helps nobody.
  const path = (e as { path?: unknown } | null)?.path;
  if (errnoCode(e) !== null && typeof path === 'string') {
    const syscall = (e as { syscall?: unknown }).syscall;
    return { exitCode: 1, message: fileError(e, path, typeof syscall === 'string' ? `(${syscall})` : '').message };
  }
  return null;
}
