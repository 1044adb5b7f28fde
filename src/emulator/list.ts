import { errors } from './errors.js';
import { type ResourceDef, apiVersionOf, resourceId } from './resources.js';
import { parseFieldSelector, parseLabelSelector, type Matcher } from './selectors.js';
import type { Store } from './store.js';
import { omit, type JsonObject, type KObject } from './types.js';

export interface CollectionRequest {
  def: ResourceDef;
  namespace: string;
  query: URLSearchParams;
}

const TOO_OLD_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/** The continue token format of the etcd3 storage: base64url JSON naming the list's revision and the next key. */
function encodeContinue(rv: number, lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: `${lastKey}\u0000` })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; after: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v?: string;
      rv?: number;
      start?: string;
    };
    if (parsed.v !== 'meta.k8s.io/v1' || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string')
      throw new Error('bad token');
    return { rv: parsed.rv, after: parsed.start.endsWith('\u0000') ? parsed.start.slice(0, -1) : parsed.start };
  } catch {
    throw errors.badRequest(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
}

export function matchers(r: CollectionRequest): Matcher {
  const labels = parseLabelSelector(r.query.get('labelSelector'));
  const fields = parseFieldSelector(r.query.get('fieldSelector'), r.def.fieldSelectors ?? {});
  return (obj) => labels(obj) && fields(obj);
}

export function prefixOf(r: CollectionRequest): string {
  return r.def.namespaced && r.namespace ? `${r.namespace}/` : '';
}

/** List items go out without kind/apiVersion, as typed lists serialise them. */
export function listItem(obj: KObject): KObject {
  return omit(obj, 'kind', 'apiVersion') as KObject;
}

/** A list with selectors and limit/continue paging; later pages show the state as of the first page. */
export function list(
  store: Store,
  r: CollectionRequest,
): { items: KObject[]; metadata: JsonObject; kind: string; apiVersion: string } {
  const match = matchers(r);
  const limitParam = Number(r.query.get('limit') ?? '0');
  const limit = Number.isFinite(limitParam) && limitParam > 0 ? Math.floor(limitParam) : 0;
  const token = r.query.get('continue');
  const rvParam = r.query.get('resourceVersion') ?? '';
  let rv = store.resourceVersion;
  let after: string | undefined;
  if (token) {
    if (rvParam && rvParam !== '0')
      throw errors.badRequest('specifying resource version is not allowed when using continue');
    ({ rv, after } = decodeContinue(token));
  } else if (r.query.get('resourceVersionMatch') === 'Exact') {
    rv = Number(rvParam);
    if (!Number.isInteger(rv)) throw errors.badRequest(`invalid resource version: ${rvParam}`);
    if (rv > store.resourceVersion)
      throw errors.expired(`Too large resource version: ${rv}, current: ${store.resourceVersion}`);
  }
  const prefix = prefixOf(r);
  const id = resourceId(r.def);
  const { keys, objects } = store.keysFrom(id, prefix, after);
  let candidates = keys;
  let overlay: Map<string, KObject | null> | undefined;
  if (rv < store.resourceVersion) {
    overlay = store.snapshot(id, rv, prefix);
    if (!overlay)
      throw errors.expired(token ? TOO_OLD_CONTINUE : `too old resource version: ${rv} (${store.resourceVersion})`);
    if (overlay.size > 0) {
      const extra = [...overlay.keys()].filter((k) => after === undefined || k > after);
      candidates = [...new Set([...keys, ...extra])].sort();
    }
  }
  const items: KObject[] = [];
  let lastKey: string | undefined;
  let index = 0;
  for (; index < candidates.length; index++) {
    const key = candidates[index];
    const obj = overlay?.has(key) ? overlay.get(key) : objects.get(key);
    if (!obj || !match(obj)) continue;
    if (limit && items.length === limit) break;
    items.push(listItem(obj));
    lastKey = key;
  }
  const metadata: JsonObject = { resourceVersion: String(rv) };
  if (limit && index < candidates.length && lastKey !== undefined) {
    metadata.continue = encodeContinue(rv, lastKey);
    const unfiltered = !r.query.get('labelSelector') && !r.query.get('fieldSelector');
    if (unfiltered)
      metadata.remainingItemCount = candidates
        .slice(index)
        .filter((k) => (overlay?.has(k) ? overlay.get(k) : objects.get(k))).length;
  }
  return { kind: `${r.def.kind}List`, apiVersion: apiVersionOf(r.def), metadata, items };
}
