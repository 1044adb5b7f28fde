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
      properties: { status: { type: 'string', description: 'The state of this dependency: up, down or degraded' } },
      required: ['status'],
      additionalProperties: true,
    },
  };
}

/** The answer of the readiness probe when every dependency is up (otherwise 503 problem+json). */
export class ReadinessView {
  @ApiProperty({ enum: ['ok'], description: '`ok`: the database, the Kubernetes API and the secrets cache are usable' })
  status: 'ok';

  @ApiPropertyOptional(indicators('The dependencies that are up (database, cluster, secrets-cache), by name'))
  info?: Record<string, { status: string }>;

  @ApiPropertyOptional(indicators('The dependencies that are down, by name (empty when ready)'))
  error?: Record<string, { status: string }>;

  @ApiProperty(indicators('Every dependency, by name'))
  details: Record<string, { status: string }>;
}
