import type { INestApplication } from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isUnionType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startContractApp } from '../scripts/contract-app.js';

/** Every type, field, argument and enum value of the schema a client introspects, by its path. */
function undescribed(app: INestApplication): string[] {
  const { schema } = app.get(GraphQLSchemaHost);
  const missing: string[] = [];
  const check = (path: string, description: string | null | undefined) => {
    if (!description?.trim()) missing.push(path);
  };
  const checkField = (typeName: string, field: GraphQLField<unknown, unknown> | GraphQLInputField) => {
    check(`${typeName}.${field.name}`, field.description);
    const args: readonly GraphQLArgument[] = 'args' in field ? field.args : [];
    for (const argument of args) check(`${typeName}.${field.name}(${argument.name})`, argument.description);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    // The root operation types are containers; their fields carry the descriptions.
    const isRoot = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].includes(
      type as never,
    );
    if (!isRoot && !(isScalarType(type) && ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name))) {
      check(type.name, type.description);
    }
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) checkField(type.name, field);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) check(`${type.name}.${value.name}`, value.description);
    } else if (isUnionType(type)) {
      continue;
    }
  }
  return missing;
}

describe('the GraphQL schema', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await startContractApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('describes every type, field and argument', () => {
    expect(undescribed(app)).toEqual([]);
  });
});
