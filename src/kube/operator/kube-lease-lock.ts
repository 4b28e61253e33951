// The election's LeaseLock on a real coordination.k8s.io/v1 Lease through client-node.
// Times go on the wire as metav1.MicroTime (RFC 3339 with exactly six fractional digits):
// the API server's parser takes nothing else, while client-node would send a plain Date
// with three.
import { ApiException, CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { StateError } from '../../util/errors.js';
import type { LeaseLock, LeaseRecord, ObservedLease } from './leader-election.js';

/** metav1.MicroTime's wire form: 2026-12-06T16:20:06.123000Z. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

function timeMs(v: unknown): number {
  const ms = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(ms) ? ms : 0;
}

export class KubeLeaseLock implements LeaseLock {
  private readonly api: CoordinationV1Api;
  /** The lease last read or written, so an update keeps its metadata (labels, owners). */
  private last: V1Lease | null = null;

  constructor(kc: KubeConfig, private readonly namespace: string, private readonly name: string) {
    this.api = kc.makeApiClient(CoordinationV1Api);
  }

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  async get(): Promise<ObservedLease | null> {
    try {
      return this.observe(await this.api.readNamespacedLease({ namespace: this.namespace, name: this.name }));
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) return null;
      throw this.explain('read', e);
    }
  }

  async create(record: LeaseRecord): Promise<ObservedLease> {
    const body: V1Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace: this.namespace }, spec: this.spec(record) };
    try {
      return this.observe(await this.api.createNamespacedLease({ namespace: this.namespace, body }));
    } catch (e) {
      throw this.explain('create', e);
    }
  }

  async update(record: LeaseRecord, resourceVersion: string): Promise<ObservedLease> {
    const metadata = this.last?.metadata?.resourceVersion === resourceVersion ? { ...this.last.metadata } : { name: this.name, namespace: this.namespace, resourceVersion };
    const body: V1Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec: this.spec(record) };
    try {
      return this.observe(await this.api.replaceNamespacedLease({ namespace: this.namespace, name: this.name, body }));
    } catch (e) {
      throw this.explain('update', e);
    }
  }

  private spec(r: LeaseRecord): V1Lease['spec'] {
    // Strings in MicroTime form; the typed model's Date would go out with milliseconds.
    const t = (ms: number): never => microTime(ms) as never;
    return { holderIdentity: r.holderIdentity, leaseDurationSeconds: r.leaseDurationSeconds, acquireTime: t(r.acquireTimeMs), renewTime: t(r.renewTimeMs), leaseTransitions: r.leaseTransitions };
  }

  private observe(lease: V1Lease): ObservedLease {
    this.last = lease;
    const s = lease.spec ?? {};
    return {
      resourceVersion: lease.metadata?.resourceVersion ?? '',
      record: {
        holderIdentity: s.holderIdentity ?? '',
        leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
        acquireTimeMs: timeMs(s.acquireTime),
        renewTimeMs: timeMs(s.renewTime),
        leaseTransitions: s.leaseTransitions ?? 0,
      },
    };
  }

  private explain(verb: string, e: unknown): Error {
    if (e instanceof ApiException) {
      const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body);
      let message = body;
      try {
        message = String((JSON.parse(body) as { message?: string }).message ?? body);
      } catch {
        // Not a Status object (a proxy's page): keep the text as it came.
      }
      return new StateError(`lease ${this.describe()}: ${verb} answered ${e.code}: ${message}`, { cause: e });
    }
    return new StateError(`lease ${this.describe()}: ${verb} failed: ${(e as Error).message}`, { cause: e });
  }
}
