// The start-up failures an operator meets (issue #9), each its own class so the command line
// gives each its own exit code (src/cli/daemon.ts). Flags, the home, and a busy port have
// theirs already (ConfigError, FileError/HomeInUseError, PortInUseError in util/errors.ts).
import { ConfigError, StateError, ZtkubeError } from '../util/errors.js';

/** <home>/local.conf is not JSON, not an object, or holds a value no coercion makes sense of. */
export class LocalConfError extends ConfigError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    (this as { code: string }).code = 'bad_local_conf';
  }
}

/** identity.secret / identity.public cannot be read, do not parse, or do not belong together. */
export class IdentityError extends StateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    (this as { code: string }).code = 'bad_identity';
  }
}

/** No TAP device can be made on this system: /dev/net/tun is missing. */
export class TunUnavailableError extends ZtkubeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('no_tun', message, options);
  }
}

/** This process may not make TAP devices (not root, no CAP_NET_ADMIN). */
export class TapNotPermittedError extends ZtkubeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('tap_not_permitted', message, options);
  }
}
