// The error families of STYLE §5. Callers match on `code`, never on message text.

export class ZtkubeError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bytes from the network (or a file in a wire format) did not decode. */
export class DecodeError extends ZtkubeError {
  readonly field: string;
  readonly offset: number;
  constructor(field: string, offset: number, reason = 'truncated', options?: { cause?: unknown }) {
    super(`decode_${reason}`, `${field} at offset ${offset}: ${reason}`, options);
    this.field = field;
    this.offset = offset;
  }
}

/** A MAC, signature or trusted-path check failed. */
export class AuthError extends ZtkubeError {
  constructor(what: string, options?: { cause?: unknown }) {
    super('auth_failed', `${what}: authentication failed`, options);
  }
}

/** Operator input (flags, files, API bodies) was wrong; the message names the field. */
export class ConfigError extends ZtkubeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_config', message, options);
  }
}

/** Persistent state could not be read or written. */
export class StateError extends ZtkubeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_state', message, options);
  }
}

/** An API request was refused; `status` is the HTTP status to answer with. */
export class ApiError extends ZtkubeError {
  readonly status: number;
  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super('api_error', message, options);
    this.status = status;
  }
}

/** Plain words for the errno codes an operator meets with files; others use Node's own text. */
const ERRNO_WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a component of the path is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  EBUSY: 'device or resource busy',
  EIO: 'input/output error',
};

/** Node's errno code of e ('EACCES' …), or null when e is not a system error. */
export function errnoCode(e: unknown): string | null {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : null;
}

/**
 * A file or directory could not be used, as one sentence naming the path, the cause and
 * what we were doing: `/var/lib/ztkube: permission denied (EACCES) creating the home directory`.
 */
export class FileError extends ZtkubeError {
  readonly path: string;
  /** Node's errno code ('EACCES', 'ENOENT' …), or null when the cause was not a system error. */
  readonly errno: string | null;
  constructor(path: string, cause: string, errno: string | null, options?: { cause?: unknown }) {
    super('file_error', `${path}: ${cause}`, options);
    this.path = path;
    this.errno = errno;
  }
}

/** The cause of a system error in words, without the path: "permission denied (EACCES)". */
export function describeSystemError(e: unknown): string {
  const errno = errnoCode(e);
  const message = (e as Error | null)?.message ?? String(e);
  if (errno === null) return message;
  const nodeWords = /^E[A-Z0-9]+: ([^,]+)/.exec(message)?.[1];
  return `${ERRNO_WORDS[errno] ?? nodeWords ?? 'failed'} (${errno})`;
}

/** Converts a Node system error on `path` into a FileError; `doing` ends the sentence ("reading the planet"). */
export function fileError(e: unknown, path: string, doing: string): FileError {
  return new FileError(path, `${describeSystemError(e)} ${doing}`.trimEnd(), errnoCode(e), { cause: e });
}

/** A second daemon on one home directory (see lockHome in src/service/home.ts). */
export class HomeInUseError extends ZtkubeError {
  readonly pid: number;
  constructor(message: string, pid: number) {
    super('home_in_use', message);
    this.pid = pid;
  }
}

/** The primary port (UDP, or TCP for the local API) is taken by another socket; like zerotier-one, start-up fails. */
export class PortInUseError extends ZtkubeError {
  readonly port: number;
  readonly address: string;
  readonly protocol: 'UDP' | 'TCP';
  constructor(port: number, address: string, options?: { cause?: unknown; protocol?: 'UDP' | 'TCP' }) {
    const protocol = options?.protocol ?? 'UDP';
    super('port_in_use', `${protocol} port ${port} is already in use on ${address} (EADDRINUSE): another ztkube or zerotier-one is probably running; stop it or choose another port`, options);
    this.port = port;
    this.address = address;
    this.protocol = protocol;
  }
}
