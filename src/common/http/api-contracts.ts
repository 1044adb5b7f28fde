import type { INestApplication } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { printSchema } from 'graphql';
import { GRAPHQL_SDL_URL_PATH, withGraphqlOperation } from './graphql-operation.js';
import { completeOpenApiDocument, operationIdOf } from './openapi-completion.js';

export const OPENAPI_PATH = 'openapi/openapi.yaml';
export const GRAPHQL_SDL_PATH = 'src/schema.gql';

/** The OpenAPI 3.0 document of the REST API, generated from the controllers and DTOs. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('secrets-broker')
    .setDescription(
      'Request, create, update, rotate, roll back and revoke Kubernetes Secrets under RBAC-style grants, with a tamper-evident audit trail.',
    )
    .setVersion('1')
    // package.json's UNLICENSED: internal, no rights granted; the URL says what that means.
    .setLicense('UNLICENSED', 'https://docs.npmjs.com/cli/v10/configuring-npm/package-json#license')
    // Relative: the document describes whichever broker serves it.
    .addServer('/', 'The broker serving this document')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'A JWT from the configured issuer, or a Kubernetes ServiceAccount token when TokenReview is on',
    })
    // Every route needs the token unless it says otherwise (`security: []` on the probes and metrics).
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, { operationIdFactory: operationIdOf });
  return completeOpenApiDocument(app, withGraphqlOperation(document));
}

export const API_DOCS_PATH = 'docs';
export const OPENAPI_JSON_PATH = 'openapi.json';

/**
 * Serves the document at /openapi.json, Swagger UI at /docs and the GraphQL SDL the document
 * links to at /schema.graphql. Registered on Fastify directly, outside Nest's guards: all are
 * public, and exist only when API_DOCS is on. Call before init.
 */
export function serveApiDocs(app: INestApplication): void {
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  fastify.get(`/${GRAPHQL_SDL_URL_PATH}`, (_request, reply) => {
    void reply.type('text/plain; charset=utf-8').send(printGraphqlSchema(app));
  });
  SwaggerModule.setup(API_DOCS_PATH, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'secrets-broker API',
  });
}

/** The GraphQL SDL of the code-first schema. */
export function printGraphqlSchema(app: INestApplication): string {
  return `${printSchema(app.get(GraphQLSchemaHost).schema)}\n`;
}
