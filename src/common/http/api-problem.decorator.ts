import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

/** The problem+json body (RFC 9457) every error response carries. */
export class ProblemDocument {
  @ApiProperty({ example: 'urn:secrets-broker:problem:forbidden' })
  type: string;
  @ApiProperty({ example: 'Forbidden' })
  title: string;
  @ApiProperty({ example: 403 })
  status: number;
  @ApiProperty({ example: 'Permission denied: no grant gives read on team-a/db-main' })
  detail: string;
  @ApiProperty({ example: '4f9c2a6e-1b7d-4e55-9a43-2f1f7c0b9d11' })
  requestId: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  details?: Record<string, unknown>;
}

const STATUSES: Record<number, string> = {
  400: 'Malformed input',
  401: 'Missing or invalid bearer token',
  403: 'No grant allows this',
  404: 'Not found',
  409: 'Conflict',
  422: 'Semantically invalid input',
};

/** Documents the problem+json error responses shared by every authenticated route. */
export function ApiProblemResponses(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDocument),
    ...Object.entries(STATUSES).map(([status, description]) =>
      ApiResponse({
        status: Number(status),
        description,
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDocument) } } },
      }),
    ),
  );
}
