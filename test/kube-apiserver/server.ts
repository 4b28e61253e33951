// A Kubernetes API server for tests: in memory, plain HTTP on 127.0.0.1 only, started in
// process (createKubeApiServer) or as a process (main.ts). Serves discovery, OpenAPI v3, the
// built-in types of builtin-types.ts and every CRD created through it; see README.md beside it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiCore } from './api-core.js';
import { CleanupControllers } from './cleanup-controllers.js';
import { aggregatedDiscovery, AGGREGATED_CONTENT_TYPE, apiGroupList, apiResourceList, apiVersions, SERVER_VERSION, wantsAggregated } from './discovery.js';
import { sendError, sendJson } from './http-io.js';
import { KubeApiError } from './kube-error.js';
import { ObjectStore } from './object-store.js';
import { openApiDocument, openApiRoot } from './openapi.js';
import { ResourceRegistry } from './registry.js';
import { parseResourcePath } from './request-info.js';
import { RbacAuthorizer, verbOf } from './rbac.js';
import { handleResource } from './resource-handler.js';

export interface KubeApiServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  clock?: () => number;
  /** Changes kept for watches to resume from; older versions get 410 Gone. */
  historyLimit?: number;
  bookmarkIntervalMs?: number;
  /** Called with every request (method and URL with query) for fidelity checks. */
  onRequest?: (method: string, url: string, accept: string | undefined) => void;
  /**
   * Authenticate bearer tokens (minted by serviceAccountToken) and authorize their requests by
   * the stored RBAC objects, refusing with 401/403 (rbac.ts). Requests without a token stay allowed.
   */
  enforceRbac?: boolean;
  /** Static tokens: token → user name (kube-apiserver's --token-auth-file). */
  tokens?: Record<string, string>;
  /** Called with each refusal (see rbacDenials). */
  onDenied?: (line: string) => void;
  /** Unexpected failures (bugs) inside the server; the default rethrows on the next tick so tests fail. */
  report?: (e: unknown) => void;
}

export interface KubeApiServer {
  url: string;
  port: number;
  core: ApiCore;
  /** Forgets the change history, so watches from any earlier resourceVersion get 410 Gone. */
  compact(): void;
  /** Ends every open watch, as an API server restart or a watch timeout does; clients reconnect. */
  endWatches(): void;
  /** A bearer token that authenticates as ServiceAccount namespace/name (see enforceRbac). */
  serviceAccountToken(namespace: string, name: string): string;
  /** The requests RBAC refused so far, one line each (empty unless enforceRbac). */
  rbacDenials: readonly string[];
  close(): Promise<void>;
}

const NOT_FOUND = (): KubeApiError => new KubeApiError(404, 'NotFound', 'the server could not find the requested resource', {});

export async function createKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const clock = options.clock ?? Date.now;
  const report = options.report ?? ((e: unknown) => setImmediate(() => { throw e; }));
  const store = new ObjectStore(options.historyLimit ?? 1000);
  const registry = new ResourceRegistry(store);
  const core = new ApiCore(store, registry, clock);
  const rbac = new RbacAuthorizer(store, options.onDenied);
  for (const [token, user] of Object.entries(options.tokens ?? {})) rbac.addToken(token, user);
  const controllers = new CleanupControllers(core, report);
  const nsType = registry.lookup('', 'v1', 'namespaces')!;
  const noWarnings = { isDryRun: false, fieldValidation: 'Strict' as const, warnings: [] };
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) core.create({ type: nsType, namespace: undefined }, { metadata: { name } }, noWarnings);
  const watches = new Set<() => void>();
  const ctx = {
    core, clock, bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    trackWatch: (end: () => void) => {
      watches.add(end);
      return () => watches.delete(end);
    },
  };

  let url = '';
  const server = http.createServer((req, res) => {
    options.onRequest?.(req.method ?? '', req.url ?? '', req.headers.accept);
    route(req, res).catch((e: unknown) => {
      if (e instanceof KubeApiError) {
        if (!res.headersSent) sendError(res, e);
        else res.end();
        return;
      }
      report(e);
      if (!res.headersSent) sendError(res, new KubeApiError(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`));
      else res.end();
    });
  });

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://localhost');
    const p = u.pathname.replace(/\/+$/, '') || '/';
    const accept = req.headers.accept;
    const user = options.enforceRbac ? rbac.authenticate(req.headers.authorization) : undefined;
    if (req.method === 'GET') {
      if (p === '/version') return sendJson(res, 200, SERVER_VERSION);
      if (p === '/healthz' || p === '/readyz' || p === '/livez') return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      if (p === '/api' || p === '/apis') {
        const isCore = p === '/api';
        if (wantsAggregated(accept)) return sendJson(res, 200, aggregatedDiscovery(registry, isCore), AGGREGATED_CONTENT_TYPE);
        return sendJson(res, 200, isCore ? apiVersions(new URL(url).host) : apiGroupList(registry));
      }
      if (p === '/openapi/v3') return sendJson(res, 200, openApiRoot(registry));
      const oa = /^\/openapi\/v3\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(p);
      if (oa) {
        const doc = oa[1] ? openApiDocument(registry, '', oa[1]) : openApiDocument(registry, oa[2], oa[3]);
        if (doc === undefined) throw NOT_FOUND();
        return sendJson(res, 200, doc);
      }
      const gv = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(p);
      if (gv) {
        const list = gv[1] ? apiResourceList(registry, '', gv[1]) : apiResourceList(registry, gv[2], gv[3]);
        if (list === undefined) throw NOT_FOUND();
        return sendJson(res, 200, list);
      }
      const group = /^\/apis\/([^/]+)$/.exec(p);
      if (group) {
        const g = (apiGroupList(registry) as { groups: { name: string }[] }).groups.find((x) => x.name === group[1]);
        if (g === undefined) throw NOT_FOUND();
        return sendJson(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...g });
      }
    }
    const r = parseResourcePath(p);
    if (r === undefined) throw NOT_FOUND();
    if (user !== undefined) rbac.authorize(user, { verb: verbOf(req.method ?? '', r, u.searchParams), group: r.group, resource: r.plural, subresource: r.subresource, namespace: r.namespace, name: r.name });
    return handleResource(ctx, r, req, res, u.searchParams);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
  return {
    url, port, core,
    compact: () => store.compact(),
    serviceAccountToken: (namespace, name) => rbac.tokenFor(namespace, name),
    rbacDenials: rbac.denials,
    endWatches: () => {
      for (const end of [...watches]) end();
    },
    close: async () => {
      controllers.close();
      for (const end of [...watches]) end();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
