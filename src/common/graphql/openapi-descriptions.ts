import { TypeMetadataStorage } from '@nestjs/graphql/dist/schema-builder/storages/index.js';
import { type GraphQLSchema, isInputObjectType, isObjectType } from 'graphql';

// Where @nestjs/swagger keeps a property's @ApiProperty options (its DECORATORS.API_MODEL_PROPERTIES).
const API_MODEL_PROPERTIES = 'swagger/apiModelProperties';

/**
 * A GraphQL field without a description of its own takes the one its class's `@ApiProperty`
 * gives: the models and inputs serve both transports, so each field is described once.
 */
export function withOpenApiDescriptions(schema: GraphQLSchema): GraphQLSchema {
  const classes = new Map<string, object>();
  for (const { name, target } of [
    ...TypeMetadataStorage.getObjectTypesMetadata(),
    ...TypeMetadataStorage.getInputTypesMetadata(),
  ]) {
    classes.set(name, target.prototype as object);
  }
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) && !isInputObjectType(type)) continue;
    const prototype = classes.get(type.name);
    if (prototype === undefined) continue;
    const fields = type.getFields() as Record<string, { name: string; description?: string | null }>;
    for (const field of Object.values(fields)) {
      if (field.description) continue;
      const property = Reflect.getMetadata(API_MODEL_PROPERTIES, prototype, field.name) as
        { description?: string } | undefined;
      if (property?.description) field.description = property.description;
    }
  }
  return schema;
}
