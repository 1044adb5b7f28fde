import type { FieldError } from './errors.js';
import type { JsonValue, KObject } from './types.js';
import { text } from './types.js';
import { isObject } from './types.js';
import type { NameRule } from './validation.js';
import {
  validateConfigMap,
  validateConfigMapUpdate,
  validateMeta,
  validateSecret,
  validateSecretUpdate,
} from './validation.js';
import { completedStatus, defaultWorkload, nextGeneration, validateWorkload } from './workloads.js';

export interface Column {
  name: string;
  type: 'string' | 'integer';
  priority?: number;
  cell: (obj: KObject) => string | number;
}

/** A stored resource: what discovery advertises and how its objects are defaulted and validated. */
export interface ResourceDef {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  nameRule: NameRule;
  fieldSelectors?: Record<string, (obj: KObject) => string>;
  /** Top-level fields of the kind, for `fieldValidation=Strict`. */
  fields: string[];
  /** Fields holding a map of strings (`map[string]string`) or of base64 bytes (`map[string][]byte`), typed as the decoder types them. */
  stringMaps?: string[];
  byteMaps?: string[];
  /** Defaulting and normalisation, run on create and on every update before validation. */
  prepare?: (obj: KObject, old?: KObject) => void;
  validate?: (obj: KObject, old?: KObject) => FieldError[];
  /** Server-owned fields, recomputed after every write. */
  finish?: (obj: KObject, old?: KObject) => void;
  columns: Column[];
}

export const STORED_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function apiVersionOf(def: { group: string; version: string }): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

export function resourceId(def: { group: string; plural: string }): string {
  return def.group ? `${def.plural}.${def.group}` : def.plural;
}

const name: Column = { name: 'Name', type: 'string', cell: (o) => o.metadata.name ?? '' };
const age: Column = { name: 'Age', type: 'string', cell: (o) => humanAge(o.metadata.creationTimestamp) };

function spec(o: KObject): Record<string, JsonValue | undefined> {
  return isObject(o.spec) ? o.spec : {};
}

function status(o: KObject): Record<string, JsonValue | undefined> {
  return isObject(o.status) ? o.status : {};
}

function num(value: JsonValue | undefined): number {
  return typeof value === 'number' ? value : 0;
}

function keyCount(value: JsonValue | undefined): number {
  return isObject(value) ? Object.keys(value).length : 0;
}

function workload(kind: string, plural: string, shortNames: string[], columns: Column[]): ResourceDef {
  return {
    group: 'apps',
    version: 'v1',
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced: true,
    shortNames,
    categories: ['all'],
    nameRule: 'subdomain',
    fields: ['spec', 'status'],
    prepare: (o, old) => {
      defaultWorkload(kind, o);
      o.metadata.generation = nextGeneration(o, old);
    },
    validate: (o, old) => validateWorkload(o, old),
    finish: (o) => {
      o.status = completedStatus(kind, o);
    },
    columns: [name, ...columns, age],
  };
}

export const RESOURCES: ResourceDef[] = [
  {
    group: '',
    version: 'v1',
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    nameRule: 'label',
    fields: ['spec', 'status'],
    fieldSelectors: { 'status.phase': (o) => text(status(o).phase) },
    prepare: (o) => {
      o.metadata.labels = { ...o.metadata.labels, 'kubernetes.io/metadata.name': o.metadata.name ?? '' };
      o.spec = { finalizers: ['kubernetes'] };
      o.status = { phase: 'Active' };
    },
    columns: [name, { name: 'Status', type: 'string', cell: (o) => text(status(o).phase) }, age],
  },
  {
    group: '',
    version: 'v1',
    plural: 'secrets',
    singular: 'secret',
    kind: 'Secret',
    namespaced: true,
    nameRule: 'subdomain',
    fields: ['data', 'stringData', 'type', 'immutable'],
    byteMaps: ['data'],
    fieldSelectors: { type: (o) => text(o.type) },
    prepare: (o) => {
      // stringData is write-only: the real server folds it into data (base64) and never returns it.
      if (isObject(o.stringData)) {
        const data = isObject(o.data) ? o.data : {};
        for (const [k, v] of Object.entries(o.stringData)) data[k] = Buffer.from(text(v), 'utf8').toString('base64');
        o.data = data;
      }
      delete o.stringData;
      if (isObject(o.data) && Object.keys(o.data).length === 0) delete o.data;
      if (!o.type) o.type = 'Opaque';
    },
    validate: (o, old) => [...validateSecret(o), ...(old ? validateSecretUpdate(o, old) : [])],
    columns: [
      name,
      { name: 'Type', type: 'string', cell: (o) => text(o.type) },
      { name: 'Data', type: 'integer', cell: (o) => keyCount(o.data) },
      age,
    ],
  },
  {
    group: '',
    version: 'v1',
    plural: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    namespaced: true,
    shortNames: ['cm'],
    nameRule: 'subdomain',
    fields: ['data', 'binaryData', 'immutable'],
    stringMaps: ['data'],
    byteMaps: ['binaryData'],
    prepare: (o) => {
      // Empty maps are omitted on the wire (omitempty), so they are not stored either.
      for (const field of ['data', 'binaryData']) if (isObject(o[field]) && keyCount(o[field]) === 0) delete o[field];
    },
    validate: (o, old) => [...validateConfigMap(o), ...(old ? validateConfigMapUpdate(o, old) : [])],
    columns: [name, { name: 'Data', type: 'integer', cell: (o) => keyCount(o.data) + keyCount(o.binaryData) }, age],
  },
  {
    group: '',
    version: 'v1',
    plural: 'serviceaccounts',
    singular: 'serviceaccount',
    kind: 'ServiceAccount',
    namespaced: true,
    shortNames: ['sa'],
    nameRule: 'subdomain',
    fields: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
    columns: [
      name,
      { name: 'Secrets', type: 'integer', cell: (o) => (Array.isArray(o.secrets) ? o.secrets.length : 0) },
      age,
    ],
  },
  workload(
    'Deployment',
    'deployments',
    ['deploy'],
    [
      { name: 'Ready', type: 'string', cell: (o) => `${num(status(o).readyReplicas)}/${num(spec(o).replicas)}` },
      { name: 'Up-to-date', type: 'integer', cell: (o) => num(status(o).updatedReplicas) },
      { name: 'Available', type: 'integer', cell: (o) => num(status(o).availableReplicas) },
    ],
  ),
  workload(
    'StatefulSet',
    'statefulsets',
    ['sts'],
    [{ name: 'Ready', type: 'string', cell: (o) => `${num(status(o).readyReplicas)}/${num(spec(o).replicas)}` }],
  ),
  workload(
    'DaemonSet',
    'daemonsets',
    ['ds'],
    [
      { name: 'Desired', type: 'integer', cell: (o) => num(status(o).desiredNumberScheduled) },
      { name: 'Current', type: 'integer', cell: (o) => num(status(o).currentNumberScheduled) },
      { name: 'Ready', type: 'integer', cell: (o) => num(status(o).numberReady) },
      { name: 'Up-to-date', type: 'integer', cell: (o) => num(status(o).updatedNumberScheduled) },
      { name: 'Available', type: 'integer', cell: (o) => num(status(o).numberAvailable) },
    ],
  ),
];

export function validateObject(def: ResourceDef, obj: KObject, old?: KObject): FieldError[] {
  return [...validateMeta(obj, def.nameRule, def.namespaced), ...(def.validate?.(obj, old) ?? [])];
}

/** duration.HumanDuration from k8s.io/apimachinery, as kubectl shows ages. */
export function humanAge(timestamp: string | null | undefined, now = Date.now()): string {
  if (!timestamp) return '<unknown>';
  const seconds = Math.floor((now - Date.parse(timestamp)) / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (days < 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (years < 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}
