// Typed errors of the TAP edge (STYLE §5): callers match on `code`, and on `errno` (the
// errno name the native addon reported, e.g. "EBUSY" when the name is taken).
import { ZtkubeError } from '../../util/errors.js';

/** A device operation failed; `op` says which (open, setMtu, read …). */
export class TapError extends ZtkubeError {
  readonly op: string;
  readonly errno: string;
  constructor(op: string, device: string, errno: string, detail: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'tap_failed', `TAP ${device}: ${op} failed: ${detail}`, options);
    this.op = op;
    this.errno = errno;
  }
}

/** The Tap was closed; only close() and reading properties are allowed after that. */
export class TapClosedError extends ZtkubeError {
  constructor(device: string, op: string) {
    super('tap_closed', `TAP ${device}: ${op} after close`);
  }
}

/**
 * A by-name device call (setMtu, setUp, the MAC/MTU set-up in open) did not find the
 * interface in the calling process's network namespace (errno ENODEV): the device was moved
 * to another namespace or deleted. Reads and writes go through the fd and still work.
 */
export class TapNotInNamespaceError extends TapError {
  constructor(op: string, device: string, detail: string, options?: { cause?: unknown }) {
    super(op, device, 'ENODEV', detail, { ...options, code: 'tap_not_in_namespace' });
  }
}

/** Wraps an error thrown by the addon (which carries `code`, the errno name). */
export function tapErrorFrom(op: string, device: string, e: unknown, isByName = false): TapError {
  const err = e as { code?: unknown; message?: unknown };
  const errno = typeof err.code === 'string' ? err.code : 'EUNKNOWN';
  const detail = typeof err.message === 'string' ? err.message : String(e);
  if (isByName && errno === 'ENODEV') return new TapNotInNamespaceError(op, device, detail, { cause: e });
  return new TapError(op, device, errno, detail, { cause: e });
}
