// One watch connection: the events of a type after a resourceVersion (or the current objects
// first, when none is given), filtered by namespace and selectors with the real server's
// transitions (an object that stops matching arrives as DELETED), optional BOOKMARKs, and
// a 410 Gone as an ERROR event when the version is older than the history.
import type { ServerResponse } from 'node:http';
import type { ApiCore, Target } from './api-core.js';
import { KubeApiError } from './kube-error.js';
import type { KubeObject } from './kube-object.js';
import type { StoreEvent, WatchEventType } from './object-store.js';
import { apiVersionOf, typeKey } from './resource-type.js';

export interface WatchParams {
  resourceVersion: string | undefined;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds: number | undefined;
  bookmarkIntervalMs: number;
  /** Converts each object before it is written (the Table form), or undefined for JSON objects. */
  render: ((o: KubeObject) => unknown) | undefined;
  contentType: string;
}

export function startWatch(core: ApiCore, t: Target, res: ServerResponse, p: WatchParams, onClose: (end: () => void) => () => void): void {
  const key = typeKey(t.type);
  const matches = core.selectorFor(t.type, p);
  const inScope = (o: KubeObject | undefined): boolean => o !== undefined && (t.namespace === undefined || o.metadata.namespace === t.namespace) && matches(o);
  res.writeHead(200, { 'Content-Type': p.contentType, 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const write = (type: WatchEventType | 'BOOKMARK' | 'ERROR', object: unknown): void => {
    res.write(JSON.stringify({ type, object }) + '\n');
  };
  const emit = (type: WatchEventType, o: KubeObject): void => write(type, p.render ? p.render(o) : o);
  const bookmark = (annotations?: Record<string, string>): void =>
    write('BOOKMARK', { kind: t.type.kind, apiVersion: apiVersionOf(t.type), metadata: { resourceVersion: String(core.store.currentRv), ...(annotations ? { annotations } : {}) } });

  const onEvent = (e: StoreEvent): void => {
    if (e.typeKey !== key) return;
    const now = inScope(e.type === 'DELETED' ? undefined : e.object);
    const before = inScope(e.previous);
    if (e.type === 'DELETED') {
      if (before) emit('DELETED', e.object);
    } else if (now && before) emit('MODIFIED', e.object);
    else if (now) emit('ADDED', e.object);
    else if (before) emit('DELETED', e.object);
  };

  const rv = p.resourceVersion;
  const isFromNow = rv === undefined || rv === '' || rv === '0' || p.sendInitialEvents;
  let backlog: StoreEvent[] = [];
  if (!isFromNow) {
    const since = Number(rv);
    if (!Number.isInteger(since) || since < 0) {
      write('ERROR', new KubeApiError(400, 'BadRequest', `invalid resource version: ${rv}`).toStatus());
      res.end();
      return;
    }
    try {
      backlog = core.store.eventsSince(key, since);
    } catch (e) {
      if (!(e instanceof KubeApiError)) throw e;
      write('ERROR', e.toStatus());
      res.end();
      return;
    }
  }
  // Everything below runs in one turn of the event loop, so no store event can slip between
  // the snapshot (or backlog) and the subscription.
  if (isFromNow) for (const o of core.store.list(key, t.namespace).filter(inScope)) emit('ADDED', o);
  else for (const e of backlog) onEvent(e);
  if (p.sendInitialEvents && p.allowWatchBookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
  const unsubscribe = core.store.subscribe(onEvent);
  const timers: NodeJS.Timeout[] = [];
  if (p.allowWatchBookmarks) timers.push(setInterval(() => bookmark(), p.bookmarkIntervalMs));
  let isEnded = false;
  const end = (): void => {
    if (isEnded) return;
    isEnded = true;
    unsubscribe();
    for (const tm of timers) clearInterval(tm);
    res.end();
  };
  if (p.timeoutSeconds !== undefined) timers.push(setTimeout(end, p.timeoutSeconds * 1000));
  const forget = onClose(end);
  res.on('close', () => {
    end();
    forget();
  });
}
