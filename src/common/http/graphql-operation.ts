import type { OpenAPIObject, PathItemObject, SchemaObject } from '@nestjs/swagger';

export const GRAPHQL_PATH = '/graphql';
/** Where the broker serves the GraphQL SDL beside the OpenAPI document (API_DOCS). */
export const GRAPHQL_SDL_URL_PATH = 'schema.graphql';

const GRAPHQL_ERROR: SchemaObject = {
  type: 'object',
  required: ['message'],
  properties: {
    message: { type: 'string' },
    locations: {
      type: 'array',
      items: { type: 'object', properties: { line: { type: 'integer' }, column: { type: 'integer' } } },
    },
    path: { type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'integer' }] } },
    extensions: {
      type: 'object',
      additionalProperties: true,
      properties: {
        code: { type: 'string', example: 'FORBIDDEN' },
        status: { type: 'integer', example: 403 },
        requestId: { type: 'string' },
      },
    },
  },
};

const GRAPHQL_RESPONSE: SchemaObject = {
  type: 'object',
  properties: {
    data: { type: 'object', nullable: true, additionalProperties: true },
    errors: { type: 'array', items: GRAPHQL_ERROR },
  },
};

// Declared under components.headers by the document's completion.
const NO_STORE = { 'Cache-Control': { $ref: '#/components/headers/Cache-Control' } };

/**
 * POST /graphql as one operation, so REST tools (Swagger UI, Prism, generated clients) see it;
 * its schema is the SDL, linked rather than repeated.
 */
const GRAPHQL_PATH_ITEM: PathItemObject = {
  post: {
    operationId: 'GraphQL_execute',
    tags: ['graphql'],
    summary: 'Run a GraphQL query or mutation',
    description: [
      'The same service layer as /v1, in GraphQL. The schema is the SDL served at `/schema.graphql` beside this',
      'document (committed as `src/schema.gql`); subscriptions (`secretEvents`) use graphql-ws over WebSocket on',
      'this path. Resolver errors (FORBIDDEN, NOT_FOUND, …) answer 200 beside `data`; a syntax, validation or',
      'variable error answers 400. Every error carries `extensions.code`, `extensions.status` and `extensions.requestId`.',
    ].join(' '),
    externalDocs: { description: 'The GraphQL schema (SDL)', url: `/${GRAPHQL_SDL_URL_PATH}` },
    security: [{ bearer: [] }],
    requestBody: {
      description: 'A GraphQL request: the operation and its variables',
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['query'],
            properties: {
              query: { type: 'string', description: 'The operation, in GraphQL' },
              variables: { type: 'object', additionalProperties: true, description: 'Its variables' },
              operationName: { type: 'string', description: 'Which operation of the document to run' },
            },
          },
          example: { query: '{ whoami { subject } }' },
        },
      },
    },
    responses: {
      '200': {
        description: 'The result: `data`, and `errors` for the fields that failed',
        headers: NO_STORE,
        content: { 'application/json': { schema: GRAPHQL_RESPONSE } },
      },
      '400': {
        description: 'A syntax, validation or variable error, or a request Apollo refuses (CSRF prevention)',
        headers: NO_STORE,
        content: {
          'application/json': {
            schema: GRAPHQL_RESPONSE,
            example: {
              errors: [
                {
                  message: 'Syntax Error: Expected Name, found <EOF>.',
                  extensions: { code: 'GRAPHQL_PARSE_FAILED', status: 400, requestId: 'graphql-1' },
                },
              ],
            },
          },
        },
      },
    },
  },
};

/** The document with POST /graphql described. */
export function withGraphqlOperation(document: OpenAPIObject): OpenAPIObject {
  document.paths[GRAPHQL_PATH] = GRAPHQL_PATH_ITEM;
  document.tags = [
    ...(document.tags ?? []),
    { name: 'graphql', description: 'GraphQL over HTTP; the schema is the SDL at /schema.graphql' },
  ];
  return document;
}
