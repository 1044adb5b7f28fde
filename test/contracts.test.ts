import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import {
  buildOpenApiDocument,
  GRAPHQL_SDL_PATH,
  OPENAPI_PATH,
  printGraphqlSchema,
} from '../src/common/http/api-contracts.js';
import { startContractApp } from '../scripts/contract-app.js';
import { CLIENT_SCHEMA_PATH, generateClientSchema } from '../scripts/typescript-client.js';

describe('committed API contracts', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await startContractApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('openapi/openapi.yaml matches the code (run `npm run contracts` to regenerate)', () => {
    const committed: unknown = parse(readFileSync(OPENAPI_PATH, 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument(app))));
  });

  it('src/schema.gql matches the code (run `npm run contracts` to regenerate)', () => {
    expect(readFileSync(GRAPHQL_SDL_PATH, 'utf8')).toBe(printGraphqlSchema(app));
  });

  it('clients/typescript/schema.d.ts matches openapi/openapi.yaml (run `npm run contracts` to regenerate)', async () => {
    const generated = await generateClientSchema(readFileSync(OPENAPI_PATH, 'utf8'));
    expect(readFileSync(CLIENT_SCHEMA_PATH, 'utf8')).toBe(generated);
  });

  it('is an honest OpenAPI 3.0 document', () => {
    const document = buildOpenApiDocument(app);
    expect(document.openapi).toMatch(/^3\.0\./);
  });

  it('describes every operation, parameter, body and schema property', () => {
    expect(undescribed(buildOpenApiDocument(app))).toEqual([]);
  });

  it('declares a success body for every operation, and the token everywhere but on the public routes', () => {
    const document = buildOpenApiDocument(app);
    for (const [path, operation] of operationsOf(document)) {
      const success = Object.entries(operation.responses).find(([status]) => status.startsWith('2'));
      expect(success?.[1], path).toHaveProperty('content');
      const isPublic = ['/healthz', '/readyz', '/metrics'].some((route) => path.endsWith(` ${route}`));
      expect(operation.security, path).toEqual(isPublic ? [] : [{ bearer: [] }]);
    }
    expect(document.security).toEqual([{ bearer: [] }]);
  });
});

type OperationObject = NonNullable<OpenAPIObject['paths'][string]['get']>;
/** What the description check reads of a parameter, body or schema (references have none of it). */
interface Described {
  readonly name?: string;
  readonly description?: string;
  readonly properties?: Record<string, Described>;
}

function operationsOf(document: OpenAPIObject): [string, OperationObject][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    (['get', 'put', 'post', 'delete', 'patch'] as const).flatMap((method) => {
      const operation = item[method];
      return operation ? [[`${method.toUpperCase()} ${path}`, operation] as [string, OperationObject]] : [];
    }),
  );
}

/** Where the document leaves a client author guessing: operations, parameters, bodies or properties without a description. */
function undescribed(document: OpenAPIObject): string[] {
  const missing: string[] = [];
  for (const [where, operation] of operationsOf(document)) {
    if (!operation.description) missing.push(where);
    for (const parameter of (operation.parameters ?? []) as Described[]) {
      if (!parameter.description) missing.push(`${where} ${parameter.name}`);
    }
    const body = operation.requestBody as Described | undefined;
    if (body && !body.description) missing.push(`${where} body`);
  }
  const properties = (schema: Described, where: string) => {
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      if (!property.description) missing.push(`${where}.${name}`);
      properties(property, `${where}.${name}`);
    }
  };
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {}))
    properties(schema as Described, name);
  return missing;
}
