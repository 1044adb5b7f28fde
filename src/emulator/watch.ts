import type { ServerResponse } from 'node:http';
import { errors } from './errors.js';
import { type CollectionRequest, listItem, matchers, prefixOf } from './list.js';
import { apiVersionOf, resourceId } from './resources.js';
import type { Store, StoreEvent } from './store.js';
import { toTable } from './table.js';
import type { JsonObject, KObject } from './types.js';

export interface WatchOptions {
  bookmarkIntervalMs: number;
  table: boolean;
}

type WireType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/**
 * A watch stream: newline-delimited JSON events over a chunked 200 response. A too-old resourceVersion
 * answers 200 followed by one ERROR event carrying a 410 Status, as the watch cache does.
 */
export function serveWatch(store: Store, r: CollectionRequest, res: ServerResponse, options: WatchOptions): void {
  const match = matchers(r);
  const prefix = prefixOf(r);
  const id = resourceId(r.def);
  const includeObject = r.query.get('includeObject');
  let columnsSent = false;
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache, private',
  });
  res.flushHeaders();

  const write = (type: WireType, object: JsonObject): void => {
    if (res.destroyed || res.writableEnded) return;
    let wire: JsonObject = object;
    if (options.table && (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED')) {
      wire = toTable(
        r.def,
        [object as KObject],
        { resourceVersion: (object as KObject).metadata.resourceVersion },
        includeObject,
        !columnsSent,
      );
      columnsSent = true;
    } else if (type !== 'ERROR' && type !== 'BOOKMARK') wire = listItem(object as KObject);
    res.write(
      `${JSON.stringify({ type, object: type === 'ERROR' ? wire : { ...wire, kind: wire.kind ?? r.def.kind, apiVersion: wire.apiVersion ?? apiVersionOf(r.def) } })}\n`,
    );
  };
  const bookmark = (annotations?: Record<string, string>): void => {
    const metadata: JsonObject = { resourceVersion: String(store.resourceVersion) };
    if (annotations) metadata.annotations = annotations;
    res.write(
      `${JSON.stringify({ type: 'BOOKMARK', object: { kind: r.def.kind, apiVersion: apiVersionOf(r.def), metadata } })}\n`,
    );
  };

  /** Selector-aware delivery: an object that stops matching leaves the watch as DELETED, one that starts matching enters as ADDED. */
  const deliver = (e: StoreEvent): void => {
    if (!e.key.startsWith(prefix)) return;
    const now = e.type !== 'DELETED' && match(e.object);
    const before = e.prev !== undefined && match(e.prev);
    if (e.type === 'ADDED' && now) write('ADDED', e.object);
    else if (e.type === 'MODIFIED' && now) write(before ? 'MODIFIED' : 'ADDED', e.object);
    else if (e.type === 'MODIFIED' && before) write('DELETED', e.object);
    else if (e.type === 'DELETED' && before) write('DELETED', e.object);
  };

  const rvParam = r.query.get('resourceVersion') ?? '';
  const bookmarks = r.query.get('allowWatchBookmarks') === 'true';
  if (rvParam === '' || rvParam === '0' || r.query.get('sendInitialEvents') === 'true') {
    const { keys, objects } = store.keysFrom(id, prefix, undefined);
    for (const key of keys) {
      const obj = objects.get(key);
      if (obj && match(obj)) write('ADDED', obj);
    }
    if (bookmarks && r.query.get('sendInitialEvents') === 'true') bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const rv = Number(rvParam);
    if (!Number.isInteger(rv)) {
      write('ERROR', errors.badRequest(`invalid resource version: ${rvParam}`).status);
      res.end();
      return;
    }
    const replay = store.eventsSince(id, rv);
    if ('tooOld' in replay) {
      write('ERROR', errors.expired(`too old resource version: ${rv} (${replay.tooOld})`).status);
      res.end();
      return;
    }
    replay.events.forEach(deliver);
  }

  const unsubscribe = store.subscribe(id, deliver);
  const timers: NodeJS.Timeout[] = [];
  if (bookmarks) timers.push(setInterval(() => bookmark(), options.bookmarkIntervalMs));
  const timeoutSeconds = Number(r.query.get('timeoutSeconds') ?? '0');
  if (timeoutSeconds > 0) timers.push(setTimeout(() => res.end(), timeoutSeconds * 1000));
  const stop = (): void => {
    unsubscribe();
    timers.forEach(clearTimeout);
  };
  res.on('close', stop);
  res.on('finish', stop);
}
