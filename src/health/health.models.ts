import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';

/** The answer of the liveness probe. */
export class LivenessView {
  @ApiProperty({ enum: ['ok'], description: 'Always `ok`: the process serves requests' })
  status: 'ok';
}

/** Terminus's map of health indicators: name → `{status, …details}`. */
function indicators(description: string): ApiPropertyOptions {
  return {
    type: 'object',
    description,
    additionalProperties: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['up', 'degraded', 'down'], description: 'The state of this dependency' },
      },
      required: ['status'],
      additionalProperties: true,
    },
  };
}

/** The answer of the readiness probe when every dependency is up (otherwise 503 problem+json). */
export class ReadinessView {
  @ApiProperty({
    enum: ['ok', 'degraded'],
    description:
      'ok: the database, the Kubernetes API and the secrets cache are usable; degraded: still ready, but a watch is reconnecting and reads go to the API server',
  })
  status: 'ok' | 'degraded';

  @ApiPropertyOptional(indicators('The dependencies that are up (database, cluster, secrets-cache), by name'))
  info?: Record<string, { status: string }>;

  @ApiPropertyOptional(indicators('The dependencies that are down, by name (empty when ready)'))
  error?: Record<string, { status: string }>;

  @ApiProperty(indicators('Every dependency, by name'))
  details: Record<string, { status: string }>;
}
