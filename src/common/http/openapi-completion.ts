import type { INestApplication } from '@nestjs/common';
import { HEADERS_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import type { HeaderObject, OpenAPIObject, OperationObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { REQUEST_BODY_EXAMPLE } from './api-route.decorator.js';
import { SENDS_VERSION_ETAG } from './version-etag.js';

/** The operation id of a controller method, as the document names it (`Secrets_request`). */
export function operationIdOf(controllerKey: string, methodKey: string): string {
  return `${controllerKey.replace(/Controller$/, '')}_${methodKey}`;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const SCHEMA_REF = '#/components/schemas/';

const HEADER_REF = '#/components/headers/';

/** The response headers, declared once under components.headers and referenced by each response. */
const HEADERS: Record<string, HeaderObject> = {
  'X-Request-Id': {
    description: 'The request id (an incoming X-Request-Id is echoed), also in the log and the audit trail',
    required: true,
    schema: { type: 'string' },
  },
  'WWW-Authenticate': {
    description: 'How to authenticate: a bearer token',
    required: true,
    schema: { type: 'string', example: 'Bearer error="invalid_token"' },
  },
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', example: 12 } },
  ETag: {
    description: 'The version as an entity tag (`"3"`); If-Match takes it back as it is',
    schema: { type: 'string', example: '"3"' },
  },
  'Cache-Control': {
    description: 'Never to be stored: the answer carries values, a token or live state',
    required: true,
    schema: { type: 'string', enum: ['no-store'] },
  },
};

/** What a handler's decorators say beyond the document: headers it sends, its body's example. */
interface HandlerFacts {
  readonly cacheControl: string | undefined;
  readonly etag: boolean;
  readonly requestExample: object | undefined;
}

/**
 * Completes what the decorators leave out of the document, for every route, so routes added
 * later are covered: each response lists the headers it is sent with, request bodies carry the
 * example their route gives, and are written out in place (see inlineRequestBodies).
 */
export function completeOpenApiDocument(app: INestApplication, document: OpenAPIObject): OpenAPIObject {
  const handlers = handlerFacts(app);
  document.components = { ...document.components, headers: { ...document.components?.headers, ...HEADERS } };
  for (const [operation] of operationsOf(document)) {
    const handler = handlers.get(operation.operationId ?? '');
    const body = operation.requestBody;
    const json = body && 'content' in body ? body.content['application/json'] : undefined;
    if (json && handler?.requestExample) json.example = handler.requestExample;
    for (const [status, response] of Object.entries(operation.responses)) {
      if (!response || '$ref' in response) continue;
      response.headers = { ...response.headers, ...headersOf(Number(status), handler) };
    }
  }
  return inlineRequestBodies(document);
}

function headersOf(status: number, handler: HandlerFacts | undefined): Record<string, ReferenceObject> {
  // 431 is answered by the HTTP server itself, before any hook could add a header.
  if (status === 431) return {};
  const names = ['X-Request-Id'];
  if (status === 401) names.push('WWW-Authenticate');
  if (status === 429 || status === 503) names.push('Retry-After');
  if (status < 300 && handler?.etag) names.push('ETag');
  if (status < 300 && handler?.cacheControl === 'no-store') names.push('Cache-Control');
  return Object.fromEntries(names.map((name) => [name, { $ref: `${HEADER_REF}${name}` }]));
}

function* operationsOf(document: OpenAPIObject): Generator<[OperationObject, string, string]> {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) yield [operation, path, method];
    }
  }
}

function handlerFacts(app: INestApplication): Map<string, HandlerFacts> {
  const found = new Map<string, HandlerFacts>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (typeof metatype !== 'function') continue;
      const prototype = metatype.prototype as Record<string, unknown>;
      for (const method of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[method];
        if (method === 'constructor' || typeof handler !== 'function') continue;
        const headers = (Reflect.getMetadata(HEADERS_METADATA, handler) ?? []) as { name: string; value: string }[];
        found.set(operationIdOf(metatype.name, method), {
          cacheControl: headers.find((header) => header.name.toLowerCase() === 'cache-control')?.value,
          etag: Reflect.getMetadata(SENDS_VERSION_ETAG, handler) === true,
          requestExample: Reflect.getMetadata(REQUEST_BODY_EXAMPLE, handler) as object | undefined,
        });
      }
    }
  }
  return found;
}

/**
 * Request body schemas written out in the operation instead of referenced. A property's
 * `default` is what the server uses when it is left out, and openapi-typescript (by default)
 * reads a default in a referenced schema as "always present", which is true of answers only:
 * inside a request body it keeps such fields optional. Schemas only request bodies used leave
 * the components.
 */
export function inlineRequestBodies(document: OpenAPIObject): OpenAPIObject {
  const schemas = document.components?.schemas ?? {};
  const inlined = new Set<string>();
  const inline = (value: unknown, seen: readonly string[]): unknown => {
    if (Array.isArray(value)) return value.map((item) => inline(item, seen));
    if (typeof value !== 'object' || value === null) return value;
    const ref = (value as { $ref?: unknown }).$ref;
    if (typeof ref === 'string' && ref.startsWith(SCHEMA_REF)) {
      const name = ref.slice(SCHEMA_REF.length);
      // A schema that contains itself stays a reference.
      if (seen.includes(name) || !(name in schemas)) return value;
      inlined.add(name);
      return inline(schemas[name], [...seen, name]);
    }
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, inline(child, seen)]));
  };
  for (const [operation] of operationsOf(document)) {
    const body = operation.requestBody;
    if (!body || '$ref' in body) continue;
    for (const media of Object.values(body.content)) {
      if (media.schema) media.schema = inline(media.schema, []) as SchemaObject;
    }
  }
  const stillUsed = referencedSchemas(document);
  for (const name of inlined) if (!stillUsed.has(name)) delete schemas[name];
  return document;
}

/** Names of the component schemas the paths reference, directly or through other schemas. */
function referencedSchemas(document: OpenAPIObject): Set<string> {
  const schemas = document.components?.schemas ?? {};
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value !== 'object' || value === null) return;
    const ref = (value as { $ref?: unknown }).$ref;
    if (typeof ref === 'string' && ref.startsWith(SCHEMA_REF)) {
      const name = ref.slice(SCHEMA_REF.length);
      if (found.has(name)) return;
      found.add(name);
      visit(schemas[name]);
      return;
    }
    Object.values(value).forEach(visit);
  };
  visit(document.paths);
  return found;
}
