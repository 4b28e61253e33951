// The one error the Docker plugin's handlers throw (STYLE §5): its message is the sentence
// dockerd shows the user (`docker network create` / `docker run`), so it names the option or
// field, what was expected and what was found. The router turns it into {"Err"} / {"Error"}.
import { ZtkubeError } from '../util/errors.js';

export type PluginErrorCode =
  /** The request body or a user option was malformed. */
  | 'docker_bad_request'
  /** A network, pool or endpoint the request names is not known. */
  | 'docker_not_found'
  /** No address is left in a range. */
  | 'docker_exhausted'
  /** The ZeroTier side refused (unknown network, not a bridge, no config in time). */
  | 'docker_zerotier'
  /** The host's links could not be made. */
  | 'docker_host';

export class PluginError extends ZtkubeError {
  constructor(code: PluginErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export const badRequest = (message: string): PluginError => new PluginError('docker_bad_request', message);
