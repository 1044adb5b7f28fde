// Regenerates openapi/openapi.yaml and src/schema.gql from the code (`npm run contracts`).
// test/contracts.test.ts fails while the committed files differ from what this writes.
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import {
  buildOpenApiDocument,
  GRAPHQL_SDL_PATH,
  OPENAPI_PATH,
  printGraphqlSchema,
} from '../src/common/http/api-contracts.js';
import { startContractApp } from './contract-app.js';

const app = await startContractApp();
writeFileSync(
  OPENAPI_PATH,
  stringify(buildOpenApiDocument(app), { sortMapEntries: false, aliasDuplicateObjects: false }),
);
writeFileSync(GRAPHQL_SDL_PATH, printGraphqlSchema(app));
await app.close();
console.log(`wrote ${OPENAPI_PATH} and ${GRAPHQL_SDL_PATH}`);
