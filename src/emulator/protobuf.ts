import { ApiError, errors } from './errors.js';
import { isObject, text, type JsonObject, type JsonValue } from './types.js';

/**
 * Decodes the Kubernetes protobuf envelope (`k8s\0` + runtime.Unknown) for the request bodies kubectl sends
 * as protobuf. Only the fields of the generated.proto messages listed here are read; others are skipped.
 */

type Scalar = 'string' | 'bytes' | 'int' | 'intPtr' | 'bool' | 'boolPtr' | 'time';
type FieldType = Scalar | 'strings' | 'map' | 'byteMap' | 'quantityMap' | Schema | [Schema];
interface Schema {
  [field: number]: [string, FieldType];
}

const ownerReference: Schema = {
  1: ['kind', 'string'],
  3: ['name', 'string'],
  4: ['uid', 'string'],
  5: ['apiVersion', 'string'],
  6: ['controller', 'boolPtr'],
  7: ['blockOwnerDeletion', 'boolPtr'],
};
const objectMeta: Schema = {
  1: ['name', 'string'],
  2: ['generateName', 'string'],
  3: ['namespace', 'string'],
  5: ['uid', 'string'],
  6: ['resourceVersion', 'string'],
  8: ['creationTimestamp', 'time'],
  11: ['labels', 'map'],
  12: ['annotations', 'map'],
  13: ['ownerReferences', [ownerReference]],
  14: ['finalizers', 'strings'],
};
const labelSelector: Schema = {
  1: ['matchLabels', 'map'],
  2: ['matchExpressions', [{ 1: ['key', 'string'], 2: ['operator', 'string'], 3: ['values', 'strings'] }]],
};
const containerPort: Schema = {
  1: ['name', 'string'],
  2: ['hostPort', 'int'],
  3: ['containerPort', 'int'],
  4: ['protocol', 'string'],
  5: ['hostIP', 'string'],
};
const envVar: Schema = { 1: ['name', 'string'], 2: ['value', 'string'] };
const container: Schema = {
  1: ['name', 'string'],
  2: ['image', 'string'],
  3: ['command', 'strings'],
  4: ['args', 'strings'],
  5: ['workingDir', 'string'],
  6: ['ports', [containerPort]],
  7: ['env', [envVar]],
  8: ['resources', { 1: ['limits', 'quantityMap'], 2: ['requests', 'quantityMap'] }],
  13: ['terminationMessagePath', 'string'],
  14: ['imagePullPolicy', 'string'],
  16: ['stdin', 'bool'],
  17: ['stdinOnce', 'bool'],
  18: ['tty', 'bool'],
  20: ['terminationMessagePolicy', 'string'],
};
const podSpec: Schema = {
  2: ['containers', [container]],
  3: ['restartPolicy', 'string'],
  4: ['terminationGracePeriodSeconds', 'intPtr'],
  6: ['dnsPolicy', 'string'],
  7: ['nodeSelector', 'map'],
  8: ['serviceAccountName', 'string'],
  16: ['hostname', 'string'],
  19: ['schedulerName', 'string'],
  20: ['initContainers', [container]],
};
const podTemplate: Schema = { 1: ['metadata', objectMeta], 2: ['spec', podSpec] };
const deploymentSpec: Schema = {
  1: ['replicas', 'intPtr'],
  2: ['selector', labelSelector],
  3: ['template', podTemplate],
  4: ['strategy', { 1: ['type', 'string'] }],
  5: ['minReadySeconds', 'int'],
  6: ['revisionHistoryLimit', 'intPtr'],
  7: ['paused', 'bool'],
  9: ['progressDeadlineSeconds', 'intPtr'],
};

/** Keyed by apiVersion/kind: the top-level messages kubectl's typed clients send. */
const KINDS: Record<string, Schema> = {
  'v1/Secret': {
    1: ['metadata', objectMeta],
    2: ['data', 'byteMap'],
    3: ['type', 'string'],
    4: ['stringData', 'map'],
    5: ['immutable', 'boolPtr'],
  },
  'v1/ConfigMap': {
    1: ['metadata', objectMeta],
    2: ['data', 'map'],
    3: ['binaryData', 'byteMap'],
    4: ['immutable', 'boolPtr'],
  },
  'v1/ServiceAccount': {
    1: ['metadata', objectMeta],
    2: ['secrets', [{ 1: ['kind', 'string'], 2: ['namespace', 'string'], 3: ['name', 'string'] }]],
    3: ['imagePullSecrets', [{ 1: ['name', 'string'] }]],
    4: ['automountServiceAccountToken', 'boolPtr'],
  },
  'v1/Namespace': { 1: ['metadata', objectMeta] },
  'apps/v1/Deployment': { 1: ['metadata', objectMeta], 2: ['spec', deploymentSpec] },
  'authentication.k8s.io/v1/TokenRequest': {
    1: ['metadata', objectMeta],
    2: [
      'spec',
      {
        1: ['audiences', 'strings'],
        3: [
          'boundObjectRef',
          { 1: ['kind', 'string'], 2: ['apiVersion', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'] },
        ],
        4: ['expirationSeconds', 'intPtr'],
      },
    ],
  },
  'authentication.k8s.io/v1/TokenReview': {
    1: ['metadata', objectMeta],
    2: ['spec', { 1: ['token', 'string'], 2: ['audiences', 'strings'] }],
  },
  'authentication.k8s.io/v1/SelfSubjectReview': { 1: ['metadata', objectMeta] },
  'authorization.k8s.io/v1/SelfSubjectAccessReview': {
    1: ['metadata', objectMeta],
    2: [
      'spec',
      {
        1: [
          'resourceAttributes',
          {
            1: ['namespace', 'string'],
            2: ['verb', 'string'],
            3: ['group', 'string'],
            4: ['version', 'string'],
            5: ['resource', 'string'],
            6: ['subresource', 'string'],
            7: ['name', 'string'],
          },
        ],
        2: ['nonResourceAttributes', { 1: ['path', 'string'], 2: ['verb', 'string'] }],
      },
    ],
  },
};

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const byte = this.buf[this.pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
  }
  bytes(): Buffer {
    const length = Number(this.varint());
    if (this.pos + length > this.buf.length) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
  }
}

function signed(value: bigint): number {
  return Number(BigInt.asIntN(64, value));
}

function mapEntry(buf: Buffer, valueType: 'string' | 'bytes' | 'quantity'): [string, string] {
  const r = new Reader(buf);
  let key = '';
  let value = '';
  while (!r.done) {
    const tag = Number(r.varint());
    const raw = r.bytes();
    if (tag >> 3 === 1) key = raw.toString('utf8');
    else if (valueType === 'quantity') value = text(decode(raw, { 1: ['string', 'string'] }).string);
    else value = valueType === 'bytes' ? raw.toString('base64') : raw.toString('utf8');
  }
  return [key, value];
}

/** Zero values of non-pointer fields are dropped, as `omitempty` drops them from JSON. */
function decode(buf: Buffer, schema: Schema): JsonObject {
  const out: JsonObject = {};
  const r = new Reader(buf);
  while (!r.done) {
    const tag = Number(r.varint());
    const field = schema[tag >> 3];
    if (!field) {
      r.skip(tag & 7);
      continue;
    }
    const [name, type] = field;
    if (type === 'int' || type === 'intPtr' || type === 'bool' || type === 'boolPtr') {
      const raw = r.varint();
      const value = type.startsWith('bool') ? raw !== 0n : signed(raw);
      if (type.endsWith('Ptr') || value) out[name] = value;
      continue;
    }
    const raw = r.bytes();
    if (type === 'time') {
      // metav1.Time: an unset time is an empty message and null in JSON.
      const seconds = Number(decode(raw, { 1: ['seconds', 'int'] }).seconds ?? 0);
      out[name] = seconds ? new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z') : null;
    } else if (type === 'string' || type === 'bytes') {
      const value = type === 'bytes' ? raw.toString('base64') : raw.toString('utf8');
      if (value) out[name] = value;
    } else if (type === 'strings') {
      out[name] = [...((out[name] as JsonValue[] | undefined) ?? []), raw.toString('utf8')];
    } else if (type === 'map' || type === 'byteMap' || type === 'quantityMap') {
      const [k, v] = mapEntry(raw, type === 'map' ? 'string' : type === 'byteMap' ? 'bytes' : 'quantity');
      const entries = out[name];
      out[name] = { ...(isObject(entries) ? entries : {}), [k]: v };
    } else if (Array.isArray(type)) {
      out[name] = [...((out[name] as JsonValue[] | undefined) ?? []), decode(raw, type[0])];
    } else {
      out[name] = decode(raw, type);
    }
  }
  return out;
}

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Turns a protobuf request body into the JSON object it stands for. */
export function decodeProtobuf(body: Buffer): JsonObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC))
    throw errors.badRequest('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  try {
    const unknown = decode(body.subarray(4), {
      1: ['typeMeta', { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] }],
      2: ['raw', 'bytes'],
    });
    const typeMeta = (unknown.typeMeta ?? {}) as JsonObject;
    const apiVersion = text(typeMeta.apiVersion);
    const kind = text(typeMeta.kind);
    const schema = KINDS[`${apiVersion}/${kind}`];
    if (!schema) throw errors.unsupportedMediaType('application/json, application/yaml');
    const object = decode(Buffer.from(text(unknown.raw), 'base64'), schema);
    return { kind, apiVersion, ...object };
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw errors.badRequest(`unable to decode protobuf body: ${(err as Error).message}`);
  }
}
