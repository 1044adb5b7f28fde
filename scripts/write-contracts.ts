// Regenerates openapi/openapi.yaml, src/schema.gql and the TypeScript client's types from the code
// (`npm run contracts`). test/contracts.test.ts fails while the committed files differ from what this writes.
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import {
  buildOpenApiDocument,
  GRAPHQL_SDL_PATH,
  OPENAPI_PATH,
  printGraphqlSchema,
} from '../src/common/http/api-contracts.js';
import { startContractApp } from './contract-app.js';
import { CLIENT_SCHEMA_PATH, generateClientSchema } from './typescript-client.js';

const app = await startContractApp();
const openApiYaml = stringify(buildOpenApiDocument(app), { sortMapEntries: false, aliasDuplicateObjects: false });
writeFileSync(OPENAPI_PATH, openApiYaml);
writeFileSync(GRAPHQL_SDL_PATH, printGraphqlSchema(app));
await app.close();
writeFileSync(CLIENT_SCHEMA_PATH, await generateClientSchema(openApiYaml));
console.log(`wrote ${OPENAPI_PATH}, ${GRAPHQL_SDL_PATH} and ${CLIENT_SCHEMA_PATH}`);
