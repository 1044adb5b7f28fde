import type { JsonObject } from './types.js';

/** A metav1.Status failure, shaped exactly as kube-apiserver serialises it. */
export interface StatusBody extends JsonObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: JsonObject;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: JsonObject;
  code: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: StatusBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(status.message);
  }
}

/** A field.Error from k8s.io/apimachinery: `field: <type>: detail`. */
export interface FieldError {
  type:
    'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden' | 'FieldValueTooLong' | 'FieldValueNotSupported';
  field: string;
  detail: string;
  value?: unknown;
}

export interface Target {
  resource: string;
  group: string;
  name?: string;
}

/** `secrets` or `deployments.apps`: how the server names a GroupResource in messages. */
export function qualified(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

function failure(code: number, reason: string, message: string, details?: JsonObject): ApiError {
  const status: StatusBody = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (details) status.details = details;
  return new ApiError(status);
}

function targetDetails(t: Target): JsonObject {
  const details: JsonObject = {};
  if (t.name !== undefined) details.name = t.name;
  if (t.group) details.group = t.group;
  details.kind = t.resource;
  return details;
}

export const errors = {
  notFound: (t: Target) =>
    failure(404, 'NotFound', `${qualified(t.resource, t.group)} "${t.name}" not found`, targetDetails(t)),
  alreadyExists: (t: Target) =>
    failure(409, 'AlreadyExists', `${qualified(t.resource, t.group)} "${t.name}" already exists`, targetDetails(t)),
  conflict: (
    t: Target,
    why = 'the object has been modified; please apply your changes to the latest version and try again',
  ) =>
    failure(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(t.resource, t.group)} "${t.name}": ${why}`,
      targetDetails(t),
    ),
  invalid: (kind: string, group: string, name: string, causes: FieldError[]) => {
    const texts = causes.map(fieldErrorText);
    const joined = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
    const details: JsonObject = { name };
    if (group) details.group = group;
    details.kind = kind;
    details.causes = causes.map((c) => ({ reason: c.type, message: fieldErrorBody(c), field: c.field }));
    return failure(422, 'Invalid', `${group ? `${kind}.${group}` : kind} "${name}" is invalid: ${joined}`, details);
  },
  forbidden: (t: Target, message: string) => failure(403, 'Forbidden', message, targetDetails(t)),
  forbiddenPlain: (message: string) => failure(403, 'Forbidden', message, {}),
  unauthorized: () => failure(401, 'Unauthorized', 'Unauthorized'),
  badRequest: (message: string) => failure(400, 'BadRequest', message),
  expired: (message: string) => failure(410, 'Expired', message),
  methodNotAllowed: () =>
    failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {}),
  internal: (message: string) =>
    failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] }),
  pathNotFound: () => failure(404, 'NotFound', 'the server could not find the requested resource', {}),
  unsupportedMediaType: (contentType: string) =>
    failure(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${contentType}`,
    ),
  tooLarge: () => failure(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'),
};

/** The reason the apiserver uses for a bare status code (fault injection answers with these). */
const reasonsByCode: Record<number, [string, string]> = {
  400: ['BadRequest', 'the server rejected our request for an unknown reason'],
  401: ['Unauthorized', 'Unauthorized'],
  403: ['Forbidden', 'forbidden'],
  404: ['NotFound', 'the server could not find the requested resource'],
  409: ['Conflict', 'the server reported a conflict'],
  410: ['Expired', 'the resource version is too old'],
  422: ['Invalid', 'the server rejected our request due to an error in our request'],
  429: ['TooManyRequests', 'Too many requests, please try again later.'],
  500: ['InternalError', 'Internal error occurred: injected fault'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: [
    'Timeout',
    'the server was unable to return a response in the time allotted, but may still be processing the request',
  ],
};

export function statusForCode(code: number, retryAfterSeconds?: number): ApiError {
  const [reason, message] = reasonsByCode[code] ?? ['', `the server responded with the status code ${code}`];
  const details: JsonObject | undefined = retryAfterSeconds !== undefined ? { retryAfterSeconds } : undefined;
  const error = failure(code, reason, message, details);
  if (retryAfterSeconds !== undefined) error.headers['Retry-After'] = String(retryAfterSeconds);
  return error;
}

const errorTypeText: Record<FieldError['type'], string> = {
  FieldValueInvalid: 'Invalid value',
  FieldValueRequired: 'Required value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueNotSupported: 'Unsupported value',
};

/** field.Error.ErrorBody(): values are printed for Invalid and NotSupported only. */
function fieldErrorBody(e: FieldError): string {
  const head = errorTypeText[e.type];
  if (e.type === 'FieldValueInvalid' || e.type === 'FieldValueNotSupported') {
    const value = typeof e.value === 'string' ? JSON.stringify(e.value) : String(e.value);
    return `${head}: ${value}: ${e.detail}`;
  }
  return e.detail ? `${head}: ${e.detail}` : head;
}

function fieldErrorText(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}
