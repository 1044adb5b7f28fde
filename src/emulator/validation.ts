import type { FieldError } from './errors.js';
import type { KObject } from './types.js';
import { text } from './types.js';
import { isObject } from './types.js';

const dns1123Label = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123Subdomain = `${dns1123Label}(\\.${dns1123Label})*`;
const subdomainRe = new RegExp(`^${dns1123Subdomain}$`);
const labelRe = new RegExp(`^${dns1123Label}$`);
const configKeyRe = /^[-._a-zA-Z0-9]+$/;
const qualifiedNamePart = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const qualifiedNameRe = new RegExp(`^${qualifiedNamePart}$`);
const labelValueRe = new RegExp(`^(${qualifiedNamePart})?$`);

/** The message texts are copied from k8s.io/apimachinery/pkg/util/validation. */
const msg = {
  subdomain:
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  label:
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  configKey:
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
  qualifiedName:
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
  labelValue:
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
};

export type NameRule = 'subdomain' | 'label';

export function nameProblems(name: string, rule: NameRule): string[] {
  const problems: string[] = [];
  const max = rule === 'label' ? 63 : 253;
  if (name.length > max) problems.push(`must be no more than ${max} characters`);
  if (!(rule === 'label' ? labelRe : subdomainRe).test(name)) problems.push(msg[rule]);
  return problems;
}

export const MAX_SECRET_SIZE = 1024 * 1024;

/** ValidateObjectMeta: the name (by the resource's rule), labels and annotations. */
export function validateMeta(obj: KObject, rule: NameRule, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const meta = obj.metadata;
  if (!meta.name) {
    errs.push({ type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' });
  } else {
    for (const p of nameProblems(meta.name, rule))
      errs.push({ type: 'FieldValueInvalid', field: 'metadata.name', value: meta.name, detail: p });
  }
  if (!namespaced && meta.namespace) {
    errs.push({ type: 'FieldValueForbidden', field: 'metadata.namespace', detail: 'not allowed on this type' });
  }
  for (const [key, value] of Object.entries(meta.labels ?? {})) {
    errs.push(...qualifiedNameErrors(key, 'metadata.labels'));
    if (typeof value !== 'string' || value.length > 63 || !labelValueRe.test(value)) {
      errs.push({
        type: 'FieldValueInvalid',
        field: 'metadata.labels',
        value,
        detail: value.length > 63 ? 'must be no more than 63 characters' : msg.labelValue,
      });
    }
  }
  for (const key of Object.keys(meta.annotations ?? {})) {
    errs.push(...qualifiedNameErrors(key.toLowerCase(), 'metadata.annotations'));
  }
  return errs;
}

function qualifiedNameErrors(key: string, field: string): FieldError[] {
  const slash = key.lastIndexOf('/');
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const errs: FieldError[] = [];
  if (name.length === 0 || name.length > 63 || !qualifiedNameRe.test(name)) {
    errs.push({
      type: 'FieldValueInvalid',
      field,
      value: key,
      detail: name.length > 63 ? 'name part must be no more than 63 characters' : msg.qualifiedName,
    });
  }
  if (prefix !== undefined && nameProblems(prefix, 'subdomain').length > 0) {
    errs.push({ type: 'FieldValueInvalid', field, value: key, detail: `prefix part ${msg.subdomain}` });
  }
  return errs;
}

function configKeyProblems(key: string): string[] {
  const problems: string[] = [];
  if (key.length > 253) problems.push('must be no more than 253 characters');
  if (!configKeyRe.test(key)) problems.push(msg.configKey);
  if (key === '.') problems.push("must not be '.'");
  else if (key === '..') problems.push("must not be '..'");
  else if (key.startsWith('..')) problems.push("must not start with '..'");
  return problems;
}

/** ValidateSecret: keys, total size, and the per-type required keys. `data` holds base64 text. */
export function validateSecret(secret: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = isObject(secret.data) ? secret.data : {};
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const p of configKeyProblems(key))
      errs.push({ type: 'FieldValueInvalid', field: `data[${key}]`, value: key, detail: p });
    total += Buffer.byteLength(text(value), 'base64');
  }
  if (total > MAX_SECRET_SIZE) {
    errs.push({ type: 'FieldValueTooLong', field: 'data', detail: `may not be more than ${MAX_SECRET_SIZE} bytes` });
  }
  const required: Record<string, string[]> = {
    'kubernetes.io/tls': ['tls.crt', 'tls.key'],
    'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
    'kubernetes.io/dockercfg': ['.dockercfg'],
    'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  };
  for (const key of required[text(secret.type)] ?? []) {
    if (!(key in data)) errs.push({ type: 'FieldValueRequired', field: `data[${key}]`, detail: '' });
  }
  return errs;
}

export function validateSecretUpdate(next: KObject, old: KObject): FieldError[] {
  const errs = immutableContent(next, old, ['data']);
  if (next.type !== old.type)
    errs.push({ type: 'FieldValueInvalid', field: 'type', value: next.type, detail: 'field is immutable' });
  return errs;
}

/** ValidateConfigMap: keys of both bags, no key in both, and 1 MiB over string and binary values together. */
export function validateConfigMap(configMap: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = isObject(configMap.data) ? configMap.data : {};
  const binaryData = isObject(configMap.binaryData) ? configMap.binaryData : {};
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const p of configKeyProblems(key))
      errs.push({ type: 'FieldValueInvalid', field: `data[${key}]`, value: key, detail: p });
    if (key in binaryData)
      errs.push({
        type: 'FieldValueInvalid',
        field: `data[${key}]`,
        value: key,
        detail: 'duplicate of key present in binaryData',
      });
    total += Buffer.byteLength(text(value), 'utf8');
  }
  for (const [key, value] of Object.entries(binaryData)) {
    for (const p of configKeyProblems(key))
      errs.push({ type: 'FieldValueInvalid', field: `binaryData[${key}]`, value: key, detail: p });
    total += Buffer.byteLength(text(value), 'base64');
  }
  // The real validator names no field here: the error is about the whole object.
  if (total > MAX_SECRET_SIZE)
    errs.push({ type: 'FieldValueTooLong', field: '', detail: `may not be more than ${MAX_SECRET_SIZE} bytes` });
  return errs;
}

export function validateConfigMapUpdate(next: KObject, old: KObject): FieldError[] {
  return immutableContent(next, old, ['data', 'binaryData']);
}

/** Once `immutable` is set it stays set, and the content fields keep their values. */
function immutableContent(next: KObject, old: KObject, fields: string[]): FieldError[] {
  const errs: FieldError[] = [];
  if (old.immutable !== true) return errs;
  if (next.immutable !== true)
    errs.push({
      type: 'FieldValueForbidden',
      field: 'immutable',
      detail: 'field is immutable when `immutable` is set',
    });
  for (const field of fields) {
    if (JSON.stringify(sortKeys(next[field])) !== JSON.stringify(sortKeys(old[field]))) {
      errs.push({ type: 'FieldValueForbidden', field, detail: 'field is immutable when `immutable` is set' });
    }
  }
  return errs;
}

function sortKeys(value: unknown): unknown {
  if (!isObject(value)) return value ?? {};
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Go's base64.StdEncoding as used by encoding/json for []byte: padded, CR/LF ignored. */
export function base64Problem(text: string): string | undefined {
  const clean = text.replace(/[\r\n]/g, '');
  const bad = clean.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) return `illegal base64 data at input byte ${bad}`;
  const pad = clean.indexOf('=');
  if (pad < 0)
    return clean.length % 4 === 0
      ? undefined
      : `illegal base64 data at input byte ${clean.length - (clean.length % 4)}`;
  // Padding may only close the quantum it is in, and nothing may follow that quantum.
  const end = Math.floor(pad / 4) * 4 + 4;
  if (!/^[A-Za-z0-9+/]{2}(==|[A-Za-z0-9+/]=)$/.test(clean.slice(end - 4, end))) {
    return `illegal base64 data at input byte ${Math.min(end - 1, clean.length)}`;
  }
  return end < clean.length ? `illegal base64 data at input byte ${end}` : undefined;
}
