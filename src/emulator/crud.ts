import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { errors, type Target } from './errors.js';
import { mediaType, parseJson, readBody, readObject } from './http.js';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.js';
import { type ResourceDef, apiVersionOf, resourceId, validateObject } from './resources.js';
import { objectKey, type Store } from './store.js';
import type { JsonObject, JsonValue, KObject } from './types.js';
import { text } from './types.js';
import { clone, isObject, omit } from './types.js';
import { base64Problem } from './validation.js';

export interface Reply {
  code: number;
  body: unknown;
}

export interface ItemRequest {
  def: ResourceDef;
  namespace: string;
  name: string;
  query: URLSearchParams;
  req: IncomingMessage;
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

export function target(def: ResourceDef, name?: string): Target {
  return { resource: def.plural, group: def.group, name };
}

const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

/** `fieldValidation=Strict` (kubectl's default): unknown top-level or metadata fields are a 400, as the strict decoder answers. */
function checkFields(def: ResourceDef, body: JsonObject, query: URLSearchParams): void {
  if (query.get('fieldValidation') !== 'Strict') return;
  const known = new Set(['apiVersion', 'kind', 'metadata', ...def.fields]);
  const unknown = Object.keys(body).filter((k) => !known.has(k));
  if (isObject(body.metadata))
    unknown.push(
      ...Object.keys(body.metadata)
        .filter((k) => !OBJECT_META_FIELDS.has(k))
        .map((k) => `metadata.${k}`),
    );
  if (unknown.length > 0)
    throw errors.badRequest(`strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
}

/** Turns a decoded body into a typed object, rejecting what the real decoder rejects (e.g. bad base64 in Secret data). */
function toObject(def: ResourceDef, body: JsonObject, query: URLSearchParams): KObject {
  checkFields(def, body, query);
  const obj = { ...clone(body), apiVersion: apiVersionOf(def), kind: def.kind } as KObject;
  obj.metadata = isObject(body.metadata) ? clone(body.metadata) : {};
  for (const field of def.stringMaps ?? []) checkMap(def.kind, field, body[field], 'string');
  for (const field of def.byteMaps ?? []) checkMap(def.kind, field, body[field], '[]uint8');
  return obj;
}

/** What encoding/json says when a map of strings or of bytes holds something else. */
function checkMap(kind: string, field: string, map: JsonValue | undefined, valueType: 'string' | '[]uint8'): void {
  if (map === undefined || map === null) return;
  const cannot = `${kind} in version "v1" cannot be handled as a ${kind}:`;
  const target = `Go struct field ${kind}.${field} of type`;
  if (!isObject(map))
    throw errors.badRequest(`${cannot} json: cannot unmarshal ${jsonType(map)} into ${target} map[string]${valueType}`);
  for (const value of Object.values(map)) {
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string')
      throw errors.badRequest(`${cannot} json: cannot unmarshal ${jsonType(value)} into ${target} ${valueType}`);
    const problem = valueType === '[]uint8' ? base64Problem(value) : undefined;
    if (problem) throw errors.badRequest(`${cannot} ${problem}`);
  }
}

/** The JSON type names encoding/json uses in its errors. */
function jsonType(value: JsonValue): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

/** Drops what clients may not set, as the registry strategies' PrepareForCreate/Update do. */
function stripServerFields(obj: KObject): void {
  delete obj.metadata.managedFields;
  delete obj.metadata.selfLink;
  delete obj.metadata.deletionTimestamp;
  delete obj.metadata.deletionGracePeriodSeconds;
}

export class Crud {
  constructor(private readonly store: Store) {}

  private key(def: ResourceDef, namespace: string, name: string): string {
    return objectKey(def.namespaced ? namespace : undefined, name);
  }

  get(r: ItemRequest): KObject {
    const found = this.store.get(resourceId(r.def), this.key(r.def, r.namespace, r.name));
    if (!found) throw errors.notFound(target(r.def, r.name));
    return found;
  }

  requireNamespace(namespace: string): void {
    if (!this.store.get('namespaces', namespace))
      throw errors.notFound({ resource: 'namespaces', group: '', name: namespace });
  }

  async create(r: Omit<ItemRequest, 'name'>): Promise<Reply> {
    const def = r.def;
    const obj = toObject(def, await readObject(r.req), r.query);
    const meta = obj.metadata;
    if (def.namespaced) {
      if (meta.namespace && meta.namespace !== r.namespace)
        throw errors.badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      meta.namespace = r.namespace;
    }
    if (meta.resourceVersion) throw errors.badRequest('resourceVersion should not be set on objects to be created');
    if (!meta.name && meta.generateName) {
      meta.name =
        meta.generateName +
        Array.from({ length: 5 }, () => GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)]).join(
          '',
        );
    }
    stripServerFields(obj);
    delete obj.status;
    def.prepare?.(obj);
    const problems = validateObject(def, obj);
    if (problems.length > 0) throw errors.invalid(def.kind, def.group, meta.name ?? '', problems);
    if (def.namespaced) this.requireNamespace(r.namespace);
    const key = this.key(def, r.namespace, meta.name ?? '');
    if (this.store.get(resourceId(def), key)) throw errors.alreadyExists(target(def, meta.name));
    meta.uid = randomUUID();
    meta.creationTimestamp = now();
    def.finish?.(obj);
    if (r.query.get('dryRun') === 'All') return { code: 201, body: obj };
    return { code: 201, body: this.store.put(resourceId(def), key, obj) };
  }

  async replace(r: ItemRequest): Promise<Reply> {
    const next = toObject(r.def, await readObject(r.req), r.query);
    if (next.metadata.name && next.metadata.name !== r.name) {
      throw errors.badRequest(
        `the name of the object (${next.metadata.name}) does not match the name on the URL (${r.name})`,
      );
    }
    if (r.def.namespaced && next.metadata.namespace && next.metadata.namespace !== r.namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    return this.write(r, this.get(r), next);
  }

  async patch(r: ItemRequest): Promise<Reply> {
    const type = mediaType(r.req);
    const body = await readBody(r.req);
    const old = this.get(r);
    const patch = parseJson(body);
    let patched: JsonValue;
    if (type === 'application/merge-patch+json') patched = mergePatch(old, patch);
    else if (type === 'application/strategic-merge-patch+json') patched = strategicMergePatch(old, patch);
    else if (type === 'application/json-patch+json') patched = jsonPatch(old, patch);
    else {
      throw errors.unsupportedMediaType(
        'application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json',
      );
    }
    if (!isObject(patched)) throw errors.badRequest('the patch did not produce an object');
    const next = toObject(r.def, patched, r.query);
    if (next.metadata.name !== r.name)
      throw errors.badRequest(
        `the name of the object (${String(next.metadata.name)}) does not match the name on the URL (${r.name})`,
      );
    return this.write(r, old, next);
  }

  /** The update path shared by PUT and PATCH: concurrency check, server fields, defaulting, validation, no-op detection. */
  private write(r: ItemRequest, old: KObject, next: KObject): Reply {
    const def = r.def;
    if (next.metadata.resourceVersion && next.metadata.resourceVersion !== old.metadata.resourceVersion) {
      throw errors.conflict(target(def, r.name));
    }
    stripServerFields(next);
    next.metadata.name = r.name;
    if (def.namespaced) next.metadata.namespace = r.namespace;
    next.metadata.uid = old.metadata.uid;
    next.metadata.creationTimestamp = old.metadata.creationTimestamp;
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    if (old.status !== undefined) next.status = clone(old.status);
    def.prepare?.(next, old);
    const problems = validateObject(def, next, old);
    if (problems.length > 0) throw errors.invalid(def.kind, def.group, r.name, problems);
    def.finish?.(next, old);
    if (JSON.stringify(withoutStatus(next)) === JSON.stringify(withoutStatus(old))) return { code: 200, body: old };
    if (r.query.get('dryRun') === 'All') return { code: 200, body: next };
    return { code: 200, body: this.store.put(resourceId(def), this.key(def, r.namespace, r.name), next) };
  }

  async delete(r: ItemRequest): Promise<Reply> {
    const body = await readBody(r.req);
    return this.remove(r, body.length > 0 ? parseJson(body) : {});
  }

  /** DELETE with DeleteOptions preconditions; the reply is a Success Status (a Terminating namespace for namespaces). */
  remove(r: ItemRequest, options: JsonValue): Reply {
    const def = r.def;
    const existing = this.get(r);
    const preconditions = isObject(options) && isObject(options.preconditions) ? options.preconditions : {};
    if (preconditions.uid && preconditions.uid !== existing.metadata.uid) {
      throw errors.conflict(
        target(def, r.name),
        `Precondition failed: UID in precondition: ${text(preconditions.uid)}, UID in object meta: ${existing.metadata.uid}`,
      );
    }
    if (preconditions.resourceVersion && preconditions.resourceVersion !== existing.metadata.resourceVersion) {
      throw errors.conflict(
        target(def, r.name),
        `Precondition failed: ResourceVersion in precondition: ${text(preconditions.resourceVersion)}, ResourceVersion in object meta: ${existing.metadata.resourceVersion}`,
      );
    }
    if (r.query.get('dryRun') === 'All') return { code: 200, body: existing };
    if (def.plural === 'namespaces') {
      // Namespace finalization is instant here: its content goes first, then the namespace.
      for (const [resource, key] of this.store.namespacedKeys(r.name)) this.store.remove(resource, key);
      const removed = this.store.remove('namespaces', r.name);
      return { code: 200, body: { ...removed, status: { phase: 'Terminating' } } };
    }
    const removed = this.store.remove(resourceId(def), this.key(def, r.namespace, r.name));
    const details: JsonObject = { name: r.name };
    if (def.group) details.group = def.group;
    details.kind = def.plural;
    details.uid = removed?.metadata.uid;
    return { code: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details } };
  }
}

function withoutStatus(obj: KObject): Omit<KObject, 'status'> {
  return omit(obj, 'status');
}
