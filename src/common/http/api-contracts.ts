import type { INestApplication } from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { printSchema } from 'graphql';

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
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  return SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
}

/** The GraphQL SDL of the code-first schema. */
export function printGraphqlSchema(app: INestApplication): string {
  return `${printSchema(app.get(GraphQLSchemaHost).schema)}\n`;
}
