import { ApiError, errors } from './errors.js';
import type { JsonObject, JsonValue } from './types.js';
import { clone, isObject, omit } from './types.js';

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (value !== undefined) result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** patchMergeKey of the list fields the supported kinds declare (k8s.io/api struct tags). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  ports: 'containerPort',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
  conditions: 'type',
  secrets: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
};
/** Primitive lists with patchStrategy "merge" (set union). */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

/** Strategic merge patch for the built-in kinds served here (directives: $patch, $retainKeys, $setElementOrder, $deleteFromPrimitiveList). */
export function strategicMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    return stripDirectives(omit(patch, '$patch'));
  }
  if (patch.$patch === 'delete') return {};
  let result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || key === '$retainKeys' || key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const current = result[field];
      if (Array.isArray(current) && Array.isArray(value)) result[field] = current.filter((v) => !value.includes(v));
      continue;
    }
    if (value === null) delete result[key];
    else if (Array.isArray(value)) result[key] = mergeList(key, result[key], value);
    else if (isObject(value) && value.$patch === 'delete') delete result[key];
    else result[key] = strategicMergePatch(result[key], value);
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String));
    result = Object.fromEntries(Object.entries(result).filter(([k]) => keep.has(k)));
  }
  return result;
}

function mergeList(field: string, current: JsonValue | undefined, patch: JsonValue[]): JsonValue[] {
  const existing = Array.isArray(current) ? current : [];
  if (MERGED_PRIMITIVE_LISTS.has(field)) return [...existing, ...patch.filter((v) => !existing.includes(v))];
  const mergeKey = MERGE_KEYS[field];
  if (!mergeKey || !patch.every(isObject)) return stripDirectives(patch) as JsonValue[];
  if (patch.some((p) => isObject(p) && p.$patch === 'replace')) {
    return stripDirectives(patch.filter((p) => !(isObject(p) && p.$patch === 'replace'))) as JsonValue[];
  }
  const result = [...existing];
  for (const item of patch) {
    const index = result.findIndex((e) => isObject(e) && e[mergeKey] === item[mergeKey]);
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) {
      result[index] = strategicMergePatch(result[index], item);
    } else {
      result.push(stripDirectives(item));
    }
  }
  return result;
}

function stripDirectives(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('$') && v !== undefined) out[k] = stripDirectives(v);
  return out;
}

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: JsonValue;
}

/** The 422 the server answers when a JSON patch does not apply. */
function patchFailure(message: string): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'the server rejected our request due to an error in our request',
    reason: 'Invalid',
    details: { causes: [{ reason: 'UnexpectedServerResponse', message }] },
    code: 422,
  });
}

function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw patchFailure(`invalid JSON pointer: ${JSON.stringify(path)}`);
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function locate(
  doc: JsonValue,
  tokens: string[],
  op: string,
  path: string,
): { parent: JsonObject | JsonValue[]; key: string } {
  let node: JsonValue = doc;
  for (const token of tokens.slice(0, -1)) {
    const next: JsonValue | undefined = Array.isArray(node)
      ? node[Number(token)]
      : isObject(node)
        ? node[token]
        : undefined;
    if (next === undefined || next === null || typeof next !== 'object') {
      throw patchFailure(`${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}: missing value`);
    }
    node = next;
  }
  if (typeof node !== 'object' || node === null)
    throw patchFailure(`${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}`);
  return { parent: node, key: tokens[tokens.length - 1] };
}

function read(doc: JsonValue, path: string, op: string): JsonValue {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return doc;
  const { parent, key } = locate(doc, tokens, op, path);
  const value = Array.isArray(parent) ? parent[Number(key)] : parent[key];
  if (value === undefined)
    throw patchFailure(`${op} operation does not apply: doc is missing key: ${path}: missing value`);
  return value;
}

function removeAt(doc: JsonValue, path: string, op: string): JsonValue {
  const { parent, key } = locate(doc, parsePointer(path), op, path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!(i >= 0 && i < parent.length))
      throw patchFailure(`${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}: missing value`);
    return parent.splice(i, 1)[0];
  }
  const value = parent[key];
  if (value === undefined)
    throw patchFailure(`${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}: missing value`);
  delete parent[key];
  return value;
}

function addAt(doc: JsonValue, path: string, value: JsonValue, op: string): JsonValue {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const { parent, key } = locate(doc, tokens, op, path);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!(i >= 0 && i <= parent.length))
      throw patchFailure(`${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}: invalid index`);
    parent.splice(i, 0, value);
  } else parent[key] = value;
  return doc;
}

/** RFC 6902 JSON patch. */
export function jsonPatch(target: JsonValue, patch: JsonValue): JsonValue {
  if (!Array.isArray(patch))
    throw errors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = clone(target);
  for (const raw of patch) {
    const op = (isObject(raw) ? raw : {}) as unknown as Operation;
    switch (op.op) {
      case 'add':
        doc = addAt(doc, op.path, clone(op.value ?? null), 'add');
        break;
      case 'remove':
        removeAt(doc, op.path, 'remove');
        break;
      case 'replace':
        if (parsePointer(op.path).length === 0) doc = clone(op.value ?? null);
        else {
          read(doc, op.path, 'replace');
          removeAt(doc, op.path, 'replace');
          doc = addAt(doc, op.path, clone(op.value ?? null), 'replace');
        }
        break;
      case 'move': {
        const value = removeAt(doc, op.from ?? '', 'move');
        doc = addAt(doc, op.path, value, 'move');
        break;
      }
      case 'copy':
        doc = addAt(doc, op.path, clone(read(doc, op.from ?? '', 'copy')), 'copy');
        break;
      case 'test':
        if (JSON.stringify(read(doc, op.path, 'test')) !== JSON.stringify(op.value))
          throw patchFailure(`testing value ${op.path} failed: test failed`);
        break;
      default:
        throw patchFailure(`Unexpected kind: ${String(op.op)}`);
    }
  }
  return doc;
}
