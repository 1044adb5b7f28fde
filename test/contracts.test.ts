import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { INestApplication } from '@nestjs/common';
import {
  buildOpenApiDocument,
  GRAPHQL_SDL_PATH,
  OPENAPI_PATH,
  printGraphqlSchema,
} from '../src/common/http/api-contracts.js';
import { startContractApp } from '../scripts/contract-app.js';

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

  it('is an honest OpenAPI 3.0 document', () => {
    const document = buildOpenApiDocument(app);
    expect(document.openapi).toMatch(/^3\.0\./);
  });
});
