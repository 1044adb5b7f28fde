/**
 * The request body Swagger UI's "Try it out" pre-fills for a schema (its sampleFromSchema, for
 * the keywords this document uses): the media type's example if any; else every property, each
 * its example, default, first enum value or a placeholder of its type.
 */
export function swaggerSample(schema: SampleSchema): unknown {
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum) return schema.enum[0];
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'object': {
      const sample: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(schema.properties ?? {})) sample[name] = swaggerSample(property);
      if (typeof schema.additionalProperties === 'object') {
        for (const index of [1, 2, 3]) sample[`additionalProp${index}`] = swaggerSample(schema.additionalProperties);
      }
      return sample;
    }
    case 'array':
      return [swaggerSample(schema.items ?? {})];
    case 'integer':
    case 'number':
      return schema.minimum ?? 0;
    case 'boolean':
      return true;
    case 'string':
      return stringSample(schema.format);
    default:
      return schema.oneOf || schema.anyOf ? swaggerSample((schema.oneOf ?? schema.anyOf ?? [])[0]) : {};
  }
}

function stringSample(format: string | undefined): string {
  switch (format) {
    case 'date-time':
      return new Date().toISOString();
    case 'uri':
      return 'https://example.com/';
    case 'uuid':
      return '3fa85f64-5717-4562-b3fc-2c963f66afa6';
    default:
      return 'string';
  }
}

export interface SampleSchema {
  readonly type?: string;
  readonly format?: string;
  readonly example?: unknown;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly properties?: Readonly<Record<string, SampleSchema>>;
  readonly additionalProperties?: SampleSchema | boolean;
  readonly items?: SampleSchema;
  readonly oneOf?: readonly SampleSchema[];
  readonly anyOf?: readonly SampleSchema[];
}
