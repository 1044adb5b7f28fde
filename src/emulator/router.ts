import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Attributes, Authenticator, UserInfo } from './auth.js';
import { Crud, type Reply } from './crud.js';
import {
  apiGroup,
  apiGroupList,
  apiVersions,
  openApiFor,
  openApiRoot,
  resourceList,
  SERVER_VERSION,
} from './discovery.js';
import { errors } from './errors.js';
import { parseJson, readBody, readObject, sendJson } from './http.js';
import { type JwtSigner } from './jwt.js';
import { list } from './list.js';
import { RESOURCES, apiVersionOf, type ResourceDef } from './resources.js';
import { selfSubjectAccessReview, selfSubjectReview, tokenRequest, tokenReview } from './reviews.js';
import type { Store } from './store.js';
import { toTable, wantsTable } from './table.js';
import { serveWatch } from './watch.js';

export interface RouterDeps {
  store: Store;
  auth: Authenticator;
  signer: JwtSigner;
  bookmarkIntervalMs: number;
  serverAddress: () => string;
  /** Open watch streams, so they can be ended on demand. */
  watches: Set<ServerResponse>;
}

interface ResourceInfo extends Attributes {
  gv: string;
  watchPath: boolean;
}

/** Namespace subresources: `namespaces/x/status` addresses the namespace, not a resource inside it. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
const VIRTUAL = new Set([
  'v1/serviceaccounts/token',
  'authentication.k8s.io/v1/tokenreviews',
  'authentication.k8s.io/v1/selfsubjectreviews',
  'authorization.k8s.io/v1/selfsubjectaccessreviews',
]);

/** k8s.io/apiserver RequestInfoFactory: splits an API path into verb, group, resource, namespace, name. */
export function parseResourcePath(method: string, path: string, query: URLSearchParams): ResourceInfo | undefined {
  const segments = path.split('/').filter((p) => p.length > 0);
  let gv: string;
  let group = '';
  let parts: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    gv = segments[1];
    parts = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    group = segments[1];
    gv = `${segments[1]}/${segments[2]}`;
    parts = segments.slice(3);
  } else return undefined;
  const watchPath = parts[0] === 'watch';
  if (watchPath) parts = parts.slice(1);
  let namespace = '';
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1];
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
  }
  const [resource = '', name = '', subresource = ''] = parts;
  if (parts.length > 3) return undefined;
  const collectionVerb = watchPath || query.get('watch') === 'true' || query.get('watch') === '1' ? 'watch' : 'list';
  const verbs: Record<string, string> = {
    GET: name ? (watchPath ? 'watch' : 'get') : collectionVerb,
    POST: 'create',
    PUT: 'update',
    PATCH: 'patch',
    DELETE: name ? 'delete' : 'deletecollection',
  };
  return {
    gv,
    group,
    resource,
    name,
    subresource,
    namespace,
    verb: verbs[method] ?? method.toLowerCase(),
    resourceRequest: true,
    path,
    watchPath,
  };
}

export class Router {
  private readonly crud: Crud;

  constructor(private readonly deps: RouterDeps) {
    this.crud = new Crud(deps.store);
  }

  /** Non-resource paths: discovery, OpenAPI, health. Undefined when the path is not one. */
  nonResource(path: string): unknown {
    if (path === '/version') return SERVER_VERSION;
    if (path === '/healthz' || path === '/livez' || path === '/readyz') return 'ok';
    if (path === '/api') return apiVersions(this.deps.serverAddress());
    if (path === '/apis') return apiGroupList();
    if (path === '/openapi/v3') return openApiRoot();
    if (path.startsWith('/openapi/v3/')) return openApiFor(path.slice('/openapi/v3/'.length));
    const gv = /^\/api\/(v1)$/.exec(path) ?? /^\/apis\/([^/]+\/[^/]+)$/.exec(path);
    if (gv) return resourceList(gv[1]);
    const group = /^\/apis\/([^/]+)$/.exec(path);
    if (group) return apiGroup(group[1]);
    return undefined;
  }

  async resource(
    info: ResourceInfo,
    user: UserInfo,
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
  ): Promise<void> {
    const key = [info.gv, info.resource, info.subresource].filter(Boolean).join('/');
    if (VIRTUAL.has(key)) {
      if (req.method !== 'POST') throw errors.methodNotAllowed();
      const body = await readObject(req);
      const { store, signer, auth } = this.deps;
      if (info.subresource === 'token')
        return sendJson(res, 201, tokenRequest(store, signer, info.namespace, info.name, body));
      if (info.resource === 'tokenreviews') return sendJson(res, 201, tokenReview(auth, body));
      if (info.resource === 'selfsubjectreviews') return sendJson(res, 201, selfSubjectReview(user));
      return sendJson(res, 201, selfSubjectAccessReview(auth, user, body));
    }
    const def = RESOURCES.find((r) => apiVersionOf(r) === info.gv && r.plural === info.resource);
    if (!def || info.subresource || (!def.namespaced && info.namespace && info.resource !== 'namespaces'))
      throw errors.pathNotFound();
    const namespace = def.namespaced ? info.namespace : '';
    const accept = req.headers.accept;
    const table = wantsTable(accept);
    const item = { def, namespace, name: info.name, query, req };
    let reply: Reply;
    switch (req.method) {
      case 'GET':
        if (info.verb === 'watch') {
          if (info.name)
            query.set(
              'fieldSelector',
              [`metadata.name=${info.name}`, query.get('fieldSelector')].filter(Boolean).join(','),
            );
          this.deps.watches.add(res);
          res.on('close', () => this.deps.watches.delete(res));
          return serveWatch(this.deps.store, { def, namespace, query }, res, {
            bookmarkIntervalMs: this.deps.bookmarkIntervalMs,
            table,
          });
        }
        if (info.name) {
          const obj = this.crud.get(item);
          reply = {
            code: 200,
            body: table
              ? toTable(def, [obj], { resourceVersion: obj.metadata.resourceVersion }, query.get('includeObject'))
              : obj,
          };
        } else {
          const result = list(this.deps.store, { def, namespace, query });
          reply = {
            code: 200,
            body: table ? toTable(def, result.items, result.metadata, query.get('includeObject')) : result,
          };
        }
        break;
      case 'POST':
        if (info.name) throw errors.methodNotAllowed();
        reply = await this.crud.create({ def, namespace, query, req });
        break;
      case 'PUT':
        if (!info.name) throw errors.methodNotAllowed();
        reply = await this.crud.replace(item);
        break;
      case 'PATCH':
        if (!info.name) throw errors.methodNotAllowed();
        reply = await this.crud.patch(item);
        break;
      case 'DELETE':
        reply = info.name ? await this.crud.delete(item) : await this.deleteCollection(def, namespace, query, req);
        break;
      default:
        throw errors.methodNotAllowed();
    }
    sendJson(res, reply.code, reply.body);
  }

  private async deleteCollection(
    def: ResourceDef,
    namespace: string,
    query: URLSearchParams,
    req: IncomingMessage,
  ): Promise<Reply> {
    const all = new URLSearchParams(query);
    all.delete('limit');
    all.delete('continue');
    const result = list(this.deps.store, { def, namespace, query: all });
    const body = await readBody(req);
    const options = body.length > 0 ? parseJson(body) : {};
    for (const obj of result.items) {
      this.crud.remove(
        { def, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '', query, req },
        options,
      );
    }
    return { code: 200, body: result };
  }
}
