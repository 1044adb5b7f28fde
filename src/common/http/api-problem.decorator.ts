import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { codeForHttpStatus, describeError, problemTypeOf } from '../errors/error-catalog.js';

/** The problem+json body (RFC 9457) every error response carries. */
export class ProblemDocument {
  @ApiProperty({
    example: 'urn:secrets-broker:problem:forbidden',
    description: 'A URN naming the kind of problem; stable, unlike the detail text',
  })
  type: string;

  @ApiProperty({ example: 'Forbidden', description: 'The HTTP reason phrase of the status' })
  title: string;

  @ApiProperty({ example: 403, description: 'The HTTP status, repeated' })
  status: number;

  @ApiProperty({
    example: 'Permission denied: no grant gives read on team-a/db-main',
    description: 'What went wrong with this request, for a human (never a secret value)',
  })
  detail: string;

  @ApiProperty({
    example: '4f9c2a6e-1b7d-4e55-9a43-2f1f7c0b9d11',
    description: 'The request id, also sent as X-Request-Id and recorded in the log and the audit trail',
  })
  requestId: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Machine-readable particulars of some problems (for example the field errors of a 422)',
  })
  details?: Record<string, unknown>;
}

/** What each problem status means on this API. */
const PROBLEM_DESCRIPTIONS = {
  400: 'Malformed input: a path or query parameter, header or body field fails validation, or the body is not valid JSON',
  401: 'Missing or invalid bearer token (sent with WWW-Authenticate: Bearer)',
  403: 'No grant allows this; answered before any existence check, so it tells nothing about the resource',
  404: 'Not found',
  409: 'Conflict: the resource already exists, is in use, or the If-Match version is stale',
  410: 'Gone: the secret was revoked; its history remains',
  413: 'Request body too large',
  415: 'Unsupported content type: send application/json',
  422: 'Well-formed but semantically invalid input',
  429: 'Rate limited: too many requests from this subject, or failed authentications from this address (sent with Retry-After)',
  502: 'The Kubernetes API refused the broker or answered unexpectedly',
  503: 'Unavailable: the database, the audit log or the Kubernetes API cannot be reached; retry later',
} as const;

export type ProblemStatus = keyof typeof PROBLEM_DESCRIPTIONS;

/** A `detail` each status really answers with, for the example of that status. */
const PROBLEM_EXAMPLE_DETAILS: Record<ProblemStatus, string> = {
  400: 'name: name must be a Kubernetes name (DNS-1123)',
  401: 'missing bearer token',
  403: 'Permission denied: no grant gives read on team-a/db-main',
  404: 'Secret team-a/db-main not found',
  409: 'Secret team-a/db-main is at version 4, not 3',
  410: 'Secret team-a/db-main was revoked',
  413: 'Request body too large',
  415: 'Content-Type text/plain is not accepted; send application/json',
  422: 'No generator for key password; pass generate',
  429: 'Too many failed authentications from this address; retry in 12 s',
  502: 'The Kubernetes API refused the request',
  503: 'The audit log cannot be written; nothing was done',
};

/** The problem body an answer with this status carries, as an example. */
function problemExample(status: ProblemStatus): ProblemDocument {
  const code = codeForHttpStatus(status);
  return {
    type: problemTypeOf(code),
    title: describeError(code).title,
    status,
    detail: PROBLEM_EXAMPLE_DETAILS[status],
    requestId: '4f9c2a6e-1b7d-4e55-9a43-2f1f7c0b9d11',
  };
}

/** Every authenticated route can answer these: authentication, rate limits and fail-closed audit. */
export const AUTHENTICATED_PROBLEMS: readonly ProblemStatus[] = [401, 429, 503];

/**
 * The further problems each kind of authenticated route can answer. Bodies are JSON, so every
 * route with a body can also answer 413 and 415; routes reaching the cluster can answer 502.
 */
export const ROUTE_PROBLEMS = {
  /** About the caller only. */
  caller: [],
  /** Needs a verb somewhere, takes no input. */
  guarded: [403],
  /** A listing with query filters. */
  listing: [400, 403],
  /** One resource named in the path. */
  lookup: [400, 403, 404],
  /** Deletes a resource named in the path, unless it is in use. */
  deletion: [400, 403, 404, 409],
  /** A JSON body that is evaluated or stored as given. */
  submission: [400, 403, 413, 415, 422],
  /** A JSON body creating a named resource, which may exist already. */
  creation: [400, 403, 409, 413, 415, 422],
  /** Secrets of a namespace, listed from the cluster. */
  secretListing: [400, 403, 502],
  /** One secret read through the cluster. */
  secretLookup: [400, 403, 404, 410, 502],
  /** One secret's values, with an optional JSON body saying which. */
  secretRequest: [400, 403, 404, 410, 413, 415, 502],
  /** One secret's record in the broker's database. */
  secretHistory: [400, 403, 404],
  /** A new secret written to the cluster. */
  secretCreation: [400, 403, 404, 409, 413, 415, 422, 502],
  /** A JSON body acting on one existing secret in the cluster. */
  secretChange: [400, 403, 404, 409, 410, 413, 415, 422, 502],
  /** Ends a resource named in the path, unless it has ended already, and removes what it holds in the cluster. */
  clusterRelease: [400, 403, 404, 409, 502],
} as const satisfies Record<string, readonly ProblemStatus[]>;

export type RouteKind = keyof typeof ROUTE_PROBLEMS;

/** Documents problem+json responses with the given statuses. */
export function ApiProblemResponses(statuses: readonly ProblemStatus[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDocument),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: PROBLEM_DESCRIPTIONS[status],
        content: {
          'application/problem+json': {
            schema: { $ref: getSchemaPath(ProblemDocument) },
            example: problemExample(status),
          },
        },
      }),
    ),
  );
}
