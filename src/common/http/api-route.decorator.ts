import { applyDecorators, SetMetadata, type Type } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOperation, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ApiProblemResponses, ROUTE_PROBLEMS, type RouteKind } from './api-problem.decorator.js';

export interface ApiRouteOptions {
  /** One line: what the route does. */
  readonly summary: string;
  /** What a client author needs beyond the summary: the verb it takes, effects, caveats. */
  readonly description: string;
  /** The model class of the success body, or `[Model]` for a JSON array of them. */
  readonly returns: Type<unknown> | [Type<unknown>];
  /** What the success body holds. */
  readonly returnsDescription: string;
  /** The success status (default 200). */
  readonly status?: 200 | 201 | 202;
  /** The kind of route, which decides the problem responses it declares. */
  readonly kind: RouteKind;
  /**
   * The JSON body it takes, if any; `required: false` where the route also accepts none. `example`
   * is what Swagger UI's "Try it out" pre-fills: give one where the sample built from the schema
   * would be refused (placeholder keys, a date already past).
   */
  readonly body?: {
    readonly type: Type<unknown>;
    readonly description: string;
    readonly required?: boolean;
    readonly example?: object;
  };
}

/** Metadata holding a route's request body example, written into the document by its completion. */
export const REQUEST_BODY_EXAMPLE = 'secrets-broker:request-body-example';

/** Documents one authenticated REST route: its operation, its success body and the problems its kind can answer. */
export function ApiRoute(options: ApiRouteOptions): MethodDecorator {
  const [type, isArray] = Array.isArray(options.returns) ? [options.returns[0], true] : [options.returns, false];
  return applyDecorators(
    ApiOperation({ summary: options.summary, description: options.description }),
    ApiResponse({ status: options.status ?? 200, type, isArray, description: options.returnsDescription }),
    ApiProblemResponses(ROUTE_PROBLEMS[options.kind]),
    ...(options.body
      ? [
          ApiBody({
            required: true,
            type: options.body.type,
            description: options.body.description,
            ...required(options.body),
          }),
          SetMetadata(REQUEST_BODY_EXAMPLE, options.body.example),
        ]
      : []),
  );
}

function required(body: NonNullable<ApiRouteOptions['body']>): { required?: boolean } {
  return body.required === undefined ? {} : { required: body.required };
}

/** The JSON Fastify answers itself, before routing, when the request line or headers are too large. */
export class HttpServerErrorDocument {
  @ApiProperty({ example: 'Request Header Fields Too Large', description: 'The HTTP reason phrase' })
  error: string;

  @ApiProperty({ example: 'Exceeded maximum allowed HTTP header size', description: 'What was refused' })
  message: string;

  @ApiProperty({ example: 431, description: 'The HTTP status, repeated' })
  statusCode: number;
}

/**
 * Documents a route that needs no token (probes and metrics): `security: []`, and the one client
 * error such a route can meet, which the HTTP server answers before any handler runs.
 */
export function ApiPublicRoute(options: Pick<ApiRouteOptions, 'summary' | 'description'>): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: options.summary, description: options.description, security: [] }),
    ApiExtraModels(HttpServerErrorDocument),
    ApiResponse({
      status: 431,
      description: 'Request headers larger than the HTTP server accepts (16 KiB)',
      content: { 'application/json': { schema: { $ref: getSchemaPath(HttpServerErrorDocument) } } },
    }),
  );
}
