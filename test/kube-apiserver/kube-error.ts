// Refusals of the test API server, shaped like the real server's `Status` objects
// (metav1.Status: kind Status, status Failure, reason, details, code) so that kubectl and
// @kubernetes/client-node print and classify them as they would against a real cluster.
import { ApiError } from '../../src/util/errors.js';

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export class KubeApiError extends ApiError {
  readonly reason: string;
  readonly details: StatusDetails | undefined;
  constructor(status: number, reason: string, message: string, details?: StatusDetails) {
    super(status, message);
    this.reason = reason;
    this.details = details;
  }

  toStatus(): Record<string, unknown> {
    const s: Record<string, unknown> = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason };
    if (this.details !== undefined) s.details = this.details;
    s.code = this.status;
    return s;
  }
}

/** What the real server prints for a resource: `ztnetworks.ztkube.io`, or `pods` for the core group. */
export function qualifiedResource(group: string, plural: string): string {
  return group === '' ? plural : `${plural}.${group}`;
}

export const notFound = (group: string, plural: string, name: string): KubeApiError =>
  new KubeApiError(404, 'NotFound', `${qualifiedResource(group, plural)} "${name}" not found`, { name, group: group || undefined, kind: plural });

export const alreadyExists = (group: string, plural: string, name: string): KubeApiError =>
  new KubeApiError(409, 'AlreadyExists', `${qualifiedResource(group, plural)} "${name}" already exists`, { name, group: group || undefined, kind: plural });

export const conflict = (group: string, plural: string, name: string): KubeApiError =>
  new KubeApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(group, plural)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: group || undefined, kind: plural });

export const badRequest = (message: string): KubeApiError => new KubeApiError(400, 'BadRequest', message);

export const gone = (requested: number, oldest: number): KubeApiError =>
  new KubeApiError(410, 'Expired', `too old resource version: ${requested} (${oldest})`);

export const methodNotAllowed = (message: string): KubeApiError => new KubeApiError(405, 'MethodNotAllowed', message);

export const unsupportedMediaType = (contentType: string, accepted: string[]): KubeApiError =>
  new KubeApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`, { causes: [{ reason: 'UnexpectedServerResponse', message: contentType }] });

/** One field problem, in the words of the real server's field.Error. */
export interface FieldProblem {
  field: string;
  /** FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, FieldValueForbidden, FieldValueTypeInvalid, FieldValueDuplicate, FieldValueTooLong … */
  type: string;
  /** The whole sentence after the field: `Invalid value: "x": must match …`. */
  detail: string;
}

/** 422 Invalid: `ZTNetwork.ztkube.io "lab" is invalid: spec.mtu: Invalid value: …` (a bracketed list when several). */
export function invalid(kind: string, group: string, name: string, problems: FieldProblem[]): KubeApiError {
  const parts = problems.map((p) => `${p.field}: ${p.detail}`);
  const list = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const qualifiedKind = group === '' ? kind : `${kind}.${group}`;
  return new KubeApiError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${list}`, {
    name,
    group: group || undefined,
    kind,
    causes: problems.map((p) => ({ reason: p.type, message: p.detail, field: p.field })),
  });
}
