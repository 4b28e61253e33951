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
