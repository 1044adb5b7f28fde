import { TypeMetadataStorage } from '@nestjs/graphql/dist/schema-builder/storages/index.js';
import { type GraphQLSchema, isInputObjectType, isObjectType } from 'graphql';

// Where @nestjs/swagger keeps a property's @ApiProperty options (its DECORATORS.API_MODEL_PROPERTIES).
const API_MODEL_PROPERTIES = 'swagger/apiModelProperties';

/**
 * A GraphQL field or argument without a description of its own takes the one its class's
 * `@ApiProperty` gives: models, inputs and argument classes serve both transports, so each is
 * described once.
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
  describeArguments(schema);
  return schema;
}

/** Arguments of queries and mutations declared by an `@Args()` class, from that class. */
function describeArguments(schema: GraphQLSchema): void {
  const roots = [
    { type: schema.getQueryType(), resolvers: TypeMetadataStorage.getQueriesMetadata() },
    { type: schema.getMutationType(), resolvers: TypeMetadataStorage.getMutationsMetadata() },
  ];
  for (const { type, resolvers } of roots) {
    for (const resolver of resolvers) {
      const field = type?.getFields()[resolver.schemaName];
      if (!field) continue;
      for (const methodArgument of resolver.methodArgs ?? []) {
        if (methodArgument.kind !== 'args') continue;
        const prototype = (methodArgument.typeFn() as { prototype: object }).prototype;
        for (const argument of field.args.filter(({ description }) => !description)) {
          argument.description = openApiDescription(prototype, argument.name) ?? argument.description;
        }
      }
    }
  }
}

function openApiDescription(prototype: object, property: string): string | undefined {
  const options = Reflect.getMetadata(API_MODEL_PROPERTIES, prototype, property) as
    { description?: string } | undefined;
  return options?.description;
}
