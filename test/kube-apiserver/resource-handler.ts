// HTTP verbs on resource URLs, mapped onto ApiCore: GET (object, list, watch; JSON or the
// Table form), POST, PUT, PATCH, DELETE (one object or a collection), /status subresources.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiCore, Target } from './api-core.js';
import { badRequest, KubeApiError, methodNotAllowed, unsupportedMediaType } from './kube-error.js';
import { isPlainObject, type KubeObject } from './kube-object.js';
import { parseJsonBody, readBody, sendJson } from './http-io.js';
import type { ResourceRequest } from './request-info.js';
import type { DeleteOptions, FieldValidation, WriteOptions } from './request-options.js';
import { apiVersionOf } from './resource-type.js';
import { toTable } from './table.js';
import { startWatch } from './watch-stream.js';

const TABLE_CONTENT_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const notServed = (): KubeApiError => new KubeApiError(404, 'NotFound', 'the server could not find the requested resource', {});

export interface HandlerContext {
  core: ApiCore;
  clock: () => number;
  bookmarkIntervalMs: number;
  /** Registers a watch's end function with the server (so close() ends it); returns the unregister. */
  trackWatch(end: () => void): () => void;
}

function writeOptions(q: URLSearchParams): WriteOptions {
  const v = q.get('fieldValidation') ?? 'Warn';
  if (v !== 'Strict' && v !== 'Warn' && v !== 'Ignore') throw badRequest(`fieldValidation parameter unsupported: ${v}; use Ignore, Warn or Strict`);
  const dryRun = q.getAll('dryRun');
  if (dryRun.some((d) => d !== 'All')) throw badRequest(`dryRun: Unsupported value: ${JSON.stringify(dryRun.find((d) => d !== 'All'))}: supported values: "All"`);
  return { isDryRun: dryRun.length > 0, fieldValidation: v as FieldValidation, warnings: [] };
}

function deleteOptions(q: URLSearchParams, body: unknown): DeleteOptions {
  const b = isPlainObject(body) ? body : {};
  const policy = (b.propagationPolicy as string | undefined) ?? q.get('propagationPolicy') ?? 'Background';
  if (policy !== 'Background' && policy !== 'Foreground' && policy !== 'Orphan') throw badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Background", "Foreground", "Orphan"`);
  if (b.orphanDependents === true) return { isDryRun: false, propagationPolicy: 'Orphan', preconditions: {} };
  const dryRun = [...q.getAll('dryRun'), ...(Array.isArray(b.dryRun) ? (b.dryRun as string[]) : [])];
  const pre = isPlainObject(b.preconditions) ? (b.preconditions as { uid?: string; resourceVersion?: string }) : {};
  return { isDryRun: dryRun.includes('All'), propagationPolicy: policy, preconditions: pre };
}

function wantsTable(req: IncomingMessage): boolean {
  return /as=Table/.test(req.headers.accept ?? '') && /g=meta\.k8s\.io/.test(req.headers.accept ?? '');
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
}

export async function handleResource(ctx: HandlerContext, r: ResourceRequest, req: IncomingMessage, res: ServerResponse, q: URLSearchParams): Promise<void> {
  const type = ctx.core.registry.lookup(r.group, r.version, r.plural);
  if (type === undefined) throw notServed();
  if (type.isNamespaced !== (r.namespace !== undefined) && !(type.isNamespaced && r.name === undefined && req.method === 'GET')) throw notServed();
  if (r.subresource !== undefined && !(r.subresource === 'status' && type.hasStatus)) throw notServed();
  const t: Target = { type, namespace: r.namespace };
  const isStatus = r.subresource === 'status';
  const listMeta = (rv: number, cont?: string, remaining?: number): Record<string, unknown> => ({ resourceVersion: String(rv), ...(cont ? { continue: cont } : {}), ...(remaining ? { remainingItemCount: remaining } : {}) });
  const asTable = wantsTable(req);
  const includeObject = q.get('includeObject') ?? 'Metadata';
  const render = (objects: KubeObject[], meta: Record<string, unknown>): unknown => toTable(type.columns, objects, meta, ctx.clock(), includeObject);
  const answer = (status: number, o: KubeObject, warnings: string[] = []): void => {
    if (asTable) sendJson(res, status, render([o], { resourceVersion: o.metadata.resourceVersion }), TABLE_CONTENT_TYPE, warnings);
    else sendJson(res, status, o, 'application/json', warnings);
  };

  switch (req.method) {
    case 'GET': {
      if (r.name !== undefined) return answer(200, ctx.core.get(t, r.name));
      const selectors = { labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined };
      const watch = q.get('watch');
      if (watch === 'true' || watch === '1') {
        ctx.core.selectorFor(type, selectors);
        const timeout = q.get('timeoutSeconds');
        return startWatch(ctx.core, t, res, {
          resourceVersion: q.get('resourceVersion') ?? undefined,
          ...selectors,
          allowWatchBookmarks: q.get('allowWatchBookmarks') === 'true',
          sendInitialEvents: q.get('sendInitialEvents') === 'true',
          timeoutSeconds: timeout === null ? undefined : Number(timeout),
          bookmarkIntervalMs: ctx.bookmarkIntervalMs,
          render: asTable ? (o) => render([o], { resourceVersion: o.metadata.resourceVersion }) : undefined,
          contentType: asTable ? TABLE_CONTENT_TYPE : 'application/json',
        }, ctx.trackWatch);
      }
      const limit = q.get('limit');
      const page = ctx.core.list(t, { ...selectors, limit: limit === null ? undefined : Number(limit), continueToken: q.get('continue') ?? undefined });
      const meta = listMeta(page.rv, page.continueToken, page.remaining);
      if (asTable) return sendJson(res, 200, render(page.items, meta), TABLE_CONTENT_TYPE);
      return sendJson(res, 200, { kind: type.listKind, apiVersion: apiVersionOf(type), metadata: meta, items: page.items });
    }
    case 'POST': {
      if (r.name !== undefined) throw methodNotAllowed(`the server does not allow this method on the requested resource`);
      if (mediaType(req) !== 'application/json') throw unsupportedMediaType(mediaType(req), ['application/json']);
      const opts = writeOptions(q);
      const created = ctx.core.create(t, parseJsonBody(await readBody(req), 'request body'), opts);
      return answer(201, created, opts.warnings);
    }
    case 'PUT': {
      if (r.name === undefined) throw methodNotAllowed('the server does not allow this method on the requested resource');
      if (mediaType(req) !== 'application/json') throw unsupportedMediaType(mediaType(req), ['application/json']);
      const opts = writeOptions(q);
      return answer(200, ctx.core.update(t, r.name, parseJsonBody(await readBody(req), 'request body'), isStatus, opts), opts.warnings);
    }
    case 'PATCH': {
      if (r.name === undefined) throw methodNotAllowed('the server does not allow this method on the requested resource');
      const opts = writeOptions(q);
      const body = await readBody(req);
      if (!type.patchTypes.includes(mediaType(req))) throw unsupportedMediaType(mediaType(req), type.patchTypes);
      return answer(200, ctx.core.patch(t, r.name, mediaType(req), parseJsonBody(body, 'patch'), isStatus, opts), opts.warnings);
    }
    case 'DELETE': {
      const opts = deleteOptions(q, parseJsonBody(await readBody(req), 'DeleteOptions'));
      if (r.name !== undefined) return answer(200, ctx.core.delete(t, r.name, opts));
      const selectors = { labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined };
      const doomed = ctx.core.list(t, selectors).items;
      const items = doomed.map((o) => ctx.core.delete({ type, namespace: o.metadata.namespace }, o.metadata.name!, opts));
      return sendJson(res, 200, { kind: type.listKind, apiVersion: apiVersionOf(type), metadata: { resourceVersion: String(ctx.core.store.currentRv) }, items });
    }
    default:
      throw methodNotAllowed(`the server does not allow this method on the requested resource`);
  }
}
