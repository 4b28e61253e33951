// A small CRI v1 client (issue #12): the pod sandbox calls a kubelet makes, over gRPC on a
// runtime's Unix socket. No crictl package exists here. The messages come from a hand-written
// subset of the public runtime.v1 api.proto (cri/runtime-v1-subset.proto) loaded with
// @grpc/proto-loader: the field numbers stay readable next to the public file and protobufjs
// does the encoding, where hand-encoded protobuf would hide both in byte arithmetic.
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { repoRoot } from './shared.js';

const PROTO = join(repoRoot, 'test', 'helpers', 'cri', 'runtime-v1-subset.proto');

export type SandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

export interface SandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt?: number;
}

export interface SandboxConfig {
  metadata: SandboxMetadata;
  hostname?: string;
  logDirectory?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  linux?: { cgroupParent?: string };
}

export interface SandboxStatus {
  id: string;
  metadata: SandboxMetadata;
  state: SandboxState;
  createdAt: string;
  network: { ip: string; additionalIps: Array<{ ip: string }> } | null;
  annotations: Record<string, string>;
}

export interface SandboxListItem {
  id: string;
  metadata: SandboxMetadata;
  state: SandboxState;
  annotations: Record<string, string>;
}

export interface VersionInfo {
  version: string;
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

export interface CriClient {
  version(): Promise<VersionInfo>;
  runPodSandbox(config: SandboxConfig, runtimeHandler?: string): Promise<string>;
  /** The status and, with verbose, the runtime's `info` map (JSON strings). */
  podSandboxStatus(id: string, verbose?: boolean): Promise<{ status: SandboxStatus; info: Record<string, string> }>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  listPodSandbox(filter?: { id?: string; state?: SandboxState; labelSelector?: Record<string, string> }): Promise<SandboxListItem[]>;
  close(): void;
}

type Unary = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

let serviceCtor: grpc.ServiceClientConstructor | null = null;

function runtimeService(): grpc.ServiceClientConstructor {
  if (serviceCtor) return serviceCtor;
  // enums and int64 as strings, absent messages as null, absent scalars as their defaults:
  // what the tests compare against is then plain JSON.
  const def = protoLoader.loadSync(PROTO, { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor } } };
  serviceCtor = pkg.runtime.v1.RuntimeService;
  return serviceCtor;
}

/** A client for the CRI RuntimeService at the Unix socket `socketPath`; each call fails after `timeoutMs`. */
export function criClient(socketPath: string, timeoutMs = 60_000): CriClient {
  const Ctor = runtimeService();
  const client = new Ctor(`unix://${socketPath}`, grpc.credentials.createInsecure());
  const call = <T>(method: string, req: unknown): Promise<T> =>
    new Promise((resolve, reject) => {
      const fn = (client as unknown as Record<string, Unary>)[method].bind(client);
      fn(req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(new Error(`CRI ${method}: ${err.details || err.message}`));
        else resolve(res as T);
      });
    });
  return {
    version: () => call<VersionInfo>('Version', { version: 'v1' }),
    runPodSandbox: async (config, runtimeHandler = '') => (await call<{ podSandboxId: string }>('RunPodSandbox', { config, runtimeHandler })).podSandboxId,
    podSandboxStatus: (id, verbose = false) => call<{ status: SandboxStatus; info: Record<string, string> }>('PodSandboxStatus', { podSandboxId: id, verbose }),
    stopPodSandbox: async (id) => {
      await call('StopPodSandbox', { podSandboxId: id });
    },
    removePodSandbox: async (id) => {
      await call('RemovePodSandbox', { podSandboxId: id });
    },
    listPodSandbox: async (filter) => {
      const f = filter === undefined ? null : { id: filter.id ?? '', state: filter.state === undefined ? null : { state: filter.state }, labelSelector: filter.labelSelector ?? {} };
      return (await call<{ items: SandboxListItem[] }>('ListPodSandbox', { filter: f })).items;
    },
    close: () => client.close(),
  };
}
