import { createHash } from 'node:crypto';
import { RESOURCES, STORED_VERBS, apiVersionOf } from './resources.js';
import { omit, type JsonObject } from './types.js';

/** The version kubectl-dispatcher reads: it picks the kubectl matching the server, so this keeps kubectl 1.32. */
export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:03:07Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

interface Entry {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  group?: string;
  version?: string;
  shortNames?: string[];
  categories?: string[];
}

/** Resources served without storage: subresources and create-only review APIs. */
const VIRTUAL: Array<Entry & { gv: string }> = [
  {
    gv: 'v1',
    name: 'serviceaccounts/token',
    singularName: '',
    namespaced: true,
    group: 'authentication.k8s.io',
    version: 'v1',
    kind: 'TokenRequest',
    verbs: ['create'],
  },
  {
    gv: 'authentication.k8s.io/v1',
    name: 'selfsubjectreviews',
    singularName: 'selfsubjectreview',
    namespaced: false,
    kind: 'SelfSubjectReview',
    verbs: ['create'],
  },
  {
    gv: 'authentication.k8s.io/v1',
    name: 'tokenreviews',
    singularName: 'tokenreview',
    namespaced: false,
    kind: 'TokenReview',
    verbs: ['create'],
  },
  {
    gv: 'authorization.k8s.io/v1',
    name: 'selfsubjectaccessreviews',
    singularName: 'selfsubjectaccessreview',
    namespaced: false,
    kind: 'SelfSubjectAccessReview',
    verbs: ['create'],
  },
];

export const GROUP_VERSIONS = ['v1', 'apps/v1', 'authentication.k8s.io/v1', 'authorization.k8s.io/v1'];

function entries(gv: string): Entry[] {
  const stored: Entry[] = RESOURCES.filter((r) => apiVersionOf(r) === gv).map((r) => {
    const e: Entry = {
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: STORED_VERBS,
    };
    if (r.shortNames) e.shortNames = r.shortNames;
    if (r.categories) e.categories = r.categories;
    return e;
  });
  const virtual = VIRTUAL.filter((v) => v.gv === gv).map((v) => omit(v, 'gv'));
  return [...stored, ...virtual].sort((a, b) => (a.name < b.name ? -1 : 1));
}

export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function group(name: string): JsonObject {
  const version = { groupVersion: `${name}/v1`, version: 'v1' };
  return { name, versions: [version], preferredVersion: version };
}

const GROUPS = GROUP_VERSIONS.filter((gv) => gv.includes('/')).map((gv) => gv.split('/')[0]);

export function apiGroupList(): JsonObject {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: GROUPS.map(group) };
}

export function apiGroup(name: string): JsonObject | undefined {
  return GROUPS.includes(name) ? { kind: 'APIGroup', apiVersion: 'v1', ...group(name) } : undefined;
}

export function resourceList(gv: string): JsonObject | undefined {
  if (!GROUP_VERSIONS.includes(gv)) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: gv,
    resources: entries(gv) as unknown as JsonObject[],
  };
}

/** OpenAPI v3 path for a group version: `api/v1` or `apis/apps/v1`. */
function openApiPath(gv: string): string {
  return gv === 'v1' ? 'api/v1' : `apis/${gv}`;
}

/**
 * A minimal OpenAPI v3 document per group version: enough for kubectl to find each kind's PATCH operation
 * and its `fieldValidation` parameter (so it validates server-side), and a schema per kind.
 */
function openApiDocument(gv: string): JsonObject {
  const [group, version] = gv.includes('/') ? gv.split('/') : ['', gv];
  const paths: JsonObject = {};
  const schemas: JsonObject = {};
  const fieldValidation = { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } };
  const pathParam = (name: string) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string', uniqueItems: true },
  });
  for (const e of entries(gv)) {
    const kindGroup = e.group ?? group;
    const gvk = { group: kindGroup, version: e.version ?? version, kind: e.kind };
    const schemaName = `io.k8s.api.${kindGroup === '' ? 'core' : kindGroup.split('.')[0]}.v1.${e.kind}`;
    const ref = { $ref: `#/components/schemas/${schemaName}` };
    const ok = { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } };
    schemas[schemaName] = {
      type: 'object',
      properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' } },
      'x-kubernetes-group-version-kind': [gvk],
    };
    const base = `/${openApiPath(gv)}${e.namespaced ? '/namespaces/{namespace}' : ''}`;
    const scopeParams = e.namespaced ? [pathParam('namespace')] : [];
    const [plural, sub] = e.name.split('/');
    const op = (action: string) => ({
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      parameters: [fieldValidation],
      responses: ok,
    });
    if (sub) {
      paths[`${base}/${plural}/{name}/${sub}`] = { parameters: [pathParam('name'), ...scopeParams], post: op('post') };
    } else if (e.verbs.includes('get')) {
      paths[`${base}/${plural}`] = { parameters: scopeParams, get: op('list'), post: op('post') };
      paths[`${base}/${plural}/{name}`] = {
        parameters: [pathParam('name'), ...scopeParams],
        get: op('get'),
        put: op('put'),
        patch: op('patch'),
        delete: op('delete'),
      };
    } else {
      paths[`${base}/${plural}`] = { parameters: scopeParams, post: op('post') };
    }
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion },
    paths,
    components: { schemas },
  };
}

const documents = new Map(GROUP_VERSIONS.map((gv) => [openApiPath(gv), openApiDocument(gv)]));
const hashes = new Map(
  [...documents].map(([path, doc]) => [
    path,
    createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase(),
  ]),
);

export function openApiRoot(): JsonObject {
  const paths: JsonObject = {};
  for (const path of documents.keys())
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hashes.get(path)}` };
  return { paths };
}

export function openApiFor(path: string): JsonObject | undefined {
  return documents.get(path);
}
