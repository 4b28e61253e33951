// The CNI error dialect (07 §1.7, STYLE §5): a numeric code the runtime understands plus one
// sentence. Handlers throw CniError; the plugin turns it into {cniVersion, code, msg} on stdout.
import { ZtkubeError } from '../util/errors.js';

/** The codes of 07 §1.7 that the agent answers with. */
export const CNI_CODE = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidEnv: 4,
  ioFailure: 5,
  decodeFailure: 6,
  invalidConfig: 7,
  tryAgainLater: 11,
  notAvailable: 50,
  /** Plugin-specific (100+): the ZeroTier side or the host's links failed. */
  attachFailed: 100,
  /** What the reference library uses for an internal failure. */
  internal: 999,
} as const;

export class CniError extends ZtkubeError {
  readonly cniCode: number;
  constructor(cniCode: number, message: string, options?: { cause?: unknown }) {
    super('cni_error', message, options);
    this.cniCode = cniCode;
  }
}
